/*
 * The raw-assembly echo loop the IPC benchmark partners run: ReplyWait
 * through the KIP entry to `partner` (closed receive from it), answering
 * every message with the tag it received (the same number of untyped words
 * back). Its timeouts: send ZeroTime, receive Never (ECHO_TIMEOUTS); or,
 * with `timeouts_from_mr1`, the word in MR1 (the EBX output of its last
 * receive, its own MR1 once a message of u >= 1 set it), so that the caller
 * decides whether the echo waits with a finite receive timeout: both
 * variants run the same instructions per call. Never returns.
 */
#ifndef BENCH_ECHO_H
#define BENCH_ECHO_H

#define ECHO_TIMEOUTS 0x04000000u   /* send ZeroTime, receive Never */

static inline _Noreturn void echo_loop(unsigned entry, unsigned partner, unsigned utcb,
                                       int timeouts_from_mr1)
{
    __asm__ volatile("push %0\n\t"                 /* 8(%esp): partner */
                     "push %1\n\t"                 /* 4(%esp): entry */
                     "push %2\n\t"                 /* 0(%esp): utcb */
                     "xor %%esi, %%esi\n\t"         /* first reply: u = 0 */
                     "mov %4, %%ebx\n\t"           /* first timeouts */
                     "1:\n\t"
                     "mov 8(%%esp), %%eax\n\t"      /* to: the caller */
                     ".if %c3\n\t"
                     "mov %%ebx, %%ecx\n\t"         /* timeouts: MR1 */
                     ".else\n\t"
                     "mov %4, %%ecx\n\t"
                     ".endif\n\t"
                     "mov %%eax, %%edx\n\t"         /* closed receive from it */
                     "mov 0(%%esp), %%edi\n\t"
                     "call *4(%%esp)\n\t"           /* ESI: the tag received */
                     "jmp 1b\n\t"
                     :
                     : "r"(partner), "r"(entry), "r"(utcb), "i"(timeouts_from_mr1 != 0),
                       "i"(ECHO_TIMEOUTS)
                     : "memory");
    __builtin_unreachable();
}

#endif
