/* test_base_json.c — the request-body readers of src/base/json.h against api.md §1.3:
 * case-insensitive keys with the exact spelling preferred, JSON null read as "absent",
 * unknown keys ignored, every type mismatch MalformedJSON (for every reader, with the key
 * in the message), string maps with null values read as "", string lists, and
 * pf_json_parse_object on empty, non-object, null, malformed and deeply nested bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/json.h"

static json_t *parse(const char *text)
{
    pf_error e;
    json_t *v = pf_json_parse_object(text, strlen(text), &e);
    if (!v) fail_msg("parse %s: %s", text, e.message);
    return v;
}

static void expect_malformed(int rc, const pf_error *e, const char *needle)
{
    assert_int_equal(rc, -1);
    assert_string_equal(e->code, "MalformedJSON");
    if (needle && !strstr(e->message, needle)) fail_msg("message %s lacks %s", e->message, needle);
}

/* ---- pf_json_parse_object ---- */

static void expect_parse_fails(const char *body, size_t len)
{
    pf_error e;
    memset(&e, 0, sizeof e);
    json_t *v = pf_json_parse_object(body, len, &e);
    if (v) {
        json_decref(v);
        fail_msg("body %.40s was accepted", body ? body : "(null)");
    }
    assert_string_equal(e.code, "MalformedJSON");
    assert_true(e.message[0] != '\0');
}

static void test_parse_empty_body(void **state)
{
    (void)state;
    expect_parse_fails(NULL, 0);
    expect_parse_fails("", 0);
    expect_parse_fails("{}", 0); /* the length decides, not the pointer */
    expect_parse_fails("   \n\t", 5);
}

