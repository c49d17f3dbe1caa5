//! VXLAN (RFC 7348 §5): the 8-byte header between the outer UDP header (port 4789) and the
//! inner Ethernet frame.
//!
//! ```text
//!  0                   1                   2                   3
//! |R|R|R|R|I|R|R|R|            Reserved                           |
//! |                VXLAN Network Identifier (VNI) |   Reserved    |
//! ```
//!
//! `parse` requires the I flag (RFC 7348 §5: "The I flag MUST be set to 1 for a valid VXLAN
//! Network ID") and ignores every reserved bit ("Reserved fields ... MUST be ignored on
//! receipt"), so VXLAN-GPE or GBP senders that set other bits still parse. The emitter writes
//! only the I flag and zero reserved fields.

use zerocopy::network_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Header, Layer, WireError};

/// Length of the VXLAN header (RFC 7348 §5).
pub const HEADER_LEN: usize = 8;
/// The I flag: the VNI is valid (RFC 7348 §5). Must be set on receive.
pub const FLAG_I: u8 = 0x08;
/// Largest VNI: 24 bits (RFC 7348 §5).
pub const VNI_MAX: u32 = 0x00ff_ffff;

/// The VXLAN header.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct VxlanHeader {
    /// Flags: only [`FLAG_I`] is defined; the others are reserved.
    pub flags: u8,
    /// Reserved (24 bits).
    pub reserved1: [u8; 3],
    /// VNI (upper 24 bits) and a reserved byte (lower 8 bits).
    pub vni_reserved: U32,
}

impl Header for VxlanHeader {
    const LAYER: Layer = Layer::Vxlan;
}

impl VxlanHeader {
    /// The 24-bit VXLAN Network Identifier.
    #[inline]
    pub fn vni(&self) -> u32 {
        self.vni_reserved.get() >> 8
    }
    /// Sets the VNI (only its low 24 bits are used), keeping the reserved byte.
    #[inline]
    pub fn set_vni(&mut self, vni: u32) {
        let low = self.vni_reserved.get() & 0xff;
        self.vni_reserved.set(((vni & VNI_MAX) << 8) | low)
    }
    /// True when the I flag is set.
    #[inline]
    pub fn vni_valid(&self) -> bool {
        self.flags & FLAG_I != 0
    }
}

/// A validated VXLAN packet: the header and the inner Ethernet frame.
#[derive(Debug, Clone, Copy)]
pub struct VxlanPacket<'a> {
    header: &'a VxlanHeader,
    payload: &'a [u8],
}

impl<'a> VxlanPacket<'a> {
    /// Parses the header: it must be present and carry the I flag; reserved bits are ignored.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, payload) = VxlanHeader::split_from(buf)?;
        if !header.vni_valid() {
            return Err(WireError::BadField {
                layer: Layer::Vxlan,
                field: "flags",
            });
        }
        Ok(VxlanPacket { header, payload })
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> &'a VxlanHeader {
        self.header
    }
    /// The 24-bit VNI.
    #[inline]
    pub fn vni(&self) -> u32 {
        self.header.vni()
    }
    /// The inner Ethernet frame (not parsed here).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// A VXLAN header as host values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanRepr {
    /// The 24-bit VNI.
    pub vni: u32,
}

impl VxlanRepr {
    /// The VNI of a parsed packet.
    pub fn from_packet(p: &VxlanPacket<'_>) -> Self {
        VxlanRepr { vni: p.vni() }
    }

    /// Always [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the 8-byte header (I flag, zero reserved fields) at the start of `buf`.
    /// A VNI wider than 24 bits is refused (`BadField "vni"`).
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        if self.vni > VNI_MAX {
            return Err(WireError::BadField {
                layer: Layer::Vxlan,
                field: "vni",
            });
        }
        WireError::check_room(Layer::Vxlan, HEADER_LEN, buf.len())?;
        let (h, _) = VxlanHeader::split_from_mut(buf)?;
        *h = VxlanHeader {
            flags: FLAG_I,
            reserved1: [0; 3],
            vni_reserved: U32::new(self.vni << 8),
        };
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::test_hex as hex;
    use proptest::prelude::*;

