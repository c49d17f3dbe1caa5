//! The encap context: a tunnel configuration validated once into a template of the outer
//! headers, then per packet a copy of the template into the [`PacketBuf`] headroom and a few
//! patched fields.
//!
//! Per packet, [`EncapCtx::encap`]:
//! 1. walks the inner frame once ([`hash::inner_flow`]) for the flow hash and the inner
//!    TOS/TTL/DF the "inherit" policies need;
//! 2. checks the lengths (IPv4 total length ≤ 65535, the configured path MTU) and the headroom —
//!    any failure returns an error with the buffer untouched;
//! 3. prepends the outer headers and patches: IP length, TOS (DSCP by policy, ECN by RFC 6040
//!    §4.1 normal mode), TTL, DF, IPv4 identification and header checksum, or the IPv6 payload
//!    length and flow label (from the flow hash, RFC 6438 §3); the UDP source port (from the
//!    flow hash, RFC 7348 §5 / RFC 8926 §3.3), length and checksum (by policy); the GRE
//!    sequence number and checksum when configured.
//!
//! IPv4 identification: 0 when DF is set (an atomic datagram's ID may be any value, RFC 6864
//! §4.1), else a per-context counter.

use core::net::IpAddr;

use crate::buf::PacketBuf;
use crate::wire::checksum;
use crate::wire::ethernet::EthernetRepr;
use crate::wire::ipv4::{Ipv4Repr, FLAG_DF};
use crate::wire::ipv6::{Ipv6Header, Ipv6Repr};
use crate::wire::udp::{UdpHeader, UdpRepr};
use crate::wire::{ethertype, ip_proto, Header, Layer, MacAddr, WireError};

use super::error::{ConfigError, EncapError, Stats};
use super::geneve::{self, GeneveOptions};
use super::gre::{self, GreOptions};
use super::hash::{self, InnerFlow};
use super::vxlan;

/// Ethernet header length.
const ETH_LEN: usize = 14;
/// The largest outer header: Ethernet 14 + IPv6 40 + UDP 8 + GENEVE 8 + 252 bytes of options.
pub const MAX_OVERHEAD: usize = ETH_LEN + 40 + 8 + 8 + 252;
/// TTL used when the policy is fixed by default, and when "inherit" finds no IP header
/// (Linux's and OVS's default for tunnels).
pub const DEFAULT_TTL: u8 = 64;

/// The tunnel protocols (numbered as [`crate::wire::TunnelKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TunnelType {
    /// VXLAN (RFC 7348), UDP 4789.
    Vxlan = 1,
    /// GENEVE (RFC 8926), UDP 6081.
    Geneve = 2,
    /// GRE with TEB and key (RFC 2784/2890).
    Gre = 3,
}

impl TunnelType {
    /// Neutron's `network_type` name.
    pub const fn name(self) -> &'static str {
        match self {
            TunnelType::Vxlan => "vxlan",
            TunnelType::Geneve => "geneve",
            TunnelType::Gre => "gre",
        }
    }

    /// The IANA UDP port, `None` for GRE.
    pub const fn default_port(self) -> Option<u16> {
        match self {
            TunnelType::Vxlan => Some(vxlan::UDP_PORT),
            TunnelType::Geneve => Some(geneve::UDP_PORT),
            TunnelType::Gre => None,
        }
    }

    /// Largest id: 2^24 − 1 for VNIs, 2^32 − 1 for GRE keys (`neutron_lib.constants`).
    pub const fn max_id(self) -> u32 {
        match self {
            TunnelType::Vxlan | TunnelType::Geneve => vxlan::VNI_MAX,
            TunnelType::Gre => u32::MAX,
        }
    }

    /// Neutron's range check (`is_valid_vxlan_vni` and friends): 1..=max.
    pub fn check_id(self, id: u32) -> Result<(), ConfigError> {
        if id == 0 || id > self.max_id() {
            return Err(ConfigError::BadTunnelId {
                id: u64::from(id),
                kind: self.name(),
            });
        }
        Ok(())
    }
}

