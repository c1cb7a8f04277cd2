/* filesystems.h — the filesystem table (api.md §6.6). A filesystem belongs to one user and is
 * addressed by id "fs-<user>-<name>"; this server only creates type "local", whose host_path
 * is the absolute host directory of its local:// URL. */
#ifndef PF_STORE_FILESYSTEMS_H
#define PF_STORE_FILESYSTEMS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "base/err.h"

#define PF_FS_PATH_MAX 1024 /* bytes of a host path */

typedef struct pf_fs {
    int64_t pk;
    char id[96]; /* "fs-" + user + "-" + name, at most 63 bytes by the name rules */
    char name[64];
    char user[64];
    char type[16];
    char url[PF_FS_PATH_MAX + 16];
    char host_path[PF_FS_PATH_MAX];
    json_t *properties;             /* object of strings; owned, never NULL after a read */
    int64_t created_at, updated_at; /* Unix ms */
} pf_fs;

/* Frees the owned JSON (the struct is the caller's). Safe on a zeroed struct. */
void pf_fs_clear(pf_fs *f);
void pf_fs_list_free(pf_fs *rows, int n);

/* 0 found (out filled; clear it), 1 not found, -1 error. */
int pf_fs_get(sqlite3 *db, const char *id, pf_fs *out, pf_error *e);
/* Filesystems with pk > after_pk, ascending, at most limit. user / name: exact filters
 * (NULL/"" = any). */
int pf_fs_list(sqlite3 *db, const char *user, const char *name, int64_t after_pk, int limit,
               pf_fs **out, int *n, pf_error *e);
/* Inserts f (times of f, or now when 0). Same id → DuplicatedName. */
int pf_fs_insert(sqlite3 *db, const pf_fs *f, pf_error *e);
/* Missing → RecordNotFound. */
int pf_fs_delete(sqlite3 *db, const char *id, pf_error *e);

#endif
