/*
 * IPC benchmark, module 0 (runs as sigma0): a minimal pager for the root
 * task's page faults (maps the page 1:1), then - after the message with
 * label 1 - a raw-assembly ReplyWait loop answering every call with an
 * empty message, so that the measured path is kernel IPC plus a handful of
 * user instructions.
 */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/utcb.h>

/* ReplyWait forever with u = 0 through the KIP entry (never returns). The
 * operands live on the stack: Ipc returns MR1/MR2 in EBX/EBP. */
static _Noreturn void reply_wait_loop(unsigned entry, unsigned partner, unsigned utcb)
{
    __asm__ volatile("push %0\n\t"                 /* 8(%esp): partner */
                     "push %1\n\t"                 /* 4(%esp): entry */
                     "push %2\n\t"                 /* 0(%esp): utcb */
                     "1:\n\t"
                     "mov 8(%%esp), %%eax\n\t"      /* to: the caller */
                     "mov $0x04000000, %%ecx\n\t"   /* send ZeroTime, receive never */
                     "mov %%eax, %%edx\n\t"         /* closed receive from it */
                     "xor %%esi, %%esi\n\t"         /* MR0: u = 0 */
                     "mov 0(%%esp), %%edi\n\t"
                     "call *4(%%esp)\n\t"
                     "jmp 1b\n\t"
                     :
                     : "r"(partner), "r"(entry), "r"(utcb)
                     : "memory");
    __builtin_unreachable();
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    unsigned entry = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_Label(tag) == 1)
            reply_wait_loop(entry, from.raw, (unsigned)mr);
        if ((L4_Label(tag) >> 4) == 0xFFE) {          /* page fault: map it 1:1 */
            L4_Word_t page = mr[1] & ~0xFFFu;
            mr[0] = 0x00000080u;                      /* u = 0, t = 2: one map item */
            mr[1] = page | 0x8u;
            mr[2] = page | (12u << 4) | 0x7u;
        } else {
            mr[0] = 0;
        }
        tag = L4_ReplyWait(from, &from);
    }
}
