//! [`LcTrie`]: the alloc-mode lookup structure of IPv6 tables, a level- and path-compressed
//! multibit trie (after Nilsson & Karlsson's LC-trie and Linux `fib_trie`) with leaf pushing.
//!
//! A direct-pointing root indexed by the first 16 address bits (8 for small tables, so an
//! empty VRF costs 1 KiB) leads to nodes that are plain arrays of 2^stride 32-bit entries,
//! each entry a leaf (the group id of the longest route covering the slot's region) or a
//! pointer to a child node that carries the child's stride and a "skip" flag. A node's stride
//! is chosen per node by the density of its subtree (the largest stride ≤ 16 where the
//! routes below occupy at least 1/16 of the slots, at least 4), so the dense /16–/48 regions
//! of an Internet table are crossed in two or three reads where a 6-bit Poptrie needs seven.
//! Where the routes go on 16 bits or more below a node, their number alone sets its stride,
//! however few values the stride's bits take among them: clusters of host routes that
//! diverge a bit at a time (the real table's ~2 600 routes longer than /64, most of them /128s
//! under a few /48s) took up to 11–13 reads and now take at most 9–10; a hit lookup reads 3.27
//! entries and headers on average instead of 3.86, for 15.5 MiB instead of 8.7 (see
//! DESIGN.md).
//! A node whose routes all share the next 8 or more bits skips them (path compression): the
//! pointer holds the number of bits skipped (so the slot to read is known at once) and a
//! 4-word header before the array their value and the leaf of the addresses that differ;
//! shorter skips cost more (one more cache line) than the levels they save. A lookup is one
//! load, shift, mask and add per level; a full table (176 k IPv6 routes, 8.7 MiB) resolves a
//! typical /48 in three or four reads. The burst walk makes one pass over the burst per
//! level: each walking lookup reads the slot it prefetched in the previous pass and computes
//! and prefetches its next one (the root pass reads the root directly, so a burst of random
//! addresses, which mostly end at the root, is one loop). The walking lookups' state (slot,
//! depth, lookup index) is kept compacted in pass order, a finished lookup overwritten by
//! the next walking one without a branch; a slot behind a skip node carries a flag, so the
//! header check costs plain slots one sign test; the walk is compiled with BMI2 when the CPU
//! has it (shifts by a register without a move to `cl`). Measured through the C API on the
//! full table: ~29 instructions per random and ~192 per hit lookup (~44 per level), against
//! 31 and 213 (~52 per level) with a pending-index list into per-lookup arrays.
//! [`lookup_burst_conv`](LcTrie::lookup_burst_conv) converts each address as the root pass
//! reads it, so the C API's byte arrays are not copied to a burst of addresses first.
//! With AVX-512 (runtime check) the passes after the root are vector passes
//! (`lctrie/avx512.rs`: sixteen lookups per gather in 32-bit lanes, the next slots computed
//! with vector shifts from the key's first 64 bits and gathered a pass ahead; skip pointers
//! and slots past bit 64 off the common step) until at most eight lookups walk, which the
//! portable passes finish; [`lookup_burst_bytes`](LcTrie::lookup_burst_bytes), the C API's
//! form, also makes the root pass a vector one (byte permutes, VBMI). Through the C API on
//! the full table, each contender warmed before its timed rounds: hit lookups ~2.0x rte_fib6
//! scalar and ~0.95x its AVX-512 lookup, random ~2.1x / 1.5x (starting on caches another
//! structure left, hit lookups are bound by memory latency: 1.55-1.9x / 0.7-0.8x).
//!
//! Updates rebuild the deepest slot whose region holds the changed prefix (its subtree is
//! appended and the slot rewritten; the old subtree is counted dead until a full rebuild
//! reclaims it), as [`Poptrie`](super::poptrie) does. Node arrays are indexed in 4-word
//! units (26 bits, 1 GiB of nodes; 22 bits for skip nodes, past which nodes do not skip): a
//! table that would outgrow that is built as a Poptrie instead, which has no such bound.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::marker::PhantomData;
use core::net::Ipv6Addr;

use super::huge::{copy_of, rehome};
use super::poptrie::{Fib as Poptrie, FibStats};
use super::rib::{Rib, Route};
use super::walk::{prefetch, root_bits, to_leaf, LEAF, NH_NONE};
use super::{Address, Key, RouteError, MAX_BURST};

#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod avx512;

/// A pointer entry to a node with a skip header.
const SKIP: u32 = 1 << 30;
/// Position of the child's stride minus one (4 bits) in a plain pointer entry.
const STRIDE_SHIFT: u32 = 26;
/// Node index (in `UNIT`-word units) of a plain pointer entry.
const IDX_MASK: u32 = (1 << STRIDE_SHIFT) - 1;
/// A skip pointer entry: bits skipped minus one (5 bits), stride minus one (3 bits), index
/// (22 bits), so that the slot to read is known without reading the header.
const SKIP_LEN_SHIFT: u32 = 25;
const SKIP_STRIDE_SHIFT: u32 = 22;
const SKIP_IDX_MASK: u32 = (1 << SKIP_STRIDE_SHIFT) - 1;
/// Largest stride of a skip node.
const SKIP_MAX_STRIDE: u32 = 8;
/// Words per index unit (node arrays start on a unit).
const UNIT: usize = 4;
/// Words of a skip header: the value of the bits skipped, the leaf of a mismatch, padding.
const HDR: usize = UNIT;
/// Marks a burst walk's slot behind a skip node (slots are below 2^28: `MAX_WORDS`).
const CHECK: u32 = 1 << 31;
/// Largest arena, in words.
const MAX_WORDS: usize = (IDX_MASK as usize + 1) * UNIT;
/// Stride bounds of a node below the root.
const MIN_STRIDE: u32 = 4;
const MAX_STRIDE: u32 = 16;
/// A node gets the largest stride where its routes occupy at least 1/`FILL` of the slots
/// (and, unless they go on `DEEP_SPAN` bits or more below it, so do their distinct values of
/// the stride's bits).
const FILL: usize = 16;
const DEEP_SPAN: u32 = 16;
/// Longest skip (its value is one word), and the shortest worth a header: the header is one
/// more cache line to fetch, which costs more than a level or two of a short chain (measured:
/// hit lookups on the full table 1.29x a Poptrie with 8, 0.95x with 1).
const MAX_SKIP: u32 = 32;
const MIN_SKIP: u32 = 8;

