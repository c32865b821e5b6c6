/*
 * Kernel start: console, segments, interrupt table, boot information,
 * boot modules, kernel memory, KIP; then either a self-test selected by
 * "test=<name>" on the command line (QEMU tests of the boot path) or the
 * initial servers. With "testexit" on the command line, a user program
 * ends the QEMU run by printing "[TEST:EXIT] n".
 */
#include <arch/boot.h>
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/fpu.h>
#include <arch/irq.h>
#include <arch/kdebug.h>
#include <arch/kipboot.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <arch/multiboot.h>
#include <arch/paging.h>
#include <arch/pic.h>
#include <arch/pmem.h>
#include <arch/selftest.h>
#include <arch/syscall.h>
#include <arch/threads.h>
#include <arch/timer.h>
#include <core/kprintf.h>

void kmain(uint32_t magic, uint32_t mbi_pa);

extern uint32_t boot_pdir[1024];
extern char _kernel_phys_start[], _kernel_phys_end[];

/* Remove the 1:1 mapping of the first 8 MB that only the boot code needed. */
static void boot_unmap_identity(void)
{
    uint32_t *pdir = (uint32_t *)phys_to_virt((uint32_t)(uintptr_t)boot_pdir);
    pdir[0] = 0;
    pdir[1] = 0;
    cpu_write_cr3(cpu_read_cr3());
}

static _Noreturn void boot_fail(const char *why)
{
    kprintf("boot failed: %s\n", why);
    if (ktest_active)
        ktest_finish();
    machine_exit(2);
}

void kmain(uint32_t magic, uint32_t mbi_pa)
{
    static struct boot_info bi;
    static struct boot_modules bm;
    char arg[32];

    serial_init();
    kprintf("\nL4 X.2 ia32 microkernel %s, built with %s\n", L4_VERSION_STRING, L4_COMPILER);
    gdt_init();
    idt_init();
    pic_init();
    fpu_init();
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC) {
        /* Direct Multiboot boot: modules are ELF files to load; the kernel
         * chooses its memory pool and writes the KIP descriptors itself. */
        multiboot_parse(mbi_pa, &bi);
        multiboot_print(&bi);
        if (!boot_load_modules(&bi, &bm))
            boot_fail("boot modules unusable");
        if (!pmem_init_top(pmem_ram_top(&bi), bm.avoid_lo, bm.avoid_hi))
            boot_fail("no room for the kernel memory pool");
    } else {
        /* Drop-in for an X.2 boot loader (ABI 7.1): it loaded the images,
         * patched the KIP and reserved the kernel's memory. */
        uint32_t lo, hi;
        kprintf("no Multiboot magic (eax=%08x): configured by an X.2 boot loader through the KIP\n",
                magic);
        multiboot_parse(kipboot_loader_mbi() ? kipboot_loader_mbi() : 0xFFFFFFFFu, &bi);
        kprintf("command line: \"%s\"\n", bi.cmdline);
        if (!kip_is_loader_patched(&kernel_kip) || !boot_modules_from_kip(&bm))
            boot_fail("the KIP was not patched by a boot loader (no sigma0)");
        if (!kipboot_loader_kmem(&lo, &hi) || !pmem_init_range(lo, hi + 1u))
            boot_fail("the boot loader reserved no usable kernel memory");
    }
    if (!paging_init() || !copy_init())
        boot_fail("out of kernel memory setting up paging");
    boot_unmap_identity();
    tss_install_high();
    timer_init();
    kprintf("clock: TSC at %u kHz\n", timer_tsc_khz());
    kprintf("kernel image %p-%p, kernel pool %08x-%08x (%u frames free)\n",
            (void *)_kernel_phys_start, (void *)_kernel_phys_end, pmem_pool_start(),
            pmem_pool_end(), pmem_free_frames());
    if (!kipboot_complete(&bi, &bm))
        boot_fail("KIP memory descriptors do not fit");
    if (!threads_init() || !irq_threads_init())
        boot_fail("out of kernel memory creating the idle and interrupt threads");
    if (!syscall_kip_init())
        boot_fail("system-call entry code does not fit the KIP");
    kipboot_print();

    if (cmdline_get(bi.cmdline, "test", arg, sizeof arg))
        selftest_run(arg, &bi, &bm, magic);
    if (cmdline_has(bi.cmdline, "testexit"))
        kdebug_set_test_exit(1);
    if (bm.count == 0) {
        kprintf("no boot modules: nothing to run; leaving QEMU.\n");
        machine_exit(0);
    }
    boot_start_servers(&bm);
}
