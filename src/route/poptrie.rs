//! [`Fib`]: the alloc-mode lookup structure, a Poptrie (Asai & Ohara, SIGCOMM 2015): a
//! direct-pointing array indexed by the first 18 (IPv4) or 16 (IPv6) address bits, then
//! 6-bit-stride nodes compressed with two 64-bit bitmaps and popcount: `vector` marks the
//! slots that continue into a child node, `leafvec` the slots where a run of equal leaves
//! starts, so a node stores each distinct run of leaves once. A full IPv4 Internet table
//! resolves in the direct array plus one or two nodes. Nodes and leaves share one arena, a
//! node reached from the direct array being followed by its own leaves.
//!
//! A `Fib` is immutable once built; [`Lpm`](super::Lpm) builds new ones aside and publishes
//! them (see the reader/writer contract in the [module doc](super)).

use alloc::vec;
use alloc::vec::Vec;
use core::marker::PhantomData;

use super::rib::{Rib, Route, NIL};
use super::{Address, Key, RouteError, MAX_BURST};

/// A direct-pointing entry that is a leaf (group id in the low 24 bits).
const LEAF: u32 = 1 << 31;
/// The "no route" group id inside the structure.
const NH_NONE: u32 = 0x00FF_FFFF;
/// Bits per node.
const K: u32 = 6;
/// Deepest walk below the direct array (IPv6 small table: (128 - 8) / 6).
const MAX_DEPTH: usize = 21;

/// Direct-pointing bits of a large table of a key type.
const fn dir_bits(bits: u8) -> u32 {
    if bits <= 32 {
        18
    } else {
        16
    }
}

/// Direct-pointing bits of a small table (1 KiB), so that thousands of VRFs stay cheap.
const SMALL_DIR_BITS: u32 = 8;
/// Routes above which a table gets the large direct-pointing array.
const SMALL_TABLE_ROUTES: usize = 2048;

/// A compressed node: 24 bytes (6 words of the arena).
#[derive(Debug, Clone, Copy, Default)]
struct Node {
    vector: u64,
    leafvec: u64,
    /// Arena index of the first leaf.
    base0: u32,
    /// Arena index of the first child header.
    base1: u32,
}

/// Words of a node header in the arena.
const NODE_WORDS: usize = 6;

impl Node {
    fn to_words(self) -> [u32; NODE_WORDS] {
        [
            self.vector as u32,
            (self.vector >> 32) as u32,
            self.leafvec as u32,
            (self.leafvec >> 32) as u32,
            self.base0,
            self.base1,
        ]
    }
}

/// An immutable longest-prefix-match structure for one family.
#[derive(Debug, Clone)]
pub struct Fib<A: Address> {
    /// Direct-pointing bits.
    s: u32,
    dir: Vec<u32>,
    /// Nodes (6 words each) and leaves (1 word each) in one arena: a node below the direct
    /// array is followed at once by its leaves, so a lookup that ends there reads its leaf
    /// from the same or the next cache lines instead of a distant array. Children of a node
    /// are contiguous headers (indexed by popcount); leaves of a node are contiguous.
    mem: Vec<u32>,
    nodes: usize,
    leaves: usize,
    /// Words no longer reachable (left by incremental updates).
    dead_words: usize,
    dead_nodes: usize,
    _a: PhantomData<A>,
}

/// Sizes of a [`Fib`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FibStats {
    /// Bytes of the direct-pointing array, nodes and leaves.
    pub bytes: usize,
    /// Nodes (24 bytes each), including unreachable ones.
    pub nodes: usize,
    /// Leaves (4 bytes each), including unreachable ones.
    pub leaves: usize,
    /// Nodes left unreachable by incremental updates (reclaimed by the next full rebuild).
    pub dead_nodes: usize,
}

impl<A: Address> Default for Fib<A> {
    fn default() -> Self {
        Self::empty()
    }
}

#[inline(always)]
fn below_mask(v: u32) -> u64 {
    // Bits 0..=v.
    u64::MAX >> (63 - (v & 63))
}

impl<A: Address> Fib<A> {
    /// The direct-pointing bits for a table of `routes` routes now using `cur` bits (with
    /// hysteresis, so a table near the threshold does not flip at every commit).
    pub(crate) fn bits_for(routes: usize, cur: u32) -> u32 {
        if routes > SMALL_TABLE_ROUTES {
            dir_bits(<A::Key as Key>::BITS)
        } else if routes < SMALL_TABLE_ROUTES / 2 {
            SMALL_DIR_BITS
        } else {
            cur
        }
    }

