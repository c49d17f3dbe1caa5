//! The decap context: validates the outer headers of a received tunnel packet and strips them
//! in place, returning what FDB learning and dispatch need.
//!
//! Checks, in order (the first failure is the error, and nothing is changed):
//! - Ethernet, up to two VLAN tags, EtherType IPv4 or IPv6;
//! - IPv4: version, IHL, options, total length within the frame, header checksum (unless the
//!   NIC verified it: [`DecapConfig::verify_ip_checksum`]), not a fragment; IPv6: version,
//!   payload length, extension headers, not a fragment (RFC 6946 atomic fragments pass);
//! - the outer destination is the local endpoint, when configured;
//! - protocol UDP (VXLAN, GENEVE) or GRE;
//! - UDP: length ≥ 8 and within the IP payload, destination port, checksum when present (over
//!   IPv6 a zero checksum only with the RFC 6935 §5 / RFC 6936 §5 opt-in);
//! - the tunnel header ([`super::vxlan`], [`super::geneve`], [`super::gre`] rules) and its id;
//! - an inner frame of at least an Ethernet header;
//! - ECN (RFC 6040 §4.2, on by default): outer CE over a Not-ECT inner IP packet is dropped;
//!   outer CE over ECT marks the inner CE, outer ECT(1) over ECT(0) makes it ECT(1) (the inner
//!   IPv4 checksum patched per RFC 1624). Non-IP inner frames are left alone.
//!
//! Bytes after the UDP length / IP total length (Ethernet padding) are cut off with the outer
//! headers: the result is exactly the inner frame.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::buf::PacketBuf;
use crate::wire::checksum;
use crate::wire::ethernet::{EthernetHeader, HEADER_LEN as ETH_LEN};
use crate::wire::ipv4::Ipv4Packet;
use crate::wire::ipv6::Ipv6Packet;
use crate::wire::udp::UdpPacket;
use crate::wire::{ethertype, ip_proto, vlan, Header, Layer, MacAddr, WireError};

use super::context::{EncapConfig, TunnelType, UdpChecksum};
use super::error::{ConfigError, EncapError, Stats};
use super::{geneve, gre, vxlan};

/// What a decap context accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecapConfig {
    /// The protocol.
    pub tunnel: TunnelType,
    /// Only this VNI / key (`None`: any, returned for the caller to dispatch).
    pub expect_id: Option<u32>,
    /// Only packets to this outer address (`None`: any).
    pub local_ip: Option<IpAddr>,
    /// UDP destination port; 0 means the IANA port of the tunnel type.
    pub udp_port: u16,
    /// Verify the outer IPv4 header checksum (turn off when the NIC did).
    pub verify_ip_checksum: bool,
    /// Verify a UDP or GRE checksum when present (turn off when the NIC did).
    pub verify_l4_checksum: bool,
    /// Accept a zero UDP checksum over IPv6 (RFC 6935 §5, RFC 6936 §5).
    pub allow_zero_udp6_checksum: bool,
    /// Accept GENEVE packets with the critical flag: the caller processes the options.
    pub accept_geneve_critical: bool,
    /// Apply RFC 6040 §4.2 ECN decapsulation.
    pub ecn: bool,
}

impl DecapConfig {
    /// Any id, any destination, the IANA port, every check on, no zero IPv6 UDP checksum.
    pub const fn new(tunnel: TunnelType) -> Self {
        DecapConfig {
            tunnel,
            expect_id: None,
            local_ip: None,
            udp_port: 0,
            verify_ip_checksum: true,
            verify_l4_checksum: true,
            allow_zero_udp6_checksum: false,
            accept_geneve_critical: false,
            ecn: true,
        }
    }

    /// The receive side matching an encap configuration: its id, its local address as the
    /// expected destination, its port and zero-checksum setting.
    pub fn for_encap(cfg: &EncapConfig) -> Self {
        let u = &cfg.underlay;
        DecapConfig {
            expect_id: Some(cfg.header.id()),
            local_ip: Some(u.local_ip),
            udp_port: u.udp_port,
            allow_zero_udp6_checksum: u.allow_zero_udp6_checksum
                || (u.local_ip.is_ipv6() && u.udp_checksum_policy() == UdpChecksum::Zero),
            ..DecapConfig::new(cfg.header.tunnel_type())
        }
    }
}

