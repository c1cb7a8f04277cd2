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

/* What the job manager needs of a job's spec to queue it: the total need (Σ flavour ×
 * replicas over its members) and each member's role and replicas. The HTTP loop that built
 * the spec computes it, so the spec itself (a JSON tree of ~150 allocations) is freed by the
 * thread that made it rather than by the manager. */
typedef struct pf_job_role {
    char role[16];
    int replicas;
} pf_job_role;

typedef struct pf_job_shape {
    pf_res_packed need;
    pf_job_role *roles; /* owned */
    int nroles;
} pf_job_shape;

void pf_job_shape_of(const json_t *config, pf_job_shape *out);
void pf_job_shape_clear(pf_job_shape *s);
/* One plan per replica of every member, in member order. *plans malloc'd.
 * Distributed jobs get a port per replica: reused from endpoints (a PF_TASK_ENDPOINTS value
 * recorded when the job was first started, so replicas started after a crash share the
 * running ones' view) when given, else freshly picked; *endpoints_out (may be NULL; malloc'd,
 * NULL for other jobs) receives the value the plans use. */
int pf_job_plan_tasks(const pf_job_row *job, const char *endpoints, pf_task_plan **plans, int *n,
                      char **endpoints_out, pf_error *e);
void pf_job_plans_free(pf_task_plan *plans, int n);
/* The roles whose success completes the job (worker; spark: driver; ray/mpi: master). */
bool pf_role_completes_job(const char *framework, const char *role);

#endif
