//! IPv6 (RFC 8200): fixed header, and the walk through extension headers to the upper layer.
//!
//! `parse` checks the version and that the payload length fits the buffer (bytes after it are
//! link padding), then walks Hop-by-Hop (only first, §4.1), Routing, Fragment, Destination
//! Options and AH headers, validating each one's length and, for the two options headers, the
//! TLV options inside (§4.2). ESP and No Next Header end the walk: what follows is opaque.

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{ip_proto, Header, Layer, WireError};

/// Fixed header length.
pub const HEADER_LEN: usize = 40;
/// The version field's value.
pub const VERSION: u8 = 6;
/// Most extension headers the walk accepts before giving up with `TooDeep` (Linux and DPDK cap
/// the chain similarly; RFC 8200 §4.1 recommends each appear at most once or twice).
pub const MAX_EXT_HEADERS: usize = 8;
/// Fragment header length (RFC 8200 §4.5).
pub const FRAG_HEADER_LEN: usize = 8;
/// Pad1 option (RFC 8200 §4.2).
pub const OPT_PAD1: u8 = 0;
/// PadN option (RFC 8200 §4.2).
pub const OPT_PADN: u8 = 1;

/// The fixed IPv6 header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct Ipv6Header {
    /// Version (4), traffic class (8), flow label (20).
    pub ver_tc_flow: U32,
    /// Length of everything after this header.
    pub payload_len: U16,
    /// First next-header value.
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Source address.
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
}

impl Header for Ipv6Header {
    const LAYER: Layer = Layer::Ipv6;
}

impl Ipv6Header {
    /// Version field.
    #[inline]
    pub fn version(&self) -> u8 {
        (self.ver_tc_flow.get() >> 28) as u8
    }
    /// Traffic class (DSCP and ECN).
    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (self.ver_tc_flow.get() >> 20) as u8
    }
    /// Flow label (20 bits).
    #[inline]
    pub fn flow_label(&self) -> u32 {
        self.ver_tc_flow.get() & 0x000f_ffff
    }
    /// Payload length.
    #[inline]
    pub fn payload_len(&self) -> u16 {
        self.payload_len.get()
    }
    /// Sets traffic class.
    #[inline]
    pub fn set_traffic_class(&mut self, tc: u8) {
        let v = self.ver_tc_flow.get();
        self.ver_tc_flow
            .set((v & 0xf00f_ffff) | (u32::from(tc) << 20))
    }
    /// Sets the flow label.
    #[inline]
    pub fn set_flow_label(&mut self, fl: u32) {
        let v = self.ver_tc_flow.get();
        self.ver_tc_flow.set((v & 0xfff0_0000) | (fl & 0x000f_ffff))
    }
    /// Sets the payload length.
    #[inline]
    pub fn set_payload_len(&mut self, v: u16) {
        self.payload_len.set(v)
    }
}

/// What the fragment header said (RFC 8200 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FragmentInfo {
    /// Offset of this fragment's data in bytes.
    pub offset: u16,
    /// More fragments follow.
    pub more: bool,
    /// Identification.
    pub ident: u32,
}

/// The result of walking the extension headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtWalk {
    /// The upper-layer protocol (the last next-header value).
    pub upper_proto: u8,
    /// Offset of the upper layer from the start of the walked bytes.
    pub upper_off: usize,
    /// Number of extension headers walked.
    pub count: u8,
    /// The fragment header, if one was present.
    pub frag: Option<FragmentInfo>,
}

/// True for next-header values that are extension headers this walk steps over.
#[inline(always)]
pub const fn is_ext_header(nh: u8) -> bool {
    matches!(
        nh,
        ip_proto::HOPOPT
            | ip_proto::IPV6_ROUTE
            | ip_proto::IPV6_FRAG
            | ip_proto::IPV6_OPTS
            | ip_proto::AH
    )
}

/// Validates the TLV options of a Hop-by-Hop or Destination Options header (`opts` = the bytes
/// after its 2-byte prefix); `base` is the header's offset for error reporting.
fn validate_tlv_options(opts: &[u8], base: usize) -> Result<(), WireError> {
    let mut i = 0usize;
    while i < opts.len() {
        if opts[i] == OPT_PAD1 {
            i += 1;
            continue;
        }
        let offset = base + 2 + i;
        let len = *opts.get(i + 1).ok_or(WireError::BadOption {
            layer: Layer::Ipv6Ext,
            offset,
        })?;
        i += 2 + usize::from(len);
        if i > opts.len() {
            return Err(WireError::BadOption {
                layer: Layer::Ipv6Ext,
                offset,
            });
        }
    }
    Ok(())
}

