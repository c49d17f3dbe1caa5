/* route_dpdk.c: neutrino's routing C API side by side with DPDK's rte_fib (DIR-24-8, scalar and
 * AVX-512 lookups), rte_lpm and rte_fib6 (trie, scalar and AVX-512) on the same table and the
 * same addresses, in one process.
 *
 * Built and run by benches/c/run_route_dpdk.sh only when pkg-config finds libdpdk; the EAL
 * runs with --no-huge (anonymous memory), so no hugepage setup is needed.
 *
 * Input: a routes file, one `prefix id` per line (the format of examples/lpm.rs).
 * Output: build times, and M lookups/s for random and for hitting addresses, in bursts of 64,
 * plus the number of addresses on which the two disagree (should be 0).
 *
 * Environment: ROUTE_BENCH_ONLY=4 or =6 times one family only; ROUTE_BENCH_NO_LPM=1 leaves out
 * rte_lpm, whose build takes about 2 minutes; ROUTE_BENCH_HUGE=1 runs DPDK on hugetlbfs pages. Each contender runs once untimed over the
 * addresses right before its timed rounds, so none starts on the caches another one left (without
 * it, DPDK's AVX-512 lookup would always follow its scalar one on the same table, warm, and the
 * others a different structure); ROUTE_BENCH_COLD=1 leaves that warm-up out. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <malloc.h>

#include "neutrino.h"

#define N_ADDR (1 << 16)
#define BURST 64
#define ROUNDS 10
/* Alternating repetitions of each measurement; the medians are reported. */
#define REPS 9
/* DPDK reserves the top bit of a 4-byte next hop: its "no route" must stay below it. */
#define DPDK_NONE 0x7fffffffu

typedef struct { uint32_t ip; uint8_t len; uint32_t nh; } r4;
typedef struct { uint8_t ip[16]; uint8_t len; uint32_t nh; } r6;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Thread CPU time: what the lookups cost, not how long the scheduler kept us waiting. */
static double cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp_d);
    return v[n / 2];
}

/* Bytes in use in DPDK's heaps (every socket: what rte_malloc and memzones hold) and in the
 * C heap (glibc; the Rust library allocates there), to tell what a table costs. */
static void heap_bytes(size_t *dpdk, size_t *c) {
    *dpdk = 0;
    for (unsigned i = 0; i < rte_socket_count(); i++) {
        struct rte_malloc_socket_stats st;
        if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0) *dpdk += st.heap_allocsz_bytes;
    }
    struct mallinfo2 m = mallinfo2();
    *c = m.uordblks + m.hblkhd;
}

/* KiB of this process's anonymous memory on transparent huge pages (Linux; 0 elsewhere):
 * DPDK's --no-huge memory is not advised for them, so a change across a neutrino build is the
 * part of its structure the kernel backed with 2 MiB pages. */
static long anon_huge_kib(void) {
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) return 0;
    char line[256];
    long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) break;
    fclose(f);
    return kib;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int cmp_16(const void *a, const void *b) { return memcmp(a, b, 16); }

/* The tbl8 groups DIR-24-8 needs for these routes: one per /24 holding a longer route. */
static unsigned tbl8_groups4(const r4 *v, size_t n) {
    uint32_t *k = malloc((n + 1) * sizeof *k);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].len > 24) k[m++] = v[i].ip >> 8;
    qsort(k, m, sizeof *k, cmp_u32);
    unsigned g = 0;
    for (size_t i = 0; i < m; i++) g += i == 0 || k[i] != k[i - 1];
    free(k);
    return g;
}

/* The tbl8 groups rte_fib6's trie (a 24-bit table, then 8-bit levels) needs for these
 * routes: one per distinct prefix of 24, 32, ..., 120 bits that holds a longer route. */
static unsigned tbl8_groups6(const r6 *v, size_t n) {
    uint8_t (*k)[16] = malloc((n + 1) * 16);
    unsigned g = 0;
    for (unsigned bits = 24; bits < 128; bits += 8) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (v[i].len <= bits) continue;
            memset(k[m], 0, 16);
            memcpy(k[m], v[i].ip, bits / 8);
            m++;
        }
        qsort(k, m, 16, cmp_16);
        for (size_t i = 0; i < m; i++) g += i == 0 || memcmp(k[i], k[i - 1], 16) != 0;
    }
    free(k);
    return g;
}

