/* test_store.c — the store engine (src/server/store/store.h) and the job tables (jobs.h)
 * against a real SQLite database in a temporary directory: group commit under concurrent
 * writers (every acknowledged write survives a reopen; a failing write rolls back alone,
 * without spoiling the others of its transaction), idempotent migrations, job insert/get,
 * every list filter and paging, the status guard as applied by the store, soft delete; and
 * the list page rendered as text (service/job_list.c): byte for byte what the jansson view
 * gives, for canonical stored configs (spliced) and for every kind of odd one (fallback). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "server/service/job_list.h"
#include "server/service/jobs_internal.h"
#include "server/service/paging.h"
#include "server/store/jobs.h"
#include "server/store/schema.h"
#include "server/store/store.h"
#include "test_store_util.h"


/* ---- jobs through the writer ---- */

typedef struct {
    const char *id, *user, *queue, *labels; /* labels: JSON object text or NULL */
    int64_t created_at;
    int64_t pk; /* out */
} new_job;


/* pf_job_insert as the create path calls it: the spec dumped, its labels beside it. */
static int insert_row(sqlite3 *db, pf_job_row *r, pf_error *e)
{
    char *text = pf_json_dump(r->config);
    int rc = pf_job_insert(db, r, text, json_object_get(r->config, "labels"), e);
    free(text);
    return rc;
}

static int w_insert(sqlite3 *db, void *arg, pf_error *e)
{
    new_job *j = arg;
    pf_job_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.id, sizeof r.id, "%s", j->id);
    snprintf(r.user, sizeof r.user, "%s", j->user ? j->user : "root");
    snprintf(r.queue, sizeof r.queue, "%s", j->queue ? j->queue : "default-queue");
    snprintf(r.queue_id, sizeof r.queue_id, "queue-00000000");
    snprintf(r.type, sizeof r.type, "single");
    snprintf(r.framework, sizeof r.framework, "standalone");
    snprintf(r.status, sizeof r.status, "init");
    snprintf(r.priority, sizeof r.priority, "NORMAL");
    r.name = (char *)"name-of-job";
    r.message = (char *)"";
    r.config = json_object();
    if (j->labels) json_object_set_new(r.config, "labels", json_loads(j->labels, 0, NULL));
    r.created_at = r.updated_at = j->created_at ? j->created_at : pf_now_ms();
    int rc = insert_row(db, &r, e);
    json_decref(r.config);
    j->pk = r.pk;
    return rc;
}

static int64_t insert(pf_store *s, const char *id, const char *user, const char *queue,
                      const char *labels, int64_t created_at)
{
    new_job j = {id, user, queue, labels, created_at, 0};
    pf_error e;
    expect_ok(pf_store_write(s, w_insert, &j, &e), &e);
    assert_true(j.pk > 0);
    return j.pk;
}

typedef struct {
    const char *id, *status, *message;
    char out[16];
} trans;

static int w_transition(sqlite3 *db, void *arg, pf_error *e)
{
    trans *t = arg;
    return pf_job_transition(db, t->id, t->status, t->message, t->out, e);
}

/* Transitions and returns what the store wrote. */
static const char *move(pf_store *s, const char *id, const char *status, const char *message)
{
    static __thread trans t;
    t = (trans){id, status, message, ""};
    pf_error e;
    expect_ok(pf_store_write(s, w_transition, &t, &e), &e);
    return t.out;
}

static pf_job_row get(pf_store *s, const char *id)
{
    pf_job_row r;
    pf_error e;
    int rc = pf_job_get(pf_store_reader(s), id, &r, &e);
    if (rc != 0) fail_msg("get %s: %d %s", id, rc, e.message);
    return r;
}

static bool exists(pf_store *s, const char *id)
{
    pf_job_row r;
    pf_error e;
    int rc = pf_job_get(pf_store_reader(s), id, &r, &e);
    assert_true(rc == 0 || rc == 1);
    if (rc == 0) pf_job_row_clear(&r);
    return rc == 0;
}

/* ---- group commit ---- */

#define THREADS 8
#define PER_THREAD 40

typedef struct {
    pf_store *s;
    int t;
    bool acked[PER_THREAD];
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    for (int i = 0; i < PER_THREAD; i++) {
        char id[32];
        snprintf(id, sizeof id, "gc-%d-%d", a->t, i);
        new_job j = {id, "u", "q", NULL, 0, 0};
        pf_error e;
        a->acked[i] = pf_store_write(a->s, w_insert, &j, &e) == 0;
    }
    return NULL;
}

static void test_group_commit_acknowledged_writes_survive(void **state)
{
    fixture *f = *state;
    uint64_t c0, w0, c1, w1;
    pf_store_stats(f->s, &c0, &w0);
    pthread_t th[THREADS];
    writer_arg args[THREADS];
    for (int t = 0; t < THREADS; t++) {
        args[t].s = f->s;
        args[t].t = t;
        pthread_create(&th[t], NULL, writer, &args[t]);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    pf_store_stats(f->s, &c1, &w1);
    assert_int_equal(w1 - w0, THREADS * PER_THREAD);
    /* concurrent writers share transactions: fewer commits than writes */
    if (!(c1 - c0 < w1 - w0))
        fail_msg("%llu commits for %llu writes", (unsigned long long)(c1 - c0),
                 (unsigned long long)(w1 - w0));
    reopen(f);
    int n = 0;
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++) {
            char id[32];
            snprintf(id, sizeof id, "gc-%d-%d", t, i);
            assert_true(args[t].acked[i]);
            if (!exists(f->s, id)) fail_msg("acknowledged %s lost after reopen", id);
            n++;
        }
    assert_int_equal(n, THREADS * PER_THREAD);
}

/* One slow write holds the writer; meanwhile three writes queue up and share the next
 * transaction. The one that fails (after writing a row) must roll back alone. */
static int started;

static int w_slow(sqlite3 *db, void *arg, pf_error *e)
{
    __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
    usleep(300 * 1000);
    return w_insert(db, arg, e);
}

static int w_insert_then_fail(sqlite3 *db, void *arg, pf_error *e)
{
    if (w_insert(db, arg, e) != 0) return -1;
    return pf_fail(e, "InternalError", "deliberate failure after a write");
}

typedef struct {
    pf_store *s;
    pf_store_write_fn fn;
    new_job job;
    pf_error e;
    int rc;
} async_write;

static void *run_write(void *p)
{
    async_write *a = p;
    a->rc = pf_store_write(a->s, a->fn, &a->job, &a->e);
    return NULL;
}

