/*
 * Address spaces. A space exists while at least one thread lives in it; it
 * is "initialised" once SpaceControl has fixed its KIP and UTCB areas.
 *
 * Guarantees: space_create() returns a zeroed, uninitialised space without
 * a redirector, with its machine state ready, or NULL having acquired
 * nothing; space_destroy() removes every mapping of the space (mapping
 * database) and returns all of its memory. Spaces come from a kmem cache, so the kernel never allocates
 * more than it can give back.
 */
#ifndef CORE_SPACE_H
#define CORE_SPACE_H

#include <arch/space_arch.h>
#include <core/tid.h>
#include <core/types.h>

struct space {
    struct arch_space arch;   /* page directory etc.; first, by value */
    word_t kip_area;          /* fpage of the KIP area; 0 while uninitialised */
    word_t utcb_area;         /* fpage of the UTCB area; 0 while uninitialised */
    tid_t redirector;         /* TID_ANY: no redirection (tcb_space_redirect sets it) */
    word_t thread_count;      /* threads living in this space */
    bool privileged;          /* one of the initial servers' spaces */
    bool is_sigma0;           /* idempotent physical space (ABI 7.4) */
    word_t small_desc;        /* small-space descriptor (ABI 4.5); 0 = large */
};

/* A new, uninitialised space (redirector: none), or NULL when out of memory. */
struct space *space_create(void);

/* Remove all mappings of `s` and free it. It must have no threads left. */
void space_destroy(struct space *s);

/* True once SpaceControl fixed the KIP and UTCB areas. */
static inline bool space_initialised(const struct space *s) { return s->utcb_area != 0; }

/* Spaces currently allocated (for tests and leak checks). */
unsigned space_count(void);

/* True when `s` is a space of the space cache that has not been freed
 * (kernel invariant checker; the kernel's own static space answers false). */
bool space_live(const struct space *s);

/* Violations of the space cache's bookkeeping (kmem_check); 0: consistent. */
unsigned space_pool_check(void);

#endif
