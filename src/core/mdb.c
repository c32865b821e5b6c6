/*
 * The mapping database (ABI 1.2, 4.5 Unmap, 5.5 map/grant, 7.4 sigma0).
 *
 * WHAT IT GUARANTEES
 * - Every user mapping made by map/grant has one mapnode; the page-table
 *   entry points at it (pt_entry.node) and the node records space, virtual
 *   address, size, rights and physical base. Page tables are only changed
 *   through the arch_pt_* hooks; every reduction of an entry (clear, fewer
 *   rights) is followed by arch_tlb_flush() before the operation returns.
 * - Map gives the receiver (requested ∩ sender's) rights; grant moves the
 *   sender's node to the receiver (its derived mappings stay derived from it);
 *   unmap/flush revoke rights recursively from everything derived from the
 *   caller's mappings; a mapping left with no rights is removed together with
 *   everything derived from it.
 * - Inputs are checked before anything changes (MDB_ERR_PARAM). Running out
 *   of memory (MDB_ERR_NOMEM) is detected before the page concerned is
 *   changed; earlier pages of the same call stay done (like IPC errors).
 *
 * REPRESENTATION: one tree per physical frame, as a depth-annotated preorder
 * list. A tree's nodes form a list root, then the root's subtrees in
 * preorder; every node stores its depth (root 0). The subtree of node n is n
 * followed by the maximal run of successors deeper than n, so revoking or
 * removing a subtree is one linear walk forward from n. The list is
 * doubly linked with ONE word per node: link = address(prev) XOR
 * address(next) (NULL at the ends). Walking needs the traversal predecessor:
 * next = link ^ prev going forward, prev = link ^ next going backward.
 * Relinking a neighbour needs no further neighbour: its link is patched with
 * link ^= old ^ new. Entering the list at a node found through a page-table
 * entry needs that node's predecessor, which is found by walking from the
 * frame's root (node_prev(): cost = position in the preorder list). A new
 * mapping is inserted as the FIRST child of its parent (directly after it),
 * so mapping from sigma0 (the root) costs O(1) list work.
 *
 * ROOTS: sigma0 owns all physical memory (virtual = physical). The root of a
 * frame's tree is a node of sigma0 at depth 0 that has no page-table entry:
 * it stands for sigma0's ownership. It is created on demand when sigma0 maps
 * from that frame and freed when its last child goes. Roots are found through
 * a two-level root table indexed by the physical address. Mappings sigma0
 * makes to itself (its touched pages) are ordinary depth-1 nodes; an unmap by
 * sigma0 without flush does not revoke its own depth-1 nodes.
 *
 * PAGE SIZES AND SPLITS: every tree is uniform in page size. A 4 MB tree is
 * keyed by its 4 MB-aligned "superframe" and all its nodes map 4 MB pages; a
 * superframe has either one 4 MB tree or 4 KB trees, never both. A mapping is
 * made with a 4 MB page when the region is >= 4 MB (so both sides are 4 MB
 * aligned), the sender's page is 4 MB (sigma0: the superframe has no 4 KB
 * trees) and the receiver's slot has no kernel-owned or KIP/UTCB page;
 * otherwise page by page with 4 KB pages. When a 4 KB operation meets a 4 MB
 * page (mapping only a part of it, re-mapping a part of a receiver's 4 MB
 * page, unmapping or querying only a part of it), the whole 4 MB tree is
 * split: every node becomes 1024 nodes of 4 KB at the same positions in 1024
 * new trees, every 4 MB entry becomes 1024 4 KB entries, and the access status
 * of the 4 MB entry is kept on each piece. Nodes and page tables for the
 * split are reserved first, so a failing split changes nothing.
 *
 * SAME FRAME AT THE TARGET: a receiver mapping of the same frame only gets
 * its rights extended by (requested ∩ sender's); it keeps its place in the
 * tree. A grant onto such a mapping then removes the sender's node and lifts
 * the sender's derived mappings to the sender's parent. A receiver mapping of
 * another frame is removed with its subtree first. Granting from sigma0 is
 * mapping (sigma0 cannot give up ownership). A grant with fewer rights than
 * the sender had revokes the dropped rights from the moved node's subtree.
 *
 * ACCESS STATUS: an unmap/flush/query visits the caller's mapping and all
 * mappings derived from it and ORs (and clears) their accessed/dirty bits;
 * accessed reports R+X, dirty R+W. Status survives splits and grants.
 *
 * KERNEL-OWNED ENTRIES (node NULL, e.g. KIP, UTCB) and pages inside a
 * receiver's KIP/UTCB area are never mapped over, sent, or unmapped.
 *
 * COSTS (n = nodes of the subtree, p = preorder position of the node that is
 * entered through its page-table entry): map from sigma0 O(1) list work; map
 * from another space O(p); unmap O(p + n); split O(1024 * tree size) time
 * and memory. Nothing here is preemptible; a very large split or subtree
 * removal runs to completion. mdb_space_destroy(sigma0) leaves the roots
 * (sigma0 is never destroyed).
 */
#include <core/arch_hooks.h>
#include <core/kassert.h>
#include <core/kmem.h>
#include <core/mdb.h>
#include <core/space.h>

#define SMALL_SIZE   ((word_t)1 << MDB_LOG2_SMALL)
#define LARGE_SIZE   ((word_t)1 << MDB_LOG2_LARGE)
#define PAGES_PER_LARGE (LARGE_SIZE / SMALL_SIZE)
#define SUPERFRAMES  1024u
#define CHUNK_BITS   5u
#define CHUNK_SLOTS  (1u << CHUNK_BITS)

