//! A criterion measurement of the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`):
//! on a machine shared with other jobs, wall time also counts the periods the thread waited for
//! a core. `NEUTRINO_BENCH_WALL=1` switches to the monotonic wall clock.
//!
//! Shared by the benches with `#[path = "common/cpu_time.rs"] mod cpu_time;`.

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// Thread CPU time in nanoseconds, or wall time when `wall`.
pub struct CpuTime {
    wall: bool,
}

impl CpuTime {
    /// CPU time unless `NEUTRINO_BENCH_WALL=1` is set.
    pub fn from_env() -> Self {
        CpuTime {
            wall: std::env::var_os("NEUTRINO_BENCH_WALL").is_some_and(|v| v == "1"),
        }
    }
}

static WALL: WallTime = WallTime;

fn now_ns(wall: bool) -> u64 {
    let clock = if wall {
        libc::CLOCK_MONOTONIC
    } else {
        libc::CLOCK_THREAD_CPUTIME_ID
    };
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; clock_gettime only writes it.
    let r = unsafe { libc::clock_gettime(clock, &mut t) };
    assert_eq!(r, 0, "clock_gettime");
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        now_ns(self.wall)
    }
    fn end(&self, i: u64) -> u64 {
        now_ns(self.wall).saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, formatted like wall time.
        WALL.formatter()
    }
}
