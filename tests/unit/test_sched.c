/* test_sched.c — the admission scheduler (src/server/sched/sched.h) driven directly: order
 * HIGH > NORMAL > LOW then first come first served, head-of-line blocking per queue, queue
 * quota and machine capacity (never exceeded), gang admission, priority changes, cancel,
 * hold/release, closed and missing queues, and the "what it waits for" messages. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/sched/sched.h"

/* ---- a queue table for pf_sched_pick ---- */

typedef struct {
    const char *name;
    const char *status; /* "open", "closed", ... */
    const char *cpu, *mem, *gpu;
    bool unlimited;
} qdef;

typedef struct {
    qdef q[8];
    int n;
    int lookups;
} qtable;

static void queue_fn(void *ctx, const char *queue, pf_sched_queue *out)
{
    qtable *t = ctx;
    t->lookups++;
    for (int i = 0; i < t->n; i++) {
        if (strcmp(t->q[i].name, queue) != 0) continue;
        out->found = true;
        out->open = strcmp(t->q[i].status, "open") == 0;
        snprintf(out->status, sizeof out->status, "%s", t->q[i].status);
        out->unlimited = t->q[i].unlimited;
        pf_error e;
        json_t *sc = t->q[i].gpu ? json_pack("{s:s}", "nvidia.com/gpu", t->q[i].gpu) : NULL;
        if (pf_resources_from_flavour(t->q[i].cpu, t->q[i].mem, sc, &out->max, &e) != 0)
            fail_msg("queue %s: %s", queue, e.message);
        json_decref(sc);
        return;
    }
}

static pf_resources res(const char *cpu, const char *mem, const char *gpu)
{
    pf_resources r;
    pf_error e;
    json_t *sc = gpu ? json_pack("{s:s}", "nvidia.com/gpu", gpu) : NULL;
    if (pf_resources_from_flavour(cpu, mem, sc, &r, &e) != 0) fail_msg("%s", e.message);
    json_decref(sc);
    return r;
}

typedef struct {
    pf_sched_pick_result *r;
    int n;
} picked;

static picked pick(pf_sched *s, qtable *t)
{
    picked p;
    pf_sched_pick(s, queue_fn, t, &p.r, &p.n);
    return p;
}

static const pf_sched_pick_result *find(const picked *p, const char *id)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->r[i].id, id) == 0) return &p->r[i];
    return NULL;
}

static bool admitted(const picked *p, const char *id)
{
    const pf_sched_pick_result *r = find(p, id);
    return r && r->admitted;
}

/* The admitted ids of a pick, in order, joined by spaces. */
static void admitted_list(const picked *p, char *out, size_t n)
{
    out[0] = '\0';
    for (int i = 0; i < p->n; i++)
        if (p->r[i].admitted)
            snprintf(out + strlen(out), n - strlen(out), "%s%s", *out ? " " : "", p->r[i].id);
}

static const char *waiting_msg(const picked *p, const char *id)
{
    const pf_sched_pick_result *r = find(p, id);
    if (!r) fail_msg("%s not considered", id);
    if (r->admitted) fail_msg("%s was admitted", id);
    return r->message;
}

static pf_sched *new_sched(const char *cpu, const char *mem, const char *gpu)
{
    pf_resources cap = res(cpu, mem, gpu);
    return pf_sched_new(&cap);
}

static void submit(pf_sched *s, const char *id, const char *queue, const char *prio, int64_t seq,
                   const char *cpu, const char *mem)
{
    pf_resources need = res(cpu, mem, NULL);
    pf_sched_submit(s, id, queue, prio, seq, &need);
}

/* ---- order ---- */

