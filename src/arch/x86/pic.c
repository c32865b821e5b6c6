/* 8259A PIC driver; see arch/pic.h. */
#include <arch/cpu.h>
#include <arch/pic.h>

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI   0x20

static uint16_t mask_bits = 0xFFFFu;

static void pic_write_mask(void)
{
    out8(PIC1_DATA, (uint8_t)mask_bits);
    out8(PIC2_DATA, (uint8_t)(mask_bits >> 8));
}

void pic_init(void)
{
    out8(PIC1_CMD, 0x11);                  /* ICW1: edge, cascade, ICW4 follows */
    out8(PIC2_CMD, 0x11);
    out8(PIC1_DATA, PIC_VECTOR_BASE);      /* ICW2: vector bases */
    out8(PIC2_DATA, PIC_VECTOR_BASE + 8);
    out8(PIC1_DATA, 0x04);                 /* ICW3: slave on IRQ 2 */
    out8(PIC2_DATA, 0x02);
    out8(PIC1_DATA, 0x01);                 /* ICW4: 8086 mode */
    out8(PIC2_DATA, 0x01);
    mask_bits = 0xFFFFu & ~(1u << 2);      /* everything masked but the cascade */
    pic_write_mask();
}

void pic_mask(unsigned irq)
{
    if (irq >= PIC_IRQ_LINES || irq == 2)
        return;
    mask_bits |= (uint16_t)(1u << irq);
    pic_write_mask();
}

void pic_unmask(unsigned irq)
{
    if (irq >= PIC_IRQ_LINES)
        return;
    mask_bits &= (uint16_t)~(1u << irq);
    pic_write_mask();
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        out8(PIC2_CMD, PIC_EOI);
    out8(PIC1_CMD, PIC_EOI);
}

uint16_t pic_get_mask(void)
{
    return mask_bits;
}
