/* router.h — the route table: method + path pattern → handler. */
#ifndef PF_HTTP_ROUTER_H
#define PF_HTTP_ROUTER_H

#include "server/http/http.h"

typedef void (*pf_handler)(pf_req *r, pf_resp *w);

typedef enum { PF_ROUTE_OK, PF_ROUTE_NO_PATH, PF_ROUTE_NO_METHOD } pf_route_result;

/* Finds the handler for method+path, filling r->params. */
pf_route_result pf_route(pf_req *r, pf_handler *out);
/* Is method+path a quick route (answered on an event loop, server.h)? */
bool pf_route_is_quick(const char *method, const char *path);

/* Handler groups, one file each (handlers_<group>.c). */
void pf_h_login(pf_req *r, pf_resp *w);
void pf_h_version(pf_req *r, pf_resp *w);
void pf_h_user_create(pf_req *r, pf_resp *w);
void pf_h_user_list(pf_req *r, pf_resp *w);
void pf_h_user_update(pf_req *r, pf_resp *w);
void pf_h_user_delete(pf_req *r, pf_resp *w);
void pf_h_queue_create(pf_req *r, pf_resp *w);
void pf_h_queue_list(pf_req *r, pf_resp *w);
void pf_h_queue_show(pf_req *r, pf_resp *w);
void pf_h_queue_update(pf_req *r, pf_resp *w);
void pf_h_queue_delete(pf_req *r, pf_resp *w);
void pf_h_grant_create(pf_req *r, pf_resp *w);
void pf_h_grant_list(pf_req *r, pf_resp *w);
void pf_h_grant_delete(pf_req *r, pf_resp *w);
void pf_h_flavour_create(pf_req *r, pf_resp *w);
void pf_h_flavour_list(pf_req *r, pf_resp *w);
void pf_h_flavour_show(pf_req *r, pf_resp *w);
void pf_h_flavour_update(pf_req *r, pf_resp *w);
void pf_h_flavour_delete(pf_req *r, pf_resp *w);
void pf_h_cluster_create(pf_req *r, pf_resp *w);
void pf_h_cluster_list(pf_req *r, pf_resp *w);
void pf_h_cluster_show(pf_req *r, pf_resp *w);
void pf_h_cluster_update(pf_req *r, pf_resp *w);
void pf_h_cluster_delete(pf_req *r, pf_resp *w);
void pf_h_fs_create(pf_req *r, pf_resp *w);
void pf_h_fs_list(pf_req *r, pf_resp *w);
void pf_h_fs_show(pf_req *r, pf_resp *w);
void pf_h_fs_delete(pf_req *r, pf_resp *w);
void pf_h_job_create_single(pf_req *r, pf_resp *w);
void pf_h_job_create_distributed(pf_req *r, pf_resp *w);
void pf_h_job_create_workflow(pf_req *r, pf_resp *w);
void pf_h_job_list(pf_req *r, pf_resp *w);
void pf_h_job_show(pf_req *r, pf_resp *w);
void pf_h_job_put(pf_req *r, pf_resp *w);
void pf_h_job_delete(pf_req *r, pf_resp *w);
void pf_h_log_job(pf_req *r, pf_resp *w);

#endif
