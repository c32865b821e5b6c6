/*
 * sigma0's ownership bookkeeping (see s0mem.h).
 *
 * Design notes / guarantees:
 * - A map is a sorted array of regions that covers [0, limit] exactly:
 *   r[0].first = 0, r[n-1].last = limit, r[i].last + 1 = r[i+1].first.
 *   Neighbours never have the same kind and owner (they are merged), so the
 *   array stays as short as the ownership picture allows.
 * - s0map_assign either applies the whole change or none of it (capacity is
 *   checked before anything moves).
 * - Start-up follows ABI 7.5: physical descriptors in KIP order, last wins
 *   (conventional -> free, reserved -> kernel, dedicated/boot-loader/arch ->
 *   free special, shared -> shared, undefined and virtual ones ignored), then
 *   the Kdebug image to the kernel and the sigma0, sigma1 and root-server
 *   images to those threads (rounded out to pages; high is exclusive).
 * - Requests: specific memory is granted if every part is free (conventional
 *   or special), owned by the requester or shared; "any" requests are
 *   first-fit, naturally aligned, from free conventional memory, never at
 *   physical address 0 (that page would appear at virtual 0 in the usual
 *   1:1 receive window); page faults get the page if it is free
 *   conventional, owned by the faulter or shared. IO ports: free or owned
 *   by the requester. Interrupt and kernel threads (thread number below
 *   UserBase) get nothing.
 * - Decisions are pure; only s0mem_commit and the start-up calls mutate.
 */
#include "s0mem.h"

#include <l4/kip.h>
#include <l4/sigma0.h>

#define S0_MEM_LIMIT 0xFFFFFFFFu
#define S0_IO_LIMIT 0xFFFFu

void s0map_init(struct s0map *m, uint32_t limit, enum s0_kind kind)
{
    m->n = 1;
    m->limit = limit;
    m->r[0] = (struct s0_region){ 0, limit, 0, kind };
}

