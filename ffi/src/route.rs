//! The C face of [`neutrino::route`]: a multi-VRF routing table (alloc mode: Poptrie per VRF
//! and family) with next-hop groups. IPv4 addresses are `uint32_t` in host byte order (as
//! DPDK's `rte_lpm`), IPv6 addresses 16 bytes in network order (as `rte_fib6`). A lookup
//! that finds no route writes [`NEUTRINO_ROUTE_NONE`].
//!
//! Threads: lookups (`neutrino_route_lookup*`, `neutrino_nhg_select`) may run concurrently
//! with each other; a call that changes the table must not run concurrently with any other
//! call on the same table (the Rust API publishes snapshots to reader threads lock-free; this
//! handle does not).
//!
//! This file only translates between C and core types.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use neutrino::route::nexthop::{flow_hash, GroupTable, NextHop, NextHopGroup};
use neutrino::route::{Address, Fib, Prefix, RouteError, VrfTable, MAX_BURST};

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// The group value a lookup writes when no route matches.
pub const NEUTRINO_ROUTE_NONE: u32 = u32::MAX;
/// The largest next-hop-group id a route can carry.
pub const NEUTRINO_ROUTE_MAX_GROUP: u32 = 0x00FF_FFFE;
/// Most next hops in one group.
pub const NEUTRINO_NHG_MAX_HOPS: usize = 16;
/// Most addresses one core burst walks together (C bursts may be longer).
pub const NEUTRINO_ROUTE_BURST: usize = 64;

// The C numbers are the core's; a change here is an ABI break and must fail the build.
const _: () = {
    assert!(NEUTRINO_ROUTE_MAX_GROUP == neutrino::route::MAX_GROUP_ID);
    assert!(NEUTRINO_NHG_MAX_HOPS == neutrino::route::nexthop::MAX_HOPS);
    assert!(NEUTRINO_ROUTE_BURST == MAX_BURST);
    assert!(core::mem::size_of::<neutrino_nexthop>() == 28);
};

/// `neutrino_nexthop.gw_family`: no gateway (on-link).
pub const NEUTRINO_GW_NONE: u8 = 0;
/// `neutrino_nexthop.gw_family`: IPv4 gateway in `gw[0..4]` (network order).
pub const NEUTRINO_GW_IPV4: u8 = 4;
/// `neutrino_nexthop.gw_family`: IPv6 gateway in `gw` (network order).
pub const NEUTRINO_GW_IPV6: u8 = 6;

/// An opaque multi-VRF routing table with next-hop groups. Create with
/// `neutrino_vrf_table_new`, release with `neutrino_vrf_table_free`.
pub struct neutrino_vrf_table {
    vrfs: VrfTable,
    groups: GroupTable<Vec<Option<NextHopGroup>>>,
}

/// One next hop of a group.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct neutrino_nexthop {
    /// Egress port or segment (the caller's number).
    pub port: u32,
    /// Relative weight (≥ 1).
    pub weight: u32,
    /// `NEUTRINO_GW_NONE`, `NEUTRINO_GW_IPV4` or `NEUTRINO_GW_IPV6`.
    pub gw_family: u8,
    /// Reserved, zero.
    pub reserved: [u8; 3],
    /// Gateway address, network byte order (IPv4 in the first 4 bytes).
    pub gw: [u8; 16],
}

impl neutrino_nexthop {
    fn to_core(self) -> Result<NextHop, neutrino_status> {
        let gateway = match self.gw_family {
            NEUTRINO_GW_NONE => None,
            NEUTRINO_GW_IPV4 => Some(IpAddr::V4(Ipv4Addr::new(
                self.gw[0], self.gw[1], self.gw[2], self.gw[3],
            ))),
            NEUTRINO_GW_IPV6 => Some(IpAddr::V6(Ipv6Addr::from(self.gw))),
            _ => return Err(NEUTRINO_INVALID_ARGUMENT),
        };
        Ok(NextHop {
            port: self.port,
            gateway,
            weight: self.weight,
        })
    }

