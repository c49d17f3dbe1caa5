/* test_encap.c: the C API of neutrino's encap room (contexts, single and burst calls on
 * mbuf-style packets, counters), exercised from C11 and C++17.
 *
 * The expected tunnel packets are scapy 2.8 builds (scripts/encap_vectors.py; the UDP source
 * port and IPv6 flow label there come from a Python implementation of the flow hash documented
 * in src/encap/hash.rs), not neutrino's own output. Built and run by ffi/tests/c_tests.rs. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "neutrino.h"
#include "check.h"

STATIC_CHECK(sizeof(neutrino_encap_config) == 96, "neutrino_encap_config size");
STATIC_CHECK(sizeof(neutrino_decap_config) == 28, "neutrino_decap_config size");
STATIC_CHECK(sizeof(neutrino_decap_result) == 60, "neutrino_decap_result size");
STATIC_CHECK(sizeof(neutrino_stats) == 128, "neutrino_stats size");
STATIC_CHECK(NEUTRINO_DROP_REASONS == 14, "drop reasons");

/* Ether/IP(10.0.0.1->10.0.0.2, tos=0xb9, ttl=33, DF, id=7)/TCP(40000->443, PA)/b'neutrino!' */
/* Ether/Dot1Q(vlan=7)/IPv6(fd00::1->fd00::2, tc=0x2b, hlim=17)/UDP(5353->53)/b'hello' */
/* VXLAN4: Ether(02:..:01 -> 02:..:02)/IP(192.0.2.1->192.0.2.2, ttl=64, tos=0x01, DF, id=0)
 *   /UDP(sport=flow hash, dport=4789, chksum=0)/VXLAN(vni=5001)/INNER_TCP4 */
/* VXLAN6: Ether/IPv6(2001:db8::1->2001:db8::2, hlim=17, tc=0x2a, fl=flow hash)/UDP(4789)
 *   /VXLAN(vni=0xabcdef)/INNER_UDP6, TTL and TOS inherited, full UDP checksum */
static const uint8_t INNER_TCP4[63] = {
    0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0xb9, 0x00, 0x31, 0x00, 0x07, 0x40, 0x00, 0x21, 0x06,
    0x45, 0x05, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40,
    0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x50, 0x18,
    0x20, 0x00, 0xf8, 0x10, 0x00, 0x00, 0x6e, 0x65, 0x75, 0x74, 0x72, 0x69,
    0x6e, 0x6f, 0x21,
};
static const uint8_t INNER_UDP6[71] = {
    0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01,
    0x81, 0x00, 0x00, 0x07, 0x86, 0xdd, 0x62, 0xb0, 0x00, 0x00, 0x00, 0x0d,
    0x11, 0x11, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0xe9,
    0x00, 0x35, 0x00, 0x0d, 0xac, 0xdf, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
static const uint8_t VXLAN4[113] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x00, 0x45, 0x01, 0x00, 0x63, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
    0xb6, 0x85, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xec, 0x58,
    0x12, 0xb5, 0x00, 0x4f, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x13,
    0x89, 0x00, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02, 0xfa, 0x16, 0x3e, 0x00,
    0x00, 0x01, 0x08, 0x00, 0x45, 0xb9, 0x00, 0x31, 0x00, 0x07, 0x40, 0x00,
    0x21, 0x06, 0x45, 0x05, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    0x9c, 0x40, 0x01, 0xbb, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x50, 0x18, 0x20, 0x00, 0xf8, 0x10, 0x00, 0x00, 0x6e, 0x65, 0x75, 0x74,
    0x72, 0x69, 0x6e, 0x6f, 0x21,
};
static const uint8_t VXLAN6[141] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x86, 0xdd, 0x62, 0xa6, 0x54, 0x7d, 0x00, 0x57, 0x11, 0x11, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xdf, 0x15, 0x12, 0xb5, 0x00, 0x57,
    0x23, 0x6b, 0x08, 0x00, 0x00, 0x00, 0xab, 0xcd, 0xef, 0x00, 0xfa, 0x16,
    0x3e, 0x00, 0x00, 0x02, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x01, 0x81, 0x00,
    0x00, 0x07, 0x86, 0xdd, 0x62, 0xb0, 0x00, 0x00, 0x00, 0x0d, 0x11, 0x11,
    0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0xe9, 0x00, 0x35,
    0x00, 0x0d, 0xac, 0xdf, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t L_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t R_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

