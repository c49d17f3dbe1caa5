//! Wire formats: zero-copy views, in-place setters and emitters, one protocol per file.
//!
//! Conventions every protocol file follows (modelled on smoltcp's `wire` and netstack3's
//! `packet-formats`):
//! - a `#[repr(C)]` header struct of network-endian fields deriving zerocopy's `FromBytes`,
//!   `IntoBytes`, `KnownLayout`, `Immutable` and `Unaligned`, implementing [`Header`], with
//!   getters and setters that convert to host types; mutate a packet in place with
//!   [`Header::split_from_mut`] and the setters;
//! - a `XxxPacket<'a>` view whose `parse(&'a [u8])` validates every length the header claims
//!   against the buffer (errors, not clamps) and then exposes fields, options and payload
//!   without copying;
//! - a `XxxRepr` (where the protocol is emitted) holding the fields as host values, with
//!   `from_packet`, `header_len` and `emit(&self, &mut [u8]) -> Result<usize, WireError>`
//!   writing into the caller's buffer; `emit` then `parse` gives back the same `Repr`.
//!
//! Parsers are total: any byte string returns `Ok` or a [`WireError`] naming the layer.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

pub use crate::error::{Layer, WireError};
pub use classify::{classify, classify_into};
pub use classify_types::{ClassifyOpts, FrameFlags, FrameInfo, L3Kind, PacketInfo, TunnelKind};

pub mod arp;
pub mod checksum;
mod classify;
mod classify_types;
pub mod dhcpv4;
pub mod ethernet;
pub mod geneve;
pub mod gre;
pub mod icmpv4;
pub mod icmpv6;
pub mod ipv4;
pub mod ipv6;
pub mod ndp;
pub mod tcp;
pub mod udp;
pub mod vlan;
pub mod vxlan;

/// A fixed-size protocol header that can be viewed in place over packet bytes.
pub trait Header: FromBytes + IntoBytes + KnownLayout + Immutable + Unaligned + Sized {
    /// The layer reported in errors.
    const LAYER: Layer;
    /// Size of the fixed header in bytes.
    const LEN: usize = core::mem::size_of::<Self>();

    /// Views the header at the start of `buf`; returns it and the bytes after it.
    #[inline(always)]
    fn split_from(buf: &[u8]) -> Result<(&Self, &[u8]), WireError> {
        Self::ref_from_prefix(buf).map_err(|_| WireError::Truncated {
            layer: Self::LAYER,
            need: Self::LEN,
            have: buf.len(),
        })
    }

    /// Views the header at the start of `buf` mutably; returns it and the bytes after it.
    #[inline(always)]
    fn split_from_mut(buf: &mut [u8]) -> Result<(&mut Self, &mut [u8]), WireError> {
        let have = buf.len();
        Self::mut_from_prefix(buf).map_err(|_| WireError::Truncated {
            layer: Self::LAYER,
            need: Self::LEN,
            have,
        })
    }
}

/// A 48-bit IEEE 802 MAC address.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(transparent)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);
    /// 00:00:00:00:00:00.
    pub const ZERO: MacAddr = MacAddr([0; 6]);

    /// The I/G bit (IEEE 802-2014 §8.2): set for group (multicast and broadcast) addresses.
    #[inline]
    pub const fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// All ones.
    #[inline]
    pub const fn is_broadcast(&self) -> bool {
        matches!(self.0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
    }

    /// The U/L bit: set for locally administered addresses (fa:16:3e:.. is one).
    #[inline]
    pub const fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// A unicast address that is not all zeros.
    #[inline]
    pub const fn is_unicast(&self) -> bool {
        !self.is_multicast() && !matches!(self.0, [0, 0, 0, 0, 0, 0])
    }
}

impl core::fmt::Display for MacAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl core::fmt::Debug for MacAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

impl From<[u8; 6]> for MacAddr {
    fn from(b: [u8; 6]) -> Self {
        MacAddr(b)
    }
}

/// IP protocol numbers (IANA "Assigned Internet Protocol Numbers") used by the parsers.
pub mod ip_proto {
    /// IPv6 Hop-by-Hop Options (RFC 8200 §4.3).
    pub const HOPOPT: u8 = 0;
    /// ICMP (RFC 792).
    pub const ICMP: u8 = 1;
    /// TCP (RFC 9293).
    pub const TCP: u8 = 6;
    /// UDP (RFC 768).
    pub const UDP: u8 = 17;
    /// IPv6 Routing header (RFC 8200 §4.4).
    pub const IPV6_ROUTE: u8 = 43;
    /// IPv6 Fragment header (RFC 8200 §4.5).
    pub const IPV6_FRAG: u8 = 44;
    /// GRE (RFC 2784).
    pub const GRE: u8 = 47;
    /// ESP (RFC 4303).
    pub const ESP: u8 = 50;
    /// AH (RFC 4302).
    pub const AH: u8 = 51;
    /// ICMPv6 (RFC 4443).
    pub const ICMPV6: u8 = 58;
    /// IPv6 No Next Header (RFC 8200 §4.7).
    pub const IPV6_NONXT: u8 = 59;
    /// IPv6 Destination Options (RFC 8200 §4.6).
    pub const IPV6_OPTS: u8 = 60;
}

/// EtherType values (IEEE 802 / IANA "ETHER TYPES").
pub mod ethertype {
    /// IPv4 (RFC 894).
    pub const IPV4: u16 = 0x0800;
    /// ARP (RFC 826).
    pub const ARP: u16 = 0x0806;
    /// IEEE 802.1Q customer VLAN tag.
    pub const VLAN: u16 = 0x8100;
    /// IEEE 802.1ad service VLAN tag (QinQ outer).
    pub const QINQ: u16 = 0x88a8;
    /// Legacy QinQ outer tag (pre-standard, used by some switches).
    pub const QINQ_9100: u16 = 0x9100;
    /// IPv6 (RFC 2464).
    pub const IPV6: u16 = 0x86dd;
    /// Transparent Ethernet Bridging, GRE payload type for Ethernet frames (RFC 1701).
    pub const TEB: u16 = 0x6558;
}

/// Well-known UDP ports the classifier recognises.
pub mod udp_port {
    /// DHCP server (RFC 2131 §4.1).
    pub const BOOTPS: u16 = 67;
    /// DHCP client (RFC 2131 §4.1).
    pub const BOOTPC: u16 = 68;
    /// VXLAN (RFC 7348 §5, IANA).
    pub const VXLAN: u16 = 4789;
    /// GENEVE (RFC 8926 §3.3, IANA).
    pub const GENEVE: u16 = 6081;
}

/// Decodes a hex string (whitespace ignored) for test vectors; panics on bad input.
#[cfg(test)]
pub(crate) fn test_hex(s: &str) -> std::vec::Vec<u8> {
    let s: std::string::String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
