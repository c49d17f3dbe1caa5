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

use super::rib::{Rib, NIL};
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

/// What a slot of a node being built holds.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Leaf(u32),
    /// Continue into the RIB node at the slot's depth, inheriting the group id.
    Sub(u32, u32),
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

    /// Builds the structure for every route of `rib`.
    pub(crate) fn build(rib: &Rib<A::Key>, s: u32) -> Self {
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
        let root_nh = rib.node(0).map_or(NIL, |n| n.nh);
        f.fill_dir(rib, 0, 0, 0, to_leaf(root_nh, NH_NONE), &mut dir);
        f.dir = dir;
        f
    }

    /// Expands RIB node `bn` (at depth `d`, path `pos`) over the direct array.
    fn fill_dir(
        &mut self,
        rib: &Rib<A::Key>,
        bn: u32,
        d: u32,
        pos: usize,
        best: u32,
        dir: &mut [u32],
    ) {
        let Some(node) = rib.node(bn) else { return };
        let best = to_leaf(node.nh, best);
        if d == self.s {
            if let Some(e) = dir.get_mut(pos) {
                *e = self.subtree(rib, bn, best);
            }
            return;
        }
        for (b, &c) in node.child.iter().enumerate() {
            let p = pos * 2 + b;
            if c == NIL {
                let span = 1usize << (self.s - d - 1);
                if let Some(r) = dir.get_mut(p * span..(p + 1) * span) {
                    r.fill(LEAF | best);
                }
            } else {
                self.fill_dir(rib, c, d + 1, p, best, dir);
            }
        }
    }

    /// The direct-pointing entry for RIB node `bn` resolving to `best` (its own id included):
    /// a leaf when nothing below it differs, else a new node (appended).
    fn subtree(&mut self, rib: &Rib<A::Key>, bn: u32, best: u32) -> u32 {
        if rib.uniform_below(bn, best) {
            return LEAF | best;
        }
        let idx = self.mem.len();
        self.mem.extend_from_slice(&[0; NODE_WORDS]);
        self.nodes += 1;
        self.fill_node(rib, idx, bn, best, 0);
        idx as u32
    }

    /// Fills node `idx` from RIB node `bn` (which resolves to `best`), then its children.
    fn fill_node(&mut self, rib: &Rib<A::Key>, idx: usize, bn: u32, best: u32, depth: usize) {
        // A RIB node that no longer exists leaves the whole node resolving to `best`.
        let mut slots = [Slot::Leaf(best); 64];
        expand(rib, bn, 0, 0, best, &mut slots);
        let mut node = Node {
            base0: self.mem.len() as u32,
            ..Node::default()
        };
        let mut prev: Option<u32> = None;
        let mut subs = 0usize;
        for (v, s) in slots.iter().enumerate() {
            match *s {
                Slot::Leaf(x) => {
                    if prev != Some(x) {
                        node.leafvec |= 1 << v;
                        self.mem.push(x);
                        self.leaves += 1;
                        prev = Some(x);
                    }
                }
                Slot::Sub(..) => {
                    node.vector |= 1 << v;
                    subs += 1;
                }
            }
        }
        node.base1 = self.mem.len() as u32;
        self.mem.resize(self.mem.len() + subs * NODE_WORDS, 0);
        self.nodes += subs;
        if let Some(w) = self.mem.get_mut(idx..idx + NODE_WORDS) {
            w.copy_from_slice(&node.to_words());
        }
        if depth >= MAX_DEPTH {
            return;
        }
        let mut j = node.base1 as usize;
        for s in slots {
            if let Slot::Sub(c, b) = s {
                self.fill_node(rib, j, c, b, depth + 1);
                j += NODE_WORDS;
            }
        }
    }

    /// Rebuilds direct-pointing entries `first..first + count` from `rib` (new nodes are
    /// appended; the replaced ones are counted dead).
    pub(crate) fn rebuild_range(&mut self, rib: &Rib<A::Key>, first: usize, count: usize) {
        for i in first..first.saturating_add(count).min(self.dir.len()) {
            let old = self.dir[i];
            if old & LEAF == 0 {
                let (n, l) = self.count_subtree(old, 0);
                self.dead_nodes += n;
                self.dead_words += n * NODE_WORDS + l;
            }
            let key = <A::Key as Key>::ZERO.with_chunk(0, self.s, i as u32);
            let (bn, best) = rib.walk_to(key, self.s);
            let best = to_leaf(best, NH_NONE);
            self.dir[i] = if bn == NIL {
                LEAF | best
            } else {
                self.subtree(rib, bn, best)
            };
        }
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
            let (bn, best) = rib.walk_to(key, off);
            self.fill_node(rib, idx as usize, bn, to_leaf(best, NH_NONE), 0);
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
            bytes: (self.dir.len() + self.mem.len()) * 4,
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
        let mut e = match self.dir.get(key.chunk(0, self.s) as usize) {
            Some(e) => *e,
            None => return NH_NONE,
        };
        if e & LEAF != 0 {
            return e & NH_NONE;
        }
        let mut off = self.s;
        for _ in 0..MAX_DEPTH {
            let Some(n) = self.node(e) else {
                return NH_NONE;
            };
            let v = key.chunk(off, K);
            let m = below_mask(v);
            if n.vector & (1 << v) != 0 {
                e = n.base1
                    + ((n.vector & m).count_ones().wrapping_sub(1) & 63) * NODE_WORDS as u32;
                off += K;
            } else {
                let i = (n.base0 + (n.leafvec & m).count_ones()).wrapping_sub(1);
                return self.mem.get(i as usize).copied().unwrap_or(NH_NONE);
            }
        }
        NH_NONE
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
        let mut keys = [<A::Key as Key>::ZERO; MAX_BURST];
        let mut cur = [LEAF | NH_NONE; MAX_BURST];
        let n = addrs.len();
        // Indexes (into `cur`) of the lookups still walking nodes, and of those with a leaf
        // to load; `& 63` keeps every index provably inside the 64-entry arrays.
        let mut pend = [0u8; MAX_BURST];
        let mut np = 0usize;
        let mut lf = [0u8; MAX_BURST];
        for (i, ((k, c), a)) in keys.iter_mut().zip(cur.iter_mut()).zip(addrs).enumerate() {
            *k = a.to_key();
            *c = self
                .dir
                .get(k.chunk(0, self.s) as usize)
                .copied()
                .unwrap_or(LEAF | NH_NONE);
            pend[np & 63] = i as u8;
            np += (*c & LEAF == 0) as usize;
        }
        let mut off = self.s;
        let mut depth = 0;
        while np > 0 && depth < MAX_DEPTH {
            // Touch every node of this level first: a tight loop of independent loads keeps
            // many cache misses in flight (the safe equivalent of a prefetch pass).
            let mut touch = 0u64;
            for &i in &pend[..np.min(MAX_BURST)] {
                let c = cur[i as usize & 63];
                touch ^= self.mem.get(c as usize).map_or(0, |w| *w as u64);
            }
            black_box_u64(touch);
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
        Ok(hits)
    }
}

/// Keeps a value alive without letting the optimizer drop the loads that made it.
#[inline(always)]
fn black_box_u64(v: u64) {
    core::hint::black_box(v);
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

/// Expands the children of RIB node `bn` (at relative depth `r`, slot prefix `pos`) over 64
/// slots; a slot continues into a node only where the RIB below it differs from its leaf.
fn expand<KK: Key>(rib: &Rib<KK>, bn: u32, r: u32, pos: usize, best: u32, slots: &mut [Slot; 64]) {
    let Some(node) = rib.node(bn) else { return };
    let best = to_leaf(node.nh, best);
    if r == K {
        if let Some(s) = slots.get_mut(pos) {
            *s = if rib.uniform_below(bn, best) {
                Slot::Leaf(best)
            } else {
                Slot::Sub(bn, best)
            };
        }
        return;
    }
    for (b, &c) in node.child.iter().enumerate() {
        let p = pos * 2 + b;
        if c == NIL {
            let span = 1usize << (K - r - 1);
            if let Some(s) = slots.get_mut(p * span..(p + 1) * span) {
                s.fill(Slot::Leaf(best));
            }
        } else {
            expand(rib, c, r + 1, p, best, slots);
        }
    }
}
