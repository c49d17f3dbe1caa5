//! [`neutrino_status`]: the one status vocabulary of the C API, and its strings.
//!
//! Every export returns a `neutrino_status`. Values are grouped: `0` is success, `1..` are
//! argument and boundary errors, `100..` the causes of a core [`WireError`], `200..` those of a
//! core [`BufError`], `300..` those of the encap room ([`ConfigError`], [`EncapError`]), `400..` those of IPAM
//! ([`IpamError`]), `500..` those of the DHCP responder ([`DhcpError`]), `600..` those of the table and the
//! L2 room (table, FDB, responder, port security), `700..` those of routing
//! ([`neutrino::route::RouteError`]). Numbers never change once released; new causes get new numbers.
//! Functions that *take* a status from C take a `uint32_t`, because C may hand any integer and
//! an out-of-range value would be undefined behaviour in a Rust enum.

use core::ffi::{c_char, CStr};

use neutrino::dhcp::DhcpError;
use neutrino::encap::{ConfigError, EncapError};
use neutrino::ipam::IpamError;
use neutrino::{BufError, WireError};

use crate::guard::guard_value;

/// The result of every neutrino call. C passes it around as `uint32_t`.
///
/// The values carry the `NEUTRINO_` prefix themselves (not `NEUTRINO_STATUS_`).
/// cbindgen:prefix-with-name=false
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
#[must_use]
pub enum neutrino_status {
    /// Success.
    NEUTRINO_OK = 0,
    /// A required pointer argument was NULL (or NULL with a non-zero length).
    NEUTRINO_NULL_POINTER = 1,
    /// An argument is out of its domain: unknown flag bits, a misaligned pointer, a length
    /// that overflows.
    NEUTRINO_INVALID_ARGUMENT = 2,
    /// The library panicked; this is a bug in neutrino, please report it. No state was changed
    /// that the call documents as unchanged on error.
    NEUTRINO_PANIC = 3,
    /// The packet ends before a header (or the length a header field announces) does.
    NEUTRINO_TRUNCATED = 100,
    /// A header-length field is below the protocol minimum or otherwise impossible.
    NEUTRINO_BAD_HEADER_LEN = 101,
    /// A total/payload length field disagrees with the header or the packet.
    NEUTRINO_BAD_LENGTH = 102,
    /// A version field is not the protocol's.
    NEUTRINO_BAD_VERSION = 103,
    /// A checksum did not verify.
    NEUTRINO_BAD_CHECKSUM = 104,
    /// An option (TLV) is malformed.
    NEUTRINO_BAD_OPTION = 105,
    /// A field holds a value the protocol forbids.
    NEUTRINO_BAD_FIELD = 106,
    /// More nested headers (VLAN tags, IPv6 extension headers) than the parser walks.
    NEUTRINO_TOO_DEEP = 107,
    /// An output buffer is too small for what must be written.
    NEUTRINO_BUFFER_TOO_SMALL = 108,
    /// The packet is malformed in a way this ABI version has no code for (a newer core cause).
    NEUTRINO_MALFORMED = 199,
    /// Not enough headroom to prepend.
    NEUTRINO_NO_HEADROOM = 200,
    /// Not enough tailroom to append.
    NEUTRINO_NO_TAILROOM = 201,
    /// Trimming or truncating more than the packet holds.
    NEUTRINO_DATA_TOO_SHORT = 202,
    /// `data_off`/`data_len` do not describe a range inside the buffer.
    NEUTRINO_BAD_OFFSETS = 203,
    /// A buffer operation failed in a way this ABI version has no code for.
    NEUTRINO_BUF_ERROR = 299,
    /// A configuration (tunnel, segment) was refused; nothing was created.
    NEUTRINO_INVALID_CONFIG = 300,
    /// The packet would exceed the MTU (never truncated).
    NEUTRINO_TOO_BIG = 301,
    /// The tunnel id (VNI, GRE key) or VLAN id is not the expected one, or a GRE key is missing.
    NEUTRINO_WRONG_ID = 302,
    /// The outer destination address is not the local endpoint.
    NEUTRINO_NOT_LOCAL = 303,
    /// Unexpected EtherType, IP protocol or tunnel payload type.
    NEUTRINO_WRONG_PROTOCOL = 304,
    /// The UDP destination port is not the tunnel's.
    NEUTRINO_WRONG_PORT = 305,
    /// The outer IP packet is a fragment.
    NEUTRINO_FRAGMENT = 306,
    /// A zero UDP checksum over IPv6 that the context does not accept (RFC 6935/6936).
    NEUTRINO_ZERO_CHECKSUM = 307,
    /// A GENEVE packet with critical options the context does not process.
    NEUTRINO_CRITICAL_OPTION = 308,
    /// Outer ECN CE over a non-ECN-capable inner packet (RFC 6040).
    NEUTRINO_ECN_DROP = 309,
    /// No usable remote tunnel endpoint.
    NEUTRINO_NO_REMOTE = 310,
    /// The RFCs say not to send this ICMP error (the reason is reported beside the status).
    NEUTRINO_ICMP_SUPPRESSED = 311,
    /// An encap/decap failure this ABI version has no code for.
    NEUTRINO_ENCAP_ERROR = 399,
    /// IPAM: the CIDR breaks a subnet rule (host bits set, IPv4 /0, multicast, loopback,
    /// unspecified; SLAAC without a /64; an IPv6 mode on IPv4).
    NEUTRINO_IPAM_INVALID_CIDR = 400,
    /// IPAM: the gateway is of the wrong family, outside the subnet, the network or broadcast
    /// address, or inside a pool.
    NEUTRINO_IPAM_INVALID_GATEWAY = 401,
    /// IPAM: an allocation pool is of the wrong family, reversed, out of bounds, overlapping,
    /// or there are too many.
    NEUTRINO_IPAM_INVALID_POOL = 402,
    /// IPAM: DNS servers exceed the limit, are duplicated or of the wrong family.
    NEUTRINO_IPAM_INVALID_DNS = 403,
    /// IPAM: host routes exceed the limit, are duplicated, of the wrong family or not networks.
    NEUTRINO_IPAM_INVALID_ROUTE = 404,
    /// IPAM: the subnet overlaps another subnet of the network.
    NEUTRINO_IPAM_OVERLAP = 405,
    /// IPAM: the address is of the wrong family, outside the subnet, reserved, or not in a
    /// pool for a non-admin request.
    NEUTRINO_IPAM_INVALID_ADDRESS = 406,
    /// IPAM: the address, prefix, segment id or MAC is already allocated.
    NEUTRINO_IPAM_IN_USE = 407,
    /// IPAM: nothing free is left (addresses, prefix space, segment ids, MAC retries).
    NEUTRINO_IPAM_EXHAUSTED = 408,
    /// IPAM: release of something that is not allocated.
    NEUTRINO_IPAM_NOT_ALLOCATED = 409,
    /// IPAM: a subnet pool quota would be exceeded.
    NEUTRINO_IPAM_QUOTA_EXCEEDED = 410,
    /// IPAM: a range, prefix length, segment id, physical network, pool prefix or MAC is
    /// invalid.
    NEUTRINO_IPAM_INVALID_RANGE = 411,
    /// IPAM: the IPv4 subnet is larger than the bitmap allocator serves (/8).
    NEUTRINO_IPAM_TOO_LARGE = 412,
    /// IPAM: a cause this ABI version has no code for.
    NEUTRINO_IPAM_ERROR = 499,
    /// DHCP: the subnet options or responder configuration are invalid (MTU, lease, domain
    /// names, too many DNS servers or routes, options too long, unknown subnet index).
    NEUTRINO_DHCP_INVALID_CONFIG = 500,
    /// DHCP: the binding table is full.
    NEUTRINO_DHCP_TABLE_FULL = 501,
    /// DHCP: a cause this ABI version has no code for.
    NEUTRINO_DHCP_ERROR = 599,
    /// A table is full: the entry was refused and every existing entry kept.
    NEUTRINO_FULL = 600,
    /// The key (MAC, address, port) is not in the table.
    NEUTRINO_NOT_FOUND = 601,
    /// A capacity of 0 or beyond the table's maximum, or a key size the API does not offer.
    NEUTRINO_BAD_CAPACITY = 602,
    /// The caller's memory is smaller than `_mem_size` says (or misaligned for the handle).
    NEUTRINO_MEM_TOO_SMALL = 603,
    /// An address refused by configuration: a group or zero MAC where a unicast one is
    /// needed, an unspecified/multicast/loopback IP, a prefix length out of range, or too
    /// many addresses.
    NEUTRINO_BAD_ADDRESS = 604,
    /// A route prefix has bits set beyond its length (`10.0.0.1/8`).
    NEUTRINO_ROUTE_HOST_BITS = 700,
    /// A prefix length beyond the family (IPv4 > 32, IPv6 > 128).
    NEUTRINO_ROUTE_PREFIX_LEN = 701,
    /// No VRF with this id (or the id is beyond the table's capacity).
    NEUTRINO_ROUTE_UNKNOWN_VRF = 702,
    /// The VRF, route or next hop already exists.
    NEUTRINO_ROUTE_EXISTS = 703,
    /// The route, group or next hop to remove or use is not there; nothing changed.
    NEUTRINO_ROUTE_NOT_FOUND = 704,
    /// A fixed-capacity routing table (nodes, routes, groups) is full; nothing changed.
    NEUTRINO_ROUTE_FULL = 705,
    /// The group or subnet is still used by routes.
    NEUTRINO_ROUTE_IN_USE = 706,
    /// A next-hop group id, size or weight is out of range.
    NEUTRINO_ROUTE_BAD_GROUP = 707,
    /// A routing operation failed in a way this ABI version has no code for.
    NEUTRINO_ROUTE_ERROR = 799,
}

