/* internal.h — what the files of libpaddleflow share and nobody else sees: the client
 * struct, the HTTP call, the result arena and the JSON → struct decoders. */
#ifndef PF_CLIENT_INTERNAL_H
#define PF_CLIENT_INTERNAL_H

#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "paddleflow/paddleflow.h"

#define PF_API_PREFIX "/api/paddleflow/v1"

struct pf_client {
    CURL *curl; /* one easy handle for every call: libcurl keeps the connection alive */
    char *host;
    int port;
    char *user;
    char *password;
    char *token;           /* NULL until logged in */
    bool token_unverified; /* token came from the caller and no call has succeeded with it */
    char *endpoint;        /* "http://host:port" */
    long timeout_ms;
};

/* Fills err (if any) with a client-side error. Returns -1. */
int pf_client_fail(pf_api_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One API call. path is relative to PF_API_PREFIX and already escaped (query included).
 * body: JSON text or NULL. On a 2xx answer *out (if out) is the parsed JSON object, or NULL
 * for an empty body. Logs in first when needed and once more on AuthInvalidToken. */
int pf_call(pf_client *c, const char *method, const char *path, const char *body, json_t **out,
            pf_api_error *err);
/* pf_call that also hands over the answer's exact bytes (raw may be NULL). */
int pf_call_raw(pf_client *c, const char *method, const char *path, const char *body, json_t **out,
                pf_buf *raw, pf_api_error *err);
/* Like pf_call but hands the body of a 2xx answer to sink as it arrives (log follow). */
int pf_call_stream(pf_client *c, const char *path, pf_log_sink sink, void *userdata,
                   pf_api_error *err);

/* Appends "key=value" (both escaped) to a query string being built, with ? or &. */
void pf_query_add(pf_buf *q, const char *key, const char *value);
void pf_query_addf(pf_buf *q, const char *key, long long value);
/* Appends a path segment, percent-escaped. */
void pf_path_add(pf_buf *p, const char *segment);

/* ---- arena: every result is one arena whose first allocation is the result itself ---- */
typedef struct pf_arena pf_arena;
/* A new arena whose first allocation (size first) is returned; NULL on out of memory. */
void *pf_arena_new(size_t first, pf_arena **arena);
void *pf_arena_alloc(pf_arena *a, size_t size);
const char *pf_arena_strdup(pf_arena *a, const char *s);
/* Frees the arena whose first allocation is obj (NULL is fine). */
void pf_arena_free_result(void *obj);

/* ---- decoders: tolerant readers of server JSON into arena strings ---- */
/* String value of key; numbers/bools rendered as text; "" when absent or null. */
const char *pf_dec_str(pf_arena *a, const json_t *obj, const char *key);
/* Compact JSON of key, NULL when absent or null. */
const char *pf_dec_json(pf_arena *a, const json_t *obj, const char *key);
const char *pf_dec_dump(pf_arena *a, const json_t *v);
/* Records that root was parsed from raw, so pf_dec_self(a, root) returns raw's exact text. */
void pf_arena_set_raw(pf_arena *a, const json_t *root, const pf_buf *raw);
/* The exact received text of o when o is the recorded root, else a compact dump. */
const char *pf_dec_self(pf_arena *a, const json_t *o);
const pf_pair *pf_dec_pairs(pf_arena *a, const json_t *obj, const char *key, size_t *n);
const char *const *pf_dec_strs(pf_arena *a, const json_t *obj, const char *key, size_t *n);
void pf_dec_resource(pf_arena *a, const json_t *obj, const char *key, pf_resource *out);

/* The paging envelope shared by every list result. */
typedef struct pf_list_head {
    int max_keys;
    bool is_truncated;
    const char *next_marker;
    const char *json;
} pf_list_head;
void pf_dec_list_head(pf_arena *a, const json_t *obj, pf_list_head *out);

/* JSON building helpers for request bodies. */
void pf_body_str(json_t *obj, const char *key, const char *value);                /* skips NULL */
void pf_body_pairs(json_t *obj, const char *key, const pf_pair *pairs, size_t n); /* skips n=0 */
void pf_body_strs(json_t *obj, const char *key, const char *const *v, size_t n);
/* Serialises and releases obj. */
char *pf_body_take(json_t *obj);
/* Query/path builder for the paging envelope. */
void pf_query_page(pf_buf *q, const pf_page_options *page);

#endif

/* ---- generic fetches used by the entity files ---- */
typedef void (*pf_decode_fn)(pf_arena *a, const json_t *o, void *item);
/* method+path (+body) whose answer is one object; decodes it into a new result of `size`
 * bytes with fn and stores it in *out. */
int pf_fetch_one(pf_client *c, const char *method, const char *path, const char *body, size_t size,
                 pf_decode_fn fn, void **out, pf_api_error *err);
/* GET path whose answer is a list envelope with the array `key`; allocates a list result of
 * list_size bytes (*out) and an items array of n × item_size decoded with fn. */
int pf_fetch_list(pf_client *c, const char *path, const char *key, size_t list_size,
                  size_t item_size, pf_decode_fn fn, void **out, void **items, size_t *n,
                  pf_list_head *head, pf_api_error *err);
#define PF_FILL_LIST(l, items_, n_, h)                                                             \
    do {                                                                                           \
        (l)->items = (items_);                                                                     \
        (l)->n = (n_);                                                                             \
        (l)->max_keys = (h).max_keys;                                                              \
        (l)->is_truncated = (h).is_truncated;                                                      \
        (l)->next_marker = (h).next_marker;                                                        \
        (l)->json = (h).json;                                                                      \
    } while (0)
