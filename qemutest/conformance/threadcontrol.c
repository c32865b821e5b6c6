/*
 * Conformance: ThreadControl (ABI 4.5, error codes 1.7) from the root task
 * (privileged) and from a thread in a second, unprivileged space. Every
 * error path the ABI names, the create/modify/delete success paths, the
 * version change through modify, and EAX/ErrorCode of each call.
 */
#include "conf.h"

static unsigned char stack_a[CONF_STACK_SIZE] __attribute__((aligned(4096)));

#define NO_UTCB ((void *)-1)

static volatile L4_Word_t spin_counter;

/* Local worker: spins yielding (never needs a page it did not get). */
static void spinner(void)
{
    for (;;) {
        spin_counter++;
        L4_ThreadSwitch(L4_nilthread);
    }
}

static L4_ThreadId_t send_target;

/* Local worker: sends to send_target (blocks), then reports the outcome to the root task. */
static void blocked_sender(void)
{
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send(send_target);
    L4_Word_t err = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, 2, 0).raw);
    L4_LoadMR(1, tag.raw);
    L4_LoadMR(2, err);
    L4_Send(conf_root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Unprivileged worker: ThreadControl create, modify-like and delete attempts. */
static void unpriv_worker(void)
{
    L4_Word_t w[8];
    w[0] = L4_ThreadControl(conf_tid(60, 1), L4_MyGlobalId(), L4_MyGlobalId(), L4_nilthread, NO_UTCB);
    w[1] = L4_ErrorCode();
    w[2] = L4_ThreadControl(conf_root, L4_nilthread, L4_nilthread, L4_nilthread, NO_UTCB);
    w[3] = L4_ErrorCode();
    w[4] = L4_ThreadControl(L4_MyGlobalId(), L4_MyGlobalId(), L4_MyGlobalId(), conf_root, NO_UTCB);
    w[5] = L4_ErrorCode();
    w[6] = L4_ThreadControl(L4_GlobalId(11, 1), L4_GlobalId(11, 1), L4_nilthread, L4_MyGlobalId(), NO_UTCB);
    w[7] = L4_ErrorCode();
    conf_report(w, 8);
}

static L4_ThreadId_t exreg_read(L4_ThreadId_t t, L4_ThreadId_t *pager)
{
    L4_Word_t c, sp, ip, fl, h;
    return L4_ExchangeRegisters(t, 0x200, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, pager);
}

static void test_dest_errors(void)
{
    L4_ThreadId_t me = conf_root;
    conf_check_err("tc_dest_local_id_error_2",
                   L4_ThreadControl(L4_MyLocalId(), me, me, L4_nilthread, NO_UTCB), 2);
    conf_check_err("tc_dest_nil_error_2", L4_ThreadControl(L4_nilthread, me, me, L4_nilthread, NO_UTCB), 2);
    conf_check_err("tc_dest_anythread_error_2",
                   L4_ThreadControl(L4_anythread, me, me, L4_nilthread, NO_UTCB), 2);
    conf_check_err("tc_dest_system_base_error_2",
                   L4_ThreadControl(L4_GlobalId(conf_system_base, 1), me, me, L4_nilthread, NO_UTCB), 2);
    conf_check_err("tc_dest_user_base_minus_1_error_2",
                   L4_ThreadControl(L4_GlobalId(conf_user_base - 1, 1), me, me, L4_nilthread, NO_UTCB), 2);
    conf_check_err("tc_delete_kernel_thread_error_2",
                   L4_ThreadControl(L4_GlobalId(conf_system_base + 1, 1), L4_nilthread, L4_nilthread,
                                    L4_nilthread, NO_UTCB), 2);
    conf_check_err("tc_delete_self_error_2", conf_delete(me), 2);
    L4_Word_t beyond = 1u << L4_ThreadIdBits(conf_kip);
    conf_check_err("tc_dest_beyond_thread_bits_error_2",
                   L4_ThreadControl(L4_GlobalId(beyond, 1), me, me, L4_nilthread, NO_UTCB), 2);
}

static void test_create_errors(void)
{
    L4_ThreadId_t me = conf_root, t = conf_tid(20, 1);
    L4_ThreadId_t ghost = conf_tid(200, 1);
    conf_check_err("tc_create_nil_scheduler_error_4",
                   L4_ThreadControl(t, me, L4_nilthread, L4_nilthread, NO_UTCB), 4);
    conf_check_err("tc_create_nonexistent_space_error_3",
                   L4_ThreadControl(t, ghost, me, L4_nilthread, NO_UTCB), 3);
    conf_check_err("tc_create_utcb_unaligned_error_6",
                   L4_ThreadControl(t, me, me, conf_sigma0, (void *)0xBF000610u), 6);
    conf_check_err("tc_create_utcb_outside_area_error_6",
                   L4_ThreadControl(t, me, me, conf_sigma0, (void *)0xBE000000u), 6);
    conf_check_err("tc_create_utcb_just_past_area_error_6",
                   L4_ThreadControl(t, me, me, conf_sigma0, (void *)0xBF020000u), 6);
    conf_check_err("tc_create_utcb_in_kip_area_error_6",
                   L4_ThreadControl(t, me, me, conf_sigma0, (void *)0xBFF00000u), 6);
    conf_check_err("tc_create_utcb_of_root_in_use_error_6",
                   L4_ThreadControl(t, me, me, conf_sigma0, (void *)0xBF000000u), 6);
    conf_check_err("tc_create_active_nonexistent_pager_error_2",
                   L4_ThreadControl(t, me, me, ghost, (void *)0xBF000600u), 2);
    conf_check_err("tc_create_active_in_uninitialised_space_error_3",
                   L4_ThreadControl(t, t, me, me, (void *)0xBF000000u), 3);
    L4_ThreadId_t pager;
    ktu_check("tc_failed_creates_left_nothing", exreg_read(t, &pager).raw == 0 &&
              conf_delete(t) == 1, "a failed create left a thread behind");
}

static void test_create_modify_delete(void)
{
    L4_ThreadId_t me = conf_root, t = conf_tid(21, 1), t2 = conf_tid(21, 2), pager;
    L4_Word_t r = L4_ThreadControl(t, me, me, L4_nilthread, NO_UTCB);
    ktu_check("tc_create_inactive_eax_1", r == 1, "create inactive failed");
    ktu_check("tc_inactive_not_visible_to_exreg", exreg_read(t, &pager).raw == 0 && L4_ErrorCode() == 2,
              "ExchangeRegisters accepted an inactive thread");
    conf_check_err("tc_modify_nonexistent_space_error_3",
                   L4_ThreadControl(t, conf_tid(201, 1), L4_nilthread, L4_nilthread, NO_UTCB), 3);
    conf_check_err("tc_activate_nonexistent_pager_error_2",
                   L4_ThreadControl(t, me, L4_nilthread, conf_tid(202, 1), (void *)0xBF000600u), 2);
    conf_check_err("tc_activate_without_utcb_error_6",
                   L4_ThreadControl(t, me, L4_nilthread, conf_sigma0, NO_UTCB), 6);
    conf_check_err("tc_activate_unaligned_utcb_error_6",
                   L4_ThreadControl(t, me, L4_nilthread, conf_sigma0, (void *)0xBF000601u), 6);
    r = L4_ThreadControl(t, me, L4_nilthread, conf_sigma0, (void *)0xBF000600u);
    ktu_check("tc_modify_activate_eax_1", r == 1, "activation by modify failed");
    L4_ThreadId_t local = exreg_read(t, &pager);
    ktu_check("tc_activated_has_pager_and_utcb",
              local.raw == 0xBF000700u && pager.raw == conf_sigma0.raw,
              "local ID is not UTCB+256 or Pager TCR not sigma0");
    conf_check_err("tc_modify_active_utcb_change_error_6",
                   L4_ThreadControl(t, me, L4_nilthread, L4_nilthread, (void *)0xBF000800u), 6);
    r = L4_ThreadControl(t, me, L4_nilthread, me, NO_UTCB);
    ktu_check("tc_modify_active_pager_only", r == 1 && exreg_read(t, &pager).raw != 0 && pager.raw == me.raw,
              "changing the pager of an active thread failed");
    r = L4_ThreadControl(t2, me, L4_nilthread, L4_nilthread, NO_UTCB);
    L4_ThreadId_t g = L4_GlobalIdOf(L4_LocalId(0xBF000700u));
    ktu_check("tc_modify_version_change", r == 1 && g.raw == t2.raw, "version change did not rename the thread");
    ktu_check("tc_old_version_invalid_after_change", exreg_read(t, &pager).raw == 0 && L4_ErrorCode() == 2,
              "the old version still names the thread");
    ktu_check("tc_delete_old_version_is_noop", conf_delete(t) == 1 && exreg_read(t2, &pager).raw == 0xBF000700u,
              "deleting the stale version failed or removed the thread");
    ktu_check("tc_delete_eax_1", conf_delete(t2) == 1, "delete failed");
    ktu_check("tc_deleted_thread_gone", exreg_read(t2, &pager).raw == 0 && L4_ErrorCode() == 2,
              "thread still answers ExchangeRegisters after delete");
    ktu_check("tc_delete_nonexistent_succeeds", conf_delete(conf_tid(203, 1)) == 1,
              "deleting a non-existing thread failed");
    r = L4_ThreadControl(t, me, me, conf_sigma0, (void *)0xBF000600u);
    ktu_check("tc_utcb_reusable_after_delete", r == 1, "UTCB location of a deleted thread not reusable");
    conf_delete(t);
}

static void test_running_thread(void)
{
    L4_ThreadId_t t = conf_tid(22, 1), pager;
    int ok = conf_start_local(t, 0xBF000A00u, spinner, stack_a);
    L4_Word_t before = spin_counter;
    for (int i = 0; i < 50 && spin_counter == before; i++)
        L4_ThreadSwitch(t);
    ktu_check("tc_create_active_own_space_runs", ok && spin_counter != before, "worker did not run");
    ktu_check("tc_delete_running_thread", conf_delete(t) == 1 && exreg_read(t, &pager).raw == 0,
              "deleting a running thread failed");
    before = spin_counter;
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(L4_nilthread);
    ktu_check("tc_deleted_thread_stops_running", spin_counter == before, "deleted thread still runs");
}

static void test_local_ids_and_spaces(void)
{
    L4_ThreadId_t me_local = L4_MyLocalId(), t = conf_tid(24, 1), pager;
    L4_Word_t r = L4_ThreadControl(t, me_local, me_local, L4_nilthread, NO_UTCB);
    ktu_check("tc_local_space_and_scheduler_resolved", r == 1, "local SpaceSpecifier/Scheduler not accepted");
    r = L4_ThreadControl(t, me_local, L4_nilthread, me_local, (void *)0xBF000C00u);
    ktu_check("tc_local_pager_stored_as_global",
              r == 1 && exreg_read(t, &pager).raw == 0xBF000D00u && pager.raw == conf_root.raw,
              "activation with a local pager ID failed or the Pager TCR is not the global ID");
    conf_delete(t);
    conf_check_err("tc_create_unresolvable_local_space_error_3",
                   L4_ThreadControl(t, L4_LocalId(0xBF01F100u), conf_root, L4_nilthread, NO_UTCB), 3);

    /* the last thread's deletion destroys the space */
    L4_ThreadId_t a = conf_tid(25, 1), b = conf_tid(26, 1);
    r = L4_ThreadControl(a, a, conf_root, L4_nilthread, NO_UTCB);
    r &= L4_ThreadControl(b, a, conf_root, L4_nilthread, NO_UTCB);
    ktu_check("tc_create_second_thread_in_new_space", r == 1, "joining a new space failed");
    conf_delete(a);
    r = L4_ThreadControl(a, b, conf_root, L4_nilthread, NO_UTCB);
    ktu_check("tc_space_survives_while_a_thread_remains", r == 1, "space vanished with a thread left in it");
    conf_delete(a);
    conf_delete(b);
    conf_check_err("tc_space_gone_with_last_thread_error_3",
                   L4_ThreadControl(a, b, conf_root, L4_nilthread, NO_UTCB), 3);

    /* an inactive thread migrates to another space by modify */
    L4_ThreadId_t other = conf_tid(27, 1), mover = conf_tid(28, 1);
    L4_Word_t old;
    L4_ThreadControl(other, other, conf_root, L4_nilthread, NO_UTCB);
    L4_SpaceControl(other, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17), L4_nilthread, &old);
    L4_ThreadControl(mover, conf_root, conf_root, L4_nilthread, NO_UTCB);
    /* pager sigma0: ExchangeRegisters' optional pager rule must not reach it */
    r = L4_ThreadControl(mover, other, L4_nilthread, conf_sigma0, (void *)0xBF000200u);
    ktu_check("tc_inactive_thread_migrates_and_activates", r == 1 && exreg_read(mover, &pager).raw == 0 &&
              L4_ErrorCode() == 2, "migration failed or the thread is still in our space");
    conf_delete(mover);
    conf_delete(other);
}

