//! Port security on arbitrary frames and configurations: never panics; exactly one counter
//! moves per frame; an allowed IPv4/IPv6 frame has an allowed source MAC and, unless the
//! source is unspecified, a source address `allows` accepts for that MAC. Input: a
//! configuration (fixed IPs, allowed pairs) then the frame.
#![no_main]
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use neutrino::l2::port_security::{PortSecurity, Verdict};
use neutrino::wire::ethernet::EthernetFrame;
use neutrino::wire::ipv4::Ipv4Packet;
use neutrino::wire::ipv6::Ipv6Packet;
use neutrino::wire::{ethertype, vlan, MacAddr};

/// An allowed pair: MAC (the port's when `None`), IPv6?, address bytes, prefix length.
type Pair = (Option<[u8; 6]>, bool, [u8; 16], u8);

#[derive(Arbitrary, Debug)]
struct Input {
    mac: [u8; 6],
    fixed: Vec<(bool, [u8; 16])>,
    pairs: Vec<Pair>,
    frame: Vec<u8>,
}

fn ip(v6: bool, b: [u8; 16]) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(b))
    } else {
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    }
}

fuzz_target!(|input: Input| {
    let mut mac = input.mac;
    mac[0] &= 0xfe;
    mac[5] |= 1;
    let Some(mut p) = PortSecurity::new(MacAddr(mac)) else {
        return;
    };
    for (v6, b) in input.fixed.into_iter().take(20) {
        let _ = p.add_fixed_ip(ip(v6, b));
    }
    for (m, v6, b, len) in input.pairs.into_iter().take(12) {
        let _ = p.add_allowed_pair(m.map(MacAddr), ip(v6, b), len);
    }
    let v = p.check(&input.frame);
    let c = *p.counters();
    let total = c.allowed
        + c.malformed
        + c.src_mac
        + c.src_ip
        + c.arp_spoof
        + c.nd_spoof
        + c.dhcp_server
        + c.router_advert
        + c.ethertype
        + c.unspecified_source;
    assert_eq!(total, 1);
    if v != Verdict::Allow {
        return;
    }
    let eth = EthernetFrame::parse(&input.frame).unwrap();
    let (_, et, tags) = vlan::walk_tags(eth.ethertype(), eth.payload()).unwrap();
    let l3 = &eth.payload()[tags..];
    match et {
        ethertype::IPV4 => {
            let s = Ipv4Packet::parse(l3).unwrap().src();
            assert!(s == [0; 4] || p.allows(eth.src(), IpAddr::V4(Ipv4Addr::from(s))));
        }
        ethertype::IPV6 => {
            let s = Ipv6Packet::parse(l3).unwrap().src();
            assert!(s == [0; 16] || p.allows(eth.src(), IpAddr::V6(Ipv6Addr::from(s))));
        }
        ethertype::ARP => {}
        other => panic!("allowed EtherType {other:#x}"),
    }
});
