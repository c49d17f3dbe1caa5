//! [`Fib`]: the alloc-mode lookup structure, a Poptrie (Asai & Ohara, SIGCOMM 2015): a
//! direct-pointing array indexed by the first 18 (IPv4) or 16 (IPv6) address bits, then
//! 6-bit-stride nodes compressed with two 64-bit bitmaps and popcount: `vector` marks the
//! slots that continue into a child node, `leafvec` the slots where a run of equal leaves
//! starts, so a node stores each distinct run of leaves once. Nodes and leaves share one
//! arena, a node being followed by its own leaves.
//!
//! The first node level sits inline in the direct-pointing array: an entry ([`Dir`], 16
//! bytes) is either a leaf or a bitmap of the runs of its 64 slots (the next 6 bits) with the
//! arena index of their words, one word per run of equal leaves and one per slot that goes
//! on into a node. A lookup in a full IPv4 table whose longest match is a /24 or shorter thus
//! reads one direct-pointing entry and at most one word; longer matches walk one node more.
//!
//! A node with only two key bits left below it (in a full IPv4 table, every first-level
//! node: bits 24..30) resolves a slot holding longer routes (/31, /32) by four leaves, one
//! per value of the last two bits, rather than by a child node: a node step less, on a
//! dependent miss that a burst's few such lookups cannot overlap.
//!
//! The burst walk goes in passes over the whole burst, each prefetching what the next one
//! reads (entries, first-level words, node by node). Its entry and first-level passes run
//! sixteen lookups per vector when the CPU has AVX-512F and VPOPCNTDQ ([`avx512`], chosen at
//! run time under `std`); otherwise, and for the nodes below, one lookup at a time, compiled
//! with `popcnt` when the CPU has it.
//!
//! A `Fib` is immutable once built; [`Lpm`](super::Lpm) builds new ones aside and publishes
//! them (see the reader/writer contract in the [module doc](super)).

use alloc::vec;
use alloc::vec::Vec;
use core::marker::PhantomData;

use super::huge::{copy_of, rehome};
use super::rib::{Rib, Route};
use super::walk::{prefetch, root_bits, to_leaf, LEAF, NH_NONE};
use super::{Address, Key, RouteError, MAX_BURST};

#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod avx512;

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

/// Direct-pointing bits of a small table (64 entries, 1 KiB), so that thousands of VRFs stay
/// cheap.
const SMALL_DIR_BITS: u32 = 6;

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

/// Key bits left below a node whose slots resolve them by leaves rather than by child
/// nodes (see [`Fib::expands`]).
const EXP: u32 = 2;

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

/// A direct-pointing entry with the first node level inline: slot `v` (the 6 key bits after
/// the direct-pointing ones) resolves to the word `mem[base + popcount(bits & below(v))]`,
/// a leaf (`LEAF | group id`) or the arena index of the node that consumes the next bits.
/// `bits == 0` makes the entry a leaf, `leaf`; its `base` is then 0 so that a burst can read
/// `mem[0]` (a sentinel) unconditionally and select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(16))]
struct Dir {
    /// Slots where a run of equal words starts (bit 0 always, unless a leaf).
    bits: u64,
    /// Arena index of the first word, minus one.
    base: u32,
    /// The leaf when `bits == 0` (`LEAF | group id`), else 0.
    leaf: u32,
}

impl Dir {
    const fn leaf(nh: u32) -> Self {
        Dir {
            bits: 0,
            base: 0,
            leaf: LEAF | nh,
        }
    }

    /// Arena index of the word of slot `v` (the low 6 bits of `v`; the others are ignored):
    /// shifting left by `63 - v` keeps the bits of slots `0..=v`.
    #[inline(always)]
    fn word(self, v: u32) -> u32 {
        self.base
            .wrapping_add(self.bits.wrapping_shl(!v).count_ones())
    }
}

/// An immutable longest-prefix-match structure for one family.
#[derive(Debug)]
pub struct Fib<A: Address> {
    /// Direct-pointing bits.
    s: u32,
    dir: Vec<Dir>,
    /// Words of the inline first level, nodes (6 words each) and leaves (1 word each) in one
    /// arena, `mem[0]` a sentinel: a node is followed at once by its leaves, so a lookup
    /// that ends there reads its leaf from the same or the next cache lines instead of a
    /// distant array. Children of a node are contiguous headers (indexed by popcount); leaves
    /// of a node are contiguous.
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
    /// Nodes below the direct-pointing array (24 bytes each), including unreachable ones.
    pub nodes: usize,
    /// Leaves and first-level words (4 bytes each), including unreachable ones.
    pub leaves: usize,
    /// Nodes left unreachable by incremental updates (reclaimed by the next full rebuild).
    pub dead_nodes: usize,
}

