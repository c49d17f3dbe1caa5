//! UDP (RFC 768), with checksums over the IPv4 and IPv6 pseudo-headers.
//!
//! The UDP length must be at least 8 and must not exceed the bytes the IP layer delivered;
//! bytes after it (when the IP payload is longer) are ignored, as Linux does. An IPv4 checksum
//! of zero means "none" (RFC 768); over IPv6 a zero checksum is only legal for tunnels that
//! allow it (RFC 6935/6936), which callers decide.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum::{self, Checksum};
use super::{ip_proto, Header, Layer, WireError};

/// UDP header length.
pub const HEADER_LEN: usize = 8;

/// The UDP header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct UdpHeader {
    /// Source port.
    pub src_port: U16,
    /// Destination port.
    pub dst_port: U16,
    /// Length of header and data.
    pub len: U16,
    /// Checksum (0 = none over IPv4).
    pub checksum: U16,
}

impl Header for UdpHeader {
    const LAYER: Layer = Layer::Udp;
}

impl UdpHeader {
    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        self.src_port.get()
    }
    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        self.dst_port.get()
    }
    /// Length field.
    #[inline]
    pub fn len(&self) -> u16 {
        self.len.get()
    }
    /// True when the length field is zero (always malformed).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len.get() == 0
    }
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.checksum.get()
    }
    /// Sets the source port (the caller patches the checksum, e.g. with `checksum::update_u16`).
    #[inline]
    pub fn set_src_port(&mut self, v: u16) {
        self.src_port.set(v)
    }
    /// Sets the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, v: u16) {
        self.dst_port.set(v)
    }
    /// Sets the length field.
    #[inline]
    pub fn set_len(&mut self, v: u16) {
        self.len.set(v)
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.checksum.set(v)
    }
}

/// A validated UDP datagram.
#[derive(Debug, Clone, Copy)]
pub struct UdpPacket<'a> {
    header: &'a UdpHeader,
    payload: &'a [u8],
    /// The header and payload bytes (the checksummed range).
    datagram: &'a [u8],
}

impl<'a> UdpPacket<'a> {
    /// Parses `buf` (the IP payload).
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, _) = UdpHeader::split_from(buf)?;
        let len = usize::from(header.len());
        if len < HEADER_LEN {
            return Err(WireError::BadLength {
                layer: Layer::Udp,
                value: len,
            });
        }
        WireError::check_len(Layer::Udp, len, buf.len())?;
        Ok(UdpPacket {
            header,
            payload: &buf[HEADER_LEN..len],
            datagram: &buf[..len],
        })
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> &'a UdpHeader {
        self.header
    }
    /// Source port.
    #[inline]
    pub fn src_port(&self) -> u16 {
        self.header.src_port()
    }
    /// Destination port.
    #[inline]
    pub fn dst_port(&self) -> u16 {
        self.header.dst_port()
    }
    /// Data after the header, up to the length field.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Verifies the checksum over an IPv4 pseudo-header; a zero checksum (none) verifies.
    pub fn verify_checksum_v4(&self, src: [u8; 4], dst: [u8; 4]) -> bool {
        if self.header.checksum() == 0 {
            return true;
        }
        let mut c = checksum::pseudo_header_v4(src, dst, ip_proto::UDP, self.datagram.len() as u16);
        c.add_bytes(self.datagram).finish() == 0
    }

    /// Verifies the checksum over an IPv6 pseudo-header; a zero checksum fails (RFC 8200 §8.1).
    pub fn verify_checksum_v6(&self, src: &[u8; 16], dst: &[u8; 16]) -> bool {
        if self.header.checksum() == 0 {
            return false;
        }
        let mut c = checksum::pseudo_header_v6(src, dst, ip_proto::UDP, self.datagram.len() as u32);
        c.add_bytes(self.datagram).finish() == 0
    }
}

/// Computes the UDP checksum for `datagram` (header with any checksum value, then payload) and
/// a pseudo-header sum; zero is sent as 0xffff (RFC 768).
#[inline]
fn checksum_with(mut pseudo: Checksum, datagram: &[u8]) -> u16 {
    // Sum with the checksum field treated as zero.
    let stored = u16::from_be_bytes([datagram[6], datagram[7]]);
    pseudo.add_bytes(datagram);
    let sum = checksum::update_u16(pseudo.finish(), stored, 0);
    if sum == 0 {
        0xffff
    } else {
        sum
    }
}

/// Fills the checksum of the UDP datagram at the start of `buf` (its length field says how far
/// it goes) over an IPv4 pseudo-header.
pub fn fill_checksum_v4(buf: &mut [u8], src: [u8; 4], dst: [u8; 4]) -> Result<u16, WireError> {
    let len = usize::from(UdpPacket::parse(buf)?.header.len());
    let c = checksum_with(
        checksum::pseudo_header_v4(src, dst, ip_proto::UDP, len as u16),
        &buf[..len],
    );
    buf[6..8].copy_from_slice(&c.to_be_bytes());
    Ok(c)
}

