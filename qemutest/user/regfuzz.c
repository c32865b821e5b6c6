/*
 * Register-state fuzzer (issue 8 deliverable 2). Root task (module 1) with
 * our sigma0 (module 0).
 *
 * A fuzzer thread F makes pseudo-random system calls (xorshift32, seed
 * printed) through every entry: the KIP's Ipc entry (sysenter), raw
 * `sysenter` (returning to EBX = our fz_back with EBP = ESP, or to a random
 * EBX with a random EBP, both outside our image),
 * the KIP entry of every other call, every raw `int $0x30+n`, random
 * `int n` on the other vectors (including `int $3`, i.e. a plain
 * breakpoint), and kdebug `int3; cmp $op, %al` operations. Every call gets
 * random values in all seven general registers (constrained only where a
 * correct kernel would legitimately stop the run: no call may block, delete,
 * redirect or reconfigure this task's threads or sigma0), random EFLAGS
 * (arithmetic flags, and of the mask FUZZ_EFLAGS_MASK: TF, DF, NT, AC, ID,
 * RF, IOPL and IF-clear attempts via popf), random DS/ES/FS/GS selectors,
 * random MR1..MR63 and BR0, and thread-ID arguments drawn from random
 * words, nil/any IDs, interrupt threads, kernel and reserved thread
 * numbers and user numbers near ours.
 *
 * Delayed preemption (ABI 5.15) runs under all of it: a ticker thread T of
 * a higher priority wakes every millisecond, so that the kernel preempts F
 * on its way back to user mode (after an `int` call or an interrupt, and
 * at the end of a sysenter Ipc) many times per second; before a quarter of
 * its calls F writes a random PreemptFlags byte (d, I and the rest), and a
 * quarter of its Schedule calls set its own PreemptionControl (random
 * sensitive priority and maximum delay; nothing else). The run must see
 * the kernel grant a delay (I set while d was) at least once. T's pager is
 * H, which maps back the pages of our image that F's Unmap calls take.
 *
 * After each call that returns, F checks what the ABI says survives: ESP,
 * DS/ES/FS/GS, EFLAGS.IF set, IOPL 0, DF clear after system calls (4.3) and
 * unchanged by kdebug (6.1: only the condition codes), and per call the preserved
 * registers of ABI 4.4 (ThreadSwitch: all; SystemClock: ECX EBX EBP;
 * Unmap: ECX; kdebug: all but EAX of ReadChar), and that an Ipc returns
 * EDI as F's UTCB pointer whatever it passed (ABI 4.4: the caller's UTCB
 * pointer; with the right one passed, preserved). Every 1024 calls it
 * checks that the kernel still answers (SystemClock advancing, ThreadSwitch).
 *
 * F survives its own exceptions: the main thread H is F's exception
 * handler and pager. A #DB from TF inside F's return or recovery code is
 * resumed (single-stepping on until popf clears TF); any other exception is
 * answered with EIP/ESP of F's recovery code; a page fault on an address
 * outside our image is recovered by ExchangeRegisters (abort the fault IPC,
 * set SP/IP), which relies on a cancelled fault IPC restarting the thread.
 *
 * Parameters: compiled defaults (FUZZ_CALLS, FUZZ_SEED, FUZZ_EFLAGS_MASK,
 * set by qemutest/CMakeLists.txt), or a line on the serial port within the
 * first ~50 ms: "FUZZ <calls> <seed> <int-mask> <sysenter-mask> <trace-from>
 * <progress-every> <kernel-space-ids>"
 * (decimal or 0x-hex), which scripts/soak sends. From call <trace-from> on
 * every call is printed before it is made (to find what a kernel crash
 * followed); on a failure found by F the seed and the last calls are printed.
 */
#include "../conformance2/c2.h"

#ifndef FUZZ_CALLS
#define FUZZ_CALLS 50000u
#endif
#ifndef FUZZ_SEED
#define FUZZ_SEED 0x2545F491u
#endif
/* EFLAGS bits the fuzzer may set besides the arithmetic ones (TF 0x100,
 * IF-clear attempts 0x200, DF 0x400, IOPL 0x3000, NT 0x4000, RF 0x10000,
 * AC 0x40000, ID 0x200000; all: 0x257700): FUZZ_EFLAGS_MASK for calls
 * through `int` and kdebug, FUZZ_SYSENTER_EFLAGS_MASK for calls that enter
 * by sysenter (raw, or the KIP's Ipc/Lipc entry). */
#ifndef FUZZ_EFLAGS_MASK
#define FUZZ_EFLAGS_MASK 0x00257700u
#endif
#ifndef FUZZ_SYSENTER_EFLAGS_MASK
#define FUZZ_SYSENTER_EFLAGS_MASK 0x00257700u
#endif

