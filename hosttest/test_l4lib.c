/* Host tests of the pure parts of our X.2 user library (src/user/include/l4):
 * encodings checked against the ABI test vectors (section 10) and field
 * tables, plus randomised round trips with fixed seeds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/message.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4/types.h>
#include <l4/utcb.h>

/* Deterministic generator for the randomised tests. */
static uint32_t rng_state;

static void rng_seed(uint32_t seed)
{
    rng_state = seed ? seed : 1;
    print_message("seed 0x%08x\n", seed);
}

static uint32_t rng_next(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* ---- thread IDs ---- */

static void test_L4_GlobalId_abi_vector(void **state)
{
    (void)state;
    L4_ThreadId_t t = L4_GlobalId(0x23, 1);
    assert_int_equal(t.raw, 0x0008C001u);
    assert_int_equal(L4_ThreadNo(t), 0x23);
    assert_int_equal(L4_Version(t), 1);
    assert_true(L4_IsGlobalId(t));
    assert_false(L4_IsLocalId(t));
    assert_int_equal(L4_InterruptId(1).raw, 0x00004001u);
}

static void test_L4_GlobalId_masks_fields(void **state)
{
    (void)state;
    assert_int_equal(L4_GlobalId(0x3FFFF, 0x3FFF).raw, 0xFFFFFFFFu);
    assert_int_equal(L4_GlobalId(1, 0x4001).raw, (1u << 14) | 1u);
}

static void test_L4_special_thread_ids(void **state)
{
    (void)state;
    assert_int_equal(L4_nilthread.raw, 0);
    assert_int_equal(L4_anythread.raw, 0xFFFFFFFFu);
    assert_int_equal(L4_anylocalthread.raw, 0xFFFFFFC0u);
    assert_true(L4_IsNilThread(L4_nilthread));
    assert_false(L4_IsNilThread(L4_anythread));
    assert_true(L4_IsLocalId(L4_nilthread));
    assert_true(L4_IsLocalId(L4_anylocalthread));
    assert_true(L4_IsGlobalId(L4_anythread));
}

static void test_L4_LocalId_is_utcb_address(void **state)
{
    (void)state;
    L4_ThreadId_t l = L4_LocalId(0xBF000100u);
    assert_int_equal(l.raw, 0xBF000100u);
    assert_true(L4_IsLocalId(l));
    assert_int_equal(L4_LocalId(0xBF00013Fu).raw, 0xBF000100u);
}

static void test_L4_IsThreadEqual_compares_words(void **state)
{
    (void)state;
    assert_true(L4_IsThreadEqual(L4_GlobalId(5, 1), L4_GlobalId(5, 1)));
    assert_false(L4_IsThreadEqual(L4_GlobalId(5, 1), L4_GlobalId(5, 2)));
    assert_true(L4_IsThreadNotEqual(L4_GlobalId(5, 1), L4_GlobalId(6, 1)));
    assert_false(L4_IsThreadNotEqual(L4_nilthread, L4_nilthread));
}

static void test_L4_GlobalId_random_round_trip(void **state)
{
    (void)state;
    rng_seed(0x1D5EED01u);
    for (int i = 0; i < 10000; i++) {
        uint32_t no = rng_next() & 0x3FFFFu, ver = (rng_next() & 0x3FFFu) | 1u;
        L4_ThreadId_t t = L4_GlobalId(no, ver);
        assert_int_equal(L4_ThreadNo(t), no);
        assert_int_equal(L4_Version(t), ver);
        assert_true(L4_IsGlobalId(t));
    }
}

/* ---- fpages ---- */

static void test_L4_Fpage_abi_vectors(void **state)
{
    (void)state;
    assert_int_equal(L4_CompleteAddressSpace.raw, 0x10u);
    assert_int_equal(L4_SizeLog2(L4_CompleteAddressSpace), 1);
    assert_int_equal(L4_FpageAddRights(L4_FpageLog2(0x100000, 12), L4_ReadWriteOnly).raw, 0x001000C6u);
    assert_int_equal(L4_FpageAddRights(L4_Fpage(0x100000, 4096), L4_ReadWriteOnly).raw, 0x001000C6u);
    assert_int_equal(L4_Nilpage.raw, 0);
}

static void test_L4_FpageLog2_aligns_base(void **state)
{
    (void)state;
    L4_Fpage_t f = L4_FpageLog2(0x12345678u, 16);
    assert_int_equal(L4_Address(f), 0x12340000u);
    assert_int_equal(L4_Size(f), 0x10000u);
    assert_int_equal(L4_SizeLog2(f), 16);
    assert_int_equal(L4_Rights(f), 0);
    /* sizes below 1 KB keep only base bits 31..10 */
    assert_int_equal(L4_FpageLog2(0x12345678u, 4).raw, 0x12345400u | (4u << 4));
    assert_int_equal(L4_Address(L4_FpageLog2(0x12345678u, 4)), 0x12345400u);
    /* 2^32 and more: base 0, size reported as 0 */
    assert_int_equal(L4_Address(L4_FpageLog2(0x12345678u, 32)), 0);
    assert_int_equal(L4_Size(L4_FpageLog2(0, 32)), 0);
    assert_int_equal(L4_SizeLog2(L4_FpageLog2(0, 32)), 32);
}

static void test_L4_Fpage_size_rounding(void **state)
{
    (void)state;
    assert_true(L4_IsNilFpage(L4_Fpage(0x1000, 0)));
    assert_int_equal(L4_SizeLog2(L4_Fpage(0x0, 0x3000)), 13);
    assert_int_equal(L4_Size(L4_Nilpage), 0);
    assert_int_equal(L4_Address(L4_Nilpage), 0);
    assert_false(L4_IsNilFpage(L4_CompleteAddressSpace));
}

static void test_L4_Set_Rights_and_friends(void **state)
{
    (void)state;
    L4_Fpage_t f = L4_FpageLog2(0x40000000u, 22);
    L4_Set_Rights(&f, L4_FullyAccessible);
    assert_int_equal(L4_Rights(f), 7);
    L4_Set_Rights(&f, 0xF);
    assert_int_equal(L4_Rights(f), 7);
    assert_int_equal(f.raw & 0x8u, 0);
    assert_int_equal(L4_Rights(L4_FpageRemoveRights(f, L4_Writable)), L4_ReadeXecOnly);
    L4_FpageRemoveRightsFrom(&f, L4_eXecutable);
    assert_int_equal(L4_Rights(f), L4_ReadWriteOnly);
    L4_FpageAddRightsTo(&f, L4_eXecutable);
    assert_int_equal(L4_Rights(f), L4_FullyAccessible);
    assert_int_equal(L4_Address(f), 0x40000000u);
    assert_int_equal(L4_SizeLog2(f), 22);
}

static void test_L4_status_bits(void **state)
{
    (void)state;
    L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(0x1000, 12), L4_Referenced | L4_Executed);
    assert_true(L4_WasReferenced(f));
    assert_false(L4_WasWritten(f));
    assert_true(L4_WasExecuted(f));
    f = L4_FpageAddRights(L4_FpageLog2(0x1000, 12), L4_Written);
    assert_false(L4_WasReferenced(f));
    assert_true(L4_WasWritten(f));
    assert_false(L4_WasExecuted(f));
}

