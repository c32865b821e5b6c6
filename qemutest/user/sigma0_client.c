/*
 * Runs as the root task (module 1) with our sigma0 (src/user/sigma0) as
 * module 0: the sigma0 protocol end to end (ABI 7.5). The root task's own
 * image and stack reach it through page faults that sigma0 resolves; then
 * it asks for any page, for that page again, for sigma0's image (refused),
 * for shared VGA memory and for an IO port.
 *
 * Needs the kernel's IPC, map items and root-task start-up; registered
 * DISABLED in qemutest/CMakeLists.txt until those land.
 */
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>

#include "ktest_user.h"

int main(void)
{
    void *kip = L4_GetKernelInterface();
    L4_ThreadId_t s0 = L4_Sigma0IdOf(kip);
    ktu_check("root_task_runs", L4_ThreadNo(L4_MyGlobalId()) == L4_ThreadIdUserBase(kip) + 2,
              "not (UserBase + 2, 1)");
    ktu_check("pager_is_sigma0", L4_IsThreadEqual(L4_Pager(), s0), "Pager TCR is not sigma0");

    L4_Fpage_t any = L4_Sigma0_GetAny(s0, 12, L4_CompleteAddressSpace);
    ktu_check("get_any_page", !L4_IsNilFpage(any) && L4_SizeLog2(any) == 12 && L4_Address(any) != 0,
              "no 4 KB page");
    volatile L4_Word_t *p = (volatile L4_Word_t *)L4_Address(any);
    p[0] = 0x600DF00Du;
    p[1023] = 0xC0FFEEu;
    ktu_check("any_page_mapped_1to1", p[0] == 0x600DF00Du && p[1023] == 0xC0FFEEu, "page not usable");
    L4_Fpage_t again = L4_Sigma0_GetPage(s0, L4_FpageLog2(L4_Address(any), 12));
    ktu_check("owner_may_request_again", L4_Address(again) == L4_Address(any), "re-request refused");
    L4_Fpage_t s0img = L4_Sigma0_GetPage(s0, L4_FpageLog2(L4_KipWord(kip, L4_KIP_SIGMA0_LOW), 12));
    ktu_check("sigma0_image_refused", L4_IsNilFpage(s0img), "sigma0's own memory handed out");
    L4_Fpage_t vga = L4_Sigma0_GetPage(s0, L4_FpageLog2(0xB8000, 12));
    ktu_check("shared_vga_granted", L4_Address(vga) == 0xB8000, "VGA memory refused");
    L4_Fpage_t port = L4_Sigma0_GetIo(s0, L4_IoFpageLog2(0x80, 0));
    ktu_check("io_port_granted", L4_IsIoFpage(port) && L4_IoFpagePort(port) == 0x80, "port 0x80 refused");
    L4_Fpage_t big = L4_Sigma0_GetAny(s0, 22, L4_CompleteAddressSpace);
    ktu_check("get_any_4mb", !L4_IsNilFpage(big) && (L4_Address(big) & 0x3FFFFF) == 0, "no aligned 4 MB");
    ktu_finish();
}