#define EFL_ARITH 0x000008D5u
#define EFL_TF 0x00000100u
#define EFL_IF 0x00000200u
#define EFL_DF 0x00000400u
#define EFL_IOPL 0x00003000u
#define EFL_NT 0x00004000u

/* 1: kernel and interrupt thread IDs are also used as SpaceSpecifier of
 * SpaceControl and ThreadControl (issue 8 items 3 and 4). */
#ifndef FUZZ_KERNEL_SPACE_IDS
#define FUZZ_KERNEL_SPACE_IDS 1
#endif

enum { R_EAX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBX, R_EBP, NREGS };
enum { E_KIP_IPC, E_SYSENTER, E_KIP_CALL, E_INT_CALL, E_INT_VECTOR, E_KDEBUG, NENTRIES };
#define SYS_IPC 4u
#define SYS_LIPC 5u
#define SYS_UNMAP 6u
#define SYS_CLOCK 8u
#define SYS_SWITCH 9u

/* ---- the call: shared with the assembly below -------------------------- */

unsigned fz_in[NREGS], fz_out[NREGS] __attribute__((used));
unsigned fz_seg_in[4], fz_seg_out[4] __attribute__((used));  /* DS ES FS GS */
unsigned fz_flags_in, fz_flags_out, fz_esp_out __attribute__((used));
unsigned fz_esp_saved, fz_target, fz_recovered __attribute__((used));
static unsigned char fz_code[64] __attribute__((aligned(64)));

/*
 * fz_call: save the callee-saved registers, push the return address, the
 * EFLAGS for the buffer's popf, the selectors and the buffer address; load
 * the registers; pop DS, ES, FS, GS (a bad selector faults here); `ret`
 * into the code buffer: popf, the entry instruction, jmp fz_back.
 * fz_back stores everything (TF may still be set: the #DB steps are resumed
 * by the handler), restores sane selectors and flags and returns.
 * fz_recover is where the handler sends F after an exception, with ESP =
 * fz_esp_saved.
 */
__asm__(".text\n"
        ".global fz_call, fz_back, fz_back_end, fz_recover, fz_recover_end\n"
        "fz_call:\n\t"
        "push %ebp\n\tpush %ebx\n\tpush %esi\n\tpush %edi\n\t"
        "mov %esp, fz_esp_saved\n\t"
        "push $fz_back\n\t"
        "push fz_flags_in\n\t"
        "push fz_target\n\t"
        "push fz_seg_in+12\n\tpush fz_seg_in+8\n\tpush fz_seg_in+4\n\tpush fz_seg_in\n\t"
        "mov fz_in+0, %eax\n\tmov fz_in+4, %ecx\n\tmov fz_in+8, %edx\n\tmov fz_in+12, %esi\n\t"
        "mov fz_in+16, %edi\n\tmov fz_in+20, %ebx\n\tmov fz_in+24, %ebp\n\t"
        "pop %ds\n\tpop %es\n\tpop %fs\n\tpop %gs\n\t"
        "ret\n"
        "fz_back:\n\t"
        "pushf\n\t"
        "pushl $0x202\n\t"
        "popf\n\t"
        "push %gs\n\tpush %fs\n\tpush %es\n\tpush %ds\n\t"
        "push %ebp\n\tpush %ebx\n\tpush %edi\n\tpush %esi\n\tpush %edx\n\tpush %ecx\n\tpush %eax\n\t"
        "mov $0x23, %eax\n\tmov %eax, %ds\n\tmov %eax, %es\n\tmov %eax, %fs\n\t"
        "mov $0x2B, %eax\n\tmov %eax, %gs\n"
        "fz_back_end:\n\t"
        "mov %esp, fz_esp_out\n\t"
        "popl fz_out+0\n\tpopl fz_out+4\n\tpopl fz_out+8\n\tpopl fz_out+12\n\t"
        "popl fz_out+16\n\tpopl fz_out+20\n\tpopl fz_out+24\n\t"
        "popl fz_seg_out\n\tpopl fz_seg_out+4\n\tpopl fz_seg_out+8\n\tpopl fz_seg_out+12\n\t"
        "popl fz_flags_out\n\t"
        "movl $0, fz_recovered\n\t"
        "mov fz_esp_saved, %esp\n\t"
        "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
        "ret\n"
        "fz_recover:\n\t"
        "pushl $0x202\n\t"
        "popf\n\t"
        "mov $0x23, %eax\n\tmov %eax, %ds\n\tmov %eax, %es\n\tmov %eax, %fs\n\t"
        "mov $0x2B, %eax\n\tmov %eax, %gs\n"
        "fz_recover_end:\n\t"
        "movl $1, fz_recovered\n\t"
        "mov fz_esp_saved, %esp\n\t"
        "pop %edi\n\tpop %esi\n\tpop %ebx\n\tpop %ebp\n\t"
        "ret\n");
