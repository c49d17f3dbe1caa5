//! Encapsulates every Ethernet frame of a capture in VXLAN, GENEVE, GRE or a VLAN tag with
//! [`neutrino::encap`] — in place, into the headroom of each frame's buffer — and writes the
//! result as a new capture; `--decap` does the reverse. Open the output in Wireshark.
//!
//! ```sh
//! cargo run --release --example encap -- --type vxlan --id 5001 \
//!     --outer-src 192.0.2.1 --outer-dst 192.0.2.2 --in examples/data/sample.pcap --out vxlan.pcap
//! cargo run --release --example encap -- --decap --type vxlan --id 5001 --in vxlan.pcap --out back.pcap
//! cargo run --release --example encap -- --type vlan --id 100 --in IN.pcap --out tagged.pcap
//! ```
//!
//! Options: `--type vxlan|geneve|gre|vlan`, `--id N` (VNI, GRE key or VLAN id), `--outer-src IP`
//! and `--outer-dst IP` (IPv4 or IPv6; required to encapsulate in a tunnel; to decapsulate,
//! `--outer-dst` restricts to packets for that address), `--in FILE`, `--out FILE`, and
//! optionally `--decap`, `--src-mac`/`--dst-mac` (outer MACs, default 02:00:00:00:00:01 and
//! :02), `--port N` (UDP destination port), `--qinq` (VLAN: an 802.1ad S-tag), `--seed N`
//! (flow-hash seed of the UDP source port).
//!
//! Frames that cannot be processed (shorter than an Ethernet header; for decap, not a packet
//! of this tunnel/VLAN) are skipped and counted by reason on stderr; the others are written
//! with their original timestamps. Exit status: 0 on success (even with skipped frames), 1 when
//! a file cannot be read or written, 2 for bad arguments.

#[path = "common/pcap.rs"]
mod pcap;
#[path = "common/pcap_write.rs"]
mod pcap_write;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::process::ExitCode;

use neutrino::encap::{
    vlan, DecapConfig, DecapCtx, EncapConfig, EncapCtx, EncapError, GeneveOptions, GreOptions,
    Remote, Tpid, TunnelHeader, Underlay, VlanTagSpec,
};
use neutrino::wire::MacAddr;
use neutrino::PacketBuf;

const USAGE: &str = "usage: encap --type vxlan|geneve|gre|vlan --id N [--outer-src IP --outer-dst IP] \
--in IN.pcap --out OUT.pcap [--decap] [--src-mac MAC] [--dst-mac MAC] [--port N] [--qinq] [--seed N]";
/// Headroom given to every frame: room for the largest outer header.
const HEADROOM: usize = neutrino::encap::context::MAX_OVERHEAD;

#[derive(Debug)]
struct Args {
    kind: String,
    id: u32,
    outer_src: Option<IpAddr>,
    outer_dst: Option<IpAddr>,
    input: String,
    output: String,
    decap: bool,
    src_mac: MacAddr,
    dst_mac: MacAddr,
    port: u16,
    qinq: bool,
    seed: u64,
}

