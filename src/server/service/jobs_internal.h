/* jobs_internal.h — what the job service's files share: the job manager's entry points
 * (service/jobs.c), the wire rendering of jobs (job_view.c), workflow checks. */
#ifndef PF_SERVICE_JOBS_INTERNAL_H
#define PF_SERVICE_JOBS_INTERNAL_H

#include <jansson.h>

#include "base/err.h"
#include "server/service/app.h"
#include "server/service/job_tasks.h"
#include "server/store/jobs.h"

/* Tells the manager about a job just committed (status init): it will be scheduled. Takes
 * the row's and the shape's contents (both left zeroed). row->config may be NULL (the shape
 * says what the manager needs); a workflow's spec travels whole: the manager parses it. */
void pf_jobs_on_created(pf_app *app, pf_job_row *row, pf_job_shape *shape);
/* A committed priority change of a waiting job. */
void pf_jobs_on_priority(pf_app *app, const char *id, const char *priority);
/* A committed stop: the manager stops the job's tasks, or ends it when none run. */
void pf_jobs_on_stop(pf_app *app, const char *id);

/* Workflow create-time validation (the Argo subset we run). */
int pf_jobs_check_workflow(const json_t *req, pf_error *e);

/* The job object of api.md §3.12 (D6, D7). with_runtime adds runtime views (show). */
json_t *pf_job_view(pf_app *app, const pf_job_row *row, bool with_runtime);

/* Task names: "<jobid>-<role>-<index>". */
void pf_task_name(const char *job_id, const char *role, int index, char *out, size_t len);

#endif