void fz_call(void);
extern char fz_back[], fz_back_end[], fz_recover[], fz_recover_end[];

/* ---- parameters, random numbers, records ------------------------------- */

static unsigned p_calls = FUZZ_CALLS, p_seed = FUZZ_SEED, p_mask = FUZZ_EFLAGS_MASK;
static unsigned p_smask = FUZZ_SYSENTER_EFLAGS_MASK, p_kspace = FUZZ_KERNEL_SPACE_IDS;
static unsigned p_trace = 0xFFFFFFFFu, p_progress = 0;
static unsigned rng;

static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* fz_record.pflags when F leaves its PreemptFlags byte as it is */
#define PFLAGS_KEEP 0x100u

struct fz_record {
    unsigned n, entry, sys, vector, flags, seg[4], reg[NREGS];
    unsigned pflags;                         /* PreemptFlags byte written first, or PFLAGS_KEEP */
    unsigned exc, exc_eip, exc_err;          /* exception taken (vector + 1), where */
};

#define RING 8u
static struct fz_record ring[RING];
static struct fz_record *cur;
static unsigned me_no, f_no, s0_no, ub;
static L4_ThreadId_t fthread, tthread, flocal, tlocal;
static unsigned t_no;
static void *kip;
static volatile unsigned f_done, f_failures, f_exceptions, f_recoveries, f_calls, f_steps;
static unsigned f_delays;                   /* calls during which the kernel set I (d set) */
static unsigned entries_used[NENTRIES];
static unsigned fail_reported;

static void record_print(const struct fz_record *r)
{
    static const char *const entry_names[NENTRIES] = { "kip-ipc", "sysenter", "kip-call", "int-call",
                                                       "int-vec", "kdebug" };
    ktu_print("  call ");
    ktu_print_dec(r->n);
    ktu_print(" ");
    ktu_print(r->entry < NENTRIES ? entry_names[r->entry] : "?");
    ktu_print(" sys/vec/op ");
    ktu_print_hex(r->entry == E_INT_VECTOR || r->entry == E_KDEBUG ? r->vector : r->sys);
    ktu_print(" eflags ");
    ktu_print_hex(r->flags);
    if (r->pflags != PFLAGS_KEEP) {
        ktu_print(" preemptflags ");
        ktu_print_hex(r->pflags);
    }
    ktu_print(" ds/es/fs/gs");
    for (unsigned i = 0; i < 4; i++) {
        ktu_print(" ");
        ktu_print_hex(r->seg[i]);
    }
    ktu_print("\n    eax ecx edx esi edi ebx ebp");
    for (unsigned i = 0; i < NREGS; i++) {
        ktu_print(" ");
        ktu_print_hex(r->reg[i]);
    }
    if (r->exc) {
        ktu_print("\n    exception ");
        ktu_print_dec(r->exc - 1);
        ktu_print(" at ");
        ktu_print_hex(r->exc_eip);
        ktu_print(" error/address ");
        ktu_print_hex(r->exc_err);
    }
    ktu_print("\n");
}

/* Report a failure of call n: seed, reason, the last calls (first few only). */
static void fuzz_fail(const char *why, unsigned n)
{
    f_failures++;
    if (fail_reported++ >= 3)
        return;
    ktu_print("fuzz: FAILURE at call ");
    ktu_print_dec(n);
    ktu_print(" (seed ");
    ktu_print_hex(p_seed);
    ktu_print(", eflags masks ");
    ktu_print_hex(p_mask);
    ktu_print(" ");
    ktu_print_hex(p_smask);
    ktu_print("): ");
    ktu_print(why);
    ktu_print("\nfuzz: the last calls:\n");
    for (unsigned i = n + 1 > RING ? n + 1 - RING : 0; i <= n; i++)
        record_print(&ring[i % RING]);
}

/* ---- argument choice ---------------------------------------------------- */

/* Is thread number `no` one this run must not touch (ours, sigma0)? */
static int protected_no(unsigned no)
{
    return no == me_no || no == f_no || no == t_no || no == s0_no;
}

/* A thread-ID argument: random words, nil/any IDs, interrupt threads,
 * kernel and reserved numbers, user numbers near ours; never ours or sigma0. */
