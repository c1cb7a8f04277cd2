/* router.c — the route table of api.md (paths relative to /api/paddleflow/v1).
 * "{}" matches one path segment and becomes a positional parameter. Unknown path → 404
 * PathNotFound; known path with another method → 405 MethodNotAllowed (api.md §1.7). */
#include "server/http/router.h"

#include <string.h>

typedef struct {
    const char *method;
    const char *pattern;
    pf_handler handler;
} route;

static const route ROUTES[] = {
    {"POST", "/login", pf_h_login},
    {"POST", "/login/", pf_h_login},
    {"GET", "/version", pf_h_version},
    {"POST", "/user", pf_h_user_create},
    {"GET", "/user", pf_h_user_list},
    {"PUT", "/user/{}", pf_h_user_update},
    {"DELETE", "/user/{}", pf_h_user_delete},
    {"POST", "/queue", pf_h_queue_create},
    {"GET", "/queue", pf_h_queue_list},
    {"GET", "/queue/{}", pf_h_queue_show},
    {"PUT", "/queue/{}", pf_h_queue_update},
    {"DELETE", "/queue/{}", pf_h_queue_delete},
    {"POST", "/grant", pf_h_grant_create},
    {"GET", "/grant", pf_h_grant_list},
    {"DELETE", "/grant", pf_h_grant_delete},
    {"POST", "/flavour", pf_h_flavour_create},
    {"GET", "/flavour", pf_h_flavour_list},
    {"GET", "/flavour/{}", pf_h_flavour_show},
    {"PUT", "/flavour/{}", pf_h_flavour_update},
    {"DELETE", "/flavour/{}", pf_h_flavour_delete},
    {"POST", "/cluster", pf_h_cluster_create},
    {"GET", "/cluster", pf_h_cluster_list},
    {"GET", "/cluster/{}", pf_h_cluster_show},
    {"PUT", "/cluster/{}", pf_h_cluster_update},
    {"DELETE", "/cluster/{}", pf_h_cluster_delete},
    {"POST", "/fs", pf_h_fs_create},
    {"GET", "/fs", pf_h_fs_list},
    {"GET", "/fs/{}", pf_h_fs_show},
    {"DELETE", "/fs/{}", pf_h_fs_delete},
    {"POST", "/job/single", pf_h_job_create_single},
    {"POST", "/job/distributed", pf_h_job_create_distributed},
    {"POST", "/job/workflow", pf_h_job_create_workflow},
    {"GET", "/job", pf_h_job_list},
    {"GET", "/job/{}", pf_h_job_show},
    {"PUT", "/job/{}", pf_h_job_put},
    {"DELETE", "/job/{}", pf_h_job_delete},
    {"GET", "/log/job", pf_h_log_job},
};

/* Matches path against pattern; on success records {} segments (pointing into r's copy). */
static bool match(const char *pattern, const char *path, pf_req *r, char *scratch, size_t cap)
{
    int n = 0;
    size_t used = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/') return false;
        p++, s++;
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
        if (pl == 2 && p[0] == '{' && p[1] == '}') {
            if (sl == 0 || n >= PF_MAX_PARAMS || used + sl + 1 > cap) return false;
            memcpy(scratch + used, s, sl);
            scratch[used + sl] = '\0';
            r->params[n++] = scratch + used;
            used += sl + 1;
        } else if (pl != sl || memcmp(p, s, pl) != 0) {
            return false;
        }
        p += pl, s += sl;
    }
    if (*p || *s) return false;
    r->nparams = n;
    return true;
}

pf_route_result pf_route(pf_req *r, pf_handler *out)
{
    static __thread char scratch[4096];
    bool path_known = false;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        if (!match(ROUTES[i].pattern, r->path, r, scratch, sizeof scratch)) continue;
        path_known = true;
        if (strcmp(ROUTES[i].method, r->method) == 0) {
            *out = ROUTES[i].handler;
            return PF_ROUTE_OK;
        }
    }
    return path_known ? PF_ROUTE_NO_METHOD : PF_ROUTE_NO_PATH;
}
