/*
 * L4 X.2 basic data types for ia32 (ABI sections 1.1-1.3): words, thread
 * IDs, flexpages (memory and IO), time values.
 *
 * Everything here is pure bit manipulation in static inline functions, so
 * the header also compiles natively for the host tests. Words are always
 * 32 bits (the ia32 binding), also in 64-bit host builds.
 */
#ifndef L4_TYPES_H
#define L4_TYPES_H

#include <stdint.h>
#include <stddef.h>

typedef uint32_t L4_Word_t;
typedef uint64_t L4_Word64_t;
typedef uint32_t L4_Word32_t;
typedef uint16_t L4_Word16_t;
typedef uint8_t L4_Word8_t;
typedef L4_Word_t L4_Bool_t;

/* ------------------------------------------------------------------ */
/* Thread identifiers (ABI 1.1)                                        */
/* ------------------------------------------------------------------ */

/* One word: global (thread number << 14 | version) or local (UTCB address). */
typedef union {
    L4_Word_t raw;
} L4_ThreadId_t;

#define L4_nilthread ((L4_ThreadId_t){ .raw = 0u })
#define L4_anythread ((L4_ThreadId_t){ .raw = 0xFFFFFFFFu })
#define L4_anylocalthread ((L4_ThreadId_t){ .raw = 0xFFFFFFC0u })

enum {
    L4_THREADNO_BITS = 18,
    L4_VERSION_BITS = 14,
    L4_VERSION_MASK = (1u << 14) - 1,
};
#define L4_LOCALID_MASK 0xFFFFFFC0u

/* Global ID of thread number `threadno` with `version` (version's low 6 bits must not be 0). */
static inline L4_ThreadId_t L4_GlobalId(L4_Word_t threadno, L4_Word_t version)
{
    L4_ThreadId_t t = { .raw = (threadno << L4_VERSION_BITS) | (version & L4_VERSION_MASK) };
    return t;
}

/* Local ID whose id bits are those of `utcb` (on ia32 a local ID is the UTCB pointer). */
static inline L4_ThreadId_t L4_LocalId(L4_Word_t utcb)
{
    L4_ThreadId_t t = { .raw = utcb & L4_LOCALID_MASK };
    return t;
}

/* Thread number of a global ID. */
static inline L4_Word_t L4_ThreadNo(L4_ThreadId_t t)
{
    return t.raw >> L4_VERSION_BITS;
}

/* Version of a global ID. */
static inline L4_Word_t L4_Version(L4_ThreadId_t t)
{
    return t.raw & L4_VERSION_MASK;
}

/* True for the nil thread ID. */
static inline L4_Bool_t L4_IsNilThread(L4_ThreadId_t t)
{
    return t.raw == 0;
}

/* True if `t` is syntactically a local ID (low 6 bits zero; nil and anylocalthread are). */
static inline L4_Bool_t L4_IsLocalId(L4_ThreadId_t t)
{
    return (t.raw & 0x3Fu) == 0;
}

/* True if `t` is syntactically a global ID (anythread is). */
static inline L4_Bool_t L4_IsGlobalId(L4_ThreadId_t t)
{
    return (t.raw & 0x3Fu) != 0;
}

/* True if both IDs are the same word (no local/global translation; see L4_SameThreads). */
static inline L4_Bool_t L4_IsThreadEqual(L4_ThreadId_t l, L4_ThreadId_t r)
{
    return l.raw == r.raw;
}

/* True if the IDs are different words. */
static inline L4_Bool_t L4_IsThreadNotEqual(L4_ThreadId_t l, L4_ThreadId_t r)
{
    return l.raw != r.raw;
}

/* Global ID of interrupt line `irq`: thread number irq, version 1 (ABI 1.1). */
static inline L4_ThreadId_t L4_InterruptId(L4_Word_t irq)
{
    return L4_GlobalId(irq, 1);
}

/* ------------------------------------------------------------------ */
/* Flexpages (ABI 1.2)                                                 */
/* ------------------------------------------------------------------ */

