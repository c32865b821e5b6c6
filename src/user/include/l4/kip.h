/*
 * The Kernel Interface Page (ABI section 3) and the KernelInterface system
 * call (ABI 4.1).
 *
 * The accessors take the KIP's address and read the words at the ABI offsets;
 * they are pure and also used by the host tests on a KIP-like buffer. Only
 * L4_KernelInterface() and the system-call entry cache need ia32.
 */
#ifndef L4_KIP_H
#define L4_KIP_H

#include <l4/types.h>

/* Byte offsets of the KIP header words (ABI 3.2). */
enum {
    L4_KIP_MAGIC = 0x000,
    L4_KIP_API_VERSION = 0x004,
    L4_KIP_API_FLAGS = 0x008,
    L4_KIP_KERNEL_DESC_PTR = 0x00C,
    L4_KIP_KDEBUG_LOW = 0x018,
    L4_KIP_KDEBUG_HIGH = 0x01C,
    L4_KIP_SIGMA0_SP = 0x020,
    L4_KIP_SIGMA0_IP = 0x024,
    L4_KIP_SIGMA0_LOW = 0x028,
    L4_KIP_SIGMA0_HIGH = 0x02C,
    L4_KIP_SIGMA1_LOW = 0x038,
    L4_KIP_SIGMA1_HIGH = 0x03C,
    L4_KIP_ROOT_SP = 0x040,
    L4_KIP_ROOT_IP = 0x044,
    L4_KIP_ROOT_LOW = 0x048,
    L4_KIP_ROOT_HIGH = 0x04C,
    L4_KIP_MEMORY_INFO = 0x054,
    L4_KIP_UTCB_AREA_INFO = 0x0A8,
    L4_KIP_KIP_AREA_INFO = 0x0AC,
    L4_KIP_BOOT_INFO = 0x0B8,
    L4_KIP_PROC_DESC_PTR = 0x0BC,
    L4_KIP_CLOCK_INFO = 0x0C0,
    L4_KIP_THREAD_INFO = 0x0C4,
    L4_KIP_PAGE_INFO = 0x0C8,
    L4_KIP_PROCESSOR_INFO = 0x0CC,
    /* System-call link offsets (offsets of the entry code from the KIP base). */
    L4_KIP_SPACE_CONTROL = 0x0D0,
    L4_KIP_THREAD_CONTROL = 0x0D4,
    L4_KIP_PROCESSOR_CONTROL = 0x0D8,
    L4_KIP_MEMORY_CONTROL = 0x0DC,
    L4_KIP_IPC = 0x0E0,
    L4_KIP_LIPC = 0x0E4,
    L4_KIP_UNMAP = 0x0E8,
    L4_KIP_EXCHANGE_REGISTERS = 0x0EC,
    L4_KIP_SYSTEM_CLOCK = 0x0F0,
    L4_KIP_THREAD_SWITCH = 0x0F4,
    L4_KIP_SCHEDULE = 0x0F8,
};

/* Index of each system call in the entry cache: (link offset - 0xD0) / 4. */
enum {
    L4_SYSCALL_SPACE_CONTROL,
    L4_SYSCALL_THREAD_CONTROL,
    L4_SYSCALL_PROCESSOR_CONTROL,
    L4_SYSCALL_MEMORY_CONTROL,
    L4_SYSCALL_IPC,
    L4_SYSCALL_LIPC,
    L4_SYSCALL_UNMAP,
    L4_SYSCALL_EXCHANGE_REGISTERS,
    L4_SYSCALL_SYSTEM_CLOCK,
    L4_SYSCALL_THREAD_SWITCH,
    L4_SYSCALL_SCHEDULE,
    L4_SYSCALL_COUNT,
};

#define L4_KIP_MAGIC_WORD 0x4BE6344Cu

/* Word at byte offset `off` of the KIP. */
static inline L4_Word_t L4_KipWord(const void *kip, L4_Word_t off)
{
    return *(const L4_Word_t *)(const void *)((const char *)kip + off);
}

/* True if `kip` starts with the KIP magic 'L4' 0xE6 'K'. */
static inline L4_Bool_t L4_KipIsValid(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_MAGIC) == L4_KIP_MAGIC_WORD;
}

