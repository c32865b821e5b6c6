/* Host tests of sigma0's ownership bookkeeping (src/user/sigma0/s0mem.c):
 * region map operations, start-up from KIP-like descriptor lists, request
 * and fault decisions (ABI 7.5), IO ports, and randomised comparisons with
 * a page-by-page reference model (fixed seeds, printed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/types.h>

#include "s0mem.h"
#include "s0proto.h"

#define USER_BASE 48u
#define SIGMA0_ID ((USER_BASE << 14) | 1u)
#define SIGMA1_ID (((USER_BASE + 1) << 14) | 1u)
#define ROOT_ID (((USER_BASE + 2) << 14) | 1u)
#define USER_A (((USER_BASE + 10) << 14) | 1u)
#define USER_B (((USER_BASE + 11) << 14) | 1u)
#define KTHREAD ((20u << 14) | 1u)

static struct s0mem *s;

static int setup(void **state)
{
    (void)state;
    s = calloc(1, sizeof(*s));
    return s ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(s);
    return 0;
}

static uint32_t rng_state;

static void rng_seed(uint32_t seed)
{
    rng_state = seed;
    print_message("seed 0x%08x\n", seed);
}

static uint32_t rng_next(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* Map invariants: covers [0, limit] in order without gaps, no mergeable neighbours. */
static void check_map_invariants(const struct s0map *m)
{
    assert_true(m->n >= 1 && m->n <= S0MAP_CAPACITY);
    assert_int_equal(m->r[0].first, 0);
    assert_int_equal(m->r[m->n - 1].last, m->limit);
    for (unsigned i = 0; i < m->n; i++) {
        assert_true(m->r[i].first <= m->r[i].last);
        if (i > 0) {
            assert_int_equal(m->r[i].first, m->r[i - 1].last + 1);
            assert_false(m->r[i].kind == m->r[i - 1].kind && m->r[i].owner == m->r[i - 1].owner);
        }
    }
}

static unsigned kind_at(const struct s0map *m, uint32_t a)
{
    const struct s0_region *r = s0map_lookup(m, a);
    assert_non_null(r);
    return r->kind;
}

static uint32_t owner_at(const struct s0map *m, uint32_t a)
{
    const struct s0_region *r = s0map_lookup(m, a);
    assert_non_null(r);
    return r->owner;
}

/* ---- s0map ---- */

static void test_s0map_init_single_region(void **state)
{
    (void)state;
    s0map_init(&s->mem, 0xFFFFFFFFu, S0_UNKNOWN);
    check_map_invariants(&s->mem);
    assert_int_equal(s->mem.n, 1);
    assert_int_equal(kind_at(&s->mem, 0xFFFFFFFFu), S0_UNKNOWN);
    s0map_init(&s->io, 0xFFFF, S0_FREE);
    assert_null(s0map_lookup(&s->io, 0x10000));
    assert_int_equal(kind_at(&s->io, 0xFFFF), S0_FREE);
}

static void test_s0map_assign_splits_and_merges(void **state)
{
    (void)state;
    struct s0map *m = &s->mem;
    s0map_init(m, 0xFFFFFFFFu, S0_UNKNOWN);
    assert_true(s0map_assign(m, 0x1000, 0x1FFF, S0_FREE, 0));
    assert_int_equal(m->n, 3);
    assert_true(s0map_assign(m, 0x2000, 0x2FFF, S0_FREE, 0));
    assert_int_equal(m->n, 3); /* merged with the left neighbour */
    assert_int_equal(s0map_lookup(m, 0x1000)->last, 0x2FFF);
    assert_true(s0map_assign(m, 0x1800, 0x27FF, S0_OWNED, USER_A));
    assert_int_equal(m->n, 5);
    assert_int_equal(owner_at(m, 0x2000), USER_A);
    assert_true(s0map_assign(m, 0x1800, 0x27FF, S0_FREE, 0));
    assert_int_equal(m->n, 3); /* merged back on both sides */
    check_map_invariants(m);
    assert_true(s0map_assign(m, 0, 0xFFFFFFFFu, S0_SHARED, 0));
    assert_int_equal(m->n, 1);
    check_map_invariants(m);
}

static void test_s0map_assign_rejects_bad_ranges(void **state)
{
    (void)state;
    s0map_init(&s->io, 0xFFFF, S0_FREE);
    assert_false(s0map_assign(&s->io, 10, 9, S0_KERNEL, 0));
    assert_false(s0map_assign(&s->io, 0, 0x10000, S0_KERNEL, 0));
    assert_int_equal(s->io.n, 1);
}

static void test_s0map_assign_full_map_unchanged(void **state)
{
    (void)state;
    struct s0map *m = &s->mem;
    s0map_init(m, 0xFFFFFFFFu, S0_UNKNOWN);
    uint32_t a = 0;
    while (m->n + 2 <= S0MAP_CAPACITY) {
        assert_true(s0map_assign(m, a + 0x1000, a + 0x1FFF, S0_FREE, 0));
        a += 0x2000;
    }
    check_map_invariants(m);
    unsigned n = m->n;
    struct s0_region last = m->r[n - 1];
    assert_false(s0map_assign(m, a + 0x1000, a + 0x1FFF, S0_FREE, 0));
    assert_int_equal(m->n, n);
    assert_memory_equal(&m->r[n - 1], &last, sizeof(last));
    /* a change that does not split still fits */
    assert_true(s0map_assign(m, 0x1000, 0x1FFF, S0_KERNEL, 0));
    check_map_invariants(m);
}

