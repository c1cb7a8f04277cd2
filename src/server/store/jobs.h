/* jobs.h — the job and job_task tables. A job row keeps indexed columns for filtering and
 * its whole user-visible spec as JSON (config). The status column is written only by
 * pf_job_transition, which applies the guard of api.md §4. */
#ifndef PF_STORE_JOBS_H
#define PF_STORE_JOBS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

typedef struct pf_job_row {
    int64_t pk;
    char id[64];
    char user[64];
    char queue[64];
    char queue_id[64];
    char type[16];
    char framework[16];
    char status[16];
    char priority[16];
    char *name;    /* owned */
    char *message; /* owned */
    json_t *config; /* owned: the stored spec (normalised create request + server fields) */
    json_t *runtime; /* owned, may be NULL: runtime state (a workflow's engine state) */
    int64_t created_at, updated_at, activated_at, finished_at;
} pf_job_row;

void pf_job_row_clear(pf_job_row *r);

/* Inserts a new job (status init): r's columns, its spec as config_text (pf_json_dump of the
 * config: the HTTP loops dump it, so the one writer thread does not; r->config is not read)
 * and its labels (an object, or NULL); fills r->pk. Duplicate live id → JobCreateFailed. */
int pf_job_insert(sqlite3 *db, pf_job_row *r, const char *config_text, const json_t *labels,
                  pf_error *e);
/* 0 found (live only), 1 not found, -1 error. */
int pf_job_get(sqlite3 *db, const char *id, pf_job_row *out, pf_error *e);

typedef struct pf_job_filter {
    const char *user;   /* NULL = every user */
    const char *status;
    const char *queue;
    json_t *labels;     /* object: all pairs must match (D3) */
    int64_t updated_since_ms;
    int64_t started_since_ms;
    int64_t before_pk;  /* marker: rows with pk < before_pk (D2); 0 = from the newest */
    int limit;
} pf_job_filter;

/* Newest first. *out is an array of *n rows (free each with pf_job_row_clear, then free). */
int pf_job_list(sqlite3 *db, const pf_job_filter *f, pf_job_row **out, int *n, pf_error *e);

/* One listed row as SQLite holds it: text borrowed from the statement, valid only during the
 * scan callback. Lets a caller render rows without decoding them (the list path splices the
 * stored config text); pf_job_row_from_cols decodes one when needed. */
typedef struct pf_job_cols {
    int64_t pk;
    const char *id, *user, *queue, *type, *framework, *status, *priority, *name, *message;
    const char *config; /* the stored JSON text */
    size_t config_len;
    int64_t created_at, updated_at, activated_at, finished_at;
    sqlite3_stmt *st; /* for pf_job_row_from_cols */
} pf_job_cols;

/* Calls fn for each row of the filter, newest first, at most f->limit rows; fn returns 0 to go
 * on, -1 (with e filled) to stop with an error. */
typedef int (*pf_job_scan_fn)(void *ctx, const pf_job_cols *c, pf_error *e);
int pf_job_scan(sqlite3 *db, const pf_job_filter *f, pf_job_scan_fn fn, void *ctx, pf_error *e);
/* The decoded row of a scanned one (free with pf_job_row_clear). */
void pf_job_row_from_cols(const pf_job_cols *c, pf_job_row *out);
/* SQLite's query plan for a filter's list query, one detail per line (malloc'd; NULL on
 * error): tests check that no filter shape sorts or scans what an index could walk. */
char *pf_job_list_plan(sqlite3 *db, const pf_job_filter *f);

/* Calls fn for every job that is not final and not deleted, oldest first (start-up
 * recovery), one row at a time: fn may move the row's contents out; what it leaves is freed.
 * A nonzero return from fn stops the walk and is returned. */
int pf_job_each_unfinished(sqlite3 *db, int (*fn)(void *ctx, pf_job_row *row), void *ctx,
                           pf_error *e);

/* The one door for status (api.md §4): applies the guard to the stored status, records
 * activated_at on first running and finished_at on every final status. out_status gets what
 * was written (or the unchanged final status). Returns 0 / -1; not found → JobNotFound. */
int pf_job_transition(sqlite3 *db, const char *id, const char *status, const char *message,
                      char out_status[16], pf_error *e);

/* Replaces priority and/or config (labels/annotations merged by the caller) and labels. */
int pf_job_update_spec(sqlite3 *db, int64_t pk, const char *priority, json_t *config,
                       pf_error *e);
/* Replaces the runtime state (NULL clears it). */
int pf_job_set_runtime(sqlite3 *db, const char *id, const json_t *runtime, pf_error *e);
/* Sets just the message (e.g. why a job waits) without touching the status. */
int pf_job_set_message(sqlite3 *db, const char *id, const char *message, pf_error *e);
/* Soft delete (api.md §3.9). */
int pf_job_soft_delete(sqlite3 *db, int64_t pk, pf_error *e);
/* Deleted jobs (pks, at most 1000) whose deletion is older than before_ms: their files can go. */
int pf_job_list_deleted_before(sqlite3 *db, int64_t before_ms, int64_t **pks, int *n, pf_error *e);
/* The task names of the deleted (not yet purged) jobs that had this id: an array of strings,
 * NULL on error. */
json_t *pf_job_deleted_task_names(sqlite3 *db, const char *id, pf_error *e);
/* Removes a deleted job's rows (job, tasks) for good. */
int pf_job_purge(sqlite3 *db, int64_t pk, pf_error *e);

/* Tasks: one row per process of a job (name = runtime handle). info is the runtime view. */
int pf_task_put(sqlite3 *db, const char *name, const char *job_id, int64_t job_pk,
                const char *role, int index, const char *status, const json_t *info, pf_error *e);
/* The job's tasks as an array of {name, role, index, status, info}, by index. */
json_t *pf_task_list(sqlite3 *db, int64_t job_pk, pf_error *e);

#endif