/* Low bits of mapnode.va (the address is 4 KB aligned). */
#define NODE_RIGHTS_MASK   0x7u
#define NODE_LARGE         0x8u
#define NODE_STATUS_SHIFT  4u
#define NODE_STATUS_MASK   (0x3u << NODE_STATUS_SHIFT)
#define NODE_VA_MASK       (~(SMALL_SIZE - 1u))

struct mapnode {
    uintptr_t link;        /* address of prev XOR address of next */
    struct space *space;   /* owner of the mapping (sigma0 for a root) */
    word_t va;             /* page base | status | LARGE | rights */
    word_t phys;           /* physical base of the page */
    word_t depth;          /* 0 for the root */
};

/* 32 pointers: a level of the 4 KB root table. */
struct root_chunk {
    void *slot[CHUNK_SLOTS];
};

static struct kmem_cache node_cache;
static struct kmem_cache chunk_cache;
static bool mdb_ready;
static struct mapnode *root_large[SUPERFRAMES];     /* 4 MB trees */
static struct root_chunk *root_small[SUPERFRAMES];  /* -> chunk -> 4 KB roots */

/* ---- node fields --------------------------------------------------------- */

static inline word_t node_va(const struct mapnode *n) { return n->va & NODE_VA_MASK; }
static inline unsigned node_rights(const struct mapnode *n) { return n->va & NODE_RIGHTS_MASK; }
static inline bool node_large(const struct mapnode *n) { return (n->va & NODE_LARGE) != 0; }
static inline unsigned node_log2(const struct mapnode *n)
{
    return node_large(n) ? MDB_LOG2_LARGE : MDB_LOG2_SMALL;
}
static inline unsigned node_status(const struct mapnode *n)
{
    return (n->va & NODE_STATUS_MASK) >> NODE_STATUS_SHIFT;
}
static inline bool node_is_root(const struct mapnode *n) { return n->depth == 0; }

static inline void node_set_fields(struct mapnode *n, struct space *s, word_t va,
                                   unsigned rights, bool large, unsigned status)
{
    n->space = s;
    n->va = (va & NODE_VA_MASK) | (rights & NODE_RIGHTS_MASK) | (large ? NODE_LARGE : 0u) |
            ((status << NODE_STATUS_SHIFT) & NODE_STATUS_MASK);
}

/* ---- XOR-linked list ------------------------------------------------------- */

/* The neighbour of n that is not `other`. */
static inline struct mapnode *node_step(const struct mapnode *n, const struct mapnode *other)
{
    return (struct mapnode *)(n->link ^ (uintptr_t)other);
}

/* Insert x between n (whose predecessor is n_prev) and n's successor. */
static void list_insert_after(struct mapnode *n, struct mapnode *n_prev, struct mapnode *x)
{
    struct mapnode *next = node_step(n, n_prev);
    x->link = (uintptr_t)n ^ (uintptr_t)next;
    n->link ^= (uintptr_t)next ^ (uintptr_t)x;
    if (next)
        next->link ^= (uintptr_t)n ^ (uintptr_t)x;
}

/* Take n (predecessor n_prev) out of its list. */
static void list_unlink(struct mapnode *n, struct mapnode *n_prev)
{
    struct mapnode *next = node_step(n, n_prev);
    if (n_prev)
        n_prev->link ^= (uintptr_t)n ^ (uintptr_t)next;
    if (next)
        next->link ^= (uintptr_t)n ^ (uintptr_t)n_prev;
    n->link = 0;
}

/* ---- allocation and the root table ---------------------------------------- */

static void mdb_init_once(void)
{
    if (likely(mdb_ready))
        return;
    kmem_cache_init(&node_cache, sizeof(struct mapnode));
    kmem_cache_init(&chunk_cache, sizeof(struct root_chunk));
    mdb_ready = true;
}

static inline unsigned phys_superframe(word_t phys) { return phys >> MDB_LOG2_LARGE; }
static inline unsigned phys_mid(word_t phys) { return (phys >> (MDB_LOG2_SMALL + CHUNK_BITS)) & (CHUNK_SLOTS - 1u); }
static inline unsigned phys_leaf(word_t phys) { return (phys >> MDB_LOG2_SMALL) & (CHUNK_SLOTS - 1u); }

/* The 4 KB root of frame `phys`, or NULL. */
static struct mapnode *root_find_small(word_t phys)
{
    struct root_chunk *top = root_small[phys_superframe(phys)];
    if (!top)
        return NULL;
    struct root_chunk *leaf = top->slot[phys_mid(phys)];
    return leaf ? leaf->slot[phys_leaf(phys)] : NULL;
}

/* The root of the tree of a page of the given size at phys, or NULL. */
static struct mapnode *root_find(word_t phys, bool large)
{
    return large ? root_large[phys_superframe(phys)] : root_find_small(phys);
}

/* True when the 32 slots of c are all empty. */
static bool chunk_empty(const struct root_chunk *c)
{
    for (unsigned i = 0; i < CHUNK_SLOTS; i++)
        if (c->slot[i])
            return false;
    return true;
}

/* Free the empty chunks of superframe sf's 4 KB root table. */
static void root_trim(unsigned sf)
{
    struct root_chunk *top = root_small[sf];
    if (!top)
        return;
    for (unsigned i = 0; i < CHUNK_SLOTS; i++) {
        struct root_chunk *leaf = top->slot[i];
        if (leaf && chunk_empty(leaf)) {
            kmem_free(&chunk_cache, leaf);
            top->slot[i] = NULL;
        }
    }
    if (chunk_empty(top)) {
        kmem_free(&chunk_cache, top);
        root_small[sf] = NULL;
    }
}

