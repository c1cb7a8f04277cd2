/* job_tasks.h — turning a stored job into task specs for the runtime: task names, command
 * lines, working directories and the environment each task gets (docs/jobs.md lists it). */
#ifndef PF_SERVICE_JOB_TASKS_H
#define PF_SERVICE_JOB_TASKS_H

#include <jansson.h>

#include "base/resources.h"
#include "server/runtime/runtime.h"
#include "server/store/jobs.h"

typedef struct pf_task_plan {
    char name[256];
    char role[16];
    int index;
    char *command;   /* owned */
    char *workdir;   /* owned, NULL = task dir */
    char **env;      /* owned, NULL-terminated */
    int64_t cpu_milli, mem_bytes;
} pf_task_plan;

/* Total resources of a job: Σ flavour × replicas over its members. */
void pf_job_need(const json_t *config, pf_resources *out);
/* One plan per replica of every member, in member order. *plans malloc'd. */
int pf_job_plan_tasks(const pf_job_row *job, pf_task_plan **plans, int *n, pf_error *e);
void pf_job_plans_free(pf_task_plan *plans, int n);
/* The roles whose success completes the job (worker; spark: driver; ray/mpi: master). */
bool pf_role_completes_job(const char *framework, const char *role);

#endif
