//! Differential tests of the alloc-mode [`Lpm`]/[`Fib`] against the oracles, including the
//! real BGP table in `../shared/data/bgp-rib.lpm.xz`.

#[path = "../../tests/common/skip.rs"]
mod skip;

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::string::String;
use std::sync::Arc;
use std::vec::Vec;

use super::fib::Build;
use super::tests::{differential, edge_cases, v4_edges, v6_edges, Rng, Under};
use super::*;

/// `Lpm` with every operation committed at once.
struct LpmUnder<A: Address>(Lpm<A>);

impl<A: Address> Under<A> for LpmUnder<A> {
    fn ins(&mut self, p: Prefix<A>, nh: u32) -> Result<Option<u32>, RouteError> {
        self.0.insert(p, nh)
    }
    fn rem(&mut self, p: Prefix<A>) -> Result<u32, RouteError> {
        self.0.remove(p)
    }
    fn get(&self, p: Prefix<A>) -> Option<u32> {
        self.0.get(p)
    }
    fn look(&self, a: A) -> Option<u32> {
        self.0.lookup(a)
    }
    fn burst(&self, a: &[A], out: &mut [Option<u32>]) {
        self.0.lookup_burst(a, out).unwrap();
    }
}

/// `Lpm` with staged operations committed in batches, while a reader holds the previous
/// snapshot (so every commit copies and then patches) and checks it did not change.
struct StagedUnder<A: Address> {
    lpm: Lpm<A>,
    held: Arc<Fib<A>>,
    held_probe: Vec<(A, Option<u32>)>,
}

impl<A: Address> Under<A> for StagedUnder<A> {
    fn ins(&mut self, p: Prefix<A>, nh: u32) -> Result<Option<u32>, RouteError> {
        self.lpm.insert_staged(p, nh)
    }
    fn rem(&mut self, p: Prefix<A>) -> Result<u32, RouteError> {
        self.lpm.remove_staged(p)
    }
    fn get(&self, p: Prefix<A>) -> Option<u32> {
        self.lpm.get(p)
    }
    fn look(&self, a: A) -> Option<u32> {
        self.lpm.lookup(a)
    }
    fn burst(&self, a: &[A], out: &mut [Option<u32>]) {
        self.lpm.lookup_burst(a, out).unwrap();
    }
    fn sync(&mut self) {
        self.lpm.commit();
        // The snapshot a reader held across the commit answers as before.
        for (a, r) in &self.held_probe {
            assert_eq!(self.held.lookup(*a), *r, "held snapshot changed");
        }
        self.held = Arc::clone(self.lpm.fib());
        let mut rng = Rng::new(self.held_probe.len() as u64);
        self.held_probe = (0..32)
            .map(|_| {
                let a = A::from_key(<A::Key as Key>::from_u128(
                    ((rng.next() as u128) << 64) | rng.next() as u128,
                ));
                (a, self.held.lookup(a))
            })
            .collect();
    }
}

fn staged<A: Address>() -> StagedUnder<A> {
    let lpm = Lpm::new();
    StagedUnder {
        held: Arc::clone(lpm.fib()),
        lpm,
        held_probe: Vec::new(),
    }
}

#[test]
fn lpm_edge_cases() {
    let (a4, p4) = v4_edges();
    edge_cases(&mut LpmUnder(Lpm::new()), &a4, &p4);
    edge_cases(&mut staged(), &a4, &p4);
    let (a6, p6) = v6_edges();
    edge_cases(&mut LpmUnder(Lpm::new()), &a6, &p6);
    edge_cases(&mut staged(), &a6, &p6);
}

