/* users.h — the user and grant tables. Functions taking sqlite3* run on any connection:
 * pass pf_store_reader() for reads, the writer's connection inside pf_store_write(). */
#ifndef PF_STORE_USERS_H
#define PF_STORE_USERS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "base/err.h"

typedef struct pf_user {
    int64_t pk;
    char name[64];
    char hash[256];
    int64_t created_at, updated_at;
} pf_user;

/* 0 found, 1 not found, -1 error. */
int pf_user_get(sqlite3 *db, const char *name, pf_user *out, pf_error *e);
int pf_user_insert(sqlite3 *db, const char *name, const char *hash, pf_error *e);
int pf_user_set_hash(sqlite3 *db, const char *name, const char *hash, pf_error *e);
/* Deletes the user and his grants. */
int pf_user_delete(sqlite3 *db, const char *name, pf_error *e);
/* Users with pk > after_pk (root excluded), ascending, at most limit rows. */
int pf_user_list(sqlite3 *db, int64_t after_pk, int limit, pf_user **out, int *n, pf_error *e);

typedef struct pf_grant {
    int64_t pk;
    char id[32];
    char user[64];
    char type[16];
    char resource[256];
    int64_t created_at, updated_at;
} pf_grant;

/* 0 found, 1 not found, -1 error. */
int pf_grant_find(sqlite3 *db, const char *user, const char *type, const char *resource,
                  pf_grant *out, pf_error *e);
int pf_grant_insert(sqlite3 *db, const pf_grant *g, pf_error *e);
int pf_grant_delete(sqlite3 *db, const char *user, const char *type, const char *resource,
                    pf_error *e);
/* Grants with pk > after_pk, optionally of one user, ascending. */
int pf_grant_list(sqlite3 *db, const char *user, int64_t after_pk, int limit, pf_grant **out,
                  int *n, pf_error *e);

#endif
