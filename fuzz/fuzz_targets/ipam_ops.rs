//! IPAM operation sequences against oracles: a subnet built from arbitrary bounds either fails
//! validation (no panic) or yields pools inside the host range that avoid the gateway; then
//! allocations (random, lowest, fixed, release) on the IPv4 bitmap or IPv6 interval allocator
//! are checked against a `BTreeSet` of allocated addresses (random picks lie among the first
//! 1000 free pool addresses, lowest picks are the lowest free, errors leave the count
//! unchanged), and segment id operations against a `BTreeSet` of ids.
#![no_main]
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use neutrino::ipam::segment::{IdAllocator, SegmentType};
use neutrino::ipam::{
    AddressAllocator, AllocMode, GatewaySpec, IpNet, IpRange, Ipv4Net, Ipv6Net, SplitMix64, Subnet,
    SubnetConfig, V4Allocator, V6Allocator, RANDOM_WINDOW,
};

#[derive(Arbitrary, Debug)]
enum Op {
    Any { lowest: bool, seed: u64 },
    Fixed { off: u16, admin: bool },
    Release { off: u16 },
    SegAny { lowest: bool, seed: u64 },
    SegSpecific(u16),
    SegRelease(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    v6: bool,
    host_bits: u8,
    gateway: Option<u16>,
    no_gateway: bool,
    pools: Option<Vec<(u16, u16)>>,
    seg_ranges: Vec<(u16, u16)>,
    ops: Vec<Op>,
}

fn addr(v6: bool, base: u128, off: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(base + off))
    } else {
        IpAddr::V4(Ipv4Addr::from((base + off) as u32))
    }
}

