/*
 * Root task (module 1) with our sigma0 (module 0): ports the root task was
 * never given fault to its pager as IO page faults (ABI 5.14); sigma0 maps
 * them and the instruction is retried. Byte, word and dword accesses,
 * immediate and DX forms.
 */
#include "ktest_user.h"

int main(void)
{
    unsigned char lsr;
    __asm__ volatile("inb %w1, %0" : "=a"(lsr) : "Nd"((unsigned short)0x3FD));
    ktu_check("io_fault_inb_dx_granted", (lsr & 0x60) != 0, "COM1 LSR did not read back");
    __asm__ volatile("outb %0, $0x80" : : "a"((unsigned char)0x42));
    ktu_check("io_fault_outb_imm8_granted", 1, "");
    __asm__ volatile("outl %0, %w1" : : "a"(0x80000000u), "Nd"((unsigned short)0xCF8));
    unsigned addr;
    __asm__ volatile("inl %w1, %0" : "=a"(addr) : "Nd"((unsigned short)0xCF8));
    ktu_check("io_fault_dword_port_granted", addr == 0x80000000u, "PCI config address not latched");
    unsigned short w;
    __asm__ volatile("inw %w1, %0" : "=a"(w) : "Nd"((unsigned short)0xCFC));
    ktu_check("io_fault_word_port_granted", w == 0x8086u, "host bridge vendor is not Intel");
    ktu_finish();
}
