//! Port security: Neutron's anti-spoofing checks on a frame sent by a VM port.
//!
//! A port may send only from its MAC and fixed IPs, or from one of its allowed address pairs
//! (a MAC — the port's by default — with an IP address or CIDR). The rules follow Neutron's
//! firewall drivers (`neutron/agent/linux/iptables_firewall.py` and the OVS firewall
//! `neutron/agent/linux/openvswitch_firewall/firewall.py`), egress direction:
//!
//! - the Ethernet source MAC must be the port's MAC or an allowed pair's MAC;
//! - **IPv4**: the source must be allowed *for that MAC* (`-s ip -m mac --mac-source mac`); a
//!   DHCP client may send from 0.0.0.0 to 255.255.255.255, UDP 68 → 67 ("Allow DHCP client
//!   traffic"); any other 0.0.0.0 source is dropped;
//! - **IPv6**: likewise, and the link-local address derived from each allowed MAC (modified
//!   EUI-64, RFC 4291 §2.5.1 / RFC 4862 §5.3) is allowed too; from the unspecified address only
//!   MLD reports (131, 143) and Neighbor Solicitations (135) to ff02::/16 — DAD and MLD — pass
//!   (the `-s ::/128 -d ff02::/16 -p ipv6-icmp --icmpv6-type 131/135/143` rules);
//! - **DHCP servers** inside VMs are dropped: UDP 67 → 68 and 547 → 546 ("Prevent DHCP
//!   Spoofing by VM"); **Router Advertisements** (ICMPv6 134) from a VM are dropped;
//! - **ARP**: the sender hardware address must be an allowed MAC and the sender protocol address
//!   allowed for it (OVS `arp_sha` / `arp_spa` spoofing protection); a probe's 0.0.0.0 sender
//!   (RFC 5227 §2.1.1) is accepted;
//! - **Neighbor Discovery**: an NA's target must be allowed for the source MAC; the source
//!   link-layer option of an RS/NS and the target link-layer option of an NA, when present,
//!   must be the frame's source MAC (OVS `nd_target` / `nd_sll` / `nd_tll` matches);
//! - other EtherTypes are dropped (the OVS firewall passes only ARP, IPv4 and IPv6 from a
//!   port). VLAN tags are walked and the rules apply to what they carry.
//!
//! # Matching without a linear scan
//!
//! Every allowed address — fixed IPs (/32, /128), allowed-pair CIDRs, link-locals — is a range
//! of integers (`u32` for IPv4, `u128` for IPv6) allowed for a set of MACs. When the port is
//! configured, the ranges are flattened into sorted disjoint intervals, each carrying the
//! bitmask of the MACs (at most 11: the port's plus 10 pairs) allowed in it; overlapping and
//! nested CIDRs just OR their masks. A check is then one binary search over at most
//! 2 × ranges + 1 boundaries and one bit test — `O(log n)` whatever the pairs — and the
//! structure is a fixed-size array (no allocation, ≈ 1.5 KB per port). The MAC is found among
//! at most 11 by comparing 6-byte words.

use core::net::{IpAddr, Ipv6Addr};

use arrayvec::ArrayVec;

use crate::wire::arp::ArpPacket;
use crate::wire::ethernet::{EthernetFrame, HEADER_LEN as ETH_LEN};
use crate::wire::icmpv6::{msg_type, Icmpv6Packet};
use crate::wire::ipv4::Ipv4Packet;
use crate::wire::ipv6::Ipv6Packet;
use crate::wire::udp::UdpPacket;
use crate::wire::{ethertype, ip_proto, udp_port, vlan, MacAddr};

/// Most allowed address pairs per port (Neutron's `max_allowed_address_pair` default).
pub const MAX_ALLOWED_PAIRS: usize = 10;
/// Most fixed IPs per port, both families together.
pub const MAX_FIXED_IPS: usize = 16;
/// DHCPv6 client port (RFC 8415 §7.2).
pub const DHCPV6_CLIENT: u16 = 546;
/// DHCPv6 server/relay port (RFC 8415 §7.2).
pub const DHCPV6_SERVER: u16 = 547;
/// ICMPv6 Multicast Listener Report (RFC 2710 §3).
const MLD_REPORT: u8 = 131;
/// ICMPv6 Version 2 Multicast Listener Report (RFC 3810 §5.2).
const MLD2_REPORT: u8 = 143;

