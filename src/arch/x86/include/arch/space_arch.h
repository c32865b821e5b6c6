/* Machine part of an address space (x86): its page directory. */
#ifndef ARCH_SPACE_ARCH_H
#define ARCH_SPACE_ARCH_H

#include <stdint.h>

struct arch_space {
    uint32_t *pdir;            /* kernel virtual address of the page directory */
    uint32_t pdir_phys;        /* its physical address (CR3 value) */
    uint32_t *perspace_pt;     /* page table of the per-space region (PDE 1023) */
    uint32_t iobitmap[2];      /* private I/O bitmap frames; 0 = no port granted yet */
};

#endif
