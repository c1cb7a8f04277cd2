/* sched.c — waiting lists, held resources and the pick, sized for many thousands of jobs:
 * every job known to the scheduler is one entry in a hash table by id; each queue keeps its
 * waiting entries as a pointer array sorted by (priority desc, seq asc) — kept sorted on
 * insert — and the sum of what its admitted jobs hold, so no pick re-adds the held set.
 * A pick walks a queue only from its front to the first job that does not fit (the blocked
 * head); the jobs behind it all carry one shared message, so only the jobs that joined or
 * moved since the last pick (the queue's dirty list) are looked at, not the whole backlog. */
#include "server/sched/sched.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *id;  /* owned */
    int queue; /* index into pf_sched.queues */
    int prio;
    int64_t seq;
    bool held;
    bool dirty;        /* on its queue's dirty list */
    uint64_t reported; /* hash of the last message reported for it (0 = none) */
    pf_res_packed need; /* packed: a backlog holds one entry per waiting job */
} entry;

static void free_entry(entry *e)
{
    free(e->id);
    pf_res_packed_free(&e->need);
    free(e);
}

typedef struct squeue {
    char name[64];
    entry **waiting; /* sorted: priority desc, then seq asc */
    size_t n, cap;
    pf_resources used; /* held by admitted jobs of this queue */
    /* What the last pick left: its blocked head (NULL if none), and the hash of the message
     * every other waiting entry was reported with (0 = none yet). Entries submitted or
     * re-ordered since then are on the dirty list. */
    entry *head;
    uint64_t tail_hash;
    entry **dirty;
    size_t ndirty, capdirty;
} squeue;

#define TOMBSTONE ((entry *)1)

struct pf_sched {
    pthread_mutex_t mu;
    pf_resources capacity, used_total;
    squeue *queues;
    int nqueues;
    entry **table; /* open addressing by id; NULL empty, TOMBSTONE deleted */
    size_t tcap, tcount, tdead;
    void (*wake)(void *);
    void *wake_ctx;
};

/* ---- the id table ---- */

static size_t hash(const char *s)
{
    size_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static entry **slot(pf_sched *s, const char *id)
{
    size_t i = hash(id) & (s->tcap - 1);
    entry **grave = NULL;
    for (;; i = (i + 1) & (s->tcap - 1)) {
        entry *e = s->table[i];
        if (!e) return grave ? grave : &s->table[i];
        if (e == TOMBSTONE) {
            if (!grave) grave = &s->table[i];
        } else if (strcmp(e->id, id) == 0) {
            return &s->table[i];
        }
    }
}

static entry *lookup(pf_sched *s, const char *id)
{
    entry *e = *slot(s, id);
    return e == TOMBSTONE ? NULL : e;
}

static void grow(pf_sched *s)
{
    entry **old = s->table;
    size_t ocap = s->tcap;
    s->tcap = ocap ? ocap * 2 : 1024;
    s->table = calloc(s->tcap, sizeof *s->table);
    if (!s->table) abort();
    s->tcount = s->tdead = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i] && old[i] != TOMBSTONE) {
            *slot(s, old[i]->id) = old[i];
            s->tcount++;
        }
    free(old);
}

static void table_put(pf_sched *s, entry *e)
{
    if ((s->tcount + s->tdead + 1) * 2 > s->tcap) grow(s);
    entry **sl = slot(s, e->id);
    if (*sl == TOMBSTONE) s->tdead--;
    *sl = e;
    s->tcount++;
}

static void table_del(pf_sched *s, entry *e)
{
    entry **sl = slot(s, e->id);
    if (*sl == e) {
        *sl = TOMBSTONE;
        s->tcount--;
        s->tdead++;
    }
}

/* ---- queues and their sorted waiting lists ---- */

static int queue_index(pf_sched *s, const char *name)
{
    for (int i = 0; i < s->nqueues; i++)
        if (strcmp(s->queues[i].name, name) == 0) return i;
    s->queues = realloc(s->queues, (size_t)(s->nqueues + 1) * sizeof *s->queues);
    if (!s->queues) abort();
    squeue *q = &s->queues[s->nqueues];
    memset(q, 0, sizeof *q);
    snprintf(q->name, sizeof q->name, "%s", name);
    return s->nqueues++;
}

