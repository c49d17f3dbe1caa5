//! Next-hop groups: what a route's group id resolves to. A group is 1 to [`MAX_HOPS`] next
//! hops (egress port or segment, gateway address, weight); a flow picks one through a bucket
//! table of [`BUCKETS`] entries indexed by its flow hash, as Linux's resilient next-hop groups
//! and VPP's load-balance objects do:
//! - a flow keeps its next hop as long as the group is unchanged (the table is a pure function
//!   of the group's history, the hash a pure function of the flow and the seed);
//! - weights are honoured proportionally: a hop of weight `w` owns `w / Σw` of the buckets,
//!   rounded by largest remainder;
//! - removing (or re-weighting) a hop moves only the buckets that must move: the removed hop's,
//!   and those a hop holds beyond its new share. Routes keep pointing at the group id, so no
//!   route is re-inserted.
//!
//! [`GroupTable`] holds groups by id over caller storage (a slice or, with `alloc`, a `Vec`),
//! with a reference count so a group still used by routes cannot be deleted.

use core::net::IpAddr;

use super::RouteError;

/// Most next hops in one group.
pub const MAX_HOPS: usize = 16;
/// Buckets per group.
pub const BUCKETS: usize = 256;
/// Largest sum of the weights of a group.
pub const MAX_TOTAL_WEIGHT: u32 = 1 << 20;

/// One next hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NextHop {
    /// Egress port or segment (the caller's number).
    pub port: u32,
    /// Gateway to forward to; `None` for a connected (on-link) destination.
    pub gateway: Option<IpAddr>,
    /// Relative weight, at least 1.
    pub weight: u32,
}

impl NextHop {
    /// A next hop of weight 1.
    pub fn new(port: u32, gateway: Option<IpAddr>) -> Self {
        NextHop {
            port,
            gateway,
            weight: 1,
        }
    }
}

/// A next-hop group with its bucket table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHopGroup {
    hops: [Option<NextHop>; MAX_HOPS],
    buckets: [u8; BUCKETS],
    /// Routes referring to the group.
    refs: u32,
}

/// A seeded 32-bit flow hash of a 5-tuple (a multiply-xorshift mix in the style of
/// SplitMix64/wyhash; not cryptographic, but keyed: choose `seed` at random per node so a peer
/// cannot aim flows at one bucket).
pub fn flow_hash(seed: u64, src: IpAddr, dst: IpAddr, proto: u8, sport: u16, dport: u16) -> u32 {
    let words = |a: IpAddr| -> (u64, u64) {
        match a {
            IpAddr::V4(v) => (v.to_bits() as u64, 0x4),
            IpAddr::V6(v) => {
                let b = v.to_bits();
                ((b >> 64) as u64, b as u64)
            }
        }
    };
    let (s0, s1) = words(src);
    let (d0, d1) = words(dst);
    let ports = ((sport as u64) << 32) | ((dport as u64) << 16) | proto as u64;
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for w in [s0, s1, d0, d1, ports] {
        h = mix(h ^ w);
    }
    (h ^ (h >> 32)) as u32
}

