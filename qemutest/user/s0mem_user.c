/*
 * Runs as sigma0 (module 0): our sigma0's ownership module (s0mem.c)
 * started from the real KIP the kernel and loader built. Checks that the
 * start-up picture is what sigma0 needs: its own image owned by itself,
 * kernel memory reserved, free conventional memory to hand out, shared
 * VGA memory, and that decisions on that picture are sane.
 */
#include <l4/kip.h>
#include <l4/sigma0.h>
#include <l4/utcb.h>

#include "ktest_user.h"
#include "s0mem.h"

extern char _start[];

static struct s0mem s0;

int main(void)
{
    void *kip = L4_GetKernelInterface();
    L4_Word_t me = L4_MyGlobalId().raw;
    L4_Word_t root = L4_GlobalId(L4_ThreadIdUserBase(kip) + 2, 1).raw;
    L4_Word_t user = L4_GlobalId(L4_ThreadIdUserBase(kip) + 9, 1).raw;
    ktu_check("s0mem_init_from_real_kip", s0mem_init_from_kip(&s0, kip) && s0.page_log2 == 12,
              "start-up failed or page size is not 4 KB");
    ktu_print("regions: ");
    ktu_print_hex(s0.mem.n);
    ktu_print("\n");
    const struct s0_region *own = s0map_lookup(&s0.mem, (L4_Word_t)_start);
    ktu_check("own_image_owned_by_sigma0", own->kind == S0_OWNED && own->owner == me,
              "sigma0's image is not assigned to sigma0");
    unsigned kernel = 0, free_pages = 0;
    for (unsigned i = 0; i < s0.mem.n; i++) {
        const struct s0_region *r = &s0.mem.r[i];
        if (r->kind == S0_KERNEL)
            kernel++;
        if (r->kind == S0_FREE)
            free_pages += (r->last - r->first + 1) >> 12;
    }
    ktu_check("kernel_memory_reserved", kernel > 0, "no kernel region");
    ktu_check("free_conventional_memory", free_pages >= 256, "less than 1 MB free");
    ktu_check("vga_shared", s0map_lookup(&s0.mem, 0xB8000)->kind == S0_SHARED, "0xB8000 not shared");
    L4_Fpage_t g = L4_Nilpage;
    ktu_check("any_page_granted", s0mem_decide_request(&s0, L4_Sigma0AnyFpage(12, 0), root, &g) == S0_OK &&
                                      s0mem_commit(&s0, g, root) == S0_OK && L4_Address(g) != 0,
              "no page for the root task");
    ktu_check("granted_page_refused_to_others",
              s0mem_decide_fault(&s0, L4_Address(g), user, &g) == S0_NOT_AVAILABLE, "page handed out twice");
    ktu_check("sigma0_image_refused_to_root",
              s0mem_decide_fault(&s0, (L4_Word_t)_start, root, &g) == S0_NOT_AVAILABLE,
              "sigma0's image given away");
    ktu_finish();
}
