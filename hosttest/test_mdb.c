/* Host tests of the mapping database (src/core/mdb.c) against the fake page tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/mdb.h>
#include <core/space.h>
#include <mock/hooks.h>
#include <mock/pagetable.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSPACES 5
#define K4 0x1000u
#define M4 0x400000u
#define RWX FPAGE_RIGHTS_RWX
#define R FPAGE_RIGHTS_R
#define W FPAGE_RIGHTS_W
#define X FPAGE_RIGHTS_X

static struct space sp[NSPACES];   /* sp[0] is sigma0 */
static struct space *const s0 = &sp[0];
static struct space *const A = &sp[1];
static struct space *const B = &sp[2];
static struct space *const C = &sp[3];
static struct space *const D = &sp[4];

static int setup(void **state)
{
    (void)state;
    mock_reset();
    mock_pt_reset();
    memset(sp, 0, sizeof(sp));
    sp[0].is_sigma0 = true;
    return 0;
}

/* Remove everything; check that nothing leaked and the fake saw no misuse. */
static int teardown(void **state)
{
    (void)state;
    mock_pt_reset();
    for (int i = NSPACES - 1; i >= 0; i--)
        mdb_space_destroy(&sp[i]);
    assert_int_equal(mdb_check(), 0);
    assert_int_equal(mdb_node_count(), 0);
    assert_int_equal(mdb_page_count(), 0);
    assert_int_equal(mock_pages_outstanding(), 0);
    assert_int_equal(mock_page_errors, 0);
    assert_int_equal(mock_tlb_stale(), 0);
    assert_int_equal(mock_pt_errors, 0);
    for (int i = 0; i < NSPACES; i++)
        mock_pt_release(&sp[i]);
    return 0;
}

/* The 4 KB-granular translation of va in s: true if mapped, with phys and rights. */
static bool translate(struct space *s, word_t va, word_t *phys, unsigned *rights)
{
    struct pt_entry e;
    if (!arch_pt_lookup(s, va, &e))
        return false;
    *phys = e.phys + (va & ((1u << e.log2) - 1u));
    *rights = e.rights;
    return true;
}

/* Assert va in s maps phys with rights. */
static void expect_map(struct space *s, word_t va, word_t phys, unsigned rights)
{
    word_t p = 0;
    unsigned r = 0;
    assert_true(translate(s, va, &p, &r));
    assert_int_equal(p, phys);
    assert_int_equal(r, rights);
}

static void expect_unmapped(struct space *s, word_t va)
{
    word_t p;
    unsigned r;
    assert_false(translate(s, va, &p, &r));
}

/* log2 size of the page mapping va in s (0 if none). */
static unsigned page_log2(struct space *s, word_t va)
{
    struct pt_entry e;
    return arch_pt_lookup(s, va, &e) ? e.log2 : 0;
}

static struct mdb_node_info node_at(struct space *s, word_t va)
{
    struct pt_entry e;
    struct mdb_node_info info;
    memset(&info, 0, sizeof(info));
    if (arch_pt_lookup(s, va, &e) && e.node)
        mdb_node_info(e.node, &info);
    return info;
}

/* All invariants hold and no TLB entry is stale. */
static void expect_consistent(void)
{
    assert_int_equal(mdb_check(), 0);
    assert_int_equal(mock_tlb_stale(), 0);
    assert_int_equal(mock_pt_errors, 0);
    unsigned entries = 0;
    for (int i = 0; i < NSPACES; i++)
        entries += mock_pt_node_entries(&sp[i]);
    assert_int_equal(entries + mdb_root_count(), mdb_node_count());
}

static word_t unmap(struct space *s, word_t base, unsigned log2, unsigned rights, bool flush)
{
    word_t st = 0xFFu;
    assert_int_equal(mdb_unmap_fpage(s, fpage_make(base, log2, rights), flush, &st), MDB_OK);
    expect_consistent();
    return st;
}

/* ---- mdb_map: arguments ----------------------------------------------- */

static void test_mdb_map_invalid_arguments(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(NULL, 0x1000, A, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0x1000, NULL, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0x1000, A, 0x1000, 11, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0, A, 0, 33, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0, A, 0, 32, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0x1800, A, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0x2000, A, 0x1000, 13, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0x1000, A, MDB_USER_LIMIT, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0, A, 0x80000000u, 31, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(A, MDB_USER_LIMIT, B, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_node_count(), 0);
    expect_unmapped(A, 0x1000);
    expect_consistent();
}

static void test_mdb_map_zero_rights_does_nothing(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, 0, false), MDB_OK);
    expect_unmapped(A, 0x1000);
    assert_int_equal(mdb_node_count(), 0);
}

/* ---- mdb_map: 4 KB basics --------------------------------------------- */

static void test_mdb_map_sigma0_creates_root(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    expect_map(A, 0x1000, 0x5000, RWX);
    struct mdb_node_info i = node_at(A, 0x1000);
    assert_ptr_equal(i.space, A);
    assert_int_equal(i.va, 0x1000);
    assert_int_equal(i.log2, 12);
    assert_int_equal(i.depth, 1);
    assert_int_equal(i.phys, 0x5000);
    assert_int_equal(mdb_root_count(), 1);
    assert_int_equal(mdb_node_count(), 2);
    /* a second receiver of the same frame joins the same tree */
    assert_int_equal(mdb_map(s0, 0x5000, B, 0x9000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_root_count(), 1);
    assert_int_equal(mdb_node_count(), 3);
    struct pt_entry e;
    assert_true(arch_pt_lookup(B, 0x9000, &e));
    const struct mapnode *root = mdb_node_parent(e.node);
    assert_non_null(root);
    assert_null(mdb_node_parent(root));
    struct mdb_node_info ri;
    mdb_node_info(root, &ri);
    assert_ptr_equal(ri.space, s0);
    assert_int_equal(ri.depth, 0);
    assert_int_equal(ri.va, 0x5000);
    expect_consistent();
}

static void test_mdb_map_rights_are_intersected(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, R | W, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, RWX, false), MDB_OK);
    expect_map(B, 0x2000, 0x5000, R | W);
    assert_int_equal(node_at(B, 0x2000).depth, 2);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, R | X, false), MDB_OK);
    expect_map(C, 0x3000, 0x5000, R);
    assert_int_equal(node_at(C, 0x3000).depth, 3);
    /* rights with nothing in common with the sender's: nothing mapped */
    assert_int_equal(mdb_map(C, 0x3000, D, 0x3000, 12, W, false), MDB_OK);
    expect_unmapped(D, 0x3000);
    expect_consistent();
}

static void test_mdb_map_unmapped_sender_pages_skipped(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x7000, A, 0x3000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0xA000, B, 0x12000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x0, B, 0x10000, 14, RWX, false), MDB_OK);
    expect_unmapped(B, 0x10000);
    expect_map(B, 0x11000, 0x5000, RWX);
    expect_map(B, 0x12000, 0xA000, RWX);   /* skipped page: receiver's mapping stays */
    expect_map(B, 0x13000, 0x7000, RWX);
    /* nothing at all in the sender */
    assert_int_equal(mdb_map(C, 0x0, D, 0x0, 16, RWX, false), MDB_OK);
    assert_int_equal(mock_pt_node_entries(D), 0);
    expect_consistent();
}

static void test_mdb_map_replaces_other_frame_with_subtree(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, B, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x1000, C, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x6000, A, 0x2000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x2000, B, 0x1000, 12, RWX, false), MDB_OK);
    expect_map(B, 0x1000, 0x6000, R);
    expect_unmapped(C, 0x1000);
    assert_int_equal(mdb_root_count(), 1);   /* frame 0x5000's tree is gone */
    expect_consistent();
}

