//! IPv4 (RFC 791): header, options, fragments, header checksum.
//!
//! `parse` checks version, IHL (≥ 5, within the buffer), total length (≥ IHL, within the
//! buffer) and walks the options (RFC 791 §3.1: EOL, NOP, then type-length-value). Bytes after
//! total length are Ethernet padding and are excluded from the payload, not an error.
//! The header checksum is verified only on request ([`Ipv4Packet::verify_checksum`]) because
//! NICs usually have.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::checksum;
use super::{Header, Layer, WireError};

/// Length of the header without options (IHL = 5).
pub const HEADER_LEN: usize = 20;
/// Largest header: IHL = 15.
pub const MAX_HEADER_LEN: usize = 60;
/// The version field's value.
pub const VERSION: u8 = 4;
/// Flags: Don't Fragment (RFC 791 §3.1).
pub const FLAG_DF: u16 = 0x4000;
/// Flags: More Fragments.
pub const FLAG_MF: u16 = 0x2000;
/// Mask of the fragment offset (in 8-byte units).
pub const FRAG_OFFSET_MASK: u16 = 0x1fff;
/// Option: End of Option List (RFC 791 §3.1).
pub const OPT_EOL: u8 = 0;
/// Option: No Operation.
pub const OPT_NOP: u8 = 1;

/// The fixed IPv4 header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct Ipv4Header {
    /// Version (4 bits) and IHL (4 bits, in 32-bit words).
    pub version_ihl: u8,
    /// DSCP (6 bits) and ECN (2 bits).
    pub tos: u8,
    /// Total length of header and payload.
    pub total_len: U16,
    /// Identification.
    pub ident: U16,
    /// Flags (3 bits) and fragment offset (13 bits).
    pub flags_frag: U16,
    /// Time to live.
    pub ttl: u8,
    /// Upper-layer protocol.
    pub protocol: u8,
    /// Header checksum.
    pub checksum: U16,
    /// Source address.
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
}

impl Header for Ipv4Header {
    const LAYER: Layer = Layer::Ipv4;
}

impl Ipv4Header {
    /// Version field.
    #[inline]
    pub fn version(&self) -> u8 {
        self.version_ihl >> 4
    }
    /// Header length in bytes (IHL × 4).
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.version_ihl & 0x0f) * 4
    }
    /// DSCP (upper 6 bits of the TOS byte, RFC 2474).
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.tos >> 2
    }
    /// ECN (lower 2 bits, RFC 3168).
    #[inline]
    pub fn ecn(&self) -> u8 {
        self.tos & 3
    }
    /// Total length.
    #[inline]
    pub fn total_len(&self) -> u16 {
        self.total_len.get()
    }
    /// Identification.
    #[inline]
    pub fn ident(&self) -> u16 {
        self.ident.get()
    }
    /// Don't Fragment.
    #[inline]
    pub fn dont_frag(&self) -> bool {
        self.flags_frag.get() & FLAG_DF != 0
    }
    /// More Fragments.
    #[inline]
    pub fn more_frags(&self) -> bool {
        self.flags_frag.get() & FLAG_MF != 0
    }
    /// Fragment offset in bytes.
    #[inline]
    pub fn frag_offset(&self) -> u16 {
        (self.flags_frag.get() & FRAG_OFFSET_MASK) << 3
    }
    /// True for any fragment (first, middle or last).
    #[inline]
    pub fn is_fragment(&self) -> bool {
        self.flags_frag.get() & (FLAG_MF | FRAG_OFFSET_MASK) != 0
    }
    /// Checksum field.
    #[inline]
    pub fn checksum(&self) -> u16 {
        self.checksum.get()
    }
    /// Sets the total length.
    #[inline]
    pub fn set_total_len(&mut self, v: u16) {
        self.total_len.set(v)
    }
    /// Sets TTL.
    #[inline]
    pub fn set_ttl(&mut self, v: u8) {
        self.ttl = v
    }
    /// Sets DSCP, keeping ECN.
    #[inline]
    pub fn set_dscp(&mut self, dscp: u8) {
        self.tos = (dscp << 2) | (self.tos & 3)
    }
    /// Sets the checksum field.
    #[inline]
    pub fn set_checksum(&mut self, v: u16) {
        self.checksum.set(v)
    }

    /// Decrements TTL and patches the checksum incrementally (RFC 1624), as a router does.
    /// Returns the new TTL; a TTL of 0 is left as is (the caller drops and sends ICMP).
    #[inline]
    pub fn decrement_ttl(&mut self) -> u8 {
        if self.ttl == 0 {
            return 0;
        }
        let old = u16::from_be_bytes([self.ttl, self.protocol]);
        self.ttl -= 1;
        let new = u16::from_be_bytes([self.ttl, self.protocol]);
        self.set_checksum(checksum::update_u16(self.checksum(), old, new));
        self.ttl
    }

    /// Rewrites the source address and patches the header checksum (RFC 1624).
    /// The caller patches the L4 checksum with [`checksum::update_u32`] too.
    #[inline]
    pub fn set_src_patch(&mut self, new: [u8; 4]) {
        self.set_checksum(checksum::update_u32(self.checksum(), self.src, new));
        self.src = new;
    }

    /// Rewrites the destination address and patches the header checksum (RFC 1624).
    #[inline]
    pub fn set_dst_patch(&mut self, new: [u8; 4]) {
        self.set_checksum(checksum::update_u32(self.checksum(), self.dst, new));
        self.dst = new;
    }
}

