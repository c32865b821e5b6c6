/*
 * sigma0's message decoding (see s0proto.h).
 *
 * Guarantees:
 * - Only messages with t = 0 and u = 2 or 3 are served, told apart by MR0
 *   bits [31..20]: -6 request (MR1 fpage, MR2 attribute, MR3 bits 63..32
 *   of the physical address when u = 3 and fpage bit 3 is set: only 0 is
 *   servable), -2 page fault (MR1 address), -8 IO fault (MR1 IO fpage).
 *   Label -1001 (debug control) gets an empty reply whatever its shape.
 * - Decisions come from s0mem and change no state; the caller applies the
 *   attribute and commits.
 * - The reply is label 0, u = 0, t = 2 with a map item whose send base is
 *   the physical address (0 for IO fpages and the nilpage).
 */
#include "s0proto.h"

#include <l4/message.h>

enum {
    S0_PROTO_PAGE_FAULT = 2,
    S0_PROTO_REQUEST = 6,
    S0_PROTO_IO_FAULT = 8,
    S0_PROTO_DEBUG = 1001,
};

/* Decide a -6 request. */
static struct s0_request s0proto_request(const struct s0mem *s, L4_Word_t from, const L4_Word_t mr[4])
{
    struct s0_request r = { S0_ACT_MAP, false, mr[2], S0_NOT_AVAILABLE, L4_Nilpage };
    L4_Fpage_t req = { .raw = mr[1] };
    bool high = !L4_IsIoFpage(req) && (mr[1] & 0x8u) && L4_UntypedWords((L4_MsgTag_t){ .raw = mr[0] }) == 3 &&
                mr[3] != 0;
    if (!high)
        r.status = s0mem_decide_request(s, req, from, &r.grant);
    if (L4_IsIoFpage(req))
        r.attr = 0;
    return r;
}

struct s0_request s0proto_decide(const struct s0mem *s, L4_Word_t from, const L4_Word_t mr[4])
{
    L4_MsgTag_t tag = { .raw = mr[0] };
    L4_Word_t u = L4_UntypedWords(tag);
    struct s0_request r = { S0_ACT_IGNORE, false, 0, S0_INVALID, L4_Nilpage };
    if (L4_IsProtocol(tag, S0_PROTO_DEBUG)) {
        r.action = S0_ACT_EMPTY_REPLY;
        return r;
    }
    if (L4_TypedWords(tag) != 0 || (u != 2 && u != 3))
        return r;
    if (L4_IsProtocol(tag, S0_PROTO_REQUEST))
        return s0proto_request(s, from, mr);
    if (L4_IsProtocol(tag, S0_PROTO_PAGE_FAULT)) {
        r.action = S0_ACT_MAP;
        r.fault = true;
        r.status = s0mem_decide_fault(s, mr[1], from, &r.grant);
    } else if (L4_IsProtocol(tag, S0_PROTO_IO_FAULT)) {
        L4_Fpage_t req = { .raw = mr[1] };
        r.action = S0_ACT_MAP;
        r.fault = true;
        if (L4_IsIoFpage(req))
            r.status = s0mem_decide_request(s, req, from, &r.grant);
    }
    return r;
}

void s0proto_map_reply(L4_Fpage_t grant, L4_Word_t reply[3])
{
    L4_MapItem_t m = L4_MapItem(grant, L4_IsIoFpage(grant) ? 0 : L4_Address(grant));
    reply[0] = L4_MsgTagMake(0, 0, 2).raw;
    reply[1] = m.raw[0];
    reply[2] = m.raw[1];
}
