/* test_ipam_dhcp.c: the C API of neutrino's IPAM (subnets, address, segment, MAC and subnet-pool
 * allocation) and DHCP responder, exercised from C11 and C++17.
 *
 * Expected values are Neutron's documented results (research note: 10.0.0.0/24 → gateway
 * 10.0.0.1, pool 10.0.0.2-10.0.0.254; fa:16:3e:12:34:56 on 2001:db8::/64 →
 * 2001:db8::f816:3eff:fe12:3456) and, for DHCP, a DISCOVER built by scapy 2.8.
 * Built and run by ffi/tests/c_tests.rs against the static and the shared library. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neutrino.h"
#include "check.h"

STATIC_CHECK(sizeof(neutrino_ip) == 20, "neutrino_ip size");

static neutrino_ip v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t len) {
    neutrino_ip ip;
    memset(&ip, 0, sizeof ip);
    ip.family = NEUTRINO_AF_INET;
    ip.prefix_len = len;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
}

static neutrino_subnet_config default_config(neutrino_ip cidr) {
    neutrino_subnet_config c;
    memset(&c, 0, sizeof c);
    c.cidr = cidr;
    c.gateway_mode = NEUTRINO_GATEWAY_DEFAULT;
    c.default_pools = 1;
    return c;
}

static void subnets(void) {
    neutrino_subnet_config cfg = default_config(v4(10, 0, 0, 0, 24));
    neutrino_subnet *s = NULL;
    CHECK_EQ(neutrino_subnet_new(&cfg, &s), NEUTRINO_OK);
    uint32_t has_gw = 0;
    neutrino_ip gw;
    size_t n_pools = 0;
    CHECK_EQ(neutrino_subnet_info(s, &has_gw, &gw, &n_pools), NEUTRINO_OK);
    CHECK_EQ(has_gw, 1);
    CHECK_EQ(gw.bytes[3], 1);
    CHECK_EQ(n_pools, 1);
    neutrino_ip_range pool;
    CHECK_EQ(neutrino_subnet_get_pool(s, 0, &pool), NEUTRINO_OK);
    CHECK_EQ(pool.start.bytes[3], 2);
    CHECK_EQ(pool.end.bytes[3], 254);
    CHECK_EQ(neutrino_subnet_get_pool(s, 1, &pool), NEUTRINO_INVALID_ARGUMENT);

    /* Rules: host bits, gateway in a pool, overlap. */
    neutrino_subnet *bad = NULL;
    cfg.cidr = v4(10, 0, 0, 1, 24);
    CHECK_EQ(neutrino_subnet_new(&cfg, &bad), NEUTRINO_IPAM_INVALID_CIDR);
    CHECK(bad == NULL);
    cfg.cidr = v4(10, 0, 0, 0, 24);
    neutrino_ip_range pools[1];
    pools[0].start = v4(10, 0, 0, 1, 32);
    pools[0].end = v4(10, 0, 0, 20, 32);
    cfg.default_pools = 0;
    cfg.pools = pools;
    cfg.n_pools = 1;
    CHECK_EQ(neutrino_subnet_new(&cfg, &bad), NEUTRINO_IPAM_INVALID_GATEWAY);
    pools[0].start = v4(10, 0, 0, 30, 32);
    CHECK_EQ(neutrino_subnet_new(&cfg, &bad), NEUTRINO_IPAM_INVALID_POOL);
    CHECK(strcmp(neutrino_status_str(NEUTRINO_IPAM_INVALID_POOL), "invalid allocation pool") == 0);
    neutrino_ip existing[1] = {v4(10, 0, 0, 0, 24)};
    neutrino_ip inner = v4(10, 0, 0, 128, 25);
    CHECK_EQ(neutrino_subnet_check_overlap(existing, 1, &inner), NEUTRINO_IPAM_OVERLAP);
    neutrino_ip other = v4(10, 0, 1, 0, 24);
    CHECK_EQ(neutrino_subnet_check_overlap(existing, 1, &other), NEUTRINO_OK);

    /* Allocation: the DHCP port takes the lowest address; fixed IPs; exhaustion state. */
    neutrino_addr_alloc *a = NULL;
    CHECK_EQ(neutrino_addr_alloc_new(s, &a), NEUTRINO_OK);
    uint64_t rng = 42;
    neutrino_ip got;
    CHECK_EQ(neutrino_addr_alloc_any(a, NEUTRINO_ALLOC_LOWEST, &rng, &got), NEUTRINO_OK);
    CHECK_EQ(got.bytes[3], 2);
    neutrino_ip two = v4(10, 0, 0, 2, 32);
    CHECK_EQ(neutrino_addr_alloc_specific(a, &two, 0), NEUTRINO_IPAM_IN_USE);
    neutrino_ip gwip = v4(10, 0, 0, 1, 32);
    CHECK_EQ(neutrino_addr_alloc_specific(a, &gwip, 0), NEUTRINO_IPAM_INVALID_ADDRESS);
    CHECK_EQ(neutrino_addr_alloc_specific(a, &gwip, 1), NEUTRINO_OK);
    uint64_t before = rng;
    CHECK_EQ(neutrino_addr_alloc_any(a, NEUTRINO_ALLOC_RANDOM, &rng, &got), NEUTRINO_OK);
    CHECK(rng != before);
    CHECK(got.bytes[3] >= 3 && got.bytes[3] <= 254);
    uint32_t is = 0;
    uint64_t count = 0;
    CHECK_EQ(neutrino_addr_query(a, &got, &is, &count), NEUTRINO_OK);
    CHECK_EQ(is, 1);
    CHECK_EQ(count, 3);
    CHECK_EQ(neutrino_addr_release(a, &got), NEUTRINO_OK);
    CHECK_EQ(neutrino_addr_release(a, &got), NEUTRINO_IPAM_NOT_ALLOCATED);
    CHECK_EQ(neutrino_addr_alloc_any(a, 9, &rng, &got), NEUTRINO_INVALID_ARGUMENT);
    CHECK_EQ(neutrino_addr_alloc_any(a, NEUTRINO_ALLOC_LOWEST, NULL, &got), NEUTRINO_NULL_POINTER);
    neutrino_addr_alloc_free(a);
    neutrino_subnet_free(s);

    /* A /16 over caller memory. */
    cfg = default_config(v4(172, 16, 0, 0, 16));
    CHECK_EQ(neutrino_subnet_new(&cfg, &s), NEUTRINO_OK);
    size_t words = neutrino_ipam_v4_mem_words(16);
    CHECK_EQ(words, 1024 + 32); /* bitmap + chunk counts */
    uint64_t *mem = (uint64_t *)malloc(words * sizeof(uint64_t));
    CHECK_EQ(neutrino_addr_alloc_init_v4(s, mem, words - 1, &a), NEUTRINO_BUFFER_TOO_SMALL);
    CHECK_EQ(neutrino_addr_alloc_init_v4(s, mem, words, &a), NEUTRINO_OK);
    for (int i = 0; i < 300; i++) {
        CHECK_EQ(neutrino_addr_alloc_any(a, NEUTRINO_ALLOC_LOWEST, &rng, &got), NEUTRINO_OK);
    }
    CHECK_EQ(got.bytes[2], 1);
    CHECK_EQ(got.bytes[3], 45); /* 172.16.0.2 + 299 */
    neutrino_addr_alloc_free(a);
    free(mem);
    neutrino_subnet_free(s);
    neutrino_subnet_free(NULL);

    /* EUI-64. */
    neutrino_ip p6;
    memset(&p6, 0, sizeof p6);
    p6.family = NEUTRINO_AF_INET6;
    p6.prefix_len = 64;
    p6.bytes[0] = 0x20;
    p6.bytes[1] = 0x01;
    p6.bytes[2] = 0x0d;
    p6.bytes[3] = 0xb8;
    const uint8_t mac[6] = {0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56};
    const uint8_t want6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0xf8, 0x16, 0x3e, 0xff, 0xfe, 0x12, 0x34, 0x56};
    neutrino_ip slaac;
    CHECK_EQ(neutrino_ipam_eui64(&p6, mac, &slaac), NEUTRINO_OK);
    CHECK_MEM(slaac.bytes, want6, 16);
}

