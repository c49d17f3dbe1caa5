//! FDB tests: a `BTreeMap` model is the oracle under random operation sequences.

use super::model::{Model, ModelEntry};
use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::prelude::rust_2021::*;
use std::vec;

const AGE: u64 = 100;
const HOLD: u64 = 30;

fn cfg(macs: usize, segs: usize, flood: usize) -> FdbConfig {
    FdbConfig {
        mac_capacity: macs,
        segment_capacity: segs,
        flood_capacity: flood,
        age: AGE,
        move_hold: HOLD,
        default_segment_limit: 6,
        evict_when_full: false,
        seed: 0xfdb,
    }
}

/// [`cfg`] with no per-segment learning limit.
fn unlimited(macs: usize, segs: usize, flood: usize) -> FdbConfig {
    FdbConfig {
        default_segment_limit: u32::MAX,
        ..cfg(macs, segs, flood)
    }
}

/// A unicast MAC per `i < 2^16`.
fn mac16(i: u32) -> MacAddr {
    MacAddr([0x02, 0, 0, 0, (i >> 8) as u8, i as u8])
}

fn mac(i: u8) -> MacAddr {
    // Every 5th MAC is a group address, 0 is all-zero.
    match i {
        0 => MacAddr::ZERO,
        i if i % 5 == 0 => MacAddr([0x01, 0x00, 0x5e, 0, 0, i]),
        i => MacAddr([0xfa, 0x16, 0x3e, 0, 0, i]),
    }
}

fn dest(i: u8) -> Dest {
    match i % 7 {
        0..=2 => Dest::Port(u32::from(i % 7)),
        3 => Dest::Vtep(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
        4 => Dest::Vtep(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))),
        5 => Dest::Vtep(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))),
        // Two IPv6 VTEPs: a move between them changes only the side table's address.
        _ => Dest::Vtep(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2))),
    }
}

#[test]
fn learn_refresh_move_dampen_age() {
    let mut f = Fdb::with_config(cfg(100, 8, 8)).unwrap();
    let m = mac(1);
    assert_eq!(f.learn(7, m, Dest::Port(1), 10), Learned::New);
    assert_eq!(f.learn(7, m, Dest::Port(1), 20), Learned::Refreshed);
    assert_eq!(f.lookup(7, m, 25), Forward::Unicast(Dest::Port(1)));
    // Another segment does not see it.
    assert!(matches!(
        f.lookup(8, m, 25),
        Forward::Flood {
            reason: FloodReason::Unknown,
            ..
        }
    ));
    // First move is accepted, the next one within HOLD is dampened, after HOLD it moves again.
    assert_eq!(
        f.learn(7, m, Dest::Port(2), 30),
        Learned::Moved {
            from: Dest::Port(1)
        }
    );
    assert_eq!(
        f.learn(7, m, Dest::Port(1), 40),
        Learned::Dampened {
            stays: Dest::Port(2)
        }
    );
    assert_eq!(f.lookup(7, m, 41), Forward::Unicast(Dest::Port(2)));
    assert_eq!(
        f.learn(7, m, Dest::Port(1), 60),
        Learned::Moved {
            from: Dest::Port(2)
        }
    );
    // Aging: dead at last_seen + AGE for lookups, reclaimed by the sweep.
    assert_eq!(f.lookup(7, m, 159), Forward::Unicast(Dest::Port(1)));
    assert!(matches!(
        f.lookup(7, m, 160),
        Forward::Flood {
            reason: FloodReason::Unknown,
            ..
        }
    ));
    assert_eq!(f.segment(7), Some((6, 1)));
    let slots = f.sweep_slots();
    assert_eq!(f.age(160, slots), 1);
    assert_eq!(f.len(), 0);
    assert_eq!(f.segment(7), Some((6, 0)));
    let c = f.counters();
    assert_eq!(
        (c.learned, c.refreshed, c.moved, c.move_dampened, c.aged),
        (1, 1, 2, 1, 1)
    );
    assert_eq!((c.hits, c.misses), (3, 2));
}

#[test]
fn static_entries_win() {
    let mut f = Fdb::with_config(cfg(100, 8, 8)).unwrap();
    let vtep = Dest::Vtep(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)));
    assert_eq!(f.learn(1, mac(2), Dest::Port(3), 0), Learned::New);
    assert_eq!(f.segment(1), Some((6, 1)));
    // L2 population overrides a learned entry, which stops counting against the limit.
    f.add_static(1, mac(2), vtep, 5).unwrap();
    assert_eq!(f.segment(1), Some((6, 0)));
    assert_eq!(f.learn(1, mac(2), Dest::Port(3), 10), Learned::StaticKept);
    assert_eq!(f.lookup(1, mac(2), 1_000_000), Forward::Unicast(vtep));
    let slots = f.sweep_slots();
    assert_eq!(f.age(1_000_000, slots), 0);
    assert_eq!(f.add_static(1, mac(5), vtep, 0), Err(FdbError::NotUnicast));
    assert_eq!(
        f.add_static(1, MacAddr::ZERO, vtep, 0),
        Err(FdbError::NotUnicast)
    );
    assert_eq!(
        f.remove(1, mac(2)),
        Some(FdbEntry {
            dest: vtep,
            is_static: true,
            last_seen: 5
        })
    );
    assert_eq!(f.counters().static_kept, 1);
}

