//! ICMPv6 and ND options: the first 32 input bytes are the IPv6 source and destination, the
//! rest is the message. Total on any bytes; the type's fixed part is inside the message; the
//! type-specific accessors answer only for their types; the ND options of an accepted message
//! iterate exactly over its option area, each a whole number of 8-byte units inside it, and
//! re-emit to their wire bytes (reserved fields zeroed); `validate_nd` never panics; the repr
//! emits a message that verifies under the pseudo-header and re-parses to the same repr, and
//! for non-ND messages the emitted bytes are the input's (the checksum equal whenever the
//! input's verifies, up to ±0); `make_echo_reply` in place keeps a verifying checksum
//! verifying.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::icmpv6::{
    fixed_len, is_nd, msg_type, Icmpv6Header, Icmpv6Packet, Icmpv6Repr, HEADER_LEN,
};
use neutrino::wire::ndp::{NdOption, NdOptions, MAX_OPT_LEN, UNIT};
use neutrino::wire::Header;

fuzz_target!(|data: &[u8]| {
    if data.len() < 32 {
        return;
    }
    let src: [u8; 16] = data[..16].try_into().unwrap();
    let dst: [u8; 16] = data[16..32].try_into().unwrap();
    let msg = &data[32..];
    let Ok(p) = Icmpv6Packet::parse(msg) else {
        return;
    };
    let t = p.msg_type();
    assert!(msg.len() >= fixed_len(t) && fixed_len(t) >= HEADER_LEN);
    assert_eq!(p.as_bytes(), msg);
    assert_eq!(p.payload(), &msg[fixed_len(t)..]);
    assert_eq!(p.echo_ident().is_some(), p.is_echo());
    assert_eq!(p.echo_seq().is_some(), p.is_echo());
    assert_eq!(p.mtu().is_some(), t == msg_type::PACKET_TOO_BIG);
    assert_eq!(p.param_pointer().is_some(), t == msg_type::PARAM_PROBLEM);
    assert_eq!(
        p.target().is_some(),
        matches!(
            t,
            msg_type::NEIGHBOR_SOLICIT | msg_type::NEIGHBOR_ADVERT | msg_type::REDIRECT
        )
    );
    assert_eq!(p.redirect_dest().is_some(), t == msg_type::REDIRECT);
    assert_eq!(p.na_flags().is_some(), t == msg_type::NEIGHBOR_ADVERT);
    assert_eq!(p.router_lifetime().is_some(), t == msg_type::ROUTER_ADVERT);
    assert_eq!(p.nd_options().is_some(), is_nd(t));

    if let Some(opts) = p.nd_options() {
        let area = p.payload();
        let span = area.as_ptr_range();
        let mut at = 0usize;
        for o in opts.clone() {
            let n = o.buffer_len();
            assert!(n >= UNIT && n % UNIT == 0 && n <= MAX_OPT_LEN, "{o:?}");
            let wire = &area[at..at + n];
            if let NdOption::Other { data, .. } = o {
                let r = data.as_ptr_range();
                assert!(span.start <= r.start && r.end <= span.end);
            }
            let mut b = vec![0u8; n];
            assert_eq!(o.emit(&mut b), Ok(n));
            let mut expect = wire.to_vec();
            match o {
                NdOption::PrefixInfo(_) => expect[12..16].fill(0),
                NdOption::Mtu(_) => expect[2..4].fill(0),
                _ => {}
            }
            assert_eq!(b, expect);
            at += n;
        }
        assert_eq!(at, area.len());
        assert!(NdOptions::new(area, fixed_len(t)).is_ok());
        assert_eq!(p.source_ll(), opts.source_ll());
        assert_eq!(p.target_ll(), opts.target_ll());
    }
    let _ = p.validate_nd(&src, &dst, data[0]);
    let _ = p.validate_nd(&src, &dst, 255);

    let repr = Icmpv6Repr::from_packet(&p);
    assert_eq!(repr.msg_type(), t);
    let len = repr.buffer_len();
    let mut out = vec![0u8; len];
    assert_eq!(repr.emit(&src, &dst, &mut out), Ok(len));
    let q = Icmpv6Packet::parse(&out).unwrap();
    assert!(q.verify_checksum(&src, &dst));
    assert_eq!(Icmpv6Repr::from_packet(&q), repr);
    assert!(repr.emit(&src, &dst, &mut vec![0u8; len - 1]).is_err());
    let nd_variant = is_nd(t) && !matches!(repr, Icmpv6Repr::Other { .. });
    if !nd_variant {
        assert_eq!(out.len(), msg.len());
        assert_eq!(out[..2], msg[..2]);
        assert_eq!(out[4..], msg[4..]);
        if p.verify_checksum(&src, &dst) {
            let (a, b) = (p.checksum(), q.checksum());
            assert!(a == b || (a, b) == (0xffff, 0), "{a:#x} vs {b:#x}");
        }
    }

    if t == msg_type::ECHO_REQUEST && p.verify_checksum(&src, &dst) {
        let mut m = msg.to_vec();
        let (h, _) = Icmpv6Header::split_from_mut(&mut m).unwrap();
        h.make_echo_reply();
        let r = Icmpv6Packet::parse(&m).unwrap();
        assert_eq!(r.msg_type(), msg_type::ECHO_REPLY);
        assert!(r.verify_checksum(&dst, &src));
        assert_eq!(
            (r.echo_ident(), r.echo_seq()),
            (p.echo_ident(), p.echo_seq())
        );
    }
});
