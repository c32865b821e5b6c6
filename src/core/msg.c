/*
 * IPC message decoding (see core/msg.h).
 *
 * Design note. The decoder guarantees:
 *  - every index it reads lies inside the word sequence it was given, so a
 *    message whose items claim more words than u + t (or a receive buffer
 *    chain running past BR32) is reported as IPC_ERR_OVERFLOW, never read
 *    beyond;
 *  - items are recognised by type bits [3..1] of word 0 (100 map, 101 grant,
 *    0xx string, 11x is an error); a string item with the c bit must be
 *    followed by another string item inside the sequence (compound chain);
 *  - a receive buffer is "followed by another" when any item of its chain
 *    has the C bit (ABI 1.6 leaves open whether C sits on the first or the
 *    last item of a compound buffer; both are accepted);
 *  - placement uses 64-bit-safe masks so the complete address space (2^32)
 *    needs no special path.
 */
#include <core/msg.h>

/* Mask of the low `log2` bits (all bits for log2 >= 32). */
static inline word_t low_mask(unsigned log2)
{
    return log2 >= 32u ? ~(word_t)0 : ((word_t)1 << log2) - 1u;
}

/* Decode one string item header at `pos`: words used and bytes described. */
static enum ipc_error string_item_decode(const struct msg_words *s, unsigned pos,
                                         unsigned *words, word_t *bytes)
{
    word_t h = msg_word(s, pos);
    unsigned n = 1u + msg_string_substrings(h);
    if (msg_item_type(h) != MSG_ITEM_STRING || n > s->count - pos)
        return IPC_ERR_OVERFLOW;
    *words = n;
    *bytes = msg_string_length(h) * msg_string_substrings(h);
    return IPC_OK;
}

/* Decode a compound string chain starting at `pos` into `it`. */
static enum ipc_error string_chain_decode(const struct msg_words *s, unsigned pos,
                                          struct msg_item *it)
{
    unsigned at = pos;
    it->type = MSG_ITEM_STRING;
    it->length = 0;
    it->more = false;
    for (;;) {
        unsigned n;
        word_t bytes;
        if (at >= s->count || string_item_decode(s, at, &n, &bytes) != IPC_OK)
            return IPC_ERR_OVERFLOW;
        word_t h = msg_word(s, at);
        it->length += bytes;
        it->more = it->more || msg_item_more(h);
        at += n;
        if (!msg_string_compound(h))
            break;
    }
    it->words = at - pos;
    return IPC_OK;
}

enum ipc_error msg_item_decode(const struct msg_words *s, unsigned pos, struct msg_item *it)
{
    if (pos >= s->count)
        return IPC_ERR_OVERFLOW;
    word_t w0 = msg_word(s, pos);
    it->first = pos;
    it->snd_base = 0;
    it->fpage = FPAGE_NIL;
    it->length = 0;
    it->more = msg_item_more(w0);
    switch (msg_item_type(w0)) {
    case MSG_ITEM_MAP:
    case MSG_ITEM_GRANT:
        if (s->count - pos < 2u)
            return IPC_ERR_OVERFLOW;
        it->type = msg_item_type(w0);
        it->words = 2;
        it->snd_base = w0 & ~0x3FFu;
        it->fpage = msg_word(s, pos + 1u);
        return IPC_OK;
    case MSG_ITEM_STRING:
        return string_chain_decode(s, pos, it);
    default:
        return IPC_ERR_OVERFLOW;
    }
}

enum ipc_error msg_validate_typed(const struct msg_words *typed, struct msg_summary *sum)
{
    sum->maps = 0;
    sum->strings = 0;
    sum->string_bytes = 0;
    for (unsigned pos = 0; pos < typed->count;) {
        struct msg_item it;
        if (msg_item_decode(typed, pos, &it) != IPC_OK)
            return IPC_ERR_OVERFLOW;
        if (it.type == MSG_ITEM_STRING) {
            sum->strings++;
            sum->string_bytes += it.length;
        } else {
            sum->maps++;
        }
        pos += it.words;
    }
    return IPC_OK;
}

