//! The inner-flow hash that picks the outer UDP source port (RFC 7348 §5, RFC 8926 §3.3) and
//! the outer IPv6 flow label (RFC 6438 §3), and the inner fields the TOS/TTL/DF "inherit"
//! policies read — all found in one short walk of the inner frame.
//!
//! # The flow key
//! The inner frame is walked through Ethernet and up to two VLAN tags. Then:
//! - IPv4 (version 4, IHL ≥ 5, 20 bytes present): `w0 = src << 32 | dst`,
//!   `w1 = proto << 32 | sport << 16 | dport`, where the ports are those of a TCP, UDP or SCTP
//!   header that starts in the frame and is not in a fragment (MF clear and offset 0; a first
//!   fragment hashes like the later ones, so a datagram's fragments stay on one port), else 0.
//! - IPv6 (version 6, 40 bytes present): `w0..w1` = source address, `w2..w3` = destination
//!   (each 8 bytes big-endian), `w4 = next_header << 32 | sport << 16 | dport`, ports as above
//!   when the first next-header is TCP, UDP or SCTP (extension headers are not walked).
//! - Anything else: `w0 = dst_mac << 16 | ethertype`, `w1 = src_mac` (MACs as 48-bit
//!   big-endian integers, the EtherType after the tags).
//!
//! # The hash
//! A keyed folded multiply, as in aHash's fallback: with `M = 0x9e3779b97f4a7c15`,
//! `F = 0xff51afd7ed558ccd` and `fold(a, b) = lo64(a·b) ^ hi64(a·b)` (128-bit product):
//! `h = seed ^ M; for w in key { h = fold(h ^ w, M) }; h = fold(h, F)`, and the 32-bit hash
//! is `hi32(h) ^ lo32(h)`. The seed is the context's (give each host its own so peers cannot
//! predict ports). Same flow and seed → same hash, so a flow keeps its port and ECMP path.
//!
//! # The port
//! `port = min + (hash · (max − min + 1)) >> 32` (Lemire's multiply-shift reduction, as
//! Linux's `udp_flow_src_port`, but with `max` included), by default over 49152..=65535, the
//! IANA dynamic range RFC 7348 §5 recommends.

/// Golden-ratio multiplier.
const M: u64 = 0x9e37_79b9_7f4a_7c15;
/// MurmurHash3 finalizer constant, used for the last fold.
const F: u64 = 0xff51_afd7_ed55_8ccd;

/// Default lowest source port: the IANA dynamic range (RFC 6335 §6, RFC 7348 §5).
pub const PORT_MIN: u16 = 49152;
/// Default highest source port.
pub const PORT_MAX: u16 = 65535;

const ETH_LEN: usize = 14;
const IPV4_LEN: usize = 20;
const IPV6_LEN: usize = 40;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_SCTP: u8 = 132;

#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The keyed hash of a sequence of 64-bit key words (see the module doc).
#[inline(always)]
pub fn hash_words(seed: u64, words: &[u64]) -> u32 {
    let mut h = seed ^ M;
    for w in words {
        h = fold(h ^ w, M);
    }
    let h = fold(h, F);
    ((h >> 32) as u32) ^ (h as u32)
}

/// Maps a 32-bit hash onto `min..=max` (multiply-shift; `min > max` gives `min`).
#[inline(always)]
pub fn port_from_hash(hash: u32, min: u16, max: u16) -> u16 {
    let span = u64::from(max.saturating_sub(min)) + 1;
    // (hash * span) >> 32 < span <= 65536, and min + that <= max.
    min.wrapping_add(((u64::from(hash) * span) >> 32) as u16)
}

/// What encap needs to know about the inner frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InnerFlow {
    /// The flow hash (see the module doc).
    pub hash: u32,
    /// 4 or 6 when the frame carries IPv4/IPv6 (after up to two VLAN tags), else 0.
    pub ip_version: u8,
    /// IPv4 TOS or IPv6 traffic class (0 when not IP).
    pub tos: u8,
    /// IPv4 TTL or IPv6 hop limit (0 when not IP).
    pub ttl: u8,
    /// IPv4 DF; true for IPv6, which routers never fragment (RFC 8200 §5); false when not IP.
    pub df: bool,
}

#[inline(always)]
fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(w) => u16::from_be_bytes([w[0], w[1]]),
        None => 0,
    }
}

#[inline(always)]
fn be64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    w[..n].copy_from_slice(&b[..n]);
    u64::from_be_bytes(w)
}

/// Source and destination port of a TCP/UDP/SCTP header at `l4`, as `sport << 16 | dport`,
/// or 0 for other protocols or when the 4 bytes are not there.
#[inline(always)]
fn ports(proto: u8, l4: &[u8]) -> u64 {
    if !matches!(proto, PROTO_TCP | PROTO_UDP | PROTO_SCTP) {
        return 0;
    }
    match l4.get(..4) {
        Some(p) => u64::from(u32::from_be_bytes([p[0], p[1], p[2], p[3]])),
        None => 0,
    }
}

