/* Shared scaffolding of the conformance2 root tasks; see c2.h. */
#include "c2.h"

#define C2_SLOTS 16u

extern char _end[];

void *c2_kip;
L4_ThreadId_t c2_me, c2_s0;
unsigned c2_faults;
L4_Word_t c2_last_fault[3];
L4_Word_t c2_fault_log[C2_FAULT_LOG][3];

static unsigned char c2_local_stacks[C2_SLOTS][4096] __attribute__((aligned(4096)));
static unsigned char c2_space_stacks[C2_SLOTS][4096] __attribute__((aligned(4096)));
static L4_Word_t c2_last_fault_addr, c2_last_fault_ip;
static unsigned c2_local_n, c2_space_n;

L4_Time_t c2_2s(void)
{
    return fx_2s();
}

int c2_in_image(L4_Word_t addr)
{
    return addr >= C2_IMAGE_BASE && addr < (L4_Word_t)_end;
}

L4_Word_t *c2_mrs(void)
{
    return fx_mrs();
}

int c2_fault_seen(L4_Word_t page, L4_Word_t *label)
{
    unsigned n = c2_faults < C2_FAULT_LOG ? c2_faults : C2_FAULT_LOG;
    for (unsigned i = 0; i < n; i++)
        if ((c2_fault_log[i][1] & ~0xFFFu) == (page & ~0xFFFu)) {
            if (label)
                *label = c2_fault_log[i][0];
            return 1;
        }
    return 0;
}

void c2_clear_faults(void)
{
    c2_faults = 0;
}

void c2_yield(unsigned n)
{
    while (n--)
        L4_ThreadSwitch(L4_nilthread);
}

void c2_init(void)
{
    c2_kip = L4_GetKernelInterface();
    c2_me = L4_MyGlobalId();
    c2_s0 = L4_Sigma0IdOf(c2_kip);
    for (L4_Word_t a = C2_IMAGE_BASE; a < (L4_Word_t)_end; a += 4096) {
        volatile L4_Word_t *p = (volatile L4_Word_t *)a;
        *p = *p;                                /* read and write: sigma0 maps it rw */
    }
    /* data and bss: write access too (the stacks live there) */
    for (unsigned i = 0; i < C2_SLOTS; i++)
        for (unsigned j = 0; j < 4096; j += 1024) {
            c2_local_stacks[i][j] = 0;
            c2_space_stacks[i][j] = 0;
        }
}

L4_ThreadId_t c2_local(void (*fn)(void))
{
    unsigned slot = c2_local_n % C2_SLOTS;
    c2_local_n++;
    L4_ThreadId_t t = L4_GlobalId(L4_ThreadIdUserBase(c2_kip) + 16 + slot, 1 + (c2_local_n & 0x3FFu));
    L4_Word_t utcb = FX_UTCB_BASE + (slot + 1) * L4_UtcbSize(c2_kip);
    if (!fx_start_local(t, c2_me, c2_s0, utcb, fn, c2_local_stacks[slot], 4096))
        return L4_nilthread;
    return t;
}

L4_ThreadId_t c2_space_prepare(L4_Word_t *stack_top)
{
    return c2_space_prepare_pager(stack_top, c2_me);
}

L4_ThreadId_t c2_space_prepare_pager(L4_Word_t *stack_top, L4_ThreadId_t pager)
{
    unsigned slot = c2_space_n % C2_SLOTS;
    c2_space_n++;
    L4_ThreadId_t t = L4_GlobalId(L4_ThreadIdUserBase(c2_kip) + 32 + slot, 1 + (c2_space_n & 0x3FFu));
    if (!fx_new_space(t, c2_me, pager, FX_KIP_BASE, FX_UTCB_BASE))
        return L4_nilthread;
    *stack_top = (L4_Word_t)(c2_space_stacks[slot] + 4096 - 16);
    return t;
}

L4_ThreadId_t c2_space(void (*fn)(void))
{
    L4_Word_t sp;
    L4_ThreadId_t t = c2_space_prepare(&sp);
    if (L4_IsNilThread(t))
        return t;
    return c2_space_start(t, fn, sp);
}

L4_ThreadId_t c2_space_start(L4_ThreadId_t t, void (*fn)(void), L4_Word_t sp)
{
    if (!L4_IpcSucceeded(fx_send_start(t, fn, sp))) {
        c2_kill(t);
        return L4_nilthread;
    }
    return t;
}

int c2_kill(L4_ThreadId_t t)
{
    return fx_delete(t) == 1;
}

int c2_fault_reply_item(void)
{
    L4_Word_t *mr = c2_mrs();
    L4_Word_t page = mr[1] & ~0xFFFu;
    c2_last_fault_addr = mr[1];
    c2_last_fault_ip = mr[2];
    if (!c2_in_image(page))
        return 0;
    fx_load_fault_reply();
    return 1;
}

L4_MsgTag_t c2_recv(L4_ThreadId_t from, L4_Time_t t, L4_ThreadId_t *sender)
{
    L4_ThreadId_t who = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, from, L4_Timeouts(L4_Never, t), &who);
    while (L4_IpcSucceeded(tag) && fx_is_fault(tag) && L4_UntypedWords(tag) == 2 &&
           c2_fault_reply_item()) {
        c2_faults++;
        c2_last_fault[0] = L4_Label(tag);
        c2_last_fault[1] = c2_last_fault_addr;
        c2_last_fault[2] = c2_last_fault_ip;
        for (unsigned i = 0; i < 3; i++)
            c2_fault_log[(c2_faults - 1) % C2_FAULT_LOG][i] = c2_last_fault[i];
        tag = L4_Ipc(who, from, L4_Timeouts(L4_ZeroTime, t), &who);
    }
    if (sender)
        *sender = who;
    return tag;
}
