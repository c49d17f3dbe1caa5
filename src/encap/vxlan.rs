//! VXLAN (RFC 7348): the 8-byte header a VTEP puts after the outer UDP header, and its
//! receive rules.
//!
//! Full encap/decap (outer Ethernet, IP, UDP, VXLAN) is [`super::EncapCtx`] and
//! [`super::DecapCtx`] with [`super::TunnelHeader::Vxlan`]; this file owns the VXLAN layer
//! itself: the template bytes, the decap check, and [`push`]/[`pop`] for callers whose UDP
//! socket supplies the outer headers (a user-space VTEP on a kernel socket, `examples/vtep.rs`).
//!
//! Receive rule (RFC 7348 §5): the I flag must be set; the other flag bits and the reserved
//! fields "MUST be set to zero on transmission and ignored on receipt", so they are ignored.

use crate::buf::PacketBuf;
use crate::wire::vxlan::{VxlanPacket, VxlanRepr, HEADER_LEN};
use crate::wire::{Layer, WireError};

use super::error::EncapError;

/// The IANA UDP port for VXLAN (RFC 7348 §5).
pub const UDP_PORT: u16 = crate::wire::udp_port::VXLAN;
/// Outer bytes over an IPv4 underlay: Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 (RFC 7348 §5).
pub const OVERHEAD_V4: usize = 50;
/// Outer bytes over an IPv6 underlay: Ethernet 14 + IPv6 40 + UDP 8 + VXLAN 8.
pub const OVERHEAD_V6: usize = 70;
/// Largest VNI (24 bits).
pub const VNI_MAX: u32 = crate::wire::vxlan::VNI_MAX;

/// Writes the VXLAN header for `vni` (flags I, reserved zero) at the start of `out`.
#[inline]
pub(crate) fn write_header(vni: u32, out: &mut [u8]) -> Result<usize, WireError> {
    VxlanRepr { vni }.emit(out)
}

/// Checks the VXLAN header at the start of a UDP payload; returns the VNI and the header length.
#[inline]
pub(crate) fn parse(udp_payload: &[u8]) -> Result<(u32, usize), EncapError> {
    let p = VxlanPacket::parse(udp_payload)?;
    Ok((p.vni(), HEADER_LEN))
}

/// Prepends a VXLAN header for `vni` to the Ethernet frame in `buf` (nothing else: the caller's
/// UDP socket adds UDP/IP). The frame must hold at least an Ethernet header. On error `buf` is
/// unchanged.
pub fn push(buf: &mut PacketBuf<'_>, vni: u32) -> Result<(), EncapError> {
    WireError::check_len(Layer::Ethernet, 14, buf.len())?;
    if vni > VNI_MAX {
        return Err(WireError::BadField {
            layer: Layer::Vxlan,
            field: "vni",
        }
        .into());
    }
    let hdr = buf.prepend(HEADER_LEN)?;
    write_header(vni, hdr)?;
    Ok(())
}

/// Checks the VXLAN header at the start of `buf` (a UDP payload), and the VNI when `expect` is
/// given, then strips it; returns the VNI. The rest must hold an Ethernet header. On error
/// `buf` is unchanged.
pub fn pop(buf: &mut PacketBuf<'_>, expect: Option<u32>) -> Result<u32, EncapError> {
    let (vni, len) = parse(buf.data())?;
    if let Some(e) = expect {
        if e != vni {
            return Err(EncapError::WrongId {
                expected: e,
                found: vni,
            });
        }
    }
    WireError::check_len(Layer::Ethernet, len + 14, buf.len())?;
    buf.trim_front(len)?;
    Ok(vni)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_pop_round_trip_and_refusals() {
        let mut mem = [0u8; 64];
        for (i, b) in mem[16..].iter_mut().enumerate() {
            *b = i as u8;
        }
        let before = mem;
        let mut b = PacketBuf::new(&mut mem, 16, 48).unwrap();
        push(&mut b, 0x12_3456).unwrap();
        assert_eq!(&b.data()[..8], &[0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
        assert_eq!(
            pop(&mut b, Some(7)),
            Err(EncapError::WrongId {
                expected: 7,
                found: 0x12_3456
            })
        );
        assert_eq!(b.offsets(), (8, 56));
        assert_eq!(pop(&mut b, Some(0x12_3456)), Ok(0x12_3456));
        assert_eq!(b.offsets(), (16, 48));
        assert_eq!(mem[16..], before[16..]);

        // Too little headroom: refused, untouched.
        let mut mem = before;
        let mut b = PacketBuf::new(&mut mem, 4, 48).unwrap();
        assert!(matches!(push(&mut b, 1), Err(EncapError::Buf(_))));
        assert_eq!(b.offsets(), (4, 48));
        assert_eq!(mem, before);
        // No I flag (RFC 7348 §5).
        let mut mem = [0u8; 40];
        let mut b = PacketBuf::full(&mut mem).unwrap();
        assert!(matches!(
            pop(&mut b, None),
            Err(EncapError::Wire(WireError::BadField { .. }))
        ));
        // Reserved bits are ignored on receipt.
        let mut mem = [0u8; 40];
        mem[0] = 0xff;
        mem[7] = 0xaa;
        let mut b = PacketBuf::full(&mut mem).unwrap();
        assert_eq!(pop(&mut b, None), Ok(0));
    }
}
