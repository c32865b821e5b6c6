/*
 * Coverage-guided fuzz target of the portable core (libFuzzer; also built
 * as a plain replay program, see replay_main.c).
 *
 * One input is one run of a small system built on the mocks (sys_env.h):
 * the idle thread and interrupt threads 1..15 (but 2) in the kernel's
 * space as in the kernel, the privileged root server with two more threads
 * in its space and two threads in a second space (all started, with user
 * memory for string items), and 16 user thread numbers in all. The input bytes are read as a sequence of operations:
 * every X.2 system call (ThreadControl, SpaceControl, ExchangeRegisters,
 * Ipc (through the fast path first, as in the kernel) with untyped words,
 * map/grant/string items, receive buffers and timeouts, Unmap, Schedule, ThreadSwitch, MemoryControl,
 * ProcessorControl) made by a runnable thread the input picks, with
 * arguments drawn from pools of interesting words (own, foreign, stale,
 * local, interrupt, kernel and reserved thread IDs, UTCB locations, fpages,
 * time values) or taken raw; and the events around them: timer ticks,
 * interrupts (IPC from the interrupt thread to its handler), page faults
 * (pagefault IPC on a thread's behalf), sigma0 mapping frames into a
 * space, user memory appearing and disappearing (string copies fault),
 * dispatches. Map and grant items go through the real mapping database.
 *
 * After every operation the kernel invariant checker (kcheck_all) runs,
 * plus the checks only the fakes can make: no hook misuse, every
 * page-table entry that names a mapnode is counted by the mdb, interrupt
 * handlers are live threads. At the end every thread is deleted through
 * ThreadControl and nothing may be left (spaces, UTCBs, mapnodes, pages).
 * Any failure aborts, which libFuzzer reports with the input.
 */
#define ENV_THREADS 64u
#include "sys_env.h"

#include <core/check.h>
#include <core/kmem.h>

#define FZ_USER (ENV_THREADS - TID_USER_BASE)   /* user thread numbers 0..15 */
#define FZ_MAX_OPS 200u
#define UA 0x00400000u                          /* user area of created spaces */
#define IRQ_UTCB_WORDS 128u

static word_t irq_utcb[TID_IRQ_LINES][IRQ_UTCB_WORDS];
static int fz_trace = -1;                       /* FUZZ_TRACE=1: print every step */
static struct tcb *irq_thread[TID_IRQ_LINES];
static unsigned fz_base_pages;
static word_t fz_last_eax;                      /* result register of the last call */
static unsigned fz_maps;                        /* mdb_map calls of the current step */

/* Map items a message can carry (u + t <= 63, two words each), times the
 * pieces one item may be cut into (the complete space: 4 x 2^30): no step
 * may make more mdb_map calls than that. */
#define FZ_MAX_MAPS_PER_STEP (32u * 4u)

/* ---- the input ----------------------------------------------------------- */

struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t in8(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static word_t in32(struct input *in)
{
    word_t w = 0;
    for (unsigned i = 0; i < 4; i++)
        w = (w << 8) | in8(in);
    return w;
}

/* A thread-ID word. */
static word_t fz_id(struct input *in)
{
    uint8_t b = in8(in);
    unsigned lo = b & 15u;
    switch (b >> 4) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        return G(lo);
    case 6:  return Gv(lo, 2);
    case 7:  return L(ROOT_UTCB + 512u * lo);
    case 8:  return L(UA + 512u * lo);
    case 9:  return tid_make_global(lo, 1);                     /* interrupt threads */
    case 10: return tid_make_global(TID_SYSTEM_BASE + lo, 1);   /* kernel threads */
    case 11: return (word_t[]){ TID_NIL, TID_ANY, TID_ANYLOCAL, Gv(lo, 0), G(ROOT_N),
                                tid_make_global(TID_SYSTEM_BASE + 31u, 1) }[lo % 6u];
    default: return in32(in);
    }
}

