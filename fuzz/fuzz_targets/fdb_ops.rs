//! The FDB under arbitrary operation sequences against its `BTreeMap` reference model (the
//! same one the unit proptests use: `neutrino::l2::fdb::model`, feature `fuzzing`): learn (with time
//! steps around the aging and move-hold thresholds), static entries, removal, lookup, full and
//! partial aging sweeps, segment limits, flood lists and the per-frame burst (through every
//! candidate stage this CPU runs, with and without slot prefetches). Asserts every
//! result, the segment counts, the final contents and every counter. Small capacities keep the
//! tables full; a refused learn below capacity is accepted only when the model is full enough
//! for a cuckoo bucket pair to have filled up first (`Model::full_enough`) and must leave the
//! table unchanged.
#![no_main]
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use neutrino::l2::fdb::model::{Model, ModelEntry};
use neutrino::l2::fdb::{Fdb, FdbConfig, FdbEntry, FdbError, Forward, FrameAddr, Learned};
use neutrino::l2::Dest;
use neutrino::wire::MacAddr;

const AGE: u64 = 100;
const HOLD: u64 = 30;
const SEGS: usize = 3;
const FLOOD: usize = 6;
const STEPS: [u64; 8] = [0, 1, 2, 29, 30, 31, 99, 100];

#[derive(Arbitrary, Debug)]
enum Op {
    Learn {
        seg: u8,
        mac: u8,
        dest: u8,
        step: u8,
    },
    Static {
        seg: u8,
        mac: u8,
        dest: u8,
    },
    Remove {
        seg: u8,
        mac: u8,
    },
    Lookup {
        seg: u8,
        mac: u8,
    },
    AgeFull,
    AgePart {
        budget: u8,
    },
    Limit {
        seg: u8,
        limit: u8,
    },
    FloodAdd {
        seg: u8,
        dest: u8,
    },
    FloodDel {
        seg: u8,
        dest: u8,
    },
    Burst {
        frames: Vec<(u8, u8, u8, u8)>,
        /// The candidate stage and prefetch setting (`learn_lookup_burst_via`).
        way: u8,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    cap: u8,
    ops: Vec<Op>,
}

fn mac(i: u8) -> MacAddr {
    match i % 16 {
        0 => MacAddr::ZERO,
        5 | 10 => MacAddr([0x01, 0, 0x5e, 0, 0, i % 16]),
        15 => MacAddr::BROADCAST,
        j => MacAddr([0xfa, 0x16, 0x3e, 0, 0, j]),
    }
}

fn dest(i: u8) -> Dest {
    match i % 6 {
        0..=2 => Dest::Port(u32::from(i % 6)),
        3 => Dest::Vtep(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
        // IPv6 VTEPs keep their address in the FDB's side table: moves between them and to
        // or from other destinations must keep it in step.
        4 => Dest::Vtep(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))),
        _ => Dest::Vtep(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2))),
    }
}

fn contents(f: &Fdb<Box<[u8]>>) -> BTreeMap<(u32, [u8; 6]), FdbEntry> {
    f.entries().map(|(s, m, e)| ((s, m.0), e)).collect()
}

