//! IPAM: Neutron's subnet rules, address allocation, subnet pools, segment and MAC allocation.
//!
//! What this room reproduces (see `shared/research/neutron-semantics.md` and the Neutron sources
//! it cites: `neutron/ipam/utils.py`, `neutron/db/ipam_backend_mixin.py`,
//! `neutron/ipam/drivers/neutrondb_ipam/driver.py`, `neutron/ipam/subnet_alloc.py`,
//! `neutron/plugins/ml2/drivers/helpers.py`):
//!
//! - [`subnet`]: validation of CIDR, gateway, allocation pools, DNS servers and host routes, one
//!   [`IpamError`] variant per rule; default gateway and pools (including /31, /32, /127, /128);
//!   overlap refusal within a network.
//! - [`v4`]: IPv4 address allocation over a bitmap in caller memory (no alloc), subnets up to
//!   /8 ([`v4::MIN_PREFIX`]).
//! - [`v6`] (feature `alloc`): IPv6 address allocation in memory proportional to the allocated
//!   addresses (a set of free intervals), so /64 pools work.
//! - [`slaac`]: EUI-64 addresses (RFC 4291 §2.5.1, Appendix A).
//! - [`subnetpool`] (`alloc`): best-fit prefix allocation, specific prefixes, release, quota.
//! - [`segment`] (`alloc`): VLAN per physical network, VXLAN/GENEVE VNI, GRE key allocators.
//! - [`mac`] (`alloc`): MAC allocation under a base prefix, unique per network.
//!
//! Every operation that fails returns the specific error and leaves the state as it was.
//! Randomness comes from the caller ([`Rng`]), so tests and replays are deterministic.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod error;
pub mod slaac;
pub mod subnet;
pub mod v4;

#[cfg(feature = "alloc")]
mod freeset;
#[cfg(feature = "alloc")]
pub mod mac;
#[cfg(feature = "alloc")]
pub mod segment;
#[cfg(feature = "alloc")]
pub mod subnetpool;
#[cfg(feature = "alloc")]
pub mod v6;

pub use error::IpamError;
pub use ipnet::{IpNet, Ipv4Net, Ipv6Net};
pub use subnet::{AllocMode, GatewaySpec, HostRoute, IpRange, Ipv6Mode, Subnet, SubnetConfig};
pub use v4::V4Allocator;
#[cfg(feature = "alloc")]
pub use v6::V6Allocator;

/// How many free addresses the random choice looks at: Neutron's `MAX_WIN` in
/// `neutrondb_ipam/driver.py` ("random among the first 1000 free addresses", so concurrent
/// allocators rarely pick the same one).
pub const RANDOM_WINDOW: u32 = 1000;

/// A source of randomness supplied by the caller. Any `FnMut() -> u32` is one.
pub trait Rng {
    /// The next 32 random bits.
    fn next_u32(&mut self) -> u32;

    /// A value uniformly distributed in `0..n` (`n > 0`), by Lemire's multiply-shift
    /// (bias below 2^-32 · n, irrelevant for windows of 1000).
    fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }
}

impl<F: FnMut() -> u32> Rng for F {
    fn next_u32(&mut self) -> u32 {
        self()
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small deterministic generator for tests, benches and
/// callers without a better source. Not cryptographic.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Rng for SplitMix64 {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
}

/// Address family of a subnet, pool or prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// Address length in bits.
    pub const fn bits(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
    /// The family of an address.
    pub const fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
    /// The family of a prefix.
    pub const fn of_net(net: &IpNet) -> Family {
        match net {
            IpNet::V4(_) => Family::V4,
            IpNet::V6(_) => Family::V6,
        }
    }
}

/// An address as an integer (IPv4 in the low 32 bits).
#[inline]
pub(crate) fn ip_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The address of family `f` with integer value `v` (truncated to 32 bits for IPv4).
#[inline]
pub(crate) fn u128_ip(f: Family, v: u128) -> IpAddr {
    match f {
        Family::V4 => IpAddr::V4(Ipv4Addr::from(v as u32)),
        Family::V6 => IpAddr::V6(Ipv6Addr::from(v)),
    }
}

/// First and last address of a prefix, as integers.
#[inline]
pub(crate) fn net_bounds(net: &IpNet) -> (u128, u128) {
    (ip_u128(net.network()), ip_u128(net.broadcast()))
}

/// Number of addresses in a prefix of length `len` in family `f`, saturated at `u128::MAX`
/// for an IPv6 /0.
#[cfg(feature = "alloc")]
#[inline]
pub(crate) fn block_size(f: Family, len: u8) -> u128 {
    let host = u32::from(f.bits().saturating_sub(len));
    if host >= 128 {
        u128::MAX
    } else {
        1u128 << host
    }
}

/// A prefix of family `f` with network `v` and length `len` (`len` ≤ the family's bits).
#[cfg(feature = "alloc")]
#[inline]
pub(crate) fn make_net(f: Family, v: u128, len: u8) -> IpNet {
    match f {
        Family::V4 => IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::from(v as u32), len.min(32))),
        Family::V6 => IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::from(v), len.min(128))),
    }
}

/// One address a port asks for (Neutron `fixed_ips` entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrRequest {
    /// Any free address of the pools, picked by the mode.
    Any(AllocMode),
    /// This address. `admin` lifts the pool rule (admins and router ports may take any
    /// address of the subnet, the gateway included).
    Fixed {
        /// The address.
        ip: IpAddr,
        /// Whether the caller has admin rights (or the port is a router port).
        admin: bool,
    },
}

/// The allocation operations shared by the IPv4 bitmap and the IPv6 interval allocators.
pub trait AddressAllocator {
    /// The subnet served.
    fn subnet(&self) -> &Subnet;
    /// Allocates a free pool address chosen by `mode` (`rng` is used by
    /// [`AllocMode::Random`] only). `AddressesExhausted` when the pools are full.
    fn allocate(&mut self, mode: AllocMode, rng: &mut dyn Rng) -> Result<IpAddr, IpamError>;
    /// Allocates `ip` (a fixed IP): see [`Subnet::check_fixed_ip`]; `AddressInUse` if taken.
    fn allocate_specific(&mut self, ip: IpAddr, admin: bool) -> Result<IpAddr, IpamError>;
    /// Releases `ip`; `AddressNotAllocated` if it was not allocated.
    fn release(&mut self, ip: IpAddr) -> Result<(), IpamError>;
    /// True when `ip` is allocated.
    fn is_allocated(&self, ip: IpAddr) -> bool;
    /// Number of allocated addresses (inside and outside the pools).
    fn allocated(&self) -> u128;

    /// Allocates every request of one port, writing the addresses to `out` in request order:
    /// the fixed IPs first (so a random pick cannot take an address asked for explicitly),
    /// then the automatic ones. On any error, everything this call allocated is released
    /// again and the error returned: the allocator is unchanged.
    fn allocate_port(
        &mut self,
        requests: &[AddrRequest],
        out: &mut [IpAddr],
        rng: &mut dyn Rng,
    ) -> Result<usize, IpamError> {
        if out.len() < requests.len() {
            return Err(IpamError::OutputTooSmall {
                need: requests.len(),
                have: out.len(),
            });
        }
        let mut done = 0usize;
        let fixed_then_any = requests
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, AddrRequest::Fixed { .. }))
            .chain(
                requests
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| matches!(r, AddrRequest::Any(_))),
            );
        let mut order = [0usize; 64];
        let mut result = Ok(());
        for (i, r) in fixed_then_any {
            let got = match *r {
                AddrRequest::Fixed { ip, admin } => self.allocate_specific(ip, admin),
                AddrRequest::Any(mode) => self.allocate(mode, rng),
            };
            match got {
                Ok(ip) if done < order.len() => {
                    out[i] = ip;
                    order[done] = i;
                    done += 1;
                }
                Ok(ip) => {
                    // More than 64 addresses for one port: refuse rather than lose track.
                    let _ = self.release(ip);
                    result = Err(IpamError::OutputTooSmall {
                        need: requests.len(),
                        have: order.len(),
                    });
                    break;
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if let Err(e) = result {
            for &i in &order[..done] {
                let _ = self.release(out[i]);
            }
            return Err(e);
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests;
