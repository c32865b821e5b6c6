/* Multiboot v1 information structure (the parts the kernel reads). */
#ifndef ARCH_MULTIBOOT_H
#define ARCH_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

#define MBI_FLAG_MEM     (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MODS    (1u << 3)
#define MBI_FLAG_MMAP    (1u << 6)

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};

struct multiboot_module {
    uint32_t start, end;
    uint32_t string;
    uint32_t reserved;
};

/* One memory-map entry; `size` does not count itself. */
struct multiboot_mmap {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type;                 /* 1 = available RAM, other = E820 type */
} __attribute__((packed));

/* The boot information the rest of the kernel uses, parsed from the MBI. */
struct boot_info {
    int multiboot;                 /* booted by a Multiboot loader */
    const char *cmdline;           /* "" if none */
    uint32_t mods_count;
    const struct multiboot_module *mods;   /* kernel virtual */
    uint32_t mmap_length;
    const struct multiboot_mmap *mmap;     /* kernel virtual, NULL if none */
    uint32_t mem_upper_kb;
};

/* Parse the Multiboot information at physical `mbi_pa` (magic checked by the caller). */
void multiboot_parse(uint32_t mbi_pa, struct boot_info *bi);

/* Print the memory map and module list on the console. */
void multiboot_print(const struct boot_info *bi);

/* Value of "key=" in the command line (copied into buf, NUL-terminated), or 0 if absent. */
int cmdline_get(const char *cmdline, const char *key, char *buf, unsigned size);

/* True if the command line contains `word` as a whole word. */
int cmdline_has(const char *cmdline, const char *word);

#endif