/* Page-granular reference model of s0map_assign on [0, 4095]. */
static void test_s0map_assign_random_model(void **state)
{
    (void)state;
    enum { N = 4096 };
    static uint8_t kind[N];
    static uint32_t owner[N];
    struct s0map *m = &s->io;
    rng_seed(0x50A11C01u);
    s0map_init(m, N - 1, S0_UNKNOWN);
    memset(kind, S0_UNKNOWN, sizeof(kind));
    memset(owner, 0, sizeof(owner));
    for (int step = 0; step < 3000; step++) {
        uint32_t first = rng_next() % N, len = 1 + rng_next() % (rng_next() % 2 ? 8 : 600);
        uint32_t last = first + len - 1 >= N ? N - 1 : first + len - 1;
        unsigned k = rng_next() % 6;
        uint32_t o = k == S0_OWNED ? 1 + rng_next() % 3 : 0;
        assert_true(s0map_assign(m, first, last, k, o));
        for (uint32_t a = first; a <= last; a++) {
            kind[a] = (uint8_t)k;
            owner[a] = o;
        }
        check_map_invariants(m);
        for (uint32_t a = 0; a < N; a += 1 + rng_next() % 7) {
            assert_int_equal(kind_at(m, a), kind[a]);
            assert_int_equal(owner_at(m, a), owner[a]);
        }
    }
}

/* ---- start-up ---- */

static void test_s0mem_init_page_size(void **state)
{
    (void)state;
    assert_false(s0mem_init(s, 0, USER_BASE));
    assert_false(s0mem_init(s, 0x3FF, USER_BASE));
    assert_true(s0mem_init(s, 0x00401000u, USER_BASE));
    assert_int_equal(s->page_log2, 12);
    assert_true(s0mem_init(s, 0x00400000u, USER_BASE));
    assert_int_equal(s->page_log2, 22);
    assert_int_equal(kind_at(&s->mem, 0x1000), S0_UNKNOWN);
    assert_int_equal(kind_at(&s->io, 0x3F8), S0_FREE);
}

static void apply(uint32_t low, uint32_t high, uint32_t type, uint32_t sub, int virt)
{
    L4_MemoryDesc_t d = L4_MakeMemoryDesc(low, high, type, sub, virt);
    s0mem_apply_descriptor(s, d.x, d.y);
}

static void test_s0mem_apply_descriptor_types(void **state)
{
    (void)state;
    assert_true(s0mem_init(s, 0x1000, USER_BASE));
    apply(0x00000000, 0x0FFFFFFF, L4_ConventionalMemoryType, 0, 0);
    assert_int_equal(kind_at(&s->mem, 0x0FFFFFFF), S0_FREE);
    apply(0x01000000, 0x01FFFFFF, L4_ReservedMemoryType, 0, 0);
    apply(0x02000000, 0x02FFFFFF, L4_DedicatedMemoryType, 0, 0);
    apply(0x03000000, 0x03FFFFFF, L4_SharedMemoryType, 0, 0);
    apply(0x04000000, 0x04FFFFFF, L4_BootLoaderSpecificMemoryType, 3, 0);
    apply(0x05000000, 0x05FFFFFF, L4_ArchitectureSpecificMemoryType, 2, 0);
    apply(0x06000000, 0x06FFFFFF, L4_UndefinedMemoryType, 0, 0);
    apply(0x07000000, 0x07FFFFFF, 5, 0, 0);
    apply(0x08000000, 0x08FFFFFF, L4_ReservedMemoryType, 0, 1);  /* virtual: ignored */
    assert_int_equal(kind_at(&s->mem, 0x01000000), S0_KERNEL);
    assert_int_equal(kind_at(&s->mem, 0x02800000), S0_FREE_SPECIAL);
    assert_int_equal(kind_at(&s->mem, 0x03FFFFFF), S0_SHARED);
    assert_int_equal(kind_at(&s->mem, 0x04000000), S0_FREE_SPECIAL);
    assert_int_equal(kind_at(&s->mem, 0x05000000), S0_FREE_SPECIAL);
    assert_int_equal(kind_at(&s->mem, 0x06000000), S0_FREE);
    assert_int_equal(kind_at(&s->mem, 0x07000000), S0_FREE);
    assert_int_equal(kind_at(&s->mem, 0x08000000), S0_FREE);
    assert_int_equal(kind_at(&s->mem, 0x10000000), S0_UNKNOWN);
    /* last one wins */
    apply(0x01000000, 0x01FFFFFF, L4_ConventionalMemoryType, 0, 0);
    assert_int_equal(kind_at(&s->mem, 0x01000000), S0_FREE);
    check_map_invariants(&s->mem);
}

