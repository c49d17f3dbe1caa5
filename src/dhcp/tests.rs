//! Responder unit tests. Requests are built with the wire emitters (themselves checked against
//! scapy); replies are re-parsed here and, independently, by scapy in `tests/dhcp_scapy.rs`.
//! Expected option bytes are written out from the RFCs (RFC 3442 §3's encoding, the research
//! note's `20 a9 fe a9 fe 0a 00 00 02`).

use core::net::Ipv4Addr;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::wire::dhcpv4::{msg_type, opt, DhcpPacket, DhcpRepr, DhcpWriter};
use crate::wire::ethernet::{EthernetFrame, EthernetRepr};
use crate::wire::ipv4::{Ipv4Packet, Ipv4Repr};
use crate::wire::udp::{fill_checksum_v4, UdpPacket, UdpRepr};
use crate::wire::MacAddr;

pub(crate) const SERVER_MAC: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 1]);
pub(crate) const CLIENT_MAC: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56]);
const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 5);

type Resp = Responder<Vec<BindingSlot>, Vec<Option<DhcpSubnet>>>;

fn responder(policy: NakPolicy, metadata: bool) -> Resp {
    let mut r = Responder::with_capacity(64, 4, 99, policy).unwrap();
    let dns = [Ipv4Addr::new(8, 8, 8, 8), Ipv4Addr::new(1, 1, 1, 1)];
    let routes = [(
        "192.168.0.0/16".parse().unwrap(),
        Ipv4Addr::new(10, 0, 0, 254),
    )];
    let cfg = DhcpSubnetConfig {
        gateway: Some(Ipv4Addr::new(10, 0, 0, 1)),
        dns: &dns,
        domain_name: Some("openstacklocal"),
        mtu: Some(1450),
        host_routes: &routes,
        metadata_route: metadata,
        ..DhcpSubnetConfig::new(SERVER_IP, SERVER_MAC, "10.0.0.0/24".parse().unwrap())
    };
    r.set_subnet(1, &cfg).unwrap();
    r.add_binding(7, CLIENT_MAC, CLIENT_IP, 1).unwrap();
    r
}

/// A client frame: Ethernet from `mac`, IPv4 `src` → `dst`, UDP 68 → 67, DHCP `repr` + options.
pub(crate) fn frame(
    src_mac: MacAddr,
    src: [u8; 4],
    dst: [u8; 4],
    repr: &DhcpRepr,
    opts: &[(u8, &[u8])],
) -> Vec<u8> {
    let mut dhcp = vec![0u8; 600];
    let mut w = DhcpWriter::new(&mut dhcp, repr).unwrap();
    for (c, d) in opts {
        w.push_option(*c, d).unwrap();
    }
    let n = w.finish();
    dhcp.truncate(n);
    let mut f = vec![0u8; 42 + n];
    EthernetRepr {
        dst: MacAddr::BROADCAST,
        src: src_mac,
        ethertype: 0x0800,
    }
    .emit(&mut f)
    .unwrap();
    Ipv4Repr {
        src,
        dst,
        protocol: 17,
        payload_len: (8 + n) as u16,
        ttl: 64,
        tos: 0,
        ident: 1,
        dont_frag: false,
    }
    .emit(&mut f[14..])
    .unwrap();
    UdpRepr {
        src_port: 68,
        dst_port: 67,
        payload_len: n as u16,
    }
    .emit(&mut f[34..])
    .unwrap();
    f[42..].copy_from_slice(&dhcp);
    fill_checksum_v4(&mut f[34..], src, dst).unwrap();
    f
}

pub(crate) fn repr(mac: MacAddr) -> DhcpRepr {
    DhcpRepr {
        op: 1,
        hops: 0,
        xid: 0x1234_5678,
        secs: 3,
        broadcast: false,
        ciaddr: [0; 4],
        yiaddr: [0; 4],
        siaddr: [0; 4],
        giaddr: [0; 4],
        chaddr: mac,
    }
}

pub(crate) fn discover(mac: MacAddr) -> Vec<u8> {
    frame(
        mac,
        [0; 4],
        [255; 4],
        &repr(mac),
        &[(opt::MESSAGE_TYPE, &[msg_type::DISCOVER])],
    )
}

