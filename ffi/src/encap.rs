//! The C face of [`neutrino::encap`]: encap and decap contexts (opaque handles created from a
//! configuration struct, validated once), single-packet and burst calls on mbuf-style packets
//! `(buf, buf_len, *data_off, *data_len)` that grow into headroom or shrink in place, and
//! counters.
//!
//! This file only translates between core and C types; the encap logic lives in the core.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use core::slice;

use neutrino::encap::{
    DecapConfig, DecapCtx, Decapped, Df, DropReason, EncapConfig, EncapCtx, EncapError,
    GeneveOptions, GreOptions, Remote, Stats, Tos, Ttl, TunnelHeader, TunnelType, UdpChecksum,
    Underlay,
};
use neutrino::wire::MacAddr;
use neutrino::PacketBuf;

use crate::args;
use crate::classify::{NEUTRINO_TUNNEL_GENEVE, NEUTRINO_TUNNEL_GRE, NEUTRINO_TUNNEL_VXLAN};
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// `neutrino_encap_config.flags`: copy the inner DSCP instead of the fixed `tos`.
pub const NEUTRINO_ENCAP_TOS_INHERIT: u32 = 1 << 0;
/// `neutrino_encap_config.flags`: allow a zero UDP checksum over IPv6 (RFC 6935/6936 opt-in).
pub const NEUTRINO_ENCAP_ZERO_UDP6_CSUM: u32 = 1 << 1;
/// `neutrino_encap_config.flags`: GRE carries a checksum.
pub const NEUTRINO_ENCAP_GRE_CSUM: u32 = 1 << 2;
/// `neutrino_encap_config.flags`: GRE carries a sequence number.
pub const NEUTRINO_ENCAP_GRE_SEQ: u32 = 1 << 3;
/// `neutrino_encap_config.flags`: no default remote (`remote_*` ignored); use
/// `neutrino_encap_to`.
pub const NEUTRINO_ENCAP_NO_REMOTE: u32 = 1 << 4;
const ENCAP_KNOWN_FLAGS: u32 = NEUTRINO_ENCAP_TOS_INHERIT
    | NEUTRINO_ENCAP_ZERO_UDP6_CSUM
    | NEUTRINO_ENCAP_GRE_CSUM
    | NEUTRINO_ENCAP_GRE_SEQ
    | NEUTRINO_ENCAP_NO_REMOTE;

/// `neutrino_encap_config.df`: always set DF.
pub const NEUTRINO_DF_SET: u8 = 0;
/// `neutrino_encap_config.df`: never set DF.
pub const NEUTRINO_DF_UNSET: u8 = 1;
/// `neutrino_encap_config.df`: copy the inner IPv4 DF.
pub const NEUTRINO_DF_INHERIT: u8 = 2;

/// `neutrino_encap_config.udp_csum`: zero over IPv4, full over IPv6.
pub const NEUTRINO_UDP_CSUM_DEFAULT: u8 = 0;
/// `neutrino_encap_config.udp_csum`: zero (no checksum).
pub const NEUTRINO_UDP_CSUM_ZERO: u8 = 1;
/// `neutrino_encap_config.udp_csum`: computed over the whole datagram.
pub const NEUTRINO_UDP_CSUM_FULL: u8 = 2;
/// `neutrino_encap_config.udp_csum`: pseudo-header sum only, for NIC offload
/// (`RTE_MBUF_F_TX_UDP_CKSUM`).
pub const NEUTRINO_UDP_CSUM_OFFLOAD: u8 = 3;

/// `neutrino_decap_config.flags`: accept only `id`.
pub const NEUTRINO_DECAP_EXPECT_ID: u32 = 1 << 0;
/// `neutrino_decap_config.flags`: accept only packets to `local_ip`.
pub const NEUTRINO_DECAP_EXPECT_LOCAL: u32 = 1 << 1;
/// `neutrino_decap_config.flags`: skip the outer IPv4 header checksum (the NIC verified it).
pub const NEUTRINO_DECAP_NO_IP_CSUM: u32 = 1 << 2;
/// `neutrino_decap_config.flags`: skip the UDP/GRE checksum (the NIC verified it).
pub const NEUTRINO_DECAP_NO_L4_CSUM: u32 = 1 << 3;
/// `neutrino_decap_config.flags`: accept a zero UDP checksum over IPv6.
pub const NEUTRINO_DECAP_ZERO_UDP6_CSUM: u32 = 1 << 4;
/// `neutrino_decap_config.flags`: accept GENEVE critical options (the caller processes them).
pub const NEUTRINO_DECAP_GENEVE_CRITICAL: u32 = 1 << 5;
/// `neutrino_decap_config.flags`: no RFC 6040 ECN processing.
pub const NEUTRINO_DECAP_NO_ECN: u32 = 1 << 6;
const DECAP_KNOWN_FLAGS: u32 = NEUTRINO_DECAP_EXPECT_ID
    | NEUTRINO_DECAP_EXPECT_LOCAL
    | NEUTRINO_DECAP_NO_IP_CSUM
    | NEUTRINO_DECAP_NO_L4_CSUM
    | NEUTRINO_DECAP_ZERO_UDP6_CSUM
    | NEUTRINO_DECAP_GENEVE_CRITICAL
    | NEUTRINO_DECAP_NO_ECN;

