//! Our encap output and our ICMP MTU errors, decoded by real tools: tshark (with checksum
//! validation on) and scapy. The frames are written to a pcap; each tool's reading must agree
//! with what was configured. Skips, with a message, when tshark or python3+scapy is missing.

#[path = "common/skip.rs"]
mod skip;

use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use neutrino::encap::icmp::{frag_needed, packet_too_big};
use neutrino::encap::{
    vlan, Df, EncapConfig, EncapCtx, GeneveOptions, GreOptions, Remote, Tos, Tpid, Ttl,
    TunnelHeader, UdpChecksum, Underlay, VlanTagSpec,
};
use neutrino::wire::MacAddr;
use neutrino::PacketBuf;

const L_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 1]);
const R_MAC: MacAddr = MacAddr([2, 0, 0, 0, 0, 2]);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A TCP/IPv4 frame with `payload_len` bytes of data, DF set.
fn inner_tcp4(payload_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    etherparse::PacketBuilder::ethernet2([0xfa, 0x16, 0x3e, 0, 0, 1], [0xfa, 0x16, 0x3e, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 33)
        .tcp(40000, 443, 1, 65535)
        .write(&mut out, &vec![b'n'; payload_len])
        .unwrap();
    out[20] |= 0x40; // DF
    out[24] = 0;
    out[25] = 0;
    let c = neutrino::wire::checksum::internet_checksum(&out[14..34]);
    out[24..26].copy_from_slice(&c.to_be_bytes());
    out
}

/// A UDP/IPv6 frame with `payload_len` bytes of data.
fn inner_udp6(payload_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let a = |x| [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, x];
    etherparse::PacketBuilder::ethernet2([0xfa, 0x16, 0x3e, 0, 0, 1], [0xfa, 0x16, 0x3e, 0, 0, 2])
        .ipv6(a(1), a(2), 17)
        .udp(5353, 53)
        .write(&mut out, &vec![b'u'; payload_len])
        .unwrap();
    out
}

fn encap(cfg: &EncapConfig, inner: &[u8]) -> Vec<u8> {
    let mut ctx = EncapCtx::new(cfg).unwrap();
    let mut mem = vec![0u8; 400 + inner.len()];
    mem[400..].copy_from_slice(inner);
    let mut b = PacketBuf::new(&mut mem, 400, inner.len()).unwrap();
    ctx.encap(&mut b).unwrap();
    b.data().to_vec()
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

fn write_pcap(name: &str, frames: &[Vec<u8>]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neutrino-encap-decode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    hdr.extend_from_slice(&2u16.to_le_bytes());
    hdr.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 65535, 1] {
        hdr.extend_from_slice(&v.to_le_bytes());
    }
    f.write_all(&hdr).unwrap();
    for (i, fr) in frames.iter().enumerate() {
        for v in [i as u32, 0, fr.len() as u32, fr.len() as u32] {
            f.write_all(&v.to_le_bytes()).unwrap();
        }
        f.write_all(fr).unwrap();
    }
    path
}

fn have_tshark() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip::skip("tshark not found; our output was not decoded by tshark");
    }
    ok
}

