/* server.c — the HTTP/1.1 transport (see server.h for the threading model).
 *
 * A connection belongs to its loop thread; only that thread changes its state or frees it.
 * While a worker or a stream thread holds it (C_BUSY) the loop ignores its events
 * and, when it is handed back, reads until EAGAIN — so no edge of the edge-triggered epoll is
 * lost. Each connection is registered once for IN|OUT|RDHUP: answering a request costs no
 * epoll_ctl. Requests are parsed into per-connection buffers that are reused, so a keep-alive
 * request allocates nothing in the transport. */

#include "server/http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"

#define MAX_CONNS 8192
#define DRAIN_NS (5 * 1000000000LL)  /* reading what a refused client still sends */
#define SEND_WAIT_MS 60000           /* a stream waits this long for a slow reader */
#define STREAM_NAP_US (20 * 1000)    /* a stream with nothing new looks again after this */
#define IN_MIN_FREE 2048

/* C_DEAD: closed, freed at the end of the loop's round (events of the round may name it). */
/* C_NEW: accepted by another loop, on its way to this one. */
typedef enum { C_NEW, C_READ, C_BUSY, C_WRITE, C_DRAIN, C_DEAD } cstate;

typedef struct loop loop;
typedef struct pf_http_conn conn;

struct pf_http_conn {
    int fd;
    loop *lp;
    cstate state;
    conn *prev, *next; /* the loop's list of connections */
    conn *qnext;       /* worker queue / hand-back queue */
    int64_t last_ns;
    /* input: unparsed bytes are in[in_off, in_len) */
    char *in;
    size_t in_off, in_len, in_cap;
    pf_http_scan scan;
    bool have_head;
    pf_buf hbuf; /* the head, copied so `in` may move; parsed in place */
    pf_http_head head;
    int64_t body_left; /* Content-Length bytes still to come */
    pf_chunked chunked;
    pf_buf body;
    pf_buf tbuf; /* the target, decoded in place: path \0 query */
    pf_http_query query;
    pf_http_msg msg;
    /* output */
    pf_http_answer ans;
    pf_buf out; /* status line and headers */
    size_t sent;
    bool close_after;
};

struct loop {
    pf_http_server *srv;
    int ep, evfd;
    pthread_t thread;
    pthread_mutex_t mu;
    conn *back_head, *back_tail; /* handed back by workers and streams */
    conn *conns;
    conn *dead; /* closed this round */
};

struct pf_http_server {
    pf_http_app app;
    int64_t idle_ns; /* keep-alive / slow client limit */
    int lfd;
    loop *loops;
    unsigned nloops;
    pthread_t *workers;
    unsigned nworkers;
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    conn *q_head, *q_tail;
    atomic_bool stopping;   /* no new work: workers drain their queue and exit */
    atomic_bool loops_exit; /* loops leave (after workers and streams are gone) */
    atomic_int nconns;
    atomic_int serving; /* requests in a handler, awaiting pf_http_answer_later or streaming */
    atomic_uint next_loop; /* accepted connections are dealt to the loops in turn */
};

static void conn_close(conn *c);
static void on_readable(conn *c);

/* ---- output ---- */

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

/* RFC 9110 date, formatted once a second per thread. */
static const char *http_date(void)
{
    static __thread char buf[40];
    static __thread time_t at = -1;
    time_t now = time(NULL);
    if (now != at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        at = now;
    }
    return buf;
}