/// Number of drop reasons (`neutrino_stats.drops` length).
pub const NEUTRINO_DROP_REASONS: usize = 14;
/// Drop reason: not enough headroom (or offsets out of range).
pub const NEUTRINO_DROP_NO_HEADROOM: u32 = 0;
/// Drop reason: a header ended early.
pub const NEUTRINO_DROP_TRUNCATED: u32 = 1;
/// Drop reason: a checksum did not verify.
pub const NEUTRINO_DROP_BAD_CHECKSUM: u32 = 2;
/// Drop reason: another malformation.
pub const NEUTRINO_DROP_MALFORMED: u32 = 3;
/// Drop reason: over the MTU.
pub const NEUTRINO_DROP_TOO_BIG: u32 = 4;
/// Drop reason: wrong tunnel or VLAN id.
pub const NEUTRINO_DROP_WRONG_ID: u32 = 5;
/// Drop reason: outer destination not local.
pub const NEUTRINO_DROP_NOT_LOCAL: u32 = 6;
/// Drop reason: unexpected protocol.
pub const NEUTRINO_DROP_WRONG_PROTOCOL: u32 = 7;
/// Drop reason: unexpected UDP port.
pub const NEUTRINO_DROP_WRONG_PORT: u32 = 8;
/// Drop reason: outer fragment.
pub const NEUTRINO_DROP_FRAGMENT: u32 = 9;
/// Drop reason: zero UDP checksum over IPv6.
pub const NEUTRINO_DROP_ZERO_CHECKSUM: u32 = 10;
/// Drop reason: GENEVE critical option.
pub const NEUTRINO_DROP_CRITICAL_OPTION: u32 = 11;
/// Drop reason: RFC 6040 ECN drop.
pub const NEUTRINO_DROP_ECN: u32 = 12;
/// Drop reason: no usable remote.
pub const NEUTRINO_DROP_NO_REMOTE: u32 = 13;

// The C numbers are the core's; a change here is an ABI break and must fail the build.
const _: () = {
    assert!(NEUTRINO_DROP_REASONS == DropReason::COUNT);
    assert!(NEUTRINO_DROP_NO_HEADROOM == DropReason::NoHeadroom as u32);
    assert!(NEUTRINO_DROP_TRUNCATED == DropReason::Truncated as u32);
    assert!(NEUTRINO_DROP_BAD_CHECKSUM == DropReason::BadChecksum as u32);
    assert!(NEUTRINO_DROP_MALFORMED == DropReason::Malformed as u32);
    assert!(NEUTRINO_DROP_TOO_BIG == DropReason::TooBig as u32);
    assert!(NEUTRINO_DROP_WRONG_ID == DropReason::WrongId as u32);
    assert!(NEUTRINO_DROP_NOT_LOCAL == DropReason::NotLocal as u32);
    assert!(NEUTRINO_DROP_WRONG_PROTOCOL == DropReason::WrongProtocol as u32);
    assert!(NEUTRINO_DROP_WRONG_PORT == DropReason::WrongPort as u32);
    assert!(NEUTRINO_DROP_FRAGMENT == DropReason::Fragment as u32);
    assert!(NEUTRINO_DROP_ZERO_CHECKSUM == DropReason::ZeroChecksum as u32);
    assert!(NEUTRINO_DROP_CRITICAL_OPTION == DropReason::CriticalOption as u32);
    assert!(NEUTRINO_DROP_ECN == DropReason::EcnDrop as u32);
    assert!(NEUTRINO_DROP_NO_REMOTE == DropReason::NoRemote as u32);
    assert!(NEUTRINO_TUNNEL_VXLAN == TunnelType::Vxlan as u8);
    assert!(NEUTRINO_TUNNEL_GENEVE == TunnelType::Geneve as u8);
    assert!(NEUTRINO_TUNNEL_GRE == TunnelType::Gre as u8);
    assert!(size_of::<neutrino_encap_config>() == 96);
    assert!(size_of::<neutrino_decap_config>() == 28);
    assert!(size_of::<neutrino_decap_result>() == 60);
    assert!(size_of::<neutrino_stats>() == 128);
};

