/*
 * An Ipc by a raw sysenter (the KIP entry's convention: EBX = return
 * address, EBP = ESP) right after a ThreadSwitch `int` (which preserves
 * every register) taken with SS = the UTCB selector 0x2B and EFLAGS.AC
 * and ID set, so that the thread's frame holds 0x2B in its SS slot and
 * those flags in its EFLAGS slot from that entry. The sysenter entry
 * writes neither slot (SS after sysexit is 0x23, the flags 0x202), so
 * every exit of a sysenter frame through iret must store both first; a
 * kernel that forgets one hands the thread the stale 0x2B (whose 4-byte
 * limit makes its next push fault on hardware that checks limits) or the
 * stale AC and ID (cleared again before the sysenter). The caller fills
 * odd_ss.{to, timeouts, from_spec, tag, utcb, ds} (DS for the sysenter:
 * 0x23, or another selector to make the entry decline) and reads back
 * {from_out, tag_out, ss_out, flags_out}; DS and SS are 0x23 again before
 * memory is touched.
 */
#ifndef ODD_SS_H
#define ODD_SS_H

struct odd_ss_io {
    unsigned to, timeouts, from_spec, tag, utcb, ds;   /* 0..20 */
    unsigned from_out, tag_out, ss_out, flags_out;    /* 24..36 */
};

/* EFLAGS.AC and ID: set for the `int`, clear for the sysenter. */
#define ODD_SS_FLAGS 0x240000u
static struct odd_ss_io odd_ss __attribute__((used));

static void ipc_after_odd_ss(void)
{
    __asm__ volatile("push %%ebp\n\t"
                     "push %%ebx\n\t"
                     "pushf\n\t"
                     "orl %[set], (%%esp)\n\t"
                     "popf\n\t"
                     "xor %%eax, %%eax\n\t"          /* ThreadSwitch(nilthread) */
                     "mov $0x2B, %%ecx\n\t"
                     "mov %%ecx, %%ss\n\t"
                     "int $0x39\n\t"
                     "mov $0x23, %%ecx\n\t"
                     "mov %%ecx, %%ss\n\t"
                     "pushf\n\t"
                     "andl %[clear], (%%esp)\n\t"
                     "popf\n\t"
                     "mov odd_ss+0, %%eax\n\t"
                     "mov odd_ss+4, %%ecx\n\t"
                     "mov odd_ss+8, %%edx\n\t"
                     "mov odd_ss+12, %%esi\n\t"
                     "mov odd_ss+16, %%edi\n\t"
                     "mov odd_ss+20, %%ebx\n\t"
                     "mov %%ebx, %%ds\n\t"
                     "mov $1f, %%ebx\n\t"
                     "mov %%esp, %%ebp\n\t"
                     "sysenter\n"
                     "1:\n\t"
                     "mov %%ss, %%ecx\n\t"
                     "mov $0x23, %%edx\n\t"
                     "mov %%edx, %%ss\n\t"
                     "mov %%edx, %%ds\n\t"
                     "mov %%ecx, odd_ss+32\n\t"
                     "mov %%eax, odd_ss+24\n\t"
                     "mov %%esi, odd_ss+28\n\t"
                     "pushf\n\t"                     /* (segment loads keep the flags) */
                     "popl odd_ss+36\n\t"
                     "pop %%ebx\n\t"
                     "pop %%ebp\n\t"
                     :
                     : [set] "i"(ODD_SS_FLAGS), [clear] "i"(~ODD_SS_FLAGS)
                     : "eax", "ecx", "edx", "esi", "edi", "memory", "cc");
}

/* SS came back as the flat user selector. */
static inline int odd_ss_flat(void)
{
    return (odd_ss.ss_out & 0xFFFFu) == 0x23u;
}

/* EFLAGS came back without the `int`'s AC and ID, with IF. */
static inline int odd_ss_flags_fresh(void)
{
    return (odd_ss.flags_out & ODD_SS_FLAGS) == 0 && (odd_ss.flags_out & 0x200u) != 0;
}

#endif
