//! The table checked against a `BTreeMap` reference under a sequence of operations: the one
//! checker the unit proptest (`table/tests.rs`) and the fuzz target `table_ops` both drive.
//! Hidden: for tests and fuzzing only (feature `fuzzing`), not part of the API.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{Inserted, Slot, TableBox, TableError, BURST_MAX};

/// One operation on a table of `u32` values; keys are `u16` folded into the checker's key
/// space.
#[derive(Debug, Clone)]
pub enum Op {
    /// `insert`.
    Insert(u16, u32),
    /// `insert_or_evict`, ranking values divisible by 5 as not evictable.
    Evict(u16, u32),
    /// `remove`.
    Remove(u16),
    /// `get` and `contains_key`.
    Get(u16),
    /// `update` (adds one).
    Update(u16),
    /// `get_burst` and the cache-resident key-by-key path (up to 64 keys).
    Burst(Vec<u16>),
    /// `find_burst`, then `get_at` on each slot handle (up to 64 keys).
    FindBurst(Vec<u16>),
    /// One `sweep` step of this budget: odd values are removed, even ones halved.
    Sweep(u8),
}

/// Which values `insert_or_evict` may evict, and their rank.
fn rank(v: &u32) -> Option<u64> {
    (!v.is_multiple_of(5)).then_some(u64::from(*v))
}

/// Whether a table of capacity `cap` holding `len` entries may refuse a new key: at
/// capacity; below it, only when the key's two buckets (eight slots each, never the same
/// bucket) are full and no displacement path frees a slot, so never below 16 entries. A table
/// of at most eight buckets (up to 56 entries at the 7/8 load) can get there with its entries
/// crowded into two buckets by a small key set; a larger one, with keys that spread, is
/// expected to be within a slot of its 7/8 load first.
fn refusal_believable(len: usize, cap: usize) -> bool {
    len >= cap || len >= 16 && (cap <= 56 || len * 8 >= (cap * 7).saturating_sub(8))
}

/// A table of `[u8; 2]` keys and its reference.
#[derive(Debug)]
pub struct Checked {
    t: TableBox<[u8; 2], u32>,
    m: BTreeMap<[u8; 2], u32>,
    cap: usize,
    keys: u16,
    cursor: usize,
}

/// `Err` with the message when a condition fails.
macro_rules! check {
    ($c:expr, $($msg:tt)+) => {
        if !$c {
            return Err(format!($($msg)+));
        }
    };
}

impl Checked {
    /// A table of capacity `cap` (hash seed `seed`) over keys `0..keys` (at least 1).
    pub fn new(cap: usize, keys: u16, seed: u64) -> Result<Self, TableError> {
        Ok(Checked {
            t: TableBox::with_capacity(cap, seed)?,
            m: BTreeMap::new(),
            cap,
            keys: keys.max(1),
            cursor: 0,
        })
    }

