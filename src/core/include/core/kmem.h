/*
 * Fixed-size object caches over 4 KB pages from arch_page_alloc().
 *
 * Guarantees: objects are pointer-aligned, never straddle a page, and come
 * zero-filled; a page goes back to arch_page_free() as soon as its last
 * object is freed, so an empty cache holds no memory. O(1) alloc and free.
 */
#ifndef CORE_KMEM_H
#define CORE_KMEM_H

#include <core/types.h>

#define KMEM_PAGE_SIZE 4096u

struct kmem_page;

struct kmem_cache {
    size_t obj_size;            /* bytes per object, rounded up to a pointer */
    unsigned per_page;          /* objects that fit in one page */
    struct kmem_page *partial;  /* pages with at least one free object */
    unsigned live;              /* objects handed out */
    unsigned pages;             /* pages held */
};

/* Prepare an empty cache of objects of `size` bytes (1..about 4000). */
void kmem_cache_init(struct kmem_cache *c, size_t size);

/* A zero-filled object, or NULL when no page can be had. */
void *kmem_alloc(struct kmem_cache *c);

/* Return `obj` (from kmem_alloc on the same cache). */
void kmem_free(struct kmem_cache *c, void *obj);

/* Objects currently handed out. */
static inline unsigned kmem_live(const struct kmem_cache *c) { return c->live; }

/* Pages currently held. */
static inline unsigned kmem_pages(const struct kmem_cache *c) { return c->pages; }

/* ---- inspection (kernel invariant checker, tests) ---- */

/* Violations of `c`'s bookkeeping: partial-list links, owner and free list
 * of every partial page, and live == objects of the partial pages + full
 * pages * per_page (each held page has an object in use). 0: consistent. */
unsigned kmem_check(const struct kmem_cache *c);

/* True when `obj` is an object of `c` currently handed out (not free).
 * `obj` must point into a page that was once given to a cache (reads its
 * header); NULL answers false. */
bool kmem_owns(const struct kmem_cache *c, const void *obj);

#endif
