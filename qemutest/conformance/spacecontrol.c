/*
 * Conformance: SpaceControl (ABI 4.5, error codes 1.7): privilege (from a
 * thread in a second space), invalid space specifiers, UTCB-area and
 * KIP-area validation on the first call, ECX out, success, and that later
 * calls ignore the areas (the space keeps its first KIP and UTCB areas).
 */
#include "conf.h"

#define NO_UTCB ((void *)-1)
#define KIP_AREA L4_FpageLog2(0xBFF00000u, 12)
#define UTCB_AREA L4_FpageLog2(0xBF000000u, 17)

static L4_Word_t sc(L4_ThreadId_t s, L4_Word_t control, L4_Fpage_t kip, L4_Fpage_t utcb, L4_Word_t *old)
{
    return L4_SpaceControl(s, control, kip, utcb, L4_nilthread, old);
}

/* Unprivileged worker: SpaceControl on its own space and on the root's. */
static void unpriv_worker(void)
{
    L4_Word_t w[4], old;
    w[0] = sc(L4_MyGlobalId(), 0, KIP_AREA, UTCB_AREA, &old);
    w[1] = L4_ErrorCode();
    w[2] = sc(conf_root, 0, KIP_AREA, UTCB_AREA, &old);
    w[3] = L4_ErrorCode();
    conf_report(w, 4);
}

/* Worker reporting where its KIP and UTCB are. */
static void where_worker(void)
{
    L4_Word_t w[2];
    w[0] = (L4_Word_t)L4_KernelInterface(0, 0, 0);
    w[1] = L4_MyLocalId().raw;
    conf_report(w, 2);
}

/* A fresh inactive thread in a new, uninitialised space. */
static L4_ThreadId_t fresh(L4_Word_t n)
{
    L4_ThreadId_t t = conf_tid(n, 1);
    conf_delete(t);
    L4_ThreadControl(t, t, conf_root, L4_nilthread, NO_UTCB);
    return t;
}

static void test_specifier(void)
{
    L4_Word_t old;
    conf_check_err("sc_nonexistent_space_error_3", sc(conf_tid(300, 1), 0, KIP_AREA, UTCB_AREA, &old), 3);
    conf_check_err("sc_nil_space_error_3", sc(L4_nilthread, 0, KIP_AREA, UTCB_AREA, &old), 3);
    conf_check_err("sc_anythread_space_error_3", sc(L4_anythread, 0, KIP_AREA, UTCB_AREA, &old), 3);
    conf_check_err("sc_kernel_thread_space_error_3",
                   sc(L4_GlobalId(conf_system_base + 1, 1), 0, KIP_AREA, UTCB_AREA, &old), 3);
    conf_check_err("sc_local_id_specifier_error_3", sc(L4_MyLocalId(), 0, KIP_AREA, UTCB_AREA, &old), 3);
    L4_ThreadId_t t = fresh(30);
    conf_check_err("sc_wrong_version_error_3", sc(conf_tid(30, 2), 0, KIP_AREA, UTCB_AREA, &old), 3);
    conf_delete(t);
}

static void test_utcb_area(void)
{
    L4_Word_t old;
    L4_ThreadId_t t = fresh(31);
    conf_check_err("sc_utcb_area_too_small_error_6",
                   sc(t, 0, KIP_AREA, L4_FpageLog2(0xBF000000u, 11), &old), 6);
    conf_check_err("sc_utcb_area_nil_error_6", sc(t, 0, KIP_AREA, L4_Nilpage, &old), 6);
    conf_check_err("sc_utcb_area_kernel_error_6",
                   sc(t, 0, KIP_AREA, L4_FpageLog2(0xC0000000u, 12), &old), 6);
    conf_check_err("sc_utcb_area_crossing_user_limit_error_6",
                   sc(t, 0, KIP_AREA, L4_FpageLog2(0x80000000u, 31), &old), 6);
    conf_check_err("sc_utcb_area_whole_space_error_6", sc(t, 0, KIP_AREA, L4_CompleteAddressSpace, &old), 6);
    /* the failures initialised nothing: other areas are still accepted and used */
    L4_Word_t r = sc(t, 0, L4_FpageLog2(0xB0000000u, 12), L4_FpageLog2(0xB1000000u, 12), &old);
    r = r == 1 ? L4_ThreadControl(t, t, conf_root, conf_root, (void *)0xB1000000u) : 0;
    ktu_check("sc_failed_calls_leave_space_uninitialised", r == 1,
              "areas of a later valid call were not taken");
    conf_delete(t);
}