/* Memory fpage: base [31..10], log2 size [9..4], rwx [2..0]; IO fpage: port [31..16], log2 [15..10], 2 in [9..4]. */
typedef union {
    L4_Word_t raw;
} L4_Fpage_t;

enum {
    L4_NoAccess = 0x0,
    L4_eXecutable = 0x1,
    L4_Writable = 0x2,
    L4_Readable = 0x4,
    L4_ReadeXecOnly = 0x5,
    L4_ReadWriteOnly = 0x6,
    L4_FullyAccessible = 0x7,
};

/* Status bits delivered by Unmap share the rights positions. */
enum {
    L4_Executed = 0x1,
    L4_Written = 0x2,
    L4_Referenced = 0x4,
};

enum {
    L4_FPAGE_RIGHTS_MASK = 0x7u,
    L4_FPAGE_SIZE_SHIFT = 4,
    L4_FPAGE_IO_MARK = 2,
    L4_IO_PORT_SHIFT = 16,
    L4_IO_SIZE_SHIFT = 10,
};

#define L4_FPAGE_BASE_MASK 0xFFFFFC00u

#define L4_Nilpage ((L4_Fpage_t){ .raw = 0u })
#define L4_CompleteAddressSpace ((L4_Fpage_t){ .raw = 0x10u })

/* Index of the most significant set bit of a non-zero word. */
static inline L4_Word_t __L4_Msb(L4_Word_t w)
{
    L4_Word_t n = 0;
    while (w >>= 1)
        n++;
    return n;
}

/* Memory fpage of 2^log2size bytes containing `base` (base rounded down to the size), no rights. */
static inline L4_Fpage_t L4_FpageLog2(L4_Word_t base, int log2size)
{
    L4_Word_t s = (L4_Word_t)log2size & 0x3Fu;
    L4_Word_t mask = s >= 32 ? 0 : ~((1u << (s < 10 ? 10 : s)) - 1);
    L4_Fpage_t f = { .raw = (base & mask) | (s << L4_FPAGE_SIZE_SHIFT) };
    return f;
}

/* Memory fpage of `size` bytes (a power of two; otherwise rounded down) at `base`; size 0 gives the nilpage. */
static inline L4_Fpage_t L4_Fpage(L4_Word_t base, L4_Word_t size)
{
    if (size == 0)
        return L4_Nilpage;
    return L4_FpageLog2(base, (int)__L4_Msb(size));
}

/* log2 of the fpage's size (0 for the nilpage, 32 for the complete address space). */
static inline L4_Word_t L4_SizeLog2(L4_Fpage_t f)
{
    return (f.raw >> L4_FPAGE_SIZE_SHIFT) & 0x3Fu;
}

/* Size in bytes; 0 for the nilpage and for sizes of 2^32 and more (use L4_SizeLog2). */
static inline L4_Word_t L4_Size(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    return (s == 0 || s >= 32) ? 0 : (1u << s);
}

/* Base address of a memory fpage (size-aligned; 0 for sizes of 2^32 and more). */
static inline L4_Word_t L4_Address(L4_Fpage_t f)
{
    L4_Word_t s = L4_SizeLog2(f);
    if (s >= 32)
        return 0;
    return f.raw & ~((1u << (s < 10 ? 10 : s)) - 1);
}

/* True for the nilpage. */
static inline L4_Bool_t L4_IsNilFpage(L4_Fpage_t f)
{
    return f.raw == 0;
}

/* Access rights (or, after Unmap, access status) bits rwx. */
static inline L4_Word_t L4_Rights(L4_Fpage_t f)
{
    return f.raw & L4_FPAGE_RIGHTS_MASK;
}

/* Replace the fpage's rights by `rights`. */
static inline void L4_Set_Rights(L4_Fpage_t *f, L4_Word_t rights)
{
    f->raw = (f->raw & ~(L4_Word_t)L4_FPAGE_RIGHTS_MASK) | (rights & L4_FPAGE_RIGHTS_MASK);
}

/* The fpage with `rights` added. */
static inline L4_Fpage_t L4_FpageAddRights(L4_Fpage_t f, L4_Word_t rights)
{
    f.raw |= rights & L4_FPAGE_RIGHTS_MASK;
    return f;
}