    fn from_core(h: &NextHop) -> Self {
        let (gw_family, gw) = match h.gateway {
            None => (NEUTRINO_GW_NONE, [0; 16]),
            Some(IpAddr::V4(a)) => {
                let mut g = [0u8; 16];
                g[..4].copy_from_slice(&a.octets());
                (NEUTRINO_GW_IPV4, g)
            }
            Some(IpAddr::V6(a)) => (NEUTRINO_GW_IPV6, a.octets()),
        };
        neutrino_nexthop {
            port: h.port,
            weight: h.weight,
            gw_family,
            reserved: [0; 3],
            gw,
        }
    }
}

impl From<RouteError> for neutrino_status {
    fn from(e: RouteError) -> Self {
        match e {
            RouteError::HostBitsSet { .. } => NEUTRINO_ROUTE_HOST_BITS,
            RouteError::PrefixLenOutOfRange { .. } => NEUTRINO_ROUTE_PREFIX_LEN,
            RouteError::UnknownVrf { .. } => NEUTRINO_ROUTE_UNKNOWN_VRF,
            RouteError::VrfOutOfRange { .. } => NEUTRINO_ROUTE_UNKNOWN_VRF,
            RouteError::VrfExists { .. } | RouteError::RouteExists => NEUTRINO_ROUTE_EXISTS,
            RouteError::NotFound => NEUTRINO_ROUTE_NOT_FOUND,
            RouteError::PoolFull { .. }
            | RouteError::RulesFull { .. }
            | RouteError::GroupsFull { .. } => NEUTRINO_ROUTE_FULL,
            RouteError::GroupInUse { .. } | RouteError::NextHopInUse { .. } => {
                NEUTRINO_ROUTE_IN_USE
            }
            RouteError::GroupIdOutOfRange { .. }
            | RouteError::GroupSize { .. }
            | RouteError::BadWeight { .. } => NEUTRINO_ROUTE_BAD_GROUP,
            RouteError::MemoryTooSmall { .. }
            | RouteError::Misaligned { .. }
            | RouteError::BadCapacity { .. }
            | RouteError::BadBurst { .. } => NEUTRINO_INVALID_ARGUMENT,
            _ => NEUTRINO_ROUTE_ERROR,
        }
    }
}

/// Borrows the table behind a handle.
///
/// # Safety
/// `t` must be NULL or a live handle from `neutrino_vrf_table_new`.
unsafe fn table<'a>(
    t: *const neutrino_vrf_table,
) -> Result<&'a neutrino_vrf_table, neutrino_status> {
    args::check_ptr(t)?;
    // SAFETY: non-NULL, aligned (checked); live handle per the contract.
    Ok(unsafe { &*t })
}

/// Borrows the table behind a handle mutably.
///
/// # Safety
/// `t` must be NULL or a live handle from `neutrino_vrf_table_new`, used by no other call now.
unsafe fn table_mut<'a>(
    t: *mut neutrino_vrf_table,
) -> Result<&'a mut neutrino_vrf_table, neutrino_status> {
    args::check_ptr(t)?;
    // SAFETY: non-NULL, aligned (checked); live and unaliased per the contract.
    Ok(unsafe { &mut *t })
}

/// Writes `v` to an optional out-pointer.
///
/// # Safety
/// `p` must be NULL or point to a writable `u32`.
unsafe fn write_opt(p: *mut u32, v: u32) -> Result<(), neutrino_status> {
    if !p.is_null() {
        args::check_ptr(p)?;
        // SAFETY: non-NULL, aligned, writable per the contract.
        unsafe { p.write(v) };
    }
    Ok(())
}

