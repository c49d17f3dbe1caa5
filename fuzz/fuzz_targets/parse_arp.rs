//! ARP (Ethernet/IPv4): total on any bytes; `parse` and `parse_mut` agree; the repr of a parsed
//! packet emits exactly its 28 bytes and re-parses to the same repr; the predicates agree
//! between packet and repr; `make_reply` in place gives a parseable reply with the addresses
//! swapped (RFC 826) and leaves trailing padding untouched.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::arp::{parse_mut, ArpPacket, ArpRepr, HEADER_LEN, OP_REPLY};
use neutrino::wire::{MacAddr, WireError};

fuzz_target!(|data: &[u8]| {
    let mut copy = data.to_vec();
    let Ok(p) = ArpPacket::parse(data) else {
        assert!(parse_mut(&mut copy).is_err());
        return;
    };
    let repr = ArpRepr::from_packet(&p);
    assert_eq!(repr.header_len(), HEADER_LEN);
    assert_eq!(repr.is_gratuitous(), p.is_gratuitous());
    assert_eq!(repr.is_probe(), p.is_probe());

    let mut out = [0u8; HEADER_LEN];
    assert_eq!(repr.emit(&mut out), Ok(HEADER_LEN));
    assert_eq!(&out[..], &data[..HEADER_LEN]);
    let q = ArpPacket::parse(&out).unwrap();
    assert_eq!(ArpRepr::from_packet(&q), repr);
    assert!(matches!(
        repr.emit(&mut out[..HEADER_LEN - 1]),
        Err(WireError::BufferTooSmall { .. })
    ));

    // The responder's MAC: derived from the input so it varies.
    let mac = MacAddr([0x02, data[0], data[8], data[9], data[18], data[27]]);
    let h = parse_mut(&mut copy).unwrap();
    h.make_reply(mac);
    let r = ArpPacket::parse(&copy).unwrap();
    assert_eq!(r.oper(), OP_REPLY);
    assert_eq!(r.sha(), mac);
    assert_eq!(r.spa(), repr.tpa);
    assert_eq!(r.tha(), repr.sha);
    assert_eq!(r.tpa(), repr.spa);
    assert_eq!(&copy[HEADER_LEN..], &data[HEADER_LEN..]);
});