#[test]
fn group_and_zero_sources_are_not_learned() {
    let mut f = Fdb::with_config(cfg(100, 8, 8)).unwrap();
    for m in [mac(0), mac(5), MacAddr::BROADCAST] {
        assert_eq!(
            f.learn(1, m, Dest::Port(1), 0),
            Learned::Refused(Refusal::InvalidSource)
        );
    }
    assert!(f.is_empty());
    assert_eq!(f.counters().refused_invalid_source, 3);
}

#[test]
fn full_table_refuses_and_keeps_entries() {
    let mut f = Fdb::with_config(unlimited(50, 8, 8)).unwrap();
    let mut n = 0u32;
    let mut i = 0u32;
    // Fill the table (distinct MACs on one segment).
    while n < 50 {
        let m = MacAddr([0x02, 0, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        i += 1;
        if f.learn(1, m, Dest::Port(1), 0) == Learned::New {
            n += 1;
        }
    }
    let before: Vec<_> = f.entries().collect();
    let r = f.learn(1, mac(1), Dest::Port(2), 1);
    assert_eq!(r, Learned::Refused(Refusal::TableFull));
    assert_eq!(f.counters().refused_full, 1);
    assert_eq!(f.entries().collect::<Vec<_>>(), before);
    // The frame still forwards: the destination floods as unknown.
    f.flood_add(1, Dest::Port(9)).unwrap();
    let fw = f.lookup(1, mac(1), 1);
    let Forward::Flood { reason, list } = fw else {
        unreachable!("{fw:?}")
    };
    assert_eq!(reason, FloodReason::Unknown);
    assert_eq!(list.iter().collect::<Vec<_>>(), vec![Dest::Port(9)]);
}

#[test]
fn evict_when_full_replaces_oldest_learned() {
    let mut f = Fdb::with_config(FdbConfig {
        evict_when_full: true,
        default_segment_limit: u32::MAX,
        ..cfg(16, 8, 8)
    })
    .unwrap();
    for i in 0..16u8 {
        let m = MacAddr([0x02, 0, 0, 0, 0, i]);
        if i < 8 {
            f.add_static(1, m, Dest::Port(0), 0).unwrap();
        } else {
            assert_eq!(f.learn(1, m, Dest::Port(1), u64::from(i)), Learned::New);
        }
    }
    assert_eq!(f.len(), 16);
    assert_eq!(
        f.learn(1, MacAddr([0x02, 0, 0, 0, 1, 0]), Dest::Port(2), 50),
        Learned::New
    );
    assert_eq!(f.len(), 16);
    assert_eq!(f.counters().evicted, 1);
    // Statics survive; the victim was a learned one; the segment count stays 8.
    assert_eq!(f.entries().filter(|e| e.2.is_static).count(), 8);
    assert_eq!(f.segment(1), Some((u32::MAX, 8)));
}

#[test]
fn segment_limits() {
    let mut f = Fdb::with_config(cfg(100, 2, 8)).unwrap();
    f.set_segment_limit(3, 2).unwrap();
    assert_eq!(f.learn(3, mac(1), Dest::Port(1), 0), Learned::New);
    assert_eq!(f.learn(3, mac(2), Dest::Port(1), 0), Learned::New);
    assert_eq!(
        f.learn(3, mac(3), Dest::Port(1), 0),
        Learned::Refused(Refusal::SegmentLimit)
    );
    // Existing entries still refresh at the limit.
    assert_eq!(f.learn(3, mac(2), Dest::Port(1), 1), Learned::Refreshed);
    // Segment table of 2: a third segment has no room for state.
    assert_eq!(f.learn(4, mac(1), Dest::Port(1), 0), Learned::New);
    assert_eq!(
        f.learn(5, mac(1), Dest::Port(1), 0),
        Learned::Refused(Refusal::SegmentTableFull)
    );
    assert_eq!(f.set_segment_limit(6, 1), Err(FdbError::SegmentTableFull));
    assert_eq!(f.counters().refused_limit, 1);
    assert_eq!(f.counters().refused_segments, 1);
}

#[test]
fn flood_lists_and_group_destinations() {
    let mut f = Fdb::with_config(cfg(100, 8, 4)).unwrap();
    let v = Dest::Vtep(IpAddr::V6(Ipv6Addr::LOCALHOST));
    f.flood_add(2, Dest::Port(5)).unwrap();
    f.flood_add(1, Dest::Port(7)).unwrap();
    f.flood_add(2, v).unwrap();
    f.flood_add(2, Dest::Port(1)).unwrap();
    f.flood_add(2, Dest::Port(1)).unwrap(); // duplicate: no-op
    assert_eq!(f.flood_add(3, Dest::Port(1)), Err(FdbError::FloodFull));
    assert_eq!(
        f.flood_list(2).iter().collect::<Vec<_>>(),
        vec![Dest::Port(1), Dest::Port(5), v]
    );
    assert_eq!(
        f.flood_list(2).except(Dest::Port(5)).collect::<Vec<_>>(),
        vec![Dest::Port(1), v]
    );
    assert!(f.flood_list(9).is_empty());
    let Forward::Flood { reason, list } = f.lookup(2, MacAddr::BROADCAST, 0) else {
        unreachable!()
    };
    assert_eq!((reason, list.len()), (FloodReason::Broadcast, 3));
    let Forward::Flood { reason, list } = f.lookup(1, mac(5), 0) else {
        unreachable!()
    };
    assert_eq!((reason, list.len()), (FloodReason::Multicast, 1));
    assert!(f.flood_remove(2, Dest::Port(5)));
    assert!(!f.flood_remove(2, Dest::Port(5)));
    assert_eq!(
        f.flood_list(2).iter().collect::<Vec<_>>(),
        vec![Dest::Port(1), v]
    );
    assert_eq!(
        f.flood_list(1).iter().collect::<Vec<_>>(),
        vec![Dest::Port(7)]
    );
    assert_eq!((f.counters().broadcast, f.counters().multicast), (1, 1));
}

#[test]
fn caller_memory_and_sizes() {
    let c = cfg(1000, 16, 32);
    let need = Fdb::mem_size(&c).unwrap();
    let mut small = vec![0u8; need - 1];
    assert_eq!(
        Fdb::new_in(&mut small, c).err(),
        Some(FdbError::MemTooSmall {
            need,
            have: need - 1
        })
    );
    let mut mem = vec![0xeeu8; need];
    let mut f = Fdb::new_in(&mut mem, c).unwrap();
    assert_eq!(f.learn(1, mac(1), Dest::Port(1), 0), Learned::New);
    assert_eq!(f.lookup(1, mac(1), 0), Forward::Unicast(Dest::Port(1)));
    assert!(Fdb::mem_size(&cfg(0, 1, 1)).is_err());
}

#[test]
fn burst_matches_single() {
    let mut f = Fdb::with_config(cfg(200, 8, 8)).unwrap();
    for i in 1..40u8 {
        f.learn(u32::from(i % 3), mac(i), dest(i), u64::from(i));
    }
    let keys: Vec<(SegmentId, MacAddr)> = (0..64u8).map(|i| (u32::from(i % 4), mac(i))).collect();
    let mut out = [None; 64];
    let now = 120;
    let mask = f.lookup_burst(&keys, now, &mut out).unwrap();
    for (i, (seg, m)) in keys.iter().enumerate() {
        let want = match f.lookup(*seg, *m, now) {
            Forward::Unicast(d) => Some(d),
            Forward::Flood { .. } => None,
        };
        assert_eq!(out[i], want, "key {i}");
        assert_eq!(mask >> i & 1 == 1, want.is_some());
    }
    let many = vec![(0, mac(1)); 65];
    let mut out65 = [None; 65];
    assert!(f.lookup_burst(&many, 0, &mut out65).is_err());
}

// ---- the oracle: `model.rs` ----

#[derive(Debug, Clone)]
enum Op {
    Learn(u8, u8, u8, u8),
    Static(u8, u8, u8),
    Remove(u8, u8),
    Lookup(u8, u8),
    AgeFull,
    AgePart(u8),
    Limit(u8, u8),
    FloodAdd(u8, u8),
    FloodDel(u8, u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u8..4, 0u8..14, 0u8..7, proptest::sample::select(vec![0u8, 0, 1, 2, 10, 15, 29, 30, 31, 70, 100]))
            .prop_map(|(s, m, d, t)| Op::Learn(s, m, d, t)),
        1 => (0u8..4, 0u8..14, 0u8..7).prop_map(|(s, m, d)| Op::Static(s, m, d)),
        1 => (0u8..4, 0u8..14).prop_map(|(s, m)| Op::Remove(s, m)),
        4 => (0u8..4, 0u8..14).prop_map(|(s, m)| Op::Lookup(s, m)),
        1 => Just(Op::AgeFull),
        1 => any::<u8>().prop_map(Op::AgePart),
        1 => (0u8..4, 0u8..8).prop_map(|(s, l)| Op::Limit(s, l)),
        1 => (0u8..4, 0u8..7).prop_map(|(s, d)| Op::FloodAdd(s, d)),
        1 => (0u8..4, 0u8..7).prop_map(|(s, d)| Op::FloodDel(s, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn agrees_with_btreemap(cap in 4usize..24, ops in proptest::collection::vec(op(), 1..300)) {
        // Three segments of state for four segment ids; six flood members at most.
        let c = cfg(cap, 3, 6);
        let mut f = Fdb::with_config(c).unwrap();
        let mut m = Model::new(c);
        let mut now = 0u64;
        for o in ops {
            prop_assert!(f.side_table_consistent());
            match o {
                Op::Learn(s, mi, di, dt) => {
                    now += u64::from(dt);
                    let (seg, mc, d) = (u32::from(s), mac(mi), dest(di));
                    let got = f.learn(seg, mc, d, now);
                    let want = m.learn(seg, mc, d, now, got);
                    prop_assert_eq!(got, want);
                }
                Op::Static(s, mi, di) => {
                    let (seg, mc, d) = (u32::from(s), mac(mi), dest(di));
                    let got = f.add_static(seg, mc, d, now);
                    if !mc.is_unicast() {
                        prop_assert_eq!(got, Err(FdbError::NotUnicast));
                    } else if m.macs.contains_key(&(seg, mc.0)) || m.macs.len() < cap {
                        prop_assert_eq!(got, Ok(()));
                        m.macs.insert((seg, mc.0), ModelEntry { dest: d, stat: true, last_seen: now, last_move: None });
                    } else {
                        prop_assert_eq!(got, Err(FdbError::MacTableFull));
                    }
                }
                Op::Remove(s, mi) => {
                    let (seg, mc) = (u32::from(s), mac(mi));
                    let want = m.macs.remove(&(seg, mc.0)).map(|e| e.public());
                    prop_assert_eq!(f.remove(seg, mc), want);
                }
                Op::Lookup(s, mi) => {
                    let (seg, mc) = (u32::from(s), mac(mi));
                    let flood = m.flood_list(seg);
                    let got = f.lookup(seg, mc, now);
                    let (reason, want_dest) = m.lookup(seg, mc, now);
                    match got {
                        Forward::Unicast(d) => { prop_assert_eq!(Some(d), want_dest); prop_assert!(reason.is_none()); }
                        Forward::Flood { reason: r, list } => {
                            prop_assert_eq!(Some(r), reason);
                            prop_assert_eq!(list.iter().collect::<Vec<_>>(), flood);
                        }
                    }
                }
                Op::AgeFull => {
                    let slots = f.sweep_slots();
                    let n = f.age(now, slots) + f.age(now, slots);
                    let before = m.macs.len();
                    m.macs.retain(|_, e| !e.expired(now, AGE));
                    prop_assert_eq!(n, before - m.macs.len());
                    m.c.aged += n as u64;
                }
                Op::AgePart(budget) => {
                    let n = f.age(now, usize::from(budget));
                    // Whatever the sweep reached: each entry gone from the FDB was dead.
                    let live: BTreeSet<(u32, [u8; 6])> = f.entries().map(|(s, mc, _)| (s, mc.0)).collect();
                    let mut gone = 0;
                    for (k, e) in &m.macs {
                        if !live.contains(k) { prop_assert!(e.expired(now, AGE)); gone += 1; }
                    }
                    prop_assert_eq!(gone, n);
                    m.macs.retain(|k, _| live.contains(k));
                    m.c.aged += n as u64;
                }
                Op::Limit(s, l) => {
                    let seg = u32::from(s);
                    let got = f.set_segment_limit(seg, u32::from(l));
                    if m.limits.contains_key(&seg) || m.limits.len() < 3 {
                        prop_assert_eq!(got, Ok(()));
                        m.limits.insert(seg, u32::from(l));
                    } else {
                        prop_assert_eq!(got, Err(FdbError::SegmentTableFull));
                    }
                }
                Op::FloodAdd(s, di) => {
                    let (seg, d) = (u32::from(s), dest(di));
                    let got = f.flood_add(seg, d);
                    if m.flood.contains(&(seg, d)) || m.flood.len() < 6 {
                        prop_assert_eq!(got, Ok(()));
                        m.flood.insert((seg, d));
                    } else {
                        prop_assert_eq!(got, Err(FdbError::FloodFull));
                    }
                }
                Op::FloodDel(s, di) => {
                    let (seg, d) = (u32::from(s), dest(di));
                    prop_assert_eq!(f.flood_remove(seg, d), m.flood.remove(&(seg, d)));
                }
            }
            prop_assert_eq!(f.len(), m.macs.len());
            for seg in 0..4u32 {
                let want = m.limits.get(&seg).map(|l| (*l, m.learned(seg)));
                prop_assert_eq!(f.segment(seg), want, "segment {}", seg);
            }
        }
        prop_assert!(f.side_table_consistent());
        let got: BTreeMap<(u32, [u8; 6]), FdbEntry> = f.entries().map(|(s, mc, e)| ((s, mc.0), e)).collect();
        prop_assert_eq!(got, m.contents());
        prop_assert_eq!(f.counters(), &m.c);
    }
}

type FdbBox = Fdb<Box<[u8]>>;

/// Runs `frames` through `bur`'s burst at `now` and through `seq` frame by frame (learn, then
/// lookup): `Err` names the first frame where they differ. The burst's results otherwise.
#[allow(clippy::type_complexity)]
fn burst_vs_sequential(
    seq: &mut FdbBox,
    bur: &mut FdbBox,
    frames: &[FrameAddr],
    now: u64,
) -> Result<(Vec<Learned>, Vec<Option<Dest>>, u64), String> {
    let mut learned = vec![Learned::New; frames.len()];
    let mut out = vec![None; frames.len()];
    let mask = bur
        .learn_lookup_burst(frames, now, &mut learned, &mut out)
        .map_err(|e| format!("{e:?}"))?;
    for (i, f) in frames.iter().enumerate() {
        let l = seq.learn(f.seg, f.src, f.from, now);
        if l != learned[i] {
            return Err(format!(
                "frame {i}: learned {:?}, sequential {l:?}",
                learned[i]
            ));
        }
        let want = match seq.lookup(f.seg, f.dst, now) {
            Forward::Unicast(d) => Some(d),
            Forward::Flood { .. } => None,
        };
        if out[i] != want || (mask >> i & 1 == 1) != want.is_some() {
            return Err(format!(
                "frame {i}: out {:?} (mask {mask:#x}), sequential {want:?}",
                out[i]
            ));
        }
    }
    Ok((learned, out, mask))
}

/// Every candidate stage this CPU runs (`stages`), with and without slot prefetches, through
/// whole bursts against frame-by-frame learn + lookup: runs of common frames (known sources
/// on their ports and IPv4 VTEPs, destinations on ports, IPv4 VTEPs and static entries, MACs
/// repeated within a burst) broken by every uncommon kind — a move, a dampened move, a new
/// MAC, an IPv6 VTEP source or destination, a dead entry, an absent or group destination, a
/// group source — one per burst at a position that varies (or none), in bursts of 40
/// lengths from 1 to 64; the counters show that each kind was met. (The other burst tests
/// run only this CPU's best stage, with prefetches: unit tests always prefetch.)
#[test]
fn every_stage_is_sequential() {
    let c = unlimited(600, 8, 8);
    let m = mac16;
    let v4 = |i: u32| Dest::Vtep(IpAddr::V4(Ipv4Addr::new(198, 51, 100, (i % 5) as u8)));
    let v6 = Dest::Vtep(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7)));
    // MACs 0..300 learned at `AGE` (on a port, or an IPv4 VTEP every third), 300..320 static;
    // on every segment `g`, 320 + g on an IPv6 VTEP and 330 + g learned at 0, dead in every
    // burst (`now > AGE`).
    let from = |i: u32| {
        if i % 3 == 1 {
            v4(i)
        } else {
            Dest::Port(i % 13)
        }
    };
    let ways = stages(false).into_iter().flatten().count();
    assert!(ways >= 1);
    let mut bursts = 0;
    for way in 0..ways {
        for pf in [false, true] {
            let mut seq = Fdb::with_config(c).unwrap();
            let mut bur = Fdb::with_config(c).unwrap();
            for f in [&mut seq, &mut bur] {
                for i in 0..300u32 {
                    assert_eq!(f.learn(i % 4, m(i), from(i), AGE), Learned::New);
                }
                for i in 300..320u32 {
                    f.add_static(i % 4, m(i), from(i), 0).unwrap();
                }
                for g in 0..4 {
                    assert_eq!(f.learn(g, m(320 + g), v6, AGE), Learned::New);
                    assert_eq!(f.learn(g, m(330 + g), Dest::Port(1), 0), Learned::New);
                }
            }
            let mut rng = 0x5851_f42d_4c95_7f2du64;
            for t in 0..40u64 {
                let now = AGE + 1 + t / 3;
                let len = 1 + (t as usize * 13) % 64;
                let odd_at = (t as usize * 7) % (len + 8);
                let frames: Vec<FrameAddr> = (0..len)
                    .map(|k| {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        // Sources among 40 MACs (repeats), destinations among the learned
                        // and static ones, of the source's segment.
                        let s = (rng % 40) as u32 * 4 + (t as u32 % 4);
                        let d = ((rng >> 20) % 80) as u32 * 4 + s % 4;
                        let mut f = FrameAddr {
                            seg: s % 4,
                            src: m(s),
                            dst: m(d),
                            from: from(s),
                        };
                        let g = f.seg;
                        if k == odd_at {
                            match t % 9 {
                                0 => f.from = Dest::Port(99),
                                1 => f.src = m(500 + t as u32),
                                2 => (f.src, f.from) = (m(320 + g), v6),
                                3 => f.dst = m(320 + g),
                                4 => f.dst = m(330 + g),
                                5 => f.dst = m(555),
                                6 => f.dst = MacAddr::BROADCAST,
                                7 => f.src = MacAddr([0x01, 0, 0x5e, 0, 0, 1]),
                                _ => f.from = Dest::Port(98),
                            }
                        }
                        f
                    })
                    .collect();
                let (mut learned, mut out) = (vec![Learned::New; len], vec![None; len]);
                let mask = bur
                    .burst_via(&frames, now, &mut learned, &mut out, Some((way, pf)))
                    .unwrap();
                for (i, f) in frames.iter().enumerate() {
                    let l = seq.learn(f.seg, f.src, f.from, now);
                    assert_eq!(learned[i], l, "way {way} pf {pf} burst {t} frame {i}");
                    let want = match seq.lookup(f.seg, f.dst, now) {
                        Forward::Unicast(d) => Some(d),
                        Forward::Flood { .. } => None,
                    };
                    assert_eq!(out[i], want, "way {way} pf {pf} burst {t} frame {i}");
                    assert_eq!(mask >> i & 1 == 1, want.is_some());
                }
                bursts += 1;
            }
            assert!(same_state(&seq, &bur), "way {way} pf {pf}");
            assert!(bur.side_table_consistent());
            // The uncommon kinds were met (the counters are equal, checked above).
            let k = seq.counters();
            assert!(k.moved > 0 && k.move_dampened > 0 && k.refused_invalid_source > 0);
            assert!(k.learned > 308 && k.broadcast > 0 && k.misses > 0);
            assert!(k.refreshed > 1000 && k.hits > 1000, "{k:?}");
        }
    }
    assert_eq!(bursts, 80 * ways);
}

/// The two FDBs hold the same entries (`last_seen` included) and counters.
fn same_state(seq: &FdbBox, bur: &FdbBox) -> bool {
    let a: BTreeMap<_, _> = seq.entries().map(|(s, m, e)| ((s, m.0), e)).collect();
    let b: BTreeMap<_, _> = bur.entries().map(|(s, m, e)| ((s, m.0), e)).collect();
    a == b && seq.counters() == bur.counters()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The burst gives the same results, counters and final table as frame-by-frame
    /// learn + lookup, including repeated MACs within a burst, full tables and eviction.
    #[test]
    fn learn_lookup_burst_is_sequential(
        cap in 4usize..40,
        evict in any::<bool>(),
        statics in proptest::collection::vec((0u8..3, 0u8..14, 0u8..7), 0..6),
        bursts in proptest::collection::vec(
            proptest::collection::vec((0u8..3, 0u8..14, 0u8..14, 0u8..7), 0..=64), 1..6),
    ) {
        let c = FdbConfig { evict_when_full: evict, ..cfg(cap, 3, 6) };
        let mut seq = Fdb::with_config(c).unwrap();
        let mut bur = Fdb::with_config(c).unwrap();
        // Static entries (never aged, never learned over) as sources and destinations.
        for &(s, m, d) in &statics {
            let (seg, mc, d) = (u32::from(s), mac(m), dest(d));
            prop_assert_eq!(seq.add_static(seg, mc, d, 0), bur.add_static(seg, mc, d, 0));
        }
        for (t, b) in bursts.iter().enumerate() {
            let now = t as u64 * 40;
            let frames: Vec<FrameAddr> = b.iter().map(|&(s, sm, dm, d)| FrameAddr {
                seg: u32::from(s), src: mac(sm), dst: mac(dm), from: dest(d),
            }).collect();
            burst_vs_sequential(&mut seq, &mut bur, &frames, now).map_err(TestCaseError::fail)?;
        }
        prop_assert!(seq.side_table_consistent() && bur.side_table_consistent());
        prop_assert!(same_state(&seq, &bur));
    }
}

/// Two MACs whose keys get the same tag and the same bucket pair: a lookup of the absent one
/// finds the present one's slot as its candidate, and only the key compare tells them apart.
/// The burst's common-case loop must treat that like any other uncommon frame.
#[test]
fn burst_tag_collision_is_not_a_hit() {
    let c = unlimited(8, 4, 4);
    let probe = Fdb::with_config(c).unwrap();
    let mut seen = std::collections::HashMap::new();
    let mut pair = None;
    for i in 1..200_000u32 {
        let b = i.to_be_bytes();
        let m = MacAddr([0x02, 0x00, b[0], b[1], b[2], b[3]]);
        let p = probe.macs.probe_fingerprint(&Key::new(1, m));
        if let Some(&other) = seen.get(&p) {
            pair = Some((other, m));
            break;
        }
        seen.insert(p, m);
    }
    let (a, b) = pair.expect("a tag and bucket-pair collision among 200k MACs");
    for from in [
        Dest::Port(3),
        Dest::Vtep(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))),
    ] {
        let mut seq = Fdb::with_config(c).unwrap();
        let mut bur = Fdb::with_config(c).unwrap();
        assert_eq!(seq.learn(1, a, from, 1), Learned::New);
        assert_eq!(bur.learn(1, a, from, 1), Learned::New);
        // b is absent but its candidate slot is a's; as source, as destination, and both.
        let frames = [
            FrameAddr {
                seg: 1,
                src: a,
                dst: a,
                from,
            },
            FrameAddr {
                seg: 1,
                src: a,
                dst: b,
                from,
            },
            FrameAddr {
                seg: 1,
                src: b,
                dst: a,
                from,
            },
            FrameAddr {
                seg: 1,
                src: b,
                dst: b,
                from,
            },
            FrameAddr {
                seg: 1,
                src: a,
                dst: b,
                from,
            },
        ];
        let (learned, out, _) = burst_vs_sequential(&mut seq, &mut bur, &frames, 2).unwrap();
        // Frame 1 finds no b, frame 2 learns it, frame 3 finds it.
        assert_eq!(out[1], None);
        assert_eq!(learned[2], Learned::New);
        assert_eq!(out[3], Some(from));
        assert!(same_state(&seq, &bur));
    }
}

