//! The Internet checksum: RFC 1071 full sum, IPv4/IPv6 pseudo-headers, RFC 1624 incremental update.
//!
//! The full sum adds 32-bit native-endian words into a 64-bit accumulator, which the compiler
//! vectorizes; RFC 1071 §2(B) (byte-order independence) lets us swap once at the end instead of
//! per word. Incremental updates use RFC 1624 eqn. 3, `HC' = ~(~HC + ~m + m')`, which is
//! what NAT uses to rewrite an address or a port without touching the payload.

/// A running one's-complement sum. Feed it with `add_*`, then [`Checksum::finish`].
///
/// Each [`Checksum::add_bytes`] call treats its slice as starting on a 16-bit boundary of the
/// summed data; only the last slice fed may have an odd length (it is padded with a zero byte,
/// RFC 1071 §4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    /// Sum of big-endian 16-bit words, not yet folded.
    acc: u64,
}

impl Checksum {
    /// An empty sum.
    #[inline]
    pub const fn new() -> Self {
        Checksum { acc: 0 }
    }

    /// Adds `data` as a sequence of big-endian 16-bit words.
    #[inline]
    pub fn add_bytes(&mut self, data: &[u8]) -> &mut Self {
        self.acc = self
            .acc
            .wrapping_add(u64::from(fold64(sum_ne(data)).swap_bytes_if_le()));
        self
    }

    /// Adds one 16-bit word given as a host integer.
    #[inline]
    pub fn add_u16(&mut self, word: u16) -> &mut Self {
        self.acc += u64::from(word);
        self
    }

    /// Adds one 32-bit value given as a host integer (as two 16-bit words).
    #[inline]
    pub fn add_u32(&mut self, word: u32) -> &mut Self {
        self.acc += u64::from(word >> 16) + u64::from(word & 0xffff);
        self
    }

    /// The folded 16-bit one's-complement sum, not complemented.
    #[inline]
    pub fn sum(&self) -> u16 {
        fold64(self.acc)
    }

    /// The checksum to store in a header: the complement of the folded sum.
    ///
    /// Computing this over data that already contains a correct checksum gives 0.
    #[inline]
    pub fn finish(&self) -> u16 {
        !self.sum()
    }
}

/// The checksum of `data` (RFC 1071): the complement of its one's-complement sum.
#[inline]
pub fn internet_checksum(data: &[u8]) -> u16 {
    Checksum::new().add_bytes(data).finish()
}

/// True when `data`, which contains its own checksum field, sums to all ones (RFC 1071 §1(4)).
#[inline]
pub fn verify(data: &[u8]) -> bool {
    internet_checksum(data) == 0
}

/// The IPv4 pseudo-header sum (RFC 768, RFC 9293 §3.1): source, destination, zero, protocol,
/// upper-layer length.
#[inline]
pub fn pseudo_header_v4(src: [u8; 4], dst: [u8; 4], protocol: u8, upper_len: u16) -> Checksum {
    let mut c = Checksum::new();
    c.add_u32(u32::from_be_bytes(src))
        .add_u32(u32::from_be_bytes(dst))
        .add_u16(u16::from(protocol))
        .add_u16(upper_len);
    c
}

