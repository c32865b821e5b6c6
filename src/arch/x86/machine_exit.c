/* Leaving the emulator (both kernels: the debugger's test exit and boot
 * failures): QEMU through isa-debug-exit, Bochs through its shutdown port. */
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/ktest.h>
#include <arch/layout.h>
#include <core/kprintf.h>

/* Ask Bochs to end the simulation (no effect elsewhere), once the serial
 * line has sent the verdict. */
static void machine_bochs_shutdown(void)
{
    serial_flush();
    for (const char *p = "Shutdown"; *p; p++)
        out8(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
}

_Noreturn void machine_exit(unsigned code)
{
    out32(DEBUG_EXIT_PORT, code);
    machine_bochs_shutdown();
    kprintf("machine_exit: no isa-debug-exit device or Bochs shutdown port; halting\n");
    cpu_halt_forever();
}