/// Whole bursts of common-case frames (every source known on its port or IPv4 VTEP, every
/// destination known), with one uncommon frame at chosen positions — across and at the edges
/// of groups of eight — and repeated MACs within a burst: the same results, counters and
/// table (`last_seen` included) as frame-by-frame learn + lookup. (The proptest's random
/// frames rarely keep the common-case loop going for long.)
#[test]
fn long_common_bursts_are_sequential() {
    let c = unlimited(400, 8, 8);
    let m = mac16;
    let from = |i: u32| match i % 3 {
        0 => Dest::Port(i % 11),
        1 => Dest::Vtep(IpAddr::V4(Ipv4Addr::new(198, 51, 100, (i % 7) as u8))),
        _ => Dest::Port(40 + i % 5),
    };
    for odd in [None, Some(0), Some(7), Some(8), Some(9), Some(31), Some(63)] {
        let mut seq = Fdb::with_config(c).unwrap();
        let mut bur = Fdb::with_config(c).unwrap();
        for i in 0..300u32 {
            let seg = i % 3;
            assert_eq!(seq.learn(seg, m(i), from(i), 1), Learned::New);
            assert_eq!(bur.learn(seg, m(i), from(i), 1), Learned::New);
        }
        for t in 0..4u64 {
            // Two bursts at one tick (the second refreshes nothing), then later ticks.
            let now = 2 + t / 2 * 5;
            let frames: Vec<FrameAddr> = (0..64u32)
                .map(|k| {
                    // Sources repeat within the burst (k % 40); destinations of the same
                    // segment, some equal to an earlier frame's source.
                    let s = (k * 7 + t as u32 * 13) % 40 * 3 + k % 3;
                    let d = (k * 11 + 5) % 90 * 3 + k % 3;
                    let mut f = FrameAddr {
                        seg: k % 3,
                        src: m(s),
                        dst: m(d),
                        from: from(s),
                    };
                    if Some(k as usize) == odd {
                        // A move: the general path from here on.
                        f.from = Dest::Port(99);
                    }
                    f
                })
                .collect();
            let (learned, _, mask) = burst_vs_sequential(&mut seq, &mut bur, &frames, now)
                .unwrap_or_else(|e| std::panic!("odd {odd:?}: {e}"));
            if odd.is_none() {
                assert!(learned.iter().all(|l| *l == Learned::Refreshed));
                assert_eq!(mask, u64::MAX);
            }
        }
        assert!(same_state(&seq, &bur), "odd {odd:?}");
    }
}