/* Add `rights` to *f; returns the new fpage. */
static inline L4_Fpage_t L4_FpageAddRightsTo(L4_Fpage_t *f, L4_Word_t rights)
{
    *f = L4_FpageAddRights(*f, rights);
    return *f;
}

/* The fpage with `rights` removed. */
static inline L4_Fpage_t L4_FpageRemoveRights(L4_Fpage_t f, L4_Word_t rights)
{
    f.raw &= ~(rights & L4_FPAGE_RIGHTS_MASK);
    return f;
}

/* Remove `rights` from *f; returns the new fpage. */
static inline L4_Fpage_t L4_FpageRemoveRightsFrom(L4_Fpage_t *f, L4_Word_t rights)
{
    *f = L4_FpageRemoveRights(*f, rights);
    return *f;
}

/* Unmap status: the region was referenced (read) since the last query. */
static inline L4_Bool_t L4_WasReferenced(L4_Fpage_t f)
{
    return (f.raw & L4_Referenced) != 0;
}

/* Unmap status: the region was written since the last query. */
static inline L4_Bool_t L4_WasWritten(L4_Fpage_t f)
{
    return (f.raw & L4_Written) != 0;
}

/* Unmap status: the region was executed since the last query. */
static inline L4_Bool_t L4_WasExecuted(L4_Fpage_t f)
{
    return (f.raw & L4_Executed) != 0;
}

/* First address and log2 size of a memory fpage, the complete address space counting as 2^32 at 0. */
static inline L4_Word64_t __L4_FpageEnd(L4_Fpage_t f)
{
    L4_Word_t s = (f.raw & ~(L4_Word_t)0xFu) == 0x10u ? 32 : L4_SizeLog2(f);
    return (L4_Word64_t)L4_Address(f) + ((L4_Word64_t)1 << s);
}

/* True if two memory fpages overlap (the complete address space overlaps everything but nil). */
static inline L4_Bool_t L4_FpagesOverlap(L4_Fpage_t a, L4_Fpage_t b)
{
    if (L4_IsNilFpage(a) || L4_IsNilFpage(b))
        return 0;
    return L4_Address(a) < __L4_FpageEnd(b) && L4_Address(b) < __L4_FpageEnd(a);
}

/* True if `f` is an ia32 IO fpage (bits [9..4] == 2). */
static inline L4_Bool_t L4_IsIoFpage(L4_Fpage_t f)
{
    return ((f.raw >> L4_FPAGE_SIZE_SHIFT) & 0x3Fu) == L4_FPAGE_IO_MARK;
}

/* IO fpage of 2^log2size ports at `port` (port rounded down to the size; log2 0..16). */
static inline L4_Fpage_t L4_IoFpageLog2(L4_Word_t port, int log2size)
{
    L4_Word_t s = (L4_Word_t)log2size > 16 ? 16 : (L4_Word_t)log2size;
    L4_Word_t p = port & 0xFFFFu & ~((1u << s) - 1);
    L4_Fpage_t f = { .raw = (p << L4_IO_PORT_SHIFT) | (s << L4_IO_SIZE_SHIFT) |
                            (L4_FPAGE_IO_MARK << L4_FPAGE_SIZE_SHIFT) };
    return f;
}

/* IO fpage of `size` ports (a power of two; otherwise rounded down) at `port`. */
static inline L4_Fpage_t L4_IoFpage(L4_Word_t port, L4_Word_t size)
{
    return L4_IoFpageLog2(port, size == 0 ? 0 : (int)__L4_Msb(size));
}

/* First port of an IO fpage. */
static inline L4_Word_t L4_IoFpagePort(L4_Fpage_t f)
{
    return f.raw >> L4_IO_PORT_SHIFT;
}

/* log2 of the number of ports of an IO fpage. */
static inline L4_Word_t L4_IoFpageSizeLog2(L4_Fpage_t f)
{
    return (f.raw >> L4_IO_SIZE_SHIFT) & 0x3Fu;
}

