//! The FDB for C: MAC learning, lookup, static entries (L2 population), aging, flood lists and
//! counters. Also the address types the L2 exports share ([`neutrino_l2_dest`],
//! [`neutrino_ip_addr`]).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use neutrino::l2::fdb::{Fdb, FdbConfig, FdbCounters, FloodReason, Forward, Learned, Refusal};
use neutrino::l2::Dest;
use neutrino::wire::MacAddr;

use crate::args;
use crate::ffi_guard;
use crate::status::neutrino_status::{self, *};

/// `neutrino_l2_dest.kind`: a local port (`port`).
pub const NEUTRINO_DEST_PORT: u8 = 1;
/// `neutrino_l2_dest.kind`: a remote IPv4 VTEP (`addr[0..4]`).
pub const NEUTRINO_DEST_VTEP4: u8 = 2;
/// `neutrino_l2_dest.kind`: a remote IPv6 VTEP (`addr`).
pub const NEUTRINO_DEST_VTEP6: u8 = 3;

/// Where a frame goes: a local port or a remote tunnel endpoint.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_l2_dest {
    /// `NEUTRINO_DEST_PORT`, `NEUTRINO_DEST_VTEP4` or `NEUTRINO_DEST_VTEP6`.
    pub kind: u8,
    /// Zero.
    pub reserved: [u8; 3],
    /// The port id (kind PORT).
    pub port: u32,
    /// The VTEP address, network order (4 bytes used for VTEP4).
    pub addr: [u8; 16],
}

impl neutrino_l2_dest {
    pub(crate) fn from_core(d: Dest) -> Self {
        let mut out = neutrino_l2_dest::default();
        match d {
            Dest::Port(p) => {
                out.kind = NEUTRINO_DEST_PORT;
                out.port = p;
            }
            Dest::Vtep(IpAddr::V4(a)) => {
                out.kind = NEUTRINO_DEST_VTEP4;
                out.addr[..4].copy_from_slice(&a.octets());
            }
            Dest::Vtep(IpAddr::V6(a)) => {
                out.kind = NEUTRINO_DEST_VTEP6;
                out.addr = a.octets();
            }
        }
        out
    }

    pub(crate) fn to_core(self) -> Result<Dest, neutrino_status> {
        let a = self.addr;
        match self.kind {
            NEUTRINO_DEST_PORT => Ok(Dest::Port(self.port)),
            NEUTRINO_DEST_VTEP4 => Ok(Dest::Vtep(IpAddr::V4(Ipv4Addr::new(
                a[0], a[1], a[2], a[3],
            )))),
            NEUTRINO_DEST_VTEP6 => Ok(Dest::Vtep(IpAddr::V6(Ipv6Addr::from(a)))),
            _ => Err(NEUTRINO_INVALID_ARGUMENT),
        }
    }
}

/// An IPv4 or IPv6 address.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_ip_addr {
    /// 4 or 6.
    pub family: u8,
    /// Zero.
    pub reserved: [u8; 3],
    /// The address, network order (4 bytes used for IPv4).
    pub bytes: [u8; 16],
}

impl neutrino_ip_addr {
    pub(crate) fn to_core(self) -> Result<IpAddr, neutrino_status> {
        let b = self.bytes;
        match self.family {
            4 => Ok(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
            6 => Ok(IpAddr::V6(Ipv6Addr::from(b))),
            _ => Err(NEUTRINO_INVALID_ARGUMENT),
        }
    }
}

/// Reads a 6-byte MAC.
///
/// # Safety
/// `mac` NULL or 6 readable bytes.
pub(crate) unsafe fn read_mac(mac: *const u8) -> Result<MacAddr, neutrino_status> {
    if mac.is_null() {
        return Err(NEUTRINO_NULL_POINTER);
    }
    // SAFETY: forwarded contract: 6 readable bytes.
    let s = unsafe { args::slice_from(mac, 6) }?;
    let mut m = [0u8; 6];
    m.copy_from_slice(s);
    Ok(MacAddr(m))
}

/// Reads one `T`, refusing NULL.
///
/// # Safety
/// `p` NULL or one readable, initialised `T`.
pub(crate) unsafe fn read<T: Copy>(p: *const T) -> Result<T, neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: checked non-NULL and aligned; readable per contract.
    Ok(unsafe { p.read() })
}

