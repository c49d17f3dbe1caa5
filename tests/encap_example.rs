//! The `encap` example on a real capture: every frame of examples/data/sample.pcap (or, when
//! that file is absent, a small capture written here) is encapsulated in VXLAN, GENEVE, GRE
//! (IPv4 and IPv6 underlays) and VLAN/QinQ; tshark decodes the output (tunnel ids, outer
//! checksums, the inner frames), and `--decap` gives back exactly the input frames.

#[allow(dead_code)]
#[path = "../examples/common/pcap.rs"]
mod pcap;

#[path = "common/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Builds the example once (same cargo, same target dir) and returns its executable.
fn encap_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--example",
                "encap",
                "--message-format=json",
            ])
            .current_dir(ROOT)
            .output()
            .expect("running cargo build");
        assert!(
            out.status.success(),
            "cargo build --example encap failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["target"]["name"] == "encap" && m["target"]["kind"][0] == "example")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo did not report the encap executable")
    })
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("neutrino-encap-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A small capture when the shipped sample is missing: TCP/IPv4, UDP/IPv6 behind a tag, ARP,
/// and a 10-byte runt that every operation must skip.
fn input() -> PathBuf {
    let sample = Path::new(ROOT).join("examples/data/sample.pcap");
    if sample.is_file() {
        return sample;
    }
    let mut frames: Vec<Vec<u8>> = Vec::new();
    let mut f = Vec::new();
    etherparse::PacketBuilder::ethernet2([0xfa, 0x16, 0x3e, 0, 0, 1], [0xfa, 0x16, 0x3e, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .tcp(40000, 443, 1, 65535)
        .write(&mut f, b"hello")
        .unwrap();
    frames.push(f);
    let mut f = Vec::new();
    let a = |x| [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, x];
    etherparse::PacketBuilder::ethernet2([0xfa, 0x16, 0x3e, 0, 0, 1], [0xfa, 0x16, 0x3e, 0, 0, 2])
        .single_vlan(7.try_into().unwrap())
        .ipv6(a(1), a(2), 64)
        .udp(5353, 53)
        .write(&mut f, b"q")
        .unwrap();
    frames.push(f);
    let mut arp = vec![0xff; 6];
    arp.extend_from_slice(&[0xfa, 0x16, 0x3e, 0, 0, 1, 0x08, 0x06]);
    arp.resize(42, 0);
    frames.push(arp);
    frames.push(vec![0; 10]);
    let mut file = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        file.extend_from_slice(&v.to_le_bytes());
    }
    for fr in &frames {
        for v in [1u32, 0, fr.len() as u32, fr.len() as u32] {
            file.extend_from_slice(&v.to_le_bytes());
        }
        file.extend_from_slice(fr);
    }
    let p = tmp("input.pcap");
    std::fs::write(&p, file).unwrap();
    p
}

fn frames(path: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap();
    pcap::Pcap::new(&data)
        .unwrap()
        .map(|r| r.unwrap().data.to_vec())
        .collect()
}

fn run(args: &[&str]) -> Output {
    let out = Command::new(encap_bin()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "encap panicked: {stderr}");
    out
}

fn have_tshark() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip::skip("encap example: tshark not found; the tshark part did not run");
    }
    ok
}

