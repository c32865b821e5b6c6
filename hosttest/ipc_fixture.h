/*
 * The IPC test machine shared by the IPC host tests (test_ipc.c,
 * test_ipc_fast.c): NT threads with UTCBs, threads 0..4 in space 0 and
 * 5..7 in space 1, all ready, th[0] running, a wakeup queue for the IPC
 * timers. Included by each test file (one executable per file); the
 * helpers are static so that every file may use a subset.
 */
#ifndef IPC_FIXTURE_H
#define IPC_FIXTURE_H

#include <core/ipc.h>
#include <core/sched.h>
#include <core/space.h>
#include <core/tcb.h>
#include <core/tid.h>
#include <core/wakeup.h>
#include <mock/hooks.h>
#include <mock/usermem.h>

#include <stdlib.h>
#include <string.h>

#define NT 8u                           /* threads 0..4 in space 0, 5..7 in space 1 */
#define AREA_THREADS 128u
#define AREA_BYTES (AREA_THREADS * TCB_SIZE)
#define NEVER 0x0000u
#define ZERO 0x0400u
#define TO(snd, rcv) (((word_t)(snd) << 16) | (word_t)(rcv))

static void *area;
static struct tcb *th[NT];
static struct tcb *idle;
static struct space spc[2];
static struct wakeup_queue wq;
static word_t utcb_mem[NT][128];

static inline tid_t gid_of(unsigned i) { return tid_make_global(TID_USER_BASE + 3u + i, 1); }
static inline word_t loc_of(unsigned i) { return 0x00100000u + i * 512u; }
static inline tid_t lid_of(unsigned i) { return loc_of(i) + 256u; }
static inline word_t *U(unsigned i) { return th[i]->utcb; }

/* A fresh machine in `area` (AREA_BYTES, allocated by the caller): NT
 * threads, all ready with priorities `prio[i]` (NULL: the default), th[0]
 * running. False when a thread could not be created. */
static inline bool ipc_machine_reset(const uint8_t *prio)
{
    mock_reset();
    mock_usermem_reset();
    memset(area, 0, AREA_BYTES);
    memset(spc, 0, sizeof(spc));
    memset(utcb_mem, 0, sizeof(utcb_mem));
    memset(&wq, 0, sizeof(wq));
    tcb_area_init(area, AREA_THREADS);
    spc[0].redirector = spc[1].redirector = TID_ANY;    /* none, as space_create() */
    wakeup_init(&wq, 0);
    ipc_init(&wq);
    if (tcb_create(tid_make_global(100, 1), &spc[0], TID_NIL, &idle) != TCB_OK)
        return false;
    sched_init(idle);
    for (unsigned i = 0; i < NT; i++) {
        if (tcb_create(gid_of(i), &spc[i < 5 ? 0 : 1], TID_NIL, &th[i]) != TCB_OK)
            return false;
        tcb_activate(th[i], loc_of(i), &utcb_mem[i][64]);
        th[i]->prio = prio != NULL ? prio[i] : TCB_DEFAULT_PRIO;
        sched_make_ready(th[i]);
    }
    mock_current = th[0];
    return true;
}

/* Drop every pointer into the area (LeakSanitizer follows globals), free it. */
static inline void ipc_machine_free(void)
{
    sched_init(NULL);
    tcb_area_init(NULL, 0);
    mock_reset();
    free(area);
    area = NULL;
}

#endif