/// A copy for the next commit to change: its arrays advised for huge pages like a build's.
impl<A: Address> Clone for Fib<A> {
    fn clone(&self) -> Self {
        Fib {
            s: self.s,
            dir: copy_of(&self.dir),
            mem: copy_of(&self.mem),
            nodes: self.nodes,
            leaves: self.leaves,
            dead_words: self.dead_words,
            dead_nodes: self.dead_nodes,
            _a: PhantomData,
        }
    }
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
        root_bits(routes, cur, SMALL_DIR_BITS, dir_bits(<A::Key as Key>::BITS))
    }

    /// Direct-pointing bits of this structure.
    pub(crate) fn dir_bits(&self) -> u32 {
        self.s
    }

    /// A structure with no route (1 KiB).
    pub fn empty() -> Self {
        Fib {
            s: SMALL_DIR_BITS,
            dir: vec![Dir::leaf(NH_NONE); 1 << SMALL_DIR_BITS],
            mem: vec![LEAF | NH_NONE],
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
            dir: vec![Dir::leaf(NH_NONE); 1 << s],
            mem: vec![LEAF | NH_NONE],
            nodes: 0,
            leaves: 0,
            dead_words: 0,
            dead_nodes: 0,
            _a: PhantomData,
        };
        let mut dir = core::mem::take(&mut f.dir);
        f.fill_dir(&mut dir, 0, 1 << s, routes, NH_NONE);
        f.dir = rehome(dir);
        f.mem.shrink_to_fit();
        f.mem = rehome(f.mem);
        f
    }

    /// Fills direct-pointing entries `first..first + count` (one aligned region) from
    /// `routes`, the routes of the region (prefix order), resolving to `best` where none
    /// matches.
    fn fill_dir(
        &mut self,
        dir: &mut [Dir],
        first: usize,
        count: usize,
        routes: &[Route<A::Key>],
        best: u32,
    ) {
        if let Some(r) = dir.get_mut(first..first.saturating_add(count)) {
            r.fill(Dir::leaf(best));
        }
        let s = self.s;
        let mut j = 0;
        while let Some(r) = routes.get(j) {
            let e = r.key.chunk(0, s) as usize;
            if r.len() <= s {
                // Prefix order: a route is painted before the routes it covers.
                let span = 1usize << (s - r.len());
                if let Some(d) = dir.get_mut(e..e.saturating_add(span)) {
                    d.fill(Dir::leaf(r.nh()));
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
                *d = self.entry(&routes[j..run], d.leaf & NH_NONE);
            }
            j = run;
        }
    }

    /// The direct-pointing entry for a region resolving to `best` whose routes longer than
    /// the direct-pointing bits are `routes` (prefix order): a leaf when they change nothing,
    /// else its words (and nodes) appended to the arena.
    fn entry(&mut self, routes: &[Route<A::Key>], best: u32) -> Dir {
        if routes.iter().all(|r| r.nh() == best) {
            return Dir::leaf(best);
        }
        let off = self.s;
        let (leaf, run, sub) = slots(routes, best, off);
        let base = self.mem.len();
        let mut bits = 0u64;
        let mut prev: Option<u32> = None;
        for (v, &x) in leaf.iter().enumerate() {
            if sub & (1 << v) != 0 {
                // Filled with the node's index below.
                bits |= 1 << v;
                self.mem.push(0);
                prev = None;
            } else if prev != Some(x) {
                bits |= 1 << v;
                self.mem.push(LEAF | x);
                prev = Some(x);
            }
        }
        if bits == 1 && sub == 0 {
            // One run: a leaf after all.
            self.mem.truncate(base);
            return Dir::leaf(leaf[0]);
        }
        self.leaves += bits.count_ones() as usize;
        let mut w = base;
        for v in 0..64 {
            if bits & (1 << v) == 0 {
                continue;
            }
            if sub & (1 << v) != 0 {
                let (a, b) = run[v];
                let child = routes.get(a as usize..b as usize).unwrap_or(&[]);
                let idx = self.mem.len();
                self.mem.extend_from_slice(&[0; NODE_WORDS]);
                self.nodes += 1;
                self.fill_node(idx, child, leaf[v], off + K, 1);
                self.mem[w] = idx as u32;
            }
            w += 1;
        }
        Dir {
            bits,
            base: base as u32 - 1,
            leaf: 0,
        }
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
        let (leaf, run, sub) = slots(routes, best, off);
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
        if Self::expands(off) {
            // Each slot with longer routes takes its `1 << EXP` leaves (one per value of the
            // last key bits), painted in prefix order, instead of a child node.
            for v in 0..64 {
                if sub & (1 << v) == 0 {
                    continue;
                }
                let mut last = [leaf[v]; 1 << EXP];
                let (a, b) = run[v];
                for r in routes.get(a as usize..b as usize).unwrap_or(&[]) {
                    let at = r.key.chunk(off + K, EXP) as usize;
                    let span = 1usize << (off + K + EXP).saturating_sub(r.len());
                    if let Some(l) = last.get_mut(at..at + span) {
                        l.fill(r.nh());
                    }
                }
                self.mem.extend_from_slice(&last);
                self.leaves += last.len();
            }
            if let Some(w) = self.mem.get_mut(idx..idx + NODE_WORDS) {
                w.copy_from_slice(&node.to_words());
            }
            return;
        }
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
                let child = routes.get(a as usize..b as usize).unwrap_or(&[]);
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
            let (n, l) = self.count_entry(self.dir[i]);
            self.dead_nodes += n;
            self.dead_words += n * NODE_WORDS + l;
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
        let Some(&d) = self.dir.get(i) else { return };
        // The node of the prefix's slot in the inline first level, if it has one.
        let w = self.mem.get(d.word(key.chunk(self.s, K)) as usize).copied();
        let e = match w {
            Some(w) if d.bits != 0 && w & LEAF == 0 && len > self.s + K => w,
            _ => return self.rebuild_range(rib, i, 1),
        };
        let (mut idx, mut off) = (e, self.s + K);
        for _ in 0..MAX_DEPTH {
            let Some(n) = self.node(idx) else { break };
            if len > off + K && !Self::expands(off) {
                let v = key.chunk(off, K);
                if n.vector & (1 << v) != 0 {
                    let rank = (n.vector & below_mask(v)).count_ones().wrapping_sub(1) & 63;
                    idx = n.base1 + rank * NODE_WORDS as u32;
                    off += K;
                    continue;
                }
            }
            let (nodes, leaves) = self.count_subtree(idx, off, 0);
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

    /// Nodes and words (first-level words and leaves) below a direct-pointing entry.
    fn count_entry(&self, d: Dir) -> (usize, usize) {
        let n = d.bits.count_ones() as usize;
        let mut acc = (0, n);
        let first = d.base as usize + 1;
        for &w in self.mem.get(first..first + n).unwrap_or(&[]) {
            if d.bits != 0 && w & LEAF == 0 {
                let (a, b) = self.count_subtree(w, self.s + K, 1);
                acc.0 += a;
                acc.1 += b;
            }
        }
        acc
    }

    /// Nodes and leaves of the subtree of the node at `idx`, which consumes the key bits
    /// from `off` on.
    fn count_subtree(&self, idx: u32, off: u32, depth: usize) -> (usize, usize) {
        let Some(n) = self.node(idx) else {
            return (0, 0);
        };
        let mut acc = (1, n.leafvec.count_ones() as usize);
        if Self::expands(off) {
            acc.1 += n.vector.count_ones() as usize * (1 << EXP);
        } else if depth < MAX_DEPTH {
            for j in 0..n.vector.count_ones() {
                let c = n.base1 + j * NODE_WORDS as u32;
                let (a, b) = self.count_subtree(c, off + K, depth + 1);
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

    /// Whether a node consuming the key bits from `off` on resolves the slots its `vector`
    /// marks by leaves, `1 << EXP` per slot at `base1` (indexed by the key's last `EXP`
    /// bits), rather than by child nodes: when only `EXP` bits are left below it (in a full
    /// IPv4 table, a first-level node: a /31 or /32 under it is then one read away instead
    /// of a node more).
    #[inline(always)]
    const fn expands(off: u32) -> bool {
        off + K + EXP == <A::Key as Key>::BITS as u32
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
            bytes: self.dir.capacity() * core::mem::size_of::<Dir>() + self.mem.capacity() * 4,
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
        let Some(&d) = self.dir.get(key.chunk(0, self.s) as usize) else {
            return NH_NONE;
        };
        if d.bits == 0 {
            return d.leaf & NH_NONE;
        }
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the `popcnt` instruction (checked just above), the only
            // requirement of `resolve_entry_popcnt`.
            return unsafe { self.resolve_entry_popcnt(key, d) };
        }
        self.resolve_entry(key, d)
    }

    /// [`resolve_entry`](Self::resolve_entry) compiled with the `popcnt` instruction.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "popcnt")]
    unsafe fn resolve_entry_popcnt(&self, key: A::Key, d: Dir) -> u32 {
        self.resolve_entry(key, d)
    }

    /// The internal leaf reached by `key` from its direct-pointing entry `d`.
    #[inline(always)]
    fn resolve_entry(&self, key: A::Key, d: Dir) -> u32 {
        if d.bits == 0 {
            return d.leaf & NH_NONE;
        }
        let w = self
            .mem
            .get(d.word(key.chunk(self.s, K) & 63) as usize)
            .copied()
            .unwrap_or(LEAF | NH_NONE);
        if w & LEAF != 0 {
            return w & NH_NONE;
        }
        self.walk(key, w, self.s + K)
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
                let rank = (n.vector & m).count_ones().wrapping_sub(1) & 63;
                if Self::expands(off) {
                    let i = n
                        .base1
                        .wrapping_add(rank << EXP)
                        .wrapping_add(key.chunk(off + K, EXP));
                    return self.mem.get(i as usize).copied().unwrap_or(NH_NONE);
                }
                e = n.base1.wrapping_add(rank * NODE_WORDS as u32);
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
        let d = self.dir.get(key.chunk(0, self.s) as usize).copied()?;
        let nh = self.resolve_entry(key, d);
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
        RouteError::check_burst(addrs.len(), out.len())?;
        let mut ids = [0u32; MAX_BURST];
        let ids = &mut ids[..addrs.len()];
        let hits = self.lookup_burst_raw(addrs, ids, NH_NONE)?;
        for (o, &g) in out.iter_mut().zip(ids.iter()) {
            *o = (g != NH_NONE).then_some(g);
        }
        Ok(hits)
    }

    /// [`lookup_burst`](Self::lookup_burst) writing group ids, and `none` (any value above
    /// [`MAX_GROUP_ID`](super::MAX_GROUP_ID)) where no route matches: what a C caller wants,
    /// without the conversion from `Option`.
    pub fn lookup_burst_raw(
        &self,
        addrs: &[A],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        RouteError::check_burst(addrs.len(), out.len())?;
        Ok(self.burst_dispatch(addrs, |a: &A| a.to_key(), out, none))
    }

    /// [`lookup_burst_raw`](Self::lookup_burst_raw) of the addresses `conv` makes of `raw`,
    /// each converted as the walk reads it (no copy of the burst).
    #[inline]
    pub fn lookup_burst_conv<S: Copy>(
        &self,
        raw: &[S],
        conv: impl Fn(S) -> A,
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        RouteError::check_burst(raw.len(), out.len())?;
        let conv = &conv;
        Ok(self.burst_dispatch(raw, |s: &S| conv(*s).to_key(), out, none))
    }

    /// [`lookup_burst_raw`](Self::lookup_burst_raw) on keys (the address as the integer the
    /// structure walks: for IPv4 the address in host order, what the C API gets).
    pub fn lookup_burst_keys(
        &self,
        keys: &[A::Key],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        RouteError::check_burst(keys.len(), out.len())?;
        Ok(self.burst_dispatch(keys, |k: &A::Key| *k, out, none))
    }

    /// The burst walk with `popcnt` when the CPU has it.
    #[inline(always)]
    fn burst_dispatch<T>(
        &self,
        addrs: &[T],
        key: impl Fn(&T) -> A::Key + Copy,
        out: &mut [u32],
        none: u32,
    ) -> usize {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            if avx512::detected() {
                // SAFETY: the CPU has the features `burst_avx512` is compiled with (checked
                // just above).
                return unsafe { self.burst_avx512(addrs, key, out, none) };
            }
            if std::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU has the `popcnt` instruction (checked just above), the only
                // requirement of `burst_popcnt`.
                return unsafe { self.burst_popcnt(addrs, key, out, none) };
            }
        }
        self.burst_ids(addrs, key, out, none)
    }

    /// [`burst_ids`](Self::burst_ids) compiled with the `popcnt` instruction (the portable
    /// build counts bits with a dozen shifts and masks per node).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "popcnt")]
    unsafe fn burst_popcnt<T>(
        &self,
        addrs: &[T],
        key: impl Fn(&T) -> A::Key + Copy,
        out: &mut [u32],
        none: u32,
    ) -> usize {
        self.burst_ids(addrs, key, out, none)
    }

    /// The portable burst walk into `Option`s, for tests.
    #[cfg(test)]
    pub(crate) fn burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> usize {
        let mut ids = [0u32; MAX_BURST];
        let hits = self.burst_ids(addrs, |a: &A| a.to_key(), &mut ids, NH_NONE);
        for (o, &g) in out.iter_mut().zip(&ids[..addrs.len().min(MAX_BURST)]) {
            *o = (g != NH_NONE).then_some(g);
        }
        hits
    }

    /// Each burst walk this CPU can run (portable, `popcnt`, AVX-512) on `keys` with `none` for
    /// no route: (name, ids, matches), for tests.
    #[cfg(test)]
    pub(crate) fn burst_paths(
        &self,
        keys: &[A::Key],
        none: u32,
    ) -> Vec<(&'static str, Vec<u32>, usize)> {
        let k = |k: &A::Key| *k;
        let mut paths = Vec::new();
        let mut ids = vec![0u32; keys.len()];
        let hits = self.burst_ids(keys, k, &mut ids, none);
        paths.push(("portable", ids, hits));
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            if std::is_x86_feature_detected!("popcnt") {
                let mut ids = vec![0u32; keys.len()];
                // SAFETY: the CPU has `popcnt` (checked just above).
                let hits = unsafe { self.burst_popcnt(keys, k, &mut ids, none) };
                paths.push(("popcnt", ids, hits));
            }
            if avx512::detected() {
                let mut ids = vec![0u32; keys.len()];
                // SAFETY: the CPU has the features of `burst_avx512` (checked just above).
                let hits = unsafe { self.burst_avx512(keys, k, &mut ids, none) };
                paths.push(("avx512", ids, hits));
            }
        }
        paths
    }

    /// The burst walk of [`lookup_burst_raw`](Self::lookup_burst_raw): up to [`MAX_BURST`]
    /// addresses (the excess, and addresses beyond `out`, are ignored), in passes over the
    /// whole burst, each pass prefetching what the next one reads so that the misses of the
    /// burst overlap: direct-pointing entries, then first-level words, then node by node.
    #[inline(always)]
    fn burst_ids<T>(
        &self,
        addrs: &[T],
        key: impl Fn(&T) -> A::Key + Copy,
        out: &mut [u32],
        none: u32,
    ) -> usize {
        let n = addrs.len().min(out.len()).min(MAX_BURST);
        let (addrs, out) = (&addrs[..n], &mut out[..n]);
        let s = self.s;
        let dir = self.dir.as_slice();
        let mem = self.mem.as_slice();
        // The array's length is `1 << s`: the mask keeps an index inside it.
        let dmask = dir.len().wrapping_sub(1);
        // Per lookup, the key's first `s + K` bits (entry and slot), then its word's index.
        let mut cur = [0u32; MAX_BURST];
        for (c, a) in cur.iter_mut().zip(addrs) {
            *c = key(a).chunk(0, s + K);
            let i = (*c >> K) as usize & dmask;
            prefetch(dir.as_ptr().wrapping_add(i).cast());
        }
        // The entry's leaf, selected below when it is one (its word is then the sentinel).
        let mut leaf = [0u32; MAX_BURST];
        for (c, l) in cur.iter_mut().zip(leaf.iter_mut()).take(n) {
            let d = dir
                .get((*c >> K) as usize & dmask)
                .copied()
                .unwrap_or(Dir::leaf(NH_NONE));
            *l = d.leaf;
            *c = d.word(*c);
            prefetch(mem.as_ptr().wrapping_add(*c as usize));
        }
        // Lookups going on into a node; `& 63` keeps every index inside the arrays.
        let mut pend = [0u8; MAX_BURST];
        let mut np = 0usize;
        for (i, ((c, &l), o)) in cur.iter_mut().zip(&leaf).zip(out.iter_mut()).enumerate() {
            let w = mem.get(*c as usize).copied().unwrap_or(LEAF | NH_NONE);
            let w = if l & LEAF != 0 { l } else { w };
            let nh = w & NH_NONE;
            // A node's index is written too, then replaced by the node walk.
            *o = nh;
            *c = w;
            pend[np & 63] = i as u8;
            let node = w & LEAF == 0;
            np += node as usize;
            // The node's header now, so that it arrives while the rest of the burst goes
            // through this pass, with the next line, where a first-level node's leaves are
            // (see `entry`); a leaf prefetches the sentinel.
            let p = mem.as_ptr().wrapping_add(if node { w as usize } else { 0 });
            prefetch(p);
            prefetch(p.wrapping_add(NODE_WORDS + 4));
        }
        self.finish_burst(addrs, key, &mut cur, &mut pend, np, out, none)
    }

    /// The end of every burst walk: the node walk, level by level, of the first `np` lookups
    /// of `pend` (their node in `cur`, prefetched by the caller), writing each one's internal
    /// leaf to `out`; then the caller's `none` for no route and the count of matches in one
    /// loop, which the compiler vectorizes, rather than in every pass.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn finish_burst<T>(
        &self,
        addrs: &[T],
        key: impl Fn(&T) -> A::Key,
        cur: &mut [u32; MAX_BURST],
        pend: &mut [u8; MAX_BURST],
        np: usize,
        out: &mut [u32],
        none: u32,
    ) -> usize {
        let mem = self.mem.as_slice();
        let mut np = np.min(MAX_BURST);
        let mut lf = [0u8; MAX_BURST];
        let mut off = self.s + K;
        let mut depth = 0;
        while np > 0 && depth < MAX_DEPTH {
            let mut next = 0usize;
            let mut nl = 0usize;
            let expands = Self::expands(off);
            for j in 0..np {
                let i = pend[j & 63] as usize & 63;
                let (Some(nd), Some(a)) = (self.node(cur[i]), addrs.get(i)) else {
                    // Out of the arena (a corrupt structure) or of the burst: no route.
                    cur[i] = u32::MAX;
                    lf[nl & 63] = i as u8;
                    nl += 1;
                    continue;
                };
                let v = key(a).chunk(off, K) & 63;
                let m = below_mask(v);
                let rank = (nd.vector & m).count_ones().wrapping_sub(1) & 63;
                if nd.vector & (1 << v) != 0 && expands {
                    // A leaf of the slot's last bits: read in the next pass.
                    cur[i] = nd
                        .base1
                        .wrapping_add(rank << EXP)
                        .wrapping_add(key(a).chunk(off + K, EXP));
                    lf[nl & 63] = i as u8;
                    nl += 1;
                } else if nd.vector & (1 << v) != 0 {
                    cur[i] = nd.base1 + rank * NODE_WORDS as u32;
                    pend[next & 63] = i as u8;
                    next += 1;
                } else {
                    // Leaf index now, leaf load in the next pass.
                    cur[i] = (nd.base0 + (nd.leafvec & m).count_ones()).wrapping_sub(1);
                    lf[nl & 63] = i as u8;
                    nl += 1;
                }
                prefetch(mem.as_ptr().wrapping_add(cur[i] as usize));
            }
            for &i in &lf[..nl.min(MAX_BURST)] {
                let i = i as usize & 63;
                if let Some(o) = out.get_mut(i) {
                    *o = mem.get(cur[i] as usize).copied().unwrap_or(NH_NONE) & NH_NONE;
                }
            }
            np = next.min(MAX_BURST);
            off += K;
            depth += 1;
        }
        // Deeper than any key (a corrupt structure): no route.
        for &i in &pend[..np] {
            if let Some(o) = out.get_mut(i as usize & 63) {
                *o = NH_NONE;
            }
        }
        let mut hits = 0u32;
        for o in out.iter_mut() {
            let miss = *o == NH_NONE;
            hits += !miss as u32;
            *o = if miss { none } else { *o };
        }
        hits as usize
    }
}

/// The 64 slots of a node at depth `off` resolving to `best`, from `routes`, the region's
/// routes of length > `off` in prefix order (shorter ones are skipped): each slot's leaf,
/// the run of `routes` longer than the slot, and the mask of the slots that need a node (a
/// longer route with another group id).
#[allow(clippy::type_complexity)]
fn slots<K: Key>(routes: &[Route<K>], best: u32, off: u32) -> ([u32; 64], [(u32, u32); 64], u64) {
    let mut leaf = [best; 64];
    let mut run = [(0u32, 0u32); 64];
    let mut sub = 0u64;
    for (j, r) in routes.iter().enumerate() {
        if r.len() <= off {
            // Covers the whole region: prefix order puts it first.
            leaf = [r.nh(); 64];
            continue;
        }
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
    (leaf, run, sub)
}
