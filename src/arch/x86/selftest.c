/*
 * Kernel self-tests for the QEMU suite. "boot" checks what start-up set up;
 * "exception-<x>" provokes CPU exception <x> in kernel mode and passes when
 * the exception path reports it and stops the machine cleanly.
 */
#include <arch/cpu.h>
#include <arch/context.h>
#include <arch/desc.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <arch/selftest.h>
#include <arch/threads.h>
#include <core/sched.h>
#include <core/tid.h>
#include <arch/timer.h>
#include <core/arch_hooks.h>
#include <core/fpage.h>
#include <core/mdb.h>
#include <core/space.h>
#include <core/kprintf.h>

extern uint32_t boot_pdir[1024];
extern char _kernel_end[];

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static uint16_t read_cs(void)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    return cs;
}

static _Noreturn void selftest_boot(const struct boot_info *bi, uint32_t magic)
{
    const uint32_t *pdir = (const uint32_t *)phys_to_virt((uint32_t)(uintptr_t)boot_pdir);

    ktest_check("multiboot_magic", magic == MULTIBOOT_BOOTLOADER_MAGIC, "wrong magic");
    ktest_check("memory_map_present", bi->mmap != 0 && bi->mmap_length >= 24, "no mmap");
    ktest_check("kernel_higher_half", (uintptr_t)&selftest_run >= KERNEL_VBASE,
                "kernel below KERNEL_VBASE");
    ktest_check("identity_map_removed", pdir[0] == 0 && pdir[1] == 0, "PDE 0/1 present");
    ktest_check("direct_map_present", (pdir[KERNEL_VBASE >> 22] & 0x81u) == 0x81u,
                "no 4 MB PDE at KERNEL_VBASE");
    ktest_check("kernel_code_selector", read_cs() == SEL_KCODE, "cs is not 0x08");
    ktest_check("tss_ring0_stack_segment", tss_current()->ss0 == SEL_KDATA, "ss0 wrong");
    ktest_check("paging_enabled", (cpu_read_cr0() & 0x80010001u) == 0x80010001u,
                "PG/WP/PE not all set");
    ktest_check("pse_enabled", (cpu_read_cr4() & 0x10u) != 0, "CR4.PSE clear");
    ktest_check("kernel_fits_direct_map", (uintptr_t)_kernel_end < KERNEL_VBASE + DIRECTMAP_SIZE,
                "kernel too large");
    ktest_finish();
}

/* The PIT ticks, and arch_timer_now() follows it monotonically. */
static _Noreturn void selftest_timer(void)
{
    uint64_t start = arch_timer_now(), prev = start;
    int monotonic = 1;
    __asm__ volatile("sti");
    while (timer_ticks() < 20) {
        __asm__ volatile("hlt");
        uint64_t now = arch_timer_now();
        monotonic &= now >= prev;
        prev = now;
    }
    __asm__ volatile("cli");
    kprintf("timer: %u ticks, clock advanced %u us\n", (unsigned)timer_ticks(),
            (unsigned)(prev - start));
    ktest_check("timer_ticks_arrive", timer_ticks() >= 20, "fewer than 20 ticks");
    ktest_check("timer_now_monotonic", monotonic, "arch_timer_now went backwards");
    /* Under TCG, QEMU delivers ticks it could not deliver in time in quick
     * succession after the host descheduled it, so 20 ticks may take less
     * than 20 ms of real (TSC) time: require a loose lower bound only. */
    ktest_check("timer_now_advances", prev - start >= 5 * TIMER_TICK_US,
                "less than 5 ticks' worth of microseconds");
    ktest_finish();
}