/// Walks the inner Ethernet frame and hashes its flow with `seed`. Total: any byte string
/// gives a value (a frame shorter than 14 bytes hashes what it has as the L2 key).
#[inline]
pub fn inner_flow(frame: &[u8], seed: u64) -> InnerFlow {
    let mut et = be16(frame, 12);
    let mut l3 = ETH_LEN;
    // Up to two tags (802.1ad + 802.1Q), as the wire parsers walk.
    for _ in 0..2 {
        if crate::wire::vlan::is_tpid(et) {
            et = be16(frame, l3 + 2);
            l3 += 4;
        }
    }
    let ip = frame.get(l3..).unwrap_or(&[]);
    if et == crate::wire::ethertype::IPV4 && ip.len() >= IPV4_LEN && ip[0] >> 4 == 4 {
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        if ihl >= IPV4_LEN {
            let proto = ip[9];
            let frag = u16::from_be_bytes([ip[6], ip[7]]);
            let unfragmented = frag & 0x3fff == 0;
            let p = if unfragmented {
                ports(proto, ip.get(ihl..).unwrap_or(&[]))
            } else {
                0
            };
            let addrs = u64::from(u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]])) << 32
                | u64::from(u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]));
            return InnerFlow {
                hash: hash_words(seed, &[addrs, u64::from(proto) << 32 | p]),
                ip_version: 4,
                tos: ip[1],
                ttl: ip[8],
                df: frag & 0x4000 != 0,
            };
        }
    }
    if et == crate::wire::ethertype::IPV6 && ip.len() >= IPV6_LEN && ip[0] >> 4 == 6 {
        let nh = ip[6];
        let p = ports(nh, &ip[IPV6_LEN..]);
        let words = [
            be64(&ip[8..16]),
            be64(&ip[16..24]),
            be64(&ip[24..32]),
            be64(&ip[32..40]),
            u64::from(nh) << 32 | p,
        ];
        return InnerFlow {
            hash: hash_words(seed, &words),
            ip_version: 6,
            tos: (ip[0] << 4) | (ip[1] >> 4),
            ttl: ip[7],
            df: true,
        };
    }
    let dst = be64(frame.get(..6).unwrap_or(frame)) >> 16;
    let src = be64(frame.get(6..12).unwrap_or(&[])) >> 16;
    InnerFlow {
        hash: hash_words(seed, &[dst << 16 | u64::from(et), src]),
        ..InnerFlow::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Expected values computed independently in Python from the module doc:
    //   M=0x9e3779b97f4a7c15; F=0xff51afd7ed558ccd; m64=(1<<64)-1
    //   fold=lambda a,b: ((a*b)&m64) ^ ((a*b)>>64)
    //   def h(seed, ws):
    //     x = seed ^ M
    //     for w in ws: x = fold(x ^ w, M)
    //     x = fold(x, F); return (x >> 32) ^ (x & 0xffffffff)
    //   port = lambda h, lo=49152, hi=65535: lo + ((h * (hi - lo + 1)) >> 32)
    #[test]
    fn python_reference_values() {
        // h(0, []) and h(0x1234, [1, 2]).
        assert_eq!(hash_words(0, &[]), 0x5537_6ed7);
        assert_eq!(hash_words(0x1234, &[1, 2]), 0x6605_9f4b);
        assert_eq!(port_from_hash(0, PORT_MIN, PORT_MAX), 49152);
        assert_eq!(port_from_hash(u32::MAX, PORT_MIN, PORT_MAX), 65535);
        assert_eq!(port_from_hash(0x8000_0000, PORT_MIN, PORT_MAX), 57344);
        assert_eq!(port_from_hash(7, 100, 50), 100);
    }

    // scapy: Ether(dst='fa:16:3e:00:00:02', src='fa:16:3e:00:00:01')/Dot1Q(vlan=5)
    //   /IP(src='10.0.0.1', dst='10.0.0.2', tos=0xb9, ttl=33, flags='DF')/TCP(sport=40000, dport=443)
    const TCP_TAGGED: &str = "fa163e000002fa163e00000181000005080045b9002800014000210645140a0000010a0000029c4001bb000000000000000050022000dde40000";

    #[test]
    fn ipv4_tcp_behind_a_tag() {
        let f = hex(TCP_TAGGED);
        let flow = inner_flow(&f, 0x1234);
        // Python: h(0x1234, [0x0a0000010a000002, (6 << 32) | (40000 << 16) | 443])
        assert_eq!(flow.hash, 0xa33a_6c99);
        assert_eq!(
            (flow.ip_version, flow.tos, flow.ttl, flow.df),
            (4, 0xb9, 33, true)
        );
        assert_eq!(port_from_hash(flow.hash, PORT_MIN, PORT_MAX), 59598);
    }

    #[test]
    fn fragments_and_non_ip() {
        let mut f = hex(TCP_TAGGED);
        f[24] = 0x20; // MF: first fragment, ports not hashed
        let flow = inner_flow(&f, 0x1234);
        assert_eq!(
            flow.hash,
            hash_words(0x1234, &[0x0a00_0001_0a00_0002, 6 << 32])
        );
        assert!(!flow.df);
        // ARP frame: L2 key.
        let mut arp = std::vec![0u8; 42];
        arp[..6].copy_from_slice(&[0xff; 6]);
        arp[6..12].copy_from_slice(&[0xfa, 0x16, 0x3e, 0, 0, 1]);
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        let flow = inner_flow(&arp, 9);
        assert_eq!(flow.ip_version, 0);
        assert_eq!(
            flow.hash,
            hash_words(9, &[0xffff_ffff_ffff_0806, 0xfa16_3e00_0001])
        );
    }

    proptest! {
        #[test]
        fn total_and_in_range(frame in proptest::collection::vec(any::<u8>(), 0..100), seed in any::<u64>(), lo in any::<u16>(), hi in any::<u16>()) {
            let f = inner_flow(&frame, seed);
            prop_assert_eq!(f, inner_flow(&frame, seed));
            let p = port_from_hash(f.hash, lo, hi);
            if lo <= hi { prop_assert!(lo <= p && p <= hi) } else { prop_assert_eq!(p, lo) }
        }
    }
}