static void segments(void) {
    const char *vni[] = {"1:1000"};
    neutrino_segment_alloc *x = NULL;
    uint64_t rng = 7;
    uint32_t id = 0;
    CHECK_EQ(neutrino_segment_alloc_new(NEUTRINO_SEGMENT_VXLAN, vni, 1, &x), NEUTRINO_OK);
    CHECK_EQ(neutrino_segment_alloc_any(x, NEUTRINO_ALLOC_LOWEST, &rng, &id), NEUTRINO_OK);
    CHECK_EQ(id, 1);
    CHECK_EQ(neutrino_segment_alloc_specific(x, 5000), NEUTRINO_OK);
    CHECK_EQ(neutrino_segment_alloc_specific(x, 5000), NEUTRINO_IPAM_IN_USE);
    CHECK_EQ(neutrino_segment_alloc_specific(x, 1u << 24), NEUTRINO_IPAM_INVALID_RANGE);
    CHECK_EQ(neutrino_segment_release(x, 5000), NEUTRINO_OK);
    CHECK_EQ(neutrino_segment_release(x, 5000), NEUTRINO_IPAM_NOT_ALLOCATED);
    neutrino_segment_alloc_free(x);
    const char *bad[] = {"10:5"};
    CHECK_EQ(neutrino_segment_alloc_new(NEUTRINO_SEGMENT_GRE, bad, 1, &x), NEUTRINO_IPAM_INVALID_RANGE);

    const char *vlans[] = {"physnet1:100:101", "physnet2"};
    neutrino_vlan_alloc *v = NULL;
    uint16_t vlan = 0;
    CHECK_EQ(neutrino_vlan_alloc_new(vlans, 2, &v), NEUTRINO_OK);
    CHECK_EQ(neutrino_vlan_alloc_any(v, "physnet1", NEUTRINO_ALLOC_LOWEST, &rng, &vlan), NEUTRINO_OK);
    CHECK_EQ(vlan, 100);
    CHECK_EQ(neutrino_vlan_alloc_any(v, "physnet1", NEUTRINO_ALLOC_RANDOM, &rng, &vlan), NEUTRINO_OK);
    CHECK_EQ(vlan, 101);
    CHECK_EQ(neutrino_vlan_alloc_any(v, "physnet1", NEUTRINO_ALLOC_RANDOM, &rng, &vlan), NEUTRINO_IPAM_EXHAUSTED);
    CHECK_EQ(neutrino_vlan_alloc_specific(v, "physnet2", 4094), NEUTRINO_OK);
    CHECK_EQ(neutrino_vlan_alloc_specific(v, "physnet9", 5), NEUTRINO_IPAM_INVALID_RANGE);
    CHECK_EQ(neutrino_vlan_release(v, "physnet1", 100), NEUTRINO_OK);
    neutrino_vlan_alloc_free(v);

    const uint8_t base[6] = {0xfa, 0x16, 0x3e, 0, 0, 0};
    neutrino_mac_alloc *m = NULL;
    uint8_t mac[6];
    CHECK_EQ(neutrino_mac_alloc_new(base, &m), NEUTRINO_OK);
    CHECK_EQ(neutrino_mac_alloc_any(m, &rng, mac), NEUTRINO_OK);
    CHECK_MEM(mac, base, 3);
    CHECK_EQ(neutrino_mac_alloc_specific(m, mac), NEUTRINO_IPAM_IN_USE);
    CHECK_EQ(neutrino_mac_release(m, mac), NEUTRINO_OK);
    neutrino_mac_alloc_free(m);

    neutrino_ip prefixes[2] = {v4(10, 1, 0, 0, 16), v4(10, 0, 0, 0, 24)};
    neutrino_subnet_pool *p = NULL;
    neutrino_ip n;
    CHECK_EQ(neutrino_subnet_pool_new(prefixes, 2, 16, 26, 30, 0, &p), NEUTRINO_OK);
    CHECK_EQ(neutrino_subnet_pool_allocate(p, 0, &n), NEUTRINO_OK); /* best fit: 10.0.0.0/26 */
    CHECK_EQ(n.bytes[1], 0);
    CHECK_EQ(n.prefix_len, 26);
    CHECK_EQ(neutrino_subnet_pool_allocate(p, 24, &n), NEUTRINO_OK); /* 10.1.0.0/24 */
    CHECK_EQ(n.bytes[1], 1);
    CHECK_EQ(neutrino_subnet_pool_allocate_specific(p, &n), NEUTRINO_IPAM_IN_USE);
    CHECK_EQ(neutrino_subnet_pool_release(p, &n), NEUTRINO_OK);
    CHECK_EQ(neutrino_subnet_pool_allocate(p, 31, &n), NEUTRINO_IPAM_INVALID_RANGE);
    neutrino_subnet_pool_free(p);
}

