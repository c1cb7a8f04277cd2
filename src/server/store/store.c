/* store.c — connections, the writer thread with group commit, and the statement cache. */
#include "server/store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server/store/schema.h"

/* At most this many writes share a transaction: bounds the latency one commit adds. */
#define GROUP_MAX 512

typedef struct write_op {
    pf_store_write_fn fn;
    void *arg;
    pf_error *e; /* pf_store_submit: NULL until the write fails (then heap-owned): a pf_error
                  * is over 1 KiB, and an allocation that size per create cost the HTTP loop
                  * a malloc_consolidate each */
    int rc;
    bool done;
    pf_store_done_fn on_done; /* pf_store_submit: called after the commit; op is heap-owned */
    struct write_op *next;
} write_op;

typedef struct reader {
    sqlite3 *db;
    struct reader *next;
} reader;

struct pf_store {
    char *path;
    sqlite3 *wdb;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t has_work; /* writer waits on it */
    pthread_cond_t done;     /* callers wait on it */
    write_op *head, *tail;
    bool stopping;
    reader *readers; /* every read connection, closed at pf_store_close */
    pthread_key_t reader_key;
    uint64_t commits, writes;
    _Atomic uint64_t queue_version; /* committed groups that changed the queue table */
    bool queue_touched;             /* the current group changed it (writer thread only) */
};

/* SQLite's update hook on the writer: tells which tables a group changes. */
static void on_row_change(void *arg, int op, const char *db, const char *table, sqlite3_int64 row)
{
    (void)op;
    (void)db;
    (void)row;
    if (strcmp(table, "queue") == 0) ((pf_store *)arg)->queue_touched = true;
}

static void close_conn(sqlite3 *db);

