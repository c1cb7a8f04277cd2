/* fuzz_http.c — libFuzzer target for the HTTP request path: the real HTTP front (server.c),
 * authentication, the router and every handler, over a throwaway store.
 *
 * Handlers need a real connection (query arguments, headers), so LLVMFuzzerInitialize wires a
 * server exactly as src/server/main.c does (store in $TMPDIR, secret, seed, job service,
 * pf_http_start on a free 127.0.0.1 port) and every input becomes one HTTP request sent over
 * a socket. Jobs are accepted and scheduled but never run anything: the shim is /bin/false,
 * so a task start fails at once (fuzzed commands must not execute on the fuzzing machine).
 *
 * Input layout: byte 0 = flags (bits 0-1 token: none, root, alice, input garbage; bit 2 raw
 * mode; bit 3 an x-pf-request-id from the input), byte 1 = method, byte 2 = route template,
 * then NUL-separated fields: path tail, query, header lines, body. In raw mode the bytes
 * after byte 0 are sent verbatim and the client half-closes its side. Checked (abort() on violation): every structured request
 * gets an answer; an answer is a well-formed HTTP response; a response of ours is JSON; an
 * error body has exactly requestID, code, message (in that order, strings), its requestID is
 * the x-pf-request-id header and its status is the code's status; no 5xx (D14: 5xx only for
 * real faults; PF_FUZZ_ALLOW_5XX=1 turns that check off); no hang (10 s), streamed answers
 * (log follow) and raw bytes excepted. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "server/config.h"
#include "server/http/http.h"
#include "server/service/auth.h"
#include "server/service/jobs.h"
#include "server/service/seed.h"
#include "server/service/users.h"
#include "server/store/store.h"

#define ROOT_PW "fuzzroot1"
#define ALICE_PW "alice123"
#define REPLY_TIMEOUT_MS 10000
/* Raw bytes are often an incomplete request, which any server waits for until its
 * connection timeout (60 s here; a half-closed client may still be owed answers): raw mode
 * waits this long and checks whatever came. */
#define RAW_TIMEOUT_MS 500
/* A streamed answer (log follow) is read this long, then the client goes away. */
#define STREAM_MS 200

typedef struct fuzz_server {
    pf_app app;
    pf_http *http;
    int port;
    char dir[4096];
    char *root_token;
    char *alice_token;
} fuzz_server;

static fuzz_server S;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_http: %s: %s\n", what, detail ? detail : "");
    abort();
}

static void check(bool ok, const char *what, const char *resp)
{
    if (ok) return;
    fprintf(stderr, "fuzz_http: check failed: %s\n--- response ---\n%s\n", what,
            resp ? resp : "(none)");
    abort();
}

/* ---- the server ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void cleanup(void)
{
    if (S.dir[0]) nftw(S.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        die("free port", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

static char *login(const char *user, const char *password)
{
    pf_error e;
    char *tok = NULL;
    if (pf_auth_login(&S.app, user, password, &tok, &e) != 0) die("login", e.message);
    return tok;
}

/* Puts root's password and alice back when an input changed or deleted them, so the two
 * valid tokens stay valid for the next inputs. */
static void repair_users(void)
{
    pf_error e;
    pf_caller root = {.name = "root", .root = true};
    pf_users_set_password(&S.app, &root, "root", ROOT_PW, &e);
    if (pf_users_create(&S.app, &root, "alice", ALICE_PW, &e) != 0)
        pf_users_set_password(&S.app, &root, "alice", ALICE_PW, &e);
    free(S.root_token);
    free(S.alice_token);
    S.root_token = login("root", ROOT_PW);
    S.alice_token = login("alice", ALICE_PW);
}

