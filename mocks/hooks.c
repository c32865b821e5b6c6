/* Stateful fakes of the general, thread and time hooks (see mock/hooks.h). */
#include <mock/hooks.h>

#include <core/tcb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t mock_time_us;
struct tcb *mock_current;
unsigned mock_switch_count;
struct tcb *mock_switch_from, *mock_switch_to;
unsigned mock_tcb_alloc_failures;
unsigned mock_tcb_backed;
unsigned mock_tcb_free_errors;
int mock_panic_armed;
jmp_buf mock_panic_jmp;
const char *mock_panic_why;
char mock_console[4096];
size_t mock_console_len;

void mock_reset(void)
{
    mock_time_us = 0;
    mock_current = NULL;
    mock_switch_count = 0;
    mock_switch_from = mock_switch_to = NULL;
    mock_tcb_alloc_failures = 0;
    mock_tcb_backed = 0;
    mock_tcb_free_errors = 0;
    mock_panic_armed = 0;
    mock_panic_why = NULL;
    mock_console_len = 0;
    mock_console[0] = '\0';
}

_Noreturn void arch_panic(const char *why, const char *file, int line)
{
    mock_panic_why = why;
    if (mock_panic_armed)
        longjmp(mock_panic_jmp, 1);
    fprintf(stderr, "kernel panic: %s at %s:%d\n", why, file, line);
    abort();
}

void arch_console_putc(char c)
{
    if (mock_console_len + 1 < sizeof(mock_console)) {
        mock_console[mock_console_len++] = c;
        mock_console[mock_console_len] = '\0';
    }
}

struct tcb *arch_current(void)
{
    return mock_current;
}

void arch_switch_to(struct tcb *from, struct tcb *to)
{
    mock_switch_count++;
    mock_switch_from = from;
    mock_switch_to = to;
    to->arch.switched_in++;
    mock_current = to;
}

void arch_tcb_space_changed(struct tcb *t)
{
    t->arch.space_seen = t->space;
}

bool arch_tcb_space_agrees(const struct tcb *t)
{
    return t->arch.space_seen == t->space;
}

bool arch_tcb_alloc(struct tcb *t)
{
    if (mock_tcb_alloc_failures) {
        mock_tcb_alloc_failures--;
        return false;
    }
    memset(t, 0, TCB_SIZE);
    mock_tcb_backed++;
    return true;
}

void arch_tcb_free(struct tcb *t)
{
    if (t->state != TS_FREE || mock_tcb_backed == 0)
        mock_tcb_free_errors++;
    else
        mock_tcb_backed--;
    memset(t, 0, TCB_SIZE);
}

uint64_t arch_timer_now(void)
{
    return mock_time_us;
}