static void test_failing_write_rolls_back_alone(void **state)
{
    fixture *f = *state;
    async_write w[4] = {
        {.s = f->s, .fn = w_slow, .job = {.id = "slow"}},
        {.s = f->s, .fn = w_insert_then_fail, .job = {.id = "dup", .labels = "{\"bad\":\"1\"}"}},
        {.s = f->s, .fn = w_insert, .job = {.id = "dup", .labels = "{\"good\":\"1\"}"}},
        {.s = f->s, .fn = w_insert, .job = {.id = "other"}},
    };
    uint64_t c0, w0, c1, w1;
    pf_store_stats(f->s, &c0, &w0);
    pthread_t th[4];
    pthread_create(&th[0], NULL, run_write, &w[0]);
    while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
        usleep(1000);
    for (int i = 1; i < 4; i++) {
        pthread_create(&th[i], NULL, run_write, &w[i]);
        usleep(20 * 1000); /* queue them in this order */
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    pf_store_stats(f->s, &c1, &w1);
    assert_int_equal(w1 - w0, 4);
    assert_int_equal(c1 - c0, 2); /* slow alone, then the three together */
    expect_ok(w[0].rc, &w[0].e);
    expect_code(w[1].rc, &w[1].e, "InternalError");
    assert_string_equal(w[1].e.message, "deliberate failure after a write");
    /* the failed write's row is gone, so the same id inserted after it in the same
     * transaction succeeded */
    expect_ok(w[2].rc, &w[2].e);
    expect_ok(w[3].rc, &w[3].e);
    reopen(f);
    assert_true(exists(f->s, "slow"));
    assert_true(exists(f->s, "other"));
    pf_job_row r = get(f->s, "dup");
    assert_int_equal(r.pk, w[2].job.pk);
    assert_non_null(json_object_get(json_object_get(r.config, "labels"), "good"));
    pf_job_row_clear(&r);
    /* its labels were rolled back too: only the good row's label is indexed */
    pf_job_filter flt = {.labels = json_pack("{s:s}", "bad", "1"), .limit = 10};
    pf_job_row *rows;
    int n;
    pf_error e;
    expect_ok(pf_job_list(pf_store_reader(f->s), &flt, &rows, &n, &e), &e);
    assert_int_equal(n, 0);
    free(rows);
    json_decref(flt.labels);
}

static void test_sql_error_write_reports_and_store_goes_on(void **state)
{
    fixture *f = *state;
    pf_error e;
    expect_code(pf_store_write(f->s, w_exec, "INSERT INTO no_such_table VALUES (1)", &e), &e,
                "InternalError");
    assert_non_null(strstr(e.message, "no_such_table"));
    insert(f->s, "after-error", NULL, NULL, NULL, 0);
    assert_true(exists(f->s, "after-error"));
}

/* ---- migrations ---- */

static int user_version(pf_store *s)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(pf_store_reader(s), "PRAGMA user_version", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_migrations_idempotent(void **state)
{
    fixture *f = *state;
    assert_true(pf_schema_version() >= 1);
    assert_int_equal(user_version(f->s), pf_schema_version());
    insert(f->s, "kept", "alice", "q", "{\"a\":\"b\"}", 0);
    for (int i = 0; i < 3; i++) {
        reopen(f);
        assert_int_equal(user_version(f->s), pf_schema_version());
        pf_job_row r = get(f->s, "kept");
        assert_string_equal(r.user, "alice");
        pf_job_row_clear(&r);
    }
    /* migrating an up-to-date database again directly is a no-op */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    pf_error e;
    expect_ok(pf_schema_migrate(db, &e), &e);
    sqlite3_close(db);
    assert_true(exists(f->s, "kept"));
}

/* A database of schema 1 (config and runtime in the job row, no job_queue index), made by
 * the real migration 1, is migrated on open: rows, specs and runtime state kept. */
static void test_migration_from_v1(void **state)
{
    fixture *f = *state;
    pf_store_close(f->s);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm", f->path, f->path, f->path);
    assert_int_equal(system(cmd), 0);
    sqlite3 *db;
    pf_error e;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    expect_ok(pf_schema_migrate_to(db, 1, &e), &e);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO job(id, name, user_name, queue_name, queue_id, type, "
                     "framework, status, message, priority, config, runtime, created_at, "
                     "updated_at) VALUES ('old', 'n', 'alice', 'q', 'qid', 'single', "
                     "'standalone', 'running', 'm', 'NORMAL', '{\"labels\":{\"k\":\"v\"}}', "
                     "'{\"phase\":\"x\"}', 5, 6)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    f->s = pf_store_open(f->path, &e);
    if (!f->s) fail_msg("open: %s", e.message);
    assert_int_equal(user_version(f->s), pf_schema_version());
    pf_job_row r = get(f->s, "old");
    assert_string_equal(r.status, "running");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.config, "labels"), "k")), "v");
    assert_string_equal(json_string_value(json_object_get(r.runtime, "phase")), "x");
    pf_job_row_clear(&r);
    pf_job_filter flt = {.queue = "q", .limit = 10};
    char *plan = pf_job_list_plan(pf_store_reader(f->s), &flt);
    assert_non_null(strstr(plan, "USING INDEX job_queue (queue_name=?)"));
    free(plan);
}

/* Every equality-filter shape walks an index in pk order: no sort of all matches. */
static void test_list_plans_walk_indexes(void **state)
{
    fixture *f = *state;
    const char *u = "alice", *s = "failed", *q = "queue-b";
    for (int m = 0; m < 16; m++) {
        pf_job_filter flt = {.user = m & 1 ? u : NULL,
                             .status = m & 2 ? s : NULL,
                             .queue = m & 4 ? q : NULL,
                             .before_pk = m & 8 ? 100 : 0,
                             .limit = 51};
        char *plan = pf_job_list_plan(pf_store_reader(f->s), &flt);
        assert_non_null(plan);
        if (strstr(plan, "TEMP B-TREE")) fail_msg("filter shape %d sorts:\n%s", m, plan);
        if (m & 6 && !strstr(plan, "USING INDEX")) fail_msg("shape %d scans:\n%s", m, plan);
        free(plan);
    }
    pf_job_filter lab = {.labels = json_pack("{s:s}", "a", "b"), .status = s, .limit = 51};
    char *plan = pf_job_list_plan(pf_store_reader(f->s), &lab);
    assert_null(strstr(plan, "TEMP B-TREE"));
    free(plan);
    json_decref(lab.labels);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    pf_error e;
    expect_ok(pf_store_write(f->s, w_exec, "PRAGMA user_version = 9999", &e), &e);
    pf_store_close(f->s);
    f->s = pf_store_open(f->path, &e);
    assert_null(f->s);
    assert_non_null(strstr(e.message, "newer than this server"));
    /* put it back so the fixture can close a store */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", pf_schema_version());
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    f->s = pf_store_open(f->path, &e);
    assert_non_null(f->s);
}