/// A parsed reply: Ethernet, IPv4, UDP and DHCP views, checksums verified.
struct Parsed {
    eth_dst: MacAddr,
    eth_src: MacAddr,
    ip_src: [u8; 4],
    ip_dst: [u8; 4],
    sport: u16,
    dport: u16,
    dhcp: Vec<u8>,
}

fn parse_reply(f: &[u8]) -> Parsed {
    let e = EthernetFrame::parse(f).unwrap();
    let ip = Ipv4Packet::parse(e.payload()).unwrap();
    assert!(ip.verify_checksum());
    let u = UdpPacket::parse(ip.payload()).unwrap();
    assert!(u.verify_checksum_v4(ip.src(), ip.dst()));
    assert_ne!(u.header().checksum(), 0);
    assert_eq!(e.payload().len(), ip.header().total_len() as usize);
    assert!(u.payload().len() >= 300);
    Parsed {
        eth_dst: e.dst(),
        eth_src: e.src(),
        ip_src: ip.src(),
        ip_dst: ip.dst(),
        sport: u.src_port(),
        dport: u.dst_port(),
        dhcp: u.payload().to_vec(),
    }
}

fn run(r: &mut Resp, f: &[u8]) -> (Verdict, Vec<u8>) {
    let mut out = vec![0u8; 1600];
    let v = r.handle(7, f, &mut out);
    if let Verdict::Reply { len, .. } = v {
        out.truncate(len);
        // The in-place path writes the same bytes.
        let mut inplace = f.to_vec();
        inplace.resize(1600, 0xee);
        let mut r2 = responder_like(r);
        assert_eq!(r2.handle_in_place(7, &mut inplace, f.len()), v);
        assert_eq!(&inplace[..len], &out[..]);
    } else {
        out.clear();
    }
    (v, out)
}

/// A fresh responder with the same configuration as the tests' (policy read back).
fn responder_like(r: &Resp) -> Resp {
    let metadata = r.subnet(1).is_some_and(|s| {
        s.options()
            .windows(5)
            .any(|w| w == [32, 169, 254, 169, 254])
    });
    responder(r.policy(), metadata)
}

const EXPECTED_OPTS_METADATA: &[u8] = &[
    // 54 server id
    54, 4, 10, 0, 0, 2, //
    // 51 lease 43200, 58 T1 21600, 59 T2 37800
    51, 4, 0, 0, 0xa8, 0xc0, 58, 4, 0, 0, 0x54, 0x60, 59, 4, 0, 0, 0x93, 0xa8, //
    // 1 mask, 3 router, 6 dns
    1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 0, 1, 6, 8, 8, 8, 8, 8, 1, 1, 1, 1, //
    // 15 domain
    15, 14, b'o', b'p', b'e', b'n', b's', b't', b'a', b'c', b'k', b'l', b'o', b'c', b'a', b'l',
    // 26 mtu 1450
    26, 2, 0x05, 0xaa, //
    // 121: 192.168.0.0/16 via 10.0.0.254; 169.254.169.254/32 via 10.0.0.2 (RFC 3442 example
    // of the research note); 0.0.0.0/0 via 10.0.0.1 (default route appended).
    121, 21, 16, 192, 168, 10, 0, 0, 254, 0x20, 0xa9, 0xfe, 0xa9, 0xfe, 0x0a, 0x00, 0x00, 0x02, 0,
    10, 0, 0, 1,
];