/// Creates a table for VRF ids `0..max_vrfs` (none created yet) and next-hop-group ids
/// `0..max_groups`; `seed` keys the flow hash. Writes the handle to `*out`.
///
/// # Safety
/// `out` must point to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vrf_table_new(
    max_vrfs: u32,
    max_groups: u32,
    seed: u64,
    out: *mut *mut neutrino_vrf_table,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        if max_vrfs == 0 || max_groups == 0 || max_groups > NEUTRINO_ROUTE_MAX_GROUP + 1 {
            return Err(NEUTRINO_INVALID_ARGUMENT);
        }
        let t = neutrino_vrf_table {
            vrfs: VrfTable::new(max_vrfs),
            groups: GroupTable::new_in((0..max_groups).map(|_| None).collect(), seed),
        };
        // SAFETY: `out` is non-NULL, aligned (checked) and writable (contract).
        unsafe { args::put_box(out, t) }
    }
}

/// Releases a table (NULL is fine).
///
/// # Safety
/// `t` must be NULL or a handle from `neutrino_vrf_table_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vrf_table_free(t: *mut neutrino_vrf_table) {
    crate::guard::guard_value((), || {
        // SAFETY: NULL or a live handle from `_new`, not used afterwards (contract).
        unsafe { args::free_box(t) }
    })
}

/// Creates the empty VRF `vrf`. `NEUTRINO_ROUTE_EXISTS` if it exists,
/// `NEUTRINO_ROUTE_UNKNOWN_VRF` if `vrf` is beyond the table's capacity.
///
/// # Safety
/// `t` must be a live handle, used by no other call now.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vrf_add(t: *mut neutrino_vrf_table, vrf: u32) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        Ok(t.vrfs.add_vrf(vrf)?)
    }
}

/// Deletes VRF `vrf` and its routes (the groups stay).
///
/// # Safety
/// `t` must be a live handle, used by no other call now.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_vrf_remove(
    t: *mut neutrino_vrf_table,
    vrf: u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        Ok(t.vrfs.remove_vrf(vrf)?)
    }
}

fn v6(addr: *const [u8; 16]) -> Result<Ipv6Addr, neutrino_status> {
    args::check_ptr(addr)?;
    // SAFETY: non-NULL, aligned (checked); 16 readable bytes per the callers' contract.
    Ok(Ipv6Addr::from(unsafe { addr.read() }))
}

fn add<A: Address>(
    t: &mut neutrino_vrf_table,
    vrf: u32,
    addr: A,
    len: u8,
    group: u32,
    old: *mut u32,
) -> Result<(), neutrino_status> {
    let p = Prefix::new(addr, len)?;
    let r = t.vrfs.insert(vrf, p, group)?;
    // SAFETY: `old` NULL or writable (the export's contract).
    unsafe { write_opt(old, r.unwrap_or(NEUTRINO_ROUTE_NONE)) }
}

fn remove<A: Address>(
    t: &mut neutrino_vrf_table,
    vrf: u32,
    addr: A,
    len: u8,
    old: *mut u32,
) -> Result<(), neutrino_status> {
    let p = Prefix::new(addr, len)?;
    let r = t.vrfs.remove(vrf, p)?;
    // SAFETY: `old` NULL or writable (the export's contract).
    unsafe { write_opt(old, r) }
}

/// Adds (or replaces) the IPv4 route `addr/len → group` in VRF `vrf`; writes the group it
/// replaced (or `NEUTRINO_ROUTE_NONE`) to `*old` when `old` is not NULL. Host bits set:
/// `NEUTRINO_ROUTE_HOST_BITS`; `len > 32`: `NEUTRINO_ROUTE_PREFIX_LEN`; table unchanged.
///
/// # Safety
/// `t` must be a live handle used by no other call now; `old` NULL or a writable `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_add_v4(
    t: *mut neutrino_vrf_table,
    vrf: u32,
    addr: u32,
    len: u8,
    group: u32,
    old: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        add(t, vrf, Ipv4Addr::from_bits(addr), len, group, old)
    }
}