use neutrino_status::*;

/// Every status, in numeric order.
const ALL: [neutrino_status; 63] = [
    NEUTRINO_OK,
    NEUTRINO_NULL_POINTER,
    NEUTRINO_INVALID_ARGUMENT,
    NEUTRINO_PANIC,
    NEUTRINO_TRUNCATED,
    NEUTRINO_BAD_HEADER_LEN,
    NEUTRINO_BAD_LENGTH,
    NEUTRINO_BAD_VERSION,
    NEUTRINO_BAD_CHECKSUM,
    NEUTRINO_BAD_OPTION,
    NEUTRINO_BAD_FIELD,
    NEUTRINO_TOO_DEEP,
    NEUTRINO_BUFFER_TOO_SMALL,
    NEUTRINO_MALFORMED,
    NEUTRINO_NO_HEADROOM,
    NEUTRINO_NO_TAILROOM,
    NEUTRINO_DATA_TOO_SHORT,
    NEUTRINO_BAD_OFFSETS,
    NEUTRINO_BUF_ERROR,
    NEUTRINO_INVALID_CONFIG,
    NEUTRINO_TOO_BIG,
    NEUTRINO_WRONG_ID,
    NEUTRINO_NOT_LOCAL,
    NEUTRINO_WRONG_PROTOCOL,
    NEUTRINO_WRONG_PORT,
    NEUTRINO_FRAGMENT,
    NEUTRINO_ZERO_CHECKSUM,
    NEUTRINO_CRITICAL_OPTION,
    NEUTRINO_ECN_DROP,
    NEUTRINO_NO_REMOTE,
    NEUTRINO_ICMP_SUPPRESSED,
    NEUTRINO_ENCAP_ERROR,
    NEUTRINO_IPAM_INVALID_CIDR,
    NEUTRINO_IPAM_INVALID_GATEWAY,
    NEUTRINO_IPAM_INVALID_POOL,
    NEUTRINO_IPAM_INVALID_DNS,
    NEUTRINO_IPAM_INVALID_ROUTE,
    NEUTRINO_IPAM_OVERLAP,
    NEUTRINO_IPAM_INVALID_ADDRESS,
    NEUTRINO_IPAM_IN_USE,
    NEUTRINO_IPAM_EXHAUSTED,
    NEUTRINO_IPAM_NOT_ALLOCATED,
    NEUTRINO_IPAM_QUOTA_EXCEEDED,
    NEUTRINO_IPAM_INVALID_RANGE,
    NEUTRINO_IPAM_TOO_LARGE,
    NEUTRINO_IPAM_ERROR,
    NEUTRINO_DHCP_INVALID_CONFIG,
    NEUTRINO_DHCP_TABLE_FULL,
    NEUTRINO_DHCP_ERROR,
    NEUTRINO_FULL,
    NEUTRINO_NOT_FOUND,
    NEUTRINO_BAD_CAPACITY,
    NEUTRINO_MEM_TOO_SMALL,
    NEUTRINO_BAD_ADDRESS,
    NEUTRINO_ROUTE_HOST_BITS,
    NEUTRINO_ROUTE_PREFIX_LEN,
    NEUTRINO_ROUTE_UNKNOWN_VRF,
    NEUTRINO_ROUTE_EXISTS,
    NEUTRINO_ROUTE_NOT_FOUND,
    NEUTRINO_ROUTE_FULL,
    NEUTRINO_ROUTE_IN_USE,
    NEUTRINO_ROUTE_BAD_GROUP,
    NEUTRINO_ROUTE_ERROR,
];

