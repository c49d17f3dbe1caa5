#!/usr/bin/env python3
"""Writes examples/data/sample.pcap, the sample capture of `examples/dissect.rs`, with scapy.

Classic pcap (microsecond, little-endian), linktype 1 (Ethernet), fixed timestamps, no
randomness: running it twice gives the same bytes. Also writes examples/data/sample.manifest.json:
one entry per packet (1-based `n`, a `label`, and for the deliberately malformed ones `broken`:
the layer the generator broke, as `WireError`'s layer name, and whether it is in the inner frame of
a tunnel). `scripts/expected_from_scapy.py` reads both to write the oracle.

Usage: python3 scripts/make_sample_pcap.py   (from anywhere; paths are relative to the repo)
"""

import json
import os
import struct

from scapy.all import (
    ARP,
    BOOTP,
    DHCP,
    GRE,
    ICMP,
    IP,
    TCP,
    UDP,
    VXLAN,
    Dot1AD,
    Dot1Q,
    Ether,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptSrcLLAddr,
    IPOption_RR,
    IPOption_Router_Alert,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    Raw,
    RawPcapWriter,
    RouterAlert,
)
from scapy.contrib.geneve import GENEVE, GeneveOptions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PCAP = os.path.join(ROOT, "examples", "data", "sample.pcap")
MANIFEST = os.path.join(ROOT, "examples", "data", "sample.manifest.json")

# OpenStack-style MACs (fa:16:3e is Neutron's default base_mac prefix).
VM1 = "fa:16:3e:00:00:01"
VM2 = "fa:16:3e:00:00:02"
GW = "fa:16:3e:aa:bb:cc"
HV1 = "52:54:00:12:34:56"
HV2 = "52:54:00:ab:cd:ef"
BCAST = "ff:ff:ff:ff:ff:ff"

TCP_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456, 0)), ("NOP", None), ("WScale", 7)]


def vm_eth(src=VM1, dst=VM2):
    return Ether(src=src, dst=dst)


def hv_eth():
    return Ether(src=HV1, dst=HV2)


def inner_v4_tcp():
    return (
        Ether(src=VM1, dst=VM2)
        / IP(src="192.168.10.5", dst="192.168.10.6", id=7)
        / TCP(sport=40000, dport=443, flags="S", seq=1000, options=TCP_OPTS)
    )


packets = []  # (label, bytes, broken) with broken None or {"layer": str, "inner": bool}


def add(label, pkt, broken=None, inner=False):
    data = bytes(pkt)
    packets.append((label, data, None if broken is None else {"layer": broken, "inner": inner}))


def pad60(pkt):
    """Ethernet minimum frame (without FCS) is 60 bytes: pad like a NIC would."""
    data = bytes(pkt)
    return data + b"\x00" * max(0, 60 - len(data))