/* Make the table chunks for the 4 KB root of phys exist; false when out of memory. */
static bool root_prepare_small(word_t phys)
{
    unsigned sf = phys_superframe(phys);
    if (!root_small[sf] && !(root_small[sf] = kmem_alloc(&chunk_cache)))
        return false;
    struct root_chunk *top = root_small[sf];
    if (!top->slot[phys_mid(phys)] && !(top->slot[phys_mid(phys)] = kmem_alloc(&chunk_cache)))
        return false;
    return true;
}

/* Record r as the root of its frame (table chunks must exist for 4 KB). */
static void root_install(struct mapnode *r)
{
    if (node_large(r)) {
        root_large[phys_superframe(r->phys)] = r;
        return;
    }
    struct root_chunk *leaf = root_small[phys_superframe(r->phys)]->slot[phys_mid(r->phys)];
    leaf->slot[phys_leaf(r->phys)] = r;
}

/* Free the root of the tree at (phys, large) if it has no children left. */
static void root_release_if_empty(word_t phys, bool large)
{
    struct mapnode *r = root_find(phys, large);
    if (!r || r->link != 0)
        return;
    if (large) {
        root_large[phys_superframe(phys)] = NULL;
    } else {
        unsigned sf = phys_superframe(phys);
        struct root_chunk *leaf = root_small[sf]->slot[phys_mid(phys)];
        leaf->slot[phys_leaf(phys)] = NULL;
        if (chunk_empty(leaf)) {
            kmem_free(&chunk_cache, leaf);
            root_small[sf]->slot[phys_mid(phys)] = NULL;
            root_trim(sf);
        }
    }
    kmem_free(&node_cache, r);
}

/* ---- page-table side of one node --------------------------------------- */

/* The predecessor of n in its tree's list (walk from the root). */
static struct mapnode *node_prev(const struct mapnode *n)
{
    struct mapnode *prev = NULL;
    struct mapnode *cur = root_find(n->phys, node_large(n));
    kassert(cur != NULL);
    while (cur != n) {
        struct mapnode *next = node_step(cur, prev);
        prev = cur;
        cur = next;
        kassert(cur != NULL);
    }
    return prev;
}

/* Enter node n (not a root) into its space's page table. */
static void node_pt_install(struct mapnode *n)
{
    arch_pt_set(n->space, node_va(n), node_log2(n), n->phys, node_rights(n), n);
}

/* Take n's entry out of its page table (keeping its status on the node) and flush. */
static void node_pt_remove(struct mapnode *n)
{
    unsigned st = node_status(n) | arch_pt_harvest_status(n->space, node_va(n));
    arch_pt_clear(n->space, node_va(n));
    arch_tlb_flush(n->space, node_va(n), node_log2(n));
    node_set_fields(n, n->space, node_va(n), node_rights(n), node_large(n), st);
}

/* Status of n accumulated since the last harvest (PT_STATUS_*), then cleared. */
static unsigned node_harvest(struct mapnode *n)
{
    if (node_is_root(n))
        return 0;
    unsigned st = node_status(n) | arch_pt_harvest_status(n->space, node_va(n));
    node_set_fields(n, n->space, node_va(n), node_rights(n), node_large(n), 0);
    return st;
}

/* Give non-root n exactly `rights` (nonzero), flushing the TLB if any right went. */
static void node_set_rights(struct mapnode *n, unsigned rights)
{
    unsigned old = node_rights(n);
    if (rights == old)
        return;
    node_set_fields(n, n->space, node_va(n), rights, node_large(n), node_status(n));
    arch_pt_set_rights(n->space, node_va(n), rights);
    if (old & ~rights)
        arch_tlb_flush(n->space, node_va(n), node_log2(n));
}

/* Remove non-root n (predecessor prev) from page table and list; free it. */
static void node_destroy(struct mapnode *n, struct mapnode *prev)
{
    kassert(!node_is_root(n));
    arch_pt_clear(n->space, node_va(n));
    arch_tlb_flush(n->space, node_va(n), node_log2(n));
    list_unlink(n, prev);
    kmem_free(&node_cache, n);
}

/* ---- subtree walks ------------------------------------------------------- */

struct revoke_args {
    unsigned rights;          /* rights to take away */
    bool with_self;           /* also from the subtree's top node */
    bool harvest;             /* collect (and clear) access status */
    struct space *exempt;     /* depth-1 nodes of this space keep their rights */
};

/* True when the walk must not revoke from cur (top = first node of the walk). */
static bool revoke_exempt(const struct mapnode *cur, bool top, const struct revoke_args *a)
{
    if (node_is_root(cur) || (top && !a->with_self))
        return true;
    return a->exempt && cur->space == a->exempt && cur->depth == 1;
}

/* Revoke a->rights from the subtree of n (predecessor n_prev); nodes left
 * without rights go with their subtrees. Returns the harvested status. */
