/*
 * The Kernel Interface Page (ABI sections 3, 7.1, 7.2).
 *
 * `struct kip` is the whole 4 KB page with every header field at its exact
 * ABI offset (each one pinned by a _Static_assert below). Layout of the
 * kernel-defined part (after the 0x120-byte header), chosen here:
 *
 *   0x000..0x11F  fixed ABI header
 *   0x120..0x15F  processor descriptors 0..KIP_MAX_CPUS-1 (16 bytes each)
 *   0x160..0x1FF  kernel descriptor: KernelId, KernelGenDate, KernelVer,
 *                 Supplier, then the version string and the feature list
 *                 (ABI 3.4): one string per optional feature built in
 *                 (core/config.h), written by kip_complete(), then an empty
 *                 string. The static image has the empty list.
 *   0x200..0x7FF  memory-descriptor array (192 entries of 8 bytes), ending
 *                 exactly at the 2 KB boundary (ABI 3.6)
 *   0x800..0xFFF  user-mode system-call entry code, placed by the arch layer;
 *                 the eleven link offsets (0x0D0..0x0F8) must point in here
 *
 * Our KernelId: id 0x2A, subid 0x01 (0x2A010000); not one of the ids listed
 * in ABI 3.3, so nobody mistakes this kernel for Pistachio. Supplier "L4X2".
 *
 * The kernel defines its KIP as initialised data that a boot loader finds by
 * scanning for the magic (ABI 7.1):
 *   struct kip kernel_kip __attribute__((aligned(4096), section(".kip")))
 *       = KIP_STATIC_INIT;
 * The linker script must put .kip in a loadable segment as file-backed data
 * (not NOBITS). Kickstart takes the FIRST magic word it finds scanning from
 * the image's first page, so nothing placed before .kip may contain the word
 * 0x4BE6344C (e.g. a `cmp $KIP_MAGIC` in .text): put .kip first, or keep
 * KIP_MAGIC out of kernel code. src/core/kip.c itself never uses it.
 *
 * Boot order (ABI 7.2): if !kip_is_loader_patched(), the Multiboot path adds
 * the loader's descriptors and initial servers itself; then kip_complete()
 * once; the arch layer copies its entry code to syscall_code[] and calls
 * kip_set_syscall_links().
 */
#ifndef CORE_KIP_H
#define CORE_KIP_H

#include <core/tid.h>
#include <core/types.h>

/* ---------------------------------------------------------------- geometry */

#define KIP_SIZE                 0x1000u
#define KIP_HEADER_SIZE          0x120u
#define KIP_MAGIC                0x4BE6344Cu  /* bytes 'L' '4' 0xE6 'K' */
#define KIP_MAX_CPUS             4u
#define KIP_PROC_DESC_LOG2       4u           /* 16-byte processor descriptors */
#define KIP_KERNEL_DESC_SIZE     0xA0u
#define KIP_KERNEL_STRINGS_SIZE  (KIP_KERNEL_DESC_SIZE - 16u)
#define KIP_MEMDESC_OFFSET       0x200u
#define KIP_MEMDESC_LIMIT        0x800u       /* the array must end here (2 KB) */
#define KIP_MEMDESC_MAX          ((KIP_MEMDESC_LIMIT - KIP_MEMDESC_OFFSET) / 8u)
#define KIP_SYSCALL_CODE_OFFSET  0x800u
#define KIP_SYSCALL_CODE_SIZE    (KIP_SIZE - KIP_SYSCALL_CODE_OFFSET)

/* ------------------------------------------------- our published identity */