static void test_delete_fails_partner(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t x = conf_tid(29, 1), snd = conf_tid(30, 1);
    conf_check_err("tc_create_inactive_unaligned_utcb_error_6",
                   L4_ThreadControl(x, x, conf_root, L4_nilthread, (void *)0xBF000010u), 6);
    L4_Word_t r = L4_ThreadControl(x, conf_root, conf_root, conf_sigma0, (void *)0xBF000E00u);
    send_target = x;
    int ok = r == 1 && conf_start_local(snd, 0xBF001000u, blocked_sender, stack_a);
    for (int i = 0; i < 5; i++)
        L4_ThreadSwitch(snd);
    ok = ok && conf_delete(x) == 1;
    L4_MsgTag_t tag = L4_Receive_Timeout(snd, conf_timeout());
    ktu_check("tc_delete_fails_blocked_sender", ok && L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT &&
              (mr[1] & 0x8000u) != 0, "a sender blocked on the deleted thread did not get an IPC error");
    conf_delete(snd);
}

/* Report the thread's own local ID. */
static void where_worker(void)
{
    L4_Word_t w = L4_MyLocalId().raw;
    conf_report(&w, 1);
}

static void test_utcb_rules(void)
{
    L4_ThreadId_t t = conf_tid(31, 1), pager;
    L4_Word_t r = L4_ThreadControl(t, conf_root, conf_root, L4_nilthread, (void *)0xBF003000u);
    ktu_check("tc_create_inactive_with_later_utcb", r == 1, "inactive create with a UTCB location failed");
    r = L4_ThreadControl(t, conf_root, L4_nilthread, conf_sigma0, NO_UTCB);
    ktu_check("tc_activate_uses_earlier_utcb", r == 1 && exreg_read(t, &pager).raw == 0xBF003100u,
              "activation with -1 did not use the UTCB location given at creation");
    conf_check_err("tc_modify_active_same_utcb_error_6",
                   L4_ThreadControl(t, conf_root, L4_nilthread, L4_nilthread, (void *)0xBF003000u), 6);
    conf_delete(t);
    /* new space: location given before SpaceControl, used at activation */
    L4_Word_t old, out = 0;
    t = conf_tid(32, 1);
    r = L4_ThreadControl(t, t, conf_root, L4_nilthread, (void *)0xBF000400u);
    r &= L4_SpaceControl(t, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17), L4_nilthread, &old);
    r &= L4_ThreadControl(t, t, L4_nilthread, conf_root, NO_UTCB);
    int n = r == 1 ? conf_serve(t, where_worker, &out, 1) : -1;
    ktu_check("tc_new_space_utcb_given_before_space_control", n == 1 && out == 0xBF000500u,
              "UTCB location given at creation not used at activation in the new space");
    conf_delete(t);
}

