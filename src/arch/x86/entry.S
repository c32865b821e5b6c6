/*
 * Entry stubs: one per vector, macro generated. Each pushes a dummy error
 * code where the CPU pushes none, then its vector number, and jumps to the
 * one common save path, which completes struct frame (arch/frame.h) and
 * calls trap_entry(frame). The common exit restores the frame and irets.
 */
#include <arch/frame.h>
#include <arch/layout.h>
#include <arch/syscall.h>

.macro VEC_NOERR n
    .global vec_\n
vec_\n:
    push $0
    push $\n
    jmp trap_common
.endm

.macro VEC_ERR n
    .global vec_\n
vec_\n:
    push $\n
    jmp trap_common
.endm

    .text
    VEC_NOERR 0
    /* #DB: a single-step trap raised by `sysenter` itself (user TF set)
     * arrives at CPL 0 with EIP = sysenter_entry, on the sysenter scratch
     * stack. Resume the entry with TF cleared; the user's TF is dropped
     * for this system call (its frame's flags are 0x202: frame.h). */
    .global vec_1
vec_1:
    cmpl $sysenter_entry, (%esp)
    je 2f
    cmpl $sysenter_entry_small, (%esp)
    jne 1f
2:  cmpl $SEL_KCODE, 4(%esp)
    jne 1f
    andl $~EFLAGS_TF, 8(%esp)
    iret
1:  push $0
    push $1
    jmp trap_common
    VEC_NOERR 2
    VEC_NOERR 3
    VEC_NOERR 4
    VEC_NOERR 5
    VEC_NOERR 6
    VEC_NOERR 7
    VEC_ERR   8
    VEC_NOERR 9
    VEC_ERR   10
    VEC_ERR   11
    VEC_ERR   12
    VEC_ERR   13
    VEC_ERR   14
    VEC_NOERR 15
    VEC_NOERR 16
    VEC_ERR   17
    VEC_NOERR 18
    VEC_NOERR 19
    VEC_NOERR 20
    VEC_ERR   21
    VEC_NOERR 22
    VEC_NOERR 23
    VEC_NOERR 24
    VEC_NOERR 25
    VEC_NOERR 26
    VEC_NOERR 27
    VEC_NOERR 28
    VEC_ERR   29
    VEC_ERR   30
    VEC_NOERR 31
    .irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58
    VEC_NOERR \n
    .endr

/*
 * sysenter from the KIP's Ipc entry: interrupts are off, ESP = the
 * SYSENTER_ESP MSR = the TSS's esp0 field (SYSENTER_ESP_VADDR), EBX =
 * the caller's return address and EBP = its ESP after that return (the KIP
 * code popped it). EFLAGS are the user's but IF/VM/RF: the kernel runs with
 * all of them clear (NT would turn a later iret of any thread into a task
 * return, DF would reverse string instructions, TF was handled by vec_1).
 *
 * Of the struct frame only the registers and selectors are pushed (no
 * segment loads: the kernel runs on the user's flat selectors, see
 * gdt_init), EIP and ESP with them in the EBX and EBP slots (frame.h).
 * The rest is known or not read: the error slot is read only by the
 * general entry after sysenter_declined, which writes it; the vector slot
 * holds FRAME_VECTOR_SYSENTER already (frame.h: every exit through iret
 * stores it, trap_exit, and every exit through sysexit leaves a frame
 * that holds it), which says where EIP and ESP are and what the EFLAGS
 * slot would hold: 0x202 (an Ipc returns with the arithmetic flags
 * clobbered, ABI 4.3, DF, TF, NT, AC and ID clear, IF set; frame_flags
 * reads it so, and each way out of a sysenter frame through iret stores
 * it first: sysenter_iret, iret_outputs, sysenter_declined); the CS slot
 * holds SEL_UCODE already: thread_init_user writes it, and every other
 * write of it is the CPU's entry from user mode, where CS can only be
 * SEL_UCODE (the one user code descriptor). With the flat data selectors
 * (the kernel's own) the whole call runs in C on this frame
 * (ipc_sysenter: the fast path, else the general one) and leaves with
 * sysexit; any other selector takes the general entry (trap_saved, which
 * loads the kernel's). Once a space has been small, SYSENTER_EIP is
 * sysenter_entry_small instead.
 */