static void test_mdb_map_same_frame_extends_rights(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, R | W, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x1000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x1000, 12, W, false), MDB_OK);
    expect_map(B, 0x1000, 0x5000, R | W);
    assert_int_equal(node_at(B, 0x1000).depth, 2);
    /* never beyond what the sender has: A has no X */
    assert_int_equal(mdb_map(A, 0x1000, B, 0x1000, 12, X, false), MDB_OK);
    expect_map(B, 0x1000, 0x5000, R | W);
    /* a sender with fewer rights leaves more rights in place */
    assert_int_equal(mdb_map(s0, 0x5000, C, 0x1000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(C, 0x1000, B, 0x1000, 12, R, false), MDB_OK);
    expect_map(B, 0x1000, 0x5000, R | W);
    assert_int_equal(node_at(B, 0x1000).depth, 2);
    /* mapping a page onto itself changes nothing */
    assert_int_equal(mdb_map(B, 0x1000, B, 0x1000, 12, RWX, false), MDB_OK);
    expect_map(B, 0x1000, 0x5000, R | W);
    expect_consistent();
}

/* ---- grant -------------------------------------------------------------- */

static void test_mdb_map_grant_moves_node(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, RWX, false), MDB_OK);
    unsigned nodes = mdb_node_count();
    assert_int_equal(mdb_map(B, 0x2000, D, 0x4000, 12, RWX, true), MDB_OK);
    expect_unmapped(B, 0x2000);
    expect_map(D, 0x4000, 0x5000, RWX);
    assert_int_equal(node_at(D, 0x4000).depth, 2);
    assert_int_equal(mdb_node_count(), nodes);
    expect_consistent();
    /* C's mapping is now derived from D's */
    unmap(D, 0x4000, 12, RWX, false);
    expect_unmapped(C, 0x3000);
    expect_map(D, 0x4000, 0x5000, RWX);
}

static void test_mdb_map_grant_fewer_rights_revokes_below(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, R | W, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, W, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, D, 0x4000, 12, R | X, true), MDB_OK);
    expect_unmapped(A, 0x1000);
    expect_map(D, 0x4000, 0x5000, R | X);
    expect_map(B, 0x2000, 0x5000, R);
    expect_unmapped(C, 0x3000);
    expect_consistent();
}

static void test_mdb_map_grant_onto_same_frame_lifts_children(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, R, false), MDB_OK);
    /* more of B's subtree: a second child and a grandchild */
    assert_int_equal(mdb_map(B, 0x2000, C, 0x6000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(C, 0x3000, A, 0x7000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, D, 0x4000, 12, R, false), MDB_OK);
    /* B grants onto D's mapping of the same frame */
    assert_int_equal(mdb_map(B, 0x2000, D, 0x4000, 12, RWX, true), MDB_OK);
    expect_unmapped(B, 0x2000);
    expect_map(D, 0x4000, 0x5000, R);
    struct mdb_node_info c = node_at(C, 0x3000);
    assert_int_equal(c.depth, 2);                    /* lifted under A */
    assert_ptr_equal(c.space, C);
    assert_int_equal(c.va, 0x3000);
    assert_int_equal(c.log2, 12);
    assert_int_equal(c.rights, R);
    assert_int_equal(c.phys, 0x5000);
    assert_int_equal(node_at(C, 0x6000).depth, 2);
    assert_int_equal(node_at(A, 0x7000).depth, 3);
    expect_consistent();
    unmap(A, 0x1000, 12, RWX, false);
    expect_unmapped(C, 0x3000);
    expect_unmapped(C, 0x6000);
    expect_unmapped(A, 0x7000);
    expect_map(D, 0x4000, 0x5000, R);
    /* granting a page onto itself changes nothing */
    assert_int_equal(mdb_map(D, 0x4000, D, 0x4000, 12, RWX, true), MDB_OK);
    expect_map(D, 0x4000, 0x5000, R);
}

static void test_mdb_map_grant_from_sigma0_maps(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, true), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, B, 0x1000, 12, RWX, true), MDB_OK);
    expect_map(A, 0x1000, 0x5000, RWX);
    expect_map(B, 0x1000, 0x5000, RWX);
    expect_consistent();
}

/* ---- 4 MB pages ------------------------------------------------------- */

static void test_mdb_map_uses_large_pages(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00800000, 23, RWX, false), MDB_OK);
    assert_int_equal(page_log2(A, 0x00800000), 22);
    assert_int_equal(page_log2(A, 0x00C00000), 22);
    expect_map(A, 0x00C01000, 0x01401000, RWX);
    assert_int_equal(mdb_node_count(), 4);
    assert_int_equal(mdb_map(A, 0x00800000, B, 0x0, 22, R, false), MDB_OK);
    assert_int_equal(page_log2(B, 0x0), 22);
    assert_int_equal(node_at(B, 0).log2, 22);
    assert_int_equal(node_at(B, 0).depth, 2);
    /* same 4 MB frame again: rights extended */
    assert_int_equal(mdb_map(A, 0x00800000, B, 0x0, 22, W, false), MDB_OK);
    expect_map(B, 0x3FF000, 0x013FF000, R | W);
    /* 4 MB grant */
    assert_int_equal(mdb_map(B, 0x0, C, 0x00400000, 22, RWX, true), MDB_OK);
    expect_unmapped(B, 0x0);
    expect_map(C, 0x00400000, 0x01000000, R | W);
    assert_int_equal(page_log2(C, 0x00400000), 22);
    expect_consistent();
    /* 4 MB replaced by another 4 MB frame */
    assert_int_equal(mdb_map(s0, 0x02000000, C, 0x00400000, 22, R, false), MDB_OK);
    expect_map(C, 0x00400000, 0x02000000, R);
    expect_consistent();
}

static void test_mdb_map_part_of_large_sender_splits(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, RWX, false), MDB_OK);
    struct pt_entry e;                       /* the new 4 MB root stands for sigma0 */
    assert_true(arch_pt_lookup(A, 0x00400000, &e));
    struct mdb_node_info ri;
    mdb_node_info(mdb_node_parent(e.node), &ri);
    assert_ptr_equal(ri.space, s0);
    assert_int_equal(ri.log2, 22);
    assert_int_equal(ri.depth, 0);
    assert_int_equal(mdb_map(A, 0x00400000, B, 0x00800000, 22, R | W, false), MDB_OK);
    mock_pt_touch(B, 0x00800000, true);
    assert_int_equal(mdb_map(A, 0x00403000, C, 0x5000, 12, R, false), MDB_OK);
    expect_map(C, 0x5000, 0x01003000, R);
    assert_int_equal(page_log2(A, 0x00400000), 12);
    assert_int_equal(page_log2(B, 0x00BFF000), 12);
    expect_map(B, 0x00BFF000, 0x013FF000, R | W);
    assert_int_equal(mdb_root_count(), 1024);
    assert_int_equal(mdb_node_count(), 3 * 1024 + 1);
    assert_int_equal(node_at(C, 0x5000).depth, 2);
    expect_consistent();
    /* the 4 MB page's dirty bit survives the split on every piece */
    assert_int_equal(unmap(B, 0x00BFF000, 12, 0, false), RWX);
    assert_int_equal(unmap(B, 0x00BFF000, 12, 0, false), 0);
    /* 4 KB pieces map 4 KB-wise even in a 4 MB fpage */
    assert_int_equal(mdb_map(A, 0x00400000, D, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(page_log2(D, 0x00400000), 12);
    expect_map(D, 0x007FF000, 0x013FF000, RWX);
    expect_consistent();
}

static void test_mdb_map_into_part_of_large_receiver_splits(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, R, false), MDB_OK);
    /* same frame into part: rights extended on that piece only */
    assert_int_equal(mdb_map(s0, 0x01001000, A, 0x00401000, 12, R | W, false), MDB_OK);
    expect_map(A, 0x00401000, 0x01001000, R | W);
    expect_map(A, 0x00402000, 0x01002000, R);
    expect_consistent();
    /* another frame into part: replaced */
    assert_int_equal(mdb_map(s0, 0x02000000, A, 0x00402000, 12, RWX, false), MDB_OK);
    expect_map(A, 0x00402000, 0x02000000, RWX);
    expect_map(A, 0x00403000, 0x01003000, R);
    expect_consistent();
}

static void test_mdb_map_large_replaces_small_receiver_pages(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x00401000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x00401000, B, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x6000, A, 0x00402000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, R, false), MDB_OK);
    assert_int_equal(page_log2(A, 0x00400000), 22);
    expect_map(A, 0x00401000, 0x01001000, R);
    expect_unmapped(B, 0x1000);
    expect_consistent();
}