static unsigned tree_revoke(struct mapnode *n, struct mapnode *n_prev, const struct revoke_args *a)
{
    word_t top_depth = n->depth;
    bool killing = false;
    word_t kill_depth = 0;
    unsigned status = 0;
    struct mapnode *prev = n_prev;
    struct mapnode *cur = n;
    bool top = true;
    while (cur && (top || cur->depth > top_depth)) {
        struct mapnode *next = node_step(cur, prev);
        if (a->harvest)
            status |= node_harvest(cur);
        if (killing && cur->depth > kill_depth) {
            node_destroy(cur, prev);
            cur = next;
            continue;
        }
        killing = false;
        unsigned r = node_rights(cur);
        if (!revoke_exempt(cur, top, a) && (r & a->rights)) {
            if ((r & ~a->rights) == 0) {
                killing = true;
                kill_depth = cur->depth;
                node_destroy(cur, prev);
                cur = next;
                top = false;
                continue;
            }
            node_set_rights(cur, r & ~a->rights);
        }
        prev = cur;
        cur = next;
        top = false;
    }
    return status;
}

/* Revoke along a's rules from the subtree of n, freeing a root left alone;
 * returns the harvested status. */
static unsigned subtree_revoke(struct mapnode *n, const struct revoke_args *a)
{
    word_t phys = n->phys;
    bool large = node_large(n);
    unsigned st = tree_revoke(n, node_prev(n), a);
    root_release_if_empty(phys, large);
    return st;
}

/* Remove non-root n and everything derived from it. */
static void subtree_remove(struct mapnode *n)
{
    struct revoke_args a = { FPAGE_RIGHTS_RWX, true, false, NULL };
    subtree_revoke(n, &a);
}

/* Remove non-root n; its subtree moves up to n's parent. */
static void node_lift(struct mapnode *n)
{
    struct mapnode *prev = node_prev(n);
    struct mapnode *p = n;
    struct mapnode *cur = node_step(n, prev);
    while (cur && cur->depth > n->depth) {
        struct mapnode *next = node_step(cur, p);
        cur->depth--;
        p = cur;
        cur = next;
    }
    node_destroy(n, prev);
}

/* ---- splitting a 4 MB tree ----------------------------------------------- */

/* Nodes in the list starting at root r. */
static unsigned tree_size(const struct mapnode *r)
{
    unsigned n = 0;
    const struct mapnode *prev = NULL;
    while (r) {
        const struct mapnode *next = node_step(r, prev);
        prev = r;
        r = next;
        n++;
    }
    return n;
}

/* Free a chain of spare nodes linked through their link words. */
static void spare_free(struct mapnode *chain)
{
    while (chain) {
        struct mapnode *next = (struct mapnode *)chain->link;
        kmem_free(&node_cache, chain);
        chain = next;
    }
}

/* A chain of `count` fresh nodes linked through link words; NULL if out of memory. */
static struct mapnode *spare_alloc(unsigned count)
{
    struct mapnode *chain = NULL;
    for (unsigned i = 0; i < count; i++) {
        struct mapnode *n = kmem_alloc(&node_cache);
        if (!n) {
            spare_free(chain);
            return NULL;
        }
        n->link = (uintptr_t)chain;
        chain = n;
    }
    return chain;
}

/* Reserve everything a split of the tree of root r needs except nodes:
 * 4 KB root-table chunks and page tables of every mapping's slot. */
static bool split_reserve(const struct mapnode *r)
{
    unsigned sf = phys_superframe(r->phys);
    for (word_t i = 0; i < PAGES_PER_LARGE; i += CHUNK_SLOTS) {
        if (!root_prepare_small(r->phys + i * SMALL_SIZE)) {
            root_trim(sf);
            return false;
        }
    }
    const struct mapnode *prev = NULL;
    for (const struct mapnode *n = r; n;) {
        if (!node_is_root(n) && !arch_pt_reserve(n->space, node_va(n))) {
            root_trim(sf);
            return false;
        }
        const struct mapnode *next = node_step(n, prev);
        prev = n;
        n = next;
    }
    return true;
}

/* Build the 4 KB tree for piece i of the 4 MB tree at root r from spares. */
static struct mapnode *split_piece(const struct mapnode *r, word_t i, struct mapnode **spares)
{
    struct mapnode *head = NULL, *tail = NULL;
    const struct mapnode *prev = NULL;
    for (const struct mapnode *n = r; n;) {
        struct mapnode *x = *spares;
        *spares = (struct mapnode *)x->link;
        x->depth = n->depth;
        x->phys = n->phys + i * SMALL_SIZE;
        node_set_fields(x, n->space, node_va(n) + i * SMALL_SIZE, node_rights(n), false,
                        node_status(n));
        x->link = (uintptr_t)tail;
        if (tail)
            tail->link ^= (uintptr_t)x;
        else
            head = x;
        tail = x;
        if (!node_is_root(x))
            node_pt_install(x);
        const struct mapnode *next = node_step(n, prev);
        prev = n;
        n = next;
    }
    return head;
}

/* Split the 4 MB tree of superframe phys into 1024 4 KB trees. Changes
 * nothing and returns false when memory for it cannot be had. */
static bool tree_split(word_t phys)
{
    struct mapnode *r = root_large[phys_superframe(phys)];
    kassert(r != NULL);
    unsigned count = tree_size(r);
    struct mapnode *spares = spare_alloc(count * PAGES_PER_LARGE);
    if (!spares)
        return false;
    if (!split_reserve(r)) {
        spare_free(spares);
        return false;
    }
    /* POINT OF NO RETURN */
    struct mapnode *prev = NULL;
    for (struct mapnode *n = r; n;) {
        if (!node_is_root(n))
            node_pt_remove(n);
        struct mapnode *next = node_step(n, prev);
        prev = n;
        n = next;
    }
    for (word_t i = 0; i < PAGES_PER_LARGE; i++)
        root_install(split_piece(r, i, &spares));
    kassert(spares == NULL);
    root_large[phys_superframe(phys)] = NULL;
    prev = NULL;
    for (struct mapnode *n = r; n;) {
        struct mapnode *next = node_step(n, prev);
        prev = n;
        kmem_free(&node_cache, n);
        n = next;
    }
    return true;
}

