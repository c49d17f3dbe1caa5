//! The binding table: (segment, MAC) → IPv4 address and subnet index, a fixed-capacity
//! open-addressing table (linear probing, backward-shift deletion) over caller memory, with a
//! keyed hash so a peer cannot choose MACs that pile into one probe chain.
//!
//! Full policy: an insert that would push the load above 7/8 is refused with
//! [`DhcpError::TableFull`]; existing bindings are never evicted.

use core::net::Ipv4Addr;

use crate::wire::MacAddr;

use super::DhcpError;

/// One slot of the table (caller memory is an array of these; `Default` is empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BindingSlot {
    used: bool,
    segment: u32,
    mac: [u8; 6],
    ip: [u8; 4],
    subnet: u16,
}

/// What a binding holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// The port's fixed IP.
    pub ip: Ipv4Addr,
    /// Index of the subnet (options) in the responder.
    pub subnet: u16,
}

/// The table over slots `M` (`&mut [BindingSlot]`, or `Vec<BindingSlot>` with `alloc`).
#[derive(Debug)]
pub struct BindingTable<M> {
    slots: M,
    mask: usize,
    len: usize,
    seed: u64,
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline]
fn mac_u64(m: &[u8; 6]) -> u64 {
    u64::from_be_bytes([0, 0, m[0], m[1], m[2], m[3], m[4], m[5]])
}

impl<M: AsRef<[BindingSlot]> + AsMut<[BindingSlot]>> BindingTable<M> {
    /// Builds an empty table over `slots`, whose length must be a power of two ≥ 2
    /// (`BadCapacity`); `seed` keys the hash.
    pub fn new(mut slots: M, seed: u64) -> Result<Self, DhcpError> {
        let n = slots.as_ref().len();
        if n < 2 || !n.is_power_of_two() {
            return Err(DhcpError::BadCapacity { capacity: n });
        }
        slots.as_mut().fill(BindingSlot::default());
        Ok(BindingTable {
            slots,
            mask: n - 1,
            len: 0,
            seed,
        })
    }

    /// Most bindings the table accepts (7/8 of the slots).
    pub fn capacity(&self) -> usize {
        (self.mask + 1) / 8 * 7
    }
    /// Bindings held.
    pub fn len(&self) -> usize {
        self.len
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn home(&self, segment: u32, mac: &[u8; 6]) -> usize {
        // The segment is spread over the high bits (the MAC has 48), then one keyed mix.
        let k = mac_u64(mac) ^ u64::from(segment).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (mix(k ^ self.seed) as usize) & self.mask
    }

    #[inline]
    fn find(&self, segment: u32, mac: &[u8; 6]) -> Option<usize> {
        let slots = self.slots.as_ref();
        let mut i = self.home(segment, mac);
        for _ in 0..=self.mask {
            let s = slots.get(i)?;
            if !s.used {
                return None;
            }
            if s.segment == segment && s.mac == *mac {
                return Some(i);
            }
            i = (i + 1) & self.mask;
        }
        None
    }

    /// The binding of `mac` on `segment`.
    #[inline]
    pub fn get(&self, segment: u32, mac: MacAddr) -> Option<Binding> {
        let i = self.find(segment, &mac.0)?;
        let s = self.slots.as_ref().get(i)?;
        Some(Binding {
            ip: Ipv4Addr::from(s.ip),
            subnet: s.subnet,
        })
    }

    /// Inserts or replaces; returns the previous binding. `TableFull` leaves the table as it
    /// was.
    pub fn insert(
        &mut self,
        segment: u32,
        mac: MacAddr,
        b: Binding,
    ) -> Result<Option<Binding>, DhcpError> {
        let slot = BindingSlot {
            used: true,
            segment,
            mac: mac.0,
            ip: b.ip.octets(),
            subnet: b.subnet,
        };
        if let Some(i) = self.find(segment, &mac.0) {
            let old = core::mem::replace(&mut self.slots.as_mut()[i], slot);
            return Ok(Some(Binding {
                ip: Ipv4Addr::from(old.ip),
                subnet: old.subnet,
            }));
        }
        if self.len >= self.capacity() {
            return Err(DhcpError::TableFull {
                capacity: self.capacity(),
            });
        }
        let mut i = self.home(segment, &mac.0);
        let mask = self.mask;
        let slots = self.slots.as_mut();
        while slots[i].used {
            i = (i + 1) & mask;
        }
        slots[i] = slot;
        self.len += 1;
        Ok(None)
    }

    /// Removes and returns the binding of `mac` on `segment`.
    pub fn remove(&mut self, segment: u32, mac: MacAddr) -> Option<Binding> {
        let mut hole = self.find(segment, &mac.0)?;
        let mask = self.mask;
        let old = self.slots.as_ref()[hole];
        // Backward-shift deletion (Knuth 6.4 Algorithm R): move later entries of the chain
        // into the hole when their home position allows it.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let s = self.slots.as_ref()[j];
            if !s.used {
                break;
            }
            let home = self.home(s.segment, &s.mac);
            // Does `home` lie cyclically in (hole, j]? If not, the entry may move to `hole`.
            let in_range = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !in_range {
                self.slots.as_mut()[hole] = s;
                hole = j;
            }
        }
        self.slots.as_mut()[hole] = BindingSlot::default();
        self.len -= 1;
        Some(Binding {
            ip: Ipv4Addr::from(old.ip),
            subnet: old.subnet,
        })
    }

