/* jobs.c — SQL for jobs, labels and tasks. List queries use the partial indexes of
 * schema.c, which is why every query spells "deleted_at = 0". */
#include "server/store/jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "model/status.h"
#include "server/store/store.h"

/* config and runtime live in job_spec (schema.c, v3); a subquery fetches them for the rows a
 * query returns only, so no join can change how SQLite walks the job table. */
#define JOB_COLS                                                                                   \
    "pk, id, user_name, queue_name, queue_id, type, framework, status, priority, name, message, "  \
    "(SELECT config FROM job_spec WHERE job_spec.pk = job.pk), created_at, updated_at, "           \
    "activated_at, finished_at, (SELECT runtime FROM job_spec WHERE job_spec.pk = job.pk)"

void pf_job_row_clear(pf_job_row *r)
{
    free(r->name);
    free(r->message);
    json_decref(r->config);
    json_decref(r->runtime);
    memset(r, 0, sizeof *r);
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

static void read_row(sqlite3_stmt *st, pf_job_row *r)
{
    memset(r, 0, sizeof *r);
    r->pk = sqlite3_column_int64(st, 0);
    copy(r->id, sizeof r->id, pf_col_text(st, 1));
    copy(r->user, sizeof r->user, pf_col_text(st, 2));
    copy(r->queue, sizeof r->queue, pf_col_text(st, 3));
    copy(r->queue_id, sizeof r->queue_id, pf_col_text(st, 4));
    copy(r->type, sizeof r->type, pf_col_text(st, 5));
    copy(r->framework, sizeof r->framework, pf_col_text(st, 6));
    copy(r->status, sizeof r->status, pf_col_text(st, 7));
    copy(r->priority, sizeof r->priority, pf_col_text(st, 8));
    r->name = strdup(pf_col_text(st, 9));
    r->message = strdup(pf_col_text(st, 10));
    r->config = json_loads(pf_col_text(st, 11), 0, NULL);
    if (!r->config) r->config = json_object();
    r->created_at = sqlite3_column_int64(st, 12);
    r->updated_at = sqlite3_column_int64(st, 13);
    r->activated_at = sqlite3_column_int64(st, 14);
    r->finished_at = sqlite3_column_int64(st, 15);
    const char *rt = pf_col_text(st, 16);
    r->runtime = *rt ? json_loads(rt, 0, NULL) : NULL;
}

static int write_labels(sqlite3 *db, int64_t pk, const json_t *labels, pf_error *e)
{
    sqlite3_stmt *del = pf_stmt(db, "DELETE FROM job_label WHERE job_pk = ?1");
    sqlite3_stmt *ins =
        pf_stmt(db, "INSERT OR REPLACE INTO job_label(job_pk, key, value) VALUES (?1, ?2, ?3)");
    if (!del || !ins) return pf_store_fail(db, e, "labels");
    sqlite3_bind_int64(del, 1, pk);
    int rc = sqlite3_step(del);
    pf_stmt_done(del);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "labels");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)labels, k, v)
    {
        sqlite3_bind_int64(ins, 1, pk);
        pf_bind_text(ins, 2, k);
        pf_bind_text(ins, 3, json_string_value(v));
        rc = sqlite3_step(ins);
        pf_stmt_done(ins);
        if (rc != SQLITE_DONE) return pf_store_fail(db, e, "labels");
    }
    return 0;
}