/// Walks extension headers starting with next-header value `first` over `buf` (the bytes after
/// the fixed header, bounded by the payload length). Stops at the first non-extension value.
#[inline]
pub fn walk_ext_headers(first: u8, buf: &[u8]) -> Result<ExtWalk, WireError> {
    let mut walk = ExtWalk {
        upper_proto: first,
        ..ExtWalk::default()
    };
    if !is_ext_header(first) {
        return Ok(walk);
    }
    let mut nh = first;
    let mut off = 0usize;
    while is_ext_header(nh) {
        if usize::from(walk.count) == MAX_EXT_HEADERS {
            return Err(WireError::TooDeep {
                layer: Layer::Ipv6Ext,
            });
        }
        if nh == ip_proto::HOPOPT && walk.count != 0 {
            return Err(WireError::BadField {
                layer: Layer::Ipv6Ext,
                field: "hop-by-hop not first",
            });
        }
        let rest = buf.get(off..).unwrap_or(&[]);
        WireError::check_len(Layer::Ipv6Ext, 2, rest.len())?;
        let len = match nh {
            ip_proto::IPV6_FRAG => FRAG_HEADER_LEN,
            // AH: payload length in 4-octet units minus 2 (RFC 4302 §2.2).
            ip_proto::AH => (usize::from(rest[1]) + 2) * 4,
            // Hdr Ext Len in 8-octet units, not counting the first 8 (RFC 8200 §4.3-4.6).
            _ => (usize::from(rest[1]) + 1) * 8,
        };
        WireError::check_len(Layer::Ipv6Ext, len, rest.len())?;
        let hdr = &rest[..len];
        match nh {
            ip_proto::HOPOPT | ip_proto::IPV6_OPTS => {
                validate_tlv_options(&hdr[2..], HEADER_LEN + off)?
            }
            ip_proto::IPV6_FRAG => {
                let fo = u16::from_be_bytes([hdr[2], hdr[3]]);
                walk.frag = Some(FragmentInfo {
                    offset: fo & 0xfff8,
                    more: fo & 1 != 0,
                    ident: u32::from_be_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]),
                });
            }
            _ => {}
        }
        nh = hdr[0];
        off += len;
        walk.count += 1;
        // A later fragment carries no upper-layer header, whatever the next-header says.
        if matches!(walk.frag, Some(f) if f.offset != 0) {
            break;
        }
    }
    walk.upper_proto = nh;
    walk.upper_off = off;
    Ok(walk)
}

/// A validated IPv6 packet.
#[derive(Debug, Clone, Copy)]
pub struct Ipv6Packet<'a> {
    header: &'a Ipv6Header,
    /// Everything after the fixed header, up to payload length.
    payload: &'a [u8],
    walk: ExtWalk,
}

/// Checks version and payload length against `have` bytes after the fixed header.
#[inline(always)]
pub(crate) fn check_header(h: &Ipv6Header, have: usize) -> Result<usize, WireError> {
    if h.version() != VERSION {
        return Err(WireError::BadVersion {
            layer: Layer::Ipv6,
            value: h.version(),
        });
    }
    let plen = usize::from(h.payload_len());
    WireError::check_len(Layer::Ipv6, HEADER_LEN + plen, HEADER_LEN + have)?;
    Ok(plen)
}

impl<'a> Ipv6Packet<'a> {
    /// Parses the header and walks the extension headers.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, rest) = Ipv6Header::split_from(buf)?;
        let plen = check_header(header, rest.len())?;
        let payload = &rest[..plen];
        let walk = walk_ext_headers(header.next_header, payload)?;
        Ok(Ipv6Packet {
            header,
            payload,
            walk,
        })
    }

    /// The fixed header.
    #[inline]
    pub fn header(&self) -> &'a Ipv6Header {
        self.header
    }
    /// Source address.
    #[inline]
    pub fn src(&self) -> [u8; 16] {
        self.header.src
    }
    /// Destination address.
    #[inline]
    pub fn dst(&self) -> [u8; 16] {
        self.header.dst
    }
    /// Everything after the fixed header (extension headers included), up to payload length.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
    /// The extension-header walk.
    #[inline]
    pub fn ext(&self) -> &ExtWalk {
        &self.walk
    }
    /// The upper-layer protocol after the extension headers.
    #[inline]
    pub fn upper_protocol(&self) -> u8 {
        self.walk.upper_proto
    }
    /// The upper-layer bytes (for a later fragment: the fragment data).
    #[inline]
    pub fn upper_payload(&self) -> &'a [u8] {
        // upper_off <= payload.len(): every header walked was length-checked.
        &self.payload[self.walk.upper_off..]
    }
    /// The extension headers, in order.
    pub fn ext_headers(&self) -> ExtHeaders<'a> {
        ExtHeaders {
            nh: self.header.next_header,
            rest: &self.payload[..self.walk.upper_off],
        }
    }
}

