/* http.c — the application side of the HTTP front: request ids, authentication (api.md
 * §2.3), dispatch through the router, error bodies and the per-request log line. The
 * transport (connections, threads, limits) is server.c. */
#include "server/http/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "server/http/router.h"
#include "server/service/auth.h"

struct pf_http {
    pf_http_server *server;
    pf_app *app;
};

/* Query keys are case-sensitive (api.md §1.4: maxKeys, not maxkeys); the first value wins. */
const char *pf_req_query(const pf_req *r, const char *key)
{
    const pf_http_query *q = r->msg->query;
    for (int i = 0; i < q->n; i++)
        if (strcmp(q->key[i], key) == 0) return q->value[i];
    return NULL;
}

const char *pf_req_query_or(const pf_req *r, const char *key, const char *def)
{
    const char *v = pf_req_query(r, key);
    return v ? v : def;
}

void pf_reply(const pf_req *r, pf_resp *w, int rc, json_t *ok, const pf_error *e)
{
    if (rc != 0) {
        json_decref(ok);
        pf_resp_error(w, r, e);
    } else if (ok) {
        pf_resp_json(w, ok);
    } else {
        pf_resp_empty(w);
    }
}

void pf_reply_text(const pf_req *r, pf_resp *w, char *body, const pf_error *e)
{
    if (!body) {
        pf_resp_error(w, r, e);
        return;
    }
    w->status = 200;
    free(w->body);
    w->body = body;
}

json_t *pf_req_json(const pf_req *r, pf_error *e)
{
    return pf_json_parse_object(r->body, r->body_len, e);
}

void pf_resp_json(pf_resp *w, json_t *v)
{
    w->status = 200;
    free(w->body);
    w->body = pf_json_dump(v);
    json_decref(v);
}

void pf_resp_empty(pf_resp *w)
{
    w->status = 200;
    free(w->body);
    w->body = NULL;
}

void pf_resp_error(pf_resp *w, const pf_req *r, const pf_error *e)
{
    json_t *o = json_object();
    /* messages may echo request bytes that are not UTF-8: never lose a key over that */
    json_object_set_new(o, "requestID", pf_json_string_lossy(r->request_id));
    json_object_set_new(o, "code", pf_json_string_lossy(e->code));
    json_object_set_new(o, "message", pf_json_string_lossy(e->message));
    pf_resp_json(w, o);
    w->status = pf_error_http_status(e->code);
}

static void fail_resp(pf_resp *w, const pf_req *r, const char *code, const char *msg)
{
    pf_error e;
    pf_fail(&e, code, msg ? "%s" : NULL, msg);
    pf_resp_error(w, r, &e);
}

static void set_request_id(pf_req *r)
{
    const char *given = pf_http_header_get(r->msg->head, "x-pf-request-id");
    size_t n = given ? strlen(given) : 0;
    bool ok = n > 0 && n < sizeof r->request_id;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)given[i]) || strchr("-_.:", given[i]);
    if (ok)
        memcpy(r->request_id, given, n + 1);
    else
        pf_request_id(r->request_id);
}

/* Upstream lets any path ending in "login" through unauthenticated (a quirk that runs
 * handlers with no caller); only the login route itself is open here. */
static bool is_login_path(const char *path)
{
    return strcmp(path, "/login") == 0 || strcmp(path, "/login/") == 0;
}

/* api.md §2.3 step 3: a non-root caller may not name another user in userName. */
static int check_cross_user(const pf_req *r, pf_error *e)
{
    if (r->is_root) return 0;
    const char *named = NULL;
    json_t *body = NULL;
    if (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0) {
        pf_error ignored;
        body = r->body_len ? pf_json_parse_object(r->body, r->body_len, &ignored) : NULL;
        json_t *v = body ? pf_json_get(body, "userName") : NULL;
        if (json_is_string(v)) named = json_string_value(v);
    } else {
        named = pf_req_query(r, "userName");
    }
    int rc = 0;
    if (named && *named && strcmp(named, r->user) != 0) rc = pf_fail(e, "AuthIllegalUser", NULL);
    json_decref(body);
    return rc;
}

static void dispatch(pf_req *r, pf_resp *w)
{
    pf_error e;
    if (!is_login_path(r->path)) {
        const char *token = pf_http_header_get(r->msg->head, "x-pf-authorization");
        if (!token || !*token) {
            fail_resp(w, r, "AuthWithoutToken", NULL);
            return;
        }
        if (pf_auth_verify(r->app, token, r->user, sizeof r->user, &e) != 0) {
            pf_resp_error(w, r, &e);
            return;
        }
        r->is_root = pf_is_root(r->user);
        if (check_cross_user(r, &e) != 0) {
            pf_resp_error(w, r, &e);
            return;
        }
    }
    pf_handler h;
    switch (pf_route(r, &h)) {
    case PF_ROUTE_OK: h(r, w); break;
    case PF_ROUTE_NO_PATH: fail_resp(w, r, "PathNotFound", NULL); break;
    case PF_ROUTE_NO_METHOD: fail_resp(w, r, "MethodNotAllowed", NULL); break;
    }
}

