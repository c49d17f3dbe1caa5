//! GRE for Neutron's `gre` networks: Transparent Ethernet Bridging (protocol type 0x6558,
//! RFC 1701 §3.3 / IANA) with the key carrying the segmentation id (RFC 2890 §2.1), and the
//! optional checksum (RFC 2784 §2.5) and sequence number (RFC 2890 §2.2), directly over IPv4
//! or IPv6 (protocol 47).
//!
//! On receive: version 0 and no RFC 1701 bits (the wire parser, RFC 2784 §2.5), protocol type
//! 0x6558, the checksum verified when present, a key present when the context expects one.
//! Sequence numbers are returned but not used to drop or reorder (RFC 2890 §2.2 leaves that
//! to the receiver; a Neutron datapath does not).

use crate::wire::ethertype;
use crate::wire::gre::{GrePacket, GreRepr};
use crate::wire::WireError;

use super::error::EncapError;

/// IP protocol number of GRE.
pub const IP_PROTO: u8 = crate::wire::ip_proto::GRE;
/// Outer bytes over an IPv4 underlay with key, no checksum or sequence: Ethernet 14 + IPv4 20
/// + GRE 8. (Neutron's `GRE_ENCAP_OVERHEAD` of 22 counts the same Ethernet 14 + GRE 8.)
pub const OVERHEAD_V4: usize = 42;
/// Outer bytes over an IPv6 underlay with key: Ethernet 14 + IPv6 40 + GRE 8.
pub const OVERHEAD_V6: usize = 62;

/// GRE options beyond the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GreOptions {
    /// Carry the RFC 2784 checksum (computed over the whole GRE packet: costs a pass over it).
    pub checksum: bool,
    /// Carry an RFC 2890 sequence number, incremented per packet by the context.
    pub sequence: bool,
}

impl GreOptions {
    /// Header length with the key: 8, plus 4 each for checksum and sequence.
    pub const fn header_len(&self) -> usize {
        8 + if self.checksum { 4 } else { 0 } + if self.sequence { 4 } else { 0 }
    }

    /// Offset of the sequence number in the header, if any.
    pub(crate) const fn seq_offset(&self) -> Option<usize> {
        if self.sequence {
            Some(if self.checksum { 12 } else { 8 })
        } else {
            None
        }
    }
}

/// Writes the GRE header (TEB, key, checksum field zero, sequence 0) at the start of `out`.
pub(crate) fn write_header(key: u32, o: GreOptions, out: &mut [u8]) -> Result<usize, WireError> {
    let n = GreRepr {
        protocol_type: ethertype::TEB,
        checksum: o.checksum,
        key: Some(key),
        sequence: o.sequence.then_some(0),
    }
    .emit(out, 0)?;
    if o.checksum {
        // emit() summed the header alone; the per-packet path computes the real checksum.
        out[4..6].fill(0);
    }
    Ok(n)
}

/// What the GRE header of a received packet said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub key: Option<u32>,
    pub header_len: usize,
    pub sequence: Option<u32>,
}

/// Checks the GRE header at the start of `gre` (the IP payload); see the module doc.
#[inline]
pub(crate) fn parse(gre: &[u8], verify_checksum: bool) -> Result<Parsed, EncapError> {
    let p = GrePacket::parse(gre)?;
    if p.protocol_type() != ethertype::TEB {
        return Err(EncapError::WrongProtocol {
            found: p.protocol_type(),
        });
    }
    if verify_checksum && !p.verify_checksum() {
        return Err(WireError::BadChecksum {
            layer: crate::wire::Layer::Gre,
        }
        .into());
    }
    Ok(Parsed {
        key: p.key(),
        header_len: p.header_len(),
        sequence: p.sequence(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_for_each_option_set() {
        let mut out = [0u8; 16];
        let n = write_header(0x0102_0304, GreOptions::default(), &mut out).unwrap();
        assert_eq!(&out[..n], &[0x20, 0, 0x65, 0x58, 1, 2, 3, 4]);
        let o = GreOptions {
            checksum: true,
            sequence: true,
        };
        let n = write_header(9, o, &mut out).unwrap();
        assert_eq!(n, 16);
        assert_eq!(
            &out[..n],
            &[0xb0, 0, 0x65, 0x58, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0]
        );
        assert_eq!(o.seq_offset(), Some(12));
        let o = GreOptions {
            checksum: false,
            sequence: true,
        };
        let n = write_header(9, o, &mut out).unwrap();
        assert_eq!(&out[..n], &[0x30, 0, 0x65, 0x58, 0, 0, 0, 9, 0, 0, 0, 0]);
        assert_eq!(o.seq_offset(), Some(8));
        let o = GreOptions {
            checksum: true,
            sequence: false,
        };
        let n = write_header(9, o, &mut out).unwrap();
        assert_eq!(&out[..n], &[0xa0, 0, 0x65, 0x58, 0, 0, 0, 0, 0, 0, 0, 9]);
    }

    #[test]
    fn receive_rules() {
        let mut pkt = [0x20, 0, 0x65, 0x58, 0, 0, 0, 5, 0xee];
        assert_eq!(
            parse(&pkt, true),
            Ok(Parsed {
                key: Some(5),
                header_len: 8,
                sequence: None
            })
        );
        pkt[3] = 0x00; // 0x6500
        assert_eq!(
            parse(&pkt, true),
            Err(EncapError::WrongProtocol { found: 0x6500 })
        );
        // Checksum present and wrong.
        let bad = [0x80, 0, 0x65, 0x58, 0x12, 0x34, 0, 0];
        assert!(matches!(
            parse(&bad, true),
            Err(EncapError::Wire(WireError::BadChecksum { .. }))
        ));
        assert!(parse(&bad, false).is_ok());
    }
}