/// A validated IPv4 packet: header, options and payload (padding excluded).
#[derive(Debug, Clone, Copy)]
pub struct Ipv4Packet<'a> {
    header: &'a Ipv4Header,
    options: &'a [u8],
    payload: &'a [u8],
}

/// Checks version, IHL and total length against `have` bytes; returns (IHL bytes, total length).
#[inline(always)]
fn check_lengths(h: &Ipv4Header, have: usize) -> Result<(usize, usize), WireError> {
    if h.version() != VERSION {
        return Err(WireError::BadVersion {
            layer: Layer::Ipv4,
            value: h.version(),
        });
    }
    let ihl = h.header_len();
    if ihl < HEADER_LEN {
        return Err(WireError::BadHeaderLen {
            layer: Layer::Ipv4,
            value: ihl,
        });
    }
    WireError::check_len(Layer::Ipv4, ihl, have)?;
    let total = usize::from(h.total_len());
    if total < ihl {
        return Err(WireError::BadLength {
            layer: Layer::Ipv4,
            value: total,
        });
    }
    WireError::check_len(Layer::Ipv4, total, have)?;
    Ok((ihl, total))
}

impl<'a> Ipv4Packet<'a> {
    /// Parses and validates the header, options and lengths; does not verify the checksum.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, _) = Ipv4Header::split_from(buf)?;
        let (ihl, total) = check_lengths(header, buf.len())?;
        let options = &buf[HEADER_LEN..ihl];
        validate_options(options)?;
        Ok(Ipv4Packet {
            header,
            options,
            payload: &buf[ihl..total],
        })
    }

    /// The fixed header.
    #[inline]
    pub fn header(&self) -> &'a Ipv4Header {
        self.header
    }
    /// Raw option bytes (validated).
    #[inline]
    pub fn options(&self) -> Ipv4Options<'a> {
        Ipv4Options {
            rest: self.options,
            offset: HEADER_LEN,
        }
    }
    /// Payload, up to total length.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
    /// Source address.
    #[inline]
    pub fn src(&self) -> [u8; 4] {
        self.header.src
    }
    /// Destination address.
    #[inline]
    pub fn dst(&self) -> [u8; 4] {
        self.header.dst
    }
    /// Upper-layer protocol.
    #[inline]
    pub fn protocol(&self) -> u8 {
        self.header.protocol
    }
    /// Header length in bytes, options included.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header.header_len()
    }

    /// True if the header checksum (over header and options) verifies.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        let mut c = checksum::Checksum::new();
        c.add_bytes(self.header.as_bytes()).add_bytes(self.options);
        c.finish() == 0
    }
}

/// Computes and stores the header checksum of the IPv4 header at the start of `buf`
/// (validated like [`Ipv4Packet::parse`], except that only the header must be present).
pub fn fill_checksum(buf: &mut [u8]) -> Result<u16, WireError> {
    let (h, _) = Ipv4Header::split_from(buf)?;
    let ihl = h.header_len();
    if h.version() != VERSION {
        return Err(WireError::BadVersion {
            layer: Layer::Ipv4,
            value: h.version(),
        });
    }
    if ihl < HEADER_LEN {
        return Err(WireError::BadHeaderLen {
            layer: Layer::Ipv4,
            value: ihl,
        });
    }
    WireError::check_len(Layer::Ipv4, ihl, buf.len())?;
    buf[10] = 0;
    buf[11] = 0;
    let c = checksum::internet_checksum(&buf[..ihl]);
    buf[10..12].copy_from_slice(&c.to_be_bytes());
    Ok(c)
}

