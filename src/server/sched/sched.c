/* sched.c — waiting lists, held resources and the pick, sized for many thousands of jobs:
 * every job known to the scheduler is one entry in a hash table by id; each queue keeps its
 * waiting entries as a pointer array sorted by (priority desc, seq asc) — kept sorted on
 * insert, so a pick is one linear walk — and the sum of what its admitted jobs hold, so no
 * pick re-adds the held set. */
#include "server/sched/sched.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char id[256];
    int queue; /* index into pf_sched.queues */
    int prio;
    int64_t seq;
    bool held;
    uint64_t reported; /* hash of the last message reported for it (0 = none) */
    pf_resources need;
} entry;

typedef struct squeue {
    char name[64];
    entry **waiting; /* sorted: priority desc, then seq asc */
    size_t n, cap;
    pf_resources used; /* held by admitted jobs of this queue */
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
        if (s->table[i] && s->table[i] != TOMBSTONE) free(s->table[i]);
    for (int i = 0; i < s->nqueues; i++) free(s->queues[i].waiting);
    free(s->queues);
    free(s->table);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static entry *new_entry(pf_sched *s, const char *id, const char *queue, const pf_resources *need)
{
    entry *e = calloc(1, sizeof *e);
    if (!e) abort();
    snprintf(e->id, sizeof e->id, "%s", id);
    e->queue = queue_index(s, queue);
    e->need = *need;
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
    }
    pthread_mutex_unlock(&s->mu);
}

bool pf_sched_cancel(pf_sched *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    entry *e = lookup(s, id);
    bool waiting = e && !e->held;
    if (waiting) {
        waiting_remove(&s->queues[e->queue], e);
        table_del(s, e);
        free(e);
    }
    pthread_mutex_unlock(&s->mu);
    return waiting;
}

static void hold_locked(pf_sched *s, entry *e)
{
    pf_error ignored;
    e->held = true;
    pf_resources_add(&s->used_total, &e->need, 1, &ignored);
    pf_resources_add(&s->queues[e->queue].used, &e->need, 1, &ignored);
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
        pf_resources_sub(&s->used_total, &e->need, &ignored);
        pf_resources_sub(&s->queues[e->queue].used, &e->need, &ignored);
        table_del(s, e);
        free(e);
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

/* One queue: admits from the head while jobs fit; the first that does not blocks the rest
 * (no starvation of a large job). Only what changed is reported: admissions, and waiting
 * jobs whose message differs from the last one reported for them — the jobs behind a blocked
 * head share one fixed message, so a long backlog costs a hash compare per job per pick. */
static void pick_queue(pf_sched *s, squeue *q, const pf_sched_queue *info,
                       pf_sched_pick_result *out, int *n)
{
    char shared[320] = ""; /* the message of every job from here on, once it is fixed */
    uint64_t shared_hash = 0;
    if (!info->found)
        snprintf(shared, sizeof shared, "waiting: queue %s does not exist", q->name);
    else if (!info->open)
        snprintf(shared, sizeof shared,
                 "waiting for queue %s: its status is %s, only an open queue runs jobs", q->name,
                 info->status);
    if (shared[0]) shared_hash = msg_hash(shared);
    size_t keep = 0;
    for (size_t i = 0; i < q->n; i++) {
        entry *e = q->waiting[i];
        pf_sched_pick_result *r = &out[*n];
        if (shared[0]) {
            if (e->reported != shared_hash) {
                e->reported = shared_hash;
                snprintf(r->id, sizeof r->id, "%s", e->id);
                snprintf(r->message, sizeof r->message, "%s", shared);
                (*n)++;
            }
            q->waiting[keep++] = e;
            continue;
        }
        snprintf(r->id, sizeof r->id, "%s", e->id);
        if (!info->unlimited && !fits(&q->used, &e->need, &info->max)) {
            char what[96];
            snprintf(what, sizeof what, "queue %s", q->name);
            describe(what, &q->used, &info->max, &e->need, r->message, sizeof r->message);
            snprintf(shared, sizeof shared, "waiting for queue %s: queued behind jobs ahead of it",
                     q->name);
        } else if (!fits(&s->used_total, &e->need, &s->capacity)) {
            describe("machine capacity", &s->used_total, &s->capacity, &e->need, r->message,
                     sizeof r->message);
            snprintf(shared, sizeof shared,
                     "waiting for machine capacity: queued behind jobs ahead of it in queue %s",
                     q->name);
        } else {
            r->admitted = true;
            (*n)++;
            hold_locked(s, e);
            continue;
        }
        shared_hash = msg_hash(shared);
        uint64_t h = msg_hash(r->message);
        if (e->reported != h) { /* the blocked head: reported when its reason changes */
            e->reported = h;
            (*n)++;
        }
        q->waiting[keep++] = e;
    }
    q->n = keep;
}

void pf_sched_pick(pf_sched *s, pf_sched_queue_fn queue_fn, void *ctx, pf_sched_pick_result **out,
                   int *n)
{
    pthread_mutex_lock(&s->mu);
    size_t total = 0;
    for (int i = 0; i < s->nqueues; i++) total += s->queues[i].n;
    *out = calloc(total + 1, sizeof **out);
    if (!*out) abort();
    *n = 0;
    for (int i = 0; i < s->nqueues; i++) {
        squeue *q = &s->queues[i];
        if (!q->n) continue;
        pf_sched_queue info;
        memset(&info, 0, sizeof info);
        queue_fn(ctx, q->name, &info);
        pick_queue(s, q, &info, *out, n);
    }
    pthread_mutex_unlock(&s->mu);
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