enum ipc_error msg_buffer_decode(const struct msg_words *brs, unsigned pos, struct msg_item *it)
{
    if (pos >= brs->count || msg_item_type(msg_word(brs, pos)) != MSG_ITEM_STRING)
        return IPC_ERR_OVERFLOW;
    it->first = pos;
    it->snd_base = 0;
    it->fpage = FPAGE_NIL;
    return string_chain_decode(brs, pos, it);
}

void msg_cursor_init(struct msg_cursor *c, const struct msg_words *s, const struct msg_item *it)
{
    c->s = *s;
    c->item = it->first;
    c->end = it->first + it->words;
    c->sub = 0;
    c->off = 0;
}

/* Step past exhausted substrings and items; true while a byte is left. */
static bool cursor_settle(struct msg_cursor *c)
{
    while (c->item < c->end) {
        word_t h = msg_word(&c->s, c->item);
        if (c->off < msg_string_length(h))
            return true;
        c->off = 0;
        if (++c->sub >= msg_string_substrings(h)) {
            c->sub = 0;
            c->item += 1u + msg_string_substrings(h);
        }
    }
    return false;
}

word_t msg_cursor_chunk(struct msg_cursor *c, word_t *addr)
{
    if (!cursor_settle(c)) {
        *addr = 0;
        return 0;
    }
    word_t h = msg_word(&c->s, c->item);
    *addr = msg_word(&c->s, c->item + 1u + c->sub) + c->off;
    return msg_string_length(h) - c->off;
}

void msg_cursor_advance(struct msg_cursor *c, word_t n)
{
    word_t addr;
    word_t left = msg_cursor_chunk(c, &addr);
    c->off += n < left ? n : left;
}

/* Placement of an IO fpage: same ports in the receiver's IO space. */
static enum ipc_error place_io(fpage_t f, struct msg_placement *p)
{
    if (!fpage_io_valid(f))
        return IPC_ERR_OVERFLOW;
    p->io = true;
    p->src_base = p->dst_base = fpage_io_port(f);
    p->log2 = fpage_io_log2(f);
    return IPC_OK;
}

enum ipc_error msg_place_fpage(word_t snd_base, fpage_t f, fpage_t window, struct msg_placement *p)
{
    if (fpage_is_io(f))
        return place_io(f, p);
    if (fpage_is_nil(window) || fpage_is_io(window))
        return IPC_ERR_OVERFLOW;
    unsigned s = fpage_log2(f), w = fpage_log2(window);
    if (s > 32u || w > 32u)
        return IPC_ERR_OVERFLOW;    /* no fpage is larger than the complete space */
    p->io = false;
    if (s <= w) {
        p->src_base = fpage_base(f);
        p->dst_base = fpage_base(window) + ((snd_base & low_mask(w)) & ~low_mask(s));
        p->log2 = s;
    } else {
        p->src_base = fpage_base(f) + ((snd_base & low_mask(s)) & ~low_mask(w));
        p->dst_base = fpage_base(window);
        p->log2 = w;
    }
    return IPC_OK;
}

unsigned msg_placement_pieces(const struct msg_placement *p)
{
    if (p->io || p->log2 <= MSG_PIECE_LOG2)
        return 1;
    return 1u << (p->log2 - MSG_PIECE_LOG2);
}

struct msg_placement msg_placement_piece(const struct msg_placement *p, unsigned i)
{
    struct msg_placement q = *p;
    if (p->io || p->log2 <= MSG_PIECE_LOG2)
        return q;
    word_t off = (word_t)i << MSG_PIECE_LOG2;
    q.src_base += off;
    q.dst_base += off;
    q.log2 = MSG_PIECE_LOG2;
    return q;
}

bool msg_piece_below(const struct msg_placement *p, word_t limit, bool src_any)
{
    uint64_t size = (uint64_t)1 << p->log2;
    if ((uint64_t)p->dst_base + size > limit)
        return false;
    return src_any || (uint64_t)p->src_base + size <= limit;
}