int pf_job_insert(sqlite3 *db, pf_job_row *r, const char *config_text, const json_t *labels,
                  pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "INSERT INTO job(id, user_name, queue_name, queue_id, type, framework, status, "
                    "priority, name, message, created_at, updated_at) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)");
    sqlite3_stmt *spec = pf_stmt(db, "INSERT INTO job_spec(pk, config) VALUES (?1, ?2)");
    if (!st || !spec) {
        pf_stmt_done(st);
        return pf_store_fail(db, e, "insert job");
    }
    pf_bind_text(st, 1, r->id);
    pf_bind_text(st, 2, r->user);
    pf_bind_text(st, 3, r->queue);
    pf_bind_text(st, 4, r->queue_id);
    pf_bind_text(st, 5, r->type);
    pf_bind_text(st, 6, r->framework);
    pf_bind_text(st, 7, r->status);
    pf_bind_text(st, 8, r->priority);
    pf_bind_text(st, 9, r->name);
    pf_bind_text(st, 10, r->message);
    sqlite3_bind_int64(st, 11, r->created_at);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc == SQLITE_CONSTRAINT) {
        pf_stmt_done(spec);
        return pf_fail(e, "JobCreateFailed",
                       "create job[%s] in database failed, err: job id %s already exists",
                       r->name ? r->name : "", r->id);
    }
    if (rc == SQLITE_DONE) {
        r->pk = sqlite3_last_insert_rowid(db);
        sqlite3_bind_int64(spec, 1, r->pk);
        sqlite3_bind_text(spec, 2, config_text, -1, SQLITE_STATIC);
        rc = sqlite3_step(spec);
    }
    pf_stmt_done(spec);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "insert job");
    return json_is_object(labels) ? write_labels(db, r->pk, labels, e) : 0;
}

int pf_job_get(sqlite3 *db, const char *id, pf_job_row *out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " JOB_COLS " FROM job WHERE id = ?1 AND deleted_at = 0");
    if (!st) return pf_store_fail(db, e, "get job");
    pf_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_row(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : pf_store_fail(db, e, "get job");
}

/* The list SQL for each combination of the fixed filters, built once: its address is the
 * statement-cache key, so each shape is prepared once per thread. Three ways to walk: SQLite's
 * choice (an equality index or the table, both in pk order), or the updated_at / activated_at
 * index with a sort of its matches, for a time filter that few rows pass (with no such help
 * SQLite walks every job when none pass: 380 ms at 10^6 jobs). */
enum { F_USER = 1, F_STATUS = 2, F_QUEUE = 4, F_UPDATED = 8, F_STARTED = 16, F_BEFORE = 32 };
enum { V_PLAIN, V_UPDATED, V_STARTED, V_COUNT };
static char *g_list_sql[V_COUNT][64];
static char *g_probe_sql[64];
static pthread_once_t g_list_once = PTHREAD_ONCE_INIT;

static void put_conds(pf_buf *b, int m)
{
    if (m & F_USER) pf_buf_puts(b, " AND user_name = ?1");
    if (m & F_STATUS) pf_buf_puts(b, " AND status = ?2");
    if (m & F_QUEUE) pf_buf_puts(b, " AND queue_name = ?3");
    if (m & F_UPDATED) pf_buf_puts(b, " AND updated_at >= ?4");
    /* "started since s" is activated_at > 0 AND activated_at >= s: one bound, max(s, 1), so
     * that an index range starts at it (with two lower bounds SQLite uses only one) */
    if (m & F_STARTED) pf_buf_puts(b, " AND activated_at >= ?5");
    if (m & F_BEFORE) pf_buf_puts(b, " AND pk < ?6");
}

static void build_list_sql(void)
{
    static const char *const from[V_COUNT] = {"job", "job INDEXED BY job_updated",
                                              "job INDEXED BY job_activated"};
    for (int m = 0; m < 64; m++) {
        for (int v = 0; v < V_COUNT; v++) {
            pf_buf b = PF_BUF_INIT;
            pf_buf_printf(&b, "SELECT " JOB_COLS " FROM %s WHERE deleted_at = 0", from[v]);
            put_conds(&b, m);
            pf_buf_puts(&b, " ORDER BY pk DESC LIMIT ?7");
            g_list_sql[v][m] = pf_buf_steal(&b);
        }
        /* how many rows the equality filters alone pass, up to the probe cap */
        pf_buf b = PF_BUF_INIT;
        pf_buf_puts(&b, "SELECT count(*) FROM (SELECT 1 FROM job WHERE deleted_at = 0");
        put_conds(&b, m & (F_USER | F_STATUS | F_QUEUE | F_BEFORE));
        pf_buf_puts(&b, " LIMIT 1000)");
        g_probe_sql[m] = pf_buf_steal(&b);
    }
}

/* Choosing what drives a query that SQLite cannot judge without statistics: each candidate
 * index is asked how many rows it holds for the filter, counting at most PROBE_CAP entries
 * (covering indexes: ~0.1 ms), and the smallest below the cap drives. A label filter (D3)
 * is an AND of pairs; any pair, or the other filters, may be the selective part (a common
 * label with status=running walked all 10^6 label entries: 745 ms). */
enum { PROBE_CAP = 1000 };
typedef enum { DRIVE_PLAIN, DRIVE_LABEL, DRIVE_UPDATED, DRIVE_STARTED } drive;

typedef struct {
    const char **key, **value; /* the driving pair first */
    int n;
} label_pairs;

static int64_t started_bound(const pf_job_filter *f)
{
    return f->started_since_ms > 1 ? f->started_since_ms : 1;
}

static int64_t probe_done(sqlite3_stmt *st)
{
    int64_t n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : PROBE_CAP;
    pf_stmt_done(st);
    return n;
}

static int64_t probe_label(sqlite3 *db, const pf_job_filter *f, const char *k, const char *v)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT count(*) FROM (SELECT 1 FROM job_label WHERE key = ?1 "
                                   "AND value = ?2 AND job_pk < ?3 LIMIT 1000)");
    if (!st) return PROBE_CAP;
    pf_bind_text(st, 1, k);
    pf_bind_text(st, 2, v);
    sqlite3_bind_int64(st, 3, f->before_pk ? f->before_pk : INT64_MAX);
    return probe_done(st);
}

