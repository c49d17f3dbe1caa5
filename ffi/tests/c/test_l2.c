/* test_l2.c: the C API of neutrino's table, FDB, ARP/ND responder and port security, from
 * C11 and C++17. Frames are built by scapy 2.8 (expression above each array); the expected
 * replies follow Linux's VXLAN/bridge responder format (see src/l2/responder.rs).
 * Built and run by ffi/tests/c_tests.rs against the static and the shared library. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neutrino.h"
#include "check.h"

STATIC_CHECK(sizeof(neutrino_l2_dest) == 24, "neutrino_l2_dest size");
STATIC_CHECK(sizeof(neutrino_ip_addr) == 20, "neutrino_ip_addr size");
STATIC_CHECK(sizeof(neutrino_fdb_learn_result) == 28, "neutrino_fdb_learn_result size");
STATIC_CHECK(sizeof(neutrino_fdb_counters) == 15 * 8, "neutrino_fdb_counters size");

/* Ether(src=A,dst="ff:ff:ff:ff:ff:ff")/ARP(op=1,hwsrc=A,psrc="10.0.0.1",pdst="10.0.0.2")/Padding(load=b"\0"*18), A = aa:bb:cc:dd:ee:01 */
static const uint8_t ARP_REQ[60] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01,
    0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0xaa, 0xbb,
    0xcc, 0xdd, 0xee, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Ether(dst=A,src=M)/ARP(op=2,hwsrc=M,psrc="10.0.0.2",hwdst=A,pdst="10.0.0.1")/Padding(load=b"\0"*18), M = fa:16:3e:00:00:02 */
static const uint8_t ARP_REP[60] = {
    0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02,
    0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0xfa, 0x16,
    0x3e, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xcc, 0xdd,
    0xee, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Ether(src=A,dst="33:33:ff:00:00:02")/IPv6(src="2001:db8::1",dst="ff02::1:ff00:2",hlim=255)/ICMPv6ND_NS(tgt="2001:db8::2")/ICMPv6NDOptSrcLLAddr(lladdr=A) */
static const uint8_t NS[86] = {
    0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0xb8, 0x8c, 0x00, 0x00,
    0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01, 0xaa, 0xbb, 0xcc, 0xdd,
    0xee, 0x01,
};

/* Ether(dst=A,src=M)/IPv6(src="2001:db8::2",dst="2001:db8::1",hlim=255)/ICMPv6ND_NA(tgt="2001:db8::2",R=0,S=1,O=1)/ICMPv6NDOptDstLLAddr(lladdr=M) */
static const uint8_t NA[86] = {
    0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01, 0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02,
    0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01,
    0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x02, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x54, 0x5a, 0x60, 0x00,
    0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x01, 0xfa, 0x16, 0x3e, 0x00,
    0x00, 0x02,
};

/* Ether(src=P,dst=Q)/IP(src="10.0.0.5",dst="10.0.0.9")/UDP(sport=1234,dport=53), P = fa:16:3e:11:22:33, Q = fa:16:3e:99:88:77 */
static const uint8_t UDP_OK[42] = {
    0xfa, 0x16, 0x3e, 0x99, 0x88, 0x77, 0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
    0x66, 0xc3, 0x0a, 0x00, 0x00, 0x05, 0x0a, 0x00, 0x00, 0x09, 0x04, 0xd2,
    0x00, 0x35, 0x00, 0x08, 0xe6, 0xc9,
};

/* Ether(src=P,dst=Q)/IP(src="10.0.0.6",dst="10.0.0.9")/UDP(sport=1234,dport=53) */
static const uint8_t UDP_SPOOF[42] = {
    0xfa, 0x16, 0x3e, 0x99, 0x88, 0x77, 0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33,
    0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
    0x66, 0xc2, 0x0a, 0x00, 0x00, 0x06, 0x0a, 0x00, 0x00, 0x09, 0x04, 0xd2,
    0x00, 0x35, 0x00, 0x08, 0xe6, 0xc8,
};

/* Ether(src=P,dst="ff:ff:ff:ff:ff:ff")/IP(src="10.0.0.5",dst="255.255.255.255")/UDP(sport=67,dport=68)/BOOTP(op=2) */
static const uint8_t DHCP_SERVER[278] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33,
    0x08, 0x00, 0x45, 0x00, 0x01, 0x08, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
    0x6f, 0xe0, 0x0a, 0x00, 0x00, 0x05, 0xff, 0xff, 0xff, 0xff, 0x00, 0x43,
    0x00, 0x44, 0x00, 0xf4, 0xeb, 0x79, 0x02, 0x01, 0x06, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00,
};