fn parse_mac(s: &str) -> Result<MacAddr, String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return Err(format!("bad MAC address {s:?}"));
    }
    let mut m = [0u8; 6];
    for (b, p) in m.iter_mut().zip(parts) {
        *b = u8::from_str_radix(p, 16).map_err(|_| format!("bad MAC address {s:?}"))?;
    }
    Ok(MacAddr(m))
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        kind: String::new(),
        id: 0,
        outer_src: None,
        outer_dst: None,
        input: String::new(),
        output: String::new(),
        decap: false,
        src_mac: MacAddr([2, 0, 0, 0, 0, 1]),
        dst_mac: MacAddr([2, 0, 0, 0, 0, 2]),
        port: 0,
        qinq: false,
        seed: 0,
    };
    let mut have_id = false;
    while let Some(flag) = it.next() {
        let mut val = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let num = |s: String, name: &str| -> Result<u64, String> {
            s.parse()
                .map_err(|_| format!("{name}: not a number: {s:?}"))
        };
        let ip = |s: String, name: &str| -> Result<IpAddr, String> {
            s.parse()
                .map_err(|_| format!("{name}: not an IP address: {s:?}"))
        };
        match flag.as_str() {
            "--type" => a.kind = val("--type")?,
            "--id" => {
                let n = num(val("--id")?, "--id")?;
                a.id = u32::try_from(n).map_err(|_| format!("--id {n} is too large"))?;
                have_id = true;
            }
            "--outer-src" => a.outer_src = Some(ip(val("--outer-src")?, "--outer-src")?),
            "--outer-dst" => a.outer_dst = Some(ip(val("--outer-dst")?, "--outer-dst")?),
            "--in" => a.input = val("--in")?,
            "--out" => a.output = val("--out")?,
            "--decap" => a.decap = true,
            "--src-mac" => a.src_mac = parse_mac(&val("--src-mac")?)?,
            "--dst-mac" => a.dst_mac = parse_mac(&val("--dst-mac")?)?,
            "--port" => {
                let n = num(val("--port")?, "--port")?;
                a.port = u16::try_from(n).map_err(|_| format!("--port {n} is too large"))?;
            }
            "--qinq" => a.qinq = true,
            "--seed" => a.seed = num(val("--seed")?, "--seed")?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !matches!(a.kind.as_str(), "vxlan" | "geneve" | "gre" | "vlan") {
        return Err("--type must be vxlan, geneve, gre or vlan".into());
    }
    if !have_id || a.input.is_empty() || a.output.is_empty() {
        return Err("--id, --in and --out are required".into());
    }
    if a.kind != "vlan" && !a.decap && (a.outer_src.is_none() || a.outer_dst.is_none()) {
        return Err("--outer-src and --outer-dst are required to encapsulate".into());
    }
    Ok(a)
}

/// What to do with each frame.
enum Op {
    Encap(Box<EncapCtx>),
    Decap(Box<DecapCtx>),
    Push(VlanTagSpec),
    Pop(Tpid, u16),
}

impl Op {
    fn new(a: &Args) -> Result<Op, String> {
        let tpid = if a.qinq { Tpid::Dot1ad } else { Tpid::Dot1Q };
        if a.kind == "vlan" {
            let vid = u16::try_from(a.id).map_err(|_| format!("VLAN id {} is too large", a.id))?;
            if a.decap {
                return Ok(Op::Pop(tpid, vid));
            }
            return VlanTagSpec::new(tpid, vid, 0, false)
                .map(Op::Push)
                .map_err(|e| e.to_string());
        }
        let header = match a.kind.as_str() {
            "vxlan" => TunnelHeader::Vxlan { vni: a.id },
            "geneve" => TunnelHeader::Geneve {
                vni: a.id,
                options: GeneveOptions::EMPTY,
            },
            _ => TunnelHeader::Gre {
                key: a.id,
                options: GreOptions::default(),
            },
        };
        if a.decap {
            let cfg = DecapConfig {
                expect_id: Some(a.id),
                local_ip: a.outer_dst,
                udp_port: a.port,
                ..DecapConfig::new(header.tunnel_type())
            };
            return DecapCtx::new(&cfg)
                .map(|c| Op::Decap(Box::new(c)))
                .map_err(|e| e.to_string());
        }
        let (Some(src), Some(dst)) = (a.outer_src, a.outer_dst) else {
            return Err("--outer-src and --outer-dst are required".into());
        };
        let mut u = Underlay::new(src, a.src_mac);
        u.udp_port = a.port;
        u.hash_seed = a.seed;
        let cfg = EncapConfig {
            header,
            underlay: u,
            remote: Some(Remote {
                ip: dst,
                mac: a.dst_mac,
            }),
        };
        EncapCtx::new(&cfg)
            .map(|c| Op::Encap(Box::new(c)))
            .map_err(|e| e.to_string())
    }

    fn apply(&mut self, b: &mut PacketBuf<'_>) -> Result<(), EncapError> {
        match self {
            Op::Encap(c) => c.encap(b),
            Op::Decap(c) => c.decap(b).map(|_| ()),
            Op::Push(t) => vlan::push(b, *t),
            Op::Pop(tpid, vid) => vlan::pop_expect(b, *tpid, *vid).map(|_| ()),
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("encap: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut op = match Op::new(&args) {
        Ok(op) => op,
        Err(e) => {
            eprintln!("encap: {e}");
            return ExitCode::from(2);
        }
    };
    let data = match std::fs::read(&args.input) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("encap: {}: {e}", args.input);
            return ExitCode::FAILURE;
        }
    };
    let reader = match pcap::Pcap::new(&data)
        .and_then(|p| p.require_linktype(pcap::LINKTYPE_ETHERNET).map(|_| p))
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("encap: {}: {e}", args.input);
            return ExitCode::FAILURE;
        }
    };
    let file = match std::fs::File::create(&args.output) {
        Ok(f) => std::io::BufWriter::new(f),
        Err(e) => {
            eprintln!("encap: {}: {e}", args.output);
            return ExitCode::FAILURE;
        }
    };
    let mut w = match pcap_write::PcapWriter::new(file) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("encap: {}: {e}", args.output);
            return ExitCode::FAILURE;
        }
    };
    let (mut done, mut skipped) = (0u64, BTreeMap::<String, u64>::new());
    let mut mem = vec![0u8; HEADROOM + 65536];
    let mut status = ExitCode::SUCCESS;
    for rec in reader {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                eprintln!("encap: {}: {e}", args.input);
                status = ExitCode::FAILURE;
                break;
            }
        };
        let n = rec.data.len();
        let Some(dst) = mem.get_mut(HEADROOM..HEADROOM + n) else {
            *skipped.entry("frame too long".into()).or_default() += 1;
            continue;
        };
        dst.copy_from_slice(rec.data);
        let Ok(mut b) = PacketBuf::new(&mut mem, HEADROOM, n) else {
            *skipped.entry("frame too long".into()).or_default() += 1;
            continue;
        };
        match op.apply(&mut b) {
            Ok(()) => {
                let grown = b.len() as i64 - n as i64;
                let orig = (i64::from(rec.orig_len) + grown).max(0) as u32;
                if let Err(e) = w.write(rec.ts_sec, rec.ts_nsec, orig, b.data()) {
                    eprintln!("encap: {}: {e}", args.output);
                    return ExitCode::FAILURE;
                }
                done += 1;
            }
            Err(e) => *skipped.entry(e.to_string()).or_default() += 1,
        }
    }
    if let Err(e) = w.finish() {
        eprintln!("encap: {}: {e}", args.output);
        return ExitCode::FAILURE;
    }
    let verb = if args.decap {
        "decapsulated"
    } else {
        "encapsulated"
    };
    eprintln!(
        "encap: {verb} {done} frames ({} id {}), skipped {}",
        args.kind,
        args.id,
        skipped.values().sum::<u64>()
    );
    for (why, n) in &skipped {
        eprintln!("  {n:>6}  {why}");
    }
    status
}
