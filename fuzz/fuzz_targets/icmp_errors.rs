//! The MTU errors a datapath generates for an oversized frame ([`neutrino::encap::icmp`]: ICMPv4
//! fragmentation needed, ICMPv6 packet too big) on arbitrary frames.
//!
//! Input: byte 0 bit 0 picks the family; bytes 1..5 the MTU (little-endian; `as u16` for IPv4);
//! byte 5 the output room (`× 8` bytes); the rest is the offending frame. Asserts: no panic; a
//! refused call leaves the output untouched; on success the written length fits the room and the
//! frame is re-read by the classifier with checksum verification: addressed back to the frame's
//! sender (Ethernet and IP), from the router's addresses, with the frame's VLAN tags, the right
//! ICMP type and code, the reported MTU, within the RFC size bound (576 bytes of IPv4 datagram, RFC
//! 1812 §4.3.2.3; 1280 bytes of IPv6 packet, RFC 4443 §2.4(c)), quoting a prefix of the offending
//! IP packet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use neutrino::encap::icmp::{frag_needed, packet_too_big};
use neutrino::wire::{classify, ClassifyOpts, MacAddr};

const GW_MAC: MacAddr = MacAddr([0xfa, 0x16, 0x3e, 0, 0, 0xfe]);
const GW_V4: [u8; 4] = [10, 0, 0, 254];
const GW_V6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe,
];

fuzz_target!(|data: &[u8]| {
    let Some((hdr, frame)) = data.split_first_chunk::<6>() else {
        return;
    };
    let v6 = hdr[0] & 1 == 1;
    let mtu = u32::from_le_bytes([hdr[1], hdr[2], hdr[3], hdr[4]]);
    let mut out = vec![0xa5u8; usize::from(hdr[5]) * 8];
    let res = if v6 {
        packet_too_big(frame, mtu, GW_MAC, GW_V6, &mut out)
    } else {
        frag_needed(frame, mtu as u16, GW_MAC, GW_V4, &mut out)
    };
    let Ok(n) = res else {
        assert!(
            out.iter().all(|b| *b == 0xa5),
            "a refused call wrote into the output"
        );
        return;
    };
    assert!(n <= out.len());
    let opts = ClassifyOpts {
        tunnels: false,
        verify_checksums: true,
        ..ClassifyOpts::DEFAULT
    };
    let err = classify(&out[..n], &opts).expect("the generated error does not re-parse");
    let e = &err.outer;
    // The offending frame, read by hand (the generator needs a valid IP header, not a valid
    // upper layer, so the classifier is no oracle for it): MACs, up to two VLAN tags, IP.
    let mut at = 12;
    let mut vids = Vec::new();
    while matches!(
        frame[at..at + 2],
        [0x81, 0x00] | [0x88, 0xa8] | [0x91, 0x00]
    ) {
        vids.push(u16::from_be_bytes([frame[at + 2], frame[at + 3]]) & 0x0fff);
        at += 4;
    }
    let orig_ip = &frame[at + 2..];
    assert_eq!(e.eth_dst.0, frame[6..12]);
    assert_eq!(e.eth_src, GW_MAC);
    assert_eq!(e.vlan.vids().collect::<Vec<_>>(), vids);
    if v6 {
        assert_eq!(e.dst_ip, orig_ip[8..24]);
    } else {
        assert_eq!(e.dst_ip[..4], orig_ip[12..16]);
    }
    let l3 = usize::from(e.l3_off);
    let l4 = usize::from(e.l4_off);
    let icmp = &out[l4..n];
    // The quote starts after the 8-byte ICMP header and is the start of the offending packet.
    let quoted = &icmp[8..];
    assert!(
        orig_ip.starts_with(quoted),
        "quote is not a prefix of the packet"
    );
    if v6 {
        assert_eq!(e.src_ip, GW_V6);
        assert_eq!((e.ip_proto, e.icmp_type, e.icmp_code), (58, 2, 0));
        assert_eq!(
            u32::from_be_bytes([icmp[4], icmp[5], icmp[6], icmp[7]]),
            mtu
        );
        assert!(
            n - l3 <= 1280,
            "packet too big exceeds the IPv6 minimum MTU"
        );
    } else {
        assert_eq!(e.src_ip[..4], GW_V4);
        assert_eq!((e.ip_proto, e.icmp_type, e.icmp_code), (1, 3, 4));
        assert_eq!(u16::from_be_bytes([icmp[6], icmp[7]]), mtu as u16);
        assert!(n - l3 <= 576, "fragmentation needed exceeds 576 bytes");
        // RFC 1812 §4.3.2.3: at least the IP header and 8 bytes of data, when there are.
        let ihl = usize::from(orig_ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([orig_ip[2], orig_ip[3]]));
        assert!(quoted.len() >= (ihl + 8).min(total));
    }
});
