//! Subnets: Neutron's validation of CIDR, gateway, allocation pools, DNS servers and host
//! routes, the default gateway and default pools, and the overlap rule within a network.
//!
//! Rules (Neutron `ipam_backend_mixin.py`, `ipam/utils.py`, `db_base_plugin_v2.py`):
//!
//! | rule | error |
//! |---|---|
//! | CIDR host bits must be zero | [`IpamError::CidrHostBits`] |
//! | IPv4 /0 refused | [`IpamError::CidrPrefixZero`] |
//! | multicast (224/4, ff00::/8), loopback (127/8, ::1/128), unspecified (0/8, ::/128) refused | `CidrMulticast`, `CidrLoopback`, `CidrUnspecified` |
//! | gateway of the subnet's family, inside the CIDR | `GatewayFamily`, `GatewayOutsideSubnet` |
//! | IPv4 gateway ≠ network and ≠ broadcast unless /31 or /32 | `GatewayIsNetwork`, `GatewayIsBroadcast` |
//! | pool bounds of the subnet's family, start ≤ end, inside the host range | `PoolFamily`, `PoolStartAfterEnd`, `PoolOutOfBounds` |
//! | pools do not overlap; the gateway is in no pool | `PoolsOverlap`, `GatewayInPool` |
//! | ≤ 5 DNS servers, of the family, no duplicate | `DnsExhausted`, `DnsFamily`, `DnsDuplicate` |
//! | ≤ 20 host routes, destination a network, of the family, no duplicate | `RoutesExhausted`, `RouteHostBits`, `RouteFamily`, `RouteDuplicate` |
//! | SLAAC / DHCPv6-stateless need a /64 | `SlaacRequires64` |
//! | subnets of one network do not overlap | `SubnetOverlap` ([`check_overlap`]) |
//!
//! **Host range** (the addresses pools may cover): IPv4 network+1 ..= broadcast−1; IPv6
//! network+1 ..= last (the network address is the subnet-router anycast, RFC 4291 §2.6.1).
//! Point-to-point and host prefixes: IPv4 /31 and IPv6 /127 use both addresses (RFC 3021,
//! RFC 6164), /32 and /128 their one address.
//!
//! **Default gateway**: IPv4 network+1, IPv6 the network address; none for /32 and /128 (no
//! address would be left). **Default pools**: the host range minus the gateway, split around
//! it. So 10.0.0.0/24 → gateway 10.0.0.1, pool 10.0.0.2–10.0.0.254; /31 → gateway the second
//! address, pool the first; 2001:db8::/64 → gateway 2001:db8::, pool 2001:db8::1–…ffff.
//!
//! Deliberate difference: stock Neutron's `generate_pools` returns no pool for /31 and /127
//! (its host range is empty there); the research note asks for both addresses, as RFC 3021 and
//! RFC 6164 allow, and this module does that.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arrayvec::ArrayVec;
use ipnet::IpNet;

use super::{ip_u128, net_bounds, u128_ip, Family, IpamError};

/// Most allocation pools a subnet holds.
pub const MAX_POOLS: usize = 16;
/// Most DNS servers (Neutron `max_dns_nameservers`, default 5).
pub const MAX_DNS: usize = 5;
/// Most host routes (Neutron `max_subnet_host_routes`, default 20).
pub const MAX_ROUTES: usize = 20;

/// An inclusive address range `start..=end` (an allocation pool).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpRange {
    /// First address.
    pub start: IpAddr,
    /// Last address.
    pub end: IpAddr,
}

