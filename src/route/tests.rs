//! Differential tests of every LPM structure of the room against the linear-scan oracle.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::vec;
use std::vec::Vec;

use super::oracle::LinearLpm;
use super::pool::{PoolConfig, PoolTable, Reclaim};
use super::*;

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
pub(crate) struct Rng(u64);
impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn u128(&mut self) -> u128 {
        ((self.next() as u128) << 64) | self.next() as u128
    }
}

/// The operations every structure under test offers.
pub(crate) trait Under<A: Address> {
    fn ins(&mut self, p: Prefix<A>, nh: u32) -> Result<Option<u32>, RouteError>;
    fn rem(&mut self, p: Prefix<A>) -> Result<u32, RouteError>;
    fn get(&self, p: Prefix<A>) -> Option<u32>;
    fn look(&self, a: A) -> Option<u32>;
    fn burst(&self, a: &[A], out: &mut [Option<u32>]);
    /// Called after every batch of operations (publish, consistency checks).
    fn sync(&mut self) {}
}

/// Any [`RouteTable`], driven through the trait on one VRF.
pub(crate) struct TableUnder<T: RouteTable> {
    pub(crate) t: T,
    pub(crate) vrf: u32,
}

pub(crate) type PoolUnder<'a> = TableUnder<PoolTable<'a>>;

impl<A: Address, T: RouteTable> Under<A> for TableUnder<T> {
    fn ins(&mut self, p: Prefix<A>, nh: u32) -> Result<Option<u32>, RouteError> {
        RouteTable::insert(&mut self.t, self.vrf, p, nh)
    }
    fn rem(&mut self, p: Prefix<A>) -> Result<u32, RouteError> {
        RouteTable::remove(&mut self.t, self.vrf, p)
    }
    fn get(&self, p: Prefix<A>) -> Option<u32> {
        RouteTable::get(&self.t, self.vrf, p).unwrap()
    }
    fn look(&self, a: A) -> Option<u32> {
        RouteTable::lookup(&self.t, self.vrf, a)
    }
    fn burst(&self, a: &[A], out: &mut [Option<u32>]) {
        RouteTable::lookup_burst(&self.t, self.vrf, a, out).unwrap();
    }
}

pub(crate) fn pool_mem(cfg: &PoolConfig) -> Vec<u32> {
    vec![0u32; PoolTable::mem_size(cfg).unwrap().div_ceil(4)]
}

pub(crate) fn bytes(words: &mut [u32]) -> &mut [u8] {
    zerocopy::IntoBytes::as_mut_bytes(words)
}

/// A prefix generator that makes prefixes overlap: a few random "anchors", each prefix a
/// random truncation of an anchor with random low bits.
pub(crate) struct Gen<A: Address> {
    anchors: Vec<u128>,
    _a: core::marker::PhantomData<A>,
}

impl<A: Address> Gen<A> {
    pub(crate) fn new(rng: &mut Rng, n: usize) -> Self {
        Gen {
            anchors: (0..n).map(|_| rng.u128()).collect(),
            _a: core::marker::PhantomData,
        }
    }
    pub(crate) fn addr(&self, rng: &mut Rng) -> A {
        let bits = A::MAX_LEN as u32;
        let anchor = self.anchors[rng.below(self.anchors.len() as u64) as usize];
        // Keep a random number of the anchor's leading bits, randomize the rest.
        let keep = rng.below(bits as u64 + 1) as u8;
        let r = rng.u128();
        let a = <A::Key as Key>::from_u128(anchor);
        let low = <A::Key as Key>::from_u128(r);
        let kept = a.truncate(keep).to_u128();
        let rest = if keep as u32 >= bits {
            0
        } else {
            low.to_u128() & (u128::MAX >> (128 - bits + keep as u32))
        };
        A::from_key(<A::Key as Key>::from_u128(kept | rest))
    }
    pub(crate) fn prefix(&self, rng: &mut Rng) -> Prefix<A> {
        let bits = A::MAX_LEN as u64;
        // Favour the lengths real tables have, but cover 0 and the maximum.
        let len = match rng.below(10) {
            0 => 0,
            1 => bits as u8,
            2 => rng.below(bits + 1) as u8,
            _ => (bits * 3 / 4 - rng.below(bits / 2)) as u8,
        };
        Prefix::new_truncating(self.addr(rng), len).unwrap()
    }
}

