/* test_base_resources.c — resource maps: request/flavour/stored JSON, canonical output,
 * arithmetic, the §7.3 LessEqual rule and the upstream text form (api.md §6.1, §7.2, §7.3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/resources.h"

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v) fail_msg("bad test JSON %s: %s", text, je.text);
    return v;
}

/* Parses a request object; returns 0/-1 and fills r / e. */
static int from_request(const char *text, pf_resources *r, pf_error *e)
{
    json_t *o = parse(text);
    int rc = pf_resources_from_request(o, r, e);
    json_decref(o);
    return rc;
}

static void expect_request(const char *text, int64_t cpu, int64_t mem)
{
    pf_resources r;
    pf_error e = {0};
    if (from_request(text, &r, &e) != 0) fail_msg("%s: %s", text, e.message);
    if (r.cpu != cpu || r.memory != mem)
        fail_msg("%s: cpu %lld mem %lld", text, (long long)r.cpu, (long long)r.memory);
}

static void expect_request_error(const char *text, const char *code, const char *msg)
{
    pf_resources r;
    pf_error e = {0};
    if (from_request(text, &r, &e) != -1) fail_msg("%s accepted", text);
    assert_string_equal(e.code, code);
    if (msg && strcmp(e.message, msg) != 0)
        fail_msg("%s: got '%s' want '%s'", text, e.message, msg);
}

/* The response JSON of r, compact. */
static char *out_json(const pf_resources *r)
{
    return pf_resources_dump(r);
}

static void expect_out(const char *request, const char *want)
{
    pf_resources r;
    pf_error e = {0};
    if (from_request(request, &r, &e) != 0) fail_msg("%s: %s", request, e.message);
    char *got = out_json(&r);
    if (strcmp(got, want) != 0) fail_msg("%s → %s, want %s", request, got, want);
    free(got);
}

static void test_from_request(void **state)
{
    pf_resources r;
    pf_error e = {0};
    assert_int_equal(from_request("{\"cpu\":\"1\",\"mem\":\"1Gi\",\"scalarResources\":"
                                  "{\"nvidia.com/gpu\":\"1\"}}",
                                  &r, &e),
                     0);
    assert_true(r.cpu == 1000 && r.memory == 1073741824);
    assert_int_equal(r.nscalars, 1);
    assert_true(pf_resources_get(&r, "nvidia.com/gpu") == 1);
    assert_true(pf_resources_get(&r, "cpu") == 1000);
    assert_true(pf_resources_get(&r, "memory") == 1073741824);
    assert_true(pf_resources_get(&r, "other") == 0);

    expect_request("{\"cpu\":\"500m\",\"mem\":\"500Mi\"}", 500, 524288000);
    expect_request("{\"cpu\":\"0.5\",\"mem\":\"10G\"}", 500, 10000000000);
    expect_request("{\"cpu\":\"1.5\",\"mem\":\"1.5Gi\"}", 1500, 1610612736);
    expect_request("{\"cpu\":\"0.0001\",\"mem\":\"0.5\"}", 1, 1); /* ceiling */
    /* §1.3: keys case-insensitive, null = absent, unknown keys ignored, "" = 0 in maps */
    expect_request("{\"CPU\":\"2\",\"MEM\":\"4Gi\",\"memory\":\"9Gi\"}", 2000, 4294967296);
    expect_request("{\"cpu\":null,\"mem\":\"\"}", 0, 0);
    expect_request("{}", 0, 0);
    assert_int_equal(pf_resources_from_request(NULL, &r, &e), 0);
    assert_true(pf_resources_is_zero(&r));
    assert_int_equal(
        from_request("{\"cpu\":\"1\",\"Scalarresources\":{\"a\":\"\",\"b\":null}}", &r, &e), 0);
    assert_int_equal(r.nscalars, 2); /* present with value 0 */
    assert_true(pf_resources_has(&r, "a") && pf_resources_get(&r, "a") == 0);
}