static int64_t probe_time(sqlite3 *db, bool started, int64_t since)
{
    sqlite3_stmt *st =
        started ? pf_stmt(db, "SELECT count(*) FROM (SELECT 1 FROM job INDEXED BY job_activated "
                              "WHERE deleted_at = 0 AND activated_at >= ?1 "
                              "LIMIT 1000)")
                : pf_stmt(db, "SELECT count(*) FROM (SELECT 1 FROM job INDEXED BY job_updated "
                              "WHERE deleted_at = 0 AND updated_at >= ?1 LIMIT 1000)");
    if (!st) return PROBE_CAP;
    sqlite3_bind_int64(st, 1, since);
    return probe_done(st);
}

static int64_t probe_equal(sqlite3 *db, const pf_job_filter *f, int m)
{
    sqlite3_stmt *st = pf_stmt(db, g_probe_sql[m]);
    if (!st) return PROBE_CAP;
    if (f->user) pf_bind_text(st, 1, f->user);
    if (f->status) pf_bind_text(st, 2, f->status);
    if (f->queue) pf_bind_text(st, 3, f->queue);
    if (f->before_pk) sqlite3_bind_int64(st, 6, f->before_pk);
    return probe_done(st);
}

static drive choose(sqlite3 *db, const pf_job_filter *f, int m, label_pairs *l)
{
    drive d = l->n ? DRIVE_LABEL : DRIVE_PLAIN;
    int64_t best = PROBE_CAP, c;
    int driver = 0;
    for (int i = 0; i < l->n; i++) {
        if ((c = probe_label(db, f, l->key[i], l->value[i])) >= best) continue;
        best = c;
        driver = i;
    }
    if (l->n && (m & (F_USER | F_STATUS | F_QUEUE)) && (c = probe_equal(db, f, m)) < best) {
        best = c;
        d = DRIVE_PLAIN;
    }
    if ((m & F_UPDATED) && (c = probe_time(db, false, f->updated_since_ms)) < best) {
        best = c;
        d = DRIVE_UPDATED;
    }
    if ((m & F_STARTED) && probe_time(db, true, started_bound(f)) < best) d = DRIVE_STARTED;
    const char *k = l->key[0], *v = l->value[0];
    l->key[0] = l->key[driver];
    l->value[0] = l->value[driver];
    l->key[driver] = k;
    l->value[driver] = v;
    return d;
}

/* A label-driven query walks job_label's primary key (key, value, job_pk) for the first pair,
 * newest first, and stops after a page; other pairs (and, in any other drive, all pairs)
 * are checked per row. */