#[inline(always)]
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl NextHopGroup {
    /// A group of `hops` (1..=[`MAX_HOPS`], weights ≥ 1 adding up to at most
    /// [`MAX_TOTAL_WEIGHT`]).
    pub fn new(hops: &[NextHop]) -> Result<Self, RouteError> {
        if hops.is_empty() || hops.len() > MAX_HOPS {
            return Err(RouteError::GroupSize {
                len: hops.len(),
                max: MAX_HOPS,
            });
        }
        let mut g = NextHopGroup {
            hops: [None; MAX_HOPS],
            buckets: [u8::MAX; BUCKETS],
            refs: 0,
        };
        for (slot, h) in g.hops.iter_mut().zip(hops) {
            *slot = Some(*h);
        }
        Self::check_weights(&g.hops)?;
        g.rebalance();
        Ok(g)
    }

    fn check_weights(hops: &[Option<NextHop>; MAX_HOPS]) -> Result<(), RouteError> {
        let mut total = 0u32;
        for h in hops.iter().flatten() {
            if h.weight == 0 {
                return Err(RouteError::BadWeight { weight: 0 });
            }
            total = total.saturating_add(h.weight);
        }
        if total > MAX_TOTAL_WEIGHT {
            return Err(RouteError::BadWeight { weight: total });
        }
        Ok(())
    }

    /// Each hop's share of the buckets (largest remainder; ties to the lower index).
    fn targets(&self) -> [u32; MAX_HOPS] {
        let total: u64 = self.hops.iter().flatten().map(|h| h.weight as u64).sum();
        let mut t = [0u32; MAX_HOPS];
        if total == 0 {
            return t;
        }
        let mut rem = [0u64; MAX_HOPS];
        let mut given = 0u32;
        for (i, h) in self.hops.iter().enumerate() {
            if let Some(h) = h {
                let exact = h.weight as u64 * BUCKETS as u64;
                t[i] = (exact / total) as u32;
                rem[i] = exact % total;
                given += t[i];
            }
        }
        while given < BUCKETS as u32 {
            let mut best: Option<usize> = None;
            for i in 0..MAX_HOPS {
                if self.hops[i].is_some() && best.is_none_or(|b| rem[i] > rem[b]) {
                    best = Some(i);
                }
            }
            let Some(b) = best else { break };
            t[b] += 1;
            rem[b] = 0;
            given += 1;
        }
        t
    }

    /// Moves the fewest buckets so that each hop holds its share.
    fn rebalance(&mut self) {
        let target = self.targets();
        let mut have = [0u32; MAX_HOPS];
        // Free buckets of removed hops and buckets beyond a hop's share.
        for b in self.buckets.iter_mut() {
            let i = *b as usize;
            if i < MAX_HOPS && self.hops[i].is_some() && have[i] < target[i] {
                have[i] += 1;
            } else {
                *b = u8::MAX;
            }
        }
        // Hand the free buckets to the hops below their share, in bucket order.
        let mut hop = 0usize;
        for b in self.buckets.iter_mut().filter(|b| **b == u8::MAX) {
            while hop < MAX_HOPS && have[hop] >= target[hop] {
                hop += 1;
            }
            if hop == MAX_HOPS {
                break;
            }
            *b = hop as u8;
            have[hop] += 1;
        }
    }

    /// The next hop of a flow of hash `hash`. Never fails: a group always has a hop.
    #[inline]
    pub fn select(&self, hash: u32) -> &NextHop {
        let b = self.buckets[(hash as usize) % BUCKETS] as usize;
        match self.hops.get(b).and_then(|h| h.as_ref()) {
            Some(h) => h,
            None => self.hops.iter().flatten().next().unwrap_or(&DEAD),
        }
    }

    /// The next hops, in slot order.
    pub fn hops(&self) -> impl Iterator<Item = &NextHop> {
        self.hops.iter().flatten()
    }

    /// Number of next hops.
    pub fn len(&self) -> usize {
        self.hops.iter().flatten().count()
    }

    /// Always `false`: a group holds at least one next hop.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Buckets each next hop (in slot order, `None` slots skipped) owns.
    pub fn shares(&self) -> [u32; MAX_HOPS] {
        let mut s = [0u32; MAX_HOPS];
        for b in self.buckets {
            if let Some(x) = s.get_mut(b as usize) {
                *x += 1;
            }
        }
        s
    }

    /// Adds a next hop; existing flows move only to it, and only as many as its share.
    pub fn add_hop(&mut self, hop: NextHop) -> Result<(), RouteError> {
        let len = self.len();
        let Some(slot) = self.hops.iter().position(|h| h.is_none()) else {
            return Err(RouteError::GroupSize {
                len: len + 1,
                max: MAX_HOPS,
            });
        };
        let mut hops = self.hops;
        hops[slot] = Some(hop);
        Self::check_weights(&hops)?;
        self.hops = hops;
        self.rebalance();
        Ok(())
    }

    /// Removes the next hop equal to `hop` (port and gateway; weight ignored). Only its flows
    /// move. Refused if it is the last one (remove the group's routes instead) or absent.
    pub fn remove_hop(&mut self, port: u32, gateway: Option<IpAddr>) -> Result<(), RouteError> {
        let i = self
            .hops
            .iter()
            .position(|h| h.is_some_and(|h| h.port == port && h.gateway == gateway))
            .ok_or(RouteError::NotFound)?;
        if self.len() == 1 {
            return Err(RouteError::GroupSize {
                len: 0,
                max: MAX_HOPS,
            });
        }
        self.hops[i] = None;
        self.rebalance();
        Ok(())
    }

    /// Changes the weight of a next hop.
    pub fn set_weight(
        &mut self,
        port: u32,
        gateway: Option<IpAddr>,
        weight: u32,
    ) -> Result<(), RouteError> {
        let i = self
            .hops
            .iter()
            .position(|h| h.is_some_and(|h| h.port == port && h.gateway == gateway))
            .ok_or(RouteError::NotFound)?;
        let mut hops = self.hops;
        if let Some(h) = hops[i].as_mut() {
            h.weight = weight;
        }
        Self::check_weights(&hops)?;
        self.hops = hops;
        self.rebalance();
        Ok(())
    }
}

