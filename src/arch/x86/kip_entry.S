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
/* Ipc and Lipc enter with sysenter: EBP (an output-only register of Ipc)
 * carries the caller's ESP; the kernel returns to entry_ipc_ret. */
entry_ipc:
    mov %esp, %ebp
    sysenter
entry_ipc_ret:
    ret
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
    .global kip_entry_ipc_ret_offset
kip_entry_ipc_ret_offset:
    .long entry_ipc_ret - kip_entry_start
