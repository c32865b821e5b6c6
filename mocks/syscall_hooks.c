/* Stateful fakes of the system-call hooks (see mock/syscall_hooks.h). */
#include <mock/syscall_hooks.h>

#include <core/tcb.h>
#include <string.h>

struct mock_utcb_block {
    const struct space *space;
    word_t location;
    bool used;
    word_t guard_lo;           /* canaries around the block: a copy one word */
    word_t w[128];             /* the 512-byte block; MR0 at w[64] */
    word_t guard_hi;           /* too far is seen (mock_sys_errors) */
};

struct mock_user_regs {
    const struct tcb *t;
    word_t sp, ip, flags;
};

static struct mock_utcb_block utcb_blocks[MOCK_UTCB_BLOCKS];
static struct mock_user_regs user_regs[MOCK_USER_REGS];

unsigned mock_sys_errors;
unsigned mock_utcb_map_failures;
unsigned mock_utcb_live;
unsigned mock_kip_map_failures;
unsigned mock_kip_map_calls;
word_t mock_kip_last_base;
const struct space *mock_kip_last_space;
unsigned mock_start_prepared;
struct tcb *mock_irq_handler[MOCK_IRQ_LINES];
uint32_t mock_irq_unavailable;
unsigned mock_io_unmap_calls;
unsigned mock_pt_release_calls;
const struct space *mock_io_last_space;
word_t mock_io_last_port;
unsigned mock_io_last_log2;
bool mock_io_last_flush;
struct mock_cache_call mock_cache_calls[MOCK_CACHE_CALLS];
unsigned mock_cache_count;

void mock_syscall_hooks_reset(void)
{
    memset(utcb_blocks, 0, sizeof(utcb_blocks));
    memset(user_regs, 0, sizeof(user_regs));
    mock_sys_errors = 0;
    mock_utcb_map_failures = 0;
    mock_utcb_live = 0;
    mock_kip_map_failures = 0;
    mock_kip_map_calls = 0;
    mock_kip_last_base = 0;
    mock_kip_last_space = NULL;
    mock_start_prepared = 0;
    memset(mock_irq_handler, 0, sizeof(mock_irq_handler));
    mock_irq_unavailable = 0;
    mock_io_unmap_calls = 0;
    mock_pt_release_calls = 0;
    mock_io_last_space = NULL;
    mock_io_last_port = 0;
    mock_io_last_log2 = 0;
    mock_io_last_flush = false;
    memset(mock_cache_calls, 0, sizeof(mock_cache_calls));
    mock_cache_count = 0;
}

/* The canary of block b: distinct per block, so a copy between blocks shows. */
static word_t utcb_guard(const struct mock_utcb_block *b)
{
    return 0x6A4D0000u ^ (word_t)(b - utcb_blocks);
}

/* Count (and repair) overwritten canaries of mapped blocks. */
static void utcb_guards_check(void)
{
    for (unsigned i = 0; i < MOCK_UTCB_BLOCKS; i++) {
        struct mock_utcb_block *b = &utcb_blocks[i];
        if (b->used && (b->guard_lo != utcb_guard(b) || b->guard_hi != utcb_guard(b))) {
            mock_sys_errors++;
            b->guard_lo = b->guard_hi = utcb_guard(b);
        }
    }
}

static struct mock_utcb_block *utcb_block_find(const struct space *s, word_t location)
{
    for (unsigned i = 0; i < MOCK_UTCB_BLOCKS; i++)
        if (utcb_blocks[i].used && utcb_blocks[i].space == s && utcb_blocks[i].location == location)
            return &utcb_blocks[i];
    return NULL;
}

word_t *mock_utcb_find(const struct space *s, word_t location)
{
    utcb_guards_check();
    struct mock_utcb_block *b = utcb_block_find(s, location);
    return b != NULL ? &b->w[64] : NULL;
}

word_t *arch_utcb_map(struct space *s, word_t location)
{
    if ((location & 511u) != 0 || s == NULL)
        mock_sys_errors++;
    utcb_guards_check();
    struct mock_utcb_block *b = utcb_block_find(s, location);
    if (b != NULL)
        return &b->w[64];
    if (mock_utcb_map_failures) {
        mock_utcb_map_failures--;
        return NULL;
    }
    for (unsigned i = 0; i < MOCK_UTCB_BLOCKS; i++) {
        if (!utcb_blocks[i].used) {
            b = &utcb_blocks[i];
            memset(b, 0x5A, sizeof(*b));          /* garbage: the core must zero it */
            b->used = true;
            b->guard_lo = b->guard_hi = utcb_guard(b);
            b->space = s;
            b->location = location;
            mock_utcb_live++;
            return &b->w[64];
        }
    }
    return NULL;
}

