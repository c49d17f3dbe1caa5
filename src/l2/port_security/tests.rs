//! Port-security tests: frames built by scapy (expression above each vector) with the
//! verdict Neutron's firewall gives them; a linear-scan oracle for the address matching.

use super::*;
use core::net::Ipv4Addr;
use proptest::prelude::*;
use std::prelude::rust_2021::*;
use DropReason::*;

const P: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33]);
const Q: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0x99, 0x88, 0x77]);

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn v4(s: &str) -> IpAddr {
    IpAddr::V4(s.parse().unwrap())
}

fn v6(s: &str) -> IpAddr {
    IpAddr::V6(s.parse().unwrap())
}

/// Port P: fixed 10.0.0.5 and 2001:db8::5; pairs (Q, 192.168.7.0/24) and (P, 10.0.0.100/32).
fn port() -> PortSecurity {
    let mut p = PortSecurity::new(P).unwrap();
    p.add_fixed_ip(v4("10.0.0.5")).unwrap();
    p.add_fixed_ip(v6("2001:db8::5")).unwrap();
    p.add_allowed_pair(Some(Q), v4("192.168.7.1"), 24).unwrap();
    p.add_allowed_pair(None, v4("10.0.0.100"), 32).unwrap();
    p
}

// P = fa:16:3e:11:22:33 (the port), Q = fa:16:3e:99:88:77 (an allowed pair's MAC),
// X = fa:16:3e:de:ad:00 (a stranger), LL = fe80::f816:3eff:fe11:2233 (P's EUI-64 link-local).
const VECTORS: &[(&str, &str, Verdict)] = &[
    // Ether(src=P,dst=Q)/IP(src="10.0.0.5",dst="10.0.0.9")/UDP(sport=1234,dport=53)
    ("UDP_OK", "fa163e998877fa163e11223308004500001c00010000401166c30a0000050a00000904d200350008e6c9", Verdict::Allow),
    // Ether(src=P,dst=Q)/IP(src="10.0.0.6",dst="10.0.0.9")/UDP(sport=1234,dport=53)
    ("UDP_SPOOF_IP", "fa163e998877fa163e11223308004500001c00010000401166c20a0000060a00000904d200350008e6c8", Verdict::Drop(SrcIp)),
    // Ether(src=X,dst=Q)/IP(src="10.0.0.5",dst="10.0.0.9")/UDP(sport=1234,dport=53)
    ("UDP_SPOOF_MAC", "fa163e998877fa163edead0008004500001c00010000401166c30a0000050a00000904d200350008e6c9", Verdict::Drop(SrcMac)),
    // Ether(src=Q,dst=P)/IP(src="192.168.7.200",dst="10.0.0.9")/TCP(sport=1,dport=2)
    ("AAP_CIDR_OK", "fa163e112233fa163e998877080045000028000100004006a856c0a807c80a00000900010002000000000000000050022000bd660000", Verdict::Allow),
    // Ether(src=P,dst=Q)/IP(src="192.168.7.200",dst="10.0.0.9")/TCP(sport=1,dport=2)
    ("AAP_CIDR_WRONG_MAC", "fa163e998877fa163e112233080045000028000100004006a856c0a807c80a00000900010002000000000000000050022000bd660000", Verdict::Drop(SrcIp)),
    // Ether(src=P,dst=Q)/IP(src="10.0.0.100",dst="10.0.0.9")/ICMP()
    ("AAP_VIP_PORT_MAC", "fa163e998877fa163e11223308004500001c00010000400166740a0000640a0000090800f7ff00000000", Verdict::Allow),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/IP(src="0.0.0.0",dst="255.255.255.255")/UDP(sport=68,dport=67)/BOOTP(chaddr=mac2str(P))/DHCP(options=[("message-type","discover"),"end"])
    ("DHCP_DISCOVER", "fffffffffffffa163e11223308004500011000010000401179dd00000000ffffffff0044004300fcae2d01010600000000000000000000000000000000000000000000000000fa163e1122330000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000063825363350101ff", Verdict::Allow),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/IP(src="0.0.0.0",dst="10.0.0.1")/UDP(sport=68,dport=67)
    ("ZERO_SRC_NOT_DHCP", "fffffffffffffa163e11223308004500001c00010000401170d0000000000a000001004400430008f556", Verdict::Drop(UnspecifiedSource)),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/IP(src="10.0.0.5",dst="255.255.255.255")/UDP(sport=67,dport=68)/BOOTP(op=2)
    ("DHCP_SERVER", "fffffffffffffa163e1122330800450001080001000040116fe00a000005ffffffff0043004400f4eb790201060000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", Verdict::Drop(DhcpServer)),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/ARP(op=1,hwsrc=P,psrc="10.0.0.5",pdst="10.0.0.1")
    ("ARP_OK", "fffffffffffffa163e11223308060001080006040001fa163e1122330a0000050000000000000a000001", Verdict::Allow),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/ARP(op=1,hwsrc=P,psrc="0.0.0.0",pdst="10.0.0.5")
    ("ARP_PROBE", "fffffffffffffa163e11223308060001080006040001fa163e112233000000000000000000000a000005", Verdict::Allow),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/ARP(op=2,hwsrc=P,psrc="10.0.0.1",pdst="10.0.0.9")
    ("ARP_SPOOF_SPA", "fffffffffffffa163e11223308060001080006040002fa163e1122330a0000010000000000000a000009", Verdict::Drop(ArpSpoof)),
    // Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/ARP(op=1,hwsrc=X,psrc="10.0.0.5",pdst="10.0.0.1")
    ("ARP_SPOOF_SHA", "fffffffffffffa163e11223308060001080006040001fa163edead000a0000050000000000000a000001", Verdict::Drop(ArpSpoof)),
    // Ether(src=P,dst="33:33:00:00:00:02")/IPv6(src=LL,dst="ff02::2",hlim=255)/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr=P)
    ("V6_LL_OK", "333300000002fa163e11223386dd6000000000103afffe80000000000000f8163efffe112233ff0200000000000000000000000000028500ca77000000000101fa163e112233", Verdict::Allow),
    // Ether(src=P,dst=Q)/IPv6(src="2001:db8::5",dst="2001:db8::9")/UDP(sport=5,dport=6)
    ("V6_GLOBAL_OK", "fa163e998877fa163e11223386dd600000000008114020010db800000000000000000000000520010db8000000000000000000000009000500060008a453", Verdict::Allow),
    // Ether(src=P,dst=Q)/IPv6(src="2001:db8::6",dst="2001:db8::9")/UDP(sport=5,dport=6)
    ("V6_SPOOF", "fa163e998877fa163e11223386dd600000000008114020010db800000000000000000000000620010db8000000000000000000000009000500060008a452", Verdict::Drop(SrcIp)),
    // Ether(src=P,dst="33:33:00:00:00:01")/IPv6(src=LL,dst="ff02::1",hlim=255)/ICMPv6ND_RA()
    ("RA", "333300000001fa163e11223386dd6000000000103afffe80000000000000f8163efffe112233ff02000000000000000000000000000186001dc5000807080000000000000000", Verdict::Drop(RouterAdvert)),
    // Ether(src=P,dst=Q)/IPv6(src=LL,dst="fe80::1")/UDP(sport=547,dport=546)/DHCP6_Reply()
    ("DHCPV6_SERVER", "fa163e998877fa163e11223386dd60000000000c1140fe80000000000000f8163efffe112233fe80000000000000000000000000000102230222000ca03307000000", Verdict::Drop(DhcpServer)),
    // Ether(src=P,dst="33:33:00:01:00:02")/IPv6(src=LL,dst="ff02::1:2")/UDP(sport=546,dport=547)/DHCP6_Solicit()
    ("DHCPV6_CLIENT", "333300010002fa163e11223386dd60000000000c1140fe80000000000000f8163efffe112233ff02000000000000000000000001000202220223000ca5af01000000", Verdict::Allow),
    // Ether(src=P,dst="33:33:ff:00:00:05")/IPv6(src="::",dst="ff02::1:ff00:5",hlim=255)/ICMPv6ND_NS(tgt="2001:db8::5")
    ("DAD", "3333ff000005fa163e11223386dd6000000000183aff00000000000000000000000000000000ff0200000000000000000001ff00000587004ce50000000020010db8000000000000000000000005", Verdict::Allow),
    // Ether(src=P,dst=Q)/IPv6(src="::",dst="ff02::1:2")/UDP(sport=546,dport=547)
    ("ZERO6_UDP", "fa163e998877fa163e11223386dd600000000008114000000000000000000000000000000000ff020000000000000000000000010002022202230008fc93", Verdict::Drop(UnspecifiedSource)),
    // Ether(src=P,dst="33:33:00:00:00:16")/IPv6(src="::",dst="ff02::16",hlim=1)/ICMPv6MLReport2()
    ("MLD2", "333300000016fa163e11223386dd6000000000083a0100000000000000000000000000000000ff0200000000000000000000000000168f0071a400000000", Verdict::Allow),
    // Ether(src=P,dst=Q)/IPv6(src="2001:db8::5",dst="2001:db8::9",hlim=255)/ICMPv6ND_NA(tgt="2001:db8::5",S=1)/ICMPv6NDOptDstLLAddr(lladdr=P)
    ("NA_OK", "fa163e998877fa163e11223386dd6000000000203aff20010db800000000000000000000000520010db80000000000000000000000098800b209e000000020010db80000000000000000000000050201fa163e112233", Verdict::Allow),
    // Ether(src=P,dst=Q)/IPv6(src="2001:db8::5",dst="2001:db8::9",hlim=255)/ICMPv6ND_NA(tgt="2001:db8::1",S=1)/ICMPv6NDOptDstLLAddr(lladdr=P)
    ("NA_SPOOF_TARGET", "fa163e998877fa163e11223386dd6000000000203aff20010db800000000000000000000000520010db80000000000000000000000098800b20de000000020010db80000000000000000000000010201fa163e112233", Verdict::Drop(NdSpoof)),
    // Ether(src=P,dst=Q)/IPv6(src="2001:db8::5",dst="2001:db8::9",hlim=255)/ICMPv6ND_NA(tgt="2001:db8::5",S=1)/ICMPv6NDOptDstLLAddr(lladdr=X)
    ("NA_SPOOF_TLL", "fa163e998877fa163e11223386dd6000000000203aff20010db800000000000000000000000520010db80000000000000000000000098800266fe000000020010db80000000000000000000000050201fa163edead00", Verdict::Drop(NdSpoof)),
    // Ether(src=P,dst="33:33:ff:00:00:09")/IPv6(src="2001:db8::5",dst="ff02::1:ff00:9",hlim=255)/ICMPv6ND_NS(tgt="2001:db8::9")/ICMPv6NDOptSrcLLAddr(lladdr=X)
    ("NS_SPOOF_SLL", "3333ff000009fa163e11223386dd6000000000203aff20010db8000000000000000000000005ff0200000000000000000001ff000009870038200000000020010db80000000000000000000000090101fa163edead00", Verdict::Drop(NdSpoof)),
    // Ether(src=P,dst=Q)/Dot1Q(vlan=7)/IP(src="10.0.0.5",dst="10.0.0.9")/UDP(sport=1,dport=2)
    ("VLAN_OK", "fa163e998877fa163e1122338100000708004500001c00010000401166c30a0000050a000009000100020008ebcd", Verdict::Allow),
    // Ether(src=P,dst="01:80:c2:00:00:0e",type=0x88cc)/Raw(load=b"\x02\x07\x04"+b"\x00"*40)
    ("LLDP", "0180c200000efa163e11223388cc02070400000000000000000000000000000000000000000000000000000000000000000000000000000000", Verdict::Drop(EtherType)),
    // Ether(src=P,dst=Q,type=0x0800)/Raw(load=b"\x45\x00\x00")
    ("TRUNC_IP", "fa163e998877fa163e1122330800450000", Verdict::Drop(Malformed)),
];