static void label_sql(pf_buf *sql, const char *base, const label_pairs *l, bool driven)
{
    const char *order = strstr(base, " ORDER BY");
    if (driven) {
        const char *conds = strstr(base, " WHERE deleted_at = 0") + strlen(" WHERE deleted_at = 0");
        pf_buf_puts(sql, "SELECT " JOB_COLS " FROM job_label l0 JOIN job ON job.pk = l0.job_pk "
                         "WHERE l0.key = ?8 AND l0.value = ?9 AND deleted_at = 0");
        pf_buf_append(sql, conds, (size_t)(order - conds));
    } else {
        pf_buf_append(sql, base, (size_t)(order - base));
    }
    for (int i = driven ? 1 : 0; i < l->n; i++)
        pf_buf_printf(sql,
                      " AND EXISTS (SELECT 1 FROM job_label WHERE job_pk = job.pk AND key = ?%d "
                      "AND value = ?%d)",
                      8 + 2 * i, 9 + 2 * i);
    pf_buf_puts(sql, driven ? " ORDER BY l0.job_pk DESC LIMIT ?7" : order);
}

/* The statement of a filter, bound; *owned: finalize it (label shapes) rather than return it
 * to the statement cache. */
static sqlite3_stmt *list_stmt(sqlite3 *db, const pf_job_filter *f, bool *owned)
{
    pthread_once(&g_list_once, build_list_sql);
    int m = (f->user ? F_USER : 0) | (f->status ? F_STATUS : 0) | (f->queue ? F_QUEUE : 0) |
            (f->updated_since_ms ? F_UPDATED : 0) | (f->started_since_ms ? F_STARTED : 0) |
            (f->before_pk ? F_BEFORE : 0);
    size_t nl = json_object_size(f->labels);
    label_pairs l = {calloc(nl + 1, sizeof *l.key), calloc(nl + 1, sizeof *l.value), 0};
    const char *k;
    json_t *v;
    json_object_foreach(f->labels, k, v)
    {
        l.key[l.n] = k;
        l.value[l.n++] = json_string_value(v);
    }
    drive d = l.n || (m & (F_UPDATED | F_STARTED)) ? choose(db, f, m, &l) : DRIVE_PLAIN;
    const char *base = g_list_sql[d == DRIVE_UPDATED   ? V_UPDATED
                                  : d == DRIVE_STARTED ? V_STARTED
                                                       : V_PLAIN][m];
    sqlite3_stmt *st = NULL;
    *owned = l.n > 0;
    if (*owned) {
        /* label filters vary in count: prepared per call (rare, and still indexed) */
        pf_buf sql = PF_BUF_INIT;
        label_sql(&sql, base, &l, d == DRIVE_LABEL);
        int rc = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL);
        pf_buf_free(&sql);
        for (int i = 0; rc == SQLITE_OK && i < l.n; i++) {
            pf_bind_text(st, 8 + 2 * i, l.key[i]);
            pf_bind_text(st, 9 + 2 * i, l.value[i]);
        }
    } else {
        st = pf_stmt(db, base);
    }
    free(l.key);
    free(l.value);
    if (!st) return NULL;
    if (f->user) pf_bind_text(st, 1, f->user);
    if (f->status) pf_bind_text(st, 2, f->status);
    if (f->queue) pf_bind_text(st, 3, f->queue);
    if (f->updated_since_ms) sqlite3_bind_int64(st, 4, f->updated_since_ms);
    if (f->started_since_ms) sqlite3_bind_int64(st, 5, started_bound(f));
    if (f->before_pk) sqlite3_bind_int64(st, 6, f->before_pk);
    sqlite3_bind_int(st, 7, f->limit);
    return st;
}

static void read_cols(sqlite3_stmt *st, pf_job_cols *c)
{
    c->pk = sqlite3_column_int64(st, 0);
    c->id = pf_col_text(st, 1);
    c->user = pf_col_text(st, 2);
    c->queue = pf_col_text(st, 3);
    c->type = pf_col_text(st, 5);
    c->framework = pf_col_text(st, 6);
    c->status = pf_col_text(st, 7);
    c->priority = pf_col_text(st, 8);
    c->name = pf_col_text(st, 9);
    c->message = pf_col_text(st, 10);
    c->config = pf_col_text(st, 11);
    c->config_len = (size_t)sqlite3_column_bytes(st, 11);
    c->created_at = sqlite3_column_int64(st, 12);
    c->updated_at = sqlite3_column_int64(st, 13);
    c->activated_at = sqlite3_column_int64(st, 14);
    c->finished_at = sqlite3_column_int64(st, 15);
    c->st = st;
}

