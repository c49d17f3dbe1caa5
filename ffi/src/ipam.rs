//! The C face of [`neutrino::ipam`]: subnets, address allocation (bitmap for IPv4, intervals
//! for IPv6), EUI-64, subnet pools, segment (VLAN/VXLAN/GENEVE/GRE) and MAC allocators.
//!
//! Handles are created by `_new` and released by `_free` (NULL is fine). Randomness comes from
//! a caller-held `uint64_t` state (SplitMix64) passed by pointer and advanced in place, so a C
//! agent controls and can replay it. Every failure returns the status of the Neutron rule that
//! was broken and leaves the handle unchanged.

use core::ffi::{c_char, CStr};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use neutrino::ipam::mac::MacAllocator;
use neutrino::ipam::segment::{IdAllocator, SegmentType, VlanAllocator};
use neutrino::ipam::subnetpool::{SubnetPool, SubnetPoolConfig};
use neutrino::ipam::{
    slaac, subnet, v4, AddressAllocator, AllocMode, GatewaySpec, HostRoute, IpNet, IpRange,
    Ipv4Net, Ipv6Mode, Ipv6Net, SplitMix64, Subnet, SubnetConfig, V4Allocator, V6Allocator,
};
use neutrino::wire::MacAddr;

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// `neutrino_ip.family`: IPv4 (address in `bytes[0..4]`).
pub const NEUTRINO_AF_INET: u8 = 4;
/// `neutrino_ip.family`: IPv6.
pub const NEUTRINO_AF_INET6: u8 = 6;
/// `neutrino_subnet_config.gateway_mode`: Neutron's default gateway (IPv4 network+1, IPv6 the
/// network address).
pub const NEUTRINO_GATEWAY_DEFAULT: u32 = 0;
/// `gateway_mode`: no gateway (`gateway_ip: null`).
pub const NEUTRINO_GATEWAY_NONE: u32 = 1;
/// `gateway_mode`: the address in `gateway`.
pub const NEUTRINO_GATEWAY_IP: u32 = 2;
/// `ipv6_mode`: none.
pub const NEUTRINO_IPV6_MODE_NONE: u32 = 0;
/// `ipv6_mode`: SLAAC (needs a /64).
pub const NEUTRINO_IPV6_MODE_SLAAC: u32 = 1;
/// `ipv6_mode`: DHCPv6 stateless (needs a /64).
pub const NEUTRINO_IPV6_MODE_DHCP_STATELESS: u32 = 2;
/// `ipv6_mode`: DHCPv6 stateful.
pub const NEUTRINO_IPV6_MODE_DHCP_STATEFUL: u32 = 3;
/// Allocation mode: random among the first 1000 free (100 for segment ids).
pub const NEUTRINO_ALLOC_RANDOM: u32 = 0;
/// Allocation mode: the lowest free (DHCP and distributed router ports).
pub const NEUTRINO_ALLOC_LOWEST: u32 = 1;
/// Segment type: VXLAN VNI (24 bits).
pub const NEUTRINO_SEGMENT_VXLAN: u32 = 1;
/// Segment type: GENEVE VNI (24 bits).
pub const NEUTRINO_SEGMENT_GENEVE: u32 = 2;
/// Segment type: GRE key (32 bits).
pub const NEUTRINO_SEGMENT_GRE: u32 = 3;

/// An IPv4 or IPv6 address, or a prefix when `prefix_len` is meaningful.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct neutrino_ip {
    /// `NEUTRINO_AF_INET` or `NEUTRINO_AF_INET6`.
    pub family: u8,
    /// Prefix length (prefixes only).
    pub prefix_len: u8,
    /// Zero.
    pub reserved: [u8; 2],
    /// Address bytes in network order (IPv4 uses the first 4).
    pub bytes: [u8; 16],
}

/// An allocation pool, inclusive.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct neutrino_ip_range {
    /// First address.
    pub start: neutrino_ip,
    /// Last address.
    pub end: neutrino_ip,
}

/// A host route.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct neutrino_host_route {
    /// Destination prefix.
    pub destination: neutrino_ip,
    /// Next hop.
    pub nexthop: neutrino_ip,
}