/// The IPv6 pseudo-header sum (RFC 8200 §8.1): source, destination, 32-bit upper-layer length,
/// zero, next header.
#[inline]
pub fn pseudo_header_v6(
    src: &[u8; 16],
    dst: &[u8; 16],
    next_header: u8,
    upper_len: u32,
) -> Checksum {
    let mut c = Checksum::new();
    for a in [src, dst] {
        for w in a.chunks_exact(4) {
            c.add_u32(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
        }
    }
    c.add_u32(upper_len).add_u16(u16::from(next_header));
    c
}

/// RFC 1624 eqn. 3: the new checksum after one 16-bit word of the covered data changed
/// from `old` to `new`. `HC' = ~(~HC + ~m + m')`.
#[inline]
pub fn update_u16(checksum: u16, old: u16, new: u16) -> u16 {
    let sum = u32::from(!checksum) + u32::from(!old) + u32::from(new);
    !fold32(sum)
}

/// RFC 1624 for a 32-bit field (an IPv4 address) changed from `old` to `new`.
#[inline]
pub fn update_u32(checksum: u16, old: [u8; 4], new: [u8; 4]) -> u16 {
    let (o, n) = (u32::from_be_bytes(old), u32::from_be_bytes(new));
    let sum = u64::from(!checksum)
        + u64::from(!(o >> 16) & 0xffff)
        + u64::from(!o & 0xffff)
        + u64::from(n >> 16)
        + u64::from(n & 0xffff);
    !fold64(sum)
}

/// RFC 1624 for a run of covered bytes (an IPv6 address, a MAC, ...) changed from `old` to `new`.
/// Both slices must have the same even length and start on a 16-bit boundary of the covered data.
/// Returns `None` if the lengths differ or are odd.
#[inline]
pub fn update_bytes(checksum: u16, old: &[u8], new: &[u8]) -> Option<u16> {
    if old.len() != new.len() || !old.len().is_multiple_of(2) {
        return None;
    }
    // ~m summed equals ~(sum m) in one's-complement arithmetic.
    let old_sum = Checksum::new().add_bytes(old).sum();
    let new_sum = Checksum::new().add_bytes(new).sum();
    let sum = u32::from(!checksum) + u32::from(!old_sum) + u32::from(new_sum);
    Some(!fold32(sum))
}

/// Sums `data` as native-endian 32-bit words (plus a padded tail) into a u64 that cannot
/// overflow for any slice shorter than 2^34 bytes.
#[inline]
fn sum_ne(data: &[u8]) -> u64 {
    let mut chunks = data.chunks_exact(32);
    let mut acc = [0u64; 8];
    for c in &mut chunks {
        for (i, a) in acc.iter_mut().enumerate() {
            *a += u64::from(u32::from_ne_bytes([
                c[4 * i],
                c[4 * i + 1],
                c[4 * i + 2],
                c[4 * i + 3],
            ]));
        }
    }
    let mut sum: u64 = acc.iter().sum();
    let rest = chunks.remainder();
    let mut words = rest.chunks_exact(4);
    for w in &mut words {
        sum += u64::from(u32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
    }
    let tail = words.remainder();
    // The tail holds 0..=3 bytes at a 4-byte-aligned offset; pad to a word with zeros on the
    // right, in memory order, so it sums like the RFC's zero-padded final byte.
    let mut last = [0u8; 4];
    last[..tail.len()].copy_from_slice(tail);
    sum + u64::from(u32::from_ne_bytes(last))
}

/// Folds a 64-bit sum of 16-bit words to 16 bits with end-around carry.
#[inline(always)]
fn fold64(mut s: u64) -> u16 {
    s = (s & 0xffff_ffff) + (s >> 32);
    s = (s & 0xffff_ffff) + (s >> 32);
    fold32(s as u32)
}

#[inline(always)]
fn fold32(mut s: u32) -> u16 {
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s as u16
}

trait SwapIfLe {
    fn swap_bytes_if_le(self) -> Self;
}

impl SwapIfLe for u16 {
    /// A sum of native-endian words equals the byte-swapped sum of big-endian words on a
    /// little-endian host (RFC 1071 §2(B)).
    #[inline(always)]
    fn swap_bytes_if_le(self) -> u16 {
        u16::from_be(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The RFC 1071 definition, word by word, as an oracle.
    fn naive(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        let mut i = 0;
        while i + 1 < data.len() {
            sum += u32::from(u16::from_be_bytes([data[i], data[i + 1]]));
            sum = (sum & 0xffff) + (sum >> 16);
            i += 2;
        }
        if i < data.len() {
            sum += u32::from(data[i]) << 8;
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(Checksum::new().add_bytes(&data).sum(), 0xddf2);
        assert_eq!(internet_checksum(&data), !0xddf2);
    }

    #[test]
    fn ipv4_header_vector() {
        // A well-known IPv4 header (Wikipedia "IPv4 header checksum"): checksum b861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&h), 0xb861);
        h[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert!(verify(&h));
    }

    #[test]
    fn rfc1624_example() {
        // RFC 1624 §4: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000.
        assert_eq!(update_u16(0xdd2f, 0x5555, 0x3285), 0x0000);
    }

    #[test]
    fn empty_and_odd() {
        assert_eq!(internet_checksum(&[]), 0xffff);
        assert_eq!(internet_checksum(&[0xab]), !0xab00);
    }

    #[test]
    fn pseudo_header_v4_matches_bytes() {
        let (s, d) = ([10, 0, 0, 1], [192, 168, 1, 77]);
        let bytes = [10, 0, 0, 1, 192, 168, 1, 77, 0, 17, 0x01, 0x2c];
        assert_eq!(pseudo_header_v4(s, d, 17, 300).sum(), !naive(&bytes));
    }

    proptest! {
        #[test]
        fn full_sum_matches_naive(data in proptest::collection::vec(any::<u8>(), 0..3000)) {
            prop_assert_eq!(internet_checksum(&data), naive(&data));
        }

        #[test]
        fn split_sum_matches_whole(data in proptest::collection::vec(any::<u8>(), 0..600), cut in 0usize..300) {
            let cut = (cut.min(data.len())) & !1;
            let mut c = Checksum::new();
            c.add_bytes(&data[..cut]).add_bytes(&data[cut..]);
            prop_assert_eq!(c.finish(), naive(&data));
        }

        #[test]
        fn pseudo_v6_matches_bytes(s in any::<[u8; 16]>(), d in any::<[u8; 16]>(), nh in any::<u8>(), len in any::<u32>()) {
            let mut bytes = std::vec::Vec::new();
            bytes.extend_from_slice(&s);
            bytes.extend_from_slice(&d);
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&[0, 0, 0, nh]);
            prop_assert_eq!(pseudo_header_v6(&s, &d, nh, len).finish(), naive(&bytes));
        }

        /// Rewriting a word/address/byte run and updating incrementally gives a checksum that
        /// is equivalent (same value mod the ±0 ambiguity RFC 1624 §3 discusses) to a full
        /// recomputation, and verifies.
        #[test]
        fn incremental_matches_recompute(
            mut data in proptest::collection::vec(any::<u8>(), 24..200),
            at in 0usize..10,
            new4 in any::<[u8; 4]>(),
            new16 in any::<[u8; 16]>(),
        ) {
            data.truncate(data.len() & !1);
            // Bytes 0..2 hold the checksum over the rest.
            data[0] = 0;
            data[1] = 0;
            let c = internet_checksum(&data);
            data[..2].copy_from_slice(&c.to_be_bytes());
            let off = 2 + 2 * at;

            // 16-bit word.
            let old = u16::from_be_bytes([data[off], data[off + 1]]);
            let new = u16::from_be_bytes([new4[0], new4[1]]);
            let c1 = update_u16(u16::from_be_bytes([data[0], data[1]]), old, new);
            data[off..off + 2].copy_from_slice(&new.to_be_bytes());
            data[..2].copy_from_slice(&c1.to_be_bytes());
            prop_assert!(ones_eq(c1, naive_with_zero(&data)));

            // 32-bit address.
            let old4 = [data[off], data[off + 1], data[off + 2], data[off + 3]];
            let c2 = update_u32(c1, old4, new4);
            data[off..off + 4].copy_from_slice(&new4);
            data[..2].copy_from_slice(&c2.to_be_bytes());
            prop_assert!(ones_eq(c2, naive_with_zero(&data)));

            // 16-byte address.
            if off + 16 <= data.len() {
                let old16: std::vec::Vec<u8> = data[off..off + 16].to_vec();
                let c3 = update_bytes(c2, &old16, &new16).unwrap();
                data[off..off + 16].copy_from_slice(&new16);
                data[..2].copy_from_slice(&c3.to_be_bytes());
                prop_assert!(ones_eq(c3, naive_with_zero(&data)));
            }
        }
    }

    /// Checksum of `data` with its checksum field (bytes 0..2) zeroed.
    fn naive_with_zero(data: &[u8]) -> u16 {
        let mut d = data.to_vec();
        d[0] = 0;
        d[1] = 0;
        naive(&d)
    }

    /// 0x0000 and 0xffff are the same number in one's complement.
    fn ones_eq(a: u16, b: u16) -> bool {
        a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0)
    }

    #[test]
    fn incremental_on_all_zero_data_is_negative_zero() {
        // RFC 1624 §3: eqn. 3 yields 0x0000 where a recomputation over all-zero data yields
        // 0xffff; both are zero in one's complement.
        let c = update_u16(0xffff, 0, 0);
        assert_eq!(c, 0x0000);
        assert!(ones_eq(c, internet_checksum(&[0u8; 8])));
    }

    #[test]
    fn update_bytes_refuses_bad_lengths() {
        assert_eq!(update_bytes(0, &[1, 2], &[1, 2, 3, 4]), None);
        assert_eq!(update_bytes(0, &[1], &[2]), None);
    }
}