static neutrino_encap_config vxlan4_config(void) {
    neutrino_encap_config c;
    CHECK_EQ(neutrino_encap_config_default(&c), NEUTRINO_OK);
    c.tunnel = NEUTRINO_TUNNEL_VXLAN;
    c.id = 5001;
    c.hash_seed = 0x1234;
    memcpy(c.local_mac, L_MAC, 6);
    memcpy(c.remote_mac, R_MAC, 6);
    const uint8_t l[4] = {192, 0, 2, 1}, r[4] = {192, 0, 2, 2};
    memcpy(c.local_ip, l, 4);
    memcpy(c.remote_ip, r, 4);
    return c;
}

/* The receive side at the remote end. */
static neutrino_decap_ctx *peer_decap(uint8_t ip_version, const uint8_t *remote_ip, uint32_t id) {
    neutrino_decap_config d;
    CHECK_EQ(neutrino_decap_config_default(&d), NEUTRINO_OK);
    d.tunnel = NEUTRINO_TUNNEL_VXLAN;
    d.ip_version = ip_version;
    d.flags = NEUTRINO_DECAP_EXPECT_ID | NEUTRINO_DECAP_EXPECT_LOCAL;
    d.id = id;
    memcpy(d.local_ip, remote_ip, ip_version == 4 ? 4 : 16);
    neutrino_decap_ctx *ctx = NULL;
    CHECK_EQ(neutrino_decap_new(&d, &ctx), NEUTRINO_OK);
    return ctx;
}

static void test_vxlan4_matches_scapy_and_round_trips(void) {
    neutrino_encap_config c = vxlan4_config();
    neutrino_encap_ctx *enc = NULL;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_OK);
    size_t oh = 0;
    CHECK_EQ(neutrino_encap_overhead(enc, &oh), NEUTRINO_OK);
    CHECK_EQ(oh, 50);

    uint8_t buf[256];
    memset(buf, 0xee, sizeof buf);
    memcpy(buf + 128, INNER_TCP4, sizeof INNER_TCP4);
    uint16_t off = 128, len = sizeof INNER_TCP4;
    CHECK_EQ(neutrino_encap(enc, buf, sizeof buf, &off, &len), NEUTRINO_OK);
    CHECK_EQ(off, 128 - 50);
    CHECK_EQ(len, sizeof VXLAN4);
    CHECK_MEM(buf + off, VXLAN4, sizeof VXLAN4);

    neutrino_decap_ctx *dec = peer_decap(4, c.remote_ip, 5001);
    neutrino_decap_result r;
    CHECK_EQ(neutrino_decap(dec, buf, sizeof buf, &off, &len, &r), NEUTRINO_OK);
    CHECK_EQ(off, 128);
    CHECK_EQ(len, sizeof INNER_TCP4);
    CHECK_MEM(buf + off, INNER_TCP4, sizeof INNER_TCP4);
    CHECK_EQ(r.tunnel, NEUTRINO_TUNNEL_VXLAN);
    CHECK_EQ(r.id, 5001);
    CHECK_EQ(r.ip_version, 4);
    CHECK_EQ(r.inner_off, 50);
    CHECK_EQ(r.inner_len, sizeof INNER_TCP4);
    CHECK_MEM(r.outer_src, c.local_ip, 4);
    CHECK_MEM(r.outer_src_mac, L_MAC, 6);
    CHECK_EQ(r.src_port, ((uint16_t)VXLAN4[34] << 8) | VXLAN4[35]);

    /* Decap of the plain inner frame: not a tunnel packet for us; nothing changes. */
    uint8_t before[256];
    memcpy(before, buf, sizeof buf);
    CHECK_EQ(neutrino_decap(dec, buf, sizeof buf, &off, &len, NULL), NEUTRINO_NOT_LOCAL);
    CHECK_EQ(off, 128);
    CHECK_MEM(buf, before, sizeof buf);

    neutrino_stats s;
    CHECK_EQ(neutrino_decap_stats(dec, &s), NEUTRINO_OK);
    CHECK_EQ(s.packets, 1);
    CHECK_EQ(s.drops[NEUTRINO_DROP_NOT_LOCAL], 1);
    CHECK_EQ(neutrino_encap_stats(enc, &s), NEUTRINO_OK);
    CHECK_EQ(s.packets, 1);
    CHECK_EQ(s.bytes, sizeof VXLAN4);
    neutrino_encap_free(enc);
    neutrino_decap_free(dec);
}

