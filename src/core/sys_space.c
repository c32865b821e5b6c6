/*
 * SpaceControl, Unmap and MemoryControl (ABI 4.5).
 *
 * Design note. All three calls validate first: SpaceControl checks the
 * space, the redirector and (for an uninitialised space) both areas before
 * it maps the KIP, the only fallible step, after which it commits; Unmap
 * has no invalid input (every MR word is some fpage; malformed ones are
 * answered with an empty status); MemoryControl checks every fpage and
 * every attribute register an fpage selects before the first attribute is
 * applied.
 *
 * Guarantees:
 *  - SpaceControl initialises a space at most once: the UTCB area is at
 *    least 2^12 bytes, the KIP area at least 2^12 bytes, both below the
 *    user limit and disjoint; the stored fpages carry no rights bits. Later
 *    calls ignore both area words.
 *  - The control word (bit 31 s, bits 7..0 the small-space descriptor)
 *    is acted on only after everything else succeeded; ECX out is 0 when
 *    s = 0 or the call failed, else e (bit 31: the change was made) | the
 *    previous descriptor.
 *  - Unmap keeps ECX; MR0..MRk hold the fpages with their rwx bits
 *    replaced by the access status (IO fpages: 0); ESI = new MR0. Page
 *    tables left empty (here or in derived spaces) are given back after.
 *  - MemoryControl applies attributes only to the caller's own space.
 *
 * ABI decisions:
 *  - SpaceControl: SpaceSpecifier must be a global ID of a user thread (3
 *    otherwise: interrupt and kernel threads live in the kernel's space,
 *    which has no user half to initialise); a redirector naming no user
 *    thread is error 2; the KIP mapping running out of
 *    memory is error 8;
 *    a small-space change the kernel refuses (descriptor
 *    0x80..: slot beyond the 64 MB window, slot overlapping another small
 *    space, KIP or UTCB area not inside the slot) leaves the space as it is
 *    and answers e = 0 with result 1 (ABI 4.5: e reports the change, the
 *    rest of the call took effect) and ErrorCode 5 so the caller can tell
 *    why; without CONFIG_SMALLSPACES every request answers ECX = 0 and
 *    leaves ErrorCode alone (a kernel without the feature).
 *  - Unmap: control bits above 6 are ignored; IO fpages are always revoked
 *    (IO fpages carry no rights), their MR comes back with rwx = 0;
 *    malformed IO fpages are skipped. If the mdb cannot split a 4 MB page
 *    (out of memory) the pages before it are done and the status reported;
 *    Unmap has no error result.
 *  - MemoryControl: a control word above 63 is 5; each non-nil fpage must
 *    be a memory fpage of >= 4 KB below the user limit (or the complete
 *    space) and the attribute register it selects must hold 0..5 or 8, else
 *    5; attribute registers no fpage selects are not looked at (EBX is
 *    garbage from libl4). MR0 is taken from ESI.
 */
#include <core/fpage.h>
#include <core/kassert.h>
#include <core/mdb.h>
#include <core/msg.h>
#include <core/smallspace.h>
#include <core/space.h>
#include <core/syscall.h>

#define SYS_AREA_MIN_LOG2 12u        /* UtcbAreaInfo.s = KipAreaInfo.s = 12 */

/* ---- SpaceControl ------------------------------------------------------- */

/* True when memory fpage `f` has at least 2^12 bytes below the user limit. */
static bool area_ok(fpage_t f)
{
    if (fpage_is_nil(f) || fpage_is_io(f) || fpage_log2(f) < SYS_AREA_MIN_LOG2)
        return false;
    return (uint64_t)fpage_base(f) + fpage_size(f) <= MDB_USER_LIMIT;
}

/* Check the UTCB and KIP area words for space initialisation. */
static word_t sc_check_areas(fpage_t kip, fpage_t utcb)
{
    if (!area_ok(utcb))
        return SYS_ERR_INVALID_UTCB;
    if (!area_ok(kip) ||
        range_overlaps(fpage_base(kip), fpage_log2(kip), fpage_base(utcb), fpage_log2(utcb)))
        return SYS_ERR_INVALID_KIP;
    return SYS_ERR_OK;
}

/* Decode the redirector word: nil keeps, anythread = none, else a thread. */
static bool sc_redirector(const struct tcb *self, tid_t in, tid_t old, tid_t *out)
{
    if (in == TID_NIL || in == TID_ANY) {
        *out = in == TID_NIL ? old : TID_ANY;
        return true;
    }
    struct tcb *t = tid_user_only(sys_lookup(self, in));
    if (t == NULL)
        return false;
    *out = t->gid;
    return true;
}

/* Validate and perform SpaceControl but its control word; an X.2 error
 * code, and the space in *sp on success. */