/// A tunnel to encapsulate into. Start from `neutrino_encap_config_default`.
/// Addresses: `ip_version` 4 (the first 4 bytes of `local_ip`/`remote_ip`) or 6.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct neutrino_encap_config {
    /// `NEUTRINO_TUNNEL_VXLAN`, `_GENEVE` or `_GRE`.
    pub tunnel: u8,
    /// 4 or 6: the underlay's IP version.
    pub ip_version: u8,
    /// Outer TTL / hop limit; 0 copies the inner one.
    pub ttl: u8,
    /// Outer TOS (DSCP; the ECN bits follow RFC 6040) unless `NEUTRINO_ENCAP_TOS_INHERIT`.
    pub tos: u8,
    /// `NEUTRINO_DF_*` (IPv4 underlay; must be `NEUTRINO_DF_SET` over IPv6).
    pub df: u8,
    /// `NEUTRINO_UDP_CSUM_*`.
    pub udp_csum: u8,
    /// UDP destination port; 0 for the IANA port (4789 VXLAN, 6081 GENEVE).
    pub udp_port: u16,
    /// VNI (1..=2^24 − 1) or GRE key (1..=2^32 − 1).
    pub id: u32,
    /// `NEUTRINO_ENCAP_*` bits.
    pub flags: u32,
    /// Lowest UDP source port (0: 49152).
    pub src_port_min: u16,
    /// Highest UDP source port (0: 65535).
    pub src_port_max: u16,
    /// Largest outer IP packet; 0 disables the check.
    pub path_mtu: u16,
    /// Outer source MAC.
    pub local_mac: [u8; 6],
    /// Outer destination MAC (the remote's or the gateway's).
    pub remote_mac: [u8; 6],
    /// Local tunnel endpoint (IPv4 in the first 4 bytes).
    pub local_ip: [u8; 16],
    /// Remote tunnel endpoint (IPv4 in the first 4 bytes).
    pub remote_ip: [u8; 16],
    /// Seed of the flow hash for the UDP source port and IPv6 flow label.
    pub hash_seed: u64,
    /// GENEVE options (encoded TLVs, at most 252 bytes); may be NULL when the length is 0.
    pub geneve_options: *const u8,
    /// Length of `geneve_options`.
    pub geneve_options_len: usize,
}

/// A remote for `neutrino_encap_to`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct neutrino_remote {
    /// 4 or 6.
    pub ip_version: u8,
    /// Destination MAC of the outer frame.
    pub mac: [u8; 6],
    /// Padding; write 0.
    pub reserved: u8,
    /// The remote endpoint (IPv4 in the first 4 bytes).
    pub ip: [u8; 16],
}

/// What a decap context accepts. Start from `neutrino_decap_config_default`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct neutrino_decap_config {
    /// `NEUTRINO_TUNNEL_VXLAN`, `_GENEVE` or `_GRE`.
    pub tunnel: u8,
    /// 4 or 6, the version of `local_ip` (with `NEUTRINO_DECAP_EXPECT_LOCAL`).
    pub ip_version: u8,
    /// UDP destination port; 0 for the IANA port.
    pub udp_port: u16,
    /// `NEUTRINO_DECAP_*` bits.
    pub flags: u32,
    /// The expected VNI or key (with `NEUTRINO_DECAP_EXPECT_ID`).
    pub id: u32,
    /// The local endpoint (with `NEUTRINO_DECAP_EXPECT_LOCAL`).
    pub local_ip: [u8; 16],
}

/// What decap found. Offsets are from the packet's first byte before decap (its old
/// `data_off`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct neutrino_decap_result {
    /// `NEUTRINO_TUNNEL_*`.
    pub tunnel: u8,
    /// 4 or 6: the outer IP version.
    pub ip_version: u8,
    /// GENEVE OAM flag.
    pub oam: u8,
    /// 1 when `sequence` holds a GRE sequence number.
    pub has_sequence: u8,
    /// VNI or key.
    pub id: u32,
    /// Outer UDP source port (0 for GRE).
    pub src_port: u16,
    /// Start of the inner frame (the bytes stripped).
    pub inner_off: u16,
    /// Inner frame length.
    pub inner_len: u16,
    /// GENEVE options offset (still in the headroom after the strip).
    pub options_off: u16,
    /// GENEVE options length.
    pub options_len: u16,
    /// Outer source MAC.
    pub outer_src_mac: [u8; 6],
    /// GRE sequence number.
    pub sequence: u32,
    /// Outer source address: the remote VTEP (IPv4 in the first 4 bytes).
    pub outer_src: [u8; 16],
    /// Outer destination address.
    pub outer_dst: [u8; 16],
}