static void test_mdb_map_large_region_small_sender_pages(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x00401000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x7000, A, 0x007FF000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x00400000, B, 0x00C00000, 22, RWX, false), MDB_OK);
    expect_map(B, 0x00C01000, 0x5000, RWX);
    expect_map(B, 0x00FFF000, 0x7000, RWX);
    expect_unmapped(B, 0x00C00000);
    assert_int_equal(mock_pt_node_entries(B), 2);
    /* sigma0 superframe that already has 4 KB trees: mapped 4 KB-wise */
    assert_int_equal(mdb_map(s0, 0x0, C, 0x0, 22, R, false), MDB_OK);
    assert_int_equal(page_log2(C, 0x0), 12);
    expect_map(C, 0x5000, 0x5000, R);
    expect_map(C, 0x3FF000, 0x3FF000, R);
    /* a sigma0 4 KB map from a 4 MB tree splits it */
    assert_int_equal(mdb_map(s0, 0x01000000, D, 0x0, 22, R, false), MDB_OK);
    assert_int_equal(page_log2(D, 0x0), 22);
    assert_int_equal(mdb_map(s0, 0x01001000, D, 0x00400000, 12, R, false), MDB_OK);
    assert_int_equal(page_log2(D, 0x0), 12);
    expect_consistent();
}

/* Which 4 KB pages keep a 4 MB map from being one 4 MB page: a kernel page
 * at the slot's first page does, one in the next slot does not. */
static void test_mdb_map_large_kernel_page_borders(void **state)
{
    (void)state;
    mock_pt_kernel_map(D, 0x00400000, 12, 0x00100000, R);          /* slot 1, page 0 */
    assert_int_equal(mdb_map(s0, 0x03000000, D, 0x00400000, 22, RWX, false), MDB_OK);
    expect_map(D, 0x00400000, 0x00100000, R);
    expect_map(D, 0x00401000, 0x03001000, RWX);
    assert_int_equal(page_log2(D, 0x00401000), 12);
    /* slot 0 holds a user 4 KB page; slot 1's kernel page is not its business */
    assert_int_equal(mdb_map(s0, 0x5000, D, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x02000000, D, 0x0, 22, RWX, false), MDB_OK);
    assert_int_equal(page_log2(D, 0x0), 22);
    expect_map(D, 0x1000, 0x02001000, RWX);
    expect_consistent();
}

/* Rights bits above RWX are no rights: a map gives at most RWX. */
static void test_mdb_map_masks_rights(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, 0xFFu, false), MDB_OK);
    expect_map(A, 0x1000, 0x5000, RWX);
    assert_int_equal(node_at(A, 0x1000).rights, RWX);
    assert_int_equal(mdb_map(s0, 0x6000, A, 0x2000, 12, 0xF8u, false), MDB_OK);
    expect_unmapped(A, 0x2000);
    expect_consistent();
}

/* An unmap that ends where a 4 MB page begins leaves that page whole. */
static void test_mdb_unmap_ending_at_a_large_page(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x03000000, A, 0x00800000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x007FF000, 12, RWX, false), MDB_OK);
    unmap(A, 0x007FF000, 12, RWX, true);
    expect_unmapped(A, 0x007FF000);
    assert_int_equal(page_log2(A, 0x00800000), 22);
    expect_map(A, 0x00800000, 0x03000000, RWX);
    expect_consistent();
}

static void test_mdb_map_skips_reserved_and_kernel_pages(void **state)
{
    (void)state;
    A->kip_area = fpage_make(0x00001000, 12, 0);
    A->utcb_area = fpage_make(0x00400000, 13, 0);
    mock_pt_kernel_map(A, 0x00002000, 12, 0x00100000, R);
    mock_pt_kernel_map(A, 0x01000000, 22, 0x00400000, R);
    assert_int_equal(mdb_map(s0, 0x02000000, A, 0x0, 23, RWX, false), MDB_OK);
    expect_map(A, 0x0, 0x02000000, RWX);
    assert_int_equal(page_log2(A, 0x0), 12);
    expect_unmapped(A, 0x1000);                     /* KIP area */
    expect_map(A, 0x2000, 0x00100000, R);           /* kernel page untouched */
    expect_unmapped(A, 0x00400000);                 /* UTCB area */
    expect_unmapped(A, 0x00401000);
    expect_map(A, 0x00402000, 0x02402000, RWX);
    assert_int_equal(page_log2(A, 0x00402000), 12);
    /* a kernel 4 MB page at the target: skipped */
    assert_int_equal(mdb_map(s0, 0x03000000, A, 0x01000000, 22, RWX, false), MDB_OK);
    expect_map(A, 0x01000000, 0x00400000, R);
    assert_int_equal(mdb_map(s0, 0x03000000, A, 0x01001000, 12, RWX, false), MDB_OK);
    expect_map(A, 0x01001000, 0x00401000, R);
    /* kernel pages are never sent */
    assert_int_equal(mdb_map(A, 0x2000, B, 0x1000, 12, RWX, false), MDB_OK);
    expect_unmapped(B, 0x1000);
    assert_int_equal(mdb_map(A, 0x01000000, B, 0x00400000, 22, RWX, false), MDB_OK);
    expect_unmapped(B, 0x00400000);
    /* a sender slot with a kernel 4 KB page is sent 4 KB-wise */
    assert_int_equal(mdb_map(A, 0x0, B, 0x00800000, 22, RWX, false), MDB_OK);
    expect_map(B, 0x00800000, 0x02000000, RWX);
    expect_unmapped(B, 0x00801000);
    expect_unmapped(B, 0x00802000);
    expect_map(B, 0x00803000, 0x02003000, RWX);
    /* a receiver slot with a kernel 4 KB page is filled 4 KB-wise */
    assert_int_equal(mdb_map(s0, 0x03000000, A, 0x00C00000, 22, RWX, false), MDB_OK);
    assert_int_equal(page_log2(A, 0x00C00000), 22);
    mock_pt_kernel_map(C, 0x00003000, 12, 0x00100000, R);
    assert_int_equal(mdb_map(A, 0x00C00000, C, 0x0, 22, RWX, false), MDB_OK);
    assert_int_equal(page_log2(C, 0x0), 12);
    expect_map(C, 0x2000, 0x03002000, RWX);
    expect_map(C, 0x3000, 0x00100000, R);
    expect_consistent();
    /* unmap leaves kernel pages and the KIP/UTCB areas alone */
    unmap(A, 0x0, 32, RWX, true);
    expect_map(A, 0x2000, 0x00100000, R);
    expect_map(A, 0x01000000, 0x00400000, R);
    expect_unmapped(A, 0x0);
    assert_int_equal(mock_pt_node_entries(A), 0);
}

static void test_mdb_map_sigma0_device_memory_above_user_area(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0xFEC00000u, A, 0x00400000, 22, R | W, false), MDB_OK);
    expect_map(A, 0x00400000, 0xFEC00000u, R | W);
    assert_int_equal(mdb_map(s0, 0xFFF00000u, A, 0x1000, 12, R | W, false), MDB_OK);
    expect_map(A, 0x1000, 0xFFF00000u, R | W);
    expect_consistent();
    /* sigma0 revokes by physical address */
    unmap(s0, 0xFEC00000u, 22, W, false);
    expect_map(A, 0x00400000, 0xFEC00000u, R);
    expect_map(A, 0x1000, 0xFFF00000u, R | W);
}

static void test_mdb_map_sigma0_self_mapping(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, s0, 0x5000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    expect_map(s0, 0x5000, 0x5000, RWX);
    assert_int_equal(node_at(s0, 0x5000).depth, 1);
    /* unmap by sigma0 keeps its own mapping, flush removes it too */
    assert_int_equal(unmap(s0, 0x5000, 12, RWX, false), 0);
    expect_unmapped(A, 0x1000);
    expect_map(s0, 0x5000, 0x5000, RWX);
    mock_pt_touch(s0, 0x5000, false);
    assert_int_equal(unmap(s0, 0x4000, 13, RWX, true), R | X);
    expect_unmapped(s0, 0x5000);
    assert_int_equal(mdb_node_count(), 0);
}