/// The tunnel header and its id. (GENEVE options are held inline, without allocation: this is
/// a configuration value, built once.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TunnelHeader {
    /// VXLAN with this VNI.
    Vxlan {
        /// VXLAN Network Identifier (1..=2^24 − 1).
        vni: u32,
    },
    /// GENEVE with this VNI and these options in every packet.
    Geneve {
        /// Virtual Network Identifier (1..=2^24 − 1).
        vni: u32,
        /// Options carried in every packet.
        options: GeneveOptions,
    },
    /// GRE, protocol type 0x6558, key = segmentation id.
    Gre {
        /// The key (1..=2^32 − 1).
        key: u32,
        /// Checksum and sequence number.
        options: GreOptions,
    },
}

impl TunnelHeader {
    /// The protocol.
    pub const fn tunnel_type(&self) -> TunnelType {
        match self {
            TunnelHeader::Vxlan { .. } => TunnelType::Vxlan,
            TunnelHeader::Geneve { .. } => TunnelType::Geneve,
            TunnelHeader::Gre { .. } => TunnelType::Gre,
        }
    }

    /// The VNI or key.
    pub const fn id(&self) -> u32 {
        match *self {
            TunnelHeader::Vxlan { vni } | TunnelHeader::Geneve { vni, .. } => vni,
            TunnelHeader::Gre { key, .. } => key,
        }
    }

    /// Bytes after the outer IP header: UDP + VXLAN 16, UDP + GENEVE 16 + options, GRE 8..=16.
    pub fn header_len(&self) -> usize {
        match self {
            TunnelHeader::Vxlan { .. } => 16,
            TunnelHeader::Geneve { options, .. } => 16 + options.len(),
            TunnelHeader::Gre { options, .. } => options.header_len(),
        }
    }

    /// Everything encap prepends (Ethernet + IP + the above) for an IPv4 or IPv6 underlay.
    pub fn overhead(&self, ipv6: bool) -> usize {
        ETH_LEN + if ipv6 { 40 } else { 20 } + self.header_len()
    }
}

/// Outer TTL / hop limit policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// This value (1..=255).
    Fixed(u8),
    /// The inner IPv4 TTL or IPv6 hop limit; [`DEFAULT_TTL`] for non-IP frames.
    Inherit,
}

/// Outer TOS / traffic class policy. In both cases the ECN bits follow RFC 6040 §4.1 normal
/// mode: copied from an inner IP header, except CE which becomes ECT(0); Not-ECT for non-IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tos {
    /// The DSCP of this byte (its two ECN bits are replaced as above).
    Fixed(u8),
    /// The inner DSCP (0 for non-IP frames).
    Inherit,
}

/// Outer IPv4 Don't Fragment policy (IPv6 outer headers are never fragmented en route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Df {
    /// Always set DF (OVS's default; keeps path-MTU discovery working).
    Set,
    /// Never set DF.
    Unset,
    /// Copy the inner IPv4 DF; set for IPv6 inner, clear for non-IP.
    Inherit,
}

/// Outer UDP checksum policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UdpChecksum {
    /// Zero: no checksum (RFC 768 for IPv4; over IPv6 only with the RFC 6935/6936 opt-in).
    Zero,
    /// Compute it over the pseudo-header and the whole datagram (a pass over the inner frame).
    Full,
    /// Write the pseudo-header sum only, for a NIC's checksum offload (what DPDK's
    /// `RTE_MBUF_F_TX_UDP_CKSUM` expects: `rte_ipv4_phdr_cksum`/`rte_ipv6_phdr_cksum`).
    Offload,
}

/// The local side of the underlay, shared by every tunnel of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Underlay {
    /// The local tunnel endpoint (`local_ip` of the OVS agent): the outer source address.
    pub local_ip: IpAddr,
    /// The outer source MAC.
    pub local_mac: MacAddr,
    /// TTL policy (default fixed 64).
    pub ttl: Ttl,
    /// TOS policy (default fixed 0, ECN per RFC 6040).
    pub tos: Tos,
    /// DF policy (default set; must stay `Set` for an IPv6 underlay).
    pub df: Df,
    /// UDP checksum; `None` means the default: zero over IPv4, full over IPv6.
    pub udp_checksum: Option<UdpChecksum>,
    /// Allow [`UdpChecksum::Zero`] over IPv6, sending and receiving (RFC 6935 §5 / RFC 6936 §5
    /// require both endpoints to be configured for it; Linux's `udp6zerocsumtx/rx`).
    pub allow_zero_udp6_checksum: bool,
    /// UDP destination port; 0 means the tunnel type's IANA port.
    pub udp_port: u16,
    /// Lowest UDP source port (default 49152).
    pub src_port_min: u16,
    /// Highest UDP source port (default 65535).
    pub src_port_max: u16,
    /// Seed of the flow hash ([`hash`]); give each host its own.
    pub hash_seed: u64,
    /// Largest outer IP packet to send; 0 disables the check. Larger packets are refused with
    /// [`EncapError::TooBig`] (see [`super::mtu`] for the ICMP the caller may send back).
    pub path_mtu: u16,
}

