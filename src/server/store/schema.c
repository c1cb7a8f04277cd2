/* schema.c — migrations. Times are Unix milliseconds (0 = never); deleted_at = 0 means a
 * live row, which is what the partial unique indexes below key on (soft delete frees an id
 * for reuse, api.md §3.9). JSON columns hold the wire shapes so show/list render without
 * re-deriving them. */
#include "server/store/schema.h"

#include <stdio.h>

/* The job table's indexes of schema 1, made again when migration 3 rebuilds the table. */
#define JOB_INDEXES                                                                                \
    "CREATE UNIQUE INDEX job_id ON job(id) WHERE deleted_at = 0;"                                  \
    "CREATE INDEX job_status ON job(status, pk) WHERE deleted_at = 0;"                             \
    "CREATE INDEX job_queue_status ON job(queue_name, status, pk) WHERE deleted_at = 0;"           \
    "CREATE INDEX job_user ON job(user_name, pk) WHERE deleted_at = 0;"                            \
    "CREATE INDEX job_updated ON job(updated_at) WHERE deleted_at = 0;"                            \
    "CREATE INDEX job_activated ON job(activated_at) WHERE deleted_at = 0;"                        \
    "CREATE INDEX job_deleted ON job(deleted_at) WHERE deleted_at != 0;"

static const char *MIGRATIONS[] = {
    /* 1: everything of the foundation and the job API */
    "CREATE TABLE user ("
    "  pk INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, password TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE cluster ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,"
    "  endpoint TEXT NOT NULL, source TEXT NOT NULL, cluster_type TEXT NOT NULL,"
    "  version TEXT NOT NULL, status TEXT NOT NULL, credential TEXT NOT NULL,"
    "  setting TEXT NOT NULL, namespace_list TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, deleted_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX cluster_name ON cluster(name) WHERE deleted_at = 0;"
    "CREATE TABLE queue ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL UNIQUE, namespace TEXT NOT NULL,"
    "  cluster_name TEXT NOT NULL, quota_type TEXT NOT NULL, max_resources TEXT NOT NULL,"
    "  min_resources TEXT NOT NULL, location TEXT NOT NULL, scheduling_policy TEXT NOT NULL,"
    "  status TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE grant_ ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, user_name TEXT NOT NULL,"
    "  resource_type TEXT NOT NULL, resource_id TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  UNIQUE(user_name, resource_type, resource_id));"
    "CREATE TABLE flavour ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL UNIQUE, cpu TEXT NOT NULL,"
    "  mem TEXT NOT NULL, scalar_resources TEXT NOT NULL, cluster_name TEXT NOT NULL,"
    "  user_name TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE filesystem ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  user_name TEXT NOT NULL, type TEXT NOT NULL, url TEXT NOT NULL, host_path TEXT NOT NULL,"
    "  properties TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE job ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, user_name TEXT NOT NULL,"
    "  queue_name TEXT NOT NULL, queue_id TEXT NOT NULL, type TEXT NOT NULL,"
    "  framework TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,"
    "  priority TEXT NOT NULL, config TEXT NOT NULL, runtime TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  activated_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,"
    "  deleted_at INTEGER NOT NULL DEFAULT 0);"
    JOB_INDEXES
    "CREATE TABLE job_label ("
    "  job_pk INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY(key, value, job_pk)) WITHOUT ROWID;"
    "CREATE INDEX job_label_job ON job_label(job_pk);"
    "CREATE TABLE job_task ("
    "  name TEXT PRIMARY KEY, job_id TEXT NOT NULL, job_pk INTEGER NOT NULL, role TEXT NOT NULL,"
    "  idx INTEGER NOT NULL, status TEXT NOT NULL, info TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX job_task_job ON job_task(job_pk);",
    /* 2: GET /job?queue=Q alone used job_queue_status and sorted every job of the queue
     * (315 ms at 10^6 jobs); this index walks the queue newest first and stops after a page.
     * It is written only on insert and delete (a job never changes queue). */
    "CREATE INDEX job_queue ON job(queue_name, pk) WHERE deleted_at = 0;",
    /* 3: a job's spec and runtime state (~1 KB of JSON) move to their own table, keyed by the
     * job's pk. SQLite rewrites a whole row on every UPDATE, so each status change rewrote
     * the spec with it; now it rewrites a ~200-byte row. The job table is copied rather than
     * altered: DROP COLUMN would leave every page of it four-fifths empty for good. */
    "CREATE TABLE job_spec ("
    "  pk INTEGER PRIMARY KEY, config TEXT NOT NULL, runtime TEXT NOT NULL DEFAULT '');"
    "INSERT INTO job_spec(pk, config, runtime) SELECT pk, config, runtime FROM job;"
    "CREATE TABLE job_v3 ("
    "  pk INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, user_name TEXT NOT NULL,"
    "  queue_name TEXT NOT NULL, queue_id TEXT NOT NULL, type TEXT NOT NULL,"
    "  framework TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,"
    "  priority TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    "  activated_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER NOT NULL DEFAULT 0,"
    "  deleted_at INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO job_v3 SELECT pk, id, name, user_name, queue_name, queue_id, type, framework,"
    "  status, message, priority, created_at, updated_at, activated_at, finished_at, deleted_at"
    "  FROM job ORDER BY pk;"
    "DROP TABLE job;"
    "ALTER TABLE job_v3 RENAME TO job;"
    JOB_INDEXES
    "CREATE INDEX job_queue ON job(queue_name, pk) WHERE deleted_at = 0;",
    /* 4: the deleted jobs of an id, found when a new job takes the id: their files must go
     * before the new job can start (or its tasks would adopt theirs). Written only when a job
     * is deleted or purged. */
    "CREATE INDEX job_deleted_id ON job(id) WHERE deleted_at != 0;",
};

int pf_schema_version(void)
{
    return (int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]);
}

int pf_schema_migrate(sqlite3 *db, pf_error *e)
{
    return pf_schema_migrate_to(db, pf_schema_version(), e);
}

int pf_schema_migrate_to(sqlite3 *db, int target, pf_error *e)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return pf_fail(e, "InternalError", "schema: %s", sqlite3_errmsg(db));
    if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > pf_schema_version())
        return pf_fail(e, "InternalError",
                       "database schema version %d is newer than this server (%d); upgrade the "
                       "server",
                       version, pf_schema_version());
    for (int v = version; v < target; v++) {
        char *err = NULL, pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", v + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) != SQLITE_OK ||
            sqlite3_exec(db, MIGRATIONS[v], NULL, NULL, &err) != SQLITE_OK ||
            sqlite3_exec(db, pragma, NULL, NULL, &err) != SQLITE_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
            pf_fail(e, "InternalError", "schema migration %d failed: %s", v + 1,
                    err ? err : sqlite3_errmsg(db));
            sqlite3_free(err);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}
