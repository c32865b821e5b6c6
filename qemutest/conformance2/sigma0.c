/*
 * Conformance: the sigma0 protocol (ABI 7.5, 3.6) and MemoryControl (4.5).
 * Any-page requests (4 KB, 4 MB, raw reply format, the u = 3 extension),
 * receive-window placement, specific addresses chosen from the KIP memory
 * descriptors (free conventional granted, kernel-reserved refused, another
 * thread's page refused, the owner's re-request granted), IO fpages, the
 * attribute word (applied by sigma0 through MemoryControl), and
 * MemoryControl itself: privileged caller, bad attribute, bad k, and an
 * unprivileged caller.
 */
#include "c2.h"

#define WINDOW_VA 0x08000000u

static volatile L4_Word_t wk_result, wk_done, wk_req;

/* Type of the last physical memory descriptor covering addr (0 if none). */
static L4_Word_t phys_type(L4_Word_t addr)
{
    L4_Word_t t = 0;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(c2_kip); i++) {
        const L4_MemoryDesc_t *m = L4_MemoryDesc(c2_kip, i);
        if (!L4_IsVirtual(m) && L4_MemoryDescLow(m) <= addr && addr <= L4_MemoryDescHigh(m))
            t = L4_MemoryDescType(m);
    }
    return t;
}

/* The first 4 KB page at or above `from` (step 4 KB, below `to`) of type `type`. */
static L4_Word_t find_page(L4_Word_t from, L4_Word_t to, L4_Word_t type)
{
    for (L4_Word_t a = from; a < to; a += 0x1000)
        if (phys_type(a) == type && phys_type(a + 0xFFF) == type)
            return a;
    return 0;
}

/* A worker in our space asks sigma0 for page wk_req (complete window). */
static void worker(void)
{
    L4_Fpage_t f = L4_Sigma0_GetPage_RcvWindow(c2_s0, L4_FpageLog2(wk_req, 12), L4_FpageLog2(0x0BF00000u, 12));
    wk_result = f.raw;
    wk_done = 1;
    for (;;)
        L4_Sleep(L4_Never);
}

/* A thread of an unprivileged space tries MemoryControl and reports. */
static void space_memctl(void)
{
    L4_Word_t attrs[4] = { 2, 0, 0, 0 };
    L4_LoadMR(0, L4_FpageLog2(C2_IMAGE_BASE, 12).raw);
    L4_Word_t r = L4_MemoryControl(0, attrs);
    L4_Word_t e = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(0x91, 2, 0).raw);
    L4_LoadMR(1, r);
    L4_LoadMR(2, e);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Raw request: MR0..MR3 as given, acceptor `window`; returns the reply tag. */
static L4_MsgTag_t s0_raw(L4_Word_t tag, L4_Word_t mr1, L4_Word_t mr2, L4_Word_t mr3, L4_Time_t rcv)
{
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_LoadMR(0, tag);
    L4_LoadMR(1, mr1);
    L4_LoadMR(2, mr2);
    L4_LoadMR(3, mr3);
    return L4_Ipc(c2_s0, c2_s0, L4_Timeouts(c2_2s(), rcv), NULL);
}

static int usable(L4_Word_t va, L4_Word_t size)
{
    volatile L4_Word_t *p = (volatile L4_Word_t *)va, *q = (volatile L4_Word_t *)(va + size - 4);
    *p = 0x13572468u;
    *q = 0x24681357u;
    return *p == 0x13572468u && *q == 0x24681357u;
}

