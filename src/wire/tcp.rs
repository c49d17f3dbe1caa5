//! TCP (RFC 9293): header, options (RFC 9293 §3.2, RFC 7323, RFC 2018), checksum.
//!
//! `parse` checks the data offset (≥ 5 words, within the buffer) and walks the options:
//! End of Option List and NOP are one byte; every other option has a length byte of at least 2
//! that must fit; the known ones must have their RFC lengths.

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum::{self, Checksum};
use super::{ip_proto, Header, Layer, WireError};

/// Header length without options.
pub const HEADER_LEN: usize = 20;
/// Largest header (data offset 15).
pub const MAX_HEADER_LEN: usize = 60;

/// Flag bits in the 13th header byte (RFC 9293 §3.1, RFC 3168 for ECE/CWR).
pub mod flags {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push.
    pub const PSH: u8 = 0x08;
    /// Acknowledgment field is significant.
    pub const ACK: u8 = 0x10;
    /// Urgent pointer is significant.
    pub const URG: u8 = 0x20;
    /// ECN echo.
    pub const ECE: u8 = 0x40;
    /// Congestion window reduced.
    pub const CWR: u8 = 0x80;
}

/// Option kinds (IANA "TCP Option Kind Numbers").
pub mod option_kind {
    /// End of Option List (RFC 9293).
    pub const EOL: u8 = 0;
    /// No-Operation (RFC 9293).
    pub const NOP: u8 = 1;
    /// Maximum Segment Size, length 4 (RFC 9293 §3.7.1).
    pub const MSS: u8 = 2;
    /// Window Scale, length 3 (RFC 7323 §2).
    pub const WINDOW_SCALE: u8 = 3;
    /// SACK permitted, length 2 (RFC 2018).
    pub const SACK_PERMITTED: u8 = 4;
    /// SACK, length 2 + 8n (RFC 2018).
    pub const SACK: u8 = 5;
    /// Timestamps, length 10 (RFC 7323 §3).
    pub const TIMESTAMPS: u8 = 8;
}

/// The fixed TCP header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct TcpHeader {
    /// Source port.
    pub src_port: U16,
    /// Destination port.
    pub dst_port: U16,
    /// Sequence number.
    pub seq: U32,
    /// Acknowledgment number.
    pub ack: U32,
    /// Data offset (4 bits, in words) and reserved bits.
    pub data_offset: u8,
    /// Flags.
    pub flags: u8,
    /// Window.
    pub window: U16,
    /// Checksum.
    pub checksum: U16,
    /// Urgent pointer.
    pub urgent: U16,
}

impl Header for TcpHeader {
    const LAYER: Layer = Layer::Tcp;
}

impl TcpHeader {
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
    /// Sequence number.
    #[inline]
    pub fn seq(&self) -> u32 {
        self.seq.get()
    }
    /// Acknowledgment number.
    #[inline]
    pub fn ack(&self) -> u32 {
        self.ack.get()
    }
    /// Header length in bytes (data offset × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset >> 4) * 4
    }
    /// Flags byte (see [`flags`]).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.flags
    }
    /// Window.
    #[inline]
    pub fn window(&self) -> u16 {
        self.window.get()
    }
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.checksum.get()
    }
    /// Urgent pointer.
    #[inline]
    pub fn urgent(&self) -> u16 {
        self.urgent.get()
    }
    /// Sets the source port (patch the checksum with `checksum::update_u16`).
    #[inline]
    pub fn set_src_port(&mut self, v: u16) {
        self.src_port.set(v)
    }
    /// Sets the destination port.
    #[inline]
    pub fn set_dst_port(&mut self, v: u16) {
        self.dst_port.set(v)
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.checksum.set(v)
    }
}

/// One TCP option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// No-Operation.
    Nop,
    /// Maximum segment size.
    Mss(u16),
    /// Window scale shift count.
    WindowScale(u8),
    /// SACK permitted.
    SackPermitted,
    /// SACK blocks (pairs of left/right edges, raw: 8 bytes each).
    Sack(&'a [u8]),
    /// Timestamp value and echo reply.
    Timestamps {
        /// TSval.
        value: u32,
        /// TSecr.
        echo: u32,
    },
    /// Any other option: kind and data.
    Other {
        /// Option kind.
        kind: u8,
        /// Data after kind and length.
        data: &'a [u8],
    },
}