/// Root bits of a large table, and of a small one (1 KiB).
const LARGE_ROOT_BITS: u32 = 16;
const SMALL_ROOT_BITS: u32 = 8;

/// An immutable longest-prefix-match structure (see the module doc).
#[derive(Debug)]
pub struct LcTrie<A: Address> {
    /// Root bits.
    s: u32,
    /// The root (2^`s` entries), then the nodes.
    mem: Vec<u32>,
    nodes: usize,
    dead_words: usize,
    dead_nodes: usize,
    /// Arena bound, in words (`MAX_WORDS` except in tests).
    limit: usize,
    /// Set when a build ran into `limit`.
    overflow: bool,
    /// The table as a Poptrie, when it outgrew the arena.
    fallback: Option<Box<Poptrie<A>>>,
    _a: PhantomData<A>,
}

/// A copy for the next commit to change: its arena advised for huge pages like a build's.
impl<A: Address> Clone for LcTrie<A> {
    fn clone(&self) -> Self {
        LcTrie {
            s: self.s,
            mem: copy_of(&self.mem),
            nodes: self.nodes,
            dead_words: self.dead_words,
            dead_nodes: self.dead_nodes,
            limit: self.limit,
            overflow: self.overflow,
            fallback: self.fallback.clone(),
            _a: PhantomData,
        }
    }
}

impl<A: Address> Default for LcTrie<A> {
    fn default() -> Self {
        Self::empty()
    }
}

/// The key as the most significant bits of a `u128`.
#[inline(always)]
fn wide<K: Key>(k: K) -> u128 {
    k.to_u128() << (128 - K::BITS as u32)
}

/// `w` (1..=32) bits of `k` from bit `off` (`off + w` ≤ 128, else the bits read are
/// shifted but nothing fails).
#[inline(always)]
fn bits(k: u128, off: u32, w: u32) -> u32 {
    let end = off.wrapping_add(w);
    if end <= 64 {
        // Within the first 64 bits (an IPv6 walk down to /64): two 64-bit shifts.
        let hi = (k >> 64) as u64;
        ((hi << (off & 63)) >> (64u32.wrapping_sub(w) & 63)) as u32
    } else {
        ((k >> (128u32.wrapping_sub(end) & 127)) as u32) & (u32::MAX >> (32 - w.clamp(1, 32)))
    }
}

/// A pointer entry's node: array start (words), bits skipped (0: no skip header), stride.
#[inline(always)]
fn decode(e: u32) -> (usize, u32, u32) {
    if e & SKIP != 0 {
        (
            (e & SKIP_IDX_MASK) as usize * UNIT,
            ((e >> SKIP_LEN_SHIFT) & 31) + 1,
            ((e >> SKIP_STRIDE_SHIFT) & 7) + 1,
        )
    } else {
        (
            (e & IDX_MASK) as usize * UNIT,
            0,
            ((e >> STRIDE_SHIFT) & 15) + 1,
        )
    }
}

/// Where a walk goes from pointer entry `e` for key `k` at depth `off`: the slot to read,
/// the depth after it, and for a skip node the header to check (0: none) and the key's
/// value of the bits skipped.
#[derive(Clone, Copy, Default)]
struct Step {
    pos: u32,
    off: u32,
    hdr: u32,
    val: u32,
}

#[inline(always)]
fn step(e: u32, k: u128, off: u32) -> Step {
    let (b, skip, st) = decode(e);
    let (hdr, val) = if skip != 0 {
        (b.wrapping_sub(HDR) as u32, bits(k, off, skip))
    } else {
        (0, 0)
    };
    let o = off + skip;
    Step {
        pos: (b as u32).wrapping_add(bits(k, o, st)),
        off: o + st,
        hdr,
        val,
    }
}

impl<A: Address> LcTrie<A> {
    /// The root bits for a table of `routes` routes now using `cur` (with hysteresis).
    pub(crate) fn bits_for(routes: usize, cur: u32) -> u32 {
        root_bits(
            routes,
            cur,
            SMALL_ROOT_BITS,
            LARGE_ROOT_BITS.min(<A::Key as Key>::BITS as u32),
        )
    }

    /// Root bits of this structure.
    pub(crate) fn dir_bits(&self) -> u32 {
        self.s
    }

    /// A structure with no route (1 KiB).
    pub fn empty() -> Self {
        Self::with_root(SMALL_ROOT_BITS, MAX_WORDS)
    }

    fn with_root(s: u32, limit: usize) -> Self {
        LcTrie {
            s,
            mem: vec![LEAF | NH_NONE; 1 << s],
            nodes: 0,
            dead_words: 0,
            dead_nodes: 0,
            limit,
            overflow: false,
            fallback: None,
            _a: PhantomData,
        }
    }

    /// Builds the structure for `routes` (every route of a table, in prefix order).
    pub(crate) fn build(routes: &[Route<A::Key>], s: u32) -> Self {
        Self::build_limited(routes, s, MAX_WORDS)
    }

    fn build_limited(routes: &[Route<A::Key>], s: u32, limit: usize) -> Self {
        let mut t = Self::with_root(s, limit);
        t.fill_root(0, 1 << s, routes, NH_NONE);
        if t.overflow {
            t.mem = Vec::new();
            t.nodes = 0;
            t.fallback = Some(Box::new(Poptrie::build(routes, s)));
        }
        t.mem.shrink_to_fit();
        t.mem = rehome(t.mem);
        t
    }

    /// Fills root entries `first..first + count` (one aligned region) from `routes`, the
    /// routes of the region in prefix order, resolving to `best` where none matches.
    fn fill_root(&mut self, first: usize, count: usize, routes: &[Route<A::Key>], best: u32) {
        if let Some(r) = self.mem.get_mut(first..first.saturating_add(count)) {
            r.fill(LEAF | best);
        }
        let s = self.s;
        let mut j = 0;
        while let Some(r) = routes.get(j) {
            let e = bits(wide(r.key), 0, s) as usize;
            if r.len() <= s {
                // Prefix order: a route is painted before the routes it covers.
                let span = 1usize << (s - r.len());
                if let Some(d) = self.mem.get_mut(e..e.saturating_add(span)) {
                    d.fill(LEAF | r.nh());
                }
                j += 1;
                continue;
            }
            let run = routes[j..]
                .iter()
                .position(|x| bits(wide(x.key), 0, s) as usize != e)
                .map_or(routes.len(), |n| j + n);
            let painted = self.mem.get(e).map_or(NH_NONE, |d| d & NH_NONE);
            let child = self.subtree(&routes[j..run], s, painted);
            if let Some(d) = self.mem.get_mut(e) {
                *d = child;
            }
            j = run;
        }
    }