static void test_priority_then_fcfs(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "1", "10Gi", NULL, false}}, .n = 1};
    submit(s, "low1", "q", "LOW", 1, "1", "1Gi");
    submit(s, "norm2", "q", "NORMAL", 2, "1", "1Gi");
    submit(s, "high3", "q", "HIGH", 3, "1", "1Gi");
    submit(s, "norm4", "q", "NORMAL", 4, "1", "1Gi");
    submit(s, "high5", "q", "HIGH", 5, "1", "1Gi");
    submit(s, "norm0", "q", NULL, 0, "1", "1Gi"); /* no priority = NORMAL; oldest seq */
    const char *want[] = {"high3", "high5", "norm0", "norm2", "norm4", "low1"};
    for (size_t i = 0; i < 6; i++) {
        picked p = pick(s, &t);
        char got[256];
        admitted_list(&p, got, sizeof got);
        if (strcmp(got, want[i]) != 0)
            fail_msg("round %zu admitted \"%s\", want %s", i, got, want[i]);
        /* only changes are reported: all six at first, then the admitted job and the new head */
        if (i == 0)
            assert_int_equal(p.n, 6);
        else
            assert_int_equal(p.n, i < 5 ? 2 : 1);
        free(p.r);
        pf_sched_release(s, want[i]);
    }
    picked p = pick(s, &t);
    assert_int_equal(p.n, 0);
    free(p.r);
    pf_sched_free(s);
}

static void test_fcfs_by_seq_not_submit_order(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "1", "10Gi", NULL, false}}, .n = 1};
    submit(s, "late", "q", "NORMAL", 9, "1", "1Gi");
    submit(s, "early", "q", "NORMAL", 3, "1", "1Gi"); /* e.g. recovered after a restart */
    picked p = pick(s, &t);
    assert_true(admitted(&p, "early"));
    assert_false(admitted(&p, "late"));
    free(p.r);
    pf_sched_free(s);
}

static void test_very_priorities(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "1", "10Gi", NULL, false}}, .n = 1};
    submit(s, "vlow", "q", "VERY_LOW", 1, "1", "1Gi");
    submit(s, "low", "q", "LOW", 2, "1", "1Gi");
    submit(s, "vhigh", "q", "VERY_HIGH", 3, "1", "1Gi");
    submit(s, "high", "q", "HIGH", 4, "1", "1Gi");
    const char *want[] = {"vhigh", "high", "low", "vlow"};
    for (int i = 0; i < 4; i++) {
        picked p = pick(s, &t);
        char got[128];
        admitted_list(&p, got, sizeof got);
        assert_string_equal(got, want[i]);
        free(p.r);
        pf_sched_release(s, want[i]);
    }
    pf_sched_free(s);
}

static void test_priority_change_reorders(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "1", "10Gi", NULL, false}}, .n = 1};
    submit(s, "run", "q", "NORMAL", 1, "1", "1Gi");
    submit(s, "a", "q", "LOW", 2, "1", "1Gi");
    submit(s, "b", "q", "LOW", 3, "1", "1Gi");
    picked p = pick(s, &t);
    assert_true(admitted(&p, "run"));
    free(p.r);
    pf_sched_set_priority(s, "b", "HIGH");
    pf_sched_set_priority(s, "nobody", "HIGH"); /* unknown: ignored */
    pf_sched_set_priority(s, "run", "LOW");     /* admitted: no effect on anything */
    pf_sched_release(s, "run");
    p = pick(s, &t);
    assert_true(admitted(&p, "b"));
    assert_false(admitted(&p, "a"));
    free(p.r);
    /* and back down: a later HIGH job overtakes one lowered to LOW */
    submit(s, "c", "q", "NORMAL", 4, "1", "1Gi");
    pf_sched_release(s, "b");
    p = pick(s, &t);
    assert_true(admitted(&p, "c")); /* NORMAL beats a's LOW though a is older */
    free(p.r);
    pf_sched_free(s);
}

/* ---- quotas, capacity, blocking ---- */