#[test]
fn scapy_frames_get_neutrons_verdicts() {
    let mut p = port();
    for (name, frame, want) in VECTORS {
        assert_eq!(p.check(&hex(frame)), *want, "{name}");
    }
    let c = p.counters();
    let drops = c.malformed
        + c.src_mac
        + c.src_ip
        + c.arp_spoof
        + c.nd_spoof
        + c.dhcp_server
        + c.router_advert
        + c.ethertype
        + c.unspecified_source;
    assert_eq!(c.allowed + drops, VECTORS.len() as u64);
    assert_eq!(
        c.allowed,
        VECTORS.iter().filter(|v| v.2 == Verdict::Allow).count() as u64
    );
    assert_eq!((c.dhcp_server, c.nd_spoof, c.arp_spoof), (2, 3, 2));
}

#[test]
fn eui64_link_local_matches_rfc4291() {
    // RFC 4291 appendix A: 34-56-78-9A-BC-DE -> 3656:78ff:fe9a:bcde.
    let m = MacAddr([0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde]);
    assert_eq!(
        eui64_link_local(m),
        "fe80::3656:78ff:fe9a:bcde".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(
        eui64_link_local(P),
        "fe80::f816:3eff:fe11:2233".parse::<Ipv6Addr>().unwrap()
    );
}

#[test]
fn configuration_limits() {
    assert!(PortSecurity::new(MacAddr::BROADCAST).is_none());
    assert!(PortSecurity::new(MacAddr::ZERO).is_none());
    let mut p = PortSecurity::new(P).unwrap();
    assert_eq!(
        p.add_fixed_ip(v4("0.0.0.0")),
        Err(PortSecurityError::BadAddress)
    );
    assert_eq!(
        p.add_fixed_ip(v6("ff02::1")),
        Err(PortSecurityError::BadAddress)
    );
    assert_eq!(
        p.add_allowed_pair(None, v4("10.0.0.0"), 33),
        Err(PortSecurityError::BadPrefix(33))
    );
    assert_eq!(
        p.add_allowed_pair(Some(MacAddr::BROADCAST), v4("10.0.0.0"), 8),
        Err(PortSecurityError::BadAddress)
    );
    for i in 0..MAX_ALLOWED_PAIRS as u8 {
        p.add_allowed_pair(Some(MacAddr([2, 0, 0, 0, 0, i])), v4("10.9.0.0"), 16)
            .unwrap();
    }
    // A duplicate is a no-op, one more is refused and changes nothing.
    p.add_allowed_pair(Some(MacAddr([2, 0, 0, 0, 0, 0])), v4("10.9.0.0"), 16)
        .unwrap();
    assert_eq!(
        p.add_allowed_pair(None, v4("10.8.0.0"), 16),
        Err(PortSecurityError::TooMany)
    );
    assert!(!p.allows(P, v4("10.8.0.1")));
    assert!(p.allows(MacAddr([2, 0, 0, 0, 0, 9]), v4("10.9.255.255")));
    // Every allowed MAC gets its link-local.
    assert!(p.allows(
        MacAddr([2, 0, 0, 0, 0, 9]),
        IpAddr::V6(eui64_link_local(MacAddr([2, 0, 0, 0, 0, 9])))
    ));
    for i in 0..MAX_FIXED_IPS as u8 {
        p.add_fixed_ip(v4(&format!("10.1.0.{}", i + 1))).unwrap();
    }
    assert_eq!(
        p.add_fixed_ip(v4("10.1.1.1")),
        Err(PortSecurityError::TooMany)
    );
    p.clear();
    assert!(!p.allows(P, v4("10.1.0.1")));
    assert!(p.allows(P, IpAddr::V6(eui64_link_local(P))));
}

/// The naive rule: some (mac, cidr) covers ip.
fn oracle(
    mac: MacAddr,
    port_mac: MacAddr,
    fixed: &[IpAddr],
    pairs: &[(MacAddr, IpAddr, u8)],
    ip: IpAddr,
) -> bool {
    let covers = |net: IpAddr, len: u8, ip: IpAddr| match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            len == 0 || (u32::from(n) ^ u32::from(a)) >> (32 - u32::from(len)) == 0
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            len == 0 || (u128::from(n) ^ u128::from(a)) >> (128 - u32::from(len)) == 0
        }
        _ => false,
    };
    let mut macs = vec![port_mac];
    macs.extend(pairs.iter().map(|p| p.0));
    (mac == port_mac && fixed.contains(&ip))
        || pairs
            .iter()
            .any(|(m, n, l)| *m == mac && covers(*n, *l, ip))
        || macs
            .iter()
            .any(|m| *m == mac && IpAddr::V6(eui64_link_local(*m)) == ip)
}