/// Counters of a context.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct neutrino_stats {
    /// Packets processed.
    pub packets: u64,
    /// Bytes of those packets after processing.
    pub bytes: u64,
    /// Drops by `NEUTRINO_DROP_*` reason.
    pub drops: [u64; NEUTRINO_DROP_REASONS],
}

/// A packet of a burst, modified in place: `data_off`/`data_len` are updated on success.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct neutrino_mbuf {
    /// Start of the buffer (mbuf `buf_addr`); may be NULL only when `buf_len` is 0.
    pub buf: *mut u8,
    /// Size of the buffer.
    pub buf_len: usize,
    /// Offset of the first packet byte (mbuf `data_off`).
    pub data_off: u16,
    /// Packet length (mbuf `data_len`).
    pub data_len: u16,
}

/// An encap context (opaque).
#[derive(Debug)]
pub struct neutrino_encap_ctx {
    ctx: EncapCtx,
}

/// A decap context (opaque).
#[derive(Debug)]
pub struct neutrino_decap_ctx {
    ctx: DecapCtx,
}

fn tunnel_type(t: u8) -> Result<TunnelType, neutrino_status> {
    match t {
        NEUTRINO_TUNNEL_VXLAN => Ok(TunnelType::Vxlan),
        NEUTRINO_TUNNEL_GENEVE => Ok(TunnelType::Geneve),
        NEUTRINO_TUNNEL_GRE => Ok(TunnelType::Gre),
        _ => Err(NEUTRINO_INVALID_ARGUMENT),
    }
}

