//! MTU: the bytes each segment type adds, the network MTU exactly as Neutron derives it, and the
//! check that tells when an inner frame would not fit.
//!
//! Neutron (ML2 type drivers, `neutron_lib.constants`):
//! - flat and VLAN: `min(global_physnet_mtu, physical_network_mtus[physnet])` over the values
//!   that are set (> 0); the VLAN tag is not subtracted (the physical network carries it);
//! - tunnels: `min(global_physnet_mtu, path_mtu)` over the values that are set, minus the IP
//!   header of `overlay_ip_version` (20 or 40), minus the overlay overhead:
//!   `VXLAN_ENCAP_OVERHEAD` 30, `GRE_ENCAP_OVERHEAD` 22, and for GENEVE `max_header_size`
//!   (default `GENEVE_ENCAP_MIN_OVERHEAD` 30; raise it to cover options);
//! - 0 everywhere means "unknown"; a network's MTU is the minimum over its segments' non-zero
//!   MTUs, or `global_physnet_mtu` when none is known, and a requested MTU above that is refused
//!   ("Requested MTU is too big, maximum is N").
//!
//! With the defaults (1500, IPv4 overlay) that gives VXLAN 1450, GRE 1458, GENEVE 1450; over an
//! IPv6 overlay VXLAN 1430, GRE 1438: the largest inner packet whose outer IP packet is
//! 1500 bytes (VXLAN: 1450 + inner Ethernet 14 + UDP 8 + VXLAN 8 + IPv4 20 = 1500; GRE with
//! key: 1458 + 14 + 8 + 20).
//!
//! The ICMP messages a router sends when a packet does not fit are in [`super::icmp`].

use super::segment::NetworkType;
use super::EncapError;
use crate::wire::ethertype;
use crate::wire::vlan::{is_tpid, TAG_LEN};

/// Neutron's default `global_physnet_mtu`.
pub const DEFAULT_PHYSNET_MTU: u16 = 1500;
/// `neutron_lib.constants.VXLAN_ENCAP_OVERHEAD`: Ethernet 14 + UDP 8 + VXLAN 8.
pub const VXLAN_ENCAP_OVERHEAD: u16 = 30;
/// `neutron_lib.constants.GRE_ENCAP_OVERHEAD`: Ethernet 14 + GRE 4 + key 4.
pub const GRE_ENCAP_OVERHEAD: u16 = 22;
/// `neutron_lib.constants.GENEVE_ENCAP_MIN_OVERHEAD`, the default `max_header_size`.
pub const GENEVE_ENCAP_MIN_OVERHEAD: u16 = 30;
/// `neutron_lib.constants.IP_HEADER_LENGTH[4]`.
pub const IPV4_HEADER_LENGTH: u16 = 20;
/// `neutron_lib.constants.IP_HEADER_LENGTH[6]`.
pub const IPV6_HEADER_LENGTH: u16 = 40;

/// Neutron's MTU settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtuConfig<'a> {
    /// `[DEFAULT] global_physnet_mtu` (0: unknown).
    pub global_physnet_mtu: u16,
    /// `[ml2] path_mtu` (0: not set).
    pub path_mtu: u16,
    /// `[ml2] physical_network_mtus`, as (physnet, MTU) pairs.
    pub physical_network_mtus: &'a [(&'a str, u16)],
    /// `[ml2] overlay_ip_version` is 6.
    pub overlay_ipv6: bool,
    /// `[ml2_type_geneve] max_header_size`.
    pub geneve_max_header_size: u16,
}

impl Default for MtuConfig<'_> {
    fn default() -> Self {
        MtuConfig {
            global_physnet_mtu: DEFAULT_PHYSNET_MTU,
            path_mtu: 0,
            physical_network_mtus: &[],
            overlay_ipv6: false,
            geneve_max_header_size: GENEVE_ENCAP_MIN_OVERHEAD,
        }
    }
}