/* Number of ports of an IO fpage. */
static inline L4_Word_t L4_IoFpageSize(L4_Fpage_t f)
{
    return 1u << (L4_IoFpageSizeLog2(f) & 0x1Fu);
}

/* ------------------------------------------------------------------ */
/* Time values (ABI 1.3)                                               */
/* ------------------------------------------------------------------ */

/* 16 bits: period (bit 15 = 0, e [14..10], m [9..0], m*2^e us) or point (bit 15 = 1). */
typedef union {
    L4_Word16_t raw;
} L4_Time_t;

#define L4_Never ((L4_Time_t){ .raw = 0x0000u })
#define L4_ZeroTime ((L4_Time_t){ .raw = 0x0400u })

enum {
    L4_TIME_POINT_BIT = 0x8000u,
    L4_TIME_MANTISSA_MASK = 0x3FFu,
    L4_TIME_EXP_SHIFT = 10,
};

/* Period of `us` microseconds: the mantissa keeps the 10 most significant bits
 * (the value is truncated, as libl4 does); 0 gives ZeroTime, values beyond
 * 1023 * 2^31 us give Never. */
static inline L4_Time_t L4_TimePeriod(L4_Word64_t us)
{
    L4_Word_t e = 0;
    L4_Time_t t;
    if (us == 0)
        return L4_ZeroTime;
    while (us > L4_TIME_MANTISSA_MASK) {
        us >>= 1;
        e++;
    }
    if (e > 31)
        return L4_Never;
    t.raw = (L4_Word16_t)((e << L4_TIME_EXP_SHIFT) | (L4_Word_t)us);
    return t;
}

/* True for relative time values (periods, including Never and ZeroTime). */
static inline L4_Bool_t L4_IsTimePeriod(L4_Time_t t)
{
    return (t.raw & L4_TIME_POINT_BIT) == 0;
}

/* True for absolute time points. */
static inline L4_Bool_t L4_IsTimePoint(L4_Time_t t)
{
    return (t.raw & L4_TIME_POINT_BIT) != 0;
}

/* True for the infinite period. */
static inline L4_Bool_t L4_IsNever(L4_Time_t t)
{
    return t.raw == 0;
}

/* True for a zero period (m = 0, e != 0; 0x0400 is the canonical form). */
static inline L4_Bool_t L4_IsZeroTime(L4_Time_t t)
{
    return L4_IsTimePeriod(t) && (t.raw & L4_TIME_MANTISSA_MASK) == 0 && t.raw != 0;
}

/* Microseconds of a period (m * 2^e); 0 for Never and zero periods and for time points. */
static inline L4_Word64_t L4_PeriodMicroseconds(L4_Time_t t)
{
    if (!L4_IsTimePeriod(t))
        return 0;
    return (L4_Word64_t)(t.raw & L4_TIME_MANTISSA_MASK) << ((t.raw >> L4_TIME_EXP_SHIFT) & 0x1Fu);
}

/* True if both time values are the same encoding. */
static inline L4_Bool_t L4_IsTimeEqual(L4_Time_t l, L4_Time_t r)
{
    return l.raw == r.raw;
}

/* IPC timeouts word: send timeout [31..16], receive timeout [15..0]. */
static inline L4_Word_t L4_Timeouts(L4_Time_t snd, L4_Time_t rcv)
{
    return ((L4_Word_t)snd.raw << 16) | rcv.raw;
}

/* System clock value: microseconds since boot. */
typedef union {
    L4_Word64_t raw;
} L4_Clock_t;

/* ------------------------------------------------------------------ */
/* System-call error codes (ErrorCode TCR after a failed non-IPC call, ABI 1.7) */
/* ------------------------------------------------------------------ */
enum {
    L4_ErrNoError = 0,
    L4_ErrNoPrivilege = 1,
    L4_ErrInvalidThread = 2,
    L4_ErrInvalidSpace = 3,
    L4_ErrInvalidScheduler = 4,
    L4_ErrInvalidParam = 5,
    L4_ErrUtcbArea = 6,
    L4_ErrKipArea = 7,
    L4_ErrNoMem = 8,
};

#endif