fn ip_of(version: u8, b: &[u8; 16]) -> Result<IpAddr, neutrino_status> {
    match version {
        4 => Ok(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        6 => Ok(IpAddr::V6(Ipv6Addr::from(*b))),
        _ => Err(NEUTRINO_INVALID_ARGUMENT),
    }
}

fn ip_bytes(a: IpAddr) -> ([u8; 16], u8) {
    let mut out = [0u8; 16];
    match a {
        IpAddr::V4(v) => {
            out[..4].copy_from_slice(&v.octets());
            (out, 4)
        }
        IpAddr::V6(v) => (v.octets(), 6),
    }
}

impl From<&Stats> for neutrino_stats {
    fn from(s: &Stats) -> Self {
        neutrino_stats {
            packets: s.packets,
            bytes: s.bytes,
            drops: s.drops,
        }
    }
}

impl From<&Decapped> for neutrino_decap_result {
    fn from(d: &Decapped) -> Self {
        let (outer_src, ip_version) = ip_bytes(d.outer_src);
        let (outer_dst, _) = ip_bytes(d.outer_dst);
        // Offsets fit: they lie inside an mbuf's 16-bit data length.
        neutrino_decap_result {
            tunnel: d.tunnel as u8,
            ip_version,
            oam: u8::from(d.oam),
            has_sequence: u8::from(d.sequence.is_some()),
            id: d.id,
            src_port: d.src_port,
            inner_off: d.inner_off as u16,
            inner_len: d.inner_len as u16,
            options_off: d.options_off as u16,
            options_len: d.options_len as u16,
            outer_src_mac: d.outer_src_mac.0,
            sequence: d.sequence.unwrap_or(0),
            outer_src,
            outer_dst,
        }
    }
}

impl neutrino_encap_config {
    /// The defaults: VXLAN over IPv4, TTL 64, TOS 0, DF set, default UDP checksum policy, IANA
    /// port, ports 49152..=65535, no MTU check; addresses, MACs and id to be filled.
    pub fn defaults() -> Self {
        neutrino_encap_config {
            tunnel: NEUTRINO_TUNNEL_VXLAN,
            ip_version: 4,
            ttl: 64,
            tos: 0,
            df: NEUTRINO_DF_SET,
            udp_csum: NEUTRINO_UDP_CSUM_DEFAULT,
            udp_port: 0,
            id: 0,
            flags: 0,
            src_port_min: 0,
            src_port_max: 0,
            path_mtu: 0,
            local_mac: [0; 6],
            remote_mac: [0; 6],
            local_ip: [0; 16],
            remote_ip: [0; 16],
            hash_seed: 0,
            geneve_options: core::ptr::null(),
            geneve_options_len: 0,
        }
    }

    /// The core configuration; argument errors (unknown enum values or flags) are
    /// `NEUTRINO_INVALID_ARGUMENT`, the rest is for `EncapCtx::new` to judge.
    ///
    /// # Safety
    /// `geneve_options` must be NULL or point to `geneve_options_len` readable bytes.
    unsafe fn to_core(self) -> Result<EncapConfig, neutrino_status> {
        if self.flags & !ENCAP_KNOWN_FLAGS != 0 {
            return Err(NEUTRINO_INVALID_ARGUMENT);
        }
        let local = ip_of(self.ip_version, &self.local_ip)?;
        let flag = |f: u32| self.flags & f != 0;
        let header = match tunnel_type(self.tunnel)? {
            TunnelType::Vxlan => TunnelHeader::Vxlan { vni: self.id },
            TunnelType::Geneve => {
                // SAFETY: forwarded contract.
                let opts =
                    unsafe { args::slice_from(self.geneve_options, self.geneve_options_len) }?;
                TunnelHeader::Geneve {
                    vni: self.id,
                    options: GeneveOptions::from_bytes(opts)?,
                }
            }
            TunnelType::Gre => TunnelHeader::Gre {
                key: self.id,
                options: GreOptions {
                    checksum: flag(NEUTRINO_ENCAP_GRE_CSUM),
                    sequence: flag(NEUTRINO_ENCAP_GRE_SEQ),
                },
            },
        };
        let mut u = Underlay::new(local, MacAddr(self.local_mac));
        u.ttl = if self.ttl == 0 {
            Ttl::Inherit
        } else {
            Ttl::Fixed(self.ttl)
        };
        u.tos = if flag(NEUTRINO_ENCAP_TOS_INHERIT) {
            Tos::Inherit
        } else {
            Tos::Fixed(self.tos)
        };
        u.df = match self.df {
            NEUTRINO_DF_SET => Df::Set,
            NEUTRINO_DF_UNSET => Df::Unset,
            NEUTRINO_DF_INHERIT => Df::Inherit,
            _ => return Err(NEUTRINO_INVALID_ARGUMENT),
        };
        u.udp_checksum = match self.udp_csum {
            NEUTRINO_UDP_CSUM_DEFAULT => None,
            NEUTRINO_UDP_CSUM_ZERO => Some(UdpChecksum::Zero),
            NEUTRINO_UDP_CSUM_FULL => Some(UdpChecksum::Full),
            NEUTRINO_UDP_CSUM_OFFLOAD => Some(UdpChecksum::Offload),
            _ => return Err(NEUTRINO_INVALID_ARGUMENT),
        };
        u.allow_zero_udp6_checksum = flag(NEUTRINO_ENCAP_ZERO_UDP6_CSUM);
        u.udp_port = self.udp_port;
        if self.src_port_min != 0 {
            u.src_port_min = self.src_port_min;
        }
        if self.src_port_max != 0 {
            u.src_port_max = self.src_port_max;
        }
        u.hash_seed = self.hash_seed;
        u.path_mtu = self.path_mtu;
        let remote = if flag(NEUTRINO_ENCAP_NO_REMOTE) {
            None
        } else {
            Some(Remote {
                ip: ip_of(self.ip_version, &self.remote_ip)?,
                mac: MacAddr(self.remote_mac),
            })
        };
        Ok(EncapConfig {
            header,
            underlay: u,
            remote,
        })
    }
}

impl neutrino_decap_config {
    fn to_core(self) -> Result<DecapConfig, neutrino_status> {
        if self.flags & !DECAP_KNOWN_FLAGS != 0 {
            return Err(NEUTRINO_INVALID_ARGUMENT);
        }
        let flag = |f: u32| self.flags & f != 0;
        Ok(DecapConfig {
            expect_id: flag(NEUTRINO_DECAP_EXPECT_ID).then_some(self.id),
            local_ip: if flag(NEUTRINO_DECAP_EXPECT_LOCAL) {
                Some(ip_of(self.ip_version, &self.local_ip)?)
            } else {
                None
            },
            udp_port: self.udp_port,
            verify_ip_checksum: !flag(NEUTRINO_DECAP_NO_IP_CSUM),
            verify_l4_checksum: !flag(NEUTRINO_DECAP_NO_L4_CSUM),
            allow_zero_udp6_checksum: flag(NEUTRINO_DECAP_ZERO_UDP6_CSUM),
            accept_geneve_critical: flag(NEUTRINO_DECAP_GENEVE_CRITICAL),
            ecn: !flag(NEUTRINO_DECAP_NO_ECN),
            ..DecapConfig::new(tunnel_type(self.tunnel)?)
        })
    }
}

/// The whole caller buffer as a [`PacketBuf`] with the packet at `[data_off, data_off +
/// data_len)`, after the pointer checks.
///
/// # Safety
/// When `buf` is not NULL, `buf_len` bytes at `buf` must be readable and writable, and not
/// accessed by anyone else for `'a`.
unsafe fn packet_buf<'a>(
    buf: *mut u8,
    buf_len: usize,
    data_off: u16,
    data_len: u16,
) -> Result<PacketBuf<'a>, neutrino_status> {
    args::check_array(buf, buf_len)?;
    let mem: &'a mut [u8] = if buf_len == 0 {
        &mut []
    } else {
        // SAFETY: non-NULL (a NULL buf has buf_len 0), aligned for u8, size within isize
        // (check_array); exclusive access is the caller's contract.
        unsafe { slice::from_raw_parts_mut(buf, buf_len) }
    };
    Ok(PacketBuf::new(
        mem,
        usize::from(data_off),
        usize::from(data_len),
    )?)
}

