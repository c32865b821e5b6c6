/*
 * Runs as sigma0 (module 0): the register binding of every system-call
 * wrapper of the user library (ABI 4.4), independent of the kernel. The
 * library's entry cache is pointed at fake_entry, which records the
 * registers it receives and returns the values a kernel would: outputs,
 * and garbage in every register the ABI lets a call clobber. Each check
 * compares what arrived with the ABI table and what the wrapper made of
 * the outputs; local canaries catch a damaged frame or stack.
 */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#include "ktest_user.h"

/* Register images: eax, ecx, edx, esi, edi, ebx, ebp. */
struct fake_regs {
    L4_Word_t eax, ecx, edx, esi, edi, ebx, ebp;
};

enum { R_EAX = 1, R_ECX = 2, R_EDX = 4, R_ESI = 8, R_EDI = 16, R_EBX = 32, R_EBP = 64 };

struct fake_regs fake_in __attribute__((used));   /* what the entry received */
struct fake_regs fake_out __attribute__((used));  /* what it returns ... */
L4_Word_t fake_mask __attribute__((used));        /* ... in the registers set here */
L4_Word_t fake_calls __attribute__((used));

void fake_entry(void);
__asm__(".text\n"
        ".globl fake_entry\n"
        "fake_entry:\n"
        "  incl fake_calls\n"
        "  mov %eax, fake_in+0\n"
        "  mov %ecx, fake_in+4\n"
        "  mov %edx, fake_in+8\n"
        "  mov %esi, fake_in+12\n"
        "  mov %edi, fake_in+16\n"
        "  mov %ebx, fake_in+20\n"
        "  mov %ebp, fake_in+24\n"
        "  testl $1, fake_mask\n  jz 1f\n  mov fake_out+0, %eax\n1:\n"
        "  testl $2, fake_mask\n  jz 1f\n  mov fake_out+4, %ecx\n1:\n"
        "  testl $4, fake_mask\n  jz 1f\n  mov fake_out+8, %edx\n1:\n"
        "  testl $8, fake_mask\n  jz 1f\n  mov fake_out+12, %esi\n1:\n"
        "  testl $16, fake_mask\n  jz 1f\n  mov fake_out+16, %edi\n1:\n"
        "  testl $32, fake_mask\n  jz 1f\n  mov fake_out+20, %ebx\n1:\n"
        "  testl $64, fake_mask\n  jz 1f\n  mov fake_out+24, %ebp\n1:\n"
        "  ret\n");

static const L4_Word_t garbage = 0xDEADBEEFu;

/* Expect the next call to return `out` in the registers of `mask`. */
static void fake_expect(L4_Word_t mask, struct fake_regs out)
{
    fake_mask = mask;
    fake_out = out;
    fake_in = (struct fake_regs){ 0, 0, 0, 0, 0, 0, 0 };
}

static void check_ipc(void)
{
    volatile L4_Word_t canary = 0xCA11AB1Eu;
    L4_Word_t *utcb = __L4_Utcb();
    L4_ThreadId_t from = L4_nilthread;
    utcb[0] = 0x00420003u;
    utcb[1] = utcb[2] = 0;
    fake_expect(R_EAX | R_ECX | R_EDX | R_ESI | R_EBX | R_EBP,
                (struct fake_regs){ 0x0010C001u, garbage, garbage, 0x00770002u, 0, 0x11111111u, 0x22222222u });
    L4_MsgTag_t tag = L4_Ipc(L4_GlobalId(0x40, 1), L4_GlobalId(0x41, 1), 0x04000010u, &from);
    ktu_check("ipc_inputs", fake_in.eax == L4_GlobalId(0x40, 1).raw && fake_in.ecx == 0x04000010u &&
                                fake_in.edx == L4_GlobalId(0x41, 1).raw && fake_in.esi == 0x00420003u &&
                                fake_in.edi == (L4_Word_t)utcb,
              "to/timeouts/from/MR0/UTCB not in EAX/ECX/EDX/ESI/EDI");
    ktu_check("ipc_outputs", tag.raw == 0x00770002u && from.raw == 0x0010C001u && utcb[0] == 0x00770002u &&
                                 utcb[1] == 0x11111111u && utcb[2] == 0x22222222u,
              "tag/from/MR1/MR2 not taken from ESI/EAX/EBX/EBP");
    utcb[1] = utcb[2] = 0x5u;
    fake_expect(R_EAX | R_ECX | R_EDX | R_ESI | R_EBX | R_EBP,
                (struct fake_regs){ 0, garbage, garbage, 0x00420003u, 0, garbage, garbage });
    tag = L4_Send(L4_GlobalId(0x40, 1));
    ktu_check("ipc_send_only_keeps_mrs", tag.raw == 0x00420003u && utcb[1] == 5 && utcb[2] == 5 &&
                                             fake_in.edx == 0 && fake_in.ecx == 0,
              "send-only IPC wrote MR1/MR2 or wrong from/timeouts");
    fake_expect(R_EAX | R_ECX | R_EDX | R_ESI | R_EBX | R_EBP,
                (struct fake_regs){ 0x0010C001u, garbage, garbage, 0, 0, 1, 2 });
    L4_ReplyWait(L4_GlobalId(0x40, 1), &from);
    ktu_check("ipc_reply_wait_encoding", fake_in.edx == 0xFFFFFFFFu && fake_in.ecx == 0x04000000u,
              "ReplyWait: anythread / ZeroTime-Never");
    fake_expect(R_EAX | R_ECX | R_EDX | R_ESI | R_EBX | R_EBP, (struct fake_regs){ 0, 0, 0, 0, 0, 0, 0 });
    L4_Lcall(L4_LocalId(0xBF000300u));
    ktu_check("lipc_call_encoding", fake_in.eax == 0xBF000300u && fake_in.edx == 0xBF000300u &&
                                        fake_in.ecx == 0,
              "Lcall: to = from = local ID, Never/Never");
    ktu_check("ipc_frame_intact", canary == 0xCA11AB1Eu, "canary");
}