static void test_request_errors(void **state)
{
    const char *fmt = PF_QUANTITY_ERR_FORMAT, *suf = PF_QUANTITY_ERR_SUFFIX;
    expect_request_error("{\"cpu\":4}", "MalformedJSON", NULL);
    expect_request_error("{\"mem\":true}", "MalformedJSON", NULL);
    expect_request_error("{\"scalarResources\":[]}", "MalformedJSON", NULL);
    expect_request_error("{\"scalarResources\":{\"gpu\":1}}", "MalformedJSON", NULL);
    expect_request_error("{\"cpu\":\"1KB\"}", "InvalidComputeResource", fmt);
    expect_request_error("{\"mem\":\"1MB\"}", "InvalidComputeResource", fmt);
    expect_request_error("{\"mem\":\"1gi\"}", "InvalidComputeResource", fmt);
    expect_request_error("{\"cpu\":\"abc\"}", "InvalidComputeResource", fmt);
    expect_request_error("{\"cpu\":\"1K\"}", "InvalidComputeResource", suf);
    expect_request_error("{\"scalarResources\":{\"gpu\":\"x\"}}", "InvalidComputeResource", fmt);
    expect_request_error("{\"mem\":\"1e30\"}", "InvalidComputeResource", PF_QUANTITY_ERR_RANGE);
    expect_request_error("{\"cpu\":\"9223372036854775807\"}", "InvalidComputeResource",
                         PF_QUANTITY_ERR_RANGE);
    expect_request_error("{\"cpu\":\"-1\",\"mem\":\"1Gi\",\"scalarResources\":{\"gpu\":\"1\"}}",
                         "InvalidComputeResource",
                         "negative resources not permitted: map[cpu:-1 gpu:1 memory:1Gi]");
    expect_request_error("{\"scalarResources\":{\"nvidia.com/gpu\":\"-1\"}}",
                         "InvalidComputeResource",
                         "negative resources not permitted: map[cpu: memory: nvidia.com/gpu:-1]");
    expect_request_error("{\"mem\":\"-0.5\"}", "InvalidComputeResource",
                         "negative resources not permitted: map[cpu: memory:-0.5]");
}

static void test_scalar_limits(void **state)
{
    /* PF_RES_MAX_SCALARS scalars fit, one more does not */
    char body[4096] = "{\"scalarResources\":{";
    for (int i = 0; i <= PF_RES_MAX_SCALARS; i++) {
        char item[64];
        snprintf(item, sizeof item, "%s\"r%02d\":\"%d\"", i ? "," : "", i, i);
        strcat(body, item);
        if (i == PF_RES_MAX_SCALARS - 1) {
            char ok[4096];
            snprintf(ok, sizeof ok, "%s}}", body);
            pf_resources r;
            pf_error e = {0};
            if (from_request(ok, &r, &e) != 0) fail_msg("%s", e.message);
            assert_int_equal(r.nscalars, PF_RES_MAX_SCALARS);
            assert_string_equal(r.scalars[0].name, "r00");
            assert_string_equal(r.scalars[PF_RES_MAX_SCALARS - 1].name, "r15");
        }
    }
    strcat(body, "}}");
    expect_request_error(body, "InvalidComputeResource", "too many scalar resources (at most 16)");

    char name[PF_RES_NAME_MAX + 1];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(body, sizeof body, "{\"scalarResources\":{\"%s\":\"1\"}}", name);
    expect_request_error(body, "InvalidComputeResource", NULL);
    name[PF_RES_NAME_MAX - 1] = '\0'; /* 127 bytes: fits */
    snprintf(body, sizeof body, "{\"scalarResources\":{\"%s\":\"1\"}}", name);
    expect_request(body, 0, 0);
}

/* A scalar named cpu/memory overrides that key in requests (upstream ToMap assigns scalars
 * last); in stored JSON the top-level keys win (UnmarshalJSON assigns them last). */