impl neutrino_status {
    /// The status with this number, if there is one.
    pub fn from_u32(value: u32) -> Option<neutrino_status> {
        ALL.iter().copied().find(|s| *s as u32 == value)
    }

    /// A short, static, human-readable description.
    pub const fn as_cstr(self) -> &'static CStr {
        match self {
            NEUTRINO_OK => c"ok",
            NEUTRINO_NULL_POINTER => c"null pointer",
            NEUTRINO_INVALID_ARGUMENT => c"invalid argument",
            NEUTRINO_PANIC => c"internal panic (a neutrino bug)",
            NEUTRINO_TRUNCATED => c"truncated",
            NEUTRINO_BAD_HEADER_LEN => c"bad header length",
            NEUTRINO_BAD_LENGTH => c"bad length field",
            NEUTRINO_BAD_VERSION => c"bad version",
            NEUTRINO_BAD_CHECKSUM => c"bad checksum",
            NEUTRINO_BAD_OPTION => c"malformed option",
            NEUTRINO_BAD_FIELD => c"bad field value",
            NEUTRINO_TOO_DEEP => c"too many nested headers",
            NEUTRINO_BUFFER_TOO_SMALL => c"output buffer too small",
            NEUTRINO_MALFORMED => c"malformed packet",
            NEUTRINO_NO_HEADROOM => c"not enough headroom",
            NEUTRINO_NO_TAILROOM => c"not enough tailroom",
            NEUTRINO_DATA_TOO_SHORT => c"data too short",
            NEUTRINO_BAD_OFFSETS => c"bad data offset or length",
            NEUTRINO_BUF_ERROR => c"buffer error",
            NEUTRINO_INVALID_CONFIG => c"invalid configuration",
            NEUTRINO_TOO_BIG => c"packet exceeds the MTU",
            NEUTRINO_WRONG_ID => c"unexpected tunnel or VLAN id",
            NEUTRINO_NOT_LOCAL => c"outer destination is not local",
            NEUTRINO_WRONG_PROTOCOL => c"unexpected protocol",
            NEUTRINO_WRONG_PORT => c"unexpected UDP port",
            NEUTRINO_FRAGMENT => c"outer packet is a fragment",
            NEUTRINO_ZERO_CHECKSUM => c"zero UDP checksum over IPv6 not allowed",
            NEUTRINO_CRITICAL_OPTION => c"GENEVE critical option not accepted",
            NEUTRINO_ECN_DROP => c"ECN CE over a not-ECN-capable packet",
            NEUTRINO_NO_REMOTE => c"no usable remote endpoint",
            NEUTRINO_ICMP_SUPPRESSED => c"no ICMP error may be sent for this packet",
            NEUTRINO_ENCAP_ERROR => c"encap error",
            NEUTRINO_IPAM_INVALID_CIDR => c"invalid subnet CIDR",
            NEUTRINO_IPAM_INVALID_GATEWAY => c"invalid gateway",
            NEUTRINO_IPAM_INVALID_POOL => c"invalid allocation pool",
            NEUTRINO_IPAM_INVALID_DNS => c"invalid DNS nameservers",
            NEUTRINO_IPAM_INVALID_ROUTE => c"invalid host routes",
            NEUTRINO_IPAM_OVERLAP => c"subnet overlaps another subnet of the network",
            NEUTRINO_IPAM_INVALID_ADDRESS => c"invalid IP address for the subnet",
            NEUTRINO_IPAM_IN_USE => c"already allocated",
            NEUTRINO_IPAM_EXHAUSTED => c"no more available",
            NEUTRINO_IPAM_NOT_ALLOCATED => c"not allocated",
            NEUTRINO_IPAM_QUOTA_EXCEEDED => c"quota exceeded",
            NEUTRINO_IPAM_INVALID_RANGE => c"invalid range, prefix length, id or MAC",
            NEUTRINO_IPAM_TOO_LARGE => c"subnet too large for the bitmap allocator",
            NEUTRINO_IPAM_ERROR => c"IPAM error",
            NEUTRINO_DHCP_INVALID_CONFIG => c"invalid DHCP configuration",
            NEUTRINO_DHCP_TABLE_FULL => c"DHCP binding table full",
            NEUTRINO_DHCP_ERROR => c"DHCP error",
            NEUTRINO_FULL => c"table full",
            NEUTRINO_NOT_FOUND => c"not found",
            NEUTRINO_BAD_CAPACITY => c"bad capacity or key size",
            NEUTRINO_MEM_TOO_SMALL => c"memory too small",
            NEUTRINO_BAD_ADDRESS => c"bad address",
            NEUTRINO_ROUTE_HOST_BITS => c"prefix has host bits set",
            NEUTRINO_ROUTE_PREFIX_LEN => c"prefix length out of range",
            NEUTRINO_ROUTE_UNKNOWN_VRF => c"unknown VRF",
            NEUTRINO_ROUTE_EXISTS => c"already exists",
            NEUTRINO_ROUTE_NOT_FOUND => c"route not found",
            NEUTRINO_ROUTE_FULL => c"routing table full",
            NEUTRINO_ROUTE_IN_USE => c"in use by routes",
            NEUTRINO_ROUTE_BAD_GROUP => c"bad next-hop group",
            NEUTRINO_ROUTE_ERROR => c"routing error",
        }
    }

    /// `Ok(())` for [`NEUTRINO_OK`], `Err(self)` otherwise.
    pub fn result(self) -> Result<(), neutrino_status> {
        match self {
            NEUTRINO_OK => Ok(()),
            e => Err(e),
        }
    }
}

