//! Routing: per-VRF IPv4 and IPv6 longest-prefix match returning a next-hop-group id, next-hop
//! groups with ECMP and weights, and the route tables of Neutron routers.
//!
//! # Storage modes
//! - [`pool::PoolTable`] (no alloc, `--no-default-features`): multibit tries with 8-bit strides
//!   whose nodes come from one fixed pool in caller memory ([`pool::PoolTable::mem_size`]),
//!   shared by thousands of VRFs; a VRF costs nothing until it has a route, then a 1 KiB root
//!   per family.
//! - [`Lpm`] (feature `alloc`): a lookup structure per family ([`Fib<A>`](Fib), chosen by
//!   [`Address::Fib`], interface [`FibOps`]): for IPv4 a [`Poptrie`] (direct pointing with
//!   the first 6-bit level inline in 16-byte entries, then popcount-compressed 6-bit nodes),
//!   for IPv6 an [`LcTrie`] (adaptive 4–16-bit strides, leaf pushing, path compression: ~3
//!   reads to a /48 where a Poptrie takes 7–8), with the routes kept aside in a compact RIB:
//!   one array of
//!   routes sorted in prefix order ((key, length), 8 bytes per IPv4 route: key, length and
//!   group id packed), plus an ordered buffer of recent changes merged into the array in one
//!   pass once it outgrows a fraction of it. Prefix order makes the routes of any aligned
//!   region one contiguous run, which is what the `Fib` builder walks; a bulk load
//!   ([`Lpm::extend_staged`], [`Lpm::from_routes`], [`VrfTable::extend`]) sorts the batch and
//!   merges it in one pass.
//!
//! Figures for the real table (1.07 M IPv4 / 176 k IPv6 routes, `cargo bench --bench route`,
//! `examples/lpm.rs --bench`, `benches/c/run_route_dpdk.sh`; this shared 2-core machine, so
//! only same-run ratios mean much):
//! - Memory, everything an [`Lpm`] holds ([`Lpm::memory_bytes`], confirmed by the bench's
//!   counting allocator): IPv4 14.3 MiB (lookup structure 6.1 MiB + RIB 8.2 MiB), IPv6
//!   14.1 MiB (LcTrie 8.7 + 5.4; the IPv6 Poptrie took 2.5). The previous binary-trie RIB
//!   alone took ~48 MiB for IPv4.
//! - Bulk load of the full IPv4 table: ~40–100 ms (Rust and C API); one published
//!   single-route update on it: ~7–9 µs IPv4, ~16–17 µs IPv6.
//! - Burst lookups (64) through the C API vs DPDK, same run, medians of 9 alternating runs of
//!   thread CPU time: IPv4 hit addresses 0.93–1.03× `rte_fib`, median 0.99 (five runs on a
//!   noisy machine; DIR-24-8: a 64 MiB first level, one memory access per lookup for a /24 or
//!   shorter, as we take one direct-pointing entry and one word), random 1.45–1.63×; IPv6 hit
//!   0.91–1.06× `rte_fib6` (six runs; 0.75–0.87× in five interleaved runs before the LcTrie
//!   walk read and prefetched in one pass per level), random 1.25–1.55× (0.68–0.79× before;
//!   0.96–0.99× with the one-pass walk alone, before the C API's bytes were converted inside
//!   the walk instead of copied to a burst of addresses first). Through the C API an IPv6
//!   lookup costs ~31 instructions random, ~213 hit (~2.75 node reads below the root, ~70
//!   instructions each: the hit walk is instruction-bound as much as memory-bound, 55 M/s
//!   with the addresses' paths in cache). The burst walks go pass by pass over the whole
//!   burst (each pass prefetching what the next reads). The Poptrie's prefetches a node met
//!   through a first-level word in the pass that reads the word, counts matches in one
//!   vectorized loop at the end, uses `popcnt` when the CPU has it (runtime check), and costs
//!   ~71 instructions per IPv4 hit lookup through the C API (which hands the caller's
//!   host-order addresses to the walk as keys, [`FibOps::lookup_burst_keys`]), ~68 in the
//!   walk (a third of them walk nodes below a /24).
//! - 1000 VRFs x 20 routes next to a full table: full-table burst lookups through the
//!   `VrfTable` at 1.00–1.03× the rate of the full table alone (same run, medians of 15
//!   alternating runs).
//!
//! Both implement [`RouteTable`], the same questions: `insert(vrf, prefix, group) -> Result<Option<old>>`,
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
//! - No-alloc ([`pool`]): one writer (`&mut PoolTable`), any number of lock-free
//!   [`pool::PoolReader`]s on other threads. Each update is a sequence of atomic single-entry
//!   stores, each leaving a consistent trie, so a concurrent lookup returns the result before
//!   or after the update for its address; new nodes are filled before they are linked; freed
//!   nodes are retired until the caller declares a quiescent point ([`pool::PoolTable::reclaim`]).
//! - Alloc ([`Lpm`]): the writer changes its RIB, then [`Lpm::commit`] builds a new [`Fib`]
//!   aside (copying the current one and rebuilding only the changed direct-pointing entries,
//!   or rebuilding all when much changed) and replaces its `Arc<Fib>`. Readers hold an
//!   `Arc<Fib>` (immutable, `Send + Sync`) for as long as they like; [`SharedFib`] (feature
//!   `std`) publishes each new one to reader threads with one atomic pointer store.

mod error;
pub mod pool;
mod prefix;
mod table;

#[cfg(feature = "alloc")]
mod fib;
#[cfg(feature = "alloc")]
mod huge;
#[cfg(feature = "alloc")]
mod lctrie;
#[cfg(feature = "alloc")]
mod lpm;
pub mod nexthop;
#[cfg(feature = "alloc")]
pub mod oracle;
#[cfg(feature = "alloc")]
mod poptrie;
#[cfg(feature = "alloc")]
mod rib;
#[cfg(feature = "alloc")]
pub mod router;
#[cfg(feature = "std")]
mod shared;
#[cfg(feature = "alloc")]
mod vrf;
#[cfg(feature = "alloc")]
mod walk;

#[cfg(feature = "alloc")]
pub use fib::FibOps;
#[cfg(feature = "alloc")]
pub use lctrie::LcTrie;
#[cfg(feature = "alloc")]
pub use lpm::Lpm;
#[cfg(feature = "alloc")]
pub use poptrie::{Fib as Poptrie, FibStats};

/// The alloc-mode lookup structure of family `A`: [`Poptrie`] for IPv4, [`LcTrie`] for IPv6
/// (both implement [`FibOps`]).
#[cfg(feature = "alloc")]
pub type Fib<A> = <A as Address>::Fib;
#[cfg(feature = "std")]
pub use shared::{SharedFib, SharedVrfs};
#[cfg(feature = "alloc")]
pub use vrf::{FibPair, VrfFibs, VrfLpms, VrfTable};

pub use error::RouteError;
pub use prefix::{
    Address, Family, IpPrefix, Ipv4Prefix, Ipv6Prefix, Key, PerFamily, Prefix, PrefixParseError,
};
pub use table::RouteTable;

/// The largest next-hop-group id a route can carry (24 bits, as DPDK's `rte_lpm`; the value
/// above it is the internal "no route").
pub const MAX_GROUP_ID: u32 = 0x00FF_FFFE;

/// The largest burst of a `lookup_burst` call.
pub const MAX_BURST: usize = 64;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_alloc;