/// Writes one `T`, refusing NULL.
///
/// # Safety
/// `p` NULL or writable for one `T`.
pub(crate) unsafe fn write<T>(p: *mut T, v: T) -> Result<(), neutrino_status> {
    args::check_ptr(p)?;
    // SAFETY: checked non-NULL and aligned; writable per contract.
    unsafe { p.write(v) };
    Ok(())
}

/// FDB sizing and policy (see the Rust `FdbConfig`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct neutrino_fdb_config {
    /// Most (segment, MAC) entries.
    pub mac_capacity: usize,
    /// Most segments with state.
    pub segment_capacity: usize,
    /// Most flood-list members over all segments.
    pub flood_capacity: usize,
    /// Ticks after which an unseen learned entry is dead (0: never).
    pub age: u64,
    /// Ticks a moved MAC must stay before it may move again (0: no dampening).
    pub move_hold: u64,
    /// Secret seed of the keyed hash.
    pub seed: u64,
    /// Learned MACs allowed per segment by default.
    pub default_segment_limit: u32,
    /// Non-zero: evict the least recently seen learned entry instead of refusing when full.
    pub evict_when_full: u8,
    /// Zero.
    pub reserved: [u8; 3],
}

impl neutrino_fdb_config {
    fn from_core(c: &FdbConfig) -> Self {
        neutrino_fdb_config {
            mac_capacity: c.mac_capacity,
            segment_capacity: c.segment_capacity,
            flood_capacity: c.flood_capacity,
            age: c.age,
            move_hold: c.move_hold,
            seed: c.seed,
            default_segment_limit: c.default_segment_limit,
            evict_when_full: u8::from(c.evict_when_full),
            reserved: [0; 3],
        }
    }
    fn to_core(self) -> FdbConfig {
        FdbConfig {
            mac_capacity: self.mac_capacity,
            segment_capacity: self.segment_capacity,
            flood_capacity: self.flood_capacity,
            age: self.age,
            move_hold: self.move_hold,
            default_segment_limit: self.default_segment_limit,
            evict_when_full: self.evict_when_full != 0,
            seed: self.seed,
        }
    }
}

/// FDB counters (see the Rust `FdbCounters`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_fdb_counters {
    /// New entries learned.
    pub learned: u64,
    /// Learns that refreshed an entry.
    pub refreshed: u64,
    /// MAC moves accepted.
    pub moved: u64,
    /// MAC moves refused by dampening.
    pub move_dampened: u64,
    /// Learns that found a static entry.
    pub static_kept: u64,
    /// Learned entries reclaimed by aging.
    pub aged: u64,
    /// Learned entries evicted to make room.
    pub evicted: u64,
    /// Unicast lookups that hit.
    pub hits: u64,
    /// Unicast lookups that missed.
    pub misses: u64,
    /// Broadcast destinations.
    pub broadcast: u64,
    /// Other multicast destinations.
    pub multicast: u64,
    /// Learns refused: table full.
    pub refused_full: u64,
    /// Learns refused: segment limit.
    pub refused_limit: u64,
    /// Learns refused: group or zero source MAC.
    pub refused_invalid_source: u64,
    /// Learns refused: segment table full.
    pub refused_segments: u64,
}

impl From<&FdbCounters> for neutrino_fdb_counters {
    fn from(c: &FdbCounters) -> Self {
        neutrino_fdb_counters {
            learned: c.learned,
            refreshed: c.refreshed,
            moved: c.moved,
            move_dampened: c.move_dampened,
            static_kept: c.static_kept,
            aged: c.aged,
            evicted: c.evicted,
            hits: c.hits,
            misses: c.misses,
            broadcast: c.broadcast,
            multicast: c.multicast,
            refused_full: c.refused_full,
            refused_limit: c.refused_limit,
            refused_invalid_source: c.refused_invalid_source,
            refused_segments: c.refused_segments,
        }
    }
}

