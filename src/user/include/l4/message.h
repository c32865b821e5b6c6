/*
 * Messages (ABI 1.4-1.6): the message tag in MR0, typed items (map, grant,
 * string), acceptors for BR0 and receive string buffers, and the L4_Msg_t
 * buffer that holds a message in memory.
 *
 * All encoders/decoders are pure; loading a message into the MRs and
 * setting the acceptor need the UTCB (ia32 only).
 */
#ifndef L4_MESSAGE_H
#define L4_MESSAGE_H

#include <l4/types.h>
#include <l4/utcb.h>

/* ------------------------------------------------------------------ */
/* Message tag (MR0)                                                   */
/* ------------------------------------------------------------------ */

/* label [31..16], flags E X r p [15..12], t [11..6], u [5..0]. */
typedef union {
    L4_Word_t raw;
} L4_MsgTag_t;

#define L4_Niltag ((L4_MsgTag_t){ .raw = 0u })

enum {
    L4_TAG_U_MASK = 0x3F,
    L4_TAG_T_SHIFT = 6,
    L4_TAG_T_MASK = 0x3F,
    L4_TAG_FLAGS_SHIFT = 12,
    L4_TAG_LABEL_SHIFT = 16,
    /* flag bits inside MR0 */
    L4_TAG_PROPAGATED = 1u << 12,
    L4_TAG_REDIRECTED = 1u << 13,
    L4_TAG_XCPU = 1u << 14,
    L4_TAG_ERROR = 1u << 15,
};

/* Tag with `label`, u untyped and t typed words, no flags. */
static inline L4_MsgTag_t L4_MsgTagMake(L4_Word_t label, L4_Word_t u, L4_Word_t t)
{
    L4_MsgTag_t tag = { .raw = (label << L4_TAG_LABEL_SHIFT) | ((t & L4_TAG_T_MASK) << L4_TAG_T_SHIFT) |
                               (u & L4_TAG_U_MASK) };
    return tag;
}

/* The 16-bit label. */
static inline L4_Word_t L4_Label(L4_MsgTag_t t)
{
    return t.raw >> L4_TAG_LABEL_SHIFT;
}

/* Number of untyped words (MR1..MRu). */
static inline L4_Word_t L4_UntypedWords(L4_MsgTag_t t)
{
    return t.raw & L4_TAG_U_MASK;
}

/* Number of typed words following the untyped ones. */
static inline L4_Word_t L4_TypedWords(L4_MsgTag_t t)
{
    return (t.raw >> L4_TAG_T_SHIFT) & L4_TAG_T_MASK;
}

/* The four flag bits E X r p as a number (E = 8, X = 4, r = 2, p = 1). */
static inline L4_Word_t L4_MsgTagFlags(L4_MsgTag_t t)
{
    return (t.raw >> L4_TAG_FLAGS_SHIFT) & 0xFu;
}

/* The tag with its label replaced by `label`. */
static inline L4_MsgTag_t L4_MsgTagAddLabel(L4_MsgTag_t t, L4_Word_t label)
{
    t.raw = (t.raw & 0xFFFFu) | (label << L4_TAG_LABEL_SHIFT);
    return t;
}

/* Replace *t's label by `label`; returns the new tag. */
static inline L4_MsgTag_t L4_MsgTagAddLabelTo(L4_MsgTag_t *t, L4_Word_t label)
{
    *t = L4_MsgTagAddLabel(*t, label);
    return *t;
}

/* True if both tags are the same word. */
static inline L4_Bool_t L4_IsMsgTagEqual(L4_MsgTag_t l, L4_MsgTag_t r)
{
    return l.raw == r.raw;
}

/* True if the tags differ. */
static inline L4_Bool_t L4_IsMsgTagNotEqual(L4_MsgTag_t l, L4_MsgTag_t r)
{
    return l.raw != r.raw;
}

/* True if the IPC that returned this tag succeeded (E clear). */
static inline L4_Bool_t L4_IpcSucceeded(L4_MsgTag_t t)
{
    return (t.raw & L4_TAG_ERROR) == 0;
}