/// The portable burst walk (the one `no_std` builds and CPUs without `popcnt` run) against the
/// linear-scan oracle, next to the dispatched one.
#[test]
fn portable_burst_matches_the_oracle() {
    fn run<A: Address>(seed: u64) {
        let mut rng = Rng::new(seed);
        let g = super::tests::Gen::<A>::new(&mut rng, 6);
        let mut o = super::oracle::LinearLpm::new();
        let mut l = Lpm::new();
        for _ in 0..3000 {
            let p = g.prefix(&mut rng);
            let nh = rng.below(40) as u32;
            assert_eq!(l.insert_staged(p, nh), Ok(o.insert(p, nh)));
        }
        l.commit();
        let addrs: Vec<A> = (0..640).map(|_| g.addr(&mut rng)).collect();
        let mut out = [None; MAX_BURST];
        let mut out2 = [None; MAX_BURST];
        for c in addrs.chunks(MAX_BURST) {
            let hits = l.fib().burst(c, &mut out);
            l.lookup_burst(c, &mut out2).unwrap();
            assert_eq!(hits, out[..c.len()].iter().flatten().count());
            for ((a, r), r2) in c.iter().zip(out).zip(out2) {
                assert_eq!(r, o.lookup(*a), "portable burst {a}");
                assert_eq!(
                    l.fib().lookup_portable(*a),
                    o.lookup(*a),
                    "portable single {a}"
                );
                assert_eq!(r2, o.lookup(*a), "burst {a}");
            }
            // The burst on keys (the C API's IPv4 path), with a caller's "none".
            let keys: Vec<A::Key> = c.iter().map(|a| a.to_key()).collect();
            let mut ids = [0u32; MAX_BURST];
            let hits = l
                .fib()
                .lookup_burst_keys(&keys, &mut ids, u32::MAX)
                .unwrap();
            assert_eq!(hits, c.iter().filter(|a| o.lookup(**a).is_some()).count());
            for (a, g) in c.iter().zip(ids) {
                assert_eq!(Some(g).filter(|&g| g != u32::MAX), o.lookup(*a), "keys {a}");
            }
        }
        let keys = std::vec![<A::Key as Key>::ZERO; MAX_BURST + 1];
        assert!(l.fib().lookup_burst_keys(&keys, &mut [0; 80], 0).is_err());
        assert!(l
            .fib()
            .lookup_burst_keys(&keys[..4], &mut [0; 3], 0)
            .is_err());
    }
    run::<Ipv4Addr>(3);
    run::<Ipv6Addr>(4);
}

/// `extend_staged` (one sort and merge) against the oracle: batches with duplicates over an
/// existing table, small (patched) and large (rebuilt), with a reader holding the old `Fib`.
#[test]
fn lpm_extend_matches_the_oracle() {
    let mut rng = Rng::new(21);
    let g = super::tests::Gen::<Ipv4Addr>::new(&mut rng, 6);
    let mut o = super::oracle::LinearLpm::new();
    let mut l = Lpm::<Ipv4Addr>::new();
    for (round, size) in [5usize, 3000, 40, 0, 700].into_iter().enumerate() {
        let held = Arc::clone(l.fib());
        let probe: Vec<Ipv4Addr> = (0..64).map(|_| g.addr(&mut rng)).collect();
        let before: Vec<_> = probe.iter().map(|a| held.lookup(*a)).collect();
        let batch: Vec<_> = (0..size)
            .map(|_| (g.prefix(&mut rng), rng.below(30) as u32))
            .collect();
        for (p, nh) in &batch {
            o.insert(*p, *nh);
        }
        l.extend_staged(batch).unwrap();
        l.commit();
        let after: Vec<_> = probe.iter().map(|a| held.lookup(*a)).collect();
        assert_eq!(before, after, "a held snapshot does not change");
        assert_eq!(l.len(), o.len(), "round {round}");
        for (p, nh) in o.routes() {
            assert_eq!(l.get(*p), Some(*nh));
        }
        let addrs: Vec<Ipv4Addr> = (0..2000).map(|_| g.addr(&mut rng)).collect();
        super::tests::check_all(&LpmUnder(l.clone()), &o, &addrs);
    }
    // A refused id: the routes before it are staged, the others not.
    let p = Prefix::new(Ipv4Addr::new(192, 0, 2, 0), 24).unwrap();
    let q = Prefix::new(Ipv4Addr::new(198, 51, 100, 0), 24).unwrap();
    let r = l.extend_staged([(p, 1), (q, MAX_GROUP_ID + 1), (q, 2)]);
    assert!(matches!(r, Err(RouteError::GroupIdOutOfRange { .. })));
    assert_eq!(
        (l.get(p), l.get(q)),
        (Some(1), o.routes().iter().find(|x| x.0 == q).map(|x| x.1))
    );
}

#[test]
fn lpm_differential_random() {
    for seed in 0..6 {
        differential::<Ipv4Addr, _>(&mut LpmUnder(Lpm::new()), seed, 1000);
        differential::<Ipv6Addr, _>(&mut LpmUnder(Lpm::new()), seed + 50, 1000);
        differential::<Ipv4Addr, _>(&mut staged(), seed + 100, 1500);
        differential::<Ipv6Addr, _>(&mut staged(), seed + 150, 1500);
    }
}

