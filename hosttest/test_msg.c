/* Host tests of IPC message decoding (core/msg.h) with the ABI's worked encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <core/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct msg_words words_of(const word_t *w, unsigned n)
{
    struct msg_words s = { w, 1, n };
    return s;
}

static void test_msgtag_abi_vectors(void **state)
{
    word_t tag = 0xFFE08102u;     /* label 0xFFE0, u = 2, t = 4, E */
    assert_int_equal(msgtag_label(tag), 0xFFE0u);
    assert_int_equal(msgtag_untyped(tag), 2);
    assert_int_equal(msgtag_typed(tag), 4);
    assert_int_equal(msgtag_flags(tag), MSG_TAG_E);
    assert_int_equal(msgtag_make(0xFFE0u, 2, 4, MSG_TAG_E), tag);
    assert_int_equal(msgtag_make(0xFFE2u, 2, 0, 0), 0xFFE20002u);   /* write pagefault */
    assert_int_equal(msgtag_make(0xFFF0u, 0, 0, 0), 0xFFF00000u);   /* interrupt */
    assert_int_equal(msgtag_make(0xFFB0u, 12, 0, 0), 0xFFB0000Cu);  /* exception */
    assert_int_equal(msgtag_make(0, 0, 2, 0), 0x00000080u);         /* sigma0 reply */
    assert_int_equal(msgtag_make(1, 0, 0, 0x0FFFu), 0x00010000u);   /* non-flag bits dropped */
}

static void test_msgtag_fits_limit(void **state)
{
    assert_true(msgtag_fits(msgtag_make(0, 63, 0, 0)));
    assert_true(msgtag_fits(msgtag_make(0, 0, 63, 0)));
    assert_true(msgtag_fits(msgtag_make(0, 31, 32, 0)));
    assert_false(msgtag_fits(msgtag_make(0, 32, 32, 0)));
    assert_false(msgtag_fits(msgtag_make(0, 63, 63, 0)));
}

static void test_msg_error_word_abi_vectors(void **state)
{
    assert_int_equal(msg_error_word(IPC_ERR_NO_PARTNER, IPC_PHASE_SEND, 0), 0x4u);
    assert_int_equal(msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_RECV, 0), 0x3u);
    assert_int_equal(msg_error_word(IPC_ERR_TIMEOUT, IPC_PHASE_SEND, 0), 0x2u);
    word_t e = msg_error_word(IPC_ERR_ABORTED, IPC_PHASE_RECV, 0x1234);
    assert_int_equal(e, 0x1234Fu);
    assert_int_equal(msg_error_code(e), IPC_ERR_ABORTED);
    assert_int_equal(msg_error_phase(e), IPC_PHASE_RECV);
    assert_int_equal(msg_error_offset(e), 0x1234u);
}

static void test_msg_error_word_offset_saturates(void **state)
{
    word_t e = msg_error_word(IPC_ERR_OVERFLOW, IPC_PHASE_SEND, 0xFFFFFFFFu);
    assert_int_equal(msg_error_offset(e), MSG_ERROR_OFFSET_MAX);
    assert_int_equal(msg_error_code(e), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_error_phase(e), IPC_PHASE_SEND);
}

static void test_msg_item_type_recognition(void **state)
{
    assert_int_equal(msg_item_type(0x12345008u), MSG_ITEM_MAP);
    assert_int_equal(msg_item_type(0x1234500Au), MSG_ITEM_GRANT);
    assert_int_equal(msg_item_type(0x12345009u), MSG_ITEM_MAP);      /* with C */
    assert_int_equal(msg_item_type(0x00019000u), MSG_ITEM_STRING);
    assert_int_equal(msg_item_type(0x00019006u), MSG_ITEM_STRING);   /* hints */
    assert_int_equal(msg_item_type(0x0000000Cu), MSG_ITEM_BAD);      /* 110 */
    assert_int_equal(msg_item_type(0x0000000Eu), MSG_ITEM_BAD);      /* 111 */
    assert_int_equal(msg_map_item_word0(0x12345000u, false, false), 0x12345008u);
    assert_int_equal(msg_map_item_word0(0x12345123u, true, true), 0x1234500Bu);
    assert_int_equal(msg_string_header(100, 1, false, false), 0x00019000u);
}

