//! GRE: total on any bytes; the header length follows the C/K/S flags and is inside the input,
//! the payload is what follows; the repr emits a header with the same protocol type, key and
//! sequence (and, without a checksum, the input's header bytes with the ignored flag bits
//! cleared); emitted with a checksum over the payload it re-parses with `verify_checksum`
//! true, the same key, sequence and payload; `fill_checksum` on the input's bytes makes the
//! checksum verify.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::gre::{fill_checksum, GrePacket, GreRepr, FLAG_C, FLAG_K, FLAG_S, HEADER_LEN};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = GrePacket::parse(data) else {
        return;
    };
    let hl = p.header_len();
    let flags = u16::from_be_bytes([data[0], data[1]]);
    let expect_hl = HEADER_LEN
        + 4 * [FLAG_C, FLAG_K, FLAG_S]
            .iter()
            .filter(|&&f| flags & f != 0)
            .count();
    assert_eq!(hl, expect_hl);
    assert!(hl <= data.len());
    assert_eq!(p.payload(), &data[hl..]);
    assert_eq!(p.checksum().is_some(), flags & FLAG_C != 0);
    assert_eq!(p.key().is_some(), flags & FLAG_K != 0);
    assert_eq!(p.sequence().is_some(), flags & FLAG_S != 0);
    if p.checksum().is_none() {
        assert!(p.verify_checksum());
    }

    let repr = GreRepr::from_packet(&p);
    assert_eq!(repr.header_len(), hl);
    let payload = p.payload();
    // As parsed (checksum only if the input had one).
    let mut out = vec![0u8; data.len()];
    out[hl..].copy_from_slice(payload);
    assert_eq!(repr.emit(&mut out, payload.len()), Ok(hl));
    let q = GrePacket::parse(&out).unwrap();
    assert_eq!(GreRepr::from_packet(&q), repr);
    assert!(q.verify_checksum());
    assert_eq!(out[..2], (flags & (FLAG_C | FLAG_K | FLAG_S)).to_be_bytes());
    assert_eq!(out[2..4], data[2..4]);
    if !repr.checksum {
        assert_eq!(out[4..hl], data[4..hl]);
    }

    // With a checksum: verify, same key/sequence/payload.
    let with = GreRepr {
        checksum: true,
        ..repr
    };
    let wl = with.header_len();
    let mut out = vec![0u8; wl + payload.len()];
    out[wl..].copy_from_slice(payload);
    assert!(with
        .emit(&mut out[..wl + payload.len() - 1], payload.len())
        .is_err());
    assert_eq!(with.emit(&mut out, payload.len()), Ok(wl));
    let q = GrePacket::parse(&out).unwrap();
    assert!(q.verify_checksum());
    assert!(q.checksum().is_some());
    assert_eq!((q.key(), q.sequence()), (p.key(), p.sequence()));
    assert_eq!(q.protocol_type(), p.protocol_type());
    assert_eq!(q.payload(), payload);
    assert_eq!(GreRepr::from_packet(&q), with);

    let mut m = data.to_vec();
    let c = fill_checksum(&mut m).unwrap();
    let r = GrePacket::parse(&m).unwrap();
    assert_eq!(c.is_some(), p.checksum().is_some());
    assert!(r.verify_checksum());
});
