/*
 * Multiboot v1 entry. Runs at physical addresses with paging off: builds a
 * page directory of 4 MB pages that maps physical 0..8 MB 1:1 (for this
 * code) and physical 0..512 MB at KERNEL_VBASE, enables paging and jumps to
 * the kernel proper, which calls kmain(magic, mbi) on the boot stack.
 */
#include <arch/frame.h>
#include <arch/layout.h>

/* CPUID.1:EDX: PSE (3), TSC (4), MSR (5), SEP (11), CMOV (15) */
#define CPU_NEEDED  ((1 << 3) | (1 << 4) | (1 << 5) | (1 << 11) | (1 << 15))

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
    mov $(boot_stack_top - KERNEL_VBASE), %esp   /* (its physical address) */

    /* The CPU this kernel needs (a Pentium II or later): CPUID, then 4 MB
     * pages (PSE, below), TSC (the clock), MSRs and SYSENTER/SYSEXIT (the
     * Ipc entry) and CMOV (the compiler's -march=i686). Anything less stops
     * here with a message instead of faulting later. */
    pushf                           /* CPUID exists: EFLAGS.ID can be changed */
    pop %eax
    mov %eax, %ecx
    xor $EFLAGS_ID, %eax
    push %eax
    popf
    pushf
    pop %eax
    push %ecx
    popf
    xor %ecx, %eax
    test $EFLAGS_ID, %eax
    jz cpu_unsupported
    mov $1, %eax
    cpuid
    and $CPU_NEEDED, %edx
    cmp $CPU_NEEDED, %edx
    jne cpu_unsupported
    /* the Pentium Pro sets SEP without having SYSENTER (Intel SDM:
     * family 6, model < 3, stepping < 3 has none) */
    and $0xF0FFF, %eax              /* extended model, family, model, stepping */
    cmp $0x600, %eax
    jb cpu_ok
    cmp $0x623, %eax                /* from here on: model >= 3 (or extended) */
    jae cpu_ok
    and $0x0F, %eax                 /* family 6, model 0..2: the stepping */
    cmp $3, %eax
    jb cpu_unsupported
cpu_ok:

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

/* Print cpu_message on COM1 (polled, 115200 8N1 as serial_init sets it),
 * leave the emulator as boot_fail does (exit code 2: isa-debug-exit in
 * QEMU, the shutdown port in Bochs) or halt. */
cpu_unsupported:
    mov $COM1_PORT + 1, %dx
    xor %al, %al
    out %al, %dx                    /* no interrupts */
    mov $COM1_PORT + 3, %dx
    mov $0x80, %al
    out %al, %dx                    /* DLAB */
    mov $COM1_PORT, %dx
    mov $1, %al
    out %al, %dx                    /* divisor 1: 115200 baud */
    mov $COM1_PORT + 1, %dx
    xor %al, %al
    out %al, %dx
    mov $COM1_PORT + 3, %dx
    mov $0x03, %al
    out %al, %dx                    /* 8N1 */
    mov $cpu_message, %esi
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %ah
    mov $COM1_PORT + 5, %dx
2:  in %dx, %al                     /* wait until the transmitter is empty */
    test $0x20, %al
    jz 2b
    mov $COM1_PORT, %dx
    mov %ah, %al
    out %al, %dx
    jmp 1b
3:  mov $COM1_PORT + 5, %dx
4:  in %dx, %al                     /* the last byte out (Bochs ends at once) */
    test $0x40, %al
    jz 4b
    mov $DEBUG_EXIT_PORT, %dx
    mov $2, %eax
    out %eax, %dx
    mov $BOCHS_SHUTDOWN_PORT, %dx
    mov $cpu_shutdown, %esi
5:  lodsb
    test %al, %al
    jz 6f
    out %al, %dx
    jmp 5b
6:  cli
    hlt
    jmp 6b

cpu_message:
    .asciz "\r\nboot failed: this CPU lacks CPUID, PSE, TSC, MSRs, SYSENTER or CMOV (a Pentium II or later is needed)\r\n"
cpu_shutdown:
    .asciz "Shutdown"

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
