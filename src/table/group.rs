//! A bucket's tag group: eight 16-bit tags matched at once with SWAR on two `u64` words.
//!
//! Tag 0 marks an empty slot; a stored tag is never 0. Matching is exact (no false positives):
//! a lane is zero iff `((x & 0x7fff) + 0x7fff) | x` has its top bit clear, and the addition
//! cannot carry across lanes because each lane's sum is below 0x10000.

/// Slots per bucket.
pub(crate) const SLOTS: usize = 8;
/// Bytes of the tag group at the start of each bucket.
pub(crate) const TAGS_LEN: usize = 2 * SLOTS;

const LO15: u64 = 0x7fff_7fff_7fff_7fff;
const HI: u64 = 0x8000_8000_8000_8000;
const ONES: u64 = 0x0001_0001_0001_0001;

/// The eight tags of one bucket, as two little-endian words (slots 0–3 and 4–7).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Group {
    lo: u64,
    hi: u64,
}

/// A set of slot indexes (bit 16·i + 15 for slot i), iterated lowest first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlotMask(u128);

impl Iterator for SlotMask {
    type Item = usize;
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as usize / 16;
        self.0 &= self.0 - 1;
        Some(i)
    }
}

impl SlotMask {
    #[inline(always)]
    pub(crate) fn first(self) -> Option<usize> {
        if self.0 == 0 {
            None
        } else {
            Some(self.0.trailing_zeros() as usize / 16)
        }
    }
}

#[inline(always)]
const fn zero_lanes(x: u64) -> u64 {
    !(((x & LO15).wrapping_add(LO15)) | x) & HI
}

impl Group {
    /// Reads the group from the first 16 bytes of `bucket` (all empty if it is shorter, which the
    /// table's layout rules out).
    #[inline(always)]
    pub(crate) fn load(bucket: &[u8]) -> Group {
        match bucket.get(..TAGS_LEN) {
            Some(t) => {
                let mut lo = [0u8; 8];
                let mut hi = [0u8; 8];
                lo.copy_from_slice(&t[..8]);
                hi.copy_from_slice(&t[8..]);
                Group {
                    lo: u64::from_le_bytes(lo),
                    hi: u64::from_le_bytes(hi),
                }
            }
            None => Group { lo: 0, hi: 0 },
        }
    }

    /// Slots whose tag equals `tag`.
    #[inline(always)]
    pub(crate) fn matches(self, tag: u16) -> SlotMask {
        let pat = u64::from(tag).wrapping_mul(ONES);
        let lo = zero_lanes(self.lo ^ pat);
        let hi = zero_lanes(self.hi ^ pat);
        SlotMask(u128::from(lo) | (u128::from(hi) << 64))
    }

    /// Empty slots.
    #[inline(always)]
    pub(crate) fn empty(self) -> SlotMask {
        self.matches(0)
    }

    /// Occupied slots.
    #[inline(always)]
    pub(crate) fn full(self) -> SlotMask {
        let lo = !zero_lanes(self.lo) & HI;
        let hi = !zero_lanes(self.hi) & HI;
        SlotMask(u128::from(lo) | (u128::from(hi) << 64))
    }

    /// The tag in slot `i` (0 when empty or out of range).
    #[inline(always)]
    pub(crate) fn tag(self, i: usize) -> u16 {
        match i {
            0..=3 => (self.lo >> (16 * i)) as u16,
            4..=7 => (self.hi >> (16 * (i - 4))) as u16,
            _ => 0,
        }
    }
}

/// Writes `tag` into slot `i` of the group at the start of `bucket`.
#[inline(always)]
pub(crate) fn set_tag(bucket: &mut [u8], i: usize, tag: u16) {
    if let Some(t) = bucket.get_mut(2 * i..2 * i + 2) {
        t.copy_from_slice(&tag.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::prelude::rust_2021::*;
    use std::vec;

    fn naive(tags: [u16; 8], t: u16) -> Vec<usize> {
        (0..8).filter(|&i| tags[i] == t).collect()
    }

    fn group(tags: [u16; 8]) -> Group {
        let mut b = [0u8; 16];
        for (i, t) in tags.iter().enumerate() {
            set_tag(&mut b, i, *t);
        }
        Group::load(&b)
    }

    proptest! {
        #[test]
        fn matches_exactly(tags in proptest::array::uniform8(0u16..4), t in 0u16..4) {
            let g = group(tags);
            prop_assert_eq!(g.matches(t).collect::<Vec<_>>(), naive(tags, t));
            prop_assert_eq!(g.empty().collect::<Vec<_>>(), naive(tags, 0));
            let full: Vec<usize> = (0..8).filter(|&i| tags[i] != 0).collect();
            prop_assert_eq!(g.full().collect::<Vec<_>>(), full);
            for (i, tag) in tags.iter().enumerate() {
                prop_assert_eq!(g.tag(i), *tag);
            }
        }

        #[test]
        fn matches_any_values(tags in any::<[u16; 8]>(), t in any::<u16>()) {
            let g = group(tags);
            prop_assert_eq!(g.matches(t).collect::<Vec<_>>(), naive(tags, t));
        }
    }

    #[test]
    fn borrow_does_not_leak_between_lanes() {
        // Lane 0 matches (x = 0) and lane 1 differs by one: a borrow-based zero test would
        // report lane 1 too.
        let g = group([5, 4, 5, 0, 0xffff, 1, 0x8000, 5]);
        assert_eq!(g.matches(5).collect::<Vec<_>>(), vec![0, 2, 7]);
        assert_eq!(g.matches(0).collect::<Vec<_>>(), vec![3]);
        assert_eq!(g.matches(0x8000).collect::<Vec<_>>(), vec![6]);
    }
}
