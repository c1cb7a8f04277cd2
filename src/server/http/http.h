/* http.h — the HTTP front: request/response types for handlers, on top of server.h.
 *
 * Handlers only map HTTP <-> service: they read the request (path params, query, JSON
 * body), call one service function and render its result or error. Everything under
 * /api/paddleflow/v1 goes through: request id → body limit → auth (api.md §2.3) → router. */
#ifndef PF_HTTP_HTTP_H
#define PF_HTTP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "server/http/server.h"

#define PF_API_PREFIX "/api/paddleflow/v1"
#define PF_MAX_BODY (4u << 20)
#define PF_MAX_PARAMS 4

struct pf_app;

typedef struct pf_req {
    struct pf_app *app;
    const pf_http_msg *msg;
    const char *method;
    const char *path; /* after PF_API_PREFIX */
    const char *body; /* NUL-terminated, may be empty */
    size_t body_len;
    char request_id[64];
    char user[64]; /* the authenticated caller */
    bool is_root;
    const char *params[PF_MAX_PARAMS]; /* {}-segments of the route, in order */
    int nparams;
} pf_req;

typedef struct pf_resp {
    int status;
    char *body;                    /* owned; NULL = empty body */
    pf_stream *stream;             /* owned; set instead of body for streamed responses */
    bool deferred;                 /* pf_req_defer: answered later by pf_deferred_reply */
} pf_resp;

/* Query parameter (decoded, first value wins), NULL when absent. */
const char *pf_req_query(const pf_req *r, const char *key);
/* Query parameter or def when absent. */
const char *pf_req_query_or(const pf_req *r, const char *key, const char *def);
/* The service-layer view of the caller. */
#define PF_CALLER(r) {.name = (r)->user, .root = (r)->is_root}
/* Parses the body as a JSON object (api.md §1.3). NULL + e on failure. New reference. */
json_t *pf_req_json(const pf_req *r, pf_error *e);

/* Renders v (stolen) with status 200. */
void pf_resp_json(pf_resp *w, json_t *v);
/* 200 with an empty body (api.md §1.5). */
void pf_resp_empty(pf_resp *w);
/* The error body {"requestID","code","message"} with the code's HTTP status. */
void pf_resp_error(pf_resp *w, const pf_req *r, const pf_error *e);

/* The usual ending of a handler: rc != 0 → the error; else ok (stolen) or an empty 200. */
void pf_reply(const pf_req *r, pf_resp *w, int rc, json_t *ok, const pf_error *e);
/* The same for a body the service rendered itself: body (stolen, JSON text) or, when NULL,
 * the error e. */
void pf_reply_text(const pf_req *r, pf_resp *w, char *body, const pf_error *e);

/* An answer given after the handler returned (when a commit is done), holding no thread
 * meanwhile: the handler calls pf_req_defer and leaves w alone; someone later calls
 * pf_deferred_reply exactly once, from any thread, with what pf_reply would take. */
typedef struct pf_deferred pf_deferred;
pf_deferred *pf_req_defer(const pf_req *r, pf_resp *w);
void pf_deferred_reply(pf_deferred *d, int rc, json_t *ok, const pf_error *e);

typedef struct pf_http pf_http;
/* Starts listening: one event loop per core, threads workers for requests that may block. */
pf_http *pf_http_start(struct pf_app *app, const char *host, int port, unsigned threads,
                       pf_error *e);
void pf_http_stop(pf_http *h);

#endif