/* ApiVersion word: version [31..24] (0x84 = X.2), subversion [23..16]. */
static inline L4_Word_t L4_KipApiVersion(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_API_VERSION);
}

/* ApiFlags word: endianness [1..0], word size [3..2] (0 on ia32). */
static inline L4_Word_t L4_KipApiFlags(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_API_FLAGS);
}

/* Address of the kernel descriptor. */
static inline const L4_Word_t *L4_KernelDesc(const void *kip)
{
    return (const L4_Word_t *)(const void *)((const char *)kip + L4_KipWord(kip, L4_KIP_KERNEL_DESC_PTR));
}

/* KernelId word of the kernel descriptor: id [31..24], subid [23..16]. */
static inline L4_Word_t L4_KipKernelId(const void *kip)
{
    return L4_KernelDesc(kip)[0];
}

/* Kernel generation date: year (full), month, day. */
static inline void L4_KernelGenDate(const void *kip, L4_Word_t *year, L4_Word_t *month, L4_Word_t *day)
{
    L4_Word_t d = L4_KernelDesc(kip)[1];
    *day = d & 0x1Fu;
    *month = (d >> 5) & 0xFu;
    *year = ((d >> 9) & 0x7Fu) + 2000;
}

/* KernelVer word: version [31..24], subversion [23..16], subsubversion [15..0]. */
static inline L4_Word_t L4_KernelVersion(const void *kip)
{
    return L4_KernelDesc(kip)[2];
}

/* Supplier: four ASCII bytes (not NUL-terminated) packed little-endian in a word. */
static inline L4_Word_t L4_KernelSupplier(const void *kip)
{
    return L4_KernelDesc(kip)[3];
}

/* The NUL-terminated kernel version string. */
static inline const char *L4_KernelVersionString(const void *kip)
{
    return (const char *)(L4_KernelDesc(kip) + 4);
}

/* Feature string number `n`, or NULL if the list has fewer entries. */
static inline const char *L4_Feature(const void *kip, L4_Word_t n)
{
    const char *s = L4_KernelVersionString(kip);
    while (*s)
        s++;
    s++;
    for (; *s; n--) {
        if (n == 0)
            return s;
        while (*s)
            s++;
        s++;
    }
    return NULL;
}

/* ThreadInfo: number of significant thread-number bits. */
static inline L4_Word_t L4_ThreadIdBits(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_THREAD_INFO) & 0xFFu;
}

/* ThreadInfo: first thread number of kernel threads (interrupts are below). */
static inline L4_Word_t L4_ThreadIdSystemBase(const void *kip)
{
    return (L4_KipWord(kip, L4_KIP_THREAD_INFO) >> 8) & 0xFFFu;
}

/* ThreadInfo: first user thread number (sigma0's). */
static inline L4_Word_t L4_ThreadIdUserBase(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_THREAD_INFO) >> 20;
}

/* PageInfo: supported page sizes, bit k set <=> pages of 2^k bytes. */
static inline L4_Word_t L4_PageSizeMask(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_PAGE_INFO) & L4_FPAGE_BASE_MASK;
}

/* PageInfo: access rights the MMU distinguishes (rwx). */
static inline L4_Word_t L4_PageRights(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_PAGE_INFO) & 0x7u;
}

/* log2 of the smallest supported page size, or 0 if the page-size mask is empty. */
static inline L4_Word_t L4_MinPageSizeLog2(const void *kip)
{
    L4_Word_t m = L4_PageSizeMask(kip);
    L4_Word_t k = 10;
    if (m == 0)
        return 0;
    while (!(m & (1u << k)))
        k++;
    return k;
}

/* UtcbAreaInfo: log2 of the minimal UTCB-area size. */
static inline L4_Word_t L4_UtcbAreaSizeLog2(const void *kip)
{
    return (L4_KipWord(kip, L4_KIP_UTCB_AREA_INFO) >> 16) & 0x3Fu;
}

