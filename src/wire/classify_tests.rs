//! Classifier tests. Expected values are what scapy 2.8 reports for the same bytes (the
//! generator expressions are quoted), or what etherparse's `SlicedPacket` reports for packets
//! etherparse's builder made: neither shares code with us.

use super::*;
use crate::wire::test_hex as hex;
use crate::wire::MacAddr;
use proptest::prelude::*;
use std::vec::Vec;

const A: MacAddr = MacAddr([0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]);
const B: MacAddr = MacAddr([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);

fn v4(a: [u8; 4]) -> [u8; 16] {
    let mut o = [0; 16];
    o[..4].copy_from_slice(&a);
    o
}

fn v6(s: &str) -> [u8; 16] {
    s.parse::<core::net::Ipv6Addr>().unwrap().octets()
}

// E = Ether(src='00:11:22:33:44:55', dst='66:77:88:99:aa:bb')
// E/IP(src='10.1.2.3',dst='10.4.5.6',ttl=63,tos=0x10)/TCP(sport=12345,dport=443,flags='S')
const TCP4: &str = concat!(
    "66778899aabb001122334455080045100028000100003f0660b20a0102030a040506303901bb00000000000000005002",
    "200042e10000"
);
// E/Dot1Q(vlan=100,prio=5)/IPv6(src='2001:db8::1',dst='fe80::2',hlim=255,fl=0xabcde)
//   /UDP(sport=546,dport=547)/b'dhcp6'
const VLAN6UDP: &str = concat!(
    "66778899aabb0011223344558100a06486dd600abcde000d11ff20010db8000000000000000000000001fe8000000000",
    "0000000000000000000202220223000dd1796468637036"
);
// E/IP(src='192.0.2.1',dst='192.0.2.2')/UDP(sport=50000,dport=4789)/VXLAN(vni=0x123456)
//   /Ether(src='fa:16:3e:00:00:01',dst='fa:16:3e:00:00:02')/IP(src='10.0.0.1',dst='10.0.0.2')
//   /TCP(sport=1111,dport=22,flags='PA')/(b'x'*10)
const VXLAN: &str = concat!(
    "66778899aabb001122334455080045000064000100004011f684c0000201c0000202c35012b50050cd020c0000031234",
    "5600fa163e000002fa163e00000108004500003200010000400666c30a0000010a000002045700160000000000000000",
    "501820001cf9000078787878787878787878"
);
// E/Dot1AD(vlan=10)/Dot1Q(vlan=20)/ARP(op=1,hwsrc='00:11:22:33:44:55',psrc='10.0.0.1',pdst='10.0.0.2')
const QINQ_ARP: &str = concat!(
    "66778899aabb00112233445588a8000a81000014080600010800060400010011223344550a0000010000000000000a00",
    "0002"
);
// E/IPv6(src='2001:db8::a',dst='2001:db8::b')/GRE(key_present=1,key=77,proto=0x6558)
//   /Ether(src='02:00:00:00:00:01',dst='33:33:00:00:00:01')/IPv6(src='fe80::1',dst='ff02::1')
//   /ICMPv6EchoRequest(id=1,seq=2)
const GRE: &str = concat!(
    "66778899aabb00112233445586dd6000000000462f4020010db800000000000000000000000a20010db8000000000000",
    "00000000000b200065580000004d33330000000102000000000186dd6000000000083a40fe8000000000000000000000",
    "00000001ff0200000000000000000000000000018000823400010002"
);
// E/IP(src='192.0.2.1',dst='192.0.2.9')/UDP(sport=40000,dport=6081)
//   /GENEVE(vni=0xabc,proto=0x6558,options=b'\x01\x02\x80\x01\xde\xad\xbe\xef')
//   /Ether()/IP(src='172.16.0.1',dst='172.16.0.2')/UDP(sport=5,dport=6)
const GENEVE: &str = concat!(
    "66778899aabb001122334455080045000056000100004011f68bc0000201c00002099c4017c10042cf9802006558000a",
    "bc0001028001deadbeef02fc0000000502fc0000000108004500001c00010000401122adac100001ac10000200050006",
    "0008a7af"
);
// E/IP(src='1.1.1.1',dst='2.2.2.2',flags='MF',id=777,frag=0)/UDP(sport=9,dport=10,len=1000)/(b'a'*16)
const FRAG1: &str = concat!(
    "66778899aabb00112233445508004500002c03092000401151b301010101020202020009000a03e8eaca616161616161",
    "61616161616161616161"
);
// E/IP(src='1.1.1.1',dst='2.2.2.2',flags=0,id=777,frag=3,proto=17)/(b'b'*16)
const FRAG2: &str = concat!(
    "66778899aabb00112233445508004500002403090003401171b801010101020202026262626262626262626262626262",
    "6262"
);
// E/IP(src='1.1.1.1',dst='2.2.2.2')/ICMP(type=8,id=5,seq=6), zero-padded to 60 bytes
const PADDED: &str = concat!(
    "66778899aabb00112233445508004500001c00010000400174db01010101020202020800f7f400050006000000000000",
    "000000000000000000000000"
);

fn run(h: &str) -> PacketInfo {
    let b = hex(h);
    classify(
        &b,
        &ClassifyOpts {
            verify_checksums: true,
            ..ClassifyOpts::DEFAULT
        },
    )
    .unwrap()
}

#[test]
fn ipv4_tcp() {
    let i = run(TCP4);
    let o = &i.outer;
    assert_eq!((o.eth_dst, o.eth_src, o.ethertype), (A, B, 0x0800));
    assert_eq!(
        (o.l2_off, o.l3_off, o.l4_off, o.payload_off, o.l3_end),
        (0, 14, 34, 54, 54)
    );
    assert_eq!(o.l3, L3Kind::Ipv4);
    assert_eq!((o.src_ip, o.dst_ip), (v4([10, 1, 2, 3]), v4([10, 4, 5, 6])));
    assert_eq!(
        (o.ip_proto, o.src_port, o.dst_port, o.tcp_flags),
        (6, 12345, 443, 0x02)
    );
    assert_eq!((o.ttl, o.tos), (63, 0x10));
    assert!(o
        .flags
        .contains(FrameFlags::L2 | FrameFlags::IPV4 | FrameFlags::L4 | FrameFlags::PORTS));
    assert!(o
        .flags
        .contains(FrameFlags::IP_CSUM_GOOD | FrameFlags::L4_CSUM_GOOD));
    assert_eq!(i.tunnel, TunnelKind::None);
}

#[test]
fn vlan_ipv6_udp() {
    let i = run(VLAN6UDP);
    let o = &i.outer;
    assert_eq!(o.vlan.depth, 1);
    assert_eq!(o.vlan.vids().collect::<Vec<_>>(), [100]);
    assert_eq!(o.vlan.tci[0] >> 13, 5);
    assert_eq!(
        (o.ethertype, o.l3_off, o.l4_off, o.payload_off),
        (0x86dd, 18, 58, 66)
    );
    assert_eq!((o.src_ip, o.dst_ip), (v6("2001:db8::1"), v6("fe80::2")));
    assert_eq!(
        (o.ip_proto, o.src_port, o.dst_port, o.ttl, o.flow_label),
        (17, 546, 547, 255, 0xabcde)
    );
    assert_eq!(
        std::string::ToString::to_string(&o.src_addr().unwrap()),
        "2001:db8::1"
    );
}

#[test]
fn vxlan_inner() {
    let i = run(VXLAN);
    assert_eq!(
        (i.tunnel, i.tunnel_id, i.tunnel_off),
        (TunnelKind::Vxlan, 0x123456, 42)
    );
    assert_eq!((i.outer.src_port, i.outer.dst_port), (50000, 4789));
    let n = &i.inner;
    assert_eq!(
        (n.l2_off, n.l3_off, n.l4_off, n.payload_off),
        (50, 64, 84, 104)
    );
    assert_eq!(n.eth_src, MacAddr([0xfa, 0x16, 0x3e, 0, 0, 1]));
    assert_eq!((n.src_ip, n.dst_ip), (v4([10, 0, 0, 1]), v4([10, 0, 0, 2])));
    assert_eq!((n.src_port, n.dst_port, n.tcp_flags), (1111, 22, 0x18));
    assert!(n.flags.contains(FrameFlags::L4_CSUM_GOOD));
    // Without tunnels the walk stops at the outer UDP.
    let b = hex(VXLAN);
    let plain = classify(
        &b,
        &ClassifyOpts {
            tunnels: false,
            ..ClassifyOpts::DEFAULT
        },
    )
    .unwrap();
    assert_eq!(
        (plain.tunnel, plain.inner),
        (TunnelKind::None, FrameInfo::default())
    );
}

#[test]
fn qinq_arp() {
    let i = run(QINQ_ARP);
    let o = &i.outer;
    assert_eq!(o.vlan.vids().collect::<Vec<_>>(), [10, 20]);
    assert_eq!(o.vlan.tpid, [0x88a8, 0x8100]);
    assert_eq!((o.ethertype, o.l3, o.l3_off), (0x0806, L3Kind::Arp, 22));
    assert!(o.flags.contains(FrameFlags::ARP) && !o.flags.contains(FrameFlags::L4));
}

#[test]
fn gre_teb_over_ipv6() {
    let i = run(GRE);
    assert_eq!(
        (i.tunnel, i.tunnel_id, i.tunnel_off),
        (TunnelKind::Gre, 77, 54)
    );
    assert_eq!(i.outer.ip_proto, 47);
    let n = &i.inner;
    assert_eq!(n.l2_off, 62);
    assert_eq!(n.eth_dst, MacAddr([0x33, 0x33, 0, 0, 0, 1]));
    assert_eq!((n.src_ip, n.dst_ip), (v6("fe80::1"), v6("ff02::1")));
    assert_eq!((n.ip_proto, n.icmp_type, n.icmp_code), (58, 128, 0));
    assert!(n
        .flags
        .contains(FrameFlags::ICMP | FrameFlags::L4_CSUM_GOOD));
}

#[test]
fn geneve_with_options() {
    let i = run(GENEVE);
    assert_eq!(
        (i.tunnel, i.tunnel_id, i.tunnel_off),
        (TunnelKind::Geneve, 0xabc, 42)
    );
    let n = &i.inner;
    assert_eq!(n.l2_off, 42 + 8 + 8);
    assert_eq!(
        (n.src_ip, n.dst_ip),
        (v4([172, 16, 0, 1]), v4([172, 16, 0, 2]))
    );
    assert_eq!((n.src_port, n.dst_port), (5, 6));
}

#[test]
fn fragments() {
    let first = run(FRAG1);
    let o = &first.outer;
    assert!(o.flags.contains(FrameFlags::FRAGMENT | FrameFlags::PORTS));
    assert!(!o
        .flags
        .contains(FrameFlags::LATER_FRAGMENT | FrameFlags::L4_CSUM_GOOD));
    assert_eq!(
        (o.src_port, o.dst_port, o.frag_ident, o.frag_offset),
        (9, 10, 777, 0)
    );
    let later = run(FRAG2);
    let o = &later.outer;
    assert!(o
        .flags
        .contains(FrameFlags::FRAGMENT | FrameFlags::LATER_FRAGMENT));
    assert!(!o.flags.contains(FrameFlags::PORTS));
    assert_eq!((o.frag_offset, o.l4_off, o.ip_proto), (24, 34, 17));
}

#[test]
fn ethernet_padding_is_not_payload() {
    let i = run(PADDED);
    let o = &i.outer;
    assert_eq!((o.l3_end, o.icmp_type, o.payload_off), (42, 8, 42));
    assert!(!o.flags.contains(FrameFlags::PORTS));
}

#[test]
fn truncation_names_the_layer() {
    // Every cut of the TCP/IPv4 frame is an error of the layer that owns the cut byte; the IPv4
    // total length owns everything past the IPv4 header.
    let b = hex(TCP4);
    for cut in 0..b.len() {
        let e = classify(&b[..cut], &ClassifyOpts::DEFAULT).unwrap_err();
        let want = if cut < 14 {
            Layer::Ethernet
        } else {
            Layer::Ipv4
        };
        assert_eq!(e.layer(), want, "cut {cut}: {e}");
        assert!(matches!(e, WireError::Truncated { .. }), "cut {cut}: {e}");
    }
    // VXLAN: cuts inside the inner frame are caught by the outer IPv4 length first.
    let b = hex(VXLAN);
    for cut in 0..b.len() {
        assert!(
            classify(&b[..cut], &ClassifyOpts::DEFAULT).is_err(),
            "cut {cut}"
        );
    }
}

#[test]
fn inner_errors_keep_outer_info() {
    // Shrink every length field consistently so the inner IPv4 header is cut: outer is valid.
    let mut b = hex(VXLAN);
    b.truncate(50 + 14 + 10);
    let len = (b.len() - 14) as u16;
    b[16..18].copy_from_slice(&len.to_be_bytes());
    crate::wire::ipv4::fill_checksum(&mut b[14..]).unwrap();
    b[38..40].copy_from_slice(&(len - 20).to_be_bytes());
    b[40..42].copy_from_slice(&[0, 0]);
    let mut info = PacketInfo::default();
    let e = classify_into(&b, &ClassifyOpts::DEFAULT, &mut info).unwrap_err();
    assert_eq!(
        e,
        WireError::Truncated {
            layer: Layer::Ipv4,
            need: 20,
            have: 10
        }
    );
    assert_eq!((info.tunnel, info.tunnel_id), (TunnelKind::Vxlan, 0x123456));
    assert_eq!(info.outer.dst_port, 4789);
    assert_eq!(info.inner.eth_src, MacAddr([0xfa, 0x16, 0x3e, 0, 0, 1]));
}

#[test]
fn bad_checksums_are_errors_only_when_asked() {
    let mut b = hex(TCP4);
    b[53] ^= 1; // TCP urgent pointer: breaks the TCP checksum only
    assert!(classify(&b, &ClassifyOpts::DEFAULT).is_ok());
    let strict = ClassifyOpts {
        verify_checksums: true,
        ..ClassifyOpts::DEFAULT
    };
    assert_eq!(
        classify(&b, &strict).unwrap_err(),
        WireError::BadChecksum { layer: Layer::Tcp }
    );
    b[53] ^= 1;
    b[22] ^= 1; // IPv4 TTL: breaks the header checksum
    assert_eq!(
        classify(&b, &strict).unwrap_err(),
        WireError::BadChecksum { layer: Layer::Ipv4 }
    );
}

#[test]
fn oversized_frame_refused() {
    let b = std::vec![0u8; 70_000];
    assert!(matches!(
        classify(&b, &ClassifyOpts::DEFAULT),
        Err(WireError::BadLength { .. })
    ));
}

/// Packets built by etherparse's builder with random fields; etherparse's own slicer is the
/// oracle for what classify must report.
mod vs_etherparse {
    use super::*;
    use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};

    #[derive(Debug, Clone)]
    struct Spec {
        vlan: Option<u16>,
        v6: bool,
        tcp: bool,
        src: [u8; 16],
        dst: [u8; 16],
        sport: u16,
        dport: u16,
        payload: Vec<u8>,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            proptest::option::of(0u16..4096),
            any::<bool>(),
            any::<bool>(),
            any::<[u8; 16]>(),
            any::<[u8; 16]>(),
            any::<u16>(),
            any::<u16>().prop_filter("not a tunnel port", |p| *p != 4789 && *p != 6081),
            proptest::collection::vec(any::<u8>(), 0..64),
        )
            .prop_map(|(vlan, v6, tcp, src, dst, sport, dport, payload)| Spec {
                vlan,
                v6,
                tcp,
                src,
                dst,
                sport,
                dport,
                payload,
            })
    }

    fn build(s: &Spec) -> Vec<u8> {
        let eth = PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]);
        let ip = match (s.vlan, s.v6) {
            (Some(v), false) => eth.single_vlan(v.try_into().unwrap()).ipv4(
                s.src[..4].try_into().unwrap(),
                s.dst[..4].try_into().unwrap(),
                64,
            ),
            (None, false) => eth.ipv4(
                s.src[..4].try_into().unwrap(),
                s.dst[..4].try_into().unwrap(),
                64,
            ),
            (Some(v), true) => eth
                .single_vlan(v.try_into().unwrap())
                .ipv6(s.src, s.dst, 64),
            (None, true) => eth.ipv6(s.src, s.dst, 64),
        };
        let mut out = Vec::new();
        if s.tcp {
            let b = ip.tcp(s.sport, s.dport, 1, 1000);
            b.write(&mut out, &s.payload).unwrap();
        } else {
            let b = ip.udp(s.sport, s.dport);
            b.write(&mut out, &s.payload).unwrap();
        }
        out
    }

    proptest! {
        #[test]
        fn same_fields(s in spec()) {
            let bytes = build(&s);
            let info = classify(&bytes, &ClassifyOpts { verify_checksums: true, ..ClassifyOpts::DEFAULT }).unwrap();
            let ep = SlicedPacket::from_ethernet(&bytes).unwrap();
            let o = &info.outer;
            prop_assert_eq!(o.vlan.vids().next(), s.vlan);
            match ep.net {
                Some(NetSlice::Ipv4(ip)) => {
                    prop_assert_eq!(o.l3, L3Kind::Ipv4);
                    prop_assert_eq!(&o.src_ip[..4], &ip.header().source()[..]);
                    prop_assert_eq!(&o.dst_ip[..4], &ip.header().destination()[..]);
                }
                Some(NetSlice::Ipv6(ip)) => {
                    prop_assert_eq!(o.l3, L3Kind::Ipv6);
                    prop_assert_eq!(o.src_ip, ip.header().source());
                    prop_assert_eq!(o.dst_ip, ip.header().destination());
                }
                _ => prop_assert!(false, "etherparse saw no IP"),
            }
            let (sp, dp, plen) = match ep.transport {
                Some(TransportSlice::Tcp(t)) => (t.source_port(), t.destination_port(), t.payload().len()),
                Some(TransportSlice::Udp(u)) => (u.source_port(), u.destination_port(), u.payload().len()),
                _ => { prop_assert!(false, "etherparse saw no L4"); unreachable!() }
            };
            prop_assert_eq!((o.src_port, o.dst_port), (sp, dp));
            prop_assert_eq!(usize::from(o.l3_end - o.payload_off), plen);
            prop_assert!(o.flags.contains(FrameFlags::L4_CSUM_GOOD));
        }
    }
}

