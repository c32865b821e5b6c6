/* Kernel self-tests selected by "test=<name>" (QEMU tests of the boot path).
 * Only the test kernel (L4_TEST_KERNEL=1) has them; see arch/ktest.h. */
#ifndef ARCH_SELFTEST_H
#define ARCH_SELFTEST_H

#include <arch/boot.h>
#include <arch/multiboot.h>
#include <arch/ktest.h>
#include <core/kprintf.h>

#if L4_TEST_KERNEL

/* Run self-test `name`; ends the run (never returns). */
_Noreturn void selftest_run(const char *name, const struct boot_info *bi,
                            const struct boot_modules *bm, uint32_t magic);

/* Called on every timer tick while threads run (self-tests that watch time). */
void selftest_tick(void);

#else /* the production kernel: no self-tests */

/* (always inlined: not even a stub of the self-tests is linked) */
static inline __attribute__((always_inline)) _Noreturn void
selftest_run(const char *name, const struct boot_info *bi, const struct boot_modules *bm, uint32_t magic)
{
    (void)bi;
    (void)bm;
    (void)magic;
    kprintf("test=%s: this kernel has no self-tests (boot kernel-test.elf)\n", name);
    machine_exit(2u);
}

static inline __attribute__((always_inline)) void selftest_tick(void) {}

#endif
#endif