static void test_active_migration(void)
{
    L4_ThreadId_t raw = conf_tid(33, 1), s2 = conf_tid(34, 1), a = conf_tid(35, 1), b = conf_tid(36, 1), pager;
    L4_Word_t old;
    L4_ThreadControl(raw, raw, conf_root, L4_nilthread, NO_UTCB);           /* uninitialised space */
    L4_ThreadControl(s2, s2, conf_root, L4_nilthread, NO_UTCB);
    L4_SpaceControl(s2, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17), L4_nilthread, &old);
    L4_Word_t r = L4_ThreadControl(a, conf_root, conf_root, conf_sigma0, (void *)0xBF003400u);
    r &= L4_ThreadControl(b, s2, conf_root, conf_root, (void *)0xBF000000u);
    ktu_check("tc_migration_setup", r == 1, "setting up the migration threads failed");
    conf_check_err("tc_migrate_active_to_uninitialised_space_error_6",
                   L4_ThreadControl(a, raw, L4_nilthread, L4_nilthread, NO_UTCB), 6);
    conf_check_err("tc_migrate_active_onto_used_utcb_error_6",
                   L4_ThreadControl(b, conf_root, L4_nilthread, L4_nilthread, NO_UTCB), 6);
    r = L4_ThreadControl(a, s2, L4_nilthread, L4_nilthread, NO_UTCB);
    ktu_check("tc_migrate_active_thread", r == 1 && exreg_read(a, &pager).raw == 0 && L4_ErrorCode() == 2,
              "an active thread did not migrate to an initialised space with a free UTCB location");
    conf_delete(a);
    conf_delete(b);
    conf_delete(s2);
    conf_delete(raw);
}