/* EIP and ESP of a frame the sysenter entry pushed from the EBX and EBP
 * slots (FRAME_SYSENTER_EIP/USP, frame.h) to their own, through register
 * \scratch; every way out but the fast path's sysexit does this first. */
.macro SYSENTER_IP_SP_TO_SLOTS scratch
    mov FRAME_SYSENTER_EIP(%esp), \scratch
    mov \scratch, FRAME_EIP(%esp)
    mov FRAME_SYSENTER_USP(%esp), \scratch
    mov \scratch, FRAME_USP(%esp)
.endm

.macro SYSENTER_FRAME
    /* The kernel's flags (TF, IF, DF, IOPL, NT, AC, ID clear): the TSS's
     * link word, EFLAGS_FIXED, where SYSENTER_ESP points (desc.h); ESP
     * then points at esp0, the kernel stack of the thread. */
    popf
    mov (%esp), %esp
    /* Only the registers: EIP and ESP stay in the EBX and EBP slots,
     * where pusha puts them (frame.h: FRAME_VECTOR_SYSENTER). The slots
     * above are not written: uss (SS after sysexit is SEL_UDATA, and
     * every way out of a sysenter frame through iret stores that first:
     * sysenter_iret, iret_outputs and sysenter_declined), usp and eip
     * (every way out moves them there first: ipc_fast_resume,
     * iret_outputs, sysenter_declined; leave_with_outputs reads them
     * where they are), eflags (implied, see above), cs (SEL_UCODE
     * already), error (read only after sysenter_declined), vector. */
    sub $28, %esp
    pusha
    pushw %ds
    pushw %es
    pushw %fs
    pushw %gs
.endm

    .global sysenter_entry
sysenter_entry:
    SYSENTER_FRAME
    /* DS/ES/FS/GS are still the user's: C may run on them (and a receiver
     * may leave with them) only when they are the flat user selectors;
     * anything else takes the general path, which loads the kernel's.
     * Until then only SS (ESP-based) memory is touched. (Two 16-bit
     * selectors per frame word: one compare per pair.) */
    cmpl $((SEL_UDATA << 16) | SEL_UTCB), FRAME_GS_FS(%esp)
    jne sysenter_declined
    cmpl $((SEL_UDATA << 16) | SEL_UDATA), FRAME_ES_DS(%esp)
    jne sysenter_declined
    /* ipc_sysenter (regparm(3): to, FromSpecifier, Timeouts in EAX, EDX,
     * ECX, still the user's) never returns: it leaves through
     * sysexit_exit. The call writes its return address, ipc_fast_resume
     * (the next instruction), into the return slot right below our frame,
     * which holds that value anyway; the C function's frame (register
     * pushes, locals) then covers the four register slots of the switch
     * frame there, which a fast-path context never reads back (ipc_switch_deferred makes
     * this switch frame the caller's context once its C frames are
     * dropped). */
    lea -FRAME_TCB_OFFSET(%esp), %ebx   /* the caller's TCB (its EIP, EBX, is saved) */
    call SYSENTER_SYM(ipc_sysenter)
    /* A thread blocked in the sysenter fast path is switched back to
     * here (switch_context popped the four unused register slots) with
     * ESP at its user frame: finish its Ipc and leave as below. The word
     * right below a user frame is the return slot of the fast-path
     * context, which always holds ipc_fast_resume (thread_init_user
     * writes it once, the call above the same value again): no other
     * code that runs with ESP at a user frame pushes into it. */
    .global ipc_fast_resume
