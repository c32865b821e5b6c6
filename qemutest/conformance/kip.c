/*
 * Conformance: the KernelInterface system call and the Kernel Interface
 * Page (ABI 3, 4.1) as seen by a root task (module 1, our sigma0 module 0).
 * Every header word the ABI fixes, the kernel descriptor and its feature
 * list (exactly the optional features of the build: "pagerexregs" with
 * CONFIG_PAGER_EXREGS, else empty), the eleven link offsets, and the memory
 * descriptors the kernel and loader must publish. The KIP is only read,
 * never written.
 */
#include "conf.h"

#include <l4/kip.h>
#include <l4/thread.h>
#include <l4/utcb.h>

extern void _start(void);

static const volatile L4_Word_t *kw;

static L4_Word_t word(unsigned off)
{
    return kw[off / 4u];
}

/* KernelInterface register results, with EBX/EDI/EBP preserved. */
static void test_kernel_interface(void **kip_out)
{
    L4_Word_t kip, ver, flags, id, ebx_after, edi_after, ebp_after;
    __asm__ volatile("push %%ebp\n\t"
                     "mov $0x11112222, %%ebx\n\t"
                     "mov $0x33334444, %%edi\n\t"
                     "mov $0x55556666, %%ebp\n\t"
                     ".byte 0xF0, 0x90\n\t"
                     "pop %%ebp"
                     : "=a"(kip), "=c"(ver), "=d"(flags), "=S"(id), "=b"(ebx_after), "=D"(edi_after)
                     :
                     : "memory", "cc");
    __asm__ volatile("push %%ebp\n\t"
                     "mov $0x55556666, %%ebp\n\t"
                     ".byte 0xF0, 0x90\n\t"
                     "mov %%ebp, %%ebx\n\t"
                     "pop %%ebp"
                     : "=b"(ebp_after)
                     :
                     : "eax", "ecx", "edx", "esi", "memory", "cc");
    L4_Word_t ver2, flags2, id2;
    void *k2 = L4_KernelInterface(&ver2, &flags2, &id2);
    *kip_out = k2;
    kw = (const volatile L4_Word_t *)k2;
    ktu_check("ki_kip_address_page_aligned", kip != 0 && (kip & 0xFFFu) == 0 && (void *)kip == k2,
              "KIP address zero, unaligned or unstable");
    ktu_check("ki_root_kip_at_0xBFF00000", kip == 0xBFF00000u, "root task's KIP not at 0xBFF00000 (ABI 3.7)");
    ktu_check("ki_ecx_is_api_version", ver2 == word(0x004) && (ver2 >> 24) == 0x84u,
              "ECX differs from KIP ApiVersion or not X.2");
    ktu_check("ki_edx_is_api_flags", flags2 == word(0x008) && flags2 == 0, "EDX differs from ApiFlags / not 0");
    ktu_check("ki_esi_is_kernel_id", id2 == *(const volatile L4_Word_t *)((const char *)k2 + word(0x00C)) &&
              (id2 & 0xFFFFu) == 0, "ESI differs from the kernel descriptor's KernelId");
    ktu_check("ki_results_stable", ver == ver2 && flags == flags2 && id == id2,
              "ECX/EDX/ESI differ between two KernelInterface calls");
    ktu_check("ki_preserves_ebx_edi", ebx_after == 0x11112222u && edi_after == 0x33334444u,
              "EBX or EDI changed by KernelInterface");
    ktu_check("ki_preserves_ebp", ebp_after == 0x55556666u, "EBP changed by KernelInterface");
}

static void test_header(void)
{
    ktu_check("kip_magic", word(0x000) == 0x4BE6344Cu, "magic is not 'L4\\xE6K'");
    ktu_check("kip_api_version", word(0x004) == 0x84050000u, "ApiVersion != 0x84050000");
    ktu_check("kip_api_flags", word(0x008) == 0, "ApiFlags != 0 (little endian, 32 bit)");
    ktu_check("kip_kernel_desc_ptr", word(0x00C) >= 0x120u && word(0x00C) < 0x1000u && (word(0x00C) & 3u) == 0,
              "KernelDescPtr zero, inside the header or outside the page");
    ktu_check("kip_utcb_area_info", word(0x0A8) == 0x000C2401u, "UtcbAreaInfo != 0x000C2401");
    ktu_check("kip_kip_area_info", word(0x0AC) == 0x0000000Cu, "KipAreaInfo != 12");
    L4_Word_t pi = word(0x0C8);
    ktu_check("kip_page_info", (pi & 7u) == 6u && (pi & 0x1000u) && (pi & 0x3FFu & ~7u) == 0 &&
              (pi == 0x00401006u || pi == 0x00001006u), "PageInfo not 0x00401006 / 0x00001006");
    ktu_check("kip_processor_info", word(0x0CC) == 0x40000000u, "ProcessorInfo != 0x40000000 (uniprocessor)");
    L4_Word_t pdp = word(0x0BC);
    ktu_check("kip_proc_desc_ptr", pdp >= 0x120u && pdp + 16u <= 0x1000u && (pdp & 3u) == 0 &&
              kw[pdp / 4 + 1] != 0, "ProcDescPtr invalid or InternalFreq 0");
    L4_Word_t reserved = word(0x050) | word(0x0A0) | word(0x0A4) | word(0x0B0) | word(0x0B4);
    for (unsigned o = 0x0FC; o <= 0x11C; o += 4)
        reserved |= word(o);
    ktu_check("kip_reserved_words_zero", reserved == 0, "a reserved header word or ArchSyscall is non-zero");
    L4_Word_t legacy = 0;
    for (unsigned o = 0x060; o < 0x0A0; o += 4)
        legacy |= word(o);
    ktu_check("kip_legacy_memory_fields_zero", legacy == 0, "legacy memory fields 0x60..0x9F not 0");
}

