/* queues.c — SQL for queues, their grants and the "is this queue in use" question. */
#include "server/store/queues.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "server/store/store.h"

#define QUEUE_COLS                                                                                 \
    "q.pk, q.id, q.name, q.namespace, q.cluster_name, q.quota_type, q.max_resources, "             \
    "q.min_resources, q.location, q.scheduling_policy, q.status, q.created_at, q.updated_at"

void pf_queue_clear(pf_queue *q)
{
    if (!q) return;
    json_decref(q->location);
    json_decref(q->scheduling_policy);
    q->location = q->scheduling_policy = NULL;
}

void pf_queue_list_free(pf_queue *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        pf_queue_clear(&rows[i]);
    free(rows);
}

/* A stored JSON column of the expected type, or an empty one (rows are written only by this
 * file, so a mismatch means a damaged database: show the row rather than fail the list). */
static json_t *load_json(const char *text, bool array)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (array ? json_is_array(v) : json_is_object(v)) return v;
    json_decref(v);
    return array ? json_array() : json_object();
}

static void read_queue(sqlite3_stmt *st, pf_queue *q)
{
    pf_error ignored;
    memset(q, 0, sizeof *q);
    q->pk = sqlite3_column_int64(st, 0);
    snprintf(q->id, sizeof q->id, "%s", pf_col_text(st, 1));
    snprintf(q->name, sizeof q->name, "%s", pf_col_text(st, 2));
    snprintf(q->namespace_, sizeof q->namespace_, "%s", pf_col_text(st, 3));
    snprintf(q->cluster_name, sizeof q->cluster_name, "%s", pf_col_text(st, 4));
    snprintf(q->quota_type, sizeof q->quota_type, "%s", pf_col_text(st, 5));
    if (pf_resources_load(pf_col_text(st, 6), &q->max, &ignored) != 0) pf_resources_init(&q->max);
    if (pf_resources_load(pf_col_text(st, 7), &q->min, &ignored) != 0) pf_resources_init(&q->min);
    q->location = load_json(pf_col_text(st, 8), false);
    q->scheduling_policy = load_json(pf_col_text(st, 9), true);
    snprintf(q->status, sizeof q->status, "%s", pf_col_text(st, 10));
    q->created_at = sqlite3_column_int64(st, 11);
    q->updated_at = sqlite3_column_int64(st, 12);
}

int pf_queue_exists(sqlite3 *db, const char *name, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT 1 FROM queue WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "get queue");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 1;
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "get queue");
}

int pf_queue_get(sqlite3 *db, const char *name, pf_queue *out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " QUEUE_COLS " FROM queue q WHERE q.name = ?1");
    if (!st) return pf_store_fail(db, e, "get queue");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_queue(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : pf_store_fail(db, e, "get queue");
}

#define CACHED_QUEUES 4
typedef struct cached_queue {
    const pf_store *store;
    uint64_t version; /* pf_store_queue_version when read */
    bool found;
    pf_queue q; /* without its JSON fields */
} cached_queue;

static __thread cached_queue cached[CACHED_QUEUES];
static __thread unsigned cached_next;

int pf_queue_get_cached(pf_store *s, const char *name, pf_queue *out, pf_error *e)
{
    uint64_t version = pf_store_queue_version(s); /* before reading: see store.h */
    for (int i = 0; i < CACHED_QUEUES; i++) {
        cached_queue *c = &cached[i];
        if (c->store == s && c->version == version && strcmp(c->q.name, name) == 0) {
            if (!c->found) return 1;
            *out = c->q;
            return 0;
        }
    }
    pf_queue q = {0};
    int rc = pf_queue_get(pf_store_reader(s), name, &q, e);
    if (rc < 0) return -1;
    json_decref(q.location);
    json_decref(q.scheduling_policy);
    q.location = q.scheduling_policy = NULL;
    if (rc == 0) *out = q;
    if (strlen(name) < sizeof q.name) { /* a longer name is no queue's: not worth a slot */
        if (rc == 1) snprintf(q.name, sizeof q.name, "%s", name);
        cached[cached_next++ % CACHED_QUEUES] =
            (cached_queue){.store = s, .version = version, .found = rc == 0, .q = q};
    }
    return rc;
}

int pf_queue_list(sqlite3 *db, const char *name, const char *granted_to, int64_t after_pk,
                  int limit, pf_queue **out, int *n, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "SELECT " QUEUE_COLS " FROM queue q WHERE q.pk > ?1 AND (?2 = '' OR q.name = ?2) "
            "AND (?3 = '' OR EXISTS (SELECT 1 FROM grant_ g WHERE g.user_name = ?3 AND "
            "g.resource_type = 'queue' AND g.resource_id = q.name)) ORDER BY q.pk LIMIT ?4");
    if (!st) return pf_store_fail(db, e, "list queues");
    sqlite3_bind_int64(st, 1, after_pk);
    pf_bind_text(st, 2, name);
    pf_bind_text(st, 3, granted_to);
    sqlite3_bind_int(st, 4, limit);
    *out = calloc((size_t)limit + 1, sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_queue(st, &(*out)[(*n)++]);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        pf_queue_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return pf_store_fail(db, e, "list queues");
    }
    return 0;
}

