#!/usr/bin/env python3
"""The independent oracle for `examples/dissect.rs`: decodes examples/data/sample.pcap with scapy
and writes tests/data/sample.expected.jsonl, one JSON object per packet with the keys the example
prints, computed from scapy's dissection only (nothing from neutrino).

Keys, in layer groups (a frame's groups come in this order):
  eth    : eth_src, eth_dst                        (the Ethernet header)
  vlan   : vlan (VIDs, outer first; omitted if none), ethertype (after the tags)
  ip     : ip_src, ip_dst (RFC 5952 text), ip_proto (IPv6: after the extension headers)
  l4     : l4_src, l4_dst                          (TCP and UDP only; not for later fragments)
  tunnel : tunnel {"type", "id"}, inner {same keys for the inner frame}
The inner frame of an L3 tunnel (GRE/GENEVE protocol type other than 0x6558) has no eth group;
its `ethertype` is the tunnel's protocol type.

Tunnel rules are the classifier's contract, applied here explicitly rather than through scapy's
port bindings (which also match e.g. UDP source port 4789): UDP destination port 4789 is VXLAN,
6081 is GENEVE, IP protocol 47 is GRE (id = key, 0 without one); one level only; not inside a
fragment.

Malformed packets: examples/data/sample.manifest.json records, for each packet the generator broke
on purpose, the layer it broke (`WireError`'s layer name) and whether that is in the inner frame.
For those, the object keeps only the groups before the broken layer's group and gets
`"error": "<layer>"`; the test then requires the example's `error` to start with "<layer>:".

Usage: python3 scripts/expected_from_scapy.py   (after scripts/make_sample_pcap.py)
"""

import ipaddress
import json
import os

from scapy.all import (
    GRE,
    IP,
    TCP,
    UDP,
    VXLAN,
    Dot1AD,
    Dot1Q,
    Ether,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    PcapReader,
)
from scapy.contrib.geneve import GENEVE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PCAP = os.path.join(ROOT, "examples", "data", "sample.pcap")
MANIFEST = os.path.join(ROOT, "examples", "data", "sample.manifest.json")
OUT = os.path.join(ROOT, "tests", "data", "sample.expected.jsonl")

VXLAN_PORT = 4789
GENEVE_PORT = 6081
TEB = 0x6558

# Which key group a broken layer (WireError layer name) takes away with it.
LAYER_GROUP = {
    "ethernet": "eth",
    "vlan": "vlan",
    "arp": "ip",
    "ipv4": "ip",
    "ipv6": "ip",
    "ipv6-ext": "ip",
    "icmpv4": "l4",
    "icmpv6": "l4",
    "tcp": "l4",
    "udp": "l4",
    "vxlan": "tunnel",
    "geneve": "tunnel",
    "gre": "tunnel",
}
GROUPS = ["eth", "vlan", "ip", "l4", "tunnel"]

IPV6_EXT = (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrRouting, IPv6ExtHdrFragment)


def mac(s):
    return s.lower()


def ip_text(s):
    return str(ipaddress.ip_address(s))  # Python's formatting follows RFC 5952


class Stop(Exception):
    """The broken group was reached: nothing from here on is emitted."""


