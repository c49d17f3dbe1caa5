//! The classifier on valid frames: `arbitrary` describes a frame (Ethernet, 0–2 VLAN tags with
//! any TPID, then IPv4 with options and fragment fields, IPv6 with Hop-by-Hop / Routing /
//! Fragment / Destination Options / AH extension headers, ARP, or an unknown EtherType; over
//! IP, TCP with options, UDP, ICMP/ICMPv6 or another protocol; optionally a VXLAN, GENEVE (with
//! options, Ethernet or L3 inner) or GRE (checksum, key, sequence; Ethernet or L3 inner) tunnel
//! around an inner frame of the same kinds, and Ethernet padding). The frame is built with the
//! crate's own emitters (extension headers and IPv4 options by hand), every checksum filled.
//!
//! Asserts that `classify` (tunnels on or off, checksum verification on or off) accepts it and
//! returns exactly the fields it was built with, for the outer and the inner frame: flags
//! (fragment, options, checksum-good), every offset, `l3_end`, MACs, the VLAN stack, EtherType,
//! addresses, IP protocol after extension headers, ports, TCP flags, ICMP type and code,
//! TTL/hop limit, TOS/traffic class, flow label, fragment offset and identification, and the
//! tunnel kind, id and offset; that the offsets are ordered and inside the buffer; and that
//! `classify_into` over a dirty `PacketInfo` gives the same result.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use neutrino::wire::arp::ArpRepr;
use neutrino::wire::ethernet::EthernetRepr;
use neutrino::wire::geneve::{emit_option, GeneveRepr, MAX_OPTIONS_LEN, MAX_OPTION_DATA_LEN};
use neutrino::wire::gre::GreRepr;
use neutrino::wire::icmpv4::Icmpv4Repr;
use neutrino::wire::icmpv6::Icmpv6Repr;
use neutrino::wire::ipv4::{self, Ipv4Repr};
use neutrino::wire::ipv6::Ipv6Repr;
use neutrino::wire::tcp::{self, TcpRepr};
use neutrino::wire::udp::{self, UdpRepr};
use neutrino::wire::vlan::{VlanRepr, VlanStack, MAX_TAGS};
use neutrino::wire::vxlan::VxlanRepr;
use neutrino::wire::{
    classify, classify_into, ethertype, ip_proto, udp_port, ClassifyOpts, FrameFlags, FrameInfo,
    L3Kind, MacAddr, PacketInfo, TunnelKind,
};

const TPIDS: [u16; 3] = [ethertype::VLAN, ethertype::QINQ, ethertype::QINQ_9100];
const VNI_MASK: u32 = 0x00ff_ffff;

#[derive(Arbitrary, Debug)]
struct Input {
    verify: bool,
    tunnels: bool,
    pad: u8,
    outer: Frame,
    tunnel: Option<Tunnel>,
}

#[derive(Arbitrary, Debug)]
struct Frame {
    dst: [u8; 6],
    src: [u8; 6],
    tags: Vec<Tag>,
    l3: L3,
}

#[derive(Arbitrary, Debug)]
struct Tag {
    tpid: u8,
    vid: u16,
    pcp: u8,
    dei: bool,
}