/* Status line and headers of c->ans into c->out. */
static void build_head(conn *c, bool streamed)
{
    pf_http_answer *a = &c->ans;
    pf_buf *o = &c->out;
    pf_buf_reset(o);
    if (c->lp->srv->stopping) c->close_after = true;
    char num[24];
    int st = a->status >= 100 && a->status <= 999 ? a->status : 500;
    char code[4] = {(char)('0' + st / 100), (char)('0' + st / 10 % 10), (char)('0' + st % 10), 0};
    pf_buf_puts(o, "HTTP/1.1 ");
    pf_buf_puts(o, code);
    pf_buf_puts(o, " ");
    pf_buf_puts(o, reason(st));
    pf_buf_puts(o, "\r\nDate: ");
    pf_buf_puts(o, http_date());
    pf_buf_puts(o, "\r\nContent-Type: ");
    pf_buf_puts(o, a->content_type ? a->content_type : "application/json");
    pf_buf_puts(o, "\r\n");
    if (a->request_id[0]) {
        pf_buf_puts(o, "x-pf-request-id: ");
        pf_buf_puts(o, a->request_id);
        pf_buf_puts(o, "\r\n");
    }
    if (!streamed) {
        char *p = num + sizeof num;
        *--p = '\0';
        size_t v = a->body_len;
        do *--p = (char)('0' + v % 10); while ((v /= 10));
        pf_buf_puts(o, "Content-Length: ");
        pf_buf_puts(o, p);
        pf_buf_puts(o, "\r\n");
    } else if (c->head.minor == 1)
        pf_buf_puts(o, "Transfer-Encoding: chunked\r\n");
    if (c->close_after)
        pf_buf_puts(o, "Connection: close\r\n");
    else if (c->head.minor == 0)
        pf_buf_puts(o, "Connection: keep-alive\r\n");
    pf_buf_puts(o, "\r\n");
    if (c->have_head && c->head.method && strcmp(c->head.method, "HEAD") == 0) { /* headers only */
        free(a->body);
        a->body = NULL;
        a->body_len = 0;
    }
    c->sent = 0;
}

/* Sends what is left of head + body. 1 = all sent, 0 = the socket is full, -1 = failed. */
static int flush_out(conn *c)
{
    size_t was = c->sent;
    for (;;) {
        size_t hl = c->out.len, total = hl + c->ans.body_len;
        if (c->sent >= total) return 1;
        struct iovec iov[2];
        int n = 0;
        if (c->sent < hl) iov[n++] = (struct iovec){c->out.data + c->sent, hl - c->sent};
        size_t boff = c->sent > hl ? c->sent - hl : 0;
        if (c->ans.body_len > boff)
            iov[n++] = (struct iovec){c->ans.body + boff, c->ans.body_len - boff};
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (w > 0) {
            c->sent += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* a reader taking a big answer slowly is not idle while it takes some */
            if (c->sent != was) c->last_ns = pf_monotonic_ns();
            return 0;
        } else {
            return -1;
        }
    }
}

/* Blocking send for stream threads (the socket stays non-blocking for the loop). */
static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w, n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            if (poll(&pfd, 1, SEND_WAIT_MS) <= 0) return -1;
        } else if (!(w < 0 && errno == EINTR)) {
            return -1;
        }
    }
    return 0;
}

/* ---- request lifecycle ---- */

static void reset_request(conn *c)
{
    free(c->ans.body);
    memset(&c->ans, 0, sizeof c->ans);
    c->have_head = false;
    c->scan = (pf_http_scan){0};
    c->body_left = 0;
    c->chunked = (pf_chunked){0};
    if (c->body.cap > 64 * 1024) pf_buf_free(&c->body); /* do not keep a 4 MiB body around */
    pf_buf_reset(&c->body);
    pf_buf_reset(&c->out);
    c->sent = 0;
}

/* The whole answer is out: next request, or the end of the connection. */
static void answer_done(conn *c)
{
    bool close_after = c->close_after;
    reset_request(c);
    if (!close_after) {
        c->state = C_READ;
        return;
    }
    /* Half-close and read what the client still sends, so it sees the answer instead of a
     * reset (a refused upload is usually still arriving). */
    shutdown(c->fd, SHUT_WR);
    c->state = C_DRAIN;
    c->last_ns = pf_monotonic_ns();
    c->in_off = c->in_len = 0;
}

/* Sends c->out and c->ans now (loop thread); the rest goes when the socket drains. */
static void answer(conn *c)
{
    c->state = C_WRITE;
    int rc = flush_out(c);
    if (rc < 0) {
        conn_close(c);
    } else if (rc > 0) {
        answer_done(c);
    }
}

