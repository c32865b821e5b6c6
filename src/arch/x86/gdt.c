/*
 * Segments: the GDT with the selectors of ABI 2.3 (kernel 0x08/0x10 flat,
 * user code 0x1B and data 0x23 ending below the small-space window, or a
 * small space's slot (smallspace.c), UTCB GS 0x2B), the kernel TSS (esp0 of
 * the running thread) and a second TSS for the double-fault task, so that a
 * fault on a broken kernel stack is still reported instead of resetting
 * the machine. The LDT register is loaded with the null selector: left at
 * its reset state (base 0, limit 0xFFFF) it would make every LDT selector
 * read its descriptor from user address 0, so a space could install its own
 * call gate into ring 0. With a null LDT every LDT selector raises #GP.
 */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/frame.h>
#include <arch/layout.h>
#include <arch/trap.h>

struct tss kernel_tss;              /* boot-time TSS, until tss_install_high() */
struct tss *tss_active = &kernel_tss;
static struct tss df_tss;
static uint8_t df_stack[4096] __attribute__((aligned(16)));
static uint64_t gdt[GDT_ENTRIES];

/* A segment descriptor from base, limit (bytes or pages by `flags` G bit), access and flags. */
static uint64_t gdt_entry(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    uint64_t d = limit & 0xFFFFu;
    d |= (uint64_t)(base & 0xFFFFFFu) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xFu) << 48;
    d |= (uint64_t)(flags & 0xFu) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    return d;
}

/* No LDT: every selector with TI = 1 faults (#GP) instead of being looked up. */
static void ldt_load_null(void)
{
    __asm__ volatile("lldt %w0" : : "r"(0) : "memory");
}

_Static_assert(SYSENTER_FLAGS == EFLAGS_FIXED, "the sysenter entry's flags: all clear but the fixed bit");

void gdt_init(void)
{
    gdt[0] = 0;
    gdt[SEL_KCODE >> 3] = gdt_entry(0, 0xFFFFF, 0x9A, 0xC);
    gdt[SEL_KDATA >> 3] = gdt_entry(0, 0xFFFFF, 0x92, 0xC);
    gdt_set_user(0, 0xFFFFFFFFu);   /* flat; below the window once a space is small (smallspace.c) */
    gdt[SEL_UTCB >> 3] = gdt_entry(UTCB_GS_VADDR, 3, 0xF2, 0x4);
    gdt[SEL_TSS >> 3] = gdt_entry((uint32_t)(uintptr_t)&kernel_tss, sizeof kernel_tss - 1, 0x89, 0);
    gdt[SEL_DFTSS >> 3] = gdt_entry((uint32_t)(uintptr_t)&df_tss, sizeof df_tss - 1, 0x89, 0);

    kernel_tss.link = SYSENTER_FLAGS;        /* (the sysenter entry pops it: desc.h) */
    kernel_tss.ss0 = SEL_KDATA;
    kernel_tss.iomap_base = sizeof kernel_tss;   /* no IO bitmap yet: all user port access faults */

    df_tss.cr3 = cpu_read_cr3();
    df_tss.eip = (uint32_t)(uintptr_t)double_fault_task;
    df_tss.eflags = 0x2;
    df_tss.esp = (uint32_t)(uintptr_t)(df_stack + sizeof df_stack);
    df_tss.cs = SEL_KCODE;
    df_tss.ss = df_tss.ds = df_tss.es = SEL_KDATA;
    df_tss.iomap_base = sizeof df_tss;

    struct dtr d = { sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };
    cpu_lgdt(&d);
    cpu_reload_segments();
    cpu_ltr(SEL_TSS);
    /* The kernel runs with the user's flat data selectors in DS/ES/FS and
     * the UTCB selector in GS (a CPL-0 access may use DPL-3 data segments),
     * so that the sysenter fast path neither saves nor loads them. */
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %1, %%gs"
                     : : "r"(SEL_UDATA), "r"(SEL_UTCB));
    ldt_load_null();
}

void gdt_user_make(uint32_t base, uint32_t limit, uint64_t desc[2])
{
    desc[0] = gdt_entry(base, limit >> 12, 0xFA, 0xC);
    desc[1] = gdt_entry(base, limit >> 12, 0xF2, 0xC);
}

void gdt_user_load(const uint64_t desc[2])
{
    gdt[SEL_UCODE >> 3] = desc[0];
    gdt[SEL_UDATA >> 3] = desc[1];
}

void gdt_set_user(uint32_t base, uint32_t limit)
{
    uint64_t d[2];
    gdt_user_make(base, limit, d);
    gdt_user_load(d);
}

void tss_set_io(bool on)
{
    tss_active->iomap_base = on ? (uint16_t)(IOBITMAP_VADDR - TSS_VADDR) : 0xFFFFu;
}

struct tss *tss_current(void)
{
    return tss_active;
}

void tss_install_high(void)
{
    struct tss *high = (struct tss *)TSS_VADDR;
    *high = kernel_tss;
    high->iomap_base = (uint16_t)(IOBITMAP_VADDR - TSS_VADDR);
    uint32_t limit = IOBITMAP_VADDR - TSS_VADDR + IOBITMAP_BYTES;   /* includes the 0xFF byte */
    gdt[SEL_TSS >> 3] = gdt_entry(TSS_VADDR, limit, 0x89, 0);       /* available, not busy */
    tss_active = high;
    cpu_ltr(SEL_TSS);
}