static void check_exchange_registers(void)
{
    volatile L4_Word_t canary = 0xCA11AB1Eu;
    L4_Word_t oc, osp, oip, ofl, oh;
    L4_ThreadId_t op;
    fake_expect(0x7F, (struct fake_regs){ 0xBF000300u, 0x5, 0x1000, 0x2000, 0x202, 0x77, 0x0010C001u });
    L4_ThreadId_t r = L4_ExchangeRegisters(L4_GlobalId(0x50, 1), 0x1FE, 0xA000, 0xB000, 0x3202, 0x99,
                                           L4_GlobalId(0x51, 1), &oc, &osp, &oip, &ofl, &oh, &op);
    ktu_check("exreg_inputs", fake_in.eax == L4_GlobalId(0x50, 1).raw && fake_in.ecx == 0x1FE &&
                                  fake_in.edx == 0xA000 && fake_in.esi == 0xB000 && fake_in.edi == 0x3202 &&
                                  fake_in.ebx == 0x99 && fake_in.ebp == L4_GlobalId(0x51, 1).raw,
              "dest/control/sp/ip/flags/handle/pager not in EAX..EBP");
    ktu_check("exreg_outputs", r.raw == 0xBF000300u && oc == 5 && osp == 0x1000 && oip == 0x2000 &&
                                   ofl == 0x202 && oh == 0x77 && op.raw == 0x0010C001u,
              "old values not taken from the seven registers");
    fake_expect(0x7F, (struct fake_regs){ 0, 0, 0, 0, 0, 0, 0 });
    L4_Start_SpIp(L4_GlobalId(0x50, 1), 0x1234, 0x5678);
    ktu_check("exreg_start_sp_ip", fake_in.ecx == 0x11E && fake_in.edx == 0x1234 && fake_in.esi == 0x5678,
              "L4_Start_SpIp encoding");
    fake_expect(0x7F, (struct fake_regs){ 0, 0, 0, 0, 0, 0, 0 });
    L4_AbortIpc_and_stop(L4_GlobalId(0x50, 1));
    ktu_check("exreg_abort_ipc_and_stop", fake_in.ecx == 0x307, "control 0x307");
    ktu_check("exreg_frame_intact", canary == 0xCA11AB1Eu, "canary");
}

static void check_control_calls(void)
{
    volatile L4_Word_t canary = 0xCA11AB1Eu;
    L4_Word_t old = 0;
    L4_Word_t all_x = R_ECX | R_EDX | R_ESI | R_EDI | R_EBX | R_EBP;
    fake_expect(R_EAX | all_x, (struct fake_regs){ 1, garbage, garbage, garbage, garbage, garbage, garbage });
    L4_Word_t r = L4_ThreadControl(L4_GlobalId(0x60, 1), L4_GlobalId(0x61, 1), L4_GlobalId(0x62, 1),
                                   L4_GlobalId(0x63, 1), (void *)0xBF000400u);
    ktu_check("thread_control_binding", r == 1 && fake_in.eax == L4_GlobalId(0x60, 1).raw &&
                                            fake_in.esi == L4_GlobalId(0x61, 1).raw &&
                                            fake_in.edx == L4_GlobalId(0x62, 1).raw &&
                                            fake_in.ecx == L4_GlobalId(0x63, 1).raw && fake_in.edi == 0xBF000400u,
              "dest EAX, space ESI, scheduler EDX, pager ECX, UTCB EDI");
    fake_expect(R_EAX | all_x, (struct fake_regs){ 1, 0x80000001u, garbage, garbage, garbage, garbage, garbage });
    r = L4_SpaceControl(L4_GlobalId(0x60, 1), 0x80000001u, L4_FpageLog2(0xBFF00000u, 12),
                        L4_FpageLog2(0xBF000000u, 17), L4_anythread, &old);
    ktu_check("space_control_binding", r == 1 && old == 0x80000001u && fake_in.eax == L4_GlobalId(0x60, 1).raw &&
                                           fake_in.ecx == 0x80000001u &&
                                           fake_in.edx == L4_FpageLog2(0xBFF00000u, 12).raw &&
                                           fake_in.esi == L4_FpageLog2(0xBF000000u, 17).raw &&
                                           fake_in.edi == 0xFFFFFFFFu,
              "space EAX, control ECX, KIP area EDX, UTCB area ESI, redirector EDI; old control ECX");
    fake_expect(R_EAX | all_x, (struct fake_regs){ 3, garbage, 0x12710000u, garbage, garbage, garbage, garbage });
    r = L4_Schedule(L4_GlobalId(0x60, 1), 0x11, 0x22, 0x33, 0x44, &old);
    ktu_check("schedule_binding", r == 3 && old == 0x12710000u && fake_in.edx == 0x11 && fake_in.esi == 0x22 &&
                                      fake_in.ecx == 0x33 && fake_in.edi == 0x44,
              "time EDX, processor ESI, prio ECX, preemption EDI; old time EDX");
    fake_expect(R_EAX | all_x, (struct fake_regs){ 1, garbage, garbage, garbage, garbage, garbage, garbage });
    r = L4_ProcessorControl(1, 2000000, 100000, 1200);
    ktu_check("processor_control_binding", r == 1 && fake_in.eax == 1 && fake_in.ecx == 2000000 &&
                                               fake_in.edx == 100000 && fake_in.esi == 1200,
              "cpu EAX, internal ECX, external EDX, voltage ESI");
    ktu_check("control_calls_frame_intact", canary == 0xCA11AB1Eu, "canary");
}

