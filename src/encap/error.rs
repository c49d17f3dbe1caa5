//! The errors of the encap room: [`ConfigError`] when a context is built (validated once, with
//! Neutron's wording where Neutron has one), [`EncapError`] per packet, and [`DropReason`], the
//! counter index every per-packet error maps to.

use core::net::IpAddr;

use crate::error::{BufError, WireError};

/// Why a tunnel, VLAN or segment configuration was refused. Nothing is built on error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A VNI or GRE key outside Neutron's range (`neutron_lib.plugins.utils.verify_tunnel_range`:
    /// VXLAN and GENEVE 1..=2^24−1, GRE 1..=2^32−1).
    #[error("{id} is not a valid {kind} identifier")]
    BadTunnelId {
        /// The identifier given.
        id: u64,
        /// `"vxlan"`, `"geneve"` or `"gre"`.
        kind: &'static str,
    },
    /// A VLAN id outside 1..=4094 (Neutron's VLAN type driver).
    #[error("segmentation_id out of range (1 through 4094)")]
    VlanOutOfRange {
        /// The VID given.
        vid: u16,
    },
    /// A flat or VLAN segment without a physical network name (Neutron's type drivers).
    #[error("physical_network required for {kind} provider network")]
    PhysnetRequired {
        /// `"flat"` or `"vlan"`.
        kind: &'static str,
    },
    /// A physical network name longer than Neutron's 64-character column.
    #[error("physical_network name of {len} bytes is longer than 64")]
    PhysnetTooLong {
        /// Length given.
        len: usize,
    },
    /// Local and remote endpoints are not of the same address family.
    #[error("local {local} and remote {remote} tunnel endpoints differ in address family")]
    FamilyMismatch {
        /// Local endpoint.
        local: IpAddr,
        /// Remote endpoint.
        remote: IpAddr,
    },
    /// The local endpoint is not a unicast address (unspecified, multicast, broadcast).
    #[error("local tunnel endpoint {0} is not a unicast address")]
    BadLocalIp(IpAddr),
    /// The remote endpoint is unspecified or the limited broadcast address.
    #[error("remote tunnel endpoint {0} is not a usable destination")]
    BadRemoteIp(IpAddr),
    /// The local MAC is not a unicast address, or a remote MAC is all zeros.
    #[error("bad {which} MAC address")]
    BadMac {
        /// `"local"` or `"remote"`.
        which: &'static str,
    },
    /// A fixed TTL of zero: the first router would drop every packet.
    #[error("a fixed outer TTL of 0 would be dropped by the first hop")]
    ZeroTtl,
    /// A zero UDP checksum over an IPv6 outer header without the explicit opt-in that
    /// RFC 6935 §5 and RFC 6936 §5 require (the endpoints must be configured for it).
    #[error(
        "a zero UDP checksum over IPv6 needs allow_zero_udp6_checksum (RFC 6935 §5, RFC 6936 §5)"
    )]
    ZeroChecksumV6,
    /// DF policy other than "set" with an IPv6 outer header (IPv6 routers never fragment,
    /// RFC 8200 §5).
    #[error("df applies only to an IPv4 outer header")]
    DfOnIpv6,
    /// A source-port range with min > max, or a destination port of 0.
    #[error("bad UDP port configuration")]
    BadPort,
    /// GENEVE options that do not parse as options (RFC 8926 §3.5) or exceed 252 bytes.
    #[error("bad GENEVE options: {0}")]
    BadGeneveOptions(WireError),
    /// A VLAN TPID other than 0x8100 (802.1Q) or 0x88a8 (802.1ad).
    #[error("TPID {0:#06x} is neither 802.1Q nor 802.1ad")]
    BadTpid(u16),
    /// The outer headers could not be built from the configuration.
    #[error("cannot build the outer headers: {0}")]
    Header(WireError),
    /// A priority code point above 7.
    #[error("PCP {0} is above 7")]
    BadPcp(u8),
}