fn val(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fuzz_target!(|inp: Input| {
    if inp.ops.len() > 300 {
        return;
    }
    let host_bits = u32::from(inp.host_bits % 12); // up to 2048 addresses (4 bitmap chunks)
    let span: u128 = 1 << host_bits;
    let (cidr, base) = if inp.v6 {
        let b: u128 = 0x2001_0db8 << 96;
        (
            IpNet::V6(Ipv6Net::new(Ipv6Addr::from(b), 128 - host_bits as u8).unwrap()),
            b,
        )
    } else {
        let b: u32 = 0x0a00_0000;
        (
            IpNet::V4(Ipv4Net::new(Ipv4Addr::from(b), 32 - host_bits as u8).unwrap()),
            u128::from(b),
        )
    };
    let pools: Option<Vec<IpRange>> = inp.pools.as_ref().map(|ps| {
        ps.iter()
            .take(20)
            .map(|&(a, b)| {
                IpRange::new(
                    addr(inp.v6, base, u128::from(a) % (span + 2)),
                    addr(inp.v6, base, u128::from(b) % (span + 2)),
                )
            })
            .collect()
    });
    let gateway = match (inp.no_gateway, inp.gateway) {
        (true, _) => GatewaySpec::None,
        (false, None) => GatewaySpec::Default,
        (false, Some(g)) => GatewaySpec::Ip(addr(inp.v6, base, u128::from(g) % (span + 2))),
    };
    let cfg = SubnetConfig {
        gateway,
        pools: pools.as_deref(),
        ..SubnetConfig::new(cidr)
    };
    let Ok(subnet) = Subnet::new(&cfg) else {
        return;
    };
    if let Some(g) = subnet.gateway() {
        assert!(cidr.contains(&g));
        assert!(!subnet.in_pool(g));
    }
    for p in subnet.pools() {
        assert!(cidr.contains(&p.start) && cidr.contains(&p.end));
        assert!(val(p.start) <= val(p.end));
    }

    let mut v4;
    let mut v6;
    let alloc: &mut dyn AddressAllocator = if inp.v6 {
        v6 = V6Allocator::new(&subnet).unwrap();
        &mut v6
    } else {
        v4 = V4Allocator::new_vec(&subnet).unwrap();
        &mut v4
    };
    let pool_addrs: Vec<u128> = (0..span)
        .map(|o| base + o)
        .filter(|&v| subnet.in_pool(addr(inp.v6, 0, v)))
        .collect();
    let mut model: BTreeSet<u128> = BTreeSet::new();

    let ranges: Vec<(u32, u32)> = inp
        .seg_ranges
        .iter()
        .take(8)
        .map(|&(a, b)| (u32::from(a).max(1), u32::from(b).max(1)))
        .collect();
    let mut seg = IdAllocator::new(SegmentType::Vxlan, &ranges).ok();
    let in_ranges = |id: u32| ranges.iter().any(|&(a, b)| a <= id && id <= b);
    let mut seg_model: BTreeSet<u32> = BTreeSet::new();

    for op in &inp.ops {
        match *op {
            Op::Any { lowest, seed } => {
                let free: Vec<u128> = pool_addrs
                    .iter()
                    .copied()
                    .filter(|v| !model.contains(v))
                    .take(RANDOM_WINDOW as usize)
                    .collect();
                let mode = if lowest {
                    AllocMode::Lowest
                } else {
                    AllocMode::Random
                };
                let before = alloc.allocated();
                match alloc.allocate(mode, &mut SplitMix64(seed)) {
                    Ok(ip) => {
                        let v = val(ip);
                        if lowest {
                            assert_eq!(Some(&v), free.first());
                        } else {
                            assert!(free.contains(&v));
                        }
                        model.insert(v);
                    }
                    Err(_) => {
                        assert!(free.is_empty());
                        assert_eq!(alloc.allocated(), before);
                    }
                }
            }
            Op::Fixed { off, admin } => {
                let a = addr(inp.v6, base, u128::from(off) % (span + 2));
                let ok = subnet.check_fixed_ip(a, admin).is_ok() && !model.contains(&val(a));
                let before = alloc.allocated();
                assert_eq!(alloc.allocate_specific(a, admin).is_ok(), ok, "{a}");
                if ok {
                    model.insert(val(a));
                } else {
                    assert_eq!(alloc.allocated(), before);
                }
            }
            Op::Release { off } => {
                let a = addr(inp.v6, base, u128::from(off) % (span + 2));
                assert_eq!(alloc.release(a).is_ok(), model.remove(&val(a)), "{a}");
            }
            Op::SegAny { lowest, seed } => {
                let Some(s) = seg.as_mut() else { continue };
                let mode = if lowest {
                    AllocMode::Lowest
                } else {
                    AllocMode::Random
                };
                match s.allocate(mode, &mut SplitMix64(seed)) {
                    Ok(id) => {
                        assert!(in_ranges(id));
                        assert!(seg_model.insert(id));
                        if lowest {
                            // Nothing lower in the ranges is free.
                            let lo = ranges.iter().map(|r| r.0).min().unwrap();
                            assert!((lo..id).all(|x| !in_ranges(x) || seg_model.contains(&x)));
                        }
                    }
                    Err(_) => {
                        for &(a, b) in &ranges {
                            if b - a < 5000 {
                                assert!((a..=b).all(|x| seg_model.contains(&x)));
                            }
                        }
                    }
                }
            }
            Op::SegSpecific(id) => {
                let Some(s) = seg.as_mut() else { continue };
                let id = u32::from(id);
                let ok = id >= 1 && !seg_model.contains(&id);
                assert_eq!(s.allocate_specific(id).is_ok(), ok);
                if ok {
                    seg_model.insert(id);
                }
            }
            Op::SegRelease(id) => {
                let Some(s) = seg.as_mut() else { continue };
                let id = u32::from(id);
                assert_eq!(s.release(id).is_ok(), seg_model.remove(&id));
            }
        }
        assert_eq!(alloc.allocated(), model.len() as u128);
        if let Some(s) = &seg {
            assert_eq!(s.allocated(), seg_model.len() as u64);
        }
    }
    for v in &model {
        assert!(alloc.is_allocated(addr(inp.v6, 0, *v)));
    }
});
