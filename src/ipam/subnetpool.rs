//! Subnet pools (Neutron `subnetpools`, `ipam/subnet_alloc.py`): a set of prefixes of one
//! family with default/min/max prefix lengths and an optional quota, from which subnets are
//! carved.
//!
//! - Any-subnet requests take the **best fit**: the free space is decomposed into maximal
//!   aligned blocks; the smallest block that holds the requested length wins, lowest address
//!   first, and the subnet is the first /N of it (Neutron `_get_available_prefix_list` sorts
//!   the free CIDRs by prefix length, longest first, and takes the first that fits).
//! - Specific requests must lie inside the pool's prefixes and overlap no allocation.
//! - Quota: IPv4 counts addresses, IPv6 counts /64s (Neutron `_get_prefix_quota` ... units);
//!   one counter per pool.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use ipnet::IpNet;

use super::{block_size, make_net, net_bounds, Family, IpamError};

/// What a caller hands in to create a pool.
#[derive(Debug, Clone, Copy)]
pub struct SubnetPoolConfig<'a> {
    /// The pool's prefixes (one family; overlapping prefixes are merged).
    pub prefixes: &'a [IpNet],
    /// Length of a subnet requested without one (default: `min_prefixlen`).
    pub default_prefixlen: Option<u8>,
    /// Shortest subnet (default: 8 for IPv4, 64 for IPv6, Neutron's defaults).
    pub min_prefixlen: Option<u8>,
    /// Longest subnet (default: 32 / 128).
    pub max_prefixlen: Option<u8>,
    /// Quota in units (addresses for IPv4, /64s for IPv6); `None` is unlimited.
    pub quota: Option<u128>,
}

/// A validated subnet pool with its allocations.
#[derive(Debug, Clone)]
pub struct SubnetPool {
    family: Family,
    space: Vec<(u128, u128)>,
    min: u8,
    default: u8,
    max: u8,
    quota: Option<u128>,
    used: u128,
    /// network → prefix length of each allocation.
    allocated: BTreeMap<u128, u8>,
}

/// Splits `lo..=hi` into maximal aligned blocks, calling `f(start, prefix_len)`.
fn blocks(fam: Family, mut lo: u128, hi: u128, mut f: impl FnMut(u128, u8)) {
    let bits = u32::from(fam.bits());
    loop {
        // Largest k with lo aligned to 2^k and lo + 2^k - 1 <= hi.
        let align = lo.trailing_zeros().min(bits);
        let span = hi - lo; // count - 1
        let fit = if span == u128::MAX {
            128
        } else {
            127 - (span + 1).leading_zeros()
        };
        let k = align.min(fit).min(bits);
        f(lo, (bits - k) as u8);
        let size_minus_1 = if k >= 128 {
            u128::MAX
        } else {
            (1u128 << k) - 1
        };
        match lo.checked_add(size_minus_1) {
            Some(end) if end < hi => lo = end + 1,
            _ => return,
        }
    }
}

impl SubnetPool {
    /// Validates `cfg`: prefixes of one family with host bits zero (`PoolPrefixInvalid`),
    /// `min ≤ default ≤ max ≤` the family's bits (`PrefixBounds`).
    pub fn new(cfg: &SubnetPoolConfig<'_>) -> Result<Self, IpamError> {
        let first = *cfg.prefixes.first().ok_or(IpamError::PrefixBounds {
            min: 0,
            default: 0,
            max: 0,
        })?;
        let family = Family::of_net(&first);
        for p in cfg.prefixes {
            if Family::of_net(p) != family || p.addr() != p.network() {
                return Err(IpamError::PoolPrefixInvalid { prefix: *p });
            }
        }
        let min = cfg.min_prefixlen.unwrap_or(match family {
            Family::V4 => 8,
            Family::V6 => 64,
        });
        let max = cfg.max_prefixlen.unwrap_or(family.bits());
        let default = cfg.default_prefixlen.unwrap_or(min);
        if !(min <= default && default <= max && max <= family.bits()) {
            return Err(IpamError::PrefixBounds { min, default, max });
        }
        let mut rs: Vec<(u128, u128)> = cfg.prefixes.iter().map(net_bounds).collect();
        rs.sort_unstable();
        let mut space: Vec<(u128, u128)> = Vec::new();
        for (s, e) in rs {
            match space.last_mut() {
                Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
                _ => space.push((s, e)),
            }
        }
        Ok(SubnetPool {
            family,
            space,
            min,
            default,
            max,
            quota: cfg.quota,
            used: 0,
            allocated: BTreeMap::new(),
        })
    }

    /// Quota units of a prefix of length `len`.
    fn units(&self, len: u8) -> u128 {
        match self.family {
            Family::V4 => block_size(Family::V4, len),
            Family::V6 if len <= 64 => 1u128 << (64 - len),
            Family::V6 => 1,
        }
    }