fn min_set(values: &[u16]) -> u16 {
    values.iter().copied().filter(|v| *v > 0).min().unwrap_or(0)
}

/// The MTU Neutron's type driver gives a segment of type `ty` on `physnet` (0: unknown).
/// Where Neutron's arithmetic would go below zero this saturates at 0.
pub fn segment_mtu(cfg: &MtuConfig<'_>, ty: NetworkType, physnet: Option<&str>) -> u16 {
    match ty {
        NetworkType::Flat | NetworkType::Vlan => {
            let per = physnet
                .and_then(|p| {
                    cfg.physical_network_mtus
                        .iter()
                        .find(|(n, _)| *n == p)
                        .map(|(_, m)| *m)
                })
                .unwrap_or(0);
            min_set(&[cfg.global_physnet_mtu, per])
        }
        NetworkType::Vxlan | NetworkType::Gre | NetworkType::Geneve => {
            let m = min_set(&[cfg.global_physnet_mtu, cfg.path_mtu]);
            if m == 0 {
                return 0;
            }
            let ip = if cfg.overlay_ipv6 {
                IPV6_HEADER_LENGTH
            } else {
                IPV4_HEADER_LENGTH
            };
            let m = m.saturating_sub(ip);
            if m == 0 {
                return 0;
            }
            let overhead = match ty {
                NetworkType::Vxlan => VXLAN_ENCAP_OVERHEAD,
                NetworkType::Gre => GRE_ENCAP_OVERHEAD,
                _ => cfg.geneve_max_header_size,
            };
            m.saturating_sub(overhead)
        }
    }
}

/// Why a requested network MTU was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Requested MTU is too big, maximum is {max}")]
pub struct MtuTooBig {
    /// The largest MTU the segments allow.
    pub max: u16,
}

/// A network's MTU from its segments `(type, physnet)` and an optional requested `mtu`, as
/// Neutron's ML2 plugin computes it (`_get_network_mtu`).
pub fn network_mtu(
    cfg: &MtuConfig<'_>,
    segments: &[(NetworkType, Option<&str>)],
    requested: Option<u16>,
) -> Result<u16, MtuTooBig> {
    let max = segments
        .iter()
        .map(|(t, p)| segment_mtu(cfg, *t, *p))
        .filter(|m| *m > 0)
        .min()
        .unwrap_or(cfg.global_physnet_mtu);
    match requested {
        Some(r) if r > 0 && max > 0 && max < r => Err(MtuTooBig { max }),
        Some(r) if r > 0 => Ok(r),
        _ => Ok(max),
    }
}

/// Bytes on the wire that a frame carries beyond its L3 packet: the Ethernet header and up to
/// two VLAN tags (what an MTU does not count).
pub fn l2_header_len(frame: &[u8]) -> usize {
    let mut len = 14;
    for _ in 0..2 {
        match frame.get(len - 2..len) {
            Some(et) if is_tpid(u16::from_be_bytes([et[0], et[1]])) => len += TAG_LEN,
            _ => break,
        }
    }
    len
}

/// Checks that the L3 packet of `frame` (everything after Ethernet and its tags) fits a network
/// MTU of `mtu`; [`EncapError::TooBig`] otherwise. The frame is never truncated: the caller
/// drops it (and counts) or answers with [`super::icmp`].
pub fn check_frame(frame: &[u8], mtu: u16) -> Result<(), EncapError> {
    let len = frame.len().saturating_sub(l2_header_len(frame));
    if len > usize::from(mtu) {
        return Err(EncapError::TooBig {
            len,
            mtu: usize::from(mtu),
        });
    }
    Ok(())
}

