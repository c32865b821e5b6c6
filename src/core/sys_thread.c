/*
 * ThreadControl and ExchangeRegisters (ABI 4.5, 5.13).
 *
 * Design note. ThreadControl is decoded completely into a struct
 * tc_request before anything changes: privilege, the thread-number range,
 * which case applies (interrupt association, delete, modify, create), every
 * ID (local IDs resolved in the caller's space), UTCB locations and the
 * memory the call needs (a new space, a UTCB block, the TCB). Allocation is
 * the last step of the decode and is undone on failure, so a failing call
 * -- out of memory included -- leaves every thread, space and mapping as it
 * was. The commit half has no failure paths.
 *
 * Guarantees:
 *  - A thread is active exactly when it owns a UTCB; activation zeroes the
 *    UTCB block, fills MyGlobalId and Pager, and leaves the thread in a
 *    closed receive from its pager with timeout Never (the start message,
 *    ABI 5.13; arch_thread_prepare_start() makes the message's MR1/MR2 the
 *    first user EIP/ESP).
 *  - Two active threads of one space never share a UTCB location.
 *  - Deletion fails every IPC partner (ipc_thread_deleted), releases its
 *    interrupt lines and UTCB block, and destroys the space with the last
 *    thread (also when the last thread migrates away).
 *  - ExchangeRegisters only ever touches active user threads (numbers from
 *    UserBase on: never an interrupt thread, the idle thread or a reserved
 *    kernel number) of the caller's own space -- or, with the build option
 *    CONFIG_PAGER_EXREGS (below), of another space whose pager lives in the
 *    caller's space. It returns the old values always (the d bit is not
 *    needed), and applies s/i/f/u/p, then R/S cancellation, then h/H, in
 *    that order. Control bits 10..31 are ignored.
 *
 * ABI decisions (see also core/syscall.h):
 *  - dest not a global ID (nil, local, anythread) or a number beyond the
 *    TCB area: error 2 "invalid thread" (reference: 3; ABI uncertainty 10).
 *  - create with Scheduler nil: error 4 "invalid scheduler" -- the X.2 name;
 *    the reference kernel reports 2 (ABI uncertainty 10). The scheduler must
 *    name an existing thread (or dest itself), also on modify: error 4.
 *  - An unresolvable local Pager ID: 2; an unresolvable local Scheduler ID:
 *    4; an unresolvable SpaceSpecifier: 3.
 *  - Activation (create or modify with Pager != nil) needs the pager to
 *    exist (error 2): its start message is the only way to run.
 *  - Interrupt association: dest must be (irq, version 1), else 2;
 *    SpaceSpecifier, Scheduler and UtcbLocation are ignored; the handler
 *    must be an existing active thread (2); Pager == dest detaches.
 *  - Delete needs the exact global ID: a stale version or an unused number
 *    succeeds without touching anything (reference: deleting a
 *    non-existing thread succeeds).
 *  - UtcbLocation on modify of an active thread: anything but -1 is 6, its
 *    current value included (ABI 2.4 and 4.5: the location can be set only
 *    while the thread is inactive). For an inactive thread in an
 *    uninitialised space only the 512-byte alignment is checked; the full
 *    check happens at activation.
 *  - An active thread migrating to another space keeps its UTCB location
 *    (it must be valid and free there, else 6); its UTCB contents are copied.
 *    A string transfer it takes part in (also one suspended in a pagefault
 *    IPC) is aborted first: error 7 to both partners, as ExchangeRegisters
 *    R/S would (the transfer's cursors point into the old UTCB and its
 *    buffers into the old space, which may be destroyed).
 *  - Reserved thread numbers (below UserBase: interrupt threads, the idle
 *    thread, unused kernel numbers; ABI 1.1) are never a SpaceSpecifier
 *    (3), a Scheduler (4), a Pager (2, also for an active thread, whose
 *    Pager TCR would name it), an interrupt handler (2) or an
 *    ExchangeRegisters target (2). Their own numbers as dest: interrupt
 *    association below SystemBase, error 2 in [SystemBase, UserBase).
 *  - Deletion gives back the TCB page (tcb_delete) and the UTCB page once
 *    no thread of the space uses it (arch_utcb_unmap after the thread is
 *    unregistered).
 *  - ExchangeRegisters on anything but an allowed target (nil, anythread,
 *    anylocalthread, no such thread, wrong version, inactive, a kernel or
 *    interrupt thread, a thread of another space without the pager rule):
 *    error 2 "invalid thread", result nil and every output register 0.
 *  - Pager ExchangeRegisters (CONFIG_PAGER_EXREGS, CMake option
 *    L4_PAGER_EXREGS, default on; KIP feature string "pagerexregs"), the
 *    reference kernel's optional rule: a thread of another space may be
 *    addressed (by its global ID) when its Pager TCR holds the global ID of
 *    an existing thread of the caller's space -- the pager itself or any
 *    thread sharing its space, as in the reference. A local ID in the Pager
 *    TCR never qualifies. All of s/i/f/u/p/R/S/h/H apply as within a space
 *    (a pager can abort a blocked send or receive of its pagee, stop it,
 *    restart it elsewhere); the result is the target's local ID in its own
 *    space (global dest) as within a space. Since the Pager TCR is in the
 *    thread's UTCB, a thread can hand this control to another space's
 *    threads only for itself. With the option off, another space's thread
 *    is always error 2 (X.2).
 */
