//! The C face of [`neutrino::encap::icmp`]: the ICMPv4 "fragmentation needed" and ICMPv6
//! "packet too big" errors a datapath sends back for a frame that exceeds the network MTU,
//! written as a complete Ethernet frame into a caller buffer.
//!
//! This file only translates between core and C types; the rules (what is quoted, when no
//! error may be sent) live in the core.

use core::slice;

use neutrino::encap::icmp::{self, IcmpError, Suppressed};
use neutrino::wire::MacAddr;

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// Why no ICMP error was generated (`NEUTRINO_ICMP_SUPPRESSED`), following RFC 1812 §4.3.2.7
/// and RFC 4443 §2.4(e).
///
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum neutrino_icmp_suppressed {
    /// Nothing was suppressed (the call succeeded or failed for another reason).
    NEUTRINO_ICMP_SENT = 0,
    /// The frame is not IPv4 (frag needed) or IPv6 (packet too big).
    NEUTRINO_ICMP_NOT_IP = 1,
    /// The offending packet is itself an ICMP error.
    NEUTRINO_ICMP_IS_ERROR = 2,
    /// Not the first fragment.
    NEUTRINO_ICMP_LATER_FRAGMENT = 3,
    /// The source is not a unique host (unspecified, loopback, multicast, broadcast, class E).
    NEUTRINO_ICMP_BAD_SOURCE = 4,
    /// IPv4 to a multicast or broadcast destination (IP or link layer).
    NEUTRINO_ICMP_NOT_UNICAST = 5,
    /// IPv4 without DF: a router fragments it instead.
    NEUTRINO_ICMP_NOT_DF = 6,
    /// The MTU to report is below the protocol minimum (68 / 1280).
    NEUTRINO_ICMP_MTU_TOO_SMALL = 7,
    /// A reason this ABI version has no code for.
    NEUTRINO_ICMP_OTHER = 99,
}

fn reason_of(s: Suppressed) -> neutrino_icmp_suppressed {
    use neutrino_icmp_suppressed::*;
    match s {
        Suppressed::NotIp => NEUTRINO_ICMP_NOT_IP,
        Suppressed::IcmpError => NEUTRINO_ICMP_IS_ERROR,
        Suppressed::LaterFragment => NEUTRINO_ICMP_LATER_FRAGMENT,
        Suppressed::BadSource => NEUTRINO_ICMP_BAD_SOURCE,
        Suppressed::NotUnicast => NEUTRINO_ICMP_NOT_UNICAST,
        Suppressed::NotDf => NEUTRINO_ICMP_NOT_DF,
        Suppressed::MtuTooSmall => NEUTRINO_ICMP_MTU_TOO_SMALL,
        // `Suppressed` is non-exhaustive: a reason added to the core after this ABI.
        _ => NEUTRINO_ICMP_OTHER,
    }
}

/// Checks the arguments shared by both calls, runs `build` over the borrowed frame, the
/// router's MAC and address and the output, and reports the length or the reason.
///
/// # Safety
/// As the exported functions' contracts.
#[allow(clippy::too_many_arguments)]
unsafe fn generate<const N: usize>(
    frame: *const u8,
    frame_len: usize,
    src_mac: *const [u8; 6],
    src_ip: *const [u8; N],
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
    reason: *mut neutrino_icmp_suppressed,
    build: impl FnOnce(&[u8], MacAddr, [u8; N], &mut [u8]) -> Result<usize, IcmpError>,
) -> Result<(), neutrino_status> {
    args::check_ptr(src_mac)?;
    args::check_ptr(src_ip)?;
    // SAFETY: checked non-NULL; `[u8; N]` has alignment 1; readable per the contract.
    let (mac, ip) = unsafe { (MacAddr(*src_mac), *src_ip) };
    args::check_ptr(written)?;
    if !reason.is_null() {
        args::check_ptr(reason)?;
    }
    args::check_array(out, out_len)?;
    // SAFETY: checked (NULL only with length 0); readable per the contract.
    let frame = unsafe { args::slice_from(frame, frame_len) }?;
    let out: &mut [u8] = if out_len == 0 {
        &mut []
    } else {
        // SAFETY: checked non-NULL with `out_len` bytes in range; writable and not aliased
        // by `frame` per the contract.
        unsafe { slice::from_raw_parts_mut(out, out_len) }
    };
    let (res, why) = match build(frame, mac, ip, out) {
        Ok(n) => (Ok(n), neutrino_icmp_suppressed::NEUTRINO_ICMP_SENT),
        Err(IcmpError::Suppressed(s)) => (Err(NEUTRINO_ICMP_SUPPRESSED), reason_of(s)),
        Err(IcmpError::Wire(w)) => (Err(w.into()), neutrino_icmp_suppressed::NEUTRINO_ICMP_SENT),
        Err(_) => (
            Err(NEUTRINO_MALFORMED),
            neutrino_icmp_suppressed::NEUTRINO_ICMP_OTHER,
        ),
    };
    if !reason.is_null() {
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { reason.write(why) };
    }
    let n = res?;
    // SAFETY: checked; writable per the contract.
    unsafe { written.write(n) };
    Ok(())
}

