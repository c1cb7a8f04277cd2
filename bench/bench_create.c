/* bench_create.c — keep-alive HTTP load generator: by default creates single jobs
 * (POST /job/single) over N concurrent connections, each answered only after the server's
 * commit; with --wait-done it then waits until every job has left init/pending/running
 * (end-to-end throughput, issue 3); --method/--path/--body turn it into a generic closed-loop
 * generator (the GET benchmark falls back to it when wrk is missing).
 *
 * One thread, raw non-blocking sockets and epoll, one request in flight per connection
 * (closed loop, like wrk): the generator itself costs little CPU, which matters because it
 * shares the machine's cores with the server. Prints one JSON object on stdout:
 *   {"requests","errors","seconds","rps","latency":{n,p50_ms,p90_ms,p99_ms,max_ms,mean_ms},
 *    "e2e_seconds","e2e_jobs_per_s","succeeded"}   (the e2e fields only with --wait-done)
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/epoll.h>

#include "benchhttp.h"

typedef struct {
    const char *host, *method, *path, *body, *user, *password;
    int port, conns, count, expect;
    double duration, wait_timeout;
    int wait_done;
} options;

typedef struct {
    int fd;
    size_t sent; /* bytes of the current request written */
    char *rbuf;
    size_t rlen, rcap;
    double t0;
    int busy;
} conn;

typedef struct {
    const options *o;
    char *req;
    size_t req_len;
    int ep;
    conn *cs;
    long issued, done, errors;
    double *lat, *at; /* latency and completion time of each response, in completion order */
    size_t nlat, lat_cap;
    double t_start;
    double deadline;
    int first_error_shown;
} gen;

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_create --port N [--host H] [--conns 64] [--count N | --duration S]\n"
            "       [--command CMD] [--method M --path P --body B] [--expect 200]\n"
            "       [--wait-done [--wait-timeout S]] [--user root --password paddleflow]\n");
    exit(2);
}

static int more_to_issue(const gen *g)
{
    if (g->o->count > 0) return g->issued < g->o->count;
    return bh_now() < g->deadline;
}

