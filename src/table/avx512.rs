//! The AVX-512 form of the pipeline's stages 1 and 2 ([`Table::pipe_candidate`]) for keys of
//! up to 16 bytes, eight keys per vector: the keyed hash, the tag and both buckets are computed
//! in 64-bit lanes, then each key's two tag groups are matched with one `vpcmpeqw` into a mask
//! register and its first candidate slot is prefetched, one key at a time.
//!
//! The key → (hash, tag, buckets) mapping is the scalar one, bit for bit (a test checks it for
//! random keys and bucket counts):
//! - the hash is one folded multiply (`hash.rs`): `lo ^ hi` of a 64 × 64 → 128-bit product.
//!   AVX-512 has no such multiply; the product is rebuilt from four `vpmuludq` 32 × 32 → 64
//!   partial products: with `x = xh·2³² + xl`, `y = yh·2³² + yl`, `mid = (xl·yl >> 32) +
//!   lo32(xl·yh) + lo32(xh·yl)` (below 3·2³², no overflow), `lo = mid << 32 | lo32(xl·yl)`
//!   and `hi = xh·yh + (xl·yh >> 32) + (xh·yl >> 32) + (mid >> 32)`;
//! - Lemire's range reduction `(h32 · n) >> 32` is one `vpmuludq` and a shift (`n` < 2³²);
//!   the second bucket's skip over the first is a compare into a mask and a masked add.
//!
//! Chosen at run time ([`detected`]: AVX-512F, BW, VL); the portable stage stays for every
//! other CPU, for other architectures and without `std`.

use core::arch::x86_64::*;

use super::group::{SLOTS, TAGS_LEN};
use super::{prefetch, Pod, SlotIdx, Table, NO_SLOT, PIPE_MAX};

/// Keys per vector (64-bit lanes).
const L: usize = 8;

/// Whether this CPU runs [`Table::pipe_candidates_wide`].
pub(crate) fn detected() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vl")
}

/// The keyed hash's fold of eight lanes: `lo ^ hi` of each 64 × 64 → 128-bit product.
#[inline]
#[target_feature(enable = "avx512f")]
fn fold8(x: __m512i, y: __m512i) -> __m512i {
    let lo32 = _mm512_set1_epi64(0xffff_ffff);
    let (xh, yh) = (_mm512_srli_epi64::<32>(x), _mm512_srli_epi64::<32>(y));
    // `vpmuludq` multiplies the low 32 bits of each lane.
    let ll = _mm512_mul_epu32(x, y);
    let lh = _mm512_mul_epu32(x, yh);
    let hl = _mm512_mul_epu32(xh, y);
    let hh = _mm512_mul_epu32(xh, yh);
    let mid = _mm512_add_epi64(
        _mm512_add_epi64(_mm512_srli_epi64::<32>(ll), _mm512_and_si512(lh, lo32)),
        _mm512_and_si512(hl, lo32),
    );
    let hi = _mm512_add_epi64(
        _mm512_add_epi64(hh, _mm512_srli_epi64::<32>(lh)),
        _mm512_add_epi64(_mm512_srli_epi64::<32>(hl), _mm512_srli_epi64::<32>(mid)),
    );
    // The low 32 bits from `ll`, the high 32 from `mid`'s low half.
    let lo = _mm512_mask_blend_epi32(0xaaaa, ll, _mm512_slli_epi64::<32>(mid));
    _mm512_xor_si512(lo, hi)
}

/// Hash words, tags and buckets of eight keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Probes8 {
    /// First buckets.
    b1: [u64; L],
    /// Second buckets.
    b2: [u64; L],
    /// The tags in the low 16 bits (the rest is hash bits, ignored).
    tag: [u64; L],
}

impl<K: Pod, V: Pod, M: AsRef<[u8]>> Table<K, V, M> {
    /// Whether [`pipe_candidates_wide`](Self::pipe_candidates_wide) may run: the CPU has its
    /// features and the keys are hashed as two words (at most 16 bytes).
    #[inline]
    pub(crate) fn pipe_wide(&self) -> bool {
        Self::KS <= 16 && detected()
    }

    /// The secret words a key's two hash words are XORed with, and the bucket count.
    #[inline(always)]
    fn wide_params(&self) -> (u64, u64, u64) {
        let (k0, k1) = self.hasher.short_key_words(Self::KS);
        (k0, k1, self.buckets as u64)
    }

