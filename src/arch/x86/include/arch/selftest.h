/* Kernel self-tests selected by "test=<name>" (QEMU tests of the boot path). */
#ifndef ARCH_SELFTEST_H
#define ARCH_SELFTEST_H

#include <arch/boot.h>
#include <arch/multiboot.h>

/* Run self-test `name`; ends the run (never returns). */
_Noreturn void selftest_run(const char *name, const struct boot_info *bi,
                            const struct boot_modules *bm, uint32_t magic);

/* Called on every timer tick while threads run (self-tests that watch time). */
void selftest_tick(void);

#endif
