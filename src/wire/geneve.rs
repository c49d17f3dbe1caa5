//! GENEVE (RFC 8926 §3): the 8-byte base header, the variable-length options that follow it
//! and the encapsulated payload (UDP port 6081).
//!
//! ```text
//! |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//! |        Virtual Network Identifier (VNI)       |    Reserved   |
//! ~                    Variable-Length Options                    ~
//! ```
//!
//! Each option (§3.5) is `Option Class (16) | Type (8) | R R R Length (5)` followed by
//! Length × 4 bytes of data. `parse` checks the version (must be 0, §3.4), that Opt Len × 4
//! bytes of options are in the buffer, and that the options walk exactly to the end of the
//! options area; reserved bits are ignored on receive (§3.4). The C flag is not cross-checked
//! against the options' critical bits: a receiver that understands no option must drop a packet
//! with C set, and that is the caller's policy, not a parse error.

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Header, Layer, WireError};

/// Length of the base header (RFC 8926 §3.4).
pub const HEADER_LEN: usize = 8;
/// Largest options area: Opt Len is 6 bits of 4-byte words (RFC 8926 §3.4).
pub const MAX_OPTIONS_LEN: usize = 63 * 4;
/// Largest header, options included.
pub const MAX_HEADER_LEN: usize = HEADER_LEN + MAX_OPTIONS_LEN;
/// The only defined version (RFC 8926 §3.4).
pub const VERSION: u8 = 0;
/// Flags byte: O, control (OAM) packet (RFC 8926 §3.4).
pub const FLAG_OAM: u8 = 0x80;
/// Flags byte: C, critical options present (RFC 8926 §3.4).
pub const FLAG_CRITICAL: u8 = 0x40;
/// Length of an option's header: class, type, length (RFC 8926 §3.5).
pub const OPTION_HEADER_LEN: usize = 4;
/// Largest option data: Length is 5 bits of 4-byte words (RFC 8926 §3.5).
pub const MAX_OPTION_DATA_LEN: usize = 31 * 4;
/// Option type: the critical bit, the high bit of Type (RFC 8926 §3.5).
pub const OPTION_TYPE_CRITICAL: u8 = 0x80;
/// Largest VNI: 24 bits (RFC 8926 §3.4).
pub const VNI_MAX: u32 = 0x00ff_ffff;

/// The GENEVE base header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct GeneveHeader {
    /// Version (2 bits) and Opt Len (6 bits, in 4-byte words).
    pub ver_opt_len: u8,
    /// O (OAM), C (critical) and 6 reserved bits.
    pub flags: u8,
    /// EtherType of the payload (0x6558 for Ethernet).
    pub protocol_type: U16,
    /// VNI (upper 24 bits) and a reserved byte.
    pub vni_reserved: U32,
}

impl Header for GeneveHeader {
    const LAYER: Layer = Layer::Geneve;
}

impl GeneveHeader {
    /// Version field (2 bits).
    #[inline]
    pub fn version(&self) -> u8 {
        self.ver_opt_len >> 6
    }
    /// Length of the options area in bytes (Opt Len × 4).
    #[inline]
    pub fn options_len(&self) -> usize {
        usize::from(self.ver_opt_len & 0x3f) * 4
    }
    /// The O bit: an OAM / control packet.
    #[inline]
    pub fn oam(&self) -> bool {
        self.flags & FLAG_OAM != 0
    }
    /// The C bit: critical options present.
    #[inline]
    pub fn critical(&self) -> bool {
        self.flags & FLAG_CRITICAL != 0
    }
    /// Protocol type of the payload.
    #[inline]
    pub fn protocol_type(&self) -> u16 {
        self.protocol_type.get()
    }
    /// The 24-bit VNI.
    #[inline]
    pub fn vni(&self) -> u32 {
        self.vni_reserved.get() >> 8
    }
    /// Sets the VNI (low 24 bits used), keeping the reserved byte.
    #[inline]
    pub fn set_vni(&mut self, vni: u32) {
        let low = self.vni_reserved.get() & 0xff;
        self.vni_reserved.set(((vni & VNI_MAX) << 8) | low)
    }
    /// Sets the protocol type.
    #[inline]
    pub fn set_protocol_type(&mut self, v: u16) {
        self.protocol_type.set(v)
    }
    /// Sets or clears the O bit.
    #[inline]
    pub fn set_oam(&mut self, on: bool) {
        self.flags = (self.flags & !FLAG_OAM) | if on { FLAG_OAM } else { 0 }
    }
    /// Sets or clears the C bit.
    #[inline]
    pub fn set_critical(&mut self, on: bool) {
        self.flags = (self.flags & !FLAG_CRITICAL) | if on { FLAG_CRITICAL } else { 0 }
    }
}

