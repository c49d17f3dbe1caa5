//! MAC address allocation under a base prefix, unique per network (Neutron `base_mac`,
//! `mac_generation_retries`; `neutron_lib.utils.net.get_random_mac`): the first three octets of
//! the base are kept, the fourth too when it is not zero, the others are random; a collision
//! with a MAC of the network is retried up to [`MAC_RETRIES`] times.

use alloc::collections::BTreeSet;

use super::{IpamError, Rng};
use crate::wire::MacAddr;

/// Neutron's `base_mac` default.
pub const DEFAULT_BASE_MAC: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 0]);
/// Neutron's `mac_generation_retries` default.
pub const MAC_RETRIES: u32 = 16;

/// The MACs of one network.
#[derive(Debug, Clone)]
pub struct MacAllocator {
    base: MacAddr,
    fixed: usize,
    used: BTreeSet<[u8; 6]>,
}

impl MacAllocator {
    /// An allocator under `base` (`BadBaseMac` if it is a group address).
    pub fn new(base: MacAddr) -> Result<Self, IpamError> {
        if base.is_multicast() {
            return Err(IpamError::BadBaseMac { mac: base });
        }
        let fixed = if base.0[3] != 0 { 4 } else { 3 };
        Ok(MacAllocator {
            base,
            fixed,
            used: BTreeSet::new(),
        })
    }

    /// The base MAC.
    pub fn base(&self) -> MacAddr {
        self.base
    }

    /// A random MAC under the base, unused on this network.
    pub fn allocate(&mut self, rng: &mut dyn Rng) -> Result<MacAddr, IpamError> {
        for _ in 0..MAC_RETRIES {
            let r = rng.next_u32().to_be_bytes();
            let mut m = self.base.0;
            for (i, b) in m.iter_mut().enumerate().skip(self.fixed) {
                *b = r[i - 2];
            }
            if self.used.insert(m) {
                return Ok(MacAddr(m));
            }
        }
        Err(IpamError::MacGenerationFailed {
            retries: MAC_RETRIES,
        })
    }

    /// Records a MAC the user chose (`BadMac` for a group or all-zero address, `MacInUse`).
    pub fn allocate_specific(&mut self, mac: MacAddr) -> Result<(), IpamError> {
        if !mac.is_unicast() {
            return Err(IpamError::BadMac { mac });
        }
        if !self.used.insert(mac.0) {
            return Err(IpamError::MacInUse { mac });
        }
        Ok(())
    }

    /// Releases a MAC (`MacNotAllocated`).
    pub fn release(&mut self, mac: MacAddr) -> Result<(), IpamError> {
        if !self.used.remove(&mac.0) {
            return Err(IpamError::MacNotAllocated { mac });
        }
        Ok(())
    }

    /// True when `mac` is used on this network.
    pub fn is_allocated(&self, mac: MacAddr) -> bool {
        self.used.contains(&mac.0)
    }

    /// Number of MACs in use.
    pub fn allocated(&self) -> usize {
        self.used.len()
    }
}