#[derive(Arbitrary, Debug)]
enum L3 {
    Ipv4 {
        src: [u8; 4],
        dst: [u8; 4],
        ttl: u8,
        tos: u8,
        ident: u16,
        df: bool,
        /// Fragment offset in 8-byte units (13 bits) and MF.
        frag: Option<(u16, bool)>,
        /// NOP option words.
        opt_words: u8,
        l4: L4,
    },
    Ipv6 {
        src: [u8; 16],
        dst: [u8; 16],
        hop: u8,
        tc: u8,
        flow: u32,
        ext: Vec<Ext>,
        l4: L4,
    },
    Arp {
        op: u16,
        sha: [u8; 6],
        spa: [u8; 4],
        tha: [u8; 6],
        tpa: [u8; 4],
    },
    Other {
        ethertype: u16,
        payload: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
enum Ext {
    HopByHop { units: u8 },
    DestOpts { units: u8 },
    Routing { rtype: u8, units: u8 },
    Fragment { offset: u16, more: bool, ident: u32 },
    Ah { words: u8 },
}

#[derive(Arbitrary, Debug)]
enum L4 {
    Tcp {
        sport: u16,
        dport: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        urgent: u16,
        opt_words: u8,
        payload: Vec<u8>,
    },
    Udp {
        sport: u16,
        dport: u16,
        zero_csum: bool,
        payload: Vec<u8>,
    },
    Icmp {
        msg_type: u8,
        code: u8,
        rest: [u8; 4],
        payload: Vec<u8>,
    },
    Raw {
        proto: u8,
        payload: Vec<u8>,
    },
}

#[derive(Arbitrary, Debug)]
enum Inner {
    Ethernet(Frame),
    L3(L3),
}

#[derive(Arbitrary, Debug)]
enum Tunnel {
    Vxlan {
        vni: u32,
        sport: u16,
        zero_csum: bool,
        inner: Frame,
    },
    Geneve {
        vni: u32,
        sport: u16,
        zero_csum: bool,
        oam: bool,
        critical: bool,
        options: Vec<(u16, u8, Vec<u8>)>,
        inner: Inner,
    },
    Gre {
        key: Option<u32>,
        seq: Option<u32>,
        csum: bool,
        inner: Inner,
    },
}

/// The addresses an L4 checksum covers.
#[derive(Clone, Copy)]
enum Addrs {
    V4([u8; 4], [u8; 4]),
    V6([u8; 16], [u8; 16]),
}

/// Where the transport bytes of an IP packet come from.
enum L4Src<'a> {
    Spec(&'a L4),
    /// The outer UDP of a VXLAN/GENEVE tunnel.
    Udp {
        sport: u16,
        dport: u16,
        zero_csum: bool,
        payload: Vec<u8>,
    },
    /// A GRE header and its payload.
    Gre(Vec<u8>),
}

enum L4Kind {
    Tcp { hl: usize, flags: u8 },
    Udp { zero_csum: bool },
    Icmp { min: usize, msg_type: u8, code: u8 },
    Gre,
    Raw,
}

struct L4Out {
    proto: u8,
    bytes: Vec<u8>,
    kind: L4Kind,
    ports: (u16, u16),
}

/// A built frame (or bare L3 packet) and what `classify` must report, offsets relative to its
/// first byte.
struct Built {
    bytes: Vec<u8>,
    ethertype: u16,
    fi: FrameInfo,
    /// `l3_end` is the end of the buffer the frame is walked in (ARP, unknown EtherType).
    ends_at_buf: bool,
    /// The classifier goes on into a tunnel from here.
    enters_tunnel: bool,
}

/// Values the classifier treats specially, kept out of the "anything else" variants.
fn plain_proto(p: u8) -> u8 {
    match p {
        ip_proto::HOPOPT
        | ip_proto::ICMP
        | ip_proto::TCP
        | ip_proto::UDP
        | ip_proto::IPV6_ROUTE
        | ip_proto::IPV6_FRAG
        | ip_proto::GRE
        | ip_proto::AH
        | ip_proto::ICMPV6
        | ip_proto::IPV6_OPTS => 253,
        p => p,
    }
}

fn plain_port(p: u16) -> u16 {
    if p == udp_port::VXLAN || p == udp_port::GENEVE {
        p ^ 0x8000
    } else {
        p
    }
}

fn plain_ethertype(e: u16) -> u16 {
    match e {
        0..0x0600
        | ethertype::IPV4
        | ethertype::IPV6
        | ethertype::ARP
        | ethertype::VLAN
        | ethertype::QINQ
        | ethertype::QINQ_9100
        | ethertype::TEB => 0x88b5,
        e => e,
    }
}

fn udp_bytes(sport: u16, dport: u16, zero: bool, payload: &[u8], a: Addrs) -> Option<L4Out> {
    let repr = UdpRepr {
        src_port: sport,
        dst_port: dport,
        payload_len: u16::try_from(payload.len()).ok()?,
    };
    let mut b = vec![0u8; 8 + payload.len()];
    repr.emit(&mut b).ok()?;
    b[8..].copy_from_slice(payload);
    let zero = zero && matches!(a, Addrs::V4(..));
    match a {
        _ if zero => {}
        Addrs::V4(s, d) => {
            udp::fill_checksum_v4(&mut b, s, d).unwrap();
        }
        Addrs::V6(s, d) => {
            udp::fill_checksum_v6(&mut b, &s, &d).unwrap();
        }
    }
    Some(L4Out {
        proto: ip_proto::UDP,
        bytes: b,
        kind: L4Kind::Udp { zero_csum: zero },
        ports: (sport, dport),
    })
}

/// `later`: the packet is a later fragment, whose transport bytes the classifier never reads,
/// so an "other" protocol number is kept as given.
fn build_l4(src: L4Src<'_>, a: Addrs, later: bool) -> Option<L4Out> {
    let l4 = match src {
        L4Src::Udp {
            sport,
            dport,
            zero_csum,
            payload,
        } => return udp_bytes(sport, dport, zero_csum, &payload, a),
        L4Src::Gre(bytes) => {
            return Some(L4Out {
                proto: ip_proto::GRE,
                bytes,
                kind: L4Kind::Gre,
                ports: (0, 0),
            })
        }
        L4Src::Spec(l4) => l4,
    };
    Some(match l4 {
        L4::Tcp {
            sport,
            dport,
            seq,
            ack,
            flags,
            window,
            urgent,
            opt_words,
            payload,
        } => {
            let opts = vec![1u8; usize::from(opt_words % 11) * 4];
            let repr = TcpRepr {
                src_port: *sport,
                dst_port: *dport,
                seq: *seq,
                ack: *ack,
                flags: *flags,
                window: *window,
                urgent: *urgent,
                options: &opts,
            };
            let hl = repr.header_len();
            let mut b = vec![0u8; hl + payload.len()];
            assert_eq!(repr.emit(&mut b), Ok(hl));
            b[hl..].copy_from_slice(payload);
            match a {
                Addrs::V4(s, d) => tcp::fill_checksum_v4(&mut b, s, d).ok()?,
                Addrs::V6(s, d) => tcp::fill_checksum_v6(&mut b, &s, &d).ok()?,
            };
            L4Out {
                proto: ip_proto::TCP,
                bytes: b,
                kind: L4Kind::Tcp { hl, flags: *flags },
                ports: (*sport, *dport),
            }
        }
        L4::Udp {
            sport,
            dport,
            zero_csum,
            payload,
        } => udp_bytes(*sport, plain_port(*dport), *zero_csum, payload, a)?,
        L4::Icmp {
            msg_type,
            code,
            rest,
            payload,
        } => match a {
            Addrs::V4(..) => {
                let repr = Icmpv4Repr::Other {
                    msg_type: *msg_type,
                    code: *code,
                    rest: *rest,
                    payload,
                };
                let mut b = vec![0u8; repr.buffer_len()];
                assert_eq!(repr.emit(&mut b), Ok(b.len()));
                L4Out {
                    proto: ip_proto::ICMP,
                    bytes: b,
                    kind: L4Kind::Icmp {
                        min: 8,
                        msg_type: *msg_type,
                        code: *code,
                    },
                    ports: (0, 0),
                }
            }
            Addrs::V6(s, d) => {
                let mut body = rest.to_vec();
                body.extend_from_slice(payload);
                let repr = Icmpv6Repr::Other {
                    msg_type: *msg_type,
                    code: *code,
                    body: &body,
                };
                let mut b = vec![0u8; repr.buffer_len()];
                assert_eq!(repr.emit(&s, &d, &mut b), Ok(b.len()));
                L4Out {
                    proto: ip_proto::ICMPV6,
                    bytes: b,
                    kind: L4Kind::Icmp {
                        min: 4,
                        msg_type: *msg_type,
                        code: *code,
                    },
                    ports: (0, 0),
                }
            }
        },
        L4::Raw { proto, payload } => L4Out {
            proto: if later { *proto } else { plain_proto(*proto) },
            bytes: payload.clone(),
            kind: L4Kind::Raw,
            ports: (0, 0),
        },
    })
}

/// Fills the transport fields of `fi` for `l4` at `l4_off`; returns whether the classifier
/// enters a tunnel from it.
fn expect_l4(fi: &mut FrameInfo, l4: &L4Out, l4_off: usize, verify: bool) -> bool {
    let frag = fi.flags.contains(FrameFlags::FRAGMENT);
    let good = if verify && !frag {
        FrameFlags::L4_CSUM_GOOD
    } else {
        FrameFlags::empty()
    };
    match l4.kind {
        L4Kind::Tcp { hl, flags } => {
            fi.flags |= FrameFlags::L4 | FrameFlags::PORTS | good;
            (fi.src_port, fi.dst_port) = l4.ports;
            fi.tcp_flags = flags;
            fi.payload_off = (l4_off + hl) as u16;
            false
        }
        L4Kind::Udp { zero_csum } => {
            fi.flags |= FrameFlags::L4 | FrameFlags::PORTS;
            (fi.src_port, fi.dst_port) = l4.ports;
            fi.payload_off = (l4_off + 8) as u16;
            if frag {
                return false;
            }
            if verify {
                fi.flags |= if zero_csum {
                    FrameFlags::L4_CSUM_NONE
                } else {
                    FrameFlags::L4_CSUM_GOOD
                };
            }
            matches!(l4.ports.1, udp_port::VXLAN | udp_port::GENEVE)
        }
        L4Kind::Icmp {
            min,
            msg_type,
            code,
        } => {
            fi.flags |= FrameFlags::L4 | FrameFlags::ICMP | good;
            fi.icmp_type = msg_type;
            fi.icmp_code = code;
            fi.payload_off = (l4_off + min) as u16;
            false
        }
        L4Kind::Gre => !frag,
        L4Kind::Raw => false,
    }
}

/// The bytes of one IPv6 extension header of kind `kind` followed by `next`.
fn ext_bytes(e: &Ext, first: bool) -> (u8, Vec<u8>) {
    let opts = |kind: u8, units: u8| {
        let u = units % 3;
        let len = (usize::from(u) + 1) * 8;
        let mut b = vec![0u8; len];
        b[1] = u;
        b[2] = 1; // PadN over the rest (RFC 8200 §4.2)
        b[3] = (len - 4) as u8;
        (kind, b)
    };
    match *e {
        Ext::HopByHop { units } if first => opts(ip_proto::HOPOPT, units),
        Ext::HopByHop { units } | Ext::DestOpts { units } => opts(ip_proto::IPV6_OPTS, units),
        Ext::Routing { rtype, units } => {
            let u = units % 3;
            let mut b = vec![0u8; (usize::from(u) + 1) * 8];
            b[1] = u;
            b[2] = rtype;
            (ip_proto::IPV6_ROUTE, b)
        }
        Ext::Fragment {
            offset,
            more,
            ident,
        } => {
            let fo = ((offset & 0x1fff) << 3) | u16::from(more);
            let mut b = vec![0u8; 8];
            b[2..4].copy_from_slice(&fo.to_be_bytes());
            b[4..8].copy_from_slice(&ident.to_be_bytes());
            (ip_proto::IPV6_FRAG, b)
        }
        Ext::Ah { words } => {
            let w = words % 5;
            let mut b = vec![0u8; (usize::from(w) + 3) * 4];
            b[1] = w + 1; // payload length in 4-octet units minus 2 (RFC 4302 §2.2)
            (ip_proto::AH, b)
        }
    }
}

fn build_l3(l3: &L3, tunnel: Option<L4Src<'_>>, verify: bool) -> Option<Built> {
    let mut fi = FrameInfo::default();
    match l3 {
        L3::Ipv4 {
            src,
            dst,
            ttl,
            tos,
            ident,
            df,
            frag,
            opt_words,
            l4,
        } => {
            let later = frag.is_some_and(|(off, _)| off & ipv4::FRAG_OFFSET_MASK != 0);
            let l4 = build_l4(
                tunnel.unwrap_or(L4Src::Spec(l4)),
                Addrs::V4(*src, *dst),
                later,
            )?;
            let opt_len = usize::from(opt_words % 11) * 4;
            let hl = 20 + opt_len;
            let total = hl + l4.bytes.len();
            let repr = Ipv4Repr {
                src: *src,
                dst: *dst,
                protocol: l4.proto,
                payload_len: u16::try_from(total - 20).ok()?,
                ttl: *ttl,
                tos: *tos,
                ident: *ident,
                dont_frag: *df,
            };
            let mut b = vec![0u8; total];
            repr.emit(&mut b).ok()?;
            b[0] = 0x40 | (hl / 4) as u8;
            b[20..hl].fill(ipv4::OPT_NOP);
            let (off, mf) = frag.unwrap_or((0, false));
            let off = off & ipv4::FRAG_OFFSET_MASK;
            let ff = if *df { ipv4::FLAG_DF } else { 0 } | if mf { ipv4::FLAG_MF } else { 0 } | off;
            b[6..8].copy_from_slice(&ff.to_be_bytes());
            b[hl..].copy_from_slice(&l4.bytes);
            ipv4::fill_checksum(&mut b).unwrap();

            fi.flags = FrameFlags::IPV4;
            if opt_len > 0 {
                fi.flags |= FrameFlags::IP_OPTIONS;
            }
            if verify {
                fi.flags |= FrameFlags::IP_CSUM_GOOD;
            }
            fi.l3 = L3Kind::Ipv4;
            fi.ip_proto = l4.proto;
            fi.src_ip[..4].copy_from_slice(src);
            fi.dst_ip[..4].copy_from_slice(dst);
            fi.ttl = *ttl;
            fi.tos = *tos;
            fi.l3_end = total as u16;
            fi.l4_off = hl as u16;
            fi.payload_off = hl as u16;
            let mut enters = false;
            let later = if mf || off != 0 {
                fi.flags |= FrameFlags::FRAGMENT;
                fi.frag_offset = off << 3;
                fi.frag_ident = u32::from(*ident);
                off != 0
            } else {
                false
            };
            if later {
                fi.flags |= FrameFlags::LATER_FRAGMENT;
            } else {
                enters = expect_l4(&mut fi, &l4, hl, verify);
            }
            Some(Built {
                bytes: b,
                ethertype: ethertype::IPV4,
                fi,
                ends_at_buf: false,
                enters_tunnel: enters,
            })
        }
        L3::Ipv6 {
            src,
            dst,
            hop,
            tc,
            flow,
            ext,
            l4,
        } => {
            let later = ext
                .iter()
                .take(4)
                .any(|e| matches!(e, Ext::Fragment { offset, .. } if offset & 0x1fff != 0));
            let l4 = build_l4(
                tunnel.unwrap_or(L4Src::Spec(l4)),
                Addrs::V6(*src, *dst),
                later,
            )?;
            let mut exts: Vec<(u8, Vec<u8>)> = ext
                .iter()
                .take(4)
                .enumerate()
                .map(|(i, e)| ext_bytes(e, i == 0))
                .collect();
            // Chain the next-header fields.
            for i in 0..exts.len() {
                let next = exts.get(i + 1).map_or(l4.proto, |e| e.0);
                exts[i].1[0] = next;
            }
            let first = exts.first().map_or(l4.proto, |e| e.0);
            let mut payload: Vec<u8> = exts.iter().flat_map(|e| e.1.iter().copied()).collect();
            payload.extend_from_slice(&l4.bytes);
            let repr = Ipv6Repr {
                src: *src,
                dst: *dst,
                next_header: first,
                payload_len: u16::try_from(payload.len()).ok()?,
                hop_limit: *hop,
                traffic_class: *tc,
                flow_label: flow & 0xf_ffff,
            };
            let mut b = vec![0u8; 40 + payload.len()];
            assert_eq!(repr.emit(&mut b), Ok(40));
            b[40..].copy_from_slice(&payload);

            // What the extension-header walk finds.
            let (mut off, mut count, mut upper, mut frag) = (0usize, 0u8, first, None);
            for (kind, bytes) in &exts {
                off += bytes.len();
                count += 1;
                upper = bytes[0];
                if *kind == ip_proto::IPV6_FRAG {
                    let fo = u16::from_be_bytes([bytes[2], bytes[3]]) & 0xfff8;
                    let id = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
                    frag = Some((fo, id));
                    if fo != 0 {
                        break;
                    }
                }
            }
            fi.flags = FrameFlags::IPV6;
            if count > 0 {
                fi.flags |= FrameFlags::IP_OPTIONS;
            }
            fi.l3 = L3Kind::Ipv6;
            fi.src_ip = *src;
            fi.dst_ip = *dst;
            fi.ttl = *hop;
            fi.tos = *tc;
            fi.flow_label = flow & 0xf_ffff;
            fi.ip_proto = upper;
            fi.l3_end = b.len() as u16;
            let l4_off = 40 + off;
            fi.l4_off = l4_off as u16;
            fi.payload_off = l4_off as u16;
            let mut enters = false;
            let later = if let Some((fo, id)) = frag {
                fi.flags |= FrameFlags::FRAGMENT;
                fi.frag_offset = fo;
                fi.frag_ident = id;
                fo != 0
            } else {
                false
            };
            if later {
                fi.flags |= FrameFlags::LATER_FRAGMENT;
            } else {
                enters = expect_l4(&mut fi, &l4, l4_off, verify);
            }
            Some(Built {
                bytes: b,
                ethertype: ethertype::IPV6,
                fi,
                ends_at_buf: false,
                enters_tunnel: enters,
            })
        }
        L3::Arp {
            op,
            sha,
            spa,
            tha,
            tpa,
        } => {
            let repr = ArpRepr {
                op: *op,
                sha: MacAddr(*sha),
                spa: *spa,
                tha: MacAddr(*tha),
                tpa: *tpa,
            };
            let mut b = vec![0u8; 28];
            assert_eq!(repr.emit(&mut b), Ok(28));
            fi.flags = FrameFlags::ARP;
            fi.l3 = L3Kind::Arp;
            fi.payload_off = 28;
            fi.l3_end = 28;
            Some(Built {
                bytes: b,
                ethertype: ethertype::ARP,
                fi,
                ends_at_buf: true,
                enters_tunnel: false,
            })
        }
        L3::Other { ethertype, payload } => {
            fi.l3_end = payload.len() as u16;
            Some(Built {
                bytes: payload.clone(),
                ethertype: plain_ethertype(*ethertype),
                fi,
                ends_at_buf: true,
                enters_tunnel: false,
            })
        }
    }
}

fn shift(fi: &mut FrameInfo, by: usize) {
    let by = by as u16;
    fi.l2_off += by;
    fi.l3_off += by;
    fi.l4_off += by;
    fi.payload_off += by;
    fi.l3_end += by;
}

fn build_frame(f: &Frame, tunnel: Option<L4Src<'_>>, verify: bool) -> Option<Built> {
    let mut l3 = build_l3(&f.l3, tunnel, verify)?;
    let tags = &f.tags[..f.tags.len().min(MAX_TAGS)];
    let l3_off = 14 + 4 * tags.len();
    let mut b = vec![0u8; l3_off];
    let tpid = |t: &Tag| TPIDS[usize::from(t.tpid) % TPIDS.len()];
    let eth = EthernetRepr {
        dst: MacAddr(f.dst),
        src: MacAddr(f.src),
        ethertype: tags.first().map_or(l3.ethertype, tpid),
    };
    assert_eq!(eth.emit(&mut b), Ok(14));
    let mut stack = VlanStack::default();
    for (i, t) in tags.iter().enumerate() {
        let v = VlanRepr {
            tpid: tpid(t),
            vid: t.vid & 0x0fff,
            pcp: t.pcp & 7,
            dei: t.dei,
            ethertype: tags.get(i + 1).map_or(l3.ethertype, tpid),
        };
        assert_eq!(v.emit(&mut b[14 + 4 * i..]), Ok(4));
        stack.tci[i] = v.tci();
        stack.tpid[i] = v.tpid;
        stack.depth += 1;
    }
    b.extend_from_slice(&l3.bytes);
    shift(&mut l3.fi, l3_off);
    l3.fi.l2_off = 0;
    l3.fi.flags |= FrameFlags::L2;
    l3.fi.eth_dst = MacAddr(f.dst);
    l3.fi.eth_src = MacAddr(f.src);
    l3.fi.vlan = stack;
    l3.fi.ethertype = l3.ethertype;
    l3.bytes = b;
    Some(l3)
}

fn build_inner(inner: &Inner, verify: bool) -> Option<(u16, Built)> {
    Some(match inner {
        Inner::Ethernet(f) => (ethertype::TEB, build_frame(f, None, verify)?),
        Inner::L3(l3) => {
            let mut b = build_l3(l3, None, verify)?;
            b.fi.ethertype = b.ethertype;
            (b.ethertype, b)
        }
    })
}

struct TunnelOut<'a> {
    l4: L4Src<'a>,
    kind: TunnelKind,
    id: u32,
    /// Bytes from the tunnel header to the inner frame.
    hdr_len: usize,
    inner: Built,
}

fn build_tunnel(t: &Tunnel, verify: bool) -> Option<TunnelOut<'static>> {
    Some(match t {
        Tunnel::Vxlan {
            vni,
            sport,
            zero_csum,
            inner,
        } => {
            let inner = build_frame(inner, None, verify)?;
            let mut b = vec![0u8; 8];
            VxlanRepr {
                vni: vni & VNI_MASK,
            }
            .emit(&mut b)
            .unwrap();
            b.extend_from_slice(&inner.bytes);
            TunnelOut {
                l4: L4Src::Udp {
                    sport: *sport,
                    dport: udp_port::VXLAN,
                    zero_csum: *zero_csum,
                    payload: b,
                },
                kind: TunnelKind::Vxlan,
                id: vni & VNI_MASK,
                hdr_len: 8,
                inner,
            }
        }
        Tunnel::Geneve {
            vni,
            sport,
            zero_csum,
            oam,
            critical,
            options,
            inner,
        } => {
            let (proto, inner) = build_inner(inner, verify)?;
            let mut opts = vec![0u8; MAX_OPTIONS_LEN];
            let mut n = 0;
            for (class, ty, data) in options {
                let dl = (data.len() & !3).min(MAX_OPTION_DATA_LEN);
                if n + 4 + dl > MAX_OPTIONS_LEN {
                    break;
                }
                n += emit_option(&mut opts[n..], *class, *ty, &data[..dl]).unwrap();
            }
            opts.truncate(n);
            let repr = GeneveRepr {
                vni: vni & VNI_MASK,
                protocol_type: proto,
                oam: *oam,
                critical: *critical,
                options: &opts,
            };
            let hl = repr.header_len();
            let mut b = vec![0u8; hl];
            assert_eq!(repr.emit(&mut b), Ok(hl));
            b.extend_from_slice(&inner.bytes);
            TunnelOut {
                l4: L4Src::Udp {
                    sport: *sport,
                    dport: udp_port::GENEVE,
                    zero_csum: *zero_csum,
                    payload: b,
                },
                kind: TunnelKind::Geneve,
                id: vni & VNI_MASK,
                hdr_len: hl,
                inner,
            }
        }
        Tunnel::Gre {
            key,
            seq,
            csum,
            inner,
        } => {
            let (proto, inner) = build_inner(inner, verify)?;
            let repr = GreRepr {
                protocol_type: proto,
                checksum: *csum,
                key: *key,
                sequence: *seq,
            };
            let hl = repr.header_len();
            let mut b = vec![0u8; hl + inner.bytes.len()];
            b[hl..].copy_from_slice(&inner.bytes);
            assert_eq!(repr.emit(&mut b, inner.bytes.len()), Ok(hl));
            TunnelOut {
                l4: L4Src::Gre(b),
                kind: TunnelKind::Gre,
                id: key.unwrap_or(0),
                hdr_len: hl,
                inner,
            }
        }
    })
}