/* True if the IPC that returned this tag failed (E set; details in ErrorCode). */
static inline L4_Bool_t L4_IpcFailed(L4_MsgTag_t t)
{
    return (t.raw & L4_TAG_ERROR) != 0;
}

/* True if the received message was propagated (p). */
static inline L4_Bool_t L4_IpcPropagated(L4_MsgTag_t t)
{
    return (t.raw & L4_TAG_PROPAGATED) != 0;
}

/* True if the received message was redirected (r). */
static inline L4_Bool_t L4_IpcRedirected(L4_MsgTag_t t)
{
    return (t.raw & L4_TAG_REDIRECTED) != 0;
}

/* True if the message came from another processor (X). */
static inline L4_Bool_t L4_IpcXcpu(L4_MsgTag_t t)
{
    return (t.raw & L4_TAG_XCPU) != 0;
}

/* The tag with p set, for a propagating send. */
static inline L4_MsgTag_t L4_MsgTagAddPropagation(L4_MsgTag_t t)
{
    t.raw |= L4_TAG_PROPAGATED;
    return t;
}

/* Label -n (12-bit two's complement in label bits [15..4]) as a 16-bit label, low bits 0. */
static inline L4_Word_t L4_ProtocolLabel(int n)
{
    return ((L4_Word_t)(-n) & 0xFFFu) << 4;
}

/* True if MR0 bits [31..20] equal protocol label -n (low label bits, u, t ignored). */
static inline L4_Bool_t L4_IsProtocol(L4_MsgTag_t t, int n)
{
    return (t.raw >> 20) == ((L4_Word_t)(-n) & 0xFFFu);
}

/* ------------------------------------------------------------------ */
/* Typed items (ABI 1.5)                                               */
/* ------------------------------------------------------------------ */

enum {
    L4_ITEM_TYPE_MASK = 0xE,
    L4_ITEM_MAP = 0x8,
    L4_ITEM_GRANT = 0xA,
    L4_ITEM_CONTINUE = 0x1,
};

/* Map item: word 0 send base | 0x8, word 1 send fpage. */
typedef union {
    L4_Word_t raw[2];
} L4_MapItem_t;

/* Grant item: word 0 send base | 0xA, word 1 send fpage. */
typedef union {
    L4_Word_t raw[2];
} L4_GrantItem_t;

/* Map item sending fpage `f`, send base `SndBase` (bits below 1 KB dropped). */
static inline L4_MapItem_t L4_MapItem(L4_Fpage_t f, L4_Word_t SndBase)
{
    L4_MapItem_t m = { .raw = { (SndBase & L4_FPAGE_BASE_MASK) | L4_ITEM_MAP, f.raw } };
    return m;
}

/* True if the item is a map item. */
static inline L4_Bool_t L4_IsMapItem(L4_MapItem_t m)
{
    return (m.raw[0] & L4_ITEM_TYPE_MASK) == L4_ITEM_MAP;
}

/* Send fpage of a map item. */
static inline L4_Fpage_t L4_MapItemSndFpage(L4_MapItem_t m)
{
    L4_Fpage_t f = { .raw = m.raw[1] };
    return f;
}

/* Send base of a map item. */
static inline L4_Word_t L4_MapItemSndBase(L4_MapItem_t m)
{
    return m.raw[0] & L4_FPAGE_BASE_MASK;
}

/* Grant item sending fpage `f`, send base `SndBase`. */
static inline L4_GrantItem_t L4_GrantItem(L4_Fpage_t f, L4_Word_t SndBase)
{
    L4_GrantItem_t g = { .raw = { (SndBase & L4_FPAGE_BASE_MASK) | L4_ITEM_GRANT, f.raw } };
    return g;
}

/* True if the item is a grant item. */
static inline L4_Bool_t L4_IsGrantItem(L4_GrantItem_t g)
{
    return (g.raw[0] & L4_ITEM_TYPE_MASK) == L4_ITEM_GRANT;
}

