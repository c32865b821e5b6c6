/* Host tests of the Kernel Interface Page (core/kip.h, src/core/kip.c).
 * Field checks read the raw bytes of the page at the ABI offsets, never the
 * struct members, so they catch a layout that disagrees with the ABI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <core/config.h>
#include <core/kip.h>

/* The image exactly as the kernel defines it. */
static const struct kip kip_image __attribute__((aligned(4096))) = KIP_STATIC_INIT;

/* The page under test, reset to the static image before every test. */
static struct kip kk __attribute__((aligned(4096)));

static int kip_setup(void **state)
{
    (void)state;
    memcpy(&kk, &kip_image, sizeof(kk));
    return 0;
}

/* Little-endian word of the raw page at byte offset `off`. */
static uint32_t raw_word(const struct kip *k, unsigned off)
{
    const uint8_t *b = (const uint8_t *)k;
    assert_true(off + 4u <= KIP_SIZE);
    return (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
           (uint32_t)b[off + 3] << 24;
}

/* Store a little-endian word into the raw page, as a boot loader does. */
static void raw_put(struct kip *k, unsigned off, uint32_t v)
{
    uint8_t *b = (uint8_t *)k;
    for (unsigned i = 0; i < 4; i++)
        b[off + i] = (uint8_t)(v >> (8 * i));
}

static unsigned raw_memdesc_ptr(const struct kip *k) { return raw_word(k, 0x54) >> 16; }
static unsigned raw_memdesc_n(const struct kip *k) { return raw_word(k, 0x54) & 0xFFFFu; }

/* Raw words of memory descriptor i. */
static uint32_t raw_md0(const struct kip *k, unsigned i) { return raw_word(k, raw_memdesc_ptr(k) + 8u * i); }
static uint32_t raw_md1(const struct kip *k, unsigned i) { return raw_word(k, raw_memdesc_ptr(k) + 8u * i + 4u); }

/* Kickstart-style loader write of descriptor i and count n (no capacity check). */
static void loader_put_memdesc(struct kip *k, unsigned i, uint32_t w0, uint32_t w1)
{
    raw_put(k, raw_memdesc_ptr(k) + 8u * i, w0);
    raw_put(k, raw_memdesc_ptr(k) + 8u * i + 4u, w1);
}

static void loader_put_count(struct kip *k, unsigned n)
{
    raw_put(k, 0x54, (raw_word(k, 0x54) & 0xFFFF0000u) | (n & 0xFFFFu));
}

static const struct kip_boot_params default_params = {
    .ncpus = 1,
    .external_khz = 100000,
    .internal_khz = 2400000,
    .read_precision_us = 1,
    .sched_precision_us = 1000,
    .image_low = 0x00100000,
    .image_high = 0x0017FFFF,
    .kmem_low = 0x0E000000,
    .kmem_high = 0x0EFFFFFF,
};

/* ------------------------------------------------------------ static image */

struct field_expect {
    unsigned off;
    const char *name;
    uint32_t value;
};

/* Every header word of the static image at its ABI offset (0x000..0x11C). */
static void test_kip_static_init_every_header_word(void **state)
{
    static const struct field_expect nonzero[] = {
        { 0x000, "Magic", 0x4BE6344Cu },
        { 0x004, "ApiVersion", 0x84050000u },
        { 0x00C, "KernelDescPtr", 0x160u },
        { 0x054, "MemoryInfo", 0x02000000u },
        { 0x0A8, "UtcbAreaInfo", 0x000C2401u },
        { 0x0AC, "KipAreaInfo", 0x0000000Cu },
        { 0x0BC, "ProcDescPtr", 0x120u },
        { 0x0C4, "ThreadInfo", 0x03001010u },
        { 0x0C8, "PageInfo", 0x00401006u },
        { 0x0CC, "ProcessorInfo", 0x40000000u },
    };
    for (unsigned off = 0; off < KIP_HEADER_SIZE; off += 4) {
        uint32_t expect = 0;
        const char *name = "zero field";
        for (unsigned i = 0; i < ARRAY_SIZE(nonzero); i++)
            if (nonzero[i].off == off) {
                expect = nonzero[i].value;
                name = nonzero[i].name;
            }
        if (raw_word(&kip_image, off) != expect)
            fail_msg("header word 0x%03X (%s): 0x%08X, expected 0x%08X", off, name,
                     raw_word(&kip_image, off), expect);
    }
}

static void test_kip_static_init_magic_bytes(void **state)
{
    const uint8_t *b = (const uint8_t *)&kip_image;
    assert_int_equal(b[0], 'L');
    assert_int_equal(b[1], '4');
    assert_int_equal(b[2], 0xE6);
    assert_int_equal(b[3], 'K');
    assert_int_equal(raw_word(&kip_image, 0), KIP_MAGIC);
    assert_int_equal(KIP_MAGIC, 0x4BE6344Cu); /* ABI 10 */
}

/* Kickstart finds the KIP by scanning an image word by word (ABI 7.1). */
static void test_kip_static_init_kickstart_scan(void **state)
{
    enum { IMAGE = 5 * 4096, KIP_AT = 3 * 4096 };
    uint8_t *image = calloc(1, IMAGE);
    assert_non_null(image);
    for (unsigned i = 0; i < KIP_AT; i++)
        image[i] = (uint8_t)(i * 7u + 3u);
    memcpy(image + KIP_AT, &kip_image, sizeof(kip_image));
    long found = -1;
    for (unsigned off = 0; off + 4u <= IMAGE; off += 4) {
        uint32_t w;
        memcpy(&w, image + off, 4);
        if (w == 0x4BE6344Cu) {
            found = off;
            break;
        }
    }
    assert_int_equal(found, KIP_AT);
    const struct kip *k = (const struct kip *)(image + found);
    assert_int_not_equal(raw_word(k, 0x04), 0);          /* 32-bit KIP */
    assert_int_not_equal(raw_memdesc_ptr(k), 0);          /* MemDescPtr set */
    assert_int_equal(raw_memdesc_n(k), 0);
    assert_int_not_equal(raw_word(k, 0xC8) & 0xFFFFFC00u, 0); /* page sizes */
    free(image);
}

static void test_kip_static_init_layout(void **state)
{
    assert_int_equal(sizeof(struct kip), 4096);
    assert_int_equal(raw_word(&kip_image, 0xBC), KIP_HEADER_SIZE); /* right after the header */
    assert_int_equal(raw_word(&kip_image, 0x0C), 0x120u + 16u * KIP_MAX_CPUS);
    assert_int_equal(raw_memdesc_ptr(&kip_image), KIP_MEMDESC_OFFSET);
    assert_int_equal(KIP_MEMDESC_OFFSET + 8u * KIP_MEMDESC_MAX, 0x800);
    assert_int_equal(KIP_SYSCALL_CODE_OFFSET, 0x800);
    /* regions do not overlap: proc descs < kernel desc < memdescs */
    assert_true(0x120u + (KIP_MAX_CPUS << 4) <= raw_word(&kip_image, 0x0C));
    assert_true(raw_word(&kip_image, 0x0C) + KIP_KERNEL_DESC_SIZE <= raw_memdesc_ptr(&kip_image));
    for (unsigned off = 0x120; off < 0x160; off += 4)
        assert_int_equal(raw_word(&kip_image, off), 0);
    for (unsigned off = 0x200; off < KIP_SIZE; off += 4)
        assert_int_equal(raw_word(&kip_image, off), 0);
}

static void test_kip_static_init_kernel_descriptor(void **state)
{
    unsigned kd = raw_word(&kip_image, 0x0C);
    const uint8_t *b = (const uint8_t *)&kip_image;
    assert_int_not_equal(kd, 0);
    assert_int_equal(raw_word(&kip_image, kd + 0), 0x2A010000u);   /* KernelId */
    uint32_t date = raw_word(&kip_image, kd + 4);
    assert_int_equal(date & 0x1Fu, KIP_GEN_DAY);
    assert_int_equal((date >> 5) & 0xFu, KIP_GEN_MONTH);
    assert_int_equal(((date >> 9) & 0x7Fu) + 2000u, KIP_GEN_YEAR);
    assert_int_equal(date >> 16, 0);
    assert_int_equal(raw_word(&kip_image, kd + 8), 0x00010000u);   /* KernelVer 0.1.0 */
    assert_memory_equal(b + kd + 12, "L4X2", 4);                   /* Supplier */
    assert_string_equal((const char *)b + kd + 16, KIP_VERSION_STRING);
    assert_int_equal(kip_kernel_id(&kip_image), 0x2A010000u);
    assert_ptr_equal(kip_version_string(&kip_image), (const char *)b + kd + 16);
}

/* libl4 finds feature i by skipping the version string and i more strings;
 * an empty string ends the list (ABI 3.4). The static image has an empty
 * list; kip_complete() writes the build's features. */
static const char *libl4_feature(const struct kip *k, unsigned i)
{
    const char *s = (const char *)k + raw_word(k, 0x0C) + 16;
    for (unsigned skip = 0; skip <= i; skip++) {
        while (*s)
            s++;
        s++;
        if (*s == '\0')
            return NULL;
    }
    return s;
}

static void test_kip_static_init_feature_list(void **state)
{
    const char *v = (const char *)&kip_image + raw_word(&kip_image, 0x0C) + 16;
    size_t len = strlen(v);
    assert_true(len > 0);
    assert_int_equal(v[len], '\0');
    assert_int_equal(v[len + 1], '\0');                 /* two NULs: empty list */
    assert_null(libl4_feature(&kip_image, 0));
    /* the scanner itself sees a feature once one exists */
    memset(kk.kernel_desc.strings + len + 1, 0, 20);
    memcpy(kk.kernel_desc.strings + len + 1, "tracebuffer", 12);
    assert_string_equal(libl4_feature(&kk, 0), "tracebuffer");
    assert_null(libl4_feature(&kk, 1));
}

/* Every header member written through the struct lands at its ABI offset. */
static void test_kip_struct_members_at_abi_offsets(void **state)
{
    struct kip *k = &kk;
    memset(k, 0, sizeof(*k));
    uint32_t *w;
    k->magic = 0x1000;               k->api_version = 0x1004;   k->api_flags = 0x1008;
    k->kernel_desc_ptr = 0x100C;     k->kdebug_init = 0x1010;   k->kdebug_entry = 0x1014;
    k->kdebug_low = 0x1018;          k->kdebug_high = 0x101C;
    k->sigma0.sp = 0x1020;           k->sigma0.ip = 0x1024;     k->sigma0.low = 0x1028;
    k->sigma0.high = 0x102C;         k->sigma1.sp = 0x1030;     k->sigma1.ip = 0x1034;
    k->sigma1.low = 0x1038;          k->sigma1.high = 0x103C;   k->root_server.sp = 0x1040;
    k->root_server.ip = 0x1044;      k->root_server.low = 0x1048; k->root_server.high = 0x104C;
    k->reserved_050 = 0x1050;        k->memory_info = 0x1054;   k->kdebug_config0 = 0x1058;
    k->kdebug_config1 = 0x105C;      k->main_mem_low = 0x1060;  k->main_mem_high = 0x1064;
    w = k->reserved_mem;
    for (unsigned i = 0; i < 4; i++) w[i] = 0x1068 + 4 * i;
    w = k->dedicated_mem;
    for (unsigned i = 0; i < 10; i++) w[i] = 0x1078 + 4 * i;
    k->reserved_0a0[0] = 0x10A0;     k->reserved_0a0[1] = 0x10A4;
    k->utcb_area_info = 0x10A8;      k->kip_area_info = 0x10AC;
    k->reserved_0b0[0] = 0x10B0;     k->reserved_0b0[1] = 0x10B4;
    k->boot_info = 0x10B8;           k->proc_desc_ptr = 0x10BC; k->clock_info = 0x10C0;
    k->thread_info = 0x10C4;         k->page_info = 0x10C8;     k->processor_info = 0x10CC;
    k->links.space_control = 0x10D0; k->links.thread_control = 0x10D4;
    k->links.processor_control = 0x10D8; k->links.memory_control = 0x10DC;
    k->links.ipc = 0x10E0;           k->links.lipc = 0x10E4;    k->links.unmap = 0x10E8;
    k->links.exchange_registers = 0x10EC; k->links.system_clock = 0x10F0;
    k->links.thread_switch = 0x10F4; k->links.schedule = 0x10F8;
    for (unsigned i = 0; i < 5; i++) k->reserved_0fc[i] = 0x10FC + 4 * i;
    for (unsigned i = 0; i < 4; i++) k->arch_syscall[i] = 0x1110 + 4 * i;
    for (unsigned off = 0; off < KIP_HEADER_SIZE; off += 4)
        if (raw_word(k, off) != 0x1000u + off)
            fail_msg("member for ABI offset 0x%03X holds 0x%08X", off, raw_word(k, off));
    /* body: processor descriptor 0 and the entry-code area */
    k->proc_desc[0].external_khz = 0xAAAA;
    k->proc_desc[0].internal_khz = 0xBBBB;
    k->syscall_code[0] = 0xCC;
    assert_int_equal(raw_word(k, 0x120), 0xAAAA);
    assert_int_equal(raw_word(k, 0x124), 0xBBBB);
    assert_int_equal(raw_word(k, 0x800), 0xCC);
}

/* ------------------------------------------------------- bit-field helpers */

static void test_kip_make_words_abi_vectors(void **state)
{
    assert_int_equal(kip_make_api_version(0x84, 5), 0x84050000u);
    assert_int_equal(kip_make_api_flags(0, 0), 0);
    assert_int_equal(kip_make_api_flags(1, 2), 0x9u);
    assert_int_equal(kip_make_kernel_id(4, 2), 0x04020000u);          /* Pistachio */
    assert_int_equal(kip_make_utcb_area_info(12, 9, 1), 0x000C2401u); /* ABI 10 */
    assert_int_equal(kip_make_kip_area_info(12), 0x0000000Cu);
    assert_int_equal(kip_make_clock_info(1, 1000), 0x03E80001u);
    assert_int_equal(kip_make_thread_info(17, 16, 48), 0x03001011u);  /* ABI 3.3 */
    assert_int_equal(kip_make_page_info((1u << 12) | (1u << 22), 6), 0x00401006u); /* ABI 10 */
    assert_int_equal(kip_make_page_info(1u << 12, 6), 0x00001006u);   /* no PSE */
    assert_int_equal(kip_make_processor_info(1, 4), 0x40000000u);
    assert_int_equal(kip_make_processor_info(4, 4), 0x40000003u);
    assert_int_equal(kip_make_memory_info(0x200, 7), 0x02000007u);
    assert_int_equal(kip_memory_info_ptr(0x02000007u), 0x200);
    assert_int_equal(kip_memory_info_n(0x02000007u), 7);
    assert_int_equal(kip_make_gen_date(2026, 11, 24), (24u | 11u << 5 | 26u << 9));
    assert_int_equal(kip_make_gen_date(2000, 1, 1), 0x21u);
    assert_int_equal(kip_make_kernel_ver(1, 2, 3), 0x01020003u);
}

static void test_kip_make_words_mask_fields(void **state)
{
    assert_int_equal(kip_make_api_version(0x184, 0x105), 0x84050000u);
    assert_int_equal(kip_make_utcb_area_info(0x4C, 0x49, 0x401), 0x000C2401u);
    assert_int_equal(kip_make_kip_area_info(0x4C), 0x0000000Cu);
    assert_int_equal(kip_make_clock_info(0x10001, 0x10002), 0x00020001u);
    assert_int_equal(kip_make_thread_info(0x111, 0x1010, 0x1030), 0x03001011u);
    assert_int_equal(kip_make_page_info(0x004013FFu, 0xE), 0x00401006u);
    assert_int_equal(kip_make_memory_info(0x10200, 0x10007), 0x02000007u);
    assert_int_equal(kip_make_kernel_ver(0x101, 0x102, 0x10003), 0x01020003u);
}

static void test_kip_make_memdesc_abi_vector(void **state)
{
    /* ABI 10: conventional, subtype 2, virtual, 256 KB .. 512 KB + 1023 */
    assert_int_equal(kip_make_memdesc_word0(0x40000, true, 2, KIP_MEM_CONVENTIONAL), 0x00040221u);
    assert_int_equal(kip_make_memdesc_word1(0x80000 + 0x3FF), 0x00080000u);
    assert_int_equal(kip_make_memdesc_word0(0x403FF, false, 0, KIP_MEM_RESERVED), 0x00040002u);
    assert_true(kip_add_memdesc(&kk, KIP_MEM_CONVENTIONAL, 2, true, 0x40000, 0x803FF));
    assert_int_equal(raw_memdesc_n(&kk), 1);
    assert_int_equal(raw_word(&kk, 0x200), 0x00040221u);
    assert_int_equal(raw_word(&kk, 0x204), 0x00080000u);
    struct kip_memdesc_info d;
    assert_true(kip_memdesc(&kk, 0, &d));
    assert_int_equal(d.type, KIP_MEM_CONVENTIONAL);
    assert_int_equal(d.subtype, 2);
    assert_true(d.is_virtual);
    assert_int_equal(d.low, 0x40000);
    assert_int_equal(d.high, 0x803FF);
}

/* ------------------------------------------------------ memory descriptors */

static void test_kip_add_memdesc_capacity_at_2k_boundary(void **state)
{
    memset(kk.syscall_code, 0xCC, sizeof(kk.syscall_code));
    unsigned cap = (0x800u - raw_memdesc_ptr(&kk)) / 8u;
    assert_int_equal(cap, KIP_MEMDESC_MAX);
    for (unsigned i = 0; i < cap; i++)
        assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, i << 12, (i << 12) | 0xFFF));
    assert_int_equal(raw_memdesc_n(&kk), cap);
    /* the last one occupies the 8 bytes just below 0x800 */
    assert_int_equal(raw_word(&kk, 0x7F8), ((cap - 1u) << 12) | KIP_MEM_SHARED);
    assert_int_equal(raw_word(&kk, 0x7FC), ((cap - 1u) << 12) | 0xC00u);
    assert_false(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    assert_int_equal(raw_memdesc_n(&kk), cap);
    for (unsigned off = 0x800; off < KIP_SIZE; off += 4)
        assert_int_equal(raw_word(&kk, off), 0xCCCCCCCCu);
}

