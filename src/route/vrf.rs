//! [`VrfTable`]: the alloc-mode multi-VRF table. A VRF id (`0..max_vrfs`, as Neutron's L3 agent
//! gives each router its own table) maps to an IPv4 and an IPv6 [`Lpm`]; lookups take
//! `(vrf, addr)`. A small VRF costs a couple of KiB (its [`Fib`]s use a 256-entry direct array
//! until they hold more than 2048 routes), so thousands of tenant routers sit next to full
//! Internet tables.
//!
//! Readers use a [`VrfFibs`] snapshot (`Arc`, immutable, `Send + Sync`): every write commits
//! the VRF's `Lpm` and replaces the snapshot ([`VrfTable::snapshot`]); [`SharedVrfs`](super::SharedVrfs)
//! (feature `std`) hands it to reader threads with one atomic store.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::{Address, Fib, FibOps, Lpm, PerFamily, Prefix, RouteError};

/// The two tables of one VRF.
#[derive(Debug, Clone, Default)]
pub struct VrfLpms {
    /// IPv4 routes.
    pub v4: Lpm<Ipv4Addr>,
    /// IPv6 routes.
    pub v6: Lpm<Ipv6Addr>,
}

impl PerFamily for VrfLpms {
    type Of<A: Address> = Lpm<A>;
    fn v4(&self) -> &Lpm<Ipv4Addr> {
        &self.v4
    }
    fn v6(&self) -> &Lpm<Ipv6Addr> {
        &self.v6
    }
    fn v4_mut(&mut self) -> &mut Lpm<Ipv4Addr> {
        &mut self.v4
    }
    fn v6_mut(&mut self) -> &mut Lpm<Ipv6Addr> {
        &mut self.v6
    }
}

/// The published structures of one VRF.
#[derive(Debug, Clone)]
pub struct FibPair {
    /// IPv4.
    pub v4: Arc<Fib<Ipv4Addr>>,
    /// IPv6.
    pub v6: Arc<Fib<Ipv6Addr>>,
}

impl PerFamily for FibPair {
    type Of<A: Address> = Arc<Fib<A>>;
    fn v4(&self) -> &Arc<Fib<Ipv4Addr>> {
        &self.v4
    }
    fn v6(&self) -> &Arc<Fib<Ipv6Addr>> {
        &self.v6
    }
    fn v4_mut(&mut self) -> &mut Arc<Fib<Ipv4Addr>> {
        &mut self.v4
    }
    fn v6_mut(&mut self) -> &mut Arc<Fib<Ipv6Addr>> {
        &mut self.v6
    }
}

/// A read-only snapshot of every VRF's lookup structures.
#[derive(Debug, Clone, Default)]
pub struct VrfFibs {
    vrfs: Vec<Option<FibPair>>,
}

impl VrfFibs {
    /// Longest-prefix match of `addr` in VRF `vrf` (`None`: no route, or no such VRF).
    #[inline]
    pub fn lookup<A: Address>(&self, vrf: u32, addr: A) -> Option<u32> {
        let pair = self.vrfs.get(vrf as usize)?.as_ref()?;
        A::pick(pair).lookup(addr)
    }

    /// Burst longest-prefix match in VRF `vrf` (see [`FibOps::lookup_burst`]).
    pub fn lookup_burst<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [Option<u32>],
    ) -> Result<usize, RouteError> {
        let pair = self
            .vrfs
            .get(vrf as usize)
            .and_then(|p| p.as_ref())
            .ok_or(RouteError::UnknownVrf { vrf })?;
        A::pick(pair).lookup_burst(addrs, out)
    }

    /// [`lookup_burst`](Self::lookup_burst) writing `none` where no route matches (see
    /// [`FibOps::lookup_burst_raw`]).
    pub fn lookup_burst_raw<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        let pair = self
            .vrfs
            .get(vrf as usize)
            .and_then(|p| p.as_ref())
            .ok_or(RouteError::UnknownVrf { vrf })?;
        A::pick(pair).lookup_burst_raw(addrs, out, none)
    }

    /// The structure of one VRF and family.
    pub fn fib<A: Address>(&self, vrf: u32) -> Option<&Arc<Fib<A>>> {
        Some(A::pick(self.vrfs.get(vrf as usize)?.as_ref()?))
    }
}

/// An alloc-mode multi-VRF routing table (see the module doc).
#[derive(Debug)]
pub struct VrfTable {
    vrfs: Vec<Option<Box<VrfLpms>>>,
    snap: Arc<VrfFibs>,
}

impl VrfTable {
    /// A table for VRF ids `0..max_vrfs`, none created yet.
    pub fn new(max_vrfs: u32) -> Self {
        let n = max_vrfs as usize;
        VrfTable {
            vrfs: (0..n).map(|_| None).collect(),
            snap: Arc::new(VrfFibs {
                vrfs: alloc::vec![None; n],
            }),
        }
    }

    fn capacity_err(&self, vrf: u32) -> RouteError {
        RouteError::VrfOutOfRange {
            vrf,
            capacity: self.vrfs.len() as u32,
        }
    }

    /// Creates the empty VRF `vrf`.
    pub fn add_vrf(&mut self, vrf: u32) -> Result<(), RouteError> {
        let err = self.capacity_err(vrf);
        let slot = self.vrfs.get_mut(vrf as usize).ok_or(err)?;
        if slot.is_some() {
            return Err(RouteError::VrfExists { vrf });
        }
        let v = Box::<VrfLpms>::default();
        let pair = FibPair {
            v4: Arc::clone(v.v4.fib()),
            v6: Arc::clone(v.v6.fib()),
        };
        *slot = Some(v);
        if let Some(s) = Arc::make_mut(&mut self.snap).vrfs.get_mut(vrf as usize) {
            *s = Some(pair);
        }
        Ok(())
    }