static bool before(const entry *a, const entry *b)
{
    return a->prio != b->prio ? a->prio > b->prio : a->seq < b->seq;
}

static void waiting_insert(squeue *q, entry *e)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 64;
        q->waiting = realloc(q->waiting, q->cap * sizeof *q->waiting);
        if (!q->waiting) abort();
    }
    size_t lo = 0, hi = q->n; /* first position whose entry e goes before */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (before(q->waiting[mid], e))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&q->waiting[lo + 1], &q->waiting[lo], (q->n - lo) * sizeof *q->waiting);
    q->waiting[lo] = e;
    q->n++;
}

static void waiting_remove(squeue *q, const entry *e)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->waiting[i] == e) {
            memmove(&q->waiting[i], &q->waiting[i + 1], (q->n - i - 1) * sizeof *q->waiting);
            q->n--;
            return;
        }
}

static void mark_dirty(squeue *q, entry *e)
{
    if (e->dirty) return;
    if (q->ndirty == q->capdirty) {
        q->capdirty = q->capdirty ? q->capdirty * 2 : 64;
        q->dirty = realloc(q->dirty, q->capdirty * sizeof *q->dirty);
        if (!q->dirty) abort();
    }
    q->dirty[q->ndirty++] = e;
    e->dirty = true;
}

/* e leaves the waiting list for good (cancelled): no pointer to it may stay behind. */
static void forget_waiting(squeue *q, entry *e)
{
    waiting_remove(q, e);
    if (q->head == e) q->head = NULL;
    if (!e->dirty) return;
    for (size_t i = 0; i < q->ndirty; i++)
        if (q->dirty[i] == e) {
            q->dirty[i] = q->dirty[--q->ndirty];
            break;
        }
}

static int prio_rank(const char *p)
{
    if (!p) return 2;
    if (!strcmp(p, "VERY_HIGH")) return 4;
    if (!strcmp(p, "HIGH")) return 3;
    if (!strcmp(p, "LOW")) return 1;
    if (!strcmp(p, "VERY_LOW")) return 0;
    return 2;
}

pf_sched *pf_sched_new(const pf_resources *capacity)
{
    pf_sched *s = calloc(1, sizeof *s);
    if (!s) abort();
    pthread_mutex_init(&s->mu, NULL);
    s->capacity = *capacity;
    grow(s);
    return s;
}

void pf_sched_free(pf_sched *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->tcap; i++)
        if (s->table[i] && s->table[i] != TOMBSTONE) free_entry(s->table[i]);
    for (int i = 0; i < s->nqueues; i++) {
        free(s->queues[i].waiting);
        free(s->queues[i].dirty);
    }
    free(s->queues);
    free(s->table);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static entry *new_entry(pf_sched *s, const char *id, const char *queue, const pf_resources *need)
{
    entry *e = calloc(1, sizeof *e);
    if (!e || !(e->id = strdup(id))) abort();
    e->queue = queue_index(s, queue);
    pf_res_pack(need, &e->need);
    table_put(s, e);
    return e;
}

void pf_sched_submit(pf_sched *s, const char *id, const char *queue, const char *priority,
                     int64_t seq, const pf_resources *need)
{
    pthread_mutex_lock(&s->mu);
    if (!lookup(s, id)) {
        entry *e = new_entry(s, id, queue, need);
        e->prio = prio_rank(priority);
        e->seq = seq;
        waiting_insert(&s->queues[e->queue], e);
        mark_dirty(&s->queues[e->queue], e);
    }
    pthread_mutex_unlock(&s->mu);
}

void pf_sched_set_priority(pf_sched *s, const char *id, const char *priority)
{
    pthread_mutex_lock(&s->mu);
    entry *e = lookup(s, id);
    if (e && !e->held) {
        squeue *q = &s->queues[e->queue];
        waiting_remove(q, e);
        e->prio = prio_rank(priority);
        e->reported = 0; /* its place changed: say where it stands now */
        waiting_insert(q, e);
        mark_dirty(q, e);
    }
    pthread_mutex_unlock(&s->mu);
}