static void test_kip_add_memdesc_rejects_invalid(void **state)
{
    struct kip before;
    memcpy(&before, &kk, sizeof(before));
    assert_false(kip_add_memdesc(&kk, 0x10, 0, false, 0, 0xFFF));
    assert_false(kip_add_memdesc(&kk, KIP_MEM_ARCH, 0x10, false, 0, 0xFFF));
    assert_false(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0x2000, 0x1FFF));
    assert_memory_equal(&before, &kk, sizeof(kk));
    /* low == high is one 1 KB block */
    assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0x2000, 0x2000));
    struct kip_memdesc_info d;
    assert_true(kip_memdesc(&kk, 0, &d));
    assert_int_equal(d.low, 0x2000);
    assert_int_equal(d.high, 0x23FF);
}

static void test_kip_add_memdesc_bad_memdescptr(void **state)
{
    static const unsigned bad[] = { 0x0, 0x11C, 0x201, 0x202, 0x800, 0xFFF8, 0x7FC };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        raw_put(&kk, 0x54, bad[i] << 16);
        bool ok = kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF);
        if (ok)
            fail_msg("MemDescPtr 0x%X accepted", bad[i]);
        assert_int_equal(raw_word(&kk, 0x54), bad[i] << 16);
    }
    /* the first word after the header is a body offset too */
    raw_put(&kk, 0x54, KIP_HEADER_SIZE << 16);
    assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    assert_int_equal(raw_word(&kk, KIP_HEADER_SIZE), 0x00000004u);
    /* a pointer leaving room for exactly one descriptor */
    raw_put(&kk, 0x54, 0x7F8u << 16);
    assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    assert_false(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    assert_int_equal(raw_word(&kk, 0x54), (0x7F8u << 16) | 1u);
}