/// One GENEVE option (RFC 8926 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneveOption<'a> {
    /// Option class (namespace for the type, IANA registry).
    pub class: u16,
    /// Type; its high bit is the critical bit.
    pub opt_type: u8,
    /// Option data (Length × 4 bytes).
    pub data: &'a [u8],
}

impl GeneveOption<'_> {
    /// True when the type's critical bit is set (RFC 8926 §3.5).
    #[inline]
    pub fn is_critical(&self) -> bool {
        self.opt_type & OPTION_TYPE_CRITICAL != 0
    }
}

/// Decodes the option at the start of `rest` (the rest of the options area); `offset` is its
/// offset from the start of the GENEVE header. `None` when the area is exhausted.
#[inline]
fn next_option(rest: &[u8], offset: usize) -> Result<Option<(GeneveOption<'_>, usize)>, WireError> {
    if rest.is_empty() {
        return Ok(None);
    }
    let bad = WireError::BadOption {
        layer: Layer::Geneve,
        offset,
    };
    let hdr = rest.get(..OPTION_HEADER_LEN).ok_or(bad)?;
    let data_len = usize::from(hdr[3] & 0x1f) * 4;
    let used = OPTION_HEADER_LEN + data_len;
    let data = rest.get(OPTION_HEADER_LEN..used).ok_or(bad)?;
    Ok(Some((
        GeneveOption {
            class: u16::from_be_bytes([hdr[0], hdr[1]]),
            opt_type: hdr[2],
            data,
        },
        used,
    )))
}

/// Checks that `options` walks exactly to its end.
#[inline]
fn validate_options(mut rest: &[u8]) -> Result<(), WireError> {
    let mut offset = HEADER_LEN;
    while let Some((_, used)) = next_option(rest, offset)? {
        rest = rest.get(used..).unwrap_or(&[]);
        offset += used;
    }
    Ok(())
}

/// Iterator over the options of a validated packet.
#[derive(Debug, Clone)]
pub struct GeneveOptions<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Iterator for GeneveOptions<'a> {
    type Item = GeneveOption<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        match next_option(self.rest, self.offset) {
            Ok(Some((opt, used))) => {
                self.rest = self.rest.get(used..).unwrap_or(&[]);
                self.offset += used;
                Some(opt)
            }
            _ => None,
        }
    }
}

/// A validated GENEVE packet: base header, options and payload.
#[derive(Debug, Clone, Copy)]
pub struct GenevePacket<'a> {
    header: &'a GeneveHeader,
    options: &'a [u8],
    payload: &'a [u8],
}

impl<'a> GenevePacket<'a> {
    /// Parses the base header, checks the version and the options area length, and walks the
    /// options.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, rest) = GeneveHeader::split_from(buf)?;
        if header.version() != VERSION {
            return Err(WireError::BadVersion {
                layer: Layer::Geneve,
                value: header.version(),
            });
        }
        let opt_len = header.options_len();
        WireError::check_len(Layer::Geneve, HEADER_LEN + opt_len, buf.len())?;
        let (options, payload) = rest.split_at(opt_len);
        validate_options(options)?;
        Ok(GenevePacket {
            header,
            options,
            payload,
        })
    }

    /// The base header.
    #[inline]
    pub fn header(&self) -> &'a GeneveHeader {
        self.header
    }
    /// The 24-bit VNI.
    #[inline]
    pub fn vni(&self) -> u32 {
        self.header.vni()
    }
    /// Protocol type of the payload (EtherType; 0x6558 for Ethernet).
    #[inline]
    pub fn protocol_type(&self) -> u16 {
        self.header.protocol_type()
    }
    /// The O bit.
    #[inline]
    pub fn oam(&self) -> bool {
        self.header.oam()
    }
    /// The C bit.
    #[inline]
    pub fn critical(&self) -> bool {
        self.header.critical()
    }
    /// Base header plus options, in bytes.
    #[inline]
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len()
    }
    /// The options.
    #[inline]
    pub fn options(&self) -> GeneveOptions<'a> {
        GeneveOptions {
            rest: self.options,
            offset: HEADER_LEN,
        }
    }
    /// The raw (validated) options area.
    #[inline]
    pub fn options_bytes(&self) -> &'a [u8] {
        self.options
    }
    /// The encapsulated payload.
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// Writes one option TLV (class, type, length, data) at the start of `buf`; returns the bytes
/// written (4 + `data.len()`). `data` must be a multiple of 4 bytes and at most
/// [`MAX_OPTION_DATA_LEN`] (`BadLength` otherwise). The R bits are written as zero.
pub fn emit_option(
    buf: &mut [u8],
    class: u16,
    opt_type: u8,
    data: &[u8],
) -> Result<usize, WireError> {
    if !data.len().is_multiple_of(4) || data.len() > MAX_OPTION_DATA_LEN {
        return Err(WireError::BadLength {
            layer: Layer::Geneve,
            value: data.len(),
        });
    }
    let need = OPTION_HEADER_LEN + data.len();
    WireError::check_room(Layer::Geneve, need, buf.len())?;
    let (hdr, rest) = buf.split_at_mut(OPTION_HEADER_LEN);
    hdr[..2].copy_from_slice(&class.to_be_bytes());
    hdr[2] = opt_type;
    hdr[3] = (data.len() / 4) as u8;
    rest[..data.len()].copy_from_slice(data);
    Ok(need)
}

