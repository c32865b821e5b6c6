/* The kernel's KIP (core/kip.h) as initialised data in the image, and its boot-time completion. */
#ifndef ARCH_KIPBOOT_H
#define ARCH_KIPBOOT_H

#include <arch/boot.h>
#include <arch/multiboot.h>
#include <core/kip.h>

#define KIP_AREA_DEFAULT  0xBFF00000u   /* initial servers' KIP area (ABI 7.3) */
#define UTCB_AREA_DEFAULT 0xBF000000u   /* initial servers' UTCB area, 2^17 bytes */

extern struct kip kernel_kip;

/* Direct Multiboot path: write the descriptors and server fields a loader
 * would, unless a loader already patched the KIP; then complete it. */
int kipboot_complete(const struct boot_info *bi, const struct boot_modules *bm);

/* The kernel memory an X.2 loader reserved (the largest physical
 * reserved descriptor, inclusive bounds). 0 if there is none. */
int kipboot_loader_kmem(uint32_t *low, uint32_t *high);

/* The Multiboot information an X.2 loader passed in KIP.BootInfo (its
 * mbi=yes option), or 0 when BootInfo is 0 or the generic boot-info. */
uint32_t kipboot_loader_mbi(void);

/* Print the memory descriptors. */
void kipboot_print(void);

#endif