static void test_kip_memdesc_out_of_range(void **state)
{
    struct kip_memdesc_info d = { 0 };
    assert_false(kip_memdesc(&kk, 0, &d));
    assert_int_equal(kip_memdesc_count(&kk), 0);
    loader_put_memdesc(&kk, 9, 0x00001004u, 0x00001C00u);
    loader_put_count(&kk, 300);               /* a loader overran the page */
    assert_int_equal(kip_memdesc_count(&kk), 300);
    assert_true(kip_memdesc(&kk, 9, &d));
    assert_int_equal(d.type, KIP_MEM_SHARED);
    assert_int_equal(d.low, 0x1000);
    assert_int_equal(d.high, 0x1FFF);
    assert_false(d.is_virtual);
    assert_true(kip_memdesc(&kk, KIP_MEMDESC_MAX - 1u, &d));
    assert_false(kip_memdesc(&kk, KIP_MEMDESC_MAX, &d));
    assert_false(kip_memdesc(&kk, 299, &d));
    assert_false(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    assert_int_equal(kip_memdesc_count(&kk), 300);
}

static void test_kip_add_e820_entries(void **state)
{
    struct kip_memdesc_info d;
    assert_true(kip_add_e820(&kk, 0x0, 0x9FC00, 1));
    assert_true(kip_add_e820(&kk, 0x9FC00, 0x400, 2));
    assert_true(kip_add_e820(&kk, 0xFEC00000ull, 0x1000, 4));
    assert_int_equal(kip_memdesc_count(&kk), 3);
    assert_true(kip_memdesc(&kk, 0, &d));
    assert_int_equal(d.type, KIP_MEM_CONVENTIONAL);
    assert_int_equal(d.subtype, 0);
    assert_int_equal(d.low, 0);
    assert_int_equal(d.high, 0x9FBFF);
    assert_int_equal(raw_md0(&kk, 1), 0x0009FC2Fu);   /* arch-specific, E820 type 2 */
    assert_int_equal(raw_md1(&kk, 1), 0x0009FC00u);
    assert_true(kip_memdesc(&kk, 2, &d));
    assert_int_equal(d.type | d.subtype << 4, 0x4F);
    /* skipped: empty, wholly above 4 GB */
    assert_true(kip_add_e820(&kk, 0x1000, 0, 1));
    assert_true(kip_add_e820(&kk, 0x100000000ull, 0x40000000ull, 1));
    assert_int_equal(kip_memdesc_count(&kk), 3);
    /* clipped: straddling 4 GB, and a length that wraps 64 bits */
    assert_true(kip_add_e820(&kk, 0xC0000000ull, 0x80000000ull, 1));
    assert_true(kip_add_e820(&kk, 0xFFFFF000ull, UINT64_MAX, 2));
    assert_true(kip_memdesc(&kk, 3, &d));
    assert_int_equal(d.low, 0xC0000000u);
    assert_int_equal(d.high, 0xFFFFFFFFu);
    assert_true(kip_memdesc(&kk, 4, &d));
    assert_int_equal(d.low, 0xFFFFF000u);
    assert_int_equal(d.high, 0xFFFFFFFFu);
    assert_int_equal(d.type, KIP_MEM_ARCH);
    assert_int_equal(d.subtype, 2);
    /* one byte, and one byte past 1 KB: the descriptor ends at the last byte */
    assert_true(kip_add_e820(&kk, 0x1000, 1, 1));
    assert_true(kip_memdesc(&kk, 5, &d));
    assert_int_equal(d.low, 0x1000u);
    assert_int_equal(d.high, 0x13FFu);
    assert_true(kip_add_e820(&kk, 0x2000, 0x401, 1));
    assert_true(kip_memdesc(&kk, 6, &d));
    assert_int_equal(d.high, 0x27FFu);
    /* the last byte below 4 GB exactly */
    assert_true(kip_add_e820(&kk, 0xFFFFFC00ull, 0x400, 1));
    assert_true(kip_memdesc(&kk, 7, &d));
    assert_int_equal(d.low, 0xFFFFFC00u);
    assert_int_equal(d.high, 0xFFFFFFFFu);
}

static void test_kip_add_e820_full(void **state)
{
    for (unsigned i = 0; i < KIP_MEMDESC_MAX; i++)
        assert_true(kip_add_e820(&kk, (uint64_t)i << 12, 0x1000, 1));
    assert_false(kip_add_e820(&kk, 0x100000, 0x1000, 1));
    assert_false(kip_add_e820(&kk, 0x100000, 0x1000, 2));
    assert_int_equal(kip_memdesc_count(&kk), KIP_MEMDESC_MAX);
    /* nothing to add still succeeds when full */
    assert_true(kip_add_e820(&kk, 0x100000, 0, 1));
}

/* -------------------------------------------------------------- kip_complete */

static void test_kip_complete_fresh(void **state)
{
    assert_true(kip_complete(&kk, &default_params));
    assert_int_equal(raw_word(&kk, 0xC4), KIP_THREAD_INFO(TID_NUMBER_BITS, TID_SYSTEM_BASE, TID_USER_BASE));
    assert_int_equal(raw_word(&kk, 0xC4) & 0xFFu, TID_NUMBER_BITS);
    assert_int_equal((raw_word(&kk, 0xC4) >> 8) & 0xFFFu, TID_SYSTEM_BASE);
    assert_int_equal(raw_word(&kk, 0xC4) >> 20, TID_USER_BASE);
    assert_int_equal(raw_word(&kk, 0xC0), 0x03E80001u);          /* ClockInfo */
    assert_int_equal(raw_word(&kk, 0xCC), 0x40000000u);          /* ProcessorInfo */
    unsigned pd = raw_word(&kk, 0xBC);
    assert_int_equal(pd, 0x120);
    assert_int_equal(raw_word(&kk, pd + 0), 100000);              /* ExternalFreq kHz */
    assert_int_equal(raw_word(&kk, pd + 4), 2400000);             /* InternalFreq kHz */
    assert_int_equal(raw_word(&kk, pd + 8), 0);
    assert_int_equal(raw_word(&kk, pd + 12), 0);
    assert_int_equal(raw_word(&kk, pd + 16), 0);                  /* cpu 1 absent */
    assert_int_equal(raw_memdesc_n(&kk), 3);
    assert_int_equal(raw_md0(&kk, 0), 0x00000201u);               /* conventional, virtual, 0 */
    assert_int_equal(raw_md1(&kk, 0), 0xBFFFFC00u);               /* .. 0xBFFFFFFF */
    assert_int_equal(raw_md0(&kk, 1), 0x00100002u);               /* reserved image */
    assert_int_equal(raw_md1(&kk, 1), 0x0017FC00u);
    assert_int_equal(raw_md0(&kk, 2), 0x0E000002u);               /* reserved kernel memory */
    assert_int_equal(raw_md1(&kk, 2), 0x0EFFFC00u);
    /* static fields untouched */
    assert_int_equal(raw_word(&kk, 0x00), KIP_MAGIC);
    assert_int_equal(raw_word(&kk, 0xC8), 0x00401006u);
    assert_int_equal(raw_memdesc_ptr(&kk), 0x200);
}

static void test_kip_complete_keeps_loader_descriptors(void **state)
{
    /* what kickstart writes (ABI 3.6 items 1..5), through raw stores */
    static const uint32_t loader[][2] = {
        { 0x00000004u, 0xFFFFFC00u },   /* shared 0..4G */
        { 0x00000001u, 0x0009FC00u },   /* E820 usable */
        { 0x0009FC2Fu, 0x0009FC00u },   /* E820 reserved */
        { 0x07000002u, 0x07FFFC00u },   /* kmem reserved */
        { 0x000A0004u, 0x000BFC00u },   /* VGA */
        { 0x0020002Eu, 0x0020FC00u },   /* sigma0 image */
        { 0x0040001Eu, 0x00400000u },   /* boot info */
    };
    for (unsigned i = 0; i < ARRAY_SIZE(loader); i++)
        loader_put_memdesc(&kk, i, loader[i][0], loader[i][1]);
    loader_put_count(&kk, ARRAY_SIZE(loader));
    raw_put(&kk, 0x28, 0x00200000u);
    raw_put(&kk, 0x2C, 0x00210000u);
    raw_put(&kk, 0x24, 0x00200100u);
    raw_put(&kk, 0xB8, 0x00400000u);
    assert_true(kip_is_loader_patched(&kk));
    struct kip_boot_params p = default_params;
    p.kmem_low = p.kmem_high = 0;     /* the loader's reserved kmem is used */
    assert_true(kip_complete(&kk, &p));
    assert_int_equal(raw_memdesc_n(&kk), ARRAY_SIZE(loader) + 2u);
    for (unsigned i = 0; i < ARRAY_SIZE(loader); i++) {
        assert_int_equal(raw_md0(&kk, i), loader[i][0]);
        assert_int_equal(raw_md1(&kk, i), loader[i][1]);
    }
    assert_int_equal(raw_md0(&kk, 7), 0x00000201u);
    assert_int_equal(raw_md0(&kk, 8), 0x00100002u);
    assert_int_equal(raw_word(&kk, 0x28), 0x00200000u);
    assert_int_equal(raw_word(&kk, 0x2C), 0x00210000u);
    assert_int_equal(raw_word(&kk, 0x24), 0x00200100u);
    assert_int_equal(raw_word(&kk, 0xB8), 0x00400000u);
    assert_int_equal(raw_word(&kk, 0x20), 0);
}

static void test_kip_complete_multiprocessor(void **state)
{
    struct kip_boot_params p = default_params;
    p.ncpus = KIP_MAX_CPUS;
    assert_true(kip_complete(&kk, &p));
    assert_int_equal(raw_word(&kk, 0xCC), 0x40000000u + KIP_MAX_CPUS - 1u);
    unsigned step = 1u << (raw_word(&kk, 0xCC) >> 28);
    assert_int_equal(step, 16);
    for (unsigned cpu = 0; cpu < KIP_MAX_CPUS; cpu++) {
        assert_int_equal(raw_word(&kk, 0x120 + cpu * step), 100000);
        assert_int_equal(raw_word(&kk, 0x124 + cpu * step), 2400000);
    }
}

static void test_kip_complete_rejects_invalid_params(void **state)
{
    struct kip before;
    memcpy(&before, &kk, sizeof(before));
    struct kip_boot_params p = default_params;
    p.ncpus = 0;
    assert_false(kip_complete(&kk, &p));
    p.ncpus = KIP_MAX_CPUS + 1u;
    assert_false(kip_complete(&kk, &p));
    p = default_params;
    p.image_low = p.image_high + 1u;
    assert_false(kip_complete(&kk, &p));
    p = default_params;
    p.kmem_low = p.kmem_high + 1u;
    assert_false(kip_complete(&kk, &p));
    p.kmem_high = 0;                 /* kmem_low != 0 alone is still a range */
    assert_false(kip_complete(&kk, &p));
    assert_memory_equal(&before, &kk, sizeof(kk));
    p = default_params;
    p.image_low = p.image_high;      /* one-byte ranges are ranges */
    p.kmem_low = p.kmem_high;
    assert_true(kip_complete(&kk, &p));
    memcpy(&kk, &before, sizeof(kk));
    p = default_params;
    p.kmem_low = 0;                  /* a kernel-memory range starting at 0 is fine */
    assert_true(kip_complete(&kk, &p));
    assert_int_equal(raw_memdesc_n(&kk), 3);
}

static void test_kip_complete_needs_room_for_two(void **state)
{
    for (unsigned i = 0; i < KIP_MEMDESC_MAX - 1u; i++)
        assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    struct kip_boot_params p = default_params;
    p.kmem_low = p.kmem_high = 0;                               /* needs 2, 1 free */
    assert_false(kip_complete(&kk, &p));
    assert_int_equal(raw_memdesc_n(&kk), KIP_MEMDESC_MAX - 1u);
}

static void test_kip_complete_needs_room_for_all(void **state)
{
    for (unsigned i = 0; i < KIP_MEMDESC_MAX - 2u; i++)
        assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFF));
    struct kip before;
    memcpy(&before, &kk, sizeof(before));
    assert_false(kip_complete(&kk, &default_params));          /* needs 3, 2 free */
    assert_memory_equal(&before, &kk, sizeof(kk));
    struct kip_boot_params p = default_params;
    p.kmem_low = p.kmem_high = 0;                               /* needs 2 */
    assert_true(kip_complete(&kk, &p));
    assert_int_equal(raw_memdesc_n(&kk), KIP_MEMDESC_MAX);
    assert_int_equal(raw_word(&kk, 0x7F8), 0x00100002u);
}

