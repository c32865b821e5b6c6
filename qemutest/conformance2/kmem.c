/*
 * Robustness of the kernel against a hostile root task (issue 8 items 3, 4,
 * 5, 7 and the kernel memory accounting): reserved thread numbers refused
 * wherever a system call takes a thread, map items of the complete address
 * space, and thousands of create/delete cycles of threads, spaces, mappings
 * and I/O bitmaps that return every counter of the kernel pool (read through the
 * kdebug operation 0x4B) exactly to its starting level.
 */
#include "c2.h"

/* Kernel memory counters (kdebug op 0x4B; src/arch/x86/include/arch/pmem.h). */
#define KM_MAX 16u
#define KM_FREE 0u
#define KM_TCB 2u                                /* 1 + PMEM_TCB */

static L4_Word_t km_names_n;

/* Counter i of the kernel pool; i = -1 prints them all and answers their number. */
static L4_Word_t km(L4_Word_t i)
{
    L4_Word_t v = i;
    __asm__ volatile("int3; cmpb $0x4B, %%al" : "+a"(v) : : "memory", "cc");
    return v;
}

/* Read every counter into snap[0..km_names_n). */
static void km_snap(L4_Word_t *snap)
{
    for (L4_Word_t i = 0; i < km_names_n && i < KM_MAX; i++)
        snap[i] = km(i);
}

/* True when every counter equals snap; prints the first difference. */
static int km_same(const L4_Word_t *snap)
{
    for (L4_Word_t i = 0; i < km_names_n && i < KM_MAX; i++) {
        L4_Word_t now = km(i);
        if (now != snap[i]) {
            ktu_print("kmem counter ");
            ktu_print_hex(i);
            ktu_print(" was ");
            ktu_print_hex(snap[i]);
            ktu_print(" now ");
            ktu_print_hex(now);
            ktu_print("\n");
            return 0;
        }
    }
    return 1;
}

static void park(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

/* ---- reserved thread numbers (items 3 and 4) ------------------------------ */

static L4_ThreadId_t user_tid(L4_Word_t n)
{
    return L4_GlobalId(L4_ThreadIdUserBase(c2_kip) + n, 1);
}

static void test_reserved(void)
{
    L4_Word_t sb = L4_ThreadIdSystemBase(c2_kip), ub = L4_ThreadIdUserBase(c2_kip), old;
    const L4_ThreadId_t reserved[] = {
        L4_GlobalId(sb, 1),                      /* the idle thread */
        L4_GlobalId(1, 1),                       /* interrupt threads */
        L4_GlobalId(4, 1),
        L4_GlobalId(sb + 1, 1),                  /* unused kernel-thread number */
        L4_GlobalId(ub - 1, 1),
    };
    int sc_ok = 1, tc_create_ok = 1, tc_migrate_ok = 1, tc_sched_ok = 1, exreg_ok = 1, sched_ok = 1;
    L4_ThreadId_t t = user_tid(60);
    if (L4_ThreadControl(t, c2_me, c2_me, L4_nilthread, (void *)-1) != 1)
        tc_migrate_ok = 0;                       /* inactive thread of our space */
    for (unsigned i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        L4_ThreadId_t r = reserved[i];
        if (L4_SpaceControl(r, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17),
                            L4_nilthread, &old) != 0 || L4_ErrorCode() != 3)
            sc_ok = 0;
        if (L4_ThreadControl(user_tid(61), r, c2_me, L4_nilthread, (void *)-1) != 0 ||
            L4_ErrorCode() != 3)
            tc_create_ok = 0;
        if (L4_ThreadControl(t, r, L4_nilthread, L4_nilthread, (void *)-1) != 0 || L4_ErrorCode() != 3)
            tc_migrate_ok = 0;
        if (L4_ThreadControl(user_tid(61), user_tid(61), r, L4_nilthread, (void *)-1) != 0 ||
            L4_ErrorCode() != 4)
            tc_sched_ok = 0;
        L4_Word_t c, o[4];
        L4_ThreadId_t op;
        L4_ThreadId_t res = L4_ExchangeRegisters(r, 0, 0, 0, 0, 0, L4_nilthread, &c, &o[0], &o[1],
                                                 &o[2], &o[3], &op);
        if (!L4_IsNilThread(res) || L4_ErrorCode() != 2)
            exreg_ok = 0;
    }
    /* Schedule on the idle thread (kernel range) is refused */
    if (L4_Set_Priority(reserved[0], 200) != 0 || L4_ErrorCode() != 2)
        sched_ok = 0;
    ktu_check("spacecontrol_reserved_space_error_3", sc_ok, "accepted, or not error 3");
    ktu_check("threadcontrol_create_in_reserved_space_error_3", tc_create_ok, "accepted, or not error 3");
    ktu_check("threadcontrol_migrate_to_reserved_space_error_3", tc_migrate_ok, "accepted, or not error 3");
    ktu_check("threadcontrol_reserved_scheduler_error_4", tc_sched_ok, "accepted, or not error 4");
    ktu_check("exreg_reserved_error_2", exreg_ok, "accepted, or not error 2");
    ktu_check("schedule_idle_error_2", sched_ok, "accepted, or not error 2");
    c2_kill(t);
    /* the kernel still answers */
    ktu_check("kernel_alive_after_reserved", L4_ThreadControl(t, c2_me, c2_me, c2_s0,
                                                             (void *)(0xBF000000u + 40u * 512u)) == 1 &&
                                                 c2_kill(t), "cannot create a thread afterwards");
}