/* ---- insert / get ---- */

static void test_insert_get(void **state)
{
    fixture *f = *state;
    int64_t pk =
        insert(f->s, "job-0123456789abcdef", "alice", "q1", "{\"k\":\"v\"}", 1700000000123);
    pf_job_row r = get(f->s, "job-0123456789abcdef");
    assert_int_equal(r.pk, pk);
    assert_string_equal(r.user, "alice");
    assert_string_equal(r.queue, "q1");
    assert_string_equal(r.status, "init");
    assert_string_equal(r.priority, "NORMAL");
    assert_string_equal(r.name, "name-of-job");
    assert_string_equal(r.message, "");
    assert_int_equal(r.created_at, 1700000000123);
    assert_int_equal(r.updated_at, 1700000000123);
    assert_int_equal(r.activated_at, 0);
    assert_int_equal(r.finished_at, 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.config, "labels"), "k")), "v");
    assert_null(r.runtime);
    pf_job_row_clear(&r);
    pf_error e;
    pf_job_row miss;
    assert_int_equal(pf_job_get(pf_store_reader(f->s), "job-missing", &miss, &e), 1);
    /* a duplicate live id */
    new_job j = {"job-0123456789abcdef", NULL, NULL, NULL, 0, 0};
    expect_code(pf_store_write(f->s, w_insert, &j, &e), &e, "JobCreateFailed");
    assert_string_equal(e.message, "create job[name-of-job] in database failed, err: job id "
                                   "job-0123456789abcdef already exists");
}

/* ---- list ---- */

static pf_job_row *list(pf_store *s, pf_job_filter *flt, int *n)
{
    pf_job_row *rows;
    pf_error e;
    if (!flt->limit) flt->limit = 100;
    expect_ok(pf_job_list(pf_store_reader(s), flt, &rows, n, &e), &e);
    return rows;
}

/* The ids a filter lists, newest first, joined by spaces; labels given as JSON text. */
static void expect_list(pf_store *s, pf_job_filter flt, const char *labels, const char *want)
{
    if (labels) flt.labels = json_loads(labels, 0, NULL);
    int n;
    pf_job_row *rows = list(s, &flt, &n);
    char got[1024] = "";
    for (int i = 0; i < n; i++) {
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", rows[i].id);
        pf_job_row_clear(&rows[i]);
    }
    free(rows);
    json_decref(flt.labels);
    if (strcmp(got, want) != 0) fail_msg("listed \"%s\", want \"%s\"", got, want);
}

static void test_list_filters(void **state)
{
    fixture *f = *state;
    insert(f->s, "j1", "alice", "q1", "{\"a\":\"1\",\"b\":\"2\"}", 1000);
    insert(f->s, "j2", "bob", "q1", "{\"a\":\"1\"}", 1000);
    insert(f->s, "j3", "alice", "q2", "{\"a\":\"2\",\"b\":\"2\"}", 1000);
    insert(f->s, "j4", "root", "q2", NULL, 1000);
    insert(f->s, "j5", "alice", "q1", "{\"b\":\"2\",\"a \":\"1\"}", 1000);
    int64_t before = pf_now_ms();
    move(f->s, "j1", "pending", "");
    move(f->s, "j2", "pending", "");
    move(f->s, "j2", "running", "job is running");
    move(f->s, "j3", "running", "job is running");
    move(f->s, "j3", "succeeded", "job is succeeded");

    expect_list(f->s, (pf_job_filter){0}, NULL, "j5 j4 j3 j2 j1");
    expect_list(f->s, (pf_job_filter){.status = "pending"}, NULL, "j1");
    expect_list(f->s, (pf_job_filter){.status = "running"}, NULL, "j2");
    expect_list(f->s, (pf_job_filter){.status = "init"}, NULL, "j5 j4");
    expect_list(f->s, (pf_job_filter){.status = "no-such-status"}, NULL, "");
    expect_list(f->s, (pf_job_filter){.queue = "q1"}, NULL, "j5 j2 j1");
    expect_list(f->s, (pf_job_filter){.queue = "q3"}, NULL, "");
    expect_list(f->s, (pf_job_filter){.user = "alice"}, NULL, "j5 j3 j1");
    expect_list(f->s, (pf_job_filter){.user = "Alice"}, NULL, "");
    expect_list(f->s, (pf_job_filter){.user = "alice", .queue = "q1"}, NULL, "j5 j1");
    expect_list(f->s, (pf_job_filter){.user = "alice", .queue = "q1", .status = "init"}, NULL,
                "j5");
    /* labels: every given pair must match (D3) */
    expect_list(f->s, (pf_job_filter){0}, "{\"a\":\"1\"}", "j2 j1");
    expect_list(f->s, (pf_job_filter){0}, "{\"a\":\"1\",\"b\":\"2\"}", "j1");
    expect_list(f->s, (pf_job_filter){0}, "{\"b\":\"2\"}", "j5 j3 j1");
    expect_list(f->s, (pf_job_filter){0}, "{\"a\":\"1\",\"b\":\"3\"}", "");
    expect_list(f->s, (pf_job_filter){0}, "{\"c\":\"1\"}", "");
    expect_list(f->s, (pf_job_filter){0}, "{\"A\":\"1\"}", "");  /* keys are exact */
    expect_list(f->s, (pf_job_filter){0}, "{\"a\":\"1 \"}", ""); /* values too */
    expect_list(f->s, (pf_job_filter){0}, "{\"a\":\"1' OR '1'='1\"}", "");
    expect_list(f->s, (pf_job_filter){0}, "{}", "j5 j4 j3 j2 j1"); /* empty = no filter */
    expect_list(f->s, (pf_job_filter){.user = "alice", .status = "pending"}, "{\"a\":\"1\"}", "j1");
    /* updated since / started since */
    expect_list(f->s, (pf_job_filter){.updated_since_ms = before}, NULL, "j3 j2 j1");
    expect_list(f->s, (pf_job_filter){.updated_since_ms = 1001}, NULL, "j3 j2 j1");
    expect_list(f->s, (pf_job_filter){.updated_since_ms = 1000}, NULL, "j5 j4 j3 j2 j1");
    expect_list(f->s, (pf_job_filter){.started_since_ms = before}, NULL, "j3 j2");
    expect_list(f->s, (pf_job_filter){.started_since_ms = 1}, NULL,
                "j3 j2"); /* never started: out */
    expect_list(f->s, (pf_job_filter){.started_since_ms = pf_now_ms() + 60000}, NULL, "");
    expect_list(f->s, (pf_job_filter){.started_since_ms = -5000}, NULL, "j3 j2"); /* pre-1970 */
    expect_list(f->s, (pf_job_filter){.started_since_ms = before, .status = "running"}, NULL, "j2");
    /* limit */
    expect_list(f->s, (pf_job_filter){.limit = 2}, NULL, "j5 j4");
    expect_list(f->s, (pf_job_filter){.limit = 1, .queue = "q2"}, NULL, "j4");
}

