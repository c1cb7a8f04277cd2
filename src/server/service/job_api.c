/* job_api.c — show, update, stop and delete (api.md §3.5, §3.7–§3.9 with D4, D8, D15); the
 * list (§3.6) is in job_list.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "model/job_request.h"
#include "model/status.h"
#include "server/service/jobs.h"
#include "server/service/jobs_internal.h"
#include "server/service/paging.h"
#include "server/store/jobs.h"
#include "server/store/queues.h"
#include "server/store/store.h"

static bool can_access(const pf_caller *c, const pf_job_row *r)
{
    return c->root || strcmp(c->name, r->user) == 0;
}

/* Loads a job the caller may act on. what: "update"/"stop"/"delete" message prefixes. */
static int load(pf_app *app, const pf_caller *c, const char *id, const char *what,
                pf_job_row *r, pf_error *e)
{
    int rc = pf_job_get(pf_store_reader(app->store), id, r, e);
    if (rc < 0) return -1;
    if (rc == 1) {
        if (strcmp(what, "delete") == 0)
            return pf_fail(e, "JobNotFound",
                           "delete job failed, err: get job %s failed, err: record not found", id);
        return pf_fail(e, "JobNotFound", "%s job failed, err: record not found", what);
    }
    if (!can_access(c, r)) {
        pf_job_row_clear(r);
        return pf_fail(e, "ActionNotAllowed",
                       "%s job failed, err: user[%s] has no access to resource[job] with ID[%s]",
                       what, c->name, id);
    }
    return 0;
}

json_t *pf_jobs_show(pf_app *app, const pf_caller *c, const char *id, pf_error *e)
{
    pf_job_row r;
    int rc = pf_job_get(pf_store_reader(app->store), id, &r, e);
    if (rc < 0) return NULL;
    if (rc == 1) {
        pf_fail(e, "JobNotFound", "resourceType[job] with ID[%s] not found", id);
        return NULL;
    }
    if (!can_access(c, &r)) {
        pf_fail(e, "ActionNotAllowed", "user[%s] has no access to resource[job] with ID[%s]",
                c->name, id);
        pf_job_row_clear(&r);
        return NULL;
    }
    json_t *v = pf_job_view(app, &r, true);
    pf_job_row_clear(&r);
    return v;
}

typedef struct {
    pf_job_row *row;
    const char *priority;
} update_arg;

static int write_update(sqlite3 *db, void *arg, pf_error *e)
{
    update_arg *a = arg;
    /* re-check inside the write: the status may have moved since the read */
    pf_job_row now;
    int rc = pf_job_get(db, a->row->id, &now, e);
    if (rc != 0) return rc < 0 ? -1 : pf_fail(e, "JobNotFound", "update job failed, err: record not found");
    bool ok = !a->priority || !strcmp(now.status, PF_ST_INIT) || !strcmp(now.status, PF_ST_PENDING);
    char st[16];
    snprintf(st, sizeof st, "%s", now.status);
    pf_job_row_clear(&now);
    if (!ok)
        return pf_fail(e, "ActionNotAllowed",
                       "update job failed, err: the status of job %s is %s, job priority cannot be "
                       "updated",
                       a->row->id, st);
    return pf_job_update_spec(db, a->row->pk, a->priority ? a->priority : a->row->priority,
                              a->row->config, e);
}

/* D8: a key with an empty value is deleted, others added or overwritten. */
static void merge_map(json_t *config, const char *key, json_t *changes)
{
    if (!changes) return;
    json_t *cur = json_object_get(config, key);
    json_t *merged = json_is_object(cur) ? json_deep_copy(cur) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach(changes, k, v)
    {
        if (*json_string_value(v))
            json_object_set(merged, k, v);
        else
            json_object_del(merged, k);
    }
    json_object_set_new(config, key, json_object_size(merged) ? merged : json_null());
    if (!json_object_size(merged)) json_decref(merged);
    /* members carry the job-level labels/annotations too (§3.12) */
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(config, "members"), i, m)
        json_object_set(m, key, json_object_get(config, key));
}

int pf_jobs_update(pf_app *app, const pf_caller *c, const char *id, const char *body,
                   size_t len, pf_error *e)
{
    json_t *req = pf_json_parse_object(body, len, e);
    if (!req) return -1;
    const char *prio = NULL;
    json_t *labels = NULL, *annotations = NULL;
    int rc = -1;
    pf_job_row r = {0};
    if (pf_json_str(req, "priority", &prio, e) || pf_json_strmap(req, "labels", &labels, e) ||
        pf_json_strmap(req, "annotations", &annotations, e))
        goto out;
    const char *norm = NULL;
    if (prio && *prio && !(norm = pf_priority_normalise(prio, 1))) {
        pf_fail(e, "InvalidArguments", "the priority %s is invalid", prio);
        goto out;
    }
    if (load(app, c, id, "update", &r, e) != 0) goto out;
    if (norm && strcmp(r.status, PF_ST_INIT) && strcmp(r.status, PF_ST_PENDING)) {
        pf_fail(e, "ActionNotAllowed",
                "update job failed, err: the status of job %s is %s, job priority cannot be "
                "updated",
                id, r.status);
        goto out;
    }
    merge_map(r.config, "labels", labels);
    merge_map(r.config, "annotations", annotations);
    if (norm) {
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(r.config, "members"), i, m)
            json_object_set_new(m, "priority", json_string(norm));
    }
    update_arg a = {&r, norm};
    rc = pf_store_write(app->store, write_update, &a, e);
    if (rc == 0 && norm) pf_jobs_on_priority(app, id, norm);
out:
    pf_job_row_clear(&r);
    json_decref(labels);
    json_decref(annotations);
    json_decref(req);
    return rc;
}

typedef struct {
    const char *id;
    char result[16];
    const char *prev;
} stop_arg;

static int write_stop(sqlite3 *db, void *arg, pf_error *e)
{
    stop_arg *a = arg;
    pf_job_row now;
    int rc = pf_job_get(db, a->id, &now, e);
    if (rc != 0) return rc < 0 ? -1 : pf_fail(e, "JobNotFound", "stop job failed, err: record not found");
    rc = 0;
    if (pf_status_is_final(now.status))
        rc = pf_fail(e, "ActionNotAllowed",
                     "job %s status is already %s, and job cannot be stopped", a->id, now.status);
    else if (!strcmp(now.status, PF_ST_INIT))
        rc = pf_job_transition(db, a->id, PF_ST_TERMINATED, "job is terminated.", a->result, e);
    else
        rc = pf_job_transition(db, a->id, PF_ST_TERMINATING, "job is terminating.", a->result, e);
    pf_job_row_clear(&now);
    return rc;
}

int pf_jobs_stop_job(pf_app *app, const pf_caller *c, const char *id, pf_error *e)
{
    pf_job_row r;
    if (load(app, c, id, "stop", &r, e) != 0) return -1;
    pf_job_row_clear(&r);
    stop_arg a = {.id = id};
    if (pf_store_write(app->store, write_stop, &a, e) != 0) return -1;
    pf_jobs_on_stop(app, id);
    return 0;
}

typedef struct {
    int64_t pk;
    const char *id;
} delete_arg;

static int write_delete(sqlite3 *db, void *arg, pf_error *e)
{
    delete_arg *a = arg;
    pf_job_row now;
    int rc = pf_job_get(db, a->id, &now, e);
    if (rc != 0)
        return rc < 0 ? -1
                      : pf_fail(e, "JobNotFound",
                                "delete job failed, err: get job %s failed, err: record not found",
                                a->id);
    rc = pf_status_is_final(now.status)
             ? pf_job_soft_delete(db, now.pk, e)
             : pf_fail(e, "ActionNotAllowed",
                       "delete job failed, err: job %s status is %s, please stop it first.", a->id,
                       now.status);
    pf_job_row_clear(&now);
    return rc;
}

int pf_jobs_delete(pf_app *app, const pf_caller *c, const char *id, pf_error *e)
{
    pf_job_row r;
    if (load(app, c, id, "delete", &r, e) != 0) return -1;
    delete_arg a = {r.pk, id};
    pf_job_row_clear(&r);
    return pf_store_write(app->store, write_delete, &a, e);
}
