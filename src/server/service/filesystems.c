/* filesystems.c — filesystem rules: upstream's name and URL checks (router/v1/fs.go) and
 * codes, plus what a local directory needs here: absolute, no "..", existing, a directory. */
#include "server/service/filesystems.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "server/service/paging.h"
#include "server/store/store.h"
#include "server/store/users.h"

#define URL_CODE "InvalidFileSystemURL"
#define NAME_CODE "FileSystemNameFormatError"
#define FS_NAME_MAX 63
#define FS_ID_NAME_MAX 59 /* 63 - len("fs-") - len("-"): len(user) + len(name) */

/* Upstream's accepted URL schemes; only local is backed by this server. */
static const char *const SCHEMES[] = {"hdfs", "local",     "s3",  "sftp", "mock",
                                      "cfs",  "glusterfs", "bos", "afs"};

int pf_fs_req_decode(const json_t *body, pf_fs_req *r, pf_error *e)
{
    memset(r, 0, sizeof *r);
    r->name = r->url = r->user = "";
    if (pf_json_str(body, "name", &r->name, e) || pf_json_str(body, "url", &r->url, e) ||
        pf_json_str(body, "username", &r->user, e) ||
        pf_json_strmap(body, "properties", &r->properties, e))
        return -1;
    return 0;
}

void pf_fs_req_clear(pf_fs_req *r)
{
    json_decref(r->properties);
    r->properties = NULL;
}

json_t *pf_fs_json(const pf_fs *f)
{
    char ct[PF_TIME_STR];
    pf_format_local(f->created_at, ct);
    json_t *o = json_object();
    pf_json_set_str(o, "id", f->id);
    pf_json_set_str(o, "name", f->name);
    pf_json_set_str(o, "type", f->type);
    pf_json_set_str(o, "url", f->url);
    pf_json_set_str(o, "hostPath", f->host_path);
    pf_json_set_str(o, "userName", f->user);
    /* upstream's SDK indexes these three keys of every filesystem object */
    pf_json_set_str(o, "username", f->user);
    pf_json_set_str(o, "serverAddress", "");
    pf_json_set_str(o, "subPath", f->host_path);
    json_object_set_new(o, "properties",
                        f->properties ? json_deep_copy(f->properties) : json_object());
    pf_json_set_str(o, "createTime", ct);
    return o;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > FS_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok) return false;
    }
    return true;
}

/* The absolute directory of "local:///<dir>", normalised ("//" and "." dropped). */
static int local_dir(const char *url, char *out, size_t cap, pf_error *e)
{
    const char *p = url + strlen("local://");
    if (!*p) return pf_fail(e, URL_CODE, "local path can not be empty or use root path");
    if (*p != '/')
        return pf_fail(e, URL_CODE,
                       "local path [%s] must be absolute: write the url as "
                       "local:///<absolute directory>",
                       p);
    if (strlen(p) >= cap)
        return pf_fail(e, URL_CODE, "local path is longer than %zu bytes", cap - 1);
    size_t len = 0;
    out[0] = '\0';
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 2 && strncmp(p, "..", 2) == 0)
            return pf_fail(e, URL_CODE, "local path of [%s] must not contain '..'", url);
        if (n > 0 && !(n == 1 && *p == '.')) {
            out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
            out[len] = '\0';
        }
        p += n;
    }
    if (len == 0) return pf_fail(e, URL_CODE, "local path can not be empty or use root path");
    struct stat st;
    if (stat(out, &st) != 0 && errno == ENOENT)
        return pf_fail(e, URL_CODE, "local path [%s] does not exist", out);
    if (stat(out, &st) != 0)
        return pf_fail(e, URL_CODE, "local path [%s] is not accessible: %s", out, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return pf_fail(e, URL_CODE, "local path [%s] is not a directory", out);
    return 0;
}

/* Upstream's URL checks (scheme list), then ours for local. */
static int check_url(const char *url, char *dir, size_t cap, pf_error *e)
{
    const char *colon = strchr(url, ':');
    if (!colon) return pf_fail(e, URL_CODE, "[%s] is not a correct file-system url", url);
    size_t n = (size_t)(colon - url);
    bool known = false;
    for (size_t i = 0; i < sizeof SCHEMES / sizeof SCHEMES[0] && !known; i++)
        known = strlen(SCHEMES[i]) == n && strncmp(SCHEMES[i], url, n) == 0;
    if (!known) return pf_fail(e, URL_CODE, "can not support [%.*s] file system", (int)n, url);
    if (n != 5 || strncmp(url, "local", 5) != 0)
        return pf_fail(e, URL_CODE,
                       "[%.*s] file systems are not supported by this server: only local:// is "
                       "(e.g. local:///data/dir)",
                       (int)n, url);
    if (strncmp(url, "local://", 8) != 0)
        return pf_fail(e, URL_CODE,
                       "[%s] is not a correct local url: write local:///<absolute "
                       "directory>",
                       url);
    return local_dir(url, dir, cap, e);
}