/* ---- map ------------------------------------------------------------------ */

/* A resolved sender page: its node (NULL: sigma0 frame without a tree yet). */
struct map_src {
    struct mapnode *node;
    word_t phys;
    bool large;
    unsigned rights;          /* rights the sender holds */
    struct space *sigma0;     /* the sender if it is sigma0 */
};

/* True when [va, va + 2^log2) touches the KIP or UTCB area of s. */
static bool in_reserved_area(const struct space *s, word_t va, unsigned log2)
{
    if (s->kip_area && range_overlaps(va, log2, fpage_base(s->kip_area), fpage_log2(s->kip_area)))
        return true;
    return s->utcb_area && range_overlaps(va, log2, fpage_base(s->utcb_area), fpage_log2(s->utcb_area));
}

/* Everything a map step may need, allocated before anything changes. */
struct map_alloc {
    struct mapnode *node;             /* the receiver's new node */
    struct mapnode *root;             /* sigma0's new root */
    struct root_chunk *chunk[2];      /* root-table chunks for a new 4 KB root */
};

static void map_alloc_free(struct map_alloc *m)
{
    if (m->node)
        kmem_free(&node_cache, m->node);
    if (m->root)
        kmem_free(&node_cache, m->root);
    for (unsigned i = 0; i < 2; i++)
        if (m->chunk[i])
            kmem_free(&chunk_cache, m->chunk[i]);
}

/* Get the nodes, root-table chunks and page table one map step needs. */
static bool map_alloc_get(struct map_alloc *m, const struct map_src *src, bool moves,
                          struct space *to, word_t to_va)
{
    m->node = m->root = NULL;
    m->chunk[0] = m->chunk[1] = NULL;
    if (!src->large && !arch_pt_reserve(to, to_va))
        return false;
    if (moves)
        return true;
    bool ok = (m->node = kmem_alloc(&node_cache)) != NULL;
    if (!src->node) {
        ok = ok && (m->root = kmem_alloc(&node_cache)) != NULL;
        for (unsigned i = 0; i < 2 && !src->large; i++)
            ok = ok && (m->chunk[i] = kmem_alloc(&chunk_cache)) != NULL;
    }
    if (!ok)
        map_alloc_free(m);
    return ok;
}

/* Take a spare chunk from m into *slot if *slot is empty. */
static void chunk_fill(void **slot, struct map_alloc *m)
{
    for (unsigned i = 0; i < 2 && !*slot; i++) {
        *slot = m->chunk[i];
        m->chunk[i] = NULL;
    }
}

/* The sender node, creating sigma0's root from the spares in m when needed. */
static struct mapnode *map_src_node(struct map_src *src, struct map_alloc *m)
{
    if (src->node)
        return src->node;
    struct mapnode *r = m->root;
    m->root = NULL;
    r->link = 0;
    r->depth = 0;
    r->phys = src->phys;
    node_set_fields(r, src->sigma0, src->phys, FPAGE_RIGHTS_RWX, src->large, 0);
    if (!src->large) {
        unsigned sf = phys_superframe(src->phys);
        chunk_fill((void **)&root_small[sf], m);
        chunk_fill(&root_small[sf]->slot[phys_mid(src->phys)], m);
    }
    root_install(r);
    src->node = r;
    return r;
}

/* Move the sender's node to (to, to_va) with rights r. */
static void map_move(struct mapnode *n, struct space *to, word_t to_va, unsigned r)
{
    unsigned dropped = node_rights(n) & ~r;
    node_pt_remove(n);
    node_set_fields(n, to, to_va, r, node_large(n), node_status(n));
    node_pt_install(n);
    if (dropped) {
        struct revoke_args a = { dropped, false, false, NULL };
        tree_revoke(n, node_prev(n), &a);
    }
}

/* Remove all 4 KB mappings (with their subtrees) from the slot at va of s. */
static void slot_clear_small(struct space *s, word_t va)
{
    for (word_t i = 0; i < PAGES_PER_LARGE && arch_pt_count_small(s, va); i++) {
        struct pt_entry e;
        if (arch_pt_lookup(s, va + i * SMALL_SIZE, &e) && e.node)
            subtree_remove(e.node);
    }
}

/* Map (or grant) the resolved sender page to (to, to_va) whose current node
 * is dst (NULL: free; for a 4 MB page the slot's 4 KB pages are replaced).
 * r = effective rights, nonzero. */
