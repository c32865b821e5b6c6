/*
 * Instructions per mdb_map / mdb_unmap_fpage against the size of the frame's
 * mapping tree, the preorder position and the depth of the sender's node,
 * and the size of an unmapped subtree; also 4 MB maps and a 4 MB split.
 * Costs include the fake page-table hooks of mocks/pagetable.c.
 */
#include <core/mdb.h>
#include <core/space.h>
#include <mock/hooks.h>
#include <mock/pagetable.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K4 0x1000u
#define M4 0x400000u
#define NSPACES 8

static struct space sp[NSPACES];
static struct space *const s0 = &sp[0];   /* sigma0 */
static struct space *const X = &sp[1];    /* holds tree filler mappings */
static struct space *const Y = &sp[2];    /* receives the measured mappings */
static struct space *const Z = &sp[3];    /* senders */
static struct space *const W = &sp[4];    /* subtree members */

#define FRAME 0x00100000u
#define YBASE 0x10000000u

static void die(const char *what)
{
    fprintf(stderr, "bench_mdb: %s failed\n", what);
    exit(1);
}

static void must_map(struct space *f, word_t fva, struct space *t, word_t tva, unsigned log2)
{
    if (mdb_map(f, fva, t, tva, log2, FPAGE_RIGHTS_RWX, false) != MDB_OK)
        die("map");
}

static void must_flush(struct space *s, word_t va, unsigned log2)
{
    word_t st;
    if (mdb_unmap_fpage(s, fpage_make(va, log2, FPAGE_RIGHTS_RWX), true, &st) != MDB_OK)
        die("unmap");
}

/* Remove everything and check that nothing is left. */
static void reset_all(void)
{
    for (int i = NSPACES - 1; i >= 0; i--)
        mdb_space_destroy(&sp[i]);
    if (mdb_node_count() != 0 || mdb_check() != 0 || mock_tlb_stale() != 0)
        die("reset");
}

/* Map n pages of `sender` at sva to Y at YBASE.. (one page each). */
static __attribute__((noinline)) void map_n(struct space *sender, word_t sva, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (mdb_map(sender, sva, Y, YBASE + i * K4, 12, FPAGE_RIGHTS_RWX, false) != MDB_OK)
            die("map_n");
}

/* Flush n pages of Y at YBASE.. one by one. */
static __attribute__((noinline)) void flush_n(unsigned n)
{
    word_t st;
    for (unsigned i = 0; i < n; i++)
        if (mdb_unmap_fpage(Y, fpage_make(YBASE + i * K4, 12, FPAGE_RIGHTS_RWX), true, &st) != MDB_OK)
            die("flush_n");
}

/* Tree: root + k filler children in X (sender: sigma0, the root). */
static void build_root_tree(unsigned k)
{
    for (unsigned i = 0; i < k; i++)
        must_map(s0, FRAME, X, i * K4, 12);
}

/* Tree: sender Z at preorder position p + 1 (p filler siblings before it). */
static void build_positioned_sender(unsigned p)
{
    must_map(s0, FRAME, Z, 0x0, 12);
    build_root_tree(p);
}

/* Tree: a chain of d nodes; the deepest is Z's page at 0x0. */
static void build_chain(unsigned d)
{
    must_map(s0, FRAME, &sp[5], 0x0, 12);
    for (unsigned i = 1; i + 1 < d; i++)
        must_map(&sp[5], (i - 1) * K4, &sp[5], i * K4, 12);
    must_map(&sp[5], (d - 2) * K4, Z, 0x0, 12);
}

/* Which case runs; stored by every bench_op_ so the compiler cannot fold
 * the (otherwise identical) functions into one symbol. */
static volatile unsigned bench_case;

#define BENCH_PAIR(name, id)                                                    \
    static __attribute__((noinline)) void bench_op_map_##name(struct space *s, word_t va, unsigned n) \
    {                                                                           \
        bench_case = id;                                                        \
        map_n(s, va, n);                                                        \
    }                                                                           \
    static __attribute__((noinline)) void bench_op_unmap_##name(unsigned n)   \
    {                                                                           \
        bench_case = id;                                                        \
        flush_n(n);                                                             \
    }

BENCH_PAIR(root_k1, 1)
BENCH_PAIR(root_k1000, 2)
BENCH_PAIR(pos_10, 3)
BENCH_PAIR(pos_100, 4)
BENCH_PAIR(pos_1000, 5)
BENCH_PAIR(depth_2, 6)
BENCH_PAIR(depth_8, 7)
BENCH_PAIR(depth_32, 8)
BENCH_PAIR(depth_128, 9)