#define KIP_KERNEL_ID_ID         0x2Au
#define KIP_KERNEL_ID_SUBID      0x01u
#define KIP_KERNEL_VERSION       0u
#define KIP_KERNEL_SUBVERSION    1u
#define KIP_KERNEL_SUBSUBVERSION 0u
#define KIP_SUPPLIER             { 'L', '4', 'X', '2' }
#define KIP_VERSION_STRING       "L4 X.2 ia32 microkernel 0.1"
/* Feature strings of the optional features (the reference kernel's names). */
#define KIP_FEATURE_PAGER_EXREGS "pagerexregs"
#define KIP_FEATURE_SMALLSPACES "smallspaces"
/* KernelGenDate; the build may pass the real date with -D. */
#ifndef KIP_GEN_YEAR
#define KIP_GEN_YEAR  2026u
#endif
#ifndef KIP_GEN_MONTH
#define KIP_GEN_MONTH 11u
#endif
#ifndef KIP_GEN_DAY
#define KIP_GEN_DAY   24u
#endif

/* ----------------------------------------- bit-field words (ABI 3.3, 3.6) */
/*
 * Each encoding exists once, as a constant-expression macro (usable in the
 * static initialiser); the typed kip_make_* inline functions below wrap them
 * for code. Every field is masked to its width.
 */
#define KIP_API_VERSION(ver, subver) \
    ((word_t)((((ver) & 0xFFu) << 24) | (((subver) & 0xFFu) << 16)))
#define KIP_API_FLAGS(endian, wordsize) \
    ((word_t)(((endian) & 0x3u) | (((wordsize) & 0x3u) << 2)))
#define KIP_KERNEL_ID(id, subid) \
    ((word_t)((((id) & 0xFFu) << 24) | (((subid) & 0xFFu) << 16)))
#define KIP_UTCB_AREA_INFO(s, a, m) \
    ((word_t)((((s) & 0x3Fu) << 16) | (((a) & 0x3Fu) << 10) | ((m) & 0x3FFu)))
#define KIP_KIP_AREA_INFO(s) ((word_t)((s) & 0x3Fu))
#define KIP_CLOCK_INFO(read_us, sched_us) \
    ((word_t)(((read_us) & 0xFFFFu) | (((sched_us) & 0xFFFFu) << 16)))
#define KIP_THREAD_INFO(t, sysbase, userbase) \
    ((word_t)(((t) & 0xFFu) | (((sysbase) & 0xFFFu) << 8) | (((userbase) & 0xFFFu) << 20)))
#define KIP_PAGE_INFO(size_mask, rwx) \
    ((word_t)(((size_mask) & 0xFFFFFC00u) | ((rwx) & 0x7u)))
#define KIP_PROCESSOR_INFO(ncpus, log2_desc) \
    ((word_t)((((ncpus) - 1u) & 0xFFFFu) | (((log2_desc) & 0xFu) << 28)))
#define KIP_MEMORY_INFO(ptr, n) \
    ((word_t)((((ptr) & 0xFFFFu) << 16) | ((n) & 0xFFFFu)))
#define KIP_GEN_DATE(year, month, day) \
    ((word_t)(((day) & 0x1Fu) | (((month) & 0xFu) << 5) | ((((year) - 2000u) & 0x7Fu) << 9)))
#define KIP_KERNEL_VER(ver, subver, subsubver) \
    ((word_t)((((ver) & 0xFFu) << 24) | (((subver) & 0xFFu) << 16) | ((subsubver) & 0xFFFFu)))
#define KIP_MEMDESC_WORD0(low, is_virtual, subtype, type) \
    ((word_t)(((low) & 0xFFFFFC00u) | ((is_virtual) ? 0x200u : 0u) | \
              (((subtype) & 0xFu) << 4) | ((type) & 0xFu)))
#define KIP_MEMDESC_WORD1(high) ((word_t)((high) & 0xFFFFFC00u))

