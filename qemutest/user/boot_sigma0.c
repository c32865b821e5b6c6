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
    unsigned char lsr;
    __asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((unsigned short)0x3FD));
    ktu_check("sigma0_owns_io_ports", (lsr & 0x60) != 0, "COM1 LSR read gave no THR-empty bits");
    ktu_finish();
}
