/* clusters.h — the cluster table (api.md §6.3). Deletes are soft (deleted_at), so a name is
 * unique only among live rows; every function here sees live rows only. Free-length text
 * (endpoint, description, credential, setting) is heap-owned; namespace_list is a JSON array
 * of strings. */
#ifndef PF_STORE_CLUSTERS_H
#define PF_STORE_CLUSTERS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct pf_cluster {
    int64_t pk;
    char id[48]; /* "cluster-" + 8 hex, or a plain UUID for the seeded default cluster */
    char name[256];
    char source[64];
    char cluster_type[32]; /* Kubernetes, K3S, Local or local */
    char version[64];
    char status[16];                                     /* online, offline */
    char *endpoint, *description, *credential, *setting; /* owned, never NULL after a read */
    json_t *namespace_list;         /* array of strings; owned, never NULL after a read */
    int64_t created_at, updated_at; /* Unix ms */
} pf_cluster;

/* Frees the owned members (the struct is the caller's). Safe on a zeroed struct. */
void pf_cluster_clear(pf_cluster *c);
void pf_cluster_list_free(pf_cluster *rows, int n);

/* 0 found (out filled; clear it), 1 not found, -1 error. */
int pf_cluster_get(sqlite3 *db, const char *name, pf_cluster *out, pf_error *e);
/* Live clusters with pk > after_pk, ascending, at most limit. names: JSON array of names to
 * keep (NULL or empty = all); status: exact filter (NULL/"" = any). */
int pf_cluster_list(sqlite3 *db, const json_t *names, const char *status, int64_t after_pk,
                    int limit, pf_cluster **out, int *n, pf_error *e);
/* Inserts c (times of c, or now when 0). A live cluster of that name → DuplicatedName. */
int pf_cluster_insert(sqlite3 *db, const pf_cluster *c, pf_error *e);
/* Rewrites every mutable column of the live cluster with c->pk, updated_at = now. */
int pf_cluster_update(sqlite3 *db, const pf_cluster *c, pf_error *e);

/* Names of the cluster's queues that have active jobs (init/pending/running/terminating),
 * rendered like Go's %v of []string: "[q1 q2]". *count = how many. */
int pf_cluster_inuse_queues(sqlite3 *db, const char *cluster, char *desc, size_t desc_len,
                            int *count, pf_error *e);
/* Namespaces used by the cluster's queues, as a new JSON array of distinct strings. */
int pf_cluster_queue_namespaces(sqlite3 *db, const char *cluster, json_t **out, pf_error *e);
/* Deletes the cluster's queues (and their grants), then soft-deletes the cluster.
 * Missing → ClusterNotFound. */
int pf_cluster_delete(sqlite3 *db, const char *name, pf_error *e);

#endif
