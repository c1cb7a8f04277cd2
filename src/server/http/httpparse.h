/* httpparse.h — HTTP/1.1 request parsing with no I/O: the request head (request line and
 * headers, RFC 9112), chunked body decoding and the percent-decoding of paths and queries.
 *
 * Kept apart from the connection code so that a fuzzer can drive it byte by byte
 * (fuzz/fuzz_httpparse.c) and so that every limit lives in one place. */
#ifndef PF_HTTP_HTTPPARSE_H
#define PF_HTTP_HTTPPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define PF_HTTP_MAX_LINE (32u * 1024)  /* request line; longer → 414 */
#define PF_HTTP_MAX_HEAD (64u * 1024)  /* request line + headers; larger → 431 */
#define PF_HTTP_MAX_HEADERS 100        /* more → 431 */
#define PF_HTTP_MAX_QUERY 64           /* query arguments kept; later ones are ignored */

typedef struct pf_http_header {
    const char *name; /* as sent; compare case-insensitively */
    const char *value; /* without surrounding whitespace */
} pf_http_header;

typedef struct pf_http_head {
    const char *method;
    char *target; /* as sent (still percent-encoded) */
    int minor; /* HTTP/1.<minor>: 0 or 1 */
    pf_http_header headers[PF_HTTP_MAX_HEADERS];
    int nheaders;
    int64_t content_length; /* -1 when absent */
    bool chunked;
    bool keep_alive; /* what the client asked for (HTTP/1.1 default: yes) */
    bool expect_continue;
} pf_http_head;

/* How far pf_http_head_end looked, so a head arriving in pieces is scanned once. */
typedef struct pf_http_scan {
    size_t pos;
    bool line_seen; /* the request line's end was found */
} pf_http_scan;

/* Bytes of blank lines (CR, LF) before a request, which RFC 9112 §2.2 says to ignore. */
size_t pf_http_skip_blank(const char *buf, size_t len);

/* Looks for the end of a request head in buf[0..len); start with a zeroed scan. Returns the
 * head's length including its blank line, 0 when more bytes are needed, or a negative HTTP
 * status (-414 request line too long, -431 head too large) when it can never fit. */
long pf_http_head_end(const char *buf, size_t len, pf_http_scan *scan);

/* Parses a complete head of n bytes (from pf_http_head_end) in place: NULs are written into
 * buf and h points into it. Returns 0, or the HTTP status to answer with (400 malformed,
 * 431 too many headers, 501 unknown transfer coding, 505 not HTTP/1.x). */
int pf_http_parse_head(char *buf, size_t n, pf_http_head *h);

/* The first header named name (case-insensitive), NULL when absent. */
const char *pf_http_header_get(const pf_http_head *h, const char *name);

/* Incremental decoder of a chunked body (RFC 9112 §7.1); trailers are read and dropped. */
typedef struct pf_chunked {
    int state;
    uint64_t left; /* bytes left in the current chunk */
    unsigned digits;
} pf_chunked;

typedef enum { PF_CHUNKED_MORE, PF_CHUNKED_DONE, PF_CHUNKED_BAD, PF_CHUNKED_TOO_LARGE } pf_chunked_rc;

/* Decodes from in[0..len), appending data to out (never beyond max bytes in total).
 * *used = bytes of in consumed. */
pf_chunked_rc pf_chunked_decode(pf_chunked *c, const char *in, size_t len, size_t *used,
                                pf_buf *out, size_t max);

/* Percent-decodes s in place ("+" becomes a space when plus is set); a "%" not followed by two
 * hex digits is kept as it is. The result may hold bytes that are not UTF-8, or NUL (which
 * then ends the string). */
void pf_http_unescape(char *s, bool plus);

typedef struct pf_http_query {
    const char *key[PF_HTTP_MAX_QUERY];
    const char *value[PF_HTTP_MAX_QUERY]; /* "" for "?key" with no "=" */
    int n;
} pf_http_query;

/* Splits and decodes the query string s in place ("a=1&b=2"). */
void pf_http_parse_query(char *s, pf_http_query *q);

#endif
