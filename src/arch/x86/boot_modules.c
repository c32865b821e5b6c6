/* Loading the boot modules and starting sigma0 (see arch/boot.h). */
#include <arch/boot.h>
#include <arch/cpu.h>
#include <arch/kipboot.h>
#include <arch/desc.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <arch/threads.h>
#include <core/fpage.h>
#include <core/mdb.h>
#include <core/kprintf.h>
#include <core/tid.h>

extern char _kernel_phys_start[], _kernel_phys_end[];

static int ranges_overlap(uint32_t a_lo, uint32_t a_hi, uint32_t b_lo, uint32_t b_hi)
{
    return a_lo < b_hi && b_lo < a_hi;
}

int boot_load_modules(const struct boot_info *bi, struct boot_modules *bm)
{
    uint32_t lo = (uint32_t)(uintptr_t)_kernel_phys_start;
    uint32_t hi = (uint32_t)(uintptr_t)_kernel_phys_end;

    bm->count = bi->mods_count < BOOT_MAX_MODULES ? bi->mods_count : BOOT_MAX_MODULES;
    for (unsigned i = 0; i < bi->mods_count; i++) {
        if (bi->mods[i].end > hi)
            hi = bi->mods[i].end;
    }
    for (unsigned i = 0; i < bm->count; i++) {
        const struct multiboot_module *m = &bi->mods[i];
        const char *why = "";
        if (m->end <= m->start || m->end > DIRECTMAP_SIZE ||
            !elf_inspect((const void *)phys_to_virt(m->start), m->end - m->start, &bm->img[i],
                         &why)) {
            kprintf("module %u: unusable: %s\n", i, m->end <= m->start ? "empty" : why);
            return 0;
        }
        for (unsigned j = 0; j < bi->mods_count; j++) {
            if (ranges_overlap(bm->img[i].low, bm->img[i].high, bi->mods[j].start, bi->mods[j].end) ||
                ranges_overlap(bm->img[i].low, bm->img[i].high,
                               (uint32_t)(uintptr_t)_kernel_phys_start,
                               (uint32_t)(uintptr_t)_kernel_phys_end)) {
                kprintf("module %u: image %08x-%08x overlaps the kernel or a module file\n", i,
                        bm->img[i].low, bm->img[i].high);
                return 0;
            }
        }
        if (bm->img[i].high > hi)
            hi = bm->img[i].high;
    }
    for (unsigned i = 0; i < bm->count; i++) {
        elf_load((const void *)phys_to_virt(bi->mods[i].start), &bm->img[i]);
        kprintf("module %u: loaded %08x-%08x entry %08x\n", i, bm->img[i].low, bm->img[i].high,
                bm->img[i].entry);
    }
    bm->avoid_lo = lo;
    bm->avoid_hi = hi;
    return 1;
}

int boot_modules_from_kip(struct boot_modules *bm)
{
    static const enum kip_server_id order[] = { KIP_SIGMA0, KIP_ROOT_SERVER };
    bm->count = 0;
    bm->avoid_lo = bm->avoid_hi = 0;
    for (unsigned i = 0; i < 2; i++) {
        const struct kip_server *srv = kip_server(&kernel_kip, order[i]);
        if (!srv || srv->high == 0 || srv->high <= srv->low)
            break;
        bm->img[i] = (struct elf_image){ .entry = srv->ip, .low = srv->low, .high = srv->high };
        bm->count++;
        kprintf("module %u (from the KIP): %08x-%08x entry %08x\n", i, srv->low, srv->high, srv->ip);
    }
    return bm->count > 0;
}

/* An initial server's space (ABI 7.3): privileged, KIP and UTCB areas at
 * the standard places, the KIP mapped. NULL when out of memory. */
static struct space *boot_server_space(void)
{
    struct space *s = space_create();
    if (!s)
        return 0;
    s->privileged = true;
    s->kip_area = fpage_make(KIP_AREA_DEFAULT, 12, 0);
    s->utcb_area = fpage_make(UTCB_AREA_DEFAULT, 17, 0);
    if (!pt_map(&s->arch, KIP_AREA_DEFAULT, virt_to_phys((uint32_t)(uintptr_t)&kernel_kip), 12,
                PTE_U))
        return 0;
    return s;
}

_Noreturn void boot_start_servers(const struct boot_modules *bm)
{
    if (bm->count == 0) {
        kprintf("no sigma0 module: nothing to run\n");
        cpu_halt_forever();
    }
    struct space *s0 = boot_server_space();
    /* sigma0 owns every port (ABI 7.4); its image is mapped up front so
     * that the kernel debugger can read its strings before sigma0 touched
     * them; the rest faults in 1:1. */
    int ok = s0 && io_set(&s0->arch, 0, 16, 1);
    if (ok)
        s0->is_sigma0 = true;
    for (uint32_t pa = bm->img[0].low & ~(PAGE_SIZE - 1u); ok && pa < bm->img[0].high;
         pa += PAGE_SIZE)
        ok = mdb_map(s0, pa, s0, pa, 12, FPAGE_RIGHTS_RWX, false) == MDB_OK;
    if (!ok || !thread_create_user(s0, tid_make_global(TID_SIGMA0_NO, 1), TID_NIL,
                                   UTCB_AREA_DEFAULT, bm->img[0].entry, 0, 255)) {
        kprintf("out of kernel memory creating sigma0\n");
        cpu_halt_forever();
    }
    kprintf("starting sigma0 at %08x\n", bm->img[0].entry);
    if (bm->count > 1) {
        struct space *rs = boot_server_space();
        struct tcb *root = 0;
        if (rs)
            root = thread_create_user(rs, tid_make_global(TID_ROOT_NO, 1),
                                      tid_make_global(TID_SIGMA0_NO, 1), UTCB_AREA_DEFAULT,
                                      bm->img[1].entry, 0, 255);
        if (!root) {
            kprintf("out of kernel memory creating the root task\n");
            cpu_halt_forever();
        }
        kprintf("starting the root task at %08x\n", bm->img[1].entry);
    }
    threads_start();
}
