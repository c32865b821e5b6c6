/*
 * Conformance: IPC (ABI 1.3, 1.4, 1.7, 5.1-5.4). Root task with workers in
 * its own space and a thread in a second space: call / reply-wait, 63
 * untyped words, label/u/t, from-IDs, open / anylocalthread / closed
 * receive, the timeout, non-existing-partner and cancel error words, a
 * period timeout that really waits, u + t > 63, and Lipc with local IDs.
 */
#include "c2.h"

/* What the echo worker saw last (shared: same space). */
static volatile L4_Word_t rx_tag, rx_from, rx_err, rx_count;
static volatile L4_Word_t rx_mr[64];
static volatile L4_Word_t report[4];
static volatile L4_ThreadId_t root_local;

/* Echo: label + 1, the same untyped words, back to the sender; records what it got. */
static void echo_worker(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        rx_tag = tag.raw;
        rx_from = from.raw;
        rx_err = L4_ErrorCode();
        for (int i = 1; i < 64; i++)
            L4_StoreMR(i, (L4_Word_t *)&rx_mr[i]);
        rx_count++;
        if (L4_IpcFailed(tag)) {
            tag = L4_Wait(&from);
            continue;
        }
        L4_LoadMR(0, L4_MsgTagMake(L4_Label(tag) + 1, L4_UntypedWords(tag), 0).raw);
        tag = L4_ReplyWait(from, &from);
    }
}

static void sleeper(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

/* Blocks in a closed receive from the root task (forever), reports the result. */
static void blocked_receiver(void)
{
    L4_MsgTag_t tag = L4_Receive(c2_me);
    report[0] = tag.raw;
    report[1] = L4_ErrorCode();
    report[2] = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* Blocks sending to a thread that never receives from it, reports the result. */
static L4_ThreadId_t send_target;
static void blocked_sender(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0x77, 0, 0).raw);
    L4_MsgTag_t tag = L4_Send(send_target);
    report[0] = tag.raw;
    report[1] = L4_ErrorCode();
    report[2] = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* Sends one message with label 0x500 + its own slot marker to the root task. */
static void greeter(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0x501, 1, 0).raw);
    L4_LoadMR(1, L4_MyGlobalId().raw);
    L4_Send(c2_me);
    sleeper();
}

/* Lipc: call the root task by its local ID, record the reply. */
static void lipc_caller(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0x601, 1, 0).raw);
    L4_LoadMR(1, 0xABCD);
    L4_MsgTag_t tag = L4_Lcall(root_local);
    L4_Word_t w;
    L4_StoreMR(1, &w);
    report[0] = tag.raw;
    report[1] = w;
    report[2] = 1;
    sleeper();
}

/* Second space: sends "ready", then one more message to the root task. */
static void space_sender(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0x700, 0, 0).raw);
    L4_Send(c2_me);
    L4_LoadMR(0, L4_MsgTagMake(0x701, 1, 0).raw);
    L4_LoadMR(1, L4_MyGlobalId().raw);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Propagation: prop_b calls prop_a, which forwards to the root task on b's behalf. */
static volatile L4_ThreadId_t prop_a_id, prop_b_id;
static void prop_a(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    if (L4_IpcSucceeded(tag)) {
        L4_Set_VirtualSender(prop_b_id);
        L4_LoadMR(0, L4_MsgTagAddPropagation(L4_MsgTagMake(0x802, 1, 0)).raw);
        L4_LoadMR(1, 0xA);
        L4_Send(c2_me);
    }
    sleeper();
}

static void prop_b(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0x801, 0, 0).raw);
    L4_MsgTag_t tag = L4_Call(prop_a_id);
    L4_Word_t w;
    L4_StoreMR(1, &w);
    report[0] = tag.raw;
    report[1] = w;
    report[2] = 1;
    sleeper();
}

