//! The DHCP responder on arbitrary frames: never panics; never writes outside the buffer it is
//! given (guard bytes after it stay intact) nor into it when there is no reply; every reply is
//! a valid Ethernet/IPv4/UDP frame with correct checksums whose payload re-parses as a
//! BOOTREPLY with the announced message type and the request's xid; the bindings never change.
//!
//! Input: one control byte (bit 0: OVN policy, bit 1: verify checksums, bit 2: in place,
//! bits 3-4: output room 300/600/847/2048 bytes), then the frame. Seeds: client frames from
//! tests/scapy/dhcp_oracle.py (`gen`) behind a control byte.
#![no_main]
use std::net::Ipv4Addr;

use libfuzzer_sys::fuzz_target;
use neutrino::dhcp::{DhcpSubnetConfig, NakPolicy, Responder, Verdict, MAX_REPLY_LEN};
use neutrino::wire::dhcpv4::{DhcpPacket, OP_REPLY};
use neutrino::wire::ethernet::EthernetFrame;
use neutrino::wire::ipv4::Ipv4Packet;
use neutrino::wire::udp::UdpPacket;
use neutrino::wire::MacAddr;

const GUARD: u8 = 0xa5;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, frame)) = data.split_first() else {
        return;
    };
    let policy = if ctl & 1 != 0 {
        NakPolicy::Ovn
    } else {
        NakPolicy::Strict
    };
    let mut r = Responder::with_capacity(16, 2, 3, policy).unwrap();
    r.set_verify_checksums(ctl & 2 != 0);
    let dns = [Ipv4Addr::new(8, 8, 8, 8)];
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
        metadata_route: true,
        domain_search: &["example.com"],
        ..DhcpSubnetConfig::new(
            Ipv4Addr::new(10, 0, 0, 2),
            MacAddr([0xfa, 0x16, 0x3e, 0, 0, 2]),
            "10.0.0.0/24".parse().unwrap(),
        )
    };
    r.set_subnet(1, &cfg).unwrap();
    for (i, m) in [
        [0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56],
        [0, 0, 0, 0, 0, 0],
        [0xff; 6],
        [2, 0, 0, 0, 0, 1],
    ]
    .into_iter()
    .enumerate()
    {
        r.add_binding(0, MacAddr(m), Ipv4Addr::new(10, 0, 0, 10 + i as u8), 1)
            .unwrap();
    }
    let before: Vec<_> = r.bindings().iter().collect();
    let room = [300, 600, MAX_REPLY_LEN, 2048][usize::from((ctl >> 3) & 3)];

    let (verdict, buf) = if ctl & 4 != 0 {
        let mut buf = frame.to_vec();
        let n = buf.len().max(room);
        buf.resize(n + 64, GUARD);
        let orig = buf.clone();
        let v = r.handle_in_place(0, &mut buf[..n], frame.len());
        assert!(
            buf[n..].iter().all(|&b| b == GUARD),
            "wrote past the buffer"
        );
        if !matches!(v, Verdict::Reply { .. }) {
            assert_eq!(buf, orig, "no reply but the buffer changed");
        }
        (v, buf)
    } else {
        let mut out = vec![GUARD; room + 64];
        let v = r.handle(0, frame, &mut out[..room]);
        assert!(
            out[room..].iter().all(|&b| b == GUARD),
            "wrote past the buffer"
        );
        if !matches!(v, Verdict::Reply { .. }) {
            assert!(
                out.iter().all(|&b| b == GUARD),
                "no reply but the output changed"
            );
        }
        (v, out)
    };
    assert_eq!(r.bindings().iter().collect::<Vec<_>>(), before);

    if let Verdict::Reply { len, msg_type } = verdict {
        assert!(len <= room.max(frame.len()) && len <= MAX_REPLY_LEN);
        let reply = &buf[..len];
        let e = EthernetFrame::parse(reply).unwrap();
        assert_eq!(e.ethertype(), 0x0800);
        let ip = Ipv4Packet::parse(e.payload()).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(usize::from(ip.header().total_len()) + 14, len);
        let u = UdpPacket::parse(ip.payload()).unwrap();
        assert!(u.verify_checksum_v4(ip.src(), ip.dst()));
        assert_eq!(u.src_port(), 67);
        let d = DhcpPacket::parse(u.payload()).unwrap();
        assert_eq!(d.op(), OP_REPLY);
        assert_eq!(d.message_type(), Some(msg_type));
        // The request parsed (it got a reply), so its xid is at the same place.
        let req = Ipv4Packet::parse(EthernetFrame::parse(frame).unwrap().payload()).unwrap();
        let rq = DhcpPacket::parse(UdpPacket::parse(req.payload()).unwrap().payload()).unwrap();
        assert_eq!(d.xid(), rq.xid());
        assert_eq!(d.chaddr(), rq.chaddr());
    }
});