fn check_order(fi: &FrameInfo, len: usize) {
    assert!(fi.l2_off <= fi.l3_off && fi.l3_off <= fi.l4_off && fi.l4_off <= fi.payload_off);
    assert!(usize::from(fi.l3_end) <= len);
    if fi.flags.intersects(FrameFlags::IPV4 | FrameFlags::IPV6) {
        assert!(fi.payload_off <= fi.l3_end);
    }
}

fuzz_target!(|input: Input| {
    let verify = input.verify;
    let ip_outer = matches!(input.outer.l3, L3::Ipv4 { .. } | L3::Ipv6 { .. });
    let tunnel = match (&input.tunnel, ip_outer) {
        (Some(t), true) => match build_tunnel(t, verify) {
            Some(t) => Some(t),
            None => return,
        },
        _ => None,
    };
    let (l4, tun) = match tunnel {
        Some(t) => (Some(t.l4), Some((t.kind, t.id, t.hdr_len, t.inner))),
        None => (None, None),
    };
    let Some(outer) = build_frame(&input.outer, l4, verify) else {
        return;
    };
    let mut buf = outer.bytes;
    buf.resize(buf.len() + usize::from(input.pad % 16), 0);
    if buf.len() > usize::from(u16::MAX) {
        return;
    }
    let mut exp = PacketInfo {
        outer: outer.fi,
        ..PacketInfo::default()
    };
    if outer.ends_at_buf {
        exp.outer.l3_end = buf.len() as u16;
    }
    let enter = input.tunnels && outer.enters_tunnel;
    if let (true, Some((kind, id, hdr_len, mut inner))) = (enter, tun) {
        let off = match kind {
            TunnelKind::Gre => exp.outer.l4_off,
            _ => exp.outer.payload_off,
        };
        exp.tunnel = kind;
        exp.tunnel_id = id;
        exp.tunnel_off = off;
        shift(&mut inner.fi, usize::from(off) + hdr_len);
        if !inner.fi.flags.contains(FrameFlags::L2) {
            inner.fi.l2_off = inner.fi.l3_off;
        }
        exp.inner = inner.fi;
    }

    let opts = ClassifyOpts {
        tunnels: input.tunnels,
        verify_checksums: verify,
        ..ClassifyOpts::DEFAULT
    };
    let info = match classify(&buf, &opts) {
        Ok(i) => i,
        Err(e) => panic!("built frame refused: {e}\nexpected {exp:#?}\nbytes {buf:02x?}"),
    };
    assert_eq!(info.outer, exp.outer, "outer\nbytes {buf:02x?}");
    assert_eq!(
        (info.tunnel, info.tunnel_id, info.tunnel_off),
        (exp.tunnel, exp.tunnel_id, exp.tunnel_off)
    );
    check_order(&info.outer, buf.len());
    if exp.tunnel != TunnelKind::None {
        assert_eq!(info.inner, exp.inner, "inner\nbytes {buf:02x?}");
        check_order(&info.inner, buf.len());
        assert!(info.outer.payload_off <= info.inner.l2_off || exp.tunnel == TunnelKind::Gre);
        assert!(info.tunnel_off < info.inner.l2_off);
    }

    // classify_into over a dirty PacketInfo gives the same answer.
    let mut dirty = PacketInfo {
        outer: exp.inner,
        tunnel: TunnelKind::Gre,
        tunnel_id: !0,
        tunnel_off: !0,
        inner: exp.outer,
    };
    classify_into(&buf, &opts, &mut dirty).unwrap();
    assert_eq!(dirty.outer, info.outer);
    assert_eq!(
        (dirty.tunnel, dirty.tunnel_id),
        (info.tunnel, info.tunnel_id)
    );
    if info.tunnel != TunnelKind::None {
        assert_eq!(dirty.inner, info.inner);
    }
});
