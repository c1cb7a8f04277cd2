/* http.c — the client object and the one HTTP call every endpoint goes through.
 *
 * A client owns one curl easy handle for its whole life, so consecutive calls reuse the
 * same keep-alive connection (the CLI's login + command is one TCP connection). Tokens are
 * obtained lazily and renewed once when the server says AuthInvalidToken (api.md D17), so
 * callers never see an expired session. Server errors are decoded from the three-key error
 * body of api.md §1.6; transport failures get client-side codes naming host and port. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/internal.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    /* plain HTTP only (api.md §1.1): skipping TLS initialisation saves ~1 ms per CLI run */
    curl_global_init(CURL_GLOBAL_NOTHING);
}

int pf_client_fail(pf_api_error *err, const char *code, const char *fmt, ...)
{
    if (!err) return -1;
    memset(err, 0, sizeof *err);
    snprintf(err->code, sizeof err->code, "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

const char *pf_library_version(void)
{
    return PF_VERSION;
}

pf_client *pf_client_new(const pf_client_options *o, pf_api_error *err)
{
    if (!o || !o->user || !*o->user || !o->password) {
        pf_client_fail(err, "InvalidArgument", "a user name and a password are required");
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    pf_client *c = calloc(1, sizeof *c);
    if (!c) goto oom;
    c->curl = curl_easy_init();
    c->host = strdup(o->host && *o->host ? o->host : PF_CLIENT_DEFAULT_HOST);
    c->user = strdup(o->user);
    c->password = strdup(o->password);
    c->port = o->port > 0 ? o->port : PF_CLIENT_DEFAULT_PORT;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
    if (o->token && *o->token) {
        c->token = strdup(o->token);
        c->token_unverified = true;
    }
    if (!c->curl || !c->host || !c->user || !c->password || (o->token && !c->token)) goto oom;
    /* an IPv6 literal needs brackets inside a URL */
    const char *fmt = strchr(c->host, ':') ? "http://[%s]:%d" : "http://%s:%d";
    if (asprintf(&c->endpoint, fmt, c->host, c->port) < 0) {
        c->endpoint = NULL;
        goto oom;
    }
    return c;
oom:
    pf_client_free(c);
    pf_client_fail(err, "OutOfMemory", "out of memory");
    return NULL;
}

void pf_client_free(pf_client *c)
{
    if (!c) return;
    if (c->curl) curl_easy_cleanup(c->curl);
    if (c->password) explicit_bzero(c->password, strlen(c->password));
    free(c->host);
    free(c->user);
    free(c->password);
    free(c->token);
    free(c->endpoint);
    free(c);
}

const char *pf_client_token(const pf_client *c)
{
    return c->token;
}

const char *pf_client_endpoint(const pf_client *c)
{
    return c->endpoint;
}

/* ---- URL building ---- */

void pf_query_add(pf_buf *q, const char *key, const char *value)
{
    char *k = curl_easy_escape(NULL, key, 0);
    char *v = curl_easy_escape(NULL, value ? value : "", 0);
    pf_buf_printf(q, "%c%s=%s", q->len && strchr(q->data, '?') ? '&' : '?', k, v);
    curl_free(k);
    curl_free(v);
}

void pf_query_addf(pf_buf *q, const char *key, long long value)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%lld", value);
    pf_query_add(q, key, tmp);
}

void pf_path_add(pf_buf *p, const char *segment)
{
    char *s = curl_easy_escape(NULL, segment ? segment : "", 0);
    pf_buf_printf(p, "/%s", s);
    curl_free(s);
}

/* ---- one exchange ---- */

typedef struct exchange {
    pf_buf body;
    char request_id[64];
    pf_log_sink sink; /* streaming: 2xx body goes here instead of into body */
    void *userdata;
    bool sink_stopped;
    CURL *curl;
} exchange;

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    exchange *x = ud;
    size_t len = size * n;
    static const char name[] = "x-pf-request-id:";
    if (len > sizeof name - 1 && strncasecmp(line, name, sizeof name - 1) == 0) {
        const char *v = line + sizeof name - 1;
        size_t vl = len - (sizeof name - 1);
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl >= sizeof x->request_id) vl = sizeof x->request_id - 1;
        memcpy(x->request_id, v, vl);
        x->request_id[vl] = '\0';
    }
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    exchange *x = ud;
    size_t len = size * n;
    if (x->sink) {
        long status = 0;
        curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            if (x->sink(data, len, x->userdata) != 0) {
                x->sink_stopped = true;
                return 0; /* makes curl abort the transfer */
            }
            return len;
        }
    }
    pf_buf_append(&x->body, data, len);
    return len;
}

static int transport_error(pf_client *c, CURLcode rc, const char *errbuf, pf_api_error *err)
{
    long oserr = 0;
    curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &oserr);
    const char *why = oserr ? strerror((int)oserr) : (*errbuf ? errbuf : curl_easy_strerror(rc));
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return pf_client_fail(err, "ConnectionError",
                              "cannot connect to paddleflow server at %s:%d: %s", c->host, c->port,
                              why);
    case CURLE_OPERATION_TIMEDOUT:
        return pf_client_fail(err, "Timeout",
                              "paddleflow server at %s:%d did not answer in time: %s", c->host,
                              c->port, why);
    default:
        return pf_client_fail(err, "ConnectionError",
                              "request to paddleflow server at %s:%d failed: %s", c->host, c->port,
                              *errbuf ? errbuf : curl_easy_strerror(rc));
    }
}