/* A few rows for inputs to hit: jobs of root and alice with known ids, a queue, an fs. */
static void seed_rows(void)
{
    pf_error e;
    pf_caller root = {.name = "root", .root = true}, alice = {.name = "alice", .root = false};
    char id[64];
    static const char job_root[] = "{\"id\":\"job-root1\",\"image\":\"x\",\"command\":\"true\"}";
    static const char job_alice[] = "{\"id\":\"job-alice1\",\"image\":\"x\",\"command\":\"true\"}";
    pf_jobs_create(&S.app, &root, "single", job_root, sizeof job_root - 1, id, &e);
    pf_jobs_create(&S.app, &alice, "single", job_alice, sizeof job_alice - 1, id, &e);
    pf_grants_create(&S.app, &root, "alice", "queue", "default-queue", id, sizeof id, &e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (sodium_init() < 0) die("sodium_init", NULL);
    const char *tmp = getenv("TMPDIR");
    snprintf(S.dir, sizeof S.dir, "%s/pf-fuzz-http-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(S.dir)) die("mkdtemp", strerror(errno));
    atexit(cleanup);

    char *args[] = {"fuzz_http", NULL};
    if (pf_config_load(&S.app.cfg, 1, args, stdout, stderr) != 0) die("config", NULL);
    pf_config *cfg = &S.app.cfg;
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", S.dir);
    snprintf(cfg->root_password, sizeof cfg->root_password, ROOT_PW);
    snprintf(cfg->shim_path, sizeof cfg->shim_path, "/bin/false"); /* no task ever runs */
    cfg->http_threads = 2;
    cfg->token_expiry_hours = 24;
    pf_log_set_level(getenv("PF_FUZZ_LOG") ? PF_LOG_DEBUG : PF_LOG_ERROR);

    pf_error e;
    char db[4200];
    snprintf(db, sizeof db, "%s/paddleflow.db", S.dir);
    S.app.store = pf_store_open(db, &e);
    if (!S.app.store || pf_auth_load_secret(&S.app, &e) != 0 || pf_seed(&S.app, &e) != 0 ||
        pf_jobs_start(&S.app, &e) != 0)
        die("server setup", e.message);
    for (int attempt = 0; attempt < 20 && !S.http; attempt++) {
        S.port = free_port();
        S.http = pf_http_start(&S.app, "127.0.0.1", S.port, 2, &e);
    }
    if (!S.http) die("pf_http_start", e.message);
    repair_users();
    seed_rows();
    return 0;
}

/* ---- building the request ---- */

static const char *const METHODS[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH",
                                      "OPTIONS", "get", "TRACE", "CONNECT"};

/* Route prefixes of router.c, so inputs reach the handlers; the input's path tail follows. */
static const char *const ROUTES[] = {
    PF_API_PREFIX "/login",   PF_API_PREFIX "/version",  PF_API_PREFIX "/user",
    PF_API_PREFIX "/user/",   PF_API_PREFIX "/queue",    PF_API_PREFIX "/queue/",
    PF_API_PREFIX "/grant",   PF_API_PREFIX "/flavour",  PF_API_PREFIX "/flavour/",
    PF_API_PREFIX "/cluster", PF_API_PREFIX "/cluster/", PF_API_PREFIX "/fs",
    PF_API_PREFIX "/fs/",     PF_API_PREFIX "/job/single", PF_API_PREFIX "/job/distributed",
    PF_API_PREFIX "/job/workflow", PF_API_PREFIX "/job", PF_API_PREFIX "/job/",
    PF_API_PREFIX "/job/job-root1", PF_API_PREFIX "/job/job-alice1", PF_API_PREFIX "/log/job",
    PF_API_PREFIX, "/", ""};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

typedef struct field {
    const uint8_t *p;
    size_t n;
} field;

/* Splits at NUL bytes into at most n fields (missing fields are empty). */
static void split(const uint8_t *d, size_t size, field *out, size_t n)
{
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < n && size > 0; i++) {
        const uint8_t *z = i + 1 < n ? memchr(d, 0, size) : NULL;
        size_t len = z ? (size_t)(z - d) : size;
        out[i] = (field){d, len};
        d += len + (z ? 1 : 0);
        size -= len + (z ? 1 : 0);
    }
}

/* Appends bytes that would break the request line (space, CR, LF, NUL, '#') %-encoded. */
static void append_url_part(pf_buf *b, field f)
{
    if (!f.n) return;
    for (size_t i = 0; i < f.n; i++) {
        uint8_t c = f.p[i];
        if (c <= ' ' || c == 0x7f || c == '#')
            pf_buf_printf(b, "%%%02X", c);
        else
            pf_buf_append(b, &c, 1);
    }
}

static bool framing_header(const char *line)
{
    static const char *const names[] = {"content-length", "transfer-encoding", "connection",
                                        "host"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(line, names[i], n) == 0 && (line[n] == ':' || line[n] == ' '))
            return true;
    }
    return false;
}