/// Why one packet was not encapsulated or decapsulated. On every error the packet bytes and
/// its offsets are exactly as they were before the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncapError {
    /// Not enough headroom (or the result would exceed an mbuf's 16-bit length).
    #[error(transparent)]
    Buf(#[from] BufError),
    /// A header is malformed: truncated, bad length, version, checksum, flags, options.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// The packet would exceed the MTU: an inner frame too large for the path, never truncated.
    #[error("{len} bytes exceed the MTU of {mtu}")]
    TooBig {
        /// The IP length that would be sent.
        len: usize,
        /// The limit.
        mtu: usize,
    },
    /// The tunnel id (VNI, GRE key) or VLAN id is not the one this context expects.
    #[error("id {found} where {expected} was expected")]
    WrongId {
        /// Configured id.
        expected: u32,
        /// Id in the packet.
        found: u32,
    },
    /// A GRE packet without a key where a key is expected.
    #[error("GRE packet carries no key")]
    MissingKey,
    /// The outer destination address is not this endpoint's.
    #[error("outer destination is not the local endpoint")]
    NotLocal,
    /// The outer EtherType, IP protocol, or the tunnel's payload protocol is not the expected
    /// one (e.g. not IPv4/IPv6, not UDP/GRE, GENEVE/GRE protocol type not 0x6558, untagged frame
    /// for a VLAN pop).
    #[error("unexpected protocol {found:#06x}")]
    WrongProtocol {
        /// The EtherType or protocol number found.
        found: u16,
    },
    /// The outer UDP destination port is not the tunnel's.
    #[error("UDP destination port {found} is not the tunnel's")]
    WrongPort {
        /// Port found.
        found: u16,
    },
    /// The outer IP packet is a fragment; reassemble first.
    #[error("outer IP packet is a fragment")]
    Fragment,
    /// A zero UDP checksum over IPv6 that the context does not accept (RFC 6935 §5,
    /// RFC 6936 §5).
    #[error("zero UDP checksum over IPv6 not allowed")]
    ZeroChecksum,
    /// A GENEVE packet with the critical-options flag (RFC 8926 §3.4/§3.5: a receiver that does
    /// not process an option marked critical must drop the packet).
    #[error("GENEVE critical option not accepted")]
    CriticalOption,
    /// RFC 6040 §4.2: the outer header is marked CE but the inner packet is not ECN-capable.
    #[error("outer CE over a non-ECN-capable inner packet (RFC 6040 §4.2)")]
    EcnDrop,
    /// Encap to a remote of the other address family, or with no remote configured.
    #[error("no usable remote endpoint for this context")]
    NoRemote,
}

/// The reason a packet was dropped: the index of a drop counter. One per [`EncapError`] cause,
/// with wire errors split into checksum and other malformations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum DropReason {
    /// Not enough headroom, or offsets out of range.
    NoHeadroom = 0,
    /// A header ended early.
    Truncated = 1,
    /// A checksum did not verify.
    BadChecksum = 2,
    /// Any other malformed header.
    Malformed = 3,
    /// Over the MTU.
    TooBig = 4,
    /// Wrong tunnel or VLAN id, or a missing GRE key.
    WrongId = 5,
    /// Outer destination not local.
    NotLocal = 6,
    /// Wrong EtherType / protocol / payload type.
    WrongProtocol = 7,
    /// Wrong UDP port.
    WrongPort = 8,
    /// Outer fragment.
    Fragment = 9,
    /// Zero UDP checksum over IPv6 not allowed.
    ZeroChecksum = 10,
    /// GENEVE critical option.
    CriticalOption = 11,
    /// RFC 6040 ECN drop.
    EcnDrop = 12,
    /// No usable remote.
    NoRemote = 13,
}

impl DropReason {
    /// Number of reasons (the length of a counter array).
    pub const COUNT: usize = 14;

    /// Every reason, in numeric order.
    pub const ALL: [DropReason; Self::COUNT] = [
        DropReason::NoHeadroom,
        DropReason::Truncated,
        DropReason::BadChecksum,
        DropReason::Malformed,
        DropReason::TooBig,
        DropReason::WrongId,
        DropReason::NotLocal,
        DropReason::WrongProtocol,
        DropReason::WrongPort,
        DropReason::Fragment,
        DropReason::ZeroChecksum,
        DropReason::CriticalOption,
        DropReason::EcnDrop,
        DropReason::NoRemote,
    ];

