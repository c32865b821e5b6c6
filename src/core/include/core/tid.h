/*
 * Thread identifiers of the X.2 ia32 ABI (ABI section 1.1).
 *
 * A global ID is thread number [31..14] and version [13..0]; a local ID is
 * the UTCB pointer of a thread in the caller's space ([5..0] = 0).
 * Guarantees: every word is classified without faulting; tid_lookup() maps a
 * global ID to its TCB in O(1) (one multiply-add into the virtually linear
 * TCB array plus a version compare) and answers NULL for anything that does
 * not name an existing thread with exactly that version.
 */
#ifndef CORE_TID_H
#define CORE_TID_H

#include <core/types.h>

typedef word_t tid_t;

#define TID_NIL          ((tid_t)0x00000000u)
#define TID_ANY          ((tid_t)0xFFFFFFFFu)
#define TID_ANYLOCAL     ((tid_t)0xFFFFFFC0u)
#define TID_VERSION_BITS 14u
#define TID_VERSION_MASK ((1u << TID_VERSION_BITS) - 1u)

/* Thread-number ranges published in KIP.ThreadInfo (ABI 1.1, 3.3). */
#define TID_NUMBER_BITS 16u                    /* significant thread-number bits */
#define TID_MAX_THREADS (1u << TID_NUMBER_BITS)
#define TID_IRQ_LINES   16u                    /* legacy PIC */
#define TID_SYSTEM_BASE TID_IRQ_LINES
#define TID_USER_BASE   (TID_SYSTEM_BASE + 32u)
#define TID_SIGMA0_NO   (TID_USER_BASE + 0u)
#define TID_SIGMA1_NO   (TID_USER_BASE + 1u)
#define TID_ROOT_NO     (TID_USER_BASE + 2u)

static inline bool tid_is_nil(tid_t t) { return t == TID_NIL; }
static inline bool tid_is_global(tid_t t) { return (t & 0x3Fu) != 0; }
static inline bool tid_is_local(tid_t t) { return (t & 0x3Fu) == 0; }
static inline word_t tid_number(tid_t t) { return t >> TID_VERSION_BITS; }
static inline word_t tid_version(tid_t t) { return t & TID_VERSION_MASK; }
static inline tid_t tid_make_global(word_t number, word_t version)
{
    return (number << TID_VERSION_BITS) | (version & TID_VERSION_MASK);
}

#endif