/// Adds (or replaces) `n` IPv4 routes `addrs[i]/lens[i] → groups[i]` to VRF `vrf` with one
/// rebuild of the lookup structure (loading a full table this way takes a fraction of a
/// second; route by route, every call publishes). On a refused route (host bits, length,
/// group) the routes before it stay added, the call returns its status and `*done` (when not
/// NULL) says how many were added.
///
/// # Safety
/// `t` must be a live handle used by no other call now; `addrs`, `lens`, `groups` must point
/// to `n` readable elements each (NULL when `n` is 0); `done` NULL or a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_add_v4_bulk(
    t: *mut neutrino_vrf_table,
    vrf: u32,
    addrs: *const u32,
    lens: *const u8,
    groups: *const u32,
    n: usize,
    done: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        // SAFETY: `n` readable elements each, per the contract.
        let (a, l, g) = unsafe {
            (
                args::slice_from(addrs, n)?,
                args::slice_from(lens, n)?,
                args::slice_from(groups, n)?,
            )
        };
        let routes = a.iter().map(|a| Ipv4Addr::from_bits(*a));
        // SAFETY: `done` NULL or writable per the contract.
        unsafe { bulk(t, vrf, routes, l, g, done) }
    }
}

/// Stages routes until the first refused one, commits once, reports how many were added.
///
/// # Safety
/// `done` must be NULL or a writable `size_t`.
unsafe fn bulk<A: Address>(
    t: &mut neutrino_vrf_table,
    vrf: u32,
    addrs: impl Iterator<Item = A>,
    lens: &[u8],
    groups: &[u32],
    done: *mut usize,
) -> Result<(), neutrino_status> {
    let mut ok = 0usize;
    let mut err = None;
    let routes = addrs
        .zip(lens)
        .zip(groups)
        .map_while(|((a, l), g)| match Prefix::new(a, *l) {
            Ok(p) if *g <= NEUTRINO_ROUTE_MAX_GROUP => {
                ok += 1;
                Some((p, *g))
            }
            Ok(_) => {
                err = Some(NEUTRINO_ROUTE_BAD_GROUP);
                None
            }
            Err(e) => {
                err = Some(e.into());
                None
            }
        });
    let r = t.vrfs.extend(vrf, routes);
    if !done.is_null() {
        args::check_ptr(done)?;
        // SAFETY: non-NULL, aligned, writable per the contract.
        unsafe { done.write(if r.is_ok() { ok } else { 0 }) };
    }
    r?;
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Adds (or replaces) `n` IPv6 routes with one rebuild (see `neutrino_route_add_v4_bulk`);
/// `addrs` holds `n` 16-byte addresses in network order.
///
/// # Safety
/// As `neutrino_route_add_v4_bulk`, with `addrs` `n` readable 16-byte addresses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_add_v6_bulk(
    t: *mut neutrino_vrf_table,
    vrf: u32,
    addrs: *const [u8; 16],
    lens: *const u8,
    groups: *const u32,
    n: usize,
    done: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        // SAFETY: `n` readable elements each, per the contract.
        let (a, l, g) = unsafe {
            (
                args::slice_from(addrs, n)?,
                args::slice_from(lens, n)?,
                args::slice_from(groups, n)?,
            )
        };
        let routes = a.iter().map(|a| Ipv6Addr::from(*a));
        // SAFETY: `done` NULL or writable per the contract.
        unsafe { bulk(t, vrf, routes, l, g, done) }
    }
}

/// Adds (or replaces) the IPv6 route `addr/len → group` (see `neutrino_route_add_v4`).
///
/// # Safety
/// As `neutrino_route_add_v4`; `addr` must point to 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_add_v6(
    t: *mut neutrino_vrf_table,
    vrf: u32,
    addr: *const [u8; 16],
    len: u8,
    group: u32,
    old: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        add(t, vrf, v6(addr)?, len, group, old)
    }
}

/// Removes the IPv4 route `addr/len` from VRF `vrf`, writing its group to `*old` (if not
/// NULL). `NEUTRINO_ROUTE_NOT_FOUND` when absent (nothing changed).
///
/// # Safety
/// `t` must be a live handle used by no other call now; `old` NULL or a writable `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_remove_v4(
    t: *mut neutrino_vrf_table,
    vrf: u32,
    addr: u32,
    len: u8,
    old: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        remove(t, vrf, Ipv4Addr::from_bits(addr), len, old)
    }
}