/* The mapping database on the real page tables (mdb hooks of paging.c). */
static _Noreturn void selftest_mdb(void)
{
    static struct space s0 = { .is_sigma0 = true }, a, b;
    uint32_t frames_before = pmem_free_frames();
    struct pt_entry e;
    word_t status;

    if (!pt_space_init(&s0.arch) || !pt_space_init(&a.arch) || !pt_space_init(&b.arch)) {
        ktest_fail("mdb_spaces", "out of memory");
        ktest_finish();
    }
    ktest_check("mdb_map_from_sigma0",
                mdb_map(&s0, 0x00600000u, &a, 0x00400000u, 12, FPAGE_RIGHTS_R | FPAGE_RIGHTS_W,
                        false) == MDB_OK &&
                    arch_pt_lookup(&a, 0x00400123u, &e) && e.phys == 0x00600000u &&
                    e.log2 == 12 && e.rights == (FPAGE_RIGHTS_R | FPAGE_RIGHTS_W) && e.node,
                "A does not map frame 0x600000 rw");
    uint32_t pa, flags;
    unsigned log2;
    ktest_check("mdb_map_derived_fewer_rights",
                mdb_map(&a, 0x00400000u, &b, 0x10000000u, 12, FPAGE_RIGHTS_R, false) == MDB_OK &&
                    pt_lookup(&b.arch, 0x10000000u, &pa, &log2, &flags) && pa == 0x00600000u &&
                    (flags & PTE_U) && !(flags & PTE_W),
                "B's PTE is not user read-only on frame 0x600000");
    ktest_check("mdb_unmap_revokes_derived",
                mdb_unmap_fpage(&a, fpage_make(0x00400000u, 12, FPAGE_RIGHTS_RWX), false,
                                &status) == MDB_OK &&
                    !arch_pt_lookup(&b, 0x10000000u, &e) && arch_pt_lookup(&a, 0x00400000u, &e),
                "B kept the page or A lost it");
    ktest_check("mdb_map_4mb_page",
                mdb_map(&s0, 0x01000000u, &a, 0x00C00000u, 22, FPAGE_RIGHTS_RWX, false) ==
                        MDB_OK &&
                    arch_pt_lookup(&a, 0x00C00000u, &e) && e.log2 == 22 &&
                    (a.arch.pdir[0x00C00000u >> 22] & PTE_PS),
                "no 4 MB page directory entry");
    ktest_check("mdb_partial_unmap_splits_4mb",
                mdb_unmap_fpage(&a, fpage_make(0x00C01000u, 12, FPAGE_RIGHTS_RWX), true,
                                &status) == MDB_OK &&
                    !(a.arch.pdir[0x00C00000u >> 22] & PTE_PS) &&
                    arch_pt_count_small(&a, 0x00C00000u) == 1023 &&
                    !arch_pt_lookup(&a, 0x00C01000u, &e) && arch_pt_lookup(&a, 0x00C02000u, &e) &&
                    e.phys == 0x01002000u,
                "4 MB page not split into 1023 small pages");
    ktest_check("mdb_invariants", mdb_check() == 0, "mdb_check found violations");
    mdb_space_destroy(&b);
    mdb_space_destroy(&a);
    mdb_space_destroy(&s0);
    ktest_check("mdb_teardown_frees_nodes", mdb_node_count() == 0 && mdb_root_count() == 0,
                "mapnodes left after destroying every space");
    pt_space_free(&s0.arch);
    pt_space_free(&a.arch);
    pt_space_free(&b.arch);
    ktest_check("mdb_no_frame_leak", pmem_free_frames() == frames_before,
                "kernel frames leaked");
    ktest_finish();
}

/* arch_copy_between(): both directions of faults, and frames above the direct map. */
static _Noreturn void selftest_copy(void)
{
    static struct space a, b;
    uint32_t f1 = pmem_alloc(), f2 = pmem_alloc(), f3 = pmem_alloc();
    const uint32_t high = 0x20000000u;   /* RAM above the direct map (boot with -m 768) */
    struct copy_fault fault;

    if (!f1 || !f2 || !f3 || !pt_space_init(&a.arch) || !pt_space_init(&b.arch) ||
        !pt_map(&a.arch, 0x00400000u, f1, 12, PTE_U | PTE_W) ||
        !pt_map(&a.arch, 0x00401000u, high, 12, PTE_U | PTE_W) ||
        !pt_map(&b.arch, 0x00500000u, f2, 12, PTE_U | PTE_W) ||
        !pt_map(&b.arch, 0x00501000u, f3, 12, PTE_U)) {
        ktest_fail("copy_setup", "out of memory");
        ktest_finish();
    }
    uint8_t *p1 = (uint8_t *)phys_to_virt(f1), *p2 = (uint8_t *)phys_to_virt(f2);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        p1[i] = (uint8_t)(i * 7 + 3);

    word_t n = arch_copy_between(&b, 0x00500010u, &a, 0x00400000u, 100, &fault);
    int same = n == 100;
    for (unsigned i = 0; i < 100 && same; i++)
        same = p2[0x10 + i] == p1[i];
    ktest_check("copy_within_pages", same, "bytes differ or count wrong");

    n = arch_copy_between(&a, 0x00401000u, &a, 0x00400000u, PAGE_SIZE, &fault);
    n += arch_copy_between(&b, 0x00500000u, &a, 0x00401000u, PAGE_SIZE, &fault);
    same = n == 2 * PAGE_SIZE;
    for (unsigned i = 0; i < PAGE_SIZE && same; i++)
        same = p2[i] == p1[i];
    ktest_check("copy_through_window_above_direct_map", same, "round trip through high frame");

    n = arch_copy_between(&b, 0x00500800u, &a, 0x00400000u, PAGE_SIZE, &fault);
    ktest_check("copy_stops_at_readonly_destination",
                n == 0x800 && fault.addr == 0x00501000u && fault.in_dst && fault.user,
                "no destination fault at the read-only page");
    n = arch_copy_between(&b, 0x00500000u, &a, 0x00401800u, PAGE_SIZE, &fault);
    ktest_check("copy_stops_at_unmapped_source",
                n == 0x800 && fault.addr == 0x00402000u && !fault.in_dst && fault.user,
                "no source fault at the unmapped page");
    n = arch_copy_between(&b, 0x00500000u, &a, 0xC0100000u, 16, &fault);
    ktest_check("copy_refuses_kernel_source", n == 0 && !fault.user && !fault.in_dst,
                "kernel memory was readable");
    n = arch_copy_between(&b, 0xFFFFFFF0u, &a, 0x00400000u, 32, &fault);
    ktest_check("copy_refuses_kernel_destination", n == 0 && !fault.user && fault.in_dst,
                "kernel memory was writable");
    ktest_finish();
}

