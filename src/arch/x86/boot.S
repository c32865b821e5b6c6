/*
 * Multiboot v1 entry. Runs at physical addresses with paging off: builds a
 * page directory of 4 MB pages that maps physical 0..8 MB 1:1 (for this
 * code) and physical 0..512 MB at KERNEL_VBASE, enables paging and jumps to
 * the kernel proper, which calls kmain(magic, mbi) on the boot stack.
 */
#include <arch/layout.h>

#define MB_MAGIC  0x1BADB002
#define MB_FLAGS  0x00000003        /* page-align modules, provide memory info */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov %eax, %esi                  /* keep the Multiboot magic and info */
    mov %ebx, %edi

    /* zero the boot page directory */
    mov $boot_pdir, %ebx
    xor %ecx, %ecx
1:  movl $0, (%ebx,%ecx,4)
    inc %ecx
    cmp $1024, %ecx
    jne 1b

    /* identity 0..8 MB: PDE 0, 1 */
    movl $0x00000083, 0(%ebx)       /* present | writable | 4 MB */
    movl $0x00400083, 4(%ebx)

    /* direct map: PDE 768 + i -> physical i * 4 MB, i = 0..127 */
    xor %ecx, %ecx
    mov $0x00000083, %eax
2:  mov %eax, (KERNEL_VBASE >> 20)(%ebx,%ecx,4)
    add $0x00400000, %eax
    inc %ecx
    cmp $(DIRECTMAP_SIZE >> 22), %ecx
    jne 2b

    mov %cr4, %eax
    or $0x00000010, %eax            /* PSE: 4 MB pages */
    mov %eax, %cr4
    mov %ebx, %cr3
    mov %cr0, %eax
    or $0x80010000, %eax            /* PG | WP */
    mov %eax, %cr0

    lea higher_half, %eax
    jmp *%eax

    .section .boot.data, "aw"
    .align 4096
    .global boot_pdir
boot_pdir:
    .space 4096

    .text
higher_half:
    mov $boot_stack_top, %esp
    xor %ebp, %ebp
    push %edi                       /* mbi (physical) */
    push %esi                       /* magic */
    call kmain
3:  cli
    hlt
    jmp 3b

    .bss
    .align 4096
    .global boot_stack
boot_stack:
    .space 16384
    .global boot_stack_top
boot_stack_top:
