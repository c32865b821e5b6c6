/* Stateful fake page tables and page allocator (see mock/pagetable.h). */
#include <mock/pagetable.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024u
#define SMALL_PER_SLOT 1024u

struct mock_pte {
    bool present;
    word_t phys;
    unsigned rights;
    struct mapnode *node;
    unsigned status;
};

struct mock_slot {
    struct mock_pte big;
    struct mock_pte *small;     /* 1024 entries once reserved */
    unsigned count;             /* present 4 KB entries */
};

struct mock_pt {
    struct mock_slot slot[SLOTS];
};

struct pending_flush {
    struct space *space;
    word_t va;
    unsigned log2;
};

unsigned mock_pt_errors;
const char *mock_pt_last_error;
unsigned mock_page_errors;
unsigned mock_page_alloc_failures;
unsigned mock_pt_reserve_failures;
unsigned mock_page_alloc_fail_after;
unsigned mock_pt_reserve_fail_after;
unsigned long mock_pt_set_calls, mock_pt_clear_calls, mock_tlb_flush_calls;

static struct pending_flush *pending;
static size_t pending_len, pending_cap;
static void **pages;
static size_t pages_len, pages_cap;

static void pt_error(const char *why)
{
    mock_pt_errors++;
    mock_pt_last_error = why;
}

void mock_pt_reset(void)
{
    mock_pt_errors = 0;
    mock_pt_last_error = NULL;
    mock_page_errors = 0;
    mock_page_alloc_failures = 0;
    mock_pt_reserve_failures = 0;
    mock_page_alloc_fail_after = 0;
    mock_pt_reserve_fail_after = 0;
    mock_pt_set_calls = mock_pt_clear_calls = mock_tlb_flush_calls = 0;
    pending_len = 0;
}

static struct mock_pt *pt_of(struct space *s, bool create)
{
    if (!s->arch.pt && create)
        s->arch.pt = calloc(1, sizeof(struct mock_pt));
    return s->arch.pt;
}

void mock_pt_release(struct space *s)
{
    struct mock_pt *pt = s->arch.pt;
    if (!pt)
        return;
    for (unsigned i = 0; i < SLOTS; i++)
        free(pt->slot[i].small);
    free(pt);
    s->arch.pt = NULL;
}

/* The entry mapping va in s (4 MB or 4 KB), or NULL. */
static struct mock_pte *pte_find(struct space *s, word_t va, unsigned *log2)
{
    struct mock_pt *pt = pt_of(s, false);
    if (!pt)
        return NULL;
    struct mock_slot *sl = &pt->slot[va >> 22];
    if (sl->big.present) {
        *log2 = 22;
        return &sl->big;
    }
    if (sl->small && sl->small[(va >> 12) & 1023u].present) {
        *log2 = 12;
        return &sl->small[(va >> 12) & 1023u];
    }
    return NULL;
}

static void pending_add(struct space *s, word_t va, unsigned log2)
{
    if (pending_len == pending_cap) {
        pending_cap = pending_cap ? 2 * pending_cap : 64;
        pending = realloc(pending, pending_cap * sizeof(*pending));
    }
    pending[pending_len++] = (struct pending_flush){ s, va, log2 };
}

bool arch_pt_lookup(struct space *s, word_t va, struct pt_entry *e)
{
    unsigned log2;
    struct mock_pte *p = pte_find(s, va, &log2);
    if (!p)
        return false;
    e->phys = p->phys;
    e->log2 = log2;
    e->rights = p->rights;
    e->node = p->node;
    return true;
}

unsigned arch_pt_count_small(struct space *s, word_t va)
{
    struct mock_pt *pt = pt_of(s, false);
    return pt ? pt->slot[va >> 22].count : 0;
}

bool arch_pt_reserve(struct space *s, word_t va)
{
    if (mock_pt_reserve_failures) {
        mock_pt_reserve_failures--;
        return false;
    }
    if (mock_pt_reserve_fail_after && --mock_pt_reserve_fail_after == 0)
        return false;
    struct mock_slot *sl = &pt_of(s, true)->slot[va >> 22];
    if (!sl->small)
        sl->small = calloc(SMALL_PER_SLOT, sizeof(struct mock_pte));
    return true;
}

