/* Kernel-debugger console operations; see arch/kdebug.h. */
#include <arch/console.h>
#include <arch/kdebug.h>
#include <arch/ktest.h>
#include <arch/paging.h>
#include <arch/pmem.h>
#include <core/arch_hooks.h>
#include <core/kprintf.h>

#define KDB_LINE_MAX 96
#define KDB_STRING_MAX 4096

static int test_exit;
static char line[KDB_LINE_MAX];
static unsigned line_len;

void kdebug_set_test_exit(int on)
{
    test_exit = on;
}

/* Value n of a complete line "[TEST:EXIT] n", or -1. */
static int test_exit_code(void)
{
    static const char prefix[] = "[TEST:EXIT] ";
    unsigned i = 0;
    for (; prefix[i]; i++)
        if (i >= line_len || line[i] != prefix[i])
            return -1;
    int code = 0;
    if (i >= line_len)
        return -1;
    for (; i < line_len; i++) {
        if (line[i] < '0' || line[i] > '9' || code > 1000)
            return -1;
        code = code * 10 + (line[i] - '0');
    }
    return code;
}

/* Print one character for a user thread, watching for the test-exit line. */
static void kdb_putc(char c)
{
    arch_console_putc(c);
    if (c != '\n') {
        if (line_len < KDB_LINE_MAX)
            line[line_len++] = c;
        return;
    }
    int code = test_exit ? test_exit_code() : -1;
    line_len = 0;
    if (code >= 0)
        machine_exit((unsigned)code);
}

/* Print the NUL-terminated user string at va; unmapped pages are resolved
 * once each through `resolve`, and printing stops quietly where that fails. */
static void kdb_print_user_string(const struct arch_space *as, uint32_t va,
                                  kdebug_resolve_fn resolve)
{
    char buf[64];
    uint32_t resolved_page = 0xFFFFFFFFu;
    for (uint32_t done = 0; done < KDB_STRING_MAX;) {
        uint32_t n = uaccess_read(as, va + done, buf, sizeof buf);
        for (uint32_t i = 0; i < n; i++) {
            if (!buf[i])
                return;
            kdb_putc(buf[i]);
        }
        done += n;
        if (n == sizeof buf)
            continue;
        uint32_t page = (va + done) & ~0xFFFu;
        if (!resolve || page == resolved_page || !resolve(as, va + done))
            return;
        resolved_page = page;
    }
}

/* ReadChar_Blocked: a character in EAX, or (none yet) EIP back at the trap
 * instruction (`int3` CC or `int $3` CD 03) so that the thread asks again
 * after waiting; never spins in the kernel. */
static enum kdebug_result kdb_read_blocked(struct frame *f, const struct arch_space *as)
{
    int c = serial_getc();
    if (c < 0) {
        uint8_t before = 0;
        (void)uaccess_read(as, f->eip - 1, &before, 1);
        f->eip -= before == 0xCC ? 1u : 2u;
        return KDEBUG_WAIT;
    }
    f->eax = (uint32_t)c;
    return KDEBUG_DONE;
}

enum kdebug_result kdebug_handle(struct frame *f, const struct arch_space *as,
                                 kdebug_resolve_fn resolve)
{
    uint8_t code[7];
    uint32_t n = uaccess_read(as, f->eip, code, sizeof code);

    if (n >= 2 && code[0] == 0x3C) {            /* cmp $op, %al */
        switch (code[1]) {
        case 0x00:
            kdb_putc((char)f->eax);
            return KDEBUG_DONE;
        case 0x01:
            kdb_print_user_string(as, f->eax, resolve);
            return KDEBUG_DONE;
        case 0x08:
            f->eax = (uint32_t)serial_getc();
            return KDEBUG_DONE;
        case 0x0D:
            return kdb_read_blocked(f, as);
        case 0x02:
        case 0x03:
            return KDEBUG_DONE;                 /* clear page / toggle break-in: no-ops */
        case 0x4B:                              /* 'K': kernel memory counter EAX (-1: print all) */
            if (f->eax == 0xFFFFFFFFu)
                pmem_report();
            f->eax = f->eax == 0xFFFFFFFFu ? PMEM_STAT_COUNT : pmem_stat(f->eax);
            return KDEBUG_DONE;
        default:
            kprintf("KDB: unknown operation %02x at %08x; thread stopped\n", code[1], f->eip);
            return KDEBUG_STOP;
        }
    }
    if (n >= 2 && code[0] == 0xEB) {            /* jmp over "mov $msg, %eax" */
        kprintf("KDB: ");
        if (n >= 7 && code[2] == 0xB8)
            kdb_print_user_string(as, (uint32_t)code[3] | (uint32_t)code[4] << 8 |
                                          (uint32_t)code[5] << 16 | (uint32_t)code[6] << 24,
                                  resolve);
        else
            kprintf("(no message)");
        kprintf("\nKDB: no interactive debugger; thread stopped at %08x\n", f->eip);
        return KDEBUG_STOP;
    }
    return KDEBUG_NOT_KDEBUG;
}