static void refuse(conn *c, int status, const char *message)
{
    pf_http_server *s = c->lp->srv;
    bool had_head = c->have_head; /* its headers stay in hbuf through the reset */
    reset_request(c);
    s->app.refuse(s->app.cls, had_head ? &c->head : NULL, status, message, &c->ans);
    c->close_after = true;
    build_head(c, false);
    answer(c);
}

static void queue_push(conn **head, conn **tail, conn *c)
{
    c->qnext = NULL;
    if (*tail)
        (*tail)->qnext = c;
    else
        *head = c;
    *tail = c;
}

/* Hands a connection a worker or stream thread held back to its loop. */
static void hand_back(conn *c)
{
    loop *lp = c->lp;
    pthread_mutex_lock(&lp->mu);
    bool was_empty = lp->back_head == NULL;
    queue_push(&lp->back_head, &lp->back_tail, c);
    pthread_mutex_unlock(&lp->mu);
    if (was_empty) {
        uint64_t one = 1;
        ssize_t w = write(lp->evfd, &one, sizeof one);
        (void)w; /* a full eventfd counter still wakes the loop */
    }
}

static void *stream_main(void *arg);

/* Runs the handler (loop thread for quick requests, else a worker). false = it answers later
 * (pf_http_answer_later), maybe already on another thread: c is no longer ours. */
static bool serve(conn *c)
{
    pf_http_server *s = c->lp->srv;
    c->close_after = !c->head.keep_alive;
    atomic_fetch_add(&s->serving, 1); /* before looking at stopping: see stop_threads */
    if (s->stopping) {
        s->app.refuse(s->app.cls, &c->head, 503, "the server is shutting down", &c->ans);
        c->close_after = true;
    } else if (!s->app.serve(s->app.cls, &c->msg, &c->ans)) {
        return false;
    }
    atomic_fetch_sub(&s->serving, 1);
    return true;
}

void pf_http_answer_later(conn *c, pf_http_answer *a)
{
    pf_http_server *s = c->lp->srv;
    c->ans = *a;
    memset(a, 0, sizeof *a);
    build_head(c, false);
    hand_back(c);
    atomic_fetch_sub(&s->serving, 1);
}

/* Hands a streamed answer to a thread of its own. false: none could be started, and the
 * answer is now a 503 refusal. */
static bool start_stream(conn *c)
{
    pf_http_server *s = c->lp->srv;
    pthread_t t;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    atomic_fetch_add(&s->serving, 1); /* owed until the stream ends: see stop_threads */
    bool started = pthread_create(&t, &at, stream_main, c) == 0;
    pthread_attr_destroy(&at);
    if (started) return true;
    atomic_fetch_sub(&s->serving, 1);
    c->ans.stream->free(c->ans.stream->ctx);
    free(c->ans.stream);
    c->ans.stream = NULL;
    s->app.refuse(s->app.cls, &c->head, 503, "too many streams; try again", &c->ans);
    c->close_after = true;
    return false;
}

static void *worker_main(void *arg)
{
    pf_http_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->qmu);
        while (!s->q_head && !s->stopping) pthread_cond_wait(&s->qcv, &s->qmu);
        conn *c = s->q_head;
        if (c) {
            s->q_head = c->qnext;
            if (!s->q_head) s->q_tail = NULL;
        }
        pthread_mutex_unlock(&s->qmu);
        if (!c) break; /* stopping and nothing left */
        if (!serve(c)) continue;
        if (c->ans.stream && start_stream(c)) continue;
        build_head(c, false);
        hand_back(c);
    }
    return NULL;
}

/* A streamed answer, on its own thread: chunked (close-delimited for HTTP/1.0), then the
 * connection is closed. */