/// Addresses to probe: random ones and the edges of every route of the oracle.
fn probes<A: Address>(o: &LinearLpm<A>, g: &Gen<A>, rng: &mut Rng, n: usize) -> Vec<A> {
    let mut v: Vec<A> = (0..n).map(|_| g.addr(rng)).collect();
    for (p, _) in o.routes().iter().take(200) {
        let k = p.key().to_u128();
        let all = u128::MAX >> (128 - A::MAX_LEN as u32);
        let span = all.checked_shr(p.len() as u32).unwrap_or(0);
        for x in [k, k | span, (k | span).wrapping_add(1), k.wrapping_sub(1)] {
            v.push(A::from_key(<A::Key as Key>::from_u128(x)));
        }
    }
    v
}

pub(crate) fn check_all<A: Address, U: Under<A>>(u: &U, o: &LinearLpm<A>, addrs: &[A]) {
    for &a in addrs {
        assert_eq!(u.look(a), o.lookup(a), "lookup {a}");
    }
    for chunk in addrs.chunks(MAX_BURST) {
        let mut out = [Some(u32::MAX); MAX_BURST];
        u.burst(chunk, &mut out[..chunk.len()]);
        for (a, r) in chunk.iter().zip(out) {
            assert_eq!(r, o.lookup(*a), "burst lookup {a}");
        }
    }
    for (p, nh) in o.routes() {
        assert_eq!(u.get(*p), Some(*nh), "get {p}");
    }
}

/// Random inserts, replacements and removals (present and absent) interleaved with lookups.
pub(crate) fn differential<A: Address, U: Under<A>>(u: &mut U, seed: u64, ops: usize) {
    let mut rng = Rng::new(seed);
    let g = Gen::<A>::new(&mut rng, 4);
    let mut o = LinearLpm::new();
    for step in 0..ops {
        let p = g.prefix(&mut rng);
        match rng.below(10) {
            0..=5 => {
                let nh = rng.below(1000) as u32;
                assert_eq!(u.ins(p, nh), Ok(o.insert(p, nh)), "insert {p}");
            }
            6..=8 if !o.is_empty() => {
                let q = o.routes()[rng.below(o.len() as u64) as usize].0;
                assert_eq!(u.rem(q), o.remove(q), "remove {q}");
            }
            _ => {
                assert_eq!(u.rem(p), o.remove(p), "remove maybe-absent {p}");
            }
        }
        if step % 16 == 15 {
            u.sync();
            let addrs = probes(&o, &g, &mut rng, 64);
            check_all(u, &o, &addrs);
        }
    }
    u.sync();
    let addrs = probes(&o, &g, &mut rng, 500);
    check_all(u, &o, &addrs);
    // Remove everything, in random order; the table must answer "no route" everywhere.
    let mut all: Vec<_> = o.routes().to_vec();
    while !all.is_empty() {
        let (p, nh) = all.swap_remove(rng.below(all.len() as u64) as usize);
        assert_eq!(u.rem(p), Ok(nh), "drain {p}");
        assert_eq!(u.rem(p), Err(RouteError::NotFound), "drain twice {p}");
        o.remove(p).unwrap();
    }
    u.sync();
    check_all(u, &o, &addrs);
    for &a in &addrs {
        assert_eq!(u.look(a), None);
    }
}

/// The edge cases: default first and last, /0, host routes, nested prefixes, a
/// rebuild after removing everything.
pub(crate) fn edge_cases<A: Address, U: Under<A>>(u: &mut U, addrs: &[A], prefixes: &[Prefix<A>]) {
    let def = Prefix::<A>::default_route();
    let host = Prefix::host(addrs[0]);
    for round in 0..2 {
        let mut o = LinearLpm::new();
        let mut order: Vec<Prefix<A>> = prefixes.to_vec();
        order.push(host);
        if round == 0 {
            order.insert(0, def); // default added first
        } else {
            order.push(def); // default added last
        }
        for (i, p) in order.iter().enumerate() {
            assert_eq!(u.ins(*p, i as u32), Ok(o.insert(*p, i as u32)));
            u.sync();
            check_all(u, &o, addrs);
        }
        // Replace the default, remove it, put it back.
        assert_eq!(u.ins(def, 777), Ok(o.insert(def, 777)));
        u.sync();
        check_all(u, &o, addrs);
        assert_eq!(u.rem(def), Ok(777));
        o.remove(def).unwrap();
        u.sync();
        check_all(u, &o, addrs);
        assert_eq!(u.rem(def), Err(RouteError::NotFound));
        assert_eq!(u.ins(def, 5), Ok(None));
        o.insert(def, 5);
        u.sync();
        check_all(u, &o, addrs);
        // Remove in insertion order (covering prefixes before covered ones).
        for p in &order {
            assert_eq!(u.rem(*p), o.remove(*p), "remove {p}");
            u.sync();
            check_all(u, &o, addrs);
        }
        assert!(o.is_empty());
        for &a in addrs {
            assert_eq!(u.look(a), None, "empty table answers {a}");
        }
    }
}

