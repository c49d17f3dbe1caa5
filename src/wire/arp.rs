//! ARP for Ethernet/IPv4 (RFC 826), with the probe and announcement forms of RFC 5227.
//!
//! This file owns the 28-byte ARP packet as it appears after an Ethernet header with EtherType
//! 0x0806. Only the Ethernet/IPv4 instance is accepted: hardware type 1, protocol type 0x0800,
//! hardware length 6, protocol length 4; anything else is [`WireError::BadField`]. The
//! operation is not restricted: requests (1) and replies (2) have constants, any other value
//! (RARP, InARP, ...) is reported as is by [`ArpPacket::oper`] for the caller to decide.
//! Bytes after the 28 are Ethernet padding and are ignored.
//!
//! An ARP responder answers in place: [`parse_mut`] then [`ArpHeader::make_reply`].

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Header, Layer, MacAddr, WireError};

/// Length of an Ethernet/IPv4 ARP packet (RFC 826, "Packet format").
pub const HEADER_LEN: usize = 28;
/// Hardware type: Ethernet (RFC 826; IANA "Hardware Types" 1).
pub const HTYPE_ETHERNET: u16 = 1;
/// Protocol type: IPv4, the EtherType 0x0800 (RFC 826).
pub const PTYPE_IPV4: u16 = 0x0800;
/// Hardware address length of Ethernet.
pub const HLEN_ETHERNET: u8 = 6;
/// Protocol address length of IPv4.
pub const PLEN_IPV4: u8 = 4;
/// Operation: request (RFC 826 `ares_op$REQUEST`).
pub const OP_REQUEST: u16 = 1;
/// Operation: reply (RFC 826 `ares_op$REPLY`).
pub const OP_REPLY: u16 = 2;

/// The ARP packet for Ethernet/IPv4 as it lies in the frame.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct ArpHeader {
    /// Hardware type (1 for Ethernet).
    pub htype: U16,
    /// Protocol type (0x0800 for IPv4).
    pub ptype: U16,
    /// Hardware address length (6).
    pub hlen: u8,
    /// Protocol address length (4).
    pub plen: u8,
    /// Operation.
    pub oper: U16,
    /// Sender hardware address.
    pub sha: MacAddr,
    /// Sender protocol address.
    pub spa: [u8; 4],
    /// Target hardware address.
    pub tha: MacAddr,
    /// Target protocol address.
    pub tpa: [u8; 4],
}

impl Header for ArpHeader {
    const LAYER: Layer = Layer::Arp;
}

impl ArpHeader {
    /// Hardware type.
    #[inline]
    pub fn htype(&self) -> u16 {
        self.htype.get()
    }
    /// Protocol type.
    #[inline]
    pub fn ptype(&self) -> u16 {
        self.ptype.get()
    }
    /// Operation.
    #[inline]
    pub fn oper(&self) -> u16 {
        self.oper.get()
    }
    /// Sets the operation.
    #[inline]
    pub fn set_oper(&mut self, op: u16) {
        self.oper.set(op)
    }
    /// Sets the sender hardware address.
    #[inline]
    pub fn set_sha(&mut self, mac: MacAddr) {
        self.sha = mac
    }
    /// Sets the sender protocol address.
    #[inline]
    pub fn set_spa(&mut self, ip: [u8; 4]) {
        self.spa = ip
    }
    /// Sets the target hardware address.
    #[inline]
    pub fn set_tha(&mut self, mac: MacAddr) {
        self.tha = mac
    }
    /// Sets the target protocol address.
    #[inline]
    pub fn set_tpa(&mut self, ip: [u8; 4]) {
        self.tpa = ip
    }

    /// Checks the Ethernet/IPv4 fields (htype, ptype, hlen, plen).
    #[inline]
    pub fn validate(&self) -> Result<(), WireError> {
        let field = if self.htype() != HTYPE_ETHERNET {
            "htype"
        } else if self.ptype() != PTYPE_IPV4 {
            "ptype"
        } else if self.hlen != HLEN_ETHERNET {
            "hlen"
        } else if self.plen != PLEN_IPV4 {
            "plen"
        } else {
            return Ok(());
        };
        Err(WireError::BadField {
            layer: Layer::Arp,
            field,
        })
    }

    /// Turns a request into the reply that `mac` owns the requested address (RFC 826,
    /// "Packet Reception": swap sender and target, fill in the local hardware address, set the
    /// opcode to reply). The caller rewrites the Ethernet header (destination = old `sha`).
    #[inline]
    pub fn make_reply(&mut self, mac: MacAddr) {
        let (requester_mac, requester_ip, wanted_ip) = (self.sha, self.spa, self.tpa);
        self.set_oper(OP_REPLY);
        self.sha = mac;
        self.spa = wanted_ip;
        self.tha = requester_mac;
        self.tpa = requester_ip;
    }
}

