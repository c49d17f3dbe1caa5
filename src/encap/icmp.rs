//! The ICMP errors a datapath sends back when an inner packet does not fit the network MTU:
//! ICMPv4 Destination Unreachable / Fragmentation Needed with the next-hop MTU (RFC 792,
//! RFC 1191 §4) and ICMPv6 Packet Too Big (RFC 4443 §3.2), built with the wire emitters into a
//! caller buffer as a complete Ethernet frame addressed back to the sender (same VLAN tags).
//!
//! Quoting: ICMPv4 quotes the offending datagram's IP header and as much of its data as keeps
//! the error within 576 bytes (RFC 1812 §4.3.2.3); ICMPv6 as much of the packet as keeps the
//! error within the IPv6 minimum MTU of 1280 (RFC 4443 §2.4(c), §3.2).
//!
//! Not generated (the function returns [`IcmpError::Suppressed`] with the reason), following
//! RFC 1812 §4.3.2.7 and RFC 4443 §2.4(e): for an ICMP error message; for a non-initial
//! fragment; for a source that is not a unique host (unspecified, loopback, multicast,
//! broadcast, IPv4 class E); for IPv4, to a multicast or broadcast destination (IP or link
//! layer) — ICMPv6 Packet Too Big *is* sent for multicast (§2.4(e.3) exception 2). IPv4
//! "fragmentation needed" is only for datagrams with DF set (RFC 1191 §4; without DF a router
//! fragments). The MTU must be at least 68 (IPv4, RFC 791) or 1280 (IPv6, RFC 8200 §5).
//!
//! IPv4 header of the error: TTL 64, TOS 0xc0 (precedence 6, RFC 1812 §4.3.2.5), DF clear,
//! identification 0. IPv6: hop limit 64, traffic class 0, flow label 0. Rate limiting
//! (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)) is the caller's.

use crate::wire::ethernet::{EthernetHeader, EthernetRepr, HEADER_LEN as ETH_LEN};
use crate::wire::icmpv4::{self, unreach, Icmpv4Repr};
use crate::wire::icmpv6::{self, Icmpv6Repr};
use crate::wire::ipv4::{Ipv4Packet, Ipv4Repr};
use crate::wire::ipv6::{Ipv6Packet, Ipv6Repr};
use crate::wire::{ethertype, ip_proto, vlan, Header, Layer, MacAddr, WireError};

/// TTL / hop limit of the generated errors.
pub const ICMP_TTL: u8 = 64;
/// TOS of the ICMPv4 errors: precedence 6, internetwork control (RFC 1812 §4.3.2.5).
pub const ICMP_TOS: u8 = 0xc0;
/// The smallest IPv4 MTU (RFC 791: every module must forward 68-octet datagrams).
pub const IPV4_MIN_MTU: u16 = 68;

/// Why no error was generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Suppressed {
    /// The frame is not IPv4 (for [`frag_needed`]) or IPv6 (for [`packet_too_big`]).
    NotIp,
    /// The offending packet is itself an ICMP error.
    IcmpError,
    /// Not the first fragment.
    LaterFragment,
    /// The source is not a unique host.
    BadSource,
    /// IPv4 to a multicast or broadcast address (IP or link layer).
    NotUnicast,
    /// IPv4 datagram without DF: a router fragments it instead.
    NotDf,
    /// The MTU to report is below the protocol minimum.
    MtuTooSmall,
}

/// Why [`frag_needed`] or [`packet_too_big`] wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IcmpError {
    /// The RFCs say not to send one (see the module doc).
    #[error("no ICMP error for this packet: {0:?}")]
    Suppressed(Suppressed),
    /// The offending frame does not parse, or `out` is too small.
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// The L2 part of the offending frame: header, tags, EtherType after them, L3 offset.
fn l2(frame: &[u8]) -> Result<(&EthernetHeader, vlan::VlanStack, u16, usize), WireError> {
    let (eth, rest) = EthernetHeader::split_from(frame)?;
    let (tags, et, off) = vlan::walk_tags(eth.ethertype(), rest)?;
    Ok((eth, tags, et, ETH_LEN + off))
}

/// Bytes of the reply's Ethernet header and tags.
fn l2_len(tags: &vlan::VlanStack) -> usize {
    ETH_LEN + vlan::TAG_LEN * usize::from(tags.depth)
}

