//! A DHCP server for one interface, built on `neutrino::dhcp::Responder`, answering through an
//! AF_PACKET raw socket (Linux, root or CAP_NET_RAW).
//!
//! ```text
//! dhcp_server --iface IF --server-ip IP --subnet CIDR [--gateway IP] [--dns IP[,IP]]
//!             [--mtu N] [--host-route CIDR,NEXTHOP]... --binding MAC=IP... [--lease SECS]
//!             [--domain NAME] [--metadata] [--policy strict|ovn] [--verify-checksums]
//! ```
//!
//! Every frame is handed to the responder; replies go out on the same interface. One line per
//! decision is printed on stderr (`reply OFFER 10.0.0.5 -> fa:16:3e:..`, `drop unknown-client`).
//! Request checksums are not verified by default: frames a local stack sends over a veth carry
//! partial checksums (TX offload), which a packet socket sees unfinished.

use std::net::Ipv4Addr;
use std::process::exit;

use neutrino::dhcp::{DhcpSubnetConfig, NakPolicy, Responder, Verdict, MAX_REPLY_LEN};
use neutrino::ipam::Ipv4Net;
use neutrino::wire::dhcpv4::msg_type;
use neutrino::wire::MacAddr;

struct Args {
    iface: String,
    server_ip: Ipv4Addr,
    subnet: Ipv4Net,
    gateway: Option<Ipv4Addr>,
    dns: Vec<Ipv4Addr>,
    mtu: Option<u16>,
    routes: Vec<(Ipv4Net, Ipv4Addr)>,
    bindings: Vec<(MacAddr, Ipv4Addr)>,
    lease: u32,
    domain: Option<String>,
    metadata: bool,
    policy: NakPolicy,
    verify: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!("dhcp_server: {msg}");
    eprintln!(
        "usage: dhcp_server --iface IF --server-ip IP --subnet CIDR [--gateway IP] [--dns IP[,IP]] \
         [--mtu N] [--host-route CIDR,NEXTHOP]... --binding MAC=IP... [--lease SECS] \
         [--domain NAME] [--metadata] [--policy strict|ovn] [--verify-checksums]"
    );
    exit(2)
}

fn parse_mac(s: &str) -> Option<MacAddr> {
    let mut m = [0u8; 6];
    let mut parts = s.split(':');
    for b in &mut m {
        *b = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(MacAddr(m))
}

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> T {
    s.parse()
        .unwrap_or_else(|_| usage(&format!("bad {what}: {s}")))
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        iface: String::new(),
        server_ip: Ipv4Addr::UNSPECIFIED,
        subnet: Ipv4Net::default(),
        gateway: None,
        dns: Vec::new(),
        mtu: None,
        routes: Vec::new(),
        bindings: Vec::new(),
        lease: neutrino::dhcp::DEFAULT_LEASE_SECS,
        domain: None,
        metadata: false,
        policy: NakPolicy::Strict,
        verify: false,
    };
    let (mut have_ip, mut have_subnet) = (false, false);
    while let Some(flag) = it.next() {
        let mut val = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--iface" => a.iface = val(),
            "--server-ip" => {
                a.server_ip = parse("--server-ip", &val());
                have_ip = true;
            }
            "--subnet" => {
                a.subnet = parse("--subnet", &val());
                have_subnet = true;
            }
            "--gateway" => a.gateway = Some(parse("--gateway", &val())),
            "--dns" => a.dns = val().split(',').map(|s| parse("--dns", s)).collect(),
            "--mtu" => a.mtu = Some(parse("--mtu", &val())),
            "--lease" => a.lease = parse("--lease", &val()),
            "--domain" => a.domain = Some(val()),
            "--metadata" => a.metadata = true,
            "--verify-checksums" => a.verify = true,
            "--policy" => {
                a.policy = match val().as_str() {
                    "strict" => NakPolicy::Strict,
                    "ovn" => NakPolicy::Ovn,
                    p => usage(&format!("bad --policy {p}")),
                }
            }
            "--host-route" => {
                let v = val();
                let (c, n) = v
                    .split_once(',')
                    .unwrap_or_else(|| usage("--host-route wants CIDR,NEXTHOP"));
                a.routes.push((
                    parse("--host-route cidr", c),
                    parse("--host-route nexthop", n),
                ));
            }
            "--binding" => {
                let v = val();
                let (m, ip) = v
                    .split_once('=')
                    .unwrap_or_else(|| usage("--binding wants MAC=IP"));
                let mac = parse_mac(m).unwrap_or_else(|| usage(&format!("bad MAC {m}")));
                a.bindings.push((mac, parse("--binding ip", ip)));
            }
            "-h" | "--help" => usage("help"),
            f => usage(&format!("unknown flag {f}")),
        }
    }
    if a.iface.is_empty() || !have_ip || !have_subnet {
        usage("--iface, --server-ip and --subnet are required");
    }
    a
}

