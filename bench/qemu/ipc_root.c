/*
 * IPC benchmark, module 1 (root task): N calls with no message words to the
 * partner (module 0) in another address space, timed with rdtsc. Under
 * `qemu -icount shift=0` rdtsc counts guest instructions exactly, so the
 * figures are instructions and repeat exactly from run to run. A call is a
 * round trip: two one-way IPCs.
 */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/utcb.h>

#define WARMUP 100u
#define ROUNDS 1000u

static unsigned long long rdtsc(void)
{
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (unsigned long long)hi << 32 | lo;
}

/* `n` calls with u = 0 through the KIP entry; the operands live on the
 * stack because Ipc returns MR1/MR2 in EBX/EBP. */
static void call_loop(unsigned entry, unsigned partner, unsigned utcb, unsigned n)
{
    /* the memory operands are read before ESP moves */
    __asm__ volatile("mov %0, %%eax\n\t"
                     "mov %1, %%ecx\n\t"
                     "mov %2, %%edx\n\t"
                     "mov %3, %%esi\n\t"
                     "push %%ebp\n\t"
                     "push %%eax\n\t"              /* 12(%esp): count */
                     "push %%ecx\n\t"              /* 8(%esp): partner */
                     "push %%edx\n\t"              /* 4(%esp): entry */
                     "push %%esi\n\t"              /* 0(%esp): utcb */
                     "1:\n\t"
                     "mov 8(%%esp), %%eax\n\t"      /* to */
                     "xor %%ecx, %%ecx\n\t"         /* never / never */
                     "mov %%eax, %%edx\n\t"         /* closed receive from it */
                     "xor %%esi, %%esi\n\t"         /* MR0: u = 0 */
                     "mov 0(%%esp), %%edi\n\t"
                     "call *4(%%esp)\n\t"
                     "decl 12(%%esp)\n\t"
                     "jnz 1b\n\t"
                     "add $16, %%esp\n\t"
                     "pop %%ebp\n\t"
                     :
                     : "m"(n), "m"(partner), "m"(entry), "m"(utcb)
                     : "eax", "ebx", "ecx", "edx", "esi", "edi", "memory");
}

static void print_dec(unsigned v)
{
    char buf[12];
    int i = 11;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + (unsigned)(v % 10u));
        v /= 10u;
    } while (v);
    L4_KDB_PrintString(&buf[i]);
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    unsigned entry = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    L4_ThreadId_t partner = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    unsigned utcb = L4_MyLocalId().raw;

    /* touch our strings while the partner still resolves page faults */
    L4_KDB_PrintString("[BENCH] ipc: 1000 calls to a thread in another space\n");
    L4_KDB_PrintString("");
    L4_LoadMR(0, 1u << 16);                    /* label 1: start the raw loop */
    L4_Call(partner);
    call_loop(entry, partner.raw, utcb, WARMUP);
    unsigned long long t0 = rdtsc();
    call_loop(entry, partner.raw, utcb, ROUNDS);
    unsigned long long t1 = rdtsc();
    unsigned per_call = (unsigned)(t1 - t0) / ROUNDS;   /* a few million: fits 32 bits */
    L4_KDB_PrintString("[BENCH] ipc_call_roundtrip_instructions ");
    print_dec(per_call);
    L4_KDB_PrintString("\n[BENCH] ipc_oneway_instructions ");
    print_dec(per_call / 2);
    L4_KDB_PrintString("\nbench done.\n[TEST:EXIT] 0\n");
    for (;;)
        L4_KDB_Enter("benchmark finished");
}
