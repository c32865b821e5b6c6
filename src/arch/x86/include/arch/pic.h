/* The two cascaded 8259A interrupt controllers (legacy PIC). */
#ifndef ARCH_PIC_H
#define ARCH_PIC_H

#include <stdint.h>

#define PIC_VECTOR_BASE 0x20u   /* IRQ n arrives on vector 0x20 + n */
#define PIC_IRQ_LINES   16u

/* Remap IRQs 0..15 to vectors 0x20..0x2F and mask every line. */
void pic_init(void);

/* Mask or unmask one line. */
void pic_mask(unsigned irq);
void pic_unmask(unsigned irq);

/* Acknowledge `irq` (end of interrupt to the slave and/or master). */
void pic_eoi(unsigned irq);

/* Current mask of all 16 lines (bit n set = IRQ n masked). */
uint16_t pic_get_mask(void);

#endif
