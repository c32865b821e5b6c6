/*
 * Kernel Interface Page: boot-time completion and accessors (ABI 3, 7.1, 7.2).
 *
 * Design note. The KIP is one page of initialised kernel data (KIP_STATIC_INIT
 * in core/kip.h) that an X.2 boot loader finds by its magic and patches
 * before the kernel runs; or, on the direct Multiboot path, the kernel
 * patches it itself through the same functions a loader's writes correspond
 * to (kip_add_memdesc, kip_add_e820, kip_set_server, kip_set_boot_info).
 *
 * Guarantees:
 *  - every function that can fail validates all of its input first and
 *    returns false without writing anything to the page;
 *  - memory descriptors are only ever appended, after whatever the loader
 *    placed (its count n is kept), and never beyond the 2 KB boundary of the
 *    page, wherever MemoryInfo.MemDescPtr points; a loader-written n that
 *    already overruns the page is treated as "full", never followed;
 *  - the eleven system-call link offsets always point into the entry-code
 *    area [0x800, 0x1000) once set;
 *  - the feature list (ABI 3.4) names exactly the optional features of this
 *    build (core/config.h) once kip_complete() ran: "pagerexregs" when
 *    CONFIG_PAGER_EXREGS is on. ABI choice: the reference kernel publishes
 *    the string with the feature, and l4test's ExchangeRegisters checks need
 *    the feature; note that libl4's C++ L4_HasFeature then answers "present"
 *    for any name (ABI 3.4 compat), as it does on a reference kernel built
 *    with the feature. Known consequences: pingpong's "hscheduling" branch
 *    issues Schedule calls with PrioControl > 255, which fail with error 5
 *    and change nothing; libl4's trace-buffer lookup finds no reserved
 *    virtual memory descriptor and stays off. With every option off the
 *    list stays empty;
 *  - no libc, no 64-bit division; reads and writes stay inside the 4 KB page.
 */
#include <core/config.h>
#include <core/kip.h>

#define KIP_ADDR_LIMIT_USER 0xBFFFFFFFu   /* last user-usable virtual address */
#define KIP_4G_LAST         0xFFFFFFFFull

/* Byte offset of memory descriptor i, or 0 if it would not lie wholly below
 * the 2 KB boundary (or MemDescPtr is not a sane word-aligned body offset). */
static unsigned kip_memdesc_offset(const struct kip *k, unsigned i)
{
    unsigned ptr = kip_memory_info_ptr(k->memory_info);
    if (ptr < KIP_HEADER_SIZE || (ptr & 3u) != 0 || ptr >= KIP_MEMDESC_LIMIT)
        return 0;
    if (i >= (KIP_MEMDESC_LIMIT - ptr) / 8u)
        return 0;
    return ptr + i * 8u;
}

static struct kip_memdesc *kip_memdesc_at(struct kip *k, unsigned off)
{
    return (struct kip_memdesc *)((uint8_t *)k + off);
}

static const struct kip_memdesc *kip_memdesc_at_const(const struct kip *k, unsigned off)
{
    return (const struct kip_memdesc *)((const uint8_t *)k + off);
}

unsigned kip_memdesc_count(const struct kip *k)
{
    return kip_memory_info_n(k->memory_info);
}

/* Room for `count` (>= 1) more descriptors below the 2 KB boundary. */
static bool kip_memdesc_room(const struct kip *k, unsigned count)
{
    return kip_memdesc_offset(k, kip_memdesc_count(k) + count - 1u) != 0;
}

/* Append a descriptor already known to be valid and to fit. */
static void kip_memdesc_append(struct kip *k, word_t w0, word_t w1)
{
    unsigned n = kip_memdesc_count(k);
    struct kip_memdesc *d = kip_memdesc_at(k, kip_memdesc_offset(k, n));
    d->word0 = w0;
    d->word1 = w1;
    k->memory_info = kip_make_memory_info(kip_memory_info_ptr(k->memory_info), n + 1u);
}

