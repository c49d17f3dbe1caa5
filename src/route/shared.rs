//! [`SharedFib`]: publication of a [`Fib`] to reader threads with one atomic pointer store
//! (an `arc_swap::ArcSwap`), under the `std` feature.
//!
//! The writer owns the [`Lpm`](super::Lpm); after a commit it calls
//! [`SharedFib::publish`] with the new `Arc<Fib>`. Readers call [`SharedFib::load`] once per
//! burst and look up in the snapshot they got: lock-free, never blocked by the writer, never
//! seeing a half-built structure. The old snapshot is freed when its last reader drops it.

use alloc::sync::Arc;

use arc_swap::ArcSwap;

use super::{Address, Fib, FibOps, Lpm, VrfFibs, VrfTable};

/// A published [`Fib`] that readers on any thread can load.
#[derive(Debug)]
pub struct SharedFib<A: Address> {
    cell: ArcSwap<Fib<A>>,
}

impl<A: Address> SharedFib<A> {
    /// Publishes the current structure of `lpm`.
    pub fn new(lpm: &Lpm<A>) -> Self {
        SharedFib {
            cell: ArcSwap::new(Arc::clone(lpm.fib())),
        }
    }

    /// Replaces the published structure with the current one of `lpm` (one atomic store).
    pub fn publish(&self, lpm: &Lpm<A>) {
        self.cell.store(Arc::clone(lpm.fib()));
    }

    /// The current snapshot; hold it for a burst of lookups.
    pub fn load(&self) -> arc_swap::Guard<Arc<Fib<A>>> {
        self.cell.load()
    }

    /// One lookup in the current snapshot.
    pub fn lookup(&self, addr: A) -> Option<u32> {
        self.cell.load().lookup(addr)
    }
}

/// A published [`VrfFibs`] snapshot that readers on any thread can load.
#[derive(Debug)]
pub struct SharedVrfs {
    cell: ArcSwap<VrfFibs>,
}

impl SharedVrfs {
    /// Publishes the current snapshot of `table`.
    pub fn new(table: &VrfTable) -> Self {
        SharedVrfs {
            cell: ArcSwap::new(Arc::clone(table.snapshot())),
        }
    }

    /// Replaces the published snapshot with the current one of `table` (one atomic store).
    pub fn publish(&self, table: &VrfTable) {
        self.cell.store(Arc::clone(table.snapshot()));
    }

    /// The current snapshot; hold it for a burst of lookups.
    pub fn load(&self) -> arc_swap::Guard<Arc<VrfFibs>> {
        self.cell.load()
    }
}
