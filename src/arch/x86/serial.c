/* COM1 serial console: 115200 8N1, polled. */
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/layout.h>

#define COM1 COM1_PORT

void serial_init(void)
{
    out8(COM1 + 1, 0x00);   /* no interrupts */
    out8(COM1 + 3, 0x80);   /* DLAB */
    out8(COM1 + 0, 0x01);   /* divisor 1: 115200 baud */
    out8(COM1 + 1, 0x00);
    out8(COM1 + 3, 0x03);   /* 8N1 */
    out8(COM1 + 2, 0xC7);   /* FIFO on, cleared */
    out8(COM1 + 4, 0x03);   /* DTR, RTS */
}

void serial_putc(char c)
{
    for (unsigned spins = 0; spins < 100000u && !(in8(COM1 + 5) & 0x20); spins++)
        ;
    out8(COM1, (uint8_t)c);
}

void serial_flush(void)
{
    for (unsigned spins = 0; spins < 1000000u && !(in8(COM1 + 5) & 0x40); spins++)
        ;
}

int serial_getc(void)
{
    if (!(in8(COM1 + 5) & 0x01))
        return -1;
    return in8(COM1);
}