static word_t fz_utcb(struct input *in)
{
    uint8_t b = in8(in);
    switch (b >> 6) {
    case 0:  return NOCHG;
    case 1:  return ROOT_UTCB + 512u * (b & 31u);
    case 2:  return UA + 512u * (b & 31u);
    default: return (b & 1u) ? in32(in) : ROOT_UTCB + 4u;
    }
}

static word_t fz_fpage(struct input *in)
{
    uint8_t b = in8(in), c = in8(in);
    switch (b & 7u) {
    case 0:  return fpage_make(UA + 0x1000u * (c & 15u), 12 + (c >> 4) % 6u, b >> 5);
    case 1:  return fpage_make(0x00010000u + 0x1000u * (c & 7u), 12 + (c >> 6), b >> 5);
    case 2:  return fpage_make(0x00100000u + 0x1000u * c, 12, b >> 5);
    case 3:  return (word_t[]){ FPAGE_NIL, FPAGE_COMPLETE, ROOT_UTCB_AREA, ROOT_KIP_AREA,
                                fpage_make(0x80000000u, 31, 7), fpage_make(0xC0000000u, 30, 7),
                                fpage_make(UA, 22, 7), fpage_make(0, 32, 7) }[c & 7u] |
                    (b >> 5);
    case 4:  return fpage_io_make((word_t)c << 4, 2 + (b >> 5)) | (c & 15u);
    default: return in32(in);
    }
}

static word_t fz_time(struct input *in)
{
    uint8_t b = in8(in);
    switch (b & 3u) {
    case 0:  return NOCHG;
    case 1: {
        word_t slice = in8(in) * 100u, quantum = in8(in) * 1000u;
        return ((word_t)sys_period_encode(slice) << 16) | sys_period_encode(quantum);
    }
    case 2:  return (word_t)(b >> 2) << 10 | in8(in);
    default: return in32(in);
    }
}

/* An IPC Timeouts word: send [31..16], receive [15..0]. */
static word_t fz_timeouts(struct input *in)
{
    static const uint16_t tv[] = { 0x0000u /* never */, 0x0400u /* zero */, 0x03E8u /* 1 ms */,
                                   0x0C00u | 500u /* 2 ms */, 0x2800u | 10u, 0x8000u | 0x123u };
    uint8_t b = in8(in);
    if (b == 0xFF)
        return in32(in);
    return ((word_t)tv[(b >> 4) % ARRAY_SIZE(tv)] << 16) | tv[(b & 15u) % ARRAY_SIZE(tv)];
}

/* ---- the system ---------------------------------------------------------- */

/* Interrupt threads (n, 1), n = 1..15 but 2, in the kernel's space with a
 * kernel UTCB, priority 255, halted until an interrupt wakes them. */
static void fz_irq_threads(void)
{
    memset(irq_utcb, 0, sizeof(irq_utcb));
    for (unsigned n = 1; n < TID_IRQ_LINES; n++) {
        irq_thread[n] = NULL;
        if (n == 2 || tcb_create(tid_make_global(n, 1), &env_kspace, TID_NIL, &irq_thread[n]) != TCB_OK)
            continue;
        irq_thread[n]->utcb = &irq_utcb[n][IRQ_UTCB_WORDS / 2];
        irq_thread[n]->prio = 255;
        irq_thread[n]->halted = true;
        sched_make_ready(irq_thread[n]);
    }
}

/* Root creates thread n in root's space (space_of == ROOT_N) or in the
 * space of thread space_of (a new one if that does not exist yet, set up
 * by SpaceControl), starts it and backs its string source and buffer. */