static void test_any(void)
{
    L4_Word_t *mr = c2_mrs();
    L4_Fpage_t a = L4_Sigma0_GetAny(c2_s0, 12, L4_CompleteAddressSpace);
    ktu_check("any_4k_granted", !L4_IsNilFpage(a) && L4_SizeLog2(a) == 12 && L4_Address(a) != 0 &&
                                    phys_type(L4_Address(a)) == L4_ConventionalMemoryType,
              "no 4 KB page of conventional memory");
    ktu_check("any_4k_usable_at_physical", !L4_IsNilFpage(a) && usable(L4_Address(a), 4096),
              "page not mapped 1:1 with write access");
    L4_Fpage_t a2 = L4_Sigma0_GetAny(c2_s0, 12, L4_CompleteAddressSpace);
    ktu_check("any_pages_differ", !L4_IsNilFpage(a2) && L4_Address(a2) != L4_Address(a),
              "the same page handed out twice");
    L4_Fpage_t big = L4_Sigma0_GetAny(c2_s0, 22, L4_CompleteAddressSpace);
    ktu_check("any_4mb_aligned", !L4_IsNilFpage(big) && L4_SizeLog2(big) == 22 &&
                                     (L4_Address(big) & 0x3FFFFFu) == 0,
              "no naturally aligned 4 MB region");
    ktu_check("any_4mb_usable", !L4_IsNilFpage(big) && usable(L4_Address(big), 1u << 22),
              "first/last word of the 4 MB region not writable");

    L4_MsgTag_t tag = s0_raw(0xFFA00002u, L4_Sigma0AnyFpage(12, L4_FullyAccessible).raw, 0, 0, c2_2s());
    ktu_check("reply_is_one_map_item",
              L4_IpcSucceeded(tag) && tag.raw == 0x00000080u && (mr[1] & 0x3FFu) == 0x8u &&
                  (mr[1] & ~0x3FFu) == (mr[2] & ~0x3FFu) && ((mr[2] >> 4) & 0x3F) == 12 && (mr[2] & 7) == 7,
              "reply not tag 0x80 with send base = physical and a 4 KB rwx fpage");
    tag = s0_raw(0xFFA00003u, 0xFFFFFCC8u, 0, 0, c2_2s());
    ktu_check("any_request_u3_extension", L4_IpcSucceeded(tag) && tag.raw == 0x80u && mr[2] != 0 &&
                                               ((mr[2] >> 4) & 0x3F) == 12,
              "libl4's u = 3 any-page form not served");

    L4_Fpage_t w = L4_Sigma0_GetAny(c2_s0, 12, L4_FpageLog2(WINDOW_VA, 12));
    int ok = !L4_IsNilFpage(w) && usable(WINDOW_VA, 4096);
    *(volatile L4_Word_t *)WINDOW_VA = 0x77665544u;
    L4_Fpage_t w1 = ok ? L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(L4_Address(w), 12)) : L4_Nilpage;
    ktu_check("receive_window_places_page",
              ok && L4_Address(w1) == L4_Address(w) && *(volatile L4_Word_t *)L4_Address(w) == 0x77665544u,
              "page not at the window, or not the same frame as its physical address");
}

static void test_specific(void)
{
    L4_Word_t free_pg = find_page(0x02000000u, 0x07C00000u, L4_ConventionalMemoryType);
    L4_Fpage_t f = free_pg ? L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(free_pg, 12)) : L4_Nilpage;
    ktu_check("specific_free_conventional_granted",
              free_pg && L4_Address(f) == free_pg && L4_SizeLog2(f) == 12 && usable(free_pg, 4096),
              "a free conventional page at a chosen address refused");
    L4_Fpage_t again = L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(free_pg, 12));
    ktu_check("owner_rerequest_granted", L4_Address(again) == free_pg, "our own page refused");

    L4_Word_t rsv = find_page(0x00100000u, 0x0F000000u, L4_ReservedMemoryType);
    f = rsv ? L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(rsv, 12)) : (L4_Fpage_t){ .raw = 1 };
    ktu_check("kernel_reserved_refused", rsv && L4_IsNilFpage(f), "reserved (kernel) memory handed out");

    L4_Fpage_t s0img = L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(L4_KipWord(c2_kip, L4_KIP_SIGMA0_LOW) & ~0xFFFu, 12));
    ktu_check("sigma0_image_refused", L4_IsNilFpage(s0img), "sigma0's image handed out");

    wk_req = free_pg;
    L4_ThreadId_t w = c2_local(worker);
    for (unsigned i = 0; i < 2000 && !wk_done; i++)
        L4_Sleep(L4_TimePeriod(1000));
    ktu_check("page_of_other_thread_refused", wk_done && wk_result == 0,
              "another thread got the page we own");
    c2_kill(w);

    L4_Fpage_t io = L4_Sigma0_GetIo(c2_s0, L4_IoFpageLog2(0x2F8, 3));
    ktu_check("io_fpage_granted", L4_IsIoFpage(io) && L4_IoFpagePort(io) == 0x2F8 && L4_IoFpageSizeLog2(io) == 3,
              "IO fpage 0x2F8/8 not granted as requested");
    L4_MsgTag_t tag = s0_raw(0x00010001u, 0, 0, 0, L4_TimePeriod(50000));
    ktu_check("non_protocol_message_ignored", L4_IpcFailed(tag) && L4_ErrorCode() == 3,
              "sigma0 answered a message with an unknown label / u = 1");
}