static void test_thread_info(void)
{
    L4_Word_t ti = word(0x0C4);
    L4_Word_t t = ti & 0xFFu, sb = (ti >> 8) & 0xFFFu, ub = ti >> 20;
    ktu_check("kip_thread_info_bases", sb >= 16u && ub == sb + 32u && t >= 8u && t <= 18u &&
              ub + 3u < (1u << t), "ThreadInfo: SystemBase < 16, UserBase != SystemBase+32 or t out of range");
    L4_ThreadId_t me = L4_MyGlobalId();
    ktu_check("kip_root_id_is_userbase_plus_2", me.raw == L4_GlobalId(ub + 2u, 1).raw,
              "root task's ID is not (UserBase+2, 1)");
    ktu_check("kip_root_local_id_in_utcb_area",
              (L4_MyLocalId().raw & 0x1FFu) == 0x100u && L4_MyLocalId().raw >= 0xBF000000u &&
                  L4_MyLocalId().raw < 0xBF020000u, "root's local ID is not a UTCB location + 256 inside 0xBF000000+128K");
}

static void test_links(void)
{
    unsigned inside = 0;
    for (unsigned i = 0; i < 11; i++) {
        L4_Word_t off = word(0x0D0 + 4u * i);
        if (off >= 0x800u && off < 0x1000u)
            inside++;
    }
    ktu_check("kip_eleven_links_in_entry_area", inside == 11, "a link offset is outside [0x800,0x1000)");
    unsigned distinct = 1;
    for (unsigned i = 1; i < 11; i++) {
        unsigned dup = 0;
        for (unsigned j = 0; j < i; j++)
            dup |= word(0x0D0 + 4u * i) == word(0x0D0 + 4u * j);
        distinct += !dup;
    }
    ktu_check("kip_links_distinct_except_lipc", distinct >= 10, "fewer than 10 distinct entry points");
    /* the entry code is executable: a ThreadSwitch(nil) through the KIP returns */
    L4_ThreadSwitch(L4_nilthread);
    ktu_check("kip_entry_code_executes", 1, "");
}

static void test_kernel_desc(void)
{
    const volatile char *kd = (const volatile char *)kw + word(0x00C);
    const volatile L4_Word_t *kdw = (const volatile L4_Word_t *)kd;
    ktu_check("kdesc_kernel_ver_and_date", kdw[2] != 0 && (kdw[1] & 0x1Fu) >= 1 && ((kdw[1] >> 5) & 0xFu) >= 1 &&
              ((kdw[1] >> 5) & 0xFu) <= 12, "KernelVer zero or KernelGenDate not a date");
    const volatile char *s = kd + 16;
    unsigned n = 0;
    while (s[n] && n < 1024)
        n++;
    ktu_check("kdesc_version_string_nonempty", n > 0 && n < 1024, "empty or unterminated version string");
    /* the build's optional features, in the reference kernel's names, in order */
    const char *want[2];
    unsigned nf = 0;
    if (CONFIG_PAGER_EXREGS)
        want[nf++] = "pagerexregs";
    if (CONFIG_SMALLSPACES)
        want[nf++] = "smallspaces";
    const volatile char *f = s + n + 1;
    int same = 1;
    for (unsigned k = 0; k < nf; k++) {
        const char *lib = L4_Feature((const void *)kw, k);
        same = same && lib == (const char *)f;
        for (unsigned i = 0; want[k][i] || f[i]; i++)
            same = same && f[i] == want[k][i];
        while (*f)
            f++;
        f++;
    }
    ktu_check("kdesc_feature_list_of_the_build", same && *f == 0 && L4_Feature((const void *)kw, nf) == 0,
              "feature list is not exactly the build's (pagerexregs, smallspaces) then an empty string");
    if (nf == 0) {
        ktu_check("kdesc_feature_list_empty", s[n] == 0 && s[n + 1] == 0,
                  "version string not followed by an empty feature list (two NULs)");
    }
}

