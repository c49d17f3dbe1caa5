#!/usr/bin/env python3
"""Writes the seed corpora of the L2 fuzz targets: fuzz/corpus/{l2_responder,port_security,fdb_ops}.

Run from anywhere: `python3 fuzz/make_seeds_l2.py` (scapy 2.8). Files this script did not write
are removed from these three directories (libFuzzer's corpus growth belongs in a scratch
directory). `l2_responder` takes one tailroom byte then a frame: scapy-built ARP requests and
Neighbor Solicitations (plain, VLAN, QinQ, with a nonce option, DAD, gratuitous). The
`arbitrary`-driven targets get byte strings that decode to short, varied programs.
"""

import os
import random
import shutil

from scapy.all import ARP, IPv6, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6NDOptSrcLLAddr, IP, UDP, Dot1Q, Ether, Raw

HERE = os.path.dirname(os.path.abspath(__file__))
A = "aa:bb:cc:dd:ee:01"


def frames():
    ns = IPv6(src="2001:db8::1", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::2") / ICMPv6NDOptSrcLLAddr(lladdr=A)
    return {
        "arp_req": Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=A, psrc="10.0.0.1", pdst="10.0.0.2"),
        "arp_vlan": Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=100) / ARP(op=1, hwsrc=A, psrc="10.0.0.1", pdst="10.0.0.2"),
        "arp_garp": Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=A, psrc="10.0.0.2", pdst="10.0.0.2"),
        "arp_probe": Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=A, psrc="0.0.0.0", pdst="10.0.0.2"),
        "ns": Ether(src=A, dst="33:33:ff:00:00:02") / ns,
        "ns_qinq": Ether(src=A, dst="33:33:ff:00:00:02", type=0x88A8) / Dot1Q(vlan=10, type=0x8100) / Dot1Q(vlan=20) / ns,
        "ns_nonce": Ether(src=A, dst="33:33:ff:00:00:02") / (ns / Raw(load=bytes([14, 1, 1, 2, 3, 4, 5, 6]))),
        "ns_unicast": Ether(src=A, dst="fa:16:3e:00:00:02") / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::2"),
        "ns_dad": Ether(src=A, dst="33:33:ff:00:00:02") / IPv6(src="::", dst="ff02::1:ff00:2", hlim=255) / ICMPv6ND_NS(tgt="2001:db8::2"),
        "na": Ether(src=A, dst="33:33:00:00:00:01") / IPv6(src="2001:db8::1", dst="ff02::1", hlim=255) / ICMPv6ND_NA(tgt="2001:db8::1"),
        "ra": Ether(src=A, dst="33:33:00:00:00:01") / IPv6(src="fe80::1", dst="ff02::1", hlim=255) / ICMPv6ND_RA(),
        "udp4": Ether(src=A, dst="fa:16:3e:00:00:02") / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=68, dport=67),
    }


def write(target, files):
    d = os.path.join(HERE, "corpus", target)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main():
    fr = {k: bytes(v) for k, v in frames().items()}
    write("l2_responder", {k: bytes([8]) + v for k, v in fr.items()})
    rnd = random.Random(6)
    write("fdb_ops", {f"ops{i}": bytes(rnd.getrandbits(8) for _ in range(40 + 40 * i)) for i in range(6)})
    # port_security: mac, a few arbitrary config bytes, then (as the rest) a frame; arbitrary
    # takes the last field's Vec from what remains.
    ps = {}
    for k, v in fr.items():
        cfg = bytes([0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33, 1, 0, 10, 0, 0, 1] + [0] * 12 + [0, 0])
        ps[k] = cfg + v
    write("port_security", ps)


if __name__ == "__main__":
    main()
