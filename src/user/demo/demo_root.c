/*
 * The demo root task booted by scripts/demo (with our sigma0 as module 0).
 * It starts a thread in its own address space and one in a new address
 * space that it pages itself, exchanges IPC with both, asks sigma0 for a
 * page of memory, maps it into the other space, and prints each step.
 */
#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/utcb.h>

static L4_ThreadId_t root;
static unsigned char stack_a[4096] __attribute__((aligned(16)));
static unsigned char stack_b[4096] __attribute__((aligned(16)));
static volatile char *shared;          /* the page from sigma0, in both spaces */

static void print(const char *s) { L4_KDB_PrintString(s); }

static void print_hex(L4_Word_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    buf[10] = 0;
    print(buf);
}

static void print_dec(L4_Word_t v)
{
    char buf[12];
    int i = 11;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    print(&buf[i]);
}

/* Thread A (our space): adds 1..100 and sends the sum. */
static void thread_a(void)
{
    L4_Word_t sum = 0;
    for (L4_Word_t i = 1; i <= 100; i++)
        sum += i;
    L4_LoadMR(0, L4_MsgTagMake(1, 1, 0).raw);
    L4_LoadMR(1, sum);
    L4_Send(root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Thread B (another space): asks for the shared page, reads it, answers. */
static void thread_b(void)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    mr[-16] = L4_CompleteAddressSpace.raw;     /* BR0: accept the mapping */
    L4_LoadMR(0, L4_MsgTagMake(3, 0, 0).raw);
    L4_Call(root);                             /* the reply maps the page */
    L4_Word_t n = 0;
    while (shared[n])
        n++;
    L4_LoadMR(0, L4_MsgTagMake(2, 2, 0).raw);
    L4_LoadMR(1, n);
    L4_LoadMR(2, (L4_Word_t)shared[0]);
    L4_Send(root);
    for (;;)
        L4_Sleep(L4_Never);
}

/* Answer page faults of `t` with our own pages until it sends a real message. */
static L4_MsgTag_t serve_pager(L4_ThreadId_t t)
{
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_MsgTag_t tag = L4_Receive(t);
    while ((L4_Label(tag) >> 4) == 0xFFE) {
        L4_Word_t page = mr[1] & ~0xFFFu;
        *(volatile L4_Word_t *)page = *(volatile L4_Word_t *)page;   /* ours must be mapped */
        print("  pager: space B faulted at ");
        print_hex(mr[1]);
        print(", mapping our page ");
        print_hex(page);
        print("\n");
        mr[0] = 0x00000080u;
        mr[1] = page | 0x8u;
        mr[2] = page | (12u << 4) | 0x7u;
        tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, L4_Never), &t);
    }
    return tag;
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    L4_Word_t *mr = (L4_Word_t *)L4_MyLocalId().raw;
    L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    L4_ThreadId_t a = L4_GlobalId(L4_ThreadIdUserBase(kip) + 3, 1);
    L4_ThreadId_t b = L4_GlobalId(L4_ThreadIdUserBase(kip) + 4, 1);
    L4_Word_t old;
    root = L4_MyGlobalId();

    print("\ndemo: root task ");
    print_hex(root.raw);
    print(" running in user mode; sigma0 is ");
    print_hex(s0.raw);
    print("\n");

    stack_a[0] = stack_a[sizeof stack_a - 1] = 0;  /* pages thread A uses: ours, mapped */
    (void)*(volatile char *)(void *)thread_a;
    L4_ThreadControl(a, root, root, s0, (void *)0xBF000200u);
    L4_Start_SpIp(a, (L4_Word_t)(stack_a + sizeof stack_a), (L4_Word_t)thread_a);
    L4_MsgTag_t tag = L4_Receive(a);
    print("demo: thread A ");
    print_hex(a.raw);
    print(" (same space) sent ");
    print_dec(L4_IpcSucceeded(tag) ? mr[1] : 0);
    print(" = 1 + 2 + ... + 100\n");

    L4_Fpage_t page = L4_Sigma0_GetAny(s0, 12, L4_CompleteAddressSpace);
    shared = (volatile char *)L4_Address(page);
    const char *text = "written by the root task";
    for (int i = 0; text[i] || (shared[i] = 0); i++)
        shared[i] = text[i];
    print("demo: sigma0 gave us the page ");
    print_hex(L4_Address(page));
    print("\n");

    L4_ThreadControl(b, b, root, L4_nilthread, (void *)-1);
    L4_SpaceControl(b, 0, L4_FpageLog2(0xBFF00000u, 12), L4_FpageLog2(0xBF000000u, 17),
                    L4_nilthread, &old);
    L4_ThreadControl(b, b, root, root, (void *)0xBF000000u);
    print("demo: created thread B ");
    print_hex(b.raw);
    print(" in a new address space, paged by us\n");
    L4_LoadMR(0, L4_MsgTagMake(0, 2, 0).raw);      /* start message: IP, SP */
    L4_LoadMR(1, (L4_Word_t)thread_b);
    L4_LoadMR(2, (L4_Word_t)(stack_b + sizeof stack_b));
    L4_Send(b);
    tag = serve_pager(b);                          /* B runs until it asks for the page */
    print("demo: thread B asked for the page (label ");
    print_dec(L4_Label(tag));
    print("); mapping the sigma0 page into space B\n");
    L4_LoadMR(0, L4_MsgTagMake(0, 0, 2).raw);
    L4_LoadMR(1, L4_Address(page) | 0x8u);
    L4_LoadMR(2, page.raw | 0x7u);
    L4_Send(b);
    tag = serve_pager(b);
    print("demo: thread B read ");
    print_dec(mr[1]);
    print(" characters starting with '");
    L4_KDB_PrintChar((char)mr[2]);
    print("' from the shared page\n");

    L4_ThreadControl(b, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1);
    L4_ThreadControl(a, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1);
    print("demo: deleted threads A and B (and with B its address space)\n");
    print("demo done.\n[TEST:EXIT] 0\n");
    for (;;)
        L4_KDB_Enter("demo finished");
}