/// `neutrino_fdb_learn_result.outcome`: a new entry.
pub const NEUTRINO_LEARN_NEW: u8 = 1;
/// Known on the same destination; refreshed.
pub const NEUTRINO_LEARN_REFRESHED: u8 = 2;
/// Moved; `other` is the old destination.
pub const NEUTRINO_LEARN_MOVED: u8 = 3;
/// Move refused by dampening; `other` is the destination kept.
pub const NEUTRINO_LEARN_DAMPENED: u8 = 4;
/// A static entry holds the MAC; untouched.
pub const NEUTRINO_LEARN_STATIC_KEPT: u8 = 5;
/// Not learned; `refusal` says why.
pub const NEUTRINO_LEARN_REFUSED: u8 = 6;
/// `refusal`: group or zero source MAC.
pub const NEUTRINO_REFUSAL_INVALID_SOURCE: u8 = 1;
/// `refusal`: the segment's limit.
pub const NEUTRINO_REFUSAL_SEGMENT_LIMIT: u8 = 2;
/// `refusal`: the MAC table is full.
pub const NEUTRINO_REFUSAL_TABLE_FULL: u8 = 3;
/// `refusal`: the segment table is full.
pub const NEUTRINO_REFUSAL_SEGMENT_TABLE_FULL: u8 = 4;

/// What `neutrino_fdb_learn` did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_fdb_learn_result {
    /// `NEUTRINO_LEARN_*`.
    pub outcome: u8,
    /// `NEUTRINO_REFUSAL_*` when refused, else 0.
    pub refusal: u8,
    /// Zero.
    pub reserved: [u8; 2],
    /// The old destination (MOVED) or the one kept (DAMPENED); zero otherwise.
    pub other: neutrino_l2_dest,
}

impl From<Learned> for neutrino_fdb_learn_result {
    fn from(l: Learned) -> Self {
        let mut r = neutrino_fdb_learn_result::default();
        match l {
            Learned::New => r.outcome = NEUTRINO_LEARN_NEW,
            Learned::Refreshed => r.outcome = NEUTRINO_LEARN_REFRESHED,
            Learned::Moved { from } => {
                r.outcome = NEUTRINO_LEARN_MOVED;
                r.other = neutrino_l2_dest::from_core(from);
            }
            Learned::Dampened { stays } => {
                r.outcome = NEUTRINO_LEARN_DAMPENED;
                r.other = neutrino_l2_dest::from_core(stays);
            }
            Learned::StaticKept => r.outcome = NEUTRINO_LEARN_STATIC_KEPT,
            Learned::Refused(why) => {
                r.outcome = NEUTRINO_LEARN_REFUSED;
                r.refusal = match why {
                    Refusal::InvalidSource => NEUTRINO_REFUSAL_INVALID_SOURCE,
                    Refusal::SegmentLimit => NEUTRINO_REFUSAL_SEGMENT_LIMIT,
                    Refusal::TableFull => NEUTRINO_REFUSAL_TABLE_FULL,
                    Refusal::SegmentTableFull => NEUTRINO_REFUSAL_SEGMENT_TABLE_FULL,
                };
            }
        }
        r
    }
}

/// `neutrino_fdb_forward.flood_reason`: not flooded (unicast).
pub const NEUTRINO_FLOOD_NONE: u8 = 0;
/// Flooded: broadcast destination.
pub const NEUTRINO_FLOOD_BROADCAST: u8 = 1;
/// Flooded: multicast destination.
pub const NEUTRINO_FLOOD_MULTICAST: u8 = 2;
/// Flooded: unknown (or aged) unicast destination.
pub const NEUTRINO_FLOOD_UNKNOWN: u8 = 3;