/* ---- map items of the complete space (item 7) ----------------------------- */

static volatile L4_Word_t magic_page[1024] __attribute__((aligned(4096)));
#define MAGIC 0x4D41474Bu

/* New space: three rounds of "report the last result, receive a map item
 * into the complete space"; after the first one read magic_page. */
static void space_map_recv(void)
{
    L4_Word_t tag = 0, err = 0, seen = 0;
    for (unsigned round = 0; round < 4; round++) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        L4_LoadMR(0, L4_MsgTagMake(0x71, 3, 0).raw);
        L4_LoadMR(1, tag);
        L4_LoadMR(2, err);
        L4_LoadMR(3, seen);
        L4_MsgTag_t t = L4_Call(c2_me);
        tag = t.raw;
        err = L4_ErrorCode();
        if (round == 0 && L4_IpcSucceeded(t))
            seen = magic_page[0];
    }
    park();
}

static void test_complete_map(void)
{
    static const L4_Word_t items[3][2] = {
        { 0x00000008u, 0x10u | 7u },                       /* complete space, rwx */
        { 0x80000008u, 0x80000000u | (31u << 4) | 7u },   /* 0x80000000/31 */
        { 0xC0000008u, 0xC0000000u | (30u << 4) | 7u },   /* 0xC0000000/30 */
    };
    static const char *const names[3] = { "map_complete_space_ok", "map_2g_at_2g_ok", "map_kernel_gb_ok" };
    magic_page[0] = MAGIC;
    L4_ThreadId_t sp = c2_space(space_map_recv), x;
    L4_Word_t *mr = c2_mrs();
    L4_MsgTag_t tag = c2_recv(sp, c2_2s(), &x);
    for (unsigned i = 0; i < 3; i++) {
        int ready = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x71;
        if (i == 0)
            c2_clear_faults();
        mr[0] = L4_MsgTagMake(0, 0, 2).raw;
        mr[1] = items[i][0];
        mr[2] = items[i][1];
        L4_MsgTag_t st = L4_Send_Timeout(sp, L4_ZeroTime);
        tag = c2_recv(sp, c2_2s(), &x);
        int reported = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x71;
        ktu_check(names[i], ready && L4_IpcSucceeded(st) && reported && !(mr[1] & 0x8000u),
                  "the map item failed (message overflow?) at the sender or the receiver");
        if (i == 0)
            ktu_check("map_complete_space_mapped", reported && mr[3] == MAGIC &&
                                                       !c2_fault_seen((L4_Word_t)magic_page, NULL),
                      "the receiver did not see our page without a fault");
    }
    c2_kill(sp);
}

/* ---- create/delete cycles (item 5, kernel memory accounting) -------------- */

/* New space: touch a few pages of the image (faults mapped by us), then
 * call us and receive an IO fpage (a private I/O bitmap for the space). */
static void space_touch(void)
{
    for (unsigned i = 0; i < 4; i++)
        (void)magic_page[i * 256];
    L4_LoadMR(0, L4_MsgTagMake(0x72, 0, 0).raw);
    L4_Call(c2_me);
    park();
}

#define FRESH_THREADS 4200u
#define SPACE_CYCLES 40u

/* One thread in our space at a fresh number, created active and deleted. */
static int cycle_thread(L4_Word_t n)
{
    L4_Word_t utcb = 0xBF010000u + (n % 8u) * 0x1000u + ((n / 8u) % 8u) * 512u;
    L4_ThreadId_t t = user_tid(100 + n);
    return L4_ThreadControl(t, c2_me, c2_me, c2_me, (void *)utcb) == 1 && c2_kill(t);
}

#define KM_IOBITMAP 6u                           /* 1 + PMEM_IOBITMAP */

/* One space with a running thread that faults pages in and receives port
 * 0x80 (its I/O bitmap: two frames), then deleted. */
