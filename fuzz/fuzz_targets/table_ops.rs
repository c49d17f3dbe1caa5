//! The keyed table under arbitrary operation sequences against `std::collections::HashMap`:
//! insert, insert-or-evict, remove, get, contains, update, bursts (the cache-resident path, as a
//! fuzz build takes it, and the slot handles of `find_burst`) and partial sweeps. Small
//! capacities and a key space a few times larger keep the table full; a refused insert below
//! capacity is accepted only when the reference holds at least 7/8 of the capacity less one
//! bucket, and must leave the table unchanged. The final contents are compared entry by entry.
#![no_main]
use std::collections::HashMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use neutrino::table::{Inserted, Slot, TableBox, TableError};

#[derive(Arbitrary, Debug)]
enum Op {
    Insert(u16, u32),
    Evict(u16, u32),
    Remove(u16),
    Get(u16),
    Update(u16),
    Burst(Vec<u16>),
    FindBurst(Vec<u16>),
    Sweep(u8),
}

#[derive(Arbitrary, Debug)]
struct Input {
    cap: u8,
    keys: u16,
    seed: u64,
    ops: Vec<Op>,
}

fn rank(v: &u32) -> Option<u64> {
    (v % 5 != 0).then_some(u64::from(*v))
}

fuzz_target!(|input: Input| {
    let cap = usize::from(input.cap % 64) + 1;
    let keys = input.keys % 512 + 1;
    let key = |k: u16| u32::from(k % keys).to_le_bytes();
    let mut t = TableBox::<[u8; 4], u32>::with_capacity(cap, input.seed).unwrap();
    let mut m: HashMap<[u8; 4], u32> = HashMap::new();
    let mut cursor = 0usize;
    for op in input.ops {
        match op {
            Op::Insert(k, v) => {
                let k = key(k);
                match t.insert(k, v) {
                    Ok(old) => assert_eq!(old, m.insert(k, v)),
                    Err(e) => {
                        assert_eq!(e, TableError::Full);
                        assert!(!m.contains_key(&k));
                        assert!(m.len() >= cap || m.len() * 8 >= (cap * 7).saturating_sub(8));
                    }
                }
            }
            Op::Evict(k, v) => {
                let k = key(k);
                match t.insert_or_evict(k, v, |_, v| rank(v)) {
                    Ok(Inserted::New) => assert!(m.insert(k, v).is_none()),
                    Ok(Inserted::Replaced(old)) => assert_eq!(Some(old), m.insert(k, v)),
                    Ok(Inserted::Evicted(ek, ev)) => {
                        assert_eq!(m.remove(&ek), Some(ev));
                        assert!(rank(&ev).is_some());
                        assert!(m.insert(k, v).is_none());
                    }
                    Err(e) => {
                        assert_eq!(e, TableError::Full);
                        assert!(!m.contains_key(&k));
                    }
                }
            }
            Op::Remove(k) => {
                let k = key(k);
                assert_eq!(t.remove(&k), m.remove(&k));
            }
            Op::Get(k) => {
                let k = key(k);
                assert_eq!(t.get(&k), m.get(&k).copied());
                assert_eq!(t.contains_key(&k), m.contains_key(&k));
            }
            Op::Update(k) => {
                let k = key(k);
                let r = t.update(&k, |v| {
                    *v = v.wrapping_add(1);
                    *v
                });
                let e = m.get_mut(&k).map(|v| {
                    *v = v.wrapping_add(1);
                    *v
                });
                assert_eq!(r, e);
            }
            Op::Burst(ks) => {
                let ks: Vec<[u8; 4]> = ks.into_iter().take(64).map(key).collect();
                let mut out = vec![Some(0xdead); ks.len()];
                let mask = t.get_burst(&ks, &mut out).unwrap();
                for (i, k) in ks.iter().enumerate() {
                    assert_eq!(out[i], m.get(k).copied());
                    assert_eq!(mask >> i & 1 == 1, m.contains_key(k));
                }
                if ks.len() < 64 {
                    assert_eq!(mask >> ks.len(), 0);
                }
            }
            Op::FindBurst(ks) => {
                let ks: Vec<[u8; 4]> = ks.into_iter().take(64).map(key).collect();
                let mut out: Vec<Option<Slot>> = vec![None; ks.len()];
                let mask = t.find_burst(&ks, &mut out).unwrap();
                for (i, k) in ks.iter().enumerate() {
                    assert_eq!(mask >> i & 1 == 1, m.contains_key(k));
                    assert_eq!(out[i].is_some(), m.contains_key(k));
                    if let Some(s) = out[i] {
                        assert_eq!(t.get_at(s, k), m.get(k).copied());
                    }
                }
            }
            Op::Sweep(budget) => {
                // Remove odd values, halve even ones; the reference follows what was visited.
                let mut visited = Vec::new();
                t.sweep(&mut cursor, usize::from(budget), |k, v| {
                    visited.push((*k, *v));
                    if *v % 2 == 1 {
                        false
                    } else {
                        *v /= 2;
                        true
                    }
                });
                for (k, v) in visited {
                    assert_eq!(m.get(&k), Some(&v));
                    if v % 2 == 1 {
                        m.remove(&k);
                    } else {
                        m.insert(k, v / 2);
                    }
                }
            }
        }
        assert_eq!(t.len(), m.len());
        assert!(t.len() <= cap);
    }
    let mut seen = HashMap::new();
    for (k, v) in t.iter() {
        assert!(seen.insert(k, v).is_none());
    }
    assert_eq!(seen, m);
});