static const uint8_t A[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01};
static const uint8_t M[6] = {0xfa, 0x16, 0x3e, 0x00, 0x00, 0x02};
static const uint8_t P[6] = {0xfa, 0x16, 0x3e, 0x11, 0x22, 0x33};

static const uint8_t *group_mac(void) {
    static const uint8_t g[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    return g;
}

static neutrino_ip_addr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    neutrino_ip_addr ip;
    memset(&ip, 0, sizeof ip);
    ip.family = 4;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

static neutrino_l2_dest port(uint32_t p) {
    neutrino_l2_dest d;
    memset(&d, 0, sizeof d);
    d.kind = NEUTRINO_DEST_PORT;
    d.port = p;
    return d;
}

static void test_table(void) {
    /* Heap table, 16-byte keys (a 5-tuple), then one in caller memory, 12-byte keys. */
    neutrino_table *t = NULL;
    CHECK_EQ(neutrino_table_new(16, 1000, 0x5eed, &t), NEUTRINO_OK);
    uint8_t key[16];
    for (uint64_t i = 0; i < 1000; i++) {
        memset(key, 0, sizeof key);
        memcpy(key, &i, sizeof i);
        CHECK_EQ(neutrino_table_insert(t, key, 16, i * 7), NEUTRINO_OK);
    }
    memset(key, 0xff, sizeof key);
    CHECK_EQ(neutrino_table_insert(t, key, 16, 1), NEUTRINO_FULL);
    size_t n = 0;
    CHECK_EQ(neutrino_table_len(t, &n), NEUTRINO_OK);
    CHECK_EQ(n, 1000);
    uint64_t v = 0;
    memset(key, 0, sizeof key);
    key[0] = 42;
    CHECK_EQ(neutrino_table_lookup(t, key, 16, &v), NEUTRINO_OK);
    CHECK_EQ(v, 42 * 7);
    CHECK_EQ(neutrino_table_lookup(t, key, 15, &v), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(neutrino_table_remove(t, key, 16, &v), NEUTRINO_OK);
    CHECK_EQ(neutrino_table_lookup(t, key, 16, &v), NEUTRINO_NOT_FOUND);
    CHECK_EQ(neutrino_table_remove(t, key, 16, NULL), NEUTRINO_NOT_FOUND);

    /* Burst: keys 0..63 back to back; 42 was removed. */
    uint8_t keys[64 * 16];
    uint64_t vals[64];
    memset(keys, 0, sizeof keys);
    memset(vals, 0, sizeof vals);
    for (uint64_t i = 0; i < 64; i++) memcpy(keys + 16 * i, &i, sizeof i);
    uint64_t mask = 0;
    CHECK_EQ(neutrino_table_lookup_burst(t, keys, 64, vals, &mask), NEUTRINO_OK);
    CHECK_EQ(mask, ~(1ULL << 42));
    CHECK_EQ(vals[63], 63 * 7);
    CHECK_EQ(neutrino_table_lookup_burst(t, keys, 65, vals, &mask), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(neutrino_table_insert(NULL, key, 16, 1), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_table_insert(t, NULL, 16, 1), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_table_free(t), NEUTRINO_OK);
    CHECK_EQ(neutrino_table_free(NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_table_new(0, 10, 1, &t), NEUTRINO_BAD_CAPACITY);
    CHECK_EQ(neutrino_table_new(65, 10, 1, &t), NEUTRINO_BAD_CAPACITY);
    CHECK_EQ(neutrino_table_new(8, 0, 1, &t), NEUTRINO_BAD_CAPACITY);

    size_t need = 0;
    CHECK_EQ(neutrino_table_mem_size(12, 500, &need), NEUTRINO_OK);
    /* Deliberately misaligned caller memory, with garbage in it. */
    uint8_t *raw = (uint8_t *)malloc(need + 1);
    CHECK(raw != NULL);
    memset(raw, 0xa5, need + 1);
    CHECK_EQ(neutrino_table_init(raw + 1, need / 2, 12, 500, 9, &t), NEUTRINO_MEM_TOO_SMALL);
    CHECK_EQ(neutrino_table_init(raw + 1, need, 12, 500, 9, &t), NEUTRINO_OK);
    uint8_t k12[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CHECK_EQ(neutrino_table_lookup(t, k12, 12, &v), NEUTRINO_NOT_FOUND);
    CHECK_EQ(neutrino_table_insert(t, k12, 12, 77), NEUTRINO_OK);
    CHECK_EQ(neutrino_table_lookup(t, k12, 12, &v), NEUTRINO_OK);
    CHECK_EQ(v, 77);
    CHECK_EQ(neutrino_table_free(t), NEUTRINO_OK);
    free(raw);
}

/* Caller memory for the placed responder and port-security handles: a static array. */
static uint8_t STATIC_MEM[1 << 16];

/* Runs once over library heap memory and once over caller memory (`placed`): a malloc'd
 * block, deliberately misaligned and full of garbage. */
static void test_fdb(int placed) {
    neutrino_fdb_config cfg;
    CHECK_EQ(neutrino_fdb_config_default(1000, 0xfdb, &cfg), NEUTRINO_OK);
    cfg.age = 100;
    cfg.move_hold = 30;
    neutrino_fdb *f = NULL;
    uint8_t *raw = NULL;
    if (placed) {
        size_t need = 0;
        CHECK_EQ(neutrino_fdb_mem_size(&cfg, &need), NEUTRINO_OK);
        CHECK(need > 1000 * 64);
        raw = (uint8_t *)malloc(need + 3);
        CHECK(raw != NULL);
        memset(raw, 0x5a, need + 3);
        CHECK_EQ(neutrino_fdb_init(raw + 3, need / 2, &cfg, &f), NEUTRINO_MEM_TOO_SMALL);
        CHECK_EQ(neutrino_fdb_init(NULL, need, &cfg, &f), NEUTRINO_NULL_POINTER);
        CHECK_EQ(neutrino_fdb_init(raw + 3, need, &cfg, &f), NEUTRINO_OK);
        CHECK(f != NULL && (uint8_t *)f >= raw + 3 && (uint8_t *)f < raw + 3 + need);
    } else {
        CHECK_EQ(neutrino_fdb_new(&cfg, &f), NEUTRINO_OK);
    }
    neutrino_l2_dest p1 = port(1), p2 = port(2);
    neutrino_fdb_learn_result r;
    CHECK_EQ(neutrino_fdb_learn(f, 7, A, &p1, 10, &r), NEUTRINO_OK);
    CHECK_EQ(r.outcome, NEUTRINO_LEARN_NEW);
    CHECK_EQ(neutrino_fdb_learn(f, 7, A, &p2, 20, &r), NEUTRINO_OK);
    CHECK_EQ(r.outcome, NEUTRINO_LEARN_MOVED);
    CHECK_EQ(r.other.port, 1);
    CHECK_EQ(neutrino_fdb_learn(f, 7, A, &p1, 30, &r), NEUTRINO_OK);
    CHECK_EQ(r.outcome, NEUTRINO_LEARN_DAMPENED);
    static const uint8_t group[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
    CHECK_EQ(neutrino_fdb_learn(f, 7, group, &p1, 30, &r), NEUTRINO_OK);
    CHECK_EQ(r.outcome, NEUTRINO_LEARN_REFUSED);
    CHECK_EQ(r.refusal, NEUTRINO_REFUSAL_INVALID_SOURCE);

    neutrino_fdb_forward fw;
    CHECK_EQ(neutrino_fdb_lookup(f, 7, A, 40, &fw), NEUTRINO_OK);
    CHECK_EQ(fw.unicast, 1);
    CHECK_EQ(fw.dest.port, 2);
    CHECK_EQ(neutrino_fdb_lookup(f, 7, A, 120, &fw), NEUTRINO_OK); /* aged: dead at 20 + 100 */
    CHECK_EQ(fw.unicast, 0);
    CHECK_EQ(fw.flood_reason, NEUTRINO_FLOOD_UNKNOWN);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK_EQ(neutrino_fdb_lookup(f, 7, bcast, 40, &fw), NEUTRINO_OK);
    CHECK_EQ(fw.flood_reason, NEUTRINO_FLOOD_BROADCAST);

    /* L2 population: a static entry behind a VTEP; flood list. */
    neutrino_l2_dest vtep;
    memset(&vtep, 0, sizeof vtep);
    vtep.kind = NEUTRINO_DEST_VTEP4;
    vtep.addr[0] = 192; vtep.addr[1] = 0; vtep.addr[2] = 2; vtep.addr[3] = 9;
    CHECK_EQ(neutrino_fdb_add_static(f, 7, M, &vtep, 0), NEUTRINO_OK);
    CHECK_EQ(neutrino_fdb_add_static(f, 7, group, &vtep, 0), NEUTRINO_BAD_ADDRESS);
    CHECK_EQ(neutrino_fdb_learn(f, 7, M, &p1, 50, &r), NEUTRINO_OK);
    CHECK_EQ(r.outcome, NEUTRINO_LEARN_STATIC_KEPT);
    CHECK_EQ(neutrino_fdb_lookup(f, 7, M, 1000000, &fw), NEUTRINO_OK);
    CHECK_EQ(fw.dest.kind, NEUTRINO_DEST_VTEP4);
    CHECK_MEM(fw.dest.addr, vtep.addr, 4);
    CHECK_EQ(neutrino_fdb_flood_add(f, 7, &p1), NEUTRINO_OK);
    CHECK_EQ(neutrino_fdb_flood_add(f, 7, &vtep), NEUTRINO_OK);
    neutrino_l2_dest list[4];
    size_t n = 0;
    CHECK_EQ(neutrino_fdb_flood_list(f, 7, list, 1, &n), NEUTRINO_OK);
    CHECK_EQ(n, 2);
    CHECK_EQ(list[0].port, 1);
    CHECK_EQ(neutrino_fdb_flood_list(f, 7, list, 4, &n), NEUTRINO_OK);
    CHECK_EQ(list[1].kind, NEUTRINO_DEST_VTEP4);
    CHECK_EQ(neutrino_fdb_flood_remove(f, 7, &p1), NEUTRINO_OK);
    CHECK_EQ(neutrino_fdb_flood_remove(f, 7, &p1), NEUTRINO_NOT_FOUND);

    size_t removed = 0;
    CHECK_EQ(neutrino_fdb_age(f, 1000, 1u << 20, &removed), NEUTRINO_OK);
    CHECK_EQ(removed, 1);
    CHECK_EQ(neutrino_fdb_remove(f, 7, A), NEUTRINO_NOT_FOUND);
    CHECK_EQ(neutrino_fdb_remove(f, 7, M), NEUTRINO_OK);
    neutrino_fdb_counters c;
    CHECK_EQ(neutrino_fdb_get_counters(f, &c), NEUTRINO_OK);
    CHECK_EQ(c.learned, 1);
    CHECK_EQ(c.moved, 1);
    CHECK_EQ(c.move_dampened, 1);
    CHECK_EQ(c.aged, 1);
    CHECK_EQ(c.refused_invalid_source, 1);
    neutrino_l2_dest bad = port(1);
    bad.kind = 9;
    CHECK_EQ(neutrino_fdb_learn(f, 7, A, &bad, 0, &r), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(neutrino_fdb_learn(f, 7, NULL, &p1, 0, &r), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_fdb_free(f), NEUTRINO_OK);
    CHECK_EQ(neutrino_fdb_free(NULL), NEUTRINO_OK);
    free(raw);
}

static void test_responder(int placed) {
    neutrino_responder *r = NULL;
    if (placed) {
        size_t need = 0;
        CHECK_EQ(neutrino_responder_mem_size(64, &need), NEUTRINO_OK);
        CHECK(need + 5 <= sizeof STATIC_MEM);
        memset(STATIC_MEM, 0xc3, sizeof STATIC_MEM);
        CHECK_EQ(neutrino_responder_init(STATIC_MEM + 5, need / 2, 64, 7, &r), NEUTRINO_MEM_TOO_SMALL);
        CHECK_EQ(neutrino_responder_mem_size(0, &need), NEUTRINO_BAD_CAPACITY);
        CHECK_EQ(neutrino_responder_mem_size(64, &need), NEUTRINO_OK);
        CHECK_EQ(neutrino_responder_init(STATIC_MEM + 5, need, 64, 7, &r), NEUTRINO_OK);
    } else {
        CHECK_EQ(neutrino_responder_new(64, 7, &r), NEUTRINO_OK);
    }
    neutrino_ip_addr v4 = ip4(10, 0, 0, 2);
    neutrino_ip_addr v6;
    memset(&v6, 0, sizeof v6);
    v6.family = 6;
    static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    memcpy(v6.bytes, a6, 16);
    CHECK_EQ(neutrino_responder_add(r, 5, &v4, M, 0), NEUTRINO_OK);
    CHECK_EQ(neutrino_responder_add(r, 5, &v6, M, 0), NEUTRINO_OK);
    CHECK_EQ(neutrino_responder_add(r, 5, &v4, group_mac(), 0), NEUTRINO_BAD_ADDRESS);

    /* The request sits at offset 2 of an mbuf-like buffer. */
    uint8_t buf[128];
    memset(buf, 0, sizeof buf);
    memcpy(buf + 2, ARP_REQ, sizeof ARP_REQ);
    uint16_t len = sizeof ARP_REQ;
    neutrino_responder_verdict v;
    CHECK_EQ(neutrino_responder_respond(r, 5, buf, sizeof buf, 2, &len, &v), NEUTRINO_OK);
    CHECK_EQ(v.action, NEUTRINO_RESPOND_REPLIED);
    CHECK_EQ(len, sizeof ARP_REP);
    CHECK_MEM(buf + 2, ARP_REP, sizeof ARP_REP);

    memset(buf, 0, sizeof buf);
    memcpy(buf, NS, sizeof NS);
    len = sizeof NS;
    CHECK_EQ(neutrino_responder_respond(r, 5, buf, sizeof buf, 0, &len, &v), NEUTRINO_OK);
    CHECK_EQ(v.action, NEUTRINO_RESPOND_REPLIED);
    CHECK_EQ(len, sizeof NA);
    CHECK_MEM(buf, NA, sizeof NA);

    /* Unknown segment: passes untouched. Corrupt checksum: malformed. */
    memcpy(buf, NS, sizeof NS);
    len = sizeof NS;
    CHECK_EQ(neutrino_responder_respond(r, 6, buf, sizeof buf, 0, &len, &v), NEUTRINO_OK);
    CHECK_EQ(v.action, NEUTRINO_RESPOND_PASS);
    CHECK_EQ(v.reason, NEUTRINO_NOREPLY_UNKNOWN);
    CHECK_MEM(buf, NS, sizeof NS);
    buf[57] ^= 1;
    CHECK_EQ(neutrino_responder_respond(r, 5, buf, sizeof buf, 0, &len, &v), NEUTRINO_OK);
    CHECK_EQ(v.action, NEUTRINO_RESPOND_MALFORMED);
    CHECK_EQ(v.malformed, NEUTRINO_BAD_CHECKSUM);
    len = 200;
    CHECK_EQ(neutrino_responder_respond(r, 5, buf, sizeof buf, 0, &len, &v), NEUTRINO_BAD_OFFSETS);

    neutrino_responder_counters c;
    CHECK_EQ(neutrino_responder_get_counters(r, &c), NEUTRINO_OK);
    CHECK_EQ(c.arp_replies, 1);
    CHECK_EQ(c.na_replies, 1);
    CHECK_EQ(c.unknown, 1);
    CHECK_EQ(c.malformed, 1);
    CHECK_EQ(neutrino_responder_remove(r, 5, &v4), NEUTRINO_OK);
    CHECK_EQ(neutrino_responder_remove(r, 5, &v4), NEUTRINO_NOT_FOUND);
    CHECK_EQ(neutrino_responder_free(r), NEUTRINO_OK);
}

static void test_port_security(int placed) {
    neutrino_port_security *p = NULL;
    if (placed) {
        size_t need = 0;
        CHECK_EQ(neutrino_port_security_mem_size(&need), NEUTRINO_OK);
        CHECK(need + 1 <= sizeof STATIC_MEM);
        memset(STATIC_MEM, 0x3c, sizeof STATIC_MEM);
        CHECK_EQ(neutrino_port_security_init(STATIC_MEM + 1, need / 2, P, &p), NEUTRINO_MEM_TOO_SMALL);
        CHECK_EQ(neutrino_port_security_init(STATIC_MEM + 1, need, group_mac(), &p), NEUTRINO_BAD_ADDRESS);
        CHECK_EQ(neutrino_port_security_init(STATIC_MEM + 1, need, P, &p), NEUTRINO_OK);
    } else {
        CHECK_EQ(neutrino_port_security_new(P, &p), NEUTRINO_OK);
    }
    neutrino_ip_addr fixed = ip4(10, 0, 0, 5);
    CHECK_EQ(neutrino_port_security_add_fixed_ip(p, &fixed), NEUTRINO_OK);
    neutrino_ip_addr net = ip4(192, 168, 7, 0);
    CHECK_EQ(neutrino_port_security_add_allowed_pair(p, NULL, &net, 24), NEUTRINO_OK);
    CHECK_EQ(neutrino_port_security_add_allowed_pair(p, NULL, &net, 33), NEUTRINO_BAD_ADDRESS);
    uint8_t verdict = 0xff;
    CHECK_EQ(neutrino_port_security_check(p, UDP_OK, sizeof UDP_OK, 0, sizeof UDP_OK, &verdict), NEUTRINO_OK);
    CHECK_EQ(verdict, NEUTRINO_PS_ALLOW);
    CHECK_EQ(neutrino_port_security_check(p, UDP_SPOOF, sizeof UDP_SPOOF, 0, sizeof UDP_SPOOF, &verdict), NEUTRINO_OK);
    CHECK_EQ(verdict, NEUTRINO_PS_DROP_SRC_IP);
    CHECK_EQ(neutrino_port_security_check(p, DHCP_SERVER, sizeof DHCP_SERVER, 0, sizeof DHCP_SERVER, &verdict), NEUTRINO_OK);
    CHECK_EQ(verdict, NEUTRINO_PS_DROP_DHCP_SERVER);
    CHECK_EQ(neutrino_port_security_check(p, UDP_OK, 10, 0, 20, &verdict), NEUTRINO_BAD_OFFSETS);
    neutrino_port_security_counters c;
    CHECK_EQ(neutrino_port_security_get_counters(p, &c), NEUTRINO_OK);
    CHECK_EQ(c.allowed, 1);
    CHECK_EQ(c.src_ip, 1);
    CHECK_EQ(c.dhcp_server, 1);
    CHECK_EQ(neutrino_port_security_free(p), NEUTRINO_OK);
    CHECK_EQ(neutrino_port_security_new(group_mac(), &p), NEUTRINO_BAD_ADDRESS);
}

int main(void) {
    test_table();
    for (int placed = 0; placed < 2; placed++) {
        test_fdb(placed);
        test_responder(placed);
        test_port_security(placed);
    }
    return check_report("test_l2");
}