/// Writes the reply's Ethernet header and tags (mirroring the offending frame's) into `out`;
/// returns the L3 offset.
fn write_l2(
    out: &mut [u8],
    to: MacAddr,
    from: MacAddr,
    tags: &vlan::VlanStack,
    et: u16,
) -> Result<usize, WireError> {
    let depth = usize::from(tags.depth);
    let first = if depth > 0 { tags.tpid[0] } else { et };
    EthernetRepr {
        dst: to,
        src: from,
        ethertype: first,
    }
    .emit(out)?;
    let mut off = ETH_LEN;
    for i in 0..depth {
        let next = if i + 1 < depth { tags.tpid[i + 1] } else { et };
        let t = tags.tci[i];
        vlan::VlanRepr {
            tpid: tags.tpid[i],
            vid: t & 0x0fff,
            pcp: (t >> 13) as u8,
            dei: t & 0x1000 != 0,
            ethertype: next,
        }
        .emit(out.get_mut(off..).unwrap_or_default())?;
        off += vlan::TAG_LEN;
    }
    Ok(off)
}

fn suppressed(s: Suppressed) -> IcmpError {
    IcmpError::Suppressed(s)
}

fn v4_unique_host(a: [u8; 4]) -> bool {
    // Not 0/8 ("this network"), 127/8, 224/4 multicast, 240/4 class E (includes broadcast).
    !matches!(a[0], 0 | 127 | 224..=255)
}

/// Builds, into `out`, the ICMPv4 "fragmentation needed and DF set" (type 3 code 4) that a
/// router with interface address `src_ip` and MAC `src_mac` sends for the IPv4 `frame` that
/// exceeds `mtu`. Returns the frame length.
pub fn frag_needed(
    frame: &[u8],
    mtu: u16,
    src_mac: MacAddr,
    src_ip: [u8; 4],
    out: &mut [u8],
) -> Result<usize, IcmpError> {
    let (eth, tags, et, l3) = l2(frame)?;
    if et != ethertype::IPV4 {
        return Err(suppressed(Suppressed::NotIp));
    }
    let ip = Ipv4Packet::parse(frame.get(l3..).unwrap_or(&[]))?;
    let h = ip.header();
    if h.frag_offset() != 0 {
        return Err(suppressed(Suppressed::LaterFragment));
    }
    if !v4_unique_host(h.src) {
        return Err(suppressed(Suppressed::BadSource));
    }
    if !v4_unique_host(h.dst) || !eth.dst.is_unicast() {
        return Err(suppressed(Suppressed::NotUnicast));
    }
    if h.protocol == ip_proto::ICMP
        && ip
            .payload()
            .first()
            .is_some_and(|t| matches!(t, 3 | 4 | 5 | 11 | 12))
    {
        return Err(suppressed(Suppressed::IcmpError));
    }
    if !h.dont_frag() {
        return Err(suppressed(Suppressed::NotDf));
    }
    if mtu < IPV4_MIN_MTU {
        return Err(suppressed(Suppressed::MtuTooSmall));
    }
    // The datagram up to its total length (padding excluded), quoted up to 576 − 28 bytes.
    let datagram = frame
        .get(l3..l3 + ip.header_len() + ip.payload().len())
        .unwrap_or(&[]);
    let msg = Icmpv4Repr::DestUnreachable {
        code: unreach::FRAG_NEEDED,
        next_hop_mtu: mtu,
        quoted: icmpv4::quote(datagram),
    };
    let icmp_len = msg.buffer_len();
    // Room is checked before anything is written: a refused call leaves `out` as it was.
    let need = l2_len(&tags) + 20 + icmp_len;
    WireError::check_room(Layer::Icmpv4, need, out.len())?;
    let total = write_l2(out, eth.src, src_mac, &tags, ethertype::IPV4)?;
    Ipv4Repr {
        src: src_ip,
        dst: h.src,
        protocol: ip_proto::ICMP,
        payload_len: icmp_len as u16,
        ttl: ICMP_TTL,
        tos: ICMP_TOS,
        ident: 0,
        dont_frag: false,
    }
    .emit(&mut out[total..])?;
    msg.emit(&mut out[total + 20..])?;
    Ok(need)
}

fn v6_unique_host(a: &[u8; 16]) -> bool {
    let unspecified = a.iter().all(|b| *b == 0);
    let loopback = a[..15].iter().all(|b| *b == 0) && a[15] == 1;
    !unspecified && !loopback && a[0] != 0xff
}

