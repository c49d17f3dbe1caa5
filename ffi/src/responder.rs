//! The ARP/ND responder for C: bindings (segment, IP) → MAC from L2 population, and
//! `neutrino_responder_respond`, which turns a request into its reply in place.

use neutrino::l2::responder::{NoReply, Responder, ResponderCounters, Verdict};

use crate::args;
use crate::fdb::{neutrino_ip_addr, read, read_mac, write};
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// `neutrino_responder_verdict.action`: the buffer holds the reply (`*data_len` updated);
/// send it back out of the ingress port and do not forward the request.
pub const NEUTRINO_RESPOND_REPLIED: u8 = 1;
/// Not answered, untouched: forward as usual (`reason` says why).
pub const NEUTRINO_RESPOND_PASS: u8 = 2;
/// A malformed ARP packet or Neighbor Solicitation: not answered (`malformed` has the cause).
pub const NEUTRINO_RESPOND_MALFORMED: u8 = 3;

/// `reason`: neither ARP nor a Neighbor Solicitation.
pub const NEUTRINO_NOREPLY_NOT_ARP_OR_NS: u8 = 1;
/// `reason`: ARP but not a request.
pub const NEUTRINO_NOREPLY_NOT_REQUEST: u8 = 2;
/// `reason`: no binding for the target (the request floods).
pub const NEUTRINO_NOREPLY_UNKNOWN: u8 = 3;
/// `reason`: gratuitous ARP, or an NS whose source is its target.
pub const NEUTRINO_NOREPLY_GRATUITOUS: u8 = 4;
/// `reason`: ARP probe (sender 0.0.0.0).
pub const NEUTRINO_NOREPLY_PROBE: u8 = 5;
/// `reason`: DAD solicitation (source ::).
pub const NEUTRINO_NOREPLY_DAD: u8 = 6;
/// `reason`: target in 127/8 or 224/4.
pub const NEUTRINO_NOREPLY_BAD_TARGET: u8 = 7;
/// `reason`: the advertisement would not fit the buffer.
pub const NEUTRINO_NOREPLY_NO_ROOM: u8 = 8;

/// What `neutrino_responder_respond` did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_responder_verdict {
    /// `NEUTRINO_RESPOND_*`.
    pub action: u8,
    /// `NEUTRINO_NOREPLY_*` for PASS, else 0.
    pub reason: u8,
    /// Zero.
    pub reserved: [u8; 2],
    /// For MALFORMED, the `neutrino_status` of the defect; else `NEUTRINO_OK`.
    pub malformed: u32,
}

/// Responder counters (see the Rust `ResponderCounters`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_responder_counters {
    /// ARP replies written.
    pub arp_replies: u64,
    /// Neighbor Advertisements written.
    pub na_replies: u64,
    /// Requests for unknown addresses.
    pub unknown: u64,
    /// Gratuitous ARPs and self-solicitations passed.
    pub gratuitous: u64,
    /// ARP probes passed.
    pub probes: u64,
    /// DAD solicitations passed.
    pub dad: u64,
    /// Malformed ARP/NS.
    pub malformed: u64,
    /// Replies that did not fit.
    pub no_room: u64,
    /// Other frames passed.
    pub passed: u64,
}

impl From<&ResponderCounters> for neutrino_responder_counters {
    fn from(c: &ResponderCounters) -> Self {
        neutrino_responder_counters {
            arp_replies: c.arp_replies,
            na_replies: c.na_replies,
            unknown: c.unknown,
            gratuitous: c.gratuitous,
            probes: c.probes,
            dad: c.dad,
            malformed: c.malformed,
            no_room: c.no_room,
            passed: c.passed,
        }
    }
}

/// An opaque responder handle, over heap memory ([`neutrino_responder_new`]) or the caller's
/// ([`neutrino_responder_init`]).
#[derive(Debug)]
pub struct neutrino_responder {
    inner: Responder<&'static mut [u8]>,
    /// A heap block from `neutrino_responder_new`, or caller memory from `_init`.
    origin: args::Origin,
}