#[test]
fn lpm_rejects_bad_group_id_unchanged() {
    let mut l = Lpm::<Ipv4Addr>::new();
    let p = Prefix::new(Ipv4Addr::new(10, 0, 0, 0), 8).unwrap();
    assert_eq!(
        l.insert(p, MAX_GROUP_ID + 1),
        Err(RouteError::GroupIdOutOfRange {
            id: MAX_GROUP_ID + 1,
            max: MAX_GROUP_ID
        })
    );
    assert!(l.is_empty());
    assert_eq!(l.remove(p), Err(RouteError::NotFound));
    assert_eq!(l.lookup(Ipv4Addr::new(10, 0, 0, 1)), None);
}

#[test]
fn shared_fib_publishes_with_one_store() {
    let mut l = Lpm::<Ipv6Addr>::new();
    let shared = SharedFib::new(&l);
    let a: Ipv6Addr = "2001:db8::1".parse().unwrap();
    let snap = shared.load();
    l.insert(Prefix::new("2001:db8::".parse().unwrap(), 32).unwrap(), 3)
        .unwrap();
    assert_eq!(shared.lookup(a), None, "not published yet");
    shared.publish(&l);
    assert_eq!(shared.lookup(a), Some(3));
    assert_eq!(snap.lookup(a), None, "an old snapshot stays as it was");
}

// ---- the real BGP table ------------------------------------------------------------------

type Table<A> = Vec<(Prefix<A>, u32)>;

/// The real table, or `None` (with a message) when the data file is absent.
pub(crate) fn load_bgp() -> Option<(Table<Ipv4Addr>, Table<Ipv6Addr>)> {
    // The repository is checked out next to `shared/` (a git worktree one level deeper).
    let dir = env!("CARGO_MANIFEST_DIR");
    let candidates = [
        std::format!("{dir}/../shared/data/bgp-rib.lpm.xz"),
        std::format!("{dir}/../../shared/data/bgp-rib.lpm.xz"),
    ];
    let Some(f) = candidates.iter().find_map(|p| std::fs::File::open(p).ok()) else {
        skip::skip(&std::format!(
            "{} absent; the real-table test did not run",
            candidates[0]
        ));
        return None;
    };
    let mut text = Vec::new();
    lzma_rs::xz_decompress(&mut std::io::BufReader::new(f), &mut text).expect("xz");
    let text = String::from_utf8(text).expect("utf8");
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    let mut host_bits = 0usize;
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(p), Some(asn)) = (it.next(), it.next()) else {
            continue;
        };
        let (a, l) = p.split_once('/').expect("prefix");
        let l: u8 = l.parse().expect("len");
        let nh = asn.parse::<u64>().expect("asn") as u32 & 0xF_FFFF;
        // A few entries of the dump carry host bits: normalize them explicitly.
        if let Ok(a) = a.parse::<Ipv4Addr>() {
            host_bits += Prefix::new(a, l).is_err() as usize;
            v4.push((Prefix::new_truncating(a, l).expect("v4 length"), nh));
        } else {
            let a: Ipv6Addr = a.parse().expect("address");
            host_bits += Prefix::new(a, l).is_err() as usize;
            v6.push((Prefix::new_truncating(a, l).expect("v6 length"), nh));
        }
    }
    std::eprintln!(
        "bgp table: {} v4, {} v6, {host_bits} with host bits",
        v4.len(),
        v6.len()
    );
    Some((v4, v6))
}

/// An independent oracle for big tables: one hash map per prefix length, probed longest first.
struct LenMaps<A: Address> {
    maps: Vec<HashMap<A::Key, u32>>,
}

impl<A: Address> LenMaps<A>
where
    A::Key: std::hash::Hash,
{
    fn new(t: &Table<A>) -> Self {
        let mut maps: Vec<HashMap<A::Key, u32>> =
            (0..=A::MAX_LEN).map(|_| HashMap::new()).collect();
        for (p, nh) in t {
            maps[p.len() as usize].insert(p.key(), *nh);
        }
        LenMaps { maps }
    }
    fn remove(&mut self, p: &Prefix<A>) {
        self.maps[p.len() as usize].remove(&p.key());
    }
    fn insert(&mut self, p: &Prefix<A>, nh: u32) {
        self.maps[p.len() as usize].insert(p.key(), nh);
    }
    fn lookup(&self, a: A) -> Option<u32> {
        let k = a.to_key();
        (0..=A::MAX_LEN)
            .rev()
            .find_map(|l| self.maps[l as usize].get(&k.truncate(l)).copied())
    }
}