/// What `neutrino_subnet_new` validates.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct neutrino_subnet_config {
    /// The subnet prefix.
    pub cidr: neutrino_ip,
    /// `NEUTRINO_GATEWAY_*`.
    pub gateway_mode: u32,
    /// The gateway when `gateway_mode` is `NEUTRINO_GATEWAY_IP`.
    pub gateway: neutrino_ip,
    /// Non-zero: Neutron's default pools (then `pools` is ignored).
    pub default_pools: u32,
    /// Allocation pools.
    pub pools: *const neutrino_ip_range,
    /// Number of pools.
    pub n_pools: usize,
    /// DNS servers.
    pub dns: *const neutrino_ip,
    /// Number of DNS servers.
    pub n_dns: usize,
    /// Host routes.
    pub routes: *const neutrino_host_route,
    /// Number of host routes.
    pub n_routes: usize,
    /// `NEUTRINO_IPV6_MODE_*`.
    pub ipv6_mode: u32,
}

/// A validated subnet (opaque).
#[derive(Debug)]
pub struct neutrino_subnet(Subnet);

/// Caller memory for a bitmap: `len` words at `ptr`, valid for the allocator's lifetime.
#[derive(Debug)]
struct CallerWords {
    ptr: *mut u64,
    len: usize,
}

impl AsRef<[u64]> for CallerWords {
    fn as_ref(&self) -> &[u64] {
        // SAFETY: checked non-NULL, aligned and sized at init; the caller keeps the memory
        // valid and unaliased until `neutrino_addr_alloc_free` (contract of
        // `neutrino_addr_alloc_init_v4`).
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl AsMut<[u64]> for CallerWords {
    fn as_mut(&mut self) -> &mut [u64] {
        // SAFETY: as in `as_ref`; `&mut self` makes this the only live view.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

#[derive(Debug)]
enum Addr {
    V4(V4Allocator<Vec<u64>>),
    V4Caller(V4Allocator<CallerWords>),
    V6(V6Allocator),
}

/// An address allocator for one subnet (opaque).
#[derive(Debug)]
pub struct neutrino_addr_alloc(Addr);

impl neutrino_addr_alloc {
    fn inner(&mut self) -> &mut dyn AddressAllocator {
        match &mut self.0 {
            Addr::V4(a) => a,
            Addr::V4Caller(a) => a,
            Addr::V6(a) => a,
        }
    }
}

/// A segment id allocator (VXLAN, GENEVE or GRE) (opaque).
#[derive(Debug)]
pub struct neutrino_segment_alloc(IdAllocator);
/// VLAN allocation per physical network (opaque).
#[derive(Debug)]
pub struct neutrino_vlan_alloc(VlanAllocator);
/// MAC allocation under a base prefix for one network (opaque).
#[derive(Debug)]
pub struct neutrino_mac_alloc(MacAllocator);
/// A subnet pool (opaque).
#[derive(Debug)]
pub struct neutrino_subnet_pool(SubnetPool);

// ---------------------------------------------------------------- conversions

fn to_ip(a: &neutrino_ip) -> Result<IpAddr, neutrino_status> {
    match a.family {
        NEUTRINO_AF_INET => Ok(IpAddr::V4(Ipv4Addr::new(
            a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3],
        ))),
        NEUTRINO_AF_INET6 => Ok(IpAddr::V6(Ipv6Addr::from(a.bytes))),
        _ => Err(NEUTRINO_INVALID_ARGUMENT),
    }
}

fn to_net(a: &neutrino_ip) -> Result<IpNet, neutrino_status> {
    match to_ip(a)? {
        IpAddr::V4(x) => Ipv4Net::new(x, a.prefix_len).map(IpNet::V4),
        IpAddr::V6(x) => Ipv6Net::new(x, a.prefix_len).map(IpNet::V6),
    }
    .map_err(|_| NEUTRINO_INVALID_ARGUMENT)
}

fn from_ip(ip: IpAddr) -> neutrino_ip {
    let mut out = neutrino_ip::default();
    match ip {
        IpAddr::V4(a) => {
            out.family = NEUTRINO_AF_INET;
            out.prefix_len = 32;
            out.bytes[..4].copy_from_slice(&a.octets());
        }
        IpAddr::V6(a) => {
            out.family = NEUTRINO_AF_INET6;
            out.prefix_len = 128;
            out.bytes = a.octets();
        }
    }
    out
}

fn from_net(n: IpNet) -> neutrino_ip {
    let mut out = from_ip(n.network());
    out.prefix_len = n.prefix_len();
    out
}

fn mode(m: u32) -> Result<AllocMode, neutrino_status> {
    match m {
        NEUTRINO_ALLOC_RANDOM => Ok(AllocMode::Random),
        NEUTRINO_ALLOC_LOWEST => Ok(AllocMode::Lowest),
        _ => Err(NEUTRINO_INVALID_ARGUMENT),
    }
}

/// Reads `*p`.
///
/// # Safety
/// `p` is NULL or points to an initialised `T`.
unsafe fn read<T: Copy>(p: *const T) -> Result<T, neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: non-NULL and aligned (checked); initialised (contract).
    Ok(unsafe { p.read() })
}

/// Writes `v` to `*p`.
///
/// # Safety
/// `p` is NULL or points to writable memory for a `T`.
unsafe fn write<T>(p: *mut T, v: T) -> Result<(), neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: non-NULL and aligned (checked); writable (contract).
    unsafe { p.write(v) };
    Ok(())
}

/// Borrows the handle `p`.
///
/// # Safety
/// `p` is NULL or a live handle from the matching `_new`, not used concurrently.
unsafe fn handle<'a, T>(p: *mut T) -> Result<&'a mut T, neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: non-NULL, aligned (checked); a live, exclusively used handle (contract).
    Ok(unsafe { &mut *p })
}

