/*
 * Root task (module 1, sigma0 = our sigma0 as module 0): every kernel entry
 * a user thread can take - `sysenter` (entered raw, right after the popf
 * that sets the flags, so that TF is set on the sysenter itself), each
 * system-call `int` vector 0x30..0x3A and the kdebug `int3` - with
 * user-settable EFLAGS bits set (TF, NT, AC, DF, ID, and IOPL attempted
 * through popf, which CPL 3 cannot change). The kernel must survive each
 * one, and the thread gets back EFLAGS with DF clear, IF set and IOPL 0
 * (ABI 4.3; kdebug keeps DF, ABI 6.1); TF is dropped by the sysenter entry. A call to sigma0 with NT
 * set checks that the flag does not leak into sigma0's return either.
 * Then sysenter with every data segment register (DS, ES, FS, GS) set to
 * the null selector or the UTCB selector: the kernel must not run on them
 * (it survives) and the thread gets them back unchanged (ABI 4.3). Last,
 * SS after a sysenter when an earlier `int` left 0x2B in the frame's SS
 * slot (odd_ss.h), through the sysexit and the declined (iret) exit.
 */
#include "ktest_user.h"
#include "odd_ss.h"

#include <l4/kip.h>
#include <l4/utcb.h>

#define FL_TF 0x00000100u
#define FL_IF 0x00000200u
#define FL_DF 0x00000400u
#define FL_IOPL 0x00003000u
#define FL_NT 0x00004000u
#define FL_AC 0x00040000u
#define FL_ID 0x00200000u

/* Inputs and outputs of one entry, by absolute address (raw assembly). */
struct entry_io {
    unsigned eax, ecx, edx, esi, edi;   /* 0..16: inputs */
    unsigned flags_in;                  /* 20: loaded by popf just before the entry */
    unsigned flags_out;                 /* 24: pushf right after it */
    unsigned eax_out, esi_out, edi_out; /* 28..36 */
};
struct entry_io eio __attribute__((used));

#define LOAD_INPUTS                                                                          \
    "mov eio+0, %%eax\n\tmov eio+4, %%ecx\n\tmov eio+8, %%edx\n\t"                           \
    "mov eio+12, %%esi\n\tmov eio+16, %%edi\n\t"
#define STORE_OUTPUTS                                                                        \
    "pushf\n\tpopl eio+24\n\tcld\n\t"                                                        \
    "mov %%eax, eio+28\n\tmov %%esi, eio+32\n\tmov %%edi, eio+36\n\t"

/* Ipc by a raw sysenter in the KIP entry's convention (EBX = return
 * address, EBP = ESP after it), with popf immediately before it. */
static void entry_sysenter(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     LOAD_INPUTS
                     "mov $1f, %%ebx\n\t"
                     "pushl eio+20\n\t"
                     "lea 4(%%esp), %%ebp\n\t"
                     "popf\n\t"
                     "sysenter\n"
                     "1:\n\t"
                     STORE_OUTPUTS
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");
}