impl IpRange {
    /// The range `start..=end`.
    pub const fn new(start: IpAddr, end: IpAddr) -> Self {
        IpRange { start, end }
    }
    /// True when `ip` lies in the range (same family).
    pub fn contains(&self, ip: IpAddr) -> bool {
        Family::of(&ip) == Family::of(&self.start)
            && ip_u128(self.start) <= ip_u128(ip)
            && ip_u128(ip) <= ip_u128(self.end)
    }
    /// Number of addresses (saturating).
    pub fn len(&self) -> u128 {
        (ip_u128(self.end).saturating_sub(ip_u128(self.start))).saturating_add(1)
    }
    /// Never empty: a range holds at least its start.
    pub fn is_empty(&self) -> bool {
        false
    }
    pub(crate) fn bounds(&self) -> (u128, u128) {
        (ip_u128(self.start), ip_u128(self.end))
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// A host route handed to instances (DHCP option 121).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostRoute {
    /// Destination prefix.
    pub destination: IpNet,
    /// Next hop.
    pub nexthop: IpAddr,
}

impl fmt::Display for HostRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} via {}", self.destination, self.nexthop)
    }
}

/// The gateway a subnet is created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GatewaySpec {
    /// Neutron's default (gateway_ip not given): IPv4 network+1, IPv6 the network address.
    #[default]
    Default,
    /// `gateway_ip: null`: no gateway.
    None,
    /// This address.
    Ip(IpAddr),
}

/// IPv6 address configuration mode (`ipv6_address_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ipv6Mode {
    /// Not set (IPv4, or IPv6 with addresses from IPAM).
    #[default]
    None,
    /// SLAAC: addresses are EUI-64 of the MAC; needs a /64.
    Slaac,
    /// DHCPv6 stateless: EUI-64 addresses, options by DHCPv6; needs a /64.
    DhcpStateless,
    /// DHCPv6 stateful: addresses from IPAM.
    DhcpStateful,
}

/// What a caller hands in to create a subnet.
#[derive(Debug, Clone, Copy)]
pub struct SubnetConfig<'a> {
    /// The subnet prefix.
    pub cidr: IpNet,
    /// Gateway.
    pub gateway: GatewaySpec,
    /// Allocation pools; `None` means the default pools.
    pub pools: Option<&'a [IpRange]>,
    /// DNS servers.
    pub dns: &'a [IpAddr],
    /// Host routes.
    pub host_routes: &'a [HostRoute],
    /// IPv6 address mode.
    pub ipv6_mode: Ipv6Mode,
}

impl<'a> SubnetConfig<'a> {
    /// A configuration with the default gateway and pools, no DNS, no routes.
    pub const fn new(cidr: IpNet) -> Self {
        SubnetConfig {
            cidr,
            gateway: GatewaySpec::Default,
            pools: None,
            dns: &[],
            host_routes: &[],
            ipv6_mode: Ipv6Mode::None,
        }
    }
}

/// A validated subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subnet {
    cidr: IpNet,
    gateway: Option<IpAddr>,
    pools: ArrayVec<IpRange, MAX_POOLS>,
    dns: ArrayVec<IpAddr, MAX_DNS>,
    routes: ArrayVec<HostRoute, MAX_ROUTES>,
    ipv6_mode: Ipv6Mode,
}

/// The host range of a subnet (see the module doc), as integers.
pub(crate) fn host_range(cidr: &IpNet) -> (u128, u128) {
    let (first, last) = net_bounds(cidr);
    let len = cidr.prefix_len();
    match Family::of_net(cidr) {
        Family::V4 if len <= 30 => (first + 1, last - 1),
        Family::V6 if len <= 126 => (first + 1, last),
        _ => (first, last),
    }
}

/// The default gateway of a subnet (see the module doc).
pub fn default_gateway(cidr: &IpNet) -> Option<IpAddr> {
    let (first, _) = net_bounds(cidr);
    match (Family::of_net(cidr), cidr.prefix_len()) {
        (Family::V4, 32) | (Family::V6, 128) => None,
        (Family::V4, _) => Some(u128_ip(Family::V4, first + 1)),
        (Family::V6, _) => Some(u128_ip(Family::V6, first)),
    }
}