static void test_head_of_line_blocking_per_queue(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "4", "100Gi", NULL, false},
                      {"other", "open", "4", "100Gi", NULL, false}},
                .n = 2};
    submit(s, "big", "q", "NORMAL", 1, "3", "1Gi");
    picked p = pick(s, &t);
    assert_true(admitted(&p, "big"));
    free(p.r);
    submit(s, "two", "q", "NORMAL", 2, "2", "1Gi");   /* does not fit: 3 + 2 > 4 */
    submit(s, "one", "q", "NORMAL", 3, "1", "1Gi");   /* would fit, but is behind "two" */
    submit(s, "free", "other", "LOW", 4, "1", "1Gi"); /* another queue is not blocked */
    p = pick(s, &t);
    assert_false(admitted(&p, "two"));
    assert_false(admitted(&p, "one"));
    assert_true(admitted(&p, "free"));
    assert_string_equal(waiting_msg(&p, "two"), "waiting for queue q: cpu 3/4 in use, job needs 2");
    assert_string_equal(waiting_msg(&p, "one"), "waiting for queue q: queued behind jobs ahead of it");
    free(p.r);
    /* a HIGH job that fits jumps ahead of the blocked head: order decides, not size */
    submit(s, "urgent", "q", "HIGH", 5, "1", "1Gi");
    p = pick(s, &t);
    assert_true(admitted(&p, "urgent"));
    assert_false(admitted(&p, "one"));
    free(p.r);
    pf_sched_release(s, "big");
    pf_sched_release(s, "urgent");
    p = pick(s, &t);
    assert_true(admitted(&p, "two"));
    assert_true(admitted(&p, "one"));
    free(p.r);
    pf_sched_free(s);
}

static void test_queue_quota_never_exceeded(void **state)
{
    (void)state;
    pf_sched *s = new_sched("1000", "1000Gi", NULL);
    qtable t = {.q = {{"q", "open", "5", "5Gi", NULL, false}}, .n = 1};
    char id[32];
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "j%d", i);
        submit(s, id, "q", i % 3 == 0 ? "HIGH" : "NORMAL", i, i % 2 ? "1500m" : "500m", "512Mi");
    }
    int done = 0;
    for (int round = 0; round < 100 && done < 40; round++) {
        picked p = pick(s, &t);
        pf_resources used;
        pf_sched_queue_used(s, "q", &used);
        assert_true(used.cpu <= 5000);
        assert_true(used.memory <= 5LL << 30);
        /* release the oldest admitted job of this round, if any */
        for (int i = 0; i < p.n; i++) {
            if (!p.r[i].admitted) continue;
            pf_sched_release(s, p.r[i].id);
            done++;
        }
        free(p.r);
    }
    assert_int_equal(done, 40);
    pf_sched_free(s);
}

static void test_machine_capacity(void **state)
{
    (void)state;
    pf_sched *s = new_sched("2", "4Gi", NULL);
    qtable t = {
        .q = {{"a", "open", "20", "20Gi", NULL, false}, {"b", "open", "20", "20Gi", NULL, false}},
        .n = 2};
    submit(s, "a1", "a", "NORMAL", 1, "1", "1Gi");
    submit(s, "b1", "b", "NORMAL", 2, "1", "1Gi");
    submit(s, "a2", "a", "NORMAL", 3, "1", "1Gi");
    submit(s, "b2", "b", "NORMAL", 4, "500m", "4Gi");
    picked p = pick(s, &t);
    char got[128];
    admitted_list(&p, got, sizeof got);
    assert_string_equal(got, "a1 a2"); /* queues are visited in name order */
    assert_string_equal(waiting_msg(&p, "b1"),
                        "waiting for machine capacity: cpu 2/2 in use, job needs 1");
    assert_string_equal(waiting_msg(&p, "b2"),
                        "waiting for machine capacity: queued behind jobs ahead of it in queue b");
    free(p.r);
    pf_sched_release(s, "a1");
    p = pick(s, &t);
    assert_true(admitted(&p, "b1"));
    assert_string_equal(waiting_msg(&p, "b2"),
                        "waiting for machine capacity: cpu 2/2 in use, job needs 500m");
    free(p.r);
    pf_sched_release(s, "a2");
    p = pick(s, &t);
    assert_string_equal(waiting_msg(&p, "b2"),
                        "waiting for machine capacity: memory 1Gi/4Gi in use, job needs 4Gi");
    free(p.r);
    pf_sched_free(s);
}