/* Recommended values (ABI 3.7). */
#define KIP_API_VERSION_X2      KIP_API_VERSION(0x84u, 0x05u)          /* 0x84050000 */
#define KIP_API_FLAGS_IA32      KIP_API_FLAGS(0u, 0u)                  /* 0 */
#define KIP_UTCB_AREA_INFO_IA32 KIP_UTCB_AREA_INFO(12u, 9u, 1u)        /* 0x000C2401 */
#define KIP_KIP_AREA_INFO_IA32  KIP_KIP_AREA_INFO(12u)                 /* 0x0000000C */
#define KIP_PAGE_SIZES_4K_4M    ((1u << 12) | (1u << 22))
#define KIP_PAGE_INFO_IA32      KIP_PAGE_INFO(KIP_PAGE_SIZES_4K_4M, 0x6u) /* 0x00401006 */
#define KIP_THREAD_INFO_CORE \
    KIP_THREAD_INFO(TID_NUMBER_BITS, TID_SYSTEM_BASE, TID_USER_BASE)

_Static_assert(TID_NUMBER_BITS <= 0xFFu && TID_SYSTEM_BASE <= 0xFFFu && TID_USER_BASE <= 0xFFFu,
               "core/tid.h thread ranges must fit KIP.ThreadInfo");

static inline word_t kip_make_api_version(unsigned ver, unsigned subver)
{
    return KIP_API_VERSION(ver, subver);
}
static inline word_t kip_make_api_flags(unsigned endian, unsigned wordsize)
{
    return KIP_API_FLAGS(endian, wordsize);
}
static inline word_t kip_make_kernel_id(unsigned id, unsigned subid)
{
    return KIP_KERNEL_ID(id, subid);
}
static inline word_t kip_make_utcb_area_info(unsigned s, unsigned a, unsigned m)
{
    return KIP_UTCB_AREA_INFO(s, a, m);
}
static inline word_t kip_make_kip_area_info(unsigned s) { return KIP_KIP_AREA_INFO(s); }
static inline word_t kip_make_clock_info(unsigned read_us, unsigned sched_us)
{
    return KIP_CLOCK_INFO(read_us, sched_us);
}
static inline word_t kip_make_thread_info(unsigned t, unsigned sysbase, unsigned userbase)
{
    return KIP_THREAD_INFO(t, sysbase, userbase);
}
static inline word_t kip_make_page_info(word_t size_mask, unsigned rwx)
{
    return KIP_PAGE_INFO(size_mask, rwx);
}
/* ncpus >= 1; the word stores ncpus - 1. */
static inline word_t kip_make_processor_info(unsigned ncpus, unsigned log2_desc)
{
    return KIP_PROCESSOR_INFO(ncpus, log2_desc);
}
static inline word_t kip_make_memory_info(unsigned ptr, unsigned n)
{
    return KIP_MEMORY_INFO(ptr, n);
}
/* year 2000..2127, month 1..12, day 1..31. */
static inline word_t kip_make_gen_date(unsigned year, unsigned month, unsigned day)
{
    return KIP_GEN_DATE(year, month, day);
}
static inline word_t kip_make_kernel_ver(unsigned ver, unsigned subver, unsigned subsubver)
{
    return KIP_KERNEL_VER(ver, subver, subsubver);
}
/* Word 0 of a memory descriptor: `low` is rounded down to 1 KB. */
static inline word_t kip_make_memdesc_word0(word_t low, bool is_virtual, unsigned subtype,
                                            unsigned type)
{
    return KIP_MEMDESC_WORD0(low, is_virtual, subtype, type);
}
/* Word 1: `high` is the inclusive end address, rounded down to 1 KB. */
static inline word_t kip_make_memdesc_word1(word_t high) { return KIP_MEMDESC_WORD1(high); }

static inline unsigned kip_memory_info_ptr(word_t mi) { return mi >> 16; }
static inline unsigned kip_memory_info_n(word_t mi) { return mi & 0xFFFFu; }

/* ----------------------------------------------------- memory descriptors */

enum kip_mem_type {
    KIP_MEM_UNDEFINED    = 0x0,
    KIP_MEM_CONVENTIONAL = 0x1,
    KIP_MEM_RESERVED     = 0x2,
    KIP_MEM_DEDICATED    = 0x3,
    KIP_MEM_SHARED       = 0x4,
    KIP_MEM_BOOTLOADER   = 0xE,
    KIP_MEM_ARCH         = 0xF,
};