static void test_L4_FpagesOverlap(void **state)
{
    (void)state;
    assert_true(L4_FpagesOverlap(L4_FpageLog2(0x1000, 12), L4_FpageLog2(0, 16)));
    assert_false(L4_FpagesOverlap(L4_FpageLog2(0x1000, 12), L4_FpageLog2(0x2000, 12)));
    assert_true(L4_FpagesOverlap(L4_CompleteAddressSpace, L4_FpageLog2(0xFFFFF000u, 12)));
    assert_true(L4_FpagesOverlap(L4_FpageLog2(0xFFFFF000u, 12), L4_CompleteAddressSpace));
    assert_true(L4_FpagesOverlap(L4_FpageLog2(0, 32), L4_FpageLog2(0xFFFFF000u, 12)));
    assert_false(L4_FpagesOverlap(L4_Nilpage, L4_FpageLog2(0, 32)));
}

static void test_L4_IoFpage_encoding(void **state)
{
    (void)state;
    L4_Fpage_t io = L4_IoFpageLog2(0x3F8, 3);
    assert_int_equal(io.raw, (0x3F8u << 16) | (3u << 10) | 0x20u);
    assert_true(L4_IsIoFpage(io));
    assert_int_equal(L4_IoFpagePort(io), 0x3F8);
    assert_int_equal(L4_IoFpageSizeLog2(io), 3);
    assert_int_equal(L4_IoFpageSize(io), 8);
    assert_int_equal(L4_IoFpage(0x3F8, 8).raw, io.raw);
    /* misaligned port is rounded down, whole space is port 0 size 2^16 */
    assert_int_equal(L4_IoFpagePort(L4_IoFpageLog2(0x3FB, 2)), 0x3F8);
    assert_int_equal(L4_IoFpageLog2(0, 16).raw, 0x4020u);
    assert_int_equal(L4_IoFpageLog2(0x1234, 20).raw, 0x4020u);
    assert_int_equal(L4_IoFpage(0x60, 0).raw, (0x60u << 16) | 0x20u);
    assert_false(L4_IsIoFpage(L4_FpageLog2(0x1000, 12)));
    assert_false(L4_IsIoFpage(L4_CompleteAddressSpace));
}

static void test_L4_Fpage_random_round_trip(void **state)
{
    (void)state;
    rng_seed(0xF9A6E002u);
    for (int i = 0; i < 10000; i++) {
        int s = 10 + (int)(rng_next() % 22);
        uint32_t base = rng_next(), rights = rng_next() & 7;
        L4_Fpage_t f = L4_FpageAddRights(L4_FpageLog2(base, s), rights);
        assert_int_equal(L4_Address(f), base & ~((1u << s) - 1));
        assert_int_equal(L4_SizeLog2(f), (unsigned)s);
        assert_int_equal(L4_Size(f), 1u << s);
        assert_int_equal(L4_Rights(f), rights);
        assert_false(L4_IsIoFpage(f));
        uint32_t port = rng_next() & 0xFFFF;
        int ps = (int)(rng_next() % 17);
        L4_Fpage_t io = L4_IoFpageLog2(port, ps);
        assert_true(L4_IsIoFpage(io));
        assert_int_equal(L4_IoFpagePort(io), port & ~((1u << ps) - 1));
        assert_int_equal(L4_IoFpageSizeLog2(io), (unsigned)ps);
    }
}

/* ---- time ---- */

static void test_L4_TimePeriod_abi_vectors(void **state)
{
    (void)state;
    assert_int_equal(L4_TimePeriod(1000).raw, 0x03E8);
    assert_int_equal(L4_TimePeriod(10000).raw, 0x1271);
    assert_int_equal(L4_Never.raw, 0);
    assert_int_equal(L4_ZeroTime.raw, 0x0400);
    assert_int_equal(L4_Timeouts(L4_ZeroTime, L4_Never), 0x04000000u);
}