/* Send fpage of a grant item. */
static inline L4_Fpage_t L4_GrantItemSndFpage(L4_GrantItem_t g)
{
    L4_Fpage_t f = { .raw = g.raw[1] };
    return f;
}

/* Send base of a grant item. */
static inline L4_Word_t L4_GrantItemSndBase(L4_GrantItem_t g)
{
    return g.raw[0] & L4_FPAGE_BASE_MASK;
}

/* Simple string item (one substring): word 0 length << 10 | hints, word 1 address. */
typedef union {
    L4_Word_t raw[2];
} L4_StringItem_t;

enum {
    L4_UseDefaultCacheLineAllocation = 0,
    L4_AllocateNewCacheLines = 1,
    L4_DoNotAllocateNewCacheLines = 2,
    L4_AllocateOnlyNewL1CacheLines = 3,
    L4_STRING_LENGTH_SHIFT = 10,
    L4_STRING_COMPOUND = 1u << 9,
    L4_STRING_J_SHIFT = 4,
};
#define L4_STRING_MAX_LENGTH 0x3FFFFFu

/* Simple string item of `size` bytes (at most 4 MB - 1) at `address`. */
static inline L4_StringItem_t L4_StringItem(L4_Word_t size, const void *address)
{
    L4_StringItem_t s = { .raw = { (size & L4_STRING_MAX_LENGTH) << L4_STRING_LENGTH_SHIFT,
                                   (L4_Word_t)(uintptr_t)address } };
    return s;
}

/* True if the item is a string item (type bits 0xx). */
static inline L4_Bool_t L4_IsStringItem(const L4_StringItem_t *s)
{
    return (s->raw[0] & 0x8u) == 0;
}

/* True if the next item continues this string (compound). */
static inline L4_Bool_t L4_CompoundString(const L4_StringItem_t *s)
{
    return (s->raw[0] & L4_STRING_COMPOUND) != 0;
}

/* Length in bytes of each substring. */
static inline L4_Word_t L4_StringItemLength(const L4_StringItem_t *s)
{
    return s->raw[0] >> L4_STRING_LENGTH_SHIFT;
}

/* Number of substrings (j + 1). */
static inline L4_Word_t L4_Substrings(const L4_StringItem_t *s)
{
    return ((s->raw[0] >> L4_STRING_J_SHIFT) & 0x1Fu) + 1;
}

/* Address word of substring n (0-based) of a string item laid out in consecutive words. */
static inline L4_Word_t L4_Substring(const L4_StringItem_t *s, L4_Word_t n)
{
    return s->raw[1 + n];
}

/* Cache allocation hint (hh) of a string item. */
static inline L4_Word_t L4_CacheAllocationHint(const L4_StringItem_t *s)
{
    return (s->raw[0] >> 1) & 0x3u;
}

/* The string item with cache allocation hint `h`. */
static inline L4_StringItem_t L4_AddCacheAllocationHint(L4_StringItem_t s, L4_Word_t h)
{
    s.raw[0] = (s.raw[0] & ~0x6u) | ((h & 0x3u) << 1);
    return s;
}

/* ------------------------------------------------------------------ */
/* Acceptor (BR0) and receive buffers (ABI 1.6)                        */
/* ------------------------------------------------------------------ */

/* Receive window [31..4] (nil = no map/grant items), s bit 0 = accept strings. */
typedef union {
    L4_Word_t raw;
} L4_Acceptor_t;

#define L4_UntypedWordsAcceptor ((L4_Acceptor_t){ .raw = 0u })
#define L4_StringItemsAcceptor ((L4_Acceptor_t){ .raw = 1u })

/* Acceptor for map/grant items into receive window `RcvWindow` (no strings). */
static inline L4_Acceptor_t L4_MapGrantItems(L4_Fpage_t RcvWindow)
{
    L4_Acceptor_t a = { .raw = RcvWindow.raw & ~0xFu };
    return a;
}

/* Acceptor for string items only (buffers from BR1). */
static inline L4_Acceptor_t L4_StringItems(void)
{
    return L4_StringItemsAcceptor;
}

