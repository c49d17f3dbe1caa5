//! Longest-prefix match from the command line.
//!
//! ```text
//! cargo run --release --example lpm -- --routes ROUTES [--lookups ADDRS] [--bench]
//! ```
//! - `ROUTES`: one route per line, `prefix nexthop-id` (IPv4 and IPv6 mixed), `#` starts a
//!   comment. A prefix with host bits set is refused with its line number.
//! - `ADDRS`: one address per line; prints `address nexthop-id`, or `address -` when no route
//!   matches.
//! - `--bench`: prints build time, memory and lookups per second for random addresses and for
//!   addresses that hit a route, single and in bursts of 64, per family.

use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;
use std::time::Instant;

use neutrino::route::{Address, FibOps, IpPrefix, Key, Lpm, Prefix, MAX_BURST};

struct Args {
    routes: String,
    lookups: Option<String>,
    bench: bool,
}

fn usage() -> ExitCode {
    eprintln!("usage: lpm --routes FILE [--lookups FILE] [--bench]");
    ExitCode::from(2)
}

fn parse_args() -> Option<Args> {
    let mut routes = None;
    let mut lookups = None;
    let mut bench = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--routes" => routes = Some(it.next()?),
            "--lookups" => lookups = Some(it.next()?),
            "--bench" => bench = true,
            _ => return None,
        }
    }
    Some(Args {
        routes: routes?,
        lookups,
        bench,
    })
}

type Table<A> = Vec<(Prefix<A>, u32)>;

fn read_routes(path: &str) -> Result<(Table<Ipv4Addr>, Table<Ipv6Addr>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let (mut v4, mut v6) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(p), Some(nh), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!("{path}:{}: expected `prefix nexthop-id`", n + 1));
        };
        let p: IpPrefix = p
            .parse()
            .map_err(|e| format!("{path}:{}: {p}: {e}", n + 1))?;
        let nh: u32 = nh
            .parse()
            .map_err(|_| format!("{path}:{}: bad next-hop id {nh}", n + 1))?;
        match p {
            IpPrefix::V4(p) => v4.push((p, nh)),
            IpPrefix::V6(p) => v6.push((p, nh)),
        }
    }
    Ok((v4, v6))
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn rate(n: usize, f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    n as f64 / t.elapsed().as_secs_f64() / 1e6
}

fn bench<A: Address>(name: &str, table: &Table<A>, lpm: &Lpm<A>, build_s: f64) {
    let st = lpm.fib().stats();
    println!(
        "{name}: {} routes, build {:.3} s, memory {:.2} MiB in all (lookup structure {:.2} MiB, route store {:.2} MiB)",
        lpm.len(),
        build_s,
        lpm.memory_bytes() as f64 / 1048576.0,
        st.bytes as f64 / 1048576.0,
        lpm.rib_bytes() as f64 / 1048576.0
    );
    if table.is_empty() {
        return;
    }
    let mut r = Rng(0x5eed);
    let rnd =
        |r: &mut Rng| <A::Key as Key>::from_u128(((r.next() as u128) << 64) | r.next() as u128);
    let random: Vec<A> = (0..1 << 16).map(|_| A::from_key(rnd(&mut r))).collect();
    let hit: Vec<A> = (0..1 << 16)
        .map(|_| {
            let (p, _) = table[(r.next() % table.len() as u64) as usize];
            let all = u128::MAX >> (128 - A::MAX_LEN as u32);
            let host = rnd(&mut r).to_u128() & all.checked_shr(p.len() as u32).unwrap_or(0);
            A::from_key(<A::Key as Key>::from_u128(p.key().to_u128() | host))
        })
        .collect();
    let fib = lpm.fib();
    for (kind, addrs) in [("random", &random), ("hit", &hit)] {
        let rounds = 50;
        let single = rate(addrs.len() * rounds, || {
            let mut s = 0u32;
            for _ in 0..rounds {
                for a in addrs {
                    s = s.wrapping_add(fib.lookup(black_box(*a)).unwrap_or(0));
                }
            }
            black_box(s);
        });
        let burst = rate(addrs.len() * rounds, || {
            let mut out = [None; MAX_BURST];
            let mut s = 0usize;
            for _ in 0..rounds {
                for c in addrs.chunks(MAX_BURST) {
                    s += fib.lookup_burst(black_box(c), &mut out).unwrap_or(0);
                }
            }
            black_box(s);
        });
        println!("{name} {kind}: single {single:.1} M lookups/s, burst {burst:.1} M lookups/s");
    }
}

fn run(args: Args) -> Result<(), String> {
    let (v4, v6) = read_routes(&args.routes)?;
    let t = Instant::now();
    let l4 = Lpm::from_routes(v4.iter().copied()).map_err(|e| e.to_string())?;
    let b4 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let l6 = Lpm::from_routes(v6.iter().copied()).map_err(|e| e.to_string())?;
    let b6 = t.elapsed().as_secs_f64();
    if let Some(path) = &args.lookups {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let mut out = BufWriter::new(std::io::stdout().lock());
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let a: IpAddr = line
                .parse()
                .map_err(|_| format!("{path}:{}: bad address {line}", n + 1))?;
            let r = match a {
                IpAddr::V4(a) => l4.lookup(a),
                IpAddr::V6(a) => l6.lookup(a),
            };
            let res = match r {
                Some(nh) => writeln!(out, "{a} {nh}"),
                None => writeln!(out, "{a} -"),
            };
            res.map_err(|e| e.to_string())?;
        }
        out.flush().map_err(|e| e.to_string())?;
    }
    if args.bench {
        bench("ipv4", &v4, &l4, b4);
        bench("ipv6", &v6, &l6, b6);
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(args) = parse_args() else {
        return usage();
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lpm: {e}");
            ExitCode::FAILURE
        }
    }
}
