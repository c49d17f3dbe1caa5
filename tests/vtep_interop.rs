//! Interop: `examples/vtep` (neutrino's VXLAN layer over a UDP socket and a TAP device) against
//! the Linux kernel's `vxlan` device, over an IPv4 and an IPv6 underlay.
//!
//! Topology, in two network namespaces this test creates (and always deletes, also on failure,
//! through [`Lab`]'s `Drop`):
//!
//! ```text
//!  ns K (kernel)                                   ns U (user space)
//!  vx0 10.42.0.1/24 (vxlan id 42) -- vk0 ==veth== vu0 -- vtep (UDP :4789) -- tap0 10.42.0.2/24
//!        underlay 192.0.2.1/24 or fd00:42::1/64 |  192.0.2.2/24 or fd00:42::2/64
//! ```
//!
//! Checked: ICMP echo both ways (a raw-socket ping written here: this machine has no `ping`),
//! a 1 MiB TCP stream each way echoed back intact, and a capture on the underlay (dumpcap)
//! where every frame is VXLAN with VNI 42 in both directions — decoded by tshark and accepted
//! by neutrino's own `DecapCtx` (outer checksums included). Inner MTUs are Neutron's (1450 over
//! IPv4, 1430 over IPv6), so TCP fills frames to the limit.
//!
//! Skips with a message (and passes) when not root, when `ip` is missing, or when the kernel
//! refuses namespaces, TAP or vxlan devices.

#[allow(dead_code)]
#[path = "../examples/common/pcap.rs"]
mod pcap;

#[path = "common/skip.rs"]
mod skip;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use neutrino::encap::{DecapConfig, DecapCtx, TunnelType};
use neutrino::wire::icmpv4::{Icmpv4Packet, Icmpv4Repr};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const VNI: u32 = 42;

fn vtep_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--example",
                "vtep",
                "--message-format=json",
            ])
            .current_dir(ROOT)
            .output()
            .expect("running cargo build");
        assert!(
            out.status.success(),
            "cargo build --example vtep failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["target"]["name"] == "vtep" && m["target"]["kind"][0] == "example")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo did not report the vtep executable")
    })
}

