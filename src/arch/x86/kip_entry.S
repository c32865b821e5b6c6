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
.irp n, 0,1,2,3,4,5,6,7,8,9,10
entry_\n:
    int $(SYSCALL_VECTOR_BASE + \n)
    ret
    .align 8
.endr
kip_entry_end:

    .align 4
kip_entry_offsets:
.irp n, 0,1,2,3,4,5,6,7,8,9,10
    .long entry_\n - kip_entry_start
.endr