/// One extension header: its type (the next-header value that introduced it) and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeader<'a> {
    /// Protocol number of this header (0, 43, 44, 51, 60).
    pub kind: u8,
    /// The whole header, next-header byte included.
    pub bytes: &'a [u8],
}

/// Iterator over already-validated extension headers.
#[derive(Debug, Clone)]
pub struct ExtHeaders<'a> {
    nh: u8,
    rest: &'a [u8],
}

impl<'a> Iterator for ExtHeaders<'a> {
    type Item = ExtHeader<'a>;
    fn next(&mut self) -> Option<ExtHeader<'a>> {
        if self.rest.len() < 2 || !is_ext_header(self.nh) {
            return None;
        }
        let len = match self.nh {
            ip_proto::IPV6_FRAG => FRAG_HEADER_LEN,
            ip_proto::AH => (usize::from(self.rest[1]) + 2) * 4,
            _ => (usize::from(self.rest[1]) + 1) * 8,
        };
        let bytes = self.rest.get(..len)?;
        let item = ExtHeader {
            kind: self.nh,
            bytes,
        };
        self.nh = bytes[0];
        self.rest = &self.rest[len..];
        Some(item)
    }
}

/// IPv6 fixed-header fields as host values (no extension headers are emitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Repr {
    /// Source address.
    pub src: [u8; 16],
    /// Destination address.
    pub dst: [u8; 16],
    /// Next header.
    pub next_header: u8,
    /// Payload length.
    pub payload_len: u16,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class.
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
}

impl Ipv6Repr {
    /// The fixed-header fields of a parsed packet.
    pub fn from_packet(p: &Ipv6Packet<'_>) -> Self {
        let h = p.header();
        Ipv6Repr {
            src: h.src,
            dst: h.dst,
            next_header: h.next_header,
            payload_len: h.payload_len(),
            hop_limit: h.hop_limit,
            traffic_class: h.traffic_class(),
            flow_label: h.flow_label(),
        }
    }

    /// Always [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the 40-byte header at the start of `buf`.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        WireError::check_room(Layer::Ipv6, HEADER_LEN, buf.len())?;
        let (h, _) = Ipv6Header::split_from_mut(buf)?;
        *h = Ipv6Header {
            ver_tc_flow: U32::new(
                (u32::from(VERSION) << 28)
                    | (u32::from(self.traffic_class) << 20)
                    | (self.flow_label & 0x000f_ffff),
            ),
            payload_len: U16::new(self.payload_len),
            next_header: self.next_header,
            hop_limit: self.hop_limit,
            src: self.src,
            dst: self.dst,
        };
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    // scapy: bytes(IPv6(src='2001:db8::1',dst='2001:db8::2',hlim=64,fl=0x12345,tc=0xb8)
    //   /IPv6ExtHdrHopByHop(options=[RouterAlert()])/IPv6ExtHdrDestOpt()
    //   /IPv6ExtHdrRouting(addresses=['2001:db8::99'])
    //   /IPv6ExtHdrFragment(offset=0,m=1,id=0xdeadbeef)/UDP(sport=1,dport=2)/b'xy')
    const EXT: &str = "6b812345003a004020010db800000000000000000000000120010db80000000000000000000000023c000502000001002b000104000000002c0200010000000020010db800000000000000000000009911000001deadbeef00010002000a2b527879";