/* Header lines of the input ("Name: value" per line); lines without a colon, with control
 * bytes, or that would change the message framing are dropped: a structured request must
 * stay one well-framed request. */
static void append_headers(pf_buf *b, field f)
{
    if (!f.n) return;
    size_t start = 0;
    for (size_t i = 0; i <= f.n; i++) {
        if (i < f.n && f.p[i] != '\n') continue;
        char line[1024];
        size_t len = i - start < sizeof line - 1 ? i - start : sizeof line - 1;
        memcpy(line, f.p + start, len);
        line[len] = '\0';
        start = i + 1;
        bool ok = len > 1 && line[0] != ':' && line[0] != ' ' && line[0] != '\t' &&
                  strchr(line, ':') && !framing_header(line);
        for (size_t k = 0; ok && k < len; k++)
            ok = (unsigned char)line[k] >= ' ' || line[k] == '\t';
        if (ok) pf_buf_printf(b, "%s\r\n", line);
    }
}

static void append_token(pf_buf *b, int which, field garbage)
{
    if (which == 1) pf_buf_printf(b, "x-pf-authorization: %s\r\n", S.root_token);
    if (which == 2) pf_buf_printf(b, "x-pf-authorization: %s\r\n", S.alice_token);
    if (which == 3) {
        /* input-derived: a tampered copy of a real token, or raw bytes */
        pf_buf_puts(b, "x-pf-authorization: ");
        if (garbage.n && garbage.p[0] & 1) {
            pf_buf_puts(b, S.root_token);
            pf_buf_printf(b, "%zu", garbage.n);
        } else {
            for (size_t i = 0; i < garbage.n && i < 200; i++)
                if (garbage.p[i] > ' ' && garbage.p[i] < 0x7f) pf_buf_append(b, garbage.p + i, 1);
            pf_buf_puts(b, "x");
        }
        pf_buf_puts(b, "\r\n");
    }
}

static bool build_structured(const uint8_t *d, size_t size, pf_buf *b, bool *is_head)
{
    if (size < 3) return false;
    uint8_t flags = d[0];
    const char *method = METHODS[d[1] % (sizeof METHODS / sizeof METHODS[0])];
    const char *route = ROUTES[d[2] % NROUTES];
    *is_head = strcmp(method, "HEAD") == 0;
    field f[4];
    split(d + 3, size - 3, f, 4);
    pf_buf_printf(b, "%s %s", method, route);
    append_url_part(b, f[0]);
    if (f[1].n) {
        pf_buf_puts(b, "?");
        append_url_part(b, f[1]);
    }
    pf_buf_printf(b, " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n", S.port);
    append_token(b, flags & 3, f[1]);
    if (flags & 8) {
        pf_buf_puts(b, "x-pf-request-id: ");
        append_url_part(b, f[0]);
        pf_buf_puts(b, "\r\n");
    }
    append_headers(b, f[2]);
    if (f[3].n || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        pf_buf_printf(b, "Content-Length: %zu\r\n", f[3].n);
    pf_buf_puts(b, "\r\n");
    if (f[3].n) pf_buf_append(b, f[3].p, f[3].n);
    return true;
}

/* ---- talking to the server ---- */

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)S.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect", strerror(errno));
    return fd;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- checking the answer ---- */

typedef struct http_resp {
    int status;
    const char *headers; /* start of the header block (after the status line) */
    size_t headers_len;
    const char *body;
    size_t body_len;
    char request_id[128];
    char content_type[128];
    long content_length; /* -1 absent */
    bool chunked;
} http_resp;

static void header_value(const http_resp *h, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    const char *p = h->headers, *end = h->headers + h->headers_len;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && *v == ' ')
                v++;
            snprintf(out, cap, "%.*s", (int)(eol - v), v);
            return;
        }
        p = eol + 2;
    }
}

