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
//! Keyed folded multiplies in the style of wyhash, pairs of words in parallel so the latency is
//! two multiplies whatever the key length: with `fold(a, b) = lo64(a·b) ^ hi64(a·b)` (128-bit
//! product), the key padded with a zero word to an even count, `P` the six constants below and
//! `n` the number of key words,
//! `h = n; for each pair i: h ^= fold(w[2i] ^ P[2i] ^ seed, w[2i+1] ^ P[2i+1]);
//! h = fold(h ^ P[0], seed ^ P[1])`, and the 32-bit hash is `hi32(h) ^ lo32(h)`. The seed is
//! the context's (give each host its own so peers cannot predict ports). Same flow and seed →
//! same hash, so a flow keeps its port and ECMP path.
//!
//! # The port
//! `port = min + (hash · (max − min + 1)) >> 32` (Lemire's multiply-shift reduction, as
//! Linux's `udp_flow_src_port`, but with `max` included), by default over 49152..=65535, the
//! IANA dynamic range RFC 7348 §5 recommends.

/// Per-position constants (wyhash's secrets, then the golden ratio and MurmurHash3's
/// finalizer constant).
pub const P: [u64; 6] = [
    0xa076_1d64_78bd_642f,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
    0x5899_65cc_7537_4cc3,
    0x9e37_79b9_7f4a_7c15,
    0xff51_afd7_ed55_8ccd,
];

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

/// The keyed hash of up to six 64-bit key words (see the module doc); words beyond six are
/// ignored. A fixed-size array so the pairs unroll.
#[inline(always)]
pub fn hash_words<const N: usize>(seed: u64, words: &[u64; N]) -> u32 {
    let mut h = N.min(6) as u64;
    let mut i = 0;
    while i < N && i < 6 {
        let b = if i + 1 < N { words[i + 1] } else { 0 };
        h ^= fold(words[i] ^ P[i] ^ seed, b ^ P[i + 1]);
        i += 2;
    }
    let h = fold(h ^ P[0], seed ^ P[1]);
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
fn be32(b: &[u8; 4]) -> u32 {
    u32::from_be_bytes(*b)
}

/// Source and destination port of a TCP/UDP/SCTP header at the start of `l4`, as
/// `sport << 16 | dport`, or 0 for other protocols or when the 4 bytes are not there.
#[inline(always)]
fn ports(proto: u8, l4: &[u8]) -> u64 {
    if !matches!(proto, PROTO_TCP | PROTO_UDP | PROTO_SCTP) {
        return 0;
    }
    l4.first_chunk::<4>().map_or(0, |p| u64::from(be32(p)))
}

/// Walks the inner Ethernet frame and hashes its flow with `seed`. Total: any byte string
/// gives a value (a frame shorter than 14 bytes hashes what it has as the L2 key).
#[inline(always)]
pub fn inner_flow(frame: &[u8], seed: u64) -> InnerFlow {
    let mut et = be16(frame, 12);
    let mut l3 = ETH_LEN;
    // Up to two tags (802.1ad + 802.1Q), as the wire parsers walk.
    if et >= crate::wire::ethertype::VLAN {
        for _ in 0..2 {
            if crate::wire::vlan::is_tpid(et) {
                et = be16(frame, l3 + 2);
                l3 += 4;
            }
        }
    }
    let ip = frame.get(l3..).unwrap_or(&[]);
    if et == crate::wire::ethertype::IPV4 {
        if let Some(h) = ip.first_chunk::<IPV4_LEN>() {
            let ihl = usize::from(h[0] & 0x0f) * 4;
            if h[0] >> 4 == 4 && ihl >= IPV4_LEN {
                let proto = h[9];
                let frag = u16::from_be_bytes([h[6], h[7]]);
                let p = if frag & 0x3fff == 0 {
                    ports(proto, ip.get(ihl..).unwrap_or(&[]))
                } else {
                    0
                };
                let addrs =
                    u64::from_be_bytes([h[12], h[13], h[14], h[15], h[16], h[17], h[18], h[19]]);
                return InnerFlow {
                    hash: hash_words(seed, &[addrs, u64::from(proto) << 32 | p]),
                    ip_version: 4,
                    tos: h[1],
                    ttl: h[8],
                    df: frag & 0x4000 != 0,
                };
            }
        }
    }
    if et == crate::wire::ethertype::IPV6 {
        if let Some((h, rest)) = ip.split_first_chunk::<IPV6_LEN>() {
            if h[0] >> 4 == 6 {
                let nh = h[6];
                let w = |i: usize| {
                    u64::from_be_bytes([
                        h[i],
                        h[i + 1],
                        h[i + 2],
                        h[i + 3],
                        h[i + 4],
                        h[i + 5],
                        h[i + 6],
                        h[i + 7],
                    ])
                };
                let words = [
                    w(8),
                    w(16),
                    w(24),
                    w(32),
                    u64::from(nh) << 32 | ports(nh, rest),
                ];
                return InnerFlow {
                    hash: hash_words(seed, &words),
                    ip_version: 6,
                    tos: (h[0] << 4) | (h[1] >> 4),
                    ttl: h[7],
                    df: true,
                };
            }
        }
    }
    let mut mac = [0u8; 12];
    let n = frame.len().min(12);
    mac[..n].copy_from_slice(&frame[..n]);
    let dst = u64::from_be_bytes([0, 0, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]]);
    let src = u64::from_be_bytes([0, 0, mac[6], mac[7], mac[8], mac[9], mac[10], mac[11]]);
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

    // Expected values computed independently in Python from the module doc (the same code is
    // in scripts/encap_vectors.py):
    //   P=[0xa0761d6478bd642f,0xe7037ed1a0b428db,0x8ebc6af09c88c6e3,0x589965cc75374cc3,
    //      0x9e3779b97f4a7c15,0xff51afd7ed558ccd]; m64=(1<<64)-1
    //   fold=lambda a,b: ((a*b)&m64) ^ ((a*b)>>64)
    //   def h(seed, ws):
    //     x = len(ws); ws = ws + [0] * (len(ws) % 2)
    //     for i in range(0, len(ws), 2): x ^= fold(ws[i]^P[i]^seed, ws[i+1]^P[i+1])
    //     x = fold(x ^ P[0], seed ^ P[1]); return (x >> 32) ^ (x & 0xffffffff)
    //   port = lambda h, lo=49152, hi=65535: lo + ((h * (hi - lo + 1)) >> 32)
    #[test]
    fn python_reference_values() {
        // h(0, []) and h(0x1234, [1, 2]).
        assert_eq!(hash_words(0, &[]), 0x258d_4fbe);
        assert_eq!(hash_words(0x1234, &[1, 2]), 0x4b18_6284);
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
        assert_eq!(flow.hash, 0xb162_fc85);
        assert_eq!(
            (flow.ip_version, flow.tos, flow.ttl, flow.df),
            (4, 0xb9, 33, true)
        );
        assert_eq!(port_from_hash(flow.hash, PORT_MIN, PORT_MAX), 60504);
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
