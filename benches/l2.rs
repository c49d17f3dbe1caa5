//! L2 benches: the FDB's per-frame work (learn the source, look up the destination) at 10k
//! and 100k MACs, and the port-security check per frame (a port with 10 allowed address
//! pairs).
//!
//! The FDB's peer is the same per-frame work over hashbrown (same keys, no aging, moves or
//! limits). Run: `cargo bench --bench l2`. Each measurement handles 64 frames; divide by 64
//! for ns/frame. Times are thread CPU time (`common/cpu_time.rs`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;
use neutrino::l2::fdb::{Fdb, FdbConfig, Forward, FrameAddr, Learned};
use neutrino::l2::Dest;
use neutrino::wire::MacAddr;

const BURST: usize = 64;
const ROUNDS: usize = 4096;
const SEGMENTS: u32 = 100;

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn mac(i: u64) -> MacAddr {
    let b = i.to_be_bytes();
    MacAddr([0xfa, 0x16, 0x3e, b[5], b[6], b[7]])
}

fn fdb(c: &mut Criterion<CpuTime>) {
    fdb_of(c, 10_000, "fdb_10k");
    fdb_of(c, 100_000, "fdb_100k");
}

/// The FDB's contenders at `n` MACs in group `name`.
fn fdb_of(c: &mut Criterion<CpuTime>, n: u64, name: &str) {
    let mut f = Fdb::with_config(FdbConfig {
        segment_capacity: 256,
        ..FdbConfig::new(n as usize, 0xfdb_5eed)
    })
    .unwrap();
    // MAC i lives on segment i % SEGMENTS behind port i % 48.
    for i in 0..n {
        f.learn(
            (i % u64::from(SEGMENTS)) as u32,
            mac(i),
            Dest::Port((i % 48) as u32),
            0,
        );
    }
    assert_eq!(f.len(), n as usize);
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    // Frames between two random MACs of the same segment.
    let frames: Vec<(u32, MacAddr, Dest, MacAddr)> = (0..ROUNDS * BURST)
        .map(|_| {
            let s = xorshift(&mut rng) % n;
            let d = (xorshift(&mut rng) % (n / u64::from(SEGMENTS))) * u64::from(SEGMENTS)
                + s % u64::from(SEGMENTS);
            (
                (s % u64::from(SEGMENTS)) as u32,
                mac(s),
                Dest::Port((s % 48) as u32),
                mac(d),
            )
        })
        .collect();

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(BURST as u64));
    let mut r = 0usize;
    let mut now = 1u64;
    g.bench_function(BenchmarkId::new("learn_lookup", "single"), |b| {
        b.iter(|| {
            r = (r + 1) % ROUNDS;
            now += 1;
            let mut ports = 0u32;
            for (seg, src, from, dst) in &frames[r * BURST..(r + 1) * BURST] {
                black_box(f.learn(*seg, *src, *from, now));
                if let Forward::Unicast(Dest::Port(p)) = f.lookup(*seg, *dst, now) {
                    ports = ports.wrapping_add(p);
                }
            }
            black_box(ports)
        })
    });
    let addrs: Vec<FrameAddr> = frames
        .iter()
        .map(|&(seg, src, from, dst)| FrameAddr {
            seg,
            src,
            dst,
            from,
        })
        .collect();
    let mut learned = [Learned::New; BURST];
    let mut out = [None; BURST];
    g.bench_function(BenchmarkId::new("learn_lookup", "burst"), |b| {
        b.iter(|| {
            r = (r + 1) % ROUNDS;
            now += 1;
            let chunk = &addrs[r * BURST..(r + 1) * BURST];
            black_box(
                f.learn_lookup_burst(chunk, now, &mut learned, &mut out)
                    .unwrap(),
            )
        })
    });
    // The same with a datapath's clock: `now` in ticks of ≈ 1 ms (1024 bursts of ≈ 0.7 µs),
    // not one tick per burst, so whether a source was already seen in this tick varies from
    // frame to frame (a tick's 65k frames meet about half of 100k MACs): the case a branch on
    // `last_seen == now` mispredicts.
    let mut bursts = 0u64;
    g.bench_function(BenchmarkId::new("learn_lookup", "burst_ms_clock"), |b| {
        b.iter(|| {
            r = (r + 1) % ROUNDS;
            bursts += 1;
            let chunk = &addrs[r * BURST..(r + 1) * BURST];
            black_box(
                f.learn_lookup_burst(chunk, now + bursts / 1024, &mut learned, &mut out)
                    .unwrap(),
            )
        })
    });
    now += bursts / 1024 + 1;
    // Peer: the same per-frame work (refresh or learn the source, look up the destination)
    // over hashbrown with the same keys and a 16-byte value — no aging, moves or limits, so a
    // lower bound for a map-based FDB.
    let mut hb: hashbrown::HashMap<(u32, [u8; 6]), (u64, u32)> =
        hashbrown::HashMap::with_capacity(n as usize);
    for i in 0..n {
        hb.insert(
            ((i % u64::from(SEGMENTS)) as u32, mac(i).0),
            (0, (i % 48) as u32),
        );
    }
    g.bench_function(BenchmarkId::new("learn_lookup", "hashbrown"), |b| {
        b.iter(|| {
            r = (r + 1) % ROUNDS;
            now += 1;
            let mut ports = 0u32;
            for (seg, src, from, dst) in &frames[r * BURST..(r + 1) * BURST] {
                let Dest::Port(p) = *from else { continue };
                match hb.get_mut(&(*seg, src.0)) {
                    Some(e) if e.1 == p => e.0 = now,
                    Some(e) => *e = (now, p),
                    None => {
                        hb.insert((*seg, src.0), (now, p));
                    }
                }
                if let Some(e) = hb.get(&(*seg, dst.0)) {
                    ports = ports.wrapping_add(e.1);
                }
            }
            black_box(ports)
        })
    });
    g.finish();
}