/// Removes the IPv6 route `addr/len` (see `neutrino_route_remove_v4`).
///
/// # Safety
/// As `neutrino_route_remove_v4`; `addr` must point to 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_remove_v6(
    t: *mut neutrino_vrf_table,
    vrf: u32,
    addr: *const [u8; 16],
    len: u8,
    old: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        remove(t, vrf, v6(addr)?, len, old)
    }
}

/// Longest-prefix match of `addr` in VRF `vrf`: writes the group id, or
/// `NEUTRINO_ROUTE_NONE`, to `*group`. An unknown VRF gives `NEUTRINO_ROUTE_NONE` too.
///
/// # Safety
/// `t` must be a live handle; `group` a writable `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_lookup_v4(
    t: *const neutrino_vrf_table,
    vrf: u32,
    addr: u32,
    group: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table(t) }?;
        args::check_ptr(group)?;
        let g = t.vrfs.lookup(vrf, Ipv4Addr::from_bits(addr)).unwrap_or(NEUTRINO_ROUTE_NONE);
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { group.write(g) };
        Ok(())
    }
}

/// Longest-prefix match of an IPv6 address (see `neutrino_route_lookup_v4`).
///
/// # Safety
/// As `neutrino_route_lookup_v4`; `addr` must point to 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_lookup_v6(
    t: *const neutrino_vrf_table,
    vrf: u32,
    addr: *const [u8; 16],
    group: *mut u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table(t) }?;
        args::check_ptr(group)?;
        let g = t.vrfs.lookup(vrf, v6(addr)?).unwrap_or(NEUTRINO_ROUTE_NONE);
        // SAFETY: checked non-NULL and aligned; writable per the contract.
        unsafe { group.write(g) };
        Ok(())
    }
}

/// Looks up `raw` in VRF `vrf`, 64 at a time through `walk` (the structure's raw burst for
/// the caller's form of address): `groups[i]` for `raw[i]`, the number of matches to `*hits`
/// when `hits` is not NULL. An unknown VRF matches nothing.
fn burst<S: Copy, A: Address>(
    t: &neutrino_vrf_table,
    vrf: u32,
    raw: &[S],
    walk: impl Fn(&Fib<A>, &[S], &mut [u32]) -> Result<usize, RouteError>,
    groups: *mut u32,
    hits: *mut usize,
) -> Result<(), neutrino_status> {
    let mut total = 0usize;
    // The VRF's structure once for the whole call (the lookups' answers come from one
    // snapshot), group ids written by the walk itself.
    let fib = t.vrfs.snapshot().fib::<A>(vrf);
    let mut out = [NEUTRINO_ROUTE_NONE; MAX_BURST];
    for (c, chunk) in raw.chunks(MAX_BURST).enumerate() {
        let out = &mut out[..chunk.len()];
        match fib {
            Some(f) => total += walk(f, chunk, out).map_err(neutrino_status::from)?,
            None => out.fill(NEUTRINO_ROUTE_NONE),
        }
        // SAFETY: `groups` was checked for `raw.len()` elements, writable and not overlapping
        // `raw` or our stack per the contract; `c * MAX_BURST + out.len()` is at most
        // `raw.len()`.
        unsafe {
            core::ptr::copy_nonoverlapping(out.as_ptr(), groups.add(c * MAX_BURST), out.len())
        };
    }
    if !hits.is_null() {
        args::check_ptr(hits)?;
        // SAFETY: non-NULL, aligned, writable per the contract.
        unsafe { hits.write(total) };
    }
    Ok(())
}

