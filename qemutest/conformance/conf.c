/* Shared helpers of the conformance root tasks; see conf.h. */
#include "conf.h"

void *conf_kip;
L4_ThreadId_t conf_root, conf_sigma0;
L4_Word_t conf_user_base, conf_system_base;

static unsigned char space_stack[CONF_STACK_SIZE] __attribute__((aligned(4096)));

void conf_init(void)
{
    conf_kip = L4_GetKernelInterface();
    conf_root = L4_MyGlobalId();
    conf_user_base = L4_ThreadIdUserBase(conf_kip);
    conf_system_base = L4_ThreadIdSystemBase(conf_kip);
    conf_sigma0 = L4_GlobalId(conf_user_base, 1);
}

L4_ThreadId_t conf_tid(L4_Word_t n, L4_Word_t version)
{
    return L4_GlobalId(conf_user_base + n, version);
}

L4_Time_t conf_timeout(void)
{
    return fx_2s();
}

int conf_check_err(const char *name, L4_Word_t result, L4_Word_t code)
{
    L4_Word_t err = L4_ErrorCode();
    int ok = result == 0 && err == code;
    if (!ok) {
        ktu_print("  result ");
        ktu_print_hex(result);
        ktu_print(" ErrorCode ");
        ktu_print_hex(err);
        ktu_print(" expected 0 / ");
        ktu_print_hex(code);
        ktu_print("\n");
    }
    return ktu_check(name, ok, "wrong result or ErrorCode");
}

int conf_start_local(L4_ThreadId_t t, L4_Word_t utcb, void (*fn)(void), unsigned char *stack)
{
    return fx_start_local(t, conf_root, conf_sigma0, utcb, fn, stack, CONF_STACK_SIZE);
}

L4_Word_t conf_delete(L4_ThreadId_t t)
{
    return fx_delete(t);
}

_Noreturn void conf_report(const L4_Word_t *w, unsigned n)
{
    L4_Word_t copy[16];
    for (unsigned i = 0; i < n && i < 16; i++)
        copy[i] = w[i];
    L4_LoadMR(0, L4_MsgTagMake(CONF_LABEL_REPORT, n, 0).raw);
    for (unsigned i = 0; i < n; i++)
        L4_LoadMR((int)i + 1, copy[i]);
    L4_Send(conf_root);
    for (;;)
        L4_Sleep(L4_Never);
}

int conf_serve(L4_ThreadId_t t, void (*fn)(void), L4_Word_t *out, unsigned max)
{
    L4_Word_t *mr = fx_mrs();
    int n = -1;
    L4_MsgTag_t tag = fx_send_start(t, fn, (L4_Word_t)(space_stack + CONF_STACK_SIZE - 16));
    if (L4_IpcSucceeded(tag))
        tag = L4_Receive_Timeout(t, conf_timeout());
    L4_ThreadId_t from = t;
    while (L4_IpcSucceeded(tag) && fx_is_fault(tag)) {
        fx_load_fault_reply();
        tag = L4_Ipc(t, t, L4_Timeouts(L4_ZeroTime, conf_timeout()), &from);
    }
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == CONF_LABEL_REPORT) {
        n = (int)L4_UntypedWords(tag);
        for (int i = 0; i < n && (unsigned)i < max; i++)
            out[i] = mr[i + 1];
    }
    return n;
}

int conf_run_in_space(L4_ThreadId_t t, void (*fn)(void), L4_Word_t kip_base, L4_Word_t utcb_base,
                      L4_Word_t *out, unsigned max)
{
    if (!fx_new_space(t, conf_root, conf_root, kip_base, utcb_base))
        return -1;
    int n = conf_serve(t, fn, out, max);
    conf_delete(t);
    return n;
}

int conf_run_in_new_space(L4_ThreadId_t t, void (*fn)(void), L4_Word_t *out, unsigned max)
{
    return conf_run_in_space(t, fn, FX_KIP_BASE, FX_UTCB_BASE, out, max);
}