static void test_s0mem_assign_image_rounds_out(void **state)
{
    (void)state;
    assert_true(s0mem_init(s, 0x1000, USER_BASE));
    apply(0, 0x0FFFFFFF, L4_ConventionalMemoryType, 0, 0);
    s0mem_assign_image(s, 0x00801234, 0x00803001, S0_OWNED, ROOT_ID);
    assert_int_equal(kind_at(&s->mem, 0x007FFFFF), S0_FREE);
    assert_int_equal(owner_at(&s->mem, 0x00801000), ROOT_ID);
    assert_int_equal(owner_at(&s->mem, 0x00803FFF), ROOT_ID);
    assert_int_equal(kind_at(&s->mem, 0x00804000), S0_FREE);
    /* high is exclusive: an aligned end does not take the next page */
    s0mem_assign_image(s, 0x00900000, 0x00902000, S0_KERNEL, 0);
    assert_int_equal(kind_at(&s->mem, 0x00901FFF), S0_KERNEL);
    assert_int_equal(kind_at(&s->mem, 0x00902000), S0_FREE);
    unsigned n = s->mem.n;
    s0mem_assign_image(s, 0x00A00000, 0, S0_KERNEL, 0);
    s0mem_assign_image(s, 0x00A00000, 0x00A00000, S0_KERNEL, 0);
    assert_int_equal(s->mem.n, n);
}

static uint32_t kip_page[1024] __attribute__((aligned(4096)));
static unsigned kip_ndesc;

static void kip_add_desc(uint32_t low, uint32_t high, uint32_t type, uint32_t sub, int virt)
{
    L4_MemoryDesc_t d = L4_MakeMemoryDesc(low, high, type, sub, virt);
    kip_page[0x400 / 4 + 2 * kip_ndesc] = d.x;
    kip_page[0x400 / 4 + 2 * kip_ndesc + 1] = d.y;
    kip_ndesc++;
    kip_page[0x54 / 4] = (0x400u << 16) | kip_ndesc;
}

/* A KIP as a loader and kernel leave it (ABI 3.6 order) on a 128 MB PC. */
static void kip_build_pc(void)
{
    memset(kip_page, 0, sizeof(kip_page));
    kip_ndesc = 0;
    kip_page[0] = 0x4BE6344Cu;
    kip_page[0x0C4 / 4] = (USER_BASE << 20) | (16u << 8) | 17u;
    kip_page[0x0C8 / 4] = 0x00401006u;
    kip_page[0x018 / 4] = 0x00200000u;  /* Kdebug */
    kip_page[0x01C / 4] = 0x00210000u;
    kip_page[0x028 / 4] = 0x00800000u;  /* sigma0 */
    kip_page[0x02C / 4] = 0x00810000u;
    kip_page[0x048 / 4] = 0x01000000u;  /* root server */
    kip_page[0x04C / 4] = 0x01020800u;
    kip_add_desc(0, 0xFFFFFFFFu, L4_SharedMemoryType, 0, 0);
    kip_add_desc(0, 0x0009FBFFu, L4_ConventionalMemoryType, 0, 0);
    kip_add_desc(0x0009FC00u, 0x0009FFFFu, L4_ArchitectureSpecificMemoryType, 2, 0);
    kip_add_desc(0x000F0000u, 0x000FFFFFu, L4_ArchitectureSpecificMemoryType, 2, 0);
    kip_add_desc(0x00100000u, 0x07FDFFFFu, L4_ConventionalMemoryType, 0, 0);
    kip_add_desc(0x06000000u, 0x06FFFFFFu, L4_ReservedMemoryType, 0, 0);
    kip_add_desc(0x000A0000u, 0x000BFFFFu, L4_SharedMemoryType, 0, 0);
    kip_add_desc(0x00800000u, 0x0080FFFFu, L4_BootLoaderSpecificMemoryType, 2, 0);
    kip_add_desc(0x01000000u, 0x0101FFFFu, L4_BootLoaderSpecificMemoryType, 2, 0);
    kip_add_desc(0x01100000u, 0x0110FFFFu, L4_BootLoaderSpecificMemoryType, 3, 0);
    kip_add_desc(0, 0xBFFFFFFFu, L4_ConventionalMemoryType, 0, 1);
    kip_add_desc(0x00100000u, 0x001FFFFFu, L4_ReservedMemoryType, 0, 0);
}

static void test_s0mem_init_from_kip_ownership(void **state)
{
    (void)state;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    check_map_invariants(&s->mem);
    assert_int_equal(s->page_log2, 12);
    assert_int_equal(s->user_base, USER_BASE);
    assert_int_equal(kind_at(&s->mem, 0x00000000), S0_FREE);
    assert_int_equal(kind_at(&s->mem, 0x0009FC00), S0_FREE_SPECIAL);
    assert_int_equal(kind_at(&s->mem, 0x000A0000), S0_SHARED);
    assert_int_equal(kind_at(&s->mem, 0x000C0000), S0_SHARED); /* first descriptor */
    assert_int_equal(kind_at(&s->mem, 0x00100000), S0_KERNEL);
    assert_int_equal(kind_at(&s->mem, 0x00200000), S0_KERNEL); /* Kdebug image */
    assert_int_equal(kind_at(&s->mem, 0x00210000), S0_FREE);
    assert_int_equal(owner_at(&s->mem, 0x00800000), SIGMA0_ID);
    assert_int_equal(owner_at(&s->mem, 0x0080FFFF), SIGMA0_ID);
    assert_int_equal(owner_at(&s->mem, 0x01000000), ROOT_ID);
    assert_int_equal(owner_at(&s->mem, 0x01020FFF), ROOT_ID); /* rounded out */
    assert_int_equal(kind_at(&s->mem, 0x01021000), S0_FREE);
    assert_int_equal(kind_at(&s->mem, 0x01100000), S0_FREE_SPECIAL);
    assert_int_equal(kind_at(&s->mem, 0x06000000), S0_KERNEL);
    assert_int_equal(kind_at(&s->mem, 0x07FE0000), S0_SHARED);
    assert_int_equal(kind_at(&s->mem, 0xC0000000), S0_SHARED); /* virtual descriptor ignored */
    /* sigma1 absent (high 0): nothing assigned to it */
    for (unsigned i = 0; i < s->mem.n; i++)
        assert_int_not_equal(s->mem.r[i].owner, SIGMA1_ID);
}