void pf_job_row_from_cols(const pf_job_cols *c, pf_job_row *out)
{
    read_row(c->st, out);
}

int pf_job_scan(sqlite3 *db, const pf_job_filter *f, pf_job_scan_fn fn, void *ctx, pf_error *e)
{
    bool owned;
    sqlite3_stmt *st = list_stmt(db, f, &owned);
    if (!st) return pf_store_fail(db, e, "list jobs");
    int rc, n = 0, cb = 0;
    pf_job_cols c;
    while (cb == 0 && n++ < f->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_cols(st, &c);
        cb = fn(ctx, &c, e);
    }
    if (cb == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW) cb = pf_store_fail(db, e, "list jobs");
    if (owned)
        sqlite3_finalize(st);
    else
        pf_stmt_done(st);
    return cb;
}

char *pf_job_list_plan(sqlite3 *db, const pf_job_filter *f)
{
    bool owned;
    sqlite3_stmt *st = list_stmt(db, f, &owned), *plan = NULL;
    if (!st) return NULL;
    pf_buf sql = PF_BUF_INIT, out = PF_BUF_INIT;
    pf_buf_printf(&sql, "EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
    if (owned)
        sqlite3_finalize(st);
    else
        pf_stmt_done(st);
    int rc = sqlite3_prepare_v2(db, sql.data, -1, &plan, NULL);
    pf_buf_free(&sql);
    if (rc != SQLITE_OK) return NULL;
    pf_buf_puts(&out, "");
    while (sqlite3_step(plan) == SQLITE_ROW)
        pf_buf_printf(&out, "%s\n", pf_col_text(plan, 3));
    sqlite3_finalize(plan);
    return pf_buf_steal(&out);
}

typedef struct {
    pf_job_row *rows;
    int n;
} row_list;

static int collect(void *ctx, const pf_job_cols *c, pf_error *e)
{
    row_list *l = ctx;
    (void)e;
    read_row(c->st, &l->rows[l->n++]);
    return 0;
}

int pf_job_list(sqlite3 *db, const pf_job_filter *f, pf_job_row **out, int *n, pf_error *e)
{
    row_list l = {calloc((size_t)f->limit + 1, sizeof *l.rows), 0};
    int rc = pf_job_scan(db, f, collect, &l, e);
    if (rc != 0) {
        for (int i = 0; i < l.n; i++)
            pf_job_row_clear(&l.rows[i]);
        free(l.rows);
        l.rows = NULL;
        l.n = 0;
    }
    *out = l.rows;
    *n = l.n;
    return rc;
}

int pf_job_each_unfinished(sqlite3 *db, int (*fn)(void *ctx, pf_job_row *row), void *ctx,
                           pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "SELECT " JOB_COLS " FROM job WHERE deleted_at = 0 AND status IN ('init', "
                    "'pending', 'running', 'terminating', 'preempting') ORDER BY pk");
    if (!st) return pf_store_fail(db, e, "list unfinished jobs");
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        pf_job_row row;
        read_row(st, &row);
        stop = fn(ctx, &row);
        pf_job_row_clear(&row);
    }
    pf_stmt_done(st);
    if (stop) return stop;
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "list unfinished jobs");
}

