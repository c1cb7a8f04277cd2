/* filesystems.c — SQL for filesystems. */
#include "server/store/filesystems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "server/store/store.h"

#define FS_COLS "pk, id, name, user_name, type, url, host_path, properties, created_at, updated_at"

void pf_fs_clear(pf_fs *f)
{
    if (!f) return;
    json_decref(f->properties);
    f->properties = NULL;
}

void pf_fs_list_free(pf_fs *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        pf_fs_clear(&rows[i]);
    free(rows);
}

static void read_fs(sqlite3_stmt *st, pf_fs *f)
{
    memset(f, 0, sizeof *f);
    f->pk = sqlite3_column_int64(st, 0);
    snprintf(f->id, sizeof f->id, "%s", pf_col_text(st, 1));
    snprintf(f->name, sizeof f->name, "%s", pf_col_text(st, 2));
    snprintf(f->user, sizeof f->user, "%s", pf_col_text(st, 3));
    snprintf(f->type, sizeof f->type, "%s", pf_col_text(st, 4));
    snprintf(f->url, sizeof f->url, "%s", pf_col_text(st, 5));
    snprintf(f->host_path, sizeof f->host_path, "%s", pf_col_text(st, 6));
    f->properties = json_loads(pf_col_text(st, 7), 0, NULL);
    if (!json_is_object(f->properties)) {
        json_decref(f->properties);
        f->properties = json_object();
    }
    f->created_at = sqlite3_column_int64(st, 8);
    f->updated_at = sqlite3_column_int64(st, 9);
}

int pf_fs_get(sqlite3 *db, const char *id, pf_fs *out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " FS_COLS " FROM filesystem WHERE id = ?1");
    if (!st) return pf_store_fail(db, e, "get filesystem");
    pf_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_fs(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : pf_store_fail(db, e, "get filesystem");
}

int pf_fs_list(sqlite3 *db, const char *user, const char *name, int64_t after_pk, int limit,
               pf_fs **out, int *n, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " FS_COLS " FROM filesystem WHERE pk > ?1 AND "
                                   "(?2 = '' OR user_name = ?2) AND (?3 = '' OR name = ?3) "
                                   "ORDER BY pk LIMIT ?4");
    if (!st) return pf_store_fail(db, e, "list filesystems");
    sqlite3_bind_int64(st, 1, after_pk);
    pf_bind_text(st, 2, user);
    pf_bind_text(st, 3, name);
    sqlite3_bind_int(st, 4, limit);
    *out = calloc((size_t)limit + 1, sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_fs(st, &(*out)[(*n)++]);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        pf_fs_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return pf_store_fail(db, e, "list filesystems");
    }
    return 0;
}

int pf_fs_insert(sqlite3 *db, const pf_fs *f, pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "INSERT INTO filesystem(id, name, user_name, type, url, host_path, properties, "
                    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st) return pf_store_fail(db, e, "insert filesystem");
    int64_t now = pf_now_ms();
    char *props = f->properties ? pf_json_dump(f->properties) : strdup("{}");
    pf_bind_text(st, 1, f->id);
    pf_bind_text(st, 2, f->name);
    pf_bind_text(st, 3, f->user);
    pf_bind_text(st, 4, f->type);
    pf_bind_text(st, 5, f->url);
    pf_bind_text(st, 6, f->host_path);
    pf_bind_text(st, 7, props);
    sqlite3_bind_int64(st, 8, f->created_at ? f->created_at : now);
    sqlite3_bind_int64(st, 9, f->updated_at ? f->updated_at : now);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    free(props);
    if (rc == SQLITE_CONSTRAINT)
        return pf_fail(e, "DuplicatedName", "fsID[%s] already exists", f->id);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "insert filesystem");
}

int pf_fs_delete(sqlite3 *db, const char *id, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "DELETE FROM filesystem WHERE id = ?1");
    if (!st) return pf_store_fail(db, e, "delete filesystem");
    pf_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "delete filesystem");
    return sqlite3_changes(db) ? 0 : pf_fail(e, "RecordNotFound", "fs[%s] not exist", id);
}