impl Underlay {
    /// The defaults above for this local endpoint.
    pub const fn new(local_ip: IpAddr, local_mac: MacAddr) -> Self {
        Underlay {
            local_ip,
            local_mac,
            ttl: Ttl::Fixed(DEFAULT_TTL),
            tos: Tos::Fixed(0),
            df: Df::Set,
            udp_checksum: None,
            allow_zero_udp6_checksum: false,
            udp_port: 0,
            src_port_min: hash::PORT_MIN,
            src_port_max: hash::PORT_MAX,
            hash_seed: 0,
            path_mtu: 0,
        }
    }

    /// The UDP checksum policy in effect.
    pub fn udp_checksum_policy(&self) -> UdpChecksum {
        self.udp_checksum.unwrap_or(if self.local_ip.is_ipv6() {
            UdpChecksum::Full
        } else {
            UdpChecksum::Zero
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let ok = match self.local_ip {
            IpAddr::V4(a) => !a.is_unspecified() && !a.is_multicast() && !a.is_broadcast(),
            IpAddr::V6(a) => !a.is_unspecified() && !a.is_multicast(),
        };
        if !ok {
            return Err(ConfigError::BadLocalIp(self.local_ip));
        }
        if !self.local_mac.is_unicast() {
            return Err(ConfigError::BadMac { which: "local" });
        }
        if self.ttl == Ttl::Fixed(0) {
            return Err(ConfigError::ZeroTtl);
        }
        if self.local_ip.is_ipv6() {
            if self.df != Df::Set {
                return Err(ConfigError::DfOnIpv6);
            }
            if self.udp_checksum_policy() == UdpChecksum::Zero && !self.allow_zero_udp6_checksum {
                return Err(ConfigError::ZeroChecksumV6);
            }
        }
        if self.src_port_min > self.src_port_max || self.src_port_min == 0 {
            return Err(ConfigError::BadPort);
        }
        Ok(())
    }
}

/// The far end of a tunnel: its address and the next-hop MAC to reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    /// Remote tunnel endpoint.
    pub ip: IpAddr,
    /// Destination MAC of the outer frame (the remote's or the underlay gateway's).
    pub mac: MacAddr,
}

impl Remote {
    fn validate(&self, local: IpAddr) -> Result<(), ConfigError> {
        if self.ip.is_ipv6() != local.is_ipv6() {
            return Err(ConfigError::FamilyMismatch {
                local,
                remote: self.ip,
            });
        }
        let ok = match self.ip {
            IpAddr::V4(a) => !a.is_unspecified() && !a.is_broadcast(),
            IpAddr::V6(a) => !a.is_unspecified(),
        };
        if !ok {
            return Err(ConfigError::BadRemoteIp(self.ip));
        }
        if self.mac == MacAddr::ZERO {
            return Err(ConfigError::BadMac { which: "remote" });
        }
        Ok(())
    }
}

/// Everything an [`EncapCtx`] is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncapConfig {
    /// Tunnel header and id.
    pub header: TunnelHeader,
    /// Local side and policies.
    pub underlay: Underlay,
    /// Default remote for [`EncapCtx::encap`]; `None` for a multipoint context used with
    /// [`EncapCtx::encap_to`] only.
    pub remote: Option<Remote>,
}

