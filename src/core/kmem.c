/*
 * Fixed-size object allocator (see core/kmem.h).
 *
 * Design: each 4 KB page starts with a header (owning cache, free list, use
 * count, links of the cache's "partial" list); objects follow. A page is on
 * the partial list exactly while it has a free object. Freeing the last
 * object of a page returns the page at once. The page of an object is found
 * by masking its address, so no per-object header is needed. A free of an
 * object whose page does not belong to the cache, or into a page with no
 * objects in use, is a kernel bug and panics; so is a double free: a free
 * object carries a magic word, and only when a freed object carries it is the
 * page's free list searched to confirm (so a normal free stays O(1)).
 */
#include <core/arch_hooks.h>
#include <core/kassert.h>
#include <core/kmem.h>

#define KMEM_FREE_MAGIC ((uintptr_t)0x6B6D4672u)   /* "kmFr" */

struct kmem_free_obj {
    struct kmem_free_obj *next;
    uintptr_t magic;              /* KMEM_FREE_MAGIC while free */
};

struct kmem_page {
    struct kmem_cache *cache;     /* owner, for checking frees */
    struct kmem_page *prev, *next; /* partial list */
    struct kmem_free_obj *free;   /* free objects of this page */
    unsigned used;                /* objects handed out from this page */
};

/* Header size rounded up to the object alignment. */
static inline size_t kmem_header_size(void)
{
    return (sizeof(struct kmem_page) + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
}

void kmem_cache_init(struct kmem_cache *c, size_t size)
{
    size_t a = sizeof(void *);
    size_t s = size < sizeof(struct kmem_free_obj) ? sizeof(struct kmem_free_obj) : size;
    s = (s + a - 1) & ~(a - 1);
    kassert(s <= KMEM_PAGE_SIZE - kmem_header_size());
    c->obj_size = s;
    c->per_page = (unsigned)((KMEM_PAGE_SIZE - kmem_header_size()) / s);
    c->partial = NULL;
    c->live = 0;
    c->pages = 0;
}

/* Link page p at the head of c's partial list. */
static void kmem_partial_push(struct kmem_cache *c, struct kmem_page *p)
{
    p->prev = NULL;
    p->next = c->partial;
    if (c->partial)
        c->partial->prev = p;
    c->partial = p;
}

/* Unlink page p from c's partial list. */
static void kmem_partial_remove(struct kmem_cache *c, struct kmem_page *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        c->partial = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->prev = p->next = NULL;
}

/* A fresh page for c with all objects on its free list, or NULL. */
static struct kmem_page *kmem_page_new(struct kmem_cache *c)
{
    struct kmem_page *p = arch_page_alloc();
    if (!p)
        return NULL;
    kassert(((uintptr_t)p & (KMEM_PAGE_SIZE - 1)) == 0);
    p->cache = c;
    p->used = 0;
    p->free = NULL;
    char *base = (char *)p + kmem_header_size();
    for (unsigned i = c->per_page; i-- > 0;) {
        struct kmem_free_obj *o = (struct kmem_free_obj *)(base + i * c->obj_size);
        o->next = p->free;
        o->magic = KMEM_FREE_MAGIC;
        p->free = o;
    }
    c->pages++;
    kmem_partial_push(c, p);
    return p;
}

void *kmem_alloc(struct kmem_cache *c)
{
    struct kmem_page *p = c->partial;
    if (!p && !(p = kmem_page_new(c)))
        return NULL;
    struct kmem_free_obj *o = p->free;
    p->free = o->next;
    p->used++;
    c->live++;
    if (!p->free)
        kmem_partial_remove(c, p);
    uintptr_t *w = (uintptr_t *)o;
    for (size_t i = 0; i < c->obj_size / sizeof(uintptr_t); i++)
        w[i] = 0;
    return o;
}

/* True when o is on the free list of page p. */
static bool kmem_is_free(const struct kmem_page *p, const struct kmem_free_obj *o)
{
    for (const struct kmem_free_obj *f = p->free; f; f = f->next)
        if (f == o)
            return true;
    return false;
}

void kmem_free(struct kmem_cache *c, void *obj)
{
    kassert(obj != NULL);
    struct kmem_page *p = (struct kmem_page *)((uintptr_t)obj & ~(uintptr_t)(KMEM_PAGE_SIZE - 1));
    kassert(p->cache == c && p->used > 0);
    struct kmem_free_obj *o = obj;
    kassert(o->magic != KMEM_FREE_MAGIC || !kmem_is_free(p, o));
    bool was_full = p->free == NULL;
    o->magic = KMEM_FREE_MAGIC;
    o->next = p->free;
    p->free = o;
    p->used--;
    c->live--;
    if (was_full)
        kmem_partial_push(c, p);
    if (p->used == 0) {
        kmem_partial_remove(c, p);
        p->cache = NULL;
        c->pages--;
        arch_page_free(p);
    }
}

/* ---- inspection (kernel invariant checker, tests) ---------------------- */

/* Violations of page `p` of `c` on the partial list: owner, use count, free list. */
static unsigned kmem_check_page(const struct kmem_cache *c, const struct kmem_page *p)
{
    if ((p->cache != c) | (p->used == 0) | (p->used >= c->per_page))
        return 1;
    unsigned nfree = 0;
    uintptr_t lo = (uintptr_t)p + kmem_header_size();
    for (const struct kmem_free_obj *f = p->free; f != NULL; f = f->next) {
        if ((uintptr_t)f - lo >= KMEM_PAGE_SIZE - kmem_header_size())    /* outside the page */
            return 1;
        if ((f->magic != KMEM_FREE_MAGIC) | (++nfree > c->per_page))
            return 1;
    }
    return nfree + p->used != c->per_page;
}

unsigned kmem_check(const struct kmem_cache *c)
{
    unsigned bad = 0, npartial = 0, partial_used = 0;
    const struct kmem_page *prev = NULL;
    for (const struct kmem_page *p = c->partial; p != NULL; prev = p, p = p->next) {
        if ((++npartial > c->pages) | (p->prev != prev))
            return bad + 1;
        bad += kmem_check_page(c, p);
        partial_used += p->used;
    }
    /* every held page has an object in use; full pages are off the list */
    bad += c->live < c->pages;
    bad += c->live != partial_used + (c->pages - npartial) * c->per_page;
    return bad;
}

bool kmem_owns(const struct kmem_cache *c, const void *obj)
{
    if (obj == NULL)
        return false;
    const struct kmem_page *p = (const struct kmem_page *)((uintptr_t)obj & ~(uintptr_t)(KMEM_PAGE_SIZE - 1));
    uintptr_t off = (uintptr_t)obj - (uintptr_t)p - kmem_header_size();    /* wraps in the header */
    if ((p->cache != c) | (p->used == 0) | (off % c->obj_size != 0) | (off / c->obj_size >= c->per_page))
        return false;
    const struct kmem_free_obj *o = obj;
    return o->magic != KMEM_FREE_MAGIC || !kmem_is_free(p, o);
}
