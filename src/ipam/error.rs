//! [`IpamError`]: one variant per Neutron rule, carrying the offending values. The messages
//! follow Neutron's wording (`neutron_lib/exceptions`, `neutron/ipam/exceptions.py`) where it
//! has one.

use core::net::IpAddr;

use arrayvec::ArrayString;
use ipnet::IpNet;

use crate::wire::MacAddr;

use super::subnet::{HostRoute, IpRange};
use super::Family;

/// Why an IPAM configuration or operation was refused. The state is unchanged on error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IpamError {
    // ---- subnet CIDR ----
    /// The CIDR has host bits set (Neutron: "'%(data)s' isn't a recommended CIDR").
    #[error("'{cidr}' isn't a recommended CIDR, '{network}' is recommended")]
    CidrHostBits {
        /// The CIDR given.
        cidr: IpNet,
        /// The network it should have been.
        network: IpNet,
    },
    /// An IPv4 CIDR with prefix length 0.
    #[error("0 is not allowed as CIDR prefix length ({cidr})")]
    CidrPrefixZero {
        /// The CIDR given.
        cidr: IpNet,
    },
    /// A multicast network (224.0.0.0/4, ff00::/8).
    #[error("multicast IP subnet {cidr} is not supported")]
    CidrMulticast {
        /// The CIDR given.
        cidr: IpNet,
    },
    /// A loopback network (127.0.0.0/8, ::1/128).
    #[error("loopback IP subnet {cidr} is not supported")]
    CidrLoopback {
        /// The CIDR given.
        cidr: IpNet,
    },
    /// The unspecified network (inside 0.0.0.0/8, or ::/128).
    #[error("unspecified IP subnet {cidr} is not supported")]
    CidrUnspecified {
        /// The CIDR given.
        cidr: IpNet,
    },
    /// A subnet overlaps another subnet of the same network.
    #[error("requested subnet with cidr {cidr} overlaps with another subnet ({existing})")]
    SubnetOverlap {
        /// The CIDR given.
        cidr: IpNet,
        /// The subnet it overlaps.
        existing: IpNet,
    },
    /// SLAAC and DHCPv6-stateless need a /64 (RFC 4862 §5.5.3 with EUI-64 interface ids).
    #[error("invalid CIDR {cidr} for IPv6 address mode: a /64 is required")]
    SlaacRequires64 {
        /// The CIDR given.
        cidr: IpNet,
    },
    /// An IPv6 address mode was given for an IPv4 subnet.
    #[error("IPv6 address mode set on IPv4 subnet {cidr}")]
    Ipv6ModeOnIpv4 {
        /// The CIDR given.
        cidr: IpNet,
    },

    // ---- gateway ----
    /// The gateway is not of the subnet's family.
    #[error("gateway {gateway} does not match the IP version of {cidr}")]
    GatewayFamily {
        /// The gateway given.
        gateway: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The gateway lies outside the subnet.
    #[error("gateway IP {gateway} is not in subnet {cidr}")]
    GatewayOutsideSubnet {
        /// The gateway given.
        gateway: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The gateway is the IPv4 network address (prefix ≤ 30).
    #[error("gateway {gateway} is the network address of {cidr}")]
    GatewayIsNetwork {
        /// The gateway given.
        gateway: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The gateway is the IPv4 broadcast address (prefix ≤ 30).
    #[error("gateway {gateway} is the broadcast address of {cidr}")]
    GatewayIsBroadcast {
        /// The gateway given.
        gateway: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The gateway lies inside an allocation pool (Neutron `GatewayConflictWithAllocationPools`).
    #[error("gateway ip {gateway} conflicts with allocation pool {pool}")]
    GatewayInPool {
        /// The gateway.
        gateway: IpAddr,
        /// The pool containing it.
        pool: IpRange,
    },

    // ---- allocation pools ----
    /// A pool bound is not of the subnet's family (Neutron `InvalidAllocationPool`).
    #[error("the allocation pool {pool} does not match the IP version of {cidr}")]
    PoolFamily {
        /// The pool.
        pool: IpRange,
        /// The subnet.
        cidr: IpNet,
    },
    /// A pool's start is after its end (Neutron `InvalidAllocationPool`).
    #[error("the allocation pool {pool} is not valid: start after end")]
    PoolStartAfterEnd {
        /// The pool.
        pool: IpRange,
    },
    /// A pool leaves the subnet's host range (Neutron `OutOfBoundsAllocationPool`).
    #[error("the allocation pool {pool} spans beyond the subnet cidr {cidr}")]
    PoolOutOfBounds {
        /// The pool.
        pool: IpRange,
        /// The subnet.
        cidr: IpNet,
    },
    /// Two pools overlap (Neutron `OverlappingAllocationPools`).
    #[error("found overlapping allocation pools: {first} {second}")]
    PoolsOverlap {
        /// One pool.
        first: IpRange,
        /// The pool it overlaps.
        second: IpRange,
    },
    /// More pools than a subnet holds ([`super::subnet::MAX_POOLS`]).
    #[error("too many allocation pools: {count} > {max}")]
    TooManyPools {
        /// Pools given.
        count: usize,
        /// The limit.
        max: usize,
    },

    // ---- DNS servers and host routes ----
    /// More DNS servers than allowed (Neutron `DNSNameServersExhausted`, default 5).
    #[error("unable to complete operation: {count} DNS nameservers exceed the limit of {max}")]
    DnsExhausted {
        /// Servers given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A DNS server of the wrong family.
    #[error("dns_nameserver '{server}' does not match the ip_version of {cidr}")]
    DnsFamily {
        /// The server.
        server: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The same DNS server twice.
    #[error("duplicate nameserver '{server}'")]
    DnsDuplicate {
        /// The server.
        server: IpAddr,
    },
    /// More host routes than allowed (Neutron `HostRoutesExhausted`, default 20).
    #[error("unable to complete operation: {count} host routes exceed the limit of {max}")]
    RoutesExhausted {
        /// Routes given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A host route's destination or next hop is of the wrong family.
    #[error("host route {route} does not match the ip_version of {cidr}")]
    RouteFamily {
        /// The route.
        route: HostRoute,
        /// The subnet.
        cidr: IpNet,
    },
    /// A host route's destination has host bits set.
    #[error("host route destination '{destination}' isn't a recommended CIDR")]
    RouteHostBits {
        /// The destination given.
        destination: IpNet,
    },
    /// The same host route twice.
    #[error("duplicate hostroute '{route}'")]
    RouteDuplicate {
        /// The route.
        route: HostRoute,
    },

    // ---- address allocation ----
    /// An address of the wrong family for the subnet.
    #[error("IP address {addr} does not match the IP version of {cidr}")]
    AddressFamily {
        /// The address.
        addr: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The address is not in the subnet (Neutron `InvalidIpForSubnet`).
    #[error("IP address {addr} is not a valid IP for the specified subnet {cidr}")]
    AddressNotInSubnet {
        /// The address.
        addr: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The address is the IPv4 network/broadcast or the IPv6 subnet-router anycast address
    /// (Neutron `InvalidIpForSubnet`).
    #[error("IP address {addr} is reserved in subnet {cidr}")]
    AddressReserved {
        /// The address.
        addr: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// A non-admin request for an address outside the allocation pools.
    #[error("IP address {addr} is not in an allocation pool of {cidr}")]
    AddressNotInPool {
        /// The address.
        addr: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The address is already allocated (Neutron `IpAddressAlreadyAllocated`).
    #[error("IP address {addr} already allocated in subnet {cidr}")]
    AddressInUse {
        /// The address.
        addr: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// No free address in the pools (Neutron `IpAddressGenerationFailure`).
    #[error("no more IP addresses available for subnet {cidr}")]
    AddressesExhausted {
        /// The subnet.
        cidr: IpNet,
    },
    /// Release of an address that is not allocated (Neutron `IpAddressAllocationNotFound`).
    #[error("IP address {addr} is not allocated in subnet {cidr}")]
    AddressNotAllocated {
        /// The address.
        addr: IpAddr,
        /// The subnet.
        cidr: IpNet,
    },
    /// The bitmap allocator handles IPv4 prefixes of length ≥ `min` only.
    #[error("subnet {cidr} is too large for the bitmap allocator (prefix must be >= /{min})")]
    SubnetTooLarge {
        /// The subnet.
        cidr: IpNet,
        /// The shortest prefix accepted.
        min: u8,
    },
    /// The allocator was handed a subnet of the other family.
    #[error("allocator for {expected:?} given subnet {cidr}")]
    WrongFamily {
        /// The family the allocator handles.
        expected: Family,
        /// The subnet given.
        cidr: IpNet,
    },
    /// The caller's memory is too small.
    #[error("memory too small: need {need} words, have {have}")]
    MemoryTooSmall {
        /// Words required.
        need: usize,
        /// Words given.
        have: usize,
    },
    /// An output array is too small.
    #[error("output too small: need {need}, have {have}")]
    OutputTooSmall {
        /// Entries required.
        need: usize,
        /// Entries given.
        have: usize,
    },

    // ---- subnet pools ----
    /// Prefix length bounds out of order or beyond the family (Neutron
    /// `IllegalSubnetPoolPrefixBounds`).
    #[error("illegal prefix bounds: min {min}, default {default}, max {max}")]
    PrefixBounds {
        /// min_prefixlen.
        min: u8,
        /// default_prefixlen.
        default: u8,
        /// max_prefixlen.
        max: u8,
    },
    /// A pool prefix of the wrong family or with host bits set.
    #[error("invalid subnet pool prefix {prefix}")]
    PoolPrefixInvalid {
        /// The prefix.
        prefix: IpNet,
    },
    /// A requested prefix length outside the pool's bounds.
    #[error("prefix length /{len} outside the pool bounds /{min}../{max}")]
    PrefixLenOutOfBounds {
        /// Requested length.
        len: u8,
        /// min_prefixlen.
        min: u8,
        /// max_prefixlen.
        max: u8,
    },
    /// A specific prefix not inside the pool's prefixes.
    #[error("cannot allocate requested subnet {prefix} from the available set of prefixes")]
    PrefixNotInPool {
        /// The prefix.
        prefix: IpNet,
    },
    /// A specific prefix overlapping an allocated one.
    #[error("requested subnet {prefix} overlaps allocated subnet {existing}")]
    PrefixInUse {
        /// The prefix requested.
        prefix: IpNet,
        /// The allocation it overlaps.
        existing: IpNet,
    },
    /// No free block holds the requested length (Neutron `SubnetAllocationError`).
    #[error("insufficient prefix space to allocate subnet size /{len}")]
    PrefixSpaceExhausted {
        /// Requested length.
        len: u8,
    },
    /// Release of a prefix that is not allocated.
    #[error("prefix {prefix} is not allocated from this pool")]
    PrefixNotAllocated {
        /// The prefix.
        prefix: IpNet,
    },
    /// The pool's quota would be exceeded (Neutron `SubnetPoolQuotaExceeded`; IPv4 counts
    /// addresses, IPv6 counts /64s).
    #[error("subnet pool quota exceeded: {used} + {requested} > {quota}")]
    QuotaExceeded {
        /// Units requested.
        requested: u128,
        /// Units in use.
        used: u128,
        /// The quota.
        quota: u128,
    },

    // ---- segments ----
    /// A range spec that does not parse (`physnet:min:max`, `min:max`).
    #[error("invalid range specification '{spec}'")]
    RangeSyntax {
        /// The spec (truncated to 48 bytes).
        spec: ArrayString<48>,
    },
    /// A range with min > max or outside the id space of its type.
    #[error("invalid {kind} range {min}:{max} (ids are {lo}..={hi})")]
    RangeInvalid {
        /// Segment type.
        kind: &'static str,
        /// Range start.
        min: u32,
        /// Range end.
        max: u32,
        /// Lowest valid id.
        lo: u32,
        /// Highest valid id.
        hi: u32,
    },
    /// A specific segment id outside the type's id space.
    #[error("{kind} id {id} is not in {lo}..={hi}")]
    SegmentIdInvalid {
        /// Segment type.
        kind: &'static str,
        /// The id.
        id: u32,
        /// Lowest valid id.
        lo: u32,
        /// Highest valid id.
        hi: u32,
    },
    /// A physical network not configured (truncated to 48 bytes).
    #[error("unknown physical network '{physnet}'")]
    UnknownPhysnet {
        /// The name.
        physnet: ArrayString<48>,
    },
    /// The segment id is taken (Neutron `VlanIdInUse`, `TunnelIdInUse`).
    #[error("unable to create the network: {kind} id {id} is in use")]
    SegmentInUse {
        /// Segment type.
        kind: &'static str,
        /// The id.
        id: u32,
    },
    /// No free id in the ranges (Neutron `NoNetworkAvailable`).
    #[error("unable to create the network: no {kind} network available")]
    SegmentsExhausted {
        /// Segment type.
        kind: &'static str,
    },
    /// Release of an id that is not allocated.
    #[error("{kind} id {id} is not allocated")]
    SegmentNotAllocated {
        /// Segment type.
        kind: &'static str,
        /// The id.
        id: u32,
    },

    // ---- MAC addresses ----
    /// The base MAC is a group address.
    #[error("base MAC {mac} is not a unicast address")]
    BadBaseMac {
        /// The base.
        mac: MacAddr,
    },
    /// A requested MAC is not unicast, or not under the base prefix when that is required.
    #[error("invalid MAC address {mac}")]
    BadMac {
        /// The MAC.
        mac: MacAddr,
    },
    /// The MAC is in use on the network (Neutron `MacAddressInUse`).
    #[error("unable to complete operation for network: the mac address {mac} is in use")]
    MacInUse {
        /// The MAC.
        mac: MacAddr,
    },
    /// No unused MAC found in the retries (Neutron `MacAddressGenerationFailure`).
    #[error("unable to generate unique mac after {retries} attempts")]
    MacGenerationFailed {
        /// Attempts made.
        retries: u32,
    },
    /// Release of a MAC that is not allocated.
    #[error("mac address {mac} is not allocated")]
    MacNotAllocated {
        /// The MAC.
        mac: MacAddr,
    },
}

impl IpamError {
    /// A short, stable, lowercase name of the rule (for counters, JSON and C).
    pub const fn rule(&self) -> &'static str {
        match self {
            IpamError::CidrHostBits { .. } => "cidr-host-bits",
            IpamError::CidrPrefixZero { .. } => "cidr-prefix-zero",
            IpamError::CidrMulticast { .. } => "cidr-multicast",
            IpamError::CidrLoopback { .. } => "cidr-loopback",
            IpamError::CidrUnspecified { .. } => "cidr-unspecified",
            IpamError::SubnetOverlap { .. } => "subnet-overlap",
            IpamError::SlaacRequires64 { .. } => "slaac-requires-64",
            IpamError::Ipv6ModeOnIpv4 { .. } => "ipv6-mode-on-ipv4",
            IpamError::GatewayFamily { .. } => "gateway-family",
            IpamError::GatewayOutsideSubnet { .. } => "gateway-outside-subnet",
            IpamError::GatewayIsNetwork { .. } => "gateway-is-network",
            IpamError::GatewayIsBroadcast { .. } => "gateway-is-broadcast",
            IpamError::GatewayInPool { .. } => "gateway-in-pool",
            IpamError::PoolFamily { .. } => "pool-family",
            IpamError::PoolStartAfterEnd { .. } => "pool-start-after-end",
            IpamError::PoolOutOfBounds { .. } => "pool-out-of-bounds",
            IpamError::PoolsOverlap { .. } => "pools-overlap",
            IpamError::TooManyPools { .. } => "too-many-pools",
            IpamError::DnsExhausted { .. } => "dns-exhausted",
            IpamError::DnsFamily { .. } => "dns-family",
            IpamError::DnsDuplicate { .. } => "dns-duplicate",
            IpamError::RoutesExhausted { .. } => "routes-exhausted",
            IpamError::RouteFamily { .. } => "route-family",
            IpamError::RouteHostBits { .. } => "route-host-bits",
            IpamError::RouteDuplicate { .. } => "route-duplicate",
            IpamError::AddressFamily { .. } => "address-family",
            IpamError::AddressNotInSubnet { .. } => "address-not-in-subnet",
            IpamError::AddressReserved { .. } => "address-reserved",
            IpamError::AddressNotInPool { .. } => "address-not-in-pool",
            IpamError::AddressInUse { .. } => "address-in-use",
            IpamError::AddressesExhausted { .. } => "addresses-exhausted",
            IpamError::AddressNotAllocated { .. } => "address-not-allocated",
            IpamError::SubnetTooLarge { .. } => "subnet-too-large",
            IpamError::WrongFamily { .. } => "wrong-family",
            IpamError::MemoryTooSmall { .. } => "memory-too-small",
            IpamError::OutputTooSmall { .. } => "output-too-small",
            IpamError::PrefixBounds { .. } => "prefix-bounds",
            IpamError::PoolPrefixInvalid { .. } => "pool-prefix-invalid",
            IpamError::PrefixLenOutOfBounds { .. } => "prefix-len-out-of-bounds",
            IpamError::PrefixNotInPool { .. } => "prefix-not-in-pool",
            IpamError::PrefixInUse { .. } => "prefix-in-use",
            IpamError::PrefixSpaceExhausted { .. } => "prefix-space-exhausted",
            IpamError::PrefixNotAllocated { .. } => "prefix-not-allocated",
            IpamError::QuotaExceeded { .. } => "quota-exceeded",
            IpamError::RangeSyntax { .. } => "range-syntax",
            IpamError::RangeInvalid { .. } => "range-invalid",
            IpamError::SegmentIdInvalid { .. } => "segment-id-invalid",
            IpamError::UnknownPhysnet { .. } => "unknown-physnet",
            IpamError::SegmentInUse { .. } => "segment-in-use",
            IpamError::SegmentsExhausted { .. } => "segments-exhausted",
            IpamError::SegmentNotAllocated { .. } => "segment-not-allocated",
            IpamError::BadBaseMac { .. } => "bad-base-mac",
            IpamError::BadMac { .. } => "bad-mac",
            IpamError::MacInUse { .. } => "mac-in-use",
            IpamError::MacGenerationFailed { .. } => "mac-generation-failed",
            IpamError::MacNotAllocated { .. } => "mac-not-allocated",
        }
    }
}

/// A string truncated to 48 bytes (at a char boundary), for errors that carry user text.
#[cfg(feature = "alloc")]
pub(crate) fn short(s: &str) -> ArrayString<48> {
    let mut out = ArrayString::new();
    for c in s.chars() {
        if out.try_push(c).is_err() {
            break;
        }
    }
    out
}
