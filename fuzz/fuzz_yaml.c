/* fuzz_yaml.c — libFuzzer target for the CLI's YAML → JSON converter (src/client/yaml_json.c),
 * which reads every job file given to `paddleflow job create`.
 *
 * yaml_json.c is self-contained by design (libyaml + jansson + base/err), so it is compiled
 * into this target directly instead of linking libpaddleflow (the fuzz targets link the
 * server library; see the CMake note in docs/reliability.md).
 *
 * Checked (abort() on violation): a failure is MalformedYaml with "line L column C: ..."; a
 * success is a value, and since JSON is YAML, the value dumped as JSON converts back to an
 * equal value. Characters YAML forbids in a stream (DEL, C1 controls, U+FEFF, U+FFFE/F) or
 * folds as line breaks (NEL, U+2028, U+2029) are written as \u escapes for that round trip;
 * documents with mapping keys longer than libyaml's 1024-character simple-key limit or over
 * 1 MB of JSON skip it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "client/yaml_json.c"

#define MAX_ROUND_TRIP (1u << 20)

static void check(bool ok)
{
    if (!ok) abort();
}

static bool keys_short(const json_t *v, int depth)
{
    if (depth > 300) return false;
    const char *k;
    const json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x)
        {
            if (strlen(k) > 1000 || !keys_short(x, depth + 1)) return false;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if (!keys_short(x, depth + 1)) return false;
        }
    }
    return true;
}

/* Length of the UTF-8 sequence at s (jansson only emits valid UTF-8) and its code point. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) return *cp = s[0], 1;
    if ((s[0] & 0xE0) == 0xC0) return *cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu), 2;
    if ((s[0] & 0xF0) == 0xE0)
        return *cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu), 3;
    *cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    return 4;
}

/* Characters that stand for themselves inside a double-quoted YAML scalar: printable and not
 * one of YAML 1.1's extra line breaks (NEL, LS, PS), which libyaml folds. */
static bool yaml_literal(uint32_t cp)
{
    return cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) ||
           (cp >= 0xA0 && cp <= 0xD7FF && cp != 0x2028 && cp != 0x2029) ||
           (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) || cp >= 0x10000;
}

/* JSON text → the same JSON with every character YAML forbids or folds written as \uXXXX
 * (such characters can only occur inside strings, and all of them are in the BMP). */
static char *yaml_safe(const char *json)
{
    pf_buf b = PF_BUF_INIT;
    const unsigned char *s = (const unsigned char *)json;
    while (*s) {
        uint32_t cp;
        size_t n = utf8_next(s, &cp);
        if (yaml_literal(cp))
            pf_buf_append(&b, s, n);
        else
            pf_buf_printf(&b, "\\u%04X", (unsigned)cp);
        s += n;
    }
    return pf_buf_steal(&b);
}

static void check_round_trip(const json_t *v)
{
    if (!keys_short(v, 0)) return;
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    check(text != NULL);
    if (strlen(text) <= MAX_ROUND_TRIP) {
        char *safe = yaml_safe(text);
        pf_error e;
        json_t *back = pf_yaml_to_json(safe, strlen(safe), &e);
        check(back != NULL);
        check(json_equal(back, v));
        json_decref(back);
        free(safe);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_error e;
    memset(&e, 0, sizeof e);
    json_t *v = pf_yaml_to_json((const char *)data, size, &e);
    if (!v) {
        check(strcmp(e.code, "MalformedYaml") == 0);
        check(strncmp(e.message, "line ", 5) == 0);
        return 0;
    }
    check_round_trip(v);
    json_decref(v);
    return 0;
}
