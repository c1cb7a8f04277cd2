/* yaml_json.c — YAML → JSON over libyaml's event parser (see yaml_json.h for the rules).
 *
 * Events rather than libyaml's document loader, because the loader tags every untagged
 * scalar !!str and so loses the one fact the core schema needs: whether a scalar was plain.
 * Values are built bottom-up on an explicit stack (no recursion). Aliases are expanded by
 * deep copy, so callers get an ordinary tree they may modify; since that can make a tiny
 * file enormous ("billion laughs"), every anchor remembers how many nodes it expands to and
 * the converter gives up past MAX_NODES. */
#include "client/yaml_json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 256
#define MAX_NODES 1000000

typedef struct frame {
    json_t *container; /* array or object being filled */
    char *key;         /* object: the key waiting for its value (NULL = expecting a key) */
    char *anchor;      /* anchor of the container itself */
    size_t start_nodes;
} frame;

typedef struct anchor {
    char *name;
    json_t *value;
    size_t nodes; /* size of the expansion */
} anchor;

typedef struct conv {
    frame stack[MAX_DEPTH];
    int depth;
    anchor *anchors;
    size_t n_anchors;
    size_t nodes;
    json_t *root;
    bool done;
    pf_error *e;
} conv;

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0) return true;
    return false;
}

static bool parse_int(const char *s, long long *out)
{
    const char *p = s;
    int base = 10;
    if (strncmp(s, "0x", 2) == 0)
        base = 16, p = s + 2;
    else if (strncmp(s, "0o", 2) == 0)
        base = 8, p = s + 2;
    else if (*s == '+' || *s == '-')
        p = s + 1;
    if (!*p) return false;
    for (const char *q = p; *q; q++) {
        bool ok = base == 16  ? strchr("0123456789abcdefABCDEF", *q) != NULL
                  : base == 8 ? (*q >= '0' && *q <= '7')
                              : (*q >= '0' && *q <= '9');
        if (!ok) return false;
    }
    errno = 0;
    char *end;
    *out = strtoll(base == 10 ? s : p, &end, base);
    return errno == 0 && *end == '\0';
}

/* [-+]? ( . digits | digits ( . digits? )? ) ( [eE] [-+]? digits )? with a dot or exponent */
static bool looks_float(const char *s)
{
    const char *p = s;
    bool digits = false, dot = false, exp = false;
    if (*p == '+' || *p == '-') p++;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digits = true;
        else if (*p == '.' && !dot && !exp)
            dot = true;
        else if ((*p == 'e' || *p == 'E') && digits && !exp) {
            exp = true;
            if (p[1] == '+' || p[1] == '-') p++;
            if (!p[1]) return false;
        } else
            return false;
    }
    return digits && (dot || exp);
}

static json_t *scalar(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag && strcmp(tag, YAML_STR_TAG) == 0) return json_string(s);
    if (tag && strcmp(tag, YAML_NULL_TAG) == 0) return json_null();
    if (!ev->data.scalar.plain_implicit || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_string(s);
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    if (is_one_of(s, nulls)) return json_null();
    if (is_one_of(s, trues)) return json_true();
    if (is_one_of(s, falses)) return json_false();
    long long i;
    if (parse_int(s, &i)) return json_integer(i);
    if (looks_float(s)) return json_real(strtod(s, NULL));
    return json_string(s);
}

static int fail_at(conv *c, const yaml_mark_t *m, const char *what)
{
    pf_fail(c->e, "MalformedYaml", "line %zu column %zu: %s", m->line + 1, m->column + 1, what);
    return -1;
}

static void remember(conv *c, const char *name, json_t *v, size_t nodes)
{
    if (!name) return;
    for (size_t i = 0; i < c->n_anchors; i++) /* a redefined anchor replaces the old one */
        if (strcmp(c->anchors[i].name, name) == 0) {
            json_decref(c->anchors[i].value);
            c->anchors[i].value = json_incref(v);
            c->anchors[i].nodes = nodes;
            return;
        }
    anchor *a = realloc(c->anchors, (c->n_anchors + 1) * sizeof *a);
    if (!a) abort();
    c->anchors = a;
    a[c->n_anchors++] = (anchor){strdup(name), json_incref(v), nodes};
}

