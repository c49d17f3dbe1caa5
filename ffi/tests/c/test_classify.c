/* test_classify.c: the C API of neutrino's classifier, exercised from C11 and C++17.
 *
 * The frames are built with scapy 2.8 and the expected values come from scapy's dissection
 * (`show2()`) and tshark 4.x (`tshark -T fields -e ...`), not from neutrino's own output.
 * Built and run by ffi/tests/c_tests.rs against the static and the shared library. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "neutrino.h"
#include "check.h"

/* The ABI layout the header promises (the Rust side asserts the same sizes). */
STATIC_CHECK(sizeof(neutrino_frame_info) == 92, "neutrino_frame_info size");
STATIC_CHECK(sizeof(neutrino_packet_info) == 196, "neutrino_packet_info size");
STATIC_CHECK(sizeof(neutrino_classify_opts) == 8, "neutrino_classify_opts size");
STATIC_CHECK(offsetof(neutrino_frame_info, src_ip) == 40, "src_ip offset");
STATIC_CHECK(offsetof(neutrino_packet_info, inner) == 104, "inner offset");
STATIC_CHECK(sizeof(neutrino_status) == 4, "neutrino_status is 32-bit");

/* Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01")
 *  / IP(src="192.0.2.1", dst="198.51.100.2", ttl=61, tos=0xb8, id=0x1234, flags="DF")
 *  / TCP(sport=12345, dport=80, flags="S", seq=1000) / Raw(b"hello") / Padding(b"\x00")
 * IP total length 45, so l3_end = 59 and the last byte is Ethernet padding. */
static const uint8_t IPV4_TCP[60] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0xb8, 0x00, 0x2d, 0x12, 0x34, 0x40, 0x00, 0x3d, 0x06,
    0x3e, 0xa8, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02, 0x30, 0x39,
    0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02,
    0x20, 0x00, 0x2b, 0x63, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
};

/* Ether(dst="33:33:00:00:00:fb", src="fa:16:3e:11:22:33") / Dot1Q(vlan=100, prio=5)
 *  / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=64, tc=0x20, fl=0x12345)
 *  / UDP(sport=5353, dport=53) / Raw(b"abcd") */
static const uint8_t VLAN_IPV6_UDP[70] = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0xfb, 0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33,
    0x81, 0x00, 0xa0, 0x64, 0x86, 0xdd, 0x62, 0x01, 0x23, 0x45, 0x00, 0x0c,
    0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0xe9,
    0x00, 0x35, 0x00, 0x0c, 0xca, 0x7c, 0x61, 0x62, 0x63, 0x64,
};

/* Ether(dst="02:00:00:00:00:0b", src="02:00:00:00:00:0a")
 *  / IP(src="10.0.0.1", dst="10.0.0.2", ttl=64, id=7) / UDP(sport=49152, dport=4789)
 *  / VXLAN(vni=5001, flags=0x08)
 *  / Ether(dst="fa:16:3e:00:00:02", src="fa:16:3e:00:00:01")
 *  / IP(src="172.16.0.1", dst="172.16.0.2", ttl=63, id=99)
 *  / TCP(sport=40000, dport=443, flags="PA", seq=1, ack=1) / Raw(b"x" * 10) */
static const uint8_t VXLAN_TCP[114] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x64, 0x00, 0x07, 0x00, 0x00, 0x40, 0x11,
    0x66, 0x80, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0xc0, 0x00,
    0x12, 0xb5, 0x00, 0x50, 0x67, 0x99, 0x08, 0x00, 0x00, 0x00, 0x00, 0x13,
    0x89, 0x00, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02, 0xfa, 0x16, 0x3e, 0x00,
    0x00, 0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x32, 0x00, 0x63, 0x00, 0x00,
    0x3f, 0x06, 0x23, 0x40, 0xac, 0x10, 0x00, 0x01, 0xac, 0x10, 0x00, 0x02,
    0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x50, 0x18, 0x20, 0x00, 0x3f, 0x47, 0x00, 0x00, 0x78, 0x78, 0x78, 0x78,
    0x78, 0x78, 0x78, 0x78, 0x78, 0x78,
};

/* The first 24 bytes of IPV4_TCP: Ethernet plus 10 of the 20 bytes of the IPv4 header. */
#define TRUNCATED_LEN 24

