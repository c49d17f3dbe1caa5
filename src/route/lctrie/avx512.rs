//! The AVX-512 burst walk of an [`LcTrie`]: the lookups of a burst as eight vectors of eight
//! 64-bit lanes, walked one pass per level like the portable walk, but eight lookups per
//! instruction: one gather reads the slots of a vector's walking lanes, the next slot is
//! computed with variable vector shifts, and a lane that reached a leaf is masked off.
//!
//! Per lane: the key as two 64-bit halves, the slot to read, the depth after it, and behind
//! a skip node the header to check (0: none) with the key's value of the bits skipped. The 64
//! bits of the key from depth `off` are `khi << off | klo >> (64 - off) | klo << (off - 64)`,
//! each shift giving 0 when its count is out of 0..64 (`vpsllvq`, `vpsrlvq`), so a walk past
//! bit 64 needs no branch. Slots read are clamped into the arena, so that a gather never
//! reads outside it whatever the entries hold.

use core::arch::x86_64::*;

use super::{Address, LcTrie, HDR, IDX_MASK, LEAF, MAX_BURST, SKIP, SKIP_IDX_MASK, UNIT};
use super::{SKIP_LEN_SHIFT, SKIP_STRIDE_SHIFT, STRIDE_SHIFT};
use crate::route::walk::prefetch;

/// Lanes per vector, and vectors per burst.
const LANES: usize = 8;
const VECS: usize = MAX_BURST / LANES;

/// A vector of lane state (`#[repr(align(64))]` so that its loads and stores are aligned).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct V([u64; LANES]);

impl V {
    const ZERO: V = V([0; LANES]);
}

