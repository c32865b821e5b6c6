/*
 * Conformance: Unmap (ABI 4.5 Unmap, 5.5, 5.14). The root task maps its
 * pages into a second space (as that space's pager), then revokes them:
 * unmap (the other space faults again, our own mapping stays), two fpages
 * at once, the write right only, flush of a sigma0 page (our own mapping
 * goes too; sigma0 hands it back on request), the referenced / written
 * status, an IO fpage, and the KIP / UTCB areas that no unmap touches.
 */
#include "c2.h"

#define B_VA 0x06000000u         /* a sigma0 page received at virtual != physical */
#define PORT 0x80u

static L4_Word_t um[4][1024] __attribute__((aligned(4096)));
static volatile L4_Word_t got_b;

static void sync_call(L4_Word_t n, L4_Word_t v)
{
    L4_LoadMR(0, L4_MsgTagMake(0x50 + n, 1, 0).raw);
    L4_LoadMR(1, v);
    L4_Call(c2_me);
}

static unsigned char inb80(void)
{
    unsigned char v;
    __asm__ volatile("inb $0x80, %0" : "=a"(v));
    return v;
}

static void probe(void)
{
    volatile L4_Word_t *a = um[0], *a2 = um[1], *c = um[2], *d = um[3];
    a[0] = 1;
    (void)a2[0];
    sync_call(1, 0);
    (void)a[1];                                 /* unmapped: faults again */
    (void)a2[1];
    sync_call(2, 0);
    (void)a[2];                                 /* read right kept */
    a[2] = 2;                                   /* write right revoked */
    sync_call(3, 0);
    c[5] = 5;
    (void)d[5];
    sync_call(4, 0);
    got_b = *(volatile L4_Word_t *)B_VA;
    sync_call(5, 0);
    got_b = *(volatile L4_Word_t *)(B_VA + 4);   /* flushed: faults again */
    sync_call(6, got_b);
    (void)inb80();
    (void)inb80();
    sync_call(7, 0);
    (void)inb80();                              /* unmapped port: faults again */
    sync_call(8, 0);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Two levels: the root task maps uq to `mid` (second space), mid maps it on
 * to `leaf` (third space, paged by mid). */
static L4_Word_t uq[1024] __attribute__((aligned(4096)));
static volatile L4_ThreadId_t mid_id, leaf_id;
static volatile L4_Word_t leaf_stack, leaf_faults_q;

static void leaf(void)
{
    (void)*(volatile L4_Word_t *)&uq[0];
    L4_LoadMR(0, L4_MsgTagMake(0xA1, 0, 0).raw);
    L4_Call(mid_id);
    (void)*(volatile L4_Word_t *)&uq[1];
    L4_LoadMR(0, L4_MsgTagMake(0xA5, 0, 0).raw);
    L4_Call(mid_id);
    for (;;)
        L4_Sleep(L4_Never);
}

static void mid_pager(void)
{
    L4_LoadMR(0, L4_MsgTagMake(0, 2, 0).raw);
    L4_LoadMR(1, (L4_Word_t)leaf);
    L4_LoadMR(2, leaf_stack);
    L4_Send(leaf_id);
    L4_MsgTag_t tag = L4_Receive(leaf_id);
    for (;;) {
        L4_Word_t *mr = c2_mrs();
        if (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu) {
            if ((mr[1] & ~0xFFFu) == (L4_Word_t)uq)
                leaf_faults_q++;
            c2_fault_reply_item();              /* touching it makes us fault to the root task */
            tag = L4_Ipc(leaf_id, leaf_id, L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
            continue;
        }
        L4_LoadMR(0, L4_MsgTagMake(L4_Label(tag) + 1, 1, 0).raw);
        L4_LoadMR(1, leaf_faults_q);
        L4_Call(c2_me);
        L4_LoadMR(0, L4_MsgTagMake(0xA4, 0, 0).raw);
        tag = L4_Ipc(leaf_id, leaf_id, L4_Timeouts(L4_Never, L4_Never), NULL);
    }
}

static L4_MsgTag_t ev_tag;
static L4_Word_t ev_addr;

static int special(L4_Word_t a)
{
    return (a >= (L4_Word_t)um && a < (L4_Word_t)um + sizeof um) || (a & ~0xFFFu) == B_VA;
}

/* Send the reply in our MRs (if `reply`), take sp's next message, serving
 * faults outside the test pages. */
static int next_event(L4_ThreadId_t sp, int reply)
{
    L4_Word_t *mr = c2_mrs();
    L4_Word_t to = L4_Timeouts(L4_ZeroTime, c2_2s());
    L4_MsgTag_t tag = reply ? L4_Ipc(sp, sp, to, NULL) : L4_Receive_Timeout(sp, c2_2s());
    while (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu && !special(mr[1]) && c2_fault_reply_item())
        tag = L4_Ipc(sp, sp, to, NULL);
    ev_tag = tag;
    ev_addr = mr[1];
    return L4_IpcSucceeded(tag);
}

static void load_item(L4_Word_t fpage, L4_Word_t snd_base)
{
    L4_LoadMR(0, L4_MsgTagMake(0, 0, 2).raw);
    L4_LoadMR(1, (snd_base & ~0x3FFu) | 0x8u);
    L4_LoadMR(2, fpage);
}

static L4_Word_t page_fp(const void *p)
{
    return L4_FpageLog2((L4_Word_t)p, 12).raw | L4_FullyAccessible;
}

/* Map our page `p` in reply, then the next event. */
static int map_reply(L4_ThreadId_t sp, const void *p)
{
    load_item(page_fp(p), (L4_Word_t)p);
    return next_event(sp, 1);
}

static int is_fault(L4_Word_t label, const void *p)
{
    return ev_tag.raw == ((label << 16) | 2u) && (ev_addr & ~0xFFFu) == (L4_Word_t)p;
}

static int is_sync(L4_Word_t n)
{
    return L4_IpcSucceeded(ev_tag) && L4_Label(ev_tag) == 0x50 + n;
}

static int empty_reply(L4_ThreadId_t sp)
{
    L4_LoadMR(0, 0);
    return next_event(sp, 1);
}

static void test_recursive(void)
{
    L4_Word_t *mr = c2_mrs();
    L4_Word_t s1, s2;
    L4_ThreadId_t m = c2_space_prepare(&s1), l = c2_space_prepare_pager(&s2, m), x;
    mid_id = m;
    leaf_id = l;
    leaf_stack = s2;
    uq[0] = 0x51515151u;
    int ok = !L4_IsNilThread(l) && !L4_IsNilThread(c2_space_start(m, mid_pager, s1));
    L4_MsgTag_t tag = c2_recv(m, c2_2s(), &x);
    ktu_check("two_level_mapping_set_up",
              ok && L4_IpcSucceeded(tag) && L4_Label(tag) == 0xA2 && mr[1] == 1,
              "the third space did not read the page through the second space's pager");
    L4_UnmapFpage((L4_Fpage_t){ .raw = page_fp(uq) });
    c2_clear_faults();
    L4_LoadMR(0, L4_MsgTagMake(0xA3, 0, 0).raw);
    L4_Send_Timeout(m, c2_2s());
    tag = c2_recv(m, c2_2s(), &x);
    ktu_check("recursive_unmap_reaches_second_level",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0xA6 && mr[1] == 2,
              "the third space did not fault again after our Unmap");
    ktu_check("unmap_first_level_faulted_again", c2_fault_seen((L4_Word_t)uq, NULL),
              "the second space did not fault on the page again");
    c2_kill(l);
    c2_kill(m);
}

int main(void)
{
    c2_init();
    L4_Fpage_t b = L4_Sigma0_GetAny(c2_s0, 12, L4_FpageLog2(B_VA, 12));
    ktu_check("setup_sigma0_page", !L4_IsNilFpage(b) && L4_Address(b) != B_VA, "no page from sigma0");
    *(volatile L4_Word_t *)B_VA = 0xB0B0B0B0u;
    *(volatile L4_Word_t *)(B_VA + 4) = 0xB1B1B1B1u;
    L4_Fpage_t io = L4_Sigma0_GetIo(c2_s0, L4_IoFpageLog2(PORT, 0));
    ktu_check("setup_io_port", L4_IsIoFpage(io), "sigma0 did not give us port 0x80");

    L4_ThreadId_t sp = c2_space(probe);
    next_event(sp, 0);
    int ok = is_fault(0xFFE2, um[0]);
    ok = ok && map_reply(sp, um[0]) && is_fault(0xFFE5, um[1]);
    ok = ok && map_reply(sp, um[1]) && is_sync(1);
    ktu_check("setup_pages_mapped_to_second_space", ok && um[0][0] == 1, "faults at um[0], um[1] not as expected");

    L4_Fpage_t two[2] = { { .raw = page_fp(um[0]) }, { .raw = page_fp(um[1]) } };
    L4_UnmapFpages(2, two);
    empty_reply(sp);
    ktu_check("unmap_removes_derived_mapping", is_fault(0xFFE5, um[0]), "no new fault at um[0] after Unmap");
    ok = map_reply(sp, um[0]);
    ktu_check("own_mapping_kept_after_unmap", ok && !is_fault(0xFFE5, um[0]),
              "re-mapping our page failed: Unmap without flush removed our own mapping");
    ktu_check("unmap_two_fpages_k1", is_fault(0xFFE5, um[1]), "second fpage (MR1) not unmapped");
    ok = map_reply(sp, um[1]) && is_sync(2);

    L4_UnmapFpage((L4_Fpage_t){ .raw = L4_FpageLog2((L4_Word_t)um[0], 12).raw | L4_Writable });
    empty_reply(sp);
    ktu_check("unmap_write_right_only_leaves_read", ok && is_fault(0xFFE2, um[0]),
              "after revoking W the read faulted or the write did not");
    ok = map_reply(sp, um[0]) && is_sync(3);
    ktu_check("write_after_remap", ok && um[0][2] == 2, "write not in our frame");

    L4_GetStatus((L4_Fpage_t){ .raw = page_fp(um[2]) });
    L4_GetStatus((L4_Fpage_t){ .raw = page_fp(um[3]) });
    L4_Fpage_t again = L4_GetStatus((L4_Fpage_t){ .raw = page_fp(um[2]) });
    ktu_check("status_cleared_by_query", L4_Rights(again) == 0, "a second query still reports access");
    ktu_check("status_query_returns_fpage", (again.raw & ~0xFu) == (page_fp(um[2]) & ~0xFu),
              "base/size of the fpage changed");
    empty_reply(sp);
    ok = is_fault(0xFFE2, um[2]) && map_reply(sp, um[2]) && is_fault(0xFFE5, um[3]) &&
         map_reply(sp, um[3]) && is_sync(4);
    L4_Fpage_t sc = L4_GetStatus((L4_Fpage_t){ .raw = page_fp(um[2]) });
    L4_Fpage_t sd = L4_GetStatus((L4_Fpage_t){ .raw = page_fp(um[3]) });
    ktu_check("status_written_reports_rw", ok && (L4_Rights(sc) & 0x6) == 0x6,
              "written page not reported referenced + written");
    ktu_check("status_read_reports_r_not_w", ok && (L4_Rights(sd) & 0x4) && !(L4_Rights(sd) & 0x2),
              "read-only touched page not reported as referenced only");
    ktu_check("status_query_keeps_mapping", um[2][5] == 5, "write of the other space lost");

    empty_reply(sp);
    ok = is_fault(0xFFE5, (void *)B_VA) && map_reply(sp, (void *)B_VA) && is_sync(5);
    ktu_check("sigma0_page_mapped_on", ok && got_b == 0xB0B0B0B0u, "other space did not read our sigma0 page");
    L4_Flush((L4_Fpage_t){ .raw = page_fp((void *)B_VA) });
    empty_reply(sp);
    ktu_check("flush_removes_derived_mapping", is_fault(0xFFE5, (void *)B_VA), "no fault after flush");
    map_reply(sp, (void *)B_VA);
    ktu_check("flush_removes_own_mapping", is_fault(0xFFE5, (void *)B_VA),
              "mapping our flushed page still worked");
    L4_Fpage_t back = L4_Sigma0_GetPage_RcvWindow(c2_s0, L4_FpageLog2(L4_Address(b), 12), L4_FpageLog2(B_VA, 12));
    ktu_check("sigma0_rerequest_after_flush", L4_Address(back) == L4_Address(b), "sigma0 refused our own page");
    ok = map_reply(sp, (void *)B_VA) && is_sync(6);
    ktu_check("flushed_frame_content_kept", ok && c2_mrs()[1] == 0xB1B1B1B1u, "other space read wrong data");

    L4_Word_t *mr = c2_mrs();
    empty_reply(sp);
    ktu_check("io_fault_label_ff86", ev_tag.raw == 0xFF860002u && (mr[1] & ~0xFu) == (L4_IoFpageLog2(PORT, 0).raw & ~0xFu),
              "no IO page fault 0xFF860002 with the IO fpage of port 0x80");
    load_item(L4_IoFpageLog2(PORT, 0).raw, 0);
    next_event(sp, 1);
    ktu_check("io_fpage_mapped_by_pager", is_sync(7), "port access faulted again after the IO map item");
    L4_UnmapFpage(L4_IoFpageLog2(PORT, 0));
    empty_reply(sp);
    ktu_check("io_fpage_unmap_removes_port", ev_tag.raw == 0xFF860002u, "no IO fault after unmapping the port");
    load_item(L4_IoFpageLog2(PORT, 0).raw, 0);
    next_event(sp, 1);
    ktu_check("io_fpage_remapped", is_sync(8), "no progress after re-mapping the port");
    c2_kill(sp);
    test_recursive();

    /* the KIP and UTCB areas are never unmapped, not even from ourselves */
    L4_Word_t kip = (L4_Word_t)c2_kip;
    L4_Flush((L4_Fpage_t){ .raw = L4_FpageLog2(kip, 12).raw | L4_FullyAccessible });
    L4_Flush((L4_Fpage_t){ .raw = L4_FpageLog2(L4_MyLocalId().raw & ~0xFFFu, 12).raw | L4_FullyAccessible });
    ktu_check("flush_kip_and_utcb_untouched",
              L4_KipIsValid(c2_kip) && L4_MyGlobalId().raw == c2_me.raw,
              "KIP or UTCB gone after a flush of their pages");
    ktu_finish();
}
