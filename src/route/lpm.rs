//! [`Lpm`]: the alloc-mode table of one family: a [`Rib`](super::rib) holding the routes (a
//! sorted array plus a buffer of recent changes) and a [`Fib`] built from it aside and
//! published whole.
//!
//! Writes go to the RIB and mark the direct-pointing entries they touch. [`Lpm::commit`]
//! rebuilds just those entries into a copy of the current `Fib` (or the whole structure when
//! much changed or much is unreachable) and swaps it in as a new `Arc`: readers holding the
//! previous `Arc<Fib>` keep a consistent snapshot until they drop it. `insert` and `remove`
//! commit at once; the `_staged` variants let a batch of updates share one commit.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::fib::Build;
use super::rib::Rib;
use super::{Address, Fib, FibOps, Prefix, RouteError, MAX_GROUP_ID};

/// A change to publish.
#[derive(Debug, Clone, Copy)]
enum Dirty<A: Address> {
    /// Direct-pointing entries `first..first + span`.
    Range(usize, usize),
    /// A prefix below the direct-pointing array.
    Prefix(Prefix<A>),
}

/// An alloc-mode routing table of one family (see the module doc).
#[derive(Debug, Clone)]
pub struct Lpm<A: Address> {
    rib: Rib<A::Key>,
    fib: Arc<Fib<A>>,
    /// What changed since the last commit: direct-pointing ranges (`len` = 0) or prefixes
    /// longer than the direct-pointing bits (rebuilt node by node).
    dirty: Vec<Dirty<A>>,
    dirty_entries: usize,
    commits: u64,
    full_builds: u64,
}

