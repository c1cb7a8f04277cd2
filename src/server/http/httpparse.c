/* httpparse.c — the request head, chunked bodies and percent-decoding (see httpparse.h).
 *
 * Strict where leniency lets two parsers disagree about where a request ends (request
 * smuggling): Content-Length and Transfer-Encoding together, differing Content-Lengths,
 * folded headers and whitespace before the colon are refused with 400. */
#include "server/http/httpparse.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER_START,
       CH_TRAILER_LINE, CH_TRAILER_LF, CH_DONE };

#define MAX_TRAILERS (16u * 1024)

size_t pf_http_skip_blank(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == '\r' || buf[i] == '\n')) i++;
    return i;
}

long pf_http_head_end(const char *buf, size_t len, pf_http_scan *scan)
{
    size_t i = scan->pos;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        if (!nl) break;
        size_t at = (size_t)(nl - buf);
        if (!scan->line_seen) {
            if (at > PF_HTTP_MAX_LINE) return -414;
            scan->line_seen = true;
        }
        /* a blank line follows: "\n\n" or "\n\r\n" */
        size_t end = 0;
        if (at + 1 < len && buf[at + 1] == '\n') end = at + 2;
        else if (at + 2 < len && buf[at + 1] == '\r' && buf[at + 2] == '\n') end = at + 3;
        if (end) return end > PF_HTTP_MAX_HEAD ? -431 : (long)end;
        if (at + 2 >= len) { /* the blank line may still be on its way: look here again */
            scan->pos = at;
            goto incomplete;
        }
        i = at + 1;
    }
    scan->pos = len;
incomplete:
    if (!scan->line_seen && len > PF_HTTP_MAX_LINE) return -414;
    if (len >= PF_HTTP_MAX_HEAD) return -431;
    return 0;
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The next line of buf[*pos..end) without its CR LF, NUL-terminated in place. */
static char *next_line(char *buf, size_t end, size_t *pos)
{
    if (*pos >= end) return NULL;
    char *s = buf + *pos;
    char *nl = memchr(s, '\n', end - *pos);
    if (!nl) return NULL;
    *pos = (size_t)(nl - buf) + 1;
    *nl = '\0';
    if (nl > s && nl[-1] == '\r') nl[-1] = '\0';
    return s;
}

static bool has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',') e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t')) t--;
        if ((size_t)(t - p) == n && strncasecmp(p, token, n) == 0) return true;
        p = e;
    }
    return false;
}

static int parse_request_line(char *line, pf_http_head *h)
{
    if (strlen(line) > PF_HTTP_MAX_LINE) return 414;
    char *sp1 = strchr(line, ' ');
    if (!sp1 || sp1 == line) return 400;
    *sp1 = '\0';
    for (const char *p = line; *p; p++)
        if (!is_tchar((unsigned char)*p)) return 400;
    char *target = sp1 + 1;
    char *sp2 = strchr(target, ' ');
    if (!sp2 || sp2 == target) return 400;
    *sp2 = '\0';
    for (const unsigned char *p = (unsigned char *)target; *p; p++)
        if (*p <= ' ' || *p == 0x7f) return 400;
    const char *version = sp2 + 1;
    if (strncmp(version, "HTTP/", 5) != 0) return 400;
    if (strcmp(version + 5, "1.1") == 0)
        h->minor = 1;
    else if (strcmp(version + 5, "1.0") == 0)
        h->minor = 0;
    else if (isdigit((unsigned char)version[5]) && version[6] == '.' &&
             isdigit((unsigned char)version[7]) && !version[8])
        return 505; /* well-formed, another version */
    else
        return 400;
    h->method = line;
    h->target = target;
    h->keep_alive = h->minor == 1;
    return 0;
}

static int parse_content_length(const char *v, pf_http_head *h)
{
    int64_t n = 0;
    if (!*v || strlen(v) > 18) return 400;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return 400;
        n = n * 10 + (*p - '0');
    }
    if (h->content_length >= 0 && h->content_length != n) return 400;
    h->content_length = n;
    return 0;
}

/* What the headers the server acts on say. */
static int apply_header(const char *name, const char *value, pf_http_head *h)
{
    if (strcasecmp(name, "Content-Length") == 0) return parse_content_length(value, h);
    if (strcasecmp(name, "Transfer-Encoding") == 0) {
        /* only "chunked" alone is understood; anything else cannot be framed */
        if (strcasecmp(value, "chunked") != 0) return 501;
        if (h->chunked) return 400;
        h->chunked = true;
    } else if (strcasecmp(name, "Connection") == 0) {
        if (has_token(value, "close")) h->keep_alive = false;
        else if (has_token(value, "keep-alive")) h->keep_alive = true;
    } else if (strcasecmp(name, "Expect") == 0) {
        if (strcasecmp(value, "100-continue") != 0) return 400;
        h->expect_continue = h->minor == 1;
    }
    return 0;
}