static const uint8_t MAC_02[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t MAC_01[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t IP_192_0_2_1[16] = {192, 0, 2, 1};
static const uint8_t IP_198_51_100_2[16] = {198, 51, 100, 2};
static const uint8_t IP6_DB8_1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t IP6_DB8_2[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

#define BASIC_L4 (NEUTRINO_FRAME_L2 | NEUTRINO_FRAME_L4 | NEUTRINO_FRAME_PORTS)

static void check_ipv4_tcp(const neutrino_packet_info *p) {
    const neutrino_frame_info *f = &p->outer;
    CHECK_EQ(p->error_status, NEUTRINO_OK);
    CHECK_EQ(p->error_layer, NEUTRINO_LAYER_NONE);
    CHECK_EQ(p->tunnel, NEUTRINO_TUNNEL_NONE);
    CHECK_EQ(f->flags & ~(uint32_t)(NEUTRINO_FRAME_IP_CSUM_GOOD | NEUTRINO_FRAME_L4_CSUM_GOOD),
             BASIC_L4 | NEUTRINO_FRAME_IPV4);
    CHECK_MEM(f->eth_dst, MAC_02, 6);
    CHECK_MEM(f->eth_src, MAC_01, 6);
    CHECK_EQ(f->vlan_depth, 0);
    CHECK_EQ(f->ethertype, 0x0800);
    CHECK_EQ(f->l2_off, 0);
    CHECK_EQ(f->l3_off, 14);
    CHECK_EQ(f->l4_off, 34);
    CHECK_EQ(f->payload_off, 54);
    CHECK_EQ(f->l3_end, 59); /* 14 + IP len 45; the 60th byte is padding */
    CHECK_EQ(f->l3, NEUTRINO_L3_IPV4);
    CHECK_EQ(f->ip_proto, 6);
    CHECK_MEM(f->src_ip, IP_192_0_2_1, 16);
    CHECK_MEM(f->dst_ip, IP_198_51_100_2, 16);
    CHECK_EQ(f->ttl, 61);
    CHECK_EQ(f->tos, 0xb8);
    CHECK_EQ(f->src_port, 12345);
    CHECK_EQ(f->dst_port, 80);
    CHECK_EQ(f->tcp_flags, 0x02); /* SYN (tshark tcp.flags 0x0002) */
    CHECK_EQ(f->frag_offset, 0);
    CHECK_EQ(f->reserved, 0);
}

static void test_version(void) {
    const char *v = neutrino_version();
    CHECK(v != NULL);
    if (v) {
        int dots = 0;
        for (const char *c = v; *c; c++) {
            CHECK((*c >= '0' && *c <= '9') || *c == '.');
            dots += *c == '.';
        }
        CHECK_EQ(dots, 2);
        CHECK(v[0] >= '0' && v[0] <= '9');
    }
    CHECK_EQ(neutrino_abi_version(), NEUTRINO_ABI_VERSION);
    CHECK(NEUTRINO_ABI_VERSION >= 1);
}

static void test_status_strings(void) {
    CHECK_EQ(NEUTRINO_OK, 0);
    CHECK_STR(neutrino_status_str(NEUTRINO_OK), "ok");
    CHECK_STR(neutrino_status_str(NEUTRINO_NULL_POINTER), "null pointer");
    CHECK_STR(neutrino_status_str(NEUTRINO_TRUNCATED), "truncated");
    CHECK_STR(neutrino_status_str(NEUTRINO_BAD_CHECKSUM), "bad checksum");
    CHECK_STR(neutrino_status_str(NEUTRINO_BAD_OFFSETS), "bad data offset or length");
    CHECK(neutrino_status_str(NEUTRINO_PANIC) != NULL);
    CHECK_STR(neutrino_status_str(4), "unknown");
    CHECK_STR(neutrino_status_str(0xffffffffu), "unknown");
    /* Every status has its own string. */
    const uint32_t all[] = {
        NEUTRINO_OK,          NEUTRINO_NULL_POINTER,   NEUTRINO_INVALID_ARGUMENT,
        NEUTRINO_PANIC,       NEUTRINO_TRUNCATED,      NEUTRINO_BAD_HEADER_LEN,
        NEUTRINO_BAD_LENGTH,  NEUTRINO_BAD_VERSION,    NEUTRINO_BAD_CHECKSUM,
        NEUTRINO_BAD_OPTION,  NEUTRINO_BAD_FIELD,      NEUTRINO_TOO_DEEP,
        NEUTRINO_BUFFER_TOO_SMALL, NEUTRINO_MALFORMED, NEUTRINO_NO_HEADROOM,
        NEUTRINO_NO_TAILROOM, NEUTRINO_DATA_TOO_SHORT, NEUTRINO_BAD_OFFSETS,
        NEUTRINO_BUF_ERROR,
    };
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        CHECK(strcmp(neutrino_status_str(all[i]), "unknown") != 0);
        for (size_t j = i + 1; j < n; j++)
            CHECK(strcmp(neutrino_status_str(all[i]), neutrino_status_str(all[j])) != 0);
    }
}

static void test_opts_default(void) {
    neutrino_classify_opts o;
    memset(&o, 0xa5, sizeof o);
    CHECK_EQ(neutrino_classify_opts_default(&o), NEUTRINO_OK);
    CHECK_EQ(o.flags, NEUTRINO_CLASSIFY_TUNNELS);
    CHECK_EQ(o.vxlan_port, 4789);  /* IANA, RFC 7348 section 5 */
    CHECK_EQ(o.geneve_port, 6081); /* IANA, RFC 8926 section 3.3 */
    CHECK_EQ(neutrino_classify_opts_default(NULL), NEUTRINO_NULL_POINTER);
}

static void test_null_pointers(void) {
    neutrino_packet_info info;
    memset(&info, 0xa5, sizeof info);
    /* NULL out: nothing can be written. */
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 0, sizeof IPV4_TCP, NULL, NULL),
             NEUTRINO_NULL_POINTER);
    /* NULL buffer with a length. */
    CHECK_EQ(neutrino_classify(NULL, 60, 0, 60, NULL, &info), NEUTRINO_NULL_POINTER);
    CHECK_EQ(info.error_status, NEUTRINO_NULL_POINTER);
    CHECK_EQ(info.outer.flags, 0);
    CHECK_EQ(info.tunnel, NEUTRINO_TUNNEL_NONE);
    /* NULL with length 0 is an empty packet: too short for Ethernet. */
    memset(&info, 0xa5, sizeof info);
    CHECK_EQ(neutrino_classify(NULL, 0, 0, 0, NULL, &info), NEUTRINO_TRUNCATED);
    CHECK_EQ(info.error_status, NEUTRINO_TRUNCATED);
    CHECK_EQ(info.error_layer, NEUTRINO_LAYER_ETHERNET);
}

