//! Segment allocators, as Neutron's ML2 type drivers keep them (`type_vlan.py`,
//! `type_tunnel.py`, `helpers.py`):
//!
//! - VLAN: ids 1..=4094 per physical network, ranges from `network_vlan_ranges` entries
//!   `physnet:min:max` (a bare `physnet` allows provider networks only);
//! - VXLAN and GENEVE: 24-bit VNIs 1..=16777215 from `vni_ranges` (`min:max`);
//! - GRE: 32-bit keys 1..=4294967295 from `tunnel_id_ranges`.
//!
//! An allocator hands out a free id from its ranges (uniformly among the first
//! [`SEGMENT_WINDOW`] free ones, like Neutron's `IDPOOL_SELECT_SIZE`, or the lowest), accepts a
//! specific id (provider networks; ids outside the ranges but inside the type's id space are
//! allowed and tracked, as in Neutron), and releases. Memory is proportional to the
//! allocations (free intervals), so a full 32-bit GRE range costs nothing up front.

use alloc::string::String;
use alloc::vec::Vec;

use super::error::short;
use super::freeset::RangeAlloc;
use super::{AllocMode, IpamError, Rng};

/// Neutron's `IDPOOL_SELECT_SIZE`: random choice among this many free ids.
pub const SEGMENT_WINDOW: u32 = 100;

/// An ML2 network type with allocatable ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentType {
    /// 802.1Q VLAN id.
    Vlan,
    /// VXLAN VNI (RFC 7348).
    Vxlan,
    /// GENEVE VNI (RFC 8926).
    Geneve,
    /// GRE key (RFC 2890).
    Gre,
}

impl SegmentType {
    /// Neutron's name of the type.
    pub const fn name(self) -> &'static str {
        match self {
            SegmentType::Vlan => "vlan",
            SegmentType::Vxlan => "vxlan",
            SegmentType::Geneve => "geneve",
            SegmentType::Gre => "gre",
        }
    }
    /// The valid id space, inclusive.
    pub const fn bounds(self) -> (u32, u32) {
        match self {
            SegmentType::Vlan => (1, 4094),
            SegmentType::Vxlan | SegmentType::Geneve => (1, (1 << 24) - 1),
            SegmentType::Gre => (1, u32::MAX),
        }
    }
}

/// Parses `min:max` into a range valid for `kind`.
pub fn parse_range(kind: SegmentType, spec: &str) -> Result<(u32, u32), IpamError> {
    let bad = || IpamError::RangeSyntax { spec: short(spec) };
    let (a, b) = spec.split_once(':').ok_or_else(bad)?;
    let min: u32 = a.trim().parse().map_err(|_| bad())?;
    let max: u32 = b.trim().parse().map_err(|_| bad())?;
    check_range(kind, min, max)?;
    Ok((min, max))
}

fn check_range(kind: SegmentType, min: u32, max: u32) -> Result<(), IpamError> {
    let (lo, hi) = kind.bounds();
    if min > max || min < lo || max > hi {
        return Err(IpamError::RangeInvalid {
            kind: kind.name(),
            min,
            max,
            lo,
            hi,
        });
    }
    Ok(())
}

/// A parsed `network_vlan_ranges` entry: the physnet and its range, if any.
pub type VlanRange<'a> = (&'a str, Option<(u32, u32)>);

/// Parses a `network_vlan_ranges` entry: `physnet` or `physnet:min:max`.
pub fn parse_vlan_range(spec: &str) -> Result<VlanRange<'_>, IpamError> {
    match spec.split_once(':') {
        None if !spec.trim().is_empty() => Ok((spec.trim(), None)),
        None => Err(IpamError::RangeSyntax { spec: short(spec) }),
        Some((name, rest)) => {
            let name = name.trim();
            if name.is_empty() {
                return Err(IpamError::RangeSyntax { spec: short(spec) });
            }
            let r = parse_range(SegmentType::Vlan, rest).map_err(|e| match e {
                IpamError::RangeSyntax { .. } => IpamError::RangeSyntax { spec: short(spec) },
                e => e,
            })?;
            Ok((name, Some(r)))
        }
    }
}

/// Ids of one type (one physical network for VLANs).
#[derive(Debug, Clone)]
pub struct IdAllocator {
    kind: SegmentType,
    ra: RangeAlloc,
}

impl IdAllocator {
    /// An allocator over `ranges` (inclusive; may overlap, they are merged). `RangeInvalid`
    /// when a range is reversed or leaves the type's id space.
    pub fn new(kind: SegmentType, ranges: &[(u32, u32)]) -> Result<Self, IpamError> {
        for &(min, max) in ranges {
            check_range(kind, min, max)?;
        }
        let rs: Vec<(u128, u128)> = ranges
            .iter()
            .map(|&(a, b)| (u128::from(a), u128::from(b)))
            .collect();
        Ok(IdAllocator {
            kind,
            ra: RangeAlloc::new(&rs),
        })
    }

    /// Parses Neutron range specs (`"1:1000"`) and builds the allocator.
    pub fn from_specs(kind: SegmentType, specs: &[&str]) -> Result<Self, IpamError> {
        let ranges: Vec<(u32, u32)> = specs
            .iter()
            .map(|s| parse_range(kind, s))
            .collect::<Result<_, _>>()?;
        Self::new(kind, &ranges)
    }