impl<A: Address> LcTrie<A> {
    /// [`walk_burst`](LcTrie::walk_burst) with AVX-512 (see the module doc).
    ///
    /// # Safety
    ///
    /// The CPU must have AVX-512F, AVX-512VL and BMI2.
    #[target_feature(enable = "avx512f,avx512vl,bmi2")]
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
        let p = mem.as_ptr();
        let mut khi = [V::ZERO; VECS];
        let mut klo = [V::ZERO; VECS];
        for (v, c) in addrs.chunks(LANES).enumerate() {
            let (Some(h), Some(l)) = (khi.get_mut(v), klo.get_mut(v)) else {
                break;
            };
            for ((a, h), l) in c.iter().zip(&mut h.0).zip(&mut l.0) {
                let k = super::wide(conv(*a).to_key());
                *h = (k >> 64) as u64;
                *l = k as u64;
            }
        }
        // The root pass reads slot `khi >> (64 - s)` with depth `s` after it.
        let mut at = [V::ZERO; VECS];
        let mut off = [V::ZERO; VECS];
        let mut hdr = [V::ZERO; VECS];
        let mut val = [V::ZERO; VECS];
        let mut walking = [0u8; VECS];
        let s = _mm512_set1_epi64(self.s as i64);
        let rs = _mm512_set1_epi64(64 - self.s as i64);
        for v in 0..VECS {
            let n = addrs.len().saturating_sub(v * LANES).min(LANES);
            walking[v] = ((1u32 << n) - 1) as u8;
            // SAFETY: `V` is 64 bytes, aligned to 64.
            unsafe {
                let h = _mm512_load_si512(khi[v].0.as_ptr().cast());
                _mm512_store_si512(at[v].0.as_mut_ptr().cast(), _mm512_srlv_epi64(h, rs));
                _mm512_store_si512(off[v].0.as_mut_ptr().cast(), s);
            }
        }
        let last = _mm512_set1_epi64(mem.len() as i64 - 1);
        let last_hdr = _mm512_set1_epi64(mem.len() as i64 - 2);
        let c64 = _mm512_set1_epi64(64);
        let low = _mm512_set1_epi64(u32::MAX as i64);
        let leaf = _mm512_set1_epi64(LEAF as i64);
        let skip_bit = _mm512_set1_epi64(SKIP as i64);
        let one = _mm512_set1_epi64(1);
        let idx_plain = _mm512_set1_epi64(IDX_MASK as i64);
        let idx_skip = _mm512_set1_epi64(SKIP_IDX_MASK as i64);
        let m15 = _mm512_set1_epi64(15);
        let m7 = _mm512_set1_epi64(7);
        let m31 = _mm512_set1_epi64(31);
        let hdr_words = _mm512_set1_epi64(HDR as i64);
        let mut rounds = 0;
        while walking.iter().any(|&m| m != 0) && rounds <= 128 {
            for v in 0..VECS {
                let m = walking[v];
                if m == 0 {
                    continue;
                }
                let cp = cur[v * LANES..].as_mut_ptr();
                // SAFETY: the `V` arrays are 64 bytes, aligned to 64; `cur` has the 8 words
                // from `cp` (`v < VECS`); the gathers read `mem` at indices clamped to
                // `mem.len() - 1` (one word) and `mem.len() - 2` (two words), inside it.
                unsafe {
                    let a = _mm512_min_epu64(_mm512_load_si512(at[v].0.as_ptr().cast()), last);
                    let old = _mm256_loadu_si256(cp.cast());
                    let e = _mm512_mask_i64gather_epi32::<4>(old, m, a, p.cast());
                    let h = _mm512_load_si512(hdr[v].0.as_ptr().cast());
                    let hm = m & _mm512_test_epi64_mask(h, h);
                    let e = if hm != 0 {
                        // Behind a skip node: the header's mismatch leaf where the key's
                        // skipped bits differ from its value.
                        let h = _mm512_min_epu64(h, last_hdr);
                        let w = _mm512_mask_i64gather_epi64::<4>(
                            _mm512_setzero_si512(),
                            hm,
                            h,
                            p.cast(),
                        );
                        let want = _mm512_load_si512(val[v].0.as_ptr().cast());
                        let miss = hm & _mm512_cmpneq_epu64_mask(_mm512_and_si512(w, low), want);
                        _mm256_mask_mov_epi32(
                            e,
                            miss,
                            _mm512_cvtepi64_epi32(_mm512_srli_epi64::<32>(w)),
                        )
                    } else {
                        e
                    };
                    _mm256_storeu_si256(cp.cast(), e);
                    let e = _mm512_cvtepu32_epi64(e);
                    let w = m & _mm512_testn_epi64_mask(e, leaf);
                    walking[v] = w;
                    if w == 0 {
                        continue;
                    }
                    // Decode the pointers (plain, or skip when `sk`).
                    let sk = _mm512_test_epi64_mask(e, skip_bit);
                    let st = _mm512_mask_blend_epi64(
                        sk,
                        _mm512_and_si512(_mm512_srli_epi64::<STRIDE_SHIFT>(e), m15),
                        _mm512_and_si512(_mm512_srli_epi64::<SKIP_STRIDE_SHIFT>(e), m7),
                    );
                    let st = _mm512_add_epi64(st, one);
                    let b = _mm512_and_si512(e, _mm512_mask_blend_epi64(sk, idx_plain, idx_skip));
                    let b = _mm512_slli_epi64::<{ UNIT.trailing_zeros() }>(b);
                    let skip = _mm512_maskz_add_epi64(
                        sk,
                        _mm512_and_si512(_mm512_srli_epi64::<SKIP_LEN_SHIFT>(e), m31),
                        one,
                    );
                    // The 64 key bits from the depth of this node.
                    let o = _mm512_load_si512(off[v].0.as_ptr().cast());
                    let hi = _mm512_load_si512(khi[v].0.as_ptr().cast());
                    let lo = _mm512_load_si512(klo[v].0.as_ptr().cast());
                    let t = _mm512_or_si512(
                        _mm512_sllv_epi64(hi, o),
                        _mm512_or_si512(
                            _mm512_srlv_epi64(lo, _mm512_sub_epi64(c64, o)),
                            _mm512_sllv_epi64(lo, _mm512_sub_epi64(o, c64)),
                        ),
                    );
                    let sv = _mm512_srlv_epi64(t, _mm512_sub_epi64(c64, skip));
                    let slot = _mm512_srlv_epi64(
                        _mm512_sllv_epi64(t, skip),
                        _mm512_sub_epi64(c64, st),
                    );
                    let next = _mm512_add_epi64(b, slot);
                    let hd = _mm512_maskz_sub_epi64(sk, b, hdr_words);
                    _mm512_store_si512(at[v].0.as_mut_ptr().cast(), next);
                    _mm512_store_si512(
                        off[v].0.as_mut_ptr().cast(),
                        _mm512_add_epi64(o, _mm512_add_epi64(skip, st)),
                    );
                    _mm512_store_si512(hdr[v].0.as_mut_ptr().cast(), hd);
                    _mm512_store_si512(val[v].0.as_mut_ptr().cast(), sv);
                    // Every lane's slot (a finished lane's is garbage: a prefetch never faults),
                    // without a branch per lane; headers only where there are skip nodes.
                    for &a in &at[v].0 {
                        prefetch(p.wrapping_add(a as usize));
                    }
                    if w & sk != 0 {
                        for &h in &hdr[v].0 {
                            prefetch(p.wrapping_add(h as usize));
                        }
                    }
                }
            }
            rounds += 1;
        }
    }
}
