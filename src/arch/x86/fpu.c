/* Lazy FPU switching; see arch/fpu.h. */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <core/arch_hooks.h>

_Static_assert(sizeof(struct tcb) <= FPU_AREA_OFFSET, "the FXSAVE area overlaps the TCB");
_Static_assert(FPU_AREA_OFFSET + 512u <= TCB_SIZE / 2, "the FXSAVE area eats the kernel stack");

#define CR0_MP 0x00000002u
#define CR0_EM 0x00000004u
#define CR0_NE 0x00000020u
#define CR4_OSFXSR 0x00000200u
#define CR4_OSXMMEXCPT 0x00000400u

struct tcb *fpu_owner;
bool fpu_ts_set;                           /* CR0.TS as last written */
static bool fpu_fxsr;                      /* FXSAVE/FXRSTOR available */

static uint8_t *fpu_area(struct tcb *t)
{
    return (uint8_t *)t + FPU_AREA_OFFSET;
}

void fpu_init(void)
{
    uint32_t regs[4];
    cpu_cpuid(1, regs);
    fpu_fxsr = (regs[3] >> 24) & 1u;       /* FXSR */
    uint32_t cr0 = cpu_read_cr0();
    cpu_write_cr0((cr0 & ~CR0_EM) | CR0_MP | CR0_NE | CR0_TS);
    fpu_ts_set = true;
    if (fpu_fxsr)
        cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

bool fpu_trap(void)
{
    struct tcb *t = arch_current();
    __asm__ volatile("clts");
    fpu_ts_set = false;
    if (fpu_owner == t)
        return true;
    if (fpu_owner) {
        if (fpu_fxsr)
            __asm__ volatile("fxsave (%0)" : : "r"(fpu_area(fpu_owner)) : "memory");
        else
            __asm__ volatile("fnsave (%0)" : : "r"(fpu_area(fpu_owner)) : "memory");
    }
    if (t->arch.fpu_valid) {
        if (fpu_fxsr)
            __asm__ volatile("fxrstor (%0)" : : "r"(fpu_area(t)) : "memory");
        else
            __asm__ volatile("frstor (%0)" : : "r"(fpu_area(t)) : "memory");
    } else {
        __asm__ volatile("fninit" ::: "memory");
        if (fpu_fxsr) {
            uint32_t mxcsr = 0x1F80u;                /* all SIMD exceptions masked */
            __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
        }
        t->arch.fpu_valid = 1;
    }
    fpu_owner = t;
    return true;
}

void fpu_release(struct tcb *t)
{
    if (fpu_owner == t)
        fpu_owner = 0;
    t->arch.fpu_valid = 0;
}
