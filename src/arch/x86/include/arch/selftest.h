/* Kernel self-tests selected by "test=<name>" (QEMU tests of the boot path). */
#ifndef ARCH_SELFTEST_H
#define ARCH_SELFTEST_H

#include <arch/multiboot.h>

/* Run self-test `name`; ends the run (never returns). */
_Noreturn void selftest_run(const char *name, const struct boot_info *bi, uint32_t magic);

#endif