static void fz_spawn(unsigned n, unsigned space_of)
{
    as(root);
    bool fresh = T(space_of)->state == TS_FREE;
    word_t loc = space_of == ROOT_N ? ROOT_UTCB + 512u * n : UA + 512u * n;
    if (fresh && tc(G(n), G(n), G(ROOT_N), TID_NIL, NOCHG) != 1)
        abort();
    if (fresh && sc(G(n), 0, fpage_make(0x00800000u, 12, 0), fpage_make(UA, 16, 0), TID_ANY, NULL) != 1)
        abort();
    if (tc(G(n), G(space_of), G(ROOT_N), G(ROOT_N), loc) != 1 || send_start(G(n), 0x1000, 0x2000) != IPC_DONE)
        abort();
    for (word_t off = 0; off < 0x2000u; off += 0x1000u) {
        mock_usermem_map(T(n)->space, 0x00200000u + off, false);
        mock_usermem_map(T(n)->space, 0x00300000u + off, true);
    }
}

/* Map and grant items as in the kernel (src/arch/x86/ipcmap.c): memory
 * through the mapping database, IO fpages recorded only. */
static enum ipc_error fz_transfer_fpage(struct tcb *from, struct tcb *to, const struct msg_placement *p,
                                        unsigned rights, bool grant)
{
    if (p->io)
        return IPC_OK;
    if (++fz_maps > FZ_MAX_MAPS_PER_STEP) {
        fprintf(stderr, "fuzz: one step made more than %u mdb_map calls (last: log2 %u): unbounded work in the kernel\n",
                FZ_MAX_MAPS_PER_STEP, p->log2);
        abort();
    }
    return mdb_map(from->space, p->src_base, to->space, p->dst_base, p->log2, rights, grant) == MDB_OK
               ? IPC_OK
               : IPC_ERR_OVERFLOW;
}

/* A runnable user thread chosen by the input, or NULL when there is none. */
static struct tcb *fz_caller(struct input *in)
{
    struct tcb *cand[FZ_USER];
    unsigned n = 0;
    for (unsigned u = 0; u < FZ_USER; u++) {
        struct tcb *t = T(u);
        if (t->state != TS_FREE && sched_runnable(t) && tcb_is_active(t))
            cand[n++] = t;
    }
    uint8_t b = in8(in);
    return n != 0 ? cand[b % n] : NULL;
}

/* Every fake-side invariant; abort on a violation. */
static void fz_check(unsigned step, const char *op)
{
    unsigned bad = kcheck_all();
    const char *why = bad ? kcheck_first() : NULL;
    unsigned pt_nodes = 0;
    for (unsigned no = 0; no < ENV_THREADS; no++) {
        struct tcb *t = tcb_of_number(no);
        bool first = t->state != TS_FREE && t->space != &env_kspace;
        for (unsigned o = 0; first && o < no; o++)
            first = tcb_of_number(o)->space != t->space || tcb_of_number(o)->state == TS_FREE;
        if (first)
            pt_nodes += mock_pt_node_entries(t->space);
    }
    if (why == NULL && mock_pt_node_entries(&env_s0) + pt_nodes + mdb_root_count() != mdb_node_count())
        why = "page-table entries and mapnodes disagree";
    for (unsigned i = 0; why == NULL && i < MOCK_IRQ_LINES; i++)
        if (mock_irq_handler[i] != NULL && mock_irq_handler[i]->state == TS_FREE)
            why = "interrupt handler freed";
    if (why == NULL && (mock_sys_errors || mock_pt_errors || mock_page_errors))
        why = "hook misuse";
    if (why == NULL && mock_tlb_stale() != 0)
        why = "stale TLB entry after an operation";
    if (why == NULL)
        return;
    fprintf(stderr, "fuzz: after step %u (%s): %s (thread %u; %u violations; pt: %s)\n", step, op, why,
            (unsigned)kcheck_first_thread(), bad, mock_pt_last_error ? mock_pt_last_error : "-");
    abort();
}

/* ---- operations ------------------------------------------------------------ */