static unsigned fz_tid(void)
{
    unsigned r = next(), v;
    switch (r % 8u) {
    case 0: case 1: v = next(); break;
    case 2: { static const unsigned special[] = { 0, 0xFFFFFFFFu, 0xFFFFFFC0u, 0x40u, 1u };
              v = special[(r >> 3) % 5u]; break; }
    case 3: v = ((next() % 32u) << 14) | ((r >> 8) & 1u ? 1u : (next() & 0x3FFFu)); break;
    case 4: v = ((next() % (ub + 1u)) << 14) | 1u; break;                /* kernel / reserved */
    case 5: v = ((next() % ub) << 14) | (next() & 0x3FFFu); break;
    default: v = ((ub + next() % 64u) << 14) | (1u + (next() & 7u)); break;
    }
    if (protected_no(v >> 14))
        v += 100u << 14;
    return v;
}

/* A SpaceSpecifier argument: as fz_tid(), but without kernel/interrupt
 * thread numbers unless p_kspace. */
static unsigned fz_space_tid(void)
{
    unsigned v = fz_tid();
    if (!p_kspace && (v >> 14) < ub)
        v += ub << 14;
    return protected_no(v >> 14) ? v + (100u << 14) : v;
}

/* A selector for DS/ES/FS/GS: mostly the usual ones, sometimes odd. */
static unsigned fz_selector(unsigned reg)
{
    static const unsigned odd[] = { 0x00, 0x03, 0x1B, 0x18, 0x20, 0x2B, 0x28, 0x23, 0x21 };
    unsigned r = next();
    if (r % 4u != 0)
        return reg == 3 ? 0x2Bu : 0x23u;
    if (r % 16u == 4u)
        return next() & 0xFFFFu;
    return odd[(r >> 8) % (sizeof odd / sizeof odd[0])];
}

/* Random EFLAGS: arithmetic flags, bits of `mask`, IF as usual. */
static unsigned fz_eflags(unsigned mask)
{
    unsigned f = next() & (EFL_ARITH | mask);
    if (next() % 4u != 0)
        f &= ~(EFL_TF | EFL_NT | EFL_DF);           /* the rare flags in 1/4 of the calls */
    return (f & ~EFL_IF) | 0x2u | ((mask & EFL_IF) && (next() & 1u) ? 0u : EFL_IF);
}

/* Does call c enter the kernel by sysenter? */
static int uses_sysenter(const struct fz_record *c)
{
    return c->entry == E_SYSENTER || c->entry == E_KIP_IPC ||
           (c->entry == E_KIP_CALL && (c->sys == SYS_IPC || c->sys == SYS_LIPC));
}

/* Constrain call n's registers (and MRs) so that no correct kernel would
 * stop the run. */
static void fz_constrain(unsigned n, unsigned *r, unsigned *mr)
{
    switch (n) {
    case 0:                                       /* SpaceControl: no redirector */
        r[R_EAX] = fz_space_tid();
        r[R_EDI] = 0;
        break;
    case 1:                                       /* ThreadControl: never ours */
        r[R_EAX] = fz_tid();
        r[R_ESI] = next() & 1u ? fz_space_tid() : 0;
        r[R_ECX] = fz_tid();
        r[R_EDX] = fz_tid();
        break;
    case SYS_IPC:
    case SYS_LIPC:                                /* never block */
        r[R_EAX] = fz_tid();
        r[R_EDX] = next() & 3u ? fz_tid() : 0;
        r[R_ECX] = 0x04000400u;
        mr[0] = r[R_ESI];
        break;
    case SYS_UNMAP:
        r[R_EAX] &= 0x7Fu;
        mr[0] = r[R_ESI];
        break;
    case 10:                                      /* Schedule: not ours, */
        if (next() % 4u == 0) {                   /* or F's PreemptionControl only */
            r[R_EAX] = fthread.raw;
            r[R_ECX] = r[R_EDX] = 0xFFFFFFFFu;
            if (next() & 1u)
                r[R_ESI] = 0xFFFFFFFFu;
            break;
        }
        r[R_EAX] = fz_tid();
        break;
    case 7:                                       /* ExchangeRegisters: not ours */
        r[R_EAX] = fz_tid();
        break;
    case SYS_SWITCH:
        if (next() & 1u)
            r[R_EAX] = fz_tid();
        break;
    default:
        break;
    }
}

/* ---- the code buffer ----------------------------------------------------- */

static unsigned char *emit_rel32(unsigned char *p, unsigned char op, unsigned target)
{
    unsigned rel = target - ((unsigned)p + 5u);
    p[0] = op;
    for (unsigned i = 0; i < 4; i++)
        p[1 + i] = (unsigned char)(rel >> (8 * i));
    return p + 5;
}

