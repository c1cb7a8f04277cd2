/* clusters.c — SQL for clusters, and the queue questions a cluster delete/update asks. */
#include "server/store/clusters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "server/store/store.h"

#define CLUSTER_COLS                                                                               \
    "pk, id, name, description, endpoint, source, cluster_type, version, status, credential, "     \
    "setting, namespace_list, created_at, updated_at"

void pf_cluster_clear(pf_cluster *c)
{
    if (!c) return;
    free(c->endpoint);
    free(c->description);
    free(c->credential);
    free(c->setting);
    json_decref(c->namespace_list);
    c->endpoint = c->description = c->credential = c->setting = NULL;
    c->namespace_list = NULL;
}

void pf_cluster_list_free(pf_cluster *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        pf_cluster_clear(&rows[i]);
    free(rows);
}

static void read_cluster(sqlite3_stmt *st, pf_cluster *c)
{
    memset(c, 0, sizeof *c);
    c->pk = sqlite3_column_int64(st, 0);
    snprintf(c->id, sizeof c->id, "%s", pf_col_text(st, 1));
    snprintf(c->name, sizeof c->name, "%s", pf_col_text(st, 2));
    c->description = strdup(pf_col_text(st, 3));
    c->endpoint = strdup(pf_col_text(st, 4));
    snprintf(c->source, sizeof c->source, "%s", pf_col_text(st, 5));
    snprintf(c->cluster_type, sizeof c->cluster_type, "%s", pf_col_text(st, 6));
    snprintf(c->version, sizeof c->version, "%s", pf_col_text(st, 7));
    snprintf(c->status, sizeof c->status, "%s", pf_col_text(st, 8));
    c->credential = strdup(pf_col_text(st, 9));
    c->setting = strdup(pf_col_text(st, 10));
    c->namespace_list = json_loads(pf_col_text(st, 11), JSON_DECODE_ANY, NULL);
    if (!json_is_array(c->namespace_list)) {
        json_decref(c->namespace_list);
        c->namespace_list = json_array();
    }
    c->created_at = sqlite3_column_int64(st, 12);
    c->updated_at = sqlite3_column_int64(st, 13);
}

int pf_cluster_get(sqlite3 *db, const char *name, pf_cluster *out, pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "SELECT " CLUSTER_COLS " FROM cluster WHERE name = ?1 AND deleted_at = 0");
    if (!st) return pf_store_fail(db, e, "get cluster");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_cluster(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : pf_store_fail(db, e, "get cluster");
}

int pf_cluster_list(sqlite3 *db, const json_t *names, const char *status, int64_t after_pk,
                    int limit, pf_cluster **out, int *n, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "SELECT " CLUSTER_COLS " FROM cluster WHERE deleted_at = 0 AND pk > ?1 AND "
            "(?2 = '' OR name IN (SELECT value FROM json_each(?2))) AND (?3 = '' OR status = ?3) "
            "ORDER BY pk LIMIT ?4");
    if (!st) return pf_store_fail(db, e, "list clusters");
    char *filter = names && json_array_size(names) ? pf_json_dump(names) : NULL;
    sqlite3_bind_int64(st, 1, after_pk);
    pf_bind_text(st, 2, filter);
    pf_bind_text(st, 3, status);
    sqlite3_bind_int(st, 4, limit);
    free(filter);
    *out = calloc((size_t)limit + 1, sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_cluster(st, &(*out)[(*n)++]);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        pf_cluster_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return pf_store_fail(db, e, "list clusters");
    }
    return 0;
}

/* Binds ?2..?11, the mutable columns, shared by insert and update. */
static void bind_mutable(sqlite3_stmt *st, const pf_cluster *c)
{
    char *ns = c->namespace_list ? pf_json_dump(c->namespace_list) : strdup("[]");
    pf_bind_text(st, 2, c->description);
    pf_bind_text(st, 3, c->endpoint);
    pf_bind_text(st, 4, c->source);
    pf_bind_text(st, 5, c->cluster_type);
    pf_bind_text(st, 6, c->version);
    pf_bind_text(st, 7, c->status);
    pf_bind_text(st, 8, c->credential);
    pf_bind_text(st, 9, c->setting);
    pf_bind_text(st, 10, ns);
    free(ns);
}