static void test_L4_TimePeriod_limits(void **state)
{
    (void)state;
    assert_int_equal(L4_TimePeriod(0).raw, L4_ZeroTime.raw);
    assert_int_equal(L4_TimePeriod(1).raw, 1);
    assert_int_equal(L4_TimePeriod(1023).raw, 1023);
    assert_int_equal(L4_TimePeriod(1024).raw, (1u << 10) | 512u);
    assert_int_equal(L4_TimePeriod(1023ull << 31).raw, (31u << 10) | 1023u);
    assert_true(L4_IsNever(L4_TimePeriod(1ull << 41)));
    assert_int_equal(L4_PeriodMicroseconds(L4_TimePeriod(1023ull << 31)), 1023ull << 31);
}

static void test_L4_Time_predicates(void **state)
{
    (void)state;
    L4_Time_t point = { .raw = 0x8000u | 0x123u };
    assert_true(L4_IsTimePeriod(L4_Never));
    assert_true(L4_IsNever(L4_Never));
    assert_false(L4_IsZeroTime(L4_Never));
    assert_true(L4_IsZeroTime(L4_ZeroTime));
    assert_true(L4_IsZeroTime((L4_Time_t){ .raw = 5u << 10 }));
    assert_false(L4_IsZeroTime(L4_TimePeriod(7)));
    assert_true(L4_IsTimePoint(point));
    assert_false(L4_IsTimePeriod(point));
    assert_false(L4_IsZeroTime(point));
    assert_int_equal(L4_PeriodMicroseconds(point), 0);
    assert_int_equal(L4_PeriodMicroseconds(L4_Never), 0);
    assert_true(L4_IsTimeEqual(L4_TimePeriod(1000), (L4_Time_t){ .raw = 0x3E8 }));
    assert_false(L4_IsTimeEqual(L4_Never, L4_ZeroTime));
}

static void test_L4_TimePeriod_random_precision(void **state)
{
    (void)state;
    rng_seed(0x71AE0003u);
    for (int i = 0; i < 10000; i++) {
        uint64_t us = ((uint64_t)rng_next() << (rng_next() % 9)) + 1;
        L4_Time_t t = L4_TimePeriod(us);
        uint64_t back = L4_PeriodMicroseconds(t);
        assert_true(L4_IsTimePeriod(t));
        assert_true(back <= us);
        assert_true(back >= us - (us >> 9)); /* 10 significant bits kept */
    }
}

/* ---- message tags and items ---- */

static void test_L4_MsgTag_abi_vectors(void **state)
{
    (void)state;
    L4_MsgTag_t t = L4_MsgTagMake(0xFFE0, 2, 4);
    t.raw |= L4_TAG_ERROR;
    assert_int_equal(t.raw, 0xFFE08102u);
    assert_int_equal(L4_Label(t), 0xFFE0);
    assert_int_equal(L4_UntypedWords(t), 2);
    assert_int_equal(L4_TypedWords(t), 4);
    assert_int_equal(L4_MsgTagFlags(t), 8);
    assert_true(L4_IpcFailed(t));
    assert_false(L4_IpcSucceeded(t));
    assert_int_equal(L4_MsgTagMake(L4_ProtocolLabel(2) | L4_Writable, 2, 0).raw, 0xFFE20002u);
    assert_int_equal(L4_MsgTagMake(L4_ProtocolLabel(5), 12, 0).raw, 0xFFB0000Cu);
    assert_int_equal(L4_MsgTagMake(L4_ProtocolLabel(1), 0, 0).raw, 0xFFF00000u);
    assert_int_equal(L4_Sigma0RequestTag().raw, 0xFFA00002u);
    assert_int_equal(L4_MsgTagMake(0, 0, 2).raw, 0x00000080u);
    assert_int_equal(L4_MsgTagMake(L4_ProtocolLabel(8) | 6, 2, 0).raw, 0xFF860002u);
}

static void test_L4_MsgTag_flags_and_labels(void **state)
{
    (void)state;
    L4_MsgTag_t t = L4_MsgTagMake(0x1234, 3, 1);
    assert_true(L4_IpcSucceeded(t));
    assert_false(L4_IpcPropagated(t));
    t = L4_MsgTagAddPropagation(t);
    assert_true(L4_IpcPropagated(t));
    assert_int_equal(L4_MsgTagFlags(t), 1);
    assert_false(L4_IpcRedirected(t));
    assert_false(L4_IpcXcpu(t));
    t.raw |= L4_TAG_REDIRECTED | L4_TAG_XCPU;
    assert_true(L4_IpcRedirected(t));
    assert_true(L4_IpcXcpu(t));
    assert_int_equal(L4_Label(L4_MsgTagAddLabel(t, 0xBEEF)), 0xBEEF);
    assert_int_equal(L4_MsgTagAddLabel(t, 0xBEEF).raw & 0xFFFFu, t.raw & 0xFFFFu);
    L4_MsgTagAddLabelTo(&t, 0x42);
    assert_int_equal(L4_Label(t), 0x42);
    assert_true(L4_IsMsgTagEqual(t, t));
    assert_true(L4_IsMsgTagNotEqual(t, L4_Niltag));
    assert_false(L4_IsMsgTagEqual(t, L4_Niltag));
    assert_false(L4_IsMsgTagNotEqual(L4_Niltag, L4_Niltag));
}

static void test_L4_IsProtocol_ignores_low_bits(void **state)
{
    (void)state;
    L4_MsgTag_t pf = { .raw = 0xFFE50002u };
    assert_true(L4_IsProtocol(pf, 2));
    assert_false(L4_IsProtocol(pf, 6));
    assert_true(L4_IsProtocol((L4_MsgTag_t){ .raw = 0xFFA0F003u }, 6));
    assert_int_equal(L4_ProtocolLabel(1001), 0xC170);
    assert_true(L4_IsProtocol(L4_MsgTagMake(L4_ProtocolLabel(1001), 1, 0), 1001));
}

