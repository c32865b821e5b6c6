/*
 * Wakeup classes: the calendar queue of timeouts (lecture notes, section 9),
 * and the decoding of X.2 time values (ABI 1.3).
 *
 * Design. A queue has four circular doubly linked lists with sentinels:
 * soon, late, late-late, and due (expired, not yet handed out). Two limits
 * partition the pending deadlines exactly:
 *
 *     soon:      deadline <  soon_limit
 *     late:      soon_limit <= deadline < late_limit
 *     late-late: late_limit <= deadline
 *     due:       deadline <= now (moved there by wakeup_expire)
 *
 * Insert compares the deadline with the two limits and appends: O(1).
 * Remove unlinks: O(1). The limits only move at the correction phases,
 * which run inside wakeup_expire when time has reached them:
 *
 *   - late correction, at the first tick >= late_next (every
 *     WAKEUP_LATE_TICKS ticks): late_limit = now + WAKEUP_LATE_WINDOW_US;
 *     late-late entries below it move to the late list. It runs before
 *     a soon correction of the same call (that keeps soon_limit <=
 *     late_limit); with regular ticks both coincide every 256 ticks.
 *   - soon correction, at the first tick >= soon_next (every
 *     WAKEUP_SOON_TICKS ticks): soon_limit = now + WAKEUP_SOON_WINDOW_US;
 *     late entries below it move to the soon list.
 *
 * Why nothing is ever missed: a late entry has deadline >= soon_limit =
 * T + SOON_WINDOW >= T + SOON_PERIOD = soon_next (T: time of the last soon
 * correction), so any tick with now >= deadline also runs the soon
 * correction before looking for expiries. Likewise a late-late entry has
 * deadline >= late_limit >= late_next and >= soon_limit >= soon_next, so a
 * tick that reaches it runs both corrections, late first, and it goes all
 * the way to the soon list. And soon_limit <= late_limit always holds because
 * a soon correction without a late one happens before late_next, and
 * LATE_WINDOW = LATE_PERIOD + SOON_WINDOW. The corrections are driven by
 * time, not by counting calls, so missed or irregular ticks and large jumps
 * of the clock keep these guarantees.
 *
 * Finding expiries only searches the soon list, and only when now has
 * reached soon_min, a lower bound of the soon deadlines kept on insert; so a
 * tick with nothing due costs a few comparisons. The price: a soon
 * correction scans the whole late list (every 16 ticks) and a late
 * correction the whole late-late list (every 256 ticks). No 64-bit
 * division is used anywhere (the i686 kernel links without libgcc).
 */
#include <core/kassert.h>
#include <core/wakeup.h>

/* a + b, clamped to UINT64_MAX instead of wrapping around. */
static uint64_t wakeup_add_sat(uint64_t a, uint64_t b)
{
    uint64_t s = a + b;
    return s < a ? UINT64_MAX : s;
}

/* Sentinel of list `c` (WAKEUP_SOON..WAKEUP_DUE). */
static inline struct wakeup_node *wakeup_head(struct wakeup_queue *q, enum wakeup_class c)
{
    return &q->head[c - 1];
}

/* Append unqueued node `n` to list `c`. */
static void wakeup_link(struct wakeup_queue *q, struct wakeup_node *n, enum wakeup_class c)
{
    struct wakeup_node *h = wakeup_head(q, c);
    n->next = h;
    n->prev = h->prev;
    h->prev->next = n;
    h->prev = n;
    n->list = (uint8_t)c;
    q->count[c - 1]++;
}

/* Take queued node `n` off its list. */
static void wakeup_unlink(struct wakeup_queue *q, struct wakeup_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    q->count[n->list - 1]--;
    n->next = n->prev = NULL;
    n->list = WAKEUP_NONE;
}

/* The pending class a deadline belongs to under the current limits. */
static enum wakeup_class wakeup_class_for(const struct wakeup_queue *q, uint64_t deadline)
{
    if (deadline < q->soon_limit)
        return WAKEUP_SOON;
    if (deadline < q->late_limit)
        return WAKEUP_LATE;
    return WAKEUP_LATELATE;
}

void wakeup_init(struct wakeup_queue *q, uint64_t now_us)
{
    for (unsigned i = 0; i < WAKEUP_LISTS; i++) {
        q->head[i].next = q->head[i].prev = &q->head[i];
        q->head[i].deadline = 0;
        q->head[i].list = WAKEUP_NONE;
        q->count[i] = 0;
    }
    q->now = now_us;
    q->soon_limit = wakeup_add_sat(now_us, WAKEUP_SOON_WINDOW_US);
    q->late_limit = wakeup_add_sat(now_us, WAKEUP_LATE_WINDOW_US);
    q->soon_next = wakeup_add_sat(now_us, WAKEUP_SOON_PERIOD_US);
    q->late_next = wakeup_add_sat(now_us, WAKEUP_LATE_PERIOD_US);
    q->soon_min = UINT64_MAX;
    q->soon_corrections = q->late_corrections = 0;
}

