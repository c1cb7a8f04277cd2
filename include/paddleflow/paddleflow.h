/* paddleflow.h — libpaddleflow, the C client of the PaddleFlow v1 REST API.
 *
 * Include this header only; it pulls in job.h (jobs, logs) and admin.h (queues, grants,
 * flavours, users, clusters, filesystems, version).
 *
 * Conventions (the same for every function of the library):
 *
 *   Errors.   Every call returns 0 on success and -1 on failure. On failure the optional
 *             `pf_api_error *err` (may be NULL) is filled: the server's code, message and
 *             request id for an HTTP error, or a client-side code ("ConnectionError",
 *             "Timeout", "InvalidResponse", "InvalidArgument", "OutOfMemory").
 *
 *   Results.  A function that returns data stores a newly allocated result in `*out`; the
 *             caller owns it and releases it with the free function named next to the type
 *             (pf_job_free, pf_job_page_free, ...; each accepts NULL). Every string and array
 *             reachable from a result is owned by that result: read-only, valid until the free
 *             call. Items of a list are part of the list and are never freed one by one.
 *             `*out` is left NULL on failure.
 *
 *   Inputs.   Strings and arrays passed in are only read during the call and never retained.
 *             Optional inputs are NULL (strings, arrays) or 0 (numbers) for "not given".
 *
 *   Threads.  A pf_client is not thread-safe: use one client per thread. Different clients
 *             may be used concurrently.
 *
 *   Session.  A client logs in lazily on its first call, reuses one HTTP keep-alive
 *             connection for all calls, and when the server answers AuthInvalidToken (an
 *             expired or rotated token) logs in again once and repeats the call.
 *
 * Example (build with `pkg-config --cflags --libs libpaddleflow`):
 *
 *     pf_client_options o = {.host = "127.0.0.1", .port = 8999,
 *                            .user = "root", .password = "paddleflow"};
 *     pf_api_error err;
 *     pf_client *c = pf_client_new(&o, &err);
 *     pf_job_page *page;
 *     if (pf_job_list(c, NULL, &page, &err) == 0) {
 *         for (size_t i = 0; i < page->n; i++)
 *             printf("%s %s\n", page->items[i].id, page->items[i].status);
 *         pf_job_page_free(page);
 *     } else {
 *         fprintf(stderr, "%s: %s (request %s)\n", err.code, err.message, err.request_id);
 *     }
 *     pf_client_free(c);
 */
#ifndef PADDLEFLOW_PADDLEFLOW_H
#define PADDLEFLOW_PADDLEFLOW_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PF_CLIENT_DEFAULT_HOST "127.0.0.1"
#define PF_CLIENT_DEFAULT_PORT 8999

/* The error of a failed call. Plain data: no free function. */
typedef struct pf_api_error {
    int http_status;     /* HTTP status of the answer; 0 when no answer came */
    char code[64];       /* server code (e.g. "JobNotFound", may be "") or a client code */
    char message[1024];  /* server message or a description of the client-side failure */
    char request_id[64]; /* the server's x-pf-request-id, "" when none */
} pf_api_error;

/* A key/value string pair: labels, annotations, env, scalar resources. */
typedef struct pf_pair {
    const char *key;
    const char *value;
} pf_pair;

typedef struct pf_client pf_client;

typedef struct pf_client_options {
    const char *host;     /* NULL → PF_CLIENT_DEFAULT_HOST */
    int port;             /* 0 → PF_CLIENT_DEFAULT_PORT */
    const char *user;     /* login name; required */
    const char *password; /* login password; required */
    long timeout_ms;      /* per request (connect + answer); 0 → 60000. Log follow ignores it */
    const char *token;    /* optional: a token kept from an earlier session (pf_client_token).
                           * Used instead of logging in; if the server rejects it the client
                           * logs in with user/password and repeats the call once. */
} pf_client_options;

/* Creates a client; copies every option string. Does not touch the network.
 * Returns NULL (and fills err) when user/password are missing or memory runs out.
 * Release with pf_client_free. */
pf_client *pf_client_new(const pf_client_options *opts, pf_api_error *err);
void pf_client_free(pf_client *c);

/* Logs in now (POST /login) and keeps the token. Optional: every other call logs in first
 * when the client holds no token. */
int pf_login(pf_client *c, pf_api_error *err);
/* The current token, or NULL before the first login. Owned by the client; valid until the
 * next call on c. */
const char *pf_client_token(const pf_client *c);
/* The base address "http://host:port" the client talks to (owned by the client). */
const char *pf_client_endpoint(const pf_client *c);

/* Library version, e.g. "0.1.0". Static string. */
const char *pf_library_version(void);

#ifdef __cplusplus
}
#endif

#include "paddleflow/admin.h"
#include "paddleflow/job.h"

#endif
