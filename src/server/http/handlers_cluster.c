/* handlers_cluster.c — clusters: HTTP <-> service mapping only (api.md §6.3). */
#include "base/json.h"
#include "server/http/router.h"
#include "server/service/app.h"
#include "server/service/clusters.h"

void pf_h_cluster_create(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_cluster_req cr;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_cluster_req_decode(body, &cr, &e) == 0)
        out = pf_clusters_create(r->app, &c, &cr, &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    json_decref(body);
}

void pf_h_cluster_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out =
        pf_clusters_list(r->app, &c, pf_req_query(r, "marker"), pf_req_query(r, "maxKeys"),
                         pf_req_query(r, "clusterNames"), pf_req_query(r, "clusterStatus"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_cluster_show(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out = pf_clusters_show(r->app, &c, r->params[0], &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_cluster_update(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_cluster_req cr;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_cluster_req_decode(body, &cr, &e) == 0)
        out = pf_clusters_update(r->app, &c, r->params[0], &cr, &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    json_decref(body);
}

void pf_h_cluster_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply(r, w, pf_clusters_delete(r->app, &c, r->params[0], &e), NULL, &e);
}
