/*
 * Small address spaces: descriptor decoding and the window's slot
 * bookkeeping; see core/smallspace.h.
 *
 * Design note. The window is SMALLSPACE_WINDOW_SIZE bytes, split into
 * 4 MB units; `used` has one bit per unit. Every slot is naturally aligned
 * (the descriptor encoding guarantees it), so claiming a slot is one mask
 * test and one OR. A space keeps its descriptor in `small_desc` (0 =
 * large). Changing slot releases the old units only after the new ones
 * were found free (a space may move to an overlapping slot of its own).
 * The machine layer does the mapping work and cannot fail: its window
 * page tables exist from boot.
 */
#include <core/arch_hooks.h>
#include <core/fpage.h>
#include <core/smallspace.h>
#include <core/space.h>

static word_t used;   /* one bit per 4 MB unit of the window */

_Static_assert(SMALLSPACE_WINDOW_SIZE / SMALLSPACE_UNIT <= 32u, "unit bitmap fits one word");

bool smallspace_decode(word_t desc, struct smallspace_slot *slot)
{
    desc &= SMALLSPACE_CTL_DESC;
    if (desc == 0)
        return false;
    unsigned p = 0;
    while (!(desc & (1u << p)))
        p++;
    word_t size = SMALLSPACE_UNIT << p;
    word_t offset = (desc & ~(1u << p)) * (SMALLSPACE_UNIT / 2u);
    if ((uint64_t)offset + size > SMALLSPACE_WINDOW_SIZE)
        return false;
    *slot = (struct smallspace_slot){ offset, size };
    return true;
}

/* Unit mask of a slot. */
static word_t slot_mask(const struct smallspace_slot *slot)
{
    word_t units = slot->size / SMALLSPACE_UNIT;
    word_t ones = units >= 32u ? ~0u : (1u << units) - 1u;
    return ones << (slot->offset / SMALLSPACE_UNIT);
}

/* True when fpage area `f` lies inside [0, size). */
static bool area_inside(fpage_t f, word_t size)
{
    return (uint64_t)fpage_base(f) + fpage_size(f) <= size;
}

bool smallspace_change(struct space *s, word_t desc)
{
    struct smallspace_slot old, slot;
    word_t mine = smallspace_decode(s->small_desc, &old) ? slot_mask(&old) : 0u;
    if (desc == 0) {
        if (mine)
            arch_space_make_large(s);
        used &= ~mine;
        s->small_desc = 0;
        return true;
    }
    if (!space_initialised(s) || !smallspace_decode(desc, &slot) ||
        (used & ~mine & slot_mask(&slot)) || !area_inside(s->kip_area, slot.size) ||
        !area_inside(s->utcb_area, slot.size))
        return false;
    /* POINT OF NO RETURN */
    if (mine)
        arch_space_make_large(s);
    used = (used & ~mine) | slot_mask(&slot);
    s->small_desc = desc;
    arch_space_make_small(s, slot.offset, slot.size);
    return true;
}

word_t smallspace_used(void)
{
    return used;
}