    /// Applies `op` to both and checks that they agree; a refused insert must change nothing.
    pub fn step(&mut self, op: &Op) -> Result<(), String> {
        let (t, m, keys) = (&mut self.t, &mut self.m, self.keys);
        let key = |k: &u16| (k % keys).to_le_bytes();
        match op {
            Op::Insert(k, v) => {
                let (k, v) = (key(k), *v);
                match t.insert(k, v) {
                    Ok(old) => check!(old == m.insert(k, v), "insert {k:?}: {old:?}"),
                    Err(e) => {
                        check!(e == TableError::Full, "insert {k:?}: {e:?}");
                        check!(!m.contains_key(&k), "insert of present {k:?} refused");
                        check!(
                            refusal_believable(m.len(), self.cap),
                            "refused at {} of {}",
                            m.len(),
                            self.cap
                        );
                    }
                }
            }
            Op::Evict(k, v) => {
                let (k, v) = (key(k), *v);
                let before = m.len();
                match t.insert_or_evict(k, v, |_, v| rank(v)) {
                    Ok(Inserted::New) => check!(m.insert(k, v).is_none(), "{k:?} was present"),
                    Ok(Inserted::Replaced(old)) => {
                        check!(Some(old) == m.insert(k, v), "{k:?} replaced {old}")
                    }
                    Ok(Inserted::Evicted(ek, ev)) => {
                        check!(m.remove(&ek) == Some(ev), "evicted {ek:?} = {ev}");
                        check!(rank(&ev).is_some(), "evicted unrankable {ev}");
                        check!(m.insert(k, v).is_none(), "{k:?} was present");
                        check!(m.len() == before, "eviction changed the length");
                    }
                    Err(e) => {
                        check!(e == TableError::Full, "evict {k:?}: {e:?}");
                        check!(!m.contains_key(&k), "insert of present {k:?} refused");
                    }
                }
            }
            Op::Remove(k) => {
                let k = key(k);
                check!(t.remove(&k) == m.remove(&k), "remove {k:?}");
            }
            Op::Get(k) => {
                let k = key(k);
                check!(t.get(&k) == m.get(&k).copied(), "get {k:?}");
                check!(t.contains_key(&k) == m.contains_key(&k), "contains {k:?}");
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
                check!(r == e, "update {k:?}: {r:?}, want {e:?}");
            }
            Op::Burst(ks) => {
                let ks: Vec<[u8; 2]> = ks.iter().take(BURST_MAX).map(key).collect();
                let mut out = vec![Some(0xdead); ks.len()];
                let mask = t.get_burst(&ks, &mut out).map_err(|e| format!("{e:?}"))?;
                // The cache-resident path (unit tests' tables take the pipeline above).
                let mut each = vec![Some(0xdead); ks.len()];
                let each_mask = t.get_each(&ks, &mut each);
                for (i, k) in ks.iter().enumerate() {
                    let want = m.get(k).copied();
                    check!(out[i] == want && each[i] == want, "burst {i} {k:?}");
                    check!(mask >> i & 1 == u64::from(want.is_some()), "burst mask {i}");
                    check!(each_mask >> i & 1 == u64::from(want.is_some()), "mask {i}");
                }
                if ks.len() < BURST_MAX {
                    check!(
                        mask >> ks.len() == 0 && each_mask >> ks.len() == 0,
                        "mask tail"
                    );
                }
            }
            Op::FindBurst(ks) => {
                let ks: Vec<[u8; 2]> = ks.iter().take(BURST_MAX).map(key).collect();
                let mut out: Vec<Option<Slot>> = vec![None; ks.len()];
                let mask = t.find_burst(&ks, &mut out).map_err(|e| format!("{e:?}"))?;
                for (i, k) in ks.iter().enumerate() {
                    let present = m.contains_key(k);
                    check!(mask >> i & 1 == u64::from(present), "find mask {i}");
                    check!(out[i].is_some() == present, "find slot {i}");
                    if let Some(s) = out[i] {
                        check!(t.get_at(s, k) == m.get(k).copied(), "get_at {k:?}");
                    }
                }
            }
            Op::Sweep(budget) => {
                // The reference follows what the sweep visited.
                let mut visited = Vec::new();
                t.sweep(&mut self.cursor, usize::from(*budget), |k, v| {
                    visited.push((*k, *v));
                    if *v % 2 == 1 {
                        false
                    } else {
                        *v /= 2;
                        true
                    }
                });
                for (k, v) in visited {
                    check!(m.get(&k) == Some(&v), "sweep visited {k:?} = {v}");
                    if v % 2 == 1 {
                        m.remove(&k);
                    } else {
                        m.insert(k, v / 2);
                    }
                }
            }
        }
        check!(t.len() == m.len(), "len {} want {}", t.len(), m.len());
        check!(
            t.len() <= self.cap,
            "len {} over capacity {}",
            t.len(),
            self.cap
        );
        Ok(())
    }

    /// The table holds exactly the reference's entries, each once.
    pub fn finish(&self) -> Result<(), String> {
        let mut seen = BTreeMap::new();
        for (k, v) in self.t.iter() {
            check!(seen.insert(k, v).is_none(), "{k:?} iterated twice");
        }
        check!(seen == self.m, "contents differ");
        Ok(())
    }
}