/// # Safety
/// `r` NULL or a live, exclusively used handle.
unsafe fn resp<'a>(
    r: *mut neutrino_responder,
) -> Result<&'a mut Responder<&'static mut [u8]>, neutrino_status> {
    args::check_ptr(r)?;
    // SAFETY: forwarded contract.
    Ok(unsafe { &mut (*r).inner })
}

/// Creates a responder for `capacity` bindings over heap memory. Release it with
/// [`neutrino_responder_free`].
///
/// # Safety
/// `out` a writable `neutrino_responder *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_new(
    capacity: usize,
    seed: u64,
    out: *mut *mut neutrino_responder,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let (inner, block) = args::over_heap(Responder::mem_size(capacity)?, |m| {
            Responder::new_in(m, capacity, seed)
        })?;
        let h = neutrino_responder { inner, origin: args::Origin::BoxedOver(block) };
        // SAFETY: forwarded contract.
        unsafe { args::put_box(out, h) }
    }
}

/// Bytes of memory [`neutrino_responder_init`] needs for `capacity` bindings (the table, the
/// handle and alignment slack). `NEUTRINO_BAD_CAPACITY` for a capacity out of range.
///
/// # Safety
/// `out` a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_mem_size(
    capacity: usize,
    out: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let n = args::placed_size::<neutrino_responder>(Responder::mem_size(capacity)?)?;
        // SAFETY: forwarded contract.
        unsafe { write(out, n) }
    }
}

/// Builds a responder for `capacity` bindings inside the caller's memory `mem` of `mem_len`
/// bytes (at least [`neutrino_responder_mem_size`], any alignment). The handle lives in that
/// memory; [`neutrino_responder_free`] releases nothing but may be called.
///
/// # Safety
/// `mem` must point to `mem_len` writable bytes that nothing else reads or writes until the
/// responder is no longer used; `out` a writable `neutrino_responder *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_init(
    mem: *mut u8,
    mem_len: usize,
    capacity: usize,
    seed: u64,
    out: *mut *mut neutrino_responder,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let region = Responder::mem_size(capacity)?;
        // SAFETY: forwarded contract (`mem`, `mem_len`).
        let (h, mem) = unsafe { args::place::<neutrino_responder>(mem, mem_len, region) }?;
        let inner = Responder::new_in(mem, capacity, seed)?;
        // SAFETY: `h` is aligned and points to a handle-sized slot in the caller's memory
        // that nothing else uses (`place`).
        unsafe { h.write(neutrino_responder { inner, origin: args::Origin::Placed }) };
        // SAFETY: forwarded contract.
        unsafe { write(out, h) }
    }
}

/// Releases a responder from [`neutrino_responder_new`]; for one from
/// [`neutrino_responder_init`] only ends its use. NULL is fine.
///
/// # Safety
/// `r` NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_free(r: *mut neutrino_responder) -> neutrino_status {
    ffi_guard! {
        if !r.is_null() {
            args::check_ptr(r)?;
            // SAFETY: `r` is a live handle (contract), made as its `origin` says by
            // neutrino_responder_new or neutrino_responder_init, and not used afterwards.
            unsafe { args::release(r, (*r).origin) };
        }
        Ok(())
    }
}

/// Binds `ip` on `seg` to `mac` (6 bytes); `router` non-zero sets R in advertisements.
/// `NEUTRINO_BAD_ADDRESS` for a group MAC or an unspecified/multicast/loopback address,
/// `NEUTRINO_FULL` when full.
///
/// # Safety
/// `r` a live handle; `ip` one readable `neutrino_ip_addr`; `mac` 6 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_add(
    r: *mut neutrino_responder,
    seg: u32,
    ip: *const neutrino_ip_addr,
    mac: *const u8,
    router: u8,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (rs, a, m) = unsafe { (resp(r)?, read(ip)?.to_core()?, read_mac(mac)?) };
        Ok(rs.add(seg, a, m, router != 0)?)
    }
}