const MAX_MACS: usize = 1 + MAX_ALLOWED_PAIRS;
const RANGES_V4: usize = MAX_FIXED_IPS + MAX_ALLOWED_PAIRS;
const RANGES_V6: usize = MAX_FIXED_IPS + MAX_ALLOWED_PAIRS + MAX_MACS;
const BOUNDS_V4: usize = 2 * RANGES_V4 + 1;
const BOUNDS_V6: usize = 2 * RANGES_V6 + 1;

/// Why a frame from a VM port was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum DropReason {
    /// The frame does not parse (Ethernet, VLAN, ARP, IP, UDP or ICMPv6 layer).
    Malformed = 1,
    /// The source MAC is neither the port's nor an allowed pair's.
    SrcMac = 2,
    /// The source IP is not allowed for the source MAC.
    SrcIp = 3,
    /// ARP sender hardware or protocol address not allowed.
    ArpSpoof = 4,
    /// Neighbor Discovery target or link-layer option not allowed.
    NdSpoof = 5,
    /// A DHCP or DHCPv6 server reply from the VM.
    DhcpServer = 6,
    /// A Router Advertisement from the VM.
    RouterAdvert = 7,
    /// Neither ARP, IPv4 nor IPv6.
    EtherType = 8,
    /// Unspecified source (0.0.0.0 or ::) outside DHCP discovery, DAD and MLD.
    UnspecifiedSource = 9,
}

/// The result of [`PortSecurity::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The frame may leave the port.
    Allow,
    /// Drop it.
    Drop(DropReason),
}

/// Plain counters; the C API reads the same struct.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct PortSecurityCounters {
    /// Frames allowed.
    pub allowed: u64,
    /// Drops: malformed.
    pub malformed: u64,
    /// Drops: source MAC.
    pub src_mac: u64,
    /// Drops: source IP.
    pub src_ip: u64,
    /// Drops: ARP spoofing.
    pub arp_spoof: u64,
    /// Drops: ND spoofing.
    pub nd_spoof: u64,
    /// Drops: DHCP server replies.
    pub dhcp_server: u64,
    /// Drops: Router Advertisements.
    pub router_advert: u64,
    /// Drops: EtherType.
    pub ethertype: u64,
    /// Drops: unspecified source.
    pub unspecified_source: u64,
}

/// Why a port-security configuration was refused (the configuration is unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortSecurityError {
    /// More than [`MAX_ALLOWED_PAIRS`] pairs or [`MAX_FIXED_IPS`] fixed IPs.
    #[error("too many addresses")]
    TooMany,
    /// A MAC that is not unicast, or an address that cannot be a source (unspecified,
    /// multicast, loopback, broadcast).
    #[error("bad address")]
    BadAddress,
    /// A prefix length beyond 32 / 128.
    #[error("bad prefix length {0}")]
    BadPrefix(u8),
}

/// Sorted disjoint intervals `[starts[i], starts[i + 1])`, each with a mask of allowed MAC slots.
#[derive(Debug, Clone, Copy)]
struct Intervals<T, const N: usize> {
    starts: [T; N],
    masks: [u16; N],
    len: usize,
}

impl<T: Copy + Ord + Default, const N: usize> Intervals<T, N> {
    fn empty() -> Self {
        Intervals {
            starts: [T::default(); N],
            masks: [0; N],
            len: 1,
        }
    }

    /// Flattens inclusive ranges `(lo, hi, mask)`; `next(hi)` is `hi + 1` or `None` at the top.
    fn build(ranges: &[(T, T, u16)], next: impl Fn(T) -> Option<T>) -> Self {
        let mut b: ArrayVec<T, N> = ArrayVec::new();
        let mut push = |v: T| {
            if !b.contains(&v) {
                // Capacity is 2 × ranges + 1 by construction; a full vector only drops a
                // boundary, never panics.
                let _ = b.try_push(v);
            }
        };
        push(T::default());
        for &(lo, hi, _) in ranges {
            push(lo);
            if let Some(n) = next(hi) {
                push(n);
            }
        }
        b.sort_unstable();
        let mut out = Self::empty();
        out.len = b.len();
        for (i, &s) in b.iter().enumerate() {
            let mask = ranges
                .iter()
                .filter(|&&(lo, hi, _)| lo <= s && s <= hi)
                .fold(0, |m, &(_, _, k)| m | k);
            if let (Some(d), Some(m)) = (out.starts.get_mut(i), out.masks.get_mut(i)) {
                *d = s;
                *m = mask;
            }
        }
        out
    }

