/* test_client_table.c — the CLI's grid renderer (src/cli/table.c, compiled into this test):
 * display widths of CJK, combining marks and broken UTF-8, tabulate's grid layout, empty
 * tables, multi-line and wrapped cells. The e2e tests compare whole command outputs; these
 * pin the corner cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/table.c"

static void test_display_width(void **state)
{
    assert_int_equal(cli_display_width("abc", 3), 3);
    assert_int_equal(cli_display_width("中文", strlen("中文")), 4);
    assert_int_equal(cli_display_width("ｆｕｌｌ", strlen("ｆｕｌｌ")), 8); /* fullwidth forms */
    assert_int_equal(cli_display_width("e\xcc\x81", 3), 1);        /* e + combining acute */
    assert_int_equal(cli_display_width("\xf0\x9f\x9a\x80", 4), 2); /* rocket emoji */
    assert_int_equal(cli_display_width("\xff\xfe", 2), 2);         /* invalid bytes: 1 each */
    assert_int_equal(cli_display_width("\xe4\xb8", 2), 2);         /* truncated sequence */
}

static char *render(cli_table *t, enum cli_output mode)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_table_print(f, t, mode);
    fclose(f);
    cli_table_free(t);
    return buf;
}

static void test_grid(void **state)
{
    const char *h[] = {"job id", "name"};
    cli_table *t = cli_table_new(2, h);
    const char *r1[] = {"job-1", "中文"};
    const char *r2[] = {"job-22", NULL};
    cli_table_add(t, r1);
    cli_table_add(t, r2);
    char *out = render(t, OUT_TABLE);
    assert_string_equal(out, "+----------+--------+\n"
                             "| job id   | name   |\n"
                             "+==========+========+\n"
                             "| job-1    | 中文   |\n"
                             "+----------+--------+\n"
                             "| job-22   |        |\n"
                             "+----------+--------+\n");
    free(out);
}

static void test_empty_and_text(void **state)
{
    const char *h[] = {"a", "bb"};
    char *out = render(cli_table_new(2, h), OUT_TABLE);
    assert_string_equal(out, "+-----+------+\n| a   | bb   |\n+=====+======+\n+-----+------+\n");
    free(out);
    cli_table *t = cli_table_new(2, h);
    const char *r[] = {"x", ""};
    cli_table_add(t, r);
    out = render(t, OUT_TEXT);
    assert_string_equal(out, "a \tbb \t\nx \t \t\n");
    free(out);
}

static void test_multiline_and_wrap(void **state)
{
    const char *h[] = {"k"};
    cli_table *t = cli_table_new(1, h);
    char long_cell[200];
    memset(long_cell, 'x', 130);
    long_cell[130] = '\0';
    const char *r1[] = {"one\ntwo"};
    const char *r2[] = {long_cell};
    cli_table_add(t, r1);
    cli_table_add(t, r2);
    char *out = render(t, OUT_TABLE);
    char want[2048];
    char dash[64], x60[61];
    memset(dash, '-', 62);
    dash[62] = '\0';
    memset(x60, 'x', 60);
    x60[60] = '\0';
    snprintf(want, sizeof want,
             "+%s+\n| k%59s |\n+%s+\n| one%57s |\n| two%57s |\n+%s+\n| %s |\n| %s |\n"
             "| xxxxxxxxxx%50s |\n+%s+\n",
             dash, "", "==============================================================", "", "",
             dash, x60, x60, "", dash);
    assert_string_equal(out, want);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_display_width),
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_empty_and_text),
        cmocka_unit_test(test_multiline_and_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