    /// A short, stable, lowercase name.
    pub const fn name(self) -> &'static str {
        match self {
            DropReason::NoHeadroom => "no-headroom",
            DropReason::Truncated => "truncated",
            DropReason::BadChecksum => "bad-checksum",
            DropReason::Malformed => "malformed",
            DropReason::TooBig => "too-big",
            DropReason::WrongId => "wrong-id",
            DropReason::NotLocal => "not-local",
            DropReason::WrongProtocol => "wrong-protocol",
            DropReason::WrongPort => "wrong-port",
            DropReason::Fragment => "fragment",
            DropReason::ZeroChecksum => "zero-checksum",
            DropReason::CriticalOption => "critical-option",
            DropReason::EcnDrop => "ecn-drop",
            DropReason::NoRemote => "no-remote",
        }
    }
}

impl EncapError {
    /// The drop counter this error counts under.
    pub const fn reason(&self) -> DropReason {
        match self {
            EncapError::Buf(_) => DropReason::NoHeadroom,
            EncapError::Wire(WireError::Truncated { .. }) => DropReason::Truncated,
            EncapError::Wire(WireError::BadChecksum { .. }) => DropReason::BadChecksum,
            EncapError::Wire(_) => DropReason::Malformed,
            EncapError::TooBig { .. } => DropReason::TooBig,
            EncapError::WrongId { .. } | EncapError::MissingKey => DropReason::WrongId,
            EncapError::NotLocal => DropReason::NotLocal,
            EncapError::WrongProtocol { .. } => DropReason::WrongProtocol,
            EncapError::WrongPort { .. } => DropReason::WrongPort,
            EncapError::Fragment => DropReason::Fragment,
            EncapError::ZeroChecksum => DropReason::ZeroChecksum,
            EncapError::CriticalOption => DropReason::CriticalOption,
            EncapError::EcnDrop => DropReason::EcnDrop,
            EncapError::NoRemote => DropReason::NoRemote,
        }
    }
}

/// Packet, byte and per-reason drop counters of one context (DESIGN.md principle 6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets processed successfully.
    pub packets: u64,
    /// Bytes of those packets (after the operation).
    pub bytes: u64,
    /// Drops, indexed by `DropReason as usize`.
    pub drops: [u64; DropReason::COUNT],
}

impl Stats {
    /// Drops counted for `reason`.
    #[inline]
    pub fn drops(&self, reason: DropReason) -> u64 {
        self.drops[reason as usize]
    }

    /// All drops.
    pub fn total_drops(&self) -> u64 {
        self.drops.iter().fold(0u64, |a, b| a.wrapping_add(*b))
    }

    /// Counts a result.
    #[inline(always)]
    pub(crate) fn count<T>(&mut self, r: &Result<T, EncapError>, len: usize) {
        match r {
            Ok(_) => {
                self.packets = self.packets.wrapping_add(1);
                self.bytes = self.bytes.wrapping_add(len as u64);
            }
            Err(e) => {
                let d = &mut self.drops[e.reason() as usize];
                *d = d.wrapping_add(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Layer;

    #[test]
    fn reasons_are_dense_and_named() {
        for (i, r) in DropReason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
        }
        let mut names: std::vec::Vec<_> = DropReason::ALL.iter().map(|r| r.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DropReason::COUNT);
    }

    #[test]
    fn errors_map_to_reasons_and_count() {
        let trunc = EncapError::Wire(WireError::Truncated {
            layer: Layer::Udp,
            need: 8,
            have: 2,
        });
        let csum = EncapError::Wire(WireError::BadChecksum { layer: Layer::Ipv4 });
        assert_eq!(trunc.reason(), DropReason::Truncated);
        assert_eq!(csum.reason(), DropReason::BadChecksum);
        assert_eq!(
            EncapError::from(BufError::NoHeadroom { need: 50, have: 2 }).reason(),
            DropReason::NoHeadroom
        );
        let mut s = Stats::default();
        s.count::<()>(&Err(csum), 0);
        s.count::<()>(&Err(csum), 0);
        s.count(&Ok(()), 100);
        assert_eq!(s.drops(DropReason::BadChecksum), 2);
        assert_eq!((s.packets, s.bytes, s.total_drops()), (1, 100, 2));
    }

    #[test]
    fn messages_use_neutron_wording() {
        let e = ConfigError::BadTunnelId {
            id: 0,
            kind: "vxlan",
        };
        assert_eq!(std::format!("{e}"), "0 is not a valid vxlan identifier");
        let v = ConfigError::VlanOutOfRange { vid: 4095 };
        assert_eq!(
            std::format!("{v}"),
            "segmentation_id out of range (1 through 4094)"
        );
    }
}