/// Decodes the option at the start of `rest` (at header offset `offset`); `None` at EOL/end.
fn next_option(rest: &[u8], offset: usize) -> Result<Option<(TcpOption<'_>, usize)>, WireError> {
    let bad = WireError::BadOption {
        layer: Layer::Tcp,
        offset,
    };
    let kind = match rest.first() {
        None | Some(&option_kind::EOL) => return Ok(None),
        Some(&option_kind::NOP) => return Ok(Some((TcpOption::Nop, 1))),
        Some(&k) => k,
    };
    let len = usize::from(*rest.get(1).ok_or(bad)?);
    if len < 2 || len > rest.len() {
        return Err(bad);
    }
    let data = &rest[2..len];
    let opt = match (kind, data.len()) {
        (option_kind::MSS, 2) => TcpOption::Mss(u16::from_be_bytes([data[0], data[1]])),
        (option_kind::WINDOW_SCALE, 1) => TcpOption::WindowScale(data[0]),
        (option_kind::SACK_PERMITTED, 0) => TcpOption::SackPermitted,
        (option_kind::SACK, n) if n > 0 && n % 8 == 0 => TcpOption::Sack(data),
        (option_kind::TIMESTAMPS, 8) => TcpOption::Timestamps {
            value: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
            echo: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
        },
        (
            option_kind::MSS
            | option_kind::WINDOW_SCALE
            | option_kind::SACK_PERMITTED
            | option_kind::SACK
            | option_kind::TIMESTAMPS,
            _,
        ) => return Err(bad),
        _ => TcpOption::Other { kind, data },
    };
    Ok(Some((opt, len)))
}

/// Iterator over validated options; stops at End of Option List.
#[derive(Debug, Clone)]
pub struct TcpOptions<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for TcpOptions<'a> {
    type Item = TcpOption<'a>;
    fn next(&mut self) -> Option<TcpOption<'a>> {
        let (opt, used) = next_option(self.rest, self.offset).ok().flatten()?;
        self.rest = &self.rest[used..];
        self.offset += used;
        Some(opt)
    }
}

/// A validated TCP segment.
#[derive(Debug, Clone, Copy)]
pub struct TcpPacket<'a> {
    header: &'a TcpHeader,
    options: &'a [u8],
    payload: &'a [u8],
    segment: &'a [u8],
}

/// Checks the data offset against `have` bytes; returns the header length.
#[inline(always)]
pub(crate) fn check_data_offset(h: &TcpHeader, have: usize) -> Result<usize, WireError> {
    let hl = h.header_len();
    if hl < HEADER_LEN {
        return Err(WireError::BadHeaderLen {
            layer: Layer::Tcp,
            value: hl,
        });
    }
    WireError::check_len(Layer::Tcp, hl, have)?;
    Ok(hl)
}

impl<'a> TcpPacket<'a> {
    /// Parses `buf` (the IP payload: the segment runs to its end).
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, _) = TcpHeader::split_from(buf)?;
        let hl = check_data_offset(header, buf.len())?;
        let options = &buf[HEADER_LEN..hl];
        let mut rest = options;
        let mut offset = HEADER_LEN;
        while let Some((_, used)) = next_option(rest, offset)? {
            rest = &rest[used..];
            offset += used;
        }
        Ok(TcpPacket {
            header,
            options,
            payload: &buf[hl..],
            segment: buf,
        })
    }

    /// The fixed header.
    #[inline]
    pub fn header(&self) -> &'a TcpHeader {
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
    /// Flags.
    #[inline]
    pub fn flags(&self) -> u8 {
        self.header.flags
    }
    /// The options.
    #[inline]
    pub fn options(&self) -> TcpOptions<'a> {
        TcpOptions {
            rest: self.options,
            offset: HEADER_LEN,
        }
    }
    /// Raw option bytes.
    #[inline]
    pub fn options_raw(&self) -> &'a [u8] {
        self.options
    }
    /// Segment data.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
    /// Verifies the checksum over an IPv4 pseudo-header.
    pub fn verify_checksum_v4(&self, src: [u8; 4], dst: [u8; 4]) -> bool {
        let Ok(len) = u16::try_from(self.segment.len()) else {
            return false;
        };
        let mut c = checksum::pseudo_header_v4(src, dst, ip_proto::TCP, len);
        c.add_bytes(self.segment).finish() == 0
    }
    /// Verifies the checksum over an IPv6 pseudo-header.
    pub fn verify_checksum_v6(&self, src: &[u8; 16], dst: &[u8; 16]) -> bool {
        let mut c = checksum::pseudo_header_v6(src, dst, ip_proto::TCP, self.segment.len() as u32);
        c.add_bytes(self.segment).finish() == 0
    }
}

