/* test_store_entities.c — the SQL of queues, flavours, clusters and filesystems against a
 * real SQLite store in a temporary directory: round trips, duplicate and missing-row codes,
 * filters, the in-use questions asked before deletes, and what deletes take with them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "server/store/clusters.h"
#include "server/store/filesystems.h"
#include "server/store/flavours.h"
#include "server/store/queues.h"
#include "server/store/store.h"
#include "server/store/users.h"
#include "test_store_util.h"


/* ---- writes run on the store's writer, as the services do ---- */

#define WRITER(name, call)                                                                         \
    static int name(sqlite3 *db, void *arg, pf_error *e)                                           \
    {                                                                                              \
        return call;                                                                               \
    }
WRITER(w_queue_insert, pf_queue_insert(db, arg, e))
WRITER(w_queue_update, pf_queue_update(db, arg, e))
WRITER(w_queue_delete, pf_queue_delete(db, arg, e))
WRITER(w_grant_insert, pf_grant_insert(db, arg, e))
WRITER(w_flavour_insert, pf_flavour_insert(db, arg, e))
WRITER(w_flavour_update, pf_flavour_update(db, arg, e))
WRITER(w_flavour_delete, pf_flavour_delete(db, arg, e))
WRITER(w_cluster_insert, pf_cluster_insert(db, arg, e))
WRITER(w_cluster_update, pf_cluster_update(db, arg, e))
WRITER(w_cluster_delete, pf_cluster_delete(db, arg, e))
WRITER(w_fs_insert, pf_fs_insert(db, arg, e))
WRITER(w_fs_delete, pf_fs_delete(db, arg, e))


static void add_job(pf_store *s, const char *id, const char *queue, const char *status, int deleted)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO job(id, name, user_name, queue_name, queue_id, type, framework, status,"
             " message, priority, created_at, updated_at, deleted_at) VALUES ('%s', '', "
             "'root', '%s', '', 'single', 'standalone', '%s', '', 'NORMAL', 1, 1, %d)",
             id, queue, status, deleted);
    pf_error e;
    expect_ok(pf_store_write(s, w_exec, sql, &e), &e);
}

static void add_queue(pf_store *s, const char *name, const char *cluster, const char *ns)
{
    pf_queue q = {0};
    pf_error e;
    snprintf(q.id, sizeof q.id, "queue-%s", name);
    snprintf(q.name, sizeof q.name, "%s", name);
    snprintf(q.namespace_, sizeof q.namespace_, "%s", ns);
    snprintf(q.cluster_name, sizeof q.cluster_name, "%s", cluster);
    snprintf(q.quota_type, sizeof q.quota_type, "elasticQuota");
    snprintf(q.status, sizeof q.status, "open");
    expect_ok(pf_resources_from_flavour("2", "1Gi", NULL, &q.max, &e), &e);
    q.location = json_pack("{s:s}", "a", "b");
    q.scheduling_policy = json_pack("[s]", "priority");
    expect_ok(pf_store_write(s, w_queue_insert, &q, &e), &e);
    pf_queue_clear(&q);
}

static void add_grant(pf_store *s, const char *user, const char *type, const char *res)
{
    pf_grant g = {.created_at = 1};
    pf_error e;
    snprintf(g.id, sizeof g.id, "grant-%s", res);
    snprintf(g.user, sizeof g.user, "%s", user);
    snprintf(g.type, sizeof g.type, "%s", type);
    snprintf(g.resource, sizeof g.resource, "%s", res);
    expect_ok(pf_store_write(s, w_grant_insert, &g, &e), &e);
}

/* ---- queues ---- */

static void test_queue_round_trip(void **state)
{
    fixture *f = *state;
    pf_error e;
    sqlite3 *db = pf_store_reader(f->s);
    add_queue(f->s, "q1", "c1", "ns1");
    pf_queue q;
    assert_int_equal(pf_queue_get(db, "q1", &q, &e), 0);
    assert_string_equal(q.id, "queue-q1");
    assert_string_equal(q.cluster_name, "c1");
    assert_int_equal(q.max.cpu, 2000);
    assert_int_equal(q.max.memory, 1 << 30);
    assert_int_equal(q.min.cpu, 0);
    assert_string_equal(json_string_value(json_object_get(q.location, "a")), "b");
    assert_int_equal(json_array_size(q.scheduling_policy), 1);
    assert_true(q.created_at > 0 && q.updated_at == q.created_at);
    assert_int_equal(pf_queue_exists(db, "q1", &e), 1);
    assert_int_equal(pf_queue_exists(db, "nope", &e), 0);
    pf_queue none = {0};
    assert_int_equal(pf_queue_get(db, "nope", &none, &e), 1);

    /* update rewrites the payload and stamps updated_at */
    q.max.cpu = 500;
    json_object_set_new(q.location, "c", json_string("d"));
    expect_ok(pf_store_write(f->s, w_queue_update, &q, &e), &e);
    pf_queue_clear(&q);
    assert_int_equal(pf_queue_get(db, "q1", &q, &e), 0);
    assert_int_equal(q.max.cpu, 500);
    assert_int_equal(json_object_size(q.location), 2);

    /* duplicate name, missing row */
    expect_code(pf_store_write(f->s, w_queue_insert, &q, &e), &e, "QueueNameDuplicated");
    snprintf(q.name, sizeof q.name, "ghost");
    expect_code(pf_store_write(f->s, w_queue_update, &q, &e), &e, "RecordNotFound");
    expect_code(pf_store_write(f->s, w_queue_delete, "ghost", &e), &e, "QueueNameNotFound");
    pf_queue_clear(&q);
}