static void test_vxlan6_inherit_matches_scapy(void) {
    neutrino_encap_config c = vxlan4_config();
    c.ip_version = 6;
    c.id = 0xabcdef;
    c.ttl = 0; /* inherit */
    c.flags = NEUTRINO_ENCAP_TOS_INHERIT;
    const uint8_t l[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t r[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    memcpy(c.local_ip, l, 16);
    memcpy(c.remote_ip, r, 16);
    neutrino_encap_ctx *enc = NULL;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_OK);
    uint8_t buf[256];
    memcpy(buf + 128, INNER_UDP6, sizeof INNER_UDP6);
    uint16_t off = 128, len = sizeof INNER_UDP6;
    CHECK_EQ(neutrino_encap(enc, buf, sizeof buf, &off, &len), NEUTRINO_OK);
    CHECK_EQ(len, sizeof VXLAN6);
    CHECK_MEM(buf + off, VXLAN6, sizeof VXLAN6);
    neutrino_decap_ctx *dec = peer_decap(6, r, 0xabcdef);
    neutrino_decap_result res;
    CHECK_EQ(neutrino_decap(dec, buf, sizeof buf, &off, &len, &res), NEUTRINO_OK);
    CHECK_EQ(res.ip_version, 6);
    CHECK_MEM(res.outer_src, l, 16);
    CHECK_MEM(buf + off, INNER_UDP6, sizeof INNER_UDP6);
    neutrino_encap_free(enc);
    neutrino_decap_free(dec);
}

static void test_bursts(void) {
    neutrino_encap_config c = vxlan4_config();
    neutrino_encap_ctx *enc = NULL;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_OK);
    neutrino_decap_ctx *dec = peer_decap(4, c.remote_ip, 5001);
    enum { N = 32 };
    static uint8_t bufs[N][256];
    neutrino_mbuf pkts[N];
    uint32_t st[N];
    for (int i = 0; i < N; i++) {
        /* Packet 5 has too little headroom. */
        uint16_t head = i == 5 ? 10 : 128;
        memcpy(bufs[i] + head, INNER_TCP4, sizeof INNER_TCP4);
        pkts[i].buf = bufs[i];
        pkts[i].buf_len = sizeof bufs[i];
        pkts[i].data_off = head;
        pkts[i].data_len = sizeof INNER_TCP4;
    }
    CHECK_EQ(neutrino_encap_burst(enc, pkts, N, st), NEUTRINO_OK);
    for (int i = 0; i < N; i++) {
        if (i == 5) {
            CHECK_EQ(st[i], NEUTRINO_NO_HEADROOM);
            CHECK_EQ(pkts[i].data_off, 10);
        } else {
            CHECK_EQ(st[i], NEUTRINO_OK);
            CHECK_MEM(bufs[i] + pkts[i].data_off, VXLAN4, sizeof VXLAN4);
        }
    }
    neutrino_decap_result res[N];
    CHECK_EQ(neutrino_decap_burst(dec, pkts, N, res, st), NEUTRINO_OK);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(st[i], i == 5 ? NEUTRINO_NOT_LOCAL : NEUTRINO_OK);
        CHECK_EQ(pkts[i].data_len, sizeof INNER_TCP4);
        CHECK_MEM(bufs[i] + pkts[i].data_off, INNER_TCP4, sizeof INNER_TCP4);
        CHECK_EQ(res[i].id, i == 5 ? 0 : 5001);
    }
    /* Empty bursts and NULL arrays with n == 0 are fine. */
    CHECK_EQ(neutrino_encap_burst(enc, NULL, 0, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_decap_burst(dec, NULL, 0, NULL, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_encap_burst(enc, NULL, 1, st), NEUTRINO_NULL_POINTER);
    neutrino_encap_free(enc);
    neutrino_decap_free(dec);
}

static void test_refusals(void) {
    neutrino_encap_ctx *enc = NULL;
    neutrino_encap_config c = vxlan4_config();
    c.id = 0; /* Neutron: "0 is not a valid vxlan identifier" */
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_INVALID_CONFIG);
    CHECK(enc == NULL);
    c = vxlan4_config();
    c.ip_version = 6; /* IPv6 with a zero UDP checksum needs the opt-in */
    c.remote_ip[0] = 0x20;
    c.local_ip[0] = 0x20;
    c.udp_csum = NEUTRINO_UDP_CSUM_ZERO;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_INVALID_CONFIG);
    c.flags = NEUTRINO_ENCAP_ZERO_UDP6_CSUM;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_OK);
    neutrino_encap_free(enc);
    c = vxlan4_config();
    c.flags = 1u << 30;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_INVALID_ARGUMENT);
    c = vxlan4_config();
    c.tunnel = 9;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(neutrino_encap_new(NULL, &enc), NEUTRINO_NULL_POINTER);
    c = vxlan4_config();
    CHECK_EQ(neutrino_encap_new(&c, NULL), NEUTRINO_NULL_POINTER);

    /* GENEVE options are validated: a TLV running past the end is refused. */
    c = vxlan4_config();
    c.tunnel = NEUTRINO_TUNNEL_GENEVE;
    const uint8_t bad_opt[4] = {0x01, 0x02, 0x80, 0x01};
    c.geneve_options = bad_opt;
    c.geneve_options_len = sizeof bad_opt;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_INVALID_CONFIG);
    const uint8_t opt[8] = {0x01, 0x02, 0x80, 0x01, 1, 2, 3, 4};
    c.geneve_options = opt;
    c.geneve_options_len = sizeof opt;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_OK);
    size_t oh = 0;
    CHECK_EQ(neutrino_encap_overhead(enc, &oh), NEUTRINO_OK);
    CHECK_EQ(oh, 58);

    /* No headroom: the buffer is untouched. */
    uint8_t buf[128], before[128];
    memset(buf, 0x5a, sizeof buf);
    memcpy(buf + 20, INNER_TCP4, sizeof INNER_TCP4);
    memcpy(before, buf, sizeof buf);
    uint16_t off = 20, len = sizeof INNER_TCP4;
    CHECK_EQ(neutrino_encap(enc, buf, sizeof buf, &off, &len), NEUTRINO_NO_HEADROOM);
    CHECK_EQ(off, 20);
    CHECK_EQ(len, sizeof INNER_TCP4);
    CHECK_MEM(buf, before, sizeof buf);
    /* Offsets outside the buffer, NULL pointers. */
    off = 100;
    CHECK_EQ(neutrino_encap(enc, buf, sizeof buf, &off, &len), NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(neutrino_encap(enc, NULL, 0, &off, &len), NEUTRINO_BAD_OFFSETS);
    CHECK_EQ(neutrino_encap(enc, buf, sizeof buf, NULL, &len), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_encap(NULL, buf, sizeof buf, &off, &len), NEUTRINO_NULL_POINTER);
    neutrino_encap_free(enc);
    neutrino_encap_free(NULL);
    neutrino_decap_free(NULL);

    /* Multipoint: no default remote; a remote of the other family is refused. */
    c = vxlan4_config();
    c.flags = NEUTRINO_ENCAP_NO_REMOTE;
    CHECK_EQ(neutrino_encap_new(&c, &enc), NEUTRINO_OK);
    uint8_t b2[256];
    memcpy(b2 + 128, INNER_TCP4, sizeof INNER_TCP4);
    off = 128;
    len = sizeof INNER_TCP4;
    CHECK_EQ(neutrino_encap(enc, b2, sizeof b2, &off, &len), NEUTRINO_NO_REMOTE);
    neutrino_remote r;
    memset(&r, 0, sizeof r);
    r.ip_version = 6;
    memcpy(r.mac, R_MAC, 6);
    r.ip[0] = 0x20;
    CHECK_EQ(neutrino_encap_to(enc, &r, b2, sizeof b2, &off, &len), NEUTRINO_NO_REMOTE);
    r.ip_version = 4;
    const uint8_t r4[4] = {192, 0, 2, 2};
    memcpy(r.ip, r4, 4);
    CHECK_EQ(neutrino_encap_to(enc, &r, b2, sizeof b2, &off, &len), NEUTRINO_OK);
    CHECK_MEM(b2 + off, VXLAN4, sizeof VXLAN4);
    neutrino_stats s;
    CHECK_EQ(neutrino_encap_stats(enc, &s), NEUTRINO_OK);
    CHECK_EQ(s.drops[NEUTRINO_DROP_NO_REMOTE], 2);
    neutrino_encap_free(enc);

    CHECK_STR(neutrino_status_str(NEUTRINO_INVALID_CONFIG), "invalid configuration");
    CHECK_STR(neutrino_status_str(NEUTRINO_WRONG_ID), "unexpected tunnel or VLAN id");
}

int main(void) {
    test_vxlan4_matches_scapy_and_round_trips();
    test_vxlan6_inherit_matches_scapy();
    test_bursts();
    test_refusals();
    return check_report("test_encap");
}
