/* http.c — libmicrohttpd wiring: the access handler, body accumulation with the 4 MiB
 * limit, request ids, authentication (api.md §2.3), dispatch and the per-request log line.
 *
 * libmicrohttpd 0.9.75 closes a keep-alive connection when a handler answers on its first
 * call, so every request is answered on a later call: the first call only sets up the
 * per-request context. */
#include "server/http/http.h"

#include <arpa/inet.h>
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
    struct MHD_Daemon *daemon;
    pf_app *app;
};

typedef struct req_ctx {
    pf_buf body;
    bool too_large;
    int64_t start_ns;
} req_ctx;

typedef struct {
    const char *key;
    const char *value;
} query_find;

static enum MHD_Result find_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    query_find *q = cls;
    if (strcmp(key, q->key) != 0) return MHD_YES;
    q->value = value ? value : "";
    return MHD_NO; /* first value wins */
}

/* Query keys are case-sensitive (api.md §1.4: maxKeys, not maxkeys), which libmicrohttpd's
 * own lookup is not, so the arguments are scanned here. */
const char *pf_req_query(const pf_req *r, const char *key)
{
    query_find q = {key, NULL};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, find_query, &q);
    return q.value;
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
    const char *given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "x-pf-request-id");
    size_t n = given ? strlen(given) : 0;
    bool ok = n > 0 && n < sizeof r->request_id;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)given[i]) || strchr("-_.:", given[i]);
    if (ok)
        memcpy(r->request_id, given, n + 1);
    else
        pf_uuid4(r->request_id);
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
        const char *token =
            MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "x-pf-authorization");
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

static enum MHD_Result send_resp(struct MHD_Connection *conn, const pf_req *r, pf_resp *w)
{
    struct MHD_Response *resp = w->stream;
    if (!resp) {
        size_t len = w->body ? strlen(w->body) : 0;
        resp = MHD_create_response_from_buffer(len, w->body ? w->body : (char *)"",
                                               w->body ? MHD_RESPMEM_MUST_FREE
                                                       : MHD_RESPMEM_PERSISTENT);
        w->body = NULL; /* now owned by the response */
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "x-pf-request-id", r->request_id);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)w->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    pf_http *h = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx) return MHD_NO;
        ctx->start_ns = pf_monotonic_ns();
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_size) {
        if (ctx->body.len + *upload_size > PF_MAX_BODY)
            ctx->too_large = true; /* keep reading (and dropping) so we can answer 413 */
        else
            pf_buf_append(&ctx->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }

    pf_req r = {.app = h->app, .conn = conn, .method = method};
    size_t plen = strlen(PF_API_PREFIX);
    bool under_prefix = strncmp(url, PF_API_PREFIX, plen) == 0 && (url[plen] == '/' || !url[plen]);
    r.path = under_prefix ? url + plen : url;
    r.body = ctx->body.data ? ctx->body.data : "";
    r.body_len = ctx->body.len;
    set_request_id(&r);
    pf_resp w = {.status = 200};
    if (ctx->too_large)
        fail_resp(&w, &r, "RequestEntityTooLarge",
                  "the request body is larger than the 4 MiB limit");
    else if (!under_prefix)
        fail_resp(&w, &r, "PathNotFound", NULL);
    else
        dispatch(&r, &w);
    int status = w.status;
    enum MHD_Result ret = send_resp(conn, &r, &w);
    free(w.body);
    if (pf_log_enabled(PF_LOG_INFO))
        pf_info("%s %s %d %.3fms request_id=%s user=%s", method, url, status,
                (double)(pf_monotonic_ns() - ctx->start_ns) / 1e6, r.request_id,
                r.user[0] ? r.user : "-");
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    req_ctx *ctx = *con_cls;
    if (!ctx) return;
    pf_buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    pf_debug("http: %s", msg);
}

pf_http *pf_http_start(pf_app *app, const char *host, int port, unsigned threads, pf_error *e)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        flags |= MHD_USE_IPv6;
    } else {
        pf_fail(e, "InvalidArguments", "--host %s is not an IPv4 or IPv6 address", host);
        return NULL;
    }
    pf_http *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->app = app;
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 2,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned)8192,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, NULL, MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        pf_fail(e, "InternalError", "cannot listen on %s:%d (port in use or not permitted)", host,
                port);
        return NULL;
    }
    return h;
}

void pf_http_stop(pf_http *h)
{
    if (!h) return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
