/*
 * Small address spaces on ia32 (lecture notes §7; ABI 4.5 SpaceControl).
 *
 * Design note.
 *  - The window: SMALLSPACE_WINDOW_SIZE (64 MB) at SMALLSPACE_WINDOW_BASE
 *    (0xF8000000), in the kernel half, free in our layout (copy windows sit
 *    at 0xF0000000, the TSS and the per-space region from 0xFFBFFF00). Its
 *    16 page tables are allocated at boot and entered in the kernel page
 *    directory before any user page directory exists; every page directory
 *    copies the kernel half, so the window is the same memory in every
 *    hardware address space and no page-directory entry ever has to be
 *    propagated. Its PDEs and PTEs carry the user bit. Living in the kernel
 *    half keeps the whole user area 0..0xBFFFFFFF to every space (ABI 7.7),
 *    and at the top of the kernel half it puts large spaces out of reach of
 *    the window by their segment limit alone: the user code and data
 *    segments of a large space end at 0xF7FFFFFF (gdt.c), so a large space
 *    touching the kernel area below the window still takes the page fault
 *    it always took; from the window up it takes #GP. 64 MB is what the reference layout offers (ABI
 *    uncertainty 13); 16 slots of 4 MB or fewer bigger ones, 64 KB of page
 *    tables.
 *  - A small space keeps its own page directory and page tables: the
 *    mapping database, the string copy (copy.c), uaccess_read and the
 *    kernel debugger keep resolving its user addresses there, unchanged.
 *    While it is small every change of its own entries in [0, size) is
 *    mirrored into the window slot (smallspace_mirror, called by paging.c;
 *    a 4 MB page becomes 1024 window PTEs). The CPU sets accessed/dirty
 *    bits in the window entries; harvesting reads both (smallspace_harvest)
 *    and becoming large folds the window's bits back into the own entries.
 *  - Segments: a small space's user code/data descriptors have base =
 *    window + slot offset and limit = size - 1. The selectors stay the
 *    ABI's 0x1B/0x23; the GDT entries are rewritten when the next thread's
 *    space has other segments than the loaded ones, and the return to user
 *    mode (trap_exit: pop %ds..%gs, iret loads CS/SS) reloads them. The
 *    %gs UTCB segment 0x2B is a kernel page holding the user's UTCB
 *    address, a user (segment-relative) address already: nothing to do.
 *  - Switches: into a small space no CR3 load (the window is everywhere);
 *    into a large space CR3 only if it is not the loaded directory. The
 *    I/O bitmap is per page directory: a small space running in another
 *    space's directory gets the TSS bitmap offset beyond the TSS limit (no
 *    port at all); a small space that holds ports runs in its own
 *    directory (a CR3 load when it is not loaded).
 *  - TLB: window entries are not global, and there is one CPU, so the TLB
 *    holds only window entries loaded under the current CR3: an invlpg of
 *    the window address drops a 4 KB page everywhere. A 4 MB page and
 *    becoming large (the whole slot) reload CR3 instead: one CR3 write
 *    (every non-global entry refilled later) instead of up to 16384 invlpg.
 *  - IPC needs no case analysis (notes' table): string copies go through
 *    the direct map of the physical frames both spaces' own page tables
 *    name (copy.c), independent of the loaded directory, so nothing has to
 *    be switched, temporarily mapped or resumed in a particular hardware
 *    address space — the notes' small->large trap cannot arise.
 *  - The sysenter fast path runs the kernel on the user's flat selectors
 *    (0x23, entry.S) and leaves with sysexit, which loads CS/SS with a flat
 *    4 GB cache regardless of the GDT: a large space would reach the window
 *    through them, a small one lose its segments. So until the first space
 *    becomes small the user descriptors are flat 4 GB (the window is empty
 *    then) and sysexit is the way out; from then on (smallspace_seen,
 *    never cleared) large spaces' descriptors end below the window, the
 *    kernel loads its own data selector on every entry (seg_kernel_data),
 *    kernel-mode frames are given it on the way out and every return is an
 *    iret, which reloads CS/SS and the data selectors from the frame. The
 *    sysenter entry then loads the kernel's DS/ES and runs the same C fast
 *    path (ipc_sysenter_small): its switch goes through smallspace_activate
 *    (no CR3 load into a small space) and it leaves through the receiver's
 *    frame with iret.
 */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <arch/smallspace.h>
