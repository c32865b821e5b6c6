/* ia32 page tables; see arch/paging.h. */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>

extern uint32_t boot_pdir[1024];

struct arch_space kernel_space_arch;
static uint32_t zero_frame;     /* read-only backing of unused TCB pages */

#define PDE_INDEX(va) ((va) >> 22)
#define PTE_INDEX(va) (((va) >> 12) & 0x3FFu)

static uint32_t *pt_virt(uint32_t entry)
{
    return (uint32_t *)phys_to_virt(entry & ~0xFFFu);
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
    cpu_write_cr3(kernel_space_arch.pdir_phys);
    return 1;
}

int pt_space_init(struct arch_space *as)
{
    uint32_t pd = pmem_alloc();
    if (!pd)
        return 0;
    as->pdir_phys = pd;
    as->pdir = (uint32_t *)phys_to_virt(pd);
    for (unsigned i = PDE_INDEX(KERNEL_VBASE); i < 1024; i++)
        as->pdir[i] = kernel_space_arch.pdir[i];
    return 1;
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