/// One IPv4 option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv4Option<'a> {
    /// No Operation (type 1).
    Nop,
    /// Any other option: its type and its data (after type and length).
    Other {
        /// Option type (copied flag, class, number).
        kind: u8,
        /// Option data.
        data: &'a [u8],
    },
}

/// Iterator over validated options; stops at End of Option List.
#[derive(Debug, Clone)]
pub struct Ipv4Options<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for Ipv4Options<'a> {
    type Item = Ipv4Option<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        match next_option(self.rest, self.offset) {
            Ok(Some((opt, used))) => {
                self.rest = &self.rest[used..];
                self.offset += used;
                Some(opt)
            }
            _ => None,
        }
    }
}

/// Decodes the option at the start of `rest`; `None` at EOL or end.
#[inline]
fn next_option(rest: &[u8], offset: usize) -> Result<Option<(Ipv4Option<'_>, usize)>, WireError> {
    match rest.first() {
        None | Some(&OPT_EOL) => Ok(None),
        Some(&OPT_NOP) => Ok(Some((Ipv4Option::Nop, 1))),
        Some(&kind) => {
            let len = usize::from(*rest.get(1).ok_or(WireError::BadOption {
                layer: Layer::Ipv4,
                offset,
            })?);
            if len < 2 || len > rest.len() {
                return Err(WireError::BadOption {
                    layer: Layer::Ipv4,
                    offset,
                });
            }
            Ok(Some((
                Ipv4Option::Other {
                    kind,
                    data: &rest[2..len],
                },
                len,
            )))
        }
    }
}

#[inline]
fn validate_options(mut rest: &[u8]) -> Result<(), WireError> {
    let mut offset = HEADER_LEN;
    while let Some((_, used)) = next_option(rest, offset)? {
        rest = &rest[used..];
        offset += used;
    }
    Ok(())
}

/// IPv4 header fields as host values, for emitting a header without options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: [u8; 4],
    /// Destination address.
    pub dst: [u8; 4],
    /// Upper-layer protocol.
    pub protocol: u8,
    /// Payload length (total length − 20).
    pub payload_len: u16,
    /// Time to live.
    pub ttl: u8,
    /// DSCP and ECN byte.
    pub tos: u8,
    /// Identification.
    pub ident: u16,
    /// Don't Fragment.
    pub dont_frag: bool,
}

impl Ipv4Repr {
    /// The fields of a parsed packet (options are not carried).
    pub fn from_packet(p: &Ipv4Packet<'_>) -> Self {
        let h = p.header();
        Ipv4Repr {
            src: h.src,
            dst: h.dst,
            protocol: h.protocol,
            payload_len: p.payload().len() as u16,
            ttl: h.ttl,
            tos: h.tos,
            ident: h.ident(),
            dont_frag: h.dont_frag(),
        }
    }

    /// Always [`HEADER_LEN`]: the emitter writes no options.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes a 20-byte header with a correct checksum at the start of `buf`.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let total = usize::from(self.payload_len) + HEADER_LEN;
        if total > usize::from(u16::MAX) {
            return Err(WireError::BadLength {
                layer: Layer::Ipv4,
                value: total,
            });
        }
        let (h, _) = Ipv4Header::split_from_mut(buf).map_err(|_| WireError::BufferTooSmall {
            layer: Layer::Ipv4,
            need: HEADER_LEN,
            have: 0,
        })?;
        *h = Ipv4Header {
            version_ihl: 0x45,
            tos: self.tos,
            total_len: U16::new(total as u16),
            ident: U16::new(self.ident),
            flags_frag: U16::new(if self.dont_frag { FLAG_DF } else { 0 }),
            ttl: self.ttl,
            protocol: self.protocol,
            checksum: U16::ZERO,
            src: self.src,
            dst: self.dst,
        };
        let c = checksum::internet_checksum(h.as_bytes());
        h.set_checksum(c);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header from a real capture (Wikipedia's IPv4 checksum example), 0x73 = 115 bytes total.
    const HDR: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];

    fn packet(extra: usize) -> std::vec::Vec<u8> {
        let mut v = HDR.to_vec();
        v.resize(0x73 + extra, 0xee);
        v
    }

