//! [`Rib`]: the control-plane copy of an alloc-mode table, every route exactly as inserted,
//! stored compactly: one sorted array of routes (8 bytes per IPv4 route: key, length and
//! group id packed) plus a small ordered buffer of recent changes, merged into the array in
//! one pass when it grows past a fraction of it. It answers exact-match questions and is what
//! [`Fib`](super::Fib)s are built from; lookups never touch it.
//!
//! Routes are kept in prefix order, (key, length) ascending: a route precedes every route it
//! covers, and the routes inside an aligned region `key/depth` (length ≥ `depth`) are one
//! contiguous run, which is what the builder walks.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{Key, RouteError};

/// No route.
pub(crate) const NIL: u32 = u32::MAX;

const NH_BITS: u32 = 24;
const NH_MASK: u32 = (1 << NH_BITS) - 1;

/// Buffered changes below which the buffer is never merged.
const MERGE_MIN: usize = 1024;

/// One route: its key, and its length (high 8 bits) and group id (low 24 bits) in one word,
/// so that the derived order is (key, length).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Route<K> {
    pub(crate) key: K,
    meta: u32,
}

impl<K: Key> Route<K> {
    fn new(key: K, len: u8, nh: u32) -> Self {
        Route {
            key,
            meta: (len as u32) << NH_BITS | (nh & NH_MASK),
        }
    }
    /// Prefix length.
    #[inline(always)]
    pub(crate) fn len(&self) -> u32 {
        self.meta >> NH_BITS
    }
    /// Group id.
    #[inline(always)]
    pub(crate) fn nh(&self) -> u32 {
        self.meta & NH_MASK
    }
    #[inline(always)]
    fn id(&self) -> (K, u32) {
        (self.key, self.len())
    }
}

/// The last key of the region `key/depth` (every bit past `depth` set).
fn region_end<K: Key>(key: K, depth: u32) -> K {
    let all = u128::MAX >> (128 - K::BITS as u32);
    K::from_u128(key.to_u128() | all.checked_shr(depth).unwrap_or(0))
}

/// The routes of one family (see the module doc).
#[derive(Debug, Clone)]
pub(crate) struct Rib<K: Key> {
    /// Sorted by (key, length), unique.
    main: Vec<Route<K>>,
    /// Changes not merged into `main` yet: the new group id, or `NIL` for a route of `main`
    /// removed.
    pend: BTreeMap<(K, u8), u32>,
    routes: usize,
}

impl<K: Key> Default for Rib<K> {
    fn default() -> Self {
        Rib {
            main: Vec::new(),
            pend: BTreeMap::new(),
            routes: 0,
        }
    }
}

impl<K: Key> Rib<K> {
    pub(crate) fn len(&self) -> usize {
        self.routes
    }

    /// Bytes held: the array's capacity, and a bound for the buffer (a B-tree node of 11
    /// entries is at least half full, plus the internal nodes).
    pub(crate) fn memory_bytes(&self) -> usize {
        let entry = core::mem::size_of::<(K, u8)>() + 4;
        self.main.capacity() * core::mem::size_of::<Route<K>>() + self.pend.len() * (2 * entry + 16)
    }

    fn main_find(&self, key: K, len: u8) -> Result<usize, usize> {
        self.main
            .binary_search_by(|r| r.id().cmp(&(key, len as u32)))
    }

    /// The id of exactly `key/len`.
    pub(crate) fn get(&self, key: K, len: u8) -> Option<u32> {
        if let Some(&nh) = self.pend.get(&(key, len)) {
            return (nh != NIL).then_some(nh);
        }
        self.main_find(key, len).ok().map(|i| self.main[i].nh())
    }

    /// Adds or replaces `key/len → nh` (`nh` < 2^24); returns the id replaced.
    pub(crate) fn insert(&mut self, key: K, len: u8, nh: u32) -> Option<u32> {
        let old = self.get(key, len);
        match self.main_find(key, len) {
            // Unchanged from the array: nothing to buffer.
            Ok(i) if self.main[i].nh() == nh => {
                self.pend.remove(&(key, len));
            }
            _ => {
                self.pend.insert((key, len), nh & NH_MASK);
            }
        }
        if old.is_none() {
            self.routes += 1;
        }
        self.maybe_merge(8);
        old
    }

    /// Removes `key/len`; `NotFound` (nothing changed) if absent.
    pub(crate) fn remove(&mut self, key: K, len: u8) -> Result<u32, RouteError> {
        let old = self.get(key, len).ok_or(RouteError::NotFound)?;
        if self.main_find(key, len).is_ok() {
            self.pend.insert((key, len), NIL);
        } else {
            self.pend.remove(&(key, len));
        }
        self.routes -= 1;
        self.maybe_merge(8);
        Ok(old)
    }

