/*
 * Conformance: string items (ABI 1.5, 1.6, 1.7, 5.5, 5.10). Simple and
 * compound send strings, several and scattering receive buffers, the
 * message overflow error with its offset, no acceptor, and string copies
 * from / into pages that are not mapped yet: faults resolved by sigma0 for
 * the root task and by the root task as the pager of a second space.
 */
#include "c2.h"

#define FREE_SRC 0x03000000u     /* free conventional memory we never touched */
#define FREE_DST 0x03100000u

static volatile L4_Word_t cfg_msg[64];       /* MR0.. of worker_send */
static volatile L4_Word_t cfg_br[33];        /* BR0.. of worker_recv / space_recv */
static volatile unsigned cfg_nbr;
static volatile L4_ThreadId_t cfg_to;
static volatile L4_Word_t res_tag, res_err, res_done, res_mr[16];
static volatile L4_Word_t snd_tag, snd_err, snd_done;

static L4_Word_t root_err;   /* ErrorCode after root_send's send */
static char wbuf[4][256] __attribute__((aligned(16)));
static char sbuf[256];
static const char text[] = "The quick brown fox jumps over the lazy dog, 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ "
                           "abcdefghijklmnopqrstuvwxyz !\"#$%&'()*+,-./:;<=>?@[]^_{|}~ .....";
/* Pages the second space touches only through the string copy. */
static char sp_rbuf[4096] __attribute__((aligned(4096)));
static char sp_sbuf[4096] __attribute__((aligned(4096)));
static char sp_rbuf2[8192] __attribute__((aligned(4096)));
static char sp_rbuf3[4096] __attribute__((aligned(4096)));
static volatile L4_Word_t cfg_rbuf, cfg_touch;

static void park(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

/* Receive once with cfg_br, record the outcome in res_*. */
static void worker_recv(void)
{
    L4_Set_XferTimeouts(0);
    for (unsigned i = 0; i < cfg_nbr; i++)
        L4_LoadBR((int)i, cfg_br[i]);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(c2_2s(), &from);
    res_tag = tag.raw;
    res_err = L4_ErrorCode();
    for (int i = 0; i < 16; i++)
        L4_StoreMR(i, (L4_Word_t *)&res_mr[i]);
    res_done = 1;
    L4_LoadMR(0, L4_MsgTagMake(0x7D, 0, 0).raw);  /* tell the root task (may be blocked in c2_recv) */
    L4_Send_Timeout(c2_me, L4_TimePeriod(100000));
    park();
}

/* Send cfg_msg to cfg_to, record the outcome in snd_*. */
static void worker_send(void)
{
    L4_Set_XferTimeouts(0);
    L4_MsgTag_t t = { .raw = cfg_msg[0] };
    for (unsigned i = 0; i <= L4_UntypedWords(t) + L4_TypedWords(t); i++)
        L4_LoadMR((int)i, cfg_msg[i]);
    L4_MsgTag_t tag = L4_Send_Timeout(cfg_to, c2_2s());
    snd_tag = tag.raw;
    snd_err = L4_ErrorCode();
    snd_done = 1;
    park();
}

/* Second space: receive into sp_rbuf (not mapped yet), report to the root task. */
static void space_recv(void)
{
    L4_Set_XferTimeouts(cfg_br[32]);
    L4_LoadBR(0, 1);
    L4_LoadBR(1, L4_StringItem(64, sp_rbuf).raw[0]);
    L4_LoadBR(2, (L4_Word_t)sp_rbuf);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(c2_2s(), &from);
    L4_Word_t err = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(0x7E, 2, 0).raw);
    L4_LoadMR(1, tag.raw);
    L4_LoadMR(2, err);
    L4_Send(c2_me);
    park();
}

/* Second space: touch cfg_touch (if set), receive 64 bytes at cfg_rbuf, report. */
static void space_recv2(void)
{
    L4_Set_XferTimeouts(cfg_br[32]);
    if (cfg_touch)
        *(volatile char *)cfg_touch = 0;
    L4_LoadBR(0, 1);
    L4_LoadBR(1, 64u << 10);
    L4_LoadBR(2, cfg_rbuf);
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait_Timeout(c2_2s(), &from);
    L4_Word_t err = L4_ErrorCode();
    L4_LoadMR(0, L4_MsgTagMake(0x7E, 2, 0).raw);
    L4_LoadMR(1, tag.raw);
    L4_LoadMR(2, err);
    L4_Send(c2_me);
    park();
}

