//! IPAM tests. Oracles: the examples of Neutron's documentation and unit tests quoted in
//! `shared/research/neutron-semantics.md` (written out literally below), and proptests against
//! a `BTreeSet` model of the allocated addresses.

use core::net::{IpAddr, Ipv6Addr};
use std::collections::BTreeSet;
use std::vec::Vec;

use proptest::prelude::*;

use super::mac::MacAllocator;
use super::segment::{IdAllocator, SegmentType, VlanAllocator};
use super::subnet::{check_overlap, Network};
use super::subnetpool::{SubnetPool, SubnetPoolConfig};
use super::*;
use crate::wire::MacAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}
fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}
fn range(a: &str, b: &str) -> IpRange {
    IpRange::new(ip(a), ip(b))
}
fn subnet(cidr: &str) -> Subnet {
    Subnet::new(&SubnetConfig::new(net(cidr))).unwrap()
}
fn with_gw(cidr: &str, gw: GatewaySpec) -> Result<Subnet, IpamError> {
    Subnet::new(&SubnetConfig {
        gateway: gw,
        ..SubnetConfig::new(net(cidr))
    })
}
fn with_pools(cidr: &str, gw: GatewaySpec, pools: &[IpRange]) -> Result<Subnet, IpamError> {
    Subnet::new(&SubnetConfig {
        gateway: gw,
        pools: Some(pools),
        ..SubnetConfig::new(net(cidr))
    })
}

// ---------------------------------------------------------------- defaults

#[test]
fn default_gateway_and_pools_v4() {
    let s = subnet("10.0.0.0/24");
    assert_eq!(s.gateway(), Some(ip("10.0.0.1")));
    assert_eq!(s.pools(), &[range("10.0.0.2", "10.0.0.254")]);
    // Neutron generate_pools splits around a gateway in the middle.
    let s = with_gw("10.0.0.0/24", GatewaySpec::Ip(ip("10.0.0.100"))).unwrap();
    assert_eq!(
        s.pools(),
        &[
            range("10.0.0.1", "10.0.0.99"),
            range("10.0.0.101", "10.0.0.254")
        ]
    );
    // Gateway at the end of the host range: one pool.
    let s = with_gw("10.0.0.0/24", GatewaySpec::Ip(ip("10.0.0.254"))).unwrap();
    assert_eq!(s.pools(), &[range("10.0.0.1", "10.0.0.253")]);
    // gateway_ip: null → the whole host range.
    let s = with_gw("192.168.1.0/28", GatewaySpec::None).unwrap();
    assert_eq!(s.gateway(), None);
    assert_eq!(s.pools(), &[range("192.168.1.1", "192.168.1.14")]);
    // /30: gateway .1, one address left.
    let s = subnet("10.1.1.0/30");
    assert_eq!(s.pools(), &[range("10.1.1.2", "10.1.1.2")]);
}

#[test]
fn edge_prefixes_31_32_127_128() {
    // /31: both addresses usable; default gateway the second; pool the first.
    let s = subnet("10.0.0.4/31");
    assert_eq!(s.gateway(), Some(ip("10.0.0.5")));
    assert_eq!(s.pools(), &[range("10.0.0.4", "10.0.0.4")]);
    let s = with_gw("10.0.0.4/31", GatewaySpec::None).unwrap();
    assert_eq!(s.pools(), &[range("10.0.0.4", "10.0.0.5")]);
    // A /31 gateway may be the "network" address.
    let s = with_gw("10.0.0.4/31", GatewaySpec::Ip(ip("10.0.0.4"))).unwrap();
    assert_eq!(s.pools(), &[range("10.0.0.5", "10.0.0.5")]);
    // /32: the one address, no default gateway.
    let s = subnet("10.0.0.9/32");
    assert_eq!(s.gateway(), None);
    assert_eq!(s.pools(), &[range("10.0.0.9", "10.0.0.9")]);
    // /127: both; default gateway the network address.
    let s = subnet("2001:db8::/127");
    assert_eq!(s.gateway(), Some(ip("2001:db8::")));
    assert_eq!(s.pools(), &[range("2001:db8::1", "2001:db8::1")]);
    let s = with_gw("2001:db8::/127", GatewaySpec::None).unwrap();
    assert_eq!(s.pools(), &[range("2001:db8::", "2001:db8::1")]);
    // /128: one.
    let s = subnet("2001:db8::5/128");
    assert_eq!(s.gateway(), None);
    assert_eq!(s.pools(), &[range("2001:db8::5", "2001:db8::5")]);
}

#[test]
fn default_gateway_and_pools_v6() {
    // IPv6 default gateway is the subnet-router anycast (network) address, excluded from pools.
    let s = subnet("2001:db8::/64");
    assert_eq!(s.gateway(), Some(ip("2001:db8::")));
    assert_eq!(
        s.pools(),
        &[range("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff")]
    );
    let s = with_gw("2001:db8::/64", GatewaySpec::Ip(ip("2001:db8::1"))).unwrap();
    assert_eq!(
        s.pools(),
        &[range("2001:db8::2", "2001:db8::ffff:ffff:ffff:ffff")]
    );
}

// ---------------------------------------------------------------- validation

#[test]
fn cidr_rules() {
    let e = |c: &str| Subnet::new(&SubnetConfig::new(net(c))).unwrap_err();
    assert_eq!(
        e("10.0.0.1/24"),
        IpamError::CidrHostBits {
            cidr: net("10.0.0.1/24"),
            network: net("10.0.0.0/24")
        }
    );
    assert_eq!(
        e("0.0.0.0/0"),
        IpamError::CidrPrefixZero {
            cidr: net("0.0.0.0/0")
        }
    );
    assert_eq!(
        e("224.0.0.0/24"),
        IpamError::CidrMulticast {
            cidr: net("224.0.0.0/24")
        }
    );
    assert_eq!(
        e("ff02::/64"),
        IpamError::CidrMulticast {
            cidr: net("ff02::/64")
        }
    );
    assert_eq!(
        e("127.0.0.0/8"),
        IpamError::CidrLoopback {
            cidr: net("127.0.0.0/8")
        }
    );
    assert_eq!(
        e("::1/128"),
        IpamError::CidrLoopback {
            cidr: net("::1/128")
        }
    );
    assert_eq!(
        e("0.0.0.0/8"),
        IpamError::CidrUnspecified {
            cidr: net("0.0.0.0/8")
        }
    );
    assert_eq!(
        e("::/128"),
        IpamError::CidrUnspecified {
            cidr: net("::/128")
        }
    );
    // The message carries Neutron's wording and the values.
    assert_eq!(
        std::format!("{}", e("10.0.0.1/24")),
        "'10.0.0.1/24' isn't a recommended CIDR, '10.0.0.0/24' is recommended"
    );
}

