/* wf_map.c — the engine's small utilities: allocation that aborts on failure (as pf_buf does),
 * FNV-1a (Argo's node-id hash), and an open-addressing string → index map used for node names,
 * node ids, template names and DAG task names, so lookups stay O(1) on 1,000-node workflows. */
#include "server/workflow/wf_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *wf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

void *wf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) abort();
    return p;
}

void *wf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) abort();
    return q;
}

char *wf_xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p) abort();
    return p;
}

char *wf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    int r = vasprintf(&out, fmt, ap);
    va_end(ap);
    if (r < 0) abort();
    return out;
}

uint32_t wf_fnv32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static uint64_t hash64(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void wf_map_free(wf_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

static void map_insert(wf_map *m, const char *key, size_t val)
{
    size_t mask = m->cap - 1;
    for (size_t i = hash64(key) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i]) {
            m->keys[i] = key;
            m->vals[i] = val;
            m->len++;
            return;
        }
        if (strcmp(m->keys[i], key) == 0) {
            m->vals[i] = val;
            return;
        }
    }
}

static void map_grow(wf_map *m)
{
    wf_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->keys = wf_xcalloc(m->cap, sizeof(*m->keys));
    m->vals = wf_xcalloc(m->cap, sizeof(*m->vals));
    m->len = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i]) map_insert(m, old.keys[i], old.vals[i]);
    free(old.keys);
    free(old.vals);
}

void wf_map_put(wf_map *m, const char *key, size_t val)
{
    if ((m->len + 1) * 2 > m->cap) map_grow(m); /* load factor ≤ 1/2 */
    map_insert(m, key, val);
}

bool wf_map_get(const wf_map *m, const char *key, size_t *val)
{
    if (!m->cap) return false;
    size_t mask = m->cap - 1;
    for (size_t i = hash64(key) & mask; m->keys[i]; i = (i + 1) & mask) {
        if (strcmp(m->keys[i], key) == 0) {
            if (val) *val = m->vals[i];
            return true;
        }
    }
    return false;
}