static void test_unlimited_queue_bounded_by_machine(void **state)
{
    (void)state;
    pf_sched *s = new_sched("3", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "0", "0", NULL, true}}, .n = 1};
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "j%d", i);
        submit(s, id, "q", "NORMAL", i, "1", "1Gi");
    }
    picked p = pick(s, &t);
    char got[64];
    admitted_list(&p, got, sizeof got);
    assert_string_equal(got, "j0 j1 j2");
    free(p.r);
    pf_sched_free(s);
}

static void test_wait_messages(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", "1");
    qtable t = {.q = {{"default-queue", "open", "20", "20Gi", NULL, false}}, .n = 1};
    pf_resources held = res("19500m", "19Gi", NULL);
    pf_sched_hold(s, "old", "default-queue", &held);
    submit(s, "cpu", "default-queue", "NORMAL", 1, "1", "512Mi");
    picked p = pick(s, &t);
    assert_string_equal(waiting_msg(&p, "cpu"),
                        "waiting for queue default-queue: cpu 19500m/20 in use, job needs 1");
    free(p.r);
    pf_sched_cancel(s, "cpu");
    submit(s, "mem", "default-queue", "NORMAL", 2, "100m", "1536Mi");
    p = pick(s, &t);
    assert_string_equal(waiting_msg(&p, "mem"),
                        "waiting for queue default-queue: memory 19Gi/20Gi in use, job needs "
                        "1536Mi");
    free(p.r);
    pf_sched_cancel(s, "mem");
    /* a GPU the queue has no quota for */
    pf_resources gpu = res("1", "1Gi", "1");
    pf_sched_release(s, "old");
    pf_sched_submit(s, "gpu", "default-queue", "NORMAL", 3, &gpu);
    p = pick(s, &t);
    assert_string_equal(waiting_msg(&p, "gpu"),
                        "waiting for queue default-queue: nvidia.com/gpu 0/0 in use, job needs 1");
    free(p.r);
    pf_sched_free(s);
}

static void test_gang_all_or_nothing(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "8", "8Gi", NULL, false}}, .n = 1};
    pf_resources held = res("5", "1Gi", NULL);
    pf_sched_hold(s, "running", "q", &held);
    /* a distributed job: 4 tasks × 1 cpu, submitted as one need of 4 */
    pf_resources gang = res("4", "4Gi", NULL);
    pf_sched_submit(s, "gang", "q", "HIGH", 1, &gang);
    picked p = pick(s, &t);
    assert_false(admitted(&p, "gang"));
    free(p.r);
    pf_resources used;
    pf_sched_queue_used(s, "q", &used);
    assert_int_equal(used.cpu, 5000); /* nothing of the gang is held */
    assert_int_equal(used.memory, 1LL << 30);
    pf_sched_release(s, "running");
    p = pick(s, &t);
    assert_true(admitted(&p, "gang"));
    free(p.r);
    pf_sched_queue_used(s, "q", &used);
    assert_int_equal(used.cpu, 4000);
    assert_int_equal(used.memory, 4LL << 30);
    pf_sched_free(s);
}

/* ---- cancel, hold, release, queue states ---- */

static void test_cancel(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "1", "10Gi", NULL, false}}, .n = 1};
    submit(s, "a", "q", "NORMAL", 1, "1", "1Gi");
    submit(s, "b", "q", "NORMAL", 2, "1", "1Gi");
    submit(s, "c", "q", "NORMAL", 3, "1", "1Gi");
    picked p = pick(s, &t);
    assert_true(admitted(&p, "a"));
    free(p.r);
    assert_true(pf_sched_cancel(s, "b"));
    assert_false(pf_sched_cancel(s, "b"));  /* already gone */
    assert_false(pf_sched_cancel(s, "a"));  /* admitted, not waiting */
    assert_false(pf_sched_cancel(s, "zz")); /* never seen */
    pf_sched_release(s, "a");
    p = pick(s, &t);
    assert_int_equal(p.n, 1);
    assert_true(admitted(&p, "c"));
    assert_null(find(&p, "b"));
    free(p.r);
    pf_sched_free(s);
}

