/*
 * The demo booted by scripts/demo, as sigma0 for now: it runs in user mode,
 * finds the KIP with KernelInterface and prints what the kernel published.
 * (It grows into the multi-space IPC demo as system calls arrive.)
 */
#include <l4/kdebug.h>

static void print_hex(unsigned v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    buf[10] = 0;
    L4_KDB_PrintString(buf);
}

static void print_kv(const char *k, unsigned v)
{
    L4_KDB_PrintString(k);
    print_hex(v);
    L4_KDB_PrintChar('\n');
}

int main(void)
{
    unsigned kip, version, id;
    __asm__ volatile(".byte 0xF0, 0x90" /* lock; nop = KernelInterface */
                     : "=a"(kip), "=c"(version), "=S"(id) : : "edx", "memory");
    const unsigned *k = (const unsigned *)kip;
    const char *version_string = (const char *)(kip + k[0x0C / 4] + 16);

    L4_KDB_PrintString("\nhello from user mode (demo running as sigma0)\n");
    print_kv("  KIP mapped at        ", kip);
    print_kv("  API version          ", version);
    print_kv("  kernel id            ", id);
    L4_KDB_PrintString("  kernel version       ");
    L4_KDB_PrintString(version_string);
    L4_KDB_PrintChar('\n');
    print_kv("  memory descriptors   ", k[0x54 / 4] & 0xFFFF);
    print_kv("  ThreadInfo           ", k[0xC4 / 4]);
    print_kv("  UtcbAreaInfo         ", k[0xA8 / 4]);
    L4_KDB_PrintString("demo done.\n[TEST:EXIT] 0\n");
    for (;;)
        L4_KDB_Enter("demo finished");
}
