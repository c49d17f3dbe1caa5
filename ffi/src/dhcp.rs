//! The C face of [`neutrino::dhcp`]: a responder handle with its subnets and bindings, the
//! single-frame calls (into an output buffer, or in place over an mbuf-style buffer) and the
//! counters.

use core::ffi::{c_char, CStr};
use core::net::Ipv4Addr;

use neutrino::dhcp::{
    BindingSlot, DhcpSubnet, DhcpSubnetConfig, DropReason, NakPolicy, Responder, Verdict,
    DEFAULT_LEASE_SECS, MAX_REPLY_LEN,
};
use neutrino::ipam::Ipv4Net;
use neutrino::wire::MacAddr;

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// `neutrino_dhcp_responder_new` policy: RFC 2131 (a REQUEST for another server is ignored).
pub const NEUTRINO_DHCP_POLICY_STRICT: u32 = 0;
/// Policy: OVN native DHCP (the requested address decides; server id not checked).
pub const NEUTRINO_DHCP_POLICY_OVN: u32 = 1;
/// `neutrino_dhcp_result.verdict`: a reply was written.
pub const NEUTRINO_DHCP_REPLY: u32 = 0;
/// Verdict: accepted, nothing to send (RELEASE, DECLINE).
pub const NEUTRINO_DHCP_NO_REPLY: u32 = 1;
/// Verdict: dropped; `drop_reason` says why.
pub const NEUTRINO_DHCP_DROP: u32 = 2;
/// Number of drop reasons (`neutrino_dhcp_counters.drops`).
pub const NEUTRINO_DHCP_DROP_REASONS: usize = 18;
/// An output buffer this long always holds a reply.
pub const NEUTRINO_DHCP_MAX_REPLY_LEN: usize = 872;

const _: () = {
    assert!(NEUTRINO_DHCP_DROP_REASONS == DropReason::COUNT);
    assert!(NEUTRINO_DHCP_MAX_REPLY_LEN >= MAX_REPLY_LEN);
};

/// A host route for option 121.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct neutrino_dhcp_route {
    /// Destination network.
    pub destination: [u8; 4],
    /// Destination prefix length.
    pub prefix_len: u8,
    /// Next hop.
    pub nexthop: [u8; 4],
}

/// One subnet's DHCP options.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct neutrino_dhcp_subnet_config {
    /// The DHCP port's IP (source of replies, option 54).
    pub server_ip: [u8; 4],
    /// The DHCP port's MAC.
    pub server_mac: [u8; 6],
    /// Subnet network address.
    pub network: [u8; 4],
    /// Subnet prefix length (option 1).
    pub prefix_len: u8,
    /// Non-zero when `gateway` is set (option 3).
    pub has_gateway: u8,
    /// Gateway.
    pub gateway: [u8; 4],
    /// `n_dns` DNS servers, 4 bytes each (option 6).
    pub dns: *const u8,
    /// Number of DNS servers.
    pub n_dns: usize,
    /// Domain name (option 15) or NULL.
    pub domain_name: *const c_char,
    /// Interface MTU (option 26), 0 for none.
    pub mtu: u16,
    /// Host routes (option 121).
    pub routes: *const neutrino_dhcp_route,
    /// Number of host routes.
    pub n_routes: usize,
    /// Non-zero: add 169.254.169.254/32 via `server_ip` to option 121.
    pub metadata_route: u8,
    /// Lease seconds; 0 takes the default (43200); 0xffffffff is infinite.
    pub lease_secs: u32,
    /// Domain search list (option 119): `n_search` NUL-terminated names.
    pub domain_search: *const *const c_char,
    /// Number of search domains.
    pub n_search: usize,
}

/// What `neutrino_dhcp_handle` did.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct neutrino_dhcp_result {
    /// `NEUTRINO_DHCP_REPLY`, `_NO_REPLY` or `_DROP`.
    pub verdict: u32,
    /// Reply length in bytes (0 unless a reply).
    pub len: u32,
    /// DHCP message type of the reply (2 OFFER, 5 ACK, 6 NAK).
    pub msg_type: u8,
    /// The drop reason (index into `neutrino_dhcp_counters.drops`) when dropped.
    pub drop_reason: u8,
}

