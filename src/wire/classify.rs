//! The one-pass classifier: walks L2 → L4 once, optionally through one VXLAN/GENEVE/GRE level,
//! and records offsets, tags, addresses, ports and flags in a [`PacketInfo`].
//!
//! It uses the same header views and length checks as the protocol parsers, so a packet the
//! classifier accepts is one those parsers accept, with two deliberate shortcuts for speed: TCP
//! options are bounded by the data offset but not walked (use [`super::tcp::TcpPacket`] for
//! that), and the payload of a DHCP or other application message is not looked at.

use super::classify_types::{ClassifyOpts, FrameFlags, FrameInfo, L3Kind, PacketInfo, TunnelKind};
use super::ethernet::EthernetFrame;
use super::geneve::GenevePacket;
use super::gre::GrePacket;
use super::ipv4::{Ipv4Header, Ipv4Packet};
use super::ipv6::{self, Ipv6Header};
use super::tcp::{self, TcpHeader};
use super::udp::{UdpHeader, UdpPacket};
use super::vxlan::VxlanPacket;
use super::{arp, checksum, ethertype, ip_proto, vlan, Header, Layer, WireError};

/// ICMPv4 header length (RFC 792: type, code, checksum, 4 bytes of rest-of-header).
const ICMPV4_MIN_LEN: usize = 8;
/// ICMPv6 header length (RFC 4443 §2.1: type, code, checksum).
const ICMPV6_MIN_LEN: usize = 4;

/// Classifies one frame. See [`classify_into`].
#[inline]
pub fn classify(buf: &[u8], opts: &ClassifyOpts) -> Result<PacketInfo, WireError> {
    let mut info = PacketInfo::default();
    classify_into(buf, opts, &mut info)?;
    Ok(info)
}

/// Classifies one Ethernet frame into `info`, filled as far as the walk got even when an error
/// is returned (so a caller can still see the outer headers of a packet whose inner frame is
/// malformed). `outer` and the tunnel fields are always reset; `inner` is reset only when a
/// tunnel is found and is meaningless otherwise (this saves clearing ~100 bytes per packet).
///
/// Frames longer than 65535 bytes are refused (offsets are 16-bit, as in an mbuf).
#[inline]
pub fn classify_into(
    buf: &[u8],
    opts: &ClassifyOpts,
    info: &mut PacketInfo,
) -> Result<(), WireError> {
    info.outer = FrameInfo::EMPTY;
    info.tunnel = TunnelKind::None;
    info.tunnel_id = 0;
    info.tunnel_off = 0;
    if buf.len() > usize::from(u16::MAX) {
        return Err(WireError::BadLength {
            layer: Layer::Ethernet,
            value: buf.len(),
        });
    }
    let next = walk_frame(buf, 0, opts, &mut info.outer)?;
    if !opts.tunnels || matches!(next, Next::End) {
        return Ok(());
    }
    info.inner = FrameInfo::EMPTY;
    match next {
        Next::End => Ok(()),
        Next::Vxlan { off, end } => {
            info.tunnel = TunnelKind::Vxlan;
            info.tunnel_off = off as u16;
            let v = VxlanPacket::parse(&buf[off..end])?;
            info.tunnel_id = v.vni();
            let inner = end - v.payload().len();
            walk_frame(&buf[..end], inner, opts, &mut info.inner).map(drop)
        }
        Next::Geneve { off, end } => {
            info.tunnel = TunnelKind::Geneve;
            info.tunnel_off = off as u16;
            let g = GenevePacket::parse(&buf[off..end])?;
            info.tunnel_id = g.vni();
            let inner = end - g.payload().len();
            walk_inner(&buf[..end], inner, g.protocol_type(), opts, &mut info.inner)
        }
        Next::Gre { off, end } => {
            info.tunnel = TunnelKind::Gre;
            info.tunnel_off = off as u16;
            let g = GrePacket::parse(&buf[off..end])?;
            info.tunnel_id = g.key().unwrap_or(0);
            let inner = end - g.payload().len();
            walk_inner(&buf[..end], inner, g.protocol_type(), opts, &mut info.inner)
        }
    }
}

