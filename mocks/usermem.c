/* Fake user memory, arch_copy_between() and ipc_transfer_fpage() (see mock/usermem.h). */
#include <mock/usermem.h>

#include <core/tcb.h>
#include <string.h>

struct mock_page {
    const struct space *space;
    word_t va;                 /* page-aligned */
    bool writable, used;
    uint8_t data[MOCK_PAGE_SIZE];
};

static struct mock_page pages[MOCK_USERMEM_PAGES];

word_t mock_user_limit;
unsigned mock_copy_calls;
struct mock_fpage_call mock_fpage_calls[MOCK_FPAGE_CALLS];
unsigned mock_fpage_count;
enum ipc_error mock_fpage_result;
bool mock_fpage_backs;
mock_fpage_fn mock_fpage_hook;

void mock_usermem_reset(void)
{
    memset(pages, 0, sizeof(pages));
    mock_user_limit = 0xC0000000u;
    mock_copy_calls = 0;
    memset(mock_fpage_calls, 0, sizeof(mock_fpage_calls));
    mock_fpage_count = 0;
    mock_fpage_result = IPC_OK;
    mock_fpage_backs = false;
    mock_fpage_hook = NULL;
}

static struct mock_page *page_find(const struct space *s, word_t va)
{
    word_t base = va & ~(MOCK_PAGE_SIZE - 1u);
    for (unsigned i = 0; i < MOCK_USERMEM_PAGES; i++)
        if (pages[i].used && pages[i].space == s && pages[i].va == base)
            return &pages[i];
    return NULL;
}

bool mock_usermem_map(const struct space *s, word_t va, bool writable)
{
    struct mock_page *p = page_find(s, va);
    for (unsigned i = 0; p == NULL && i < MOCK_USERMEM_PAGES; i++) {
        if (!pages[i].used) {
            p = &pages[i];
            memset(p, 0, sizeof(*p));
            p->used = true;
            p->space = s;
            p->va = va & ~(MOCK_PAGE_SIZE - 1u);
        }
    }
    if (p == NULL)
        return false;
    p->writable = p->writable || writable;
    return true;
}

void mock_usermem_unmap(const struct space *s, word_t va)
{
    struct mock_page *p = page_find(s, va);
    if (p != NULL)
        p->used = false;
}

static uint8_t *byte_at(const struct space *s, word_t va, bool write)
{
    struct mock_page *p = page_find(s, va);
    if (p == NULL || (write && !p->writable))
        return NULL;
    return &p->data[va & (MOCK_PAGE_SIZE - 1u)];
}

bool mock_usermem_write(const struct space *s, word_t va, const void *buf, word_t len)
{
    for (word_t i = 0; i < len; i++) {
        uint8_t *b = byte_at(s, va + i, false);
        if (b == NULL)
            return false;
        *b = ((const uint8_t *)buf)[i];
    }
    return true;
}

bool mock_usermem_read(const struct space *s, word_t va, void *buf, word_t len)
{
    for (word_t i = 0; i < len; i++) {
        uint8_t *b = byte_at(s, va + i, false);
        if (b == NULL)
            return false;
        ((uint8_t *)buf)[i] = *b;
    }
    return true;
}

word_t arch_copy_between(struct space *dst, word_t dst_va, struct space *src,
                         word_t src_va, word_t len, struct copy_fault *fault)
{
    mock_copy_calls++;
    for (word_t i = 0; i < len; i++) {
        word_t sa = src_va + i, da = dst_va + i;
        bool s_user = sa >= src_va && sa < mock_user_limit;
        bool d_user = da >= dst_va && da < mock_user_limit;
        uint8_t *from = s_user ? byte_at(src, sa, false) : NULL;
        uint8_t *to = d_user ? byte_at(dst, da, true) : NULL;
        if (from == NULL || to == NULL) {
            fault->in_dst = from != NULL;
            fault->addr = from != NULL ? da : sa;
            fault->user = from != NULL ? d_user : s_user;
            return i;
        }
        *to = *from;
    }
    return len;
}

enum ipc_error ipc_transfer_fpage(struct tcb *from, struct tcb *to,
                                  const struct msg_placement *p, unsigned rights, bool grant)
{
    if (mock_fpage_count < MOCK_FPAGE_CALLS) {
        struct mock_fpage_call *c = &mock_fpage_calls[mock_fpage_count];
        c->from = from;
        c->to = to;
        c->p = *p;
        c->rights = rights;
        c->grant = grant;
    }
    mock_fpage_count++;
    if (mock_fpage_hook != NULL)
        return mock_fpage_hook(from, to, p, rights, grant);
    if (mock_fpage_result == IPC_OK && mock_fpage_backs && !p->io) {
        uint64_t size = (uint64_t)1 << p->log2;
        for (uint64_t off = 0; off < size && off < 16u * MOCK_PAGE_SIZE; off += MOCK_PAGE_SIZE)
            mock_usermem_map(to->space, p->dst_base + (word_t)off, true);
    }
    return mock_fpage_result;
}
