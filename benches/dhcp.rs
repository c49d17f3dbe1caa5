//! DHCP and IPAM benches.
//!
//! - `dhcp/discover_offer`, `dhcp/request_ack`: one request frame → one reply frame written
//!   into a caller buffer (parse, verify checksums, lookup in a 64 Ki-slot binding table with
//!   50 000 bindings, write Ethernet/IPv4/UDP/DHCP, fill checksums). Throughput is reported in
//!   elements (responses) per second.
//! - `ipam/alloc_release_v4_slash16_90pct`, `ipam/alloc_release_v6_slash64_90pct`: one random
//!   allocation (first-1000-free window) plus the release of a random allocated address, at 90%
//!   occupancy of a /16 (bitmap) and of a 65 536-address pool inside a /64 (intervals; a whole
//!   /64 cannot be 90% full).
//!
//! Time is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time, so a
//! shared machine's preemption does not count against us ("per core" figures).
//!
//! Run: `cargo bench --bench dhcp`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use neutrino::dhcp::{DhcpSubnetConfig, NakPolicy, Responder, Verdict, MAX_REPLY_LEN};
use neutrino::ipam::{
    AddressAllocator, AllocMode, GatewaySpec, IpRange, SplitMix64, Subnet, SubnetConfig,
    V4Allocator, V6Allocator,
};
use neutrino::wire::dhcpv4::{opt, DhcpRepr, DhcpWriter};
use neutrino::wire::ethernet::EthernetRepr;
use neutrino::wire::ipv4::Ipv4Repr;
use neutrino::wire::udp::{fill_checksum_v4, UdpRepr};
use neutrino::wire::MacAddr;

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;

fn mac(i: u32) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0xfa, 0x16, 0x3e, b[1], b[2], b[3]])
}

fn request_frame(m: MacAddr, opts: &[(u8, &[u8])]) -> Vec<u8> {
    let repr = DhcpRepr {
        op: 1,
        hops: 0,
        xid: 0xabcd,
        secs: 0,
        broadcast: false,
        ciaddr: [0; 4],
        yiaddr: [0; 4],
        siaddr: [0; 4],
        giaddr: [0; 4],
        chaddr: m,
    };
    let mut d = vec![0u8; 400];
    let mut w = DhcpWriter::new(&mut d, &repr).unwrap();
    for (c, v) in opts {
        w.push_option(*c, v).unwrap();
    }
    let n = w.finish_padded(300).unwrap();
    let mut f = vec![0u8; 42 + n];
    EthernetRepr {
        dst: MacAddr::BROADCAST,
        src: m,
        ethertype: 0x0800,
    }
    .emit(&mut f)
    .unwrap();
    Ipv4Repr {
        src: [0; 4],
        dst: [255; 4],
        protocol: 17,
        payload_len: (8 + n) as u16,
        ttl: 64,
        tos: 0,
        ident: 0,
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
    f[42..].copy_from_slice(&d[..n]);
    fill_checksum_v4(&mut f[34..], [0; 4], [255; 4]).unwrap();
    f
}

fn dhcp(c: &mut Criterion<CpuTime>) {
    let mut r = Responder::with_capacity(1 << 16, 1, 7, NakPolicy::Strict).unwrap();
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
        metadata_route: true,
        ..DhcpSubnetConfig::new(
            Ipv4Addr::new(10, 0, 0, 2),
            MacAddr([0xfa, 0x16, 0x3e, 0, 0, 2]),
            "10.0.0.0/16".parse().unwrap(),
        )
    };
    r.set_subnet(0, &cfg).unwrap();
    for i in 0..50_000u32 {
        r.add_binding(1, mac(i), Ipv4Addr::from(0x0a00_0100 + i), 0)
            .unwrap();
    }
    let prl: &[u8] = &[1, 3, 6, 15, 26, 121];
    let discovers: Vec<Vec<u8>> = (0..64u32)
        .map(|i| {
            request_frame(
                mac(i * 701),
                &[
                    (opt::MESSAGE_TYPE, &[1]),
                    (opt::PARAMETER_REQUEST_LIST, prl),
                ],
            )
        })
        .collect();
    let requests: Vec<Vec<u8>> = (0..64u32)
        .map(|i| {
            let ip = (0x0a00_0100u32 + i * 701).to_be_bytes();
            request_frame(
                mac(i * 701),
                &[
                    (opt::MESSAGE_TYPE, &[3]),
                    (opt::SERVER_ID, &[10, 0, 0, 2]),
                    (opt::REQUESTED_IP, &ip),
                    (opt::PARAMETER_REQUEST_LIST, prl),
                ],
            )
        })
        .collect();
    let mut out = vec![0u8; MAX_REPLY_LEN];
    let mut g = c.benchmark_group("dhcp");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    g.throughput(Throughput::Elements(64));
    for (name, frames) in [("discover_offer", &discovers), ("request_ack", &requests)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                for f in frames.iter() {
                    let v = r.handle(1, black_box(f), &mut out);
                    debug_assert!(matches!(v, Verdict::Reply { .. }));
                    black_box(v);
                }
            })
        });
    }
    g.finish();
}

