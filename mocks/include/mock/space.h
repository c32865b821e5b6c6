/* Controls of the fake address-space hooks (mocks/space.c). */
#ifndef MOCK_SPACE_H
#define MOCK_SPACE_H

/* When nonzero, that many next arch_space_init() calls fail. */
extern unsigned mock_space_init_failures;

/* Spaces initialised and not yet freed through the hooks. */
extern unsigned mock_spaces_live;

#endif