    /// Deletes VRF `vrf` and its routes.
    pub fn remove_vrf(&mut self, vrf: u32) -> Result<(), RouteError> {
        let slot = self
            .vrfs
            .get_mut(vrf as usize)
            .filter(|s| s.is_some())
            .ok_or(RouteError::UnknownVrf { vrf })?;
        *slot = None;
        if let Some(s) = Arc::make_mut(&mut self.snap).vrfs.get_mut(vrf as usize) {
            *s = None;
        }
        Ok(())
    }

    /// Whether VRF `vrf` exists.
    pub fn has_vrf(&self, vrf: u32) -> bool {
        self.vrfs.get(vrf as usize).is_some_and(|v| v.is_some())
    }

    /// The tables of VRF `vrf` (control plane: exact gets, iteration, sizes).
    pub fn vrf(&self, vrf: u32) -> Result<&VrfLpms, RouteError> {
        self.vrfs
            .get(vrf as usize)
            .and_then(|v| v.as_deref())
            .ok_or(RouteError::UnknownVrf { vrf })
    }

    fn lpm_mut<A: Address>(&mut self, vrf: u32) -> Result<&mut Lpm<A>, RouteError> {
        let v = self
            .vrfs
            .get_mut(vrf as usize)
            .and_then(|v| v.as_deref_mut())
            .ok_or(RouteError::UnknownVrf { vrf })?;
        Ok(A::pick_mut(v))
    }

    /// Before a write to VRF `vrf`: when no reader holds the current snapshot, takes the
    /// snapshot's reference to the VRF's structure away, so that the commit can change that
    /// structure in place instead of copying it (copy-on-write only when a reader needs it).
    fn unshare<A: Address>(&mut self, vrf: u32) {
        if let Some(snap) = Arc::get_mut(&mut self.snap) {
            if let Some(Some(pair)) = snap.vrfs.get_mut(vrf as usize) {
                let fib = A::pick_mut(pair);
                if fib.memory_bytes() > 64 * 1024 {
                    *fib = Arc::new(Fib::<A>::empty());
                }
            }
        }
    }

    fn publish<A: Address>(&mut self, vrf: u32) {
        let Some(Some(v)) = self.vrfs.get(vrf as usize) else {
            return;
        };
        let fib = Arc::clone(A::pick(&**v).fib());
        if let Some(Some(pair)) = Arc::make_mut(&mut self.snap).vrfs.get_mut(vrf as usize) {
            *A::pick_mut(pair) = fib;
        }
    }

    /// Adds or replaces `p → nh` in VRF `vrf` and publishes; returns the id replaced.
    pub fn insert<A: Address>(
        &mut self,
        vrf: u32,
        p: Prefix<A>,
        nh: u32,
    ) -> Result<Option<u32>, RouteError> {
        self.lpm_mut::<A>(vrf)?;
        self.unshare::<A>(vrf);
        let r = self.lpm_mut::<A>(vrf)?.insert(p, nh);
        self.publish::<A>(vrf);
        let r = r?;
        Ok(r)
    }

    /// Removes `p` from VRF `vrf` and publishes; `NotFound` (nothing changed) if absent.
    pub fn remove<A: Address>(&mut self, vrf: u32, p: Prefix<A>) -> Result<u32, RouteError> {
        self.lpm_mut::<A>(vrf)?;
        self.unshare::<A>(vrf);
        let r = self.lpm_mut::<A>(vrf)?.remove(p);
        self.publish::<A>(vrf);
        let r = r?;
        Ok(r)
    }

    /// Adds many routes to VRF `vrf` with one commit (a full build for a large batch).
    pub fn extend<A: Address>(
        &mut self,
        vrf: u32,
        routes: impl IntoIterator<Item = (Prefix<A>, u32)>,
    ) -> Result<(), RouteError> {
        self.lpm_mut::<A>(vrf)?;
        self.unshare::<A>(vrf);
        let lpm = self.lpm_mut::<A>(vrf)?;
        let res = lpm.extend_staged(routes);
        lpm.commit();
        self.publish::<A>(vrf);
        res
    }

    /// The group id of exactly `p` in VRF `vrf`.
    pub fn get<A: Address>(&self, vrf: u32, p: Prefix<A>) -> Result<Option<u32>, RouteError> {
        Ok(A::pick(self.vrf(vrf)?).get(p))
    }

    /// Longest-prefix match of `addr` in VRF `vrf`.
    #[inline]
    pub fn lookup<A: Address>(&self, vrf: u32, addr: A) -> Option<u32> {
        self.snap.lookup(vrf, addr)
    }

    /// Burst longest-prefix match in VRF `vrf`.
    pub fn lookup_burst<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [Option<u32>],
    ) -> Result<usize, RouteError> {
        self.snap.lookup_burst(vrf, addrs, out)
    }

    /// Burst longest-prefix match in VRF `vrf`, `none` where no route matches.
    pub fn lookup_burst_raw<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [u32],
        none: u32,
    ) -> Result<usize, RouteError> {
        self.snap.lookup_burst_raw(vrf, addrs, out, none)
    }

    /// The current snapshot for readers.
    pub fn snapshot(&self) -> &Arc<VrfFibs> {
        &self.snap
    }

    /// Bytes of every VRF's lookup structures.
    pub fn fib_bytes(&self) -> usize {
        self.vrfs
            .iter()
            .flatten()
            .map(|v| v.v4.fib().memory_bytes() + v.v6.fib().memory_bytes())
            .sum()
    }
}