fn check_big<A: Address>(lpm: &Lpm<A>, o: &LenMaps<A>, t: &Table<A>, rng: &mut Rng, n: usize)
where
    A::Key: std::hash::Hash,
{
    let mut addrs: Vec<A> = Vec::with_capacity(3 * n);
    for _ in 0..n {
        addrs.push(A::from_key(<A::Key as Key>::from_u128(
            ((rng.next() as u128) << 64) | rng.next() as u128,
        )));
        let (p, _) = t[rng.below(t.len() as u64) as usize];
        let k = p.key().to_u128();
        let all = u128::MAX >> (128 - A::MAX_LEN as u32);
        let span = all.checked_shr(p.len() as u32).unwrap_or(0);
        addrs.push(A::from_key(<A::Key as Key>::from_u128(k)));
        addrs.push(A::from_key(<A::Key as Key>::from_u128(k | span)));
    }
    let mut out = [None; MAX_BURST];
    for chunk in addrs.chunks(MAX_BURST) {
        lpm.lookup_burst(chunk, &mut out[..chunk.len()]).unwrap();
        for (a, r) in chunk.iter().zip(out) {
            let want = o.lookup(*a);
            assert_eq!(lpm.lookup(*a), want, "lookup {a}");
            assert_eq!(r, want, "burst {a}");
        }
    }
}

fn real_table<A: Address>(t: &Table<A>, seed: u64)
where
    A::Key: std::hash::Hash,
{
    let n = if cfg!(debug_assertions) {
        3_000
    } else {
        300_000
    };
    let mut rng = Rng::new(seed);
    let start = std::time::Instant::now();
    let mut lpm = Lpm::from_routes(t.iter().copied()).unwrap();
    let st = lpm.fib().stats();
    std::eprintln!(
        "{:?}: {} routes built in {:?}; {} KiB in all: fib {} KiB ({} nodes, {} leaves), rib {} KiB",
        A::FAMILY,
        lpm.len(),
        start.elapsed(),
        lpm.memory_bytes() / 1024,
        st.bytes / 1024,
        st.nodes,
        st.leaves,
        lpm.rib_bytes() / 1024
    );
    if A::FAMILY == Family::V4 {
        // Issue 7's budget for a full IPv4 table, everything the table holds counted.
        assert!(
            lpm.memory_bytes() <= 16 << 20,
            "{} bytes",
            lpm.memory_bytes()
        );
    }
    let mut o = LenMaps::new(t);
    check_big(&lpm, &o, t, &mut rng, n);
    for (p, nh) in t.iter().step_by(97) {
        assert_eq!(lpm.get(*p), Some(*nh));
    }
    // Remove every 10th route in one batch, check, then one by one put them back.
    let removed: Vec<_> = t.iter().step_by(10).copied().collect();
    for (p, _) in &removed {
        // Duplicates in the file: the last one won.
        if lpm.remove_staged(*p).is_ok() {
            o.remove(p);
        }
    }
    lpm.commit();
    check_big(&lpm, &o, t, &mut rng, n / 4);
    for (p, nh) in removed
        .iter()
        .take(if cfg!(debug_assertions) { 200 } else { 2000 })
    {
        lpm.insert(*p, *nh).unwrap();
        o.insert(p, *nh);
    }
    check_big(&lpm, &o, t, &mut rng, n / 4);
    // Default route removed and put back last.
    let def = Prefix::default_route();
    if let Some(nh) = lpm.get(def) {
        lpm.remove(def).unwrap();
        o.remove(&def);
        check_big(&lpm, &o, t, &mut rng, n / 8);
        lpm.insert(def, nh).unwrap();
        o.insert(&def, nh);
        check_big(&lpm, &o, t, &mut rng, n / 8);
    }
    if A::FAMILY == Family::V4 {
        assert!(
            lpm.memory_bytes() <= 16 << 20,
            "after updates: {}",
            lpm.memory_bytes()
        );
    }
}

#[test]
fn real_bgp_table_v4_and_v6() {
    let Some((v4, v6)) = load_bgp() else { return };
    assert!(v4.len() > 1_000_000 && v6.len() > 170_000);
    real_table(&v4, 1);
    every_burst_path_on(&v4);
    real_table(&v6, 2);
}