#include <core/config.h>
#include <core/kassert.h>
#include <core/msg.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/syscall.h>
#include <core/tid.h>

#define TC_NO_UTCB 0xFFFFFFFFu
#define UTCB_WORDS_BELOW 64           /* words of the block below MR0 */
#define UTCB_WORDS_ABOVE 64           /* MR0..MR63 */

enum tc_op { TC_IRQ, TC_DELETE, TC_MODIFY, TC_CREATE };

/* A decoded, validated ThreadControl call. */
struct tc_request {
    enum tc_op op;
    tid_t dest;
    struct tcb *t;                /* delete/modify: the thread (delete: NULL = none) */
    struct space *space;          /* modify/create: the thread's (new) space */
    bool new_space;               /* create: space was created for it */
    tid_t pager, scheduler;       /* resolved global IDs; TID_NIL: not given */
    word_t utcb;                  /* UtcbLocation input; TC_NO_UTCB: none */
    bool activate;                /* becomes active (UTCB at act_loc, view `view`) */
    word_t act_loc;
    word_t *view;
    bool migrate;                 /* modify: moves to `space` */
    struct tcb *handler;          /* irq: NULL = detach */
};

/* ---- decode helpers ------------------------------------------------------- */

/* Resolve a local ID in self's space to the global ID (nil and global IDs
 * unchanged); false when a local ID names no thread. */
static bool tc_resolve(const struct tcb *self, tid_t id, tid_t *out)
{
    if (id == TID_NIL || tid_is_global(id)) {
        *out = id;
        return true;
    }
    struct tcb *t = tid_lookup_local(self->space, id);
    if (t == NULL)
        return false;
    *out = t->gid;
    return true;
}

/* True when `id` (resolved) names a reserved thread number: an interrupt or
 * kernel thread (ABI 1.1), never a pager or scheduler. */
static bool tc_reserved(tid_t id)
{
    return id != TID_NIL && !tid_number_is_user(tid_number(id));
}

/* True when no active thread of `s` other than `t` uses UTCB location `loc`. */
static bool utcb_free(const struct space *s, word_t loc, const struct tcb *t)
{
    struct tcb *user = tid_lookup_local(s, loc + TID_UTCB_MR0_OFFSET);
    return user == NULL || user == t;
}

/* UtcbLocation check for an inactive thread in `s`: 512-aligned, and valid
 * in s if s is initialised (else it is checked again at activation). */
static bool utcb_plausible(const struct space *s, word_t loc)
{
    if ((loc & ((1u << TID_UTCB_SIZE_LOG2) - 1u)) != 0)
        return false;
    return !space_initialised(s) || tcb_utcb_location_valid(s, loc);
}

