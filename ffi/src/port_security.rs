//! Port security for C: one handle per VM port with its MAC, fixed IPs and allowed address
//! pairs; `neutrino_port_security_check` per frame sent by the VM.

use neutrino::l2::port_security::{DropReason, PortSecurity, PortSecurityCounters, Verdict};

use crate::args;
use crate::fdb::{neutrino_ip_addr, read, read_mac, write};
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// `neutrino_port_security_check` verdict: allow.
pub const NEUTRINO_PS_ALLOW: u8 = 0;
/// Drop: the frame does not parse.
pub const NEUTRINO_PS_DROP_MALFORMED: u8 = 1;
/// Drop: source MAC not allowed.
pub const NEUTRINO_PS_DROP_SRC_MAC: u8 = 2;
/// Drop: source IP not allowed for the source MAC.
pub const NEUTRINO_PS_DROP_SRC_IP: u8 = 3;
/// Drop: ARP sender fields not allowed.
pub const NEUTRINO_PS_DROP_ARP_SPOOF: u8 = 4;
/// Drop: ND target or link-layer option not allowed.
pub const NEUTRINO_PS_DROP_ND_SPOOF: u8 = 5;
/// Drop: DHCP/DHCPv6 server reply from the VM.
pub const NEUTRINO_PS_DROP_DHCP_SERVER: u8 = 6;
/// Drop: Router Advertisement from the VM.
pub const NEUTRINO_PS_DROP_ROUTER_ADVERT: u8 = 7;
/// Drop: EtherType other than ARP, IPv4, IPv6.
pub const NEUTRINO_PS_DROP_ETHERTYPE: u8 = 8;
/// Drop: unspecified source outside DHCP discovery, DAD and MLD.
pub const NEUTRINO_PS_DROP_UNSPECIFIED_SOURCE: u8 = 9;

/// Port-security counters (see the Rust `PortSecurityCounters`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_port_security_counters {
    /// Frames allowed.
    pub allowed: u64,
    /// Drops: malformed.
    pub malformed: u64,
    /// Drops: source MAC.
    pub src_mac: u64,
    /// Drops: source IP.
    pub src_ip: u64,
    /// Drops: ARP spoofing.
    pub arp_spoof: u64,
    /// Drops: ND spoofing.
    pub nd_spoof: u64,
    /// Drops: DHCP server replies.
    pub dhcp_server: u64,
    /// Drops: Router Advertisements.
    pub router_advert: u64,
    /// Drops: EtherType.
    pub ethertype: u64,
    /// Drops: unspecified source.
    pub unspecified_source: u64,
}

impl From<&PortSecurityCounters> for neutrino_port_security_counters {
    fn from(c: &PortSecurityCounters) -> Self {
        neutrino_port_security_counters {
            allowed: c.allowed,
            malformed: c.malformed,
            src_mac: c.src_mac,
            src_ip: c.src_ip,
            arp_spoof: c.arp_spoof,
            nd_spoof: c.nd_spoof,
            dhcp_server: c.dhcp_server,
            router_advert: c.router_advert,
            ethertype: c.ethertype,
            unspecified_source: c.unspecified_source,
        }
    }
}

/// An opaque port-security handle, on the heap ([`neutrino_port_security_new`]) or in the
/// caller's memory ([`neutrino_port_security_init`]). Fixed size: the rules need no other
/// memory.
#[derive(Debug)]
pub struct neutrino_port_security {
    inner: PortSecurity,
    /// Allocated by `neutrino_port_security_new` (freed by `_free`), or placed in caller memory.
    origin: args::Origin,
}

/// # Safety
/// `p` NULL or a live, exclusively used handle.
unsafe fn ps<'a>(p: *mut neutrino_port_security) -> Result<&'a mut PortSecurity, neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: forwarded contract.
    Ok(unsafe { &mut (*p).inner })
}

/// Creates the rules of a port with MAC `mac` (6 bytes, unicast) and no addresses yet, on the
/// heap. Release with [`neutrino_port_security_free`].
///
/// # Safety
/// `mac` 6 readable bytes; `out` a writable `neutrino_port_security *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_new(
    mac: *const u8,
    out: *mut *mut neutrino_port_security,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contract.
        let m = unsafe { read_mac(mac) }?;
        let inner = PortSecurity::new(m).ok_or(NEUTRINO_BAD_ADDRESS)?;
        let h = neutrino_port_security { inner, origin: args::Origin::Boxed };
        // SAFETY: forwarded contract.
        unsafe { args::put_box(out, h) }
    }
}

/// Bytes of memory [`neutrino_port_security_init`] needs (the handle and alignment slack).
///
/// # Safety
/// `out` a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_mem_size(out: *mut usize) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let n = args::placed_size::<neutrino_port_security>(0)?;
        // SAFETY: forwarded contract.
        unsafe { write(out, n) }
    }
}

