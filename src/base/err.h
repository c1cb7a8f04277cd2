/* err.h — errors as values.
 *
 * Every fallible function in the project returns 0 on success or -1 on failure and fills a
 * caller-owned pf_error. The code is one of PaddleFlow's error codes (api.md §5); the HTTP
 * layer maps it to a status with pf_error_http_status(). An empty code ("") is a real
 * upstream code that means HTTP 500. */
#ifndef PF_BASE_ERR_H
#define PF_BASE_ERR_H

#include <stdarg.h>

#define PF_ERR_MSG_MAX 1024

typedef struct pf_error {
    char code[48];
    char message[PF_ERR_MSG_MAX];
} pf_error;

/* Sets code and a printf-style message (NULL fmt = the code's default message). Returns -1. */
int pf_fail(pf_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pf_vfail(pf_error *e, const char *code, const char *fmt, va_list ap);
/* Prefixes the current message: "<prefix><old message>". Returns -1. */
int pf_error_prefix(pf_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pf_error_clear(pf_error *e);

/* HTTP status for a code per api.md §5.1 (unknown codes and "" → 500). */
int pf_error_http_status(const char *code);
/* Default message for a code ("" when it has none). */
const char *pf_error_default_message(const char *code);

#endif