static int insert_fs(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_fs_insert(db, arg, e);
}

json_t *pf_filesystems_create(pf_app *app, const pf_caller *c, const pf_fs_req *r, pf_error *e)
{
    const char *owner = *r->user ? r->user : c->name;
    if (!c->root && strcmp(owner, c->name) != 0) {
        pf_fail(e, "AuthIllegalUser", NULL);
        return NULL;
    }
    if (!name_ok(r->name)) {
        pf_fail(e, NAME_CODE,
                "fsName[%s] must consist of letters, digits, '_' or '-', at most %d characters",
                r->name, FS_NAME_MAX);
        return NULL;
    }
    if (strlen(owner) + strlen(r->name) > FS_ID_NAME_MAX) {
        pf_fail(e, NAME_CODE,
                "the lengths of username[%s] and fsName[%s] must add up to at most %d", owner,
                r->name, FS_ID_NAME_MAX);
        return NULL;
    }
    pf_fs f = {0};
    if (strlen(r->url) >= sizeof f.url) {
        pf_fail(e, URL_CODE, "the url is longer than %zu bytes", sizeof f.url - 1);
        return NULL;
    }
    if (check_url(r->url, f.host_path, sizeof f.host_path, e) != 0) return NULL;
    if (strcmp(owner, c->name) != 0) {
        pf_user u;
        int rc = pf_user_get(pf_store_reader(app->store), owner, &u, e);
        if (rc == 1) pf_fail(e, "UserNotExist", NULL);
        if (rc != 0) return NULL;
    }
    snprintf(f.id, sizeof f.id, "fs-%s-%s", owner, r->name);
    snprintf(f.name, sizeof f.name, "%s", r->name);
    snprintf(f.user, sizeof f.user, "%s", owner);
    snprintf(f.type, sizeof f.type, "local");
    snprintf(f.url, sizeof f.url, "%s", r->url);
    f.properties = r->properties; /* borrowed for the insert */
    if (pf_store_write(app->store, insert_fs, &f, e) != 0) return NULL;
    return json_pack("{s:s, s:s}", "fsName", f.name, "fsID", f.id);
}

json_t *pf_filesystems_list(pf_app *app, const pf_caller *c, const char *marker,
                            const char *max_keys, const char *user, const char *name, pf_error *e)
{
    int limit;
    int64_t after;
    if (pf_parse_max_keys(max_keys, &limit, e) || pf_marker_decode(app, marker, &after, e))
        return NULL;
    const char *who = c->root ? (user ? user : "") : c->name;
    pf_fs *rows;
    int n;
    if (pf_fs_list(pf_store_reader(app->store), who, name, after, limit + 1, &rows, &n, e) != 0)
        return NULL;
    bool truncated = n > limit;
    int shown = truncated ? limit : n;
    json_t *items = json_array();
    for (int i = 0; i < shown; i++)
        json_array_append_new(items, pf_fs_json(&rows[i]));
    json_t *out =
        pf_list_envelope(app, limit, truncated, shown ? rows[shown - 1].pk : 0, "fsList", items);
    pf_fs_list_free(rows, n);
    return out;
}

/* Upstream's getRealUserName: root may name another owner, everyone else means himself. */
static void fs_id(const pf_caller *c, const char *name, const char *user, char *out, size_t cap,
                  const char **owner)
{
    *owner = c->root && user && *user ? user : c->name;
    snprintf(out, cap, "fs-%s-%s", *owner, name);
}

json_t *pf_filesystems_show(pf_app *app, const pf_caller *c, const char *name, const char *user,
                            pf_error *e)
{
    char id[256];
    const char *owner;
    fs_id(c, name, user, id, sizeof id, &owner);
    pf_fs f = {0};
    int rc = pf_fs_get(pf_store_reader(app->store), id, &f, e);
    if (rc == 1)
        pf_fail(e, "RecordNotFound", "username[%s] has not created fsName[%s]", owner, name);
    if (rc != 0) return NULL;
    json_t *out = pf_fs_json(&f);
    pf_fs_clear(&f);
    return out;
}

static int delete_fs(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_fs_delete(db, arg, e);
}

int pf_filesystems_delete(pf_app *app, const pf_caller *c, const char *name, const char *user,
                          pf_error *e)
{
    char id[256];
    const char *owner;
    fs_id(c, name, user, id, sizeof id, &owner);
    return pf_store_write(app->store, delete_fs, id, e);
}