static void test_list_paging(void **state)
{
    fixture *f = *state;
    const int total = 23, page = 5;
    for (int i = 0; i < total; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%02d", i);
        insert(f->s, id, i % 2 ? "odd" : "even", "q", NULL, 1000 + i);
    }
    bool seen[23] = {false};
    int count = 0, pages = 0;
    int64_t before = 0, last_pk = INT64_MAX;
    for (;;) {
        pf_job_filter flt = {.before_pk = before, .limit = page + 1};
        int n;
        pf_job_row *rows = list(f->s, &flt, &n);
        pages++;
        bool more = n > page;
        if (more) n = page;
        for (int i = 0; i < n; i++) {
            assert_true(rows[i].pk < last_pk); /* strictly newest first, across pages */
            last_pk = rows[i].pk;
            int idx = atoi(rows[i].id + 1);
            assert_false(seen[idx]);
            seen[idx] = true;
            count++;
        }
        before = n ? rows[n - 1].pk : 0;
        for (int i = 0; i < (more ? n + 1 : n); i++)
            pf_job_row_clear(&rows[i]);
        free(rows);
        if (!more) break;
    }
    assert_int_equal(count, total);
    assert_int_equal(pages, 5);
    /* paging with a filter: the odd user's 11 jobs in pages of 4 */
    before = 0;
    count = 0;
    for (int p = 0; p < 10; p++) {
        pf_job_filter flt = {.user = "odd", .before_pk = before, .limit = 4};
        int n;
        pf_job_row *rows = list(f->s, &flt, &n);
        for (int i = 0; i < n; i++) {
            assert_string_equal(rows[i].user, "odd");
            count++;
        }
        before = n ? rows[n - 1].pk : 0;
        for (int i = 0; i < n; i++)
            pf_job_row_clear(&rows[i]);
        free(rows);
        if (n < 4) break;
    }
    assert_int_equal(count, 11);
}

/* ---- transitions ---- */

static void test_transition_guard_in_store(void **state)
{
    fixture *f = *state;
    insert(f->s, "t1", NULL, NULL, NULL, 0);
    assert_string_equal(move(f->s, "t1", "pending", "submitted"), "pending");
    pf_job_row r = get(f->s, "t1");
    assert_int_equal(r.activated_at, 0);
    assert_int_equal(r.finished_at, 0);
    assert_string_equal(r.message, "submitted");
    pf_job_row_clear(&r);
    int64_t t0 = pf_now_ms();
    assert_string_equal(move(f->s, "t1", "running", "job is running"), "running");
    r = get(f->s, "t1");
    int64_t activated = r.activated_at;
    assert_true(activated >= t0);
    assert_int_equal(r.finished_at, 0);
    pf_job_row_clear(&r);
    usleep(5000);
    /* running again (a message update): the first start time stays */
    assert_string_equal(move(f->s, "t1", "running", "still running"), "running");
    r = get(f->s, "t1");
    assert_int_equal(r.activated_at, activated);
    assert_string_equal(r.message, "still running");
    pf_job_row_clear(&r);
    assert_string_equal(move(f->s, "t1", "succeeded", "job is succeeded"), "succeeded");
    r = get(f->s, "t1");
    assert_true(r.finished_at >= activated);
    int64_t finished = r.finished_at, updated = r.updated_at;
    pf_job_row_clear(&r);
    usleep(5000);
    /* final: nothing moves, not even the message or the times */
    assert_string_equal(move(f->s, "t1", "failed", "late failure"), "succeeded");
    assert_string_equal(move(f->s, "t1", "running", "zombie"), "succeeded");
    r = get(f->s, "t1");
    assert_string_equal(r.status, "succeeded");
    assert_string_equal(r.message, "job is succeeded");
    assert_int_equal(r.finished_at, finished);
    assert_int_equal(r.updated_at, updated);
    pf_job_row_clear(&r);

    /* terminating only ends terminated */
    insert(f->s, "t2", NULL, NULL, NULL, 0);
    move(f->s, "t2", "pending", "");
    move(f->s, "t2", "running", "");
    assert_string_equal(move(f->s, "t2", "terminating", "stop requested"), "terminating");
    assert_string_equal(move(f->s, "t2", "running", "job is running"), "terminating");
    r = get(f->s, "t2");
    assert_string_equal(r.message, "job is terminating");
    assert_int_equal(r.finished_at, 0);
    pf_job_row_clear(&r);
    assert_string_equal(move(f->s, "t2", "failed", "exit 143"), "terminated");
    r = get(f->s, "t2");
    assert_string_equal(r.status, "terminated");
    assert_string_equal(r.message, "job is terminated");
    assert_true(r.finished_at > 0);
    pf_job_row_clear(&r);

    /* a stop while init is final too, and records the finish time (D15) */
    insert(f->s, "t3", NULL, NULL, NULL, 0);
    assert_string_equal(move(f->s, "t3", "terminated", "job is terminated."), "terminated");
    r = get(f->s, "t3");
    assert_true(r.finished_at > 0);
    assert_int_equal(r.activated_at, 0);
    pf_job_row_clear(&r);

    /* preempting */
    insert(f->s, "t4", NULL, NULL, NULL, 0);
    move(f->s, "t4", "running", "");
    move(f->s, "t4", "preempting", "job is preempting");
    assert_string_equal(move(f->s, "t4", "running", ""), "preempting");
    assert_string_equal(move(f->s, "t4", "failed", "job is preempted"), "preempted");

    /* unknown or deleted */
    trans t = {"no-such-job", "running", "", ""};
    pf_error e;
    expect_code(pf_store_write(f->s, w_transition, &t, &e), &e, "JobNotFound");
}

static int w_set_message(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_job_set_message(db, arg, "waiting for queue q", e);
}

typedef struct {
    int64_t pk;
    json_t *config;
} spec_update;

static int w_update_spec(sqlite3 *db, void *arg, pf_error *e)
{
    spec_update *u = arg;
    return pf_job_update_spec(db, u->pk, "HIGH", u->config, e);
}