#include <arch/syscall.h>
#include <core/arch_hooks.h>
#include <core/smallspace.h>
#include <core/space.h>
#include <core/tcb.h>

#define WINDOW_TABLES (SMALLSPACE_WINDOW_SIZE >> 22)
#define PTE_PAT_LARGE 0x1000u
#define PTE_PAT_SMALL 0x080u

_Static_assert(SMALLSPACE_WINDOW_BASE >= TCB_AREA_BASE + 0x10000000u, "window above the TCB area");
_Static_assert(SMALLSPACE_WINDOW_BASE + SMALLSPACE_WINDOW_SIZE <= TSS_VADDR, "window below the TSS");
_Static_assert((SMALLSPACE_WINDOW_BASE & 0x3FFFFFu) == 0, "window on a page-table boundary");

uint32_t smallspace_live;
uint32_t smallspace_seen;
uint32_t seg_kernel_data = SEL_UDATA;
static uint32_t *window_pt[WINDOW_TABLES];   /* kernel addresses of the window's page tables */
static uint32_t seg_base;                    /* slot of the user segments in the GDT; 0 = large */
static uint64_t large_seg[2];                /* user descriptors of every large space */
static bool io_off;                          /* TSS I/O bitmap offset beyond the limit */

int smallspace_init(void)
{
    gdt_user_make(0, 0xFFFFFFFFu, large_seg);   /* flat until a space becomes small */
    for (unsigned i = 0; i < WINDOW_TABLES; i++) {
        uint32_t pt = pmem_alloc();
        if (!pt)
            return 0;
        window_pt[i] = (uint32_t *)(uintptr_t)phys_to_virt(pt);
        kernel_space_arch.pdir[(SMALLSPACE_WINDOW_BASE >> 22) + i] = pt | PTE_P | PTE_W | PTE_U;
    }
    cpu_write_cr3(cpu_read_cr3());
    return 1;
}

/* The window PTE showing user address va of the small space `as`. */
static uint32_t *window_entry(const struct arch_space *as, uint32_t va)
{
    uint32_t off = as->small_base - SMALLSPACE_WINDOW_BASE + va;
    return &window_pt[off >> 22][(off >> 12) & 0x3FFu];
}

/* The window PTE for user page va of `as` from its own tables; 0 if unmapped. */
static uint32_t window_value(const struct arch_space *as, uint32_t va)
{
    uint32_t pde = as->pdir[va >> 22];
    if (!(pde & PTE_P))
        return 0;
    if (pde & PTE_PS)
        return (pde & 0xFFC00000u) + (va & 0x3FF000u) + (pde & 0xFFFu & ~PTE_PS) +
               ((pde & PTE_PAT_LARGE) ? PTE_PAT_SMALL : 0u);
    uint32_t pte = ((const uint32_t *)(uintptr_t)phys_to_virt(pde & ~0xFFFu))[(va >> 12) & 0x3FFu];
    return (pte & PTE_P) ? pte : 0u;
}

/* Bounds of [va, va + 2^log2) inside the slot of small `as`; false if empty. */
static bool slot_range(const struct arch_space *as, uint32_t va, unsigned log2, uint32_t *lo,
                       uint32_t *hi)
{
    uint64_t start = va & ~(((uint64_t)1 << log2) - 1u), end = start + ((uint64_t)1 << log2);
    if (!as->small_base || start >= as->small_size)
        return false;
    *lo = (uint32_t)start;
    *hi = end > as->small_size ? as->small_size : (uint32_t)end;
    return true;
}

void smallspace_mirror(const struct arch_space *as, uint32_t va, unsigned log2)
{
    uint32_t lo, hi;
    if (!slot_range(as, va, log2, &lo, &hi))
        return;
    for (uint32_t a = lo; a < hi; a += PAGE_SIZE) {
        uint32_t *w = window_entry(as, a), v = window_value(as, a);
        if ((v & ~0xFFFu) == (*w & ~0xFFFu) && (*w & PTE_P))
            v |= *w & (PTE_A | PTE_D);   /* same frame: keep what the CPU recorded */
        *w = v;
    }
}