/* Each provoker raises one exception in kernel mode and must not return. */
static void provoke_de(void)
{
    __asm__ volatile("xor %%edx, %%edx\n\txor %%ecx, %%ecx\n\tmov $1, %%eax\n\tdiv %%ecx"
                     : : : "eax", "ecx", "edx");
}

static void provoke_ud(void) { __asm__ volatile("ud2"); }

static void provoke_gp(void)
{
    __asm__ volatile("mov %0, %%ds" : : "r"(0x1000u)); /* GDT selector beyond the limit */
}

static void provoke_pf(void) { *(volatile uint32_t *)0xF0000000u = 0xDEADBEEFu; }

static void provoke_bp(void) { __asm__ volatile("int3"); }

static void provoke_df(void)
{
    /* An unmapped kernel stack: the #PF cannot be delivered, so #DF follows. */
    __asm__ volatile("mov $0xF0001000, %%esp\n\tpush $0" : : : "memory");
}

/*
 * User-mode self-tests: a fresh address space with one page of code at
 * USER_TEST_VA; the kernel must stop the thread with the expected exception
 * and carry on (here: report and end the run).
 */
#define USER_TEST_VA 0x00400000u

static const uint8_t code_io_denied[] = {
    0x66, 0xBA, 0xFD, 0x03,             /* mov $0x3fd, %dx */
    0xEC,                               /* in %dx, %al: port not granted -> #GP */
    0xEB, 0xFE,                         /* jmp . */
};
static const uint8_t code_io_granted[] = {
    0x66, 0xBA, 0xFD, 0x03,             /* mov $0x3fd, %dx */
    0xEC,                               /* in %dx, %al: granted, no fault */
    0x0F, 0x0B,                         /* ud2 -> #UD proves we got here */
};
static const uint8_t code_kernel_memory[] = {
    0xA1, 0x00, 0x00, 0x10, 0xC0,       /* mov 0xC0100000, %eax -> #PF (supervisor page) */
    0xEB, 0xFE,
};
static const uint8_t code_cli[] = {
    0xFA,                               /* cli: IOPL 0 -> #GP */
    0xEB, 0xFE,
};

struct user_test {
    const char *name;
    int vector;
    const uint8_t *code;
    unsigned len;
    int grant_com1;
};

static const struct user_test user_tests[] = {
    { "user-io-denied", 13, code_io_denied, sizeof code_io_denied, 0 },
    { "user-io-granted", 6, code_io_granted, sizeof code_io_granted, 1 },
    { "user-kernel-memory", 14, code_kernel_memory, sizeof code_kernel_memory, 0 },
    { "user-cli", 13, code_cli, sizeof code_cli, 0 },
};