static void test_msg_item_decode_map_grant(void **state)
{
    word_t w[] = { 0x12345008u, 0x123450C0u, 0x1234500Bu, 0x001000C6u };
    struct msg_words s = words_of(w, 4);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_OK);
    assert_int_equal(it.type, MSG_ITEM_MAP);
    assert_int_equal(it.words, 2);
    assert_int_equal(it.snd_base, 0x12345000u);
    assert_int_equal(it.fpage, 0x123450C0u);
    assert_false(it.more);
    assert_int_equal(msg_item_decode(&s, 2, &it), IPC_OK);
    assert_int_equal(it.type, MSG_ITEM_GRANT);
    assert_int_equal(it.first, 2);
    assert_true(it.more);
    assert_int_equal(it.snd_base, 0x12345000u);   /* without the c bit (bit 0) */
    assert_int_equal(it.fpage, 0x001000C6u);
}

static void test_msg_item_decode_map_truncated(void **state)
{
    word_t w[] = { 0x12345008u };
    struct msg_words s = words_of(w, 1);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_item_decode(&s, 1, &it), IPC_ERR_OVERFLOW);   /* past the end */
}

static void test_msg_item_decode_bad_type(void **state)
{
    word_t w[] = { 0x0000000Cu, 0 };
    struct msg_words s = words_of(w, 2);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
}

static void test_msg_item_decode_simple_string(void **state)
{
    word_t w[] = { 0x00019000u, 0x00400000u };   /* ABI 10: 100-byte simple string */
    struct msg_words s = words_of(w, 2);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_OK);
    assert_int_equal(it.type, MSG_ITEM_STRING);
    assert_int_equal(it.words, 2);
    assert_int_equal(it.length, 100);
}

static void test_msg_item_decode_substrings_and_compound(void **state)
{
    word_t w[] = {
        msg_string_header(10, 3, true, false), 0x1000, 0x2000, 0x3000,
        msg_string_header(7, 2, false, true), 0x4000, 0x5000,
    };
    struct msg_words s = words_of(w, 7);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_OK);
    assert_int_equal(it.words, 7);
    assert_int_equal(it.length, 30 + 14);
    assert_true(it.more);
}

static void test_msg_item_decode_string_truncated(void **state)
{
    word_t w[] = { msg_string_header(10, 3, false, false), 0x1000, 0x2000 };
    struct msg_words s = words_of(w, 3);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
}

static void test_msg_item_decode_compound_without_continuation(void **state)
{
    word_t w[] = { msg_string_header(10, 1, true, false), 0x1000 };
    struct msg_words s = words_of(w, 2);
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
    /* compound continued by a map item is malformed too */
    word_t v[] = { msg_string_header(10, 1, true, false), 0x1000, 0x12345008u, 0x123450C0u };
    s = words_of(v, 4);
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
}

static void test_msg_validate_typed_counts(void **state)
{
    word_t w[] = {
        0x12345008u, 0x123450C0u,
        msg_string_header(5, 2, true, false), 0x1000, 0x2000,
        msg_string_header(3, 1, false, false), 0x3000,
        0x1234500Au, 0x123450C0u,
        msg_string_header(100, 1, false, false), 0x4000,
    };
    struct msg_words s = words_of(w, ARRAY_SIZE(w));
    struct msg_summary sum;
    assert_int_equal(msg_validate_typed(&s, &sum), IPC_OK);
    assert_int_equal(sum.maps, 2);
    assert_int_equal(sum.strings, 2);
    assert_int_equal(sum.string_bytes, 113);
}

static void test_msg_validate_typed_empty_and_bad(void **state)
{
    struct msg_summary sum;
    struct msg_words s = words_of(NULL, 0);
    assert_int_equal(msg_validate_typed(&s, &sum), IPC_OK);
    assert_int_equal(sum.maps + sum.strings, 0);
    word_t w[] = { 0x12345008u, 0x123450C0u, 0x12345008u };   /* 2nd item cut off */
    s = words_of(w, 3);
    assert_int_equal(msg_validate_typed(&s, &sum), IPC_ERR_OVERFLOW);
}