/// Where `neutrino_fdb_lookup` sends a frame.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct neutrino_fdb_forward {
    /// Non-zero: to `dest` only. Zero: flood to the segment's flood list
    /// (`neutrino_fdb_flood_list`) for `flood_reason`.
    pub unicast: u8,
    /// `NEUTRINO_FLOOD_*`.
    pub flood_reason: u8,
    /// Zero.
    pub reserved: [u8; 2],
    /// The destination when `unicast`.
    pub dest: neutrino_l2_dest,
}

/// An opaque FDB handle: the FDB over memory from the library's heap
/// ([`neutrino_fdb_new`]) or the caller's ([`neutrino_fdb_init`]).
#[derive(Debug)]
pub struct neutrino_fdb {
    inner: Fdb<&'static mut [u8]>,
    /// A heap block from `neutrino_fdb_new`, or caller memory from `neutrino_fdb_init`.
    origin: args::Origin,
}

/// Fills `*out` with the default configuration for `mac_capacity` MACs: 300 s aging and a 1 s
/// move hold at 1 tick = 1 ns, 4096 segments and flood members, no per-segment limit, refuse
/// when full.
///
/// # Safety
/// `out` a writable `neutrino_fdb_config`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_config_default(
    mac_capacity: usize,
    seed: u64,
    out: *mut neutrino_fdb_config,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contract.
        unsafe { write(out, neutrino_fdb_config::from_core(&FdbConfig::new(mac_capacity, seed))) }
    }
}

/// Creates an FDB over heap memory. Release it with [`neutrino_fdb_free`].
///
/// # Safety
/// `cfg` one readable `neutrino_fdb_config`; `out` a writable `neutrino_fdb *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_new(
    cfg: *const neutrino_fdb_config,
    out: *mut *mut neutrino_fdb,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contract.
        let c = unsafe { read(cfg) }?.to_core();
        let (inner, block) = args::over_heap(Fdb::mem_size(&c)?, |m| Fdb::new_in(m, c))?;
        let h = neutrino_fdb { inner, origin: args::Origin::BoxedOver(block) };
        // SAFETY: forwarded contract.
        unsafe { args::put_box(out, h) }
    }
}

/// Bytes of memory [`neutrino_fdb_init`] needs for `cfg` (the FDB's tables and flood lists,
/// its handle and alignment slack). `NEUTRINO_BAD_CAPACITY` for a capacity out of range.
///
/// # Safety
/// `cfg` one readable `neutrino_fdb_config`; `out` a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_mem_size(
    cfg: *const neutrino_fdb_config,
    out: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contract.
        let c = unsafe { read(cfg) }?.to_core();
        let n = args::placed_size::<neutrino_fdb>(Fdb::mem_size(&c)?)?;
        // SAFETY: forwarded contract.
        unsafe { write(out, n) }
    }
}

/// Builds an FDB inside the caller's memory `mem` of `mem_len` bytes (at least
/// [`neutrino_fdb_mem_size`]; any alignment; e.g. hugepages or a static array). The handle
/// written to `*out` lives in that memory: it stays valid while the memory does, and
/// [`neutrino_fdb_free`] releases nothing but may be called. The memory's previous contents
/// do not matter. `NEUTRINO_MEM_TOO_SMALL` when `mem_len` is short.
///
/// # Safety
/// `mem` must point to `mem_len` writable bytes that nothing else reads or writes until the
/// FDB is no longer used; `cfg` one readable `neutrino_fdb_config`; `out` a writable
/// `neutrino_fdb *`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_init(
    mem: *mut u8,
    mem_len: usize,
    cfg: *const neutrino_fdb_config,
    out: *mut *mut neutrino_fdb,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contract.
        let c = unsafe { read(cfg) }?.to_core();
        let region = Fdb::mem_size(&c)?;
        // SAFETY: forwarded contract (`mem`, `mem_len`).
        let (h, mem) = unsafe { args::place::<neutrino_fdb>(mem, mem_len, region) }?;
        let inner = Fdb::new_in(mem, c)?;
        // SAFETY: `h` is aligned and points to a handle-sized slot in the caller's memory
        // that nothing else uses (`place`).
        unsafe { h.write(neutrino_fdb { inner, origin: args::Origin::Placed }) };
        // SAFETY: forwarded contract.
        unsafe { write(out, h) }
    }
}