/// Runs `op` on the mbuf-style packet and writes the new offsets back on success.
///
/// # Safety
/// As [`packet_buf`]; `data_off`/`data_len` must be valid, aligned, writable `u16`s that do not
/// overlap `buf`.
unsafe fn with_packet<T>(
    buf: *mut u8,
    buf_len: usize,
    data_off: *mut u16,
    data_len: *mut u16,
    op: impl FnOnce(&mut PacketBuf<'_>) -> Result<T, EncapError>,
) -> Result<T, neutrino_status> {
    args::check_ptr(data_off)?;
    args::check_ptr(data_len)?;
    // SAFETY: checked non-NULL and aligned; readable per the contract.
    let (off, len) = unsafe { (data_off.read(), data_len.read()) };
    // SAFETY: forwarded contract.
    let mut b = unsafe { packet_buf(buf, buf_len, off, len) }?;
    let r = op(&mut b)?;
    let (o, l) = b.offsets();
    // SAFETY: as above, writable per the contract; `b` no longer used.
    unsafe {
        data_off.write(o);
        data_len.write(l);
    }
    Ok(r)
}

/// Writes the defaults into `*out` (see `neutrino_encap_config`).
///
/// # Safety
/// `out` must be NULL (refused) or point to a writable `neutrino_encap_config`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_config_default(
    out: *mut neutrino_encap_config,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { out.write(neutrino_encap_config::defaults()) };
        Ok(())
    }
}

/// Validates `cfg` and creates an encap context in `*out` (free it with
/// `neutrino_encap_free`). `NEUTRINO_INVALID_CONFIG` when Neutron's rules or the RFCs refuse
/// the configuration (VNI 0, addresses of different families, a zero UDP checksum over IPv6
/// without the opt-in, ...); `*out` is then left untouched.
///
/// # Safety
/// `cfg` must point to an initialised config (its `geneve_options` NULL or readable for
/// `geneve_options_len` bytes); `out` to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_new(
    cfg: *const neutrino_encap_config,
    out: *mut *mut neutrino_encap_ctx,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(cfg)?;
        args::check_ptr(out)?;
        // SAFETY: checked; initialised per the contract (all fields valid for any bits).
        let c = unsafe { cfg.read() };
        // SAFETY: forwarded contract for geneve_options.
        let core = unsafe { c.to_core() }?;
        let ctx = EncapCtx::new(&core)?;
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { args::put_box(out, neutrino_encap_ctx { ctx }) }
    }
}

/// Frees an encap context; NULL is fine.
///
/// # Safety
/// `ctx` must be NULL or a pointer from `neutrino_encap_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_free(ctx: *mut neutrino_encap_ctx) {
    crate::guard::guard_value((), || {
        // SAFETY: NULL or a handle from neutrino_encap_new, not used afterwards (contract).
        unsafe { args::free_box(ctx) }
    })
}

/// The bytes every packet grows by, in `*out`.
///
/// # Safety
/// `ctx` must be a live encap context; `out` a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_overhead(
    ctx: *const neutrino_encap_ctx,
    out: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        args::check_ptr(out)?;
        // SAFETY: checked; live per the contract; the write target is checked.
        unsafe { out.write((*ctx).ctx.overhead()) };
        Ok(())
    }
}