static void op_thread_control(struct tcb *self, struct input *in)
{
    word_t dest = fz_id(in), space = fz_id(in), sched = fz_id(in), pager = fz_id(in);
    struct sys_regs r = regs(dest, pager, sched, space, fz_utcb(in), 0x1111u, 0x2222u);
    sys_thread_control(self, &r);
    fz_last_eax = r.eax;
    if (r.eax == 1 && in8(in) < 0xC0) {            /* usually: start what was created */
        struct tcb *t = sys_lookup(self, dest);
        if (t != NULL && t->state == TS_RECV_WAIT && tcb_is_active(t) && t != self) {
            self->utcb[1] = 0x1000;
            self->utcb[2] = 0x2000;
            struct sys_regs s = regs(t->gid, 0x04000400u, TID_NIL, msgtag_make(0, 2, 0, 0), 0, 0, 0);
            if (sys_ipc(self, &s) == IPC_DONE)
                sys_ipc_finish(self, &s);
        }
    }
}

static void op_space_control(struct tcb *self, struct input *in)
{
    word_t space = fz_id(in), control = in8(in) < 0xE0 ? 0 : in32(in);
    word_t kip = fz_fpage(in), utcb = fz_fpage(in);
    if (in8(in) < 0x80) {                           /* the usual layout */
        kip = fpage_make(0x00800000u, 12, 0);
        utcb = fpage_make(UA, 16, 0);
    }
    struct sys_regs r = regs(space, control, kip, utcb, fz_id(in), 0, 0);
    sys_space_control(self, &r);
    fz_last_eax = r.eax;
}

static void op_exchange_registers(struct tcb *self, struct input *in)
{
    static const word_t ctl[] = { 0x106, 0x11E, 0x13E, 0x301, 0x303, 0x305, 0x307, 0x200,
                                  0x40, 0x80, 0x100, 0x102, 0x104, 0x1FF, 0 };
    word_t dest = fz_id(in);
    uint8_t c = in8(in);
    word_t control = c < 0xF0 ? ctl[c % ARRAY_SIZE(ctl)] : in32(in);
    word_t sp = in32(in), ip = in32(in), flags = in32(in), handle = in32(in);
    struct sys_regs r = regs(dest, control, sp, ip, flags, handle, fz_id(in));
    sys_exchange_registers(self, &r);
    fz_last_eax = r.eax;
}

/* Typed items and receive buffers of an IPC; returns the typed-word count. */
static unsigned fz_items(struct tcb *self, struct input *in, unsigned u)
{
    unsigned t = 0, items = in8(in) % 3u;
    for (unsigned i = 0; i < items && u + t + 2 < 60; i++) {
        uint8_t k = in8(in);
        word_t *mr = &self->utcb[1 + u + t];
        bool more = i + 1 < items;
        if ((k & 3u) == 0) {                         /* string */
            word_t len = (k & 4u) ? in8(in) * 40u : in8(in) + 1u;
            mr[0] = msg_string_header(len, 1, false, more);
            mr[1] = 0x00200000u + ((word_t)(k >> 3) << 9);
        } else {                                     /* map or grant */
            mr[0] = (fz_fpage(in) & ~0x3FFu) | ((k & 3u) == 3 ? MSG_ITEM_GRANT_BITS : MSG_ITEM_MAP_BITS) |
                    (more ? 1u : 0u);
            mr[1] = fz_fpage(in);
        }
        t += 2;
    }
    return t;
}

static void fz_buffers(struct tcb *self, struct input *in)
{
    uint8_t b = in8(in);
    self->utcb[utcb_br_index(0)] = (b & 1u) | ((b & 2u) ? FPAGE_COMPLETE & ~0xFu : fz_fpage(in) & ~0xFu);
    self->utcb[utcb_br_index(1)] = msg_string_header((word_t)(b >> 2) * 64u + 1u, 1, false, false);
    self->utcb[utcb_br_index(2)] = 0x00300000u + ((word_t)(b >> 5) << 10);
    self->utcb[UTCB_XFER_TIMEOUTS] = (b & 0x80u) ? 0x03E803E8u : 0;
}