static int cycle_space(void)
{
    L4_ThreadId_t sp = c2_space(space_touch), x;
    if (L4_IsNilThread(sp))
        return 0;
    L4_MsgTag_t tag = c2_recv(sp, c2_2s(), &x);
    L4_Word_t io_before = km(KM_IOBITMAP);
    L4_Word_t *mr = c2_mrs();
    mr[0] = L4_MsgTagMake(0, 0, 2).raw;
    mr[1] = 0x8u;
    mr[2] = L4_IoFpageLog2(0x80, 0).raw;
    int ok = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x72 &&
             L4_IpcSucceeded(L4_Send_Timeout(sp, L4_ZeroTime)) && km(KM_IOBITMAP) == io_before + 2u;
    return c2_kill(sp) && ok;
}

/* PreemptionControl (Schedule): one thread in each of PREEMPT_BLOCKS blocks
 * of 1024 thread numbers gets a value (the thread keeps it: no kernel
 * memory), `*taken` then says whether the pool changed by the Schedule
 * calls; half of the values are set back to zero before the threads are
 * deleted. */
#define PREEMPT_BLOCKS 3u

static int cycle_preempt(int *taken)
{
    static L4_Word_t mid[KM_MAX];
    L4_ThreadId_t t[PREEMPT_BLOCKS];
    L4_Word_t old;
    int ok = 1;
    for (L4_Word_t k = 0; k < PREEMPT_BLOCKS; k++) {
        t[k] = user_tid(1024u * (k + 1u) + 7u);
        ok = ok && L4_ThreadControl(t[k], c2_me, c2_me, c2_me, (void *)(0xBF010000u + k * 0x1000u)) == 1;
    }
    km_snap(mid);
    for (L4_Word_t k = 0; k < PREEMPT_BLOCKS; k++)
        ok = ok && L4_Schedule(t[k], L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, 5u, &old) != 0;
    *taken = *taken || !km_same(mid);
    for (L4_Word_t k = 0; k < PREEMPT_BLOCKS; k++) {
        if (k % 2u == 0u)
            ok = ok && L4_Schedule(t[k], L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, 0u, &old) != 0;
        ok = c2_kill(t[k]) && ok;
    }
    return ok;
}

static void test_cycles(void)
{
    static L4_Word_t base[KM_MAX];
    km_names_n = km(~0ul);
    ktu_check("kmem_counters_readable", km_names_n >= 10 && km_names_n <= KM_MAX && km(KM_FREE) > 0 &&
                                            km(KM_TCB) > 0 && km(km_names_n) == ~0ul,
              "kdebug 0x4B does not answer the counters");
    /* warm up once (our own and sigma0's first mappings stay, and port 0x80
     * from sigma0 by an IO fault), then measure */
    __asm__ volatile("outb %0, $0x80" : : "a"((unsigned char)0));
    int ok = cycle_thread(0) && cycle_space();
    ktu_check("warm_up_cycles", ok, "a first thread or space cycle failed");
    km_snap(base);
    unsigned done = 0;
    for (L4_Word_t n = 1; ok && n <= FRESH_THREADS; n++, done++)
        ok = cycle_thread(n);
    ktu_check("fresh_thread_numbers_4200", ok, "a create/delete pair failed (kernel pool exhausted?)");
    if (!ok) {
        ktu_print("failed at cycle ");
        ktu_print_hex(done);
        ktu_print("\n");
    }
    ktu_check("threads_return_pool_exactly", km_same(base), "a counter differs after the cycles");
    ok = 1;
    for (unsigned i = 0; ok && i < SPACE_CYCLES; i++)
        ok = cycle_space();
    ktu_check("space_cycles_succeed", ok, "a space cycle failed");
    ktu_check("spaces_return_pool_exactly", km_same(base), "a counter differs after the space cycles");
    int taken = 0;
    ok = 1;
    for (unsigned i = 0; ok && i < 4u; i++)
        ok = cycle_preempt(&taken);
    ktu_check("preempt_control_takes_no_pages", ok && !taken,
              "a PreemptionControl cycle failed or took kernel memory");
    ktu_check("preempt_pages_return_pool_exactly", km_same(base),
              "a counter differs after the PreemptionControl cycles");
    /* the complete-space mapping and its teardown are counted too */
    test_complete_map();
    ktu_check("complete_map_returns_pool_exactly", km_same(base), "a counter differs after the complete map");
    km(~0ul);
}

/* ---- page tables of a living space (item 5: map/unmap cycles) ------------- */

#define KM_PTAB 4u                               /* 1 + PMEM_PTAB */
#define PT_SLOTS 64u

