/* KIP image and its completion at boot (ABI 3.6, 7.1, 7.2). */
#include <arch/kipboot.h>
#include <arch/layout.h>
#include <arch/pmem.h>
#include <arch/timer.h>
#include <core/kprintf.h>

struct kip kernel_kip __attribute__((aligned(4096), section(".kip"))) = KIP_STATIC_INIT;

extern char _kernel_phys_start[], _kernel_phys_end[];

/* Descriptors a loader writes (ABI 3.6 items 1, 2, 4, 5). */
static int kipboot_loader_descriptors(const struct boot_info *bi, const struct boot_modules *bm)
{
    struct kip *k = &kernel_kip;
    int ok = kip_add_memdesc(k, KIP_MEM_SHARED, 0, false, 0, 0xFFFFFFFFu);
    for (uint32_t off = 0; bi->mmap && off + 24 <= bi->mmap_length + 4;) {
        const struct multiboot_mmap *e = (const void *)((uintptr_t)bi->mmap + off);
        ok = ok && kip_add_e820(k, e->addr, e->len, e->type);
        off += e->size + 4;
    }
    ok = ok && kip_add_memdesc(k, KIP_MEM_SHARED, 0, false, 0xA0000, 0xBFFFF);
    ok = ok && kip_add_memdesc(k, KIP_MEM_SHARED, 0, false, 0xC0000, 0xEFFFF);
    for (unsigned i = 0; i < bm->count; i++) {
        unsigned sub = i < 2 ? KIP_BOOT_SERVER : 3;
        ok = ok && kip_add_memdesc(k, KIP_MEM_BOOTLOADER, sub, false, bm->img[i].low,
                                   bm->img[i].high - 1);
    }
    if (bm->count > 0)
        ok = ok && kip_set_server(k, KIP_SIGMA0, bm->img[0].low, bm->img[0].high,
                                  bm->img[0].entry, 0);
    if (bm->count > 1)
        ok = ok && kip_set_server(k, KIP_ROOT_SERVER, bm->img[1].low, bm->img[1].high,
                                  bm->img[1].entry, 0);
    return ok;
}

int kipboot_complete(const struct boot_info *bi, const struct boot_modules *bm)
{
    if (!kip_is_loader_patched(&kernel_kip) && !kipboot_loader_descriptors(bi, bm))
        return 0;
    struct kip_boot_params p = {
        .ncpus = 1,
        .external_khz = 0,
        .internal_khz = timer_tsc_khz(),
        .read_precision_us = 1,
        .sched_precision_us = 1000,
        .image_low = (uint32_t)(uintptr_t)_kernel_phys_start,
        .image_high = (uint32_t)(uintptr_t)_kernel_phys_end - 1,
        .kmem_low = pmem_pool_start(),
        .kmem_high = pmem_pool_end() - 1,
    };
    return kip_complete(&kernel_kip, &p);
}

int kipboot_loader_kmem(uint32_t *low, uint32_t *high)
{
    int found = 0;
    for (unsigned i = 0; i < kip_memdesc_count(&kernel_kip); i++) {
        struct kip_memdesc_info d;
        if (!kip_memdesc(&kernel_kip, i, &d) || d.type != KIP_MEM_RESERVED || d.is_virtual)
            continue;
        if (!found || d.high - d.low > *high - *low) {
            *low = d.low;
            *high = d.high;
            found = 1;
        }
    }
    return found;
}

#define GENERIC_BOOTINFO_MAGIC 0x14B0021Du

uint32_t kipboot_loader_mbi(void)
{
    uint32_t pa = kernel_kip.boot_info;
    if (pa == 0 || pa >= DIRECTMAP_SIZE - 64u)
        return 0;
    if (*(const uint32_t *)(uintptr_t)phys_to_virt(pa) == GENERIC_BOOTINFO_MAGIC)
        return 0;
    return pa;
}

void kipboot_print(void)
{
    static const char *const names[16] = {
        "undefined", "conventional", "reserved", "dedicated", "shared", "type5", "type6",
        "type7", "type8", "type9", "typeA", "typeB", "typeC", "typeD", "boot-loader", "arch",
    };
    unsigned n = kip_memdesc_count(&kernel_kip);
    kprintf("KIP at %p: %u memory descriptors\n", (void *)&kernel_kip, n);
    for (unsigned i = 0; i < n; i++) {
        struct kip_memdesc_info d;
        if (!kip_memdesc(&kernel_kip, i, &d))
            break;
        kprintf("  %08x-%08x %s%s sub %u\n", d.low, d.high, names[d.type & 0xF],
                d.is_virtual ? " (virtual)" : "", d.subtype);
    }
}
