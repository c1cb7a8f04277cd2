/* test_httpparse.c — the HTTP/1.1 request parser: heads, limits, framing that is refused,
 * chunked bodies and percent-decoding (src/server/http/httpparse.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/http/httpparse.h"

/* Parses a whole head; returns the status (0 = ok) and fills h. buf must outlive h. */
static int parse(char *buf, pf_http_head *h)
{
    pf_http_scan scan = {0};
    long n = pf_http_head_end(buf, strlen(buf), &scan);
    if (n <= 0) return n == 0 ? -1 : (int)-n;
    return pf_http_parse_head(buf, (size_t)n, h);
}

static void test_get_head(void **state)
{
    (void)state;
    char buf[] = "GET /api/paddleflow/v1/job?status=running HTTP/1.1\r\nHost: x\r\n"
                 "X-Pf-Authorization:  tok \r\n\r\n";
    pf_http_head h;
    assert_int_equal(parse(buf, &h), 0);
    assert_string_equal(h.method, "GET");
    assert_string_equal(h.target, "/api/paddleflow/v1/job?status=running");
    assert_int_equal(h.minor, 1);
    assert_true(h.keep_alive);
    assert_int_equal(h.content_length, -1);
    assert_string_equal(pf_http_header_get(&h, "x-pf-authorization"), "tok");
    assert_null(pf_http_header_get(&h, "missing"));
}

static void test_head_in_pieces(void **state)
{
    (void)state;
    const char *req = "POST /a HTTP/1.0\nContent-Length: 3\nConnection: keep-alive\n\nabc";
    size_t len = strlen(req);
    pf_http_scan scan = {0};
    long n = 0;
    for (size_t have = 1; have <= len && n == 0; have++) n = pf_http_head_end(req, have, &scan);
    assert_int_equal(n, (long)(strstr(req, "\n\n") - req + 2));
    char *buf = strndup(req, (size_t)n);
    pf_http_head h;
    assert_int_equal(pf_http_parse_head(buf, (size_t)n, &h), 0);
    assert_int_equal(h.minor, 0);
    assert_true(h.keep_alive);
    assert_int_equal(h.content_length, 3);
    free(buf);
}

static void test_refused_heads(void **state)
{
    (void)state;
    struct {
        const char *req;
        int status;
    } cases[] = {
        {"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nX: a\r\n  folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nBad Name: a\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"GET / HTTP/2.0\r\n\r\n", 505},
        {"GET / HTTP/1.dx\r\n\r\n", 400},
        {"GET /\r\n\r\n", 400},
        {"G(T / HTTP/1.1\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *buf = strdup(cases[i].req);
        pf_http_head h;
        assert_int_equal(parse(buf, &h), cases[i].status);
        free(buf);
    }
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = PF_HTTP_MAX_LINE + 10;
    char *buf = malloc(n + 1);
    memset(buf, 'a', n);
    buf[n] = '\0';
    pf_http_scan scan = {0};
    assert_int_equal(pf_http_head_end(buf, n, &scan), -414); /* no end of line in sight */
    free(buf);

    pf_http_scan scan2 = {0};
    char *big = malloc(PF_HTTP_MAX_HEAD + 16);
    strcpy(big, "GET / HTTP/1.1\r\n");
    size_t len = strlen(big);
    while (len + 10 < PF_HTTP_MAX_HEAD + 8) len += (size_t)sprintf(big + len, "X-%05zu: v\r\n", len);
    assert_int_equal(pf_http_head_end(big, len, &scan2), -431);
    free(big);

    char hdrs[8192] = "GET / HTTP/1.1\r\n";
    for (int i = 0; i <= PF_HTTP_MAX_HEADERS; i++)
        sprintf(hdrs + strlen(hdrs), "X-%d: v\r\n", i);
    strcat(hdrs, "\r\n");
    pf_http_head h;
    assert_int_equal(parse(hdrs, &h), 431);
}

static void test_chunked(void **state)
{
    (void)state;
    const char *in = "5;x=y\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: 1\r\n\r\nNEXT";
    size_t len = strlen(in);
    pf_chunked c = {0};
    pf_buf out = PF_BUF_INIT;
    size_t used = 0;
    assert_int_equal(pf_chunked_decode(&c, in, len, &used, &out, 100), PF_CHUNKED_DONE);
    assert_string_equal(out.data, "hello, world");
    assert_string_equal(in + used, "NEXT"); /* stops at the end of the body */
    pf_buf_free(&out);

    /* byte by byte gives the same */
    pf_chunked c2 = {0};
    pf_buf out2 = PF_BUF_INIT;
    pf_chunked_rc rc = PF_CHUNKED_MORE;
    size_t off = 0;
    while (rc == PF_CHUNKED_MORE && off < len) {
        rc = pf_chunked_decode(&c2, in + off, 1, &used, &out2, 100);
        off += used;
    }
    assert_int_equal(rc, PF_CHUNKED_DONE);
    assert_string_equal(out2.data, "hello, world");
    pf_buf_free(&out2);

    pf_chunked c3 = {0};
    pf_buf out3 = PF_BUF_INIT;
    assert_int_equal(pf_chunked_decode(&c3, "zz\r\n", 4, &used, &out3, 100), PF_CHUNKED_BAD);
    pf_chunked c4 = {0};
    assert_int_equal(pf_chunked_decode(&c4, "10\r\n0123456789abcdef\r\n0\r\n\r\n", 27, &used, &out3, 8),
                     PF_CHUNKED_TOO_LARGE);
    pf_buf_free(&out3);
}

static void test_unescape_and_query(void **state)
{
    (void)state;
    char path[] = "/job/a%20b%zz%4";
    pf_http_unescape(path, false);
    assert_string_equal(path, "/job/a b%zz%4");
    char q[] = "status=running&labels=%7B%22a%22%3A1%7D&x+y=1+2&flag&&maxKeys=5";
    pf_http_query query;
    pf_http_parse_query(q, &query);
    assert_int_equal(query.n, 5);
    assert_string_equal(query.key[1], "labels");
    assert_string_equal(query.value[1], "{\"a\":1}");
    assert_string_equal(query.key[2], "x y");
    assert_string_equal(query.value[2], "1 2");
    assert_string_equal(query.key[3], "flag");
    assert_string_equal(query.value[3], "");
    assert_string_equal(query.value[4], "5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_head),       cmocka_unit_test(test_head_in_pieces),
        cmocka_unit_test(test_refused_heads),  cmocka_unit_test(test_limits),
        cmocka_unit_test(test_chunked),        cmocka_unit_test(test_unescape_and_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
