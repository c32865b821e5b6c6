/*
 * The raw-assembly echo loop both IPC benchmark partners run: ReplyWait
 * through the KIP entry to `partner` (closed receive from it, send
 * ZeroTime, receive Never), answering every message with the tag it
 * received (the same number of untyped words back). Never returns.
 */
#ifndef BENCH_ECHO_H
#define BENCH_ECHO_H

static inline _Noreturn void echo_loop(unsigned entry, unsigned partner, unsigned utcb)
{
    __asm__ volatile("push %0\n\t"                 /* 8(%esp): partner */
                     "push %1\n\t"                 /* 4(%esp): entry */
                     "push %2\n\t"                 /* 0(%esp): utcb */
                     "xor %%esi, %%esi\n\t"         /* first reply: u = 0 */
                     "1:\n\t"
                     "mov 8(%%esp), %%eax\n\t"      /* to: the caller */
                     "mov $0x04000000, %%ecx\n\t"   /* send ZeroTime, receive never */
                     "mov %%eax, %%edx\n\t"         /* closed receive from it */
                     "mov 0(%%esp), %%edi\n\t"
                     "call *4(%%esp)\n\t"           /* ESI: the tag received */
                     "jmp 1b\n\t"
                     :
                     : "r"(partner), "r"(entry), "r"(utcb)
                     : "memory");
    __builtin_unreachable();
}

#endif
