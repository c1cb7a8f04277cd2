/* results.c — how results are allocated and filled.
 *
 * Every result the library hands out is one arena: the result struct is the arena's first
 * allocation, and every string and array reachable from it lives in the same arena. So a
 * result is released with one free call whatever its shape, nothing can leak piecemeal, and
 * the public structs need no hidden pointer. The decoders are tolerant on purpose: the
 * client must keep working against servers that omit keys or send null (upstream does). */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "client/internal.h"

typedef struct block {
    struct block *next;
    size_t used, cap;
    alignas(max_align_t) char data[];
} block;

struct pf_arena {
    block *extra;           /* blocks added once the inline space ran out, newest first */
    pf_buf scratch;         /* reused by every JSON dump into this arena */
    const json_t *raw_root; /* the parsed answer whose exact text is raw_text */
    const char *raw_text;
    size_t used;
    size_t cap;
    alignas(max_align_t) char data[];
};

#define ALIGN_UP(n) (((n) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1))
#define ARENA_INLINE 4096
#define ARENA_BLOCK 65536 /* a list of jobs allocates thousands of small strings */

void *pf_arena_new(size_t first, pf_arena **arena)
{
    size_t cap = ALIGN_UP(first) > ARENA_INLINE ? ALIGN_UP(first) : ARENA_INLINE;
    pf_arena *a = malloc(sizeof(pf_arena) + cap);
    if (!a) return NULL;
    a->extra = NULL;
    a->scratch = (pf_buf)PF_BUF_INIT;
    a->raw_root = NULL;
    a->raw_text = NULL;
    a->cap = cap;
    a->used = ALIGN_UP(first);
    memset(a->data, 0, a->used);
    *arena = a;
    return a->data;
}

void *pf_arena_alloc(pf_arena *a, size_t size)
{
    size = ALIGN_UP(size ? size : 1);
    void *p;
    if (a->used + size <= a->cap) {
        p = a->data + a->used;
        a->used += size;
    } else if (a->extra && a->extra->used + size <= a->extra->cap) {
        p = a->extra->data + a->extra->used;
        a->extra->used += size;
    } else {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        block *b = malloc(sizeof(block) + cap);
        if (!b) abort(); /* as pf_buf: no useful recovery from out of memory here */
        b->next = a->extra;
        b->cap = cap;
        b->used = size;
        a->extra = b;
        p = b->data;
    }
    memset(p, 0, size);
    return p;
}

const char *pf_arena_strdup(pf_arena *a, const char *s)
{
    if (!s) s = "";
    size_t n = strlen(s);
    char *p = pf_arena_alloc(a, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

void pf_arena_free_result(void *obj)
{
    if (!obj) return;
    pf_arena *a = (pf_arena *)((char *)obj - offsetof(pf_arena, data));
    for (block *b = a->extra, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    pf_buf_free(&a->scratch);
    free(a);
}

/* ---- decoders ---- */

static const char *scalar_text(pf_arena *a, const json_t *v)
{
    char tmp[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return pf_arena_strdup(a, json_string_value(v));
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "";
    default:
        return pf_dec_dump(a, v);
    }
    return pf_arena_strdup(a, tmp);
}

const char *pf_dec_str(pf_arena *a, const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v ? scalar_text(a, v) : "";
}

static int dump_to_buf(const char *data, size_t len, void *ud)
{
    pf_buf_append(ud, data, len);
    return 0;
}

const char *pf_dec_dump(pf_arena *a, const json_t *v)
{
    /* one growing scratch buffer per result instead of a fresh malloc'd string per dump:
     * a page of jobs dumps a dozen values per job */
    pf_buf_reset(&a->scratch);
    json_dump_callback(v, dump_to_buf, &a->scratch, JSON_COMPACT | JSON_ENCODE_ANY);
    char *p = pf_arena_alloc(a, a->scratch.len + 1);
    if (a->scratch.len) memcpy(p, a->scratch.data, a->scratch.len);
    p[a->scratch.len] = '\0';
    return p;
}

void pf_arena_set_raw(pf_arena *a, const json_t *root, const pf_buf *raw)
{
    a->raw_root = root;
    char *p = pf_arena_alloc(a, raw->len + 1);
    if (raw->len) memcpy(p, raw->data, raw->len);
    p[raw->len] = '\0';
    a->raw_text = p;
}

const char *pf_dec_self(pf_arena *a, const json_t *o)
{
    return o && o == a->raw_root ? a->raw_text : pf_dec_dump(a, o);
}

const char *pf_dec_json(pf_arena *a, const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return NULL;
    return pf_dec_dump(a, v);
}

const pf_pair *pf_dec_pairs(pf_arena *a, const json_t *obj, const char *key, size_t *n)
{
    json_t *m = key ? json_object_get(obj, key) : (json_t *)obj;
    *n = 0;
    if (!json_is_object(m) || json_object_size(m) == 0) return NULL;
    pf_pair *p = pf_arena_alloc(a, json_object_size(m) * sizeof *p);
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        p[*n].key = pf_arena_strdup(a, k);
        p[*n].value = scalar_text(a, v);
        (*n)++;
    }
    return p;
}

const char *const *pf_dec_strs(pf_arena *a, const json_t *obj, const char *key, size_t *n)
{
    json_t *arr = json_object_get(obj, key);
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0) return NULL;
    const char **s = pf_arena_alloc(a, json_array_size(arr) * sizeof *s);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) s[(*n)++] = scalar_text(a, v);
    return s;
}

