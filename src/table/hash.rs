//! The table's keyed hash: a seeded folded-multiply mix (the wyhash / foldhash construction).
//!
//! `fold(a, b)` multiplies two 64-bit words into 128 bits and XORs the halves; every output bit
//! depends on every input bit of both words. A key of up to 16 bytes — every key the tables
//! use — is two words XORed with two secret seed words (the second also with a function of the
//! length) and folded once: one multiply, as foldhash's fast path does. A longer key folds its
//! 16-byte blocks into an accumulator and the result is folded once more with two other secret
//! words and the length. Either way the 64-bit result — and from it the bucket pair and the tag
//! the table derives — is a function of (secret seed, key) that an outsider who picks keys
//! cannot compute. (Short keys used to get the second fold too; dropping it cut a 10k-entry hit
//! from 59 to 56 instructions, and the fold is commutative either way, so the extra fold added
//! no secrecy: the keys colliding by symmetry, `(a, b)` and `(b ^ d, a ^ d)`, need the secret
//! `d` to be found.)
//!
//! What it is and is not: it is not a cryptographic PRF (SipHash is one, at 3–4× the cost). Its
//! HashDoS resistance is the one foldhash and aHash's fallback claim: without the 256-bit secret
//! (expanded from the caller's 64-bit seed by SplitMix64), the key → bucket map looks random, so
//! an attacker cannot precompute keys that share a bucket pair. Known weaknesses need the secret
//! (e.g. a block whose first word equals the seed word multiplies by zero) and so do not let a
//! remote peer aim. The table adds a structural bound on top: a lookup reads at most two buckets
//! whatever the key distribution, so even aimed collisions could only make *inserts* of the aimed
//! keys fail (`TableFull`), never make lookups of other keys slower.

/// wyhash's first prime (wyhash v4, `_wyp[0]`), used as a fixed mixing constant.
const P0: u64 = 0xa076_1d64_78bd_642f;
/// wyhash's second prime (`_wyp[1]`).
const P1: u64 = 0xe703_7ed1_a0b4_28db;

/// Multiplies into 128 bits and folds the halves with XOR.
#[inline(always)]
pub(crate) const fn fold(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

/// SplitMix64 (Steele, Lea, Flood 2014), used only to expand a 64-bit seed into four words.
const fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline(always)]
fn read_u64(b: &[u8], at: usize) -> u64 {
    match b.get(at..at + 8) {
        Some(s) => {
            let mut w = [0u8; 8];
            w.copy_from_slice(s);
            u64::from_le_bytes(w)
        }
        None => 0,
    }
}

/// The bytes of `b` from `at` (at most 8) as a little-endian word, zero-extended. For a
/// constant length this compiles to the loads that match how the key was stored (a 12-byte key
/// built as 8 + 4 bytes is read as 8 + 4), so the load is forwarded from the store buffer.
#[inline(always)]
fn read_tail(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    if let Some(t) = b.get(at..) {
        let n = t.len().min(8);
        w[..n].copy_from_slice(&t[..n]);
    }
    u64::from_le_bytes(w)
}

/// A keyed 64-bit hash over byte strings. Cheap to copy; holds only the expanded seed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeyedHash {
    k: [u64; 4],
    /// `k[2] ^ P1`, precomputed for the final fold.
    fin: u64,
}

impl core::fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The seed is a secret: never print it.
        f.write_str("KeyedHash { .. }")
    }
}

impl KeyedHash {
    /// Expands `seed` into the four secret words.
    pub const fn new(seed: u64) -> Self {
        let mut s = seed;
        let k = [
            splitmix(&mut s),
            splitmix(&mut s),
            splitmix(&mut s),
            splitmix(&mut s),
        ];
        KeyedHash { k, fin: k[2] ^ P1 }
    }

    /// The two secret words a key of `len <= 16` bytes is XORed with before its one fold:
    /// `hash(bytes) == fold(lo ^ w.0, hi ^ w.1)`, with `lo` its bytes 0..8 and `hi` the rest,
    /// each zero-extended ([`hash`](Self::hash) itself, and the AVX-512 burst stage, which
    /// hashes eight keys at once with them). The length, a constant for the table's fixed-size
    /// keys, is mixed into the second word so a key and its zero-extension still differ.
    #[inline(always)]
    pub(crate) fn short_words(&self, len: usize) -> (u64, u64) {
        debug_assert!(len <= 16);
        (self.k[0], self.k[1] ^ (len as u64).wrapping_mul(P0))
    }

    /// Hashes `bytes`. For fixed-size keys the length is a constant and the branches fold away:
    /// a key of up to 16 bytes costs two loads, one multiply and a few XORs.
    #[inline(always)]
    pub fn hash(&self, bytes: &[u8]) -> u64 {
        let [k0, k1, _, k3] = self.k;
        let len = bytes.len();
        if len <= 16 {
            // Non-overlapping reads: bytes 0..8 and 8..len (zero-extended).
            let (a, b) = if len >= 8 {
                (read_u64(bytes, 0), read_tail(bytes, 8))
            } else {
                (read_tail(bytes, 0), 0)
            };
            // One folded multiply is the whole hash of a short key (foldhash's fast path
            // does the same).
            let (w0, w1) = self.short_words(len);
            return fold(a ^ w0, b ^ w1);
        }
        let mut acc = k3;
        let mut chunks = bytes.chunks_exact(16);
        for c in &mut chunks {
            acc = fold(read_u64(c, 0) ^ k0 ^ acc, read_u64(c, 8) ^ k1);
        }
        if !chunks.remainder().is_empty() {
            // The last 16 bytes, overlapping the previous block (len > 16 here).
            let at = len - 16;
            acc = fold(read_u64(bytes, at) ^ k0 ^ acc, read_u64(bytes, at + 8) ^ k1);
        }
        fold(acc ^ self.fin, (len as u64) ^ k3 ^ P0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::format;
    use std::prelude::rust_2021::*;

    #[test]
    fn seed_changes_everything() {
        let a = KeyedHash::new(1);
        let b = KeyedHash::new(2);
        let key = [7u8; 16];
        assert_ne!(a.hash(&key), b.hash(&key));
        assert_eq!(a.hash(&key), KeyedHash::new(1).hash(&key));
    }

    #[test]
    fn all_lengths_distinct() {
        let h = KeyedHash::new(0x1234);
        let data: Vec<u8> = (0..100u8).collect();
        let mut seen = HashSet::new();
        for l in 0..=data.len() {
            assert!(seen.insert(h.hash(&data[..l])), "length {l} collided");
        }
    }

    /// Flipping any single input bit flips about half the output bits (avalanche), for the
    /// 16-byte keys the tables use most.
    #[test]
    fn avalanche_16_bytes() {
        let h = KeyedHash::new(0xdead_beef);
        let mut total = 0u32;
        let mut n = 0u32;
        for base in 0..64u64 {
            let mut key = [0u8; 16];
            key[..8].copy_from_slice(&base.wrapping_mul(P0).to_le_bytes());
            key[8..].copy_from_slice(&base.wrapping_mul(P1).to_le_bytes());
            let h0 = h.hash(&key);
            for bit in 0..128 {
                let mut k = key;
                k[bit / 8] ^= 1 << (bit % 8);
                total += (h.hash(&k) ^ h0).count_ones();
                n += 1;
            }
        }
        let mean = f64::from(total) / f64::from(n);
        assert!((28.0..36.0).contains(&mean), "mean flipped bits {mean}");
    }

    #[test]
    fn debug_hides_seed() {
        assert_eq!(format!("{:?}", KeyedHash::new(99)), "KeyedHash { .. }");
    }
}
