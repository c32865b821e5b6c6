/*
 * Copying between the user memory of two spaces (IPC string items; the
 * arch_copy_between hook of the IPC module). Both sides are translated page
 * by page through their page tables, so the kernel never takes a fault: a
 * page that is absent or lacks the right (destination: user-writable;
 * source: user-readable) ends the copy and is reported for the pagefault
 * IPC. Frames inside the direct map are reached there; frames above it
 * through a two-page temporary mapping window at COPY_WINDOW_VADDR.
 * Each byte is copied exactly once.
 */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <core/arch_hooks.h>
#include <core/space.h>

#define COPY_WINDOW_VADDR 0xF0000000u   /* two pages: source and destination */

static uint32_t *window_pt;             /* the kernel page table holding the window */

/* Translate user address va in `as` for an access needing PTE flags `need`; 0 if not allowed. */
static int copy_translate(const struct arch_space *as, uint32_t va, uint32_t need, uint32_t *pa)
{
    uint32_t flags;
    unsigned log2;
    if (va >= USER_AREA_END || !pt_lookup(as, va, pa, &log2, &flags))
        return 0;
    return (flags & need) == need;
}

/* Kernel address of physical pa, through window page `slot` if needed. */
static uint8_t *copy_reach(uint32_t pa, unsigned slot)
{
    if (pa < DIRECTMAP_SIZE)
        return (uint8_t *)(uintptr_t)phys_to_virt(pa);
    uint32_t va = COPY_WINDOW_VADDR + slot * PAGE_SIZE;
    window_pt[(va >> 12) & 0x3FFu] = (pa & ~0xFFFu) | PTE_P | PTE_W;
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
    return (uint8_t *)(uintptr_t)(va | (pa & 0xFFFu));
}

int copy_init(void)
{
    uint32_t pt = pmem_alloc();
    if (!pt)
        return 0;
    kernel_space_arch.pdir[COPY_WINDOW_VADDR >> 22] = pt | PTE_P | PTE_W;
    window_pt = (uint32_t *)(uintptr_t)phys_to_virt(pt);
    cpu_write_cr3(cpu_read_cr3());
    return 1;
}

word_t arch_copy_between(struct space *dst, word_t dst_va, struct space *src, word_t src_va,
                         word_t len, struct copy_fault *fault)
{
    word_t done = 0;
    while (done < len) {
        uint32_t s = src_va + done, d = dst_va + done, spa, dpa;
        if (s < src_va || !copy_translate(&src->arch, s, PTE_P | PTE_U, &spa)) {
            *fault = (struct copy_fault){ s, false, s >= src_va && s < USER_AREA_END };
            return done;
        }
        if (d < dst_va || !copy_translate(&dst->arch, d, PTE_P | PTE_U | PTE_W, &dpa)) {
            *fault = (struct copy_fault){ d, true, d >= dst_va && d < USER_AREA_END };
            return done;
        }
        uint32_t chunk = PAGE_SIZE - (s & (PAGE_SIZE - 1u));
        uint32_t dchunk = PAGE_SIZE - (d & (PAGE_SIZE - 1u));
        if (dchunk < chunk)
            chunk = dchunk;
        if (chunk > len - done)
            chunk = len - done;
        const uint8_t *from = copy_reach(spa, 0);
        uint8_t *to = copy_reach(dpa, 1);
        for (uint32_t i = 0; i < chunk; i++)
            to[i] = from[i];
        done += chunk;
    }
    return done;
}
