/* queues.c — queue rules: check order and codes of api.md §6.1, D10, D14 (resource errors
 * keep upstream's code InvalidComputeResource, which this project maps to 400). */
#include "server/service/queues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/ids.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "server/sched/sched.h"
#include "server/service/paging.h"
#include "server/service/users.h"
#include "server/store/clusters.h"
#include "server/store/store.h"

#define DEFAULT_CLUSTER "default-cluster"
#define QUOTA_ELASTIC "elasticQuota"
#define QUOTA_VOLCANO "volcanoCapabilityQuota"
#define RES_CODE "InvalidComputeResource"

/* ---- request decoding ---- */

static int decode_res(const json_t *body, const char *key, pf_res_req *out, pf_error *e)
{
    json_t *o = NULL;
    if (pf_json_object(body, key, &o, e) != 0) return -1;
    if (!o) return 0;
    out->present = true;
    if (pf_json_str(o, "cpu", &out->cpu, e) || pf_json_str(o, "mem", &out->mem, e) ||
        pf_json_strmap(o, "scalarResources", &out->scalars, e))
        return -1;
    return 0;
}

int pf_queue_req_decode(const json_t *body, pf_queue_req *r, pf_error *e)
{
    memset(r, 0, sizeof *r);
    r->name = r->namespace_ = r->cluster_name = r->quota_type = "";
    if (pf_json_str(body, "name", &r->name, e) ||
        pf_json_str(body, "namespace", &r->namespace_, e) ||
        pf_json_str(body, "clusterName", &r->cluster_name, e) ||
        pf_json_str(body, "quotaType", &r->quota_type, e) ||
        decode_res(body, "maxResources", &r->max, e) ||
        decode_res(body, "minResources", &r->min, e) ||
        pf_json_strmap(body, "location", &r->location, e) ||
        pf_json_strlist(body, "schedulingPolicy", &r->scheduling_policy, e))
        return -1;
    return 0;
}

void pf_queue_req_clear(pf_queue_req *r)
{
    json_decref(r->max.scalars);
    json_decref(r->min.scalars);
    json_decref(r->location);
    r->max.scalars = r->min.scalars = r->location = NULL;
}

/* ---- shared helpers ---- */

#define DNS1123_LEN "must be no more than 63 characters"
#define DNS1123_RE                                                                                 \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (regex used for validation is "             \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

static bool lower_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

bool pf_dns1123_label(const char *s, char *why, size_t why_len)
{
    size_t n = strlen(s);
    bool too_long = n > 63;
    bool bad = n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]);
    for (size_t i = 0; i < n && !bad; i++)
        bad = !lower_alnum(s[i]) && s[i] != '-';
    if (!too_long && !bad) return true;
    snprintf(why, why_len, "%s%s%s", too_long ? DNS1123_LEN : "", too_long && bad ? "," : "",
             bad ? DNS1123_RE : "");
    return false;
}

/* "cpu: 1, memory: 2Gi" (upstream's Resource.String() without the trailing ", "). */
static void res_text(const pf_resources *r, char *out, size_t size)
{
    pf_resources_text(r, out, size);
    size_t n = strlen(out);
    if (n >= 2 && strcmp(out + n - 2, ", ") == 0) out[n - 2] = '\0';
}

