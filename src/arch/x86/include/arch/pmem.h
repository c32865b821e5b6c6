/*
 * Physical memory of the kernel. At boot a contiguous kernel pool is carved
 * out of the top of directly mapped RAM (reported to sigma0 as reserved);
 * page tables, TCB pages, UTCBs and mapnodes come from it, one zeroed 4 KB
 * frame at a time. Everything else belongs to sigma0.
 */
#ifndef ARCH_PMEM_H
#define ARCH_PMEM_H

#include <arch/multiboot.h>
#include <stdint.h>

#define PAGE_SIZE 4096u
#define KPOOL_MAX_BYTES (16u << 20)

/* Highest end of usable RAM in the Multiboot memory map, below the direct-map limit. */
uint32_t pmem_ram_top(const struct boot_info *bi);

/* Direct boot: the pool is the top 1/8 of RAM below `top` (at most
 * KPOOL_MAX_BYTES), which must not overlap [avoid_lo, avoid_hi). */
int pmem_init_top(uint32_t top, uint32_t avoid_lo, uint32_t avoid_hi);

/* The pool is [start, end) (an X.2 loader's reserved kernel memory), clipped
 * to the direct map; it must hold at least 1 MB. */
int pmem_init_range(uint32_t start, uint32_t end);

/* What a frame of the pool is used for (kernel memory accounting). */
enum pmem_use {
    PMEM_OTHER,        /* boot-time structures, self-tests */
    PMEM_TCB,          /* backed TCB pages (thread numbers in use) */
    PMEM_SPACE,        /* per-space fixed frames: page directory, per-space table, slot arrays */
    PMEM_PTAB,         /* user page tables and their shadow (mapnode) pages */
    PMEM_UTCB,         /* kernel-owned pages in user space: UTCB blocks */
    PMEM_IOBITMAP,     /* private I/O bitmaps */
    PMEM_KMEM,         /* object-cache pages of the core: mapnodes, spaces, mdb tables */
    PMEM_USES
};

/* A zeroed frame of the kernel pool (physical address) counted as `use`, or
 * 0 when exhausted. */
uint32_t pmem_alloc_for(enum pmem_use use);

/* Return a frame obtained from pmem_alloc_for(use). */
void pmem_free_for(enum pmem_use use, uint32_t pa);

/* pmem_alloc_for(PMEM_OTHER) / pmem_free_for(PMEM_OTHER, pa). */
uint32_t pmem_alloc(void);
void pmem_free(uint32_t pa);

/* Frames in use as `use` (use < PMEM_USES). */
uint32_t pmem_in_use(enum pmem_use use);

/* Kernel memory counter `i` (PMEM_STAT_*), 0xFFFFFFFF for an unknown index. */
#define PMEM_STAT_FREE     0u                  /* free frames of the pool */
#define PMEM_STAT_USE0     1u                  /* 1 + use: frames per enum pmem_use */
#define PMEM_STAT_SPACES   (PMEM_STAT_USE0 + PMEM_USES)   /* live address spaces */
#define PMEM_STAT_MAPNODES (PMEM_STAT_SPACES + 1u)       /* live mapnodes */
#define PMEM_STAT_COUNT    (PMEM_STAT_MAPNODES + 1u)
uint32_t pmem_stat(uint32_t i);

/* Print every counter on the console (one line). */
void pmem_report(void);

/* True if `pa` lies in memory the kernel keeps for itself (image or pool). */
int pmem_is_kernel(uint32_t pa);

/* True if `pa` is a frame of the kernel pool. */
int pmem_is_pool(uint32_t pa);

/* Kernel pool bounds and free frames (for the KIP and diagnostics). */
uint32_t pmem_pool_start(void);
uint32_t pmem_pool_end(void);
uint32_t pmem_free_frames(void);

#endif
