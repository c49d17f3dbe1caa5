//! Routing: per-VRF IPv4 and IPv6 longest-prefix match returning a next-hop-group id, next-hop
//! groups with ECMP and weights, and the route tables of Neutron routers.
//!
//! # Storage modes
//! - [`pool::PoolTable`] (no alloc, `--no-default-features`): multibit tries with 8-bit strides
//!   whose nodes come from one fixed pool in caller memory ([`pool::PoolTable::mem_size`]),
//!   shared by thousands of VRFs; a VRF costs nothing until it has a route, then a 1 KiB root
//!   per family.
//!
//! Both answer the same questions: `insert(vrf, prefix, group) -> Result<Option<old>>`,
//! `remove(vrf, prefix) -> Result<old>` (`NotFound` when absent), `get` (exact match),
//! `lookup(vrf, addr) -> Option<group>` and `lookup_burst(vrf, &addrs, &mut out)` (up to
//! [`MAX_BURST`]).
//!
//! # Bad input
//! Prefixes are validated once, by [`Prefix::new`]: host bits set ([`RouteError::HostBitsSet`],
//! or cleared on request by [`Prefix::new_truncating`]) and lengths beyond the family
//! ([`RouteError::PrefixLenOutOfRange`]) are refused. Unknown VRF, full pool, group id out of
//! range: typed errors, and a refused operation leaves the table unchanged. Lookups never fail
//! and never panic.
//!
//! # Reader/writer contract
//! See [`pool`] for the no-alloc tables (lock-free readers concurrent with one writer, deferred
//! node reclamation).

mod error;
pub mod pool;
mod prefix;

#[cfg(feature = "alloc")]
pub mod oracle;

pub use error::RouteError;
pub use prefix::{Address, Family, Ipv4Prefix, Ipv6Prefix, Key, PerFamily, Prefix};

/// The largest next-hop-group id a route can carry (24 bits, as DPDK's `rte_lpm`; the value
/// above it is the internal "no route").
pub const MAX_GROUP_ID: u32 = 0x00FF_FFFE;

/// The largest burst of a `lookup_burst` call.
pub const MAX_BURST: usize = 64;

#[cfg(test)]
mod tests;