impl From<WireError> for neutrino_status {
    fn from(e: WireError) -> Self {
        match e {
            WireError::Truncated { .. } => NEUTRINO_TRUNCATED,
            WireError::BadHeaderLen { .. } => NEUTRINO_BAD_HEADER_LEN,
            WireError::BadLength { .. } => NEUTRINO_BAD_LENGTH,
            WireError::BadVersion { .. } => NEUTRINO_BAD_VERSION,
            WireError::BadChecksum { .. } => NEUTRINO_BAD_CHECKSUM,
            WireError::BadOption { .. } => NEUTRINO_BAD_OPTION,
            WireError::BadField { .. } => NEUTRINO_BAD_FIELD,
            WireError::TooDeep { .. } => NEUTRINO_TOO_DEEP,
            WireError::BufferTooSmall { .. } => NEUTRINO_BUFFER_TOO_SMALL,
            // `WireError` is non-exhaustive: a cause added to the core after this ABI.
            _ => NEUTRINO_MALFORMED,
        }
    }
}

impl From<BufError> for neutrino_status {
    fn from(e: BufError) -> Self {
        match e {
            BufError::NoHeadroom { .. } => NEUTRINO_NO_HEADROOM,
            BufError::NoTailroom { .. } => NEUTRINO_NO_TAILROOM,
            BufError::DataTooShort { .. } => NEUTRINO_DATA_TOO_SHORT,
            BufError::BadOffsets { .. } => NEUTRINO_BAD_OFFSETS,
            // `BufError` is non-exhaustive: a cause added to the core after this ABI.
            _ => NEUTRINO_BUF_ERROR,
        }
    }
}

