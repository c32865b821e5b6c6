/* GDT, TSS and IDT setup (gdt.c, idt.c). */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/layout.h>

/* 32-bit TSS (Intel SDM vol. 3, 8.2.1). */
struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS size");

extern struct tss kernel_tss;

/* The SYSENTER_ESP MSR points at the link field of the TSS (at its
 * link-time address), which holds the kernel's flags, SYSENTER_FLAGS: the
 * sysenter entry's first instruction pops them, its second loads ESP from
 * esp0, the next word, so one store (tss_set_esp0) serves both entries.
 * The link field is otherwise unused: the kernel never returns from a
 * nested task (NT is clear whenever it runs), and the CPU writes the link
 * of a task it switches to, never of the one it leaves (the double-fault
 * task's). A #DB (user TF) or an NMI taken on the entry's first
 * instruction pushes its frame into the unused TSS page below; an NMI on
 * the second over the link field, with the flags just popped. */
#define SYSENTER_ESP_VADDR TSS_VADDR
#define SYSENTER_FLAGS     0x00000002u      /* EFLAGS_FIXED (frame.h) */
_Static_assert(__builtin_offsetof(struct tss, link) == 0 && __builtin_offsetof(struct tss, esp0) == 4,
               "the TSS's first words are link and esp0");

/* Load GDT (kernel/user code and data, UTCB GS, TSS, double-fault TSS), TR and
 * a null LDT (LDT selectors fault). */
void gdt_init(void);

/* The TSS in use (tss_current()). */
extern struct tss *tss_active;

/* Kernel stack used on the next entry from user mode (int and sysenter).
 * Only after tss_install_high() (threads run only later): the TSS is at
 * its link-time address TSS_VADDR then. */
static inline __attribute__((always_inline)) void tss_set_esp0(uint32_t esp0)
{
    ((volatile struct tss *)TSS_VADDR)->esp0 = esp0;
}

/* User code/data descriptors (0x1B/0x23): base, limit in bytes (4 KB granular). */
void gdt_set_user(uint32_t base, uint32_t limit);

/* The two descriptors gdt_set_user() would write, computed ahead ... */
void gdt_user_make(uint32_t base, uint32_t limit, uint64_t desc[2]);

/* ... and written into the GDT. */
void gdt_user_load(const uint64_t desc[2]);

/* The TSS I/O bitmap (the per-space one at IOBITMAP_VADDR) in force, or no port at all. */
void tss_set_io(bool on);

/* Move the TSS to TSS_VADDR so that its I/O bitmap is the per-space one at
 * IOBITMAP_VADDR (after paging_init). */
void tss_install_high(void);

/* The TSS in use. */
struct tss *tss_current(void);

/* Load the IDT: exceptions as interrupt gates (int3 user-callable), #DF as task gate. */
void idt_init(void);

#endif