/// Builds the rules of a port with MAC `mac` inside the caller's memory `mem` of `mem_len`
/// bytes (at least [`neutrino_port_security_mem_size`], any alignment; e.g. an array of
/// per-port slots). [`neutrino_port_security_free`] releases nothing but may be called.
///
/// # Safety
/// `mem` must point to `mem_len` writable bytes that nothing else reads or writes until the
/// handle is no longer used; `mac` 6 readable bytes; `out` a writable
/// `neutrino_port_security *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_init(
    mem: *mut u8,
    mem_len: usize,
    mac: *const u8,
    out: *mut *mut neutrino_port_security,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contract.
        let m = unsafe { read_mac(mac) }?;
        let inner = PortSecurity::new(m).ok_or(NEUTRINO_BAD_ADDRESS)?;
        // SAFETY: forwarded contract (`mem`, `mem_len`).
        let (h, _) = unsafe { args::place::<neutrino_port_security>(mem, mem_len, 0) }?;
        // SAFETY: `h` is aligned and points to a handle-sized slot in the caller's memory
        // that nothing else uses (`place`).
        unsafe { h.write(neutrino_port_security { inner, origin: args::Origin::Placed }) };
        // SAFETY: forwarded contract.
        unsafe { write(out, h) }
    }
}

/// Releases a handle from [`neutrino_port_security_new`]; for one from
/// [`neutrino_port_security_init`] only ends its use. NULL is fine.
///
/// # Safety
/// `p` NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_free(
    p: *mut neutrino_port_security,
) -> neutrino_status {
    ffi_guard! {
        if !p.is_null() {
            args::check_ptr(p)?;
            // SAFETY: `p` is a live handle (contract), made as its `origin` says by
            // neutrino_port_security_new or neutrino_port_security_init, and not used
            // afterwards.
            unsafe { args::release(p, (*p).origin) };
        }
        Ok(())
    }
}

/// Adds a fixed IP of the port. `NEUTRINO_BAD_ADDRESS` when refused (bad address, too many).
///
/// # Safety
/// `p` a live handle; `ip` one readable `neutrino_ip_addr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_add_fixed_ip(
    p: *mut neutrino_port_security,
    ip: *const neutrino_ip_addr,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (h, a) = unsafe { (ps(p)?, read(ip)?.to_core()?) };
        Ok(h.add_fixed_ip(a)?)
    }
}

/// Adds an allowed address pair: `mac` (6 bytes; NULL for the port's) may send from
/// `ip/prefix`. `NEUTRINO_BAD_ADDRESS` when refused (bad MAC/address/prefix, more than 10).
///
/// # Safety
/// `p` a live handle; `mac` NULL or 6 readable bytes; `ip` one readable `neutrino_ip_addr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_add_allowed_pair(
    p: *mut neutrino_port_security,
    mac: *const u8,
    ip: *const neutrino_ip_addr,
    prefix: u8,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (h, a) = unsafe { (ps(p)?, read(ip)?.to_core()?) };
        // SAFETY: forwarded contract.
        let m = if mac.is_null() { None } else { Some(unsafe { read_mac(mac) }?) };
        Ok(h.add_allowed_pair(m, a, prefix)?)
    }
}

/// Checks the frame at `buf + data_off` (`data_len` bytes) sent by the VM: `*verdict` is
/// `NEUTRINO_PS_ALLOW` or a `NEUTRINO_PS_DROP_*` reason; counters are updated.
///
/// # Safety
/// `p` a live handle; `buf` `buf_len` readable bytes; `verdict` a writable `uint8_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_check(
    p: *mut neutrino_port_security,
    buf: *const u8,
    buf_len: usize,
    data_off: u16,
    data_len: u16,
    verdict: *mut u8,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(verdict)?;
        // SAFETY: forwarded contracts.
        let (h, frame) = unsafe { (ps(p)?, args::packet(buf, buf_len, data_off, data_len)?) };
        let v = match h.check(frame) {
            Verdict::Allow => NEUTRINO_PS_ALLOW,
            Verdict::Drop(r) => match r {
                DropReason::Malformed => NEUTRINO_PS_DROP_MALFORMED,
                DropReason::SrcMac => NEUTRINO_PS_DROP_SRC_MAC,
                DropReason::SrcIp => NEUTRINO_PS_DROP_SRC_IP,
                DropReason::ArpSpoof => NEUTRINO_PS_DROP_ARP_SPOOF,
                DropReason::NdSpoof => NEUTRINO_PS_DROP_ND_SPOOF,
                DropReason::DhcpServer => NEUTRINO_PS_DROP_DHCP_SERVER,
                DropReason::RouterAdvert => NEUTRINO_PS_DROP_ROUTER_ADVERT,
                DropReason::EtherType => NEUTRINO_PS_DROP_ETHERTYPE,
                DropReason::UnspecifiedSource => NEUTRINO_PS_DROP_UNSPECIFIED_SOURCE,
            },
        };
        // SAFETY: forwarded contract.
        unsafe { write(verdict, v) }
    }
}

/// Copies the counters.
///
/// # Safety
/// `p` a live handle; `out` a writable `neutrino_port_security_counters`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_port_security_get_counters(
    p: *mut neutrino_port_security,
    out: *mut neutrino_port_security_counters,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let h = unsafe { ps(p) }?;
        // SAFETY: forwarded contract.
        unsafe { write(out, h.counters().into()) }
    }
}