int pf_job_transition(sqlite3 *db, const char *id, const char *status, const char *message,
                      char out_status[16], pf_error *e)
{
    sqlite3_stmt *get =
        pf_stmt(db, "SELECT status, activated_at, pk FROM job WHERE id = ?1 AND deleted_at = 0");
    if (!get) return pf_store_fail(db, e, "transition");
    pf_bind_text(get, 1, id);
    int rc = sqlite3_step(get);
    char prev[16] = "";
    int64_t activated = 0, pk = 0;
    if (rc == SQLITE_ROW) {
        copy(prev, sizeof prev, pf_col_text(get, 0));
        activated = sqlite3_column_int64(get, 1);
        pk = sqlite3_column_int64(get, 2);
    }
    pf_stmt_done(get);
    if (rc == SQLITE_DONE) return pf_fail(e, "JobNotFound", "job %s not found", id);
    if (rc != SQLITE_ROW) return pf_store_fail(db, e, "transition");
    const char *to = status, *msg = message;
    if (!pf_status_guard(prev, status, &to, &msg)) {
        copy(out_status, 16, prev);
        return 0;
    }
    int64_t now = pf_now_ms();
    sqlite3_stmt *up = pf_stmt(db, "UPDATE job SET status = ?2, message = ?3, updated_at = ?4, "
                                   "activated_at = ?5, finished_at = CASE WHEN ?6 THEN ?4 "
                                   "ELSE finished_at END WHERE pk = ?1");
    if (!up) return pf_store_fail(db, e, "transition");
    sqlite3_bind_int64(up, 1, pk);
    pf_bind_text(up, 2, to);
    pf_bind_text(up, 3, msg);
    sqlite3_bind_int64(up, 4, now);
    sqlite3_bind_int64(up, 5, !activated && strcmp(to, PF_ST_RUNNING) == 0 ? now : activated);
    sqlite3_bind_int(up, 6, pf_status_is_final(to));
    rc = sqlite3_step(up);
    pf_stmt_done(up);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "transition");
    copy(out_status, 16, to);
    return 0;
}

int pf_job_update_spec(sqlite3 *db, int64_t pk, const char *priority, json_t *config, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "UPDATE job SET priority = ?2, updated_at = ?3 "
                                   "WHERE pk = ?1 AND deleted_at = 0");
    sqlite3_stmt *spec = pf_stmt(db, "UPDATE job_spec SET config = ?2 WHERE pk = ?1");
    if (!st || !spec) {
        pf_stmt_done(st);
        pf_stmt_done(spec);
        return pf_store_fail(db, e, "update job");
    }
    sqlite3_bind_int64(st, 1, pk);
    pf_bind_text(st, 2, priority);
    sqlite3_bind_int64(st, 3, pf_now_ms());
    sqlite3_bind_int64(spec, 1, pk);
    sqlite3_bind_text(spec, 2, pf_json_dump(config), -1, free);
    int rc = sqlite3_step(st), rc2 = sqlite3_step(spec);
    pf_stmt_done(st);
    pf_stmt_done(spec);
    if (rc != SQLITE_DONE || rc2 != SQLITE_DONE) return pf_store_fail(db, e, "update job");
    json_t *labels = json_object_get(config, "labels");
    json_t *empty = json_object();
    rc = write_labels(db, pk, json_is_object(labels) ? labels : empty, e);
    json_decref(empty);
    return rc;
}

int pf_job_set_runtime(sqlite3 *db, const char *id, const json_t *runtime, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "UPDATE job_spec SET runtime = ?2 WHERE pk = "
                                   "(SELECT pk FROM job WHERE id = ?1 AND deleted_at = 0)");
    if (!st) return pf_store_fail(db, e, "set runtime");
    pf_bind_text(st, 1, id);
    if (runtime)
        sqlite3_bind_text(st, 2, pf_json_dump(runtime), -1, free);
    else
        pf_bind_text(st, 2, "");
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "set runtime");
}

int pf_job_set_message(sqlite3 *db, const char *id, const char *message, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "UPDATE job SET message = ?2 WHERE id = ?1 AND deleted_at = 0");
    if (!st) return pf_store_fail(db, e, "set message");
    pf_bind_text(st, 1, id);
    pf_bind_text(st, 2, message);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "set message");
}

