/* fuzz_quantity.c — libFuzzer target for quantity strings and resource maps.
 *
 * The input is parsed as a quantity string and, when it is JSON, as a request resource object
 * and as a stored resource object. Beyond "no crash, no sanitizer report" it checks the
 * invariants callers rely on: failures carry one of the documented messages, Value and
 * MilliValue agree (nested ceilings), every canonical rendering parses back to the same
 * integer, and a resource map survives its storage JSON round trip. Violations abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/quantity.h"
#include "base/resources.h"

static void check(bool ok)
{
    if (!ok) abort();
}

static bool known_message(const char *m)
{
    return !strcmp(m, PF_QUANTITY_ERR_FORMAT) || !strcmp(m, PF_QUANTITY_ERR_SUFFIX) ||
           !strcmp(m, PF_QUANTITY_ERR_NUMERIC) || !strcmp(m, PF_QUANTITY_ERR_RANGE);
}

static void check_round_trip(int64_t v, bool milli, void (*fmt)(int64_t, char *))
{
    char out[PF_QUANTITY_STR];
    int64_t back = 0;
    fmt(v, out);
    check(pf_quantity_parse_int(out, milli, &back, NULL) == 0 && back == v);
}

static void fuzz_quantity(const char *s)
{
    pf_quantity q;
    pf_error e = {0};
    if (pf_quantity_parse(s, &q, &e) != 0) {
        check(known_message(e.message));
        return;
    }
    int64_t v = 0, m = 0;
    bool vok = pf_quantity_value(&q, &v, &e) == 0;
    if (!vok) check(known_message(e.message));
    bool mok = pf_quantity_milli(&q, &m, &e) == 0;
    if (!mok) check(known_message(e.message));
    if (mok) check(vok); /* milli fits ⇒ value fits */
    if (vok) {
        check((v > 0) == (pf_quantity_sign(&q) > 0) && (v < 0) == (pf_quantity_sign(&q) < 0));
        check_round_trip(v, false, pf_quantity_format_mem);
        check_round_trip(v, false, pf_quantity_format_scalar);
    }
    if (mok) {
        int64_t mag = m < 0 ? -m : m, up = mag / 1000 + (mag % 1000 != 0);
        check(v == (m < 0 ? -up : up));
        check_round_trip(m, true, pf_quantity_format_cpu);
    }
}

static void fuzz_resources(const json_t *j)
{
    pf_resources r, back;
    pf_error e = {0};
    if (pf_resources_from_request(j, &r, &e) == 0) {
        check(!pf_resources_has_negative(&r));
        char *text = pf_resources_dump(&r);
        check(pf_resources_load(text, &back, &e) == 0 && pf_resources_equal(&r, &back));
        free(text);
        check(pf_resources_less_equal(&r, &r));
        char msg[PF_RESOURCES_TEXT_MAX];
        pf_resources_text(&r, msg, sizeof msg);
        pf_resources sum = r;
        if (pf_resources_add(&sum, &r, 3, &e) == 0) {
            check(pf_resources_less_equal(&r, &sum));
            check(pf_resources_sub(&sum, &r, &e) == 0);
        }
    }
    if (pf_resources_from_json(j, &r, &e) == 0) {
        json_t *out = pf_resources_to_json(&r);
        check(pf_resources_from_json(out, &back, &e) == 0 && pf_resources_equal(&r, &back));
        json_decref(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    fuzz_quantity(s);
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (j) {
        fuzz_resources(j);
        json_decref(j);
    }
    free(s);
    return 0;
}