/// Releases an FDB from [`neutrino_fdb_new`]; for one from [`neutrino_fdb_init`] only ends
/// its use (the memory stays the caller's). NULL is fine.
///
/// # Safety
/// `f` NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_free(f: *mut neutrino_fdb) -> neutrino_status {
    ffi_guard! {
        if !f.is_null() {
            args::check_ptr(f)?;
            // SAFETY: `f` is a live handle (contract), made as its `origin` says by
            // neutrino_fdb_new or neutrino_fdb_init, and not used afterwards.
            unsafe { args::release(f, (*f).origin) };
        }
        Ok(())
    }
}

/// # Safety
/// `f` NULL or a live, exclusively used handle.
unsafe fn fdb<'a>(f: *mut neutrino_fdb) -> Result<&'a mut Fdb<&'static mut [u8]>, neutrino_status> {
    args::check_ptr(f)?;
    // SAFETY: forwarded contract.
    Ok(unsafe { &mut (*f).inner })
}

/// Learns source `mac` (6 bytes) on segment `seg` as behind `from`, at time `now`.
///
/// # Safety
/// `f` a live handle; `mac` 6 readable bytes; `from` one readable `neutrino_l2_dest`; `out` a
/// writable `neutrino_fdb_learn_result`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_learn(
    f: *mut neutrino_fdb,
    seg: u32,
    mac: *const u8,
    from: *const neutrino_l2_dest,
    now: u64,
    out: *mut neutrino_fdb_learn_result,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contracts.
        let (fd, m, d) = unsafe { (fdb(f)?, read_mac(mac)?, read(from)?.to_core()?) };
        let r = fd.learn(seg, m, d, now);
        // SAFETY: forwarded contract.
        unsafe { write(out, r.into()) }
    }
}

/// Where a frame to `mac` on `seg` goes at time `now`.
///
/// # Safety
/// `f` a live handle; `mac` 6 readable bytes; `out` a writable `neutrino_fdb_forward`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_lookup(
    f: *mut neutrino_fdb,
    seg: u32,
    mac: *const u8,
    now: u64,
    out: *mut neutrino_fdb_forward,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(out)?;
        // SAFETY: forwarded contracts.
        let (fd, m) = unsafe { (fdb(f)?, read_mac(mac)?) };
        let mut r = neutrino_fdb_forward::default();
        match fd.lookup(seg, m, now) {
            Forward::Unicast(d) => {
                r.unicast = 1;
                r.dest = neutrino_l2_dest::from_core(d);
            }
            Forward::Flood { reason, .. } => {
                r.flood_reason = match reason {
                    FloodReason::Broadcast => NEUTRINO_FLOOD_BROADCAST,
                    FloodReason::Multicast => NEUTRINO_FLOOD_MULTICAST,
                    FloodReason::Unknown => NEUTRINO_FLOOD_UNKNOWN,
                };
            }
        }
        // SAFETY: forwarded contract.
        unsafe { write(out, r) }
    }
}

/// Adds or replaces a static entry (never aged, never moved by learning).
/// `NEUTRINO_BAD_ADDRESS` for a group or zero MAC, `NEUTRINO_FULL` when the table is full.
///
/// # Safety
/// `f` a live handle; `mac` 6 readable bytes; `dest` one readable `neutrino_l2_dest`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_add_static(
    f: *mut neutrino_fdb,
    seg: u32,
    mac: *const u8,
    dest: *const neutrino_l2_dest,
    now: u64,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (fd, m, d) = unsafe { (fdb(f)?, read_mac(mac)?, read(dest)?.to_core()?) };
        Ok(fd.add_static(seg, m, d, now)?)
    }
}

