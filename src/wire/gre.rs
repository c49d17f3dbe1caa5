//! GRE (RFC 2784) with the key and sequence number extensions (RFC 2890): the header that
//! follows an outer IP header with protocol 47.
//!
//! ```text
//! |C| |K|S| Reserved0       | Ver |         Protocol Type         |
//! |      Checksum (optional)      |       Reserved1 (Optional)    |
//! |                         Key (optional)                        |
//! |                 Sequence Number (Optional)                    |
//! ```
//!
//! `parse` rejects a version other than 0 (RFC 2784 §2.4; version 1 is PPTP's enhanced GRE) and
//! any of Reserved0 bits 1–5 other than K and S (RFC 2784 §2.5: "A receiver MUST discard a
//! packet where any of bits 1-5 are non-zero, unless that receiver implements RFC 1701" — those
//! are RFC 1701's Routing Present bit 1, Strict Source Route bit 4 and the top bit of Recursion
//! Control, bit 5; RFC 2890 §2 gives bits 2 and 3 to K and S). Bits 6–12 "MUST be ignored on
//! receipt" (RFC 2784 §2.5) and are. The checksum (RFC 2784 §2.5) is verified only on request,
//! [`GrePacket::verify_checksum`].

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::{Header, Layer, WireError};

/// Length of the base header: flags/version and protocol type (RFC 2784 §2.1).
pub const HEADER_LEN: usize = 4;
/// Largest header: base + checksum/reserved1 + key + sequence number.
pub const MAX_HEADER_LEN: usize = 16;
/// Flags: C, Checksum Present (RFC 2784 §2.2).
pub const FLAG_C: u16 = 0x8000;
/// Flags: RFC 1701 Routing Present; must be zero (RFC 2784 §2.5).
pub const FLAG_R: u16 = 0x4000;
/// Flags: K, Key Present (RFC 2890 §2).
pub const FLAG_K: u16 = 0x2000;
/// Flags: S, Sequence Number Present (RFC 2890 §2).
pub const FLAG_S: u16 = 0x1000;
/// Reserved0 bits a receiver must find zero: bits 1, 4 and 5 (RFC 2784 §2.5 minus RFC 2890's
/// K and S) — RFC 1701's R, strict source route and the top recursion-control bit.
pub const MUST_BE_ZERO: u16 = 0x4c00;
/// The version field's mask (3 bits, RFC 2784 §2.4).
pub const VERSION_MASK: u16 = 0x0007;
/// The version field's value (RFC 2784 §2.4).
pub const VERSION: u8 = 0;

/// The GRE base header; the optional fields follow it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct GreHeader {
    /// C, R, K, S, reserved bits and version.
    pub flags_version: U16,
    /// EtherType of the payload (0x6558 for Ethernet, 0x0800 IPv4, 0x86dd IPv6).
    pub protocol_type: U16,
}

impl Header for GreHeader {
    const LAYER: Layer = Layer::Gre;
}

impl GreHeader {
    /// The flags and version word.
    #[inline]
    pub fn flags(&self) -> u16 {
        self.flags_version.get()
    }
    /// Version (3 bits).
    #[inline]
    pub fn version(&self) -> u8 {
        (self.flags() & VERSION_MASK) as u8
    }
    /// Checksum Present.
    #[inline]
    pub fn has_checksum(&self) -> bool {
        self.flags() & FLAG_C != 0
    }
    /// Key Present.
    #[inline]
    pub fn has_key(&self) -> bool {
        self.flags() & FLAG_K != 0
    }
    /// Sequence Number Present.
    #[inline]
    pub fn has_sequence(&self) -> bool {
        self.flags() & FLAG_S != 0
    }
    /// Protocol type of the payload.
    #[inline]
    pub fn protocol_type(&self) -> u16 {
        self.protocol_type.get()
    }
    /// Sets the protocol type.
    #[inline]
    pub fn set_protocol_type(&mut self, v: u16) {
        self.protocol_type.set(v)
    }
    /// Header length the flags announce: 4, plus 4 each for C, K and S.
    #[inline]
    pub fn header_len(&self) -> usize {
        HEADER_LEN
            + 4 * (usize::from(self.has_checksum())
                + usize::from(self.has_key())
                + usize::from(self.has_sequence()))
    }
}

/// Checks version and must-be-zero bits; returns the header length the flags announce.
#[inline]
fn check_flags(h: &GreHeader) -> Result<usize, WireError> {
    if h.version() != VERSION {
        return Err(WireError::BadVersion {
            layer: Layer::Gre,
            value: h.version(),
        });
    }
    if h.flags() & MUST_BE_ZERO != 0 {
        return Err(WireError::BadField {
            layer: Layer::Gre,
            field: "flags",
        });
    }
    Ok(h.header_len())
}