/* Fill fz_code for record c: popf, the entry, jmp fz_back. */
static void fz_emit(const struct fz_record *c)
{
    unsigned char *p = fz_code;
    unsigned links = (unsigned)kip;
    *p++ = 0x9D;                                                  /* popf */
    switch (c->entry) {
    case E_KIP_IPC:
    case E_KIP_CALL:
        p = emit_rel32(p, 0xE8, links + ((const unsigned *)kip)[(0xD0u + 4u * c->sys) / 4u]);
        break;
    case E_SYSENTER:
        if (c->vector == 0) {                                     /* EBP = ESP: sane return */
            *p++ = 0x89;
            *p++ = 0xE5;                                          /* mov %esp, %ebp */
        }
        *p++ = 0x0F;
        *p++ = 0x34;                                              /* sysenter */
        break;
    case E_INT_CALL:
    case E_INT_VECTOR:
        *p++ = 0xCD;
        *p++ = (unsigned char)(c->entry == E_INT_CALL ? 0x30u + c->sys : c->vector);
        break;
    default:                                                      /* kdebug */
        *p++ = 0xCC;
        *p++ = 0x3C;
        *p++ = (unsigned char)c->vector;                          /* cmp $op, %al */
        break;
    }
    (void)emit_rel32(p, 0xE9, (unsigned)fz_back);
}

/* A random EBP or EBX for raw sysenter that is not inside our image, UTCB
 * or KIP area. The kernel returns from sysenter to EIP = EBX with ESP = EBP
 * (the KIP's Ipc entry convention): a wild pair must fault, not run our
 * own code or use our own memory as its stack. */
static unsigned fz_wild_esp(void)
{
    unsigned v = next();
    if ((v >= C2_IMAGE_BASE && v < 0x01000000u) || (v >> 24) == 0xBFu)
        v ^= 0x40000000u;
    return v;
}

/* Choose call n completely from the random stream. */
static void fz_choose(struct fz_record *c, unsigned n, unsigned *mr)
{
    c->n = n;
    c->exc = c->exc_eip = c->exc_err = 0;
    c->entry = next() % NENTRIES;
    c->sys = next() % 11u;
    c->vector = 0;
    for (unsigned i = 0; i < NREGS; i++)
        c->reg[i] = next();
    for (unsigned i = 1; i < 64; i++)
        mr[i] = next();
    mr[-16] = next();                                             /* BR0 */
    switch (c->entry) {
    case E_KIP_IPC:
        c->sys = next() & 1u ? SYS_IPC : SYS_LIPC;
        break;
    case E_SYSENTER:
        c->sys = SYS_IPC;
        c->vector = next() % 8u == 0;                             /* 1: wild EBP */
        break;
    case E_INT_VECTOR:
        do
            c->vector = next() & 0xFFu;
        while (c->vector >= 0x30u && c->vector <= 0x3Au);
        break;
    case E_KDEBUG: {
        static const unsigned ops[] = { 0x00, 0x01, 0x02, 0x03, 0x08 };
        c->vector = ops[next() % 5u];
        if (c->vector == 0x00)
            c->reg[R_EAX] = (c->reg[R_EAX] & ~0xFFu) | 0x2Eu;     /* a '.' */
        if (c->vector == 0x01)
            c->reg[R_EAX] |= 0xC0000000u;                         /* a kernel address */
        break;
    }
    default:
        break;
    }
    if (c->entry != E_INT_VECTOR && c->entry != E_KDEBUG)
        fz_constrain(c->sys, c->reg, mr);
    if (c->entry == E_SYSENTER) {                 /* where the kernel returns to */
        c->reg[R_EBX] = c->vector ? fz_wild_esp() : (unsigned)fz_back;
        if (c->vector)
            c->reg[R_EBP] = fz_wild_esp();
    }
    c->flags = fz_eflags(uses_sysenter(c) ? p_smask : p_mask);
    c->pflags = next() % 4u == 0 ? next() & 0xFFu : PFLAGS_KEEP;
    for (unsigned i = 0; i < 4; i++)
        c->seg[i] = fz_selector(i);
}

/* ---- checks after a call that returned ----------------------------------- */

static int seg_same(unsigned in, unsigned out)
{
    out &= 0xFFFFu;
    return in == out || ((in & ~3u) == 0 && (out & ~3u) == 0);
}

/* Which registers call c must preserve (bit i: register i). */
static unsigned preserved_mask(const struct fz_record *c)
{
    if (c->entry == E_KDEBUG)
        return c->vector == 0x08 ? 0x7Eu : 0x7Fu;
    if (c->entry == E_INT_VECTOR)
        return 0;                                                 /* should not return */
    switch (c->sys) {
    case SYS_SWITCH:
        return 0x7Fu;
    case SYS_CLOCK:
        return 1u << R_ECX | 1u << R_EBX | 1u << R_EBP;
    case SYS_UNMAP:
        return 1u << R_ECX;
    default:
        return 0;
    }
}

/* F's UTCB pointer (its local ID). */
static unsigned f_utcb;

