/*
 * Root task (module 1, our sigma0 as module 0) exercising the system calls
 * that create and control threads, on the real kernel:
 * ThreadControl (create, start message, delete), exception IPC to a handler
 * and the reply's new EIP, ExchangeRegisters state, a second address space
 * (ThreadControl + SpaceControl) whose page faults the root task serves as
 * its pager, the privilege check, and a hardware interrupt (RTC, IRQ 8)
 * delivered as IPC and re-enabled by the acknowledgement.
 */
#include "ktest_user.h"

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

#define LABEL_HELLO 0x1234u
#define LABEL_BACK  0x2345u
#define LABEL_SPACE 0x3456u

static L4_ThreadId_t me;
static unsigned char stack1[4096] __attribute__((aligned(16)));
static unsigned char stack2[4096] __attribute__((aligned(16)));

static L4_Time_t two_seconds(void)
{
    return L4_TimePeriod(2000000);
}

/* Thread in the root task's space: greets, raises #UD, says it came back. */
static void worker(void)
{
    L4_LoadMR(0, L4_MsgTagMake(LABEL_HELLO, 1, 0).raw);
    L4_LoadMR(1, 42);
    L4_Send(me);
    L4_Set_ExceptionHandler(me);
    __asm__ volatile("ud2");                   /* the handler moves EIP past it */
    L4_LoadMR(0, L4_MsgTagMake(LABEL_BACK, 0, 0).raw);
    L4_Send(me);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Thread in a second, unprivileged space: tries a privileged call, reports. */
static void space_worker(void)
{
    L4_Word_t r = L4_ThreadControl(L4_GlobalId(200, 1), L4_MyGlobalId(), L4_MyGlobalId(), L4_nilthread,
                                   (void *)-1);
    L4_Word_t err = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(LABEL_SPACE, 3, 0).raw);
    L4_LoadMR(1, r);
    L4_LoadMR(2, err);
    L4_LoadMR(3, L4_MyGlobalId().raw);
    L4_Send(me);
    for (;;)
        L4_Sleep(L4_Never);
}

static unsigned inb(unsigned short port)
{
    unsigned char v;
    __asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void outb(unsigned short port, unsigned char v)
{
    __asm__ volatile("outb %0, %w1" : : "a"(v), "Nd"(port));
}

/* Start `t` with the start message (ABI 5.13). */
static int start(L4_ThreadId_t t, void (*ip)(void), unsigned char *stack)
{
    L4_LoadMR(0, L4_MsgTagMake(0, 2, 0).raw);
    L4_LoadMR(1, (L4_Word_t)ip);
    L4_LoadMR(2, (L4_Word_t)(stack + 4096));
    return L4_IpcSucceeded(L4_Send(t));
}

static void test_thread_in_own_space(void *kip)
{
    L4_ThreadId_t w = L4_GlobalId(L4_ThreadIdUserBase(kip) + 3, 1);
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    /* same space as ours: its pages come from sigma0, like ours */
    L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    ktu_check("thread_control_create_active",
              L4_ThreadControl(w, me, me, s0, (void *)0xBF000200u) == 1, "ThreadControl failed");
    /* sigma0 hands our image's pages to us (the root task) only: touch what
     * the worker uses so that the space has it mapped */
    for (unsigned i = 0; i < sizeof stack1; i += 4096)
        stack1[i] = 0;
    stack1[sizeof stack1 - 1] = 0;
    (void)*(volatile unsigned char *)(void *)worker;
    /* its pager is sigma0, so we start it the other way: ExchangeRegisters
     * cancels the start receive, sets SP/IP and resumes it (ABI 5.13) */
    L4_Start_SpIp(w, (L4_Word_t)(stack1 + sizeof stack1), (L4_Word_t)worker);
    ktu_check("start_by_exchange_registers", 1, "");
    L4_MsgTag_t tag = L4_Receive_Timeout(w, two_seconds());
    ktu_check("thread_runs_after_start_message",
              L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_HELLO && mr[1] == 42, "no hello");
    tag = L4_Receive_Timeout(w, two_seconds());
    ktu_check("exception_ipc_to_handler",
              L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFB && L4_UntypedWords(tag) == 12 &&
                  mr[3] == 6,
              "no #UD exception message (label -5, 12 words, vector 6)");
    L4_Word_t eip = mr[1];
    L4_LoadMR(0, L4_MsgTagMake(0, 1, 0).raw);   /* only MR1: the other registers stay */
    L4_LoadMR(1, eip + 2);
    L4_Reply(w);
    tag = L4_Receive_Timeout(w, two_seconds());
    ktu_check("exception_reply_sets_eip", L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_BACK,
              "thread did not continue after ud2");
    L4_ThreadSwitch(w);                         /* let it run into its blocking receive */
    L4_Word_t ctl = 0, sp, ip, fl, h;
    L4_ThreadId_t pager;
    L4_ExchangeRegisters(w, 0x200, 0, 0, 0, 0, L4_nilthread, &ctl, &sp, &ip, &fl, &h, &pager);
    ktu_check("exreg_reports_receiving", (ctl & 2u) && pager.raw == s0.raw,
              "no R bit or wrong pager");
    ktu_check("thread_control_delete", L4_ThreadControl(w, L4_nilthread, L4_nilthread,
                                                        L4_nilthread, (void *)-1) == 1,
              "delete failed");
    L4_LoadMR(0, 0);
    tag = L4_Send_Timeout(w, L4_ZeroTime);
    ktu_check("ipc_to_deleted_thread_error_2", L4_IpcFailed(tag) && L4_ErrorCode() == 4,
              "send to a deleted thread did not fail with non-existing partner");
}

/* Serve page faults of `w` from our own pages until it sends `label`. */
static L4_MsgTag_t pager_loop(L4_ThreadId_t w, L4_Word_t label, unsigned *faults)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_MsgTag_t tag = L4_Receive_Timeout(w, two_seconds());
    while (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFE) {
        L4_Word_t page = mr[1] & ~0xFFFu;
        (void)*(volatile L4_Word_t *)page;      /* our own copy must be mapped */
        *(volatile L4_Word_t *)page = *(volatile L4_Word_t *)page;
        (*faults)++;
        mr[0] = 0x00000080u;                    /* one map item */
        mr[1] = page | 0x8u;
        mr[2] = page | (12u << 4) | 0x7u;
        tag = L4_Ipc(w, w, L4_Timeouts(L4_ZeroTime, two_seconds()), &w);
    }
    (void)label;
    return tag;
}