ipc_fast_resume:
    /* The frame is as the entry pushed it: EIP and ESP from the EBX and
     * EBP slots to their own, before ipc_sysenter_resume writes the
     * outputs there (frame.h; the frame keeps its vector, so that both
     * readings agree until then, and nothing reads it after that but
     * the exit below) */
    SYSENTER_IP_SP_TO_SLOTS %eax
ipc_fast_resume_moved:
    mov %esp, %eax
    sub $4, %esp                    /* (the return slot) */
    call ipc_sysenter_resume
    add $4, %esp
    /* The call is done (the caller may have run others meanwhile): back
     * to user mode with sysexit unless something (ExchangeRegisters) gave
     * the frame flags that only iret can restore (and with them another
     * vector: frame.h). ESP: the frame. */
    .global sysexit_exit
sysexit_exit:
    cmpl $FRAME_VECTOR_SYSENTER, FRAME_VECTOR(%esp)
    jne sysenter_iret
    cmpl $0, %ss:smallspace_seen    /* small spaces: segments come from the GDT (iret) */
    jne sysenter_iret
    mov FRAME_EIP(%esp), %edx
    mov FRAME_USP(%esp), %ecx
    mov FRAME_EAX(%esp), %eax
    mov FRAME_ESI(%esp), %esi
    mov FRAME_EDI(%esp), %edi
    mov FRAME_EBX(%esp), %ebx
    mov FRAME_EBP(%esp), %ebp
    sti
    sysexit
/* The exit of a thread blocked in the sysenter fast path that the fast
 * path resumes (ipc_switch_deferred) once a space has been small: ESP its
 * frame, its Ipc outputs in EAX (from), ESI (MR0), EBX (MR1), ECX (MR2,
 * for EBP) and EDI (its UTCB pointer) go into the frame, then the iret exit of a sysenter frame
 * (as sysenter_iret below, but without its test of the flags). (Before,
 * the fast path leaves with sysexit straight from C: leave_with_outputs.) */
    .global iret_outputs
iret_outputs:
    SYSENTER_IP_SP_TO_SLOTS %edx     /* (first: EBX and EBP are written below) */
    mov %eax, FRAME_EAX(%esp)
    mov %esi, FRAME_ESI(%esp)
    mov %ebx, FRAME_EBX(%esp)
    mov %ecx, FRAME_EBP(%esp)
    mov %edi, FRAME_EDI(%esp)
    /* (as sysenter_iret below; its flags are 0x202: a fast context,
     * ipc_sysenter_regs_set) */
    movl $(EFLAGS_FIXED | EFLAGS_IF), FRAME_EFLAGS(%esp)
    movl $SEL_UDATA, FRAME_USS(%esp)
    jmp trap_exit
/* The iret exit of a sysenter frame, whose uss slot its entry left as it
 * was: SS becomes SEL_UDATA, as sysexit would make it; and its EFLAGS slot
 * too, unless ExchangeRegisters wrote it (then the vector is another:
 * frame.h): 0x202, as sysexit would leave them. */
sysenter_iret:
    movl $SEL_UDATA, FRAME_USS(%esp)
    cmpl $FRAME_VECTOR_SYSENTER, FRAME_VECTOR(%esp)
    jne trap_exit
    movl $(EFLAGS_FIXED | EFLAGS_IF), FRAME_EFLAGS(%esp)
    jmp trap_exit
/* ipc_fast_resume for a thread blocked in the fast path whose user
 * registers ExchangeRegisters set (ipc_sysenter_regs_set): its context
 * is a switch frame right below the fast one, so the frame lies that much
 * higher; its EIP and ESP are in their slots already (arch_user_regs_set).
 * sysexit_exit then leaves with iret (another vector: frame.h). */
    .global ipc_fast_resume_iret
ipc_fast_resume_iret:
    add $SWITCH_FRAME_SIZE, %esp
    jmp ipc_fast_resume_moved
