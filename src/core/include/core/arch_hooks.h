/*
 * The one seam between the portable core (src/core) and the machine.
 *
 * The core reaches hardware only through the functions declared here. The
 * kernel image implements them in src/arch/x86/; host tests link mocks/
 * instead, which implements them as stateful fakes. Nothing in this header
 * expands to inline assembly or touches hardware itself.
 *
 * Each section belongs to the core module that needs it; a hook is added only
 * when a core module calls it.
 */
#ifndef CORE_ARCH_HOOKS_H
#define CORE_ARCH_HOOKS_H

#include <core/types.h>

struct tcb;
struct space;

/* ---- general ---------------------------------------------------------- */

/* Stop the machine after reporting `why` at file:line. Never returns. */
_Noreturn void arch_panic(const char *why, const char *file, int line);

/* Emit one character on the kernel console. */
void arch_console_putc(char c);

/* ---- threads (tcb, sched) -------------------------------------------- */

/* The thread whose kernel stack is in use (kernel: stack pointer masked). */
struct tcb *arch_current(void);

/* Save the kernel context of `from` and continue in `to` (switching the
 * address space only when it differs). Returns when `from` runs again. */
void arch_switch_to(struct tcb *from, struct tcb *to);

/* Make the memory of the TCB at `t` usable (backed, zeroed). False when out of
 * memory. Called before a thread number is used for the first time. */
bool arch_tcb_alloc(struct tcb *t);

/* The TCB at `t` (state TS_FREE, in no queue, referenced by nothing) is no
 * longer used: return its memory. Afterwards the slot reads as a free TCB
 * (all zero; the kernel maps a shared read-only zero page) until the next
 * arch_tcb_alloc(). */
void arch_tcb_free(struct tcb *t);

/* `t->space` has just been set (tcb_create, tcb_set_space): the machine
 * part of `t` may keep what it derives from the space (the kernel: its
 * page directory, for the switch). tcb_delete ends with arch_tcb_free. */
void arch_tcb_space_changed(struct tcb *t);

/* True when what the machine part of live `t` derived from its space
 * (arch_tcb_space_changed) still agrees with `t->space` (kcheck). */
bool arch_tcb_space_agrees(const struct tcb *t);

/* ---- address spaces (space) ------------------------------------------ */

/* Give the new space `s` its machine state (page directory with the kernel
 * half). False when out of memory; then nothing is held. */
bool arch_space_init(struct space *s);

/* True when the machine's root of spaces `a` and `b` is the same (the
 * kernel: their page directories), which it must not be for two spaces
 * (kcheck: the IPC fast path tells spaces apart by it, and the machine
 * keeps their memory apart by it). */
bool arch_space_shares_root(const struct space *a, const struct space *b);

/* Release what arch_space_init() and later page-table use acquired; the
 * space has no user mappings left (the mdb removed them). */
void arch_space_free(struct space *s);

/* Small spaces (core/smallspace.h): from now on `s` shows its mappings of
 * [0, size) at `offset` in the small-space window of every hardware address
 * space and its threads run with segments of that slot. Cannot fail. */
void arch_space_make_small(struct space *s, word_t offset, word_t size);

/* Undo arch_space_make_small(): the window slot is empty again in every
 * hardware address space (no stale TLB entry) and `s` runs large. */
void arch_space_make_large(struct space *s);

/* ---- time (wakeup, sched) -------------------------------------------- */

/* Microseconds since boot; monotonic. */
uint64_t arch_timer_now(void);

/* ---- page tables (mdb) ----------------------------------------------- */
/* MDB-HOOKS-BEGIN (owned by the mapping-database module) */
/*
 * Page tables are changed only by the mapping database (core/mdb.c), and only
 * through these hooks. Pages are 4 KB (log2 12) or 4 MB (log2 22); a 4 MB
 * "slot" is the 4 MB-aligned region one page-directory entry covers. Every
 * entry carries a pointer to its mapnode (kernel: a shadow word per PTE);
 * entries the kernel installs itself (KIP, UTCB) carry NULL and are never
 * touched by the mdb. Addresses passed are page-aligned user addresses.
 */
struct mapnode;

/* Contents of one present page-table entry. */
struct pt_entry {
    word_t phys;              /* physical base of the page (4 KB or 4 MB aligned) */
    unsigned log2;            /* 12 or 22 */
    unsigned rights;          /* FPAGE_RIGHTS_* bits */
    struct mapnode *node;     /* the mapnode of this mapping; NULL: kernel-owned */
};

/* Access-status bits returned by arch_pt_harvest_status(). */
#define PT_STATUS_ACCESSED 0x1u
#define PT_STATUS_DIRTY    0x2u

/* Describe the page mapping `va` in `s` into *e (va need not be page aligned:
 * a 4 MB page is reported with its own base). False when va is unmapped. */
bool arch_pt_lookup(struct space *s, word_t va, struct pt_entry *e);

/* Number of present 4 KB entries in the 4 MB slot containing va (0 when the
 * slot is empty or holds a 4 MB page). Kernel: a count kept per page table. */
unsigned arch_pt_count_small(struct space *s, word_t va);

/* Make sure a later arch_pt_set() of a 4 KB page in the slot of va cannot
 * fail (allocates the page table; if the slot holds a 4 MB page the table
 * is held ready for when it is cleared). False when out of memory. */
bool arch_pt_reserve(struct space *s, word_t va);

/* Install a page (log2 12 or 22) at the free position va. A 4 KB page needs a
 * prior successful arch_pt_reserve(); a 4 MB page needs a slot without present
 * entries (a page table the slot holds may be kept for later or freed). */
void arch_pt_set(struct space *s, word_t va, unsigned log2, word_t phys,
                 unsigned rights, struct mapnode *node);