/* Second space: claims to act for a thread of the root task's space. */
static void space_propagator(void)
{
    L4_Set_VirtualSender(prop_b_id);
    L4_LoadMR(0, L4_MsgTagAddPropagation(L4_MsgTagMake(0x803, 1, 0)).raw);
    L4_LoadMR(1, L4_MyGlobalId().raw);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

static int wait_report(void)
{
    for (unsigned i = 0; i < 2000 && !report[2]; i++)
        L4_Sleep(L4_TimePeriod(1000));
    return report[2] != 0;
}

static void clear_report(void)
{
    report[0] = report[1] = report[2] = report[3] = 0;
}

static void test_call_and_words(L4_ThreadId_t echo)
{
    L4_Word_t *mr = c2_mrs();
    L4_LoadMR(0, L4_MsgTagMake(0x111, 1, 0).raw);
    L4_LoadMR(1, 0x12345678u);
    L4_MsgTag_t tag = L4_Call_Timeouts(echo, c2_2s(), c2_2s());
    ktu_check("call_reply_wait_roundtrip",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x112 && L4_UntypedWords(tag) == 1 &&
                  mr[1] == 0x12345678u,
              "no echo with label + 1 and MR1");
    ktu_check("receiver_sees_label_u_t", rx_tag == L4_MsgTagMake(0x111, 1, 0).raw,
              "received tag differs from the sent label/u/t (or flags set)");
    ktu_check("from_id_same_space_local_or_global",
              rx_from == c2_me.raw || rx_from == L4_MyLocalId().raw, "from is neither our global nor local ID");
    for (unsigned i = 1; i <= 63; i++)
        mr[i] = 0x5A000000u ^ (i * 0x01010101u);
    L4_LoadMR(0, L4_MsgTagMake(0x222, 63, 0).raw);
    tag = L4_Call_Timeouts(echo, c2_2s(), c2_2s());
    int ok = L4_IpcSucceeded(tag) && L4_UntypedWords(tag) == 63 && L4_TypedWords(tag) == 0;
    for (unsigned i = 1; i <= 63; i++)
        ok = ok && rx_mr[i] == (0x5A000000u ^ (i * 0x01010101u)) && mr[i] == rx_mr[i];
    ktu_check("untyped_63_words_intact_both_ways", ok, "a word of 63 differs");
    L4_LoadMR(0, L4_MsgTagMake(0x333, 0, 0).raw);
    tag = L4_Call_Timeouts(echo, c2_2s(), c2_2s());
    ktu_check("zero_word_message", L4_IpcSucceeded(tag) && tag.raw == L4_MsgTagMake(0x334, 0, 0).raw,
              "empty message not echoed exactly");
    ok = 1;
    for (unsigned i = 1; i <= 63; i++)
        ok = ok && rx_mr[i] == (0x5A000000u ^ (i * 0x01010101u));
    ktu_check("receiver_mrs_beyond_u_untouched", ok, "a u = 0 message changed the receiver's MR1..MR63");
    /* u + t > 63: a message overflow for both partners (ABI 1.4, 1.7) */
    L4_Word_t before = rx_count;
    L4_LoadMR(0, L4_MsgTagMake(0x444, 60, 4).raw);
    for (unsigned i = 61; i <= 63; i++)
        mr[i] = 0;
    tag = L4_Call_Timeouts(echo, c2_2s(), L4_TimePeriod(100000));
    L4_Word_t err = L4_ErrorCode();
    ktu_check("u_plus_t_over_63_send_overflow",
              L4_IpcFailed(tag) && (err & 0xF) == 8, "sender did not get message overflow (0x8)");
    for (unsigned i = 0; i < 100 && rx_count == before; i++)
        L4_ThreadSwitch(echo);
    ktu_check("u_plus_t_over_63_receiver_overflow",
              rx_count != before && (rx_tag & 0x8000u) && (rx_err & 0xF) == 9,
              "receiver did not get message overflow in its receive phase (0x9)");
}

static void test_errors(L4_ThreadId_t sl)
{
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(sl, L4_ZeroTime);
    ktu_check("send_zero_time_not_waiting_error_2", L4_IpcFailed(tag) && L4_ErrorCode() == 2,
              "expected ErrorCode 2 (timeout, send phase)");
    tag = L4_Receive_Timeout(sl, L4_ZeroTime);
    ktu_check("receive_zero_time_error_3", L4_IpcFailed(tag) && L4_ErrorCode() == 3,
              "expected ErrorCode 3 (timeout, receive phase)");
    L4_ThreadId_t none = L4_GlobalId(L4_ThreadIdUserBase(c2_kip) + 300, 1);
    L4_LoadMR(0, 0);
    tag = L4_Send_Timeout(none, L4_ZeroTime);
    ktu_check("send_to_nonexistent_error_4", L4_IpcFailed(tag) && L4_ErrorCode() == 4,
              "expected ErrorCode 4 (non-existing partner, send phase)");
    tag = L4_Receive_Timeout(none, L4_TimePeriod(1000));
    ktu_check("receive_from_nonexistent_error_5", L4_IpcFailed(tag) && L4_ErrorCode() == 5,
              "expected ErrorCode 5 (non-existing partner, receive phase)");
    L4_LoadMR(0, 0);
    tag = L4_Send_Timeout(L4_anythread, L4_ZeroTime);
    ktu_check("send_to_anythread_error_4", L4_IpcFailed(tag) && L4_ErrorCode() == 4,
              "anythread as destination was not a non-existing partner");
    L4_ThreadId_t wrongver = L4_GlobalId(L4_ThreadNo(sl), L4_Version(sl) ^ 0x2000u);
    L4_LoadMR(0, 0);
    tag = L4_Send_Timeout(wrongver, L4_ZeroTime);
    ktu_check("send_wrong_version_error_4", L4_IpcFailed(tag) && L4_ErrorCode() == 4,
              "a mismatching version was not a non-existing partner");
    L4_Word64_t t0 = L4_SystemClock().raw;
    tag = L4_Receive_Timeout(sl, L4_TimePeriod(20000));
    L4_Word64_t t1 = L4_SystemClock().raw;
    ktu_check("period_timeout_waits_at_least_period",
              L4_IpcFailed(tag) && L4_ErrorCode() == 3 && t1 - t0 >= 20000 && t1 - t0 < 1000000,
              "20 ms receive timeout did not wait 20 ms..1 s or not error 3");
    t0 = L4_SystemClock().raw;
    L4_LoadMR(0, 0);
    tag = L4_Send_Timeout(sl, L4_TimePeriod(20000));
    t1 = L4_SystemClock().raw;
    ktu_check("send_period_timeout_waits_error_2",
              L4_IpcFailed(tag) && L4_ErrorCode() == 2 && t1 - t0 >= 20000 && t1 - t0 < 1000000,
              "20 ms send timeout did not wait or not error 2");
    L4_LoadMR(0, L4_MsgTagMake(0x123, 0, 0).raw);
    L4_ThreadId_t from = c2_me;
    tag = L4_Ipc(L4_nilthread, sl, L4_Timeouts(L4_Never, L4_ZeroTime), &from);
    ktu_check("from_nil_after_receive_error", L4_IpcFailed(tag) && L4_IsNilThread(from),
              "EAX (from) is not nilthread after a receive timeout");
    L4_LoadMR(0, L4_MsgTagMake(0x123, 0, 0).raw);
    ktu_check("ipc_nil_nil_is_noop",
              L4_IpcSucceeded(L4_Ipc(L4_nilthread, L4_nilthread, 0, NULL)), "no-op IPC failed");
}

static void test_cancel(void)
{
    clear_report();
    L4_ThreadId_t w = c2_local(blocked_receiver);
    for (unsigned i = 0; i < 5; i++)
        L4_ThreadSwitch(w);
    L4_Word_t ctl = 0, sp, ip, fl, h;
    L4_ThreadId_t pg;
    L4_ExchangeRegisters(w, L4_EXREG_ABORT_RECEIVE, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &h, &pg);
    ktu_check("exreg_old_state_receiving", (ctl & L4_THREAD_STATE_RECEIVING) != 0,
              "old control word lacks the R bit");
    ktu_check("cancel_blocked_receive_error_7",
              wait_report() && (report[0] & 0x8000u) && report[1] == 7,
              "cancelled receiver did not get ErrorCode 7 (cancelled, receive phase)");
    c2_kill(w);

    clear_report();
    L4_ThreadId_t sl = c2_local(sleeper);
    send_target = sl;
    w = c2_local(blocked_sender);
    for (unsigned i = 0; i < 5; i++)
        L4_ThreadSwitch(w);
    ctl = 0;
    L4_ExchangeRegisters(w, L4_EXREG_ABORT_SEND, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &h, &pg);
    ktu_check("exreg_old_state_sending", (ctl & L4_THREAD_STATE_SENDING) != 0,
              "old control word lacks the S bit");
    ktu_check("cancel_blocked_send_error_6",
              wait_report() && (report[0] & 0x8000u) && report[1] == 6,
              "cancelled sender did not get ErrorCode 6 (cancelled, send phase)");
    c2_kill(w);
    c2_kill(sl);
}

static void test_receive_kinds(L4_ThreadId_t sl)
{
    L4_ThreadId_t g1 = c2_local(greeter), g2 = c2_local(greeter), from = L4_nilthread;
    L4_Word_t *mr = c2_mrs();
    /* closed receive from the sleeper ignores the pending greeters */
    c2_yield(4);
    L4_MsgTag_t tag = L4_Receive_Timeout(sl, L4_TimePeriod(10000));
    ktu_check("closed_receive_ignores_other_senders", L4_IpcFailed(tag) && L4_ErrorCode() == 3,
              "closed receive took a message from another thread");
    tag = L4_Receive_Timeout(g2, c2_2s());
    ktu_check("closed_receive_takes_named_sender",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x501 && mr[1] == g2.raw, "not g2's message");
    tag = L4_Receive_Timeout(L4_LocalIdOf(g1), L4_TimePeriod(10000));
    ktu_check("closed_receive_by_local_id",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x501 && mr[1] == g1.raw, "receive by local ID failed");
    c2_kill(g1);
    g1 = c2_local(greeter);
    tag = L4_Wait_Timeout(c2_2s(), &from);
    ktu_check("open_receive_anythread",
              L4_IpcSucceeded(tag) && mr[1] == g1.raw &&
                  (from.raw == g1.raw || L4_IsLocalId(from)),
              "open receive did not deliver g1's message with its ID");
    c2_kill(g1);
    c2_kill(g2);

    L4_ThreadId_t sp = c2_space(space_sender), x;
    tag = c2_recv(sp, c2_2s(), &x);
    ktu_check("second_space_thread_runs", L4_IpcSucceeded(tag) && L4_Label(tag) == 0x700 && c2_faults > 0,
              "no ready message from the second space");
    tag = L4_Ipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, L4_TimePeriod(20000)), &x);
    ktu_check("anylocalthread_ignores_other_space", L4_IpcFailed(tag) && L4_ErrorCode() == 3,
              "anylocalthread accepted a message from another space");
    tag = c2_recv(L4_anythread, c2_2s(), &x);
    ktu_check("from_id_global_for_other_space",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x701 && x.raw == sp.raw && mr[1] == sp.raw,
              "from is not the sender's global ID");
    c2_kill(sp);

    g1 = c2_local(greeter);
    tag = L4_Ipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, c2_2s()), &x);
    ktu_check("anylocalthread_accepts_own_space",
              L4_IpcSucceeded(tag) && mr[1] == g1.raw &&
                  (x.raw == g1.raw || (L4_IsLocalId(x) && x.raw == L4_LocalIdOf(g1).raw)),
              "anylocalthread did not deliver the local thread's message");
    c2_kill(g1);
}