/* Parses the first final response in buf (1xx interim responses are skipped). */
static bool parse_response(const char *buf, size_t len, http_resp *h)
{
    memset(h, 0, sizeof *h);
    for (;;) {
        if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') ||
            buf[8] != ' ')
            return false;
        for (int i = 9; i < 12; i++)
            if (buf[i] < '0' || buf[i] > '9') return false;
        h->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
        const char *eoh = memmem(buf, len, "\r\n\r\n", 4);
        if (!eoh) return false;
        const char *eol = memmem(buf, len, "\r\n", 2);
        h->headers = eol + 2;
        h->headers_len = eoh + 2 > h->headers ? (size_t)(eoh + 2 - h->headers) : 0;
        h->body = eoh + 4;
        h->body_len = len - (size_t)(h->body - buf);
        if (h->status >= 200) break;
        buf = h->body;
        len = h->body_len;
    }
    char v[128];
    header_value(h, "x-pf-request-id", h->request_id, sizeof h->request_id);
    header_value(h, "Content-Type", h->content_type, sizeof h->content_type);
    header_value(h, "Content-Length", v, sizeof v);
    h->content_length = v[0] ? strtol(v, NULL, 10) : -1;
    header_value(h, "Transfer-Encoding", v, sizeof v);
    h->chunked = strcasecmp(v, "chunked") == 0;
    return true;
}

/* A complete final response with a Content-Length is in buf (a keep-alive answer is not
 * followed by EOF when the client half-closes: see docs/reliability.md). */
static bool complete(const pf_buf *buf, bool is_head)
{
    http_resp h;
    if (!buf->len || !parse_response(buf->data, buf->len, &h) || h.chunked) return false;
    if (is_head) return true;
    return h.content_length >= 0 && h.body_len >= (size_t)h.content_length;
}

static bool streamed_deadline(const pf_buf *buf, http_resp *h)
{
    return buf->len && parse_response(buf->data, buf->len, h) && h->chunked;
}

/* Sends req (then half-closes when asked) and reads until EOF, a complete answer, or the
 * deadline. Returns false on timeout. The server may answer and close before reading
 * everything (413): send errors are not failures. */
static bool exchange(const pf_buf *req, pf_buf *resp, bool is_head, int timeout_ms,
                     bool half_close)
{
    int fd = connect_server();
    size_t off = 0;
    while (off < req->len) {
        ssize_t n = send(fd, req->data + off, req->len - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += (size_t)n;
    }
    if (half_close) shutdown(fd, SHUT_WR);
    int64_t deadline = now_ms() + timeout_ms;
    bool done = false;
    while (!done) {
        int64_t left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) break;
        char buf[8192];
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0)
            pf_buf_append(resp, buf, (size_t)n);
        else
            done = n == 0 || errno != EINTR;
        done = done || complete(resp, is_head);
        http_resp h;
        if (!done && streamed_deadline(resp, &h) && deadline > now_ms() + STREAM_MS)
            deadline = now_ms() + STREAM_MS; /* a log follow: its start is enough */
    }
    close(fd);
    return done;
}

/* Known server bugs a long run may step over (PF_FUZZ_KNOWN_BUGS=name,...; none by default,
 * so the target fails until they are fixed): utf8-message — an error message echoing request
 * bytes that are not UTF-8 is dropped, leaving the body without "message". */
static bool known_bug(const char *name)
{
    const char *list = getenv("PF_FUZZ_KNOWN_BUGS");
    return list && strstr(list, name);
}

static void check_error_body(const http_resp *h, const char *raw)
{
    json_error_t je;
    json_t *o = json_loadb(h->body, h->body_len, 0, &je);
    check(json_is_object(o), "error body is a JSON object", raw);
    size_t nkeys = json_object_size(o);
    if (nkeys == 2 && !json_object_get(o, "message") && known_bug("utf8-message")) nkeys = 3;
    check(nkeys == 3, "error body has exactly three keys", raw);
    static const char *const keys[] = {"requestID", "code", "message"};
    void *it = json_object_iter(o);
    for (size_t i = 0; i < json_object_size(o); i++, it = json_object_iter_next(o, it)) {
        check(it && strcmp(json_object_iter_key(it), keys[i]) == 0,
              "error keys are requestID, code, message in that order", raw);
        check(json_is_string(json_object_iter_value(it)), "error values are strings", raw);
    }
    const char *code = json_string_value(json_object_get(o, "code"));
    check(strcmp(json_string_value(json_object_get(o, "requestID")), h->request_id) == 0,
          "requestID equals the x-pf-request-id header", raw);
    check(pf_error_http_status(code) == h->status, "HTTP status is the code's status", raw);
    json_decref(o);
}

static bool auth_broken(const http_resp *h)
{
    return h->status == 400 && h->body_len &&
           (memmem(h->body, h->body_len, "\"AuthFailed\"", 12) ||
            memmem(h->body, h->body_len, "\"UserNotExist\"", 14));
}