json_t *pf_queue_json(const pf_queue *q, const pf_resources *used)
{
    char ct[PF_TIME_STR], ut[PF_TIME_STR];
    pf_format_local(q->created_at, ct);
    pf_format_local(q->updated_at, ut);
    json_t *o = json_object();
    pf_json_set_str(o, "id", q->id);
    pf_json_set_str(o, "name", q->name);
    pf_json_set_str(o, "namespace", q->namespace_);
    pf_json_set_str(o, "clusterName", q->cluster_name);
    pf_json_set_str(o, "quotaType", q->quota_type);
    json_object_set_new(o, "minResources", pf_resources_to_json(&q->min));
    json_object_set_new(o, "maxResources", pf_resources_to_json(&q->max));
    json_object_set_new(o, "location", q->location ? json_deep_copy(q->location) : json_object());
    if (json_array_size(q->scheduling_policy)) /* omitempty upstream */
        json_object_set_new(o, "schedulingPolicy", json_deep_copy(q->scheduling_policy));
    pf_json_set_str(o, "status", q->status);
    if (used) {
        pf_resources idle = q->max;
        pf_error ignored; /* an overflow cannot happen with non-negative maps; keep max then */
        if (pf_resources_sub(&idle, used, &ignored) != 0) idle = q->max;
        json_object_set_new(o, "usedResources", pf_resources_to_json(used));
        json_object_set_new(o, "idleResources", pf_resources_to_json(&idle));
    }
    pf_json_set_str(o, "createTime", ct);
    pf_json_set_str(o, "updateTime", ut);
    return o;
}

static void wake_scheduler(pf_app *app)
{
    if (app->sched) pf_sched_wake(app->sched);
}

/* The queue's cluster must exist and be online (create and update). */
static int check_cluster(sqlite3 *db, const char *name, pf_cluster *out, pf_error *e)
{
    int rc = pf_cluster_get(db, name, out, e);
    if (rc < 0) return -1;
    if (rc == 1) return pf_fail(e, "ClusterNotFound", "cluster[%s] not found by name", name);
    if (strcmp(out->status, "online") != 0)
        return pf_fail(e, "InvalidClusterStatus",
                       "cluster[%s] not in online status, operator not permit", name);
    return 0;
}

/* ---- create ---- */

static int check_namespace(const pf_cluster *cl, const char *ns, pf_error *e)
{
    char why[512];
    if (!*ns) return pf_fail(e, "NamespaceNotFound", "namespace is required");
    if (json_array_size(cl->namespace_list) == 0) {
        if (!pf_dns1123_label(ns, why, sizeof why))
            return pf_fail(e, "NamespaceNotFound", "namespace[%s] of queue is invalid, err: %s", ns,
                           why);
        return 0;
    }
    size_t i;
    json_t *v;
    json_array_foreach(cl->namespace_list, i, v)
    {
        if (strcmp(json_string_value(v), ns) == 0) return 0;
    }
    char *list = pf_json_dump(cl->namespace_list);
    pf_fail(e, "NamespaceNotFound",
            "namespace[%s] of queue not in the specified values %s by cluster[%s]", ns, list,
            cl->name);
    free(list);
    return -1;
}

/* Steps 3-8 of §6.1: cluster, namespace, name, uniqueness. Fills q's identity. */
static int create_target(sqlite3 *db, const pf_queue_req *r, pf_queue *q, pf_error *e)
{
    const char *cluster = *r->cluster_name ? r->cluster_name : DEFAULT_CLUSTER;
    pf_cluster cl = {0};
    int rc = check_cluster(db, cluster, &cl, e);
    if (rc == 0) rc = check_namespace(&cl, r->namespace_, e);
    pf_cluster_clear(&cl);
    if (rc != 0) return -1;
    char why[512];
    if (!pf_dns1123_label(r->name, why, sizeof why))
        return pf_fail(e, "InvalidNamePattern", "name[%s] of queue is invalid, err: %s", r->name,
                       why);
    int exists = pf_queue_exists(db, r->name, e);
    if (exists < 0) return -1;
    if (exists || strcasecmp(r->name, "default") == 0)
        return pf_fail(e, "QueueNameDuplicated", "request name duplicated");
    pf_short_id("queue", q->id, sizeof q->id);
    snprintf(q->name, sizeof q->name, "%s", r->name);
    snprintf(q->namespace_, sizeof q->namespace_, "%s", r->namespace_);
    snprintf(q->cluster_name, sizeof q->cluster_name, "%s", cluster);
    return 0;
}