/// Removes an entry; `NEUTRINO_NOT_FOUND` if absent.
///
/// # Safety
/// `f` a live handle; `mac` 6 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_remove(
    f: *mut neutrino_fdb,
    seg: u32,
    mac: *const u8,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (fd, m) = unsafe { (fdb(f)?, read_mac(mac)?) };
        fd.remove(seg, m).map(|_| ()).ok_or(NEUTRINO_NOT_FOUND)
    }
}

/// Reclaims dead learned entries, visiting at most `budget` slots from where the last call
/// stopped; `*removed` (if not NULL) gets the number reclaimed.
///
/// # Safety
/// `f` a live handle; `removed` NULL or a writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_age(
    f: *mut neutrino_fdb,
    now: u64,
    budget: usize,
    removed: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contract.
        let fd = unsafe { fdb(f) }?;
        let n = fd.age(now, budget);
        if !removed.is_null() {
            // SAFETY: forwarded contract.
            unsafe { write(removed, n) }?;
        }
        Ok(())
    }
}

/// Sets a segment's learned-MAC limit.
///
/// # Safety
/// `f` a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_set_segment_limit(
    f: *mut neutrino_fdb,
    seg: u32,
    limit: u32,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contract.
        Ok(unsafe { fdb(f) }?.set_segment_limit(seg, limit)?)
    }
}

/// Adds `dest` to `seg`'s flood list (no-op if present); `NEUTRINO_FULL` when the flood
/// storage is full.
///
/// # Safety
/// `f` a live handle; `dest` one readable `neutrino_l2_dest`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_flood_add(
    f: *mut neutrino_fdb,
    seg: u32,
    dest: *const neutrino_l2_dest,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (fd, d) = unsafe { (fdb(f)?, read(dest)?.to_core()?) };
        Ok(fd.flood_add(seg, d)?)
    }
}

/// Removes `dest` from `seg`'s flood list; `NEUTRINO_NOT_FOUND` if absent.
///
/// # Safety
/// `f` a live handle; `dest` one readable `neutrino_l2_dest`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_flood_remove(
    f: *mut neutrino_fdb,
    seg: u32,
    dest: *const neutrino_l2_dest,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let (fd, d) = unsafe { (fdb(f)?, read(dest)?.to_core()?) };
        if fd.flood_remove(seg, d) { Ok(()) } else { Err(NEUTRINO_NOT_FOUND) }
    }
}

/// Copies up to `cap` members of `seg`'s flood list into `out` (in a stable order) and sets
/// `*n` to the list's full length (which may exceed `cap`).
///
/// # Safety
/// `f` a live handle; `out` `cap` writable `neutrino_l2_dest` (NULL if `cap` is 0); `n` a
/// writable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_flood_list(
    f: *mut neutrino_fdb,
    seg: u32,
    out: *mut neutrino_l2_dest,
    cap: usize,
    n: *mut usize,
) -> neutrino_status {
    ffi_guard! {
        args::check_ptr(n)?;
        args::check_array(out, cap)?;
        // SAFETY: forwarded contract.
        let fd = unsafe { fdb(f) }?;
        let list = fd.flood_list(seg);
        for (i, d) in list.iter().take(cap).enumerate() {
            // SAFETY: `out` holds `cap` writable, aligned elements (checked, contract), i < cap.
            unsafe { out.add(i).write(neutrino_l2_dest::from_core(d)) };
        }
        // SAFETY: forwarded contract.
        unsafe { write(n, list.len()) }
    }
}

/// Copies the counters.
///
/// # Safety
/// `f` a live handle; `out` a writable `neutrino_fdb_counters`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn neutrino_fdb_get_counters(
    f: *mut neutrino_fdb,
    out: *mut neutrino_fdb_counters,
) -> neutrino_status {
    ffi_guard! {
        // SAFETY: forwarded contracts.
        let fd = unsafe { fdb(f) }?;
        // SAFETY: forwarded contract.
        unsafe { write(out, fd.counters().into()) }
    }
}