/// Reads a big-endian u32 at `off` of `b` (the caller has checked the length).
#[inline(always)]
fn be32(b: &[u8], off: usize) -> Option<u32> {
    let w = b.get(off..off + 4)?;
    Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// A validated GRE packet: header, optional fields and payload.
#[derive(Debug, Clone, Copy)]
pub struct GrePacket<'a> {
    header: &'a GreHeader,
    /// The whole header, optional fields included.
    header_bytes: &'a [u8],
    payload: &'a [u8],
}

impl<'a> GrePacket<'a> {
    /// Parses the header: version 0, no RFC 1701 bits, and the optional fields the flags
    /// announce within the buffer. The payload is the rest of `buf`.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, _) = GreHeader::split_from(buf)?;
        let len = check_flags(header)?;
        WireError::check_len(Layer::Gre, len, buf.len())?;
        let (header_bytes, payload) = buf.split_at(len);
        Ok(GrePacket {
            header,
            header_bytes,
            payload,
        })
    }

    /// The base header.
    #[inline]
    pub fn header(&self) -> &'a GreHeader {
        self.header
    }
    /// Protocol type of the payload.
    #[inline]
    pub fn protocol_type(&self) -> u16 {
        self.header.protocol_type()
    }
    /// The checksum field, when C is set.
    #[inline]
    pub fn checksum(&self) -> Option<u16> {
        if !self.header.has_checksum() {
            return None;
        }
        let b = self.header_bytes.get(4..6)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }
    /// The key, when K is set (RFC 2890 §2.1).
    #[inline]
    pub fn key(&self) -> Option<u32> {
        if !self.header.has_key() {
            return None;
        }
        be32(self.header_bytes, self.key_offset())
    }
    /// The sequence number, when S is set (RFC 2890 §2.2).
    #[inline]
    pub fn sequence(&self) -> Option<u32> {
        if !self.header.has_sequence() {
            return None;
        }
        let off = self.key_offset() + if self.header.has_key() { 4 } else { 0 };
        be32(self.header_bytes, off)
    }
    /// Header length, optional fields included.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_bytes.len()
    }
    /// The encapsulated payload: everything after the header.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
    /// True when no checksum is present, or when the RFC 1071 checksum over the GRE header
    /// and payload verifies (RFC 2784 §2.5).
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        if !self.header.has_checksum() {
            return true;
        }
        let mut c = checksum::Checksum::new();
        c.add_bytes(self.header_bytes).add_bytes(self.payload);
        c.finish() == 0
    }

    #[inline]
    fn key_offset(&self) -> usize {
        HEADER_LEN + if self.header.has_checksum() { 4 } else { 0 }
    }
}

/// Recomputes the checksum of the GRE packet (header and payload) filling `buf`, when its C
/// flag is set; returns it, or `None` when the header carries no checksum. Validates the
/// header like [`GrePacket::parse`].
pub fn fill_checksum(buf: &mut [u8]) -> Result<Option<u16>, WireError> {
    let p = GrePacket::parse(buf)?;
    if !p.header().has_checksum() {
        return Ok(None);
    }
    buf[4] = 0;
    buf[5] = 0;
    let c = checksum::internet_checksum(buf);
    buf[4..6].copy_from_slice(&c.to_be_bytes());
    Ok(Some(c))
}

/// A GRE header as host values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GreRepr {
    /// Protocol type of the payload.
    pub protocol_type: u16,
    /// Whether to carry a checksum.
    pub checksum: bool,
    /// The key (RFC 2890), if any; Neutron puts the segmentation id here.
    pub key: Option<u32>,
    /// The sequence number (RFC 2890), if any.
    pub sequence: Option<u32>,
}

impl GreRepr {
    /// The fields of a parsed packet.
    pub fn from_packet(p: &GrePacket<'_>) -> Self {
        GreRepr {
            protocol_type: p.protocol_type(),
            checksum: p.header().has_checksum(),
            key: p.key(),
            sequence: p.sequence(),
        }
    }