static DEAD: NextHop = NextHop {
    port: u32::MAX,
    gateway: None,
    weight: 1,
};

/// Groups by id (`0..capacity`) over caller storage `S` (`&mut [Option<NextHopGroup>]`, or a
/// `Vec` with `alloc`).
#[derive(Debug)]
pub struct GroupTable<S> {
    slots: S,
    seed: u64,
}

impl<S: AsRef<[Option<NextHopGroup>]> + AsMut<[Option<NextHopGroup>]>> GroupTable<S> {
    /// A table over `slots` (all set to `None`), hashing flows with `seed`.
    pub fn new_in(mut slots: S, seed: u64) -> Self {
        slots.as_mut().fill(None);
        GroupTable { slots, seed }
    }

    /// Number of group ids.
    pub fn capacity(&self) -> usize {
        self.slots.as_ref().len()
    }

    /// Stores `group` under `id` (replacing a group keeps its reference count).
    pub fn set(&mut self, id: u32, mut group: NextHopGroup) -> Result<(), RouteError> {
        let cap = self.capacity() as u32;
        let slot = self
            .slots
            .as_mut()
            .get_mut(id as usize)
            .ok_or(RouteError::GroupsFull { capacity: cap })?;
        group.refs = slot.as_ref().map_or(0, |g| g.refs);
        *slot = Some(group);
        Ok(())
    }

    /// Stores `group` under the lowest free id and returns it.
    pub fn add(&mut self, group: NextHopGroup) -> Result<u32, RouteError> {
        let cap = self.capacity() as u32;
        let id = self
            .slots
            .as_ref()
            .iter()
            .position(|g| g.is_none())
            .ok_or(RouteError::GroupsFull { capacity: cap })?;
        self.set(id as u32, group)?;
        Ok(id as u32)
    }

    /// The group `id`.
    pub fn get(&self, id: u32) -> Option<&NextHopGroup> {
        self.slots.as_ref().get(id as usize)?.as_ref()
    }

    /// The group `id`, to change its next hops in place.
    pub fn get_mut(&mut self, id: u32) -> Option<&mut NextHopGroup> {
        self.slots.as_mut().get_mut(id as usize)?.as_mut()
    }

    /// Deletes group `id`; `GroupInUse` while routes refer to it.
    pub fn remove(&mut self, id: u32) -> Result<NextHopGroup, RouteError> {
        let slot = self
            .slots
            .as_mut()
            .get_mut(id as usize)
            .ok_or(RouteError::NotFound)?;
        match slot {
            Some(g) if g.refs > 0 => Err(RouteError::GroupInUse { id, refs: g.refs }),
            Some(_) => slot.take().ok_or(RouteError::NotFound),
            None => Err(RouteError::NotFound),
        }
    }