/* Activation of a thread in `s` at `loc` with pager `pager`: error code. */
static word_t tc_check_activation(const struct space *s, word_t loc, tid_t pager, const struct tcb *t)
{
    if (loc == TC_NO_UTCB || !tcb_utcb_location_valid(s, loc) || !utcb_free(s, loc, t))
        return SYS_ERR_INVALID_UTCB;
    if (tid_user_only(tid_lookup(pager)) == NULL)
        return SYS_ERR_INVALID_THREAD;          /* the start message must come from somewhere */
    return SYS_ERR_OK;
}

/* The scheduler of a new/modified thread must exist (or be the thread). */
static bool tc_scheduler_ok(tid_t sched, tid_t dest)
{
    return sched == dest || tid_user_only(tid_lookup(sched)) != NULL;
}

/* ---- decode ----------------------------------------------------------------- */

static word_t tc_decode_irq(const struct tcb *self, const struct sys_regs *r, struct tc_request *q)
{
    q->op = TC_IRQ;
    if (tid_version(q->dest) != 1u)
        return SYS_ERR_INVALID_THREAD;
    if (r->ecx == q->dest) {
        q->handler = NULL;                      /* Pager = the interrupt itself: detach */
        return SYS_ERR_OK;
    }
    q->handler = tid_user_only(sys_lookup(self, r->ecx));
    if (q->handler == NULL || !tcb_is_active(q->handler))
        return SYS_ERR_INVALID_THREAD;
    return SYS_ERR_OK;
}

static word_t tc_decode_delete(const struct tcb *self, struct tc_request *q)
{
    q->op = TC_DELETE;
    q->t = tid_lookup(q->dest);                 /* none: deleting succeeds (reference) */
    if (q->t == self)
        return SYS_ERR_INVALID_THREAD;
    return SYS_ERR_OK;
}

/* Modify the existing thread q->t. */
static word_t tc_decode_modify(const struct tcb *self, const struct sys_regs *r, struct tc_request *q)
{
    struct tcb *t = q->t;
    bool active = tcb_is_active(t);
    q->op = TC_MODIFY;
    if (r->esi == q->dest) {
        q->space = t->space;
    } else {
        struct tcb *in = tid_user_only(sys_lookup(self, r->esi));
        if (in == NULL)
            return SYS_ERR_INVALID_SPACE;
        q->space = in->space;
    }
    q->migrate = q->space != t->space;
    if (q->utcb != TC_NO_UTCB) {
        if (active || !utcb_plausible(q->space, q->utcb))
            return SYS_ERR_INVALID_UTCB;
    }
    if (q->migrate && active &&
        (!tcb_utcb_location_valid(q->space, t->utcb_location) || !utcb_free(q->space, t->utcb_location, t)))
        return SYS_ERR_INVALID_UTCB;
    if (q->scheduler != TID_NIL && !tc_scheduler_ok(q->scheduler, q->dest))
        return SYS_ERR_INVALID_SCHED;
    q->activate = q->pager != TID_NIL && !active;
    if (q->activate) {
        if (t->state != TS_INACTIVE)
            return SYS_ERR_INVALID_THREAD;      /* e.g. a dead thread: never again */
        q->act_loc = q->utcb != TC_NO_UTCB ? q->utcb : t->utcb_location;
        word_t err = tc_check_activation(q->space, q->act_loc, q->pager, t);
        if (err != SYS_ERR_OK)
            return err;
    }
    if (q->activate || (q->migrate && active)) {
        q->view = arch_utcb_map(q->space, q->activate ? q->act_loc : t->utcb_location);
        if (q->view == NULL)
            return SYS_ERR_NO_MEMORY;
    }
    return SYS_ERR_OK;
}