    /// The MAC mask of the interval holding `x`.
    #[inline]
    fn mask(&self, x: T) -> u16 {
        let starts = self.starts.get(..self.len).unwrap_or(&[]);
        let i = starts.partition_point(|s| *s <= x);
        // starts[0] is 0, so i >= 1.
        self.masks.get(i.wrapping_sub(1)).copied().unwrap_or(0)
    }
}

/// The modified EUI-64 link-local address of `mac` (RFC 4291 §2.5.1, appendix A).
pub fn eui64_link_local(mac: MacAddr) -> Ipv6Addr {
    let m = mac.0;
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        m[0] ^ 0x02,
        m[1],
        m[2],
        0xff,
        0xfe,
        m[3],
        m[4],
        m[5],
    ])
}

/// One port's anti-spoofing rules and counters. Fixed size, no allocation; configure it with
/// [`new`](Self::new), [`add_fixed_ip`](Self::add_fixed_ip) and
/// [`add_allowed_pair`](Self::add_allowed_pair), then call [`check`](Self::check) per frame.
#[derive(Debug, Clone)]
pub struct PortSecurity {
    mac: MacAddr,
    fixed: ArrayVec<IpAddr, MAX_FIXED_IPS>,
    pairs: ArrayVec<(MacAddr, IpAddr, u8), MAX_ALLOWED_PAIRS>,
    macs: ArrayVec<MacAddr, MAX_MACS>,
    v4: Intervals<u32, BOUNDS_V4>,
    v6: Intervals<u128, BOUNDS_V6>,
    counters: PortSecurityCounters,
}

fn bad_source(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_unspecified() || a.is_multicast() || a.is_loopback() || a.is_broadcast()
        }
        IpAddr::V6(a) => a.is_unspecified() || a.is_multicast() || a.is_loopback(),
    }
}

impl PortSecurity {
    /// A port with MAC `mac` and no addresses yet (it may send only DHCP discovery, DAD, MLD
    /// and from its link-local address). `None` if `mac` is not unicast.
    pub fn new(mac: MacAddr) -> Option<Self> {
        if !mac.is_unicast() {
            return None;
        }
        let mut p = PortSecurity {
            mac,
            fixed: ArrayVec::new(),
            pairs: ArrayVec::new(),
            macs: ArrayVec::new(),
            v4: Intervals::empty(),
            v6: Intervals::empty(),
            counters: PortSecurityCounters::default(),
        };
        p.rebuild();
        Some(p)
    }

    /// The port's MAC.
    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// The counters.
    pub fn counters(&self) -> &PortSecurityCounters {
        &self.counters
    }

    /// Adds a fixed IP of the port (allowed with the port's MAC).
    pub fn add_fixed_ip(&mut self, ip: IpAddr) -> Result<(), PortSecurityError> {
        if bad_source(ip) {
            return Err(PortSecurityError::BadAddress);
        }
        if !self.fixed.contains(&ip) {
            self.fixed
                .try_push(ip)
                .map_err(|_| PortSecurityError::TooMany)?;
            self.rebuild();
        }
        Ok(())
    }

