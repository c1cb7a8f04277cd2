/* job_request.h — decoding a job create request (api.md §3.1–§3.4) into the normalised
 * spec the server stores: canonical camelCase keys (input keys match case-insensitively),
 * nulls dropped, every value type-checked (MalformedJSON otherwise), plus the context-free
 * validations of §3.2 (id, name, priority, port, framework and roles). Lookups that need
 * the store (queue, flavour, fs) are the service's job. */
#ifndef PF_MODEL_JOB_REQUEST_H
#define PF_MODEL_JOB_REQUEST_H

#include <jansson.h>

#include "base/err.h"

#define PF_JOB_SINGLE "single"
#define PF_JOB_DISTRIBUTED "distributed"
#define PF_JOB_WORKFLOW "workflow"

/* Type-checks and normalises body for a job type. Returns a new object:
 *   {id?, name?, labels?, annotations?, schedulingPolicy:{queue?, priority?},
 *    framework?, members:[member...], extensionTemplate?}
 * where a member is {role, replicas, id?, name?, flavour?, limitFlavour?, fs?, extraFS?,
 *   image?, env?, command?, args?, port?, schedulingPolicy?, labels?, annotations?}.
 * A single job's top-level spec becomes its one worker member. Errors: MalformedJSON. */
json_t *pf_job_request_decode(const json_t *body, const char *type, pf_error *e);

/* The context-free checks of §3.2 steps 1, 2, 4, 5 and the member checks of the normal
 * path (role, replicas, port, image) and role counts. Messages as upstream; code
 * JobCreateFailed. Fills *mode with "PS", "Collective" or "" (PF_JOB_MODE). */
int pf_job_request_check_basics(const json_t *req, const char *type, pf_error *e);
int pf_job_request_check_members(json_t *req, const char *type, const char **mode,
                                 pf_error *e);

/* §3.2 step 4 on the job's schedulingPolicy.priority. */
int pf_job_request_priority(const json_t *req, pf_error *e);

/* "LOW|NORMAL|HIGH" (any case, "" = NORMAL) → upper case; update also allows VERY_*. */
const char *pf_priority_normalise(const char *p, int allow_very);

#endif