static void test_L4_MsgTag_random_round_trip(void **state)
{
    (void)state;
    rng_seed(0x7A600004u);
    for (int i = 0; i < 10000; i++) {
        uint32_t label = rng_next() & 0xFFFF, u = rng_next() & 0x3F, t = rng_next() & 0x3F;
        L4_MsgTag_t tag = L4_MsgTagMake(label, u, t);
        assert_int_equal(L4_Label(tag), label);
        assert_int_equal(L4_UntypedWords(tag), u);
        assert_int_equal(L4_TypedWords(tag), t);
        assert_int_equal(L4_MsgTagFlags(tag), 0);
    }
}

static void test_L4_MapItem_abi_vector(void **state)
{
    (void)state;
    L4_MapItem_t m = L4_MapItem(L4_FpageLog2(0x12345000u, 12), 0x12345000u);
    assert_int_equal(m.raw[0], 0x12345008u);
    assert_int_equal(m.raw[1], 0x123450C0u);
    assert_true(L4_IsMapItem(m));
    assert_int_equal(L4_MapItemSndBase(m), 0x12345000u);
    assert_int_equal(L4_MapItemSndFpage(m).raw, 0x123450C0u);
    L4_GrantItem_t g = L4_GrantItem(L4_FpageLog2(0x12345000u, 12), 0x12345000u);
    assert_int_equal(g.raw[0], 0x1234500Au);
    assert_true(L4_IsGrantItem(g));
    assert_int_equal(L4_GrantItemSndBase(g), 0x12345000u);
    assert_int_equal(L4_GrantItemSndFpage(g).raw, 0x123450C0u);
    /* a grant is no map and vice versa; low base bits are dropped */
    assert_false(L4_IsMapItem((L4_MapItem_t){ .raw = { g.raw[0], g.raw[1] } }));
    assert_false(L4_IsGrantItem((L4_GrantItem_t){ .raw = { m.raw[0], m.raw[1] } }));
    assert_int_equal(L4_MapItem(L4_Nilpage, 0x12345FFFu).raw[0], 0x12345C08u);
}

static void test_L4_StringItem_abi_vector(void **state)
{
    (void)state;
    L4_StringItem_t s = L4_StringItem(100, (void *)(uintptr_t)0x00402000u);
    assert_int_equal(s.raw[0], 0x00019000u);
    assert_int_equal(s.raw[1], 0x00402000u);
    assert_true(L4_IsStringItem(&s));
    assert_false(L4_CompoundString(&s));
    assert_int_equal(L4_StringItemLength(&s), 100);
    assert_int_equal(L4_Substrings(&s), 1);
    assert_int_equal(L4_Substring(&s, 0), 0x00402000u);
    assert_int_equal(L4_CacheAllocationHint(&s), 0);
    s = L4_AddCacheAllocationHint(s, L4_DoNotAllocateNewCacheLines);
    assert_int_equal(L4_CacheAllocationHint(&s), 2);
    assert_int_equal(s.raw[0], 0x00019004u);
    assert_true(L4_IsStringItem(&s));
    L4_StringItem_t c = { .raw = { (8u << 10) | L4_STRING_COMPOUND | (2u << 4), 0 } };
    assert_true(L4_CompoundString(&c));
    assert_int_equal(L4_Substrings(&c), 3);
    L4_StringItem_t map = { .raw = { 0x8u, 0 } };
    assert_false(L4_IsStringItem(&map));
}

static void test_L4_Acceptor_abi_vectors(void **state)
{
    (void)state;
    assert_int_equal(L4_MapGrantItems(L4_CompleteAddressSpace).raw, 0x10u);
    assert_int_equal(L4_StringItemsAcceptor.raw, 1u);
    assert_int_equal(L4_StringItems().raw, 1u);
    assert_int_equal(L4_UntypedWordsAcceptor.raw, 0u);
    /* rights bits of the window are not part of the acceptor */
    assert_int_equal(L4_MapGrantItems(L4_FpageAddRights(L4_FpageLog2(0x40000000u, 20), 7)).raw,
                     0x40000000u | (20u << 4));
}

static void test_L4_AddAcceptor_and_RemoveAcceptor(void **state)
{
    (void)state;
    L4_Acceptor_t a = L4_AddAcceptor(L4_MapGrantItems(L4_CompleteAddressSpace), L4_StringItemsAcceptor);
    assert_int_equal(a.raw, 0x11u);
    assert_true(L4_HasStringItems(a));
    assert_true(L4_HasMapGrantItems(a));
    assert_int_equal(L4_RcvWindow(a).raw, 0x10u);
    L4_Acceptor_t b = L4_StringItemsAcceptor;
    L4_AddAcceptorTo(&b, L4_MapGrantItems(L4_FpageLog2(0x80000000u, 28)));
    assert_int_equal(b.raw, 0x80000000u | (28u << 4) | 1u);
    assert_int_equal(L4_RemoveAcceptor(a, L4_StringItemsAcceptor).raw, 0x10u);
    assert_int_equal(L4_RemoveAcceptor(a, L4_MapGrantItems(L4_CompleteAddressSpace)).raw, 0x1u);
    L4_RemoveAcceptorFrom(&a, L4_UntypedWordsAcceptor);
    assert_int_equal(a.raw, 0x11u);
    assert_false(L4_HasStringItems(L4_UntypedWordsAcceptor));
    assert_false(L4_HasMapGrantItems(L4_UntypedWordsAcceptor));
}