    /// Adds an allowed address pair: `mac` (the port's when `None`) may send from `ip/prefix`.
    /// The address bits beyond the prefix are ignored, as Neutron normalises CIDRs.
    pub fn add_allowed_pair(
        &mut self,
        mac: Option<MacAddr>,
        ip: IpAddr,
        prefix: u8,
    ) -> Result<(), PortSecurityError> {
        let mac = mac.unwrap_or(self.mac);
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(PortSecurityError::BadPrefix(prefix));
        }
        if !mac.is_unicast() || (prefix == max && bad_source(ip)) {
            return Err(PortSecurityError::BadAddress);
        }
        if !self.pairs.contains(&(mac, ip, prefix)) {
            self.pairs
                .try_push((mac, ip, prefix))
                .map_err(|_| PortSecurityError::TooMany)?;
            self.rebuild();
        }
        Ok(())
    }

    /// Removes every fixed IP and allowed pair.
    pub fn clear(&mut self) {
        self.fixed.clear();
        self.pairs.clear();
        self.rebuild();
    }

    fn slot_of(&self, mac: MacAddr) -> Option<usize> {
        self.macs.iter().position(|m| *m == mac)
    }

    fn rebuild(&mut self) {
        self.macs.clear();
        self.macs.push(self.mac);
        for (m, _, _) in &self.pairs {
            if !self.macs.contains(m) {
                // At most 1 + MAX_ALLOWED_PAIRS distinct MACs: always fits.
                let _ = self.macs.try_push(*m);
            }
        }
        let mut r4: ArrayVec<(u32, u32, u16), RANGES_V4> = ArrayVec::new();
        let mut r6: ArrayVec<(u128, u128, u16), RANGES_V6> = ArrayVec::new();
        let mut add = |ip: IpAddr, prefix: u8, slot: usize| {
            let bit = 1u16 << slot;
            match ip {
                IpAddr::V4(a) => {
                    let host = u32::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
                    let lo = u32::from(a) & !host;
                    let _ = r4.try_push((lo, lo | host, bit));
                }
                IpAddr::V6(a) => {
                    let host = u128::MAX.checked_shr(u32::from(prefix)).unwrap_or(0);
                    let lo = u128::from(a) & !host;
                    let _ = r6.try_push((lo, lo | host, bit));
                }
            }
        };
        for ip in &self.fixed {
            add(*ip, if ip.is_ipv4() { 32 } else { 128 }, 0);
        }
        for (m, ip, prefix) in &self.pairs {
            let slot = self.macs.iter().position(|x| x == m).unwrap_or(0);
            add(*ip, *prefix, slot);
        }
        for (slot, m) in self.macs.iter().enumerate() {
            add(IpAddr::V6(eui64_link_local(*m)), 128, slot);
        }
        self.v4 = Intervals::build(&r4, |x: u32| x.checked_add(1));
        self.v6 = Intervals::build(&r6, |x: u128| x.checked_add(1));
    }

    #[inline]
    fn v4_allowed(&self, slot: usize, a: [u8; 4]) -> bool {
        self.v4.mask(u32::from_be_bytes(a)) & (1 << slot) != 0
    }

    #[inline]
    fn v6_allowed(&self, slot: usize, a: [u8; 16]) -> bool {
        self.v6.mask(u128::from_be_bytes(a)) & (1 << slot) != 0
    }

    /// Whether `mac` may send from `ip` (the same rule [`check`](Self::check) applies).
    pub fn allows(&self, mac: MacAddr, ip: IpAddr) -> bool {
        let Some(slot) = self.slot_of(mac) else {
            return false;
        };
        match ip {
            IpAddr::V4(a) => self.v4_allowed(slot, a.octets()),
            IpAddr::V6(a) => self.v6_allowed(slot, a.octets()),
        }
    }

    /// Checks a frame sent by the VM on this port and counts the result.
    pub fn check(&mut self, frame: &[u8]) -> Verdict {
        let v = self.decide(frame);
        let c = &mut self.counters;
        match v {
            Verdict::Allow => c.allowed += 1,
            Verdict::Drop(r) => match r {
                DropReason::Malformed => c.malformed += 1,
                DropReason::SrcMac => c.src_mac += 1,
                DropReason::SrcIp => c.src_ip += 1,
                DropReason::ArpSpoof => c.arp_spoof += 1,
                DropReason::NdSpoof => c.nd_spoof += 1,
                DropReason::DhcpServer => c.dhcp_server += 1,
                DropReason::RouterAdvert => c.router_advert += 1,
                DropReason::EtherType => c.ethertype += 1,
                DropReason::UnspecifiedSource => c.unspecified_source += 1,
            },
        }
        v
    }

    fn decide(&self, frame: &[u8]) -> Verdict {
        use DropReason::*;
        let drop = Verdict::Drop;
        let Ok(eth) = EthernetFrame::parse(frame) else {
            return drop(Malformed);
        };
        let src = eth.src();
        let Some(slot) = self.slot_of(src) else {
            return drop(SrcMac);
        };
        let Ok((_, et, tags)) = vlan::walk_tags(eth.ethertype(), eth.payload()) else {
            return drop(Malformed);
        };
        let l3 = frame.get(ETH_LEN + tags..).unwrap_or(&[]);
        match et {
            ethertype::ARP => self.arp(l3),
            ethertype::IPV4 => self.ipv4(slot, l3),
            ethertype::IPV6 => self.ipv6(slot, src, l3),
            _ => drop(EtherType),
        }
    }

    fn arp(&self, l3: &[u8]) -> Verdict {
        let Ok(a) = ArpPacket::parse(l3) else {
            return Verdict::Drop(DropReason::Malformed);
        };
        let Some(slot) = self.slot_of(a.sha()) else {
            return Verdict::Drop(DropReason::ArpSpoof);
        };
        if a.spa() == [0; 4] || self.v4_allowed(slot, a.spa()) {
            Verdict::Allow
        } else {
            Verdict::Drop(DropReason::ArpSpoof)
        }
    }

    fn ipv4(&self, slot: usize, l3: &[u8]) -> Verdict {
        use DropReason::*;
        let Ok(ip) = Ipv4Packet::parse(l3) else {
            return Verdict::Drop(Malformed);
        };
        let first = ip.header().frag_offset() == 0;
        let udp = if ip.protocol() == ip_proto::UDP && first {
            match UdpPacket::parse(ip.payload()) {
                Ok(u) => Some((u.src_port(), u.dst_port())),
                Err(_) => return Verdict::Drop(Malformed),
            }
        } else {
            None
        };
        if ip.src() == [0; 4] {
            let discover =
                udp == Some((udp_port::BOOTPC, udp_port::BOOTPS)) && ip.dst() == [255; 4];
            return if discover {
                Verdict::Allow
            } else {
                Verdict::Drop(UnspecifiedSource)
            };
        }
        if !self.v4_allowed(slot, ip.src()) {
            return Verdict::Drop(SrcIp);
        }
        if udp == Some((udp_port::BOOTPS, udp_port::BOOTPC)) {
            return Verdict::Drop(DhcpServer);
        }
        Verdict::Allow
    }

    fn ipv6(&self, slot: usize, src_mac: MacAddr, l3: &[u8]) -> Verdict {
        use DropReason::*;
        let Ok(ip) = Ipv6Packet::parse(l3) else {
            return Verdict::Drop(Malformed);
        };
        let later_fragment = ip.ext().frag.is_some_and(|f| f.offset != 0);
        let upper = ip.upper_payload();
        let (src, dst) = (ip.src(), ip.dst());
        let icmp = if ip.upper_protocol() == ip_proto::ICMPV6 && !later_fragment {
            match Icmpv6Packet::parse(upper) {
                Ok(p) => Some(p),
                Err(_) => return Verdict::Drop(Malformed),
            }
        } else {
            None
        };
        let udp = if ip.upper_protocol() == ip_proto::UDP && !later_fragment {
            match UdpPacket::parse(upper) {
                Ok(u) => Some((u.src_port(), u.dst_port())),
                Err(_) => return Verdict::Drop(Malformed),
            }
        } else {
            None
        };
        let t = icmp.map(|p| p.msg_type());
        if src == [0; 16] {
            let dad_or_mld = matches!(
                t,
                Some(MLD_REPORT | msg_type::NEIGHBOR_SOLICIT | MLD2_REPORT)
            ) && dst[0] == 0xff
                && dst[1] == 0x02;
            if !dad_or_mld {
                return Verdict::Drop(UnspecifiedSource);
            }
        } else if !self.v6_allowed(slot, src) {
            return Verdict::Drop(SrcIp);
        }
        if udp == Some((DHCPV6_SERVER, DHCPV6_CLIENT)) {
            return Verdict::Drop(DhcpServer);
        }
        if let Some(p) = icmp {
            match p.msg_type() {
                msg_type::ROUTER_ADVERT => return Verdict::Drop(RouterAdvert),
                msg_type::ROUTER_SOLICIT | msg_type::NEIGHBOR_SOLICIT
                    if p.source_ll().is_some_and(|m| m != src_mac) =>
                {
                    return Verdict::Drop(NdSpoof)
                }
                msg_type::NEIGHBOR_ADVERT => {
                    let target_ok = p.target().is_some_and(|t| self.v6_allowed(slot, t));
                    if !target_ok || p.target_ll().is_some_and(|m| m != src_mac) {
                        return Verdict::Drop(NdSpoof);
                    }
                }
                _ => {}
            }
        }
        Verdict::Allow
    }
}

#[cfg(test)]
mod tests;
