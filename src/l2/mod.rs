//! L2: what a Neutron L2 agent's bridge does to frames between VM ports and tunnel endpoints.
//!
//! - [`fdb`]: the forwarding database — MAC learning with caller time, bounded incremental
//!   aging, static entries from L2 population, MAC-move detection with dampening, per-segment
//!   limits and flood lists.
//! - [`responder`]: the ARP / Neighbor Discovery responder of L2 population, answering
//!   requests for known addresses in place so they never flood.
//! - [`port_security`]: Neutron's anti-spoofing checks for frames sent by a VM port.
//!
//! Every table here lives in caller memory (`mem_size` + `new_in`, or `with_*` under `alloc`),
//! built on [`crate::table`], and counts what it does in plain `u64` counters.

pub mod fdb;
pub mod port_security;
pub mod responder;

use core::net::IpAddr;

/// A network segment: the VLAN id, VXLAN VNI or GRE key a Neutron network is mapped to (or any
/// local id the caller chooses).
pub type SegmentId = u32;
/// A local port (VM interface, patch port, uplink), numbered by the caller.
pub type PortId = u32;

/// Where a frame for a MAC goes: a local port or a remote tunnel endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dest {
    /// A local port.
    Port(PortId),
    /// A remote VTEP (the outer destination address of the tunnel).
    Vtep(IpAddr),
}
