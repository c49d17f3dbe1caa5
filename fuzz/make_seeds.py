#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: fuzz/corpus/<target>/<name>.

Run from anywhere: `python3 fuzz/make_seeds.py` (scapy 2.8). Every file is rewritten and files
this script did not write are removed from the target directories it owns, so the corpus stays
exactly what is listed here (libFuzzer's corpus growth belongs in a scratch directory, never in
fuzz/corpus).

The byte-parser targets get small valid messages built by scapy, one per protocol variant.
`classify` takes one option byte first (bit 0 set: tunnels off; bit 1 set: verify checksums),
then the frame. The `arbitrary`-driven targets (`checksum`, `packetbuf`, `classify_structured`)
get inputs encoded the way arbitrary 1.x decodes them (integers little-endian, bool = low bit
of a byte, enum = u32 tag scaled to the variant count, Option = bool then value, Vec = a
1-byte "one more" before each element and a 0 byte at the end); the `classify_structured` seeds
are the `classify` frames translated into the target's frame description.
"""

import os
import shutil
import struct
import sys

from scapy.all import (
    ARP,
    BOOTP,
    DHCP,
    GRE,
    ICMP,
    IP,
    TCP,
    UDP,
    Dot1AD,
    Dot1Q,
    Ether,
    ICMPv6DestUnreach,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6ND_RA,
    ICMPv6ND_Redirect,
    ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptMTU,
    ICMPv6NDOptPrefixInfo,
    ICMPv6NDOptRDNSS,
    ICMPv6NDOptRedirectedHdr,
    ICMPv6NDOptSrcLLAddr,
    ICMPv6PacketTooBig,
    ICMPv6ParamProblem,
    ICMPv6TimeExceeded,
    IPOption_NOP,
    IPOption_RR,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    PadN,
    Raw,
    conf,
)
from scapy.contrib.geneve import GENEVE, GeneveOptions
from scapy.layers.ipsec import AH
from scapy.layers.vxlan import VXLAN

conf.verb = 0

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

M1 = "fa:16:3e:00:00:01"
M2 = "fa:16:3e:00:00:02"
V6A = "2001:db8::1"
V6B = "2001:db8::2"
LL_A = "fe80::f816:3eff:fe00:1"
LL_B = "fe80::f816:3eff:fe00:2"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    import socket

    return socket.inet_pton(socket.AF_INET6, s)


# ---------------------------------------------------------------------------------------------
# Frames shared by `classify` (raw) and `classify_structured` (translated).
# ---------------------------------------------------------------------------------------------


def udp6_chksum(src, dst, sport, dport, payload):
    """The UDP checksum over an IPv6 pseudo-header (scapy leaves it 0 after an AH header)."""
    return IPv6(bytes(IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / payload))[UDP].chksum


def inner_eth():
    return Ether(src="fa:16:3e:aa:00:01", dst="fa:16:3e:aa:00:02") / IP(
        src="192.168.0.1", dst="192.168.0.2"
    ) / TCP(sport=33000, dport=22, flags="S")


FRAMES = {
    "tcp4": Ether(src=M1, dst=M2)
    / IP(src="10.0.0.1", dst="10.0.0.2", ttl=64)
    / TCP(sport=40000, dport=80, flags="PA", options=[("MSS", 1460), ("NOP", None), ("WScale", 7)])
    / b"GET / HTTP/1.1\r\n",
    "udp6-vlan": Ether(src=M1, dst=M2)
    / Dot1Q(vlan=100, prio=5)
    / IPv6(src=V6A, dst=V6B, tc=0xb8, fl=0x12345, hlim=64)
    / UDP(sport=5353, dport=53)
    / b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",
    "arp-qinq": Ether(src=M1, dst="ff:ff:ff:ff:ff:ff", type=0x88A8)
    / Dot1AD(vlan=300)
    / Dot1Q(vlan=42)
    / ARP(op=1, hwsrc=M1, psrc="10.0.0.1", pdst="10.0.0.2"),
    "arp-reply": Ether(src=M2, dst=M1) / ARP(op=2, hwsrc=M2, psrc="10.0.0.2", hwdst=M1, pdst="10.0.0.1"),
    "vxlan": Ether(src=M1, dst=M2)
    / IP(src="172.16.0.1", dst="172.16.0.2", flags="DF")
    / UDP(sport=49152, dport=4789)
    / VXLAN(flags=0x08, vni=1001)
    / inner_eth(),
    "vxlan-vlan-inner-udp6": Ether(src=M1, dst=M2)
    / Dot1Q(vlan=7)
    / IP(src="172.16.0.1", dst="172.16.0.2")
    / UDP(sport=50000, dport=4789, chksum=0)
    / VXLAN(flags=0x08, vni=0xFFFFFF)
    / Ether(src=M2, dst=M1)
    / Dot1Q(vlan=200)
    / IPv6(src=V6A, dst=V6B)
    / UDP(sport=1000, dport=2000)
    / b"payload",
    "geneve-opts": Ether(src=M1, dst=M2)
    / IP(src="172.16.0.1", dst="172.16.0.3")
    / UDP(sport=51000, dport=6081)
    / GENEVE(
        vni=5001,
        proto=0x6558,
        critical=1,
        options=[
            GeneveOptions(classid=0x0102, type=0x80, data=b"\x01\x02\x03\x04"),
            GeneveOptions(classid=0xFFFF, type=0x01, data=b"\xaa" * 8),
        ],
    )
    / inner_eth(),
    "geneve6-l3-inner": Ether(src=M1, dst=M2)
    / IPv6(src=V6A, dst=V6B)
    / UDP(sport=52000, dport=6081)
    / GENEVE(vni=77, proto=0x0800)
    / IP(src="192.168.1.1", dst="192.168.1.2")
    / ICMP(type=8, id=1, seq=1)
    / b"ping",
    "gre-key": Ether(src=M1, dst=M2)
    / IP(src="172.16.0.1", dst="172.16.0.4")
    / GRE(key_present=1, key=0x1234, proto=0x6558)
    / inner_eth(),
    "gre-csum-seq-l3": Ether(src=M1, dst=M2)
    / IP(src="172.16.0.1", dst="172.16.0.4")
    / GRE(chksum_present=1, key_present=1, seqnum_present=1, key=9, sequence_number=3, proto=0x86DD)
    / IPv6(src=V6A, dst=V6B)
    / UDP(sport=7, dport=7)
    / b"echo",
    "gre6-arp": Ether(src=M1, dst=M2)
    / IPv6(src=V6A, dst=V6B)
    / GRE(key_present=1, key=4094, proto=0x6558)
    / Ether(src=M1, dst="ff:ff:ff:ff:ff:ff")
    / ARP(op=1, hwsrc=M1, psrc="10.1.0.1", pdst="10.1.0.9"),
    "ipv6-ext": Ether(src=M1, dst=M2)
    / IPv6(src=V6A, dst=V6B)
    / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00\x00\x00")])
    / IPv6ExtHdrRouting()
    / IPv6ExtHdrDestOpt()
    / TCP(sport=1, dport=2, flags="A"),
    "ipv6-ah": Ether(src=M1, dst=M2)
    / IPv6(src=V6A, dst=V6B)
    / AH(spi=0x100, seq=1, icv=b"\x00" * 12, nh=17, payloadlen=4)
    / UDP(sport=500, dport=500, chksum=udp6_chksum(V6A, V6B, 500, 500, b"ike"))
    / b"ike",
    "ipv4-frag-first": Ether(src=M1, dst=M2)
    / IP(src="10.0.0.1", dst="10.0.0.2", id=0x4242, flags="MF")
    / UDP(sport=1111, dport=2222, len=1008, chksum=0x1234)
    / (b"x" * 64),
    "ipv4-frag-later": Ether(src=M1, dst=M2)
    / IP(src="10.0.0.1", dst="10.0.0.2", id=0x4242, frag=125, proto=17)
    / (b"y" * 40),
    "ipv6-frag-later": Ether(src=M1, dst=M2)
    / IPv6(src=V6A, dst=V6B)
    / IPv6ExtHdrFragment(offset=100, m=0, id=0xDEADBEEF, nh=6)
    / (b"z" * 24),
    "ipv6-frag-first": Ether(src=M1, dst=M2)
    / IPv6(src=V6A, dst=V6B)
    / IPv6ExtHdrFragment(offset=0, m=1, id=7)
    / ICMPv6EchoRequest(id=3, seq=4, data=b"abcd"),
    "ipv4-options-icmp": Ether(src=M1, dst=M2)
    / IP(src="10.0.0.1", dst="10.0.0.2", options=[IPOption_NOP(), IPOption_NOP(), IPOption_RR()])
    / ICMP(type=8, id=0x77, seq=9)
    / b"hello",
    "nd-ns": Ether(src=M1, dst="33:33:ff:00:00:02")
    / IPv6(src=LL_A, dst="ff02::1:ff00:2", hlim=255)
    / ICMPv6ND_NS(tgt=LL_B)
    / ICMPv6NDOptSrcLLAddr(lladdr=M1),
    "nd-ra": Ether(src=M2, dst="33:33:00:00:00:01")
    / IPv6(src=LL_B, dst="ff02::1", hlim=255)
    / ICMPv6ND_RA(routerlifetime=1800)
    / ICMPv6NDOptSrcLLAddr(lladdr=M2)
    / ICMPv6NDOptMTU(mtu=1450)
    / ICMPv6NDOptPrefixInfo(prefixlen=64, prefix="2001:db8:1::"),
    "dhcp-discover": Ether(src=M1, dst="ff:ff:ff:ff:ff:ff")
    / IP(src="0.0.0.0", dst="255.255.255.255")
    / UDP(sport=68, dport=67)
    / BOOTP(op=1, xid=0x1234, chaddr=mac(M1))
    / DHCP(options=[("message-type", "discover"), "end"]),
    "other-ethertype": Ether(src=M1, dst=M2, type=0x88CC) / (b"\x02\x07\x04" + mac(M1) + b"\x00" * 10),
    "tcp6-qinq-9100": Ether(src=M1, dst=M2, type=0x9100)
    / Dot1Q(vlan=10, type=0x8100)
    / Dot1Q(vlan=20)
    / IPv6(src=V6A, dst=V6B)
    / TCP(sport=443, dport=50000, flags="SA", seq=1000, ack=2000),
}

# Option byte of each `classify` seed: bit 0 set = tunnels off, bit 1 set = verify checksums.
CLASSIFY_FLAGS = {name: 0x02 for name in FRAMES}
CLASSIFY_FLAGS["ipv4-frag-first"] = 0x00  # the UDP checksum cannot cover a fragment
CLASSIFY_FLAGS["gre-key"] = 0x03  # tunnels off: stop at the outer GRE
CLASSIFY_FLAGS["tcp4"] = 0x00


# ---------------------------------------------------------------------------------------------
# arbitrary 1.x encoding
# ---------------------------------------------------------------------------------------------


class Arb:
    def __init__(self):
        self.b = bytearray()

    def u8(self, v):
        self.b += bytes([v & 0xFF])

    def u16(self, v):
        self.b += struct.pack("<H", v & 0xFFFF)

    def u32(self, v):
        self.b += struct.pack("<I", v & 0xFFFFFFFF)

    def boolean(self, v):
        self.u8(1 if v else 0)

    def arr(self, bs):
        self.b += bytes(bs)

    def variant(self, i, n):
        self.u32(((i << 32) + n - 1) // n)

    def vec(self, items, f):
        for it in items:
            self.u8(1)
            f(it)
        self.u8(0)

    def bytes_vec(self, bs):
        self.vec(bytes(bs), self.u8)

    def option(self, v, f):
        if v is None:
            self.u8(0)
        else:
            self.u8(1)
            f(v)


TPIDS = [0x8100, 0x88A8, 0x9100]
UPPER = {6: TCP, 17: UDP}


def enc_l4(a, p, v6):
    """L4 enum: Tcp, Udp, Icmp, Raw. Returns the tunnel layer if `p` starts one."""
    if isinstance(p, TCP):
        a.variant(0, 4)
        a.u16(p.sport)
        a.u16(p.dport)
        a.u32(p.seq)
        a.u32(p.ack)
        a.u8(int(p.flags))
        a.u16(p.window)
        a.u16(p.urgptr)
        a.u8(p.dataofs - 5)
        a.bytes_vec(bytes(p.payload))
        return None
    if isinstance(p, UDP) and p.dport in (4789, 6081):
        a.variant(3, 4)  # placeholder: the builder puts the tunnel here
        a.u8(0)
        a.bytes_vec(b"")
        return p
    if isinstance(p, UDP):
        a.variant(1, 4)
        a.u16(p.sport)
        a.u16(p.dport)
        a.boolean(p.chksum == 0)
        a.bytes_vec(bytes(p.payload)[: max(0, p.len - 8)])
        return None
    if isinstance(p, GRE):
        a.variant(3, 4)
        a.u8(0)
        a.bytes_vec(b"")
        return p
    raw = bytes(p)
    if p.name.startswith("ICMP") and len(raw) >= 8:
        a.variant(2, 4)
        a.u8(raw[0])
        a.u8(raw[1])
        a.arr(raw[4:8])
        a.bytes_vec(raw[8:])
        return None
    a.variant(3, 4)
    a.u8(p.underlayer.nh if v6 and hasattr(p.underlayer, "nh") else 253)
    a.bytes_vec(raw)
    return None


def enc_l3(a, p, ethertype):
    """L3 enum: Ipv4, Ipv6, Arp, Other. Returns the tunnel layer, if any."""
    if isinstance(p, IP):
        a.variant(0, 4)
        a.arr(ip4(p.src))
        a.arr(ip4(p.dst))
        a.u8(p.ttl)
        a.u8(p.tos)
        a.u16(p.id)
        a.boolean(p.flags.DF)
        frag = (p.frag, bool(p.flags.MF)) if (p.frag or p.flags.MF) else None
        a.option(frag, lambda f: (a.u16(f[0]), a.boolean(f[1])))
        a.u8(p.ihl - 5)
        if p.frag:
            a.variant(3, 4)
            a.u8(p.proto)
            a.bytes_vec(bytes(p.payload))
            return None
        return enc_l4(a, p.payload, False)
    if isinstance(p, IPv6):
        a.variant(1, 4)
        a.arr(ip6(p.src))
        a.arr(ip6(p.dst))
        a.u8(p.hlim)
        a.u8(p.tc)
        a.u32(p.fl)
        exts = []
        q = p.payload
        while True:
            if isinstance(q, IPv6ExtHdrHopByHop):
                exts.append((0, q.len))
            elif isinstance(q, IPv6ExtHdrDestOpt):
                exts.append((1, q.len))
            elif isinstance(q, IPv6ExtHdrRouting):
                exts.append((2, q.type, q.len))
            elif isinstance(q, IPv6ExtHdrFragment):
                exts.append((3, q.offset, q.m, q.id))
            elif isinstance(q, AH):
                exts.append((4, q.payloadlen - 1))
            else:
                break
            later = isinstance(q, IPv6ExtHdrFragment) and q.offset != 0
            nh, q = q.nh, q.payload
            if isinstance(q, Raw) and nh in UPPER and not later:
                q = UPPER[nh](bytes(q))  # scapy does not dissect after AH

        def ext(e):
            a.variant(e[0], 5)
            if e[0] in (0, 1):
                a.u8(e[1])
            elif e[0] == 2:
                a.u8(e[1])
                a.u8(e[2])
            elif e[0] == 3:
                a.u16(e[1])
                a.boolean(e[2])
                a.u32(e[3])
            else:
                a.u8(e[1])

        a.vec(exts, ext)
        return enc_l4(a, q, True)
    if isinstance(p, ARP):
        a.variant(2, 4)
        a.u16(p.op)
        a.arr(mac(p.hwsrc))
        a.arr(ip4(p.psrc))
        a.arr(mac(p.hwdst))
        a.arr(ip4(p.pdst))
        return None
    a.variant(3, 4)
    a.u16(ethertype)
    a.bytes_vec(bytes(p))
    return None


def enc_frame(a, f):
    a.arr(mac(f.dst))
    a.arr(mac(f.src))
    tags = []
    et, p = f.type, f.payload
    if et == 0x9100 and not isinstance(p, Dot1Q):
        p = Dot1Q(bytes(p))  # scapy binds no layer to the legacy QinQ TPID
    while isinstance(p, (Dot1Q, Dot1AD)):
        tags.append((TPIDS.index(et), p.vlan, p.prio, p.id))
        et, p = p.type, p.payload
    a.vec(tags, lambda t: (a.u8(t[0]), a.u16(t[1]), a.u8(t[2]), a.boolean(t[3])))
    return enc_l3(a, p, et)


def enc_inner(a, proto, p):
    if proto == 0x6558:
        a.variant(0, 2)
        enc_frame(a, p)
    else:
        a.variant(1, 2)
        enc_l3(a, p, proto)


def enc_tunnel(a, t):
    if isinstance(t, UDP) and isinstance(t.payload, VXLAN):
        v = t.payload
        a.variant(0, 3)
        a.u32(v.vni)
        a.u16(t.sport)
        a.boolean(t.chksum == 0)
        enc_frame(a, v.payload)
    elif isinstance(t, UDP):
        g = t.payload
        a.variant(1, 3)
        a.u32(g.vni)
        a.u16(t.sport)
        a.boolean(t.chksum == 0)
        a.boolean(g.oam)
        a.boolean(g.critical)
        a.vec(g.options, lambda o: (a.u16(o.classid), a.u8(o.type), a.bytes_vec(o.data)))
        enc_inner(a, g.proto, g.payload)
    else:
        a.variant(2, 3)
        a.option(t.key if t.key_present else None, a.u32)
        a.option(t.sequence_number if t.seqnum_present else None, a.u32)
        a.boolean(t.chksum_present)
        enc_inner(a, t.proto, t.payload)


def structured(frame, flags, pad=0):
    """The classify_structured input describing `frame` (re-dissected so every field is set)."""
    f = Ether(bytes(frame))
    a = Arb()
    a.boolean(flags & 2)  # verify
    a.boolean(not flags & 1)  # tunnels
    a.u8(pad)
    tunnel = enc_frame(a, f)
    a.option(tunnel, lambda t: enc_tunnel(a, t))
    return bytes(a.b)


# ---------------------------------------------------------------------------------------------
# Per-target seeds
# ---------------------------------------------------------------------------------------------


def seeds_classify():
    return {n: bytes([CLASSIFY_FLAGS[n]]) + bytes(f) for n, f in FRAMES.items()}


def seeds_classify_structured():
    out = {n: structured(f, CLASSIFY_FLAGS[n]) for n, f in FRAMES.items()}
    out["tcp4-padded-noverify"] = structured(FRAMES["tcp4"], 0x00, pad=6)
    out["arp-qinq-padded"] = structured(FRAMES["arp-qinq"], 0x02, pad=18)
    return out


def seeds_ethernet():
    return {
        "ipv4": bytes(Ether(src=M1, dst=M2) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP()),
        "vlan": bytes(Ether(src=M1, dst=M2) / Dot1Q(vlan=100, prio=3, id=1) / IP() / TCP()),
        "qinq-88a8": bytes(Ether(src=M1, dst=M2, type=0x88A8) / Dot1AD(vlan=300) / Dot1Q(vlan=42) / IPv6()),
        "qinq-9100": bytes(Ether(src=M1, dst=M2, type=0x9100) / Dot1Q(vlan=4094, type=0x8100) / Dot1Q(vlan=1) / ARP()),
        "three-tags": bytes(Ether(src=M1, dst=M2) / Dot1Q(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / IP()),
        "broadcast-arp": bytes(Ether(src=M1, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.1", pdst="10.0.0.2")),
        "lldp": bytes(Ether(src=M1, dst="01:80:c2:00:00:0e", type=0x88CC) / (b"\x02\x07\x04" + mac(M1))),
        "header-only": bytes(Ether(src=M1, dst=M2, type=0x0800)),
    }


def seeds_ipv4():
    return {
        "udp": bytes(IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / b"data"),
        "tcp-df": bytes(IP(src="10.0.0.1", dst="10.0.0.2", flags="DF", ttl=1) / TCP()),
        "options-rr": bytes(IP(options=[IPOption_NOP(), IPOption_RR()]) / ICMP()),
        "frag-first": bytes(IP(id=9, flags="MF") / UDP() / (b"a" * 16)),
        "frag-later": bytes(IP(id=9, frag=3, proto=17) / (b"b" * 16)),
        "gre": bytes(IP(src="172.16.0.1", dst="172.16.0.2") / GRE(key_present=1, key=5) / IP()),
        "padded": bytes(IP(src="10.0.0.1", dst="10.0.0.2") / ICMP()) + b"\x00" * 10,
        "tos-ecn": bytes(IP(tos=0xB9, ttl=255, id=0xFFFF) / UDP()),
    }


def seeds_ipv6():
    return {
        "udp": bytes(IPv6(src=V6A, dst=V6B, tc=0x2E, fl=0xABCDE) / UDP() / b"x"),
        "hbh-routing-dest": bytes(
            IPv6(src=V6A, dst=V6B)
            / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00\x00\x00\x00")])
            / IPv6ExtHdrRouting(addresses=["2001:db8::9"])
            / IPv6ExtHdrDestOpt()
            / TCP()
        ),
        "frag-first": bytes(IPv6() / IPv6ExtHdrFragment(m=1, id=1) / UDP() / (b"f" * 8)),
        "frag-later": bytes(IPv6() / IPv6ExtHdrFragment(offset=10, id=1, nh=17) / (b"g" * 8)),
        "ah": bytes(IPv6() / AH(spi=1, seq=1, icv=b"\x00" * 12, nh=6, payloadlen=4) / TCP()),
        "icmpv6": bytes(IPv6(src=LL_A, dst=LL_B, hlim=255) / ICMPv6ND_NS(tgt=LL_B)),
        "no-next-header": bytes(IPv6(nh=59)),
    }


def seeds_tcp():
    def seg(t, payload=b""):
        return bytes(IP(src="10.0.0.1", dst="10.0.0.2") / t / payload)[20:]

    return {
        "syn-options": seg(TCP(sport=40000, dport=80, flags="S", options=[
            ("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)), ("NOP", None), ("WScale", 7)])),
        "ack-data": seg(TCP(sport=80, dport=40000, flags="PA", seq=1, ack=2), b"HTTP/1.1 200 OK\r\n"),
        "sack": seg(TCP(flags="A", options=[("NOP", None), ("NOP", None), ("SAck", (100, 200))])),
        "rst": seg(TCP(flags="R", window=0)),
        "eol": seg(TCP(flags="S", options=[("MSS", 536), ("EOL", None)])),
        "plain": seg(TCP()),
    }


def seeds_udp():
    def dgram(u, payload=b""):
        return bytes(IP(src="10.0.0.1", dst="10.0.0.2") / u / payload)[20:]

    return {
        "dns": dgram(UDP(sport=5353, dport=53), b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"),
        "vxlan": dgram(UDP(sport=49152, dport=4789) / VXLAN(flags=0x08, vni=7) / Ether(src=M1, dst=M2)),
        "zero-csum": dgram(UDP(sport=1, dport=2, chksum=0), b"abc"),
        "empty": dgram(UDP(sport=67, dport=68)),
        "padded": dgram(UDP(sport=9, dport=9), b"xy") + b"\x00\x00\x00\x00",
    }


def seeds_arp():
    return {
        "request": bytes(ARP(op=1, hwsrc=M1, psrc="10.0.0.1", pdst="10.0.0.2")),
        "reply": bytes(ARP(op=2, hwsrc=M2, psrc="10.0.0.2", hwdst=M1, pdst="10.0.0.1")),
        "gratuitous": bytes(ARP(op=1, hwsrc=M1, psrc="10.0.0.1", hwdst="ff:ff:ff:ff:ff:ff", pdst="10.0.0.1")),
        "probe": bytes(ARP(op=1, hwsrc=M1, psrc="0.0.0.0", pdst="10.0.0.5")),
        "padded": bytes(ARP(op=1, hwsrc=M1, psrc="10.0.0.1", pdst="10.0.0.2")) + b"\x00" * 18,
        "rarp": bytes(ARP(op=3, hwsrc=M1, hwdst=M1)),
    }


def seeds_icmpv4():
    inner = bytes(IP(src="198.51.100.2", dst="192.0.2.1", flags="DF") / UDP(sport=1000, dport=53) / (b"x" * 100))

    def msg(m):
        return bytes(IP(src="192.0.2.1", dst="198.51.100.2") / m)[20:]

    return {
        "echo-request": msg(ICMP(type=8, id=0x1234, seq=7) / b"hello neutrino"),
        "echo-reply": msg(ICMP(type=0, id=0x1234, seq=7) / b"hello neutrino"),
        "frag-needed": msg(ICMP(type=3, code=4, nexthopmtu=1450) / inner[:28]),
        "port-unreach": msg(ICMP(type=3, code=3) / inner[:28]),
        "ttl-exceeded": msg(ICMP(type=11, code=0) / inner[:28]),
        "redirect": msg(ICMP(type=5, code=1, gw="192.0.2.254") / inner[:28]),
        "param-problem": msg(ICMP(type=12, ptr=20) / inner[:28]),
        "timestamp": msg(ICMP(type=13, id=1, seq=2, ts_ori=1, ts_rx=0, ts_tx=0)),
        "echo-empty": msg(ICMP(type=8, id=0, seq=0)),
    }


def seeds_icmpv6():
    """32 bytes of IPv6 source and destination, then the ICMPv6 message (checksum over them)."""
    quoted = bytes(IPv6(src=V6B, dst=V6A) / UDP(sport=1000, dport=53) / (b"q" * 40))

    def msg(src, dst, m):
        return ip6(src) + ip6(dst) + bytes(IPv6(src=src, dst=dst, hlim=255) / m)[40:]

    return {
        "echo-request": msg(V6A, V6B, ICMPv6EchoRequest(id=1, seq=2, data=b"ping")),
        "echo-reply": msg(V6B, V6A, ICMPv6EchoReply(id=1, seq=2, data=b"ping")),
        "dest-unreach": msg(V6A, V6B, ICMPv6DestUnreach(code=4) / quoted),
        "packet-too-big": msg(V6A, V6B, ICMPv6PacketTooBig(mtu=1280) / quoted),
        "time-exceeded": msg(V6A, V6B, ICMPv6TimeExceeded(code=0) / quoted),
        "param-problem": msg(V6A, V6B, ICMPv6ParamProblem(code=1, ptr=6) / quoted),
        "ns": msg(LL_A, "ff02::1:ff00:2", ICMPv6ND_NS(tgt=LL_B) / ICMPv6NDOptSrcLLAddr(lladdr=M1)),
        "ns-dad": msg("::", "ff02::1:ff00:2", ICMPv6ND_NS(tgt=LL_B)),
        "na": msg(LL_B, LL_A, ICMPv6ND_NA(R=0, S=1, O=1, tgt=LL_B) / ICMPv6NDOptDstLLAddr(lladdr=M2)),
        "rs": msg(LL_A, "ff02::2", ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=M1)),
        "ra": msg(
            LL_B,
            "ff02::1",
            ICMPv6ND_RA(M=1, O=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
            / ICMPv6NDOptSrcLLAddr(lladdr=M2)
            / ICMPv6NDOptMTU(mtu=1450)
            / ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400,
                                    preferredlifetime=14400, prefix="2001:db8:1::")
            / ICMPv6NDOptRDNSS(dns=["2001:db8::53"]),
        ),
        "redirect": msg(
            LL_B,
            LL_A,
            ICMPv6ND_Redirect(tgt=LL_B, dst="2001:db8:9::1")
            / ICMPv6NDOptDstLLAddr(lladdr=M2)
            / ICMPv6NDOptRedirectedHdr(pkt=quoted[:48]),
        ),
    }


def seeds_vxlan():
    return {
        "plain": bytes(VXLAN(flags=0x08, vni=42) / inner_eth()),
        "gpe-bits": bytes(VXLAN(vni=42) / inner_eth()),
        "max-vni": bytes(VXLAN(flags=0x08, vni=0xFFFFFF)),
        "vlan-inner": bytes(VXLAN(flags=0x08, vni=1) / Ether(src=M1, dst=M2) / Dot1Q(vlan=5) / ARP()),
    }


def seeds_geneve():
    return {
        "no-options": bytes(GENEVE(vni=5001, proto=0x6558) / inner_eth()),
        "options": bytes(
            GENEVE(vni=5001, proto=0x6558, options=[
                GeneveOptions(classid=0x0102, type=0x80, data=b"\x01\x02\x03\x04"),
                GeneveOptions(classid=0x0103, type=0x01, data=b""),
                GeneveOptions(classid=0xFFFF, type=0x7F, data=b"\xee" * 12)])
            / inner_eth()
        ),
        "oam-critical": bytes(GENEVE(vni=1, proto=0x6558, oam=1, critical=1,
                                     options=[GeneveOptions(classid=1, type=0x81, data=b"\x00" * 4)])),
        "l3-inner": bytes(GENEVE(vni=77, proto=0x0800) / IP() / ICMP()),
        "long-option": bytes(GENEVE(vni=2, proto=0x86DD, options=[
            GeneveOptions(classid=0x0200, type=2, data=b"\x5a" * 124)]) / IPv6()),
    }


def seeds_gre():
    return {
        "plain-ipv4": bytes(GRE(proto=0x0800) / IP() / UDP()),
        "key-teb": bytes(GRE(key_present=1, key=0x1234, proto=0x6558) / inner_eth()),
        "seq": bytes(GRE(seqnum_present=1, sequence_number=42, proto=0x86DD) / IPv6()),
        "csum-key-seq": bytes(GRE(chksum_present=1, key_present=1, seqnum_present=1, key=7,
                                  sequence_number=9, proto=0x0800) / IP()),
        "csum-only": bytes(GRE(chksum_present=1, proto=0x6558) / Ether(src=M1, dst=M2) / ARP()),
        "ignored-flag-bits": bytes(GRE(flags=0x1F, key_present=1, key=1, proto=0x0800) / IP()),
    }


# 29 classless static routes (RFC 3442: 169.254.169.254/32 via 10.0.0.2), 261 bytes: more
# than one option instance holds, so split across two (RFC 3396 §4).
ROUTES = b"\x20\xa9\xfe\xa9\xfe\x0a\x00\x00\x02" * 29


def seeds_dhcpv4():
    base = dict(chaddr=mac(M1) + b"\x00" * 10, xid=0x3903F326)
    srv = [("server_id", "10.0.0.2"), ("lease_time", 86400), ("subnet_mask", "255.255.255.0"),
           ("router", "10.0.0.1"), ("name_server", "10.0.0.2")]
    return {
        "discover": bytes(BOOTP(op=1, flags=0x8000, **base) / DHCP(options=[
            ("message-type", "discover"), ("param_req_list", [1, 3, 6, 15, 26, 121]),
            ("client_id", b"\x01" + mac(M1)), ("max_dhcp_size", 1500), "end"])),
        "offer": bytes(BOOTP(op=2, yiaddr="10.0.0.5", siaddr="10.0.0.2", **base) / DHCP(options=[
            ("message-type", "offer")] + srv + [("interface-mtu", 1450), ("domain", b"openstacklocal"),
            ("classless_static_routes", "169.254.169.254/32:10.0.0.2", "0.0.0.0/0:10.0.0.1"), "end"])),
        "request": bytes(BOOTP(op=1, **base) / DHCP(options=[
            ("message-type", "request"), ("requested_addr", "10.0.0.5"), ("server_id", "10.0.0.2"),
            ("hostname", b"vm-1"), "end"])),
        "ack": bytes(BOOTP(op=2, yiaddr="10.0.0.5", **base) / DHCP(options=[("message-type", "ack")] + srv + ["end"])),
        "nak": bytes(BOOTP(op=2, **base) / DHCP(options=[
            ("message-type", "nak"), ("server_id", "10.0.0.2"), ("error_message", b"wrong network"), "end"])),
        "inform-relayed": bytes(BOOTP(op=1, hops=1, ciaddr="10.0.0.5", giaddr="10.0.0.254", **base) / DHCP(options=[
            ("message-type", "inform"), ("relay_agent_information", b"\x01\x04eth0\x02\x06" + mac(M1)), "end"])),
        "release": bytes(BOOTP(op=1, ciaddr="10.0.0.5", **base) / DHCP(options=[
            ("message-type", "release"), ("server_id", "10.0.0.2"), "end"])),
        "overload-both": bytes(BOOTP(op=2, yiaddr="10.0.0.5", sname=b"\x0f\x0eopenstacklocal\xff",
                                     file=b"\x03\x04\x0a\x00\x00\x01\x06\x04\x0a\x00\x00\x02\xff", **base)
                               / DHCP(options=[("message-type", "ack"), ("dhcp-option-overload", 3),
                                               ("server_id", "10.0.0.2"), "end"])),
        "overload-file": bytes(BOOTP(op=2, file=b"\x0c\x04vm-2\xff", **base)
                               / DHCP(options=[("message-type", "offer"), ("dhcp-option-overload", 1), "end"])),
        "rfc3396-split": bytes(BOOTP(op=2, **base) / DHCP(options=[
            ("message-type", "ack"), (121, ROUTES[:255]), (121, ROUTES[255:]), "end"])),
        "no-end-padded": bytes(BOOTP(op=1, **base) / DHCP(options=[("message-type", "discover")])) + b"\x00" * 50,
    }


def seeds_checksum():
    """(Vec<u8>, u8, [u8; 16]): data, word position, replacement bytes."""
    def enc(data, at, new):
        a = Arb()
        a.bytes_vec(data)
        a.u8(at)
        a.arr(new)
        return bytes(a.b)

    hdr4 = bytes(IP(src="10.0.0.1", dst="10.0.0.2", ttl=64) / TCP())[:20]
    seg = bytes(IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2) / b"abc")[20:]
    hdr6 = bytes(IPv6(src=V6A, dst=V6B) / UDP())[:40]
    return {
        "ipv4-header-nat": enc(hdr4, 5, ip4("100.64.1.2") + b"\x00" * 12),
        "tcp-odd": enc(seg, 0, b"\xff" * 16),
        "ipv6-header-addr": enc(hdr6, 3, ip6("2001:db8::99")),
        "zeros": enc(b"\x00" * 32, 1, b"\x00" * 16),
        "ones": enc(b"\xff" * 30, 7, b"\xff" * 16),
    }


def seeds_packetbuf():
    """(cap, head, len, Vec<(op, n)>) with op % 4: prepend, trim_front, append, truncate."""
    def enc(cap, head, ln, ops):
        a = Arb()
        a.u16(cap)
        a.u16(head)
        a.u16(ln)
        a.vec(ops, lambda o: (a.u8(o[0]), a.u16(o[1])))
        return bytes(a.b)

    return {
        "vxlan-encap-decap": enc(2048, 128, 60, [(0, 50), (1, 50), (2, 4), (3, 60)]),
        "qinq-push-pop": enc(2048, 128, 64, [(0, 4), (0, 4), (1, 4), (1, 4)]),
        "no-headroom": enc(1500, 0, 1500, [(0, 1), (2, 1), (3, 0)]),
        "empty": enc(0, 0, 0, [(0, 0), (1, 1), (2, 0)]),
        "bad-offsets": enc(100, 90, 20, []),
        "jumbo": enc(4095, 256, 3800, [(2, 39), (2, 1), (0, 256), (1, 4095)]),
    }


def seeds_route_ops():
    """route_ops: 20-byte records (op, family bit 7 + prefix length, 16 address bytes, next
    hop u16 LE). Ops: 0-2 insert, 3-4 remove, 5 commit, 6 remove the n-th route, 7 lookup."""

    def rec(op, v6, ln, addr, nh):
        return bytes([op, (0x80 if v6 else 0) | ln]) + bytes(addr).ljust(16, b"\0") + struct.pack("<H", nh)

    v4 = lambda *x: bytes(x)  # noqa: E731
    db8 = [0x20, 1, 0xD, 0xB8]
    nested4 = (
        rec(0, 0, 0, v4(0, 0, 0, 0), 9)
        + rec(0, 0, 8, v4(10, 0, 0, 0), 1)
        + rec(0, 0, 16, v4(10, 1, 0, 0), 2)
        + rec(0, 0, 24, v4(10, 1, 2, 0), 3)
        + rec(0, 0, 32, v4(10, 1, 2, 3), 4)
        + rec(3, 0, 16, v4(10, 1, 0, 0), 0)
        + rec(5, 0, 0, v4(10, 1, 2, 3), 0)
        + rec(3, 0, 0, v4(0, 0, 0, 0), 0)
    )
    nested6 = (
        rec(0, 1, 32, db8, 1)
        + rec(0, 1, 48, db8 + [0, 1], 2)
        + rec(0, 1, 127, db8 + [0] * 11 + [2], 5)
        + rec(0, 1, 0, [], 7)
        + rec(6, 1, 0, [], 1)
        + rec(3, 1, 32, db8, 0)
    )
    # Default route added last, over more specifics, then removed.
    default_last = (
        rec(0, 0, 24, v4(192, 168, 1, 0), 1)
        + rec(0, 1, 64, db8 + [0, 0, 0, 1], 2)
        + rec(0, 0, 0, v4(0, 0, 0, 0), 3)
        + rec(0, 1, 0, [], 4)
        + rec(7, 0, 0, v4(192, 168, 1, 7), 0)
        + rec(3, 0, 0, v4(0, 0, 0, 0), 0)
        + rec(3, 1, 0, [], 0)
    )
    return {"v4_nested": nested4, "v6_nested": nested6, "default_last": default_last}


def seeds_encap_decap():
    """Mode byte (even: decap of bytes, odd: round trip), see fuzz_targets/encap_decap.rs."""
    inner = bytes(Ether(src=M1, dst=M2) / IP(src="10.0.0.1", dst="10.0.0.2", tos=0x02)
                  / TCP(sport=40000, dport=443) / b"seed")
    outer4 = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="192.0.2.1", dst="192.0.2.2")
    outer6 = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IPv6(src=V6A, dst=V6B)

    def dec(kind, flags, vni, pkt, headroom=64):
        return bytes([0, kind, flags]) + struct.pack("<I", vni) + bytes([headroom]) + bytes(pkt)

    opts = [GeneveOptions(classid=0x0102, type=0x80, data=b"\x01\x02\x03\x04")]
    seeds = {
        "decap-vxlan4": dec(0, 0x03, 5001, outer4 / UDP(sport=50000, dport=4789) / VXLAN(flags=8, vni=5001) / inner),
        "decap-vxlan6": dec(0, 0x05, 7, outer6 / UDP(sport=50000, dport=4789) / VXLAN(flags=8, vni=7) / inner),
        "decap-vxlan4-csum-ecn": dec(0, 0x01, 9, Ether(src=M1, dst=M2) / IP(dst="192.0.2.2", tos=0x03) / UDP(dport=4789)
                                     / VXLAN(flags=8, vni=9) / inner),
        "decap-vxlan-tagged": dec(0, 0x00, 1, Ether(src=M1, dst=M2) / Dot1Q(vlan=5) / IP() / UDP(dport=4789, chksum=0)
                                  / VXLAN(flags=8, vni=1) / inner),
        "decap-geneve4-opts": dec(1, 0x41, 77, outer4 / UDP(dport=6081)
                                  / GENEVE(vni=77, proto=0x6558, critical=1, options=opts) / inner),
        "decap-geneve6": dec(1, 0x00, 3, outer6 / UDP(dport=6081) / GENEVE(vni=3, proto=0x6558) / inner),
        "decap-gre4-all": dec(2, 0x01, 0xDEADBEEF, outer4 / GRE(chksum_present=1, key_present=1, seqnum_present=1,
                                                              key=0xDEADBEEF, sequence_number=7, proto=0x6558) / inner),
        "decap-gre6-key": dec(2, 0x05, 1, outer6 / GRE(key_present=1, key=1, proto=0x6558) / inner),
        "decap-ipv4-options": dec(0, 0x00, 2, Ether(src=M1, dst=M2) / IP(options=[IPOption_NOP()] * 4) / UDP(dport=4789)
                                  / VXLAN(flags=8, vni=2) / inner),
        "decap-ipv6-hbh": dec(0, 0x00, 2, Ether(src=M1, dst=M2) / IPv6() / IPv6ExtHdrHopByHop() / UDP(dport=4789)
                              / VXLAN(flags=8, vni=2) / inner),
    }

    def rt(kind, vni, v6, ttl, tos, df, csum, gopts, gre_csum, gre_seq, seed, mtu, headroom, vl, frame):
        a = Arb()
        a.b += b"\x01"
        a.u8(kind)
        a.u32(vni)
        a.boolean(v6)
        a.option(ttl, a.u8)
        a.option(tos, a.u8)
        a.u8(df)
        a.u8(csum)
        a.vec(gopts, lambda o: (a.u16(o[0]), a.u8(o[1]), a.u8(o[2])))
        a.boolean(gre_csum)
        a.boolean(gre_seq)
        a.b += struct.pack("<Q", seed)
        a.u16(mtu)
        a.u16(headroom)
        a.option(vl, lambda v: (a.boolean(v[0]), a.u16(v[1]), a.u8(v[2])))
        return bytes(a.b) + bytes(frame)

    seeds.update({
        "rt-vxlan4": rt(0, 5001, False, 64, 0, 0, 0, [], False, False, 1, 0, 128, None, inner),
        "rt-vxlan6-inherit": rt(0, 7, True, None, None, 0, 2, [], False, False, 2, 0, 200, None, inner),
        "rt-geneve-opts": rt(1, 77, False, 9, 0xB8, 2, 3, [(0x0102, 0x80, 1), (0xFFFF, 1, 0)], False, False,
                             3, 1500, 300, None, inner),
        "rt-gre-csum-seq": rt(2, 0xDEADBEEF, False, 64, None, 1, 0, [], True, True, 4, 0, 64, None, inner),
        "rt-gre6": rt(2, 1, True, 1, 0, 0, 1, [], False, True, 5, 0, 100, None, inner),
        "rt-no-headroom": rt(0, 5, False, 64, 0, 0, 0, [], False, False, 6, 0, 10, None, inner),
        "rt-too-big": rt(0, 5, False, 64, 0, 0, 0, [], False, False, 7, 60, 128, None, inner),
        "rt-vlan-qinq": rt(0, 0, False, None, None, 0, 0, [], False, False, 0, 0, 8, (True, 200, 3), inner),
        "rt-runt": rt(0, 5, False, 64, 0, 0, 0, [], False, False, 8, 0, 128, None, b"\x00" * 10),
    })
    return seeds


def seeds_icmp_errors():
    """Byte 0 bit 0: IPv6; bytes 1..5: MTU (LE); byte 5: output room / 8; then the frame."""

    def rec(v6, mtu, room, frame):
        return bytes([1 if v6 else 0]) + struct.pack("<I", mtu) + bytes([room]) + bytes(frame)

    big4 = Ether(src=M1, dst=M2) / IP(src="10.0.0.1", dst="10.0.1.1", flags="DF") / UDP(sport=1000, dport=2000)
    big6 = Ether(src=M1, dst=M2) / IPv6(src=V6A, dst=V6B) / UDP(sport=1000, dport=2000)
    return {
        "v4-df-big": rec(False, 1450, 255, big4 / (b"x" * 1472)),
        "v4-vlan": rec(False, 1400, 100, Ether(src=M1, dst=M2) / Dot1Q(vlan=9) / IP(src="10.0.0.1", dst="10.0.1.1", flags="DF")
                       / TCP() / (b"y" * 1400)),
        "v4-no-df": rec(False, 1450, 255, Ether(src=M1, dst=M2) / IP(src="10.0.0.1", dst="10.0.1.1") / UDP() / (b"x" * 1472)),
        "v4-icmp-error": rec(False, 1000, 255, Ether(src=M1, dst=M2) / IP(src="10.0.0.1", dst="10.0.1.1", flags="DF")
                             / ICMP(type=3, code=4) / (b"z" * 1100)),
        "v4-small-room": rec(False, 576, 10, big4 / (b"x" * 600)),
        "v6-big": rec(True, 1280, 255, big6 / (b"x" * 1452)),
        "v6-frag": rec(True, 1300, 255, Ether(src=M1, dst=M2) / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(offset=0, m=1)
                       / UDP() / (b"w" * 1400)),
        "v6-mcast": rec(True, 1280, 255, Ether(src=M1, dst="33:33:00:00:00:01") / IPv6(src=V6A, dst="ff02::1") / UDP()
                        / (b"m" * 1300)),
    }


def seeds_dhcp_respond():
    """A control byte (policy, checksum check, in place, output room; see the target), then a
    client frame of tests/scapy/dhcp_oracle.py."""
    import sys

    sys.path.insert(0, os.path.join(HERE, "..", "tests", "scapy"))
    import dhcp_oracle

    ctls = [0x00, 0x06, 0x0B, 0x12, 0x1F]
    frames = sorted(dhcp_oracle.frames().items())
    return {name: bytes([ctls[i % len(ctls)]]) + bytes(p) for i, (name, p) in enumerate(frames)}


def seeds_ipam_ops():
    """`arbitrary` reads any bytes; deterministic pseudo-random inputs of a few sizes."""
    import random

    r = random.Random(1)
    return {f"seed{i}": bytes(r.randrange(256) for _ in range(64 + 32 * i)) for i in range(6)}


TARGETS = {
    "checksum": seeds_checksum,
    "classify": seeds_classify,
    "classify_structured": seeds_classify_structured,
    "encap_decap": seeds_encap_decap,
    "icmp_errors": seeds_icmp_errors,
    "dhcp_respond": seeds_dhcp_respond,
    "ipam_ops": seeds_ipam_ops,
    "packetbuf": seeds_packetbuf,
    "parse_arp": seeds_arp,
    "parse_dhcpv4": seeds_dhcpv4,
    "parse_ethernet": seeds_ethernet,
    "parse_geneve": seeds_geneve,
    "parse_gre": seeds_gre,
    "parse_icmpv4": seeds_icmpv4,
    "parse_icmpv6": seeds_icmpv6,
    "parse_ipv4": seeds_ipv4,
    "parse_ipv6": seeds_ipv6,
    "parse_tcp": seeds_tcp,
    "parse_udp": seeds_udp,
    "parse_vxlan": seeds_vxlan,
    "route_ops": seeds_route_ops,
}


def main():
    # `make_seeds.py [TARGET...]` rewrites only the named targets' seeds.
    only = set(sys.argv[1:])
    for target, make in TARGETS.items():
        if only and target not in only:
            continue
        d = os.path.join(CORPUS, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        seeds = make()
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")


if __name__ == "__main__":
    main()