static void fz_check(const struct fz_record *c)
{
    /* ESP at fz_back: one word below fz_esp_saved (the return address
     * slot; raw sysenter returns to EBX = fz_back with ESP = EBP = that) */
    unsigned esp_back = fz_esp_out + 4u * 12u;
    unsigned want_esp = fz_esp_saved - 4u;
    if (esp_back != want_esp)
        fuzz_fail("ESP not preserved", c->n);
    for (unsigned i = 0; i < 4; i++)
        if (!seg_same(c->seg[i], fz_seg_out[i]))
            fuzz_fail("a segment register changed", c->n);
    if (!(fz_flags_out & EFL_IF) || (fz_flags_out & EFL_IOPL))
        fuzz_fail("EFLAGS.IF clear or IOPL not 0 after the call", c->n);
    if (c->entry == E_KDEBUG && ((fz_flags_out ^ c->flags) & EFL_DF))
        fuzz_fail("kdebug changed EFLAGS.DF (ABI 6.1: only the condition codes change)", c->n);
    if (c->entry != E_KDEBUG && (fz_flags_out & EFL_DF))
        fuzz_fail("EFLAGS.DF set after the call (ABI 4.3)", c->n);
    unsigned keep = preserved_mask(c);
    if (c->entry == E_INT_VECTOR && c->vector != 3u && c->vector != 4u)
        fuzz_fail("int on a vector without a user gate returned normally", c->n);
    for (unsigned i = 0; i < NREGS; i++)
        if ((keep >> i & 1u) && fz_out[i] != c->reg[i])
            fuzz_fail("a register the ABI preserves changed", c->n);
    if (c->entry != E_KDEBUG && c->entry != E_INT_VECTOR && (c->sys == SYS_IPC || c->sys == SYS_LIPC) &&
        fz_out[R_EDI] != f_utcb)
        fuzz_fail("Ipc returned EDI other than the caller's UTCB pointer", c->n);
}

/* ---- the fuzzer thread F --------------------------------------------------- */

static void fuzzer(void)
{
    L4_Word_t *mr = c2_mrs();
    L4_ThreadId_t h = c2_me;
    static unsigned started;
    if (started++) {                                  /* entered again: report, stop */
        fuzz_fail("the fuzzer thread was started again at its entry", f_calls);
        f_done = 1;
        L4_LoadMR(0, L4_MsgTagMake(0x600D, 0, 0).raw);
        L4_Send(h);
        for (;;)
            L4_Sleep(L4_Never);
    }
    L4_Set_Pager(h);
    L4_Set_ExceptionHandler(h);
    f_utcb = L4_MyLocalId().raw;
    rng = p_seed ? p_seed : 1u;
    L4_Clock_t t0 = L4_SystemClock(), tlast = t0;
    unsigned last_calls = 0;
    for (unsigned n = 0; n < p_calls; n++) {
        struct fz_record *c = &ring[n % RING];
        fz_choose(c, n, mr);
        cur = c;
        if (n >= p_trace)
            record_print(c);
        for (unsigned i = 0; i < NREGS; i++)
            fz_in[i] = c->reg[i];
        for (unsigned i = 0; i < 4; i++)
            fz_seg_in[i] = c->seg[i];
        fz_flags_in = c->flags;
        fz_emit(c);
        fz_target = (unsigned)fz_code;
        entries_used[c->entry]++;
        if (c->pflags != PFLAGS_KEEP)
            mr[L4_UTCB_FLAGS] = (mr[L4_UTCB_FLAGS] & ~0xFFu) | c->pflags;
        L4_Word_t pending_before = mr[L4_UTCB_FLAGS] & L4_PREEMPT_PENDING;
        fz_call();
        if (!pending_before && (mr[L4_UTCB_FLAGS] & (L4_PREEMPT_DELAY | L4_PREEMPT_PENDING)) ==
                                   (L4_PREEMPT_DELAY | L4_PREEMPT_PENDING))
            f_delays++;                               /* the kernel set I meanwhile */
        f_calls = n + 1;
        if (fz_recovered)
            f_recoveries++;
        else
            fz_check(c);
        if ((n & 1023u) == 1023u) {                   /* the kernel still answers */
            L4_Clock_t now = L4_SystemClock();
            L4_ThreadSwitch(L4_nilthread);
            if (now.raw < tlast.raw)
                fuzz_fail("SystemClock went backwards", n);
            if (p_progress && (n + 1) % p_progress == 0) {
                unsigned us = (unsigned)(now.raw - tlast.raw);
                ktu_print("fuzz: progress ");
                ktu_print_dec(n + 1);
                ktu_print(" calls, ");
                unsigned ms = us / 1000u;
                ktu_print_dec(ms ? (n + 1 - last_calls) * 1000u / ms : 0);
                ktu_print(" calls/s, ");
                ktu_print_dec(f_exceptions);
                ktu_print(" exceptions\n");
                tlast = now;
                last_calls = n + 1;
            }
        }
        if (f_failures > 20)
            break;
    }
    f_done = 1;
    L4_LoadMR(0, L4_MsgTagMake(0x600D, 0, 0).raw);
    L4_Send(h);
    for (;;)
        L4_Sleep(L4_Never);
}

