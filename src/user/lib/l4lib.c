/*
 * Run-time part of the user library: the KIP address and the absolute
 * entry addresses of the system calls, computed once from the KIP link
 * offsets (ABI 3.2, 4.2). Wrappers in the headers read the cache and call
 * __L4_SyscallInit() only while it is still empty.
 *
 * Guarantees: after the first system-call wrapper or L4_GetKernelInterface()
 * returns, __L4_syscall_entry[i] = KIP + KIP[0xD0 + 4 i] for all eleven
 * calls. Filling it twice (two threads racing) writes the same values.
 */
#include <l4/kip.h>

L4_Word_t __L4_syscall_entry[L4_SYSCALL_COUNT];
static void *l4lib_kip;

void *L4_GetKernelInterface(void)
{
    if (l4lib_kip == NULL)
        l4lib_kip = L4_KernelInterface(NULL, NULL, NULL);
    return l4lib_kip;
}

L4_Word_t __L4_SyscallInit(unsigned index)
{
    void *kip = L4_GetKernelInterface();
    for (unsigned i = 0; i < L4_SYSCALL_COUNT; i++)
        __L4_syscall_entry[i] = (L4_Word_t)kip + L4_KipSyscallLink(kip, i);
    return __L4_syscall_entry[index];
}