# --- plain IPv4 -------------------------------------------------------------------------------
add(
    "ipv4/tcp SYN with options",
    vm_eth() / IP(src="10.0.0.5", dst="10.0.0.6", id=1) / TCP(sport=51000, dport=80, flags="S", seq=1, options=TCP_OPTS),
)
add(
    "ipv4/tcp data",
    vm_eth(VM2, VM1) / IP(src="10.0.0.6", dst="10.0.0.5", id=2) / TCP(sport=80, dport=51000, flags="PA", seq=7, ack=2) / Raw(b"HTTP/1.1 200 OK\r\n\r\n"),
)
add("ipv4/udp", vm_eth() / IP(src="10.0.0.5", dst="8.8.8.8", id=3) / UDP(sport=53000, dport=53) / Raw(b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6))
add(
    "ipv4 with options (RR, router alert)/udp",
    vm_eth() / IP(src="10.0.0.5", dst="10.0.0.7", id=4, options=[IPOption_RR(routers=["0.0.0.0", "0.0.0.0"]), IPOption_Router_Alert()]) / UDP(sport=1234, dport=5678) / Raw(b"opts"),
)
add(
    "ipv4 first fragment (MF)/udp",
    vm_eth() / IP(src="10.0.0.5", dst="10.0.0.8", id=0x4242, flags="MF", frag=0) / UDP(sport=7000, dport=7001, len=8 + 64) / Raw(b"A" * 32),
)
add(
    "ipv4 later fragment",
    vm_eth() / IP(src="10.0.0.5", dst="10.0.0.8", id=0x4242, flags=0, frag=5, proto=17) / Raw(b"A" * 32),
)
add("ipv4 icmp echo request", vm_eth() / IP(src="10.0.0.5", dst="10.0.0.1", id=5) / ICMP(type=8, id=0x77, seq=1) / Raw(b"ping" * 8))
add("ipv4 icmp echo reply", vm_eth(GW, VM1) / IP(src="10.0.0.1", dst="10.0.0.5", id=6) / ICMP(type=0, id=0x77, seq=1) / Raw(b"ping" * 8))
add(
    "ipv4 icmp port unreachable quoting ip/udp",
    vm_eth(GW, VM1) / IP(src="10.0.0.1", dst="10.0.0.5", id=7) / ICMP(type=3, code=3) / IP(src="10.0.0.5", dst="10.0.0.1", id=9) / UDP(sport=33434, dport=33435) / Raw(b"x" * 8),
)
add("ipv4 proto 89 (ospf, no l4 walk)", Ether(src=HV1, dst="01:00:5e:00:00:05") / IP(src="10.1.1.1", dst="224.0.0.5", proto=89, ttl=1) / Raw(b"\x02\x01\x00\x2c" + b"\x00" * 40))

# --- VLAN ---------------------------------------------------------------------------------------
add("802.1q vid 100 ipv4/tcp", vm_eth() / Dot1Q(vlan=100, prio=3) / IP(src="10.0.100.5", dst="10.0.100.6", id=8) / TCP(sport=22, dport=50022, flags="A"))
add("qinq 88a8 vid 200 + 8100 vid 300 ipv4/udp", vm_eth() / Dot1AD(vlan=200) / Dot1Q(vlan=300) / IP(src="10.0.30.5", dst="10.0.30.6", id=9) / UDP(sport=5000, dport=5001) / Raw(b"qinq"))
packets.append(("802.1q vid 4094 ipv6/udp, padded to 60", pad60(vm_eth() / Dot1Q(vlan=4094) / IPv6(src="2001:db8:1::5", dst="2001:db8:1::6", hlim=64) / UDP(sport=9, dport=9) / Raw(b"")), None))

# --- ARP, non-IP ---------------------------------------------------------------------------------
packets.append(("arp request (padded)", pad60(Ether(src=VM1, dst=BCAST) / ARP(op=1, hwsrc=VM1, psrc="10.0.0.5", hwdst="00:00:00:00:00:00", pdst="10.0.0.1")), None))
packets.append(("arp reply (padded)", pad60(Ether(src=GW, dst=VM1) / ARP(op=2, hwsrc=GW, psrc="10.0.0.1", hwdst=VM1, pdst="10.0.0.5")), None))
add("lldp ethertype 88cc (not walked)", Ether(src=HV1, dst="01:80:c2:00:00:0e", type=0x88CC) / Raw(b"\x02\x07\x04" + bytes.fromhex("525400123456") + b"\x00\x00"))

