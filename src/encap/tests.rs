//! Encap and decap against scapy-built reference packets (scripts/encap_vectors.py; the outer
//! UDP source port and IPv6 flow label there come from a Python re-implementation of the hash
//! documented in `hash.rs`), round trips, refusals that leave the buffer untouched, and
//! property tests.

use core::net::IpAddr;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::buf::PacketBuf;
use crate::wire::{Layer, MacAddr, WireError};

// Ether/IP(tos=0xb9, ttl=33, DF, id=7)/TCP(40000->443, PA)/b'neutrino!'
const INNER_TCP4: &str = "fa163e000002fa163e000001080045b9003100074000210645050a0000010a0000029c4001bb000000010000000150182000f81000006e65757472696e6f21";
// Ether/Dot1Q(vlan=7)/IPv6(fd00::1->fd00::2, tc=0x2b, hlim=17)/UDP(5353->53)/b'hello'
const INNER_UDP6: &str = "fa163e000002fa163e0000018100000786dd62b00000000d1111fd000000000000000000000000000001fd00000000000000000000000000000214e90035000dacdf68656c6c6f";
// Ether(broadcast)/ARP who-has 10.0.0.2
const INNER_ARP: &str =
    "fffffffffffffa163e00000108060001080006040001fa163e0000010a0000010000000000000a000002";
// VXLAN over IPv4, UDP checksum 0, sport 60504
const VXLAN4: &str = "020000000002020000000001080045010063000040004011b685c0000201c0000202ec5812b5004f00000800000000138900fa163e000002fa163e000001080045b9003100074000210645050a0000010a0000029c4001bb000000010000000150182000f81000006e65757472696e6f21";
// VXLAN over IPv6, tos/ttl inherit, full UDP checksum, sport 57109 fl 0x6547d
const VXLAN6: &str = "02000000000202000000000186dd62a6547d0057111120010db800000000000000000000000120010db8000000000000000000000002df1512b50057236b08000000abcdef00fa163e000002fa163e0000018100000786dd62b00000000d1111fd000000000000000000000000000001fd00000000000000000000000000000214e90035000dacdf68656c6c6f";
// GENEVE over IPv4 with options, DF inherit (ARP: clear), id 0x4242, full UDP checksum, sport 63901
const GENEVE4: &str = "02000000000202000000000108004500005a424200004011b44dc0000201c0000202f99d17c10046921d0340655800004d000102800101020304ffff0300fffffffffffffa163e00000108060001080006040001fa163e0000010a0000010000000000000a000002";
// GRE over IPv4, key, checksum, sequence 7, tos fixed 0xb8 (+ECT(1) -> 0xb9), ttl 9, DF unset, id 0x100
const GRE4: &str = "020000000002020000000001080045b9006301000000092f2bb0c0000201c0000202b0006558e8f60000deadbeef00000007fa163e000002fa163e000001080045b9003100074000210645050a0000010a0000029c4001bb000000010000000150182000f81000006e65757472696e6f21";
// GRE over IPv6, key 1, fl 0x2fc85
const GRE6: &str = "02000000000202000000000186dd6012fc8500472f4020010db800000000000000000000000120010db80000000000000000000000022000655800000001fa163e000002fa163e000001080045b9003100074000210645050a0000010a0000029c4001bb000000010000000150182000f81000006e65757472696e6f21";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const L_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 1]);
const R_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 2]);
const SEED: u64 = 0x1234;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn underlay(local: &str) -> Underlay {
    Underlay {
        hash_seed: SEED,
        ..Underlay::new(ip(local), L_MAC)
    }
}

fn cfg(header: TunnelHeader, u: Underlay, remote: &str) -> EncapConfig {
    EncapConfig {
        header,
        underlay: u,
        remote: Some(Remote {
            ip: ip(remote),
            mac: R_MAC,
        }),
    }
}

/// The receive side of `c` at the remote end: expects `c`'s id and the remote address.
fn peer_decap(c: &EncapConfig) -> DecapConfig {
    DecapConfig {
        local_ip: c.remote.map(|r| r.ip),
        ..DecapConfig::for_encap(c)
    }
}

/// `frame` placed after `headroom` bytes of 0xee filler in a buffer with 16 bytes of tailroom.
fn mem_with(frame: &[u8], headroom: usize) -> Vec<u8> {
    let mut m = std::vec![0xeeu8; headroom + frame.len() + 16];
    m[headroom..headroom + frame.len()].copy_from_slice(frame);
    m
}

