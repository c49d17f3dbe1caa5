//! The result types of [`super::classify`]: what DPDK's packet type and offload fields carry,
//! so later stages never re-parse.

use super::vlan::VlanStack;
use super::MacAddr;

bitflags::bitflags! {
    /// What the classifier found and checked in one frame.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct FrameFlags: u32 {
        /// An Ethernet header is present (absent for the inner packet of L3 GRE/GENEVE).
        const L2 = 1 << 0;
        /// An IPv4 header was parsed.
        const IPV4 = 1 << 1;
        /// An IPv6 header was parsed.
        const IPV6 = 1 << 2;
        /// An ARP packet was parsed.
        const ARP = 1 << 3;
        /// The IP packet is a fragment (IPv4 MF/offset, or an IPv6 Fragment header).
        const FRAGMENT = 1 << 4;
        /// The fragment is not the first one: no L4 header here.
        const LATER_FRAGMENT = 1 << 5;
        /// An L4 header (TCP, UDP, ICMP, ICMPv6) was parsed; `l4_off` is valid.
        const L4 = 1 << 6;
        /// `src_port`/`dst_port` are valid (TCP or UDP).
        const PORTS = 1 << 7;
        /// `icmp_type`/`icmp_code` are valid.
        const ICMP = 1 << 8;
        /// IPv4 header options or IPv6 extension headers were present.
        const IP_OPTIONS = 1 << 9;
        /// The IPv4 header checksum was verified good.
        const IP_CSUM_GOOD = 1 << 10;
        /// The L4 checksum was verified good.
        const L4_CSUM_GOOD = 1 << 11;
        /// The UDP checksum field was zero (IPv4: no checksum, RFC 768).
        const L4_CSUM_NONE = 1 << 12;
    }
}

/// What kind of network layer the frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum L3Kind {
    /// Unknown EtherType, or no payload.
    #[default]
    None = 0,
    /// IPv4.
    Ipv4 = 4,
    /// IPv6.
    Ipv6 = 6,
    /// ARP.
    Arp = 8,
}

/// The tunnel the classifier went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum TunnelKind {
    /// No tunnel.
    #[default]
    None = 0,
    /// VXLAN (RFC 7348), id = VNI.
    Vxlan = 1,
    /// GENEVE (RFC 8926), id = VNI.
    Geneve = 2,
    /// GRE (RFC 2784/2890), id = key (0 when absent).
    Gre = 3,
}

/// Offsets and fields of one frame (outer, or inner of a tunnel). Offsets are from the start of
/// the buffer given to `classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameInfo {
    /// What was found.
    pub flags: FrameFlags,
    /// Start of the Ethernet header (for the inner frame of L3 tunnels: equals `l3_off`).
    pub l2_off: u16,
    /// Start of the network header (after VLAN tags).
    pub l3_off: u16,
    /// Start of the transport header (after IPv4 options / IPv6 extension headers).
    pub l4_off: u16,
    /// Start of the transport payload (or of the first byte not parsed).
    pub payload_off: u16,
    /// End of the L3 packet (IPv4 total length / IPv6 payload length); Ethernet padding after it
    /// is excluded.
    pub l3_end: u16,
    /// Destination MAC.
    pub eth_dst: MacAddr,
    /// Source MAC.
    pub eth_src: MacAddr,
    /// VLAN tags, outer first.
    pub vlan: VlanStack,
    /// EtherType after the tags.
    pub ethertype: u16,
    /// Network layer kind.
    pub l3: L3Kind,
    /// IP protocol / IPv6 upper-layer next header (after extension headers).
    pub ip_proto: u8,
    /// Source address: IPv4 in the first 4 bytes, rest zero.
    pub src_ip: [u8; 16],
    /// Destination address: IPv4 in the first 4 bytes, rest zero.
    pub dst_ip: [u8; 16],
    /// TCP/UDP source port.
    pub src_port: u16,
    /// TCP/UDP destination port.
    pub dst_port: u16,
    /// TCP flags (FIN 0x01 … CWR 0x80).
    pub tcp_flags: u8,
    /// ICMP/ICMPv6 type.
    pub icmp_type: u8,
    /// ICMP/ICMPv6 code.
    pub icmp_code: u8,
    /// IPv4 TTL / IPv6 hop limit.
    pub ttl: u8,
    /// DSCP and ECN (IPv4 TOS / IPv6 traffic class).
    pub tos: u8,
    /// IPv6 flow label (20 bits).
    pub flow_label: u32,
    /// Fragment offset in bytes.
    pub frag_offset: u16,
    /// Fragment identification (IPv4 16-bit, IPv6 32-bit).
    pub frag_ident: u32,
}

impl FrameInfo {
    /// Nothing found: all fields zero.
    pub const EMPTY: FrameInfo = FrameInfo {
        flags: FrameFlags::empty(),
        l2_off: 0,
        l3_off: 0,
        l4_off: 0,
        payload_off: 0,
        l3_end: 0,
        eth_dst: MacAddr([0; 6]),
        eth_src: MacAddr([0; 6]),
        vlan: VlanStack {
            tci: [0; 2],
            tpid: [0; 2],
            depth: 0,
        },
        ethertype: 0,
        l3: L3Kind::None,
        ip_proto: 0,
        src_ip: [0; 16],
        dst_ip: [0; 16],
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        icmp_type: 0,
        icmp_code: 0,
        ttl: 0,
        tos: 0,
        flow_label: 0,
        frag_offset: 0,
        frag_ident: 0,
    };

    /// The source IP as a `core::net::IpAddr`, if an IP header was parsed.
    pub fn src_addr(&self) -> Option<core::net::IpAddr> {
        addr(self.l3, &self.src_ip)
    }

    /// The destination IP, if an IP header was parsed.
    pub fn dst_addr(&self) -> Option<core::net::IpAddr> {
        addr(self.l3, &self.dst_ip)
    }
}

fn addr(l3: L3Kind, b: &[u8; 16]) -> Option<core::net::IpAddr> {
    match l3 {
        L3Kind::Ipv4 => Some(core::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).into()),
        L3Kind::Ipv6 => Some(core::net::Ipv6Addr::from(*b).into()),
        _ => None,
    }
}

/// Everything `classify` learned about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketInfo {
    /// The outer (or only) frame.
    pub outer: FrameInfo,
    /// The tunnel decoded, if any.
    pub tunnel: TunnelKind,
    /// VNI (VXLAN, GENEVE) or GRE key.
    pub tunnel_id: u32,
    /// Start of the tunnel header (the VXLAN/GENEVE header after UDP, or the GRE header).
    pub tunnel_off: u16,
    /// The inner frame; meaningful only when `tunnel` is not `None`.
    pub inner: FrameInfo,
}

/// What `classify` does beyond the mandatory walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassifyOpts {
    /// Go through one VXLAN/GENEVE/GRE level into the inner frame.
    pub tunnels: bool,
    /// Verify the IPv4 header checksum and the TCP/UDP/ICMP checksums; a bad one is an error.
    pub verify_checksums: bool,
    /// UDP destination port recognised as VXLAN.
    pub vxlan_port: u16,
    /// UDP destination port recognised as GENEVE.
    pub geneve_port: u16,
}

impl ClassifyOpts {
    /// Tunnels decoded on the IANA ports, checksums not verified (NICs usually have).
    pub const DEFAULT: ClassifyOpts = ClassifyOpts {
        tunnels: true,
        verify_checksums: false,
        vxlan_port: super::udp_port::VXLAN,
        geneve_port: super::udp_port::GENEVE,
    };
}

impl Default for ClassifyOpts {
    fn default() -> Self {
        Self::DEFAULT
    }
}
