/* sched.c — waiting lists, held resources and the pick. Sizes are small (waiting jobs of a
 * single machine), so a sorted array per pick is simple and fast enough; held resources are
 * a flat list keyed by job id. */
#include "server/sched/sched.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char id[64];
    char queue[64];
    int prio;
    int64_t seq;
    pf_resources need;
} entry;

typedef struct list {
    entry *v;
    size_t n, cap;
} list;

struct pf_sched {
    pthread_mutex_t mu;
    pf_resources capacity, used_total;
    list waiting, held;
    void (*wake)(void *);
    void *wake_ctx;
};

static int prio_rank(const char *p)
{
    if (!p) return 2;
    if (!strcmp(p, "VERY_HIGH")) return 4;
    if (!strcmp(p, "HIGH")) return 3;
    if (!strcmp(p, "LOW")) return 1;
    if (!strcmp(p, "VERY_LOW")) return 0;
    return 2;
}

static void push(list *l, const entry *e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) abort();
    }
    l->v[l->n++] = *e;
}

static long find(const list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].id, id) == 0) return (long)i;
    return -1;
}

static void remove_at(list *l, size_t i)
{
    l->v[i] = l->v[--l->n];
}

pf_sched *pf_sched_new(const pf_resources *capacity)
{
    pf_sched *s = calloc(1, sizeof *s);
    if (!s) abort();
    pthread_mutex_init(&s->mu, NULL);
    s->capacity = *capacity;
    return s;
}

void pf_sched_free(pf_sched *s)
{
    if (!s) return;
    free(s->waiting.v);
    free(s->held.v);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

void pf_sched_submit(pf_sched *s, const char *id, const char *queue, const char *priority,
                     int64_t seq, const pf_resources *need)
{
    entry e = {.prio = prio_rank(priority), .seq = seq, .need = *need};
    snprintf(e.id, sizeof e.id, "%s", id);
    snprintf(e.queue, sizeof e.queue, "%s", queue);
    pthread_mutex_lock(&s->mu);
    if (find(&s->waiting, id) < 0 && find(&s->held, id) < 0) push(&s->waiting, &e);
    pthread_mutex_unlock(&s->mu);
}

void pf_sched_set_priority(pf_sched *s, const char *id, const char *priority)
{
    pthread_mutex_lock(&s->mu);
    long i = find(&s->waiting, id);
    if (i >= 0) s->waiting.v[i].prio = prio_rank(priority);
    pthread_mutex_unlock(&s->mu);
}

bool pf_sched_cancel(pf_sched *s, const char *id)
{
    pthread_mutex_lock(&s->mu);
    long i = find(&s->waiting, id);
    if (i >= 0) remove_at(&s->waiting, (size_t)i);
    pthread_mutex_unlock(&s->mu);
    return i >= 0;
}

static void hold_locked(pf_sched *s, const entry *e)
{
    pf_error ignored;
    push(&s->held, e);
    pf_resources_add(&s->used_total, &e->need, 1, &ignored);
}

void pf_sched_hold(pf_sched *s, const char *id, const char *queue, const pf_resources *need)
{
    entry e = {.need = *need};
    snprintf(e.id, sizeof e.id, "%s", id);
    snprintf(e.queue, sizeof e.queue, "%s", queue);
    pthread_mutex_lock(&s->mu);
    if (find(&s->held, id) < 0) hold_locked(s, &e);
    pthread_mutex_unlock(&s->mu);
}

void pf_sched_release(pf_sched *s, const char *id)
{
    pf_error ignored;
    pthread_mutex_lock(&s->mu);
    long i = find(&s->held, id);
    if (i >= 0) {
        pf_resources_sub(&s->used_total, &s->held.v[i].need, &ignored);
        remove_at(&s->held, (size_t)i);
    }
    pthread_mutex_unlock(&s->mu);
}

static void used_of(const pf_sched *s, const char *queue, pf_resources *out)
{
    pf_error ignored;
    pf_resources_init(out);
    for (size_t i = 0; i < s->held.n; i++)
        if (strcmp(s->held.v[i].queue, queue) == 0)
            pf_resources_add(out, &s->held.v[i].need, 1, &ignored);
}

void pf_sched_queue_used(pf_sched *s, const char *queue, pf_resources *out)
{
    pthread_mutex_lock(&s->mu);
    used_of(s, queue, out);
    pthread_mutex_unlock(&s->mu);
}

static int by_order(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int q = strcmp(x->queue, y->queue);
    if (q) return q;
    if (x->prio != y->prio) return y->prio - x->prio;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
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

void pf_sched_pick(pf_sched *s, pf_sched_queue_fn queue_fn, void *ctx, pf_sched_pick_result **out,
                   int *n)
{
    pthread_mutex_lock(&s->mu);
    if (s->waiting.n) qsort(s->waiting.v, s->waiting.n, sizeof *s->waiting.v, by_order);
    *out = calloc(s->waiting.n + 1, sizeof **out);
    *n = 0;
    size_t keep = 0;
    pf_sched_queue q = {0};
    char cur[64] = "", block[320] = "";
    bool blocked = false;
    for (size_t i = 0; i < s->waiting.n; i++) {
        entry *e = &s->waiting.v[i];
        pf_sched_pick_result *r = &(*out)[(*n)++];
        snprintf(r->id, sizeof r->id, "%s", e->id);
        if (strcmp(cur, e->queue) != 0) { /* first job of a new queue */
            snprintf(cur, sizeof cur, "%s", e->queue);
            memset(&q, 0, sizeof q);
            queue_fn(ctx, e->queue, &q);
            blocked = false;
        }
        pf_resources used;
        used_of(s, e->queue, &used);
        if (!q.found) {
            snprintf(r->message, sizeof r->message, "waiting: queue %s does not exist", e->queue);
        } else if (!q.open) {
            snprintf(r->message, sizeof r->message,
                     "waiting for queue %s: its status is %s, only an open queue runs jobs",
                     e->queue, q.status);
        } else if (blocked) {
            snprintf(r->message, sizeof r->message, "%s (queued behind a job ahead of it)", block);
        } else if (!q.unlimited && !fits(&used, &e->need, &q.max)) {
            char what[96];
            snprintf(what, sizeof what, "queue %s", e->queue);
            describe(what, &used, &q.max, &e->need, r->message, sizeof r->message);
            snprintf(block, sizeof block, "%s", r->message);
            blocked = true;
        } else if (!fits(&s->used_total, &e->need, &s->capacity)) {
            describe("machine capacity", &s->used_total, &s->capacity, &e->need, r->message,
                     sizeof r->message);
            snprintf(block, sizeof block, "%s", r->message);
            blocked = true;
        } else {
            r->admitted = true;
            hold_locked(s, e);
            continue;
        }
        s->waiting.v[keep++] = *e;
    }
    s->waiting.n = keep;
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