static void test_message_and_spec_updates(void **state)
{
    fixture *f = *state;
    int64_t pk = insert(f->s, "m1", NULL, NULL, "{\"a\":\"1\"}", 0);
    pf_error e;
    expect_ok(pf_store_write(f->s, w_set_message, "m1", &e), &e);
    pf_job_row r = get(f->s, "m1");
    assert_string_equal(r.status, "init");
    assert_string_equal(r.message, "waiting for queue q");
    pf_job_row_clear(&r);
    /* new labels replace the old ones in the label index */
    spec_update u = {pk, json_pack("{s:{s:s}}", "labels", "b", "2")};
    expect_ok(pf_store_write(f->s, w_update_spec, &u, &e), &e);
    json_decref(u.config);
    r = get(f->s, "m1");
    assert_string_equal(r.priority, "HIGH");
    pf_job_row_clear(&r);
    expect_list(f->s, (pf_job_filter){0}, "{\"a\":\"1\"}", "");
    expect_list(f->s, (pf_job_filter){0}, "{\"b\":\"2\"}", "m1");
    /* a config without labels clears them */
    u.config = json_object();
    expect_ok(pf_store_write(f->s, w_update_spec, &u, &e), &e);
    json_decref(u.config);
    expect_list(f->s, (pf_job_filter){0}, "{\"b\":\"2\"}", "");
}

/* ---- soft delete ---- */

static int w_soft_delete(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_job_soft_delete(db, *(int64_t *)arg, e);
}

static int w_purge(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_job_purge(db, *(int64_t *)arg, e);
}

static void test_soft_delete_frees_id(void **state)
{
    fixture *f = *state;
    int64_t old_pk = insert(f->s, "reuse", "alice", "q", "{\"x\":\"y\"}", 0);
    move(f->s, "reuse", "failed", "job is failed");
    pf_error e;
    expect_ok(pf_store_write(f->s, w_soft_delete, &old_pk, &e), &e);
    assert_false(exists(f->s, "reuse"));
    expect_list(f->s, (pf_job_filter){0}, NULL, "");
    expect_list(f->s, (pf_job_filter){.user = "alice"}, NULL, "");
    expect_list(f->s, (pf_job_filter){0}, "{\"x\":\"y\"}", "");
    /* a deleted job cannot change status */
    trans t = {"reuse", "running", "", ""};
    expect_code(pf_store_write(f->s, w_transition, &t, &e), &e, "JobNotFound");
    /* the id is free again */
    int64_t new_pk = insert(f->s, "reuse", "bob", "q", NULL, 0);
    assert_true(new_pk != old_pk);
    pf_job_row r = get(f->s, "reuse");
    assert_int_equal(r.pk, new_pk);
    assert_string_equal(r.user, "bob");
    assert_string_equal(r.status, "init");
    pf_job_row_clear(&r);
    expect_list(f->s, (pf_job_filter){0}, NULL, "reuse");
    /* ... but only once while it lives */
    new_job j = {"reuse", NULL, NULL, NULL, 0, 0};
    expect_code(pf_store_write(f->s, w_insert, &j, &e), &e, "JobCreateFailed");
    /* retention: the deleted row is listed for clean-up, then purged for good */
    int64_t *pks;
    int n;
    expect_ok(pf_job_list_deleted_before(pf_store_reader(f->s), pf_now_ms() + 1000, &pks, &n, &e),
              &e);
    assert_int_equal(n, 1);
    assert_int_equal(pks[0], old_pk);
    free(pks);
    expect_ok(pf_job_list_deleted_before(pf_store_reader(f->s), 1, &pks, &n, &e), &e);
    assert_int_equal(n, 0);
    free(pks);
    expect_ok(pf_store_write(f->s, w_purge, &old_pk, &e), &e);
    expect_ok(pf_job_list_deleted_before(pf_store_reader(f->s), pf_now_ms() + 1000, &pks, &n, &e),
              &e);
    assert_int_equal(n, 0);
    free(pks);
    /* purge never removes a live job */
    expect_ok(pf_store_write(f->s, w_purge, &new_pk, &e), &e);
    assert_true(exists(f->s, "reuse"));
}


static int collect_id(void *ctx, pf_job_row *row)
{
    char *got = ctx;
    snprintf(got + strlen(got), 256 - strlen(got), "%s%s", *got ? " " : "", row->id);
    return 0;
}

static int stop_at_second(void *ctx, pf_job_row *row)
{
    (void)row;
    return ++*(int *)ctx == 2 ? 7 : 0;
}

static void test_list_unfinished(void **state)
{
    fixture *f = *state;
    const char *final[] = {"succeeded", "failed", "terminated", "preempted"};
    insert(f->s, "u-init", NULL, NULL, NULL, 0);
    insert(f->s, "u-pending", NULL, NULL, NULL, 0);
    move(f->s, "u-pending", "pending", "");
    for (int i = 0; i < 4; i++) {
        char id[32];
        snprintf(id, sizeof id, "u-%s", final[i]);
        insert(f->s, id, NULL, NULL, NULL, 0);
        move(f->s, id, "running", "");
        if (!strcmp(final[i], "preempted")) move(f->s, id, "preempting", "");
        move(f->s, id, final[i], "");
    }
    insert(f->s, "u-running", NULL, NULL, NULL, 0);
    move(f->s, "u-running", "running", "");
    insert(f->s, "u-terminating", NULL, NULL, NULL, 0);
    move(f->s, "u-terminating", "running", "");
    move(f->s, "u-terminating", "terminating", "");
    int64_t pk = insert(f->s, "u-deleted", NULL, NULL, NULL, 0);
    pf_error e;
    expect_ok(pf_store_write(f->s, w_soft_delete, &pk, &e), &e);
    char got[256] = "";
    expect_ok(pf_job_each_unfinished(pf_store_reader(f->s), collect_id, got, &e), &e);
    assert_string_equal(got, "u-init u-pending u-running u-terminating"); /* oldest first */
    int seen = 0; /* a nonzero return stops the walk */
    assert_int_equal(pf_job_each_unfinished(pf_store_reader(f->s), stop_at_second, &seen, &e), 7);
    assert_int_equal(seen, 2);
}

/* ---- tasks and runtime ---- */

typedef struct {
    const char *name, *job;
    int64_t pk;
    const char *role;
    int index;
    const char *status;
} task_put;

static int w_task(sqlite3 *db, void *arg, pf_error *e)
{
    task_put *t = arg;
    json_t *info = json_pack("{s:s}", "status", t->status);
    int rc = pf_task_put(db, t->name, t->job, t->pk, t->role, t->index, t->status, info, e);
    json_decref(info);
    return rc;
}

static int w_runtime(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_job_set_runtime(db, "rt", arg, e);
}