impl<A: Address> Default for Lpm<A> {
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Address> Lpm<A> {
    /// An empty table.
    pub fn new() -> Self {
        Lpm {
            rib: Rib::default(),
            fib: Arc::new(Fib::<A>::empty()),
            dirty: Vec::new(),
            dirty_entries: 0,
            commits: 0,
            full_builds: 0,
        }
    }

    /// A table of `routes` built in one go (later duplicates replace earlier ones).
    pub fn from_routes(
        routes: impl IntoIterator<Item = (Prefix<A>, u32)>,
    ) -> Result<Self, RouteError> {
        let mut t = Self::new();
        t.extend_staged(routes)?;
        t.commit();
        Ok(t)
    }

    /// Adds or replaces many routes without publishing them (a later duplicate wins), sorted
    /// and merged into the RIB in one pass. On an error (a group id out of range) the routes
    /// before the refused one are staged, the others not.
    pub fn extend_staged(
        &mut self,
        routes: impl IntoIterator<Item = (Prefix<A>, u32)>,
    ) -> Result<(), RouteError> {
        let mut batch = Vec::new();
        let mut res = Ok(());
        for (p, nh) in routes {
            if nh > MAX_GROUP_ID {
                res = Err(RouteError::GroupIdOutOfRange {
                    id: nh,
                    max: MAX_GROUP_ID,
                });
                break;
            }
            batch.push((p, nh));
        }
        if batch.len() > self.fib.dir_len() / 8 {
            // Large: the next commit rebuilds everything.
            self.dirty_entries = usize::MAX / 2;
            self.dirty.clear();
        } else {
            for (p, _) in &batch {
                self.mark(p);
            }
        }
        self.rib
            .insert_many(batch.into_iter().map(|(p, nh)| (p.key(), p.len(), nh)));
        res
    }

    fn mark(&mut self, p: &Prefix<A>) {
        let (first, span) = self.fib.dir_span(p.key(), p.len());
        self.dirty_entries = self.dirty_entries.saturating_add(span);
        if self.dirty_entries <= self.fib.dir_len() / 8 {
            self.dirty.push(if p.len() as u32 > self.fib.dir_bits() {
                Dirty::Prefix(*p)
            } else {
                Dirty::Range(first, span)
            });
        }
    }

    /// Adds or replaces `p → nh` without publishing it (see [`commit`](Self::commit)).
    pub fn insert_staged(&mut self, p: Prefix<A>, nh: u32) -> Result<Option<u32>, RouteError> {
        if nh > MAX_GROUP_ID {
            return Err(RouteError::GroupIdOutOfRange {
                id: nh,
                max: MAX_GROUP_ID,
            });
        }
        let old = self.rib.insert(p.key(), p.len(), nh);
        if old != Some(nh) {
            self.mark(&p);
        }
        Ok(old)
    }

    /// Removes `p` without publishing it; `NotFound` (nothing changed) if absent.
    pub fn remove_staged(&mut self, p: Prefix<A>) -> Result<u32, RouteError> {
        let old = self.rib.remove(p.key(), p.len())?;
        self.mark(&p);
        Ok(old)
    }

    /// Adds or replaces `p → nh` and publishes; returns the id replaced.
    pub fn insert(&mut self, p: Prefix<A>, nh: u32) -> Result<Option<u32>, RouteError> {
        let r = self.insert_staged(p, nh)?;
        self.commit();
        Ok(r)
    }

    /// Removes `p` and publishes; returns its id. `NotFound` (nothing changed) if absent.
    pub fn remove(&mut self, p: Prefix<A>) -> Result<u32, RouteError> {
        let r = self.remove_staged(p)?;
        self.commit();
        Ok(r)
    }

    /// Publishes every staged change as a new [`Fib`] and returns it. The previous `Fib` is
    /// not modified if anyone else holds it (it is copied, then changed); a reader sees either
    /// the old or the new structure, never a mix.
    pub fn commit(&mut self) -> &Arc<Fib<A>> {
        if self.dirty_entries == 0 {
            return &self.fib;
        }
        self.commits += 1;
        let bits = Fib::<A>::bits_for(self.rib.len(), self.fib.dir_bits());
        let full = self.dirty_entries > self.fib.dir_len() / 8
            || self.fib.needs_compaction()
            || bits != self.fib.dir_bits();
        if full {
            self.fib = Arc::new(Fib::<A>::build(self.rib.settled(), bits));
            self.full_builds += 1;
        } else {
            self.rib.maybe_merge(64);
            let fib = Arc::make_mut(&mut self.fib);
            for d in &self.dirty {
                match *d {
                    Dirty::Range(first, span) => fib.rebuild_range(&self.rib, first, span),
                    Dirty::Prefix(p) => fib.rebuild_prefix(&self.rib, p.key(), p.len()),
                }
            }
            fib.trim();
        }
        self.dirty.clear();
        if self.dirty.capacity() > 64 {
            self.dirty.shrink_to_fit();
        }
        self.dirty_entries = 0;
        &self.fib
    }

    /// The published structure (without staged changes); clone the `Arc` to hand it to
    /// readers.
    pub fn fib(&self) -> &Arc<Fib<A>> {
        &self.fib
    }

    /// The group id of exactly `p` (staged changes included).
    pub fn get(&self, p: Prefix<A>) -> Option<u32> {
        self.rib.get(p.key(), p.len())
    }

    /// Longest-prefix match in the published structure.
    #[inline]
    pub fn lookup(&self, addr: A) -> Option<u32> {
        self.fib.lookup(addr)
    }

    /// Burst longest-prefix match in the published structure (see [`FibOps::lookup_burst`]).
    pub fn lookup_burst(&self, addrs: &[A], out: &mut [Option<u32>]) -> Result<usize, RouteError> {
        self.fib.lookup_burst(addrs, out)
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.rib.len()
    }

    /// Whether there is no route.
    pub fn is_empty(&self) -> bool {
        self.rib.len() == 0
    }

    /// Every route (staged changes included), in no particular order.
    pub fn for_each(&self, mut f: impl FnMut(Prefix<A>, u32)) {
        self.rib.for_each(|k, len, nh| {
            if let Ok(p) = Prefix::new(A::from_key(k), len) {
                f(p, nh)
            }
        });
    }

    /// Bytes of the route store (the RIB), which lookups never read.
    pub fn rib_bytes(&self) -> usize {
        self.rib.memory_bytes()
    }

    /// Bytes held by the whole table: the published [`Fib`], the RIB and the list of staged
    /// changes.
    pub fn memory_bytes(&self) -> usize {
        core::mem::size_of::<Self>()
            + self.fib.memory_bytes()
            + self.rib.memory_bytes()
            + self.dirty.capacity() * core::mem::size_of::<Dirty<A>>()
    }

    /// Commits so far, and how many of them rebuilt the whole structure.
    pub fn commit_counts(&self) -> (u64, u64) {
        (self.commits, self.full_builds)
    }
}
