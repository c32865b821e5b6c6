/*
 * Two-level ia32 page tables. Every space's page directory shares the
 * kernel's PDEs from KERNEL_VBASE up (their page tables are allocated once
 * at boot, so later kernel mappings appear in every space). User mappings
 * use 4 KB or 4 MB pages. The kernel reads user memory by walking the page
 * tables and going through the direct map, so a bad user address never
 * faults in the kernel.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <arch/space_arch.h>
#include <stdint.h>

#define PTE_P  0x001u
#define PTE_W  0x002u
#define PTE_U  0x004u
#define PTE_A  0x020u
#define PTE_D  0x040u
#define PTE_PS 0x080u
#define PTE_G  0x100u

/* Set up the kernel half: TCB-area page tables (all entries -> the zero frame). */
int paging_init(void);

/* Give `as` a fresh page directory with the kernel half. 0 when out of memory. */
int pt_space_init(struct arch_space *as);

/* Install a kernel-owned user mapping (no mapnode; KIP, UTCBs, the boot
 * servers' images): [va, va + 2^log2) to pa, log2 12 or 22, writable if
 * flags has PTE_W. 0 when out of memory or the slot holds a 4 MB page. */
int pt_map(struct arch_space *as, uint32_t va, uint32_t pa, unsigned log2, uint32_t flags);

/* Translate va: physical address, log2 page size and PTE flags. 0 if unmapped. */
int pt_lookup(const struct arch_space *as, uint32_t va, uint32_t *pa, unsigned *log2,
              uint32_t *flags);

/* Copy up to len bytes of user memory at va into dst; stops at the first
 * page that is not user-accessible. Returns the bytes copied. */
uint32_t uaccess_read(const struct arch_space *as, uint32_t va, void *dst, uint32_t len);

/* The kernel's own address space (boot page directory). */
extern struct arch_space kernel_space_arch;

/* Switch to `as` (loads CR3 only when it differs). */
void pt_activate(const struct arch_space *as);

/* True if the TCB-area page at va has its own frame (not the zero frame). */
int pt_tcb_backed(uint32_t va);

/* Back the TCB-area page at kernel address va with a fresh zeroed frame. */
int pt_tcb_back(uint32_t va);

/* Return the frame backing the TCB-area page at va to the pool; the page
 * maps the shared read-only zero frame again (reads as a free TCB). */
void pt_tcb_unback(uint32_t va);

/* Free the page tables (and shadow pages) of every slot that became empty
 * since the last call, in every space. Only at points where no mapping
 * operation is in progress (an arch_pt_reserve() awaiting its
 * arch_pt_set()): after an IPC map item, an Unmap, a space's destruction. */
void pt_reclaim(void);

/* Unmap the kernel-owned pool page (a UTCB page: no mapnode) at user
 * address va of `as` and return it to the pool; a no-op for anything else. */
void pt_kernel_page_free(struct arch_space *as, uint32_t va);

/* Allow (allow = 1) or forbid the ports [port, port + 2^log2) to `as`
 * through its I/O bitmap. 0 when out of memory or the range is invalid. */
int io_set(struct arch_space *as, uint32_t port, unsigned log2, int allow);

/* True if every port of [port, port + 2^log2) is allowed in `as`. */
int io_allowed(const struct arch_space *as, uint32_t port, unsigned log2);

/* Release the frames of `as`'s page tables and I/O bitmap (not its user mappings' frames). */
void pt_space_free(struct arch_space *as);

/* Set up the temporary mapping window used by arch_copy_between() (copy.c). */
int copy_init(void);

/* Ports [port, port + 2^log2) were mapped from `from` into `to` (IPC). */
void io_note_source(struct arch_space *to, struct arch_space *from);

/* Unmap of IO ports by `as`: revoke them from the spaces that received
 * ports from `as` (recursively), and from `as` itself with `flush`. */
void io_revoke_derived(struct arch_space *as, uint32_t port, unsigned log2, int flush);

/* Caching attribute (ABI 4.5 MemoryControl value) on the present user
 * mappings of `as` in [va, va + 2^log2). */
void pt_set_cache_attr(struct arch_space *as, uint32_t va, unsigned log2, unsigned attr);

/* Store the %gs:0 word: the current thread's UTCB pointer (ABI 2.3). */
extern volatile uint32_t utcb_gs_page[];      /* word 0: the %gs:0 word (kernel mapping) */
static inline __attribute__((always_inline)) void utcb_gs_set(uint32_t local_id) { utcb_gs_page[0] = local_id; }

#endif