/* Index of the region containing addr (addr <= limit). */
static unsigned s0map_index(const struct s0map *m, uint32_t addr)
{
    unsigned lo = 0, hi = m->n - 1;
    while (lo < hi) {
        unsigned mid = (lo + hi + 1) / 2;
        if (m->r[mid].first <= addr)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

const struct s0_region *s0map_lookup(const struct s0map *m, uint32_t addr)
{
    if (addr > m->limit)
        return NULL;
    return &m->r[s0map_index(m, addr)];
}

/* True if two regions can be one. */
static bool s0_same(const struct s0_region *a, const struct s0_region *b)
{
    return a->kind == b->kind && a->owner == b->owner;
}

/* Remove r[i] by shifting the tail down. */
static void s0map_remove(struct s0map *m, unsigned i)
{
    for (unsigned k = i; k + 1 < m->n; k++)
        m->r[k] = m->r[k + 1];
    m->n--;
}

/* Merge r[i] with equal neighbours. */
static void s0map_merge_at(struct s0map *m, unsigned i)
{
    if (i + 1 < m->n && s0_same(&m->r[i], &m->r[i + 1])) {
        m->r[i].last = m->r[i + 1].last;
        s0map_remove(m, i + 1);
    }
    if (i > 0 && s0_same(&m->r[i - 1], &m->r[i])) {
        m->r[i - 1].last = m->r[i].last;
        s0map_remove(m, i);
    }
}

bool s0map_assign(struct s0map *m, uint32_t first, uint32_t last, enum s0_kind kind, uint32_t owner)
{
    if (first > last || last > m->limit)
        return false;
    unsigned i = s0map_index(m, first), j = s0map_index(m, last);
    struct s0_region left = m->r[i], right = m->r[j];
    bool has_left = left.first < first, has_right = right.last > last;
    unsigned pieces = 1u + has_left + has_right;
    unsigned new_n = m->n - (j - i + 1) + pieces;
    if (new_n > S0MAP_CAPACITY)
        return false;
    /* move the tail r[j+1..] so that exactly `pieces` slots start at i */
    unsigned tail = m->n - (j + 1);
    unsigned dst = i + pieces;
    if (dst > j + 1) {
        for (unsigned k = tail; k > 0; k--)
            m->r[dst + k - 1] = m->r[j + k];
    } else {
        for (unsigned k = 0; k < tail; k++)
            m->r[dst + k] = m->r[j + 1 + k];
    }
    m->n = new_n;
    unsigned at = i;
    if (has_left) {
        left.last = first - 1;
        m->r[at++] = left;
    }
    m->r[at] = (struct s0_region){ first, last, owner, kind };
    if (has_right) {
        right.first = last + 1;
        m->r[at + 1] = right;
    }
    s0map_merge_at(m, at);
    return true;
}

bool s0mem_init(struct s0mem *s, uint32_t page_size_mask, uint32_t user_base)
{
    uint32_t mask = page_size_mask & L4_FPAGE_BASE_MASK;
    if (mask == 0)
        return false;
    s->page_log2 = 10;
    while (!(mask & (1u << s->page_log2)))
        s->page_log2++;
    s->user_base = user_base;
    s0map_init(&s->mem, S0_MEM_LIMIT, S0_UNKNOWN);
    s0map_init(&s->io, S0_IO_LIMIT, S0_FREE);
    return true;
}

/* The kind a descriptor type stands for; false for types sigma0 ignores. */
static bool s0_kind_of_type(uint32_t type, enum s0_kind *kind)
{
    switch (type) {
    case L4_ConventionalMemoryType:
        *kind = S0_FREE;
        return true;
    case L4_ReservedMemoryType:
        *kind = S0_KERNEL;
        return true;
    case L4_DedicatedMemoryType:
    case L4_BootLoaderSpecificMemoryType:
    case L4_ArchitectureSpecificMemoryType:
        *kind = S0_FREE_SPECIAL;
        return true;
    case L4_SharedMemoryType:
        *kind = S0_SHARED;
        return true;
    default:
        return false;
    }
}

void s0mem_apply_descriptor(struct s0mem *s, uint32_t w0, uint32_t w1)
{
    L4_MemoryDesc_t d = { w0, w1 };
    enum s0_kind kind;
    if (L4_IsVirtual(&d) || !s0_kind_of_type(L4_MemoryDescBaseType(&d), &kind))
        return;
    s0map_assign(&s->mem, L4_MemoryDescLow(&d), L4_MemoryDescHigh(&d), kind, 0);
}

void s0mem_assign_image(struct s0mem *s, uint32_t low, uint32_t high, enum s0_kind kind, uint32_t owner)
{
    uint32_t page_mask = (1u << s->page_log2) - 1;
    if (high == 0 || high <= low)
        return;
    s0map_assign(&s->mem, low & ~page_mask, (high - 1) | page_mask, kind, owner);
}

bool s0mem_init_from_kip(struct s0mem *s, const void *kip)
{
    uint32_t ub = L4_ThreadIdUserBase(kip);
    if (!s0mem_init(s, L4_PageSizeMask(kip), ub))
        return false;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        const L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        s0mem_apply_descriptor(s, d->x, d->y);
    }
    s0mem_assign_image(s, L4_KipWord(kip, L4_KIP_KDEBUG_LOW), L4_KipWord(kip, L4_KIP_KDEBUG_HIGH), S0_KERNEL, 0);
    s0mem_assign_image(s, L4_KipWord(kip, L4_KIP_SIGMA0_LOW), L4_KipWord(kip, L4_KIP_SIGMA0_HIGH), S0_OWNED,
                       L4_GlobalId(ub, 1).raw);
    s0mem_assign_image(s, L4_KipWord(kip, L4_KIP_SIGMA1_LOW), L4_KipWord(kip, L4_KIP_SIGMA1_HIGH), S0_OWNED,
                       L4_GlobalId(ub + 1, 1).raw);
    s0mem_assign_image(s, L4_KipWord(kip, L4_KIP_ROOT_LOW), L4_KipWord(kip, L4_KIP_ROOT_HIGH), S0_OWNED,
                       L4_GlobalId(ub + 2, 1).raw);
    return true;
}

/* True if every region in [first, last] of m is one `requester` may receive. */
static bool s0map_allows(const struct s0map *m, uint32_t first, uint32_t last, uint32_t requester,
                         bool special_ok)
{
    for (unsigned i = s0map_index(m, first); i < m->n && m->r[i].first <= last; i++) {
        const struct s0_region *r = &m->r[i];
        bool ok = r->kind == S0_FREE || r->kind == S0_SHARED ||
                  (r->kind == S0_FREE_SPECIAL && special_ok) ||
                  (r->kind == S0_OWNED && r->owner == requester);
        if (!ok)
            return false;
    }
    return true;
}

/* True if the requester is a user thread (thread number >= UserBase). */
static bool s0_is_user(const struct s0mem *s, uint32_t requester)
{
    L4_ThreadId_t t = { .raw = requester };
    return L4_IsGlobalId(t) && requester != 0xFFFFFFFFu && L4_ThreadNo(t) >= s->user_base;
}

/* First free conventional, 2^log2-aligned block of 2^log2 bytes above 0. */
static bool s0mem_find_any(const struct s0mem *s, unsigned log2, uint32_t *base)
{
    uint32_t size_mask = (1u << log2) - 1;
    for (unsigned i = 0; i < s->mem.n; i++) {
        const struct s0_region *r = &s->mem.r[i];
        if (r->kind != S0_FREE)
            continue;
        uint64_t b = ((uint64_t)r->first + size_mask) & ~(uint64_t)size_mask;
        if (b == 0)
            b = (uint64_t)size_mask + 1;
        if (b + size_mask <= r->last) {
            *base = (uint32_t)b;
            return true;
        }
    }
    return false;
}

/* Decide an IO fpage request. */
static enum s0_status s0mem_decide_io(const struct s0mem *s, L4_Fpage_t req, uint32_t requester,
                                      L4_Fpage_t *grant)
{
    L4_Word_t log2 = L4_IoFpageSizeLog2(req), port = L4_IoFpagePort(req);
    if (log2 > 16 || (port & ((1u << log2) - 1)) != 0)
        return S0_INVALID;
    uint32_t last = port + ((1u << log2) - 1);
    if (last > S0_IO_LIMIT)
        return S0_INVALID;
    if (!s0map_allows(&s->io, port, last, requester, false))
        return S0_NOT_AVAILABLE;
    *grant = L4_IoFpageLog2(port, (int)log2);
    return S0_OK;
}

enum s0_status s0mem_decide_request(const struct s0mem *s, L4_Fpage_t req, uint32_t requester,
                                    L4_Fpage_t *grant)
{
    if (!s0_is_user(s, requester))
        return S0_NOT_USER;
    if (L4_IsIoFpage(req))
        return s0mem_decide_io(s, req, requester, grant);
    L4_Word_t log2 = L4_SizeLog2(req);
    if (log2 < s->page_log2 || log2 > 32)
        return S0_INVALID;
    uint32_t base;
    if (L4_Sigma0IsAnyRequest(req)) {
        if (log2 >= 32 || !s0mem_find_any(s, (unsigned)log2, &base))
            return S0_NO_FREE_MEMORY;
    } else {
        base = L4_Address(req);
        uint32_t last = log2 >= 32 ? S0_MEM_LIMIT : base + ((1u << log2) - 1);
        if (!s0map_allows(&s->mem, base, last, requester, true))
            return S0_NOT_AVAILABLE;
    }
    *grant = L4_FpageAddRights(L4_FpageLog2(base, (int)log2), L4_FullyAccessible);
    return S0_OK;
}

enum s0_status s0mem_decide_fault(const struct s0mem *s, uint32_t addr, uint32_t requester, L4_Fpage_t *grant)
{
    uint32_t page_mask = (1u << s->page_log2) - 1;
    uint32_t base = addr & ~page_mask;
    if (!s0_is_user(s, requester))
        return S0_NOT_USER;
    if (!s0map_allows(&s->mem, base, base | page_mask, requester, false))
        return S0_NOT_AVAILABLE;
    *grant = L4_FpageAddRights(L4_FpageLog2(base, (int)s->page_log2), L4_FullyAccessible);
    return S0_OK;
}

/* True if claiming region r for owner changes nothing. */
static bool s0_claim_keeps(const struct s0_region *r, uint32_t owner)
{
    return r->kind == S0_SHARED || (r->kind == S0_OWNED && r->owner == owner);
}

/* Give every non-shared part of [first, last] of m to owner; all or nothing. */
static enum s0_status s0map_claim(struct s0map *m, uint32_t first, uint32_t last, uint32_t owner)
{
    unsigned extra = 0;
    if (first > last || last > m->limit)
        return S0_INVALID;
    /* only regions cut by the range ends grow the map, by one piece each */
    for (unsigned i = s0map_index(m, first); i < m->n && m->r[i].first <= last; i++) {
        if (!s0_claim_keeps(&m->r[i], owner))
            extra += (m->r[i].first < first) + (m->r[i].last > last);
    }
    if (m->n + extra > S0MAP_CAPACITY)
        return S0_NO_ROOM;
    uint32_t addr = first;
    for (;;) {
        const struct s0_region *r = &m->r[s0map_index(m, addr)];
        uint32_t seg_last = r->last < last ? r->last : last;
        if (!s0_claim_keeps(r, owner))
            s0map_assign(m, addr, seg_last, S0_OWNED, owner);
        if (seg_last == last)
            return S0_OK;
        addr = seg_last + 1;
    }
}

enum s0_status s0mem_commit(struct s0mem *s, L4_Fpage_t grant, uint32_t requester)
{
    if (L4_IsIoFpage(grant)) {
        uint32_t port = L4_IoFpagePort(grant);
        if (L4_IoFpageSizeLog2(grant) > 16)
            return S0_INVALID;
        return s0map_claim(&s->io, port, port + ((1u << L4_IoFpageSizeLog2(grant)) - 1), requester);
    }
    L4_Word_t log2 = L4_SizeLog2(grant);
    if (log2 < 10 || log2 > 32)
        return S0_INVALID;
    uint32_t base = L4_Address(grant);
    uint32_t last = log2 >= 32 ? S0_MEM_LIMIT : base + ((1u << log2) - 1);
    return s0map_claim(&s->mem, base, last, requester);
}