/* A pick reports what changed and nothing else: a backlog that did not move is not
 * re-reported, and each change (a new job, a new head, a cancelled head, a closed queue)
 * reports exactly the jobs it concerns. */
static void test_reports_only_changes(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "1", "10Gi", NULL, false}}, .n = 1};
    const char *behind = "waiting for queue q: queued behind jobs ahead of it";
    const char *full = "waiting for queue q: cpu 1/1 in use, job needs 1";
    submit(s, "a", "q", "NORMAL", 1, "1", "1Gi");
    submit(s, "b", "q", "NORMAL", 2, "1", "1Gi");
    submit(s, "c", "q", "NORMAL", 3, "1", "1Gi");
    submit(s, "d", "q", "NORMAL", 4, "1", "1Gi");
    picked p = pick(s, &t);
    assert_int_equal(p.n, 4);
    assert_true(admitted(&p, "a"));
    assert_string_equal(waiting_msg(&p, "b"), full);
    assert_string_equal(waiting_msg(&p, "c"), behind);
    assert_string_equal(waiting_msg(&p, "d"), behind);
    free(p.r);
    p = pick(s, &t); /* nothing moved */
    assert_int_equal(p.n, 0);
    free(p.r);
    submit(s, "e", "q", "NORMAL", 5, "1", "1Gi");
    p = pick(s, &t);
    assert_int_equal(p.n, 1);
    assert_string_equal(waiting_msg(&p, "e"), behind);
    free(p.r);
    submit(s, "h", "q", "HIGH", 6, "1", "1Gi"); /* the new head; b falls behind it */
    p = pick(s, &t);
    assert_int_equal(p.n, 2);
    assert_string_equal(waiting_msg(&p, "h"), full);
    assert_string_equal(waiting_msg(&p, "b"), behind);
    free(p.r);
    assert_true(pf_sched_cancel(s, "h")); /* b is the head again */
    p = pick(s, &t);
    assert_int_equal(p.n, 1);
    assert_string_equal(waiting_msg(&p, "b"), full);
    free(p.r);
    submit(s, "x", "q", "LOW", 7, "1", "1Gi"); /* joins and leaves between picks */
    assert_true(pf_sched_cancel(s, "x"));
    p = pick(s, &t);
    assert_int_equal(p.n, 0);
    free(p.r);
    pf_sched_set_priority(s, "d", "HIGH"); /* d jumps the queue: the new head */
    p = pick(s, &t);
    assert_int_equal(p.n, 2);
    assert_string_equal(waiting_msg(&p, "d"), full);
    assert_string_equal(waiting_msg(&p, "b"), behind);
    free(p.r);
    t.q[0].status = "closed"; /* every waiting job hears it, then again when it reopens */
    p = pick(s, &t);
    assert_int_equal(p.n, 4);
    assert_string_equal(waiting_msg(&p, "d"),
                        "waiting for queue q: its status is closed, only an open queue runs jobs");
    free(p.r);
    t.q[0].status = "open";
    p = pick(s, &t);
    assert_int_equal(p.n, 4);
    assert_string_equal(waiting_msg(&p, "d"), full);
    assert_string_equal(waiting_msg(&p, "e"), behind);
    free(p.r);
    pf_sched_release(s, "a"); /* d runs, b is the head */
    p = pick(s, &t);
    assert_int_equal(p.n, 2);
    assert_true(admitted(&p, "d"));
    assert_string_equal(waiting_msg(&p, "b"), full);
    free(p.r);
    pf_sched_free(s);
}