/* UtcbAreaInfo: log2 of the UTCB alignment. */
static inline L4_Word_t L4_UtcbAlignmentLog2(const void *kip)
{
    return (L4_KipWord(kip, L4_KIP_UTCB_AREA_INFO) >> 10) & 0x3Fu;
}

/* UtcbAreaInfo: UTCB size in bytes (m * 2^a). */
static inline L4_Word_t L4_UtcbSize(const void *kip)
{
    L4_Word_t w = L4_KipWord(kip, L4_KIP_UTCB_AREA_INFO);
    return (w & 0x3FFu) << ((w >> 10) & 0x1Fu);
}

/* KipAreaInfo: log2 of the KIP area size. */
static inline L4_Word_t L4_KipAreaSizeLog2(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_KIP_AREA_INFO) & 0x3Fu;
}

/* ClockInfo: read precision in microseconds. */
static inline L4_Word_t L4_ReadPrecision(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_CLOCK_INFO) & 0xFFFFu;
}

/* ClockInfo: scheduling precision in microseconds. */
static inline L4_Word_t L4_SchedulePrecision(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_CLOCK_INFO) >> 16;
}

/* BootInfo word, passed through from the boot loader. */
static inline L4_Word_t L4_BootInfo(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_BOOT_INFO);
}

/* ProcessorInfo: number of processors. */
static inline L4_Word_t L4_NumProcessors(const void *kip)
{
    return (L4_KipWord(kip, L4_KIP_PROCESSOR_INFO) & 0xFFFFu) + 1;
}

/* Processor descriptor of `cpu` (two words: external, internal frequency in kHz), or NULL. */
static inline const L4_Word_t *L4_ProcDesc(const void *kip, L4_Word_t cpu)
{
    L4_Word_t size_log2 = L4_KipWord(kip, L4_KIP_PROCESSOR_INFO) >> 28;
    if (cpu >= L4_NumProcessors(kip))
        return NULL;
    return (const L4_Word_t *)(const void *)((const char *)kip + L4_KipWord(kip, L4_KIP_PROC_DESC_PTR) +
                                             (cpu << size_log2));
}

/* External (bus) frequency of processor descriptor `p` in kHz. */
static inline L4_Word_t L4_ProcDescExternalFreq(const L4_Word_t *p)
{
    return p[0];
}

/* Internal (core) frequency of processor descriptor `p` in kHz. */
static inline L4_Word_t L4_ProcDescInternalFreq(const L4_Word_t *p)
{
    return p[1];
}

/* Link offset (from the KIP base) of the entry code of system call `index` (L4_SYSCALL_*). */
static inline L4_Word_t L4_KipSyscallLink(const void *kip, unsigned index)
{
    return L4_KipWord(kip, L4_KIP_SPACE_CONTROL + 4u * index);
}

/* ------------------------------------------------------------------ */
/* Memory descriptors (ABI 3.6)                                        */
/* ------------------------------------------------------------------ */

typedef struct {
    L4_Word_t x;   /* low [31..10], v [9], subtype [7..4], type [3..0] */
    L4_Word_t y;   /* high [31..10] */
} L4_MemoryDesc_t;

enum {
    L4_UndefinedMemoryType = 0x0,
    L4_ConventionalMemoryType = 0x1,
    L4_ReservedMemoryType = 0x2,
    L4_DedicatedMemoryType = 0x3,
    L4_SharedMemoryType = 0x4,
    L4_BootLoaderSpecificMemoryType = 0xE,
    L4_ArchitectureSpecificMemoryType = 0xF,
};

/* Number of memory descriptors. */
static inline L4_Word_t L4_NumMemoryDescriptors(const void *kip)
{
    return L4_KipWord(kip, L4_KIP_MEMORY_INFO) & 0xFFFFu;
}

/* Memory descriptor `n`, or NULL if there are not that many. */
static inline const L4_MemoryDesc_t *L4_MemoryDesc(const void *kip, L4_Word_t n)
{
    L4_Word_t ptr = L4_KipWord(kip, L4_KIP_MEMORY_INFO) >> 16;
    if (n >= L4_NumMemoryDescriptors(kip))
        return NULL;
    return (const L4_MemoryDesc_t *)(const void *)((const char *)kip + ptr) + n;
}

