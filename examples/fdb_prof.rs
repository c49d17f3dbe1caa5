//! Instruction-count harness for the FDB's per-frame work (run under callgrind):
//! `valgrind --tool=callgrind --toggle-collect=fdb_prof::run_burst target/release/examples/fdb_prof burst ROUNDS [MACS]`
//! Timing: `FDB_PASSES=k` (k - 1 warm passes first), `FDB_HOT=k` (frames only between the
//! first k MACs), `FDB_TICK=k` (the clock advances every k bursts).
//! Same table and frames as `benches/l2.rs` (`fdb_100k`).

use std::hint::black_box;

use neutrino::l2::fdb::{Fdb, FdbConfig, Forward, FrameAddr, Learned};
use neutrino::l2::Dest;
use neutrino::wire::MacAddr;

/// Thread CPU time in ns (the machine is shared).
fn cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant libc knows.
    #[allow(unsafe_code)]
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts)
    };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

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

#[inline(never)]
fn run_single(f: &mut Fdb<Box<[u8]>>, frames: &[FrameAddr], now: u64) -> u32 {
    let mut ports = 0u32;
    for fr in frames {
        black_box(f.learn(fr.seg, fr.src, fr.from, now));
        if let Forward::Unicast(Dest::Port(p)) = f.lookup(fr.seg, fr.dst, now) {
            ports = ports.wrapping_add(p);
        }
    }
    ports
}

#[inline(never)]
fn run_burst(
    f: &mut Fdb<Box<[u8]>>,
    frames: &[FrameAddr],
    now: u64,
    l: &mut [Learned],
    o: &mut [Option<Dest>],
) -> u64 {
    f.learn_lookup_burst(frames, now, l, o).unwrap_or(0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "burst".into());
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let segs = 100u64;
    let mut f = Fdb::with_config(FdbConfig {
        segment_capacity: 256,
        ..FdbConfig::new(n as usize, 0xfdb_5eed)
    })
    .unwrap();
    for i in 0..n {
        f.learn((i % segs) as u32, mac(i), Dest::Port((i % 48) as u32), 0);
    }
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    // `FDB_HOT=k`: frames only between the first `k` MACs (their slots stay in cache while
    // the frame array still streams), to tell the frames' misses from the slots'.
    let hot: u64 = std::env::var("FDB_HOT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
        .clamp(segs, n);
    let frames: Vec<FrameAddr> = (0..rounds * 64)
        .map(|_| {
            let s = xorshift(&mut rng) % hot;
            let d = (xorshift(&mut rng) % (hot / segs)) * segs + s % segs;
            FrameAddr {
                seg: (s % segs) as u32,
                src: mac(s),
                from: Dest::Port((s % 48) as u32),
                dst: mac(d),
            }
        })
        .collect();
    let mut learned = [Learned::New; 64];
    let mut out = [None; 64];
    let mut acc = 0u64;
    // `FDB_PASSES=k`: k - 1 unmeasured passes over the frames first (warm caches and
    // predictors as a long benchmark run has them), then the measured one.
    let passes: usize = std::env::var("FDB_PASSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    // `FDB_TICK=k`: the clock advances every k bursts (default 1; a datapath's millisecond
    // clock is ≈ 1000 bursts).
    let tick: usize = std::env::var("FDB_TICK")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let mut t0 = 0;
    for p in 1..=passes {
        if p == passes {
            t0 = cpu_ns();
        }
        for (r, chunk) in frames.chunks(64).enumerate() {
            let now = 1 + ((p * rounds + r) / tick) as u64;
            acc = acc.wrapping_add(if mode == "single" {
                u64::from(run_single(&mut f, chunk, now))
            } else {
                run_burst(&mut f, chunk, now, &mut learned, &mut out)
            });
        }
    }
    let ns = (cpu_ns() - t0) as f64 / (rounds * 64) as f64;
    println!(
        "{mode}: {} frames, {ns:.1} ns/frame (thread CPU), {acc}",
        rounds * 64
    );
}
