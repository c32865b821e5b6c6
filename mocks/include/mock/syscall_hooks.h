/*
 * Controls and observations of the fakes of the SYSCALL-HOOKS section of
 * core/arch_hooks.h (mocks/syscall_hooks.c): UTCB blocks, KIP mappings,
 * user registers and start preparation, interrupt association, IO unmap and
 * cache attributes. Protocol violations (unmapping a UTCB that is not
 * mapped, ...) are counted in mock_sys_errors.
 * OWNER: syscall module.
 */
#ifndef MOCK_SYSCALL_HOOKS_H
#define MOCK_SYSCALL_HOOKS_H

#include <core/arch_hooks.h>

#define MOCK_UTCB_BLOCKS 256u
#define MOCK_USER_REGS   512u
#define MOCK_IRQ_LINES   16u
#define MOCK_CACHE_CALLS 64u

/* Reset every fake of this header to a fresh machine. */
void mock_syscall_hooks_reset(void);

/* Hook misuse seen by the fakes. */
extern unsigned mock_sys_errors;

/* UTCB blocks: failure injection (that many next arch_utcb_map calls fail),
 * blocks currently mapped, and lookup of a mapped block's MR0 view. */
extern unsigned mock_utcb_map_failures;
extern unsigned mock_utcb_live;
word_t *mock_utcb_find(const struct space *s, word_t location);

/* KIP mappings: failure injection, number of calls, last base and space. */
extern unsigned mock_kip_map_failures;
extern unsigned mock_kip_map_calls;
extern word_t mock_kip_last_base;
extern const struct space *mock_kip_last_space;

/* Start preparations done (arch_thread_prepare_start calls). */
extern unsigned mock_start_prepared;

/* Interrupt lines: handler per line (NULL: none); lines whose bit is set in
 * mock_irq_unavailable cannot be attached or detached. */
extern struct tcb *mock_irq_handler[MOCK_IRQ_LINES];
extern uint32_t mock_irq_unavailable;

/* arch_pt_release_empty calls (Unmap gives back empty page tables). */
extern unsigned mock_pt_release_calls;

/* arch_io_unmap: number of calls and the last arguments. */
extern unsigned mock_io_unmap_calls;
extern const struct space *mock_io_last_space;
extern word_t mock_io_last_port;
extern unsigned mock_io_last_log2;
extern bool mock_io_last_flush;

/* arch_set_cache_attr calls (recorded up to MOCK_CACHE_CALLS). */
struct mock_cache_call {
    const struct space *space;
    word_t va;
    unsigned log2, attr;
};
extern struct mock_cache_call mock_cache_calls[MOCK_CACHE_CALLS];
extern unsigned mock_cache_count;

#endif