static void test_L4_MsgBufferAppendSimpleRcvString_chains_buffers(void **state)
{
    (void)state;
    L4_MsgBuffer_t b;
    L4_MsgBufferClear(&b);
    assert_int_equal(L4_MsgBufferWords(&b), 0);
    assert_true(L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(64, (void *)(uintptr_t)0x1000)));
    assert_int_equal(L4_MsgBufferWords(&b), 2);
    assert_int_equal(b.raw[0], 64u << 10);
    assert_true(L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(32, (void *)(uintptr_t)0x2000)));
    assert_int_equal(L4_MsgBufferWords(&b), 4);
    assert_int_equal(b.raw[0], (64u << 10) | 1u);  /* C: another buffer follows */
    assert_int_equal(b.raw[2], 32u << 10);
    assert_int_equal(b.raw[3], 0x2000u);
    for (int i = 2; i < 16; i++)
        assert_true(L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(8, (void *)(uintptr_t)0x3000)));
    assert_int_equal(L4_MsgBufferWords(&b), 32);
    assert_false(L4_MsgBufferAppendSimpleRcvString(&b, L4_StringItem(8, (void *)(uintptr_t)0x3000)));
}

static void test_L4_MsgPut_and_MsgGet(void **state)
{
    (void)state;
    L4_Msg_t m;
    L4_Word_t words[3] = { 11, 22, 33 }, out[3] = { 0 };
    L4_MapItem_t mi = L4_MapItem(L4_FpageLog2(0x5000, 12), 0x5000), gi_out;
    L4_Word_t items_out[2] = { 0 };
    L4_MsgPut(&m, 0x77, 3, words, 2, &mi);
    assert_int_equal(L4_MsgMsgTag(&m).raw, L4_MsgTagMake(0x77, 3, 2).raw);
    assert_int_equal(L4_MsgLabel(&m), 0x77);
    assert_int_equal(L4_MsgWord(&m, 2), 33);
    L4_MsgGet(&m, out, items_out);
    assert_memory_equal(out, words, sizeof(words));
    assert_int_equal(items_out[0], mi.raw[0]);
    assert_int_equal(items_out[1], mi.raw[1]);
    assert_int_equal(L4_MsgGetMapItem(&m, 0, &gi_out), 2);
    assert_int_equal(gi_out.raw[1], mi.raw[1]);
    L4_GrantItem_t g;
    assert_int_equal(L4_MsgGetGrantItem(&m, 0, &g), 0);  /* it is a map item */
    assert_int_equal(L4_MsgGetMapItem(&m, 1, &gi_out), 0); /* beyond t */
    L4_Set_MsgLabel(&m, 0x99);
    assert_int_equal(L4_MsgLabel(&m), 0x99);
    L4_Set_MsgMsgTag(&m, L4_Niltag);
    assert_int_equal(L4_MsgMsgTag(&m).raw, 0);
    /* invalid counts give an empty message */
    L4_MsgPut(&m, 1, 40, words, 40, &mi);
    assert_int_equal(L4_MsgMsgTag(&m).raw, L4_MsgTagMake(1, 0, 0).raw);
}

static void test_L4_MsgAppendWord_moves_typed_words(void **state)
{
    (void)state;
    L4_Msg_t m;
    L4_Word_t w;
    L4_MsgClear(&m);
    assert_true(L4_MsgAppendWord(&m, 1));
    assert_true(L4_MsgAppendGrantItem(&m, L4_GrantItem(L4_FpageLog2(0x8000, 15), 0x8000)));
    assert_true(L4_MsgAppendWord(&m, 2));
    assert_int_equal(L4_UntypedWords(m.tag), 2);
    assert_int_equal(L4_TypedWords(m.tag), 2);
    assert_int_equal(m.raw[1], 1);
    assert_int_equal(m.raw[2], 2);
    assert_int_equal(m.raw[3], 0x800Au);
    L4_GrantItem_t g;
    assert_int_equal(L4_MsgGetGrantItem(&m, 0, &g), 2);
    assert_int_equal(L4_GrantItemSndFpage(g).raw, L4_FpageLog2(0x8000, 15).raw);
    L4_MsgPutWord(&m, 0, 5);
    L4_MsgGetWord(&m, 0, &w);
    assert_int_equal(w, 5);
    assert_true(L4_MsgAppendSimpleStringItem(&m, L4_StringItem(4, (void *)(uintptr_t)0x10)));
    assert_int_equal(L4_TypedWords(m.tag), 4);
    assert_true(L4_MsgAppendMapItem(&m, L4_MapItem(L4_Nilpage, 0)));
    assert_int_equal(L4_TypedWords(m.tag), 6);
}

static void test_L4_MsgAppend_full_message(void **state)
{
    (void)state;
    L4_Msg_t m;
    L4_MsgClear(&m);
    for (int i = 0; i < 61; i++)
        assert_true(L4_MsgAppendWord(&m, (L4_Word_t)i));
    assert_true(L4_MsgAppendMapItem(&m, L4_MapItem(L4_Nilpage, 0)));
    assert_false(L4_MsgAppendWord(&m, 99));
    assert_false(L4_MsgAppendMapItem(&m, L4_MapItem(L4_Nilpage, 0)));
    assert_int_equal(L4_UntypedWords(m.tag) + L4_TypedWords(m.tag), 63);
}

/* ---- IPC error codes ---- */

static void test_L4_IpcErrorCode_abi_vectors(void **state)
{
    (void)state;
    assert_int_equal(L4_IpcErrorCode(0x4), L4_ErrNonExist);
    assert_false(L4_IpcErrorInReceivePhase(0x4));
    assert_int_equal(L4_IpcErrorCode(0x3), L4_ErrTimeout);
    assert_true(L4_IpcErrorInReceivePhase(0x3));
    assert_int_equal(L4_IpcErrorCode(0x2), L4_ErrTimeout);
    assert_false(L4_IpcErrorInReceivePhase(0x2));
    assert_int_equal(L4_IpcErrorCode((123u << 4) | (4u << 1) | 1u), L4_ErrMsgOverflow);
    assert_int_equal(L4_IpcErrorOffset((123u << 4) | (4u << 1) | 1u), 123);
    assert_int_equal(L4_ErrAborted, 14);
    assert_int_equal(L4_ErrXferTimeoutInvoker, 10);
    assert_int_equal(L4_ErrXferTimeoutPartner, 12);
    assert_int_equal(L4_ErrCanceled, 6);
}