static _Noreturn void selftest_user(const struct user_test *t)
{
    struct space *s = space_create();
    uint32_t frame = pmem_alloc();
    if (!frame || !s || !pt_map(&s->arch, USER_TEST_VA, frame, 12, PTE_U)) {
        ktest_fail(t->name, "out of kernel memory");
        ktest_finish();
    }
    s->utcb_area = fpage_make(0xBF000000u, 17, 0);
    s->kip_area = fpage_make(0xBFF00000u, 12, 0);
    uint8_t *code = (uint8_t *)phys_to_virt(frame);
    for (unsigned i = 0; i < t->len; i++)
        code[i] = t->code[i];
    if (t->grant_com1 && !io_set(&s->arch, 0x3F8, 3, 1)) {
        ktest_fail(t->name, "io_set failed");
        ktest_finish();
    }
    ktest_start(t->name);
    ktest_expected_vector = t->vector;
    ktest_expected_name = t->name;
    if (!thread_create_user(s, tid_make_global(TID_USER_BASE + 3, 1), TID_NIL, 0xBF000000u,
                            USER_TEST_VA, 0, 100)) {
        ktest_fail(t->name, "thread creation failed");
        ktest_finish();
    }
    threads_start();
}

/*
 * Switch storm: 4 threads in 2 spaces run the storm module (qemutest/user/
 * storm.S), which checks register patterns forever; a corrupted register
 * ends in #UD, which fails the run. After STORM_TICKS timer ticks the test
 * passes if enough preemptive switches happened.
 */
#define STORM_TICKS 300u
#define STORM_MIN_SWITCHES 100u
static int storm_active;
static unsigned long storm_switches_at_start;

static _Noreturn void selftest_storm(const struct boot_modules *bm)
{
    if (bm->count < 1) {
        ktest_fail("storm", "no storm module");
        ktest_finish();
    }
    for (unsigned sp = 0; sp < 2; sp++) {
        struct space *s = space_create();
        if (!s) {
            ktest_fail("storm", "out of memory");
            ktest_finish();
        }
        s->utcb_area = fpage_make(0xBF000000u, 17, 0);
        s->kip_area = fpage_make(0xBFF00000u, 12, 0);
        for (uint32_t pa = bm->img[0].low & ~(PAGE_SIZE - 1u); pa < bm->img[0].high; pa += PAGE_SIZE)
            pt_map(&s->arch, pa, pa, 12, PTE_U);
        for (unsigned i = 0; i < 2; i++) {
            struct tcb *t = thread_create_user(s, tid_make_global(TID_USER_BASE + 3 + sp * 2 + i, 1 + i),
                                               TID_NIL, 0xBF000000u + i * 512u, bm->img[0].entry, 0, 100);
            if (!t) {
                ktest_fail("storm", "thread creation failed");
                ktest_finish();
            }
            sched_set_timeslice(t, 1000);
        }
    }
    ktest_start("storm_registers_survive_preemption");
    storm_active = 1;
    storm_switches_at_start = context_switches;
    threads_start();
}

void selftest_tick(void)
{
    if (!storm_active || timer_ticks() < STORM_TICKS)
        return;
    unsigned long switches = context_switches - storm_switches_at_start;
    kprintf("storm: %lu context switches in %u ticks\n", switches, STORM_TICKS);
    ktest_pass("storm_registers_survive_preemption");
    ktest_check("storm_preemptive_switches", switches >= STORM_MIN_SWITCHES,
                "too few preemptive switches");
    ktest_finish();
}

struct provoker {
    const char *name;
    int vector;
    void (*run)(void);
};

static const struct provoker provokers[] = {
    { "exception-de", 0, provoke_de },
    { "exception-bp", 3, provoke_bp },
    { "exception-ud", 6, provoke_ud },
    { "exception-df", 8, provoke_df },
    { "exception-gp", 13, provoke_gp },
    { "exception-pf", 14, provoke_pf },
};

_Noreturn void selftest_run(const char *name, const struct boot_info *bi,
                            const struct boot_modules *bm, uint32_t magic)
{
    if (str_eq(name, "storm"))
        selftest_storm(bm);
    if (str_eq(name, "boot"))
        selftest_boot(bi, magic);
    if (str_eq(name, "timer"))
        selftest_timer();
    if (str_eq(name, "mdb"))
        selftest_mdb();
    if (str_eq(name, "copy"))
        selftest_copy();
    for (unsigned i = 0; i < sizeof provokers / sizeof provokers[0]; i++) {
        if (!str_eq(name, provokers[i].name))
            continue;
        ktest_start(provokers[i].name);
        ktest_expected_vector = provokers[i].vector;
        ktest_expected_name = provokers[i].name;
        provokers[i].run();
        ktest_fail(provokers[i].name, "no exception raised");
        ktest_finish();
    }
    for (unsigned i = 0; i < sizeof user_tests / sizeof user_tests[0]; i++)
        if (str_eq(name, user_tests[i].name))
            selftest_user(&user_tests[i]);
    ktest_start(name);
    ktest_fail(name, "unknown self-test");
    ktest_finish();
}