/* The cached read sees every committed queue change at once (insert, update, delete, and a
 * cluster delete that takes its queues), and other writes do not invalidate it. */
static void test_queue_cached_read(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_queue q;
    assert_int_equal(pf_queue_get_cached(f->s, "qc", &q, &e), 1); /* remembered as missing */
    add_queue(f->s, "qc", "c1", "ns1");
    assert_int_equal(pf_queue_get_cached(f->s, "qc", &q, &e), 0);
    assert_int_equal(q.max.cpu, 2000);
    assert_null(q.location);
    uint64_t v = pf_store_queue_version(f->s);
    expect_ok(pf_store_write(f->s, w_exec, "CREATE TABLE unrelated(x)", &e), &e);
    assert_int_equal(pf_store_queue_version(f->s), v); /* not a queue write */
    assert_int_equal(pf_queue_get(pf_store_reader(f->s), "qc", &q, &e), 0);
    q.max.cpu = 700;
    snprintf(q.status, sizeof q.status, "closed");
    expect_ok(pf_store_write(f->s, w_queue_update, &q, &e), &e);
    pf_queue_clear(&q);
    assert_true(pf_store_queue_version(f->s) > v);
    assert_int_equal(pf_queue_get_cached(f->s, "qc", &q, &e), 0);
    assert_int_equal(q.max.cpu, 700);
    assert_string_equal(q.status, "closed");
    expect_ok(pf_store_write(f->s, w_queue_delete, "qc", &e), &e);
    assert_int_equal(pf_queue_get_cached(f->s, "qc", &q, &e), 1);
    add_queue(f->s, "qd", "c-gone", "ns1");
    assert_int_equal(pf_queue_get_cached(f->s, "qd", &q, &e), 0);
    expect_ok(pf_store_write(f->s, w_exec, "DELETE FROM queue WHERE cluster_name = 'c-gone'", &e),
              &e);
    assert_int_equal(pf_queue_get_cached(f->s, "qd", &q, &e), 1);
}