static void test_s0mem_init_from_kip_sigma1_image(void **state)
{
    (void)state;
    kip_build_pc();
    kip_page[0x038 / 4] = 0x01200000u;
    kip_page[0x03C / 4] = 0x01201000u;
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(owner_at(&s->mem, 0x01200000), SIGMA1_ID);
    assert_int_equal(kind_at(&s->mem, 0x01201000), S0_FREE);
}

static void test_s0mem_init_from_kip_refuses_empty_page_mask(void **state)
{
    (void)state;
    kip_build_pc();
    kip_page[0x0C8 / 4] = 0x6;
    assert_false(s0mem_init_from_kip(s, kip_page));
}

/* ---- requests ---- */

static L4_Fpage_t page(uint32_t base, int log2)
{
    return L4_FpageAddRights(L4_FpageLog2(base, log2), L4_ReadWriteOnly);
}

/* decide + commit; returns the status, *g the grant. */
static enum s0_status serve(L4_Fpage_t req, uint32_t who, L4_Fpage_t *g)
{
    enum s0_status st = s0mem_decide_request(s, req, who, g);
    if (st == S0_OK)
        st = s0mem_commit(s, *g, who);
    return st;
}

static void test_s0mem_decide_request_free_then_owned(void **state)
{
    (void)state;
    L4_Fpage_t g = L4_Nilpage;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(serve(page(0x00400000, 12), USER_A, &g), S0_OK);
    assert_int_equal(g.raw, L4_FpageAddRights(L4_FpageLog2(0x00400000, 12), 7).raw);
    assert_int_equal(owner_at(&s->mem, 0x00400000), USER_A);
    assert_int_equal(kind_at(&s->mem, 0x00401000), S0_FREE);
    g = L4_Nilpage;
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 12), USER_B, &g), S0_NOT_AVAILABLE);
    assert_true(L4_IsNilFpage(g));
    assert_int_equal(serve(page(0x00400000, 12), USER_A, &g), S0_OK);  /* re-map for the owner */
    /* a larger region that contains someone else's page is refused, one with our own page is fine */
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 16), USER_B, &g), S0_NOT_AVAILABLE);
    assert_int_equal(serve(page(0x00400000, 16), USER_A, &g), S0_OK);
    assert_int_equal(owner_at(&s->mem, 0x0040F000), USER_A);
    check_map_invariants(&s->mem);
}

static void test_s0mem_decide_request_images_and_kernel(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(serve(page(0x01000000, 12), ROOT_ID, &g), S0_OK);
    assert_int_equal(s0mem_decide_request(s, page(0x01000000, 12), USER_A, &g), S0_NOT_AVAILABLE);
    assert_int_equal(s0mem_decide_request(s, page(0x00800000, 12), ROOT_ID, &g), S0_NOT_AVAILABLE);
    assert_int_equal(s0mem_decide_request(s, page(0x00100000, 12), ROOT_ID, &g), S0_NOT_AVAILABLE);
    assert_int_equal(s0mem_decide_request(s, page(0x00200000, 12), ROOT_ID, &g), S0_NOT_AVAILABLE);
    assert_int_equal(s0mem_decide_request(s, page(0x06000000, 22), ROOT_ID, &g), S0_NOT_AVAILABLE);
    assert_int_equal(s0mem_decide_request(s, L4_FpageLog2(0, 32), ROOT_ID, &g), S0_NOT_AVAILABLE);
}

static void test_s0mem_decide_request_special_and_shared(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    /* boot module memory (non-conventional) only on explicit request */
    assert_int_equal(serve(page(0x01100000, 16), ROOT_ID, &g), S0_OK);
    assert_int_equal(owner_at(&s->mem, 0x0110F000), ROOT_ID);
    assert_int_equal(s0mem_decide_request(s, page(0x01100000, 12), USER_A, &g), S0_NOT_AVAILABLE);
    /* shared (VGA, device space) any number of times, stays shared */
    assert_int_equal(serve(page(0x000B8000, 12), USER_A, &g), S0_OK);
    assert_int_equal(serve(page(0x000B8000, 12), USER_B, &g), S0_OK);
    assert_int_equal(kind_at(&s->mem, 0x000B8000), S0_SHARED);
    assert_int_equal(serve(page(0xFEC00000, 12), USER_B, &g), S0_OK);
    assert_int_equal(kind_at(&s->mem, 0xFEC00000), S0_SHARED);
    /* a region that is partly free, partly shared: the free part becomes ours */
    assert_int_equal(serve(page(0x00080000, 19), USER_A, &g), S0_OK);
    assert_int_equal(owner_at(&s->mem, 0x00080000), USER_A);
    assert_int_equal(owner_at(&s->mem, 0x0009FC00), USER_A);
    assert_int_equal(kind_at(&s->mem, 0x000A0000), S0_SHARED);
    assert_int_equal(kind_at(&s->mem, 0x000F0000), S0_OWNED);
    assert_int_equal(serve(page(0x07FC0000, 18), USER_A, &g), S0_OK);
    assert_int_equal(owner_at(&s->mem, 0x07FC0000), USER_A);
    assert_int_equal(kind_at(&s->mem, 0x07FE0000), S0_SHARED);
    check_map_invariants(&s->mem);
}