/// Longest-prefix match of `n` IPv4 addresses of VRF `vrf` (any `n`; walked in bursts of 64
/// whose memory accesses overlap): `groups[i]` for `addrs[i]`; the number of matches goes to
/// `*hits` when `hits` is not NULL.
///
/// # Safety
/// `t` must be a live handle; `addrs` `n` readable `uint32_t`, `groups` `n` writable ones not
/// overlapping `addrs`; either may be NULL when `n` is 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_lookup_v4_burst(
    t: *const neutrino_vrf_table,
    vrf: u32,
    addrs: *const u32,
    n: usize,
    groups: *mut u32,
    hits: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table(t) }?;
        args::check_array(groups, n)?;
        // SAFETY: `n` readable u32 per the contract.
        let raw = unsafe { args::slice_from(addrs, n) }?;
        // The caller's host-order addresses are the structure's keys already.
        burst::<u32, Ipv4Addr>(
            t,
            vrf,
            raw,
            |f, c, o| f.lookup_burst_keys(c, o, NEUTRINO_ROUTE_NONE),
            groups,
            hits,
        )
    }
}

/// Longest-prefix match of `n` IPv6 addresses (16 bytes each, network order); see
/// `neutrino_route_lookup_v4_burst`.
///
/// # Safety
/// As `neutrino_route_lookup_v4_burst`, with `addrs` `n` readable 16-byte addresses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_route_lookup_v6_burst(
    t: *const neutrino_vrf_table,
    vrf: u32,
    addrs: *const [u8; 16],
    n: usize,
    groups: *mut u32,
    hits: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table(t) }?;
        args::check_array(groups, n)?;
        // SAFETY: `n` readable addresses per the contract.
        let raw = unsafe { args::slice_from(addrs, n) }?;
        burst::<[u8; 16], Ipv6Addr>(
            t,
            vrf,
            raw,
            |f, c, o| {
                f.lookup_burst_bytes(c, o, NEUTRINO_ROUTE_NONE)
            },
            groups,
            hits,
        )
    }
}

/// Sets next-hop group `id` to `hops` (1..=`NEUTRINO_NHG_MAX_HOPS`, weights ≥ 1). Routes
/// carrying `id` use the new hops at once; flows keep their hop where the hop stays.
///
/// # Safety
/// `t` must be a live handle used by no other call now; `hops` `n` readable structs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_nhg_set(
    t: *mut neutrino_vrf_table,
    id: u32,
    hops: *const neutrino_nexthop,
    n: usize,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        // SAFETY: `n` readable structs per the contract.
        let raw = unsafe { args::slice_from(hops, n) }?;
        if raw.is_empty() || raw.len() > NEUTRINO_NHG_MAX_HOPS {
            return Err(NEUTRINO_ROUTE_BAD_GROUP);
        }
        let mut core = [NextHop::new(0, None); NEUTRINO_NHG_MAX_HOPS];
        for (d, s) in core.iter_mut().zip(raw) {
            *d = s.to_core()?;
        }
        let core = &core[..raw.len()];
        // An existing group is changed in place, so its buckets move as little as possible.
        if let Some(g) = t.groups.get_mut(id) {
            let mut next = g.clone();
            let old: Vec<NextHop> = next.hops().copied().collect();
            for h in core {
                if let Some(o) = old.iter().find(|o| o.port == h.port && o.gateway == h.gateway) {
                    if o.weight != h.weight {
                        next.set_weight(h.port, h.gateway, h.weight)?;
                    }
                } else {
                    next.add_hop(*h)?;
                }
            }
            for o in &old {
                if !core.iter().any(|h| h.port == o.port && h.gateway == o.gateway) {
                    next.remove_hop(o.port, o.gateway)?;
                }
            }
            *g = next;
            return Ok(());
        }
        Ok(t.groups.set(id, NextHopGroup::new(core)?)?)
    }
}

/// Deletes next-hop group `id`. `NEUTRINO_ROUTE_NOT_FOUND` if absent.
///
/// # Safety
/// `t` must be a live handle used by no other call now.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_nhg_remove(
    t: *mut neutrino_vrf_table,
    id: u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        t.groups.remove(id)?;
        Ok(())
    }
}