/// Runs `f` with a SplitMix64 seeded from `*state` and stores the advanced state back.
///
/// # Safety
/// `state` is NULL or points to a readable and writable `uint64_t`.
unsafe fn with_rng<T>(
    state: *mut u64,
    f: impl FnOnce(&mut SplitMix64) -> Result<T, neutrino_status>,
) -> Result<T, neutrino_status> {
    // SAFETY: contract.
    let mut rng = SplitMix64(unsafe { read(state) }?);
    let r = f(&mut rng);
    // SAFETY: contract.
    unsafe { write(state, rng.0) }?;
    r
}

/// A `const char *` as `&str` (UTF-8 required).
///
/// # Safety
/// `s` is NULL or a NUL-terminated string.
unsafe fn cstr<'a>(s: *const c_char) -> Result<&'a str, neutrino_status> {
    if s.is_null() {
        return Err(NEUTRINO_NULL_POINTER);
    }
    // SAFETY: non-NULL, NUL-terminated (contract).
    unsafe { CStr::from_ptr(s) }
        .to_str()
        .map_err(|_| NEUTRINO_INVALID_ARGUMENT)
}

// ---------------------------------------------------------------- subnets

/// Validates `cfg` with Neutron's subnet rules and creates a subnet in `*out`.
///
/// # Safety
/// `cfg` points to an initialised config whose arrays hold their counts of elements; `out` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_new(
    cfg: *const neutrino_subnet_config,
    out: *mut *mut neutrino_subnet,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: contract.
        let c = unsafe { read(cfg) }?;
        // SAFETY: the arrays hold their counts (contract).
        let (pools, dns, routes) = unsafe {
            (
                args::slice_from(c.pools, c.n_pools)?,
                args::slice_from(c.dns, c.n_dns)?,
                args::slice_from(c.routes, c.n_routes)?,
            )
        };
        let pools: Vec<IpRange> = pools
            .iter()
            .map(|p| Ok(IpRange::new(to_ip(&p.start)?, to_ip(&p.end)?)))
            .collect::<Result<_, neutrino_status>>()?;
        let dns: Vec<IpAddr> = dns.iter().map(to_ip).collect::<Result<_, _>>()?;
        let routes: Vec<HostRoute> = routes
            .iter()
            .map(|r| {
                Ok(HostRoute {
                    destination: to_net(&r.destination)?,
                    nexthop: to_ip(&r.nexthop)?,
                })
            })
            .collect::<Result<_, neutrino_status>>()?;
        let gateway = match c.gateway_mode {
            NEUTRINO_GATEWAY_DEFAULT => GatewaySpec::Default,
            NEUTRINO_GATEWAY_NONE => GatewaySpec::None,
            NEUTRINO_GATEWAY_IP => GatewaySpec::Ip(to_ip(&c.gateway)?),
            _ => return Err(NEUTRINO_INVALID_ARGUMENT),
        };
        let ipv6_mode = match c.ipv6_mode {
            NEUTRINO_IPV6_MODE_NONE => Ipv6Mode::None,
            NEUTRINO_IPV6_MODE_SLAAC => Ipv6Mode::Slaac,
            NEUTRINO_IPV6_MODE_DHCP_STATELESS => Ipv6Mode::DhcpStateless,
            NEUTRINO_IPV6_MODE_DHCP_STATEFUL => Ipv6Mode::DhcpStateful,
            _ => return Err(NEUTRINO_INVALID_ARGUMENT),
        };
        let s = Subnet::new(&SubnetConfig {
            cidr: to_net(&c.cidr)?,
            gateway,
            pools: (c.default_pools == 0).then_some(&pools[..]),
            dns: &dns,
            host_routes: &routes,
            ipv6_mode,
        })?;
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_subnet(s)) }
    }
}

