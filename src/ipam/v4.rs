//! IPv4 address allocation over a bitmap in caller memory: one bit per address of the subnet,
//! so a /8 takes 2 MiB ([`mem_words`]) and no allocation happens after construction.
//!
//! Automatic allocation scans the pools in address order from a hint (the lowest pool offset
//! that may be free) and picks uniformly among the first [`RANDOM_WINDOW`] free addresses
//! ([`AllocMode::Random`]) or takes the lowest ([`AllocMode::Lowest`]), as Neutron's
//! `neutrondb_ipam` driver does. Fixed IPs follow [`Subnet::check_fixed_ip`].

use core::net::{IpAddr, Ipv4Addr};

use arrayvec::ArrayVec;

use super::subnet::MAX_POOLS;
use super::{AddressAllocator, AllocMode, Family, IpamError, Rng, Subnet, RANDOM_WINDOW};

/// Shortest prefix the bitmap serves: a /8 (2^24 addresses, 2 MiB of bitmap).
pub const MIN_PREFIX: u8 = 8;

/// Number of `u64` words of bitmap a subnet with this prefix length needs
/// (`ceil(2^(32 - prefix_len) / 64)`); 0 for a prefix shorter than [`MIN_PREFIX`] or longer
/// than 32.
pub const fn mem_words(prefix_len: u8) -> usize {
    if prefix_len < MIN_PREFIX || prefix_len > 32 {
        0
    } else if prefix_len >= 26 {
        1
    } else {
        1usize << (32 - prefix_len as u32 - 6)
    }
}

/// An IPv4 address allocator over a bitmap `M` (`&mut [u64]` for caller memory, `Vec<u64>`
/// with `alloc`).
#[derive(Debug)]
pub struct V4Allocator<M> {
    mem: M,
    subnet: Subnet,
    net: u32,
    /// Offsets of the pools, sorted, inclusive.
    pools: ArrayVec<(u32, u32), MAX_POOLS>,
    allocated: u32,
    /// Every pool offset below `hint` is allocated.
    hint: u32,
}

impl<M: AsRef<[u64]> + AsMut<[u64]>> V4Allocator<M> {
    /// Builds an empty allocator for `subnet` over `mem` (at least
    /// `mem_words(prefix_len)` words; they are zeroed). Errors: `WrongFamily`,
    /// `SubnetTooLarge` (prefix shorter than /8), `MemoryTooSmall`.
    pub fn new(subnet: &Subnet, mut mem: M) -> Result<Self, IpamError> {
        let cidr = subnet.cidr();
        let ipnet::IpNet::V4(n) = cidr else {
            return Err(IpamError::WrongFamily {
                expected: Family::V4,
                cidr,
            });
        };
        if n.prefix_len() < MIN_PREFIX {
            return Err(IpamError::SubnetTooLarge {
                cidr,
                min: MIN_PREFIX,
            });
        }
        let need = mem_words(n.prefix_len());
        let have = mem.as_ref().len();
        if have < need {
            return Err(IpamError::MemoryTooSmall { need, have });
        }
        mem.as_mut()[..need].fill(0);
        let net = u32::from(n.network());
        let pools = subnet
            .pools()
            .iter()
            .map(|p| {
                let (s, e) = p.bounds();
                ((s as u32) - net, (e as u32) - net)
            })
            .collect();
        Ok(V4Allocator {
            mem,
            subnet: subnet.clone(),
            net,
            pools,
            allocated: 0,
            hint: 0,
        })
    }

    /// The bitmap memory back (e.g. to free it).
    pub fn into_inner(self) -> M {
        self.mem
    }

    /// Offset of `ip` in the subnet, if it is in it.
    #[inline]
    fn offset(&self, ip: Ipv4Addr) -> Option<u32> {
        let n = match self.subnet.cidr() {
            ipnet::IpNet::V4(n) => n,
            ipnet::IpNet::V6(_) => return None,
        };
        n.contains(&ip).then(|| u32::from(ip) - self.net)
    }

    #[inline]
    fn bit(&self, off: u32) -> bool {
        self.mem
            .as_ref()
            .get((off / 64) as usize)
            .is_some_and(|w| w & (1u64 << (off % 64)) != 0)
    }

    #[inline]
    fn set(&mut self, off: u32, v: bool) {
        if let Some(w) = self.mem.as_mut().get_mut((off / 64) as usize) {
            if v {
                *w |= 1u64 << (off % 64);
            } else {
                *w &= !(1u64 << (off % 64));
            }
        }
    }

