//! The DHCP responder against an independent oracle: scapy builds the client frames and
//! dissects our replies (tests/scapy/dhcp_oracle.py). Skips with a message when python3 or
//! scapy is missing.

#[path = "common/skip.rs"]
mod skip;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Command, Stdio};

use neutrino::dhcp::{DhcpSubnetConfig, DropReason, NakPolicy, Responder, Verdict, MAX_REPLY_LEN};
use neutrino::wire::MacAddr;
use serde_json::Value;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scapy/dhcp_oracle.py");

fn oracle(mode: &str, input: Option<&str>) -> Option<String> {
    let mut child = Command::new("python3")
        .arg(Path::new(SCRIPT))
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    if let Some(i) = input {
        child.stdin.take()?.write_all(i.as_bytes()).ok()?;
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named 'scapy'") {
            return None;
        }
        panic!("oracle {mode} failed: {err}");
    }
    Some(String::from_utf8(out.stdout).unwrap())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn replies_dissected_by_scapy() {
    let Some(gen) = oracle("gen", None) else {
        skip::skip("python3 with scapy is not available; the scapy oracle did not run");
        return;
    };
    let requests: BTreeMap<String, String> = serde_json::from_str(&gen).unwrap();

    let mut r = Responder::with_capacity(64, 2, 1, NakPolicy::Strict).unwrap();
    let dns = [Ipv4Addr::new(8, 8, 8, 8), Ipv4Addr::new(8, 8, 4, 4)];
    let routes = [(
        "192.168.0.0/16".parse().unwrap(),
        Ipv4Addr::new(10, 0, 0, 254),
    )];
    let cfg = DhcpSubnetConfig {
        gateway: Some(Ipv4Addr::new(10, 0, 0, 1)),
        dns: &dns,
        domain_name: Some("openstacklocal"),
        mtu: Some(1450),
        host_routes: &routes,
        metadata_route: true,
        domain_search: &["example.com"],
        ..DhcpSubnetConfig::new(
            Ipv4Addr::new(10, 0, 0, 2),
            MacAddr([0xfa, 0x16, 0x3e, 0, 0, 2]),
            "10.0.0.0/24".parse().unwrap(),
        )
    };
    r.set_subnet(0, &cfg).unwrap();
    let mac = MacAddr([0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56]);
    r.add_binding(100, mac, Ipv4Addr::new(10, 0, 0, 5), 0)
        .unwrap();

    let mut replies = BTreeMap::new();
    let mut verdicts = BTreeMap::new();
    for (name, h) in &requests {
        let f = unhex(h);
        let mut out = vec![0u8; MAX_REPLY_LEN];
        let v = r.handle(100, &f, &mut out);
        if let Verdict::Reply { len, .. } = v {
            replies.insert(name.clone(), hex(&out[..len]));
        }
        verdicts.insert(name.clone(), v);
    }
    assert_eq!(verdicts["release"], Verdict::NoReply);
    assert_eq!(
        verdicts["unknown_mac"],
        Verdict::Drop(DropReason::UnknownClient)
    );
    assert_eq!(verdicts["bad_hlen"], Verdict::Drop(DropReason::BadHardware));
    assert_eq!(
        verdicts["no_msg_type"],
        Verdict::Drop(DropReason::NoMessageType)
    );
    assert_eq!(verdicts["bootreply"], Verdict::Drop(DropReason::BadOp));

    let checked = oracle("check", Some(&serde_json::to_string(&replies).unwrap())).unwrap();
    let got: BTreeMap<String, Value> = serde_json::from_str(&checked).unwrap();
    assert_eq!(got.len(), 7, "{got:#?}");
    for (name, d) in &got {
        assert_eq!(d["ip_chksum_ok"], true, "{name}");
        assert_eq!(d["udp_chksum_ok"], true, "{name}");
        assert_eq!(d["op"], 2, "{name}");
        assert_eq!(d["htype"], 1, "{name}");
        assert_eq!(d["hlen"], 6, "{name}");
        assert_eq!(d["chaddr"], "fa163e123456", "{name}");
        assert_eq!(d["eth_src"], "fa:16:3e:00:00:02", "{name}");
        assert_eq!(d["ip_src"], "10.0.0.2", "{name}");
        assert_eq!(d["options"]["server_id"], "10.0.0.2", "{name}");
        assert_eq!(
            d["ip_len"].as_u64().unwrap() + 14,
            d["frame_len"].as_u64().unwrap()
        );
        assert_eq!(
            d["udp_len"].as_u64().unwrap() + 34,
            d["frame_len"].as_u64().unwrap()
        );
    }
    let full = |name: &str, msg: i64, xid: i64| {
        let d = &got[name];
        let o = &d["options"];
        assert_eq!(o["message-type"], msg, "{name}");
        assert_eq!(d["xid"], xid, "{name}");
        assert_eq!(o["subnet_mask"], "255.255.255.0", "{name}");
        assert_eq!(o["router"], "10.0.0.1", "{name}");
        assert_eq!(
            o["name_server"],
            serde_json::json!(["8.8.8.8", "8.8.4.4"]),
            "{name}"
        );
        assert_eq!(o["domain"], hex(b"openstacklocal"), "{name}");
        assert_eq!(o["interface-mtu"], 1450, "{name}");
        assert_eq!(
            o["classless_static_routes"],
            serde_json::json!([
                "192.168.0.0/16:10.0.0.254",
                "169.254.169.254/32:10.0.0.2",
                "0.0.0.0/0:10.0.0.1"
            ]),
            "{name}"
        );
        // Option 119: scapy 2.8 has no decoder and hands back the raw bytes; RFC 1035 §3.1
        // labels of example.com.
        assert_eq!(o["119"], hex(b"\x07example\x03com\x00"), "{name}");
        o.clone()
    };
    // DISCOVER → OFFER, unicast to the new address at the client MAC, client-id echoed.
    let o = full("discover", 2, 0x1234);
    assert_eq!(o["lease_time"], 43200);
    assert_eq!(o["renewal_time"], 21600);
    assert_eq!(o["rebinding_time"], 37800);
    assert_eq!(o["client_id"], "01fa163e123456");
    let d = &got["discover"];
    assert_eq!(d["yiaddr"], "10.0.0.5");
    assert_eq!(d["eth_dst"], "fa:16:3e:12:34:56");
    assert_eq!(d["ip_dst"], "10.0.0.5");
    assert_eq!(
        (d["sport"].as_u64(), d["dport"].as_u64()),
        (Some(67), Some(68))
    );
    // Broadcast flag → broadcast reply.
    full("discover_bcast", 2, 0x55);
    let d = &got["discover_bcast"];
    assert_eq!(d["eth_dst"], "ff:ff:ff:ff:ff:ff");
    assert_eq!(d["ip_dst"], "255.255.255.255");
    assert_eq!(d["flags"], 0x8000);
    // REQUEST (selecting) → ACK.
    full("request", 5, 0x1235);
    assert_eq!(got["request"]["yiaddr"], "10.0.0.5");
    // Wrong address → NAK, broadcast, 54 + 56 only.
    let d = &got["request_wrong"];
    assert_eq!(d["options"]["message-type"], 6);
    assert_eq!(d["yiaddr"], "0.0.0.0");
    assert_eq!(d["ip_dst"], "255.255.255.255");
    assert!(d["options"].get("error_message").is_some(), "{d:#?}");
    assert!(d["options"].get("lease_time").is_none());
    // RENEWING → ACK unicast to ciaddr.
    full("renew", 5, 0x1237);
    assert_eq!(got["renew"]["ip_dst"], "10.0.0.5");
    assert_eq!(got["renew"]["ciaddr"], "10.0.0.5");
    // INFORM → ACK without lease times.
    let o = full("inform", 5, 0x1238);
    assert!(o.get("lease_time").is_none() && o.get("renewal_time").is_none());
    assert_eq!(got["inform"]["yiaddr"], "0.0.0.0");
    // Relayed → to the relay, port 67, giaddr kept.
    full("relay", 2, 0x1239);
    let d = &got["relay"];
    assert_eq!(d["ip_dst"], "10.0.0.254");
    assert_eq!(d["eth_dst"], "02:00:00:00:00:99");
    assert_eq!(d["dport"], 67);
    assert_eq!(d["giaddr"], "10.0.0.254");
    assert_eq!(d["hops"], 0);
}