static void test_bad_ranges(void) {
    neutrino_packet_info info;
    const uint16_t len = (uint16_t)sizeof IPV4_TCP;
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 1, len, NULL, &info),
             NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(info.error_status, NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(info.error_layer, NEUTRINO_LAYER_NONE);
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 61, 0, NULL, &info),
             NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(neutrino_classify(IPV4_TCP, 10, 0, 14, NULL, &info), NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 0xffff, 0xffff, NULL, &info),
             NEUTRINO_BAD_OFFSETS);
    /* An empty range at the very end is valid (and too short for Ethernet). */
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, len, 0, NULL, &info),
             NEUTRINO_TRUNCATED);
    /* Unknown option bits. */
    neutrino_classify_opts o;
    CHECK_EQ(neutrino_classify_opts_default(&o), NEUTRINO_OK);
    o.flags |= 0x80000000u;
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 0, len, &o, &info),
             NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(info.error_status, NEUTRINO_INVALID_ARGUMENT);
}

static void test_ipv4_tcp(void) {
    neutrino_packet_info info;
    memset(&info, 0xa5, sizeof info);
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 0, sizeof IPV4_TCP, NULL, &info),
             NEUTRINO_OK);
    check_ipv4_tcp(&info);
    CHECK_EQ(info.outer.flags & (NEUTRINO_FRAME_IP_CSUM_GOOD | NEUTRINO_FRAME_L4_CSUM_GOOD), 0);

    /* The same frame inside an mbuf-like buffer with 128 bytes of headroom and some tailroom:
     * offsets stay relative to data_off. */
    uint8_t mbuf[256];
    memset(mbuf, 0xee, sizeof mbuf);
    memcpy(mbuf + 128, IPV4_TCP, sizeof IPV4_TCP);
    memset(&info, 0xa5, sizeof info);
    CHECK_EQ(neutrino_classify(mbuf, sizeof mbuf, 128, sizeof IPV4_TCP, NULL, &info),
             NEUTRINO_OK);
    check_ipv4_tcp(&info);

    /* Checksums verified: scapy computed them, so both are good. */
    neutrino_classify_opts o;
    CHECK_EQ(neutrino_classify_opts_default(&o), NEUTRINO_OK);
    o.flags |= NEUTRINO_CLASSIFY_VERIFY_CSUM;
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 0, sizeof IPV4_TCP, &o, &info),
             NEUTRINO_OK);
    check_ipv4_tcp(&info);
    CHECK_EQ(info.outer.flags & (NEUTRINO_FRAME_IP_CSUM_GOOD | NEUTRINO_FRAME_L4_CSUM_GOOD),
             NEUTRINO_FRAME_IP_CSUM_GOOD | NEUTRINO_FRAME_L4_CSUM_GOOD);

    /* A corrupted IPv4 header checksum (0x3ea8 -> 0x3ea9) is an error only when verified. */
    uint8_t bad[sizeof IPV4_TCP];
    memcpy(bad, IPV4_TCP, sizeof bad);
    bad[25] ^= 0x01;
    CHECK_EQ(neutrino_classify(bad, sizeof bad, 0, sizeof bad, &o, &info), NEUTRINO_BAD_CHECKSUM);
    CHECK_EQ(info.error_status, NEUTRINO_BAD_CHECKSUM);
    CHECK_EQ(info.error_layer, NEUTRINO_LAYER_IPV4);
    CHECK_EQ(neutrino_classify(bad, sizeof bad, 0, sizeof bad, NULL, &info), NEUTRINO_OK);
}