/* ---- out of memory ------------------------------------------------------ */

static void test_mdb_map_out_of_memory_changes_nothing(void **state)
{
    (void)state;
    mock_page_alloc_failures = 1;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_ERR_NOMEM);
    mock_pt_reserve_failures = 1;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_ERR_NOMEM);
    expect_unmapped(A, 0x1000);
    assert_int_equal(mdb_node_count(), 0);
    assert_int_equal(mdb_page_count(), 0);
    /* fail each allocation in turn: nothing changes until it succeeds */
    unsigned n;
    for (n = 1; n < 10; n++) {
        mock_page_alloc_fail_after = n;
        if (mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false) == MDB_OK)
            break;
        expect_unmapped(A, 0x1000);
        assert_int_equal(mdb_node_count(), 0);
        assert_int_equal(mdb_page_count(), 0);
    }
    assert_true(n > 2);
    mock_page_alloc_fail_after = 0;
    expect_map(A, 0x1000, 0x5000, RWX);
    expect_consistent();
}

static void test_mdb_map_out_of_memory_keeps_earlier_pages(void **state)
{
    (void)state;
    mock_pt_reserve_fail_after = 3;
    assert_int_equal(mdb_map(s0, 0x8000, B, 0x0, 14, RWX, false), MDB_ERR_NOMEM);
    expect_map(B, 0x0, 0x8000, RWX);
    expect_map(B, 0x1000, 0x9000, RWX);
    expect_unmapped(B, 0x2000);
    expect_unmapped(B, 0x3000);
    expect_consistent();
    /* 4 MB: a failing node allocation leaves the earlier 4 MB page */
    unsigned n;
    for (n = 1; n < 10; n++) {
        mock_page_alloc_fail_after = n;
        int res = mdb_map(s0, 0x01000000, C, 0x00800000, 23, RWX, false);
        expect_consistent();
        if (res == MDB_OK)
            break;
        assert_int_equal(res, MDB_ERR_NOMEM);
    }
    mock_page_alloc_fail_after = 0;
    expect_map(C, 0x00FFF000, 0x017FF000, RWX);
    assert_int_equal(page_log2(C, 0x00800000), 22);
}

/* Node and page counts and the translation of one page, to compare states. */
struct snapshot {
    unsigned nodes, pages, roots;
    word_t phys;
    unsigned rights, log2;
};

static struct snapshot snap(struct space *s, word_t va)
{
    struct snapshot x = { mdb_node_count(), mdb_page_count(), mdb_root_count(), 0, 0, 0 };
    translate(s, va, &x.phys, &x.rights);
    x.log2 = page_log2(s, va);
    return x;
}

static void expect_same(struct snapshot a, struct snapshot b)
{
    assert_int_equal(a.nodes, b.nodes);
    assert_int_equal(a.pages, b.pages);
    assert_int_equal(a.roots, b.roots);
    assert_int_equal(a.phys, b.phys);
    assert_int_equal(a.rights, b.rights);
    assert_int_equal(a.log2, b.log2);
}

static void test_mdb_map_split_out_of_memory_changes_nothing(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x00400000, B, 0x00400000, 22, RWX, false), MDB_OK);
    struct snapshot before = snap(B, 0x00401000);
    unsigned n;
    for (n = 1; n < 100; n++) {
        mock_page_alloc_fail_after = n;
        if (mdb_map(A, 0x00401000, C, 0x1000, 12, R, false) == MDB_OK)
            break;
        expect_same(before, snap(B, 0x00401000));
        expect_unmapped(C, 0x1000);
        expect_consistent();
    }
    assert_true(n > 10);
    mock_page_alloc_fail_after = 0;
    expect_map(C, 0x1000, 0x01001000, R);
    assert_int_equal(page_log2(B, 0x00400000), 12);
    expect_consistent();
}

static void test_mdb_map_split_reserve_failure_changes_nothing(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x00400000, B, 0x00400000, 22, RWX, false), MDB_OK);
    struct snapshot before = snap(B, 0x00401000);
    unsigned n;
    for (n = 1; n < 10; n++) {
        mock_pt_reserve_fail_after = n;
        if (mdb_map(s0, 0x01001000, C, 0x1000, 12, R, false) == MDB_OK)
            break;
        /* a completed split may stay: the mappings are the same */
        struct snapshot now = snap(B, 0x00401000);
        assert_int_equal(now.phys, before.phys);
        assert_int_equal(now.rights, before.rights);
        expect_unmapped(C, 0x1000);
        expect_consistent();
    }
    assert_true(n > 2);
    mock_pt_reserve_fail_after = 0;
    expect_map(C, 0x1000, 0x01001000, R);
    /* receiver-side split failure */
    assert_int_equal(mdb_map(s0, 0x02000000, D, 0x00400000, 22, RWX, false), MDB_OK);
    before = snap(D, 0x00401000);
    mock_page_alloc_failures = 1;
    assert_int_equal(mdb_map(s0, 0x03000000, D, 0x00401000, 12, RWX, false), MDB_ERR_NOMEM);
    expect_same(before, snap(D, 0x00401000));
    /* sender split failure when the sender is sigma0 */
    mock_page_alloc_failures = 1;
    assert_int_equal(mdb_map(s0, 0x02001000, C, 0x5000, 12, RWX, false), MDB_ERR_NOMEM);
    expect_unmapped(C, 0x5000);
    mock_page_alloc_failures = 0;
    expect_consistent();
}

/* ---- mdb_unmap_fpage ------------------------------------------------------ */

static void test_mdb_unmap_fpage_invalid_arguments(void **state)
{
    (void)state;
    word_t st = 77;
    assert_int_equal(mdb_unmap_fpage(NULL, fpage_make(0, 12, RWX), false, &st), MDB_ERR_PARAM);
    assert_int_equal(mdb_unmap_fpage(A, fpage_make(0, 12, RWX), false, NULL), MDB_ERR_PARAM);
    assert_int_equal(mdb_unmap_fpage(A, fpage_io_make(0x60, 4), false, &st), MDB_ERR_PARAM);
    assert_int_equal(mdb_unmap_fpage(A, FPAGE_NIL, true, &st), MDB_OK);
    assert_int_equal(st, 0);
    st = 77;
    assert_int_equal(mdb_unmap_fpage(A, fpage_make(0x1000, 11, RWX), true, &st), MDB_OK);
    assert_int_equal(st, 0);
}

static void test_mdb_unmap_fpage_revokes_derived_recursively(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, D, 0x4000, 12, R, false), MDB_OK);
    unmap(B, 0x2000, 12, RWX, false);
    expect_map(B, 0x2000, 0x5000, RWX);
    expect_unmapped(C, 0x3000);
    expect_map(D, 0x4000, 0x5000, R);
    unmap(A, 0x0, 16, RWX, false);
    expect_map(A, 0x1000, 0x5000, RWX);
    expect_unmapped(B, 0x2000);
    expect_unmapped(D, 0x4000);
    assert_int_equal(mdb_node_count(), 2);
}

static void test_mdb_unmap_fpage_flush_includes_own(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, RWX, false), MDB_OK);
    unmap(A, 0x1000, 12, W, true);
    expect_map(A, 0x1000, 0x5000, R | X);
    expect_map(B, 0x2000, 0x5000, R | X);
    unmap(A, 0x1000, 12, RWX, true);
    expect_unmapped(A, 0x1000);
    expect_unmapped(B, 0x2000);
    assert_int_equal(mdb_node_count(), 0);
    assert_int_equal(mdb_page_count(), 0);
}

static void test_mdb_unmap_fpage_partial_rights(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, R | W, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, W, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, D, 0x4000, 12, X, false), MDB_OK);
    unmap(A, 0x1000, 12, W, false);
    expect_map(A, 0x1000, 0x5000, RWX);
    expect_map(B, 0x2000, 0x5000, R);
    expect_unmapped(C, 0x3000);
    expect_map(D, 0x4000, 0x5000, X);
    /* rights that nobody has: nothing changes */
    unmap(A, 0x1000, 12, W, false);
    expect_map(B, 0x2000, 0x5000, R);
}

