//! The AVX-512 level passes of an [`LcTrie`] burst walk: the burst's lookups as four vectors
//! of sixteen 32-bit lanes (lane `i` of the burst in vector `i / 16`), walked one pass per
//! level like the portable walk, but sixteen lookups per instruction. A vector step decodes
//! the entries its walking lanes read, computes their next slots with variable vector shifts
//! and gathers them at once into `pend`, which the next pass reads: the gather does not hold
//! up the other vectors' steps, so it serves as their prefetch. A lane that read a leaf is
//! masked off. The root pass is scalar for addresses of any form
//! ([`walk_burst_avx512`](LcTrie::walk_burst_avx512): each converted as it is read) and vector
//! for the C API's 16-byte big-endian addresses ([`walk_bytes_avx512`](LcTrie::walk_bytes_avx512):
//! two VBMI byte permutes make the key halves of eight addresses, a gather reads their root
//! entries). The first vector pass decodes the root entries without a gather. Once at most
//! eight lookups walk (the deep ones of a burst) they finish in the portable passes, whose
//! loop is shorter per level than a vector step.
//!
//! Per lane: the key's first 64 bits as two 32-bit words, the slot to read and the depth
//! after it. A step of plain pointers whose slots end by bit 64 (nearly every step of a hit
//! lookup) takes ~60 instructions for sixteen lanes, where the previous form (eight 64-bit
//! lanes, skip pointers decoded in every step) took as many for eight: the 32 key bits from
//! depth `off` are `h0 << off | h1 >> (32 - off) | h1 << (off - 32)` (each shift giving 0
//! when its count is out of 0..32), the slot `base + (bits >> (32 - stride))`. Only a vector
//! with a lane at a skip pointer decodes skip pointers (masked blends; the header's two words
//! gathered a pass ahead, checked against the key's value of the bits skipped in the next
//! step), and only a lane whose slot ends past bit 64 (a /65 or longer) takes the portable
//! step, from the key's low half. Hit lookups are latency-bound now: most samples of the
//! passes wait on their gathers. Slots read are clamped into the arena, so that a gather
//! never reads outside it whatever the entries hold.

use core::arch::x86_64::*;
use core::net::Ipv6Addr;

use super::{step, wide, Address, LcTrie, Walking, CHECK, HDR, IDX_MASK, LEAF};
use super::{
    MAX_BURST, SKIP, SKIP_IDX_MASK, SKIP_LEN_SHIFT, SKIP_STRIDE_SHIFT, STRIDE_SHIFT, UNIT,
};
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

/// 64-bit lanes per vector (the key halves of the byte root pass), and such vectors per
/// burst.
const LANES: usize = 8;
const VECS: usize = MAX_BURST / LANES;
/// Walking lookups at or below which the portable passes finish the walk.
const HANDOVER: u32 = 8;

/// A lane array of a burst, aligned so that its vectors load and store aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Lanes([u64; MAX_BURST]);

impl Lanes {
    /// Stores vector `v` (`v < VECS`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn set(&mut self, v: usize, x: __m512i) {
        let v = v % VECS;
        // SAFETY: lanes `8 v .. 8 v + 8` are inside the array (`v < VECS`), 64-byte aligned.
        unsafe { _mm512_store_si512(self.0.as_mut_ptr().add(v * LANES).cast(), x) }
    }
}

/// A burst's 32-bit lane array, as four vectors of sixteen lanes (lane `i` of the burst in
/// vector `i / 16`), aligned so that they load and store aligned.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Words([u32; MAX_BURST]);

/// 32-bit lanes per vector, and such vectors per burst.
const WLANES: usize = 16;
const WVECS: usize = MAX_BURST / WLANES;