/// Validates the CIDR rules alone.
pub fn validate_cidr(cidr: &IpNet) -> Result<(), IpamError> {
    let cidr = *cidr;
    if cidr.addr() != cidr.network() {
        return Err(IpamError::CidrHostBits {
            cidr,
            network: cidr.trunc(),
        });
    }
    match cidr {
        IpNet::V4(n) => {
            let a = n.network();
            if n.prefix_len() == 0 {
                return Err(IpamError::CidrPrefixZero { cidr });
            }
            if a.is_multicast() {
                return Err(IpamError::CidrMulticast { cidr });
            }
            if a.is_loopback() {
                return Err(IpamError::CidrLoopback { cidr });
            }
            if a.octets()[0] == 0 && n.prefix_len() >= 8 {
                return Err(IpamError::CidrUnspecified { cidr });
            }
        }
        IpNet::V6(n) => {
            let a = n.network();
            if a.is_multicast() {
                return Err(IpamError::CidrMulticast { cidr });
            }
            if n.prefix_len() == 128 && a == Ipv6Addr::LOCALHOST {
                return Err(IpamError::CidrLoopback { cidr });
            }
            if n.prefix_len() == 128 && a == Ipv6Addr::UNSPECIFIED {
                return Err(IpamError::CidrUnspecified { cidr });
            }
        }
    }
    Ok(())
}

fn validate_gateway(cidr: &IpNet, gw: IpAddr) -> Result<(), IpamError> {
    let cidr = *cidr;
    if Family::of(&gw) != Family::of_net(&cidr) {
        return Err(IpamError::GatewayFamily { gateway: gw, cidr });
    }
    if !cidr.contains(&gw) {
        return Err(IpamError::GatewayOutsideSubnet { gateway: gw, cidr });
    }
    if let IpNet::V4(n) = cidr {
        if n.prefix_len() <= 30 {
            if gw == IpAddr::V4(n.network()) {
                return Err(IpamError::GatewayIsNetwork { gateway: gw, cidr });
            }
            if gw == IpAddr::V4(n.broadcast()) {
                return Err(IpamError::GatewayIsBroadcast { gateway: gw, cidr });
            }
        }
    }
    Ok(())
}

fn validate_pools(
    cidr: &IpNet,
    pools: &[IpRange],
) -> Result<ArrayVec<IpRange, MAX_POOLS>, IpamError> {
    let cidr = *cidr;
    let fam = Family::of_net(&cidr);
    let (lo, hi) = host_range(&cidr);
    for &pool in pools {
        if Family::of(&pool.start) != fam || Family::of(&pool.end) != fam {
            return Err(IpamError::PoolFamily { pool, cidr });
        }
        let (s, e) = pool.bounds();
        if s > e {
            return Err(IpamError::PoolStartAfterEnd { pool });
        }
        if s < lo || e > hi {
            return Err(IpamError::PoolOutOfBounds { pool, cidr });
        }
    }
    for (i, a) in pools.iter().enumerate() {
        for b in pools.iter().skip(i + 1) {
            let ((as_, ae), (bs, be)) = (a.bounds(), b.bounds());
            if as_ <= be && bs <= ae {
                return Err(IpamError::PoolsOverlap {
                    first: *a,
                    second: *b,
                });
            }
        }
    }
    if pools.len() > MAX_POOLS {
        return Err(IpamError::TooManyPools {
            count: pools.len(),
            max: MAX_POOLS,
        });
    }
    let mut out: ArrayVec<IpRange, MAX_POOLS> = pools.iter().copied().collect();
    out.sort_unstable_by_key(|p| ip_u128(p.start));
    Ok(out)
}

/// The default pools: the host range minus the gateway, split around it.
pub fn default_pools(cidr: &IpNet, gateway: Option<IpAddr>) -> ArrayVec<IpRange, 2> {
    let fam = Family::of_net(cidr);
    let (lo, hi) = host_range(cidr);
    let mut out = ArrayVec::new();
    let mk = |s, e| IpRange::new(u128_ip(fam, s), u128_ip(fam, e));
    match gateway.map(ip_u128).filter(|g| (lo..=hi).contains(g)) {
        None => out.push(mk(lo, hi)),
        Some(g) => {
            if g > lo {
                out.push(mk(lo, g - 1));
            }
            if g < hi {
                out.push(mk(g + 1, hi));
            }
        }
    }
    out
}