/// Encapsulates the packet `buf[*data_off .. *data_off + *data_len]` toward the configured
/// remote, growing into the headroom; on success `*data_off`/`*data_len` describe the tunnel
/// packet. On error nothing changes (`NEUTRINO_NO_HEADROOM` when `*data_off` is below the
/// overhead) and the drop is counted.
///
/// # Safety
/// `ctx` must be a live encap context not used concurrently; `buf` NULL or `buf_len` readable
/// and writable bytes; `data_off`/`data_len` writable `uint16_t` outside `buf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap(
    ctx: *mut neutrino_encap_ctx,
    buf: *mut u8,
    buf_len: usize,
    data_off: *mut u16,
    data_len: *mut u16,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        // SAFETY: checked; live and exclusively ours for the call (contract).
        let ctx = unsafe { &mut (*ctx).ctx };
        // SAFETY: forwarded contract.
        unsafe { with_packet(buf, buf_len, data_off, data_len, |b| ctx.encap(b)) }
    }
}

/// Like `neutrino_encap`, toward `remote` (a multipoint tunnel; the remote comes from the
/// caller's FDB). `NEUTRINO_NO_REMOTE` when its IP version is not the underlay's.
///
/// # Safety
/// As `neutrino_encap`; `remote` must point to an initialised `neutrino_remote`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_to(
    ctx: *mut neutrino_encap_ctx,
    remote: *const neutrino_remote,
    buf: *mut u8,
    buf_len: usize,
    data_off: *mut u16,
    data_len: *mut u16,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        args::check_ptr(remote)?;
        // SAFETY: checked; initialised per the contract.
        let r = unsafe { remote.read() };
        let r = Remote { ip: ip_of(r.ip_version, &r.ip)?, mac: MacAddr(r.mac) };
        // SAFETY: checked; live and exclusively ours for the call (contract).
        let ctx = unsafe { &mut (*ctx).ctx };
        // SAFETY: forwarded contract.
        unsafe { with_packet(buf, buf_len, data_off, data_len, |b| ctx.encap_to(b, &r)) }
    }
}

/// Encapsulates `n` packets: `statuses[i]` gets what `neutrino_encap` would return for
/// `pkts[i]`, whose `data_off`/`data_len` are updated on success. Returns `NEUTRINO_OK` when
/// the arguments were valid (whatever the packets' statuses); otherwise nothing is done.
///
/// # Safety
/// `ctx` as for `neutrino_encap`; `pkts` must point to `n` writable `neutrino_mbuf` (each
/// `buf` NULL or `buf_len` readable and writable bytes, no two overlapping), `statuses` to `n`
/// writable `uint32_t` overlapping nothing else; each may be NULL when `n` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_burst(
    ctx: *mut neutrino_encap_ctx,
    pkts: *mut neutrino_mbuf,
    n: usize,
    statuses: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        args::check_array(pkts, n)?;
        args::check_array(statuses, n)?;
        // SAFETY: checked; live and exclusively ours (contract).
        let ctx = unsafe { &mut (*ctx).ctx };
        for i in 0..n {
            // SAFETY: i < n and both arrays were checked for n elements; each mbuf is read,
            // processed and written back with no reference held across.
            unsafe {
                let p = pkts.add(i);
                let off = core::ptr::addr_of_mut!((*p).data_off);
                let len = core::ptr::addr_of_mut!((*p).data_len);
                let s = with_packet((*p).buf, (*p).buf_len, off, len, |b| ctx.encap(b));
                statuses.add(i).write(neutrino_status::from(s) as u32);
            }
        }
        Ok(())
    }
}

/// Copies the counters of an encap context into `*out`.
///
/// # Safety
/// `ctx` must be a live encap context; `out` a writable `neutrino_stats`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_encap_stats(
    ctx: *const neutrino_encap_ctx,
    out: *mut neutrino_stats,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        args::check_ptr(out)?;
        // SAFETY: checked; live per the contract; the write target is checked.
        unsafe { out.write((*ctx).ctx.stats().into()) };
        Ok(())
    }
}

/// Writes the decap defaults into `*out`: VXLAN, any id, any destination, IANA port, every
/// check on.
///
/// # Safety
/// `out` must point to a writable `neutrino_decap_config`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_decap_config_default(
    out: *mut neutrino_decap_config,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let d = neutrino_decap_config { tunnel: NEUTRINO_TUNNEL_VXLAN, ip_version: 4, ..Default::default() };
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { out.write(d) };
        Ok(())
    }
}

