/* clusters.c — cluster rules: order and messages of upstream's controller (api.md §6.3), with
 * D10 ([] for empty lists) and D14: field validation failures are 400
 * InvalidClusterProperties (upstream answers 500 InternalError), an unknown cluster on show
 * is 400 ClusterNotFound (upstream: 500 with code ""). */
#include "server/service/clusters.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ids.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "server/sched/sched.h"
#include "server/service/paging.h"
#include "server/service/queues.h"
#include "server/store/store.h"

#define PROPS "InvalidClusterProperties"
#define NAME_RULE "^[A-Za-z0-9_][A-Za-z0-9-_]{0,253}[A-Za-z0-9_]$"

static const char *const CLUSTER_TYPES[] = {"Kubernetes", "K3S", "Local", "local"};

int pf_cluster_req_decode(const json_t *body, pf_cluster_req *r, pf_error *e)
{
    memset(r, 0, sizeof *r);
    r->name = r->description = r->endpoint = r->source = r->cluster_type = r->version = r->status =
        r->credential = r->setting = "";
    if (pf_json_str(body, "clusterName", &r->name, e) ||
        pf_json_str(body, "description", &r->description, e) ||
        pf_json_str(body, "endpoint", &r->endpoint, e) ||
        pf_json_str(body, "source", &r->source, e) ||
        pf_json_str(body, "clusterType", &r->cluster_type, e) ||
        pf_json_str(body, "version", &r->version, e) ||
        pf_json_str(body, "status", &r->status, e) ||
        pf_json_str(body, "credential", &r->credential, e) ||
        pf_json_str(body, "setting", &r->setting, e) ||
        pf_json_strlist(body, "namespaceList", &r->namespace_list, e))
        return -1;
    return 0;
}

json_t *pf_cluster_json(const pf_cluster *cl)
{
    char ct[PF_TIME_STR], ut[PF_TIME_STR];
    pf_format_local(cl->created_at, ct);
    pf_format_local(cl->updated_at, ut);
    json_t *o = json_object();
    pf_json_set_str(o, "id", cl->id);
    pf_json_set_str(o, "clusterName", cl->name);
    pf_json_set_str(o, "description", cl->description);
    pf_json_set_str(o, "endpoint", cl->endpoint);
    pf_json_set_str(o, "source", cl->source);
    pf_json_set_str(o, "clusterType", cl->cluster_type);
    pf_json_set_str(o, "version", cl->version);
    pf_json_set_str(o, "status", cl->status);
    pf_json_set_str(o, "credential", cl->credential);
    pf_json_set_str(o, "setting", cl->setting);
    json_object_set_new(o, "namespaceList",
                        cl->namespace_list ? json_deep_copy(cl->namespace_list) : json_array());
    pf_json_set_str(o, "createTime", ct);
    pf_json_set_str(o, "updateTime", ut);
    return o;
}

/* ---- field rules (upstream trims every string field first) ---- */

static size_t trim(const char *s, const char **start)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    *start = s;
    return n;
}

static int copy_trim(char *dst, size_t cap, const char *src, const char *what, pf_error *e)
{
    const char *s;
    size_t n = trim(src, &s);
    if (n >= cap) return pf_fail(e, PROPS, "%s must be at most %zu characters", what, cap - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static char *dup_trim(const char *src)
{
    const char *s;
    size_t n = trim(src, &s);
    return strndup(s, n);
}

static void replace_str(char **dst, const char *src)
{
    free(*dst);
    *dst = dup_trim(src);
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 255) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool edge = i == 0 || i == n - 1;
        if (!isalnum(ch) && ch != '_' && (edge || ch != '-')) return false;
    }
    return true;
}

static int check_type(const char *t, pf_error *e)
{
    if (!*t) return pf_fail(e, PROPS, "ClusterType should not be empty");
    for (size_t i = 0; i < sizeof CLUSTER_TYPES / sizeof CLUSTER_TYPES[0]; i++)
        if (strcmp(t, CLUSTER_TYPES[i]) == 0) return 0;
    return pf_fail(e, PROPS, "ClusterType [%s] is invalid: use Kubernetes, K3S or Local", t);
}

static int check_status(const char *s, pf_error *e)
{
    if (strcmp(s, "online") == 0 || strcmp(s, "offline") == 0) return 0;
    return pf_fail(e, PROPS, "clusterStatus can only be 'online' or 'offline'");
}

static int check_namespaces(const json_t *list, pf_error *e)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        char why[512];
        if (!pf_dns1123_label(json_string_value(v), why, sizeof why))
            return pf_fail(e, PROPS, "namespace[%s] is invalid, err: %s", json_string_value(v),
                           why);
    }
    return 0;
}