static void test_mdb_unmap_fpage_reports_status(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x6000, A, 0x3000, 12, RWX, false), MDB_OK);
    assert_int_equal(unmap(A, 0x0, 14, 0, false), 0);
    assert_true(mock_pt_touch(A, 0x1000, false));
    assert_int_equal(unmap(A, 0x0, 14, 0, false), R | X);
    assert_int_equal(unmap(A, 0x0, 14, 0, false), 0);
    /* a derived mapping's write shows in the caller's status */
    assert_true(mock_pt_touch(B, 0x2000, true));
    assert_int_equal(unmap(A, 0x0, 14, 0, true), RWX);
    assert_int_equal(unmap(A, 0x0, 14, 0, true), 0);
    expect_map(B, 0x2000, 0x5000, RWX);
    /* status survives a grant and is reported with the removal */
    assert_true(mock_pt_touch(B, 0x2000, false));
    assert_int_equal(mdb_map(B, 0x2000, C, 0x2000, 12, RWX, true), MDB_OK);
    assert_int_equal(unmap(C, 0x2000, 12, RWX, true), R | X);
    assert_false(mock_pt_touch(C, 0x2000, false));
}

static void test_mdb_unmap_fpage_large_whole_and_part(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00800000, 23, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x00800000, B, 0x00000000, 23, RWX, false), MDB_OK);
    assert_true(mock_pt_touch(B, 0x00400000, true));
    /* whole 4 MB page: no split */
    assert_int_equal(unmap(A, 0x00C00000, 22, W, false), RWX);
    assert_int_equal(page_log2(B, 0x00400000), 22);
    expect_map(B, 0x00400000, 0x01400000, R | X);
    /* part of a 4 MB page: split, then only that part */
    unmap(A, 0x00802000, 13, RWX, false);
    assert_int_equal(page_log2(B, 0x0), 12);
    expect_unmapped(B, 0x2000);
    expect_unmapped(B, 0x3000);
    expect_map(B, 0x1000, 0x01001000, RWX);
    expect_map(B, 0x4000, 0x01004000, RWX);
    assert_int_equal(page_log2(B, 0x00400000), 22);
    /* unmap by the whole space */
    unmap(A, 0, 32, RWX, false);
    assert_int_equal(mock_pt_node_entries(B), 0);
    assert_int_equal(mock_pt_node_entries(A), 1024 + 1);
    unmap(A, 0, 32, RWX, true);
    assert_int_equal(mdb_node_count(), 0);
}

static void test_mdb_unmap_fpage_split_out_of_memory(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, RWX, false), MDB_OK);
    struct snapshot before = snap(A, 0x00401000);
    word_t st;
    mock_page_alloc_failures = 1;
    assert_int_equal(mdb_unmap_fpage(A, fpage_make(0x00401000, 12, RWX), true, &st), MDB_ERR_NOMEM);
    expect_same(before, snap(A, 0x00401000));
    mock_page_alloc_failures = 1;
    assert_int_equal(mdb_unmap_fpage(s0, fpage_make(0x01001000, 12, RWX), true, &st), MDB_ERR_NOMEM);
    expect_same(before, snap(A, 0x00401000));
    mock_page_alloc_failures = 0;
    expect_consistent();
}

static void test_mdb_unmap_fpage_sigma0_by_physical_address(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x02000000, A, 0x00800000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, B, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x9000, B, 0x2000, 12, RWX, false), MDB_OK);
    /* part of a 4 MB tree */
    unmap(s0, 0x01001000, 12, RWX, false);
    expect_unmapped(A, 0x00401000);
    expect_map(A, 0x00402000, 0x01002000, RWX);
    /* a whole 4 MB tree */
    unmap(s0, 0x02000000, 22, W, false);
    expect_map(A, 0x00800000, 0x02000000, R | X);
    assert_int_equal(page_log2(A, 0x00800000), 22);
    /* 4 KB trees within a bigger fpage */
    unmap(s0, 0x0, 16, RWX, false);
    expect_unmapped(B, 0x1000);
    expect_unmapped(B, 0x2000);
    /* everything */
    unmap(s0, 0x0, 32, RWX, true);
    assert_int_equal(mdb_node_count(), 0);
}

/* ---- mdb_space_destroy ---------------------------------------------------- */

static void test_mdb_space_destroy_removes_mappings_and_derived(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x01000000, A, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x0, B, 0x0, 23, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x6000, B, 0x00900000, 12, RWX, false), MDB_OK);
    mock_pt_kernel_map(A, 0x00800000, 12, 0x00100000, R);
    mock_pt_kernel_map(A, 0x00C00000, 22, 0x00400000, R);
    mdb_space_destroy(A);
    mdb_space_destroy(NULL);
    assert_int_equal(mock_pt_node_entries(A), 0);
    assert_int_equal(mock_pt_node_entries(B), 1);
    expect_map(B, 0x00900000, 0x6000, RWX);
    expect_map(A, 0x00800000, 0x00100000, R);
    expect_consistent();
}

/* ---- inspection ------------------------------------------------------------ */

static void test_mdb_check_detects_disagreement(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_check(), 0);
    s0->is_sigma0 = false;                   /* the root's owner is no sigma0 now */
    assert_int_equal(mdb_check(), 1);
    s0->is_sigma0 = true;
    assert_int_equal(mdb_check(), 0);
    arch_pt_set_rights(A, 0x1000, R);
    assert_true(mdb_check() > 0);
    arch_pt_set_rights(A, 0x1000, RWX);
    assert_int_equal(mdb_check(), 0);
    struct pt_entry e;
    assert_true(arch_pt_lookup(A, 0x1000, &e));
    arch_pt_clear(A, 0x1000);
    assert_true(mdb_check() > 0);
    arch_pt_set(A, 0x1000, 12, 0x5000, RWX, e.node);
    arch_tlb_flush(A, 0x1000, 12);
    assert_int_equal(mdb_check(), 0);
}

/* ---- randomised model test ----------------------------------------------------
 * A naive reference: per (space, page) an entry (frame, rights, status, parent)
 * with explicit child lists; the same semantics as the design note of mdb.c
 * done the simple way (recursion over children, page by page). Compared with
 * the mdb and the fake page tables after every step. */

#define VBASE   0x01000000u              /* virtual range of every space ... */
#define NPAGES  3072u                    /* ... 12 MB, also sigma0's physical range */
#define NKEYS   (NSPACES * NPAGES)
#define NREF    (NKEYS + NPAGES)         /* entries, then one root per frame */
#define NONE    (-1)

struct ref {
    bool present;
    unsigned frame;                      /* page index of the physical frame */
    unsigned rights;
    unsigned status;                     /* PT_STATUS_* */
    int parent, child, next, prev;       /* derivation tree */
};

static struct ref ref[NREF];
static unsigned model_seed, model_step;
static bool model_trace;     /* MDB_TRACE set: print every operation */
static unsigned long model_present, model_large, model_deep;   /* coverage of the mix */

static int key_of(int s, unsigned page) { return s * (int)NPAGES + (int)page; }
static int root_key(unsigned frame) { return (int)NKEYS + (int)frame; }
static bool is_root_key(int k) { return k >= (int)NKEYS; }
static int key_space(int k) { return k / (int)NPAGES; }

static void ref_reset(void)
{
    for (int k = 0; k < (int)NREF; k++)
        ref[k] = (struct ref){ false, 0, 0, 0, NONE, NONE, NONE, NONE };
}

static void ref_link(int k, int parent)
{
    ref[k].parent = parent;
    ref[k].prev = NONE;
    ref[k].next = ref[parent].child;
    if (ref[parent].child != NONE)
        ref[ref[parent].child].prev = k;
    ref[parent].child = k;
}

static void ref_unlink(int k)
{
    if (ref[k].prev != NONE)
        ref[ref[k].prev].next = ref[k].next;
    else
        ref[ref[k].parent].child = ref[k].next;
    if (ref[k].next != NONE)
        ref[ref[k].next].prev = ref[k].prev;
    ref[k].parent = ref[k].prev = ref[k].next = NONE;
}

/* Remove k and everything below it; OR their status into *st. */
static void ref_remove(int k, unsigned *st)
{
    while (ref[k].child != NONE)
        ref_remove(ref[k].child, st);
    *st |= ref[k].status;
    ref_unlink(k);
    ref[k].present = false;
    ref[k].status = 0;
}

/* Revoke `rights` below k (and from k with self); exempt_s0: sigma0's
 * children of a root keep their rights. Harvest status into *st if st. */
static void ref_revoke(int k, unsigned rights, bool self, bool exempt_s0, unsigned *st)
{
    unsigned dummy = 0;
    if (st && !is_root_key(k)) {
        *st |= ref[k].status;
        ref[k].status = 0;
    }
    bool exempt = is_root_key(k) || !self ||
                  (exempt_s0 && key_space(k) == 0 && is_root_key(ref[k].parent));
    if (!exempt && (ref[k].rights & rights)) {
        ref[k].rights &= ~rights;
        if (!ref[k].rights) {
            ref_remove(k, st ? st : &dummy);
            return;
        }
    }
    for (int c = ref[k].child; c != NONE;) {
        int next = ref[c].next;
        ref_revoke(c, rights, true, exempt_s0, st);
        c = next;
    }
}

/* Move entry k to the free key t (grant). */
static void ref_move(int k, int t, unsigned rights)
{
    int parent = ref[k].parent;
    unsigned dropped = ref[k].rights & ~rights;
    ref[t] = ref[k];
    ref[t].rights = rights;
    ref[t].child = NONE;
    ref[t].parent = NONE;
    ref_unlink(k);
    ref_link(t, parent);
    while (ref[k].child != NONE) {
        int c = ref[k].child;
        ref_unlink(c);
        ref_link(c, t);
    }
    ref[k].present = false;
    ref[k].status = 0;
    if (dropped)
        ref_revoke(t, dropped, false, false, NULL);
}

/* Remove k; its children move to k's parent. */
static void ref_lift(int k)
{
    int parent = ref[k].parent;
    while (ref[k].child != NONE) {
        int c = ref[k].child;
        ref_unlink(c);
        ref_link(c, parent);
    }
    ref_unlink(k);
    ref[k].present = false;
    ref[k].status = 0;
}

/* One page of a map/grant from key src (sigma0: a root) to key dst. */
static void ref_map_page(int src, int dst, unsigned rights, bool grant)
{
    unsigned src_rights = is_root_key(src) ? RWX : ref[src].rights;
    if (!is_root_key(src) && !ref[src].present)
        return;
    unsigned frame = is_root_key(src) ? (unsigned)(src - (int)NKEYS) : ref[src].frame;
    unsigned r = rights & src_rights;
    if (!r)
        return;
    bool moves = grant && !is_root_key(src);
    if (ref[dst].present && ref[dst].frame == frame) {
        if (dst != src) {
            ref[dst].rights |= r;
            if (moves)
                ref_lift(src);
        }
        return;
    }
    unsigned st = 0;
    if (ref[dst].present)
        ref_remove(dst, &st);
    if (moves) {
        ref_move(src, dst, r);
        return;
    }
    ref[dst] = (struct ref){ true, frame, r, 0, NONE, NONE, NONE, NONE };
    ref_link(dst, src);
}

static unsigned space_index(const struct space *s) { return (unsigned)(s - sp); }

/* Pages the model keeps out of the mdb: a KIP area in space 1, a UTCB area
 * in space 2 and a kernel-owned page in space 3. */
#define MODEL_KIP_PAGE   5u
#define MODEL_UTCB_PAGE  0x410u      /* 4 pages */
#define MODEL_KPAGE      7u

static void model_reserve_areas(void)
{
    sp[1].kip_area = fpage_make(VBASE + MODEL_KIP_PAGE * K4, 12, 0);
    sp[2].utcb_area = fpage_make(VBASE + MODEL_UTCB_PAGE * K4, 14, 0);
    mock_pt_kernel_map(&sp[3], VBASE + MODEL_KPAGE * K4, 12, 0x00100000u, R);
}

/* True for a page the mdb must never map into. */
static bool model_reserved(int s, unsigned page)
{
    return (s == 1 && page == MODEL_KIP_PAGE) ||
           (s == 2 && page >= MODEL_UTCB_PAGE && page < MODEL_UTCB_PAGE + 4) ||
           (s == 3 && page == MODEL_KPAGE);
}

static unsigned status_to_rights(unsigned st)
{
    return ((st & PT_STATUS_ACCESSED) ? (R | X) : 0u) | ((st & PT_STATUS_DIRTY) ? (R | W) : 0u);
}

