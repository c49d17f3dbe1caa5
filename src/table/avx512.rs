//! Pipeline stages 1 and 2 ([`PipeView::candidate`]) for eight keys at once, on AVX-512: the
//! keyed hash, the bucket pair, the tag match of both groups and the candidate slot's address,
//! each a handful of vector instructions for all eight keys where the scalar stage spends
//! about 35 instructions per key.
//!
//! The FDB's burst runs it on its 128 keys (`l2/fdb.rs`, with the figures): ≈ 25 instructions
//! a frame against ≈ 78 for the scalar stage, bound by its dependency chain (gathers, then
//! multiplies, then gathers) rather than by µops; ≈ 4.8 against ≈ 7 ns a frame with the
//! table in cache.
//!
//! Same result as the scalar stage, key for key (`tests::candidates8_agree_with_the_scalar_stage`,
//! `tests::fold8_is_the_scalar_fold`):
//! - the hash is [`KeyedHash::hash`](super::KeyedHash::hash)'s one fold, its 64 × 64 → 128-bit
//!   product built from four 32 × 32 → 64-bit ones (`vpmuludq`);
//! - the buckets are `hot_of_hash`'s, with the same multiplies on the hash's halves;
//! - the tag groups are gathered as four quarters (slots 0–3 and 4–7 of each bucket), matched
//!   with `vpcmpeqw` into masks whose nibbles `pdep` and one byte interleave assemble into each
//!   key's 16-bit match mask, slot `i` of the first bucket at bit `i` and of the second at
//!   `8 + i`, as `group::match_pair`'s;
//! - the first match is its trailing-zero count (`popcnt(!m & (m - 1))`), and a key with no
//!   match gets the caller's sentinel address.

use core::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_and_si512, _mm512_andnot_si512, _mm512_cmpeq_epi16_mask,
    _mm512_cmplt_epu64_mask, _mm512_cvtepu16_epi64, _mm512_i64gather_epi64,
    _mm512_mask_blend_epi64, _mm512_mask_mov_epi64, _mm512_mask_sub_epi64, _mm512_mul_epu32,
    _mm512_or_si512, _mm512_popcnt_epi64, _mm512_set1_epi64, _mm512_setr_epi64,
    _mm512_shuffle_epi8, _mm512_sll_epi64, _mm512_slli_epi64, _mm512_srli_epi64, _mm512_sub_epi64,
    _mm512_ternarylogic_epi64, _mm512_testn_epi64_mask, _mm512_xor_si512, _mm_cvtsi64_si128,
    _mm_unpacklo_epi8, _pdep_u64,
};

use super::{PipeView, Pod, SLOTS, TAGS_LEN};

/// `_mm512_ternarylogic_epi64`'s truth table for `a ? b : c`, bit by bit.
pub(crate) const SELECT: i32 = 0xca;

/// Whether this CPU runs [`PipeView::candidates8`] (and the FDB's AVX-512 stage).
pub(crate) fn detected() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vpopcntdq")
        && std::is_x86_feature_detected!("bmi2")
}

/// [`fold`](super::hash::fold) of eight word pairs: the 128-bit product of `x` and `y` from
/// four 32 × 32-bit ones, its halves XORed.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fold8(x: __m512i, y: __m512i) -> __m512i {
    let low32 = _mm512_set1_epi64(0xffff_ffff);
    let (x1, y1) = (_mm512_srli_epi64::<32>(x), _mm512_srli_epi64::<32>(y));
    let p00 = _mm512_mul_epu32(x, y);
    let p01 = _mm512_mul_epu32(x, y1);
    let p10 = _mm512_mul_epu32(x1, y);
    let p11 = _mm512_mul_epu32(x1, y1);
    // The product's bits 32..64 with the carries into bit 64: below 3 · 2^32, so the carry
    // into the high half is `t >> 32`.
    let t = _mm512_add_epi64(
        _mm512_add_epi64(_mm512_srli_epi64::<32>(p00), _mm512_and_si512(p01, low32)),
        _mm512_and_si512(p10, low32),
    );
    let lo = _mm512_ternarylogic_epi64::<SELECT>(low32, p00, _mm512_slli_epi64::<32>(t));
    let hi = _mm512_add_epi64(
        _mm512_add_epi64(p11, _mm512_srli_epi64::<32>(t)),
        _mm512_add_epi64(_mm512_srli_epi64::<32>(p01), _mm512_srli_epi64::<32>(p10)),
    );
    _mm512_xor_si512(lo, hi)
}

