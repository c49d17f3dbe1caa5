//! The ARP/ND responder on arbitrary frames: never panics; a frame it does not answer is left
//! byte for byte as it was; an answer is a valid reply from the bound MAC — an ARP reply
//! addressed to the requester, or a Neighbor Advertisement whose checksum verifies and that
//! passes RFC 4861's receive checks — and fits the buffer. Counters add up to the calls.
//! Input: one byte of tailroom, then the frame.
#![no_main]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use neutrino::l2::responder::{Responder, Verdict};
use neutrino::wire::arp::{ArpPacket, OP_REPLY};
use neutrino::wire::ethernet::EthernetFrame;
use neutrino::wire::icmpv6::{msg_type, Icmpv6Packet};
use neutrino::wire::ipv6::Ipv6Packet;
use neutrino::wire::{ethertype, vlan, MacAddr};

const M: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 2]);

fuzz_target!(|data: &[u8]| {
    let Some((&room, frame)) = data.split_first() else {
        return;
    };
    let mut r = Responder::with_capacity(8, 1).unwrap();
    r.add(5, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), M, false)
        .unwrap();
    r.add(
        5,
        IpAddr::V6("2001:db8::2".parse::<Ipv6Addr>().unwrap()),
        M,
        true,
    )
    .unwrap();
    let len = frame.len();
    let mut buf = frame.to_vec();
    buf.resize(len + usize::from(room % 16), 0);
    match r.respond(5, &mut buf, len) {
        Verdict::Replied { len: n } => {
            assert!(n <= buf.len());
            let out = &buf[..n];
            let eth = EthernetFrame::parse(out).unwrap();
            assert_eq!(eth.src(), M);
            let (_, et, tags) = vlan::walk_tags(eth.ethertype(), eth.payload()).unwrap();
            let l3 = &eth.payload()[tags..];
            if et == ethertype::ARP {
                let a = ArpPacket::parse(l3).unwrap();
                assert_eq!((a.oper(), a.sha(), a.spa()), (OP_REPLY, M, [10, 0, 0, 2]));
                assert_eq!(eth.dst(), a.tha());
                assert_eq!(n, len);
            } else {
                let ip = Ipv6Packet::parse(l3).unwrap();
                let p = Icmpv6Packet::parse(ip.upper_payload()).unwrap();
                assert_eq!(p.msg_type(), msg_type::NEIGHBOR_ADVERT);
                assert!(p.verify_checksum(&ip.src(), &ip.dst()));
                p.validate_nd(&ip.src(), &ip.dst(), ip.header().hop_limit)
                    .unwrap();
                assert_eq!(p.target(), Some(ip.src()));
            }
        }
        Verdict::Pass(_) | Verdict::Malformed(_) => assert_eq!(&buf[..len], frame),
    }
    let c = r.counters();
    let total = c.arp_replies
        + c.na_replies
        + c.unknown
        + c.gratuitous
        + c.probes
        + c.dad
        + c.malformed
        + c.no_room
        + c.passed;
    assert_eq!(total, 1);
});