    /// The entry of the region at depth `off` resolving to `best`, whose routes of length ≥
    /// `off` are `routes` (prefix order): a leaf when none of them differs, else a new node
    /// (appended with its subtree).
    fn subtree(&mut self, routes: &[Route<A::Key>], off: u32, best: u32) -> u32 {
        let mut best = best;
        let mut rs = routes;
        while let Some((r, rest)) = rs.split_first() {
            if r.len() > off {
                break;
            }
            best = r.nh();
            rs = rest;
        }
        let Some(first) = rs.first() else {
            return LEAF | best;
        };
        if rs.iter().all(|r| r.nh() == best) {
            return LEAF | best;
        }
        let nbits = <A::Key as Key>::BITS as u32;
        let k0 = wide(first.key);
        let mut diff = 0u128;
        let mut minlen = nbits;
        let mut maxlen = 0;
        for r in rs {
            diff |= wide(r.key) ^ k0;
            minlen = minlen.min(r.len());
            maxlen = maxlen.max(r.len());
        }
        // Every route is longer than `off`: the bits they share from `off` on, short of the
        // shortest of them, can be skipped.
        let common = if diff == 0 {
            nbits
        } else {
            diff.leading_zeros()
        };
        let mut skip = common
            .saturating_sub(off)
            .min(minlen.saturating_sub(off + 1))
            .min(MAX_SKIP);
        if skip < MIN_SKIP || (self.mem.len() + HDR) / UNIT > SKIP_IDX_MASK as usize {
            // Beyond the reach of a skip pointer: a plain node.
            skip = 0;
        }
        let dp = off + skip;
        let room = nbits.saturating_sub(dp).max(1);
        let max_st = if skip > 0 {
            SKIP_MAX_STRIDE
        } else {
            MAX_STRIDE
        };
        // Routes going on far below the node may take a stride by their number alone,
        // however few values its bits take among them: a slowly diverging cluster (host
        // routes under one /64) is crossed in fewer, sparser levels.
        let deep = maxlen >= dp + DEEP_SPAN;
        let mut st = MIN_STRIDE.min(room);
        for c in (MIN_STRIDE + 1..=max_st.min(room)).rev() {
            if rs.len() * FILL >= 1 << c && (deep || distinct(rs, dp, c) * FILL >= 1 << c) {
                st = c;
                break;
            }
        }
        let hdr = if skip > 0 { HDR } else { 0 };
        let slots = 1usize << st;
        let size = (hdr + slots).next_multiple_of(UNIT);
        if self.mem.len() + size > self.limit {
            self.overflow = true;
            return LEAF | best;
        }
        // The arena length stays a multiple of `UNIT`, and so does every array start.
        let at = self.mem.len();
        let b = at + hdr;
        self.mem.resize(at + size, LEAF | best);
        self.nodes += 1;
        if skip > 0 {
            if let Some(h) = self.mem.get_mut(at..at + 2) {
                h.copy_from_slice(&[bits(k0, off, skip), LEAF | best]);
            }
        }
        let end = dp + st;
        let mut j = 0;
        while let Some(r) = rs.get(j) {
            let v = bits(wide(r.key), dp, st) as usize;
            if r.len() <= end {
                let span = 1usize << (end - r.len());
                if let Some(d) = self.mem.get_mut(b + v..b + v + span) {
                    d.fill(LEAF | r.nh());
                }
                j += 1;
                continue;
            }
            let run = rs[j..]
                .iter()
                .position(|x| bits(wide(x.key), dp, st) as usize != v)
                .map_or(rs.len(), |n| j + n);
            let painted = self.mem.get(b + v).map_or(NH_NONE, |d| d & NH_NONE);
            let child = self.subtree(&rs[j..run], end, painted);
            if let Some(d) = self.mem.get_mut(b + v) {
                *d = child;
            }
            j = run;
        }
        let unit = (b / UNIT) as u32;
        if skip > 0 {
            SKIP | (skip - 1) << SKIP_LEN_SHIFT
                | (st - 1) << SKIP_STRIDE_SHIFT
                | (unit & SKIP_IDX_MASK)
        } else {
            (st - 1) << STRIDE_SHIFT | (unit & IDX_MASK)
        }
    }

    /// Words and nodes of the subtree of entry `e`.
    fn count_subtree(&self, e: u32, depth: u32) -> (usize, usize) {
        if e & LEAF != 0 || depth > 128 {
            return (0, 0);
        }
        let (b, skip, st) = decode(e);
        let slots = 1usize << st;
        let hdr = if skip != 0 { HDR } else { 0 };
        let mut acc = ((hdr + slots).next_multiple_of(UNIT), 1);
        if let Some(arr) = self.mem.get(b..b + slots) {
            for &c in arr {
                let (w, n) = self.count_subtree(c, depth + 1);
                acc.0 += w;
                acc.1 += n;
            }
        }
        acc
    }

    /// Replaces the entry at `pos` (the region `key/off`) by one rebuilt from `rib`.
    fn rebuild_slot(&mut self, rib: &Rib<A::Key>, pos: usize, key: A::Key, off: u32) {
        let Some(&old) = self.mem.get(pos) else {
            return;
        };
        let (w, n) = self.count_subtree(old, 0);
        self.dead_words += w;
        self.dead_nodes += n;
        let region = key.truncate(off as u8);
        let best = to_leaf(rib.covering(region, off), NH_NONE);
        let mut scratch = Vec::new();
        let routes = rib.region(region, off, &mut scratch);
        let e = self.subtree(routes, off, best);
        if self.overflow {
            self.rebuild_all(rib);
        } else if let Some(d) = self.mem.get_mut(pos) {
            *d = e;
        }
    }

    /// Rebuilds everything from `rib` (when an update ran into the arena bound).
    fn rebuild_all(&mut self, rib: &Rib<A::Key>) {
        let mut scratch = Vec::new();
        let all = rib.region(<A::Key as Key>::ZERO, 0, &mut scratch);
        *self = Self::build_limited(all, self.s, self.limit);
    }