impl From<ConfigError> for neutrino_status {
    fn from(_: ConfigError) -> Self {
        NEUTRINO_INVALID_CONFIG
    }
}

impl From<EncapError> for neutrino_status {
    fn from(e: EncapError) -> Self {
        match e {
            EncapError::Buf(b) => b.into(),
            EncapError::Wire(w) => w.into(),
            EncapError::TooBig { .. } => NEUTRINO_TOO_BIG,
            EncapError::WrongId { .. } | EncapError::MissingKey => NEUTRINO_WRONG_ID,
            EncapError::NotLocal => NEUTRINO_NOT_LOCAL,
            EncapError::WrongProtocol { .. } => NEUTRINO_WRONG_PROTOCOL,
            EncapError::WrongPort { .. } => NEUTRINO_WRONG_PORT,
            EncapError::Fragment => NEUTRINO_FRAGMENT,
            EncapError::ZeroChecksum => NEUTRINO_ZERO_CHECKSUM,
            EncapError::CriticalOption => NEUTRINO_CRITICAL_OPTION,
            EncapError::EcnDrop => NEUTRINO_ECN_DROP,
            EncapError::NoRemote => NEUTRINO_NO_REMOTE,
            // `EncapError` is non-exhaustive: a cause added to the core after this ABI.
            _ => NEUTRINO_ENCAP_ERROR,
        }
    }
}

