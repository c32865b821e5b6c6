/*
 * The one register frame shared by the assembly entry stubs and C.
 * Built on the kernel stack on every entry (exception, interrupt, system
 * call): the CPU pushes eip..ss, the stub pushes error/vector, pusha and the
 * data segment registers. Offsets are defined once here and checked against
 * the struct with _Static_assert.
 */
#ifndef ARCH_FRAME_H
#define ARCH_FRAME_H

/* The data selectors are pushed with 16-bit pushes (pushw), two per word:
 * the sysenter entry checks each pair with one compare (FRAME_GS_FS,
 * FRAME_ES_DS, below). */
#define FRAME_GS      0x00
#define FRAME_FS      0x02
#define FRAME_ES      0x04
#define FRAME_DS      0x06
#define FRAME_EDI     0x08
#define FRAME_ESI     0x0C
#define FRAME_EBP     0x10
#define FRAME_KESP    0x14   /* esp as saved by pusha; ignored by popa */
#define FRAME_EBX     0x18
#define FRAME_EDX     0x1C
#define FRAME_ECX     0x20
#define FRAME_EAX     0x24
#define FRAME_VECTOR  0x28
#define FRAME_ERROR   0x2C
#define FRAME_EIP     0x30
#define FRAME_CS      0x34
#define FRAME_EFLAGS  0x38
#define FRAME_USP     0x3C   /* present only when entered from user mode */
#define FRAME_USS     0x40
#define FRAME_SIZE    0x44
/* The words FRAME_GS (GS, FS) and FRAME_ES (ES, DS) read as one. */
#define FRAME_GS_FS   FRAME_GS
#define FRAME_ES_DS   FRAME_ES
/* sizeof(struct switch_frame) (arch/context.h) */
#define SWITCH_FRAME_SIZE 0x14
/* Offset of a thread's user frame in its TCB, USER_FRAME_OFFSET
 * (arch/context.h), for the assembler: TCB_SIZE - FRAME_SIZE. */
#define FRAME_TCB_OFFSET  0xFBC

/* The vector slot of a frame that the sysenter entry pushed: every exit
 * through iret stores it (trap_exit), every other entry overwrites it
 * with a vector, and the sysenter entry leaves it. So a frame whose slot
 * holds it is that of a thread in user mode (the running one) or in a
 * sysenter Ipc, which the entry pushed with pusha alone (three stores
 * fewer), so that for the latter:
 *  - its flags are EFLAGS_FIXED | EFLAGS_IF (0x202) whatever its EFLAGS
 *    slot holds (frame_flags);
 *  - its EIP and ESP are in the EBX and EBP slots (FRAME_SYSENTER_EIP,
 *    FRAME_SYSENTER_USP: the KIP's entry code hands them over in those
 *    registers, which Ipc takes no input in), not in their own
 *    (frame_user_ip, frame_user_sp). Every way out moves them there
 *    before it writes the outputs EBX and EBP or leaves through iret
 *    (ipc_fast_resume, iret_outputs, sysenter_declined), but for the
 *    fast path's sysexit, which reads them where they are
 *    (leave_with_outputs); so do ExchangeRegisters that sets SP, IP or
 *    flags, which then writes another vector (arch_user_regs_set).
 * After ipc_fast_resume has moved them, both readings agree until
 * ipc_sysenter_resume writes the outputs, and the thread leaves right
 * after that. No vector is this large. */
#define FRAME_VECTOR_SYSENTER 0xFFFFFFFF   /* (no suffix: the assembler reads it too) */
#define FRAME_SYSENTER_EIP FRAME_EBX
#define FRAME_SYSENTER_USP FRAME_EBP

/* EFLAGS bits the entry paths care about. */
#define EFLAGS_FIXED  0x00000002   /* bit 1 always reads 1 */
#define EFLAGS_TF     0x00000100
#define EFLAGS_IF     0x00000200
#define EFLAGS_DF     0x00000400
#define EFLAGS_IOPL   0x00003000
#define EFLAGS_NT     0x00004000
#define EFLAGS_RF     0x00010000
#define EFLAGS_AC     0x00040000
#define EFLAGS_ID     0x00200000

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct frame {
    uint16_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, kesp, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t usp, uss;
};

_Static_assert(offsetof(struct frame, gs) == FRAME_GS, "frame layout");
_Static_assert(offsetof(struct frame, fs) == FRAME_FS, "frame layout");
_Static_assert(offsetof(struct frame, es) == FRAME_ES, "frame layout");
_Static_assert(offsetof(struct frame, ds) == FRAME_DS, "frame layout");
_Static_assert(offsetof(struct frame, edi) == FRAME_EDI, "frame layout");
_Static_assert(offsetof(struct frame, esi) == FRAME_ESI, "frame layout");
_Static_assert(offsetof(struct frame, ebp) == FRAME_EBP, "frame layout");
_Static_assert(offsetof(struct frame, kesp) == FRAME_KESP, "frame layout");
_Static_assert(offsetof(struct frame, ebx) == FRAME_EBX, "frame layout");
_Static_assert(offsetof(struct frame, edx) == FRAME_EDX, "frame layout");
_Static_assert(offsetof(struct frame, ecx) == FRAME_ECX, "frame layout");
_Static_assert(offsetof(struct frame, eax) == FRAME_EAX, "frame layout");
_Static_assert(offsetof(struct frame, vector) == FRAME_VECTOR, "frame layout");
_Static_assert(offsetof(struct frame, error) == FRAME_ERROR, "frame layout");
_Static_assert(offsetof(struct frame, eip) == FRAME_EIP, "frame layout");
_Static_assert(offsetof(struct frame, cs) == FRAME_CS, "frame layout");
_Static_assert(offsetof(struct frame, eflags) == FRAME_EFLAGS, "frame layout");
_Static_assert(offsetof(struct frame, usp) == FRAME_USP, "frame layout");
_Static_assert(offsetof(struct frame, uss) == FRAME_USS, "frame layout");
_Static_assert(sizeof(struct frame) == FRAME_SIZE, "frame layout");

/* The user flags of frame `f` (FRAME_VECTOR_SYSENTER: 0x202, else its slot). */
static inline uint32_t frame_flags(const struct frame *f)
{
    return f->vector == FRAME_VECTOR_SYSENTER ? (EFLAGS_FIXED | EFLAGS_IF) : f->eflags;
}

/* The user EIP and ESP of frame `f`, a thread's user frame that the
 * thread is not running on (FRAME_VECTOR_SYSENTER: the EBX and EBP slots,
 * else their own). */
static inline uint32_t frame_user_ip(const struct frame *f)
{
    return f->vector == FRAME_VECTOR_SYSENTER ? f->ebx : f->eip;
}

static inline uint32_t frame_user_sp(const struct frame *f)
{
    return f->vector == FRAME_VECTOR_SYSENTER ? f->ebp : f->usp;
}

/* True when the frame was pushed on entry from user mode (CPL 3). */
static inline int frame_from_user(const struct frame *f) { return (f->cs & 3u) == 3u; }

/* The C side of every entry stub; defined in trap.c. */
void trap_entry(struct frame *f);
#endif

#endif
