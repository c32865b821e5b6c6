/*
 * Controls and observations of the fake page tables and page allocator
 * (mocks/pagetable.c), the host stand-in for the mdb hooks of
 * core/arch_hooks.h. Each space gets a two-level table (1024 slots of one
 * 4 MB entry or 1024 4 KB entries) hung off space->arch.pt on first use.
 *
 * The fake checks the hook protocol: a 4 KB entry is only set in a reserved
 * slot, never over a present entry, a 4 MB entry only in a slot without 4 KB
 * entries, clear/set_rights only on present entries. Violations are counted
 * in mock_pt_errors. Every entry removal or rights reduction is recorded as a
 * pending TLB flush until arch_tlb_flush() covers it (mock_tlb_stale()).
 * Pages from arch_page_alloc() are tracked: frees of unknown pages (double
 * frees) count in mock_page_errors; mock_pages_outstanding() finds leaks.
 */
#ifndef MOCK_PAGETABLE_H
#define MOCK_PAGETABLE_H

#include <core/arch_hooks.h>
#include <core/space.h>

/* Protocol violations seen by the fake page tables, and the last one. */
extern unsigned mock_pt_errors;
extern const char *mock_pt_last_error;

/* Misuse of the page allocator (double free, free of a foreign pointer). */
extern unsigned mock_page_errors;

/* When nonzero, that many next arch_page_alloc() / arch_pt_reserve() calls fail. */
extern unsigned mock_page_alloc_failures;
extern unsigned mock_pt_reserve_failures;
/* When nonzero (N), the N-th next arch_page_alloc() / arch_pt_reserve() call fails (once). */
extern unsigned mock_page_alloc_fail_after;
extern unsigned mock_pt_reserve_fail_after;

/* Number of hook calls (for tests and benchmarks). */
extern unsigned long mock_pt_set_calls, mock_pt_clear_calls, mock_tlb_flush_calls;

/* Reset counters, failure injection and pending flushes (not tables or pages). */
void mock_pt_reset(void);

/* Free the fake page table of s (it must hold no mdb entries to be useful). */
void mock_pt_release(struct space *s);

/* Install a kernel-owned entry (node NULL), e.g. for the KIP. */
void mock_pt_kernel_map(struct space *s, word_t va, unsigned log2, word_t phys, unsigned rights);

/* Simulate an access to va in s: sets accessed (and dirty if write) on the
 * entry mapping va. False when va is not mapped. */
bool mock_pt_touch(struct space *s, word_t va, bool write);

/* Present entries of s that carry a mapnode (4 MB and 4 KB each count one). */
unsigned mock_pt_node_entries(struct space *s);

/* Reductions of entries not yet covered by arch_tlb_flush(). */
unsigned mock_tlb_stale(void);

/* Pages handed out by arch_page_alloc() and not returned. */
unsigned mock_pages_outstanding(void);

#endif
