/*
 * Root task (module 1, sigma0 = our sigma0 as module 0): the register binding
 * of Ipc (ABI 4.4) through both kernel entries - the KIP's entry code
 * (sysenter) and a raw `int $0x34` - with raw assembly, not the library:
 * EAX = from, ESI = MR0, EBX = MR1, EBP = MR2 (also in the UTCB), EDI and
 * ESP preserved, and the error words of a send to a nonexistent thread and
 * of a receive timeout.
 */
#include "ktest_user.h"

#include <l4/kip.h>
#include <l4/utcb.h>

struct ipc_out {
    unsigned eax, esi, ebx, ebp, edi, esp_delta;
};

/* Registers and stack as seen around the call, stored by absolute address. */
struct ipc_out ipc_regs_out __attribute__((used));
unsigned ipc_regs_in[5] __attribute__((used));   /* to, timeouts, from, mr0, utcb */

/* Ipc through `entry` (a KIP entry address, called like libl4 does). */
static void ipc_via_kip(unsigned entry)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "push %[entry]\n\t"
                     "mov ipc_regs_in+0, %%eax\n\t"
                     "mov ipc_regs_in+4, %%ecx\n\t"
                     "mov ipc_regs_in+8, %%edx\n\t"
                     "mov ipc_regs_in+12, %%esi\n\t"
                     "mov ipc_regs_in+16, %%edi\n\t"
                     "mov $0xdead0001, %%ebx\n\t"
                     "mov $0xdead0002, %%ebp\n\t"
                     "mov %%esp, ipc_regs_out+20\n\t"
                     "call *(%%esp)\n\t"
                     "sub %%esp, ipc_regs_out+20\n\t"
                     "add $4, %%esp\n\t"
                     "mov %%eax, ipc_regs_out+0\n\t"
                     "mov %%esi, ipc_regs_out+4\n\t"
                     "mov %%ebx, ipc_regs_out+8\n\t"
                     "mov %%ebp, ipc_regs_out+12\n\t"
                     "mov %%edi, ipc_regs_out+16\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     : [entry] "r"(entry)
                     : "eax", "ecx", "edx", "esi", "edi", "memory");
}

/* Ipc through a raw software interrupt, without the KIP. */
static void ipc_via_int(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "mov ipc_regs_in+0, %%eax\n\t"
                     "mov ipc_regs_in+4, %%ecx\n\t"
                     "mov ipc_regs_in+8, %%edx\n\t"
                     "mov ipc_regs_in+12, %%esi\n\t"
                     "mov ipc_regs_in+16, %%edi\n\t"
                     "mov $0xdead0001, %%ebx\n\t"
                     "mov $0xdead0002, %%ebp\n\t"
                     "mov %%esp, ipc_regs_out+20\n\t"
                     "int $0x34\n\t"
                     "sub %%esp, ipc_regs_out+20\n\t"
                     "mov %%eax, ipc_regs_out+0\n\t"
                     "mov %%esi, ipc_regs_out+4\n\t"
                     "mov %%ebx, ipc_regs_out+8\n\t"
                     "mov %%ebp, ipc_regs_out+12\n\t"
                     "mov %%edi, ipc_regs_out+16\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "esi", "edi", "memory");
}

/* One sigma0 "any 4 KB page" call through the given path; checks the binding. */
static void check_call(const char *name, int use_int, unsigned entry, L4_ThreadId_t s0)
{
    unsigned *mr = (unsigned *)L4_MyLocalId().raw;
    mr[1] = 0xFFFFFCC8u;              /* any 4 KB page (ABI 7.5) */
    mr[2] = 0;                        /* default attribute */
    mr[-16] = 0x10;                   /* BR0: accept mappings anywhere */
    ipc_regs_in[0] = s0.raw;          /* to */
    ipc_regs_in[1] = 0;               /* never / never */
    ipc_regs_in[2] = s0.raw;          /* closed receive from sigma0 */
    ipc_regs_in[3] = 0xFFA00002u;     /* MR0: sigma0 request, u = 2 */
    ipc_regs_in[4] = (unsigned)mr;    /* EDI: the UTCB pointer */
    if (use_int)
        ipc_via_int();
    else
        ipc_via_kip(entry);
    struct ipc_out o = ipc_regs_out;
    int ok = 1;
    ok &= ktu_check("ipc_from_in_eax", o.eax == s0.raw, "EAX is not sigma0's global ID");
    ok &= ktu_check("ipc_tag_in_esi", o.esi == 0x00000080u, "ESI is not the map-item reply tag");
    ok &= ktu_check("ipc_mr0_in_utcb", mr[0] == o.esi, "UTCB MR0 differs from ESI");
    ok &= ktu_check("ipc_mr1_in_ebx", o.ebx == mr[1] && (o.ebx & 0xE) == 0x8, "EBX != MR1 map item");
    ok &= ktu_check("ipc_mr2_in_ebp", o.ebp == mr[2] && (o.ebp >> 4 & 0x3F) == 12, "EBP != MR2 fpage");
    ok &= ktu_check("ipc_edi_preserved", o.edi == (unsigned)mr, "EDI changed");
    ok &= ktu_check("ipc_esp_like_ret", o.esp_delta == 0, "ESP differs after the call");
    ktu_check(name, ok, "register binding");
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    unsigned ipc_entry = (unsigned)kip + ((const unsigned *)kip)[0xE0 / 4];
    unsigned *mr = (unsigned *)L4_MyLocalId().raw;

    check_call("ipc_binding_kip_sysenter", 0, ipc_entry, s0);
    check_call("ipc_binding_int_0x34", 1, 0, s0);

    /* send to a thread that does not exist: E set, ErrorCode 4, EAX nil */
    ipc_regs_in[0] = L4_GlobalId(L4_ThreadIdUserBase(kip) + 77, 1).raw;
    ipc_regs_in[1] = 0;
    ipc_regs_in[2] = 0;
    ipc_regs_in[3] = 0;
    ipc_regs_in[4] = (unsigned)mr;
    ipc_via_kip(ipc_entry);
    ktu_check("ipc_send_nonexistent_error_4",
              (ipc_regs_out.esi & 0x8000u) && mr[-9] == 4 && ipc_regs_out.eax == 0,
              "no error 4 / nil from");
    /* receive from sigma0 with ZeroTime: nobody sends, error 3 (timeout, receive phase) */
    ipc_regs_in[0] = 0;
    ipc_regs_in[1] = 0x00000400u;
    ipc_regs_in[2] = s0.raw;
    ipc_via_int();
    ktu_check("ipc_receive_timeout_error_3", (ipc_regs_out.esi & 0x8000u) && mr[-9] == 3,
              "no receive timeout error");
    ktu_finish();
}
