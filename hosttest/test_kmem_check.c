/* White-box tests of the object allocator's checker (kmem_check) and of
 * kmem_owns: the module's source is included (its definitions take
 * precedence over the l4core_host archive's kmem.o), so that a test can
 * damage the private page header and free-list words and assert the exact
 * number of violations. (Coverage is measured on the archive's objects:
 * test_kmem.c covers the module; these tests pin the checker's answers.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../src/core/kmem.c"
#include "kmem_fixture.h"

/* A cache of 32-byte objects with one full page and one partial page: the
 * last two objects free, `freed` the first of them on the free list. */
struct two_pages {
    struct kmem_cache c;
    void *objs[4096 / 32 + 3];
    unsigned n;                   /* objects allocated: per_page + 3 */
    struct kmem_free_obj *freed;
};

static void two_pages(struct two_pages *t)
{
    kmem_cache_init(&t->c, 32);
    t->n = t->c.per_page + 3;
    assert_true(t->n <= sizeof(t->objs) / sizeof(t->objs[0]));
    for (unsigned i = 0; i < t->n; i++)
        assert_non_null(t->objs[i] = kmem_alloc(&t->c));
    kmem_free(&t->c, t->objs[t->n - 1]);
    kmem_free(&t->c, t->objs[t->n - 2]);
    t->freed = t->objs[t->n - 2];
    assert_int_equal(kmem_pages(&t->c), 2);
    assert_int_equal(kmem_check(&t->c), 0);
}

static void two_pages_release(struct two_pages *t)
{
    assert_int_equal(kmem_check(&t->c), 0);
    for (unsigned i = 0; i + 2 < t->n; i++)
        kmem_free(&t->c, t->objs[i]);
    assert_int_equal(kmem_pages(&t->c), 0);
}

/* kmem_check counts each kind of damage exactly once (each is undone again). */
static void test_kmem_check_counts_each_violation(void **state)
{
    (void)state;
    struct two_pages t;
    two_pages(&t);
    struct kmem_cache *c = &t.c;
    struct kmem_free_obj *f = t.freed;
    struct kmem_page *p = c->partial;
    assert_non_null(p);
    assert_null(p->next);
    /* the cache's counters */
    c->live++;
    assert_int_equal(kmem_check(c), 1);
    c->live--;
    c->pages++;
    assert_int_equal(kmem_check(c), 1);
    c->pages--;
    unsigned live = c->live;
    c->live = 1;                                 /* fewer objects than pages, and wrong */
    assert_int_equal(kmem_check(c), 2);
    c->live = live;
    c->pages = 0;                                /* a partial list longer than the pages held */
    assert_int_equal(kmem_check(c), 1);
    c->pages = 2;
    /* the partial page's header */
    p->prev = p;
    assert_int_equal(kmem_check(c), 1);
    p->prev = NULL;
    p->cache = NULL;
    assert_int_equal(kmem_check(c), 1);
    p->cache = c;
    unsigned used = p->used;
    p->used = c->per_page;                       /* as full as a page off the list */
    assert_int_equal(kmem_check(c), 2);        /* the page, and live disagrees */
    struct kmem_free_obj *list = p->free;
    p->free = NULL;                             /* ... with a free list that agrees */
    assert_int_equal(kmem_check(c), 2);
    p->free = list;
    p->used = used;
    /* its free list: a lost magic, a link out of the page, a cycle, a short list */
    f->magic = 0;
    assert_int_equal(kmem_check(c), 1);
    f->magic = KMEM_FREE_MAGIC;
    struct kmem_free_obj *next = f->next;
    f->next = (struct kmem_free_obj *)((char *)p + KMEM_PAGE_SIZE);
    assert_int_equal(kmem_check(c), 1);
    f->next = (struct kmem_free_obj *)((char *)p + kmem_header_size() - sizeof(void *));
    assert_int_equal(kmem_check(c), 1);
    f->next = f;
    assert_int_equal(kmem_check(c), 1);
    f->next = NULL;
    assert_int_equal(kmem_check(c), 1);
    f->next = next;
    two_pages_release(&t);
}

/* kmem_owns answers true exactly for the objects handed out. */
static void test_kmem_owns_only_live_objects(void **state)
{
    (void)state;
    struct two_pages t;
    two_pages(&t);
    struct kmem_cache *c = &t.c, d;
    void **objs = t.objs;
    kmem_cache_init(&d, 32);
    assert_true(kmem_owns(c, objs[0]));
    assert_true(kmem_owns(c, objs[t.n - 3]));
    assert_false(kmem_owns(&d, objs[0]));          /* another cache's */
    assert_false(kmem_owns(c, t.freed));           /* free */
    assert_false(kmem_owns(c, NULL));
    assert_false(kmem_owns(c, (char *)objs[0] + 1));
    assert_false(kmem_owns(c, (char *)objs[0] + sizeof(void *)));
    /* the slot after the page's last object lies in its unused tail */
    char *first = (char *)((uintptr_t)objs[0] & ~(uintptr_t)(KMEM_PAGE_SIZE - 1)) + kmem_header_size();
    assert_ptr_equal(first, objs[0]);
    assert_false(kmem_owns(c, first + (size_t)c->per_page * c->obj_size));
    assert_true(kmem_owns(c, first + (size_t)(c->per_page - 1) * c->obj_size));
    two_pages_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kmem_check_counts_each_violation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kmem_owns_only_live_objects, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
