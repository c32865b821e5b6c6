/*
 * Flexpages (ABI 1.2): memory fpages (base, log2 size, rwx) and ia32 IO
 * fpages (port base, log2 count, recognised by bits [9..4] == 2).
 *
 * Guarantees: pure arithmetic on one word; every word decodes to something
 * (nil, complete space, IO, or memory fpage with a size-aligned base);
 * sizes are log2 values in 0..32 and never overflow a 32-bit shift.
 */
#ifndef CORE_FPAGE_H
#define CORE_FPAGE_H

#include <core/types.h>

typedef word_t fpage_t;

#define FPAGE_NIL        ((fpage_t)0x00000000u)
#define FPAGE_COMPLETE   ((fpage_t)0x00000010u)   /* whole 2^32 address space */
#define FPAGE_RIGHTS_R   0x4u
#define FPAGE_RIGHTS_W   0x2u
#define FPAGE_RIGHTS_X   0x1u
#define FPAGE_RIGHTS_RWX 0x7u
#define FPAGE_IO_TAG     2u                        /* bits [9..4] of an IO fpage */
#define FPAGE_MIN_LOG2   12u                       /* smallest hardware page */
#define FPAGE_IO_MAX_LOG2 16u

/* Raw s field (bits [9..4]). */
static inline unsigned fpage_s_field(fpage_t f) { return (f >> 4) & 0x3Fu; }

static inline bool fpage_is_nil(fpage_t f) { return f == FPAGE_NIL; }

static inline bool fpage_is_io(fpage_t f) { return fpage_s_field(f) == FPAGE_IO_TAG; }

/* The complete address space: s = 1 (base bits are ignored). */
static inline bool fpage_is_complete(fpage_t f) { return !fpage_is_io(f) && fpage_s_field(f) == 1u; }

static inline unsigned fpage_rights(fpage_t f) { return f & FPAGE_RIGHTS_RWX; }

/* log2 of a memory fpage's size: 32 for the complete space, else the s field. */
static inline unsigned fpage_log2(fpage_t f)
{
    return fpage_is_complete(f) ? 32u : fpage_s_field(f);
}

/* Size-aligned base of a memory fpage (0 for sizes >= 2^32). */
static inline word_t fpage_base(fpage_t f)
{
    unsigned s = fpage_log2(f);
    if (s >= 32u)
        return 0;
    return f & ~((s < 10u ? (1u << 10) : (1u << s)) - 1u);
}

/* Byte size of a memory fpage as 64 bits (so 2^32 is representable). */
static inline uint64_t fpage_size(fpage_t f) { return (uint64_t)1 << fpage_log2(f); }

/* A memory fpage that denotes at least one hardware page. */
static inline bool fpage_is_mappable(fpage_t f)
{
    return !fpage_is_io(f) && fpage_log2(f) >= FPAGE_MIN_LOG2 && fpage_log2(f) <= 32u;
}

/* Build a memory fpage from base, log2 size (12..31, or 32 for complete) and rights. */
static inline fpage_t fpage_make(word_t base, unsigned log2, unsigned rights)
{
    if (log2 >= 32u)
        return FPAGE_COMPLETE | (rights & FPAGE_RIGHTS_RWX);
    return (base & ~((1u << log2) - 1u)) | (log2 << 4) | (rights & FPAGE_RIGHTS_RWX);
}

/* IO fpage fields: port base [31..16] and log2 of the port count [15..10]. */
static inline word_t fpage_io_port(fpage_t f) { return f >> 16; }
static inline unsigned fpage_io_log2(fpage_t f) { return (f >> 10) & 0x3Fu; }

/* A well-formed IO fpage: count <= 2^16, base aligned to the count, range inside 0..0xFFFF. */
static inline bool fpage_io_valid(fpage_t f)
{
    unsigned s = fpage_io_log2(f);
    if (!fpage_is_io(f) || s > FPAGE_IO_MAX_LOG2)
        return false;
    return (fpage_io_port(f) & ((1u << s) - 1u)) == 0;
}

static inline fpage_t fpage_io_make(word_t port, unsigned log2)
{
    return (port << 16) | ((log2 & 0x3Fu) << 10) | (FPAGE_IO_TAG << 4);
}

/* True when [a, a+2^la) and [b, b+2^lb) overlap (64-bit arithmetic, no wrap). */
static inline bool range_overlaps(word_t a, unsigned la, word_t b, unsigned lb)
{
    uint64_t a_end = (uint64_t)a + ((uint64_t)1 << la);
    uint64_t b_end = (uint64_t)b + ((uint64_t)1 << lb);
    return (uint64_t)a < b_end && (uint64_t)b < a_end;
}

#endif
