//! Routing: sequences of insert / remove / lookup operations on the no-alloc pool table and on
//! the alloc-mode `Lpm` (staged, committed at random points), checked against the linear-scan
//! oracle after every operation. A full pool must refuse and change nothing.
//!
//! Input: records of 20 bytes: op, family+length, 16 address bytes, 2 next-hop bytes.
#![no_main]
use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use neutrino::route::oracle::LinearLpm;
use neutrino::route::pool::{PoolConfig, PoolTable, Reclaim};
use neutrino::route::{Address, FibOps, Lpm, Prefix, RouteError, MAX_BURST};

struct State<A: Address> {
    oracle: LinearLpm<A>,
    lpm: Lpm<A>,
}

fn step<A: Address>(s: &mut State<A>, pool: &mut PoolTable<'_>, op: u8, addr: A, len: u8, nh: u32) {
    let p = Prefix::new_truncating(addr, len % (A::MAX_LEN + 1)).unwrap();
    match op % 8 {
        0..=2 => match pool.insert(0, p, nh) {
            Ok(old) => {
                assert_eq!(old, s.oracle.insert(p, nh), "pool insert {p}");
                assert_eq!(s.lpm.insert_staged(p, nh), Ok(old), "lpm insert {p}");
            }
            Err(RouteError::PoolFull { .. }) | Err(RouteError::RulesFull { .. }) => {
                assert_eq!(
                    pool.get(0, p),
                    Ok(s.oracle.get(p)),
                    "refused insert changed {p}"
                );
            }
            Err(e) => panic!("insert {p}: {e}"),
        },
        3 | 4 => {
            let want = s.oracle.remove(p);
            assert_eq!(pool.remove(0, p), want, "pool remove {p}");
            assert_eq!(s.lpm.remove_staged(p), want, "lpm remove {p}");
        }
        5 => {
            s.lpm.commit();
        }
        6 => {
            // Remove an existing route chosen by the input.
            if !s.oracle.is_empty() {
                let q = s.oracle.routes()[nh as usize % s.oracle.len()].0;
                let want = s.oracle.remove(q);
                assert!(want.is_ok());
                assert_eq!(pool.remove(0, q), want);
                assert_eq!(s.lpm.remove_staged(q), want);
            }
        }
        _ => {}
    }
    assert_eq!(
        pool.lookup(0, addr),
        s.oracle.lookup(addr),
        "pool lookup {addr}"
    );
    let fib = s.lpm.commit();
    assert_eq!(fib.lookup(addr), s.oracle.lookup(addr), "lpm lookup {addr}");
}

fn check_all<A: Address>(s: &mut State<A>, pool: &PoolTable<'_>, addrs: &[A]) {
    let fib = s.lpm.commit().clone();
    for chunk in addrs.chunks(MAX_BURST) {
        let mut a = [None; MAX_BURST];
        let mut b = [None; MAX_BURST];
        pool.lookup_burst(0, chunk, &mut a[..chunk.len()]).unwrap();
        fib.lookup_burst(chunk, &mut b[..chunk.len()]).unwrap();
        for (i, x) in chunk.iter().enumerate() {
            let want = s.oracle.lookup(*x);
            assert_eq!(a[i], want, "pool burst {x}");
            assert_eq!(b[i], want, "lpm burst {x}");
        }
    }
    for (p, nh) in s.oracle.routes() {
        assert_eq!(pool.get(0, *p), Ok(Some(*nh)));
        assert_eq!(s.lpm.get(*p), Some(*nh));
    }
}

fuzz_target!(|data: &[u8]| {
    let cfg = PoolConfig {
        max_vrfs: 1,
        max_nodes: 24,
        max_routes: 48,
        reclaim: Reclaim::Immediate,
    };
    let mut mem = vec![0u32; PoolTable::mem_size(&cfg).unwrap().div_ceil(4)];
    let mut pool = PoolTable::new_in(zerocopy::IntoBytes::as_mut_bytes(&mut mem[..]), cfg).unwrap();
    pool.add_vrf(0).unwrap();
    let mut s4 = State::<Ipv4Addr> {
        oracle: LinearLpm::new(),
        lpm: Lpm::new(),
    };
    let mut s6 = State::<Ipv6Addr> {
        oracle: LinearLpm::new(),
        lpm: Lpm::new(),
    };
    let (mut a4, mut a6) = (Vec::new(), Vec::new());
    for rec in data.chunks_exact(20).take(512) {
        let (op, fl) = (rec[0], rec[1]);
        let mut b = [0u8; 16];
        b.copy_from_slice(&rec[2..18]);
        let nh = u16::from_le_bytes([rec[18], rec[19]]) as u32;
        if fl & 0x80 == 0 {
            let a = Ipv4Addr::new(b[0], b[1], b[2], b[3]);
            a4.push(a);
            step(&mut s4, &mut pool, op, a, fl & 0x3F, nh);
        } else {
            let a = Ipv6Addr::from(b);
            a6.push(a);
            step(&mut s6, &mut pool, op, a, fl & 0x7F, nh);
        }
    }
    check_all(&mut s4, &pool, &a4);
    check_all(&mut s6, &pool, &a6);
    // IPv6 addresses as the C API passes them (16 big-endian bytes: its own walk).
    let fib6 = s6.lpm.commit().clone();
    for chunk in a6.chunks(MAX_BURST) {
        let bytes: Vec<[u8; 16]> = chunk.iter().map(|a| a.octets()).collect();
        let mut out = [0u32; MAX_BURST];
        fib6.lookup_burst_bytes(&bytes, &mut out[..chunk.len()], u32::MAX)
            .unwrap();
        for (i, x) in chunk.iter().enumerate() {
            let want = s6.oracle.lookup(*x).unwrap_or(u32::MAX);
            assert_eq!(out[i], want, "byte burst {x}");
        }
    }
});
