/* Exception and interrupt dispatch (trap.c). */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <arch/frame.h>

/* Print the register state of `f` (interrupted stack pointer `esp`) on the console. */
void trap_print_frame(const struct frame *f, uint32_t esp);

/* Entry of the double-fault task (runs on its own TSS and stack). */
_Noreturn void double_fault_task(void);

/* Handle hardware interrupt line `irq` (vector 0x20 + irq). */
void irq_handle(unsigned irq);

/* Name of CPU exception `vector` ("#PF page fault", ...). */
const char *trap_name(unsigned vector);

#endif