impl From<IpamError> for neutrino_status {
    fn from(e: IpamError) -> Self {
        use IpamError as E;
        match e {
            E::CidrHostBits { .. }
            | E::CidrPrefixZero { .. }
            | E::CidrMulticast { .. }
            | E::CidrLoopback { .. }
            | E::CidrUnspecified { .. }
            | E::SlaacRequires64 { .. }
            | E::Ipv6ModeOnIpv4 { .. } => NEUTRINO_IPAM_INVALID_CIDR,
            E::GatewayFamily { .. }
            | E::GatewayOutsideSubnet { .. }
            | E::GatewayIsNetwork { .. }
            | E::GatewayIsBroadcast { .. }
            | E::GatewayInPool { .. } => NEUTRINO_IPAM_INVALID_GATEWAY,
            E::PoolFamily { .. }
            | E::PoolStartAfterEnd { .. }
            | E::PoolOutOfBounds { .. }
            | E::PoolsOverlap { .. }
            | E::TooManyPools { .. } => NEUTRINO_IPAM_INVALID_POOL,
            E::DnsExhausted { .. } | E::DnsFamily { .. } | E::DnsDuplicate { .. } => {
                NEUTRINO_IPAM_INVALID_DNS
            }
            E::RoutesExhausted { .. }
            | E::RouteFamily { .. }
            | E::RouteHostBits { .. }
            | E::RouteDuplicate { .. } => NEUTRINO_IPAM_INVALID_ROUTE,
            E::SubnetOverlap { .. } => NEUTRINO_IPAM_OVERLAP,
            E::AddressFamily { .. }
            | E::AddressNotInSubnet { .. }
            | E::AddressReserved { .. }
            | E::AddressNotInPool { .. } => NEUTRINO_IPAM_INVALID_ADDRESS,
            E::AddressInUse { .. }
            | E::PrefixInUse { .. }
            | E::SegmentInUse { .. }
            | E::MacInUse { .. } => NEUTRINO_IPAM_IN_USE,
            E::AddressesExhausted { .. }
            | E::PrefixSpaceExhausted { .. }
            | E::SegmentsExhausted { .. }
            | E::MacGenerationFailed { .. } => NEUTRINO_IPAM_EXHAUSTED,
            E::AddressNotAllocated { .. }
            | E::PrefixNotAllocated { .. }
            | E::SegmentNotAllocated { .. }
            | E::MacNotAllocated { .. } => NEUTRINO_IPAM_NOT_ALLOCATED,
            E::QuotaExceeded { .. } => NEUTRINO_IPAM_QUOTA_EXCEEDED,
            E::PrefixBounds { .. }
            | E::PoolPrefixInvalid { .. }
            | E::PrefixLenOutOfBounds { .. }
            | E::PrefixNotInPool { .. }
            | E::RangeSyntax { .. }
            | E::RangeInvalid { .. }
            | E::SegmentIdInvalid { .. }
            | E::UnknownPhysnet { .. }
            | E::BadBaseMac { .. }
            | E::BadMac { .. } => NEUTRINO_IPAM_INVALID_RANGE,
            E::SubnetTooLarge { .. } => NEUTRINO_IPAM_TOO_LARGE,
            E::MemoryTooSmall { .. } | E::OutputTooSmall { .. } => NEUTRINO_BUFFER_TOO_SMALL,
            E::WrongFamily { .. } => NEUTRINO_INVALID_ARGUMENT,
            // `IpamError` is non-exhaustive: a cause added to the core after this ABI.
            _ => NEUTRINO_IPAM_ERROR,
        }
    }
}