/* A scalar needs a name: "" would become a nameless resource nobody can request. */
static int check_scalar_names(const pf_res_req *r, pf_error *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(r->scalars, k, v)
    {
        if (!*k) return pf_fail(e, RES_CODE, "scalar resource name cannot be empty");
    }
    return 0;
}

/* Steps 9-11: quota type, max, and for elasticQuota min <= max. */
static int create_quota(const pf_queue_req *r, pf_queue *q, pf_error *e)
{
    const char *type = *r->quota_type ? r->quota_type : QUOTA_ELASTIC;
    if (strcmp(type, QUOTA_ELASTIC) != 0 && strcmp(type, QUOTA_VOLCANO) != 0)
        return pf_fail(e, "QueueQuotaTypeIsNotSupported", "quota type is not supported");
    snprintf(q->quota_type, sizeof q->quota_type, "%s", type);
    if (check_scalar_names(&r->max, e) || check_scalar_names(&r->min, e)) return -1;
    if (pf_resources_from_flavour(r->max.cpu, r->max.mem, r->max.scalars, &q->max, e) != 0)
        return -1;
    /* volcano queues ignore min upstream; it is still validated so nothing unparsable is kept */
    if (pf_resources_from_flavour(r->min.cpu, r->min.mem, r->min.scalars, &q->min, e) != 0)
        return -1;
    if (strcmp(type, QUOTA_ELASTIC) == 0 && !pf_resources_less_equal(&q->min, &q->max))
        return pf_fail(e, RES_CODE, "maxResources less than minResources");
    return 0;
}

/* Inside the write transaction: the cluster may have gone since the checks. */
static int insert_queue(sqlite3 *db, void *arg, pf_error *e)
{
    const pf_queue *q = arg;
    pf_cluster cl = {0};
    int rc = pf_cluster_get(db, q->cluster_name, &cl, e);
    pf_cluster_clear(&cl);
    if (rc < 0) return -1;
    if (rc == 1)
        return pf_fail(e, "ClusterNotFound", "cluster[%s] not found by name", q->cluster_name);
    return pf_queue_insert(db, q, e);
}

json_t *pf_queues_create(pf_app *app, const pf_caller *c, const pf_queue_req *r, pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "OnlyRootAllowed", "create request failed");
        return NULL;
    }
    if (!*r->name) {
        pf_fail(e, "QueueNameNotFound", "queueName is not found");
        return NULL;
    }
    pf_queue q = {0};
    int rc = create_target(pf_store_reader(app->store), r, &q, e);
    if (rc == 0) rc = create_quota(r, &q, e);
    if (rc == 0) {
        snprintf(q.status, sizeof q.status, "open"); /* no runtime object to wait for here */
        q.location = r->location ? json_incref(r->location) : json_object();
        q.scheduling_policy =
            r->scheduling_policy ? json_incref(r->scheduling_policy) : json_array();
        rc = pf_store_write(app->store, insert_queue, &q, e);
    }
    pf_queue_clear(&q);
    if (rc != 0) return NULL;
    wake_scheduler(app);
    return json_pack("{s:s}", "name", r->name);
}

/* ---- list / show ---- */

json_t *pf_queues_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                       const char *name, pf_error *e)
{
    int limit;
    int64_t after;
    if (pf_parse_max_keys(max_keys, &limit, e) || pf_marker_decode(app, marker, &after, e))
        return NULL;
    pf_queue *rows;
    int n;
    if (pf_queue_list(pf_store_reader(app->store), name, c->root ? "" : c->name, after, limit + 1,
                      &rows, &n, e) != 0)
        return NULL;
    bool truncated = n > limit;
    int shown = truncated ? limit : n;
    json_t *items = json_array();
    for (int i = 0; i < shown; i++)
        json_array_append_new(items, pf_queue_json(&rows[i], NULL));
    json_t *out =
        pf_list_envelope(app, limit, truncated, shown ? rows[shown - 1].pk : 0, "queueList", items);
    pf_queue_list_free(rows, n);
    return out;
}

