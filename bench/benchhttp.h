/* benchhttp.h — the small HTTP/1.1 keep-alive client the benchmark programs share.
 *
 * Header-only (static functions) because CMake builds every bench/bench_<name>.c into its
 * own program and there is no bench library to link. It is deliberately minimal: requests
 * are formatted into one buffer and sent with one write; responses must carry
 * Content-Length (paddleflow-server always sends it outside the log-follow stream, which
 * the benchmarks do not use). A blocking client for sequential latency measurements, and a
 * parser the epoll load generator feeds incrementally. Timing uses CLOCK_MONOTONIC. */
#ifndef PF_BENCH_HTTP_H
#define PF_BENCH_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BH_PREFIX "/api/paddleflow/v1"

static inline double bh_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected, non-delayed TCP socket to host:port, or -1. */
static int bh_dial(const char *host, int port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Formats one request; returns its length, or -1 when it does not fit in cap. */
static int bh_format(char *out, size_t cap, const char *method, const char *path, const char *token,
                     const char *body)
{
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(out, cap,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     method, path, token ? "x-pf-authorization: " : "", token ? token : "",
                     token ? "\r\n" : "", blen);
    if (n < 0 || (size_t)n + blen >= cap) return -1;
    if (blen) memcpy(out + n, body, blen);
    return n + (int)blen;
}

typedef struct {
    int status;
    size_t head_len; /* bytes of status line + headers + blank line */
    size_t body_len;
    int close; /* server said Connection: close */
} bh_head;

/* Parses a response at the start of buf. 1 = complete (h filled), 0 = need more bytes,
 * -1 = malformed or without Content-Length. */
static int bh_parse(const char *buf, size_t len, bh_head *h)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end) return len > 65536 ? -1 : 0;
    memset(h, 0, sizeof *h);
    if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0) return -1;
    h->status = atoi(buf + 9);
    h->head_len = (size_t)(end - buf) + 4;
    int have_len = 0;
    for (const char *p = buf; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol) break;
        if (strncasecmp(p, "content-length:", 15) == 0) {
            h->body_len = strtoul(p + 15, NULL, 10);
            have_len = 1;
        } else if (strncasecmp(p, "connection:", 11) == 0 &&
                   memmem(p, (size_t)(eol - p), "close", 5)) {
            h->close = 1;
        }
        p = eol + 2;
    }
    if (!have_len) return -1;
    return len >= h->head_len + h->body_len ? 1 : 0;
}

/* A blocking keep-alive connection that reconnects when the server closed it. */
typedef struct {
    const char *host;
    int port;
    int fd;
    char *buf;
    size_t cap, len;
    char *req;
    size_t req_cap;
} bh_conn;

static void bh_init(bh_conn *c, const char *host, int port)
{
    memset(c, 0, sizeof *c);
    c->host = host;
    c->port = port;
    c->fd = -1;
    c->cap = 1 << 16;
    c->buf = malloc(c->cap);
    c->req_cap = 1 << 16;
    c->req = malloc(c->req_cap);
}

static void bh_free(bh_conn *c)
{
    if (c->fd >= 0) close(c->fd);
    free(c->buf);
    free(c->req);
}

static int bh_send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One request/response. On success returns 0, the status in *status and a pointer to the
 * body (valid until the next call, NUL-terminated) in *body. */
static int bh_do(bh_conn *c, const char *method, const char *path, const char *token,
                 const char *body, int *status, const char **out_body, size_t *out_len)
{
    int n = bh_format(c->req, c->req_cap, method, path, token, body);
    if (n < 0) return -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && (c->fd = bh_dial(c->host, c->port)) < 0) return -1;
        c->len = 0;
        if (bh_send_all(c->fd, c->req, (size_t)n) != 0) goto retry;
        for (;;) {
            bh_head h;
            int pr = bh_parse(c->buf, c->len, &h);
            if (pr < 0) return -1;
            if (pr == 1) {
                if (h.head_len + h.body_len >= c->cap) return -1;
                c->buf[h.head_len + h.body_len] = '\0';
                *status = h.status;
                if (out_body) *out_body = c->buf + h.head_len;
                if (out_len) *out_len = h.body_len;
                if (h.close) {
                    close(c->fd);
                    c->fd = -1;
                }
                return 0;
            }
            if (c->len + 4096 > c->cap) {
                c->cap *= 2;
                c->buf = realloc(c->buf, c->cap);
            }
            ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                if (c->len == 0) goto retry; /* keep-alive connection closed under us */
                return -1;
            }
            c->len += (size_t)r;
        }
    retry:
        close(c->fd);
        c->fd = -1;
    }
    return -1;
}

/* Logs in; writes the token into out (cap bytes). */
static int bh_login(const char *host, int port, const char *user, const char *password, char *out,
                    size_t cap)
{
    bh_conn c;
    bh_init(&c, host, port);
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
    int status = 0;
    const char *resp = NULL;
    int rc = bh_do(&c, "POST", BH_PREFIX "/login", NULL, body, &status, &resp, NULL);
    const char *k = rc == 0 && status == 200 ? strstr(resp, "\"authorization\"") : NULL;
    const char *q1 = k ? strchr(k + 15, '"') : NULL;
    const char *q2 = q1 ? strchr(q1 + 1, '"') : NULL;
    if (!q2 || (size_t)(q2 - q1) >= cap) {
        fprintf(stderr, "login to %s:%d failed (status %d)\n", host, port, status);
        bh_free(&c);
        return -1;
    }
    memcpy(out, q1 + 1, (size_t)(q2 - q1 - 1));
    out[q2 - q1 - 1] = '\0';
    bh_free(&c);
    return 0;
}

/* The value of a top-level string field of a flat JSON response (no unescaping), or "". */
static void bh_json_str(const char *json, const char *key, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", key);
    const char *p = strstr(json, pat);
    out[0] = '\0';
    if (!p) return;
    p += strlen(pat);
    const char *q = strchr(p, '"');
    if (!q || (size_t)(q - p) >= cap) return;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
}

static int bh_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double bh_pct(const double *sorted, size_t n, double p)
{
    if (!n) return 0;
    size_t i = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (i < 1) i = 1;
    if (i > n) i = n;
    return sorted[i - 1];
}

/* Prints {"p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..,"mean_ms":..} for latencies in
 * seconds (sorts them in place). */
static void bh_print_pcts(FILE *f, double *lat, size_t n)
{
    qsort(lat, n, sizeof *lat, bh_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    fprintf(f,
            "{\"n\":%zu,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
            "\"mean_ms\":%.3f}",
            n, bh_pct(lat, n, 50) * 1e3, bh_pct(lat, n, 90) * 1e3, bh_pct(lat, n, 99) * 1e3,
            n ? lat[n - 1] * 1e3 : 0.0, n ? sum / (double)n * 1e3 : 0.0);
}

#endif