    /// Rebuilds root entries `first..first + count` from `rib`.
    pub(crate) fn rebuild_range(&mut self, rib: &Rib<A::Key>, first: usize, count: usize) {
        if let Some(p) = self.fallback.as_deref_mut() {
            return p.rebuild_range(rib, first, count);
        }
        let end = first.saturating_add(count).min(1 << self.s);
        for i in first..end {
            let key = <A::Key as Key>::ZERO.with_chunk(0, self.s, i as u32);
            self.rebuild_slot(rib, i, key, self.s);
            if self.fallback.is_some() {
                return;
            }
        }
    }

    /// Rebuilds what a change of the route `key/len` (longer than the root bits) affects:
    /// the deepest slot whose region holds the prefix.
    pub(crate) fn rebuild_prefix(&mut self, rib: &Rib<A::Key>, key: A::Key, len: u8) {
        if let Some(p) = self.fallback.as_deref_mut() {
            return p.rebuild_prefix(rib, key, len);
        }
        let len = len as u32;
        let k = wide(key);
        let mut pos = bits(k, 0, self.s) as usize;
        let mut off = self.s;
        if len <= off {
            return self.rebuild_range(rib, pos, 1);
        }
        while let Some(&e) = self.mem.get(pos) {
            if e & LEAF != 0 {
                break;
            }
            let (b, skip, st) = decode(e);
            if skip != 0 {
                let v = self.mem.get(b.wrapping_sub(HDR)).copied();
                if v != Some(bits(k, off, skip)) {
                    break;
                }
            }
            let o = off + skip;
            if len < o + st {
                break;
            }
            pos = b + bits(k, o, st) as usize;
            off = o + st;
        }
        self.rebuild_slot(rib, pos, key, off);
    }

    /// Gives back spare capacity left by appends when it is more than a sixteenth.
    pub(crate) fn trim(&mut self) {
        if let Some(p) = self.fallback.as_deref_mut() {
            return p.trim();
        }
        if self.mem.capacity() > self.mem.len() + self.mem.len() / 16 + 1024 {
            self.mem.shrink_to_fit();
        }
    }

    /// Whether enough of the structure is unreachable that a full rebuild is worth it.
    pub(crate) fn needs_compaction(&self) -> bool {
        if let Some(p) = self.fallback.as_deref() {
            return p.needs_compaction();
        }
        self.dead_words > 16384 && self.dead_words * 2 > self.mem.len()
    }

    /// Entries of the root.
    pub(crate) fn dir_len(&self) -> usize {
        1 << self.s
    }

    /// The first root entry and the number of entries a prefix covers.
    pub(crate) fn dir_span(&self, key: A::Key, len: u8) -> (usize, usize) {
        let first = bits(wide(key), 0, self.s) as usize;
        let span = if (len as u32) < self.s {
            1usize << (self.s - len as u32)
        } else {
            1
        };
        (first, span)
    }

    /// Sizes (`leaves`: 0, leaves are entries of the node arrays).
    pub fn stats(&self) -> FibStats {
        if let Some(p) = self.fallback.as_deref() {
            return p.stats();
        }
        FibStats {
            bytes: self.mem.capacity() * 4,
            nodes: self.nodes,
            leaves: 0,
            dead_nodes: self.dead_nodes,
        }
    }

    /// Bytes used by the lookup structure.
    pub fn memory_bytes(&self) -> usize {
        self.stats().bytes
    }

    /// The internal leaf of `key`.
    #[inline(always)]
    fn resolve(&self, key: A::Key) -> u32 {
        let k = wide(key);
        let mem = &self.mem[..];
        let mut e = mem
            .get(bits(k, 0, self.s) as usize)
            .copied()
            .unwrap_or(LEAF | NH_NONE);
        let mut off = self.s;
        for _ in 0..=128 {
            if e & LEAF != 0 {
                return e & NH_NONE;
            }
            let st = step(e, k, off);
            if st.hdr != 0 {
                let Some(&[val, miss]) = mem.get(st.hdr as usize..st.hdr as usize + 2) else {
                    return NH_NONE;
                };
                if val != st.val {
                    return miss & NH_NONE;
                }
            }
            e = mem.get(st.pos as usize).copied().unwrap_or(LEAF | NH_NONE);
            off = st.off;
        }
        NH_NONE
    }

    /// Longest-prefix match: the group id of the longest route containing `addr`.
    #[inline]
    pub fn lookup(&self, addr: A) -> Option<u32> {
        if let Some(p) = self.fallback.as_deref() {
            return p.lookup(addr);
        }
        let nh = self.resolve(addr.to_key());
        (nh != NH_NONE).then_some(nh)
    }

    /// Longest-prefix match of up to [`MAX_BURST`] addresses into `out` (`out[i]` for
    /// `addrs[i]`), walked level by level so that their memory accesses overlap. Returns the
    /// number of matches.
    pub fn lookup_burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> Result<usize, RouteError> {
        RouteError::check_burst(addrs.len(), out.len())?;
        if let Some(p) = self.fallback.as_deref() {
            return p.lookup_burst(addrs, out);
        }
        Ok(self.burst(addrs, out))
    }

    /// The burst walk of [`lookup_burst`](Self::lookup_burst) (`addrs.len()` ≤ `MAX_BURST`
    /// and `out` at least as long, checked by the caller; the excess is ignored).
    #[inline(always)]
    pub(crate) fn burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> usize {
        let mut cur = [LEAF | NH_NONE; MAX_BURST];
        self.walk(addrs, |a| a, &mut cur);
        let mut hits = 0;
        for (o, c) in out.iter_mut().zip(&cur[..addrs.len().min(MAX_BURST)]) {
            let nh = c & NH_NONE;
            *o = (c & LEAF != 0 && nh != NH_NONE).then_some(nh);
            hits += o.is_some() as usize;
        }
        hits
    }

    /// [`lookup_burst_raw`](Self::lookup_burst_raw) on keys (each converted to its address as
    /// the walk reads it: the C API goes this way only for IPv4, a Poptrie).
    pub fn lookup_burst_keys(
        &self,
        keys: &[A::Key],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        self.lookup_burst_conv(keys, A::from_key, out, none)
    }

    /// [`lookup_burst`](Self::lookup_burst) writing `none` where no route matches.
    pub fn lookup_burst_raw(
        &self,
        addrs: &[A],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        self.lookup_burst_conv(addrs, |a| a, out, none)
    }