/* Unmap (not flush) Z's pages 0..n-1, each the top of a subtree of s nodes. */
static __attribute__((noinline)) void unmap_subtrees(unsigned n)
{
    word_t st;
    for (unsigned i = 0; i < n; i++)
        if (mdb_unmap_fpage(Z, fpage_make(i * K4, 12, FPAGE_RIGHTS_RWX), false, &st) != MDB_OK)
            die("unmap_subtrees");
}

static __attribute__((noinline)) void bench_op_unmap_subtree_s10(unsigned n)
{
    bench_case = 10;
    unmap_subtrees(n);
}

static __attribute__((noinline)) void bench_op_unmap_subtree_s100(unsigned n)
{
    bench_case = 11;
    unmap_subtrees(n);
}

static __attribute__((noinline)) void bench_op_unmap_subtree_s1000(unsigned n)
{
    bench_case = 12;
    unmap_subtrees(n);
}

/* n frames, each with Z's node (depth 1) and s - 1 children of it in W. */
static void build_subtrees(unsigned n, unsigned s)
{
    for (unsigned i = 0; i < n; i++) {
        word_t frame = FRAME + i * K4;
        must_map(s0, frame, Z, i * K4, 12);
        for (unsigned j = 0; j + 1 < s; j++)
            must_map(Z, i * K4, W, (i * s + j) * K4, 12);
    }
}

/* n 4 MB pages from sigma0 into Y. */
static void map_large_n(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        must_map(s0, 0x40000000u + i * M4, Y, YBASE + i * M4, 22);
}

static __attribute__((noinline)) void bench_op_map_large(unsigned n)
{
    bench_case = 13;
    map_large_n(n);
}

static __attribute__((noinline)) void bench_op_unmap_large(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        must_flush(Y, YBASE + i * M4, 22);
}

/* Map one 4 KB piece of each of n 4 MB pages of Y: splits a 2-node 4 MB tree. */
static __attribute__((noinline)) void bench_op_split_map(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        must_map(Y, YBASE + i * M4, Z, i * K4, 12);
}

static void run_pair(const char *name, void (*map)(struct space *, word_t, unsigned),
                     void (*unmap)(unsigned), struct space *sender, unsigned n)
{
    map(sender, sender == s0 ? FRAME : 0x0, n);
    if (mdb_check() != 0)
        die(name);
    unmap(n);
    printf("BENCH map_%s %u\nBENCH unmap_%s %u\n", name, n, name, n);
    reset_all();
}

int main(void)
{
    const unsigned n = 100;
    mock_reset();
    mock_pt_reset();
    memset(sp, 0, sizeof(sp));
    s0->is_sigma0 = true;

    /* warm up: fake page tables and allocator pages exist before measuring */
    build_root_tree(1);
    map_n(s0, FRAME, n);
    flush_n(n);
    reset_all();

    build_root_tree(1);
    run_pair("root_k1", bench_op_map_root_k1, bench_op_unmap_root_k1, s0, n);
    build_root_tree(1000);
    run_pair("root_k1000", bench_op_map_root_k1000, bench_op_unmap_root_k1000, s0, n);
    build_positioned_sender(10);
    run_pair("pos_10", bench_op_map_pos_10, bench_op_unmap_pos_10, Z, n);
    build_positioned_sender(100);
    run_pair("pos_100", bench_op_map_pos_100, bench_op_unmap_pos_100, Z, n);
    build_positioned_sender(1000);
    run_pair("pos_1000", bench_op_map_pos_1000, bench_op_unmap_pos_1000, Z, n);
    build_chain(2);
    run_pair("depth_2", bench_op_map_depth_2, bench_op_unmap_depth_2, Z, n);
    build_chain(8);
    run_pair("depth_8", bench_op_map_depth_8, bench_op_unmap_depth_8, Z, n);
    build_chain(32);
    run_pair("depth_32", bench_op_map_depth_32, bench_op_unmap_depth_32, Z, n);
    build_chain(128);
    run_pair("depth_128", bench_op_map_depth_128, bench_op_unmap_depth_128, Z, n);

    build_subtrees(20, 10);
    bench_op_unmap_subtree_s10(20);
    printf("BENCH unmap_subtree_s10 %u\n", 20u);
    reset_all();
    build_subtrees(20, 100);
    bench_op_unmap_subtree_s100(20);
    printf("BENCH unmap_subtree_s100 %u\n", 20u);
    reset_all();
    build_subtrees(20, 1000);
    bench_op_unmap_subtree_s1000(20);
    printf("BENCH unmap_subtree_s1000 %u\n", 20u);
    reset_all();

    bench_op_map_large(32);
    bench_op_unmap_large(32);
    printf("BENCH map_large 32\nBENCH unmap_large 32\n");
    reset_all();
    map_large_n(8);
    bench_op_split_map(8);
    printf("BENCH split_map 8\n");
    reset_all();

    for (int i = 0; i < NSPACES; i++)
        mock_pt_release(&sp[i]);
    return 0;
}
