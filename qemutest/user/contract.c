/*
 * Binary contract of the system calls (ABI 4.4), without our library: a
 * raw-assembly harness loads all seven registers, calls the KIP entry of a
 * system call like libl4 does (near call, return address on the stack), and
 * records every register, the segment registers, ESP and the direction flag
 * afterwards. Each case then checks the outputs the ABI names and the
 * registers it says must be preserved; every call must return with ESP as
 * after `ret`, the segment registers unchanged and DF clear.
 * Root task (module 1) with our sigma0 (module 0).
 */
#include "ktest_user.h"

#include <l4/kip.h>
#include <l4/utcb.h>

enum { EAX, ECX, EDX, ESI, EDI, EBX, EBP, NREGS };

/* Harness state, reached by absolute addresses only. */
unsigned ct_in[NREGS] __attribute__((used));
unsigned ct_out[NREGS] __attribute__((used));
unsigned ct_entry __attribute__((used));
unsigned ct_esp_before __attribute__((used)), ct_esp_after __attribute__((used));
unsigned ct_seg_before[6] __attribute__((used)), ct_seg_after[6] __attribute__((used));
unsigned ct_flags_after __attribute__((used)), ct_saved_ebp __attribute__((used));

static void raw_call(void)
{
    __asm__ volatile("mov %%ebp, ct_saved_ebp\n\t"
                     "push %%ebx\n\t"
                     "push %%esi\n\t"
                     "push %%edi\n\t"
                     "mov %%ds, ct_seg_before+0\n\t"
                     "mov %%es, ct_seg_before+4\n\t"
                     "mov %%fs, ct_seg_before+8\n\t"
                     "mov %%gs, ct_seg_before+12\n\t"
                     "mov %%ss, ct_seg_before+16\n\t"
                     "mov %%cs, ct_seg_before+20\n\t"
                     "mov ct_in+0, %%eax\n\t"
                     "mov ct_in+4, %%ecx\n\t"
                     "mov ct_in+8, %%edx\n\t"
                     "mov ct_in+12, %%esi\n\t"
                     "mov ct_in+16, %%edi\n\t"
                     "mov ct_in+20, %%ebx\n\t"
                     "mov ct_in+24, %%ebp\n\t"
                     "push ct_entry\n\t"
                     "mov %%esp, ct_esp_before\n\t"
                     "call *(%%esp)\n\t"
                     "mov %%esp, ct_esp_after\n\t"
                     "mov %%eax, ct_out+0\n\t"
                     "mov %%ecx, ct_out+4\n\t"
                     "mov %%edx, ct_out+8\n\t"
                     "mov %%esi, ct_out+12\n\t"
                     "mov %%edi, ct_out+16\n\t"
                     "mov %%ebx, ct_out+20\n\t"
                     "mov %%ebp, ct_out+24\n\t"
                     "pushf\n\t"
                     "pop ct_flags_after\n\t"
                     "mov %%ds, ct_seg_after+0\n\t"
                     "mov %%es, ct_seg_after+4\n\t"
                     "mov %%fs, ct_seg_after+8\n\t"
                     "mov %%gs, ct_seg_after+12\n\t"
                     "mov %%ss, ct_seg_after+16\n\t"
                     "mov %%cs, ct_seg_after+20\n\t"
                     "add $4, %%esp\n\t"
                     "pop %%edi\n\t"
                     "pop %%esi\n\t"
                     "pop %%ebx\n\t"
                     "mov ct_saved_ebp, %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "memory", "cc");
}

static unsigned kip_base;

/* Call system call `link` (KIP offset of its link field) with `in`. */
static void call(unsigned link, const unsigned in[NREGS])
{
    for (int i = 0; i < NREGS; i++)
        ct_in[i] = in[i];
    ct_entry = kip_base + ((const unsigned *)kip_base)[link / 4];
    raw_call();
}

/* ESP as after ret (the caller's ESP before its call; the kernel side sees
 * entry ESP + 4), segments unchanged, DF clear. */
static int frame_ok(void)
{
    int ok = ct_esp_after == ct_esp_before && !(ct_flags_after & 0x400u);
    for (int i = 0; i < 6; i++)
        ok &= (ct_seg_after[i] & 0xFFFF) == (ct_seg_before[i] & 0xFFFF);
    return ok;
}

/* Registers marked preserved in `mask` (bit r = register r) came back unchanged. */
static int preserved(unsigned mask)
{
    int ok = 1;
    for (int r = 0; r < NREGS; r++)
        if (mask & (1u << r))
            ok &= ct_out[r] == ct_in[r];
    return ok;
}

#define P(r) (1u << (r))

int main(void)
{
    kip_base = (unsigned)L4_GetKernelInterface();
    unsigned *mr = (unsigned *)L4_MyLocalId().raw;
    unsigned me = L4_MyGlobalId().raw;
    unsigned ub = L4_ThreadIdUserBase((void *)kip_base);
    unsigned s0 = (ub << 14) | 1u;
    unsigned pat[NREGS] = { 0, 0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u,
                            0x55555555u, 0x66666666u };

    /* ThreadSwitch(nil): every register preserved, EAX included */
    unsigned in_ts[NREGS] = { 0, pat[1], pat[2], pat[3], pat[4], pat[5], pat[6] };
    call(0xF4, in_ts);
    ktu_check("contract_threadswitch_nil_preserves_all", frame_ok() && preserved(0x7F),
              "a register changed");
    in_ts[EAX] = me;                                   /* dest = self */
    call(0xF4, in_ts);
    ktu_check("contract_threadswitch_self_preserves_all", frame_ok() && preserved(0x7F),
              "a register changed");

    /* SystemClock: EDX:EAX out, ECX EBX EBP preserved */
    unsigned in_sc[NREGS] = { pat[0], 0, pat[2], pat[3], pat[4], pat[5], pat[6] };
    in_sc[ECX] = kip_base + ((const unsigned *)kip_base)[0xF0 / 4];   /* libl4 passes the stub */
    call(0xF0, in_sc);
    unsigned lo1 = ct_out[EAX];
    ktu_check("contract_systemclock_preserves_ecx_ebx_ebp",
              frame_ok() && preserved(P(ECX) | P(EBX) | P(EBP)), "ECX/EBX/EBP changed");
    call(0xF0, in_sc);
    ktu_check("contract_systemclock_edx_eax_counts", ct_out[EAX] != lo1 || ct_out[EDX] != 0,
              "the clock did not move");

    /* Schedule(dest = me, all unchanged): EAX = state (3 running), EDX = old TimeControl */
    unsigned in_sch[NREGS] = { me, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, pat[5], pat[6] };
    call(0xF8, in_sch);
    ktu_check("contract_schedule_returns_state_in_eax", frame_ok() && ct_out[EAX] == 3,
              "EAX is not 'running'");
    ktu_check("contract_schedule_returns_timecontrol_in_edx", ct_out[EDX] != 0xFFFFFFFFu,
              "EDX was not written");

    /* ExchangeRegisters(me -> local ID, read only): EAX = local ID, EBP = pager */
    unsigned in_ex[NREGS] = { me, 0x200u, 0, 0, 0, 0, 0 };
    call(0xEC, in_ex);
    ktu_check("contract_exreg_global_to_local", frame_ok() && ct_out[EAX] == (unsigned)mr,
              "EAX is not our local ID");
    ktu_check("contract_exreg_pager_in_ebp", ct_out[EBP] == s0, "EBP is not our pager (sigma0)");
    in_ex[EAX] = (unsigned)mr;                         /* local -> global */
    call(0xEC, in_ex);
    ktu_check("contract_exreg_local_to_global", ct_out[EAX] == me, "EAX is not our global ID");
    in_ex[EAX] = 0;                                    /* nil -> error 2, outputs 0 */
    call(0xEC, in_ex);
    ktu_check("contract_exreg_nil_outputs_zero",
              ct_out[EAX] == 0 && ct_out[ECX] == 0 && ct_out[EDX] == 0 && ct_out[ESI] == 0 &&
                  ct_out[EDI] == 0 && ct_out[EBX] == 0 && ct_out[EBP] == 0 && mr[-9] == 2,
              "outputs not zero or ErrorCode not 2");

    /* ThreadControl: invalid (kernel-thread range) -> EAX 0, ErrorCode 2 */
    unsigned in_tc[NREGS] = { (20u << 14) | 1u, me, me, me, 0xFFFFFFFFu, pat[5], pat[6] };
    call(0xD4, in_tc);
    ktu_check("contract_threadcontrol_eax_0_error_2", frame_ok() && ct_out[EAX] == 0 && mr[-9] == 2,
              "no failure result");

    /* SpaceControl(me, control 0): EAX 1 (already initialised), ECX = old control 0 */
    unsigned in_sp[NREGS] = { me, 0, 0, 0, 0, pat[5], pat[6] };
    call(0xD0, in_sp);
    ktu_check("contract_spacecontrol_eax_ecx", frame_ok() && ct_out[EAX] == 1 && ct_out[ECX] == 0,
              "EAX/ECX wrong");

    /* ProcessorControl(0): EAX 1; (7): EAX 0, ErrorCode 5 */
    unsigned in_pc[NREGS] = { 0, 0, 0, 0, pat[4], pat[5], pat[6] };
    call(0xD8, in_pc);
    ktu_check("contract_processorcontrol_valid", frame_ok() && ct_out[EAX] == 1, "EAX not 1");
    in_pc[EAX] = 7;
    call(0xD8, in_pc);
    ktu_check("contract_processorcontrol_invalid", ct_out[EAX] == 0 && mr[-9] == 5, "not error 5");

    /* MemoryControl(k = 0, MR0 = nil fpage): EAX 1 */
    unsigned in_mc[NREGS] = { 0, 0, 0, 0, (unsigned)mr, pat[5], pat[6] };
    mr[0] = 0;
    call(0xDC, in_mc);
    ktu_check("contract_memorycontrol_nil_fpage", frame_ok() && ct_out[EAX] == 1, "EAX not 1");
    in_mc[EAX] = 64;                                   /* k >= 64 -> error 5 */
    call(0xDC, in_mc);
    ktu_check("contract_memorycontrol_bad_control", ct_out[EAX] == 0 && mr[-9] == 5, "not error 5");

    /* Unmap(k = 0, MR0 in ESI = a status query of a page we own): ECX preserved, ESI = MR0 */
    volatile unsigned *page = (volatile unsigned *)0x00A00000u;   /* our own image */
    (void)*page;
    unsigned in_um[NREGS] = { 0, 0, pat[2], 0x00A000C0u, (unsigned)mr, pat[5], pat[6] };
    in_um[ECX] = kip_base + ((const unsigned *)kip_base)[0xE8 / 4];
    call(0xE8, in_um);
    ktu_check("contract_unmap_preserves_ecx_returns_mr0",
              frame_ok() && preserved(P(ECX)) && ct_out[ESI] == mr[0] &&
                  (ct_out[ESI] & ~0xFu) == 0x00A000C0u && (ct_out[ESI] & 0x4u),
              "ECX changed, ESI != MR0, or no 'referenced' status for our code page");

    /* KernelInterface through lock;nop: EBX EDI EBP preserved (raw, not a KIP entry) */
    unsigned ki[4];
    __asm__ volatile("push %%ebp\n\t"
                     "mov $0x5555aaaa, %%ebx\n\t"
                     "mov $0x4444bbbb, %%edi\n\t"
                     "mov $0x6666cccc, %%ebp\n\t"
                     ".byte 0xF0, 0x90\n\t"
                     "cmp $0x5555aaaa, %%ebx\n\t"
                     "jne 1f\n\t"
                     "cmp $0x4444bbbb, %%edi\n\t"
                     "jne 1f\n\t"
                     "cmp $0x6666cccc, %%ebp\n\t"
                     "jne 1f\n\t"
                     "mov $1, %%ebx\n\t"
                     "jmp 2f\n\t"
                     "1: xor %%ebx, %%ebx\n\t"
                     "2: pop %%ebp\n\t"
                     : "=a"(ki[0]), "=c"(ki[1]), "=d"(ki[2]), "=b"(ki[3])
                     :
                     : "esi", "edi", "memory");
    ktu_check("contract_kernelinterface_registers",
              ki[3] == 1 && ki[0] == kip_base && ki[1] == 0x84050000u && ki[2] == 0,
              "outputs wrong or EBX/EDI/EBP changed");
    ktu_finish();
}