fn fill_with(mut pseudo: Checksum, seg: &mut [u8]) -> u16 {
    seg[16] = 0;
    seg[17] = 0;
    let c = pseudo.add_bytes(seg).finish();
    seg[16..18].copy_from_slice(&c.to_be_bytes());
    c
}

/// Fills the checksum of the TCP segment that is all of `seg`, over an IPv4 pseudo-header.
pub fn fill_checksum_v4(seg: &mut [u8], src: [u8; 4], dst: [u8; 4]) -> Result<u16, WireError> {
    TcpPacket::parse(seg)?;
    let len = u16::try_from(seg.len()).map_err(|_| WireError::BadLength {
        layer: Layer::Tcp,
        value: seg.len(),
    })?;
    Ok(fill_with(
        checksum::pseudo_header_v4(src, dst, ip_proto::TCP, len),
        seg,
    ))
}

/// Fills the checksum of the TCP segment that is all of `seg`, over an IPv6 pseudo-header.
pub fn fill_checksum_v6(seg: &mut [u8], src: &[u8; 16], dst: &[u8; 16]) -> Result<u16, WireError> {
    TcpPacket::parse(seg)?;
    let len = seg.len() as u32;
    Ok(fill_with(
        checksum::pseudo_header_v6(src, dst, ip_proto::TCP, len),
        seg,
    ))
}

/// TCP header fields as host values; options are carried raw (already encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpRepr<'a> {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flags.
    pub flags: u8,
    /// Window.
    pub window: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Encoded options; length must be a multiple of 4 and at most 40.
    pub options: &'a [u8],
}

impl<'a> TcpRepr<'a> {
    /// The fields of a parsed segment.
    pub fn from_packet(p: &TcpPacket<'a>) -> Self {
        let h = p.header();
        TcpRepr {
            src_port: h.src_port(),
            dst_port: h.dst_port(),
            seq: h.seq(),
            ack: h.ack(),
            flags: h.flags,
            window: h.window(),
            urgent: h.urgent(),
            options: p.options_raw(),
        }
    }