#[test]
fn gateway_rules() {
    let c = net("10.0.0.0/24");
    let e = |g: &str| with_gw("10.0.0.0/24", GatewaySpec::Ip(ip(g))).unwrap_err();
    assert_eq!(
        e("10.0.1.1"),
        IpamError::GatewayOutsideSubnet {
            gateway: ip("10.0.1.1"),
            cidr: c
        }
    );
    assert_eq!(
        e("10.0.0.0"),
        IpamError::GatewayIsNetwork {
            gateway: ip("10.0.0.0"),
            cidr: c
        }
    );
    assert_eq!(
        e("10.0.0.255"),
        IpamError::GatewayIsBroadcast {
            gateway: ip("10.0.0.255"),
            cidr: c
        }
    );
    assert_eq!(
        e("2001:db8::1"),
        IpamError::GatewayFamily {
            gateway: ip("2001:db8::1"),
            cidr: c
        }
    );
    // The IPv6 network address and last address are valid gateways.
    with_gw("2001:db8::/64", GatewaySpec::Ip(ip("2001:db8::"))).unwrap();
    with_gw(
        "2001:db8::/64",
        GatewaySpec::Ip(ip("2001:db8::ffff:ffff:ffff:ffff")),
    )
    .unwrap();
}

#[test]
fn pool_rules() {
    let c = net("10.0.0.0/24");
    let d = GatewaySpec::Default;
    let p = |a, b| range(a, b);
    assert_eq!(
        with_pools("10.0.0.0/24", d, &[p("10.0.0.20", "10.0.0.10")]).unwrap_err(),
        IpamError::PoolStartAfterEnd {
            pool: p("10.0.0.20", "10.0.0.10")
        }
    );
    for bad in [
        p("10.0.0.0", "10.0.0.10"),
        p("10.0.0.250", "10.0.0.255"),
        p("10.0.0.250", "10.0.1.5"),
    ] {
        assert_eq!(
            with_pools("10.0.0.0/24", d, &[bad]).unwrap_err(),
            IpamError::PoolOutOfBounds { pool: bad, cidr: c }
        );
    }
    assert_eq!(
        with_pools(
            "10.0.0.0/24",
            d,
            &[p("10.0.0.10", "10.0.0.20"), p("10.0.0.20", "10.0.0.30")]
        )
        .unwrap_err(),
        IpamError::PoolsOverlap {
            first: p("10.0.0.10", "10.0.0.20"),
            second: p("10.0.0.20", "10.0.0.30")
        }
    );
    assert_eq!(
        with_pools("10.0.0.0/24", d, &[p("10.0.0.1", "10.0.0.20")]).unwrap_err(),
        IpamError::GatewayInPool {
            gateway: ip("10.0.0.1"),
            pool: p("10.0.0.1", "10.0.0.20")
        }
    );
    assert_eq!(
        with_pools("10.0.0.0/24", d, &[p("2001:db8::1", "2001:db8::2")]).unwrap_err(),
        IpamError::PoolFamily {
            pool: p("2001:db8::1", "2001:db8::2"),
            cidr: c
        }
    );
    // IPv6 pools exclude the network address, may include the last one.
    let bad = p("2001:db8::", "2001:db8::10");
    assert_eq!(
        with_pools("2001:db8::/64", GatewaySpec::None, &[bad]).unwrap_err(),
        IpamError::PoolOutOfBounds {
            pool: bad,
            cidr: net("2001:db8::/64")
        }
    );
    with_pools(
        "2001:db8::/64",
        d,
        &[p(
            "2001:db8::ffff:ffff:ffff:0",
            "2001:db8::ffff:ffff:ffff:ffff",
        )],
    )
    .unwrap();
    let many: Vec<IpRange> = (0..17u8)
        .map(|i| {
            let a = IpAddr::V4([10, 0, 0, 10 + 2 * i].into());
            IpRange::new(a, a)
        })
        .collect();
    assert_eq!(
        with_pools("10.0.0.0/24", d, &many).unwrap_err(),
        IpamError::TooManyPools { count: 17, max: 16 }
    );
    // Explicit pools are kept sorted; an empty pool list is allowed.
    let s = with_pools(
        "10.0.0.0/24",
        d,
        &[p("10.0.0.100", "10.0.0.110"), p("10.0.0.10", "10.0.0.20")],
    )
    .unwrap();
    assert_eq!(s.pools()[0], p("10.0.0.10", "10.0.0.20"));
    assert_eq!(with_pools("10.0.0.0/24", d, &[]).unwrap().pools(), &[]);
}