#[test]
fn discover_gets_offer_with_every_option() {
    let mut r = responder(NakPolicy::Strict, true);
    let (v, out) = run(&mut r, &discover(CLIENT_MAC));
    assert!(
        matches!(
            v,
            Verdict::Reply {
                msg_type: msg_type::OFFER,
                ..
            }
        ),
        "{v:?}"
    );
    let p = parse_reply(&out);
    // Unicast to the client MAC and its new address (no broadcast flag).
    assert_eq!(p.eth_dst, CLIENT_MAC);
    assert_eq!(p.eth_src, SERVER_MAC);
    assert_eq!(p.ip_src, [10, 0, 0, 2]);
    assert_eq!(p.ip_dst, [10, 0, 0, 5]);
    assert_eq!((p.sport, p.dport), (67, 68));
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.op(), 2);
    assert_eq!(d.xid(), 0x1234_5678);
    assert_eq!(d.yiaddr(), [10, 0, 0, 5]);
    assert_eq!(d.ciaddr(), [0; 4]);
    assert_eq!(d.chaddr(), CLIENT_MAC);
    assert_eq!(d.message_type(), Some(msg_type::OFFER));
    let opts = d.options_bytes();
    assert_eq!(&opts[..3], &[53, 1, 2]);
    assert_eq!(
        &opts[3..3 + EXPECTED_OPTS_METADATA.len()],
        EXPECTED_OPTS_METADATA
    );
    assert_eq!(opts[3 + EXPECTED_OPTS_METADATA.len()], 255);
    assert_eq!(r.counters().rx[1], 1);
    assert_eq!(r.counters().tx[2], 1);
}

#[test]
fn no_metadata_route_and_no_routes_means_no_121() {
    // Without host routes and metadata, option 121 is absent and no default route is invented.
    let mut r = Responder::with_capacity(8, 1, 0, NakPolicy::Strict).unwrap();
    let cfg = DhcpSubnetConfig {
        gateway: Some(Ipv4Addr::new(10, 0, 0, 1)),
        ..DhcpSubnetConfig::new(SERVER_IP, SERVER_MAC, "10.0.0.0/24".parse().unwrap())
    };
    r.set_subnet(0, &cfg).unwrap();
    r.add_binding(7, CLIENT_MAC, CLIENT_IP, 0).unwrap();
    let mut out = [0u8; 600];
    let Verdict::Reply { len, .. } = r.handle(7, &discover(CLIENT_MAC), &mut out) else {
        panic!()
    };
    let p = parse_reply(&out[..len]);
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.option(121), None);
    assert_eq!(d.option(3), Some(&[10, 0, 0, 1][..]));
    // A host route to 0.0.0.0/0 becomes the router when the subnet has none (Neutron).
    let routes = [("0.0.0.0/0".parse().unwrap(), Ipv4Addr::new(10, 0, 0, 9))];
    let cfg = DhcpSubnetConfig {
        host_routes: &routes,
        metadata_route: true,
        ..DhcpSubnetConfig::new(SERVER_IP, SERVER_MAC, "10.0.0.0/24".parse().unwrap())
    };
    let s = DhcpSubnet::new(&cfg).unwrap();
    let o = s.options();
    assert!(o.windows(6).any(|w| w == [3, 4, 10, 0, 0, 9]));
    assert!(o
        .windows(16)
        .any(|w| w == [121, 14, 32, 169, 254, 169, 254, 10, 0, 0, 2, 0, 10, 0, 0, 9]));
}

