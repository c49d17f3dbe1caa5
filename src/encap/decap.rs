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
    pub fn validate(&self, pkt: &[u8]) -> Result<Decapped, EncapError> {
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