static void op_ipc(struct tcb *self, struct input *in)
{
    uint8_t b = in8(in);
    unsigned u = b & 7u;
    for (unsigned i = 1; i <= u; i++)
        self->utcb[i] = in8(in) < 0x40 ? fz_id(in) : i;
    unsigned t = (b & 8u) ? fz_items(self, in, u) : 0;
    fz_buffers(self, in);
    word_t flags = (b & 0x10u) ? MSG_TAG_P : 0;
    if (flags)
        self->utcb[UTCB_VIRTUAL_SENDER] = fz_id(in);
    self->utcb[UTCB_PAGER] = (b & 0x20u) ? fz_id(in) : self->utcb[UTCB_PAGER];
    word_t to = (b & 0x40u) ? TID_NIL : fz_id(in);
    word_t from = (b & 0x80u) ? fz_id(in) : TID_NIL;
    word_t timeouts = fz_timeouts(in);
    word_t tag = msgtag_make(in8(in), u, t, flags);
    fz_last_eax = ~0u;                              /* blocked */
    if (ipc_fastpath(self, to, from, timeouts, tag)) /* first, as the kernel's Ipc entry does */
        return;
    struct sys_regs r = regs(to, timeouts, from, tag, 0, 0, 0);
    if (sys_ipc(self, &r) == IPC_DONE) {
        sys_ipc_finish(self, &r);
        fz_last_eax = r.esi;                        /* the tag */
    }
}

static void op_unmap(struct tcb *self, struct input *in)
{
    uint8_t b = in8(in);
    for (unsigned i = 0; i <= (b & 3u); i++)
        self->utcb[i] = fz_fpage(in);
    word_t control = b < 0xF0 ? (b & 3u) | ((b & 0x40u) ? 0x40u : 0) : in32(in);
    struct sys_regs r = regs(control, 0, 0, 0, 0, 0, 0);
    sys_unmap(self, &r);
}

static void op_schedule(struct tcb *self, struct input *in)
{
    word_t dest = fz_id(in);
    uint8_t p = in8(in);
    word_t prio = p < 0x80 ? NOCHG : p;
    word_t time = fz_time(in);
    word_t proc = (in8(in) & 1u) ? NOCHG : in8(in) % 3u;
    word_t preempt = (in8(in) & 1u) ? NOCHG : in32(in);
    struct sys_regs r = regs(dest, prio, time, proc, preempt, 0, 0);
    sys_schedule(self, &r);
}

static void op_thread_switch(struct tcb *self, struct input *in)
{
    struct sys_regs r = regs(fz_id(in), 0, 0, 0, 0, 0, 0);
    sys_thread_switch(self, &r);
}

static void op_memory_control(struct tcb *self, struct input *in)
{
    uint8_t b = in8(in);
    for (unsigned i = 0; i <= (b & 3u); i++)
        self->utcb[i] = fz_fpage(in);
    word_t a0 = in8(in) % 10u, a1 = in8(in) % 10u, a2 = in8(in) % 10u, a3 = in8(in) % 10u;
    struct sys_regs r = regs(b & 3u, a0, a1, a2, 0, a3, 0);
    sys_memory_control(self, &r);
}

static void op_processor_control(struct tcb *self, struct input *in)
{
    word_t op = in8(in) % 3u, a = in32(in), b = in32(in), c = in32(in);
    struct sys_regs r = regs(op, a, b, c, 0, 0, 0);
    sys_processor_control(self, &r);
}

/* Time passes: timeouts fire, the current thread is charged; at a
 * reschedule, the kernel exit preempts it, which its PreemptFlags (the
 * input may set s, d and I) may delay. */
static void op_tick(struct input *in)
{
    uint8_t b = in8(in);
    mock_time_us += b < 0xF0 ? (word_t)b * 250u : 1000000u;
    ipc_expire(mock_time_us);
    if (sched_tick(b * 250u) && (in8(in) & 1u)) {
        struct tcb *cur = arch_current();
        uint8_t f = in8(in);
        if (cur != NULL && cur->utcb != NULL && (f & 1u))
            *(uint8_t *)&cur->utcb[UTCB_FLAGS] = f & 0xE0u;
        sched_preempt();
    }
}

