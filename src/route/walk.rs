//! What the alloc-mode lookup structures ([`Poptrie`](super::poptrie) and
//! [`LcTrie`](super::lctrie)) share in their entries and walks: the leaf encoding of a group id
//! and the prefetch hint of the burst walks.

use super::rib::NIL;

/// An entry that is a leaf (group id in the low 24 bits).
pub(crate) const LEAF: u32 = 1 << 31;
/// The "no route" group id inside the structures.
pub(crate) const NH_NONE: u32 = 0x00FF_FFFF;

/// Routes above which a table gets its large root (direct-pointing) array.
const SMALL_TABLE_ROUTES: usize = 2048;

/// The root bits for a table of `routes` routes now using `cur`: `large` above
/// [`SMALL_TABLE_ROUTES`], `small` below half of it, else `cur` (hysteresis, so a table near
/// the threshold does not flip at every commit).
pub(crate) fn root_bits(routes: usize, cur: u32, small: u32, large: u32) -> u32 {
    if routes > SMALL_TABLE_ROUTES {
        large
    } else if routes < SMALL_TABLE_ROUTES / 2 {
        small
    } else {
        cur
    }
}

/// The id of a route if there is one, else `best`.
#[inline]
pub(crate) fn to_leaf(nh: u32, best: u32) -> u32 {
    if nh == NIL {
        best
    } else {
        nh & NH_NONE
    }
}

/// Asks the CPU to start loading the cache line of `p` (any address: a prefetch never faults
/// and never reads into the program).
#[inline(always)]
pub(crate) fn prefetch(p: *const u32) {
    // SAFETY: SSE is part of the x86_64 baseline, and a prefetch has no memory-safety
    // requirement on its address (it is a hint; an invalid address is ignored).
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