    // scapy: bytes(VXLAN(flags=0x08, vni=42)/Ether(src='fa:16:3e:00:00:01',dst='fa:16:3e:00:00:02')
    //              /IP(src='10.0.0.1',dst='10.0.0.2')/UDP(sport=1,dport=2))
    const PLAIN: &str = "0800000000002a00fa163e000002fa163e00000108004500001c00010000401166ce\
                         0a0000010a000002000100020008ebd8";
    // scapy: bytes(VXLAN(vni=42)/Ether(...)/IP(...)/UDP(...)) — scapy then sets the GPE P flag
    // (0x04) and Next Protocol 3 (Ethernet): reserved bits for RFC 7348, ignored on receive.
    const GPE: &str = "0c00000300002a00fa163e000002fa163e00000108004500001c00010000401166ce\
                       0a0000010a000002000100020008ebd8";
    // scapy: bytes(VXLAN(flags=0x08, vni=0xffffff))
    const MAX: [u8; 8] = [0x08, 0, 0, 0, 0xff, 0xff, 0xff, 0];

    #[test]
    fn scapy_vectors() {
        for s in [PLAIN, GPE] {
            let b = hex(s);
            let p = VxlanPacket::parse(&b).unwrap();
            assert_eq!(p.vni(), 42);
            assert_eq!(p.payload(), &b[8..]);
            assert_eq!(&p.payload()[..6], &[0xfa, 0x16, 0x3e, 0, 0, 2]);
            assert_eq!(p.header().vni(), 42);
        }
        let p = VxlanPacket::parse(&MAX).unwrap();
        assert_eq!(p.vni(), 0xff_ffff);
        assert!(p.payload().is_empty());

        let mut out = [0u8; 8];
        assert_eq!(VxlanRepr { vni: 42 }.emit(&mut out), Ok(8));
        assert_eq!(out[..], hex(PLAIN)[..8]);
        VxlanRepr { vni: 0xff_ffff }.emit(&mut out).unwrap();
        assert_eq!(out, MAX);
    }

    #[test]
    fn errors() {
        let b = hex(PLAIN);
        for n in 0..HEADER_LEN {
            assert_eq!(
                VxlanPacket::parse(&b[..n]).unwrap_err(),
                WireError::Truncated {
                    layer: Layer::Vxlan,
                    need: 8,
                    have: n
                }
            );
        }
        let mut b = b;
        b[0] = 0xf7; // every flag but I
        assert_eq!(
            VxlanPacket::parse(&b).unwrap_err(),
            WireError::BadField {
                layer: Layer::Vxlan,
                field: "flags"
            }
        );
        assert!(matches!(
            VxlanRepr { vni: 1 }.emit(&mut [0u8; 7]),
            Err(WireError::BufferTooSmall { need: 8, .. })
        ));
        assert!(matches!(
            VxlanRepr { vni: 1 << 24 }.emit(&mut [0u8; 8]),
            Err(WireError::BadField { field: "vni", .. })
        ));
    }

    #[test]
    fn set_vni_in_place() {
        let mut b = MAX;
        b[7] = 0x5a;
        let (h, _) = VxlanHeader::split_from_mut(&mut b).unwrap();
        h.set_vni(0x0102_0304); // high byte dropped
        assert_eq!(h.vni(), 0x02_0304);
        assert_eq!(b, [0x08, 0, 0, 0, 0x02, 0x03, 0x04, 0x5a]);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..24)) {
            match VxlanPacket::parse(&data) {
                Ok(p) => {
                    prop_assert!(data[0] & FLAG_I != 0);
                    prop_assert_eq!(p.payload().len() + HEADER_LEN, data.len());
                    prop_assert!(p.vni() <= VNI_MAX);
                }
                Err(e) => prop_assert_eq!(e.layer(), Layer::Vxlan),
            }
        }

        #[test]
        fn emit_parse_roundtrip(vni in 0..=VNI_MAX, payload in proptest::collection::vec(any::<u8>(), 0..16)) {
            let r = VxlanRepr { vni };
            let mut buf = std::vec![0u8; HEADER_LEN + payload.len()];
            prop_assert_eq!(r.emit(&mut buf), Ok(HEADER_LEN));
            buf[HEADER_LEN..].copy_from_slice(&payload);
            let p = VxlanPacket::parse(&buf).unwrap();
            prop_assert_eq!(VxlanRepr::from_packet(&p), r);
            prop_assert_eq!(p.payload(), &payload[..]);
        }
    }
}