# --- IPv6 ---------------------------------------------------------------------------------------
add("ipv6/udp", vm_eth() / IPv6(src="2001:db8::5", dst="2001:db8::6") / UDP(sport=40001, dport=4000) / Raw(b"v6 udp"))
add("ipv6/tcp with options", vm_eth() / IPv6(src="2001:db8:0:1:0:0:0:5", dst="2001:db8:0:1::1:0:6") / TCP(sport=40002, dport=443, flags="S", options=TCP_OPTS))
add(
    "ipv6 hbh + dstopt + routing + fragment(first)/udp",
    vm_eth()
    / IPv6(src="2001:db8::5", dst="2001:db8::6")
    / IPv6ExtHdrHopByHop(options=[RouterAlert()])
    / IPv6ExtHdrDestOpt()
    / IPv6ExtHdrRouting(addresses=["2001:db8::99"], segleft=0)
    / IPv6ExtHdrFragment(offset=0, m=1, id=0xABCDEF01)
    / UDP(sport=6000, dport=6001, len=8 + 64)
    / Raw(b"B" * 16),
)
add(
    "ipv6 later fragment",
    vm_eth() / IPv6(src="2001:db8::5", dst="2001:db8::6") / IPv6ExtHdrFragment(offset=3, m=0, id=0xABCDEF01, nh=17) / Raw(b"B" * 24),
)
add("ipv6 no next header", vm_eth() / IPv6(src="fe80::f816:3eff:fe00:1", dst="ff02::1", nh=59))
add("icmpv6 echo request", vm_eth() / IPv6(src="2001:db8::5", dst="2001:db8::1") / ICMPv6EchoRequest(id=1, seq=1, data=b"ping6"))
add("icmpv6 echo reply", vm_eth(GW, VM1) / IPv6(src="2001:db8::1", dst="2001:db8::5") / ICMPv6EchoReply(id=1, seq=1, data=b"ping6"))
add(
    "icmpv6 nd neighbor solicitation + slla",
    Ether(src=VM1, dst="33:33:ff:00:00:01") / IPv6(src="fe80::f816:3eff:fe00:1", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::1") / ICMPv6NDOptSrcLLAddr(lladdr=VM1),
)
add(
    "icmpv6 nd neighbor advertisement + tlla",
    vm_eth(GW, VM1) / IPv6(src="2001:db8::1", dst="fe80::f816:3eff:fe00:1", hlim=255) / ICMPv6ND_NA(tgt="2001:db8::1", R=1, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=GW),
)
add(
    "icmpv6 nd router solicitation",
    Ether(src=VM1, dst="33:33:00:00:00:02") / IPv6(src="fe80::f816:3eff:fe00:1", dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=VM1),
)
add(
    "icmpv6 nd router advertisement + prefix + mtu",
    Ether(src=GW, dst="33:33:00:00:00:01")
    / IPv6(src="fe80::f816:3eff:feaa:bbcc", dst="ff02::1", hlim=255)
    / ICMPv6ND_RA(M=0, O=1, routerlifetime=1800)
    / ICMPv6NDOptSrcLLAddr(lladdr=GW)
    / ICMPv6NDOptMTU(mtu=1450)
    / ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8::", L=1, A=1, validlifetime=86400, preferredlifetime=14400),
)

# --- DHCPv4 -------------------------------------------------------------------------------------
CHADDR = bytes.fromhex("fa163e000001") + b"\x00" * 10


def dhcp(src_mac, dst_mac, src_ip, dst_ip, sport, dport, op, yiaddr, msg):
    opts = [("message-type", msg)]
    if msg in ("offer", "ack"):
        opts += [("server_id", "10.0.0.2"), ("lease_time", 86400), ("subnet_mask", "255.255.255.0"), ("router", "10.0.0.1"), ("interface-mtu", 1450)]
    if msg == "request":
        opts += [("requested_addr", "10.0.0.5"), ("server_id", "10.0.0.2")]
    opts.append("end")
    return (
        Ether(src=src_mac, dst=dst_mac)
        / IP(src=src_ip, dst=dst_ip, id=0x100)
        / UDP(sport=sport, dport=dport)
        / BOOTP(op=op, xid=0x3903F326, chaddr=CHADDR, yiaddr=yiaddr, flags=0x8000 if op == 1 else 0)
        / DHCP(options=opts)
    )


add("dhcp discover", dhcp(VM1, BCAST, "0.0.0.0", "255.255.255.255", 68, 67, 1, "0.0.0.0", "discover"))
add("dhcp offer", dhcp(GW, VM1, "10.0.0.2", "10.0.0.5", 67, 68, 2, "10.0.0.5", "offer"))
add("dhcp request", dhcp(VM1, BCAST, "0.0.0.0", "255.255.255.255", 68, 67, 1, "0.0.0.0", "request"))
add("dhcp ack", dhcp(GW, VM1, "10.0.0.2", "10.0.0.5", 67, 68, 2, "10.0.0.5", "ack"))

# --- VXLAN --------------------------------------------------------------------------------------
add(
    "vxlan vni 1001 inner ipv4/tcp",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.2", id=10, flags="DF") / UDP(sport=49152, dport=4789, chksum=0) / VXLAN(flags=0x08, vni=1001) / inner_v4_tcp(),
)
add(
    "vxlan vni 1002 inner ipv6/udp",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.2", id=11) / UDP(sport=49153, dport=4789) / VXLAN(flags=0x08, vni=1002)
    / Ether(src=VM2, dst=VM1) / IPv6(src="fd00::2", dst="fd00::1") / UDP(sport=123, dport=123) / Raw(b"ntp"),
)
add(
    "vxlan vni 16777215 inner 802.1q vid 10 ipv4/icmp",
    hv_eth() / IP(src="172.16.0.2", dst="172.16.0.1", id=12) / UDP(sport=49154, dport=4789) / VXLAN(flags=0x08, vni=0xFFFFFF)
    / Ether(src=VM1, dst=GW) / Dot1Q(vlan=10) / IP(src="192.168.10.5", dst="192.168.10.1") / ICMP(type=8, id=3, seq=3),
)
add(
    "ipv6 outer vxlan vni 5000 inner ipv4/udp",
    hv_eth() / IPv6(src="2001:db8:ffff::1", dst="2001:db8:ffff::2") / UDP(sport=50000, dport=4789) / VXLAN(flags=0x08, vni=5000)
    / Ether(src=VM1, dst=VM2) / IP(src="192.168.20.5", dst="192.168.20.6") / UDP(sport=1111, dport=2222) / Raw(b"in"),
)

# --- GENEVE -------------------------------------------------------------------------------------
add(
    "geneve vni 2001 with 2 options, inner ethernet ipv4/tcp",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.3", id=13) / UDP(sport=49200, dport=6081)
    / GENEVE(vni=2001, proto=0x6558, options=[GeneveOptions(classid=0x0102, type=0x80, data=b"\x00\x00\x00\x2a"), GeneveOptions(classid=0x0103, type=0x01, data=b"\x11\x22\x33\x44\x55\x66\x77\x88")])
    / inner_v4_tcp(),
)
add(
    "geneve vni 2002 no options, inner l3 ipv4/udp (proto 0800)",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.3", id=14) / UDP(sport=49201, dport=6081)
    / GENEVE(vni=2002, proto=0x0800) / IP(src="192.168.30.5", dst="192.168.30.6") / UDP(sport=3333, dport=4444) / Raw(b"l3"),
)

# --- GRE ----------------------------------------------------------------------------------------
add(
    "gre key 77 inner l3 ipv4/udp (proto 0800)",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.4", id=15) / GRE(key_present=1, key=77, proto=0x0800)
    / IP(src="192.168.40.5", dst="192.168.40.6") / UDP(sport=5555, dport=6666) / Raw(b"gre"),
)
add(
    "gre checksum+key 0x12345678+seq, teb inner ethernet ipv4/tcp",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.4", id=16) / GRE(chksum_present=1, key_present=1, seqnum_present=1, key=0x12345678, seqence_number=9, proto=0x6558)
    / inner_v4_tcp(),
)
add(
    "gre no key, teb inner ethernet arp",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.4", id=17) / GRE(proto=0x6558)
    / Ether(src=VM1, dst=BCAST) / ARP(op=1, hwsrc=VM1, psrc="192.168.40.5", pdst="192.168.40.1"),
)
add(
    "ipv6 outer gre key 4096, inner l3 ipv6/icmpv6 (proto 86dd)",
    hv_eth() / IPv6(src="2001:db8:ffff::1", dst="2001:db8:ffff::4") / GRE(key_present=1, key=4096, proto=0x86DD)
    / IPv6(src="fd00:1::5", dst="fd00:1::6") / ICMPv6EchoRequest(id=9, seq=9),
)

# --- malformed ----------------------------------------------------------------------------------
full = bytes(vm_eth() / IP(src="10.0.0.5", dst="10.0.0.6") / UDP(sport=1, dport=2) / Raw(b"zz"))
add("MALFORMED ethernet cut at 10 bytes", full[:10], "ethernet")
add("MALFORMED ipv4 cut inside its header (12 of 20 bytes)", full[: 14 + 12], "ipv4")
add(
    "MALFORMED ipv4 total length 200 > frame",
    vm_eth() / IP(src="10.0.0.5", dst="10.0.0.6", len=200) / UDP(sport=1, dport=2) / Raw(b"short"),
    "ipv4",
)
add("MALFORMED ipv4 ihl 3", vm_eth() / IP(src="10.0.0.5", dst="10.0.0.6", ihl=3) / UDP(sport=1, dport=2) / Raw(b"x" * 12), "ipv4")
add(
    "MALFORMED tcp data offset 3",
    vm_eth() / IP(src="10.0.0.5", dst="10.0.0.6") / TCP(sport=1234, dport=80, dataofs=3, flags="S"),
    "tcp",
)
add("MALFORMED udp length 4", vm_eth() / IP(src="10.0.0.5", dst="10.0.0.6") / UDP(sport=1234, dport=53, len=4) / Raw(b"abcd"), "udp")
add("MALFORMED vlan tag truncated", bytes(Ether(src=VM1, dst=VM2, type=0x8100)) + b"\x00\x64", "vlan")
add(
    "MALFORMED ipv6 payload length 100 > frame",
    vm_eth() / IPv6(src="2001:db8::5", dst="2001:db8::6", plen=100) / UDP(sport=1, dport=2) / Raw(b"short"),
    "ipv6",
)
add(
    "MALFORMED ipv6 hop-by-hop header length runs past the payload",
    vm_eth() / IPv6(src="2001:db8::5", dst="2001:db8::6") / IPv6ExtHdrHopByHop(len=5, nh=17, options=[]) / Raw(b"\x00" * 10),
    "ipv6-ext",
)
inner_cut = bytes(inner_v4_tcp())[: 14 + 10]
add(
    "MALFORMED vxlan inner frame cut inside the inner ipv4 header",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.2") / UDP(sport=49155, dport=4789) / VXLAN(flags=0x08, vni=1003) / Raw(inner_cut),
    "ipv4",
    inner=True,
)
add(
    "MALFORMED vxlan inner ethernet cut at 8 bytes",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.2") / UDP(sport=49156, dport=4789) / VXLAN(flags=0x08, vni=1004) / Raw(bytes(inner_v4_tcp())[:8]),
    "ethernet",
    inner=True,
)
add(
    "MALFORMED geneve opt_len 40 bytes runs past the end",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.3") / UDP(sport=49202, dport=6081)
    / GENEVE(vni=2003, proto=0x6558, optionlen=10, options=[GeneveOptions(classid=0x0102, type=0x80, data=b"\x00\x00\x00\x01")])
    / Raw(b"\x00" * 20),
    "geneve",
)
add(
    "MALFORMED gre key flag set, header cut before the key",
    hv_eth() / IP(src="172.16.0.1", dst="172.16.0.4", proto=47) / Raw(b"\x20\x00\x65\x58\x00\x00"),
    "gre",
)

# --- write --------------------------------------------------------------------------------------
os.makedirs(os.path.dirname(PCAP), exist_ok=True)
w = RawPcapWriter(PCAP, linktype=1, endianness="<", snaplen=65535, sync=True)
w.write_header(None)
for i, (_, data, _) in enumerate(packets):
    w.write_packet(data, sec=1_700_000_000 + i, usec=i * 1000, caplen=len(data), wirelen=len(data))
w.close()

manifest = {
    "pcap": "sample.pcap",
    "note": "written by scripts/make_sample_pcap.py; `broken` names the layer the generator broke (WireError layer name) and whether it is inside the tunnel's inner frame",
    "packets": [
        {"n": i + 1, "label": label, **({"broken": broken} if broken else {})}
        for i, (label, _, broken) in enumerate(packets)
    ],
}
with open(MANIFEST, "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")

with open(PCAP, "rb") as f:
    assert struct.unpack("<I", f.read(4))[0] == 0xA1B2C3D4
print(f"wrote {len(packets)} packets to {os.path.relpath(PCAP, ROOT)} ({os.path.getsize(PCAP)} bytes)")
for i, (label, data, broken) in enumerate(packets):
    print(f"{i + 1:3} {len(data):4}  {label}")
