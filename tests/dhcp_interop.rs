//! Interop: a real DHCP client (busybox `udhcpc`) in a network namespace obtains its lease from
//! `examples/dhcp_server` serving a veth in another namespace; the test reads what the client
//! applied (its script records the environment udhcpc hands it and configures the interface;
//! the test then reads the kernel's address, MTU and routes). A second client with an unknown
//! MAC gets no lease.
//!
//! Needs root (network namespaces), `ip` and busybox; skips with a message otherwise. The
//! namespaces and the server are removed by a Drop guard, also when an assertion fails.

#[path = "common/skip.rs"]
mod skip;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLIENT_MAC: &str = "fa:16:3e:12:34:56";
const UNKNOWN_MAC: &str = "fa:16:3e:99:99:99";

fn sh(args: &[&str]) -> std::process::Output {
    Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn ok(args: &[&str]) {
    let o = sh(args);
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn ns(ns: &str, args: &[&str]) -> String {
    let mut full = vec!["ip", "netns", "exec", ns];
    full.extend_from_slice(args);
    let o = sh(&full);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Removes the namespaces (and with them the veth pair) and stops the server.
struct Guard {
    namespaces: Vec<String>,
    server: Option<Child>,
    dir: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(mut c) = self.server.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for n in &self.namespaces {
            let _ = Command::new("ip").args(["netns", "del", n]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn skip(why: &str) {
    skip::skip(&format!("dhcp_interop: {why}"));
}

fn have(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The example binary next to this test's profile directory, built if needed.
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args([
        "build",
        "--quiet",
        "--example",
        "dhcp_server",
        "--manifest-path",
    ])
    .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
    .arg("--target-dir")
    .arg(profile.parent().unwrap());
    if profile.file_name().is_some_and(|p| p == "release") {
        cmd.arg("--release");
    }
    assert!(
        cmd.status().unwrap().success(),
        "building examples/dhcp_server failed"
    );
    profile.join("examples").join("dhcp_server")
}

const SCRIPT: &str = r#"#!/bin/sh
# udhcpc script: record what the client was given, then apply it like the default script.
case "$1" in
  bound|renew)
    {
      echo "ip=$ip"; echo "subnet=$subnet"; echo "mask=$mask"; echo "router=$router"
      echo "dns=$dns"; echo "mtu=$mtu"; echo "staticroutes=$staticroutes"
      echo "serverid=$serverid"; echo "lease=$lease"; echo "domain=$domain"
    } > "$OUT.env"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    if [ -n "$staticroutes" ]; then
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        ip route add "$1" via "$2" dev "$interface"
        shift 2
      done
    else
      for r in $router; do ip route add default via "$r" dev "$interface"; done
    fi
    ;;
esac
exit 0
"#;

#[test]
fn udhcpc_gets_its_lease_from_the_example() {
    if !have("ip", "-V") {
        return skip("iproute2 `ip` not found");
    }
    if !have("busybox", "--help") {
        return skip("busybox not installed (apt-get install -y busybox); udhcpc interop not run");
    }
    let id = std::process::id();
    let (srv, cli) = (format!("ntd-s{id}"), format!("ntd-c{id}"));
    let probe = sh(&["ip", "netns", "add", &srv]);
    if !probe.status.success() {
        return skip(&format!(
            "cannot create network namespaces (needs root): {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    let dir = std::env::temp_dir().join(format!("neutrino-dhcp-interop-{id}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = Guard {
        namespaces: vec![srv.clone()],
        server: None,
        dir: dir.clone(),
    };
    ok(&["ip", "netns", "add", &cli]);
    g.namespaces.push(cli.clone());
    let (vs, vc) = (
        format!("nts{}", id % 100_000),
        format!("ntc{}", id % 100_000),
    );
    ok(&[
        "ip", "link", "add", &vs, "type", "veth", "peer", "name", &vc,
    ]);
    ok(&["ip", "link", "set", &vs, "netns", &srv]);
    ok(&["ip", "link", "set", &vc, "netns", &cli]);
    ok(&["ip", "-n", &srv, "addr", "add", "10.77.0.2/24", "dev", &vs]);
    ok(&["ip", "-n", &srv, "link", "set", &vs, "up"]);
    ok(&["ip", "-n", &srv, "link", "set", "lo", "up"]);
    ok(&["ip", "-n", &cli, "link", "set", &vc, "address", CLIENT_MAC]);
    ok(&["ip", "-n", &cli, "link", "set", &vc, "up"]);
    ok(&["ip", "-n", &cli, "link", "set", "lo", "up"]);

    let server = server_binary();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new("ip")
        .args(["netns", "exec", &srv])
        .arg(&server)
        .args([
            "--iface",
            &vs,
            "--server-ip",
            "10.77.0.2",
            "--subnet",
            "10.77.0.0/24",
            "--gateway",
            "10.77.0.1",
            "--dns",
            "10.77.0.53,9.9.9.9",
            "--mtu",
            "1400",
            "--host-route",
            "192.168.50.0/24,10.77.0.254",
            "--host-route",
            "172.16.0.0/12,10.77.0.253",
            "--binding",
            &format!("{CLIENT_MAC}=10.77.0.10"),
            "--binding",
            "fa:16:3e:00:00:77=10.77.0.11",
            "--lease",
            "600",
            "--domain",
            "openstacklocal",
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start dhcp_server");
    g.server = Some(child);
    // Wait for the server's socket (it prints a line when serving).
    let start = Instant::now();
    while !std::fs::read_to_string(dir.join("server.log"))
        .unwrap_or_default()
        .contains("serving")
    {
        if let Some(Ok(Some(st))) = g.server.as_mut().map(|c| c.try_wait()) {
            panic!(
                "dhcp_server exited early ({st}): {}",
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            );
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let script = dir.join("udhcpc.sh");
    std::fs::write(&script, SCRIPT).unwrap();
    ok(&["chmod", "+x", script.to_str().unwrap()]);
    let run_client = |out: &str| {
        Command::new("ip")
            .args(["netns", "exec", &cli, "env"])
            .arg(format!("OUT={}", dir.join(out).display()))
            .args([
                "busybox",
                "udhcpc",
                "-i",
                &vc,
                "-f",
                "-q",
                "-n",
                "-t",
                "3",
                "-T",
                "1",
                "-A",
                "1",
                "-O",
                "mtu",
                "-O",
                "staticroutes",
                "-s",
            ])
            .arg(&script)
            .output()
            .unwrap()
    };

    let o = run_client("known");
    let env = std::fs::read_to_string(dir.join("known.env")).unwrap_or_else(|_| {
        panic!(
            "udhcpc got no lease: {}{}\nserver log:\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
            std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
        )
    });
    assert!(o.status.success());
    let get = |k: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(get("ip"), "10.77.0.10", "{env}");
    assert_eq!(get("subnet"), "255.255.255.0", "{env}");
    assert_eq!(get("router"), "10.77.0.1", "{env}");
    assert_eq!(get("dns").trim(), "10.77.0.53 9.9.9.9", "{env}");
    assert_eq!(get("mtu"), "1400", "{env}");
    assert_eq!(get("serverid"), "10.77.0.2", "{env}");
    assert_eq!(get("lease"), "600", "{env}");
    assert_eq!(get("domain"), "openstacklocal", "{env}");
    assert_eq!(
        get("staticroutes"),
        "192.168.50.0/24 10.77.0.254 172.16.0.0/12 10.77.0.253 0.0.0.0/0 10.77.0.1",
        "{env}"
    );
    // What the kernel holds after the client applied the lease.
    let addr = ns(&cli, &["ip", "-4", "-o", "addr", "show", "dev", &vc]);
    assert!(addr.contains("inet 10.77.0.10/24"), "{addr}");
    let link = ns(&cli, &["ip", "-o", "link", "show", "dev", &vc]);
    assert!(link.contains("mtu 1400"), "{link}");
    let routes = ns(&cli, &["ip", "-4", "route", "show", "dev", &vc]);
    for want in [
        "default via 10.77.0.1",
        "192.168.50.0/24 via 10.77.0.254",
        "172.16.0.0/12 via 10.77.0.253",
        "10.77.0.0/24 proto kernel",
    ] {
        assert!(routes.contains(want), "missing `{want}` in:\n{routes}");
    }

    // A client with an unknown MAC gets nothing.
    ok(&["ip", "-n", &cli, "addr", "flush", "dev", &vc]);
    ok(&["ip", "-n", &cli, "link", "set", &vc, "down"]);
    ok(&["ip", "-n", &cli, "link", "set", &vc, "address", UNKNOWN_MAC]);
    ok(&["ip", "-n", &cli, "link", "set", &vc, "up"]);
    let o = run_client("unknown");
    assert!(!o.status.success(), "udhcpc with an unknown MAC exited 0");
    assert!(!dir.join("unknown.env").exists(), "unknown MAC got a lease");
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    assert!(log.contains("reply OFFER 10.77.0.10"), "{log}");
    assert!(log.contains("reply ACK 10.77.0.10"), "{log}");
    assert!(log.contains("drop unknown-client"), "{log}");
    drop(g);
}