#[test]
fn lpm_grows_past_and_shrinks_below_the_small_table_threshold() {
    let mut rng = Rng::new(77);
    let g = super::tests::Gen::<Ipv4Addr>::new(&mut rng, 8);
    let mut o = super::oracle::LinearLpm::new();
    let mut l = Lpm::new();
    while o.len() < 3000 {
        let p = g.prefix(&mut rng);
        let nh = rng.below(50) as u32;
        assert_eq!(l.insert_staged(p, nh), Ok(o.insert(p, nh)));
        if o.len() % 500 == 0 {
            l.commit();
        }
    }
    l.commit();
    assert_eq!(l.fib().dir_bits(), 18, "large table");
    let addrs: Vec<Ipv4Addr> = (0..3000).map(|_| g.addr(&mut rng)).collect();
    super::tests::check_all(&LpmUnder(l.clone()), &o, &addrs);
    while o.len() > 500 {
        let p = o.routes()[rng.below(o.len() as u64) as usize].0;
        assert_eq!(l.remove(p), o.remove(p));
        if o.len() % 300 == 0 {
            super::tests::check_all(&LpmUnder(l.clone()), &o, &addrs[..300]);
        }
    }
    assert_eq!(l.fib().dir_bits(), 6, "small again");
    super::tests::check_all(&LpmUnder(l), &o, &addrs);
}

#[test]
fn vrf_table_overlapping_tenants_and_unknown_vrfs() {
    let mut t = VrfTable::new(4);
    let p = Prefix::new(Ipv4Addr::new(10, 0, 0, 0), 24).unwrap();
    let a = Ipv4Addr::new(10, 0, 0, 7);
    assert_eq!(t.insert(1, p, 1), Err(RouteError::UnknownVrf { vrf: 1 }));
    assert_eq!(
        t.add_vrf(4),
        Err(RouteError::VrfOutOfRange {
            vrf: 4,
            capacity: 4
        })
    );
    t.add_vrf(1).unwrap();
    t.add_vrf(2).unwrap();
    assert_eq!(t.add_vrf(2), Err(RouteError::VrfExists { vrf: 2 }));
    let reader = Arc::clone(t.snapshot());
    t.insert(1, p, 1).unwrap();
    t.insert(2, p, 2).unwrap();
    let p6 = Prefix::new("2001:db8::".parse::<Ipv6Addr>().unwrap(), 32).unwrap();
    t.insert(2, p6, 6).unwrap();
    assert_eq!(t.lookup(1, a), Some(1));
    assert_eq!(t.lookup(2, a), Some(2));
    assert_eq!(
        t.lookup(2, "2001:db8::1".parse::<Ipv6Addr>().unwrap()),
        Some(6)
    );
    assert_eq!(
        t.lookup(1, "2001:db8::1".parse::<Ipv6Addr>().unwrap()),
        None
    );
    assert_eq!(t.lookup(3, a), None);
    assert_eq!(reader.lookup(1, a), None, "an old snapshot is unchanged");
    let mut out = [None; 1];
    assert_eq!(
        t.lookup_burst(3, &[a], &mut out),
        Err(RouteError::UnknownVrf { vrf: 3 })
    );
    assert_eq!(t.get(1, p), Ok(Some(1)));
    assert_eq!(t.remove(1, p), Ok(1));
    assert_eq!(t.remove(1, p), Err(RouteError::NotFound));
    t.remove_vrf(2).unwrap();
    assert_eq!(t.lookup(2, a), None);
    assert_eq!(t.remove_vrf(2), Err(RouteError::UnknownVrf { vrf: 2 }));
    let shared = SharedVrfs::new(&t);
    t.insert(1, p, 9).unwrap();
    assert_eq!(shared.load().lookup(1, a), None);
    shared.publish(&t);
    assert_eq!(shared.load().lookup(1, a), Some(9));
}

#[test]
fn thousand_small_vrfs_next_to_a_full_table() {
    let full = load_bgp().map(|(v4, _)| v4);
    let mut t = VrfTable::new(1001);
    let mut rng = Rng::new(5);
    let mut tenants = Vec::new();
    for vrf in 0..1000u32 {
        t.add_vrf(vrf).unwrap();
        let g = super::tests::Gen::<Ipv4Addr>::new(&mut rng, 2);
        let mut o = super::oracle::LinearLpm::new();
        while o.len() < 20 {
            let p = g.prefix(&mut rng);
            o.insert(p, vrf);
        }
        t.extend(vrf, o.routes().iter().copied()).unwrap();
        tenants.push((g, o));
    }
    let small = t.fib_bytes();
    std::eprintln!("1000 VRFs x 20 routes: {} KiB of FIBs", small / 1024);
    assert!(small < 1000 * 16 * 1024, "a small VRF costs a few KiB");
    t.add_vrf(1000).unwrap();
    let full_o = full.as_ref().map(|v4| {
        t.extend(1000, v4.iter().copied()).unwrap();
        LenMaps::new(v4)
    });
    for (vrf, (g, o)) in tenants.iter().enumerate() {
        for _ in 0..20 {
            let a = g.addr(&mut rng);
            assert_eq!(t.lookup(vrf as u32, a), o.lookup(a), "vrf {vrf} {a}");
        }
    }
    if let (Some(v4), Some(o)) = (full.as_ref(), full_o.as_ref()) {
        for _ in 0..20_000 {
            let a = Ipv4Addr::from_bits(rng.next() as u32);
            assert_eq!(t.lookup(1000, a), o.lookup(a));
            let (p, _) = v4[rng.below(v4.len() as u64) as usize];
            assert_eq!(t.lookup(1000, p.addr()), o.lookup(p.addr()));
        }
    }
}

