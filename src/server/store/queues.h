/* queues.h — the queue table (api.md §6.1). Functions taking sqlite3* run on any connection:
 * pf_store_reader() for reads, the writer's connection inside pf_store_write() for writes.
 *
 * Stored forms: max/min resources as the canonical response JSON (pf_resources_dump), location
 * as a JSON object of strings, scheduling_policy as a JSON array of strings. A queue names its
 * cluster by name (clusters are unique by name among live rows). */
#ifndef PF_STORE_QUEUES_H
#define PF_STORE_QUEUES_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/resources.h"
#include "server/store/store.h"

typedef struct pf_queue {
    int64_t pk;
    char id[32];
    char name[64];
    char namespace_[64];
    char cluster_name[256];
    char quota_type[32];
    char status[16];
    pf_resources max, min;
    json_t *location;               /* object of strings; owned, never NULL after a read */
    json_t *scheduling_policy;      /* array of strings; owned, never NULL after a read */
    int64_t created_at, updated_at; /* Unix ms */
} pf_queue;

/* Frees the owned JSON of q (the struct itself is the caller's). Safe on a zeroed struct. */
void pf_queue_clear(pf_queue *q);
/* Frees rows returned by pf_queue_list (each cleared, then the array). */
void pf_queue_list_free(pf_queue *rows, int n);

/* pf_queue_get through a per-thread cache that holds while no commit changed the queue table
 * (pf_store_queue_version): what every job create and scheduler pick reads. location and
 * scheduling_policy are left NULL. 0 found, 1 not found, -1 error. */
int pf_queue_get_cached(pf_store *s, const char *name, pf_queue *out, pf_error *e);
/* 1 exists, 0 not, -1 error. */
int pf_queue_exists(sqlite3 *db, const char *name, pf_error *e);
/* 0 found (out filled; clear it), 1 not found, -1 error. */
int pf_queue_get(sqlite3 *db, const char *name, pf_queue *out, pf_error *e);

/* Queues with pk > after_pk, ascending, at most limit rows. name: exact filter (NULL/"" = any).
 * granted_to: only queues this user holds a "queue" grant for (NULL/"" = all). *out is
 * calloc'd (free with pf_queue_list_free). */
int pf_queue_list(sqlite3 *db, const char *name, const char *granted_to, int64_t after_pk,
                  int limit, pf_queue **out, int *n, pf_error *e);

/* Inserts q (created_at/updated_at of q, or now when 0). Duplicate name → QueueNameDuplicated. */
int pf_queue_insert(sqlite3 *db, const pf_queue *q, pf_error *e);
/* Rewrites max, min, location, scheduling_policy and status of the queue named q->name and
 * stamps updated_at = now. Missing → RecordNotFound. */
int pf_queue_update(sqlite3 *db, const pf_queue *q, pf_error *e);
/* Deletes the queue and every "queue" grant on it. Missing → QueueNameNotFound. */
int pf_queue_delete(sqlite3 *db, const char *name, pf_error *e);

/* Jobs of the queue that hold or wait for it (init, pending, running, terminating), rendered
 * like Go's %v of map[string]string: "map[job-a:running job-b:pending]" (ids sorted).
 * *count = how many; desc is "" when none. */
int pf_queue_active_jobs(sqlite3 *db, const char *name, char *desc, size_t desc_len, int *count,
                         pf_error *e);

#endif