void arch_pt_set(struct space *s, word_t va, unsigned log2, word_t phys, unsigned rights,
                 struct mapnode *node)
{
    mock_pt_set_calls++;
    struct mock_slot *sl = &pt_of(s, true)->slot[va >> 22];
    struct mock_pte *p;
    if (va >= 0xC0000000u)
        pt_error("set in kernel area");
    if (log2 == 22) {
        if ((va | phys) & 0x3FFFFFu)
            pt_error("misaligned 4 MB set");
        if (sl->count || sl->big.present)
            pt_error("4 MB set over present entries");
        p = &sl->big;
    } else if (log2 == 12) {
        if ((va | phys) & 0xFFFu)
            pt_error("misaligned 4 KB set");
        if (!sl->small) {
            pt_error("4 KB set without reserve");
            return;
        }
        if (sl->big.present)
            pt_error("4 KB set under a 4 MB entry");
        p = &sl->small[(va >> 12) & 1023u];
        if (!p->present)
            sl->count++;
        else
            pt_error("4 KB set over present entry");
    } else {
        pt_error("bad page size");
        return;
    }
    *p = (struct mock_pte){ true, phys, rights, node, 0 };
}

void arch_pt_set_rights(struct space *s, word_t va, unsigned rights)
{
    unsigned log2;
    struct mock_pte *p = pte_find(s, va, &log2);
    if (!p) {
        pt_error("set_rights on absent entry");
        return;
    }
    if (p->rights & ~rights)
        pending_add(s, va & ~((1u << log2) - 1u), log2);
    p->rights = rights;
}

void arch_pt_clear(struct space *s, word_t va)
{
    mock_pt_clear_calls++;
    unsigned log2;
    struct mock_pte *p = pte_find(s, va, &log2);
    if (!p) {
        pt_error("clear of absent entry");
        return;
    }
    p->present = false;
    if (log2 == 12)
        ((struct mock_pt *)s->arch.pt)->slot[va >> 22].count--;
    pending_add(s, va & ~((1u << log2) - 1u), log2);
}

unsigned arch_pt_harvest_status(struct space *s, word_t va)
{
    unsigned log2;
    struct mock_pte *p = pte_find(s, va, &log2);
    if (!p) {
        pt_error("harvest of absent entry");
        return 0;
    }
    unsigned st = p->status;
    p->status = 0;
    return st;
}

void arch_tlb_flush(struct space *s, word_t va, unsigned log2)
{
    mock_tlb_flush_calls++;
    uint64_t end = (uint64_t)va + ((uint64_t)1 << log2);
    size_t j = 0;
    for (size_t i = 0; i < pending_len; i++) {
        struct pending_flush *f = &pending[i];
        uint64_t f_end = (uint64_t)f->va + ((uint64_t)1 << f->log2);
        bool covered = f->space == s && f->va >= va && f_end <= end;
        if (!covered)
            pending[j++] = *f;
    }
    pending_len = j;
}

unsigned mock_tlb_stale(void)
{
    return (unsigned)pending_len;
}

void mock_pt_kernel_map(struct space *s, word_t va, unsigned log2, word_t phys, unsigned rights)
{
    if (log2 == 12)
        arch_pt_reserve(s, va);
    arch_pt_set(s, va, log2, phys, rights, NULL);
}

bool mock_pt_touch(struct space *s, word_t va, bool write)
{
    unsigned log2;
    struct mock_pte *p = pte_find(s, va, &log2);
    if (!p)
        return false;
    p->status |= PT_STATUS_ACCESSED | (write ? PT_STATUS_DIRTY : 0u);
    return true;
}

unsigned mock_pt_node_entries(struct space *s)
{
    struct mock_pt *pt = pt_of(s, false);
    unsigned n = 0;
    for (unsigned i = 0; pt && i < SLOTS; i++) {
        struct mock_slot *sl = &pt->slot[i];
        n += sl->big.present && sl->big.node;
        for (unsigned j = 0; sl->small && sl->count && j < SMALL_PER_SLOT; j++)
            n += sl->small[j].present && sl->small[j].node;
    }
    return n;
}

void *arch_page_alloc(void)
{
    if (mock_page_alloc_failures) {
        mock_page_alloc_failures--;
        return NULL;
    }
    if (mock_page_alloc_fail_after && --mock_page_alloc_fail_after == 0)
        return NULL;
    void *p = aligned_alloc(4096, 4096);
    memset(p, 0, 4096);
    if (pages_len == pages_cap) {
        pages_cap = pages_cap ? 2 * pages_cap : 64;
        pages = realloc(pages, pages_cap * sizeof(*pages));
    }
    pages[pages_len++] = p;
    return p;
}

void arch_page_free(void *page)
{
    for (size_t i = 0; i < pages_len; i++) {
        if (pages[i] == page) {
            pages[i] = pages[--pages_len];
            free(page);
            return;
        }
    }
    mock_page_errors++;
}

unsigned mock_pages_outstanding(void)
{
    return (unsigned)pages_len;
}
