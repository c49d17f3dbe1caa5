//! A user-space VXLAN tunnel endpoint (VTEP) on Linux, built on [`neutrino::encap`]: Ethernet
//! frames read from a TAP device are encapsulated and sent to the remote VTEP over a UDP
//! socket; VXLAN packets received on the socket are checked (I flag, VNI, the sender is the
//! configured peer) and their inner frames written to the TAP device.
//!
//! ```sh
//! ip tuntap add dev tap0 mode tap && ip link set tap0 up
//! vtep --tap tap0 --local 192.0.2.2 --remote 192.0.2.1 --vni 42 [--port 4789] [--mtu 1450]
//! ```
//!
//! It interoperates with the Linux kernel's `vxlan` device (see tests/vtep_interop.rs), over an
//! IPv4 or IPv6 underlay. The kernel's UDP socket writes the outer IP and UDP headers, so the
//! VXLAN layer is ours ([`neutrino::encap::vxlan::push`]/[`pop`](neutrino::encap::vxlan::pop));
//! the UDP source port is the socket's (a raw-socket datapath would use
//! [`neutrino::encap::EncapCtx`], which also derives the source port from the inner flow).
//!
//! Peer: one static remote (`--remote`), as with `ip link add ... type vxlan remote IP`.
//! Packets from any other source are dropped and counted. MTU: frames whose L3 packet exceeds
//! `--mtu` (default: the MTU Neutron derives for VXLAN from a 1500-byte physical network, 1450
//! over IPv4, 1430 over IPv6) are dropped and counted, never fragmented or truncated.
//!
//! Counters are printed to stderr on SIGINT/SIGTERM, then the program exits 0. Linux only; uses
//! `libc` for the TUNSETIFF ioctl and `poll`.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use neutrino::encap::mtu::{self, MtuConfig};
use neutrino::encap::{vxlan, NetworkType};
use neutrino::PacketBuf;

const USAGE: &str =
    "usage: vtep --tap NAME --local IP --remote IP --vni N [--port 4789] [--mtu BYTES]";
/// Room in front of a frame for the VXLAN header.
const HEADROOM: usize = 64;
const BUF_LEN: usize = HEADROOM + 65536;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