    /// Records one more route using group `id`.
    pub fn acquire(&mut self, id: u32) -> Result<(), RouteError> {
        let g = self.get_mut(id).ok_or(RouteError::NotFound)?;
        g.refs = g.refs.saturating_add(1);
        Ok(())
    }

    /// Records one route fewer using group `id`.
    pub fn release(&mut self, id: u32) -> Result<(), RouteError> {
        let g = self.get_mut(id).ok_or(RouteError::NotFound)?;
        g.refs = g.refs.saturating_sub(1);
        Ok(())
    }

    /// Routes using group `id`.
    pub fn refs(&self, id: u32) -> Option<u32> {
        self.get(id).map(|g| g.refs)
    }

    /// The hash of a flow under this table's seed (see [`flow_hash`]).
    #[inline]
    pub fn hash(&self, src: IpAddr, dst: IpAddr, proto: u8, sport: u16, dport: u16) -> u32 {
        flow_hash(self.seed, src, dst, proto, sport, dport)
    }

    /// The next hop of a flow of hash `hash` in group `id`.
    #[inline]
    pub fn select(&self, id: u32, hash: u32) -> Option<&NextHop> {
        Some(self.get(id)?.select(hash))
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use std::vec::Vec;

    fn hop(port: u32, w: u32) -> NextHop {
        NextHop {
            port,
            gateway: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, port as u8))),
            weight: w,
        }
    }

    fn flows(n: u32) -> Vec<u32> {
        (0..n)
            .map(|i| {
                flow_hash(
                    7,
                    IpAddr::V4(Ipv4Addr::from_bits(0x0A00_0000 + i)),
                    IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)),
                    6,
                    (1024 + i % 5000) as u16,
                    443,
                )
            })
            .collect()
    }

    #[test]
    fn weights_are_proportional() {
        let g = NextHopGroup::new(&[hop(1, 1), hop(2, 2), hop(3, 5)]).unwrap();
        let s = g.shares();
        assert_eq!(&s[..3], &[32, 64, 160]);
        assert_eq!(s.iter().sum::<u32>(), BUCKETS as u32);
        // And flows follow the buckets: 80k flows split about 1:2:5.
        let mut count = [0u32; 4];
        for h in flows(80_000) {
            count[g.select(h).port as usize] += 1;
        }
        for (port, want) in [(1, 10_000.0), (2, 20_000.0), (3, 50_000.0)] {
            let got = count[port] as f64;
            assert!(
                (got - want).abs() / want < 0.08,
                "port {port}: {got} vs {want}"
            );
        }
        // Uneven weights: largest remainder, total exact.
        let g = NextHopGroup::new(&[hop(1, 1), hop(2, 1), hop(3, 1)]).unwrap();
        assert_eq!(&g.shares()[..3], &[86, 85, 85]);
    }

    #[test]
    fn selection_is_stable_and_removal_moves_only_the_removed_hops_flows() {
        let mut g = NextHopGroup::new(&[hop(1, 1), hop(2, 1), hop(3, 1), hop(4, 1)]).unwrap();
        let fl = flows(10_000);
        let before: Vec<u32> = fl.iter().map(|h| g.select(*h).port).collect();
        let again: Vec<u32> = fl.iter().map(|h| g.select(*h).port).collect();
        assert_eq!(before, again, "same group, same choice");
        let copy = g.clone();
        assert_eq!(
            copy.select(fl[0]).port,
            before[0],
            "a pure function of the group"
        );
        g.remove_hop(3, Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3))))
            .unwrap();
        let after: Vec<u32> = fl.iter().map(|h| g.select(*h).port).collect();
        for (b, a) in before.iter().zip(&after) {
            if *b != 3 {
                assert_eq!(a, b, "a flow not on the removed hop kept its hop");
            } else {
                assert_ne!(*a, 3);
            }
        }
        assert_eq!(&g.shares()[..4], &[86, 85, 0, 85]);
        // Adding a hop back moves only a quarter of the flows, all to it.
        g.add_hop(hop(5, 1)).unwrap();
        let readd: Vec<u32> = fl.iter().map(|h| g.select(*h).port).collect();
        let moved = after.iter().zip(&readd).filter(|(a, b)| a != b).count();
        assert!(readd.iter().zip(&after).all(|(r, a)| r == a || *r == 5));
        assert!((2000..3000).contains(&moved), "{moved}");
    }

    #[test]
    fn bad_groups_are_refused() {
        assert_eq!(
            NextHopGroup::new(&[]),
            Err(RouteError::GroupSize { len: 0, max: 16 })
        );
        assert_eq!(
            NextHopGroup::new(&[hop(1, 0)]),
            Err(RouteError::BadWeight { weight: 0 })
        );
        assert_eq!(
            NextHopGroup::new(&[hop(1, MAX_TOTAL_WEIGHT), hop(2, 1)]),
            Err(RouteError::BadWeight {
                weight: MAX_TOTAL_WEIGHT + 1
            })
        );
        assert!(NextHopGroup::new(&[hop(1, 1); 17]).is_err());
        let mut g = NextHopGroup::new(&[hop(1, 1)]).unwrap();
        assert_eq!(
            g.remove_hop(1, Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))),
            Err(RouteError::GroupSize { len: 0, max: 16 })
        );
        assert_eq!(g.remove_hop(9, None), Err(RouteError::NotFound));
        assert_eq!(g.set_weight(1, None, 3), Err(RouteError::NotFound));
        let before = g.clone();
        assert!(g
            .set_weight(1, Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))), 0)
            .is_err());
        assert_eq!(g, before, "refused change left the group as it was");
    }

    #[test]
    fn group_table_refcounts() {
        let mut slots: [Option<NextHopGroup>; 4] = Default::default();
        let mut t = GroupTable::new_in(&mut slots[..], 42);
        let id = t.add(NextHopGroup::new(&[hop(1, 1)]).unwrap()).unwrap();
        assert_eq!(id, 0);
        t.acquire(id).unwrap();
        assert_eq!(t.remove(id), Err(RouteError::GroupInUse { id: 0, refs: 1 }));
        t.set(id, NextHopGroup::new(&[hop(2, 1)]).unwrap()).unwrap();
        assert_eq!(t.refs(id), Some(1), "replacing keeps the count");
        let h = t.hash(
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            17,
            1,
            2,
        );
        assert_eq!(t.select(id, h).unwrap().port, 2);
        t.release(id).unwrap();
        assert!(t.remove(id).is_ok());
        assert_eq!(t.remove(id), Err(RouteError::NotFound));
        assert_eq!(t.select(9, h), None);
        for _ in 0..4 {
            t.add(NextHopGroup::new(&[hop(1, 1)]).unwrap()).unwrap();
        }
        assert_eq!(
            t.add(NextHopGroup::new(&[hop(1, 1)]).unwrap()),
            Err(RouteError::GroupsFull { capacity: 4 })
        );
    }

    #[test]
    fn flow_hash_depends_on_every_field_and_the_seed() {
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        let base = flow_hash(1, a, b, 6, 1000, 80);
        assert_ne!(base, flow_hash(2, a, b, 6, 1000, 80));
        assert_ne!(base, flow_hash(1, b, a, 6, 1000, 80));
        assert_ne!(base, flow_hash(1, a, b, 17, 1000, 80));
        assert_ne!(base, flow_hash(1, a, b, 6, 1001, 80));
        assert_ne!(base, flow_hash(1, a, b, 6, 1000, 81));
        assert_eq!(base, flow_hash(1, a, b, 6, 1000, 80));
    }
}