static void test_msg_words_typed_and_buffers_layout(void **state)
{
    word_t block[128] = { 0 };
    word_t *utcb = block + 64;
    utcb[0] = msgtag_make(0, 2, 2, 0);
    utcb[3] = 0xAAu;
    utcb[4] = 0xBBu;
    struct msg_words t = msg_words_typed(utcb, utcb[0]);
    assert_int_equal(t.count, 2);
    assert_int_equal(msg_word(&t, 0), 0xAAu);
    assert_int_equal(msg_word(&t, 1), 0xBBu);
    utcb[utcb_br_index(1)] = 0x11u;     /* BR1 at utcb[-17] */
    utcb[utcb_br_index(32)] = 0x32u;    /* BR32 at utcb[-48] */
    assert_ptr_equal(&utcb[utcb_br_index(0)], &utcb[-16]);
    struct msg_words b = msg_words_buffers(utcb);
    assert_int_equal(b.count, 32);
    assert_int_equal(msg_word(&b, 0), 0x11u);
    assert_int_equal(msg_word(&b, 31), 0x32u);
    assert_int_equal(UTCB_ERROR_CODE, -9);
    assert_int_equal(UTCB_XFER_TIMEOUTS, -8);
    assert_int_equal(UTCB_VIRTUAL_SENDER, -6);
    assert_int_equal(UTCB_PAGER, -12);
}

static void test_msg_buffer_decode_chain_and_more(void **state)
{
    word_t block[128] = { 0 };
    word_t *utcb = block + 64;
    word_t brs[] = {
        msg_string_header(8, 1, true, false), 0x1000,     /* compound buffer, C on last */
        msg_string_header(8, 1, false, true), 0x2000,
        msg_string_header(4, 2, false, false), 0x3000, 0x4000,
    };
    for (unsigned i = 0; i < ARRAY_SIZE(brs); i++)
        utcb[utcb_br_index(i + 1)] = brs[i];
    struct msg_words b = msg_words_buffers(utcb);
    struct msg_item it;
    assert_int_equal(msg_buffer_decode(&b, 0, &it), IPC_OK);
    assert_int_equal(it.words, 4);
    assert_int_equal(it.length, 16);
    assert_true(it.more);
    assert_int_equal(msg_buffer_decode(&b, 4, &it), IPC_OK);
    assert_int_equal(it.length, 8);
    assert_false(it.more);
}

static void test_msg_buffer_decode_must_fit_br32(void **state)
{
    word_t block[128] = { 0 };
    word_t *utcb = block + 64;
    struct msg_words b = msg_words_buffers(utcb);
    struct msg_item it;
    /* BR31 holds a header with 2 substrings: needs BR32 and BR33 */
    utcb[utcb_br_index(31)] = msg_string_header(8, 2, false, false);
    assert_int_equal(msg_buffer_decode(&b, 30, &it), IPC_ERR_OVERFLOW);
    /* with one substring it just fits */
    utcb[utcb_br_index(31)] = msg_string_header(8, 1, false, false);
    assert_int_equal(msg_buffer_decode(&b, 30, &it), IPC_OK);
    assert_int_equal(msg_buffer_decode(&b, 32, &it), IPC_ERR_OVERFLOW);
    /* a map item is no buffer */
    utcb[utcb_br_index(1)] = 0x12345008u;
    assert_int_equal(msg_buffer_decode(&b, 0, &it), IPC_ERR_OVERFLOW);
}

static void test_msg_acceptor_abi_vectors(void **state)
{
    assert_int_equal(msg_acceptor_window(0x10u), FPAGE_COMPLETE);
    assert_false(msg_acceptor_strings(0x10u));
    assert_int_equal(msg_acceptor_window(0x1u), FPAGE_NIL);
    assert_true(msg_acceptor_strings(0x1u));
    assert_int_equal(msg_acceptor_window(0x001000C7u), 0x001000C0u);
}

