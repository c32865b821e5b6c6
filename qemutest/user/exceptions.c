/*
 * Root task (module 1, our sigma0 as module 0): a thread of ours raises
 * the CPU exceptions user code can raise in this configuration (not #DB:
 * QEMU turns icebp into #UD, and single-stepping cannot be stopped by a
 * handler, which may change only the arithmetic flags), with
 * patterned registers; we are its exception handler (ABI 5.12) and check
 * the 12-word message (EIP at the instruction for faults and after it for
 * traps, EFLAGS, vector, error code, EDI ESI EBP ESP EBX EDX ECX EAX), then
 * reply with the EIP past the instruction and a new EAX, which the thread
 * stores: the reply's registers must be the ones it continues with.
 */
#include "exc_user.h"
#include "ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#define NCASES 8
#define RESUMED(c) (0x5EC00000u | (c))

static L4_ThreadId_t me;
static unsigned char stack[4096] __attribute__((aligned(16)));
unsigned exc_results[NCASES] __attribute__((used));
int exc_bounds[2] __attribute__((used)) = { 10, 20 };

static const struct exc_case {
    const char *name;
    unsigned vector, error, len;   /* len: bytes to skip (0 for traps: EIP is past it) */
    int trap;
} cases[NCASES] = {
    { "exception_de_divide", 0, 0, 2, 0 },
    { "exception_gp_mov_cr0", 13, 0, 3, 0 },
    { "exception_bp_plain_int3", 3, 0, 0, 1 },
    { "exception_of_into", 4, 0, 0, 1 },
    { "exception_br_bound", 5, 0, 2, 0 },
    { "exception_ud_ud2", 6, 0, 2, 0 },
    { "exception_gp_hlt", 13, 0, 1, 0 },
    { "exception_gp_int_0x80", 13, 0x80 * 8 + 2, 2, 0 },
};

/* Patterned registers, then `insn`, then store EAX in exc_results[c]. */
#define RAISE(c, setup, insn)                                                       \
    __asm__ volatile("push %%ebp\n\t"                                               \
                     "mov $0xB0B0B0B0, %%ebx\n\t"                                   \
                     "mov $0xC0C0C0C0, %%ecx\n\t"                                   \
                     "mov $0xD0D0D0D0, %%edx\n\t"                                   \
                     "mov $0x51515151, %%esi\n\t"                                   \
                     "mov $0xD1D1D1D1, %%edi\n\t"                                   \
                     "mov $0xBEBEBEBE, %%ebp\n\t"                                   \
                     "mov $0xA0A0A0A0, %%eax\n\t" setup insn "\n\t"                 \
                     "mov %%eax, exc_results+4*" #c "\n\t"                          \
                     "pop %%ebp\n\t"                                                \
                     :                                                              \
                     :                                                              \
                     : "eax", "ebx", "ecx", "edx", "esi", "edi", "cc", "memory")

static void raiser(void)
{
    L4_Set_ExceptionHandler(me);
    RAISE(0, "xor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t", "div %%ecx");
    RAISE(1, "", "mov %%cr0, %%eax");
    RAISE(2, "", "int3\n\tnop");
    RAISE(3, "mov $0x7FFFFFFF, %%edx\n\tadd $1, %%edx\n\tmov $0xD0D0D0D0, %%edx\n\t", "into");
    RAISE(4, "mov $exc_bounds, %%esi\n\t", "bound %%eax, (%%esi)");
    RAISE(5, "", "ud2");
    RAISE(6, "", "hlt");
    RAISE(7, "", "int $0x80");
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
    exc_results[0] = exc_results[NCASES - 1] = 0;     /* data the thread uses: mapped */
    (void)*(volatile int *)exc_bounds;
    ktu_check("exceptions_thread_created",
              L4_ThreadControl(w, me, me, s0, (void *)0xBF000200u) == 1, "ThreadControl failed");
    L4_Start_SpIp(w, (L4_Word_t)(stack + sizeof stack), (L4_Word_t)raiser);

    for (unsigned c = 0; c < NCASES; c++) {
        L4_MsgTag_t tag = L4_Receive_Timeout(w, L4_TimePeriod(2000000));
        const struct exc_case *x = &cases[c];
        int esi_ok = c == 4 ? mr[6] == (L4_Word_t)exc_bounds : mr[6] == 0x51515151u;
        int ecx_ok = c == 0 ? mr[11] == 0 : mr[11] == 0xC0C0C0C0u;
        int edx_ok = c == 0 ? mr[10] == 0 : mr[10] == 0xD0D0D0D0u;
        int ok = exc_matches(tag, mr, x->vector, x->error, 0xA0A0A0A0u) &&
                 mr[9] == 0xB0B0B0B0u && ecx_ok && edx_ok && esi_ok &&
                 mr[5] == 0xD1D1D1D1u && mr[7] == 0xBEBEBEBEu &&
                 mr[8] > (L4_Word_t)stack && mr[8] <= (L4_Word_t)stack + sizeof stack &&
                 (mr[2] & 0x200u);
        if (!ok)
            exc_print(tag, mr);
        ktu_check(x->name, ok, "wrong exception message (vector, error code or registers)");
        if (!L4_IpcSucceeded(tag))
            break;
        /* reply with the full layout: new EIP past the instruction, new EAX */
        exc_resume(w, mr, x->len, RESUMED(c));
    }
    L4_MsgTag_t tag = L4_Receive_Timeout(w, L4_TimePeriod(2000000));
    int all = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x600D;
    for (unsigned c = 0; c < NCASES; c++)
        all &= exc_results[c] == RESUMED(c);
    ktu_check("exception_reply_loads_eip_and_eax", all,
              "the thread did not continue with the reply's EIP/EAX");
    ktu_finish();
}
