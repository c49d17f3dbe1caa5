//! [`LinearLpm`]: the reference longest-prefix match: a list of routes scanned in full on every
//! lookup. Obviously correct and slow; the differential tests and the fuzz target check every
//! other structure of this room against it.

use alloc::vec::Vec;

use super::{Address, Prefix, RouteError};

/// A linear-scan routing table (the oracle).
#[derive(Debug, Clone, Default)]
pub struct LinearLpm<A: Address> {
    routes: Vec<(Prefix<A>, u32)>,
}

impl<A: Address> LinearLpm<A> {
    /// An empty table.
    pub fn new() -> Self {
        LinearLpm { routes: Vec::new() }
    }

    /// Adds or replaces the route for `p`; returns the group id it replaced.
    pub fn insert(&mut self, p: Prefix<A>, nh: u32) -> Option<u32> {
        for r in self.routes.iter_mut() {
            if r.0 == p {
                return Some(core::mem::replace(&mut r.1, nh));
            }
        }
        self.routes.push((p, nh));
        None
    }

    /// Removes the route for `p`; returns its group id, or `NotFound`.
    pub fn remove(&mut self, p: Prefix<A>) -> Result<u32, RouteError> {
        let i = self
            .routes
            .iter()
            .position(|r| r.0 == p)
            .ok_or(RouteError::NotFound)?;
        Ok(self.routes.swap_remove(i).1)
    }

    /// The group id of exactly `p`.
    pub fn get(&self, p: Prefix<A>) -> Option<u32> {
        self.routes.iter().find(|r| r.0 == p).map(|r| r.1)
    }

    /// The group id of the longest prefix containing `addr`.
    pub fn lookup(&self, addr: A) -> Option<u32> {
        let mut best: Option<(u8, u32)> = None;
        for (p, nh) in &self.routes {
            if p.contains(addr) && best.is_none_or(|(l, _)| p.len() > l) {
                best = Some((p.len(), *nh));
            }
        }
        best.map(|b| b.1)
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there is no route.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The routes, in no particular order.
    pub fn routes(&self) -> &[(Prefix<A>, u32)] {
        &self.routes
    }
}