static int map_page(struct map_src *src, struct mapnode *dst, struct space *to, word_t to_va,
                    unsigned r, bool grant)
{
    bool moves = grant && src->node && !node_is_root(src->node);
    if (dst && dst->phys == src->phys && node_large(dst) == src->large) {
        if (dst != src->node) {
            node_set_rights(dst, node_rights(dst) | r);
            if (moves)
                node_lift(src->node);
        }
        return MDB_OK;
    }
    struct map_alloc m;
    if (!map_alloc_get(&m, src, moves, to, to_va))
        return MDB_ERR_NOMEM;
    /* POINT OF NO RETURN */
    if (dst)
        subtree_remove(dst);
    else if (src->large)
        slot_clear_small(to, to_va);   /* other frames: a 4 MB tree excludes 4 KB ones */
    if (moves) {
        map_move(src->node, to, to_va, r);
        return MDB_OK;
    }
    struct mapnode *parent = map_src_node(src, &m);
    struct mapnode *x = m.node;
    m.node = NULL;
    x->depth = parent->depth + 1;
    x->phys = src->phys;
    node_set_fields(x, to, to_va, r, src->large, 0);
    list_insert_after(parent, node_is_root(parent) ? NULL : node_prev(parent), x);
    node_pt_install(x);
    map_alloc_free(&m);
    return MDB_OK;
}

/* The node of the page at (s, va) or NULL; *kernel_owned set for kernel entries. */
static struct mapnode *pt_node(struct space *s, word_t va, bool *kernel_owned, struct pt_entry *e)
{
    *kernel_owned = false;
    if (!arch_pt_lookup(s, va, e))
        return NULL;
    *kernel_owned = e->node == NULL;
    return e->node;
}

/* Resolve the sender of one 4 KB page; false when there is nothing to send. */
static bool map_resolve_small(struct space *from, word_t from_va, struct map_src *src, int *err)
{
    struct pt_entry e;
    bool kern;
    *err = MDB_OK;
    src->large = false;
    src->sigma0 = from->is_sigma0 ? from : NULL;
    if (from->is_sigma0) {
        struct mapnode *big = root_large[phys_superframe(from_va)];
        if (big && !tree_split(big->phys)) {
            *err = MDB_ERR_NOMEM;
            return false;
        }
        src->node = root_find_small(from_va);
        src->phys = from_va;
        src->rights = FPAGE_RIGHTS_RWX;
        return true;
    }
    struct mapnode *n = pt_node(from, from_va, &kern, &e);
    if (!n)
        return false;
    if (node_large(n)) {
        if (!tree_split(n->phys)) {
            *err = MDB_ERR_NOMEM;
            return false;
        }
        n = pt_node(from, from_va, &kern, &e);
    }
    src->node = n;
    src->phys = n->phys;
    src->rights = node_rights(n);
    return true;
}

/* Map one 4 KB page. */
static int map_small(struct space *from, word_t from_va, struct space *to, word_t to_va,
                     unsigned rights, bool grant)
{
    struct pt_entry e;
    bool kern;
    if (in_reserved_area(to, to_va, MDB_LOG2_SMALL))
        return MDB_OK;
    struct mapnode *dst = pt_node(to, to_va, &kern, &e);
    if (kern)
        return MDB_OK;
    if (dst && node_large(dst) && !tree_split(dst->phys))
        return MDB_ERR_NOMEM;
    struct map_src src;
    int err;
    if (!map_resolve_small(from, from_va, &src, &err))
        return err;
    unsigned r = rights & src.rights;
    if (!r)
        return MDB_OK;
    dst = pt_node(to, to_va, &kern, &e);
    return map_page(&src, dst, to, to_va, r, grant);
}

#define MAP_FALLBACK 1   /* map_large(): use 4 KB pages for this slot */

/* Resolve the 4 MB sender page; returns MDB_OK (src set, or src->rights 0:
 * nothing to send) or MAP_FALLBACK. */
static int map_resolve_large(struct space *from, word_t from_va, struct map_src *src)
{
    struct pt_entry e;
    src->large = true;
    src->rights = 0;
    src->sigma0 = from->is_sigma0 ? from : NULL;
    if (from->is_sigma0) {
        if (root_small[phys_superframe(from_va)])
            return MAP_FALLBACK;
        src->node = root_large[phys_superframe(from_va)];
        src->phys = from_va;
        src->rights = FPAGE_RIGHTS_RWX;
        return MDB_OK;
    }
    if (!arch_pt_lookup(from, from_va, &e))
        return arch_pt_count_small(from, from_va) == 0 ? MDB_OK : MAP_FALLBACK;
    if (e.log2 != MDB_LOG2_LARGE)
        return MAP_FALLBACK;
    struct mapnode *n = e.node;
    if (!n)
        return MDB_OK;     /* kernel-owned: nothing to send */
    src->node = n;
    src->phys = n->phys;
    src->rights = node_rights(n);
    return MDB_OK;
}

/* True when the receiver's slot at va holds a kernel-owned 4 KB page. */
static bool slot_has_kernel_page(struct space *s, word_t va)
{
    if (arch_pt_count_small(s, va) == 0)
        return false;
    for (word_t i = 0; i < PAGES_PER_LARGE; i++) {
        struct pt_entry e;
        if (arch_pt_lookup(s, va + i * SMALL_SIZE, &e) && !e.node)
            return true;
    }
    return false;
}

/* Map one 4 MB slot with a 4 MB page if possible: MDB_OK, MDB_ERR_NOMEM or MAP_FALLBACK. */
static int map_large(struct space *from, word_t from_va, struct space *to, word_t to_va,
                     unsigned rights, bool grant)
{
    struct pt_entry e;
    bool kern;
    struct map_src src;
    if (in_reserved_area(to, to_va, MDB_LOG2_LARGE) || slot_has_kernel_page(to, to_va))
        return MAP_FALLBACK;
    int res = map_resolve_large(from, from_va, &src);
    if (res != MDB_OK)
        return res;
    unsigned r = rights & src.rights;
    if (!r)
        return MDB_OK;
    struct mapnode *dst = pt_node(to, to_va, &kern, &e);
    if (kern)
        return MDB_OK;
    if (dst && !node_large(dst))
        dst = NULL;          /* 4 KB pages in the slot: map_page replaces them all */
    return map_page(&src, dst, to, to_va, r, grant);
}

