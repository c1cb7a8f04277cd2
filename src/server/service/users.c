/* users.c — users and grants: validation order and codes of api.md §6.4/§6.5, D12, D18. */
#include "server/service/users.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/ids.h"
#include "base/timeutil.h"
#include "server/service/auth.h"
#include "server/service/paging.h"
#include "server/store/queues.h"
#include "server/store/store.h"
#include "server/store/users.h"

static bool valid_user_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 16) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i])) return false;
    return true;
}

typedef struct {
    const char *name;
    const char *hash;
} user_write;

static int insert_user(sqlite3 *db, void *arg, pf_error *e)
{
    user_write *w = arg;
    return pf_user_insert(db, w->name, w->hash, e);
}

static int set_hash(sqlite3 *db, void *arg, pf_error *e)
{
    user_write *w = arg;
    return pf_user_set_hash(db, w->name, w->hash, e);
}

static int delete_user(sqlite3 *db, void *arg, pf_error *e)
{
    user_write *w = arg;
    return pf_user_delete(db, w->name, e);
}

int pf_users_create(pf_app *app, const pf_caller *c, const char *name, const char *password,
                    pf_error *e)
{
    if (!valid_user_name(name)) return pf_fail(e, "InvalidNamePattern", NULL);
    if (pf_password_check_strength(password, e) != 0) return -1;
    if (!c->root) return pf_fail(e, "OnlyRootAllowed", NULL);
    if (strcasecmp(name, "root") == 0)
        return pf_fail(e, "UserNameDuplicated",
                       "the user name %s is reserved: every case variant of root is", name);
    char hash[crypto_pwhash_STRBYTES];
    if (pf_password_hash(password, hash, sizeof hash, e) != 0) return -1;
    user_write w = {name, hash};
    return pf_store_write(app->store, insert_user, &w, e);
}

int pf_users_set_password(pf_app *app, const pf_caller *c, const char *name,
                          const char *password, pf_error *e)
{
    if (pf_password_check_strength(password, e) != 0) return -1;
    pf_user u;
    int rc = pf_user_get(pf_store_reader(app->store), name, &u, e);
    if (rc < 0) return -1;
    if (rc == 1) return pf_fail(e, "UserNotExist", NULL);
    if (!c->root && strcmp(c->name, name) != 0) return pf_fail(e, "AccessDenied", NULL);
    char hash[crypto_pwhash_STRBYTES];
    if (pf_password_hash(password, hash, sizeof hash, e) != 0) return -1;
    user_write w = {name, hash};
    rc = pf_store_write(app->store, set_hash, &w, e);
    pf_auth_invalidate(app); /* the user's old tokens must fail from now on */
    return rc;
}

int pf_users_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e)
{
    if (!c->root) return pf_fail(e, "AccessDenied", NULL);
    pf_user u;
    int rc = pf_user_get(pf_store_reader(app->store), name, &u, e);
    if (rc < 0) return -1;
    if (rc == 1) return pf_fail(e, "UserNotExist", NULL);
    if (pf_is_root(name)) return pf_fail(e, "AccessDenied", "the root user cannot be deleted");
    user_write w = {name, NULL};
    rc = pf_store_write(app->store, delete_user, &w, e);
    pf_auth_invalidate(app);
    return rc;
}

static json_t *user_json(const pf_user *u)
{
    char t[PF_TIME_STR];
    pf_format_rfc3339(u->created_at, t);
    return json_pack("{s:s, s:s}", "createTime", t, "name", u->name);
}

json_t *pf_users_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                      const char *only, pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "AccessDenied", NULL);
        return NULL;
    }
    sqlite3 *db = pf_store_reader(app->store);
    if (only) {
        pf_user u;
        int rc = pf_user_get(db, only, &u, e);
        if (rc == 1) pf_fail(e, "UserNotExist", NULL);
        return rc == 0 ? user_json(&u) : NULL;
    }
    int limit;
    int64_t after;
    if (pf_parse_max_keys(max_keys, &limit, e) || pf_marker_decode(app, marker, &after, e))
        return NULL;
    pf_user *rows;
    int n;
    if (pf_user_list(db, after, limit + 1, &rows, &n, e) != 0) return NULL;
    bool truncated = n > limit;
    if (truncated) n = limit;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(items, user_json(&rows[i]));
    json_t *out = pf_list_envelope(app, limit, truncated, n ? rows[n - 1].pk : 0, "userList",
                                   items);
    free(rows);
    return out;
}