/// One row per packet; in each, one string per field (all occurrences, comma-joined).
fn tshark(pcap: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(pcap).args([
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

/// Wireshark's checksum status: 1 = good (`PROTO_CHECKSUM_E_GOOD`).
const GOOD: &str = "1";

#[test]
fn tshark_decodes_our_tunnels() {
    let u4 = Underlay {
        hash_seed: 7,
        ..Underlay::new(ip("192.0.2.1"), L_MAC)
    };
    let u6 = Underlay {
        hash_seed: 7,
        tos: Tos::Inherit,
        ttl: Ttl::Inherit,
        ..Underlay::new(ip("2001:db8::1"), L_MAC)
    };
    let mut opts = GeneveOptions::EMPTY;
    opts.push(0x0102, 0x05, &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    let inner4 = inner_tcp4(300);
    let inner6 = inner_udp6(200);
    let frames = vec![
        encap(
            &cfg(
                TunnelHeader::Vxlan { vni: 5001 },
                Underlay {
                    udp_checksum: Some(UdpChecksum::Full),
                    ..u4
                },
                "192.0.2.2",
            ),
            &inner4,
        ),
        encap(
            &cfg(TunnelHeader::Vxlan { vni: 0xabcdef }, u6, "2001:db8::2"),
            &inner6,
        ),
        encap(
            &cfg(
                TunnelHeader::Geneve {
                    vni: 77,
                    options: opts,
                },
                Underlay {
                    df: Df::Unset,
                    udp_checksum: Some(UdpChecksum::Full),
                    ..u4
                },
                "192.0.2.2",
            ),
            &inner6,
        ),
        encap(
            &cfg(
                TunnelHeader::Gre {
                    key: 0xdeadbeef,
                    options: GreOptions {
                        checksum: true,
                        sequence: true,
                    },
                },
                u4,
                "192.0.2.2",
            ),
            &inner4,
        ),
        encap(
            &cfg(
                TunnelHeader::Gre {
                    key: 42,
                    options: GreOptions::default(),
                },
                u6,
                "2001:db8::2",
            ),
            &inner4,
        ),
    ];
    if !have_tshark() {
        return;
    }
    let pcap = write_pcap("tunnels.pcap", &frames);
    let rows = tshark(
        &pcap,
        &[
            "vxlan.vni",
            "geneve.vni",
            "geneve.option.class",
            "gre.key",
            "gre.sequence_number",
            "gre.checksum.status",
            "udp.checksum.status",
            "ip.checksum.status",
            "ip.src",
            "ipv6.src",
            "ip.flags.df",
            "ipv6.hlim",
            "udp.srcport",
            "tcp.dstport",
        ],
    );
    assert_eq!(rows.len(), 5, "{rows:?}");
    // VXLAN/IPv4 with full UDP checksum: outer and inner IP checksums good, UDP good.
    let r = &rows[0];
    assert_eq!(r[0], "5001");
    assert_eq!(r[6], GOOD, "{r:?}");
    assert_eq!(r[7], format!("{GOOD},{GOOD}"), "{r:?}");
    assert_eq!(r[8], "192.0.2.1,10.0.0.1");
    assert_eq!(r[10], "1,1");
    assert_eq!(r[13], "443");
    // VXLAN/IPv6 (checksum mandatory), hop limit inherited from the inner 17.
    let r = &rows[1];
    assert_eq!(r[0], "11259375");
    assert!(r[6].starts_with(GOOD), "{r:?}");
    assert_eq!(r[9], "2001:db8::1,fd00::1");
    assert_eq!(r[11], "17,17");
    // GENEVE with an option, DF clear.
    let r = &rows[2];
    assert_eq!(
        (r[1].as_str(), r[2].as_str()),
        ("0x00004d", "0x0102"),
        "{r:?}"
    );
    assert!(r[6].starts_with(GOOD), "{r:?}");
    assert_eq!(r[10], "0");
    // GRE with key, sequence and a good checksum.
    let r = &rows[3];
    assert_eq!(
        (r[3].as_str(), r[4].as_str(), r[5].as_str()),
        ("0xdeadbeef", "0", GOOD),
        "{r:?}"
    );
    assert_eq!(r[7], format!("{GOOD},{GOOD}"));
    // GRE over IPv6.
    let r = &rows[4];
    assert_eq!(r[3], "0x0000002a");
    assert_eq!(r[9], "2001:db8::1");
    assert_eq!(r[8], "10.0.0.1");
    // The UDP source ports are what the context says (the flow hash), within 49152..=65535.
    for r in &rows[..3] {
        let p: u32 = r[12].split(',').next().unwrap().parse().unwrap();
        assert!((49152..=65535).contains(&p), "{r:?}");
    }
}

#[test]
fn tshark_decodes_vlan_and_qinq_push() {
    let inner = inner_tcp4(10);
    let mut mem = vec![0u8; 16 + inner.len()];
    mem[16..].copy_from_slice(&inner);
    let mut b = PacketBuf::new(&mut mem, 16, inner.len()).unwrap();
    vlan::push(
        &mut b,
        VlanTagSpec::new(Tpid::Dot1Q, 100, 5, false).unwrap(),
    )
    .unwrap();
    let single = b.data().to_vec();
    vlan::push(
        &mut b,
        VlanTagSpec::new(Tpid::Dot1ad, 200, 0, false).unwrap(),
    )
    .unwrap();
    let qinq = b.data().to_vec();
    if !have_tshark() {
        return;
    }
    let rows = tshark(
        &write_pcap("vlan.pcap", &[single, qinq]),
        &["vlan.id", "vlan.priority", "ieee8021ad.id", "ip.dst"],
    );
    assert_eq!(rows[0], ["100", "5", "", "10.0.0.2"]);
    assert_eq!(rows[1], ["100", "5", "200", "10.0.0.2"]);
}

#[test]
fn tshark_and_scapy_decode_our_icmp_errors() {
    let gw = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 0xfe]);
    let big4 = inner_tcp4(1500 - 40);
    let mut out = vec![0u8; 2000];
    let n = frag_needed(&big4, 1450, gw, [10, 0, 0, 254], &mut out).unwrap();
    let icmp4 = out[..n].to_vec();
    let big6 = inner_udp6(1500 - 48);
    let src6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe];
    let n = packet_too_big(&big6, 1430, gw, src6, &mut out).unwrap();
    let icmp6 = out[..n].to_vec();
    assert_eq!(icmp6.len(), 14 + 1280);
    let pcap = write_pcap("icmp.pcap", &[icmp4, icmp6]);
    if have_tshark() {
        let rows = tshark(
            &pcap,
            &[
                "icmp.type",
                "icmp.code",
                "icmp.mtu",
                "icmp.checksum.status",
                "ip.checksum.status",
                "ip.src",
                "ip.dst",
                "tcp.dstport",
                "icmpv6.type",
                "icmpv6.mtu",
                "icmpv6.checksum.status",
                "ipv6.dst",
                "udp.dstport",
            ],
        );
        let r = &rows[0];
        assert_eq!(
            &r[..5],
            ["3", "4", "1450", GOOD, &format!("{GOOD},{GOOD}")],
            "{r:?}"
        );
        // The quoted datagram: the original header (10.0.0.1 -> 10.0.0.2) and its TCP ports.
        assert_eq!(r[5], "10.0.0.254,10.0.0.1");
        assert_eq!(r[6], "10.0.0.1,10.0.0.2");
        assert_eq!(r[7], "443");
        let r = &rows[1];
        assert_eq!(&r[8..11], ["2", "1430", GOOD], "{r:?}");
        assert_eq!(r[11], "fd00::1,fd00::2");
        assert_eq!(r[12], "53");
    }
    // scapy: its own dissection of the same frames, and checksums recomputed by scapy.
    let script = r#"
import sys
from scapy.all import rdpcap, Ether, IP, ICMP, IPerror, TCPerror, IPv6, ICMPv6PacketTooBig, IPerror6, UDPerror
p4, p6 = rdpcap(sys.argv[1])
i = p4[ICMP]
assert (i.type, i.code, i.nexthopmtu) == (3, 4, 1450), i.summary()
assert p4[IPerror].src == '10.0.0.1' and p4[TCPerror].dport == 443
assert len(bytes(p4[IP])) == 576
c = Ether(bytes(p4)); c[ICMP].chksum = None; c[IP].chksum = None
assert bytes(Ether(bytes(c))) == bytes(p4), 'ICMPv4/IPv4 checksums differ from scapy'
t = p6[ICMPv6PacketTooBig]
assert t.mtu == 1430 and p6[IPerror6].dst == 'fd00::2' and p6[UDPerror].dport == 53
c = Ether(bytes(p6)); c[ICMPv6PacketTooBig].cksum = None
assert bytes(Ether(bytes(c))) == bytes(p6), 'ICMPv6 checksum differs from scapy'
print('ok')
"#;
    match Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&pcap)
        .output()
    {
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named 'scapy'") => {
            skip::skip("scapy not installed");
        }
        Ok(o) => assert!(
            o.status.success() && o.stdout.starts_with(b"ok"),
            "scapy: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => skip::skip("python3 not found"),
    }
}