/* Interrupt on a line: its thread sends the interrupt IPC to its handler. */
static void op_interrupt(struct input *in)
{
    unsigned irq = in8(in) % TID_IRQ_LINES;
    struct tcb *t = irq_thread[irq], *h = irq < MOCK_IRQ_LINES ? mock_irq_handler[irq] : NULL;
    if (t == NULL || h == NULL || ipc_pending(t))
        return;
    t->utcb[0] = 0xFFF00000u;
    t->utcb[utcb_br_index(0)] = 0;
    (void)ipc_invoke_kernel(t, h->gid, h->gid, 0);
}

/* A page fault of a runnable thread: pagefault IPC to its pager. */
static void op_page_fault(struct tcb *self, struct input *in)
{
    word_t base = in8(in) < 0x80 ? UA : 0x00300000u;
    word_t addr = base + 0x1000u * (in8(in) & 15u);
    self->utcb[0] = msgtag_make(0xFFE0u | (in8(in) & 7u), 2, 0, 0);
    self->utcb[1] = addr;
    self->utcb[2] = 0x1234u;
    self->utcb[utcb_br_index(0)] = FPAGE_COMPLETE;
    tid_t pager = self->utcb[UTCB_PAGER];
    (void)ipc_invoke_kernel(self, pager, pager, 0);
}

/* sigma0 maps a frame into the space of a thread. */
static void op_sigma0_map(struct input *in)
{
    struct tcb *t = T(in8(in) % FZ_USER);
    uint8_t b = in8(in), c = in8(in);
    if (t->state == TS_FREE)
        return;
    word_t va = (b & 1u) ? 0x00300000u + 0x1000u * (c & 15u) : UA + 0x1000u * c;
    unsigned log2 = (b & 2u) ? 22u : 12u;
    if (log2 == 22u)
        va &= ~0x3FFFFFu;
    (void)mdb_map(&env_s0, (word_t)(b >> 2) << log2, t->space, va, log2, 1u + c % 7u, false);
}

/* User memory of a thread's space appears or goes (string copies fault). */
static void op_user_memory(struct input *in)
{
    struct tcb *t = T(in8(in) % FZ_USER);
    uint8_t b = in8(in);
    if (t->state == TS_FREE)
        return;
    word_t va = ((b & 1u) ? 0x00300000u : 0x00200000u) + 0x1000u * ((b >> 1) & 3u);
    if (b & 0x80u)
        mock_usermem_unmap(t->space, va);
    else
        (void)mock_usermem_map(t->space, va, (b & 0x40u) != 0);
}

enum fz_op {
    OP_TC, OP_SC, OP_EXREG, OP_IPC, OP_IPC2, OP_UNMAP, OP_SCHED, OP_SWITCH, OP_MC, OP_PC,
    OP_TICK, OP_IRQ, OP_FAULT, OP_SIGMA0, OP_USERMEM, OP_DISPATCH, OP_COUNT
};
static const char *const op_name[OP_COUNT] = {
    "ThreadControl", "SpaceControl", "ExchangeRegisters", "Ipc", "Ipc", "Unmap", "Schedule",
    "ThreadSwitch", "MemoryControl", "ProcessorControl", "tick", "interrupt", "page fault",
    "sigma0 map", "user memory", "dispatch"
};

/* One operation; false when no thread can make a call any more. */
static bool fz_step(struct input *in, enum fz_op op)
{
    switch (op) {
    case OP_TICK:     op_tick(in); return true;
    case OP_IRQ:      op_interrupt(in); return true;
    case OP_SIGMA0:   op_sigma0_map(in); return true;
    case OP_USERMEM:  op_user_memory(in); return true;
    case OP_DISPATCH: sched_dispatch(); return true;
    default: break;
    }
    struct tcb *self = fz_caller(in);
    if (self == NULL)
        return false;
    as(self);
    switch (op) {
    case OP_TC:     op_thread_control(self, in); break;
    case OP_SC:     op_space_control(self, in); break;
    case OP_EXREG:  op_exchange_registers(self, in); break;
    case OP_UNMAP:  op_unmap(self, in); break;
    case OP_SCHED:  op_schedule(self, in); break;
    case OP_SWITCH: op_thread_switch(self, in); break;
    case OP_MC:     op_memory_control(self, in); break;
    case OP_PC:     op_processor_control(self, in); break;
    case OP_FAULT:  op_page_fault(self, in); break;
    default:        op_ipc(self, in); break;
    }
    return true;
}

