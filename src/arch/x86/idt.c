/* Interrupt descriptor table: a gate per entry stub of entry.S. int3 (3),
 * into (4) and the system-call vectors are callable from user mode. */
#include <arch/cpu.h>
#include <arch/desc.h>
#include <arch/layout.h>
#include <arch/syscall.h>

#define IDT_VECTORS 256
#define STUB_VECTORS (SYSCALL_VECTOR_BASE + SYSCALL_COUNT)

extern const uint32_t vector_stubs[STUB_VECTORS];
static uint64_t idt[IDT_VECTORS];

/* Interrupt gate (type 0xE) to `handler` callable from privilege `dpl`. */
static uint64_t idt_gate(uint32_t handler, unsigned dpl)
{
    uint64_t g = handler & 0xFFFFu;
    g |= (uint64_t)SEL_KCODE << 16;
    g |= (uint64_t)(0x8Eu | (dpl << 5)) << 40;
    g |= (uint64_t)(handler >> 16) << 48;
    return g;
}

/* Task gate to the TSS selector `sel`. */
static uint64_t idt_task_gate(uint16_t sel)
{
    return ((uint64_t)sel << 16) | ((uint64_t)0x85u << 40);
}

void idt_init(void)
{
    for (unsigned v = 0; v < STUB_VECTORS; v++)
        idt[v] = idt_gate(vector_stubs[v], v == 3 || v == 4 || v >= SYSCALL_VECTOR_BASE ? 3 : 0);
    idt[8] = idt_task_gate(SEL_DFTSS);
    struct dtr d = { sizeof idt - 1, (uint32_t)(uintptr_t)idt };
    cpu_lidt(&d);
}
