/* Start of every user program: own stack, main(), then stop in the kernel debugger. */
    .section .text.start, "ax"
    .global _start
_start:
    mov $crt0_stack_top, %esp
    xor %ebp, %ebp
    call main
1:  int3
    jmp 2f
    mov $crt0_exit_msg, %eax
2:  jmp 1b

    .section .rodata
crt0_exit_msg:
    .asciz "main() returned"

    .bss
    .align 16
    .space 16384
crt0_stack_top:
