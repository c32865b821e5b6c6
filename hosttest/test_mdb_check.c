/* White-box tests of the mapping database's invariant checker (mdb_check,
 * mdb_pool_check) and mdb_page_count: each test builds a valid state,
 * corrupts exactly one thing through the internal structures and asserts the
 * exact number of violations reported. The module's source is included, so
 * its definitions take precedence over the mdb.o of the l4core_host archive. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../src/core/mdb.c"
#include <mock/hooks.h>
#include <mock/pagetable.h>
#include <string.h>

#define FRAME  0x5000u      /* 4 KB frame of the small tree: sigma0 -> A -> B */
#define A_VA   0x1000u
#define B_VA   0x2000u
#define BIG    0x800000u    /* 4 MB superframe of the large tree: sigma0 -> A (same va) */

static struct space sigma0_space, a_space, b_space;
static struct space *const s0 = &sigma0_space;
static struct space *const A = &a_space;
static struct space *const B = &b_space;

/* The valid state every test starts from: the small tree sigma0 -> A -> B
 * (B read-only) and the large tree sigma0 -> A. */
static int setup(void **state)
{
    (void)state;
    *s0 = (struct space){ .is_sigma0 = true };
    *A = *B = (struct space){ .is_sigma0 = false };
    mock_reset();
    mock_pt_reset();
    assert_int_equal(mdb_map(s0, FRAME, A, A_VA, MDB_LOG2_SMALL, FPAGE_RIGHTS_RWX, false), MDB_OK);
    assert_int_equal(mdb_map(A, A_VA, B, B_VA, MDB_LOG2_SMALL, FPAGE_RIGHTS_R, false), MDB_OK);
    assert_int_equal(mdb_map(s0, BIG, A, BIG, MDB_LOG2_LARGE, FPAGE_RIGHTS_RWX, false), MDB_OK);
    assert_int_equal(mdb_check(), 0);
    return 0;
}

/* Every corruption was undone: removing everything leaves nothing behind. */
static int teardown(void **state)
{
    (void)state;
    struct space *const all[] = { B, A, s0 };
    for (unsigned i = 0; i < 3; i++)
        mdb_space_destroy(all[i]);
    assert_int_equal(mdb_check() + mdb_pool_check() + mdb_node_count() + mdb_page_count(), 0);
    assert_int_equal(mock_pages_outstanding() + mock_pt_errors + mock_tlb_stale(), 0);
    for (unsigned i = 0; i < 3; i++)
        mock_pt_release(all[i]);
    return 0;
}

/* The node of the page at va in s. */
static struct mapnode *node_of(struct space *s, word_t va)
{
    struct pt_entry e;
    assert_true(arch_pt_lookup(s, va, &e));
    assert_non_null(e.node);
    return e.node;
}

/* Make the entry at va of s be *e (absent when e is NULL). */
static void pt_put(struct space *s, word_t va, const struct pt_entry *e)
{
    struct pt_entry old;
    if (arch_pt_lookup(s, va, &old))
        arch_pt_clear(s, va);
    if (e && e->log2 == MDB_LOG2_SMALL)
        assert_true(arch_pt_reserve(s, va));
    if (e)
        arch_pt_set(s, va, e->log2, e->phys, e->rights, e->node);
    arch_tlb_flush(s, va & ~(LARGE_SIZE - 1u), MDB_LOG2_LARGE);
}

/* With the entry at va of s replaced by *bad, mdb_check() finds exactly n violations. */
static void expect_entry_corruption(struct space *s, word_t va, const struct pt_entry *bad, unsigned n)
{
    struct pt_entry good;
    assert_true(arch_pt_lookup(s, va, &good));
    pt_put(s, va, bad);
    assert_int_equal(mdb_check(), n);
    pt_put(s, va, &good);
    assert_int_equal(mdb_check(), 0);
}

/* With *field set to bad, mdb_check() finds exactly n violations. */
static void expect_field_corruption(word_t *field, word_t bad, unsigned n)
{
    word_t good = *field;
    *field = bad;
    assert_int_equal(mdb_check(), n);
    *field = good;
    assert_int_equal(mdb_check(), 0);
}

