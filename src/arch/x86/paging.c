/* ia32 page tables; see arch/paging.h. */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>

extern uint32_t boot_pdir[1024];

struct arch_space kernel_space_arch;
static uint32_t zero_frame;     /* read-only backing of unused TCB pages */
static uint32_t noio_frame;     /* all ones: the I/O bitmap of a space without ports */
static uint32_t gs_frame;       /* the page with the %gs:0 word */

#define PDE_INDEX(va) ((va) >> 22)
#define PTE_INDEX(va) (((va) >> 12) & 0x3FFu)

static uint32_t *pt_virt(uint32_t entry)
{
    return (uint32_t *)phys_to_virt(entry & ~0xFFFu);
}

/* The kernel's per-space region: gs page and the shared no-ports bitmap. */
static int perspace_init(void)
{
    uint32_t pt = pmem_alloc();
    noio_frame = pmem_alloc();
    gs_frame = pmem_alloc();
    if (!pt || !noio_frame || !gs_frame)
        return 0;
    uint8_t *ones = (uint8_t *)phys_to_virt(noio_frame);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        ones[i] = 0xFF;
    uint32_t *ptv = (uint32_t *)phys_to_virt(pt);
    ptv[PTE_INDEX(IOBITMAP_VADDR)] = noio_frame | PTE_P;
    ptv[PTE_INDEX(IOBITMAP_VADDR + PAGE_SIZE)] = noio_frame | PTE_P;
    ptv[PTE_INDEX(IOBITMAP_VADDR + IOBITMAP_BYTES)] = noio_frame | PTE_P;
    ptv[PTE_INDEX(UTCB_GS_VADDR)] = gs_frame | PTE_P | PTE_U;
    kernel_space_arch.perspace_pt = ptv;
    kernel_space_arch.pdir[PDE_INDEX(PERSPACE_BASE)] = pt | PTE_P | PTE_W | PTE_U;
    cpu_write_cr3(kernel_space_arch.pdir_phys);
    return 1;
}

/* Back the page of the TSS (shared by all spaces through PDE 1022). */
static int tss_page_init(void)
{
    uint32_t pt = pmem_alloc(), frame = pmem_alloc();
    if (!pt || !frame)
        return 0;
    ((uint32_t *)phys_to_virt(pt))[PTE_INDEX(TSS_VADDR)] = frame | PTE_P | PTE_W | PTE_G;
    kernel_space_arch.pdir[PDE_INDEX(TSS_VADDR)] = pt | PTE_P | PTE_W;
    cpu_write_cr3(kernel_space_arch.pdir_phys);
    return 1;
}

int paging_init(void)
{
    kernel_space_arch.pdir = (uint32_t *)phys_to_virt((uint32_t)(uintptr_t)boot_pdir);
    kernel_space_arch.pdir_phys = (uint32_t)(uintptr_t)boot_pdir;
    zero_frame = pmem_alloc();
    if (!zero_frame)
        return 0;
    for (uint32_t va = TCB_AREA_BASE; va < TCB_AREA_BASE + 0x10000000u; va += 0x400000u) {
        uint32_t pt = pmem_alloc();
        if (!pt)
            return 0;
        uint32_t *ptv = (uint32_t *)phys_to_virt(pt);
        for (unsigned i = 0; i < 1024; i++)
            ptv[i] = zero_frame | PTE_P;
        kernel_space_arch.pdir[PDE_INDEX(va)] = pt | PTE_P | PTE_W;
    }
    return perspace_init() && tss_page_init();
}

int pt_space_init(struct arch_space *as)
{
    uint32_t pd = pmem_alloc();
    if (!pd)
        return 0;
    uint32_t pt = pmem_alloc();
    if (!pt) {
        pmem_free(pd);
        return 0;
    }
    as->pdir_phys = pd;
    as->pdir = (uint32_t *)phys_to_virt(pd);
    as->perspace_pt = (uint32_t *)phys_to_virt(pt);
    as->iobitmap[0] = as->iobitmap[1] = 0;
    for (unsigned i = PDE_INDEX(KERNEL_VBASE); i < 1024; i++)
        as->pdir[i] = kernel_space_arch.pdir[i];
    for (unsigned i = 0; i < 1024; i++)
        as->perspace_pt[i] = kernel_space_arch.perspace_pt[i];
    as->pdir[PDE_INDEX(PERSPACE_BASE)] = pt | PTE_P | PTE_W | PTE_U;
    return 1;
}

void pt_space_free(struct arch_space *as)
{
    for (unsigned i = 0; i < PDE_INDEX(USER_AREA_END); i++) {
        uint32_t pde = as->pdir[i];
        if ((pde & PTE_P) && !(pde & PTE_PS))
            pmem_free(pde & ~0xFFFu);
    }
    for (unsigned i = 0; i < 2; i++)
        if (as->iobitmap[i])
            pmem_free(as->iobitmap[i]);
    pmem_free(virt_to_phys((uint32_t)(uintptr_t)as->perspace_pt));
    pmem_free(as->pdir_phys);
    as->pdir = 0;
    as->perspace_pt = 0;
}