/// Writes into `out` the ICMPv4 Destination Unreachable / Fragmentation Needed (type 3 code 4,
/// RFC 1191 §4) that a router with MAC `src_mac` and address `src_ip` sends back for the IPv4
/// Ethernet `frame` that exceeds `mtu`: addressed to the frame's sender, with its VLAN tags,
/// quoting the datagram up to 576 bytes (RFC 1812 §4.3.2.3). `*written` gets the length.
///
/// `NEUTRINO_ICMP_SUPPRESSED` when the RFCs say not to send one, with the reason in `*reason`
/// (optional, NULL to ignore); `NEUTRINO_BUFFER_TOO_SMALL` when `out` is too small; a parse
/// status when the frame's Ethernet or IPv4 header is malformed. On any error `out` is
/// untouched.
///
/// # Safety
/// `frame` NULL (with `frame_len == 0`) or `frame_len` readable bytes; `out` NULL (with
/// `out_len == 0`) or `out_len` writable bytes not overlapping `frame`; `src_mac` 6 and
/// `src_ip` 4 readable bytes; `written` a writable `size_t`; `reason` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn neutrino_icmp_frag_needed(
    frame: *const u8,
    frame_len: usize,
    mtu: u16,
    src_mac: *const [u8; 6],
    src_ip: *const [u8; 4],
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
    reason: *mut neutrino_icmp_suppressed,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: the contract is `generate`'s.
        unsafe {
            generate(
                frame,
                frame_len,
                src_mac,
                src_ip,
                out,
                out_len,
                written,
                reason,
                |f, mac, ip, o| icmp::frag_needed(f, mtu, mac, ip, o),
            )
        }
    }
}

/// Writes into `out` the ICMPv6 Packet Too Big (type 2, RFC 4443 §3.2) that a router with MAC
/// `src_mac` and address `src_ip` sends back for the IPv6 Ethernet `frame` that exceeds
/// `mtu`, quoting the packet so that the error fits the IPv6 minimum MTU of 1280 (RFC 4443
/// §2.4(c)). Errors and outputs as [`neutrino_icmp_frag_needed`].
///
/// # Safety
/// As [`neutrino_icmp_frag_needed`], with `src_ip` 16 readable bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn neutrino_icmp_packet_too_big(
    frame: *const u8,
    frame_len: usize,
    mtu: u32,
    src_mac: *const [u8; 6],
    src_ip: *const [u8; 16],
    out: *mut u8,
    out_len: usize,
    written: *mut usize,
    reason: *mut neutrino_icmp_suppressed,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: the contract is `generate`'s.
        unsafe {
            generate(
                frame,
                frame_len,
                src_mac,
                src_ip,
                out,
                out_len,
                written,
                reason,
                |f, mac, ip, o| icmp::packet_too_big(f, mtu, mac, ip, o),
            )
        }
    }
}