fn port_security(c: &mut Criterion<CpuTime>) {
    use neutrino::l2::port_security::{PortSecurity, Verdict};
    use std::net::IpAddr;
    let mac = [0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33];
    let mut p = PortSecurity::new(MacAddr(mac)).unwrap();
    p.add_fixed_ip("10.0.0.5".parse().unwrap()).unwrap();
    p.add_fixed_ip("2001:db8::5".parse().unwrap()).unwrap();
    // Ten allowed pairs, half IPv4 CIDRs, half IPv6, some under other MACs.
    for i in 0..10u8 {
        let (ip, len): (IpAddr, u8) = if i % 2 == 0 {
            (format!("192.168.{i}.0").parse().unwrap(), 24)
        } else {
            (format!("2001:db8:{i}::").parse().unwrap(), 64)
        };
        let m = if i % 3 == 0 {
            None
        } else {
            Some(MacAddr([2, 0, 0, 0, 0, i]))
        };
        p.add_allowed_pair(m, ip, len).unwrap();
    }
    let mut v4 = Vec::new();
    etherparse::PacketBuilder::ethernet2(mac, [1, 2, 3, 4, 5, 6])
        .ipv4([10, 0, 0, 5], [10, 0, 0, 9], 64)
        .udp(40000, 53)
        .write(&mut v4, &[0u8; 32])
        .unwrap();
    let mut v6 = Vec::new();
    etherparse::PacketBuilder::ethernet2(mac, [1, 2, 3, 4, 5, 6])
        .ipv6(
            [0x20, 1, 0xd, 0xb8, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
            [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9],
            64,
        )
        .tcp(40000, 443, 1, 65535)
        .write(&mut v6, &[0u8; 32])
        .unwrap();
    let mut g = c.benchmark_group("port_security");
    g.throughput(Throughput::Elements(1));
    for (name, frame) in [("ipv4_udp", &v4), ("ipv6_tcp_pair", &v6)] {
        assert_eq!(p.check(frame), Verdict::Allow, "{name}");
        g.bench_function(BenchmarkId::new("check", name), |b| {
            b.iter(|| black_box(p.check(black_box(frame))))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .with_measurement(CpuTime::from_env())
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = fdb, port_security
}
criterion_main!(benches);