void arch_utcb_unmap(struct space *s, word_t location)
{
    utcb_guards_check();
    struct mock_utcb_block *b = utcb_block_find(s, location);
    if (b == NULL) {
        mock_sys_errors++;
        return;
    }
    b->used = false;
    mock_utcb_live--;
}

bool arch_kip_map(struct space *s, word_t base)
{
    if ((base & 0xFFFu) != 0 || base >= 0xC0000000u)
        mock_sys_errors++;
    if (mock_kip_map_failures) {
        mock_kip_map_failures--;
        return false;
    }
    mock_kip_map_calls++;
    mock_kip_last_base = base;
    mock_kip_last_space = s;
    return true;
}

static struct mock_user_regs *user_regs_of(const struct tcb *t, bool create)
{
    struct mock_user_regs *free_slot = NULL;
    for (unsigned i = 0; i < MOCK_USER_REGS; i++) {
        if (user_regs[i].t == t)
            return &user_regs[i];
        if (user_regs[i].t == NULL && free_slot == NULL)
            free_slot = &user_regs[i];
    }
    if (create && free_slot != NULL) {
        free_slot->t = t;
        return free_slot;
    }
    return NULL;
}

void arch_thread_prepare_start(struct tcb *t)
{
    struct mock_user_regs *u = user_regs_of(t, true);
    if (u == NULL) {
        mock_sys_errors++;
        return;
    }
    u->sp = u->ip = u->flags = 0;
    mock_start_prepared++;
}

void arch_user_regs(const struct tcb *t, word_t *sp, word_t *ip, word_t *flags)
{
    struct mock_user_regs *u = user_regs_of(t, false);
    *sp = u != NULL ? u->sp : 0;
    *ip = u != NULL ? u->ip : 0;
    *flags = u != NULL ? u->flags : 0;
}

void arch_user_regs_set(struct tcb *t, word_t sp, word_t ip, word_t flags)
{
    struct mock_user_regs *u = user_regs_of(t, true);
    if (u == NULL) {
        mock_sys_errors++;
        return;
    }
    u->sp = sp;
    u->ip = ip;
    u->flags = flags;
}

static bool irq_usable(unsigned irq)
{
    return irq < MOCK_IRQ_LINES && (mock_irq_unavailable & (1u << irq)) == 0;
}

bool arch_irq_attach(unsigned irq, struct tcb *handler)
{
    if (handler == NULL)
        mock_sys_errors++;
    if (!irq_usable(irq))
        return false;
    mock_irq_handler[irq] = handler;
    return true;
}

bool arch_irq_detach(unsigned irq)
{
    if (!irq_usable(irq))
        return false;
    mock_irq_handler[irq] = NULL;
    return true;
}

bool arch_irq_associated(unsigned irq)
{
    return irq < MOCK_IRQ_LINES && mock_irq_handler[irq] != NULL;
}

void arch_irq_release(struct tcb *t)
{
    for (unsigned i = 0; i < MOCK_IRQ_LINES; i++)
        if (mock_irq_handler[i] == t)
            mock_irq_handler[i] = NULL;
}

void arch_io_unmap(struct space *s, word_t port, unsigned log2, bool flush)
{
    if (log2 > 16u || (port & ((1u << log2) - 1u)) != 0 || port > 0xFFFFu)
        mock_sys_errors++;
    mock_io_unmap_calls++;
    mock_io_last_space = s;
    mock_io_last_port = port;
    mock_io_last_log2 = log2;
    mock_io_last_flush = flush;
}

void arch_set_cache_attr(struct space *s, word_t va, unsigned log2, unsigned attr)
{
    if (log2 < 12u || log2 > 32u || attr == 6u || attr == 7u || attr > 8u)
        mock_sys_errors++;
    if (mock_cache_count < MOCK_CACHE_CALLS) {
        struct mock_cache_call *c = &mock_cache_calls[mock_cache_count];
        c->space = s;
        c->va = va;
        c->log2 = log2;
        c->attr = attr;
    }
    mock_cache_count++;
}

void arch_pt_release_empty(void)
{
    mock_pt_release_calls++;
}