/// Encapsulates `inner` with `ctx` and checks the result is `want`; then decapsulates with
/// the matching decap context and checks the inner frame comes back.
fn check_vector(c: &EncapConfig, ctx: &mut EncapCtx, inner: &str, want: &str) -> Decapped {
    let inner = hex(inner);
    let want = hex(want);
    let mut mem = mem_with(&inner, 128);
    let mut b = PacketBuf::new(&mut mem, 128, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    assert_eq!(
        b.offsets(),
        ((128 - ctx.overhead()) as u16, want.len() as u16)
    );
    assert_eq!(b.data(), &want[..], "encap output differs from scapy");
    let mut d = DecapCtx::new(&peer_decap(c)).unwrap();
    let got = d.decap(&mut b).unwrap();
    assert_eq!(b.data(), &inner[..]);
    assert_eq!(b.offsets(), (128, inner.len() as u16));
    assert_eq!(got.inner_off, ctx.overhead());
    assert_eq!(got.inner_len, inner.len());
    assert_eq!(got.id, c.header.id());
    assert_eq!(Some(got.outer_src), c.remote.map(|_| c.underlay.local_ip));
    assert_eq!(got.outer_src_mac, L_MAC);
    assert_eq!(d.stats().packets, 1);
    got
}

#[test]
fn vxlan_over_ipv4_matches_scapy() {
    let c = cfg(
        TunnelHeader::Vxlan { vni: 5001 },
        underlay("192.0.2.1"),
        "192.0.2.2",
    );
    let mut ctx = EncapCtx::new(&c).unwrap();
    assert_eq!(ctx.overhead(), vxlan::OVERHEAD_V4);
    let d = check_vector(&c, &mut ctx, INNER_TCP4, VXLAN4);
    assert_eq!(d.src_port, 60504);
    assert_eq!(ctx.src_port_for(&hex(INNER_TCP4)), 60504);
    assert_eq!(ctx.stats().packets, 1);
}

#[test]
fn vxlan_over_ipv6_matches_scapy() {
    let u = Underlay {
        tos: Tos::Inherit,
        ttl: Ttl::Inherit,
        ..underlay("2001:db8::1")
    };
    let c = cfg(TunnelHeader::Vxlan { vni: 0xab_cdef }, u, "2001:db8::2");
    let mut ctx = EncapCtx::new(&c).unwrap();
    assert_eq!(ctx.overhead(), vxlan::OVERHEAD_V6);
    check_vector(&c, &mut ctx, INNER_UDP6, VXLAN6);
}

#[test]
fn geneve_with_options_matches_scapy() {
    let mut options = GeneveOptions::EMPTY;
    options.push(0x0102, 0x80, &[1, 2, 3, 4]).unwrap();
    options.push(0xffff, 3, &[]).unwrap();
    let u = Underlay {
        df: Df::Inherit,
        udp_checksum: Some(UdpChecksum::Full),
        ..underlay("192.0.2.1")
    };
    let c = cfg(TunnelHeader::Geneve { vni: 77, options }, u, "192.0.2.2");
    let mut ctx = EncapCtx::new(&c).unwrap();
    ctx.set_counters(0x4242, 0);
    assert_eq!(ctx.overhead(), geneve::OVERHEAD_V4 + 12);
    // The critical option sets C: the matching decap context refuses it by default ...
    let inner = hex(INNER_ARP);
    let mut mem = mem_with(&inner, 128);
    let mut b = PacketBuf::new(&mut mem, 128, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    assert_eq!(b.data(), &hex(GENEVE4)[..]);
    let mut strict = DecapCtx::new(&peer_decap(&c)).unwrap();
    assert_eq!(strict.decap(&mut b), Err(EncapError::CriticalOption));
    assert_eq!(strict.stats().drops(DropReason::CriticalOption), 1);
    // ... and accepts it when the caller processes options; they stay readable in headroom.
    let mut dc = peer_decap(&c);
    dc.accept_geneve_critical = true;
    let mut d = DecapCtx::new(&dc).unwrap();
    let got = d.decap(&mut b).unwrap();
    assert_eq!(b.data(), &inner[..]);
    assert_eq!((got.options_off, got.options_len), (50, 12));
    let start = 128 - ctx.overhead() + got.options_off;
    assert_eq!(&mem[start..start + 12], options.as_bytes());
}

#[test]
fn gre_over_ipv4_with_checksum_and_sequence_matches_scapy() {
    let u = Underlay {
        tos: Tos::Fixed(0xb8),
        ttl: Ttl::Fixed(9),
        df: Df::Unset,
        ..underlay("192.0.2.1")
    };
    let opts = GreOptions {
        checksum: true,
        sequence: true,
    };
    let c = cfg(
        TunnelHeader::Gre {
            key: 0xdead_beef,
            options: opts,
        },
        u,
        "192.0.2.2",
    );
    let mut ctx = EncapCtx::new(&c).unwrap();
    ctx.set_counters(0x0100, 7);
    let d = check_vector(&c, &mut ctx, INNER_TCP4, GRE4);
    assert_eq!(d.sequence, Some(7));
    assert_eq!(d.src_port, 0);
}

#[test]
fn gre_over_ipv6_matches_scapy() {
    let c = cfg(
        TunnelHeader::Gre {
            key: 1,
            options: GreOptions::default(),
        },
        underlay("2001:db8::1"),
        "2001:db8::2",
    );
    let mut ctx = EncapCtx::new(&c).unwrap();
    assert_eq!(ctx.overhead(), gre::OVERHEAD_V6);
    check_vector(&c, &mut ctx, INNER_TCP4, GRE6);
}

fn vxlan4_ctx() -> (EncapConfig, EncapCtx) {
    let c = cfg(
        TunnelHeader::Vxlan { vni: 5001 },
        underlay("192.0.2.1"),
        "192.0.2.2",
    );
    let ctx = EncapCtx::new(&c).unwrap();
    (c, ctx)
}

#[test]
fn no_headroom_is_typed_and_leaves_the_buffer_identical() {
    let (_, mut ctx) = vxlan4_ctx();
    let inner = hex(INNER_TCP4);
    for headroom in [0, 1, 49] {
        let mut mem = mem_with(&inner, headroom);
        let before = mem.clone();
        let mut b = PacketBuf::new(&mut mem, headroom, inner.len()).unwrap();
        assert_eq!(
            ctx.encap(&mut b),
            Err(EncapError::Buf(crate::BufError::NoHeadroom {
                need: 50,
                have: headroom
            }))
        );
        assert_eq!(b.offsets(), (headroom as u16, inner.len() as u16));
        assert_eq!(mem, before);
    }
    assert_eq!(ctx.stats().drops(DropReason::NoHeadroom), 3);
    // Exactly enough.
    let mut mem = mem_with(&inner, 50);
    let mut b = PacketBuf::new(&mut mem, 50, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    assert_eq!(b.data(), &hex(VXLAN4)[..]);
}

#[test]
fn encap_refusals() {
    let (c, mut ctx) = vxlan4_ctx();
    // Shorter than an Ethernet header.
    let mut mem = [0u8; 80];
    let mut b = PacketBuf::new(&mut mem, 60, 13).unwrap();
    assert!(matches!(
        ctx.encap(&mut b),
        Err(EncapError::Wire(WireError::Truncated {
            layer: Layer::Ethernet,
            ..
        }))
    ));
    // Path MTU: a 1514-byte frame makes a 1550-byte outer packet.
    let u = Underlay {
        path_mtu: 1500,
        ..c.underlay
    };
    let mut small = EncapCtx::new(&EncapConfig { underlay: u, ..c }).unwrap();
    let mut mem = std::vec![0u8; 64 + 1514];
    let mut b = PacketBuf::new(&mut mem, 64, 1514).unwrap();
    assert_eq!(
        small.encap(&mut b),
        Err(EncapError::TooBig {
            len: 1550,
            mtu: 1500
        })
    );
    assert_eq!(b.offsets(), (64, 1514));
    let mut b = PacketBuf::new(&mut mem, 64, 1464).unwrap();
    small.encap(&mut b).unwrap();
    // IPv4 total length cannot exceed 65535.
    let mut mem = std::vec![0u8; 64 + 65500];
    let mut b = PacketBuf::new(&mut mem, 64, 65500).unwrap();
    assert!(matches!(ctx.encap(&mut b), Err(EncapError::TooBig { .. })));
    // No remote configured; a remote of the other family.
    let mut multi = EncapCtx::new(&EncapConfig { remote: None, ..c }).unwrap();
    let inner = hex(INNER_TCP4);
    let mut mem = mem_with(&inner, 64);
    let mut b = PacketBuf::new(&mut mem, 64, inner.len()).unwrap();
    assert_eq!(multi.encap(&mut b), Err(EncapError::NoRemote));
    let r6 = Remote {
        ip: ip("2001:db8::2"),
        mac: R_MAC,
    };
    assert_eq!(multi.encap_to(&mut b, &r6), Err(EncapError::NoRemote));
    assert_eq!(multi.stats().drops(DropReason::NoRemote), 2);
    // encap_to the configured remote gives the same bytes as the single-remote context.
    let r4 = Remote {
        ip: ip("192.0.2.2"),
        mac: R_MAC,
    };
    multi.encap_to(&mut b, &r4).unwrap();
    assert_eq!(b.data(), &hex(VXLAN4)[..]);
}

#[test]
fn multipoint_encap_writes_each_remote() {
    let (c, _) = vxlan4_ctx();
    let mut multi = EncapCtx::new(&EncapConfig { remote: None, ..c }).unwrap();
    let inner = hex(INNER_TCP4);
    let r = Remote {
        ip: ip("198.51.100.7"),
        mac: MacAddr([2, 0, 0, 0, 0, 7]),
    };
    let mut mem = mem_with(&inner, 64);
    let mut b = PacketBuf::new(&mut mem, 64, inner.len()).unwrap();
    multi.encap_to(&mut b, &r).unwrap();
    let p = crate::wire::classify(b.data(), &crate::wire::ClassifyOpts::DEFAULT).unwrap();
    assert_eq!(p.outer.eth_dst, r.mac);
    assert_eq!(&p.outer.dst_ip[..4], &[198, 51, 100, 7]);
    assert_eq!(p.tunnel_id, 5001);
    let mut d = DecapCtx::new(&DecapConfig::new(TunnelType::Vxlan)).unwrap();
    let got = d.decap(&mut b).unwrap();
    assert_eq!(got.outer_dst, r.ip);
    assert_eq!(b.data(), &inner[..]);
}

fn fix_ip(p: &mut [u8]) {
    crate::wire::ipv4::fill_checksum(&mut p[14..]).unwrap();
}

/// Decap refusals: each damaged packet is refused with its own reason, and the buffer is
/// untouched.
#[test]
fn decap_refusals_leave_the_buffer_untouched() {
    let good = hex(VXLAN4);
    let (c, _) = vxlan4_ctx();
    let dc = peer_decap(&c);
    type Damage = fn(&mut Vec<u8>);
    let cases: Vec<(&str, Damage, EncapError)> = std::vec![
        (
            "ip checksum",
            |p| p[24] ^= 1,
            WireError::BadChecksum { layer: Layer::Ipv4 }.into()
        ),
        (
            "ip version",
            |p| p[14] = 0x65,
            WireError::BadVersion {
                layer: Layer::Ipv4,
                value: 6
            }
            .into()
        ),
        (
            "not local",
            |p| {
                p[33] = 9;
                fix_ip(p)
            },
            EncapError::NotLocal
        ),
        (
            "fragment",
            |p| {
                p[20] = 0x20;
                fix_ip(p)
            },
            EncapError::Fragment
        ),
        (
            "later fragment",
            |p| {
                p[21] = 0x08;
                fix_ip(p)
            },
            EncapError::Fragment
        ),
        (
            "protocol",
            |p| {
                p[23] = 6;
                fix_ip(p)
            },
            EncapError::WrongProtocol { found: 6 }
        ),
        (
            "ip total length",
            |p| {
                p[17] = 19;
                fix_ip(p)
            },
            WireError::BadLength {
                layer: Layer::Ipv4,
                value: 19
            }
            .into()
        ),
        (
            "port",
            |p| p[37] = 0xb6,
            EncapError::WrongPort { found: 4790 }
        ),
        (
            "udp length",
            |p| p[39] = 7,
            WireError::BadLength {
                layer: Layer::Udp,
                value: 7
            }
            .into()
        ),
        (
            "udp checksum",
            |p| p[41] = 1,
            WireError::BadChecksum { layer: Layer::Udp }.into()
        ),
        (
            "vxlan flags",
            |p| p[42] = 0,
            WireError::BadField {
                layer: Layer::Vxlan,
                field: "flags"
            }
            .into()
        ),
        (
            "vni",
            |p| p[48] = 0x8a,
            EncapError::WrongId {
                expected: 5001,
                found: 5002
            }
        ),
        (
            "ethertype",
            |p| {
                p[12] = 0x08;
                p[13] = 0x06;
            },
            EncapError::WrongProtocol { found: 0x0806 }
        ),
        (
            "truncated",
            |p| p.truncate(60),
            WireError::Truncated {
                layer: Layer::Ipv4,
                need: 99,
                have: 46
            }
            .into()
        ),
    ];
    for (name, damage, want) in cases {
        let mut pkt = good.clone();
        damage(&mut pkt);
        let mut mem = mem_with(&pkt, 8);
        let before = mem.clone();
        let mut d = DecapCtx::new(&dc).unwrap();
        let mut b = PacketBuf::new(&mut mem, 8, pkt.len()).unwrap();
        assert_eq!(d.decap(&mut b), Err(want), "{name}");
        assert_eq!(b.offsets(), (8, pkt.len() as u16), "{name}");
        assert_eq!(mem, before, "{name}");
        assert_eq!(d.stats().drops(want.reason()), 1, "{name}");
    }
}

#[test]
fn decap_trims_ethernet_padding_and_walks_outer_tags() {
    let (c, _) = vxlan4_ctx();
    let mut d = DecapCtx::new(&peer_decap(&c)).unwrap();
    // Outer 802.1Q tag pushed onto the encapsulated frame, and 6 bytes of trailing padding.
    let mut pkt = hex(VXLAN4);
    let inner = hex(INNER_TCP4);
    let mut mem = mem_with(&pkt, 16);
    let mut b = PacketBuf::new(&mut mem, 16, pkt.len()).unwrap();
    vlan::push(&mut b, VlanTagSpec::new(Tpid::Dot1Q, 30, 0, false).unwrap()).unwrap();
    b.append(6).unwrap().fill(0);
    let got = d.decap(&mut b).unwrap();
    assert_eq!(got.inner_off, 54);
    assert_eq!(b.data(), &inner[..]);
    // IPv4 options on the outer header are walked (checksum fixed up).
    pkt.splice(34..34, [1u8, 1, 1, 0]);
    pkt[14] = 0x46;
    let tl = u16::from_be_bytes([pkt[16], pkt[17]]) + 4;
    pkt[16..18].copy_from_slice(&tl.to_be_bytes());
    crate::wire::ipv4::fill_checksum(&mut pkt[14..]).unwrap();
    let mut mem = mem_with(&pkt, 0);
    let mut b = PacketBuf::new(&mut mem, 0, pkt.len()).unwrap();
    assert_eq!(d.decap(&mut b).unwrap().inner_off, 54);
    assert_eq!(b.data(), &inner[..]);
}

#[test]
fn ipv6_zero_udp_checksum_rules() {
    // RFC 6935/6936: refused at configuration without the opt-in ...
    let u = Underlay {
        udp_checksum: Some(UdpChecksum::Zero),
        ..underlay("2001:db8::1")
    };
    let c = cfg(TunnelHeader::Vxlan { vni: 9 }, u, "2001:db8::2");
    assert_eq!(EncapCtx::new(&c).unwrap_err(), ConfigError::ZeroChecksumV6);
    // ... allowed with it, and the receive side must opt in too.
    let u = Underlay {
        allow_zero_udp6_checksum: true,
        ..u
    };
    let c = cfg(TunnelHeader::Vxlan { vni: 9 }, u, "2001:db8::2");
    let mut ctx = EncapCtx::new(&c).unwrap();
    let inner = hex(INNER_TCP4);
    let mut mem = mem_with(&inner, 80);
    let mut b = PacketBuf::new(&mut mem, 80, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    assert_eq!(&b.data()[60..62], &[0, 0]);
    let mut strict = DecapCtx::new(&DecapConfig::new(TunnelType::Vxlan)).unwrap();
    assert_eq!(strict.decap(&mut b), Err(EncapError::ZeroChecksum));
    let mut ok = DecapCtx::new(&peer_decap(&c)).unwrap();
    ok.decap(&mut b).unwrap();
    assert_eq!(b.data(), &inner[..]);
}

#[test]
fn udp_checksum_offload_writes_the_pseudo_header_sum() {
    let u = Underlay {
        udp_checksum: Some(UdpChecksum::Offload),
        ..underlay("192.0.2.1")
    };
    let c = cfg(TunnelHeader::Vxlan { vni: 5001 }, u, "192.0.2.2");
    let mut ctx = EncapCtx::new(&c).unwrap();
    let inner = hex(INNER_TCP4);
    let mut mem = mem_with(&inner, 64);
    let mut b = PacketBuf::new(&mut mem, 64, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    let d = b.data_mut();
    // What DPDK's rte_ipv4_phdr_cksum gives: the folded sum of src, dst, proto, length.
    let len = (d.len() - 34) as u32;
    let sum = 0xc000 + 0x0201 + 0xc000 + 0x0202 + 17 + len;
    let folded = ((sum & 0xffff) + (sum >> 16)) as u16;
    assert_eq!(u16::from_be_bytes([d[40], d[41]]), folded);
    // The NIC's job, done here: the full checksum then verifies.
    crate::wire::udp::fill_checksum_v4(&mut d[34..], [192, 0, 2, 1], [192, 0, 2, 2]).unwrap();
    let mut dec = DecapCtx::new(&peer_decap(&c)).unwrap();
    dec.decap(&mut b).unwrap();
}

#[test]
fn ecn_decapsulation_rfc6040() {
    let (c, mut ctx) = vxlan4_ctx();
    let mut d = DecapCtx::new(&peer_decap(&c)).unwrap();
    let run = |ctx: &mut EncapCtx, d: &mut DecapCtx, inner_ecn: u8, outer_ecn: u8| {
        let mut inner = hex(INNER_TCP4);
        inner[15] = (inner[15] & !3) | inner_ecn;
        crate::wire::ipv4::fill_checksum(&mut inner[14..]).unwrap();
        let mut mem = mem_with(&inner, 64);
        let mut b = PacketBuf::new(&mut mem, 64, inner.len()).unwrap();
        ctx.encap(&mut b).unwrap();
        let o = b.data_mut();
        o[15] = (o[15] & !3) | outer_ecn;
        crate::wire::ipv4::fill_checksum(&mut o[14..]).unwrap();
        d.decap(&mut b).map(|_| {
            let p = crate::wire::ipv4::Ipv4Packet::parse(&b.data()[14..]).unwrap();
            assert!(p.verify_checksum());
            p.header().ecn()
        })
    };
    // RFC 6040 Table 2 (rows: inner; columns: outer Not-ECT, ECT(0), ECT(1), CE).
    let table = [
        [Ok(0), Ok(0), Ok(0), Err(EncapError::EcnDrop)],
        [Ok(2), Ok(2), Ok(1), Ok(3)],
        [Ok(1), Ok(1), Ok(1), Ok(3)],
        [Ok(3), Ok(3), Ok(3), Ok(3)],
    ];
    // ECN codepoints: Not-ECT 0, ECT(1) 1, ECT(0) 2, CE 3; rows/columns in the RFC's order.
    let order = [0u8, 2, 1, 3];
    for (i, row) in table.iter().enumerate() {
        for (j, want) in row.iter().enumerate() {
            assert_eq!(
                run(&mut ctx, &mut d, order[i], order[j]),
                *want,
                "inner {} outer {}",
                order[i],
                order[j]
            );
        }
    }
    assert_eq!(d.stats().drops(DropReason::EcnDrop), 1);
}

#[test]
fn burst_results_per_packet() {
    let (c, mut ctx) = vxlan4_ctx();
    let inner = hex(INNER_TCP4);
    let mut mems: Vec<Vec<u8>> = (0..4)
        .map(|i| mem_with(&inner, if i == 2 { 10 } else { 64 }))
        .collect();
    let mut bufs: Vec<PacketBuf<'_>> = mems
        .iter_mut()
        .enumerate()
        .map(|(i, m)| PacketBuf::new(m, if i == 2 { 10 } else { 64 }, inner.len()).unwrap())
        .collect();
    let mut res = [Ok(()); 4];
    assert_eq!(ctx.encap_burst(&mut bufs, &mut res), 3);
    assert!(matches!(res[2], Err(EncapError::Buf(_))));
    let mut d = DecapCtx::new(&peer_decap(&c)).unwrap();
    let mut out = [Err(EncapError::NoRemote); 4];
    assert_eq!(d.decap_burst(&mut bufs, &mut out), 3);
    for (i, b) in bufs.iter().enumerate() {
        assert_eq!(b.data(), &inner[..]);
        assert_eq!(out[i].is_ok(), i != 2);
    }
    // The buffer encap refused still holds the plain inner frame: not for this endpoint.
    assert_eq!(out[2], Err(EncapError::NotLocal));
    assert_eq!((ctx.stats().packets, d.stats().packets), (3, 3));
}

#[test]
fn configuration_is_validated_with_neutron_wording() {
    let u = underlay("192.0.2.1");
    let vx = |vni| cfg(TunnelHeader::Vxlan { vni }, u, "192.0.2.2");
    assert_eq!(
        std::format!("{}", EncapCtx::new(&vx(0)).unwrap_err()),
        "0 is not a valid vxlan identifier"
    );
    assert_eq!(
        EncapCtx::new(&vx(1 << 24)).unwrap_err(),
        ConfigError::BadTunnelId {
            id: 1 << 24,
            kind: "vxlan"
        }
    );
    assert!(EncapCtx::new(&vx((1 << 24) - 1)).is_ok());
    let gre0 = cfg(
        TunnelHeader::Gre {
            key: 0,
            options: GreOptions::default(),
        },
        u,
        "192.0.2.2",
    );
    assert_eq!(
        std::format!("{}", EncapCtx::new(&gre0).unwrap_err()),
        "0 is not a valid gre identifier"
    );
    let bad = |u: Underlay, remote: &str| {
        EncapCtx::new(&cfg(TunnelHeader::Vxlan { vni: 1 }, u, remote)).unwrap_err()
    };
    assert!(matches!(
        bad(u, "2001:db8::2"),
        ConfigError::FamilyMismatch { .. }
    ));
    assert!(matches!(bad(u, "0.0.0.0"), ConfigError::BadRemoteIp(_)));
    assert!(matches!(
        bad(underlay("224.0.0.1"), "192.0.2.2"),
        ConfigError::BadLocalIp(_)
    ));
    assert!(matches!(
        bad(underlay("::"), "::1"),
        ConfigError::BadLocalIp(_)
    ));
    assert_eq!(
        bad(
            Underlay {
                ttl: Ttl::Fixed(0),
                ..u
            },
            "192.0.2.2"
        ),
        ConfigError::ZeroTtl
    );
    assert_eq!(
        bad(
            Underlay {
                local_mac: MacAddr::BROADCAST,
                ..u
            },
            "192.0.2.2"
        ),
        ConfigError::BadMac { which: "local" }
    );
    assert_eq!(
        bad(
            Underlay {
                src_port_min: 2,
                src_port_max: 1,
                ..u
            },
            "192.0.2.2"
        ),
        ConfigError::BadPort
    );
    assert_eq!(
        bad(
            Underlay {
                df: Df::Unset,
                ..underlay("2001:db8::1")
            },
            "2001:db8::2"
        ),
        ConfigError::DfOnIpv6
    );
    let mut zero_mac = vx(1);
    zero_mac.remote = Some(Remote {
        ip: ip("192.0.2.2"),
        mac: MacAddr::ZERO,
    });
    assert_eq!(
        EncapCtx::new(&zero_mac).unwrap_err(),
        ConfigError::BadMac { which: "remote" }
    );
    let dc = DecapConfig {
        expect_id: Some(0),
        ..DecapConfig::new(TunnelType::Geneve)
    };
    assert_eq!(
        std::format!("{}", DecapCtx::new(&dc).unwrap_err()),
        "0 is not a valid geneve identifier"
    );
}

#[test]
fn source_port_range_and_custom_port() {
    let u = Underlay {
        src_port_min: 1000,
        src_port_max: 1000,
        udp_port: 8472,
        ..underlay("192.0.2.1")
    };
    let c = cfg(TunnelHeader::Vxlan { vni: 3 }, u, "192.0.2.2");
    let mut ctx = EncapCtx::new(&c).unwrap();
    let inner = hex(INNER_UDP6);
    let mut mem = mem_with(&inner, 64);
    let mut b = PacketBuf::new(&mut mem, 64, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    assert_eq!(&b.data()[34..38], &[0x03, 0xe8, 0x21, 0x18]);
    let mut std_port = DecapCtx::new(&DecapConfig::new(TunnelType::Vxlan)).unwrap();
    assert_eq!(
        std_port.decap(&mut b),
        Err(EncapError::WrongPort { found: 8472 })
    );
    let mut d = DecapCtx::new(&peer_decap(&c)).unwrap();
    assert_eq!(d.decap(&mut b).unwrap().src_port, 1000);
}

/// Verifies the outer IPv4 header checksum and the UDP or GRE checksum (when not zero) with
/// the wire parsers, independently of decap.
fn outer_checksums_ok(pkt: &[u8]) -> bool {
    use crate::wire::{gre::GrePacket, ipv4::Ipv4Packet, ipv6::Ipv6Packet, udp::UdpPacket};
    let (l4, proto, v4, v6) = if pkt[12..14] == [0x08, 0x00] {
        let p = Ipv4Packet::parse(&pkt[14..]).unwrap();
        if !p.verify_checksum() {
            return false;
        }
        (p.payload(), p.protocol(), Some((p.src(), p.dst())), None)
    } else {
        let p = Ipv6Packet::parse(&pkt[14..]).unwrap();
        (
            p.upper_payload(),
            p.upper_protocol(),
            None,
            Some((p.src(), p.dst())),
        )
    };
    if proto == 47 {
        return GrePacket::parse(l4).unwrap().verify_checksum();
    }
    let u = UdpPacket::parse(l4).unwrap();
    match (v4, v6) {
        (Some((s, d)), _) => u.verify_checksum_v4(s, d),
        (_, Some((s, d))) => u.header().checksum() == 0 || u.verify_checksum_v6(&s, &d),
        _ => false,
    }
}

/// Arbitrary contexts for the round-trip property.
fn any_config() -> impl Strategy<Value = EncapConfig> {
    let header = prop_oneof![
        (1u32..=0xff_ffff).prop_map(|vni| TunnelHeader::Vxlan { vni }),
        (
            1u32..=0xff_ffff,
            proptest::collection::vec(any::<u8>(), 0..6),
            0u8..4
        )
            .prop_map(|(vni, data, words)| {
                let mut options = GeneveOptions::EMPTY;
                let n = usize::from(words) * 4;
                let mut d = data;
                d.resize(n, 0x5a);
                options.push(0x0102, 0x01, &d).unwrap();
                TunnelHeader::Geneve { vni, options }
            }),
        (1u32.., any::<bool>(), any::<bool>()).prop_map(|(key, checksum, sequence)| {
            TunnelHeader::Gre {
                key,
                options: GreOptions { checksum, sequence },
            }
        }),
    ];
    let v6 = any::<bool>();
    let ttl = prop_oneof![(1u8..).prop_map(Ttl::Fixed), Just(Ttl::Inherit)];
    let tos = prop_oneof![any::<u8>().prop_map(Tos::Fixed), Just(Tos::Inherit)];
    let df = prop_oneof![Just(Df::Set), Just(Df::Unset), Just(Df::Inherit)];
    let csum = prop_oneof![Just(UdpChecksum::Zero), Just(UdpChecksum::Full)];
    (header, v6, ttl, tos, df, csum, any::<u64>()).prop_map(
        |(header, v6, ttl, tos, df, csum, seed)| {
            let (l, r) = if v6 {
                ("2001:db8::1", "2001:db8::2")
            } else {
                ("192.0.2.1", "192.0.2.2")
            };
            let u = Underlay {
                ttl,
                tos,
                df: if v6 { Df::Set } else { df },
                udp_checksum: Some(csum),
                allow_zero_udp6_checksum: true,
                hash_seed: seed,
                ..Underlay::new(ip(l), L_MAC)
            };
            cfg(header, u, r)
        },
    )
}

/// Inner frames: a valid TCP/IPv4 or UDP/IPv6 frame with random payload, or random bytes
/// behind an Ethernet header.
fn any_inner() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 14..200),
        (proptest::collection::vec(any::<u8>(), 0..100), any::<u8>()).prop_map(|(p, tos)| {
            let mut f = hex(INNER_TCP4);
            f[15] = tos;
            f.extend_from_slice(&p);
            f
        }),
        proptest::collection::vec(any::<u8>(), 0..100).prop_map(|p| {
            let mut f = hex(INNER_UDP6);
            f.extend_from_slice(&p);
            f
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// decap(encap(x)) == x, with every byte before the headroom untouched, and the outer
    /// headers agreeing with the classifier.
    #[test]
    fn round_trip(c in any_config(), inner in any_inner(), headroom in 0usize..400) {
        let mut ctx = EncapCtx::new(&c).unwrap();
        let mut mem = mem_with(&inner, headroom);
        let before = mem.clone();
        let mut b = PacketBuf::new(&mut mem, headroom, inner.len()).unwrap();
        let r = ctx.encap(&mut b);
        if headroom < ctx.overhead() {
            prop_assert!(matches!(r, Err(EncapError::Buf(_))));
            prop_assert_eq!(mem, before);
            return Ok(());
        }
        prop_assert_eq!(r, Ok(()));
        prop_assert_eq!(b.len(), inner.len() + ctx.overhead());
        let outer_only = crate::wire::ClassifyOpts { tunnels: false, ..crate::wire::ClassifyOpts::DEFAULT };
        let p = crate::wire::classify(b.data(), &outer_only).unwrap();
        let gre = c.header.tunnel_type() == TunnelType::Gre;
        prop_assert_eq!(p.outer.ip_proto, if gre { 47 } else { 17 });
        prop_assert!(outer_checksums_ok(b.data()));
        let mut d = DecapCtx::new(&peer_decap(&c)).unwrap();
        let got = d.decap(&mut b).unwrap();
        prop_assert_eq!(b.data(), &inner[..]);
        prop_assert_eq!(b.offsets(), (headroom as u16, inner.len() as u16));
        prop_assert_eq!(got.id, c.header.id());
        prop_assert_eq!(got.outer_src, c.underlay.local_ip);
        prop_assert_eq!(&mem[headroom..], &before[headroom..]);
    }

    /// Decap never panics, and on error changes nothing.
    #[test]
    fn decap_is_total(mut pkt in proptest::collection::vec(any::<u8>(), 0..160), seed in any::<u64>(), kind in 0u8..3) {
        // Start from a valid packet half the time so the checks deep inside are reached.
        if seed & 1 == 0 {
            let base = hex(match kind { 0 => VXLAN4, 1 => GENEVE4, _ => GRE4 });
            let n = pkt.len().min(base.len());
            for (i, b) in pkt.iter_mut().take(n).enumerate() {
                if (seed >> (i % 64)) & 3 != 0 { *b = base[i]; }
            }
        }
        let tunnel = [TunnelType::Vxlan, TunnelType::Geneve, TunnelType::Gre][usize::from(kind)];
        let mut d = DecapCtx::new(&DecapConfig { accept_geneve_critical: true, ..DecapConfig::new(tunnel) }).unwrap();
        let mut mem = pkt.clone();
        let mut b = PacketBuf::full(&mut mem).unwrap();
        match d.decap(&mut b) {
            Ok(got) => {
                prop_assert_eq!(b.len(), got.inner_len);
                prop_assert!(got.inner_off + got.inner_len <= pkt.len());
                prop_assert!(got.inner_len >= 14);
            }
            Err(_) => {
                prop_assert_eq!(b.offsets(), (0, pkt.len() as u16));
                prop_assert_eq!(mem, pkt);
            }
        }
    }
}