int pf_cluster_insert(sqlite3 *db, const pf_cluster *c, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "INSERT INTO cluster(name, description, endpoint, source, cluster_type, version, "
            "status, credential, setting, namespace_list, id, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    if (!st) return pf_store_fail(db, e, "insert cluster");
    int64_t now = pf_now_ms();
    pf_bind_text(st, 1, c->name);
    bind_mutable(st, c);
    pf_bind_text(st, 11, c->id);
    sqlite3_bind_int64(st, 12, c->created_at ? c->created_at : now);
    sqlite3_bind_int64(st, 13, c->updated_at ? c->updated_at : now);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return pf_fail(e, "DuplicatedName", "cluster[%s] already exists", c->name);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "insert cluster");
}

int pf_cluster_update(sqlite3 *db, const pf_cluster *c, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "UPDATE cluster SET description = ?2, endpoint = ?3, source = ?4, cluster_type = ?5, "
            "version = ?6, status = ?7, credential = ?8, setting = ?9, namespace_list = ?10, "
            "updated_at = ?11 WHERE pk = ?1 AND deleted_at = 0");
    if (!st) return pf_store_fail(db, e, "update cluster");
    sqlite3_bind_int64(st, 1, c->pk);
    bind_mutable(st, c);
    sqlite3_bind_int64(st, 11, pf_now_ms());
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "update cluster");
    return sqlite3_changes(db) ? 0 : pf_fail(e, "ClusterNameNotFound", NULL);
}

int pf_cluster_inuse_queues(sqlite3 *db, const char *cluster, char *desc, size_t desc_len,
                            int *count, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "SELECT q.name FROM queue q WHERE q.cluster_name = ?1 AND EXISTS (SELECT 1 FROM job "
            "j WHERE j.queue_name = q.name AND j.deleted_at = 0 AND j.status IN ('init', "
            "'pending', 'running', 'terminating')) ORDER BY q.pk");
    if (!st) return pf_store_fail(db, e, "list cluster queues");
    pf_bind_text(st, 1, cluster);
    pf_buf b = PF_BUF_INIT;
    int rc, n = 0;
    pf_buf_puts(&b, "[");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        pf_buf_printf(&b, "%s%s", n++ ? " " : "", pf_col_text(st, 0));
    pf_stmt_done(st);
    pf_buf_puts(&b, "]");
    if (rc == SQLITE_DONE) snprintf(desc, desc_len, "%s", b.data);
    pf_buf_free(&b);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "list cluster queues");
    *count = n;
    return 0;
}

int pf_cluster_queue_namespaces(sqlite3 *db, const char *cluster, json_t **out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "SELECT DISTINCT namespace FROM queue WHERE cluster_name = ?1 ORDER BY namespace");
    if (!st) return pf_store_fail(db, e, "list cluster namespaces");
    pf_bind_text(st, 1, cluster);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(arr, json_string(pf_col_text(st, 0)));
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return pf_store_fail(db, e, "list cluster namespaces");
    }
    *out = arr;
    return 0;
}

int pf_cluster_delete(sqlite3 *db, const char *name, pf_error *e)
{
    sqlite3_stmt *g =
        pf_stmt(db, "DELETE FROM grant_ WHERE resource_type = 'queue' AND "
                    "resource_id IN (SELECT name FROM queue WHERE cluster_name = ?1)");
    sqlite3_stmt *q = pf_stmt(db, "DELETE FROM queue WHERE cluster_name = ?1");
    sqlite3_stmt *c = pf_stmt(db, "UPDATE cluster SET deleted_at = ?2, updated_at = ?2 "
                                  "WHERE name = ?1 AND deleted_at = 0");
    if (!g || !q || !c) {
        pf_stmt_done(g);
        pf_stmt_done(q);
        pf_stmt_done(c);
        return pf_store_fail(db, e, "delete cluster");
    }
    pf_bind_text(g, 1, name);
    pf_bind_text(q, 1, name);
    pf_bind_text(c, 1, name);
    sqlite3_bind_int64(c, 2, pf_now_ms());
    int rc = sqlite3_step(g);
    if (rc == SQLITE_DONE) rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) rc = sqlite3_step(c);
    int changed = sqlite3_changes(db);
    pf_stmt_done(g);
    pf_stmt_done(q);
    pf_stmt_done(c);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "delete cluster");
    return changed ? 0 : pf_fail(e, "ClusterNotFound", NULL);
}
