/* Multiboot v1 information: parsing and printing (ABI 7 direct-boot path). */
#include <arch/layout.h>
#include <arch/multiboot.h>
#include <core/kprintf.h>

/* Kernel virtual pointer for physical address `pa` inside the direct map, or 0. */
static uint32_t mb_virt(uint32_t pa)
{
    return pa < DIRECTMAP_SIZE ? phys_to_virt(pa) : 0;
}

void multiboot_parse(uint32_t mbi_pa, struct boot_info *bi)
{
    const struct multiboot_info *mbi = (const void *)mb_virt(mbi_pa);

    bi->multiboot = mbi != 0;
    bi->cmdline = "";
    bi->mods_count = 0;
    bi->mods = 0;
    bi->mmap_length = 0;
    bi->mmap = 0;
    bi->mem_upper_kb = 0;
    if (!mbi)
        return;
    if ((mbi->flags & MBI_FLAG_CMDLINE) && mb_virt(mbi->cmdline))
        bi->cmdline = (const char *)mb_virt(mbi->cmdline);
    if ((mbi->flags & MBI_FLAG_MODS) && mb_virt(mbi->mods_addr)) {
        bi->mods_count = mbi->mods_count;
        bi->mods = (const void *)mb_virt(mbi->mods_addr);
    }
    if ((mbi->flags & MBI_FLAG_MMAP) && mb_virt(mbi->mmap_addr)) {
        bi->mmap_length = mbi->mmap_length;
        bi->mmap = (const void *)mb_virt(mbi->mmap_addr);
    }
    if (mbi->flags & MBI_FLAG_MEM)
        bi->mem_upper_kb = mbi->mem_upper;
}

static const char *mmap_type_name(uint32_t type)
{
    switch (type) {
    case 1: return "available";
    case 2: return "reserved";
    case 3: return "ACPI reclaimable";
    case 4: return "ACPI NVS";
    case 5: return "bad";
    default: return "other";
    }
}

void multiboot_print(const struct boot_info *bi)
{
    kprintf("command line: \"%s\"\n", bi->cmdline);
    if (!bi->mmap) {
        kprintf("memory map: none (upper memory %u KB)\n", bi->mem_upper_kb);
    } else {
        kprintf("memory map:\n");
        uint32_t off = 0;
        while (off + sizeof(struct multiboot_mmap) <= bi->mmap_length + 4) {
            const struct multiboot_mmap *e = (const void *)((uintptr_t)bi->mmap + off);
            uint64_t end = e->addr + e->len - 1;
            kprintf("  %08llx-%08llx %s\n", (unsigned long long)e->addr,
                    (unsigned long long)end, mmap_type_name(e->type));
            off += e->size + 4;
        }
    }
    kprintf("modules: %u\n", bi->mods_count);
    for (uint32_t i = 0; i < bi->mods_count; i++) {
        const struct multiboot_module *m = &bi->mods[i];
        const char *name = mb_virt(m->string) ? (const char *)mb_virt(m->string) : "";
        kprintf("  module %u: %08x-%08x %s\n", i, m->start, m->end, name);
    }
}

/* The position after `word` where it starts a word of `cmdline` and is
 * followed by `term` (' ' also matches the end of the line), or NULL. */
static const char *cmdline_find(const char *cmdline, const char *word, char term)
{
    for (const char *p = cmdline; *p; p++) {
        if (p != cmdline && p[-1] != ' ')
            continue;
        const char *w = word, *q = p;
        while (*w && *q == *w) {
            w++;
            q++;
        }
        if (!*w && (*q == term || (term == ' ' && *q == '\0')))
            return q;
    }
    return 0;
}

int cmdline_get(const char *cmdline, const char *key, char *buf, unsigned size)
{
    const char *q = cmdline_find(cmdline, key, '=');
    if (!q)
        return 0;
    q++;
    unsigned n = 0;
    while (*q && *q != ' ' && n + 1 < size)
        buf[n++] = *q++;
    buf[n] = '\0';
    return 1;
}

int cmdline_has(const char *cmdline, const char *word)
{
    return cmdline_find(cmdline, word, ' ') != 0;
}
