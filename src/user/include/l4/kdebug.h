/*
 * Kernel-debugger interface of the X.2 ia32 ABI (section 6): int3 followed
 * by a marker instruction that the kernel decodes.
 */
#ifndef L4_KDEBUG_H
#define L4_KDEBUG_H

static inline void L4_KDB_PrintChar(char c)
{
    __asm__ volatile("int3\n\tcmpb $0, %%al" : : "a"(c) : "cc", "memory");
}

static inline void L4_KDB_PrintString(const char *s)
{
    __asm__ volatile("int3\n\tcmpb $1, %%al" : : "a"(s) : "cc", "memory");
}

/* Character from the console, or -1 if none is waiting. */
static inline int L4_KDB_ReadChar(void)
{
    int c;
    __asm__ volatile("int3\n\tcmpb $8, %%al" : "=a"(c) : : "cc", "memory");
    return c;
}

/* Wait for a character from the console. */
static inline int L4_KDB_ReadChar_Blocked(void)
{
    int c;
    __asm__ volatile("int3\n\tcmpb $13, %%al" : "=a"(c) : : "cc", "memory");
    return c;
}

/* Enter the kernel debugger with a message. */
#define L4_KDB_Enter(msg)                                             \
    __asm__ volatile("int3\n\tjmp 1f\n\tmov %0, %%eax\n1:"            \
                     : : "i"(msg) : "eax", "cc", "memory")

#endif