    /// [`lookup_burst_raw`](Self::lookup_burst_raw) of the addresses `conv` makes of `raw`,
    /// each converted as the walk reads it (the C API's bytes: no copy of the burst).
    #[inline]
    pub fn lookup_burst_conv<S: Copy>(
        &self,
        raw: &[S],
        conv: impl Fn(S) -> A,
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        RouteError::check_burst(raw.len(), out.len())?;
        if let Some(p) = self.fallback.as_deref() {
            return p.lookup_burst_conv(raw, conv, out, none);
        }
        let mut cur = [LEAF | NH_NONE; MAX_BURST];
        self.walk(raw, conv, &mut cur);
        Ok(answers(&cur[..raw.len()], out, none))
    }
}

/// Writes the group ids of the final entries `cur` to `out` (`none` where no route
/// matches); returns the number of matches.
#[inline(always)]
fn answers(cur: &[u32], out: &mut [u32], none: u32) -> usize {
    let mut hits = 0;
    for (o, c) in out.iter_mut().zip(cur) {
        let nh = c & NH_NONE;
        let hit = c & LEAF != 0 && nh != NH_NONE;
        *o = if hit { nh } else { none };
        hits += hit as usize;
    }
    hits
}

impl LcTrie<Ipv6Addr> {
    /// [`lookup_burst_raw`](Self::lookup_burst_raw) of addresses as 16 big-endian bytes (the
    /// C API's form): with AVX-512 (VBMI), eight addresses converted per instruction.
    #[inline]
    pub fn lookup_burst_bytes(
        &self,
        raw: &[[u8; 16]],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if self.fallback.is_none() && avx512::bytes_detected() {
            RouteError::check_burst(raw.len(), out.len())?;
            let mut cur = [LEAF | NH_NONE; MAX_BURST];
            // SAFETY: the CPU has AVX-512F, VL, BW, VBMI, BMI2 and POPCNT (checked just
            // above), the only requirement of `walk_bytes_avx512`.
            unsafe { self.walk_bytes_avx512(raw, &mut cur) };
            return Ok(answers(&cur[..raw.len()], out, none));
        }
        self.lookup_burst_conv(raw, Ipv6Addr::from, out, none)
    }
}

impl<A: Address> LcTrie<A> {
    /// [`walk_burst`](Self::walk_burst) with AVX-512 when the CPU has it, else compiled with
    /// BMI2 when the CPU has that.
    #[inline(always)]
    fn walk<S: Copy>(&self, addrs: &[S], conv: impl Fn(S) -> A, cur: &mut [u32; MAX_BURST]) {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if avx512::detected() {
            // SAFETY: the CPU has AVX-512F, AVX-512VL, BMI2 and POPCNT (checked just above),
            // the only requirement of `walk_burst_avx512`.
            return unsafe { self.walk_burst_avx512(addrs, conv, cur) };
        }
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("bmi2") {
            // SAFETY: the CPU has BMI2 (checked just above), the only requirement of
            // `walk_burst_bmi2`.
            return unsafe { self.walk_burst_bmi2(addrs, conv, cur) };
        }
        self.walk_burst(addrs, conv, cur)
    }

    /// [`walk_burst`](Self::walk_burst) compiled with BMI2, whose shifts by a register
    /// (`shlx`, `shrx`) need no move to `cl` (measured: ~5 % fewer instructions per hit lookup).
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    #[target_feature(enable = "bmi2")]
    unsafe fn walk_burst_bmi2<S: Copy>(
        &self,
        addrs: &[S],
        conv: impl Fn(S) -> A,
        cur: &mut [u32; MAX_BURST],
    ) {
        self.walk_burst(addrs, conv, cur)
    }

    /// The walk of a burst: the final entry of each address (a leaf, or `LEAF | NH_NONE`).
    ///
    /// One pass per level over the lookups still walking, kept compacted in pass order (`at`,
    /// `offs`, `idx`): each reads the slot it prefetched in the previous pass (the root pass
    /// reads the root at once), and when that is a pointer computes and prefetches the slot
    /// of the next level and moves to the front of the next pass; a finished lookup is
    /// overwritten by the next walking one, without a branch. A slot behind a skip node is
    /// marked by `CHECK`, and only then is its header check (`hdr`, `val`) read.
    #[inline(always)]
    fn walk_burst<S: Copy>(&self, addrs: &[S], conv: impl Fn(S) -> A, cur: &mut [u32; MAX_BURST]) {
        let addrs = &addrs[..addrs.len().min(MAX_BURST)];
        let mem = &self.mem[..];
        let p = mem.as_ptr();
        // By lookup: the key, and for a skip node the header to check with the key's value
        // of the bits skipped.
        let mut khi = [0u64; MAX_BURST];
        let mut klo = [0u64; MAX_BURST];
        let mut hdr = [0u32; MAX_BURST];
        let mut val = [0u32; MAX_BURST];
        // By position in the pass: the slot to read (`| CHECK`), the depth after it, the
        // lookup. `& 63` keeps every index provably inside the 64-entry arrays.
        let mut at = [0u32; MAX_BURST];
        let mut offs = [0u32; MAX_BURST];
        let mut idx = [0u8; MAX_BURST];
        let mut np = 0usize;
        // The root index is the top `s` bits (1 ≤ `s` ≤ 16) of the key's first 64 bits.
        let rs = 64 - self.s;
        for (i, (c, a)) in cur.iter_mut().zip(addrs).enumerate() {
            let k = wide(conv(*a).to_key());
            let e = mem
                .get(((k >> 64) as u64 >> rs) as usize)
                .copied()
                .unwrap_or(LEAF | NH_NONE);
            *c = e;
            if e & LEAF == 0 {
                // Rare for random addresses (most end at the root), so a branch.
                let i = i & 63;
                khi[i] = (k >> 64) as u64;
                klo[i] = k as u64;
                let (a, o) = Self::next_slot(p, e, khi[i], &klo, self.s, i, &mut hdr, &mut val);
                let n = np & 63;
                at[n] = a;
                offs[n] = o;
                idx[n] = i as u8;
                np += 1;
            }
        }
        let mut w = Walking {
            khi: &khi,
            klo: &klo,
            hdr: &mut hdr,
            val: &mut val,
            at: &mut at,
            offs: &mut offs,
            idx: &mut idx,
        };
        Self::passes(mem, cur, &mut w, np);
    }

