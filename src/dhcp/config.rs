//! A subnet's DHCP options, validated once and pre-encoded: the responder copies the encoded
//! block into each reply instead of re-encoding options per packet.
//!
//! Options (RFC 2132 unless noted), in reply order: 54 server identifier, 51 lease time,
//! 58 renewal (T1 = lease/2) and 59 rebinding (T2 = lease·7/8) times (RFC 2131 §4.4.5), 1 subnet
//! mask, 3 router, 6 DNS servers, 15 domain name, 26 interface MTU, 121 classless static routes
//! (RFC 3442), 119 domain search (RFC 3397). 51/58/59 are contiguous so an INFORM reply can skip
//! them (RFC 2131 §4.3.5: no lease in a DHCPACK to DHCPINFORM).
//!
//! Option 121 follows Neutron's dnsmasq driver (`neutron/agent/linux/dhcp.py`): the subnet's
//! host routes (a host route to 0.0.0.0/0 becomes the router when the subnet has no gateway,
//! and is otherwise dropped), then the metadata route `169.254.169.254/32 via <server ip>` when
//! asked (isolated subnets, `force_metadata`), then — when 121 carries any route and there is a
//! gateway — the default route `0.0.0.0/0 via <gateway>`, because RFC 3442 §2 clients ignore
//! option 3 when option 121 is present.

use core::net::Ipv4Addr;

use arrayvec::ArrayVec;
use ipnet::Ipv4Net;

use crate::ipam::{HostRoute, IpNet, Subnet};
use crate::wire::checksum::Checksum;
use crate::wire::dhcpv4::opt;
use crate::wire::MacAddr;

use super::DhcpError;

/// Neutron's default lease (`dhcp_lease_duration`, 86400 in neutron.conf; the research note's
/// 43200 s is OVN's default, used here).
pub const DEFAULT_LEASE_SECS: u32 = 43200;
/// Options area a reply may use: the 312 bytes every client accepts (RFC 2131 §2, a 576-byte
/// message) minus the cookie (4), option 53 (3) and end (1).
pub const OPT_BLOCK_MAX: usize = 304;
/// The metadata service address (Neutron / OpenStack metadata).
pub const METADATA_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
/// Minimum interface MTU (RFC 2132 §5.1).
pub const MIN_MTU: u16 = 68;
/// Most DNS servers encoded.
pub const MAX_DNS: usize = 5;
/// Most host routes accepted.
pub const MAX_ROUTES: usize = 20;

/// What a caller hands in for one subnet served by the responder.
#[derive(Debug, Clone, Copy)]
pub struct DhcpSubnetConfig<'a> {
    /// The DHCP port's IP: source of replies and option 54.
    pub server_ip: Ipv4Addr,
    /// The DHCP port's MAC: source of reply frames.
    pub server_mac: MacAddr,
    /// The subnet (option 1 is its mask).
    pub cidr: Ipv4Net,
    /// Gateway (option 3 and the default route in 121).
    pub gateway: Option<Ipv4Addr>,
    /// DNS servers (option 6).
    pub dns: &'a [Ipv4Addr],
    /// Domain name (option 15).
    pub domain_name: Option<&'a str>,
    /// Interface MTU (option 26).
    pub mtu: Option<u16>,
    /// Host routes (option 121).
    pub host_routes: &'a [(Ipv4Net, Ipv4Addr)],
    /// Add `169.254.169.254/32 via server_ip` to option 121.
    pub metadata_route: bool,
    /// Lease in seconds (`u32::MAX` = infinite: no T1/T2).
    pub lease_secs: u32,
    /// Domain search list (option 119), when non-empty.
    pub domain_search: &'a [&'a str],
}

impl<'a> DhcpSubnetConfig<'a> {
    /// A configuration with no gateway, DNS, routes or MTU, and the default lease.
    pub const fn new(server_ip: Ipv4Addr, server_mac: MacAddr, cidr: Ipv4Net) -> Self {
        DhcpSubnetConfig {
            server_ip,
            server_mac,
            cidr,
            gateway: None,
            dns: &[],
            domain_name: None,
            mtu: None,
            host_routes: &[],
            metadata_route: false,
            lease_secs: DEFAULT_LEASE_SECS,
            domain_search: &[],
        }
    }
}

