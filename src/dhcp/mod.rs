//! The DHCPv4 responder the datapath runs for Neutron ports (the DHCP agent's dnsmasq, OVN's
//! native DHCP): from a binding table ((segment, MAC) → fixed IP + subnet options) it answers
//! DISCOVER, REQUEST, INFORM, RELEASE and DECLINE and writes the reply frame
//! (Ethernet/IPv4/UDP/DHCP, checksums filled) in place or into a caller buffer, without
//! allocating. Parsing is [`crate::wire::dhcpv4::DhcpPacket`]'s.
//!
//! # Replies (RFC 2131 §4.3, Table 3)
//!
//! | request | reply |
//! |---|---|
//! | DISCOVER | OFFER, `yiaddr` = the binding's IP (a requested IP is ignored: the port's IP is fixed) |
//! | REQUEST | ACK or NAK, see the policy table |
//! | INFORM | ACK without 51/58/59, `yiaddr` 0, sent to `ciaddr` |
//! | RELEASE, DECLINE | none (accepted and counted; bindings are the ports' fixed IPs and stay) |
//! | unknown MAC | none (`UnknownClient` drop) |
//!
//! REQUEST policy ([`NakPolicy`]):
//!
//! | client state (RFC 2131 §4.3.2) | `Strict` (RFC 2131) | `Ovn` (OVN pinctrl) |
//! |---|---|---|
//! | SELECTING, server id ≠ ours | silent (`OtherServer` drop): the client chose another server | ACK/NAK on the address, server id ignored |
//! | SELECTING, server id ours | ACK if option 50 = binding, else NAK | same |
//! | INIT-REBOOT (50, no server id) | ACK if 50 = binding, else NAK | same |
//! | RENEWING/REBINDING (`ciaddr`, no 50) | ACK if `ciaddr` = binding, else NAK | same |
//! | neither 50 nor `ciaddr` | NAK | NAK |
//!
//! Destination (RFC 2131 §4.1): `giaddr` ≠ 0 → to the relay (IP `giaddr`, UDP 67, Ethernet the
//! frame's source), NAKs with the broadcast bit set; else a NAK → broadcast; else `ciaddr` ≠ 0
//! → unicast to `ciaddr`; else broadcast bit → 255.255.255.255 / ff:ff:ff:ff:ff:ff; else unicast
//! to `yiaddr` at `chaddr` (Neutron's research note: "unicast to the client MAC, broadcast when
//! the client sets the broadcast flag and has no address").
//!
//! Options: 53, 54, 51, 58, 59, 1, 3, 6, 15, 26, 121, 119 from the subnet's pre-encoded block
//! ([`DhcpSubnet`]), every configured option in every reply (as OVN does; the parameter request
//! list is not consulted), the client identifier (61) echoed (RFC 6842), 56 in NAKs; the
//! message is padded to the 300-byte BOOTP minimum (RFC 1542 §2.1).
//!
//! Malformed or foreign input gets no reply, a [`DropReason`] counter, and leaves the bindings
//! untouched.

mod bindings;
mod config;
mod responder;

pub use bindings::{Binding, BindingSlot, BindingTable};
pub use config::{
    ipv4_routes, DhcpSubnet, DhcpSubnetConfig, DEFAULT_LEASE_SECS, METADATA_IP, OPT_BLOCK_MAX,
};
pub use responder::{Counters, DropReason, NakPolicy, Responder, Verdict, MAX_REPLY_LEN};

use ipnet::Ipv4Net;

/// Why a responder configuration was refused. The responder is unchanged on error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DhcpError {
    /// MTU below 68 (RFC 2132 §5.1).
    #[error("interface MTU {mtu} is below 68")]
    BadMtu {
        /// The MTU.
        mtu: u16,
    },
    /// A zero lease.
    #[error("lease time must be positive")]
    BadLease,
    /// Too many DNS servers for option 6.
    #[error("{count} DNS servers exceed the limit of {max}")]
    TooManyDns {
        /// Given.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// Too many host routes.
    #[error("{count} host routes exceed the limit of {max}")]
    TooManyRoutes {
        /// Given.
        count: usize,
        /// Limit.
        max: usize,
    },
    /// A host route destination with host bits set.
    #[error("host route destination {destination} has host bits set")]
    RouteHostBits {
        /// The destination.
        destination: Ipv4Net,
    },
    /// A domain name (15) or search domain (119) that is empty, non-ASCII or has a bad label.
    #[error("invalid domain name")]
    BadDomainName,
    /// The encoded options exceed what fits.
    #[error("encoded options take {len} bytes, more than {max}")]
    OptionsTooLong {
        /// Bytes needed.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// A binding table whose slot count is not a power of two ≥ 2.
    #[error("binding table capacity {capacity} is not a power of two >= 2")]
    BadCapacity {
        /// Slots given.
        capacity: usize,
    },
    /// The binding table is full (7/8 load).
    #[error("binding table full ({capacity} bindings)")]
    TableFull {
        /// Bindings it holds.
        capacity: usize,
    },
    /// A subnet index beyond the responder's subnet slots, or with no subnet configured.
    #[error("no subnet with index {index}")]
    UnknownSubnet {
        /// The index.
        index: u16,
    },
}

#[cfg(test)]
mod tests;
