/*
 * A minimal stand-in for an X.2 boot loader such as kickstart (ABI 7.1),
 * used only to test the kernel as a drop-in: booted by QEMU with the
 * modules kernel, sigma0[, root task], it ELF-loads them to their physical
 * addresses, finds the KIP in the kernel image by its magic, writes the
 * memory descriptors a loader writes (ABI 3.6 items 1-5), the sigma0 and
 * root-server fields and BootInfo (its Multiboot information, as
 * kickstart's mbi=yes), reserves kernel memory, and jumps to the kernel's
 * entry with paging off and no Multiboot magic in EAX.
 */
#include <stdint.h>

#define KIP_MAGIC 0x4BE6344Cu
#define KMEM_LOW  0x05000000u      /* reserved kernel memory: 16 MB at 80 MB */
#define KMEM_HIGH 0x06000000u

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4], mmap_length, mmap_addr;
};
struct mb_module { uint32_t start, end, string, reserved; };
struct mb_mmap { uint32_t size; uint64_t addr, len; uint32_t type; } __attribute__((packed));
struct ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct phdr { uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align; };
struct image { uint32_t low, high, entry; };

void ks_main(uint32_t magic, const struct mb_info *mbi);
_Noreturn void ks_enter_kernel(uint32_t entry);

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* COM1 at 115200 baud, 8N1, as the kernel sets it: a BIOS and GRUB leave
 * the line in any state (after a reset it sends 5-bit characters). */
static void serial_init(void)
{
    outb(0x3F9, 0x00);              /* no interrupts */
    outb(0x3FB, 0x80);              /* DLAB */
    outb(0x3F8, 0x01);              /* divisor 1 */
    outb(0x3F9, 0x00);
    outb(0x3FB, 0x03);              /* 8N1 */
}

static void put(const char *s)
{
    for (; *s; s++) {
        while (!(inb(0x3FD) & 0x20))
            ;
        outb(0x3F8, (uint8_t)*s);
    }
}

static _Noreturn void fail(const char *why)
{
    put("ks: ");
    put(why);
    put("\n[TEST:FAIL] kickstart: loader failed\n[TEST:SUMMARY] passed=0 failed=1\n[TEST:EXIT] 1\n");
    __asm__ volatile("outl %0, %1" : : "a"(1u), "Nd"((uint16_t)0xF4));
    for (;;)
        __asm__ volatile("hlt");
}

/* Load one ELF32 image to its physical addresses. */
static struct image load_elf(const struct mb_module *m)
{
    const struct ehdr *eh = (const struct ehdr *)m->start;
    struct image img = { 0xFFFFFFFFu, 0, eh->entry };
    if (eh->ident[0] != 0x7F || eh->ident[1] != 'E' || eh->machine != 3)
        fail("module is not an i386 ELF file");
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct phdr *ph = (const struct phdr *)(m->start + eh->phoff + i * eh->phentsize);
        if (ph->type != 1 || ph->memsz == 0)
            continue;
        uint8_t *dst = (uint8_t *)ph->paddr;
        const uint8_t *src = (const uint8_t *)(m->start + ph->offset);
        for (uint32_t b = 0; b < ph->memsz; b++)
            dst[b] = b < ph->filesz ? src[b] : 0;
        if (ph->paddr < img.low)
            img.low = ph->paddr;
        if (ph->paddr + ph->memsz > img.high)
            img.high = ph->paddr + ph->memsz;
    }
    return img;
}

static uint32_t *kip, *desc;
static unsigned ndesc;

static void add_desc(unsigned type, unsigned sub, uint32_t low, uint32_t high_incl)
{
    desc[2 * ndesc] = (low & ~0x3FFu) | (sub << 4) | type;
    desc[2 * ndesc + 1] = high_incl & ~0x3FFu;
    ndesc++;
}

/* Copy the first `n` modules above every module and above STAGE_LOW (16 MB
 * above this loader's own image, ks.ld) and point their entries at the
 * copies. A loader such as GRUB puts the modules right behind this loader,
 * where the images' own physical addresses (the kernel's 1 MB and up) may
 * lie; QEMU's -kernel puts them high. The copies never overlap a source:
 * they start above the highest one. */
