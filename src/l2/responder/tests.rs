//! Responder tests. Expected replies are built by scapy 2.x, following Linux's reply format (see
//! the module doc); each vector's scapy expression is in the comment above it.

use super::*;
use core::net::{Ipv4Addr, Ipv6Addr};
use proptest::prelude::*;
use std::prelude::rust_2021::*;
use std::vec;

const A: MacAddr = MacAddr([0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01]);
const M: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 2]);

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn ip6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse::<Ipv6Addr>().unwrap())
}

fn responder() -> Responder<alloc::boxed::Box<[u8]>> {
    let mut r = Responder::with_capacity(64, 7).unwrap();
    r.add(5, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), M, false)
        .unwrap();
    r.add(5, ip6("2001:db8::2"), M, false).unwrap();
    r
}

// A = aa:bb:cc:dd:ee:01, M = fa:16:3e:00:00:02
// Ether(src=A,dst="ff:ff:ff:ff:ff:ff")/ARP(op=1,hwsrc=A,psrc="10.0.0.1",pdst="10.0.0.2")/Padding(load=b"\0"*18)
const ARP_REQ: &str = "ffffffffffffaabbccddee010806000108000604\
0001aabbccddee010a0000010000000000000a000002000000000000000000000000000000000000";
// Ether(dst=A,src=M)/ARP(op=2,hwsrc=M,psrc="10.0.0.2",hwdst=A,pdst="10.0.0.1")/Padding(load=b"\0"*18)
const ARP_REP: &str = "aabbccddee01fa163e00000208060001080006040002fa163e0000020a000002aabbccddee010a000001000000000000000000000000000000000000";
// Ether(src=A,dst=bcast)/Dot1Q(vlan=100,prio=3)/ARP(op=1,hwsrc=A,psrc="10.0.0.1",pdst="10.0.0.2")
const ARPV_REQ: &str =
    "ffffffffffffaabbccddee018100606408060001080006040001aabbccddee010a0000010000000000000a000002";
// Ether(dst=A,src=M)/Dot1Q(vlan=100,prio=3)/ARP(op=2,hwsrc=M,psrc="10.0.0.2",hwdst=A,pdst="10.0.0.1")
const ARPV_REP: &str =
    "aabbccddee01fa163e0000028100606408060001080006040002fa163e0000020a000002aabbccddee010a000001";
// Ether(src=A,dst="33:33:ff:00:00:02")/IPv6(src="2001:db8::1",dst="ff02::1:ff00:2",hlim=255)
//   /ICMPv6ND_NS(tgt="2001:db8::2")/ICMPv6NDOptSrcLLAddr(lladdr=A)
const NS: &str = "3333ff000002aabbccddee0186dd6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff0000028700b88c0000000020010db80000000000000000000000020101aabbccddee01";
// Ether(dst=A,src=M)/IPv6(src="2001:db8::2",dst="2001:db8::1",hlim=255)
//   /ICMPv6ND_NA(tgt="2001:db8::2",R=0,S=1,O=1)/ICMPv6NDOptDstLLAddr(lladdr=M)
const NA: &str = "aabbccddee01fa163e00000286dd6000000000203aff20010db800000000000000000000000220010db80000000000000000000000018800545a6000000020010db80000000000000000000000020201fa163e000002";
// The same with R=1.
const NA_ROUTER: &str = "aabbccddee01fa163e00000286dd6000000000203aff20010db800000000000000000000000220010db80000000000000000000000018800d459e000000020010db80000000000000000000000020201fa163e000002";
// Ether(src=A,dst=M)/IPv6(src="2001:db8::1",dst="2001:db8::2",hlim=255)/ICMPv6ND_NS(tgt="2001:db8::2")
const NS_UNICAST: &str = "fa163e000002aabbccddee0186dd6000000000183aff20010db800000000000000000000000120010db80000000000000000000000028700ef7c0000000020010db8000000000000000000000002";
// Ether(dst=A,src=M)/IPv6(src="2001:db8::2",dst="2001:db8::1",hlim=255)/ICMPv6ND_NA(tgt="2001:db8::2",R=0,S=1,O=1)
const NA_NOOPT: &str = "aabbccddee01fa163e00000286dd6000000000183aff20010db800000000000000000000000220010db800000000000000000000000188008e7c6000000020010db8000000000000000000000002";
// NS above plus Raw(load=bytes([14,1,1,2,3,4,5,6])) (an RFC 3971 nonce option).
const NS_NONCE: &str = "3333ff000002aabbccddee0186dd6000000000283aff20010db8000000000000000000000001ff0200000000000000000001ff0000028700a1770000000020010db80000000000000000000000020101aabbccddee010e01010203040506";
// Ether(src=A,dst="33:33:ff:00:00:02",type=0x88a8)/Dot1Q(vlan=10,type=0x8100)/Dot1Q(vlan=20)/<NS above>
const NSQ: &str = "3333ff000002aabbccddee0188a8000a8100001486dd6000000000203aff20010db8000000000000000000000001ff0200000000000000000001ff0000028700b88c0000000020010db80000000000000000000000020101aabbccddee01";
// Ether(dst=A,src=M,type=0x88a8)/Dot1Q(vlan=10,type=0x8100)/Dot1Q(vlan=20)/<NA above>
const NAQ: &str = "aabbccddee01fa163e00000288a8000a8100001486dd6000000000203aff20010db800000000000000000000000220010db80000000000000000000000018800545a6000000020010db80000000000000000000000020201fa163e000002";