static uint64_t rs = 0x5eed;
static uint64_t rnd(void) {
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return rs * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: route_dpdk ROUTES\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    size_t n4 = 0, n6 = 0, c4 = 1 << 21, c6 = 1 << 19;
    r4 *v4 = malloc(c4 * sizeof *v4);
    r6 *v6 = malloc(c6 * sizeof *v6);
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char pfx[128];
        unsigned len;
        uint32_t nh;
        char *slash;
        if (line[0] == '#' || sscanf(line, "%127s %" SCNu32, pfx, &nh) != 2) continue;
        if (!(slash = strchr(pfx, '/'))) continue;
        *slash = 0;
        len = (unsigned)atoi(slash + 1);
        if (strchr(pfx, ':')) {
            if (n6 < c6 && inet_pton(AF_INET6, pfx, v6[n6].ip) == 1) {
                v6[n6].len = (uint8_t)len;
                v6[n6].nh = nh;
                n6++;
            }
        } else {
            struct in_addr a;
            if (n4 < c4 && inet_pton(AF_INET, pfx, &a) == 1) {
                v4[n4].ip = ntohl(a.s_addr);
                v4[n4].len = (uint8_t)len;
                v4[n4].nh = nh;
                n4++;
            }
        }
    }
    fclose(f);
    printf("table: %zu IPv4, %zu IPv6 routes\n", n4, n6);

    /* DPDK on small pages (--no-huge: no setup needed) unless ROUTE_BENCH_HUGE=1, which gives it
     * hugetlbfs pages as in production (needs reserved huge pages and a hugetlbfs mount). */
    int huge = getenv("ROUTE_BENCH_HUGE") != NULL;
    char *eal[] = {argv[0], "--no-pci", "--no-shconf", "--log-level=3", "--force-max-simd-bitwidth=512",
                  "-m", "3072", "--no-huge"};
    int neal = (int)(sizeof eal / sizeof eal[0]) - (huge ? 1 : 0);
    printf("DPDK memory: %s\n", huge ? "hugetlbfs pages" : "small pages (--no-huge)");
    if (rte_eal_init(neal, eal) < 0) {
        fprintf(stderr, "SKIP: rte_eal_init failed\n");
        return 0;
    }

    const char *only = getenv("ROUTE_BENCH_ONLY");
    int warm = getenv("ROUTE_BENCH_COLD") == NULL;
    int run4 = !only || strcmp(only, "6") != 0, run6 = !only || strcmp(only, "4") != 0;
    int with_lpm = run4 && !getenv("ROUTE_BENCH_NO_LPM");

    /* ---- IPv4: rte_fib DIR-24-8 vs neutrino ---- */
    struct rte_fib_conf fc;
    memset(&fc, 0, sizeof fc);
    fc.type = RTE_FIB_DIR24_8;
    fc.default_nh = DPDK_NONE;
    fc.max_routes = (int)n4 + 16;
    fc.dir24_8.nh_sz = RTE_FIB_DIR24_8_4B;
    /* Sized to what the table needs (with room for updates), as a deployment would. */
    unsigned need4 = tbl8_groups4(v4, n4);
    fc.dir24_8.num_tbl8 = need4 + need4 / 8 + 256;
    size_t d4_0, d4_c, d4_1, c4_0, c4_1, dl_0, dl_1, unused4;
    heap_bytes(&d4_0, &unused4);
    double t0;
    struct rte_fib *fib;
    size_t fails;
    int first_err;
    /* The estimate is a lower bound; a build that runs out of tbl8 groups (ENOSPC) is redone
     * with half as many more, so the table ends within 1.5x of what it needs. */
    for (;;) {
        t0 = now();
        fib = rte_fib_create("v4", -1, &fc);
        if (!fib) {
            fprintf(stderr, "rte_fib_create failed: %s\n", rte_strerror(rte_errno));
            return 1;
        }
        heap_bytes(&d4_c, &unused4);
        fails = 0;
        first_err = 0;
        /* DPDK 22.11 answers the default route for every address when /0 is added after more
         * specific routes (seen here for rte_fib and rte_fib6): add it first, as a workaround. */
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n4; i++) {
                if ((v4[i].len == 0) != (pass == 0)) continue;
                int rc = rte_fib_add(fib, v4[i].ip, v4[i].len, v4[i].nh);
                if (rc < 0 && !fails++) first_err = rc;
            }
        if (first_err != -ENOSPC) break;
        rte_fib_free(fib);
        fc.dir24_8.num_tbl8 += fc.dir24_8.num_tbl8 / 2;
    }
    if (fails) printf("rte_fib_add failed for %zu routes (first error %d)\n", fails, first_err);
    double dpdk_build = now() - t0;

    heap_bytes(&d4_1, &unused4);
    uint32_t *ba = malloc(n4 * 4), *bg = malloc(n4 * 4);
    uint8_t *bl = malloc(n4);
    for (size_t i = 0; i < n4; i++) {
        ba[i] = v4[i].ip;
        bl[i] = v4[i].len;
        bg[i] = v4[i].nh;
    }
    /* Measured after the bench's own route arrays, so the delta is the table alone. */
    heap_bytes(&unused4, &c4_0);
    long huge4_0 = anon_huge_kib();
    neutrino_vrf_table *t = NULL;
    if (neutrino_vrf_table_new(2, 16, 1, &t) != NEUTRINO_OK || neutrino_vrf_add(t, 0) != NEUTRINO_OK) return 1;
    /* All but the last 10000 routes in one bulk call, then those route by route (each one
     * published), to show both update paths. */
    size_t tail = n4 > 10000 ? 10000 : n4, done = 0;
    t0 = now();
    if (neutrino_route_add_v4_bulk(t, 0, ba, bl, bg, n4 - tail, &done) != NEUTRINO_OK) {
        fprintf(stderr, "bulk add refused route %zu\n", done);
        return 1;
    }
    double ours_build = now() - t0;
    t0 = now();
    for (size_t i = n4 - tail; i < n4; i++) {
        if (neutrino_route_add_v4(t, 0, v4[i].ip, v4[i].len, v4[i].nh, NULL) != NEUTRINO_OK) {
            fprintf(stderr, "neutrino_route_add_v4 refused route %zu\n", i);
            return 1;
        }
    }
    double ours_each = (now() - t0) / (double)tail;
    heap_bytes(&unused4, &c4_1);
    printf("ipv4 build: rte_fib %.2f s (route by route); neutrino %.2f s bulk for %zu routes, then %.1f us per "
           "single published add\n",
           dpdk_build, ours_build, n4 - tail, ours_each * 1e6);
    printf("ipv4 memory: neutrino %.1f MiB of it on transparent huge pages\n",
           (double)(anon_huge_kib() - huge4_0) / 1024);

    uint32_t *rnd4 = malloc(N_ADDR * 4), *hit4 = malloc(N_ADDR * 4), *g = malloc(N_ADDR * 4);
    uint64_t *nh64 = malloc(N_ADDR * 8);
    for (int i = 0; i < N_ADDR; i++) {
        rnd4[i] = (uint32_t)rnd();
        for (;;) {
            r4 *r = &v4[rnd() % n4];
            if (r->len == 0) continue;
            uint32_t host = r->len >= 32 ? 0 : (uint32_t)rnd() & (0xffffffffu >> r->len);
            hit4[i] = r->ip | host;
            break;
        }
    }
    /* rte_lpm (DIR-24-8 with 24-bit next hops): a third IPv4 peer. It takes no /0, so the
     * default route is applied to its misses when the answers are compared (not timed). */
    struct rte_lpm_config lc = {.max_rules = (uint32_t)n4 + 16, .number_tbl8s = need4 + need4 / 8 + 256, .flags = 0};
    struct rte_lpm *lpm = NULL;
    uint32_t lpm_default = DPDK_NONE;
    heap_bytes(&dl_0, &unused4);
    dl_1 = dl_0;
    if (with_lpm) {
        t0 = now();
        lpm = rte_lpm_create("v4lpm", -1, &lc);
        if (!lpm) {
            fprintf(stderr, "rte_lpm_create failed: %s\n", rte_strerror(rte_errno));
            return 1;
        }
        fails = 0;
        for (size_t i = 0; i < n4; i++) {
            if (v4[i].len == 0) {
                lpm_default = v4[i].nh;
                continue;
            }
            int rc = rte_lpm_add(lpm, v4[i].ip, v4[i].len, v4[i].nh);
            if (rc < 0 && !fails++) first_err = rc;
        }
        if (fails) printf("rte_lpm_add failed for %zu routes (first error %d)\n", fails, first_err);
        /* Slow: rte_lpm_add scans the rules of the same depth (about 2 minutes for this table). */
        printf("ipv4 build: rte_lpm %.2f s (route by route)\n", now() - t0);
        heap_bytes(&dl_1, &unused4);
    }
    if (lpm)
        printf("ipv4 memory: rte_lpm %.1f MiB (DPDK heap: table with %u tbl8 groups preallocated, and rules)\n",
               (double)(dl_1 - dl_0) / (1 << 20), lc.number_tbl8s);
    printf("ipv4 memory: rte_fib %.1f MiB (DPDK heap: %.1f MiB at create, for the table with %d tbl8 groups "
           "and the RIB's node pool; %.1f MiB more once the routes are in); neutrino %.1f MiB (C heap: RIB and "
           "lookup structure)\n",
           (double)(d4_1 - d4_0) / (1 << 20), (double)(d4_c - d4_0) / (1 << 20), fc.dir24_8.num_tbl8,
           (double)(d4_1 - d4_c) / (1 << 20), (double)(c4_1 - c4_0) / (1 << 20));
    uint32_t *nh32 = malloc(N_ADDR * 4);

    /* DPDK's AVX-512 lookup is a second peer when this build and CPU have it (the EAL was told
     * --force-max-simd-bitwidth=512); the scalar one stays the first. */
    int vec4 = rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_VECTOR_AVX512) == 0;
    if (!vec4) printf("ipv4: rte_fib AVX-512 lookup not available here\n");
    const char *kinds[2] = {"random", "hit"};
    uint32_t *sets4[2] = {rnd4, hit4};
    for (int k = 0; run4 && k < 2; k++) {
        uint32_t *a = sets4[k];
        size_t bad = 0;
        rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_SCALAR_MACRO);
        rte_fib_lookup_bulk(fib, a, nh64, N_ADDR);
        neutrino_route_lookup_v4_burst(t, 0, a, N_ADDR, g, NULL);
        for (int i = 0; i < N_ADDR; i++) {
            uint32_t d = nh64[i] == DPDK_NONE ? NEUTRINO_ROUTE_NONE : (uint32_t)nh64[i];
            if (d != g[i] && bad++ < 3) printf("  differ at %d: dpdk %u neutrino %u\n", i, d, g[i]);
        }
        size_t lbad = 0;
        if (lpm) rte_lpm_lookup_bulk(lpm, a, nh32, N_ADDR);
        for (int i = 0; lpm && i < N_ADDR; i++) {
            uint32_t d = nh32[i] & RTE_LPM_LOOKUP_SUCCESS ? nh32[i] & 0xffffffu : lpm_default;
            d = d == DPDK_NONE ? NEUTRINO_ROUTE_NONE : d;
            if (d != g[i] && lbad++ < 3) printf("  differ at %d: rte_lpm %u neutrino %u\n", i, d, g[i]);
        }
        size_t vbad = 0;
        if (vec4) {
            rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_VECTOR_AVX512);
            rte_fib_lookup_bulk(fib, a, nh64, N_ADDR);
            for (int i = 0; i < N_ADDR; i++) {
                uint32_t d = nh64[i] == DPDK_NONE ? NEUTRINO_ROUTE_NONE : (uint32_t)nh64[i];
                if (d != g[i] && vbad++ < 3) printf("  differ at %d: dpdk avx512 %u neutrino %u\n", i, d, g[i]);
            }
        }
        double dv[REPS], vv[REPS], lv[REPS], ov[REPS];
        for (int rep = 0; rep < REPS; rep++) {
            lv[rep] = 0;
            if (lpm) {
                if (warm) rte_lpm_lookup_bulk(lpm, a, nh32, N_ADDR);
                t0 = cpu();
                for (int r = 0; r < ROUNDS; r++)
                    for (int i = 0; i < N_ADDR; i += BURST) rte_lpm_lookup_bulk(lpm, a + i, nh32 + i, BURST);
                lv[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
            }
            rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_SCALAR_MACRO);
            if (warm) rte_fib_lookup_bulk(fib, a, nh64, N_ADDR);
            t0 = cpu();
            for (int r = 0; r < ROUNDS; r++)
                for (int i = 0; i < N_ADDR; i += BURST) rte_fib_lookup_bulk(fib, a + i, nh64 + i, BURST);
            dv[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
            vv[rep] = 0;
            if (vec4) {
                rte_fib_select_lookup(fib, RTE_FIB_LOOKUP_DIR24_8_VECTOR_AVX512);
                if (warm) rte_fib_lookup_bulk(fib, a, nh64, N_ADDR);
                t0 = cpu();
                for (int r = 0; r < ROUNDS; r++)
                    for (int i = 0; i < N_ADDR; i += BURST) rte_fib_lookup_bulk(fib, a + i, nh64 + i, BURST);
                vv[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
            }
            if (warm)
                for (int i = 0; i < N_ADDR; i += BURST) neutrino_route_lookup_v4_burst(t, 0, a + i, BURST, g + i, NULL);
            t0 = cpu();
            for (int r = 0; r < ROUNDS; r++)
                for (int i = 0; i < N_ADDR; i += BURST)
                    neutrino_route_lookup_v4_burst(t, 0, a + i, BURST, g + i, NULL);
            ov[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
        }
        double d = median(dv, REPS), o = median(ov, REPS), v = median(vv, REPS), l = median(lv, REPS);
        printf("ipv4 %-6s burst64: rte_fib %.1f M/s, neutrino %.1f M/s (%.2fx; medians of %d, thread CPU time); "
               "disagreements %zu\n",
               kinds[k], d, o, o / d, REPS, bad);
        if (vec4)
            printf("ipv4 %-6s burst64: rte_fib AVX-512 %.1f M/s, neutrino %.1f M/s (%.2fx; same runs); disagreements "
                   "%zu\n",
                   kinds[k], v, o, o / v, vbad);
        if (lpm)
            printf("ipv4 %-6s burst64: rte_lpm %.1f M/s, neutrino %.1f M/s (%.2fx; same runs); disagreements %zu\n",
                   kinds[k], l, o, o / l, lbad);
    }

    /* ---- IPv6: rte_fib6 trie vs neutrino ---- */
    struct rte_fib6_conf f6;
    memset(&f6, 0, sizeof f6);
    f6.type = RTE_FIB6_TRIE;
    f6.default_nh = DPDK_NONE;
    f6.max_routes = (int)n6 + 16;
    f6.trie.nh_sz = RTE_FIB6_TRIE_4B;
    unsigned need6 = tbl8_groups6(v6, n6);
    f6.trie.num_tbl8 = need6 + need6 / 8 + 256;
    size_t d6_0, d6_c, c6_0, d6_1, c6_1, unused;
    heap_bytes(&d6_0, &unused);
    struct rte_fib6 *fib6;
    /* The trie needs more groups than the estimate (each route range's two edges get their
     * own paths): grown like the IPv4 table's. */
    for (;;) {
        t0 = now();
        fib6 = rte_fib6_create("v6", -1, &f6);
        if (!fib6) {
            fprintf(stderr, "rte_fib6_create failed: %s\n", rte_strerror(rte_errno));
            return 1;
        }
        heap_bytes(&d6_c, &unused);
        fails = 0;
        first_err = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n6; i++) {
                if ((v6[i].len == 0) != (pass == 0)) continue;
                int rc = rte_fib6_add(fib6, v6[i].ip, v6[i].len, v6[i].nh);
                if (rc < 0 && !fails++) first_err = rc;
            }
        if (first_err != -ENOSPC) break;
        rte_fib6_free(fib6);
        f6.trie.num_tbl8 += f6.trie.num_tbl8 / 2;
    }
    if (fails) printf("rte_fib6_add failed for %zu routes (first error %d)\n", fails, first_err);
    dpdk_build = now() - t0;
    heap_bytes(&d6_1, &unused);
    uint8_t (*ba6)[16] = malloc(n6 * 16);
    uint8_t *bl6 = malloc(n6);
    uint32_t *bg6 = malloc(n6 * 4);
    for (size_t i = 0; i < n6; i++) {
        memcpy(ba6[i], v6[i].ip, 16);
        bl6[i] = v6[i].len;
        bg6[i] = v6[i].nh;
    }
    heap_bytes(&unused, &c6_0);
    long huge6_0 = anon_huge_kib();
    tail = n6 > 1000 ? 1000 : n6;
    t0 = now();
    if (neutrino_route_add_v6_bulk(t, 0, (const uint8_t (*)[16])ba6, bl6, bg6, n6 - tail, &done) != NEUTRINO_OK) {
        fprintf(stderr, "bulk add v6 refused route %zu\n", done);
        return 1;
    }
    ours_build = now() - t0;
    t0 = now();
    for (size_t i = n6 - tail; i < n6; i++) {
        if (neutrino_route_add_v6(t, 0, (const uint8_t (*)[16])v6[i].ip, v6[i].len, v6[i].nh, NULL) != NEUTRINO_OK) {
            fprintf(stderr, "neutrino_route_add_v6 refused route %zu\n", i);
            return 1;
        }
    }
    ours_each = (now() - t0) / (double)tail;
    heap_bytes(&unused, &c6_1);
    printf("ipv6 memory: rte_fib6 %.1f MiB (DPDK heap: %.1f MiB at create, for the trie with %u tbl8 groups and "
           "the RIB's node pool; %.1f MiB more once the routes are in); neutrino %.1f MiB (C heap: RIB and lookup "
           "structure); DPDK heap before, with the IPv4 peers: %.1f MiB\n",
           (double)(d6_1 - d6_0) / (1 << 20), (double)(d6_c - d6_0) / (1 << 20), f6.trie.num_tbl8,
           (double)(d6_1 - d6_c) / (1 << 20), (double)(c6_1 - c6_0) / (1 << 20), (double)d6_0 / (1 << 20));
    printf("ipv6 build: rte_fib6 %.2f s; neutrino %.2f s bulk for %zu routes, then %.1f us per single published "
           "add\n",
           dpdk_build, ours_build, n6 - tail, ours_each * 1e6);
    printf("ipv6 memory: neutrino %.1f MiB of it on transparent huge pages\n",
           (double)(anon_huge_kib() - huge6_0) / 1024);
    uint8_t (*rnd6)[16] = malloc(N_ADDR * 16), (*hit6)[16] = malloc(N_ADDR * 16);
    for (int i = 0; i < N_ADDR; i++) {
        uint64_t x = rnd(), y = rnd();
        memcpy(rnd6[i], &x, 8);
        memcpy(rnd6[i] + 8, &y, 8);
        rnd6[i][0] = 0x20 | (rnd6[i][0] & 0x0f); /* inside 2000::/4, where the routes are */
        for (;;) {
            r6 *r = &v6[rnd() % n6];
            if (r->len == 0) continue;
            uint8_t h[16];
            x = rnd();
            y = rnd();
            memcpy(h, &x, 8);
            memcpy(h + 8, &y, 8);
            for (int b = 0; b < 16; b++) {
                int keep = r->len - b * 8; /* prefix bits in this byte */
                uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
                hit6[i][b] = (uint8_t)((r->ip[b] & m) | (h[b] & ~m));
            }
            break;
        }
    }
    int vec6 = rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_VECTOR_AVX512) == 0;
    if (!vec6) printf("ipv6: rte_fib6 AVX-512 lookup not available here\n");
    uint8_t (*sets6[2])[16] = {rnd6, hit6};
    const char *kinds6[2] = {"random", "hit"};
    for (int k = 0; run6 && k < 2; k++) {
        uint8_t (*a)[16] = sets6[k];
        size_t bad = 0;
        rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_SCALAR);
        rte_fib6_lookup_bulk(fib6, a, nh64, N_ADDR);
        neutrino_route_lookup_v6_burst(t, 0, (const uint8_t (*)[16])a, N_ADDR, g, NULL);
        for (int i = 0; i < N_ADDR; i++) {
            uint32_t d = nh64[i] == DPDK_NONE ? NEUTRINO_ROUTE_NONE : (uint32_t)nh64[i];
            if (d != g[i] && bad++ < 3) printf("  differ at %d: dpdk %u neutrino %u\n", i, d, g[i]);
        }
        size_t vbad = 0;
        if (vec6) {
            rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_VECTOR_AVX512);
            rte_fib6_lookup_bulk(fib6, a, nh64, N_ADDR);
            for (int i = 0; i < N_ADDR; i++) {
                uint32_t d = nh64[i] == DPDK_NONE ? NEUTRINO_ROUTE_NONE : (uint32_t)nh64[i];
                if (d != g[i] && vbad++ < 3) printf("  differ at %d: dpdk avx512 %u neutrino %u\n", i, d, g[i]);
            }
        }
        double dv[REPS], vv[REPS], ov[REPS];
        for (int rep = 0; rep < REPS; rep++) {
            rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_SCALAR);
            if (warm) rte_fib6_lookup_bulk(fib6, a, nh64, N_ADDR);
            t0 = cpu();
            for (int r = 0; r < ROUNDS; r++)
                for (int i = 0; i < N_ADDR; i += BURST) rte_fib6_lookup_bulk(fib6, a + i, nh64 + i, BURST);
            dv[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
            vv[rep] = 0;
            if (vec6) {
                rte_fib6_select_lookup(fib6, RTE_FIB6_LOOKUP_TRIE_VECTOR_AVX512);
                if (warm) rte_fib6_lookup_bulk(fib6, a, nh64, N_ADDR);
                t0 = cpu();
                for (int r = 0; r < ROUNDS; r++)
                    for (int i = 0; i < N_ADDR; i += BURST) rte_fib6_lookup_bulk(fib6, a + i, nh64 + i, BURST);
                vv[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
            }
            if (warm)
                for (int i = 0; i < N_ADDR; i += BURST)
                    neutrino_route_lookup_v6_burst(t, 0, (const uint8_t (*)[16])(a + i), BURST, g + i, NULL);
            t0 = cpu();
            for (int r = 0; r < ROUNDS; r++)
                for (int i = 0; i < N_ADDR; i += BURST)
                    neutrino_route_lookup_v6_burst(t, 0, (const uint8_t (*)[16])(a + i), BURST, g + i, NULL);
            ov[rep] = (double)N_ADDR * ROUNDS / (cpu() - t0) / 1e6;
        }
        double d = median(dv, REPS), o = median(ov, REPS), v = median(vv, REPS);
        printf("ipv6 %-6s burst64: rte_fib6 %.1f M/s, neutrino %.1f M/s (%.2fx; medians of %d, thread CPU time); "
               "disagreements %zu\n",
               kinds6[k], d, o, o / d, REPS, bad);
        if (vec6)
            printf("ipv6 %-6s burst64: rte_fib6 AVX-512 %.1f M/s, neutrino %.1f M/s (%.2fx; same runs); "
                   "disagreements %zu\n",
                   kinds6[k], v, o, o / v, vbad);
    }
    neutrino_vrf_table_free(t);
    rte_fib_free(fib);
    if (lpm) rte_lpm_free(lpm);
    rte_fib6_free(fib6);
    rte_eal_cleanup();
    return 0;
}