/// Counters of a responder.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct neutrino_dhcp_counters {
    /// Valid requests by message type (index = option 53 value).
    pub rx: [u64; 9],
    /// Replies by message type.
    pub tx: [u64; 9],
    /// Drops by reason (see `neutrino_dhcp_drop_reason_str`).
    pub drops: [u64; NEUTRINO_DHCP_DROP_REASONS],
}

type CoreResponder = Responder<Vec<BindingSlot>, Vec<Option<DhcpSubnet>>>;

/// A DHCP responder (opaque).
#[derive(Debug)]
pub struct neutrino_dhcp_responder(CoreResponder);

/// Borrows the handle.
///
/// # Safety
/// `p` is NULL or a live responder not used concurrently.
unsafe fn handle<'a>(
    p: *mut neutrino_dhcp_responder,
) -> Result<&'a mut CoreResponder, neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: non-NULL, aligned (checked); live and exclusive (contract).
    Ok(unsafe { &mut (*p).0 })
}

/// Reads 6 bytes.
///
/// # Safety
/// `p` points to 6 readable bytes.
unsafe fn mac6(p: *const u8) -> Result<MacAddr, neutrino_status> {
    if p.is_null() {
        return Err(NEUTRINO_NULL_POINTER);
    }
    // SAFETY: contract.
    let s = unsafe { args::slice_from(p, 6) }?;
    Ok(MacAddr(
        s.try_into().map_err(|_| NEUTRINO_INVALID_ARGUMENT)?,
    ))
}

fn result_of(v: Verdict) -> neutrino_dhcp_result {
    match v {
        Verdict::Reply { len, msg_type } => neutrino_dhcp_result {
            verdict: NEUTRINO_DHCP_REPLY,
            len: len as u32,
            msg_type,
            drop_reason: 0,
        },
        Verdict::NoReply => neutrino_dhcp_result {
            verdict: NEUTRINO_DHCP_NO_REPLY,
            ..Default::default()
        },
        Verdict::Drop(r) => neutrino_dhcp_result {
            verdict: NEUTRINO_DHCP_DROP,
            drop_reason: r as u8,
            ..Default::default()
        },
    }
}

/// A responder with `binding_slots` binding slots (a power of two; 7/8 of them usable),
/// `n_subnets` subnet slots, a hash `seed` and a `NEUTRINO_DHCP_POLICY_*`.
///
/// # Safety
/// `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_responder_new(
    binding_slots: usize,
    n_subnets: u16,
    seed: u64,
    policy: u32,
    out: *mut *mut neutrino_dhcp_responder,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let policy = match policy {
            NEUTRINO_DHCP_POLICY_STRICT => NakPolicy::Strict,
            NEUTRINO_DHCP_POLICY_OVN => NakPolicy::Ovn,
            _ => return Err(NEUTRINO_INVALID_ARGUMENT),
        };
        if binding_slots > (1 << 28) {
            return Err(NEUTRINO_INVALID_ARGUMENT);
        }
        let r = Responder::with_capacity(binding_slots, usize::from(n_subnets), seed, policy)?;
        // SAFETY: `out` non-NULL, aligned (checked), writable (contract).
        unsafe { args::put_box(out, neutrino_dhcp_responder(r)) }
    }
}

/// Frees a responder (NULL is fine).
///
/// # Safety
/// `r` is NULL or a live responder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_responder_free(r: *mut neutrino_dhcp_responder) {
    crate::guard::guard_value((), || {
        // SAFETY: NULL or a handle from `_new`, not used afterwards (contract).
        unsafe { args::free_box(r) }
    })
}