impl Subnet {
    /// Validates `cfg` with Neutron's rules (in Neutron's order: CIDR, gateway, pools, DNS,
    /// host routes) and builds the subnet.
    pub fn new(cfg: &SubnetConfig<'_>) -> Result<Subnet, IpamError> {
        let cidr = cfg.cidr;
        validate_cidr(&cidr)?;
        let fam = Family::of_net(&cidr);
        match (fam, cfg.ipv6_mode) {
            (Family::V4, Ipv6Mode::None) => {}
            (Family::V4, _) => return Err(IpamError::Ipv6ModeOnIpv4 { cidr }),
            (Family::V6, Ipv6Mode::Slaac | Ipv6Mode::DhcpStateless) if cidr.prefix_len() != 64 => {
                return Err(IpamError::SlaacRequires64 { cidr })
            }
            _ => {}
        }
        let gateway = match cfg.gateway {
            GatewaySpec::Default => default_gateway(&cidr),
            GatewaySpec::None => None,
            GatewaySpec::Ip(g) => {
                validate_gateway(&cidr, g)?;
                Some(g)
            }
        };
        let pools = match cfg.pools {
            None => default_pools(&cidr, gateway).into_iter().collect(),
            Some(p) => {
                let pools = validate_pools(&cidr, p)?;
                if let Some(g) = gateway {
                    if let Some(pool) = pools.iter().find(|p| p.contains(g)) {
                        return Err(IpamError::GatewayInPool {
                            gateway: g,
                            pool: *pool,
                        });
                    }
                }
                pools
            }
        };
        if cfg.dns.len() > MAX_DNS {
            return Err(IpamError::DnsExhausted {
                count: cfg.dns.len(),
                max: MAX_DNS,
            });
        }
        let mut dns = ArrayVec::new();
        for &server in cfg.dns {
            if Family::of(&server) != fam {
                return Err(IpamError::DnsFamily { server, cidr });
            }
            if dns.contains(&server) {
                return Err(IpamError::DnsDuplicate { server });
            }
            dns.push(server);
        }
        if cfg.host_routes.len() > MAX_ROUTES {
            return Err(IpamError::RoutesExhausted {
                count: cfg.host_routes.len(),
                max: MAX_ROUTES,
            });
        }
        let mut routes = ArrayVec::new();
        for &route in cfg.host_routes {
            let d = route.destination;
            if Family::of_net(&d) != fam || Family::of(&route.nexthop) != fam {
                return Err(IpamError::RouteFamily { route, cidr });
            }
            if d.addr() != d.network() {
                return Err(IpamError::RouteHostBits { destination: d });
            }
            if routes.contains(&route) {
                return Err(IpamError::RouteDuplicate { route });
            }
            routes.push(route);
        }
        Ok(Subnet {
            cidr,
            gateway,
            pools,
            dns,
            routes,
            ipv6_mode: cfg.ipv6_mode,
        })
    }

    /// The prefix.
    pub fn cidr(&self) -> IpNet {
        self.cidr
    }
    /// The address family.
    pub fn family(&self) -> Family {
        Family::of_net(&self.cidr)
    }
    /// The gateway, if any.
    pub fn gateway(&self) -> Option<IpAddr> {
        self.gateway
    }
    /// The IPv4 gateway, if this is an IPv4 subnet with a gateway.
    pub fn gateway_v4(&self) -> Option<Ipv4Addr> {
        match self.gateway {
            Some(IpAddr::V4(g)) => Some(g),
            _ => None,
        }
    }
    /// Allocation pools, sorted by start address.
    pub fn pools(&self) -> &[IpRange] {
        &self.pools
    }
    /// DNS servers, in the order given.
    pub fn dns(&self) -> &[IpAddr] {
        &self.dns
    }
    /// Host routes, in the order given.
    pub fn host_routes(&self) -> &[HostRoute] {
        &self.routes
    }
    /// IPv6 address mode.
    pub fn ipv6_mode(&self) -> Ipv6Mode {
        self.ipv6_mode
    }
    /// True when `ip` lies in an allocation pool.
    pub fn in_pool(&self, ip: IpAddr) -> bool {
        self.pools.iter().any(|p| p.contains(ip))
    }
    /// Number of addresses in the pools.
    pub fn pool_size(&self) -> u128 {
        self.pools
            .iter()
            .fold(0u128, |acc, p| acc.saturating_add(p.len()))
    }