/// A validated tunnel: the outer-header template and the per-packet policies.
#[derive(Debug, Clone)]
pub struct EncapCtx {
    tmpl: [u8; MAX_OVERHEAD],
    overhead: usize,
    /// Offset of the UDP or GRE header.
    l4_off: usize,
    ipv6: bool,
    udp: bool,
    tunnel: TunnelType,
    id: u32,
    has_remote: bool,
    ttl: Ttl,
    tos: Tos,
    df: Df,
    udp_csum: UdpChecksum,
    port_min: u16,
    port_max: u16,
    seed: u64,
    path_mtu: usize,
    gre_csum: bool,
    gre_seq_off: Option<usize>,
    /// IPv4 underlay: source address, the sum of its two 16-bit words, the configured
    /// destination, the protocol.
    ip_src: u32,
    ip_src_sum: u32,
    ip_dst: u32,
    ip_proto: u8,
    /// UDP destination port.
    udp_port: u16,
    ident: u16,
    seq: u32,
    stats: Stats,
}

#[inline(always)]
fn tail(b: &mut [u8], off: usize) -> &mut [u8] {
    b.get_mut(off..).unwrap_or_default()
}

impl EncapCtx {
    /// Validates `cfg` and builds the template. Neutron's id ranges apply (VNI 1..=2^24 − 1,
    /// GRE key 1..=2^32 − 1).
    pub fn new(cfg: &EncapConfig) -> Result<Self, ConfigError> {
        let u = &cfg.underlay;
        u.validate()?;
        let tunnel = cfg.header.tunnel_type();
        tunnel.check_id(cfg.header.id())?;
        if let Some(r) = &cfg.remote {
            r.validate(u.local_ip)?;
        }
        let ipv6 = u.local_ip.is_ipv6();
        let udp = tunnel != TunnelType::Gre;
        let port = match (u.udp_port, tunnel.default_port()) {
            (0, Some(p)) => p,
            (p, _) => p,
        };
        let overhead = cfg.header.overhead(ipv6);
        let l4_off = ETH_LEN + if ipv6 { 40 } else { 20 };
        let mut tmpl = [0u8; MAX_OVERHEAD];
        let t = &mut tmpl[..overhead];
        let remote = cfg.remote.unwrap_or(Remote {
            ip: u.local_ip,
            mac: MacAddr::ZERO,
        });
        EthernetRepr {
            dst: remote.mac,
            src: u.local_mac,
            ethertype: if ipv6 {
                ethertype::IPV6
            } else {
                ethertype::IPV4
            },
        }
        .emit(t)
        .map_err(ConfigError::Header)?;
        let proto = if udp { ip_proto::UDP } else { ip_proto::GRE };
        let after_ip = overhead - l4_off;
        let ip_res = match (u.local_ip, remote.ip) {
            (IpAddr::V4(s), IpAddr::V4(d)) => Ipv4Repr {
                src: s.octets(),
                dst: d.octets(),
                protocol: proto,
                payload_len: after_ip as u16,
                ttl: DEFAULT_TTL,
                tos: 0,
                ident: 0,
                dont_frag: false,
            }
            .emit(tail(t, ETH_LEN)),
            (IpAddr::V6(s), IpAddr::V6(d)) => Ipv6Repr {
                src: s.octets(),
                dst: d.octets(),
                next_header: proto,
                payload_len: after_ip as u16,
                hop_limit: DEFAULT_TTL,
                traffic_class: 0,
                flow_label: 0,
            }
            .emit(tail(t, ETH_LEN)),
            _ => {
                return Err(ConfigError::FamilyMismatch {
                    local: u.local_ip,
                    remote: remote.ip,
                })
            }
        };
        ip_res.map_err(ConfigError::Header)?;
        let l4 = tail(t, l4_off);
        let res = match &cfg.header {
            TunnelHeader::Vxlan { vni } => UdpRepr {
                src_port: u.src_port_min,
                dst_port: port,
                payload_len: 8,
            }
            .emit(l4)
            .and_then(|_| vxlan::write_header(*vni, tail(l4, 8))),
            TunnelHeader::Geneve { vni, options } => UdpRepr {
                src_port: u.src_port_min,
                dst_port: port,
                payload_len: 8,
            }
            .emit(l4)
            .and_then(|_| geneve::write_header(*vni, options, tail(l4, 8))),
            TunnelHeader::Gre { key, options } => gre::write_header(*key, *options, l4),
        };
        res.map_err(ConfigError::Header)?;
        if udp && port == 0 {
            return Err(ConfigError::BadPort);
        }
        let (gre_csum, gre_seq_off) = match &cfg.header {
            TunnelHeader::Gre { options, .. } => {
                (options.checksum, options.seq_offset().map(|o| l4_off + o))
            }
            _ => (false, None),
        };
        let (ip_src, ip_dst) = match (u.local_ip, remote.ip) {
            (IpAddr::V4(s), IpAddr::V4(d)) => (u32::from(s), u32::from(d)),
            _ => (0, 0),
        };
        Ok(EncapCtx {
            ip_src,
            ip_src_sum: (ip_src >> 16) + (ip_src & 0xffff),
            ip_dst,
            ip_proto: proto,
            udp_port: port,
            tmpl,
            overhead,
            l4_off,
            ipv6,
            udp,
            tunnel,
            id: cfg.header.id(),
            has_remote: cfg.remote.is_some(),
            ttl: u.ttl,
            tos: u.tos,
            df: u.df,
            udp_csum: u.udp_checksum_policy(),
            port_min: u.src_port_min,
            port_max: u.src_port_max,
            seed: u.hash_seed,
            path_mtu: usize::from(u.path_mtu),
            gre_csum,
            gre_seq_off,
            ident: 0,
            seq: 0,
            stats: Stats::default(),
        })
    }

