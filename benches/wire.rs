//! Wire benches: neutrino's classifier side by side with etherparse (`SlicedPacket`) and smoltcp
//! (checked views) on the same packets, each extracting the same 5-tuple.
//!
//! Times are thread CPU time (see `common/cpu_time.rs`).
//!
//! Run: `cargo bench --bench wire`. Groups: `eth_ipv4_tcp`, `eth_vlan_ipv6_udp`, `vxlan_inner`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;

type C = Criterion<CpuTime>;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use neutrino::wire::{classify_into, ClassifyOpts, PacketInfo};
use smoltcp::wire as st;

type Tuple = ([u8; 16], [u8; 16], u16, u16, u8);

fn eth_ipv4_tcp() -> Vec<u8> {
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(40000, 443, 1, 65535)
        .write(&mut out, &[0u8; 64])
        .unwrap();
    out
}

fn eth_vlan_ipv6_udp() -> Vec<u8> {
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
        .single_vlan(100.try_into().unwrap())
        .ipv6(
            [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2],
            64,
        )
        .udp(5000, 53)
        .write(&mut out, &[0u8; 64])
        .unwrap();
    out
}

fn vxlan() -> Vec<u8> {
    let inner = eth_ipv4_tcp();
    let mut payload = vec![0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0];
    payload.extend_from_slice(&inner);
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12])
        .ipv4([192, 0, 2, 1], [192, 0, 2, 2], 64)
        .udp(50000, 4789)
        .write(&mut out, &payload)
        .unwrap();
    out
}

/// Classifies into a caller-owned `PacketInfo`, as a burst loop over mbufs would.
fn ours(pkt: &[u8], inner: bool, i: &mut PacketInfo) -> Tuple {
    classify_into(pkt, &ClassifyOpts::DEFAULT, i).unwrap();
    let f = if inner { &i.inner } else { &i.outer };
    (f.src_ip, f.dst_ip, f.src_port, f.dst_port, f.ip_proto)
}

fn ep_tuple(p: &SlicedPacket<'_>) -> Tuple {
    let mut t: Tuple = ([0; 16], [0; 16], 0, 0, 0);
    match &p.net {
        Some(NetSlice::Ipv4(ip)) => {
            t.0[..4].copy_from_slice(&ip.header().source());
            t.1[..4].copy_from_slice(&ip.header().destination());
            t.4 = ip.header().protocol().0;
        }
        Some(NetSlice::Ipv6(ip)) => {
            t.0 = ip.header().source();
            t.1 = ip.header().destination();
            t.4 = ip.payload().ip_number.0;
        }
        _ => {}
    }
    match &p.transport {
        Some(TransportSlice::Tcp(tcp)) => (t.2, t.3) = (tcp.source_port(), tcp.destination_port()),
        Some(TransportSlice::Udp(udp)) => (t.2, t.3) = (udp.source_port(), udp.destination_port()),
        _ => {}
    }
    t
}

fn etherparse(pkt: &[u8], inner: bool) -> Tuple {
    let p = SlicedPacket::from_ethernet(pkt).unwrap();
    if !inner {
        return ep_tuple(&p);
    }
    let Some(TransportSlice::Udp(udp)) = &p.transport else {
        panic!("no udp")
    };
    let vx = udp.payload();
    let q = SlicedPacket::from_ethernet(&vx[8..]).unwrap();
    ep_tuple(&q)
}

/// smoltcp checked views: Ethernet, (one 802.1Q tag skipped by hand: smoltcp has no VLAN
/// view), IPv4/IPv6, TCP/UDP.
fn smoltcp_l3(et: u16, payload: &[u8]) -> (Tuple, Option<&[u8]>) {
    let mut t: Tuple = ([0; 16], [0; 16], 0, 0, 0);
    let (proto, l4): (u8, &[u8]) = match et {
        0x0800 => {
            let ip = st::Ipv4Packet::new_checked(payload).unwrap();
            t.0[..4].copy_from_slice(&ip.src_addr().octets());
            t.1[..4].copy_from_slice(&ip.dst_addr().octets());
            (
                u8::from(ip.next_header()),
                &payload[ip.header_len() as usize..ip.total_len() as usize],
            )
        }
        0x86dd => {
            let ip = st::Ipv6Packet::new_checked(payload).unwrap();
            t.0 = ip.src_addr().octets();
            t.1 = ip.dst_addr().octets();
            (
                u8::from(ip.next_header()),
                &payload[40..40 + ip.payload_len() as usize],
            )
        }
        _ => panic!("not ip"),
    };
    t.4 = proto;
    let mut udp_payload = None;
    match proto {
        6 => {
            let tcp = st::TcpPacket::new_checked(l4).unwrap();
            (t.2, t.3) = (tcp.src_port(), tcp.dst_port());
        }
        17 => {
            let udp = st::UdpPacket::new_checked(l4).unwrap();
            (t.2, t.3) = (udp.src_port(), udp.dst_port());
            udp_payload = Some(&l4[8..udp.len() as usize]);
        }
        _ => {}
    }
    (t, udp_payload)
}

fn smoltcp_frame(pkt: &[u8]) -> (Tuple, Option<&[u8]>) {
    let eth = st::EthernetFrame::new_checked(pkt).unwrap();
    let et = u16::from(eth.ethertype());
    let payload = &pkt[14..];
    if et == 0x8100 {
        let inner_et = u16::from_be_bytes([payload[2], payload[3]]);
        return smoltcp_l3(inner_et, &payload[4..]);
    }
    smoltcp_l3(et, payload)
}

fn smoltcp(pkt: &[u8], inner: bool) -> Tuple {
    let (t, udp) = smoltcp_frame(pkt);
    if !inner {
        return t;
    }
    smoltcp_frame(&udp.unwrap()[8..]).0
}

fn bench_case(c: &mut C, name: &str, pkt: &[u8], inner: bool) {
    // All three agree before anything is timed.
    let mut info = PacketInfo::default();
    assert_eq!(
        ours(pkt, inner, &mut info),
        etherparse(pkt, inner),
        "{name}: etherparse disagrees"
    );
    assert_eq!(
        ours(pkt, inner, &mut info),
        smoltcp(pkt, inner),
        "{name}: smoltcp disagrees"
    );
    let mut g = c.benchmark_group(name);
    g.bench_function("neutrino", |b| {
        b.iter(|| ours(black_box(pkt), inner, &mut info))
    });
    g.bench_function("etherparse", |b| {
        b.iter(|| etherparse(black_box(pkt), inner))
    });
    g.bench_function("smoltcp", |b| b.iter(|| smoltcp(black_box(pkt), inner)));
    g.finish();
}

fn wire(c: &mut C) {
    bench_case(c, "eth_ipv4_tcp", &eth_ipv4_tcp(), false);
    bench_case(c, "eth_vlan_ipv6_udp", &eth_vlan_ipv6_udp(), false);
    bench_case(c, "vxlan_inner", &vxlan(), true);
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime::from_env()).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = wire
}
criterion_main!(benches);