static int open_conn(const char *path, bool writer, sqlite3 **out, pf_error *e)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        pf_fail(e, "InternalError", "open database %s: %s", path,
                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    /* synchronous=FULL in WAL mode fsyncs the WAL at every commit: acknowledged = durable. */
    const char *pragmas = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                   "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-8000;"
                                   "PRAGMA wal_autocheckpoint=4000;"
                                 : "PRAGMA cache_size=-2000; PRAGMA query_only=1;";
    char *err = NULL;
    if (sqlite3_exec(db, pragmas, NULL, NULL, &err) != SQLITE_OK) {
        pf_fail(e, "InternalError", "configure database: %s", err ? err : "?");
        sqlite3_free(err);
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

/* Runs a literal statement through the statement cache: the writer runs the same few
 * transaction statements for every write, and preparing them each time cost more than the
 * inserts they wrap. */
static bool exec_cached(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = pf_stmt(db, sql);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    pf_stmt_done(st);
    return rc == SQLITE_DONE;
}

/* Where a failed submitted write keeps its error (a waited write has its caller's). */
static pf_error *op_error(write_op *op)
{
    if (!op->e && !(op->e = malloc(sizeof *op->e))) abort();
    return op->e;
}

static void run_group(pf_store *s, write_op *ops)
{
    bool ok = exec_cached(s->wdb, "BEGIN IMMEDIATE");
    for (write_op *op = ops; ok && op; op = op->next) {
        pf_error scratch;
        exec_cached(s->wdb, "SAVEPOINT w");
        op->rc = op->fn(s->wdb, op->arg, op->e ? op->e : &scratch);
        if (op->rc != 0 && !op->e) *op_error(op) = scratch;
        if (op->rc != 0) exec_cached(s->wdb, "ROLLBACK TO w");
        exec_cached(s->wdb, "RELEASE w");
    }
    if (ok && !exec_cached(s->wdb, "COMMIT")) ok = false;
    if (!ok) {
        pf_logerr("store: group commit failed: %s", sqlite3_errmsg(s->wdb));
        exec_cached(s->wdb, "ROLLBACK");
        for (write_op *op = ops; op; op = op->next)
            if (op->rc == 0) op->rc = pf_fail(op_error(op), "InternalError", "database commit failed");
    }
}

static void *writer_main(void *arg)
{
    pf_store *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->head && !s->stopping) pthread_cond_wait(&s->has_work, &s->mu);
        if (!s->head && s->stopping) break;
        /* take up to GROUP_MAX ops */
        write_op *ops = s->head, *last = ops;
        int n = 1;
        while (last->next && n < GROUP_MAX) {
            last = last->next;
            n++;
        }
        s->head = last->next;
        if (!s->head) s->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->mu);

        run_group(s, ops);

        /* before any waiter returns: it may read at once. A rolled-back change bumps it
         * too: only a spurious cache miss */
        if (s->queue_touched) {
            atomic_fetch_add(&s->queue_version, 1);
            s->queue_touched = false;
        }
        /* submitted ops first, outside the lock: their callbacks answer clients */
        write_op **pp = &ops;
        while (*pp) {
            write_op *op = *pp;
            if (!op->on_done) {
                pp = &op->next;
                continue;
            }
            *pp = op->next;
            op->on_done(op->arg, op->rc, op->e);
            free(op->e);
            free(op);
        }
        pthread_mutex_lock(&s->mu);
        s->commits++;
        s->writes += (uint64_t)n;
        for (write_op *op = ops; op; op = op->next) op->done = true;
        pthread_cond_broadcast(&s->done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

pf_store *pf_store_open(const char *path, pf_error *e)
{
    pf_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->path = strdup(path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->has_work, NULL);
    pthread_cond_init(&s->done, NULL);
    pthread_key_create(&s->reader_key, NULL);
    /* temp_store=MEMORY once migrated: each write of a group runs in a savepoint, whose
     * journal of the pages it changes was a temp file written page by page (two pwrites per
     * page, 5.7 pages per job create: more syscalls than the WAL itself). Not during a
     * migration: rewriting a table of 10^6 jobs journals all of it (1 GB in memory). */
    if (open_conn(path, true, &s->wdb, e) != 0 || pf_schema_migrate(s->wdb, e) != 0 ||
        (sqlite3_exec(s->wdb, "PRAGMA temp_store=MEMORY", NULL, NULL, NULL) != SQLITE_OK &&
         pf_fail(e, "InternalError", "configure database: %s", sqlite3_errmsg(s->wdb)))) {
        sqlite3_close(s->wdb);
        free(s->path);
        free(s);
        return NULL;
    }
    sqlite3_update_hook(s->wdb, on_row_change, s);
    pthread_create(&s->writer, NULL, writer_main, s);
    pthread_setname_np(s->writer, "pf-store");
    return s;
}

void pf_store_close(pf_store *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->has_work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->writer, NULL);
    pf_info("store: %llu writes in %llu group commits", (unsigned long long)s->writes,
            (unsigned long long)s->commits);
    close_conn(s->wdb);
    for (reader *r = s->readers; r;) {
        reader *next = r->next;
        close_conn(r->db);
        free(r);
        r = next;
    }
    pthread_key_delete(s->reader_key);
    free(s->path);
    free(s);
}

sqlite3 *pf_store_reader(pf_store *s)
{
    reader *r = pthread_getspecific(s->reader_key);
    if (r) return r->db;
    pf_error e;
    r = calloc(1, sizeof *r);
    if (!r || open_conn(s->path, false, &r->db, &e) != 0) {
        pf_logerr("store: %s", e.message);
        abort(); /* the database was open a moment ago; nothing sane to do */
    }
    pthread_setspecific(s->reader_key, r);
    pthread_mutex_lock(&s->mu);
    r->next = s->readers;
    s->readers = r;
    pthread_mutex_unlock(&s->mu);
    return r->db;
}

/* Queues op for the writer; false (nothing queued) once the store is stopping. Locked. */
static bool enqueue(pf_store *s, write_op *op)
{
    if (s->stopping) return false;
    if (s->tail)
        s->tail->next = op;
    else
        s->head = op;
    s->tail = op;
    pthread_cond_signal(&s->has_work);
    return true;
}

int pf_store_write(pf_store *s, pf_store_write_fn fn, void *arg, pf_error *e)
{
    write_op op = {.fn = fn, .arg = arg, .e = e};
    pthread_mutex_lock(&s->mu);
    if (!enqueue(s, &op)) {
        pthread_mutex_unlock(&s->mu);
        return pf_fail(e, "ServiceUnavailable", NULL);
    }
    while (!op.done) pthread_cond_wait(&s->done, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return op.rc;
}

void pf_store_submit(pf_store *s, pf_store_write_fn fn, pf_store_done_fn done, void *arg)
{
    write_op *op = malloc(sizeof *op);
    if (!op) abort(); /* as pf_buf: nothing useful to do without memory */
    *op = (write_op){.fn = fn, .arg = arg, .on_done = done};
    pthread_mutex_lock(&s->mu);
    bool queued = enqueue(s, op);
    pthread_mutex_unlock(&s->mu);
    if (!queued) {
        pf_error e;
        done(arg, pf_fail(&e, "ServiceUnavailable", NULL), &e);
        free(op);
    }
}

uint64_t pf_store_queue_version(pf_store *s)
{
    return atomic_load(&s->queue_version);
}

/* ---- statement cache: per thread, keyed by (connection, SQL literal address) ---- */

#define STMT_CACHE 128
typedef struct {
    sqlite3 *db;
    const char *sql;
    sqlite3_stmt *st;
    unsigned epoch;
} stmt_slot;
static __thread stmt_slot t_cache[STMT_CACHE];
/* Bumped whenever connections close (shutdown, tests opening a second store): a cached
 * statement of an older epoch may belong to a closed connection at a reused address. */
static unsigned g_epoch = 1;

static void close_conn(sqlite3 *db)
{
    sqlite3_stmt *st;
    while ((st = sqlite3_next_stmt(db, NULL)) != NULL) sqlite3_finalize(st);
    __atomic_add_fetch(&g_epoch, 1, __ATOMIC_SEQ_CST);
    sqlite3_close(db);
}

sqlite3_stmt *pf_stmt(sqlite3 *db, const char *sql)
{
    unsigned epoch = __atomic_load_n(&g_epoch, __ATOMIC_SEQ_CST);
    uintptr_t h = ((uintptr_t)sql >> 3) ^ ((uintptr_t)db >> 4);
    for (int probe = 0; probe < STMT_CACHE; probe++) {
        stmt_slot *sl = &t_cache[(h + (uintptr_t)probe) % STMT_CACHE];
        if (sl->db && sl->epoch != epoch) sl->db = NULL; /* stale: its connection is gone */
        if (sl->db == db && sl->sql == sql) return sl->st;
        if (!sl->db) {
            sl->epoch = epoch;
            if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &sl->st, NULL) !=
                SQLITE_OK) {
                pf_logerr("store: prepare failed: %s: %s", sqlite3_errmsg(db), sql);
                return NULL;
            }
            sl->db = db;
            sl->sql = sql;
            return sl->st;
        }
    }
    /* cache full: prepare an uncached statement would leak; the cache is sized above the
     * number of distinct statements, so this is a programming error. */
    pf_logerr("store: statement cache full");
    abort();
}

void pf_stmt_done(sqlite3_stmt *st)
{
    if (!st) return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

void pf_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

const char *pf_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int pf_store_fail(sqlite3 *db, pf_error *e, const char *what)
{
    return pf_fail(e, "InternalError", "%s: %s", what, sqlite3_errmsg(db));
}

void pf_store_stats(pf_store *s, uint64_t *commits, uint64_t *writes)
{
    pthread_mutex_lock(&s->mu);
    *commits = s->commits;
    *writes = s->writes;
    pthread_mutex_unlock(&s->mu);
}
