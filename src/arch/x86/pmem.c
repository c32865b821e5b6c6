/* Kernel frame pool; see arch/pmem.h. A free list threaded through the frames. */
#include <arch/layout.h>
#include <arch/pmem.h>
#include <core/kprintf.h>
#include <core/mdb.h>
#include <core/space.h>

extern char _kernel_phys_start[], _kernel_phys_end[];

static uint32_t pool_start, pool_end, free_head, free_count;
static uint32_t use_count[PMEM_USES];

static void pool_put(uint32_t pa);

/* Highest end of available RAM below the direct-map limit. */
uint32_t pmem_ram_top(const struct boot_info *bi)
{
    uint64_t top = 0;
    if (!bi->mmap)
        return 0x100000u + bi->mem_upper_kb * 1024u;
    for (uint32_t off = 0; off + 24 <= bi->mmap_length + 4;) {
        const struct multiboot_mmap *e = (const void *)((uintptr_t)bi->mmap + off);
        off += e->size + 4;
        if (e->type != 1 || e->addr >= DIRECTMAP_SIZE)
            continue;
        uint64_t end = e->addr + e->len;
        if (end > DIRECTMAP_SIZE)
            end = DIRECTMAP_SIZE;
        if (end > top)
            top = end;
    }
    return (uint32_t)top & ~(PAGE_SIZE - 1u);
}

static void zero_frame(uint32_t pa)
{
    uint32_t *p = (uint32_t *)phys_to_virt(pa);
    for (unsigned i = 0; i < PAGE_SIZE / 4; i++)
        p[i] = 0;
}

int pmem_init_top(uint32_t top, uint32_t avoid_lo, uint32_t avoid_hi)
{
    uint32_t size = top / 8u < KPOOL_MAX_BYTES ? (top / 8u) & ~(PAGE_SIZE - 1u) : KPOOL_MAX_BYTES;
    if (top < (4u << 20) || size < (1u << 20))
        return 0;
    if (top - size < avoid_hi && avoid_lo < top)
        return 0;   /* boot images reach the top of RAM: no room */
    return pmem_init_range(top - size, top);
}

int pmem_init_range(uint32_t start, uint32_t end)
{
    start = (start + PAGE_SIZE - 1u) & ~(PAGE_SIZE - 1u);
    end &= ~(PAGE_SIZE - 1u);
    if (end > DIRECTMAP_SIZE)
        end = DIRECTMAP_SIZE;
    if (start >= end || end - start < (1u << 20))
        return 0;
    pool_start = start;
    pool_end = end;
    free_head = 0;
    free_count = 0;
    for (unsigned u = 0; u < PMEM_USES; u++)
        use_count[u] = 0;
    for (uint32_t pa = pool_end - PAGE_SIZE; pa >= pool_start && pa != 0; pa -= PAGE_SIZE)
        pool_put(pa);
    return 1;
}

/* Take a frame off the free list (zeroed), 0 when exhausted. */
static uint32_t pool_take(void)
{
    uint32_t pa = free_head;
    if (!pa)
        return 0;
    free_head = *(uint32_t *)phys_to_virt(pa);
    free_count--;
    zero_frame(pa);
    return pa;
}

/* Put frame pa on the free list. */
static void pool_put(uint32_t pa)
{
    *(uint32_t *)phys_to_virt(pa) = free_head;
    free_head = pa;
    free_count++;
}

uint32_t pmem_alloc_for(enum pmem_use use)
{
    uint32_t pa = pool_take();
    if (pa)
        use_count[use]++;
    return pa;
}

void pmem_free_for(enum pmem_use use, uint32_t pa)
{
    if (use_count[use] == 0) {
        kprintf("pmem: frame %08x freed as use %u with none in use\n", pa, (unsigned)use);
        return;                                  /* never corrupt the free list */
    }
    use_count[use]--;
    pool_put(pa);
}

uint32_t pmem_alloc(void)
{
    return pmem_alloc_for(PMEM_OTHER);
}

void pmem_free(uint32_t pa)
{
    pmem_free_for(PMEM_OTHER, pa);
}

uint32_t pmem_in_use(enum pmem_use use)
{
    return use_count[use];
}

uint32_t pmem_stat(uint32_t i)
{
    if (i == PMEM_STAT_FREE)
        return free_count;
    if (i >= PMEM_STAT_USE0 && i < PMEM_STAT_USE0 + PMEM_USES)
        return use_count[i - PMEM_STAT_USE0];
    if (i == PMEM_STAT_SPACES)
        return space_count();
    if (i == PMEM_STAT_MAPNODES)
        return mdb_node_count();
    return 0xFFFFFFFFu;
}

void pmem_report(void)
{
    kprintf("kmem: free %u tcb %u space %u ptab %u utcb %u iobitmap %u kmem %u other %u"
            " | spaces %u mapnodes %u\n",
            free_count, use_count[PMEM_TCB], use_count[PMEM_SPACE], use_count[PMEM_PTAB],
            use_count[PMEM_UTCB], use_count[PMEM_IOBITMAP], use_count[PMEM_KMEM],
            use_count[PMEM_OTHER], space_count(), mdb_node_count());
}

int pmem_is_kernel(uint32_t pa)
{
    return (pa >= (uint32_t)(uintptr_t)_kernel_phys_start &&
            pa < (uint32_t)(uintptr_t)_kernel_phys_end) ||
           (pa >= pool_start && pa < pool_end);
}

uint32_t pmem_pool_start(void) { return pool_start; }
uint32_t pmem_pool_end(void) { return pool_end; }
uint32_t pmem_free_frames(void) { return free_count; }

int pmem_is_pool(uint32_t pa)
{
    return pa >= pool_start && pa < pool_end;
}
