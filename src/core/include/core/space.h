/*
 * Address spaces. A space exists while at least one thread lives in it; it
 * is "initialised" once SpaceControl has fixed its KIP and UTCB areas.
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
    tid_t redirector;         /* TID_ANY: no redirection */
    word_t thread_count;      /* threads living in this space */
    bool privileged;          /* one of the initial servers' spaces */
    bool is_sigma0;           /* idempotent physical space (ABI 7.4) */
};

#endif