/// The destinations the burst's common case takes on its cold branch — static entries on a
/// port and on an IPv4 VTEP, a learned entry that moved (flags not 0), a learned entry on an
/// IPv4 VTEP — and ones it must leave to the general path (an IPv6 VTEP, a dead entry, an
/// absent MAC), each in the middle of a burst of common frames: the same results, counters and
/// table as frame-by-frame learn + lookup.
#[test]
fn burst_common_case_destination_kinds() {
    let c = FdbConfig {
        default_segment_limit: u32::MAX,
        move_hold: 0,
        ..cfg(64, 4, 4)
    };
    let m = |i: u8| MacAddr([0x02, 0, 0, 0, 1, i]);
    let v4 = Dest::Vtep(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
    let v6 = Dest::Vtep(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 9)));
    // Static on a port, static on an IPv4 VTEP, moved (learned on port 1, then port 2),
    // learned on an IPv4 VTEP; then an IPv6 VTEP, a dead entry, an absent MAC.
    let special = [100, 101, 102, 103, 104, 105, 106].map(m);
    for (k, &dst) in special.iter().enumerate() {
        let mut seq = Fdb::with_config(c).unwrap();
        let mut bur = Fdb::with_config(c).unwrap();
        for f in [&mut seq, &mut bur] {
            for i in 0..20u8 {
                assert_eq!(
                    f.learn(1, m(i), Dest::Port(u32::from(i % 4)), AGE),
                    Learned::New
                );
            }
            f.add_static(1, m(100), Dest::Port(7), 0).unwrap();
            f.add_static(1, m(101), v4, 0).unwrap();
            assert_eq!(f.learn(1, m(102), Dest::Port(1), AGE), Learned::New);
            assert!(matches!(
                f.learn(1, m(102), Dest::Port(2), AGE + 1),
                Learned::Moved { .. }
            ));
            assert_eq!(f.learn(1, m(103), v4, AGE), Learned::New);
            assert_eq!(f.learn(1, m(104), v6, AGE), Learned::New);
            assert_eq!(f.learn(1, m(105), Dest::Port(3), 0), Learned::New);
        }
        let now = AGE + 2;
        // Every frame common (known sources on their ports, known destinations), the
        // special destination at frame 5 + k and at the last frame.
        let frames: Vec<FrameAddr> = (0..40u8)
            .map(|j| FrameAddr {
                seg: 1,
                src: m(j % 20),
                dst: if j == 5 + k as u8 || j == 39 {
                    dst
                } else {
                    m((j * 3) % 20)
                },
                from: Dest::Port(u32::from(j % 20 % 4)),
            })
            .collect();
        let (_, out, _) = burst_vs_sequential(&mut seq, &mut bur, &frames, now).unwrap();
        let expect_hit = k < 5;
        assert_eq!(out[5 + k].is_some(), expect_hit, "destination kind {k}");
        assert!(same_state(&seq, &bur), "destination kind {k}");
    }
}

