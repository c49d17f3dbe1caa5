//! TCP: total on any bytes; options iterate inside the header; emit + checksum re-parses equal
//! and verifies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::tcp::{fill_checksum_v4, TcpPacket, TcpRepr};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = TcpPacket::parse(data) else {
        return;
    };
    for _ in p.options() {}
    let repr = TcpRepr::from_packet(&p);
    if !repr.options.len().is_multiple_of(4) {
        return;
    }
    let mut buf = vec![0u8; repr.header_len() + p.payload().len()];
    let n = repr.emit(&mut buf).unwrap();
    buf[n..].copy_from_slice(p.payload());
    fill_checksum_v4(&mut buf, [10, 0, 0, 1], [10, 0, 0, 2]).unwrap();
    let q = TcpPacket::parse(&buf).unwrap();
    assert_eq!(TcpRepr::from_packet(&q), repr);
    assert!(q.verify_checksum_v4([10, 0, 0, 1], [10, 0, 0, 2]));
});