/* ---- the incremental pick against a fresh scheduler, over random operations ---- */

typedef struct {
    char id[16];
    int prio; /* 0 LOW, 1 NORMAL, 2 HIGH */
    int cpu;  /* milli-cores */
    enum { GONE, WAITING, HELD } st;
    char msg[320]; /* the last message the incremental scheduler reported */
} mjob;

static const char *PRIO[] = {"LOW", "NORMAL", "HIGH"};

static pf_resources cpu_need(int milli)
{
    char c[32];
    snprintf(c, sizeof c, "%dm", milli);
    return res(c, "1Mi", NULL);
}

/* What a scheduler that never saw the history says about each waiting job. */
static void check_against_fresh(mjob *jobs, int n, qtable *t)
{
    pf_sched *ref = new_sched("100", "100Gi", NULL);
    for (int i = 0; i < n; i++) {
        pf_resources need = cpu_need(jobs[i].cpu);
        if (jobs[i].st == HELD) pf_sched_hold(ref, jobs[i].id, "q", &need);
        if (jobs[i].st == WAITING) pf_sched_submit(ref, jobs[i].id, "q", PRIO[jobs[i].prio], i, &need);
    }
    picked p = pick(ref, t);
    for (int i = 0; i < n; i++) {
        if (jobs[i].st != WAITING) continue;
        const pf_sched_pick_result *r = find(&p, jobs[i].id);
        if (!r || r->admitted) fail_msg("%s: the fresh scheduler admits it", jobs[i].id);
        if (strcmp(r->message, jobs[i].msg) != 0)
            fail_msg("%s: told \"%s\", fresh says \"%s\"", jobs[i].id, jobs[i].msg, r->message);
    }
    free(p.r);
    pf_sched_free(ref);
}

static void test_incremental_matches_fresh(void **state)
{
    (void)state;
    enum { N = 120 };
    static mjob jobs[N];
    memset(jobs, 0, sizeof jobs);
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "3", "10Gi", NULL, false}}, .n = 1};
    unsigned seed = 12345;
    int created = 0;
    for (int step = 0; step < 3000; step++) {
        seed = seed * 1103515245u + 12345u;
        int op = (int)((seed >> 16) % 10), k = created ? (int)((seed >> 4) % (unsigned)created) : 0;
        if ((op < 4 || !created) && created < N) {
            mjob *j = &jobs[created];
            snprintf(j->id, sizeof j->id, "j%d", created);
            j->prio = (int)((seed >> 8) % 3);
            j->cpu = 500 * (1 + (int)((seed >> 12) % 3));
            j->st = WAITING;
            pf_resources need = cpu_need(j->cpu);
            pf_sched_submit(s, j->id, "q", PRIO[j->prio], created, &need);
            created++;
        } else if (op == 4 && jobs[k].st == WAITING) {
            assert_true(pf_sched_cancel(s, jobs[k].id));
            jobs[k].st = GONE;
        } else if (op == 5 && jobs[k].st == WAITING) {
            jobs[k].prio = (jobs[k].prio + 1) % 3;
            pf_sched_set_priority(s, jobs[k].id, PRIO[jobs[k].prio]);
        } else if (op == 6 || op == 7) {
            for (int i = 0; i < created; i++)
                if (jobs[(k + i) % created].st == HELD) {
                    pf_sched_release(s, jobs[(k + i) % created].id);
                    jobs[(k + i) % created].st = GONE;
                    break;
                }
        } else if (op == 8) {
            t.q[0].status = strcmp(t.q[0].status, "open") == 0 ? "closed" : "open";
        }
        picked p = pick(s, &t);
        for (int i = 0; i < p.n; i++) {
            mjob *j = NULL;
            for (int x = 0; x < created && !j; x++)
                if (strcmp(jobs[x].id, p.r[i].id) == 0) j = &jobs[x];
            assert_non_null(j);
            if (p.r[i].admitted) {
                assert_int_equal(j->st, WAITING);
                j->st = HELD;
            } else {
                snprintf(j->msg, sizeof j->msg, "%s", p.r[i].message);
            }
        }
        free(p.r);
        check_against_fresh(jobs, created, &t);
    }
    pf_sched_free(s);
}