#[test]
fn dns_and_route_rules() {
    let c = net("10.0.0.0/24");
    let mk = |dns: &[IpAddr], routes: &[HostRoute]| {
        Subnet::new(&SubnetConfig {
            dns,
            host_routes: routes,
            ..SubnetConfig::new(c)
        })
    };
    let six: Vec<IpAddr> = (1..=6u8).map(|i| IpAddr::V4([8, 8, 8, i].into())).collect();
    assert_eq!(
        mk(&six, &[]).unwrap_err(),
        IpamError::DnsExhausted { count: 6, max: 5 }
    );
    assert_eq!(
        mk(&[ip("8.8.8.8"), ip("8.8.8.8")], &[]).unwrap_err(),
        IpamError::DnsDuplicate {
            server: ip("8.8.8.8")
        }
    );
    assert_eq!(
        mk(&[ip("2001:4860::8888")], &[]).unwrap_err(),
        IpamError::DnsFamily {
            server: ip("2001:4860::8888"),
            cidr: c
        }
    );
    let r = |d: &str, n: &str| HostRoute {
        destination: net(d),
        nexthop: ip(n),
    };
    assert_eq!(
        mk(&[], &[r("192.168.0.1/24", "10.0.0.5")]).unwrap_err(),
        IpamError::RouteHostBits {
            destination: net("192.168.0.1/24")
        }
    );
    assert_eq!(
        mk(&[], &[r("192.168.0.0/24", "2001:db8::1")]).unwrap_err(),
        IpamError::RouteFamily {
            route: r("192.168.0.0/24", "2001:db8::1"),
            cidr: c
        }
    );
    assert_eq!(
        mk(
            &[],
            &[
                r("192.168.0.0/24", "10.0.0.5"),
                r("192.168.0.0/24", "10.0.0.5")
            ]
        )
        .unwrap_err(),
        IpamError::RouteDuplicate {
            route: r("192.168.0.0/24", "10.0.0.5")
        }
    );
    let many: Vec<HostRoute> = (0..21u8)
        .map(|i| HostRoute {
            destination: IpNet::V4(Ipv4Net::new([172, 16, i, 0].into(), 24).unwrap()),
            nexthop: ip("10.0.0.5"),
        })
        .collect();
    assert_eq!(
        mk(&[], &many).unwrap_err(),
        IpamError::RoutesExhausted { count: 21, max: 20 }
    );
    let s = mk(&[ip("8.8.8.8"), ip("1.1.1.1")], &many[..20]).unwrap();
    assert_eq!(s.dns(), &[ip("8.8.8.8"), ip("1.1.1.1")]);
    assert_eq!(s.host_routes().len(), 20);
}

#[test]
fn ipv6_modes() {
    let e = Subnet::new(&SubnetConfig {
        ipv6_mode: Ipv6Mode::Slaac,
        ..SubnetConfig::new(net("2001:db8::/80"))
    })
    .unwrap_err();
    assert_eq!(
        e,
        IpamError::SlaacRequires64 {
            cidr: net("2001:db8::/80")
        }
    );
    let e = Subnet::new(&SubnetConfig {
        ipv6_mode: Ipv6Mode::DhcpStateless,
        ..SubnetConfig::new(net("10.0.0.0/24"))
    })
    .unwrap_err();
    assert!(matches!(e, IpamError::Ipv6ModeOnIpv4 { .. }));
    Subnet::new(&SubnetConfig {
        ipv6_mode: Ipv6Mode::DhcpStateful,
        ..SubnetConfig::new(net("2001:db8::/80"))
    })
    .unwrap();
}

#[test]
fn overlap_within_network_refused_across_networks_accepted() {
    let mut a = Network::new();
    a.add_subnet(&SubnetConfig::new(net("10.0.0.0/24")))
        .unwrap();
    a.add_subnet(&SubnetConfig::new(net("2001:db8::/64")))
        .unwrap();
    let before = a.subnets().to_vec();
    assert_eq!(
        a.add_subnet(&SubnetConfig::new(net("10.0.0.128/25")))
            .unwrap_err(),
        IpamError::SubnetOverlap {
            cidr: net("10.0.0.128/25"),
            existing: net("10.0.0.0/24")
        }
    );
    assert_eq!(
        a.add_subnet(&SubnetConfig::new(net("10.0.0.0/16")))
            .unwrap_err(),
        IpamError::SubnetOverlap {
            cidr: net("10.0.0.0/16"),
            existing: net("10.0.0.0/24")
        }
    );
    assert_eq!(a.subnets(), &before[..], "state unchanged on error");
    a.add_subnet(&SubnetConfig::new(net("10.0.1.0/24")))
        .unwrap();
    // Another tenant's network reuses 10.0.0.0/24.
    let mut b = Network::new();
    b.add_subnet(&SubnetConfig::new(net("10.0.0.0/24")))
        .unwrap();
    assert!(check_overlap(&[net("10.0.0.0/24")], &net("10.0.1.0/24")).is_ok());
    assert!(a.remove_subnet(&net("10.0.0.0/24")).is_some());
    a.add_subnet(&SubnetConfig::new(net("10.0.0.128/25")))
        .unwrap();
}

#[test]
fn eui64_examples() {
    // The research note's example.
    let p: Ipv6Net = "2001:db8::/64".parse().unwrap();
    let m = MacAddr([0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56]);
    assert_eq!(
        slaac::eui64_address(p, m).unwrap(),
        "2001:db8::f816:3eff:fe12:3456".parse::<Ipv6Addr>().unwrap()
    );
    // Neutron's unit test (test_ipv6_utils): 00:16:3e:33:44:55 → ...216:3eff:fe33:4455.
    let m = MacAddr([0x00, 0x16, 0x3e, 0x33, 0x44, 0x55]);
    assert_eq!(
        slaac::eui64_address(p, m).unwrap(),
        "2001:db8::216:3eff:fe33:4455".parse::<Ipv6Addr>().unwrap()
    );
    assert_eq!(
        slaac::link_local(m),
        "fe80::216:3eff:fe33:4455".parse::<Ipv6Addr>().unwrap()
    );
    let p80: Ipv6Net = "2001:db8::/80".parse().unwrap();
    assert!(matches!(
        slaac::eui64_address(p80, m),
        Err(IpamError::SlaacRequires64 { .. })
    ));
}

// ---------------------------------------------------------------- allocation

fn rng() -> SplitMix64 {
    SplitMix64(42)
}