/* True if the descriptor describes virtual rather than physical addresses. */
static inline L4_Bool_t L4_IsVirtual(const L4_MemoryDesc_t *m)
{
    return (m->x >> 9) & 1u;
}

/* Type field [3..0] only. */
static inline L4_Word_t L4_MemoryDescBaseType(const L4_MemoryDesc_t *m)
{
    return m->x & 0xFu;
}

/* Subtype field [7..4]. */
static inline L4_Word_t L4_MemoryDescSubType(const L4_MemoryDesc_t *m)
{
    return (m->x >> 4) & 0xFu;
}

/* Type as reported to programs: the type, or type + (subtype << 4) for types 0xE and 0xF. */
static inline L4_Word_t L4_MemoryDescType(const L4_MemoryDesc_t *m)
{
    L4_Word_t t = L4_MemoryDescBaseType(m);
    return t >= 0xE ? t + (L4_MemoryDescSubType(m) << 4) : t;
}

/* First address of the described region. */
static inline L4_Word_t L4_MemoryDescLow(const L4_MemoryDesc_t *m)
{
    return m->x & L4_FPAGE_BASE_MASK;
}

/* Last address (inclusive) of the described region. */
static inline L4_Word_t L4_MemoryDescHigh(const L4_MemoryDesc_t *m)
{
    return (m->y & L4_FPAGE_BASE_MASK) | 0x3FFu;
}

/* Descriptor words for [low, high] (high inclusive), as a loader or test writes them. */
static inline L4_MemoryDesc_t L4_MakeMemoryDesc(L4_Word_t low, L4_Word_t high, L4_Word_t type,
                                                L4_Word_t subtype, L4_Bool_t is_virtual)
{
    L4_MemoryDesc_t m = { (low & L4_FPAGE_BASE_MASK) | (is_virtual ? 0x200u : 0) | ((subtype & 0xFu) << 4) |
                              (type & 0xFu),
                          high & L4_FPAGE_BASE_MASK };
    return m;
}

/* ------------------------------------------------------------------ */
/* KernelInterface and the system-call entry cache (ia32 only)          */
/* ------------------------------------------------------------------ */
#if defined(__i386__)

/* KernelInterface (lock; nop): returns the KIP address in this space and the
 * ApiVersion, ApiFlags and KernelId words (any pointer may be NULL). */
static inline void *L4_KernelInterface(L4_Word_t *ApiVersion, L4_Word_t *ApiFlags, L4_Word_t *KernelId)
{
    L4_Word_t kip, ver, flags, id;
    __asm__ volatile(".byte 0xF0, 0x90" : "=a"(kip), "=c"(ver), "=d"(flags), "=S"(id));
    if (ApiVersion)
        *ApiVersion = ver;
    if (ApiFlags)
        *ApiFlags = flags;
    if (KernelId)
        *KernelId = id;
    return (void *)kip;
}

/* The KIP address (cached after the first call). */
void *L4_GetKernelInterface(void);

/* Absolute entry addresses of the system calls, filled by __L4_SyscallInit. */
extern L4_Word_t __L4_syscall_entry[L4_SYSCALL_COUNT];

/* Fill the entry cache from the KIP; returns the entry of system call `index`. */
L4_Word_t __L4_SyscallInit(unsigned index);

/* Entry address of system call `index` (one of L4_SYSCALL_*). */
static inline L4_Word_t __L4_SyscallEntry(unsigned index)
{
    L4_Word_t e = __L4_syscall_entry[index];
    if (__builtin_expect(e == 0, 0))
        e = __L4_SyscallInit(index);
    return e;
}

/* ApiVersion of the running kernel. */
static inline L4_Word_t L4_ApiVersion(void)
{
    return L4_KipApiVersion(L4_GetKernelInterface());
}

/* ApiFlags of the running kernel. */
static inline L4_Word_t L4_ApiFlags(void)
{
    return L4_KipApiFlags(L4_GetKernelInterface());
}

/* KernelId of the running kernel. */
static inline L4_Word_t L4_KernelId(void)
{
    return L4_KipKernelId(L4_GetKernelInterface());
}

#endif /* __i386__ */

#endif