/* Create the thread q->dest: checks, then the memory (undone on failure). */
static word_t tc_decode_create(const struct tcb *self, const struct sys_regs *r, struct tc_request *q)
{
    struct space *s = NULL;
    q->op = TC_CREATE;
    if (q->scheduler == TID_NIL || !tc_scheduler_ok(q->scheduler, q->dest))
        return SYS_ERR_INVALID_SCHED;
    q->new_space = r->esi == q->dest;
    if (!q->new_space) {
        struct tcb *in = tid_user_only(sys_lookup(self, r->esi));
        if (in == NULL)
            return SYS_ERR_INVALID_SPACE;
        s = in->space;
    }
    if (q->utcb != TC_NO_UTCB && (q->utcb & ((1u << TID_UTCB_SIZE_LOG2) - 1u)) != 0)
        return SYS_ERR_INVALID_UTCB;
    if (s != NULL && q->utcb != TC_NO_UTCB && !utcb_plausible(s, q->utcb))
        return SYS_ERR_INVALID_UTCB;
    q->activate = q->pager != TID_NIL;
    if (q->activate) {
        if (s == NULL || !space_initialised(s))
            return SYS_ERR_INVALID_SPACE;
        q->act_loc = q->utcb;
        word_t err = tc_check_activation(s, q->act_loc, q->pager, NULL);
        if (err != SYS_ERR_OK)
            return err;
    }
    if (q->new_space && (s = space_create()) == NULL)
        return SYS_ERR_NO_MEMORY;
    /* activation implies an existing space: nothing to undo here */
    if (q->activate && (q->view = arch_utcb_map(s, q->act_loc)) == NULL)
        return SYS_ERR_NO_MEMORY;
    word_t err = tcb_create(q->dest, s, q->scheduler, &q->t);
    if (err != TCB_OK) {
        if (q->activate)
            arch_utcb_unmap(s, q->act_loc);
        if (q->new_space)
            space_destroy(s);
        return err;
    }
    q->space = s;
    return SYS_ERR_OK;
}

/* Decode a ThreadControl call of `self`; an X.2 error code. Memory the
 * call needs is held on success (the commit cannot fail). */
static word_t tc_decode(const struct tcb *self, const struct sys_regs *r, struct tc_request *q)
{
    *q = (struct tc_request){ .dest = r->eax, .utcb = r->edi };
    if (!sys_privileged(self))
        return SYS_ERR_NO_PRIVILEGE;
    if (!tid_is_global(q->dest) || q->dest == TID_ANY)
        return SYS_ERR_INVALID_THREAD;
    word_t no = tid_number(q->dest);
    if (no < TID_SYSTEM_BASE)
        return tc_decode_irq(self, r, q);
    if (no < TID_USER_BASE || no >= tcb_area_threads())
        return SYS_ERR_INVALID_THREAD;
    if (r->esi == TID_NIL)
        return tc_decode_delete(self, q);
    if (!tc_resolve(self, r->ecx, &q->pager))
        return SYS_ERR_INVALID_THREAD;
    if (!tc_resolve(self, r->edx, &q->scheduler))
        return SYS_ERR_INVALID_SCHED;
    if (tc_reserved(q->pager))
        return SYS_ERR_INVALID_THREAD;
    if (tc_reserved(q->scheduler))
        return SYS_ERR_INVALID_SCHED;
    struct tcb *slot = tcb_of_number(no);
    if (slot->state != TS_FREE) {
        q->t = slot;
        return tc_decode_modify(self, r, q);
    }
    return tc_decode_create(self, r, q);
}

/* ---- commit ------------------------------------------------------------------ */

/* Activate `t` with the UTCB block `view` (MR0) at `loc`: X.2 initial TCR
 * values, then the closed receive of the start message from `pager`. */
static void tc_activate(struct tcb *t, word_t loc, word_t *view, tid_t pager)
{
    for (int i = -UTCB_WORDS_BELOW; i < UTCB_WORDS_ABOVE; i++)
        view[i] = 0;
    tcb_activate(t, loc, view);
    view[UTCB_PAGER] = pager;
    arch_thread_prepare_start(t);
    ipc_receive_on_behalf(t, pager, 0x0000u);           /* Never */
}