#[test]
fn dhcp_port_takes_lowest_and_explicit_ips_first() {
    let s = subnet("10.0.0.0/24");
    let mut a = V4Allocator::new_vec(&s).unwrap();
    let mut r = rng();
    // network:dhcp takes the lowest free address: 10.0.0.2.
    assert_eq!(
        a.allocate(AllocMode::Lowest, &mut r).unwrap(),
        ip("10.0.0.2")
    );
    // A port asking [any-lowest, 10.0.0.3]: the fixed IP is served first, so the automatic
    // one gets 10.0.0.4 and not 10.0.0.3.
    let mut out = [ip("0.0.0.0"); 2];
    let reqs = [
        AddrRequest::Any(AllocMode::Lowest),
        AddrRequest::Fixed {
            ip: ip("10.0.0.3"),
            admin: false,
        },
    ];
    assert_eq!(a.allocate_port(&reqs, &mut out, &mut r).unwrap(), 2);
    assert_eq!(out, [ip("10.0.0.4"), ip("10.0.0.3")]);
}

#[test]
fn allocate_port_rolls_back() {
    let s = subnet("10.0.0.0/24");
    let mut a = V4Allocator::new_vec(&s).unwrap();
    let mut r = rng();
    a.allocate_specific(ip("10.0.0.9"), false).unwrap();
    let reqs = [
        AddrRequest::Fixed {
            ip: ip("10.0.0.5"),
            admin: false,
        },
        AddrRequest::Any(AllocMode::Random),
        AddrRequest::Fixed {
            ip: ip("10.0.0.9"),
            admin: false,
        },
    ];
    let mut out = [ip("0.0.0.0"); 3];
    assert_eq!(
        a.allocate_port(&reqs, &mut out, &mut r).unwrap_err(),
        IpamError::AddressInUse {
            addr: ip("10.0.0.9"),
            cidr: net("10.0.0.0/24")
        }
    );
    assert_eq!(a.allocated(), 1);
    assert!(!a.is_allocated(ip("10.0.0.5")));
    assert_eq!(
        a.allocate_port(&reqs, &mut out[..2], &mut r).unwrap_err(),
        IpamError::OutputTooSmall { need: 3, have: 2 }
    );
}

#[test]
fn random_is_among_first_1000_free() {
    let s = subnet("10.0.0.0/16");
    let mut a = V4Allocator::new_vec(&s).unwrap();
    let mut r = rng();
    let mut seen = BTreeSet::new();
    for _ in 0..500 {
        let IpAddr::V4(x) = a.allocate(AllocMode::Random, &mut r).unwrap() else {
            unreachable!()
        };
        let off = u32::from(x) - u32::from(core::net::Ipv4Addr::new(10, 0, 0, 0));
        // First free is offset 2; before any allocation the window is offsets 2..=1001, and
        // each allocation widens it by one.
        assert!((2..2 + 1000 + 500).contains(&off), "{x}");
        seen.insert(off);
    }
    assert_eq!(seen.len(), 500);
    // Random really spreads (not the lowest).
    assert!(seen.iter().max().unwrap() > &600);
}

#[test]
fn specific_rules_and_exhaustion() {
    let s = subnet("10.1.1.0/29"); // gw .1, pool .2-.6
    let c = s.cidr();
    let mut a = V4Allocator::new_vec(&s).unwrap();
    let mut r = rng();
    assert_eq!(
        a.allocate_specific(ip("10.1.1.1"), false).unwrap_err(),
        IpamError::AddressNotInPool {
            addr: ip("10.1.1.1"),
            cidr: c
        }
    );
    // A router port (admin) takes the gateway.
    a.allocate_specific(ip("10.1.1.1"), true).unwrap();
    assert_eq!(
        a.allocate_specific(ip("10.1.1.0"), true).unwrap_err(),
        IpamError::AddressReserved {
            addr: ip("10.1.1.0"),
            cidr: c
        }
    );
    assert_eq!(
        a.allocate_specific(ip("10.1.1.7"), true).unwrap_err(),
        IpamError::AddressReserved {
            addr: ip("10.1.1.7"),
            cidr: c
        }
    );
    assert_eq!(
        a.allocate_specific(ip("10.1.2.3"), true).unwrap_err(),
        IpamError::AddressNotInSubnet {
            addr: ip("10.1.2.3"),
            cidr: c
        }
    );
    assert_eq!(
        a.allocate_specific(ip("2001:db8::1"), true).unwrap_err(),
        IpamError::AddressFamily {
            addr: ip("2001:db8::1"),
            cidr: c
        }
    );
    for _ in 0..5 {
        a.allocate(AllocMode::Random, &mut r).unwrap();
    }
    let before = a.allocated();
    assert_eq!(
        a.allocate(AllocMode::Random, &mut r).unwrap_err(),
        IpamError::AddressesExhausted { cidr: c }
    );
    assert_eq!(a.allocated(), before);
    assert_eq!(a.free(), 0);
    a.release(ip("10.1.1.4")).unwrap();
    assert_eq!(
        a.release(ip("10.1.1.4")).unwrap_err(),
        IpamError::AddressNotAllocated {
            addr: ip("10.1.1.4"),
            cidr: c
        }
    );
    assert_eq!(
        a.allocate(AllocMode::Random, &mut r).unwrap(),
        ip("10.1.1.4")
    );
}