int pf_http_parse_head(char *buf, size_t n, pf_http_head *h)
{
    h->nheaders = 0;
    h->content_length = -1;
    h->chunked = h->expect_continue = false;
    size_t pos = 0;
    char *line = next_line(buf, n, &pos);
    if (!line) return 400;
    int rc = parse_request_line(line, h);
    if (rc) return rc;
    while ((line = next_line(buf, n, &pos)) && *line) {
        if (*line == ' ' || *line == '\t') return 400; /* obsolete line folding */
        char *colon = strchr(line, ':');
        if (!colon || colon == line) return 400;
        *colon = '\0';
        for (const char *p = line; *p; p++)
            if (!is_tchar((unsigned char)*p)) return 400;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        char *end = v + strlen(v);
        while (end > v && (end[-1] == ' ' || end[-1] == '\t')) *--end = '\0';
        if (h->nheaders == PF_HTTP_MAX_HEADERS) return 431;
        h->headers[h->nheaders++] = (pf_http_header){line, v};
        if ((rc = apply_header(line, v, h))) return rc;
    }
    if (h->chunked && h->content_length >= 0) return 400;
    if (h->chunked && h->minor == 0) return 400;
    return 0;
}

const char *pf_http_header_get(const pf_http_head *h, const char *name)
{
    for (int i = 0; i < h->nheaders; i++)
        if (strcasecmp(h->headers[i].name, name) == 0) return h->headers[i].value;
    return NULL;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* One byte of the framing (everything but chunk data). */
static pf_chunked_rc chunk_byte(pf_chunked *c, unsigned char b)
{
    switch (c->state) {
    case CH_SIZE: {
        int v = hexval(b);
        if (v >= 0) {
            if (++c->digits > 15) return PF_CHUNKED_BAD;
            c->left = c->left * 16 + (uint64_t)v;
            return PF_CHUNKED_MORE;
        }
        if (!c->digits) return PF_CHUNKED_BAD;
        if (b == ';' || b == ' ' || b == '\t') c->state = CH_EXT;
        else if (b == '\r') c->state = CH_SIZE_LF;
        else if (b == '\n') goto size_done;
        else return PF_CHUNKED_BAD;
        return PF_CHUNKED_MORE;
    }
    case CH_EXT:
        if (b == '\n') goto size_done;
        return PF_CHUNKED_MORE;
    case CH_SIZE_LF:
        if (b != '\n') return PF_CHUNKED_BAD;
        goto size_done;
    case CH_DATA_CR:
        if (b == '\r') c->state = CH_DATA_LF;
        else if (b == '\n') c->state = CH_SIZE;
        else return PF_CHUNKED_BAD;
        return PF_CHUNKED_MORE;
    case CH_DATA_LF:
        if (b != '\n') return PF_CHUNKED_BAD;
        c->state = CH_SIZE;
        return PF_CHUNKED_MORE;
    case CH_TRAILER_START:
        if (b == '\n') return c->state = CH_DONE, PF_CHUNKED_DONE;
        c->state = b == '\r' ? CH_TRAILER_LF : CH_TRAILER_LINE;
        return PF_CHUNKED_MORE;
    case CH_TRAILER_LF:
        if (b != '\n') return PF_CHUNKED_BAD;
        return c->state = CH_DONE, PF_CHUNKED_DONE;
    case CH_TRAILER_LINE:
        if (++c->left > MAX_TRAILERS) return PF_CHUNKED_BAD;
        if (b == '\n') c->state = CH_TRAILER_START;
        return PF_CHUNKED_MORE;
    default:
        return PF_CHUNKED_BAD;
    }
size_done:
    c->digits = 0;
    c->state = c->left ? CH_DATA : CH_TRAILER_START;
    return PF_CHUNKED_MORE;
}

pf_chunked_rc pf_chunked_decode(pf_chunked *c, const char *in, size_t len, size_t *used,
                                pf_buf *out, size_t max)
{
    size_t i = 0;
    pf_chunked_rc rc = c->state == CH_DONE ? PF_CHUNKED_DONE : PF_CHUNKED_MORE;
    while (i < len && rc == PF_CHUNKED_MORE) {
        if (c->state == CH_DATA) {
            size_t take = len - i < c->left ? len - i : (size_t)c->left;
            if (out->len + take > max) {
                rc = PF_CHUNKED_TOO_LARGE;
                break;
            }
            pf_buf_append(out, in + i, take);
            i += take;
            c->left -= take;
            if (!c->left) c->state = CH_DATA_CR;
            continue;
        }
        rc = chunk_byte(c, (unsigned char)in[i++]);
    }
    *used = i;
    return rc;
}

void pf_http_unescape(char *s, bool plus)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (*r == '%' && (hi = hexval((unsigned char)r[1])) >= 0 &&
            (lo = hexval((unsigned char)r[2])) >= 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = plus && *r == '+' ? ' ' : *r;
        }
    }
    *w = '\0';
}

void pf_http_parse_query(char *s, pf_http_query *q)
{
    q->n = 0;
    while (s && *s) {
        char *amp = strchr(s, '&');
        if (amp) *amp = '\0';
        if (*s && q->n < PF_HTTP_MAX_QUERY) {
            char *eq = strchr(s, '=');
            if (eq) *eq = '\0';
            pf_http_unescape(s, true);
            char *v = eq ? eq + 1 : s + strlen(s);
            if (eq) pf_http_unescape(v, true);
            q->key[q->n] = s;
            q->value[q->n++] = v;
        }
        s = amp ? amp + 1 : NULL;
    }
}
