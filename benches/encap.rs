//! Encap/decap benches: neutrino's in-place encap and decap side by side with a copy-based
//! baseline that builds the outer headers with etherparse's `PacketBuilder` (or its header
//! writers for GRE and VLAN, which the builder lacks) into a fresh buffer and copies the inner
//! frame after them; for decap, etherparse's `SlicedPacket` and a copy of the inner frame out.
//!
//! Per type (vxlan over IPv4 and IPv6, geneve, gre, vlan), per packet and per burst of 32
//! (group names `encap/<type>`, `decap/<type>`, `*_burst32` report per-burst times; divide by
//! 32). The inner frame is a 128-byte TCP/IPv4 frame.
//!
//! Equal work where it matters: the baseline computes the same flow hash for the UDP source
//! port (`neutrino::encap::hash`). Differences that favour one side: etherparse's builder
//! always computes the UDP checksum (over IPv4 too), so VXLAN/IPv4 is also shown with neutrino's
//! full-checksum policy (`neutrino_csum`); etherparse's decap verifies no checksum while
//! neutrino verifies the outer IPv4 header checksum.
//!
//! Times are the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: on a
//! machine shared with other jobs, wall time counts the periods the thread waited for a core.
//! `NEUTRINO_BENCH_WALL=1` switches to criterion's wall clock.
//!
//! Run: `cargo bench --bench encap` (short measurement times; 2 shared cores).

use std::hint::black_box;
use std::io::Write as _;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use etherparse::{
    EtherType, Ethernet2Header, IpNumber, Ipv4Header, NetSlice, PacketBuilder, SingleVlanHeader,
    SlicedPacket, TransportSlice, VlanId, VlanPcp,
};
use neutrino::encap::{
    hash, vlan, DecapConfig, DecapCtx, EncapConfig, EncapCtx, GeneveOptions, GreOptions, Remote,
    TunnelHeader, UdpChecksum, Underlay, VlanTagSpec,
};
use neutrino::wire::MacAddr;
use neutrino::PacketBuf;

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;

type C = Criterion<CpuTime>;

const BURST: usize = 32;
const HEAD: usize = 128;
const L_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const R_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
const L4: [u8; 4] = [192, 0, 2, 1];
const R4: [u8; 4] = [192, 0, 2, 2];
const L6: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const R6: [u8; 16] = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