#[test]
fn request_ack_nak_and_policies() {
    let mac = CLIENT_MAC;
    let sel = |server: [u8; 4], want: [u8; 4]| {
        frame(
            mac,
            [0; 4],
            [255; 4],
            &repr(mac),
            &[
                (opt::MESSAGE_TYPE, &[msg_type::REQUEST]),
                (opt::SERVER_ID, &server),
                (opt::REQUESTED_IP, &want),
            ],
        )
    };
    let mut r = responder(NakPolicy::Strict, false);
    // SELECTING us with the right address: ACK.
    let (v, out) = run(&mut r, &sel([10, 0, 0, 2], [10, 0, 0, 5]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::ACK,
            ..
        }
    ));
    let d = parse_reply(&out);
    assert_eq!(DhcpPacket::parse(&d.dhcp).unwrap().yiaddr(), [10, 0, 0, 5]);
    // SELECTING us with another address: NAK, broadcast, with 54 and 56, no lease.
    let (v, out) = run(&mut r, &sel([10, 0, 0, 2], [10, 0, 0, 77]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::NAK,
            ..
        }
    ));
    let p = parse_reply(&out);
    assert_eq!(p.eth_dst, MacAddr::BROADCAST);
    assert_eq!(p.ip_dst, [255; 4]);
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.yiaddr(), [0; 4]);
    assert_eq!(d.server_id(), Some([10, 0, 0, 2]));
    assert!(d.option(opt::MESSAGE).is_some());
    assert_eq!(d.option(opt::LEASE_TIME), None);
    assert_eq!(d.option(opt::SUBNET_MASK), None);
    // SELECTING another server: silent in strict mode.
    let (v, _) = run(&mut r, &sel([10, 0, 0, 3], [10, 0, 0, 5]));
    assert_eq!(v, Verdict::Drop(DropReason::OtherServer));
    assert_eq!(r.counters().drops(DropReason::OtherServer), 1);
    // OVN mode: the address decides.
    let mut o = responder(NakPolicy::Ovn, false);
    let (v, _) = run(&mut o, &sel([10, 0, 0, 3], [10, 0, 0, 5]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::ACK,
            ..
        }
    ));
    let (v, _) = run(&mut o, &sel([10, 0, 0, 3], [10, 0, 0, 6]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::NAK,
            ..
        }
    ));

    // INIT-REBOOT: 50 without 54.
    let reboot = |want: [u8; 4]| {
        frame(
            mac,
            [0; 4],
            [255; 4],
            &repr(mac),
            &[(opt::MESSAGE_TYPE, &[3]), (opt::REQUESTED_IP, &want)],
        )
    };
    let (v, _) = run(&mut r, &reboot([10, 0, 0, 5]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::ACK,
            ..
        }
    ));
    let (v, _) = run(&mut r, &reboot([10, 1, 0, 5]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::NAK,
            ..
        }
    ));

    // RENEWING: ciaddr set, unicast; ACK unicast to ciaddr with ciaddr echoed.
    let renew = |ci: [u8; 4]| {
        let mut rp = repr(mac);
        rp.ciaddr = ci;
        frame(mac, ci, [10, 0, 0, 2], &rp, &[(opt::MESSAGE_TYPE, &[3])])
    };
    let (v, out) = run(&mut r, &renew([10, 0, 0, 5]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::ACK,
            ..
        }
    ));
    let p = parse_reply(&out);
    assert_eq!(p.ip_dst, [10, 0, 0, 5]);
    assert_eq!(p.eth_dst, mac);
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.ciaddr(), [10, 0, 0, 5]);
    assert_eq!(d.yiaddr(), [10, 0, 0, 5]);
    let (v, _) = run(&mut r, &renew([10, 0, 0, 6]));
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::NAK,
            ..
        }
    ));
    // Neither 50 nor ciaddr: NAK.
    let (v, _) = run(
        &mut r,
        &frame(
            mac,
            [0; 4],
            [255; 4],
            &repr(mac),
            &[(opt::MESSAGE_TYPE, &[3])],
        ),
    );
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::NAK,
            ..
        }
    ));
}

#[test]
fn inform_release_decline() {
    let mut r = responder(NakPolicy::Strict, false);
    let mut rp = repr(CLIENT_MAC);
    rp.ciaddr = [10, 0, 0, 5];
    let f = frame(
        CLIENT_MAC,
        [10, 0, 0, 5],
        [10, 0, 0, 2],
        &rp,
        &[(opt::MESSAGE_TYPE, &[8])],
    );
    let (v, out) = run(&mut r, &f);
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::ACK,
            ..
        }
    ));
    let p = parse_reply(&out);
    assert_eq!(p.ip_dst, [10, 0, 0, 5]);
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.yiaddr(), [0; 4]);
    assert_eq!(d.ciaddr(), [10, 0, 0, 5]);
    for code in [opt::LEASE_TIME, opt::RENEWAL_TIME, opt::REBINDING_TIME] {
        assert_eq!(d.option(code), None, "option {code} in an INFORM ACK");
    }
    assert_eq!(d.option(opt::SUBNET_MASK), Some(&[255, 255, 255, 0][..]));
    for t in [msg_type::RELEASE, msg_type::DECLINE] {
        let f = frame(
            CLIENT_MAC,
            [10, 0, 0, 5],
            [10, 0, 0, 2],
            &rp,
            &[(opt::MESSAGE_TYPE, &[t])],
        );
        let (v, _) = run(&mut r, &f);
        assert_eq!(v, Verdict::NoReply);
        assert_eq!(r.counters().rx[usize::from(t)], 1);
    }
    // The binding stays: the port's address is fixed.
    assert_eq!(r.bindings().get(7, CLIENT_MAC).unwrap().ip, CLIENT_IP);
}

