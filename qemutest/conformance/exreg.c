/*
 * Conformance: ExchangeRegisters (ABI 4.5, 1.8): invalid destinations,
 * local <-> global conversion, old values (SP, IP, FLAGS, UserDefinedHandle,
 * Pager) returned without the d bit, the s/i/f/u/p bits with the ia32 flags
 * mask 0x8D5, stop (0x301) and start (0x106 / 0x11E) of a worker, the H, R
 * and S state bits, and cancelling a blocked receive or send. Kernel and
 * interrupt threads are never addressable. Pager ExchangeRegisters
 * (CONFIG_PAGER_EXREGS, KIP feature "pagerexregs"): the pager of a thread in
 * another space reads and aborts its blocked receive / send (l4test
 * "Receiver abort" / "Sender abort"); with the option off the same calls
 * fail with error 2.
 */
#include "conf.h"

#define NO_UTCB ((void *)-1)
#define FLAGS_MASK 0x8D5u

static unsigned char stack_a[CONF_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned char stack_b[CONF_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned char stack_c[CONF_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned char stack_d[CONF_STACK_SIZE] __attribute__((aligned(4096)));

static volatile L4_Word_t spin_counter;

struct xr {
    L4_ThreadId_t result, pager;
    L4_Word_t ctl, sp, ip, fl, handle, err;
};

static struct xr xreg(L4_ThreadId_t t, L4_Word_t ctl, L4_Word_t sp, L4_Word_t ip, L4_Word_t fl, L4_Word_t h,
                      L4_ThreadId_t pager)
{
    struct xr x;
    x.result = L4_ExchangeRegisters(t, ctl, sp, ip, fl, h, pager, &x.ctl, &x.sp, &x.ip, &x.fl, &x.handle,
                                    &x.pager);
    x.err = L4_ErrorCode();
    return x;
}

static struct xr xread(L4_ThreadId_t t)
{
    return xreg(t, 0, 0, 0, 0, 0, L4_nilthread);
}

static void spinner(void)
{
    for (;;) {
        spin_counter++;
        L4_ThreadSwitch(L4_nilthread);
    }
}

/* Started by 0x11E: reports its stack position and handle. */
static void reporter(void)
{
    L4_Word_t w[2];
    w[0] = (L4_Word_t)&w[0];
    w[1] = L4_UserDefinedHandle();
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 2, 0).raw);
    L4_LoadMR(1, w[0]);
    L4_LoadMR(2, w[1]);
    L4_Send(conf_root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Blocks in a receive from the root task, then reports the outcome. */
static void receiver(void)
{
    L4_MsgTag_t tag = L4_Receive(conf_root);
    L4_Word_t err = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 2, 0).raw);
    L4_LoadMR(1, tag.raw);
    L4_LoadMR(2, err);
    L4_Send(conf_root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Blocks in a send to the root task, then reports the outcome. */
static void sender(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0x777, 0, 0).raw);
    L4_MsgTag_t tag = L4_Send(conf_root);
    L4_Word_t err = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 2, 0).raw);
    L4_LoadMR(1, tag.raw);
    L4_LoadMR(2, err);
    L4_Send(conf_root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Worker in a second space: ExchangeRegisters on the root task and on itself. */
static void space_worker(void)
{
    L4_Word_t w[6], c, sp, ip, fl, h;
    L4_ThreadId_t pg;
    w[0] = L4_ExchangeRegisters(conf_root, 0x40, 0, 0, 0, 0x1234, L4_nilthread, &c, &sp, &ip, &fl, &h, &pg).raw;
    w[1] = L4_ErrorCode();
    w[2] = L4_ExchangeRegisters(L4_MyLocalId(), 0, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pg).raw;
    w[3] = pg.raw;
    w[4] = L4_ExchangeRegisters(L4_MyGlobalId(), 0x40, 0, 0, 0, 0xABCD, L4_nilthread, &c, &sp, &ip, &fl, &h,
                                &pg).raw;
    w[5] = L4_UserDefinedHandle();
    conf_report(w, 6);
}

static int all_zero(const struct xr *x)
{
    return x->result.raw == 0 && x->ctl == 0 && x->sp == 0 && x->ip == 0 && x->fl == 0 && x->handle == 0 &&
           x->pager.raw == 0;
}

static void check_invalid(const char *name, L4_ThreadId_t t)
{
    struct xr x = xreg(t, 0x3FEu & ~0x1u, 0x1111, 0x2222, 0x3333, 0x4444, L4_GlobalId(77, 1));
    ktu_check(name, all_zero(&x) && x.err == 2, "not nil result, ErrorCode 2 and all outputs 0");
}

static void test_invalid(void)
{
    check_invalid("xr_nil_dest_error_2", L4_nilthread);
    check_invalid("xr_anythread_error_2", L4_anythread);
    check_invalid("xr_anylocalthread_error_2", L4_anylocalthread);
    check_invalid("xr_nonexistent_global_error_2", conf_tid(400, 1));
    check_invalid("xr_nonexistent_local_error_2", L4_LocalId(0xBF01F100u));
    check_invalid("xr_kernel_thread_error_2", L4_GlobalId(conf_system_base + 2, 1));
    check_invalid("xr_sigma0_other_space_error_2", conf_sigma0);
    L4_ThreadId_t t = conf_tid(40, 1);
    L4_Word_t old;
    L4_ThreadControl(t, t, conf_root, L4_nilthread, NO_UTCB);
    L4_SpaceControl(t, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17), L4_nilthread, &old);
    /* its pager is sigma0, not a thread of our space: no pager rule either */
    L4_Word_t r = L4_ThreadControl(t, t, conf_root, conf_sigma0, (void *)0xBF000000u);
    check_invalid("xr_active_thread_other_space_error_2", r == 1 ? t : L4_nilthread);
    /* same UTCB address as ours in that space: our local ID names us, not it */
    struct xr x = xread(L4_LocalId(0xBF000100u));
    ktu_check("xr_local_id_names_own_space", x.result.raw == conf_root.raw, "local ID resolved in another space");
    conf_delete(t);
    t = conf_tid(41, 1);
    L4_ThreadControl(t, conf_root, conf_root, L4_nilthread, NO_UTCB);
    check_invalid("xr_inactive_thread_error_2", t);
    conf_delete(t);
    check_invalid("xr_wrong_version_error_2", L4_GlobalId(conf_user_base + 2, 2));
}