static void test_key_overrides(void **state)
{
    expect_request(
        "{\"cpu\":\"1\",\"mem\":\"1Gi\",\"scalarResources\":{\"cpu\":\"3\",\"memory\":\"2\"}}",
        3000, 2);
    pf_resources r;
    pf_error e = {0};
    assert_int_equal(pf_resources_load("{\"cpu\":\"1\",\"memory\":\"1Gi\",\"scalarResources\":"
                                       "{\"cpu\":\"3\"}}",
                                       &r, &e),
                     0);
    assert_true(r.cpu == 1000 && r.nscalars == 0);
}

static void test_from_flavour(void **state)
{
    pf_resources r;
    pf_error e = {0};
    json_t *sc = parse("{\"nvidia.com/gpu\":\"2\"}");
    assert_int_equal(pf_resources_from_flavour("4", "8Gi", sc, &r, &e), 0);
    json_decref(sc);
    assert_true(r.cpu == 4000 && r.memory == 8589934592 &&
                pf_resources_get(&r, "nvidia.com/gpu") == 2);
    assert_int_equal(pf_resources_from_flavour(NULL, NULL, NULL, &r, &e), 0);
    assert_true(pf_resources_is_zero(&r) && r.nscalars == 0);
    json_t *bad = parse("{\"g\":2}");
    assert_int_equal(pf_resources_from_flavour("1", "1", bad, &r, &e), -1);
    assert_string_equal(e.code, "MalformedJSON");
    json_decref(bad);
    /* *out untouched on failure */
    r.cpu = 77;
    assert_int_equal(pf_resources_from_flavour("1", "x", NULL, &r, &e), -1);
    assert_true(r.cpu == 77);
}

static void test_response_json(void **state)
{
    /* §6.1 / §7.2 examples */
    expect_out("{\"cpu\":\"20\",\"mem\":\"20Gi\"}", "{\"cpu\":\"20\",\"memory\":\"20Gi\"}");
    expect_out("{}", "{\"cpu\":\"0\",\"memory\":\"0\"}");
    expect_out("{\"cpu\":\"1\",\"mem\":\"1.5Gi\"}", "{\"cpu\":\"1\",\"memory\":\"1536Mi\"}");
    expect_out("{\"cpu\":\"1000\",\"mem\":\"1000Mi\"}", "{\"cpu\":\"1k\",\"memory\":\"1048576k\"}");
    expect_out("{\"cpu\":\"500m\",\"mem\":\"10G\"}", "{\"cpu\":\"500m\",\"memory\":\"10G\"}");
    expect_out("{\"cpu\":\"1.5\",\"mem\":\"1536\"}", "{\"cpu\":\"1500m\",\"memory\":\"1536\"}");
    expect_out("{\"cpu\":\"10\",\"mem\":\"20Gi\",\"scalarResources\":{\"nvidia.com/gpu\":\"4\","
               "\"a/b\":\"2000\",\"z\":\"0\"}}",
               "{\"cpu\":\"10\",\"memory\":\"20Gi\",\"scalarResources\":{\"a/b\":\"2k\","
               "\"nvidia.com/gpu\":\"4\",\"z\":\"0\"}}");
    expect_out("{\"scalarResources\":{}}", "{\"cpu\":\"0\",\"memory\":\"0\"}");
}

