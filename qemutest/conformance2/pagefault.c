/*
 * Conformance: the page-fault protocol (ABI 5.10, 1.5 map/grant items).
 * A thread in a second space whose pager is the root task touches prepared
 * pages; the root task checks each fault message (label 0xFFE2 write /
 * 0xFFE5 read or fetch, u = 2, MR1 address, MR2 EIP), answers with map
 * items (read-only, read-write, 8 KB), with nothing (the thread faults
 * again) and with a grant item (the root task's mapping disappears).
 * A pager (or exception handler) that cancels the fault IPC with
 * ExchangeRegisters instead of replying makes the thread raise the fault
 * again, with its message registers intact (issue 10 item 1).
 */
#include "c2.h"

#define GRANT_VA 0x04000000u     /* where we receive the page we grant away */
#define REMAP_VA 0x05000000u     /* where the probe asks for it again */
#define KIP_VA 0xBFF00000u       /* the second space's KIP area (c2_space) */

static L4_Word_t pf[10][1024] __attribute__((aligned(4096)));
/* An 8 KB-aligned pair of pages inside pf[4..6] (the linker aligns .bss to 4 KB only). */
static inline L4_Word_t big8k(void)
{
    return ((L4_Word_t)pf[4] + 0x1FFFu) & ~0x1FFFu;
}
static volatile L4_Word_t ip_w, ip_r, ip_p, got_r, got_grant, mrs_ok, stage;

/* Store v at p; *ip gets the address of the storing instruction. */
static void poke(volatile L4_Word_t *p, L4_Word_t v, volatile L4_Word_t *ip)
{
    L4_Word_t a;
    __asm__ volatile("movl $1f, %0\n1:\tmovl %2, (%1)" : "=&r"(a) : "r"(p), "r"(v) : "memory");
    *ip = a;
}

/* Load from p; *ip gets the address of the loading instruction. */
static L4_Word_t peek(volatile L4_Word_t *p, volatile L4_Word_t *ip)
{
    L4_Word_t a, v;
    __asm__ volatile("movl $1f, %0\n1:\tmovl (%2), %1" : "=&r"(a), "=&r"(v) : "r"(p) : "memory");
    *ip = a;
    return v;
}

static void probe(void)
{
    volatile L4_Word_t dummy;
    stage = 1;
    poke(&pf[0][2], 0x1111, &ip_w);                     /* write fault */
    stage = 2;
    L4_LoadMR(0, 0x12340000u);
    L4_LoadMR(1, 0xAAAA5555u);
    L4_LoadMR(2, 0x5555AAAAu);
    got_r = peek(&pf[1][4], &ip_r);                     /* read fault, mapped read-only */
    L4_Word_t m0, m1, m2;
    L4_StoreMR(0, &m0);
    L4_StoreMR(1, &m1);
    L4_StoreMR(2, &m2);
    mrs_ok = m0 == 0x12340000u && m1 == 0xAAAA5555u && m2 == 0x5555AAAAu;
    stage = 3;
    poke(&pf[1][4], 0x2222, &ip_p);                     /* write to a read-only page */
    stage = 4;
    (void)peek(&pf[2][0], &dummy);                      /* first reply carries no map item */
    stage = 5;
    (void)peek((volatile L4_Word_t *)big8k(), &dummy);     /* an 8 KB fpage comes back */
    (void)peek((volatile L4_Word_t *)(big8k() + 4096), &dummy);
    stage = 6;
    got_grant = peek((volatile L4_Word_t *)(GRANT_VA + 0x10), &dummy);
    stage = 7;
    (void)peek((volatile L4_Word_t *)REMAP_VA, &dummy);
    stage = 8;
    poke((volatile L4_Word_t *)KIP_VA, 1, &dummy);      /* write to the KIP */
    stage = 9;
    for (;;)
        L4_Sleep(L4_Never);
}

/* A pager in our space (paged by sigma0) for the exreg pager test. */
static volatile L4_Word_t alt_faults, alt_bad;
static void alt_pager(void)
{
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        if (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu && c2_fault_reply_item()) {
            alt_faults++;
            tag = L4_ReplyWait(from, &from);
        } else {
            alt_bad++;
            tag = L4_Wait(&from);
        }
    }
}

