/*
 * Boot of the initial servers from Multiboot modules (ABI 7.3): module 0 is
 * sigma0, module 1 the root task; their ELF images are loaded to their
 * physical addresses (linked virtual = physical).
 */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <arch/elf.h>
#include <arch/multiboot.h>
#include <stdint.h>

#define BOOT_MAX_MODULES 8

struct boot_modules {
    unsigned count;                        /* ELF modules inspected */
    struct elf_image img[BOOT_MAX_MODULES];
    uint32_t avoid_lo, avoid_hi;           /* physical range that boot data occupies */
};

/* Inspect and load the ELF modules; 0 with a message on the console if unusable. */
int boot_load_modules(const struct boot_info *bi, struct boot_modules *bm);

/* X.2 loader path: the images are already in memory; take sigma0 and the
 * root server from the KIP (ABI 7.1). 0 if the KIP names no sigma0. */
int boot_modules_from_kip(struct boot_modules *bm);

/* Run the initial servers; never returns. */
_Noreturn void boot_start_servers(const struct boot_modules *bm);

#endif