/* ---- KIP ---- */

static uint32_t kip_page[1024] __attribute__((aligned(4096)));

/* A KIP-like page with the recommended values and a kernel descriptor. */
static void kip_build(void)
{
    memset(kip_page, 0, sizeof(kip_page));
    kip_page[0x000 / 4] = 0x4BE6344Cu;
    kip_page[0x004 / 4] = 0x84050000u;
    kip_page[0x00C / 4] = 0x200;
    kip_page[0x054 / 4] = (0x400u << 16) | 3u;
    kip_page[0x0A8 / 4] = 0x000C2401u;
    kip_page[0x0AC / 4] = 0x0000000Cu;
    kip_page[0x0B8 / 4] = 0x00123000u;
    kip_page[0x0BC / 4] = 0x120;
    kip_page[0x0C0 / 4] = (1000u << 16) | 1u;
    kip_page[0x0C4 / 4] = 0x03001011u;
    kip_page[0x0C8 / 4] = 0x00401006u;
    kip_page[0x0CC / 4] = 0x40000001u;
    for (unsigned i = 0; i < 11; i++)
        kip_page[0x0D0 / 4 + i] = 0x800 + 16 * i;
    kip_page[0x120 / 4] = 100000;  /* cpu 0: 100 MHz bus, 2 GHz core */
    kip_page[0x124 / 4] = 2000000;
    kip_page[0x130 / 4] = 133000;
    kip_page[0x134 / 4] = 3000000;
    kip_page[0x200 / 4] = 0x2A010000u;
    kip_page[0x204 / 4] = (26u << 9) | (11u << 5) | 24u;
    kip_page[0x208 / 4] = 0x00010002u;
    memcpy(&kip_page[0x20C / 4], "Ours", 4);
    memcpy(&kip_page[0x210 / 4], "test kernel\0feat-a\0feat-b\0", 27);
    kip_page[0x400 / 4] = 0x00040221u;
    kip_page[0x404 / 4] = 0x00080000u;
    kip_page[0x408 / 4] = 0x0000002Eu | 0x1000u;  /* boot-loader specific, subtype 2 */
    kip_page[0x40C / 4] = 0x00001C00u;
    kip_page[0x410 / 4] = 0x00100001u;
    kip_page[0x414 / 4] = 0x07FFFC00u;
}

static void test_L4_Kip_header_accessors(void **state)
{
    (void)state;
    kip_build();
    const void *kip = kip_page;
    assert_true(L4_KipIsValid(kip));
    assert_int_equal(L4_KipApiVersion(kip), 0x84050000u);
    assert_int_equal(L4_KipApiFlags(kip), 0);
    assert_int_equal(L4_ThreadIdBits(kip), 17);
    assert_int_equal(L4_ThreadIdSystemBase(kip), 16);
    assert_int_equal(L4_ThreadIdUserBase(kip), 48);
    assert_int_equal(L4_Sigma0IdOf(kip).raw, L4_GlobalId(48, 1).raw);
    assert_int_equal(L4_PageSizeMask(kip), 0x00401000u);
    assert_int_equal(L4_PageRights(kip), 6);
    assert_int_equal(L4_MinPageSizeLog2(kip), 12);
    assert_int_equal(L4_UtcbAreaSizeLog2(kip), 12);
    assert_int_equal(L4_UtcbAlignmentLog2(kip), 9);
    assert_int_equal(L4_UtcbSize(kip), 512);
    assert_int_equal(L4_KipAreaSizeLog2(kip), 12);
    assert_int_equal(L4_ReadPrecision(kip), 1);
    assert_int_equal(L4_SchedulePrecision(kip), 1000);
    assert_int_equal(L4_BootInfo(kip), 0x00123000u);
    assert_int_equal(L4_KipSyscallLink(kip, L4_SYSCALL_SPACE_CONTROL), 0x800);
    assert_int_equal(L4_KipSyscallLink(kip, L4_SYSCALL_IPC), 0x840);
    assert_int_equal(L4_KipSyscallLink(kip, L4_SYSCALL_SCHEDULE), 0x8A0);
    assert_int_equal(L4_KIP_IPC, 0xE0);
    assert_int_equal(L4_KIP_SPACE_CONTROL + 4 * L4_SYSCALL_SYSTEM_CLOCK, L4_KIP_SYSTEM_CLOCK);
    assert_int_equal(L4_KIP_SPACE_CONTROL + 4 * L4_SYSCALL_SCHEDULE, L4_KIP_SCHEDULE);
    kip_page[0] = 0;
    assert_false(L4_KipIsValid(kip));
    kip_page[0x0C8 / 4] = 0x6;
    assert_int_equal(L4_MinPageSizeLog2(kip), 0);
}

static void test_L4_Kip_kernel_descriptor(void **state)
{
    (void)state;
    kip_build();
    const void *kip = kip_page;
    L4_Word_t y, m, d;
    assert_int_equal(L4_KipKernelId(kip), 0x2A010000u);
    L4_KernelGenDate(kip, &y, &m, &d);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 11);
    assert_int_equal(d, 24);
    assert_int_equal(L4_KernelVersion(kip), 0x00010002u);
    assert_memory_equal(&(L4_Word_t){ L4_KernelSupplier(kip) }, "Ours", 4);
    assert_string_equal(L4_KernelVersionString(kip), "test kernel");
    assert_string_equal(L4_Feature(kip, 0), "feat-a");
    assert_string_equal(L4_Feature(kip, 1), "feat-b");
    assert_null(L4_Feature(kip, 2));
    memcpy(&kip_page[0x210 / 4], "v\0\0", 3);
    assert_null(L4_Feature(kip, 0));
}

