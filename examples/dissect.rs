//! Classifies every packet of a pcap file with [`neutrino::wire::classify_into`] and prints one
//! JSON object per packet.
//!
//! ```sh
//! cargo run --release --example dissect                     # the shipped examples/data/sample.pcap
//! cargo run --release --example dissect -- FILE.pcap
//! cargo run --release --example dissect -- --stats FILE.pcap  # + packets/s on stderr
//! ```
//!
//! Keys, in this order, each omitted when its layer is absent:
//! `n` (1-based), `eth_src`, `eth_dst`, `vlan` (VIDs, outer first), `ethertype` (after the tags;
//! for the inner packet of an L3 GRE/GENEVE tunnel, the tunnel's protocol type), `ip_src`,
//! `ip_dst` (RFC 5952 text), `ip_proto` (IPv6: after the extension headers), `l4_src`, `l4_dst`
//! (TCP and UDP only), `tunnel` (`{"type":"vxlan"|"geneve"|"gre","id":N}`), `inner` (the same
//! keys for the inner frame), and `error` (the [`neutrino::WireError`] text) when the packet is
//! malformed. For a malformed packet, the keys of the layers before the broken one are printed;
//! the broken layer's own keys and everything after it are not (the classifier may have filled
//! some of them before it found the fault).
//!
//! Input: classic pcap (either byte order, µs or ns timestamps), link type Ethernet. A file the
//! reader cannot read exits with status 1 and a message; the packets before a damaged record are
//! still printed.

#[path = "common/pcap.rs"]
mod pcap;

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use neutrino::wire::{
    classify_into, ClassifyOpts, FrameFlags, FrameInfo, L3Kind, PacketInfo, TunnelKind,
};
use neutrino::{Layer, WireError};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/sample.pcap");
const USAGE: &str = "usage: dissect [--stats] [FILE.pcap]   (default: examples/data/sample.pcap)";

/// The key groups of one frame, in print order. A parse error hides its layer's group and all
/// later ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    /// `eth_src`, `eth_dst`.
    Eth,
    /// `vlan`, `ethertype`.
    Vlan,
    /// `ip_src`, `ip_dst`, `ip_proto`.
    Ip,
    /// `l4_src`, `l4_dst`.
    L4,
    /// `tunnel`, `inner`.
    Tunnel,
    /// Everything is printed.
    All,
}

impl Group {
    fn of(layer: Layer) -> Group {
        match layer {
            Layer::Ethernet => Group::Eth,
            Layer::Vlan => Group::Vlan,
            Layer::Arp | Layer::Ipv4 | Layer::Ipv6 | Layer::Ipv6Ext => Group::Ip,
            Layer::Vxlan | Layer::Geneve | Layer::Gre => Group::Tunnel,
            // TCP, UDP, ICMP and anything above them.
            _ => Group::L4,
        }
    }
}