    /// Direct-pointing bits of this structure.
    pub(crate) fn dir_bits(&self) -> u32 {
        self.s
    }

    /// A structure with no route (1 KiB).
    pub fn empty() -> Self {
        Fib {
            s: SMALL_DIR_BITS,
            dir: vec![LEAF | NH_NONE; 1 << SMALL_DIR_BITS],
            mem: Vec::new(),
            nodes: 0,
            leaves: 0,
            dead_words: 0,
            dead_nodes: 0,
            _a: PhantomData,
        }
    }

    /// Builds the structure for `routes` (every route of a table, in prefix order).
    pub(crate) fn build(routes: &[Route<A::Key>], s: u32) -> Self {
        let mut f = Fib {
            s,
            dir: vec![LEAF | NH_NONE; 1 << s],
            mem: Vec::new(),
            nodes: 0,
            leaves: 0,
            dead_words: 0,
            dead_nodes: 0,
            _a: PhantomData,
        };
        let mut dir = core::mem::take(&mut f.dir);
        f.fill_dir(&mut dir, 0, 1 << s, routes, NH_NONE);
        f.dir = dir;
        f.mem.shrink_to_fit();
        f
    }

    /// Fills direct-pointing entries `first..first + count` (one aligned region) from
    /// `routes`, the routes of the region (prefix order), resolving to `best` where none
    /// matches.
    fn fill_dir(
        &mut self,
        dir: &mut [u32],
        first: usize,
        count: usize,
        routes: &[Route<A::Key>],
        best: u32,
    ) {
        if let Some(r) = dir.get_mut(first..first.saturating_add(count)) {
            r.fill(LEAF | best);
        }
        let s = self.s;
        let mut j = 0;
        while let Some(r) = routes.get(j) {
            let e = r.key.chunk(0, s) as usize;
            if r.len() <= s {
                // Prefix order: a route is painted before the routes it covers.
                let span = 1usize << (s - r.len());
                if let Some(d) = dir.get_mut(e..e.saturating_add(span)) {
                    d.fill(LEAF | r.nh());
                }
                j += 1;
                continue;
            }
            // The routes longer than `s` under entry `e` are one run, after every route
            // painting `e`.
            let run = routes[j..]
                .iter()
                .position(|x| x.key.chunk(0, s) as usize != e)
                .map_or(routes.len(), |n| j + n);
            if let Some(d) = dir.get_mut(e) {
                *d = self.subtree(&routes[j..run], *d & NH_NONE, s);
            }
            j = run;
        }
    }

    /// The entry for a region at depth `off` resolving to `best`, whose longer routes are
    /// `routes`: a leaf when none of them differs, else a new node (appended).
    fn subtree(&mut self, routes: &[Route<A::Key>], best: u32, off: u32) -> u32 {
        if routes.iter().all(|r| r.nh() == best) {
            return LEAF | best;
        }
        let idx = self.mem.len();
        self.mem.extend_from_slice(&[0; NODE_WORDS]);
        self.nodes += 1;
        self.fill_node(idx, routes, best, off, 0);
        idx as u32
    }

    /// Fills node `idx` for the region at depth `off` (resolving to `best`) from `routes`,
    /// the region's routes of length ≥ `off` in prefix order, then its children.
    fn fill_node(
        &mut self,
        idx: usize,
        routes: &[Route<A::Key>],
        best: u32,
        off: u32,
        depth: usize,
    ) {
        let mut best = best;
        let mut rs = routes;
        while let Some((r, rest)) = rs.split_first() {
            if r.len() > off {
                break;
            }
            best = r.nh();
            rs = rest;
        }
        let mut leaf = [best; 64];
        // Per slot, the run of `rs` longer than the slot, and whether it needs a node.
        let mut run = [(0u32, 0u32); 64];
        let mut sub = 0u64;
        for (j, r) in rs.iter().enumerate() {
            let v = r.key.chunk(off, K) as usize & 63;
            if r.len() <= off + K {
                let span = 1usize << (off + K - r.len());
                if let Some(l) = leaf.get_mut(v..v + span) {
                    l.fill(r.nh());
                }
            } else {
                if run[v].1 == 0 {
                    run[v].0 = j as u32;
                }
                run[v].1 = j as u32 + 1;
                if r.nh() != leaf[v] {
                    sub |= 1 << v;
                }
            }
        }
        let mut node = Node {
            base0: self.mem.len() as u32,
            vector: sub,
            ..Node::default()
        };
        let mut prev: Option<u32> = None;
        for (v, &x) in leaf.iter().enumerate() {
            if sub & (1 << v) != 0 {
                continue;
            }
            if prev != Some(x) {
                node.leafvec |= 1 << v;
                self.mem.push(x);
                self.leaves += 1;
                prev = Some(x);
            }
        }
        let subs = sub.count_ones() as usize;
        node.base1 = self.mem.len() as u32;
        self.mem.resize(self.mem.len() + subs * NODE_WORDS, 0);
        self.nodes += subs;
        if let Some(w) = self.mem.get_mut(idx..idx + NODE_WORDS) {
            w.copy_from_slice(&node.to_words());
        }
        if depth >= MAX_DEPTH {
            return;
        }
        let mut c = node.base1 as usize;
        for v in 0..64 {
            if sub & (1 << v) != 0 {
                let (a, b) = run[v];
                let child = rs.get(a as usize..b as usize).unwrap_or(&[]);
                self.fill_node(c, child, leaf[v], off + K, depth + 1);
                c += NODE_WORDS;
            }
        }
    }

