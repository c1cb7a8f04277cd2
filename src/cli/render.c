/* render.c — small helpers the command files share: JSON printing in upstream's style
 * (indent 4, key order kept, UTF-8 as is), cell text for JSON values, the "marker:" line,
 * parsers for the k=v,k2=v2 and a,b option values, success lines and paging options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

void cli_print_json(FILE *f, const json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(4) | JSON_ENCODE_ANY);
    fprintf(f, "%s\n", s ? s : "null");
    free(s);
}

json_t *cli_json(const char *text)
{
    json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_null();
}

char *cli_cell(const json_t *v)
{
    char tmp[64];
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_NULL:
        return strdup("");
    case JSON_STRING:
        return strdup(json_string_value(v));
    case JSON_INTEGER:
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    default: {
        /* no flags = Python json.dumps' separators ", " and ": ", as upstream's cells show */
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        return s ? s : strdup("");
    }
    }
    return strdup(tmp);
}

void cli_print_marker(const char *marker)
{
    printf("marker: %s\n", marker && *marker ? marker : "None");
}

int cli_parse_pairs(const char *s, pf_pair **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    /* pairs and a copy of the string in one block, so one free() releases both */
    size_t len = strlen(s) + 1;
    pf_pair *pairs = malloc(count * sizeof *pairs + len);
    char *copy = (char *)(pairs + count);
    memcpy(copy, s, len);
    for (char *tok = copy, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok) {
            free(pairs);
            return -1;
        }
        *eq = '\0';
        pairs[*n].key = tok;
        pairs[*n].value = eq + 1;
        (*n)++;
    }
    *out = pairs;
    return 0;
}

const char **cli_split(const char *s, size_t *n)
{
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    size_t len = strlen(s) + 1;
    const char **v = malloc((count + 1) * sizeof *v + len);
    char *copy = (char *)(v + count + 1);
    memcpy(copy, s, len);
    *n = 0;
    for (char *tok = copy, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        if (*tok) v[(*n)++] = tok;
    }
    v[*n] = NULL;
    return v;
}

int cli_int_opt(const cli_ctx *ctx, const cli_parsed *p, const char *long_name, long long *out)
{
    const char *v = cli_opt_value(p, long_name);
    if (!v) return EXIT_OK;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || errno)
        return cli_bad_value(ctx, p, long_name, "'%s' is not a valid integer.", v);
    *out = x;
    return EXIT_OK;
}

int cli_done(const cli_ctx *ctx, const char *fmt, const char *arg)
{
    if (ctx->output == OUT_JSON) {
        json_t *o = json_pack("{s:b}", "success", 1);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf(fmt, arg);
        putchar('\n');
    }
    return EXIT_OK;
}

void cli_print_raw(const char *json)
{
    json_t *j = cli_json(json);
    cli_print_json(stdout, j);
    json_decref(j);
}

int cli_page_opts(const cli_ctx *ctx, const cli_parsed *p, const char *max_opt,
                  const char *marker_opt, pf_page_options *page)
{
    long long max = 0;
    int rc = cli_int_opt(ctx, p, max_opt, &max);
    page->max_keys = (int)max;
    page->marker = marker_opt ? cli_opt_value(p, marker_opt) : NULL;
    return rc;
}
