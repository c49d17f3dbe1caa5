#!/usr/bin/env python3
"""Reference frames for ffi/tests/c/test_icmp.c, built with scapy 2.8 (an oracle independent
of neutrino): an oversized IPv4 frame (VLAN 9, DF) and the ICMPv4 fragmentation-needed reply a
router 10.0.0.254 / fa:16:3e:00:00:fe sends for it (RFC 1191 §4, TOS 0xc0, TTL 64, quoting the
whole 128-byte datagram); an IPv6 frame and its Packet Too Big (RFC 4443 §3.2) from fd00::fe.
Prints C arrays.

    python3 scripts/icmp_vectors.py
"""
from scapy.all import Dot1Q, Ether, ICMP, ICMPv6PacketTooBig, IP, IPv6, UDP

GW = "fa:16:3e:00:00:fe"
M1 = "fa:16:3e:00:00:01"


def c_array(name, b):
    s = f"static const uint8_t {name}[{len(b)}] = {{\n"
    for i in range(0, len(b), 12):
        s += "    " + ", ".join(f"0x{x:02x}" for x in b[i:i + 12]) + ",\n"
    return s + "};"


def main():
    off4 = Ether(bytes(Ether(dst=GW, src=M1) / Dot1Q(vlan=9)
                       / IP(src="10.0.0.1", dst="10.0.1.1", flags="DF", id=5, ttl=64)
                       / UDP(sport=1000, dport=2000) / (b"x" * 100)))
    rep4 = (Ether(dst=M1, src=GW) / Dot1Q(vlan=9)
            / IP(src="10.0.0.254", dst="10.0.0.1", tos=0xC0, ttl=64, id=0, flags=0)
            / ICMP(type=3, code=4, nexthopmtu=100) / bytes(off4[IP]))
    off6 = bytes(Ether(dst=GW, src=M1) / IPv6(src="fd00::1", dst="fd00::2", hlim=64)
                 / UDP(sport=1000, dport=2000) / (b"y" * 100))
    rep6 = (Ether(dst=M1, src=GW) / IPv6(src="fd00::fe", dst="fd00::1", hlim=64, tc=0, fl=0)
            / ICMPv6PacketTooBig(mtu=1280) / off6[14:])
    print(c_array("ICMP_OFFENDING4", bytes(off4)))
    print(c_array("ICMP_FRAG_NEEDED4", bytes(rep4)))
    print(c_array("ICMP_OFFENDING6", off6))
    print(c_array("ICMP_PTB6", bytes(rep6)))


if __name__ == "__main__":
    main()
