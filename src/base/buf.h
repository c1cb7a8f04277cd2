/* buf.h — a growable byte buffer, always NUL-terminated. */
#ifndef PF_BASE_BUF_H
#define PF_BASE_BUF_H

#include <stddef.h>

typedef struct pf_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
} pf_buf;

#define PF_BUF_INIT {NULL, 0, 0}

void pf_buf_append(pf_buf *b, const void *data, size_t len);
void pf_buf_puts(pf_buf *b, const char *s);
void pf_buf_printf(pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_buf_reset(pf_buf *b); /* keeps the allocation */
/* Hands the contents to the caller (free() it) and empties the buffer. Never NULL. */
char *pf_buf_steal(pf_buf *b);
void pf_buf_free(pf_buf *b);

#endif
