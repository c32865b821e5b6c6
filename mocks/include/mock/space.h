/* Controls of the fake address-space hooks (mocks/space.c). */
#ifndef MOCK_SPACE_H
#define MOCK_SPACE_H

#include <stdbool.h>

struct space;

/* When nonzero, that many next arch_space_init() calls fail. */
extern unsigned mock_space_init_failures;

/* Spaces initialised and not yet freed through the hooks. */
extern unsigned mock_spaces_live;

/* The last arch_space_make_small (small = true) or _large call, and the count of both. */
struct mock_smallspace_call {
    struct space *space;
    unsigned long offset, size;
    bool small;
};
extern struct mock_smallspace_call mock_smallspace_last;
extern unsigned mock_smallspace_calls;

#endif
