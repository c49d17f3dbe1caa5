//! Overlays: VLAN, VXLAN, GENEVE and GRE encapsulation and decapsulation in place, the way a
//! datapath does them — growing into the [`PacketBuf`](crate::PacketBuf) headroom, never
//! copying the inner frame — plus Neutron's segment types and MTU rules.
//!
//! This room owns:
//! - [`EncapCtx`] ([`context`]): a tunnel configuration ([`EncapConfig`]: outer MACs and
//!   addresses, VNI/key, TTL/TOS/DF policies, UDP checksum policy) validated once into a
//!   template; per packet, the outer headers are copied into the headroom and their lengths,
//!   checksums, UDP source port (a seeded hash of the inner flow, [`hash`]) and IPv6 flow label
//!   patched. Single packets and bursts.
//! - [`DecapCtx`] ([`decap`]): validation of a received tunnel packet (lengths, checksums,
//!   port, flags, version, expected id, local address, ECN) and the strip in place, returning
//!   the id, the outer source (for FDB learning) and the inner frame's offset.
//! - the per-protocol rules: [`vlan`] (802.1Q / 802.1ad push and pop), [`vxlan`] (RFC 7348),
//!   [`geneve`] (RFC 8926, TLV options), [`gre`] (RFC 2784/2890, TEB, key = segmentation id).
//! - [`Segment`] ([`segment`]): one value per Neutron network (flat, vlan, vxlan, gre, geneve
//!   with its physical network or local endpoint) dispatching encap and decap.
//! - [`mtu`]: overheads, Neutron's network MTU derivation, the path-MTU check, and the ICMP
//!   "fragmentation needed" / ICMPv6 "packet too big" generators ([`icmp`]).
//!
//! Errors: [`ConfigError`] once at configuration (Neutron's wording), [`EncapError`] per packet
//! with a [`DropReason`] counted in each context's [`Stats`]. On every per-packet error the
//! buffer — bytes and offsets — is exactly as it was.

pub mod context;
pub mod decap;
pub mod error;
pub mod geneve;
pub mod gre;
pub mod hash;
pub mod icmp;
pub mod mtu;
pub mod segment;
pub mod vlan;
pub mod vxlan;

pub use context::{
    Df, EncapConfig, EncapCtx, Remote, Tos, Ttl, TunnelHeader, TunnelType, UdpChecksum, Underlay,
};
pub use decap::{DecapConfig, DecapCtx, Decapped};
pub use error::{ConfigError, DropReason, EncapError, Stats};
pub use geneve::GeneveOptions;
pub use gre::GreOptions;
pub use mtu::MtuConfig;
pub use segment::{NetworkType, Received, Segment};
pub use vlan::{Tpid, VlanTagSpec};
#[cfg(test)]
mod tests;