fn inner() -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ethernet2([0xfa, 0x16, 0x3e, 0, 0, 1], [0xfa, 0x16, 0x3e, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(40000, 443, 1, 65535)
        .write(&mut out, &[b'x'; 128 - 54])
        .unwrap();
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Vxlan4,
    Vxlan4Csum,
    Vxlan6,
    Geneve4,
    Gre4,
}

fn config(kind: Kind) -> EncapConfig {
    let v6 = kind == Kind::Vxlan6;
    let (l, r) = if v6 {
        (L6.into(), R6.into())
    } else {
        (std::net::IpAddr::from(L4), std::net::IpAddr::from(R4))
    };
    let mut u = Underlay::new(l, MacAddr(L_MAC));
    u.hash_seed = 0x5eed;
    if kind == Kind::Vxlan4Csum {
        u.udp_checksum = Some(UdpChecksum::Full);
    }
    let header = match kind {
        Kind::Vxlan4 | Kind::Vxlan4Csum | Kind::Vxlan6 => TunnelHeader::Vxlan { vni: 5001 },
        Kind::Geneve4 => TunnelHeader::Geneve {
            vni: 5001,
            options: GeneveOptions::EMPTY,
        },
        Kind::Gre4 => TunnelHeader::Gre {
            key: 5001,
            options: GreOptions::default(),
        },
    };
    EncapConfig {
        header,
        underlay: u,
        remote: Some(Remote {
            ip: r,
            mac: MacAddr(R_MAC),
        }),
    }
}

/// The copy-based baseline: a new frame in `out` built by etherparse, the inner frame copied.
/// `tun_payload` is the tunnel header followed by the inner frame (its copy is the one the
/// builder makes). Returns the frame length.
fn baseline_encap(kind: Kind, inner: &[u8], tun_payload: &[u8], out: &mut [u8]) -> usize {
    let sport = hash::port_from_hash(
        hash::inner_flow(inner, 0x5eed).hash,
        hash::PORT_MIN,
        hash::PORT_MAX,
    );
    let mut w: &mut [u8] = &mut *out;
    let cap = w.len();
    match kind {
        Kind::Vxlan4 | Kind::Vxlan4Csum => PacketBuilder::ethernet2(L_MAC, R_MAC)
            .ipv4(L4, R4, 64)
            .udp(sport, 4789)
            .write(&mut w, tun_payload)
            .unwrap(),
        Kind::Geneve4 => PacketBuilder::ethernet2(L_MAC, R_MAC)
            .ipv4(L4, R4, 64)
            .udp(sport, 6081)
            .write(&mut w, tun_payload)
            .unwrap(),
        Kind::Vxlan6 => PacketBuilder::ethernet2(L_MAC, R_MAC)
            .ipv6(L6, R6, 64)
            .udp(sport, 4789)
            .write(&mut w, tun_payload)
            .unwrap(),
        Kind::Gre4 => {
            Ethernet2Header {
                source: L_MAC,
                destination: R_MAC,
                ether_type: EtherType::IPV4,
            }
            .write(&mut w)
            .unwrap();
            let mut ip =
                Ipv4Header::new(tun_payload.len() as u16, 64, IpNumber::GRE, L4, R4).unwrap();
            ip.header_checksum = ip.calc_header_checksum();
            ip.write(&mut w).unwrap();
            w.write_all(tun_payload).unwrap();
        }
    }
    cap - w.len()
}

/// The copy-based decap baseline: slice with etherparse, check the tunnel header, copy the
/// inner frame into `out`. Returns (id, inner length).
fn baseline_decap(kind: Kind, pkt: &[u8], out: &mut [u8]) -> (u32, usize) {
    let p = SlicedPacket::from_ethernet(pkt).unwrap();
    let payload = match (&p.transport, &p.net) {
        (Some(TransportSlice::Udp(u)), _) => u.payload(),
        (_, Some(NetSlice::Ipv4(ip))) => ip.payload().payload,
        _ => panic!("not a tunnel packet"),
    };
    let (id, hlen) = match kind {
        Kind::Gre4 => {
            assert_eq!(&payload[..4], &[0x20, 0, 0x65, 0x58]);
            (
                u32::from_be_bytes([payload[4], payload[5], payload[6], payload[7]]),
                8,
            )
        }
        _ => {
            assert!(payload[0] & 0x08 != 0 || kind == Kind::Geneve4);
            (
                u32::from_be_bytes([0, payload[4], payload[5], payload[6]]),
                8 + usize::from(payload[0] & 0x3f) * 4 * usize::from(kind == Kind::Geneve4),
            )
        }
    };
    let inner = &payload[hlen..];
    out[..inner.len()].copy_from_slice(inner);
    (id, inner.len())
}

fn tunnel_header(kind: Kind) -> Vec<u8> {
    match kind {
        Kind::Gre4 => vec![0x20, 0, 0x65, 0x58, 0, 0, 0x13, 0x89],
        Kind::Geneve4 => vec![0, 0, 0x65, 0x58, 0, 0x13, 0x89, 0],
        _ => vec![0x08, 0, 0, 0, 0, 0x13, 0x89, 0],
    }
}

fn bench_tunnel(c: &mut C, name: &str, kind: Kind) {
    let inner = inner();
    let cfg = config(kind);
    let mut ctx = EncapCtx::new(&cfg).unwrap();
    let mut dcfg = DecapConfig::for_encap(&cfg);
    dcfg.local_ip = cfg.remote.map(|r| r.ip);
    let mut dctx = DecapCtx::new(&dcfg).unwrap();
    let mut tun_payload = tunnel_header(kind);
    tun_payload.extend_from_slice(&inner);
    let size = HEAD + inner.len();
    let mut mem = vec![0u8; size];
    mem[HEAD..].copy_from_slice(&inner);
    let mut out = vec![0u8; 2048];

    // Both sides produce equivalent frames (ports agree; checksums differ where documented).
    let mut b = PacketBuf::new(&mut mem, HEAD, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    let ours = b.data().to_vec();
    let (head, len) = (b.head(), b.len());
    let n = baseline_encap(kind, &inner, &tun_payload, &mut out);
    assert_eq!(n, ours.len(), "{name}: lengths differ");
    assert_eq!(
        baseline_decap(kind, &ours, &mut out.clone()),
        (5001, inner.len())
    );
    let mut d = PacketBuf::new(&mut mem, head, len).unwrap();
    dctx.decap(&mut d).unwrap();
    assert_eq!(d.data(), &inner[..]);

    let mut g = c.benchmark_group(format!("encap/{name}"));
    g.throughput(Throughput::Elements(1));
    g.bench_function("neutrino", |bch| {
        bch.iter(|| {
            let mut b = PacketBuf::new(black_box(&mut mem), HEAD, inner.len()).unwrap();
            ctx.encap(&mut b).unwrap();
            black_box(b.len())
        })
    });
    g.bench_function("etherparse_copy", |bch| {
        bch.iter(|| baseline_encap(kind, black_box(&inner), &tun_payload, &mut out))
    });
    g.finish();

    let mut g = c.benchmark_group(format!("decap/{name}"));
    g.throughput(Throughput::Elements(1));
    mem[head..].copy_from_slice(&ours);
    g.bench_function("neutrino", |bch| {
        bch.iter(|| {
            let mut b = PacketBuf::new(black_box(&mut mem), head, len).unwrap();
            black_box(dctx.decap(&mut b).unwrap().id)
        })
    });
    g.bench_function("etherparse_copy", |bch| {
        bch.iter(|| baseline_decap(kind, black_box(&ours), &mut out))
    });
    g.finish();

    // Bursts of 32 buffers.
    let mut mems: Vec<Vec<u8>> = (0..BURST)
        .map(|_| {
            let mut m = vec![0u8; size];
            m[HEAD..].copy_from_slice(&inner);
            m
        })
        .collect();
    let mut outs: Vec<Vec<u8>> = (0..BURST).map(|_| vec![0u8; 2048]).collect();
    let mut res = [Ok(()); BURST];
    let mut g = c.benchmark_group(format!("encap_burst32/{name}"));
    g.throughput(Throughput::Elements(BURST as u64));
    g.bench_function(BenchmarkId::new("neutrino", BURST), |bch| {
        bch.iter(|| {
            let mut bufs: arrayvec::ArrayVec<PacketBuf<'_>, BURST> = mems
                .iter_mut()
                .map(|m| PacketBuf::new(m, HEAD, inner.len()).unwrap())
                .collect();
            black_box(ctx.encap_burst(&mut bufs, &mut res))
        })
    });
    g.bench_function(BenchmarkId::new("etherparse_copy", BURST), |bch| {
        bch.iter(|| {
            outs.iter_mut()
                .map(|o| baseline_encap(kind, black_box(&inner), &tun_payload, o))
                .sum::<usize>()
        })
    });
    g.finish();

    for m in mems.iter_mut() {
        m[head..].copy_from_slice(&ours);
    }
    let mut dres = [Err(neutrino::encap::EncapError::NoRemote); BURST];
    let mut g = c.benchmark_group(format!("decap_burst32/{name}"));
    g.throughput(Throughput::Elements(BURST as u64));
    g.bench_function(BenchmarkId::new("neutrino", BURST), |bch| {
        bch.iter(|| {
            let mut bufs: arrayvec::ArrayVec<PacketBuf<'_>, BURST> = mems
                .iter_mut()
                .map(|m| PacketBuf::new(m, head, len).unwrap())
                .collect();
            black_box(dctx.decap_burst(&mut bufs, &mut dres))
        })
    });
    g.bench_function(BenchmarkId::new("etherparse_copy", BURST), |bch| {
        bch.iter(|| {
            outs.iter_mut()
                .map(|o| baseline_decap(kind, black_box(&ours), o).1)
                .sum::<usize>()
        })
    });
    g.finish();
}

fn bench_vlan(c: &mut C) {
    let inner = inner();
    let tag = VlanTagSpec::new(neutrino::encap::Tpid::Dot1Q, 100, 0, false).unwrap();
    let mut mem = vec![0u8; HEAD + inner.len()];
    mem[HEAD..].copy_from_slice(&inner);
    let mut out = vec![0u8; 2048];
    let mut g = c.benchmark_group("vlan/push_pop");
    g.throughput(Throughput::Elements(1));
    g.bench_function("neutrino", |bch| {
        bch.iter(|| {
            let mut b = PacketBuf::new(black_box(&mut mem), HEAD, inner.len()).unwrap();
            vlan::push(&mut b, tag).unwrap();
            vlan::pop_expect(&mut b, neutrino::encap::Tpid::Dot1Q, 100).unwrap();
            black_box(b.len())
        })
    });
    g.bench_function("etherparse_copy", |bch| {
        bch.iter(|| {
            // Push: new Ethernet header + tag, copy the rest; pop: slice and copy back.
            let src = black_box(&inner);
            let eth = Ethernet2Header::from_slice(src).unwrap().0;
            let mut w: &mut [u8] = &mut out[..];
            Ethernet2Header {
                ether_type: EtherType::VLAN_TAGGED_FRAME,
                ..eth
            }
            .write(&mut w)
            .unwrap();
            SingleVlanHeader {
                pcp: VlanPcp::ZERO,
                drop_eligible_indicator: false,
                vlan_id: VlanId::try_new(100).unwrap(),
                ether_type: eth.ether_type,
            }
            .write(&mut w)
            .unwrap();
            w.write_all(&src[14..]).unwrap();
            let tagged = &out[..src.len() + 4];
            let p = SlicedPacket::from_ethernet(tagged).unwrap();
            black_box(p.link_exts.len())
        })
    });
    g.finish();
}

fn encap(c: &mut C) {
    bench_tunnel(c, "vxlan4", Kind::Vxlan4);
    bench_tunnel(c, "vxlan4_csum", Kind::Vxlan4Csum);
    bench_tunnel(c, "vxlan6", Kind::Vxlan6);
    bench_tunnel(c, "geneve4", Kind::Geneve4);
    bench_tunnel(c, "gre4", Kind::Gre4);
    bench_vlan(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .with_measurement(CpuTime::from_env())
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800))
        .sample_size(30);
    targets = encap
}
criterion_main!(benches);