static int check_version(const pf_cluster *cl, pf_error *e)
{
    if (strcmp(cl->cluster_type, "Kubernetes") == 0 && !*cl->version)
        return pf_fail(e, PROPS, "version of cluster %s should not be empty", cl->cluster_type);
    return 0;
}

/* The fields of a new cluster, in upstream's validation order. */
static int fill_new(const pf_cluster_req *r, pf_cluster *cl, pf_error *e)
{
    cl->endpoint = dup_trim(r->endpoint);
    cl->description = dup_trim(r->description);
    cl->credential = dup_trim(r->credential);
    cl->setting = dup_trim(r->setting);
    cl->namespace_list = r->namespace_list ? json_deep_copy(r->namespace_list) : json_array();
    if (!*cl->endpoint) return pf_fail(e, PROPS, "Endpoint should not be empty");
    if (copy_trim(cl->cluster_type, sizeof cl->cluster_type, r->cluster_type, "clusterType", e) ||
        check_type(cl->cluster_type, e) ||
        copy_trim(cl->version, sizeof cl->version, r->version, "version", e) ||
        check_version(cl, e) || copy_trim(cl->status, sizeof cl->status, r->status, "status", e))
        return -1;
    if (!*cl->status) snprintf(cl->status, sizeof cl->status, "online");
    if (check_status(cl->status, e) || check_namespaces(cl->namespace_list, e) ||
        copy_trim(cl->source, sizeof cl->source, r->source, "source", e))
        return -1;
    if (!*cl->source) snprintf(cl->source, sizeof cl->source, "OnPremise");
    return 0;
}

/* ---- endpoints ---- */

static json_t *show_by_name(pf_app *app, const char *name, pf_error *e)
{
    pf_cluster cl = {0};
    int rc = pf_cluster_get(pf_store_reader(app->store), name, &cl, e);
    if (rc == 1) pf_fail(e, "ClusterNotFound", "cluster[%s] not found", name);
    if (rc != 0) return NULL;
    json_t *out = pf_cluster_json(&cl);
    pf_cluster_clear(&cl);
    return out;
}

static int insert_cluster(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_cluster_insert(db, arg, e);
}

json_t *pf_clusters_create(pf_app *app, const pf_caller *c, const pf_cluster_req *r, pf_error *e)
{
    pf_cluster cl = {0};
    const char *s;
    size_t n = trim(r->name, &s);
    snprintf(cl.name, sizeof cl.name, "%.*s", (int)(n < sizeof cl.name ? n : 0), s);
    if (n >= sizeof cl.name || !name_ok(cl.name)) {
        pf_fail(e, "InvalidNamePattern", "name[%.*s] for [cluster] does not match regex rule[%s]",
                (int)(n > 300 ? 300 : n), s, NAME_RULE);
        return NULL;
    }
    if (!c->root) {
        pf_fail(e, "OnlyRootAllowed", "create cluster failed");
        return NULL;
    }
    int rc = fill_new(r, &cl, e);
    if (rc == 0) {
        pf_short_id("cluster", cl.id, sizeof cl.id);
        rc = pf_store_write(app->store, insert_cluster, &cl, e);
    }
    pf_cluster_clear(&cl);
    return rc == 0 ? show_by_name(app, cl.name, e) : NULL;
}

/* "a, b,,c" → ["a","b","c"] */
static json_t *split_names(const char *csv)
{
    json_t *arr = json_array();
    while (csv && *csv) {
        const char *comma = strchr(csv, ',');
        size_t len = comma ? (size_t)(comma - csv) : strlen(csv);
        char *item = strndup(csv, len), *t = dup_trim(item);
        if (*t) json_array_append_new(arr, json_string(t));
        free(item);
        free(t);
        csv = comma ? comma + 1 : NULL;
    }
    return arr;
}

json_t *pf_clusters_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                         const char *names, const char *status, pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "OnlyRootAllowed", "list cluster failed");
        return NULL;
    }
    int limit;
    int64_t after;
    if (pf_parse_max_keys(max_keys, &limit, e) || pf_marker_decode(app, marker, &after, e))
        return NULL;
    json_t *filter = split_names(names);
    pf_cluster *rows;
    int n;
    int rc = pf_cluster_list(pf_store_reader(app->store), filter, status, after, limit + 1, &rows,
                             &n, e);
    json_decref(filter);
    if (rc != 0) return NULL;
    bool truncated = n > limit;
    int shown = truncated ? limit : n;
    json_t *items = json_array();
    for (int i = 0; i < shown; i++)
        json_array_append_new(items, pf_cluster_json(&rows[i]));
    json_t *out = pf_list_envelope(app, limit, truncated, shown ? rows[shown - 1].pk : 0,
                                   "clusterList", items);
    pf_cluster_list_free(rows, n);
    return out;
}