fuzz_target!(|input: Input| {
    let cap = usize::from(input.cap % 40) + 1;
    let cfg = FdbConfig {
        mac_capacity: cap,
        segment_capacity: SEGS,
        flood_capacity: FLOOD,
        age: AGE,
        move_hold: HOLD,
        default_segment_limit: 4,
        evict_when_full: false,
        seed: 0xf022,
    };
    let mut f = Fdb::with_config(cfg).unwrap();
    let mut m = Model::new(cfg);
    let mut now = 0u64;
    for op in input.ops.into_iter().take(500) {
        match op {
            Op::Learn {
                seg,
                mac: mi,
                dest: di,
                step,
            } => {
                now += STEPS[usize::from(step % 8)];
                let (seg, mc, d) = (u32::from(seg % 4), mac(mi), dest(di));
                let before = contents(&f);
                let got = f.learn(seg, mc, d, now);
                assert_eq!(got, m.learn(seg, mc, d, now, got));
                if let Learned::Refused(_) = got {
                    assert_eq!(contents(&f), before);
                }
            }
            Op::Static {
                seg,
                mac: mi,
                dest: di,
            } => {
                let (seg, mc, d) = (u32::from(seg % 4), mac(mi), dest(di));
                let got = f.add_static(seg, mc, d, now);
                if !mc.is_unicast() {
                    assert_eq!(got, Err(FdbError::NotUnicast));
                } else if got.is_ok() {
                    m.macs.insert(
                        (seg, mc.0),
                        ModelEntry {
                            dest: d,
                            stat: true,
                            last_seen: now,
                            last_move: None,
                        },
                    );
                } else {
                    assert_eq!(got, Err(FdbError::MacTableFull));
                    assert!(!m.macs.contains_key(&(seg, mc.0)));
                    assert!(m.full_enough(), "cap {cap}, {} entries", m.macs.len());
                }
            }
            Op::Remove { seg, mac: mi } => {
                let (seg, mc) = (u32::from(seg % 4), mac(mi));
                assert_eq!(
                    f.remove(seg, mc),
                    m.macs.remove(&(seg, mc.0)).map(|e| e.public())
                );
            }
            Op::Lookup { seg, mac: mi } => {
                let (seg, mc) = (u32::from(seg % 4), mac(mi));
                let (reason, d) = m.lookup(seg, mc, now);
                let list = m.flood_list(seg);
                match f.lookup(seg, mc, now) {
                    Forward::Unicast(got) => assert_eq!((reason, d), (None, Some(got))),
                    Forward::Flood { reason: r, list: l } => {
                        assert_eq!((Some(r), None), (reason, d));
                        assert_eq!(l.iter().collect::<Vec<_>>(), list);
                    }
                }
            }
            Op::AgeFull => {
                let slots = f.sweep_slots();
                let n = f.age(now, slots) + f.age(now, slots);
                let before = m.macs.len();
                m.macs.retain(|_, e| !e.expired(now, AGE));
                assert_eq!(n, before - m.macs.len());
                m.c.aged += n as u64;
            }
            Op::AgePart { budget } => {
                let n = f.age(now, usize::from(budget));
                let live = contents(&f);
                let gone: Vec<_> = m
                    .macs
                    .keys()
                    .filter(|k| !live.contains_key(k))
                    .copied()
                    .collect();
                assert_eq!(gone.len(), n);
                for k in gone {
                    assert!(m.macs.remove(&k).unwrap().expired(now, AGE));
                }
                m.c.aged += n as u64;
            }
            Op::Limit { seg, limit } => {
                let seg = u32::from(seg % 4);
                let got = f.set_segment_limit(seg, u32::from(limit % 6));
                if m.limits.contains_key(&seg) || m.limits.len() < SEGS {
                    assert_eq!(got, Ok(()));
                    m.limits.insert(seg, u32::from(limit % 6));
                } else {
                    assert_eq!(got, Err(FdbError::SegmentTableFull));
                }
            }
            Op::FloodAdd { seg, dest: di } => {
                let (seg, d) = (u32::from(seg % 4), dest(di));
                let got = f.flood_add(seg, d);
                if m.flood.contains(&(seg, d)) || m.flood.len() < FLOOD {
                    assert_eq!(got, Ok(()));
                    m.flood.insert((seg, d));
                } else {
                    assert_eq!(got, Err(FdbError::FloodFull));
                }
            }
            Op::FloodDel { seg, dest: di } => {
                let (seg, d) = (u32::from(seg % 4), dest(di));
                assert_eq!(f.flood_remove(seg, d), m.flood.remove(&(seg, d)));
            }
            Op::Burst { frames, way } => {
                now += 1;
                let frames: Vec<FrameAddr> = frames
                    .iter()
                    .take(64)
                    .map(|&(s, a, b, d)| FrameAddr {
                        seg: u32::from(s % 4),
                        src: mac(a),
                        dst: mac(b),
                        from: dest(d),
                    })
                    .collect();
                let mut learned = vec![Learned::New; frames.len()];
                let mut out = vec![None; frames.len()];
                let mask = f
                    .learn_lookup_burst_via(&frames, now, &mut learned, &mut out, way)
                    .unwrap();
                for (i, fr) in frames.iter().enumerate() {
                    assert_eq!(
                        learned[i],
                        m.learn(fr.seg, fr.src, fr.from, now, learned[i])
                    );
                    let (_, d) = m.lookup(fr.seg, fr.dst, now);
                    assert_eq!(out[i], d);
                    assert_eq!(mask >> i & 1 == 1, d.is_some());
                }
            }
        }
        assert_eq!(f.len(), m.macs.len());
        for seg in 0..4u32 {
            assert_eq!(
                f.segment(seg),
                m.limits.get(&seg).map(|l| (*l, m.learned(seg)))
            );
        }
    }
    assert_eq!(contents(&f), m.contents());
    assert_eq!(f.counters(), &m.c);
});