static void test_propagation(void)
{
    L4_Word_t *mr = c2_mrs();
    clear_report();
    prop_a_id = c2_local(prop_a);
    prop_b_id = c2_local(prop_b);
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Wait_Timeout(c2_2s(), &from);
    ktu_check("propagated_from_is_virtual_sender",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x802 && L4_IpcPropagated(tag) &&
                  (from.raw == prop_b_id.raw || from.raw == L4_LocalIdOf(prop_b_id).raw),
              "from is not the virtual sender or p not set");
    L4_ThreadId_t actual = L4_ActualSender();
    ktu_check("propagated_actual_sender_tcr",
              actual.raw == prop_a_id.raw || actual.raw == L4_LocalIdOf(prop_a_id).raw,
              "ActualSender TCR is not the forwarding thread");
    L4_LoadMR(0, L4_MsgTagMake(0x804, 1, 0).raw);
    L4_LoadMR(1, 0xB);
    tag = L4_Send_Timeout(prop_b_id, L4_TimePeriod(100000));
    ktu_check("propagation_retargets_callers_receive",
              L4_IpcSucceeded(tag) && wait_report() && report[0] == L4_MsgTagMake(0x804, 1, 0).raw && report[1] == 0xB,
              "the original caller did not accept our reply (closed receive not re-targeted)");
    c2_kill(prop_a_id);
    c2_kill(prop_b_id);

    prop_b_id = c2_local(sleeper);
    L4_ThreadId_t sp = c2_space(space_propagator), x = L4_nilthread;
    tag = c2_recv(sp, c2_2s(), &x);
    ktu_check("propagation_refused_across_spaces",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x803 && !L4_IpcPropagated(tag) && x.raw == sp.raw &&
                  mr[1] == sp.raw,
              "a second space could act for one of our threads (p kept or from forged)");
    c2_kill(sp);
    c2_kill(prop_b_id);
}