/// Frees a subnet (NULL is fine).
///
/// # Safety
/// `s` is NULL or a live subnet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_free(s: *mut neutrino_subnet) {
    // SAFETY: contract.
    crate::guard::guard_value((), || unsafe { args::free_box(s) })
}

/// The subnet's gateway in `*gateway` (`*has_gateway` = 0 when it has none) and its number of
/// pools in `*n_pools` (each output may be NULL).
///
/// # Safety
/// `s` is a live subnet; non-NULL outputs are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_info(
    s: *const neutrino_subnet,
    has_gateway: *mut u32,
    gateway: *mut neutrino_ip,
    n_pools: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(s)?;
        // SAFETY: live subnet (contract).
        let s = unsafe { &(*s).0 };
        // SAFETY: outputs writable when non-NULL (contract).
        unsafe {
            if !has_gateway.is_null() {
                write(has_gateway, u32::from(s.gateway().is_some()))?;
            }
            if !gateway.is_null() {
                write(gateway, s.gateway().map(from_ip).unwrap_or_default())?;
            }
            if !n_pools.is_null() {
                write(n_pools, s.pools().len())?;
            }
        }
        Ok(())
    }
}

/// Pool `index` of the subnet (pools are sorted by start address).
///
/// # Safety
/// `s` is a live subnet; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_get_pool(
    s: *const neutrino_subnet,
    index: usize,
    out: *mut neutrino_ip_range,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(s)?;
        // SAFETY: live subnet (contract).
        let s = unsafe { &(*s).0 };
        let p = s.pools().get(index).ok_or(NEUTRINO_INVALID_ARGUMENT)?;
        let r = neutrino_ip_range { start: from_ip(p.start), end: from_ip(p.end) };
        // SAFETY: contract.
        unsafe { write(out, r) }
    }
}

/// The overlap rule within one network: `NEUTRINO_IPAM_OVERLAP` when `cidr` overlaps one of
/// the `n` prefixes at `existing`.
///
/// # Safety
/// `existing` holds `n` prefixes; `cidr` points to one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_check_overlap(
    existing: *const neutrino_ip,
    n: usize,
    cidr: *const neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let ex = unsafe { args::slice_from(existing, n) }?;
        let ex: Vec<IpNet> = ex.iter().map(to_net).collect::<Result<_, _>>()?;
        // SAFETY: contract.
        let c = to_net(&unsafe { read(cidr) }?)?;
        subnet::check_overlap(&ex, &c)?;
        Ok(())
    }
}