/// Where the walk of one frame ended: nothing more, or a tunnel header at `off` whose payload
/// ends at `end`.
enum Next {
    End,
    Vxlan { off: usize, end: usize },
    Geneve { off: usize, end: usize },
    Gre { off: usize, end: usize },
}

/// Inner frame of a GRE/GENEVE tunnel: Ethernet for Transparent Ethernet Bridging, otherwise
/// an L3 packet of the given EtherType.
#[inline]
fn walk_inner(
    buf: &[u8],
    start: usize,
    proto: u16,
    opts: &ClassifyOpts,
    fi: &mut FrameInfo,
) -> Result<(), WireError> {
    if proto == ethertype::TEB {
        return walk_frame(buf, start, opts, fi).map(drop);
    }
    fi.l2_off = start as u16;
    fi.l3_off = start as u16;
    fi.ethertype = proto;
    walk_l3(buf, start, opts, fi).map(drop)
}

/// Walks one Ethernet frame starting at `start` in `buf` (whose end bounds the frame).
#[inline(always)]
fn walk_frame(
    buf: &[u8],
    start: usize,
    opts: &ClassifyOpts,
    fi: &mut FrameInfo,
) -> Result<Next, WireError> {
    fi.l2_off = start as u16;
    let eth = EthernetFrame::parse(&buf[start..])?;
    fi.flags |= FrameFlags::L2;
    fi.eth_dst = eth.dst();
    fi.eth_src = eth.src();
    let mut et = eth.ethertype();
    let mut l3 = start + super::ethernet::HEADER_LEN;
    if vlan::is_tpid(et) {
        let (stack, inner_et, used) = vlan::walk_tags(et, eth.payload())?;
        fi.vlan = stack;
        et = inner_et;
        l3 += used;
    }
    fi.ethertype = et;
    fi.l3_off = l3 as u16;
    walk_l3(buf, l3, opts, fi)
}

/// Walks the network and transport layers at `l3` according to `fi.ethertype`.
#[inline(always)]
fn walk_l3(
    buf: &[u8],
    l3: usize,
    opts: &ClassifyOpts,
    fi: &mut FrameInfo,
) -> Result<Next, WireError> {
    fi.l4_off = l3 as u16;
    fi.payload_off = l3 as u16;
    fi.l3_end = buf.len() as u16;
    match fi.ethertype {
        ethertype::IPV4 => walk_ipv4(buf, l3, opts, fi),
        ethertype::IPV6 => walk_ipv6(buf, l3, opts, fi),
        ethertype::ARP => {
            arp::ArpPacket::parse(&buf[l3..])?;
            fi.l3 = L3Kind::Arp;
            fi.flags |= FrameFlags::ARP;
            fi.payload_off = (l3 + arp::HEADER_LEN) as u16;
            Ok(Next::End)
        }
        _ => Ok(Next::End),
    }
}

#[inline(always)]
fn walk_ipv4(
    buf: &[u8],
    l3: usize,
    opts: &ClassifyOpts,
    fi: &mut FrameInfo,
) -> Result<Next, WireError> {
    let ip = Ipv4Packet::parse(&buf[l3..])?;
    let h: &Ipv4Header = ip.header();
    fi.l3 = L3Kind::Ipv4;
    fi.flags |= FrameFlags::IPV4;
    fi.ip_proto = h.protocol;
    fi.src_ip[..4].copy_from_slice(&h.src);
    fi.dst_ip[..4].copy_from_slice(&h.dst);
    fi.ttl = h.ttl;
    fi.tos = h.tos;
    let l4 = l3 + ip.header_len();
    let end = l3 + usize::from(h.total_len());
    fi.l3_end = end as u16;
    fi.l4_off = l4 as u16;
    fi.payload_off = l4 as u16;
    if l4 > l3 + super::ipv4::HEADER_LEN {
        fi.flags |= FrameFlags::IP_OPTIONS;
    }
    if opts.verify_checksums {
        if !ip.verify_checksum() {
            return Err(WireError::BadChecksum { layer: Layer::Ipv4 });
        }
        fi.flags |= FrameFlags::IP_CSUM_GOOD;
    }
    if h.is_fragment() {
        fi.flags |= FrameFlags::FRAGMENT;
        fi.frag_offset = h.frag_offset();
        fi.frag_ident = u32::from(h.ident());
        if h.frag_offset() != 0 {
            fi.flags |= FrameFlags::LATER_FRAGMENT;
            return Ok(Next::End);
        }
    }
    let seg = &buf[l4..end];
    let pseudo = Pseudo::V4(h.src, h.dst);
    walk_l4(seg, l4, h.protocol, pseudo, opts, fi)
}