/* Union of two acceptors: strings if either accepts them, the window of `r` if it has one. */
static inline L4_Acceptor_t L4_AddAcceptor(L4_Acceptor_t l, L4_Acceptor_t r)
{
    L4_Acceptor_t a;
    L4_Word_t window = (r.raw & ~0xFu) ? (r.raw & ~0xFu) : (l.raw & ~0xFu);
    a.raw = window | ((l.raw | r.raw) & 1u);
    return a;
}

/* Add `r` to *l; returns the new acceptor. */
static inline L4_Acceptor_t L4_AddAcceptorTo(L4_Acceptor_t *l, L4_Acceptor_t r)
{
    *l = L4_AddAcceptor(*l, r);
    return *l;
}

/* `l` without what `r` accepts: no strings if r accepts strings, no window if r has one. */
static inline L4_Acceptor_t L4_RemoveAcceptor(L4_Acceptor_t l, L4_Acceptor_t r)
{
    L4_Acceptor_t a = l;
    if (r.raw & 1u)
        a.raw &= ~1u;
    if (r.raw & ~0xFu)
        a.raw &= 0xFu;
    return a;
}

/* Remove `r` from *l; returns the new acceptor. */
static inline L4_Acceptor_t L4_RemoveAcceptorFrom(L4_Acceptor_t *l, L4_Acceptor_t r)
{
    *l = L4_RemoveAcceptor(*l, r);
    return *l;
}

/* True if the acceptor accepts string items. */
static inline L4_Bool_t L4_HasStringItems(L4_Acceptor_t a)
{
    return (a.raw & 1u) != 0;
}

/* True if the acceptor accepts map/grant items (non-nil window). */
static inline L4_Bool_t L4_HasMapGrantItems(L4_Acceptor_t a)
{
    return (a.raw & ~0xFu) != 0;
}

/* The receive window of the acceptor. */
static inline L4_Fpage_t L4_RcvWindow(L4_Acceptor_t a)
{
    L4_Fpage_t f = { .raw = a.raw & ~0xFu };
    return f;
}

/* Receive string buffers: raw[0] is BR1, raw[1] BR2, ... (32 words). */
typedef union {
    L4_Word_t raw[32];
} L4_MsgBuffer_t;

/* Empty buffer list. */
static inline void L4_MsgBufferClear(L4_MsgBuffer_t *b)
{
    b->raw[0] = 0;
}

/* Number of words the buffer list occupies (following C bits and compound chains). */
static inline L4_Word_t L4_MsgBufferWords(const L4_MsgBuffer_t *b)
{
    L4_Word_t i = 0;
    if (b->raw[0] == 0)
        return 0;
    for (;;) {
        L4_Word_t head = b->raw[i];
        i += 1 + ((head >> L4_STRING_J_SHIFT) & 0x1Fu) + 1;
        if (i >= 32 || !(head & (L4_STRING_COMPOUND | L4_ITEM_CONTINUE)))
            return i > 32 ? 32 : i;
    }
}

/* Append simple receive buffer `s` (marks the previous buffer with C); false if full. */
static inline L4_Bool_t L4_MsgBufferAppendSimpleRcvString(L4_MsgBuffer_t *b, L4_StringItem_t s)
{
    L4_Word_t n = L4_MsgBufferWords(b);
    if (n + 2 > 32)
        return 0;
    if (n > 0) {
        L4_Word_t last = 0, i = 0;
        while (i < n) {
            last = i;
            i += 1 + ((b->raw[i] >> L4_STRING_J_SHIFT) & 0x1Fu) + 1;
        }
        b->raw[last] |= L4_ITEM_CONTINUE;
    }
    b->raw[n] = s.raw[0] & ~(L4_Word_t)L4_ITEM_CONTINUE;
    b->raw[n + 1] = s.raw[1];
    return 1;
}

/* ------------------------------------------------------------------ */
/* Messages in memory                                                  */
/* ------------------------------------------------------------------ */