static void test_tasks_and_runtime(void **state)
{
    fixture *f = *state;
    int64_t pk = insert(f->s, "rt", NULL, NULL, NULL, 0);
    task_put tasks[] = {{"rt-worker-1", "rt", pk, "worker", 1, "running"},
                        {"rt-worker-0", "rt", pk, "worker", 0, "running"},
                        {"rt-pserver-0", "rt", pk, "pserver", 0, "pending"},
                        {"rt-worker-0", "rt", pk, "worker", 0, "succeeded"}}; /* upsert */
    pf_error e;
    for (int i = 0; i < 4; i++)
        expect_ok(pf_store_write(f->s, w_task, &tasks[i], &e), &e);
    json_t *list = pf_task_list(pf_store_reader(f->s), pk, &e);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 3);
    const char *names[] = {"rt-pserver-0", "rt-worker-0", "rt-worker-1"};
    for (int i = 0; i < 3; i++)
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(list, (size_t)i), "name")), names[i]);
    json_t *w0 = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(w0, "status")), "succeeded");
    assert_string_equal(json_string_value(json_object_get(json_object_get(w0, "info"), "status")),
                        "succeeded");
    json_decref(list);
    json_t *rt = json_pack("{s:i}", "round", 3);
    expect_ok(pf_store_write(f->s, w_runtime, rt, &e), &e);
    json_decref(rt);
    pf_job_row r = get(f->s, "rt");
    assert_int_equal(json_integer_value(json_object_get(r.runtime, "round")), 3);
    pf_job_row_clear(&r);
    expect_ok(pf_store_write(f->s, w_runtime, NULL, &e), &e);
    r = get(f->s, "rt");
    assert_null(r.runtime);
    pf_job_row_clear(&r);
}

/* ---- what drives a list query (probes, jobs.c) ---- */

#define MANY 1100

static int w_many(sqlite3 *db, void *arg, pf_error *e)
{
    (void)arg;
    for (int i = 1; i <= MANY; i++) {
        pf_job_row r;
        memset(&r, 0, sizeof r);
        snprintf(r.id, sizeof r.id, "m%04d", i);
        snprintf(r.user, sizeof r.user, "root");
        snprintf(r.queue, sizeof r.queue, "q");
        snprintf(r.status, sizeof r.status, "init");
        snprintf(r.priority, sizeof r.priority, "NORMAL");
        r.config = json_pack("{s:{s:s}}", "labels", "team", "x");
        if (i % 400 == 0)
            json_object_set_new(json_object_get(r.config, "labels"), "rare", json_string("y"));
        r.created_at = i;
        int rc = insert_row(db, &r, e);
        json_decref(r.config);
        if (rc) return rc;
    }
    /* every 100th job running since its creation time */
    return sqlite3_exec(db,
                        "UPDATE job SET status = 'running', activated_at = created_at "
                        "WHERE created_at % 100 = 0",
                        NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : pf_store_fail(db, e, "many");
}

/* Lists with flt; checks the ids against want(i) over jobs MANY..1 (newest first, at most
 * limit) and that the plan mentions (or not, with '!') a fragment. */
static void expect_drive(pf_store *s, pf_job_filter flt, bool (*want)(int), const char *plan_has)
{
    flt.limit = 51;
    char *plan = pf_job_list_plan(pf_store_reader(s), &flt);
    bool neg = plan_has[0] == '!';
    if ((strstr(plan, plan_has + neg) != NULL) == neg)
        fail_msg("plan %s\"%s\":\n%s", neg ? "has " : "lacks ", plan_has + neg, plan);
    free(plan);
    int n;
    pf_job_row *rows = list(s, &flt, &n);
    int k = 0;
    for (int i = MANY; i >= 1 && k < 51; i--) {
        if (!want(i)) continue;
        char id[16];
        snprintf(id, sizeof id, "m%04d", i);
        if (k >= n) fail_msg("missing %s", id);
        assert_string_equal(rows[k].id, id);
        k++;
    }
    assert_int_equal(n, k);
    for (int i = 0; i < n; i++)
        pf_job_row_clear(&rows[i]);
    free(rows);
}

static bool all(int i)
{
    (void)i;
    return true;
}
static bool running(int i)
{
    return i % 100 == 0;
}
static bool rare(int i)
{
    return i % 400 == 0;
}
static bool none(int i)
{
    (void)i;
    return false;
}
static bool recent(int i)
{
    return i >= 1060;
}
static bool running_recent(int i)
{
    return running(i) && i >= 900;
}

static void test_list_drive_choice(void **state)
{
    fixture *f = *state;
    pf_error e;
    expect_ok(pf_store_write(f->s, w_many, NULL, &e), &e);
    json_t *team = json_pack("{s:s}", "team", "x");
    json_t *both = json_pack("{s:s, s:s}", "team", "x", "rare", "y");
    /* a label every job has (over the probe cap): driven by the label index */
    expect_drive(f->s, (pf_job_filter){.labels = team}, all, "SEARCH l0");
    /* ... unless the status is the selective part */
    expect_drive(f->s, (pf_job_filter){.labels = team, .status = "running"}, running, "!l0");
    /* two pairs: the rarer one drives */
    expect_drive(f->s, (pf_job_filter){.labels = both}, rare, "SEARCH l0");
    expect_drive(f->s, (pf_job_filter){.labels = both, .status = "init"}, none, "SEARCH l0");
    /* time filters few rows pass walk their index; ones most pass walk pk order */
    int64_t future = pf_now_ms() + 3600000;
    expect_drive(f->s, (pf_job_filter){.updated_since_ms = future}, none, "job_updated");
    expect_drive(f->s, (pf_job_filter){.updated_since_ms = 1060}, recent, "job_updated");
    expect_drive(f->s, (pf_job_filter){.updated_since_ms = 1}, all, "!job_updated");
    expect_drive(f->s, (pf_job_filter){.started_since_ms = 900}, running_recent, "job_activated");
    expect_drive(f->s, (pf_job_filter){.started_since_ms = future, .status = "init"}, none,
                 "job_activated");
    expect_drive(f->s, (pf_job_filter){.started_since_ms = 900, .labels = team}, running_recent,
                 "job_activated");
    json_decref(team);
    json_decref(both);
}

/* ---- the list page as text (service/job_list.c) ---- */

typedef struct {
    const char *id, *sql; /* sql: run with ?1 = id, ?2 = raw bytes (NULL: none) */
    const char *raw;
} raw_update;

static int w_raw(sqlite3 *db, void *arg, pf_error *e)
{
    raw_update *u = arg;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, u->sql, -1, &st, NULL) != SQLITE_OK)
        return pf_store_fail(db, e, "raw");
    sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
    if (u->raw) sqlite3_bind_text(st, 2, u->raw, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "raw");
}

static void raw(pf_store *s, const char *id, const char *sql, const char *bytes)
{
    raw_update u = {id, sql, bytes};
    pf_error e;
    expect_ok(pf_store_write(s, w_raw, &u, &e), &e);
}