static void check_memory_calls(void)
{
    volatile L4_Word_t canary = 0xCA11AB1Eu;
    L4_Word_t *utcb = __L4_Utcb();
    L4_Word_t attrs[4] = { 0xA0, 0xA1, 0xA2, 0xA3 };
    utcb[0] = L4_FpageLog2(0x00400000u, 12).raw;
    fake_expect(R_EAX | R_ECX | R_EDX | R_ESI | R_EDI | R_EBX | R_EBP,
                (struct fake_regs){ 1, garbage, garbage, garbage, garbage, garbage, garbage });
    L4_Word_t r = L4_MemoryControl(0x3, attrs);
    ktu_check("memory_control_binding", r == 1 && fake_in.eax == 3 && fake_in.ecx == 0xA0 &&
                                            fake_in.edx == 0xA1 && fake_in.ebx == 0xA2 && fake_in.ebp == 0xA3 &&
                                            fake_in.esi == L4_FpageLog2(0x00400000u, 12).raw &&
                                            fake_in.edi == (L4_Word_t)utcb,
              "control EAX, attributes ECX/EDX/EBX/EBP, MR0 ESI, UTCB EDI");
    L4_Word_t entry = __L4_syscall_entry[L4_SYSCALL_UNMAP];
    fake_expect(R_EAX | R_EDX | R_ESI | R_EDI | R_EBX | R_EBP,
                (struct fake_regs){ garbage, 0, garbage, 0x00400006u, garbage, garbage, garbage });
    L4_Fpage_t f = L4_Flush(L4_FpageLog2(0x00400000u, 12));
    ktu_check("unmap_binding", f.raw == 0x00400006u && utcb[0] == 0x00400006u && fake_in.eax == 0x40 &&
                                   fake_in.esi == L4_FpageLog2(0x00400000u, 12).raw &&
                                   fake_in.ecx == entry && fake_in.edi == (L4_Word_t)utcb,
              "control EAX, MR0 ESI in/out, entry in ECX, UTCB EDI");
    ktu_check("memory_calls_frame_intact", canary == 0xCA11AB1Eu, "canary");
}

static void check_preserving_calls(void)
{
    volatile L4_Word_t canary = 0xCA11AB1Eu;
    fake_expect(0, (struct fake_regs){ 0, 0, 0, 0, 0, 0, 0 });
    L4_ThreadSwitch(L4_GlobalId(0x70, 1));
    ktu_check("thread_switch_binding", fake_in.eax == L4_GlobalId(0x70, 1).raw, "dest in EAX");
    L4_Word_t entry = __L4_syscall_entry[L4_SYSCALL_SYSTEM_CLOCK];
    fake_expect(R_EAX | R_EDX | R_ESI | R_EDI, (struct fake_regs){ 0x89ABCDEFu, 0, 0x01234567u, garbage, garbage, 0, 0 });
    L4_Clock_t c = L4_SystemClock();
    ktu_check("system_clock_binding", c.raw == 0x0123456789ABCDEFull && fake_in.ecx == entry,
              "clock in EDX:EAX, entry in ECX");
    ktu_check("preserving_calls_frame_intact", canary == 0xCA11AB1Eu, "canary");
}

int main(void)
{
    /* fill the entry cache from the real KIP, then divert every call */
    __L4_SyscallInit(0);
    for (unsigned i = 0; i < L4_SYSCALL_COUNT; i++)
        __L4_syscall_entry[i] = (L4_Word_t)fake_entry;
    check_ipc();
    check_exchange_registers();
    check_control_calls();
    check_memory_calls();
    check_preserving_calls();
    ktu_check("fake_entry_called", fake_calls == 15, "wrong number of system calls");
    ktu_finish();
}