static void test_json_round_trip(void **state)
{
    static const char *const reqs[] = {
        "{\"cpu\":\"1\",\"mem\":\"1Gi\"}",
        "{\"cpu\":\"0.001\",\"mem\":\"1\",\"scalarResources\":{\"nvidia.com/gpu\":\"8\"}}",
        "{\"cpu\":\"123456789\",\"mem\":\"7Ei\",\"scalarResources\":{\"x\":\"0\",\"y\":\"1Ki\"}}",
        "{\"cpu\":\"9223372036854775.807\",\"mem\":\"9223372036854775807\"}",
        "{}",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        pf_resources a, b;
        pf_error e = {0};
        if (from_request(reqs[i], &a, &e) != 0) fail_msg("%s: %s", reqs[i], e.message);
        char *text = pf_resources_dump(&a);
        if (pf_resources_load(text, &b, &e) != 0) fail_msg("%s: %s", text, e.message);
        if (!pf_resources_equal(&a, &b)) fail_msg("round trip of %s via %s differs", reqs[i], text);
        json_t *j = pf_resources_to_json(&b);
        pf_resources c;
        assert_int_equal(pf_resources_from_json(j, &c, &e), 0);
        assert_true(pf_resources_equal(&a, &c));
        json_decref(j);
        free(text);
    }
}

static void test_from_json(void **state)
{
    pf_resources r;
    pf_error e = {0};
    /* deprecated "mem" wins when non-empty; case-insensitive keys */
    assert_int_equal(
        pf_resources_load("{\"CPU\":\"2\",\"memory\":\"1Gi\",\"mem\":\"2Gi\"}", &r, &e), 0);
    assert_true(r.cpu == 2000 && r.memory == 2147483648);
    assert_int_equal(pf_resources_load("{\"cpu\":\"2\",\"memory\":\"1Gi\",\"mem\":\"\"}", &r, &e),
                     0);
    assert_true(r.memory == 1073741824);
    assert_int_equal(pf_resources_load("null", &r, &e), 0);
    assert_true(pf_resources_is_zero(&r));
    assert_int_equal(pf_resources_load("", &r, &e), -1);
    assert_string_equal(e.code, "MalformedJSON");
    assert_int_equal(pf_resources_load("{\"cpu\":1}", &r, &e), -1);
    assert_string_equal(e.code, "MalformedJSON");
    assert_int_equal(pf_resources_load("{\"scalarResources\":\"x\"}", &r, &e), -1);
    assert_string_equal(e.code, "MalformedJSON");
    assert_int_equal(pf_resources_load("{\"memory\":\"-1\"}", &r, &e), -1);
    assert_string_equal(e.message, "negative resources not permitted: map[cpu: memory:-1]");
    json_t *arr = json_array();
    assert_int_equal(pf_resources_from_json(arr, &r, &e), -1);
    assert_string_equal(e.code, "MalformedJSON");
    json_decref(arr);
}

static pf_resources make(int64_t cpu, int64_t mem, const char *scalar, int64_t sv)
{
    pf_resources r;
    pf_resources_init(&r);
    r.cpu = cpu;
    r.memory = mem;
    if (scalar) assert_int_equal(pf_resources_set(&r, scalar, sv, NULL), 0);
    return r;
}

static void test_arithmetic(void **state)
{
    pf_resources total, req = make(1000, 1073741824, "nvidia.com/gpu", 1);
    pf_error e = {0};
    pf_resources_init(&total);
    assert_int_equal(pf_resources_add(&total, &req, 4, &e), 0);
    assert_true(total.cpu == 4000 && total.memory == 4294967296);
    assert_true(pf_resources_get(&total, "nvidia.com/gpu") == 4);
    pf_resources other = make(500, 0, "x", 3);
    assert_int_equal(pf_resources_add(&total, &other, 1, &e), 0);
    assert_true(total.cpu == 4500 && total.nscalars == 2);
    assert_int_equal(pf_resources_sub(&total, &req, &e), 0);
    assert_true(total.cpu == 3500 && pf_resources_get(&total, "nvidia.com/gpu") == 3);
    /* sub may go negative (idle = max - used), and adds missing keys */
    pf_resources idle = make(1000, 0, NULL, 0);
    assert_int_equal(pf_resources_sub(&idle, &total, &e), 0);
    assert_true(idle.cpu == -2500 && pf_resources_get(&idle, "x") == -3);
    assert_true(pf_resources_has_negative(&idle));
    assert_false(pf_resources_has_negative(&total));

    /* overflow → error, dst unchanged */
    pf_resources big = make(INT64_MAX / 2 + 1, 0, "g", 1), before;
    before = big;
    assert_int_equal(pf_resources_add(&big, &big, 1, &e), -1);
    assert_string_equal(e.code, "InvalidComputeResource");
    assert_true(pf_resources_equal(&big, &before));
    pf_resources g = make(0, 0, "g", INT64_MAX);
    assert_int_equal(pf_resources_add(&big, &g, 2, &e), -1);
    assert_true(pf_resources_equal(&big, &before));
    pf_resources minus = make(INT64_MIN, 0, NULL, 0);
    pf_resources zero = make(0, 0, NULL, 0);
    assert_int_equal(pf_resources_sub(&zero, &minus, &e), -1);

    /* the add may fill the scalar table */
    pf_resources full;
    pf_resources_init(&full);
    for (int i = 0; i < PF_RES_MAX_SCALARS; i++) {
        char n[8];
        snprintf(n, sizeof n, "s%02d", i);
        assert_int_equal(pf_resources_set(&full, n, 1, &e), 0);
    }
    pf_resources one_more = make(0, 0, "zz", 1);
    before = full;
    assert_int_equal(pf_resources_add(&full, &one_more, 1, &e), -1);
    assert_true(pf_resources_equal(&full, &before));
}

