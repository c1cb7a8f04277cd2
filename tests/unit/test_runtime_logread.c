/* test_runtime_logread.c — the log reader: line and size limits from the head and the
 * tail, has_next_page and truncated at the pre-read caps (500000 bytes from the head, 5000
 * lines from the tail), page-based reads from either end, a missing file, a long line,
 * a last line without newline, and the follow reader used for streaming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/runtime/logread.h"

static char g_path[64];

/* Writes lines "line-1\n" .. "line-<n>\n" (each padded to width chars before '\n'). */
static void write_lines(int n, int width)
{
    FILE *f = fopen(g_path, "w");
    assert_non_null(f);
    for (int i = 1; i <= n; i++) {
        char label[32];
        snprintf(label, sizeof label, "line-%d", i);
        fprintf(f, "%-*s\n", width, label);
    }
    fclose(f);
}

static void write_raw(const char *s)
{
    FILE *f = fopen(g_path, "w");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_path, sizeof g_path, "/tmp/pf-logread-%d.log", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    return 0;
}

static int lines_in(const pf_log_chunk *c)
{
    int n = 0;
    for (size_t i = 0; i < c->len; i++)
        n += c->content[i] == '\n';
    return n;
}

static void test_head_line_limit(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_raw("a\nb\nc\nd\ne\n");
    assert_int_equal(pf_log_read_limits(g_path, 3, 0, false, &c, &e), 0);
    assert_string_equal(c.content, "a\nb\nc\n");
    assert_true(c.has_next_page);
    assert_false(c.truncated);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_limits(g_path, 10, 0, false, &c, &e), 0);
    assert_string_equal(c.content, "a\nb\nc\nd\ne\n");
    assert_false(c.has_next_page);
    assert_false(c.truncated);
    pf_log_chunk_free(&c);
}

static void test_tail_line_limit(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_raw("a\nb\nc\nd\ne"); /* the last line has no newline: still a line */
    assert_int_equal(pf_log_read_limits(g_path, 2, 0, true, &c, &e), 0);
    assert_string_equal(c.content, "d\ne");
    assert_true(c.has_next_page);
    assert_false(c.truncated);
    pf_log_chunk_free(&c);
}

static void test_size_limit(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_raw("0123456789\n0123456789\n0123456789\n"); /* 11 bytes a line */
    assert_int_equal(pf_log_read_limits(g_path, 100, 25, false, &c, &e), 0);
    assert_int_equal(c.len, 22);
    assert_true(c.has_next_page);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_limits(g_path, 100, 11, true, &c, &e), 0);
    assert_string_equal(c.content, "0123456789\n");
    assert_true(c.has_next_page);
    pf_log_chunk_free(&c);
    /* a single line longer than the size limit is cut, never an empty page */
    write_raw("abcdefghijklmnopqrstuvwxyz\n");
    assert_int_equal(pf_log_read_limits(g_path, 100, 5, false, &c, &e), 0);
    assert_string_equal(c.content, "abcde");
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_limits(g_path, 100, 5, true, &c, &e), 0);
    assert_string_equal(c.content, "wxyz\n");
    pf_log_chunk_free(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_lines(1500, 9);
    /* out of range limits fall back to 1000 lines / 100 MB */
    assert_int_equal(pf_log_read_limits(g_path, 0, -1, false, &c, &e), 0);
    assert_int_equal(lines_in(&c), 1000);
    assert_true(c.has_next_page);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_limits(g_path, 2000000, 0, true, &c, &e), 0);
    assert_int_equal(lines_in(&c), 1000);
    assert_non_null(strstr(c.content, "line-1500\n"));
    assert_null(strstr(c.content, "line-500\n"));
    pf_log_chunk_free(&c);
}

static void test_head_cap_truncates(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_lines(6000, 99); /* 600000 bytes: more than the 500000-byte head window */
    assert_int_equal(pf_log_read_limits(g_path, 1000000, 0, false, &c, &e), 0);
    assert_int_equal(c.len, PF_LOG_HEAD_BYTES);
    assert_false(c.has_next_page);
    assert_true(c.truncated);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_limits(g_path, 10, 0, false, &c, &e), 0);
    assert_true(c.has_next_page);
    assert_false(c.truncated);
    pf_log_chunk_free(&c);
}