static void test_L4_Kip_processor_descriptors(void **state)
{
    (void)state;
    kip_build();
    const void *kip = kip_page;
    assert_int_equal(L4_NumProcessors(kip), 2);
    const L4_Word_t *p0 = L4_ProcDesc(kip, 0), *p1 = L4_ProcDesc(kip, 1);
    assert_non_null(p0);
    assert_non_null(p1);
    assert_int_equal(L4_ProcDescExternalFreq(p0), 100000);
    assert_int_equal(L4_ProcDescInternalFreq(p0), 2000000);
    assert_int_equal(L4_ProcDescExternalFreq(p1), 133000);
    assert_int_equal(L4_ProcDescInternalFreq(p1), 3000000);
    assert_null(L4_ProcDesc(kip, 2));
}

static void test_L4_MemoryDesc_abi_vector(void **state)
{
    (void)state;
    kip_build();
    const void *kip = kip_page;
    assert_int_equal(L4_NumMemoryDescriptors(kip), 3);
    const L4_MemoryDesc_t *md = L4_MemoryDesc(kip, 0);
    assert_non_null(md);
    assert_true(L4_IsVirtual(md));
    assert_int_equal(L4_MemoryDescType(md), L4_ConventionalMemoryType);
    assert_int_equal(L4_MemoryDescSubType(md), 2);
    assert_int_equal(L4_MemoryDescLow(md), 256u * 1024);
    assert_int_equal(L4_MemoryDescHigh(md), 512u * 1024 + 1023);
    L4_MemoryDesc_t made = L4_MakeMemoryDesc(256u * 1024, 512u * 1024 + 1023, 1, 2, 1);
    assert_int_equal(made.x, 0x00040221u);
    assert_int_equal(made.y, 0x00080000u);
    const L4_MemoryDesc_t *bl = L4_MemoryDesc(kip, 1);
    assert_false(L4_IsVirtual(bl));
    assert_int_equal(L4_MemoryDescBaseType(bl), 0xE);
    assert_int_equal(L4_MemoryDescType(bl), 0x2E);
    assert_int_equal(L4_MemoryDescLow(bl), 0x1000u);
    assert_int_equal(L4_MemoryDescHigh(bl), 0x1FFFu);
    assert_int_equal(L4_MemoryDescType(L4_MemoryDesc(kip, 2)), L4_ConventionalMemoryType);
    assert_null(L4_MemoryDesc(kip, 3));
}

/* ---- UTCB layout ---- */

static void test_L4_Utcb_offsets_match_abi_table(void **state)
{
    (void)state;
    assert_int_equal(4 * L4_UtcbMrIndex(0), 0);
    assert_int_equal(4 * L4_UtcbMrIndex(63), 252);
    assert_int_equal(4 * L4_UtcbBrIndex(0), -64);
    assert_int_equal(4 * L4_UtcbBrIndex(32), -192);
    assert_int_equal(4 * L4_UTCB_MY_GLOBAL_ID, -60);
    assert_int_equal(4 * L4_UTCB_PROCESSOR_NO, -56);
    assert_int_equal(4 * L4_UTCB_USER_DEFINED_HANDLE, -52);
    assert_int_equal(4 * L4_UTCB_PAGER, -48);
    assert_int_equal(4 * L4_UTCB_EXCEPTION_HANDLER, -44);
    assert_int_equal(4 * L4_UTCB_FLAGS, -40);
    assert_int_equal(4 * L4_UTCB_ERROR_CODE, -36);
    assert_int_equal(4 * L4_UTCB_XFER_TIMEOUTS, -32);
    assert_int_equal(4 * L4_UTCB_INTENDED_RECEIVER, -28);
    assert_int_equal(4 * L4_UTCB_VIRTUAL_SENDER, -24);
    assert_int_equal(4 * L4_UTCB_THREAD_WORD1, -20);
    assert_int_equal(4 * L4_UTCB_THREAD_WORD0, -16);
    assert_int_equal(L4_PREEMPT_SIGNAL, 0x20);
    assert_int_equal(L4_PREEMPT_DELAY, 0x40);
    assert_int_equal(L4_PREEMPT_PENDING, 0x80);
}

/* ---- control words ---- */

static void test_L4_ExchangeRegisters_helper_encodings(void **state)
{
    (void)state;
    assert_int_equal(L4_EXREG_START, L4_EXREG_SET_HALT | L4_EXREG_ABORT_SEND | L4_EXREG_ABORT_RECEIVE);
    assert_int_equal(L4_EXREG_START_SP_IP, L4_EXREG_START | L4_EXREG_SET_SP | L4_EXREG_SET_IP);
    assert_int_equal(L4_EXREG_START_SP_IP_FLAGS, L4_EXREG_START_SP_IP | L4_EXREG_SET_FLAGS);
    assert_int_equal(L4_EXREG_STOP, L4_EXREG_HALT | L4_EXREG_SET_HALT | L4_EXREG_DELIVER);
    assert_int_equal(L4_EXREG_ABORT_RECEIVE_AND_STOP, L4_EXREG_STOP | L4_EXREG_ABORT_RECEIVE);
    assert_int_equal(L4_EXREG_ABORT_SEND_AND_STOP, L4_EXREG_STOP | L4_EXREG_ABORT_SEND);
    assert_int_equal(L4_EXREG_ABORT_IPC_AND_STOP, 0x307);
    assert_int_equal(L4_EXREG_READ, 0x200);
    assert_int_equal(L4_EXREG_SET_HANDLE, 0x40);
    assert_int_equal(L4_EXREG_SET_PAGER, 0x80);
}

