/*
 * Register-integrity storm: every thread running this code fills EAX..EBP
 * and ESP with patterns derived from its global ID (MyGlobalId, read via
 * %gs:0) and checks them forever. Preemption by the timer switches between
 * such threads in two address spaces; a register that comes back changed
 * (or a wrong %gs:0 / segment register) ends in ud2, which the kernel's
 * storm self-test reports as a failure.
 */
    .section .text.start, "ax"
    .global _start
_start:
    mov %gs:0, %eax
    mov -60(%eax), %eax          /* MyGlobalId */
    mov %eax, %ebx
    xor $0x11111111, %ebx
    mov %eax, %ecx
    xor $0x22222222, %ecx
    mov %eax, %edx
    xor $0x33333333, %edx
    mov %eax, %esi
    xor $0x44444444, %esi
    mov %eax, %edi
    xor $0x55555555, %edi
    mov %eax, %ebp
    xor $0x66666666, %ebp
    mov %eax, %esp
    xor $0x77777777, %esp
check:
.irp reg, ebx, ecx, edx, esi, edi, ebp, esp
    xor %eax, %\reg
.endr
    cmp $0x11111111, %ebx
    jne fail
    cmp $0x22222222, %ecx
    jne fail
    cmp $0x33333333, %edx
    jne fail
    cmp $0x44444444, %esi
    jne fail
    cmp $0x55555555, %edi
    jne fail
    cmp $0x66666666, %ebp
    jne fail
    cmp $0x77777777, %esp
    jne fail
.irp reg, ebx, ecx, edx, esi, edi, ebp, esp
    xor %eax, %\reg
.endr
    mov %ds, %ebx                /* segment registers as the ABI fixes them */
    cmp $0x23, %bx
    jne fail
    mov %gs, %ebx
    cmp $0x2B, %bx
    jne fail
    mov %eax, %ebx
    xor $0x11111111, %ebx
    jmp check
fail:
    ud2
