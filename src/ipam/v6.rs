//! IPv6 address allocation in memory proportional to the allocated addresses: the free part
//! of the pools is a set of intervals, so a /64 pool costs a few bytes until addresses are
//! taken, and each allocation adds at most one interval. Same choice rules as [`super::v4`].

use core::net::IpAddr;

use alloc::vec::Vec;

use super::freeset::RangeAlloc;
use super::{
    ip_u128, u128_ip, AddressAllocator, AllocMode, Family, IpamError, Rng, Subnet, RANDOM_WINDOW,
};

/// An IPv6 address allocator for one subnet.
#[derive(Debug, Clone)]
pub struct V6Allocator {
    subnet: Subnet,
    ra: RangeAlloc,
}

impl V6Allocator {
    /// An empty allocator for an IPv6 `subnet` (`WrongFamily` otherwise).
    pub fn new(subnet: &Subnet) -> Result<Self, IpamError> {
        if subnet.family() != Family::V6 {
            return Err(IpamError::WrongFamily {
                expected: Family::V6,
                cidr: subnet.cidr(),
            });
        }
        let ranges: Vec<(u128, u128)> = subnet.pools().iter().map(|p| p.bounds()).collect();
        Ok(V6Allocator {
            subnet: subnet.clone(),
            ra: RangeAlloc::new(&ranges),
        })
    }

    /// Number of intervals and out-of-pool entries held (memory is proportional to this).
    pub fn fragments(&self) -> usize {
        self.ra.fragments()
    }
}

impl AddressAllocator for V6Allocator {
    fn subnet(&self) -> &Subnet {
        &self.subnet
    }

    fn allocate(&mut self, mode: AllocMode, rng: &mut dyn Rng) -> Result<IpAddr, IpamError> {
        self.ra
            .pick(mode, RANDOM_WINDOW, rng)
            .map(|v| u128_ip(Family::V6, v))
            .ok_or(IpamError::AddressesExhausted {
                cidr: self.subnet.cidr(),
            })
    }

    fn allocate_specific(&mut self, ip: IpAddr, admin: bool) -> Result<IpAddr, IpamError> {
        self.subnet.check_fixed_ip(ip, admin)?;
        if !self.ra.take(ip_u128(ip)) {
            return Err(IpamError::AddressInUse {
                addr: ip,
                cidr: self.subnet.cidr(),
            });
        }
        Ok(ip)
    }

    fn release(&mut self, ip: IpAddr) -> Result<(), IpamError> {
        let cidr = self.subnet.cidr();
        if Family::of(&ip) != Family::V6 {
            return Err(IpamError::AddressFamily { addr: ip, cidr });
        }
        if !cidr.contains(&ip) {
            return Err(IpamError::AddressNotInSubnet { addr: ip, cidr });
        }
        if !self.ra.give(ip_u128(ip)) {
            return Err(IpamError::AddressNotAllocated { addr: ip, cidr });
        }
        Ok(())
    }

    fn is_allocated(&self, ip: IpAddr) -> bool {
        Family::of(&ip) == Family::V6
            && self.subnet.cidr().contains(&ip)
            && self.ra.is_taken(ip_u128(ip))
    }

    fn allocated(&self) -> u128 {
        self.ra.taken()
    }
}