    /// Bytes every packet grows by.
    #[inline]
    pub fn overhead(&self) -> usize {
        self.overhead
    }

    /// The protocol.
    pub fn tunnel_type(&self) -> TunnelType {
        self.tunnel
    }

    /// The VNI or key.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// True for an IPv6 underlay.
    pub fn is_ipv6(&self) -> bool {
        self.ipv6
    }

    /// The outer headers as they are before the per-packet fields are patched.
    pub fn template(&self) -> &[u8] {
        &self.tmpl[..self.overhead]
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Sets the next IPv4 identification (used when DF is not set) and GRE sequence number.
    pub fn set_counters(&mut self, ident: u16, seq: u32) {
        self.ident = ident;
        self.seq = seq;
    }

    /// The UDP source port this context gives the inner `frame` (without encapsulating).
    pub fn src_port_for(&self, frame: &[u8]) -> u16 {
        hash::port_from_hash(
            hash::inner_flow(frame, self.seed).hash,
            self.port_min,
            self.port_max,
        )
    }

    /// Encapsulates the Ethernet frame in `buf` toward the configured remote. On error the
    /// buffer (bytes and offsets) is unchanged and the drop is counted.
    #[inline]
    pub fn encap(&mut self, buf: &mut PacketBuf<'_>) -> Result<(), EncapError> {
        let r = if self.has_remote {
            self.encap_impl(buf, None)
        } else {
            Err(EncapError::NoRemote)
        };
        self.stats.count(&r, buf.len());
        r
    }

    /// Encapsulates toward `remote` (a multipoint tunnel: the remote comes from an FDB lookup).
    /// `remote` must be of the underlay's family ([`EncapError::NoRemote`] otherwise).
    #[inline]
    pub fn encap_to(&mut self, buf: &mut PacketBuf<'_>, remote: &Remote) -> Result<(), EncapError> {
        let r = if remote.ip.is_ipv6() == self.ipv6 {
            self.encap_impl(buf, Some(remote))
        } else {
            Err(EncapError::NoRemote)
        };
        self.stats.count(&r, buf.len());
        r
    }

    /// [`EncapCtx::encap`] over a burst: `results[i]` gets the result for `bufs[i]` (up to the
    /// shorter of the two). Returns how many succeeded.
    pub fn encap_burst(
        &mut self,
        bufs: &mut [PacketBuf<'_>],
        results: &mut [Result<(), EncapError>],
    ) -> usize {
        let mut ok = 0;
        for (b, r) in bufs.iter_mut().zip(results.iter_mut()) {
            *r = self.encap(b);
            ok += usize::from(r.is_ok());
        }
        ok
    }

    /// DSCP by policy; ECN by RFC 6040 §4.1 normal mode: copied, CE becomes ECT(0). (Non-IP
    /// frames have `f.tos == 0`.)
    #[inline(always)]
    fn outer_tos(&self, f: &InnerFlow) -> u8 {
        let (mask, fixed) = match self.tos {
            Tos::Fixed(t) => (0, t & !3),
            Tos::Inherit => (!3, 0),
        };
        let ecn = f.tos & 3;
        (f.tos & mask) | fixed | (ecn ^ u8::from(ecn == 3))
    }

    #[inline(always)]
    fn outer_ttl(&self, f: &InnerFlow) -> u8 {
        match self.ttl {
            Ttl::Fixed(t) => t,
            Ttl::Inherit if f.ip_version != 0 => f.ttl,
            Ttl::Inherit => DEFAULT_TTL,
        }
    }

    #[inline(always)]
    fn encap_impl(
        &mut self,
        buf: &mut PacketBuf<'_>,
        remote: Option<&Remote>,
    ) -> Result<(), EncapError> {
        let inner_len = buf.len();
        WireError::check_len(Layer::Ethernet, ETH_LEN, inner_len)?;
        let flow = hash::inner_flow(buf.data(), self.seed);
        let oh = self.overhead;
        // Length of everything after the outer Ethernet header.
        let ip_len = inner_len + oh - ETH_LEN;
        let ip_max = if self.ipv6 { 40 + 65535 } else { 65535 };
        if ip_len > ip_max {
            return Err(EncapError::TooBig {
                len: ip_len,
                mtu: ip_max,
            });
        }
        if self.path_mtu != 0 && ip_len > self.path_mtu {
            return Err(EncapError::TooBig {
                len: ip_len,
                mtu: self.path_mtu,
            });
        }
        // Last check (headroom, mbuf length): after it, nothing fails.
        buf.prepend(oh)?;
        let pkt = buf.data_mut();
        let Some((hdr, inner)) = pkt.split_at_mut_checked(oh) else {
            return Err(BAD_STATE);
        };
        copy_template(hdr, &self.tmpl);
        if let Some(r) = remote {
            hdr[..6].copy_from_slice(&r.mac.0);
        }

        let tos = self.outer_tos(&flow);
        let ttl = self.outer_ttl(&flow);
        let l4_len = ip_len - (self.l4_off - ETH_LEN);
        let (ip, l4) = hdr.split_at_mut(self.l4_off);
        let ip = tail(ip, ETH_LEN);
        // The UDP pseudo-header, when a policy needs it.
        let pseudo;
        if self.ipv6 {
            let (h, _) = Ipv6Header::split_from_mut(ip)?;
            if let Some(IpAddr::V6(d)) = remote.map(|r| r.ip) {
                h.dst = d.octets();
            }
            // Version, traffic class, flow label; payload length; next header; hop limit.
            let w = u64::from(0x6000_0000 | u32::from(tos) << 20 | (flow.hash & 0x000f_ffff)) << 32
                | ((ip_len - 40) as u64) << 16
                | u64::from(h.next_header) << 8
                | u64::from(ttl);
            if let Some(b) = ip.get_mut(..8) {
                b.copy_from_slice(&w.to_be_bytes());
            }
            pseudo = match self.udp_csum {
                UdpChecksum::Zero => None,
                _ => {
                    let (h, _) = Ipv6Header::split_from(ip)?;
                    Some(checksum::pseudo_header_v6(
                        &h.src,
                        &h.dst,
                        ip_proto::UDP,
                        l4_len as u32,
                    ))
                }
            };
        } else {
            let (flags, ident) = match self.df {
                Df::Set => (FLAG_DF, 0),
                Df::Inherit if flow.df => (FLAG_DF, 0),
                _ => {
                    let id = self.ident;
                    self.ident = id.wrapping_add(1);
                    (0, id)
                }
            };
            let Some(iph) = ip.first_chunk_mut::<20>() else {
                return Err(BAD_STATE);
            };
            let dst = match remote.map(|r| r.ip) {
                Some(IpAddr::V4(d)) => {
                    iph[16..20].copy_from_slice(&d.octets());
                    u32::from(d)
                }
                _ => self.ip_dst,
            };
            // The header checksum from the values in registers, not reread from memory (the
            // source address words were summed once).
            let proto = u32::from(self.ip_proto);
            // At most 10 words of 16 bits: two folds suffice.
            let sum = self.ip_src_sum
                + (dst >> 16)
                + (dst & 0xffff)
                + (0x4500 | u32::from(tos))
                + ip_len as u32
                + u32::from(ident)
                + u32::from(flags)
                + (u32::from(ttl) << 8 | proto);
            let sum = (sum & 0xffff) + (sum >> 16);
            let csum = !(((sum & 0xffff) + (sum >> 16)) as u16);
            let w0 = 0x4500_0000_0000_0000u64
                | u64::from(tos) << 48
                | (ip_len as u64) << 32
                | u64::from(ident) << 16
                | u64::from(flags);
            let w1 = u32::from(ttl) << 24 | proto << 16 | u32::from(csum);
            iph[..8].copy_from_slice(&w0.to_be_bytes());
            iph[8..12].copy_from_slice(&w1.to_be_bytes());
            pseudo = match self.udp_csum {
                UdpChecksum::Zero => None,
                _ => {
                    let mut c = checksum::Checksum::new();
                    c.add_u32(self.ip_src)
                        .add_u32(dst)
                        .add_u16(u16::from(ip_proto::UDP))
                        .add_u16(l4_len as u16);
                    Some(c)
                }
            };
        }

        if self.udp {
            let sport = hash::port_from_hash(flow.hash, self.port_min, self.port_max);
            let w = u64::from(sport) << 48 | u64::from(self.udp_port) << 32 | (l4_len as u64) << 16;
            let Some((uh, rest)) = l4.split_first_chunk_mut::<8>() else {
                return Err(BAD_STATE);
            };
            *uh = w.to_be_bytes();
            if self.udp_csum == UdpChecksum::Zero {
                return Ok(());
            }
            let (u, _) = UdpHeader::split_from_mut(uh)?;
            match (self.udp_csum, pseudo) {
                (UdpChecksum::Full, Some(mut c)) => {
                    c.add_bytes(zerocopy::IntoBytes::as_bytes(&*u))
                        .add_bytes(rest)
                        .add_bytes(inner);
                    let v = c.finish();
                    // 0 is "no checksum": send 0xffff (RFC 768, RFC 8200 §8.1).
                    u.set_checksum(if v == 0 { 0xffff } else { v });
                }
                (UdpChecksum::Offload, Some(c)) => u.set_checksum(c.sum()),
                _ => {}
            }
        } else {
            if let Some(off) = self.gre_seq_off {
                let at = off - self.l4_off;
                if let Some(s) = l4.get_mut(at..at + 4) {
                    s.copy_from_slice(&self.seq.to_be_bytes());
                }
                self.seq = self.seq.wrapping_add(1);
            }
            if self.gre_csum {
                let mut c = checksum::Checksum::new();
                c.add_bytes(l4).add_bytes(inner);
                if let Some(f) = l4.get_mut(4..6) {
                    f.copy_from_slice(&c.finish().to_be_bytes());
                }
            }
        }
        Ok(())
    }
}

/// Copies the first `hdr.len()` template bytes. Overheads of 42..=84 bytes (every VXLAN and
/// GRE header, GENEVE up to 14 bytes of options) are two overlapping fixed 42-byte copies,
/// which compile to a few vector moves instead of a `memcpy` call.
#[inline(always)]
fn copy_template(hdr: &mut [u8], tmpl: &[u8; MAX_OVERHEAD]) {
    const K: usize = 42;
    let n = hdr.len();
    if (K..=2 * K).contains(&n) {
        if let (Some(d), Some(s)) = (hdr.first_chunk_mut::<K>(), tmpl.first_chunk::<K>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (
            hdr.last_chunk_mut::<K>(),
            tmpl.get(n - K..n).and_then(|t| t.first_chunk::<K>()),
        ) {
            *d = *s;
        }
    } else if let Some(s) = tmpl.get(..n) {
        hdr.copy_from_slice(s);
    }
}

/// Never returned: the split after a successful prepend cannot fail.
const BAD_STATE: EncapError = EncapError::Wire(WireError::BufferTooSmall {
    layer: Layer::Ethernet,
    need: 0,
    have: 0,
});
