/* fuzz_httpparse.c — libFuzzer target for the HTTP/1.1 parser (src/server/http/httpparse.c)
 * on its own, without sockets: far more inputs per second than fuzz_http, so the head and
 * chunked-body state machines get explored deeply.
 *
 * Byte 0 picks how the rest is cut into pieces (as reads would deliver it). Checked (abort()
 * on violation): the head end is found at the same place however the bytes arrive; it lies
 * within the input and ends with a blank line; a parsed head has a method, a target and sane
 * framing; a chunked body decodes to the same bytes whatever the cuts, never beyond the
 * limit; query and percent decoding never grow a string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/httpparse.h"

#define BODY_MAX 4096

static void check(bool ok)
{
    if (!ok) abort();
}

/* The head end found when the bytes arrive `step` at a time (0 = all at once). */
static long head_end_in_steps(const char *buf, size_t len, size_t step)
{
    pf_http_scan scan = {0};
    if (!step) return pf_http_head_end(buf, len, &scan);
    for (size_t have = step < len ? step : len;; have = have + step < len ? have + step : len) {
        long n = pf_http_head_end(buf, have, &scan);
        if (n != 0 || have == len) return n;
    }
}

static pf_chunked_rc decode_in_steps(const char *in, size_t len, size_t step, pf_buf *out,
                                     size_t *used)
{
    pf_chunked c = {0};
    size_t off = 0;
    pf_chunked_rc rc = PF_CHUNKED_MORE;
    while (off < len && rc == PF_CHUNKED_MORE) {
        size_t n = step && len - off > step ? step : len - off, u = 0;
        rc = pf_chunked_decode(&c, in + off, n, &u, out, BODY_MAX);
        check(u <= n);
        if (rc == PF_CHUNKED_MORE) check(u == n);
        off += u;
    }
    *used = off;
    return rc;
}

static void fuzz_head(const char *data, size_t len, size_t step)
{
    size_t skip = pf_http_skip_blank(data, len);
    data += skip, len -= skip;
    long whole = head_end_in_steps(data, len, 0);
    check(head_end_in_steps(data, len, step) == whole);
    if (whole <= 0) {
        check(whole == 0 || whole == -414 || whole == -431);
        return;
    }
    check((size_t)whole <= len && data[whole - 1] == '\n');
    char *head = malloc((size_t)whole + 1);
    memcpy(head, data, (size_t)whole);
    head[whole] = '\0';
    pf_http_head h;
    int st = pf_http_parse_head(head, (size_t)whole, &h);
    check(st == 0 || st == 400 || st == 414 || st == 431 || st == 501 || st == 505);
    if (st == 0) {
        check(h.method && *h.method && h.target && *h.target);
        check(h.minor == 0 || h.minor == 1);
        check(!(h.chunked && h.content_length >= 0));
        check(h.nheaders <= PF_HTTP_MAX_HEADERS);
        for (int i = 0; i < h.nheaders; i++)
            check(pf_http_header_get(&h, h.headers[i].name) != NULL);
        size_t tlen = strlen(h.target);
        char *target = strdup(h.target);
        pf_http_query q;
        char *qs = strchr(target, '?');
        if (qs) *qs++ = '\0';
        pf_http_unescape(target, false);
        check(strlen(target) <= tlen);
        pf_http_parse_query(qs, &q);
        check(q.n <= PF_HTTP_MAX_QUERY);
        free(target);
    }
    free(head);
}

static void fuzz_chunked(const char *data, size_t len, size_t step)
{
    pf_buf a = PF_BUF_INIT, b = PF_BUF_INIT;
    size_t ua = 0, ub = 0;
    pf_chunked_rc ra = decode_in_steps(data, len, 0, &a, &ua);
    pf_chunked_rc rb = decode_in_steps(data, len, step ? step : 1, &b, &ub);
    check(a.len <= BODY_MAX && b.len <= BODY_MAX);
    check(ra == rb);
    if (ra == PF_CHUNKED_DONE || ra == PF_CHUNKED_MORE) {
        check(ua == ub && a.len == b.len);
        check(a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
    }
    pf_buf_free(&a);
    pf_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = data[0] & 0x3f;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 0x80)
        fuzz_chunked(in, len, step);
    else
        fuzz_head(in, len, step);
    return 0;
}