static void check_vlan_ipv6_udp(const neutrino_packet_info *p) {
    static const uint8_t dst[6] = {0x33, 0x33, 0, 0, 0, 0xfb};
    static const uint8_t src[6] = {0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33};
    const neutrino_frame_info *f = &p->outer;
    CHECK_EQ(p->error_status, NEUTRINO_OK);
    CHECK_EQ(p->tunnel, NEUTRINO_TUNNEL_NONE);
    CHECK_EQ(f->flags, BASIC_L4 | NEUTRINO_FRAME_IPV6);
    CHECK_MEM(f->eth_dst, dst, 6);
    CHECK_MEM(f->eth_src, src, 6);
    CHECK_EQ(f->vlan_depth, 1);
    CHECK_EQ(f->vlan_tpid[0], 0x8100);
    CHECK_EQ(f->vlan_tci[0] & 0x0fff, 100);   /* VID */
    CHECK_EQ(f->vlan_tci[0] >> 13, 5);        /* PCP */
    CHECK_EQ((f->vlan_tci[0] >> 12) & 1, 0);  /* DEI */
    CHECK_EQ(f->ethertype, 0x86dd);
    CHECK_EQ(f->l2_off, 0);
    CHECK_EQ(f->l3_off, 18);
    CHECK_EQ(f->l4_off, 58);
    CHECK_EQ(f->payload_off, 66);
    CHECK_EQ(f->l3_end, 70); /* 18 + 40 + plen 12 */
    CHECK_EQ(f->l3, NEUTRINO_L3_IPV6);
    CHECK_EQ(f->ip_proto, 17);
    CHECK_MEM(f->src_ip, IP6_DB8_1, 16);
    CHECK_MEM(f->dst_ip, IP6_DB8_2, 16);
    CHECK_EQ(f->ttl, 64);
    CHECK_EQ(f->tos, 0x20);
    CHECK_EQ(f->flow_label, 0x12345);
    CHECK_EQ(f->src_port, 5353);
    CHECK_EQ(f->dst_port, 53);
}

static void test_vlan_ipv6_udp(void) {
    neutrino_packet_info info;
    memset(&info, 0xa5, sizeof info);
    CHECK_EQ(neutrino_classify(VLAN_IPV6_UDP, sizeof VLAN_IPV6_UDP, 0, sizeof VLAN_IPV6_UDP,
                               NULL, &info),
             NEUTRINO_OK);
    check_vlan_ipv6_udp(&info);
}

