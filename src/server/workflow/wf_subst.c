/* wf_subst.c — Argo's {{...}} substitution. The text between the braces is trimmed and handed
 * to a resolver (validation uses one that only checks the reference exists; the engine one
 * that returns the value). Inserted values are never scanned again, as in Argo. A "{{" with no
 * closing "}}" is kept literally. Expression tags ({{=...}}) are not supported. */
#include "server/workflow/wf_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

char *wf_subst(const char *s, wf_resolve_fn fn, void *ud, char *err, size_t errlen)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "");
    const char *p = s;
    for (;;) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!close) {
            pf_buf_puts(&b, p);
            break;
        }
        pf_buf_append(&b, p, (size_t)(open - p));
        const char *a = open + 2, *z = close;
        while (a < z && isspace((unsigned char)*a))
            a++;
        while (z > a && isspace((unsigned char)z[-1]))
            z--;
        char *ref = wf_xmalloc((size_t)(z - a) + 1);
        memcpy(ref, a, (size_t)(z - a));
        ref[z - a] = '\0';
        char *val = NULL;
        if (ref[0] == '=')
            snprintf(err, errlen, "expression tags ({{=...}}) are not supported: '{{%s}}'", ref);
        else
            val = fn(ud, ref, err, errlen);
        free(ref);
        if (!val) {
            pf_buf_free(&b);
            return NULL;
        }
        pf_buf_puts(&b, val);
        free(val);
        p = close + 2;
    }
    return pf_buf_steal(&b);
}

static char *real_text(double d)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.15g", d);
    if (strtod(buf, NULL) != d) snprintf(buf, sizeof(buf), "%.17g", d);
    return wf_xstrdup(buf);
}

char *wf_json_text(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return wf_xstrdup(json_string_value(v));
    case JSON_INTEGER:
        return wf_xasprintf("%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return real_text(json_real_value(v));
    case JSON_TRUE:
        return wf_xstrdup("true");
    case JSON_FALSE:
        return wf_xstrdup("false");
    case JSON_NULL:
        return wf_xstrdup("null");
    default: {
        char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (!s) abort();
        return s;
    }
    }
}