static void *stream_main(void *arg)
{
    conn *c = arg;
    pf_http_server *s = c->lp->srv;
    pf_stream *st = c->ans.stream;
    bool chunked = c->head.minor == 1;
    c->close_after = true;
    build_head(c, true);
    int rc = send_all(c->fd, c->out.data, c->out.len) == 0 ? 1 : -1;
    pf_buf piece = PF_BUF_INIT;
    char frame[32];
    while (rc > 0 && !s->stopping) {
        pf_buf_reset(&piece);
        rc = st->next(st->ctx, &piece);
        if (piece.len) {
            int n = snprintf(frame, sizeof frame, "%zx\r\n", piece.len);
            if ((chunked && send_all(c->fd, frame, (size_t)n) != 0) ||
                send_all(c->fd, piece.data, piece.len) != 0 ||
                (chunked && send_all(c->fd, "\r\n", 2) != 0))
                rc = -1;
        } else if (rc > 0) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLRDHUP};
            if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
                rc = -1; /* the reader went away */
            else
                usleep(STREAM_NAP_US);
        }
    }
    if (rc == 0 && chunked) send_all(c->fd, "0\r\n\r\n", 5);
    pf_buf_free(&piece);
    st->free(st->ctx);
    free(st);
    c->ans.stream = NULL;
    pf_buf_reset(&c->out); /* everything is sent */
    c->sent = 0;
    hand_back(c);
    atomic_fetch_sub(&s->serving, 1);
    return NULL;
}

/* Splits the target into the decoded path and query arguments and fills c->msg. */
static void make_msg(conn *c)
{
    pf_buf_reset(&c->tbuf);
    pf_buf_puts(&c->tbuf, c->head.target);
    char *q = strchr(c->tbuf.data, '?');
    if (q) *q++ = '\0';
    pf_http_unescape(c->tbuf.data, false);
    pf_http_parse_query(q, &c->query);
    c->msg = (pf_http_msg){.head = &c->head,
                           .method = c->head.method,
                           .path = c->tbuf.data,
                           .query = &c->query,
                           .body = c->body.data ? c->body.data : "",
                           .body_len = c->body.len,
                           .conn = c};
}

static void request_ready(conn *c)
{
    pf_http_server *s = c->lp->srv;
    make_msg(c);
    if (s->app.quick(s->app.cls, &c->msg)) {
        c->state = C_BUSY; /* until answered: a deferred answer comes back via hand_back */
        if (serve(c)) {
            build_head(c, false);
            answer(c);
        }
        return;
    }
    c->state = C_BUSY;
    pthread_mutex_lock(&s->qmu);
    queue_push(&s->q_head, &s->q_tail, c);
    pthread_cond_signal(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
}

/* Parses the head at the front of the input. false = more bytes needed or answered. */
static bool take_head(conn *c)
{
    pf_http_server *s = c->lp->srv;
    if (!c->scan.pos) c->in_off += pf_http_skip_blank(c->in + c->in_off, c->in_len - c->in_off);
    long n = pf_http_head_end(c->in + c->in_off, c->in_len - c->in_off, &c->scan);
    if (n == 0) return false;
    if (n < 0) {
        refuse(c, (int)-n, n == -414 ? "the request line is longer than 32 KiB"
                                     : "the request headers are larger than 64 KiB");
        return false;
    }
    pf_buf_reset(&c->hbuf);
    pf_buf_append(&c->hbuf, c->in + c->in_off, (size_t)n);
    c->in_off += (size_t)n;
    int st = pf_http_parse_head(c->hbuf.data, (size_t)n, &c->head);
    c->have_head = true;
    if (st) {
        refuse(c, st, st == 505 ? "only HTTP/1.0 and HTTP/1.1 are spoken here"
                      : st == 501 ? "only the chunked transfer coding is supported"
                                  : "the request is not valid HTTP/1.1");
        return false;
    }
    if (c->head.content_length > (int64_t)s->app.max_body) {
        refuse(c, 413, "the request body is larger than the 4 MiB limit");
        return false;
    }
    c->body_left = c->head.content_length > 0 ? c->head.content_length : 0;
    if (c->head.expect_continue && (c->body_left > 0 || c->head.chunked) &&
        c->in_off == c->in_len) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        ssize_t w = send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL);
        (void)w; /* best effort: a client that does not get it sends the body anyway */
    }
    return true;
}

