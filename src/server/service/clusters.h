/* clusters.h — clusters (api.md §6.3 with section 0), root only. A queue belongs to a cluster
 * and the cluster's type picks the runtime: "local"/"Local" clusters run jobs on this host;
 * jobs of queues on Kubernetes/K3S clusters wait until such a runtime exists. */
#ifndef PF_SERVICE_CLUSTERS_H
#define PF_SERVICE_CLUSTERS_H

#include <jansson.h>

#include "base/err.h"
#include "server/service/app.h"
#include "server/store/clusters.h"

typedef struct pf_cluster_req {
    const char *name, *description, *endpoint, *source, *cluster_type, *version, *status,
        *credential, *setting; /* borrowed from the body; "" when absent */
    json_t *namespace_list;    /* borrowed array of strings, NULL when absent */
} pf_cluster_req;

/* Decodes a POST/PUT /cluster body (api.md §1.3). The body must outlive r. */
int pf_cluster_req_decode(const json_t *body, pf_cluster_req *r, pf_error *e);

/* POST /cluster → the cluster object. */
json_t *pf_clusters_create(pf_app *app, const pf_caller *c, const pf_cluster_req *r, pf_error *e);
/* GET /cluster. names: "a,b" filter (NULL = all); status: exact filter (NULL = any). */
json_t *pf_clusters_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                         const char *names, const char *status, pf_error *e);
json_t *pf_clusters_show(pf_app *app, const pf_caller *c, const char *name, pf_error *e);
/* PUT /cluster/{name} → the updated cluster object. */
json_t *pf_clusters_update(pf_app *app, const pf_caller *c, const char *name,
                           const pf_cluster_req *r, pf_error *e);
/* DELETE /cluster/{name}: refused while a queue of it has active jobs; deletes its queues. */
int pf_clusters_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e);

/* The cluster object of api.md §6.3. New reference. */
json_t *pf_cluster_json(const pf_cluster *cl);

#endif