static void test_conversion(void)
{
    ktu_check("xr_self_global_to_local", xread(conf_root).result.raw == L4_MyLocalId().raw,
              "global ID of self not converted to the local ID");
    ktu_check("xr_self_local_to_global", xread(L4_MyLocalId()).result.raw == conf_root.raw,
              "local ID of self not converted to the global ID");
    L4_ThreadId_t t = conf_tid(42, 3);
    L4_ThreadControl(t, conf_root, conf_root, conf_sigma0, (void *)0xBF001000u);
    ktu_check("xr_worker_global_to_local", L4_LocalIdOf(t).raw == 0xBF001100u, "wrong local ID of a worker");
    ktu_check("xr_worker_local_to_global", L4_GlobalIdOf(L4_LocalId(0xBF001100u)).raw == t.raw,
              "wrong global ID (version) of a worker");
    conf_delete(t);
}

static void test_old_values(void)
{
    L4_ThreadId_t t = conf_tid(43, 1);
    L4_Word_t r = L4_ThreadControl(t, conf_root, conf_root, conf_sigma0, (void *)0xBF001200u);
    struct xr x0 = xread(t);
    ktu_check("xr_fresh_thread_state", r == 1 && x0.pager.raw == conf_sigma0.raw && x0.handle == 0 &&
              (x0.ctl & 1u) == 0, "fresh thread: wrong pager, handle or halted");
    L4_Word_t sp = (L4_Word_t)(stack_a + 1024), ip = (L4_Word_t)reporter;
    struct xr x1 = xreg(t, 0xF8u, sp, ip, 0xFFFFFFFFu, 0xCAFEBABEu, conf_root);
    ktu_check("xr_set_returns_previous_values", x1.sp == x0.sp && x1.ip == x0.ip && x1.fl == x0.fl &&
              x1.handle == 0 && x1.pager.raw == conf_sigma0.raw, "old values are not the pre-call values");
    struct xr x2 = xread(t);
    ktu_check("xr_old_sp_delivered_without_d", x2.sp == sp, "SP set by s not returned");
    ktu_check("xr_old_ip_delivered_without_d", x2.ip == ip, "IP set by i not returned");
    ktu_check("xr_flags_mask_set", (x2.fl & FLAGS_MASK) == FLAGS_MASK &&
              (x2.fl & ~FLAGS_MASK) == (x0.fl & ~FLAGS_MASK), "flags outside 0x8D5 changed or inside not set");
    ktu_check("xr_user_flags_if_set", (x2.fl & 0x200u) && (x2.fl & 0x2u), "IF or the always-1 bit lost");
    ktu_check("xr_handle_set_by_u", x2.handle == 0xCAFEBABEu, "UserDefinedHandle not set");
    ktu_check("xr_pager_set_by_p", x2.pager.raw == conf_root.raw, "Pager not set");
    struct xr x3 = xreg(t, 0x20u, 0, 0, 0, 0, L4_nilthread);
    struct xr x4 = xread(t);
    ktu_check("xr_flags_mask_clear", x3.fl == x2.fl && (x4.fl & FLAGS_MASK) == 0 &&
              (x4.fl & ~FLAGS_MASK) == (x0.fl & ~FLAGS_MASK), "clearing flags touched bits outside 0x8D5");
    struct xr x5 = xreg(t, 0x0u, 0x5555, 0x6666, 0x7777, 0x8888, conf_sigma0);
    struct xr x6 = xread(t);
    ktu_check("xr_control_0_changes_nothing", x5.sp == sp && x6.sp == sp && x6.ip == ip &&
              x6.handle == 0xCAFEBABEu && x6.pager.raw == conf_root.raw, "values changed without s/i/u/p");
    xreg(t, 0x80u, 0, 0, 0, 0, conf_sigma0);
    xreg(t, 0x40u, 0, 0, 0, 0x00C0FFEEu, L4_nilthread);
    /* start it with 0x11E on stack_b at reporter */
    for (unsigned i = 0; i < CONF_STACK_SIZE; i += 4096)
        stack_b[i] = 0;
    (void)*(volatile unsigned char *)(void *)reporter;
    L4_Start_SpIp(t, (L4_Word_t)(stack_b + CONF_STACK_SIZE - 16), (L4_Word_t)reporter);
    L4_MsgTag_t tag = L4_Receive_Timeout(t, conf_timeout());
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    ktu_check("xr_start_sp_ip_0x11E_runs_there", L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT &&
              mr[1] > (L4_Word_t)stack_b && mr[1] < (L4_Word_t)(stack_b + CONF_STACK_SIZE),
              "thread did not run on the new stack");
    ktu_check("xr_thread_sees_handle_set_by_u", L4_IpcSucceeded(tag) && mr[2] == 0x00C0FFEEu,
              "UserDefinedHandle TCR not visible to the thread");
    conf_delete(t);
}