/// True when `frame` carries IPv4 or IPv6 (after up to two tags): the packets an MTU error can
/// be reported for.
pub fn is_ip(frame: &[u8]) -> bool {
    let l2 = l2_header_len(frame);
    matches!(
        frame
            .get(l2 - 2..l2)
            .map(|e| u16::from_be_bytes([e[0], e[1]])),
        Some(ethertype::IPV4 | ethertype::IPV6)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutron_defaults() {
        let c = MtuConfig::default();
        let m = |t, p| segment_mtu(&c, t, p);
        assert_eq!(m(NetworkType::Vxlan, None), 1450);
        assert_eq!(m(NetworkType::Gre, None), 1458);
        assert_eq!(m(NetworkType::Geneve, None), 1450);
        assert_eq!(m(NetworkType::Vlan, Some("physnet1")), 1500);
        assert_eq!(m(NetworkType::Flat, None), 1500);
        let v6 = MtuConfig {
            overlay_ipv6: true,
            ..c
        };
        assert_eq!(segment_mtu(&v6, NetworkType::Vxlan, None), 1430);
        assert_eq!(segment_mtu(&v6, NetworkType::Gre, None), 1438);
        // GENEVE with options: OVN sets max_header_size = 38.
        let ovn = MtuConfig {
            geneve_max_header_size: 38,
            ..c
        };
        assert_eq!(segment_mtu(&ovn, NetworkType::Geneve, None), 1442);
    }

    #[test]
    fn path_and_physnet_mtus() {
        let per = [("physnet1", 9000u16), ("physnet2", 1400)];
        let c = MtuConfig {
            global_physnet_mtu: 9000,
            path_mtu: 1600,
            physical_network_mtus: &per,
            ..MtuConfig::default()
        };
        assert_eq!(segment_mtu(&c, NetworkType::Vxlan, None), 1550);
        assert_eq!(segment_mtu(&c, NetworkType::Vlan, Some("physnet1")), 9000);
        assert_eq!(segment_mtu(&c, NetworkType::Vlan, Some("physnet2")), 1400);
        assert_eq!(segment_mtu(&c, NetworkType::Flat, Some("other")), 9000);
        // Unknown everywhere.
        let zero = MtuConfig {
            global_physnet_mtu: 0,
            ..MtuConfig::default()
        };
        assert_eq!(segment_mtu(&zero, NetworkType::Vxlan, None), 0);
        assert_eq!(segment_mtu(&zero, NetworkType::Flat, Some("x")), 0);
        let tiny = MtuConfig {
            global_physnet_mtu: 40,
            ..MtuConfig::default()
        };
        assert_eq!(segment_mtu(&tiny, NetworkType::Vxlan, None), 0);
    }

    #[test]
    fn network_mtu_is_the_minimum_and_refuses_bigger_requests() {
        let c = MtuConfig::default();
        let segs = [
            (NetworkType::Vlan, Some("physnet1")),
            (NetworkType::Vxlan, None),
        ];
        assert_eq!(network_mtu(&c, &segs, None), Ok(1450));
        assert_eq!(network_mtu(&c, &segs, Some(1400)), Ok(1400));
        let e = network_mtu(&c, &segs, Some(1500)).unwrap_err();
        assert_eq!(
            std::format!("{e}"),
            "Requested MTU is too big, maximum is 1450"
        );
        assert_eq!(network_mtu(&c, &[], None), Ok(1500));
    }

    #[test]
    fn frame_check_counts_l3_only() {
        let mut f = std::vec![0u8; 14 + 1450];
        f[12] = 0x08;
        assert_eq!(check_frame(&f, 1450), Ok(()));
        f.push(0);
        assert_eq!(
            check_frame(&f, 1450),
            Err(EncapError::TooBig {
                len: 1451,
                mtu: 1450
            })
        );
        // A tag does not count.
        f[12..16].copy_from_slice(&[0x81, 0, 0, 5]);
        f[16] = 0x86;
        f[17] = 0xdd;
        assert_eq!(check_frame(&f, 1450), Ok(()));
        assert!(is_ip(&f));
        assert!(!is_ip(&[0u8; 10]));
        assert_eq!(l2_header_len(&[0u8; 3]), 14);
    }
}