/* Change the rights of the present page at va (no TLB flush done here). */
void arch_pt_set_rights(struct space *s, word_t va, unsigned rights);

/* Remove the present page at va (no TLB flush done here). */
void arch_pt_clear(struct space *s, word_t va);

/* Accessed/dirty bits (PT_STATUS_*) of the page at va, cleared on return. */
unsigned arch_pt_harvest_status(struct space *s, word_t va);

/* Drop TLB entries of s for the page of size 2^log2 at va. */
void arch_tlb_flush(struct space *s, word_t va, unsigned log2);

/* One zero-filled, 4 KB-aligned page of kernel memory, or NULL. */
void *arch_page_alloc(void);

/* Return a page obtained from arch_page_alloc(). */
void arch_page_free(void *page);
/* MDB-HOOKS-END */

/* ---- user memory (ipc) ----------------------------------------------- */
/* IPC-HOOKS-BEGIN (owned by the IPC module) */

/* Where arch_copy_between() stopped short. */
struct copy_fault {
    word_t addr;          /* user address that could not be accessed */
    bool in_dst;          /* true: destination (write), false: source (read) */
    bool user;            /* false: outside the user area (never resolvable) */
};

/* Copy `len` bytes from `src_va` in space `src` to `dst_va` in space `dst`,
 * touching only the user areas and never faulting in the kernel: returns the
 * number of bytes copied; if that is less than `len`, *fault names the first
 * inaccessible address (page not mapped or without the needed right). The
 * kernel implements it with a temporary mapping window of the partner space. */
word_t arch_copy_between(struct space *dst, word_t dst_va, struct space *src,
                         word_t src_va, word_t len, struct copy_fault *fault);
/* IPC-HOOKS-END */

/* ---- system calls (syscall) ------------------------------------------- */
/* SYSCALL-HOOKS-BEGIN (owned by the syscall module) */
/*
 * Called only by src/core/sys_*.c after the user input has been validated.
 * `t` is always an existing thread; spaces are live.
 */

/* Make sure the 512-byte UTCB block at user address `location` (512-aligned,
 * inside s's UTCB area) is backed by kernel memory and mapped user
 * read/write in `s`; return the kernel view of its MR0 word (block + 256
 * bytes), or NULL when out of memory (then nothing is held). Idempotent for
 * a location that is already mapped (same pointer). The core zeroes and
 * fills the block itself. */
word_t *arch_utcb_map(struct space *s, word_t location);

/* The UTCB block at `location` of `s` (from arch_utcb_map, or set up by the
 * arch for an initial server) is no longer used by any thread: unmap it and
 * free its memory (or keep it until arch_space_free()). */
void arch_utcb_unmap(struct space *s, word_t location);

/* Map the KIP user-readable/executable at `base` (page-aligned, inside the
 * user area, in s's KIP area) of the uninitialised space `s`. False when
 * out of memory (nothing held). Unmapped by arch_space_free(). */
bool arch_kip_map(struct space *s, word_t base);

/* `t` was just activated and waits for its start message from its pager
 * (ABI 5.13): arrange that when its start receive completes without error
 * and the message has u == 2, t's first return to user mode is at EIP =
 * MR1, ESP = MR2 of the received message, EFLAGS 0x202 | IOPL, other
 * registers 0; if the receive ends with an error (ExchangeRegisters
 * cancelled it) t enters user mode with the registers set through
 * arch_user_regs_set() (0 if none). Resets the user registers of t to 0. */
void arch_thread_prepare_start(struct tcb *t);

/* Read the user SP, IP and EFLAGS `t` will return to user mode with. */
void arch_user_regs(const struct tcb *t, word_t *sp, word_t *ip, word_t *flags);

/* Set them (flags already merged by the core: only CF PF AF ZF SF OF come
 * from the user). Takes effect at t's next return to user mode (for the
 * current thread: after the syscall register block has been copied back). */
void arch_user_regs_set(struct tcb *t, word_t sp, word_t ip, word_t flags);

/* Associate interrupt line `irq` (< TID_SYSTEM_BASE) with `handler`
 * (replacing any previous handler): interrupts of that line are then sent
 * to it as IPC from the interrupt thread (ABI 5.11). False when the line
 * does not exist or cannot be used (nothing changed). */
bool arch_irq_attach(unsigned irq, struct tcb *handler);

/* Dissociate interrupt line `irq` from its handler (mask it). False when
 * the line does not exist or cannot be used. Detaching a line without a
 * handler succeeds. */
bool arch_irq_detach(unsigned irq);

/* `t` is being deleted: dissociate every interrupt line it handles. */
void arch_irq_release(struct tcb *t);

/* Unmap has finished its mapping-database work: page tables that became
 * empty (in any space) may be given back now. Never called while a mapping
 * operation is in progress. */
void arch_pt_release_empty(void);

/* True when interrupt line `irq` (< TID_SYSTEM_BASE) is associated with a
 * handler, i.e. its interrupt thread is visible to user mode. */
bool arch_irq_associated(unsigned irq);

/* Unmap: revoke the IO ports [port, port + 2^log2) from every space that
 * received them from `s` (with flush also from `s` itself). The range has
 * been validated (aligned, within 0..0xFFFF). No access status exists. */
void arch_io_unmap(struct space *s, word_t port, unsigned log2, bool flush);

/* MemoryControl: set the caching attribute `attr` (ABI 4.5 value 0..5 or
 * 8) on the present mappings of `s` inside [va, va + 2^log2) (log2 12..32;
 * only addresses below the user limit are affected). Infallible. */
void arch_set_cache_attr(struct space *s, word_t va, unsigned log2, unsigned attr);
/* SYSCALL-HOOKS-END */

#endif
