/*
 * IPC message decoding (ABI 1.4-1.7, 2.2, 5.5): message tags, typed items in
 * MRs, the acceptor and receive string buffers in BRs, fpage placement
 * against a receive window, and ErrorCode words.
 *
 * Everything here is pure: functions read words and compute, they never
 * touch threads, memory outside the given word sequences, or hardware.
 * Malformed user input is reported as IPC_ERR_OVERFLOW (message overflow),
 * never as a kernel assertion.
 *
 * OWNER: ipc module.
 */
#ifndef CORE_MSG_H
#define CORE_MSG_H

#include <core/fpage.h>
#include <core/types.h>

/* ---- virtual registers in the UTCB (ABI 2.2), `utcb` points at MR0 ----- */

#define MSG_MR_COUNT 64u           /* MR0..MR63 */
#define MSG_BR_COUNT 33u           /* BR0..BR32 */

enum utcb_tcr {                    /* word index of a TCR relative to MR0 */
    UTCB_MY_GLOBAL_ID = -15,
    UTCB_PROCESSOR_NO = -14,
    UTCB_USER_HANDLE = -13,
    UTCB_PAGER = -12,
    UTCB_EXCEPTION_HANDLER = -11,
    UTCB_FLAGS = -10,
    UTCB_ERROR_CODE = -9,
    UTCB_XFER_TIMEOUTS = -8,
    UTCB_INTENDED_RECEIVER = -7,
    UTCB_VIRTUAL_SENDER = -6,      /* also ActualSender on receipt */
};

/* Word index of BR i (i = 0..32) relative to MR0. */
static inline int utcb_br_index(unsigned i) { return -16 - (int)i; }

/* ---- message tag (MR0) ------------------------------------------------ */

#define MSG_TAG_E 0x8000u          /* error */
#define MSG_TAG_X 0x4000u          /* cross-processor */
#define MSG_TAG_R 0x2000u          /* redirected */
#define MSG_TAG_P 0x1000u          /* propagated */
#define MSG_TAG_FLAGS (MSG_TAG_E | MSG_TAG_X | MSG_TAG_R | MSG_TAG_P)
#define MSG_MAX_WORDS 63u          /* u + t limit */

static inline word_t msgtag_label(word_t tag) { return tag >> 16; }
static inline unsigned msgtag_untyped(word_t tag) { return tag & 0x3Fu; }
static inline unsigned msgtag_typed(word_t tag) { return (tag >> 6) & 0x3Fu; }
static inline word_t msgtag_flags(word_t tag) { return tag & MSG_TAG_FLAGS; }

/* Build a tag from label, u, t and flag bits (fields are truncated to size). */
static inline word_t msgtag_make(word_t label, unsigned u, unsigned t, word_t flags)
{
    return (label << 16) | (flags & MSG_TAG_FLAGS) | ((t & 0x3Fu) << 6) | (u & 0x3Fu);
}

/* True when the u + t words of the message fit into MR1..MR63. */
static inline bool msgtag_fits(word_t tag)
{
    return msgtag_untyped(tag) + msgtag_typed(tag) <= MSG_MAX_WORDS;
}

/* ---- error codes (ABI 1.7) -------------------------------------------- */

enum ipc_error {
    IPC_OK = 0,
    IPC_ERR_TIMEOUT = 1,           /* partner not ready in time */
    IPC_ERR_NO_PARTNER = 2,        /* non-existing partner */
    IPC_ERR_CANCELED = 3,          /* cancelled before the transfer */
    IPC_ERR_OVERFLOW = 4,          /* message overflow */
    IPC_ERR_XFER_OWN = 5,          /* own transfer timeout expired */
    IPC_ERR_XFER_PARTNER = 6,      /* partner's transfer timeout expired */
    IPC_ERR_ABORTED = 7,           /* aborted during the transfer */
};

enum ipc_phase { IPC_PHASE_SEND = 0, IPC_PHASE_RECV = 1 };