/* New space: call us again and again, accepting mappings anywhere. */
static void space_map_loop(void)
{
    for (;;) {
        L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
        L4_LoadMR(0, L4_MsgTagMake(0x74, 0, 0).raw);
        L4_Call(c2_me);
    }
}

/* Map our page into a fresh 4 MB slot of a living space, unmap it again,
 * 64 times: the page table of each slot is given back by the Unmap. */
static void test_pt_reclaim(void)
{
    L4_Word_t *mr = c2_mrs(), base = 0, most = 0;
    magic_page[0] = MAGIC;
    L4_ThreadId_t sp = c2_space(space_map_loop), x;
    L4_MsgTag_t tag = c2_recv(sp, c2_2s(), &x);
    int ok = L4_IpcSucceeded(tag) && L4_Label(tag) == 0x74;
    base = km(KM_PTAB);
    for (L4_Word_t k = 0; ok && k < PT_SLOTS; k++) {
        mr[0] = L4_MsgTagMake(0, 0, 2).raw;
        mr[1] = (0x10000000u + (k << 22)) | 0x8u;
        mr[2] = L4_FpageLog2((L4_Word_t)magic_page, 12).raw | L4_FullyAccessible;
        ok = L4_IpcSucceeded(L4_Send_Timeout(sp, L4_ZeroTime));
        if (km(KM_PTAB) > most)
            most = km(KM_PTAB);
        L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2((L4_Word_t)magic_page, 12), L4_FullyAccessible));
        tag = c2_recv(sp, c2_2s(), &x);
        ok = ok && L4_IpcSucceeded(tag) && L4_Label(tag) == 0x74 && km(KM_PTAB) == base;
    }
    ktu_check("unmap_gives_back_page_tables", ok && most == base + 2u,
              "a slot's page table stayed after its last page was unmapped");
    c2_kill(sp);
}

/* ---- migration during a pagefault IPC (item 6, machine layer) ------------- */

#define FAULT_VA 0x05000000u                     /* never in our image */

/* New space: MR1/MR2 set, fault at FAULT_VA, report MR1/MR2 afterwards. */
static void space_fault_mrs(void)
{
    L4_LoadMR(1, 0x11111111u);
    L4_LoadMR(2, 0x22222222u);
    L4_Word_t v = *(volatile L4_Word_t *)FAULT_VA;
    L4_Word_t a, b;
    L4_StoreMR(1, &a);
    L4_StoreMR(2, &b);
    L4_LoadMR(0, L4_MsgTagMake(0x73, 3, 0).raw);
    L4_LoadMR(1, a);
    L4_LoadMR(2, b);
    L4_LoadMR(3, v);
    L4_Send(c2_me);
    park();
}

/* The faulting thread is migrated while its pager holds the fault: the
 * pager's answer maps into the new space and the thread's MRs are restored
 * into its current UTCB (the old one went with the old space). */
static void test_migrate_in_fault(void)
{
    L4_Word_t *mr = c2_mrs(), old;
    magic_page[0] = MAGIC;
    L4_ThreadId_t r = c2_space(space_fault_mrs), x;
    L4_MsgTag_t tag = c2_recv(r, c2_2s(), &x);
    int at_fault = L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu && mr[1] == FAULT_VA;
    L4_ThreadId_t q = user_tid(62);
    int moved = L4_ThreadControl(q, q, c2_me, L4_nilthread, (void *)-1) == 1 &&
                L4_SpaceControl(q, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17),
                                L4_nilthread, &old) == 1 &&
                L4_ThreadControl(r, q, L4_nilthread, L4_nilthread, (void *)-1) == 1;
    ktu_check("migrate_thread_in_pagefault", at_fault && moved, "no fault seen, or the migration failed");
    mr[0] = L4_MsgTagMake(0, 0, 2).raw;
    mr[1] = FAULT_VA | 0x8u;
    mr[2] = L4_FpageLog2((L4_Word_t)magic_page, 12).raw | L4_FullyAccessible;
    L4_MsgTag_t st = L4_Send_Timeout(r, L4_ZeroTime);
    tag = c2_recv(r, c2_2s(), &x);
    ktu_check("migrated_fault_keeps_mrs", L4_IpcSucceeded(st) && L4_IpcSucceeded(tag) &&
                                              L4_Label(tag) == 0x73 && mr[1] == 0x11111111u &&
                                              mr[2] == 0x22222222u && mr[3] == MAGIC,
              "the pager's answer did not resume the thread with its MRs in its new space");
    c2_kill(r);
    c2_kill(q);
}

int main(void)
{
    c2_init();
    test_reserved();
    test_cycles();
    test_migrate_in_fault();
    test_pt_reclaim();
    ktu_finish();
}
