/* jobs.h — the job service: create/show/list/update/stop/delete (api.md §3, §4 with
 * section 0) and the lifecycle that drives jobs through the scheduler and the runtime. */
#ifndef PF_SERVICE_JOBS_H
#define PF_SERVICE_JOBS_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "server/service/app.h"

/* Starts the runtime and the scheduler, re-adopting work that outlived a previous server. */
int pf_jobs_start(pf_app *app, pf_error *e);
/* Stops the scheduler and detaches from the runtime (tasks keep running). */
void pf_jobs_stop(pf_app *app);

/* What an asynchronous create learns once its job is committed (rc 0) or refused. */
typedef void (*pf_job_created_fn)(void *arg, int rc, const char *id, const pf_error *e);
/* POST /job/{type}: body is the raw request. Validates it on the calling thread; the insert
 * joins the next group commit. done runs exactly once: on the store's writer thread right
 * after that commit, or on the calling thread before this returns when validation fails. */
void pf_jobs_create_async(pf_app *app, const pf_caller *c, const char *type, const char *body,
                          size_t len, pf_job_created_fn done, void *arg);
/* The same, waiting for the commit. Fills id_out. */
int pf_jobs_create(pf_app *app, const pf_caller *c, const char *type, const char *body,
                   size_t len, char id_out[64], pf_error *e);
json_t *pf_jobs_show(pf_app *app, const pf_caller *c, const char *id, pf_error *e);

typedef struct pf_job_query {
    const char *status, *timestamp, *start_time, *queue, *labels, *max_keys, *marker;
} pf_job_query;
json_t *pf_jobs_list(pf_app *app, const pf_caller *c, const pf_job_query *q, pf_error *e);

int pf_jobs_update(pf_app *app, const pf_caller *c, const char *id, const char *body,
                   size_t len, pf_error *e);
int pf_jobs_stop_job(pf_app *app, const pf_caller *c, const char *id, pf_error *e);
int pf_jobs_delete(pf_app *app, const pf_caller *c, const char *id, pf_error *e);

#endif
