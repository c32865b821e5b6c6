/* ia32 page tables; see arch/paging.h. */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <arch/smallspace.h>
#include <core/arch_hooks.h>
#include <core/fpage.h>
#include <core/space.h>

extern uint32_t boot_pdir[1024];

struct arch_space kernel_space_arch;
static uint32_t zero_frame;     /* read-only backing of unused TCB pages */
static uint32_t noio_frame;     /* all ones: the I/O bitmap of a space without ports */
static uint32_t gs_frame;       /* the page with the %gs:0 word */

#define PDE_INDEX(va) ((va) >> 22)
#define PTE_INDEX(va) (((va) >> 12) & 0x3FFu)
#define USER_SLOTS    PDE_INDEX(USER_AREA_END)
#define PTE_RIGHTS_SHIFT 9u   /* software-available bits 9..11 hold the exact rwx */

static struct arch_space *io_spaces;      /* every space with a private I/O bitmap */
static struct arch_space *reclaim_list;   /* spaces with a slot that became empty */
static uint32_t *slot_shadow_page(const struct arch_space *as, unsigned i);

static uint32_t *pt_virt(uint32_t entry)
{
    return (uint32_t *)phys_to_virt(entry & ~0xFFFu);
}

/* The kernel's per-space region: gs page and the shared no-ports bitmap. */
static int perspace_init(void)
{
    uint32_t pt = pmem_alloc();
    noio_frame = pmem_alloc();
    gs_frame = virt_to_phys((uint32_t)(uintptr_t)utcb_gs_page);
    if (!pt || !noio_frame)
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

#define MSR_PAT 0x277u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_PAT_SMALL 0x080u
#define PTE_PAT_LARGE 0x1000u
#define PTE_CACHE_BITS (PTE_PWT | PTE_PCD | PTE_PAT_SMALL)
static int have_pat;

/* PAT entries WB, WT, UC-, UC, WC, WT, UC-, WP: MemoryControl attribute a
 * (1..5, 8) selects entry a - 1; the first four equal the power-on PAT. */
static void pat_init(void)
{
    uint32_t regs[4];
    cpu_cpuid(1, regs);
    have_pat = (regs[3] >> 16) & 1u;
    if (have_pat)
        cpu_wrmsr(MSR_PAT, 0x0507040100070406ull);   /* PA7..PA0 */
}

int paging_init(void)
{
    pat_init();
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
    return perspace_init() && tss_page_init() && smallspace_init();
}

int pt_space_init(struct arch_space *as)
{
    uint32_t pd = pmem_alloc_for(PMEM_SPACE), pt = pmem_alloc_for(PMEM_SPACE);
    uint32_t tab = pmem_alloc_for(PMEM_SPACE), sh = pmem_alloc_for(PMEM_SPACE);
    uint32_t big = pmem_alloc_for(PMEM_SPACE);
    if (!pd || !pt || !tab || !sh || !big) {
        uint32_t got[] = { pd, pt, tab, sh, big };
        for (unsigned i = 0; i < 5; i++)
            if (got[i])
                pmem_free_for(PMEM_SPACE, got[i]);
        return 0;
    }
    as->pdir_phys = pd;
    as->pdir = (uint32_t *)phys_to_virt(pd);
    as->perspace_pt = (uint32_t *)phys_to_virt(pt);
    as->slot_table = (uint32_t *)phys_to_virt(tab);
    as->slot_shadow = (uint32_t *)phys_to_virt(sh);
    as->slot_big = (struct mapnode **)phys_to_virt(big);
    as->iobitmap[0] = as->iobitmap[1] = 0;
    as->reclaim_pending = 0;
    as->reclaim_next = 0;
    for (unsigned i = PDE_INDEX(KERNEL_VBASE); i < 1024; i++)
        as->pdir[i] = kernel_space_arch.pdir[i];
    for (unsigned i = 0; i < 1024; i++)
        as->perspace_pt[i] = kernel_space_arch.perspace_pt[i];
    as->pdir[PDE_INDEX(PERSPACE_BASE)] = pt | PTE_P | PTE_W | PTE_U;
    return 1;
}

/* Note that a slot of `as` has no present 4 KB entry any more. */
static void reclaim_note(struct arch_space *as)
{
    if (as->reclaim_pending)
        return;
    as->reclaim_pending = 1;
    as->reclaim_next = reclaim_list;
    reclaim_list = as;
}

/* Take `as` off the reclaim list (it is being freed). */
static void reclaim_forget(struct arch_space *as)
{
    for (struct arch_space **p = &reclaim_list; *p; p = &(*p)->reclaim_next) {
        if (*p == as) {
            *p = as->reclaim_next;
            break;
        }
    }
    as->reclaim_pending = 0;
}

/* Free the page table and shadow page of slot i of `as` if it has no
 * present 4 KB entry; true if something was freed. */
static int slot_release_if_empty(struct arch_space *as, unsigned i)
{
    if ((!as->slot_table[i] && !as->slot_shadow[i]) || (as->slot_shadow[i] & 0xFFFu))
        return 0;
    if ((as->pdir[i] & PTE_P) && !(as->pdir[i] & PTE_PS))
        as->pdir[i] = 0;                          /* (a 4 MB page keeps its PDE) */
    if (as->slot_table[i])
        pmem_free_for(PMEM_PTAB, as->slot_table[i]);
    if (as->slot_shadow[i])
        pmem_free_for(PMEM_PTAB, virt_to_phys(as->slot_shadow[i] & ~0xFFFu));
    as->slot_table[i] = 0;
    as->slot_shadow[i] = 0;
    return 1;
}

void pt_reclaim(void)
{
    while (reclaim_list) {
        struct arch_space *as = reclaim_list;
        reclaim_list = as->reclaim_next;
        as->reclaim_pending = 0;
        int freed = 0;
        for (unsigned i = 0; i < USER_SLOTS; i++)
            freed |= slot_release_if_empty(as, i);
        if (freed && as->pdir_phys == cpu_read_cr3())
            cpu_write_cr3(as->pdir_phys);         /* no cached PDE may lead to a freed table */
    }
}

void pt_space_free(struct arch_space *as)
{
    reclaim_forget(as);
    smallspace_forget(as);
    for (struct arch_space **p = &io_spaces; *p; p = &(*p)->io_next) {
        if (*p == as) {
            *p = as->io_next;
            break;
        }
    }
    for (struct arch_space *o = io_spaces; o; o = o->io_next)
        if (o->io_source == as)
            o->io_source = 0;
    for (unsigned i = 0; i < USER_SLOTS; i++) {
        /* kernel-owned pages (no mapnode) from the kernel pool: UTCB pages */
        if (as->slot_table[i] && (as->pdir[i] & PTE_P) && !(as->pdir[i] & PTE_PS)) {
            uint32_t *pt = pt_virt(as->slot_table[i]);
            uint32_t *sh = slot_shadow_page(as, i);
            for (unsigned j = 0; j < 1024; j++)
                if ((pt[j] & PTE_P) && !sh[j] && pmem_is_pool(pt[j] & ~0xFFFu))
                    pmem_free_for(PMEM_UTCB, pt[j] & ~0xFFFu);
        }
        if (as->slot_table[i])
            pmem_free_for(PMEM_PTAB, as->slot_table[i]);
        if (as->slot_shadow[i])
            pmem_free_for(PMEM_PTAB, virt_to_phys(as->slot_shadow[i] & ~0xFFFu));
    }
    for (unsigned i = 0; i < 2; i++)
        if (as->iobitmap[i])
            pmem_free_for(PMEM_IOBITMAP, as->iobitmap[i]);
    pmem_free_for(PMEM_SPACE, virt_to_phys((uint32_t)(uintptr_t)as->slot_table));
    pmem_free_for(PMEM_SPACE, virt_to_phys((uint32_t)(uintptr_t)as->slot_shadow));
    pmem_free_for(PMEM_SPACE, virt_to_phys((uint32_t)(uintptr_t)as->slot_big));
    pmem_free_for(PMEM_SPACE, virt_to_phys((uint32_t)(uintptr_t)as->perspace_pt));
    pmem_free_for(PMEM_SPACE, as->pdir_phys);
    as->pdir = 0;
    as->perspace_pt = 0;
}

/* Give `as` private, all-ones bitmap frames on its first port grant. */
static int io_private_bitmap(struct arch_space *as)
{
    for (unsigned i = 0; i < 2; i++) {
        if (as->iobitmap[i])
            continue;
        uint32_t f = pmem_alloc_for(PMEM_IOBITMAP);
        if (!f)
            return 0;
        uint8_t *b = (uint8_t *)phys_to_virt(f);
        for (unsigned j = 0; j < PAGE_SIZE; j++)
            b[j] = 0xFF;
        as->iobitmap[i] = f;
        if (i == 0) {
            as->io_next = io_spaces;
            io_spaces = as;
        }
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

/* The page user mode sees at UTCB_GS_VADDR; a page of the kernel image, so
 * that the switch writes its word at a link-time address. */
volatile uint32_t utcb_gs_page[PAGE_SIZE / 4u] __attribute__((aligned(PAGE_SIZE)));

/* PTE for a user page: rwx kept exactly in the software bits 9..11. */
static uint32_t pte_make(uint32_t pa, unsigned log2, unsigned rights)
{
    uint32_t e = (pa & (log2 == 22 ? 0xFFC00000u : 0xFFFFF000u)) | PTE_P | PTE_U |
                 ((rights & 7u) << PTE_RIGHTS_SHIFT);
    if (rights & FPAGE_RIGHTS_W)
        e |= PTE_W;
    if (log2 == 22)
        e |= PTE_PS;
    return e;
}

static unsigned pte_rights(uint32_t e)
{
    return (e >> PTE_RIGHTS_SHIFT) & 7u;
}

static uint32_t *slot_shadow_page(const struct arch_space *as, unsigned i)
{
    return (uint32_t *)(uintptr_t)(as->slot_shadow[i] & ~0xFFFu);
}

/* Page table and shadow page of slot i exist; the PDE points at the table
 * unless a 4 MB page occupies the slot. */
static int slot_reserve(struct arch_space *as, unsigned i)
{
    if (!as->slot_table[i]) {
        uint32_t t = pmem_alloc_for(PMEM_PTAB);
        if (!t)
            return 0;
        as->slot_table[i] = t;
    }
    if (!as->slot_shadow[i]) {
        uint32_t sh = pmem_alloc_for(PMEM_PTAB);
        if (!sh)
            return 0;
        as->slot_shadow[i] = phys_to_virt(sh);
    }
    if (!(as->pdir[i] & PTE_P))
        as->pdir[i] = as->slot_table[i] | PTE_P | PTE_W | PTE_U;
    return 1;
}

/* Install a page of 2^log2 bytes at free position va with its mapnode. */
static void slot_set(struct arch_space *as, uint32_t va, unsigned log2, uint32_t pa,
                     unsigned rights, struct mapnode *node)
{
    unsigned i = PDE_INDEX(va);
    if (log2 == 22) {
        as->pdir[i] = pte_make(pa, 22, rights);
        as->slot_big[i] = node;
        smallspace_mirror(as, va, 22);
        return;
    }
    if (!(as->pdir[i] & PTE_P) || (as->pdir[i] & PTE_PS))
        as->pdir[i] = as->slot_table[i] | PTE_P | PTE_W | PTE_U;
    uint32_t *pt = pt_virt(as->slot_table[i]);
    if (!(pt[PTE_INDEX(va)] & PTE_P))
        as->slot_shadow[i]++;
    pt[PTE_INDEX(va)] = pte_make(pa, 12, rights);
    slot_shadow_page(as, i)[PTE_INDEX(va)] = (uint32_t)(uintptr_t)node;
    smallspace_mirror(as, va, 12);
}

static void tlb_flush_page(const struct arch_space *as, uint32_t va)
{
    if (as->pdir_phys == cpu_read_cr3())
        __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

int pt_map(struct arch_space *as, uint32_t va, uint32_t pa, unsigned log2, uint32_t flags)
{
    unsigned i = PDE_INDEX(va);
    unsigned rights = FPAGE_RIGHTS_R | FPAGE_RIGHTS_X | ((flags & PTE_W) ? FPAGE_RIGHTS_W : 0);
    if (va >= USER_AREA_END || (log2 != 12 && log2 != 22))
        return 0;
    if (log2 == 12 && (as->pdir[i] & PTE_PS))
        return 0;   /* a 4 MB page is in the way */
    if (log2 == 12 && !slot_reserve(as, i))
        return 0;
    slot_set(as, va, log2, pa, rights, 0);
    tlb_flush_page(as, va);
    return 1;
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
    uint32_t frame = pmem_alloc_for(PMEM_TCB);
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

void pt_tcb_unback(uint32_t va)
{
    uint32_t *pte = &pt_virt(kernel_space_arch.pdir[PDE_INDEX(va)])[PTE_INDEX(va)];
    uint32_t frame = *pte & ~0xFFFu;
    if (frame == zero_frame)
        return;
    *pte = zero_frame | PTE_P;                   /* read-only: reads as a free TCB */
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
    pmem_free_for(PMEM_TCB, frame);
}

void pt_kernel_page_free(struct arch_space *as, uint32_t va)
{
    unsigned i = PDE_INDEX(va);
    if (va >= USER_AREA_END || !as->slot_table[i] || !(as->pdir[i] & PTE_P) ||
        (as->pdir[i] & PTE_PS))
        return;
    uint32_t *pte = &pt_virt(as->slot_table[i])[PTE_INDEX(va)];
    uint32_t frame = *pte & ~0xFFFu;
    if (!(*pte & PTE_P) || slot_shadow_page(as, i)[PTE_INDEX(va)] || !pmem_is_pool(frame))
        return;
    *pte = 0;
    as->slot_shadow[i]--;
    tlb_flush_page(as, va & ~0xFFFu);
    pmem_free_for(PMEM_UTCB, frame);
    if ((as->slot_shadow[i] & 0xFFFu) == 0)
        reclaim_note(as);
}

/* ---- hooks of the mapping database (core/arch_hooks.h) ---------------- */

bool arch_pt_lookup(struct space *s, word_t va, struct pt_entry *e)
{
    const struct arch_space *as = &s->arch;
    unsigned i = PDE_INDEX(va);
    uint32_t pde = as->pdir[i];
    if (va >= USER_AREA_END || !(pde & PTE_P))
        return false;
    if (pde & PTE_PS) {
        *e = (struct pt_entry){ pde & 0xFFC00000u, 22, pte_rights(pde), as->slot_big[i] };
        return true;
    }
    uint32_t pte = pt_virt(pde)[PTE_INDEX(va)];
    if (!(pte & PTE_P))
        return false;
    struct mapnode *node =
        (struct mapnode *)(uintptr_t)slot_shadow_page(as, i)[PTE_INDEX(va)];
    *e = (struct pt_entry){ pte & 0xFFFFF000u, 12, pte_rights(pte), node };
    return true;
}

unsigned arch_pt_count_small(struct space *s, word_t va)
{
    const struct arch_space *as = &s->arch;
    unsigned i = PDE_INDEX(va);
    if (va >= USER_AREA_END || !(as->pdir[i] & PTE_P) || (as->pdir[i] & PTE_PS))
        return 0;
    return as->slot_shadow[i] & 0xFFFu;
}

bool arch_pt_reserve(struct space *s, word_t va)
{
    return va < USER_AREA_END && slot_reserve(&s->arch, PDE_INDEX(va));
}

void arch_pt_set(struct space *s, word_t va, unsigned log2, word_t phys, unsigned rights,
                 struct mapnode *node)
{
    slot_set(&s->arch, va, log2, phys, rights, node);
}

/* The entry (PDE of a 4 MB page, or PTE) mapping the present page at va. */
static uint32_t *entry_of(struct arch_space *as, uint32_t va)
{
    unsigned i = PDE_INDEX(va);
    return (as->pdir[i] & PTE_PS) ? &as->pdir[i] : &pt_virt(as->pdir[i])[PTE_INDEX(va)];
}

void arch_pt_set_rights(struct space *s, word_t va, unsigned rights)
{
    uint32_t *e = entry_of(&s->arch, va);
    uint32_t keep = *e & (PTE_A | PTE_D | PTE_PWT | PTE_PCD |
                          ((*e & PTE_PS) ? PTE_PAT_LARGE : PTE_PAT_SMALL));
    *e = pte_make(*e, (*e & PTE_PS) ? 22 : 12, rights) | keep;
    smallspace_mirror(&s->arch, va, (*e & PTE_PS) ? 22 : 12);
}

void arch_pt_clear(struct space *s, word_t va)
{
    struct arch_space *as = &s->arch;
    unsigned i = PDE_INDEX(va);
    if (as->pdir[i] & PTE_PS) {
        as->pdir[i] = 0;
        as->slot_big[i] = 0;
        if (as->slot_table[i])
            reclaim_note(as);                     /* a table held ready for a split */
        smallspace_mirror(as, va, 22);
        return;
    }
    uint32_t *pt = pt_virt(as->pdir[i]);
    if (pt[PTE_INDEX(va)] & PTE_P)
        as->slot_shadow[i]--;
    pt[PTE_INDEX(va)] = 0;
    slot_shadow_page(as, i)[PTE_INDEX(va)] = 0;
    if ((as->slot_shadow[i] & 0xFFFu) == 0)
        reclaim_note(as);
    smallspace_mirror(as, va, 12);
}

unsigned arch_pt_harvest_status(struct space *s, word_t va)
{
    uint32_t *e = entry_of(&s->arch, va);
    uint32_t bits = (*e & (PTE_A | PTE_D)) |
                    smallspace_harvest(&s->arch, va, (*e & PTE_PS) ? 22 : 12);
    unsigned status = ((bits & PTE_A) ? PT_STATUS_ACCESSED : 0u) |
                      ((bits & PTE_D) ? PT_STATUS_DIRTY : 0u);
    if (status) {
        *e &= ~(PTE_A | PTE_D);
        tlb_flush_page(&s->arch, va);   /* or the CPU would not set the bits again */
    }
    return status;
}

void arch_tlb_flush(struct space *s, word_t va, unsigned log2)
{
    const struct arch_space *as = &s->arch;
    smallspace_flush(as, va, log2);
    if (as->pdir_phys != cpu_read_cr3())
        return;   /* user entries are not global: switching CR3 drops them */
    if (log2 > 22)
        cpu_write_cr3(as->pdir_phys);
    else
        tlb_flush_page(as, va);
}

void *arch_page_alloc(void)
{
    uint32_t pa = pmem_alloc_for(PMEM_KMEM);
    return pa ? (void *)(uintptr_t)phys_to_virt(pa) : 0;
}

void arch_page_free(void *page)
{
    pmem_free_for(PMEM_KMEM, virt_to_phys((uint32_t)(uintptr_t)page));
}

/* ---- hooks of the space module ----------------------------------------- */

bool arch_space_init(struct space *s)
{
    return pt_space_init(&s->arch) != 0;
}

void arch_pt_release_empty(void)
{
    pt_reclaim();
}

void arch_space_free(struct space *s)
{
    pt_space_free(&s->arch);
    pt_reclaim();                   /* slots emptied in other spaces by the revocations */
}

void io_note_source(struct arch_space *to, struct arch_space *from)
{
    if (to != from)
        to->io_source = from;
}

/* Revoke from the spaces whose ports came from `as`, depth-limited. */
static void io_revoke_from_derived(struct arch_space *as, uint32_t port, unsigned log2,
                                   unsigned depth)
{
    if (depth > 32)
        return;
    for (struct arch_space *o = io_spaces; o; o = o->io_next) {
        if (o->io_source == as && o != as) {
            io_revoke_from_derived(o, port, log2, depth + 1);
            io_set(o, port, log2, 0);
        }
    }
}

void io_revoke_derived(struct arch_space *as, uint32_t port, unsigned log2, int flush)
{
    io_revoke_from_derived(as, port, log2, 0);
    if (flush)
        io_set(as, port, log2, 0);
}

void pt_set_cache_attr(struct arch_space *as, uint32_t va, unsigned log2, unsigned attr)
{
    unsigned idx = attr == 0 ? 0 : attr == 8 ? 7 : attr - 1;
    if (!have_pat && idx > 3)
        idx = 2;                                 /* WC/WP without PAT: UC- */
    uint64_t end = (uint64_t)va + ((uint64_t)1 << log2);
    if (end > USER_AREA_END)
        end = USER_AREA_END;
    for (uint64_t a = va; a < end;) {
        unsigned i = PDE_INDEX((uint32_t)a);
        uint32_t *pde = &as->pdir[i];
        if (!(*pde & PTE_P)) {
            a = ((a >> 22) + 1) << 22;
            continue;
        }
        if (*pde & PTE_PS) {
            *pde = (*pde & ~(PTE_PWT | PTE_PCD | PTE_PAT_LARGE)) | ((idx & 1) ? PTE_PWT : 0) |
                   ((idx & 2) ? PTE_PCD : 0) | ((idx & 4) ? PTE_PAT_LARGE : 0);
            a = ((a >> 22) + 1) << 22;
            continue;
        }
        uint32_t *pte = &pt_virt(*pde)[PTE_INDEX((uint32_t)a)];
        if ((*pte & PTE_P) && slot_shadow_page(as, i)[PTE_INDEX((uint32_t)a)])
            *pte = (*pte & ~PTE_CACHE_BITS) | ((idx & 1) ? PTE_PWT : 0) |
                   ((idx & 2) ? PTE_PCD : 0) | ((idx & 4) ? PTE_PAT_SMALL : 0);
        a += PAGE_SIZE;
    }
    smallspace_mirror(as, va, log2 > 31 ? 31 : log2);
    smallspace_flush(as, va, log2 > 31 ? 31 : log2);
    if (as->pdir_phys == cpu_read_cr3())
        cpu_write_cr3(as->pdir_phys);
}
