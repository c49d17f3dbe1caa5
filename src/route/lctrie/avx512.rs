//! The AVX-512 level passes of an [`LcTrie`] burst walk: the burst's lookups as eight vectors
//! of eight 64-bit lanes (lane `i` of the burst in vector `i / 8`), walked one pass per level
//! like the portable walk, but eight lookups per instruction. A vector step decodes the
//! entries its walking lanes read, computes their next slots with variable vector shifts and
//! gathers them at once into `pend`, which the next pass reads: the gather does not hold up
//! the other vectors' steps, so it serves as their prefetch (~4 % faster than eight
//! prefetches extracted from the lanes). The lanes behind a skip node are a mask per vector
//! (`behind`); only for them is the header's state stored and its first two words gathered
//! a pass ahead (+10 % against prefetching them, +8 % against testing a stored header per
//! lane). A lane that read a leaf is masked off. The root pass is scalar for addresses of any
//! form ([`walk_burst_avx512`](LcTrie::walk_burst_avx512): each converted as it is read) and
//! vector for the C API's 16-byte big-endian addresses
//! ([`walk_bytes_avx512`](LcTrie::walk_bytes_avx512): two VBMI byte permutes make the key
//! halves of eight addresses, a gather reads their root entries; random lookups 1.3x the
//! scalar root pass). The first vector pass decodes the root entries without a gather. Once
//! at most eight lookups walk (the deep ones of a burst) they finish in the portable passes,
//! whose loop is shorter per level than a vector step (vectors to the end: 0.85x).
//!
//! Per lane: the key as two 64-bit halves, the slot to read, the depth after it, and behind
//! a skip node the header to check with the key's value of the bits skipped. The 64 bits of
//! the key from depth `off` are `khi << off | klo >> (64 - off) | klo << (off - 64)`, each
//! shift giving 0 when its count is out of 0..64 (`vpsllvq`, `vpsrlvq`); the low half's
//! terms are computed only when a lane reads past bit 64 (hit lookups rarely do). Slots read
//! are clamped into the arena, so that a gather never reads outside it whatever the entries
//! hold.

use core::arch::x86_64::*;
use core::net::Ipv6Addr;

use super::{wide, Address, LcTrie, Walking, CHECK, HDR, IDX_MASK, LEAF, MAX_BURST, SKIP};
use super::{SKIP_IDX_MASK, SKIP_LEN_SHIFT, SKIP_STRIDE_SHIFT, STRIDE_SHIFT, UNIT};
use crate::route::walk::NH_NONE;

/// Whether this CPU runs [`LcTrie::walk_burst_avx512`].
pub(super) fn detected() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vl")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("popcnt")
}

/// Whether this CPU runs [`LcTrie::walk_bytes_avx512`] (also byte permutes).
pub(super) fn bytes_detected() -> bool {
    detected()
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vbmi")
}

/// Lanes per vector, and vectors per burst.
const LANES: usize = 8;
const VECS: usize = MAX_BURST / LANES;
/// Walking lookups at or below which the portable passes finish the walk.
const HANDOVER: u32 = 8;

/// A lane array of a burst, aligned so that its vectors load and store aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Lanes([u64; MAX_BURST]);

impl Lanes {
    /// Vector `v` (`v < VECS`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn get(&self, v: usize) -> __m512i {
        let v = v % VECS;
        // SAFETY: lanes `8 v .. 8 v + 8` are inside the array (`v < VECS`), 64-byte aligned.
        unsafe { _mm512_load_si512(self.0.as_ptr().add(v * LANES).cast()) }
    }

    /// Stores vector `v` (`v < VECS`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn set(&mut self, v: usize, x: __m512i) {
        let v = v % VECS;
        // SAFETY: as in `get`.
        unsafe { _mm512_store_si512(self.0.as_mut_ptr().add(v * LANES).cast(), x) }
    }
}

/// A burst's entries, as eight vectors of eight 32-bit lanes.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Half([u32; MAX_BURST]);

impl Half {
    /// Vector `v` (`v < VECS`).
    #[inline]
    #[target_feature(enable = "avx512f,avx512vl")]
    fn get(&self, v: usize) -> __m256i {
        let v = v % VECS;
        // SAFETY: lanes `8 v .. 8 v + 8` are inside the array (`v < VECS`), 32-byte aligned.
        unsafe { _mm256_load_si256(self.0.as_ptr().add(v * LANES).cast()) }
    }