static void test_msg_cursor_walks_substrings(void **state)
{
    word_t w[] = {
        msg_string_header(4, 2, true, false), 0x1000, 0x2000,
        msg_string_header(0, 1, true, false), 0x9000,           /* empty item skipped */
        msg_string_header(3, 1, false, false), 0x3000,
    };
    struct msg_words s = words_of(w, ARRAY_SIZE(w));
    struct msg_item it;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_OK);
    struct msg_cursor c;
    msg_cursor_init(&c, &s, &it);
    word_t a;
    assert_int_equal(msg_cursor_chunk(&c, &a), 4);
    assert_int_equal(a, 0x1000);
    msg_cursor_advance(&c, 1);
    assert_int_equal(msg_cursor_chunk(&c, &a), 3);
    assert_int_equal(a, 0x1001);
    msg_cursor_advance(&c, 3);
    assert_int_equal(msg_cursor_chunk(&c, &a), 4);
    assert_int_equal(a, 0x2000);
    msg_cursor_advance(&c, 100);                  /* clamps to the chunk */
    assert_int_equal(msg_cursor_chunk(&c, &a), 3);
    assert_int_equal(a, 0x3000);
    msg_cursor_advance(&c, 3);
    assert_int_equal(msg_cursor_chunk(&c, &a), 0);
    assert_int_equal(a, 0);
    msg_cursor_advance(&c, 1);                    /* at the end: no effect */
    assert_int_equal(msg_cursor_chunk(&c, &a), 0);
}

static void test_msg_place_fpage_abi_map_item(void **state)
{
    struct msg_placement p;
    /* ABI 10 map item into the complete window: lands at the same address */
    assert_int_equal(msg_place_fpage(0x12345000u, 0x123450C0u, FPAGE_COMPLETE, &p), IPC_OK);
    assert_false(p.io);
    assert_int_equal(p.src_base, 0x12345000u);
    assert_int_equal(p.dst_base, 0x12345000u);
    assert_int_equal(p.log2, 12);
}

static void test_msg_place_fpage_smaller_than_window(void **state)
{
    struct msg_placement p;
    fpage_t snd = fpage_make(0x00800000u, 12, 7);          /* 4K */
    fpage_t win = fpage_make(0x40000000u, 16, 0);          /* 64K */
    /* send base 0x1234A678: mod 64K = 0xA678, rounded to 4K = 0xA000 */
    assert_int_equal(msg_place_fpage(0x1234A678u & ~0x3FFu, snd, win, &p), IPC_OK);
    assert_int_equal(p.src_base, 0x00800000u);
    assert_int_equal(p.dst_base, 0x4000A000u);
    assert_int_equal(p.log2, 12);
}

static void test_msg_place_fpage_larger_than_window(void **state)
{
    struct msg_placement p;
    fpage_t snd = fpage_make(0x00400000u, 22, 6);          /* 4M */
    fpage_t win = fpage_make(0x70000000u, 14, 0);          /* 16K */
    /* send base mod 4M = 0x2D000 -> rounded to 16K = 0x2C000 */
    assert_int_equal(msg_place_fpage(0x1002D000u, snd, win, &p), IPC_OK);
    assert_int_equal(p.src_base, 0x0042C000u);
    assert_int_equal(p.dst_base, 0x70000000u);
    assert_int_equal(p.log2, 14);
    /* complete send fpage into a 4K window */
    assert_int_equal(msg_place_fpage(0xABCDE000u, FPAGE_COMPLETE | 7u, fpage_make(0x1000u, 12, 0), &p), IPC_OK);
    assert_int_equal(p.src_base, 0xABCDE000u);
    assert_int_equal(p.dst_base, 0x1000u);
    assert_int_equal(p.log2, 12);
}

static void test_msg_place_fpage_equal_and_complete(void **state)
{
    struct msg_placement p;
    assert_int_equal(msg_place_fpage(0x5000u, FPAGE_COMPLETE, FPAGE_COMPLETE, &p), IPC_OK);
    assert_int_equal(p.src_base, 0);
    assert_int_equal(p.dst_base, 0);
    assert_int_equal(p.log2, 32);
    fpage_t f = fpage_make(0x00010000u, 16, 5);
    assert_int_equal(msg_place_fpage(0xFFFF0000u, f, fpage_make(0x00200000u, 16, 0), &p), IPC_OK);
    assert_int_equal(p.dst_base, 0x00200000u);
    assert_int_equal(p.src_base, 0x00010000u);
}

