/*
 * memcpy, memmove, memset and memcmp for user programs: compilers emit calls
 * to them in freestanding code (struct copies and initialisers). Plain byte
 * loops. The freestanding flags include -fno-builtin; in addition GCC is
 * told not to recognise the loops as memcpy/memset patterns, which would
 * turn these functions into calls to themselves.
 */
#include <stddef.h>

#if defined(__clang__)
#define L4_NO_LIBCALL
#else
#define L4_NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Copy n bytes from src to dst (regions must not overlap). */
L4_NO_LIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

/* Copy n bytes from src to dst; the regions may overlap. */
L4_NO_LIBCALL void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

/* Fill n bytes at dst with the byte c. */
L4_NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

/* Compare n bytes; <0, 0, >0 like the C library. */
int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y)
            return *x < *y ? -1 : 1;
    }
    return 0;
}