fn ipam(c: &mut Criterion<CpuTime>) {
    let mut g = c.benchmark_group("ipam");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    g.throughput(Throughput::Elements(1));

    // /16 at 90%: allocate randomly until 90% of the pool is taken.
    let s16 = Subnet::new(&SubnetConfig::new("10.0.0.0/16".parse().unwrap())).unwrap();
    let mut v4 = V4Allocator::new_vec(&s16).unwrap();
    let mut rng = SplitMix64(1);
    let pool = s16.pool_size() as usize;
    let mut live: Vec<IpAddr> = Vec::with_capacity(pool);
    // Fill uniformly at random (not lowest-first) so free addresses are scattered.
    let mut all: Vec<u32> = (2..=65534).map(|o| 0x0a00_0000 + o).collect();
    for i in (1..all.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    for &a in all.iter().take(pool * 9 / 10) {
        let ip = IpAddr::V4(Ipv4Addr::from(a));
        v4.allocate_specific(ip, false).unwrap();
        live.push(ip);
    }
    g.bench_function("alloc_release_v4_slash16_90pct", |b| {
        b.iter(|| {
            let ip = v4.allocate(AllocMode::Random, &mut rng).unwrap();
            let k = (rng.next_u64() % live.len() as u64) as usize;
            let old = std::mem::replace(&mut live[k], ip);
            v4.release(black_box(old)).unwrap();
        })
    });

    // A 65 536-address pool in a /64 at 90%.
    let pools = [IpRange::new(
        "2001:db8::1:0".parse().unwrap(),
        "2001:db8::1:ffff".parse().unwrap(),
    )];
    let s64 = Subnet::new(&SubnetConfig {
        gateway: GatewaySpec::Default,
        pools: Some(&pools),
        ..SubnetConfig::new("2001:db8::/64".parse().unwrap())
    })
    .unwrap();
    let mut v6 = V6Allocator::new(&s64).unwrap();
    let mut live6: Vec<IpAddr> = Vec::new();
    let mut all6: Vec<u128> = (0..65536u128)
        .map(|o| 0x2001_0db8_0000_0000_0000_0000_0001_0000 + o)
        .collect();
    for i in (1..all6.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        all6.swap(i, j);
    }
    for &a in all6.iter().take(65536 * 9 / 10) {
        let ip = IpAddr::V6(a.into());
        v6.allocate_specific(ip, false).unwrap();
        live6.push(ip);
    }
    g.bench_function("alloc_release_v6_slash64_90pct", |b| {
        b.iter(|| {
            let ip = v6.allocate(AllocMode::Random, &mut rng).unwrap();
            let k = (rng.next_u64() % live6.len() as u64) as usize;
            let old = std::mem::replace(&mut live6[k], ip);
            v6.release(black_box(old)).unwrap();
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime::from_env());
    targets = dhcp, ipam
}
criterion_main!(benches);