/* Check the arguments of mdb_map(). */
static bool map_args_valid(const struct space *from, word_t from_va, const struct space *to,
                           word_t to_va, unsigned log2)
{
    if (!from || !to || log2 < MDB_LOG2_SMALL || log2 > 32u)
        return false;
    uint64_t size = (uint64_t)1 << log2;
    if (((uint64_t)from_va & (size - 1)) || ((uint64_t)to_va & (size - 1)))
        return false;
    if ((uint64_t)to_va + size > MDB_USER_LIMIT)
        return false;
    return from->is_sigma0 || (uint64_t)from_va + size <= MDB_USER_LIMIT;
}

int mdb_map(struct space *from, word_t from_va, struct space *to, word_t to_va,
            unsigned log2, unsigned rights, bool grant)
{
    if (!map_args_valid(from, from_va, to, to_va, log2))
        return MDB_ERR_PARAM;
    rights &= FPAGE_RIGHTS_RWX;
    if (!rights)
        return MDB_OK;
    mdb_init_once();
    word_t size = (word_t)1 << log2;
    word_t off = 0;
    do {
        int res = MAP_FALLBACK;
        if (log2 >= MDB_LOG2_LARGE)
            res = map_large(from, from_va + off, to, to_va + off, rights, grant);
        if (res == MAP_FALLBACK) {
            word_t end = off + (log2 >= MDB_LOG2_LARGE ? LARGE_SIZE : size);
            for (res = MDB_OK; off < end && res == MDB_OK; off += SMALL_SIZE)
                res = map_small(from, from_va + off, to, to_va + off, rights, grant);
        } else {
            off += LARGE_SIZE;
        }
        if (res != MDB_OK)
            return res;
    } while (off < size);
    return MDB_OK;
}

/* ---- unmap ---------------------------------------------------------------- */

/* Rights bits reporting the PT_STATUS_* bits st (ABI 4.5 Unmap). */
static unsigned status_rights(unsigned st)
{
    unsigned r = 0;
    if (st & PT_STATUS_ACCESSED)
        r |= FPAGE_RIGHTS_R | FPAGE_RIGHTS_X;
    if (st & PT_STATUS_DIRTY)
        r |= FPAGE_RIGHTS_R | FPAGE_RIGHTS_W;
    return r;
}

/* Unmap the part [va, end) of one 4 MB slot of a normal space. */
static int unmap_slot(struct space *s, word_t va, uint64_t end, const struct revoke_args *a,
                      unsigned *st)
{
    word_t slot = va & ~(LARGE_SIZE - 1u);
    uint64_t slot_end = (uint64_t)slot + LARGE_SIZE;
    struct pt_entry e;
    bool kern;
    struct mapnode *n = pt_node(s, slot, &kern, &e);
    if (n && node_large(n)) {
        if (va == slot && end >= slot_end) {
            *st |= subtree_revoke(n, a);
            return MDB_OK;
        }
        if (!tree_split(n->phys))
            return MDB_ERR_NOMEM;
    }
    if (end > slot_end)
        end = slot_end;
    for (uint64_t p = va; p < end && arch_pt_count_small(s, slot); p += SMALL_SIZE) {
        if (in_reserved_area(s, (word_t)p, MDB_LOG2_SMALL))
            continue;
        n = pt_node(s, (word_t)p, &kern, &e);
        if (n)
            *st |= subtree_revoke(n, a);
    }
    return MDB_OK;
}

/* Unmap [start, end) of the page tables of a normal space. */
static int unmap_virtual(struct space *s, word_t start, uint64_t end, const struct revoke_args *a,
                         unsigned *st)
{
    if (end > MDB_USER_LIMIT)
        end = MDB_USER_LIMIT;
    for (uint64_t va = start; va < end; va = (va & ~(uint64_t)(LARGE_SIZE - 1)) + LARGE_SIZE) {
        int res = unmap_slot(s, (word_t)va, end, a, st);
        if (res != MDB_OK)
            return res;
    }
    return MDB_OK;
}

/* Unmap [start, end) of physical memory as its owner sigma0. */
static int unmap_physical(word_t start, uint64_t end, const struct revoke_args *a, unsigned *st)
{
    for (uint64_t pa = start; pa < end;) {
        unsigned sf = phys_superframe((word_t)pa);
        uint64_t sf_end = ((uint64_t)sf + 1) << MDB_LOG2_LARGE;
        struct mapnode *big = root_large[sf];
        if (big && (pa & (LARGE_SIZE - 1)) == 0 && end >= sf_end) {
            *st |= subtree_revoke(big, a);
            pa = sf_end;
            continue;
        }
        if (big && !tree_split(big->phys))
            return MDB_ERR_NOMEM;
        for (; pa < end && pa < sf_end && root_small[sf]; pa += SMALL_SIZE) {
            struct mapnode *r = root_find_small((word_t)pa);
            if (r)
                *st |= subtree_revoke(r, a);
        }
        pa = pa < sf_end ? sf_end : pa;
    }
    return MDB_OK;
}