/* Moves body bytes from the input into c->body. true = the body is complete. */
static bool take_body(conn *c)
{
    pf_http_server *s = c->lp->srv;
    size_t avail = c->in_len - c->in_off;
    if (!c->head.chunked) {
        size_t take = avail < (uint64_t)c->body_left ? avail : (size_t)c->body_left;
        if (take) pf_buf_append(&c->body, c->in + c->in_off, take);
        c->in_off += take;
        c->body_left -= (int64_t)take;
        return c->body_left == 0;
    }
    size_t used = 0;
    pf_chunked_rc rc =
        pf_chunked_decode(&c->chunked, c->in + c->in_off, avail, &used, &c->body, s->app.max_body);
    c->in_off += used;
    if (rc == PF_CHUNKED_TOO_LARGE)
        refuse(c, 413, "the request body is larger than the 4 MiB limit");
    else if (rc == PF_CHUNKED_BAD)
        refuse(c, 400, "the chunked request body is malformed");
    return rc == PF_CHUNKED_DONE;
}

/* Handles every complete request in the input while the connection is free to. */
static void process(conn *c)
{
    while (c->state == C_READ && c->in_off < c->in_len) {
        if (!c->have_head && !take_head(c)) break;
        if (c->state != C_READ) break;
        if (!take_body(c)) break;
        if (c->state != C_READ) break;
        request_ready(c);
    }
    /* keep the unparsed tail at the front of the buffer (the scan position is relative to
     * in_off, so it stays valid; workers never touch `in`) */
    if (c->state == C_DEAD) return;
    if (c->in_off == c->in_len) {
        c->in_off = c->in_len = 0;
    } else if (c->in_off) {
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
}

/* Reads until EAGAIN (edge-triggered), handling requests as they complete. */
static void on_readable(conn *c)
{
    while (c->state == C_READ || c->state == C_DRAIN) {
        if (c->state == C_DRAIN) c->in_off = c->in_len = 0;
        if (c->in_cap - c->in_len < IN_MIN_FREE) {
            size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
            if (cap > PF_HTTP_MAX_HEAD + 2 * IN_MIN_FREE) cap = PF_HTTP_MAX_HEAD + 2 * IN_MIN_FREE;
            if (cap - c->in_len < IN_MIN_FREE) { /* cannot happen: heads are refused first */
                conn_close(c);
                return;
            }
            char *in = realloc(c->in, cap);
            if (!in) {
                conn_close(c);
                return;
            }
            c->in = in;
            c->in_cap = cap;
        }
        ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
        if (n > 0) {
            c->last_ns = pf_monotonic_ns();
            if (c->state == C_DRAIN) continue;
            c->in_len += (size_t)n;
            process(c);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            conn_close(c); /* EOF or error: a half-sent request is dropped */
            return;
        }
    }
}

/* After an answer went out: requests already buffered, then input (or a drain) that raised no
 * edge we acted on while the connection was busy. */
static void resume(conn *c)
{
    if (c->state == C_READ) process(c);
    on_readable(c);
}

/* ---- connections and loops ---- */

/* Closes now; frees at the end of the loop's round (conn_free). */
static void conn_close(conn *c)
{
    if (c->state == C_DEAD) return;
    loop *lp = c->lp;
    if (c->prev) c->prev->next = c->next;
    else lp->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    /* Deregister explicitly: close() alone leaves the registration alive while a process
     * forked by the runtime still holds the socket between fork and exec. */
    epoll_ctl(lp->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = C_DEAD;
    c->qnext = lp->dead;
    lp->dead = c;
    atomic_fetch_sub(&lp->srv->nconns, 1);
}

static void conn_free(conn *c)
{
    free(c->in);
    pf_buf_free(&c->hbuf);
    pf_buf_free(&c->tbuf);
    pf_buf_free(&c->body);
    pf_buf_free(&c->out);
    free(c->ans.body);
    if (c->ans.stream) {
        c->ans.stream->free(c->ans.stream->ctx);
        free(c->ans.stream);
    }
    free(c);
}

static void free_dead(loop *lp)
{
    while (lp->dead) {
        conn *c = lp->dead;
        lp->dead = c->qnext;
        conn_free(c);
    }
}

/* A new connection joins its loop (the loop's thread). */
static void adopt(conn *c)
{
    loop *lp = c->lp;
    c->state = C_READ;
    c->last_ns = pf_monotonic_ns();
    c->next = lp->conns;
    if (lp->conns) lp->conns->prev = c;
    lp->conns = c;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
    if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        conn_close(c);
        return;
    }
    on_readable(c); /* the request may already be there */
}

static void accept_all(loop *lp)
{
    pf_http_server *s = lp->srv;
    for (int i = 0; i < 256; i++) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                pf_debug("http: accept: %s", strerror(errno));
            return;
        }
        if (atomic_fetch_add(&s->nconns, 1) >= MAX_CONNS) {
            atomic_fetch_sub(&s->nconns, 1);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = calloc(1, sizeof *c);
        if (!c) {
            atomic_fetch_sub(&s->nconns, 1);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->state = C_NEW;
        /* One loop usually wins every accept of a burst: deal the connections out so that
         * every core serves some. */
        c->lp = &s->loops[atomic_fetch_add(&s->next_loop, 1) % s->nloops];
        if (c->lp == lp)
            adopt(c);
        else
            hand_back(c);
    }
}

/* Connections the workers and streams are done with. */
static void take_back(loop *lp)
{
    uint64_t v;
    ssize_t r = read(lp->evfd, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&lp->mu);
    conn *c = lp->back_head;
    lp->back_head = lp->back_tail = NULL;
    pthread_mutex_unlock(&lp->mu);
    while (c) {
        conn *next = c->qnext;
        if (c->state == C_NEW) {
            adopt(c);
            c = next;
            continue;
        }
        answer(c); /* head built by the worker, pf_http_answer_later or the stream */
        resume(c);
        c = next;
    }
}

static void sweep(loop *lp)
{
    int64_t now = pf_monotonic_ns();
    for (conn *c = lp->conns, *next; c; c = next) {
        next = c->next;
        if ((c->state == C_DRAIN && now - c->last_ns > DRAIN_NS) ||
            ((c->state == C_READ || c->state == C_WRITE) && now - c->last_ns > lp->srv->idle_ns))
            conn_close(c);
    }
}

static void on_event(conn *c, uint32_t events)
{
    if (c->state == C_WRITE && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int rc = flush_out(c);
        if (rc < 0) {
            conn_close(c);
            return;
        }
        if (rc == 0) return;
        c->last_ns = pf_monotonic_ns();
        answer_done(c);
        resume(c);
        return;
    }
    if ((c->state == C_READ || c->state == C_DRAIN) &&
        (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        on_readable(c);
}

static void *loop_main(void *arg)
{
    loop *lp = arg;
    pf_http_server *s = lp->srv;
    struct epoll_event evs[128];
    int64_t last_sweep = pf_monotonic_ns();
    bool listening = true;
    while (!s->loops_exit) {
        int n = epoll_wait(lp->ep, evs, 128, 1000);
        for (int i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == (void *)&s->lfd) {
                if (!s->stopping) accept_all(lp);
            } else if (p == (void *)lp) {
                take_back(lp);
            } else {
                on_event(p, evs[i].events);
            }
        }
        free_dead(lp);
        if (s->stopping && listening) {
            epoll_ctl(lp->ep, EPOLL_CTL_DEL, s->lfd, NULL);
            listening = false;
        }
        int64_t now = pf_monotonic_ns();
        if (now - last_sweep > 1000000000LL) {
            sweep(lp);
            last_sweep = now;
        }
    }
    return NULL;
}

static int listen_on(const char *host, int port, pf_error *e)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        len = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        len = sizeof *sin6;
    } else {
        pf_fail(e, "InvalidArguments", "--host %s is not an IPv4 or IPv6 address", host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 4096) != 0) {
        pf_fail(e, "InternalError", "cannot listen on %s:%d: %s (port in use or not permitted)",
                host, port, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static int loop_init(pf_http_server *s, loop *lp)
{
    lp->srv = s;
    lp->ep = epoll_create1(EPOLL_CLOEXEC);
    lp->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    pthread_mutex_init(&lp->mu, NULL);
    if (lp->ep < 0 || lp->evfd < 0) return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &s->lfd};
    if (epoll_ctl(lp->ep, EPOLL_CTL_ADD, s->lfd, &ev) != 0) return -1;
    ev = (struct epoll_event){.events = EPOLLIN, .data.ptr = lp};
    return epoll_ctl(lp->ep, EPOLL_CTL_ADD, lp->evfd, &ev);
}

static void loop_free(loop *lp)
{
    for (conn *c = lp->back_head, *next; c; c = next) { /* dealt to us, never adopted */
        next = c->qnext;
        if (c->state == C_NEW) {
            close(c->fd);
            conn_free(c);
        }
    }
    while (lp->conns) conn_close(lp->conns);
    free_dead(lp);
    if (lp->ep >= 0) close(lp->ep);
    if (lp->evfd >= 0) close(lp->evfd);
    pthread_mutex_destroy(&lp->mu);
}

static void stop_threads(pf_http_server *s, unsigned loops_started, unsigned workers_started)
{
    pthread_mutex_lock(&s->qmu);
    s->stopping = true;
    pthread_cond_broadcast(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
    for (unsigned i = 0; i < workers_started; i++) pthread_join(s->workers[i], NULL);
    /* answers still owed (a commit in flight, a stream, which ends on stopping) need the
     * loops to be sent */
    while (atomic_load(&s->serving) > 0) usleep(1000);
    s->loops_exit = true;
    for (unsigned i = 0; i < loops_started; i++) {
        uint64_t one = 1;
        ssize_t w = write(s->loops[i].evfd, &one, sizeof one);
        (void)w;
        pthread_join(s->loops[i].thread, NULL);
    }
}

static void server_free(pf_http_server *s)
{
    for (unsigned i = 0; i < s->nloops; i++) loop_free(&s->loops[i]);
    if (s->lfd >= 0) close(s->lfd);
    pthread_mutex_destroy(&s->qmu);
    pthread_cond_destroy(&s->qcv);
    free(s->loops);
    free(s->workers);
    free(s);
}

pf_http_server *pf_http_server_start(const pf_http_app *app, const char *host, int port,
                                     unsigned loops, unsigned workers, pf_error *e)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    if (!loops) loops = (unsigned)cores;
    if (!workers) workers = cores * 16 > 32 ? (unsigned)cores * 16 : 32;
    pf_http_server *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->app = *app;
    s->idle_ns = (app->idle_seconds > 0 ? app->idle_seconds : 60) * 1000000000LL;
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    s->loops = calloc(loops, sizeof *s->loops);
    s->workers = calloc(workers, sizeof *s->workers);
    s->lfd = listen_on(host, port, e);
    if (s->lfd < 0 || !s->loops || !s->workers) {
        s->nloops = 0;
        server_free(s);
        return NULL;
    }
    for (unsigned i = 0; i < loops; i++) s->loops[i].ep = s->loops[i].evfd = -1;
    s->nloops = loops;
    /* Every loop gets its epoll set and eventfd before any loop runs: a running loop deals
     * accepted connections to the others, and a wakeup written to a loop whose eventfd did not
     * exist yet was lost — that loop's queue then never woke it again, and every connection
     * dealt to it waited forever (a fresh server's first requests, seen under ASan). */
    unsigned linit = 0, lstarted = 0, wstarted = 0;
    while (linit < loops && loop_init(s, &s->loops[linit]) == 0) linit++;
    for (; linit == loops && lstarted < loops; lstarted++) {
        loop *lp = &s->loops[lstarted];
        if (pthread_create(&lp->thread, NULL, loop_main, lp) != 0) break;
        pthread_setname_np(lp->thread, "http-loop");
    }
    for (; lstarted == loops && wstarted < workers; wstarted++) {
        if (pthread_create(&s->workers[wstarted], NULL, worker_main, s) != 0) break;
        pthread_setname_np(s->workers[wstarted], "http-worker");
    }
    if (lstarted < loops || wstarted < workers) {
        pf_fail(e, "InternalError", "cannot start the HTTP threads: %s", strerror(errno));
        stop_threads(s, lstarted, wstarted);
        server_free(s);
        return NULL;
    }
    s->nworkers = workers;
    return s;
}

void pf_http_server_stop(pf_http_server *s)
{
    if (!s) return;
    stop_threads(s, s->nloops, s->nworkers);
    server_free(s);
}
