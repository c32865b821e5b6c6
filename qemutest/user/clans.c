/*
 * Root task (module 1, our sigma0 as module 0) showing clans & chiefs with
 * X.2 IPC redirection (ABI 5.7) on the real kernel:
 *
 *   space A: the chief C            space B (redirector C): members M, M2
 *   root space: the outsider O = this root task, pager of C, M and M2
 *
 * M sends to M2 (intra-clan: direct), then calls O: the kernel redirects
 * the request to C (r set, IntendedReceiver = O); C forwards it to O with
 * propagation (VirtualSender = M), so O sees it from M with p set and
 * ActualSender = C, and O's reply reaches M directly (M's closed receive
 * stayed on O). M's send to its chief is not redirected. Page faults of
 * the clan go to the pager directly (kernel-generated IPC is never
 * redirected). Finally SpaceControl with Redirector = anythread disables
 * the redirection: M's next message reaches O directly.
 *
 * The threads share the root task's pages (the root task maps its own pages
 * to them as their pager), so they record what they saw in globals below
 * and the root task checks and prints the results.
 */
#include "ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#define LABEL_INTRA   0x1110u
#define LABEL_REQ     0x2220u
#define LABEL_REPLY   0x3330u
#define LABEL_TOCHIEF 0x4440u
#define LABEL_GO      0x5550u
#define LABEL_DIRECT  0x6660u

#define UTCB_AREA 0xBF000000u
#define KIP_AREA  0xBFF00000u

static L4_ThreadId_t root_id, chief_id, m_id, m2_id;
static unsigned char stack_c[4096] __attribute__((aligned(16)));
static unsigned char stack_m[4096] __attribute__((aligned(16)));
static unsigned char stack_m2[4096] __attribute__((aligned(16)));

/* observations of the chief */
static volatile L4_Word_t c_count, c_tag, c_from, c_intended, c_mr1, c_fwd_tag, c_fwd_err;
static volatile L4_Word_t c2_tag, c2_from;
/* of the clan mate M2 */
static volatile L4_Word_t m2_tag, m2_from, m2_mr1;
/* of the member M */
static volatile L4_Word_t m_intra_tag, m_call_tag, m_call_from, m_call_mr1, m_tochief_tag;
static volatile L4_Word_t m_done, m_direct_tag;
/* of the outsider (the root task) */
static volatile L4_Word_t o_tag, o_from, o_actual, o_mr1, o_mr2, o_reply_tag, o_faults;

static L4_Time_t two_seconds(void)
{
    return L4_TimePeriod(2000000);
}

static L4_Word_t *mrs(void)
{
    return (L4_Word_t *)L4_MyLocalId().raw;
}

/* The chief: takes every message for the clan's outside; forwards
 * redirected ones to their intended receiver on the member's behalf. */
static void chief(void)
{
    L4_Word_t *mr = mrs();
    for (;;) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        if (L4_IpcFailed(tag))
            continue;
        L4_Word_t n = ++c_count;
        if (n == 2) {
            c2_tag = tag.raw;
            c2_from = from.raw;
            continue;
        }
        if (n != 1)
            continue;
        L4_ThreadId_t dest = L4_IntendedReceiver();
        c_tag = tag.raw;
        c_from = from.raw;
        c_intended = dest.raw;
        c_mr1 = mr[1];
        if (!L4_IpcRedirected(tag))
            continue;
        /* inspected: pass it on, as sent by the member (same MRs) */
        mr[0] = L4_MsgTagAddPropagation(L4_MsgTagMake(L4_Label(tag), L4_UntypedWords(tag), 0)).raw;
        L4_Set_VirtualSender(from);
        L4_MsgTag_t r = L4_Send_Timeout(dest, two_seconds());
        c_fwd_err = L4_IpcFailed(r) ? L4_ErrorCode() : 0;
        c_fwd_tag = r.raw;
    }
}

/* Clan mate M2: receives one message from M. */
static void mate(void)
{
    L4_Word_t *mr = mrs();
    L4_ThreadId_t from = m_id;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, m_id, L4_Timeouts(L4_Never, two_seconds()), &from);
    m2_tag = tag.raw;
    m2_from = from.raw;
    m2_mr1 = mr[1];
    for (;;)
        L4_Sleep(L4_Never);
}