/* Give `as` private, all-ones bitmap frames on its first port grant. */
static int io_private_bitmap(struct arch_space *as)
{
    for (unsigned i = 0; i < 2; i++) {
        if (as->iobitmap[i])
            continue;
        uint32_t f = pmem_alloc();
        if (!f)
            return 0;
        uint8_t *b = (uint8_t *)phys_to_virt(f);
        for (unsigned j = 0; j < PAGE_SIZE; j++)
            b[j] = 0xFF;
        as->iobitmap[i] = f;
        as->perspace_pt[PTE_INDEX(IOBITMAP_VADDR + i * PAGE_SIZE)] = f | PTE_P;
        if (as->pdir_phys == cpu_read_cr3())
            __asm__ volatile("invlpg (%0)" : : "r"(IOBITMAP_VADDR + i * PAGE_SIZE) : "memory");
    }
    return 1;
}

int io_set(struct arch_space *as, uint32_t port, unsigned log2, int allow)
{
    if (log2 > 16 || port > 0xFFFFu || (port & ((1u << log2) - 1u)))
        return 0;
    if (!allow && !as->iobitmap[0])
        return 1;   /* nothing granted yet */
    if (!io_private_bitmap(as))
        return 0;
    for (uint32_t p = port; p < port + (1u << log2); p++) {
        uint8_t *b = (uint8_t *)phys_to_virt(as->iobitmap[p >> 15]) + ((p >> 3) & 0xFFFu);
        if (allow)
            *b &= (uint8_t)~(1u << (p & 7));
        else
            *b |= (uint8_t)(1u << (p & 7));
    }
    return 1;
}

int io_allowed(const struct arch_space *as, uint32_t port, unsigned log2)
{
    if (log2 > 16 || port > 0xFFFFu || !as->iobitmap[0])
        return 0;
    for (uint32_t p = port; p < port + (1u << log2) && p <= 0xFFFFu; p++) {
        const uint8_t *b = (const uint8_t *)phys_to_virt(as->iobitmap[p >> 15]) + ((p >> 3) & 0xFFFu);
        if (*b & (1u << (p & 7)))
            return 0;
    }
    return 1;
}

void utcb_gs_set(uint32_t local_id)
{
    *(volatile uint32_t *)phys_to_virt(gs_frame) = local_id;
}

int pt_map(struct arch_space *as, uint32_t va, uint32_t pa, unsigned log2, uint32_t flags)
{
    uint32_t *pde = &as->pdir[PDE_INDEX(va)];
    if (log2 == 22) {
        *pde = (pa & 0xFFC00000u) | flags | PTE_PS | PTE_P;
        return 1;
    }
    if ((*pde & PTE_P) && (*pde & PTE_PS))
        return 0;   /* a 4 MB page is in the way; the caller splits first */
    if (!(*pde & PTE_P)) {
        uint32_t pt = pmem_alloc();
        if (!pt)
            return 0;
        *pde = pt | PTE_P | PTE_W | PTE_U;
    }
    pt_virt(*pde)[PTE_INDEX(va)] = (pa & ~0xFFFu) | flags | PTE_P;
    return 1;
}

void pt_unmap(struct arch_space *as, uint32_t va)
{
    uint32_t *pde = &as->pdir[PDE_INDEX(va)];
    if (!(*pde & PTE_P))
        return;
    if (*pde & PTE_PS)
        *pde = 0;
    else
        pt_virt(*pde)[PTE_INDEX(va)] = 0;
    if (as->pdir_phys == cpu_read_cr3())
        __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

int pt_lookup(const struct arch_space *as, uint32_t va, uint32_t *pa, unsigned *log2,
              uint32_t *flags)
{
    uint32_t pde = as->pdir[PDE_INDEX(va)];
    if (!(pde & PTE_P))
        return 0;
    if (pde & PTE_PS) {
        *pa = (pde & 0xFFC00000u) | (va & 0x3FFFFFu);
        *log2 = 22;
        *flags = pde & 0xFFFu;
        return 1;
    }
    uint32_t pte = pt_virt(pde)[PTE_INDEX(va)];
    if (!(pte & PTE_P))
        return 0;
    *pa = (pte & ~0xFFFu) | (va & 0xFFFu);
    *log2 = 12;
    *flags = (pte & 0xFFFu) & (pde | ~(PTE_W | PTE_U));
    return 1;
}

uint32_t uaccess_read(const struct arch_space *as, uint32_t va, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    uint32_t done = 0;
    while (done < len) {
        uint32_t cur = va + done, pa, flags;
        unsigned log2;
        if (cur >= USER_AREA_END || cur < va || !pt_lookup(as, cur, &pa, &log2, &flags) ||
            !(flags & PTE_U) || pa >= DIRECTMAP_SIZE)
            break;
        uint32_t chunk = PAGE_SIZE - (cur & (PAGE_SIZE - 1u));
        if (chunk > len - done)
            chunk = len - done;
        const uint8_t *s = (const uint8_t *)phys_to_virt(pa);
        for (uint32_t i = 0; i < chunk; i++)
            d[done + i] = s[i];
        done += chunk;
    }
    return done;
}

void pt_activate(const struct arch_space *as)
{
    if (cpu_read_cr3() != as->pdir_phys)
        cpu_write_cr3(as->pdir_phys);
}

int pt_tcb_back(uint32_t va)
{
    uint32_t frame = pmem_alloc();
    if (!frame)
        return 0;
    uint32_t *pt = pt_virt(kernel_space_arch.pdir[PDE_INDEX(va)]);
    pt[PTE_INDEX(va)] = frame | PTE_P | PTE_W | PTE_G;
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
    return 1;
}

int pt_tcb_backed(uint32_t va)
{
    uint32_t *pt = pt_virt(kernel_space_arch.pdir[PDE_INDEX(va)]);
    return (pt[PTE_INDEX(va)] & ~0xFFFu) != zero_frame;
}