#define MSG_ERROR_OFFSET_MAX 0x0FFFFFFFu   /* 28 bits */

/* ErrorCode word: byte offset [31..4] (saturated), code [3..1], phase [0]. */
static inline word_t msg_error_word(enum ipc_error code, enum ipc_phase phase, word_t offset)
{
    word_t off = offset > MSG_ERROR_OFFSET_MAX ? MSG_ERROR_OFFSET_MAX : offset;
    return (off << 4) | (((word_t)code & 7u) << 1) | ((word_t)phase & 1u);
}

static inline enum ipc_error msg_error_code(word_t e) { return (enum ipc_error)((e >> 1) & 7u); }
static inline enum ipc_phase msg_error_phase(word_t e) { return (enum ipc_phase)(e & 1u); }
static inline word_t msg_error_offset(word_t e) { return e >> 4; }

/* ---- typed items (ABI 1.5) -------------------------------------------- */

enum msg_item_type { MSG_ITEM_STRING, MSG_ITEM_MAP, MSG_ITEM_GRANT, MSG_ITEM_BAD };

#define MSG_ITEM_MAP_BITS   0x8u   /* word 0 type bits of a map item */
#define MSG_ITEM_GRANT_BITS 0xAu
#define MSG_STRING_MAX_LEN  0x3FFFFFu
#define MSG_STRING_MAX_SUBSTRINGS 32u

/* Item type from word 0: type bits [3..1] 100 map, 101 grant, 0xx string. */
static inline enum msg_item_type msg_item_type(word_t w0)
{
    switch ((w0 >> 1) & 7u) {
    case 4: return MSG_ITEM_MAP;
    case 5: return MSG_ITEM_GRANT;
    case 6: case 7: return MSG_ITEM_BAD;
    default: return MSG_ITEM_STRING;
    }
}

/* String item header fields: length [31..10], c [9], j [8..4], C [0]. */
static inline word_t msg_string_length(word_t h) { return h >> 10; }
static inline bool msg_string_compound(word_t h) { return (h >> 9) & 1u; }
static inline unsigned msg_string_substrings(word_t h) { return ((h >> 4) & 0x1Fu) + 1u; }
static inline bool msg_item_more(word_t h) { return h & 1u; }

/* Header of a string item: `len` bytes per substring, `nsub` (1..32) substrings. */
static inline word_t msg_string_header(word_t len, unsigned nsub, bool compound, bool more)
{
    return (len << 10) | ((word_t)compound << 9) | (((nsub - 1u) & 0x1Fu) << 4) | (word_t)more;
}

/* Word 0 of a map or grant item with send base `base` (bits below 10 dropped). */
static inline word_t msg_map_item_word0(word_t base, bool grant, bool more)
{
    return (base & ~0x3FFu) | (grant ? MSG_ITEM_GRANT_BITS : MSG_ITEM_MAP_BITS) | (word_t)more;
}

/* A sequence of words read with a stride: MRs ascend in the UTCB, BRs descend. */
struct msg_words {
    const word_t *w;               /* word 0 of the sequence */
    ptrdiff_t step;                /* +1 or -1 */
    unsigned count;                /* valid words */
};

static inline word_t msg_word(const struct msg_words *s, unsigned i)
{
    return s->w[(ptrdiff_t)i * s->step];
}

/* The typed words MR(u+1)..MR(u+t) of the message whose tag is in utcb[0]. */
static inline struct msg_words msg_words_typed(const word_t *utcb, word_t tag)
{
    struct msg_words s = { utcb + 1 + msgtag_untyped(tag), 1, msgtag_typed(tag) };
    return s;
}

/* The receive buffer registers BR1..BR32 of a UTCB. */
static inline struct msg_words msg_words_buffers(const word_t *utcb)
{
    struct msg_words s = { utcb + utcb_br_index(1), -1, MSG_BR_COUNT - 1u };
    return s;
}