/* With node x's link word set to bad, mdb_check() finds exactly n violations. */
static void expect_link_corruption(struct mapnode *x, uintptr_t bad, unsigned n)
{
    uintptr_t good = x->link;
    x->link = bad;
    assert_int_equal(mdb_check(), n);
    x->link = good;
    assert_int_equal(mdb_check(), 0);
}

/* Give non-root x the va word `va` and frame `phys`, its page-table entry
 * moving along (so node and entry agree): exactly n violations. */
static void expect_node_rewrite(struct mapnode *x, word_t va, word_t phys, unsigned n)
{
    word_t good_va = x->va, good_phys = x->phys;
    pt_put(x->space, node_va(x), NULL);
    x->va = va;
    x->phys = phys;
    assert_true(arch_pt_reserve(x->space, node_va(x)));
    node_pt_install(x);
    assert_int_equal(mdb_check(), n);
    pt_put(x->space, node_va(x), NULL);
    x->va = good_va;
    x->phys = good_phys;
    node_pt_install(x);
    assert_int_equal(mdb_check(), 0);
}

/* ---- check_node_pt: a node against its page-table entry ----------------- */

/* A node whose page-table entry is gone is one violation (not more). */
static void test_mdb_check_missing_entry(void **state)
{
    (void)state;
    expect_entry_corruption(B, B_VA, NULL, 1);
}

/* An entry naming another node, frame, page size or rights is one violation each. */
static void test_mdb_check_entry_disagrees(void **state)
{
    (void)state;
    struct pt_entry e;
    assert_true(arch_pt_lookup(B, B_VA, &e));
    struct pt_entry other_node = e, other_phys = e, other_rights = e;
    other_node.node = node_of(A, A_VA);
    other_phys.phys = FRAME + SMALL_SIZE;
    other_rights.rights = FPAGE_RIGHTS_RWX;
    expect_entry_corruption(B, B_VA, &other_node, 1);
    expect_entry_corruption(B, B_VA, &other_phys, 1);
    expect_entry_corruption(B, B_VA, &other_rights, 1);
    assert_true(arch_pt_lookup(A, BIG, &e));
    struct pt_entry other_log2 = e;
    other_log2.log2 = MDB_LOG2_SMALL;      /* a 4 KB entry for the 4 MB node */
    expect_entry_corruption(A, BIG, &other_log2, 1);
}

/* A node (and its entry) without rights is one violation. */
static void test_mdb_check_node_without_rights(void **state)
{
    (void)state;
    struct mapnode *b = node_of(B, B_VA);
    expect_node_rewrite(b, b->va & ~NODE_RIGHTS_MASK, b->phys, 1);
}

/* A node (and its entry) at MDB_USER_LIMIT is one violation; just below it, none. */
static void test_mdb_check_node_at_user_limit(void **state)
{
    (void)state;
    struct mapnode *b = node_of(B, B_VA);
    word_t flags = b->va & ~NODE_VA_MASK;
    expect_node_rewrite(b, (MDB_USER_LIMIT - SMALL_SIZE) | flags, b->phys, 0);
    expect_node_rewrite(b, MDB_USER_LIMIT | flags, b->phys, 1);
    assert_int_equal(mock_pt_errors, 1);   /* the fake objects to the kernel-area entry */
    mock_pt_errors = 0;
}

/* ---- check_tree: the roots ----------------------------------------------- */

/* A root with a depth, a frame or a page size other than its table slot's is one violation each. */
static void test_mdb_check_root_fields(void **state)
{
    (void)state;
    struct mapnode *r = root_find_small(FRAME);
    expect_field_corruption(&r->depth, 1, 1);
    expect_field_corruption(&r->phys, FRAME + SMALL_SIZE, 1);
    expect_field_corruption(&r->va, r->va ^ NODE_LARGE, 1);
    r = root_large[phys_superframe(BIG)];
    expect_field_corruption(&r->va, r->va ^ NODE_LARGE, 1);
}

/* A root without children: one violation, and its lost nodes make the count disagree. */
static void test_mdb_check_root_without_link(void **state)
{
    (void)state;
    expect_link_corruption(root_find_small(FRAME), 0, 2);
}

/* A superframe with 4 KB root tables beside its 4 MB tree is one violation. */
static void test_mdb_check_small_table_beside_large_tree(void **state)
{
    (void)state;
    static struct root_chunk empty;
    unsigned sf = phys_superframe(BIG);
    root_small[sf] = &empty;
    assert_int_equal(mdb_check(), 1);
    root_small[sf] = NULL;
    assert_int_equal(mdb_check(), 0);
}