/* The ticker T: wakes every millisecond, at a priority above F's. Its
 * pager is H: F's Unmap calls may take T's code or stack pages away too. */
static void ticker(void)
{
    L4_Set_Pager(c2_me);
    for (;;)
        L4_Sleep(L4_TimePeriod(1000));
}

/* ---- the handler H (main thread) ----------------------------------------- */

static int in_range(unsigned a, const char *lo, const char *hi)
{
    return a >= (unsigned)lo && a < (unsigned)hi;
}

/* Exception IPC from F in our MRs: resume a #DB step in the return or
 * recovery code unchanged, else send F to fz_recover. */
static void handle_exception(L4_Word_t *mr)
{
    unsigned vec = mr[3], eip = mr[1];
    if (vec == 1 && (in_range(eip, fz_back, fz_back_end) || in_range(eip, fz_recover, fz_recover_end))) {
        f_steps++;
        mr[0] = 0;                                   /* empty reply: continue */
        L4_Reply(fthread);
        return;
    }
    f_exceptions++;
    if (cur && !cur->exc) {
        cur->exc = vec + 1;
        cur->exc_eip = eip;
        cur->exc_err = mr[4];
    }
    mr[0] = L4_MsgTagMake(0, 12, 0).raw;
    mr[1] = (L4_Word_t)fz_recover;
    mr[8] = fz_esp_saved;
    L4_Reply(fthread);
}

/* Page fault of F: our own pages are touched and F retries; anything else
 * is recovered with ExchangeRegisters (abort the fault IPC, set SP/IP). */
static void handle_fault(L4_Word_t *mr)
{
    unsigned addr = mr[1];
    if (c2_in_image(addr)) {
        volatile L4_Word_t *p = (volatile L4_Word_t *)(addr & ~0xFFFu);
        *p = *p;
        mr[0] = 0;
        L4_Reply(fthread);
        return;
    }
    f_exceptions++;
    if (cur && !cur->exc) {
        cur->exc = 14 + 1;
        cur->exc_eip = mr[2];
        cur->exc_err = addr;
    }
    L4_Word_t ctl, osp, oip, ofl, oh;
    L4_ThreadId_t opg;
    (void)L4_ExchangeRegisters(fthread, L4_EXREG_ABORT_RECEIVE | L4_EXREG_ABORT_SEND |
                                        L4_EXREG_SET_SP | L4_EXREG_SET_IP,
                               fz_esp_saved, (L4_Word_t)fz_recover, 0, 0, L4_nilthread, &ctl, &osp, &oip,
                               &ofl, &oh, &opg);
}