#[test]
fn vrf_table_differential_through_the_trait() {
    for seed in 0..3 {
        let mut t = VrfTable::new(3);
        t.add_vrf(0).unwrap();
        t.add_vrf(2).unwrap();
        // A neighbour VRF with its own routes must not leak into VRF 2.
        t.insert(0, Prefix::<Ipv4Addr>::default_route(), 5).unwrap();
        let mut u = super::tests::TableUnder { t, vrf: 2 };
        differential::<Ipv4Addr, _>(&mut u, seed + 300, 800);
        differential::<Ipv6Addr, _>(&mut u, seed + 400, 800);
        assert_eq!(u.t.lookup(0, Ipv4Addr::new(1, 2, 3, 4)), Some(5));
    }
}

/// The inline first level of a large IPv4 table: entries switching between the leaf and the
/// inline form (and slots between a leaf word and a node) under single published updates,
/// /0 and /32 among them, against the linear-scan oracle; then a full rebuild of the same
/// routes must answer the same. Checked through `lookup`, the portable walk and
/// `lookup_burst_raw` (with a caller's "none").
#[test]
fn inline_first_level_under_incremental_updates() {
    let mut rng = Rng::new(99);
    let mut o = super::oracle::LinearLpm::new();
    let mut l = Lpm::new();
    // Enough routes elsewhere for the large (18-bit) direct-pointing array.
    while o.len() < 2600 {
        let a = Ipv4Addr::from_bits(rng.next() as u32 | 0x8000_0000);
        let p = Prefix::new_truncating(a, 16 + rng.below(9) as u8).unwrap();
        let nh = rng.below(30) as u32;
        assert_eq!(l.insert_staged(p, nh), Ok(o.insert(p, nh)));
    }
    l.commit();
    assert_eq!(l.fib().dir_bits(), 18);
    // Updates inside 10.0.0.0/17 (two direct-pointing entries) and around it.
    let base = 0x0A00_0000u32;
    let mut probes: Vec<Ipv4Addr> = (0..512)
        .map(|_| Ipv4Addr::from_bits(base | (rng.next() as u32 & 0x7FFF)))
        .collect();
    let lens = [0u8, 8, 14, 17, 18, 19, 22, 24, 25, 26, 29, 30, 31, 32];
    for step in 0..600 {
        let len = lens[rng.below(lens.len() as u64) as usize];
        let a = Ipv4Addr::from_bits(base | (rng.next() as u32 & 0x7FFF));
        let p = Prefix::new_truncating(a, len).unwrap();
        let last = Ipv4Addr::from_bits(
            p.addr().to_bits() | (u32::MAX.checked_shr(len as u32).unwrap_or(0)),
        );
        probes.push(p.addr());
        probes.push(last);
        if rng.below(3) == 0 && o.len() > 2600 {
            let q = o.routes()[rng.below(o.len() as u64) as usize].0;
            assert_eq!(l.remove(q), o.remove(q), "remove {q}");
        } else {
            let nh = rng.below(4) as u32;
            assert_eq!(l.insert(p, nh), Ok(o.insert(p, nh)), "insert {p}");
        }
        if step % 20 == 19 {
            check_ids(l.fib(), &o, &probes);
        }
    }
    check_ids(l.fib(), &o, &probes);
    let rebuilt = Lpm::from_routes(o.routes().iter().copied()).unwrap();
    check_ids(rebuilt.fib(), &o, &probes);
}

