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
 * Anything else is reported and not answered. Ownership is in s0mem.c.
 */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/utcb.h>

#include "s0mem.h"

enum {
    S0_PROTO_PAGE_FAULT = 2,
    S0_PROTO_REQUEST = 6,
    S0_PROTO_IO_FAULT = 8,
    S0_PROTO_DEBUG = 1001,
};

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

/* Load the reply: label 0, u = 0, t = 2, one map item for `grant` (may be the nilpage). */
static void s0_load_map_reply(L4_Fpage_t grant)
{
    L4_Word_t base = L4_IsIoFpage(grant) ? 0 : L4_Address(grant);
    L4_MapItem_t m = L4_MapItem(grant, base);
    L4_LoadMR(0, L4_MsgTagMake(0, 0, 2).raw);
    L4_LoadMR(1, m.raw[0]);
    L4_LoadMR(2, m.raw[1]);
}

/* Decide, apply the attribute, commit: S0_OK and *grant on success. */
static enum s0_status s0_serve(L4_ThreadId_t from, L4_Fpage_t req, L4_Word_t attr, L4_Fpage_t *grant)
{
    enum s0_status st = s0mem_decide_request(&s0, req, from.raw, grant);
    if (st == S0_OK && attr != 0 && !L4_IsIoFpage(*grant) && !L4_Set_PageAttribute(*grant, attr))
        st = S0_INVALID;
    if (st == S0_OK)
        st = s0mem_commit(&s0, *grant, from.raw);
    return st;
}

/* Memory/IO request: always answered (nilpage map item on refusal). */
static L4_Bool_t s0_handle_request(L4_ThreadId_t from, L4_MsgTag_t tag)
{
    L4_Word_t mr1, mr2, mr3 = 0;
    L4_StoreMR(1, &mr1);
    L4_StoreMR(2, &mr2);
    if (L4_UntypedWords(tag) == 3)
        L4_StoreMR(3, &mr3);
    L4_Fpage_t req = { .raw = mr1 }, grant = L4_Nilpage;
    enum s0_status st = S0_NOT_AVAILABLE;  /* memory above 4 GB does not exist here */
    if (L4_IsIoFpage(req) || (mr1 & 0x8u) == 0 || mr3 == 0)
        st = s0_serve(from, req, mr2, &grant);
    if (st != S0_OK) {
        s0_log("refused request", from, mr1, st);
        grant = L4_Nilpage;
    }
    s0_load_map_reply(grant);
    return 1;
}

/* Page fault: the page 1:1 if allowed; refused faults are not answered. */
static L4_Bool_t s0_handle_fault(L4_ThreadId_t from)
{
    L4_Word_t addr, ip;
    L4_Fpage_t grant = L4_Nilpage;
    L4_StoreMR(1, &addr);
    L4_StoreMR(2, &ip);
    enum s0_status st = s0mem_decide_fault(&s0, addr, from.raw, &grant);
    if (st == S0_OK)
        st = s0mem_commit(&s0, grant, from.raw);
    if (st != S0_OK) {
        s0_log("refused page fault", from, addr, ip);
        return 0;
    }
    s0_load_map_reply(grant);
    return 1;
}

/* IO page fault: the ports of the IO fpage in MR1 if allowed; refused ones are not answered. */
static L4_Bool_t s0_handle_io_fault(L4_ThreadId_t from)
{
    L4_Word_t mr1, ip;
    L4_StoreMR(1, &mr1);
    L4_StoreMR(2, &ip);
    L4_Fpage_t req = { .raw = mr1 }, grant = L4_Nilpage;
    enum s0_status st = L4_IsIoFpage(req) ? s0_serve(from, req, 0, &grant) : S0_INVALID;
    if (st != S0_OK) {
        s0_log("refused IO fault", from, mr1, ip);
        return 0;
    }
    s0_load_map_reply(grant);
    return 1;
}

/* Handle one received message; true if a reply is loaded in the MRs. */
static L4_Bool_t s0_dispatch(L4_ThreadId_t from, L4_MsgTag_t tag)
{
    L4_Word_t u = L4_UntypedWords(tag);
    if (L4_IsProtocol(tag, S0_PROTO_DEBUG)) {
        L4_LoadMR(0, 0);
        return 1;
    }
    if (L4_TypedWords(tag) == 0 && (u == 2 || u == 3)) {
        if (L4_IsProtocol(tag, S0_PROTO_REQUEST))
            return s0_handle_request(from, tag);
        if (L4_IsProtocol(tag, S0_PROTO_PAGE_FAULT))
            return s0_handle_fault(from);
        if (L4_IsProtocol(tag, S0_PROTO_IO_FAULT))
            return s0_handle_io_fault(from);
    }
    s0_log("ignored message", from, tag.raw, 0);
    return 0;
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
        if (L4_IpcFailed(tag) || !s0_dispatch(from, tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        tag = L4_ReplyWait(from, &from);
        /* a failed reply (client gone) skips the receive phase: wait anew */
        if (L4_IpcFailed(tag) && !L4_IpcErrorInReceivePhase(L4_ErrorCode()))
            tag = L4_Wait(&from);
    }
}
