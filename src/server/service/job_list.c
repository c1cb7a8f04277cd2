/* job_list.c — GET /job: the query's checks, the filter, and the page rendered as text by
 * splicing each row's stored config (see job_list.h for why).
 *
 * Splicing is only byte-exact when the stored text is what pf_json_dump writes: compact, no
 * duplicate keys, strings escaped the way jansson escapes them, valid UTF-8, integers that
 * jansson reads back unchanged. canon_* below check exactly that while finding the fields;
 * on any doubt (a real number, an unusual escape, deep nesting, a huge object) the row is
 * rendered by pf_job_view + pf_json_dump instead, so the answer never depends on the check
 * being clever, only on it being strict. */
#include "server/service/job_list.h"

#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "model/status.h"
#include "server/service/jobs_internal.h"
#include "server/service/paging.h"
#include "server/store/queues.h"
#include "server/store/store.h"

/* ---- canonical-form check of stored JSON text ---- */

enum { MAX_DEPTH = 12, MAX_KEYS = 64 };

typedef struct {
    const char *p, *end;
    bool high; /* a byte >= 0x80 was seen: the whole text's UTF-8 is checked once at the end */
} cursor;

typedef struct {
    const char *s;
    size_t n;
} span;

/* The config keys the job object shows, in the order of pf_job_view. */
enum {
    K_LABELS,
    K_ANNOTATIONS,
    K_FLAVOUR,
    K_LIMIT_FLAVOUR,
    K_FS,
    K_EXTRA_FS,
    K_IMAGE,
    K_ENV,
    K_COMMAND,
    K_ARGS,
    K_PORT,
    K_EXT_TEMPLATE,
    K_MEMBERS,
    K_COUNT
};
static const char *const KEYS[K_COUNT] = {
    "labels",  "annotations", "flavour", "limitFlavour",      "fs",     "extraFS", "image", "env",
    "command", "args",        "port",    "extensionTemplate", "members"};

static bool canon_value(cursor *c, int depth);

/* Escapes jansson writes for control characters other than \b \f \n \r \t. */
static bool canon_u_escape(const char *p)
{
    if (p[0] != '0' || p[1] != '0' || (p[2] != '0' && p[2] != '1')) return false;
    int lo = p[3] >= '0' && p[3] <= '9'   ? p[3] - '0'
             : p[3] >= 'A' && p[3] <= 'F' ? p[3] - 'A' + 10
                                          : -1;
    if (lo < 0) return false;
    int v = (p[2] - '0') * 16 + lo;
    /* \u0000 is refused by json_loads; the short forms are what jansson writes for these */
    return v != 0 && v != '\b' && v != '\f' && v != '\n' && v != '\r' && v != '\t';
}

static bool canon_string(cursor *c)
{
    const char *p = c->p + 1;
    while (p < c->end) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"') {
            c->p = p + 1;
            return true;
        }
        if (ch < 0x20) return false;
        if (ch >= 0x80) c->high = true;
        if (ch != '\\') {
            p++;
            continue;
        }
        if (c->end - p < 2) return false;
        switch (p[1]) {
        case '"':
        case '\\':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p += 2;
            break;
        case 'u':
            if (c->end - p < 6 || !canon_u_escape(p + 2)) return false;
            p += 6;
            break;
        default:
            return false; /* "\/" and others: jansson would write them differently */
        }
    }
    return false;
}

/* Integers only, as jansson writes them (no "-0", no leading zero, within long long); a
 * real is left to the jansson path. */
static bool canon_number(cursor *c)
{
    const char *p = c->p;
    if (*p == '-') p++;
    const char *d = p;
    while (p < c->end && *p >= '0' && *p <= '9')
        p++;
    size_t n = (size_t)(p - d);
    if (n == 0 || n > 18 || (n > 1 && *d == '0') || (*c->p == '-' && n == 1 && *d == '0'))
        return false;
    if (p < c->end && (*p == '.' || *p == 'e' || *p == 'E')) return false;
    c->p = p;
    return true;
}

static bool canon_literal(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) return false;
    c->p += n;
    return true;
}