static void test_stop_start(void)
{
    L4_ThreadId_t t = conf_tid(44, 1);
    int ok = conf_start_local(t, 0xBF001400u, spinner, stack_c);
    L4_Word_t before = spin_counter;
    for (int i = 0; i < 20 && spin_counter == before; i++)
        L4_ThreadSwitch(t);
    ktu_check("xr_worker_runs", ok && spin_counter != before, "worker did not run");
    L4_Word_t sp = 0, ip = 0, fl = 0, h = 0, old = 0;
    L4_ThreadId_t pg;
    L4_ExchangeRegisters(t, 0x301u, 0, 0, 0, 0, L4_nilthread, &old, &sp, &ip, &fl, &h, &pg);
    ktu_check("xr_stop_0x301_old_state_not_halted", (old & 1u) == 0, "running thread reported halted");
    ktu_check("xr_stop_returns_sp_in_stack", sp > (L4_Word_t)stack_c && sp <= (L4_Word_t)(stack_c + CONF_STACK_SIZE),
              "old SP not inside the worker's stack");
    ktu_check("xr_stop_returns_user_ip", ip != 0 && ip < 0xC0000000u, "old IP not a user address");
    struct xr x = xread(t);
    ktu_check("xr_halted_bit_after_stop", (x.ctl & 1u) == 1u, "H bit not set after stop");
    before = spin_counter;
    for (int i = 0; i < 10; i++)
        L4_ThreadSwitch(t);
    ktu_check("xr_stopped_thread_does_not_run", spin_counter == before, "halted thread kept running");
    ktu_check("xr_second_stop_reports_halted", (L4_Stop(t) & 1u) == 1u, "stop of a halted thread: H not in ECX");
    L4_Start(t);
    x = xread(t);
    ktu_check("xr_start_0x106_clears_halted", (x.ctl & 1u) == 0, "H bit still set after start");
    for (int i = 0; i < 20 && spin_counter == before; i++)
        L4_ThreadSwitch(t);
    ktu_check("xr_started_thread_runs_again", spin_counter != before, "thread did not resume after 0x106");
    x = xreg(t, 0x100u, 0, 0, 0, 0, L4_nilthread);   /* h without H: resume, already running */
    ktu_check("xr_resume_running_is_harmless", (x.ctl & 1u) == 0 && x.result.raw == 0xBF001500u,
              "resume of a running thread failed");
    conf_delete(t);
}