static void test_s0mem_decide_request_rejects_non_user_threads(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 12), KTHREAD, &g), S0_NOT_USER);
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 12), (3u << 14) | 1u, &g), S0_NOT_USER);
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 12), 0xBF000100u, &g), S0_NOT_USER);
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 12), 0xFFFFFFFFu, &g), S0_NOT_USER);
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 12), 0, &g), S0_NOT_USER);
    assert_int_equal(s0mem_decide_fault(s, 0x00400000, KTHREAD, &g), S0_NOT_USER);
}

static void test_s0mem_decide_request_invalid_sizes(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(s0mem_decide_request(s, page(0x00400000, 11), USER_A, &g), S0_INVALID);
    assert_int_equal(s0mem_decide_request(s, L4_Nilpage, USER_A, &g), S0_INVALID);
    assert_int_equal(s0mem_decide_request(s, (L4_Fpage_t){ .raw = 0x00400000u | (33u << 4) }, USER_A, &g),
                     S0_INVALID);
    assert_int_equal(s0mem_decide_request(s, L4_Sigma0AnyFpage(11, 0), USER_A, &g), S0_INVALID);
}

static void test_s0mem_decide_request_any_first_fit_aligned(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    /* page 0 is never handed out as "any" */
    assert_int_equal(serve(L4_Sigma0AnyFpage(12, 0), USER_A, &g), S0_OK);
    assert_int_equal(L4_Address(g), 0x1000);
    assert_int_equal(L4_SizeLog2(g), 12);
    assert_int_equal(L4_Rights(g), 7);
    assert_int_equal(serve((L4_Fpage_t){ .raw = 0xFFFFFCC8u }, USER_B, &g), S0_OK);  /* libl4's form */
    assert_int_equal(L4_Address(g), 0x2000);
    assert_int_equal(serve(L4_Sigma0AnyFpage(16, 0), USER_A, &g), S0_OK);
    assert_int_equal(L4_Address(g), 0x10000);
    assert_int_equal(serve(L4_Sigma0AnyFpage(13, 0), USER_A, &g), S0_OK);
    assert_int_equal(L4_Address(g), 0x4000);
    /* 4 MB blocks: 4 MB is free; 8 MB holds sigma0's image, so the next one is 12 MB */
    assert_int_equal(serve(L4_Sigma0AnyFpage(22, 0), USER_A, &g), S0_OK);
    assert_int_equal(L4_Address(g), 0x00400000);
    assert_int_equal(serve(L4_Sigma0AnyFpage(22, 0), USER_A, &g), S0_OK);
    assert_int_equal(L4_Address(g), 0x00C00000);
    assert_int_equal(s0mem_decide_request(s, L4_Sigma0AnyFpage(28, 0), USER_A, &g), S0_NO_FREE_MEMORY);
    assert_int_equal(s0mem_decide_request(s, L4_Sigma0AnyFpage(32, 0), USER_A, &g), S0_NO_FREE_MEMORY);
    check_map_invariants(&s->mem);
}

static void test_s0mem_decide_request_any_exhausts_memory(void **state)
{
    (void)state;
    L4_Fpage_t g;
    assert_true(s0mem_init(s, 0x1000, USER_BASE));
    apply(0, 0x7FFF, L4_ConventionalMemoryType, 0, 0);
    for (uint32_t a = 0x1000; a < 0x8000; a += 0x1000) {
        assert_int_equal(serve(L4_Sigma0AnyFpage(12, 0), a & 0x2000 ? USER_A : USER_B, &g), S0_OK);
        assert_int_equal(L4_Address(g), a);
    }
    assert_int_equal(serve(L4_Sigma0AnyFpage(12, 0), USER_A, &g), S0_NO_FREE_MEMORY);
}

/* ---- faults ---- */

static void test_s0mem_decide_fault_rules(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(s0mem_decide_fault(s, 0x01000123, ROOT_ID, &g), S0_OK);
    assert_int_equal(g.raw, L4_FpageAddRights(L4_FpageLog2(0x01000000, 12), 7).raw);
    assert_int_equal(s0mem_commit(s, g, ROOT_ID), S0_OK);
    assert_int_equal(s0mem_decide_fault(s, 0x01000FFF, USER_A, &g), S0_NOT_AVAILABLE);
    assert_int_equal(s0mem_decide_fault(s, 0x03000004, USER_A, &g), S0_OK);  /* free conventional */
    assert_int_equal(L4_Address(g), 0x03000000);
    assert_int_equal(s0mem_decide_fault(s, 0x000B8000, USER_A, &g), S0_OK);  /* shared */
    assert_int_equal(s0mem_decide_fault(s, 0x01100000, ROOT_ID, &g), S0_NOT_AVAILABLE); /* boot module */
    assert_int_equal(s0mem_decide_fault(s, 0x0009FC00, ROOT_ID, &g), S0_NOT_AVAILABLE); /* arch-specific */
    assert_int_equal(s0mem_decide_fault(s, 0x06000000, ROOT_ID, &g), S0_NOT_AVAILABLE); /* kernel */
    assert_int_equal(s0mem_decide_fault(s, 0x00800000, ROOT_ID, &g), S0_NOT_AVAILABLE); /* sigma0 */
}