#[test]
fn broadcast_flag_relay_and_client_id() {
    let mut r = responder(NakPolicy::Strict, false);
    let mut rp = repr(CLIENT_MAC);
    rp.broadcast = true;
    let cid = [1u8, 0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56];
    let f = frame(
        CLIENT_MAC,
        [0; 4],
        [255; 4],
        &rp,
        &[(opt::MESSAGE_TYPE, &[1]), (opt::CLIENT_ID, &cid)],
    );
    let (_, out) = run(&mut r, &f);
    let p = parse_reply(&out);
    assert_eq!(p.eth_dst, MacAddr::BROADCAST);
    assert_eq!(p.ip_dst, [255; 4]);
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert!(d.broadcast());
    assert_eq!(d.client_id(), Some(&cid[..]));

    // Relayed: to giaddr:67 via the relay's MAC; giaddr echoed.
    let relay_mac = MacAddr([2, 0, 0, 0, 0, 0x99]);
    let mut rp = repr(CLIENT_MAC);
    rp.giaddr = [10, 0, 0, 254];
    rp.hops = 1;
    let f = frame(
        relay_mac,
        [10, 0, 0, 254],
        [10, 0, 0, 2],
        &rp,
        &[(opt::MESSAGE_TYPE, &[1])],
    );
    let (v, out) = run(&mut r, &f);
    assert!(matches!(
        v,
        Verdict::Reply {
            msg_type: msg_type::OFFER,
            ..
        }
    ));
    let p = parse_reply(&out);
    assert_eq!(p.eth_dst, relay_mac);
    assert_eq!(p.ip_dst, [10, 0, 0, 254]);
    assert_eq!((p.sport, p.dport), (67, 67));
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.giaddr(), [10, 0, 0, 254]);
    assert_eq!(d.hops(), 0);
    // A relayed NAK carries the broadcast bit.
    let f = frame(
        relay_mac,
        [10, 0, 0, 254],
        [10, 0, 0, 2],
        &rp,
        &[
            (opt::MESSAGE_TYPE, &[3]),
            (opt::REQUESTED_IP, &[10, 0, 0, 9]),
        ],
    );
    let (_, out) = run(&mut r, &f);
    let p = parse_reply(&out);
    assert_eq!(p.ip_dst, [10, 0, 0, 254]);
    let d = DhcpPacket::parse(&p.dhcp).unwrap();
    assert_eq!(d.message_type(), Some(msg_type::NAK));
    assert!(d.broadcast());
}

