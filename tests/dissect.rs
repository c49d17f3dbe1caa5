//! The `dissect` example against an independent decoder: its output on examples/data/sample.pcap
//! must match tests/data/sample.expected.jsonl, which scripts/expected_from_scapy.py computed
//! with scapy (regenerate both with scripts/make_sample_pcap.py then that script). Also: damaged
//! pcap files and a non-Ethernet link type end with a clean error, not a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::{Map, Value};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn sample_path() -> PathBuf {
    Path::new(ROOT).join("examples/data/sample.pcap")
}

/// Builds the example once (same cargo, same target dir) and returns its executable.
fn dissect_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--example",
                "dissect",
                "--message-format=json",
            ])
            .current_dir(ROOT)
            .output()
            .expect("running cargo build");
        assert!(
            out.status.success(),
            "cargo build --example dissect failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["target"]["name"] == "dissect" && m["target"]["kind"][0] == "example")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo did not report the dissect executable")
    })
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    let out = Command::new(dissect_bin())
        .args(args)
        .output()
        .expect("running dissect");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && out.status.code() != Some(101),
        "dissect panicked: {stderr}"
    );
    out
}

fn run_file(path: &Path) -> Output {
    run(&[path.as_os_str()])
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Writes `bytes` to a fresh temporary file.
fn temp_pcap(name: &str, bytes: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "neutrino-dissect-{}-{name}.pcap",
        std::process::id()
    ));
    std::fs::write(&p, bytes).unwrap();
    p
}