/* Direct Multiboot path: the kernel writes what a loader would, then completes. */
static void test_kip_complete_multiboot_path_order(void **state)
{
    assert_false(kip_is_loader_patched(&kk));
    assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0, 0xFFFFFFFFu));
    assert_true(kip_add_e820(&kk, 0, 0x9FC00, 1));
    assert_true(kip_add_e820(&kk, 0x100000, 0x07F00000, 1));
    assert_true(kip_add_memdesc(&kk, KIP_MEM_SHARED, 0, false, 0xA0000, 0xBFFFF));
    assert_true(kip_add_memdesc(&kk, KIP_MEM_BOOTLOADER, KIP_BOOT_SERVER, false, 0x200000, 0x20FFFF));
    assert_true(kip_add_memdesc(&kk, KIP_MEM_BOOTLOADER, KIP_BOOT_MODULE, false, 0x300000, 0x300FFF));
    assert_true(kip_set_server(&kk, KIP_SIGMA0, 0x200000, 0x210000, 0x200100, 0));
    assert_true(kip_set_server(&kk, KIP_ROOT_SERVER, 0x400000, 0x420000, 0x400200, 0));
    kip_set_boot_info(&kk, 0x9500);
    assert_true(kip_is_loader_patched(&kk));
    assert_true(kip_complete(&kk, &default_params));
    static const unsigned types[] = { 0x04, 0x01, 0x01, 0x04, 0x2E, 0x3E, 0x01, 0x02, 0x02 };
    assert_int_equal(kip_memdesc_count(&kk), ARRAY_SIZE(types));
    for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
        struct kip_memdesc_info d;
        assert_true(kip_memdesc(&kk, i, &d));
        assert_int_equal(d.type | d.subtype << 4, types[i]);
        assert_int_equal(d.is_virtual, i == 6);
    }
    assert_int_equal(raw_md1(&kk, 0), 0xFFFFFC00u);
    assert_int_equal(raw_word(&kk, 0x2C), 0x210000u);
    assert_int_equal(raw_word(&kk, 0x4C), 0x420000u);
    assert_int_equal(raw_word(&kk, 0xB8), 0x9500u);
}