fn main() -> ExitCode {
    let mut stats = false;
    let mut path = None;
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--stats") => stats = true,
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Some(s) if s.starts_with('-') && s.len() > 1 => {
                eprintln!("dissect: unknown option {s}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ if path.is_some() => {
                eprintln!("dissect: more than one file\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => path = Some(std::path::PathBuf::from(arg)),
        }
    }
    let path = path.unwrap_or_else(|| SAMPLE.into());
    let shown = path.display();

    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("dissect: {shown}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let file = match pcap::Pcap::new(&data)
        .and_then(|p| p.require_linktype(pcap::LINKTYPE_ETHERNET).map(|()| p))
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("dissect: {shown}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut frames = Vec::new();
    let mut read_error = None;
    for rec in file {
        match rec {
            Ok(r) => frames.push(r.data),
            Err(e) => read_error = Some(e),
        }
    }

    let opts = ClassifyOpts::DEFAULT;
    if let Err(e) = print_all(&frames, &opts) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("dissect: writing stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(e) = read_error {
        eprintln!("dissect: {shown}: {e}");
        return ExitCode::FAILURE;
    }
    if stats {
        report_stats(&frames, &opts);
    }
    ExitCode::SUCCESS
}

fn print_all(frames: &[&[u8]], opts: &ClassifyOpts) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut line = String::new();
    let mut info = PacketInfo::default();
    for (i, frame) in frames.iter().enumerate() {
        let res = classify_into(frame, opts, &mut info);
        line.clear();
        packet_json(&mut line, i + 1, &info, res.err());
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Classifies the whole file over and over for about a second and reports packets/s.
fn report_stats(frames: &[&[u8]], opts: &ClassifyOpts) {
    if frames.is_empty() {
        eprintln!("stats: no packets");
        return;
    }
    let mut info = PacketInfo::default();
    let mut packets = 0u64;
    let mut errors = 0u64;
    let start = Instant::now();
    let elapsed = loop {
        for frame in frames {
            let r = classify_into(std::hint::black_box(frame), opts, &mut info);
            errors += u64::from(r.is_err());
            std::hint::black_box(&info);
        }
        packets += frames.len() as u64;
        let t = start.elapsed();
        if t >= Duration::from_secs(1) {
            break t;
        }
    };
    let secs = elapsed.as_secs_f64();
    eprintln!(
        "stats: {packets} packets ({errors} malformed) in {secs:.3} s: {:.1} Mpackets/s, {:.1} ns/packet",
        packets as f64 / secs / 1e6,
        secs * 1e9 / packets as f64
    );
}

/// One packet's JSON object (no newline).
fn packet_json(s: &mut String, n: usize, info: &PacketInfo, err: Option<WireError>) {
    // Which frame the error belongs to: the outer one unless a tunnel was entered and the
    // error is not about the tunnel header itself.
    let (mut outer_upto, mut inner_upto) = (Group::All, Group::All);
    if let Some(e) = err {
        let g = Group::of(e.layer());
        if info.tunnel != TunnelKind::None && g != Group::Tunnel {
            inner_upto = g;
        } else {
            outer_upto = g;
        }
    }
    let _ = write!(s, "{{\"n\":{n}");
    frame_json(s, &info.outer, outer_upto);
    if outer_upto > Group::Tunnel {
        if let Some(kind) = tunnel_name(info.tunnel) {
            let _ = write!(
                s,
                ",\"tunnel\":{{\"type\":\"{kind}\",\"id\":{}}}",
                info.tunnel_id
            );
            let mut inner = String::new();
            frame_json(&mut inner, &info.inner, inner_upto);
            if let Some(rest) = inner.strip_prefix(',') {
                let _ = write!(s, ",\"inner\":{{{rest}}}");
            }
        }
    }
    if let Some(e) = err {
        s.push_str(",\"error\":");
        json_str(s, &e.to_string());
    }
    s.push('}');
}

fn tunnel_name(t: TunnelKind) -> Option<&'static str> {
    match t {
        TunnelKind::Vxlan => Some("vxlan"),
        TunnelKind::Geneve => Some("geneve"),
        TunnelKind::Gre => Some("gre"),
        _ => None,
    }
}

/// Appends `,"key":value` for each key of `f` in the groups before `upto`.
fn frame_json(s: &mut String, f: &FrameInfo, upto: Group) {
    let l2 = f.flags.contains(FrameFlags::L2);
    if upto > Group::Eth && l2 {
        let _ = write!(
            s,
            ",\"eth_src\":\"{}\",\"eth_dst\":\"{}\"",
            f.eth_src, f.eth_dst
        );
    }
    if upto > Group::Vlan {
        if f.vlan.depth != 0 {
            s.push_str(",\"vlan\":[");
            for (i, vid) in f.vlan.vids().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(s, "{sep}{vid}");
            }
            s.push(']');
        }
        // Without L2 (the inner packet of an L3 tunnel) the EtherType is the tunnel's protocol.
        if l2 || f.ethertype != 0 {
            let _ = write!(s, ",\"ethertype\":{}", f.ethertype);
        }
    }
    if upto > Group::Ip && matches!(f.l3, L3Kind::Ipv4 | L3Kind::Ipv6) {
        if let (Some(src), Some(dst)) = (f.src_addr(), f.dst_addr()) {
            let _ = write!(
                s,
                ",\"ip_src\":\"{src}\",\"ip_dst\":\"{dst}\",\"ip_proto\":{}",
                f.ip_proto
            );
        }
    }
    if upto > Group::L4 && f.flags.contains(FrameFlags::PORTS) {
        let _ = write!(s, ",\"l4_src\":{},\"l4_dst\":{}", f.src_port, f.dst_port);
    }
}

/// Appends `v` as a JSON string (RFC 8259 §7).
fn json_str(s: &mut String, v: &str) {
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", u32::from(c));
            }
            c => s.push(c),
        }
    }
    s.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escaping() {
        let mut s = String::new();
        json_str(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
    }

    #[test]
    fn error_hides_its_layer_and_later_ones() {
        let mut info = PacketInfo::default();
        info.outer.flags = FrameFlags::L2 | FrameFlags::IPV4 | FrameFlags::L4 | FrameFlags::PORTS;
        info.outer.ethertype = 0x0800;
        info.outer.l3 = L3Kind::Ipv4;
        info.outer.src_ip[..4].copy_from_slice(&[10, 0, 0, 1]);
        info.outer.dst_ip[..4].copy_from_slice(&[10, 0, 0, 2]);
        info.outer.ip_proto = 6;
        info.outer.src_port = 1;
        info.outer.dst_port = 2;
        let mut s = String::new();
        let e = WireError::BadHeaderLen {
            layer: Layer::Tcp,
            value: 12,
        };
        packet_json(&mut s, 7, &info, Some(e));
        assert_eq!(
            s,
            "{\"n\":7,\"eth_src\":\"00:00:00:00:00:00\",\"eth_dst\":\"00:00:00:00:00:00\",\
             \"ethertype\":2048,\"ip_src\":\"10.0.0.1\",\"ip_dst\":\"10.0.0.2\",\"ip_proto\":6,\
             \"error\":\"tcp: bad header length 12\"}"
        );
        // The same error inside a tunnel's inner frame keeps the whole outer frame.
        info.tunnel = TunnelKind::Vxlan;
        info.tunnel_id = 42;
        info.inner = info.outer;
        s.clear();
        packet_json(&mut s, 7, &info, Some(e));
        assert!(s.contains("\"l4_src\":1,\"l4_dst\":2,\"tunnel\":{\"type\":\"vxlan\",\"id\":42},\"inner\":{\"eth_src\""), "{s}");
        assert!(
            s.ends_with("\"ip_proto\":6},\"error\":\"tcp: bad header length 12\"}"),
            "{s}"
        );
    }
}