static void check_vxlan_outer(const neutrino_frame_info *f) {
    static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x0b};
    static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x0a};
    static const uint8_t sip[16] = {10, 0, 0, 1};
    static const uint8_t dip[16] = {10, 0, 0, 2};
    CHECK_EQ(f->flags, BASIC_L4 | NEUTRINO_FRAME_IPV4);
    CHECK_MEM(f->eth_dst, dst, 6);
    CHECK_MEM(f->eth_src, src, 6);
    CHECK_EQ(f->l3_off, 14);
    CHECK_EQ(f->l4_off, 34);
    CHECK_EQ(f->payload_off, 42);
    CHECK_EQ(f->l3_end, 114); /* 14 + IP len 100 */
    CHECK_EQ(f->ip_proto, 17);
    CHECK_MEM(f->src_ip, sip, 16);
    CHECK_MEM(f->dst_ip, dip, 16);
    CHECK_EQ(f->ttl, 64);
    CHECK_EQ(f->src_port, 49152);
    CHECK_EQ(f->dst_port, 4789);
}

static void check_vxlan_tcp(const neutrino_packet_info *p) {
    static const uint8_t idst[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x02};
    static const uint8_t isrc[6] = {0xfa, 0x16, 0x3e, 0, 0, 0x01};
    static const uint8_t isip[16] = {172, 16, 0, 1};
    static const uint8_t idip[16] = {172, 16, 0, 2};
    const neutrino_frame_info *in = &p->inner;
    CHECK_EQ(p->error_status, NEUTRINO_OK);
    check_vxlan_outer(&p->outer);
    CHECK_EQ(p->tunnel, NEUTRINO_TUNNEL_VXLAN);
    CHECK_EQ(p->tunnel_id, 5001);
    CHECK_EQ(p->tunnel_off, 42);
    CHECK_EQ(in->flags, BASIC_L4 | NEUTRINO_FRAME_IPV4);
    CHECK_MEM(in->eth_dst, idst, 6);
    CHECK_MEM(in->eth_src, isrc, 6);
    CHECK_EQ(in->ethertype, 0x0800);
    CHECK_EQ(in->l2_off, 50);
    CHECK_EQ(in->l3_off, 64);
    CHECK_EQ(in->l4_off, 84);
    CHECK_EQ(in->payload_off, 104);
    CHECK_EQ(in->l3_end, 114); /* 64 + inner IP len 50 */
    CHECK_EQ(in->l3, NEUTRINO_L3_IPV4);
    CHECK_EQ(in->ip_proto, 6);
    CHECK_MEM(in->src_ip, isip, 16);
    CHECK_MEM(in->dst_ip, idip, 16);
    CHECK_EQ(in->ttl, 63);
    CHECK_EQ(in->src_port, 40000);
    CHECK_EQ(in->dst_port, 443);
    CHECK_EQ(in->tcp_flags, 0x18); /* PSH|ACK (tshark tcp.flags 0x0018) */
}

static void test_vxlan(void) {
    neutrino_packet_info info;
    memset(&info, 0xa5, sizeof info);
    CHECK_EQ(neutrino_classify(VXLAN_TCP, sizeof VXLAN_TCP, 0, sizeof VXLAN_TCP, NULL, &info),
             NEUTRINO_OK);
    check_vxlan_tcp(&info);

    /* Tunnels off: the outer UDP packet only. */
    neutrino_classify_opts o;
    CHECK_EQ(neutrino_classify_opts_default(&o), NEUTRINO_OK);
    o.flags = 0;
    CHECK_EQ(neutrino_classify(VXLAN_TCP, sizeof VXLAN_TCP, 0, sizeof VXLAN_TCP, &o, &info),
             NEUTRINO_OK);
    check_vxlan_outer(&info.outer);
    CHECK_EQ(info.tunnel, NEUTRINO_TUNNEL_NONE);

    /* VXLAN expected on another port: 4789 is plain UDP then. */
    o.flags = NEUTRINO_CLASSIFY_TUNNELS;
    o.vxlan_port = 4790;
    CHECK_EQ(neutrino_classify(VXLAN_TCP, sizeof VXLAN_TCP, 0, sizeof VXLAN_TCP, &o, &info),
             NEUTRINO_OK);
    CHECK_EQ(info.tunnel, NEUTRINO_TUNNEL_NONE);

    /* Port 0 means the IANA default again. */
    o.vxlan_port = 0;
    CHECK_EQ(neutrino_classify(VXLAN_TCP, sizeof VXLAN_TCP, 0, sizeof VXLAN_TCP, &o, &info),
             NEUTRINO_OK);
    check_vxlan_tcp(&info);
}