/// The SLAAC address (prefix /64 + modified EUI-64 of `mac`) in `*out`.
///
/// # Safety
/// `prefix` points to a prefix; `mac` to 6 bytes; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_ipam_eui64(
    prefix: *const neutrino_ip,
    mac: *const u8,
    out: *mut neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let p = to_net(&unsafe { read(prefix) }?)?;
        // SAFETY: contract: 6 bytes.
        let m: [u8; 6] = unsafe { args::slice_from(mac, 6) }?
            .try_into()
            .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?;
        let IpNet::V6(p6) = p else {
            return Err(NEUTRINO_IPAM_INVALID_CIDR);
        };
        let a = slaac::eui64_address(p6, MacAddr(m))?;
        // SAFETY: contract.
        unsafe { write(out, from_ip(IpAddr::V6(a))) }
    }
}

// ---------------------------------------------------------------- address allocation

/// Bitmap words (`uint64_t`) an IPv4 subnet with this prefix length needs (0 if it is shorter
/// than /8 or longer than /32).
#[unsafe(no_mangle)]
pub extern "C" fn neutrino_ipam_v4_mem_words(prefix_len: u8) -> usize {
    crate::guard::guard_value(0, || v4::mem_words(prefix_len))
}

/// An address allocator for `subnet` owning its memory (an IPv4 bitmap or IPv6 intervals).
///
/// # Safety
/// `subnet` is a live subnet; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_alloc_new(
    subnet: *const neutrino_subnet,
    out: *mut *mut neutrino_addr_alloc,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        args::check_ptr(subnet)?;
        // SAFETY: live subnet (contract).
        let s = unsafe { &(*subnet).0 };
        let a = match s.cidr() {
            IpNet::V4(_) => Addr::V4(V4Allocator::new_vec(s)?),
            IpNet::V6(_) => Addr::V6(V6Allocator::new(s)?),
        };
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_addr_alloc(a)) }
    }
}

/// An IPv4 address allocator whose bitmap is `words` `uint64_t`s at `mem` (at least
/// `neutrino_ipam_v4_mem_words(prefix_len)`; e.g. hugepage memory). No allocation happens for
/// the bitmap.
///
/// # Safety
/// `subnet` is a live IPv4 subnet; `mem` is writable for `words` words, aligned, and stays
/// valid and untouched by the caller until `neutrino_addr_alloc_free`; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_alloc_init_v4(
    subnet: *const neutrino_subnet,
    mem: *mut u64,
    words: usize,
    out: *mut *mut neutrino_addr_alloc,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        args::check_ptr(subnet)?;
        args::check_array(mem, words)?;
        if mem.is_null() {
            return Err(NEUTRINO_NULL_POINTER);
        }
        // SAFETY: live subnet (contract).
        let s = unsafe { &(*subnet).0 };
        let a = V4Allocator::new(s, CallerWords { ptr: mem, len: words })?;
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_addr_alloc(Addr::V4Caller(a))) }
    }
}

/// Frees an address allocator (NULL is fine); caller memory given to
/// `neutrino_addr_alloc_init_v4` is the caller's again.
///
/// # Safety
/// `a` is NULL or a live allocator.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_alloc_free(a: *mut neutrino_addr_alloc) {
    // SAFETY: contract.
    crate::guard::guard_value((), || unsafe { args::free_box(a) })
}

/// Allocates a free pool address (`NEUTRINO_ALLOC_RANDOM` or `_LOWEST`) into `*out`.
/// `*rng_state` seeds the random choice and is advanced.
///
/// # Safety
/// `a` is a live allocator; `rng_state` is readable and writable; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_alloc_any(
    a: *mut neutrino_addr_alloc,
    alloc_mode: u32,
    rng_state: *mut u64,
    out: *mut neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let m = mode(alloc_mode)?;
        // SAFETY: contract.
        let a = unsafe { handle(a) }?;
        // SAFETY: contract.
        let ip = unsafe { with_rng(rng_state, |r| Ok(a.inner().allocate(m, r)?)) }?;
        // SAFETY: contract.
        unsafe { write(out, from_ip(ip)) }
    }
}

/// Allocates the fixed IP `*ip`; `admin` non-zero lifts the pool rule (admins, router ports).
///
/// # Safety
/// `a` is a live allocator; `ip` points to an address.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_alloc_specific(
    a: *mut neutrino_addr_alloc,
    ip: *const neutrino_ip,
    admin: u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let ip = to_ip(&unsafe { read(ip) }?)?;
        // SAFETY: contract.
        let a = unsafe { handle(a) }?;
        a.inner().allocate_specific(ip, admin != 0)?;
        Ok(())
    }
}

