#!/usr/bin/env python3
"""Reference packets for src/encap/tests.rs, built with scapy 2.8 (an oracle independent of
neutrino). The outer UDP source port and IPv6 flow label come from the flow hash documented in
src/encap/hash.rs, re-implemented here from that text. Prints Rust constants.

    python3 scripts/encap_vectors.py
"""
import scapy.all as S
from scapy.contrib.geneve import GENEVE, GeneveOptions

P = [0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3, 0x589965CC75374CC3,
     0x9E3779B97F4A7C15, 0xFF51AFD7ED558CCD]
M64 = (1 << 64) - 1


def fold(a, b):
    p = a * b
    return (p & M64) ^ (p >> 64)


def hash_words(seed, words):
    x = len(words)
    words = words + [0] * (len(words) % 2)
    for i in range(0, len(words), 2):
        x ^= fold(words[i] ^ P[i] ^ seed, words[i + 1] ^ P[i + 1])
    x = fold(x ^ P[0], seed ^ P[1])
    return (x >> 32) ^ (x & 0xFFFFFFFF)


def port(h, lo=49152, hi=65535):
    return lo + ((h * (hi - lo + 1)) >> 32)


def be(b):
    return int.from_bytes(bytes(b), "big")


def flow_hash(frame, seed):
    """The flow key of src/encap/hash.rs, from scapy's dissection of the inner frame."""
    f = S.Ether(frame)
    ip = f.getlayer(S.IP)
    ip6 = f.getlayer(S.IPv6)
    if ip is not None:
        ports = 0
        if ip.flags.MF == 0 and ip.frag == 0 and ip.proto in (6, 17, 132):
            l4 = bytes(ip.payload)
            ports = be(l4[:4])
        w0 = (be(S.inet_aton(ip.src)) << 32) | be(S.inet_aton(ip.dst))
        return hash_words(seed, [w0, (ip.proto << 32) | ports])
    if ip6 is not None:
        s = S.inet_pton(S.socket.AF_INET6, ip6.src)
        d = S.inet_pton(S.socket.AF_INET6, ip6.dst)
        ports = 0
        if ip6.nh in (6, 17, 132):
            ports = be(bytes(ip6.payload)[:4])
        return hash_words(seed, [be(s[:8]), be(s[8:]), be(d[:8]), be(d[8:]), (ip6.nh << 32) | ports])
    return hash_words(seed, [(be(frame[:6]) << 16) | be(frame[12:14]), be(frame[6:12])])


L_MAC, R_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
L4, R4 = "192.0.2.1", "192.0.2.2"
L6, R6 = "2001:db8::1", "2001:db8::2"
SEED = 0x1234

INNER_TCP4 = bytes(
    S.Ether(dst="fa:16:3e:00:00:02", src="fa:16:3e:00:00:01")
    / S.IP(src="10.0.0.1", dst="10.0.0.2", tos=0xB9, ttl=33, flags="DF", id=7)
    / S.TCP(sport=40000, dport=443, flags="PA", seq=1, ack=1)
    / b"neutrino!"
)
INNER_UDP6 = bytes(
    S.Ether(dst="fa:16:3e:00:00:02", src="fa:16:3e:00:00:01")
    / S.Dot1Q(vlan=7)
    / S.IPv6(src="fd00::1", dst="fd00::2", tc=0x2B, hlim=17)
    / S.UDP(sport=5353, dport=53)
    / b"hello"
)
INNER_ARP = bytes(
    S.Ether(dst="ff:ff:ff:ff:ff:ff", src="fa:16:3e:00:00:01")
    / S.ARP(op=1, hwsrc="fa:16:3e:00:00:01", psrc="10.0.0.1", pdst="10.0.0.2")
)


def show(name, expr, pkt):
    print(f"// {expr}")
    print(f'const {name}: &str = "{bytes(pkt).hex()}";')


def vxlan4():
    h = flow_hash(INNER_TCP4, SEED)
    # tos: fixed 0, ECN copied from the inner 0xb9 -> ECT(1) = 1.
    p = (S.Ether(dst=R_MAC, src=L_MAC) / S.IP(src=L4, dst=R4, ttl=64, tos=0x01, flags="DF", id=0)
         / S.UDP(sport=port(h), dport=4789, chksum=0) / S.VXLAN(vni=5001, flags=0x08) / INNER_TCP4)
    show("VXLAN4", f"VXLAN over IPv4, UDP checksum 0, sport {port(h)}", p)


def vxlan6():
    h = flow_hash(INNER_UDP6, SEED)
    # tos inherit: inner tc 0x2b -> DSCP 0x28 | ECN ECT(1)... ECN 3 (CE) -> ECT(0)=2 -> 0x2a
    p = (S.Ether(dst=R_MAC, src=L_MAC)
         / S.IPv6(src=L6, dst=R6, hlim=17, tc=0x2A, fl=h & 0xFFFFF)
         / S.UDP(sport=port(h), dport=4789) / S.VXLAN(vni=0xABCDEF, flags=0x08) / INNER_UDP6)
    show("VXLAN6", f"VXLAN over IPv6, tos/ttl inherit, full UDP checksum, sport {port(h)} fl {h & 0xfffff:#x}", p)


def geneve4():
    h = flow_hash(INNER_ARP, SEED)
    opts = [GeneveOptions(classid=0x0102, type=0x80, data=b"\x01\x02\x03\x04"),
            GeneveOptions(classid=0xFFFF, type=0x03, data=b"")]
    p = (S.Ether(dst=R_MAC, src=L_MAC) / S.IP(src=L4, dst=R4, ttl=64, tos=0, flags=0, id=0x4242)
         / S.UDP(sport=port(h), dport=6081)
         / GENEVE(vni=77, proto=0x6558, critical=1, optionlen=3, options=opts) / INNER_ARP)
    show("GENEVE4", f"GENEVE over IPv4 with options, DF inherit (ARP: clear), id 0x4242, full UDP checksum, sport {port(h)}", p)


def gre4():
    p = (S.Ether(dst=R_MAC, src=L_MAC) / S.IP(src=L4, dst=R4, ttl=9, tos=0xB9, flags=0, id=0x0100, proto=47)
         / S.GRE(chksum_present=1, key_present=1, seqnum_present=1, key=0xDEADBEEF,
                 sequence_number=7, proto=0x6558) / INNER_TCP4)
    show("GRE4", "GRE over IPv4, key, checksum, sequence 7, tos fixed 0xb8 (+ECT(1) -> 0xb9), ttl 9, DF unset, id 0x100", p)


def gre6():
    h = flow_hash(INNER_TCP4, SEED)
    p = (S.Ether(dst=R_MAC, src=L_MAC) / S.IPv6(src=L6, dst=R6, hlim=64, tc=0x01, fl=h & 0xFFFFF, nh=47)
         / S.GRE(key_present=1, key=1, proto=0x6558) / INNER_TCP4)
    show("GRE6", f"GRE over IPv6, key 1, fl {h & 0xfffff:#x}", p)


show("INNER_TCP4", "Ether/IP(tos=0xb9, ttl=33, DF, id=7)/TCP(40000->443, PA)/b'neutrino!'", INNER_TCP4)
show("INNER_UDP6", "Ether/Dot1Q(vlan=7)/IPv6(fd00::1->fd00::2, tc=0x2b, hlim=17)/UDP(5353->53)/b'hello'", INNER_UDP6)
show("INNER_ARP", "Ether(broadcast)/ARP who-has 10.0.0.2", INNER_ARP)
vxlan4()
vxlan6()
geneve4()
gre4()
gre6()