/// What decap found. Offsets are from the first byte of the packet as it was before decap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decapped {
    /// The protocol.
    pub tunnel: TunnelType,
    /// VNI or GRE key (0 for GRE without key when any id is accepted).
    pub id: u32,
    /// Outer source address: the remote VTEP, for FDB learning.
    pub outer_src: IpAddr,
    /// Outer destination address.
    pub outer_dst: IpAddr,
    /// Outer source MAC.
    pub outer_src_mac: MacAddr,
    /// Outer UDP source port (0 for GRE).
    pub src_port: u16,
    /// Where the inner Ethernet frame starts (the bytes stripped).
    pub inner_off: usize,
    /// Length of the inner frame.
    pub inner_len: usize,
    /// GENEVE options: offset (still readable in the headroom after the strip) and length.
    pub options_off: usize,
    /// GENEVE options length (0 otherwise).
    pub options_len: usize,
    /// GENEVE OAM flag.
    pub oam: bool,
    /// GRE sequence number, when present.
    pub sequence: Option<u32>,
    /// The RFC 6040 rewrite of the inner ECN field decap applies: (offset of the inner IP
    /// header from the packet start, new ECN value).
    ecn_rewrite: Option<(usize, u8)>,
}

/// A validated receive configuration with its counters.
#[derive(Debug, Clone)]
pub struct DecapCtx {
    cfg: DecapConfig,
    port: u16,
    stats: Stats,
}

/// The outer IP layer of a received packet.
struct OuterIp<'a> {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    /// Offset of the IP payload (after options / extension headers) from the packet start.
    l4_off: usize,
    /// The IP payload up to the length the header gives.
    l4: &'a [u8],
    ecn: u8,
}

fn parse_ip<'a>(pkt: &'a [u8], cfg: &DecapConfig) -> Result<OuterIp<'a>, EncapError> {
    let (eth, rest) = EthernetHeader::split_from(pkt)?;
    let (_, et, tags) = vlan::walk_tags(eth.ethertype(), rest)?;
    let l3_off = ETH_LEN + tags;
    let l3 = pkt.get(l3_off..).unwrap_or(&[]);
    match et {
        ethertype::IPV4 => {
            let p = Ipv4Packet::parse(l3)?;
            let h = p.header();
            if cfg.verify_ip_checksum && !p.verify_checksum() {
                return Err(WireError::BadChecksum { layer: Layer::Ipv4 }.into());
            }
            if h.is_fragment() {
                return Err(EncapError::Fragment);
            }
            Ok(OuterIp {
                src: IpAddr::V4(Ipv4Addr::from(h.src)),
                dst: IpAddr::V4(Ipv4Addr::from(h.dst)),
                proto: h.protocol,
                l4_off: l3_off + p.header_len(),
                l4: p.payload(),
                ecn: h.ecn(),
            })
        }
        ethertype::IPV6 => {
            let p = Ipv6Packet::parse(l3)?;
            if p.ext().frag.is_some_and(|f| f.offset != 0 || f.more) {
                return Err(EncapError::Fragment);
            }
            Ok(OuterIp {
                src: IpAddr::V6(Ipv6Addr::from(p.src())),
                dst: IpAddr::V6(Ipv6Addr::from(p.dst())),
                proto: p.upper_protocol(),
                l4_off: l3_off + 40 + p.ext().upper_off,
                l4: p.upper_payload(),
                ecn: p.header().traffic_class() & 3,
            })
        }
        other => Err(EncapError::WrongProtocol { found: other }),
    }
}