/* Checks one answer; returns true when the valid tokens need repairing. */
static bool check_response(const pf_buf *resp, bool is_head, bool must_answer)
{
    const char *raw = resp->data ? resp->data : "";
    if (!resp->len) {
        check(!must_answer, "a well-framed request gets an answer", NULL);
        return false;
    }
    http_resp h;
    check(parse_response(raw, resp->len, &h), "well-formed status line and headers", raw);
    check(h.status >= 200 && h.status <= 599, "status in 200..599", raw);
    check(h.request_id[0], "every answer carries x-pf-request-id", raw);
    check(strcmp(h.content_type, "application/json") == 0 || h.chunked,
          "our responses are application/json", raw);
    /* 501/505: the transport's answer to an unknown transfer coding / HTTP version */
    if (!getenv("PF_FUZZ_ALLOW_5XX"))
        check(h.status < 500 || h.status == 501 || h.status == 505,
              "no 5xx for a client's request", raw);
    if (is_head || h.chunked) return false;
    check(h.content_length >= 0 && (size_t)h.content_length == h.body_len,
          "Content-Length matches the body", raw);
    if (h.status >= 400) {
        check_error_body(&h, raw);
    } else if (h.body_len) {
        json_t *o = json_loadb(h.body, h.body_len, 0, NULL);
        check(json_is_object(o), "a 2xx body is a JSON object", raw);
        json_decref(o);
    }
    return auth_broken(&h);
}

/* Before failing on an unanswered request: does the server answer anything now, and where
 * are its threads (gdb, when installed)? */
static void diagnose_hang(const pf_buf *req)
{
    pf_buf probe = PF_BUF_INIT, resp = PF_BUF_INIT, wprobe = PF_BUF_INIT, wresp = PF_BUF_INIT;
    pf_buf_printf(&probe, "GET %s/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                  PF_API_PREFIX);
    bool answered = exchange(&probe, &resp, false, 2000, false);
    /* a write: does the store's writer still commit? */
    static const char body[] = "{\"name\":\"probe\",\"cpu\":\"1\",\"mem\":\"1Gi\"}";
    pf_buf_printf(&wprobe,
                  "POST %s/flavour HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  "x-pf-authorization: %s\r\nContent-Length: %zu\r\n\r\n%s",
                  PF_API_PREFIX, S.root_token, sizeof body - 1, body);
    bool written = exchange(&wprobe, &wresp, false, 2000, false);
    fprintf(stderr,
            "fuzz_http: unanswered request:\n%.*s\n--- a new GET /version: %s; a new POST "
            "/flavour: %s\n",
            (int)(req->len < 2000 ? req->len : 2000), req->data,
            answered ? "answered" : "NOT answered", written ? "answered" : "NOT answered");
    char cmd[160];
    snprintf(cmd, sizeof cmd, "gdb -p %d -batch -ex 'thread apply all bt' 1>&2 2>/dev/null",
             (int)getpid());
    if (access("/usr/bin/gdb", X_OK) == 0 && system(cmd) != 0)
        fprintf(stderr, "fuzz_http: gdb failed\n");
    check(false, "the server answers within 10 s", resp.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 64 * 1024) return 0;
    bool raw_mode = data[0] & 4, is_head = false;
    pf_buf req = PF_BUF_INIT, resp = PF_BUF_INIT;
    if (raw_mode) {
        pf_buf_append(&req, data + 1, size - 1);
        is_head = size >= 6 && memcmp(data + 1, "HEAD ", 5) == 0;
    } else if (!build_structured(data, size, &req, &is_head)) {
        pf_buf_free(&req);
        return 0;
    }
    bool finished =
        exchange(&req, &resp, is_head, raw_mode ? RAW_TIMEOUT_MS : REPLY_TIMEOUT_MS, raw_mode);
    http_resp h;
    bool streamed = resp.len && parse_response(resp.data, resp.len, &h) && h.chunked;
    if (!(finished || streamed || raw_mode)) diagnose_hang(&req);
    /* raw bytes may hold several requests; only the first answer is checked */
    bool repair = check_response(&resp, is_head || raw_mode, !raw_mode);
    if (repair) repair_users();
    pf_buf_free(&req);
    pf_buf_free(&resp);
    return 0;
}