    /// The level passes of [`walk_burst`](Self::walk_burst) over the `np` lookups walking in
    /// `w` (see there), until every one has read a leaf.
    #[inline(always)]
    fn passes(mem: &[u32], cur: &mut [u32; MAX_BURST], w: &mut Walking<'_>, np: usize) {
        let p = mem.as_ptr();
        let Walking {
            khi,
            klo,
            hdr,
            val,
            at,
            offs,
            idx,
        } = w;
        let mut np = np;
        let mut rounds = 0;
        while np > 0 && rounds <= 128 {
            let mut next = 0usize;
            for j in 0..np.min(MAX_BURST) {
                let i = idx[j] as usize & 63;
                let a = at[j];
                let mut c = mem
                    .get((a & !CHECK) as usize)
                    .copied()
                    .unwrap_or(LEAF | NH_NONE);
                if a & CHECK != 0 {
                    c = check_skip(mem, c, hdr[i], val[i]);
                }
                cur[i] = c;
                let (a, o) = Self::next_slot(p, c, khi[i], klo, offs[j], i, hdr, val);
                // Written at `next` ≤ `j`, after position `j` was read.
                let n = next & 63;
                at[n] = a;
                offs[n] = o;
                idx[n] = i as u8;
                next += (c & LEAF == 0) as usize;
            }
            np = next;
            rounds += 1;
        }
    }

    /// Lookup `i` (at depth `off`, key halves `hi` and `klo[i]`) read entry `e`: when a
    /// pointer, the slot to read next (prefetched; `| CHECK` behind a skip node, whose header
    /// check is recorded in `hdr` and `val` and prefetched) and the depth after it; when a
    /// leaf, slot 0.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn next_slot(
        p: *const u32,
        e: u32,
        hi: u64,
        klo: &[u64; MAX_BURST],
        off: u32,
        i: usize,
        hdr: &mut [u32; MAX_BURST],
        val: &mut [u32; MAX_BURST],
    ) -> (u32, u32) {
        // The low half of the key is read only past bit 64 (rare) and at skip nodes.
        let k = || (hi as u128) << 64 | klo[i & 63] as u128;
        if e & SKIP == 0 {
            // A plain pointer (or a leaf, whose slot is computed but neither read nor
            // prefetched).
            let st = ((e >> STRIDE_SHIFT) & 15) + 1;
            let b = (e & IDX_MASK) * UNIT as u32;
            let v = if off + st <= 64 {
                ((hi << (off & 63)) >> (64u32.wrapping_sub(st) & 63)) as u32
            } else {
                bits(k(), off, st)
            };
            let at = b.wrapping_add(v);
            let at = if e & LEAF == 0 { at } else { 0 };
            prefetch(p.wrapping_add(at as usize));
            (at, off + st)
        } else {
            // A skip pointer (never a leaf).
            let t = step(e, k(), off);
            hdr[i & 63] = t.hdr;
            val[i & 63] = t.val;
            prefetch(p.wrapping_add(t.hdr as usize));
            prefetch(p.wrapping_add(t.pos as usize));
            (t.pos | CHECK, t.off)
        }
    }

    /// The longest-prefix match by the one-address walk, for tests.
    #[cfg(test)]
    pub(crate) fn lookup_portable(&self, addr: A) -> Option<u32> {
        self.lookup(addr)
    }
}

/// The state of the lookups walking in a burst walk's passes: by lookup, the key halves and
/// the skip header check; by position in the pass, the slot to read (`| CHECK` behind a skip
/// node), the depth after it, and the lookup.
struct Walking<'a> {
    khi: &'a [u64; MAX_BURST],
    klo: &'a [u64; MAX_BURST],
    hdr: &'a mut [u32; MAX_BURST],
    val: &'a mut [u32; MAX_BURST],
    at: &'a mut [u32; MAX_BURST],
    offs: &'a mut [u32; MAX_BURST],
    idx: &'a mut [u8; MAX_BURST],
}

/// Entry `c`, read behind a skip node whose header is at `h`, for a key whose skipped bits
/// are `v`: the header's mismatch leaf when they differ.
#[inline(always)]
fn check_skip(mem: &[u32], c: u32, h: u32, v: u32) -> u32 {
    let h = h as usize;
    match mem.get(h..h + 2) {
        Some(&[hv, miss]) if hv != v => miss,
        Some(_) => c,
        None => LEAF | NH_NONE,
    }
}

