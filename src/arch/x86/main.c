/*
 * Kernel start: console, segments, interrupt table, boot information, then
 * either a self-test selected by "test=<name>" on the command line (QEMU
 * tests) or the demo boot.
 */
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <arch/multiboot.h>
#include <arch/selftest.h>
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

void kmain(uint32_t magic, uint32_t mbi_pa)
{
    struct boot_info bi;

    serial_init();
    kprintf("\nL4 X.2 ia32 microkernel %s, built with %s\n", L4_VERSION_STRING, L4_COMPILER);
    gdt_init();
    idt_init();
    tss_set_esp0(0);
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC) {
        multiboot_parse(mbi_pa, &bi);
    } else {
        kprintf("not booted by Multiboot (eax=%08x): X.2 loader boot is not supported yet\n",
                magic);
        multiboot_parse(0xFFFFFFFFu, &bi);
    }
    boot_unmap_identity();
    multiboot_print(&bi);

    char test[32];
    if (cmdline_get(bi.cmdline, "test", test, sizeof test))
        selftest_run(test, &bi, magic);

    kprintf("boot complete: kernel image at physical %p..%p\n", (void *)_kernel_phys_start,
            (void *)_kernel_phys_end);
    kprintf("demo: nothing more to run yet; leaving QEMU.\n");
    machine_exit(0);
}
