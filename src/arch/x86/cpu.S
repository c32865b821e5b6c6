/*
 * Privileged instructions, out of line so that C code (and host tests of
 * drivers) see plain functions. Prototypes in arch/cpu.h.
 */
    .text
    .global out8, in8, out16, in16, out32, in32
out8:                       /* void out8(uint16_t port, uint8_t v) */
    mov 4(%esp), %edx
    mov 8(%esp), %eax
    out %al, %dx
    ret
in8:                        /* uint8_t in8(uint16_t port) */
    mov 4(%esp), %edx
    xor %eax, %eax
    in %dx, %al
    ret
out16:
    mov 4(%esp), %edx
    mov 8(%esp), %eax
    out %ax, %dx
    ret
in16:
    mov 4(%esp), %edx
    xor %eax, %eax
    in %dx, %ax
    ret
out32:
    mov 4(%esp), %edx
    mov 8(%esp), %eax
    out %eax, %dx
    ret
in32:
    mov 4(%esp), %edx
    in %dx, %eax
    ret

    .global cpu_read_cr0, cpu_read_cr2, cpu_read_cr3, cpu_read_cr4, cpu_write_cr3
cpu_read_cr0:
    mov %cr0, %eax
    ret
cpu_read_cr2:
    mov %cr2, %eax
    ret
cpu_read_cr3:
    mov %cr3, %eax
    ret
cpu_read_cr4:
    mov %cr4, %eax
    ret
cpu_write_cr3:
    mov 4(%esp), %eax
    mov %eax, %cr3
    ret

    .global cpu_lgdt, cpu_lidt, cpu_ltr, cpu_reload_segments
cpu_lgdt:                   /* void cpu_lgdt(const struct dtr *) */
    mov 4(%esp), %eax
    lgdt (%eax)
    ret
cpu_lidt:
    mov 4(%esp), %eax
    lidt (%eax)
    ret
cpu_ltr:                    /* void cpu_ltr(uint16_t sel) */
    mov 4(%esp), %eax
    ltr %ax
    ret
cpu_reload_segments:        /* kernel CS/DS after a new GDT */
    ljmp $0x08, $1f
1:  mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    ret

    .global cpu_halt_forever, cpu_read_esp, cpu_rdtsc
cpu_halt_forever:           /* interrupts off, halt; never returns */
    cli
1:  hlt
    jmp 1b
cpu_read_esp:
    lea 4(%esp), %eax
    ret
cpu_rdtsc:                  /* uint64_t cpu_rdtsc(void) */
    rdtsc
    ret

    .global cpu_wrmsr
cpu_wrmsr:                  /* void cpu_wrmsr(uint32_t msr, uint64_t value) */
    mov 4(%esp), %ecx
    mov 8(%esp), %eax
    mov 12(%esp), %edx
    wrmsr
    ret

    .global cpu_cpuid
cpu_cpuid:                  /* void cpu_cpuid(uint32_t leaf, uint32_t regs[4]) */
    push %ebx
    push %edi
    mov 12(%esp), %eax
    mov 16(%esp), %edi
    xor %ecx, %ecx
    cpuid
    mov %eax, 0(%edi)
    mov %ebx, 4(%edi)
    mov %ecx, 8(%edi)
    mov %edx, 12(%edi)
    pop %edi
    pop %ebx
    ret

    .global cpu_write_cr0, cpu_write_cr4
cpu_write_cr0:
    mov 4(%esp), %eax
    mov %eax, %cr0
    ret
cpu_write_cr4:
    mov 4(%esp), %eax
    mov %eax, %cr4
    ret