static void test_blocked(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t t = conf_tid(45, 1);
    conf_start_local(t, 0xBF001600u, receiver, stack_d);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(t);
    struct xr x = xread(t);
    ktu_check("xr_state_r_for_blocked_receiver", x.ctl == 2u, "ECX not R (2) for a thread waiting to receive");
    L4_Word_t old = L4_Stop(t);
    x = xread(t);
    ktu_check("xr_stop_blocked_receiver_sets_h", old == 2u && x.ctl == 3u, "stop while receiving: not H|R");
    xreg(t, 0x2u, 0, 0, 0, 0, L4_nilthread);         /* cancel the receive, stay halted */
    L4_MsgTag_t tag = L4_Receive_Timeout(t, L4_TimePeriod(100000));
    ktu_check("xr_halted_thread_stays_halted_after_cancel", L4_IpcFailed(tag) && (x = xread(t)).ctl == 1u,
              "a halted thread ran after its receive was cancelled (or state not H)");
    L4_Start(t);
    tag = L4_Receive_Timeout(t, conf_timeout());
    ktu_check("xr_cancelled_receive_error_3_recv_phase",
              L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT && (mr[1] & 0x8000u) && mr[2] == 7u,
              "receiver not told 'cancelled' (ErrorCode 7 = code 3, receive phase)");
    conf_delete(t);

    t = conf_tid(46, 1);
    conf_start_local(t, 0xBF001800u, sender, stack_d);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(t);
    x = xread(t);
    ktu_check("xr_state_s_for_blocked_sender", x.ctl == 4u, "ECX not S (4) for a thread waiting to send");
    xreg(t, 0x4u, 0, 0, 0, 0, L4_nilthread);
    tag = L4_Receive_Timeout(t, conf_timeout());
    ktu_check("xr_cancelled_send_error_3_send_phase",
              L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT && (mr[1] & 0x8000u) && mr[2] == 6u,
              "sender not told 'cancelled' (ErrorCode 6 = code 3, send phase)");
    conf_delete(t);
}

static void test_second_space(void)
{
    L4_Word_t w[6] = { 9, 9, 9, 9, 9, 9 };
    L4_ThreadId_t t = conf_tid(47, 1);
    int n = conf_run_in_new_space(t, space_worker, w, 6);
    ktu_check("xr_space_worker_reports", n == 6, "no report from the second space");
    ktu_check("xr_from_other_space_on_root_error_2", w[0] == 0 && w[1] == 2,
              "ExchangeRegisters reached a thread of another space");
    ktu_check("xr_root_handle_untouched", L4_UserDefinedHandle() != 0x1234u, "another space set our handle");
    ktu_check("xr_unprivileged_self_local_to_global", w[2] == t.raw && w[3] == conf_root.raw,
              "an unprivileged thread could not convert its own local ID or read its pager");
    ktu_check("xr_unprivileged_self_set_handle", w[4] == 0xBF000100u && w[5] == 0xABCDu,
              "an unprivileged thread could not set its own UserDefinedHandle");
}

static void test_abort_and_stop(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t t = conf_tid(48, 1);
    conf_start_local(t, 0xBF001A00u, receiver, stack_d);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(t);
    L4_Word_t old = L4_AbortReceive_and_stop(t);
    struct xr x = xread(t);
    ktu_check("xr_abort_receive_and_stop_0x303", old == 2u && x.ctl == 1u,
              "0x303: old state not R, or afterwards not (H, not R)");
    L4_Start(t);
    L4_MsgTag_t tag = L4_Receive_Timeout(t, conf_timeout());
    ktu_check("xr_0x303_receiver_told_cancelled", L4_IpcSucceeded(tag) && mr[2] == 7u,
              "receiver not told 'cancelled in receive phase' (7)");
    conf_delete(t);
    t = conf_tid(49, 1);
    conf_start_local(t, 0xBF001C00u, sender, stack_d);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(t);
    old = L4_AbortIpc_and_stop(t);
    x = xread(t);
    ktu_check("xr_abort_ipc_and_stop_0x307", old == 4u && x.ctl == 1u,
              "0x307: old state not S, or afterwards not (H, not S)");
    L4_Start(t);
    tag = L4_Receive_Timeout(t, conf_timeout());
    ktu_check("xr_0x307_sender_told_cancelled", L4_IpcSucceeded(tag) && mr[2] == 6u,
              "sender not told 'cancelled in send phase' (6)");
    conf_delete(t);
}