/* Member M. */
static void member(void)
{
    L4_Word_t *mr = mrs();
    L4_ThreadId_t from;
    /* 1: intra-clan */
    mr[0] = L4_MsgTagMake(LABEL_INTRA, 1, 0).raw;
    mr[1] = 0x1111u;
    m_intra_tag = L4_Send_Timeout(m2_id, two_seconds()).raw;
    /* 2: call the outsider (redirected to the chief), which waits for it:
     * a receive timeout of Never, so that the kernel's fast path is asked
     * first and must leave the redirection to the general path */
    mr[0] = L4_MsgTagMake(LABEL_REQ, 2, 0).raw;
    mr[1] = 0xC1A0u;
    mr[2] = 0x2222u;
    from = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(root_id, root_id, L4_Timeouts(two_seconds(), L4_Never), &from);
    m_call_tag = tag.raw;
    m_call_from = from.raw;
    m_call_mr1 = mr[1];
    /* 3: to the chief itself: not redirected */
    mr[0] = L4_MsgTagMake(LABEL_TOCHIEF, 0, 0).raw;
    m_tochief_tag = L4_Send_Timeout(chief_id, two_seconds()).raw;
    m_done = 1;
    /* 4: after the root task switched redirection off */
    tag = L4_Receive_Timeout(root_id, L4_TimePeriod(8000000));
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_GO) {
        mr[0] = L4_MsgTagMake(LABEL_DIRECT, 0, 0).raw;
        m_direct_tag = L4_Send_Timeout(root_id, two_seconds()).raw;
    }
    for (;;)
        L4_Sleep(L4_Never);
}

/* Answer the page fault just received (tag) from `from` with our own page. */
static void serve_fault(L4_ThreadId_t from)
{
    L4_Word_t *mr = mrs();
    L4_Word_t page = mr[1] & ~0xFFFu;
    (void)*(volatile L4_Word_t *)page;          /* our own copy must be mapped */
    *(volatile L4_Word_t *)page = *(volatile L4_Word_t *)page;
    o_faults++;
    mr[0] = 0x00000080u;                        /* one map item */
    mr[1] = page | 0x8u;
    mr[2] = page | (12u << 4) | 0x7u;
    L4_Reply(from);
}

static int is_fault(L4_MsgTag_t tag)
{
    return L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu;
}

/* The outsider: serve the clan's page faults, answer the forwarded request. */
static void outsider_loop(void)
{
    L4_Word_t *mr = mrs();
    for (unsigned rounds = 0; rounds < 40; rounds++) {
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait_Timeout(L4_TimePeriod(200000), &from);
        if (is_fault(tag)) {
            serve_fault(from);
            continue;
        }
        if (L4_IpcFailed(tag) && m_done)
            break;                              /* quiet since M finished: it waits for GO */
        if (L4_IpcFailed(tag) || L4_Label(tag) != LABEL_REQ)
            continue;
        o_tag = tag.raw;
        o_from = from.raw;
        o_actual = L4_ActualSender().raw;
        o_mr1 = mr[1];
        o_mr2 = mr[2];
        mr[0] = L4_MsgTagMake(LABEL_REPLY, 1, 0).raw;
        mr[1] = 0x5EEDu;
        o_reply_tag = L4_Reply(from).raw;       /* to the member itself */
    }
}

/* Send `label` to `w` and receive its answer, serving its page faults. */
static L4_MsgTag_t call_serving(L4_ThreadId_t w, L4_Word_t label)
{
    L4_ThreadId_t from;
    mrs()[0] = L4_MsgTagMake(label, 0, 0).raw;
    L4_MsgTag_t tag = L4_Ipc(w, w, L4_Timeouts(two_seconds(), two_seconds()), &from);
    while (is_fault(tag)) {
        serve_fault(w);
        tag = L4_Receive_Timeout(w, two_seconds());
    }
    return tag;
}

/* Start `t` with the start message (ABI 5.13). */
static int start(L4_ThreadId_t t, void (*ip)(void), unsigned char *stack)
{
    L4_LoadMR(0, L4_MsgTagMake(0, 2, 0).raw);
    L4_LoadMR(1, (L4_Word_t)ip);
    L4_LoadMR(2, (L4_Word_t)(stack + 4096));
    return L4_IpcSucceeded(L4_Send(t));
}

/* A new space holding `t` (inactive), initialised, redirector `redir`. */
static int new_space(L4_ThreadId_t t, L4_ThreadId_t redir)
{
    L4_Word_t old;
    return L4_ThreadControl(t, t, root_id, L4_nilthread, (void *)-1) == 1 &&
           L4_SpaceControl(t, 0, L4_FpageLog2(KIP_AREA, 12), L4_FpageLog2(UTCB_AREA, 17), redir, &old) == 1 &&
           L4_ThreadControl(t, t, root_id, root_id, (void *)UTCB_AREA) == 1;
}

