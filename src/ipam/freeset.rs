//! Sets of free integers kept as disjoint intervals (a `BTreeMap` start → end), so memory is
//! proportional to the fragmentation (≤ allocated ids + ranges), not to the id space. Shared by
//! the IPv6 address allocator and the segment allocators.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::{AllocMode, Rng};

/// Disjoint, non-adjacent inclusive intervals of free values.
#[derive(Debug, Clone, Default)]
pub(crate) struct FreeSet {
    map: BTreeMap<u128, u128>,
}

impl FreeSet {
    fn find(&self, x: u128) -> Option<(u128, u128)> {
        self.map
            .range(..=x)
            .next_back()
            .filter(|(_, &e)| x <= e)
            .map(|(&s, &e)| (s, e))
    }

    pub(crate) fn contains(&self, x: u128) -> bool {
        self.find(x).is_some()
    }

    /// Adds `lo..=hi`, which must not intersect the set; merges with adjacent intervals.
    pub(crate) fn add(&mut self, mut lo: u128, mut hi: u128) {
        if let Some((&s, &e)) = self.map.range(..lo).next_back() {
            if e.checked_add(1) == Some(lo) {
                self.map.remove(&s);
                lo = s;
            }
        }
        if let Some(next) = hi.checked_add(1) {
            if let Some(e) = self.map.remove(&next) {
                hi = e;
            }
        }
        self.map.insert(lo, hi);
    }

    /// Removes `x`; false if it was not free.
    pub(crate) fn take(&mut self, x: u128) -> bool {
        let Some((s, e)) = self.find(x) else {
            return false;
        };
        self.map.remove(&s);
        if s < x {
            self.map.insert(s, x - 1);
        }
        if x < e {
            self.map.insert(x + 1, e);
        }
        true
    }

    /// The `k`-th free value in increasing order.
    pub(crate) fn nth(&self, mut k: u128) -> Option<u128> {
        for (&s, &e) in &self.map {
            let len = (e - s).saturating_add(1);
            if k < len {
                return Some(s + k);
            }
            k -= len;
        }
        None
    }

    /// Number of free values, counted up to `limit`.
    pub(crate) fn count_upto(&self, limit: u128) -> u128 {
        let mut n = 0u128;
        for (&s, &e) in &self.map {
            n = n.saturating_add((e - s).saturating_add(1));
            if n >= limit {
                return limit;
            }
        }
        n
    }

    /// Free intervals in increasing order.
    pub(crate) fn intervals(&self) -> impl Iterator<Item = (u128, u128)> + '_ {
        self.map.iter().map(|(&s, &e)| (s, e))
    }
}

/// An id/address allocator over configured ranges: free values inside the ranges are a
/// [`FreeSet`]; values taken outside the ranges (provider segments, admin fixed IPs) are kept
/// in a set.
#[derive(Debug, Clone, Default)]
pub(crate) struct RangeAlloc {
    ranges: Vec<(u128, u128)>,
    free: FreeSet,
    outside: BTreeSet<u128>,
    taken: u128,
}

impl RangeAlloc {
    /// Ranges may overlap or touch; they are merged.
    pub(crate) fn new(ranges: &[(u128, u128)]) -> Self {
        let mut rs: Vec<(u128, u128)> = ranges.iter().copied().filter(|(s, e)| s <= e).collect();
        rs.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(rs.len());
        for (s, e) in rs {
            match merged.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let mut free = FreeSet::default();
        for &(s, e) in &merged {
            free.add(s, e);
        }
        RangeAlloc {
            ranges: merged,
            free,
            outside: BTreeSet::new(),
            taken: 0,
        }
    }

    pub(crate) fn in_ranges(&self, x: u128) -> bool {
        let i = self.ranges.partition_point(|&(s, _)| s <= x);
        i > 0 && self.ranges[i - 1].1 >= x
    }

    /// Picks a free value inside the ranges: the lowest, or uniformly among the first
    /// `window`.
    pub(crate) fn pick(&mut self, mode: AllocMode, window: u32, rng: &mut dyn Rng) -> Option<u128> {
        let k = match mode {
            AllocMode::Lowest => 0,
            AllocMode::Random => {
                let n = self.free.count_upto(u128::from(window.max(1)));
                if n == 0 {
                    return None;
                }
                u128::from(rng.below(n as u32))
            }
        };
        let x = self.free.nth(k)?;
        self.free.take(x);
        self.taken += 1;
        Some(x)
    }

    /// Takes `x`; false if it is already taken.
    pub(crate) fn take(&mut self, x: u128) -> bool {
        let ok = if self.in_ranges(x) {
            self.free.take(x)
        } else {
            self.outside.insert(x)
        };
        if ok {
            self.taken += 1;
        }
        ok
    }

    /// Gives `x` back; false if it was not taken.
    pub(crate) fn give(&mut self, x: u128) -> bool {
        let ok = if self.in_ranges(x) {
            if self.free.contains(x) {
                false
            } else {
                self.free.add(x, x);
                true
            }
        } else {
            self.outside.remove(&x)
        };
        if ok {
            self.taken -= 1;
        }
        ok
    }

    pub(crate) fn is_taken(&self, x: u128) -> bool {
        if self.in_ranges(x) {
            !self.free.contains(x)
        } else {
            self.outside.contains(&x)
        }
    }

    pub(crate) fn taken(&self) -> u128 {
        self.taken
    }

    /// Free values inside the ranges, counted up to `limit`.
    pub(crate) fn free_upto(&self, limit: u128) -> u128 {
        self.free.count_upto(limit)
    }

    /// Number of free intervals (memory use).
    pub(crate) fn fragments(&self) -> usize {
        self.free.intervals().count() + self.outside.len()
    }
}