/// A destination absent from the table whose key is all zeros but for its last MAC bytes
/// (segment 0, MAC 00:00:00:00:xx:xx), looked up while every entry is live (`now < age`):
/// the burst's common case reads the sentinel slot for it (all zeros, kind 0), whose key
/// words and liveness match such a key, and must still leave it to the general path (a
/// miss), like frame-by-frame learn + lookup.
#[test]
fn burst_absent_zero_key_is_a_miss() {
    let c = unlimited(64, 4, 4);
    let m = |i: u8| MacAddr([0x02, 0, 0, 0, 1, i]);
    for (k, dst) in [
        MacAddr::ZERO,
        MacAddr([0, 0, 0, 0, 0, 2]),
        MacAddr([0, 0, 0, 0, 1, 0]),
    ]
    .into_iter()
    .enumerate()
    {
        let mut seq = Fdb::with_config(c).unwrap();
        let mut bur = Fdb::with_config(c).unwrap();
        for f in [&mut seq, &mut bur] {
            for i in 0..20u8 {
                assert_eq!(
                    f.learn(0, m(i), Dest::Port(u32::from(i % 4)), 1),
                    Learned::New
                );
            }
        }
        let frames: Vec<FrameAddr> = (0..16u8)
            .map(|j| FrameAddr {
                seg: 0,
                src: m(j),
                dst: if j == 9 { dst } else { m(19 - j) },
                from: Dest::Port(u32::from(j % 4)),
            })
            .collect();
        // `now` below the age: every `last_seen` (the sentinel's 0 too) is live.
        let (_, out, mask) = burst_vs_sequential(&mut seq, &mut bur, &frames, 2).unwrap();
        assert_eq!(out[9], None, "destination {k}");
        assert_eq!(mask, 0xffff & !(1 << 9), "destination {k}");
        assert!(same_state(&seq, &bur), "destination {k}");
    }
}

