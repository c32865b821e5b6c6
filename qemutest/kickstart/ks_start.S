/* Multiboot header and entry of the test loader (see ks.c). */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002
    .long 0x00000003
    .long -(0x1BADB002 + 0x00000003)

    .text
    .global ks_start
ks_start:
    cli
    mov $ks_stack_top, %esp
    push %ebx                 /* Multiboot information */
    push %eax                 /* magic */
    call ks_main
1:  hlt
    jmp 1b

    /* void ks_enter_kernel(uint32_t entry): no Multiboot magic, paging off. */
    .global ks_enter_kernel
ks_enter_kernel:
    mov 4(%esp), %ecx
    xor %eax, %eax
    xor %ebx, %ebx
    jmp *%ecx

    .bss
    .align 16
    .space 8192
ks_stack_top:
