/* flavours.c — flavour rules: codes and order of api.md §6.2, D10 (empty list is []), D14
 * (an unknown cluster or flavour is a 4xx, not upstream's 500 with code ""). */
#include "server/service/flavours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ids.h"
#include "base/json.h"
#include "base/quantity.h"
#include "base/resources.h"
#include "base/timeutil.h"
#include "server/service/paging.h"
#include "server/store/clusters.h"
#include "server/store/store.h"

#define BAD "FlavourInvalidField"

int pf_flavour_req_decode(const json_t *body, pf_flavour_req *r, pf_error *e)
{
    memset(r, 0, sizeof *r);
    if (pf_json_str(body, "name", &r->name, e) || pf_json_str(body, "cpu", &r->cpu, e) ||
        pf_json_str(body, "mem", &r->mem, e) ||
        pf_json_str(body, "clusterName", &r->cluster_name, e) ||
        pf_json_strmap(body, "scalarResources", &r->scalars, e))
        return -1;
    return 0;
}

void pf_flavour_req_clear(pf_flavour_req *r)
{
    json_decref(r->scalars);
    r->scalars = NULL;
}

/* Re-codes e as FlavourInvalidField with prefix + its message (copied first: e->message
 * cannot be both a source and the destination of the formatting). */
static int rewrap(pf_error *e, const char *prefix)
{
    char msg[PF_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", e->message);
    return pf_fail(e, BAD, "%s%s", prefix, msg);
}

/* cpu or mem: fits the column, parses, is > 0. */
static int check_main(const char *key, const char *v, pf_error *e)
{
    if (strlen(v) > PF_FLAVOUR_QTY_MAX)
        return pf_fail(e, BAD, "validate %s failed,err: %s must be at most %d characters", key, key,
                       PF_FLAVOUR_QTY_MAX);
    pf_quantity q;
    if (pf_quantity_parse(v, &q, e) != 0) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "validate %s failed,err: ", key);
        return rewrap(e, prefix);
    }
    if (pf_quantity_sign(&q) <= 0)
        return pf_fail(e, BAD, "validate %s failed,err: %s cannot be negative or zero", key, key);
    return 0;
}

int pf_flavour_check(const char *cpu, const char *mem, const json_t *scalars, pf_error *e)
{
    if (cpu && check_main("cpu", cpu, e) != 0) return -1;
    if (mem && check_main("mem", mem, e) != 0) return -1;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)scalars, k, v)
    {
        pf_quantity q;
        if (!*k) return pf_fail(e, BAD, "scalar resource name cannot be empty");
        if (strlen(json_string_value(v)) > PF_FLAVOUR_QTY_MAX)
            return pf_fail(e, BAD, "%s resource must be at most %d characters", k,
                           PF_FLAVOUR_QTY_MAX);
        if (pf_quantity_parse(json_string_value(v), &q, e) != 0) return rewrap(e, "");
        if (pf_quantity_sign(&q) < 0) return pf_fail(e, BAD, "%s resource cannot be negative", k);
    }
    /* what jobs will do with it: catches overflow, too many scalars, too long names */
    pf_resources res;
    if (pf_resources_from_flavour(cpu, mem, scalars, &res, e) != 0) return rewrap(e, "");
    return 0;
}

json_t *pf_flavour_json(const pf_flavour *f)
{
    char ct[PF_TIME_STR], ut[PF_TIME_STR];
    pf_format_local(f->created_at, ct);
    pf_format_local(f->updated_at, ut);
    json_t *o = json_object();
    pf_json_set_str(o, "id", f->id);
    pf_json_set_str(o, "name", f->name);
    pf_json_set_str(o, "cpu", f->cpu);
    pf_json_set_str(o, "mem", f->mem);
    json_object_set_new(o, "scalarResources",
                        f->scalar ? json_deep_copy(f->scalar) : json_object());
    if (*f->cluster_name) pf_json_set_str(o, "clusterName", f->cluster_name);
    pf_json_set_str(o, "createTime", ct);
    pf_json_set_str(o, "updateTime", ut);
    return o;
}

static int cluster_known(sqlite3 *db, const char *name, pf_error *e)
{
    pf_cluster cl = {0};
    int rc = pf_cluster_get(db, name, &cl, e);
    pf_cluster_clear(&cl);
    if (rc == 1) return pf_fail(e, "ClusterNameNotFound", "cluster[%s] not found", name);
    return rc;
}

static int insert_flavour(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_flavour_insert(db, arg, e);
}