void wakeup_insert(struct wakeup_queue *q, struct wakeup_node *n, uint64_t deadline)
{
    kassert(!wakeup_queued(n));
    enum wakeup_class c = wakeup_class_for(q, deadline);
    n->deadline = deadline;
    wakeup_link(q, n, c);
    wakeup_soon_min_note(q, c, deadline);
}

#if __STDC_HOSTED__
void wakeup_retime(struct wakeup_queue *q, struct wakeup_node *n, uint64_t deadline)
{
    wakeup_retime_inline(q, n, deadline);
}
#endif

void wakeup_remove(struct wakeup_queue *q, struct wakeup_node *n)
{
    if (!wakeup_queued(n))
        return;
    kassert(n->list <= WAKEUP_LISTS);
    wakeup_unlink(q, n);
}

/* Move the nodes of list `from` with deadline < `limit` to list `to`;
 * returns the smallest deadline moved (UINT64_MAX if none). */
static uint64_t wakeup_move_below(struct wakeup_queue *q, enum wakeup_class from,
                                  enum wakeup_class to, uint64_t limit)
{
    struct wakeup_node *h = wakeup_head(q, from);
    uint64_t min = UINT64_MAX;
    for (struct wakeup_node *n = h->next, *next; n != h; n = next) {
        next = n->next;
        if (n->deadline >= limit)
            continue;
        if (n->deadline < min)
            min = n->deadline;
        wakeup_unlink(q, n);
        wakeup_link(q, n, to);
    }
    return min;
}

/* Late correction: widen the late window from `now`, pull late-late entries in. */
static void wakeup_correct_late(struct wakeup_queue *q, uint64_t now)
{
    q->late_limit = wakeup_add_sat(now, WAKEUP_LATE_WINDOW_US);
    q->late_next = wakeup_add_sat(now, WAKEUP_LATE_PERIOD_US);
    q->late_corrections++;
    wakeup_move_below(q, WAKEUP_LATELATE, WAKEUP_LATE, q->late_limit);
}

/* Soon correction: widen the soon window from `now`, pull late entries in. */
static void wakeup_correct_soon(struct wakeup_queue *q, uint64_t now)
{
    q->soon_limit = wakeup_add_sat(now, WAKEUP_SOON_WINDOW_US);
    q->soon_next = wakeup_add_sat(now, WAKEUP_SOON_PERIOD_US);
    q->soon_corrections++;
    uint64_t min = wakeup_move_below(q, WAKEUP_LATE, WAKEUP_SOON, q->soon_limit);
    if (min < q->soon_min)
        q->soon_min = min;
}

/* Move every soon entry with deadline <= now to the due list and make
 * soon_min exact for the remaining soon entries. */
static void wakeup_collect_due(struct wakeup_queue *q, uint64_t now)
{
    struct wakeup_node *h = wakeup_head(q, WAKEUP_SOON);
    uint64_t min = UINT64_MAX;
    for (struct wakeup_node *n = h->next, *next; n != h; n = next) {
        next = n->next;
        if (n->deadline <= now) {
            wakeup_unlink(q, n);
            wakeup_link(q, n, WAKEUP_DUE);
        } else if (n->deadline < min) {
            min = n->deadline;
        }
    }
    q->soon_min = min;
}

/* Bring the queue to time `now`: corrections first, then due collection.
 * A stale `now` (below the queue's time) counts as the queue's time. */
static void wakeup_advance(struct wakeup_queue *q, uint64_t now)
{
    if (now < q->now)
        now = q->now;
    q->now = now;
    if (now >= q->late_next)
        wakeup_correct_late(q, now);    /* first: it may raise late_limit */
    if (now >= q->soon_next)
        wakeup_correct_soon(q, now);
    if (now >= q->soon_min)
        wakeup_collect_due(q, now);
}

struct wakeup_node *wakeup_expire(struct wakeup_queue *q, uint64_t now_us)
{
    wakeup_advance(q, now_us);
    struct wakeup_node *h = wakeup_head(q, WAKEUP_DUE);
    if (h->next == h)
        return NULL;
    struct wakeup_node *n = h->next;
    wakeup_unlink(q, n);
    return n;
}

/* Smallest deadline on list `c` (UINT64_MAX if empty). */
static uint64_t wakeup_list_min(struct wakeup_queue *q, enum wakeup_class c)
{
    struct wakeup_node *h = wakeup_head(q, c);
    uint64_t min = UINT64_MAX;
    for (const struct wakeup_node *n = h->next; n != h; n = n->next)
        if (n->deadline < min)
            min = n->deadline;
    return min;
}