static word_t sc_do(struct tcb *self, const struct sys_regs *r, struct space **sp)
{
    if (!sys_privileged(self))
        return SYS_ERR_NO_PRIVILEGE;
    struct tcb *t = tid_is_global(r->eax) ? tid_user_only(tid_lookup(r->eax)) : NULL;
    if (t == NULL)
        return SYS_ERR_INVALID_SPACE;
    struct space *s = t->space;
    tid_t redir;
    if (!sc_redirector(self, r->edi, s->redirector, &redir))
        return SYS_ERR_INVALID_THREAD;
    if (!space_initialised(s)) {
        fpage_t kip = r->edx, utcb = r->esi;
        word_t err = sc_check_areas(kip, utcb);
        if (err != SYS_ERR_OK)
            return err;
        if (!arch_kip_map(s, fpage_base(kip)))
            return SYS_ERR_NO_MEMORY;
        /* POINT OF NO RETURN */
        s->kip_area = fpage_make(fpage_base(kip), fpage_log2(kip), 0);
        s->utcb_area = fpage_make(fpage_base(utcb), fpage_log2(utcb), 0);
    }
    tcb_space_redirect(s, redir);
    *sp = s;
    return SYS_ERR_OK;
}

/* The small-space part of a successful SpaceControl; the ECX out word. */
static word_t sc_small(struct tcb *self, struct space *s, word_t control)
{
    if (!CONFIG_SMALLSPACES || !(control & SMALLSPACE_CTL_S))
        return 0;   /* no small spaces built in: "stays large" */
    word_t prev = s->small_desc;
    if (smallspace_change(s, control & SMALLSPACE_CTL_DESC))
        return SMALLSPACE_CTL_S | prev;
    sys_set_error(self, SYS_ERR_INVALID_PARAM);
    return prev;
}

void sys_space_control(struct tcb *self, struct sys_regs *r)
{
    struct space *s = NULL;
    word_t err = sc_do(self, r, &s);
    r->eax = err == SYS_ERR_OK;
    if (err != SYS_ERR_OK) {
        sys_set_error(self, err);
        r->ecx = 0;
        return;
    }
    r->ecx = sc_small(self, s, r->ecx);
}

/* ---- Unmap -------------------------------------------------------------- */

/* Unmap one fpage of self's space; the word to write back into its MR. */
static word_t unmap_one(struct tcb *self, fpage_t f, bool flush)
{
    word_t status = 0;
    if (fpage_is_io(f)) {
        if (fpage_io_valid(f))
            arch_io_unmap(self->space, fpage_io_port(f), fpage_io_log2(f), flush);
        return f & ~FPAGE_RIGHTS_RWX;
    }
    /* MDB_ERR_NOMEM (a 4 MB page could not be split): the pages before it
     * are done; Unmap has no error result, so only the status is reported. */
    (void)mdb_unmap_fpage(self->space, f, flush, &status);
    return (f & ~FPAGE_RIGHTS_RWX) | (status & FPAGE_RIGHTS_RWX);
}

void sys_unmap(struct tcb *self, struct sys_regs *r)
{
    unsigned k = r->eax & 0x3Fu;
    bool flush = (r->eax & 0x40u) != 0;
    self->utcb[0] = r->esi;
    for (unsigned i = 0; i <= k; i++)
        self->utcb[i] = unmap_one(self, self->utcb[i], flush);
    arch_pt_release_empty();
    r->esi = self->utcb[0];
}

/* ---- MemoryControl ------------------------------------------------------ */

/* True for the ia32 attribute values of ABI 4.5 (0..5, 8). */
static bool attr_valid(word_t a)
{
    return a <= 5u || a == 8u;
}

/* The attribute register fpage `f` selects (its two low bits). */
static word_t mc_attr(const struct sys_regs *r, fpage_t f)
{
    switch (f & 3u) {
    case 0:  return r->ecx;
    case 1:  return r->edx;
    case 2:  return r->ebx;
    default: return r->ebp;
    }
}

/* True when MemoryControl can apply fpage `f` (nil fpages are skipped). */
static bool mc_fpage_ok(fpage_t f)
{
    if (fpage_is_nil(f))
        return true;
    if (fpage_is_io(f) || !fpage_is_mappable(f))
        return false;
    return fpage_is_complete(f) || (uint64_t)fpage_base(f) + fpage_size(f) <= MDB_USER_LIMIT;
}

/* Validate all k+1 fpages and the attributes they select; an error code. */
static word_t mc_check(const struct tcb *self, const struct sys_regs *r, unsigned k)
{
    for (unsigned i = 0; i <= k; i++) {
        fpage_t f = self->utcb[i];
        if (!mc_fpage_ok(f) || (!fpage_is_nil(f) && !attr_valid(mc_attr(r, f))))
            return SYS_ERR_INVALID_PARAM;
    }
    return SYS_ERR_OK;
}

void sys_memory_control(struct tcb *self, struct sys_regs *r)
{
    word_t err = SYS_ERR_OK;
    if (!sys_privileged(self))
        err = SYS_ERR_NO_PRIVILEGE;
    else if (r->eax > 0x3Fu)
        err = SYS_ERR_INVALID_PARAM;
    if (err == SYS_ERR_OK) {
        self->utcb[0] = r->esi;
        err = mc_check(self, r, r->eax);
    }
    if (err != SYS_ERR_OK) {
        sys_set_error(self, err);
        r->eax = 0;
        return;
    }
    /* POINT OF NO RETURN */
    for (unsigned i = 0; i <= r->eax; i++) {
        fpage_t f = self->utcb[i];
        if (!fpage_is_nil(f))
            arch_set_cache_attr(self->space, fpage_base(f), fpage_log2(f), mc_attr(r, f));
    }
    r->eax = 1;
}