/* Second space: send 64 bytes from sp_sbuf (not mapped yet) to cfg_to. */
static void space_send(void)
{
    L4_Set_XferTimeouts(0);
    L4_StringItem_t s = L4_StringItem(64, sp_sbuf);
    L4_LoadMR(0, L4_MsgTagMake(0x7F, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    L4_Send_Timeout(cfg_to, c2_2s());
    park();
}

static int same(const volatile char *a, const char *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void fill(char *p, char c, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = c;
}

static void reset(void)
{
    for (unsigned i = 0; i < 4; i++)
        fill(wbuf[i], '#', sizeof wbuf[i]);
    res_done = snd_done = 0;
    res_tag = res_err = snd_tag = snd_err = 0;
    for (unsigned i = 0; i < 16; i++)
        res_mr[i] = 0;
    cfg_nbr = 0;
}

/* One simple receive buffer item per wbuf[i] of `size` bytes, chained with C. */
static void buffers(unsigned n, unsigned size)
{
    cfg_br[0] = 1;
    for (unsigned i = 0; i < n; i++) {
        cfg_br[1 + 2 * i] = (size << 10) | (i + 1 < n ? 1u : 0u);
        cfg_br[2 + 2 * i] = (L4_Word_t)wbuf[i];
    }
    cfg_nbr = 1 + 2 * n;
}

static int wait_flag(volatile L4_Word_t *f)
{
    for (unsigned i = 0; i < 2000 && !*f; i++)
        L4_Sleep(L4_TimePeriod(1000));
    return *f != 0;
}

/* Root sends MR0..MR(u+t) (already loaded) to a fresh worker_recv; returns the send tag. */
static L4_MsgTag_t root_send(L4_ThreadId_t *w)
{
    L4_Word_t saved[64];
    L4_MsgTag_t t = L4_MsgTag();
    for (unsigned i = 0; i < 64; i++)
        L4_StoreMR((int)i, &saved[i]);
    *w = c2_local(worker_recv);
    for (unsigned i = 0; i < 64; i++)
        L4_LoadMR((int)i, saved[i]);
    (void)t;
    L4_MsgTag_t tag = L4_Send_Timeout(*w, c2_2s());
    root_err = L4_ErrorCode();
    wait_flag(&res_done);
    return tag;
}

static void test_simple(void)
{
    L4_ThreadId_t w;
    reset();
    buffers(1, 256);
    L4_StringItem_t s = L4_StringItem(37, text);
    L4_LoadMR(0, L4_MsgTagMake(0x100, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    L4_MsgTag_t tag = root_send(&w);
    ktu_check("simple_string_delivered",
              L4_IpcSucceeded(tag) && res_done && same(wbuf[0], text, 37), "string not in the buffer");
    ktu_check("simple_string_tag_t_2", res_tag == L4_MsgTagMake(0x100, 0, 2).raw,
              "receiver's tag is not label 0x100, u 0, t 2");
    ktu_check("receiver_mrs_hold_sender_item_words", res_mr[1] == s.raw[0] && res_mr[2] == s.raw[1],
              "MR1/MR2 of the receiver are not the sender's string item words (ABI 5.5)");
    ktu_check("bytes_after_string_untouched", wbuf[0][37] == '#' && wbuf[0][255] == '#',
              "buffer written beyond the string length");
    c2_kill(w);

    reset();
    buffers(1, 64);
    s = L4_StringItem(64, text + 3);
    L4_LoadMR(0, L4_MsgTagMake(0x101, 2, 2).raw);
    L4_LoadMR(1, 0x11111111u);
    L4_LoadMR(2, 0x22222222u);
    L4_LoadMR(3, s.raw[0]);
    L4_LoadMR(4, s.raw[1]);
    tag = root_send(&w);
    ktu_check("untyped_words_and_string_exact_fit",
              L4_IpcSucceeded(tag) && res_mr[1] == 0x11111111u && res_mr[2] == 0x22222222u &&
                  same(wbuf[0], text + 3, 64) && wbuf[0][64] == '#',
              "untyped words or the 64-byte string into a 64-byte buffer wrong");
    c2_kill(w);
}

static void test_overflow(void)
{
    L4_ThreadId_t w;
    reset();
    buffers(1, 64);
    L4_StringItem_t s = L4_StringItem(100, text);
    L4_LoadMR(0, L4_MsgTagMake(0x110, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    L4_MsgTag_t tag = root_send(&w);
    L4_Word_t err = root_err;
    ktu_check("too_small_buffer_sender_overflow", L4_IpcFailed(tag) && (err & 0xF) == 8,
              "sender did not get message overflow, send phase (low bits 0x8)");
    ktu_check("too_small_buffer_receiver_overflow", (res_tag & 0x8000u) && (res_err & 0xF) == 9,
              "receiver did not get message overflow, receive phase (low bits 0x9)");
    ktu_check("overflow_offset_same_for_both", (err >> 4) == (res_err >> 4) && (err >> 4) <= 64,
              "offsets differ or exceed the buffer");
    c2_kill(w);

    reset();
    buffers(2, 16);
    L4_StringItem_t a = L4_StringItem(10, text), b = L4_StringItem(100, text + 10);
    L4_LoadMR(0, L4_MsgTagMake(0x111, 0, 4).raw);
    L4_LoadMR(1, a.raw[0]);
    L4_LoadMR(2, a.raw[1]);
    L4_LoadMR(3, b.raw[0]);
    L4_LoadMR(4, b.raw[1]);
    tag = root_send(&w);
    err = root_err;
    ktu_check("overflow_offset_counts_earlier_strings",
              L4_IpcFailed(tag) && (err & 0xF) == 8 && (err >> 4) >= 10 && (err >> 4) <= 26 &&
                  same(wbuf[0], text, 10),
              "offset not within 10..26 after a 10-byte string, or the first string missing");
    c2_kill(w);

    reset();
    buffers(1, 64);
    L4_LoadMR(0, L4_MsgTagMake(0x112, 0, 4).raw);
    a = L4_StringItem(5, text);
    b = L4_StringItem(7, text + 20);
    L4_LoadMR(1, a.raw[0]);
    L4_LoadMR(2, a.raw[1]);
    L4_LoadMR(3, b.raw[0]);
    L4_LoadMR(4, b.raw[1]);
    tag = root_send(&w);
    err = root_err;
    ktu_check("second_string_without_buffer_overflow",
              L4_IpcFailed(tag) && (err & 0xF) == 8 && (err >> 4) == 5 && same(wbuf[0], text, 5),
              "no overflow with offset 5 when the buffer chain ends");
    c2_kill(w);

    reset();
    cfg_br[0] = 0;
    cfg_nbr = 1;
    s = L4_StringItem(8, text);
    L4_LoadMR(0, L4_MsgTagMake(0x113, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    tag = root_send(&w);
    err = root_err;
    ktu_check("no_string_acceptor_overflow",
              L4_IpcFailed(tag) && (err & 0xF) == 8 && (res_err & 0xF) == 9 && wbuf[0][0] == '#',
              "strings accepted without BR0 bit 0");
    c2_kill(w);
}

static void test_several(void)
{
    L4_ThreadId_t w;
    reset();
    buffers(2, 32);
    L4_StringItem_t a = L4_StringItem(5, text), b = L4_StringItem(7, text + 20);
    L4_LoadMR(0, L4_MsgTagMake(0x120, 0, 4).raw);
    L4_LoadMR(1, a.raw[0]);
    L4_LoadMR(2, a.raw[1]);
    L4_LoadMR(3, b.raw[0]);
    L4_LoadMR(4, b.raw[1]);
    L4_MsgTag_t tag = root_send(&w);
    ktu_check("two_strings_two_buffers",
              L4_IpcSucceeded(tag) && same(wbuf[0], text, 5) && wbuf[0][5] == '#' &&
                  same(wbuf[1], text + 20, 7) && wbuf[1][7] == '#',
              "strings not in their own buffers");
    c2_kill(w);

    reset();
    buffers(1, 64);
    /* compound send string: 5 bytes (c bit) followed by 3 bytes */
    L4_LoadMR(0, L4_MsgTagMake(0x121, 0, 4).raw);
    L4_LoadMR(1, (5u << 10) | L4_STRING_COMPOUND);
    L4_LoadMR(2, (L4_Word_t)"ABCDE");
    L4_LoadMR(3, 3u << 10);
    L4_LoadMR(4, (L4_Word_t)"FGH");
    tag = root_send(&w);
    ktu_check("compound_send_string_contiguous",
              L4_IpcSucceeded(tag) && same(wbuf[0], "ABCDEFGH", 8) && wbuf[0][8] == '#',
              "compound chain not copied contiguously into one buffer");
    c2_kill(w);

    reset();
    buffers(1, 64);
    /* one item, two substrings of 4 bytes (j = 1) */
    L4_LoadMR(0, L4_MsgTagMake(0x122, 0, 3).raw);
    L4_LoadMR(1, (4u << 10) | (1u << 4));
    L4_LoadMR(2, (L4_Word_t)"abcd");
    L4_LoadMR(3, (L4_Word_t)"wxyz");
    tag = root_send(&w);
    ktu_check("substrings_gathered",
              L4_IpcSucceeded(tag) && same(wbuf[0], "abcdwxyz", 8) && wbuf[0][8] == '#',
              "two substrings not gathered");
    c2_kill(w);

    reset();
    /* receive buffer with two substrings of 4 bytes: wbuf[2] and wbuf[3] */
    cfg_br[0] = 1;
    cfg_br[1] = (4u << 10) | (1u << 4);
    cfg_br[2] = (L4_Word_t)wbuf[2];
    cfg_br[3] = (L4_Word_t)wbuf[3];
    cfg_nbr = 4;
    L4_StringItem_t s = L4_StringItem(8, "12345678");
    L4_LoadMR(0, L4_MsgTagMake(0x123, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    tag = root_send(&w);
    ktu_check("receive_substrings_scatter",
              L4_IpcSucceeded(tag) && same(wbuf[2], "1234", 4) && wbuf[2][4] == '#' &&
                  same(wbuf[3], "5678", 4) && wbuf[3][4] == '#',
              "8 bytes not scattered over two 4-byte receive substrings");
    c2_kill(w);
}

static void test_root_receives(void)
{
    reset();
    for (unsigned i = 0; i < sizeof sbuf; i++)
        sbuf[i] = (char)(i * 7 + 1);
    L4_StringItem_t s = L4_StringItem(200, sbuf);
    cfg_msg[0] = L4_MsgTagMake(0x130, 1, 2).raw;
    cfg_msg[1] = 0xFEEDu;
    cfg_msg[2] = s.raw[0];
    cfg_msg[3] = s.raw[1];
    cfg_to = c2_me;
    L4_LoadBR(0, 1);
    L4_LoadBR(1, 256u << 10);
    L4_LoadBR(2, (L4_Word_t)wbuf[1]);
    L4_ThreadId_t w = c2_local(worker_send);
    L4_MsgTag_t tag = L4_Receive_Timeout(w, c2_2s());
    L4_Word_t *mr = c2_mrs();
    ktu_check("root_receives_string",
              L4_IpcSucceeded(tag) && L4_TypedWords(tag) == 2 && mr[1] == 0xFEEDu &&
                  same(wbuf[1], sbuf, 200) && wbuf[1][200] == '#',
              "string from a worker not received by the root task");
    c2_kill(w);

    /* our receive buffer in a page we never touched: sigma0 maps it on the fault */
    reset();
    L4_LoadBR(0, 1);
    L4_LoadBR(1, 200u << 10);
    L4_LoadBR(2, FREE_DST + 100);
    w = c2_local(worker_send);
    tag = L4_Receive_Timeout(w, c2_2s());
    ktu_check("receiver_page_fault_resolved_by_sigma0",
              L4_IpcSucceeded(tag) && wait_flag(&snd_done) && L4_IpcSucceeded((L4_MsgTag_t){ .raw = snd_tag }) &&
                  same((volatile char *)(FREE_DST + 100), sbuf, 200),
              "string into an unmapped page of the root task not delivered");
    c2_kill(w);
    L4_LoadBR(0, 0);

    /* our send buffer in a page we never touched */
    reset();
    buffers(1, 256);
    s = L4_StringItem(256, (void *)(FREE_SRC + 0x800));
    L4_LoadMR(0, L4_MsgTagMake(0x131, 0, 2).raw);
    L4_LoadMR(1, s.raw[0]);
    L4_LoadMR(2, s.raw[1]);
    tag = root_send(&w);
    ktu_check("sender_page_fault_resolved_by_sigma0",
              L4_IpcSucceeded(tag) && res_done && !(res_tag & 0x8000u) &&
                  same(wbuf[0], (const char *)(FREE_SRC + 0x800), 256),
              "string from an unmapped page of the root task not delivered");
    c2_kill(w);
}

static void test_second_space(void)
{
    L4_Word_t flabel = 0;
    /* receiver in a second space, buffer not mapped: its pager (we) maps it */
    reset();
    cfg_br[32] = 0;
    c2_clear_faults();
    L4_ThreadId_t sp = c2_space(space_recv), x;
    for (unsigned i = 0; i < 64; i++)
        sbuf[i] = (char)('a' + i % 26);
    L4_StringItem_t s = L4_StringItem(64, sbuf);
    cfg_msg[0] = L4_MsgTagMake(0x140, 0, 2).raw;
    cfg_msg[1] = s.raw[0];
    cfg_msg[2] = s.raw[1];
    cfg_to = sp;
    fill(sp_rbuf, '#', 128);
    L4_ThreadId_t w = c2_local(worker_send);
    L4_MsgTag_t tag = c2_recv(sp, c2_2s(), &x);
    L4_Word_t *mr = c2_mrs();
    ktu_check("receiver_xfer_fault_to_its_pager",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x7E && !(mr[1] & 0x8000u) &&
                  c2_fault_seen((L4_Word_t)sp_rbuf, &flabel),
              "second space's receive did not succeed after its pager mapped the buffer");
    ktu_check("receiver_xfer_fault_is_write_fault", flabel == 0xFFE2,
              "transfer fault into the receive buffer not reported as a write (0xFFE2)");
    ktu_check("receiver_xfer_fault_data_arrived",
              same(sp_rbuf, sbuf, 64) && sp_rbuf[64] == '#' && wait_flag(&snd_done) &&
                  !(snd_tag & 0x8000u),
              "string not in the second space's buffer or sender failed");
    c2_kill(w);
    c2_kill(sp);

    /* sender in a second space, source page not mapped there yet */
    reset();
    buffers(1, 64);
    for (unsigned i = 0; i < 64; i++)
        sp_sbuf[i] = (char)(0x40 + i);
    w = c2_local(worker_recv);
    cfg_to = w;
    c2_clear_faults();
    sp = c2_space(space_send);
    tag = c2_recv(L4_anythread, c2_2s(), &x);
    ktu_check("sender_xfer_fault_to_its_pager",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x7D && res_done && !(res_tag & 0x8000u) &&
                  c2_fault_seen((L4_Word_t)sp_sbuf, &flabel) && same(wbuf[0], sp_sbuf, 64),
              "string from an unmapped page of the second space not delivered");
    c2_kill(w);
    c2_kill(sp);

    /* the receiver's own transfer timeout ZeroTime: fails at the first fault */
    reset();
    cfg_br[32] = L4_Timeouts(L4_ZeroTime, L4_ZeroTime);
    sp = c2_space(space_recv);
    cfg_msg[0] = L4_MsgTagMake(0x141, 0, 2).raw;
    cfg_msg[1] = s.raw[0];
    cfg_msg[2] = s.raw[1];
    cfg_to = sp;
    w = c2_local(worker_send);
    tag = c2_recv(sp, c2_2s(), &x);
    ktu_check("xfer_timeout_zero_receiver_error_5",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x7E && (mr[1] & 0x8000u) && (mr[2] & 0xF) == 0xB,
              "receiver with ZeroTime xfer timeout did not get 0xB (own xfer timeout, receive phase)");
    ktu_check("xfer_timeout_zero_sender_error_6", wait_flag(&snd_done) && (snd_err & 0xF) == 0xC,
              "sender did not get 0xC (partner's xfer timeout, send phase)");
    ktu_check("xfer_timeout_offset_zero_both", (mr[2] >> 4) == 0 && (snd_err >> 4) == 0,
              "offsets not 0 although the first byte faulted");
    c2_kill(w);
    c2_kill(sp);

    /* the buffer's first page mapped, the second not: offset = bytes before the fault */
    reset();
    cfg_br[32] = L4_Timeouts(L4_ZeroTime, L4_ZeroTime);
    cfg_touch = (L4_Word_t)(sp_rbuf2 + 4095);
    cfg_rbuf = (L4_Word_t)(sp_rbuf2 + 4086);
    sp = c2_space(space_recv2);
    cfg_to = sp;
    w = c2_local(worker_send);
    tag = c2_recv(sp, c2_2s(), &x);
    ktu_check("xfer_fault_offset_counts_copied_bytes",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x7E && (mr[2] & 0xF) == 0xB && (mr[2] >> 4) == 10 &&
                  wait_flag(&snd_done) && (snd_err & 0xF) == 0xC && (snd_err >> 4) == 10 &&
                  same(sp_rbuf2 + 4086, sbuf, 10),
              "error offsets are not the 10 bytes copied before the fault (or data missing)");
    c2_kill(w);
    c2_kill(sp);

    /* an abort (ExchangeRegisters S) of the sender during the transfer: error 7 for both */
    reset();
    cfg_br[32] = 0;
    cfg_touch = 0;
    cfg_rbuf = (L4_Word_t)sp_rbuf3;
    sp = c2_space(space_recv2);
    cfg_to = sp;
    w = c2_local(worker_send);
    L4_Word_t to = L4_Timeouts(L4_ZeroTime, c2_2s());
    tag = L4_Receive_Timeout(sp, c2_2s());
    while (L4_IpcSucceeded(tag) && (L4_Label(tag) >> 4) == 0xFFEu && (mr[1] & ~0xFFFu) != (L4_Word_t)sp_rbuf3 &&
           c2_fault_reply_item())
        tag = L4_Ipc(sp, sp, to, NULL);
    int at_xfer_fault = L4_IpcSucceeded(tag) && (mr[1] & ~0xFFFu) == (L4_Word_t)sp_rbuf3;
    L4_Word_t ctl = 0, o1, o2, o3, o4;
    L4_ThreadId_t o5;
    L4_ExchangeRegisters(w, L4_EXREG_ABORT_SEND, 0, 0, 0, 0, L4_nilthread, &ctl, &o1, &o2, &o3, &o4, &o5);
    ktu_check("sender_in_transfer_reports_sending", at_xfer_fault && (ctl & L4_THREAD_STATE_SENDING),
              "no transfer fault seen, or the sender's old state lacks S");
    if (at_xfer_fault && c2_fault_reply_item())
        L4_Ipc(sp, L4_nilthread, L4_Timeouts(L4_ZeroTime, L4_Never), NULL);
    tag = c2_recv(sp, c2_2s(), &x);
    ktu_check("abort_during_transfer_sender_error_7", wait_flag(&snd_done) && (snd_err & 0xF) == 0xE,
              "aborted sender did not get 0xE (aborted, send phase)");
    ktu_check("abort_during_transfer_receiver_error_7",
              L4_IpcSucceeded(tag) && L4_Label(tag) == 0x7E && (mr[2] & 0xF) == 0xF && (mr[2] >> 4) == (snd_err >> 4),
              "the receiver did not get 0xF (aborted, receive phase) with the sender's offset");
    c2_kill(w);
    c2_kill(sp);
}

int main(void)
{
    c2_init();
    test_simple();
    test_overflow();
    test_several();
    test_root_receives();
    test_second_space();
    ktu_finish();
}
