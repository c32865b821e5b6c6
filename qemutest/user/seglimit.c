/*
 * Root task (module 1, our sigma0 as module 0), run in Bochs only (label
 * bochs): segment limits are enforced on user accesses. QEMU's TCG does not
 * check limits, so there the out-of-limit accesses below succeed and this
 * program fails: it proves the second emulator checks what small address
 * spaces will rely on.
 *
 * The only user segment with a limit today is the UTCB segment 0x2B (%gs:
 * one word, limit 3). A thread of ours loads it into each segment register
 * a user can load and reaches past the limit; we are its exception handler
 * (ABI 5.12) and expect #GP(0), or #SS(0) through SS, as exception IPC at
 * the faulting instruction, then reply with the EIP past it and a new EAX,
 * which the thread stores once it has its segment back. Accesses inside the
 * limit must not fault.
 */
#include "exc_user.h"
#include "ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#define NFAULTS 8
#define NCASES (NFAULTS + 1)
#define RESUMED(c) (0x5E600000u | (c))
#define SEL_UTCB_GS 0x2Bu

static L4_ThreadId_t me;
static unsigned char stack[4096] __attribute__((aligned(16)));
unsigned seg_results[NCASES] __attribute__((used));
unsigned seg_inside[2] __attribute__((used));

static const struct seg_case {
    const char *name;
    unsigned vector, error, len;   /* len: bytes of the faulting instruction */
} cases[NFAULTS] = {
    { "seglimit_gs_read_past_limit", 13, 0, 6 },        /* mov %gs:4, %eax */
    { "seglimit_gs_read_straddles_limit", 13, 0, 6 },   /* mov %gs:2, %eax */
    { "seglimit_gs_write_past_limit", 13, 0, 11 },      /* movl $1, %gs:4 */
    { "seglimit_ds_read_past_limit", 13, 0, 5 },        /* mov 4, %eax */
    { "seglimit_es_string_past_limit", 13, 0, 1 },      /* stosb to %es:(%edi) */
    { "seglimit_fs_read_past_limit", 13, 0, 6 },        /* mov %fs:4, %eax */
    { "seglimit_ss_push_past_limit", 12, 0, 1 },        /* push %eax */
    { "seglimit_cs_data_selector", 13, SEL_UTCB_GS & ~3u, 7 },   /* ljmp $0x2B, $0 */
};

/* Load the UTCB selector into `seg` (old value kept in ESI), set EAX to a
 * pattern, run `insn`, restore `seg`, store EAX in seg_results[c]. */
#define FAULT(c, seg, insn)                                                         \
    __asm__ volatile("mov %%" seg ", %%esi\n\t"                                     \
                     "mov $0x2B, %%eax\n\t"                                         \
                     "mov %%eax, %%" seg "\n\t"                                     \
                     "mov $0xA0A0A0A0, %%eax\n\t"                                   \
                     "mov %%esp, %%edi\n\t" insn "\n\t"                             \
                     "mov %%esi, %%" seg "\n\t"                                     \
                     "mov %%eax, seg_results+4*" #c "\n\t"                          \
                     :                                                              \
                     :                                                              \
                     : "eax", "esi", "edi", "cc", "memory")

static void raiser(void)
{
    L4_Set_ExceptionHandler(me);
    /* inside the limit: the last byte and the whole word */
    __asm__ volatile("movzbl %%gs:3, %%eax\n\t"
                     "mov %%gs:0, %%edx\n\t"
                     "mov %%eax, seg_inside\n\t"
                     "mov %%edx, seg_inside+4\n\t"
                     :
                     :
                     : "eax", "edx", "memory");
    FAULT(0, "gs", "mov %%gs:4, %%eax");
    FAULT(1, "gs", "mov %%gs:2, %%eax");
    FAULT(2, "gs", "movl $1, %%gs:4");
    FAULT(3, "ds", "mov 4, %%eax");
    FAULT(4, "es", "stosb");
    FAULT(5, "fs", "mov %%fs:4, %%eax");
    FAULT(6, "ss", "push %%eax");
    __asm__ volatile("mov $0xA0A0A0A0, %%eax\n\t"
                     "ljmp $0x2B, $0\n\t"
                     "mov %%eax, seg_results+4*7\n\t"
                     :
                     :
                     : "eax", "memory");
    seg_results[NFAULTS] = RESUMED(NFAULTS);
    L4_LoadMR(0, L4_MsgTagMake(0x600D, 0, 0).raw);
    L4_Send(me);
    for (;;)
        L4_Sleep(L4_Never);
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    L4_ThreadId_t w = L4_GlobalId(L4_ThreadIdUserBase(kip) + 3, 1);
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    me = L4_MyGlobalId();
    for (unsigned i = 0; i < sizeof stack; i += 1024)
        stack[i] = 0;
    (void)*(volatile unsigned char *)(void *)raiser;
    seg_results[0] = seg_inside[0] = 0;                /* data the thread uses: mapped */
    ktu_check("seglimit_thread_created",
              L4_ThreadControl(w, me, me, s0, (void *)0xBF000200u) == 1, "ThreadControl failed");
    L4_Start_SpIp(w, (L4_Word_t)(stack + sizeof stack), (L4_Word_t)raiser);

    for (unsigned c = 0; c < NFAULTS; c++) {
        L4_MsgTag_t tag = L4_Receive_Timeout(w, L4_TimePeriod(2000000));
        const struct seg_case *x = &cases[c];
        int ok = exc_matches(tag, mr, x->vector, x->error, 0xA0A0A0A0u);
        if (!ok)
            exc_print(tag, mr);
        ktu_check(x->name, ok, "no exception IPC with this vector and error code");
        if (!exc_is_exception(tag))
            break;
        exc_resume(w, mr, x->len, RESUMED(c));
    }
    L4_MsgTag_t tag = L4_Receive_Timeout(w, L4_TimePeriod(2000000));
    int all = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x600D;
    for (unsigned c = 0; c < NCASES; c++)
        all &= seg_results[c] == RESUMED(c);
    ktu_check("seglimit_thread_continues_with_its_segments", all,
              "the thread did not resume past each fault with its segment restored");
    ktu_check("seglimit_inside_limit_allowed",
              seg_inside[1] == 0xBF000200u + 256u && seg_inside[0] == 0xBFu,
              "reading %gs:0..3 did not give the UTCB pointer");
    ktu_finish();
}