#[test]
fn malformed_and_foreign_frames_are_dropped_and_counted() {
    let mut r = responder(NakPolicy::Strict, false);
    let good = discover(CLIENT_MAC);
    let bindings_before: Vec<_> = r.bindings().iter().collect();
    let mut cases: Vec<(Vec<u8>, DropReason)> = Vec::new();
    cases.push((good[..10].to_vec(), DropReason::BadEthernet));
    let mut f = good.clone();
    f[12] = 0x86;
    f[13] = 0xdd;
    cases.push((f, DropReason::NotIpv4));
    cases.push((good[..30].to_vec(), DropReason::BadIpv4));
    let mut f = good.clone();
    f[24] ^= 0xff; // IPv4 checksum
    cases.push((f, DropReason::BadIpChecksum));
    let mut f = good.clone();
    f[40] ^= 0xff; // UDP checksum
    cases.push((f, DropReason::BadUdpChecksum));
    let mut f = good.clone();
    f[36] = 0;
    f[37] = 53; // dst port 53
    cases.push((f, DropReason::NotDhcpPort));
    // DHCP field damage (checksums recomputed so the DHCP layer is what fails).
    let fix = |mut f: Vec<u8>| {
        fill_checksum_v4(&mut f[34..], [0; 4], [255; 4]).unwrap();
        f
    };
    let mut f = good.clone();
    f[42 + 2] = 5; // hlen
    cases.push((fix(f), DropReason::BadHardware));
    let mut f = good.clone();
    f[42] = 2; // op BOOTREPLY
    cases.push((fix(f), DropReason::BadOp));
    let mut f = good.clone();
    f[42] = 3; // op invalid
    cases.push((fix(f), DropReason::BadOp));
    let mut f = good.clone();
    f[42 + 241] = 200; // option 53 length runs past the end
    cases.push((fix(f), DropReason::BadDhcp));
    let mut f = good.clone();
    f[42 + 236] = 0; // cookie
    cases.push((fix(f), DropReason::BadDhcp));
    let f = frame(
        CLIENT_MAC,
        [0; 4],
        [255; 4],
        &repr(CLIENT_MAC),
        &[(opt::HOST_NAME, b"vm")],
    );
    cases.push((f, DropReason::NoMessageType));
    let f = frame(
        CLIENT_MAC,
        [0; 4],
        [255; 4],
        &repr(CLIENT_MAC),
        &[(opt::MESSAGE_TYPE, &[1, 1])],
    );
    cases.push((f, DropReason::BadMessageType));
    let f = frame(
        CLIENT_MAC,
        [0; 4],
        [255; 4],
        &repr(CLIENT_MAC),
        &[(opt::MESSAGE_TYPE, &[2])],
    );
    cases.push((f, DropReason::BadMessageType));
    cases.push((
        discover(MacAddr([2, 1, 1, 1, 1, 1])),
        DropReason::UnknownClient,
    ));
    for (f, reason) in &cases {
        let mut out = vec![0u8; 1600];
        assert_eq!(
            r.handle(7, f, &mut out),
            Verdict::Drop(*reason),
            "{reason:?}"
        );
        assert!(out.iter().all(|&b| b == 0), "{reason:?}: output written");
    }
    for reason in DropReason::ALL {
        let n = cases.iter().filter(|(_, r)| *r == reason).count() as u64;
        assert_eq!(r.counters().drops(reason), n, "{reason:?}");
    }
    // A binding on another segment does not answer.
    let mut out = vec![0u8; 1600];
    assert_eq!(
        r.handle(8, &good, &mut out),
        Verdict::Drop(DropReason::UnknownClient)
    );
    assert_eq!(r.bindings().iter().collect::<Vec<_>>(), bindings_before);
    // Too small an output buffer.
    let mut small = [0u8; 300];
    assert_eq!(
        r.handle(7, &good, &mut small),
        Verdict::Drop(DropReason::BufferTooSmall)
    );
    // Checksum verification can be turned off (NIC offload).
    r.set_verify_checksums(false);
    let mut f = good.clone();
    f[40] ^= 0xff;
    assert!(matches!(r.handle(7, &f, &mut out), Verdict::Reply { .. }));
}