/* A string transfer `t` takes part in (also one suspended in a pagefault
 * IPC) holds cursors into t's UTCB and copies in t's space: abort it, error
 * 7 to both partners (ABI 4.5 ExchangeRegisters semantics), before t moves. */
static void tc_abort_transfer(struct tcb *t)
{
    uint8_t st = ipc_thread_state(t);
    if (st == TS_SENDING || st == TS_RECEIVING)
        (void)ipc_cancel(t, true, true);
}

/* Move the active or inactive thread `t` into `to`; destroys the old space
 * when t was its last thread. `view`: t's UTCB block mapped in `to`. */
static void tc_migrate(struct tcb *t, struct space *to, word_t *view)
{
    struct space *from = t->space;
    bool active = tcb_is_active(t);
    tc_abort_transfer(t);
    if (active) {
        for (int i = -UTCB_WORDS_BELOW; i < UTCB_WORDS_ABOVE; i++)
            view[i] = t->utcb[i];
        t->utcb = view;
    }
    bool empty = tcb_set_space(t, to);
    if (active)
        arch_utcb_unmap(from, t->utcb_location);
    if (empty)
        space_destroy(from);
}

/* Delete `t`; its UTCB block is given back after t is unregistered (so the
 * arch sees whether another thread still uses the page), its space with
 * the last thread. */
static void tc_commit_delete(struct tcb *t)
{
    struct space *s = t->space;
    bool active = tcb_is_active(t);
    word_t loc = t->utcb_location;
    ipc_thread_deleted(t);
    arch_irq_release(t);
    bool empty = tcb_delete(t, sys_wakeup_queue());     /* t is gone from here on */
    if (active)
        arch_utcb_unmap(s, loc);
    if (empty)
        space_destroy(s);
}

static void tc_commit_modify(const struct tc_request *q)
{
    struct tcb *t = q->t;
    if (q->dest != t->gid)
        tcb_set_version(t, q->dest);
    if (q->migrate)
        tc_migrate(t, q->space, q->view);
    if (q->utcb != TC_NO_UTCB && !tcb_is_active(t))
        tcb_set_utcb_location(t, q->utcb);
    if (q->scheduler != TID_NIL)
        t->scheduler = q->scheduler;
    if (q->activate)
        tc_activate(t, q->act_loc, q->view, q->pager);
    else if (q->pager != TID_NIL)
        t->utcb[UTCB_PAGER] = q->pager;                 /* active: only the TCR */
}

/* Commit a decoded call; true on success (only IRQ hooks can refuse). */
static bool tc_commit(const struct tc_request *q)
{
    switch (q->op) {
    case TC_IRQ:
        if (q->handler == NULL)
            return arch_irq_detach(tid_number(q->dest));
        return arch_irq_attach(tid_number(q->dest), q->handler);
    case TC_DELETE:
        if (q->t != NULL)
            tc_commit_delete(q->t);
        return true;
    case TC_MODIFY:
        tc_commit_modify(q);
        return true;
    default:
        if (q->utcb != TC_NO_UTCB && !q->activate)
            tcb_set_utcb_location(q->t, q->utcb);
        if (q->activate)
            tc_activate(q->t, q->act_loc, q->view, q->pager);
        return true;
    }
}

void sys_thread_control(struct tcb *self, struct sys_regs *r)
{
    struct tc_request q;
    word_t err = tc_decode(self, r, &q);
    if (err == SYS_ERR_OK && !tc_commit(&q))
        err = SYS_ERR_INVALID_THREAD;                   /* interrupt line unavailable */
    if (err != SYS_ERR_OK)
        sys_set_error(self, err);
    r->eax = err == SYS_ERR_OK;
}

/* ---- ExchangeRegisters ------------------------------------------------------- */

/* True when the Pager TCR of the active thread `t` holds the global ID of
 * an existing thread of self's space (the pager ExchangeRegisters rule). */
static bool exreg_pager_in_space(const struct tcb *self, const struct tcb *t)
{
    tid_t p = t->utcb[UTCB_PAGER];
    struct tcb *pager = tid_is_global(p) ? tid_lookup(p) : NULL;
    return pager != NULL && pager->space == self->space;
}

