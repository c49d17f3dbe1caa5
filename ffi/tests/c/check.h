/* check.h: a tiny assertion kit for the C tests of neutrino (C11 and C++17). Failed checks are
 * counted and printed; a test's main returns check_report(). */
#ifndef NEUTRINO_TEST_CHECK_H
#define NEUTRINO_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#define STATIC_CHECK(cond, msg) static_assert(cond, msg)
#else
#define STATIC_CHECK(cond, msg) _Static_assert(cond, msg)
#endif

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        check_count++;                                                                \
        if (!(cond)) {                                                                \
            check_failures++;                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        unsigned long long check_a_ = (unsigned long long)(a);                           \
        unsigned long long check_b_ = (unsigned long long)(b);                           \
        check_count++;                                                                   \
        if (check_a_ != check_b_) {                                                      \
            check_failures++;                                                            \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (0x%llx != 0x%llx)\n",     \
                    __FILE__, __LINE__, #a, #b, check_a_, check_b_);                     \
        }                                                                                \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                \
    do {                                                                                  \
        check_count++;                                                                    \
        if (memcmp((a), (b), (n)) != 0) {                                                 \
            check_failures++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s == %s\n", __FILE__, __LINE__, #a, \
                    #b);                                                                  \
        }                                                                                 \
    } while (0)

#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *check_a_ = (a);                                                        \
        const char *check_b_ = (b);                                                        \
        check_count++;                                                                     \
        if (check_a_ == NULL || strcmp(check_a_, check_b_) != 0) {                         \
            check_failures++;                                                              \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == \"%s\" (got \"%s\")\n", __FILE__, \
                    __LINE__, #a, check_b_, check_a_ ? check_a_ : "(null)");               \
        }                                                                                  \
    } while (0)

static int check_report(const char *name) {
    if (check_failures) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, check_failures, check_count);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, check_count);
    return 0;
}

#endif /* NEUTRINO_TEST_CHECK_H */