/* ---- IO ports ---- */

static void test_s0mem_io_ownership(void **state)
{
    (void)state;
    L4_Fpage_t g;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(serve(L4_IoFpageLog2(0x3F8, 3), ROOT_ID, &g), S0_OK);
    assert_int_equal(g.raw, L4_IoFpageLog2(0x3F8, 3).raw);
    assert_int_equal(owner_at(&s->io, 0x3FF), ROOT_ID);
    assert_int_equal(kind_at(&s->io, 0x400), S0_FREE);
    assert_int_equal(s0mem_decide_request(s, L4_IoFpageLog2(0x3FC, 1), USER_A, &g), S0_NOT_AVAILABLE);
    assert_int_equal(serve(L4_IoFpageLog2(0x3FC, 1), ROOT_ID, &g), S0_OK);
    assert_int_equal(s0mem_decide_request(s, L4_IoFpageLog2(0, 16), USER_A, &g), S0_NOT_AVAILABLE);
    assert_int_equal(serve(L4_IoFpageLog2(0x60, 0), USER_A, &g), S0_OK);
    assert_int_equal(owner_at(&s->io, 0x60), USER_A);
    /* malformed IO fpages: misaligned port, more than 2^16 ports */
    L4_Fpage_t odd = { .raw = (0x3F9u << 16) | (3u << 10) | 0x20u };
    L4_Fpage_t huge = { .raw = (17u << 10) | 0x20u };
    assert_int_equal(s0mem_decide_request(s, odd, USER_A, &g), S0_INVALID);
    assert_int_equal(s0mem_decide_request(s, huge, USER_A, &g), S0_INVALID);
    assert_int_equal(s0mem_commit(s, huge, USER_A), S0_INVALID);
    L4_Fpage_t beyond = { .raw = (0xFFF8u << 16) | (4u << 10) | 0x20u };
    assert_int_equal(s0mem_commit(s, beyond, USER_A), S0_INVALID);
    check_map_invariants(&s->io);
}

/* ---- commit ---- */

static void test_s0mem_commit_rejects_invalid_memory_fpages(void **state)
{
    (void)state;
    assert_true(s0mem_init(s, 0x1000, USER_BASE));
    assert_int_equal(s0mem_commit(s, L4_Nilpage, USER_A), S0_INVALID);
    assert_int_equal(s0mem_commit(s, (L4_Fpage_t){ .raw = 40u << 4 }, USER_A), S0_INVALID);
    assert_int_equal(s0mem_commit(s, L4_FpageLog2(0, 32), USER_A), S0_OK);
    assert_int_equal(owner_at(&s->mem, 0xFFFFFFFFu), USER_A);
    assert_int_equal(s->mem.n, 1);
}

static void test_s0mem_commit_no_room_leaves_state(void **state)
{
    (void)state;
    L4_Fpage_t g;
    assert_true(s0mem_init(s, 0x1000, USER_BASE));
    apply(0, 0x0FFFFFFF, L4_ConventionalMemoryType, 0, 0);
    uint32_t a = 0x1000;
    enum s0_status st;
    for (;;) {
        st = serve(page(a, 12), (a >> 12) & 1 ? USER_A : USER_B, &g);
        if (st != S0_OK)
            break;
        a += 0x2000;
    }
    assert_int_equal(st, S0_NO_ROOM);
    unsigned n = s->mem.n;
    assert_int_equal(kind_at(&s->mem, a), S0_FREE);
    check_map_invariants(&s->mem);
    assert_true(n + 2 > S0MAP_CAPACITY);
    /* the owner re-requesting its page needs no new region */
    assert_int_equal(serve(page(0x1000, 12), USER_A, &g), S0_OK);
    assert_int_equal(s->mem.n, n);
}

/* ---- message decoding (s0proto) ---- */

static struct s0_request decide(L4_Word_t from, L4_Word_t mr0, L4_Word_t mr1, L4_Word_t mr2, L4_Word_t mr3)
{
    const L4_Word_t mr[4] = { mr0, mr1, mr2, mr3 };
    return s0proto_decide(s, from, mr);
}

static void test_s0proto_decide_memory_request(void **state)
{
    (void)state;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    struct s0_request r = decide(ROOT_ID, 0xFFA00002u, page(0x00400000, 12).raw, 0, 0x77);
    assert_int_equal(r.action, S0_ACT_MAP);
    assert_false(r.fault);
    assert_int_equal(r.status, S0_OK);
    assert_int_equal(r.attr, 0);
    assert_int_equal(r.grant.raw, L4_FpageAddRights(L4_FpageLog2(0x00400000, 12), 7).raw);
    /* attribute passes through; refusals keep the nilpage */
    r = decide(ROOT_ID, 0xFFA00002u, page(0x00400000, 12).raw, L4_WriteCombiningMemory, 0);
    assert_int_equal(r.attr, 5);
    r = decide(ROOT_ID, 0xFFA00002u, page(0x00800000, 12).raw, 0, 0);
    assert_int_equal(r.action, S0_ACT_MAP);
    assert_int_equal(r.status, S0_NOT_AVAILABLE);
    assert_true(L4_IsNilFpage(r.grant));
    /* low label bits are ignored */
    r = decide(ROOT_ID, 0xFFA70002u, page(0x00400000, 12).raw, 0, 0);
    assert_int_equal(r.status, S0_OK);
}