impl From<neutrino::table::TableError> for neutrino_status {
    fn from(e: neutrino::table::TableError) -> Self {
        use neutrino::table::TableError;
        match e {
            TableError::Full => NEUTRINO_FULL,
            TableError::BadCapacity { .. } => NEUTRINO_BAD_CAPACITY,
            TableError::MemTooSmall { .. } => NEUTRINO_MEM_TOO_SMALL,
            TableError::BadBurst { .. } => NEUTRINO_INVALID_ARGUMENT,
            _ => NEUTRINO_INVALID_ARGUMENT,
        }
    }
}

impl From<neutrino::l2::fdb::FdbError> for neutrino_status {
    fn from(e: neutrino::l2::fdb::FdbError) -> Self {
        use neutrino::l2::fdb::FdbError;
        match e {
            FdbError::Table(t) => t.into(),
            FdbError::MemTooSmall { .. } => NEUTRINO_MEM_TOO_SMALL,
            FdbError::MacTableFull | FdbError::SegmentTableFull | FdbError::FloodFull => {
                NEUTRINO_FULL
            }
            FdbError::NotUnicast => NEUTRINO_BAD_ADDRESS,
            _ => NEUTRINO_INVALID_ARGUMENT,
        }
    }
}

impl From<DhcpError> for neutrino_status {
    fn from(e: DhcpError) -> Self {
        match e {
            DhcpError::TableFull { .. } => NEUTRINO_DHCP_TABLE_FULL,
            DhcpError::BadMtu { .. }
            | DhcpError::BadLease
            | DhcpError::TooManyDns { .. }
            | DhcpError::TooManyRoutes { .. }
            | DhcpError::RouteHostBits { .. }
            | DhcpError::BadDomainName
            | DhcpError::OptionsTooLong { .. }
            | DhcpError::BadCapacity { .. }
            | DhcpError::UnknownSubnet { .. } => NEUTRINO_DHCP_INVALID_CONFIG,
            // `DhcpError` is non-exhaustive: a cause added to the core after this ABI.
            _ => NEUTRINO_DHCP_ERROR,
        }
    }
}

impl From<neutrino::l2::responder::ResponderError> for neutrino_status {
    fn from(e: neutrino::l2::responder::ResponderError) -> Self {
        use neutrino::l2::responder::ResponderError;
        match e {
            ResponderError::Table(t) => t.into(),
            ResponderError::Full => NEUTRINO_FULL,
            ResponderError::BadBinding => NEUTRINO_BAD_ADDRESS,
            _ => NEUTRINO_INVALID_ARGUMENT,
        }
    }
}

impl From<neutrino::l2::port_security::PortSecurityError> for neutrino_status {
    fn from(_: neutrino::l2::port_security::PortSecurityError) -> Self {
        NEUTRINO_BAD_ADDRESS
    }
}

/// The status collapsed from a `Result` whose error converts to a status.
impl<E: Into<neutrino_status>> From<Result<(), E>> for neutrino_status {
    fn from(r: Result<(), E>) -> Self {
        match r {
            Ok(()) => NEUTRINO_OK,
            Err(e) => e.into(),
        }
    }
}

