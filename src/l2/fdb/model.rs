//! The FDB's reference model: a `BTreeMap` of entries with the documented rules written out
//! the slow, obvious way. It is the oracle of the unit proptests (`tests.rs`) and of the
//! `fdb_ops` fuzz target, which is why it is public behind the `fuzzing` feature (and hidden:
//! not part of the API).
//!
//! It covers learning and lookup, including counters; the callers apply static entries,
//! removal, aging, limits and flood lists to its maps directly (each is a one-line map
//! operation there) and compare contents and counters at the end.

use alloc::collections::{BTreeMap, BTreeSet};

use super::{FdbConfig, FdbCounters, FdbEntry, FloodReason, Learned, Refusal};
use crate::l2::{Dest, SegmentId};
use crate::wire::MacAddr;

/// One entry of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelEntry {
    /// Where the MAC is.
    pub dest: Dest,
    /// A static entry.
    pub stat: bool,
    /// When last learned or refreshed (insertion time for a static entry).
    pub last_seen: u64,
    /// When it last moved, if it has.
    pub last_move: Option<u64>,
}

impl ModelEntry {
    /// A learned entry unseen for `age` ticks (`age == 0`: never).
    pub fn expired(&self, now: u64, age: u64) -> bool {
        !self.stat && age != 0 && now.saturating_sub(self.last_seen) >= age
    }

    /// The entry as [`super::Fdb::get`] shows it.
    pub fn public(&self) -> FdbEntry {
        FdbEntry {
            dest: self.dest,
            is_static: self.stat,
            last_seen: self.last_seen,
        }
    }
}

/// The model FDB.
#[derive(Debug, Clone)]
pub struct Model {
    /// The configuration it follows (capacities, age, move hold, default limit).
    pub cfg: FdbConfig,
    /// Entries by (segment, MAC).
    pub macs: BTreeMap<(SegmentId, [u8; 6]), ModelEntry>,
    /// Segments with state, and their limits.
    pub limits: BTreeMap<SegmentId, u32>,
    /// Flood-list members.
    pub flood: BTreeSet<(SegmentId, Dest)>,
    /// The counters the FDB should show.
    pub c: FdbCounters,
}

impl Model {
    /// An empty model of an FDB built with `cfg`.
    pub fn new(cfg: FdbConfig) -> Self {
        Model {
            cfg,
            macs: BTreeMap::new(),
            limits: BTreeMap::new(),
            flood: BTreeSet::new(),
            c: FdbCounters::default(),
        }
    }

    /// Learned (non-static) entries of `seg`, dead or alive.
    pub fn learned(&self, seg: SegmentId) -> u32 {
        self.macs
            .iter()
            .filter(|((s, _), e)| *s == seg && !e.stat)
            .count() as u32
    }

    /// Whether a table refusal is believable: at capacity; below it, a cuckoo table refuses
    /// a key when its two buckets (eight slots each, never the same bucket) are full and no
    /// displacement path frees a slot, so never below 16 entries. A table of at most eight
    /// buckets (up to 56 entries at the table's 7/8 load) can meet that with its entries
    /// crowded into two buckets by a small key set, as the fuzzer's are (a refusal at 19 of
    /// 26 was found); a larger one, with keys that spread, is expected to take at least 3/4
    /// of its capacity first.
    pub fn full_enough(&self) -> bool {
        let (len, cap) = (self.macs.len(), self.cfg.mac_capacity);
        len >= cap || len >= 16 && (cap <= 56 || len * 4 >= cap * 3)
    }

    /// Learning, as [`super::Fdb::learn`] documents it. `got` (the FDB's answer) is consulted
    /// only to accept a table refusal below capacity, which a cuckoo table may give when a
    /// key's two buckets are full — and only when [`full_enough`](Self::full_enough).
    pub fn learn(
        &mut self,
        seg: SegmentId,
        mc: MacAddr,
        d: Dest,
        now: u64,
        got: Learned,
    ) -> Learned {
        let (age, hold) = (self.cfg.age, self.cfg.move_hold);
        if !mc.is_unicast() {
            self.c.refused_invalid_source += 1;
            return Learned::Refused(Refusal::InvalidSource);
        }
        if let Some(e) = self.macs.get_mut(&(seg, mc.0)) {
            if e.stat {
                self.c.static_kept += 1;
                return Learned::StaticKept;
            }
            if e.expired(now, age) {
                *e = ModelEntry {
                    dest: d,
                    stat: false,
                    last_seen: now,
                    last_move: None,
                };
                self.c.learned += 1;
                return Learned::New;
            }
            if e.dest == d {
                e.last_seen = now;
                self.c.refreshed += 1;
                return Learned::Refreshed;
            }
            if e.last_move.is_some_and(|t| now.saturating_sub(t) < hold) {
                self.c.move_dampened += 1;
                return Learned::Dampened { stays: e.dest };
            }
            let from = e.dest;
            *e = ModelEntry {
                dest: d,
                stat: false,
                last_seen: now,
                last_move: Some(now),
            };
            self.c.moved += 1;
            return Learned::Moved { from };
        }
        if !self.limits.contains_key(&seg) {
            if self.limits.len() >= self.cfg.segment_capacity {
                self.c.refused_segments += 1;
                return Learned::Refused(Refusal::SegmentTableFull);
            }
            self.limits.insert(seg, self.cfg.default_segment_limit);
        }
        if self.learned(seg) >= self.limits[&seg] {
            self.c.refused_limit += 1;
            return Learned::Refused(Refusal::SegmentLimit);
        }
        let cap = self.cfg.mac_capacity;
        let early = got == Learned::Refused(Refusal::TableFull) && self.full_enough();
        if self.macs.len() >= cap || early {
            self.c.refused_full += 1;
            return Learned::Refused(Refusal::TableFull);
        }
        self.macs.insert(
            (seg, mc.0),
            ModelEntry {
                dest: d,
                stat: false,
                last_seen: now,
                last_move: None,
            },
        );
        self.c.learned += 1;
        Learned::New
    }

    /// A lookup, as [`super::Fdb::lookup`] documents it: `(flood reason, destination)`, one
    /// of them `Some`.
    pub fn lookup(
        &mut self,
        seg: SegmentId,
        mc: MacAddr,
        now: u64,
    ) -> (Option<FloodReason>, Option<Dest>) {
        if mc.is_broadcast() {
            self.c.broadcast += 1;
            (Some(FloodReason::Broadcast), None)
        } else if mc.is_multicast() {
            self.c.multicast += 1;
            (Some(FloodReason::Multicast), None)
        } else {
            match self.macs.get(&(seg, mc.0)) {
                Some(e) if !e.expired(now, self.cfg.age) => {
                    self.c.hits += 1;
                    (None, Some(e.dest))
                }
                _ => {
                    self.c.misses += 1;
                    (Some(FloodReason::Unknown), None)
                }
            }
        }
    }

    /// The flood list of `seg`, in the FDB's order.
    pub fn flood_list(&self, seg: SegmentId) -> alloc::vec::Vec<Dest> {
        self.flood
            .iter()
            .filter(|(s, _)| *s == seg)
            .map(|(_, d)| *d)
            .collect()
    }

    /// The entries as [`super::Fdb::entries`] shows them.
    pub fn contents(&self) -> BTreeMap<(SegmentId, [u8; 6]), FdbEntry> {
        self.macs.iter().map(|(k, e)| (*k, e.public())).collect()
    }
}