/* A job whose stored config is config_text (exactly these bytes). */
static void insert_config(pf_store *s, const char *id, const char *config_text)
{
    insert(s, id, "alice", "q1", NULL, 1700000000000);
    raw(s, id, "UPDATE job_spec SET config = ?2 WHERE pk = (SELECT pk FROM job WHERE id = ?1)",
        config_text);
}

typedef struct {
    pf_app app;
    int rows, spliced;
    char spliced_ids[2048];
} item_check;

/* Every scanned row: the text item must equal pf_json_dump(pf_job_view(row)). */
static int check_item(void *ctx, const pf_job_cols *c, pf_error *e)
{
    item_check *k = ctx;
    (void)e;
    pf_buf got = PF_BUF_INIT;
    pf_buf_puts(&got, "[");
    bool spliced = pf_job_list_item(&k->app, c, &got);
    pf_job_row row;
    pf_job_row_from_cols(c, &row);
    json_t *v = pf_job_view(&k->app, &row, false);
    char *want = pf_json_dump(v);
    if (strcmp(got.data + 1, want) != 0)
        fail_msg("job %s (config %s):\n got  %s\n want %s", c->id, c->config, got.data + 1, want);
    k->rows++;
    if (spliced) {
        k->spliced++;
        snprintf(k->spliced_ids + strlen(k->spliced_ids),
                 sizeof k->spliced_ids - strlen(k->spliced_ids), " %s", c->id);
    }
    free(want);
    json_decref(v);
    pf_job_row_clear(&row);
    pf_buf_free(&got);
    return 0;
}

static item_check check_all(pf_store *s)
{
    item_check k;
    memset(&k, 0, sizeof k);
    k.app.store = s;
    pf_job_filter flt = {.limit = 1000};
    pf_error e;
    expect_ok(pf_job_scan(pf_store_reader(s), &flt, check_item, &k, &e), &e);
    return k;
}

static bool was_spliced(const item_check *k, const char *id)
{
    char key[80];
    snprintf(key, sizeof key, " %s ", id);
    char all[2100];
    snprintf(all, sizeof all, "%s ", k->spliced_ids);
    return strstr(all, key) != NULL;
}

/* Configs as the server stores them (pf_json_dump of a parsed object): spliced, same bytes. */
static void test_list_item_canonical_configs_spliced(void **state)
{
    fixture *f = *state;
    const char *configs[] = {
        "{}",
        "{\"labels\":{\"team\":\"a\",\"x\":\"\"},\"annotations\":{\"k\":\"v\"},"
        "\"flavour\":{\"name\":\"f\",\"cpu\":\"1\",\"mem\":\"1Gi\",\"scalarResources\":{}},"
        "\"limitFlavour\":{\"cpu\":\"2\"},\"fs\":{\"name\":\"fs1\",\"subPath\":\"a/b\"},"
        "\"extraFS\":[{\"name\":\"e\",\"mountPath\":\"/m\",\"readOnly\":true}],\"image\":\"img:1\","
        "\"env\":{\"A\":\"1\",\"PF_JOB_NAMESPACE\":\"ns\"},"
        "\"command\":\"echo \\\"q\\\" \\\\ \\n\\t\\r\\b\\f \\u0001\\u001f \\u007f / "
        "\xc3\xa9\xe4\xb8\xad\","
        "\"args\":[\"-a\",\"\",\"x y\"],\"port\":8080,"
        "\"extensionTemplate\":{\"a\":[1,-2,0,true,false,null,{\"b\":[]}],\"c\":{}},"
        "\"members\":[{\"role\":\"pserver\",\"replicas\":2,\"labels\":null}],\"unknown\":[1]}",
        "{\"members\":[],\"labels\":null,\"port\":-1}",
        "{\"members\":\"not an array\",\"image\":\"\",\"env\":{}}",
        "{\"port\":123456789012345678,\"args\":[]}",
    };
    char id[32];
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
        json_t *v = json_loads(configs[i], 0, NULL);
        assert_non_null(v);
        char *canonical = pf_json_dump(v);
        snprintf(id, sizeof id, "canon-%zu", i);
        insert_config(f->s, id, canonical);
        free(canonical);
        json_decref(v);
    }
    /* the row's own columns: escapes, UTF-8, no framework, final and running times */
    raw(f->s, "canon-1", "UPDATE job SET name = ?2 WHERE id = ?1",
        "n\"a\\m\ne\x01\x1b\t \xe4\xb8\xad");
    raw(f->s, "canon-1",
        "UPDATE job SET status = 'failed', message = ?2, activated_at = "
        "1700000001000, finished_at = 1700000002000 WHERE id = ?1",
        "task exited with code 1\n\"x\"");
    raw(f->s, "canon-2",
        "UPDATE job SET framework = '', status = 'running', activated_at = "
        "1700000001000 WHERE id = ?1",
        NULL);
    raw(f->s, "canon-3", "UPDATE job SET status = 'terminated', finished_at = 0 WHERE id = ?1",
        NULL);
    item_check k = check_all(f->s);
    assert_int_equal(k.rows, 5);
    assert_int_equal(k.spliced, 5);
}

/* Stored text the splice cannot vouch for, and row columns jansson refuses: the jansson path
 * renders them, so the bytes are still the view's. */