void smallspace_flush(const struct arch_space *as, uint32_t va, unsigned log2)
{
    uint32_t lo, hi;
    if (!slot_range(as, va, log2, &lo, &hi))
        return;
    if (hi - lo > PAGE_SIZE)
        cpu_write_cr3(cpu_read_cr3());
    else
        __asm__ volatile("invlpg (%0)" : : "r"(as->small_base + lo) : "memory");
}

uint32_t smallspace_harvest(const struct arch_space *as, uint32_t va, unsigned log2)
{
    uint32_t lo, hi, bits = 0;
    if (!slot_range(as, va, log2, &lo, &hi))
        return 0;
    for (uint32_t a = lo; a < hi; a += PAGE_SIZE) {
        uint32_t *w = window_entry(as, a);
        bits |= *w & (PTE_A | PTE_D);
        *w &= ~(PTE_A | PTE_D);
    }
    if (bits)
        smallspace_flush(as, va, log2);   /* or the CPU would not set them again */
    return bits;
}

uint32_t smallspace_fault_addr(const struct arch_space *as, uint32_t cr2)
{
    if (!as->small_base)
        return cr2;
    if (cr2 - as->small_base < as->small_size)
        return cr2 - as->small_base;
    return USER_AREA_END;   /* outside its slot: like a kernel-area fault */
}

/* Give the GDT the user segments of `as` (the large ones for a large space). */
static void seg_load(const struct arch_space *as)
{
    if (as->small_base == seg_base)
        return;
    seg_base = as->small_base;
    gdt_user_load(as->small_base ? as->small_seg : large_seg);
}

/* TSS I/O bitmap: in force (the loaded directory's) or none at all. */
static void io_load(bool off)
{
    if (off == io_off)
        return;
    io_off = off;
    tss_set_io(!off);
}

void smallspace_activate(const struct arch_space *as)
{
    if (as->small_base && !as->iobitmap[0]) {
        io_load(true);   /* no port of its own: the loaded directory's are not its */
        seg_load(as);
        return;
    }
    if (cpu_read_cr3() != as->pdir_phys)
        cpu_write_cr3(as->pdir_phys);
    io_load(false);
    seg_load(as);
}

void smallspace_forget(const struct arch_space *as)
{
    if (cpu_read_cr3() == as->pdir_phys)
        cpu_write_cr3(kernel_space_arch.pdir_phys);
}

/* ---- hooks of the portable small-space module (core/smallspace.h) ------- */

/* The first small space: large spaces' segments end below the window, the
 * kernel leaves the user selectors (see the design note). */
static void smallspace_first(void)
{
    smallspace_seen = 1;
    seg_kernel_data = SEL_KDATA;
    syscall_sysenter_small();
    gdt_user_make(0, SMALLSPACE_WINDOW_BASE - 1u, large_seg);
    if (seg_base == 0)
        gdt_user_load(large_seg);
}

void arch_space_make_small(struct space *s, word_t offset, word_t size)
{
    struct arch_space *as = &s->arch;
    if (!smallspace_seen)
        smallspace_first();
    as->small_base = SMALLSPACE_WINDOW_BASE + offset;
    as->small_size = size;
    gdt_user_make(as->small_base, size - 1u, as->small_seg);
    smallspace_live++;
    smallspace_mirror(as, 0, 31);   /* the slot is empty: fill it from the own tables */
    if (arch_current()->space == s)
        smallspace_activate(as);
}

void arch_space_make_large(struct space *s)
{
    struct arch_space *as = &s->arch;
    for (uint32_t a = 0; a < as->small_size; a += PAGE_SIZE) {
        uint32_t *w = window_entry(as, a), bits = *w & (PTE_A | PTE_D);
        if (bits && (as->pdir[a >> 22] & PTE_PS))
            as->pdir[a >> 22] |= bits;
        else if (bits)
            ((uint32_t *)(uintptr_t)phys_to_virt(as->pdir[a >> 22] & ~0xFFFu))[(a >> 12) & 0x3FFu] |= bits;
        *w = 0;
    }
    cpu_write_cr3(cpu_read_cr3());   /* no window entry of the slot survives */
    as->small_base = 0;
    as->small_size = 0;
    smallspace_live--;
    if (arch_current()->space == s)
        smallspace_activate(as);
}
