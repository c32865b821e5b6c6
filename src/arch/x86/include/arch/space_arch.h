/* Machine part of an address space (x86): its page directory. */
#ifndef ARCH_SPACE_ARCH_H
#define ARCH_SPACE_ARCH_H

#include <stdint.h>

struct mapnode;

/*
 * Bookkeeping of a space's user page tables, one entry per 4 MB slot
 * (page-directory index below 768), each array in its own page:
 *   slot_table[i]  physical address of the slot's page table; kept while a
 *                  4 MB page occupies the slot, ready for a later split
 *   slot_shadow[i] kernel address of a page of 1024 mapnode pointers, one per
 *                  PTE; its low 12 bits count the present 4 KB entries
 *   slot_big[i]    the mapnode of a 4 MB page in the slot
 */
struct arch_space {
    uint32_t *pdir;            /* kernel virtual address of the page directory */
    uint32_t pdir_phys;        /* its physical address (CR3 value) */
    uint32_t *perspace_pt;     /* page table of the per-space region (PDE 1023) */
    uint32_t iobitmap[2];      /* private I/O bitmap frames; 0 = no port granted yet */
    uint32_t *slot_table;
    uint32_t *slot_shadow;
    struct mapnode **slot_big;
    struct arch_space *io_next;    /* spaces with a private I/O bitmap */
    struct arch_space *io_source;  /* the space whose IO fpage gave us ports last */
    struct arch_space *reclaim_next;   /* spaces with a slot that became empty */
    uint32_t reclaim_pending;          /* on that list */
    uint32_t small_base;       /* small space: linear address of its window slot; 0 = large */
    uint32_t small_size;       /* small space: bytes in the slot (segment limit + 1) */
    uint64_t small_seg[2];     /* small space: its user code and data descriptors */
};

#endif