static void test_kip_area(void)
{
    L4_Word_t old;
    L4_ThreadId_t t = fresh(32);
    conf_check_err("sc_kip_area_too_small_error_7",
                   sc(t, 0, L4_FpageLog2(0xBFF00000u, 11), UTCB_AREA, &old), 7);
    conf_check_err("sc_kip_area_nil_error_7", sc(t, 0, L4_Nilpage, UTCB_AREA, &old), 7);
    conf_check_err("sc_kip_area_kernel_error_7", sc(t, 0, L4_FpageLog2(0xFFFFF000u, 12), UTCB_AREA, &old), 7);
    conf_check_err("sc_kip_area_in_utcb_area_error_7",
                   sc(t, 0, L4_FpageLog2(0xBF010000u, 12), UTCB_AREA, &old), 7);
    conf_check_err("sc_kip_area_covering_utcb_area_error_7",
                   sc(t, 0, L4_FpageLog2(0xBF000000u, 24), UTCB_AREA, &old), 7);
    conf_delete(t);
}

static void test_success(void)
{
    L4_Word_t old = 0x12345678u, out[2] = { 0, 0 };
    L4_ThreadId_t t = fresh(33);
    L4_Word_t r = sc(t, 0, L4_FpageAddRights(KIP_AREA, 7), L4_FpageAddRights(UTCB_AREA, 7), &old);
    ktu_check("sc_init_eax_1_rights_bits_ignored", r == 1, "valid initialisation failed");
    ktu_check("sc_control_0_ecx_out_0", old == 0, "ECX out not 0 for control 0");
    old = 0x12345678u;
    r = sc(t, 0x80000000u | 0x0Au, L4_FpageLog2(0x10000000u, 12), L4_FpageLog2(0x20000000u, 12), &old);
    ktu_check("sc_small_space_request_ecx_out_0", old == 0, "ECX out not 0 (e set) for a small-space request");
    ktu_check("sc_later_call_succeeds_with_other_areas", r == 1, "second SpaceControl failed");
    r = sc(t, 0, L4_Nilpage, L4_Nilpage, &old);
    ktu_check("sc_later_call_ignores_invalid_areas", r == 1, "invalid areas rejected after initialisation");
    r = L4_SpaceControl(t, 0, L4_Nilpage, L4_Nilpage, L4_anythread, &old);
    ktu_check("sc_redirector_anythread_accepted", r == 1, "redirector anythread rejected");
    conf_check_err("sc_later_area_not_used_for_utcb",
                   L4_ThreadControl(t, t, conf_root, conf_root, (void *)0x20000000u), 6);
    r = L4_ThreadControl(t, t, conf_root, conf_root, (void *)0xBF000200u);
    ktu_check("sc_first_utcb_area_in_force", r == 1, "activation inside the first UTCB area failed");
    int n = conf_serve(t, where_worker, out, 2);
    ktu_check("sc_kip_mapped_at_first_kip_area", n == 2 && out[0] == 0xBFF00000u,
              "KernelInterface in the new space does not return the first KIP area");
    ktu_check("sc_worker_utcb_where_activated", n == 2 && out[1] == 0xBF000300u, "worker's local ID wrong");
    conf_delete(t);
    r = sc(conf_root, 0, L4_FpageLog2(0x10000000u, 12), L4_FpageLog2(0x20000000u, 12), &old);
    ktu_check("sc_root_space_areas_unchanged",
              r == 1 && (L4_Word_t)L4_KernelInterface(0, 0, 0) == 0xBFF00000u, "root's KIP moved or call failed");
}