    /// Rebuilds direct-pointing entries `first..first + count` from `rib` (new nodes are
    /// appended; the replaced ones are counted dead).
    pub(crate) fn rebuild_range(&mut self, rib: &Rib<A::Key>, first: usize, count: usize) {
        let end = first.saturating_add(count).min(self.dir.len());
        for i in first..end {
            let old = self.dir[i];
            if old & LEAF == 0 {
                let (n, l) = self.count_subtree(old, 0);
                self.dead_nodes += n;
                self.dead_words += n * NODE_WORDS + l;
            }
        }
        let count = end.saturating_sub(first);
        if count == 0 {
            return;
        }
        // One aligned power-of-two block is one region; anything else goes entry by entry.
        let (block, depth) = if count.is_power_of_two() && first.is_multiple_of(count) {
            (count, self.s - count.trailing_zeros())
        } else {
            (1, self.s)
        };
        let mut dir = core::mem::take(&mut self.dir);
        let mut scratch = Vec::new();
        for b in (first..end).step_by(block) {
            let key = <A::Key as Key>::ZERO.with_chunk(0, self.s, b as u32);
            let best = to_leaf(rib.covering(key, depth), NH_NONE);
            let routes = rib.region(key, depth, &mut scratch);
            self.fill_dir(&mut dir, b, block, routes, best);
        }
        self.dir = dir;
    }

    /// Rebuilds what a change of the route `key/len` (longer than the direct-pointing bits)
    /// affects: the deepest node whose slots the prefix covers, in place (its header is
    /// rewritten, its leaves and children appended), or the whole direct-pointing entry when
    /// no node holds the prefix's region yet.
    pub(crate) fn rebuild_prefix(&mut self, rib: &Rib<A::Key>, key: A::Key, len: u8) {
        let len = len as u32;
        let i = key.chunk(0, self.s) as usize;
        let Some(&e) = self.dir.get(i) else { return };
        if len <= self.s || e & LEAF != 0 {
            return self.rebuild_range(rib, i, 1);
        }
        let (mut idx, mut off) = (e, self.s);
        for _ in 0..MAX_DEPTH {
            let Some(n) = self.node(idx) else { break };
            if len > off + K {
                let v = key.chunk(off, K);
                if n.vector & (1 << v) != 0 {
                    let rank = (n.vector & below_mask(v)).count_ones().wrapping_sub(1) & 63;
                    idx = n.base1 + rank * NODE_WORDS as u32;
                    off += K;
                    continue;
                }
            }
            let (nodes, leaves) = self.count_subtree(idx, 0);
            self.dead_nodes += nodes.saturating_sub(1);
            self.dead_words += nodes.saturating_sub(1) * NODE_WORDS + leaves;
            let region = key.truncate(off as u8);
            let best = to_leaf(rib.covering(region, off), NH_NONE);
            let mut scratch = Vec::new();
            let routes = rib.region(region, off, &mut scratch);
            self.fill_node(idx as usize, routes, best, off, 0);
            return;
        }
        self.rebuild_range(rib, i, 1);
    }

    fn count_subtree(&self, idx: u32, depth: usize) -> (usize, usize) {
        let Some(n) = self.node(idx) else {
            return (0, 0);
        };
        let mut acc = (1, n.leafvec.count_ones() as usize);
        if depth < MAX_DEPTH {
            for j in 0..n.vector.count_ones() {
                let (a, b) = self.count_subtree(n.base1 + j * NODE_WORDS as u32, depth + 1);
                acc.0 += a;
                acc.1 += b;
            }
        }
        acc
    }

