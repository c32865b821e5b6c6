/*
 * Small address spaces on ia32 (notes §7): the window, the user segments
 * and the switch into a space. See smallspace.c for the design note.
 */
#ifndef ARCH_SMALLSPACE_H
#define ARCH_SMALLSPACE_H

#include <arch/space_arch.h>
#include <stdbool.h>
#include <stdint.h>

#include <arch/layout.h>

/* Number of small spaces. */
extern uint32_t smallspace_live;

/* Nonzero from the first small space on (never cleared): the user
 * descriptors 0x1B/0x23 may differ from flat, so the kernel runs on its own
 * data selector (seg_kernel_data = SEL_KDATA instead of SEL_UDATA), the
 * sysenter fast path declines and no return uses sysexit (its flat CS/SS
 * would reach the window from a large space, and a small space would lose
 * its segments). entry.S reads both words through %ss. */
extern uint32_t smallspace_seen;
extern uint32_t seg_kernel_data;

/* Allocate the window's page tables and enter them in the kernel page
 * directory (before the first user page directory is made). 0 when out of memory. */
int smallspace_init(void);

/* Run in `as` from now on: a large space (or a small one holding I/O
 * ports) gets its page directory loaded if it is not the current one; a
 * small one keeps the current hardware address space. Sets the user
 * segments (GDT 0x1B/0x23) and the TSS I/O bitmap offset to match. */
void smallspace_activate(const struct arch_space *as);

/* After a change of the own page tables of `as` at [va, va + 2^log2): show
 * it in the window if `as` is small (no TLB flush; see smallspace_flush). */
void smallspace_mirror(const struct arch_space *as, uint32_t va, unsigned log2);

/* Drop TLB entries of the window for [va, va + 2^log2) of `as` if it is small. */
void smallspace_flush(const struct arch_space *as, uint32_t va, unsigned log2);

/* Accessed/dirty bits (PTE_A | PTE_D) the window holds for the page of
 * `as` at [va, va + 2^log2), cleared (and flushed) on the way. */
uint32_t smallspace_harvest(const struct arch_space *as, uint32_t va, unsigned log2);

/* The user address a fault at linear address cr2 means in `as`: cr2
 * itself in a large space, cr2 minus the slot base in a small one, and
 * an address of the kernel area for a linear address outside its slot. */
uint32_t smallspace_fault_addr(const struct arch_space *as, uint32_t cr2);

/* `as` goes away: leave its page directory if it is the loaded one. */
void smallspace_forget(const struct arch_space *as);

#endif