/// Views the ARP packet at the start of `buf` mutably after the same checks as
/// [`ArpPacket::parse`], for in-place rewriting.
#[inline]
pub fn parse_mut(buf: &mut [u8]) -> Result<&mut ArpHeader, WireError> {
    let (h, _) = ArpHeader::split_from_mut(buf)?;
    h.validate()?;
    Ok(h)
}

/// A validated Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy)]
pub struct ArpPacket<'a> {
    header: &'a ArpHeader,
}

impl<'a> ArpPacket<'a> {
    /// Parses the 28-byte packet at the start of `buf`; trailing bytes (padding) are ignored.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, _) = ArpHeader::split_from(buf)?;
        header.validate()?;
        Ok(ArpPacket { header })
    }

    /// The packet as it lies in the buffer.
    #[inline]
    pub fn header(&self) -> &'a ArpHeader {
        self.header
    }
    /// Operation: [`OP_REQUEST`], [`OP_REPLY`] or any other value found.
    #[inline]
    pub fn oper(&self) -> u16 {
        self.header.oper()
    }
    /// Sender hardware address.
    #[inline]
    pub fn sha(&self) -> MacAddr {
        self.header.sha
    }
    /// Sender protocol address.
    #[inline]
    pub fn spa(&self) -> [u8; 4] {
        self.header.spa
    }
    /// Target hardware address.
    #[inline]
    pub fn tha(&self) -> MacAddr {
        self.header.tha
    }
    /// Target protocol address.
    #[inline]
    pub fn tpa(&self) -> [u8; 4] {
        self.header.tpa
    }
    /// A gratuitous ARP / announcement: sender and target protocol addresses are equal
    /// (RFC 5227 §2.3, RFC 5944 §4.6).
    #[inline]
    pub fn is_gratuitous(&self) -> bool {
        self.header.spa == self.header.tpa
    }
    /// An ARP probe: a sender protocol address of 0.0.0.0 (RFC 5227 §2.1.1).
    #[inline]
    pub fn is_probe(&self) -> bool {
        self.header.spa == [0; 4]
    }
}

/// ARP fields as host values, for emitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpRepr {
    /// Operation ([`OP_REQUEST`], [`OP_REPLY`], ...).
    pub op: u16,
    /// Sender hardware address.
    pub sha: MacAddr,
    /// Sender protocol address.
    pub spa: [u8; 4],
    /// Target hardware address (zero in a request, RFC 5227 §2.1.1).
    pub tha: MacAddr,
    /// Target protocol address.
    pub tpa: [u8; 4],
}

impl ArpRepr {
    /// The fields of a parsed packet.
    pub fn from_packet(p: &ArpPacket<'_>) -> Self {
        ArpRepr {
            op: p.oper(),
            sha: p.sha(),
            spa: p.spa(),
            tha: p.tha(),
            tpa: p.tpa(),
        }
    }

    /// Always [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Sender and target protocol addresses are equal (RFC 5227 §2.3).
    pub fn is_gratuitous(&self) -> bool {
        self.spa == self.tpa
    }

    /// The sender protocol address is 0.0.0.0 (RFC 5227 §2.1.1).
    pub fn is_probe(&self) -> bool {
        self.spa == [0; 4]
    }

