//! Routing benches on the real BGP table (`../shared/data/bgp-rib.lpm.xz`, 1.07 M IPv4 and
//! 176 k IPv6 prefixes): neutrino's [`Lpm`] (Poptrie) side by side with `prefix-trie` and
//! `ip_network_table` in the same run.
//!
//! Measured: build time of the full table, memory (bytes live after the build, counted by a
//! wrapping global allocator, so every structure is measured the same way), and lookups per
//! second for random addresses and for addresses that hit a route, single and (ours) in
//! bursts of 64, for IPv4 and IPv6. The multi-tenant group looks up the same hit addresses in
//! a full-table VRF of a `VrfTable` holding it alone and of one that also holds 1000 VRFs of
//! 20 routes, in the same run. Times are the thread's CPU time (`benches/common/cpu_time.rs`).
//!
//! Run: `cargo bench --bench route` (about two minutes;
//! `cargo bench --bench route -- multi-tenant` for the VRF group only). Without the data file a generated
//! table is used (and said so).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;

type C = Criterion<CpuTime>;
use neutrino::route::{Address, FibOps, Key, Lpm, Prefix, VrfTable, MAX_BURST};

/// Counts live heap bytes.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
// SAFETY: forwards to the system allocator; only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(p, l, new) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

type Table<A> = Vec<(Prefix<A>, u32)>;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn load() -> (Table<Ipv4Addr>, Table<Ipv6Addr>) {
    let dir = env!("CARGO_MANIFEST_DIR");
    let candidates = [
        format!("{dir}/../shared/data/bgp-rib.lpm.xz"),
        format!("{dir}/../../shared/data/bgp-rib.lpm.xz"),
    ];
    let Some(f) = candidates.iter().find_map(|p| std::fs::File::open(p).ok()) else {
        eprintln!("NOTE: {} absent: benching a generated table", candidates[0]);
        let mut r = Rng(0x1234_5678);
        let v4 = (0..500_000)
            .map(|_| {
                let len = 16 + (r.next() % 9) as u8;
                let p = Prefix::new_truncating(Ipv4Addr::from_bits(r.next() as u32), len).unwrap();
                (p, (r.next() % 60_000) as u32)
            })
            .collect();
        let v6 = (0..100_000)
            .map(|_| {
                let len = 32 + (r.next() % 17) as u8;
                let a = Ipv6Addr::from_bits((0x2000u128 << 112) | (r.next() as u128) << 64);
                (
                    Prefix::new_truncating(a, len).unwrap(),
                    (r.next() % 60_000) as u32,
                )
            })
            .collect();
        return (v4, v6);
    };
    let mut text = Vec::new();
    lzma_rs::xz_decompress(&mut std::io::BufReader::new(f), &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let mut it = line.split_whitespace();
        let (Some(p), Some(asn)) = (it.next(), it.next()) else {
            continue;
        };
        let (a, l) = p.split_once('/').unwrap();
        let l: u8 = l.parse().unwrap();
        let nh = asn.parse::<u64>().unwrap() as u32 & 0xF_FFFF;
        match a.parse::<IpAddr>().unwrap() {
            IpAddr::V4(a) => v4.push((Prefix::new_truncating(a, l).unwrap(), nh)),
            IpAddr::V6(a) => v6.push((Prefix::new_truncating(a, l).unwrap(), nh)),
        }
    }
    (v4, v6)
}

/// 4096 random addresses and 4096 that hit a route (a random address inside a random route
/// that is not the default route).
fn addresses<A: Address>(t: &Table<A>, seed: u64) -> (Vec<A>, Vec<A>) {
    let mut r = Rng(seed);
    let rnd =
        |r: &mut Rng| <A::Key as Key>::from_u128(((r.next() as u128) << 64) | r.next() as u128);
    let random = (0..4096).map(|_| A::from_key(rnd(&mut r))).collect();
    let hit = (0..4096)
        .map(|_| loop {
            let (p, _) = t[(r.next() % t.len() as u64) as usize];
            if p.is_empty() {
                continue;
            }
            let host = rnd(&mut r).to_u128() & (u128::MAX >> (128 - A::MAX_LEN as u32)) >> p.len();
            break A::from_key(<A::Key as Key>::from_u128(p.key().to_u128() | host));
        })
        .collect();
    (random, hit)
}