pub(crate) fn v4_edges() -> (Vec<Ipv4Addr>, Vec<Ipv4Prefix>) {
    let p = |s: &str| {
        let (a, l) = s.split_once('/').unwrap();
        Prefix::new(a.parse::<Ipv4Addr>().unwrap(), l.parse().unwrap()).unwrap()
    };
    let prefixes = [
        "10.0.0.0/8",
        "10.1.0.0/16",
        "10.1.2.0/24",
        "10.1.2.3/32",
        "10.1.2.128/25",
        "10.1.0.0/17",
        "10.0.0.0/9",
        "10.128.0.0/9",
        "128.0.0.0/1",
        "0.0.0.0/1",
        "255.255.255.255/32",
        "0.0.0.0/32",
        "192.168.0.0/23",
        "192.168.1.0/24",
    ]
    .map(p)
    .to_vec();
    let addrs = [
        "10.1.2.3",
        "10.1.2.4",
        "10.1.2.200",
        "10.1.3.1",
        "10.1.200.1",
        "10.2.0.0",
        "10.200.0.0",
        "11.0.0.0",
        "9.255.255.255",
        "0.0.0.0",
        "0.0.0.1",
        "255.255.255.255",
        "255.255.255.254",
        "192.168.0.1",
        "192.168.1.255",
        "192.168.2.0",
        "127.0.0.1",
    ]
    .map(|s| s.parse().unwrap())
    .to_vec();
    (addrs, prefixes)
}

pub(crate) fn v6_edges() -> (Vec<Ipv6Addr>, Vec<Ipv6Prefix>) {
    let p = |s: &str| {
        let (a, l) = s.split_once('/').unwrap();
        Prefix::new(a.parse::<Ipv6Addr>().unwrap(), l.parse().unwrap()).unwrap()
    };
    let prefixes = [
        "2001:db8::/32",
        "2001:db8:1::/48",
        "2001:db8:1:2::/64",
        "2001:db8:1:2::1/128",
        "2001:db8:1:2:8000::/65",
        "2001:db8::/33",
        "8000::/1",
        "::/1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
        "::/128",
        "fe80::/10",
        "2001:db8:1:2::/127",
    ]
    .map(p)
    .to_vec();
    let addrs = [
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2::0",
        "2001:db8:1:2:8000::5",
        "2001:db8:1:3::1",
        "2001:db8:2::1",
        "2001:db8:8000::1",
        "2001:db9::",
        "::",
        "::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
        "fe80::1",
        "fec0::1",
    ]
    .map(|s| s.parse().unwrap())
    .to_vec();
    (addrs, prefixes)
}

fn cfg(vrfs: u32, nodes: u32, routes: u32, reclaim: Reclaim) -> PoolConfig {
    PoolConfig {
        max_vrfs: vrfs,
        max_nodes: nodes,
        max_routes: routes,
        reclaim,
    }
}

#[test]
fn pool_edge_cases() {
    let c = cfg(4, 256, 256, Reclaim::Immediate);
    let mut mem = pool_mem(&c);
    let mut t = PoolTable::new_in(bytes(&mut mem), c).unwrap();
    t.add_vrf(2).unwrap();
    let mut u = PoolUnder { t, vrf: 2 };
    let (a4, p4) = v4_edges();
    edge_cases(&mut u, &a4, &p4);
    let (a6, p6) = v6_edges();
    edge_cases(&mut u, &a6, &p6);
    let s = u.t.stats();
    assert_eq!((s.routes, s.nodes_used), (0, 0), "everything freed: {s:?}");
}