    /// Gives back spare capacity left by appends when it is more than a sixteenth.
    pub(crate) fn trim(&mut self) {
        if self.mem.capacity() > self.mem.len() + self.mem.len() / 16 + 1024 {
            self.mem.shrink_to_fit();
        }
    }

    /// Whether enough of the structure is unreachable that a full rebuild is worth it.
    pub(crate) fn needs_compaction(&self) -> bool {
        self.dead_words > 16384 && self.dead_words * 2 > self.mem.len()
    }

    /// Entries of the direct-pointing array.
    pub(crate) fn dir_len(&self) -> usize {
        self.dir.len()
    }

    /// The first direct-pointing entry and the number of entries a prefix covers.
    pub(crate) fn dir_span(&self, key: A::Key, len: u8) -> (usize, usize) {
        let first = key.chunk(0, self.s) as usize;
        let span = if (len as u32) < self.s {
            1usize << (self.s - len as u32)
        } else {
            1
        };
        (first, span)
    }

    /// The node header at arena index `i`.
    #[inline(always)]
    fn node(&self, i: u32) -> Option<Node> {
        let w: &[u32; NODE_WORDS] = self
            .mem
            .get(i as usize..(i as usize).wrapping_add(NODE_WORDS))?
            .try_into()
            .ok()?;
        Some(Node {
            vector: w[0] as u64 | (w[1] as u64) << 32,
            leafvec: w[2] as u64 | (w[3] as u64) << 32,
            base0: w[4],
            base1: w[5],
        })
    }

    /// Sizes.
    pub fn stats(&self) -> FibStats {
        FibStats {
            bytes: (self.dir.capacity() + self.mem.capacity()) * 4,
            nodes: self.nodes,
            leaves: self.leaves,
            dead_nodes: self.dead_nodes,
        }
    }

    /// Bytes used by the lookup structure.
    pub fn memory_bytes(&self) -> usize {
        self.stats().bytes
    }