static void test_precise_cancel_and_deferred_ip(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t t = conf_tid(39, 1);
    conf_start_local(t, 0xBF001E00u, receiver, stack_d);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(t);
    struct xr x = xreg(t, 0x4u, 0, 0, 0, 0, L4_nilthread);     /* S only: it is receiving */
    struct xr y = xread(t);
    ktu_check("xr_s_bit_leaves_receive_alone", x.ctl == 2u && y.ctl == 2u, "S cancelled a receive phase");
    /* new SP/IP while blocked: used when the IPC completes */
    for (unsigned i = 0; i < CONF_STACK_SIZE; i += 4096)
        stack_b[i] = 0;
    xreg(t, 0x18u, (L4_Word_t)(stack_b + CONF_STACK_SIZE - 64), (L4_Word_t)reporter, 0, 0, L4_nilthread);
    y = xread(t);
    ktu_check("xr_set_sp_ip_keeps_receive", y.ctl == 2u, "setting SP/IP ended the receive");
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(t, conf_timeout());
    tag = L4_IpcSucceeded(tag) ? L4_Receive_Timeout(t, conf_timeout()) : tag;
    ktu_check("xr_new_sp_ip_after_ipc_completes",
              L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT && mr[1] > (L4_Word_t)stack_b &&
                  mr[1] < (L4_Word_t)(stack_b + CONF_STACK_SIZE),
              "after its receive the thread did not continue at the new IP on the new stack");
    conf_delete(t);
    t = conf_tid(38, 1);
    conf_start_local(t, 0xBF002000u, sender, stack_d);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(t);
    x = xreg(t, 0x2u, 0, 0, 0, 0, L4_nilthread);              /* R only: it is sending */
    y = xread(t);
    ktu_check("xr_r_bit_leaves_send_alone", x.ctl == 4u && y.ctl == 4u, "R cancelled a send phase");
    conf_delete(t);
}

static void test_halt_before_start(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t t = conf_tid(37, 1);
    /* pager = us: it waits for our start message; every page it uses is ours already */
    L4_Word_t r = L4_ThreadControl(t, conf_root, conf_root, conf_root, (void *)0xBF002200u);
    for (unsigned i = 0; i < CONF_STACK_SIZE; i += 4096)
        stack_a[i] = 0;
    (void)*(volatile unsigned char *)(void *)reporter;
    struct xr x = xread(t);
    ktu_check("xr_waiting_for_start_message_is_r", r == 1 && x.ctl == 2u,
              "a thread waiting for its start message is not reported R");
    L4_Word_t old = L4_Stop(t);
    L4_LoadMR(0, L4_MsgTagMake(0, 2, 0).raw);
    L4_LoadMR(1, (L4_Word_t)reporter);
    L4_LoadMR(2, (L4_Word_t)(stack_a + CONF_STACK_SIZE - 32));
    L4_MsgTag_t tag = L4_Send_Timeout(t, L4_ZeroTime);
    ktu_check("xr_halted_receiver_still_takes_message", old == 2u && L4_IpcSucceeded(tag),
              "start message to a halted, receiving thread not delivered");
    tag = L4_Receive_Timeout(t, L4_TimePeriod(50000));
    x = xread(t);
    ktu_check("xr_halted_thread_does_not_start", L4_IpcFailed(tag) && x.ctl == 1u,
              "halted thread ran after its start message (or state not H only)");
    L4_Start(t);
    tag = L4_Receive_Timeout(t, conf_timeout());
    ktu_check("xr_resumed_thread_starts_at_message_ip", L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT &&
              mr[1] > (L4_Word_t)stack_a && mr[1] < (L4_Word_t)(stack_a + CONF_STACK_SIZE),
              "resumed thread did not run at the start message's IP/SP");
    conf_delete(t);
}

/* ---- kernel threads ----------------------------------------------------- */