/* A message as it appears in MR0..MR63: raw[0] is the tag. */
typedef union {
    L4_Word_t raw[64];
    L4_Word_t msg[64];
    L4_MsgTag_t tag;
} L4_Msg_t;

/* Empty message (tag 0). */
static inline void L4_MsgClear(L4_Msg_t *m)
{
    m->raw[0] = 0;
}

/* The message's tag. */
static inline L4_MsgTag_t L4_MsgMsgTag(const L4_Msg_t *m)
{
    return m->tag;
}

/* Replace the message's tag. */
static inline void L4_Set_MsgMsgTag(L4_Msg_t *m, L4_MsgTag_t t)
{
    m->tag = t;
}

/* The message's label. */
static inline L4_Word_t L4_MsgLabel(const L4_Msg_t *m)
{
    return L4_Label(m->tag);
}

/* Replace the message's label. */
static inline void L4_Set_MsgLabel(L4_Msg_t *m, L4_Word_t label)
{
    L4_MsgTagAddLabelTo(&m->tag, label);
}

/* Build a message: label, u untyped words, t typed words (u + t <= 63). */
static inline void L4_MsgPut(L4_Msg_t *m, L4_Word_t label, int u, const L4_Word_t *Untyped, int t,
                             const void *Items)
{
    const L4_Word_t *items = (const L4_Word_t *)Items;
    if (u < 0 || t < 0 || u + t > 63)
        u = t = 0;
    for (int i = 0; i < u; i++)
        m->raw[1 + i] = Untyped[i];
    for (int i = 0; i < t; i++)
        m->raw[1 + u + i] = items[i];
    m->tag = L4_MsgTagMake(label, (L4_Word_t)u, (L4_Word_t)t);
}

/* Copy the untyped and typed words out of a message. */
static inline void L4_MsgGet(const L4_Msg_t *m, L4_Word_t *Untyped, void *Items)
{
    L4_Word_t u = L4_UntypedWords(m->tag), t = L4_TypedWords(m->tag);
    L4_Word_t *items = (L4_Word_t *)Items;
    for (L4_Word_t i = 0; i < u; i++)
        Untyped[i] = m->raw[1 + i];
    for (L4_Word_t i = 0; i < t && u + i < 63; i++)
        items[i] = m->raw[1 + u + i];
}

/* Untyped word u (0-based, i.e. MR u+1). */
static inline L4_Word_t L4_MsgWord(const L4_Msg_t *m, L4_Word_t u)
{
    return m->raw[1 + u];
}

/* Store untyped word u into *w. */
static inline void L4_MsgGetWord(const L4_Msg_t *m, L4_Word_t u, L4_Word_t *w)
{
    *w = m->raw[1 + u];
}

/* Overwrite existing untyped word u. */
static inline void L4_MsgPutWord(L4_Msg_t *m, L4_Word_t u, L4_Word_t w)
{
    m->raw[1 + u] = w;
}

/* Append an untyped word (typed words move up by one); false if the message is full. */
static inline L4_Bool_t L4_MsgAppendWord(L4_Msg_t *m, L4_Word_t w)
{
    L4_Word_t u = L4_UntypedWords(m->tag), t = L4_TypedWords(m->tag);
    if (u + t >= 63)
        return 0;
    for (L4_Word_t i = u + t; i > u; i--)
        m->raw[1 + i] = m->raw[i];
    m->raw[1 + u] = w;
    m->tag.raw = (m->tag.raw & ~(L4_Word_t)L4_TAG_U_MASK) | (u + 1);
    return 1;
}

/* Append two typed words; false if the message is full. */
static inline L4_Bool_t __L4_MsgAppendItem(L4_Msg_t *m, L4_Word_t w0, L4_Word_t w1)
{
    L4_Word_t u = L4_UntypedWords(m->tag), t = L4_TypedWords(m->tag);
    if (u + t + 2 > 63)
        return 0;
    m->raw[1 + u + t] = w0;
    m->raw[2 + u + t] = w1;
    m->tag.raw = (m->tag.raw & ~((L4_Word_t)L4_TAG_T_MASK << L4_TAG_T_SHIFT)) | ((t + 2) << L4_TAG_T_SHIFT);
    return 1;
}

