//! Table bench: neutrino's cuckoo table vs hashbrown (foldhash, its default) on the same
//! 16-byte 5-tuple-like keys and `u64` values, at 10k, 100k and 1M entries, hit and miss,
//! one key at a time and in bursts of 64. Every measurement does 64 lookups over a random
//! (precomputed) key order, so the times are directly comparable: divide by 64 for ns/lookup.
//!
//! Run: `cargo bench --bench table` (add a filter such as `1000000` to run one size).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "common/cpu_time.rs"]
mod cpu_time;
use cpu_time::CpuTime;
use neutrino::table::TableBox;

const BURST: usize = 64;
/// Distinct lookup orders cycled through, so a size's working set is really touched.
const ROUNDS: usize = 4096;

/// A 5-tuple-like key: IPv4 src, dst, ports, protocol and padding, from a counter.
fn key(i: u64) -> [u8; 16] {
    let x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut k = [0u8; 16];
    k[0..4].copy_from_slice(&[10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
    k[4..8].copy_from_slice(&[192, 168, (x >> 8) as u8, x as u8]);
    k[8..10].copy_from_slice(&((x >> 16) as u16 | 1024).to_be_bytes());
    k[10..12].copy_from_slice(&443u16.to_be_bytes());
    k[12] = 6;
    k[13..16].copy_from_slice(&[(i >> 24) as u8, (i >> 32) as u8, 0]);
    k
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn bench_size(c: &mut Criterion<CpuTime>, n: usize) {
    let mut ours = TableBox::<[u8; 16], u64>::with_capacity(n, 0x5eed_1234_abcd_ef01).unwrap();
    let mut hb: hashbrown::HashMap<[u8; 16], u64> = hashbrown::HashMap::with_capacity(n);
    for i in 0..n as u64 {
        ours.insert(key(i), i).unwrap();
        hb.insert(key(i), i);
    }
    let mut rng = 0x1234_5678_9abc_def1u64;
    let hits: Vec<[u8; 16]> = (0..ROUNDS * BURST)
        .map(|_| key(xorshift(&mut rng) % n as u64))
        .collect();
    let misses: Vec<[u8; 16]> = (0..ROUNDS * BURST)
        .map(|_| key(n as u64 + xorshift(&mut rng) % (4 * n as u64)))
        .collect();

    let mut g = c.benchmark_group(format!("table_{n}"));
    g.throughput(Throughput::Elements(BURST as u64));
    for (what, keys) in [("hit", &hits), ("miss", &misses)] {
        let mut r = 0usize;
        g.bench_function(BenchmarkId::new("neutrino_single", what), |b| {
            b.iter(|| {
                r = (r + 1) % ROUNDS;
                let mut acc = 0u64;
                for k in &keys[r * BURST..(r + 1) * BURST] {
                    acc = acc.wrapping_add(ours.get(k).unwrap_or(1));
                }
                black_box(acc)
            })
        });
        let mut out = [None; BURST];
        g.bench_function(BenchmarkId::new("neutrino_burst", what), |b| {
            b.iter(|| {
                r = (r + 1) % ROUNDS;
                let mask = ours
                    .get_burst(&keys[r * BURST..(r + 1) * BURST], &mut out)
                    .unwrap();
                black_box((mask, &out));
            })
        });
        g.bench_function(BenchmarkId::new("hashbrown", what), |b| {
            b.iter(|| {
                r = (r + 1) % ROUNDS;
                let mut acc = 0u64;
                for k in &keys[r * BURST..(r + 1) * BURST] {
                    acc = acc.wrapping_add(hb.get(k).copied().unwrap_or(1));
                }
                black_box(acc)
            })
        });
    }
    g.finish();
}

fn table(c: &mut Criterion<CpuTime>) {
    for n in [10_000, 100_000, 1_000_000] {
        bench_size(c, n);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .with_measurement(CpuTime::from_env())
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = table
}
criterion_main!(benches);
