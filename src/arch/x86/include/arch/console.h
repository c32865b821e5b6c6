/* Kernel console on COM1 (serial.c). */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

void serial_init(void);
void serial_putc(char c);
/* Wait (bounded) until every character written has left the line. */
void serial_flush(void);
/* Next received character, or -1 if none is waiting. */
int serial_getc(void);

#endif