/// Releases `*ip`.
///
/// # Safety
/// `a` is a live allocator; `ip` points to an address.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_release(
    a: *mut neutrino_addr_alloc,
    ip: *const neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let ip = to_ip(&unsafe { read(ip) }?)?;
        // SAFETY: contract.
        let a = unsafe { handle(a) }?;
        a.inner().release(ip)?;
        Ok(())
    }
}

/// `*allocated` = 1 when `*ip` is allocated; `*count` (may be NULL) = addresses allocated.
///
/// # Safety
/// `a` is a live allocator; `ip` points to an address; outputs are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_addr_query(
    a: *mut neutrino_addr_alloc,
    ip: *const neutrino_ip,
    allocated: *mut u32,
    count: *mut u64,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let ip = to_ip(&unsafe { read(ip) }?)?;
        // SAFETY: contract.
        let a = unsafe { handle(a) }?.inner();
        // SAFETY: contract.
        unsafe {
            write(allocated, u32::from(a.is_allocated(ip)))?;
            if !count.is_null() {
                write(count, a.allocated() as u64)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- segments

fn seg_type(t: u32) -> Result<SegmentType, neutrino_status> {
    match t {
        NEUTRINO_SEGMENT_VXLAN => Ok(SegmentType::Vxlan),
        NEUTRINO_SEGMENT_GENEVE => Ok(SegmentType::Geneve),
        NEUTRINO_SEGMENT_GRE => Ok(SegmentType::Gre),
        _ => Err(NEUTRINO_INVALID_ARGUMENT),
    }
}

/// Reads `n` C strings.
///
/// # Safety
/// `specs` holds `n` NUL-terminated strings.
unsafe fn strings<'a>(
    specs: *const *const c_char,
    n: usize,
) -> Result<Vec<&'a str>, neutrino_status> {
    // SAFETY: contract.
    let ptrs = unsafe { args::slice_from(specs, n) }?;
    // SAFETY: each is NUL-terminated (contract).
    ptrs.iter().map(|&p| unsafe { cstr(p) }).collect()
}

/// A VXLAN/GENEVE/GRE id allocator over Neutron range specs (`"1:1000"`).
///
/// # Safety
/// `specs` holds `n` NUL-terminated strings; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_segment_alloc_new(
    segment_type: u32,
    specs: *const *const c_char,
    n: usize,
    out: *mut *mut neutrino_segment_alloc,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        let t = seg_type(segment_type)?;
        // SAFETY: contract.
        let specs = unsafe { strings(specs, n) }?;
        let a = IdAllocator::from_specs(t, &specs)?;
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_segment_alloc(a)) }
    }
}

/// Frees a segment allocator (NULL is fine).
///
/// # Safety
/// `a` is NULL or a live allocator.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_segment_alloc_free(a: *mut neutrino_segment_alloc) {
    // SAFETY: contract.
    crate::guard::guard_value((), || unsafe { args::free_box(a) })
}

/// Allocates a free id from the ranges into `*id`.
///
/// # Safety
/// `a` is live; `rng_state` readable and writable; `id` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_segment_alloc_any(
    a: *mut neutrino_segment_alloc,
    alloc_mode: u32,
    rng_state: *mut u64,
    id: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(id)?;
        let m = mode(alloc_mode)?;
        // SAFETY: contract.
        let a = unsafe { handle(a) }?;
        // SAFETY: contract.
        let v = unsafe { with_rng(rng_state, |r| Ok(a.0.allocate(m, r)?)) }?;
        // SAFETY: contract.
        unsafe { write(id, v) }
    }
}

/// Allocates the specific id `id` (provider network).
///
/// # Safety
/// `a` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_segment_alloc_specific(
    a: *mut neutrino_segment_alloc,
    id: u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        unsafe { handle(a) }?.0.allocate_specific(id)?;
        Ok(())
    }
}