bool pf_sched_cancel(pf_sched *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    entry *e = lookup(s, id);
    bool waiting = e && !e->held;
    if (waiting) {
        forget_waiting(&s->queues[e->queue], e);
        table_del(s, e);
        free_entry(e);
    }
    pthread_mutex_unlock(&s->mu);
    return waiting;
}

static void hold_locked(pf_sched *s, entry *e)
{
    pf_error ignored;
    pf_resources need;
    e->held = true;
    pf_resources_add(&s->used_total, pf_res_unpack(&e->need, &need), 1, &ignored);
    pf_resources_add(&s->queues[e->queue].used, &need, 1, &ignored);
}

void pf_sched_hold(pf_sched *s, const char *id, const char *queue, const pf_resources *need)
{
    pthread_mutex_lock(&s->mu);
    if (!lookup(s, id)) hold_locked(s, new_entry(s, id, queue, need));
    pthread_mutex_unlock(&s->mu);
}

void pf_sched_release(pf_sched *s, const char *id)
{
    pf_error ignored;
    pthread_mutex_lock(&s->mu);
    entry *e = lookup(s, id);
    if (e && e->held) {
        pf_resources need;
        pf_resources_sub(&s->used_total, pf_res_unpack(&e->need, &need), &ignored);
        pf_resources_sub(&s->queues[e->queue].used, &need, &ignored);
        table_del(s, e);
        free_entry(e);
    }
    pthread_mutex_unlock(&s->mu);
}

void pf_sched_queue_used(pf_sched *s, const char *queue, pf_resources *out)
{
    pthread_mutex_lock(&s->mu);
    pf_resources_init(out);
    for (int i = 0; i < s->nqueues; i++)
        if (strcmp(s->queues[i].name, queue) == 0) *out = s->queues[i].used;
    pthread_mutex_unlock(&s->mu);
}

/* The first resource of need that does not fit, described as "<key> <used>/<max> in use,
 * job needs <n>". */
static void describe(const char *what, const pf_resources *used, const pf_resources *max,
                     const pf_resources *need, char *out, size_t outlen)
{
    const char *keys[PF_RES_MAX_SCALARS + 2];
    int nk = 0;
    keys[nk++] = "cpu";
    keys[nk++] = "memory";
    for (int i = 0; i < need->nscalars; i++) keys[nk++] = need->scalars[i].name;
    for (int i = 0; i < nk; i++) {
        int64_t u = pf_resources_get(used, keys[i]), m = pf_resources_get(max, keys[i]),
                n = pf_resources_get(need, keys[i]);
        if (n > 0 && u + n > m) {
            char us[PF_QUANTITY_STR], ms[PF_QUANTITY_STR], ns[PF_QUANTITY_STR];
            void (*fmt)(int64_t, char *) = i == 0   ? pf_quantity_format_cpu
                                           : i == 1 ? pf_quantity_format_mem
                                                    : pf_quantity_format_scalar;
            fmt(u, us);
            fmt(m, ms);
            fmt(n, ns);
            snprintf(out, outlen, "waiting for %s: %s %s/%s in use, job needs %s", what, keys[i],
                     us, ms, ns);
            return;
        }
    }
    snprintf(out, outlen, "waiting for %s", what);
}

static bool fits(const pf_resources *used, const pf_resources *need, const pf_resources *max)
{
    pf_resources sum = *used;
    pf_error ignored;
    if (pf_resources_add(&sum, need, 1, &ignored) != 0) return false;
    return pf_resources_less_equal(&sum, max);
}

static uint64_t msg_hash(const char *m)
{
    uint64_t h = 1469598103934665603ull;
    for (; *m; m++) h = (h ^ (unsigned char)*m) * 1099511628211ull;
    return h | 1; /* never 0, which means "nothing reported yet" */
}

/* The results of one pick: only what changed, so usually a handful. */
typedef struct results {
    pf_sched_pick_result *v;
    int n, cap;
} results;

static pf_sched_pick_result *push(results *r, const entry *e)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = realloc(r->v, (size_t)r->cap * sizeof *r->v);
        if (!r->v) abort();
    }
    pf_sched_pick_result *x = &r->v[r->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "%s", e->id);
    return x;
}