fn labels() -> Vec<String> {
    let m: Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(ROOT).join("examples/data/sample.manifest.json"))
            .unwrap(),
    )
    .unwrap();
    m["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["label"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sample_matches_scapy() {
    let out = run_file(&sample_path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = lines(&out);
    let expected: Vec<Value> =
        std::fs::read_to_string(Path::new(ROOT).join("tests/data/sample.expected.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let labels = labels();
    assert_eq!(expected.len(), labels.len());
    assert_eq!(ours.len(), expected.len(), "one line per packet");

    let mut mismatches = Vec::new();
    let mut malformed = 0;
    for (i, (got, want)) in ours.iter().zip(&expected).enumerate() {
        let mut got: Map<String, Value> = got.as_object().expect("an object").clone();
        let want = want.as_object().unwrap();
        assert_eq!(got["n"], i + 1);
        // The oracle's `error` is the layer the generator broke; ours is the WireError text,
        // which starts with that layer's name.
        if let Some(layer) = want.get("error").and_then(Value::as_str) {
            malformed += 1;
            match got.get("error").and_then(Value::as_str) {
                Some(e) if e.starts_with(&format!("{layer}: ")) => {
                    got.insert("error".into(), layer.into());
                }
                _ => {}
            }
        }
        if &got != want {
            mismatches.push(format!(
                "packet {} ({}):\n  scapy:   {}\n  dissect: {}",
                i + 1,
                labels[i],
                Value::Object(want.clone()),
                Value::Object(got)
            ));
        }
    }
    assert!(malformed >= 6, "the sample must exercise malformed packets");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn default_input_is_the_sample_and_stats_go_to_stderr() {
    let default = run(&[]);
    assert!(default.status.success());
    assert_eq!(default.stdout, run_file(&sample_path()).stdout);

    let stats = run(&["--stats".as_ref(), sample_path().as_os_str()]);
    assert!(stats.status.success());
    assert_eq!(stats.stdout, default.stdout);
    let err = String::from_utf8_lossy(&stats.stderr);
    assert!(
        err.contains("packets/s") && err.contains("ns/packet"),
        "{err}"
    );

    let bad = run(&["--frobnicate".as_ref()]);
    assert_eq!(bad.status.code(), Some(2));
}

/// The sample rewritten big-endian (`be`) and/or with nanosecond timestamps gives the same output.
#[test]
fn byte_orders_and_timestamp_resolutions() {
    let le = std::fs::read(sample_path()).unwrap();
    let reference = run_file(&sample_path()).stdout;
    for (be, nanos) in [(true, false), (false, true), (true, true)] {
        let conv = |b: &[u8]| {
            let v = u32::from_le_bytes(b.try_into().unwrap());
            if be {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let conv16 = |b: &[u8]| {
            let v = u16::from_le_bytes(b.try_into().unwrap());
            if be {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut f = Vec::new();
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        f.extend(conv(&magic.to_le_bytes()));
        f.extend(conv16(&le[4..6]));
        f.extend(conv16(&le[6..8]));
        for w in le[8..24].chunks(4) {
            f.extend(conv(w));
        }
        let mut off = 24;
        while off < le.len() {
            let h = &le[off..off + 16];
            let incl = u32::from_le_bytes(h[8..12].try_into().unwrap()) as usize;
            f.extend(conv(&h[0..4]));
            let frac = u32::from_le_bytes(h[4..8].try_into().unwrap());
            f.extend(conv(
                &(if nanos { frac * 1000 } else { frac }).to_le_bytes(),
            ));
            f.extend(conv(&h[8..12]));
            f.extend(conv(&h[12..16]));
            f.extend_from_slice(&le[off + 16..off + 16 + incl]);
            off += 16 + incl;
        }
        let p = temp_pcap(&format!("be{be}-ns{nanos}"), &f);
        let out = run_file(&p);
        std::fs::remove_file(&p).ok();
        assert!(
            out.status.success(),
            "be {be} ns {nanos}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, reference, "be {be} ns {nanos}");
    }
}

/// Offsets of each record header in a little-endian classic pcap.
fn record_offsets(f: &[u8]) -> Vec<usize> {
    let mut offs = Vec::new();
    let mut off = 24;
    while off < f.len() {
        offs.push(off);
        off += 16 + u32::from_le_bytes(f[off + 8..off + 12].try_into().unwrap()) as usize;
    }
    offs
}

#[test]
fn damaged_files_are_clean_errors() {
    let f = std::fs::read(sample_path()).unwrap();
    let offs = record_offsets(&f);
    let n = offs.len();
    let last = offs[n - 1];
    let full = lines(&run_file(&sample_path()));

    // (name, bytes, packets still printed, expected message)
    let mut over_snaplen = f.clone();
    over_snaplen[16..20].copy_from_slice(&60u32.to_le_bytes());
    let first_big = offs
        .iter()
        .position(|&o| u32::from_le_bytes(f[o + 8..o + 12].try_into().unwrap()) > 60)
        .unwrap();
    let mut huge = f.clone();
    huge[last + 8..last + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, usize, &str)> = vec![
        (
            "cut-in-data",
            f[..f.len() - 5].to_vec(),
            n - 1,
            "runs past the end of the file",
        ),
        (
            "cut-in-header",
            f[..last + 7].to_vec(),
            n - 1,
            "ends inside the record header",
        ),
        (
            "over-snaplen",
            over_snaplen,
            first_big,
            "exceeds snaplen 60",
        ),
        (
            "huge-incl-len",
            huge,
            n - 1,
            "runs past the end of the file",
        ),
        ("header-only-cut", f[..20].to_vec(), 0, "not a pcap file"),
        (
            "bad-magic",
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            0,
            "not a classic pcap file",
        ),
    ];
    for (name, bytes, printed, msg) in cases {
        let p = temp_pcap(name, &bytes);
        let out = run_file(&p);
        std::fs::remove_file(&p).ok();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(msg), "{name}: {err}");
        assert_eq!(
            lines(&out),
            full[..printed],
            "{name}: the packets before the damage still print"
        );
    }

    let out = run_file(Path::new("/nonexistent/neutrino.pcap"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn non_ethernet_linktype_is_a_clean_error() {
    let mut f = std::fs::read(sample_path()).unwrap();
    f[20..24].copy_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
    let p = temp_pcap("linktype-raw", &f);
    let out = run_file(&p);
    std::fs::remove_file(&p).ok();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unsupported link type 101"), "{err}");
    assert!(out.stdout.is_empty());

    let mut ng = f.clone();
    ng[..4].copy_from_slice(&0x0a0d_0d0au32.to_le_bytes());
    let p = temp_pcap("pcapng", &ng);
    let out = run_file(&p);
    std::fs::remove_file(&p).ok();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pcapng is not supported"));
}