static int conn_open(gen *g, conn *c)
{
    c->fd = bh_dial(g->o->host, g->o->port);
    if (c->fd < 0) return -1;
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    return epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void conn_reset(gen *g, conn *c)
{
    epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->rlen = 0;
    c->busy = 0;
    if (conn_open(g, c) != 0) {
        fprintf(stderr, "reconnect failed\n");
        exit(1);
    }
}

/* Writes as much of the current request as the socket takes; waits for EPOLLOUT if not all. */
static void conn_flush(gen *g, conn *c)
{
    while (c->sent < g->req_len) {
        ssize_t w = send(c->fd, g->req + c->sent, g->req_len - c->sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) break;
        if (w <= 0) {
            g->errors++;
            conn_reset(g, c);
            return;
        }
        c->sent += (size_t)w;
    }
    struct epoll_event ev = {.events = EPOLLIN | (c->sent < g->req_len ? EPOLLOUT : 0),
                             .data.ptr = c};
    epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_issue(gen *g, conn *c)
{
    if (!more_to_issue(g)) return;
    g->issued++;
    c->busy = 1;
    c->sent = 0;
    c->t0 = bh_now();
    conn_flush(g, c);
}

static void record(gen *g, double seconds)
{
    if (g->nlat == g->lat_cap) {
        g->lat_cap = g->lat_cap ? g->lat_cap * 2 : 65536;
        g->lat = realloc(g->lat, g->lat_cap * sizeof *g->lat);
        g->at = realloc(g->at, g->lat_cap * sizeof *g->at);
    }
    g->at[g->nlat] = bh_now() - g->t_start;
    g->lat[g->nlat++] = seconds;
}

/* Reads what arrived; completes the response when whole and issues the next request. */
static void conn_read(gen *g, conn *c)
{
    for (;;) {
        if (c->rcap - c->rlen < 4096) {
            c->rcap *= 2;
            c->rbuf = realloc(c->rbuf, c->rcap);
        }
        ssize_t r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen - 1, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        if (r <= 0) {
            if (c->busy) g->errors++, g->done++;
            conn_reset(g, c);
            conn_issue(g, c);
            return;
        }
        c->rlen += (size_t)r;
    }
    bh_head h;
    int pr = bh_parse(c->rbuf, c->rlen, &h);
    if (pr == 0) return;
    if (pr < 0 || !c->busy) {
        fprintf(stderr, "malformed response\n");
        exit(1);
    }
    double t = bh_now() - c->t0;
    record(g, t);
    g->done++;
    if (h.status != g->o->expect) {
        g->errors++;
        if (!g->first_error_shown++) {
            c->rbuf[h.head_len + h.body_len < c->rcap ? h.head_len + h.body_len : 0] = '\0';
            fprintf(stderr, "unexpected status %d: %s\n", h.status, c->rbuf + h.head_len);
        }
    }
    size_t used = h.head_len + h.body_len;
    memmove(c->rbuf, c->rbuf + used, c->rlen - used);
    c->rlen -= used;
    c->busy = 0;
    if (h.close) conn_reset(g, c);
    conn_issue(g, c);
}

static void run_load(gen *g)
{
    const options *o = g->o;
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    g->cs = calloc((size_t)o->conns, sizeof *g->cs);
    for (int i = 0; i < o->conns; i++) {
        conn *c = &g->cs[i];
        c->rcap = 1 << 14;
        c->rbuf = malloc(c->rcap);
        if (conn_open(g, c) != 0) {
            fprintf(stderr, "cannot connect to %s:%d\n", o->host, o->port);
            exit(1);
        }
    }
    g->deadline = bh_now() + o->duration;
    for (int i = 0; i < o->conns; i++)
        conn_issue(g, &g->cs[i]);
    struct epoll_event evs[256];
    while (g->done < g->issued || more_to_issue(g)) {
        int n = epoll_wait(g->ep, evs, 256, 1000);
        for (int i = 0; i < n; i++) {
            conn *c = evs[i].data.ptr;
            if (evs[i].events & EPOLLOUT) conn_flush(g, c);
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) conn_read(g, c);
        }
        /* duration mode: idle connections whose turn came after the deadline are done */
        if (!more_to_issue(g) && g->done >= g->issued) break;
    }
    for (int i = 0; i < o->conns; i++) {
        close(g->cs[i].fd);
        free(g->cs[i].rbuf);
    }
    free(g->cs);
    close(g->ep);
}

/* True when no job is in status st (GET /job?status=st&maxKeys=1 lists nothing). */
static int none_in(bh_conn *c, const char *token, const char *st)
{
    char path[256];
    snprintf(path, sizeof path, BH_PREFIX "/job?status=%s&maxKeys=1", st);
    int status = 0;
    const char *body = NULL;
    if (bh_do(c, "GET", path, token, NULL, &status, &body, NULL) != 0 || status != 200) {
        fprintf(stderr, "list %s failed (%d)\n", st, status);
        exit(1);
    }
    return strstr(body, "\"jobList\":[]") != NULL;
}

/* Counts the jobs in status st by paging with the server's markers. */
static long count_in(bh_conn *c, const char *token, const char *st)
{
    long n = 0;
    char marker[128] = "", path[512];
    for (;;) {
        snprintf(path, sizeof path, BH_PREFIX "/job?status=%s&maxKeys=1000%s%s", st,
                 marker[0] ? "&marker=" : "", marker);
        int status = 0;
        const char *body = NULL;
        if (bh_do(c, "GET", path, token, NULL, &status, &body, NULL) != 0 || status != 200)
            return -1;
        for (const char *p = body; (p = strstr(p, "\"acceptTime\"")); p++)
            n++;
        bh_json_str(body, "nextMarker", marker, sizeof marker);
        if (!marker[0]) return n;
    }
}

/* Polls until no job is in init, pending or running. Statuses only move forward, so one
 * sweep in that order that finds all three empty proves every job had reached a final
 * status by the end of the sweep. Returns the time the sweep finished, or -1 on timeout. */
static double wait_done(const options *o, const char *token)
{
    bh_conn c;
    bh_init(&c, o->host, o->port);
    double limit = bh_now() + o->wait_timeout, t = -1;
    while (bh_now() < limit) {
        if (none_in(&c, token, "init") && none_in(&c, token, "pending") &&
            none_in(&c, token, "running")) {
            t = bh_now();
            break;
        }
        usleep(10000);
    }
    bh_free(&c);
    return t;
}

static void parse_args(int argc, char **argv, options *o, const char **command)
{
    static const struct option longs[] = {
        {"host", 1, 0, 'H'},   {"port", 1, 0, 'p'},      {"conns", 1, 0, 'c'},
        {"count", 1, 0, 'n'},  {"duration", 1, 0, 'd'},  {"method", 1, 0, 'm'},
        {"path", 1, 0, 'P'},   {"body", 1, 0, 'b'},      {"command", 1, 0, 'C'},
        {"expect", 1, 0, 'e'}, {"wait-done", 0, 0, 'w'}, {"wait-timeout", 1, 0, 'W'},
        {"user", 1, 0, 'u'},   {"password", 1, 0, 'x'},  {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'H':
            o->host = optarg;
            break;
        case 'p':
            o->port = atoi(optarg);
            break;
        case 'c':
            o->conns = atoi(optarg);
            break;
        case 'n':
            o->count = atoi(optarg);
            break;
        case 'd':
            o->duration = atof(optarg);
            break;
        case 'm':
            o->method = optarg;
            break;
        case 'P':
            o->path = optarg;
            break;
        case 'b':
            o->body = optarg;
            break;
        case 'C':
            *command = optarg;
            break;
        case 'e':
            o->expect = atoi(optarg);
            break;
        case 'w':
            o->wait_done = 1;
            break;
        case 'W':
            o->wait_timeout = atof(optarg);
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'x':
            o->password = optarg;
            break;
        default:
            usage();
        }
    }
    if (o->port <= 0 || o->conns <= 0 || (o->count <= 0 && o->duration <= 0)) usage();
}

int main(int argc, char **argv)
{
    options o = {.host = "127.0.0.1",
                 .method = "POST",
                 .path = BH_PREFIX "/job/single",
                 .user = "root",
                 .password = "paddleflow",
                 .conns = 64,
                 .expect = 200,
                 .wait_timeout = 600};
    const char *command = "true";
    parse_args(argc, argv, &o, &command);
    char body[1024];
    if (!o.body) {
        snprintf(body, sizeof body,
                 "{\"name\":\"bench\",\"image\":\"busybox\",\"command\":\"%s\","
                 "\"schedulingPolicy\":{\"queue\":\"default-queue\"},"
                 "\"flavour\":{\"cpu\":\"10m\",\"mem\":\"8Mi\"}}",
                 command);
        o.body = body;
    }
    char token[1024];
    if (bh_login(o.host, o.port, o.user, o.password, token, sizeof token) != 0) return 1;
    gen g;
    memset(&g, 0, sizeof g);
    g.o = &o;
    g.req = malloc(1 << 16);
    int n = bh_format(g.req, 1 << 16, o.method, o.path, token, o.body[0] ? o.body : NULL);
    if (n < 0) return 1;
    g.req_len = (size_t)n;

    double t0 = bh_now();
    g.t_start = t0;
    run_load(&g);
    double secs = bh_now() - t0;
    /* the rate over the first and the last tenth of the responses: does it hold up as the
     * server's backlog of jobs grows? */
    size_t tenth = g.nlat / 10;
    double first = tenth ? (double)tenth / g.at[tenth - 1] : 0,
           last = tenth ? (double)tenth / (g.at[g.nlat - 1] - g.at[g.nlat - 1 - tenth]) : 0;
    printf("{\"requests\":%ld,\"errors\":%ld,\"conns\":%d,\"seconds\":%.3f,\"rps\":%.1f,"
           "\"rps_first10\":%.1f,\"rps_last10\":%.1f,\"latency\":",
           g.done, g.errors, o.conns, secs, (double)g.done / secs, first, last);
    bh_print_pcts(stdout, g.lat, g.nlat);
    if (o.wait_done) {
        double t_end = wait_done(&o, token);
        bh_conn c;
        bh_init(&c, o.host, o.port);
        long ok = count_in(&c, token, "succeeded");
        bh_free(&c);
        double e2e = t_end > 0 ? t_end - t0 : -1;
        printf(",\"e2e_seconds\":%.3f,\"e2e_jobs_per_s\":%.1f,\"succeeded\":%ld", e2e,
               e2e > 0 ? (double)g.done / e2e : 0.0, ok);
        if (t_end < 0) fprintf(stderr, "jobs did not finish within %.0f s\n", o.wait_timeout);
    }
    printf("}\n");
    free(g.lat);
    free(g.at);
    free(g.req);
    return g.errors ? 1 : 0;
}