fn check_udp_checksum(
    u: &UdpPacket<'_>,
    ip: &OuterIp<'_>,
    cfg: &DecapConfig,
) -> Result<(), EncapError> {
    let bad = || EncapError::from(WireError::BadChecksum { layer: Layer::Udp });
    match (ip.src, ip.dst) {
        (IpAddr::V4(s), IpAddr::V4(d))
            if cfg.verify_l4_checksum && !u.verify_checksum_v4(s.octets(), d.octets()) =>
        {
            return Err(bad());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            if u.header().checksum() == 0 {
                if !cfg.allow_zero_udp6_checksum {
                    return Err(EncapError::ZeroChecksum);
                }
            } else if cfg.verify_l4_checksum && !u.verify_checksum_v6(&s.octets(), &d.octets()) {
                return Err(bad());
            }
        }
        _ => {}
    }
    Ok(())
}

/// The RFC 6040 §4.2 outcome for the inner IP header of `inner` given the outer ECN: `Ok(None)`
/// to leave it, `Ok(Some((ip offset in inner, new ecn)))` to rewrite, `Err(EcnDrop)`.
fn ecn_decap(inner: &[u8], outer: u8) -> Result<Option<(usize, u8)>, EncapError> {
    const ECT1: u8 = 1;
    const ECT0: u8 = 2;
    const CE: u8 = 3;
    if outer != CE && outer != ECT1 {
        return Ok(None);
    }
    let mut et = u16::from_be_bytes([inner[12], inner[13]]);
    let mut off = ETH_LEN;
    for _ in 0..vlan::MAX_TAGS {
        if vlan::is_tpid(et) {
            let Some(t) = inner.get(off + 2..off + 4) else {
                return Ok(None);
            };
            et = u16::from_be_bytes([t[0], t[1]]);
            off += vlan::TAG_LEN;
        }
    }
    let ip = inner.get(off..).unwrap_or(&[]);
    let ecn = match (et, ip.first().map(|b| b >> 4)) {
        (ethertype::IPV4, Some(4)) if ip.len() >= 20 => ip[1] & 3,
        (ethertype::IPV6, Some(6)) if ip.len() >= 40 => (ip[1] >> 4) & 3,
        _ => return Ok(None),
    };
    match (outer, ecn) {
        (CE, 0) => Err(EncapError::EcnDrop),
        (CE, ECT0 | ECT1) => Ok(Some((off, CE))),
        (ECT1, ECT0) => Ok(Some((off, ECT1))),
        _ => Ok(None),
    }
}

