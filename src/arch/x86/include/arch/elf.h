/* Loading ELF32 i386 executables (boot modules) to their physical addresses. */
#ifndef ARCH_ELF_H
#define ARCH_ELF_H

#include <stdint.h>

struct elf_image {
    uint32_t entry;            /* e_entry */
    uint32_t low, high;        /* extent of the loaded segments: [low, high) physical */
};

/* Check the image at kernel address `file` (size bytes) and describe its
 * loadable extent without loading it. Returns 0 and a reason if unusable. */
int elf_inspect(const void *file, uint32_t size, struct elf_image *img, const char **why);

/* Copy the PT_LOAD segments to their physical addresses and zero their bss. */
void elf_load(const void *file, const struct elf_image *img);

#endif
