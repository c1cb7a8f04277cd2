/* yaml_json.c — YAML → JSON over libyaml's document loader (see yaml_json.h for the rules).
 *
 * Aliases make a YAML document a DAG, so a tiny file can expand into an enormous tree
 * ("billion laughs"); the converter therefore counts the nodes it produces and gives up past
 * a limit, and bounds the nesting depth so recursion stays shallow. */
#include "client/yaml_json.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 256
#define MAX_NODES 1000000

typedef struct conv {
    yaml_document_t *doc;
    size_t produced;
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
    if (strncmp(s, "0x", 2) == 0) base = 16, p = s + 2;
    else if (strncmp(s, "0o", 2) == 0) base = 8, p = s + 2;
    else if (*s == '+' || *s == '-') p = s + 1;
    if (!*p) return false;
    for (const char *q = p; *q; q++) {
        bool ok = base == 16 ? strchr("0123456789abcdefABCDEF", *q) != NULL
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
        if (*p >= '0' && *p <= '9') digits = true;
        else if (*p == '.' && !dot && !exp) dot = true;
        else if ((*p == 'e' || *p == 'E') && digits && !exp) {
            exp = true;
            if (p[1] == '+' || p[1] == '-') p++;
            if (!p[1]) return false;
        } else return false;
    }
    return digits && (dot || exp);
}

static json_t *scalar(const yaml_node_t *n)
{
    const char *s = (const char *)n->data.scalar.value;
    const char *tag = (const char *)n->tag;
    bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (!plain || (tag && strcmp(tag, YAML_STR_TAG) == 0)) return json_string(s);
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

static json_t *convert(conv *c, int id, int depth)
{
    yaml_node_t *n = yaml_document_get_node(c->doc, id);
    if (!n) return json_null();
    if (depth > MAX_DEPTH || ++c->produced > MAX_NODES) {
        pf_fail(c->e, "MalformedYaml", "document too deep or too large (aliases?)");
        return NULL;
    }
    if (n->type == YAML_SCALAR_NODE) {
        json_t *v = scalar(n);
        if (!v) pf_fail(c->e, "MalformedYaml", "line %zu: invalid UTF-8 in scalar",
                        n->start_mark.line + 1);
        return v;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        json_t *arr = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start;
             it < n->data.sequence.items.top; it++) {
            json_t *v = convert(c, *it, depth + 1);
            if (!v) return json_decref(arr), NULL;
            json_array_append_new(arr, v);
        }
        return arr;
    }
    json_t *obj = json_object();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (!k || k->type != YAML_SCALAR_NODE) {
            pf_fail(c->e, "MalformedYaml", "line %zu column %zu: mapping keys must be scalars",
                    n->start_mark.line + 1, n->start_mark.column + 1);
            return json_decref(obj), NULL;
        }
        json_t *v = convert(c, p->value, depth + 1);
        if (!v) return json_decref(obj), NULL;
        json_object_set_new(obj, (const char *)k->data.scalar.value, v);
    }
    return obj;
}

json_t *pf_yaml_to_json(const char *text, size_t len, pf_error *e)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        pf_fail(e, "MalformedYaml", "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        pf_fail(e, "MalformedYaml", "line %zu column %zu: %s", parser.problem_mark.line + 1,
                parser.problem_mark.column + 1,
                parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        return NULL;
    }
    conv c = {&doc, 0, e};
    json_t *root = yaml_document_get_root_node(&doc) ? convert(&c, 1, 0) : json_null();
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return root;
}