/// A static, NUL-terminated description of `status` (`"unknown"` for a number that is not a
/// status). Never NULL; the string must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn neutrino_status_str(status: u32) -> *const c_char {
    guard_value(c"unknown".as_ptr(), || {
        neutrino_status::from_u32(status)
            .map_or(c"unknown", neutrino_status::as_cstr)
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use neutrino::Layer;

    #[test]
    fn numbers_are_unique_sorted_and_round_trip() {
        for w in ALL.windows(2) {
            assert!((w[0] as u32) < (w[1] as u32), "{:?} {:?}", w[0], w[1]);
        }
        for s in ALL {
            assert_eq!(neutrino_status::from_u32(s as u32), Some(s));
        }
        assert_eq!(neutrino_status::from_u32(4), None);
        assert_eq!(neutrino_status::from_u32(u32::MAX), None);
    }

    #[test]
    fn strings() {
        let s = |v: u32| {
            // SAFETY: neutrino_status_str returns a static NUL-terminated string.
            unsafe { CStr::from_ptr(neutrino_status_str(v)) }
                .to_str()
                .unwrap()
        };
        assert_eq!(s(0), "ok");
        assert_eq!(s(NEUTRINO_TRUNCATED as u32), "truncated");
        assert_eq!(s(NEUTRINO_BAD_OFFSETS as u32), "bad data offset or length");
        assert_eq!(s(4), "unknown");
        assert_eq!(s(u32::MAX), "unknown");
        let mut seen = std::collections::HashSet::new();
        for st in ALL {
            assert!(seen.insert(s(st as u32)), "duplicate string for {st:?}");
        }
    }

    #[test]
    fn wire_errors_map_to_distinct_statuses() {
        let l = Layer::Ipv4;
        let errs = [
            (
                WireError::Truncated {
                    layer: l,
                    need: 20,
                    have: 3,
                },
                NEUTRINO_TRUNCATED,
            ),
            (
                WireError::BadHeaderLen { layer: l, value: 4 },
                NEUTRINO_BAD_HEADER_LEN,
            ),
            (
                WireError::BadLength { layer: l, value: 1 },
                NEUTRINO_BAD_LENGTH,
            ),
            (
                WireError::BadVersion { layer: l, value: 5 },
                NEUTRINO_BAD_VERSION,
            ),
            (WireError::BadChecksum { layer: l }, NEUTRINO_BAD_CHECKSUM),
            (
                WireError::BadOption {
                    layer: l,
                    offset: 20,
                },
                NEUTRINO_BAD_OPTION,
            ),
            (
                WireError::BadField {
                    layer: l,
                    field: "x",
                },
                NEUTRINO_BAD_FIELD,
            ),
            (WireError::TooDeep { layer: l }, NEUTRINO_TOO_DEEP),
            (
                WireError::BufferTooSmall {
                    layer: l,
                    need: 2,
                    have: 1,
                },
                NEUTRINO_BUFFER_TOO_SMALL,
            ),
        ];
        for (e, s) in errs {
            assert_eq!(neutrino_status::from(e), s, "{e:?}");
        }
    }

    #[test]
    fn buf_errors_map() {
        let (need, have) = (4, 2);
        assert_eq!(
            neutrino_status::from(BufError::NoHeadroom { need, have }),
            NEUTRINO_NO_HEADROOM
        );
        assert_eq!(
            neutrino_status::from(BufError::NoTailroom { need, have }),
            NEUTRINO_NO_TAILROOM
        );
        assert_eq!(
            neutrino_status::from(BufError::DataTooShort { need, have }),
            NEUTRINO_DATA_TOO_SHORT
        );
        assert_eq!(
            neutrino_status::from(BufError::BadOffsets {
                head: 1,
                len: 2,
                capacity: 2
            }),
            NEUTRINO_BAD_OFFSETS
        );
        assert_eq!(neutrino_status::from(Ok::<(), BufError>(())), NEUTRINO_OK);
    }
}