/// A validated subnet with its pre-encoded option block.
#[derive(Debug, Clone)]
pub struct DhcpSubnet {
    pub(crate) server_ip: Ipv4Addr,
    pub(crate) server_mac: MacAddr,
    pub(crate) block: ArrayVec<u8, OPT_BLOCK_MAX>,
    /// `block[lease_start..lease_end]` holds options 51, 58, 59.
    pub(crate) lease_start: usize,
    pub(crate) lease_end: usize,
    /// One's-complement sums (RFC 1071, each part summed from an even offset) of
    /// `block[..lease_start]`, `block[lease_start..lease_end]`, `block[lease_end..]`, so the
    /// responder checksums a reply without re-reading the block.
    pub(crate) sums: [u16; 3],
}

fn push(block: &mut ArrayVec<u8, OPT_BLOCK_MAX>, code: u8, data: &[u8]) -> Result<(), DhcpError> {
    // Options here are ≤ 255 bytes (checked by the callers), so no RFC 3396 split is needed.
    let need = block.len() + 2 + data.len();
    if data.len() > 255 || need > OPT_BLOCK_MAX {
        return Err(DhcpError::OptionsTooLong {
            len: need,
            max: OPT_BLOCK_MAX,
        });
    }
    block.push(code);
    block.push(data.len() as u8);
    block
        .try_extend_from_slice(data)
        .map_err(|_| DhcpError::OptionsTooLong {
            len: need,
            max: OPT_BLOCK_MAX,
        })
}

/// RFC 3442 §3 encoding of one route: width, the significant octets of the destination, router.
fn encode_route(
    out: &mut ArrayVec<u8, 512>,
    dest: Ipv4Net,
    router: Ipv4Addr,
) -> Result<(), DhcpError> {
    let len = dest.prefix_len();
    let sig = usize::from(len).div_ceil(8);
    let need = out.len() + 5 + sig;
    if need > out.capacity() {
        return Err(DhcpError::OptionsTooLong {
            len: need,
            max: 255,
        });
    }
    out.push(len);
    out.extend(dest.network().octets()[..sig].iter().copied());
    out.extend(router.octets());
    Ok(())
}

/// RFC 1035 §3.1 encoding of a domain name (no compression), appended to `out`.
fn encode_name(out: &mut ArrayVec<u8, 512>, name: &str) -> Result<(), DhcpError> {
    let bad = || DhcpError::BadDomainName;
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return Err(bad());
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 || !label.is_ascii() {
            return Err(bad());
        }
        out.try_push(label.len() as u8).map_err(|_| bad())?;
        out.try_extend_from_slice(label.as_bytes())
            .map_err(|_| bad())?;
    }
    out.try_push(0).map_err(|_| bad())
}

