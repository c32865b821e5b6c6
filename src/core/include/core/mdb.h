/*
 * The mapping database: which page of which address space maps which
 * physical frame, and from which mapping it was derived (map/grant, ABI 5.5;
 * Unmap, ABI 4.5; sigma0, ABI 7.4). See the design note atop core/mdb.c.
 */
#ifndef CORE_MDB_H
#define CORE_MDB_H

#include <core/fpage.h>
#include <core/types.h>

struct space;
struct mapnode;

/* End of the user area: nothing is ever mapped at or above it. */
#define MDB_USER_LIMIT 0xC0000000u

#define MDB_LOG2_SMALL 12u   /* 4 KB page */
#define MDB_LOG2_LARGE 22u   /* 4 MB page */

/* Result codes (X.2 ErrorCode values, ABI 1.7). */
#define MDB_OK        0
#define MDB_ERR_PARAM 5      /* invalid parameter */
#define MDB_ERR_NOMEM 8      /* out of memory */

/* Map (grant = false) or grant (grant = true) the aligned region of 2^log2
 * bytes at from_va in `from` to to_va in `to` with rights ∩ the sender's.
 * Pages the sender has not mapped are skipped; so are the receiver's KIP and
 * UTCB areas and kernel-owned entries. sigma0 as `from` names physical
 * addresses (any, also >= MDB_USER_LIMIT). The target region must lie below
 * MDB_USER_LIMIT (and the source too unless from is sigma0); both addresses
 * must be 2^log2 aligned, 12 <= log2 <= 31. Returns MDB_OK, MDB_ERR_PARAM
 * (nothing changed) or MDB_ERR_NOMEM (pages before the failing one are done). */
int mdb_map(struct space *from, word_t from_va, struct space *to, word_t to_va,
            unsigned log2, unsigned rights, bool grant);

/* Unmap (flush = false) or flush the memory fpage `fpage` of `space`:
 * revoke its rwx bits from all mappings derived from space's mappings in the
 * region (with flush also from space's own); mappings left with no rights are
 * removed with everything derived from them. *status receives the access
 * status (R, W, X) accumulated since the last query. Returns MDB_OK,
 * MDB_ERR_PARAM (IO fpage; nothing changed) or MDB_ERR_NOMEM (a 4 MB page
 * could not be split; the pages before it are done). */
int mdb_unmap_fpage(struct space *space, fpage_t fpage, bool flush, word_t *status);

/* Remove every mapping of `space` together with everything derived from it. */
void mdb_space_destroy(struct space *space);

/* ---- inspection (tests, kernel debugger) ------------------------------- */

/* Mapnodes in existence (roots included). */
unsigned mdb_node_count(void);

/* Trees in existence (one root per frame or 4 MB superframe in use). */
unsigned mdb_root_count(void);

/* The node n was derived from (its parent in the tree); NULL for a root. */
const struct mapnode *mdb_node_parent(const struct mapnode *n);

/* Pages of memory the mdb holds (nodes and root tables). */
unsigned mdb_page_count(void);

/* Check every invariant of every tree against the page tables; returns the
 * number of violations found (0 when consistent). */
unsigned mdb_check(void);

/* Violations of the bookkeeping of the mapnode and root-table caches
 * (kmem_check); 0 when consistent. */
unsigned mdb_pool_check(void);

/* Fields of a mapnode (for tests): space, virtual address, log2 size,
 * rights, depth in its tree (root = 0), physical base. */
struct mdb_node_info {
    struct space *space;
    word_t va;
    unsigned log2;
    unsigned rights;
    unsigned depth;
    word_t phys;
};
void mdb_node_info(const struct mapnode *n, struct mdb_node_info *out);

#endif
