/* json.c — typed, case-insensitive readers for request bodies (api.md §1.3). */
#include "base/json.h"

#include <stdlib.h>
#include <stdint.h>
#include <strings.h>

#include "base/buf.h"

json_t *pf_json_parse_object(const char *body, size_t len, pf_error *e)
{
    if (!body || len == 0) {
        pf_fail(e, "MalformedJSON", "unexpected end of JSON input");
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &je);
    if (!v) {
        pf_fail(e, "MalformedJSON", "invalid JSON at line %d column %d: %s", je.line, je.column,
                je.text);
        return NULL;
    }
    if (json_is_null(v)) {
        json_decref(v);
        return json_object();
    }
    if (!json_is_object(v)) {
        const char *what = json_is_array(v) ? "array" : "value";
        json_decref(v);
        pf_fail(e, "MalformedJSON", "json: cannot unmarshal %s into a request object", what);
        return NULL;
    }
    return v;
}

json_t *pf_json_get(const json_t *obj, const char *key)
{
    if (!json_is_object(obj)) return NULL;
    json_t *v = json_object_get(obj, key);
    if (!v) {
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)obj, k, val)
        {
            if (strcasecmp(k, key) == 0) {
                v = val;
                break;
            }
        }
    }
    return json_is_null(v) ? NULL : v;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "null";
    }
}

static int mismatch(pf_error *e, const json_t *v, const char *key, const char *want)
{
    return pf_fail(e, "MalformedJSON", "json: cannot unmarshal %s into field %s of type %s",
                   type_name(v), key, want);
}

int pf_json_str(const json_t *obj, const char *key, const char **out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_string(v)) return mismatch(e, v, key, "string");
    *out = json_string_value(v);
    return 0;
}

int pf_json_int(const json_t *obj, const char *key, long long *out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_integer(v)) return mismatch(e, v, key, "int");
    *out = json_integer_value(v);
    return 0;
}

int pf_json_bool(const json_t *obj, const char *key, bool *out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_boolean(v)) return mismatch(e, v, key, "bool");
    *out = json_is_true(v);
    return 0;
}

int pf_json_object(const json_t *obj, const char *key, json_t **out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_object(v)) return mismatch(e, v, key, "object");
    *out = v;
    return 0;
}

int pf_json_array(const json_t *obj, const char *key, json_t **out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_array(v)) return mismatch(e, v, key, "array");
    *out = v;
    return 0;
}

int pf_json_strmap(const json_t *obj, const char *key, json_t **out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_object(v)) return mismatch(e, v, key, "map[string]string");
    json_t *copy = json_object();
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val)
    {
        if (json_is_null(val)) {
            json_object_set_new(copy, k, json_string(""));
        } else if (json_is_string(val)) {
            json_object_set(copy, k, val);
        } else {
            json_decref(copy);
            return pf_fail(e, "MalformedJSON",
                           "json: cannot unmarshal %s into field %s.%s of type string",
                           type_name(val), key, k);
        }
    }
    *out = copy;
    return 0;
}

int pf_json_strlist(const json_t *obj, const char *key, json_t **out, pf_error *e)
{
    json_t *v = pf_json_get(obj, key);
    if (!v) return 0;
    if (!json_is_array(v)) return mismatch(e, v, key, "[]string");
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item))
            return pf_fail(e, "MalformedJSON",
                           "json: cannot unmarshal %s into field %s[%zu] of type string",
                           type_name(item), key, i);
    }
    *out = v;
    return 0;
}

char *pf_json_dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

int pf_json_set_str(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key, json_string(value ? value : ""));
    return 0;
}

json_t *pf_json_or_null(json_t *v)
{
    return v ? json_incref(v) : json_null();
}

/* Length of the valid UTF-8 sequence at s, 0 when invalid — strictly as jansson checks it:
 * no overlong forms, no surrogates (U+D800..DFFF), nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    size_t n = (s[0] & 0xE0) == 0xC0   ? 2
               : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || s[0] > 0xF4) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (s[0] == 0xE0 && s[1] < 0xA0) return 0; /* overlong 3-byte */
    if (s[0] == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
    if (s[0] == 0xF0 && s[1] < 0x90) return 0; /* overlong 4-byte */
    if (s[0] == 0xF4 && s[1] >= 0x90) return 0; /* above U+10FFFF */
    return n;
}

char *pf_utf8_clean(const char *s, size_t max)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "");
    const unsigned char *p = (const unsigned char *)s;
    while (*p && b.len < max) {
        size_t n = utf8_len(p);
        if (n == 0) {
            pf_buf_append(&b, "?", 1);
            p++;
        } else {
            pf_buf_append(&b, p, n);
            p += n;
        }
    }
    return pf_buf_steal(&b);
}

json_t *pf_json_string_lossy(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j) return j;
    char *clean = pf_utf8_clean(s, SIZE_MAX);
    j = json_string(clean);
    free(clean);
    return j;
}