static bool kip_memdesc_valid(unsigned type, unsigned subtype, word_t low, word_t high)
{
    return type <= 0xFu && subtype <= 0xFu && low <= high;
}

bool kip_add_memdesc(struct kip *k, unsigned type, unsigned subtype, bool is_virtual,
                     word_t low, word_t high)
{
    if (!kip_memdesc_valid(type, subtype, low, high) || !kip_memdesc_room(k, 1))
        return false;
    kip_memdesc_append(k, kip_make_memdesc_word0(low, is_virtual, subtype, type),
                       kip_make_memdesc_word1(high));
    return true;
}

bool kip_add_e820(struct kip *k, uint64_t base, uint64_t len, uint32_t e820_type)
{
    if (len == 0 || base > KIP_4G_LAST)
        return true;
    uint64_t last = base + (len - 1u);
    if (last > KIP_4G_LAST || last < base)
        last = KIP_4G_LAST;
    if (e820_type == KIP_E820_USABLE)
        return kip_add_memdesc(k, KIP_MEM_CONVENTIONAL, 0, false, (word_t)base, (word_t)last);
    return kip_add_memdesc(k, KIP_MEM_ARCH, e820_type & 0xFu, false, (word_t)base, (word_t)last);
}

bool kip_memdesc(const struct kip *k, unsigned i, struct kip_memdesc_info *d)
{
    unsigned off = kip_memdesc_offset(k, i);
    if (i >= kip_memdesc_count(k) || off == 0)
        return false;
    const struct kip_memdesc *m = kip_memdesc_at_const(k, off);
    d->type = m->word0 & 0xFu;
    d->subtype = (m->word0 >> 4) & 0xFu;
    d->is_virtual = (m->word0 & 0x200u) != 0;
    d->low = m->word0 & 0xFFFFFC00u;
    d->high = (m->word1 & 0xFFFFFC00u) | 0x3FFu;
    return true;
}

/* Validity of the boot parameters, and how many descriptors they add. */
static bool kip_params_valid(const struct kip_boot_params *p, unsigned *ndesc)
{
    bool has_kmem = p->kmem_low != 0 || p->kmem_high != 0;
    if (p->ncpus == 0 || p->ncpus > KIP_MAX_CPUS)
        return false;
    if (p->image_low > p->image_high || (has_kmem && p->kmem_low > p->kmem_high))
        return false;
    *ndesc = has_kmem ? 3u : 2u;
    return true;
}

static void kip_fill_processors(struct kip *k, const struct kip_boot_params *p)
{
    k->processor_info = kip_make_processor_info(p->ncpus, KIP_PROC_DESC_LOG2);
    k->proc_desc_ptr = offsetof(struct kip, proc_desc);
    for (unsigned cpu = 0; cpu < KIP_MAX_CPUS; cpu++) {
        bool present = cpu < p->ncpus;
        k->proc_desc[cpu].external_khz = present ? p->external_khz : 0;
        k->proc_desc[cpu].internal_khz = present ? p->internal_khz : 0;
        k->proc_desc[cpu].reserved[0] = 0;
        k->proc_desc[cpu].reserved[1] = 0;
    }
}

/* Index just after the NUL of the string at strings[at]; past `n` when the
 * string is not terminated inside strings[0..n-1]. */
static unsigned kip_string_end(const char *s, unsigned at, unsigned n)
{
    while (at < n && s[at] != '\0')
        at++;
    return at + 1u;
}

/* Copy `str` with its NUL to strings[at]; the index after it. */
static unsigned kip_put_string(char *s, unsigned at, const char *str)
{
    do
        s[at++] = *str;
    while (*str++ != '\0');
    return at;
}

/* The feature list after the version string: this build's optional
 * features, then the empty string (fits: _Static_assert in kip.h). */
static void kip_fill_features(struct kip *k)
{
    char *s = k->kernel_desc.strings;
    unsigned at = sizeof(KIP_VERSION_STRING);
    if (CONFIG_PAGER_EXREGS)
        at = kip_put_string(s, at, KIP_FEATURE_PAGER_EXREGS);
    if (CONFIG_SMALLSPACES)
        at = kip_put_string(s, at, KIP_FEATURE_SMALLSPACES);
    s[at] = '\0';
}