static void test_s0proto_decide_libl4_any_request_with_mr3(void **state)
{
    (void)state;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    /* libl4: any 4 KB page = 0xFFFFFCC8 with u = 3 and MR3 = 0 */
    struct s0_request r = decide(ROOT_ID, 0xFFA00003u, 0xFFFFFCC8u, 0, 0);
    assert_int_equal(r.status, S0_OK);
    assert_int_equal(L4_Address(r.grant), 0x1000);
    /* memory above 4 GB (MR3 != 0) does not exist here */
    r = decide(ROOT_ID, 0xFFA00003u, page(0x00400000, 12).raw | 0x8u, 0, 1);
    assert_int_equal(r.action, S0_ACT_MAP);
    assert_int_equal(r.status, S0_NOT_AVAILABLE);
    /* MR3 is only looked at with u = 3 and bit 3 */
    assert_int_equal(decide(ROOT_ID, 0xFFA00002u, page(0x00400000, 12).raw | 0x8u, 0, 1).status, S0_OK);
    assert_int_equal(decide(ROOT_ID, 0xFFA00003u, page(0x00400000, 12).raw, 0, 1).status, S0_OK);
}

static void test_s0proto_decide_io_request_drops_attribute(void **state)
{
    (void)state;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    struct s0_request r = decide(ROOT_ID, 0xFFA00003u, L4_IoFpageLog2(0x3F8, 3).raw | 0x8u, 4, 1);
    assert_int_equal(r.status, S0_OK);
    assert_int_equal(r.attr, 0);
    assert_int_equal(r.grant.raw, L4_IoFpageLog2(0x3F8, 3).raw);
}

static void test_s0proto_decide_faults(void **state)
{
    (void)state;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    struct s0_request r = decide(ROOT_ID, 0xFFE20002u, 0x01000abc, 0x01000000, 0);
    assert_int_equal(r.action, S0_ACT_MAP);
    assert_true(r.fault);
    assert_int_equal(r.status, S0_OK);
    assert_int_equal(L4_Address(r.grant), 0x01000000);
    r = decide(ROOT_ID, 0xFFE50002u, 0x00800000, 0x01000000, 0);
    assert_true(r.fault);
    assert_int_equal(r.status, S0_NOT_AVAILABLE);
    r = decide(ROOT_ID, 0xFF860002u, L4_IoFpageLog2(0x60, 0).raw, 0x01000000, 0);
    assert_true(r.fault);
    assert_int_equal(r.status, S0_OK);
    assert_int_equal(r.grant.raw, L4_IoFpageLog2(0x60, 0).raw);
    r = decide(ROOT_ID, 0xFF860002u, page(0x00400000, 12).raw, 0x01000000, 0);
    assert_int_equal(r.action, S0_ACT_MAP);
    assert_true(r.fault);
    assert_int_equal(r.status, S0_INVALID);
}

static void test_s0proto_decide_ignores_other_messages(void **state)
{
    (void)state;
    kip_build_pc();
    assert_true(s0mem_init_from_kip(s, kip_page));
    assert_int_equal(decide(ROOT_ID, 0xFFA00001u, 0, 0, 0).action, S0_ACT_IGNORE);  /* u = 1 */
    assert_int_equal(decide(ROOT_ID, 0xFFA00004u, 0, 0, 0).action, S0_ACT_IGNORE);  /* u = 4 */
    assert_int_equal(decide(ROOT_ID, 0xFFA00082u, 0, 0, 0).action, S0_ACT_IGNORE);  /* t = 2 */
    assert_int_equal(decide(ROOT_ID, 0xFFF00000u, 0, 0, 0).action, S0_ACT_IGNORE);  /* interrupt */
    assert_int_equal(decide(ROOT_ID, 0xFFB0000Cu, 0, 0, 0).action, S0_ACT_IGNORE);  /* exception */
    assert_int_equal(decide(ROOT_ID, 0x00010002u, 0, 0, 0).action, S0_ACT_IGNORE);  /* user label */
    assert_int_equal(decide(ROOT_ID, L4_MsgTagMake(L4_ProtocolLabel(1001), 1, 0).raw, 0, 0, 0).action,
                     S0_ACT_EMPTY_REPLY);
}

static void test_s0proto_map_reply_words(void **state)
{
    (void)state;
    L4_Word_t reply[3];
    s0proto_map_reply(L4_FpageAddRights(L4_FpageLog2(0x12345000u, 12), 7), reply);
    assert_int_equal(reply[0], 0x00000080u);
    assert_int_equal(reply[1], 0x12345008u);
    assert_int_equal(reply[2], 0x123450C7u);
    s0proto_map_reply(L4_Nilpage, reply);
    assert_int_equal(reply[1], 0x00000008u);
    assert_int_equal(reply[2], 0);
    s0proto_map_reply(L4_IoFpageLog2(0x3F8, 3), reply);
    assert_int_equal(reply[1], 0x00000008u);
    assert_int_equal(reply[2], L4_IoFpageLog2(0x3F8, 3).raw);
}