    /// Stores vector `v` (`v < VECS`).
    #[inline]
    #[target_feature(enable = "avx512f,avx512vl")]
    fn set(&mut self, v: usize, x: __m256i) {
        let v = v % VECS;
        // SAFETY: as in `get`.
        unsafe { _mm256_store_si256(self.0.as_mut_ptr().add(v * LANES).cast(), x) }
    }
}

impl<A: Address> LcTrie<A> {
    /// [`walk_burst`](LcTrie::walk_burst) with AVX-512 (see the module doc).
    ///
    /// # Safety
    ///
    /// The CPU must have AVX-512F, AVX-512VL, BMI2 and POPCNT.
    #[target_feature(enable = "avx512f,avx512vl,bmi2,popcnt")]
    pub(super) unsafe fn walk_burst_avx512<S: Copy>(
        &self,
        addrs: &[S],
        conv: impl Fn(S) -> A,
        cur: &mut [u32; MAX_BURST],
    ) {
        let addrs = &addrs[..addrs.len().min(MAX_BURST)];
        let mem = &self.mem[..];
        if mem.len() < HDR {
            return self.walk_burst(addrs, conv, cur);
        }
        // The root pass: each address converted, its root entry read; the lookups that go
        // on are marked walking.
        let mut khi = Lanes([0; MAX_BURST]);
        let mut klo = Lanes([0; MAX_BURST]);
        let mut wm = 0u64;
        let rsh = 64 - self.s;
        for (i, (c, a)) in cur.iter_mut().zip(addrs).enumerate() {
            let k = wide(conv(*a).to_key());
            let hi = (k >> 64) as u64;
            let e = mem
                .get((hi >> rsh) as usize)
                .copied()
                .unwrap_or(LEAF | NH_NONE);
            *c = e;
            if e & LEAF == 0 {
                // Rare for random addresses (most end at the root), so a branch.
                let i = i % MAX_BURST;
                khi.0[i] = hi;
                klo.0[i] = k as u64;
                wm |= 1 << i;
            }
        }
        self.walk_on(cur, &khi, &klo, wm);
    }

    /// The walk after the root pass: `cur` holds the root entries, `wm` marks the lookups
    /// that read a pointer there, whose key halves are in `khi` and `klo`.
    #[target_feature(enable = "avx512f,avx512vl,bmi2,popcnt")]
    fn walk_on(&self, cur: &mut [u32; MAX_BURST], khi: &Lanes, klo: &Lanes, wm: u64) {
        let mem = &self.mem[..];
        let p = mem.as_ptr();
        let mut walking = wm.to_le_bytes();
        // The lookups that go on, handed to the portable passes once few walk.
        let mut hdr32 = [0u32; MAX_BURST];
        let mut val32 = [0u32; MAX_BURST];
        let mut at32 = [0u32; MAX_BURST];
        let mut offs = [0u32; MAX_BURST];
        let mut idx = [0u8; MAX_BURST];
        let mut np = 0usize;
        if wm.count_ones() <= HANDOVER {
            // Few go on (random addresses): the portable passes from their root entries.
            for (v, &m) in walking.iter().enumerate() {
                let mut m = m;
                while m != 0 {
                    let i = (v * LANES + m.trailing_zeros() as usize) % MAX_BURST;
                    let (a, o) = Self::next_slot(
                        p, cur[i], khi.0[i], &klo.0, self.s, i, &mut hdr32, &mut val32,
                    );
                    let j = np % MAX_BURST;
                    at32[j] = a;
                    offs[j] = o;
                    idx[j] = i as u8;
                    np += 1;
                    m &= m - 1;
                }
            }
        } else {
            let (at, off, hdr, val, behind) = self.vector_passes(cur, khi, klo, &mut walking);
            for (v, (&m, &b)) in walking.iter().zip(&behind).enumerate() {
                let mut m = m;
                while m != 0 {
                    let l = m.trailing_zeros();
                    let i = (v * LANES + l as usize) % MAX_BURST;
                    let h = if b >> l & 1 != 0 { hdr.0[i] as u32 } else { 0 };
                    hdr32[i] = h;
                    val32[i] = val.0[i] as u32;
                    let j = np % MAX_BURST;
                    at32[j] = at.0[i] as u32 | if h != 0 { CHECK } else { 0 };
                    offs[j] = off.0[i] as u32;
                    idx[j] = i as u8;
                    np += 1;
                    m &= m - 1;
                }
            }
        }
        let mut w = Walking {
            khi: &khi.0,
            klo: &klo.0,
            hdr: &mut hdr32,
            val: &mut val32,
            at: &mut at32,
            offs: &mut offs,
            idx: &mut idx,
        };
        Self::passes(mem, cur, &mut w, np);
    }

