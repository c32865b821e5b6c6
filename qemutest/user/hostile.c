/*
 * Hostile user mode against the machine layer (issue 8 items 8, 9, 11).
 * Root task (module 1) with our sigma0 (module 0), on the conformance2
 * scaffolding.
 *
 * - LDT call gate: a space maps a page at address 0 holding a DPL-3 call
 *   gate to the kernel code selector and does `lcall` to LDT selector 7.
 *   The kernel loads a null LDT, so this must be #GP delivered as exception
 *   IPC, never code running at CPL 0.
 * - Segment selectors: a thread loads every GDT index (0..15 and 0x1FFF),
 *   with both table bits and every RPL, into DS, ES, FS, GS and SS, and far
 *   calls each one. Only the null selector and the three user descriptors
 *   (0x18, 0x20, 0x28 with any RPL; SS only 0x23/0x2B) may load; all others
 *   must raise #GP as exception IPC (we are its exception handler). With
 *   each loaded selector it enters the kernel by `int` (SystemClock,
 *   ThreadSwitch), sysenter (Ipc through the KIP; not with an odd SS) and
 *   timer interrupts, and must get the selector back unchanged.
 * - Kernel addresses: a read, a write and an instruction fetch at kernel
 *   addresses are page-fault IPC to the pager (ABI 5.10), raised again after
 *   an empty reply; they do not halt the thread silently.
 * - ReadChar_Blocked without input blocks only the caller: the other
 *   threads (even of lower priority) and the timer go on.
 * - Mutual pagers: two receivers that are each other's pager, both
 *   faulting in a string transfer. The second one's pagefault message must
 *   not count as the reply to the first one's (the kernel bounced retries
 *   between them forever, with interrupts off); both transfers end by
 *   their 100 ms transfer timeout and the system goes on.
 */
#include "../conformance2/c2.h"

/* ---- LDT call gate ------------------------------------------------------ */

static L4_Word_t gate_page[1024] __attribute__((aligned(4096)));
unsigned gate_eax __attribute__((used));

/* Would run at CPL 0 if the gate worked: EAX = CS, back with lret. */
__asm__(".text\n"
        ".global ring0_target\n"
        "ring0_target:\n\t"
        "mov %cs, %eax\n\t"
        "lret\n");
extern char ring0_target[];

/* Far target for the GDT sweep: a same-privilege call returns here. */
__asm__(".text\n"
        ".global far_target\n"
        "far_target:\n\t"
        "mov $0x4A4A, %eax\n\t"
        "lret\n");
extern char far_target[];