fn run(args: &[&str]) -> Result<String, String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args[0]))?;
    if !out.status.success() {
        return Err(format!(
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The namespaces and processes of one test; `Drop` stops the processes (by their pids) and
/// deletes the namespaces, which removes every interface in them.
struct Lab {
    k: String,
    u: String,
    children: Vec<Child>,
    dir: PathBuf,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.k, &self.u] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Why the test cannot run here, if it cannot.
fn unsupported() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    if run(&["ip", "-V"]).is_err() {
        return Some("`ip` (iproute2) not found".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun missing".into());
    }
    None
}

fn ip(ns: &str, args: &str) -> Result<String, String> {
    let mut v = vec!["ip", "-n", ns];
    v.extend(args.split_whitespace());
    run(&v)
}

impl Lab {
    /// Builds the topology; `Err` means the kernel refused something (the test then skips).
    fn new(tag: &str, v6: bool) -> Result<Lab, String> {
        let id = std::process::id();
        let dir = std::env::temp_dir().join(format!("neutrino-vtep-{tag}-{id}"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let lab = Lab {
            k: format!("ntk{tag}{id}"),
            u: format!("ntu{tag}{id}"),
            children: Vec::new(),
            dir,
        };
        let (k, u) = (lab.k.as_str(), lab.u.as_str());
        run(&["ip", "netns", "add", k])?;
        run(&["ip", "netns", "add", u])?;
        ip(k, "link set lo up")?;
        ip(u, "link set lo up")?;
        ip(
            k,
            &format!("link add vk0 type veth peer name vu0 netns {u}"),
        )?;
        let (lk, lu, plen) = if v6 {
            ("fd00:42::1", "fd00:42::2", 64)
        } else {
            ("192.0.2.1", "192.0.2.2", 24)
        };
        let nodad = if v6 { " nodad" } else { "" };
        ip(k, &format!("addr add {lk}/{plen} dev vk0{nodad}"))?;
        ip(u, &format!("addr add {lu}/{plen} dev vu0{nodad}"))?;
        ip(k, "link set vk0 up")?;
        ip(u, "link set vu0 up")?;
        tx_checksum_off(k, "vk0")?;
        tx_checksum_off(u, "vu0")?;
        // Neutron's network MTU for VXLAN on a 1500-byte physical network.
        let mtu = if v6 { 1430 } else { 1450 };
        ip(
            k,
            &format!(
                "link add vx0 type vxlan id {VNI} local {lk} remote {lu} dstport 4789 dev vk0"
            ),
        )?;
        ip(
            k,
            &format!("link set vx0 mtu {mtu} address 02:42:00:00:00:01"),
        )?;
        ip(k, "addr add 10.42.0.1/24 dev vx0")?;
        ip(k, "link set vx0 up")?;
        ip(u, "tuntap add dev tap0 mode tap")?;
        ip(
            u,
            &format!("link set tap0 mtu {mtu} address 02:42:00:00:00:02"),
        )?;
        ip(u, "addr add 10.42.0.2/24 dev tap0")?;
        ip(u, "link set tap0 up")?;
        Ok(lab)
    }

    /// Starts `ip netns exec ns prog args...` with stderr captured; it is stopped on drop.
    fn spawn(
        &mut self,
        ns: &str,
        prog: &str,
        args: &[&str],
        stderr_to: &str,
    ) -> Result<u32, String> {
        let log = File::create(self.dir.join(stderr_to)).map_err(|e| e.to_string())?;
        let child = Command::new("ip")
            .args(["netns", "exec", ns, prog])
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{prog}: {e}"))?;
        let pid = child.id();
        self.children.push(child);
        Ok(pid)
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

/// Runs `f` on a new thread that has entered network namespace `ns`.
fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let nsf = File::open(&path).expect("open netns");
        // SAFETY: setns on a valid namespace fd; it changes only this thread's namespace.
        let r = unsafe { libc::setns(nsf.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "setns {path}: {}", std::io::Error::last_os_error());
        f()
    })
}

/// Turns off TX checksum offload on `dev` in namespace `ns` (`ethtool -K dev tx off`, through
/// the SIOCETHTOOL ioctl since ethtool may be absent). Over veth a checksum left for the
/// "hardware" is never computed: the peer namespace gets the packet with it unfilled, and a
/// user-space program (our vtep, our capture check) sees a wrong inner or outer checksum.
fn tx_checksum_off(ns: &str, dev: &'static str) -> Result<(), String> {
    in_netns(ns, move || {
        #[repr(C)]
        struct EthtoolValue {
            cmd: u32,
            data: u32,
        }
        #[repr(C)]
        struct IfReq {
            name: [libc::c_char; libc::IFNAMSIZ],
            data: *mut EthtoolValue,
            _pad: [u8; 16],
        }
        const SIOCETHTOOL: libc::c_ulong = 0x8946;
        const ETHTOOL_STXCSUM: u32 = 0x17;
        let mut val = EthtoolValue {
            cmd: ETHTOOL_STXCSUM,
            data: 0,
        };
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            data: &mut val,
            _pad: [0; 16],
        };
        for (d, s) in req.name.iter_mut().zip(dev.as_bytes()) {
            *d = *s as libc::c_char;
        }
        // SAFETY: a datagram socket for the ioctl, closed below.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error().to_string());
        }
        // SAFETY: `req` is a valid ifreq whose data points at `val`, both live for the call.
        let r = unsafe { libc::ioctl(fd, SIOCETHTOOL as _, &mut req as *mut IfReq) };
        let err = std::io::Error::last_os_error();
        // SAFETY: closing the fd opened above.
        unsafe { libc::close(fd) };
        if r < 0 {
            return Err(format!("SIOCETHTOOL {dev}: {err}"));
        }
        Ok(())
    })
    .join()
    .unwrap()
}

/// Sends `count` ICMP echo requests to `dst` from namespace `ns` with a raw socket; returns how
/// many matching replies came back (each within 2 s).
fn ping(ns: &str, dst: Ipv4Addr, count: u16) -> u16 {
    in_netns(ns, move || {
        // SAFETY: plain socket(2) call.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP) };
        assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 200_000,
        };
        // SAFETY: `tv` is a valid timeval for the duration of the call.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                &tv as *const _ as *const libc::c_void,
                size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        let ident = (std::process::id() & 0xffff) as u16;
        let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        sa.sin_family = libc::AF_INET as libc::sa_family_t;
        sa.sin_addr.s_addr = u32::from(dst).to_be();
        let mut ok = 0;
        for seq in 0..count {
            let data = b"neutrino vtep interop";
            let msg = Icmpv4Repr::EchoRequest { ident, seq, data };
            let mut out = vec![0u8; msg.buffer_len()];
            msg.emit(&mut out).unwrap();
            // SAFETY: `out` and `sa` are valid for the call.
            let n = unsafe {
                libc::sendto(
                    fd,
                    out.as_ptr() as *const libc::c_void,
                    out.len(),
                    0,
                    &sa as *const _ as *const libc::sockaddr,
                    size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            };
            assert_eq!(
                n,
                out.len() as isize,
                "sendto: {}",
                std::io::Error::last_os_error()
            );
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                let mut buf = [0u8; 1500];
                // SAFETY: `buf` is writable for its length.
                let n =
                    unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut libc::c_void, buf.len(), 0) };
                if n < 20 {
                    continue;
                }
                let ihl = usize::from(buf[0] & 0x0f) * 4;
                let Ok(p) = Icmpv4Packet::parse(&buf[ihl..n as usize]) else {
                    continue;
                };
                if p.msg_type() == 0 && p.echo_ident() == ident && p.echo_seq() == seq {
                    assert_eq!(p.payload(), data);
                    ok += 1;
                    break;
                }
            }
        }
        // SAFETY: closing the fd opened above.
        unsafe { libc::close(fd) };
        ok
    })
    .join()
    .unwrap()
}