/* ---- randomised comparison with a page-level model ---- */

enum { MODEL_PAGES = 256 };

struct model_page {
    uint8_t kind;
    uint32_t owner;
};

static struct model_page model[MODEL_PAGES];

/* Model rule for a specific request (special_ok) or fault (!special_ok). */
static bool model_allows(unsigned p, unsigned n, uint32_t who, bool special_ok)
{
    if (p + n > MODEL_PAGES)
        return false;
    for (unsigned i = p; i < p + n; i++) {
        struct model_page *m = &model[i];
        bool ok = m->kind == S0_FREE || m->kind == S0_SHARED || (m->kind == S0_FREE_SPECIAL && special_ok) ||
                  (m->kind == S0_OWNED && m->owner == who);
        if (!ok)
            return false;
    }
    return true;
}

static void model_claim(unsigned p, unsigned n, uint32_t who)
{
    for (unsigned i = p; i < p + n; i++) {
        if (model[i].kind != S0_SHARED) {
            model[i].kind = S0_OWNED;
            model[i].owner = who;
        }
    }
}

/* Lowest aligned block of n free pages above page 0, or -1. */
static int model_any(unsigned n)
{
    for (unsigned p = n; p + n <= MODEL_PAGES; p += n) {
        bool ok = true;
        for (unsigned i = p; i < p + n; i++)
            ok = ok && model[i].kind == S0_FREE;
        if (ok)
            return (int)p;
    }
    return -1;
}

static void test_s0mem_random_model(void **state)
{
    (void)state;
    static const uint32_t users[3] = { USER_A, USER_B, ROOT_ID };
    rng_seed(0x5160A005u);
    assert_true(s0mem_init(s, 0x1000, USER_BASE));
    memset(model, 0, sizeof(model));
    /* random descriptors over the first 1 MB, last wins */
    for (int d = 0; d < 12; d++) {
        unsigned p = rng_next() % MODEL_PAGES, n = 1 + rng_next() % 64;
        if (p + n > MODEL_PAGES)
            n = MODEL_PAGES - p;
        static const uint32_t types[5] = { 1, 2, 3, 4, 0xF };
        static const uint8_t kinds[5] = { S0_FREE, S0_KERNEL, S0_FREE_SPECIAL, S0_SHARED, S0_FREE_SPECIAL };
        unsigned t = d < 2 ? 0 : rng_next() % 5;
        apply(p << 12, ((p + n) << 12) - 1, types[t], 0, 0);
        for (unsigned i = p; i < p + n; i++)
            model[i].kind = kinds[t];
    }
    for (int step = 0; step < 4000; step++) {
        uint32_t who = users[rng_next() % 3];
        unsigned op = rng_next() % 3, log2 = 12 + rng_next() % 3, n = 1u << (log2 - 12);
        L4_Fpage_t g = L4_Nilpage;
        enum s0_status st;
        if (op == 0) {
            unsigned p = (rng_next() % MODEL_PAGES) & ~(n - 1);
            bool expect = model_allows(p, n, who, true);
            st = serve(page(p << 12, (int)log2), who, &g);
            assert_int_equal(st == S0_OK, expect);
            if (expect) {
                assert_int_equal(L4_Address(g), p << 12);
                model_claim(p, n, who);
            }
        } else if (op == 1) {
            unsigned p = rng_next() % MODEL_PAGES;
            bool expect = model_allows(p, 1, who, false);
            st = s0mem_decide_fault(s, (p << 12) | (rng_next() & 0xFFF), who, &g);
            assert_int_equal(st == S0_OK, expect);
            if (expect) {
                assert_int_equal(L4_Address(g), p << 12);
                assert_int_equal(s0mem_commit(s, g, who), S0_OK);
                model_claim(p, 1, who);
            }
        } else {
            int p = model_any(n);
            st = serve(L4_Sigma0AnyFpage(log2, 0), who, &g);
            if (p < 0) {
                assert_int_equal(st, S0_NO_FREE_MEMORY);
            } else {
                assert_int_equal(st, S0_OK);
                assert_int_equal(L4_Address(g), (uint32_t)p << 12);
                model_claim((unsigned)p, n, who);
            }
        }
        if (step % 50 == 0) {
            check_map_invariants(&s->mem);
            for (unsigned i = 0; i < MODEL_PAGES; i++) {
                assert_int_equal(kind_at(&s->mem, i << 12), model[i].kind);
                assert_int_equal(owner_at(&s->mem, (i << 12) | 0xFFF), model[i].owner);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_s0map_init_single_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0map_assign_splits_and_merges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0map_assign_rejects_bad_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0map_assign_full_map_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0map_assign_random_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_init_page_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_apply_descriptor_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_assign_image_rounds_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_init_from_kip_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_init_from_kip_sigma1_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_init_from_kip_refuses_empty_page_mask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_free_then_owned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_images_and_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_special_and_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_rejects_non_user_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_invalid_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_any_first_fit_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_request_any_exhausts_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_decide_fault_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_io_ownership, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_commit_rejects_invalid_memory_fpages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_commit_no_room_leaves_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0mem_random_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0proto_decide_memory_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0proto_decide_libl4_any_request_with_mr3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0proto_decide_io_request_drops_attribute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0proto_decide_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0proto_decide_ignores_other_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_s0proto_map_reply_words, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
