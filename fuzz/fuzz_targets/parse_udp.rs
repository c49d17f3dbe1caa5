//! UDP: total on any bytes; emit + checksum re-parses equal and verifies over IPv4 and IPv6.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::udp::{fill_checksum_v4, fill_checksum_v6, UdpPacket, UdpRepr};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = UdpPacket::parse(data) else {
        return;
    };
    let repr = UdpRepr::from_packet(&p);
    let mut buf = vec![0u8; 8 + p.payload().len()];
    repr.emit(&mut buf).unwrap();
    buf[8..].copy_from_slice(p.payload());
    fill_checksum_v4(&mut buf, [1, 2, 3, 4], [5, 6, 7, 8]).unwrap();
    let q = UdpPacket::parse(&buf).unwrap();
    assert_eq!(UdpRepr::from_packet(&q), repr);
    assert!(q.verify_checksum_v4([1, 2, 3, 4], [5, 6, 7, 8]));
    fill_checksum_v6(&mut buf, &[1; 16], &[2; 16]).unwrap();
    assert!(UdpPacket::parse(&buf)
        .unwrap()
        .verify_checksum_v6(&[1; 16], &[2; 16]));
});