fn arb_ip(v6: bool) -> impl Strategy<Value = IpAddr> {
    // A small address space so that ranges overlap and queries hit their edges.
    (0u32..64, any::<bool>()).prop_map(move |(x, hi)| {
        if v6 {
            let base: u128 = if hi { 0x2001_0db8 << 96 } else { 0xfe80 << 112 };
            IpAddr::V6(Ipv6Addr::from(base | u128::from(x)))
        } else {
            IpAddr::V4(Ipv4Addr::from(
                if hi { 0xc0a8_0000 } else { 0x0a00_0000 } | x,
            ))
        }
    })
}

proptest! {
    /// The flattened intervals agree with a linear scan for any pairs (overlapping, nested,
    /// /0 included) and any query.
    #[test]
    fn matching_agrees_with_linear_scan(
        fixed in proptest::collection::vec((any::<bool>(), 0u32..64), 0..6),
        pairs in proptest::collection::vec((0u8..4, any::<bool>(), 0u32..64, any::<bool>(), 0u8..=130), 0..10),
        queries in proptest::collection::vec((0u8..5, any::<bool>(), 0u32..64, any::<bool>()), 1..40),
    ) {
        let mac = |i: u8| if i == 0 { P } else { MacAddr([2, 0, 0, 0, 0, i]) };
        let mk = |v6: bool, x: u32, hi: bool| if v6 {
            let base: u128 = if hi { 0x2001_0db8 << 96 } else { 0xfe80 << 112 };
            IpAddr::V6(Ipv6Addr::from(base | u128::from(x)))
        } else {
            IpAddr::V4(Ipv4Addr::from(if hi { 0xc0a8_0000 } else { 0x0a00_0000 } | x))
        };
        let mut p = PortSecurity::new(P).unwrap();
        let mut f_ok = Vec::new();
        let mut p_ok = Vec::new();
        for (is6, x) in fixed {
            let ip = mk(is6, x.max(1), true);
            if p.add_fixed_ip(ip).is_ok() && !f_ok.contains(&ip) { f_ok.push(ip); }
        }
        for (m, is6, x, hi, len) in pairs {
            let ip = mk(is6, x, hi);
            let max = if is6 { 128 } else { 32 };
            let len = if len > max { len % (max + 1) } else { len };
            // Low prefixes (/0../8) make wide, nested ranges.
            let len = if len > 8 && len < max - 8 { max - (len % 8) } else { len };
            match p.add_allowed_pair(Some(mac(m)), ip, len) {
                Ok(()) => if !p_ok.contains(&(mac(m), ip, len)) { p_ok.push((mac(m), ip, len)) },
                Err(e) => prop_assert!(matches!(e, PortSecurityError::BadAddress)),
            }
        }
        for (m, is6, x, hi) in queries {
            let ip = mk(is6, x, hi);
            prop_assert_eq!(p.allows(mac(m), ip), oracle(mac(m), P, &f_ok, &p_ok, ip), "{:?} {:?}", mac(m), ip);
        }
        let _ = arb_ip(false);
    }

    /// Arbitrary bytes and mutated real frames never panic; counters add up.
    #[test]
    fn never_panics(base in 0usize..VECTORS.len(), flips in proptest::collection::vec((0usize..120, any::<u8>()), 0..4),
                    junk in proptest::collection::vec(any::<u8>(), 0..160), use_junk in any::<bool>()) {
        let mut p = port();
        let f = if use_junk { junk } else {
            let mut f = hex(VECTORS[base].1);
            for (at, x) in flips { if let Some(b) = f.get_mut(at) { *b ^= x; } }
            f
        };
        p.check(&f);
        let c = p.counters();
        prop_assert_eq!(c.allowed + c.malformed + c.src_mac + c.src_ip + c.arp_spoof + c.nd_spoof
            + c.dhcp_server + c.router_advert + c.ethertype + c.unspecified_source, 1);
    }
}