static void test_queue_list_grants_and_delete(void **state)
{
    fixture *f = *state;
    pf_error e;
    sqlite3 *db = pf_store_reader(f->s);
    add_queue(f->s, "qa", "c1", "ns");
    add_queue(f->s, "qb", "c1", "ns");
    add_queue(f->s, "qc", "c1", "ns");
    add_grant(f->s, "alice", "queue", "qb");
    add_grant(f->s, "alice", "fs", "qc"); /* another type: not a queue grant */

    pf_queue *rows;
    int n;
    expect_ok(pf_queue_list(db, NULL, NULL, 0, 2, &rows, &n, &e), &e);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].name, "qa");
    int64_t after = rows[1].pk;
    pf_queue_list_free(rows, n);
    expect_ok(pf_queue_list(db, "", "", after, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "qc");
    pf_queue_list_free(rows, n);
    expect_ok(pf_queue_list(db, NULL, "alice", 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "qb");
    pf_queue_list_free(rows, n);
    expect_ok(pf_queue_list(db, "qc", NULL, 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 1);
    pf_queue_list_free(rows, n);

    /* active jobs: init/pending/running/terminating of live rows, sorted, Go's map form */
    add_job(f->s, "job-b", "qb", "pending", 0);
    add_job(f->s, "job-a", "qb", "running", 0);
    add_job(f->s, "job-c", "qb", "succeeded", 0);
    add_job(f->s, "job-d", "qb", "terminating", 0);
    add_job(f->s, "job-e", "qa", "running", 0);
    char desc[256];
    int count;
    expect_ok(pf_queue_active_jobs(db, "qb", desc, sizeof desc, &count, &e), &e);
    assert_int_equal(count, 3);
    assert_string_equal(desc, "map[job-a:running job-b:pending job-d:terminating]");
    expect_ok(pf_queue_active_jobs(db, "qc", desc, sizeof desc, &count, &e), &e);
    assert_int_equal(count, 0);
    assert_string_equal(desc, "");

    /* delete takes the queue's grants, not others */
    expect_ok(pf_store_write(f->s, w_queue_delete, "qb", &e), &e);
    assert_int_equal(pf_grant_find(db, "alice", "queue", "qb", NULL, &e), 1);
    assert_int_equal(pf_grant_find(db, "alice", "fs", "qc", NULL, &e), 0);
}

/* ---- flavours ---- */

static void add_flavour(pf_store *s, const char *name, const char *cluster)
{
    pf_flavour fl = {0};
    pf_error e;
    snprintf(fl.id, sizeof fl.id, "flavour-%s", name);
    snprintf(fl.name, sizeof fl.name, "%s", name);
    snprintf(fl.cpu, sizeof fl.cpu, "1.5");
    snprintf(fl.mem, sizeof fl.mem, "1536Mi");
    snprintf(fl.cluster_name, sizeof fl.cluster_name, "%s", cluster);
    fl.scalar = json_pack("{s:s}", "nvidia.com/gpu", "1");
    expect_ok(pf_store_write(s, w_flavour_insert, &fl, &e), &e);
    pf_flavour_clear(&fl);
}

static void test_flavours(void **state)
{
    fixture *f = *state;
    pf_error e;
    sqlite3 *db = pf_store_reader(f->s);
    add_flavour(f->s, "small", "");
    add_flavour(f->s, "big_1", "");
    add_flavour(f->s, "bound", "c1");
    pf_flavour fl;
    assert_int_equal(pf_flavour_get(db, "small", &fl, &e), 0);
    assert_string_equal(fl.cpu, "1.5");
    assert_string_equal(fl.mem, "1536Mi");
    assert_string_equal(json_string_value(json_object_get(fl.scalar, "nvidia.com/gpu")), "1");
    expect_code(pf_store_write(f->s, w_flavour_insert, &fl, &e), &e, "DuplicatedName");
    snprintf(fl.cpu, sizeof fl.cpu, "2");
    expect_ok(pf_store_write(f->s, w_flavour_update, &fl, &e), &e);
    pf_flavour_clear(&fl);
    assert_int_equal(pf_flavour_get(db, "small", &fl, &e), 0);
    assert_string_equal(fl.cpu, "2");
    snprintf(fl.name, sizeof fl.name, "ghost");
    expect_code(pf_store_write(f->s, w_flavour_update, &fl, &e), &e, "FlavourNotFound");
    pf_flavour_clear(&fl);

    pf_flavour *rows;
    int n;
    expect_ok(pf_flavour_list(db, NULL, NULL, 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 2); /* unbound only */
    pf_flavour_list_free(rows, n);
    expect_ok(pf_flavour_list(db, NULL, "c1", 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 3);
    pf_flavour_list_free(rows, n);
    expect_ok(pf_flavour_list(db, "g_", NULL, 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 1); /* "_" is literal */
    assert_string_equal(rows[0].name, "big_1");
    pf_flavour_list_free(rows, n);
    expect_ok(pf_flavour_list(db, "%", "c1", 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 0);
    pf_flavour_list_free(rows, n);

    expect_ok(pf_store_write(f->s, w_flavour_delete, "small", &e), &e);
    expect_code(pf_store_write(f->s, w_flavour_delete, "small", &e), &e, "FlavourNotFound");
}

/* ---- clusters ---- */

static void add_cluster(pf_store *s, const char *name, const char *status)
{
    pf_cluster c = {0};
    pf_error e;
    snprintf(c.id, sizeof c.id, "cluster-%s", name);
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.cluster_type, sizeof c.cluster_type, "Local");
    snprintf(c.status, sizeof c.status, "%s", status);
    c.endpoint = strdup("127.0.0.1");
    c.description = strdup("d");
    c.credential = strdup("");
    c.setting = strdup("");
    c.namespace_list = json_pack("[s,s]", "ns1", "ns2");
    expect_ok(pf_store_write(s, w_cluster_insert, &c, &e), &e);
    pf_cluster_clear(&c);
}

static void test_clusters(void **state)
{
    fixture *f = *state;
    pf_error e;
    sqlite3 *db = pf_store_reader(f->s);
    add_cluster(f->s, "c1", "online");
    add_cluster(f->s, "c2", "offline");
    pf_cluster c;
    assert_int_equal(pf_cluster_get(db, "c1", &c, &e), 0);
    assert_string_equal(c.endpoint, "127.0.0.1");
    assert_int_equal(json_array_size(c.namespace_list), 2);
    expect_code(pf_store_write(f->s, w_cluster_insert, &c, &e), &e, "DuplicatedName");
    free(c.description);
    c.description = strdup("changed");
    expect_ok(pf_store_write(f->s, w_cluster_update, &c, &e), &e);
    pf_cluster_clear(&c);
    assert_int_equal(pf_cluster_get(db, "c1", &c, &e), 0);
    assert_string_equal(c.description, "changed");
    pf_cluster_clear(&c);

    pf_cluster *rows;
    int n;
    json_t *names = json_pack("[s,s]", "c2", "zz");
    expect_ok(pf_cluster_list(db, names, NULL, 0, 10, &rows, &n, &e), &e);
    json_decref(names);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "c2");
    pf_cluster_list_free(rows, n);
    expect_ok(pf_cluster_list(db, NULL, "online", 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].name, "c1");
    pf_cluster_list_free(rows, n);

    /* queues of c1: one in use, one idle; namespaces in use */
    add_queue(f->s, "busy", "c1", "ns1");
    add_queue(f->s, "idle", "c1", "ns2");
    add_grant(f->s, "bob", "queue", "idle");
    add_job(f->s, "job-x", "busy", "init", 0);
    add_job(f->s, "job-y", "idle", "running", 1); /* a deleted row does not count */
    char desc[256];
    int count;
    expect_ok(pf_cluster_inuse_queues(db, "c1", desc, sizeof desc, &count, &e), &e);
    assert_int_equal(count, 1);
    assert_string_equal(desc, "[busy]");
    json_t *ns;
    expect_ok(pf_cluster_queue_namespaces(db, "c1", &ns, &e), &e);
    assert_int_equal(json_array_size(ns), 2);
    json_decref(ns);

    /* delete: queues and their grants go, the cluster is soft-deleted and its name free */
    expect_ok(pf_store_write(f->s, w_cluster_delete, "c1", &e), &e);
    assert_int_equal(pf_cluster_get(db, "c1", &c, &e), 1);
    assert_int_equal(pf_queue_exists(db, "busy", &e), 0);
    assert_int_equal(pf_grant_find(db, "bob", "queue", "idle", NULL, &e), 1);
    expect_code(pf_store_write(f->s, w_cluster_delete, "c1", &e), &e, "ClusterNotFound");
    add_cluster(f->s, "c1", "online");
    assert_int_equal(pf_cluster_get(db, "c1", &c, &e), 0);
    pf_cluster_clear(&c);
}

/* ---- filesystems ---- */

static void add_fs(pf_store *s, const char *user, const char *name)
{
    pf_fs fs = {0};
    pf_error e;
    snprintf(fs.id, sizeof fs.id, "fs-%s-%s", user, name);
    snprintf(fs.name, sizeof fs.name, "%s", name);
    snprintf(fs.user, sizeof fs.user, "%s", user);
    snprintf(fs.type, sizeof fs.type, "local");
    snprintf(fs.url, sizeof fs.url, "local:///tmp");
    snprintf(fs.host_path, sizeof fs.host_path, "/tmp");
    expect_ok(pf_store_write(s, w_fs_insert, &fs, &e), &e);
}

static void test_filesystems(void **state)
{
    fixture *f = *state;
    pf_error e;
    sqlite3 *db = pf_store_reader(f->s);
    add_fs(f->s, "root", "data");
    add_fs(f->s, "alice", "data");
    add_fs(f->s, "alice", "more");
    pf_fs fs;
    assert_int_equal(pf_fs_get(db, "fs-alice-data", &fs, &e), 0);
    assert_string_equal(fs.user, "alice");
    assert_string_equal(fs.host_path, "/tmp");
    assert_int_equal(json_object_size(fs.properties), 0);
    expect_code(pf_store_write(f->s, w_fs_insert, &fs, &e), &e, "DuplicatedName");
    pf_fs_clear(&fs);
    assert_int_equal(pf_fs_get(db, "fs-bob-data", &fs, &e), 1);

    pf_fs *rows;
    int n;
    expect_ok(pf_fs_list(db, "alice", NULL, 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 2);
    pf_fs_list_free(rows, n);
    expect_ok(pf_fs_list(db, NULL, "data", 0, 10, &rows, &n, &e), &e);
    assert_int_equal(n, 2);
    pf_fs_list_free(rows, n);
    expect_ok(pf_store_write(f->s, w_fs_delete, "fs-alice-data", &e), &e);
    expect_code(pf_store_write(f->s, w_fs_delete, "fs-alice-data", &e), &e, "RecordNotFound");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queue_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_cached_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_list_grants_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flavours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clusters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filesystems, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