/// Validates `cfg` and installs it as subnet `index`.
///
/// # Safety
/// `r` is live; `cfg` points to an initialised config whose pointers hold their counts.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_set_subnet(
    r: *mut neutrino_dhcp_responder,
    index: u16,
    cfg: *const neutrino_dhcp_subnet_config,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(cfg)?;
        // SAFETY: non-NULL, aligned (checked), initialised (contract).
        let c = unsafe { cfg.read() };
        let dns_bytes = c.n_dns.checked_mul(4).ok_or(NEUTRINO_INVALID_ARGUMENT)?;
        // SAFETY: arrays hold their counts (contract).
        let (dns, routes, search) = unsafe {
            (
                args::slice_from(c.dns, dns_bytes)?,
                args::slice_from(c.routes, c.n_routes)?,
                args::slice_from(c.domain_search, c.n_search)?,
            )
        };
        let dns: Vec<Ipv4Addr> = dns
            .chunks_exact(4)
            .map(|b| Ipv4Addr::new(b[0], b[1], b[2], b[3]))
            .collect();
        let routes: Vec<(Ipv4Net, Ipv4Addr)> = routes
            .iter()
            .map(|r| {
                Ok((
                    Ipv4Net::new(Ipv4Addr::from(r.destination), r.prefix_len)
                        .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?,
                    Ipv4Addr::from(r.nexthop),
                ))
            })
            .collect::<Result<_, neutrino_status>>()?;
        let cstr = |p: *const c_char| -> Result<&str, neutrino_status> {
            if p.is_null() {
                return Err(NEUTRINO_NULL_POINTER);
            }
            // SAFETY: NUL-terminated (contract).
            unsafe { CStr::from_ptr(p) }
                .to_str()
                .map_err(|_| NEUTRINO_INVALID_ARGUMENT)
        };
        let search: Vec<&str> = search.iter().map(|&p| cstr(p)).collect::<Result<_, _>>()?;
        let domain = if c.domain_name.is_null() {
            None
        } else {
            Some(cstr(c.domain_name)?)
        };
        let cidr = Ipv4Net::new(Ipv4Addr::from(c.network), c.prefix_len)
            .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?;
        let core_cfg = DhcpSubnetConfig {
            gateway: (c.has_gateway != 0).then(|| Ipv4Addr::from(c.gateway)),
            dns: &dns,
            domain_name: domain,
            mtu: (c.mtu != 0).then_some(c.mtu),
            host_routes: &routes,
            metadata_route: c.metadata_route != 0,
            lease_secs: if c.lease_secs == 0 { DEFAULT_LEASE_SECS } else { c.lease_secs },
            domain_search: &search,
            ..DhcpSubnetConfig::new(Ipv4Addr::from(c.server_ip), MacAddr(c.server_mac), cidr)
        };
        // SAFETY: contract.
        unsafe { handle(r) }?.set_subnet(index, &core_cfg)?;
        Ok(())
    }
}

/// Removes subnet `index` (its clients then get no reply).
///
/// # Safety
/// `r` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_remove_subnet(
    r: *mut neutrino_dhcp_responder,
    index: u16,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        unsafe { handle(r) }?.remove_subnet(index)?;
        Ok(())
    }
}

/// Binds the 6-byte `mac` on `segment` to the 4-byte `ip` in subnet `subnet`.
///
/// # Safety
/// `r` is live; `mac` points to 6 bytes, `ip` to 4.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_add_binding(
    r: *mut neutrino_dhcp_responder,
    segment: u32,
    mac: *const u8,
    ip: *const u8,
    subnet: u16,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let m = unsafe { mac6(mac) }?;
        if ip.is_null() {
            return Err(NEUTRINO_NULL_POINTER);
        }
        // SAFETY: contract: 4 bytes.
        let b: [u8; 4] = unsafe { args::slice_from(ip, 4) }?
            .try_into()
            .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?;
        // SAFETY: contract.
        unsafe { handle(r) }?.add_binding(segment, m, Ipv4Addr::from(b), subnet)?;
        Ok(())
    }
}

/// Removes a binding; `*removed` (may be NULL) says whether there was one.
///
/// # Safety
/// `r` is live; `mac` points to 6 bytes; `removed` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_remove_binding(
    r: *mut neutrino_dhcp_responder,
    segment: u32,
    mac: *const u8,
    removed: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let m = unsafe { mac6(mac) }?;
        // SAFETY: contract.
        let was = unsafe { handle(r) }?.remove_binding(segment, m).is_some();
        if !removed.is_null() {
            args::check_ptr(removed)?;
            // SAFETY: non-NULL, aligned (checked), writable (contract).
            unsafe { removed.write(u32::from(was)) };
        }
        Ok(())
    }
}

