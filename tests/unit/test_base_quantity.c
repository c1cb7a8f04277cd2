/* test_base_quantity.c — k8s quantity parsing, rounding, overflow and canonical rendering
 * (api.md §7.1, §7.2): every example of the spec plus k8s scanner corner cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/quantity.h"

#define FMT_ERR PF_QUANTITY_ERR_FORMAT
#define SUF_ERR PF_QUANTITY_ERR_SUFFIX
#define NUM_ERR PF_QUANTITY_ERR_NUMERIC

typedef struct {
    const char *in;
    int64_t value;
    int64_t milli;
} int_case;

static void check_ints(const int_case *c)
{
    int64_t v = 0, m = 0;
    pf_error e = {0};
    if (pf_quantity_parse_int(c->in, false, &v, &e) != 0) fail_msg("%s: %s", c->in, e.message);
    if (v != c->value)
        fail_msg("Value(%s) = %lld, want %lld", c->in, (long long)v, (long long)c->value);
    if (pf_quantity_parse_int(c->in, true, &m, &e) != 0) fail_msg("%s: %s", c->in, e.message);
    if (m != c->milli)
        fail_msg("MilliValue(%s) = %lld, want %lld", c->in, (long long)m, (long long)c->milli);
}

static void test_spec_examples(void **state)
{
    static const int_case cases[] = {
        {"1", 1, 1000},
        {"0.5", 1, 500},
        {".5", 1, 500},
        {"1.", 1, 1000},
        {"500m", 1, 500},
        {"1.5", 2, 1500},
        {"0.0001", 1, 1},
        {"1Gi", 1073741824, 1073741824000},
        {"10G", 10000000000, 10000000000000},
        {"500Mi", 524288000, 524288000000},
        {"1.5Gi", 1610612736, 1610612736000},
        {"1000Mi", 1048576000, 1048576000000},
        {"20Gi", 21474836480, 21474836480000},
        {"1e3", 1000, 1000000},
        {"1E3", 1000, 1000000},
        {"1000", 1000, 1000000},
        {"20", 20, 20000},
        {"8Gi", 8589934592, 8589934592000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_ints(&cases[i]);
}

static void test_suffixes(void **state)
{
    static const int_case cases[] = {
        {"1n", 1, 1},
        {"1u", 1, 1},
        {"1m", 1, 1},
        {"1k", 1000, 1000000},
        {"1M", 1000000, 1000000000},
        {"1T", 1000000000000, 1000000000000000},
        {"1P", 1000000000000000, 1000000000000000000},
        {"1E", 1000000000000000000, 0}, /* milli overflows: checked separately */
        {"1Ki", 1024, 1024000},
        {"1Mi", 1048576, 1048576000},
        {"1Ti", 1099511627776, 1099511627776000},
        {"1Pi", 1125899906842624, 1125899906842624000},
        {"1e0", 1, 1000},
        {"1e+2", 100, 100000},
        {"1e-3", 1, 1},
        {"1E-2", 1, 10},
        {"1.5e1", 15, 15000},
        {"2500e-3", 3, 2500},
        {"1.5m", 1, 2},
        {"1500u", 1, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].milli == 0) {
            int64_t v;
            assert_int_equal(pf_quantity_parse_int(cases[i].in, false, &v, NULL), 0);
            assert_true(v == cases[i].value);
            continue;
        }
        check_ints(&cases[i]);
    }
    int64_t v;
    assert_int_equal(pf_quantity_parse_int("1Ei", false, &v, NULL), 0);
    assert_true(v == (int64_t)1 << 60);
    assert_int_equal(pf_quantity_parse_int("7Ei", false, &v, NULL), 0);
    assert_true(v == (int64_t)7 << 60);
}

