/* flavours.c — SQL for flavours. */
#include "server/store/flavours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "server/store/store.h"

#define FLAVOUR_COLS                                                                               \
    "pk, id, name, cpu, mem, scalar_resources, cluster_name, user_name, created_at, updated_at"

void pf_flavour_clear(pf_flavour *f)
{
    if (!f) return;
    json_decref(f->scalar);
    f->scalar = NULL;
}

void pf_flavour_list_free(pf_flavour *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        pf_flavour_clear(&rows[i]);
    free(rows);
}

static void read_flavour(sqlite3_stmt *st, pf_flavour *f)
{
    memset(f, 0, sizeof *f);
    f->pk = sqlite3_column_int64(st, 0);
    snprintf(f->id, sizeof f->id, "%s", pf_col_text(st, 1));
    snprintf(f->name, sizeof f->name, "%s", pf_col_text(st, 2));
    snprintf(f->cpu, sizeof f->cpu, "%s", pf_col_text(st, 3));
    snprintf(f->mem, sizeof f->mem, "%s", pf_col_text(st, 4));
    f->scalar = json_loads(pf_col_text(st, 5), 0, NULL);
    if (!json_is_object(f->scalar)) {
        json_decref(f->scalar);
        f->scalar = json_object();
    }
    snprintf(f->cluster_name, sizeof f->cluster_name, "%s", pf_col_text(st, 6));
    snprintf(f->user, sizeof f->user, "%s", pf_col_text(st, 7));
    f->created_at = sqlite3_column_int64(st, 8);
    f->updated_at = sqlite3_column_int64(st, 9);
}

int pf_flavour_get(sqlite3 *db, const char *name, pf_flavour *out, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "SELECT " FLAVOUR_COLS " FROM flavour WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "get flavour");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_flavour(st, out);
    pf_stmt_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : pf_store_fail(db, e, "get flavour");
}

int pf_flavour_list(sqlite3 *db, const char *name_part, const char *cluster, int64_t after_pk,
                    int limit, pf_flavour **out, int *n, pf_error *e)
{
    /* instr(), not LIKE: a name filter containing % or _ means those characters */
    sqlite3_stmt *st =
        pf_stmt(db, "SELECT " FLAVOUR_COLS " FROM flavour WHERE pk > ?1 AND (?2 = '' OR "
                    "instr(name, ?2) > 0) AND (cluster_name = '' OR cluster_name = ?3) "
                    "ORDER BY pk LIMIT ?4");
    if (!st) return pf_store_fail(db, e, "list flavours");
    sqlite3_bind_int64(st, 1, after_pk);
    pf_bind_text(st, 2, name_part);
    pf_bind_text(st, 3, cluster);
    sqlite3_bind_int(st, 4, limit);
    *out = calloc((size_t)limit + 1, sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_flavour(st, &(*out)[(*n)++]);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) {
        pf_flavour_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return pf_store_fail(db, e, "list flavours");
    }
    return 0;
}

static char *scalar_text(const pf_flavour *f)
{
    return f->scalar ? pf_json_dump(f->scalar) : strdup("{}");
}

int pf_flavour_insert(sqlite3 *db, const pf_flavour *f, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(
        db, "INSERT INTO flavour(id, name, cpu, mem, scalar_resources, cluster_name, user_name, "
            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!st) return pf_store_fail(db, e, "insert flavour");
    int64_t now = pf_now_ms();
    char *scalar = scalar_text(f);
    pf_bind_text(st, 1, f->id);
    pf_bind_text(st, 2, f->name);
    pf_bind_text(st, 3, f->cpu);
    pf_bind_text(st, 4, f->mem);
    pf_bind_text(st, 5, scalar);
    pf_bind_text(st, 6, f->cluster_name);
    pf_bind_text(st, 7, f->user);
    sqlite3_bind_int64(st, 8, f->created_at ? f->created_at : now);
    sqlite3_bind_int64(st, 9, f->updated_at ? f->updated_at : now);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    free(scalar);
    if (rc == SQLITE_CONSTRAINT) return pf_fail(e, "DuplicatedName", NULL);
    return rc == SQLITE_DONE ? 0 : pf_store_fail(db, e, "insert flavour");
}

int pf_flavour_update(sqlite3 *db, const pf_flavour *f, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "UPDATE flavour SET cpu = ?2, mem = ?3, scalar_resources = ?4, "
                                   "updated_at = ?5 WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "update flavour");
    char *scalar = scalar_text(f);
    pf_bind_text(st, 1, f->name);
    pf_bind_text(st, 2, f->cpu);
    pf_bind_text(st, 3, f->mem);
    pf_bind_text(st, 4, scalar);
    sqlite3_bind_int64(st, 5, pf_now_ms());
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    free(scalar);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "update flavour");
    return sqlite3_changes(db) ? 0 : pf_fail(e, "FlavourNotFound", "record not found");
}

int pf_flavour_delete(sqlite3 *db, const char *name, pf_error *e)
{
    sqlite3_stmt *st = pf_stmt(db, "DELETE FROM flavour WHERE name = ?1");
    if (!st) return pf_store_fail(db, e, "delete flavour");
    pf_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    pf_stmt_done(st);
    if (rc != SQLITE_DONE) return pf_store_fail(db, e, "delete flavour");
    return sqlite3_changes(db) ? 0
                               : pf_fail(e, "FlavourNotFound",
                                         "delete flavour %s occur a error:record not found", name);
}