fn run(
    r: &mut Responder<alloc::boxed::Box<[u8]>>,
    seg: u32,
    req: &str,
    room: usize,
) -> (Verdict, Vec<u8>) {
    let mut b = hex(req);
    let len = b.len();
    b.resize(len + room, 0);
    let v = r.respond(seg, &mut b, len);
    if let Verdict::Replied { len } = v {
        b.truncate(len);
    } else {
        assert_eq!(
            &b[..len],
            &hex(req)[..],
            "a frame not answered is untouched"
        );
        b.truncate(len);
    }
    (v, b)
}

#[test]
fn arp_replies_match_scapy() {
    let mut r = responder();
    let (v, out) = run(&mut r, 5, ARP_REQ, 0);
    assert_eq!(v, Verdict::Replied { len: 60 });
    assert_eq!(out, hex(ARP_REP));
    let (v, out) = run(&mut r, 5, ARPV_REQ, 0);
    assert_eq!(v, Verdict::Replied { len: 46 });
    assert_eq!(out, hex(ARPV_REP));
    assert_eq!(r.counters().arp_replies, 2);
    // Another segment does not know the address.
    assert_eq!(
        run(&mut r, 6, ARP_REQ, 0).0,
        Verdict::Pass(NoReply::Unknown)
    );
}

#[test]
fn na_replies_match_scapy() {
    let mut r = responder();
    assert_eq!(
        run(&mut r, 5, NS, 0),
        (Verdict::Replied { len: 86 }, hex(NA))
    );
    assert_eq!(
        run(&mut r, 5, NSQ, 0),
        (Verdict::Replied { len: 94 }, hex(NAQ))
    );
    // The nonce option is dropped: the reply is shorter than the request.
    assert_eq!(
        run(&mut r, 5, NS_NONCE, 0),
        (Verdict::Replied { len: 86 }, hex(NA))
    );
    // Unicast NS without options: with tailroom the NA carries the option, without it not.
    assert_eq!(
        run(&mut r, 5, NS_UNICAST, 8),
        (Verdict::Replied { len: 86 }, hex(NA))
    );
    assert_eq!(
        run(&mut r, 5, NS_UNICAST, 0),
        (Verdict::Replied { len: 78 }, hex(NA_NOOPT))
    );
    r.add(5, ip6("2001:db8::2"), M, true).unwrap();
    assert_eq!(
        run(&mut r, 5, NS, 0),
        (Verdict::Replied { len: 86 }, hex(NA_ROUTER))
    );
    assert_eq!(r.counters().na_replies, 6);
}

