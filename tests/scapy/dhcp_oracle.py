#!/usr/bin/env python3
"""Independent oracle for neutrino's DHCP responder (tests/dhcp_scapy.rs).

`gen`: prints a JSON object name -> hex of client frames built by scapy.
`check`: reads a JSON object name -> hex of reply frames on stdin, dissects each with scapy and
prints name -> fields (Ethernet/IP/UDP addresses, whether scapy's recomputed IPv4 and UDP
checksums equal the ones in the frame, BOOTP fields, DHCP options by scapy's names).
"""
import json
import sys

from scapy.all import BOOTP, DHCP, IP, UDP, Ether, raw

MAC = "fa:16:3e:12:34:56"
CH = bytes.fromhex("fa163e123456")
RELAY_MAC = "02:00:00:00:00:99"


def client(src_ip="0.0.0.0", dst_ip="255.255.255.255", mac=MAC, sport=68, **bootp):
    return Ether(dst="ff:ff:ff:ff:ff:ff", src=mac) / IP(src=src_ip, dst=dst_ip) / UDP(sport=sport, dport=67) / BOOTP(**bootp)


def frames():
    """The client frames, by name (also the fuzz seeds of dhcp_respond, fuzz/make_seeds.py)."""
    prl = ("param_req_list", [1, 3, 6, 15, 26, 121, 119])
    return {
        "discover": client(chaddr=CH, xid=0x1234) / DHCP(options=[("message-type", "discover"), ("client_id", b"\x01" + CH), prl, "end"]),
        "discover_bcast": client(chaddr=CH, xid=0x55, flags=0x8000) / DHCP(options=[("message-type", "discover"), "end"]),
        "request": client(chaddr=CH, xid=0x1235) / DHCP(options=[("message-type", "request"), ("server_id", "10.0.0.2"), ("requested_addr", "10.0.0.5"), prl, "end"]),
        "request_wrong": client(chaddr=CH, xid=0x1236) / DHCP(options=[("message-type", "request"), ("server_id", "10.0.0.2"), ("requested_addr", "10.0.0.77"), "end"]),
        "renew": client(src_ip="10.0.0.5", dst_ip="10.0.0.2", chaddr=CH, xid=0x1237, ciaddr="10.0.0.5") / DHCP(options=[("message-type", "request"), "end"]),
        "inform": client(src_ip="10.0.0.5", dst_ip="10.0.0.2", chaddr=CH, xid=0x1238, ciaddr="10.0.0.5") / DHCP(options=[("message-type", "inform"), "end"]),
        "relay": client(src_ip="10.0.0.254", dst_ip="10.0.0.2", mac=RELAY_MAC, sport=67, chaddr=CH, xid=0x1239, giaddr="10.0.0.254", hops=1) / DHCP(options=[("message-type", "discover"), "end"]),
        "release": client(src_ip="10.0.0.5", dst_ip="10.0.0.2", chaddr=CH, xid=0x123a, ciaddr="10.0.0.5") / DHCP(options=[("message-type", "release"), ("server_id", "10.0.0.2"), "end"]),
        "unknown_mac": client(mac="02:01:01:01:01:01", chaddr=bytes.fromhex("020101010101"), xid=0x123b) / DHCP(options=[("message-type", "discover"), "end"]),
        "bad_hlen": client(chaddr=CH, xid=0x123c, hlen=5) / DHCP(options=[("message-type", "discover"), "end"]),
        "no_msg_type": client(chaddr=CH, xid=0x123d) / DHCP(options=[("hostname", b"vm1"), "end"]),
        "bootreply": client(chaddr=CH, xid=0x123e, op=2) / DHCP(options=[("message-type", "discover"), "end"]),
    }


def gen():
    print(json.dumps({k: raw(v).hex() for k, v in frames().items()}))


def plain(v):
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def check():
    data = json.load(sys.stdin)
    out = {}
    for name, h in data.items():
        p = Ether(bytes.fromhex(h))
        q = p.copy()
        del q[IP].chksum
        del q[UDP].chksum
        q = Ether(raw(q))
        b = p[BOOTP]
        opts = {}
        for o in p[DHCP].options:
            if isinstance(o, tuple):
                opts[str(o[0])] = plain(o[1] if len(o) == 2 else list(o[1:]))
        out[name] = {
            "ip_chksum_ok": q[IP].chksum == p[IP].chksum,
            "udp_chksum_ok": q[UDP].chksum == p[UDP].chksum,
            "ip_len": p[IP].len,
            "udp_len": p[UDP].len,
            "frame_len": len(bytes.fromhex(h)),
            "eth_dst": p.dst,
            "eth_src": p.src,
            "ip_src": p[IP].src,
            "ip_dst": p[IP].dst,
            "ttl": p[IP].ttl,
            "sport": p[UDP].sport,
            "dport": p[UDP].dport,
            "op": b.op,
            "htype": b.htype,
            "hlen": b.hlen,
            "hops": b.hops,
            "xid": b.xid,
            "flags": int(b.flags),
            "ciaddr": b.ciaddr,
            "yiaddr": b.yiaddr,
            "siaddr": b.siaddr,
            "giaddr": b.giaddr,
            "chaddr": b.chaddr[:6].hex(),
            "options": opts,
        }
    print(json.dumps(out))


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]]()