static void test_less_equal(void **state)
{
    pf_resources q = make(20000, 21474836480, NULL, 0); /* default-queue: cpu 20, mem 20Gi */
    pf_resources f1 = make(1000, 1073741824, NULL, 0);
    pf_resources gpu = make(4000, 8589934592, "nvidia.com/gpu", 1);
    assert_true(pf_resources_less_equal(&f1, &q));
    /* a GPU flavour on a queue without nvidia.com/gpu is rejected */
    assert_false(pf_resources_less_equal(&gpu, &q));
    /* equal passes; one more milli-core fails */
    assert_true(pf_resources_less_equal(&q, &q));
    pf_resources over = q;
    over.cpu++;
    assert_false(pf_resources_less_equal(&over, &q));
    over = q;
    over.memory++;
    assert_false(pf_resources_less_equal(&over, &q));
    /* keys only in max are ignored */
    pf_resources qg = make(20000, 21474836480, "nvidia.com/gpu", 2);
    assert_true(pf_resources_less_equal(&f1, &qg));
    assert_true(pf_resources_less_equal(&gpu, &qg));
    pf_resources gpu3 = make(1, 1, "nvidia.com/gpu", 3);
    assert_false(pf_resources_less_equal(&gpu3, &qg));
    /* empty (all-zero) total passes, even against an empty or negative max */
    pf_resources empty = make(0, 0, "nvidia.com/gpu", 0);
    pf_resources neg = make(-1, -1, "nvidia.com/gpu", -1);
    assert_true(pf_resources_less_equal(&empty, &q));
    assert_true(pf_resources_less_equal(&empty, &neg));
    /* a non-zero total against an empty max fails */
    pf_resources none = make(0, 0, NULL, 0);
    assert_false(pf_resources_less_equal(&f1, &none));
    /* min <= max for elastic queues */
    assert_false(pf_resources_less_equal(&q, &f1));
}

