/* queues.h — queues (api.md §6.1 with section 0): create/list/show/update/delete, the checks
 * and codes of upstream in its order, usedResources/idleResources from the scheduler.
 *
 * Request bodies are decoded first (pf_queue_req_decode) so that every type mismatch is a
 * 400 MalformedJSON before any rule runs, as Go's typed decoding does. */
#ifndef PF_SERVICE_QUEUES_H
#define PF_SERVICE_QUEUES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "server/service/app.h"
#include "server/store/queues.h"

/* A request ResourceInfo {"cpu","mem","scalarResources"}: strings borrowed from the body. */
typedef struct pf_res_req {
    bool present;
    const char *cpu, *mem; /* NULL when absent */
    json_t *scalars;       /* owned object of strings, NULL when absent */
} pf_res_req;

typedef struct pf_queue_req {
    const char *name, *namespace_, *cluster_name, *quota_type; /* "" when absent */
    pf_res_req max, min;
    json_t *location;          /* owned object of strings, NULL when absent */
    json_t *scheduling_policy; /* borrowed array of strings, NULL when absent */
} pf_queue_req;

/* Decodes a POST/PUT /queue body (api.md §1.3). The body must outlive r. */
int pf_queue_req_decode(const json_t *body, pf_queue_req *r, pf_error *e);
void pf_queue_req_clear(pf_queue_req *r);

/* POST /queue → {"name"}. */
json_t *pf_queues_create(pf_app *app, const pf_caller *c, const pf_queue_req *r, pf_error *e);
/* GET /queue: root sees all, others the queues granted to them. name: exact filter or NULL. */
json_t *pf_queues_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                       const char *name, pf_error *e);
/* GET /queue/{name}: the queue with usedResources/idleResources, rendered (malloc'd JSON). */
char *pf_queues_show(pf_app *app, const pf_caller *c, const char *name, pf_error *e);
/* PUT /queue/{name}: merges r into the queue; returns the updated queue. */
json_t *pf_queues_update(pf_app *app, const pf_caller *c, const char *name, const pf_queue_req *r,
                         pf_error *e);
/* DELETE /queue/{name}: refused while jobs use it; also deletes its grants. */
int pf_queues_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e);

/* The queue object of api.md §6.1; used/idle only when used is non-NULL. New reference. */
json_t *pf_queue_json(const pf_queue *q, const pf_resources *used);

/* Kubernetes IsDNS1123Label: true when s is a valid label; otherwise why gets the reasons
 * joined by "," (upstream's wording). */
bool pf_dns1123_label(const char *s, char *why, size_t why_len);

#endif