#[test]
fn bitmap_limits() {
    // A /8: 2 MiB of bitmap and 64 KiB of chunk counts.
    assert_eq!(v4::mem_words(8), (1 << 18) + (1 << 13));
    assert_eq!(v4::mem_words(16), 1024 + 32);
    assert_eq!(v4::mem_words(24), 5);
    assert_eq!(v4::mem_words(32), 2);
    assert_eq!(v4::mem_words(7), 0);
    let s = subnet("10.0.0.0/22");
    let mut small = [0u64; 16];
    assert_eq!(
        V4Allocator::new(&s, &mut small[..]).unwrap_err(),
        IpamError::MemoryTooSmall { need: 17, have: 16 }
    );
    let big = Subnet::new(&SubnetConfig::new(net("8.0.0.0/7"))).unwrap();
    assert_eq!(
        V4Allocator::new(&big, &mut small[..]).unwrap_err(),
        IpamError::SubnetTooLarge {
            cidr: net("8.0.0.0/7"),
            min: 8
        }
    );
    // A /8 over caller memory: lowest-first fills in order, hint keeps it fast.
    let s8 = subnet("10.0.0.0/8");
    let mut mem = std::vec![u64::MAX; v4::mem_words(8)];
    let mut a = V4Allocator::new(&s8, &mut mem[..]).unwrap();
    let mut r = rng();
    for i in 0..10_000u32 {
        let got = a.allocate(AllocMode::Lowest, &mut r).unwrap();
        assert_eq!(got, IpAddr::V4((0x0a00_0002 + i).into()));
    }
    a.release(ip("10.0.0.100")).unwrap();
    assert_eq!(
        a.allocate(AllocMode::Lowest, &mut r).unwrap(),
        ip("10.0.0.100")
    );
    assert_eq!(a.free(), (1u64 << 24) - 3 - 10_000);
    // IPv6 subnet to the v4 allocator.
    assert!(matches!(
        V4Allocator::new_vec(&subnet("2001:db8::/64")),
        Err(IpamError::WrongFamily { .. })
    ));
}

#[test]
fn v6_slash64_is_cheap() {
    let s = subnet("2001:db8::/64");
    let mut a = V6Allocator::new(&s).unwrap();
    let mut r = rng();
    assert_eq!(a.fragments(), 1);
    assert_eq!(
        a.allocate(AllocMode::Lowest, &mut r).unwrap(),
        ip("2001:db8::1")
    );
    for _ in 0..1000 {
        a.allocate(AllocMode::Random, &mut r).unwrap();
    }
    assert_eq!(a.allocated(), 1001);
    assert!(a.fragments() <= 1002, "{}", a.fragments());
    // The subnet-router anycast address: only for router ports (admin).
    assert_eq!(
        a.allocate_specific(ip("2001:db8::"), false).unwrap_err(),
        IpamError::AddressReserved {
            addr: ip("2001:db8::"),
            cidr: s.cidr()
        }
    );
    a.allocate_specific(ip("2001:db8::"), true).unwrap();
    a.release(ip("2001:db8::")).unwrap();
    assert!(matches!(
        a.release(ip("2001:db8::")),
        Err(IpamError::AddressNotAllocated { .. })
    ));
}

/// One allocator operation for the proptests.
#[derive(Debug, Clone)]
enum Op {
    Random(u32),
    Lowest,
    Fixed(u16, bool),
    Release(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u32>().prop_map(Op::Random),
        Just(Op::Lowest),
        (any::<u16>(), any::<bool>()).prop_map(|(o, a)| Op::Fixed(o, a)),
        any::<u16>().prop_map(Op::Release),
    ]
}

/// Runs `ops` against `alloc` and a `BTreeSet` model over a subnet whose addresses are
/// `base + offset` for offsets below `span`.
fn check_against_model(alloc: &mut dyn AddressAllocator, ops: &[Op], span: u32) {
    let s = alloc.subnet().clone();
    let fam = s.family();
    let base = ip_u128(s.cidr().network());
    let pool_addrs: Vec<u128> = (0..u128::from(span))
        .map(|o| base + o)
        .filter(|&v| s.in_pool(u128_ip(fam, v)))
        .collect();
    let mut model: BTreeSet<u128> = BTreeSet::new();
    for op in ops {
        let free: Vec<u128> = pool_addrs
            .iter()
            .copied()
            .filter(|v| !model.contains(v))
            .collect();
        match *op {
            Op::Random(_) | Op::Lowest if free.is_empty() => {
                let mut r = rng();
                let mode = if matches!(op, Op::Lowest) {
                    AllocMode::Lowest
                } else {
                    AllocMode::Random
                };
                let before = alloc.allocated();
                assert!(matches!(
                    alloc.allocate(mode, &mut r),
                    Err(IpamError::AddressesExhausted { .. })
                ));
                assert_eq!(alloc.allocated(), before);
            }
            Op::Random(seed) => {
                let mut r = SplitMix64(u64::from(seed));
                let got = ip_u128(alloc.allocate(AllocMode::Random, &mut r).unwrap());
                let window = &free[..free.len().min(RANDOM_WINDOW as usize)];
                assert!(window.contains(&got), "{got:x} not in the first 1000 free");
                model.insert(got);
            }
            Op::Lowest => {
                let got = ip_u128(alloc.allocate(AllocMode::Lowest, &mut rng()).unwrap());
                assert_eq!(got, free[0]);
                model.insert(got);
            }
            Op::Fixed(o, admin) => {
                let v = base + u128::from(u32::from(o) % span);
                let a = u128_ip(fam, v);
                let expect_ok = s.check_fixed_ip(a, admin).is_ok() && !model.contains(&v);
                let before = alloc.allocated();
                match alloc.allocate_specific(a, admin) {
                    Ok(_) => {
                        assert!(expect_ok, "{a} allocated but should not be");
                        model.insert(v);
                    }
                    Err(e) => {
                        assert!(!expect_ok, "{a}: {e}");
                        assert_eq!(alloc.allocated(), before);
                    }
                }
            }
            Op::Release(o) => {
                let v = base + u128::from(u32::from(o) % span);
                let a = u128_ip(fam, v);
                assert_eq!(alloc.release(a).is_ok(), model.remove(&v), "release {a}");
            }
        }
        assert_eq!(alloc.allocated(), model.len() as u128);
    }
    for o in 0..u128::from(span) {
        let a = u128_ip(fam, base + o);
        assert_eq!(alloc.is_allocated(a), model.contains(&(base + o)));
    }
}