static void test_lipc(void)
{
    L4_Word_t *mr = c2_mrs();
    clear_report();
    root_local = L4_MyLocalId();
    L4_ThreadId_t w = c2_local(lipc_caller), from = L4_nilthread;
    L4_MsgTag_t tag = L4_Lipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, c2_2s()), &from);
    ktu_check("lipc_receive_from_local_id",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x601 && mr[1] == 0xABCD &&
                  (from.raw == w.raw || from.raw == L4_LocalIdOf(w).raw),
              "Lcall to our local ID did not arrive");
    L4_ThreadId_t lw = L4_LocalIdOf(w);
    L4_LoadMR(0, L4_MsgTagMake(0x602, 1, 0).raw);
    L4_LoadMR(1, 0xDCBA);
    tag = L4_Lipc(lw, L4_nilthread, L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
    ktu_check("lipc_reply_to_local_id",
              L4_IsLocalId(lw) && L4_IpcSucceeded(tag) && wait_report() && report[0] == L4_MsgTagMake(0x602, 1, 0).raw &&
                  report[1] == 0xDCBA,
              "reply by local ID did not reach the caller");
    c2_kill(w);
}

int main(void)
{
    c2_init();
    L4_ThreadId_t echo = c2_local(echo_worker);
    L4_ThreadId_t sl = c2_local(sleeper);
    ktu_check("workers_created", !L4_IsNilThread(echo) && !L4_IsNilThread(sl), "ThreadControl failed");
    c2_yield(4);
    test_call_and_words(echo);
    test_errors(sl);
    test_receive_kinds(sl);
    test_lipc();
    test_propagation();
    test_cancel();
    ktu_finish();
}
