//! Ethernet II frames (IEEE 802.3 clause 3.1.1 with an EtherType, RFC 894).
//!
//! Frames arrive without the FCS (as from a NIC or a TAP device). A frame shorter than the
//! 60-byte minimum is still parsed: padding is the sender's business, and trimming it is the
//! job of the layer whose length field says where the payload ends.

use zerocopy::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::{Header, Layer, MacAddr, WireError};

/// Length of the Ethernet II header: destination, source, EtherType.
pub const HEADER_LEN: usize = 14;
/// EtherType values below this are IEEE 802.3 lengths, not types (IEEE 802.3 §3.2.6).
pub const ETHERTYPE_MIN: u16 = 0x0600;

/// The Ethernet II header as it lies in the frame.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct EthernetHeader {
    /// Destination MAC.
    pub dst: MacAddr,
    /// Source MAC.
    pub src: MacAddr,
    /// EtherType (or, below 0x0600, an 802.3 length).
    pub ethertype: U16,
}

impl Header for EthernetHeader {
    const LAYER: Layer = Layer::Ethernet;
}

impl EthernetHeader {
    /// The EtherType as a host integer.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        self.ethertype.get()
    }

    /// Sets the EtherType.
    #[inline]
    pub fn set_ethertype(&mut self, value: u16) {
        self.ethertype.set(value)
    }
}

/// A parsed Ethernet II frame: the header and everything after it.
#[derive(Debug, Clone, Copy)]
pub struct EthernetFrame<'a> {
    header: &'a EthernetHeader,
    payload: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Parses the header; the payload is the rest of `buf`.
    ///
    /// 802.3 length/LLC frames (EtherType < 0x0600) are refused with `BadField("ethertype")`:
    /// a Neutron datapath forwards Ethernet II only.
    #[inline]
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        let (header, payload) = EthernetHeader::split_from(buf)?;
        if header.ethertype() < ETHERTYPE_MIN {
            return Err(WireError::BadField {
                layer: Layer::Ethernet,
                field: "ethertype",
            });
        }
        Ok(EthernetFrame { header, payload })
    }

    /// The fixed header.
    #[inline]
    pub fn header(&self) -> &'a EthernetHeader {
        self.header
    }
    /// Destination MAC.
    #[inline]
    pub fn dst(&self) -> MacAddr {
        self.header.dst
    }
    /// Source MAC.
    #[inline]
    pub fn src(&self) -> MacAddr {
        self.header.src
    }
    /// EtherType.
    #[inline]
    pub fn ethertype(&self) -> u16 {
        self.header.ethertype()
    }
    /// Bytes after the header (VLAN tags included, if any).
    #[inline]
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// Ethernet header fields as host values, for emitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetRepr {
    /// Destination MAC.
    pub dst: MacAddr,
    /// Source MAC.
    pub src: MacAddr,
    /// EtherType.
    pub ethertype: u16,
}

impl EthernetRepr {
    /// The fields of a parsed frame.
    pub fn from_frame(frame: &EthernetFrame<'_>) -> Self {
        EthernetRepr {
            dst: frame.dst(),
            src: frame.src(),
            ethertype: frame.ethertype(),
        }
    }

    /// Always [`HEADER_LEN`].
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header at the start of `buf`; returns the bytes written.
    #[inline]
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        WireError::check_room(Layer::Ethernet, HEADER_LEN, buf.len())?;
        let (h, _) = EthernetHeader::split_from_mut(buf)?;
        h.dst = self.dst;
        h.src = self.src;
        h.set_ethertype(self.ethertype);
        Ok(HEADER_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_emit() {
        // dst ff:..:ff, src 00:11:22:33:44:55, IPv4.
        let bytes = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00,
            0xaa,
        ];
        let f = EthernetFrame::parse(&bytes).unwrap();
        assert!(f.dst().is_broadcast());
        assert_eq!(f.src(), MacAddr([0, 0x11, 0x22, 0x33, 0x44, 0x55]));
        assert_eq!(f.ethertype(), 0x0800);
        assert_eq!(f.payload(), &[0xaa]);
        let mut out = [0u8; 14];
        assert_eq!(EthernetRepr::from_frame(&f).emit(&mut out), Ok(14));
        assert_eq!(out, bytes[..14]);
    }

    #[test]
    fn errors() {
        assert_eq!(
            EthernetFrame::parse(&[0; 13]).unwrap_err(),
            WireError::Truncated {
                layer: Layer::Ethernet,
                need: 14,
                have: 13
            }
        );
        let mut llc = [0u8; 14];
        llc[12..].copy_from_slice(&0x05dcu16.to_be_bytes());
        assert!(matches!(
            EthernetFrame::parse(&llc),
            Err(WireError::BadField { .. })
        ));
        let r = EthernetRepr {
            dst: MacAddr::ZERO,
            src: MacAddr::ZERO,
            ethertype: 0x0800,
        };
        assert!(matches!(
            r.emit(&mut [0; 10]),
            Err(WireError::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn in_place_rewrite() {
        let mut bytes = [0u8; 20];
        let (h, _) = EthernetHeader::split_from_mut(&mut bytes).unwrap();
        h.src = MacAddr([0xfa, 0x16, 0x3e, 1, 2, 3]);
        h.set_ethertype(0x86dd);
        assert_eq!(&bytes[6..14], &[0xfa, 0x16, 0x3e, 1, 2, 3, 0x86, 0xdd]);
        assert!(MacAddr([0xfa, 0x16, 0x3e, 1, 2, 3]).is_local());
    }
}