    #[test]
    fn parse_fields() {
        let buf = packet(4); // 4 bytes of Ethernet padding after total length
        let p = Ipv4Packet::parse(&buf).unwrap();
        assert_eq!(p.src(), [192, 168, 0, 1]);
        assert_eq!(p.dst(), [192, 168, 0, 199]);
        assert_eq!(p.protocol(), 17);
        assert_eq!(p.payload().len(), 0x73 - 20);
        assert!(p.header().dont_frag() && !p.header().is_fragment());
        assert!(p.verify_checksum());
        assert_eq!(p.options().count(), 0);
    }

    #[test]
    fn length_errors() {
        let buf = packet(0);
        assert!(matches!(
            Ipv4Packet::parse(&buf[..19]),
            Err(WireError::Truncated { need: 20, .. })
        ));
        assert!(matches!(
            Ipv4Packet::parse(&buf[..100]),
            Err(WireError::Truncated { need: 0x73, .. })
        ));
        let mut b = buf.clone();
        b[0] = 0x44;
        assert_eq!(
            Ipv4Packet::parse(&b).unwrap_err(),
            WireError::BadHeaderLen {
                layer: Layer::Ipv4,
                value: 16
            }
        );
        b[0] = 0x65;
        assert!(matches!(
            Ipv4Packet::parse(&b),
            Err(WireError::BadVersion { value: 6, .. })
        ));
        let mut b = buf.clone();
        b[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert!(matches!(
            Ipv4Packet::parse(&b),
            Err(WireError::BadLength { value: 19, .. })
        ));
        let mut b = buf.clone();
        b[0] = 0x4f; // IHL 60 > total 115? no: fine; make total 40 < 60
        b[2..4].copy_from_slice(&40u16.to_be_bytes());
        assert!(matches!(
            Ipv4Packet::parse(&b),
            Err(WireError::BadLength { value: 40, .. })
        ));
    }

    #[test]
    fn options_walk() {
        // IHL 7: NOP, Router Alert (RFC 2113: 0x94 len 4 value 0), EOL, padding.
        let mut b = packet(0);
        b[0] = 0x47;
        b.splice(20..20, [1u8, 0x94, 4, 0, 0, 0, 0, 0]);
        b[2..4].copy_from_slice(&(0x73u16 + 8).to_be_bytes());
        fill_checksum(&mut b).unwrap();
        let p = Ipv4Packet::parse(&b).unwrap();
        assert!(p.verify_checksum());
        let opts: std::vec::Vec<_> = p.options().collect();
        assert_eq!(
            opts,
            [
                Ipv4Option::Nop,
                Ipv4Option::Other {
                    kind: 0x94,
                    data: &[0, 0]
                }
            ]
        );
        // Overlong option length.
        b[22] = 9;
        assert!(matches!(
            Ipv4Packet::parse(&b),
            Err(WireError::BadOption { offset: 21, .. })
        ));
        // Zero length.
        b[22] = 0;
        assert!(matches!(
            Ipv4Packet::parse(&b),
            Err(WireError::BadOption { .. })
        ));
    }

    #[test]
    fn emit_matches_known_header() {
        let buf = packet(0);
        let p = Ipv4Packet::parse(&buf).unwrap();
        let r = Ipv4Repr::from_packet(&p);
        let mut out = [0u8; 20];
        assert_eq!(r.emit(&mut out), Ok(20));
        assert_eq!(out, HDR);
        assert!(r.emit(&mut [0u8; 19]).is_err());
    }

    #[test]
    fn ttl_and_nat_patches_verify() {
        let mut b = packet(0);
        let (h, _) = Ipv4Header::split_from_mut(&mut b).unwrap();
        assert_eq!(h.decrement_ttl(), 63);
        h.set_src_patch([100, 64, 0, 1]);
        h.set_dst_patch([10, 0, 0, 9]);
        let p = Ipv4Packet::parse(&b).unwrap();
        assert!(p.verify_checksum());
        let mut again = b.clone();
        fill_checksum(&mut again).unwrap();
        assert_eq!(again[10..12], b[10..12]);
    }

    #[test]
    fn fragments() {
        let mut b = packet(0);
        b[6..8].copy_from_slice(&(FLAG_MF | 3).to_be_bytes());
        let p = Ipv4Packet::parse(&b).unwrap();
        assert!(p.header().more_frags() && p.header().is_fragment());
        assert_eq!(p.header().frag_offset(), 24);
    }
}