/* Delete every user thread through ThreadControl (root last, directly);
 * nothing may be left. */
static void fz_teardown(void)
{
    struct tcb *reaper = root;
    mock_current = reaper;
    if (reaper->state != TS_FREE) {
        ipc_cancel(reaper, true, true);
        reaper->halted = false;
        sched_make_ready(reaper);
    }
    for (unsigned u = 0; u < FZ_USER; u++) {
        struct tcb *t = T(u);
        if (t->state == TS_FREE || t == reaper)
            continue;
        struct sys_regs r = regs(t->gid, 0, 0, TID_NIL, NOCHG, 0, 0);
        if (reaper->state != TS_FREE && sys_privileged(reaper))
            sys_thread_control(reaper, &r);
        if (t->state != TS_FREE) {
            mock_current = env_idle;
            env_kill(t);
            mock_current = reaper;
        }
        fz_check(FZ_MAX_OPS, "teardown");
    }
    if (reaper->state != TS_FREE) {
        mock_current = env_idle;
        env_kill(reaper);
    }
    for (unsigned n = 1; n < TID_IRQ_LINES; n++)
        if (irq_thread[n] != NULL) {
            ipc_thread_deleted(irq_thread[n]);
            arch_irq_release(irq_thread[n]);
            tcb_delete(irq_thread[n], &env_wq);
        }
    fz_check(FZ_MAX_OPS, "teardown");
    mdb_space_destroy(&env_s0);
    mock_pt_release(&env_s0);
    mock_pt_release(&env_kspace);
    /* pages: the PreemptionControl table keeps the one leaf for thread
     * numbers 0..1023 once it was needed (syscall.c); nothing else may stay */
    unsigned pages_allowed = fz_base_pages > 1 ? fz_base_pages : 1;
    bool leak = space_count() != env_base_spaces || mock_utcb_live != 0 || mdb_node_count() != 0 ||
                mdb_page_count() != 0 || mock_pages_outstanding() > pages_allowed;
    if (leak) {
        fprintf(stderr, "fuzz: leak: spaces %u (base %u), utcbs %u, mapnodes %u, mdb pages %u, pages %u (base %u)\n",
                space_count(), env_base_spaces, mock_utcb_live, mdb_node_count(), mdb_page_count(),
                mock_pages_outstanding(), fz_base_pages);
        abort();
    }
    free(env_area);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    if (fz_trace < 0)
        fz_trace = getenv("FUZZ_TRACE") != NULL;
    fz_base_pages = mock_pages_outstanding();
    if (env_setup(NULL) != 0)
        abort();
    mock_fpage_hook = fz_transfer_fpage;
    fz_irq_threads();
    fz_spawn(3, ROOT_N);             /* two more threads in root's space */
    fz_spawn(4, ROOT_N);
    fz_spawn(5, 5);                  /* and two in a space of their own */
    fz_spawn(6, 5);
    fz_check(0, "setup");
    for (unsigned step = 1; step <= FZ_MAX_OPS && in.n > 0; step++) {
        enum fz_op op = (enum fz_op)(in8(&in) % OP_COUNT);
        fz_maps = 0;
        if (!fz_step(&in, op))
            break;
        if (fz_trace)
            fprintf(stderr, "step %u: %s by %u: eax %#x, error %#x, state %u\n", step, op_name[op],
                    (unsigned)tid_number(mock_current->gid), (unsigned)fz_last_eax,
                    mock_current->utcb ? (unsigned)mock_current->utcb[UTCB_ERROR_CODE] : 0u,
                    (unsigned)mock_current->state);
        fz_check(step, op_name[op]);
    }
    fz_teardown();
    return 0;
}