static void test_kernel_threads(void)
{
    L4_ThreadId_t irq = L4_GlobalId(3, 1);
    check_invalid("xr_idle_thread_error_2", L4_GlobalId(conf_system_base, 1));
    check_invalid("xr_unassociated_irq_thread_error_2", irq);
    L4_Word_t r = L4_ThreadControl(irq, irq, L4_nilthread, conf_root, NO_UTCB);
    check_invalid("xr_associated_irq_thread_error_2", r == 1 ? irq : L4_nilthread);
    L4_ThreadControl(irq, irq, L4_nilthread, irq, NO_UTCB);
}

/* ---- pager ExchangeRegisters ------------------------------------------------ */

/* In another space, paged by the root task: reports "ready" (no words),
 * then blocks receiving from the root task and reports how that ended. */
static void pagee_receiver(void)
{
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 0, 0).raw);
    L4_Send(conf_root);
    L4_MsgTag_t tag = L4_Receive(conf_root);
    L4_Word_t w[2];
    w[0] = tag.raw;
    w[1] = L4_ErrorCode();
    conf_report(w, 2);
}

/* Like pagee_receiver, but blocks sending to the root task. */
static void pagee_sender(void)
{
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 0, 0).raw);
    L4_Send(conf_root);
    L4_LoadMR(0, L4_MsgTagMake(0x777, 0, 0).raw);
    L4_MsgTag_t tag = L4_Send(conf_root);
    L4_Word_t w[2];
    w[0] = tag.raw;
    w[1] = L4_ErrorCode();
    conf_report(w, 2);
}

/* Thread `t` in a new space (KIP 0xBFF00000, its UTCB at 0xBF000000) paged
 * by us, run at `fn` until its "ready" report. 1 on success. */
static int start_pagee(L4_ThreadId_t t, void (*fn)(void))
{
    L4_Word_t old, w[1];
    if (L4_ThreadControl(t, t, conf_root, L4_nilthread, NO_UTCB) != 1 ||
        L4_SpaceControl(t, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17), L4_nilthread,
                        &old) != 1 ||
        L4_ThreadControl(t, t, conf_root, conf_root, (void *)0xBF000000u) != 1)
        return 0;
    return conf_serve(t, fn, w, 1) == 0;
}

/* Serve t's page faults until it reports; its words to out. -1: no report. */
static int pagee_report(L4_ThreadId_t t, L4_Word_t *out, unsigned max)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Receive_Timeout(t, conf_timeout());
    while (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFE) {
        L4_Word_t page = mr[1] & ~0xFFFu;
        *(volatile L4_Word_t *)page = *(volatile L4_Word_t *)page;   /* our copy must be mapped */
        mr[0] = 0x00000080u;                                          /* one map item */
        mr[1] = page | 0x8u;
        mr[2] = page | (12u << 4) | 0x7u;
        tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, conf_timeout()), &from);
    }
    if (!L4_IpcSucceeded(tag) || L4_Label(tag) != CONF_LABEL_REPORT)
        return -1;
    int n = (int)L4_UntypedWords(tag);
    for (int i = 0; i < n && (unsigned)i < max; i++)
        out[i] = mr[i + 1];
    return n;
}

/* Our ExchangeRegisters state of `t` once it is `st` (t runs meanwhile). */
static struct xr wait_state(L4_ThreadId_t t, L4_Word_t st)
{
    struct xr x = xread(t);
    for (int i = 0; i < 50 && x.ctl != st; i++) {
        L4_ThreadSwitch(t);
        x = xread(t);
    }
    return x;
}

/* With the option off the pager cannot address its pagee (blocked in an
 * Ipc with us) at all: error 2, nothing changes. */
static void check_pager_off(const char *name, L4_ThreadId_t t, L4_Word_t ctl)
{
    for (int i = 0; i < 10; i++)
        L4_ThreadSwitch(t);
    struct xr x = xreg(t, ctl, 0, 0, 0, 0, L4_nilthread);
    ktu_check(name, all_zero(&x) && x.err == 2, "not error 2 with all outputs 0");
}

/* l4test "Receiver abort" / "Sender abort". The pagees run one after the
 * other: they share conf_serve's stack page. */