static void test_list_item_odd_configs_fall_back(void **state)
{
    fixture *f = *state;
    struct {
        const char *text;
        bool spliced;
    } cases[] = {
        {"{ }", false},
        {"{\"image\": \"x\"}", false},
        {"{\"image\":\"x\"} ", false},
        {"{\"image\":\"x\"}x", false},
        {"{\"image\":\"a\\/b\"}", false},
        {"{\"image\":\"\\u00e9\"}", false},
        {"{\"image\":\"\\u001f\"}", false}, /* jansson writes \u001F */
        {"{\"image\":\"\\u001F\"}", true},
        {"{\"image\":\"\\u000a\"}", false},
        {"{\"image\":\"\\u0000\"}", false},
        {"{\"image\":\"x\",\"image\":\"y\"}", false},
        {"{\"env\":{\"a\":\"1\",\"a\":\"2\"}}", false},
        {"{\"port\":-0}", false},
        {"{\"port\":01}", false},
        {"{\"port\":1.0}", false},
        {"{\"port\":1e3}", false},
        {"{\"port\":12345678901234567890}", false},
        {"{\"port\":}", false},
        {"{\"image\":tru}", false},
        {"{\"image\":\"unterminated}", false},
        {"{\"image\":\"\xff\"}", false},
        {"{\"image\":\"\xc3\xa9\"}", true},
        {"{\"image\":\"\xed\xa0\x80\"}", false}, /* a surrogate */
        {"[1]", false},
        {"", false},
        {"nonsense", false},
        {"{\"members\":[{}]}", true},
        {"{\"extensionTemplate\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}", false}, /* deep */
    };
    char id[32];
    size_t n = sizeof cases / sizeof cases[0];
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "odd-%02zu", i);
        insert_config(f->s, id, cases[i].text);
    }
    /* an env of many keys is not spliced, still right */
    pf_buf big = PF_BUF_INIT;
    pf_buf_puts(&big, "{\"env\":{");
    for (int i = 0; i < 70; i++)
        pf_buf_printf(&big, "%s\"K%d\":\"v\"", i ? "," : "", i);
    pf_buf_puts(&big, "}}");
    insert_config(f->s, "odd-big", big.data);
    pf_buf_free(&big);
    /* columns that json_string refuses (invalid UTF-8): the view drops the key */
    insert_config(f->s, "odd-msg", "{}");
    raw(f->s, "odd-msg", "UPDATE job SET message = ?2 WHERE id = ?1", "bad \xc0\xaf byte");
    item_check k = check_all(f->s);
    assert_int_equal(k.rows, (int)n + 2);
    for (size_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "odd-%02zu", i);
        if (was_spliced(&k, id) != cases[i].spliced)
            fail_msg("%s (%s): spliced %d", id, cases[i].text, !cases[i].spliced);
    }
    assert_false(was_spliced(&k, "odd-big"));
    assert_false(was_spliced(&k, "odd-msg"));
}

/* The page as the jansson path built it: rows, views, pf_list_envelope, dump. */
static char *page_by_views(pf_app *app, pf_job_filter flt, int limit)
{
    flt.limit = limit + 1;
    pf_job_row *rows;
    int n;
    pf_error e;
    expect_ok(pf_job_list(pf_store_reader(app->store), &flt, &rows, &n, &e), &e);
    bool truncated = n > limit;
    json_t *items = json_array();
    for (int i = 0; i < (truncated ? limit : n); i++)
        json_array_append_new(items, pf_job_view(app, &rows[i], false));
    json_t *env = pf_list_envelope(app, limit, truncated, truncated ? rows[limit - 1].pk : 0,
                                   "jobList", items);
    char *text = pf_json_dump(env);
    json_decref(env);
    for (int i = 0; i < n; i++)
        pf_job_row_clear(&rows[i]);
    free(rows);
    return text;
}

static void test_list_text_pages_match_views(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 12; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%02d", i);
        insert(f->s, id, i % 3 ? "alice" : "bob", "q1", i % 2 ? "{\"a\":\"1\"}" : NULL, 1000 + i);
        if (i % 4 == 0) move(f->s, id, "pending", "waiting for queue q1: cpu 1/1 in use");
    }
    pf_app app;
    memset(&app, 0, sizeof app);
    app.store = f->s;
    memset(app.secret, 7, sizeof app.secret);
    pf_caller root = {"root", true}, alice = {"alice", false};
    /* every page of a paged walk, for root and for a user, with and without filters */
    struct {
        const pf_caller *c;
        const char *status, *labels, *max_keys;
        pf_job_filter flt;
        int limit;
    } walks[] = {
        {&root, NULL, NULL, "5", {0}, 5},
        {&alice, NULL, NULL, "3", {.user = "alice"}, 3},
        {&root, "pending", NULL, "2", {.status = "pending"}, 2},
        {&root, "", NULL, NULL, {0}, 50},
        {&root, NULL, "{\"a\":\"1\"}", "4", {0}, 4},
        {&root, "no-such", NULL, "4", {.status = "no-such"}, 4},
    };
    for (size_t w = 0; w < sizeof walks / sizeof walks[0]; w++) {
        char marker[PF_MARKER_LEN] = "";
        int64_t before = 0;
        for (int pages = 0;; pages++) {
            assert_true(pages < 20);
            pf_job_query q = {.status = walks[w].status,
                              .labels = walks[w].labels,
                              .max_keys = walks[w].max_keys,
                              .marker = marker};
            pf_error e;
            size_t len;
            char *got = pf_jobs_list_text(&app, walks[w].c, &q, &len, &e);
            if (!got) fail_msg("%s: %s", e.code, e.message);
            assert_int_equal(len, strlen(got));
            pf_job_filter flt = walks[w].flt;
            flt.before_pk = before;
            if (walks[w].labels) flt.labels = json_loads(walks[w].labels, 0, NULL);
            char *want = page_by_views(&app, flt, walks[w].limit);
            json_decref(flt.labels);
            assert_string_equal(got, want);
            free(want);
            json_t *v = json_loads(got, 0, NULL);
            free(got);
            const char *next = json_string_value(json_object_get(v, "nextMarker"));
            if (next) {
                snprintf(marker, sizeof marker, "%s", next);
                assert_int_equal(pf_marker_decode(&app, marker, &before, &e), 0);
            }
            json_decref(v);
            if (!next) break;
        }
    }
    /* the errors of the query, as before */
    struct {
        pf_job_query q;
        const char *code, *message;
    } bad[] = {
        {{.timestamp = "x"}, "InvalidURI", "invalid timestamp params[x]"},
        {{.start_time = "yesterday"}, "InvalidURI", "invalid startTime params[yesterday]"},
        {{.labels = "[1]"}, "InvalidURI", NULL},
        {{.max_keys = "0"}, "InvalidURI", "maxKeys[0] is invalid"},
        {{.marker = "00000000000000010000000000000000"}, "InvalidMarker", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pf_error e;
        size_t len;
        assert_null(pf_jobs_list_text(&app, &root, &bad[i].q, &len, &e));
        assert_string_equal(e.code, bad[i].code);
        if (bad[i].message) assert_string_equal(e.message, bad[i].message);
        assert_null(pf_jobs_list(&app, &root, &bad[i].q, &e));
        assert_string_equal(e.code, bad[i].code);
    }
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_group_commit_acknowledged_writes_survive),
        T(test_failing_write_rolls_back_alone),
        T(test_sql_error_write_reports_and_store_goes_on),
        T(test_migrations_idempotent),
        T(test_newer_schema_refused),
        T(test_migration_from_v1),
        T(test_list_plans_walk_indexes),
        T(test_insert_get),
        T(test_list_filters),
        T(test_list_paging),
        T(test_list_drive_choice),
        T(test_transition_guard_in_store),
        T(test_message_and_spec_updates),
        T(test_soft_delete_frees_id),
        T(test_list_unfinished),
        T(test_tasks_and_runtime),
        T(test_list_item_canonical_configs_spliced),
        T(test_list_item_odd_configs_fall_back),
        T(test_list_text_pages_match_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
