/* rte_hash.c: DPDK's rte_hash (cuckoo with signatures, CRC32 hash) and neutrino's table
 * through its C API, on the same 16-byte 5-tuple-like keys and uint64 data, at 10k, 100k and
 * 1M entries: single lookups and bursts of 64, hits and misses. Best of 5 rounds of 2^20
 * lookups in random order; prints ns per lookup.
 *
 * Built and run by benches/c/run_rte_hash.sh only when pkg-config finds libdpdk. EAL runs without
 * hugepages or PCI (--no-huge --no-pci, its own --file-prefix), so rte_hash's memory is ordinary pages,
 * like neutrino's here. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>

#include "neutrino.h"

#define LOOKUPS (1u << 20)
#define BURST 64
#define ROUNDS 5

static uint64_t xorshift(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The same key as benches/table.rs: IPv4 src/dst, ports, protocol, from a counter. */
static void make_key(uint64_t i, uint8_t k[16]) {
    uint64_t x = i * 0x9e3779b97f4a7c15ull;
    uint16_t sport = (uint16_t)((x >> 16) | 1024), dport = 443;
    memset(k, 0, 16);
    k[0] = 10; k[1] = (uint8_t)(i >> 16); k[2] = (uint8_t)(i >> 8); k[3] = (uint8_t)i;
    k[4] = 192; k[5] = 168; k[6] = (uint8_t)(x >> 8); k[7] = (uint8_t)x;
    k[8] = (uint8_t)(sport >> 8); k[9] = (uint8_t)sport;
    k[10] = (uint8_t)(dport >> 8); k[11] = (uint8_t)dport;
    k[12] = 6; k[13] = (uint8_t)(i >> 24); k[14] = (uint8_t)(i >> 32);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static volatile uint64_t sink;

static double run_rte_single(struct rte_hash *h, const uint8_t *keys) {
    double best = 1e18;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint32_t i = 0; i < LOOKUPS; i++) {
            void *data = NULL;
            if (rte_hash_lookup_data(h, keys + 16 * (size_t)i, &data) >= 0) acc += (uintptr_t)data;
        }
        double dt = (now_ns() - t0) / LOOKUPS;
        sink += acc;
        if (dt < best) best = dt;
    }
    return best;
}

static double run_rte_bulk(struct rte_hash *h, const uint8_t *keys) {
    double best = 1e18;
    const void *ptrs[BURST];
    void *data[BURST];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint32_t i = 0; i < LOOKUPS; i += BURST) {
            for (int j = 0; j < BURST; j++) ptrs[j] = keys + 16 * (size_t)(i + j);
            uint64_t mask = 0;
            rte_hash_lookup_bulk_data(h, ptrs, BURST, &mask, data);
            acc += mask;
        }
        double dt = (now_ns() - t0) / LOOKUPS;
        sink += acc;
        if (dt < best) best = dt;
    }
    return best;
}

static double run_nt_single(neutrino_table *t, const uint8_t *keys) {
    double best = 1e18;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t acc = 0, v = 0;
        double t0 = now_ns();
        for (uint32_t i = 0; i < LOOKUPS; i++) {
            if (neutrino_table_lookup(t, keys + 16 * (size_t)i, 16, &v) == NEUTRINO_OK) acc += v;
        }
        double dt = (now_ns() - t0) / LOOKUPS;
        sink += acc;
        if (dt < best) best = dt;
    }
    return best;
}

static double run_nt_burst(neutrino_table *t, const uint8_t *keys) {
    double best = 1e18;
    uint64_t vals[BURST];
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint32_t i = 0; i < LOOKUPS; i += BURST) {
            uint64_t mask = 0;
            neutrino_table_lookup_burst(t, keys + 16 * (size_t)i, BURST, vals, &mask);
            acc += mask;
        }
        double dt = (now_ns() - t0) / LOOKUPS;
        sink += acc;
        if (dt < best) best = dt;
    }
    return best;
}

int main(int argc, char **argv) {
    (void)argc;
    char *eal[] = {argv[0], (char *)"--no-huge", (char *)"-m", (char *)"1024", (char *)"--no-pci",
                   (char *)"--file-prefix=neutrino_table_bench", (char *)"-l", (char *)"0",
                   (char *)"--log-level=3"};
    if (rte_eal_init((int)(sizeof eal / sizeof eal[0]), eal) < 0) {
        fprintf(stderr, "rte_eal_init failed\n");
        return 1;
    }
    static const uint32_t sizes[] = {10000, 100000, 1000000};
    uint8_t *hits = (uint8_t *)malloc(16 * (size_t)LOOKUPS);
    uint8_t *miss = (uint8_t *)malloc(16 * (size_t)LOOKUPS);
    printf("%-8s %-5s %12s %12s %12s %12s  (ns/lookup)\n", "entries", "kind", "rte single", "rte bulk64",
           "nt single", "nt burst64");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s];
        char name[32];
        snprintf(name, sizeof name, "bench%u", n);
        struct rte_hash_parameters p;
        memset(&p, 0, sizeof p);
        p.name = name;
        /* rte_hash sizes its buckets to a power of two >= entries; 1.25 x n leaves cuckoo room. */
        p.entries = n + n / 4;
        p.key_len = 16;
        p.hash_func = rte_hash_crc;
        p.hash_func_init_val = 0x5eed;
        p.socket_id = 0;
        struct rte_hash *h = rte_hash_create(&p);
        neutrino_table *t = NULL;
        if (h == NULL || neutrino_table_new(16, n, 0x5eed1234abcdef01ull, &t) != NEUTRINO_OK) {
            fprintf(stderr, "create failed at %u\n", n);
            return 1;
        }
        uint8_t k[16];
        for (uint64_t i = 0; i < n; i++) {
            make_key(i, k);
            if (rte_hash_add_key_data(h, k, (void *)(uintptr_t)i) < 0 || neutrino_table_insert(t, k, 16, i) != NEUTRINO_OK) {
                fprintf(stderr, "insert failed at %" PRIu64 "\n", i);
                return 1;
            }
        }
        uint64_t rng = 0x123456789abcdef1ull;
        for (uint32_t i = 0; i < LOOKUPS; i++) {
            make_key(xorshift(&rng) % n, hits + 16 * (size_t)i);
            make_key(n + xorshift(&rng) % (4ull * n), miss + 16 * (size_t)i);
        }
        const uint8_t *sets[2] = {hits, miss};
        const char *kinds[2] = {"hit", "miss"};
        for (int w = 0; w < 2; w++) {
            printf("%-8u %-5s %12.1f %12.1f %12.1f %12.1f\n", n, kinds[w], run_rte_single(h, sets[w]),
                   run_rte_bulk(h, sets[w]), run_nt_single(t, sets[w]), run_nt_burst(t, sets[w]));
        }
        rte_hash_free(h);
        neutrino_table_free(t);
    }
    free(hits);
    free(miss);
    rte_eal_cleanup();
    return 0;
}