fn tshark(path: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args([
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-E",
        "occurrence=f",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

struct Case {
    args: &'static [&'static str],
    /// tshark field that must read `want` in every output frame.
    field: &'static str,
    want: &'static str,
    /// Outer header bytes per frame.
    overhead: usize,
}

const CASES: &[Case] = &[
    Case {
        args: &[
            "--type",
            "vxlan",
            "--id",
            "5001",
            "--outer-src",
            "192.0.2.1",
            "--outer-dst",
            "192.0.2.2",
        ],
        field: "vxlan.vni",
        want: "5001",
        overhead: 50,
    },
    Case {
        args: &[
            "--type",
            "vxlan",
            "--id",
            "77",
            "--outer-src",
            "2001:db8::1",
            "--outer-dst",
            "2001:db8::2",
        ],
        field: "vxlan.vni",
        want: "77",
        overhead: 70,
    },
    Case {
        args: &[
            "--type",
            "geneve",
            "--id",
            "4096",
            "--outer-src",
            "192.0.2.1",
            "--outer-dst",
            "192.0.2.2",
        ],
        field: "geneve.vni",
        want: "0x001000",
        overhead: 50,
    },
    Case {
        args: &[
            "--type",
            "gre",
            "--id",
            "1234",
            "--outer-src",
            "192.0.2.1",
            "--outer-dst",
            "192.0.2.2",
        ],
        field: "gre.key",
        want: "0x000004d2",
        overhead: 42,
    },
    Case {
        args: &[
            "--type",
            "gre",
            "--id",
            "9",
            "--outer-src",
            "2001:db8::1",
            "--outer-dst",
            "2001:db8::2",
        ],
        field: "gre.key",
        want: "0x00000009",
        overhead: 62,
    },
    Case {
        args: &["--type", "vlan", "--id", "100"],
        field: "vlan.id",
        want: "100",
        overhead: 4,
    },
    Case {
        args: &["--type", "vlan", "--id", "200", "--qinq"],
        field: "ieee8021ad.id",
        want: "200",
        overhead: 4,
    },
];

#[test]
fn every_type_round_trips_and_tshark_agrees() {
    let input = input();
    let orig = frames(&input);
    let kept: Vec<&Vec<u8>> = orig.iter().filter(|f| f.len() >= 14).collect();
    assert!(kept.len() >= 3, "input too small");
    let tshark_ok = have_tshark();
    for (i, c) in CASES.iter().enumerate() {
        let out = tmp(&format!("out{i}.pcap"));
        let back = tmp(&format!("back{i}.pcap"));
        let mut args: Vec<&str> = c.args.to_vec();
        args.extend([
            "--in",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let o = run(&args);
        assert!(
            o.status.success(),
            "{:?}: {}",
            c.args,
            String::from_utf8_lossy(&o.stderr)
        );
        let enc = frames(&out);
        assert_eq!(enc.len(), kept.len(), "{:?}", c.args);
        for (e, f) in enc.iter().zip(&kept) {
            assert_eq!(e.len(), f.len() + c.overhead, "{:?}", c.args);
            assert_eq!(
                &e[e.len() - (f.len() - 12)..],
                &f[12..],
                "{:?}: inner differs",
                c.args
            );
        }
        if tshark_ok {
            let rows = tshark(
                &out,
                &[
                    c.field,
                    "ip.checksum.status",
                    "udp.checksum.status",
                    "eth.dst",
                ],
            );
            assert_eq!(rows.len(), kept.len());
            for (r, f) in rows.iter().zip(&kept) {
                // tshark 4.0 does not name a third tag's id; frames already tagged get ours on
                // top, checked by the byte comparison above and the decap below.
                let vlan_case = c.field == "vlan.id" || c.field == "ieee8021ad.id";
                let tagged = matches!(u16::from_be_bytes([f[12], f[13]]), 0x8100 | 0x88a8 | 0x9100);
                if !(vlan_case && tagged) {
                    assert_eq!(r[0], c.want, "{:?}: {r:?}", c.args);
                }
                // Our outer IPv4 header verifies.
                if c.args.contains(&"192.0.2.1") {
                    assert_eq!(r[1], "1", "{:?}: {r:?}", c.args);
                }
                if vlan_case {
                    let dst: Vec<String> = f[..6].iter().map(|b| format!("{b:02x}")).collect();
                    assert_eq!(r[3], dst.join(":"));
                } else {
                    assert_eq!(r[3], "02:00:00:00:00:02");
                }
            }
        }
        // Decap restores the frames exactly.
        let mut dargs: Vec<&str> = c.args.to_vec();
        dargs.extend([
            "--decap",
            "--in",
            out.to_str().unwrap(),
            "--out",
            back.to_str().unwrap(),
        ]);
        let o = run(&dargs);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let got = frames(&back);
        assert_eq!(got.len(), kept.len());
        for (g, f) in got.iter().zip(&kept) {
            assert_eq!(g, *f, "{:?}: decap differs", c.args);
        }
    }
}

#[test]
fn decap_with_the_wrong_id_skips_and_counts() {
    let input = input();
    let out = tmp("wrong.pcap");
    let back = tmp("wrong-back.pcap");
    let i = input.to_str().unwrap();
    let o = run(&[
        "--type",
        "vxlan",
        "--id",
        "5",
        "--outer-src",
        "192.0.2.1",
        "--outer-dst",
        "192.0.2.2",
        "--in",
        i,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let o = run(&[
        "--decap",
        "--type",
        "vxlan",
        "--id",
        "6",
        "--in",
        out.to_str().unwrap(),
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(frames(&back).is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("id 5 where 6 was expected"), "{err}");
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["--type", "mpls", "--id", "1", "--in", "a", "--out", "b"][..],
        &["--type", "vxlan", "--id", "1", "--in", "a", "--out", "b"][..],
        &[
            "--type",
            "vxlan",
            "--id",
            "0",
            "--outer-src",
            "192.0.2.1",
            "--outer-dst",
            "192.0.2.2",
            "--in",
            "a",
            "--out",
            "b",
        ][..],
        &["--type", "vlan", "--id", "4095", "--in", "a", "--out", "b"][..],
        &["--type", "vlan"][..],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let o = run(&[
        "--type",
        "vlan",
        "--id",
        "5",
        "--in",
        "/nonexistent.pcap",
        "--out",
        "/tmp/x.pcap",
    ]);
    assert_eq!(o.status.code(), Some(1));
}
