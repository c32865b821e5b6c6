/* ELF32 loader for boot modules (ABI 7.1 step 1 in the direct Multiboot path). */
#include <arch/elf.h>
#include <arch/layout.h>

struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define PT_LOAD 1

static const struct phdr *elf_phdr(const void *file, unsigned i)
{
    const struct ehdr *eh = file;
    return (const struct phdr *)((const uint8_t *)file + eh->phoff + i * eh->phentsize);
}

int elf_inspect(const void *file, uint32_t size, struct elf_image *img, const char **why)
{
    const struct ehdr *eh = file;
    if (size < sizeof *eh || eh->ident[0] != 0x7F || eh->ident[1] != 'E' ||
        eh->ident[2] != 'L' || eh->ident[3] != 'F') {
        *why = "not an ELF file";
        return 0;
    }
    if (eh->ident[4] != 1 || eh->ident[5] != 1 || eh->machine != 3 || eh->type != 2) {
        *why = "not an ELF32 little-endian i386 executable";
        return 0;
    }
    if (eh->phentsize < sizeof(struct phdr) || eh->phoff > size ||
        (uint64_t)eh->phnum * eh->phentsize > size - eh->phoff) {
        *why = "bad program headers";
        return 0;
    }
    img->entry = eh->entry;
    img->low = 0xFFFFFFFFu;
    img->high = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = elf_phdr(file, i);
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset ||
            (uint64_t)ph->paddr + ph->memsz > DIRECTMAP_SIZE) {
            *why = "segment outside the file or above the directly mapped memory";
            return 0;
        }
        if (ph->paddr < img->low)
            img->low = ph->paddr;
        if (ph->paddr + ph->memsz > img->high)
            img->high = ph->paddr + ph->memsz;
    }
    if (img->high == 0) {
        *why = "no loadable segment";
        return 0;
    }
    return 1;
}

void elf_load(const void *file, const struct elf_image *img)
{
    const struct ehdr *eh = file;
    (void)img;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = elf_phdr(file, i);
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        uint8_t *dst = (uint8_t *)phys_to_virt(ph->paddr);
        const uint8_t *src = (const uint8_t *)file + ph->offset;
        for (uint32_t b = 0; b < ph->filesz; b++)
            dst[b] = src[b];
        for (uint32_t b = ph->filesz; b < ph->memsz; b++)
            dst[b] = 0;
    }
}