/* Positive fractions round up (ceiling); tiny values never become 0; binary × fraction exact. */
static void test_rounding(void **state)
{
    static const int_case cases[] = {
        {"0.1n", 1, 1},
        {"1e-100", 1, 1},
        {"0.000000000000000000000000000001Ei", 1, 1},
        {"0.5Ki", 512, 512000},
        {"1.5Ki", 1536, 1536000},
        {"0.1Ki", 103, 102400},
        {"1.0001Ki", 1025, 1024103},
        {"12345678901234567890123456789e-20", 123456790, 123456789013},
        {"0.999999999999999999999999999999", 1, 1000},
        {"2.000000000000000000000000000001", 3, 2001},
        {"007", 7, 7000},
        {"00.5", 1, 500},
        {"+5", 5, 5000},
        {"1.125Mi", 1179648, 1179648000},
        {"0.0000001Ki", 1, 1},
        {"3.3333333333333333333333333333333333333333333333333333333333Gi", 3579139414,
         3579139413334},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_ints(&cases[i]);
}

/* Negative values keep their sign and round away from zero. */
static void test_negative(void **state)
{
    static const int_case cases[] = {
        {"-1", -1, -1000},   {"-0.5", -1, -500}, {"-1.5Gi", -1610612736, -1610612736000},
        {"-0.0001", -1, -1}, {"-1n", -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_ints(&cases[i]);
    pf_quantity q;
    assert_int_equal(pf_quantity_parse("-0", &q, NULL), 0);
    assert_int_equal(pf_quantity_sign(&q), 0);
    assert_true(pf_quantity_is_zero(&q));
    assert_int_equal(pf_quantity_parse("-0.0000000000001", &q, NULL), 0);
    assert_int_equal(pf_quantity_sign(&q), -1);
    assert_int_equal(pf_quantity_parse("0.0000000000001", &q, NULL), 0);
    assert_int_equal(pf_quantity_sign(&q), 1);
    assert_false(pf_quantity_is_zero(&q));
}

/* k8s's scanner accepts digit-less numbers as 0 except on its slow path. */
static void test_k8s_zero_quirks(void **state)
{
    static const char *const zeros[] = {"0",    "000", "+",     "-",   ".",  "+.",
                                        "-0.0", "k",   "m",     "Ki",  "Ti", "Gi",
                                        "e3",   ".Ki", "0e-10", "00.", "E",  "-.n"};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++) {
        pf_quantity q;
        pf_error e = {0};
        if (pf_quantity_parse(zeros[i], &q, &e) != 0) fail_msg("%s: %s", zeros[i], e.message);
        if (!pf_quantity_is_zero(&q)) fail_msg("%s is not zero", zeros[i]);
    }
}

typedef struct {
    const char *in;
    const char *msg;
} err_case;

static void test_errors(void **state)
{
    static const err_case cases[] = {
        {"", FMT_ERR},
        {"1KB", FMT_ERR},
        {"1MB", FMT_ERR},
        {"1gi", FMT_ERR},
        {"abc", FMT_ERR},
        {"1 ", FMT_ERR},
        {" 1", FMT_ERR},
        {"1.5.5", FMT_ERR},
        {"1e3e", FMT_ERR},
        {"1,5", FMT_ERR},
        {"0x10", FMT_ERR},
        {"1Gb", FMT_ERR},
        {"1K", SUF_ERR},
        {"1e", SUF_ERR},
        {"1i", SUF_ERR},
        {"1m3", SUF_ERR},
        {"1ee3", SUF_ERR},
        {"1e+", SUF_ERR},
        {"1Gi1", SUF_ERR},
        {"--1", SUF_ERR},
        {"1-", SUF_ERR},
        {"1kk", SUF_ERR},
        {"1KiB", FMT_ERR},
        {"1mi", SUF_ERR},
        {"1e99999999999999999999", SUF_ERR},
        {"Ei", NUM_ERR},
        {"Pi", NUM_ERR},
        {"e-10", NUM_ERR},
        {"-.e-10", NUM_ERR},
        {".Ei", NUM_ERR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pf_quantity q;
        pf_error e = {0};
        if (pf_quantity_parse(cases[i].in, &q, &e) != -1) fail_msg("'%s' parsed", cases[i].in);
        if (strcmp(e.message, cases[i].msg) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i].in, e.message, cases[i].msg);
        assert_string_equal(e.code, "InvalidComputeResource");
    }
    /* the exact upstream texts */
    assert_string_equal(FMT_ERR, "quantities must match the regular expression "
                                 "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert_string_equal(SUF_ERR, "unable to parse quantity's suffix");
    pf_quantity q;
    assert_int_equal(pf_quantity_parse(NULL, &q, NULL), -1);
}

static void expect_overflow(const char *in, bool milli)
{
    int64_t v = 42;
    pf_error e = {0};
    if (pf_quantity_parse_int(in, milli, &v, &e) != -1) fail_msg("%s did not overflow", in);
    assert_string_equal(e.message, PF_QUANTITY_ERR_RANGE);
    assert_true(v == 42);
}

static void test_overflow(void **state)
{
    int64_t v;
    assert_int_equal(pf_quantity_parse_int("9223372036854775807", false, &v, NULL), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(pf_quantity_parse_int("-9223372036854775807", false, &v, NULL), 0);
    assert_true(v == -INT64_MAX);
    assert_int_equal(pf_quantity_parse_int("9.223372036854775807e18", false, &v, NULL), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(pf_quantity_parse_int("9223372036854775.807", true, &v, NULL), 0);
    assert_true(v == INT64_MAX);
    expect_overflow("9223372036854775807", true);
    expect_overflow("9223372036854775808", false);
    expect_overflow("9223372036854775807.5", false);
    expect_overflow("9223372036854775.8071", true);
    expect_overflow("1E", true);
    expect_overflow("8Ei", false);
    expect_overflow("10e18", false);
    expect_overflow("1e4294967296", false); /* k8s wraps the exponent to int32; we do not */
    expect_overflow("1e1000000000000", false);
    expect_overflow("100000000000000000000000000000000000000000000000000", false);
    expect_overflow("-100000000000000000000000000000000000000000000000000", true);
    expect_overflow("10000000000Ei", false);
    pf_quantity q;
    assert_int_equal(pf_quantity_parse("1e30", &q, NULL), 0); /* parses; only conversion fails */
    assert_int_equal(pf_quantity_sign(&q), 1);
    assert_false(pf_quantity_is_zero(&q));
    assert_int_equal(pf_quantity_parse("1e-1000000000000", &q, NULL), 0);
    assert_int_equal(pf_quantity_value(&q, &v, NULL), 0);
    assert_true(v == 1);
}

typedef struct {
    int64_t v;
    int scale;
    bool binary;
    const char *want;
} fmt_case;

static void test_format(void **state)
{
    static const fmt_case cases[] = {
        /* api.md §7.2 */
        {500, -3, false, "500m"},
        {1500, -3, false, "1500m"},
        {20000, -3, false, "20"},
        {2000000, -3, false, "2k"},
        {1000000, -3, false, "1k"},
        {10000000000, 0, true, "10G"},
        {1048576000, 0, true, "1048576k"},
        {1073741824, 0, true, "1Gi"},
        {21474836480, 0, true, "20Gi"},
        {1610612736, 0, true, "1536Mi"},
        {1536, 0, true, "1536"},
        {0, -3, false, "0"},
        {0, 0, true, "0"},
        /* more */
        {1, -3, false, "1m"},
        {1000, -3, false, "1"},
        {100, -3, false, "100m"},
        {10, -3, false, "10m"},
        {4000, -3, false, "4"},
        {1000000000000, -3, false, "1G"},
        {-500, -3, false, "-500m"},
        {-2000, -3, false, "-2"},
        {1000, 0, true, "1k"},
        {1024, 0, true, "1Ki"},
        {1023, 0, true, "1023"},
        {1025, 0, true, "1025"},
        {2048, 0, true, "2Ki"},
        {3072, 0, true, "3Ki"},
        {500, 0, true, "500"},
        {1500, 0, true, "1500"},
        {-1536, 0, true, "-1536"},
        {-2048, 0, true, "-2Ki"},
        {(int64_t)1 << 60, 0, true, "1Ei"},
        {1000000000000000000, 0, true, "1E"},
        {INT64_MAX, 0, true, "9223372036854775807"},
        {INT64_MIN, 0, true, "-8Ei"},
        {INT64_MIN, 0, false, "-9223372036854775808"},
        {8589934592, 0, true, "8Gi"},
        {524288000, 0, true, "524288k"}, /* multiple of 1000 → decimal */
        {12000, 0, false, "12k"},
        {10, 0, false, "10"},
        {100, 0, false, "100"},
        {1100, 0, false, "1100"},
        {1024, 0, false, "1024"},
        {10000, 0, false, "10k"},
        {1, -9, false, "1n"},
        {10, -9, false, "10n"},
        {1000, -9, false, "1u"},
        {1, -12, false, "1e-12"},
        {1, 21, false, "1e21"},
        {1024, -3, true, "1024m"}, /* binary only at scale 0 */
        {9000000000000000000, 0, false, "9E"},
        {INT64_MAX, -3, false, "9223372036854775807m"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[PF_QUANTITY_STR];
        pf_quantity_format(cases[i].v, cases[i].scale, cases[i].binary, out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("format(%lld, %d, %d) = %s, want %s", (long long)cases[i].v, cases[i].scale,
                     cases[i].binary, out, cases[i].want);
    }
    char out[PF_QUANTITY_STR];
    pf_quantity_format_cpu(1500, out);
    assert_string_equal(out, "1500m");
    pf_quantity_format_mem(1610612736, out);
    assert_string_equal(out, "1536Mi");
    pf_quantity_format_mem(1048576000, out);
    assert_string_equal(out, "1048576k");
    pf_quantity_format_scalar(2, out);
    assert_string_equal(out, "2");
}

/* parse(format(v)) == v for cpu (milli), memory and scalars over many magnitudes. */
static void test_round_trip(void **state)
{
    uint64_t x = 88172645463325252ULL; /* xorshift64: deterministic */
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t v = (int64_t)(x >> (x % 63 + 1));
        if (i % 3 == 0) v = (v % 1000) * 1000000;                      /* many trailing zeros */
        if (i % 5 == 0) v = (int64_t)((x % 4096) << ((x >> 20) % 50)); /* binary-ish */
        if (i % 7 == 0) v = -v;
        char out[PF_QUANTITY_STR];
        int64_t back;
        pf_error e = {0};
        pf_quantity_format_cpu(v, out);
        if (pf_quantity_parse_int(out, true, &back, &e) != 0 || back != v)
            fail_msg("cpu %lld → %s → %lld (%s)", (long long)v, out, (long long)back, e.message);
        pf_quantity_format_mem(v, out);
        if (pf_quantity_parse_int(out, false, &back, &e) != 0 || back != v)
            fail_msg("mem %lld → %s → %lld (%s)", (long long)v, out, (long long)back, e.message);
        pf_quantity_format_scalar(v, out);
        if (pf_quantity_parse_int(out, false, &back, &e) != 0 || back != v)
            fail_msg("scalar %lld → %s → %lld", (long long)v, out, (long long)back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples),   cmocka_unit_test(test_suffixes),
        cmocka_unit_test(test_rounding),        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_k8s_zero_quirks), cmocka_unit_test(test_errors),
        cmocka_unit_test(test_overflow),        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
