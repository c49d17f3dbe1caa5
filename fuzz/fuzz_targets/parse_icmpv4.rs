//! ICMPv4: total on any bytes; `from_packet` then `emit` reproduces the message byte for byte
//! (the checksum recomputed: equal to the input's whenever the input's verifies, up to the
//! one's-complement ±0 ambiguity) and the emitted checksum verifies; the emitted message
//! re-parses to the same repr; type-specific accessors answer only for their type;
//! `make_echo_reply` in place keeps a verifying checksum verifying (RFC 1624).
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::icmpv4::{
    msg_type, unreach, Icmpv4Header, Icmpv4Packet, Icmpv4Repr, HEADER_LEN,
};
use neutrino::wire::Header;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = Icmpv4Packet::parse(data) else {
        assert!(data.len() < HEADER_LEN);
        return;
    };
    assert_eq!(p.payload(), &data[HEADER_LEN..]);
    assert_eq!(
        p.next_hop_mtu().is_some(),
        p.msg_type() == msg_type::DEST_UNREACHABLE && p.code() == unreach::FRAG_NEEDED
    );
    assert_eq!(
        p.redirect_gateway().is_some(),
        p.msg_type() == msg_type::REDIRECT
    );
    assert_eq!(
        p.param_pointer().is_some(),
        p.msg_type() == msg_type::PARAM_PROBLEM
    );

    let repr = Icmpv4Repr::from_packet(&p);
    assert_eq!(repr.buffer_len(), data.len());
    let mut out = vec![0u8; data.len()];
    assert_eq!(repr.emit(&mut out), Ok(data.len()));
    assert_eq!(out[..2], data[..2]);
    assert_eq!(out[4..], data[4..]);
    let q = Icmpv4Packet::parse(&out).unwrap();
    assert!(q.verify_checksum());
    if p.verify_checksum() {
        let (a, b) = (p.checksum(), q.checksum());
        assert!(a == b || (a, b) == (0xffff, 0), "{a:#x} vs {b:#x}");
    }
    assert_eq!(Icmpv4Repr::from_packet(&q), repr);
    assert!(repr.emit(&mut out[..data.len() - 1]).is_err());

    if p.msg_type() == msg_type::ECHO_REQUEST && p.verify_checksum() {
        let mut m = data.to_vec();
        let (h, _) = Icmpv4Header::split_from_mut(&mut m).unwrap();
        h.make_echo_reply();
        let r = Icmpv4Packet::parse(&m).unwrap();
        assert_eq!(r.msg_type(), msg_type::ECHO_REPLY);
        assert!(r.verify_checksum());
        assert_eq!(
            (r.echo_ident(), r.echo_seq()),
            (p.echo_ident(), p.echo_seq())
        );
    }
});