static void test_parse_non_objects(void **state)
{
    (void)state;
    const char *bodies[] = {"[]", "[{\"a\":1}]", "5", "\"x\"", "true", "false", "-1.5"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_parse_fails(bodies[i], strlen(bodies[i]));
    pf_error e;
    assert_null(pf_json_parse_object("[]", 2, &e));
    assert_non_null(strstr(e.message, "array"));
}

static void test_parse_literal_null_is_empty_object(void **state)
{
    (void)state;
    pf_error e;
    json_t *v = pf_json_parse_object("null", 4, &e);
    assert_non_null(v);
    assert_true(json_is_object(v));
    assert_int_equal(json_object_size(v), 0);
    json_decref(v);
    v = pf_json_parse_object("  null  ", 8, &e);
    assert_non_null(v);
    assert_true(json_is_object(v));
    json_decref(v);
}

static void test_parse_garbage(void **state)
{
    (void)state;
    const char *bodies[] = {
        "nul",   "{",   "{\"a\":}",    "{\"a\" 1}",  "{'a':1}",          "{\"a\":1,}",
        "{} {}", "{}x", "{\"a\":tru}", "\xff\xfe{}", "{\"a\":\"\x01\"}", "not json"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        expect_parse_fails(bodies[i], strlen(bodies[i]));
    /* a NUL byte inside the body, and a body cut short by its length */
    expect_parse_fails("{\"a\":\0\"b\"}", 10);
    expect_parse_fails("{\"a\":1}", 5);
}

static void test_parse_deep_nesting(void **state)
{
    (void)state;
    /* far deeper than any parser should recurse: an error, never a crash */
    size_t depth = 200000;
    char *deep = malloc(2 * depth + 16);
    size_t n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"a\":", 4);
    n += 4;
    for (size_t i = 0; i < depth; i++)
        deep[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    expect_parse_fails(deep, n);
    /* reasonable nesting is fine */
    n = 0;
    deep[n++] = '{';
    memcpy(deep + n, "\"a\":", 4);
    n += 4;
    for (size_t i = 0; i < 100; i++)
        deep[n++] = '[';
    for (size_t i = 0; i < 100; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    pf_error e;
    json_t *v = pf_json_parse_object(deep, n, &e);
    assert_non_null(v);
    assert_true(json_is_array(pf_json_get(v, "a")));
    json_decref(v);
    free(deep);
}

static void test_parse_duplicate_keys_last_wins(void **state)
{
    (void)state;
    json_t *v = parse("{\"a\":\"1\",\"a\":\"2\"}");
    const char *s = NULL;
    pf_error e;
    assert_int_equal(pf_json_str(v, "a", &s, &e), 0);
    assert_string_equal(s, "2"); /* as Go's encoding/json */
    json_decref(v);
}

/* ---- key lookup ---- */

static void test_get_case_insensitive(void **state)
{
    (void)state;
    json_t *v = parse("{\"userName\":\"u\",\"SCHEDULINGPOLICY\":{\"QUEUE\":\"q\"}}");
    assert_string_equal(json_string_value(pf_json_get(v, "username")), "u");
    assert_string_equal(json_string_value(pf_json_get(v, "USERNAME")), "u");
    assert_string_equal(json_string_value(pf_json_get(v, "userName")), "u");
    json_t *sp = pf_json_get(v, "schedulingPolicy");
    assert_non_null(sp);
    assert_string_equal(json_string_value(pf_json_get(sp, "queue")), "q");
    assert_null(pf_json_get(v, "user"));      /* no prefix matching */
    assert_null(pf_json_get(v, "userNames")); /* nor longer names */
    json_decref(v);
}

static void test_get_exact_match_preferred(void **state)
{
    (void)state;
    /* whatever order the keys come in, the exact spelling wins */
    json_t *a = parse("{\"Name\":\"folded\",\"name\":\"exact\"}");
    json_t *b = parse("{\"name\":\"exact\",\"Name\":\"folded\"}");
    assert_string_equal(json_string_value(pf_json_get(a, "name")), "exact");
    assert_string_equal(json_string_value(pf_json_get(b, "name")), "exact");
    assert_string_equal(json_string_value(pf_json_get(a, "Name")), "folded");
    assert_string_equal(json_string_value(pf_json_get(b, "Name")), "folded");
    json_decref(a);
    json_decref(b);
}

static void test_get_null_is_absent(void **state)
{
    (void)state;
    json_t *v = parse("{\"a\":null,\"B\":null}");
    assert_null(pf_json_get(v, "a"));
    assert_null(pf_json_get(v, "b"));
    assert_null(pf_json_get(v, "missing"));
    assert_null(pf_json_get(NULL, "a"));
    json_t *arr = json_array();
    assert_null(pf_json_get(arr, "a")); /* not an object: nothing to find */
    json_decref(arr);
    json_decref(v);
}

/* ---- typed readers ---- */

static void test_readers_absent_and_null_leave_out_untouched(void **state)
{
    (void)state;
    json_t *v = parse("{\"s\":null,\"i\":null,\"b\":null,\"o\":null,\"a\":null,\"m\":null,"
                      "\"l\":null}");
    pf_error e;
    const char *s = "keep";
    long long i = 42;
    bool b = true;
    json_t *sentinel = json_object();
    json_t *o = sentinel, *a = sentinel, *m = sentinel, *l = sentinel;
    for (int pass = 0; pass < 2; pass++) {
        const char *suffix = pass ? "x" : ""; /* pass 1: keys that do not exist at all */
        char ks[8], ki[8], kb[8], ko[8], ka[8], km[8], kl[8];
        snprintf(ks, sizeof ks, "s%s", suffix);
        snprintf(ki, sizeof ki, "i%s", suffix);
        snprintf(kb, sizeof kb, "b%s", suffix);
        snprintf(ko, sizeof ko, "o%s", suffix);
        snprintf(ka, sizeof ka, "a%s", suffix);
        snprintf(km, sizeof km, "m%s", suffix);
        snprintf(kl, sizeof kl, "l%s", suffix);
        assert_int_equal(pf_json_str(v, ks, &s, &e), 0);
        assert_int_equal(pf_json_int(v, ki, &i, &e), 0);
        assert_int_equal(pf_json_bool(v, kb, &b, &e), 0);
        assert_int_equal(pf_json_object(v, ko, &o, &e), 0);
        assert_int_equal(pf_json_array(v, ka, &a, &e), 0);
        assert_int_equal(pf_json_strmap(v, km, &m, &e), 0);
        assert_int_equal(pf_json_strlist(v, kl, &l, &e), 0);
    }
    assert_string_equal(s, "keep");
    assert_int_equal(i, 42);
    assert_true(b);
    assert_ptr_equal(o, sentinel);
    assert_ptr_equal(a, sentinel);
    assert_ptr_equal(m, sentinel);
    assert_ptr_equal(l, sentinel);
    json_decref(sentinel);
    json_decref(v);
}

static void test_readers_good_values(void **state)
{
    (void)state;
    json_t *v = parse("{\"Str\":\"x\",\"INT\":-7,\"big\":9007199254740993,\"Flag\":false,"
                      "\"obj\":{\"k\":1},\"arr\":[1,\"a\"],\"empty\":\"\"}");
    pf_error e;
    const char *s = NULL;
    long long i = 0;
    bool b = true;
    json_t *o = NULL, *a = NULL;
    assert_int_equal(pf_json_str(v, "str", &s, &e), 0);
    assert_string_equal(s, "x");
    assert_int_equal(pf_json_str(v, "empty", &s, &e), 0);
    assert_string_equal(s, "");
    assert_int_equal(pf_json_int(v, "int", &i, &e), 0);
    assert_int_equal(i, -7);
    assert_int_equal(pf_json_int(v, "big", &i, &e), 0);
    assert_true(i == 9007199254740993LL); /* no detour through double */
    assert_int_equal(pf_json_bool(v, "flag", &b, &e), 0);
    assert_false(b);
    assert_int_equal(pf_json_object(v, "OBJ", &o, &e), 0);
    assert_ptr_equal(o, json_object_get(v, "obj")); /* borrowed */
    assert_int_equal(pf_json_array(v, "Arr", &a, &e), 0);
    assert_int_equal(json_array_size(a), 2);
    json_decref(v);
}

/* Every reader rejects every JSON type it does not take. */
static void test_every_reader_rejects_wrong_types(void **state)
{
    (void)state;
    json_t *v = parse("{\"str\":\"s\",\"int\":1,\"real\":2.5,\"whole\":2.0,\"bool\":true,"
                      "\"obj\":{},\"arr\":[]}");
    const char *kinds[] = {"str", "int", "real", "whole", "bool", "obj", "arr"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const char *key = kinds[k];
        pf_error e;
        const char *s;
        long long i;
        bool b;
        json_t *o;
        if (strcmp(key, "str") != 0) expect_malformed(pf_json_str(v, key, &s, &e), &e, key);
        if (strcmp(key, "int") != 0) expect_malformed(pf_json_int(v, key, &i, &e), &e, key);
        if (strcmp(key, "bool") != 0) expect_malformed(pf_json_bool(v, key, &b, &e), &e, key);
        if (strcmp(key, "obj") != 0) {
            expect_malformed(pf_json_object(v, key, &o, &e), &e, key);
            expect_malformed(pf_json_strmap(v, key, &o, &e), &e, key);
        }
        if (strcmp(key, "arr") != 0) {
            expect_malformed(pf_json_array(v, key, &o, &e), &e, key);
            expect_malformed(pf_json_strlist(v, key, &o, &e), &e, key);
        }
    }
    /* the key in the message is the caller's spelling; the output was not touched */
    pf_error e;
    long long i = 5;
    expect_malformed(pf_json_int(v, "REAL", &i, &e), &e, "REAL");
    assert_int_equal(i, 5);
    json_decref(v);
}

static void test_strmap_null_values_and_copy(void **state)
{
    (void)state;
    json_t *v = parse("{\"Labels\":{\"a\":\"1\",\"b\":null,\"C\":\"\"}}");
    pf_error e;
    json_t *m = NULL;
    assert_int_equal(pf_json_strmap(v, "labels", &m, &e), 0);
    assert_non_null(m);
    assert_int_equal(json_object_size(m), 3);
    assert_string_equal(json_string_value(json_object_get(m, "a")), "1");
    assert_string_equal(json_string_value(json_object_get(m, "b")), "");
    assert_string_equal(json_string_value(json_object_get(m, "C")), "");
    /* a new reference: changing it leaves the body alone */
    assert_ptr_not_equal(m, json_object_get(v, "Labels"));
    json_object_set_new(m, "a", json_string("changed"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "Labels"), "a")), "1");
    json_decref(m);
    json_decref(v);
}

static void test_strmap_wrong_values(void **state)
{
    (void)state;
    const char *bodies[] = {"{\"labels\":{\"ok\":\"x\",\"a\":1}}", "{\"labels\":{\"a\":true}}",
                            "{\"labels\":{\"a\":{}}}", "{\"labels\":{\"a\":[\"x\"]}}",
                            "{\"labels\":{\"a\":1.5}}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_t *v = parse(bodies[i]);
        pf_error e;
        json_t *m = NULL;
        expect_malformed(pf_json_strmap(v, "labels", &m, &e), &e, "labels.a");
        assert_null(m); /* nothing half-built is handed out */
        json_decref(v);
    }
    json_t *v = parse("{\"labels\":[]}");
    pf_error e;
    json_t *m = NULL;
    expect_malformed(pf_json_strmap(v, "labels", &m, &e), &e, "labels");
    json_decref(v);
}

static void test_strlist(void **state)
{
    (void)state;
    json_t *v = parse("{\"Args\":[\"a\",\"\",\"c\"],\"none\":[],\"bad\":[\"a\",null],"
                      "\"bad2\":[\"a\",\"b\",3],\"nested\":[[\"a\"]]}");
    pf_error e;
    json_t *l = NULL;
    assert_int_equal(pf_json_strlist(v, "args", &l, &e), 0);
    assert_int_equal(json_array_size(l), 3);
    assert_string_equal(json_string_value(json_array_get(l, 1)), "");
    assert_int_equal(pf_json_strlist(v, "none", &l, &e), 0);
    assert_int_equal(json_array_size(l), 0);
    expect_malformed(pf_json_strlist(v, "bad", &l, &e), &e, "bad[1]");
    expect_malformed(pf_json_strlist(v, "bad2", &l, &e), &e, "bad2[2]");
    expect_malformed(pf_json_strlist(v, "nested", &l, &e), &e, "nested[0]");
    json_decref(v);
}

/* ---- writing helpers ---- */

static void test_dump_and_helpers(void **state)
{
    (void)state;
    json_t *o = json_object();
    pf_json_set_str(o, "z", "1");
    pf_json_set_str(o, "a", NULL);
    json_object_set_new(o, "n", pf_json_or_null(NULL));
    json_t *inner = json_pack("{s:i}", "k", 1);
    json_object_set_new(o, "o", pf_json_or_null(inner));
    assert_int_equal(inner->refcount, 2); /* or_null took a reference */
    json_decref(inner);
    char *s = pf_json_dump(o);
    assert_string_equal(s, "{\"z\":\"1\",\"a\":\"\",\"n\":null,\"o\":{\"k\":1}}"); /* order kept */
    free(s);
    json_decref(o);
    json_t *str = json_string("x");
    s = pf_json_dump(str); /* any value, not only objects */
    assert_string_equal(s, "\"x\"");
    free(s);
    json_decref(str);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_empty_body),
        cmocka_unit_test(test_parse_non_objects),
        cmocka_unit_test(test_parse_literal_null_is_empty_object),
        cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_parse_deep_nesting),
        cmocka_unit_test(test_parse_duplicate_keys_last_wins),
        cmocka_unit_test(test_get_case_insensitive),
        cmocka_unit_test(test_get_exact_match_preferred),
        cmocka_unit_test(test_get_null_is_absent),
        cmocka_unit_test(test_readers_absent_and_null_leave_out_untouched),
        cmocka_unit_test(test_readers_good_values),
        cmocka_unit_test(test_every_reader_rejects_wrong_types),
        cmocka_unit_test(test_strmap_null_values_and_copy),
        cmocka_unit_test(test_strmap_wrong_values),
        cmocka_unit_test(test_strlist),
        cmocka_unit_test(test_dump_and_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