/* Subtypes of KIP_MEM_BOOTLOADER. */
enum kip_boot_subtype {
    KIP_BOOT_INFO   = 1,   /* boot information table */
    KIP_BOOT_SERVER = 2,   /* initial server image */
    KIP_BOOT_MODULE = 3,   /* further boot module */
};

#define KIP_E820_USABLE 1u

/* A decoded memory descriptor; `high` is the inclusive end ((high<<10)+0x3FF). */
struct kip_memdesc_info {
    unsigned type;
    unsigned subtype;
    bool is_virtual;
    word_t low;
    word_t high;
};

/* ------------------------------------------------------------- structures */

struct kip_memdesc {
    word_t word0;
    word_t word1;
};

struct kip_proc_desc {
    word_t external_khz;
    word_t internal_khz;
    word_t reserved[2];
};

struct kip_kernel_desc {
    word_t kernel_id;
    word_t gen_date;
    word_t kernel_ver;
    char supplier[4];
    char strings[KIP_KERNEL_STRINGS_SIZE];   /* version string, then features, then "" */
};

/* sp/ip/low/high of one initial server; high is the exclusive end (0: absent). */
struct kip_server {
    word_t sp;
    word_t ip;
    word_t low;
    word_t high;
};

enum kip_server_id { KIP_SIGMA0, KIP_SIGMA1, KIP_ROOT_SERVER };

/* The eleven system-call link offsets, in KIP order (0x0D0..0x0F8); also
 * reachable as offset[0..KIP_SYSCALL_COUNT-1]. */
#define KIP_SYSCALL_COUNT 11u
struct kip_syscall_links {
    union {
        struct {
            word_t space_control;
            word_t thread_control;
            word_t processor_control;
            word_t memory_control;
            word_t ipc;
            word_t lipc;
            word_t unmap;
            word_t exchange_registers;
            word_t system_clock;
            word_t thread_switch;
            word_t schedule;
        };
        word_t offset[KIP_SYSCALL_COUNT];
    };
};
_Static_assert(sizeof(struct kip_syscall_links) == KIP_SYSCALL_COUNT * sizeof(word_t),
               "eleven link words");

struct kip {
    word_t magic;                       /* 0x000 */
    word_t api_version;                 /* 0x004 */
    word_t api_flags;                   /* 0x008 */
    word_t kernel_desc_ptr;             /* 0x00C */
    word_t kdebug_init;                 /* 0x010 */
    word_t kdebug_entry;                /* 0x014 */
    word_t kdebug_low;                  /* 0x018 */
    word_t kdebug_high;                 /* 0x01C */
    struct kip_server sigma0;           /* 0x020 */
    struct kip_server sigma1;           /* 0x030 */
    struct kip_server root_server;      /* 0x040 */
    word_t reserved_050;                /* 0x050 */
    word_t memory_info;                 /* 0x054 */
    word_t kdebug_config0;              /* 0x058 */
    word_t kdebug_config1;              /* 0x05C */
    word_t main_mem_low;                /* 0x060 legacy, 0 */
    word_t main_mem_high;               /* 0x064 legacy, 0 */
    word_t reserved_mem[4];             /* 0x068 legacy, 0 */
    word_t dedicated_mem[10];           /* 0x078 legacy, 0 */
    word_t reserved_0a0[2];             /* 0x0A0 */
    word_t utcb_area_info;              /* 0x0A8 */
    word_t kip_area_info;               /* 0x0AC */
    word_t reserved_0b0[2];             /* 0x0B0 */
    word_t boot_info;                   /* 0x0B8 */
    word_t proc_desc_ptr;               /* 0x0BC */
    word_t clock_info;                  /* 0x0C0 */
    word_t thread_info;                 /* 0x0C4 */
    word_t page_info;                   /* 0x0C8 */
    word_t processor_info;              /* 0x0CC */
    struct kip_syscall_links links;     /* 0x0D0 .. 0x0FB */
    word_t reserved_0fc[5];             /* 0x0FC .. 0x10F */
    word_t arch_syscall[4];             /* 0x110 .. 0x11F, none on ia32 */
    /* kernel-defined part */
    struct kip_proc_desc proc_desc[KIP_MAX_CPUS];                     /* 0x120 */
    struct kip_kernel_desc kernel_desc;                               /* 0x160 */
    struct kip_memdesc memdesc[KIP_MEMDESC_MAX];                      /* 0x200 */
    uint8_t syscall_code[KIP_SYSCALL_CODE_SIZE];                      /* 0x800 */
};