static void test_predicates_and_access(void **state)
{
    pf_resources r = make(0, 0, "g", 0);
    assert_true(pf_resources_is_zero(&r));
    assert_false(pf_resources_has_positive(&r));
    assert_true(pf_resources_has(&r, "g") && pf_resources_has(&r, "cpu"));
    assert_false(pf_resources_has(&r, "h"));
    r.memory = -5;
    assert_false(pf_resources_is_zero(&r));
    assert_false(pf_resources_has_positive(&r));
    assert_true(pf_resources_has_negative(&r));
    assert_int_equal(pf_resources_set(&r, "g", 2, NULL), 0);
    assert_true(pf_resources_has_positive(&r));
    /* set keeps scalars sorted; remove drops them */
    assert_int_equal(pf_resources_set(&r, "b", 1, NULL), 0);
    assert_int_equal(pf_resources_set(&r, "z", 1, NULL), 0);
    assert_int_equal(pf_resources_set(&r, "a", 1, NULL), 0);
    assert_int_equal(r.nscalars, 4);
    assert_string_equal(r.scalars[0].name, "a");
    assert_string_equal(r.scalars[1].name, "b");
    assert_string_equal(r.scalars[2].name, "g");
    assert_string_equal(r.scalars[3].name, "z");
    pf_resources_remove(&r, "b");
    pf_resources_remove(&r, "nope");
    assert_int_equal(r.nscalars, 3);
    assert_string_equal(r.scalars[1].name, "g");
    pf_resources_remove(&r, "memory");
    assert_true(r.memory == 0);
    pf_error e = {0};
    assert_int_equal(pf_resources_set_str(&r, "cpu", "2.5", &e), 0);
    assert_true(r.cpu == 2500);
    assert_int_equal(pf_resources_set_str(&r, "memory", "1Ki", &e), 0);
    assert_true(r.memory == 1024);
    assert_int_equal(pf_resources_set_str(&r, "g", "", &e), 0);
    assert_true(pf_resources_get(&r, "g") == 0);
    assert_int_equal(pf_resources_set_str(&r, "g", "1KB", &e), -1);
    assert_string_equal(e.message, PF_QUANTITY_ERR_FORMAT);
}

static void test_text(void **state)
{
    char out[PF_RESOURCES_TEXT_MAX];
    pf_resources r = make(2000, 4294967296, "nvidia.com/gpu", 1);
    pf_resources_text(&r, out, sizeof out);
    assert_string_equal(out, "cpu: 2, memory: 4Gi, nvidia.com/gpu: 1, ");
    r = make(1500, 1048576000, NULL, 0);
    pf_resources_text(&r, out, sizeof out);
    assert_string_equal(out, "cpu: 1500m, memory: 1048576k, ");
    pf_resources_init(&r);
    pf_resources_text(&r, out, sizeof out);
    assert_string_equal(out, "cpu: 0, memory: 0, ");
    /* the admission message built from it */
    pf_resources total = make(40000, 42949672960, "nvidia.com/gpu", 2);
    pf_resources max = make(20000, 21474836480, NULL, 0);
    char a[PF_RESOURCES_TEXT_MAX], b[PF_RESOURCES_TEXT_MAX];
    pf_resources_text(&total, a, sizeof a);
    pf_resources_text(&max, b, sizeof b);
    pf_error e;
    pf_fail(&e, "JobCreateFailed", "the flavour[%s] is larger than queue's [%s]", a, b);
    assert_string_equal(e.message, "the flavour[cpu: 40, memory: 40Gi, nvidia.com/gpu: 2, ] is "
                                   "larger than queue's [cpu: 20, memory: 20Gi, ]");
    /* truncation is safe */
    char small[10];
    pf_resources_text(&total, small, sizeof small);
    assert_string_equal(small, "cpu: 40, ");
    pf_resources full;
    pf_resources_init(&full);
    full.cpu = full.memory = INT64_MIN;
    for (int i = 0; i < PF_RES_MAX_SCALARS; i++) {
        char n[PF_RES_NAME_MAX];
        memset(n, 'a' + i, sizeof n - 1);
        n[sizeof n - 1] = '\0';
        assert_int_equal(pf_resources_set(&full, n, INT64_MIN, NULL), 0);
    }
    pf_resources_text(&full, out, sizeof out);
    assert_true(strlen(out) < sizeof out - 1); /* the bound really holds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_request),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_scalar_limits),
        cmocka_unit_test(test_key_overrides),
        cmocka_unit_test(test_from_flavour),
        cmocka_unit_test(test_response_json),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_from_json),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_less_equal),
        cmocka_unit_test(test_predicates_and_access),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