/* Ether(dst="ff:ff:ff:ff:ff:ff", src="fa:16:3e:12:34:56")
 *  / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
 *  / BOOTP(chaddr=bytes.fromhex("fa163e123456"), xid=0x1234)
 *  / DHCP(options=[("message-type", "discover"), "end"]) */
static const uint8_t DISCOVER[286] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56,
    0x08, 0x00, 0x45, 0x00, 0x01, 0x10, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
    0x79, 0xdd, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x44,
    0x00, 0x43, 0x00, 0xfc, 0x89, 0xd5, 0x01, 0x01, 0x06, 0x00, 0x00, 0x00,
    0x12, 0x34, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfa, 0x16,
    0x3e, 0x12, 0x34, 0x56, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
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
    0x00, 0x00, 0x63, 0x82, 0x53, 0x63, 0x35, 0x01, 0x01, 0xff
};

static void dhcp(void) {
    neutrino_dhcp_responder *r = NULL;
    CHECK_EQ(neutrino_dhcp_responder_new(6, 2, 1, NEUTRINO_DHCP_POLICY_STRICT, &r), NEUTRINO_DHCP_INVALID_CONFIG);
    CHECK_EQ(neutrino_dhcp_responder_new(64, 2, 1, NEUTRINO_DHCP_POLICY_STRICT, &r), NEUTRINO_OK);
    const uint8_t dns[8] = {8, 8, 8, 8, 1, 1, 1, 1};
    neutrino_dhcp_route routes[1];
    memset(routes, 0, sizeof routes);
    routes[0].destination[0] = 192;
    routes[0].destination[1] = 168;
    routes[0].prefix_len = 16;
    routes[0].nexthop[0] = 10;
    routes[0].nexthop[3] = 254;
    neutrino_dhcp_subnet_config c;
    memset(&c, 0, sizeof c);
    const uint8_t server_ip[4] = {10, 0, 0, 2}, server_mac[6] = {0xfa, 0x16, 0x3e, 0, 0, 2};
    memcpy(c.server_ip, server_ip, 4);
    memcpy(c.server_mac, server_mac, 6);
    c.network[0] = 10;
    c.prefix_len = 24;
    c.has_gateway = 1;
    c.gateway[0] = 10;
    c.gateway[3] = 1;
    c.dns = dns;
    c.n_dns = 2;
    c.domain_name = "openstacklocal";
    c.mtu = 1450;
    c.routes = routes;
    c.n_routes = 1;
    c.metadata_route = 1;
    c.mtu = 60;
    CHECK_EQ(neutrino_dhcp_set_subnet(r, 1, &c), NEUTRINO_DHCP_INVALID_CONFIG);
    c.mtu = 1450;
    CHECK_EQ(neutrino_dhcp_set_subnet(r, 1, &c), NEUTRINO_OK);
    const uint8_t mac[6] = {0xfa, 0x16, 0x3e, 0x12, 0x34, 0x56}, ip[4] = {10, 0, 0, 5};
    CHECK_EQ(neutrino_dhcp_add_binding(r, 9, mac, ip, 0), NEUTRINO_DHCP_INVALID_CONFIG);
    CHECK_EQ(neutrino_dhcp_add_binding(r, 9, mac, ip, 1), NEUTRINO_OK);

    uint8_t out[NEUTRINO_DHCP_MAX_REPLY_LEN];
    neutrino_dhcp_result res;
    CHECK_EQ(neutrino_dhcp_handle(r, 9, DISCOVER, sizeof DISCOVER, 0, sizeof DISCOVER, out, sizeof out, &res), NEUTRINO_OK);
    CHECK_EQ(res.verdict, NEUTRINO_DHCP_REPLY);
    CHECK_EQ(res.msg_type, 2);
    CHECK(res.len >= 42 + 300);
    CHECK_MEM(out, mac, 6);              /* unicast to the client MAC */
    CHECK_MEM(out + 6, server_mac, 6);   /* from the DHCP port */
    CHECK_MEM(out + 26, server_ip, 4);   /* IP source */
    CHECK_MEM(out + 30, ip, 4);          /* IP destination = yiaddr */
    CHECK_EQ(out[42], 2);                /* BOOTREPLY */
    CHECK_MEM(out + 42 + 16, ip, 4);     /* yiaddr */
    const uint8_t first_opts[9] = {53, 1, 2, 54, 4, 10, 0, 0, 2};
    CHECK_MEM(out + 42 + 240, first_opts, 9);
    /* RFC 3442 encoding of the metadata route (research note). */
    const uint8_t meta[9] = {0x20, 0xa9, 0xfe, 0xa9, 0xfe, 0x0a, 0x00, 0x00, 0x02};
    int found = 0;
    for (size_t i = 42 + 240; i + 9 <= res.len; i++) {
        if (memcmp(out + i, meta, 9) == 0) found = 1;
    }
    CHECK(found);

    /* Same frame in place in an mbuf-like buffer with headroom. */
    uint8_t mbuf[128 + NEUTRINO_DHCP_MAX_REPLY_LEN];
    memset(mbuf, 0xee, sizeof mbuf);
    memcpy(mbuf + 128, DISCOVER, sizeof DISCOVER);
    uint16_t off = 128, len = sizeof DISCOVER;
    CHECK_EQ(neutrino_dhcp_handle_in_place(r, 9, mbuf, sizeof mbuf, &off, &len, &res), NEUTRINO_OK);
    CHECK_EQ(res.verdict, NEUTRINO_DHCP_REPLY);
    CHECK_EQ(len, res.len);
    CHECK_MEM(mbuf + 128, out, len);
    off = 200;
    CHECK_EQ(neutrino_dhcp_handle_in_place(r, 9, mbuf, 100, &off, &len, &res), NEUTRINO_BAD_OFFSETS);

    /* Malformed: hlen 5 → dropped, counted, no reply; unknown segment → unknown-client. */
    uint8_t badf[sizeof DISCOVER];
    memcpy(badf, DISCOVER, sizeof badf);
    badf[42 + 2] = 5;
    badf[40] = 0; /* UDP checksum 0 = none */
    badf[41] = 0;
    CHECK_EQ(neutrino_dhcp_handle(r, 9, badf, sizeof badf, 0, sizeof badf, out, sizeof out, &res), NEUTRINO_OK);
    CHECK_EQ(res.verdict, NEUTRINO_DHCP_DROP);
    CHECK_STR(neutrino_dhcp_drop_reason_str(res.drop_reason), "bad-hardware");
    CHECK_EQ(neutrino_dhcp_handle(r, 8, DISCOVER, sizeof DISCOVER, 0, sizeof DISCOVER, out, sizeof out, &res), NEUTRINO_OK);
    CHECK_STR(neutrino_dhcp_drop_reason_str(res.drop_reason), "unknown-client");
    CHECK_EQ(neutrino_dhcp_handle(r, 9, DISCOVER, sizeof DISCOVER, 0, sizeof DISCOVER, out, 100, &res), NEUTRINO_OK);
    CHECK_STR(neutrino_dhcp_drop_reason_str(res.drop_reason), "buffer-too-small");
    CHECK_EQ(neutrino_dhcp_handle(r, 9, DISCOVER, 10, 0, sizeof DISCOVER, out, sizeof out, &res), NEUTRINO_BAD_OFFSETS);
    CHECK_STR(neutrino_dhcp_drop_reason_str(999), "unknown");

    neutrino_dhcp_counters k;
    CHECK_EQ(neutrino_dhcp_counters_get(r, &k), NEUTRINO_OK);
    CHECK_EQ(k.rx[1], 4);
    CHECK_EQ(k.tx[2], 2);
    CHECK_EQ(k.drops[10], 1);
    uint32_t removed = 0;
    CHECK_EQ(neutrino_dhcp_remove_binding(r, 9, mac, &removed), NEUTRINO_OK);
    CHECK_EQ(removed, 1);
    CHECK_EQ(neutrino_dhcp_remove_binding(r, 9, mac, &removed), NEUTRINO_OK);
    CHECK_EQ(removed, 0);
    neutrino_dhcp_responder_free(r);
    neutrino_dhcp_responder_free(NULL);
}

int main(void) {
    subnets();
    segments();
    dhcp();
    return check_report("test_ipam_dhcp");
}