/// Fills the checksum of the UDP datagram at the start of `buf` over an IPv6 pseudo-header.
pub fn fill_checksum_v6(buf: &mut [u8], src: &[u8; 16], dst: &[u8; 16]) -> Result<u16, WireError> {
    let len = usize::from(UdpPacket::parse(buf)?.header.len());
    let c = checksum_with(
        checksum::pseudo_header_v6(src, dst, ip_proto::UDP, len as u32),
        &buf[..len],
    );
    buf[6..8].copy_from_slice(&c.to_be_bytes());
    Ok(c)
}

/// UDP header fields as host values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Payload length (the length field is this + 8).
    pub payload_len: u16,
}

impl UdpRepr {
    /// The fields of a parsed datagram.
    pub fn from_packet(p: &UdpPacket<'_>) -> Self {
        UdpRepr {
            src_port: p.src_port(),
            dst_port: p.dst_port(),
            payload_len: p.payload().len() as u16,
        }
    }

    /// Always [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header with a zero checksum; fill it afterwards with
    /// [`fill_checksum_v4`]/[`fill_checksum_v6`] once the payload is in place (or leave it zero
    /// over IPv4).
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let len = usize::from(self.payload_len) + HEADER_LEN;
        if len > usize::from(u16::MAX) {
            return Err(WireError::BadLength {
                layer: Layer::Udp,
                value: len,
            });
        }
        WireError::check_room(Layer::Udp, HEADER_LEN, buf.len())?;
        let (h, _) = UdpHeader::split_from_mut(buf)?;
        *h = UdpHeader {
            src_port: U16::new(self.src_port),
            dst_port: U16::new(self.dst_port),
            len: U16::new(len as u16),
            checksum: U16::ZERO,
        };
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // scapy: bytes(IP(src='10.0.0.1',dst='10.0.0.2')/UDP(sport=1234,dport=53)/b'hello')[20:]
    const V4_UDP: [u8; 13] = [
        0x04, 0xd2, 0x00, 0x35, 0x00, 0x0d, 0xa2, 0xf8, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    ];
    // scapy: bytes(IPv6(src='2001:db8::1',dst='2001:db8::2')/UDP(sport=1234,dport=53)/b'hello')[40:]
    const V6_UDP: [u8; 13] = [
        0x04, 0xd2, 0x00, 0x35, 0x00, 0x0d, 0x5b, 0x86, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
    ];
    const S6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const D6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

    #[test]
    fn scapy_vectors() {
        let p = UdpPacket::parse(&V4_UDP).unwrap();
        assert_eq!(
            (p.src_port(), p.dst_port(), p.payload()),
            (1234, 53, &b"hello"[..])
        );
        assert!(p.verify_checksum_v4([10, 0, 0, 1], [10, 0, 0, 2]));
        assert!(!p.verify_checksum_v4([10, 0, 0, 1], [10, 0, 0, 3]));
        let p6 = UdpPacket::parse(&V6_UDP).unwrap();
        assert!(p6.verify_checksum_v6(&S6, &D6));

        let mut out = [0u8; 13];
        UdpRepr::from_packet(&p).emit(&mut out).unwrap();
        out[8..].copy_from_slice(b"hello");
        fill_checksum_v4(&mut out, [10, 0, 0, 1], [10, 0, 0, 2]).unwrap();
        assert_eq!(out, V4_UDP);
        fill_checksum_v6(&mut out, &S6, &D6).unwrap();
        assert_eq!(out, V6_UDP);
    }

    #[test]
    fn length_rules() {
        let mut b = V4_UDP;
        b[5] = 7;
        assert_eq!(
            UdpPacket::parse(&b).unwrap_err(),
            WireError::BadLength {
                layer: Layer::Udp,
                value: 7
            }
        );
        b[5] = 14;
        assert!(matches!(
            UdpPacket::parse(&b),
            Err(WireError::Truncated {
                need: 14,
                have: 13,
                ..
            })
        ));
        // Length shorter than the IP payload: trailing bytes ignored.
        b[5] = 9;
        assert_eq!(UdpPacket::parse(&b).unwrap().payload(), b"h");
        assert!(matches!(
            UdpPacket::parse(&b[..7]),
            Err(WireError::Truncated { .. })
        ));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(p) = UdpPacket::parse(&data) {
                prop_assert!(p.payload().len() + HEADER_LEN <= data.len());
                let _ = p.verify_checksum_v4([1, 2, 3, 4], [5, 6, 7, 8]);
            }
        }

        #[test]
        fn emit_parse_roundtrip(sp in any::<u16>(), dp in any::<u16>(), payload in proptest::collection::vec(any::<u8>(), 0..40)) {
            let r = UdpRepr { src_port: sp, dst_port: dp, payload_len: payload.len() as u16 };
            let mut buf = std::vec![0u8; 8 + payload.len()];
            r.emit(&mut buf).unwrap();
            buf[8..].copy_from_slice(&payload);
            fill_checksum_v6(&mut buf, &S6, &D6).unwrap();
            let p = UdpPacket::parse(&buf).unwrap();
            prop_assert_eq!(UdpRepr::from_packet(&p), r);
            prop_assert!(p.verify_checksum_v6(&S6, &D6));
        }
    }
}
