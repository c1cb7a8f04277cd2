/* jobs.c — the job manager: one thread that owns the lifecycle of every unfinished job.
 *
 * HTTP threads commit a change (create, stop, priority) and post an event; the runtime posts
 * task exits. The manager drains all events at once, lets the scheduler admit what fits,
 * starts the admitted jobs' tasks, and writes every resulting status change in ONE store
 * transaction (each through the guarded pf_job_transition) — so a burst of 10,000 jobs costs
 * a handful of commits, not 30,000. Nothing here polls: the thread sleeps on a condition
 * variable until an event or a wake arrives.
 *
 * Recovery: at start every unfinished job is re-examined; tasks the runtime has already
 * claimed are adopted (they kept running, or their exit was recorded by the supervisor),
 * the rest are scheduled again. A task is never started twice: starts are idempotent in the
 * runtime (claim file). */
#include "server/service/jobs.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/resources.h"
#include "base/timeutil.h"
#include "model/job_request.h"
#include "model/status.h"
#include "server/runtime/runtime.h"
#include "server/sched/sched.h"
#include "server/service/job_tasks.h"
#include "server/service/jobs_internal.h"
#include "server/service/manager.h"
#include "server/store/queues.h"
#include "server/store/store.h"

/* ---- events (any thread) ---- */

