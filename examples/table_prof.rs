//! Instruction-count harness for single table lookups vs hashbrown (run under callgrind with
//! `--toggle-collect=table_prof::run_ours` or `table_prof::run_hb`): same keys as
//! `benches/table.rs`. Usage: `table_prof N LOOKUPS`.
//!
//! The compiler may compile this loop differently from the bench's closures (it kept the
//! table's fields in registers here across a call the bench's loop reloaded them after: 52
//! against 60 instructions per 10k hit for the same code). For the bench's own loop, run the
//! bench binary under callgrind: `valgrind --tool=callgrind --dump-instr=yes
//! --toggle-collect='criterion::bencher::Bencher*::iter*' target/release/deps/table-… --bench
//! --profile-time 2 table_10000/neutrino_single/hit`, and divide by the executions of the
//! loop's first instruction.

use std::hint::black_box;

use neutrino::table::TableBox;

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

#[inline(never)]
fn run_ours(t: &TableBox<[u8; 16], u64>, keys: &[[u8; 16]]) -> u64 {
    let mut acc = 0u64;
    for k in keys {
        acc = acc.wrapping_add(t.get(k).unwrap_or(1));
    }
    acc
}

#[inline(never)]
fn run_hb(t: &hashbrown::HashMap<[u8; 16], u64>, keys: &[[u8; 16]]) -> u64 {
    let mut acc = 0u64;
    for k in keys {
        acc = acc.wrapping_add(t.get(k).copied().unwrap_or(1));
    }
    acc
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let lookups: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut ours =
        TableBox::<[u8; 16], u64>::with_capacity(n as usize, 0x5eed_1234_abcd_ef01).unwrap();
    let mut hb = hashbrown::HashMap::with_capacity(n as usize);
    for i in 0..n {
        ours.insert(key(i), i).unwrap();
        hb.insert(key(i), i);
    }
    let keys: Vec<[u8; 16]> = (0..lookups)
        .map(|i| key(i.wrapping_mul(7919) % n))
        .collect();
    let a = black_box(run_ours(&ours, &keys));
    let b = black_box(run_hb(&hb, &keys));
    assert_eq!(a, b);
    println!("{a}");
}