#[test]
fn pool_differential_random() {
    for seed in 0..8 {
        let reclaim = if seed % 2 == 0 {
            Reclaim::Immediate
        } else {
            Reclaim::Deferred
        };
        let c = cfg(2, 4096, 4096, reclaim);
        let mut mem = pool_mem(&c);
        let mut t = PoolTable::new_in(bytes(&mut mem), c).unwrap();
        t.add_vrf(1).unwrap();
        let mut u = PoolUnder { t, vrf: 1 };
        differential::<Ipv4Addr, _>(&mut u, seed, 1500);
        differential::<Ipv6Addr, _>(&mut u, seed + 100, 1500);
        u.t.reclaim();
        let s = u.t.stats();
        assert_eq!(
            (s.routes, s.nodes_used, s.nodes_retired),
            (0, 0, 0),
            "{s:?}"
        );
    }
}

#[test]
fn pool_vrfs_are_isolated() {
    let c = cfg(8, 64, 64, Reclaim::Immediate);
    let mut mem = pool_mem(&c);
    let mut t = PoolTable::new_in(bytes(&mut mem), c).unwrap();
    let a = Ipv4Addr::new(10, 0, 0, 1);
    let p = Prefix::new(Ipv4Addr::new(10, 0, 0, 0), 8).unwrap();
    assert_eq!(t.insert(3, p, 1), Err(RouteError::UnknownVrf { vrf: 3 }));
    assert_eq!(
        t.add_vrf(8),
        Err(RouteError::VrfOutOfRange {
            vrf: 8,
            capacity: 8
        })
    );
    t.add_vrf(3).unwrap();
    t.add_vrf(4).unwrap();
    assert_eq!(t.add_vrf(3), Err(RouteError::VrfExists { vrf: 3 }));
    assert_eq!(t.stats().nodes_used, 0, "an empty VRF costs no node");
    t.insert(3, p, 1).unwrap();
    t.insert(4, p, 2).unwrap();
    assert_eq!(t.stats().nodes_used, 2, "a /8 costs one root node per VRF");
    assert_eq!(t.lookup(3, a), Some(1));
    assert_eq!(t.lookup(4, a), Some(2));
    assert_eq!(t.lookup(5, a), None);
    assert_eq!(t.lookup(u32::MAX, a), None);
    let mut out = [None; 2];
    assert_eq!(
        t.lookup_burst(5, &[a, a], &mut out),
        Err(RouteError::UnknownVrf { vrf: 5 })
    );
    assert_eq!(t.lookup_burst(4, &[a, a], &mut out), Ok(2));
    assert_eq!(out, [Some(2), Some(2)]);
    assert_eq!(
        t.lookup_burst(4, &[a; 65], &mut [None; 65]),
        Err(RouteError::BadBurst {
            len: 65,
            out: 65,
            max: 64
        })
    );
    t.remove_vrf(3).unwrap();
    assert_eq!(t.lookup(3, a), None);
    assert_eq!(t.stats().nodes_used, 1);
    assert_eq!(t.remove_vrf(3), Err(RouteError::UnknownVrf { vrf: 3 }));
    assert_eq!(t.stats().routes, 1);
}