static void test_msg_place_fpage_nil_window_and_io(void **state)
{
    struct msg_placement p;
    assert_int_equal(msg_place_fpage(0, 0x001000C6u, FPAGE_NIL, &p), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_place_fpage(0, 0x001000C6u, fpage_io_make(0, 16), &p), IPC_ERR_OVERFLOW);
    /* IO fpages ignore the memory window, even a nil one */
    assert_int_equal(msg_place_fpage(0, fpage_io_make(0x3F8, 3), FPAGE_NIL, &p), IPC_OK);
    assert_true(p.io);
    assert_int_equal(p.src_base, 0x3F8u);
    assert_int_equal(p.dst_base, 0x3F8u);
    assert_int_equal(p.log2, 3);
    /* misaligned IO fpage is malformed */
    assert_int_equal(msg_place_fpage(0, fpage_io_make(0x3F9, 3), FPAGE_COMPLETE, &p), IPC_ERR_OVERFLOW);
}

/* Random well-formed item sequences decode back to what was built. */
static void test_msg_validate_typed_random_roundtrip(void **state)
{
    unsigned seed = 0x5EED0001u;
    srand(seed);
    for (int round = 0; round < 2000; round++) {
        word_t w[63];
        unsigned n = 0, maps = 0, strings = 0;
        word_t bytes = 0;
        while (n < 63) {
            unsigned kind = (unsigned)rand() % 3;
            if (kind < 2 && n + 2 <= 63) {
                w[n++] = msg_map_item_word0((word_t)rand(), kind == 1, rand() & 1);
                w[n++] = (word_t)rand();
                maps++;
                continue;
            }
            unsigned nsub = 1 + (unsigned)rand() % 4;
            if (n + 1 + nsub > 63)
                break;
            bool comp = (rand() & 1) && n + 1 + nsub + 2 <= 63;
            word_t len = (word_t)rand() % 1000;
            w[n++] = msg_string_header(len, nsub, comp, false);
            for (unsigned k = 0; k < nsub; k++)
                w[n++] = (word_t)rand();
            bytes += len * nsub;
            if (comp) {
                w[n++] = msg_string_header(1, 1, false, false);
                w[n++] = 0;
                bytes += 1;
            }
            strings++;
            if (rand() % 4 == 0)
                break;
        }
        struct msg_words s = words_of(w, n);
        struct msg_summary sum;
        if (msg_validate_typed(&s, &sum) != IPC_OK || sum.maps != maps ||
            sum.strings != strings || sum.string_bytes != bytes) {
            fprintf(stderr, "seed 0x%x round %d\n", seed, round);
            fail();
        }
        /* truncating the last word always breaks a non-empty message */
        if (n > 0) {
            s.count = n - 1;
            if (msg_validate_typed(&s, &sum) != IPC_ERR_OVERFLOW) {
                fprintf(stderr, "seed 0x%x round %d (truncated)\n", seed, round);
                fail();
            }
        }
    }
}

/* The TCR word indexes relative to MR0 (ABI 2, the UTCB layout table) and
 * the IPC error codes (ABI 1.7): binaries built for any X.2 kernel read
 * and write these words and test these codes. */
static void test_msg_tcr_indexes_and_error_codes_abi(void **state)
{
    (void)state;
    assert_int_equal(UTCB_MY_GLOBAL_ID, -15);
    assert_int_equal(UTCB_PROCESSOR_NO, -14);
    assert_int_equal(UTCB_USER_HANDLE, -13);
    assert_int_equal(UTCB_PAGER, -12);
    assert_int_equal(UTCB_EXCEPTION_HANDLER, -11);
    assert_int_equal(UTCB_FLAGS, -10);
    assert_int_equal(UTCB_ERROR_CODE, -9);
    assert_int_equal(UTCB_XFER_TIMEOUTS, -8);
    assert_int_equal(UTCB_INTENDED_RECEIVER, -7);
    assert_int_equal(UTCB_VIRTUAL_SENDER, -6);
    assert_int_equal(utcb_br_index(0), -16);
    assert_int_equal(utcb_br_index(32), -48);
    assert_int_equal(IPC_OK, 0);
    assert_int_equal(IPC_ERR_TIMEOUT, 1);
    assert_int_equal(IPC_ERR_NO_PARTNER, 2);
    assert_int_equal(IPC_ERR_CANCELED, 3);
    assert_int_equal(IPC_ERR_OVERFLOW, 4);
    assert_int_equal(IPC_ERR_XFER_OWN, 5);
    assert_int_equal(IPC_ERR_XFER_PARTNER, 6);
    assert_int_equal(IPC_ERR_ABORTED, 7);
}

