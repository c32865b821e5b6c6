/*
 * Client side of the sigma0 protocol (ABI 7.5): ask sigma0 for a specific
 * memory region, for any free page of a given size, or for IO ports.
 *
 * Request: MR0 = label -6 (0xFFA0), u = 2; MR1 = requested fpage (all base
 * bits set = "any page"); MR2 = memory attribute (0 = default). Reply: one
 * map item; its fpage (MR2) is the nilpage on refusal.
 */
#ifndef L4_SIGMA0_H
#define L4_SIGMA0_H

#include <l4/types.h>
#include <l4/message.h>
#include <l4/kip.h>

enum {
    L4_SIGMA0_PROTOCOL = 6,        /* label -6 */
    L4_SIGMA0_LABEL = 0xFFA0,
};

#define L4_SIGMA0_ANY_BASE 0xFFFFFC00u

/* sigma0's thread ID for a KIP: (UserBase, version 1). */
static inline L4_ThreadId_t L4_Sigma0IdOf(const void *kip)
{
    return L4_GlobalId(L4_ThreadIdUserBase(kip), 1);
}

/* The "any free conventional page of 2^log2size bytes" fpage, with `rights`. */
static inline L4_Fpage_t L4_Sigma0AnyFpage(L4_Word_t log2size, L4_Word_t rights)
{
    L4_Fpage_t f = { .raw = L4_SIGMA0_ANY_BASE | ((log2size & 0x3Fu) << L4_FPAGE_SIZE_SHIFT) |
                            (rights & L4_FPAGE_RIGHTS_MASK) };
    return f;
}

/* True if a requested fpage asks for any page (base bits [31..10] all set). */
static inline L4_Bool_t L4_Sigma0IsAnyRequest(L4_Fpage_t f)
{
    return (f.raw & L4_FPAGE_BASE_MASK) == L4_SIGMA0_ANY_BASE;
}

/* Tag of a sigma0 memory/IO request (u = 2). */
static inline L4_MsgTag_t L4_Sigma0RequestTag(void)
{
    return L4_MsgTagMake(L4_SIGMA0_LABEL, 2, 0);
}

/* The fpage granted by a sigma0 reply (tag, MR1, MR2), or the nilpage if it is not a map reply. */
static inline L4_Fpage_t L4_Sigma0ReplyFpage(L4_MsgTag_t tag, L4_Word_t mr1, L4_Word_t mr2)
{
    L4_MapItem_t m = { .raw = { mr1, mr2 } };
    if (L4_IpcFailed(tag) || L4_TypedWords(tag) < 2 || !L4_IsMapItem(m))
        return L4_Nilpage;
    return L4_MapItemSndFpage(m);
}

#if defined(__i386__)
#include <l4/ipc.h>

/* sigma0's thread ID. */
static inline L4_ThreadId_t L4_Sigma0Id(void)
{
    return L4_Sigma0IdOf(L4_GetKernelInterface());
}

/* Send request fpage f with attribute attr to s0 (nil = sigma0), accepting
 * the mapping into RcvWindow; returns the granted fpage or the nilpage. */
static inline L4_Fpage_t L4_Sigma0_Request(L4_ThreadId_t s0, L4_Fpage_t f, L4_Word_t attr,
                                           L4_Fpage_t RcvWindow)
{
    if (L4_IsNilThread(s0))
        s0 = L4_Sigma0Id();
    L4_Accept(L4_MapGrantItems(RcvWindow));
    L4_LoadMR(0, L4_Sigma0RequestTag().raw);
    L4_LoadMR(1, f.raw);
    L4_LoadMR(2, attr);
    L4_MsgTag_t tag = L4_Call(s0);
    L4_Word_t mr1, mr2;
    L4_StoreMR(1, &mr1);
    L4_StoreMR(2, &mr2);
    return L4_Sigma0ReplyFpage(tag, mr1, mr2);
}

/* Map region f (physical = base) 1:1 into our space; nilpage if refused. */
static inline L4_Fpage_t L4_Sigma0_GetPage(L4_ThreadId_t s0, L4_Fpage_t f)
{
    return L4_Sigma0_Request(s0, f, 0, L4_CompleteAddressSpace);
}

/* Map region f, received into window RcvWindow; nilpage if refused. */
static inline L4_Fpage_t L4_Sigma0_GetPage_RcvWindow(L4_ThreadId_t s0, L4_Fpage_t f, L4_Fpage_t RcvWindow)
{
    return L4_Sigma0_Request(s0, f, 0, RcvWindow);
}

/* Map region f with memory attribute attr (ia32 L4_*Memory values); nilpage if refused. */
static inline L4_Fpage_t L4_Sigma0_GetPageAttribute(L4_ThreadId_t s0, L4_Fpage_t f, L4_Word_t attr)
{
    return L4_Sigma0_Request(s0, f, attr, L4_CompleteAddressSpace);
}

/* Map any free conventional region of 2^log2size bytes (naturally aligned); nilpage if none. */
static inline L4_Fpage_t L4_Sigma0_GetAny(L4_ThreadId_t s0, L4_Word_t log2size, L4_Fpage_t RcvWindow)
{
    return L4_Sigma0_Request(s0, L4_Sigma0AnyFpage(log2size, L4_FullyAccessible), 0, RcvWindow);
}

/* Map the IO ports of IO fpage f into our IO space; nilpage if refused. */
static inline L4_Fpage_t L4_Sigma0_GetIo(L4_ThreadId_t s0, L4_Fpage_t f)
{
    return L4_Sigma0_Request(s0, f, 0, L4_CompleteAddressSpace);
}

#endif /* __i386__ */

#endif