/// Distinct values of the `w` bits at `off` among `rs` (sorted by key).
fn distinct<K: Key>(rs: &[Route<K>], off: u32, w: u32) -> usize {
    let mut n = 0;
    let mut prev = None;
    for r in rs {
        let v = bits(wide(r.key), off, w);
        if prev != Some(v) {
            n += 1;
            prev = Some(v);
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::oracle::LinearLpm;
    use crate::route::tests::{Gen, Rng};
    use crate::route::{Lpm, Prefix};
    use std::net::Ipv6Addr;

    fn rib_of(o: &LinearLpm<Ipv6Addr>) -> Rib<u128> {
        let mut rib = Rib::default();
        rib.insert_many(o.routes().iter().map(|(p, nh)| (p.key(), p.len(), *nh)));
        rib
    }

    /// Every probe answered as the linear scan does, by the single and the burst walk.
    fn check(t: &LcTrie<Ipv6Addr>, o: &LinearLpm<Ipv6Addr>, addrs: &[Ipv6Addr]) {
        let mut out = [None; MAX_BURST];
        for c in addrs.chunks(MAX_BURST) {
            let hits = t.lookup_burst(c, &mut out).unwrap();
            assert_eq!(hits, out[..c.len()].iter().flatten().count());
            let mut raw = [0u32; MAX_BURST];
            let raw_hits = t.lookup_burst_raw(c, &mut raw, u32::MAX).unwrap();
            assert_eq!(raw_hits, hits);
            let bytes: Vec<[u8; 16]> = c.iter().map(|a| a.octets()).collect();
            let mut conv = [0u32; MAX_BURST];
            let conv_hits = t
                .lookup_burst_conv(&bytes, Ipv6Addr::from, &mut conv, u32::MAX)
                .unwrap();
            assert_eq!(conv_hits, hits);
            assert_eq!(conv, raw, "converted burst");
            // The byte form, whole and cut short of a multiple of eight (the AVX-512 root
            // pass takes eight addresses at a time, the rest one by one).
            for n in [c.len(), c.len().saturating_sub(3)] {
                let mut be = [0u32; MAX_BURST];
                let be_hits = t
                    .lookup_burst_bytes(&bytes[..n], &mut be, u32::MAX)
                    .unwrap();
                assert_eq!(be[..n], raw[..n], "byte burst");
                assert_eq!(be_hits, raw[..n].iter().filter(|&&r| r != u32::MAX).count());
            }
            if t.fallback.is_none() {
                // The portable build of the walk (the one above may be the BMI2 build).
                let mut cur = [LEAF | NH_NONE; MAX_BURST];
                let mut got = [0u32; MAX_BURST];
                t.walk_burst(c, |a| a, &mut cur);
                answers(&cur[..c.len()], &mut got, u32::MAX);
                assert_eq!(got[..c.len()], raw[..c.len()], "portable burst");
                #[cfg(all(feature = "std", target_arch = "x86_64"))]
                if avx512::detected() {
                    // The AVX-512 walk called directly (whatever `walk` dispatches to).
                    let mut cur = [LEAF | NH_NONE; MAX_BURST];
                    // SAFETY: the CPU has the features (checked just above).
                    unsafe { t.walk_burst_avx512(c, |a| a, &mut cur) };
                    answers(&cur[..c.len()], &mut got, u32::MAX);
                    for (g, a) in got.iter().zip(c) {
                        assert_eq!(*g, o.lookup(*a).unwrap_or(u32::MAX), "avx-512 burst {a}");
                    }
                }
                #[cfg(all(feature = "std", target_arch = "x86_64"))]
                if avx512::bytes_detected() {
                    // The byte form's AVX-512 walk called directly, on a burst cut short of
                    // a multiple of eight too.
                    for n in [c.len(), c.len().saturating_sub(5)] {
                        let mut cur = [LEAF | NH_NONE; MAX_BURST];
                        // SAFETY: the CPU has the features (checked just above).
                        unsafe { t.walk_bytes_avx512(&bytes[..n], &mut cur) };
                        answers(&cur[..n], &mut got, u32::MAX);
                        for (g, a) in got.iter().zip(&c[..n]) {
                            assert_eq!(*g, o.lookup(*a).unwrap_or(u32::MAX), "byte walk {a}");
                        }
                    }
                }
            }
            for ((a, r), w) in c.iter().zip(out).zip(raw) {
                let want = o.lookup(*a);
                assert_eq!(t.lookup(*a), want, "single {a}");
                assert_eq!(r, want, "burst {a}");
                assert_eq!(w, want.unwrap_or(u32::MAX), "raw burst {a}");
            }
        }
    }

    /// Random tables around a few anchors (dense regions, long shared chains that get
    /// skipped, /0 and /128), large enough for the 16-bit root.
    fn table(seed: u64, n: usize) -> (LinearLpm<Ipv6Addr>, Gen<Ipv6Addr>, Rng) {
        let mut rng = Rng::new(seed);
        let g = Gen::<Ipv6Addr>::new(&mut rng, 5);
        let mut o = LinearLpm::new();
        while o.len() < n {
            let p = g.prefix(&mut rng);
            o.insert(p, rng.below(1000) as u32);
        }
        (o, g, rng)
    }

    #[test]
    fn full_build_matches_the_oracle() {
        for (seed, n, root) in [(1, 3000, 16), (2, 300, 8), (3, 40, 8)] {
            let (o, g, mut rng) = table(seed, n);
            let mut rib = rib_of(&o);
            let t = LcTrie::<Ipv6Addr>::build(rib.settled(), root);
            assert!(t.fallback.is_none());
            let addrs: Vec<Ipv6Addr> = (0..4000).map(|_| g.addr(&mut rng)).collect();
            check(&t, &o, &addrs);
        }
    }

    /// Single updates patched in place (the deepest slot holding the prefix) answer as a
    /// structure built from scratch on the same routes, and as the oracle.
    #[test]
    fn incremental_commits_equal_a_full_rebuild() {
        let (mut o, g, mut rng) = table(4, 3000);
        let mut l = Lpm::from_routes(o.routes().iter().copied()).unwrap();
        let addrs: Vec<Ipv6Addr> = (0..3000).map(|_| g.addr(&mut rng)).collect();
        for step in 0..600 {
            if rng.below(3) == 0 {
                let p = o.routes()[rng.below(o.len() as u64) as usize].0;
                assert_eq!(l.remove(p), o.remove(p));
            } else {
                let p = g.prefix(&mut rng);
                let nh = rng.below(1000) as u32;
                assert_eq!(l.insert(p, nh), Ok(o.insert(p, nh)));
            }
            if step % 100 == 99 {
                let mut rib = rib_of(&o);
                let full = LcTrie::<Ipv6Addr>::build(rib.settled(), 16);
                check(l.fib(), &o, &addrs);
                check(&full, &o, &addrs);
            }
        }
        let (commits, full) = l.commit_counts();
        assert!(full * 10 < commits, "updates were patched, not rebuilt");
        // Remove everything (the default route last), then rebuild with the default first.
        let mut all: Vec<_> = o.routes().iter().map(|(p, _)| *p).collect();
        all.sort_by_key(|p| core::cmp::Reverse(p.len()));
        for (n, p) in all.into_iter().enumerate() {
            assert_eq!(l.remove(p), o.remove(p));
            if n % 500 == 0 {
                check(l.fib(), &o, &addrs[..500]);
            }
        }
        assert!(l.is_empty());
        check(l.fib(), &o, &addrs);
        let default = Prefix::new(Ipv6Addr::UNSPECIFIED, 0).unwrap();
        assert_eq!(l.insert(default, 9), Ok(o.insert(default, 9)));
        for _ in 0..300 {
            let p = g.prefix(&mut rng);
            let nh = rng.below(1000) as u32;
            assert_eq!(l.insert(p, nh), Ok(o.insert(p, nh)));
        }
        check(l.fib(), &o, &addrs);
    }

    /// The stride of a node is the largest where its routes fill at least 1/FILL of the
    /// slots: N routes spread evenly under one root slot give log2(16 N), capped at 16.
    #[test]
    fn stride_choice_boundaries() {
        for (n, want) in [(256u128, 12), (255, 11), (2, 5), (4096, 16)] {
            let mut o = LinearLpm::new();
            for j in 0..n {
                let v = j * (65536 / n);
                let key = (0x20u128 << 120) | (v << 104);
                let p = Prefix::new(Ipv6Addr::from_bits(key), 24).unwrap();
                o.insert(p, j as u32);
            }
            let mut rib = rib_of(&o);
            let t = LcTrie::<Ipv6Addr>::build(rib.settled(), 8);
            let e = t.mem[0x20];
            assert_eq!(e & (LEAF | SKIP), 0, "a plain node");
            assert_eq!(decode(e).2, want, "{n} routes");
            let addrs: Vec<Ipv6Addr> = o
                .routes()
                .iter()
                .flat_map(|(p, _)| {
                    let k = p.key();
                    [k, k | (u128::MAX >> 24), k.wrapping_sub(1)]
                })
                .map(Ipv6Addr::from_bits)
                .collect();
            check(&t, &o, &addrs);
        }
    }

    /// Routes sharing a long chain of bits get one skip node; a mismatch in the skipped bits
    /// resolves to the covering route.
    #[test]
    fn skip_nodes() {
        let mut o = LinearLpm::new();
        let p = |s: &str, l| Prefix::new(s.parse::<Ipv6Addr>().unwrap(), l).unwrap();
        o.insert(p("2001:db8::", 32), 1);
        o.insert(p("2001:db8:1234:5600::", 56), 2);
        o.insert(p("2001:db8:1234:5680::", 57), 3);
        o.insert(p("2001:db8:1234:5678::1", 128), 4);
        let mut rib = rib_of(&o);
        let t = LcTrie::<Ipv6Addr>::build(rib.settled(), 8);
        let mut e = t.mem[0x20];
        let mut skips = 0;
        while e & LEAF == 0 {
            let (b, skip, st) = decode(e);
            skips += (skip > 0) as u32;
            e = t.mem[b + (1 << st) - 1];
        }
        assert!(skips > 0, "a skip node");
        let addrs = [
            "2001:db8::1",
            "2001:db8:1234:5600::1",
            "2001:db8:1234:5680::",
            "2001:db8:1234:5678::1",
            "2001:db8:1234:5678::2",
            "2001:db8:1235::",
            "2001:db8:ffff::",
            "2001:db9::",
        ]
        .map(|s| s.parse::<Ipv6Addr>().unwrap());
        check(&t, &o, &addrs);
        // A full burst, so that the vector passes (not only the last few) check headers.
        let burst: Vec<Ipv6Addr> = addrs.iter().cycle().take(MAX_BURST).copied().collect();
        check(&t, &o, &burst);
    }

    /// Host routes in two clusters whose next 16 bits take only two values: a node for them
    /// takes the stride their number allows (64 routes: 10 bits), not the 5 bits the two
    /// values alone would (so their lookups cross fewer levels).
    #[test]
    fn deep_clusters_take_strides_by_count() {
        let mut rng = Rng::new(77);
        let mut o = LinearLpm::new();
        for j in 0..64u32 {
            let key = 0x20u128 << 120 | ((j & 1) as u128) << 119 | rng.u128() >> 24;
            o.insert(Prefix::new(Ipv6Addr::from_bits(key), 128).unwrap(), j);
        }
        let mut rib = rib_of(&o);
        let t = LcTrie::<Ipv6Addr>::build(rib.settled(), 8);
        let e = t.mem[0x20];
        assert_eq!(e & (LEAF | SKIP), 0, "a plain node");
        assert_eq!(decode(e).2, 10);
        let addrs: Vec<Ipv6Addr> = o
            .routes()
            .iter()
            .flat_map(|(p, _)| [p.key(), p.key() ^ 1, p.key() ^ 1 << 64])
            .map(Ipv6Addr::from_bits)
            .collect();
        check(&t, &o, &addrs);
    }

    #[test]
    fn bad_bursts_are_refused() {
        let t = LcTrie::<Ipv6Addr>::empty();
        let a = [Ipv6Addr::UNSPECIFIED; MAX_BURST + 1];
        let mut out = [0u32; MAX_BURST + 1];
        assert!(t.lookup_burst_raw(&a, &mut out, 0).is_err());
        assert!(t.lookup_burst_raw(&a[..4], &mut out[..3], 0).is_err());
        let b = [[0u8; 16]; MAX_BURST + 1];
        assert!(t
            .lookup_burst_conv(&b, Ipv6Addr::from, &mut out, 0)
            .is_err());
        assert!(t
            .lookup_burst_conv(&b[..4], Ipv6Addr::from, &mut out[..3], 0)
            .is_err());
        assert!(t.lookup_burst_bytes(&b, &mut out, 0).is_err());
        assert!(t.lookup_burst_bytes(&b[..4], &mut out[..3], 0).is_err());
        let mut opt = [None; MAX_BURST + 1];
        assert!(t.lookup_burst(&a, &mut opt).is_err());
    }

    #[test]
    fn empty_and_small_structures_are_small() {
        assert_eq!(LcTrie::<Ipv6Addr>::empty().memory_bytes(), 1024);
        let mut l = Lpm::<Ipv6Addr>::new();
        l.insert(Prefix::new(Ipv6Addr::UNSPECIFIED, 0).unwrap(), 7)
            .unwrap();
        l.insert(Prefix::new("2001:db8::".parse().unwrap(), 32).unwrap(), 8)
            .unwrap();
        assert!(l.fib().memory_bytes() <= 2048);
        assert_eq!(l.lookup("2001:db8::1".parse().unwrap()), Some(8));
        assert_eq!(l.lookup("2001:db9::1".parse().unwrap()), Some(7));
    }

    /// A table past the arena bound is built as a Poptrie, and answers (and updates) the same.
    #[test]
    fn outgrowing_the_arena_falls_back_to_a_poptrie() {
        let (mut o, g, mut rng) = table(5, 3000);
        let mut rib = rib_of(&o);
        let full = LcTrie::<Ipv6Addr>::build(rib.settled(), 16);
        let addrs: Vec<Ipv6Addr> = (0..3000).map(|_| g.addr(&mut rng)).collect();
        // Too small: falls back at once.
        let t = LcTrie::<Ipv6Addr>::build_limited(rib.settled(), 16, 1 << 17);
        assert!(t.fallback.is_some());
        check(&t, &o, &addrs);
        // Just enough: the first updates that outgrow it rebuild as a Poptrie.
        let mut t = LcTrie::<Ipv6Addr>::build_limited(rib.settled(), 16, full.mem.len() + 64);
        assert!(t.fallback.is_none());
        for _ in 0..200 {
            let p = g.prefix(&mut rng);
            o.insert(p, rng.below(1000) as u32);
            rib.insert(p.key(), p.len(), o.get(p).unwrap());
            if p.len() as u32 > t.s {
                t.rebuild_prefix(&rib, p.key(), p.len());
            } else {
                let (first, span) = t.dir_span(p.key(), p.len());
                t.rebuild_range(&rib, first, span);
            }
        }
        assert!(t.fallback.is_some());
        check(&t, &o, &addrs);
    }
}
