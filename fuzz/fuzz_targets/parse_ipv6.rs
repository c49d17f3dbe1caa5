//! IPv6 + extension-header walk: total on any bytes; the walk stays inside the payload; the
//! fixed header round-trips through the emitter.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::ipv6::{Ipv6Packet, Ipv6Repr, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Ipv6Packet::parse(data) else {
        return;
    };
    assert!(p.ext().upper_off <= p.payload().len());
    assert!(HEADER_LEN + p.payload().len() <= data.len());
    assert_eq!(p.ext_headers().count(), usize::from(p.ext().count));
    let repr = Ipv6Repr::from_packet(&p);
    let mut out = [0u8; HEADER_LEN];
    repr.emit(&mut out).unwrap();
    assert_eq!(&out[..], &data[..HEADER_LEN]);
});