    #[test]
    fn scapy_extension_chain() {
        let b = hex(EXT);
        let p = Ipv6Packet::parse(&b).unwrap();
        assert_eq!(p.header().traffic_class(), 0xb8);
        assert_eq!(p.header().flow_label(), 0x12345);
        assert_eq!(p.header().hop_limit, 64);
        assert_eq!(p.upper_protocol(), ip_proto::UDP);
        assert_eq!(p.ext().count, 4);
        assert_eq!(
            p.ext().frag,
            Some(FragmentInfo {
                offset: 0,
                more: true,
                ident: 0xdeadbeef
            })
        );
        assert_eq!(p.upper_payload().len(), 10);
        let kinds: std::vec::Vec<u8> = p.ext_headers().map(|h| h.kind).collect();
        assert_eq!(kinds, [0, 60, 43, 44]);
        let mut out = [0u8; 40];
        Ipv6Repr::from_packet(&p).emit(&mut out).unwrap();
        assert_eq!(out[..], b[..40]);
    }

    #[test]
    fn malformed_chains() {
        let b = hex(EXT);
        // Payload length beyond the buffer.
        assert!(matches!(
            Ipv6Packet::parse(&b[..97]),
            Err(WireError::Truncated {
                layer: Layer::Ipv6,
                ..
            })
        ));
        // Version 4.
        let mut v = b.clone();
        v[0] = 0x4b;
        assert!(matches!(
            Ipv6Packet::parse(&v),
            Err(WireError::BadVersion { value: 4, .. })
        ));
        // Hop-by-hop ext len pointing past the end.
        let mut v = b.clone();
        v[41] = 20;
        assert!(matches!(
            Ipv6Packet::parse(&v),
            Err(WireError::Truncated {
                layer: Layer::Ipv6Ext,
                ..
            })
        ));
        // Router alert option length overrunning its header.
        let mut v = b.clone();
        v[43] = 9;
        assert!(matches!(
            Ipv6Packet::parse(&v),
            Err(WireError::BadOption {
                layer: Layer::Ipv6Ext,
                offset: 42
            })
        ));
        // Dest-opts header says next is hop-by-hop: not first.
        let mut v = b.clone();
        v[48] = 0;
        assert!(matches!(
            Ipv6Packet::parse(&v),
            Err(WireError::BadField {
                layer: Layer::Ipv6Ext,
                ..
            })
        ));
    }

    #[test]
    fn too_many_ext_headers() {
        // 9 empty destination-options headers (8 bytes each: nh=60, len=0, PadN 4).
        let n = 9;
        let mut b = std::vec![0u8; 40 + 8 * n];
        Ipv6Repr {
            src: [0; 16],
            dst: [0; 16],
            next_header: 60,
            payload_len: (8 * n) as u16,
            hop_limit: 1,
            traffic_class: 0,
            flow_label: 0,
        }
        .emit(&mut b)
        .unwrap();
        for i in 0..n {
            b[40 + 8 * i..48 + 8 * i].copy_from_slice(&[
                if i + 1 == n { 59 } else { 60 },
                0,
                1,
                4,
                0,
                0,
                0,
                0,
            ]);
        }
        assert_eq!(
            Ipv6Packet::parse(&b).unwrap_err(),
            WireError::TooDeep {
                layer: Layer::Ipv6Ext
            }
        );
        b[40 + 8 * 7] = 59;
        assert_eq!(Ipv6Packet::parse(&b).unwrap().upper_protocol(), 59);
    }

    #[test]
    fn later_fragment_stops_walk() {
        let mut b = hex(EXT);
        // Fragment offset 8 bytes (field 1 << 3).
        b[82..84].copy_from_slice(&0x0009u16.to_be_bytes());
        let p = Ipv6Packet::parse(&b).unwrap();
        assert_eq!(p.ext().frag.unwrap().offset, 8);
        assert_eq!(p.upper_protocol(), ip_proto::UDP);
        assert_eq!(p.upper_payload().len(), 10);
    }

    proptest! {
        #[test]
        fn never_panics(mut data in proptest::collection::vec(any::<u8>(), 0..160), nh in prop::sample::select(std::vec![0u8, 43, 44, 51, 60, 6, 17])) {
            if data.len() >= 40 {
                data[0] = 0x60 | (data[0] & 0x0f);
                data[6] = nh;
                let plen = (data.len() - 40) as u16;
                data[4..6].copy_from_slice(&plen.to_be_bytes());
            }
            if let Ok(p) = Ipv6Packet::parse(&data) {
                prop_assert!(p.ext().upper_off <= p.payload().len());
                prop_assert_eq!(p.ext_headers().count(), usize::from(p.ext().count));
            }
        }
    }
}
