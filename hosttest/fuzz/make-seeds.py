#!/usr/bin/env python3
"""Write the structured seed inputs of the host fuzzer to hosttest/fuzz/corpus.

Each seed is a short scenario in the input language of fuzz_syscalls.c
(operation byte, then the argument bytes that operation reads), so that
libFuzzer starts from rendezvous, transfers, faults, mappings and thread
life cycles instead of having to discover their byte patterns. Run it
again after changing the input language; FUZZ_TRACE=1 fuzz_replay <seed>
prints what a seed does.
"""
import os
import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

# operations (enum fz_op)
TC, SC, EXREG, IPC, IPC2, UNMAP, SCHED, SWITCH, MC, PC, TICK, IRQ, FAULT, SIGMA0, USERMEM, DISPATCH = range(16)
NIL, ANY, ANYLOCAL = 0xB0, 0xB1, 0xB2


def g(n):
    """ID byte of user thread n, version 1."""
    return n


def ipc(caller, to=None, frm=None, u=0, items=(), buffers=0x13, timeouts=0, label=1):
    """An Ipc by runnable-thread index `caller`; items: ('str', len) or ('map'|'grant', fpage, fpage)."""
    b = u | (8 if items else 0) | (0x40 if to is None else 0) | (0x80 if frm is not None else 0)
    out = [IPC, caller, b] + [0xFF] * u
    if items:
        out.append(len(items))
        for it in items:
            if it[0] == "str":
                out += [0x00, it[1]]
            else:
                out += [1 if it[0] == "map" else 3] + list(it[1]) + list(it[2])
    out.append(buffers)
    if not buffers & 2:
        out += [0x00, 0x00]
    if to is not None:
        out.append(to)
    if frm is not None:
        out.append(frm)
    return out + [timeouts, label]


def tc(caller, dest, space, sched, pager, utcb, start=0x00):
    return [TC, caller, dest, space, sched, pager, utcb, start]


UA_PAGE6 = (0xE0, 0x06)      # fpage UA + 0x6000, 4 KB, rwx
UA_16K = (0xE0, 0x24)        # fpage UA + 0x4000 .. 16 KB (log2 14), rwx