    /// The vector passes over the lookups `walking` (by vector, a bit per lane) that read a
    /// pointer at the root, until at most `HANDOVER` walk: returns their state (slot to read,
    /// depth after it, skip header and value).
    #[target_feature(enable = "avx512f,avx512vl,bmi2,popcnt")]
    fn vector_passes(
        &self,
        cur: &mut [u32; MAX_BURST],
        khi: &Lanes,
        klo: &Lanes,
        walking: &mut [u8; VECS],
    ) -> (Lanes, Lanes, Lanes, Lanes, [u8; VECS]) {
        let mem = &self.mem[..];
        let p = mem.as_ptr();
        // The first pass decodes the root entries (in `cur`), at depth `s`.
        let mut at = Lanes([0; MAX_BURST]);
        let mut off = Lanes([self.s as u64; MAX_BURST]);
        let mut hdr = Lanes([0; MAX_BURST]);
        let mut val = Lanes([0; MAX_BURST]);
        let mut pend = Half([0; MAX_BURST]);
        let mut words = Lanes([0; MAX_BURST]);
        // By vector, the lanes whose slot is behind a skip node (whose `hdr`, `val` and
        // `words` hold its header check; stale in the other lanes).
        let mut behind = [0u8; VECS];
        let k = Consts::new(mem.len());
        let mut rounds = 0;
        loop {
            let total: u32 = walking.iter().map(|m| m.count_ones()).sum();
            if total <= HANDOVER || rounds > 128 {
                break;
            }
            for (v, wv) in walking.iter_mut().enumerate() {
                let m = *wv;
                if m == 0 {
                    continue;
                }
                let cp = cur[(v * LANES) % MAX_BURST..].as_mut_ptr();
                let st = State {
                    a: at.get(v),
                    o: off.get(v),
                    h: _mm512_setzero_si512(),
                    sv: _mm512_setzero_si512(),
                    hi: khi.get(v),
                    lo: klo.get(v),
                };
                // The first pass decodes the root entries, already in `cur`; the others the
                // entries gathered by the pass before.
                let old = if rounds == 0 {
                    // SAFETY: `cur` has the 8 words from `cp` (`v < VECS`).
                    unsafe { _mm256_loadu_si256(cp.cast()) }
                } else {
                    // SAFETY: as above.
                    let c = unsafe { _mm256_loadu_si256(cp.cast()) };
                    _mm256_mask_mov_epi32(c, m, pend.get(v))
                };
                let hm = m & behind[v % VECS];
                let (e, w, sk, st) = advance(&k, m, hm, st, old, (&words, &val), v);
                // SAFETY: as above.
                unsafe { _mm256_storeu_si256(cp.cast(), e) };
                *wv = w;
                if w == 0 {
                    continue;
                }
                at.set(v, st.a);
                off.set(v, st.o);
                behind[v % VECS] = w & sk;
                // The next slots gathered now, read by the next pass (the gather does not wait
                // for them); headers prefetched only where there are skip nodes.
                // SAFETY: the gather reads `mem` at indices clamped to `mem.len() - 1`.
                let g = unsafe {
                    _mm512_mask_i64gather_epi32::<4>(
                        _mm256_setzero_si256(),
                        w,
                        _mm512_min_epu64(st.a, k.last),
                        p.cast(),
                    )
                };
                pend.set(v, g);
                if w & sk != 0 {
                    // SAFETY: reads two words at indices clamped to `mem.len() - 2`.
                    let h = unsafe {
                        _mm512_mask_i64gather_epi64::<4>(
                            _mm512_setzero_si512(),
                            w & sk,
                            _mm512_min_epu64(st.h, k.last_hdr),
                            p.cast(),
                        )
                    };
                    words.set(v, h);
                    hdr.set(v, st.h);
                    val.set(v, st.sv);
                }
            }
            rounds += 1;
        }
        (at, off, hdr, val, behind)
    }
}