#[test]
fn config_errors() {
    let base = DhcpSubnetConfig::new(SERVER_IP, SERVER_MAC, "10.0.0.0/24".parse().unwrap());
    assert_eq!(
        DhcpSubnet::new(&DhcpSubnetConfig {
            mtu: Some(67),
            ..base
        })
        .unwrap_err(),
        DhcpError::BadMtu { mtu: 67 }
    );
    assert_eq!(
        DhcpSubnet::new(&DhcpSubnetConfig {
            lease_secs: 0,
            ..base
        })
        .unwrap_err(),
        DhcpError::BadLease
    );
    let routes = [("10.1.0.1/16".parse().unwrap(), Ipv4Addr::new(10, 0, 0, 1))];
    assert_eq!(
        DhcpSubnet::new(&DhcpSubnetConfig {
            host_routes: &routes,
            ..base
        })
        .unwrap_err(),
        DhcpError::RouteHostBits {
            destination: "10.1.0.1/16".parse().unwrap()
        }
    );
    assert_eq!(
        DhcpSubnet::new(&DhcpSubnetConfig {
            domain_search: &["a..b"],
            ..base
        })
        .unwrap_err(),
        DhcpError::BadDomainName
    );
    let long = "x".repeat(250);
    let many: Vec<&str> = vec![long.as_str(); 1];
    assert!(matches!(
        DhcpSubnet::new(&DhcpSubnetConfig {
            domain_name: Some(&long),
            dns: &[Ipv4Addr::new(8, 8, 8, 8); 5],
            domain_search: &["example.com"],
            ..base
        }),
        Err(DhcpError::OptionsTooLong { .. })
    ));
    assert_eq!(
        DhcpSubnet::new(&DhcpSubnetConfig {
            domain_search: &many,
            ..base
        })
        .unwrap_err(),
        DhcpError::BadDomainName
    );
    // Option 119 (RFC 3397 §2 / RFC 1035 encoding) and infinite leases.
    let s = DhcpSubnet::new(&DhcpSubnetConfig {
        domain_search: &["eng.example.com", "example.com."],
        lease_secs: u32::MAX,
        ..base
    })
    .unwrap();
    let o = s.options();
    let want119: &[u8] = b"\x77\x1e\x03eng\x07example\x03com\x00\x07example\x03com\x00";
    assert!(o.windows(want119.len()).any(|w| w == want119));
    assert!(!o.contains(&opt::RENEWAL_TIME) || !o.windows(2).any(|w| w == [58, 4]));
    // Responder-level errors leave it unchanged.
    let mut r = responder(NakPolicy::Strict, false);
    assert_eq!(
        r.add_binding(7, MacAddr([2, 0, 0, 0, 0, 9]), CLIENT_IP, 3),
        Err(DhcpError::UnknownSubnet { index: 3 })
    );
    assert_eq!(
        r.set_subnet(9, &base),
        Err(DhcpError::UnknownSubnet { index: 9 })
    );
    assert_eq!(r.bindings().len(), 1);
    // Removing the subnet makes its clients unanswered, bindings stay.
    r.remove_subnet(1).unwrap();
    let mut out = vec![0u8; 1600];
    assert_eq!(
        r.handle(7, &discover(CLIENT_MAC), &mut out),
        Verdict::Drop(DropReason::UnknownSubnet)
    );
    assert!(r.remove_binding(7, CLIENT_MAC).is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let mut r = responder(NakPolicy::Strict, true);
        let mut out = vec![0u8; 700];
        if let Verdict::Reply { len, .. } = r.handle(7, &bytes, &mut out) {
            prop_assert!(len <= out.len());
            let p = parse_reply(&out[..len]);
            prop_assert!(DhcpPacket::parse(&p.dhcp).is_ok());
        }
    }

    /// Damage a valid request anywhere (checksums off so the DHCP layer sees it): no panic,
    /// every reply re-parses as DHCP with a valid frame.
    #[test]
    fn mutated_requests(pos in 0usize..400, val in any::<u8>(), cut in 0usize..400,
                        ovn in any::<bool>(), kind in 1u8..=8) {
        let policy = if ovn { NakPolicy::Ovn } else { NakPolicy::Strict };
        let mut r = responder(policy, true);
        r.set_verify_checksums(false);
        let mut f = frame(
            CLIENT_MAC,
            [0; 4],
            [255; 4],
            &repr(CLIENT_MAC),
            &[(opt::MESSAGE_TYPE, &[kind]), (opt::REQUESTED_IP, &[10, 0, 0, 5]),
              (opt::CLIENT_ID, &[1, 2, 3])],
        );
        if let Some(b) = f.get_mut(pos) { *b = val; }
        f.truncate(f.len().saturating_sub(cut % 64));
        let mut out = vec![0u8; MAX_REPLY_LEN];
        let v = r.handle(7, &f, &mut out);
        if let Verdict::Reply { len, msg_type } = v {
            let p = parse_reply(&out[..len]);
            let d = DhcpPacket::parse(&p.dhcp).unwrap();
            prop_assert_eq!(d.message_type(), Some(msg_type));
            prop_assert_eq!(d.op(), 2);
        }
        prop_assert_eq!(r.bindings().len(), 1);
    }
}
