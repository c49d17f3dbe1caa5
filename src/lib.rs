//! neutrino: the packet-processing core of a Neutron-style virtual network.
//!
//! Every per-packet API is zero-copy over bytes the caller owns, never allocates and never panics
//! on input. See `DESIGN.md` for the architecture and the C ABI conventions.
//!
//! Rooms (modules):
//! - [`wire`]: protocol views, emitters, checksums and the one-pass [`wire::classify`].
//! - [`buf`]: [`buf::PacketBuf`], a headroom-aware view with mbuf-compatible offsets.
//! - [`encap`]: VLAN/VXLAN/GENEVE/GRE encap and decap in place, Neutron segments and MTU.
//! - [`ipam`]: Neutron subnet rules, address/subnet-pool/segment/MAC allocation.
//! - [`dhcp`]: the DHCPv4 responder.
//! - [`l2`]: the FDB (MAC learning, aging, flood lists), the ARP/ND responder and port security.
//! - [`table`]: the fixed-capacity keyed-hash table over caller memory (FDB, conntrack, NAT).
//! - [`route`]: per-VRF IPv4/IPv6 longest-prefix match, next-hop groups (ECMP, weights).
#![no_std]
#![deny(missing_debug_implementations)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod buf;
pub mod dhcp;
pub mod encap;
pub mod error;
pub mod ipam;
pub mod l2;
pub mod route;
pub mod table;
pub mod wire;

pub use buf::PacketBuf;
pub use error::{BufError, Layer, WireError};