impl DhcpSubnet {
    /// Validates `cfg` and encodes its options. Errors: `BadMtu` (< 68), `BadLease` (0),
    /// `TooManyDns`, `TooManyRoutes`, `RouteHostBits`, `BadDomainName`, `OptionsTooLong`
    /// (more than [`OPT_BLOCK_MAX`] bytes in all, or 121 over 255 bytes).
    pub fn new(cfg: &DhcpSubnetConfig<'_>) -> Result<Self, DhcpError> {
        if cfg.lease_secs == 0 {
            return Err(DhcpError::BadLease);
        }
        if let Some(mtu) = cfg.mtu {
            if mtu < MIN_MTU {
                return Err(DhcpError::BadMtu { mtu });
            }
        }
        if cfg.dns.len() > MAX_DNS {
            return Err(DhcpError::TooManyDns {
                count: cfg.dns.len(),
                max: MAX_DNS,
            });
        }
        if cfg.host_routes.len() > MAX_ROUTES {
            return Err(DhcpError::TooManyRoutes {
                count: cfg.host_routes.len(),
                max: MAX_ROUTES,
            });
        }
        let mut gateway = cfg.gateway;
        let mut routes: ArrayVec<u8, 512> = ArrayVec::new();
        let mut n_routes = 0usize;
        let mut has_metadata = false;
        for &(dest, via) in cfg.host_routes {
            if dest.addr() != dest.network() {
                return Err(DhcpError::RouteHostBits { destination: dest });
            }
            if dest.prefix_len() == 0 {
                gateway = gateway.or(Some(via));
                continue;
            }
            has_metadata |= dest.prefix_len() == 32 && dest.network() == METADATA_IP;
            encode_route(&mut routes, dest, via)?;
            n_routes += 1;
        }
        if cfg.metadata_route && !has_metadata {
            encode_route(
                &mut routes,
                Ipv4Net::new_assert(METADATA_IP, 32),
                cfg.server_ip,
            )?;
            n_routes += 1;
        }
        if n_routes > 0 {
            if let Some(g) = gateway {
                encode_route(
                    &mut routes,
                    Ipv4Net::new_assert(Ipv4Addr::UNSPECIFIED, 0),
                    g,
                )?;
            }
        }
        if routes.len() > 255 {
            return Err(DhcpError::OptionsTooLong {
                len: routes.len(),
                max: 255,
            });
        }

        let mut b: ArrayVec<u8, OPT_BLOCK_MAX> = ArrayVec::new();
        push(&mut b, opt::SERVER_ID, &cfg.server_ip.octets())?;
        let lease_start = b.len();
        push(&mut b, opt::LEASE_TIME, &cfg.lease_secs.to_be_bytes())?;
        if cfg.lease_secs != u32::MAX {
            let t1 = cfg.lease_secs / 2;
            let t2 = (u64::from(cfg.lease_secs) * 7 / 8) as u32;
            push(&mut b, opt::RENEWAL_TIME, &t1.to_be_bytes())?;
            push(&mut b, opt::REBINDING_TIME, &t2.to_be_bytes())?;
        }
        let lease_end = b.len();
        let mask = u32::MAX
            .checked_shl(32 - u32::from(cfg.cidr.prefix_len()))
            .unwrap_or(0);
        push(&mut b, opt::SUBNET_MASK, &mask.to_be_bytes())?;
        if let Some(g) = gateway {
            push(&mut b, opt::ROUTER, &g.octets())?;
        }
        if !cfg.dns.is_empty() {
            let mut d: ArrayVec<u8, 20> = ArrayVec::new();
            for s in cfg.dns {
                d.extend(s.octets());
            }
            push(&mut b, opt::DNS_SERVER, &d)?;
        }
        if let Some(name) = cfg.domain_name {
            if name.is_empty() || name.len() > 255 || !name.is_ascii() {
                return Err(DhcpError::BadDomainName);
            }
            push(&mut b, opt::DOMAIN_NAME, name.as_bytes())?;
        }
        if let Some(mtu) = cfg.mtu {
            push(&mut b, opt::INTERFACE_MTU, &mtu.to_be_bytes())?;
        }
        if !routes.is_empty() {
            push(&mut b, opt::CLASSLESS_STATIC_ROUTE, &routes)?;
        }
        if !cfg.domain_search.is_empty() {
            let mut s: ArrayVec<u8, 512> = ArrayVec::new();
            for name in cfg.domain_search {
                encode_name(&mut s, name)?;
            }
            if s.len() > 255 {
                return Err(DhcpError::OptionsTooLong {
                    len: s.len(),
                    max: 255,
                });
            }
            push(&mut b, opt::DOMAIN_SEARCH, &s)?;
        }
        let sum = |part: &[u8]| Checksum::new().add_bytes(part).sum();
        let sums = [
            sum(&b[..lease_start]),
            sum(&b[lease_start..lease_end]),
            sum(&b[lease_end..]),
        ];
        Ok(DhcpSubnet {
            server_ip: cfg.server_ip,
            server_mac: cfg.server_mac,
            block: b,
            lease_start,
            lease_end,
            sums,
        })
    }

    /// The encoded options (54, 51, 58, 59, 1, 3, 6, 15, 26, 121, 119 as configured).
    pub fn options(&self) -> &[u8] {
        &self.block
    }
    /// The server IP.
    pub fn server_ip(&self) -> Ipv4Addr {
        self.server_ip
    }
    /// The server MAC.
    pub fn server_mac(&self) -> MacAddr {
        self.server_mac
    }
}

/// Host routes of an IPAM subnet as option-121 input (IPv6 routes are skipped).
pub fn ipv4_routes(subnet: &Subnet) -> ArrayVec<(Ipv4Net, Ipv4Addr), MAX_ROUTES> {
    subnet
        .host_routes()
        .iter()
        .filter_map(|r: &HostRoute| match (r.destination, r.nexthop) {
            (IpNet::V4(d), core::net::IpAddr::V4(n)) => Some((d, n)),
            _ => None,
        })
        .collect()
}