static bool has_key(const span *keys, int n, span k)
{
    for (int i = 0; i < n; i++)
        if (keys[i].n == k.n && memcmp(keys[i].s, k.s, k.n) == 0) return true;
    return false;
}

/* An object; with top != NULL also records the value span of each key of KEY_NAMES. Keys
 * are compared raw: only canonical escapes pass, so equal text <=> equal key. */
static bool canon_object(cursor *c, int depth, span *top)
{
    span keys[MAX_KEYS];
    int nk = 0;
    c->p++;
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return true;
    }
    for (;;) {
        if (c->p >= c->end || *c->p != '"' || nk == MAX_KEYS) return false;
        span k = {c->p, 0};
        if (!canon_string(c)) return false;
        k.n = (size_t)(c->p - k.s);
        if (has_key(keys, nk, k)) return false; /* jansson keeps one: the text would shrink */
        keys[nk++] = k;
        if (c->p >= c->end || *c->p != ':') return false;
        c->p++;
        const char *v = c->p;
        if (!canon_value(c, depth + 1)) return false;
        for (int i = 0; top && i < K_COUNT; i++)
            if (strlen(KEYS[i]) + 2 == k.n && memcmp(KEYS[i], k.s + 1, k.n - 2) == 0)
                top[i] = (span){v, (size_t)(c->p - v)};
        if (c->p < c->end && *c->p == ',') {
            c->p++;
        } else if (c->p < c->end && *c->p == '}') {
            c->p++;
            return true;
        } else {
            return false;
        }
    }
}

static bool canon_array(cursor *c, int depth)
{
    c->p++;
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return true;
    }
    for (;;) {
        if (!canon_value(c, depth + 1)) return false;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
        } else if (c->p < c->end && *c->p == ']') {
            c->p++;
            return true;
        } else {
            return false;
        }
    }
}

static bool canon_value(cursor *c, int depth)
{
    if (c->p >= c->end || depth > MAX_DEPTH) return false;
    switch (*c->p) {
    case '{':
        return canon_object(c, depth, NULL);
    case '[':
        return canon_array(c, depth);
    case '"':
        return canon_string(c);
    case 't':
        return canon_literal(c, "true");
    case 'f':
        return canon_literal(c, "false");
    case 'n':
        return canon_literal(c, "null");
    default:
        return canon_number(c);
    }
}

/* True when s (NUL-terminated) is valid UTF-8 by jansson's rules. */
static bool utf8_ok(const char *s)
{
    char *clean = pf_utf8_clean(s, SIZE_MAX);
    bool ok = strcmp(clean, s) == 0;
    free(clean);
    return ok;
}

/* Finds the fields of a stored config; false when its text is not canonical. */
static bool config_fields(const char *text, size_t len, span f[K_COUNT])
{
    memset(f, 0, sizeof(span) * K_COUNT);
    cursor c = {text, text + len, false};
    if (len == 0 || *text != '{' || !canon_object(&c, 0, f) || c.p != c.end) return false;
    return !c.high || utf8_ok(text);
}

/* ---- rendering ---- */

/* A string as jansson's dump writes it (no ASCII-only, no slash escaping). False when s is
 * not valid UTF-8: json_string would refuse it and the view would drop the key. */
static bool put_string(pf_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    pf_buf_append(b, "\"", 1);
    const char *run = s;
    bool high = false;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x80) high = true;
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        pf_buf_append(b, run, (size_t)(p - run));
        run = p + 1;
        char esc[7] = {'\\', 0, 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (ch) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            n = 6;
        }
        pf_buf_append(b, esc, n);
    }
    pf_buf_puts(b, run);
    pf_buf_append(b, "\"", 1);
    return !high || utf8_ok(s);
}

static void put_key(pf_buf *b, const char *key)
{
    pf_buf_append(b, ",\"", 2);
    pf_buf_puts(b, key);
    pf_buf_append(b, "\":", 2);
}

static bool put_field(pf_buf *b, const char *key, const char *value)
{
    put_key(b, key);
    return put_string(b, value);
}