    /// 4, plus 4 each for the checksum, the key and the sequence number.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
            + if self.checksum { 4 } else { 0 }
            + if self.key.is_some() { 4 } else { 0 }
            + if self.sequence.is_some() { 4 } else { 0 }
    }

    /// Writes the header at the start of `buf` and returns [`Self::header_len`].
    ///
    /// The payload must already be in place right after the header: with `checksum` set, the
    /// checksum is computed over the header and the `payload_len` bytes that follow it in
    /// `buf`, which must hold them (`BufferTooSmall` otherwise). Without `checksum`,
    /// `payload_len` is not used and `buf` need only hold the header.
    pub fn emit(&self, buf: &mut [u8], payload_len: usize) -> Result<usize, WireError> {
        let len = self.header_len();
        let need = if self.checksum {
            len.checked_add(payload_len)
                .ok_or(WireError::BufferTooSmall {
                    layer: Layer::Gre,
                    need: usize::MAX,
                    have: buf.len(),
                })?
        } else {
            len
        };
        WireError::check_room(Layer::Gre, need, buf.len())?;
        let flags = if self.checksum { FLAG_C } else { 0 }
            | if self.key.is_some() { FLAG_K } else { 0 }
            | if self.sequence.is_some() { FLAG_S } else { 0 };
        buf[0..2].copy_from_slice(&flags.to_be_bytes());
        buf[2..4].copy_from_slice(&self.protocol_type.to_be_bytes());
        let mut off = HEADER_LEN;
        if self.checksum {
            buf[off..off + 4].fill(0);
            off += 4;
        }
        if let Some(k) = self.key {
            buf[off..off + 4].copy_from_slice(&k.to_be_bytes());
            off += 4;
        }
        if let Some(s) = self.sequence {
            buf[off..off + 4].copy_from_slice(&s.to_be_bytes());
        }
        if self.checksum {
            let c = checksum::internet_checksum(&buf[..need]);
            buf[4..6].copy_from_slice(&c.to_be_bytes());
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    // The GRE layer (bytes 20..) of scapy:
    // inner = Ether(src='fa:16:3e:00:00:01',dst='fa:16:3e:00:00:02')/IP(src='10.0.0.1',dst='10.0.0.2')
    //         /UDP(sport=1,dport=2)/b'hi'
    // IP(src='192.0.2.1',dst='192.0.2.2')/GRE(key_present=1, key=7, chksum_present=1,
    //     seqnum_present=1, sequence_number=0x01020304, proto=0x6558)/inner
    const INNER: &str = "fa163e000002fa163e00000108004500001e00010000401166cc0a0000010a000002\
                         00010002000a836b6869";
    const CKS: &str = "b0006558828600000000000701020304";
    // ... GRE(key_present=1, key=7, chksum_present=1, proto=0x6558)/inner
    const CK: &str = "a0006558968c000000000007";
    // ... GRE(key_present=1, key=0xdeadbeef, proto=0x6558)/inner
    const K: &str = "20006558deadbeef";
    // ... GRE(seqnum_present=1, sequence_number=5, proto=0x86dd) (no payload)
    const S: &str = "100086dd00000005";
    // IP(src='192.0.2.1',dst='192.0.2.2')/GRE(chksum_present=1,proto=0x0800)
    //   /IP(src='10.0.0.1',dst='10.0.0.2')/ICMP()/b'x'  — odd length, 37 bytes
    const CK_ODD: &str = "8000080077ff00004500001d00010000400166dd0a0000010a00000208007fff0000\
                          000078";

    fn with_inner(h: &str) -> std::vec::Vec<u8> {
        let mut v = hex(h);
        v.extend(hex(INNER));
        v
    }

    #[test]
    fn scapy_vectors() {
        let b = with_inner(CKS);
        let p = GrePacket::parse(&b).unwrap();
        assert_eq!(p.protocol_type(), 0x6558);
        assert_eq!(p.checksum(), Some(0x8286));
        assert_eq!(p.key(), Some(7));
        assert_eq!(p.sequence(), Some(0x0102_0304));
        assert_eq!(p.header_len(), 16);
        assert_eq!(p.payload(), &hex(INNER)[..]);
        assert!(p.verify_checksum());

        let b = with_inner(CK);
        let p = GrePacket::parse(&b).unwrap();
        assert_eq!(
            (p.checksum(), p.key(), p.sequence(), p.header_len()),
            (Some(0x968c), Some(7), None, 12)
        );
        assert!(p.verify_checksum());

        let b = with_inner(K);
        let p = GrePacket::parse(&b).unwrap();
        assert_eq!(
            (p.checksum(), p.key(), p.sequence(), p.header_len()),
            (None, Some(0xdead_beef), None, 8)
        );
        assert!(p.verify_checksum());

        let b = hex(S);
        let p = GrePacket::parse(&b).unwrap();
        assert_eq!(
            (p.protocol_type(), p.key(), p.sequence(), p.payload().len()),
            (0x86dd, None, Some(5), 0)
        );

        let b = hex(CK_ODD);
        assert_eq!(b.len(), 37);
        let p = GrePacket::parse(&b).unwrap();
        assert_eq!((p.checksum(), p.header_len()), (Some(0x77ff), 8));
        assert!(p.verify_checksum());
        let mut bad = b.clone();
        bad[36] ^= 1;
        assert!(!GrePacket::parse(&bad).unwrap().verify_checksum());
    }

    #[test]
    fn emit_matches_scapy() {
        for h in [CKS, CK, K] {
            let want = with_inner(h);
            let r = GreRepr::from_packet(&GrePacket::parse(&want).unwrap());
            let mut out = std::vec![0u8; want.len()];
            let hl = r.header_len();
            out[hl..].copy_from_slice(&hex(INNER));
            assert_eq!(r.emit(&mut out, want.len() - hl), Ok(hl));
            assert_eq!(out, want);
        }
        let want = hex(CK_ODD);
        let r = GreRepr {
            protocol_type: 0x0800,
            checksum: true,
            key: None,
            sequence: None,
        };
        let mut out = want.clone();
        out[..8].fill(0xaa);
        r.emit(&mut out, 29).unwrap();
        assert_eq!(out, want);
        let r = GreRepr {
            protocol_type: 0x86dd,
            checksum: false,
            key: None,
            sequence: Some(5),
        };
        let mut out = [0u8; 8];
        assert_eq!(r.emit(&mut out, 1000), Ok(8)); // payload_len unused without checksum
        assert_eq!(out[..], hex(S)[..]);

        let mut b = with_inner(CK);
        b[4] = 0;
        b[5] = 0;
        assert_eq!(fill_checksum(&mut b), Ok(Some(0x968c)));
        assert_eq!(b, with_inner(CK));
        assert_eq!(fill_checksum(&mut with_inner(K)), Ok(None));
    }

    #[test]
    fn emit_errors() {
        let r = GreRepr {
            protocol_type: 0x6558,
            checksum: true,
            key: Some(1),
            sequence: None,
        };
        assert!(matches!(
            r.emit(&mut [0u8; 20], 9),
            Err(WireError::BufferTooSmall {
                need: 21,
                have: 20,
                ..
            })
        ));
        assert!(matches!(
            r.emit(&mut [0u8; 20], usize::MAX),
            Err(WireError::BufferTooSmall { .. })
        ));
        let r = GreRepr {
            checksum: false,
            ..r
        };
        assert!(matches!(
            r.emit(&mut [0u8; 7], 0),
            Err(WireError::BufferTooSmall { need: 8, .. })
        ));
    }

    #[test]
    fn truncated_at_every_length() {
        let b = with_inner(CKS);
        for n in 0..16 {
            let need = if n < 4 { 4 } else { 16 };
            assert_eq!(
                GrePacket::parse(&b[..n]).unwrap_err(),
                WireError::Truncated {
                    layer: Layer::Gre,
                    need,
                    have: n
                }
            );
        }
        assert_eq!(GrePacket::parse(&b[..16]).unwrap().payload().len(), 0);
    }

    #[test]
    fn version_and_reserved_bits() {
        let mut b = with_inner(K);
        b[1] = 0x01; // version 1 (PPTP)
        assert_eq!(
            GrePacket::parse(&b).unwrap_err(),
            WireError::BadVersion {
                layer: Layer::Gre,
                value: 1
            }
        );
        for bit in [FLAG_R, 0x0800, 0x0400] {
            let mut b = with_inner(K);
            b[0] |= (bit >> 8) as u8;
            assert_eq!(
                GrePacket::parse(&b).unwrap_err(),
                WireError::BadField {
                    layer: Layer::Gre,
                    field: "flags"
                },
                "bit {bit:#x}"
            );
        }
        // Bits 6–12 are ignored on receipt (RFC 2784 §2.5).
        let mut b = with_inner(K);
        b[0] |= 0x03;
        b[1] |= 0xf8;
        let p = GrePacket::parse(&b).unwrap();
        assert_eq!((p.key(), p.header_len()), (Some(0xdead_beef), 8));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..40)) {
            match GrePacket::parse(&data) {
                Ok(p) => {
                    prop_assert_eq!(p.header_len() + p.payload().len(), data.len());
                    let _ = (p.checksum(), p.key(), p.sequence(), p.verify_checksum());
                }
                Err(e) => prop_assert_eq!(e.layer(), Layer::Gre),
            }
        }

        #[test]
        fn emit_parse_roundtrip(
            pt in any::<u16>(),
            ck in any::<bool>(),
            key in any::<Option<u32>>(),
            sequence in any::<Option<u32>>(),
            payload in proptest::collection::vec(any::<u8>(), 0..33),
        ) {
            let r = GreRepr { protocol_type: pt, checksum: ck, key, sequence };
            let hl = r.header_len();
            let mut buf = std::vec![0u8; hl + payload.len()];
            buf[hl..].copy_from_slice(&payload);
            prop_assert_eq!(r.emit(&mut buf, payload.len()), Ok(hl));
            let p = GrePacket::parse(&buf).unwrap();
            prop_assert_eq!(GreRepr::from_packet(&p), r);
            prop_assert_eq!(p.payload(), &payload[..]);
            prop_assert!(p.verify_checksum());
        }
    }
}
