/*
 * Runs as sigma0 (module 0): the first user code. Checks the ring-3 entry,
 * the kdebug console, KernelInterface (lock;nop) and the KIP mapping, and
 * sigma0's idempotent page faults.
 */
#include "ktest_user.h"

extern char _start[];

struct kinfo {
    unsigned kip, version, flags, id, ebx, edi, ebp;
};

/* KernelInterface with callee-saved registers set to patterns to see they survive. */
static void kernel_interface(struct kinfo *k)
{
    __asm__ volatile("push %%ebp\n\t"
                     "mov $0x12345678, %%ebx\n\t"
                     "mov $0x9abcdef0, %%edi\n\t"
                     "mov $0x0badf00d, %%ebp\n\t"
                     ".byte 0xF0, 0x90\n\t"      /* lock; nop */
                     "mov %%ebp, %%ecx\n\t"
                     "pop %%ebp\n\t"
                     "mov %%ecx, %[ebp]\n\t"
                     "mov %%ebx, %[ebx]\n\t"
                     "mov %%edi, %[edi]\n\t"
                     : "=a"(k->kip), "=d"(k->flags), "=S"(k->id),
                       [ebx] "=m"(k->ebx), [edi] "=m"(k->edi), [ebp] "=m"(k->ebp)
                     :
                     : "ebx", "ecx", "edi", "memory");
    /* the version is re-read separately: ecx was used above for ebp */
    unsigned ver;
    __asm__ volatile(".byte 0xF0, 0x90" : "=c"(ver) : : "eax", "edx", "esi", "memory");
    k->version = ver;
}

struct clock_result {
    unsigned lo, hi, ecx, ebx, ebp, esp_before, esp_after;
};

/* Written by system_clock() through absolute addresses only, so that no
 * register the call may change is needed to find it. */
struct clock_result clock_regs __attribute__((used));

/* SystemClock through the KIP entry, with the libl4 convention (stub address
 * in ECX, near call); records what came back in every register that matters. */
static void system_clock(unsigned entry, struct clock_result *r)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "mov $0x11223344, %%ebx\n\t"
                     "mov $0x55667788, %%ebp\n\t"
                     "mov %%esp, clock_regs+20\n\t"
                     "call *%%ecx\n\t"
                     "mov %%esp, clock_regs+24\n\t"
                     "mov %%eax, clock_regs+0\n\t"
                     "mov %%edx, clock_regs+4\n\t"
                     "mov %%ecx, clock_regs+8\n\t"
                     "mov %%ebx, clock_regs+12\n\t"
                     "mov %%ebp, clock_regs+16\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     : "+c"(entry)
                     :
                     : "eax", "edx", "esi", "edi", "memory");
    *r = clock_regs;
}

int main(void)
{
    struct kinfo k;

    L4_KDB_PrintChar('[');
    L4_KDB_PrintChar(']');
    L4_KDB_PrintChar('\n');
    ktu_check("user_mode_kdebug_print", 1, "");
    kernel_interface(&k);
    ktu_check("kernel_interface_kip_address", k.kip == 0xBFF00000u, "eax is not the KIP area");
    ktu_check("kernel_interface_api_version", k.version == 0x84050000u, "ecx");
    ktu_check("kernel_interface_api_flags", k.flags == 0, "edx");
    ktu_check("kernel_interface_kernel_id", k.id == 0x2A010000u, "esi");
    ktu_check("kernel_interface_preserves_ebx_edi_ebp",
              k.ebx == 0x12345678u && k.edi == 0x9abcdef0u && k.ebp == 0x0badf00du,
              "callee registers changed");
    const volatile unsigned *kip = (const volatile unsigned *)k.kip;
    ktu_check("kip_magic_readable", kip[0] == 0x4BE6344Cu, "no magic at the KIP address");
    ktu_check("kip_memory_descriptors", (kip[0x54 / 4] & 0xFFFF) >= 4, "MemoryInfo.n < 4");
    const volatile unsigned *sigma0_kip = (const volatile unsigned *)0xBFF00000u;
    ktu_check("kip_sigma0_ip_is_our_entry", sigma0_kip[0x24 / 4] == (unsigned)(unsigned long)_start,
              "KIP sigma0.ip is not this program's entry point");
    volatile unsigned *ram = (volatile unsigned *)0x00600000u;
    ram[0] = 0xC0FFEE00u;
    ram[1023] = 0x600DF00Du;
    ktu_check("sigma0_idempotent_fault", ram[0] == 0xC0FFEE00u && ram[1023] == 0x600DF00Du,
              "1:1 page lost its contents");
    ktu_check("kdebug_readchar_nonblocking", L4_KDB_ReadChar() == -1, "no input expected");
    unsigned utcb;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(utcb));
    ktu_check("gs0_is_utcb_pointer", utcb == 0xBF000100u, "%gs:0 is not UtcbLocation + 256");
    const volatile unsigned *mr = (const volatile unsigned *)utcb;
    ktu_check("utcb_my_global_id", mr[-15] == ((48u << 14) | 1u), "MyGlobalId is not (UserBase, 1)");
    /* The kernel's last character may still be on the line (Bochs models the
     * baud rate): poll until the transmitter reports empty. */
    unsigned char lsr = 0;
    for (unsigned i = 0; i < 100000u && !(lsr & 0x60); i++)
        __asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((unsigned short)0x3FD));
    unsigned clock_entry = k.kip + ((const volatile unsigned *)k.kip)[0xF0 / 4];
    struct clock_result c1, c2;
    system_clock(clock_entry, &c1);
    for (volatile int spin = 0; spin < 100000; spin++)
        ;
    system_clock(clock_entry, &c2);
    unsigned long long t1 = (unsigned long long)c1.hi << 32 | c1.lo;
    unsigned long long t2 = (unsigned long long)c2.hi << 32 | c2.lo;
    ktu_check("system_clock_link_in_kip", clock_entry >= k.kip + 0x800 && clock_entry < k.kip + 0x1000,
              "SystemClock link offset outside the entry-code area");
    ktu_check("system_clock_monotonic", t2 > t1, "clock did not advance");
    ktu_check("system_clock_preserves_ecx_ebx_ebp",
              c2.ecx == clock_entry && c2.ebx == 0x11223344u && c2.ebp == 0x55667788u,
              "ECX/EBX/EBP changed");
    ktu_check("system_clock_returns_like_ret", c2.esp_after == c2.esp_before, "ESP differs");
    ktu_check("sigma0_owns_io_ports", (lsr & 0x60) != 0, "COM1 LSR read gave no THR-empty bits");
    ktu_finish();
}