#define MODEL_CHECK(cond)                                                          \
    do {                                                                           \
        if (!(cond)) {                                                             \
            print_error("model test: seed 0x%x step %u: %s failed (%s:%d)\n",       \
                        model_seed, model_step, #cond, __FILE__, __LINE__);        \
            fail();                                                                \
        }                                                                          \
    } while (0)

/* The mdb, the fake page tables and the reference agree. */
static void model_compare(void)
{
    MODEL_CHECK(mdb_check() == 0);
    MODEL_CHECK(mock_tlb_stale() == 0);
    MODEL_CHECK(mock_pt_errors == 0);
    unsigned entries = 0, present = 0;
    for (int s = 0; s < NSPACES; s++) {
        entries += mock_pt_node_entries(&sp[s]);
        for (unsigned p = 0; p < NPAGES; p++) {
            struct ref *e = &ref[key_of(s, p)];
            struct pt_entry pte;
            word_t va = VBASE + p * K4;
            bool mapped = arch_pt_lookup(&sp[s], va, &pte);
            if (s == 3 && p == MODEL_KPAGE) {
                MODEL_CHECK(mapped && pte.node == NULL && pte.phys == 0x00100000u);
                continue;
            }
            MODEL_CHECK(mapped == e->present);
            if (!mapped)
                continue;
            present++;
            model_present++;
            model_large += pte.log2 == 22;
            word_t off = va & ((1u << pte.log2) - 1u);
            MODEL_CHECK(pte.phys + off == VBASE + e->frame * K4);
            MODEL_CHECK(pte.rights == e->rights);
            /* the derivation: the parent node matches the reference parent */
            const struct mapnode *parent = mdb_node_parent(pte.node);
            MODEL_CHECK(parent != NULL);
            struct mdb_node_info pi;
            mdb_node_info(parent, &pi);
            if (is_root_key(e->parent)) {
                MODEL_CHECK(pi.depth == 0);
                MODEL_CHECK(pi.phys + off == VBASE + e->frame * K4);
            } else {
                MODEL_CHECK(pi.depth > 0);
                model_deep += pi.depth >= 2;
                int pk = key_of((int)space_index(pi.space), (pi.va + off - VBASE) / K4);
                MODEL_CHECK(pk == e->parent);
            }
        }
    }
    MODEL_CHECK(entries + mdb_root_count() == mdb_node_count());
}

static unsigned rnd(unsigned n) { return (unsigned)rand() % n; }

static unsigned rnd_log2(void)
{
    static const unsigned sizes[] = { 12, 12, 12, 13, 14, 16, 22, 22, 22, 22, 23 };
    return sizes[rnd(ARRAY_SIZE(sizes))];
}

/* A size-aligned page index of a 2^log2 region inside the model range. */
static unsigned rnd_aligned_page(unsigned log2)
{
    unsigned pages = 1u << (log2 - 12);
    return rnd(NPAGES / pages) * pages;
}

static void model_map(void)
{
    unsigned log2 = rnd_log2();
    unsigned npg = 1u << (log2 - 12);
    int from = rnd(3) == 0 ? 0 : 1 + (int)rnd(NSPACES - 1);
    int to = 1 + (int)rnd(NSPACES - 1);
    unsigned fp = rnd_aligned_page(log2);
    unsigned tp = rnd_aligned_page(log2);
    /* mostly send pages the sender has, so that trees grow deep */
    for (unsigned tries = 0; from != 0 && log2 == 12 && rnd(3) && tries < NPAGES; tries++) {
        if (ref[key_of(from, fp)].present)
            break;
        fp = (fp + 1) % NPAGES;
    }
    if (from == 0 && rnd(6) == 0) {
        to = 0;             /* sigma0 touching its own pages: 1:1 */
        tp = fp;
    }
    unsigned rights = rnd(8) == 0 ? 0 : 1 + rnd(7);
    bool grant = rnd(5) == 0;
    if (model_trace)
        print_message("%u: %s %d:%x -> %d:%x log2 %u rights %u\n", model_step, grant ? "grant" : "map",
                      from, VBASE + fp * K4, to, VBASE + tp * K4, log2, rights);
    int res = mdb_map(&sp[from], VBASE + fp * K4, &sp[to], VBASE + tp * K4, log2, rights, grant);
    MODEL_CHECK(res == MDB_OK);
    if (!rights)
        return;
    for (unsigned i = 0; i < npg; i++) {
        int src = from == 0 ? root_key(fp + i) : key_of(from, fp + i);
        if (!model_reserved(to, tp + i))
            ref_map_page(src, key_of(to, tp + i), rights, grant);
    }
}

static void model_unmap(void)
{
    static const unsigned sizes[] = { 12, 12, 13, 16, 22, 22, 23 };
    unsigned log2 = sizes[rnd(ARRAY_SIZE(sizes))];
    int s = rnd(5) == 0 ? 0 : 1 + (int)rnd(NSPACES - 1);
    unsigned p0 = rnd_aligned_page(log2);
    unsigned rights = rnd(3) == 0 ? RWX : rnd(8);
    bool flush = rnd(5) < 2;
    word_t status = 0;
    if (model_trace)
        print_message("%u: %s %d:%x log2 %u rights %u\n", model_step, flush ? "flush" : "unmap", s,
                      VBASE + p0 * K4, log2, rights);
    int res = mdb_unmap_fpage(&sp[s], fpage_make(VBASE + p0 * K4, log2, rights), flush, &status);
    MODEL_CHECK(res == MDB_OK);
    unsigned st = 0;
    for (unsigned i = 0; i < (1u << (log2 - 12)); i++) {
        int k = s == 0 ? root_key(p0 + i) : key_of(s, p0 + i);
        if (!is_root_key(k) && !ref[k].present)
            continue;
        if (is_root_key(k) && ref[k].child == NONE)
            continue;
        ref_revoke(k, rights, flush, s == 0 && !flush, &st);
    }
    MODEL_CHECK(status == status_to_rights(st));
}

static void model_touch(void)
{
    int s = (int)rnd(NSPACES);
    unsigned p = rnd(NPAGES);
    bool write = rnd(2);
    struct pt_entry e;
    if (!arch_pt_lookup(&sp[s], VBASE + p * K4, &e) || !e.node)
        return;
    MODEL_CHECK(mock_pt_touch(&sp[s], VBASE + p * K4, write));
    unsigned bits = PT_STATUS_ACCESSED | (write ? PT_STATUS_DIRTY : 0u);
    /* a 4 MB page has one set of bits for all its 4 KB parts */
    unsigned first = e.log2 == 22 ? p & ~1023u : p;
    unsigned count = e.log2 == 22 ? 1024u : 1u;
    for (unsigned i = 0; i < count; i++)
        ref[key_of(s, first + i)].status |= bits;
}

static void model_destroy(int s)
{
    if (model_trace)
        print_message("%u: destroy %d\n", model_step, s);
    mdb_space_destroy(&sp[s]);
    unsigned st = 0;
    for (unsigned p = 0; p < NPAGES; p++)
        if (ref[key_of(s, p)].present)
            ref_remove(key_of(s, p), &st);
}

static void test_mdb_model_random(void **state)
{
    (void)state;
    model_seed = 0x5EED1234u;
    const char *env = getenv("MDB_SEED");
    if (env)
        model_seed = (unsigned)strtoul(env, NULL, 0);
    unsigned steps = 4000;
    const char *env_steps = getenv("MDB_STEPS");
    if (env_steps)
        steps = (unsigned)strtoul(env_steps, NULL, 0);
    print_message("mdb model test: seed 0x%x, %u steps\n", model_seed, steps);
    model_trace = getenv("MDB_TRACE") != NULL;
    model_reserve_areas();
    srand(model_seed);
    ref_reset();
    for (model_step = 0; model_step < steps; model_step++) {
        unsigned op = rnd(100);
        if (op < 45)
            model_map();
        else if (op < 75)
            model_unmap();
        else if (op < 92)
            model_touch();
        else if (op < 95)
            model_destroy(1 + (int)rnd(NSPACES - 1));
        if (model_step % 200 == 199) {
            for (int s = NSPACES - 1; s >= 0; s--)
                model_destroy(s);
            MODEL_CHECK(mdb_node_count() == 0);
            MODEL_CHECK(mdb_page_count() == 0);
            MODEL_CHECK(mock_pages_outstanding() == 0);
        }
        model_compare();
    }
    print_message("mdb model test: %lu page checks, %lu in 4 MB pages, %lu at depth >= 3\n",
                  model_present, model_large, model_deep);
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

static void test_mdb_same_frame_rights_extension_then_flush(void **state)
{
    (void)state;
    /* A(R) and B(RW) of one frame; C gets it from A (R), then from B (RW):
     * C's node stays A's child with RW */
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x5000, B, 0x2000, 12, R | W, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, C, 0x3000, 12, R, false), MDB_OK);
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, R | W, false), MDB_OK);
    expect_map(C, 0x3000, 0x5000, R | W);
    assert_int_equal(node_at(C, 0x3000).depth, 2);
    assert_int_equal(mdb_map(C, 0x3000, D, 0x4000, 12, R | W, false), MDB_OK);
    expect_consistent();
    /* flushing R from A takes A and everything derived from it */
    unmap(A, 0x1000, 12, R, true);
    expect_unmapped(A, 0x1000);
    expect_unmapped(C, 0x3000);
    expect_unmapped(D, 0x4000);
    expect_map(B, 0x2000, 0x5000, R | W);
    assert_int_equal(mdb_node_count(), 2);
}

static void test_mdb_grant_fewer_rights_keeps_status(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x2000, 12, RWX, false), MDB_OK);
    assert_true(mock_pt_touch(B, 0x2000, true));
    /* B grants its page to C with R only: the written page stays dirty */
    assert_int_equal(mdb_map(B, 0x2000, C, 0x3000, 12, R, true), MDB_OK);
    expect_unmapped(B, 0x2000);
    expect_map(C, 0x3000, 0x5000, R);
    assert_int_equal(node_at(C, 0x3000).depth, 2);
    assert_int_equal(unmap(A, 0x1000, 12, 0, false), R | W | X);
    /* reading the status cleared it */
    assert_int_equal(unmap(A, 0x1000, 12, 0, false), 0);
}

static void test_mdb_map_from_last_user_page(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0xBFFFF000u, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0xBFFFF000u, B, 0xBFFFF000u, 12, RWX, false), MDB_OK);
    expect_map(B, 0xBFFFF000u, 0x5000, RWX);
    assert_int_equal(mdb_map(A, 0xBFFFE000u, B, 0x10000, 13, RWX, false), MDB_OK);
    expect_map(B, 0x11000, 0x5000, RWX);
    /* one page further is the kernel's */
    assert_int_equal(mdb_map(A, 0xC0000000u, B, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(A, 0xBFFFF000u, B, 0xC0000000u, 12, RWX, false), MDB_ERR_PARAM);
    expect_consistent();
}