    /// Every binding: `(segment, mac, binding)`.
    pub fn iter(&self) -> impl Iterator<Item = (u32, MacAddr, Binding)> + '_ {
        self.slots.as_ref().iter().filter(|s| s.used).map(|s| {
            (
                s.segment,
                MacAddr(s.mac),
                Binding {
                    ip: Ipv4Addr::from(s.ip),
                    subnet: s.subnet,
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::vec;

    proptest! {
        #[test]
        fn matches_btreemap(ops in proptest::collection::vec((any::<bool>(), 0u32..3, 0u8..40, any::<u32>()), 1..300)) {
            let mut t = BindingTable::new(vec![BindingSlot::default(); 64], 7).unwrap();
            let mut m: BTreeMap<(u32, u8), u32> = BTreeMap::new();
            for (ins, seg, k, ip) in ops {
                let mac = MacAddr([2, 0, 0, 0, 0, k]);
                if ins {
                    let b = Binding { ip: Ipv4Addr::from(ip), subnet: 1 };
                    match t.insert(seg, mac, b) {
                        Ok(prev) => {
                            prop_assert_eq!(prev.map(|p| u32::from(p.ip)), m.insert((seg, k), ip));
                        }
                        Err(DhcpError::TableFull { capacity }) => {
                            prop_assert_eq!(capacity, 56);
                            prop_assert_eq!(m.len(), 56);
                            prop_assert!(!m.contains_key(&(seg, k)));
                        }
                        Err(e) => prop_assert!(false, "{e}"),
                    }
                } else {
                    prop_assert_eq!(t.remove(seg, mac).map(|p| u32::from(p.ip)), m.remove(&(seg, k)));
                }
                prop_assert_eq!(t.len(), m.len());
                for (&(s, kk), &ip) in &m {
                    let got = t.get(s, MacAddr([2, 0, 0, 0, 0, kk])).map(|b| u32::from(b.ip));
                    prop_assert_eq!(got, Some(ip));
                }
            }
        }
    }

    #[test]
    fn capacity_rules() {
        assert!(matches!(
            BindingTable::new(vec![BindingSlot::default(); 6], 0),
            Err(DhcpError::BadCapacity { capacity: 6 })
        ));
        let t = BindingTable::new(vec![BindingSlot::default(); 8], 0).unwrap();
        assert_eq!(t.capacity(), 7);
    }
}