/* Binds the JSON columns shared by insert and update (?2..?5 of both statements). */
static void bind_payload(sqlite3_stmt *st, const pf_queue *q)
{
    char *max = pf_resources_dump(&q->max), *min = pf_resources_dump(&q->min);
    char *loc = q->location ? pf_json_dump(q->location) : strdup("{}");
    char *pol = q->scheduling_policy ? pf_json_dump(q->scheduling_policy) : strdup("[]");
    pf_bind_text(st, 2, max);
    pf_bind_text(st, 3, min);
    pf_bind_text(st, 4, loc);
    pf_bind_text(st, 5, pol);
    free(max);
    free(min);
    free(loc);
    free(pol);
}

int pf_queue_insert(sqlite3 *db, const pf_queue *q, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "INSERT INTO queue(name, max_resources, min_resources, location, scheduling_policy, "
            "id, namespace, cluster_name, quota_type, status, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!st) return pf_store_fail(db, e, "insert queue");
    int64_t now = pf_now_ms();
    pf_bind_text(st, 1, q->name);
    bind_payload(st, q);
    pf_bind_text(st, 6, q->id);
    pf_bind_text(st, 7, q->namespace_);
    pf_bind_text(st, 8, q->cluster_name);
    pf_bind_text(st, 9, q->quota_type);
    pf_bind_text(st, 10, q->status);
    sqlite3_bind_int64(st, 11, q->created_at ? q->created_at : now);
    sqlite3_bind_int64(st, 12, q->updated_at ? q->updated_at : now);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return pf_fail(e, "QueueNameDuplicated", "request name duplicated");
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "insert queue");
}

int pf_queue_update(sqlite3 *db, const pf_queue *q, pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "UPDATE queue SET max_resources = ?2, min_resources = ?3, location = ?4, "
                    "scheduling_policy = ?5, status = ?6, updated_at = ?7 WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "update queue");
    pf_bind_text(st, 1, q->name);
    bind_payload(st, q);
    pf_bind_text(st, 6, q->status);
    sqlite3_bind_int64(st, 7, pf_now_ms());
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "update queue");
    return sqlite3_changes(db) ? 0 : pf_fail(e, "RecordNotFound", "record not found");
}

int pf_queue_delete(sqlite3 *db, const char *name, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "DELETE FROM queue WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "delete queue");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st), changed = sqlite3_changes(db);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "delete queue");
    if (!changed) return pf_fail(e, "QueueNameNotFound", NULL);
    sqlite3_stmt *g =
        pf_stmt(db, "DELETE FROM grant_ WHERE resource_type = 'queue' AND resource_id = ?1");
    if (!g) return pf_store_fail(db, e, "delete queue grants");
    pf_bind_text(g, 1, name);
    rc = sqlite3_step(g);
    pf_stmt_done(g);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "delete queue grants");
}

int pf_queue_active_jobs(sqlite3 *db, const char *name, char *desc, size_t desc_len, int *count,
                         pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "SELECT id, status FROM job WHERE queue_name = ?1 AND deleted_at = 0 AND "
                    "status IN ('init', 'pending', 'running', 'terminating') ORDER BY id");
    if (!st) return pf_store_fail(db, e, "list queue jobs");
    pf_bind_text(st, 1, name);
    pf_buf b = PF_BUF_INIT;
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        pf_buf_printf(&b, "%s%s:%s", n++ ? " " : "map[", pf_col_text(st, 0), pf_col_text(st, 1));
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        pf_buf_free(&b);
        return pf_store_fail(db, e, "list queue jobs");
    }
    if (n) pf_buf_puts(&b, "]");
    snprintf(desc, desc_len, "%s", b.data ? b.data : "");
    pf_buf_free(&b);
    *count = n;
    return 0;
}
