/* server.h — the HTTP/1.1 transport: listening, connections, keep-alive, pipelining, body
 * limits, timeouts and the threads that run request handlers.
 *
 * One event loop per core (epoll, edge-triggered, one shared listening socket) reads and
 * parses requests. A request the application marks quick (a read that never waits: show a
 * queue, a job) is answered on the loop thread itself, which is what makes small GETs cheap;
 * every other request (writes wait for their commit, login hashes a password, lists can be
 * long) goes to a pool of worker threads and its answer comes back to the loop. A streamed
 * answer (log follow) gets a thread of its own for as long as it lasts. */
#ifndef PF_HTTP_SERVER_H
#define PF_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "server/http/httpparse.h"

/* One request as handlers see it. */
typedef struct pf_http_msg {
    const pf_http_head *head;
    const char *method;
    const char *path; /* percent-decoded, without the query */
    const pf_http_query *query;
    const char *body; /* NUL-terminated, may be empty */
    size_t body_len;
    struct pf_http_conn *conn; /* for pf_http_answer_later */
} pf_http_msg;

/* A streamed body: next() appends what is new to out and returns 1 while more may come,
 * 0 at the end, -1 on a failure (the connection is then cut). Called again after a short
 * nap when it appended nothing. free() releases ctx. */
typedef struct pf_stream {
    int (*next)(void *ctx, pf_buf *out);
    void (*free)(void *ctx);
    void *ctx;
} pf_stream;

/* What a handler answers. */
typedef struct pf_http_answer {
    int status;
    char *body; /* owned (malloc); NULL = empty */
    size_t body_len;
    const char *content_type; /* static string; NULL = application/json */
    char request_id[64]; /* sent as x-pf-request-id when set */
    pf_stream *stream; /* owned; set instead of body */
} pf_http_answer;

typedef struct pf_http_app {
    void *cls;
    size_t max_body; /* larger request bodies are refused with 413 */
    int idle_seconds; /* a connection idle this long is closed (0: 60) */
    /* May the request be answered on a loop thread (it never blocks for long)? */
    bool (*quick)(void *cls, const pf_http_msg *m);
    /* Answers into a and returns true, or returns false having kept m->conn to answer later
     * with pf_http_answer_later (then it must not touch a any more). */
    bool (*serve)(void *cls, const pf_http_msg *m, pf_http_answer *a);
    /* An answer for a request the transport refuses (malformed, too large, …). */
    void (*refuse)(void *cls, const pf_http_head *head, int status, const char *message,
                   pf_http_answer *a); /* head: NULL when not parsed */
} pf_http_app;

typedef struct pf_http_server pf_http_server;

/* The answer to a request whose serve() returned false, from any thread, exactly once. a is
 * moved (its body and stream now belong to the connection). Waiting for something (a commit)
 * this way holds no thread. */
void pf_http_answer_later(struct pf_http_conn *conn, pf_http_answer *a);

/* Listens on host:port with loops event loops and workers worker threads (0 = defaults:
 * one loop per core, 16 workers per core with at least 32). */
pf_http_server *pf_http_server_start(const pf_http_app *app, const char *host, int port,
                                     unsigned loops, unsigned workers, pf_error *e);
/* Stops accepting, lets running handlers and streams finish, closes every connection. */
void pf_http_server_stop(pf_http_server *s);

#endif