    /// 20 + options.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len()
    }

    /// Writes the header and options with a zero checksum; fill it with
    /// [`fill_checksum_v4`]/[`fill_checksum_v6`] once the payload is in place.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let hl = self.header_len();
        if !self.options.len().is_multiple_of(4) || hl > MAX_HEADER_LEN {
            return Err(WireError::BadHeaderLen {
                layer: Layer::Tcp,
                value: hl,
            });
        }
        WireError::check_room(Layer::Tcp, hl, buf.len())?;
        let (h, rest) = TcpHeader::split_from_mut(buf)?;
        *h = TcpHeader {
            src_port: U16::new(self.src_port),
            dst_port: U16::new(self.dst_port),
            seq: U32::new(self.seq),
            ack: U32::new(self.ack),
            data_offset: ((hl / 4) as u8) << 4,
            flags: self.flags,
            window: U16::new(self.window),
            checksum: U16::ZERO,
            urgent: U16::new(self.urgent),
        };
        rest[..self.options.len()].copy_from_slice(self.options);
        Ok(hl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    // scapy: bytes(IP(src='10.0.0.1',dst='10.0.0.2')/TCP(sport=40000,dport=80,seq=1,ack=2,
    //   flags='PA',window=512,options=[('MSS',1460),('NOP',None),('WScale',7),('SAckOK',b''),
    //   ('Timestamp',(1,2))])/b'GET')[20:]
    const SEG: &str =
        "9c4000500000000100000002a0180200fa080000020405b4010303070402080a0000000100000002474554";
    // scapy: bytes(IPv6(src='2001:db8::1',dst='2001:db8::2')/TCP(sport=40000,dport=80,seq=1,ack=2,
    //   flags='S',window=512))[40:]
    const SYN6: &str = "9c400050000000010000000250020200b5da0000";

    #[test]
    fn scapy_segment() {
        let b = hex(SEG);
        let p = TcpPacket::parse(&b).unwrap();
        assert_eq!((p.src_port(), p.dst_port()), (40000, 80));
        assert_eq!(p.flags(), flags::PSH | flags::ACK);
        assert_eq!(p.payload(), b"GET");
        let opts: std::vec::Vec<_> = p.options().collect();
        assert_eq!(
            opts,
            [
                TcpOption::Mss(1460),
                TcpOption::Nop,
                TcpOption::WindowScale(7),
                TcpOption::SackPermitted,
                TcpOption::Timestamps { value: 1, echo: 2 }
            ]
        );
        assert!(p.verify_checksum_v4([10, 0, 0, 1], [10, 0, 0, 2]));
        let mut out = std::vec![0u8; b.len()];
        let n = TcpRepr::from_packet(&p).emit(&mut out).unwrap();
        out[n..].copy_from_slice(p.payload());
        fill_checksum_v4(&mut out, [10, 0, 0, 1], [10, 0, 0, 2]).unwrap();
        assert_eq!(out, b);
    }

    #[test]
    fn scapy_syn_v6() {
        let b = hex(SYN6);
        let s: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let mut d = s;
        d[15] = 2;
        let p = TcpPacket::parse(&b).unwrap();
        assert!(p.verify_checksum_v6(&s, &d));
        let mut c = b.clone();
        fill_checksum_v6(&mut c, &s, &d).unwrap();
        assert_eq!(c, b);
    }

    #[test]
    fn malformed() {
        let mut b = hex(SEG);
        b[12] = 0x40; // data offset 4
        assert_eq!(
            TcpPacket::parse(&b).unwrap_err(),
            WireError::BadHeaderLen {
                layer: Layer::Tcp,
                value: 16
            }
        );
        b[12] = 0xf0; // 60 > 43
        assert!(matches!(
            TcpPacket::parse(&b),
            Err(WireError::Truncated { need: 60, .. })
        ));
        let mut b = hex(SEG);
        b[21] = 5; // MSS length 5
        assert_eq!(
            TcpPacket::parse(&b).unwrap_err(),
            WireError::BadOption {
                layer: Layer::Tcp,
                offset: 20
            }
        );
        let mut b = hex(SEG);
        b[31] = 0; // timestamp option length 0
        assert!(matches!(
            TcpPacket::parse(&b),
            Err(WireError::BadOption { offset: 30, .. })
        ));
        assert!(matches!(
            TcpPacket::parse(&b[..19]),
            Err(WireError::Truncated { .. })
        ));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok(p) = TcpPacket::parse(&data) {
                prop_assert!(p.header().header_len() + p.payload().len() == data.len());
                for _ in p.options() {}
            }
        }

        #[test]
        fn roundtrip(sp in any::<u16>(), dp in any::<u16>(), seq in any::<u32>(), fl in any::<u8>(), nopts in 0usize..10) {
            let opts = std::vec![1u8; nopts * 4];
            let r = TcpRepr { src_port: sp, dst_port: dp, seq, ack: !seq, flags: fl, window: 7, urgent: 0, options: &opts };
            let mut buf = std::vec![0u8; r.header_len() + 3];
            r.emit(&mut buf).unwrap();
            fill_checksum_v4(&mut buf, [1, 1, 1, 1], [2, 2, 2, 2]).unwrap();
            let p = TcpPacket::parse(&buf).unwrap();
            prop_assert_eq!(TcpRepr::from_packet(&p), r);
            prop_assert!(p.verify_checksum_v4([1, 1, 1, 1], [2, 2, 2, 2]));
        }
    }
}
