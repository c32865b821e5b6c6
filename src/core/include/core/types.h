/* Basic types of the portable core. Freestanding: only <stdint.h>, <stddef.h>, <stdbool.h>. */
#ifndef CORE_TYPES_H
#define CORE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One machine word of the X.2 ia32 ABI: always 32 bits, also in host builds. */
typedef uint32_t word_t;

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Pointer to the structure that contains member `m` at address `p`. */
#define container_of(p, type, m) ((type *)((char *)(p) - offsetof(type, m)))

#endif