json_t *pf_clusters_show(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "AccessDenied", NULL);
        return NULL;
    }
    return show_by_name(app, name, e);
}

/* A new namespaceList must keep every namespace a queue of the cluster lives in. */
static int check_bound_namespaces(sqlite3 *db, const pf_cluster *cl, const json_t *list,
                                  pf_error *e)
{
    json_t *used = NULL;
    if (pf_cluster_queue_namespaces(db, cl->name, &used, e) != 0) return -1;
    char lost[PF_ERR_MSG_MAX] = "";
    size_t i, j, len = 0;
    json_t *u, *v;
    json_array_foreach(used, i, u)
    {
        bool kept = false;
        json_array_foreach(list, j, v) kept = kept || json_equal(u, v);
        if (!kept && len < sizeof lost)
            len += (size_t)snprintf(lost + len, sizeof lost - len, "%s%s", len ? " " : "",
                                    json_string_value(u));
    }
    json_decref(used);
    if (*lost) return pf_fail(e, PROPS, "cluster still bound to queue by namespace[%s]", lost);
    return 0;
}

/* Given (non-empty) fields replace the stored ones, then the result is validated. */
static int merge_cluster(sqlite3 *db, pf_cluster *cl, const pf_cluster_req *r, pf_error *e)
{
    const char *s;
    if (trim(r->endpoint, &s)) replace_str(&cl->endpoint, r->endpoint);
    if (trim(r->description, &s)) replace_str(&cl->description, r->description);
    if (trim(r->setting, &s)) replace_str(&cl->setting, r->setting);
    if (trim(r->credential, &s)) replace_str(&cl->credential, r->credential);
    if (trim(r->cluster_type, &s) &&
        (copy_trim(cl->cluster_type, sizeof cl->cluster_type, r->cluster_type, "clusterType", e) ||
         check_type(cl->cluster_type, e)))
        return -1;
    if (trim(r->version, &s) &&
        copy_trim(cl->version, sizeof cl->version, r->version, "version", e))
        return -1;
    if (check_version(cl, e)) return -1;
    if (trim(r->status, &s) && (copy_trim(cl->status, sizeof cl->status, r->status, "status", e) ||
                                check_status(cl->status, e)))
        return -1;
    if (trim(r->source, &s) && copy_trim(cl->source, sizeof cl->source, r->source, "source", e))
        return -1;
    if (json_array_size(r->namespace_list)) {
        if (check_namespaces(r->namespace_list, e) ||
            check_bound_namespaces(db, cl, r->namespace_list, e))
            return -1;
        json_decref(cl->namespace_list);
        cl->namespace_list = json_deep_copy(r->namespace_list);
    }
    return 0;
}

static int update_cluster(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_cluster_update(db, arg, e);
}

json_t *pf_clusters_update(pf_app *app, const pf_caller *c, const char *name,
                           const pf_cluster_req *r, pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "OnlyRootAllowed", "update cluster failed");
        return NULL;
    }
    sqlite3 *db = pf_store_reader(app->store);
    pf_cluster cl = {0};
    int rc = pf_cluster_get(db, name, &cl, e);
    if (rc == 1) pf_fail(e, "ClusterNameNotFound", NULL);
    if (rc == 0) rc = merge_cluster(db, &cl, r, e);
    if (rc == 0) rc = pf_store_write(app->store, update_cluster, &cl, e);
    pf_cluster_clear(&cl);
    if (rc != 0) return NULL;
    if (app->sched) pf_sched_wake(app->sched); /* online/offline may change what can run */
    return show_by_name(app, name, e);
}

/* The in-use check runs in the write transaction, so no job can slip in between. */
static int delete_cluster(sqlite3 *db, void *arg, pf_error *e)
{
    const char *name = arg;
    char queues[PF_ERR_MSG_MAX];
    int n = 0;
    if (pf_cluster_inuse_queues(db, name, queues, sizeof queues, &n, e) != 0) return -1;
    if (n > 0) return pf_fail(e, "QueueIsInUse", "cluster %s has inuse queues: %s", name, queues);
    return pf_cluster_delete(db, name, e);
}

int pf_clusters_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    if (!c->root) return pf_fail(e, "OnlyRootAllowed", "delete cluster failed");
    pf_cluster cl = {0};
    int rc = pf_cluster_get(pf_store_reader(app->store), name, &cl, e);
    pf_cluster_clear(&cl);
    if (rc == 1) return pf_fail(e, "ClusterNotFound", "cluster[%s] not found", name);
    if (rc != 0) return -1;
    if (pf_store_write(app->store, delete_cluster, (void *)name, e) != 0) return -1;
    if (app->sched) pf_sched_wake(app->sched);
    return 0;
}
