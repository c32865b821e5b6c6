/*
 * sigma0: the root pager (ABI 7.4, 7.5). It owns all physical memory
 * (mapped to it idempotently by the kernel) and all IO ports, and hands them
 * out by IPC:
 * - memory/IO requests (label -6, u = 2 or 3, t = 0): MR1 requested fpage
 *   (specific region, "any page" or IO fpage), MR2 memory attribute (applied
 *   with MemoryControl first when non-zero), MR3 physical address bits
 *   63..32 when the fpage's bit 3 is set (only 0 is servable). The reply is
 *   one map item (label 0, u = 0, t = 2), send base = physical address, with
 *   the nilpage on refusal.
 * - page faults (label -2) of threads whose pager is sigma0: the faulting
 *   page 1:1; IO page faults (label -8): the faulting ports. A refused fault
 *   is reported on the console and left unanswered (the thread stays
 *   blocked rather than faulting forever).
 * - label -1001 (debug control from the root task): empty reply.
 * Anything else is reported and not answered. Ownership decisions are in
 * s0mem.c, message decoding in s0proto.c (both host-tested).
 */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/utcb.h>

#include "s0mem.h"
#include "s0proto.h"

static struct s0mem s0;

/* Print `v` as 8 hex digits. */
static void s0_print_hex(L4_Word_t v)
{
    char buf[9];
    for (int i = 0; i < 8; i++)
        buf[i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    buf[8] = 0;
    L4_KDB_PrintString(buf);
}

/* Console line "sigma0: <what> from <id>: <v1> <v2>". */
static void s0_log(const char *what, L4_ThreadId_t from, L4_Word_t v1, L4_Word_t v2)
{
    L4_KDB_PrintString("sigma0: ");
    L4_KDB_PrintString(what);
    L4_KDB_PrintString(" from ");
    s0_print_hex(from.raw);
    L4_KDB_PrintString(": ");
    s0_print_hex(v1);
    L4_KDB_PrintChar(' ');
    s0_print_hex(v2);
    L4_KDB_PrintChar('\n');
}

/* Apply the attribute and commit a decided grant; S0_OK if it may be mapped. */
static enum s0_status s0_carry_out(L4_ThreadId_t from, const struct s0_request *r)
{
    enum s0_status st = r->status;
    if (st == S0_OK && r->attr != 0 && !L4_Set_PageAttribute(r->grant, r->attr))
        st = S0_INVALID;
    if (st == S0_OK)
        st = s0mem_commit(&s0, r->grant, from.raw);
    return st;
}

/* Handle one received message; true if a reply is loaded in the MRs. */
static L4_Bool_t s0_handle(L4_ThreadId_t from)
{
    L4_Word_t mr[4], reply[3];
    L4_StoreMRs(0, 4, mr);
    struct s0_request r = s0proto_decide(&s0, from.raw, mr);
    if (r.action == S0_ACT_IGNORE) {
        s0_log("ignored message", from, mr[0], mr[1]);
        return 0;
    }
    if (r.action == S0_ACT_EMPTY_REPLY) {
        L4_LoadMR(0, 0);
        return 1;
    }
    L4_Fpage_t grant = r.grant;
    enum s0_status st = s0_carry_out(from, &r);
    if (st != S0_OK) {
        s0_log(r.fault ? "refused fault" : "refused request", from, mr[1], st);
        if (r.fault)
            return 0;
        grant = L4_Nilpage;
    }
    s0proto_map_reply(grant, reply);
    L4_LoadMRs(0, 3, reply);
    return 1;
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    if (!s0mem_init_from_kip(&s0, kip)) {
        for (;;)
            L4_KDB_Enter("sigma0: KIP PageInfo has no page size");
    }
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcFailed(tag) || !s0_handle(from)) {
            tag = L4_Wait(&from);
            continue;
        }
        tag = L4_ReplyWait(from, &from);
        /* a failed reply (client gone) skips the receive phase: wait anew */
        if (L4_IpcFailed(tag) && !L4_IpcErrorInReceivePhase(L4_ErrorCode()))
            tag = L4_Wait(&from);
    }
}