    /// Calls `f(base_offset, free_bits)` for each bitmap word with free pool addresses at or
    /// after the hint, in address order, until `f` returns false.
    #[inline]
    fn scan(&self, mut f: impl FnMut(u32, u64) -> bool) {
        let words = self.mem.as_ref();
        for &(lo, hi) in &self.pools {
            if hi < self.hint {
                continue;
            }
            let lo = lo.max(self.hint);
            let (wlo, whi) = (lo / 64, hi / 64);
            for w in wlo..=whi {
                let mut free = !words.get(w as usize).copied().unwrap_or(u64::MAX);
                if w == wlo {
                    free &= u64::MAX << (lo % 64);
                }
                if w == whi {
                    free &= u64::MAX >> (63 - hi % 64);
                }
                if free != 0 && !f(w * 64, free) {
                    return;
                }
            }
        }
    }

    /// Free pool addresses (exact count, by popcount over the pools).
    pub fn free(&self) -> u64 {
        let mut n = 0u64;
        let words = self.mem.as_ref();
        for &(lo, hi) in &self.pools {
            let (wlo, whi) = (lo / 64, hi / 64);
            for w in wlo..=whi {
                let mut free = !words.get(w as usize).copied().unwrap_or(u64::MAX);
                if w == wlo {
                    free &= u64::MAX << (lo % 64);
                }
                if w == whi {
                    free &= u64::MAX >> (63 - hi % 64);
                }
                n += u64::from(free.count_ones());
            }
        }
        n
    }

    fn v4(&self, ip: IpAddr) -> Result<Ipv4Addr, IpamError> {
        match ip {
            IpAddr::V4(a) => Ok(a),
            IpAddr::V6(_) => Err(IpamError::AddressFamily {
                addr: ip,
                cidr: self.subnet.cidr(),
            }),
        }
    }
}

impl<M: AsRef<[u64]> + AsMut<[u64]>> AddressAllocator for V4Allocator<M> {
    fn subnet(&self) -> &Subnet {
        &self.subnet
    }

    fn allocate(&mut self, mode: AllocMode, rng: &mut dyn Rng) -> Result<IpAddr, IpamError> {
        let limit = match mode {
            AllocMode::Lowest => 1,
            AllocMode::Random => RANDOM_WINDOW,
        };
        let mut count = 0u32;
        let mut first = None;
        self.scan(|base, free| {
            if first.is_none() {
                first = Some(base + free.trailing_zeros());
            }
            count += free.count_ones();
            count < limit
        });
        let Some(first) = first else {
            return Err(IpamError::AddressesExhausted {
                cidr: self.subnet.cidr(),
            });
        };
        self.hint = first;
        let mut k = match mode {
            AllocMode::Lowest => 0,
            AllocMode::Random => rng.below(count.min(limit)),
        };
        let mut found = first;
        if k > 0 {
            self.scan(|base, mut free| {
                let c = free.count_ones();
                if k < c {
                    for _ in 0..k {
                        free &= free - 1;
                    }
                    found = base + free.trailing_zeros();
                    false
                } else {
                    k -= c;
                    true
                }
            });
        }
        self.set(found, true);
        self.allocated += 1;
        Ok(IpAddr::V4(Ipv4Addr::from(self.net + found)))
    }

    fn allocate_specific(&mut self, ip: IpAddr, admin: bool) -> Result<IpAddr, IpamError> {
        self.subnet.check_fixed_ip(ip, admin)?;
        let a = self.v4(ip)?;
        let off = self.offset(a).ok_or(IpamError::AddressNotInSubnet {
            addr: ip,
            cidr: self.subnet.cidr(),
        })?;
        if self.bit(off) {
            return Err(IpamError::AddressInUse {
                addr: ip,
                cidr: self.subnet.cidr(),
            });
        }
        self.set(off, true);
        self.allocated += 1;
        Ok(ip)
    }

    fn release(&mut self, ip: IpAddr) -> Result<(), IpamError> {
        let a = self.v4(ip)?;
        let cidr = self.subnet.cidr();
        let off = self
            .offset(a)
            .ok_or(IpamError::AddressNotInSubnet { addr: ip, cidr })?;
        if !self.bit(off) {
            return Err(IpamError::AddressNotAllocated { addr: ip, cidr });
        }
        self.set(off, false);
        self.allocated -= 1;
        self.hint = self.hint.min(off);
        Ok(())
    }

    fn is_allocated(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.offset(a).is_some_and(|o| self.bit(o)),
            IpAddr::V6(_) => false,
        }
    }

    fn allocated(&self) -> u128 {
        u128::from(self.allocated)
    }
}

#[cfg(feature = "alloc")]
impl V4Allocator<alloc::vec::Vec<u64>> {
    /// An allocator owning its bitmap.
    pub fn new_vec(subnet: &Subnet) -> Result<Self, IpamError> {
        let words = match subnet.cidr() {
            ipnet::IpNet::V4(n) => mem_words(n.prefix_len()),
            ipnet::IpNet::V6(_) => 0,
        };
        Self::new(subnet, alloc::vec![0u64; words])
    }
}