    /// Merges the buffer when it holds more than `MERGE_MIN` changes and more than
    /// 1/`frac` of the array.
    pub(crate) fn maybe_merge(&mut self, frac: usize) {
        if self.pend.len() > MERGE_MIN.max(self.main.len() / frac.max(1)) {
            self.merge();
        }
    }

    /// Merges the buffer into the array (one pass; the new array has exactly one slot per
    /// route).
    pub(crate) fn merge(&mut self) {
        if self.pend.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.routes);
        let pend = core::mem::take(&mut self.pend);
        let mut main = self.main.iter().peekable();
        for ((k, l), nh) in pend {
            while let Some(r) = main.next_if(|r| r.id() < (k, l as u32)) {
                out.push(*r);
            }
            // The buffered change replaces the array's entry, if any.
            main.next_if(|r| r.id() == (k, l as u32));
            if nh != NIL {
                out.push(Route::new(k, l, nh));
            }
        }
        out.extend(main);
        self.main = out;
    }

    /// Adds or replaces every route of `batch` (a later duplicate wins) in one sort and one
    /// merge pass: the bulk load of a table.
    pub(crate) fn insert_many(&mut self, batch: impl IntoIterator<Item = (K, u8, u32)>) {
        let mut v: Vec<Route<K>> = batch
            .into_iter()
            .map(|(k, l, nh)| Route::new(k, l, nh))
            .collect();
        if v.is_empty() {
            return;
        }
        // Stable: equal prefixes keep their batch order, and the last of each run wins.
        v.sort_by_key(|r| r.id());
        let mut w = 0;
        for r in 0..v.len() {
            if w > 0 && v[w - 1].id() == v[r].id() {
                v[w - 1] = v[r];
            } else {
                v[w] = v[r];
                w += 1;
            }
        }
        v.truncate(w);
        self.merge();
        let mut out = Vec::with_capacity(self.main.len() + v.len());
        let mut main = self.main.iter().peekable();
        for r in v {
            while let Some(m) = main.next_if(|m| m.id() < r.id()) {
                out.push(*m);
            }
            main.next_if(|m| m.id() == r.id());
            out.push(r);
        }
        out.extend(main);
        out.shrink_to_fit();
        self.routes = out.len();
        self.main = out;
    }

    /// Every route (buffer merged in), in prefix order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(K, u8, u32)) {
        let mut scratch = Vec::new();
        for r in self.region(K::ZERO, 0, &mut scratch) {
            f(r.key, r.len() as u8, r.nh());
        }
    }

    /// The routes inside region `key/depth` with a length ≥ `depth`, in prefix order: a slice
    /// of the array when no buffered change falls inside, else merged into `scratch`.
    pub(crate) fn region<'a>(
        &'a self,
        key: K,
        depth: u32,
        scratch: &'a mut Vec<Route<K>>,
    ) -> &'a [Route<K>] {
        let key = key.truncate(depth.min(255) as u8);
        let end = region_end(key, depth);
        let lo = self.main.partition_point(|r| r.id() < (key, depth));
        let hi = lo + self.main[lo..].partition_point(|r| r.key <= end);
        let main = &self.main[lo..hi];
        let d8 = depth.min(255) as u8;
        let mut pend = self.pend.range((key, d8)..=(end, u8::MAX)).peekable();
        if pend.peek().is_none() {
            return main;
        }
        scratch.clear();
        let mut main = main.iter().peekable();
        for (&(k, l), &nh) in pend {
            while let Some(r) = main.next_if(|r| r.id() < (k, l as u32)) {
                scratch.push(*r);
            }
            main.next_if(|r| r.id() == (k, l as u32));
            if nh != NIL {
                scratch.push(Route::new(k, l, nh));
            }
        }
        scratch.extend(main);
        scratch
    }

    /// The id of the longest route shorter than `depth` that contains `key` (`NIL`: none).
    pub(crate) fn covering(&self, key: K, depth: u32) -> u32 {
        (0..depth.min(K::BITS as u32 + 1))
            .rev()
            .find_map(|l| self.get(key.truncate(l as u8), l as u8))
            .unwrap_or(NIL)
    }

    /// The whole array, after merging the buffer.
    pub(crate) fn settled(&mut self) -> &[Route<K>] {
        self.merge();
        &self.main
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::tests::Rng;
    use std::collections::BTreeMap as Oracle;

    /// Checks every question of the RIB against a map of (key, length) → id.
    fn check<K: Key>(rib: &Rib<K>, o: &Oracle<(K, u8), u32>, rng: &mut Rng, keys: &[K]) {
        assert_eq!(rib.len(), o.len());
        let mut all = Vec::new();
        rib.for_each(|k, l, nh| all.push(((k, l), nh)));
        let want: Vec<_> = o.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(all, want, "for_each lists the routes in prefix order");
        for _ in 0..32 {
            let k = keys[rng.below(keys.len() as u64) as usize];
            let depth = rng.below(K::BITS as u64 + 1) as u32;
            let rk = k.truncate(depth as u8);
            let end = region_end(rk, depth);
            let mut scratch = Vec::new();
            let got: Vec<_> = rib
                .region(k, depth, &mut scratch)
                .iter()
                .map(|r| ((r.key, r.len() as u8), r.nh()))
                .collect();
            let want: Vec<_> = o
                .iter()
                .filter(|((rk2, l), _)| *l as u32 >= depth && *rk2 >= rk && *rk2 <= end)
                .map(|(k, v)| (*k, *v))
                .collect();
            assert_eq!(got, want, "region {k:?}/{depth}");
            let cover = (0..depth)
                .rev()
                .find_map(|l| o.get(&(k.truncate(l as u8), l as u8)).copied())
                .unwrap_or(NIL);
            assert_eq!(rib.covering(k, depth), cover, "covering {k:?}/{depth}");
        }
    }

    fn random_ops<K: Key>(seed: u64, ops: usize, to_key: impl Fn(u64) -> K) {
        let mut rng = Rng::new(seed);
        let keys: Vec<K> = (0..64).map(|_| to_key(rng.next())).collect();
        let mut rib = Rib::<K>::default();
        let mut o = Oracle::new();
        for round in 0..2 {
            for step in 0..ops {
                let k = keys[rng.below(keys.len() as u64) as usize];
                let l = rng.below(K::BITS as u64 + 1) as u8;
                let k = k.truncate(l);
                if rng.below(3) == 0 {
                    let want = o.remove(&(k, l)).ok_or(RouteError::NotFound);
                    assert_eq!(rib.remove(k, l), want, "remove {k:?}/{l}");
                } else {
                    let nh = rng.below(8) as u32;
                    assert_eq!(
                        rib.insert(k, l, nh),
                        o.insert((k, l), nh),
                        "insert {k:?}/{l}"
                    );
                }
                assert_eq!(rib.get(k, l), o.get(&(k, l)).copied(), "get {k:?}/{l}");
                if step % 97 == 0 {
                    check(&rib, &o, &mut rng, &keys);
                }
                if step % 1500 == 0 {
                    rib.merge();
                }
                if step % 1000 == 500 {
                    // A bulk batch with duplicates (the last wins), over buffered changes.
                    let batch: Vec<(K, u8, u32)> = (0..200)
                        .map(|_| {
                            let k = keys[rng.below(keys.len() as u64) as usize];
                            let l = rng.below(K::BITS as u64 + 1) as u8;
                            (k.truncate(l), l, rng.below(8) as u32)
                        })
                        .collect();
                    for &(k, l, nh) in &batch {
                        o.insert((k, l), nh);
                    }
                    rib.insert_many(batch);
                    check(&rib, &o, &mut rng, &keys);
                }
            }
            check(&rib, &o, &mut rng, &keys);
            let settled: Vec<_> = rib
                .settled()
                .iter()
                .map(|r| ((r.key, r.len() as u8), r.nh()))
                .collect();
            assert_eq!(settled, o.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>());
            assert_eq!(
                rib.main.capacity(),
                rib.main.len(),
                "the array holds no spare slot"
            );
            // Remove everything (some merged, some buffered), then rebuild in the next round.
            let all: Vec<_> = o.keys().copied().collect();
            for (i, (k, l)) in all.into_iter().enumerate() {
                assert_eq!(rib.remove(k, l), Ok(o[&(k, l)]));
                assert_eq!(rib.remove(k, l), Err(RouteError::NotFound), "round {round}");
                o.remove(&(k, l));
                if i % 700 == 0 {
                    rib.merge();
                }
            }
            check(&rib, &o, &mut rng, &keys);
            assert!(rib.settled().is_empty());
        }
    }

    #[test]
    fn rib_matches_a_map_v4() {
        for seed in 0..3 {
            random_ops::<u32>(seed, 6000, |x| x as u32);
        }
    }

    #[test]
    fn rib_matches_a_map_v6() {
        random_ops::<u128>(7, 6000, |x| (x as u128) << 64 | x.rotate_left(17) as u128);
    }
}