/// Releases `id`.
///
/// # Safety
/// `a` is live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_segment_release(
    a: *mut neutrino_segment_alloc,
    id: u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        unsafe { handle(a) }?.0.release(id)?;
        Ok(())
    }
}

/// A VLAN allocator over `network_vlan_ranges` entries (`"physnet1:100:199"`, `"physnet2"`).
///
/// # Safety
/// `specs` holds `n` NUL-terminated strings; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vlan_alloc_new(
    specs: *const *const c_char,
    n: usize,
    out: *mut *mut neutrino_vlan_alloc,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: contract.
        let specs = unsafe { strings(specs, n) }?;
        let a = VlanAllocator::new(&specs)?;
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_vlan_alloc(a)) }
    }
}

/// Frees a VLAN allocator (NULL is fine).
///
/// # Safety
/// `a` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vlan_alloc_free(a: *mut neutrino_vlan_alloc) {
    // SAFETY: contract.
    crate::guard::guard_value((), || unsafe { args::free_box(a) })
}

/// Allocates a free VLAN on `physnet` into `*vlan`.
///
/// # Safety
/// `a` is live; `physnet` NUL-terminated; `rng_state` readable and writable; `vlan` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vlan_alloc_any(
    a: *mut neutrino_vlan_alloc,
    physnet: *const c_char,
    alloc_mode: u32,
    rng_state: *mut u64,
    vlan: *mut u16,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(vlan)?;
        let m = mode(alloc_mode)?;
        // SAFETY: contract.
        let p = unsafe { cstr(physnet) }?;
        // SAFETY: contract.
        let a = unsafe { handle(a) }?;
        // SAFETY: contract.
        let v = unsafe { with_rng(rng_state, |r| Ok(a.0.allocate(Some(p), m, r)?.1)) }?;
        // SAFETY: contract.
        unsafe { write(vlan, v) }
    }
}

/// Allocates VLAN `vlan` on `physnet` (provider network).
///
/// # Safety
/// `a` is live; `physnet` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vlan_alloc_specific(
    a: *mut neutrino_vlan_alloc,
    physnet: *const c_char,
    vlan: u16,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let p = unsafe { cstr(physnet) }?;
        // SAFETY: contract.
        unsafe { handle(a) }?.0.allocate_specific(p, u32::from(vlan))?;
        Ok(())
    }
}

/// Releases VLAN `vlan` on `physnet`.
///
/// # Safety
/// `a` is live; `physnet` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vlan_release(
    a: *mut neutrino_vlan_alloc,
    physnet: *const c_char,
    vlan: u16,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let p = unsafe { cstr(physnet) }?;
        // SAFETY: contract.
        unsafe { handle(a) }?.0.release(p, u32::from(vlan))?;
        Ok(())
    }
}

// ---------------------------------------------------------------- MACs

/// A MAC allocator for one network under the 6-byte `base` (e.g. fa:16:3e:00:00:00).
///
/// # Safety
/// `base` points to 6 bytes; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_mac_alloc_new(
    base: *const u8,
    out: *mut *mut neutrino_mac_alloc,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: contract.
        let b: [u8; 6] = unsafe { args::slice_from(base, 6) }?
            .try_into()
            .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?;
        let a = MacAllocator::new(MacAddr(b))?;
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_mac_alloc(a)) }
    }
}

/// Frees a MAC allocator (NULL is fine).
///
/// # Safety
/// `a` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_mac_alloc_free(a: *mut neutrino_mac_alloc) {
    // SAFETY: contract.
    crate::guard::guard_value((), || unsafe { args::free_box(a) })
}

/// A random unused MAC under the base into the 6 bytes at `mac`.
///
/// # Safety
/// `a` is live; `rng_state` readable and writable; `mac` writable for 6 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_mac_alloc_any(
    a: *mut neutrino_mac_alloc,
    rng_state: *mut u64,
    mac: *mut u8,
) -> neutrino_status {
    ffi_guard! {
        args::check_array(mac, 6)?;
        if mac.is_null() {
            return Err(NEUTRINO_NULL_POINTER);
        }
        // SAFETY: contract.
        let a = unsafe { handle(a) }?;
        // SAFETY: contract.
        let m = unsafe { with_rng(rng_state, |r| Ok(a.0.allocate(r)?)) }?;
        // SAFETY: `mac` is non-NULL and writable for 6 bytes (contract).
        unsafe { core::ptr::copy_nonoverlapping(m.0.as_ptr(), mac, 6) };
        Ok(())
    }
}

