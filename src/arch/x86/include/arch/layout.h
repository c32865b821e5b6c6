/*
 * Virtual memory layout of the kernel (usable from C and assembly).
 *
 *   0x00000000 .. 0xBFFFFFFF  user space (ABI 7.7)
 *   0xC0000000 .. 0xDFFFFFFF  physical memory 0..512 MB, mapped 1:1 + KERNEL_VBASE
 *                             (the kernel image is linked at KERNEL_VBASE + 1 MB)
 *   0xE0000000 .. 0xEFFFFFFF  TCB array: 2^16 threads x 4 KB (TID_NUMBER_BITS)
 *   0xF0000000 .. 0xF7FFFFFF  copy windows and other kernel mappings
 *   0xF8000000 .. 0xFBFFFFFF  small-space window (smallspace.c): user pages,
 *                             the same page tables in every page directory
 *   0xFFBFFF00                the TSS (its I/O bitmap offset reaches 0xFFC00000)
 *   0xFFC00000 .. 0xFFFFFFFF  per-space region (its own page table in every space):
 *       0xFFC00000 .. 0xFFC01FFF  this space's I/O permission bitmap
 *       0xFFC02000                0xFF terminator byte of the bitmap
 *       0xFFFFF000                user-readable page with the %gs:0 word (ABI 2.3)
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#define KERNEL_VBASE      0xC0000000
#define KERNEL_PBASE      0x00100000
#define DIRECTMAP_SIZE    0x20000000   /* 512 MB of physical memory directly mapped */
#define TCB_AREA_BASE     0xE0000000
#define USER_AREA_END     0xC0000000
#define SMALLSPACE_WINDOW_BASE 0xF8000000u
#define TSS_VADDR         0xFFBFFF00
#define PERSPACE_BASE     0xFFC00000
#define IOBITMAP_VADDR    0xFFC00000
#define IOBITMAP_BYTES    0x2000
#define UTCB_GS_VADDR     0xFFFFF000

/* Segment selectors (ABI 2.3: user CS 0x1B, user data 0x23, UTCB GS 0x2B). */
#define SEL_KCODE  0x08
#define SEL_KDATA  0x10
#define SEL_UCODE  0x1B
#define SEL_UDATA  0x23
#define SEL_UTCB   0x2B
#define SEL_TSS    0x30
#define SEL_DFTSS  0x38
#define GDT_ENTRIES 8

/* The serial console's I/O base (COM1: serial.c, and boot.S's CPU message). */
#define COM1_PORT 0x3F8

/* isa-debug-exit port used by tests and the demo (QEMU exits with (v << 1) | 1). */
#define DEBUG_EXIT_PORT 0xF4
/* Bochs leaves the simulation when the string "Shutdown" is written to this
 * port byte by byte (it has no isa-debug-exit; the verdict is on the serial
 * line). Nothing answers there on QEMU or on the usual PC. */
#define BOCHS_SHUTDOWN_PORT 0x8900

#ifndef __ASSEMBLER__
#include <stdint.h>
static inline uint32_t phys_to_virt(uint32_t pa) { return pa + KERNEL_VBASE; }
static inline uint32_t virt_to_phys(uint32_t va) { return va - KERNEL_VBASE; }
#endif

#endif