SEEDS = {
    # 3 waits, 4 sends two words
    "short-rendezvous": ipc(1, frm=ANY) + ipc(1, to=g(3), u=2),
    # call and reply: 5 (other space) calls root, root replies and waits
    "call-reply": ipc(0, frm=ANY) + ipc(3, to=g(2), frm=g(2), u=1) + ipc(0, to=g(5), frm=ANY, u=1),
    # string of 10 bytes from 4 to 3
    "string": ipc(1, frm=ANY) + ipc(1, to=g(3), items=[("str", 9)]),
    # string into another space whose buffer page is gone: pagefault IPC to root
    "string-fault": [USERMEM, 5, 0x81] + ipc(0, frm=ANY) + ipc(3, frm=ANY) +
                    ipc(1, to=g(5), items=[("str", 200)]) + ipc(0, to=g(5), u=0) +
                    [USERMEM, 5, 0x01] + ipc(0, to=g(5)),
    # string with transfer timeouts: the fault is never answered
    "string-fault-timeout": [USERMEM, 5, 0x81] + ipc(0, frm=ANY) + ipc(3, frm=ANY, buffers=0x93) +
                            ipc(1, to=g(5), items=[("str", 200)]) + [TICK, 40, 0, TICK, 40, 1],
    # sigma0 maps a page to root, root maps it to 5, then unmaps it
    "map-unmap": [SIGMA0, 2, 0x04, 0x06] + ipc(3, frm=ANY, buffers=0x03) +
                 ipc(0, to=g(5), items=[("map", UA_PAGE6, UA_PAGE6)]) + [UNMAP, 0, 0x00] + list(UA_PAGE6),
    # the same with grant, then flush
    "grant-flush": [SIGMA0, 2, 0x04, 0x06] + ipc(3, frm=ANY, buffers=0x03) +
                   ipc(0, to=g(5), items=[("grant", UA_PAGE6, UA_PAGE6)]) + [UNMAP, 2, 0x40] + list(UA_PAGE6),
    # map a 16 KB region, then the thread of the receiving space is deleted
    "map-then-delete": [SIGMA0, 2, 0x04, 0x04, SIGMA0, 2, 0x08, 0x05] + ipc(3, frm=ANY, buffers=0x03) +
                       ipc(0, to=g(5), items=[("map", UA_16K, UA_16K)]) +
                       tc(0, g(5), NIL, NIL, NIL, 0x00, 0xFF) + tc(0, g(6), NIL, NIL, NIL, 0x00, 0xFF),
    # create 7 in 5's space, migrate 4 there, delete 6
    "thread-life": tc(0, g(7), g(5), g(2), g(2), 0x87) + tc(0, g(4), g(5), NIL, NIL, 0x84, 0xFF) +
                   tc(0, g(6), NIL, NIL, NIL, 0x00, 0xFF),
    # a new space by ThreadControl + SpaceControl, then a thread in it
    "new-space": tc(0, g(9), g(9), g(2), NIL, 0x00, 0xFF) + [SC, 0, g(9), 0x00, 0, 0, 0, 0, 0x00, NIL] +
                 tc(0, g(9), NIL, NIL, g(2), 0x89) + ipc(0, to=g(9), u=2),
    # timeouts: a closed receive and a send that time out
    "timeouts": ipc(1, frm=g(4), timeouts=0x22) + ipc(1, to=g(6), timeouts=0x22) + [TICK, 9, 0, TICK, 200, 1],
    # halt, resume and cancel by ExchangeRegisters
    "exreg": ipc(1, frm=ANY) + [EXREG, 0, g(3), 3] + [0] * 16 + [NIL] + [EXREG, 0, g(3), 11] + [0] * 16 + [NIL] +
             [EXREG, 0, g(4), 0] + [0] * 16 + [NIL],
    # Schedule: priorities and time slices; ThreadSwitch to a thread and to nil
    "schedule": [SCHED, 0, g(3), 0xF0, 1, 50, 0, 0, 1] + [SCHED, 0, g(4), 0x90, 0, 1, 0] +
                [SWITCH, 0, g(3), SWITCH, 1, NIL, DISPATCH, TICK, 80, 1],
    # a page fault of 3 answered by root (its pager)
    "page-fault": ipc(0, frm=ANY) + [FAULT, 1, 0x10, 0x02, 0x06] + ipc(0, to=g(3)),
    # interrupt 5 associated with 3, delivered, and 3 receives it
    "interrupt": tc(0, 0x95, 0x95, NIL, g(3), 0x00, 0xFF) + ipc(1, frm=0x95) + [IRQ, 5] + [IRQ, 5],
    # reserved and kernel thread numbers as arguments of everything
    "reserved-ids": tc(0, 0xA0, g(2), g(2), g(2), 0x45) + tc(0, g(8), 0xA0, g(2), g(2), 0x48) +
                    tc(0, g(8), 0x91, g(2), g(2), 0x48) + [SC, 0, 0xA0, 0x00, 0, 0, 0, 0, 0x00, NIL] +
                    [SC, 0, 0x91, 0x00, 0, 0, 0, 0, 0x00, NIL] + ipc(0, to=0xA0, timeouts=0x11) +
                    [SCHED, 0, 0xA0, 0xF0, 0, 0, 0] + [EXREG, 0, 0x93, 3] + [0] * 16 + [NIL],
    # memory, processor control
    "controls": [MC, 0, 0x01, 0x00, 0x06, 0x03, 0x06, 1, 2, 3, 4] + [PC, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, "seed-" + name), "wb") as f:
            f.write(bytes(x & 0xFF for x in data))
    r = random.Random(8)
    for i in range(6):
        with open(os.path.join(OUT, "seed-random-%02d" % i), "wb") as f:
            f.write(bytes(r.randrange(256) for _ in range(r.choice([64, 128, 256, 512]))))


if __name__ == "__main__":
    main()
