/* users.c — SQL for users and grants. */
#include "server/store/users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "server/store/store.h"

static void read_user(sqlite3_stmt *st, pf_user *u)
{
    u->pk = sqlite3_column_int64(st, 0);
    snprintf(u->name, sizeof u->name, "%s", pf_col_text(st, 1));
    snprintf(u->hash, sizeof u->hash, "%s", pf_col_text(st, 2));
    u->created_at = sqlite3_column_int64(st, 3);
    u->updated_at = sqlite3_column_int64(st, 4);
}

int pf_user_get(sqlite3 *db, const char *name, pf_user *out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "SELECT pk, name, password, created_at, updated_at FROM user WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "get user");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_user(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return 1;
    return pf_store_fail(db, e, "get user");
}

int pf_user_insert(sqlite3 *db, const char *name, const char *hash, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "INSERT INTO user(name, password, created_at, updated_at) "
                                   "VALUES (?1, ?2, ?3, ?3)");
    if (!st) return pf_store_fail(db, e, "insert user");
    pf_bind_text(st, 1, name);
    pf_bind_text(st, 2, hash);
    sqlite3_bind_int64(st, 3, pf_now_ms());
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc == SQLITE_CONSTRAINT) return pf_fail(e, "UserNameDuplicated", NULL);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "insert user");
}

int pf_user_set_hash(sqlite3 *db, const char *name, const char *hash, pf_error *e)
{
    sqlite3_stmt *st =
        pf_stmt(db, "UPDATE user SET password = ?2, updated_at = ?3 WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "update user");
    pf_bind_text(st, 1, name);
    pf_bind_text(st, 2, hash);
    sqlite3_bind_int64(st, 3, pf_now_ms());
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "update user");
    return sqlite3_changes(db) ? 0 : pf_fail(e, "UserNotExist", NULL);
}

int pf_user_delete(sqlite3 *db, const char *name, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "DELETE FROM user WHERE name = ?1");
    sqlite3_stmt *g = pf_stmt(db, "DELETE FROM grant_ WHERE user_name = ?1");
    if (!st || !g) return pf_store_fail(db, e, "delete user");
    pf_bind_text(st, 1, name);
    pf_bind_text(g, 1, name);
    int rc = sqlite3_step(st), changed = sqlite3_changes(db), rc2 = sqlite3_step(g);
    pf_stmt_done(st);
    pf_stmt_done(g);
    if (rc != SQLITE_DONE || rc2 != SQLITE_DONE) return pf_store_fail(db, e, "delete user");
    return changed ? 0 : pf_fail(e, "UserNotExist", NULL);
}

int pf_user_list(sqlite3 *db, int64_t after_pk, int limit, pf_user **out, int *n, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT pk, name, password, created_at, updated_at FROM user "
                                   "WHERE pk > ?1 AND name != 'root' ORDER BY pk LIMIT ?2");
    if (!st) return pf_store_fail(db, e, "list users");
    sqlite3_bind_int64(st, 1, after_pk);
    sqlite3_bind_int(st, 2, limit);
    *out = calloc((size_t)limit + 1, sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) read_user(st, &(*out)[(*n)++]);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        return pf_store_fail(db, e, "list users");
    }
    return 0;
}

static void read_grant(sqlite3_stmt *st, pf_grant *g)
{
    g->pk = sqlite3_column_int64(st, 0);
    snprintf(g->id, sizeof g->id, "%s", pf_col_text(st, 1));
    snprintf(g->user, sizeof g->user, "%s", pf_col_text(st, 2));
    snprintf(g->type, sizeof g->type, "%s", pf_col_text(st, 3));
    snprintf(g->resource, sizeof g->resource, "%s", pf_col_text(st, 4));
    g->created_at = sqlite3_column_int64(st, 5);
    g->updated_at = sqlite3_column_int64(st, 6);
}

#define GRANT_COLS "pk, id, user_name, resource_type, resource_id, created_at, updated_at"

int pf_grant_find(sqlite3 *db, const char *user, const char *type, const char *resource,
                  pf_grant *out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " GRANT_COLS " FROM grant_ WHERE user_name = ?1 AND "
                                   "resource_type = ?2 AND resource_id = ?3");
    if (!st) return pf_store_fail(db, e, "get grant");
    pf_bind_text(st, 1, user);
    pf_bind_text(st, 2, type);
    pf_bind_text(st, 3, resource);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out) read_grant(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : pf_store_fail(db, e, "get grant");
}

int pf_grant_insert(sqlite3 *db, const pf_grant *g, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "INSERT INTO grant_(id, user_name, resource_type, "
                                   "resource_id, created_at, updated_at) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    if (!st) return pf_store_fail(db, e, "insert grant");
    pf_bind_text(st, 1, g->id);
    pf_bind_text(st, 2, g->user);
    pf_bind_text(st, 3, g->type);
    pf_bind_text(st, 4, g->resource);
    sqlite3_bind_int64(st, 5, g->created_at);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc == SQLITE_CONSTRAINT) return pf_fail(e, "GrantAlreadyExist", NULL);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "insert grant");
}

int pf_grant_delete(sqlite3 *db, const char *user, const char *type, const char *resource,
                    pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "DELETE FROM grant_ WHERE user_name = ?1 AND "
                                   "resource_type = ?2 AND resource_id = ?3");
    if (!st) return pf_store_fail(db, e, "delete grant");
    pf_bind_text(st, 1, user);
    pf_bind_text(st, 2, type);
    pf_bind_text(st, 3, resource);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "delete grant");
    return sqlite3_changes(db) ? 0 : pf_fail(e, "GrantNotFound", NULL);
}

int pf_grant_list(sqlite3 *db, const char *user, int64_t after_pk, int limit, pf_grant **out,
                  int *n, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " GRANT_COLS " FROM grant_ WHERE pk > ?1 AND "
                                   "(?2 = '' OR user_name = ?2) ORDER BY pk LIMIT ?3");
    if (!st) return pf_store_fail(db, e, "list grants");
    sqlite3_bind_int64(st, 1, after_pk);
    pf_bind_text(st, 2, user);
    sqlite3_bind_int(st, 3, limit);
    *out = calloc((size_t)limit + 1, sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) read_grant(st, &(*out)[(*n)++]);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        return pf_store_fail(db, e, "list grants");
    }
    return 0;
}