def frame(raw, l3_proto, stop_group, out):
    """Decodes one frame (an Ethernet frame if l3_proto is None, else an L3 packet of that
    EtherType) into `out`; returns the tunnel continuation (kind, id, inner bytes, inner proto)
    or None. Raises Stop when reaching `stop_group`."""

    def group(name):
        if name == stop_group:
            raise Stop()

    if l3_proto is None:
        group("eth")
        eth = Ether(raw)
        out["eth_src"] = mac(eth.src)
        out["eth_dst"] = mac(eth.dst)
        group("vlan")
        vids = []
        et = eth.type
        p = eth.payload
        while isinstance(p, (Dot1Q, Dot1AD)):
            vids.append(p.vlan)
            et = p.type
            p = p.payload
        if vids:
            out["vlan"] = vids
        out["ethertype"] = et
        l3 = p
    else:
        group("vlan")
        out["ethertype"] = l3_proto
        l3 = {0x0800: IP, 0x86DD: IPv6}[l3_proto](raw) if l3_proto in (0x0800, 0x86DD) else None

    group("ip")
    if isinstance(l3, IP):
        out["ip_src"] = ip_text(l3.src)
        out["ip_dst"] = ip_text(l3.dst)
        out["ip_proto"] = l3.proto
        # The IP payload bounded by the total length (scapy moves Ethernet padding aside).
        ip_bytes = bytes(l3)
        payload = ip_bytes[l3.ihl * 4 : l3.len]
        later_fragment = l3.frag != 0
        fragment = later_fragment or bool(l3.flags.MF)
        l4 = l3.payload
        proto = l3.proto
    elif isinstance(l3, IPv6):
        out["ip_src"] = ip_text(l3.src)
        out["ip_dst"] = ip_text(l3.dst)
        proto = l3.nh
        l4 = l3.payload
        fragment = later_fragment = False
        while isinstance(l4, IPV6_EXT):
            proto = l4.nh
            if isinstance(l4, IPv6ExtHdrFragment):
                fragment = True
                later_fragment = l4.offset != 0
            if later_fragment:
                break
            l4 = l4.payload
        out["ip_proto"] = proto
        payload = bytes(l4)[: len(bytes(l4)) - len(_padding(l3))]
    else:
        return None  # ARP and other EtherTypes: nothing more to print

    group("l4")
    if later_fragment:
        return None
    if proto in (6, 17):
        assert isinstance(l4, (TCP, UDP)), l4.summary()
        out["l4_src"] = l4.sport
        out["l4_dst"] = l4.dport
    if fragment:
        return None
    if proto == 17 and l4.dport in (VXLAN_PORT, GENEVE_PORT):
        udp_payload = payload[8 : l4.len]
        group("tunnel")
        if l4.dport == VXLAN_PORT:
            vx = VXLAN(udp_payload)
            return ("vxlan", vx.vni, udp_payload[8:], None)
        gn = GENEVE(udp_payload)
        hl = 8 + gn.optionlen * 4
        assert hl <= len(udp_payload)
        return ("geneve", gn.vni, udp_payload[hl:], None if gn.proto == TEB else gn.proto)
    if proto == 47:
        group("tunnel")
        gre = GRE(payload)
        hl = 4 + 4 * (gre.chksum_present or gre.routing_present) + 4 * gre.key_present + 4 * gre.seqnum_present
        assert not gre.routing_present
        key = gre.key if gre.key_present else 0
        return ("gre", key, payload[hl:], None if gre.proto == TEB else gre.proto)
    return None


def _padding(pkt):
    from scapy.packet import Padding

    pad = pkt.getlayer(Padding)
    return bytes(pad.load) if pad is not None else b""


def expected(n, raw, broken):
    out = {"n": n}
    stop_outer = stop_inner = None
    if broken:
        group = LAYER_GROUP[broken["layer"]]
        if broken["inner"]:
            stop_inner = group
        else:
            stop_outer = group
    try:
        tunnel = frame(raw, None, stop_outer, out)
        if tunnel is not None:
            kind, ident, inner_raw, inner_proto = tunnel
            out["tunnel"] = {"type": kind, "id": ident}
            inner = {}
            try:
                frame(inner_raw, inner_proto, stop_inner, inner)
            finally:
                if inner:
                    out["inner"] = inner
    except Stop:
        pass
    if broken:
        out["error"] = broken["layer"]
    return out


def main():
    with open(MANIFEST) as f:
        manifest = {p["n"]: p for p in json.load(f)["packets"]}
    lines = []
    with PcapReader(PCAP) as r:
        for i, pkt in enumerate(r):
            n = i + 1
            broken = manifest[n].get("broken")
            lines.append(json.dumps(expected(n, bytes(pkt), broken), separators=(",", ":")))
    assert len(lines) == len(manifest), (len(lines), len(manifest))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} lines to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