/* The sysenter entry once a space has been small (smallspace_first sets
 * SYSENTER_EIP): the user's data selectors may be a small space's
 * segments, so the kernel loads its own (DS/ES; it uses no other) and
 * ipc_sysenter_small leaves through the iret exit, which reloads all four
 * from the frame of whoever runs next. */
    .global sysenter_entry_small
sysenter_entry_small:
    SYSENTER_FRAME
    mov %ss:seg_kernel_data, %ebx   /* (EBX, the return EIP, is saved) */
    mov %ebx, %ds
    mov %ebx, %es
    lea -FRAME_TCB_OFFSET(%esp), %ebx   /* EBX: the caller's TCB, as above */
    sub $SWITCH_FRAME_SIZE, %esp
    jmp SYSENTER_SYM(ipc_sysenter_small)   /* EAX, EDX, ECX (ESI, EDI) as above */

sysenter_declined:
    SYSENTER_IP_SP_TO_SLOTS %eax
    movl $SEL_UDATA, FRAME_USS(%esp)    /* (as sysenter_iret: this frame leaves through trap_exit) */
    movl $(EFLAGS_FIXED | EFLAGS_IF), FRAME_EFLAGS(%esp)   /* (the vector below is another) */
    movl $SYSENTER_DECLINED, FRAME_ERROR(%esp)
    movl $(SYSCALL_VECTOR_BASE + SYS_IPC), FRAME_VECTOR(%esp)
    jmp trap_saved


/* Every other entry: complete the frame; the kernel's data selectors are
 * the user's flat ones (DS/ES/FS = 0x23, GS = the UTCB selector), loaded
 * here because a user may enter with anything in them; once a space has
 * been small, the kernel's own (seg_kernel_data, smallspace.c). */
trap_common:
    pusha
    pushw %ds
    pushw %es
    pushw %fs
    pushw %gs
trap_saved:
    mov %ss:seg_kernel_data, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %fs
    mov $SEL_UTCB, %eax
    mov %eax, %gs
    cld
    mov %esp, %eax
    sub $4, %esp                    /* (the return slot, see ipc_fast_resume) */
    push %eax                       /* struct frame * */
    call trap_entry
    add $8, %esp
    .global trap_exit
trap_exit:
    testl $3, FRAME_CS(%esp)        /* back into the kernel: its data selector now */
    jnz 1f
    mov %ss:seg_kernel_data, %eax
    mov %ax, FRAME_DS(%esp)
    mov %ax, FRAME_ES(%esp)
    mov %ax, FRAME_FS(%esp)
    jmp 1f
    /* _Noreturn void trap_return(struct frame *f): leave through the exit path */
    .global trap_return
trap_return:
    mov 4(%esp), %esp
1:
    /* (a frame left through iret holds this vector until the next entry
     * writes one, which the sysenter entry does not: frame.h; the slot of
     * a nested kernel frame is dropped anyway) */
    movl $FRAME_VECTOR_SYSENTER, FRAME_VECTOR(%esp)
    popw %gs
    popw %fs
    popw %es
    popw %ds
    popa
    add $8, %esp                    /* vector, error */
    iret

/*
 * First run of a thread started by its pager: switch_context() returns here
 * with ESP at the thread's user frame; thread_start_user() fills in EIP/ESP
 * from the start message, then the common exit enters user mode.
 */
/* The first switch to a new thread (thread_init_user) returns here, with
 * one word between ESP and its user frame. */
    .global thread_first_exit
thread_first_exit:
    add $4, %esp
    jmp trap_exit

/* ... or here, once it has been given a start message (the same word). */
    .global thread_start_trampoline
thread_start_trampoline:
    lea 4(%esp), %eax               /* the frame; the word stays (return slot) */
    push %eax
    call thread_start_user
    add $8, %esp
    jmp trap_exit


    /* Table of stub addresses for the IDT setup in C. */
    .section .rodata
    .global vector_stubs
    .align 4
vector_stubs:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58
    .long vec_\n
    .endr
