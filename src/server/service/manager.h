/* manager.h — private to the job manager (jobs.c, job_batch.c, job_wf.c): its in-memory
 * view of unfinished jobs and the batch of store writes one manager round makes. Everything
 * here runs on the manager thread only, except the event queue (jobs.c) which is locked. */
#ifndef PF_SERVICE_MANAGER_H
#define PF_SERVICE_MANAGER_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "base/resources.h"
#include "server/runtime/runtime.h"
#include "server/service/app.h"
#include "server/service/job_tasks.h"
#include "server/store/jobs.h"

struct pf_wf;
struct pf_wf_state;

typedef struct task_ent {
    char name[256];
    char role[16];
    int index;
    bool started, exited;
    pf_task_status st;
    /* workflow nodes only: the node, and what to run once the scheduler admits it */
    char node_id[160];
    char *command;
    char **env;
    bool queued;
} task_ent;

typedef struct job_ent {
    pf_job_row row; /* owned copy (config used for planning) */
    task_ent *tasks; /* made when the job is admitted (or re-adopted): see make_tasks */
    int ntasks, cap_tasks;
    pf_job_role *roles; /* owned: what its tasks will be (none for workflows) */
    int nroles;
    bool admitted;  /* resources held, tasks started (or being started) */
    bool stopping;  /* user stop: tasks are being killed */
    bool finishing; /* outcome decided (failed or completed), remaining tasks being stopped */
    char outcome[16];
    char message[512];
    char wait_msg[320];
    /* workflow jobs: the parsed workflow, its engine state, what each node task needs */
    struct pf_wf *wf;
    struct pf_wf_state *wfst;
    pf_resources *node_need; /* owned; a pf_resources is 2 KiB and most jobs are not workflows */
    bool node_limits;        /* the job has a flavour: node tasks are limited to node_need */
    char wf_status[16];
    bool wf_dirty; /* its engine state is to be written this round */
    struct pf_jobsvc *mgr;
    struct job_ent *next;
} job_ent;

typedef enum { EV_CREATED, EV_EXIT, EV_STOP, EV_PRIORITY } ev_kind;

typedef struct event {
    ev_kind kind;
    char id[256]; /* job id, or task name for EV_EXIT */
    char priority[16];
    pf_task_status *st; /* EV_EXIT, owned: most events are creates, and it is 1.5 KiB */
    pf_job_row row;     /* EV_CREATED: config NULL but for workflows */
    pf_job_shape shape; /* EV_CREATED */
    struct event *next;
} event;

#define NBUCKETS 4096

struct pf_jobsvc {
    pf_app *app;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping, woken;
    event *head, *tail;
    job_ent *jobs[NBUCKETS]; /* unfinished jobs by id (manager thread only) */
    int nworkflows;          /* of them workflow jobs: no deadline scan over the rest when 0 */
    int64_t next_cleanup;    /* when deleted jobs' files are next looked at */
    job_ent **dirty;         /* workflows whose engine state changed this round */
    size_t ndirty, capdirty;
};

/* ---- the job table ---- */
job_ent *mgr_find_job(struct pf_jobsvc *m, const char *id);
void mgr_drop_job(struct pf_jobsvc *m, job_ent *j);
/* The job and task of a task name ("<jobid>-<role>-<index>"), or NULL. */
job_ent *mgr_job_of_task(struct pf_jobsvc *m, const char *task, task_ent **te);
/* Appends a task (workflow nodes are created as the workflow runs). */
task_ent *mgr_add_task(job_ent *j, const char *role, int index);
/* Asks the runtime to stop every started, unfinished task of j. */
void mgr_stop_tasks(pf_app *app, job_ent *j);

/* ---- one round's writes (job_batch.c): applied in order in one transaction ---- */
typedef struct tx_item {
    char id[64];
    char status[16]; /* "" = no transition (a copy: the job may be gone by commit) */
    char message[512];
    char result[16]; /* the status really written (after the guard) */
    bool has_task;   /* a task row to write */
    int64_t job_pk;
    char task[256], role[16], task_status[16];
    int index;
    json_t *info;
    json_t *runtime; /* a runtime state to write (workflow engine state) */
} tx_item;

typedef struct tx {
    tx_item *v;
    size_t n, cap;
} tx;

tx_item *tx_add(tx *t, const char *id);
void tx_commit(pf_app *app, tx *t);
void tx_free(tx *t);
void mgr_transition(tx *t, const job_ent *j, const char *status, const char *message);
void mgr_task_row(tx *t, const job_ent *j, const task_ent *te);

/* ---- retention (job_cleanup.c) ---- */
/* Removes a task's files: its directory in the runtime and its workflow script. */
int pf_cleanup_task_files(pf_app *app, const char *name, pf_error *e);
int64_t pf_cleanup_interval_ms(const pf_app *app);
void pf_cleanup_deleted_jobs(pf_app *app);

/* ---- workflow jobs (job_wf.c) ---- */
/* Parses the job's workflow and creates (or restores from row.runtime) its state. */
int wf_job_init(job_ent *j, pf_error *e);
/* Steps the engine and carries out its actions; true when the job has ended. */
bool wf_job_advance(pf_app *app, tx *t, job_ent *j);
/* A node task ended; true when the job has ended. */
bool wf_task_exited(pf_app *app, tx *t, job_ent *j, task_ent *te);
/* The scheduler admitted a node task: start it. True when the job has ended (the node
 * could not start and that ended the workflow). */
bool wf_task_admitted(pf_app *app, tx *t, job_ent *j, task_ent *te);
/* User stop; true when the job has ended. */
bool wf_job_stop(pf_app *app, tx *t, job_ent *j);
/* After a restart: re-adopt or re-queue the unfinished nodes, then advance. */
bool wf_job_recover(pf_app *app, tx *t, job_ent *j);
/* Earliest engine deadline (ms) of j, INT64_MAX if none. */
int64_t wf_next_deadline(const job_ent *j);
void wf_job_free(job_ent *j);
/* Adds this round's changed engine states to the batch (once per workflow). */
void wf_save_dirty(struct pf_jobsvc *m, tx *t);
/* A job leaving the table must leave the dirty list too. */
void wf_forget_dirty(struct pf_jobsvc *m, job_ent *j);

#endif