/* A map item's word 0 keeps the send base's bits 31..10 only. */
static void test_msg_map_item_word0_drops_low_base_bits(void **state)
{
    (void)state;
    assert_int_equal(msg_map_item_word0(0x12401u, false, false), 0x12400u | MSG_ITEM_MAP_BITS);
    assert_int_equal(msg_map_item_word0(0x123FFu, true, true), 0x12000u | MSG_ITEM_GRANT_BITS | 1u);
}

/* Three pages, the outer two inaccessible: a word sequence placed against
 * either guard page faults on any read past its end. */
static word_t *guarded_page(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 3 * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(m, (size_t)pg, PROT_NONE), 0);
    assert_int_equal(mprotect(m + 2 * pg, (size_t)pg, PROT_NONE), 0);
    return (word_t *)(m + pg);
}

static void guarded_release(word_t *page)
{
    long pg = sysconf(_SC_PAGESIZE);
    munmap((char *)page - pg, 3 * (size_t)pg);
}

/* The decoders read no word outside the sequence they were given (design
 * note, first guarantee): items and buffers running to the end, and a
 * position at the end, are reported as IPC_ERR_OVERFLOW without a read
 * past it. Typed words run upwards against the upper guard page, receive
 * buffers (step -1) downwards against the lower one. */
static void test_msg_decoders_never_read_past_the_sequence(void **state)
{
    (void)state;
    word_t *page = guarded_page();
    unsigned per_page = (unsigned)(sysconf(_SC_PAGESIZE) / (long)sizeof(word_t));
    struct msg_item it;
    struct msg_summary sum;

    /* a compound string whose continuation would be the first word after */
    word_t *w = page + per_page - 2u;
    w[0] = msg_string_header(8, 1, true, false);
    w[1] = 0x1000;
    struct msg_words s = words_of(w, 2);
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_validate_typed(&s, &sum), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_item_decode(&s, 2, &it), IPC_ERR_OVERFLOW);   /* at the end */
    assert_int_equal(msg_item_decode(&s, 7, &it), IPC_ERR_OVERFLOW);   /* past it */
    /* a map item cut after word 0, and the empty sequence */
    w[1] = 0x12345008u;
    s = words_of(w + 1, 1);
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
    s = words_of(page + per_page, 0);
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_validate_typed(&s, &sum), IPC_OK);

    /* receive buffers: word i at page[1 - i], so word 2 would be below */
    word_t *b = page + 1;
    b[0] = msg_string_header(8, 1, true, false);
    b[-1] = 0x2000;
    struct msg_words brs = { b, -1, 2 };
    assert_int_equal(msg_buffer_decode(&brs, 0, &it), IPC_ERR_OVERFLOW);
    assert_int_equal(msg_buffer_decode(&brs, 2, &it), IPC_ERR_OVERFLOW);
    b[0] = msg_string_header(8, 1, false, false);
    assert_int_equal(msg_buffer_decode(&brs, 0, &it), IPC_OK);
    assert_int_equal(it.words, 2);
    guarded_release(page);
}

/* Expect every field of decoded item `it`. */
static void item_is(const struct msg_item *it, enum msg_item_type type, unsigned first, unsigned words,
                    word_t snd_base, fpage_t fpage, word_t length, bool more)
{
    assert_int_equal(it->type, type);
    assert_int_equal(it->first, first);
    assert_int_equal(it->words, words);
    assert_int_equal(it->snd_base, snd_base);
    assert_int_equal(it->fpage, fpage);
    assert_int_equal(it->length, length);
    assert_int_equal(it->more, more);
}