    /// Probes of the eight keys whose hash words are `w0[at..at + 8]` and `w1[at..at + 8]`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn probes8(&self, w0: &[u64; L], w1: &[u64; L]) -> Probes8 {
        let (k0, k1, n) = self.wide_params();
        // SAFETY: unaligned loads of the eight words of `w0` and `w1`; AVX-512F is enabled
        // for this function.
        let (a, b) = unsafe {
            (
                _mm512_loadu_si512(w0.as_ptr().cast()),
                _mm512_loadu_si512(w1.as_ptr().cast()),
            )
        };
        let h = fold8(
            _mm512_xor_si512(a, _mm512_set1_epi64(k0 as i64)),
            _mm512_xor_si512(b, _mm512_set1_epi64(k1 as i64)),
        );
        // `first_of`: the first bucket from the low 32 bits, the tag the low 16 with bit 0.
        let one = _mm512_set1_epi64(1);
        let b1 = _mm512_srli_epi64::<32>(_mm512_mul_epu32(h, _mm512_set1_epi64(n as i64)));
        let tag = _mm512_or_si512(h, one);
        // `second_of`: from the high 32 bits onto the other `n - 1` buckets.
        let r = _mm512_srli_epi64::<32>(_mm512_mul_epu32(
            _mm512_srli_epi64::<32>(h),
            _mm512_set1_epi64(n as i64 - 1),
        ));
        let b2 = _mm512_mask_add_epi64(r, _mm512_cmpge_epu64_mask(r, b1), r, one);
        let mut p = Probes8::default();
        // SAFETY: unaligned stores of eight words into each array of `p`.
        unsafe {
            _mm512_storeu_si512(p.b1.as_mut_ptr().cast(), b1);
            _mm512_storeu_si512(p.b2.as_mut_ptr().cast(), b2);
            _mm512_storeu_si512(p.tag.as_mut_ptr().cast(), tag);
        }
        p
    }

    /// [`pipe_candidate`](Self::pipe_candidate) for keys `0..n` given by their hash words
    /// (`w0[i]`, `w1[i]`: the key's bytes 0..8 and 8.. as little-endian words, zero-extended,
    /// as the keyed hash reads a key of up to 16 bytes): `out[i]` gets key `i`'s first slot
    /// whose tag matches, prefetched when `PF`, or [`NO_SLOT`]. Lanes from `n` up to the next
    /// multiple of eight are computed and dropped. The caller checked
    /// [`pipe_wide`](Self::pipe_wide) and [`pipe_ready`](Self::pipe_ready) (without memory,
    /// every key gets [`NO_SLOT`]).
    #[target_feature(enable = "avx512f,avx512bw,avx512vl")]
    pub(crate) fn pipe_candidates_wide<const PF: bool>(
        &self,
        w0: &[u64; PIPE_MAX],
        w1: &[u64; PIPE_MAX],
        n: usize,
        out: &mut [SlotIdx; PIPE_MAX],
    ) {
        let n = n.min(PIPE_MAX);
        let Some(mem) = self.mem_ok() else {
            out[..n].fill(NO_SLOT);
            return;
        };
        let t = mem.as_ptr();
        let buckets = self.buckets as u64;
        let (c0, c1) = (w0.as_chunks::<L>().0, w1.as_chunks::<L>().0);
        let outs = out.as_chunks_mut::<L>().0;
        for (j, ((a, b), o)) in c0.iter().zip(c1).zip(outs).enumerate() {
            let at = j * L;
            if at >= n {
                break;
            }
            let p = self.probes8(a, b);
            for (k, o) in o.iter_mut().enumerate().take(n - at) {
                let (b1, b2, tag) = (p.b1[k], p.b2[k], p.tag[k] as u16);
                debug_assert!(b1 < buckets && b2 < buckets);
                // SAFETY: `b1 = (h32 · n) >> 32` with `h32 < 2³²` is below `n` (the bucket
                // count), and `b2 = r + (r >= b1)` with `r = (h32' · (n - 1)) >> 32 ≤ n - 2`
                // is at most `n - 1` — the scalar `first_of` / `second_of` arithmetic, which
                // the test `wide_probes_equal_scalar` checks lane for lane. So both tag groups
                // end at `buckets * TAGS_LEN <= self.base <= self.end <= mem.len()`
                // (`mem_ok`): both 16-byte loads are inside `mem`. AVX-512BW and VL are
                // enabled for this function.
                let m = unsafe {
                    let g1 = _mm_loadu_si128(t.add(b1 as usize * TAGS_LEN).cast());
                    let g2 = _mm_loadu_si128(t.add(b2 as usize * TAGS_LEN).cast());
                    let g = _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(g1), g2);
                    _mm256_cmpeq_epi16_mask(g, _mm256_set1_epi16(tag as i16))
                };
                *o = if m == 0 {
                    NO_SLOT
                } else {
                    // Bits 0–7: the first bucket's slots; 8–15: the second's.
                    let i = m.trailing_zeros() as usize;
                    let bucket = core::hint::select_unpredictable(i < SLOTS, b1, b2) as usize;
                    let x = bucket * SLOTS + i % SLOTS;
                    if PF {
                        let off = self.base + x * Self::SLOT;
                        prefetch(t, off);
                        if 64 % Self::SLOT != 0 {
                            prefetch(t, off + Self::SLOT - 1);
                        }
                    }
                    x as SlotIdx
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::TableBox;
    use proptest::prelude::*;
    use std::prelude::rust_2021::*;

    /// A key's two hash words as the keyed hash reads them (bytes 0..8 and 8.., zero-extended).
    fn words(kb: &[u8]) -> (u64, u64) {
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        let n = kb.len().min(8);
        a[..n].copy_from_slice(&kb[..n]);
        if kb.len() > 8 {
            b[..kb.len() - 8].copy_from_slice(&kb[8..]);
        }
        (u64::from_le_bytes(a), u64::from_le_bytes(b))
    }

    /// The vector probes of `keys` (a multiple of 8) against the scalar `probe`, lane for lane.
    fn check_probes<K: Pod>(t: &TableBox<K, u64>, keys: &[K]) -> Result<(), TestCaseError> {
        for chunk in keys.chunks_exact(L) {
            let mut w0 = [0u64; L];
            let mut w1 = [0u64; L];
            for (k, key) in chunk.iter().enumerate() {
                (w0[k], w1[k]) = words(key.as_bytes());
            }
            // SAFETY: the caller checked `detected()`.
            let p = unsafe { t.probes8(&w0, &w1) };
            for (k, key) in chunk.iter().enumerate() {
                let (b1, b2, tag) = t.probe_fingerprint(key);
                prop_assert_eq!(
                    (p.b1[k] as usize, p.b2[k] as usize, p.tag[k] as u16),
                    (b1, b2, tag)
                );
                // And against the hash itself: the 128-bit product computed with `u128`.
                let (x, y) = words(key.as_bytes());
                let (k0, k1, n) = t.wide_params();
                let r = u128::from(x ^ k0) * u128::from(y ^ k1);
                let h = (r as u64) ^ ((r >> 64) as u64);
                prop_assert_eq!(p.b1[k], ((h & 0xffff_ffff) * n) >> 32);
                prop_assert_eq!(p.tag[k] as u16, h as u16 | 1);
            }
        }
        Ok(())
    }

    proptest! {
        /// The vector stage gives exactly the scalar (hash, tag, buckets) for random keys of
        /// 10 and 16 bytes (the FDB's and the 16-byte tables') and random bucket counts.
        #[test]
        fn wide_probes_equal_scalar(
            cap in 1usize..200_000,
            seed in any::<u64>(),
            k10 in proptest::collection::vec(any::<[u8; 10]>(), 16),
            k16 in proptest::collection::vec(any::<[u8; 16]>(), 16),
        ) {
            if !detected() {
                return Ok(());
            }
            check_probes(&TableBox::<[u8; 10], u64>::with_capacity(cap, seed).unwrap(), &k10)?;
            check_probes(&TableBox::<[u8; 16], u64>::with_capacity(cap, seed).unwrap(), &k16)?;
            // Words with every carry of the partial products set.
            let edge = [[0xff; 16], [0; 16], [0x80; 16], [0x7f; 16], [0xff; 16], [1; 16], [0xfe; 16], [0x55; 16]];
            check_probes(&TableBox::<[u8; 16], u64>::with_capacity(cap, seed).unwrap(), &edge)?;
        }

        /// `pipe_candidates_wide` gives each key the slot `pipe_candidate` gives it, for present
        /// and absent keys and any count of keys (not only multiples of 8).
        #[test]
        fn wide_candidates_equal_scalar(
            cap in 1usize..3000,
            seed in any::<u64>(),
            present in proptest::collection::vec(any::<[u8; 10]>(), 0..3000),
            probe in proptest::collection::vec(any::<[u8; 10]>(), 0..=PIPE_MAX),
            pick in proptest::collection::vec(any::<prop::sample::Index>(), PIPE_MAX),
        ) {
            if !detected() {
                return Ok(());
            }
            let mut t = TableBox::<[u8; 10], u64>::with_capacity(cap, seed).unwrap();
            for (i, k) in present.iter().enumerate() {
                let _ = t.insert(*k, i as u64);
            }
            let keys: Vec<[u8; 10]> = probe
                .iter()
                .zip(&pick)
                .enumerate()
                .map(|(i, (k, p))| if i % 2 == 0 && !present.is_empty() { present[p.index(present.len())] } else { *k })
                .collect();
            let (mut w0, mut w1) = ([0u64; PIPE_MAX], [0u64; PIPE_MAX]);
            for (i, k) in keys.iter().enumerate() {
                (w0[i], w1[i]) = words(k);
            }
            let mut out = [0xdead; PIPE_MAX];
            prop_assert!(t.pipe_wide() && t.pipe_ready());
            // SAFETY: `detected()` is true (checked above).
            unsafe { t.pipe_candidates_wide::<true>(&w0, &w1, keys.len(), &mut out) };
            let mut out_nopf = [0xdead; PIPE_MAX];
            // SAFETY: as above.
            unsafe { t.pipe_candidates_wide::<false>(&w0, &w1, keys.len(), &mut out_nopf) };
            for (i, k) in keys.iter().enumerate() {
                let want = t.pipe_candidate::<false>(k);
                prop_assert_eq!(out[i], want);
                prop_assert_eq!(out_nopf[i], want);
                // And confirmed by the key, against the table's own lookup.
                let found = t.pipe_confirm(k, out[i]) != NO_SLOT;
                prop_assert_eq!(found, t.get(k).is_some());
            }
            // Entries past `n` are untouched.
            prop_assert!(out[keys.len()..].iter().all(|&x| x == 0xdead));
        }
    }
}