#define ENTRY_INT(name, insn)                                                                \
    static void name(void)                                                                   \
    {                                                                                        \
        __asm__ volatile("push %%ebp\n\t"                                                    \
                         "push %%ebx\n\t" LOAD_INPUTS "pushl eio+20\n\t"                     \
                         "popf\n\t" insn "\n\t" STORE_OUTPUTS "pop %%ebx\n\t"                \
                         "pop %%ebp\n\t"                                                     \
                         :                                                                   \
                         :                                                                   \
                         : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");               \
    }

ENTRY_INT(entry_int30, "int $0x30")
ENTRY_INT(entry_int31, "int $0x31")
ENTRY_INT(entry_int32, "int $0x32")
ENTRY_INT(entry_int33, "int $0x33")
ENTRY_INT(entry_int34, "int $0x34")
ENTRY_INT(entry_int35, "int $0x35")
ENTRY_INT(entry_int36, "int $0x36")
ENTRY_INT(entry_int37, "int $0x37")
ENTRY_INT(entry_int38, "int $0x38")
ENTRY_INT(entry_int39, "int $0x39")
ENTRY_INT(entry_int3a, "int $0x3A")
ENTRY_INT(entry_kdebug, "int3\n\tcmp $0x02, %%al")   /* kdebug "clear page": a no-op */

static unsigned *utcb(void) { return (unsigned *)L4_MyLocalId().raw; }

/* Harmless arguments: nil IDs (errors or no-ops), a nil fpage in MR0. */
static void io_harmless(unsigned flags)
{
    utcb()[0] = 0;
    eio = (struct entry_io){ 0, 0, 0, 0, (unsigned)utcb(), flags | 0x2u, 0, 0, 0, 0 };
}

/* The flags came back as ABI 4.3 wants; `tf_dropped`: TF must be clear too. */
static int flags_ok(int tf_dropped)
{
    unsigned f = eio.flags_out;
    return (f & FL_DF) == 0 && (f & FL_IF) != 0 && (f & FL_IOPL) == 0 &&
           (!tf_dropped || (f & FL_TF) == 0);
}

/* After a kdebug operation (ABI 6.1: only the condition codes change) the
 * user's DF is still set, IF set and IOPL 0. */
static int flags_kept_by_kdebug(void)
{
    unsigned f = eio.flags_out;
    return (f & FL_DF) != 0 && (f & FL_IF) != 0 && (f & FL_IOPL) == 0;
}

struct int_entry {
    const char *name;
    void (*fn)(void);
};

static const struct int_entry int_entries[] = {
    { "flags_int30_space_control", entry_int30 },
    { "flags_int31_thread_control", entry_int31 },
    { "flags_int32_processor_control", entry_int32 },
    { "flags_int33_memory_control", entry_int33 },
    { "flags_int34_ipc", entry_int34 },
    { "flags_int35_lipc", entry_int35 },
    { "flags_int36_unmap", entry_int36 },
    { "flags_int37_exchange_registers", entry_int37 },
    { "flags_int38_system_clock", entry_int38 },
    { "flags_int39_thread_switch", entry_int39 },
    { "flags_int3a_schedule", entry_int3a },
    { "flags_int3_kdebug", entry_kdebug },
};

struct flag_case {
    const char *name;
    unsigned flags;
};

static const struct flag_case sysenter_cases[] = {
    { "flags_sysenter_df", FL_DF },
    { "flags_sysenter_ac", FL_AC },
    { "flags_sysenter_id", FL_ID },
    { "flags_sysenter_iopl_attempt", FL_IOPL },
    { "flags_sysenter_tf", FL_TF },
    { "flags_sysenter_nt", FL_NT },
    { "flags_sysenter_all", FL_TF | FL_NT | FL_AC | FL_DF | FL_ID | FL_IOPL },
};

/* A sigma0 "any 4 KB page" call through sysenter with `flags` set: sigma0
 * runs and returns to user mode in between. */
static int sigma0_call_with(unsigned flags, L4_ThreadId_t s0)
{
    unsigned *mr = utcb();
    mr[1] = 0xFFFFFCC8u;
    mr[2] = 0;
    mr[-16] = 0x10;
    eio = (struct entry_io){ s0.raw, 0, s0.raw, 0xFFA00002u, (unsigned)mr, flags | 0x2u,
                             0, 0, 0, 0 };
    entry_sysenter();
    return eio.eax_out == s0.raw && eio.esi_out == 0x80u && eio.edi_out == eio.edi && flags_ok(1);
}

/* Segment selectors to load before a raw sysenter (DS, ES, FS, GS) and as found after it. */
unsigned seg_in[4] __attribute__((used));
unsigned seg_out[4] __attribute__((used));

/* Ipc (inputs in eio) by a raw sysenter with DS/ES/FS/GS = seg_in; the flat
 * selectors are reloaded only after the values that came back are saved. */
static void entry_sysenter_segments(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "pushl seg_in+12\n\t"
                     "pushl seg_in+8\n\t"
                     "pushl seg_in+4\n\t"
                     "pushl seg_in+0\n\t"
                     LOAD_INPUTS
                     "pop %%ds\n\t"
                     "pop %%es\n\t"
                     "pop %%fs\n\t"
                     "pop %%gs\n\t"
                     "mov $1f, %%ebx\n\t"
                     "mov %%esp, %%ebp\n\t"
                     "sysenter\n"
                     "1:\n\t"
                     "push %%gs\n\t"
                     "push %%fs\n\t"
                     "push %%es\n\t"
                     "push %%ds\n\t"
                     "mov $0x23, %%ecx\n\t"
                     "mov %%ecx, %%ds\n\t"
                     "mov %%ecx, %%es\n\t"
                     "mov %%ecx, %%fs\n\t"
                     "mov $0x2B, %%ecx\n\t"
                     "mov %%ecx, %%gs\n\t"
                     "popl seg_out+0\n\t"
                     "popl seg_out+4\n\t"
                     "popl seg_out+8\n\t"
                     "popl seg_out+12\n\t"
                     "mov %%eax, eio+28\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     :
                     : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");
}

struct seg_case {
    const char *name;
    unsigned ds, es, fs, gs;
};

static const struct seg_case seg_cases[] = {
    { "segments_sysenter_ds_null", 0, 0x23, 0x23, 0x2B },
    { "segments_sysenter_es_null", 0x23, 0, 0x23, 0x2B },
    { "segments_sysenter_fs_null", 0x23, 0x23, 0, 0x2B },
    { "segments_sysenter_gs_null", 0x23, 0x23, 0x23, 0 },
    { "segments_sysenter_ds_utcb", 0x2B, 0x23, 0x23, 0x2B },
    { "segments_sysenter_es_utcb", 0x23, 0x2B, 0x23, 0x2B },
    { "segments_sysenter_all_odd", 0x2B, 0x2B, 0x3, 0x23 },
};

/* Each case is a sigma0 "any 4 KB page" call, which the fast path would
 * take (sigma0 waits for it): a receiver leaving with the caller's
 * selectors, or the caller getting sigma0's, shows in the check. */
static void check_segments(L4_ThreadId_t s0)
{
    for (unsigned i = 0; i < sizeof seg_cases / sizeof seg_cases[0]; i++) {
        const struct seg_case *c = &seg_cases[i];
        unsigned *mr = utcb();
        mr[1] = 0xFFFFFCC8u;
        mr[2] = 0;
        mr[-16] = 0x10;
        eio = (struct entry_io){ s0.raw, 0, s0.raw, 0xFFA00002u, (unsigned)mr, 0, 0, 0, 0, 0 };
        eio.eax_out = 0xFFFFFFFFu;
        seg_in[0] = c->ds;
        seg_in[1] = c->es;
        seg_in[2] = c->fs;
        seg_in[3] = c->gs;
        entry_sysenter_segments();
        int ok = eio.eax_out == s0.raw && mr[0] == 0x80u;
        for (unsigned k = 0; k < 4; k++)
            ok &= (seg_out[k] & 0xFFFFu) == (seg_in[k] & 0xFFFFu);
        ktu_check(c->name, ok, "segments not returned as they were, or the Ipc failed");
    }
}

/* odd_ss.h: a sigma0 page call, through the fast path (sysexit) with DS
 * 0x23 and through the general entry (iret) with DS null; SS must come
 * back 0x23 either way, and EFLAGS without the AC and ID of the `int`
 * before. */
static void check_stale_ss(L4_ThreadId_t s0)
{
    static const struct {
        const char *name, *flags_name;
        unsigned ds;
    } cases[] = { { "ss_after_sysexit", "flags_after_sysexit", 0x23 },
                  { "ss_after_declined_sysenter", "flags_after_declined_sysenter", 0 } };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned *mr = utcb();
        mr[1] = 0xFFFFFCC8u;
        mr[2] = 0;
        mr[-16] = 0x10;
        odd_ss = (struct odd_ss_io){ s0.raw, 0, s0.raw, 0xFFA00002u, (unsigned)mr, cases[i].ds, 0, 0, 0, 0 };
        ipc_after_odd_ss();
        ktu_check(cases[i].name, odd_ss_flat() && odd_ss.from_out == s0.raw && odd_ss.tag_out == 0x80u,
                  "SS not 0x23 after the Ipc, or the Ipc failed");
        ktu_check(cases[i].flags_name, odd_ss_flags_fresh(), "stale EFLAGS after the Ipc");
    }
}

int main(void)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t s0 = L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
    unsigned all_int = FL_NT | FL_AC | FL_DF | FL_ID | FL_IOPL;

    for (unsigned i = 0; i < sizeof int_entries / sizeof int_entries[0]; i++) {
        io_harmless(all_int);
        int_entries[i].fn();
        if (int_entries[i].fn == entry_kdebug)
            ktu_check(int_entries[i].name, flags_kept_by_kdebug(),
                      "kdebug changed DF, or IF clear or IOPL raised on return");
        else
            ktu_check(int_entries[i].name, flags_ok(0), "DF set, IF clear or IOPL raised on return");
    }
    for (unsigned i = 0; i < sizeof sysenter_cases / sizeof sysenter_cases[0]; i++) {
        io_harmless(sysenter_cases[i].flags);
        entry_sysenter();
        ktu_check(sysenter_cases[i].name, flags_ok(1) && eio.eax_out == 0 && eio.edi_out == eio.edi,
                  "flags or result wrong after sysenter");
    }
    ktu_check("flags_sysenter_nt_sigma0_call", sigma0_call_with(FL_NT | FL_DF | FL_AC, s0),
              "sigma0 call with NT/DF/AC set failed");
    ktu_check("flags_sysenter_tf_sigma0_call", sigma0_call_with(FL_TF, s0),
              "sigma0 call with TF set failed");
    check_segments(s0);
    check_stale_ss(s0);
    ktu_finish();
}