static void put_spliced(pf_buf *b, const span *f, int k, const char *def)
{
    put_key(b, KEYS[k]);
    if (f[k].s)
        pf_buf_append(b, f[k].s, f[k].n);
    else
        pf_buf_puts(b, def);
}

static void put_time(pf_buf *b, const char *key, int64_t ms)
{
    char t[PF_TIME_STR];
    pf_format_local(ms, t);
    put_key(b, key);
    pf_buf_append(b, "\"", 1);
    pf_buf_puts(b, t);
    pf_buf_append(b, "\"", 1);
}

/* The splice; false (out possibly half-written) when a column needs the jansson path. */
static bool splice_item(const pf_job_cols *c, const span *f, pf_buf *b)
{
    static const char *const flavour0 = "{\"cpu\":\"\",\"mem\":\"\",\"name\":\"\"}";
    pf_buf_puts(b, "{\"id\":");
    bool ok = put_string(b, c->id);
    ok &= put_field(b, "name", c->name);
    put_spliced(b, f, K_LABELS, "null");
    put_spliced(b, f, K_ANNOTATIONS, "null");
    pf_buf_puts(b, ",\"schedulingPolicy\":{\"queue\":");
    ok &= put_string(b, c->queue);
    ok &= put_field(b, "priority", c->priority);
    pf_buf_append(b, "}", 1);
    ok &= put_field(b, "userName", c->user);
    put_spliced(b, f, K_FLAVOUR, flavour0);
    put_spliced(b, f, K_LIMIT_FLAVOUR, flavour0);
    put_spliced(b, f, K_FS, "{\"name\":\"\",\"type\":\"\"}");
    put_spliced(b, f, K_EXTRA_FS, "null");
    put_spliced(b, f, K_IMAGE, "\"\"");
    put_spliced(b, f, K_ENV, "null");
    put_spliced(b, f, K_COMMAND, "\"\"");
    put_spliced(b, f, K_ARGS, "null");
    put_spliced(b, f, K_PORT, "0");
    put_spliced(b, f, K_EXT_TEMPLATE, "null");
    if (c->framework[0]) ok &= put_field(b, "framework", c->framework);
    /* members only when a non-empty array (json_array_size is 0 for anything else) */
    if (f[K_MEMBERS].s && f[K_MEMBERS].s[0] == '[' && f[K_MEMBERS].s[1] != ']')
        put_spliced(b, f, K_MEMBERS, "");
    ok &= put_field(b, "status", c->status);
    ok &= put_field(b, "message", c->message);
    put_time(b, "acceptTime", c->created_at);
    put_time(b, "startTime", c->activated_at);
    put_time(b, "finishTime",
             pf_status_is_final(c->status) ? (c->finished_at ? c->finished_at : c->updated_at) : 0);
    pf_buf_append(b, "}", 1);
    return ok;
}

bool pf_job_list_item(pf_app *app, const pf_job_cols *c, pf_buf *out)
{
    span f[K_COUNT];
    size_t mark = out->len;
    if (config_fields(c->config, c->config_len, f) && splice_item(c, f, out)) return true;
    out->len = mark;
    out->data[mark] = '\0';
    pf_job_row row;
    pf_job_row_from_cols(c, &row);
    json_t *v = pf_job_view(app, &row, false);
    char *text = pf_json_dump(v);
    pf_buf_puts(out, text);
    free(text);
    json_decref(v);
    pf_job_row_clear(&row);
    return false;
}

/* ---- the list ---- */

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end) return -1;
    *out = v;
    return 0;
}

static int parse_labels(const char *text, json_t **out, pf_error *e)
{
    json_t *l = pf_json_parse_object(text, strlen(text), e);
    json_t *wrap = l ? json_pack("{s:O}", "labels", l) : NULL;
    int rc = l ? pf_json_strmap(wrap, "labels", out, e) : -1;
    json_decref(l);
    json_decref(wrap);
    if (rc == 0) return 0;
    return pf_fail(e, "InvalidURI",
                   "invalid labels params[%s]: labels must be a JSON object of strings, e.g. "
                   "{\"a\": \"b\"}",
                   text);
}