static void test_pager_exregs(void)
{
    L4_Word_t w[2] = { 9, 9 };
    L4_ThreadId_t rt = conf_tid(50, 1), st = conf_tid(51, 1);
    ktu_check("xr_pagee_receiver_started", start_pagee(rt, pagee_receiver),
              "a thread in a second space paged by us did not start");
    if (!CONFIG_PAGER_EXREGS) {
        check_pager_off("xr_off_pager_abort_receive_error_2", rt, 0x303u);
        conf_delete(rt);
        ktu_check("xr_pagee_sender_started", start_pagee(st, pagee_sender), "second pagee did not start");
        check_pager_off("xr_off_pager_abort_send_error_2", st, 0x307u);
        conf_delete(st);
        return;
    }
    struct xr x = wait_state(rt, 2u);
    ktu_check("xr_pager_reads_pagee", x.ctl == 2u && x.result.raw == 0xBF000100u &&
              x.pager.raw == conf_root.raw, "pagee: state not R, result not its local ID or pager not us");
    x = xreg(rt, 0x303u, 0, 0, 0, 0, L4_nilthread);
    struct xr y = xread(rt);
    ktu_check("xr_pager_abort_receive_and_stop_0x303", x.ctl == 2u && y.ctl == 1u,
              "0x303 on the pagee: old state not R, or afterwards not H only");
    xreg(rt, 0x40u, 0, 0, 0, 0x5150u, L4_nilthread);
    ktu_check("xr_pager_sets_pagee_handle", xread(rt).handle == 0x5150u, "u bit on the pagee had no effect");
    L4_Start(rt);
    int n = pagee_report(rt, w, 2);
    ktu_check("xr_receiver_abort_told_cancelled", n == 2 && (w[0] & 0x8000u) && w[1] == 7u,
              "the pagee's receive did not end with 'cancelled' (ErrorCode 7)");
    conf_delete(rt);
    ktu_check("xr_pagee_sender_started", start_pagee(st, pagee_sender), "second pagee did not start");
    x = wait_state(st, 4u);
    ktu_check("xr_pager_sees_pagee_sending", x.result.raw == 0xBF000100u && x.ctl == 4u, "pagee blocked in a send: state not S");
    x = xreg(st, 0x307u, 0, 0, 0, 0, L4_nilthread);
    y = xread(st);
    ktu_check("xr_pager_abort_ipc_and_stop_0x307", x.ctl == 4u && y.ctl == 1u,
              "0x307 on the pagee: old state not S, or afterwards not H only");
    L4_Start(st);
    w[0] = w[1] = 9;
    n = pagee_report(st, w, 2);
    ktu_check("xr_sender_abort_told_cancelled", n == 2 && (w[0] & 0x8000u) && w[1] == 6u,
              "the pagee's send did not end with 'cancelled' (ErrorCode 6)");
    conf_delete(st);
}

/* ---- l4test "Sender abort": a string transfer stopped by a pagefault ------- */

static unsigned char xfer_src[8192] __attribute__((aligned(4096)));
static unsigned char xfer_dst[8192] __attribute__((aligned(4096)));
static unsigned char stack_x[CONF_STACK_SIZE] __attribute__((aligned(4096)));
static L4_ThreadId_t xfer_sender, xfer_receiver;
static volatile L4_Word_t xfer_rcv_err, xfer_rcv_done;

/* Root-space thread: receives one 8 KB string from xfer_sender. */
static void xfer_receive(void)
{
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_Never));
    L4_LoadBR(0, 1);
    L4_LoadBR(1, L4_StringItem(sizeof(xfer_dst), xfer_dst).raw[0]);
    L4_LoadBR(2, (L4_Word_t)xfer_dst);
    L4_MsgTag_t tag = L4_Receive(xfer_sender);
    xfer_rcv_err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    xfer_rcv_done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* In another space, paged by us: "ready", then one 8 KB string to xfer_receiver. */
static void xfer_send(void)
{
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 0, 0).raw);
    L4_Send(conf_root);
    L4_Set_XferTimeouts(L4_Timeouts(L4_Never, L4_Never));
    L4_StringItem_t s = L4_StringItem(sizeof(xfer_src), xfer_src);
    L4_LoadMR(0, L4_MsgTagMake(0x55, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    L4_MsgTag_t tag = L4_Send(xfer_receiver);
    L4_Word_t w[2];
    w[0] = tag.raw;
    w[1] = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    conf_report(w, 2);
}

/* Serve t's page faults until one at page `stop` (not answered): 1; 0 if
 * anything else ends the loop. */
static int serve_until_fault(L4_ThreadId_t t, L4_Word_t stop)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Receive_Timeout(t, conf_timeout());
    while (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFE) {
        L4_Word_t page = mr[1] & ~0xFFFu;
        if (page == stop)
            return 1;
        *(volatile L4_Word_t *)page = *(volatile L4_Word_t *)page;
        mr[0] = 0x00000080u;
        mr[1] = page | 0x8u;
        mr[2] = page | (12u << 4) | 0x7u;
        tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, conf_timeout()), &from);
    }
    return 0;
}

