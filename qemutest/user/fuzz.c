/*
 * The kernel survives garbage from user mode: 4000 system calls with
 * pseudo-random register contents (xorshift, fixed seed printed) through
 * every KIP entry and raw `int` vectors, plus random kdebug strings. The
 * values are constrained only where a correct kernel would legitimately
 * stop this test: no deletion, migration or halting of this task or
 * sigma0, no quantum/priority changes of them, no redirector, and IPC
 * timeouts of zero so that no call can block forever. Any kernel crash or
 * hang fails the run (the runner's timeout); the test also checks that
 * the task and sigma0 still answer afterwards.
 * Root task (module 1) with our sigma0 (module 0).
 */
#include "ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>

#define SEED 0x2545F491u
#define ROUNDS 4000u

static unsigned rng = SEED;

static unsigned next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

unsigned fz_in[7] __attribute__((used));
unsigned fz_entry __attribute__((used)), fz_saved_ebp __attribute__((used));

/* Call fz_entry with fz_in loaded into EAX ECX EDX ESI EDI EBX EBP. */
static void fuzz_call(void)
{
    __asm__ volatile("mov %%ebp, fz_saved_ebp\n\t"
                     "push %%ebx\n\t"
                     "push %%esi\n\t"
                     "push %%edi\n\t"
                     "push fz_entry\n\t"
                     "mov fz_in+0, %%eax\n\t"
                     "mov fz_in+4, %%ecx\n\t"
                     "mov fz_in+8, %%edx\n\t"
                     "mov fz_in+12, %%esi\n\t"
                     "mov fz_in+16, %%edi\n\t"
                     "mov fz_in+20, %%ebx\n\t"
                     "mov fz_in+24, %%ebp\n\t"
                     "call *(%%esp)\n\t"
                     "add $4, %%esp\n\t"
                     "pop %%edi\n\t"
                     "pop %%esi\n\t"
                     "pop %%ebx\n\t"
                     "mov fz_saved_ebp, %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "memory", "cc");
}

static unsigned me, s0, ub;

/* A random thread word that is never this task or sigma0 by number. */
static unsigned other_thread(void)
{
    unsigned r = next();
    if ((r >> 14) == (me >> 14) || (r >> 14) == (s0 >> 14))
        r ^= 0x00100000u;
    return r;
}

int main(void)
{
    unsigned kip = (unsigned)L4_GetKernelInterface();
    unsigned *mr = (unsigned *)L4_MyLocalId().raw;
    me = L4_MyGlobalId().raw;
    ub = L4_ThreadIdUserBase((void *)kip);
    s0 = (ub << 14) | 1u;
    ktu_print("fuzz: seed ");
    ktu_print_hex(SEED);
    ktu_print("\n");
    static const unsigned links[] = { 0xD0, 0xD4, 0xD8, 0xDC, 0xE0, 0xE4, 0xE8, 0xEC, 0xF0, 0xF4, 0xF8 };
    unsigned calls = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        unsigned which = next() % 11u;
        for (int r = 0; r < 7; r++)
            fz_in[r] = next();
        for (int m = 1; m < 64; m++)
            mr[m] = next();
        mr[-16] = next();                                /* BR0 */
        switch (links[which]) {
        case 0xD0:                                       /* SpaceControl: no redirector */
            fz_in[4] = 0;
            break;
        case 0xD4:                                       /* ThreadControl on others only */
            fz_in[0] = other_thread();
            if ((fz_in[0] >> 14) < ub + 10)
                fz_in[0] |= (ub + 10) << 14;
            break;
        case 0xE0:
        case 0xE4:                                       /* Ipc: never block */
            fz_in[1] = 0x04000400u;
            fz_in[4] = (unsigned)mr;
            mr[0] = fz_in[3];
            break;
        case 0xE8:                                       /* Unmap: MR0 = ESI */
            mr[0] = fz_in[3];
            fz_in[0] &= 0x7Fu;
            fz_in[4] = (unsigned)mr;
            break;
        case 0xEC:                                       /* ExchangeRegisters: not us */
            fz_in[0] = other_thread();
            break;
        case 0xF8:                                       /* Schedule: not us, not sigma0 */
            fz_in[0] = other_thread();
            break;
        case 0xDC:                                       /* MemoryControl */
            fz_in[4] = (unsigned)mr;
            mr[0] = fz_in[3];
            break;
        default:
            break;
        }
        fz_entry = kip + ((const unsigned *)kip)[links[which] / 4];
        fuzz_call();
        calls++;
        if ((i & 255u) == 0) {                           /* a kdebug string at a random address */
            unsigned a = next() | 0xC0000000u;
            __asm__ volatile("int3\n\tcmpb $1, %%al" : : "a"(a) : "memory");
        }
    }
    ktu_check("fuzz_all_calls_returned", calls == ROUNDS, "a call did not return");
    L4_Fpage_t f = L4_Sigma0_GetAny(L4_GlobalId(ub, 1), 12, L4_CompleteAddressSpace);
    ktu_check("fuzz_sigma0_still_serves", !L4_IsNilFpage(f), "sigma0 no longer answers");
    volatile unsigned *p = (volatile unsigned *)L4_Address(f);
    p[0] = 0xF00DF00Du;
    ktu_check("fuzz_memory_still_maps", p[0] == 0xF00DF00Du, "mapped page unusable");
    ktu_finish();
}