/* One decoded item; for a string, the whole compound chain. */
struct msg_item {
    enum msg_item_type type;
    unsigned first;                /* index of word 0 in the sequence */
    unsigned words;                /* words used (string: all chained items) */
    word_t snd_base;               /* map/grant: send base (bits 31..10) */
    fpage_t fpage;                 /* map/grant: send fpage */
    word_t length;                 /* string: total bytes over all substrings */
    bool more;                     /* C bit (receive buffers: another follows) */
};

/* Decode the item at word `pos` of `s`; IPC_ERR_OVERFLOW if it is of a bad
 * type or does not fit into the sequence (a string chain must end inside). */
enum ipc_error msg_item_decode(const struct msg_words *s, unsigned pos, struct msg_item *it);

/* Counts of a validated send message. */
struct msg_summary {
    unsigned maps;                 /* map and grant items */
    unsigned strings;              /* logical strings (compound chains) */
    word_t string_bytes;           /* total string bytes */
};

/* Validate all typed items of a send message; IPC_ERR_OVERFLOW if malformed. */
enum ipc_error msg_validate_typed(const struct msg_words *typed, struct msg_summary *sum);

/* Decode the receive buffer at `pos` of the BR sequence: a string chain that
 * must fit into BR32; IPC_ERR_OVERFLOW otherwise. */
enum ipc_error msg_buffer_decode(const struct msg_words *brs, unsigned pos, struct msg_item *it);

/* ---- acceptor (BR0, ABI 1.6) ------------------------------------------ */

/* Receive window of an acceptor (nil: no map/grant accepted). */
static inline fpage_t msg_acceptor_window(word_t br0) { return br0 & ~0xFu; }
static inline bool msg_acceptor_strings(word_t br0) { return br0 & 1u; }

/* ---- string cursor: walks the substrings of one (compound) string ----- */

struct msg_cursor {
    struct msg_words s;
    unsigned item;                 /* header index of the current item */
    unsigned end;                  /* first index after the chain */
    unsigned sub;                  /* current substring in the item */
    word_t off;                    /* bytes done in the current substring */
};

/* Start at the (decoded, valid) string item `it` of `s`. */
void msg_cursor_init(struct msg_cursor *c, const struct msg_words *s, const struct msg_item *it);

/* Current contiguous piece: stores its address, returns its length (0 at end). */
word_t msg_cursor_chunk(struct msg_cursor *c, word_t *addr);

/* Consume `n` bytes (at most the current chunk's length). */
void msg_cursor_advance(struct msg_cursor *c, word_t n);

/* ---- map/grant placement (ABI 5.5) ------------------------------------ */

struct msg_placement {
    word_t src_base;               /* first sender address (or port) */
    word_t dst_base;               /* first receiver address (or port) */
    unsigned log2;                 /* size of the transferred region */
    bool io;                       /* IO ports, not memory */
};

/* Where the send fpage `f` with send base `snd_base` lands in `window`.
 * IPC_ERR_OVERFLOW for a nil window (memory) or a malformed IO fpage. */
enum ipc_error msg_place_fpage(word_t snd_base, fpage_t f, fpage_t window, struct msg_placement *p);

/* Memory placements are cut into pieces of at most 2^MSG_PIECE_LOG2 bytes,
 * so that each piece lies wholly on one side of the kernel-area boundary
 * (any 2^30-aligned address): the complete space (2^32) or a 2^31 fpage is
 * then mapped in its user part only (ABI 5.5). */
#define MSG_PIECE_LOG2 30u

/* Number of pieces of placement `p` (1 for IO and for <= 2^30 bytes). */
unsigned msg_placement_pieces(const struct msg_placement *p);

/* Piece `i` (< msg_placement_pieces(p)) of placement `p`. */
struct msg_placement msg_placement_piece(const struct msg_placement *p, unsigned i);

/* True when memory piece `p` (from msg_placement_piece) lies below `limit`
 * (2^30-aligned) at the receiver and, unless `src_any`, at the sender. */
bool msg_piece_below(const struct msg_placement *p, word_t limit, bool src_any);

#endif
