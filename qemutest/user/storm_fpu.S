/*
 * FPU/SSE storm: like storm.S, but the patterns live in XMM0..XMM7 (state
 * the kernel switches lazily through #NM and FXSAVE/FXRSTOR). A register
 * that comes back with another thread's value ends in ud2.
 */
    .section .text.start, "ax"
    .global _start
_start:
    mov %gs:0, %eax
    mov -60(%eax), %eax          /* MyGlobalId */
.irp n, 0,1,2,3,4,5,6,7
    mov %eax, %ebx
    xor $(0x01010101 * (\n + 1)), %ebx
    movd %ebx, %xmm\n
.endr
check:
.irp n, 0,1,2,3,4,5,6,7
    movd %xmm\n, %ebx
    xor $(0x01010101 * (\n + 1)), %ebx
    cmp %eax, %ebx
    jne fail
.endr
    jmp check
fail:
    ud2