static void test_regions(void)
{
    L4_Word_t base = 0;
    for (L4_Word_t a = 0x05000000u; a < 0x07800000u && !base; a += 0x400000u)
        if (phys_type(a) == L4_ConventionalMemoryType && phys_type(a + 0x3FFFFFu) == L4_ConventionalMemoryType)
            base = a;
    L4_Fpage_t f = base ? L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(base, 22)) : L4_Nilpage;
    ktu_check("specific_4mb_granted",
              base && L4_Address(f) == base && L4_SizeLog2(f) == 22 && usable(base, 1u << 22),
              "a free conventional 4 MB region at a chosen address refused");
    f = base ? L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(base + 0x123000u, 12)) : L4_Nilpage;
    ktu_check("page_inside_own_4mb_granted", base && L4_Address(f) == base + 0x123000u,
              "a page of our own 4 MB region refused");

    f = L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(C2_IMAGE_BASE, 12));
    ktu_check("own_image_page_granted", L4_Address(f) == C2_IMAGE_BASE, "our own image page refused");

    wk_done = 0;
    wk_result = 0;
    wk_req = 0xB8000u;
    L4_ThreadId_t w = c2_local(worker);
    for (unsigned i = 0; i < 2000 && !wk_done; i++)
        L4_Sleep(L4_TimePeriod(1000));
    ktu_check("shared_memory_granted_to_any_thread",
              wk_done && L4_Address((L4_Fpage_t){ .raw = wk_result }) == 0xB8000u,
              "VGA (shared) memory refused to a second thread");
    c2_kill(w);
    f = L4_Sigma0_GetPage(c2_s0, L4_FpageLog2(0xB8000u, 12));
    ktu_check("shared_memory_granted_again", L4_Address(f) == 0xB8000u, "VGA memory refused the second time");
}

static void test_attributes(void)
{
    L4_Word_t pg = find_page(0x02400000u, 0x07C00000u, L4_ConventionalMemoryType);
    L4_Fpage_t f = pg ? L4_Sigma0_GetPageAttribute(c2_s0, L4_FpageLog2(pg, 12), 2) : L4_Nilpage;
    ktu_check("request_with_attribute_granted", pg && L4_Address(f) == pg && usable(pg, 4096),
              "write-through page refused");
    L4_Word_t pg2 = find_page(pg + 0x1000, 0x07C00000u, L4_ConventionalMemoryType);
    f = pg2 ? L4_Sigma0_GetPageAttribute(c2_s0, L4_FpageLog2(pg2, 12), 6) : (L4_Fpage_t){ .raw = 1 };
    ktu_check("request_with_invalid_attribute_refused", pg2 && L4_IsNilFpage(f),
              "attribute 6 (invalid for MemoryControl) still mapped");

    L4_Word_t r = L4_Set_PageAttribute(L4_FpageLog2(pg, 12), 4);
    ktu_check("memctl_privileged_ok", r == 1, "MemoryControl(uncacheable) by the root task failed");
    r = L4_Set_PageAttribute(L4_FpageLog2(pg, 12), 1);
    ktu_check("memctl_back_to_write_back", r == 1 && usable(pg, 4096), "write-back not restored");
    r = L4_Set_PageAttribute(L4_FpageLog2(pg, 12), 7);
    ktu_check("memctl_invalid_attribute_error_5", r == 0 && L4_ErrorCode() == 5, "attribute 7 not error 5");
    L4_Word_t attrs[4] = { 1, 1, 1, 1 };
    L4_LoadMR(0, L4_FpageLog2(pg, 12).raw);
    r = L4_MemoryControl(64, attrs);
    ktu_check("memctl_k_64_error_5", r == 0 && L4_ErrorCode() == 5, "control 64 not error 5");

    L4_ThreadId_t sp = c2_space(space_memctl), x;
    L4_MsgTag_t tag = c2_recv(sp, c2_2s(), &x);
    L4_Word_t *mr = c2_mrs();
    ktu_check("memctl_unprivileged_error_1",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x91 && mr[1] == 0 && mr[2] == 1,
              "MemoryControl from a second space not refused with error 1");
    c2_kill(sp);
}

int main(void)
{
    c2_init();
    test_any();
    test_specific();
    test_regions();
    test_attributes();
    ktu_finish();
}