static void test_hold_release(void **state)
{
    (void)state;
    pf_sched *s = new_sched("4", "8Gi", NULL);
    qtable t = {.q = {{"q", "open", "20", "20Gi", NULL, false}}, .n = 1};
    pf_resources r = res("3", "2Gi", NULL);
    pf_sched_hold(s, "recovered", "q", &r);
    pf_sched_hold(s, "recovered", "q", &r); /* idempotent */
    pf_resources used;
    pf_sched_queue_used(s, "q", &used);
    assert_int_equal(used.cpu, 3000);
    assert_int_equal(used.memory, 2LL << 30);
    pf_sched_queue_used(s, "unknown-queue", &used);
    assert_int_equal(used.cpu, 0);
    /* a submit of a job that is already held is ignored (no double admission) */
    submit(s, "recovered", "q", "NORMAL", 1, "3", "2Gi");
    submit(s, "next", "q", "NORMAL", 2, "2", "1Gi");
    picked p = pick(s, &t);
    assert_null(find(&p, "recovered"));
    assert_string_equal(waiting_msg(&p, "next"),
                        "waiting for machine capacity: cpu 3/4 in use, job needs 2");
    free(p.r);
    pf_sched_release(s, "recovered");
    pf_sched_release(s, "recovered"); /* twice: no negative usage */
    pf_sched_release(s, "never-held");
    pf_sched_queue_used(s, "q", &used);
    assert_int_equal(used.cpu, 0);
    p = pick(s, &t);
    assert_true(admitted(&p, "next"));
    free(p.r);
    pf_sched_queue_used(s, "q", &used);
    assert_int_equal(used.cpu, 2000);
    /* a second submit of a waiting job does not duplicate it */
    submit(s, "w", "q", "NORMAL", 3, "3", "1Gi");
    submit(s, "w", "q", "NORMAL", 3, "3", "1Gi");
    p = pick(s, &t);
    assert_int_equal(p.n, 1);
    free(p.r);
    pf_sched_free(s);
}

static void test_closed_and_missing_queues(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"shut", "closed", "10", "10Gi", NULL, false}}, .n = 1};
    submit(s, "a", "shut", "HIGH", 1, "1", "1Gi");
    submit(s, "b", "shut", "NORMAL", 2, "1", "1Gi");
    submit(s, "c", "gone", "NORMAL", 3, "1", "1Gi");
    picked p = pick(s, &t);
    assert_string_equal(
        waiting_msg(&p, "a"),
        "waiting for queue shut: its status is closed, only an open queue runs jobs");
    assert_string_equal(
        waiting_msg(&p, "b"),
        "waiting for queue shut: its status is closed, only an open queue runs jobs");
    assert_string_equal(waiting_msg(&p, "c"), "waiting: queue gone does not exist");
    free(p.r);
    /* they keep waiting, and run once the queue opens */
    t.q[0].status = "open";
    p = pick(s, &t);
    assert_true(admitted(&p, "a"));
    assert_true(admitted(&p, "b"));
    assert_false(admitted(&p, "c"));
    free(p.r);
    pf_sched_free(s);
}

static void test_queue_looked_up_once_per_pick(void **state)
{
    (void)state;
    pf_sched *s = new_sched("100", "100Gi", NULL);
    qtable t = {.q = {{"q", "open", "100", "100Gi", NULL, false}}, .n = 1};
    for (int i = 0; i < 20; i++) {
        char id[8];
        snprintf(id, sizeof id, "j%d", i);
        submit(s, id, "q", i % 2 ? "LOW" : "HIGH", i, "1", "1Gi");
    }
    picked p = pick(s, &t);
    assert_int_equal(p.n, 20);
    assert_int_equal(t.lookups, 1);
    free(p.r);
    pf_sched_free(s);
}