#[inline(always)]
fn walk_ipv6(
    buf: &[u8],
    l3: usize,
    opts: &ClassifyOpts,
    fi: &mut FrameInfo,
) -> Result<Next, WireError> {
    let (h, rest): (&Ipv6Header, &[u8]) = Ipv6Header::split_from(&buf[l3..])?;
    let plen = ipv6::check_header(h, rest.len())?;
    fi.l3 = L3Kind::Ipv6;
    fi.flags |= FrameFlags::IPV6;
    fi.src_ip = h.src;
    fi.dst_ip = h.dst;
    fi.ttl = h.hop_limit;
    fi.tos = h.traffic_class();
    fi.flow_label = h.flow_label();
    fi.ip_proto = h.next_header;
    let payload_start = l3 + ipv6::HEADER_LEN;
    let end = payload_start + plen;
    fi.l3_end = end as u16;
    fi.l4_off = payload_start as u16;
    fi.payload_off = payload_start as u16;
    // Most packets have no extension header: skip the (out-of-line) walk for them.
    let walk = if ipv6::is_ext_header(h.next_header) {
        ipv6::walk_ext_headers(h.next_header, &buf[payload_start..end])?
    } else {
        ipv6::ExtWalk {
            upper_proto: h.next_header,
            ..ipv6::ExtWalk::default()
        }
    };
    let l4 = payload_start + walk.upper_off;
    fi.ip_proto = walk.upper_proto;
    fi.l4_off = l4 as u16;
    fi.payload_off = l4 as u16;
    if walk.count != 0 {
        fi.flags |= FrameFlags::IP_OPTIONS;
    }
    if let Some(frag) = walk.frag {
        fi.flags |= FrameFlags::FRAGMENT;
        fi.frag_offset = frag.offset;
        fi.frag_ident = frag.ident;
        if frag.offset != 0 {
            fi.flags |= FrameFlags::LATER_FRAGMENT;
            return Ok(Next::End);
        }
    }
    let seg = &buf[l4..end];
    walk_l4(
        seg,
        l4,
        walk.upper_proto,
        Pseudo::V6(&h.src, &h.dst),
        opts,
        fi,
    )
}

/// The addresses an L4 checksum covers.
#[derive(Clone, Copy)]
enum Pseudo<'a> {
    V4([u8; 4], [u8; 4]),
    V6(&'a [u8; 16], &'a [u8; 16]),
}

impl Pseudo<'_> {
    /// Sum of the pseudo-header for `proto` over `len` bytes of upper-layer data.
    #[inline]
    fn sum(self, proto: u8, len: usize) -> checksum::Checksum {
        match self {
            Pseudo::V4(s, d) => checksum::pseudo_header_v4(s, d, proto, len as u16),
            Pseudo::V6(s, d) => checksum::pseudo_header_v6(s, d, proto, len as u32),
        }
    }
}

