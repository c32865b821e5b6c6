/*
 * IPC benchmark, module 0 (runs as sigma0): a minimal pager for the root
 * task's page faults (maps the page 1:1), then - after the message with
 * label 1 - a raw-assembly ReplyWait loop answering every call with the
 * tag it received (echo.h), so that the measured path is kernel IPC plus a handful of
 * user instructions. It waits with the timeouts in MR1 of the root's
 * calls (finite for the general-path figures).
 */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/utcb.h>

#include "echo.h"

int main(void)
{
    void *kip = L4_GetKernelInterface();
    unsigned entry = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_Label(tag) == 1)
            echo_loop(entry, from.raw, (unsigned)mr, 1);   /* timeouts: our caller's MR1 */
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