    /// The internal leaf reached by `key`.
    #[inline(always)]
    fn resolve(&self, key: A::Key) -> u32 {
        let e = match self.dir.get(key.chunk(0, self.s) as usize) {
            Some(e) => *e,
            None => return NH_NONE,
        };
        if e & LEAF != 0 {
            return e & NH_NONE;
        }
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the `popcnt` instruction (checked just above), the only
            // requirement of `walk_popcnt`.
            return unsafe { self.walk_popcnt(key, e, self.s) };
        }
        self.walk(key, e, self.s)
    }

    /// [`walk`](Self::walk) compiled with the `popcnt` instruction.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "popcnt")]
    unsafe fn walk_popcnt(&self, key: A::Key, e: u32, off: u32) -> u32 {
        self.walk(key, e, off)
    }

    /// The internal leaf reached by `key` from the node at arena index `e`, which consumes
    /// the key bits from `off` on.
    #[inline(always)]
    pub(crate) fn walk(&self, key: A::Key, mut e: u32, mut off: u32) -> u32 {
        for _ in 0..MAX_DEPTH {
            let Some(n) = self.node(e) else {
                return NH_NONE;
            };
            let v = key.chunk(off, K) & 63;
            let m = below_mask(v);
            if n.vector & (1 << v) != 0 {
                e = n.base1.wrapping_add(
                    ((n.vector & m).count_ones().wrapping_sub(1) & 63) * NODE_WORDS as u32,
                );
                off += K;
            } else {
                let i = n
                    .base0
                    .wrapping_add((n.leafvec & m).count_ones())
                    .wrapping_sub(1);
                return self.mem.get(i as usize).copied().unwrap_or(NH_NONE);
            }
        }
        NH_NONE
    }

    /// The longest-prefix match of `key` by the portable walk (what `no_std` builds and CPUs
    /// without `popcnt` run), for tests.
    #[cfg(test)]
    pub(crate) fn lookup_portable(&self, addr: A) -> Option<u32> {
        let key = addr.to_key();
        let e = self.dir.get(key.chunk(0, self.s) as usize).copied()?;
        let nh = if e & LEAF != 0 {
            e & NH_NONE
        } else {
            self.walk(key, e, self.s)
        };
        (nh != NH_NONE).then_some(nh)
    }

    /// Longest-prefix match: the group id of the longest route containing `addr`.
    #[inline]
    pub fn lookup(&self, addr: A) -> Option<u32> {
        let nh = self.resolve(addr.to_key());
        (nh != NH_NONE).then_some(nh)
    }

    /// Longest-prefix match of up to [`MAX_BURST`] addresses into `out` (`out[i]` for
    /// `addrs[i]`), all of them walked level by level so that their memory accesses overlap.
    /// Returns the number of matches.
    pub fn lookup_burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> Result<usize, RouteError> {
        if addrs.len() > MAX_BURST || out.len() < addrs.len() {
            return Err(RouteError::BadBurst {
                len: addrs.len(),
                out: out.len(),
                max: MAX_BURST,
            });
        }
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the `popcnt` instruction (checked just above), the only
            // requirement of `burst_popcnt`.
            return Ok(unsafe { self.burst_popcnt(addrs, out) });
        }
        Ok(self.burst(addrs, out))
    }

    /// [`burst`](Self::burst) compiled with the `popcnt` instruction (the portable build
    /// counts bits with a dozen shifts and masks per node).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "popcnt")]
    unsafe fn burst_popcnt(&self, addrs: &[A], out: &mut [Option<u32>]) -> usize {
        self.burst(addrs, out)
    }

    /// The burst walk of [`lookup_burst`](Self::lookup_burst) (`addrs.len()` ≤ `MAX_BURST`,
    /// `out` at least as long; checked by the caller, and harmless if not: the excess is
    /// ignored).
    #[inline(always)]
    pub(crate) fn burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> usize {
        let addrs = &addrs[..addrs.len().min(MAX_BURST)];
        let mut keys = [<A::Key as Key>::ZERO; MAX_BURST];
        let mut cur = [LEAF | NH_NONE; MAX_BURST];
        let n = addrs.len();
        // Indexes (into `cur`) of the lookups still walking nodes, and of those with a leaf
        // to load; `& 63` keeps every index provably inside the 64-entry arrays.
        let mut pend = [0u8; MAX_BURST];
        let mut np = 0usize;
        let mut lf = [0u8; MAX_BURST];
        let mem = self.mem.as_ptr();
        for (i, ((k, c), a)) in keys.iter_mut().zip(cur.iter_mut()).zip(addrs).enumerate() {
            *k = a.to_key();
            *c = self
                .dir
                .get(k.chunk(0, self.s) as usize)
                .copied()
                .unwrap_or(LEAF | NH_NONE);
            // The node header is wanted in the next pass: start loading it now, so that the
            // misses of the whole burst overlap.
            prefetch(mem.wrapping_add(*c as usize));
            pend[np & 63] = i as u8;
            np += (*c & LEAF == 0) as usize;
        }
        let mut off = self.s;
        let mut depth = 0;
        while np > 0 && depth < MAX_DEPTH {
            let mut next = 0usize;
            let mut nl = 0usize;
            for j in 0..np.min(MAX_BURST) {
                let i = pend[j & 63] as usize & 63;
                let c = &mut cur[i];
                let Some(nd) = self.node(*c) else {
                    *c = LEAF | NH_NONE;
                    continue;
                };
                let v = keys[i].chunk(off, K);
                let m = below_mask(v);
                if nd.vector & (1 << v) != 0 {
                    *c = nd.base1
                        + ((nd.vector & m).count_ones().wrapping_sub(1) & 63) * NODE_WORDS as u32;
                    pend[next & 63] = i as u8;
                    next += 1;
                } else {
                    // Leaf index now, leaf load in the next pass.
                    *c = (nd.base0 + (nd.leafvec & m).count_ones()).wrapping_sub(1);
                    lf[nl & 63] = i as u8;
                    nl += 1;
                }
                prefetch(mem.wrapping_add(*c as usize));
            }
            for &i in &lf[..nl.min(MAX_BURST)] {
                let c = &mut cur[i as usize & 63];
                *c = LEAF | self.mem.get(*c as usize).copied().unwrap_or(NH_NONE);
            }
            np = next;
            off += K;
            depth += 1;
        }
        let mut hits = 0;
        for (o, c) in out.iter_mut().zip(&cur[..n]) {
            let nh = c & NH_NONE;
            *o = (c & LEAF != 0 && nh != NH_NONE).then_some(nh);
            hits += o.is_some() as usize;
        }
        hits
    }
}

/// Asks the CPU to start loading the cache line of `p` (any address: a prefetch never faults
/// and never reads into the program).
#[inline(always)]
fn prefetch(p: *const u32) {
    // SAFETY: SSE is part of the x86_64 baseline, and a prefetch has no memory-safety
    // requirement on its address (it is a hint; an invalid address is ignored).
    #[cfg(target_arch = "x86_64")]
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The id of a route if there is one, else `best`.
#[inline]
fn to_leaf(nh: u32, best: u32) -> u32 {
    if nh == NIL {
        best
    } else {
        nh & NH_NONE
    }
}