/* Queues shown lately, per thread (no lock): showing a queue nothing was written to since
 * (pf_store_queue_version), with the same usage, costs no SQL and no JSON. Bodies live inline so a thread that ends leaves
 * nothing allocated behind. */
#define SHOWN_SLOTS 8
#define SHOWN_BODY 2048
typedef struct shown_queue {
    const pf_app *app;
    uint64_t version; /* pf_store_queue_version when read */
    char name[128];
    pf_resources used;
    size_t len;
    char body[SHOWN_BODY];
} shown_queue;

static __thread shown_queue shown[SHOWN_SLOTS];
static __thread unsigned shown_next;

static char *shown_get(const pf_app *app, uint64_t version, const char *name,
                       const pf_resources *used)
{
    for (int i = 0; i < SHOWN_SLOTS; i++) {
        shown_queue *q = &shown[i];
        if (q->app == app && q->version == version && strcmp(q->name, name) == 0 &&
            pf_resources_equal(&q->used, used))
            return strndup(q->body, q->len);
    }
    return NULL;
}

static void shown_put(const pf_app *app, uint64_t version, const char *name,
                      const pf_resources *used, const char *body)
{
    size_t len = strlen(body);
    if (len >= SHOWN_BODY || strlen(name) >= sizeof shown[0].name) return;
    shown_queue *q = &shown[shown_next++ % SHOWN_SLOTS];
    q->app = app;
    q->version = version;
    snprintf(q->name, sizeof q->name, "%s", name);
    q->used = *used;
    memcpy(q->body, body, len + 1);
    q->len = len;
}

char *pf_queues_show(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    if (!c->root && !pf_grants_has(app, c->name, "queue", name)) {
        pf_fail(e, "ActionNotAllowed", NULL);
        return NULL;
    }
    uint64_t version = pf_store_queue_version(app->store); /* before reading: see store.h */
    pf_resources used;
    pf_resources_init(&used);
    if (app->sched) pf_sched_queue_used(app->sched, name, &used);
    char *body = shown_get(app, version, name, &used);
    if (body) return body;
    pf_queue q = {0};
    int rc = pf_queue_get(pf_store_reader(app->store), name, &q, e);
    if (rc != 0) {
        if (rc == 1) pf_fail(e, "QueueNameNotFound", NULL);
        return NULL;
    }
    json_t *out = pf_queue_json(&q, &used);
    pf_queue_clear(&q);
    body = pf_json_dump(out);
    json_decref(out);
    shown_put(app, version, name, &used, body);
    return body;
}

/* ---- update ---- */

/* cpu/mem replaced when non-empty; a scalar set, or removed by an empty value. */
static int merge_res(pf_resources *dst, const pf_res_req *r, const char *what, pf_error *e)
{
    if (!r->present) return 0;
    if (check_scalar_names(r, e) != 0) return -1;
    if (r->cpu && *r->cpu && pf_resources_set_str(dst, PF_RES_CPU, r->cpu, e) != 0) return -1;
    if (r->mem && *r->mem && pf_resources_set_str(dst, PF_RES_MEMORY, r->mem, e) != 0) return -1;
    const char *k;
    json_t *v;
    json_object_foreach(r->scalars, k, v)
    {
        const char *s = json_string_value(v);
        if (!*s) {
            /* "" removes a scalar; cpu and memory always exist and stay as they are */
            if (strcmp(k, PF_RES_CPU) != 0 && strcmp(k, PF_RES_MEMORY) != 0)
                pf_resources_remove(dst, k);
        } else if (pf_resources_set_str(dst, k, s, e) != 0) {
            return -1;
        }
    }
    if (pf_resources_has_negative(dst)) {
        char text[PF_RESOURCES_TEXT_MAX];
        res_text(dst, text, sizeof text);
        return pf_fail(e, RES_CODE, "queue %s[%s] has negative value", what, text);
    }
    return 0;
}

