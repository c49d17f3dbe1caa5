//! Encap and decap ([`neutrino::encap`]).
//!
//! Input: byte 0 selects the mode.
//! - Even: **decap of arbitrary bytes.** Byte 1: tunnel (`% 3`: VXLAN, GENEVE, GRE); byte 2:
//!   flags (bit 0 expect the id, bit 1 expect local 192.0.2.2, bit 2 expect local 2001:db8::2,
//!   bit 3 skip the IPv4 checksum, bit 4 skip the UDP/GRE checksum, bit 5 accept a zero IPv6
//!   UDP checksum, bit 6 accept GENEVE critical options, bit 7 no ECN processing); bytes 3..7:
//!   the id (little-endian); byte 7: headroom; the rest is the packet. Asserts: no panic; on
//!   error the buffer and its offsets are unchanged; on success the offsets describe
//!   `[inner_off, inner_off + inner_len)` of the packet, at least an Ethernet header, whose
//!   bytes are the packet's (unless an RFC 6040 ECN rewrite applied), and `validate` agrees.
//! - Odd: **round trip.** The bytes after the mode drive an `arbitrary` configuration (tunnel
//!   and id, IPv4/IPv6 underlay, TTL/TOS/DF/UDP-checksum policies, GENEVE options, GRE
//!   checksum/sequence, seed, path MTU, headroom) and the rest is the inner frame. Asserts:
//!   encap fails only for a documented reason (no headroom, frame shorter than Ethernet, over
//!   the MTU) and then changes nothing; otherwise the receiving context decapsulates it back to
//!   exactly the inner frame and the original offsets. VLAN push/pop likewise.
#![no_main]
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use neutrino::encap::{
    vlan, DecapConfig, DecapCtx, Df, EncapConfig, EncapCtx, EncapError, GeneveOptions, GreOptions,
    Remote, Tos, Tpid, Ttl, TunnelHeader, TunnelType, UdpChecksum, Underlay, VlanTagSpec,
};
use neutrino::wire::MacAddr;
use neutrino::{BufError, PacketBuf};

const KINDS: [TunnelType; 3] = [TunnelType::Vxlan, TunnelType::Geneve, TunnelType::Gre];