#[test]
fn pool_full_refuses_and_changes_nothing() {
    // Two nodes: a root and one child. A /24 needs a root, a /16-level and a /24-level node.
    let c = cfg(1, 2, 3, Reclaim::Immediate);
    let mut mem = pool_mem(&c);
    let mut t = PoolTable::new_in(bytes(&mut mem), c).unwrap();
    t.add_vrf(0).unwrap();
    let p16 = Prefix::new(Ipv4Addr::new(10, 1, 0, 0), 16).unwrap();
    let p24 = Prefix::new(Ipv4Addr::new(10, 1, 2, 0), 24).unwrap();
    t.insert(0, p16, 7).unwrap();
    assert_eq!(
        t.insert(0, p24, 8),
        Err(RouteError::PoolFull { capacity: 2 })
    );
    assert_eq!(t.stats().nodes_used, 2);
    assert_eq!(t.stats().full_refusals, 1);
    assert_eq!(t.lookup(0, Ipv4Addr::new(10, 1, 2, 3)), Some(7));
    assert_eq!(t.get(0, p24), Ok(None));
    // Route store: 3 routes.
    for (i, l) in [9u8, 10, 11].iter().enumerate() {
        let p = Prefix::new_truncating(Ipv4Addr::new(10, 1, 255, 0), *l).unwrap();
        let r = t.insert(0, p, i as u32);
        if i < 2 {
            assert_eq!(r, Ok(None));
        } else {
            assert_eq!(r, Err(RouteError::RulesFull { capacity: 3 }));
        }
    }
    // Replacing an existing route needs no new slot.
    assert_eq!(t.insert(0, p16, 9), Ok(Some(7)));
    assert_eq!(
        t.insert(0, p16, MAX_GROUP_ID + 1),
        Err(RouteError::GroupIdOutOfRange {
            id: MAX_GROUP_ID + 1,
            max: MAX_GROUP_ID
        })
    );
    assert_eq!(t.insert(0, p16, MAX_GROUP_ID), Ok(Some(9)));
    assert_eq!(t.lookup(0, Ipv4Addr::new(10, 1, 2, 3)), Some(MAX_GROUP_ID));
}

#[test]
fn pool_memory_checks() {
    let c = cfg(1, 2, 2, Reclaim::Immediate);
    let need = PoolTable::mem_size(&c).unwrap();
    assert_eq!(need, 2 * 4 + 2 * 1024 + 2 * 16 + 2 * 12);
    let mut mem = pool_mem(&c);
    mem.push(0);
    let b = bytes(&mut mem);
    assert!(matches!(
        PoolTable::new_in(&mut b[..need - 1], c),
        Err(RouteError::MemoryTooSmall { .. })
    ));
    assert_eq!(
        PoolTable::new_in(&mut b[1..], c).err(),
        Some(RouteError::Misaligned { align: 4 })
    );
    assert_eq!(
        PoolTable::new_in(b, cfg(0, 1, 1, Reclaim::Immediate)).err(),
        Some(RouteError::BadCapacity { value: 0 })
    );
}

#[test]
fn pool_for_each_lists_routes() {
    let c = cfg(1, 64, 64, Reclaim::Immediate);
    let mut mem = pool_mem(&c);
    let mut t = PoolTable::new_in(bytes(&mut mem), c).unwrap();
    t.add_vrf(0).unwrap();
    let (_, p6) = v6_edges();
    let mut want: Vec<_> = p6.iter().enumerate().map(|(i, p)| (*p, i as u32)).collect();
    want.push((Prefix::default_route(), 99));
    for (p, nh) in &want {
        t.insert(0, *p, *nh).unwrap();
    }
    let mut got = Vec::new();
    t.for_each::<Ipv6Addr>(0, |p, nh| got.push((p, nh)))
        .unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn pool_concurrent_readers_see_old_or_new() {
    // A reader thread looks up while the writer flips a route; every answer must be one of
    // the two values (never garbage, never a panic).
    let c = cfg(1, 1100, 64, Reclaim::Deferred);
    let mut mem = pool_mem(&c);
    let mut t = PoolTable::new_in(bytes(&mut mem), c).unwrap();
    t.add_vrf(0).unwrap();
    struct StopOnDrop<'a>(&'a std::sync::atomic::AtomicBool);
    impl Drop for StopOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let p8 = Prefix::new(Ipv4Addr::new(10, 0, 0, 0), 8).unwrap();
    let p24 = Prefix::new(Ipv4Addr::new(10, 1, 2, 0), 24).unwrap();
    t.insert(0, p8, 1).unwrap();
    let r = t.reader();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let a = Ipv4Addr::new(10, 1, 2, 3);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let v = r.lookup(0, a);
                assert!(v == Some(1) || v == Some(2), "{v:?}");
            }
        });
        let _stop = StopOnDrop(&stop);
        // Each round retires the two nodes under 10.1.2.0/24; 500 rounds fit the pool.
        for _ in 0..500 {
            t.insert(0, p24, 2).unwrap();
            t.remove(0, p24).unwrap();
        }
    });
    assert_eq!(t.stats().nodes_retired, 1000);
    t.reclaim();
    assert_eq!(t.stats().nodes_used, 1);
}