static void merge_location(json_t *loc, const json_t *req)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)req, k, v)
    {
        if (*json_string_value(v))
            json_object_set(loc, k, v);
        else
            json_object_del(loc, k);
    }
}

/* "p" adds policy p (once); "p-" removes it. */
static void merge_policy(json_t *pol, const json_t *req)
{
    size_t i, j;
    json_t *v, *have;
    json_array_foreach(req, i, v)
    {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        bool remove = n > 0 && s[n - 1] == '-';
        size_t len = remove ? n - 1 : n;
        if (len == 0) continue;
        bool found = false;
        for (j = 0; j < json_array_size(pol) && !found; j++) {
            have = json_array_get(pol, j);
            found = strlen(json_string_value(have)) == len &&
                    strncmp(json_string_value(have), s, len) == 0;
        }
        if (remove && found)
            json_array_remove(pol, j - 1);
        else if (!remove && !found)
            json_array_append_new(pol, json_string(s));
    }
}

static int merge_update(pf_queue *q, const pf_queue_req *r, pf_error *e)
{
    if (merge_res(&q->max, &r->max, "maxResources", e) != 0 ||
        merge_res(&q->min, &r->min, "minResources", e) != 0)
        return -1;
    if (strcmp(q->quota_type, QUOTA_ELASTIC) == 0 && !pf_resources_less_equal(&q->min, &q->max))
        return pf_fail(e, RES_CODE, "minResource cannot be larger than maxResource");
    if (r->location) merge_location(q->location, r->location);
    if (r->scheduling_policy) merge_policy(q->scheduling_policy, r->scheduling_policy);
    return 0;
}

static int update_queue(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_queue_update(db, arg, e);
}

json_t *pf_queues_update(pf_app *app, const pf_caller *c, const char *name, const pf_queue_req *r,
                         pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "OnlyRootAllowed", "update request failed");
        return NULL;
    }
    sqlite3 *db = pf_store_reader(app->store);
    pf_queue q = {0};
    int rc = pf_queue_get(db, name, &q, e);
    if (rc == 1) pf_fail(e, "RecordNotFound", "record not found");
    if (rc == 0) {
        pf_cluster cl = {0};
        rc = check_cluster(db, q.cluster_name, &cl, e);
        pf_cluster_clear(&cl);
    }
    if (rc == 0) rc = merge_update(&q, r, e);
    if (rc == 0) rc = pf_store_write(app->store, update_queue, &q, e);
    pf_queue_clear(&q);
    if (rc != 0) return NULL;
    wake_scheduler(app);
    /* re-read: the committed row, with the updateTime the store stamped */
    rc = pf_queue_get(db, name, &q, e);
    if (rc == 1) pf_fail(e, "RecordNotFound", "record not found");
    if (rc != 0) return NULL;
    json_t *out = pf_queue_json(&q, NULL);
    pf_queue_clear(&q);
    return out;
}

/* ---- delete ---- */

/* The in-use check runs in the write transaction, so no job can slip in between. */
static int delete_queue(sqlite3 *db, void *arg, pf_error *e)
{
    const char *name = arg;
    char jobs[PF_ERR_MSG_MAX];
    int n = 0;
    if (pf_queue_active_jobs(db, name, jobs, sizeof jobs, &n, e) != 0) return -1;
    if (n > 0)
        return pf_fail(e, "QueueIsInUse", "queue[%s] is inuse, and jobs on queue: %s", name, jobs);
    return pf_queue_delete(db, name, e);
}

int pf_queues_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    if (!c->root) return pf_fail(e, "OnlyRootAllowed", NULL);
    int rc = pf_queue_exists(pf_store_reader(app->store), name, e);
    if (rc < 0) return -1;
    if (rc == 0) return pf_fail(e, "QueueNameNotFound", NULL);
    if (pf_store_write(app->store, delete_queue, (void *)name, e) != 0) return -1;
    wake_scheduler(app);
    return 0;
}