static void gate_child(void)
{
    L4_Set_ExceptionHandler(c2_me);
    unsigned cs;
    __asm__ volatile("mov 0, %%eax" : : : "eax", "memory");     /* fault page 0 in */
    __asm__ volatile("mov $0xA5A5A5A5, %%eax\n\t"
                     "lcall $0x0007, $0\n\t"
                     "mov %%eax, gate_eax\n\t"
                     : : : "eax", "memory");
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    L4_LoadMR(0, L4_MsgTagMake(0x77, 2, 0).raw);
    L4_LoadMR(1, gate_eax);
    L4_LoadMR(2, cs);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Reply with our MRs (if `reply`) and take t's next message other than a
 * fault on our image; 0 on error. */
static int serve(L4_ThreadId_t t, int reply, L4_MsgTag_t *tag)
{
    L4_Word_t to = L4_Timeouts(L4_ZeroTime, c2_2s());
    L4_ThreadId_t who;
    *tag = reply ? L4_Ipc(t, t, to, &who) : L4_Receive_Timeout(t, c2_2s());
    while (L4_IpcSucceeded(*tag) && (L4_Label(*tag) >> 4) == 0xFFEu && c2_in_image(c2_mrs()[1]) &&
           c2_fault_reply_item())
        *tag = L4_Ipc(t, t, to, &who);
    return L4_IpcSucceeded(*tag);
}

static void check_ldt_gate(void)
{
    L4_Word_t off = (L4_Word_t)ring0_target;
    gate_page[0] = (off & 0xFFFFu) | (0x08u << 16);              /* kernel code selector */
    gate_page[1] = (off & 0xFFFF0000u) | 0xEC00u;                /* P, DPL 3, 32-bit call gate */
    L4_ThreadId_t t = c2_space(gate_child);
    L4_MsgTag_t tag;
    L4_Word_t *mr = c2_mrs();
    int ok = serve(t, 0, &tag) && L4_Label(tag) == 0xFFE5u && mr[1] == 0;
    ktu_check("ldt_page0_fault", ok, "no read fault at address 0");
    mr[0] = L4_MsgTagMake(0, 0, 2).raw;                          /* our gate page at 0 */
    mr[1] = 0x0u | 0x8u;
    mr[2] = L4_FpageLog2((L4_Word_t)gate_page, 12).raw | L4_FullyAccessible;
    ok = ok && serve(t, 1, &tag);
    int gp = ok && (L4_Label(tag) >> 4) == 0xFFBu && mr[3] == 13;
    if (!gp && ok && L4_Label(tag) == 0x77) {
        ktu_print("  lcall through the LDT returned with EAX (CS at the target) ");
        ktu_print_hex(mr[1]);
        ktu_print("\n");
    }
    ktu_check("ldt_call_gate_is_gp_exception_ipc", gp,
              "lcall to an LDT selector was not #GP exception IPC");
    if (gp) {
        L4_Word_t words[13];
        for (unsigned i = 0; i < 13; i++)
            words[i] = mr[i];
        words[0] = L4_MsgTagMake(0, 12, 0).raw;
        words[1] += 7;                                           /* past the lcall */
        words[12] = 0x6F6F6F6Fu;
        for (unsigned i = 0; i < 13; i++)
            mr[i] = words[i];
        ok = serve(t, 1, &tag) && L4_Label(tag) == 0x77;
        ktu_check("ldt_gate_thread_continues_at_user_level",
                  ok && mr[1] == 0x6F6F6F6Fu && (mr[2] & 3u) == 3u,
                  "the thread did not continue in user mode with the reply's EAX");
    }
    c2_kill(t);
}

/* ---- segment selectors -------------------------------------------------- */

#define SEG_REGS 5
#define SEL_COUNT (17u * 8u)
#define FAULTED 0xFA000000u
#define LOADED 0x00010000u

/* Read by the exception handler (us): where the attempt may fault, where to
 * resume; the attempt's stack holds the UTCB pointer and the KIP Ipc entry. */
unsigned sw_at __attribute__((used)), sw_next __attribute__((used));
unsigned sw_utcb __attribute__((used)), sw_kipc __attribute__((used));
static unsigned sw_result[SEG_REGS + 1][SEL_COUNT];
static volatile unsigned sw_done, sw_unexpected;

static unsigned sel_of(unsigned i)
{
    unsigned index = i / 8u < 16u ? i / 8u : 0x1FFFu;
    return index << 3 | (i & 7u);                                /* TI bit 2, RPL bits 0..1 */
}

/* Load `sel` into segment register R; while it is loaded enter the kernel
 * by int (SystemClock, ThreadSwitch), a spin for timer interrupts and (IPC)
 * sysenter; then read R back and restore it to `restore`. Result: R's value
 * | LOADED, or FAULTED | vector if the load faulted. */
#define SEG_TRY(R, restore, ipc)                                                   \
    __asm__ volatile("push %%ebx\n\t"                                              \
                     "push %%ebp\n\t"                                              \
                     "push sw_kipc\n\t"                                            \
                     "push sw_utcb\n\t"                                            \
                     "movl $4f, sw_at\n\t"                                         \
                     "movl $3f, sw_next\n\t"                                       \
                     "xor %%eax, %%eax\n"                                          \
                     "4:\tmov %%edx, %%" R "\n"                                    \
                     "3:\ttest %%eax, %%eax\n\t"                                   \
                     "jnz 1f\n\t"                                                  \
                     "int $0x38\n\t"                                               \
                     "xor %%eax, %%eax\n\t"                                        \
                     "int $0x39\n\t"                                               \
                     "mov $30000, %%ecx\n"                                         \
                     "2:\tloop 2b\n\t" ipc                                         \
                     "xor %%eax, %%eax\n\t"                                        \
                     "mov %%" R ", %%ax\n\t"                                       \
                     "or $0x10000, %%eax\n"                                        \
                     "1:\tmov $" restore ", %%edx\n\t"                             \
                     "mov %%edx, %%" R "\n\t"                                      \
                     "add $8, %%esp\n\t"                                           \
                     "pop %%ebp\n\t"                                               \
                     "pop %%ebx\n\t"                                               \
                     : "=&a"(res)                                                  \
                     : "d"(sel)                                                    \
                     : "ecx", "esi", "edi", "memory", "cc")

/* Ipc(nil, nil) through the KIP entry (sysenter) with EDI = UTCB. */
#define SEG_IPC                                                                    \
    "mov (%%esp), %%edi\n\t"                                                       \
    "mov 4(%%esp), %%ebx\n\t"                                                      \
    "xor %%eax, %%eax\n\t"                                                         \
    "xor %%ecx, %%ecx\n\t"                                                         \
    "xor %%edx, %%edx\n\t"                                                         \
    "xor %%esi, %%esi\n\t"                                                         \
    "call *%%ebx\n\t"

static unsigned seg_try(unsigned reg, unsigned sel)
{
    unsigned res;
    switch (reg) {
    case 0: SEG_TRY("ds", "0x23", SEG_IPC); break;
    case 1: SEG_TRY("es", "0x23", SEG_IPC); break;
    case 2: SEG_TRY("fs", "0x23", SEG_IPC); break;
    case 3: SEG_TRY("gs", "0x2B", SEG_IPC); break;
    default: SEG_TRY("ss", "0x23", ""); break;
    }
    return res;
}

/* lcall sel:far_target; 0x4A4A if it came back, FAULTED | vector if not. */
static unsigned far_try(unsigned sel)
{
    static struct __attribute__((packed)) { unsigned off; unsigned short sel; } ptr;
    unsigned res;
    ptr.off = (unsigned)far_target;
    ptr.sel = (unsigned short)sel;
    __asm__ volatile("movl $4f, sw_at\n\t"
                     "movl $3f, sw_next\n\t"
                     "xor %%eax, %%eax\n"
                     "4:\tlcall *%1\n"
                     "3:\n"
                     : "=a"(res) : "m"(ptr) : "ecx", "edx", "memory", "cc");
    return res;
}

static void sweeper(void)
{
    void *kip = L4_GetKernelInterface();
    sw_utcb = (unsigned)L4_MyLocalId().raw;
    sw_kipc = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    L4_Set_ExceptionHandler(c2_me);
    for (unsigned r = 0; r < SEG_REGS; r++)
        for (unsigned i = 0; i < SEL_COUNT; i++)
            sw_result[r][i] = seg_try(r, sel_of(i));
    for (unsigned i = 0; i < SEL_COUNT; i++)
        sw_result[SEG_REGS][i] = far_try(sel_of(i));
    sw_done = 1;
    L4_LoadMR(0, L4_MsgTagMake(0x600D, 0, 0).raw);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* May `sel` be loaded into a data segment register (reg < 4) or SS (4)? */
static int loadable(unsigned reg, unsigned sel)
{
    unsigned index = sel >> 3;
    if (reg == 4)
        return sel == 0x23u || sel == 0x2Bu;
    return !(sel & 4u) && (index == 0 || index == 3 || index == 4 || index == 5);
}

static void check_selectors(void)
{
    static const char *const names[SEG_REGS + 1] = {
        "selectors_ds", "selectors_es", "selectors_fs", "selectors_gs", "selectors_ss",
        "selectors_far_call",
    };
    L4_ThreadId_t w = c2_local(sweeper);
    L4_Word_t *mr = c2_mrs();
    unsigned handled = 0;
    for (;;) {
        L4_MsgTag_t tag = L4_Receive_Timeout(w, L4_TimePeriod(20000000));
        if (!L4_IpcSucceeded(tag) || L4_Label(tag) == 0x600Du)
            break;
        if ((L4_Label(tag) >> 4) != 0xFFBu || mr[1] != sw_at) {
            ktu_print("  unexpected message from the sweeper: tag ");
            ktu_print_hex(tag.raw);
            ktu_print(" eip ");
            ktu_print_hex(mr[1]);
            ktu_print(" vector ");
            ktu_print_hex(mr[3]);
            ktu_print("\n");
            sw_unexpected++;
            break;
        }
        mr[0] = L4_MsgTagMake(0, 12, 0).raw;
        mr[12] = FAULTED | mr[3];
        mr[1] = sw_next;
        handled++;
        L4_Reply(w);
    }
    ktu_check("selectors_sweep_finished", sw_done == 1 && sw_unexpected == 0,
              "the sweeping thread did not finish (stopped, or faulted elsewhere)");
    for (unsigned r = 0; r <= SEG_REGS; r++) {
        unsigned bad = 0;
        for (unsigned i = 0; i < SEL_COUNT; i++) {
            unsigned sel = sel_of(i), got = sw_result[r][i], want;
            if (r == SEG_REGS)
                want = !(sel & 4u) && (sel >> 3) == 3u ? 0x4A4Au : FAULTED | 13u;
            else if (!loadable(r, sel))
                want = FAULTED | 13u;
            else if ((sel >> 3) == 0 && got == LOADED)
                want = LOADED;                                   /* a null selector read back as 0 */
            else
                want = LOADED | sel;
            if (got != want) {
                if (bad++ < 4) {
                    ktu_print("  ");
                    ktu_print(names[r]);
                    ktu_print(" selector ");
                    ktu_print_hex(sel);
                    ktu_print(" gave ");
                    ktu_print_hex(got);
                    ktu_print(" expected ");
                    ktu_print_hex(want);
                    ktu_print("\n");
                }
            }
        }
        ktu_check(names[r], sw_done == 1 && bad == 0,
                  "a selector loaded that must fault, or was not preserved across kernel entries");
    }
    unsigned cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    ktu_check("selectors_exception_ipc_count", handled > 0 && (cs & 3u) == 3u,
              "no selector fault reached the exception handler");
    c2_kill(w);
}

/* ---- faults on kernel addresses ---------------------------------------- */

static void kread_child(void)
{
    __asm__ volatile("mov 0xC0000000, %%eax" : : : "eax", "memory");
}

static void kwrite_child(void)
{
    __asm__ volatile("movl $1, 0xF0000000" : : : "memory");
}

static void kfetch_child(void)
{
    __asm__ volatile("mov $0xC0100000, %%eax\n\tjmp *%%eax" : : : "eax", "memory");
}

/* Run fn in a new space with us as pager: its kernel-address fault must
 * come as label `label` at `addr` (MR2 = `ip` unless 0), and again after
 * an empty reply. */
static void check_kernel_fault(const char *name, void (*fn)(void), L4_Word_t label, L4_Word_t addr,
                               L4_Word_t ip)
{
    L4_ThreadId_t t = c2_space(fn);
    L4_MsgTag_t tag;
    L4_Word_t *mr = c2_mrs();
    int ok = serve(t, 0, &tag) && L4_Label(tag) == label && L4_UntypedWords(tag) == 2 &&
             mr[1] == addr && (ip == 0 || mr[2] == ip);
    L4_Word_t first_ip = mr[2];
    mr[0] = 0;
    ok = ok && serve(t, 1, &tag) && L4_Label(tag) == label && mr[1] == addr && mr[2] == first_ip;
    ktu_check(name, ok, "no page-fault IPC (twice) for the kernel address");
    c2_kill(t);
}

/* ---- kdebug ReadChar_Blocked ------------------------------------------- */

static volatile L4_Word_t reader_started, reader_done;

static void reader(void)
{
    L4_Word_t c;
    reader_started = 1;
    __asm__ volatile("int3\n\tcmpb $0x0D, %%al" : "=a"(c) : : "memory", "cc");
    reader_done = 1;
    (void)c;
    for (;;)
        L4_Sleep(L4_Never);
}

/* The reader runs at a higher priority than we do: unless it really sleeps
 * between its polls (in the kernel or at user level), we never run again. */
static void check_read_blocked(void)
{
    L4_Set_Priority(c2_me, 60);
    L4_ThreadId_t r = c2_local(reader);
    L4_Set_Priority(r, 100);
    c2_yield(4);
    L4_Clock_t t0 = L4_SystemClock();
    L4_Sleep(L4_TimePeriod(30000));                  /* the timer and we still run */
    L4_Clock_t t1 = L4_SystemClock();
    ktu_check("readchar_blocked_blocks_only_the_caller",
              reader_started == 1 && reader_done == 0 && t1.raw - t0.raw >= 25000,
              "the system did not go on while a thread waited for serial input");
    L4_Word_t ctl;
    L4_ThreadId_t res = __L4_ExregControl(r, L4_EXREG_ABORT_IPC_AND_STOP, 0, 0, 0, &ctl);
    c2_yield(2);
    ktu_check("readchar_blocked_thread_can_be_stopped", !L4_IsNilThread(res) && reader_done == 0,
              "the waiting thread could not be stopped");
    c2_kill(r);
}

/* ---- mutual pagers ------------------------------------------------------ */

#define MP_BUF_A 0x30000000u          /* never mapped in our space */
#define MP_BUF_B 0x30010000u
#define MP_LEN 64u

static char mp_src[MP_LEN] = "a string for a receiver whose buffer faults";
/* per thread (0 A, 1 B, 2 C, 3 D): the tags and first MR1 of its messages */
static volatile L4_Word_t mp_tag[4][2], mp_mr1[4], mp_err[4], mp_done[4];

/* A receiver: its pager and buffer come in our go message; it takes up to
 * two messages (the other's pagefault first, for B), then reports. */
static void mp_receiver(void)
{
    L4_Word_t *mr = c2_mrs();
    L4_ThreadId_t from;
    L4_Receive(c2_me);
    unsigned me = (unsigned)mr[3];
    L4_ThreadId_t pager = { .raw = mr[1] };
    L4_Word_t buf = mr[2];
    L4_Set_Pager(pager);
    for (unsigned round = 0; round < 2; round++) {
        L4_StringItem_t s = L4_StringItem(MP_LEN, (void *)buf);
        L4_LoadBR(0, L4_StringItems().raw);
        L4_LoadBR(1, s.raw[0]);
        L4_LoadBR(2, s.raw[1]);
        L4_MsgTag_t tag = L4_Wait(&from);
        mp_tag[me][round] = tag.raw;
        if (round == 0)
            mp_mr1[me] = mr[1];
        if (L4_IpcFailed(tag)) {
            mp_err[me] = L4_ErrorCode();
            break;
        }
    }
    mp_done[me] = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* A sender: one string to the thread in our go message, with a 100 ms send
 * transfer timeout. */
static void mp_sender(void)
{
    L4_Word_t *mr = c2_mrs();
    L4_Receive(c2_me);
    unsigned me = (unsigned)mr[3];
    L4_ThreadId_t to = { .raw = mr[1] };
    L4_Set_XferTimeouts(L4_Timeouts(L4_TimePeriod(100000), L4_Never));
    L4_StringItem_t s = L4_StringItem(MP_LEN, mp_src);
    mr[0] = L4_MsgTagMake(0x55, 0, 2).raw;
    mr[1] = s.raw[0];
    mr[2] = s.raw[1];
    L4_MsgTag_t tag = L4_Send(to);
    mp_tag[me][0] = tag.raw;
    mp_err[me] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    mp_done[me] = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

static void mp_go(L4_ThreadId_t t, L4_Word_t w1, L4_Word_t w2, unsigned me)
{
    L4_Word_t *mr = c2_mrs();
    mr[0] = L4_MsgTagMake(0, 3, 0).raw;
    mr[1] = w1;
    mr[2] = w2;
    mr[3] = me;
    L4_Send(t);
    c2_yield(4);
}

static void check_mutual_pagers(void)
{
    L4_ThreadId_t a = c2_local(mp_receiver), b = c2_local(mp_receiver);
    L4_ThreadId_t c = c2_local(mp_sender), d = c2_local(mp_sender);
    mp_go(a, b.raw, MP_BUF_A, 0);
    mp_go(b, a.raw, MP_BUF_B, 1);
    mp_go(c, a.raw, 0, 2);             /* A faults: its pagefault goes to B, waiting */
    mp_go(d, b.raw, 0, 3);             /* B faults: its pagefault must not answer A's */
    L4_Clock_t t0 = L4_SystemClock();
    for (unsigned i = 0; i < 100 && !(mp_done[0] && mp_done[1] && mp_done[2] && mp_done[3]); i++)
        L4_Sleep(L4_TimePeriod(10000));
    L4_Clock_t t1 = L4_SystemClock();
    L4_MsgTag_t b_first = { .raw = mp_tag[1][0] };
    ktu_check("mutual_pagers_first_fault_reaches_the_other",
              !L4_IpcFailed(b_first) && (L4_Label(b_first) >> 4) == 0xFFEu && mp_mr1[1] == MP_BUF_A,
              "B did not receive A's pagefault for its buffer");
    ktu_check("mutual_pagers_system_goes_on", t1.raw - t0.raw >= 10000,
              "the clock did not advance");
    int all = mp_done[0] && mp_done[1] && mp_done[2] && mp_done[3];
    if (!all) {
        ktu_print("  done flags ");
        for (unsigned k = 0; k < 4; k++)
            ktu_print_hex(mp_done[k]);
        ktu_print("\n");
    }
    ktu_check("mutual_pagers_transfers_end", all && mp_err[0] != 0 && mp_err[1] != 0 && mp_err[2] != 0 &&
              mp_err[3] != 0, "a transfer between the mutual pagers did not end with an error");
    c2_kill(a);
    c2_kill(b);
    c2_kill(c);
    c2_kill(d);
}

int main(void)
{
    c2_init();
    check_ldt_gate();
    check_selectors();
    check_kernel_fault("kernel_read_is_pagefault_ipc", kread_child, 0xFFE5u, 0xC0000000u, 0);
    check_kernel_fault("kernel_write_is_pagefault_ipc", kwrite_child, 0xFFE2u, 0xF0000000u, 0);
    check_kernel_fault("kernel_fetch_is_pagefault_ipc", kfetch_child, 0xFFE5u, 0xC0100000u,
                       0xC0100000u);
    check_mutual_pagers();
    check_read_blocked();                            /* last: it lowers our priority */
    ktu_finish();
}