/* The path under PF_API_PREFIX, or NULL for a path outside it. */
static const char *api_path(const char *url)
{
    size_t plen = strlen(PF_API_PREFIX);
    if (strncmp(url, PF_API_PREFIX, plen) != 0 || (url[plen] != '/' && url[plen])) return NULL;
    return url + plen;
}

static bool on_quick(void *cls, const pf_http_msg *m)
{
    (void)cls;
    const char *path = api_path(m->path);
    return path && pf_route_is_quick(m->method, path);
}

static void to_answer(pf_resp *w, const pf_req *r, pf_http_answer *a)
{
    a->status = w->status;
    a->stream = w->stream;
    a->body = w->body;
    a->body_len = w->body ? strlen(w->body) : 0;
    a->content_type = w->stream ? "text/plain; charset=utf-8" : NULL;
    memcpy(a->request_id, r->request_id, sizeof a->request_id);
}

struct pf_deferred {
    struct pf_http_conn *conn;
    char request_id[64];
    int64_t start_ns; /* 0 = no log line */
    char method[16];
    char *path;
    char user[64];
};

static void log_line(const char *method, const char *path, int status, int64_t start_ns,
                     const char *request_id, const char *user)
{
    pf_info("%s %s %d %.3fms request_id=%s user=%s", method, path, status,
            (double)(pf_monotonic_ns() - start_ns) / 1e6, request_id, user[0] ? user : "-");
}

pf_deferred *pf_req_defer(const pf_req *r, pf_resp *w)
{
    pf_deferred *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->conn = r->msg->conn;
    memcpy(d->request_id, r->request_id, sizeof d->request_id);
    if (pf_log_enabled(PF_LOG_INFO)) {
        d->start_ns = pf_monotonic_ns();
        snprintf(d->method, sizeof d->method, "%s", r->method);
        d->path = strdup(r->msg->path);
        memcpy(d->user, r->user, sizeof d->user);
    }
    w->deferred = true;
    return d;
}

void pf_deferred_reply(pf_deferred *d, int rc, json_t *ok, const pf_error *e)
{
    pf_http_msg none = {.method = "", .path = ""};
    pf_req r = {.msg = &none};
    memcpy(r.request_id, d->request_id, sizeof r.request_id);
    pf_resp w = {.status = 200};
    pf_reply(&r, &w, rc, ok, e);
    pf_http_answer a = {0};
    to_answer(&w, &r, &a);
    if (d->start_ns)
        log_line(d->method, d->path ? d->path : "", w.status, d->start_ns, d->request_id, d->user);
    pf_http_answer_later(d->conn, &a);
    free(d->path);
    free(d);
}

static bool on_serve(void *cls, const pf_http_msg *m, pf_http_answer *a)
{
    pf_http *h = cls;
    int64_t start_ns = pf_log_enabled(PF_LOG_INFO) ? pf_monotonic_ns() : 0;
    pf_req r = {.app = h->app, .msg = m, .method = m->method, .body = m->body,
                .body_len = m->body_len};
    const char *path = api_path(m->path);
    r.path = path ? path : m->path;
    set_request_id(&r);
    pf_resp w = {.status = 200};
    if (!path)
        fail_resp(&w, &r, "PathNotFound", NULL);
    else
        dispatch(&r, &w);
    if (w.deferred) return false; /* a belongs to pf_deferred_reply now */
    to_answer(&w, &r, a);
    if (start_ns) log_line(m->method, m->path, w.status, start_ns, r.request_id, r.user);
    return true;
}

/* Requests the transport refuses before they reach a handler (malformed, too large). */
static void on_refuse(void *cls, const pf_http_head *head, int status, const char *message,
                      pf_http_answer *a)
{
    (void)cls;
    pf_http_head empty = {.nheaders = 0};
    const pf_http_msg msg = {.head = head ? head : &empty, .method = "", .path = ""};
    pf_req r = {.msg = &msg};
    set_request_id(&r);
    pf_error e;
    const char *code = status == 413   ? "RequestEntityTooLarge"
                       : status == 414 ? "URITooLong"
                       : status == 431 ? "RequestHeaderFieldsTooLarge"
                       : status == 501 ? "NotImplemented"
                       : status == 503 ? "ServiceUnavailable"
                       : status == 505 ? "HTTPVersionNotSupported"
                                       : "InvalidHTTPRequest";
    pf_fail(&e, code, "%s", message);
    pf_resp w = {.status = status};
    pf_resp_error(&w, &r, &e);
    to_answer(&w, &r, a);
    a->status = status;
}

pf_http *pf_http_start(pf_app *app, const char *host, int port, unsigned threads, pf_error *e)
{
    pf_http *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->app = app;
    pf_http_app cb = {.cls = h,
                      .max_body = PF_MAX_BODY,
                      .idle_seconds = app->cfg.http_idle_seconds,
                      .quick = on_quick,
                      .serve = on_serve,
                      .refuse = on_refuse};
    h->server = pf_http_server_start(&cb, host, port, 0, threads, e);
    if (!h->server) {
        free(h);
        return NULL;
    }
    return h;
}

void pf_http_stop(pf_http *h)
{
    if (!h) return;
    pf_http_server_stop(h->server);
    free(h);
}