/* Reports msg (hash h) for e unless it was the last one reported for it. */
static void report(results *r, entry *e, const char *msg, uint64_t h)
{
    if (e->reported == h) return;
    e->reported = h;
    snprintf(push(r, e)->message, sizeof r->v[0].message, "%s", msg);
}

/* One queue: admits from the front while jobs fit; the first that does not (the blocked
 * head) blocks the rest (no starvation of a large job). Only what changed is reported:
 * admissions, the head when its reason changes, and jobs behind it whose shared message
 * differs from the one last reported for them. When that shared message is the same as at
 * the last pick, only the dirty list and the previous head can differ, so the backlog
 * behind the head is not walked. */
static void pick_queue(pf_sched *s, squeue *q, const pf_sched_queue *info, results *out)
{
    char shared[320] = "", head_msg[320] = ""; /* shared: every waiting job but the head */
    entry *head = NULL;
    size_t admitted = 0;
    if (!info->found) {
        snprintf(shared, sizeof shared, "waiting: queue %s does not exist", q->name);
    } else if (!info->open) {
        snprintf(shared, sizeof shared,
                 "waiting for queue %s: its status is %s, only an open queue runs jobs", q->name,
                 info->status);
    } else {
        for (; admitted < q->n; admitted++) {
            entry *e = q->waiting[admitted];
            pf_resources need;
            pf_res_unpack(&e->need, &need);
            if (!info->unlimited && !fits(&q->used, &need, &info->max)) {
                char what[96];
                snprintf(what, sizeof what, "queue %s", q->name);
                describe(what, &q->used, &info->max, &need, head_msg, sizeof head_msg);
                snprintf(shared, sizeof shared,
                         "waiting for queue %s: queued behind jobs ahead of it", q->name);
            } else if (!fits(&s->used_total, &need, &s->capacity)) {
                describe("machine capacity", &s->used_total, &s->capacity, &need, head_msg,
                         sizeof head_msg);
                snprintf(shared, sizeof shared,
                         "waiting for machine capacity: queued behind jobs ahead of it in queue %s",
                         q->name);
            } else {
                push(out, e)->admitted = true;
                hold_locked(s, e);
                continue;
            }
            head = e;
            break;
        }
        memmove(q->waiting, q->waiting + admitted, (q->n - admitted) * sizeof *q->waiting);
        q->n -= admitted;
    }
    if (head) report(out, head, head_msg, msg_hash(head_msg));
    uint64_t h = shared[0] ? msg_hash(shared) : 0;
    if (h && h != q->tail_hash) { /* a new shared message: every job behind hears it */
        for (size_t i = 0; i < q->n; i++)
            if (q->waiting[i] != head) report(out, q->waiting[i], shared, h);
    } else if (h) {
        for (size_t i = 0; i < q->ndirty; i++)
            if (!q->dirty[i]->held && q->dirty[i] != head) report(out, q->dirty[i], shared, h);
        if (q->head && q->head != head && !q->head->held) report(out, q->head, shared, h);
    }
    for (size_t i = 0; i < q->ndirty; i++) q->dirty[i]->dirty = false;
    q->ndirty = 0;
    q->head = head;
    q->tail_hash = h;
}

void pf_sched_pick(pf_sched *s, pf_sched_queue_fn queue_fn, void *ctx, pf_sched_pick_result **out,
                   int *n)
{
    results r = {0};
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nqueues; i++) {
        squeue *q = &s->queues[i];
        if (!q->n) continue;
        pf_sched_queue info;
        memset(&info, 0, sizeof info);
        queue_fn(ctx, q->name, &info);
        pick_queue(s, q, &info, &r);
    }
    pthread_mutex_unlock(&s->mu);
    *out = r.v;
    *n = r.n;
}

void pf_sched_set_waker(pf_sched *s, void (*wake)(void *), void *ctx)
{
    s->wake = wake;
    s->wake_ctx = ctx;
}

void pf_sched_wake(pf_sched *s)
{
    if (s && s->wake) s->wake(s->wake_ctx);
}