static void test_second_space(void *kip)
{
    L4_ThreadId_t w = L4_GlobalId(L4_ThreadIdUserBase(kip) + 4, 1);
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    unsigned faults = 0;
    ktu_check("thread_control_new_space", L4_ThreadControl(w, w, me, L4_nilthread, (void *)-1) == 1,
              "creating an inactive thread in a new space failed");
    L4_Word_t old;
    ktu_check("space_control_init",
              L4_SpaceControl(w, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17),
                              L4_nilthread, &old) == 1,
              "SpaceControl failed");
    ktu_check("thread_control_activate_with_pager",
              L4_ThreadControl(w, w, me, me, (void *)0xBF000000u) == 1, "activation failed");
    ktu_check("start_second_space", start(w, space_worker, stack2), "start IPC failed");
    L4_MsgTag_t tag = pager_loop(w, LABEL_SPACE, &faults);
    ktu_check("second_space_runs_on_our_pages",
              L4_IpcSucceeded(tag) && L4_Label(tag) == LABEL_SPACE && faults >= 2,
              "no message from the second space (or no page faults served)");
    ktu_check("second_space_is_unprivileged", mr[1] == 0 && mr[2] == 1,
              "ThreadControl from an unprivileged space did not fail with error 1");
    ktu_check("from_id_is_global_of_other_space", mr[3] == w.raw, "Myself() differs");
}

static void test_interrupt(void)
{
    L4_ThreadId_t irq = L4_GlobalId(8, 1), from;
    ktu_check("interrupt_attach", L4_ThreadControl(irq, irq, L4_nilthread, me, (void *)-1) == 1,
              "attaching IRQ 8 failed");
    outb(0x70, 0x8B);                           /* RTC register B: periodic interrupts on */
    unsigned b = inb(0x71);
    outb(0x70, 0x8B);
    outb(0x71, (unsigned char)(b | 0x40));
    outb(0x70, 0x0C);
    (void)inb(0x71);
    L4_MsgTag_t tag = L4_Receive_Timeout(irq, two_seconds());
    from = irq;
    ktu_check("interrupt_delivered_as_ipc", L4_IpcSucceeded(tag) && tag.raw == 0xFFF00000u,
              "no interrupt message from (8, 1)");
    outb(0x70, 0x0C);
    (void)inb(0x71);                            /* clear the RTC's flag, then acknowledge */
    L4_LoadMR(0, 0);
    tag = L4_ReplyWait_Timeout(irq, two_seconds(), &from);
    ktu_check("interrupt_redelivered_after_ack",
              L4_IpcSucceeded(tag) && tag.raw == 0xFFF00000u && from.raw == irq.raw,
              "no second interrupt after the acknowledgement");
    outb(0x70, 0x8B);
    outb(0x71, (unsigned char)(b & ~0x40u));
    outb(0x70, 0x0C);
    (void)inb(0x71);
    L4_LoadMR(0, 0);
    L4_Send_Timeout(irq, L4_ZeroTime);
    ktu_check("interrupt_detach", L4_ThreadControl(irq, irq, L4_nilthread, irq, (void *)-1) == 1,
              "detaching IRQ 8 failed");
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    me = L4_MyGlobalId();
    test_thread_in_own_space(kip);
    test_second_space(kip);
    test_interrupt();
    ktu_finish();
}