impl<K: Pod, V: Pod> PipeView<'_, K, V> {
    const KS: usize = core::mem::size_of::<K>();
    /// log2 of the slot size (a power of two: asserted where used).
    const SLOT_SHIFT: u32 = Self::SLOT.trailing_zeros();

    /// [`candidate`](Self::candidate) for eight keys of 9 to 16 bytes, given as their bytes
    /// 0..8 (`lo`) and the rest zero-extended (`hi`), one key per lane: each lane of the
    /// answer is the key's candidate slot address, or `none` when no tag matches. No
    /// prefetch (the caller issues them from the addresses).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vpopcntdq,bmi2")]
    pub(crate) fn candidates8(&self, lo: __m512i, hi: __m512i, none: *mut u8) -> __m512i {
        const {
            assert!(Self::KS > 8 && Self::KS <= 16);
            assert!(Self::SLOT.is_power_of_two());
            assert!(SLOTS == 8 && TAGS_LEN == 16);
        }
        let (k0, k1) = self.hasher.short_words(Self::KS);
        let h = fold8(
            _mm512_xor_si512(lo, _mm512_set1_epi64(k0 as i64)),
            _mm512_xor_si512(hi, _mm512_set1_epi64(k1 as i64)),
        );
        // `hot_of_hash`: both buckets times 8, the second one less 8 when below the first.
        let low = _mm512_set1_epi64(!(SLOTS as i64 - 1));
        let eight = _mm512_set1_epi64(SLOTS as i64);
        let n = _mm512_set1_epi64(self.buckets as i64);
        let n_m1 = _mm512_set1_epi64(self.buckets_m1 as i64);
        let g1 = _mm512_and_si512(_mm512_srli_epi64::<29>(_mm512_mul_epu32(h, n)), low);
        let r = _mm512_and_si512(
            _mm512_srli_epi64::<29>(_mm512_mul_epu32(_mm512_srli_epi64::<32>(h), n_m1)),
            low,
        );
        let g2m = _mm512_mask_sub_epi64(r, _mm512_cmplt_epu64_mask(r, g1), r, eight);
        // The tag (hash | 1, low 16 bits) in all four words of its lane.
        // (`vpshufb` works within 128-bit lanes: a lane's first qword takes its bytes 0 and 1,
        // its second qword bytes 8 and 9.)
        let (even, odd) = (0x0100_0100_0100_0100, 0x0908_0908_0908_0908);
        let ctrl = _mm512_setr_epi64(even, odd, even, odd, even, odd, even, odd);
        let tag = _mm512_shuffle_epi8(_mm512_or_si512(h, _mm512_set1_epi64(1)), ctrl);
        // Group `g` of a key is at `tags + 2 g` (group index times 8 is `g`), the second
        // bucket's at `tags + 2 (g2m + 8)`.
        let tags = self.tags.cast_const();
        // SAFETY: every lane of `g1` is below `8 * buckets` and of `g2m + 8` too
        // (`hot_of_hash`'s bound, the same multiplies), so each gathered 8 bytes lie in the
        // tag groups, `buckets * TAGS_LEN` bytes from `tags` that the view's memory covers
        // (`Table::pipe_view`); `i64` loads in a gather need no alignment.
        #[allow(unsafe_code)]
        let (a, b, c, d) = unsafe {
            (
                _mm512_i64gather_epi64::<2>(g1, tags.cast::<i64>()),
                _mm512_i64gather_epi64::<2>(g1, tags.wrapping_add(8).cast::<i64>()),
                _mm512_i64gather_epi64::<2>(g2m, tags.wrapping_add(16).cast::<i64>()),
                _mm512_i64gather_epi64::<2>(g2m, tags.wrapping_add(24).cast::<i64>()),
            )
        };
        // Lane `k`'s four slots of each quarter are mask bits `4k..4k + 4`; `pdep` puts them in
        // nibbles of byte `k`, the interleave makes byte pairs, i.e. each key's 16-bit mask.
        // (Both groups are read at once: reading the second only for the keys with no match
        // in the first, a masked gather after the first's compare, saves a quarter of the tag
        // reads but lengthens the chain: the stage measured 4.8 → 5.7 ns per frame at 10k.)
        let (ma, mb) = (
            u64::from(_mm512_cmpeq_epi16_mask(a, tag)),
            u64::from(_mm512_cmpeq_epi16_mask(b, tag)),
        );
        let (mc, md) = (
            u64::from(_mm512_cmpeq_epi16_mask(c, tag)),
            u64::from(_mm512_cmpeq_epi16_mask(d, tag)),
        );
        const LOW_NIBBLES: u64 = 0x0f0f_0f0f_0f0f_0f0f;
        let first = _pdep_u64(ma, LOW_NIBBLES) | _pdep_u64(mb, !LOW_NIBBLES);
        let second = _pdep_u64(mc, LOW_NIBBLES) | _pdep_u64(md, !LOW_NIBBLES);
        let m = _mm512_cvtepu16_epi64(_mm_unpacklo_epi8(
            _mm_cvtsi64_si128(first as i64),
            _mm_cvtsi64_si128(second as i64),
        ));
        // The first match: trailing zeros of `m` (64 when none).
        let one = _mm512_set1_epi64(1);
        let i = _mm512_popcnt_epi64(_mm512_andnot_si512(m, _mm512_sub_epi64(m, one)));
        let base = _mm512_mask_blend_epi64(_mm512_cmplt_epu64_mask(i, eight), g2m, g1);
        let shift = _mm_cvtsi64_si128(i64::from(Self::SLOT_SHIFT));
        let p = _mm512_add_epi64(
            _mm512_set1_epi64(self.slots as i64),
            _mm512_sll_epi64(_mm512_add_epi64(base, i), shift),
        );
        _mm512_mask_mov_epi64(
            p,
            _mm512_testn_epi64_mask(m, m),
            _mm512_set1_epi64(none as i64),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::hash::fold;
    use crate::table::Table;
    use core::arch::x86_64::_mm512_loadu_si512;
    use std::eprintln;
    use std::prelude::rust_2021::*;

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    fn lanes(v: __m512i) -> [u64; 8] {
        // SAFETY: `__m512i` and `[u64; 8]` are both 64 plain bytes.
        #[allow(unsafe_code)]
        unsafe {
            core::mem::transmute::<__m512i, [u64; 8]>(v)
        }
    }

    fn vector(w: &[u64; 8]) -> __m512i {
        // SAFETY: AVX-512F (the callers checked `detected`); `w` is 64 readable bytes, read
        // unaligned.
        #[allow(unsafe_code)]
        unsafe {
            _mm512_loadu_si512(w.as_ptr().cast())
        }
    }

    /// `fold8` is `fold` lane by lane: random words and the carry edge cases (all ones, one
    /// word zero, halves that carry into the high product).
    #[test]
    fn fold8_is_the_scalar_fold() {
        if !detected() {
            eprintln!("SKIP: this CPU has no AVX-512 F/BW/VPOPCNTDQ + BMI2");
            return;
        }
        let mut s = 0x1234_5678_9abc_def1u64;
        let edge = [
            0,
            1,
            u64::MAX,
            u64::MAX - 1,
            0xffff_ffff,
            1 << 32,
            0x8000_0000_8000_0000,
        ];
        for round in 0..2000 {
            let (mut a, mut b) = ([0u64; 8], [0u64; 8]);
            for i in 0..8 {
                a[i] = if round % 3 == 0 {
                    edge[(i + round) % edge.len()]
                } else {
                    xorshift(&mut s)
                };
                b[i] = if round % 5 == 0 {
                    edge[(3 * i + round) % edge.len()]
                } else {
                    xorshift(&mut s)
                };
            }
            // SAFETY: the CPU has AVX-512F (checked above).
            #[allow(unsafe_code)]
            let got = lanes(unsafe { fold8(vector(&a), vector(&b)) });
            for i in 0..8 {
                assert_eq!(got[i], fold(a[i], b[i]), "{:#x} {:#x}", a[i], b[i]);
            }
        }
    }

    /// `candidates8` gives, lane by lane, the scalar stage's candidate (`PipeView::candidate`,
    /// itself checked against the table's full search in `l2::fdb`'s tests), for a table at
    /// capacity and keys present and absent: the same address, the sentinel when no tag
    /// matches, and the first of several matches (tag collisions, counted so the test knows it
    /// met some).
    fn agrees<K: Pod, V: Pod>(key: impl Fn(u64) -> K, val: V) {
        let capacity = 20_000;
        let mut t = Table::<K, V, _>::with_capacity(capacity, 0x5eed).unwrap();
        let mut i = 0;
        while t.len() < capacity {
            t.insert(key(i), val).unwrap();
            i += 1;
        }
        let present = i;
        let mut sentinel = [0u8; 64];
        let none = sentinel.as_mut_ptr();
        let view = t.pipe_view().unwrap();
        let (mut s, mut collisions) = (0x9e37_79b9_7f4a_7c15u64, 0);
        for _ in 0..30_000 {
            let keys: [K; 8] = core::array::from_fn(|_| {
                let r = xorshift(&mut s);
                // Half present, half absent.
                key(if r & 1 == 0 {
                    r % present
                } else {
                    present + r % (1 << 40)
                })
            });
            let (mut lo, mut hi) = ([0u64; 8], [0u64; 8]);
            for (k, key) in keys.iter().enumerate() {
                let b = key.as_bytes();
                let mut w = [0u8; 16];
                w[..b.len()].copy_from_slice(b);
                lo[k] = u64::from_le_bytes(w[..8].try_into().unwrap());
                hi[k] = u64::from_le_bytes(w[8..].try_into().unwrap());
            }
            // SAFETY: the CPU has the features (checked by the callers).
            #[allow(unsafe_code)]
            let got = lanes(unsafe { view.candidates8(vector(&lo), vector(&hi), none) });
            for (k, key) in keys.iter().enumerate() {
                let want = view.candidate::<false>(key, none);
                assert_eq!(got[k], want as u64, "lane {k}");
                if want != none {
                    // SAFETY: a candidate other than `none` is a slot of the view's table.
                    #[allow(unsafe_code)]
                    let stored =
                        unsafe { core::slice::from_raw_parts(want, core::mem::size_of::<K>()) };
                    collisions += usize::from(stored != key.as_bytes());
                }
            }
        }
        assert!(
            collisions > 0,
            "no tag collision met: the first-match order went untested"
        );
    }

    #[test]
    fn candidates8_agree_with_the_scalar_stage() {
        if !detected() {
            eprintln!("SKIP: this CPU has no AVX-512 F/BW/VPOPCNTDQ + BMI2");
            return;
        }
        // The FDB's shape (10-byte keys, 32-byte slots) and the widest key (16 bytes).
        agrees(
            |i: u64| -> [u8; 10] {
                let mut k = [7u8; 10];
                k[..8].copy_from_slice(&i.to_le_bytes());
                k
            },
            [1u8; 22],
        );
        agrees(
            |i: u64| -> [u8; 16] {
                let mut k = [0xa5u8; 16];
                k[3..11].copy_from_slice(&i.to_le_bytes());
                k
            },
            [2u8; 16],
        );
    }
}
