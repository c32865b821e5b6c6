/*
 * sigma0's message decoding (portable, host-tested): what to do with one
 * received message (ABI 7.5, 5.9, 5.10, 5.14), and the reply words.
 */
#ifndef SIGMA0_S0PROTO_H
#define SIGMA0_S0PROTO_H

#include <stdbool.h>
#include <l4/types.h>

#include "s0mem.h"

enum s0_action {
    S0_ACT_IGNORE,      /* not a sigma0 message: no reply */
    S0_ACT_MAP,         /* memory/IO request or fault: reply with a map item */
    S0_ACT_EMPTY_REPLY, /* debug control (label -1001): empty reply */
};

/* The decision for one message. */
struct s0_request {
    enum s0_action action;
    bool fault;            /* page or IO fault: a refusal gets no reply */
    L4_Word_t attr;        /* memory attribute to apply first (0 = none) */
    enum s0_status status; /* for S0_ACT_MAP: S0_OK if `grant` may be mapped */
    L4_Fpage_t grant;      /* what to map when status is S0_OK */
};

/* Decide what to do with the message mr[0..3] (MR0 tag .. MR3) from `from`. Changes nothing. */
struct s0_request s0proto_decide(const struct s0mem *s, L4_Word_t from, const L4_Word_t mr[4]);
/* MR0..MR2 of the reply mapping `grant` (the nilpage for a refusal): label 0, t = 2, one map item. */
void s0proto_map_reply(L4_Fpage_t grant, L4_Word_t reply[3]);

#endif