    fn check_len(&self, len: u8) -> Result<(), IpamError> {
        if len < self.min || len > self.max {
            return Err(IpamError::PrefixLenOutOfBounds {
                len,
                min: self.min,
                max: self.max,
            });
        }
        Ok(())
    }

    fn check_quota(&self, len: u8) -> Result<(), IpamError> {
        if let Some(quota) = self.quota {
            let requested = self.units(len);
            if self.used.saturating_add(requested) > quota {
                return Err(IpamError::QuotaExceeded {
                    requested,
                    used: self.used,
                    quota,
                });
            }
        }
        Ok(())
    }

    /// Free space as intervals, in address order.
    fn free_intervals(&self) -> Vec<(u128, u128)> {
        let mut out = Vec::new();
        for &(s, e) in &self.space {
            let mut cur = Some(s);
            for (&a, &len) in self.allocated.range(s..=e) {
                let (_, ae) = net_bounds(&make_net(self.family, a, len));
                if let Some(c) = cur {
                    if a > c {
                        out.push((c, a - 1));
                    }
                }
                cur = ae.checked_add(1).filter(|&n| n <= e);
            }
            if let Some(c) = cur {
                out.push((c, e));
            }
        }
        out
    }

    /// Allocates a subnet of length `len` (default: the pool's default length) by best fit.
    /// Errors: `PrefixLenOutOfBounds`, `QuotaExceeded`, `PrefixSpaceExhausted`.
    pub fn allocate(&mut self, len: Option<u8>) -> Result<IpNet, IpamError> {
        let len = len.unwrap_or(self.default);
        self.check_len(len)?;
        self.check_quota(len)?;
        let mut best: Option<(u128, u8)> = None;
        for (s, e) in self.free_intervals() {
            blocks(self.family, s, e, |start, blen| {
                if blen <= len && best.is_none_or(|(_, b)| blen > b) {
                    best = Some((start, blen));
                }
            });
        }
        let (start, _) = best.ok_or(IpamError::PrefixSpaceExhausted { len })?;
        self.allocated.insert(start, len);
        self.used = self.used.saturating_add(self.units(len));
        Ok(make_net(self.family, start, len))
    }

    /// Allocates exactly `prefix`. Errors: `PoolPrefixInvalid` (family, host bits),
    /// `PrefixLenOutOfBounds`, `PrefixNotInPool`, `PrefixInUse`, `QuotaExceeded`.
    pub fn allocate_specific(&mut self, prefix: IpNet) -> Result<IpNet, IpamError> {
        if Family::of_net(&prefix) != self.family || prefix.addr() != prefix.network() {
            return Err(IpamError::PoolPrefixInvalid { prefix });
        }
        let len = prefix.prefix_len();
        self.check_len(len)?;
        let (s, e) = net_bounds(&prefix);
        if !self.space.iter().any(|&(a, b)| a <= s && e <= b) {
            return Err(IpamError::PrefixNotInPool { prefix });
        }
        // The allocation starting at or before `e` with the highest start, and any starting
        // inside: allocations are disjoint, so checking those two suffices.
        let before = self.allocated.range(..=s).next_back();
        let inside = self.allocated.range(s..=e).next();
        for (&a, &alen) in before.into_iter().chain(inside) {
            let existing = make_net(self.family, a, alen);
            let (xs, xe) = net_bounds(&existing);
            if xs <= e && s <= xe {
                return Err(IpamError::PrefixInUse { prefix, existing });
            }
        }
        self.check_quota(len)?;
        self.allocated.insert(s, len);
        self.used = self.used.saturating_add(self.units(len));
        Ok(prefix)
    }

    /// Releases an allocated prefix (`PrefixNotAllocated` unless it is exactly one).
    pub fn release(&mut self, prefix: IpNet) -> Result<(), IpamError> {
        let (s, _) = net_bounds(&prefix);
        match self.allocated.get(&s) {
            Some(&len) if Family::of_net(&prefix) == self.family && len == prefix.prefix_len() => {
                self.allocated.remove(&s);
                self.used -= self.units(len);
                Ok(())
            }
            _ => Err(IpamError::PrefixNotAllocated { prefix }),
        }
    }

    /// Quota units in use.
    pub fn used(&self) -> u128 {
        self.used
    }

    /// The allocations, in address order.
    pub fn allocations(&self) -> impl Iterator<Item = IpNet> + '_ {
        self.allocated
            .iter()
            .map(|(&a, &l)| make_net(self.family, a, l))
    }

    /// `(min, default, max)` prefix lengths.
    pub fn prefix_bounds(&self) -> (u8, u8, u8) {
        (self.min, self.default, self.max)
    }
}