/// Answers the frame `buf[data_off .. data_off + data_len]` received on `segment`, writing a
/// reply into `out` (`out_len` bytes; `NEUTRINO_DHCP_MAX_REPLY_LEN` always suffices). The call
/// succeeds whatever the frame holds; `*result` says what happened.
///
/// # Safety
/// `r` is live; `buf` holds `buf_len` readable bytes; `out` holds `out_len` writable bytes not
/// overlapping `buf`; `result` is writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn neutrino_dhcp_handle(
    r: *mut neutrino_dhcp_responder,
    segment: u32,
    buf: *const u8,
    buf_len: usize,
    data_off: u16,
    data_len: u16,
    out: *mut u8,
    out_len: usize,
    result: *mut neutrino_dhcp_result,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(result)?;
        args::check_array(out, out_len)?;
        // SAFETY: contract.
        let resp = unsafe { handle(r) }?;
        // SAFETY: contract.
        let frame = unsafe { args::packet(buf, buf_len, data_off, data_len) }?;
        let out: &mut [u8] = if out_len == 0 {
            &mut []
        } else {
            // SAFETY: non-NULL (len > 0 and checked), writable, not aliasing `buf` (contract).
            unsafe { core::slice::from_raw_parts_mut(out, out_len) }
        };
        let v = resp.handle(segment, frame, out);
        // SAFETY: `result` non-NULL, aligned (checked), writable (contract).
        unsafe { result.write(result_of(v)) };
        Ok(())
    }
}

/// Answers the frame at `buf[*data_off ..][.. *data_len]` and writes the reply over it, from
/// `*data_off` to the end of `buf` (an mbuf's data room); on a reply `*data_len` becomes its
/// length. `*result` says what happened.
///
/// # Safety
/// `r` is live; `buf` holds `buf_len` readable and writable bytes; `data_off`, `data_len`,
/// `result` are readable/writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_handle_in_place(
    r: *mut neutrino_dhcp_responder,
    segment: u32,
    buf: *mut u8,
    buf_len: usize,
    data_off: *mut u16,
    data_len: *mut u16,
    result: *mut neutrino_dhcp_result,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(result)?;
        args::check_ptr(data_off)?;
        args::check_ptr(data_len)?;
        // SAFETY: non-NULL, aligned (checked), readable (contract).
        let (off, len) = unsafe { (usize::from(data_off.read()), usize::from(data_len.read())) };
        args::check_array(buf, buf_len)?;
        if off + len > buf_len || buf.is_null() {
            return Err(neutrino::BufError::BadOffsets { head: off, len, capacity: buf_len }.into());
        }
        // SAFETY: contract.
        let resp = unsafe { handle(r) }?;
        // SAFETY: `buf` is non-NULL with `buf_len` writable bytes and `off <= buf_len`.
        let room = unsafe { core::slice::from_raw_parts_mut(buf.add(off), buf_len - off) };
        let v = resp.handle_in_place(segment, room, len);
        if let Verdict::Reply { len, .. } = v {
            // SAFETY: checked above; a reply is at most NEUTRINO_DHCP_MAX_REPLY_LEN bytes.
            unsafe { data_len.write(len as u16) };
        }
        // SAFETY: checked above.
        unsafe { result.write(result_of(v)) };
        Ok(())
    }
}

/// Copies the responder's counters into `*out`.
///
/// # Safety
/// `r` is live; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_dhcp_counters_get(
    r: *mut neutrino_dhcp_responder,
    out: *mut neutrino_dhcp_counters,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: contract.
        let c = unsafe { handle(r) }?.counters();
        let v = neutrino_dhcp_counters { rx: c.rx, tx: c.tx, drops: c.drops };
        // SAFETY: checked, writable (contract).
        unsafe { out.write(v) };
        Ok(())
    }
}

/// The name of drop reason `reason` ("unknown" if out of range); static, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn neutrino_dhcp_drop_reason_str(reason: u32) -> *const c_char {
    crate::guard::guard_value(c"unknown".as_ptr(), || {
        const NAMES: [&CStr; NEUTRINO_DHCP_DROP_REASONS] = [
            c"bad-ethernet",
            c"not-ipv4",
            c"bad-ipv4",
            c"bad-ip-checksum",
            c"fragment",
            c"not-udp",
            c"bad-udp",
            c"bad-udp-checksum",
            c"not-dhcp-port",
            c"bad-op",
            c"bad-hardware",
            c"bad-dhcp",
            c"no-message-type",
            c"bad-message-type",
            c"unknown-client",
            c"unknown-subnet",
            c"other-server",
            c"buffer-too-small",
        ];
        NAMES
            .get(reason as usize)
            .map_or(c"unknown", |s| *s)
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_names_match_core() {
        for r in DropReason::ALL {
            // SAFETY: static NUL-terminated strings.
            let s = unsafe { CStr::from_ptr(neutrino_dhcp_drop_reason_str(r as u32)) };
            assert_eq!(s.to_str().unwrap(), r.name());
        }
    }
}