/* ---- waker and threads ---- */

static void count_wake(void *ctx)
{
    __atomic_add_fetch((int *)ctx, 1, __ATOMIC_SEQ_CST);
}

static void test_waker(void **state)
{
    (void)state;
    pf_sched *s = new_sched("1", "1Gi", NULL);
    pf_sched_wake(s); /* no waker yet: nothing happens */
    pf_sched_wake(NULL);
    int n = 0;
    pf_sched_set_waker(s, count_wake, &n);
    pf_sched_wake(s);
    pf_sched_wake(s);
    assert_int_equal(n, 2);
    pf_sched_free(s);
}

typedef struct {
    pf_sched *s;
    int base;
    int cancelled; /* cancels that found the job still waiting */
} worker_arg;

static void *submitter(void *p)
{
    worker_arg *a = p;
    for (int i = 0; i < 300; i++) {
        char id[32];
        snprintf(id, sizeof id, "t%d-%d", a->base, i);
        pf_resources need = {.cpu = 100, .memory = 1 << 20};
        pf_sched_submit(a->s, id, "q", i % 2 ? "LOW" : "HIGH", a->base * 1000 + i, &need);
        if (i % 3 == 0 && pf_sched_cancel(a->s, id)) a->cancelled++;
        pf_resources used;
        pf_sched_queue_used(a->s, "q", &used);
    }
    return NULL;
}

static void test_concurrent_use(void **state)
{
    (void)state;
    pf_sched *s = new_sched("1000", "1000Gi", NULL);
    qtable t = {.q = {{"q", "open", "2", "100Gi", NULL, false}}, .n = 1};
    pthread_t th[3];
    worker_arg args[3];
    for (int i = 0; i < 3; i++) {
        args[i] = (worker_arg){s, i, 0};
        pthread_create(&th[i], NULL, submitter, &args[i]);
    }
    int admitted_n = 0;
    for (int round = 0; round < 200; round++) {
        picked p = pick(s, &t);
        for (int i = 0; i < p.n; i++)
            if (p.r[i].admitted) {
                admitted_n++;
                pf_sched_release(s, p.r[i].id);
            }
        free(p.r);
        pf_resources used;
        pf_sched_queue_used(s, "q", &used);
        assert_true(used.cpu <= 2000);
    }
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    for (int round = 0; round < 1000; round++) { /* drain */
        picked p = pick(s, &t);
        int n = p.n;
        for (int i = 0; i < p.n; i++)
            if (p.r[i].admitted) {
                admitted_n++;
                pf_sched_release(s, p.r[i].id);
            }
        free(p.r);
        if (n == 0) break;
    }
    /* every job ran exactly once, unless a cancel caught it still waiting */
    int cancelled = args[0].cancelled + args[1].cancelled + args[2].cancelled;
    assert_int_equal(admitted_n + cancelled, 3 * 300);
    pf_sched_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_then_fcfs),
        cmocka_unit_test(test_fcfs_by_seq_not_submit_order),
        cmocka_unit_test(test_very_priorities),
        cmocka_unit_test(test_priority_change_reorders),
        cmocka_unit_test(test_head_of_line_blocking_per_queue),
        cmocka_unit_test(test_queue_quota_never_exceeded),
        cmocka_unit_test(test_machine_capacity),
        cmocka_unit_test(test_unlimited_queue_bounded_by_machine),
        cmocka_unit_test(test_wait_messages),
        cmocka_unit_test(test_gang_all_or_nothing),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_reports_only_changes),
        cmocka_unit_test(test_incremental_matches_fresh),
        cmocka_unit_test(test_hold_release),
        cmocka_unit_test(test_closed_and_missing_queues),
        cmocka_unit_test(test_queue_looked_up_once_per_pick),
        cmocka_unit_test(test_waker),
        cmocka_unit_test(test_concurrent_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
