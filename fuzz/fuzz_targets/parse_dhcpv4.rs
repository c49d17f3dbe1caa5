//! DHCPv4: total on any bytes; an accepted message has the fixed header and cookie; every
//! option the iterator yields (options field, then `file`, then `sname` when overloaded) lies
//! inside the input, is never pad or end, and `option`/`option_concat`/the typed getters agree
//! with the iteration; the fixed header re-emits (`DhcpRepr`) and re-parses to the same repr;
//! re-writing every option with `DhcpWriter` into the options field gives a message that
//! parses to the same header, overload value and option sequence (padded to the BOOTP minimum
//! too); long options written whole are split (RFC 3396) and `option_concat` joins them back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::wire::dhcpv4::{
    opt, DhcpOption, DhcpPacket, DhcpRepr, DhcpWriter, BOOTP_MIN_LEN, MIN_LEN, OPTIONS_OFFSET,
};
use neutrino::wire::WireError;

fuzz_target!(|data: &[u8]| {
    let Ok(p) = DhcpPacket::parse(data) else {
        return;
    };
    assert!(data.len() >= MIN_LEN);
    assert_eq!(p.options_bytes(), &data[OPTIONS_OFFSET..]);
    assert!(p.overload() <= 3);
    let span = data.as_ptr_range();
    let all: Vec<DhcpOption<'_>> = p.options().collect();
    let mut first: [Option<&[u8]>; 256] = [None; 256];
    for o in &all {
        assert!(o.code != opt::PAD && o.code != opt::END);
        let r = o.data.as_ptr_range();
        assert!(span.start <= r.start && r.end <= span.end);
        assert!(o.data.len() <= 255);
        first[usize::from(o.code)].get_or_insert(o.data);
    }
    // The codes present, in order of first appearance; the per-code checks below look at the
    // first 16 of them (each walks every option, and a 4 KiB input holds ~2000).
    let mut codes: Vec<u8> = Vec::new();
    let mut seen = [false; 256];
    for o in &all {
        if !std::mem::replace(&mut seen[usize::from(o.code)], true) {
            codes.push(o.code);
        }
    }
    codes.truncate(16);
    for &c in &codes {
        assert_eq!(p.option(c), first[usize::from(c)]);
    }
    if p.overload() == 0 {
        // Only the options field is walked.
        let r = p.options_bytes().as_ptr_range();
        assert!(all
            .iter()
            .all(|o| r.start <= o.data.as_ptr() && o.data.as_ptr_range().end <= r.end));
    }
    assert_eq!(
        p.message_type().is_some(),
        p.option(opt::MESSAGE_TYPE).is_some_and(|d| d.len() == 1)
    );
    assert_eq!(
        p.server_id().is_some(),
        p.option(opt::SERVER_ID).is_some_and(|d| d.len() == 4)
    );
    assert_eq!(
        p.requested_ip().is_some(),
        p.option(opt::REQUESTED_IP).is_some_and(|d| d.len() == 4)
    );
    assert_eq!(
        p.max_message_size().is_some(),
        p.option(opt::MAX_MESSAGE_SIZE)
            .is_some_and(|d| d.len() == 2)
    );

    // option_concat: exactly the instances, in order.
    let mut joined: Vec<(u8, Vec<u8>)> = Vec::new();
    for &c in &codes {
        let want: Vec<u8> = all
            .iter()
            .filter(|o| o.code == c)
            .flat_map(|o| o.data.iter().copied())
            .collect();
        let mut out = vec![0u8; want.len()];
        assert_eq!(p.option_concat(c, &mut out), Ok(Some(want.len())));
        assert_eq!(out, want);
        if !want.is_empty() {
            assert!(matches!(
                p.option_concat(c, &mut out[..want.len() - 1]),
                Err(WireError::BufferTooSmall { .. })
            ));
        }
        if c != opt::OVERLOAD {
            joined.push((c, want));
        }
    }
    if let Some(c) = (1..=254u8).find(|c| first[usize::from(*c)].is_none()) {
        assert_eq!(p.option_concat(c, &mut []), Ok(None));
    }

    // The fixed header round trip.
    let repr = DhcpRepr::from_packet(&p);
    let mut hdr = vec![0u8; OPTIONS_OFFSET];
    assert_eq!(repr.emit(&mut hdr), Ok(OPTIONS_OFFSET));
    assert_eq!(
        DhcpRepr::from_packet(&DhcpPacket::parse(&hdr).unwrap()),
        repr
    );
    assert_eq!(
        hdr[..44],
        {
            let mut h = data[..44].to_vec();
            h[10] &= 0x80; // reserved flag bits are written as zero
            h[11] = 0;
            h[34..44].fill(0); // chaddr beyond the MAC
            h
        }[..]
    );

    // Every option re-written into the options field.
    let len = OPTIONS_OFFSET + all.iter().map(|o| 2 + o.data.len()).sum::<usize>() + 1;
    let mut buf = vec![0u8; len.max(BOOTP_MIN_LEN)];
    let mut w = DhcpWriter::new(&mut buf, &repr).unwrap();
    for o in &all {
        w.push_option(o.code, o.data).unwrap();
    }
    assert!(w.push_option(opt::PAD, &[]).is_err());
    assert!(w.push_option(opt::END, &[]).is_err());
    assert_eq!(w.len(), len - 1);
    let n = w.finish_padded(BOOTP_MIN_LEN).unwrap();
    assert_eq!(n, len.max(BOOTP_MIN_LEN));
    let q = DhcpPacket::parse(&buf[..n]).unwrap();
    assert_eq!(DhcpRepr::from_packet(&q), repr);
    assert_eq!(q.overload(), p.overload());
    assert!(q.options().eq(all.iter().copied()));
    let q = DhcpPacket::parse(&buf[..len]).unwrap();
    assert!(q.options().eq(all.iter().copied()));
    assert!(DhcpPacket::parse(&buf[..len - 1]).is_ok_and(|q| q.options().eq(all.iter().copied())));

    // RFC 3396: each code's concatenation written as one (possibly long) option, split by the
    // writer and joined back by option_concat. Option overload is left out: its concatenation
    // need not be a valid overload value.
    let need = OPTIONS_OFFSET
        + joined
            .iter()
            .map(|(_, d)| d.len() + 2 * d.len().div_ceil(255).max(1))
            .sum::<usize>()
        + 1;
    let mut buf = vec![0u8; need];
    let mut w = DhcpWriter::new(&mut buf, &repr).unwrap();
    for (c, d) in &joined {
        w.push_option(*c, d).unwrap();
    }
    assert_eq!(w.finish(), need);
    let q = DhcpPacket::parse(&buf).unwrap();
    assert_eq!(q.overload(), 0);
    for (c, d) in &joined {
        let mut v = vec![0u8; d.len()];
        assert_eq!(q.option_concat(*c, &mut v), Ok(Some(d.len())));
        assert_eq!(&v, d);
    }
    // A writer refuses an option that does not fit, and keeps what it has.
    let mut small = vec![0u8; OPTIONS_OFFSET + 2];
    let mut w = DhcpWriter::new(&mut small, &repr).unwrap();
    assert!(w.push_option(opt::HOST_NAME, b"x").is_err());
    assert_eq!(w.finish(), OPTIONS_OFFSET + 1);
});