/* Every field of a decoded item is set: those that do not apply to its
 * type are 0 (fpage: nil), whatever the caller's struct held before. */
static void test_msg_decode_sets_every_field(void **state)
{
    (void)state;
    word_t w[] = { 0x12345009u, 0x123450C0u, msg_string_header(5, 1, false, true), 0x4000 };
    struct msg_words s = words_of(w, 4);
    struct msg_item it;
    memset(&it, 0xA5, sizeof(it));
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_OK);
    item_is(&it, MSG_ITEM_MAP, 0, 2, 0x12345000u, 0x123450C0u, 0, true);
    memset(&it, 0xA5, sizeof(it));
    assert_int_equal(msg_item_decode(&s, 2, &it), IPC_OK);
    item_is(&it, MSG_ITEM_STRING, 2, 2, 0, FPAGE_NIL, 5, true);
    /* decoded into the same struct: a map item without the C bit */
    w[0] = 0x12345008u;
    assert_int_equal(msg_item_decode(&s, 0, &it), IPC_OK);
    item_is(&it, MSG_ITEM_MAP, 0, 2, 0x12345000u, 0x123450C0u, 0, false);
    word_t block[128] = { 0 };
    word_t *utcb = block + 64;
    utcb[utcb_br_index(1)] = msg_string_header(6, 1, false, false);
    struct msg_words b = msg_words_buffers(utcb);
    memset(&it, 0xA5, sizeof(it));
    assert_int_equal(msg_buffer_decode(&b, 0, &it), IPC_OK);
    item_is(&it, MSG_ITEM_STRING, 0, 2, 0, FPAGE_NIL, 6, false);
}

/* Random fpage pairs against a 64-bit model of ABI 5.5's placement: the
 * smaller of the two is placed at the send base's offset (modulo the larger
 * size, rounded down to the smaller one) inside the larger. Send bases have
 * random low bits, size fields run over all 64 values (above 32 is
 * malformed; s = 1 is the complete space). */
static void test_msg_place_fpage_random_model(void **state)
{
    (void)state;
    unsigned seed = 0x5EED0002u;
    srand(seed);
    for (int round = 0; round < 20000; round++) {
        word_t snd = (word_t)rand() ^ ((word_t)rand() << 16);
        unsigned sf = (unsigned)rand() % 64u, wf = (unsigned)rand() % 64u;
        fpage_t f = (((word_t)rand() << 12) & ~0x3FFu) | (sf << 4) | ((unsigned)rand() % 8u);
        fpage_t win = (((word_t)rand() << 12) & ~0x3FFu) | (wf << 4);
        if (fpage_is_nil(win) || fpage_is_io(f) || fpage_is_io(win))
            continue;
        struct msg_placement p;
        enum ipc_error e = msg_place_fpage(snd, f, win, &p);
        unsigned s = fpage_log2(f), w = fpage_log2(win);
        bool bad = s > 32u || w > 32u;
        uint64_t low = (uint64_t)1 << (s < w ? s : w), high = (uint64_t)1 << (s < w ? w : s);
        uint64_t off = ((uint64_t)snd % high) / low * low;
        uint64_t src = fpage_base(f) + (s > w ? off : 0), dst = fpage_base(win) + (s > w ? 0 : off);
        if (bad ? e != IPC_ERR_OVERFLOW
                : e != IPC_OK || p.io || p.log2 != (s < w ? s : w) || p.src_base != (word_t)src ||
                      p.dst_base != (word_t)dst || p.src_base % low != 0 || p.dst_base % low != 0) {
            fprintf(stderr, "seed 0x%x round %d: snd 0x%x f 0x%x win 0x%x\n", seed, round, snd, f, win);
            fail();
        }
    }
}

/* Placements above 2^30 bytes come in 2^30 pieces that advance on both
 * sides; smaller ones and IO placements are one piece, unchanged. */
