/* store.h — the persistence layer: SQLite in WAL mode, one writer thread with group commit.
 *
 * Reads: each thread gets its own read connection (pf_store_reader); WAL lets readers run
 * beside the writer without blocking. Writes: every write is a function run by the single
 * writer thread inside a shared transaction ("group commit"): the writer takes all pending
 * writes, wraps each in a SAVEPOINT (so one failing write rolls back alone), COMMITs once
 * with synchronous=FULL and only then wakes the callers. So a write that returned 0 is on
 * disk, and many concurrent writes share one fsync.
 *
 * Entity-specific SQL lives in the other files of this folder; store.c is the engine. */
#ifndef PF_STORE_STORE_H
#define PF_STORE_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "base/err.h"

typedef struct pf_store pf_store;

/* Opens (creating if needed) the database at path and migrates it to the current schema. */
pf_store *pf_store_open(const char *path, pf_error *e);
/* Stops the writer (pending writes finish first) and closes every connection. */
void pf_store_close(pf_store *s);

/* The calling thread's read connection (opened on first use, owned by the store). */
sqlite3 *pf_store_reader(pf_store *s);

/* A write, run on the writer thread with its connection. Return 0 to keep its changes,
 * -1 (with e filled) to roll them back. */
typedef int (*pf_store_write_fn)(sqlite3 *db, void *arg, pf_error *e);
/* Runs fn in the next group transaction and returns after the commit is durable. */
int pf_store_write(pf_store *s, pf_store_write_fn fn, void *arg, pf_error *e);
/* What a submitted write learns: rc 0 = fn succeeded and is committed (durable; e is NULL);
 * else e says why (fn's failure, or a failed commit). e lives only during the call. */
typedef void (*pf_store_done_fn)(void *arg, int rc, const pf_error *e);
/* pf_store_write without waiting: fn joins the next group commit and done(arg, ...) runs on
 * the writer thread right after that commit — keep it short (it delays the next group).
 * Once the store is stopping, done runs at once on the caller's thread with an error. */
void pf_store_submit(pf_store *s, pf_store_write_fn fn, pf_store_done_fn done, void *arg);

/* A cached prepared statement for (db, sql) on the calling thread; sql must be a string
 * literal (the pointer is the cache key). Call pf_stmt_done() when finished with it. */
sqlite3_stmt *pf_stmt(sqlite3 *db, const char *sql);
void pf_stmt_done(sqlite3_stmt *st);
/* Binds helpers: text NULL binds "" (columns are NOT NULL by design). */
void pf_bind_text(sqlite3_stmt *st, int i, const char *v);
const char *pf_col_text(sqlite3_stmt *st, int i); /* never NULL */
/* Fills e with InternalError from the connection's last error. Returns -1. */
int pf_store_fail(sqlite3 *db, pf_error *e, const char *what);

/* Grows with every committed write group that changed a row of the queue table; read
 * without a lock, before reading queues. A queue read while it had some value is still
 * current as long as it has that value, across the (many) commits that did not touch queues
 * (job creates and the scheduler read queues all the time; they rarely change). */
uint64_t pf_store_queue_version(pf_store *s);

/* Statistics for benchmarks: group commits done and writes they carried. */
void pf_store_stats(pf_store *s, uint64_t *commits, uint64_t *writes);

#endif