static void build_clan(void *kip)
{
    L4_Word_t base = L4_ThreadIdUserBase(kip);
    chief_id = L4_GlobalId(base + 3, 1);
    m_id = L4_GlobalId(base + 4, 1);
    m2_id = L4_GlobalId(base + 5, 1);
    ktu_check("chief_space_created", new_space(chief_id, L4_nilthread), "space A failed");
    ktu_check("member_space_with_redirector", new_space(m_id, chief_id),
              "space B with redirector C failed");
    ktu_check("clan_mate_created",
              L4_ThreadControl(m2_id, m_id, root_id, root_id, (void *)(UTCB_AREA + 0x200u)) == 1,
              "second thread in space B failed");
    ktu_check("clan_started",
              start(chief_id, chief, stack_c) && start(m2_id, mate, stack_m2) && start(m_id, member, stack_m),
              "start messages failed");
}

static void check_observations(void)
{
    L4_MsgTag_t t, first = { .raw = c_tag };
    t.raw = m2_tag;
    ktu_check("intra_clan_direct",
              L4_IpcSucceeded(t) && L4_Label(t) == LABEL_INTRA && !L4_IpcRedirected(t) &&
                  m2_from == UTCB_AREA + 0x100u && m2_mr1 == 0x1111u,   /* M's local ID */
              "M2 did not get M's message directly");
    ktu_check("intra_clan_not_seen_by_chief", L4_Label(first) != LABEL_INTRA && c_count <= 2,
              "the chief saw intra-clan IPC");
    t.raw = c_tag;
    ktu_check("chief_gets_redirected_with_r",
              L4_IpcSucceeded(t) && L4_IpcRedirected(t) && L4_Label(t) == LABEL_REQ && c_from == m_id.raw &&
                  c_mr1 == 0xC1A0u,
              "the chief did not receive M's request with the r flag");
    ktu_check("intended_receiver_is_outsider", c_intended == root_id.raw, "IntendedReceiver differs");
    t.raw = c_fwd_tag;
    ktu_check("chief_forward_succeeds", L4_IpcSucceeded(t) && c_fwd_err == 0, "forwarding failed");
    t.raw = o_tag;
    ktu_check("outsider_sees_member_as_sender", L4_IpcSucceeded(t) && o_from == m_id.raw,
              "from is not M");
    ktu_check("outsider_sees_p_not_r", L4_IpcPropagated(t) && !L4_IpcRedirected(t),
              "p missing or r set at the outsider");
    ktu_check("outsider_actual_sender_is_chief", o_actual == chief_id.raw, "ActualSender is not C");
    ktu_check("outsider_gets_message_words", o_mr1 == 0xC1A0u && o_mr2 == 0x2222u &&
                  L4_UntypedWords(t) == 2, "MRs changed on the way");
    t.raw = o_reply_tag;
    ktu_check("outsider_reply_sent", L4_IpcSucceeded(t), "reply to M failed");
    t.raw = m_call_tag;
    ktu_check("reply_reaches_member_directly",
              L4_IpcSucceeded(t) && L4_Label(t) == LABEL_REPLY && m_call_from == root_id.raw &&
                  m_call_mr1 == 0x5EEDu && !L4_IpcRedirected(t) && !L4_IpcPropagated(t),
              "M's call did not return the outsider's reply");
    t.raw = m_tochief_tag;
    ktu_check("send_to_chief_succeeds", L4_IpcSucceeded(t), "M's send to C failed");
    t.raw = c2_tag;
    ktu_check("send_to_chief_not_redirected",
              c_count == 2 && L4_IpcSucceeded(t) && L4_Label(t) == LABEL_TOCHIEF && !L4_IpcRedirected(t) &&
                  c2_from == m_id.raw,
              "the chief's own message came redirected (or not at all)");
    ktu_check("clan_page_faults_served_by_pager", o_faults >= 3, "no page faults reached the pager");
}

static void check_redirection_off(void)
{
    L4_Word_t old;
    ktu_check("space_control_redirector_anythread",
              L4_SpaceControl(m_id, 0, L4_Nilpage, L4_Nilpage, L4_anythread, &old) == 1,
              "SpaceControl failed");
    L4_MsgTag_t t = call_serving(m_id, LABEL_GO);
    ktu_check("anythread_disables_redirection",
              L4_IpcSucceeded(t) && L4_Label(t) == LABEL_DIRECT && !L4_IpcRedirected(t) && c_count == 2,
              "M's message did not reach the outsider directly");
    L4_Sleep(L4_TimePeriod(10000));
    t.raw = m_direct_tag;
    ktu_check("member_direct_send_succeeds", L4_IpcSucceeded(t), "M's direct send failed");
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    root_id = L4_MyGlobalId();
    build_clan(kip);
    outsider_loop();
    ktu_check("member_finished", m_done == 1, "M did not finish its sequence");
    check_observations();
    check_redirection_off();
    ktu_finish();
}