/// Records the MAC at `mac` (6 bytes) as used.
///
/// # Safety
/// `a` is live; `mac` points to 6 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_mac_alloc_specific(
    a: *mut neutrino_mac_alloc,
    mac: *const u8,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let m: [u8; 6] = unsafe { args::slice_from(mac, 6) }?
            .try_into()
            .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?;
        // SAFETY: contract.
        unsafe { handle(a) }?.0.allocate_specific(MacAddr(m))?;
        Ok(())
    }
}

/// Releases the MAC at `mac` (6 bytes).
///
/// # Safety
/// `a` is live; `mac` points to 6 bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_mac_release(
    a: *mut neutrino_mac_alloc,
    mac: *const u8,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let m: [u8; 6] = unsafe { args::slice_from(mac, 6) }?
            .try_into()
            .map_err(|_| NEUTRINO_INVALID_ARGUMENT)?;
        // SAFETY: contract.
        unsafe { handle(a) }?.0.release(MacAddr(m))?;
        Ok(())
    }
}

// ---------------------------------------------------------------- subnet pools

/// A subnet pool over `n` prefixes; a length of 0 takes Neutron's default (min 8/64, max
/// 32/128, default = min); `quota` 0 is unlimited (units: IPv4 addresses, IPv6 /64s).
///
/// # Safety
/// `prefixes` holds `n` prefixes; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_pool_new(
    prefixes: *const neutrino_ip,
    n: usize,
    min_prefixlen: u8,
    default_prefixlen: u8,
    max_prefixlen: u8,
    quota: u64,
    out: *mut *mut neutrino_subnet_pool,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: contract.
        let ps = unsafe { args::slice_from(prefixes, n) }?;
        let ps: Vec<IpNet> = ps.iter().map(to_net).collect::<Result<_, _>>()?;
        let opt = |v: u8| (v != 0).then_some(v);
        let p = SubnetPool::new(&SubnetPoolConfig {
            prefixes: &ps,
            default_prefixlen: opt(default_prefixlen),
            min_prefixlen: opt(min_prefixlen),
            max_prefixlen: opt(max_prefixlen),
            quota: (quota != 0).then_some(u128::from(quota)),
        })?;
        // SAFETY: contract.
        unsafe { args::put_box(out, neutrino_subnet_pool(p)) }
    }
}

/// Frees a subnet pool (NULL is fine).
///
/// # Safety
/// `p` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_pool_free(p: *mut neutrino_subnet_pool) {
    // SAFETY: contract.
    crate::guard::guard_value((), || unsafe { args::free_box(p) })
}

/// Allocates a prefix of length `prefix_len` (0: the pool's default) by best fit into `*out`.
///
/// # Safety
/// `p` is live; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_pool_allocate(
    p: *mut neutrino_subnet_pool,
    prefix_len: u8,
    out: *mut neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: contract.
        let n = unsafe { handle(p) }?.0.allocate((prefix_len != 0).then_some(prefix_len))?;
        // SAFETY: contract.
        unsafe { write(out, from_net(n)) }
    }
}

/// Allocates exactly `*prefix`.
///
/// # Safety
/// `p` is live; `prefix` points to a prefix.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_pool_allocate_specific(
    p: *mut neutrino_subnet_pool,
    prefix: *const neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let n = to_net(&unsafe { read(prefix) }?)?;
        // SAFETY: contract.
        unsafe { handle(p) }?.0.allocate_specific(n)?;
        Ok(())
    }
}

/// Releases `*prefix`.
///
/// # Safety
/// `p` is live; `prefix` points to a prefix.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_subnet_pool_release(
    p: *mut neutrino_subnet_pool,
    prefix: *const neutrino_ip,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let n = to_net(&unsafe { read(prefix) }?)?;
        // SAFETY: contract.
        unsafe { handle(p) }?.0.release(n)?;
        Ok(())
    }
}