/* Decodes an error answer into err; bodies that are not the §1.6 shape are kept as text. */
static int http_error(long status, exchange *x, pf_api_error *err)
{
    if (!err) return -1;
    memset(err, 0, sizeof *err);
    err->http_status = (int)status;
    snprintf(err->request_id, sizeof err->request_id, "%s", x->request_id);
    json_t *j = x->body.len ? json_loadb(x->body.data, x->body.len, 0, NULL) : NULL;
    json_t *code = json_object_get(j, "code");
    if (json_is_string(code)) {
        snprintf(err->code, sizeof err->code, "%s", json_string_value(code));
        const char *m = json_string_value(json_object_get(j, "message"));
        const char *rid = json_string_value(json_object_get(j, "requestID"));
        snprintf(err->message, sizeof err->message, "%s", m ? m : "");
        if (rid && *rid) snprintf(err->request_id, sizeof err->request_id, "%s", rid);
    } else {
        snprintf(err->code, sizeof err->code, "HTTP%ld", status);
        snprintf(err->message, sizeof err->message, "HTTP %ld: %.300s", status,
                 x->body.len ? x->body.data : "(empty body)");
    }
    json_decref(j);
    return -1;
}

static int perform(pf_client *c, const char *method, const char *path, const char *body, bool auth,
                   exchange *x, long *status, pf_api_error *err)
{
    CURL *h = c->curl;
    char errbuf[CURL_ERROR_SIZE] = "";
    pf_buf url = PF_BUF_INIT;
    pf_buf_printf(&url, "%s%s%s", c->endpoint, PF_API_PREFIX, path);

    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    if (auth && c->token) {
        pf_buf a = PF_BUF_INIT;
        pf_buf_printf(&a, "x-pf-authorization: %s", c->token);
        hdrs = curl_slist_append(hdrs, a.data);
        pf_buf_free(&a);
    }
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, x->sink ? 0L : c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") ? method : NULL);
    }
    x->curl = h;
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    pf_buf_free(&url);
    if (rc == CURLE_WRITE_ERROR && x->sink_stopped) rc = CURLE_OK;
    if (rc != CURLE_OK) return transport_error(c, rc, errbuf, err);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

static void exchange_reset(exchange *x)
{
    pf_buf_free(&x->body);
    x->request_id[0] = '\0';
    x->sink_stopped = false;
}

int pf_login(pf_client *c, pf_api_error *err)
{
    json_t *req = json_pack("{s:s,s:s}", "username", c->user, "password", c->password);
    char *body = pf_body_take(req);
    exchange x = {PF_BUF_INIT, "", NULL, NULL, false, NULL};
    long status = 0;
    int rc = perform(c, "POST", "/login", body, false, &x, &status, err);
    explicit_bzero(body, strlen(body));
    free(body);
    if (rc == 0 && status >= 400) rc = http_error(status, &x, err);
    if (rc == 0) {
        json_t *j = json_loadb(x.body.data ? x.body.data : "", x.body.len, 0, NULL);
        const char *tok = json_string_value(json_object_get(j, "authorization"));
        if (tok) {
            free(c->token);
            c->token = strdup(tok);
        } else {
            rc = pf_client_fail(err, "InvalidResponse", "login answer carries no token");
        }
        json_decref(j);
    }
    exchange_reset(&x);
    return rc;
}

/* Whether an error means "log in again and repeat". An expired token says AuthInvalidToken.
 * A token handed in by the caller may also be stale in other ways (its user's password
 * changed or the user is gone), which the server reports with these codes; only for such a
 * token, and only until a call has succeeded with it, are they taken as a rejected token. */
static bool token_rejected(const pf_client *c, const pf_api_error *err)
{
    if (strcmp(err->code, "AuthInvalidToken") == 0) return true;
    if (!c->token_unverified || err->http_status != 400) return false;
    return strcmp(err->code, "AuthFailed") == 0 || strcmp(err->code, "UserNotExist") == 0 ||
           strcmp(err->code, "AuthWithoutToken") == 0;
}

static int call(pf_client *c, const char *method, const char *path, const char *body, exchange *x,
                pf_api_error *err)
{
    pf_api_error local;
    if (!err) err = &local; /* the retry decision needs the code even if the caller doesn't */
    if (!c->token && pf_login(c, err) != 0) return -1;
    for (int attempt = 0;; attempt++) {
        long status = 0;
        if (perform(c, method, path, body, true, x, &status, err) != 0) return -1;
        if (status < 400) {
            c->token_unverified = false;
            return 0;
        }
        http_error(status, x, err);
        if (!token_rejected(c, err) || attempt > 0) return -1;
        c->token_unverified = false;
        exchange_reset(x);
        if (pf_login(c, err) != 0) return -1;
    }
}

int pf_call_raw(pf_client *c, const char *method, const char *path, const char *body, json_t **out,
                pf_buf *raw, pf_api_error *err)
{
    if (out) *out = NULL;
    exchange x = {PF_BUF_INIT, "", NULL, NULL, false, NULL};
    int rc = call(c, method, path, body, &x, err);
    if (rc == 0 && out && x.body.len) {
        json_error_t je;
        *out = json_loadb(x.body.data, x.body.len, 0, &je);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = pf_client_fail(err, "InvalidResponse", "server answer is not a JSON object: %s",
                                je.text);
        }
    }
    if (rc == 0 && raw) {
        *raw = x.body;
        x.body = (pf_buf)PF_BUF_INIT;
    }
    exchange_reset(&x);
    return rc;
}

int pf_call(pf_client *c, const char *method, const char *path, const char *body, json_t **out,
            pf_api_error *err)
{
    return pf_call_raw(c, method, path, body, out, NULL, err);
}

int pf_call_stream(pf_client *c, const char *path, pf_log_sink sink, void *userdata,
                   pf_api_error *err)
{
    exchange x = {PF_BUF_INIT, "", sink, userdata, false, NULL};
    int rc = call(c, "GET", path, NULL, &x, err);
    exchange_reset(&x);
    return rc;
}