fn pooled_v4() -> Subnet {
    with_pools(
        "10.0.0.0/22",
        GatewaySpec::Default,
        &[
            range("10.0.0.2", "10.0.0.70"),
            range("10.0.1.60", "10.0.2.200"),
            range("10.0.3.250", "10.0.3.254"),
        ],
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn v4_matches_model(ops in proptest::collection::vec(op(), 1..400)) {
        let s = pooled_v4();
        let mut a = V4Allocator::new_vec(&s).unwrap();
        check_against_model(&mut a, &ops, 1024);
    }

    #[test]
    fn v4_chunks_match_model(ops in proptest::collection::vec(op(), 1..300)) {
        // 8 summary chunks of 512 addresses; pools cross chunk boundaries.
        let s = with_pools(
            "10.16.0.0/20",
            GatewaySpec::Default,
            &[
                range("10.16.0.2", "10.16.0.3"),
                range("10.16.1.250", "10.16.2.10"),
                range("10.16.3.255", "10.16.4.0"),
                range("10.16.8.0", "10.16.15.254"),
            ],
        )
        .unwrap();
        let mut a = V4Allocator::new_vec(&s).unwrap();
        check_against_model(&mut a, &ops, 4096);
        prop_assert_eq!(a.free() as u128, s.pool_size() - (0..4096u32).filter(|o| {
            let ip = IpAddr::V4((0x0a10_0000 + o).into());
            s.in_pool(ip) && a.is_allocated(ip)
        }).count() as u128);
    }

    #[test]
    fn v4_small_matches_model(ops in proptest::collection::vec(op(), 1..200)) {
        let s = subnet("192.168.7.0/28");
        let mut a = V4Allocator::new_vec(&s).unwrap();
        check_against_model(&mut a, &ops, 16);
    }

    #[test]
    fn v6_matches_model(ops in proptest::collection::vec(op(), 1..400)) {
        let s = with_pools(
            "2001:db8::/64",
            GatewaySpec::Default,
            &[range("2001:db8::1", "2001:db8::50"), range("2001:db8::100", "2001:db8::3ff")],
        )
        .unwrap();
        let mut a = V6Allocator::new(&s).unwrap();
        check_against_model(&mut a, &ops, 1024);
    }

    #[test]
    fn v6_slash126_matches_model(ops in proptest::collection::vec(op(), 1..100)) {
        let s = subnet("2001:db8::/126");
        let mut a = V6Allocator::new(&s).unwrap();
        check_against_model(&mut a, &ops, 4);
    }

    #[test]
    fn subnet_new_never_panics(a in any::<u32>(), len in 0u8..=32, g in any::<u32>(),
                               ps in any::<u32>(), pe in any::<u32>()) {
        let cidr = IpNet::V4(Ipv4Net::new(a.into(), len).unwrap());
        let pools = [IpRange::new(IpAddr::V4(ps.into()), IpAddr::V4(pe.into()))];
        let cfg = SubnetConfig {
            gateway: GatewaySpec::Ip(IpAddr::V4(g.into())),
            pools: Some(&pools),
            ..SubnetConfig::new(cidr)
        };
        if let Ok(s) = Subnet::new(&cfg) {
            prop_assert!(s.cidr().contains(&s.gateway().unwrap()));
            prop_assert!(!s.in_pool(s.gateway().unwrap()));
        }
        let _ = Subnet::new(&SubnetConfig::new(cidr));
    }
}

// ---------------------------------------------------------------- subnet pools

#[test]
fn subnet_pool_best_fit() {
    let prefixes = [net("10.1.0.0/16"), net("10.0.0.0/24")];
    let mut p = SubnetPool::new(&SubnetPoolConfig {
        prefixes: &prefixes,
        default_prefixlen: Some(26),
        min_prefixlen: Some(16),
        max_prefixlen: Some(30),
        quota: None,
    })
    .unwrap();
    // The smallest free block holding a /26 is 10.0.0.0/24.
    assert_eq!(p.allocate(None).unwrap(), net("10.0.0.0/26"));
    // Free blocks now: 10.0.0.64/26, 10.0.0.128/25, 10.1.0.0/16.
    assert_eq!(p.allocate(Some(25)).unwrap(), net("10.0.0.128/25"));
    assert_eq!(p.allocate(Some(26)).unwrap(), net("10.0.0.64/26"));
    assert_eq!(p.allocate(Some(24)).unwrap(), net("10.1.0.0/24"));
    assert_eq!(p.allocate(Some(30)).unwrap(), net("10.1.1.0/30"));
    assert_eq!(p.allocate(Some(24)).unwrap(), net("10.1.2.0/24"));
    assert_eq!(
        p.allocate(Some(31)).unwrap_err(),
        IpamError::PrefixLenOutOfBounds {
            len: 31,
            min: 16,
            max: 30
        }
    );
    assert_eq!(
        p.allocate(Some(16)).unwrap_err(),
        IpamError::PrefixSpaceExhausted { len: 16 }
    );
    // Specific prefixes.
    assert_eq!(
        p.allocate_specific(net("10.1.2.128/25")).unwrap_err(),
        IpamError::PrefixInUse {
            prefix: net("10.1.2.128/25"),
            existing: net("10.1.2.0/24")
        }
    );
    assert_eq!(
        p.allocate_specific(net("10.0.0.0/16")).unwrap_err(),
        IpamError::PrefixNotInPool {
            prefix: net("10.0.0.0/16")
        }
    );
    assert_eq!(
        p.allocate_specific(net("192.168.0.0/24")).unwrap_err(),
        IpamError::PrefixNotInPool {
            prefix: net("192.168.0.0/24")
        }
    );
    assert_eq!(
        p.allocate_specific(net("10.1.0.0/22")).unwrap_err(),
        IpamError::PrefixInUse {
            prefix: net("10.1.0.0/22"),
            existing: net("10.1.0.0/24")
        }
    );
    assert_eq!(
        p.allocate_specific(net("10.1.200.0/24")).unwrap(),
        net("10.1.200.0/24")
    );
    p.release(net("10.0.0.0/26")).unwrap();
    assert_eq!(
        p.release(net("10.0.0.0/26")).unwrap_err(),
        IpamError::PrefixNotAllocated {
            prefix: net("10.0.0.0/26")
        }
    );
    // The smallest block holding a /27 is now the free 10.1.1.32/27, not the freed /26.
    assert_eq!(p.allocate(Some(27)).unwrap(), net("10.1.1.32/27"));
    assert_eq!(p.allocate(Some(26)).unwrap(), net("10.0.0.0/26"));
}

#[test]
fn subnet_pool_quota_and_bounds() {
    let prefixes = [net("10.0.0.0/16")];
    let cfg = SubnetPoolConfig {
        prefixes: &prefixes,
        default_prefixlen: Some(24),
        min_prefixlen: None,
        max_prefixlen: None,
        quota: Some(512),
    };
    let mut p = SubnetPool::new(&cfg).unwrap();
    p.allocate(None).unwrap();
    p.allocate(None).unwrap();
    assert_eq!(
        p.allocate(Some(30)).unwrap_err(),
        IpamError::QuotaExceeded {
            requested: 4,
            used: 512,
            quota: 512
        }
    );
    assert_eq!(p.used(), 512);
    p.release(net("10.0.0.0/24")).unwrap();
    assert_eq!(p.allocate(Some(30)).unwrap(), net("10.0.0.0/30"));
    assert_eq!(
        SubnetPool::new(&SubnetPoolConfig {
            min_prefixlen: Some(24),
            default_prefixlen: Some(20),
            ..cfg
        })
        .unwrap_err(),
        IpamError::PrefixBounds {
            min: 24,
            default: 20,
            max: 32
        }
    );
    assert_eq!(
        SubnetPool::new(&SubnetPoolConfig {
            prefixes: &[net("10.0.0.0/16"), net("2001:db8::/32")],
            ..cfg
        })
        .unwrap_err(),
        IpamError::PoolPrefixInvalid {
            prefix: net("2001:db8::/32")
        }
    );
    // IPv6 pools count /64s: a /56 is 256 units.
    let v6 = [net("2001:db8::/48")];
    let mut p = SubnetPool::new(&SubnetPoolConfig {
        prefixes: &v6,
        default_prefixlen: Some(64),
        min_prefixlen: Some(48),
        max_prefixlen: Some(64),
        quota: Some(300),
    })
    .unwrap();
    assert_eq!(p.allocate(Some(56)).unwrap(), net("2001:db8::/56"));
    assert_eq!(p.used(), 256);
    assert_eq!(p.allocate(None).unwrap(), net("2001:db8:0:100::/64"));
    assert!(matches!(
        p.allocate(Some(56)),
        Err(IpamError::QuotaExceeded { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Allocations never overlap, stay in the pool, and best fit never splits a larger block
    /// while a smaller one holds the request.
    #[test]
    fn subnet_pool_invariants(lens in proptest::collection::vec((24u8..=30, any::<bool>()), 1..60)) {
        let prefixes = [net("10.0.0.0/24"), net("10.0.4.0/23")];
        let mut p = SubnetPool::new(&SubnetPoolConfig {
            prefixes: &prefixes,
            default_prefixlen: None,
            min_prefixlen: Some(23),
            max_prefixlen: Some(30),
            quota: None,
        }).unwrap();
        let mut live: Vec<IpNet> = Vec::new();
        for (len, release) in lens {
            if release && !live.is_empty() {
                let n = live.remove(0);
                p.release(n).unwrap();
                continue;
            }
            // Model of the free addresses, to know whether the request can be served.
            let mut free = [false; 2048];
            for n in &prefixes {
                let (s, e) = net_bounds(n);
                for v in s..=e { free[(v - 0x0a00_0000) as usize] = true; }
            }
            for n in &live {
                let (s, e) = net_bounds(n);
                for v in s..=e { free[(v - 0x0a00_0000) as usize] = false; }
            }
            let size = 1usize << (32 - len);
            let possible = (0..2048).step_by(size).any(|o| free[o..o + size].iter().all(|&f| f));
            match p.allocate(Some(len)) {
                Ok(n) => {
                    prop_assert!(possible);
                    let (s, e) = net_bounds(&n);
                    for v in s..=e { prop_assert!(free[(v - 0x0a00_0000) as usize], "{n} overlaps"); }
                    live.push(n);
                }
                Err(e) => {
                    prop_assert!(!possible, "{e}");
                    prop_assert_eq!(e, IpamError::PrefixSpaceExhausted { len });
                }
            }
        }
    }
}

// ---------------------------------------------------------------- segments and MACs

#[test]
fn vlan_ranges_per_physnet() {
    let mut v = VlanAllocator::new(&["physnet1:100:102", "physnet2", "physnet1:200:200"]).unwrap();
    assert_eq!(v.physnets().collect::<Vec<_>>(), ["physnet1", "physnet2"]);
    let mut r = rng();
    assert_eq!(
        v.allocate(Some("physnet1"), AllocMode::Lowest, &mut r)
            .unwrap(),
        ("physnet1", 100)
    );
    let mut got = BTreeSet::new();
    for _ in 0..3 {
        got.insert(v.allocate(None, AllocMode::Random, &mut r).unwrap().1);
    }
    assert_eq!(got, BTreeSet::from([101, 102, 200]));
    assert_eq!(
        v.allocate(None, AllocMode::Random, &mut r).unwrap_err(),
        IpamError::SegmentsExhausted { kind: "vlan" }
    );
    // physnet2 has no range: provider networks only, any id 1..=4094.
    assert!(matches!(
        v.allocate(Some("physnet2"), AllocMode::Lowest, &mut r),
        Err(IpamError::SegmentsExhausted { .. })
    ));
    v.allocate_specific("physnet2", 4094).unwrap();
    assert_eq!(
        v.allocate_specific("physnet2", 4094).unwrap_err(),
        IpamError::SegmentInUse {
            kind: "vlan",
            id: 4094
        }
    );
    assert_eq!(
        v.allocate_specific("physnet2", 4095).unwrap_err(),
        IpamError::SegmentIdInvalid {
            kind: "vlan",
            id: 4095,
            lo: 1,
            hi: 4094
        }
    );
    assert!(matches!(
        v.allocate_specific("physnet9", 5),
        Err(IpamError::UnknownPhysnet { physnet }) if physnet.as_str() == "physnet9"
    ));
    v.release("physnet1", 101).unwrap();
    assert_eq!(
        v.release("physnet1", 101).unwrap_err(),
        IpamError::SegmentNotAllocated {
            kind: "vlan",
            id: 101
        }
    );
    assert_eq!(
        v.allocate(None, AllocMode::Lowest, &mut r).unwrap(),
        ("physnet1", 101)
    );
    // Bad specs.
    assert!(matches!(
        VlanAllocator::new(&["physnet1:0:10"]),
        Err(IpamError::RangeInvalid {
            min: 0,
            max: 10,
            ..
        })
    ));
    assert!(matches!(
        VlanAllocator::new(&["physnet1:20:10"]),
        Err(IpamError::RangeInvalid {
            min: 20,
            max: 10,
            ..
        })
    ));
    assert!(matches!(
        VlanAllocator::new(&["physnet1:5"]),
        Err(IpamError::RangeSyntax { spec }) if spec.as_str() == "physnet1:5"
    ));
    assert!(matches!(
        VlanAllocator::new(&[":1:5"]),
        Err(IpamError::RangeSyntax { .. })
    ));
}

#[test]
fn tunnel_ids() {
    // The reference ml2_conf.ini: vni_ranges = 1:1000.
    let mut x = IdAllocator::from_specs(SegmentType::Vxlan, &["1:1000"]).unwrap();
    let mut r = rng();
    assert_eq!(x.allocate(AllocMode::Lowest, &mut r).unwrap(), 1);
    let id = x.allocate(AllocMode::Random, &mut r).unwrap();
    assert!(
        (2..=101).contains(&id),
        "random among the first 100 free: {id}"
    );
    // Provider VNI outside the range, inside 24 bits.
    x.allocate_specific(5000).unwrap();
    assert!(x.is_allocated(5000));
    assert_eq!(
        x.allocate_specific(1 << 24).unwrap_err(),
        IpamError::SegmentIdInvalid {
            kind: "vxlan",
            id: 1 << 24,
            lo: 1,
            hi: (1 << 24) - 1
        }
    );
    assert_eq!(
        IdAllocator::from_specs(SegmentType::Geneve, &["1:16777216"]).unwrap_err(),
        IpamError::RangeInvalid {
            kind: "geneve",
            min: 1,
            max: 16_777_216,
            lo: 1,
            hi: 16_777_215
        }
    );
    // The whole 32-bit GRE key space costs nothing up front.
    let mut g = IdAllocator::new(SegmentType::Gre, &[(1, u32::MAX)]).unwrap();
    assert_eq!(g.free(), u64::from(u32::MAX));
    g.allocate_specific(u32::MAX).unwrap();
    assert_eq!(g.allocate(AllocMode::Lowest, &mut r).unwrap(), 1);
    assert_eq!(g.allocated(), 2);
    // Exhaustion and release.
    let mut t = IdAllocator::new(SegmentType::Gre, &[(7, 8)]).unwrap();
    t.allocate(AllocMode::Random, &mut r).unwrap();
    t.allocate(AllocMode::Random, &mut r).unwrap();
    assert_eq!(
        t.allocate(AllocMode::Random, &mut r).unwrap_err(),
        IpamError::SegmentsExhausted { kind: "gre" }
    );
    t.release(8).unwrap();
    assert_eq!(t.allocate(AllocMode::Random, &mut r).unwrap(), 8);
}

#[test]
fn macs_unique_under_base() {
    let mut m = MacAllocator::new(mac::DEFAULT_BASE_MAC).unwrap();
    let mut r = rng();
    let mut seen = BTreeSet::new();
    for _ in 0..1000 {
        let a = m.allocate(&mut r).unwrap();
        assert_eq!(&a.0[..3], &[0xfa, 0x16, 0x3e]);
        assert!(seen.insert(a));
    }
    // A stuck generator collides: Neutron gives up after mac_generation_retries.
    let mut stuck = || 0x0012_3456u32;
    let mut m2 = MacAllocator::new(mac::DEFAULT_BASE_MAC).unwrap();
    assert_eq!(
        m2.allocate(&mut stuck).unwrap(),
        MacAddr([0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56])
    );
    assert_eq!(
        m2.allocate(&mut stuck).unwrap_err(),
        IpamError::MacGenerationFailed { retries: 16 }
    );
    assert_eq!(m2.allocated(), 1);
    // A non-zero fourth octet is kept.
    let mut m3 = MacAllocator::new(MacAddr([0xfa, 0x16, 0x3e, 0x7f, 0, 0])).unwrap();
    assert_eq!(
        &m3.allocate(&mut r).unwrap().0[..4],
        &[0xfa, 0x16, 0x3e, 0x7f]
    );
    let used = MacAddr([0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56]);
    assert_eq!(
        m2.allocate_specific(used).unwrap_err(),
        IpamError::MacInUse { mac: used }
    );
    assert_eq!(
        m2.allocate_specific(MacAddr::BROADCAST).unwrap_err(),
        IpamError::BadMac {
            mac: MacAddr::BROADCAST
        }
    );
    m2.release(used).unwrap();
    assert_eq!(
        m2.release(used).unwrap_err(),
        IpamError::MacNotAllocated { mac: used }
    );
    assert!(matches!(
        MacAllocator::new(MacAddr([0x01, 0, 0x5e, 0, 0, 0])),
        Err(IpamError::BadBaseMac { .. })
    ));
    // The same MAC on two networks is fine.
    let mut n1 = MacAllocator::new(mac::DEFAULT_BASE_MAC).unwrap();
    let mut n2 = MacAllocator::new(mac::DEFAULT_BASE_MAC).unwrap();
    n1.allocate_specific(used).unwrap();
    n2.allocate_specific(used).unwrap();
}