/* Parse the next number (decimal or 0x-hex) of s at *i; keeps *v if none. */
static void parse_number(const char *s, unsigned *i, unsigned *v)
{
    while (s[*i] == ' ')
        (*i)++;
    unsigned x = 0, base = 10, digits = 0;
    if (s[*i] == '0' && (s[*i + 1] == 'x' || s[*i + 1] == 'X')) {
        base = 16;
        *i += 2;
    }
    for (;; (*i)++, digits++) {
        char ch = s[*i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (base == 16 && ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else if (base == 16 && ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else
            break;
        x = x * base + d;
    }
    if (digits)
        *v = x;
}

/* Parameters from a "FUZZ ..." line on the serial port, if one comes soon. */
static void read_parameters(void)
{
    char line[96];
    unsigned len = 0, idle = 0;
    while (idle < 50 && len < sizeof line - 1) {
        int ch = L4_KDB_ReadChar();
        if (ch < 0) {
            idle++;
            L4_Sleep(L4_TimePeriod(1000));
            continue;
        }
        if (ch == '\n' || ch == '\r') {
            if (len)
                break;
            continue;
        }
        line[len++] = (char)ch;
    }
    line[len] = 0;
    if (len < 5 || line[0] != 'F' || line[1] != 'U' || line[2] != 'Z' || line[3] != 'Z')
        return;
    unsigned i = 4;
    parse_number(line, &i, &p_calls);
    parse_number(line, &i, &p_seed);
    parse_number(line, &i, &p_mask);
    parse_number(line, &i, &p_smask);
    parse_number(line, &i, &p_trace);
    parse_number(line, &i, &p_progress);
    parse_number(line, &i, &p_kspace);
}

int main(void)
{
    c2_init();
    kip = c2_kip;
    ub = L4_ThreadIdUserBase(kip);
    me_no = c2_me.raw >> 14;
    s0_no = c2_s0.raw >> 14;
    f_no = ub + 16;                                   /* c2_local's first slot */
    read_parameters();
    ktu_print("fuzz: seed ");
    ktu_print_hex(p_seed);
    ktu_print(" calls ");
    ktu_print_dec(p_calls);
    ktu_print(" eflags masks int ");
    ktu_print_hex(p_mask);
    ktu_print(" sysenter ");
    ktu_print_hex(p_smask);
    ktu_print(" kernel IDs as spaces ");
    ktu_print_dec(p_kspace);
    ktu_print("\n");
    for (unsigned i = 0; i < sizeof fz_code; i++)
        fz_code[i] = 0xCC;
    t_no = f_no + 1;                                  /* c2_local's next slot */
    fthread = c2_local(fuzzer);
    ktu_check("fuzz_thread_started", !L4_IsNilThread(fthread) && (fthread.raw >> 14) == f_no,
              "no fuzzer thread");
    tthread = c2_local(ticker);
    L4_Word_t t_prio = L4_Set_Priority(tthread, 101);     /* (F: the default, 100) */
    flocal = L4_LocalIdOf(fthread);
    tlocal = L4_LocalIdOf(tthread);
    ktu_check("fuzz_ticker_started", !L4_IsNilThread(tthread) && (tthread.raw >> 14) == t_no && t_prio != 0,
              "no ticker thread above the fuzzer's priority");
    L4_Word_t *mr = c2_mrs();
    int stalled = 0;
    while (!f_done) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(20000000), &from);
        if (!L4_IpcSucceeded(tag)) {
            stalled = 1;
            break;
        }
        if (from.raw == tlocal.raw)
            from = tthread;                           /* (same space: local IDs) */
        else if (from.raw == flocal.raw)
            from = fthread;
        if (from.raw == tthread.raw && (L4_Label(tag) >> 4) == 0xFFEu && c2_in_image(mr[1])) {
            volatile L4_Word_t *p = (volatile L4_Word_t *)(mr[1] & ~0xFFFu);
            *p = *p;                                  /* the ticker's page back */
            mr[0] = 0;
            L4_Reply(tthread);
            continue;
        }
        if (from.raw != fthread.raw)
            fuzz_fail("unexpected message from a thread other than the fuzzer", f_calls);
        else if (L4_Label(tag) == 0x600Du)
            break;
        if ((L4_Label(tag) >> 4) == 0xFFBu)
            handle_exception(mr);
        else if ((L4_Label(tag) >> 4) == 0xFFEu)
            handle_fault(mr);
        else
            fuzz_fail("unexpected message from the fuzzer thread", f_calls);
    }
    if (stalled)
        fuzz_fail("the fuzzer thread stopped (no message for 20 s)", f_calls);
    ktu_print("fuzz: ");
    ktu_print_dec(f_calls);
    ktu_print(" calls, ");
    ktu_print_dec(f_exceptions);
    ktu_print(" exceptions, ");
    ktu_print_dec(f_recoveries);
    ktu_print(" recoveries, ");
    ktu_print_dec(f_steps);
    ktu_print(" single steps resumed, seed ");
    ktu_print_hex(p_seed);
    ktu_print("\n");
    ktu_check("fuzz_all_calls_made", f_calls == p_calls && !stalled, "the fuzzer did not finish");
    ktu_check("fuzz_abi_registers_preserved", f_failures == 0, "see the FAILURE lines above");
    unsigned all = 1;
    for (unsigned e = 0; e < NENTRIES; e++)
        all &= entries_used[e] > 0;
    ktu_print("fuzz: ");
    ktu_print_dec(f_delays);
    ktu_print(" calls returned with a delayed preemption granted (PreemptFlags d and I)\n");
    ktu_check("fuzz_delayed_preemption_granted", f_delays > 0 || f_calls < p_calls,
              "the kernel never delayed a preemption of the fuzzer");
    ktu_check("fuzz_every_entry_used_and_exceptions_survived",
              all && f_exceptions > 0 && f_recoveries > 0 && (f_steps > 0 || !(p_mask & EFL_TF)),
              "an entry was never used, no exception, or no TF single step");
    L4_Fpage_t f = L4_Sigma0_GetAny(c2_s0, 12, L4_CompleteAddressSpace);
    volatile L4_Word_t *p = (volatile L4_Word_t *)L4_Address(f);
    int mapped = !L4_IsNilFpage(f);
    if (mapped)
        p[0] = 0xF00DF00Du;
    ktu_check("fuzz_kernel_and_sigma0_still_answer", mapped && p[0] == 0xF00DF00Du,
              "sigma0 no longer maps memory");
    ktu_finish();
}