uint64_t wakeup_next_expiry(struct wakeup_queue *q)
{
    uint64_t soon = wakeup_list_min(q, WAKEUP_SOON);
    uint64_t due = wakeup_list_min(q, WAKEUP_DUE);
    q->soon_min = soon;         /* now exact */
    return due < soon ? due : soon;
}

uint32_t wakeup_count(const struct wakeup_queue *q, enum wakeup_class c)
{
    if (c < WAKEUP_SOON || c > WAKEUP_DUE)
        return 0;
    return q->count[c - 1];
}

uint32_t wakeup_corrections(const struct wakeup_queue *q, enum wakeup_class into)
{
    if (into == WAKEUP_SOON)
        return q->soon_corrections;
    if (into == WAKEUP_LATE)
        return q->late_corrections;
    return 0;
}

uint32_t wakeup_pending(const struct wakeup_queue *q)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < WAKEUP_LISTS; i++)
        sum += q->count[i];
    return sum;
}

/* True if deadline `d` may sit on list `c` of `q`. */
static bool wakeup_border_ok(const struct wakeup_queue *q, enum wakeup_class c, uint64_t d)
{
    switch (c) {
    case WAKEUP_SOON:
        return d < q->soon_limit && d >= q->soon_min;
    case WAKEUP_LATE:
        return d >= q->soon_limit && d < q->late_limit;
    case WAKEUP_LATELATE:
        return d >= q->late_limit;
    default:
        return d <= q->now;
    }
}

/* Check the links, tags, count and borders of list `c`. */
static bool wakeup_check_list(const struct wakeup_queue *q, enum wakeup_class c)
{
    const struct wakeup_node *h = &q->head[c - 1];
    uint32_t len = 0;
    const struct wakeup_node *prev = h;
    for (const struct wakeup_node *n = h->next; n != h; prev = n, n = n->next) {
        if (n == NULL || n->prev != prev || n->list != c || !wakeup_border_ok(q, c, n->deadline))
            return false;
        if (++len > q->count[c - 1])
            return false;
    }
    return h->prev == prev && len == q->count[c - 1] && h->list == WAKEUP_NONE;
}

bool wakeup_check(const struct wakeup_queue *q)
{
    if (q->soon_limit > q->late_limit || q->soon_next > q->soon_limit ||
        q->late_next > q->late_limit)
        return false;
    for (unsigned c = WAKEUP_SOON; c <= WAKEUP_DUE; c++)
        if (!wakeup_check_list(q, (enum wakeup_class)c))
            return false;
    return true;
}

/*
 * X.2 time values.
 */

/* Decode a relative period (bit 15 clear): never, zero, or now + m * 2^e. */
static enum timeout_kind timeout_decode_period(uint16_t tv, uint64_t now, uint64_t *deadline)
{
    if (tv == 0) {
        *deadline = UINT64_MAX;
        return TIMEOUT_NEVER;
    }
    if ((tv & 0x3FFu) == 0) {  /* every m = 0, e != 0 encoding (ABI uncertainty 16) */
        *deadline = now;
        return TIMEOUT_ZERO;
    }
    *deadline = timeout_period_deadline(tv, now);
    return TIMEOUT_AT;
}

/*
 * Decode an absolute time point (bit 15 set): the next clock value >= now
 * whose bits [e+9..e] equal m and whose bit e+10 equals c. This is the
 * specification's reading (ABI uncertainty 1); the reference kernel does not
 * implement time points and no known binary depends on them. If now itself
 * lies in a matching 2^e window, the point is now.
 */
static uint64_t timeout_decode_point(uint16_t tv, uint64_t now)
{
    unsigned e = (tv >> 11) & 0xFu;
    uint64_t pattern = tv & 0x7FFu;            /* c:m, the 11 bits [e+10..e] */
    uint64_t span = (uint64_t)1 << (e + 11);   /* period of the pattern */
    uint64_t field = (now >> e) & 0x7FFu;
    uint64_t high = now & ~(span - 1);
    if (field == pattern)
        return now;
    if (field < pattern)
        return high | (pattern << e);
    if (high > UINT64_MAX - span)              /* no later match in 64 bits */
        return UINT64_MAX;
    return (high + span) | (pattern << e);
}

enum timeout_kind timeout_decode(uint16_t tv, uint64_t now, uint64_t *deadline)
{
    if ((tv & 0x8000u) == 0)
        return timeout_decode_period(tv, now, deadline);
    *deadline = timeout_decode_point(tv, now);
    return TIMEOUT_AT;
}

const struct wakeup_node *wakeup_list_next(const struct wakeup_queue *q, enum wakeup_class c,
                                           const struct wakeup_node *n)
{
    if (c < WAKEUP_SOON || c > WAKEUP_DUE)
        return NULL;
    const struct wakeup_node *h = &q->head[c - 1];
    const struct wakeup_node *next = n == NULL ? h->next : n->next;
    return next == h ? NULL : next;
}