/// Builds, into `out`, the ICMPv6 Packet Too Big (type 2) that a router with address `src_ip`
/// and MAC `src_mac` sends for the IPv6 `frame` that exceeds `mtu`. Returns the frame length.
pub fn packet_too_big(
    frame: &[u8],
    mtu: u32,
    src_mac: MacAddr,
    src_ip: [u8; 16],
    out: &mut [u8],
) -> Result<usize, IcmpError> {
    let (eth, tags, et, l3) = l2(frame)?;
    if et != ethertype::IPV6 {
        return Err(suppressed(Suppressed::NotIp));
    }
    let ip = Ipv6Packet::parse(frame.get(l3..).unwrap_or(&[]))?;
    if ip.ext().frag.is_some_and(|f| f.offset != 0) {
        return Err(suppressed(Suppressed::LaterFragment));
    }
    if !v6_unique_host(&ip.src()) {
        return Err(suppressed(Suppressed::BadSource));
    }
    if ip.upper_protocol() == ip_proto::ICMPV6
        && ip
            .upper_payload()
            .first()
            .is_some_and(|t| icmpv6::is_error(*t))
    {
        return Err(suppressed(Suppressed::IcmpError));
    }
    if mtu < icmpv6::MIN_MTU as u32 {
        return Err(suppressed(Suppressed::MtuTooSmall));
    }
    let packet = frame.get(l3..l3 + 40 + ip.payload().len()).unwrap_or(&[]);
    let msg = Icmpv6Repr::PacketTooBig {
        mtu,
        quoted: icmpv6::quote(packet),
    };
    let icmp_len = msg.buffer_len();
    let need = l2_len(&tags) + 40 + icmp_len;
    WireError::check_room(Layer::Icmpv6, need, out.len())?;
    let total = write_l2(out, eth.src, src_mac, &tags, ethertype::IPV6)?;
    let dst = ip.src();
    Ipv6Repr {
        src: src_ip,
        dst,
        next_header: ip_proto::ICMPV6,
        payload_len: icmp_len as u16,
        hop_limit: ICMP_TTL,
        traffic_class: 0,
        flow_label: 0,
    }
    .emit(&mut out[total..])?;
    msg.emit(&src_ip, &dst, &mut out[total + 40..])?;
    Ok(need)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    const GW_MAC: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 0xfe]);

    // scapy: Ether(dst='fa:16:3e:00:00:fe', src='fa:16:3e:00:00:01')/Dot1Q(vlan=9)
    //   /IP(src='10.0.0.1', dst='10.0.1.1', flags='DF', id=5)/UDP(sport=1000, dport=2000)/(b'x'*1472)
    // (the head only; the test builds the payload)
    fn big_v4() -> std::vec::Vec<u8> {
        let mut f = hex("fa163e0000fefa163e000001810000090800450005dc000540004011");
        f.extend_from_slice(&[0, 0, 10, 0, 0, 1, 10, 0, 1, 1]);
        f.extend_from_slice(&[0x03, 0xe8, 0x07, 0xd0, 0x05, 0xc8, 0, 0]);
        f.resize(18 + 1500, b'x');
        crate::wire::ipv4::fill_checksum(&mut f[18..]).unwrap();
        f
    }

    #[test]
    fn frag_needed_quotes_and_mirrors_tags() {
        let f = big_v4();
        let mut out = [0u8; 700];
        let n = frag_needed(&f, 1450, GW_MAC, [10, 0, 0, 254], &mut out).unwrap();
        // Ethernet + tag + 576-byte datagram.
        assert_eq!(n, 18 + 576);
        let o = &out[..n];
        assert_eq!(&o[..6], &f[6..12]);
        assert_eq!(&o[6..12], &GW_MAC.0);
        assert_eq!(&o[12..18], &[0x81, 0, 0, 9, 0x08, 0]);
        let ip = Ipv4Packet::parse(&o[18..]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!((ip.src(), ip.dst()), ([10, 0, 0, 254], [10, 0, 0, 1]));
        assert_eq!(ip.header().tos, 0xc0);
        let icmp = crate::wire::icmpv4::Icmpv4Packet::parse(ip.payload()).unwrap();
        assert!(icmp.verify_checksum());
        assert_eq!((icmp.msg_type(), icmp.code()), (3, 4));
        assert_eq!(icmp.next_hop_mtu(), Some(1450));
        assert_eq!(icmp.payload(), &f[18..18 + 548]);
        assert!(matches!(
            frag_needed(&f, 1450, GW_MAC, [10, 0, 0, 254], &mut out[..100]),
            Err(IcmpError::Wire(WireError::BufferTooSmall { .. }))
        ));
    }

    /// A refusal for lack of room writes nothing, at every output length short of the error.
    #[test]
    fn no_room_leaves_output_untouched() {
        let f = big_v4();
        for len in 0..18 + 576 {
            let mut out = std::vec![0xa5u8; len];
            assert!(frag_needed(&f, 1450, GW_MAC, [10, 0, 0, 254], &mut out).is_err());
            assert!(
                out.iter().all(|b| *b == 0xa5),
                "frag_needed wrote into {len} bytes"
            );
        }
        let mut f6 = hex("fa163e0000fefa163e00000186dd6000000005b01140");
        f6.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        f6.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        f6.resize(14 + 40 + 1456, b'y');
        let src = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe];
        for len in 0..14 + 1280 {
            let mut out = std::vec![0xa5u8; len];
            assert!(packet_too_big(&f6, 1430, GW_MAC, src, &mut out).is_err());
            assert!(
                out.iter().all(|b| *b == 0xa5),
                "packet_too_big wrote into {len} bytes"
            );
        }
    }

    #[test]
    fn frag_needed_suppression_rules() {
        let gen = |f: &[u8], mtu| {
            let mut out = [0u8; 700];
            frag_needed(f, mtu, GW_MAC, [10, 0, 0, 254], &mut out)
        };
        let base = big_v4();
        let with = |edit: &dyn Fn(&mut std::vec::Vec<u8>)| {
            let mut f = base.clone();
            edit(&mut f);
            crate::wire::ipv4::fill_checksum(&mut f[18..]).unwrap();
            f
        };
        let s = |x| Err(IcmpError::Suppressed(x));
        assert_eq!(gen(&with(&|f| f[24] = 0), 1450), s(Suppressed::NotDf));
        assert_eq!(
            gen(&with(&|f| f[25] = 1), 1450),
            s(Suppressed::LaterFragment)
        );
        assert_eq!(gen(&with(&|f| f[30] = 127), 1450), s(Suppressed::BadSource));
        assert_eq!(gen(&with(&|f| f[30] = 0), 1450), s(Suppressed::BadSource));
        assert_eq!(
            gen(&with(&|f| f[34] = 224), 1450),
            s(Suppressed::NotUnicast)
        );
        assert_eq!(
            gen(&with(&|f| f[34] = 255), 1450),
            s(Suppressed::NotUnicast)
        );
        assert_eq!(gen(&with(&|f| f[0] = 1), 1450), s(Suppressed::NotUnicast));
        // An ICMP error (type 3) is not answered; an echo request (type 8) is.
        let icmp = |t: u8| {
            with(&|f: &mut std::vec::Vec<u8>| {
                f[27] = 1;
                f[38] = t;
            })
        };
        assert_eq!(gen(&icmp(3), 1450), s(Suppressed::IcmpError));
        assert!(gen(&icmp(8), 1450).is_ok());
        assert_eq!(gen(&base, 60), s(Suppressed::MtuTooSmall));
        let mut v6 = base.clone();
        v6[16] = 0x86;
        v6[17] = 0xdd;
        assert_eq!(gen(&v6, 1450), s(Suppressed::NotIp));
    }

    #[test]
    fn packet_too_big_quotes_up_to_1280() {
        let mut f = hex("fa163e0000fefa163e00000186dd6000000005b01140");
        f.extend_from_slice(&[0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&[0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
        f.extend_from_slice(&[0x03, 0xe8, 0x07, 0xd0, 0x05, 0xb0, 0, 0]);
        f.resize(14 + 40 + 1456, b'y');
        let src = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe];
        let mut out = [0u8; 1400];
        // Multicast destination: Packet Too Big is still sent (RFC 4443 §2.4(e.3)).
        let n = packet_too_big(&f, 1430, GW_MAC, src, &mut out).unwrap();
        assert_eq!(n, 14 + 1280);
        let ip = Ipv6Packet::parse(&out[14..n]).unwrap();
        assert_eq!(ip.upper_protocol(), 58);
        assert_eq!(ip.dst(), f[22..38]);
        let icmp = crate::wire::icmpv6::Icmpv6Packet::parse(ip.upper_payload()).unwrap();
        assert!(icmp.verify_checksum(&src, &ip.dst()));
        assert_eq!(icmp.msg_type(), 2);
        assert_eq!(&ip.upper_payload()[4..8], &1430u32.to_be_bytes());
        assert_eq!(&ip.upper_payload()[8..], &f[14..14 + 1232]);
        assert_eq!(
            packet_too_big(&f, 1200, GW_MAC, src, &mut out),
            Err(IcmpError::Suppressed(Suppressed::MtuTooSmall))
        );
        let mut bad = f.clone();
        bad[22] = 0xff;
        assert_eq!(
            packet_too_big(&bad, 1430, GW_MAC, src, &mut out),
            Err(IcmpError::Suppressed(Suppressed::BadSource))
        );
    }
}