impl Words {
    /// Vector `v` (`v < WVECS`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn get(&self, v: usize) -> __m512i {
        let v = v % WVECS;
        // SAFETY: lanes `16 v .. 16 v + 16` are inside the array (`v < WVECS`), 64-byte
        // aligned.
        unsafe { _mm512_load_si512(self.0.as_ptr().add(v * WLANES).cast()) }
    }

    /// Stores vector `v` (`v < WVECS`).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn set(&mut self, v: usize, x: __m512i) {
        let v = v % WVECS;
        // SAFETY: as in `get`.
        unsafe { _mm512_store_si512(self.0.as_mut_ptr().add(v * WLANES).cast(), x) }
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
        // The lookups that go on, handed to the portable passes once few walk.
        let mut hdr32 = [0u32; MAX_BURST];
        let mut val32 = [0u32; MAX_BURST];
        let mut at32 = [0u32; MAX_BURST];
        let mut offs = [0u32; MAX_BURST];
        let mut idx = [0u8; MAX_BURST];
        let mut np = 0usize;
        if wm.count_ones() <= HANDOVER {
            // Few go on (random addresses): the portable passes from their root entries.
            let mut m = wm;
            while m != 0 {
                let i = m.trailing_zeros() as usize % MAX_BURST;
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
        } else {
            let mut walking = wm;
            let (at, off, behind) =
                self.vector_passes(cur, khi, klo, &mut walking, &mut hdr32, &mut val32);
            let mut m = walking;
            while m != 0 {
                let i = m.trailing_zeros() as usize % MAX_BURST;
                let j = np % MAX_BURST;
                at32[j] = at.0[i] | if behind >> i & 1 != 0 { CHECK } else { 0 };
                offs[j] = off.0[i];
                idx[j] = i as u8;
                np += 1;
                m &= m - 1;
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

    /// The vector passes over the lookups `walking` (a bit per lookup) that read a pointer
    /// at the root, until at most `HANDOVER` walk: returns by lookup the slot to read and the
    /// depth after it, and the lookups whose slot is behind a skip node (whose check is then
    /// in `hdr` and `val`). Out of line, so that the random-address path (few lookups past the
    /// root) keeps a small frame.
    #[inline(never)]
    #[target_feature(enable = "avx512f,avx512vl,bmi2,popcnt")]
    fn vector_passes(
        &self,
        cur: &mut [u32; MAX_BURST],
        khi: &Lanes,
        klo: &Lanes,
        walking: &mut u64,
        hdr: &mut [u32; MAX_BURST],
        val: &mut [u32; MAX_BURST],
    ) -> (Words, Words, u64) {
        let mem = &self.mem[..];
        let p = mem.as_ptr();
        // The key's first 64 bits as two 32-bit words.
        let mut h0 = Words([0; MAX_BURST]);
        let mut h1 = Words([0; MAX_BURST]);
        for ((a, b), k) in h0.0.iter_mut().zip(&mut h1.0).zip(&khi.0) {
            *a = (k >> 32) as u32;
            *b = *k as u32;
        }
        // The first pass decodes the root entries (in `cur`), at depth `s`.
        let mut at = Words([0; MAX_BURST]);
        let mut off = Words([self.s; MAX_BURST]);
        let mut pend = Words([0; MAX_BURST]);
        let mut behind = 0u64;
        let last = _mm512_set1_epi32(mem.len() as i32 - 1);
        let leaf = _mm512_set1_epi32(LEAF as i32);
        let skip_bit = _mm512_set1_epi32(SKIP as i32);
        let m15 = _mm512_set1_epi32(15);
        let idx_mask = _mm512_set1_epi32(IDX_MASK as i32);
        let one = _mm512_set1_epi32(1);
        let c32 = _mm512_set1_epi32(32);
        let c64 = _mm512_set1_epi32(64);
        let m7 = _mm512_set1_epi32(7);
        let m31 = _mm512_set1_epi32(31);
        let idx_skip = _mm512_set1_epi32(SKIP_IDX_MASK as i32);
        let hdr_words = _mm512_set1_epi32(HDR as i32);
        let last_hdr = _mm512_set1_epi32(mem.len() as i32 - 2);
        // Behind a skip node: the header's two words, gathered a pass ahead, and the key's
        // value of the bits skipped.
        let mut hval = Words([0; MAX_BURST]);
        let mut hmiss = Words([0; MAX_BURST]);
        let mut vals = Words([0; MAX_BURST]);
        let mut rounds = 0;
        while walking.count_ones() > HANDOVER && rounds <= 128 {
            for v in 0..WVECS {
                let sh = v * WLANES;
                let m = (*walking >> sh) as u16;
                if m == 0 {
                    continue;
                }
                let cp = cur[sh % MAX_BURST..].as_mut_ptr();
                // SAFETY: `cur` has the 16 words from `cp` (`v < WVECS`).
                let c = unsafe { _mm512_loadu_si512(cp.cast()) };
                // The first pass decodes the root entries, already in `cur`; the others the
                // entries gathered by the pass before.
                let e = if rounds == 0 {
                    c
                } else {
                    _mm512_mask_mov_epi32(c, m, pend.get(v))
                };
                let hm = m & (behind >> sh) as u16;
                let e = if hm != 0 {
                    // Behind a skip node: the header's mismatch leaf where the key's skipped
                    // bits differ from its value (the header's words gathered a pass ahead).
                    let miss = _mm512_mask_cmpneq_epu32_mask(hm, hval.get(v), vals.get(v));
                    _mm512_mask_mov_epi32(e, miss, hmiss.get(v))
                } else {
                    e
                };
                // SAFETY: as above.
                unsafe { _mm512_storeu_si512(cp.cast(), e) };
                behind &= !(0xFFFF << sh);
                let w = _mm512_mask_testn_epi32_mask(m, e, leaf);
                *walking = *walking & !(0xFFFF << sh) | (w as u64) << sh;
                if w == 0 {
                    continue;
                }
                // The slot is the array start plus the next `st` key bits, taken from the
                // two words of the key's first 64 bits.
                let o = off.get(v);
                let sk = _mm512_mask_test_epi32_mask(w, e, skip_bit);
                let (a, end) = if sk == 0 {
                    let st = _mm512_add_epi32(
                        _mm512_and_si512(_mm512_srli_epi32::<STRIDE_SHIFT>(e), m15),
                        one,
                    );
                    let b = _mm512_slli_epi32::<{ UNIT.trailing_zeros() }>(_mm512_and_si512(
                        e, idx_mask,
                    ));
                    let slot = _mm512_srlv_epi32(
                        window(h0.get(v), h1.get(v), o, c32),
                        _mm512_sub_epi32(c32, st),
                    );
                    (_mm512_add_epi32(b, slot), _mm512_add_epi32(o, st))
                } else {
                    // Skip pointers in the lanes `sk`: the bits skipped, then the slot.
                    let h0v = h0.get(v);
                    let h1v = h1.get(v);
                    let skip = _mm512_maskz_add_epi32(
                        sk,
                        _mm512_and_si512(_mm512_srli_epi32::<SKIP_LEN_SHIFT>(e), m31),
                        one,
                    );
                    let st = _mm512_mask_blend_epi32(
                        sk,
                        _mm512_and_si512(_mm512_srli_epi32::<STRIDE_SHIFT>(e), m15),
                        _mm512_and_si512(_mm512_srli_epi32::<SKIP_STRIDE_SHIFT>(e), m7),
                    );
                    let st = _mm512_add_epi32(st, one);
                    let b = _mm512_and_si512(e, _mm512_mask_blend_epi32(sk, idx_mask, idx_skip));
                    let b = _mm512_slli_epi32::<{ UNIT.trailing_zeros() }>(b);
                    let sv =
                        _mm512_srlv_epi32(window(h0v, h1v, o, c32), _mm512_sub_epi32(c32, skip));
                    let o2 = _mm512_add_epi32(o, skip);
                    let slot =
                        _mm512_srlv_epi32(window(h0v, h1v, o2, c32), _mm512_sub_epi32(c32, st));
                    let h = _mm512_sub_epi32(b, hdr_words);
                    // SAFETY: lanes `16 v .. 16 v + 16` of the 64-word arrays.
                    unsafe {
                        _mm512_mask_storeu_epi32(hdr[sh % MAX_BURST..].as_mut_ptr().cast(), sk, h);
                        _mm512_mask_storeu_epi32(val[sh % MAX_BURST..].as_mut_ptr().cast(), sk, sv);
                    }
                    vals.set(v, sv);
                    let h = _mm512_min_epu32(h, last_hdr);
                    // SAFETY: the gathers read `mem` at indices clamped to `mem.len() - 1`.
                    unsafe {
                        hval.set(
                            v,
                            _mm512_mask_i32gather_epi32::<4>(
                                _mm512_setzero_si512(),
                                sk,
                                h,
                                p.cast(),
                            ),
                        );
                        hmiss.set(
                            v,
                            _mm512_mask_i32gather_epi32::<4>(
                                _mm512_setzero_si512(),
                                sk,
                                _mm512_add_epi32(h, one),
                                p.cast(),
                            ),
                        );
                    }
                    behind |= (sk as u64) << sh;
                    (_mm512_add_epi32(b, slot), _mm512_add_epi32(o2, st))
                };
                at.set(v, a);
                off.set(v, end);
                // Slots read past bit 64: the portable step (rare).
                let far = _mm512_mask_cmpgt_epu32_mask(w, end, c64);
                let a = if far != 0 {
                    let mut olds = Words([0; MAX_BURST]);
                    olds.set(v, o);
                    let mut b = far;
                    while b != 0 {
                        let i = (sh + b.trailing_zeros() as usize) % MAX_BURST;
                        let k = (khi.0[i] as u128) << 64 | klo.0[i] as u128;
                        let t = step(cur[i], k, olds.0[i]);
                        at.0[i] = t.pos;
                        off.0[i] = t.off;
                        if t.hdr != 0 {
                            // (The header's words were gathered above.)
                            hdr[i] = t.hdr;
                            val[i] = t.val;
                            vals.0[i] = t.val;
                        }
                        b &= b - 1;
                    }
                    at.get(v)
                } else {
                    a
                };
                // The next slots gathered now, read by the next pass (the gather does not
                // wait for them).
                // SAFETY: the gather reads `mem` at indices clamped to `mem.len() - 1`
                // (below 2^28, so positive as signed 32-bit indices).
                let g = unsafe {
                    _mm512_mask_i32gather_epi32::<4>(
                        _mm512_setzero_si512(),
                        w,
                        _mm512_min_epu32(a, last),
                        p.cast(),
                    )
                };
                pend.set(v, g);
            }
            rounds += 1;
        }
        (at, off, behind)
    }
}

/// The 32 key bits from depth `o` (< 64), in the lanes where `o + 32` ≤ 64 and else the
/// bits up to 64 (the shifts give 0 for counts out of 0..32).
#[inline]
#[target_feature(enable = "avx512f")]
fn window(h0: __m512i, h1: __m512i, o: __m512i, c32: __m512i) -> __m512i {
    _mm512_ternarylogic_epi32::<0xFE>(
        _mm512_sllv_epi32(h0, o),
        _mm512_srlv_epi32(h1, _mm512_sub_epi32(c32, o)),
        _mm512_sllv_epi32(h1, _mm512_sub_epi32(o, c32)),
    )
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