/// The candidate stage, portable and (when the CPU has them) compiled for AVX2 and on AVX-512
/// (eight frames at a time, the rest scalar: bursts of 1 to 60 frames), with and
/// without prefetches, gives the same candidates; checked against the table's own lookup
/// (`find_key_idx`, the full two-bucket search): a present key's candidate holds it, and an
/// absent key's is the sentinel — unless a tag collision (a slot of the key's buckets with
/// the same tag) comes first, which then holds another key of that tag.
#[test]
fn candidate_stages_agree_with_lookup() {
    let c = unlimited(3000, 8, 4);
    let mut f = Fdb::with_config(c).unwrap();
    let m = |i: u32| MacAddr([0x02, 0, 0, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
    // Even MACs present, odd ones absent.
    for i in (0..5000u32).step_by(2) {
        assert_eq!(f.learn(i % 5, m(i), Dest::Port(i % 9), 1), Learned::New);
    }
    let tag = |f: &FdbBox, k: &Key| f.macs.probe_fingerprint(k).2;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut collisions = 0;
    for round in 0..60 {
        let frames: Vec<FrameAddr> = (0..1 + round % 64)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let (s, d) = ((rng % 5000) as u32, (rng >> 32) as u32 % 5000);
                FrameAddr {
                    seg: s % 5,
                    src: m(s),
                    dst: m(d - d % 5 + s % 5),
                    from: Dest::Port(s % 9),
                }
            })
            .collect();
        let mut sentinel = [0u8; 32];
        let none = sentinel.as_mut_ptr();
        let mut got: Vec<[usize; PIPE_MAX]> = vec![];
        let view = f.macs.pipe_view().unwrap();
        let first = view.first();
        for pf in [false, true] {
            for (stage, _) in stages(pf).into_iter().flatten() {
                let mut cands = [none; PIPE_MAX];
                // SAFETY: `stages` lists only the stages this CPU runs.
                #[allow(unsafe_code)]
                unsafe {
                    stage(&view, &frames, &mut cands, none)
                };
                got.push(cands.map(|p| p as usize));
            }
        }
        // Every stage this CPU has ran (the portable one at least), with and without
        // prefetches.
        let avail = stages(false).into_iter().flatten().count();
        assert_eq!(got.len(), 2 * avail);
        for g in &got[1..] {
            assert_eq!(g, &got[0], "round {round}");
        }
        for (j, fr) in frames.iter().enumerate() {
            for (k, key) in [Key::new(fr.seg, fr.src), Key::new(fr.seg, fr.dst)]
                .iter()
                .enumerate()
            {
                let at = PipeView::<Key, Entry>::idx_of(first, got[0][2 * j + k], none as usize);
                let want = f.macs.find_key_idx(key);
                if at == want {
                    continue;
                }
                // A tag collision: the candidate holds another key with the same tag.
                collisions += 1;
                assert_ne!(at, NO_SLOT, "round {round} frame {j} key {k}");
                let s = f.macs.slot_bytes_idx(at).unwrap();
                let other = Key::read_from_bytes(&s[..10]).unwrap();
                assert_ne!(&other, key);
                assert_eq!(
                    tag(&f, &other),
                    tag(&f, key),
                    "round {round} frame {j} key {k}"
                );
            }
        }
    }
    // Tag collisions are rare (one in several thousand keys here).
    assert!(collisions < 10, "{collisions} tag collisions");
}