/* Places a finished value into the enclosing container (or makes it the root). Steals v. */
static int place(conv *c, json_t *v, const yaml_mark_t *m)
{
    if (c->nodes > MAX_NODES) {
        json_decref(v);
        return fail_at(c, m, "document too large (aliases expanding too far?)");
    }
    if (c->depth == 0) {
        c->root = v;
        return 0;
    }
    frame *f = &c->stack[c->depth - 1];
    if (json_is_array(f->container)) return json_array_append_new(f->container, v), 0;
    if (!f->key) {
        if (!json_is_string(v) && !json_is_integer(v) && !json_is_real(v) && !json_is_boolean(v) &&
            !json_is_null(v)) {
            json_decref(v);
            return fail_at(c, m, "mapping keys must be scalars");
        }
        /* a plain key such as 1 or true was resolved to a non-string: keys are text */
        char *k = json_is_string(v) ? strdup(json_string_value(v))
                                    : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (json_is_null(v)) {
            free(k);
            k = strdup("null");
        }
        json_decref(v);
        f->key = k;
        return 0;
    }
    json_object_set_new(f->container, f->key, v);
    free(f->key);
    f->key = NULL;
    return 0;
}

static int open_container(conv *c, json_t *container, const yaml_char_t *anchor_name,
                          const yaml_mark_t *m)
{
    if (c->depth >= MAX_DEPTH) {
        json_decref(container);
        return fail_at(c, m, "nesting too deep");
    }
    c->nodes++;
    c->stack[c->depth++] =
        (frame){container, NULL, anchor_name ? strdup((char *)anchor_name) : NULL, c->nodes};
    return 0;
}

static int close_container(conv *c, const yaml_mark_t *m)
{
    frame f = c->stack[--c->depth];
    remember(c, f.anchor, f.container, c->nodes - f.start_nodes + 1);
    free(f.anchor);
    free(f.key);
    return place(c, f.container, m);
}

static int on_alias(conv *c, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = c->n_anchors; i-- > 0;)
        if (strcmp(c->anchors[i].name, name) == 0) {
            c->nodes += c->anchors[i].nodes;
            if (c->nodes > MAX_NODES)
                return fail_at(c, &ev->start_mark,
                               "document too large (aliases expanding too far?)");
            return place(c, json_deep_copy(c->anchors[i].value), &ev->start_mark);
        }
    return fail_at(c, &ev->start_mark, "unknown alias");
}

static int on_event(conv *c, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        json_t *v = scalar(ev);
        if (!v) return fail_at(c, &ev->start_mark, "invalid UTF-8 in scalar");
        c->nodes++;
        remember(c, (const char *)ev->data.scalar.anchor, v, 1);
        return place(c, v, &ev->start_mark);
    }
    case YAML_SEQUENCE_START_EVENT:
        return open_container(c, json_array(), ev->data.sequence_start.anchor, &ev->start_mark);
    case YAML_MAPPING_START_EVENT:
        return open_container(c, json_object(), ev->data.mapping_start.anchor, &ev->start_mark);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return close_container(c, &ev->start_mark);
    case YAML_ALIAS_EVENT:
        return on_alias(c, ev);
    case YAML_DOCUMENT_END_EVENT:
        c->done = true;
        return 0; /* only the first document */
    default:
        return 0;
    }
}

json_t *pf_yaml_to_json(const char *text, size_t len, pf_error *e)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        pf_fail(e, "MalformedYaml", "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    conv *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->e = e;
    int rc = 0;
    while (rc == 0 && !c->done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_at(c, &parser.problem_mark, parser.problem ? parser.problem : "invalid YAML");
            break;
        }
        bool end = ev.type == YAML_STREAM_END_EVENT;
        rc = on_event(c, &ev);
        yaml_event_delete(&ev);
        if (end) break;
    }
    json_t *root = c->root;
    if (rc != 0) {
        json_decref(root);
        root = NULL;
        while (c->depth > 0) {
            frame *f = &c->stack[--c->depth];
            json_decref(f->container);
            free(f->key);
            free(f->anchor);
        }
    } else if (!root) {
        root = json_null();
    }
    for (size_t i = 0; i < c->n_anchors; i++) {
        free(c->anchors[i].name);
        json_decref(c->anchors[i].value);
    }
    free(c->anchors);
    free(c);
    yaml_parser_delete(&parser);
    return root;
}