json_t *pf_flavours_create(pf_app *app, const pf_caller *c, const pf_flavour_req *r, pf_error *e)
{
    /* upstream answers 404 FlavourNotFound here (api.md Q17: code and status kept) */
    if (!r->name || !*r->name) {
        pf_fail(e, "FlavourNotFound", "flavour name should not be empty");
        return NULL;
    }
    if (strlen(r->name) > PF_FLAVOUR_NAME_MAX) {
        pf_fail(e, BAD, "flavour name must be at most %d characters", PF_FLAVOUR_NAME_MAX);
        return NULL;
    }
    sqlite3 *db = pf_store_reader(app->store);
    if (r->cluster_name && *r->cluster_name && cluster_known(db, r->cluster_name, e) != 0)
        return NULL;
    if (pf_flavour_check(r->cpu ? r->cpu : "", r->mem ? r->mem : "", r->scalars, e) != 0)
        return NULL;
    pf_flavour f = {0};
    pf_short_id("flavour", f.id, sizeof f.id);
    snprintf(f.name, sizeof f.name, "%s", r->name);
    snprintf(f.cpu, sizeof f.cpu, "%s", r->cpu);
    snprintf(f.mem, sizeof f.mem, "%s", r->mem);
    snprintf(f.cluster_name, sizeof f.cluster_name, "%s", r->cluster_name ? r->cluster_name : "");
    snprintf(f.user, sizeof f.user, "%s", c->name);
    f.scalar = r->scalars; /* borrowed for the insert */
    if (pf_store_write(app->store, insert_flavour, &f, e) != 0) return NULL;
    return json_pack("{s:s}", "name", r->name);
}

json_t *pf_flavours_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                         const char *cluster, const char *name_part, pf_error *e)
{
    int limit;
    int64_t after;
    if (pf_parse_max_keys(max_keys, &limit, e) || pf_marker_decode(app, marker, &after, e))
        return NULL;
    sqlite3 *db = pf_store_reader(app->store);
    if (cluster && *cluster && cluster_known(db, cluster, e) != 0) return NULL;
    pf_flavour *rows;
    int n;
    if (pf_flavour_list(db, name_part, cluster, after, limit + 1, &rows, &n, e) != 0) return NULL;
    bool truncated = n > limit;
    int shown = truncated ? limit : n;
    json_t *items = json_array();
    for (int i = 0; i < shown; i++)
        json_array_append_new(items, pf_flavour_json(&rows[i]));
    json_t *out = pf_list_envelope(app, limit, truncated, shown ? rows[shown - 1].pk : 0,
                                   "flavourList", items);
    pf_flavour_list_free(rows, n);
    return out;
}

json_t *pf_flavours_show(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    pf_flavour f = {0};
    int rc = pf_flavour_get(pf_store_reader(app->store), name, &f, e);
    if (rc == 1) pf_fail(e, "FlavourNotFound", "record not found");
    if (rc != 0) return NULL;
    json_t *out = pf_flavour_json(&f);
    pf_flavour_clear(&f);
    return out;
}

static int may_modify(const pf_caller *c, const pf_flavour *f, pf_error *e)
{
    if (c->root) return 0;
    return pf_fail(e, "ActionNotAllowed", "user[%s] has no access to resource[flavour] with ID[%s]",
                   c->name, f->name);
}

static int update_flavour(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_flavour_update(db, arg, e);
}

/* cpu/mem replaced when given; scalar keys added or overwritten, never removed. */
static int merge_flavour(pf_flavour *f, const pf_flavour_req *r, pf_error *e)
{
    if (r->cluster_name && *r->cluster_name && strcmp(r->cluster_name, f->cluster_name) != 0)
        return pf_fail(e, BAD, "not support operate to update flavour[%s]'s cluster", f->name);
    if (r->cpu && *r->cpu) snprintf(f->cpu, sizeof f->cpu, "%s", r->cpu);
    if (r->mem && *r->mem) snprintf(f->mem, sizeof f->mem, "%s", r->mem);
    if (r->scalars) json_object_update(f->scalar, r->scalars);
    return pf_flavour_check(f->cpu, f->mem, f->scalar, e);
}

json_t *pf_flavours_update(pf_app *app, const pf_caller *c, const char *name,
                           const pf_flavour_req *r, pf_error *e)
{
    /* the fields given are validated first, as upstream's router does */
    if (pf_flavour_check(r->cpu && *r->cpu ? r->cpu : NULL, r->mem && *r->mem ? r->mem : NULL,
                         r->scalars, e) != 0)
        return NULL;
    sqlite3 *db = pf_store_reader(app->store);
    pf_flavour f = {0};
    int rc = pf_flavour_get(db, name, &f, e);
    if (rc == 1) pf_fail(e, "FlavourNotFound", "record not found");
    if (rc == 0) rc = may_modify(c, &f, e);
    if (rc == 0) rc = merge_flavour(&f, r, e);
    if (rc == 0) rc = pf_store_write(app->store, update_flavour, &f, e);
    pf_flavour_clear(&f);
    if (rc != 0) return NULL;
    return pf_flavours_show(app, c, name, e);
}

static int delete_flavour(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_flavour_delete(db, arg, e);
}

int pf_flavours_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    pf_flavour f = {0};
    int rc = pf_flavour_get(pf_store_reader(app->store), name, &f, e);
    if (rc == 1)
        pf_fail(e, "FlavourNotFound", "delete flavour %s occur a error:record not found", name);
    if (rc == 0) rc = may_modify(c, &f, e);
    pf_flavour_clear(&f);
    if (rc != 0) return -1;
    return pf_store_write(app->store, delete_flavour, (void *)name, e);
}
