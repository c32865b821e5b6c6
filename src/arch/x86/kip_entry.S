/*
 * User-mode system-call entry code, copied into the KIP at boot (position
 * independent: it runs at every space's KIP address). The KIP link offset
 * of each call points at its label; libl4 jumps there with the return
 * address on the stack.
 */
#include <arch/syscall.h>

    .section .rodata
    .global kip_entry_start, kip_entry_end, kip_entry_offsets
    .align 16
kip_entry_start:
/* Ipc and Lipc enter with sysenter: EBX and EBP (output-only registers of
 * Ipc) carry the caller's return address and its ESP after the return; the
 * kernel goes straight back there (sysexit: EDX = EIP, ECX = ESP). */
entry_ipc:
    pop %ebx
    mov %esp, %ebp
    sysenter
    .align 8
.irp n, 0,1,2,3,6,7,8,9,10
entry_\n:
    int $(SYSCALL_VECTOR_BASE + \n)
    ret
    .align 8
.endr
kip_entry_end:

    .align 4
kip_entry_offsets:
.irp n, 0,1,2,3
    .long entry_\n - kip_entry_start
.endr
    .long entry_ipc - kip_entry_start          /* SYS_IPC */
    .long entry_ipc - kip_entry_start          /* SYS_LIPC */
.irp n, 6,7,8,9,10
    .long entry_\n - kip_entry_start
.endr