#define KIP_ASSERT_AT(field, off) \
    _Static_assert(offsetof(struct kip, field) == (off), "KIP field " #field " not at " #off)
KIP_ASSERT_AT(magic, 0x000);
KIP_ASSERT_AT(api_version, 0x004);
KIP_ASSERT_AT(api_flags, 0x008);
KIP_ASSERT_AT(kernel_desc_ptr, 0x00C);
KIP_ASSERT_AT(kdebug_init, 0x010);
KIP_ASSERT_AT(kdebug_entry, 0x014);
KIP_ASSERT_AT(kdebug_low, 0x018);
KIP_ASSERT_AT(kdebug_high, 0x01C);
KIP_ASSERT_AT(sigma0.sp, 0x020);
KIP_ASSERT_AT(sigma0.ip, 0x024);
KIP_ASSERT_AT(sigma0.low, 0x028);
KIP_ASSERT_AT(sigma0.high, 0x02C);
KIP_ASSERT_AT(sigma1.sp, 0x030);
KIP_ASSERT_AT(sigma1.ip, 0x034);
KIP_ASSERT_AT(sigma1.low, 0x038);
KIP_ASSERT_AT(sigma1.high, 0x03C);
KIP_ASSERT_AT(root_server.sp, 0x040);
KIP_ASSERT_AT(root_server.ip, 0x044);
KIP_ASSERT_AT(root_server.low, 0x048);
KIP_ASSERT_AT(root_server.high, 0x04C);
KIP_ASSERT_AT(reserved_050, 0x050);
KIP_ASSERT_AT(memory_info, 0x054);
KIP_ASSERT_AT(kdebug_config0, 0x058);
KIP_ASSERT_AT(kdebug_config1, 0x05C);
KIP_ASSERT_AT(main_mem_low, 0x060);
KIP_ASSERT_AT(main_mem_high, 0x064);
KIP_ASSERT_AT(reserved_mem, 0x068);
KIP_ASSERT_AT(dedicated_mem, 0x078);
KIP_ASSERT_AT(reserved_0a0, 0x0A0);
KIP_ASSERT_AT(utcb_area_info, 0x0A8);
KIP_ASSERT_AT(kip_area_info, 0x0AC);
KIP_ASSERT_AT(reserved_0b0, 0x0B0);
KIP_ASSERT_AT(boot_info, 0x0B8);
KIP_ASSERT_AT(proc_desc_ptr, 0x0BC);
KIP_ASSERT_AT(clock_info, 0x0C0);
KIP_ASSERT_AT(thread_info, 0x0C4);
KIP_ASSERT_AT(page_info, 0x0C8);
KIP_ASSERT_AT(processor_info, 0x0CC);
KIP_ASSERT_AT(links.space_control, 0x0D0);
KIP_ASSERT_AT(links.thread_control, 0x0D4);
KIP_ASSERT_AT(links.processor_control, 0x0D8);
KIP_ASSERT_AT(links.memory_control, 0x0DC);
KIP_ASSERT_AT(links.ipc, 0x0E0);
KIP_ASSERT_AT(links.lipc, 0x0E4);
KIP_ASSERT_AT(links.unmap, 0x0E8);
KIP_ASSERT_AT(links.exchange_registers, 0x0EC);
KIP_ASSERT_AT(links.system_clock, 0x0F0);
KIP_ASSERT_AT(links.thread_switch, 0x0F4);
KIP_ASSERT_AT(links.schedule, 0x0F8);
KIP_ASSERT_AT(reserved_0fc, 0x0FC);
KIP_ASSERT_AT(arch_syscall, 0x110);
KIP_ASSERT_AT(proc_desc, KIP_HEADER_SIZE);
KIP_ASSERT_AT(kernel_desc, KIP_HEADER_SIZE + (KIP_MAX_CPUS << KIP_PROC_DESC_LOG2));
KIP_ASSERT_AT(kernel_desc.strings, KIP_HEADER_SIZE + (KIP_MAX_CPUS << KIP_PROC_DESC_LOG2) + 16u);
KIP_ASSERT_AT(memdesc, KIP_MEMDESC_OFFSET);
KIP_ASSERT_AT(syscall_code, KIP_SYSCALL_CODE_OFFSET);
#undef KIP_ASSERT_AT
_Static_assert(sizeof(struct kip_proc_desc) == (1u << KIP_PROC_DESC_LOG2), "processor descriptor size");
_Static_assert(sizeof(struct kip_kernel_desc) == KIP_KERNEL_DESC_SIZE, "kernel descriptor size");
_Static_assert(sizeof(struct kip_memdesc) == 8u, "memory descriptor size");
_Static_assert(KIP_MEMDESC_OFFSET + KIP_MEMDESC_MAX * 8u == KIP_MEMDESC_LIMIT,
               "memory descriptors end exactly at the 2 KB boundary");
_Static_assert(sizeof(struct kip) == KIP_SIZE, "the KIP is one 4 KB page");
/* version string, every feature string (each with its NUL) and the
 * empty-list NUL must fit */
_Static_assert(sizeof(KIP_VERSION_STRING) + sizeof(KIP_FEATURE_PAGER_EXREGS) +
               sizeof(KIP_FEATURE_SMALLSPACES) + 1u <= KIP_KERNEL_STRINGS_SIZE,
               "version and feature strings too long");

/*
 * Static image of the KIP as a boot loader expects it (ABI 7.1): magic,
 * ApiVersion, MemoryInfo.MemDescPtr (n = 0) and PageInfo valid, pointers set,
 * the kernel descriptor complete (the version string, the feature strings,
 * and the zero tail of `strings` ends the feature list with an empty string).
 */
#define KIP_STATIC_INIT                                                              \
    {                                                                                \
        .magic = KIP_MAGIC,                                                          \
        .api_version = KIP_API_VERSION_X2,                                           \
        .api_flags = KIP_API_FLAGS_IA32,                                             \
        .kernel_desc_ptr = offsetof(struct kip, kernel_desc),                        \
        .memory_info = KIP_MEMORY_INFO(offsetof(struct kip, memdesc), 0u),           \
        .utcb_area_info = KIP_UTCB_AREA_INFO_IA32,                                   \
        .kip_area_info = KIP_KIP_AREA_INFO_IA32,                                     \
        .proc_desc_ptr = offsetof(struct kip, proc_desc),                            \
        .thread_info = KIP_THREAD_INFO_CORE,                                         \
        .page_info = KIP_PAGE_INFO_IA32,                                             \
        .processor_info = KIP_PROCESSOR_INFO(1u, KIP_PROC_DESC_LOG2),                \
        .kernel_desc = {                                                             \
            .kernel_id = KIP_KERNEL_ID(KIP_KERNEL_ID_ID, KIP_KERNEL_ID_SUBID),       \
            .gen_date = KIP_GEN_DATE(KIP_GEN_YEAR, KIP_GEN_MONTH, KIP_GEN_DAY),      \
            .kernel_ver = KIP_KERNEL_VER(KIP_KERNEL_VERSION, KIP_KERNEL_SUBVERSION,  \
                                         KIP_KERNEL_SUBSUBVERSION),                  \
            .supplier = KIP_SUPPLIER,                                                \
            .strings = KIP_VERSION_STRING,                                           \
        },                                                                           \
    }

/* ------------------------------------------------------------------- API */

/* What the kernel tells kip_complete() at boot (ABI 7.2). Ranges are inclusive. */
struct kip_boot_params {
    unsigned ncpus;                 /* 1..KIP_MAX_CPUS */
    word_t external_khz;            /* bus frequency, every processor descriptor */
    word_t internal_khz;            /* core frequency, every processor descriptor */
    unsigned read_precision_us;     /* ClockInfo [15..0] */
    unsigned sched_precision_us;    /* ClockInfo [31..16] */
    word_t image_low, image_high;   /* kernel image, physical, inclusive */
    word_t kmem_low, kmem_high;     /* kernel memory, physical, inclusive; both 0: none */
};

/* Fill ThreadInfo, ProcessorInfo, processor descriptors and ClockInfo,
 * write the feature list of this build after the version string, and
 * append the kernel's memory descriptors after the loader's (conventional
 * virtual 0..0xBFFFFFFF, reserved physical image and kernel memory). Call once.
 * Returns false, changing nothing, on invalid params or too little room. */
bool kip_complete(struct kip *k, const struct kip_boot_params *p);

/* Append one memory descriptor (high = inclusive end). False, changing
 * nothing, if type/subtype exceed 4 bits, low > high, or the array would
 * cross the 2 KB boundary. */
bool kip_add_memdesc(struct kip *k, unsigned type, unsigned subtype, bool is_virtual,
                     word_t low, word_t high);

/* Append the descriptor a loader writes for one E820/multiboot-mmap entry:
 * usable RAM as conventional, other types as arch-specific with the E820 type
 * as subtype; clipped to 4 GB. True if appended or nothing lies below 4 GB
 * (or len = 0); false only when the array is full. */
bool kip_add_e820(struct kip *k, uint64_t base, uint64_t len, uint32_t e820_type);

/* Decode descriptor i; false if i >= n or the entry lies outside the page. */
bool kip_memdesc(const struct kip *k, unsigned i, struct kip_memdesc_info *d);

/* Number of memory descriptors (MemoryInfo.n). */
unsigned kip_memdesc_count(const struct kip *k);

/* Record an initial server image (Multiboot path): high is the exclusive end,
 * 0 meaning absent. False, changing nothing, if high != 0 and low >= high. */
bool kip_set_server(struct kip *k, enum kip_server_id which, word_t low, word_t high,
                    word_t ip, word_t sp);

/* The sp/ip/low/high fields of one initial server; NULL for a bad id. */
const struct kip_server *kip_server(const struct kip *k, enum kip_server_id which);

/* Store the BootInfo word (Multiboot path: the multiboot information address). */
void kip_set_boot_info(struct kip *k, word_t boot_info);

/* True if a boot loader already patched this KIP (descriptors or sigma0
 * present), in which case the kernel generates no Multiboot descriptors. */
bool kip_is_loader_patched(const struct kip *k);

/* Set all eleven link offsets; each must lie in the entry-code area
 * [KIP_SYSCALL_CODE_OFFSET, KIP_SIZE). False, changing nothing, otherwise. */
bool kip_set_syscall_links(struct kip *k, const struct kip_syscall_links *l);

/* KernelId word of the kernel descriptor (what KernelInterface returns in ESI). */
word_t kip_kernel_id(const struct kip *k);

/* The version string of the kernel descriptor. */
const char *kip_version_string(const struct kip *k);

/* Feature string i (0-based) of the kernel descriptor, as libl4's
 * L4_Feature finds it; NULL past the end of the list (or for a string not
 * terminated inside the descriptor). */
const char *kip_feature(const struct kip *k, unsigned i);

#endif
