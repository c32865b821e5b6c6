/* The handler's side of an exception IPC; see exc_user.h. */
#include "exc_user.h"
#include "ktest_user.h"

#include <l4/ipc.h>

int exc_is_exception(L4_MsgTag_t tag)
{
    return L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFB;
}

int exc_matches(L4_MsgTag_t tag, const L4_Word_t *mr, L4_Word_t vector, L4_Word_t error,
                L4_Word_t eax)
{
    return exc_is_exception(tag) && L4_UntypedWords(tag) == 12 && mr[3] == vector &&
           mr[4] == error && mr[12] == eax;
}

void exc_print(L4_MsgTag_t tag, const L4_Word_t *mr)
{
    ktu_print("  tag ");
    ktu_print_hex(tag.raw);
    for (unsigned i = 1; i <= 12; i++) {
        ktu_print(" ");
        ktu_print_hex(mr[i]);
    }
    ktu_print("\n");
}

void exc_resume(L4_ThreadId_t t, L4_Word_t *mr, L4_Word_t skip, L4_Word_t eax)
{
    mr[0] = L4_MsgTagMake(0, 12, 0).raw;
    mr[1] += skip;
    mr[12] = eax;
    L4_Reply(t);
}