/// Validates `cfg` and creates a decap context in `*out` (free with `neutrino_decap_free`).
///
/// # Safety
/// `cfg` must point to an initialised config; `out` to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_decap_new(
    cfg: *const neutrino_decap_config,
    out: *mut *mut neutrino_decap_ctx,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(cfg)?;
        args::check_ptr(out)?;
        // SAFETY: checked; initialised per the contract (all integers).
        let c = unsafe { cfg.read() }.to_core()?;
        let ctx = DecapCtx::new(&c)?;
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { args::put_box(out, neutrino_decap_ctx { ctx }) }
    }
}

/// Frees a decap context; NULL is fine.
///
/// # Safety
/// `ctx` must be NULL or a pointer from `neutrino_decap_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_decap_free(ctx: *mut neutrino_decap_ctx) {
    crate::guard::guard_value((), || {
        // SAFETY: NULL or a handle from neutrino_decap_new, not used afterwards (contract).
        unsafe { args::free_box(ctx) }
    })
}

/// Validates the tunnel packet `buf[*data_off .. *data_off + *data_len]` and strips its outer
/// headers in place: on success `*data_off`/`*data_len` describe the inner frame and `*out`
/// (may be NULL) says what was found. On error nothing changes and the drop is counted.
///
/// # Safety
/// `ctx` must be a live decap context not used concurrently; `buf` NULL or `buf_len` readable
/// and writable bytes; `data_off`/`data_len` writable `uint16_t` outside `buf`; `out` NULL or a
/// writable `neutrino_decap_result`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_decap(
    ctx: *mut neutrino_decap_ctx,
    buf: *mut u8,
    buf_len: usize,
    data_off: *mut u16,
    data_len: *mut u16,
    out: *mut neutrino_decap_result,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        if !out.is_null() {
            args::check_ptr(out)?;
        }
        // SAFETY: checked; live and exclusively ours for the call (contract).
        let ctx = unsafe { &mut (*ctx).ctx };
        // SAFETY: forwarded contract.
        let d = unsafe { with_packet(buf, buf_len, data_off, data_len, |b| ctx.decap(b)) }?;
        if !out.is_null() {
            // SAFETY: checked non-NULL and aligned; writable per the contract.
            unsafe { out.write((&d).into()) };
        }
        Ok(())
    }
}

/// Decapsulates `n` packets: `statuses[i]` and (when `results` is not NULL) `results[i]` get
/// what `neutrino_decap` would give for `pkts[i]`, whose offsets are updated on success.
/// Returns `NEUTRINO_OK` when the arguments were valid.
///
/// # Safety
/// As `neutrino_encap_burst`; `results` NULL or `n` writable `neutrino_decap_result`
/// overlapping nothing else.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_decap_burst(
    ctx: *mut neutrino_decap_ctx,
    pkts: *mut neutrino_mbuf,
    n: usize,
    results: *mut neutrino_decap_result,
    statuses: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        args::check_array(pkts, n)?;
        args::check_array(statuses, n)?;
        if !results.is_null() {
            args::check_array(results, n)?;
        }
        // SAFETY: checked; live and exclusively ours (contract).
        let ctx = unsafe { &mut (*ctx).ctx };
        for i in 0..n {
            // SAFETY: i < n and the arrays were checked for n elements; no reference is held
            // across iterations.
            unsafe {
                let p = pkts.add(i);
                let off = core::ptr::addr_of_mut!((*p).data_off);
                let len = core::ptr::addr_of_mut!((*p).data_len);
                let r = with_packet((*p).buf, (*p).buf_len, off, len, |b| ctx.decap(b));
                if !results.is_null() {
                    let res = match &r {
                        Ok(d) => d.into(),
                        Err(_) => neutrino_decap_result::default(),
                    };
                    results.add(i).write(res);
                }
                statuses.add(i).write(neutrino_status::from(r.map(|_| ())) as u32);
            }
        }
        Ok(())
    }
}

/// Copies the counters of a decap context into `*out`.
///
/// # Safety
/// `ctx` must be a live decap context; `out` a writable `neutrino_stats`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_decap_stats(
    ctx: *const neutrino_decap_ctx,
    out: *mut neutrino_stats,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(ctx)?;
        args::check_ptr(out)?;
        // SAFETY: checked; live per the contract; the write target is checked.
        unsafe { out.write((*ctx).ctx.stats().into()) };
        Ok(())
    }
}
