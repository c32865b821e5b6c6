/* Leaving QEMU (both kernels: the debugger's test exit and boot failures). */
#include <arch/cpu.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <core/kprintf.h>

_Noreturn void machine_exit(unsigned code)
{
    out32(DEBUG_EXIT_PORT, code);
    kprintf("machine_exit: no isa-debug-exit device; halting\n");
    cpu_halt_forever();
}