fn measure<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let before = LIVE.load(Ordering::Relaxed);
    let t0 = Instant::now();
    let v = f();
    let el = t0.elapsed();
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    eprintln!(
        "SUMMARY build {name}: {:.3} s, {:.1} MiB live",
        el.as_secs_f64(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    v
}

fn family<A: Address, N, M, P>(
    c: &mut C,
    fam: &str,
    t: &Table<A>,
    to_net: impl Fn(Prefix<A>) -> N + Copy,
    to_ipn: impl Fn(Prefix<A>) -> M + Copy,
    host: impl Fn(A) -> N + Copy,
    ip: impl Fn(A) -> P + Copy,
) where
    N: prefix_trie::Prefix + Copy,
    M: Into<ip_network::IpNetwork>,
    P: Into<IpAddr> + Copy,
{
    let ours = measure(&format!("{fam} neutrino Lpm (total)"), || {
        Lpm::from_routes(t.iter().copied()).unwrap()
    });
    let st = ours.fib().stats();
    eprintln!(
        "SUMMARY {fam} neutrino Lpm total {:.2} MiB (Fib lookup structure {:.2} MiB, RIB {:.2} MiB); {} nodes, {} leaves",
        ours.memory_bytes() as f64 / 1048576.0,
        st.bytes as f64 / 1048576.0,
        ours.rib_bytes() as f64 / 1048576.0,
        st.nodes,
        st.leaves
    );
    let pt = measure(&format!("{fam} prefix-trie"), || {
        let mut m = prefix_trie::PrefixMap::<N, u32>::new();
        for (p, nh) in t {
            m.insert(to_net(*p), *nh);
        }
        m
    });
    let int = measure(&format!("{fam} ip_network_table"), || {
        let mut m = ip_network_table::IpNetworkTable::<u32>::new();
        for (p, nh) in t {
            m.insert(to_ipn(*p), *nh);
        }
        m
    });
    let (random, hit) = addresses(t, 99);
    // Same answers, or the comparison is meaningless.
    for a in random.iter().chain(&hit).take(2000) {
        let o = ours.lookup(*a);
        assert_eq!(o, pt.get_lpm(&host(*a)).map(|x| *x.1), "prefix-trie {a}");
        assert_eq!(
            o,
            int.longest_match(ip(*a)).map(|x| *x.1),
            "ip_network_table {a}"
        );
    }

    let mut g = c.benchmark_group(format!("route/build/{fam}"));
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    g.bench_function("neutrino", |b| {
        b.iter(|| Lpm::from_routes(t.iter().copied()).unwrap())
    });
    g.bench_function("prefix-trie", |b| {
        b.iter(|| {
            let mut m = prefix_trie::PrefixMap::<N, u32>::new();
            for (p, nh) in t {
                m.insert(to_net(*p), *nh);
            }
            m
        })
    });
    g.finish();

    for (kind, addrs) in [("random", &random), ("hit", &hit)] {
        let mut g = c.benchmark_group(format!("route/lookup/{fam}/{kind}"));
        g.throughput(Throughput::Elements(addrs.len() as u64));
        g.bench_function(BenchmarkId::new("neutrino", "single"), |b| {
            b.iter(|| {
                let mut s = 0u32;
                for a in addrs.iter() {
                    s = s.wrapping_add(ours.lookup(black_box(*a)).unwrap_or(0));
                }
                s
            })
        });
        let fib = ours.fib();
        g.bench_function(BenchmarkId::new("neutrino", "burst64"), |b| {
            let mut out = [None; MAX_BURST];
            b.iter(|| {
                let mut s = 0usize;
                for chunk in addrs.chunks(MAX_BURST) {
                    s += fib.lookup_burst(black_box(chunk), &mut out).unwrap_or(0);
                }
                s
            })
        });
        g.bench_function(BenchmarkId::new("prefix-trie", "single"), |b| {
            b.iter(|| {
                let mut s = 0u32;
                for a in addrs.iter() {
                    s = s.wrapping_add(pt.get_lpm(&host(black_box(*a))).map_or(0, |x| *x.1));
                }
                s
            })
        });
        g.bench_function(BenchmarkId::new("ip_network_table", "single"), |b| {
            b.iter(|| {
                let mut s = 0u32;
                for a in addrs.iter() {
                    s = s.wrapping_add(int.longest_match(ip(black_box(*a))).map_or(0, |x| *x.1));
                }
                s
            })
        });
        g.finish();
    }
}

fn benches(c: &mut C) {
    let (v4, v6) = load();
    eprintln!("table: {} IPv4, {} IPv6 prefixes", v4.len(), v6.len());
    family(
        c,
        "ipv4",
        &v4,
        |p| ipnet::Ipv4Net::new(p.addr(), p.len()).unwrap(),
        |p| ip_network::Ipv4Network::new(p.addr(), p.len()).unwrap(),
        |a| ipnet::Ipv4Net::new(a, 32).unwrap(),
        |a| a,
    );
    family(
        c,
        "ipv6",
        &v6,
        |p| ipnet::Ipv6Net::new(p.addr(), p.len()).unwrap(),
        |p| ip_network::Ipv6Network::new(p.addr(), p.len()).unwrap(),
        |a| ipnet::Ipv6Net::new(a, 128).unwrap(),
        |a| a,
    );
    multi_tenant(c, &v4);
}

/// The full table in VRF 1000 of a `VrfTable`, alone and next to 1000 VRFs x 20 routes: the
/// same hit addresses looked up through both tables in the same run (the goal: the small VRFs
/// leave full-table lookups unaffected).
fn multi_tenant(c: &mut C, v4: &Table<Ipv4Addr>) {
    let mut alone = VrfTable::new(1001);
    alone.add_vrf(1000).unwrap();
    alone.extend(1000, v4.iter().copied()).unwrap();
    let mut t = VrfTable::new(1001);
    let mut r = Rng(7);
    for vrf in 0..1000 {
        t.add_vrf(vrf).unwrap();
        let routes: Vec<_> = (0..20)
            .map(|_| {
                let a = Ipv4Addr::from_bits(0x0A00_0000 | (r.next() as u32 & 0x00FF_FFFF));
                (
                    Prefix::new_truncating(a, 16 + (r.next() % 13) as u8).unwrap(),
                    vrf,
                )
            })
            .collect();
        t.extend(vrf, routes).unwrap();
    }
    let small = t.fib_bytes();
    t.add_vrf(1000).unwrap();
    t.extend(1000, v4.iter().copied()).unwrap();
    eprintln!(
        "SUMMARY multi-tenant: 1000 VRFs x 20 routes = {:.2} MiB of FIBs; with the full table {:.2} MiB (full table alone {:.2} MiB)",
        small as f64 / 1048576.0,
        t.fib_bytes() as f64 / 1048576.0,
        alone.fib_bytes() as f64 / 1048576.0
    );
    let (_, hit) = addresses(v4, 5);
    let tenant: Vec<(u32, Ipv4Addr)> = (0..4096)
        .map(|_| {
            (
                (r.next() % 1000) as u32,
                Ipv4Addr::from_bits(0x0A00_0000 | (r.next() as u32 & 0x00FF_FFFF)),
            )
        })
        .collect();
    let (snap, snap_alone) = (t.snapshot(), alone.snapshot());
    for a in &hit {
        assert_eq!(snap.lookup(1000, *a), snap_alone.lookup(1000, *a));
    }
    // The two tables measured alternately, so that a change of load on this shared machine
    // hits both alike; medians of the rates, and their ratio.
    let rate = |s: &neutrino::route::VrfFibs| {
        let mut out = [None; MAX_BURST];
        let t0 = thread_cpu_ns();
        let mut n = 0usize;
        for _ in 0..50 {
            for chunk in hit.chunks(MAX_BURST) {
                n += s
                    .lookup_burst(1000, black_box(chunk), &mut out)
                    .unwrap_or(0);
            }
        }
        black_box(n);
        (50 * hit.len()) as f64 / (thread_cpu_ns() - t0).max(1) as f64 * 1e3
    };
    let (mut ra, mut rw) = (Vec::new(), Vec::new());
    for rep in 0..15 {
        if rep % 2 == 0 {
            ra.push(rate(snap_alone));
            rw.push(rate(snap));
        } else {
            rw.push(rate(snap));
            ra.push(rate(snap_alone));
        }
    }
    let (ma, mw) = (median(&mut ra), median(&mut rw));
    eprintln!(
        "SUMMARY multi-tenant full-table hit burst64 through the VrfTable: alone {ma:.1} M/s, next to 1000 VRFs {mw:.1} M/s, ratio {:.2} (medians of 15 alternating runs, thread CPU time)",
        mw / ma
    );
    let mut g = c.benchmark_group("route/multi-tenant/ipv4");
    g.throughput(Throughput::Elements(4096));
    for (name, s) in [("alone", &snap_alone), ("with-1000-vrfs", &snap)] {
        g.bench_function(format!("full-table-vrf/hit/burst64/{name}"), |b| {
            let mut out = [None; MAX_BURST];
            b.iter(|| {
                let mut n = 0usize;
                for chunk in hit.chunks(MAX_BURST) {
                    n += s
                        .lookup_burst(1000, black_box(chunk), &mut out)
                        .unwrap_or(0);
                }
                n
            })
        });
        g.bench_function(format!("full-table-vrf/hit/single/{name}"), |b| {
            b.iter(|| {
                let mut x = 0u32;
                for a in hit.iter() {
                    x = x.wrapping_add(s.lookup(1000, black_box(*a)).unwrap_or(0));
                }
                x
            })
        });
    }
    g.bench_function("tenant-vrfs/single", |b| {
        b.iter(|| {
            let mut s = 0u32;
            for (vrf, a) in tenant.iter() {
                s = s.wrapping_add(snap.lookup(*vrf, black_box(*a)).unwrap_or(0));
            }
            s
        })
    });
    g.finish();
}

/// The calling thread's CPU time in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; clock_gettime only writes it.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(r, 0, "clock_gettime");
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

criterion_group! {
    name = route;
    config = Criterion::default()
        .with_measurement(CpuTime::from_env())
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = benches
}
criterion_main!(route);