/* ---- check_tree: the nodes below a root ---------------------------------- */

/* A non-root at depth 0, or deeper than its predecessor + 1, is one violation each. */
static void test_mdb_check_node_depth(void **state)
{
    (void)state;
    struct mapnode *b = node_of(B, B_VA);   /* the last node: depth 2 after A at 1 */
    expect_field_corruption(&b->depth, 0, 1);
    expect_field_corruption(&b->depth, 3, 1);
    expect_field_corruption(&b->depth, 1, 0);
}

/* A node (with its entry) of another frame or page size than its tree is one violation each. */
static void test_mdb_check_node_in_wrong_tree(void **state)
{
    (void)state;
    struct mapnode *b = node_of(B, B_VA);
    expect_node_rewrite(b, b->va, FRAME + SMALL_SIZE, 1);
    struct mapnode *a = node_of(A, BIG);
    expect_node_rewrite(a, a->va & ~NODE_LARGE, a->phys, 1);
}

/* A link that ends the list early loses B: the node count disagrees (one violation). */
static void test_mdb_check_link_loses_tail(void **state)
{
    (void)state;
    struct mapnode *a = node_of(A, A_VA);
    expect_link_corruption(a, (uintptr_t)root_find_small(FRAME), 1);
}

/* A link that turns the walk back visits nodes twice (root, A, B, A, root):
 * the node count disagrees (one violation). */
static void test_mdb_check_link_turns_back(void **state)
{
    (void)state;
    expect_link_corruption(node_of(B, B_VA), 0, 1);
}

/* A root-table chunk is empty when its own slots are: the word after it
 * (the next chunk's first slot) is not looked at. */
static void test_mdb_chunk_empty_reads_only_its_slots(void **state)
{
    (void)state;
    struct root_chunk *a = kmem_alloc(&chunk_cache), *b = kmem_alloc(&chunk_cache);
    assert_ptr_equal((char *)b, (char *)a + chunk_cache.obj_size);   /* neighbours */
    b->slot[0] = b;
    assert_true(chunk_empty(a));
    a->slot[CHUNK_SLOTS - 1u] = b;
    assert_false(chunk_empty(a));
    a->slot[CHUNK_SLOTS - 1u] = b->slot[0] = NULL;
    kmem_free(&chunk_cache, b);
    kmem_free(&chunk_cache, a);
}

/* ---- counts and the caches ------------------------------------------------ */

/* A live count one above the nodes in the trees: one violation for mdb_check
 * and one for mdb_pool_check. */
static void test_mdb_check_node_count(void **state)
{
    (void)state;
    node_cache.live++;
    assert_int_equal(mdb_check(), 1);
    assert_int_equal(mdb_pool_check(), 1);
    node_cache.live--;
    assert_int_equal(mdb_check() + mdb_pool_check(), 0);
}

/* A scribbled-on free root chunk (use after free) is one violation of mdb_pool_check. */
static void test_mdb_pool_check_free_chunk_overwritten(void **state)
{
    (void)state;
    struct root_chunk *c = kmem_alloc(&chunk_cache);
    assert_non_null(c);
    kmem_free(&chunk_cache, c);
    struct root_chunk saved;
    memcpy(&saved, c, sizeof(saved));
    memset(c, 0, sizeof(*c));
    assert_int_equal(mdb_pool_check(), 1);
    memcpy(c, &saved, sizeof(saved));
    assert_int_equal(mdb_pool_check(), 0);
}

/* The pages of both caches count: nodes and root chunks (one page each here). */
static void test_mdb_page_count_sums_caches(void **state)
{
    (void)state;
    assert_int_equal(kmem_pages(&node_cache), 1);
    assert_int_equal(kmem_pages(&chunk_cache), 1);
    assert_int_equal(mdb_page_count(), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mdb_check_missing_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_entry_disagrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_node_without_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_node_at_user_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_root_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_root_without_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_small_table_beside_large_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_node_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_node_in_wrong_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_link_loses_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_link_turns_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_chunk_empty_reads_only_its_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_check_node_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_pool_check_free_chunk_overwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdb_page_count_sums_caches, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
