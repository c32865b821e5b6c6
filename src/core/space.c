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
    s->redirector = TID_ANY;
    if (!arch_space_init(s)) {
        kmem_free(&space_cache, s);
        return NULL;
    }
    return s;
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