/* Answer the pending fault of t at `page` with our page, then serve on
 * until t reports; its words to out. */
static int serve_fault_and_report(L4_ThreadId_t t, L4_Word_t page, L4_Word_t *out, unsigned max)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    mr[0] = 0x00000080u;
    mr[1] = page | 0x8u;
    mr[2] = page | (12u << 4) | 0x7u;
    L4_Send_Timeout(t, conf_timeout());
    return pagee_report(t, out, max);
}

static void test_pager_aborts_string_transfer(void)
{
    L4_Word_t w[2] = { 9, 9 };
    L4_Word_t stop = (L4_Word_t)xfer_src + 4096u;
    for (unsigned i = 0; i < sizeof(xfer_src); i += 4096) {
        xfer_src[i] = (unsigned char)i;
        xfer_dst[i] = 0;
    }
    xfer_sender = conf_tid(52, 1);
    xfer_receiver = conf_tid(53, 1);
    xfer_rcv_done = 0;
    xfer_rcv_err = 0x5EEDu;                    /* maps the page for the receiver (pager sigma0) */
    /* both exist before either names the other; the sender blocks in its
     * send, the receiver's receive starts the transfer */
    int ok = L4_ThreadControl(xfer_receiver, conf_root, conf_root, conf_sigma0, (void *)0xBF002400u) == 1;
    ok = ok && start_pagee(xfer_sender, xfer_send);
    for (unsigned i = 0; i < CONF_STACK_SIZE; i += 4096)
        stack_x[i] = 0;
    (void)*(volatile unsigned char *)(void *)xfer_receive;
    L4_Start_SpIp(xfer_receiver, (L4_Word_t)(stack_x + CONF_STACK_SIZE - 16), (L4_Word_t)xfer_receive);
    ok = ok && serve_until_fault(xfer_sender, stop);
    ktu_check("xr_pagee_string_faults_at_second_page", ok, "the pagee's string send did not fault at page 2");
    struct xr x = xreg(xfer_sender, 0x6u, 0, 0, 0, 0, L4_nilthread);     /* abort the IPC */
    int n;
    if (!CONFIG_PAGER_EXREGS) {
        ktu_check("xr_off_pager_abort_transfer_error_2", all_zero(&x) && x.err == 2, "not error 2, outputs 0");
        n = ok ? serve_fault_and_report(xfer_sender, stop, w, 2) : -1;
        ktu_check("xr_off_transfer_completes", n == 2 && w[1] == 0, "after the fault reply the send failed");
    } else {
        ktu_check("xr_pager_aborts_pagee_transfer", x.ctl == 4u, "old state of the faulting sender not S");
        n = pagee_report(xfer_sender, w, 2);
        ktu_check("xr_sender_abort_error_7_at_4096", n == 2 && (w[0] & 0x8000u) && w[1] == ((4096u << 4) | 0xEu),
                  "sender: not 'aborted' (7) in the send phase at offset 4096");
    }
    for (int i = 0; i < 20 && !xfer_rcv_done; i++)
        L4_ThreadSwitch(xfer_receiver);
    L4_Word_t want = CONFIG_PAGER_EXREGS ? ((4096u << 4) | 0xFu) : 0u;
    ktu_check("xr_sender_abort_receiver_result", xfer_rcv_done && xfer_rcv_err == want,
              "receiver: not 'aborted' (7) in the receive phase at 4096 (option off: success)");
    conf_delete(xfer_sender);
    conf_delete(xfer_receiver);
}

int main(void)
{
    conf_init();
    spin_counter = 0;                           /* workers write it: map it writable for us */
    test_invalid();
    test_conversion();
    test_old_values();
    test_stop_start();
    test_blocked();
    test_second_space();
    test_abort_and_stop();
    test_precise_cancel_and_deferred_ip();
    test_halt_before_start();
    test_kernel_threads();
    test_pager_exregs();
    test_pager_aborts_string_transfer();
    ktu_finish();
}