static void post(struct pf_jobsvc *m, event *ev)
{
    pthread_mutex_lock(&m->mu);
    if (m->tail)
        m->tail->next = ev;
    else
        m->head = ev;
    m->tail = ev;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static event *new_event(ev_kind k, const char *id)
{
    event *ev = calloc(1, sizeof *ev);
    if (!ev) abort();
    ev->kind = k;
    snprintf(ev->id, sizeof ev->id, "%s", id);
    return ev;
}

static void free_event(event *ev)
{
    pf_job_row_clear(&ev->row);
    pf_job_shape_clear(&ev->shape);
    free(ev->st);
    free(ev);
}

void pf_jobs_on_created(pf_app *app, pf_job_row *row, pf_job_shape *shape)
{
    event *ev = new_event(EV_CREATED, row->id);
    ev->row = *row; /* moved, not copied: this runs on the store's writer thread */
    memset(row, 0, sizeof *row);
    ev->shape = *shape;
    memset(shape, 0, sizeof *shape);
    post(app->jobs, ev);
}

void pf_jobs_on_priority(pf_app *app, const char *id, const char *priority)
{
    event *ev = new_event(EV_PRIORITY, id);
    snprintf(ev->priority, sizeof ev->priority, "%s", priority);
    post(app->jobs, ev);
}

void pf_jobs_on_stop(pf_app *app, const char *id)
{
    post(app->jobs, new_event(EV_STOP, id));
}

static void on_task_exit(void *ctx, const char *task, const pf_task_status *st)
{
    pf_app *app = ctx;
    event *ev = new_event(EV_EXIT, task);
    if (!(ev->st = malloc(sizeof *ev->st))) abort();
    *ev->st = *st;
    post(app->jobs, ev);
}

static void wake(void *ctx)
{
    struct pf_jobsvc *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->woken = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* ---- the job table (manager thread) ---- */

static unsigned bucket(const char *id)
{
    unsigned h = 2166136261u;
    for (; *id; id++) h = (h ^ (unsigned char)*id) * 16777619u;
    return h % NBUCKETS;
}

job_ent *mgr_find_job(struct pf_jobsvc *m, const char *id)
{
    for (job_ent *j = m->jobs[bucket(id)]; j; j = j->next)
        if (strcmp(j->row.id, id) == 0) return j;
    return NULL;
}

void mgr_drop_job(struct pf_jobsvc *m, job_ent *j)
{
    job_ent **pp = &m->jobs[bucket(j->row.id)];
    while (*pp && *pp != j) pp = &(*pp)->next;
    if (*pp) *pp = j->next;
    if (strcmp(j->row.type, PF_JOB_WORKFLOW) == 0) m->nworkflows--;
    if (j->wf_dirty) wf_forget_dirty(m, j);
    pf_job_row_clear(&j->row);
    for (int i = 0; i < j->ntasks; i++) {
        free(j->tasks[i].command);
        for (char **v = j->tasks[i].env; v && *v; v++) free(*v);
        free(j->tasks[i].env);
    }
    wf_job_free(j);
    free(j->tasks);
    free(j->roles);
    free(j);
}

task_ent *mgr_add_task(job_ent *j, const char *role, int index)
{
    if (j->ntasks + 1 > j->cap_tasks) { /* a task_ent is ~5 KiB: grow from what is needed */
        j->cap_tasks = j->cap_tasks ? j->cap_tasks * 2 : 1;
        j->tasks = realloc(j->tasks, (size_t)j->cap_tasks * sizeof *j->tasks);
        if (!j->tasks) abort();
    }
    task_ent *te = &j->tasks[j->ntasks++];
    memset(te, 0, sizeof *te);
    pf_task_name(j->row.id, role, index, te->name, sizeof te->name);
    snprintf(te->role, sizeof te->role, "%s", role);
    te->index = index;
    return te;
}

static int task_total(const job_ent *j)
{
    int total = 0;
    for (int i = 0; i < j->nroles; i++) total += j->roles[i].replicas;
    return total;
}

/* A job's tasks, made when it is admitted or re-adopted: a task_ent is ~2 KiB and a backlog
 * of waiting jobs can be 100,000 long. */
static void make_tasks(job_ent *j)
{
    if (j->ntasks) return;
    int total = task_total(j);
    if (total > 0) { /* exactly what the members need */
        j->tasks = calloc((size_t)total, sizeof *j->tasks);
        if (!j->tasks) abort();
        j->cap_tasks = total;
    }
    for (int i = 0; i < j->nroles; i++)
        for (int r = 0; r < j->roles[i].replicas; r++) mgr_add_task(j, j->roles[i].role, r);
}

/* Back to waiting with no task made (recovery of a job none of whose tasks had started). */
static void drop_tasks(job_ent *j)
{
    free(j->tasks);
    j->tasks = NULL;
    j->ntasks = j->cap_tasks = 0;
}

static job_ent *add_job(struct pf_jobsvc *m, pf_job_row *row /* stolen */,
                        pf_job_shape *shape /* its roles are taken */)
{
    job_ent *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->mgr = m;
    j->row = *row;
    memset(row, 0, sizeof *row);
    j->roles = shape->roles;
    j->nroles = shape->nroles;
    shape->roles = NULL;
    shape->nroles = 0;
    if (strcmp(j->row.type, PF_JOB_WORKFLOW) == 0) m->nworkflows++;
    unsigned b = bucket(j->row.id);
    j->next = m->jobs[b];
    m->jobs[b] = j;
    return j;
}

void pf_task_name(const char *job_id, const char *role, int index, char *out, size_t len)
{
    snprintf(out, len, "%s-%s-%d", job_id, role, index);
}

/* The job a task belongs to: strip "-<index>" and "-<role>" from the right. */
job_ent *mgr_job_of_task(struct pf_jobsvc *m, const char *task, task_ent **te)
{
    char id[256];
    snprintf(id, sizeof id, "%s", task);
    for (int cut = 0; cut < 2; cut++) {
        char *dash = strrchr(id, '-');
        if (!dash) return NULL;
        *dash = '\0';
    }
    job_ent *j = mgr_find_job(m, id);
    for (int i = 0; j && i < j->ntasks; i++)
        if (strcmp(j->tasks[i].name, task) == 0) {
            *te = &j->tasks[i];
            return j;
        }
    return NULL;
}

/* ---- lifecycle decisions ---- */

void mgr_stop_tasks(pf_app *app, job_ent *j)
{
    for (int i = 0; i < j->ntasks; i++) {
        if (!j->tasks[i].started || j->tasks[i].exited) continue;
        pf_error e;
        if (pf_runtime_stop(app->rt, j->tasks[i].name, app->cfg.stop_grace_seconds, &e) != 0)
            pf_warn("stop task %s: %s", j->tasks[i].name, e.message);
    }
}

static void describe_exit(const task_ent *te, char *out, size_t n)
{
    if (te->st.oom_killed)
        snprintf(out, n, "job is failed, task %s was killed: out of memory", te->name);
    else if (te->st.supervisor_lost)
        snprintf(out, n, "job is failed, task %s was lost: %s", te->name, te->st.message);
    else if (te->st.term_signal)
        snprintf(out, n, "job is failed, task %s was killed by signal %d (%s)", te->name,
                 te->st.term_signal, strsignal(te->st.term_signal));
    else if (te->st.message[0] && te->st.exit_code)
        snprintf(out, n, "job is failed, task %s exited with code %d: %s", te->name,
                 te->st.exit_code, te->st.message);
    else
        snprintf(out, n, "job is failed, task %s exited with code %d", te->name, te->st.exit_code);
}

/* After a task exit: decide the job's outcome; true when the job has ended. */
static bool evaluate(pf_app *app, tx *t, job_ent *j)
{
    bool all_exited = true, completers_ok = true, any_completer = false;
    for (int i = 0; i < j->ntasks; i++) {
        task_ent *te = &j->tasks[i];
        if (!te->exited) all_exited = false;
        bool ok = te->exited && te->st.exit_code == 0 && !te->st.term_signal;
        if (te->exited && !ok && !j->stopping && !j->finishing) {
            j->finishing = true;
            snprintf(j->outcome, sizeof j->outcome, "%s", PF_ST_FAILED);
            describe_exit(te, j->message, sizeof j->message);
            mgr_stop_tasks(app, j);
        }
        if (pf_role_completes_job(j->row.framework, te->role)) {
            any_completer = true;
            if (!ok) completers_ok = false;
        }
    }
    if (!j->stopping && !j->finishing && any_completer && completers_ok) {
        j->finishing = true;
        snprintf(j->outcome, sizeof j->outcome, "%s", PF_ST_SUCCEEDED);
        snprintf(j->message, sizeof j->message, "job is succeeded");
        mgr_stop_tasks(app, j); /* pservers/executors are done when the workers are */
    }
    if (!all_exited) return false;
    if (j->stopping)
        mgr_transition(t, j, PF_ST_TERMINATED, "job is terminated");
    else if (j->finishing)
        mgr_transition(t, j, j->outcome, j->message);
    else
        mgr_transition(t, j, PF_ST_SUCCEEDED, "job is succeeded");
    return true;
}

/* Starting tasks: a supervisor start waits until its task's process exists (a few ms), so
 * every task admitted in one round — all replicas of a gang, many small jobs — is started
 * by a few threads at once rather than one after the other. */
typedef struct start_item {
    pf_app *app;
    task_ent *te;
    pf_task_spec spec;
    int rc;
    char err[PF_ERR_MSG_MAX];
} start_item;

typedef struct start_batch {
    start_item *v;
    size_t n;
    size_t next; /* atomically claimed */
} start_batch;

static void *start_worker(void *arg)
{
    start_batch *b = arg;
    for (;;) {
        size_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
        if (i >= b->n) return NULL;
        start_item *it = &b->v[i];
        pf_error e;
        it->rc = pf_runtime_start(it->app->rt, &it->spec, &it->te->st, &e);
        if (it->rc != 0) snprintf(it->err, sizeof it->err, "%s", e.message);
    }
}

#define START_THREADS 8

static void start_all(start_batch *b)
{
    pthread_t th[START_THREADS];
    int nt = b->n < START_THREADS ? (int)b->n : START_THREADS, started = 0;
    for (int i = 1; i < nt; i++)
        if (pthread_create(&th[started], NULL, start_worker, b) == 0) started++;
    start_worker(b); /* the manager thread works too */
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
}

typedef struct admitted {
    job_ent *j;
    pf_task_plan *plans;
    int nplans;
} admitted;

/* A waiting job does not keep its spec in memory (a backlog of thousands would hold
 * megabytes for nothing): it is read back from the store when the job is admitted. */
static void park_config(job_ent *j)
{
    json_decref(j->row.config);
    j->row.config = NULL;
}

static int unpark_config(pf_app *app, job_ent *j, pf_error *e)
{
    if (j->row.config) return 0;
    pf_job_row fresh;
    int rc = pf_job_get(pf_store_reader(app->store), j->row.id, &fresh, e);
    if (rc != 0) return rc < 0 ? -1 : pf_fail(e, "JobNotFound", "job %s was deleted", j->row.id);
    j->row.config = fresh.config;
    fresh.config = NULL;
    pf_job_row_clear(&fresh);
    return 0;
}

/* Starts every task of the admitted jobs, then records what happened. */
static void start_jobs(pf_app *app, tx *t, admitted *jobs, size_t njobs)
{
    start_batch b = {0};
    size_t total = 0;
    for (size_t k = 0; k < njobs; k++) {
        make_tasks(jobs[k].j);
        total += (size_t)jobs[k].j->ntasks;
    }
    b.v = calloc(total + 1, sizeof *b.v);
    if (!b.v) abort();
    tx pre = {0}; /* the replicas' endpoints, durable before any replica starts */
    for (size_t k = 0; k < njobs; k++) {
        job_ent *j = jobs[k].j;
        pf_error e;
        char *endpoints = NULL;
        if (unpark_config(app, j, &e) != 0 ||
            pf_job_plan_tasks(&j->row, NULL, &jobs[k].plans, &jobs[k].nplans, &endpoints, &e) !=
                0) {
            for (int i = 0; i < j->ntasks; i++) {
                j->tasks[i].exited = true;
                j->tasks[i].st.exit_code = 127;
                snprintf(j->tasks[i].st.message, sizeof j->tasks[i].st.message,
                         "submit job failed: %s", e.message);
            }
            continue;
        }
        if (endpoints) {
            tx_add(&pre, j->row.id)->runtime = json_pack("{s:s}", "endpoints", endpoints);
            free(endpoints);
        }
        for (int i = 0; i < jobs[k].nplans && i < j->ntasks; i++) {
            const pf_task_plan *p = &jobs[k].plans[i];
            task_ent *te = &j->tasks[i];
            b.v[b.n++] = (start_item){
                .app = app, .te = te,
                .spec = {.job_id = j->row.id, .name = te->name, .role = te->role,
                         .index = te->index, .command = p->command,
                         .env = (const char *const *)p->env, .workdir = p->workdir,
                         .cpu_milli = p->cpu_milli, .mem_bytes = p->mem_bytes}};
        }
    }
    tx_commit(app, &pre);
    tx_free(&pre);
    start_all(&b);
    for (size_t i = 0; i < b.n; i++) {
        task_ent *te = b.v[i].te;
        if (b.v[i].rc != 0) { /* nothing runs for this task: a failed start */
            te->exited = true;
            te->st.exit_code = 127;
            snprintf(te->st.message, sizeof te->st.message, "%s", b.v[i].err);
        } else {
            te->started = true; /* a setup failure, if any, arrives as its exit event */
        }
    }
    for (size_t k = 0; k < njobs; k++) {
        job_ent *j = jobs[k].j;
        if (jobs[k].plans) {
            mgr_transition(t, j, PF_ST_PENDING, "job is starting");
            for (int i = 0; i < j->ntasks; i++) mgr_task_row(t, j, &j->tasks[i]);
            mgr_transition(t, j, PF_ST_RUNNING, "job is running");
        }
        pf_job_plans_free(jobs[k].plans, jobs[k].nplans);
        jobs[k].plans = NULL;
    }
    free(b.v);
}

/* ---- the manager thread ---- */

static void queue_info(void *ctx, const char *name, pf_sched_queue *out)
{
    pf_app *app = ctx;
    pf_queue q;
    memset(&q, 0, sizeof q);
    pf_error e;
    if (pf_queue_get_cached(app->store, name, &q, &e) != 0) return;
    out->found = true;
    snprintf(out->status, sizeof out->status, "%s", q.status);
    out->open = strcmp(q.status, "open") == 0;
    out->max = q.max;
    out->unlimited = strcmp(q.quota_type, "volcanoCapabilityQuota") == 0 &&
                     !pf_resources_has_positive(&q.max);
    pf_queue_clear(&q);
}

static void handle_event(pf_app *app, tx *t, event *ev)
{
    struct pf_jobsvc *m = app->jobs;
    job_ent *j;
    task_ent *te = NULL;
    pf_resources need;
    switch (ev->kind) {
    case EV_CREATED:
        if (mgr_find_job(m, ev->row.id)) break;
        j = add_job(m, &ev->row, &ev->shape);
        if (strcmp(j->row.type, PF_JOB_WORKFLOW) == 0) {
            pf_error e;
            if (wf_job_init(j, &e) != 0) {
                char msg[PF_ERR_MSG_MAX + 64];
                snprintf(msg, sizeof msg, "submit job failed, err: %s", e.message);
                mgr_transition(t, j, PF_ST_FAILED, msg);
                mgr_drop_job(m, j);
            } else if (wf_job_advance(app, t, j)) {
                mgr_drop_job(m, j);
            }
            break;
        }
        if (task_total(j) == 0) { /* nothing this runtime can run: say so, stay in init */
            tx_item *it = tx_add(t, j->row.id);
            snprintf(it->message, sizeof it->message, "%s",
                     "this job has no members to run on the local runtime (an "
                     "extensionTemplate-only job needs a Kubernetes cluster); it waits in init");
            mgr_drop_job(m, j);
            break;
        }
        pf_sched_submit(app->sched, j->row.id, j->row.queue, j->row.priority, j->row.pk,
                        pf_res_unpack(&ev->shape.need, &need));
        park_config(j);
        break;
    case EV_PRIORITY:
        pf_sched_set_priority(app->sched, ev->id, ev->priority);
        j = mgr_find_job(m, ev->id);
        if (j) snprintf(j->row.priority, sizeof j->row.priority, "%s", ev->priority);
        break;
    case EV_STOP:
        j = mgr_find_job(m, ev->id);
        if (!j) break;
        if (j->wf) {
            if (wf_job_stop(app, t, j)) mgr_drop_job(m, j);
            break;
        }
        j->stopping = true;
        if (pf_sched_cancel(app->sched, j->row.id) || !j->admitted) {
            mgr_transition(t, j, PF_ST_TERMINATED, "job is terminated");
            mgr_drop_job(m, j);
        } else {
            mgr_stop_tasks(app, j);
            if (evaluate(app, t, j)) {
                pf_sched_release(app->sched, j->row.id);
                mgr_drop_job(m, j);
            }
        }
        break;
    case EV_EXIT:
        j = mgr_job_of_task(m, ev->id, &te);
        if (!j || te->exited) break;
        te->exited = true;
        te->started = true;
        te->st = *ev->st;
        if (j->wf) {
            if (wf_task_exited(app, t, j, te)) mgr_drop_job(m, j);
            break;
        }
        mgr_task_row(t, j, te);
        if (evaluate(app, t, j)) {
            pf_sched_release(app->sched, j->row.id);
            mgr_drop_job(m, j);
        }
        break;
    }
}

static void schedule(pf_app *app, tx *t)
{
    struct pf_jobsvc *m = app->jobs;
    pf_sched_pick_result *res;
    int n;
    pf_sched_pick(app->sched, queue_info, app, &res, &n);
    admitted *adm = calloc((size_t)n + 1, sizeof *adm);
    size_t nadm = 0;
    for (int i = 0; i < n; i++) {
        job_ent *j = mgr_find_job(m, res[i].id);
        if (!j) {
            task_ent *te = NULL;
            j = mgr_job_of_task(m, res[i].id, &te); /* a workflow node */
            if (j && j->wf && res[i].admitted && te->queued) {
                if (wf_task_admitted(app, t, j, te)) mgr_drop_job(m, j);
            }
            else if (res[i].admitted && !(j && j->wf))
                pf_sched_release(app->sched, res[i].id);
            continue;
        }
        if (res[i].admitted) {
            j->admitted = true;
            adm[nadm++].j = j;
        } else if (strcmp(j->wait_msg, res[i].message) != 0) {
            snprintf(j->wait_msg, sizeof j->wait_msg, "%s", res[i].message);
            mgr_transition(t, j, PF_ST_PENDING, res[i].message);
        }
    }
    free(res);
    if (nadm) start_jobs(app, t, adm, nadm);
    for (size_t k = 0; k < nadm; k++) {
        job_ent *j = adm[k].j;
        bool early_exit = j->finishing;
        for (int i = 0; i < j->ntasks; i++) early_exit |= j->tasks[i].exited;
        if (early_exit && evaluate(app, t, j)) { /* a task could not even start */
            pf_sched_release(app->sched, j->row.id);
            mgr_drop_job(m, j);
        }
    }
    free(adm);
}

/* Jobs whose transition did not land as wanted (stopped or deleted meanwhile). */
static void reconcile(pf_app *app, tx *t)
{
    struct pf_jobsvc *m = app->jobs;
    for (size_t i = 0; i < t->n; i++) {
        tx_item *it = &t->v[i];
        if (strcmp(it->status, PF_ST_RUNNING) != 0) continue;
        if (strcmp(it->result, PF_ST_RUNNING) == 0) continue;
        job_ent *j = mgr_find_job(m, it->id);
        if (j && !j->stopping && !j->wf) {
            j->stopping = true; /* stopped (or deleted) while starting: take it down */
            mgr_stop_tasks(app, j);
        }
    }
}

/* The earliest workflow deadline (activeDeadlineSeconds), INT64_MAX when none. */
static int64_t next_deadline(struct pf_jobsvc *m)
{
    int64_t next = INT64_MAX;
    if (!m->nworkflows) return next; /* the scan below walks every unfinished job */
    for (int b = 0; b < NBUCKETS; b++)
        for (job_ent *j = m->jobs[b]; j; j = j->next)
            if (j->wf) {
                int64_t d = wf_next_deadline(j);
                if (d < next) next = d;
            }
    return next;
}

/* Steps every workflow whose deadline has passed. */
static void run_deadlines(pf_app *app, tx *t, int64_t now)
{
    struct pf_jobsvc *m = app->jobs;
    if (!m->nworkflows) return;
    for (int b = 0; b < NBUCKETS; b++)
        for (job_ent *j = m->jobs[b], *next; j; j = next) {
            next = j->next;
            if (j->wf && wf_next_deadline(j) <= now && wf_job_advance(app, t, j))
                mgr_drop_job(m, j);
        }
}

static void *manager_main(void *arg)
{
    pf_app *app = arg;
    struct pf_jobsvc *m = app->jobs;
    for (;;) {
        int64_t deadline = next_deadline(m);
        if (m->next_cleanup < deadline) deadline = m->next_cleanup;
        pthread_mutex_lock(&m->mu);
        while (!m->head && !m->woken && !m->stopping && pf_now_ms() < deadline) {
            if (deadline == INT64_MAX) {
                pthread_cond_wait(&m->cv, &m->mu);
            } else {
                struct timespec ts = {.tv_sec = deadline / 1000,
                                      .tv_nsec = (long)(deadline % 1000) * 1000000};
                pthread_cond_timedwait(&m->cv, &m->mu, &ts);
            }
        }
        if (m->stopping) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        event *evs = m->head;
        m->head = m->tail = NULL;
        m->woken = false;
        pthread_mutex_unlock(&m->mu);

        tx t = {0};
        int64_t now = pf_now_ms();
        if (now >= m->next_cleanup) {
            pf_cleanup_deleted_jobs(app);
            m->next_cleanup = now + pf_cleanup_interval_ms(app);
        }
        if (deadline != INT64_MAX) run_deadlines(app, &t, now);
        while (evs) {
            event *next = evs->next;
            handle_event(app, &t, evs);
            free_event(evs);
            evs = next;
        }
        schedule(app, &t);
        wf_save_dirty(m, &t);
        tx_commit(app, &t);
        reconcile(app, &t);
        tx_free(&t);
    }
    return NULL;
}

/* ---- start-up, recovery, shutdown ---- */

static void detect_capacity(const pf_config *cfg, pf_resources *cap)
{
    pf_error e;
    pf_resources_init(cap);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    cap->cpu = cfg->capacity_cpu_milli > 0 ? cfg->capacity_cpu_milli : (int64_t)cores * 1000;
    cap->memory = cfg->capacity_mem_bytes > 0 ? cfg->capacity_mem_bytes : (int64_t)pages * psz;
    int64_t gpus = cfg->capacity_gpu;
    if (gpus < 0) {
        gpus = 0;
        char path[32];
        for (int i = 0; i < 64; i++) {
            snprintf(path, sizeof path, "/dev/nvidia%d", i);
            if (access(path, F_OK) == 0) gpus++;
        }
    }
    if (gpus > 0) pf_resources_set(cap, "nvidia.com/gpu", gpus, &e);
}

/* Start-up recovery: what one unfinished job needs, rows streamed from the store (a backlog
 * of 100,000 pending jobs loaded at once held a gigabyte of specs). */
typedef struct recovering {
    pf_app *app;
    tx t;
    int n, adopted, queued;
} recovering;

static int recover_one(void *arg, pf_job_row *row)
{
    recovering *r = arg;
    pf_app *app = r->app;
    struct pf_jobsvc *m = app->jobs;
    pf_error e;
    pf_resources need;
    r->n++;
    pf_job_shape shape;
    pf_job_shape_of(row->config, &shape);
    pf_res_unpack(&shape.need, &need);
    job_ent *j = add_job(m, row, &shape);
    pf_job_shape_clear(&shape);
    if (strcmp(j->row.type, PF_JOB_WORKFLOW) == 0) {
        if (wf_job_init(j, &e) != 0) {
            pf_logerr("recovery: workflow %s: %s", j->row.id, e.message);
            mgr_drop_job(m, j);
        } else if (wf_job_recover(app, &r->t, j)) {
            mgr_drop_job(m, j);
        }
        r->adopted++;
        return 0;
    }
    bool claimed = false;
    make_tasks(j);
    for (int k = 0; k < j->ntasks; k++) {
        task_ent *te = &j->tasks[k];
        if (pf_runtime_adopt(app->rt, te->name, &te->st, &e) == 0) {
            te->started = claimed = true;
        }
    }
    bool terminating = strcmp(j->row.status, PF_ST_TERMINATING) == 0;
    if (claimed) {
        r->adopted++;
        j->admitted = true;
        j->stopping = terminating;
        pf_sched_hold(app->sched, j->row.id, j->row.queue, &need);
        /* tasks of an admitted job that were not started before the crash start now */
        pf_task_plan *plans = NULL;
        int np = 0;
        bool missing = false;
        for (int k = 0; k < j->ntasks; k++) missing |= !j->tasks[k].started;
        const char *endpoints = json_string_value(json_object_get(j->row.runtime, "endpoints"));
        if (missing && !terminating &&
            pf_job_plan_tasks(&j->row, endpoints, &plans, &np, NULL, &e) == 0) {
            for (int k = 0; k < j->ntasks && k < np; k++) {
                task_ent *te = &j->tasks[k];
                if (te->started) continue;
                pf_task_spec spec = {.job_id = j->row.id, .name = te->name, .role = te->role,
                                     .index = te->index, .command = plans[k].command,
                                     .env = (const char *const *)plans[k].env,
                                     .workdir = plans[k].workdir,
                                     .cpu_milli = plans[k].cpu_milli,
                                     .mem_bytes = plans[k].mem_bytes};
                te->started = pf_runtime_start(app->rt, &spec, &te->st, &e) == 0;
            }
            pf_job_plans_free(plans, np);
        }
        if (strcmp(j->row.status, PF_ST_RUNNING) != 0 && !terminating)
            mgr_transition(&r->t, j, PF_ST_RUNNING, "job is running");
        if (terminating) mgr_stop_tasks(app, j);
    } else if (terminating) {
        mgr_transition(&r->t, j, PF_ST_TERMINATED, "job is terminated");
        mgr_drop_job(m, j);
    } else if (j->ntasks == 0) {
        mgr_drop_job(m, j); /* waits in init (see EV_CREATED) */
    } else {
        r->queued++;
        drop_tasks(j);
        if (strcmp(j->row.status, PF_ST_PENDING) == 0) /* what it says already: not rewritten */
            snprintf(j->wait_msg, sizeof j->wait_msg, "%s", j->row.message);
        pf_sched_submit(app->sched, j->row.id, j->row.queue, j->row.priority, j->row.pk,
                        &need);
        park_config(j);
    }
    return 0;
}

static void recover(pf_app *app)
{
    recovering r = {.app = app};
    pf_error e;
    if (pf_job_each_unfinished(pf_store_reader(app->store), recover_one, &r, &e) != 0)
        pf_logerr("recovery: %s", e.message);
    wf_save_dirty(app->jobs, &r.t);
    tx_commit(app, &r.t);
    tx_free(&r.t);
    if (r.n)
        pf_info("recovery: %d unfinished jobs, %d re-adopted, %d scheduled again", r.n,
                r.adopted, r.queued);
}

int pf_jobs_start(pf_app *app, pf_error *e)
{
    struct pf_jobsvc *m = calloc(1, sizeof *m);
    if (!m) return pf_fail(e, "InternalError", "out of memory");
    m->app = app;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    app->jobs = m;
    char root[4200];
    snprintf(root, sizeof root, "%s/tasks", app->cfg.data_dir);
    app->rt = pf_local_runtime_new(root, app->cfg.shim_path, on_task_exit, app, e);
    if (!app->rt) {
        free(m);
        app->jobs = NULL;
        return -1;
    }
    pf_resources cap;
    detect_capacity(&app->cfg, &cap);
    app->sched = pf_sched_new(&cap);
    pf_sched_set_waker(app->sched, wake, m);
    char cpu[PF_QUANTITY_STR], mem[PF_QUANTITY_STR];
    pf_quantity_format_cpu(cap.cpu, cpu);
    pf_quantity_format_mem(cap.memory, mem);
    pf_info("local runtime: %s; machine capacity for admission: cpu %s, memory %s",
            pf_runtime_cgroup_mode(app->rt), cpu, mem);
    recover(app);
    m->next_cleanup = pf_now_ms() + pf_cleanup_interval_ms(app);
    pthread_create(&m->thread, NULL, manager_main, app);
    pthread_setname_np(m->thread, "pf-manager");
    wake(m);
    return 0;
}

void pf_jobs_stop(pf_app *app)
{
    struct pf_jobsvc *m = app->jobs;
    if (!m) return;
    pthread_mutex_lock(&m->mu);
    m->stopping = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->thread, NULL);
    pf_runtime_free(app->rt); /* tasks keep running: a restarted server adopts them */
    app->rt = NULL;
    for (event *ev = m->head; ev;) {
        event *next = ev->next;
        free_event(ev);
        ev = next;
    }
    for (int b = 0; b < NBUCKETS; b++)
        while (m->jobs[b]) mgr_drop_job(m, m->jobs[b]);
    free(m->dirty);
    pf_sched_free(app->sched);
    app->sched = NULL;
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
    app->jobs = NULL;
}