int pf_users_seed_root(pf_app *app, const char *password, pf_error *e)
{
    pf_user u;
    int rc = pf_user_get(pf_store_reader(app->store), "root", &u, e);
    if (rc <= 0) return rc;
    char hash[crypto_pwhash_STRBYTES];
    if (pf_password_hash(password, hash, sizeof hash, e) != 0) return -1;
    user_write w = {"root", hash};
    return pf_store_write(app->store, insert_user, &w, e);
}

/* ---- grants ---- */

static int check_grant_target(pf_app *app, const pf_caller *c, const char *user,
                              const char *type, const char *resource, pf_error *e)
{
    if (!c->root) return pf_fail(e, "OnlyRootAllowed", NULL);
    if (strcasecmp(user, "root") == 0) return pf_fail(e, "GrantRootActionNotSupport", NULL);
    sqlite3 *db = pf_store_reader(app->store);
    if (strcmp(type, "queue") == 0) {
        int rc = pf_queue_exists(db, resource, e);
        if (rc < 0) return -1;
        if (rc == 0) return pf_fail(e, "QueueNameNotFound", NULL);
    } else if (strcmp(type, "fs") != 0 && strcmp(type, "user") != 0) {
        return pf_fail(e, "GrantResourceTypeNotFound", NULL);
    }
    pf_user u;
    int rc = pf_user_get(db, user, &u, e);
    if (rc < 0) return -1;
    if (rc == 1) return pf_fail(e, "UserNotExist", NULL);
    return 0;
}

static int insert_grant(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_grant_insert(db, arg, e);
}

int pf_grants_create(pf_app *app, const pf_caller *c, const char *user, const char *type,
                     const char *resource, char *id_out, size_t id_len, pf_error *e)
{
    if (check_grant_target(app, c, user, type, resource, e) != 0) return -1;
    pf_grant g = {.created_at = pf_now_ms()};
    pf_short_id("grant", g.id, sizeof g.id);
    snprintf(g.user, sizeof g.user, "%s", user);
    snprintf(g.type, sizeof g.type, "%s", type);
    snprintf(g.resource, sizeof g.resource, "%s", resource);
    if (pf_store_write(app->store, insert_grant, &g, e) != 0) return -1;
    snprintf(id_out, id_len, "%s", g.id);
    return 0;
}

static int delete_grant(sqlite3 *db, void *arg, pf_error *e)
{
    const pf_grant *g = arg;
    return pf_grant_delete(db, g->user, g->type, g->resource, e);
}

int pf_grants_delete(pf_app *app, const pf_caller *c, const char *user, const char *type,
                     const char *resource, pf_error *e)
{
    if (check_grant_target(app, c, user, type, resource, e) != 0) return -1;
    pf_grant g = {0};
    snprintf(g.user, sizeof g.user, "%s", user);
    snprintf(g.type, sizeof g.type, "%s", type);
    snprintf(g.resource, sizeof g.resource, "%s", resource);
    return pf_store_write(app->store, delete_grant, &g, e);
}

json_t *pf_grants_list(pf_app *app, const pf_caller *c, const char *user, const char *marker,
                       const char *max_keys, pf_error *e)
{
    if (!c->root) {
        pf_fail(e, "OnlyRootAllowed", NULL);
        return NULL;
    }
    int limit;
    int64_t after;
    if (pf_parse_max_keys(max_keys, &limit, e) || pf_marker_decode(app, marker, &after, e))
        return NULL;
    pf_grant *rows;
    int n;
    if (pf_grant_list(pf_store_reader(app->store), user ? user : "", after, limit + 1, &rows, &n,
                      e) != 0)
        return NULL;
    bool truncated = n > limit;
    if (truncated) n = limit;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        char ct[PF_TIME_STR], ut[PF_TIME_STR];
        pf_format_rfc3339(rows[i].created_at, ct);
        pf_format_rfc3339(rows[i].updated_at, ut);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "grantID",
                                               rows[i].id, "userName", rows[i].user,
                                               "resourceType", rows[i].type, "resourceID",
                                               rows[i].resource, "createTime", ct, "updateTime",
                                               ut));
    }
    json_t *out =
        pf_list_envelope(app, limit, truncated, n ? rows[n - 1].pk : 0, "grantList", items);
    free(rows);
    return out;
}

bool pf_grants_has(pf_app *app, const char *user, const char *type, const char *resource)
{
    if (pf_is_root(user)) return true;
    pf_error e;
    return pf_grant_find(pf_store_reader(app->store), user, type, resource, NULL, &e) == 0;
}