    /// Checks `ip` for a fixed-IP request (Neutron `check_subnet_ip` plus the pool rule of the
    /// research note): of the family, in the subnet, not the IPv4 network/broadcast address
    /// (prefix ≤ 30), not the IPv6 subnet-router anycast address unless `admin` (router ports
    /// take it), and in a pool unless `admin`.
    pub fn check_fixed_ip(&self, ip: IpAddr, admin: bool) -> Result<(), IpamError> {
        let cidr = self.cidr;
        if Family::of(&ip) != self.family() {
            return Err(IpamError::AddressFamily { addr: ip, cidr });
        }
        if !cidr.contains(&ip) {
            return Err(IpamError::AddressNotInSubnet { addr: ip, cidr });
        }
        let (first, last) = net_bounds(&cidr);
        let v = ip_u128(ip);
        let reserved = match (self.family(), cidr.prefix_len()) {
            (Family::V4, p) if p <= 30 => v == first || v == last,
            (Family::V6, p) if p <= 126 => v == first && !admin,
            _ => false,
        };
        if reserved {
            return Err(IpamError::AddressReserved { addr: ip, cidr });
        }
        if !admin && !self.in_pool(ip) {
            return Err(IpamError::AddressNotInPool { addr: ip, cidr });
        }
        Ok(())
    }
}

/// The overlap rule within one network: `Err(SubnetOverlap)` when `cidr` overlaps one of
/// `existing`. Subnets of different networks may overlap (tenants reuse 10.0.0.0/24), so
/// callers check only the subnets of the same network.
pub fn check_overlap<'a>(
    existing: impl IntoIterator<Item = &'a IpNet>,
    cidr: &IpNet,
) -> Result<(), IpamError> {
    let (s, e) = net_bounds(cidr);
    for ex in existing {
        if Family::of_net(ex) != Family::of_net(cidr) {
            continue;
        }
        let (xs, xe) = net_bounds(ex);
        if s <= xe && xs <= e {
            return Err(IpamError::SubnetOverlap {
                cidr: *cidr,
                existing: *ex,
            });
        }
    }
    Ok(())
}

/// How an automatic allocation picks among the free addresses (or ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AllocMode {
    /// Uniformly among the first [`super::RANDOM_WINDOW`] free addresses (ordinary ports).
    #[default]
    Random,
    /// The lowest free address (`network:dhcp` and distributed router ports).
    Lowest,
}

/// The subnets of one network, kept non-overlapping (feature `alloc`).
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, Default)]
pub struct Network {
    subnets: alloc::vec::Vec<Subnet>,
}

#[cfg(feature = "alloc")]
impl Network {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }
    /// Validates `cfg`, checks it against the network's subnets, and adds it; returns its index.
    pub fn add_subnet(&mut self, cfg: &SubnetConfig<'_>) -> Result<usize, IpamError> {
        let s = Subnet::new(cfg)?;
        check_overlap(self.subnets.iter().map(|s| &s.cidr), &s.cidr)?;
        self.subnets.push(s);
        Ok(self.subnets.len() - 1)
    }
    /// Removes the subnet with this CIDR; returns it.
    pub fn remove_subnet(&mut self, cidr: &IpNet) -> Option<Subnet> {
        let i = self.subnets.iter().position(|s| s.cidr == *cidr)?;
        Some(self.subnets.remove(i))
    }
    /// The subnets, in insertion order.
    pub fn subnets(&self) -> &[Subnet] {
        &self.subnets
    }
}