static void test_msg_placement_pieces(void **state)
{
    (void)state;
    struct msg_placement p;
    assert_int_equal(msg_place_fpage(0, fpage_make(0x80000000u, 31, 7), FPAGE_COMPLETE, &p), IPC_OK);
    assert_int_equal(p.src_base, 0x80000000u);
    assert_int_equal(p.dst_base, 0);
    assert_int_equal(msg_placement_pieces(&p), 2);
    struct msg_placement q = msg_placement_piece(&p, 1);
    assert_int_equal(q.src_base, 0xC0000000u);
    assert_int_equal(q.dst_base, 0x40000000u);
    assert_int_equal(q.log2, MSG_PIECE_LOG2);
    assert_false(q.io);
    q = msg_placement_piece(&p, 0);
    assert_int_equal(q.src_base, 0x80000000u);
    assert_int_equal(q.dst_base, 0);
    assert_int_equal(q.log2, MSG_PIECE_LOG2);
    /* the complete space into the complete space: four pieces */
    assert_int_equal(msg_place_fpage(0, FPAGE_COMPLETE, FPAGE_COMPLETE, &p), IPC_OK);
    assert_int_equal(msg_placement_pieces(&p), 4);
    q = msg_placement_piece(&p, 3);
    assert_int_equal(q.src_base, 0xC0000000u);
    assert_int_equal(q.dst_base, 0xC0000000u);
    /* 2^30 and below: the placement itself */
    assert_int_equal(msg_place_fpage(0x40000000u, fpage_make(0x40000000u, 30, 7),
                                     fpage_make(0, 31, 0), &p), IPC_OK);
    assert_int_equal(msg_placement_pieces(&p), 1);
    q = msg_placement_piece(&p, 0);
    assert_int_equal(q.src_base, 0x40000000u);
    assert_int_equal(q.dst_base, 0x40000000u);
    assert_int_equal(q.log2, 30);
    assert_int_equal(msg_place_fpage(0, fpage_io_make(0x60, 4), FPAGE_NIL, &p), IPC_OK);
    assert_int_equal(msg_placement_pieces(&p), 1);
    q = msg_placement_piece(&p, 0);
    assert_true(q.io);
    assert_int_equal(q.src_base, 0x60);
    assert_int_equal(q.log2, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msgtag_abi_vectors),
        cmocka_unit_test(test_msgtag_fits_limit),
        cmocka_unit_test(test_msg_error_word_abi_vectors),
        cmocka_unit_test(test_msg_error_word_offset_saturates),
        cmocka_unit_test(test_msg_tcr_indexes_and_error_codes_abi),
        cmocka_unit_test(test_msg_map_item_word0_drops_low_base_bits),
        cmocka_unit_test(test_msg_item_type_recognition),
        cmocka_unit_test(test_msg_item_decode_map_grant),
        cmocka_unit_test(test_msg_item_decode_map_truncated),
        cmocka_unit_test(test_msg_item_decode_bad_type),
        cmocka_unit_test(test_msg_item_decode_simple_string),
        cmocka_unit_test(test_msg_item_decode_substrings_and_compound),
        cmocka_unit_test(test_msg_item_decode_string_truncated),
        cmocka_unit_test(test_msg_item_decode_compound_without_continuation),
        cmocka_unit_test(test_msg_validate_typed_counts),
        cmocka_unit_test(test_msg_validate_typed_empty_and_bad),
        cmocka_unit_test(test_msg_words_typed_and_buffers_layout),
        cmocka_unit_test(test_msg_buffer_decode_chain_and_more),
        cmocka_unit_test(test_msg_buffer_decode_must_fit_br32),
        cmocka_unit_test(test_msg_acceptor_abi_vectors),
        cmocka_unit_test(test_msg_cursor_walks_substrings),
        cmocka_unit_test(test_msg_place_fpage_abi_map_item),
        cmocka_unit_test(test_msg_place_fpage_smaller_than_window),
        cmocka_unit_test(test_msg_place_fpage_larger_than_window),
        cmocka_unit_test(test_msg_place_fpage_equal_and_complete),
        cmocka_unit_test(test_msg_place_fpage_nil_window_and_io),
        cmocka_unit_test(test_msg_validate_typed_random_roundtrip),
        cmocka_unit_test(test_msg_decoders_never_read_past_the_sequence),
        cmocka_unit_test(test_msg_decode_sets_every_field),
        cmocka_unit_test(test_msg_place_fpage_random_model),
        cmocka_unit_test(test_msg_placement_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