const char *kip_feature(const struct kip *k, unsigned i)
{
    const char *s = k->kernel_desc.strings;
    unsigned at = kip_string_end(s, 0, KIP_KERNEL_STRINGS_SIZE);
    for (;;) {
        if (at >= KIP_KERNEL_STRINGS_SIZE || s[at] == '\0')
            return NULL;
        unsigned end = kip_string_end(s, at, KIP_KERNEL_STRINGS_SIZE);
        if (end > KIP_KERNEL_STRINGS_SIZE)
            return NULL;
        if (i == 0)
            return &s[at];
        i--;
        at = end;
    }
}

bool kip_complete(struct kip *k, const struct kip_boot_params *p)
{
    unsigned ndesc;
    if (!kip_params_valid(p, &ndesc) || !kip_memdesc_room(k, ndesc))
        return false;
    k->thread_info = KIP_THREAD_INFO_CORE;
    k->clock_info = kip_make_clock_info(p->read_precision_us, p->sched_precision_us);
    kip_fill_processors(k, p);
    kip_fill_features(k);
    kip_memdesc_append(k, kip_make_memdesc_word0(0, true, 0, KIP_MEM_CONVENTIONAL),
                       kip_make_memdesc_word1(KIP_ADDR_LIMIT_USER));
    kip_memdesc_append(k, kip_make_memdesc_word0(p->image_low, false, 0, KIP_MEM_RESERVED),
                       kip_make_memdesc_word1(p->image_high));
    if (ndesc == 3u)
        kip_memdesc_append(k, kip_make_memdesc_word0(p->kmem_low, false, 0, KIP_MEM_RESERVED),
                           kip_make_memdesc_word1(p->kmem_high));
    return true;
}

/* Offset of an initial server's fields in the header, or 0 for a bad id. */
static unsigned kip_server_offset(enum kip_server_id which)
{
    switch (which) {
    case KIP_SIGMA0:
        return offsetof(struct kip, sigma0);
    case KIP_SIGMA1:
        return offsetof(struct kip, sigma1);
    case KIP_ROOT_SERVER:
        return offsetof(struct kip, root_server);
    }
    return 0;
}

bool kip_set_server(struct kip *k, enum kip_server_id which, word_t low, word_t high,
                    word_t ip, word_t sp)
{
    unsigned off = kip_server_offset(which);
    if (off == 0 || (high != 0 && low >= high))
        return false;
    struct kip_server *s = (struct kip_server *)((uint8_t *)k + off);
    s->low = low;
    s->high = high;
    s->ip = ip;
    s->sp = sp;
    return true;
}

const struct kip_server *kip_server(const struct kip *k, enum kip_server_id which)
{
    unsigned off = kip_server_offset(which);
    if (off == 0)
        return NULL;
    return (const struct kip_server *)((const uint8_t *)k + off);
}

void kip_set_boot_info(struct kip *k, word_t boot_info)
{
    k->boot_info = boot_info;
}

bool kip_is_loader_patched(const struct kip *k)
{
    return kip_memdesc_count(k) != 0 || k->sigma0.high != 0;
}

static bool kip_link_valid(word_t off)
{
    return off >= KIP_SYSCALL_CODE_OFFSET && off < KIP_SIZE;
}

bool kip_set_syscall_links(struct kip *k, const struct kip_syscall_links *l)
{
    for (unsigned i = 0; i < KIP_SYSCALL_COUNT; i++)
        if (!kip_link_valid(l->offset[i]))
            return false;
    for (unsigned i = 0; i < KIP_SYSCALL_COUNT; i++)
        k->links.offset[i] = l->offset[i];
    return true;
}

word_t kip_kernel_id(const struct kip *k)
{
    return k->kernel_desc.kernel_id;
}

const char *kip_version_string(const struct kip *k)
{
    return k->kernel_desc.strings;
}
