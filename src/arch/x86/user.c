/* The first user thread (see arch/user.h). */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/kdebug.h>
#include <arch/kipboot.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <arch/trap.h>
#include <arch/user.h>
#include <core/kprintf.h>

static uint8_t user_kstack[8192] __attribute__((aligned(16)));
static struct arch_space *cur_space;
static int cur_is_sigma0;

/* Stop the current user thread for good: nothing else can run yet. */
static _Noreturn void user_stop(void)
{
    kprintf("user thread stopped; nothing left to run\n");
    if (ktest_active) {
        ktest_fail("user", "user thread stopped");
        ktest_finish();
    }
    cpu_halt_forever();
}

_Noreturn void user_enter_first(struct arch_space *as, int is_sigma0, uint32_t eip, uint32_t esp)
{
    cur_space = as;
    cur_is_sigma0 = is_sigma0;
    pt_activate(as);
    uint32_t top = (uint32_t)(uintptr_t)(user_kstack + sizeof user_kstack);
    tss_set_esp0(top);
    struct frame *f = (struct frame *)(uintptr_t)(top - sizeof(struct frame));
    *f = (struct frame){
        .gs = SEL_UTCB, .fs = SEL_UDATA, .es = SEL_UDATA, .ds = SEL_UDATA,
        .eip = eip, .cs = SEL_UCODE, .eflags = 0x202, .usp = esp, .uss = SEL_UDATA,
    };
    trap_return(f);
}

/* sigma0's page faults are resolved 1:1 by the kernel (ABI 7.4). */
static int sigma0_fault(uint32_t addr)
{
    uint32_t page = addr & ~(PAGE_SIZE - 1u);
    if (addr >= USER_AREA_END || pmem_is_kernel(page))
        return 0;
    return pt_map(cur_space, page, page, 12, PTE_U | PTE_W);
}

/* KernelInterface: `lock; nop` raises #UD (ABI 4.1). True if emulated. */
static int kernel_interface(struct frame *f)
{
    uint8_t op[2];
    if (uaccess_read(cur_space, f->eip, op, sizeof op) != 2 || op[0] != 0xF0 || op[1] != 0x90)
        return 0;
    f->eax = KIP_AREA_DEFAULT;
    f->ecx = kernel_kip.api_version;
    f->edx = kernel_kip.api_flags;
    f->esi = kip_kernel_id(&kernel_kip);
    f->eip += 2;
    return 1;
}

void user_trap(struct frame *f)
{
    if (f->vector == 6 && kernel_interface(f))
        return;
    if (f->vector == 3) {
        switch (kdebug_handle(f, cur_space)) {
        case KDEBUG_DONE:
            return;
        case KDEBUG_STOP:
            user_stop();
        case KDEBUG_NOT_KDEBUG:
            break;
        }
    }
    if (f->vector == 14 && cur_is_sigma0 && sigma0_fault(cpu_read_cr2()))
        return;
    kprintf("\n*** user exception %u (%s) at eip %08x, cr2 %08x\n", f->vector,
            trap_name(f->vector), f->eip, cpu_read_cr2());
    trap_print_frame(f, f->usp);
    if (ktest_expected_vector == (int)f->vector) {
        ktest_pass(ktest_expected_name);
        ktest_finish();
    }
    user_stop();
}