int pf_job_soft_delete(sqlite3 *db, int64_t pk, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "UPDATE job SET deleted_at = ?2 WHERE pk = ?1");
    sqlite3_stmt *lb = pf_stmt(db, "DELETE FROM job_label WHERE job_pk = ?1");
    if (!st || !lb) return pf_store_fail(db, e, "delete job");
    sqlite3_bind_int64(st, 1, pk);
    sqlite3_bind_int64(st, 2, pf_now_ms());
    sqlite3_bind_int64(lb, 1, pk);
    int rc = sqlite3_step(st), rc2 = sqlite3_step(lb);
    pf_stmt_done(st);
    pf_stmt_done(lb);
    return rc == SQLITE_DONE && rc2 == SQLITE_DONE ? 0 : pf_store_fail(db, e, "delete job");
}

int pf_job_list_deleted_before(sqlite3 *db, int64_t before_ms, int64_t **pks, int *n, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT pk FROM job WHERE deleted_at != 0 AND deleted_at < ?1 "
                                   "LIMIT 1000");
    if (!st) return pf_store_fail(db, e, "list deleted");
    sqlite3_bind_int64(st, 1, before_ms);
    *pks = calloc(1001, sizeof **pks);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        (*pks)[(*n)++] = sqlite3_column_int64(st, 0);
    pf_stmt_done(st);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "list deleted");
}

json_t *pf_job_deleted_task_names(sqlite3 *db, const char *id, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT t.name FROM job j INDEXED BY job_deleted_id "
                                   "JOIN job_task t ON t.job_pk = j.pk "
                                   "WHERE j.id = ?1 AND j.deleted_at != 0");
    if (!st) {
        pf_store_fail(db, e, "deleted tasks");
        return NULL;
    }
    pf_bind_text(st, 1, id);
    json_t *names = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(names, json_string(pf_col_text(st, 0)));
    pf_stmt_done(st);
    if (rc == SQLITE_DONE) return names;
    json_decref(names);
    pf_store_fail(db, e, "deleted tasks");
    return NULL;
}

int pf_job_purge(sqlite3 *db, int64_t pk, pf_error *e)
{
    static const char *const sql[] = {
        "DELETE FROM job_task WHERE job_pk = ?1",
        "DELETE FROM job_spec WHERE pk = (SELECT pk FROM job WHERE pk = ?1 AND deleted_at != 0)",
        "DELETE FROM job WHERE pk = ?1 AND deleted_at != 0",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        sqlite3_stmt *st = pf_stmt(db, sql[i]);
        if (!st) return pf_store_fail(db, e, "purge job");
        sqlite3_bind_int64(st, 1, pk);
        int rc = sqlite3_step(st);
        pf_stmt_done(st);
        if (rc != SQLITE_DONE) return pf_store_fail(db, e, "purge job");
    }
    return 0;
}

int pf_task_put(sqlite3 *db, const char *name, const char *job_id, int64_t job_pk, const char *role,
                int index, const char *status, const json_t *info, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "INSERT INTO job_task(name, job_id, job_pk, role, idx, status, info, created_at, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) ON CONFLICT(name) DO UPDATE "
            "SET job_id = ?2, job_pk = ?3, role = ?4, idx = ?5, status = ?6, info = ?7, "
            "updated_at = ?8");
    if (!st) return pf_store_fail(db, e, "put task");
    pf_bind_text(st, 1, name);
    pf_bind_text(st, 2, job_id);
    sqlite3_bind_int64(st, 3, job_pk);
    pf_bind_text(st, 4, role);
    sqlite3_bind_int(st, 5, index);
    pf_bind_text(st, 6, status);
    sqlite3_bind_text(st, 7, pf_json_dump(info), -1, free);
    sqlite3_bind_int64(st, 8, pf_now_ms());
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "put task");
}

json_t *pf_task_list(sqlite3 *db, int64_t job_pk, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT name, role, idx, status, info FROM job_task "
                                   "WHERE job_pk = ?1 ORDER BY role, idx");
    if (!st) {
        pf_store_fail(db, e, "list tasks");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, job_pk);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *info = json_loads(pf_col_text(st, 4), 0, NULL);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:i, s:s, s:o}", "name", pf_col_text(st, 0), "role",
                           pf_col_text(st, 1), "index", sqlite3_column_int(st, 2), "status",
                           pf_col_text(st, 3), "info", info ? info : json_object()));
    }
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        pf_store_fail(db, e, "list tasks");
        return NULL;
    }
    return arr;
}