static void check_truncated(const neutrino_packet_info *p) {
    CHECK_EQ(p->error_status, NEUTRINO_TRUNCATED);
    CHECK_EQ(p->error_layer, NEUTRINO_LAYER_IPV4);
    /* What was found before the failure: the Ethernet header. */
    CHECK(p->outer.flags & NEUTRINO_FRAME_L2);
    CHECK_EQ(p->outer.flags & (NEUTRINO_FRAME_L4 | NEUTRINO_FRAME_PORTS), 0);
    CHECK_MEM(p->outer.eth_dst, MAC_02, 6);
    CHECK_MEM(p->outer.eth_src, MAC_01, 6);
    CHECK_EQ(p->outer.ethertype, 0x0800);
}

static void test_truncated(void) {
    neutrino_packet_info info;
    memset(&info, 0xa5, sizeof info);
    CHECK_EQ(neutrino_classify(IPV4_TCP, sizeof IPV4_TCP, 0, TRUNCATED_LEN, NULL, &info),
             NEUTRINO_TRUNCATED);
    check_truncated(&info);
}

static void test_burst(void) {
    static const uint8_t poison_buf[4] = {0};
    neutrino_pkt pkts[6] = {
        {IPV4_TCP, sizeof IPV4_TCP, 0, sizeof IPV4_TCP},
        {VLAN_IPV6_UDP, sizeof VLAN_IPV6_UDP, 0, sizeof VLAN_IPV6_UDP},
        {VXLAN_TCP, sizeof VXLAN_TCP, 0, sizeof VXLAN_TCP},
        {IPV4_TCP, sizeof IPV4_TCP, 0, TRUNCATED_LEN},
        {poison_buf, sizeof poison_buf, 2, 3}, /* range past the buffer */
        {NULL, 64, 0, 64},                     /* NULL buffer with a length */
    };
    neutrino_packet_info out[6];
    uint32_t st[6];
    memset(out, 0xa5, sizeof out);
    memset(st, 0xa5, sizeof st);
    CHECK_EQ(neutrino_classify_burst(pkts, 6, NULL, out, st), NEUTRINO_OK);
    CHECK_EQ(st[0], NEUTRINO_OK);
    check_ipv4_tcp(&out[0]);
    CHECK_EQ(st[1], NEUTRINO_OK);
    check_vlan_ipv6_udp(&out[1]);
    CHECK_EQ(st[2], NEUTRINO_OK);
    check_vxlan_tcp(&out[2]);
    CHECK_EQ(st[3], NEUTRINO_TRUNCATED);
    check_truncated(&out[3]);
    CHECK_EQ(st[4], NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(out[4].error_status, NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(st[5], NEUTRINO_NULL_POINTER);
    CHECK_EQ(out[5].error_status, NEUTRINO_NULL_POINTER);

    /* Invalid arguments: nothing is written. */
    memset(st, 0xa5, sizeof st);
    CHECK_EQ(neutrino_classify_burst(NULL, 1, NULL, out, st), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_classify_burst(pkts, 1, NULL, NULL, st), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_classify_burst(pkts, 1, NULL, out, NULL), NEUTRINO_NULL_POINTER);
    neutrino_classify_opts o;
    CHECK_EQ(neutrino_classify_opts_default(&o), NEUTRINO_OK);
    o.flags = 0x4;
    CHECK_EQ(neutrino_classify_burst(pkts, 6, &o, out, st), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(st[0], 0xa5a5a5a5u);
    /* An empty burst with no arrays at all is fine. */
    CHECK_EQ(neutrino_classify_burst(NULL, 0, NULL, NULL, NULL), NEUTRINO_OK);
}

int main(void) {
    test_version();
    test_status_strings();
    test_opts_default();
    test_null_pointers();
    test_bad_ranges();
    test_ipv4_tcp();
    test_vlan_ipv6_udp();
    test_vxlan();
    test_truncated();
    test_burst();
#ifdef __cplusplus
    return check_report("test_classify (C++)");
#else
    return check_report("test_classify (C)");
#endif
}
