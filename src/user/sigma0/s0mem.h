/*
 * sigma0's ownership bookkeeping (portable, host-tested): who may receive
 * which physical memory and which IO ports (ABI 7.4, 7.5).
 *
 * Both address ranges are kept as an ordered list of regions that together
 * cover every address exactly once (memory 0..0xFFFFFFFF, IO ports
 * 0..0xFFFF). Each region has a kind and, for owned regions, the global
 * thread ID of its owner. Decisions (decide) never change state; claims
 * (commit) record the new owner.
 */
#ifndef SIGMA0_S0MEM_H
#define SIGMA0_S0MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <l4/types.h>

/* What a region is. */
enum s0_kind {
    S0_UNKNOWN,      /* no descriptor says anything: never handed out */
    S0_FREE,         /* free conventional memory / free IO ports */
    S0_FREE_SPECIAL, /* free dedicated, boot-loader or arch-specific memory: explicit requests only */
    S0_KERNEL,       /* reserved for the kernel (also the Kdebug image) */
    S0_SHARED,       /* usable by anybody, any number of times */
    S0_OWNED,        /* handed out to (or pre-assigned to) `owner` */
};

/* Outcome of a decision. */
enum s0_status {
    S0_OK,
    S0_INVALID,        /* malformed request (size, alignment, range) */
    S0_NOT_USER,       /* requester is an interrupt or kernel thread */
    S0_NOT_AVAILABLE,  /* owned by someone else, reserved, unknown */
    S0_NO_FREE_MEMORY, /* no free region of the requested size */
    S0_NO_ROOM,        /* bookkeeping is full */
};

struct s0_region {
    uint32_t first, last;  /* inclusive range */
    uint32_t owner;        /* global thread ID for S0_OWNED, else 0 */
    uint32_t kind;         /* enum s0_kind */
};

#define S0MAP_CAPACITY 2048

/* Sorted regions covering [0, limit] without gaps. */
struct s0map {
    unsigned n;
    uint32_t limit;
    struct s0_region r[S0MAP_CAPACITY];
};

/* The state of sigma0's allocator. */
struct s0mem {
    struct s0map mem;      /* physical memory */
    struct s0map io;       /* IO ports */
    unsigned page_log2;    /* smallest page size (from PageInfo) */
    uint32_t user_base;    /* first user thread number: smaller ones are not served */
};

/* Initial owners of the boot images (global thread IDs). */
struct s0_boot_ids {
    uint32_t sigma0, sigma1, root;
};

/* Make `m` one region [0, limit] of `kind`. */
void s0map_init(struct s0map *m, uint32_t limit, enum s0_kind kind);
/* Set [first, last] to kind/owner (later calls override); false (unchanged) if invalid or full. */
bool s0map_assign(struct s0map *m, uint32_t first, uint32_t last, enum s0_kind kind, uint32_t owner);
/* The region containing addr (NULL if addr > limit). */
const struct s0_region *s0map_lookup(const struct s0map *m, uint32_t addr);

/* Empty state: all memory unknown, all IO ports free; false if page_size_mask has no page size. */
bool s0mem_init(struct s0mem *s, uint32_t page_size_mask, uint32_t user_base);
/* Apply one KIP memory descriptor (w0, w1): physical ones only, per type. */
void s0mem_apply_descriptor(struct s0mem *s, uint32_t w0, uint32_t w1);
/* Assign the image [low, high) rounded out to pages to kind/owner; ignored if high == 0. */
void s0mem_assign_image(struct s0mem *s, uint32_t low, uint32_t high, enum s0_kind kind, uint32_t owner);
/* Whole start-up: init from PageInfo/ThreadInfo, all descriptors in order, then the images. */
bool s0mem_init_from_kip(struct s0mem *s, const void *kip);

/* Decide a memory/IO request (ABI 7.5) of `requester` for fpage `req`: specific
 * region, any page (all base bits set) or IO fpage. On S0_OK *grant is the
 * fpage to map (full rights for memory). Changes nothing. */
enum s0_status s0mem_decide_request(const struct s0mem *s, L4_Fpage_t req, uint32_t requester,
                                    L4_Fpage_t *grant);
/* Decide a page fault of `requester` at `addr`: the page 1:1 if it is free
 * conventional, owned by the requester or shared. Changes nothing. */
enum s0_status s0mem_decide_fault(const struct s0mem *s, uint32_t addr, uint32_t requester, L4_Fpage_t *grant);
/* Record that `grant` (memory or IO fpage, as decided) now belongs to `requester`
 * (shared parts stay shared). S0_NO_ROOM leaves the state unchanged. */
enum s0_status s0mem_commit(struct s0mem *s, L4_Fpage_t grant, uint32_t requester);

#endif
