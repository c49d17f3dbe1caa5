/* test_route.c: the C API of neutrino's routing (VRF table, routes, lookups, next-hop groups),
 * exercised from C11 and C++17. The expected results are worked out by hand from the routes
 * below (longest prefix wins); no value is taken from neutrino's own output.
 * Built and run by ffi/tests/c_tests.rs against the static and the shared library. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "neutrino.h"
#include "check.h"

STATIC_CHECK(sizeof(neutrino_nexthop) == 28, "neutrino_nexthop size");
STATIC_CHECK(offsetof(neutrino_nexthop, gw) == 12, "gw offset");

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static void v6(uint8_t out[16], uint16_t w0, uint16_t w1, uint16_t w2, uint16_t last) {
    memset(out, 0, 16);
    out[0] = (uint8_t)(w0 >> 8);
    out[1] = (uint8_t)w0;
    out[2] = (uint8_t)(w1 >> 8);
    out[3] = (uint8_t)w1;
    out[4] = (uint8_t)(w2 >> 8);
    out[5] = (uint8_t)w2;
    out[14] = (uint8_t)(last >> 8);
    out[15] = (uint8_t)last;
}

static uint32_t look4(const neutrino_vrf_table *t, uint32_t vrf, uint32_t a) {
    uint32_t g = 0xdeadbeef;
    CHECK_EQ(neutrino_route_lookup_v4(t, vrf, a, &g), NEUTRINO_OK);
    return g;
}

int main(void) {
    neutrino_vrf_table *t = NULL;
    CHECK_EQ(neutrino_vrf_table_new(0, 16, 1, &t), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(neutrino_vrf_table_new(8, 16, 0x5eed, NULL), NEUTRINO_NULL_POINTER);
    CHECK_EQ(neutrino_vrf_table_new(8, 16, 0x5eed, &t), NEUTRINO_OK);
    CHECK(t != NULL);

    /* VRFs: two tenants with the same subnet. */
    CHECK_EQ(neutrino_vrf_add(t, 1), NEUTRINO_OK);
    CHECK_EQ(neutrino_vrf_add(t, 2), NEUTRINO_OK);
    CHECK_EQ(neutrino_vrf_add(t, 2), NEUTRINO_ROUTE_EXISTS);
    CHECK_EQ(neutrino_vrf_add(t, 8), NEUTRINO_ROUTE_UNKNOWN_VRF);

    uint32_t old = 0;
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 0, 0, 0), 8, 1, &old), NEUTRINO_OK);
    CHECK_EQ(old, NEUTRINO_ROUTE_NONE);
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 1, 0, 0), 16, 2, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 1, 2, 0), 24, 3, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 1, 2, 3), 32, 4, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_add_v4(t, 2, IP4(10, 1, 2, 0), 24, 7, NULL), NEUTRINO_OK);
    /* Bad input: host bits, length, unknown VRF, group id; nothing changes. */
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 1, 2, 1), 24, 9, NULL), NEUTRINO_ROUTE_HOST_BITS);
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 1, 2, 0), 33, 9, NULL), NEUTRINO_ROUTE_PREFIX_LEN);
    CHECK_EQ(neutrino_route_add_v4(t, 5, IP4(10, 1, 2, 0), 24, 9, NULL), NEUTRINO_ROUTE_UNKNOWN_VRF);
    CHECK_EQ(neutrino_route_add_v4(t, 1, IP4(10, 1, 2, 0), 24, NEUTRINO_ROUTE_MAX_GROUP + 1, NULL),
             NEUTRINO_ROUTE_BAD_GROUP);
    CHECK_EQ(look4(t, 1, IP4(10, 1, 2, 3)), 4);
    CHECK_EQ(look4(t, 1, IP4(10, 1, 2, 4)), 3);
    CHECK_EQ(look4(t, 1, IP4(10, 1, 3, 4)), 2);
    CHECK_EQ(look4(t, 1, IP4(10, 9, 9, 9)), 1);
    CHECK_EQ(look4(t, 1, IP4(11, 0, 0, 0)), NEUTRINO_ROUTE_NONE);
    CHECK_EQ(look4(t, 2, IP4(10, 1, 2, 3)), 7);
    CHECK_EQ(look4(t, 2, IP4(10, 1, 3, 3)), NEUTRINO_ROUTE_NONE);
    CHECK_EQ(look4(t, 3, IP4(10, 1, 2, 3)), NEUTRINO_ROUTE_NONE); /* no such VRF */
    CHECK_EQ(neutrino_route_lookup_v4(NULL, 1, 0, &old), NEUTRINO_NULL_POINTER);

    /* Default route added last, replaced, removed. */
    CHECK_EQ(neutrino_route_add_v4(t, 1, 0, 0, 9, &old), NEUTRINO_OK);
    CHECK_EQ(old, NEUTRINO_ROUTE_NONE);
    CHECK_EQ(look4(t, 1, IP4(11, 0, 0, 0)), 9);
    CHECK_EQ(look4(t, 1, IP4(10, 1, 2, 3)), 4);
    CHECK_EQ(neutrino_route_add_v4(t, 1, 0, 0, 8, &old), NEUTRINO_OK);
    CHECK_EQ(old, 9);

    /* Burst: 100 addresses (more than one core burst). */
    uint32_t addrs[100], groups[100];
    for (int i = 0; i < 100; i++) {
        addrs[i] = (i % 4 == 0) ? IP4(10, 1, 2, 3) : (i % 4 == 1) ? IP4(10, 1, 2, 200)
                 : (i % 4 == 2) ? IP4(10, 200, 0, 1) : IP4(192, 0, 2, 1);
    }
    size_t hits = 0;
    CHECK_EQ(neutrino_route_lookup_v4_burst(t, 1, addrs, 100, groups, &hits), NEUTRINO_OK);
    CHECK_EQ(hits, 100);
    for (int i = 0; i < 100; i++) {
        uint32_t want = (i % 4 == 0) ? 4 : (i % 4 == 1) ? 3 : (i % 4 == 2) ? 1 : 8;
        CHECK_EQ(groups[i], want);
    }
    CHECK_EQ(neutrino_route_lookup_v4_burst(t, 1, NULL, 0, NULL, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_lookup_v4_burst(t, 1, NULL, 3, groups, NULL), NEUTRINO_NULL_POINTER);

    /* Removal: absent is NOT_FOUND, present gives its group back. */
    CHECK_EQ(neutrino_route_remove_v4(t, 1, IP4(10, 1, 0, 0), 16, &old), NEUTRINO_OK);
    CHECK_EQ(old, 2);
    CHECK_EQ(neutrino_route_remove_v4(t, 1, IP4(10, 1, 0, 0), 16, &old), NEUTRINO_ROUTE_NOT_FOUND);
    CHECK_EQ(look4(t, 1, IP4(10, 1, 3, 4)), 1);
    CHECK_EQ(neutrino_route_remove_v4(t, 1, 0, 0, NULL), NEUTRINO_OK);
    CHECK_EQ(look4(t, 1, IP4(11, 0, 0, 0)), NEUTRINO_ROUTE_NONE);

    /* Bulk: one rebuild for many routes; a refused route stops the batch and says where. */
    {
        uint32_t ba[3] = {IP4(172, 16, 0, 0), IP4(172, 17, 0, 0), IP4(172, 18, 0, 1)};
        uint8_t bl[3] = {16, 16, 16};
        uint32_t bg[3] = {11, 12, 13};
        size_t done = 99;
        CHECK_EQ(neutrino_route_add_v4_bulk(t, 2, ba, bl, bg, 2, &done), NEUTRINO_OK);
        CHECK_EQ(done, 2);
        CHECK_EQ(look4(t, 2, IP4(172, 16, 9, 9)), 11);
        CHECK_EQ(look4(t, 2, IP4(172, 17, 9, 9)), 12);
        CHECK_EQ(neutrino_route_add_v4_bulk(t, 2, ba, bl, bg, 3, &done), NEUTRINO_ROUTE_HOST_BITS);
        CHECK_EQ(done, 2);
        CHECK_EQ(look4(t, 2, IP4(172, 18, 9, 9)), NEUTRINO_ROUTE_NONE);
        CHECK_EQ(neutrino_route_add_v4_bulk(t, 2, NULL, NULL, NULL, 0, NULL), NEUTRINO_OK);
        CHECK_EQ(neutrino_route_add_v4_bulk(t, 2, NULL, bl, bg, 1, NULL), NEUTRINO_NULL_POINTER);
    }

    /* IPv6. */
    uint8_t p32[16], p48[16], h[16], a[16];
    v6(p32, 0x2001, 0x0db8, 0, 0);
    v6(p48, 0x2001, 0x0db8, 1, 0);
    v6(h, 0x2001, 0x0db8, 1, 1);
    CHECK_EQ(neutrino_route_add_v6(t, 2, &p32, 32, 20, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_add_v6(t, 2, &p48, 48, 21, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_add_v6(t, 2, &h, 128, 22, NULL), NEUTRINO_OK);
    CHECK_EQ(neutrino_route_add_v6(t, 2, &h, 64, 23, NULL), NEUTRINO_ROUTE_HOST_BITS);
    CHECK_EQ(neutrino_route_add_v6(t, 2, &p32, 129, 23, NULL), NEUTRINO_ROUTE_PREFIX_LEN);
    uint32_t g = 0;
    CHECK_EQ(neutrino_route_lookup_v6(t, 2, &h, &g), NEUTRINO_OK);
    CHECK_EQ(g, 22);
    v6(a, 0x2001, 0x0db8, 1, 2);
    CHECK_EQ(neutrino_route_lookup_v6(t, 2, &a, &g), NEUTRINO_OK);
    CHECK_EQ(g, 21);
    v6(a, 0x2001, 0x0db8, 2, 2);
    CHECK_EQ(neutrino_route_lookup_v6(t, 2, &a, &g), NEUTRINO_OK);
    CHECK_EQ(g, 20);
    CHECK_EQ(neutrino_route_lookup_v6(t, 1, &a, &g), NEUTRINO_OK);
    CHECK_EQ(g, NEUTRINO_ROUTE_NONE);
    uint8_t many[3][16];
    memcpy(many[0], h, 16);
    memcpy(many[1], p48, 16);
    v6(many[2], 0x2002, 0, 0, 0);
    uint32_t g3[3];
    CHECK_EQ(neutrino_route_lookup_v6_burst(t, 2, (const uint8_t (*)[16])many, 3, g3, &hits), NEUTRINO_OK);
    CHECK_EQ(hits, 2);
    CHECK_EQ(g3[0], 22);
    CHECK_EQ(g3[1], 21);
    CHECK_EQ(g3[2], NEUTRINO_ROUTE_NONE);

    /* Next-hop groups: weights 1:3, stable selection, removing a hop moves only its flows. */
    neutrino_nexthop hops[2];
    memset(hops, 0, sizeof hops);
    hops[0].port = 1;
    hops[0].weight = 1;
    hops[0].gw_family = NEUTRINO_GW_IPV4;
    hops[0].gw[0] = 192; hops[0].gw[1] = 0; hops[0].gw[2] = 2; hops[0].gw[3] = 1;
    hops[1] = hops[0];
    hops[1].port = 2;
    hops[1].weight = 3;
    hops[1].gw[3] = 2;
    CHECK_EQ(neutrino_nhg_set(t, 3, hops, 0), NEUTRINO_ROUTE_BAD_GROUP);
    hops[1].weight = 0;
    CHECK_EQ(neutrino_nhg_set(t, 3, hops, 2), NEUTRINO_ROUTE_BAD_GROUP);
    hops[1].weight = 3;
    hops[1].gw_family = 5;
    CHECK_EQ(neutrino_nhg_set(t, 3, hops, 2), NEUTRINO_INVALID_ARGUMENT);
    hops[1].gw_family = NEUTRINO_GW_IPV4;
    CHECK_EQ(neutrino_nhg_set(t, 3, hops, 2), NEUTRINO_OK);
    int count[3] = {0, 0, 0};
    uint32_t before[4000];
    for (uint32_t i = 0; i < 4000; i++) {
        uint32_t hash = neutrino_flow_hash_v4(0x5eed, IP4(10, 0, i >> 8, i & 255), IP4(8, 8, 8, 8), 6,
                                              (uint16_t)(1000 + i), 443);
        neutrino_nexthop nh;
        CHECK_EQ(neutrino_nhg_select(t, 3, hash, &nh), NEUTRINO_OK);
        CHECK(nh.port == 1 || nh.port == 2);
        if (nh.port <= 2) count[nh.port]++;
        before[i] = nh.port;
        neutrino_nexthop again;
        CHECK_EQ(neutrino_nhg_select(t, 3, hash, &again), NEUTRINO_OK);
        CHECK_EQ(again.port, nh.port);
    }
    /* 1:3 of 4000 flows is 1000:3000; allow 10%. */
    CHECK(count[1] > 900 && count[1] < 1100);
    CHECK(count[2] > 2700 && count[2] < 3300);
    CHECK_EQ(neutrino_nhg_remove_hop(t, 3, &hops[0]), NEUTRINO_OK);
    CHECK_EQ(neutrino_nhg_remove_hop(t, 3, &hops[1]), NEUTRINO_ROUTE_BAD_GROUP); /* last hop */
    for (uint32_t i = 0; i < 4000; i++) {
        uint32_t hash = neutrino_flow_hash_v4(0x5eed, IP4(10, 0, i >> 8, i & 255), IP4(8, 8, 8, 8), 6,
                                              (uint16_t)(1000 + i), 443);
        neutrino_nexthop nh;
        CHECK_EQ(neutrino_nhg_select(t, 3, hash, &nh), NEUTRINO_OK);
        CHECK_EQ(nh.port, 2);
        if (before[i] == 2) CHECK_EQ(nh.gw[3], 2);
    }
    CHECK_EQ(neutrino_nhg_select(t, 9, 0, &hops[0]), NEUTRINO_ROUTE_NOT_FOUND);
    CHECK_EQ(neutrino_nhg_remove(t, 3), NEUTRINO_OK);
    CHECK_EQ(neutrino_nhg_remove(t, 3), NEUTRINO_ROUTE_NOT_FOUND);

    CHECK_EQ(neutrino_vrf_remove(t, 1), NEUTRINO_OK);
    CHECK_EQ(look4(t, 1, IP4(10, 1, 2, 3)), NEUTRINO_ROUTE_NONE);
    CHECK_EQ(neutrino_vrf_remove(t, 1), NEUTRINO_ROUTE_UNKNOWN_VRF);
    CHECK_STR(neutrino_status_str(NEUTRINO_ROUTE_HOST_BITS), "prefix has host bits set");
    neutrino_vrf_table_free(t);
    neutrino_vrf_table_free(NULL);
    return check_report("test_route");
}