static void test_tail_cap_truncates(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_lines(6000, 10); /* 6000 lines: more than the 5000-line tail window */
    assert_int_equal(pf_log_read_limits(g_path, 1000000, 0, true, &c, &e), 0);
    assert_int_equal(lines_in(&c), PF_LOG_TAIL_LINES);
    assert_int_equal(strncmp(c.content, "line-1001 ", 10), 0);
    assert_false(c.has_next_page);
    assert_true(c.truncated);
    pf_log_chunk_free(&c);
    write_lines(5000, 10); /* exactly the window: nothing is cut */
    assert_int_equal(pf_log_read_limits(g_path, 1000000, 0, true, &c, &e), 0);
    assert_int_equal(lines_in(&c), 5000);
    assert_false(c.truncated);
    pf_log_chunk_free(&c);
}

static void test_pages_from_begin(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_lines(250, 9);
    assert_int_equal(pf_log_read_page(g_path, 1, 100, false, &c, &e), 0);
    assert_int_equal(lines_in(&c), 100);
    assert_int_equal(strncmp(c.content, "line-1 ", 7), 0);
    assert_true(c.has_next_page);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_page(g_path, 3, 100, false, &c, &e), 0);
    assert_int_equal(lines_in(&c), 50);
    assert_int_equal(strncmp(c.content, "line-201 ", 9), 0);
    assert_false(c.has_next_page);
    assert_false(c.truncated);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_page(g_path, 4, 100, false, &c, &e), 0);
    assert_int_equal(c.len, 0);
    assert_false(c.has_next_page);
    pf_log_chunk_free(&c);
}

static void test_pages_from_end(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    write_lines(250, 9);
    assert_int_equal(pf_log_read_page(g_path, 1, 100, true, &c, &e), 0);
    assert_int_equal(lines_in(&c), 100);
    assert_int_equal(strncmp(c.content, "line-151 ", 9), 0);
    assert_true(c.has_next_page);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_page(g_path, 3, 100, true, &c, &e), 0);
    assert_int_equal(lines_in(&c), 50);
    assert_int_equal(strncmp(c.content, "line-1 ", 7), 0);
    assert_false(c.has_next_page);
    pf_log_chunk_free(&c);
    write_lines(5100, 9);
    assert_int_equal(pf_log_read_page(g_path, 51, 100, true, &c, &e), 0);
    assert_int_equal(c.len, 0); /* beyond the 5000-line window */
    assert_true(c.truncated);
    pf_log_chunk_free(&c);
}

static void test_missing_file(void **state)
{
    (void)state;
    pf_log_chunk c;
    pf_error e;
    unlink(g_path);
    assert_int_equal(pf_log_read_limits(g_path, 10, 0, true, &c, &e), 0);
    assert_int_equal(c.len, 0);
    assert_string_equal(c.content, "");
    assert_false(c.has_next_page);
    pf_log_chunk_free(&c);
    assert_int_equal(pf_log_read_page(g_path, 1, 10, false, &c, &e), 0);
    assert_int_equal(c.len, 0);
    pf_log_chunk_free(&c);
}

static void test_follow(void **state)
{
    (void)state;
    pf_error e;
    pf_buf b = PF_BUF_INIT;
    int64_t off = 0;
    unlink(g_path);
    assert_int_equal(pf_log_follow(g_path, 0, 1024, &b, &off, &e), 0);
    assert_int_equal(off, 0);
    write_raw("hello\n");
    assert_int_equal(pf_log_follow(g_path, off, 1024, &b, &off, &e), 6);
    assert_int_equal(off, 6);
    FILE *f = fopen(g_path, "a");
    fputs("world\nmore", f);
    fclose(f);
    assert_int_equal(pf_log_follow(g_path, off, 4, &b, &off, &e), 4);
    assert_int_equal(pf_log_follow(g_path, off, 1024, &b, &off, &e), 6);
    assert_int_equal(pf_log_follow(g_path, off, 1024, &b, &off, &e), 0);
    assert_string_equal(b.data, "hello\nworld\nmore");
    assert_int_equal(off, 16);
    pf_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_line_limit),    cmocka_unit_test(test_tail_line_limit),
        cmocka_unit_test(test_size_limit),         cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_head_cap_truncates), cmocka_unit_test(test_tail_cap_truncates),
        cmocka_unit_test(test_pages_from_begin),   cmocka_unit_test(test_pages_from_end),
        cmocka_unit_test(test_missing_file),       cmocka_unit_test(test_follow),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
