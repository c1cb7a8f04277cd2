/* router.c — the route table of api.md (paths relative to /api/paddleflow/v1).
 * "{}" matches one path segment and becomes a positional parameter. Unknown path → 404
 * PathNotFound; known path with another method → 405 MethodNotAllowed (api.md §1.7). */
#include "server/http/router.h"

#include <string.h>

typedef struct {
    const char *method;
    const char *pattern;
    pf_handler handler;
    bool quick; /* never waits (a read, or a write answered later): runs on an event loop */
} route;

static const route ROUTES[] = {
    {"POST", "/login", pf_h_login, false},
    {"POST", "/login/", pf_h_login, false},
    {"GET", "/version", pf_h_version, true},
    {"POST", "/user", pf_h_user_create, false},
    {"GET", "/user", pf_h_user_list, false},
    {"PUT", "/user/{}", pf_h_user_update, false},
    {"DELETE", "/user/{}", pf_h_user_delete, false},
    {"POST", "/queue", pf_h_queue_create, false},
    {"GET", "/queue", pf_h_queue_list, false},
    {"GET", "/queue/{}", pf_h_queue_show, true},
    {"PUT", "/queue/{}", pf_h_queue_update, false},
    {"DELETE", "/queue/{}", pf_h_queue_delete, false},
    {"POST", "/grant", pf_h_grant_create, false},
    {"GET", "/grant", pf_h_grant_list, false},
    {"DELETE", "/grant", pf_h_grant_delete, false},
    {"POST", "/flavour", pf_h_flavour_create, false},
    {"GET", "/flavour", pf_h_flavour_list, false},
    {"GET", "/flavour/{}", pf_h_flavour_show, true},
    {"PUT", "/flavour/{}", pf_h_flavour_update, false},
    {"DELETE", "/flavour/{}", pf_h_flavour_delete, false},
    {"POST", "/cluster", pf_h_cluster_create, false},
    {"GET", "/cluster", pf_h_cluster_list, false},
    {"GET", "/cluster/{}", pf_h_cluster_show, true},
    {"PUT", "/cluster/{}", pf_h_cluster_update, false},
    {"DELETE", "/cluster/{}", pf_h_cluster_delete, false},
    {"POST", "/fs", pf_h_fs_create, false},
    {"GET", "/fs", pf_h_fs_list, false},
    {"GET", "/fs/{}", pf_h_fs_show, true},
    {"DELETE", "/fs/{}", pf_h_fs_delete, false},
    {"POST", "/job/single", pf_h_job_create_single, true},
    {"POST", "/job/distributed", pf_h_job_create_distributed, true},
    {"POST", "/job/workflow", pf_h_job_create_workflow, true},
    {"GET", "/job", pf_h_job_list, false},
    {"GET", "/job/{}", pf_h_job_show, true},
    {"PUT", "/job/{}", pf_h_job_put, false},
    {"DELETE", "/job/{}", pf_h_job_delete, false},
    {"GET", "/log/job", pf_h_log_job, false},
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

/* The route of method+path (NULL when none), with whether the path exists at all. */
static const route *find(pf_req *r, bool *path_known)
{
    static __thread char scratch[4096];
    *path_known = false;
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        if (!match(ROUTES[i].pattern, r->path, r, scratch, sizeof scratch)) continue;
        *path_known = true;
        if (strcmp(ROUTES[i].method, r->method) == 0) return &ROUTES[i];
    }
    return NULL;
}

pf_route_result pf_route(pf_req *r, pf_handler *out)
{
    bool path_known;
    const route *rt = find(r, &path_known);
    if (rt) *out = rt->handler;
    return rt ? PF_ROUTE_OK : path_known ? PF_ROUTE_NO_METHOD : PF_ROUTE_NO_PATH;
}

bool pf_route_is_quick(const char *method, const char *path)
{
    pf_req r = {.method = method, .path = path};
    bool path_known;
    const route *rt = find(&r, &path_known);
    return rt && rt->quick;
}