/* The store filter of a query, checked in this order (each check has its own error);
 * f->labels is a new reference (also on failure: release it). */
static int query_filter(pf_app *app, const pf_caller *c, const pf_job_query *q, pf_job_filter *f,
                        int *limit, pf_error *e)
{
    *f = (pf_job_filter){.user = c->root ? NULL : c->name,
                         .status = q->status && *q->status ? q->status : NULL,
                         .queue = q->queue && *q->queue ? q->queue : NULL};
    int64_t ts = 0;
    if (q->timestamp && (parse_i64(q->timestamp, &ts) != 0 || ts < 0))
        return pf_fail(e, "InvalidURI", "invalid timestamp params[%s]", q->timestamp);
    f->updated_since_ms = ts * 1000;
    if (q->start_time && *q->start_time && !pf_parse_local(q->start_time, &f->started_since_ms))
        return pf_fail(e, "InvalidURI", "invalid startTime params[%s]", q->start_time);
    if (q->labels && *q->labels && parse_labels(q->labels, &f->labels, e) != 0) return -1;
    if (pf_parse_max_keys(q->max_keys, limit, e) ||
        pf_marker_decode(app, q->marker, &f->before_pk, e))
        return -1;
    if (f->queue) {
        pf_queue qu;
        memset(&qu, 0, sizeof qu);
        int rc = pf_queue_get(pf_store_reader(app->store), f->queue, &qu, e);
        pf_queue_clear(&qu);
        if (rc == 1) return pf_fail(e, "QueueNameNotFound", "record not found");
        if (rc != 0) return -1;
    }
    f->limit = *limit + 1; /* one more row tells whether the page is truncated */
    return 0;
}

typedef struct {
    pf_app *app;
    pf_buf items;
    int limit, n;
    int64_t last_pk;
    bool truncated;
} page;

static int add_row(void *ctx, const pf_job_cols *c, pf_error *e)
{
    page *p = ctx;
    (void)e;
    if (p->n == p->limit) {
        p->truncated = true;
        return 0;
    }
    if (p->n++) pf_buf_append(&p->items, ",", 1);
    pf_job_list_item(p->app, c, &p->items);
    p->last_pk = c->pk;
    return 0;
}

/* The envelope of pf_list_envelope, as text. */
char *pf_jobs_list_text(pf_app *app, const pf_caller *c, const pf_job_query *q, size_t *len,
                        pf_error *e)
{
    pf_job_filter f;
    page p = {.app = app};
    int rc = query_filter(app, c, q, &f, &p.limit, e);
    if (rc == 0) {
        pf_buf_puts(&p.items, "");
        rc = pf_job_scan(pf_store_reader(app->store), &f, add_row, &p, e);
    }
    json_decref(f.labels);
    if (rc != 0) {
        pf_buf_free(&p.items);
        return NULL;
    }
    pf_buf out = PF_BUF_INIT;
    pf_buf_printf(&out, "{\"maxKeys\":%d,\"isTruncated\":%s", p.limit,
                  p.truncated ? "true" : "false");
    if (p.truncated) {
        char m[PF_MARKER_LEN];
        pf_marker_encode(app, p.last_pk, m);
        pf_buf_printf(&out, ",\"nextMarker\":\"%s\"", m);
    }
    pf_buf_puts(&out, ",\"jobList\":[");
    pf_buf_append(&out, p.items.data, p.items.len);
    pf_buf_puts(&out, "]}");
    pf_buf_free(&p.items);
    *len = out.len;
    return pf_buf_steal(&out);
}

json_t *pf_jobs_list(pf_app *app, const pf_caller *c, const pf_job_query *q, pf_error *e)
{
    size_t len;
    char *text = pf_jobs_list_text(app, c, q, &len, e);
    if (!text) return NULL;
    json_t *v = json_loadb(text, len, 0, NULL);
    free(text);
    if (!v) pf_fail(e, "InternalError", "list jobs: the rendered page is not JSON");
    return v;
}