int mdb_unmap_fpage(struct space *space, fpage_t fpage, bool flush, word_t *status)
{
    if (!space || !status || fpage_is_io(fpage))
        return MDB_ERR_PARAM;
    *status = 0;
    if (!fpage_is_mappable(fpage))
        return MDB_OK;
    mdb_init_once();
    struct revoke_args a = { fpage_rights(fpage), flush, true, NULL };
    word_t base = fpage_base(fpage);
    uint64_t end = (uint64_t)base + fpage_size(fpage);
    unsigned st = 0;
    int res;
    if (space->is_sigma0) {
        a.exempt = flush ? NULL : space;
        res = unmap_physical(base, end, &a, &st);
    } else {
        res = unmap_virtual(space, base, end, &a, &st);
    }
    *status = status_rights(st);
    return res;
}

void mdb_space_destroy(struct space *space)
{
    if (!space)
        return;
    mdb_init_once();
    for (word_t slot = 0; slot < MDB_USER_LIMIT; slot += LARGE_SIZE) {
        struct pt_entry e;
        if (arch_pt_lookup(space, slot, &e) && e.log2 == MDB_LOG2_LARGE) {
            if (e.node)
                subtree_remove(e.node);
            continue;
        }
        for (word_t i = 0; i < PAGES_PER_LARGE && arch_pt_count_small(space, slot); i++) {
            if (arch_pt_lookup(space, slot + i * SMALL_SIZE, &e) && e.node)
                subtree_remove(e.node);
        }
    }
}

/* ---- inspection ------------------------------------------------------------ */

unsigned mdb_node_count(void)
{
    return kmem_live(&node_cache);
}

unsigned mdb_root_count(void)
{
    unsigned n = 0;
    for (unsigned sf = 0; sf < SUPERFRAMES; sf++) {
        n += root_large[sf] != NULL;
        struct root_chunk *top = root_small[sf];
        for (unsigned m = 0; top && m < CHUNK_SLOTS; m++) {
            struct root_chunk *leaf = top->slot[m];
            for (unsigned l = 0; leaf && l < CHUNK_SLOTS; l++)
                n += leaf->slot[l] != NULL;
        }
    }
    return n;
}

const struct mapnode *mdb_node_parent(const struct mapnode *n)
{
    if (node_is_root(n))
        return NULL;
    const struct mapnode *after = n;
    const struct mapnode *cur = node_prev(n);
    while (cur->depth >= n->depth) {
        const struct mapnode *before = node_step(cur, after);
        after = cur;
        cur = before;
    }
    return cur;
}

unsigned mdb_page_count(void)
{
    return kmem_pages(&node_cache) + kmem_pages(&chunk_cache);
}

void mdb_node_info(const struct mapnode *n, struct mdb_node_info *out)
{
    out->space = n->space;
    out->va = node_va(n);
    out->log2 = node_log2(n);
    out->rights = node_rights(n);
    out->depth = n->depth;
    out->phys = n->phys;
}

/* Violations of the page-table agreement of non-root node n. */
static unsigned check_node_pt(const struct mapnode *n)
{
    struct pt_entry e;
    if (!arch_pt_lookup(n->space, node_va(n), &e))
        return 1;
    unsigned bad = 0;
    bad += e.node != n;
    bad += e.phys != n->phys;
    bad += e.log2 != node_log2(n);
    bad += e.rights != node_rights(n);
    bad += node_rights(n) == 0;
    bad += node_va(n) >= MDB_USER_LIMIT;
    return bad;
}

/* Violations in the tree of root r (expected physical base and size);
 * adds its node count to *count. */
static unsigned check_tree(const struct mapnode *r, word_t phys, bool large, unsigned *count)
{
    unsigned bad = (r->depth != 0) + (r->phys != phys) + (node_large(r) != large);
    bad += !r->space->is_sigma0;            /* a root stands for sigma0 */
    bad += r->link == 0;    /* a root without children must have been freed */
    /* No walk back from the tail is needed: a step of the XOR list can be
     * undone (the predecessor of (cur, next) is cur->link ^ next), so a
     * walk back always retraces this one. A broken link that loses nodes
     * or visits some twice shows in the node count (unless it does both
     * equally often). */
    const struct mapnode *prev = NULL, *n = r;
    unsigned steps = 0;
    while (n) {
        const struct mapnode *next = node_step(n, prev);
        steps++;
        if (n != r) {
            bad += n->depth == 0 || n->depth > prev->depth + 1;
            bad += n->phys != phys || node_large(n) != large;
            bad += check_node_pt(n);
        }
        prev = n;
        n = next;
    }
    *count += steps;
    return bad;
}

unsigned mdb_check(void)
{
    mdb_init_once();
    unsigned bad = 0, count = 0;
    for (unsigned sf = 0; sf < SUPERFRAMES; sf++) {
        word_t base = (word_t)sf << MDB_LOG2_LARGE;
        if (root_large[sf])
            bad += check_tree(root_large[sf], base, true, &count) + (root_small[sf] != NULL);
        struct root_chunk *top = root_small[sf];
        for (unsigned m = 0; top && m < CHUNK_SLOTS; m++) {
            struct root_chunk *leaf = top->slot[m];
            for (unsigned l = 0; leaf && l < CHUNK_SLOTS; l++) {
                word_t phys = base + ((m * CHUNK_SLOTS + l) << MDB_LOG2_SMALL);
                if (leaf->slot[l])
                    bad += check_tree(leaf->slot[l], phys, false, &count);
            }
        }
    }
    bad += count != kmem_live(&node_cache);
    return bad;
}

unsigned mdb_pool_check(void)
{
    mdb_init_once();
    return kmem_check(&node_cache) + kmem_check(&chunk_cache);
}