/// Broadcast constants of [`advance`].
struct Consts {
    last: __m512i,
    last_hdr: __m512i,
    c64: __m512i,
    low: __m512i,
    leaf: __m512i,
    skip_bit: __m512i,
    one: __m512i,
    idx_plain: __m512i,
    idx_skip: __m512i,
    m15: __m512i,
    m7: __m512i,
    m31: __m512i,
    hdr_words: __m512i,
}

impl Consts {
    /// For an arena of `len` words.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn new(len: usize) -> Self {
        Consts {
            last: _mm512_set1_epi64(len as i64 - 1),
            last_hdr: _mm512_set1_epi64(len as i64 - 2),
            c64: _mm512_set1_epi64(64),
            low: _mm512_set1_epi64(u32::MAX as i64),
            leaf: _mm512_set1_epi64(LEAF as i64),
            skip_bit: _mm512_set1_epi64(SKIP as i64),
            one: _mm512_set1_epi64(1),
            idx_plain: _mm512_set1_epi64(IDX_MASK as i64),
            idx_skip: _mm512_set1_epi64(SKIP_IDX_MASK as i64),
            m15: _mm512_set1_epi64(15),
            m7: _mm512_set1_epi64(7),
            m31: _mm512_set1_epi64(31),
            hdr_words: _mm512_set1_epi64(HDR as i64),
        }
    }
}

/// The walking state of eight lanes: slot to read, depth after it, header to check (0: none)
/// and the key's value of the bits it skipped, key halves.
#[derive(Clone, Copy)]
struct State {
    a: __m512i,
    o: __m512i,
    h: __m512i,
    sv: __m512i,
    hi: __m512i,
    lo: __m512i,
}

/// One level for the lanes `m` of vector `v`, whose slots read `e`: checks the skip headers of
/// the lanes `hm` (their first two words gathered by the pass before into `words`, the key's
/// values in `val`) and, for the lanes that read a pointer (the returned mask; `sk`: skip
/// pointers), the next state (`h` and `sv` meaningful in the lanes `sk` only).
#[inline]
#[target_feature(enable = "avx512f,avx512vl")]
fn advance(
    k: &Consts,
    m: u8,
    hm: u8,
    s: State,
    e: __m256i,
    (words, val): (&Lanes, &Lanes),
    v: usize,
) -> (__m256i, u8, u8, State) {
    let e = if hm != 0 {
        // Behind a skip node: the header's mismatch leaf where the key's skipped bits differ
        // from its value.
        let w = words.get(v);
        let miss = hm & _mm512_cmpneq_epu64_mask(_mm512_and_si512(w, k.low), val.get(v));
        _mm256_mask_mov_epi32(e, miss, _mm512_cvtepi64_epi32(_mm512_srli_epi64::<32>(w)))
    } else {
        e
    };
    let e64 = _mm512_cvtepu32_epi64(e);
    let w = m & _mm512_testn_epi64_mask(e64, k.leaf);
    // Decode the pointers (plain, or skip when `sk`).
    let sk = _mm512_test_epi64_mask(e64, k.skip_bit);
    let st = _mm512_mask_blend_epi64(
        sk,
        _mm512_and_si512(_mm512_srli_epi64::<STRIDE_SHIFT>(e64), k.m15),
        _mm512_and_si512(_mm512_srli_epi64::<SKIP_STRIDE_SHIFT>(e64), k.m7),
    );
    let st = _mm512_add_epi64(st, k.one);
    let b = _mm512_and_si512(e64, _mm512_mask_blend_epi64(sk, k.idx_plain, k.idx_skip));
    let b = _mm512_slli_epi64::<{ UNIT.trailing_zeros() }>(b);
    let skip = _mm512_maskz_add_epi64(
        sk,
        _mm512_and_si512(_mm512_srli_epi64::<SKIP_LEN_SHIFT>(e64), k.m31),
        k.one,
    );
    // The 64 key bits from the depth of this node: the high half's alone while every lane
    // reads within it (hit lookups down to /64).
    let end = _mm512_add_epi64(s.o, _mm512_add_epi64(skip, st));
    let t = _mm512_sllv_epi64(s.hi, s.o);
    let t = if w & _mm512_cmpgt_epu64_mask(end, k.c64) == 0 {
        t
    } else {
        _mm512_or_si512(
            t,
            _mm512_or_si512(
                _mm512_srlv_epi64(s.lo, _mm512_sub_epi64(k.c64, s.o)),
                _mm512_sllv_epi64(s.lo, _mm512_sub_epi64(s.o, k.c64)),
            ),
        )
    };
    let sv = _mm512_srlv_epi64(t, _mm512_sub_epi64(k.c64, skip));
    let slot = _mm512_srlv_epi64(_mm512_sllv_epi64(t, skip), _mm512_sub_epi64(k.c64, st));
    let next = State {
        a: _mm512_add_epi64(b, slot),
        o: end,
        h: _mm512_maskz_sub_epi64(sk, b, k.hdr_words),
        sv,
        hi: s.hi,
        lo: s.lo,
    };
    (e, w, sk, next)
}

