/* Threads of the running kernel; see arch/threads.h. */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/kdebug.h>
#include <arch/kipboot.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <arch/smallspace.h>
#include <arch/context.h>
#include <arch/threads.h>
#include <arch/trap.h>
#include <core/arch_hooks.h>
#include <core/fpage.h>
#include <core/kprintf.h>
#include <core/ipc.h>
#include <core/mdb.h>
#include <core/msg.h>
#include <core/wakeup.h>
#include <core/sched.h>
#include <core/syscall.h>
#include <core/tid.h>

struct space kernel_space;
int threads_running;
struct wakeup_queue kernel_wakeups;
static uintptr_t boot_ksp;          /* the boot stack, abandoned by threads_start() */


/* Idle: dispatch whenever woken; halt until the next interrupt otherwise. */
static void idle_loop(void)
{
    for (;;) {
        sched_dispatch();
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
}

int threads_init(void)
{
    struct tcb *idle;
    kernel_space.arch = kernel_space_arch;
    kernel_space.privileged = true;
    tcb_area_init((void *)TCB_AREA_BASE, TID_MAX_THREADS);
    wakeup_init(&kernel_wakeups, arch_timer_now());
    ipc_init(&kernel_wakeups);
    sys_init(&kernel_wakeups);
    if (tcb_create(tid_make_global(TID_SYSTEM_BASE, 1), &kernel_space, TID_NIL, &idle) != TCB_OK)
        return 0;
    idle->state = TS_READY;
    idle->prio = 0;
    thread_init_kernel(idle, idle_loop);
    sched_init(idle);
    return 1;
}

void *space_kernel_page(struct space *s, word_t va)
{
    uint32_t pa, flags;
    unsigned log2;
    if (pt_lookup(&s->arch, va, &pa, &log2, &flags))
        return (void *)(uintptr_t)phys_to_virt(pa & ~0xFFFu);
    pa = pmem_alloc_for(PMEM_UTCB);
    if (!pa)
        return 0;
    if (!pt_map(&s->arch, va & ~0xFFFu, pa, 12, PTE_U | PTE_W)) {
        pmem_free_for(PMEM_UTCB, pa);
        return 0;
    }
    return (void *)(uintptr_t)phys_to_virt(pa);
}

struct tcb *thread_create_user(struct space *s, tid_t gid, tid_t pager, word_t utcb_location,
                               word_t eip, word_t esp, uint8_t prio)
{
    struct tcb *t;
    if (!tcb_utcb_location_valid(s, utcb_location)) {
        kprintf("thread %08x: invalid UTCB location %08x\n", gid, utcb_location);
        return 0;
    }
    uint8_t *page = space_kernel_page(s, utcb_location);
    if (!page || tcb_create(gid, s, TID_NIL, &t) != TCB_OK) {
        kprintf("thread %08x: cannot create\n", gid);
        return 0;
    }
    word_t *utcb = (word_t *)(page + (utcb_location & 0xFFFu) + 256u);
    tcb_activate(t, utcb_location, utcb);
    utcb[UTCB_PAGER] = pager;
    sched_set_priority(t, prio);
    thread_init_user(t, eip, esp);
    sched_make_ready(t);
    return t;
}

_Noreturn void threads_start(void)
{
    threads_running = 1;
    switch_context(&boot_ksp, sched_idle()->arch.ksp);
    kprintf("boot context resumed: cannot happen\n");
    cpu_halt_forever();
}

void thread_halt_current(const char *why)
{
    struct tcb *t = arch_current();
    kprintf("thread %08x stopped: %s\n", t->gid, why);
    if (ktest_active && ktest_expected_vector < 0) {
        ktest_fail("user", why);
        ktest_finish();
    }
    t->halted = true;
    sched_dispatch();
}

/* KernelInterface: `lock; nop` raises #UD (ABI 4.1). True if emulated. */
static int kernel_interface(struct frame *f, struct space *s)
{
    uint8_t op[2];
    if (uaccess_read(&s->arch, f->eip, op, sizeof op) != 2 || op[0] != 0xF0 || op[1] != 0x90)
        return 0;
    f->eax = fpage_base(s->kip_area);
    f->ecx = kernel_kip.api_version;
    f->edx = kernel_kip.api_flags;
    f->esi = kip_kernel_id(&kernel_kip);
    f->eip += 2;
    return 1;
}

/* sigma0's page faults are resolved 1:1 by the kernel (ABI 7.4). */
static int sigma0_fault(struct space *s, uint32_t addr)
{
    uint32_t page = addr & ~(PAGE_SIZE - 1u);
    if (!s->is_sigma0 || addr >= USER_AREA_END || pmem_is_kernel(page))
        return 0;
    return mdb_map(s, page, s, page, 12, FPAGE_RIGHTS_RWX, false) == MDB_OK;
}

/* MR0..MR12: what an exception IPC overwrites and must give back (ABI 5.12). */
#define SAVED_MRS        13u

struct saved_ipc_state {
    word_t mr[SAVED_MRS], br0, error, vsender;
};

static void ipc_state_save(const word_t *u, struct saved_ipc_state *s, unsigned mrs)
{
    for (unsigned i = 0; i < mrs; i++)
        s->mr[i] = u[i];
    s->br0 = u[utcb_br_index(0)];
    s->error = u[UTCB_ERROR_CODE];
    s->vsender = u[UTCB_VIRTUAL_SENDER];
}

static void ipc_state_restore(word_t *u, const struct saved_ipc_state *s, unsigned mrs)
{
    for (unsigned i = 0; i < mrs; i++)
        u[i] = s->mr[i];
    u[utcb_br_index(0)] = s->br0;
    u[UTCB_ERROR_CODE] = s->error;
    u[UTCB_VIRTUAL_SENDER] = s->vsender;
}

/* How a fault IPC made on a thread's behalf ended. */
enum fault_outcome {
    FAULT_ANSWERED,     /* the partner replied */
    FAULT_RETRY,        /* cancelled or aborted (ExchangeRegisters): raise the fault again */
    FAULT_FAILED,       /* no partner, or another error: the thread cannot go on */
};

/* A call from `t` to `to` on t's behalf (never/never) and how it ended. */
static enum fault_outcome kernel_call(struct tcb *t, tid_t to)
{
    if (ipc_invoke_kernel(t, to, to, 0) == IPC_BLOCKED) {
        while (ipc_pending(t))
            sched_dispatch();
    }
    if (!(ipc_result_tag(t) & MSG_TAG_E))
        return FAULT_ANSWERED;
    enum ipc_error e = msg_error_code(t->utcb[UTCB_ERROR_CODE]);
    return e == IPC_ERR_CANCELED || e == IPC_ERR_ABORTED ? FAULT_RETRY : FAULT_FAILED;
}

/* A fault message (tag, MR1, MR2) sent as a call to t's Pager TCR on t's
 * behalf, accepting mappings anywhere; t's MR0..MR2, BR0, ErrorCode and
 * VirtualSender are kept. True if t is to retry the access: the pager
 * answered, or cancelled/aborted the IPC (the access then faults again). */
static bool fault_call(struct tcb *t, word_t tag, word_t mr1, word_t mr2)
{
    word_t *u = t->utcb;
    struct saved_ipc_state saved;
    tid_t pager = u[UTCB_PAGER];
    if (tid_is_nil(pager))
        return false;
    ipc_state_save(u, &saved, 3);
    u[0] = tag;
    u[1] = mr1;
    u[2] = mr2;
    u[utcb_br_index(0)] = FPAGE_COMPLETE;
    enum fault_outcome out = kernel_call(t, pager);
    u = t->utcb;                  /* a ThreadControl migration may have moved it */
    if (out == FAULT_FAILED)
        kprintf("thread %08x: fault IPC %08x to %08x failed (ErrorCode %08x)\n", t->gid, tag,
                pager, u[UTCB_ERROR_CODE]);
    ipc_state_restore(u, &saved, 3);
    return out != FAULT_FAILED;
}

/* Page fault of a user thread (ABI 5.10): write faults as w, reads and
 * fetches as r+x. */
static bool pagefault_ipc(struct tcb *t, word_t addr, word_t eip, bool write)
{
    word_t rwx = write ? FPAGE_RIGHTS_W : FPAGE_RIGHTS_R | FPAGE_RIGHTS_X;
    return fault_call(t, msgtag_make(0xFFE0u | rwx, 2, 0, 0), addr, eip);
}

/* Decode the port access at f->eip: port and log2 of the width. 0 if the
 * instruction there is not IN/OUT/INS/OUTS. */
static int io_decode(const struct frame *f, struct space *s, word_t *port, unsigned *log2)
{
    uint8_t code[4];
    uint32_t n = uaccess_read(&s->arch, f->eip, code, sizeof code), i = 0;
    unsigned size = 2;                       /* 32-bit operand */
    while (i < n && (code[i] == 0x66 || code[i] == 0xF3 || code[i] == 0xF2)) {
        if (code[i] == 0x66)
            size = 1;
        i++;
    }
    if (i >= n)
        return 0;
    switch (code[i]) {
    case 0xE4: case 0xE6: case 0xEC: case 0xEE: case 0x6C: case 0x6E:
        *log2 = 0;
        break;
    case 0xE5: case 0xE7: case 0xED: case 0xEF: case 0x6D: case 0x6F:
        *log2 = size;
        break;
    default:
        return 0;
    }
    if (code[i] == 0xE4 || code[i] == 0xE5 || code[i] == 0xE6 || code[i] == 0xE7) {
        if (i + 1 >= n)
            return 0;
        *port = code[i + 1];
    } else {
        *port = f->edx & 0xFFFFu;
    }
    return 1;
}

/* IO page fault (ABI 5.14): a call to the pager with the IO fpage of the
 * access; true if answered (the thread retries the access). */
static bool io_fault_ipc(struct tcb *t, const struct frame *f)
{
    word_t port;
    unsigned log2;
    if (f->error != 0 || !io_decode(f, t->space, &port, &log2))
        return false;
    /* label -8 with r and w, u = 2 */
    return fault_call(t, 0xFF860002u, fpage_io_make(port & ~((1u << log2) - 1u), log2), f->eip);
}

/* CPU exception of a user thread: a call to its exception handler with the
 * register state (ABI 5.12); the reply's registers are loaded. True if the
 * thread goes on: answered, or the IPC was cancelled/aborted (the frame is
 * left alone, so a fault is raised again). */
static bool exception_ipc(struct tcb *t, struct frame *f)
{
    word_t *u = t->utcb;
    struct saved_ipc_state saved;
    tid_t handler = u[UTCB_EXCEPTION_HANDLER];
    if (tid_is_nil(handler))
        return false;
    ipc_state_save(u, &saved, SAVED_MRS);
    word_t out[SAVED_MRS] = {
        msgtag_make(0xFFB0u, 12, 0, 0), f->eip, f->eflags, f->vector, f->error, f->edi, f->esi,
        f->ebp, f->usp, f->ebx, f->edx, f->ecx, f->eax,
    };
    for (unsigned i = 0; i < SAVED_MRS; i++)
        u[i] = out[i];
    u[utcb_br_index(0)] = 0;
    enum fault_outcome res = kernel_call(t, handler);
    u = t->utcb;                  /* a ThreadControl migration may have moved it */
    if (res == FAULT_ANSWERED) {
        /* words the reply does not contain keep the values that were sent */
        unsigned n = msgtag_untyped(ipc_result_tag(t));
        for (unsigned i = n + 1; i < SAVED_MRS; i++)
            u[i] = out[i];
        f->eip = u[1];
        f->eflags = (f->eflags & ~0x8D5u) | (u[2] & 0x8D5u);
        f->edi = u[5];
        f->esi = u[6];
        f->ebp = u[7];
        f->usp = u[8];
        f->ebx = u[9];
        f->edx = u[10];
        f->ecx = u[11];
        f->eax = u[12];
    }
    ipc_state_restore(u, &saved, SAVED_MRS);
    return res != FAULT_FAILED;
}

/* kdebug reads a user page that is not mapped yet: resolve it as the
 * thread's own read fault would be (1:1 for sigma0, else its pager). */
static int kdebug_resolve(const struct arch_space *as, uint32_t addr)
{
    struct tcb *t = arch_current();
    if (t->space->is_sigma0)
        return sigma0_fault(t->space, addr);
    return addr < USER_AREA_END && pagefault_ipc(t, addr, 0xFFFFFFFFu, false) &&
           &t->space->arch == as;    /* not migrated meanwhile (its old space may be gone) */
}

/* How long a thread in ReadChar_Blocked waits before it polls the serial
 * line again: 1000 µs as an X.2 relative time (m = 1000, e = 0). */
#define KDEBUG_POLL_TIMEOUT 0x03E8u

/* Let `t` sleep for one poll interval as a receive from itself (which no
 * one can send) on its behalf; its IPC-visible state is kept. Other threads
 * run meanwhile; ExchangeRegisters cancel ends the wait early. */
static void kdebug_wait(struct tcb *t)
{
    struct saved_ipc_state saved;
    ipc_state_save(t->utcb, &saved, 3);
    if (ipc_invoke_kernel(t, TID_NIL, t->gid, KDEBUG_POLL_TIMEOUT) == IPC_BLOCKED) {
        while (ipc_pending(t))
            sched_dispatch();
    }
    ipc_state_restore(t->utcb, &saved, 3);
}

void user_trap(struct frame *f)
{
    struct space *s = arch_current()->space;
    if (f->vector == 3) {
        switch (kdebug_handle(f, &s->arch, kdebug_resolve)) {
        case KDEBUG_DONE:
            return;                  /* ABI 6.1: only the condition codes change (DF kept) */
        case KDEBUG_STOP:
            thread_halt_current("entered the kernel debugger");
            return;
        case KDEBUG_WAIT:
            kdebug_wait(arch_current());
            return;
        case KDEBUG_NOT_KDEBUG:
            break;
        }
    }
    if (f->vector == 6 && kernel_interface(f, s))
        return;
    uint32_t addr = smallspace_fault_addr(&s->arch, cpu_read_cr2());
    if (f->vector == 14 && sigma0_fault(s, addr))
        return;
    /* faults on kernel addresses go to the pager too (it cannot map there,
     * so the thread faults again until its pager does something else) */
    if (f->vector == 14 && !s->is_sigma0 &&
        pagefault_ipc(arch_current(), addr, f->eip, (f->error & 2u) != 0))
        return;
    if (f->vector == 13 && !s->is_sigma0 && io_fault_ipc(arch_current(), f))
        return;
    if (f->vector != 14 && ktest_expected_vector != (int)f->vector &&
        exception_ipc(arch_current(), f))
        return;
    kprintf("\n*** user exception %u (%s) at eip %08x, cr2 %08x\n", f->vector,
            trap_name(f->vector), f->eip, cpu_read_cr2());
    trap_print_frame(f, f->usp);
    if (ktest_expected_vector == (int)f->vector) {
        ktest_pass(ktest_expected_name);
        ktest_finish();
    }
    thread_halt_current("unhandled exception");
}
