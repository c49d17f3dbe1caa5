//! The AVX-512 form of the [`Fib`] burst walk's first passes, sixteen lookups per vector:
//! the direct-pointing entries' fields gathered, the inline first level's word index by
//! vector popcount, the word gathered and decoded (leaf or node) with masks. Lookups that go
//! on into a node (a match longer than the direct-pointing bits + 6) finish in the scalar
//! node walk. Chosen at run time when the CPU has AVX-512F and VPOPCNTDQ; the portable walk
//! ([`Fib::burst_ids`]) is the same computation one lookup at a time.

use core::arch::x86_64::*;

use super::{Fib, K, NODE_WORDS};
use crate::route::walk::{prefetch, LEAF, NH_NONE};
use crate::route::{Address, Key, MAX_BURST};

/// Lanes of a vector (32-bit).
const L: usize = 16;

/// Whether this CPU runs [`Fib::burst_avx512`].
pub(super) fn detected() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512vpopcntdq")
        && std::is_x86_feature_detected!("popcnt")
}

impl<A: Address> Fib<A> {
    /// [`burst_ids`](Fib::burst_ids) with its direct-pointing and first-level passes in
    /// AVX-512 (same results, same prefetch schedule).
    #[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
    pub(super) fn burst_avx512<T>(
        &self,
        addrs: &[T],
        key: impl Fn(&T) -> A::Key + Copy,
        out: &mut [u32],
        none: u32,
    ) -> usize {
        let n = addrs.len().min(out.len()).min(MAX_BURST);
        let (addrs, out) = (&addrs[..n], &mut out[..n]);
        let dir = self.dir.as_slice();
        let mem = self.mem.as_slice();
        // Gather offsets are signed 32-bit: an arena beyond that (never built: 8 GiB) and an
        // empty array take the portable walk.
        if dir.is_empty() || mem.is_empty() || mem.len() > i32::MAX as usize || n == 0 {
            return self.burst_ids(addrs, key, out, none);
        }
        let s = self.s;
        // `dir.len()` is `1 << s` ≤ 2^18; any index masked with it is inside `dir`.
        let dmask = (dir.len() - 1) as u32;
        let mut cur = [0u32; MAX_BURST];
        let dir_bytes = dir.as_ptr().cast::<u8>();
        for (c, a) in cur.iter_mut().zip(addrs) {
            *c = key(a).chunk(0, s + K);
            prefetch(
                dir_bytes
                    .wrapping_add(((*c >> K & dmask) as usize) << 4)
                    .cast(),
            );
        }
        let chunks = n.div_ceil(L);
        // Per lookup, the arena index of its first-level word and its entry's leaf.
        let mut wix = [0u32; MAX_BURST];
        let mut leaf = [0u32; MAX_BURST];
        let mut is_leaf = [0u16; MAX_BURST / L];
        // Even and odd 32-bit halves of two vectors of 64-bit lanes.
        let even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        let odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
        for (j, isl) in is_leaf.iter_mut().enumerate().take(chunks) {
            let at = j * L;
            // SAFETY: `at + L ≤ MAX_BURST` (`j < chunks ≤ MAX_BURST / L`), so the loads and
            // stores stay inside the local arrays. Every gathered offset is
            // `2 * (index & dmask) + field` (field 0 or 1) in 64-bit words from the start of
            // `dir`: inside the entry `index & dmask` < `dir.len()` (16 bytes, `repr(C)`: the
            // run bitmap, then base and leaf), and below 2^19, so positive as a signed offset.
            unsafe {
                let c = _mm512_loadu_si512(cur.as_ptr().add(at).cast());
                let e =
                    _mm512_and_si512(_mm512_srli_epi32::<K>(c), _mm512_set1_epi32(dmask as i32));
                let off = _mm512_slli_epi32::<1>(e);
                let v = _mm512_and_si512(c, _mm512_set1_epi32(63));
                let d = dir.as_ptr().cast::<i64>();
                // One half of the lanes: the entries' run bitmaps and (base, leaf) pairs as
                // 64-bit lanes, the word index (base + runs up to the slot) in the low half.
                let half = |off: __m256i, v: __m256i| {
                    let bits = _mm512_i32gather_epi64::<8>(off, d);
                    let bl = _mm512_i32gather_epi64::<8>(off, d.add(1));
                    let sh = _mm512_sub_epi64(_mm512_set1_epi64(63), _mm512_cvtepu32_epi64(v));
                    let runs = _mm512_popcnt_epi64(_mm512_sllv_epi64(bits, sh));
                    (
                        _mm512_add_epi32(bl, runs),
                        _mm512_testn_epi64_mask(bits, bits),
                    )
                };
                let (x0, l0) = half(_mm512_castsi512_si256(off), _mm512_castsi512_si256(v));
                let (x1, l1) = half(
                    _mm512_extracti64x4_epi64::<1>(off),
                    _mm512_extracti64x4_epi64::<1>(v),
                );
                *isl = l0 as u16 | (l1 as u16) << 8;
                let w = _mm512_permutex2var_epi32(x0, even, x1);
                _mm512_storeu_si512(wix.as_mut_ptr().add(at).cast(), w);
                let lf = _mm512_permutex2var_epi32(x0, odd, x1);
                _mm512_storeu_si512(leaf.as_mut_ptr().add(at).cast(), lf);
            }
        }
        for &w in &wix[..n] {
            prefetch(mem.as_ptr().wrapping_add(w as usize));
        }
        let mut pend = [0u8; MAX_BURST];
        let mut np = 0usize;
        let mem_len = _mm512_set1_epi32(mem.len() as i32);
        for (j, &isl) in is_leaf.iter().enumerate().take(chunks) {
            let at = j * L;
            let valid: u16 = if n - at >= L {
                u16::MAX
            } else {
                (1u16 << (n - at)) - 1
            };
            // SAFETY: as above for the local arrays. The gather reads only the lanes of
            // `load`, whose index is below `mem.len()` (≤ i32::MAX, so a positive signed
            // offset): inside `mem`. The store writes only the `valid` lanes, `at..n`, inside
            // `out` (length `n`).
            let node = unsafe {
                let w = _mm512_loadu_si512(wix.as_ptr().add(at).cast());
                let load = !isl & _mm512_cmplt_epu32_mask(w, mem_len);
                let word = _mm512_mask_i32gather_epi32::<4>(
                    _mm512_set1_epi32((LEAF | NH_NONE) as i32),
                    load,
                    w,
                    mem.as_ptr().cast(),
                );
                let lf = _mm512_loadu_si512(leaf.as_ptr().add(at).cast());
                let x = _mm512_mask_blend_epi32(isl, word, lf);
                _mm512_storeu_si512(cur.as_mut_ptr().add(at).cast(), x);
                let nh = _mm512_and_si512(x, _mm512_set1_epi32(NH_NONE as i32));
                _mm512_mask_storeu_epi32(out.as_mut_ptr().add(at).cast(), valid, nh);
                _mm512_testn_epi32_mask(x, _mm512_set1_epi32(LEAF as i32)) & valid
            };
            // The lookups going on into a node, their header prefetched now with the next
            // line, where a first-level node's leaves are.
            let mut m = node as u32;
            while m != 0 {
                let i = at + m.trailing_zeros() as usize;
                pend[np & 63] = i as u8;
                np += 1;
                let p = mem.as_ptr().wrapping_add(cur[i & 63] as usize);
                prefetch(p);
                prefetch(p.wrapping_add(NODE_WORDS + 4));
                m &= m - 1;
            }
        }
        self.finish_burst(addrs, key, &mut cur, &mut pend, np, out, none)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::vec::Vec;

    use super::*;
    use crate::route::{Lpm, Prefix};

    /// A structure whose indices point outside its arena (first-level word, node, leaf) answers
    /// "no route" there from the AVX-512 walk as from the portable one, never reading outside.
    #[test]
    fn corrupt_indices_stay_inside_the_arrays() {
        if !detected() {
            std::eprintln!("skip: no AVX-512F + VPOPCNTDQ");
            return;
        }
        let mut l = Lpm::<Ipv4Addr>::new();
        // Enough routes for the 18-bit direct-pointing array; 10.0.0.0/16 gets a /24 (first
        // level) and a /28 (a node) in every other /18-entry.
        for i in 0..3000u32 {
            let a = Ipv4Addr::from_bits(0x0A00_0000 | (i << 8));
            l.insert_staged(Prefix::new(a, 24).unwrap(), i % 7).unwrap();
            if i % 2 == 0 {
                let b = Ipv4Addr::from_bits(0x0A00_0000 | (i << 8) | 0x40);
                l.insert_staged(Prefix::new(b, 28).unwrap(), 9).unwrap();
            }
        }
        l.commit();
        let good = (**l.fib()).clone();
        assert_eq!(good.s, 18);
        let keys: Vec<u32> = (0..4096u32)
            .map(|i| 0x0A00_0000 | (i << 6) | (i % 3) << 4)
            .collect();
        let len = good.mem.len() as u32;
        for bad in [len, len + 5, i32::MAX as u32, 0x8000_0000, u32::MAX - 3] {
            let mut f = good.clone();
            // Every non-leaf entry's words beyond the arena (also as a negative offset).
            for d in f.dir.iter_mut().filter(|d| d.bits != 0).step_by(2) {
                d.base = bad.wrapping_sub(1);
            }
            // Every other first-level node index beyond the arena.
            for d in good.dir.iter().filter(|d| d.bits != 0).skip(1).step_by(2) {
                let w = d.word(0) as usize;
                if f.mem[w] & LEAF == 0 {
                    f.mem[w] = bad & !LEAF;
                }
            }
            // Every key matches in the sound structure: a miss is a corrupt index.
            let mut misses = 0;
            for c in keys.chunks(MAX_BURST) {
                let (mut a, mut p) = ([0u32; MAX_BURST], [0u32; MAX_BURST]);
                // SAFETY: the CPU has the features (checked at the start).
                let ha = unsafe { f.burst_avx512(c, |k: &u32| *k, &mut a, u32::MAX) };
                let hp = f.burst_ids(c, |k: &u32| *k, &mut p, u32::MAX);
                assert_eq!((ha, a), (hp, p));
                assert_eq!(good.burst_ids(c, |k: &u32| *k, &mut p, u32::MAX), c.len());
                misses += c.len() - ha;
            }
            assert!(misses > 100, "{misses} lookups hit a corrupt index");
        }
    }
}