/// Gratuitous ARP, probes, DAD and replies pass untouched (Linux br_arp_nd_proxy.c).
#[test]
fn not_answered_as_linux() {
    let mut r = responder();
    let mut garp = hex(ARP_REQ);
    garp[28..32].copy_from_slice(&[10, 0, 0, 2]); // spa = tpa
    let mut probe = hex(ARP_REQ);
    probe[28..32].copy_from_slice(&[0, 0, 0, 0]);
    let mut reply = hex(ARP_REP);
    let mut lo = hex(ARP_REQ);
    lo[38..42].copy_from_slice(&[127, 0, 0, 1]);
    let mut mc = hex(ARP_REQ);
    mc[38..42].copy_from_slice(&[224, 0, 0, 1]);
    for (frame, want) in [
        (&mut garp, NoReply::Gratuitous),
        (&mut probe, NoReply::Probe),
        (&mut reply, NoReply::NotRequest),
        (&mut lo, NoReply::BadTarget),
        (&mut mc, NoReply::BadTarget),
    ] {
        let before = frame.clone();
        let len = frame.len();
        assert_eq!(r.respond(5, frame, len), Verdict::Pass(want));
        assert_eq!(*frame, before);
    }
    // DAD: scapy Ether(src=A,dst="33:33:ff:00:00:02")/IPv6(src="::",dst="ff02::1:ff00:2",hlim=255)
    //   /ICMPv6ND_NS(tgt="2001:db8::2")
    let dad = "3333ff000002aabbccddee0186dd6000000000183aff00000000000000000000000000000000ff0200000000000000000001ff00000287004ceb0000000020010db8000000000000000000000002";
    assert_eq!(run(&mut r, 5, dad, 8).0, Verdict::Pass(NoReply::Dad));
    assert_eq!(run(&mut r, 5, NA, 0).0, Verdict::Pass(NoReply::NotArpOrNs));
    let c = r.counters();
    assert_eq!((c.gratuitous, c.probes, c.dad, c.passed), (1, 1, 1, 4));
}

#[test]
fn malformed_is_counted_not_answered() {
    let mut r = responder();
    let mut bad = Vec::new();
    // Bad ICMPv6 checksum.
    let mut f = hex(NS);
    f[57] ^= 1;
    bad.push(f);
    // Hop limit 64.
    let mut f = hex(NS);
    f[21] = 64;
    bad.push(f);
    // IPv6 payload length beyond the frame.
    let mut f = hex(NS);
    f[19] = 0x40;
    bad.push(f);
    // Zero-length ND option.
    let mut f = hex(NS);
    f[79] = 0;
    bad.push(f);
    // ARP with hardware length 8.
    let mut f = hex(ARP_REQ);
    f[18] = 8;
    bad.push(f);
    // NS from a multicast source (found by the l2_responder fuzz target).
    let mut f = hex(NS);
    f[22] = 0xff;
    let sum = u16::from_be_bytes([f[56], f[57]]);
    // Keep the checksum valid: the first source word went from 0x2001 to 0xff01.
    let fixed = crate::wire::checksum::update_u16(sum, 0x2001, 0xff01);
    f[56..58].copy_from_slice(&fixed.to_be_bytes());
    bad.push(f);
    // ARP truncated.
    bad.push(hex(ARP_REQ)[..30].to_vec());
    // ARP from a group sender MAC.
    let mut f = hex(ARP_REQ);
    f[22] = 0x01;
    bad.push(f);
    for (i, f) in bad.iter_mut().enumerate() {
        let len = f.len();
        let before = f.clone();
        assert!(
            matches!(r.respond(5, f, len), Verdict::Malformed(_)),
            "case {i}"
        );
        assert_eq!(*f, before);
    }
    assert_eq!(r.counters().malformed, bad.len() as u64);
    // A length past the buffer is refused, not a panic.
    let mut f = hex(NS);
    assert!(matches!(r.respond(5, &mut f, 1000), Verdict::Malformed(_)));
}