static void test_L4_schedule_and_unmap_control_words(void **state)
{
    (void)state;
    assert_int_equal(L4_TimeControl(L4_TimePeriod(10000), L4_Never), 0x12710000u);
    assert_int_equal(L4_PreemptionControl(200, 500), (200u << 16) | 500u);
    assert_int_equal(L4_PreemptionControl(0x1C8, 0x12345), (0xC8u << 16) | 0x2345u);
    assert_int_equal(L4_UnmapControl(0, 0), 0);
    assert_int_equal(L4_UnmapControl(0, 1), 0x40);
    assert_int_equal(L4_UnmapControl(63, 1), 0x7F);
    assert_int_equal(L4_UnmapControl(64, 0), 0);
}

/* ---- sigma0 client helpers ---- */

static void test_L4_Sigma0_request_encodings(void **state)
{
    (void)state;
    L4_Fpage_t any = L4_Sigma0AnyFpage(12, 0);
    assert_int_equal(any.raw, 0xFFFFFCC0u);
    assert_true(L4_Sigma0IsAnyRequest(any));
    assert_true(L4_Sigma0IsAnyRequest((L4_Fpage_t){ .raw = 0xFFFFFCC8u }));  /* libl4's form */
    assert_false(L4_Sigma0IsAnyRequest(L4_FpageLog2(0xFFFFF000u, 12)));
    assert_int_equal(L4_Sigma0AnyFpage(22, 7).raw, 0xFFFFFC00u | (22u << 4) | 7u);
}

static void test_L4_Sigma0ReplyFpage(void **state)
{
    (void)state;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(0x200000, 12), 7), 0x200000);
    L4_MsgTag_t ok = L4_MsgTagMake(0, 0, 2);
    assert_int_equal(L4_Sigma0ReplyFpage(ok, m.raw[0], m.raw[1]).raw, 0x2000C7u);
    assert_true(L4_IsNilFpage(L4_Sigma0ReplyFpage(ok, 0x8, 0)));
    L4_MsgTag_t failed = { .raw = ok.raw | L4_TAG_ERROR };
    assert_true(L4_IsNilFpage(L4_Sigma0ReplyFpage(failed, m.raw[0], m.raw[1])));
    assert_true(L4_IsNilFpage(L4_Sigma0ReplyFpage(L4_MsgTagMake(0, 2, 0), m.raw[0], m.raw[1])));
    assert_true(L4_IsNilFpage(L4_Sigma0ReplyFpage(ok, m.raw[0] | 0x2, m.raw[1])));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_L4_GlobalId_abi_vector),
        cmocka_unit_test(test_L4_GlobalId_masks_fields),
        cmocka_unit_test(test_L4_special_thread_ids),
        cmocka_unit_test(test_L4_LocalId_is_utcb_address),
        cmocka_unit_test(test_L4_IsThreadEqual_compares_words),
        cmocka_unit_test(test_L4_GlobalId_random_round_trip),
        cmocka_unit_test(test_L4_Fpage_abi_vectors),
        cmocka_unit_test(test_L4_FpageLog2_aligns_base),
        cmocka_unit_test(test_L4_Fpage_size_rounding),
        cmocka_unit_test(test_L4_Set_Rights_and_friends),
        cmocka_unit_test(test_L4_status_bits),
        cmocka_unit_test(test_L4_FpagesOverlap),
        cmocka_unit_test(test_L4_IoFpage_encoding),
        cmocka_unit_test(test_L4_Fpage_random_round_trip),
        cmocka_unit_test(test_L4_TimePeriod_abi_vectors),
        cmocka_unit_test(test_L4_TimePeriod_limits),
        cmocka_unit_test(test_L4_Time_predicates),
        cmocka_unit_test(test_L4_TimePeriod_random_precision),
        cmocka_unit_test(test_L4_MsgTag_abi_vectors),
        cmocka_unit_test(test_L4_MsgTag_flags_and_labels),
        cmocka_unit_test(test_L4_IsProtocol_ignores_low_bits),
        cmocka_unit_test(test_L4_MsgTag_random_round_trip),
        cmocka_unit_test(test_L4_MapItem_abi_vector),
        cmocka_unit_test(test_L4_StringItem_abi_vector),
        cmocka_unit_test(test_L4_Acceptor_abi_vectors),
        cmocka_unit_test(test_L4_AddAcceptor_and_RemoveAcceptor),
        cmocka_unit_test(test_L4_MsgBufferAppendSimpleRcvString_chains_buffers),
        cmocka_unit_test(test_L4_MsgPut_and_MsgGet),
        cmocka_unit_test(test_L4_MsgAppendWord_moves_typed_words),
        cmocka_unit_test(test_L4_MsgAppend_full_message),
        cmocka_unit_test(test_L4_IpcErrorCode_abi_vectors),
        cmocka_unit_test(test_L4_Kip_header_accessors),
        cmocka_unit_test(test_L4_Kip_kernel_descriptor),
        cmocka_unit_test(test_L4_Kip_processor_descriptors),
        cmocka_unit_test(test_L4_MemoryDesc_abi_vector),
        cmocka_unit_test(test_L4_Utcb_offsets_match_abi_table),
        cmocka_unit_test(test_L4_ExchangeRegisters_helper_encodings),
        cmocka_unit_test(test_L4_schedule_and_unmap_control_words),
        cmocka_unit_test(test_L4_Sigma0_request_encodings),
        cmocka_unit_test(test_L4_Sigma0ReplyFpage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
