/*
 * Address spaces and memory (ABI 4.4/4.5): SpaceControl, Unmap (and flush /
 * status queries), MemoryControl (caching attributes) and ProcessorControl.
 *
 * Control-word encodings are pure; the wrappers are ia32 only.
 */
#ifndef L4_SPACE_H
#define L4_SPACE_H

#include <l4/types.h>
#include <l4/utcb.h>
#include <l4/kip.h>

/* Unmap control word: k [5..0] = index of the last fpage MR, f [6] = flush. */
enum {
    L4_UNMAP_FLUSH = 1u << 6,
    L4_UNMAP_COUNT_MASK = 0x3F,
};

/* ia32 memory attributes for MemoryControl (ABI 4.5). */
enum {
    L4_DefaultMemory = 0,
    L4_WriteBackMemory = 1,
    L4_WriteThroughMemory = 2,
    L4_UncachedMinusMemory = 3,  /* UC- (weak uncacheable) */
    L4_UncachedMemory = 4,
    L4_WriteCombiningMemory = 5,
    L4_WriteProtectedMemory = 8,
};

/* SpaceControl control word on ia32: bit 31 = small-space change with descriptor [7..0]. */
#define L4_SPACE_SMALL_CHANGE 0x80000000u

/* Unmap control word for fpages in MR0..MRk, flushing the caller's own mapping too if `flush`. */
static inline L4_Word_t L4_UnmapControl(L4_Word_t k, L4_Bool_t flush)
{
    return (k & L4_UNMAP_COUNT_MASK) | (flush ? (L4_Word_t)L4_UNMAP_FLUSH : 0);
}

#if defined(__i386__)

/* SpaceControl (privileged): initialise the space of SpaceSpecifier with its
 * KIP and UTCB areas, set its redirector (nil = unchanged). *old_control gets
 * the old control word. Returns 1/0 (ErrorCode). */
static inline L4_Word_t L4_SpaceControl(L4_ThreadId_t SpaceSpecifier, L4_Word_t control, L4_Fpage_t KipArea,
                                        L4_Fpage_t UtcbArea, L4_ThreadId_t Redirector, L4_Word_t *old_control)
{
    L4_Word_t eax = SpaceSpecifier.raw, ecx = control, edx = KipArea.raw, esi = UtcbArea.raw;
    L4_Word_t edi = Redirector.raw, ebx = __L4_SyscallEntry(L4_SYSCALL_SPACE_CONTROL);
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi), "+b"(ebx)
                     :
                     : "memory", "cc");
    if (old_control)
        *old_control = ecx;
    return eax;
}

/* Unmap: for the fpages in MR0..MRk revoke their rights from all derived
 * mappings (also the own one with the flush bit) and write the access status
 * back into the MRs. MR0 travels in ESI; the entry address in ECX survives. */
static inline void L4_Unmap(L4_Word_t control)
{
    L4_Word_t *utcb = __L4_Utcb();
    L4_Word_t eax = control, esi = utcb[L4_UTCB_MR0], edi = (L4_Word_t)utcb;
    L4_Word_t ecx = __L4_SyscallEntry(L4_SYSCALL_UNMAP);
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ecx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+S"(esi), "+D"(edi)
                     : "c"(ecx)
                     : "ebx", "edx", "memory", "cc");
    utcb[L4_UTCB_MR0] = esi;
}

/* Unmap one fpage from all mappings derived from ours; returns it with the access status. */
static inline L4_Fpage_t L4_UnmapFpage(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(L4_UnmapControl(0, 0));
    L4_StoreMR(0, &f.raw);
    return f;
}

/* Unmap n fpages (n <= 64); the status is written back into f[]. */
static inline void L4_UnmapFpages(L4_Word_t n, L4_Fpage_t *f)
{
    if (n == 0 || n > 64)
        return;
    L4_LoadMRs(0, (int)n, &f[0].raw);
    L4_Unmap(L4_UnmapControl(n - 1, 0));
    L4_StoreMRs(0, (int)n, &f[0].raw);
}

