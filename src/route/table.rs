//! [`RouteTable`]: the one API both storage modes answer to, so code written for tenant
//! routers runs unchanged on the no-alloc [`PoolTable`](super::pool::PoolTable) and on the
//! alloc-mode [`VrfTable`](super::VrfTable).

use super::{Address, Prefix, RouteError};

/// A multi-VRF longest-prefix-match table.
pub trait RouteTable {
    /// Creates the empty VRF `vrf`.
    fn add_vrf(&mut self, vrf: u32) -> Result<(), RouteError>;
    /// Deletes VRF `vrf` and its routes.
    fn remove_vrf(&mut self, vrf: u32) -> Result<(), RouteError>;
    /// Adds or replaces `p → group` in VRF `vrf`; returns the group replaced. Refused, table
    /// unchanged: unknown VRF, group id out of range, full.
    fn insert<A: Address>(
        &mut self,
        vrf: u32,
        p: Prefix<A>,
        group: u32,
    ) -> Result<Option<u32>, RouteError>;
    /// Removes exactly `p` from VRF `vrf`; `NotFound` (nothing changed) if absent.
    fn remove<A: Address>(&mut self, vrf: u32, p: Prefix<A>) -> Result<u32, RouteError>;
    /// The group of exactly `p` in VRF `vrf`.
    fn get<A: Address>(&self, vrf: u32, p: Prefix<A>) -> Result<Option<u32>, RouteError>;
    /// Longest-prefix match (`None`: no route, or no such VRF).
    fn lookup<A: Address>(&self, vrf: u32, addr: A) -> Option<u32>;
    /// Burst longest-prefix match of up to [`MAX_BURST`](super::MAX_BURST) addresses.
    fn lookup_burst<A: Address>(
        &self,
        vrf: u32,
        addrs: &[A],
        out: &mut [Option<u32>],
    ) -> Result<usize, RouteError>;
}

/// Implements [`RouteTable`] for a type by its inherent methods of the same names.
macro_rules! route_table_by_inherent_methods {
    ($t:ty) => {
        impl RouteTable for $t {
            fn add_vrf(&mut self, vrf: u32) -> Result<(), RouteError> {
                self.add_vrf(vrf)
            }
            fn remove_vrf(&mut self, vrf: u32) -> Result<(), RouteError> {
                self.remove_vrf(vrf)
            }
            fn insert<A: Address>(
                &mut self,
                vrf: u32,
                p: Prefix<A>,
                group: u32,
            ) -> Result<Option<u32>, RouteError> {
                self.insert(vrf, p, group)
            }
            fn remove<A: Address>(&mut self, vrf: u32, p: Prefix<A>) -> Result<u32, RouteError> {
                self.remove(vrf, p)
            }
            fn get<A: Address>(&self, vrf: u32, p: Prefix<A>) -> Result<Option<u32>, RouteError> {
                self.get(vrf, p)
            }
            fn lookup<A: Address>(&self, vrf: u32, addr: A) -> Option<u32> {
                self.lookup(vrf, addr)
            }
            fn lookup_burst<A: Address>(
                &self,
                vrf: u32,
                addrs: &[A],
                out: &mut [Option<u32>],
            ) -> Result<usize, RouteError> {
                self.lookup_burst(vrf, addrs, out)
            }
        }
    };
}

route_table_by_inherent_methods!(super::pool::PoolTable<'_>);
#[cfg(feature = "alloc")]
route_table_by_inherent_methods!(super::VrfTable);