/* The thread `dest` (global or local) names if self may address it: an
 * active user thread of self's space, or with CONFIG_PAGER_EXREGS one whose
 * pager lives in self's space; NULL otherwise. */
static struct tcb *exreg_target(const struct tcb *self, tid_t dest)
{
    struct tcb *t = tid_user_only(sys_lookup(self, dest));
    if (t == NULL || !tcb_is_active(t))
        return NULL;
    if (t->space == self->space)
        return t;
    return CONFIG_PAGER_EXREGS && exreg_pager_in_space(self, t) ? t : NULL;
}

/* Old state bits H, R, S (ABI 1.8); R/S from the outer IPC state, so that
 * a pagefault IPC inside a string transfer reports the transfer. */
static word_t exreg_state(const struct tcb *t)
{
    uint8_t st = ipc_thread_state(t);
    word_t bits = t->halted ? TCB_EXREG_HALTED : 0;
    if (st == TS_RECV_WAIT || st == TS_RECEIVING)
        bits |= TCB_EXREG_RECV;
    if (st == TS_SEND_WAIT || st == TS_SENDING)
        bits |= TCB_EXREG_SEND;
    return bits;
}

/* Apply s/i/f: new SP/IP/EFLAGS (only the arithmetic flags from the user). */
static void exreg_set_user(struct tcb *t, word_t ctl, const struct sys_regs *r,
                           word_t sp, word_t ip, word_t fl)
{
    if ((ctl & (SYS_EXREG_SP | SYS_EXREG_IP | SYS_EXREG_FL)) == 0)
        return;
    if (ctl & SYS_EXREG_SP)
        sp = r->edx;
    if (ctl & SYS_EXREG_IP)
        ip = r->esi;
    if (ctl & SYS_EXREG_FL)
        fl = (fl & ~SYS_USER_FLAGS_MASK) | (r->edi & SYS_USER_FLAGS_MASK);
    arch_user_regs_set(t, sp, ip, fl);
}

/* Apply h/H: halt, or resume (a ready thread becomes runnable again). */
static void exreg_halt(struct tcb *t, word_t ctl)
{
    if ((ctl & SYS_EXREG_h) == 0)
        return;
    if (ctl & SYS_EXREG_H) {
        t->halted = true;
    } else if (t->halted) {
        t->halted = false;
        if (t->state == TS_READY)
            sched_make_ready(t);
    }
}

void sys_exchange_registers(struct tcb *self, struct sys_regs *r)
{
    word_t ctl = r->ecx;
    struct tcb *t = exreg_target(self, r->eax);
    if (t == NULL) {
        sys_set_error(self, SYS_ERR_INVALID_THREAD);
        *r = (struct sys_regs){ 0 };
        return;
    }
    word_t sp, ip, fl;
    arch_user_regs(t, &sp, &ip, &fl);
    word_t old_state = exreg_state(t);
    word_t old_handle = t->utcb[UTCB_USER_HANDLE];
    word_t old_pager = t->utcb[UTCB_PAGER];
    tid_t result = tid_is_local(r->eax) ? t->gid : tid_local_of(t);
    /* POINT OF NO RETURN */
    exreg_set_user(t, ctl, r, sp, ip, fl);
    if (ctl & SYS_EXREG_U)
        t->utcb[UTCB_USER_HANDLE] = r->ebx;
    if (ctl & SYS_EXREG_P)
        t->utcb[UTCB_PAGER] = r->ebp;
    if (ctl & (SYS_EXREG_R | SYS_EXREG_S))
        ipc_cancel(t, (ctl & SYS_EXREG_R) != 0, (ctl & SYS_EXREG_S) != 0);
    exreg_halt(t, ctl);
    *r = (struct sys_regs){ .eax = result, .ecx = old_state, .edx = sp, .esi = ip,
                            .edi = fl, .ebx = old_handle, .ebp = old_pager };
}