proptest! {
    /// Any bytes: an answer or an error, offsets inside the buffer and ordered.
    #[test]
    fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200), et in prop::sample::select(std::vec![0x0800u16, 0x86dd, 0x8100, 0x88a8, 0x0806])) {
        let mut data = data;
        if data.len() >= 14 {
            data[12..14].copy_from_slice(&et.to_be_bytes());
        }
        let mut info = PacketInfo::default();
        let r = classify_into(&data, &ClassifyOpts { verify_checksums: true, ..ClassifyOpts::DEFAULT }, &mut info);
        if r.is_ok() {
            for f in [&info.outer, &info.inner] {
                if f.flags.is_empty() { continue; }
                prop_assert!(f.l2_off <= f.l3_off && f.l3_off <= f.l4_off && f.l4_off <= f.payload_off);
                prop_assert!(usize::from(f.payload_off) <= data.len());
                prop_assert!(usize::from(f.l3_end) <= data.len());
            }
        }
    }

    /// The same through a VXLAN header: random inner bytes behind a valid outer.
    #[test]
    fn never_panics_inner(inner in proptest::collection::vec(any::<u8>(), 0..120)) {
        let outer = hex(VXLAN);
        let mut b = outer[..50].to_vec();
        b.extend_from_slice(&inner);
        let len = (b.len() - 14) as u16;
        b[16..18].copy_from_slice(&len.to_be_bytes());
        b[38..40].copy_from_slice(&(len - 20).to_be_bytes());
        let _ = classify(&b, &ClassifyOpts::DEFAULT);
    }
}
