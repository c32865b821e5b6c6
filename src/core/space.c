/* Address-space objects; see core/space.h for the guarantees. */
#include <core/kassert.h>
#include <core/kmem.h>
#include <core/mdb.h>
#include <core/smallspace.h>
#include <core/space.h>

static struct kmem_cache space_cache;
static bool space_cache_ready;

static void space_init_once(void)
{
    if (!space_cache_ready) {
        kmem_cache_init(&space_cache, sizeof(struct space));
        space_cache_ready = true;
    }
}

struct space *space_create(void)
{
    space_init_once();
    struct space *s = kmem_alloc(&space_cache);
    if (!s)
        return NULL;
    space_set_redirector(s, TID_ANY);
    if (!arch_space_init(s)) {
        kmem_free(&space_cache, s);
        return NULL;
    }
    return s;
}

/* The fast path's view for a space whose redirector is `redirector`. */
static struct tid_view space_view_for(tid_t redirector)
{
    return redirector == TID_ANY ? tid_slots.view : tid_empty_view();
}

void space_set_redirector(struct space *s, tid_t redirector)
{
    s->redirector = redirector;
    s->fast_view = space_view_for(redirector);
}

bool space_fast_view_ok(const struct space *s)
{
    struct tid_view v = space_view_for(s->redirector);
    return s->fast_view.base == v.base && s->fast_view.slot_mask == v.slot_mask;
}

void space_destroy(struct space *s)
{
    kassert(s->thread_count == 0);
    smallspace_change(s, 0);
    mdb_space_destroy(s);
    arch_space_free(s);
    kmem_free(&space_cache, s);
}

unsigned space_count(void)
{
    return space_cache_ready ? kmem_live(&space_cache) : 0u;
}

/* ---- inspection (kernel invariant checker) ---- */

bool space_live(const struct space *s)
{
    space_init_once();
    return kmem_owns(&space_cache, s);
}

unsigned space_pool_check(void)
{
    space_init_once();
    return kmem_check(&space_cache);
}