/// True when a 20-byte IPv4 header's checksum verifies: its one's-complement sum is 0xffff.
/// Summed as native-endian 32-bit words: the test does not depend on byte order (RFC 1071
/// §2(B)).
#[inline(always)]
fn ipv4_checksum_ok(h: &[u8; 20]) -> bool {
    let mut s = 0u64;
    for w in h.chunks_exact(4) {
        s += u64::from(u32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
    }
    s = (s & 0xffff_ffff) + (s >> 32);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s == 0xffff
}

/// Writes `ecn` into the IP header at the start of `ip` (patching an IPv4 checksum).
fn rewrite_ecn(ip: &mut [u8], ecn: u8) {
    match ip.first().map(|b| b >> 4) {
        Some(4) if ip.len() >= 20 => {
            let old = u16::from_be_bytes([ip[0], ip[1]]);
            ip[1] = (ip[1] & !3) | ecn;
            let new = u16::from_be_bytes([ip[0], ip[1]]);
            let c = checksum::update_u16(u16::from_be_bytes([ip[10], ip[11]]), old, new);
            ip[10..12].copy_from_slice(&c.to_be_bytes());
        }
        Some(6) if ip.len() >= 40 => {
            ip[1] = (ip[1] & !0x30) | (ecn << 4);
        }
        _ => {}
    }
}

impl DecapCtx {
    /// Validates the configuration: an expected id must be in Neutron's range, a local address
    /// must be unicast.
    pub fn new(cfg: &DecapConfig) -> Result<Self, ConfigError> {
        if let Some(id) = cfg.expect_id {
            cfg.tunnel.check_id(id)?;
        }
        if let Some(ip) = cfg.local_ip {
            if ip.is_unspecified() || ip.is_multicast() {
                return Err(ConfigError::BadLocalIp(ip));
            }
        }
        let port = match (cfg.udp_port, cfg.tunnel.default_port()) {
            (0, Some(p)) => p,
            (p, _) => p,
        };
        Ok(DecapCtx {
            cfg: *cfg,
            port,
            stats: Stats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DecapConfig {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Runs every check on `pkt` (an Ethernet frame) without changing anything.
    #[inline]
    pub fn validate(&self, pkt: &[u8]) -> Result<Decapped, EncapError> {
        match self.fast(pkt) {
            Some(d) => Ok(d),
            None => self.validate_general(pkt),
        }
    }

    /// The common layouts in a straight line: Ethernet without tags; IPv4 without options or
    /// IPv6 with the tunnel protocol as first next header; UDP (checksum verified when present
    /// and configured) with VXLAN or GENEVE, or GRE; no ECN rewrite. `None` for anything else,
    /// and for anything wrong — the general path then decides and names the error. On its
    /// subset it accepts exactly what the general path accepts (a property test checks this).
    #[inline(always)]
    fn fast(&self, pkt: &[u8]) -> Option<Decapped> {
        let cfg = &self.cfg;
        let (eth, l3) = pkt.split_first_chunk::<ETH_LEN>()?;
        let be16 = |b: &[u8], i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        let (src, dst, proto, l4_off, l4, ecn) = match be16(eth, 12) {
            ethertype::IPV4 => {
                let h = l3.first_chunk::<20>()?;
                let total = usize::from(be16(h, 2));
                // No options, total length within the frame, not a fragment.
                if h[0] != 0x45 || total < 20 || be16(h, 6) & 0x3fff != 0 {
                    return None;
                }
                let l4 = l3.get(20..total)?;
                if cfg.verify_ip_checksum && !ipv4_checksum_ok(h) {
                    return None;
                }
                let (s, d) = ([h[12], h[13], h[14], h[15]], [h[16], h[17], h[18], h[19]]);
                let (s, d) = (IpAddr::V4(Ipv4Addr::from(s)), IpAddr::V4(Ipv4Addr::from(d)));
                (s, d, h[9], ETH_LEN + 20, l4, h[1] & 3)
            }
            ethertype::IPV6 => {
                let (h, rest) = l3.split_first_chunk::<40>()?;
                if h[0] >> 4 != 6 {
                    return None;
                }
                let l4 = rest.get(..usize::from(be16(h, 4)))?;
                let s = <[u8; 16]>::try_from(&h[8..24]).ok()?;
                let d = <[u8; 16]>::try_from(&h[24..40]).ok()?;
                let (s, d) = (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(d)));
                (s, d, h[6], ETH_LEN + 40, l4, (h[1] >> 4) & 3)
            }
            _ => return None,
        };
        if cfg.ecn && (ecn == 1 || ecn == 3) {
            return None;
        }
        if cfg.local_ip.is_some_and(|l| l != dst) {
            return None;
        }
        let mut d = Decapped {
            tunnel: cfg.tunnel,
            id: 0,
            outer_src: src,
            outer_dst: dst,
            outer_src_mac: MacAddr([eth[6], eth[7], eth[8], eth[9], eth[10], eth[11]]),
            src_port: 0,
            inner_off: 0,
            inner_len: 0,
            options_off: 0,
            options_len: 0,
            oam: false,
            sequence: None,
            ecn_rewrite: None,
        };
        if cfg.tunnel == TunnelType::Gre {
            let h = l4.first_chunk::<4>()?;
            let flags = be16(h, 0);
            if proto != gre::IP_PROTO
                || flags & (crate::wire::gre::VERSION_MASK | crate::wire::gre::MUST_BE_ZERO) != 0
                || be16(h, 2) != ethertype::TEB
            {
                return None;
            }
            let c = flags & crate::wire::gre::FLAG_C != 0;
            let k = flags & crate::wire::gre::FLAG_K != 0;
            let sq = flags & crate::wire::gre::FLAG_S != 0;
            let mut off = 4 + 4 * usize::from(c);
            let word = |o: usize| {
                l4.get(o..o + 4)
                    .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            };
            if k {
                d.id = word(off)?;
                off += 4;
            } else if cfg.expect_id.is_some() {
                return None;
            }
            if sq {
                d.sequence = Some(word(off)?);
                off += 4;
            }
            if l4.len() < off
                || (c && cfg.verify_l4_checksum && checksum::internet_checksum(l4) != 0)
            {
                return None;
            }
            d.inner_off = l4_off + off;
            d.inner_len = l4.len() - off;
        } else {
            let (uh, _) = l4.split_first_chunk::<8>()?;
            let ulen = usize::from(be16(uh, 4));
            if proto != ip_proto::UDP || be16(uh, 2) != self.port || ulen < 8 {
                return None;
            }
            let dgram = l4.get(..ulen)?;
            let csum = be16(uh, 6);
            if csum == 0 {
                if src.is_ipv6() && !cfg.allow_zero_udp6_checksum {
                    return None;
                }
            } else if cfg.verify_l4_checksum {
                let mut c = match (src, dst) {
                    (IpAddr::V4(s), IpAddr::V4(d)) => checksum::pseudo_header_v4(
                        s.octets(),
                        d.octets(),
                        ip_proto::UDP,
                        ulen as u16,
                    ),
                    (IpAddr::V6(s), IpAddr::V6(d)) => checksum::pseudo_header_v6(
                        &s.octets(),
                        &d.octets(),
                        ip_proto::UDP,
                        ulen as u32,
                    ),
                    _ => return None,
                };
                if c.add_bytes(dgram).finish() != 0 {
                    return None;
                }
            }
            d.src_port = be16(uh, 0);
            let t = dgram.get(8..)?;
            let th = t.first_chunk::<8>()?;
            d.id = u32::from_be_bytes([0, th[4], th[5], th[6]]);
            let hlen = if cfg.tunnel == TunnelType::Vxlan {
                if th[0] & crate::wire::vxlan::FLAG_I == 0 {
                    return None;
                }
                8
            } else {
                let critical = th[1] & crate::wire::geneve::FLAG_CRITICAL != 0;
                if th[0] >> 6 != 0
                    || (critical && !cfg.accept_geneve_critical)
                    || be16(th, 2) != ethertype::TEB
                {
                    return None;
                }
                let olen = usize::from(th[0] & 0x3f) * 4;
                let opts = t.get(8..8 + olen)?;
                // Each option: 4-byte header, data length in the low 5 bits of byte 3.
                let mut o = 0;
                while o < olen {
                    let l = 4 + usize::from(*opts.get(o + 3)? & 0x1f) * 4;
                    o += l;
                }
                if o != olen {
                    return None;
                }
                d.oam = th[1] & crate::wire::geneve::FLAG_OAM != 0;
                d.options_off = l4_off + 16;
                d.options_len = olen;
                8 + olen
            };
            d.inner_off = l4_off + 8 + hlen;
            d.inner_len = t.len().checked_sub(hlen)?;
        }
        if d.inner_len < ETH_LEN || cfg.expect_id.is_some_and(|e| e != d.id) {
            return None;
        }
        Some(d)
    }

    /// Every check, for every supported layout.
    fn validate_general(&self, pkt: &[u8]) -> Result<Decapped, EncapError> {
        let cfg = &self.cfg;
        let ip = parse_ip(pkt, cfg)?;
        if cfg.local_ip.is_some_and(|l| l != ip.dst) {
            return Err(EncapError::NotLocal);
        }
        let outer_src_mac = EthernetHeader::split_from(pkt)?.0.src;
        let mut d = Decapped {
            tunnel: cfg.tunnel,
            id: 0,
            outer_src: ip.src,
            outer_dst: ip.dst,
            outer_src_mac,
            src_port: 0,
            inner_off: 0,
            inner_len: 0,
            options_off: 0,
            options_len: 0,
            oam: false,
            sequence: None,
            ecn_rewrite: None,
        };
        match cfg.tunnel {
            TunnelType::Vxlan | TunnelType::Geneve => {
                if ip.proto != ip_proto::UDP {
                    return Err(EncapError::WrongProtocol {
                        found: u16::from(ip.proto),
                    });
                }
                let u = UdpPacket::parse(ip.l4)?;
                if u.dst_port() != self.port {
                    return Err(EncapError::WrongPort {
                        found: u.dst_port(),
                    });
                }
                check_udp_checksum(&u, &ip, cfg)?;
                d.src_port = u.src_port();
                let payload = u.payload();
                let (id, hlen) = if cfg.tunnel == TunnelType::Vxlan {
                    vxlan::parse(payload)?
                } else {
                    let g = geneve::parse(payload, cfg.accept_geneve_critical)?;
                    d.oam = g.oam;
                    d.options_off = ip.l4_off + 16;
                    d.options_len = g.header_len - 8;
                    (g.vni, g.header_len)
                };
                d.id = id;
                d.inner_off = ip.l4_off + 8 + hlen;
                d.inner_len = payload.len() - hlen;
            }
            TunnelType::Gre => {
                if ip.proto != gre::IP_PROTO {
                    return Err(EncapError::WrongProtocol {
                        found: u16::from(ip.proto),
                    });
                }
                let g = gre::parse(ip.l4, cfg.verify_l4_checksum)?;
                d.id = match (g.key, cfg.expect_id) {
                    (None, Some(_)) => return Err(EncapError::MissingKey),
                    (k, _) => k.unwrap_or(0),
                };
                d.sequence = g.sequence;
                d.inner_off = ip.l4_off + g.header_len;
                d.inner_len = ip.l4.len() - g.header_len;
            }
        }
        if let Some(e) = cfg.expect_id {
            if e != d.id {
                return Err(EncapError::WrongId {
                    expected: e,
                    found: d.id,
                });
            }
        }
        WireError::check_len(Layer::Ethernet, ETH_LEN, d.inner_len)?;
        if cfg.ecn {
            let inner = pkt
                .get(d.inner_off..d.inner_off + d.inner_len)
                .unwrap_or(&[]);
            if inner.len() >= ETH_LEN {
                d.ecn_rewrite = ecn_decap(inner, ip.ecn)?.map(|(o, e)| (d.inner_off + o, e));
            }
        }
        Ok(d)
    }

    /// Validates and strips the outer headers of the packet in `buf`, which then holds exactly
    /// the inner frame. On error nothing changes and the drop is counted.
    #[inline]
    pub fn decap(&mut self, buf: &mut PacketBuf<'_>) -> Result<Decapped, EncapError> {
        let r = self.validate(buf.data());
        if let Ok(d) = &r {
            if let Some((off, ecn)) = d.ecn_rewrite {
                rewrite_ecn(buf.data_mut().get_mut(off..).unwrap_or_default(), ecn);
            }
            // Cannot fail: inner_off + inner_len <= len was established by validate.
            let _ = buf.trim_front(d.inner_off);
            let _ = buf.truncate(d.inner_len);
        }
        self.stats.count(&r, buf.len());
        r
    }

    /// [`DecapCtx::decap`] over a burst: `results[i]` gets the result for `bufs[i]` (up to the
    /// shorter of the two). Returns how many succeeded.
    pub fn decap_burst(
        &mut self,
        bufs: &mut [PacketBuf<'_>],
        results: &mut [Result<Decapped, EncapError>],
    ) -> usize {
        let mut ok = 0;
        for (b, r) in bufs.iter_mut().zip(results.iter_mut()) {
            *r = self.decap(b);
            ok += usize::from(r.is_ok());
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encap::{
        EncapConfig, EncapCtx, GeneveOptions, GreOptions, Remote, TunnelHeader, Underlay,
    };
    use proptest::prelude::*;

    const KINDS: [TunnelType; 3] = [TunnelType::Vxlan, TunnelType::Geneve, TunnelType::Gre];

    fn packet(
        kind: TunnelType,
        v6: bool,
        seed: u64,
        csum: UdpChecksum,
        extra: bool,
    ) -> std::vec::Vec<u8> {
        let header = match kind {
            TunnelType::Vxlan => TunnelHeader::Vxlan { vni: 300 },
            TunnelType::Geneve => {
                let mut options = GeneveOptions::EMPTY;
                if extra {
                    options.push(0x0102, 0x01, &[1, 2, 3, 4]).unwrap();
                }
                TunnelHeader::Geneve { vni: 300, options }
            }
            TunnelType::Gre => TunnelHeader::Gre {
                key: 300,
                options: GreOptions {
                    checksum: extra,
                    sequence: seed & 1 == 1,
                },
            },
        };
        let (l, r) = if v6 {
            ("2001:db8::1", "2001:db8::2")
        } else {
            ("192.0.2.1", "192.0.2.2")
        };
        let mut u = Underlay::new(l.parse().unwrap(), MacAddr([2, 0, 0, 0, 0, 1]));
        u.hash_seed = seed;
        u.udp_checksum = Some(csum);
        u.allow_zero_udp6_checksum = true;
        let cfg = EncapConfig {
            header,
            underlay: u,
            remote: Some(Remote {
                ip: r.parse().unwrap(),
                mac: MacAddr([2, 0, 0, 0, 0, 2]),
            }),
        };
        let mut mem = std::vec![0x11u8; 90 + 60];
        mem[90 + 12] = 0x08;
        let mut b = PacketBuf::new(&mut mem, 90, 60).unwrap();
        EncapCtx::new(&cfg).unwrap().encap(&mut b).unwrap();
        b.data().to_vec()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The fast path accepts nothing the general path refuses, and agrees on the result.
        #[test]
        fn fast_path_agrees_with_general(
            kind in 0usize..3,
            v6 in any::<bool>(),
            seed in any::<u64>(),
            csum in prop_oneof![Just(UdpChecksum::Zero), Just(UdpChecksum::Full)],
            extra in any::<bool>(),
            flips in proptest::collection::vec((0usize..90, any::<u8>()), 0..3),
            expect in prop_oneof![Just(None), Just(Some(300u32)), Just(Some(301u32))],
            local in prop_oneof![Just(None), Just(Some("192.0.2.2")), Just(Some("192.0.2.3")), Just(Some("2001:db8::2"))],
            ecn in any::<bool>(),
            verify in any::<bool>(),
            critical in any::<bool>(),
            zero6 in any::<bool>(),
            trim in 0usize..4,
        ) {
            let tunnel = KINDS[kind];
            let mut pkt = packet(tunnel, v6, seed, csum, extra);
            for (i, v) in flips {
                if let Some(b) = pkt.get_mut(i) {
                    *b = v;
                }
            }
            pkt.truncate(pkt.len() - trim * 7);
            let cfg = DecapConfig {
                expect_id: expect,
                local_ip: local.map(|l| l.parse().unwrap()),
                ecn,
                verify_ip_checksum: verify,
                verify_l4_checksum: verify || seed & 2 == 0,
                accept_geneve_critical: critical,
                allow_zero_udp6_checksum: zero6,
                ..DecapConfig::new(tunnel)
            };
            let d = DecapCtx::new(&cfg).unwrap();
            if let Some(fast) = d.fast(&pkt) {
                prop_assert_eq!(d.validate_general(&pkt), Ok(fast));
            }
            prop_assert_eq!(d.validate(&pkt).ok(), d.validate_general(&pkt).ok());
        }
    }

    #[test]
    fn fast_path_is_taken_for_the_common_cases() {
        for tunnel in KINDS {
            for v6 in [false, true] {
                for extra in [false, true] {
                    let pkt = packet(tunnel, v6, 1, UdpChecksum::Full, extra);
                    let d = DecapCtx::new(&DecapConfig::new(tunnel)).unwrap();
                    assert!(d.fast(&pkt).is_some(), "{tunnel:?} v6 {v6} {extra}");
                }
            }
        }
    }
}