/// Walks the transport header in `seg` (the L4 bytes of the IP packet) found at offset `l4`.
#[inline(always)]
fn walk_l4(
    seg: &[u8],
    l4: usize,
    proto: u8,
    pseudo: Pseudo<'_>,
    opts: &ClassifyOpts,
    fi: &mut FrameInfo,
) -> Result<Next, WireError> {
    // A first fragment holds only part of the datagram: read the fixed header, nothing else.
    let first_fragment = fi.flags.contains(FrameFlags::FRAGMENT);
    let verify = opts.verify_checksums && !first_fragment;
    match proto {
        ip_proto::TCP => {
            let (h, _): (&TcpHeader, _) = TcpHeader::split_from(seg)?;
            fi.src_port = h.src_port();
            fi.dst_port = h.dst_port();
            fi.tcp_flags = h.flags;
            fi.flags |= FrameFlags::L4 | FrameFlags::PORTS;
            let hl = tcp::check_data_offset(h, seg.len())?;
            fi.payload_off = (l4 + hl) as u16;
            if verify {
                check_l4(
                    pseudo.sum(proto, seg.len()).add_bytes(seg).finish(),
                    Layer::Tcp,
                    fi,
                )?;
            }
            Ok(Next::End)
        }
        ip_proto::UDP => {
            let (h, _): (&UdpHeader, _) = UdpHeader::split_from(seg)?;
            fi.src_port = h.src_port();
            fi.dst_port = h.dst_port();
            fi.flags |= FrameFlags::L4 | FrameFlags::PORTS;
            fi.payload_off = (l4 + super::udp::HEADER_LEN) as u16;
            if first_fragment {
                return Ok(Next::End);
            }
            let udp = UdpPacket::parse(seg)?;
            let end = l4 + super::udp::HEADER_LEN + udp.payload().len();
            if verify {
                if h.checksum() == 0 {
                    if matches!(pseudo, Pseudo::V6(..)) {
                        return Err(WireError::BadChecksum { layer: Layer::Udp });
                    }
                    fi.flags |= FrameFlags::L4_CSUM_NONE;
                } else {
                    let dgram = &seg[..end - l4];
                    check_l4(
                        pseudo.sum(proto, dgram.len()).add_bytes(dgram).finish(),
                        Layer::Udp,
                        fi,
                    )?;
                }
            }
            let payload_off = usize::from(fi.payload_off);
            let dport = h.dst_port();
            if dport == opts.vxlan_port {
                Ok(Next::Vxlan {
                    off: payload_off,
                    end,
                })
            } else if dport == opts.geneve_port {
                Ok(Next::Geneve {
                    off: payload_off,
                    end,
                })
            } else {
                Ok(Next::End)
            }
        }
        ip_proto::GRE => {
            if first_fragment {
                return Ok(Next::End);
            }
            Ok(Next::Gre {
                off: l4,
                end: l4 + seg.len(),
            })
        }
        ip_proto::ICMP | ip_proto::ICMPV6 => {
            let (layer, min) = if proto == ip_proto::ICMP {
                (Layer::Icmpv4, ICMPV4_MIN_LEN)
            } else {
                (Layer::Icmpv6, ICMPV6_MIN_LEN)
            };
            WireError::check_len(layer, min, seg.len())?;
            fi.icmp_type = seg[0];
            fi.icmp_code = seg[1];
            fi.flags |= FrameFlags::L4 | FrameFlags::ICMP;
            fi.payload_off = (l4 + min) as u16;
            if verify {
                let sum = if proto == ip_proto::ICMP {
                    checksum::internet_checksum(seg)
                } else {
                    pseudo.sum(proto, seg.len()).add_bytes(seg).finish()
                };
                check_l4(sum, layer, fi)?;
            }
            Ok(Next::End)
        }
        _ => Ok(Next::End),
    }
}

#[inline]
fn check_l4(sum: u16, layer: Layer, fi: &mut FrameInfo) -> Result<(), WireError> {
    if sum != 0 {
        return Err(WireError::BadChecksum { layer });
    }
    fi.flags |= FrameFlags::L4_CSUM_GOOD;
    Ok(())
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
