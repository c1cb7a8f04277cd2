/* buf.c — growable buffer. Allocation failure aborts: the server cannot do anything useful
 * without memory, and checking every append would bury the logic. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(pf_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) abort();
    b->data = p;
    b->cap = cap;
}

void pf_buf_append(pf_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void pf_buf_puts(pf_buf *b, const char *s)
{
    pf_buf_append(b, s, strlen(s));
}

void pf_buf_printf(pf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pf_buf_reset(pf_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

char *pf_buf_steal(pf_buf *b)
{
    reserve(b, 0);
    b->data[b->len] = '\0';
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void pf_buf_free(pf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