/// Every burst walk this CPU runs (portable, `popcnt`, AVX-512), called directly, against the
/// linear-scan oracle: random tables, bursts of every length class around the 16-lane vectors.
#[test]
fn every_burst_path_matches_the_oracle() {
    for seed in 0..4 {
        let mut rng = Rng::new(100 + seed);
        let g = super::tests::Gen::<Ipv4Addr>::new(&mut rng, 8);
        let mut o = super::oracle::LinearLpm::new();
        let mut l = Lpm::new();
        // Seed 0 stays below the small-table threshold (6 direct-pointing bits), the others
        // use the full 18.
        let routes = if seed == 0 { 500 } else { 4000 };
        for _ in 0..routes {
            let p = g.prefix(&mut rng);
            let nh = rng.below(50) as u32;
            assert_eq!(l.insert_staged(p, nh), Ok(o.insert(p, nh)));
        }
        l.commit();
        let lens = [1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64];
        for round in 0..60 {
            let n = lens[round % lens.len()];
            let addrs: Vec<Ipv4Addr> = (0..n).map(|_| g.addr(&mut rng)).collect();
            let keys: Vec<u32> = addrs.iter().map(|a| a.to_bits()).collect();
            let want: Vec<Option<u32>> = addrs.iter().map(|a| o.lookup(*a)).collect();
            let none = if round % 2 == 0 { u32::MAX } else { 0 };
            let paths = l.fib().burst_paths(&keys, none);
            for (name, ids, hits) in paths {
                assert_eq!(hits, want.iter().flatten().count(), "{name} hits");
                for ((a, w), g) in addrs.iter().zip(&want).zip(ids) {
                    assert_eq!(g, w.unwrap_or(none), "{name} {a}");
                }
            }
        }
    }
}

/// [`every_burst_path_matches_the_oracle`] on the real table (addresses inside its routes).
fn every_burst_path_on(t: &Table<Ipv4Addr>) {
    let lpm = Lpm::from_routes(t.iter().copied()).unwrap();
    let o = LenMaps::new(t);
    let mut rng = Rng::new(7);
    let n = if cfg!(debug_assertions) { 64 } else { 2048 };
    for _ in 0..n {
        let keys: Vec<u32> = (0..MAX_BURST)
            .map(|_| {
                let (p, _) = t[rng.below(t.len() as u64) as usize];
                let host = u32::MAX.checked_shr(p.len() as u32).unwrap_or(0);
                p.key() | (rng.next() as u32 & host)
            })
            .collect();
        let want: Vec<Option<u32>> = keys
            .iter()
            .map(|k| o.lookup(Ipv4Addr::from_bits(*k)))
            .collect();
        for (name, ids, hits) in lpm.fib().burst_paths(&keys, u32::MAX) {
            assert_eq!(hits, want.iter().flatten().count(), "{name} hits");
            for ((k, w), g) in keys.iter().zip(&want).zip(ids) {
                assert_eq!(Some(g).filter(|&g| g != u32::MAX), *w, "{name} {k:#x}");
            }
        }
    }
}

fn check_ids(f: &Fib<Ipv4Addr>, o: &super::oracle::LinearLpm<Ipv4Addr>, probes: &[Ipv4Addr]) {
    let mut ids = [0u32; MAX_BURST];
    for c in probes.chunks(MAX_BURST) {
        let want: Vec<Option<u32>> = c.iter().map(|a| o.lookup(*a)).collect();
        let hits = f.lookup_burst_raw(c, &mut ids, u32::MAX).unwrap();
        assert_eq!(hits, want.iter().flatten().count());
        // The C API's form (the default method: converted, then the raw burst).
        let bits: Vec<u32> = c.iter().map(|a| a.to_bits()).collect();
        let mut conv = [0u32; MAX_BURST];
        let conv_hits = f
            .lookup_burst_conv(&bits, Ipv4Addr::from_bits, &mut conv, u32::MAX)
            .unwrap();
        assert_eq!(conv_hits, hits);
        assert_eq!(conv[..c.len()], ids[..c.len()]);
        for ((a, w), g) in c.iter().zip(&want).zip(ids) {
            assert_eq!(f.lookup(*a), *w, "lookup {a}");
            assert_eq!(f.lookup_portable(*a), *w, "portable {a}");
            assert_eq!(Some(g).filter(|&g| g != u32::MAX), *w, "burst {a}");
        }
        // A caller's "none" that is also a valid group id: the matches are still counted.
        let mut ids0 = [0u32; MAX_BURST];
        let hits0 = f.lookup_burst_raw(c, &mut ids0, 0).unwrap();
        assert_eq!(hits0, hits);
        for (w, g) in want.iter().zip(ids0) {
            assert_eq!(g, w.unwrap_or(0));
        }
    }
    assert!(f
        .lookup_burst_raw(&[Ipv4Addr::UNSPECIFIED; MAX_BURST + 1], &mut [0; 80], 0)
        .is_err());
    assert!(f
        .lookup_burst_raw(&[Ipv4Addr::UNSPECIFIED; 4], &mut [0; 3], 0)
        .is_err());
    assert!(f
        .lookup_burst_conv(&[0u32; MAX_BURST + 1], Ipv4Addr::from_bits, &mut [0; 80], 0)
        .is_err());
    assert!(f
        .lookup_burst_conv(&[0u32; 4], Ipv4Addr::from_bits, &mut [0; 3], 0)
        .is_err());
    assert_eq!(
        f.lookup_burst_conv(&[] as &[u32], Ipv4Addr::from_bits, &mut [], 0),
        Ok(0)
    );
}

