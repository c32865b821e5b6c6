/*
 * Runs as sigma0 (module 0): the user library against the real kernel.
 * KernelInterface, the KIP accessors, the UTCB accessors and SystemClock
 * must give the values the kernel publishes; every other system-call
 * wrapper is called once with harmless arguments (nil destinations,
 * nilpages), which must come back with the caller's stack, frame pointer
 * and locals intact whether or not the kernel implements the call yet.
 */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/types.h>
#include <l4/utcb.h>

#include "ktest_user.h"

/* One call of every system-call wrapper with harmless arguments;
 * returns 1 if the canaries around the calls survived. */
int l4lib_call_all(void);

struct big {
    L4_Word_t w[24];
};

/* Copy a struct (the compiler emits memcpy for this). */
void l4lib_copy(struct big *dst, const struct big *src);
void l4lib_copy(struct big *dst, const struct big *src)
{
    *dst = *src;
}

int l4lib_call_all(void)
{
    volatile L4_Word_t canary1 = 0xC0DE0001u;
    L4_Word_t oc, osp, oip, ofl, oh, old;
    L4_ThreadId_t op;
    L4_Word_t attrs[4] = { 0, 0, 0, 0 };
    volatile L4_Word_t canary2 = 0xC0DE0002u;

    L4_ThreadSwitch(L4_nilthread);
    L4_Yield();
    L4_LoadMR(0, 0);
    L4_Ipc(L4_nilthread, L4_nilthread, 0, NULL);
    L4_LoadMR(0, 0);
    L4_Lipc(L4_nilthread, L4_nilthread, 0, NULL);
    L4_ExchangeRegisters(L4_nilthread, 0, 0, 0, 0, 0, L4_nilthread, &oc, &osp, &oip, &ofl, &oh, &op);
    L4_ThreadControl(L4_nilthread, L4_nilthread, L4_nilthread, L4_nilthread, (void *)-1);
    L4_SpaceControl(L4_nilthread, 0, L4_Nilpage, L4_Nilpage, L4_nilthread, &old);
    L4_Schedule(L4_nilthread, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, L4_NO_CHANGE, &old);
    L4_LoadMR(0, L4_Nilpage.raw);
    L4_Unmap(0);
    L4_LoadMR(0, L4_Nilpage.raw);
    L4_MemoryControl(0, attrs);
    L4_ProcessorControl(0xFFFFu, 0, 0, 0);
    return canary1 == 0xC0DE0001u && canary2 == 0xC0DE0002u;
}

int main(void)
{
    L4_Word_t ver = 0, flags = 1, id = 0;
    void *kip = L4_KernelInterface(&ver, &flags, &id);
    ktu_check("kernel_interface_kip", (L4_Word_t)kip == 0xBFF00000u, "KIP not at 0xBFF00000");
    ktu_check("kernel_interface_words", ver == 0x84050000u && flags == 0 && id == L4_KipKernelId(kip),
              "ApiVersion/ApiFlags/KernelId disagree with the KIP");
    ktu_check("get_kernel_interface_cached", L4_GetKernelInterface() == kip && L4_GetKernelInterface() == kip,
              "cached KIP address differs");
    ktu_check("kip_valid", L4_KipIsValid(kip) && L4_KipApiVersion(kip) == ver, "magic/ApiVersion");
    ktu_check("kip_thread_info", L4_ThreadIdUserBase(kip) > L4_ThreadIdSystemBase(kip) &&
                                     L4_ThreadIdBits(kip) >= 8 && L4_ThreadIdBits(kip) <= 18,
              "ThreadInfo implausible");
    ktu_check("kip_page_info", L4_MinPageSizeLog2(kip) == 12 && (L4_PageSizeMask(kip) & 0x1000u),
              "smallest page is not 4 KB");
    ktu_check("kip_utcb_info", L4_UtcbSize(kip) == 512 && L4_UtcbAlignmentLog2(kip) == 9 &&
                                   L4_UtcbAreaSizeLog2(kip) == 12 && L4_KipAreaSizeLog2(kip) == 12,
              "UTCB/KIP area geometry");
    ktu_check("kip_memory_descriptors", L4_NumMemoryDescriptors(kip) >= 4 && L4_MemoryDesc(kip, 0) != NULL &&
                                            L4_MemoryDesc(kip, L4_NumMemoryDescriptors(kip)) == NULL,
              "descriptor count/access");
    ktu_check("kip_version_string", L4_KernelVersionString(kip)[0] != 0, "empty version string");
    ktu_check("kip_processors", L4_NumProcessors(kip) >= 1 && L4_ProcDesc(kip, 0) != NULL, "no processor");

    ktu_check("my_local_id", L4_MyLocalId().raw == 0xBF000100u, "local ID is not the UTCB pointer");
    ktu_check("my_global_id", L4_IsThreadEqual(L4_MyGlobalId(), L4_Sigma0IdOf(kip)),
              "MyGlobalId is not (UserBase, 1)");
    L4_Word_t w = 0;
    L4_LoadMR(5, 0x5A5A1234u);
    L4_StoreMR(5, &w);
    ktu_check("mr_round_trip", w == 0x5A5A1234u && __L4_Utcb()[5] == 0x5A5A1234u, "MR5");
    L4_LoadBR(3, 0x0BB0u);
    L4_StoreBR(3, &w);
    ktu_check("br_round_trip", w == 0x0BB0u && __L4_Utcb()[-16 - 3] == 0x0BB0u, "BR3");
    L4_Set_XferTimeouts(L4_Timeouts(L4_ZeroTime, L4_Never));
    ktu_check("xfer_timeouts_tcr", __L4_Utcb()[-8] == 0x04000000u && L4_XferTimeouts() == 0x04000000u,
              "XferTimeouts at -32");
    L4_Set_XferTimeouts(0);

    L4_Clock_t c1 = L4_SystemClock();
    for (volatile int spin = 0; spin < 200000; spin++)
        ;
    L4_Clock_t c2 = L4_SystemClock();
    ktu_check("system_clock_advances", c2.raw > c1.raw, "clock did not advance");
    ktu_check("syscall_entry_cache", __L4_syscall_entry[L4_SYSCALL_SYSTEM_CLOCK] ==
                                         (L4_Word_t)kip + L4_KipWord(kip, L4_KIP_SYSTEM_CLOCK),
              "cached SystemClock entry");

    struct big a, b;
    for (int i = 0; i < 24; i++)
        a.w[i] = (L4_Word_t)i * 3u;
    l4lib_copy(&b, &a);
    ktu_check("memcpy_struct_copy", b.w[0] == 0 && b.w[23] == 69, "struct copy");

    ktu_check("all_wrappers_return_intact", l4lib_call_all(), "stack or frame damaged by a wrapper");
    ktu_finish();
}
