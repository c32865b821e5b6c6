/* Fakes of the address-space hooks: the fake page table is created lazily
 * by mocks/pagetable.c; arch_space_free() releases it. */
#include <mock/pagetable.h>
#include <mock/space.h>

#include <core/space.h>

unsigned mock_space_init_failures;
unsigned mock_spaces_live;
static unsigned mock_space_roots;

bool arch_space_init(struct space *s)
{
    if (mock_space_init_failures) {
        mock_space_init_failures--;
        return false;
    }
    s->arch.pt = NULL;
    s->arch.root = ++mock_space_roots;
    mock_spaces_live++;
    return true;
}

bool arch_space_shares_root(const struct space *a, const struct space *b)
{
    return a->arch.root == b->arch.root;
}

void arch_space_free(struct space *s)
{
    mock_pt_release(s);
    mock_spaces_live--;
}

struct mock_smallspace_call mock_smallspace_last;
unsigned mock_smallspace_calls;

void arch_space_make_small(struct space *s, word_t offset, word_t size)
{
    mock_smallspace_last = (struct mock_smallspace_call){ s, offset, size, true };
    mock_smallspace_calls++;
}

void arch_space_make_large(struct space *s)
{
    mock_smallspace_last = (struct mock_smallspace_call){ s, 0, 0, false };
    mock_smallspace_calls++;
}