static void test_mdb_unmap_first_page_of_large_keeps_rest(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x00400000, A, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(page_log2(A, 0x00400000), 22);
    unmap(A, 0x00400000, 12, RWX, true);
    expect_unmapped(A, 0x00400000);
    expect_map(A, 0x00401000, 0x00401000, RWX);
    expect_map(A, 0x00600000, 0x00600000, RWX);
    expect_map(A, 0x007FF000, 0x007FF000, RWX);
    assert_int_equal(page_log2(A, 0x00401000), 12);
    assert_int_equal(mock_pt_node_entries(A), 1023);
    /* and the last page of the slot on its own */
    unmap(A, 0x007FF000, 12, RWX, true);
    expect_unmapped(A, 0x007FF000);
    expect_map(A, 0x007FE000, 0x007FE000, RWX);
    assert_int_equal(mock_pt_node_entries(A), 1022);
}

static void test_mdb_sigma0_unmap_whole_large_tree_no_split(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x00400000, A, 0x00800000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x00800000, B, 0x00400000, 22, RWX, false), MDB_OK);
    unmap(s0, 0x00400000, 22, W, true);
    assert_int_equal(page_log2(A, 0x00800000), 22);
    assert_int_equal(page_log2(B, 0x00400000), 22);
    expect_map(A, 0x00800000, 0x00400000, R | X);
    expect_map(B, 0x007FF000, 0x007FF000, R | X);
    assert_int_equal(mdb_node_count(), 3);
    /* the whole 8 MB around it: still one tree */
    unmap(s0, 0x00000000, 23, X, true);
    assert_int_equal(page_log2(B, 0x00400000), 22);
    expect_map(B, 0x00400000, 0x00400000, R);
    assert_int_equal(mdb_node_count(), 3);
}

static void test_mdb_sigma0_unmap_range_small_into_large(void **state)
{
    (void)state;
    /* 4 KB frames at the end of superframe 0, a 4 MB tree in superframe 1 */
    assert_int_equal(mdb_map(s0, 0x003FE000, A, 0x00001000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x003FF000, A, 0x00002000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x00400000, A, 0x00800000, 22, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(s0, 0x00800000, A, 0x00C00000, 22, RWX, false), MDB_OK);
    /* [0, 8 MB): both small frames and the whole tree, nothing split */
    unmap(s0, 0x00000000, 23, W, true);
    expect_map(A, 0x00001000, 0x003FE000, R | X);
    expect_map(A, 0x00002000, 0x003FF000, R | X);
    expect_map(A, 0x00800000, 0x00400000, R | X);
    assert_int_equal(page_log2(A, 0x00800000), 22);
    expect_map(A, 0x00C00000, 0x00800000, RWX);          /* beyond the range */
    /* [4 MB, 6 MB): the tree splits, every page of the range loses X, none beyond */
    unmap(s0, 0x00400000, 21, X, true);
    assert_int_equal(page_log2(A, 0x00800000), 12);
    expect_map(A, 0x00800000, 0x00400000, R);
    expect_map(A, 0x00801000, 0x00401000, R);
    expect_map(A, 0x009FF000, 0x005FF000, R);
    expect_map(A, 0x00A00000, 0x00600000, R | X);
    expect_map(A, 0x00BFF000, 0x007FF000, R | X);
    assert_int_equal(page_log2(A, 0x00C00000), 22);
    /* [6 MB, 8 MB) of the split tree, now 4 KB roots: all of it */
    unmap(s0, 0x00600000, 21, RWX, true);
    expect_unmapped(A, 0x00A00000);
    expect_unmapped(A, 0x00BFF000);
    expect_map(A, 0x009FF000, 0x005FF000, R);
    expect_map(A, 0x00C00000, 0x00800000, RWX);
}

static void test_mdb_check_detects_wrong_frame(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    struct pt_entry e;
    assert_true(arch_pt_lookup(A, 0x1000, &e));
    arch_pt_clear(A, 0x1000);
    arch_pt_set(A, 0x1000, 12, 0x6000, RWX, e.node);
    arch_tlb_flush(A, 0x1000, 12);
    assert_int_equal(mdb_check(), 1);
    arch_pt_clear(A, 0x1000);
    arch_pt_set(A, 0x1000, 12, 0x5000, RWX, e.node);
    arch_tlb_flush(A, 0x1000, 12);
    assert_int_equal(mdb_check(), 0);
}

/* ---- branch coverage (issue 12) ------------------------------------------------- */

static void test_mdb_sigma0_unmap_own_derived_node_not_exempt(void **state)
{
    (void)state;
    /* frame 0x5000 -> A -> back into sigma0 at 0x9000 (depth 2) */
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1000, s0, 0x9000, 12, RWX, false), MDB_OK);
    assert_int_equal(node_at(s0, 0x9000).depth, 2);
    /* sigma0 revokes W without flush: only its depth-1 nodes keep their rights */
    unmap(s0, 0x5000, 12, W, false);
    expect_map(A, 0x1000, 0x5000, R | X);
    expect_map(s0, 0x9000, 0x5000, R | X);
}

static void test_mdb_map_skips_kip_and_utcb_areas(void **state)
{
    (void)state;
    A->kip_area = fpage_make(0x00402000, 12, 0);
    A->utcb_area = fpage_make(0x00410000, 14, 0);
    /* 4 KB pages outside both areas map; inside them nothing */
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x00401000, 12, RWX, false), MDB_OK);
    expect_map(A, 0x00401000, 0x5000, RWX);
    assert_int_equal(mdb_map(s0, 0x6000, A, 0x00402000, 12, RWX, false), MDB_OK);
    expect_unmapped(A, 0x00402000);
    assert_int_equal(mdb_map(s0, 0x7000, A, 0x00413000, 12, RWX, false), MDB_OK);
    expect_unmapped(A, 0x00413000);
    /* a 4 MB page over the slot: 4 KB pages around the areas */
    assert_int_equal(mdb_map(s0, 0x00800000, A, 0x00400000, 22, RWX, false), MDB_OK);
    assert_int_equal(page_log2(A, 0x00400000), 12);
    expect_map(A, 0x00401000, 0x00801000, RWX);
    expect_unmapped(A, 0x00402000);
    expect_map(A, 0x00403000, 0x00803000, RWX);
    expect_map(A, 0x0040F000, 0x0080F000, RWX);
    expect_unmapped(A, 0x00410000);
    expect_unmapped(A, 0x00413000);
    expect_map(A, 0x00414000, 0x00814000, RWX);
    expect_consistent();
    A->kip_area = A->utcb_area = 0;
}

static void test_mdb_map_misaligned_by_a_byte(void **state)
{
    (void)state;
    assert_int_equal(mdb_map(s0, 0x5000, A, 0x1000, 12, RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, 0x1001, B, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(A, 0x1000, B, 0x1001, 12, RWX, false), MDB_ERR_PARAM);
    assert_int_equal(mdb_map(s0, 0x5001, B, 0x1000, 12, RWX, false), MDB_ERR_PARAM);
    expect_unmapped(B, 0x1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mdb_map_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_zero_rights_does_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_sigma0_creates_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_rights_are_intersected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_unmapped_sender_pages_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_replaces_other_frame_with_subtree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_same_frame_extends_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_grant_moves_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_grant_fewer_rights_revokes_below, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_grant_onto_same_frame_lifts_children, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_grant_from_sigma0_maps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_uses_large_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_part_of_large_sender_splits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_into_part_of_large_receiver_splits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_large_replaces_small_receiver_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_large_region_small_sender_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_skips_reserved_and_kernel_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_large_kernel_page_borders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_masks_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_ending_at_a_large_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_sigma0_device_memory_above_user_area, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_sigma0_self_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_out_of_memory_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_out_of_memory_keeps_earlier_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_split_out_of_memory_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_split_reserve_failure_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_revokes_derived_recursively, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_flush_includes_own, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_partial_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_reports_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_large_whole_and_part, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_split_out_of_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_fpage_sigma0_by_physical_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_space_destroy_removes_mappings_and_derived, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_detects_disagreement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_model_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_same_frame_rights_extension_then_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_grant_fewer_rights_keeps_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_from_last_user_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_unmap_first_page_of_large_keeps_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_sigma0_unmap_whole_large_tree_no_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_sigma0_unmap_range_small_into_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_detects_wrong_frame, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_sigma0_unmap_own_derived_node_not_exempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_skips_kip_and_utcb_areas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_map_misaligned_by_a_byte, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