#[test]
fn bindings() {
    let mut r = Responder::with_capacity(2, 1).unwrap();
    let v4 = IpAddr::V4(Ipv4Addr::new(10, 1, 1, 1));
    assert_eq!(
        r.add(1, v4, MacAddr::BROADCAST, false),
        Err(ResponderError::BadBinding)
    );
    assert_eq!(
        r.add(1, IpAddr::V4(Ipv4Addr::UNSPECIFIED), M, false),
        Err(ResponderError::BadBinding)
    );
    assert_eq!(
        r.add(1, ip6("ff02::1"), M, false),
        Err(ResponderError::BadBinding)
    );
    r.add(1, v4, M, true).unwrap();
    r.add(2, v4, A, false).unwrap();
    assert_eq!(r.add(3, v4, A, false), Err(ResponderError::Full));
    assert_eq!(
        r.get(1, v4),
        Some(Binding {
            mac: M,
            router: true
        })
    );
    // The v4 and v4-mapped v6 forms do not collide across families in practice, but are
    // the same key: document it by test.
    assert_eq!(
        r.get(1, ip6("::ffff:10.1.1.1")),
        Some(Binding {
            mac: M,
            router: true
        })
    );
    assert!(r.remove(1, v4));
    assert!(!r.remove(1, v4));
    assert_eq!(r.len(), 1);
    let mut mem = vec![0u8; Responder::mem_size(10).unwrap()];
    let mut r2 = Responder::new_in(&mut mem, 10, 3).unwrap();
    r2.add(5, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), M, false)
        .unwrap();
    let mut b = hex(ARP_REQ);
    assert_eq!(r2.respond(5, &mut b, 60), Verdict::Replied { len: 60 });
    assert_eq!(b, hex(ARP_REP));
}

proptest! {
    /// Arbitrary bytes (and mutations of real requests) never panic; an answer is always a
    /// valid reply: an ARP reply, or an NA whose checksum verifies and that passes RFC 4861's
    /// validity checks.
    #[test]
    fn never_panics_and_replies_are_valid(
        base in 0usize..5, flips in proptest::collection::vec((0usize..120, any::<u8>()), 0..4),
        junk in proptest::collection::vec(any::<u8>(), 0..200), room in 0usize..16, use_junk in any::<bool>(),
    ) {
        let mut r = responder();
        let mut f = if use_junk { junk } else {
            let mut f = hex([ARP_REQ, NS, NSQ, NS_UNICAST, NS_NONCE][base]);
            for (at, x) in flips { if let Some(b) = f.get_mut(at) { *b ^= x; } }
            f
        };
        let len = f.len();
        f.resize(len + room, 0);
        if let Verdict::Replied { len } = r.respond(5, &mut f, len) {
            let out = &f[..len];
            let eth = crate::wire::ethernet::EthernetFrame::parse(out).unwrap();
            prop_assert_eq!(eth.src(), M);
            let (_, et, tags) = vlan::walk_tags(eth.ethertype(), eth.payload()).unwrap();
            let l3 = &eth.payload()[tags..];
            if et == ethertype::ARP {
                let a = arp::ArpPacket::parse(l3).unwrap();
                prop_assert_eq!(a.oper(), arp::OP_REPLY);
                prop_assert_eq!(a.sha(), M);
                prop_assert_eq!(eth.dst(), a.tha());
            } else {
                let ip = crate::wire::ipv6::Ipv6Packet::parse(l3).unwrap();
                let p = icmpv6::Icmpv6Packet::parse(ip.upper_payload()).unwrap();
                prop_assert_eq!(p.msg_type(), msg_type::NEIGHBOR_ADVERT);
                prop_assert!(p.verify_checksum(&ip.src(), &ip.dst()));
                prop_assert!(p.validate_nd(&ip.src(), &ip.dst(), ip.header().hop_limit).is_ok());
            }
        }
    }
}