fn decap_arbitrary(data: &[u8]) {
    let Some((hdr, pkt)) = data.split_first_chunk::<7>() else {
        return;
    };
    let (kind, flags) = (KINDS[usize::from(hdr[0] % 3)], hdr[1]);
    let id = u32::from_le_bytes([hdr[2], hdr[3], hdr[4], hdr[5]]);
    let headroom = usize::from(hdr[6]);
    let bit = |b: u8| flags & (1 << b) != 0;
    let local = if bit(1) {
        Some("192.0.2.2".parse().unwrap())
    } else if bit(2) {
        Some("2001:db8::2".parse().unwrap())
    } else {
        None
    };
    let cfg = DecapConfig {
        expect_id: bit(0).then_some(id),
        local_ip: local,
        verify_ip_checksum: !bit(3),
        verify_l4_checksum: !bit(4),
        allow_zero_udp6_checksum: bit(5),
        accept_geneve_critical: bit(6),
        ecn: !bit(7),
        ..DecapConfig::new(kind)
    };
    let Ok(mut ctx) = DecapCtx::new(&cfg) else {
        // Only an out-of-range expected id is refused.
        assert!(bit(0) && kind.check_id(id).is_err());
        return;
    };
    if pkt.len() > 65535 {
        return;
    }
    let mut mem = vec![0xa5u8; headroom + pkt.len() + 8];
    mem[headroom..headroom + pkt.len()].copy_from_slice(pkt);
    let before = mem.clone();
    let validated = ctx.validate(pkt);
    let mut b = PacketBuf::new(&mut mem, headroom, pkt.len()).unwrap();
    let r = ctx.decap(&mut b);
    assert_eq!(r, validated);
    match r {
        Err(_) => {
            assert_eq!((b.head(), b.len()), (headroom, pkt.len()));
            assert!(mem == before, "decap changed the buffer on error");
        }
        Ok(d) => {
            assert_eq!((b.head(), b.len()), (headroom + d.inner_off, d.inner_len));
            assert!(d.inner_len >= 14 && d.inner_off + d.inner_len <= pkt.len());
            assert_eq!(d.tunnel, kind);
            if let Some(e) = cfg.expect_id {
                assert_eq!(d.id, e);
            }
            if !cfg.ecn {
                assert_eq!(b.data(), &pkt[d.inner_off..d.inner_off + d.inner_len]);
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Config {
    kind: u8,
    id: u32,
    v6: bool,
    ttl: Option<u8>,
    tos: Option<u8>,
    df: u8,
    csum: u8,
    geneve_opts: Vec<(u16, u8, u8)>,
    gre_csum: bool,
    gre_seq: bool,
    seed: u64,
    path_mtu: u16,
    headroom: u16,
    vlan: Option<(bool, u16, u8)>,
}

fn round_trip(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(c) = Config::arbitrary(&mut u) else {
        return;
    };
    let inner = u.take_rest();
    let headroom = usize::from(c.headroom % 512);
    if inner.len() > 9000 {
        return;
    }
    let mut mem = vec![0x5au8; headroom + inner.len() + 4];
    mem[headroom..headroom + inner.len()].copy_from_slice(inner);
    let before = mem.clone();

    if let Some((qinq, vid, pcp)) = c.vlan {
        let tpid = if qinq { Tpid::Dot1ad } else { Tpid::Dot1Q };
        let Ok(tag) = VlanTagSpec::new(tpid, vid % 4096, pcp % 8, false) else {
            assert_eq!(vid % 4096, 4095);
            return;
        };
        let mut b = PacketBuf::new(&mut mem, headroom, inner.len()).unwrap();
        match vlan::push(&mut b, tag) {
            Ok(()) => {
                assert_eq!(
                    vlan::pop_expect(&mut b, tpid, tag.vid()),
                    Ok(tag.tci()),
                    "pop after push"
                );
                assert_eq!(b.data(), inner);
            }
            Err(_) => {
                assert!(headroom < 4 || inner.len() < 14);
                assert!(mem == before);
            }
        }
        return;
    }

    let kind = KINDS[usize::from(c.kind % 3)];
    let header = match kind {
        TunnelType::Vxlan => TunnelHeader::Vxlan { vni: c.id },
        TunnelType::Geneve => {
            let mut options = GeneveOptions::EMPTY;
            for (class, t, words) in c.geneve_opts.iter().take(8) {
                let data = [0x11u8; 124];
                let n = usize::from(*words % 32) * 4;
                if options.push(*class, *t, &data[..n]).is_err() {
                    break;
                }
            }
            TunnelHeader::Geneve { vni: c.id, options }
        }
        TunnelType::Gre => TunnelHeader::Gre {
            key: c.id,
            options: GreOptions {
                checksum: c.gre_csum,
                sequence: c.gre_seq,
            },
        },
    };
    let (l, r) = if c.v6 {
        ("2001:db8::1", "2001:db8::2")
    } else {
        ("192.0.2.1", "192.0.2.2")
    };
    let mut und = Underlay::new(l.parse().unwrap(), MacAddr([2, 0, 0, 0, 0, 1]));
    und.ttl = c.ttl.map_or(Ttl::Inherit, Ttl::Fixed);
    und.tos = c.tos.map_or(Tos::Inherit, Tos::Fixed);
    und.df = match (c.v6, c.df % 3) {
        (true, _) | (false, 0) => Df::Set,
        (false, 1) => Df::Unset,
        _ => Df::Inherit,
    };
    und.udp_checksum = match c.csum % 4 {
        0 => None,
        1 => Some(UdpChecksum::Zero),
        2 => Some(UdpChecksum::Full),
        _ => Some(UdpChecksum::Offload),
    };
    und.allow_zero_udp6_checksum = true;
    und.hash_seed = c.seed;
    und.path_mtu = c.path_mtu;
    let cfg = EncapConfig {
        header,
        underlay: und,
        remote: Some(Remote {
            ip: r.parse().unwrap(),
            mac: MacAddr([2, 0, 0, 0, 0, 2]),
        }),
    };
    let mut ctx = match EncapCtx::new(&cfg) {
        Ok(ctx) => ctx,
        Err(_) => {
            // Refused only for Neutron's id ranges or a TTL of 0.
            assert!(kind.check_id(c.id).is_err() || c.ttl == Some(0));
            return;
        }
    };
    let oh = ctx.overhead();
    let mut b = PacketBuf::new(&mut mem, headroom, inner.len()).unwrap();
    match ctx.encap(&mut b) {
        Ok(()) => {}
        Err(e) => {
            let ip_len = inner.len() + oh - 14;
            let ok = match e {
                EncapError::Buf(BufError::NoHeadroom { .. }) => headroom < oh,
                EncapError::Wire(_) => inner.len() < 14,
                EncapError::TooBig { .. } => {
                    (c.path_mtu != 0 && ip_len > usize::from(c.path_mtu)) || ip_len > 65535
                }
                _ => false,
            };
            assert!(ok, "unexpected encap error {e:?}");
            assert_eq!((b.head(), b.len()), (headroom, inner.len()));
            assert!(mem == before, "encap changed the buffer on error");
            return;
        }
    }
    assert_eq!(b.len(), inner.len() + oh);
    // The offload policy leaves the UDP checksum to a NIC: finish it as one would.
    if cfg.underlay.udp_checksum == Some(UdpChecksum::Offload) && kind != TunnelType::Gre {
        let l4 = 14 + if c.v6 { 40 } else { 20 };
        let d = b.data_mut();
        if c.v6 {
            let (s, t) = (
                <[u8; 16]>::try_from(&d[22..38]).unwrap(),
                <[u8; 16]>::try_from(&d[38..54]).unwrap(),
            );
            neutrino::wire::udp::fill_checksum_v6(&mut d[l4..], &s, &t).unwrap();
        } else {
            let (s, t) = (
                <[u8; 4]>::try_from(&d[26..30]).unwrap(),
                <[u8; 4]>::try_from(&d[30..34]).unwrap(),
            );
            neutrino::wire::udp::fill_checksum_v4(&mut d[l4..], s, t).unwrap();
        }
    }
    let mut dc = DecapConfig::for_encap(&cfg);
    dc.local_ip = cfg.remote.map(|r| r.ip);
    dc.accept_geneve_critical = true;
    let mut d = DecapCtx::new(&dc).unwrap();
    let got = d.decap(&mut b).expect("decap of our own encap");
    assert_eq!(got.id, c.id);
    assert_eq!((b.head(), b.len()), (headroom, inner.len()));
    assert_eq!(b.data(), inner);
}

fuzz_target!(|data: &[u8]| {
    match data.split_first() {
        Some((m, rest)) if m & 1 == 0 => decap_arbitrary(rest),
        Some((_, rest)) => round_trip(rest),
        None => {}
    }
});