/* ------------------------------------------------- servers and boot info */

static void test_kip_set_server_fields(void **state)
{
    static const struct { enum kip_server_id id; unsigned off; } srv[] = {
        { KIP_SIGMA0, 0x20 }, { KIP_SIGMA1, 0x30 }, { KIP_ROOT_SERVER, 0x40 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(srv); i++) {
        word_t base = 0x01000000u * (i + 1u);
        assert_true(kip_set_server(&kk, srv[i].id, base, base + 0x8000, base + 0x100, base + 0x7000));
        assert_int_equal(raw_word(&kk, srv[i].off + 0x0), base + 0x7000);   /* sp */
        assert_int_equal(raw_word(&kk, srv[i].off + 0x4), base + 0x100);    /* ip */
        assert_int_equal(raw_word(&kk, srv[i].off + 0x8), base);            /* low */
        assert_int_equal(raw_word(&kk, srv[i].off + 0xC), base + 0x8000);   /* high */
        const struct kip_server *s = kip_server(&kk, srv[i].id);
        assert_ptr_equal(s, (const uint8_t *)&kk + srv[i].off);
        assert_int_equal(s->high, base + 0x8000);
    }
}

static void test_kip_set_server_rejects_invalid(void **state)
{
    struct kip before;
    memcpy(&before, &kk, sizeof(before));
    assert_false(kip_set_server(&kk, KIP_SIGMA0, 0x3000, 0x3000, 0, 0));
    assert_false(kip_set_server(&kk, KIP_SIGMA1, 0x4000, 0x3000, 0, 0));
    assert_false(kip_set_server(&kk, (enum kip_server_id)3, 0x1000, 0x2000, 0, 0));
    assert_memory_equal(&before, &kk, sizeof(kk));
    assert_null(kip_server(&kk, (enum kip_server_id)3));
    /* high = 0 means "absent" and is always accepted */
    assert_true(kip_set_server(&kk, KIP_SIGMA1, 0x5000, 0, 0, 0));
    assert_int_equal(raw_word(&kk, 0x38), 0x5000);
    assert_int_equal(raw_word(&kk, 0x3C), 0);
}

static void test_kip_set_boot_info_raw(void **state)
{
    kip_set_boot_info(&kk, 0x12345678u);
    assert_int_equal(raw_word(&kk, 0xB8), 0x12345678u);
    kip_set_boot_info(&kk, 0);
    assert_int_equal(raw_word(&kk, 0xB8), 0);
}

static void test_kip_is_loader_patched_cases(void **state)
{
    assert_false(kip_is_loader_patched(&kip_image));
    assert_false(kip_is_loader_patched(&kk));
    loader_put_count(&kk, 1);
    assert_true(kip_is_loader_patched(&kk));
    loader_put_count(&kk, 0);
    raw_put(&kk, 0x2C, 0x00300000u);              /* sigma0.high only */
    assert_true(kip_is_loader_patched(&kk));
    raw_put(&kk, 0x2C, 0);
    raw_put(&kk, 0x28, 0x00300000u);              /* sigma0.low alone: not patched */
    raw_put(&kk, 0x4C, 0x00500000u);              /* root server alone: not patched */
    assert_false(kip_is_loader_patched(&kk));
}

/* ------------------------------------------------------- syscall links */

static struct kip_syscall_links sample_links(void)
{
    struct kip_syscall_links l;
    for (unsigned i = 0; i < KIP_SYSCALL_COUNT; i++)
        l.offset[i] = 0x800u + 0x40u * i;
    return l;
}

static void test_kip_set_syscall_links_raw_offsets(void **state)
{
    struct kip_syscall_links l = sample_links();
    l.schedule = 0xFFF;                           /* last byte of the page */
    assert_true(kip_set_syscall_links(&kk, &l));
    static const unsigned abi_off[KIP_SYSCALL_COUNT] = {
        0xD0, 0xD4, 0xD8, 0xDC, 0xE0, 0xE4, 0xE8, 0xEC, 0xF0, 0xF4, 0xF8,
    };
    for (unsigned i = 0; i < KIP_SYSCALL_COUNT - 1u; i++)
        assert_int_equal(raw_word(&kk, abi_off[i]), 0x800u + 0x40u * i);
    assert_int_equal(raw_word(&kk, 0xF8), 0xFFF);
    /* named members map to the ABI order */
    assert_int_equal(raw_word(&kk, 0xD0), l.space_control);
    assert_int_equal(raw_word(&kk, 0xD8), l.processor_control);
    assert_int_equal(raw_word(&kk, 0xDC), l.memory_control);
    assert_int_equal(raw_word(&kk, 0xE0), l.ipc);
    assert_int_equal(raw_word(&kk, 0xE4), l.lipc);
    assert_int_equal(raw_word(&kk, 0xEC), l.exchange_registers);
    assert_int_equal(raw_word(&kk, 0xF0), l.system_clock);
    assert_int_equal(raw_word(&kk, 0xF4), l.thread_switch);
    for (unsigned off = 0xFC; off < 0x120; off += 4)
        assert_int_equal(raw_word(&kk, off), 0);
}

static void test_kip_set_syscall_links_rejects_outside(void **state)
{
    static const word_t bad[] = { 0, 0x120, 0x7FF, 0x1000, 0xFFFFFFFFu };
    assert_true(kip_set_syscall_links(&kk, &(struct kip_syscall_links){ .offset = {
        0x800, 0x800, 0x800, 0x800, 0x800, 0x800, 0x800, 0x800, 0x800, 0x800, 0x800 } }));
    struct kip before;
    memcpy(&before, &kk, sizeof(before));
    for (unsigned pos = 0; pos < KIP_SYSCALL_COUNT; pos++)
        for (unsigned b = 0; b < ARRAY_SIZE(bad); b++) {
            struct kip_syscall_links l = sample_links();
            l.offset[pos] = bad[b];
            if (kip_set_syscall_links(&kk, &l))
                fail_msg("link %u = 0x%X accepted", pos, bad[b]);
        }
    assert_memory_equal(&before, &kk, sizeof(kk));
}

/* ---------------------------------------------------- randomised model test */

struct model_desc {
    uint32_t w0, w1;
};

static uint32_t rng_state;
static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Random appends (valid and invalid, memdesc and E820) against a plain array. */
static void test_kip_add_memdesc_random_model(void **state)
{
    const uint32_t seed = 0x4B1F00Du;
    rng_state = seed;
    for (unsigned round = 0; round < 20; round++) {
        kip_setup(NULL);
        unsigned preset = rng_next() % 20u;
        struct model_desc model[KIP_MEMDESC_MAX];
        unsigned n = 0;
        for (unsigned i = 0; i < preset; i++) {           /* loader-written prefix */
            model[n].w0 = rng_next() & 0xFFFFFEFFu;
            model[n].w1 = rng_next() & 0xFFFFFC00u;
            loader_put_memdesc(&kk, n, model[n].w0, model[n].w1);
            n++;
        }
        loader_put_count(&kk, n);
        for (unsigned step = 0; step < 500; step++) {
            unsigned type = rng_next() % 18u, sub = rng_next() % 17u;
            bool virt = rng_next() & 1u;
            uint32_t a = rng_next(), b = rng_next();
            uint32_t low = (rng_next() & 3u) ? (a < b ? a : b) : (a > b ? a : b);
            uint32_t high = a ^ b ^ low;
            bool expect = type <= 15u && sub <= 15u && low <= high && n < KIP_MEMDESC_MAX;
            bool got;
            if (rng_next() % 4u == 0) {
                uint64_t base = (uint64_t)(rng_next() % 6u) << 31 | (rng_next() & 0xFFFFF000u);
                uint64_t len = (uint64_t)rng_next() << (rng_next() % 16u);
                uint32_t et = 1u + rng_next() % 5u;
                bool none = len == 0 || base > 0xFFFFFFFFull;
                uint64_t last = base + len - 1u;
                if (last > 0xFFFFFFFFull)
                    last = 0xFFFFFFFFull;
                expect = none || n < KIP_MEMDESC_MAX;
                got = kip_add_e820(&kk, base, len, et);
                if (!none && expect) {
                    model[n].w0 = ((uint32_t)base & 0xFFFFFC00u) |
                                  (et == 1u ? 0x1u : (0xFu | (et << 4)));
                    model[n].w1 = (uint32_t)last & 0xFFFFFC00u;
                    n++;
                }
            } else {
                got = kip_add_memdesc(&kk, type, sub, virt, low, high);
                if (expect) {
                    model[n].w0 = (low & 0xFFFFFC00u) | (virt ? 0x200u : 0) | sub << 4 | type;
                    model[n].w1 = high & 0xFFFFFC00u;
                    n++;
                }
            }
            if (got != expect || kip_memdesc_count(&kk) != n)
                fail_msg("seed 0x%08X round %u step %u: got %d expect %d, n %u model %u", seed,
                         round, step, got, expect, kip_memdesc_count(&kk), n);
            for (unsigned i = 0; i < n; i++)
                if (raw_md0(&kk, i) != model[i].w0 || raw_md1(&kk, i) != model[i].w1)
                    fail_msg("seed 0x%08X round %u step %u: descriptor %u differs", seed, round,
                             step, i);
            for (unsigned off = 0x800; off < KIP_SIZE; off += 4)
                if (raw_word(&kk, off) != 0)
                    fail_msg("seed 0x%08X: write beyond 2 KB at 0x%X", seed, off);
        }
        assert_int_equal(n, KIP_MEMDESC_MAX);   /* 500 steps always fill the array */
    }
}

/* ------------------------------------------------------- feature strings */

/* The feature list kip_complete() writes names exactly this build's
 * optional features: "pagerexregs" with CONFIG_PAGER_EXREGS, else none. */
static void test_kip_complete_feature_list_of_the_build(void **state)
{
    (void)state;
    /* garbage after the version string: the list's end is written, not assumed */
    memset(kk.kernel_desc.strings + sizeof(KIP_VERSION_STRING), 0xFF,
           KIP_KERNEL_STRINGS_SIZE - sizeof(KIP_VERSION_STRING));
    assert_true(kip_complete(&kk, &default_params));
    const uint8_t *b = (const uint8_t *)&kk;
    unsigned str = raw_word(&kk, 0x0C) + 16u;
    assert_string_equal((const char *)b + str, KIP_VERSION_STRING);
    unsigned feat = str + (unsigned)sizeof(KIP_VERSION_STRING);
    const char *want[2];
    unsigned nf = 0;
    if (CONFIG_PAGER_EXREGS)
        want[nf++] = "pagerexregs";
    if (CONFIG_SMALLSPACES)
        want[nf++] = "smallspaces";
    for (unsigned i = 0; i < nf; i++) {
        assert_string_equal(libl4_feature(&kk, i), want[i]);
        assert_ptr_equal(libl4_feature(&kk, i), (const char *)b + feat);
        assert_ptr_equal(kip_feature(&kk, i), libl4_feature(&kk, i));
        feat += (unsigned)strlen(want[i]) + 1u;
    }
    assert_int_equal(b[feat], 0);                                  /* the list's end */
    assert_null(libl4_feature(&kk, nf));
    assert_null(kip_feature(&kk, nf));
    assert_null(kip_feature(&kk, 1000));
}

/* kip_feature walks the list as libl4 does and never leaves the descriptor. */
static void test_kip_feature_walks_the_list(void **state)
{
    (void)state;
    char *s = kk.kernel_desc.strings;
    memset(s, 0, KIP_KERNEL_STRINGS_SIZE);
    memcpy(s, "v\0one\0two\0\0", 11);
    assert_string_equal(kip_feature(&kk, 0), "one");
    assert_string_equal(kip_feature(&kk, 1), "two");
    assert_ptr_equal(kip_feature(&kk, 1), libl4_feature(&kk, 1));
    assert_null(kip_feature(&kk, 2));
    /* a last string without its NUL inside the descriptor is no feature */
    memset(s, 'x', KIP_KERNEL_STRINGS_SIZE);
    s[0] = '\0';
    assert_null(kip_feature(&kk, 0));
    /* a version string that fills the descriptor: no list */
    s[0] = 'x';
    s[KIP_KERNEL_STRINGS_SIZE - 1] = '\0';
    assert_null(kip_feature(&kk, 0));
    /* a feature whose NUL is the descriptor's last byte is complete */
    memset(s, 'z', KIP_KERNEL_STRINGS_SIZE);
    s[0] = '\0';
    s[KIP_KERNEL_STRINGS_SIZE - 1] = '\0';
    assert_ptr_equal(kip_feature(&kk, 0), s + 1);
    assert_null(kip_feature(&kk, 1));
    /* the first feature complete, the second cut off */
    memset(s, 'y', KIP_KERNEL_STRINGS_SIZE);
    memcpy(s, "v\0one\0", 6);
    assert_string_equal(kip_feature(&kk, 0), "one");
    assert_null(kip_feature(&kk, 1));
}

/* ---- gaps found by mutation testing (issue 12) ------------------------------------ */

static void test_kip_complete_zeroes_garbage_processor_descriptors(void **state)
{
    /* a garbage page: every processor descriptor word set, and the pointer to them */
    memset(kk.proc_desc, 0xA5, sizeof(kk.proc_desc));
    raw_put(&kk, 0xBC, 0xA5A5A5A5u);
    struct kip_boot_params p = default_params;
    p.ncpus = 2;
    assert_true(kip_complete(&kk, &p));
    assert_int_equal(raw_word(&kk, 0xBC), 0x120);
    for (unsigned cpu = 0; cpu < KIP_MAX_CPUS; cpu++) {
        unsigned d = 0x120 + cpu * 16u;
        assert_int_equal(raw_word(&kk, d + 0), cpu < 2 ? 100000u : 0u);
        assert_int_equal(raw_word(&kk, d + 4), cpu < 2 ? 2400000u : 0u);
        assert_int_equal(raw_word(&kk, d + 8), 0);
        assert_int_equal(raw_word(&kk, d + 12), 0);
    }
}

static void test_kip_add_e820_last_byte_below_4g(void **state)
{
    struct kip_memdesc_info d;
    assert_true(kip_add_e820(&kk, 0xFFFFFFFFull, 1, 1));
    assert_int_equal(kip_memdesc_count(&kk), 1);
    assert_true(kip_memdesc(&kk, 0, &d));
    assert_int_equal(d.high, 0xFFFFFFFFu);
    assert_int_equal(d.type, KIP_MEM_CONVENTIONAL);
}

static void test_kip_complete_rewrites_garbage_thread_info(void **state)
{
    raw_put(&kk, 0xC4, 0xA5A5A5A5u);
    assert_true(kip_complete(&kk, &default_params));
    assert_int_equal(raw_word(&kk, 0xC4), KIP_THREAD_INFO(TID_NUMBER_BITS, TID_SYSTEM_BASE, TID_USER_BASE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_kip_static_init_every_header_word, kip_setup),
        cmocka_unit_test_setup(test_kip_static_init_magic_bytes, kip_setup),
        cmocka_unit_test_setup(test_kip_static_init_kickstart_scan, kip_setup),
        cmocka_unit_test_setup(test_kip_static_init_layout, kip_setup),
        cmocka_unit_test_setup(test_kip_static_init_kernel_descriptor, kip_setup),
        cmocka_unit_test_setup(test_kip_static_init_feature_list, kip_setup),
        cmocka_unit_test_setup(test_kip_struct_members_at_abi_offsets, kip_setup),
        cmocka_unit_test_setup(test_kip_make_words_abi_vectors, kip_setup),
        cmocka_unit_test_setup(test_kip_make_words_mask_fields, kip_setup),
        cmocka_unit_test_setup(test_kip_make_memdesc_abi_vector, kip_setup),
        cmocka_unit_test_setup(test_kip_add_memdesc_capacity_at_2k_boundary, kip_setup),
        cmocka_unit_test_setup(test_kip_add_memdesc_rejects_invalid, kip_setup),
        cmocka_unit_test_setup(test_kip_add_memdesc_bad_memdescptr, kip_setup),
        cmocka_unit_test_setup(test_kip_memdesc_out_of_range, kip_setup),
        cmocka_unit_test_setup(test_kip_add_e820_entries, kip_setup),
        cmocka_unit_test_setup(test_kip_add_e820_full, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_fresh, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_keeps_loader_descriptors, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_multiprocessor, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_rejects_invalid_params, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_needs_room_for_all, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_needs_room_for_two, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_multiboot_path_order, kip_setup),
        cmocka_unit_test_setup(test_kip_set_server_fields, kip_setup),
        cmocka_unit_test_setup(test_kip_set_server_rejects_invalid, kip_setup),
        cmocka_unit_test_setup(test_kip_set_boot_info_raw, kip_setup),
        cmocka_unit_test_setup(test_kip_is_loader_patched_cases, kip_setup),
        cmocka_unit_test_setup(test_kip_set_syscall_links_raw_offsets, kip_setup),
        cmocka_unit_test_setup(test_kip_set_syscall_links_rejects_outside, kip_setup),
        cmocka_unit_test_setup(test_kip_add_memdesc_random_model, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_feature_list_of_the_build, kip_setup),
        cmocka_unit_test_setup(test_kip_feature_walks_the_list, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_zeroes_garbage_processor_descriptors, kip_setup),
        cmocka_unit_test_setup(test_kip_add_e820_last_byte_below_4g, kip_setup),
        cmocka_unit_test_setup(test_kip_complete_rewrites_garbage_thread_info, kip_setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