/// A GENEVE header as host values; `options` are raw, already-encoded TLVs (see
/// [`emit_option`]), a multiple of 4 bytes and at most [`MAX_OPTIONS_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GeneveRepr<'a> {
    /// The 24-bit VNI.
    pub vni: u32,
    /// Protocol type of the payload.
    pub protocol_type: u16,
    /// The O bit.
    pub oam: bool,
    /// The C bit.
    pub critical: bool,
    /// Encoded options.
    pub options: &'a [u8],
}

impl<'a> GeneveRepr<'a> {
    /// The fields and raw options of a parsed packet.
    pub fn from_packet(p: &GenevePacket<'a>) -> Self {
        GeneveRepr {
            vni: p.vni(),
            protocol_type: p.protocol_type(),
            oam: p.oam(),
            critical: p.critical(),
            options: p.options_bytes(),
        }
    }

    /// Base header plus options.
    pub const fn header_len(&self) -> usize {
        HEADER_LEN + self.options.len()
    }

    /// Writes the base header and the options at the start of `buf`; returns
    /// [`Self::header_len`]. Refuses a VNI over 24 bits (`BadField "vni"`), an options area that
    /// is not a multiple of 4 or over 252 bytes (`BadHeaderLen`) or that does not walk
    /// (`BadOption`), so that what is emitted parses.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        if self.vni > VNI_MAX {
            return Err(WireError::BadField {
                layer: Layer::Geneve,
                field: "vni",
            });
        }
        let opt_len = self.options.len();
        if !opt_len.is_multiple_of(4) || opt_len > MAX_OPTIONS_LEN {
            return Err(WireError::BadHeaderLen {
                layer: Layer::Geneve,
                value: HEADER_LEN + opt_len,
            });
        }
        validate_options(self.options)?;
        let len = self.header_len();
        WireError::check_room(Layer::Geneve, len, buf.len())?;
        let (h, rest) = GeneveHeader::split_from_mut(buf)?;
        *h = GeneveHeader {
            ver_opt_len: (opt_len / 4) as u8,
            flags: if self.oam { FLAG_OAM } else { 0 }
                | if self.critical { FLAG_CRITICAL } else { 0 },
            protocol_type: U16::new(self.protocol_type),
            vni_reserved: U32::new(self.vni << 8),
        };
        rest[..opt_len].copy_from_slice(self.options);
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // scapy (scapy.contrib.geneve):
    // bytes(GENEVE(vni=0x123456, proto=0x6558, options=[
    //     GeneveOptions(classid=0x0102, type=0x80, data=b'\x01\x02\x03\x04'),
    //     GeneveOptions(classid=0xffff, type=3, data=b'')])
    //   / Ether(src='fa:16:3e:00:00:01', dst='fa:16:3e:00:00:02'))
    const WITH_OPTS: [u8; 34] = [
        0x03, 0x00, 0x65, 0x58, 0x12, 0x34, 0x56, 0x00, 0x01, 0x02, 0x80, 0x01, 0x01, 0x02, 0x03,
        0x04, 0xff, 0xff, 0x03, 0x00, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02, 0xfa, 0x16, 0x3e, 0x00,
        0x00, 0x01, 0x90, 0x00,
    ];
    // scapy: bytes(GENEVE(vni=7, proto=0x0800, oam=1, critical=1))
    const FLAGS: [u8; 8] = [0x00, 0xc0, 0x08, 0x00, 0x00, 0x00, 0x07, 0x00];

    #[test]
    fn scapy_vectors() {
        let p = GenevePacket::parse(&WITH_OPTS).unwrap();
        assert_eq!(p.vni(), 0x12_3456);
        assert_eq!(p.protocol_type(), 0x6558);
        assert!(!p.oam() && !p.critical());
        assert_eq!(p.header_len(), 20);
        assert_eq!(p.payload(), &WITH_OPTS[20..]);
        let opts: std::vec::Vec<_> = p.options().collect();
        assert_eq!(
            opts,
            [
                GeneveOption {
                    class: 0x0102,
                    opt_type: 0x80,
                    data: &[1, 2, 3, 4]
                },
                GeneveOption {
                    class: 0xffff,
                    opt_type: 3,
                    data: &[]
                }
            ]
        );
        assert!(opts[0].is_critical() && !opts[1].is_critical());

        let q = GenevePacket::parse(&FLAGS).unwrap();
        assert!(q.oam() && q.critical());
        assert_eq!((q.vni(), q.protocol_type(), q.header_len()), (7, 0x0800, 8));
        assert_eq!(q.options().count(), 0);

        // Emit the same bytes, building the options with emit_option.
        let mut opts = [0u8; 12];
        let n = emit_option(&mut opts, 0x0102, 0x80, &[1, 2, 3, 4]).unwrap();
        let m = emit_option(&mut opts[n..], 0xffff, 3, &[]).unwrap();
        assert_eq!(n + m, 12);
        let r = GeneveRepr {
            vni: 0x12_3456,
            protocol_type: 0x6558,
            oam: false,
            critical: false,
            options: &opts,
        };
        assert_eq!(GeneveRepr::from_packet(&p), r);
        let mut out = [0u8; 20];
        assert_eq!(r.emit(&mut out), Ok(20));
        assert_eq!(out, WITH_OPTS[..20]);
        let mut out = [0u8; 8];
        GeneveRepr::from_packet(&q).emit(&mut out).unwrap();
        assert_eq!(out, FLAGS);
    }

    #[test]
    fn truncated_at_every_length() {
        for n in 0..20 {
            let e = GenevePacket::parse(&WITH_OPTS[..n]).unwrap_err();
            let need = if n < 8 { 8 } else { 20 };
            assert_eq!(
                e,
                WireError::Truncated {
                    layer: Layer::Geneve,
                    need,
                    have: n
                }
            );
        }
        assert!(GenevePacket::parse(&WITH_OPTS[..20]).is_ok());
    }

    #[test]
    fn malformed() {
        // Version 1.
        let mut b = WITH_OPTS;
        b[0] |= 0x40;
        assert_eq!(
            GenevePacket::parse(&b).unwrap_err(),
            WireError::BadVersion {
                layer: Layer::Geneve,
                value: 1
            }
        );
        // Opt Len past the end of the packet: 63 words = 252 bytes.
        let mut b = WITH_OPTS;
        b[0] = 0x3f;
        assert_eq!(
            GenevePacket::parse(&b).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Geneve,
                need: 260,
                have: 34
            }
        );
        // First option claims 2 words of data: crosses the end of the 12-byte area.
        let mut b = WITH_OPTS;
        b[11] = 0x03; // 12 data bytes from offset 8: ends at 24 > 20
        assert_eq!(
            GenevePacket::parse(&b).unwrap_err(),
            WireError::BadOption {
                layer: Layer::Geneve,
                offset: 8
            }
        );
        // The second option claims data it does not have.
        let mut b = WITH_OPTS;
        b[19] = 0x01;
        assert_eq!(
            GenevePacket::parse(&b).unwrap_err(),
            WireError::BadOption {
                layer: Layer::Geneve,
                offset: 16
            }
        );
        // Opt Len 1 word holds the first option's header but not its data.
        let mut b = WITH_OPTS;
        b[0] = 0x01;
        assert!(matches!(
            GenevePacket::parse(&b),
            Err(WireError::BadOption { offset: 8, .. })
        ));
        // Opt Len 3 words with a 3-byte tail: an option header cut by the area's end.
        let mut b = WITH_OPTS;
        b[0] = 0x02; // area = the first option exactly: fine, the second is payload now
        let p = GenevePacket::parse(&b).unwrap();
        assert_eq!((p.options().count(), p.header_len()), (1, 16));
        // Reserved bits (flags, option R bits, VNI reserved byte) are ignored.
        let mut b = WITH_OPTS;
        b[1] = 0x3f;
        b[7] = 0xff;
        b[11] |= 0xe0;
        let p = GenevePacket::parse(&b).unwrap();
        assert_eq!(p.options().next().unwrap().data, &[1, 2, 3, 4]);
        assert!(!p.oam() && !p.critical());
    }

    #[test]
    fn emit_refusals() {
        let base = GeneveRepr {
            vni: 1,
            protocol_type: 0x6558,
            oam: false,
            critical: true,
            options: &[],
        };
        assert!(matches!(
            GeneveRepr {
                vni: 1 << 24,
                ..base
            }
            .emit(&mut [0u8; 8]),
            Err(WireError::BadField { field: "vni", .. })
        ));
        assert!(matches!(
            GeneveRepr {
                options: &[0, 1, 2],
                ..base
            }
            .emit(&mut [0u8; 16]),
            Err(WireError::BadHeaderLen { value: 11, .. })
        ));
        let big = [0u8; 256];
        assert!(matches!(
            GeneveRepr {
                options: &big,
                ..base
            }
            .emit(&mut [0u8; 300]),
            Err(WireError::BadHeaderLen { value: 264, .. })
        ));
        // 252 bytes of empty options (63 × 4-byte headers) is the maximum and fine.
        let max = [0u8; MAX_OPTIONS_LEN];
        let r = GeneveRepr {
            options: &max,
            ..base
        };
        let mut out = [0u8; MAX_HEADER_LEN];
        assert_eq!(r.emit(&mut out), Ok(MAX_HEADER_LEN));
        assert_eq!(GenevePacket::parse(&out).unwrap().options().count(), 63);
        // Options that do not walk.
        assert!(matches!(
            GeneveRepr {
                options: &[0, 0, 0, 1],
                ..base
            }
            .emit(&mut [0u8; 16]),
            Err(WireError::BadOption { offset: 8, .. })
        ));
        assert!(matches!(
            base.emit(&mut [0u8; 7]),
            Err(WireError::BufferTooSmall { need: 8, .. })
        ));
        assert!(matches!(
            emit_option(&mut [0u8; 8], 1, 1, &[0; 5]),
            Err(WireError::BadLength { value: 5, .. })
        ));
        assert!(matches!(
            emit_option(&mut [0u8; 200], 1, 1, &[0; 128]),
            Err(WireError::BadLength { value: 128, .. })
        ));
        assert!(matches!(
            emit_option(&mut [0u8; 7], 1, 1, &[0; 4]),
            Err(WireError::BufferTooSmall { need: 8, .. })
        ));
    }

    #[test]
    fn setters() {
        let mut b = FLAGS;
        let (h, _) = GeneveHeader::split_from_mut(&mut b).unwrap();
        h.set_oam(false);
        h.set_vni(0xab_cdef);
        h.set_protocol_type(0x86dd);
        h.set_critical(false);
        let p = GenevePacket::parse(&b).unwrap();
        assert_eq!(
            (p.vni(), p.protocol_type(), p.oam(), p.critical()),
            (0xab_cdef, 0x86dd, false, false)
        );
    }

    fn option_strategy() -> impl Strategy<Value = (u16, u8, std::vec::Vec<u8>)> {
        (
            any::<u16>(),
            any::<u8>(),
            (0usize..8).prop_flat_map(|w| proptest::collection::vec(any::<u8>(), w * 4)),
        )
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..96)) {
            match GenevePacket::parse(&data) {
                Ok(p) => {
                    prop_assert_eq!(p.header_len() + p.payload().len(), data.len());
                    let walked: usize = p.options().map(|o| 4 + o.data.len()).sum();
                    prop_assert_eq!(walked + HEADER_LEN, p.header_len());
                }
                Err(e) => prop_assert_eq!(e.layer(), Layer::Geneve),
            }
        }

        #[test]
        fn emit_parse_roundtrip(
            vni in 0..=VNI_MAX,
            pt in any::<u16>(),
            oam in any::<bool>(),
            critical in any::<bool>(),
            opts in proptest::collection::vec(option_strategy(), 0..6),
            payload in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let mut area = [0u8; MAX_OPTIONS_LEN];
            let mut n = 0;
            for (class, t, data) in &opts {
                n += emit_option(&mut area[n..], *class, *t, data).unwrap();
            }
            let r = GeneveRepr { vni, protocol_type: pt, oam, critical, options: &area[..n] };
            let mut buf = std::vec![0u8; r.header_len() + payload.len()];
            prop_assert_eq!(r.emit(&mut buf), Ok(r.header_len()));
            buf[r.header_len()..].copy_from_slice(&payload);
            let p = GenevePacket::parse(&buf).unwrap();
            prop_assert_eq!(GeneveRepr::from_packet(&p), r);
            prop_assert_eq!(p.payload(), &payload[..]);
            let got: std::vec::Vec<_> = p.options().map(|o| (o.class, o.opt_type, o.data.to_vec())).collect();
            prop_assert_eq!(got, opts);
        }
    }
}