/// Removes a binding; `NEUTRINO_NOT_FOUND` if absent.
///
/// # Safety
/// `r` a live handle; `ip` one readable `neutrino_ip_addr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_remove(
    r: *mut neutrino_responder,
    seg: u32,
    ip: *const neutrino_ip_addr,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (rs, a) = unsafe { (resp(r)?, read(ip)?.to_core()?) };
        if rs.remove(seg, a) { Ok(()) } else { Err(NEUTRINO_NOT_FOUND) }
    }
}

/// Answers the frame at `buf + data_off` (`*data_len` bytes, received on segment `seg`) if it
/// is an ARP request or Neighbor Solicitation for a bound address: the reply is written in
/// place and `*data_len` set to its length (the bytes up to `buf_len` are tailroom it may
/// use). Returns `NEUTRINO_OK` with the verdict in `*out` for any frame; an error only for bad
/// arguments.
///
/// # Safety
/// `r` a live handle; `buf` `buf_len` writable bytes; `data_len` a readable and writable
/// `uint16_t`; `out` a writable `neutrino_responder_verdict`; none overlapping.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_respond(
    r: *mut neutrino_responder,
    seg: u32,
    buf: *mut u8,
    buf_len: usize,
    data_off: u16,
    data_len: *mut u16,
    out: *mut neutrino_responder_verdict,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contract.
        let len = usize::from(unsafe { read(data_len) }?);
        // SAFETY: forwarded contract.
        let rs = unsafe { resp(r) }?;
        args::check_array(buf, buf_len)?;
        let off = usize::from(data_off);
        if off.checked_add(len).is_none_or(|end| end > buf_len) || buf.is_null() {
            return Err(if buf.is_null() { NEUTRINO_NULL_POINTER } else { NEUTRINO_BAD_OFFSETS });
        }
        // SAFETY: `buf` holds `buf_len` writable bytes (contract) and `off <= buf_len`.
        let frame = unsafe { core::slice::from_raw_parts_mut(buf.add(off), buf_len - off) };
        // The reply's length is bounded by the u16 an mbuf holds.
        let cap = frame.len().min(usize::from(u16::MAX));
        let mut v = neutrino_responder_verdict::default();
        match rs.respond(seg, &mut frame[..cap], len) {
            Verdict::Replied { len } => {
                v.action = NEUTRINO_RESPOND_REPLIED;
                // `len <= cap <= u16::MAX`.
                // SAFETY: forwarded contract.
                unsafe { write(data_len, len as u16) }?;
            }
            Verdict::Pass(why) => {
                v.action = NEUTRINO_RESPOND_PASS;
                v.reason = match why {
                    NoReply::NotArpOrNs => NEUTRINO_NOREPLY_NOT_ARP_OR_NS,
                    NoReply::NotRequest => NEUTRINO_NOREPLY_NOT_REQUEST,
                    NoReply::Unknown => NEUTRINO_NOREPLY_UNKNOWN,
                    NoReply::Gratuitous => NEUTRINO_NOREPLY_GRATUITOUS,
                    NoReply::Probe => NEUTRINO_NOREPLY_PROBE,
                    NoReply::Dad => NEUTRINO_NOREPLY_DAD,
                    NoReply::BadTarget => NEUTRINO_NOREPLY_BAD_TARGET,
                    NoReply::NoRoom => NEUTRINO_NOREPLY_NO_ROOM,
                };
            }
            Verdict::Malformed(e) => {
                v.action = NEUTRINO_RESPOND_MALFORMED;
                v.malformed = neutrino_status::from(e) as u32;
            }
        }
        // SAFETY: forwarded contract.
        unsafe { write(out, v) }
    }
}

/// Copies the counters.
///
/// # Safety
/// `r` a live handle; `out` a writable `neutrino_responder_counters`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_responder_get_counters(
    r: *mut neutrino_responder,
    out: *mut neutrino_responder_counters,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let rs = unsafe { resp(r) }?;
        // SAFETY: forwarded contract.
        unsafe { write(out, rs.counters().into()) }
    }
}