    /// The type.
    pub fn kind(&self) -> SegmentType {
        self.kind
    }

    /// Allocates a free id from the ranges (`SegmentsExhausted` when none).
    pub fn allocate(&mut self, mode: AllocMode, rng: &mut dyn Rng) -> Result<u32, IpamError> {
        self.ra
            .pick(mode, SEGMENT_WINDOW, rng)
            .map(|v| v as u32)
            .ok_or(IpamError::SegmentsExhausted {
                kind: self.kind.name(),
            })
    }

    fn check_id(&self, id: u32) -> Result<(), IpamError> {
        let (lo, hi) = self.kind.bounds();
        if id < lo || id > hi {
            return Err(IpamError::SegmentIdInvalid {
                kind: self.kind.name(),
                id,
                lo,
                hi,
            });
        }
        Ok(())
    }

    /// Allocates `id` (a provider network's segmentation id): `SegmentIdInvalid` outside the
    /// type's id space, `SegmentInUse` when taken.
    pub fn allocate_specific(&mut self, id: u32) -> Result<(), IpamError> {
        self.check_id(id)?;
        if !self.ra.take(u128::from(id)) {
            return Err(IpamError::SegmentInUse {
                kind: self.kind.name(),
                id,
            });
        }
        Ok(())
    }

    /// Releases `id` (`SegmentNotAllocated` if it was free).
    pub fn release(&mut self, id: u32) -> Result<(), IpamError> {
        self.check_id(id)?;
        if !self.ra.give(u128::from(id)) {
            return Err(IpamError::SegmentNotAllocated {
                kind: self.kind.name(),
                id,
            });
        }
        Ok(())
    }

    /// True when `id` is allocated.
    pub fn is_allocated(&self, id: u32) -> bool {
        self.ra.is_taken(u128::from(id))
    }

    /// Number of allocated ids.
    pub fn allocated(&self) -> u64 {
        self.ra.taken() as u64
    }

    /// Free ids in the ranges.
    pub fn free(&self) -> u64 {
        self.ra.free_upto(u128::MAX) as u64
    }
}

/// VLAN allocation per physical network (`network_vlan_ranges`).
#[derive(Debug, Clone, Default)]
pub struct VlanAllocator {
    physnets: Vec<(String, IdAllocator)>,
}

impl VlanAllocator {
    /// Builds from `network_vlan_ranges` entries (`physnet` or `physnet:min:max`; a physnet may
    /// appear several times, its ranges add up). Errors leave nothing built.
    pub fn new(specs: &[&str]) -> Result<Self, IpamError> {
        let mut acc: Vec<(String, Vec<(u32, u32)>)> = Vec::new();
        for spec in specs {
            let (name, range) = parse_vlan_range(spec)?;
            let i = match acc.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    acc.push((String::from(name), Vec::new()));
                    acc.len() - 1
                }
            };
            if let Some(r) = range {
                acc[i].1.push(r);
            }
        }
        let physnets = acc
            .into_iter()
            .map(|(n, r)| Ok((n, IdAllocator::new(SegmentType::Vlan, &r)?)))
            .collect::<Result<_, IpamError>>()?;
        Ok(VlanAllocator { physnets })
    }

    fn get_mut(&mut self, physnet: &str) -> Result<&mut IdAllocator, IpamError> {
        self.physnets
            .iter_mut()
            .find(|(n, _)| n == physnet)
            .map(|(_, a)| a)
            .ok_or(IpamError::UnknownPhysnet {
                physnet: short(physnet),
            })
    }

    /// The physical networks, in configuration order.
    pub fn physnets(&self) -> impl Iterator<Item = &str> {
        self.physnets.iter().map(|(n, _)| n.as_str())
    }

    /// Allocates a free VLAN on `physnet`, or with `None` on the first physical network (in
    /// configuration order) that has one. Returns the physnet's name and the VLAN id.
    pub fn allocate(
        &mut self,
        physnet: Option<&str>,
        mode: AllocMode,
        rng: &mut dyn Rng,
    ) -> Result<(&str, u16), IpamError> {
        let i = match physnet {
            Some(p) => self
                .physnets
                .iter()
                .position(|(n, _)| n == p)
                .ok_or(IpamError::UnknownPhysnet { physnet: short(p) })?,
            None => self
                .physnets
                .iter()
                .position(|(_, a)| a.free() > 0)
                .ok_or(IpamError::SegmentsExhausted { kind: "vlan" })?,
        };
        let (name, a) = &mut self.physnets[i];
        let id = a.allocate(mode, rng)?;
        Ok((name.as_str(), id as u16))
    }

    /// Allocates VLAN `vlan` on `physnet` (provider network).
    pub fn allocate_specific(&mut self, physnet: &str, vlan: u32) -> Result<(), IpamError> {
        self.get_mut(physnet)?.allocate_specific(vlan)
    }

    /// Releases VLAN `vlan` on `physnet`.
    pub fn release(&mut self, physnet: &str, vlan: u32) -> Result<(), IpamError> {
        self.get_mut(physnet)?.release(vlan)
    }

    /// True when `vlan` is allocated on `physnet`.
    pub fn is_allocated(&self, physnet: &str, vlan: u32) -> bool {
        self.physnets
            .iter()
            .find(|(n, _)| n == physnet)
            .is_some_and(|(_, a)| a.is_allocated(vlan))
    }
}