/// Removes one next hop (matched by port and gateway) from group `id`; only its flows move.
/// Refused for the last hop (`NEUTRINO_ROUTE_BAD_GROUP`).
///
/// # Safety
/// `t` must be a live handle used by no other call now; `hop` one readable struct.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_nhg_remove_hop(
    t: *mut neutrino_vrf_table,
    id: u32,
    hop: *const neutrino_nexthop,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table_mut(t) }?;
        args::check_ptr(hop)?;
        // SAFETY: non-NULL, aligned, readable per the contract.
        let h = unsafe { hop.read() }.to_core()?;
        let g = t.groups.get_mut(id).ok_or(NEUTRINO_ROUTE_NOT_FOUND)?;
        Ok(g.remove_hop(h.port, h.gateway)?)
    }
}

/// The next hop of group `id` for a flow of hash `hash` (see `neutrino_flow_hash`), written
/// to `*out`. Stable while the group is unchanged; proportional to the weights.
///
/// # Safety
/// `t` must be a live handle; `out` one writable struct.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_nhg_select(
    t: *const neutrino_vrf_table,
    id: u32,
    hash: u32,
    out: *mut neutrino_nexthop,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: contract.
        let t = unsafe { table(t) }?;
        args::check_ptr(out)?;
        let h = t.groups.select(id, hash).ok_or(NEUTRINO_ROUTE_NOT_FOUND)?;
        // SAFETY: non-NULL, aligned, writable per the contract.
        unsafe { out.write(neutrino_nexthop::from_core(h)) };
        Ok(())
    }
}

/// The seeded flow hash of an IPv4 5-tuple (addresses in host byte order), as the table with
/// this `seed` uses for ECMP.
#[unsafe(no_mangle)]
pub extern "C" fn neutrino_flow_hash_v4(
    seed: u64,
    src: u32,
    dst: u32,
    proto: u8,
    sport: u16,
    dport: u16,
) -> u32 {
    crate::guard::guard_value(0, || {
        flow_hash(
            seed,
            IpAddr::V4(Ipv4Addr::from_bits(src)),
            IpAddr::V4(Ipv4Addr::from_bits(dst)),
            proto,
            sport,
            dport,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_for_route_errors() {
        assert_eq!(
            neutrino_status::from(RouteError::HostBitsSet { len: 8 }),
            NEUTRINO_ROUTE_HOST_BITS
        );
        assert_eq!(
            neutrino_status::from(RouteError::NotFound),
            NEUTRINO_ROUTE_NOT_FOUND
        );
        assert_eq!(
            neutrino_status::from(RouteError::UnknownVrf { vrf: 1 }),
            NEUTRINO_ROUTE_UNKNOWN_VRF
        );
    }

    #[test]
    fn table_round_trip_from_rust() {
        let mut t = core::ptr::null_mut();
        // SAFETY: `t` is a live out-pointer; the handle is used and freed below.
        unsafe {
            assert_eq!(neutrino_vrf_table_new(4, 16, 1, &mut t), NEUTRINO_OK);
            assert_eq!(neutrino_vrf_add(t, 1), NEUTRINO_OK);
            let mut old = 0;
            assert_eq!(
                neutrino_route_add_v4(t, 1, 0x0A00_0000, 8, 3, &mut old),
                NEUTRINO_OK
            );
            assert_eq!(old, NEUTRINO_ROUTE_NONE);
            assert_eq!(
                neutrino_route_add_v4(t, 1, 0x0A00_0001, 8, 3, &mut old),
                NEUTRINO_ROUTE_HOST_BITS
            );
            let mut g = 0;
            assert_eq!(
                neutrino_route_lookup_v4(t, 1, 0x0A01_0203, &mut g),
                NEUTRINO_OK
            );
            assert_eq!(g, 3);
            assert_eq!(
                neutrino_route_lookup_v4(t, 1, 0x0A01_0203, core::ptr::null_mut()),
                NEUTRINO_NULL_POINTER
            );
            neutrino_vrf_table_free(t);
        }
    }
}