static void test_interrupts(void)
{
    L4_ThreadId_t irq = L4_GlobalId(10, 1);
    conf_check_err("tc_irq_nonexistent_handler_error_2",
                   L4_ThreadControl(irq, irq, L4_nilthread, conf_tid(204, 1), NO_UTCB), 2);
    conf_check_err("tc_irq_version_2_error_2",
                   L4_ThreadControl(L4_GlobalId(10, 2), irq, L4_nilthread, conf_root, NO_UTCB), 2);
    ktu_check("tc_irq_attach", L4_ThreadControl(irq, irq, L4_nilthread, conf_root, NO_UTCB) == 1,
              "attaching IRQ 10 to the root task failed");
    ktu_check("tc_irq_detach", L4_ThreadControl(irq, irq, L4_nilthread, irq, NO_UTCB) == 1,
              "detaching IRQ 10 failed");
}

static void test_unprivileged(void)
{
    L4_Word_t w[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
    int n = conf_run_in_new_space(conf_tid(23, 1), unpriv_worker, w, 8);
    ktu_check("tc_unprivileged_worker_reports", n == 8, "no report from the second space");
    ktu_check("tc_unprivileged_irq_attach_error_1", w[6] == 0 && w[7] == 1, "interrupt attach from unprivileged space");
    ktu_check("tc_unprivileged_create_error_1", w[0] == 0 && w[1] == 1, "create from unprivileged space");
    ktu_check("tc_unprivileged_delete_error_1", w[2] == 0 && w[3] == 1, "delete from unprivileged space");
    ktu_check("tc_unprivileged_modify_self_error_1", w[4] == 0 && w[5] == 1, "modify from unprivileged space");
    L4_ThreadId_t pager;
    ktu_check("tc_unprivileged_delete_had_no_effect", exreg_read(conf_root, &pager).raw == L4_MyLocalId().raw,
              "root task damaged");
}

int main(void)
{
    conf_init();
    spin_counter = 0;                           /* workers write it: map it writable for us */
    test_dest_errors();
    test_create_errors();
    test_create_modify_delete();
    test_running_thread();
    test_local_ids_and_spaces();
    test_delete_fails_partner();
    test_utcb_rules();
    test_active_migration();
    test_interrupts();
    test_unprivileged();
    ktu_finish();
}