fn iface_mac(iface: &str) -> MacAddr {
    let path = format!("/sys/class/net/{iface}/address");
    let s = std::fs::read_to_string(&path).unwrap_or_else(|e| usage(&format!("{path}: {e}")));
    parse_mac(s.trim()).unwrap_or_else(|| usage(&format!("bad MAC in {path}")))
}

/// An AF_PACKET socket bound to one interface, all Ethernet protocols.
struct PacketSocket {
    fd: libc::c_int,
}

impl PacketSocket {
    fn open(iface: &str) -> std::io::Result<Self> {
        let name = std::ffi::CString::new(iface).map_err(std::io::Error::other)?;
        // SAFETY: `name` is a valid NUL-terminated string.
        let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if index == 0 {
            return Err(std::io::Error::last_os_error());
        }
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket(2) call.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, libc::c_int::from(proto)) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let s = PacketSocket { fd };
        // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = index as i32;
        // SAFETY: `sll` is a valid sockaddr_ll of the size given.
        let rc = unsafe {
            libc::bind(
                fd,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(s)
    }

    /// Receives one incoming frame (outgoing copies are skipped).
    fn recv(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            // SAFETY: as above.
            let mut from: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            // SAFETY: `buf` is writable for its length; `from`/`len` describe a valid address
            // buffer.
            let n = unsafe {
                libc::recvfrom(
                    self.fd,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    0,
                    (&mut from as *mut libc::sockaddr_ll).cast(),
                    &mut len,
                )
            };
            if n < 0 {
                return Err(std::io::Error::last_os_error());
            }
            if from.sll_pkttype == libc::PACKET_OUTGOING {
                continue;
            }
            return Ok(n as usize);
        }
    }

    fn send(&self, frame: &[u8]) -> std::io::Result<()> {
        // SAFETY: `frame` is readable for its length.
        let n = unsafe { libc::send(self.fd, frame.as_ptr().cast(), frame.len(), 0) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for PacketSocket {
    fn drop(&mut self) {
        // SAFETY: `fd` is owned by this struct.
        unsafe { libc::close(self.fd) };
    }
}

fn type_name(t: u8) -> &'static str {
    match t {
        msg_type::OFFER => "OFFER",
        msg_type::ACK => "ACK",
        msg_type::NAK => "NAK",
        _ => "?",
    }
}

fn main() {
    let a = parse_args();
    let server_mac = iface_mac(&a.iface);
    let slots = (a.bindings.len() * 2 + 2).next_power_of_two().max(8);
    let mut r = Responder::with_capacity(slots, 1, 0x6e65_7574_7269_6e6f, a.policy)
        .unwrap_or_else(|e| usage(&e.to_string()));
    r.set_verify_checksums(a.verify);
    let cfg = DhcpSubnetConfig {
        gateway: a.gateway,
        dns: &a.dns,
        domain_name: a.domain.as_deref(),
        mtu: a.mtu,
        host_routes: &a.routes,
        metadata_route: a.metadata,
        lease_secs: a.lease,
        ..DhcpSubnetConfig::new(a.server_ip, server_mac, a.subnet)
    };
    r.set_subnet(0, &cfg)
        .unwrap_or_else(|e| usage(&format!("subnet: {e}")));
    for (mac, ip) in &a.bindings {
        r.add_binding(0, *mac, *ip, 0)
            .unwrap_or_else(|e| usage(&format!("binding {mac}: {e}")));
    }
    let sock = PacketSocket::open(&a.iface).unwrap_or_else(|e| {
        eprintln!(
            "dhcp_server: cannot open a packet socket on {}: {e}",
            a.iface
        );
        exit(1)
    });
    eprintln!(
        "dhcp_server: serving {} on {} ({server_mac}) as {}, {} bindings",
        a.subnet,
        a.iface,
        a.server_ip,
        a.bindings.len()
    );
    let mut buf = vec![0u8; 65536];
    let mut out = vec![0u8; MAX_REPLY_LEN];
    loop {
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                eprintln!("dhcp_server: recv: {e}");
                exit(1)
            }
        };
        match r.handle(0, &buf[..n], &mut out) {
            Verdict::Reply { len, msg_type } => {
                let dst = MacAddr(out[..6].try_into().unwrap_or([0; 6]));
                let yi = Ipv4Addr::new(out[58], out[59], out[60], out[61]);
                eprintln!("reply {} {yi} -> {dst}", type_name(msg_type));
                if let Err(e) = sock.send(&out[..len]) {
                    eprintln!("dhcp_server: send: {e}");
                }
            }
            Verdict::NoReply => eprintln!("accepted (no reply)"),
            // Most frames on a link are not DHCP: report only drops of DHCP-looking traffic.
            Verdict::Drop(reason) => {
                use neutrino::dhcp::DropReason::*;
                if !matches!(reason, NotIpv4 | NotUdp | NotDhcpPort | BadEthernet) {
                    eprintln!("drop {}", reason.name());
                }
            }
        }
    }
}