/* Append a map item; false if the message is full. */
static inline L4_Bool_t L4_MsgAppendMapItem(L4_Msg_t *m, L4_MapItem_t mi)
{
    return __L4_MsgAppendItem(m, mi.raw[0], mi.raw[1]);
}

/* Append a grant item; false if the message is full. */
static inline L4_Bool_t L4_MsgAppendGrantItem(L4_Msg_t *m, L4_GrantItem_t gi)
{
    return __L4_MsgAppendItem(m, gi.raw[0], gi.raw[1]);
}

/* Append a simple string item; false if the message is full. */
static inline L4_Bool_t L4_MsgAppendSimpleStringItem(L4_Msg_t *m, L4_StringItem_t s)
{
    return __L4_MsgAppendItem(m, s.raw[0], s.raw[1]);
}

/* Map item at typed word t (0-based); returns the words it occupies (2), 0 if it is none. */
static inline L4_Word_t L4_MsgGetMapItem(const L4_Msg_t *m, L4_Word_t t, L4_MapItem_t *mi)
{
    L4_Word_t i = 1 + L4_UntypedWords(m->tag) + t;
    if (t + 2 > L4_TypedWords(m->tag) || i + 1 > 63)
        return 0;
    mi->raw[0] = m->raw[i];
    mi->raw[1] = m->raw[i + 1];
    return L4_IsMapItem(*mi) ? 2 : 0;
}

/* Grant item at typed word t (0-based); returns the words it occupies (2), 0 if it is none. */
static inline L4_Word_t L4_MsgGetGrantItem(const L4_Msg_t *m, L4_Word_t t, L4_GrantItem_t *gi)
{
    L4_Word_t i = 1 + L4_UntypedWords(m->tag) + t;
    if (t + 2 > L4_TypedWords(m->tag) || i + 1 > 63)
        return 0;
    gi->raw[0] = m->raw[i];
    gi->raw[1] = m->raw[i + 1];
    return L4_IsGrantItem(*gi) ? 2 : 0;
}

#if defined(__i386__)

/* MR0 as a message tag. */
static inline L4_MsgTag_t L4_MsgTag(void)
{
    L4_MsgTag_t t = { .raw = __L4_Utcb()[L4_UTCB_MR0] };
    return t;
}

/* Write MR0. */
static inline void L4_Set_MsgTag(L4_MsgTag_t t)
{
    __L4_Utcb()[L4_UTCB_MR0] = t.raw;
}

/* Load the whole message (tag and u + t words) into MR0..MRu+t. */
static inline void L4_MsgLoad(const L4_Msg_t *m)
{
    L4_Word_t n = 1 + L4_UntypedWords(m->tag) + L4_TypedWords(m->tag);
    L4_LoadMRs(0, (int)(n > 64 ? 64 : n), m->raw);
}

/* Store tag `t` and MR1..MRu+t into the message buffer. */
static inline void L4_MsgStore(L4_MsgTag_t t, L4_Msg_t *m)
{
    L4_Word_t n = L4_UntypedWords(t) + L4_TypedWords(t);
    m->tag = t;
    L4_StoreMRs(1, (int)(n > 63 ? 63 : n), &m->raw[1]);
}

/* Set the acceptor (BR0). */
static inline void L4_Accept(L4_Acceptor_t a)
{
    L4_LoadBR(0, a.raw);
}

/* Set the acceptor and load the receive string buffers into BR1... */
static inline void L4_AcceptStrings(L4_Acceptor_t a, const L4_MsgBuffer_t *b)
{
    L4_LoadBRs(1, (int)L4_MsgBufferWords(b), b->raw);
    L4_LoadBR(0, a.raw);
}

/* The current acceptor (BR0). */
static inline L4_Acceptor_t L4_Accepted(void)
{
    L4_Acceptor_t a;
    L4_StoreBR(0, &a.raw);
    return a;
}

#endif /* __i386__ */

#endif