void pf_dec_resource(pf_arena *a, const json_t *obj, const char *key, pf_resource *out)
{
    json_t *r = json_object_get(obj, key);
    out->cpu = pf_dec_str(a, r, "cpu");
    out->memory = pf_dec_str(a, r, "memory");
    if (!*out->memory) out->memory = pf_dec_str(a, r, "mem");
    out->scalars = pf_dec_pairs(a, r, "scalarResources", &out->n_scalars);
}

void pf_dec_list_head(pf_arena *a, const json_t *obj, pf_list_head *out)
{
    out->max_keys = (int)json_integer_value(json_object_get(obj, "maxKeys"));
    out->is_truncated = json_is_true(json_object_get(obj, "isTruncated"));
    const char *m = pf_dec_str(a, obj, "nextMarker");
    out->next_marker = *m ? m : NULL;
    out->json = pf_dec_self(a, obj);
}

/* ---- request bodies ---- */

void pf_body_str(json_t *obj, const char *key, const char *value)
{
    if (value) json_object_set_new(obj, key, json_string(value));
}

void pf_body_pairs(json_t *obj, const char *key, const pf_pair *pairs, size_t n)
{
    if (!n) return;
    json_t *m = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(m, pairs[i].key, json_string(pairs[i].value ? pairs[i].value : ""));
    json_object_set_new(obj, key, m);
}

void pf_body_strs(json_t *obj, const char *key, const char *const *v, size_t n)
{
    if (!n) return;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(v[i]));
    json_object_set_new(obj, key, arr);
}

char *pf_body_take(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return s;
}

void pf_query_page(pf_buf *q, const pf_page_options *page)
{
    if (!page) return;
    if (page->max_keys > 0) pf_query_addf(q, "maxKeys", page->max_keys);
    if (page->marker && *page->marker) pf_query_add(q, "marker", page->marker);
}

/* ---- generic fetches ---- */

int pf_fetch_one(pf_client *c, const char *method, const char *path, const char *body, size_t size,
                 pf_decode_fn fn, void **out, pf_api_error *err)
{
    json_t *r = NULL;
    pf_buf raw = PF_BUF_INIT;
    *out = NULL;
    if (pf_call_raw(c, method, path, body, &r, &raw, err) != 0) return -1;
    if (!r) return pf_client_fail(err, "InvalidResponse", "empty answer from %s", path);
    pf_arena *a;
    void *res = pf_arena_new(size, &a);
    if (res) {
        pf_arena_set_raw(a, r, &raw);
        fn(a, r, res);
    }
    pf_buf_free(&raw);
    json_decref(r);
    if (!res) return pf_client_fail(err, "OutOfMemory", "out of memory");
    *out = res;
    return 0;
}

int pf_fetch_list(pf_client *c, const char *path, const char *key, size_t list_size,
                  size_t item_size, pf_decode_fn fn, void **out, void **items, size_t *n,
                  pf_list_head *head, pf_api_error *err)
{
    json_t *r = NULL;
    pf_buf raw = PF_BUF_INIT;
    *out = NULL;
    if (pf_call_raw(c, "GET", path, NULL, &r, &raw, err) != 0) return -1;
    pf_arena *a;
    void *res = pf_arena_new(list_size, &a);
    if (!res) {
        json_decref(r);
        pf_buf_free(&raw);
        return pf_client_fail(err, "OutOfMemory", "out of memory");
    }
    pf_arena_set_raw(a, r, &raw);
    pf_buf_free(&raw);
    pf_dec_list_head(a, r, head);
    json_t *arr = json_object_get(r, key);
    *n = json_array_size(arr);
    *items = pf_arena_alloc(a, *n * item_size);
    for (size_t i = 0; i < *n; i++)
        fn(a, json_array_get(arr, i), (char *)*items + i * item_size);
    json_decref(r);
    *out = res;
    return 0;
}
