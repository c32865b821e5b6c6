/* Out-of-line privileged instructions (cpu.S). */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdint.h>

struct dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

void out8(uint16_t port, uint8_t v);
uint8_t in8(uint16_t port);
void out16(uint16_t port, uint16_t v);
uint16_t in16(uint16_t port);
void out32(uint16_t port, uint32_t v);
uint32_t in32(uint16_t port);

uint32_t cpu_read_cr0(void);
uint32_t cpu_read_cr2(void);
uint32_t cpu_read_cr3(void);
uint32_t cpu_read_cr4(void);
void cpu_write_cr3(uint32_t v);
void cpu_write_cr0(uint32_t v);
void cpu_write_cr4(uint32_t v);
void cpu_lgdt(const struct dtr *d);
void cpu_lidt(const struct dtr *d);
void cpu_ltr(uint16_t sel);
void cpu_reload_segments(void);
_Noreturn void cpu_halt_forever(void);
uint32_t cpu_read_esp(void);
uint64_t cpu_rdtsc(void);
void cpu_wrmsr(uint32_t msr, uint64_t value);
void cpu_cpuid(uint32_t leaf, uint32_t regs[4]);

#endif