    /// Writes the 28-byte packet at the start of `buf`; returns the bytes written.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        WireError::check_room(Layer::Arp, HEADER_LEN, buf.len())?;
        let (h, _) = ArpHeader::split_from_mut(buf)?;
        *h = ArpHeader {
            htype: U16::new(HTYPE_ETHERNET),
            ptype: U16::new(PTYPE_IPV4),
            hlen: HLEN_ETHERNET,
            plen: PLEN_IPV4,
            oper: U16::new(self.op),
            sha: self.sha,
            spa: self.spa,
            tha: self.tha,
            tpa: self.tpa,
        };
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    const MAC1: MacAddr = MacAddr([2, 0, 0, 0, 0, 1]);
    const MAC2: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0xaa, 0xbb, 0xcc]);

    // bytes(ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='10.0.0.1', hwdst='00:00:00:00:00:00',
    //           pdst='10.0.0.2'))
    const REQUEST: &str = "00010800060400010200000000010a0000010000000000000a000002";
    // bytes(ARP(op=2, hwsrc='fa:16:3e:aa:bb:cc', psrc='10.0.0.2', hwdst='02:00:00:00:00:01',
    //           pdst='10.0.0.1'))
    const REPLY: &str = "0001080006040002fa163eaabbcc0a0000020200000000010a000001";
    // bytes(ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='0.0.0.0', hwdst='00:00:00:00:00:00',
    //           pdst='10.0.0.9'))
    const PROBE: &str = "0001080006040001020000000001000000000000000000000a000009";
    // bytes(ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='10.0.0.9', hwdst='ff:ff:ff:ff:ff:ff',
    //           pdst='10.0.0.9'))
    const ANNOUNCE: &str = "00010800060400010200000000010a000009ffffffffffff0a000009";

    #[test]
    fn parse_request_and_emit() {
        let mut b = hex(REQUEST);
        b.extend_from_slice(&[0; 18]); // Ethernet padding to 60 bytes
        let p = ArpPacket::parse(&b).unwrap();
        assert_eq!(p.oper(), OP_REQUEST);
        assert_eq!(p.sha(), MAC1);
        assert_eq!(p.spa(), [10, 0, 0, 1]);
        assert_eq!(p.tha(), MacAddr::ZERO);
        assert_eq!(p.tpa(), [10, 0, 0, 2]);
        assert!(!p.is_gratuitous() && !p.is_probe());
        let r = ArpRepr::from_packet(&p);
        let mut out = [0u8; 28];
        assert_eq!(r.emit(&mut out), Ok(28));
        assert_eq!(out[..], hex(REQUEST)[..]);
    }

    #[test]
    fn reply_in_place_matches_scapy() {
        let mut b = hex(REQUEST);
        let h = parse_mut(&mut b).unwrap();
        h.make_reply(MAC2);
        assert_eq!(b, hex(REPLY));
        let r = ArpRepr {
            op: OP_REPLY,
            sha: MAC2,
            spa: [10, 0, 0, 2],
            tha: MAC1,
            tpa: [10, 0, 0, 1],
        };
        let mut out = [0u8; 30];
        assert_eq!(r.emit(&mut out), Ok(28));
        assert_eq!(out[..28], hex(REPLY)[..]);
        assert_eq!(ArpRepr::from_packet(&ArpPacket::parse(&out).unwrap()), r);
    }

    #[test]
    fn setters() {
        let mut b = [0u8; 28];
        b.copy_from_slice(&hex(REQUEST));
        let h = parse_mut(&mut b).unwrap();
        h.set_oper(7);
        h.set_sha(MAC2);
        h.set_spa([1, 2, 3, 4]);
        h.set_tha(MAC1);
        h.set_tpa([5, 6, 7, 8]);
        let p = ArpPacket::parse(&b).unwrap();
        // An unknown opcode is reported, not refused.
        assert_eq!(p.oper(), 7);
        assert_eq!(
            (p.sha(), p.spa(), p.tha(), p.tpa()),
            (MAC2, [1, 2, 3, 4], MAC1, [5, 6, 7, 8])
        );
    }

    #[test]
    fn probe_and_announcement() {
        let probe = hex(PROBE);
        let p = ArpPacket::parse(&probe).unwrap();
        assert!(p.is_probe() && !p.is_gratuitous());
        assert!(ArpRepr::from_packet(&p).is_probe());
        let ann = hex(ANNOUNCE);
        let p = ArpPacket::parse(&ann).unwrap();
        assert!(p.is_gratuitous() && !p.is_probe());
        assert!(ArpRepr::from_packet(&p).is_gratuitous());
        assert!(p.tha().is_broadcast());
    }

    #[test]
    fn truncated_at_every_length() {
        let b = hex(REQUEST);
        for n in 0..HEADER_LEN {
            assert_eq!(
                ArpPacket::parse(&b[..n]).unwrap_err(),
                WireError::Truncated {
                    layer: Layer::Arp,
                    need: 28,
                    have: n
                }
            );
        }
        let r = ArpRepr::from_packet(&ArpPacket::parse(&b).unwrap());
        assert_eq!(
            r.emit(&mut [0u8; 27]),
            Err(WireError::BufferTooSmall {
                layer: Layer::Arp,
                need: 28,
                have: 27
            })
        );
    }

    #[test]
    fn wrong_fields_refused() {
        for (at, val, field) in [
            (1usize, 6u8, "htype"), // IEEE 802 hardware type
            (2, 0x86, "ptype"),
            (4, 8, "hlen"), // EUI-64 hardware address
            (5, 16, "plen"),
        ] {
            let mut b = hex(REQUEST);
            b[at] = val;
            assert_eq!(
                ArpPacket::parse(&b).unwrap_err(),
                WireError::BadField {
                    layer: Layer::Arp,
                    field
                }
            );
            assert!(parse_mut(&mut b).is_err());
        }
    }

    proptest! {
        #[test]
        fn emit_parse_roundtrip(op in any::<u16>(), sha in any::<[u8; 6]>(), spa in any::<[u8; 4]>(),
                                tha in any::<[u8; 6]>(), tpa in any::<[u8; 4]>()) {
            let r = ArpRepr { op, sha: MacAddr(sha), spa, tha: MacAddr(tha), tpa };
            let mut buf = [0u8; 28];
            prop_assert_eq!(r.emit(&mut buf), Ok(28));
            prop_assert_eq!(ArpRepr::from_packet(&ArpPacket::parse(&buf).unwrap()), r);
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(p) = ArpPacket::parse(&data) {
                let _ = (p.oper(), p.is_gratuitous(), p.is_probe(), ArpRepr::from_packet(&p));
            }
        }
    }
}
