//! IPv4: total on any bytes; lengths inside the input; emit(repr) re-parses to the same repr with
//! a verifying checksum; in-place TTL/NAT patches keep the checksum valid.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::ipv4::{Ipv4Header, Ipv4Packet, Ipv4Repr};
use neutrino::wire::Header;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Ipv4Packet::parse(data) else {
        return;
    };
    assert!(p.header_len() + p.payload().len() <= data.len());
    for _ in p.options() {}
    let repr = Ipv4Repr::from_packet(&p);
    let mut buf = vec![0u8; 20 + p.payload().len()];
    assert_eq!(repr.emit(&mut buf), Ok(20));
    buf[20..].copy_from_slice(p.payload());
    let q = Ipv4Packet::parse(&buf).unwrap();
    assert!(q.verify_checksum());
    assert_eq!(Ipv4Repr::from_packet(&q), repr);
    let (h, _) = Ipv4Header::split_from_mut(&mut buf).unwrap();
    h.decrement_ttl();
    h.set_src_patch([100, 64, 1, 2]);
    assert!(Ipv4Packet::parse(&buf).unwrap().verify_checksum());
});