impl LcTrie<Ipv6Addr> {
    /// [`walk_burst_avx512`](LcTrie::walk_burst_avx512) of addresses as 16 big-endian bytes
    /// (the C API's form): the root pass takes eight addresses at once, their key halves
    /// picked and byte-swapped by two byte permutes and their root entries gathered.
    ///
    /// # Safety
    ///
    /// The CPU must have AVX-512F, AVX-512VL, AVX-512VBMI, BMI2 and POPCNT.
    #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512vbmi,bmi2,popcnt")]
    pub(super) unsafe fn walk_bytes_avx512(&self, raw: &[[u8; 16]], cur: &mut [u32; MAX_BURST]) {
        let raw = &raw[..raw.len().min(MAX_BURST)];
        let mem = &self.mem[..];
        if mem.len() < HDR || self.s == 0 {
            return self.walk_burst(raw, Ipv6Addr::from, cur);
        }
        let p = mem.as_ptr();
        let mut khi = Lanes([0; MAX_BURST]);
        let mut klo = Lanes([0; MAX_BURST]);
        let mut wm = 0u64;
        // Byte `b` of lane `i` of the high half is byte `7 - b` of address `i` (of the two
        // vectors of four addresses), of the low half byte `15 - b`.
        let mut ih = [0u8; 64];
        let mut il = [0u8; 64];
        for (j, (h, l)) in ih.iter_mut().zip(&mut il).enumerate() {
            let (i, b) = (j / 8, j % 8);
            *h = (i * 16 + 7 - b) as u8;
            *l = (i * 16 + 15 - b) as u8;
        }
        // SAFETY: 64 bytes each.
        let (ih, il) = unsafe {
            (
                _mm512_loadu_si512(ih.as_ptr().cast()),
                _mm512_loadu_si512(il.as_ptr().cast()),
            )
        };
        let rsh = _mm512_set1_epi64(64 - self.s as i64);
        let last = _mm512_set1_epi64(mem.len() as i64 - 1);
        let full = raw.len() / LANES;
        for v in 0..full.min(VECS) {
            let a = raw[v * LANES..].as_ptr();
            // SAFETY: addresses `8 v .. 8 v + 8` are in `raw` (`v < full`), 128 bytes.
            let (a0, a1) = unsafe {
                (
                    _mm512_loadu_si512(a.cast()),
                    _mm512_loadu_si512(a.add(4).cast()),
                )
            };
            let hi = _mm512_permutex2var_epi8(a0, ih, a1);
            let lo = _mm512_permutex2var_epi8(a0, il, a1);
            // SAFETY: indices below `2^s` ≤ `mem.len()` (the root), clamped to it anyway.
            let e = unsafe {
                _mm512_i64gather_epi32::<4>(
                    _mm512_min_epu64(_mm512_srlv_epi64(hi, rsh), last),
                    p.cast(),
                )
            };
            // SAFETY: `cur` has the 8 words from `8 v`.
            unsafe { _mm256_storeu_si256(cur[v * LANES..].as_mut_ptr().cast(), e) };
            khi.set(v, hi);
            klo.set(v, lo);
            let leaf = _mm256_test_epi32_mask(e, _mm256_set1_epi32(LEAF as i32));
            wm |= ((!leaf) as u64) << (v * LANES);
        }
        // The last addresses of a burst that is not a multiple of eight, one by one.
        let rs = 64 - self.s;
        for i in full * LANES..raw.len() {
            let i = i % MAX_BURST;
            let k = wide(Ipv6Addr::from(raw[i]).to_key());
            let hi = (k >> 64) as u64;
            let e = mem
                .get((hi >> rs) as usize)
                .copied()
                .unwrap_or(LEAF | NH_NONE);
            cur[i] = e;
            khi.0[i] = hi;
            klo.0[i] = k as u64;
            wm |= ((e & LEAF == 0) as u64) << i;
        }
        self.walk_on(cur, &khi, &klo, wm);
    }
}