static void test_other_layout(void)
{
    L4_Word_t old, out[2] = { 0, 0 };
    L4_ThreadId_t t = fresh(34);
    /* minimal areas: UTCB area of exactly 2^12 bytes right below the KIP page */
    L4_Word_t r = sc(t, 0, KIP_AREA, L4_FpageLog2(0xBFEFF000u, 12), &old);
    ktu_check("sc_minimal_utcb_area_accepted", r == 1, "4 KB UTCB area rejected");
    conf_check_err("sc_minimal_area_ninth_utcb_outside_error_6",
                   L4_ThreadControl(t, t, conf_root, conf_root, (void *)0xBFF00000u), 6);
    r = L4_ThreadControl(t, t, conf_root, conf_root, (void *)0xBFEFFE00u);
    int n = r == 1 ? conf_serve(t, where_worker, out, 2) : -1;
    ktu_check("sc_last_utcb_of_minimal_area_works", n == 2 && out[1] == 0xBFEFFF00u && out[0] == 0xBFF00000u,
              "thread with the last UTCB of a 4 KB area did not run");
    conf_delete(t);
}

/* Boundaries: adjacent areas, areas ending at the user limit, a larger KIP area. */
static void test_boundaries(void)
{
    L4_Word_t old, out[2] = { 0, 0 };
    L4_ThreadId_t t = fresh(36);
    ktu_check("sc_kip_area_adjacent_after_utcb_area",
              sc(t, 0, L4_FpageLog2(0xBF020000u, 12), UTCB_AREA, &old) == 1, "touching but disjoint areas rejected");
    conf_delete(t);
    t = fresh(37);
    ktu_check("sc_kip_area_adjacent_before_utcb_area",
              sc(t, 0, L4_FpageLog2(0xBEFFF000u, 12), UTCB_AREA, &old) == 1, "touching but disjoint areas rejected");
    conf_delete(t);
    t = fresh(38);
    ktu_check("sc_areas_ending_at_user_limit",
              sc(t, 0, L4_FpageLog2(0xBFFFF000u, 12), L4_FpageLog2(0xBFFE0000u, 16), &old) == 1,
              "areas ending at 0xBFFFFFFF rejected");
    conf_delete(t);
    t = fresh(39);
    L4_Word_t r = sc(t, 0, L4_FpageLog2(0xBFF00000u, 13), UTCB_AREA, &old);
    r &= L4_ThreadControl(t, t, conf_root, conf_root, (void *)0xBF000000u);
    int n = r == 1 ? conf_serve(t, where_worker, out, 2) : -1;
    ktu_check("sc_larger_kip_area_kip_at_base", n == 2 && out[0] == 0xBFF00000u,
              "8 KB KIP area: KIP not at its base");
    conf_delete(t);
}

static void test_unprivileged(void)
{
    L4_Word_t w[4] = { 9, 9, 9, 9 };
    int n = conf_run_in_new_space(conf_tid(35, 1), unpriv_worker, w, 4);
    ktu_check("sc_unprivileged_worker_reports", n == 4, "no report from the second space");
    ktu_check("sc_unprivileged_own_space_error_1", w[0] == 0 && w[1] == 1, "SpaceControl from unprivileged space");
    ktu_check("sc_unprivileged_root_space_error_1", w[2] == 0 && w[3] == 1,
              "SpaceControl on root's space from unprivileged space");
}

int main(void)
{
    conf_init();
    test_specifier();
    test_utcb_area();
    test_kip_area();
    test_success();
    test_other_layout();
    test_boundaries();
    test_unprivileged();
    ktu_finish();
}