/// The last two bits of a full IPv4 table's first-level nodes (/31 and /32 routes) are
/// resolved by four leaves per slot, no node below: every address of dense /24s against the
/// linear-scan oracle, by the single lookup and every burst walk, after a full build and
/// after incremental inserts and removals of /25../32 routes under them (the node rebuilt in
/// place) and of the covering routes.
#[test]
fn last_bits_of_ipv4_resolved_without_a_node() {
    let mut rng = Rng::new(31);
    let mut o = super::oracle::LinearLpm::new();
    let mut l = Lpm::<Ipv4Addr>::new();
    // Enough spread-out routes for the 18-bit direct-pointing array.
    for i in 0..3000u32 {
        let p = Prefix::new(Ipv4Addr::from_bits(0x2000_0000 | i << 12), 20).unwrap();
        assert_eq!(l.insert_staged(p, i % 9), Ok(o.insert(p, i % 9)));
    }
    // Four /24s (in two /18 entries) full of /25../32 routes with random ids.
    let blocks = [0x0A00_0000u32, 0x0A00_0100, 0x0A00_4000, 0x0A00_7F00];
    let mut dense = |l: &mut Lpm<Ipv4Addr>, o: &mut super::oracle::LinearLpm<Ipv4Addr>, n| {
        for _ in 0..n {
            let b = blocks[rng.below(4) as usize];
            let len = 25 + rng.below(8) as u8;
            let a = Ipv4Addr::from_bits(b | rng.next() as u32 & 0xFF);
            let p = Prefix::new_truncating(a, len).unwrap();
            if rng.below(4) == 0 {
                assert_eq!(l.remove(p), o.remove(p), "remove {p}");
            } else {
                let nh = rng.below(50) as u32;
                assert_eq!(l.insert(p, nh), Ok(o.insert(p, nh)), "insert {p}");
            }
        }
    };
    for b in blocks {
        let p = Prefix::new(Ipv4Addr::from_bits(b), 24).unwrap();
        assert_eq!(l.insert_staged(p, 60), Ok(o.insert(p, 60)));
    }
    l.commit();
    let check = |l: &Lpm<Ipv4Addr>, o: &super::oracle::LinearLpm<Ipv4Addr>| {
        assert_eq!(l.fib().dir_bits(), 18);
        let keys: Vec<u32> = blocks.iter().flat_map(|&b| b..b + 256).collect();
        for c in keys.chunks(MAX_BURST) {
            let want: Vec<Option<u32>> = c
                .iter()
                .map(|&k| o.lookup(Ipv4Addr::from_bits(k)))
                .collect();
            for (&k, w) in c.iter().zip(&want) {
                assert_eq!(l.lookup(Ipv4Addr::from_bits(k)), *w, "lookup {k:#x}");
            }
            for (name, ids, hits) in l.fib().burst_paths(c, u32::MAX) {
                assert_eq!(hits, want.iter().flatten().count(), "{name} hits");
                for ((k, w), g) in c.iter().zip(&want).zip(ids) {
                    assert_eq!(Some(g).filter(|&g| g != u32::MAX), *w, "{name} {k:#x}");
                }
            }
        }
    };
    // Staged (full build), then one by one (in-place node rebuilds).
    dense(&mut l, &mut o, 0);
    check(&l, &o);
    for round in 0..6 {
        dense(&mut l, &mut o, 150);
        check(&l, &o);
        if round == 2 {
            // The covering /24s go and come back (whole entries rebuilt).
            for b in blocks {
                let p = Prefix::new(Ipv4Addr::from_bits(b), 24).unwrap();
                assert_eq!(l.remove(p), o.remove(p));
            }
            check(&l, &o);
            for b in blocks {
                let p = Prefix::new(Ipv4Addr::from_bits(b), 24).unwrap();
                assert_eq!(l.insert(p, 61), Ok(o.insert(p, 61)));
            }
        }
    }
    // Only first-level nodes: at most one per /24 of the dense blocks.
    let st = l.fib().stats();
    assert!(st.nodes - st.dead_nodes <= blocks.len(), "{st:?}");
}