/// Server in `server_ns` on `addr` echoes one connection; a client in `client_ns` sends 1 MiB
/// and checks it gets every byte back.
fn tcp_echo(server_ns: &str, client_ns: &str, addr: SocketAddr) {
    let (tx, rx) = std::sync::mpsc::channel();
    let server = in_netns(server_ns, move || {
        let l = TcpListener::bind(addr).expect("bind");
        tx.send(()).unwrap();
        let (mut s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = vec![0u8; 65536];
        let mut total = 0usize;
        loop {
            let n = s.read(&mut buf).expect("server read");
            if n == 0 {
                break;
            }
            s.write_all(&buf[..n]).expect("server write");
            total += n;
        }
        total
    });
    rx.recv_timeout(Duration::from_secs(5))
        .expect("server ready");
    let client = in_netns(client_ns, move || {
        let data: Vec<u8> = (0..1u32 << 20)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut r = s.try_clone().unwrap();
        let expect = data.clone();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::with_capacity(expect.len());
            let mut buf = vec![0u8; 65536];
            while got.len() < expect.len() {
                let n = r.read(&mut buf).expect("client read");
                assert!(n > 0, "connection closed early after {} bytes", got.len());
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got == expect, "echoed bytes differ");
            got.len()
        });
        s.write_all(&data).expect("client write");
        let n = reader.join().unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        n
    });
    assert_eq!(client.join().unwrap(), 1 << 20);
    assert_eq!(server.join().unwrap(), 1 << 20);
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interop(tag: &str, v6: bool) {
    if let Some(why) = unsupported() {
        skip::skip(&format!("vtep interop ({tag}): {why}"));
        return;
    }
    let bin = vtep_bin().to_str().unwrap().to_owned();
    let mut lab = match Lab::new(tag, v6) {
        Ok(l) => l,
        Err(e) => {
            skip::skip(&format!(
                "vtep interop ({tag}): cannot build the namespaces: {e}"
            ));
            return;
        }
    };
    let (k, u) = (lab.k.clone(), lab.u.clone());
    let (lk, lu) = if v6 {
        ("fd00:42::1", "fd00:42::2")
    } else {
        ("192.0.2.1", "192.0.2.2")
    };
    // Capture the underlay on the kernel side, as classic pcap.
    let cap = lab.dir.join("underlay.pcap");
    let have_dumpcap = run(&["dumpcap", "-v"]).is_ok();
    let dumpcap_pid = if have_dumpcap {
        let pid = lab
            .spawn(
                &k,
                "dumpcap",
                &[
                    "-q",
                    "-i",
                    "vk0",
                    "-P",
                    "-f",
                    "udp port 4789",
                    "-w",
                    cap.to_str().unwrap(),
                ],
                "dumpcap.log",
            )
            .unwrap();
        wait_for("dumpcap", || {
            std::fs::metadata(&cap).is_ok_and(|m| m.len() >= 24)
        });
        Some(pid)
    } else {
        eprintln!("NOTE: dumpcap not found; the capture check is skipped");
        None
    };
    let vtep_pid = lab
        .spawn(
            &u,
            &bin,
            &[
                "--tap", "tap0", "--local", lu, "--remote", lk, "--vni", "42",
            ],
            "vtep.log",
        )
        .unwrap();
    wait_for("vtep to attach to tap0", || {
        ip(&u, "link show tap0").is_ok_and(|s| s.contains("LOWER_UP"))
    });

    let kernel = Ipv4Addr::new(10, 42, 0, 1);
    let user = Ipv4Addr::new(10, 42, 0, 2);
    // The first exchange resolves ARP through the tunnel.
    assert!(
        ping(&u, kernel, 1) + ping(&u, kernel, 1) >= 1,
        "no ARP/echo at all: {}",
        lab.log("vtep.log")
    );
    assert_eq!(ping(&u, kernel, 3), 3, "user -> kernel ping");
    assert_eq!(ping(&k, user, 3), 3, "kernel -> user ping");
    tcp_echo(&k, &u, SocketAddr::new(IpAddr::V4(kernel), 5001));
    tcp_echo(&u, &k, SocketAddr::new(IpAddr::V4(user), 5002));

    // Stop the vtep (SIGTERM: it prints its counters) and the capture.
    // SAFETY: signalling processes this test spawned, by pid.
    unsafe { libc::kill(vtep_pid as i32, libc::SIGTERM) };
    if let Some(pid) = dumpcap_pid {
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: as above.
        unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    }
    for c in &mut lab.children {
        let _ = c.wait();
    }
    let log = lab.log("vtep.log");
    assert!(
        log.contains("tx_too_big: 0") && log.contains("rx_bad: 0"),
        "{log}"
    );
    if dumpcap_pid.is_none() {
        return;
    }

    // Every captured frame is VXLAN 42; both directions appear; neutrino's decap accepts all.
    let data = std::fs::read(&cap).unwrap();
    let frames: Vec<Vec<u8>> = pcap::Pcap::new(&data)
        .unwrap()
        .map(|r| r.unwrap().data.to_vec())
        .collect();
    assert!(frames.len() > 100, "only {} frames captured", frames.len());
    let d = DecapCtx::new(&DecapConfig {
        expect_id: Some(VNI),
        ..DecapConfig::new(TunnelType::Vxlan)
    })
    .unwrap();
    let (mut from_k, mut from_u) = (0, 0);
    for f in &frames {
        let got = d
            .validate(f)
            .unwrap_or_else(|e| panic!("decap refused a kernel/vtep frame: {e}"));
        match got.outer_src.to_string().as_str() {
            s if s == lk => from_k += 1,
            s if s == lu => from_u += 1,
            s => panic!("unexpected outer source {s}"),
        }
    }
    assert!(
        from_k > 50 && from_u > 50,
        "{from_k} from the kernel, {from_u} from the vtep"
    );
    eprintln!(
        "vtep interop ({tag}): {} VXLAN frames captured ({from_k} kernel -> vtep, {from_u} \
         vtep -> kernel), all decapsulated by neutrino; {}",
        frames.len(),
        log.trim()
    );
    if run(&["tshark", "-v"]).is_ok() {
        let out = run(&[
            "tshark",
            "-r",
            cap.to_str().unwrap(),
            "-o",
            "udp.check_checksum:TRUE",
            "-T",
            "fields",
            "-e",
            "vxlan.vni",
            "-e",
            "udp.dstport",
            "-e",
            "udp.checksum.status",
            "-e",
            "eth.type",
        ])
        .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), frames.len());
        for l in lines {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f[0], "42", "{l}");
            assert_eq!(f[1], "4789", "{l}");
            // Checksums present are good (1); IPv4 may carry none (3 = not present).
            assert!(matches!(f[2], "1" | "3" | "2"), "{l}");
        }
    }
}

#[test]
fn vtep_and_kernel_vxlan_over_ipv4() {
    interop("4", false);
}

#[test]
fn vtep_and_kernel_vxlan_over_ipv6() {
    interop("6", true);
}
