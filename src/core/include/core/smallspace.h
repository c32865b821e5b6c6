/*
 * Small address spaces (notes §7, ABI 4.5 SpaceControl control word): the
 * portable part. A small space occupies a naturally aligned slot of the
 * kernel's small-space window; the machine layer (arch_space_make_small /
 * arch_space_make_large) maps the slot's addresses and selects the segments.
 *
 * Guarantees: smallspace_decode() accepts exactly the descriptors whose
 * slot lies inside the window; smallspace_change() validates before it
 * changes anything: the slot must be free of other small spaces and the
 * space's KIP and UTCB areas must lie inside the new size; slots never
 * overlap; space_destroy() gives a small space's slot back.
 */
#ifndef CORE_SMALLSPACE_H
#define CORE_SMALLSPACE_H

#include <core/types.h>

#define SMALLSPACE_WINDOW_SIZE 0x04000000u   /* 64 MB: 16 slots of 4 MB */
#define SMALLSPACE_UNIT        0x00400000u   /* smallest slot: 4 MB */
#define SMALLSPACE_CTL_S       0x80000000u   /* control word bit 31: s in, e out */
#define SMALLSPACE_CTL_DESC    0xFFu         /* control word bits 7..0 */

struct space;

/* Offset inside the window and size of a small space. */
struct smallspace_slot {
    word_t offset;
    word_t size;
};

/* Slot of descriptor `desc` (ABI 4.5: p = lowest set bit, size 4 MB << p,
 * offset (desc without bit p) * 2 MB); false for 0 or a slot beyond the window. */
bool smallspace_decode(word_t desc, struct smallspace_slot *slot);

/* Make `s` small with descriptor `desc` (0: large again). False, nothing
 * changed, when the descriptor is invalid, the slot overlaps another small
 * space or the space's KIP/UTCB areas do not fit in the slot. */
bool smallspace_change(struct space *s, word_t desc);

/* Bitmap of the window's 4 MB units held by small spaces (tests). */
word_t smallspace_used(void);

#endif