#define STAGE_LOW 0x03000000u
static void stage_modules(struct mb_module *mods, unsigned n)
{
    uint32_t at = STAGE_LOW, need = 0;
    for (unsigned i = 0; i < n; i++) {
        if (mods[i].end > at)
            at = mods[i].end;
        need += ((mods[i].end - mods[i].start) + 0xFFFu) & ~0xFFFu;
    }
    at = (at + 0xFFFu) & ~0xFFFu;
    if (at + need > KMEM_LOW)
        fail("the modules do not fit below the kernel memory");
    for (unsigned i = 0; i < n; i++) {
        uint32_t len = mods[i].end - mods[i].start;
        const uint8_t *src = (const uint8_t *)mods[i].start;
        uint8_t *dst = (uint8_t *)at;
        for (uint32_t b = 0; b < len; b++)
            dst[b] = src[b];
        mods[i].start = at;
        mods[i].end = at + len;
        at = (at + len + 0xFFFu) & ~0xFFFu;
    }
}

void ks_main(uint32_t magic, const struct mb_info *mbi)
{
    serial_init();
    put("ks: test X.2 boot loader\n");
    if (magic != 0x2BADB002u || !(mbi->flags & (1u << 3)) || mbi->mods_count < 2)
        fail("need Multiboot with at least the modules kernel and sigma0");
    struct mb_module *mods = (struct mb_module *)mbi->mods_addr;
    struct image img[4];
    unsigned n = mbi->mods_count < 4 ? mbi->mods_count : 4;
    stage_modules(mods, n);
    for (unsigned i = 0; i < n; i++)
        img[i] = load_elf(&mods[i]);

    for (uint32_t a = img[0].low & ~0xFFFu; a + 8 <= img[0].high && !kip; a += 4) {
        const uint32_t *w = (const uint32_t *)a;
        if (w[0] == KIP_MAGIC && w[1] != 0)
            kip = (uint32_t *)a;
    }
    if (!kip || (kip[0x54 / 4] >> 16) == 0)
        fail("no KIP with a memory-descriptor pointer in the kernel image");
    desc = (uint32_t *)((uint32_t)kip + (kip[0x54 / 4] >> 16));

    add_desc(0x4, 0, 0, 0xFFFFFFFFu);                              /* everything shared */
    for (uint32_t off = 0; (mbi->flags & (1u << 6)) && off < mbi->mmap_length;) {
        const struct mb_mmap *e = (const struct mb_mmap *)(mbi->mmap_addr + off);
        off += e->size + 4;
        if (e->addr >= 0x100000000ull)
            continue;
        uint64_t end = e->addr + e->len;
        if (end > 0x100000000ull)
            end = 0x100000000ull;
        if (e->type == 1)
            add_desc(0x1, 0, (uint32_t)e->addr, (uint32_t)(end - 1));
        else
            add_desc(0xF, e->type & 0xF, (uint32_t)e->addr, (uint32_t)(end - 1));
    }
    add_desc(0x2, 0, KMEM_LOW, KMEM_HIGH - 1);                     /* kernel memory */
    add_desc(0x4, 0, 0xA0000, 0xBFFFF);
    add_desc(0x4, 0, 0xC0000, 0xEFFFF);
    for (unsigned i = 1; i < n; i++)
        add_desc(0xE, i <= 2 ? 2 : 3, img[i].low, img[i].high - 1);
    kip[0x54 / 4] = (kip[0x54 / 4] & 0xFFFF0000u) | ndesc;
    kip[0x24 / 4] = img[1].entry;                                  /* sigma0 ip, low, high */
    kip[0x28 / 4] = img[1].low;
    kip[0x2C / 4] = img[1].high;
    if (n > 2) {
        kip[0x44 / 4] = img[2].entry;                              /* root server */
        kip[0x48 / 4] = img[2].low;
        kip[0x4C / 4] = img[2].high;
    }
    kip[0xB8 / 4] = (uint32_t)mbi;                                 /* BootInfo (mbi=yes) */
    put("ks: KIP patched, entering the kernel\n");
    ks_enter_kernel(img[0].entry);
}
