/* Kernel printf; see core/kprintf.h for the guarantees. */
#include <core/arch_hooks.h>
#include <core/kprintf.h>

unsigned div64_small(uint64_t *n, unsigned d)
{
    uint32_t digit[4] = {
        (uint32_t)(*n >> 48) & 0xFFFFu, (uint32_t)(*n >> 32) & 0xFFFFu,
        (uint32_t)(*n >> 16) & 0xFFFFu, (uint32_t)*n & 0xFFFFu,
    };
    uint32_t rem = 0;
    uint64_t q = 0;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t cur = (rem << 16) | digit[i];
        q = (q << 16) | (cur / d);
        rem = cur % d;
    }
    *n = q;
    return rem;
}

/* Write the digits of `v` in `base` with padding; returns characters written. */
static int put_number(uint64_t v, unsigned base, bool upper, unsigned width, char pad,
                      bool negative)
{
    char buf[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    unsigned len = 0;
    int written = 0;

    do {
        buf[len++] = digits[div64_small(&v, base)];
    } while (v != 0);
    if (negative && pad == '0') {
        arch_console_putc('-');
        written++;
    }
    unsigned total = len + (negative ? 1u : 0u);
    for (; total < width; total++, written++)
        arch_console_putc(pad);
    if (negative && pad != '0') {
        arch_console_putc('-');
        written++;
    }
    while (len > 0) {
        arch_console_putc(buf[--len]);
        written++;
    }
    return written;
}

/* Fetch an integer argument of the given length (0 int, 1 long, 2 long long). */
static uint64_t fetch_unsigned(va_list *ap, int length)
{
    if (length >= 2)
        return va_arg(*ap, unsigned long long);
    if (length == 1)
        return va_arg(*ap, unsigned long);
    return va_arg(*ap, unsigned int);
}

static int64_t fetch_signed(va_list *ap, int length)
{
    if (length >= 2)
        return va_arg(*ap, long long);
    if (length == 1)
        return va_arg(*ap, long);
    return va_arg(*ap, int);
}

int kvprintf(const char *fmt, va_list ap_in)
{
    va_list ap;
    int written = 0;

    va_copy(ap, ap_in);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            arch_console_putc(*p);
            written++;
            continue;
        }
        p++;
        char pad = ' ';
        unsigned width = 0;
        int length = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10u + (unsigned)(*p++ - '0');
        while (*p == 'l') {
            length++;
            p++;
        }
        switch (*p) {
        case 'c':
            arch_console_putc((char)va_arg(ap, int));
            written++;
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            unsigned n = 0;
            while (s[n])
                n++;
            for (; n < width; width--, written++)
                arch_console_putc(' ');
            for (; *s; s++, written++)
                arch_console_putc(*s);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = fetch_signed(&ap, length);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            written += put_number(mag, 10, false, width, pad, v < 0);
            break;
        }
        case 'u':
            written += put_number(fetch_unsigned(&ap, length), 10, false, width, pad, false);
            break;
        case 'x':
        case 'X':
            written += put_number(fetch_unsigned(&ap, length), 16, *p == 'X', width, pad, false);
            break;
        case 'p':
            arch_console_putc('0');
            arch_console_putc('x');
            written += 2 + put_number((uintptr_t)va_arg(ap, void *), 16, false,
                                     width > 8 ? width : 8, '0', false);
            break;
        case '%':
            arch_console_putc('%');
            written++;
            break;
        case '\0':
            p--; /* a lone '%' at the end: stop at the terminator */
            break;
        default:
            arch_console_putc('%');
            arch_console_putc(*p);
            written += 2;
            break;
        }
    }
    va_end(ap);
    return written;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
