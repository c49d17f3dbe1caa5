//! IPv4 address allocation over a bitmap in caller memory: one bit per address of the subnet,
//! plus a summary of 16-bit free-address counts per 512-address chunk, so a /8 takes about
//! 2.06 MiB ([`mem_words`]) and no allocation happens after construction.
//!
//! Automatic allocation walks the chunk counts in address order from a hint (the lowest chunk
//! that may hold a free pool address) and picks uniformly among the first [`RANDOM_WINDOW`]
//! free pool addresses ([`AllocMode::Random`]) or takes the lowest ([`AllocMode::Lowest`]), as
//! Neutron's `neutrondb_ipam` driver does; only one chunk's 8 bitmap words are scanned. Fixed IPs
//! follow [`Subnet::check_fixed_ip`].

use core::net::{IpAddr, Ipv4Addr};

use arrayvec::ArrayVec;

use super::subnet::MAX_POOLS;
use super::{AddressAllocator, AllocMode, Family, IpamError, Rng, Subnet, RANDOM_WINDOW};

/// Shortest prefix the bitmap serves: a /8 (2^24 addresses).
pub const MIN_PREFIX: u8 = 8;
/// Addresses per summary chunk (8 bitmap words).
const CHUNK_BITS: u32 = 512;
const CHUNK_WORDS: usize = 8;

/// Bitmap words of a prefix length (valid lengths only).
const fn bitmap_words(prefix_len: u8) -> usize {
    if prefix_len >= 26 {
        1
    } else {
        1usize << (26 - prefix_len as u32)
    }
}

/// Number of `u64` words of caller memory a subnet with this prefix length needs: the bitmap
/// (`ceil(2^(32 - prefix_len) / 64)` words) and the chunk counts (four per word); 0 for a
/// prefix shorter than [`MIN_PREFIX`] or longer than 32.
pub const fn mem_words(prefix_len: u8) -> usize {
    if prefix_len < MIN_PREFIX || prefix_len > 32 {
        return 0;
    }
    let bw = bitmap_words(prefix_len);
    let chunks = bw.div_ceil(CHUNK_WORDS);
    bw + chunks.div_ceil(4)
}

/// An IPv4 address allocator over caller memory `M` (`&mut [u64]`, or `Vec<u64>` with
/// `alloc`).
#[derive(Debug)]
pub struct V4Allocator<M> {
    mem: M,
    subnet: Subnet,
    net: u32,
    /// Bitmap words; the chunk counts follow them in `mem`.
    bw: usize,
    chunks: u32,
    /// Offsets of the pools, sorted, inclusive.
    pools: ArrayVec<(u32, u32), MAX_POOLS>,
    allocated: u32,
    /// Every pool address in a chunk below `hint` is allocated.
    hint: u32,
}

impl<M: AsRef<[u64]> + AsMut<[u64]>> V4Allocator<M> {
    /// Builds an empty allocator for `subnet` over `mem` (at least `mem_words(prefix_len)`
    /// words; they are overwritten). Errors: `WrongFamily`, `SubnetTooLarge` (prefix shorter
    /// than /8), `MemoryTooSmall`.
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
        let pools: ArrayVec<(u32, u32), MAX_POOLS> = subnet
            .pools()
            .iter()
            .map(|p| {
                let (s, e) = p.bounds();
                ((s as u32) - net, (e as u32) - net)
            })
            .collect();
        let bw = bitmap_words(n.prefix_len());
        let mut a = V4Allocator {
            mem,
            subnet: subnet.clone(),
            net,
            bw,
            chunks: bw.div_ceil(CHUNK_WORDS) as u32,
            pools,
            allocated: 0,
            hint: 0,
        };
        for i in 0..a.pools.len() {
            let (lo, hi) = a.pools[i];
            let (clo, chi) = (lo / CHUNK_BITS, hi / CHUNK_BITS);
            for c in clo..=chi {
                let s = (c * CHUNK_BITS).max(lo);
                let e = (c * CHUNK_BITS + CHUNK_BITS - 1).min(hi);
                a.add_count(c, (e - s + 1) as i32);
            }
        }
        Ok(a)
    }

    /// The memory back (e.g. to free it).
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
    fn in_pool(&self, off: u32) -> bool {
        self.pools.iter().any(|&(lo, hi)| lo <= off && off <= hi)
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

    /// Free pool addresses in chunk `c`.
    #[inline]
    fn count(&self, c: u32) -> u32 {
        let i = self.bw + (c / 4) as usize;
        let w = self.mem.as_ref().get(i).copied().unwrap_or(0);
        ((w >> (16 * (c % 4))) & 0xffff) as u32
    }

    #[inline]
    fn add_count(&mut self, c: u32, delta: i32) {
        let i = self.bw + (c / 4) as usize;
        let shift = 16 * (c % 4);
        if let Some(w) = self.mem.as_mut().get_mut(i) {
            let cur = ((*w >> shift) & 0xffff) as i32;
            let new = (cur + delta).clamp(0, 0xffff) as u64;
            *w = (*w & !(0xffffu64 << shift)) | (new << shift);
        }
    }

    /// Free pool bits of bitmap word `w`.
    #[inline]
    fn free_bits(&self, w: u32) -> u64 {
        let (wlo, whi) = (w * 64, w * 64 + 63);
        let mut mask = 0u64;
        for &(lo, hi) in &self.pools {
            if hi < wlo || lo > whi {
                continue;
            }
            let a = lo.max(wlo) - wlo;
            let b = hi.min(whi) - wlo;
            mask |= (u64::MAX << a) & (u64::MAX >> (63 - b));
        }
        mask & !self
            .mem
            .as_ref()
            .get(w as usize)
            .copied()
            .unwrap_or(u64::MAX)
    }

    /// Free pool addresses.
    pub fn free(&self) -> u64 {
        (0..self.chunks).map(|c| u64::from(self.count(c))).sum()
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
        for c in self.hint..self.chunks {
            let n = self.count(c);
            if n > 0 {
                first.get_or_insert(c);
                count += n;
                if count >= limit {
                    break;
                }
            }
        }
        let Some(first) = first else {
            self.hint = self.chunks;
            return Err(IpamError::AddressesExhausted {
                cidr: self.subnet.cidr(),
            });
        };
        self.hint = first;
        let mut k = match mode {
            AllocMode::Lowest => 0,
            AllocMode::Random => rng.below(count.min(limit)),
        };
        let mut c = first;
        while c < self.chunks {
            let n = self.count(c);
            if k < n {
                break;
            }
            k -= n;
            c += 1;
        }
        let w0 = c * CHUNK_WORDS as u32;
        let w1 = (w0 + CHUNK_WORDS as u32).min(self.bw as u32);
        let mut found = None;
        for w in w0..w1 {
            let mut free = self.free_bits(w);
            let p = free.count_ones();
            if k < p {
                for _ in 0..k {
                    free &= free - 1;
                }
                found = Some(w * 64 + free.trailing_zeros());
                break;
            }
            k -= p;
        }
        // The counts and the bitmap agree, so the chunk holds the k-th free address.
        let found = found.ok_or(IpamError::AddressesExhausted {
            cidr: self.subnet.cidr(),
        })?;
        self.set(found, true);
        self.add_count(c, -1);
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
        if self.in_pool(off) {
            self.add_count(off / CHUNK_BITS, -1);
        }
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
        if self.in_pool(off) {
            self.add_count(off / CHUNK_BITS, 1);
            self.hint = self.hint.min(off / CHUNK_BITS);
        }
        self.allocated -= 1;
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
