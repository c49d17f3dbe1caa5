//! VXLAN: total on any bytes; `parse` accepts exactly the 8+-byte inputs with the I flag; the
//! VNI fits 24 bits and the payload is everything after the header; the repr emits the header
//! with only the I flag and zero reserved fields, which re-parses to the same repr and keeps
//! the VNI bytes; `set_vni` in place changes only the VNI; an over-wide VNI is refused.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::vxlan::{VxlanHeader, VxlanPacket, VxlanRepr, FLAG_I, HEADER_LEN, VNI_MAX};
use neutrino::wire::{Header, WireError};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = VxlanPacket::parse(data) else {
        assert!(data.len() < HEADER_LEN || data[0] & FLAG_I == 0);
        return;
    };
    assert!(p.vni() <= VNI_MAX);
    assert_eq!(p.payload(), &data[HEADER_LEN..]);
    let repr = VxlanRepr::from_packet(&p);
    let mut out = [0u8; HEADER_LEN];
    assert_eq!(repr.emit(&mut out), Ok(HEADER_LEN));
    assert_eq!(out[..4], [FLAG_I, 0, 0, 0]);
    assert_eq!(out[4..7], data[4..7]);
    assert_eq!(out[7], 0);
    assert_eq!(
        VxlanRepr::from_packet(&VxlanPacket::parse(&out).unwrap()),
        repr
    );
    assert!(repr.emit(&mut out[..HEADER_LEN - 1]).is_err());

    // A second VNI taken from the input: set in place, or refused by the emitter when too wide.
    let wide = u32::from_be_bytes([data[1], data[2], data[3], data[7]]);
    let mut m = data.to_vec();
    let (h, _) = VxlanHeader::split_from_mut(&mut m).unwrap();
    h.set_vni(wide);
    assert_eq!(h.vni(), wide & VNI_MAX);
    assert_eq!(m[..4], data[..4]);
    assert_eq!(m[7], data[7]);
    assert_eq!(m[8..], data[8..]);
    let r = VxlanRepr { vni: wide }.emit(&mut out);
    if wide > VNI_MAX {
        assert!(matches!(r, Err(WireError::BadField { .. })));
    } else {
        assert_eq!(r, Ok(HEADER_LEN));
    }
});
