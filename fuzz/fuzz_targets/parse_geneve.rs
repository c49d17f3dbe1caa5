//! GENEVE: total on any bytes; the options area (Opt Len × 4) is inside the input and the
//! payload is what follows; the options iterate exactly over the options area, each one's data
//! inside it, and re-emit (`emit_option`) to their wire bytes with the reserved bits cleared;
//! the repr emits a header that re-parses to the same repr, with the input's fields and
//! options and the reserved bits cleared.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::geneve::{
    emit_option, GenevePacket, GeneveRepr, HEADER_LEN, MAX_OPTION_DATA_LEN, OPTION_HEADER_LEN,
    VNI_MAX,
};

fuzz_target!(|data: &[u8]| {
    let Ok(p) = GenevePacket::parse(data) else {
        return;
    };
    let hl = p.header_len();
    assert!(hl <= data.len());
    assert_eq!(hl, HEADER_LEN + usize::from(data[0] & 0x3f) * 4);
    assert_eq!(p.options_bytes(), &data[HEADER_LEN..hl]);
    assert_eq!(p.payload(), &data[hl..]);
    assert!(p.vni() <= VNI_MAX);

    let area = p.options_bytes();
    let span = area.as_ptr_range();
    let mut at = 0usize;
    for o in p.options() {
        let n = OPTION_HEADER_LEN + o.data.len();
        assert!(o.data.len() % 4 == 0 && o.data.len() <= MAX_OPTION_DATA_LEN);
        let r = o.data.as_ptr_range();
        assert!(span.start <= r.start && r.end <= span.end);
        assert_eq!(o.is_critical(), o.opt_type & 0x80 != 0);
        let mut b = vec![0u8; n];
        assert_eq!(emit_option(&mut b, o.class, o.opt_type, o.data), Ok(n));
        let mut expect = area[at..at + n].to_vec();
        expect[3] &= 0x1f;
        assert_eq!(b, expect);
        at += n;
    }
    assert_eq!(at, area.len());

    let repr = GeneveRepr::from_packet(&p);
    assert_eq!(repr.header_len(), hl);
    let mut out = vec![0u8; hl];
    assert_eq!(repr.emit(&mut out), Ok(hl));
    assert_eq!(out[0], data[0]);
    assert_eq!(out[1], data[1] & 0xc0);
    assert_eq!(out[2..7], data[2..7]);
    assert_eq!(out[7], 0);
    assert_eq!(out[HEADER_LEN..], data[HEADER_LEN..hl]);
    let q = GenevePacket::parse(&out).unwrap();
    assert!(q.payload().is_empty());
    assert_eq!(GeneveRepr::from_packet(&q), repr);
    assert!(repr.emit(&mut out[..hl - 1]).is_err());
});