struct Args {
    tap: String,
    local: IpAddr,
    remote: IpAddr,
    vni: u32,
    port: u16,
    mtu: Option<u16>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let (mut tap, mut local, mut remote, mut vni, mut port, mut mtu) =
        (None, None, None, None, vxlan::UDP_PORT, None);
    while let Some(flag) = it.next() {
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |what: &str| format!("{flag}: not {what}: {v:?}");
        match flag.as_str() {
            "--tap" => tap = Some(v),
            "--local" => local = Some(v.parse::<IpAddr>().map_err(|_| bad("an IP address"))?),
            "--remote" => remote = Some(v.parse::<IpAddr>().map_err(|_| bad("an IP address"))?),
            "--vni" => vni = Some(v.parse::<u32>().map_err(|_| bad("a number"))?),
            "--port" => port = v.parse().map_err(|_| bad("a port"))?,
            "--mtu" => mtu = Some(v.parse().map_err(|_| bad("a number"))?),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    let (Some(tap), Some(local), Some(remote), Some(vni)) = (tap, local, remote, vni) else {
        return Err("--tap, --local, --remote and --vni are required".into());
    };
    if local.is_ipv6() != remote.is_ipv6() {
        return Err("--local and --remote must be of the same address family".into());
    }
    // Neutron's range for VXLAN VNIs.
    neutrino::encap::TunnelType::Vxlan
        .check_id(vni)
        .map_err(|e| e.to_string())?;
    if tap.is_empty() || tap.len() >= libc::IFNAMSIZ {
        return Err(format!("bad interface name {tap:?}"));
    }
    Ok(Args {
        tap,
        local,
        remote,
        vni,
        port,
        mtu,
    })
}

/// Attaches to (or creates) the TAP interface `name`: Ethernet frames, no packet info header.
fn open_tap(name: &str) -> std::io::Result<File> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")?;
    // struct ifreq: the name, then a union whose first member here is the flags (short).
    #[repr(C)]
    struct IfReq {
        name: [libc::c_char; libc::IFNAMSIZ],
        flags: libc::c_short,
        _pad: [u8; 22],
    }
    let mut req = IfReq {
        name: [0; libc::IFNAMSIZ],
        flags: (libc::IFF_TAP | libc::IFF_NO_PI) as libc::c_short,
        _pad: [0; 22],
    };
    let c = CString::new(name).map_err(|_| std::io::Error::other("NUL in interface name"))?;
    for (d, s) in req.name.iter_mut().zip(c.as_bytes()) {
        *d = *s as libc::c_char;
    }
    // SAFETY: TUNSETIFF takes a pointer to a struct ifreq (40 bytes on Linux; IfReq has the
    // same size and layout for the fields it uses), valid for the duration of the call.
    let r = unsafe { libc::ioctl(f.as_raw_fd(), libc::TUNSETIFF, &mut req as *mut IfReq) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(f)
}

#[derive(Default, Debug)]
struct Counters {
    tx: u64,
    rx: u64,
    tx_too_big: u64,
    tx_errors: u64,
    rx_not_peer: u64,
    rx_bad: u64,
}

fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("vtep: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mtu = a.mtu.unwrap_or_else(|| {
        let cfg = MtuConfig {
            overlay_ipv6: a.local.is_ipv6(),
            ..MtuConfig::default()
        };
        mtu::segment_mtu(&cfg, NetworkType::Vxlan, None)
    });
    let mut tap = match open_tap(&a.tap) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("vtep: tap {}: {e}", a.tap);
            return ExitCode::FAILURE;
        }
    };
    let sock = match UdpSocket::bind(SocketAddr::new(a.local, a.port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vtep: bind {}:{}: {e}", a.local, a.port);
            return ExitCode::FAILURE;
        }
    };
    let peer = SocketAddr::new(a.remote, a.port);
    // SAFETY: installing an async-signal-safe handler (it only stores to an atomic).
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    eprintln!(
        "vtep: {} <-> {} vni {} via {}, mtu {mtu}",
        a.tap, peer, a.vni, a.local
    );
    let mut buf = vec![0u8; BUF_LEN];
    let mut c = Counters::default();
    while !STOP.load(Ordering::Relaxed) {
        let mut fds = [
            libc::pollfd {
                fd: tap.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: sock.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a valid array of two pollfd for the duration of the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, 200) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            eprintln!("vtep: poll: {e}");
            return ExitCode::FAILURE;
        }
        if fds[0].revents & libc::POLLIN != 0 {
            // TAP -> VXLAN.
            let n = match tap.read(&mut buf[HEADROOM..]) {
                Ok(n) => n,
                Err(e) => {
                    eprintln!("vtep: read {}: {e}", a.tap);
                    return ExitCode::FAILURE;
                }
            };
            let frame = &buf[HEADROOM..HEADROOM + n];
            if mtu::check_frame(frame, mtu).is_err() {
                c.tx_too_big += 1;
            } else if let Ok(mut b) = PacketBuf::new(&mut buf, HEADROOM, n) {
                match vxlan::push(&mut b, a.vni) {
                    Ok(()) => match sock.send_to(b.data(), peer) {
                        Ok(_) => c.tx += 1,
                        Err(_) => c.tx_errors += 1,
                    },
                    Err(_) => c.tx_errors += 1,
                }
            }
        }
        if fds[1].revents & libc::POLLIN != 0 {
            // VXLAN -> TAP.
            let (n, from) = match sock.recv_from(&mut buf) {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("vtep: recv: {e}");
                    continue;
                }
            };
            if from.ip() != a.remote {
                c.rx_not_peer += 1;
                continue;
            }
            let Ok(mut b) = PacketBuf::new(&mut buf, 0, n) else {
                c.rx_bad += 1;
                continue;
            };
            match vxlan::pop(&mut b, Some(a.vni)) {
                Ok(_) => match tap.write(b.data()) {
                    Ok(_) => c.rx += 1,
                    Err(_) => c.rx_bad += 1,
                },
                Err(_) => c.rx_bad += 1,
            }
        }
    }
    eprintln!("vtep: {c:?}");
    ExitCode::SUCCESS
}