/* Index of the last descriptor of `type` (full type) covering [lo, hi], or -1. */
static int find_desc(L4_Word_t type, int virt, L4_Word_t lo, L4_Word_t hi)
{
    int found = -1;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors((const void *)kw); i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc((const void *)kw, i);
        if (L4_MemoryDescType(m) == type && (int)L4_IsVirtual(m) == virt && L4_MemoryDescLow(m) <= lo &&
            L4_MemoryDescHigh(m) >= hi)
            found = (int)i;
    }
    return found;
}

static void test_memory(void)
{
    L4_Word_t mi = word(0x054), n = mi & 0xFFFFu, ptr = mi >> 16;
    ktu_check("mem_info_sane", n >= 4 && ptr >= 0x120u && ptr + 8u * n <= 0x800u,
              "MemoryInfo: too few descriptors or array outside [0x120,0x800)");
    int conv = -1;
    for (L4_Word_t i = 0; i < n; i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc((const void *)kw, i);
        if (L4_MemoryDescType(m) == 1 && L4_IsVirtual(m) && L4_MemoryDescLow(m) == 0 &&
            L4_MemoryDescHigh(m) == 0xBFFFFFFFu)
            conv = (int)i;
    }
    ktu_check("mem_conventional_virtual_user_range", conv >= 0, "no conventional virtual 0..0xBFFFFFFF descriptor");
    unsigned resv = 0, bad_bits = 0;
    for (L4_Word_t i = 0; i < n; i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc((const void *)kw, i);
        if (L4_MemoryDescBaseType(m) == 2 && !L4_IsVirtual(m) && (int)i > conv)
            resv++;
        if ((m->x & 0x100u) || (m->y & 0x3FFu))
            bad_bits++;
    }
    ktu_check("mem_reserved_kernel_after_conventional", resv >= 1,
              "no physical reserved descriptor appended after the virtual one");
    ktu_check("mem_descriptor_zero_bits", bad_bits == 0, "bit 8 of word 0 or bits 9..0 of word 1 set");
    L4_Word_t s0l = word(0x028), s0h = word(0x02C), rl = word(0x048), rh = word(0x04C);
    ktu_check("kip_sigma0_image", s0h > s0l && s0l == 0x00800000u, "sigma0.low/high wrong (image at 0x800000)");
    ktu_check("kip_root_image", rh > rl && rl == 0x00A00000u, "RootServer.low/high wrong (image at 0xA00000)");
    ktu_check("kip_sigma1_absent", word(0x03C) == 0, "sigma1.high non-zero without a sigma1");
    ktu_check("mem_bootloader_sigma0_image", find_desc(0x2Eu, 0, s0l, s0h - 1u) >= 0,
              "no boot-loader (0xE, subtype 2) descriptor covering sigma0's image");
    ktu_check("mem_bootloader_root_image", find_desc(0x2Eu, 0, rl, rh - 1u) >= 0,
              "no boot-loader (0xE, subtype 2) descriptor covering the root image");
    int s0d = find_desc(0x2Eu, 0, s0l, s0h - 1u), rd = find_desc(0x2Eu, 0, rl, rh - 1u);
    ktu_check("mem_kernel_descriptors_after_loader_ones", conv > s0d && conv > rd,
              "the kernel's virtual descriptor does not follow the loader's");
    unsigned clash = 0;
    for (L4_Word_t i = (L4_Word_t)conv + 1; conv >= 0 && i < n; i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc((const void *)kw, i);
        L4_Word_t lo = L4_MemoryDescLow(m), hi = L4_MemoryDescHigh(m);
        clash += lo < s0h && hi >= s0l;
        clash += lo < rh && hi >= rl;
    }
    ktu_check("mem_kernel_reserved_not_over_images", clash == 0,
              "a kernel descriptor overrides the sigma0 or root image");
    L4_Word_t bi = word(0x0B8);
    ktu_check("mem_bootinfo_described", bi == 0 || find_desc(0x1Eu, 0, bi, bi) >= 0,
              "BootInfo is set but no boot-loader descriptor (subtype 1) covers it");
    L4_Word_t s0ip = word(0x024), rip = word(0x044);
    ktu_check("kip_sigma0_ip_in_image", s0ip >= s0l && s0ip < s0h, "sigma0.ip outside sigma0's image");
    ktu_check("kip_root_ip_is_entry", rip == (L4_Word_t)_start, "RootServer.ip is not the root's _start");
}

/* Send MR0 = tag (MR1.. in the UTCB) to `to` through the Ipc entry of the KIP at `kip`. */
static void raw_send(const void *kip, L4_Word_t to, L4_Word_t tag)
{
    L4_Word_t entry = (L4_Word_t)kip + L4_KipSyscallLink(kip, L4_SYSCALL_IPC);
    L4_Word_t ecx = 0, edx = 0, edi = L4_MyLocalId().raw;
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "pop %%ebp"
                     : "+a"(to), "+b"(entry), "+c"(ecx), "+d"(edx), "+S"(tag), "+D"(edi)
                     :
                     : "memory", "cc");
}

/* Worker in a space with its KIP at 0x7FF00000: reports what it sees. */
static void moved_kip_worker(void)
{
    L4_Word_t ver, flags, id;
    void *k = L4_KernelInterface(&ver, &flags, &id);
    const volatile L4_Word_t *w = (const volatile L4_Word_t *)k;
    L4_LoadMR(1, (L4_Word_t)k);
    L4_LoadMR(2, ver);
    L4_LoadMR(3, flags);
    L4_LoadMR(4, id);
    L4_LoadMR(5, w[0]);
    L4_LoadMR(6, L4_MyLocalId().raw);
    L4_Word_t tag = L4_MsgTagMake(CONF_LABEL_REPORT, 6, 0).raw;
    L4_LoadMR(0, tag);
    raw_send(k, conf_root.raw, tag);
    for (;;)
        ;
}

/* Worker in a default second space: KernelInterface unprivileged. */
static void plain_kip_worker(void)
{
    L4_Word_t w[4];
    w[0] = (L4_Word_t)L4_KernelInterface(&w[1], &w[2], &w[3]);
    conf_report(w, 4);
}

static void test_other_spaces(void)
{
    L4_Word_t out[6] = { 0 };
    L4_Word_t ver = word(0x004), flags = word(0x008), id = kw[word(0x00C) / 4u];
    int n = conf_run_in_new_space(conf_tid(10, 1), plain_kip_worker, out, 4);
    ktu_check("ki_unprivileged_thread_same_results",
              n == 4 && out[0] == 0xBFF00000u && out[1] == ver && out[2] == flags && out[3] == id,
              "KernelInterface in an unprivileged space differs");
    n = conf_run_in_space(conf_tid(11, 1), moved_kip_worker, 0x7FF00000u, 0x70000000u, out, 6);
    ktu_check("ki_kip_at_requested_area", n == 6 && out[0] == 0x7FF00000u && out[4] == 0x4BE6344Cu,
              "KIP not mapped at (or reported from) the KIP area given to SpaceControl");
    ktu_check("ki_moved_kip_same_words", n == 6 && out[1] == ver && out[2] == flags && out[3] == id,
              "ECX/EDX/ESI differ in a space with another KIP area");
    ktu_check("ki_moved_kip_entry_code_works", n == 6 && out[5] == 0x70000100u,
              "IPC through the moved KIP's entry code failed or wrong UTCB");
}

/* ABI 7.3: the root server's initial TCRs and the sigma0 thread. */
static void test_initial_servers(void)
{
    L4_Word_t c, sp, ip, fl, h, old;
    L4_ThreadId_t pager;
    L4_ThreadId_t r = L4_ExchangeRegisters(conf_root, 0, 0, 0, 0, 0, L4_nilthread, &c, &sp, &ip, &fl, &h, &pager);
    ktu_check("root_local_id_0xBF000100", L4_MyLocalId().raw == 0xBF000100u && r.raw == 0xBF000100u,
              "root's UtcbLocation is not 0xBF000000");
    ktu_check("root_pager_is_sigma0", L4_Pager().raw == conf_sigma0.raw && pager.raw == conf_sigma0.raw,
              "root's Pager TCR is not sigma0");
    ktu_check("root_exception_handler_nil", L4_ExceptionHandler().raw == 0, "root's ExceptionHandler TCR not nil");
    ktu_check("root_user_flags_if", (fl & 0x200u) != 0 && (c & 7u) == 0, "root runs without IF or with H/R/S bits");
    L4_Word_t st = L4_Schedule(conf_sigma0, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, &old);
    ktu_check("sigma0_exists_waiting", st == 6, "sigma0 (UserBase, 1) not a thread waiting for requests");
}

static void test_readable(void)
{
    L4_Word_t sum = 0;
    for (unsigned i = 0; i < 1024; i++)
        sum += kw[i];
    L4_Word_t k2 = (L4_Word_t)L4_KernelInterface(0, 0, 0);
    ktu_check("kip_whole_page_readable", sum != 0 && k2 == (L4_Word_t)kw, "KIP page not fully readable");
}

int main(void)
{
    void *kip;
    conf_init();
    test_kernel_interface(&kip);
    test_header();
    test_thread_info();
    test_links();
    test_kernel_desc();
    test_memory();
    test_readable();
    test_other_spaces();
    test_initial_servers();
    ktu_finish();
}