static volatile L4_Word_t pager_probe_ran;
static volatile L4_ThreadId_t alt_id;
/* Sets its own Pager TCR to alt_id, then touches a page it has not used. */
static void pager_probe(void)
{
    L4_Set_Pager(alt_id);
    pager_probe_ran = pf[9][7];
    L4_LoadMR(0, L4_MsgTagMake(0x99, 1, 0).raw);
    L4_LoadMR(1, L4_Pager().raw);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* ---- cancelled fault IPC: the faulting access is simply made again ---- */
#define CANCEL_VA 0x06000000u    /* unmapped in our space until the second fault */
static volatile L4_Word_t cancel_va, cancel_mrs_ok, cancel_value, cancel_ud_eax, cancel_stage;

/* Pager and exception handler = the root task; MR0..MR2 patterned, then a
 * read fault at CANCEL_VA and a ud2; reports back with label 0xCA. */
static void cancel_probe(void)
{
    L4_Set_Pager(c2_me);
    L4_Set_ExceptionHandler(c2_me);
    L4_LoadMR(0, 0x0C0C0000u);
    L4_LoadMR(1, 0x11112222u);
    L4_LoadMR(2, 0x33334444u);
    cancel_stage = 1;
    cancel_value = *(volatile L4_Word_t *)(cancel_va + 8);
    L4_Word_t m0, m1, m2, a;
    L4_StoreMR(0, &m0);
    L4_StoreMR(1, &m1);
    L4_StoreMR(2, &m2);
    cancel_mrs_ok = m0 == 0x0C0C0000u && m1 == 0x11112222u && m2 == 0x33334444u;
    cancel_stage = 2;
    __asm__ volatile("mov $0x0BADC0DE, %%eax\n\tud2\n\t" : "=a"(a) : : "memory");
    cancel_ud_eax = a;
    cancel_stage = 3;
    L4_LoadMR(0, L4_MsgTagMake(0xCA, 0, 0).raw);
    L4_Send(c2_me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* ExchangeRegisters on t with only `control` (abort bits, halt). */
static void exreg_control(L4_ThreadId_t t, L4_Word_t control)
{
    L4_Word_t old;
    (void)__L4_ExregControl(t, control, 0, 0, 0, &old);
}

/* The next message from t (label in *label, MR1 in *mr1); 0 on error. */
static int cancel_next(L4_ThreadId_t t, L4_Word_t *label, L4_Word_t *mr1)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(t, c2_2s());
    *label = L4_Label(tag);
    *mr1 = c2_mrs()[1];
    return L4_IpcSucceeded(tag);
}

/* Cancel t's fault IPC in one of two ways: abort R+S only (variant 0), or
 * abort and stop, then start it again (variant 1). */
static void cancel_fault_ipc(L4_ThreadId_t t, int variant)
{
    if (variant == 0) {
        exreg_control(t, L4_EXREG_ABORT_RECEIVE | L4_EXREG_ABORT_SEND);
        return;
    }
    exreg_control(t, L4_EXREG_ABORT_IPC_AND_STOP);
    c2_yield(2);
    L4_Start(t);
}

static void cancel_checks(int variant)
{
    static const char *const names[2][4] = {
        { "pf_cancelled_faults_again", "pf_cancelled_mrs_intact", "exc_cancelled_raised_again",
          "exc_cancelled_reply_applies" },
        { "pf_aborted_stopped_faults_again", "pf_aborted_stopped_mrs_intact",
          "exc_aborted_stopped_raised_again", "exc_aborted_stopped_reply_applies" },
    };
    L4_Word_t label, a1, a2;
    L4_Word_t va = CANCEL_VA + (L4_Word_t)variant * 0x00100000u;
    cancel_va = va;
    cancel_stage = 0;
    L4_ThreadId_t t = c2_local(cancel_probe);
    int ok = cancel_next(t, &label, &a1) && label == 0xFFE5u && a1 == va + 8;
    cancel_fault_ipc(t, variant);
    ok = ok && cancel_next(t, &label, &a2) && label == 0xFFE5u && a2 == va + 8;
    ktu_check(names[variant][0], ok && cancel_stage == 1,
              "no second page fault at the same address after the fault IPC was cancelled");
    L4_Fpage_t g = L4_Sigma0_GetAny(c2_s0, 12, L4_FpageLog2(va, 12));
    ((volatile L4_Word_t *)va)[2] = 0xCACA0000u + (L4_Word_t)variant;
    L4_LoadMR(0, 0);
    L4_Reply(t);
    ok = ok && !L4_IsNilFpage(g) && cancel_next(t, &label, &a1) && (label >> 4) == 0xFFBu;
    ktu_check(names[variant][1], ok && cancel_mrs_ok == 1 && cancel_value == 0xCACA0000u + (L4_Word_t)variant,
              "the retried access or the thread's MR0..MR2 were wrong");
    L4_Word_t first_ip = a1;
    int first_ud = c2_mrs()[3] == 6;
    cancel_fault_ipc(t, variant);
    ok = ok && first_ud && cancel_next(t, &label, &a2) && (label >> 4) == 0xFFBu && a2 == first_ip &&
         c2_mrs()[3] == 6 && cancel_stage == 2;
    ktu_check(names[variant][2], ok, "no second exception IPC for the same ud2 after the cancel");
    L4_Word_t *mr = c2_mrs();
    mr[0] = L4_MsgTagMake(0, 12, 0).raw;
    mr[1] += 2;
    mr[12] = 0xC0DEC0DEu;
    L4_Reply(t);
    ok = ok && cancel_next(t, &label, &a1) && label == 0xCAu;
    ktu_check(names[variant][3], ok && cancel_ud_eax == 0xC0DEC0DEu, "the thread did not continue with the reply");
    c2_kill(t);
}

static L4_MsgTag_t ev_tag;
static L4_Word_t ev_addr, ev_ip;

static int special(L4_Word_t a)
{
    return (a >= (L4_Word_t)pf && a < (L4_Word_t)pf + sizeof pf) || (a >> 24) == (GRANT_VA >> 24) ||
           (a >> 24) == (REMAP_VA >> 24) || (a & ~0xFFFu) == KIP_VA;
}

/* Send the reply in our MRs (if `reply`), then take sp's next message,
 * serving faults outside the test pages; 1 if a message came. */
static int next_event(L4_ThreadId_t sp, int reply)
{
    L4_Word_t *mr = c2_mrs();
    L4_Word_t to = L4_Timeouts(L4_ZeroTime, c2_2s());
    L4_MsgTag_t tag = reply ? L4_Ipc(sp, sp, to, NULL) : L4_Receive_Timeout(sp, c2_2s());
    while (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu && !special(mr[1]) && c2_fault_reply_item())
        tag = L4_Ipc(sp, sp, to, NULL);
    ev_tag = tag;
    ev_addr = mr[1];
    ev_ip = mr[2];
    return L4_IpcSucceeded(tag);
}

/* Load a map (or grant) item of our region at `base`, 2^log2 bytes, into MR0..2. */
static void load_item(L4_Word_t base, L4_Word_t snd_base, unsigned log2, L4_Word_t rights, int grant)
{
    L4_LoadMR(0, L4_MsgTagMake(0, 0, 2).raw);
    L4_LoadMR(1, (snd_base & ~0x3FFu) | (grant ? 0xAu : 0x8u));
    L4_LoadMR(2, L4_FpageLog2(base, (int)log2).raw | rights);
}

static int is_fault(L4_Word_t label, L4_Word_t addr)
{
    return ev_tag.raw == ((label << 16) | 2u) && ev_addr == addr;
}

int main(void)
{
    c2_init();
    for (unsigned i = 0; i < 10; i++)
        for (unsigned j = 0; j < 1024; j++)
            pf[i][j] = 0xC0000000u + i * 1024 + j;
    L4_Fpage_t g = L4_Sigma0_GetAny(c2_s0, 12, L4_FpageLog2(GRANT_VA, 12));
    ktu_check("setup_page_for_grant", !L4_IsNilFpage(g) && L4_Address(g) != GRANT_VA, "sigma0 gave no page");
    ((volatile L4_Word_t *)GRANT_VA)[4] = 0x6A6A6A6Au;

    L4_ThreadId_t sp = c2_space(probe);
    L4_MsgTag_t first = L4_Receive_Timeout(sp, c2_2s());
    int ok = L4_IpcSucceeded(first);
    ev_tag = first;
    ev_addr = c2_mrs()[1];
    ev_ip = c2_mrs()[2];
    ktu_check("first_fault_is_fetch_at_entry",
              ok && ev_tag.raw == 0xFFE50002u && ev_addr == (L4_Word_t)probe && ev_ip == (L4_Word_t)probe,
              "first fault not 0xFFE50002 with MR1 = MR2 = entry IP");
    c2_fault_reply_item();
    ok = next_event(sp, 1);
    ktu_check("write_fault_label_ffe2_exact_address", ok && is_fault(0xFFE2, (L4_Word_t)&pf[0][2]),
              "no 0xFFE2 fault (u = 2, t = 0) at the written word");
    L4_Word_t wip = ev_ip;
    load_item((L4_Word_t)pf[0], (L4_Word_t)pf[0], 12, L4_ReadWriteOnly, 0);
    ok = next_event(sp, 1);
    ktu_check("write_fault_ip_is_instruction", wip == ip_w && wip != 0, "MR2 is not the EIP of the store");
    ktu_check("mapped_page_shared_with_pager", pf[0][2] == 0x1111u, "the store did not reach our frame");
    ktu_check("read_fault_label_ffe5", ok && is_fault(0xFFE5, (L4_Word_t)&pf[1][4]),
              "no 0xFFE5 fault at the read word");
    L4_Word_t rip = ev_ip;
    load_item((L4_Word_t)pf[1], (L4_Word_t)pf[1], 12, L4_Readable | L4_eXecutable, 0);
    ok = next_event(sp, 1);
    ktu_check("read_fault_ip_is_instruction", rip == ip_r && rip != 0, "MR2 is not the EIP of the load");
    ktu_check("read_only_mapping_reads_our_data", got_r == 0xC0000404u, "value read is not ours");
    ktu_check("mrs_preserved_across_page_fault", mrs_ok == 1, "MR0..MR2 changed by the fault IPC");
    ktu_check("write_to_read_only_page_faults_ffe2", ok && is_fault(0xFFE2, (L4_Word_t)&pf[1][4]),
              "no write fault on the read-only page");
    load_item((L4_Word_t)pf[1], (L4_Word_t)pf[1], 12, L4_ReadWriteOnly, 0);
    ok = next_event(sp, 1);
    ktu_check("upgraded_mapping_takes_write", pf[1][4] == 0x2222u && ip_p != 0, "write after upgrade lost");
    ktu_check("read_fault_page_2", ok && is_fault(0xFFE5, (L4_Word_t)&pf[2][0]), "no fault at pf[2]");
    L4_LoadMR(0, 0);                                    /* reply without a map item */
    ok = next_event(sp, 1);
    ktu_check("reply_without_map_item_faults_again", ok && is_fault(0xFFE5, (L4_Word_t)&pf[2][0]),
              "no second fault at the same address");
    load_item((L4_Word_t)pf[2], (L4_Word_t)pf[2], 12, L4_FullyAccessible, 0);
    ok = next_event(sp, 1);
    ktu_check("fault_before_8k_mapping", ok && is_fault(0xFFE5, big8k()), "no fault at the 8 KB pair");
    load_item(big8k(), big8k(), 13, L4_FullyAccessible, 0);
    ok = next_event(sp, 1);
    ktu_check("8k_fpage_reply_covers_second_page", ok && is_fault(0xFFE5, GRANT_VA + 0x10),
              "second page faulted although the 8 KB fpage covered it");
    load_item(GRANT_VA, GRANT_VA, 12, L4_FullyAccessible, 1);
    ok = next_event(sp, 1);
    ktu_check("grant_delivers_page", got_grant == 0x6A6A6A6Au, "granted page content not seen");
    ktu_check("fault_after_grant", ok && is_fault(0xFFE5, REMAP_VA), "no fault at the re-map address");
    load_item(GRANT_VA, REMAP_VA, 12, L4_FullyAccessible, 0);  /* we should not have it any more */
    ok = next_event(sp, 1);
    ktu_check("grant_removes_granters_mapping", ok && is_fault(0xFFE5, REMAP_VA),
              "mapping our granted-away page still worked (or no fault)");
    load_item((L4_Word_t)pf[8], REMAP_VA, 12, L4_FullyAccessible, 0);
    ok = next_event(sp, 1);
    ktu_check("kip_write_is_page_fault", ok && is_fault(0xFFE2, KIP_VA) && stage == 8,
              "writing the KIP was not a 0xFFE2 fault at the KIP");
    c2_kill(sp);

    /* ExchangeRegisters is limited to the caller's own space (ABI 4.5); the
     * optional pager rule (KIP "pagerexregs") does not apply: sigma0 pages it */
    L4_Word_t stack, ctl, osp, oip, ofl, oh;
    L4_ThreadId_t opg;
    sp = c2_space_prepare_pager(&stack, L4_GlobalId(L4_ThreadIdUserBase(c2_kip), 1));
    L4_ThreadId_t res = L4_ExchangeRegisters(sp, L4_EXREG_START_SP_IP, stack, (L4_Word_t)pager_probe, 0, 0,
                                             L4_nilthread, &ctl, &osp, &oip, &ofl, &oh, &opg);
    ktu_check("exreg_other_space_error_2", L4_IsNilThread(res) && L4_ErrorCode() == 2,
              "ExchangeRegisters on a thread of another space did not fail with error 2");
    c2_kill(sp);

    /* the thread's own Pager TCR decides where its faults go */
    L4_ThreadId_t alt = c2_local(alt_pager);
    alt_id = alt;
    pf[9][7] = 0x9797u;
    sp = c2_space(pager_probe);
    L4_ThreadId_t x;
    c2_clear_faults();
    L4_MsgTag_t t2 = c2_recv(sp, c2_2s(), &x);
    L4_Word_t *mr = c2_mrs();
    ktu_check("faults_go_to_pager_tcr",
              L4_IpcSucceeded(t2) && L4_Label(t2) == 0x99 && alt_faults >= 1 && alt_bad == 0 &&
                  pager_probe_ran == 0x9797u && !c2_fault_seen((L4_Word_t)pf[9], NULL),
              "the fault after L4_Set_Pager did not reach the new pager (or reached us)");
    ktu_check("pager_tcr_read_back", mr[1] == alt.raw, "the thread's Pager TCR is not the new pager");
    c2_kill(sp);
    c2_kill(alt);

    cancel_checks(0);
    cancel_checks(1);
    ktu_finish();
}