/* Flush one fpage: unmap it also from our own space; returns it with the access status. */
static inline L4_Fpage_t L4_Flush(L4_Fpage_t f)
{
    L4_LoadMR(0, f.raw);
    L4_Unmap(L4_UnmapControl(0, 1));
    L4_StoreMR(0, &f.raw);
    return f;
}

/* Flush n fpages (n <= 64); the status is written back into f[]. */
static inline void L4_FlushFpages(L4_Word_t n, L4_Fpage_t *f)
{
    if (n == 0 || n > 64)
        return;
    L4_LoadMRs(0, (int)n, &f[0].raw);
    L4_Unmap(L4_UnmapControl(n - 1, 1));
    L4_StoreMRs(0, (int)n, &f[0].raw);
}

/* Access status (referenced/written/executed) of f without revoking anything. */
static inline L4_Fpage_t L4_GetStatus(L4_Fpage_t f)
{
    L4_Set_Rights(&f, L4_NoAccess);
    return L4_UnmapFpage(f);
}

/* MemoryControl (privileged): for the fpages in MR0..MR(control & 63) set the
 * caching attribute selected by each fpage's two low bits from
 * attributes[0..3]. Returns 1/0 (ErrorCode). */
static inline L4_Word_t L4_MemoryControl(L4_Word_t control, const L4_Word_t *attributes)
{
    /* EBX (attribute 2) and EBP (attribute 3) are loaded inside the asm from
     * this block, addressed by EBX; the entry is called via the stack. */
    L4_Word_t *utcb = __L4_Utcb();
    struct {
        L4_Word_t attr2, attr3, entry;
    } regs = { attributes[2], attributes[3], __L4_SyscallEntry(L4_SYSCALL_MEMORY_CONTROL) };
    L4_Word_t eax = control, ecx = attributes[0], edx = attributes[1], esi = utcb[L4_UTCB_MR0];
    L4_Word_t edi = (L4_Word_t)utcb, ebx = (L4_Word_t)&regs;
    __asm__ volatile("push %%ebp\n\t"
                     "push 8(%%ebx)\n\t"
                     "mov 4(%%ebx), %%ebp\n\t"
                     "mov 0(%%ebx), %%ebx\n\t"
                     "call *(%%esp)\n\t"
                     "add $4, %%esp\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi), "+b"(ebx)
                     :
                     : "memory", "cc");
    return eax;
}

/* Set caching attribute `attribute` on our mappings in fpage f (privileged); returns 1/0. */
static inline L4_Word_t L4_Set_PageAttribute(L4_Fpage_t f, L4_Word_t attribute)
{
    L4_Word_t attributes[4] = { attribute, 0, 0, 0 };
    L4_Set_Rights(&f, 0);
    L4_LoadMR(0, f.raw);
    return L4_MemoryControl(0, attributes);
}

/* Set attributes on n fpages (n <= 64), each selecting one of attributes[0..3] by its low two bits. */
static inline L4_Word_t L4_Set_PagesAttributes(L4_Word_t n, const L4_Fpage_t *f, const L4_Word_t *attributes)
{
    if (n == 0 || n > 64)
        return 0;
    L4_LoadMRs(0, (int)n, &f[0].raw);
    return L4_MemoryControl(n - 1, attributes);
}

/* ProcessorControl (privileged): set frequencies (kHz) and voltage (mV) of a processor. Returns 1/0. */
static inline L4_Word_t L4_ProcessorControl(L4_Word_t ProcessorNo, L4_Word_t InternalFrequency,
                                            L4_Word_t ExternalFrequency, L4_Word_t voltage)
{
    L4_Word_t eax = ProcessorNo, ecx = InternalFrequency, edx = ExternalFrequency, esi = voltage;
    L4_Word_t ebx = __L4_SyscallEntry(L4_SYSCALL_PROCESSOR_CONTROL);
    __asm__ volatile("push %%ebp\n\t"
                     "call *%%ebx\n\t"
                     "pop %%ebp"
                     : "+a"(eax), "+c"(ecx), "+d"(edx), "+S"(esi), "+b"(ebx)
                     :
                     : "edi", "memory", "cc");
    return eax;
}

#endif /* __i386__ */

#endif
