/* wf_expr.c — the two small expression languages of a workflow.
 *
 * `depends` (DAG tasks): task names, optionally with a result (A.Succeeded, A.Failed, …),
 * combined with &&, ||, ! and parentheses. It is compiled once at parse time to a postfix
 * program over task indexes, so evaluating it on every step costs a few array reads.
 *
 * `when` (steps and tasks): evaluated after {{...}} substitution, like Argo's govaluate use:
 * literals are numbers, quoted strings ('…' or "…"), true/false, and bare words, which count as
 * strings (so `heads == heads` works without quotes); operators ==, !=, <, >, <=, >=, &&, ||, !
 * and parentheses. == and != compare numbers numerically and anything else by type and text;
 * the ordering operators need two numbers or two strings. Precedence, loosest first:
 * ||, &&, comparison, !. */
#include "server/workflow/wf_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPR_MAX_DEPTH 64

/* ---- depends ---------------------------------------------------------------------------- */

typedef struct dep_parser {
    const char *s;
    size_t pos;
    wf_task_lookup lookup;
    void *ud;
    wf_dep_expr *out;
    size_t cap;
    size_t **deps;
    size_t *n_deps;
    char *err;
    size_t errlen;
    int depth;
} dep_parser;

static void dep_emit(dep_parser *p, wf_opcode op, size_t task, wf_result res)
{
    if (p->out->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->out->ops = wf_xrealloc(p->out->ops, p->cap * sizeof(wf_op));
    }
    p->out->ops[p->out->n++] = (wf_op){op, task, res};
}

static void dep_skip_ws(dep_parser *p)
{
    while (isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static const struct {
    const char *word;
    wf_result res;
} RESULTS[] = {
    {"Succeeded", WF_RES_SUCCEEDED},  {"Failed", WF_RES_FAILED},
    {"Errored", WF_RES_ERRORED},      {"Skipped", WF_RES_SKIPPED},
    {"Omitted", WF_RES_OMITTED},      {"Daemoned", WF_RES_DAEMONED},
    {"Completed", WF_RES_COMPLETED},  {"AnySucceeded", WF_RES_ANY_SUCCEEDED},
    {"AllFailed", WF_RES_ALL_FAILED},
};

static int dep_fail(dep_parser *p, const char *fmt, const char *arg, int arglen)
{
    char what[160];
    snprintf(what, sizeof(what), fmt, arglen, arg);
    snprintf(p->err, p->errlen, "%s at position %zu", what, p->pos + 1);
    return -1;
}

static void dep_note(dep_parser *p, size_t task)
{
    for (size_t i = 0; i < *p->n_deps; i++)
        if ((*p->deps)[i] == task) return;
    *p->deps = wf_xrealloc(*p->deps, (*p->n_deps + 1) * sizeof(size_t));
    (*p->deps)[(*p->n_deps)++] = task;
}

static int dep_operand(dep_parser *p)
{
    size_t start = p->pos;
    while (is_name_char(p->s[p->pos]))
        p->pos++;
    if (p->pos == start) {
        if (!p->s[p->pos]) return dep_fail(p, "%.*sunexpected end", "", 0);
        return dep_fail(p, "unexpected '%.*s'", p->s + p->pos, 1);
    }
    size_t task = p->lookup(p->ud, p->s + start, p->pos - start);
    if (task == WF_NONE)
        return dep_fail(p, "unknown task '%.*s'", p->s + start, (int)(p->pos - start));
    wf_result res = WF_RES_BARE;
    if (p->s[p->pos] == '.') {
        size_t rs = ++p->pos;
        while (isalpha((unsigned char)p->s[p->pos]))
            p->pos++;
        size_t len = p->pos - rs;
        bool found = false;
        for (size_t i = 0; i < sizeof(RESULTS) / sizeof(RESULTS[0]); i++) {
            if (strlen(RESULTS[i].word) == len && strncmp(RESULTS[i].word, p->s + rs, len) == 0) {
                res = RESULTS[i].res;
                found = true;
            }
        }
        if (!found)
            return dep_fail(p,
                            "unknown task result '.%.*s' (use Succeeded, Failed, Errored, "
                            "Skipped, Omitted, Completed, AnySucceeded or AllFailed)",
                            p->s + rs, (int)len);
    }
    dep_note(p, task);
    dep_emit(p, WF_OP_PUSH, task, res);
    return 0;
}

static int dep_or(dep_parser *p);

static int dep_unary(dep_parser *p)
{
    dep_skip_ws(p);
    if (++p->depth > EXPR_MAX_DEPTH) return dep_fail(p, "%.*sexpression nested too deeply", "", 0);
    int r;
    if (p->s[p->pos] == '!') {
        p->pos++;
        r = dep_unary(p);
        if (r == 0) dep_emit(p, WF_OP_NOT, 0, 0);
    } else if (p->s[p->pos] == '(') {
        p->pos++;
        r = dep_or(p);
        dep_skip_ws(p);
        if (r == 0 && p->s[p->pos] != ')') r = dep_fail(p, "%.*smissing ')'", "", 0);
        if (r == 0) p->pos++;
    } else {
        r = dep_operand(p);
    }
    p->depth--;
    return r;
}

static int dep_and(dep_parser *p)
{
    if (dep_unary(p)) return -1;
    for (;;) {
        dep_skip_ws(p);
        if (strncmp(p->s + p->pos, "&&", 2) != 0) return 0;
        p->pos += 2;
        if (dep_unary(p)) return -1;
        dep_emit(p, WF_OP_AND, 0, 0);
    }
}

static int dep_or(dep_parser *p)
{
    if (dep_and(p)) return -1;
    for (;;) {
        dep_skip_ws(p);
        if (strncmp(p->s + p->pos, "||", 2) != 0) return 0;
        p->pos += 2;
        if (dep_and(p)) return -1;
        dep_emit(p, WF_OP_OR, 0, 0);
    }
}

int wf_depends_compile(const char *src, wf_task_lookup lookup, void *ud, wf_dep_expr *out,
                       size_t **deps, size_t *n_deps, char *err, size_t errlen)
{
    dep_parser p = {.s = src,
                    .lookup = lookup,
                    .ud = ud,
                    .out = out,
                    .deps = deps,
                    .n_deps = n_deps,
                    .err = err,
                    .errlen = errlen};
    out->ops = NULL;
    out->n = 0;
    *deps = NULL;
    *n_deps = 0;
    int r = dep_or(&p);
    if (r == 0) {
        dep_skip_ws(&p);
        if (p.s[p.pos]) r = dep_fail(&p, "unexpected '%.*s'", p.s + p.pos, 1);
    }
    if (r) {
        wf_dep_expr_free(out);
        free(*deps);
        *deps = NULL;
        *n_deps = 0;
    }
    return r;
}

bool wf_depends_eval(const wf_dep_expr *x, wf_result_fn fn, void *ud)
{
    bool small[32];
    bool *stack = x->n <= 32 ? small : wf_xmalloc(x->n * sizeof(bool));
    size_t sp = 0;
    for (size_t i = 0; i < x->n; i++) {
        const wf_op *op = &x->ops[i];
        switch (op->op) {
        case WF_OP_PUSH:
            stack[sp++] = fn(ud, op->task, op->res);
            break;
        case WF_OP_NOT:
            stack[sp - 1] = !stack[sp - 1];
            break;
        case WF_OP_AND:
            sp--;
            stack[sp - 1] = stack[sp - 1] && stack[sp];
            break;
        case WF_OP_OR:
            sp--;
            stack[sp - 1] = stack[sp - 1] || stack[sp];
            break;
        }
    }
    bool r = sp ? stack[0] : true;
    if (stack != small) free(stack);
    return r;
}

void wf_dep_expr_free(wf_dep_expr *x)
{
    free(x->ops);
    x->ops = NULL;
    x->n = 0;
}

/* ---- when ------------------------------------------------------------------------------- */

typedef enum { V_NONE, V_NUM, V_STR, V_BOOL } vtype;
typedef struct value {
    vtype t;
    double num;
    const char *str; /* into the expression text */
    size_t len;
    bool b;
} value;

typedef struct when_parser {
    const char *s;
    size_t pos;
    bool check_only; /* syntax only: no value is compared */
    char *err;
    size_t errlen;
    int depth;
} when_parser;

static int w_fail(when_parser *p, const char *msg)
{
    snprintf(p->err, p->errlen, "%s at position %zu", msg, p->pos + 1);
    return -1;
}

static void w_ws(when_parser *p)
{
    while (isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

static bool is_special(char c)
{
    return c == '(' || c == ')' || c == '!' || c == '=' || c == '<' || c == '>' || c == '&' ||
           c == '|' || c == '\'' || c == '"';
}

static int w_or(when_parser *p, value *v);

static int w_literal(when_parser *p, value *v)
{
    char c = p->s[p->pos];
    if (c == '\'' || c == '"') {
        const char *end = strchr(p->s + p->pos + 1, c);
        if (!end) return w_fail(p, "unterminated string");
        *v =
            (value){.t = V_STR, .str = p->s + p->pos + 1, .len = (size_t)(end - p->s) - p->pos - 1};
        p->pos = (size_t)(end - p->s) + 1;
        return 0;
    }
    size_t start = p->pos;
    while (p->s[p->pos] && !isspace((unsigned char)p->s[p->pos]) && !is_special(p->s[p->pos]))
        p->pos++;
    size_t len = p->pos - start;
    if (len == 0) return w_fail(p, p->s[p->pos] ? "unexpected operator" : "unexpected end");
    const char *tok = p->s + start;
    if ((len == 4 && strncmp(tok, "true", 4) == 0) || (len == 5 && strncmp(tok, "false", 5) == 0)) {
        *v = (value){.t = V_BOOL, .b = len == 4};
        return 0;
    }
    char buf[64];
    if (len < sizeof(buf) &&
        (isdigit((unsigned char)tok[0]) || tok[0] == '-' || tok[0] == '+' || tok[0] == '.')) {
        memcpy(buf, tok, len);
        buf[len] = '\0';
        char *end;
        double d = strtod(buf, &end);
        if (*end == '\0' && isfinite(d)) {
            *v = (value){.t = V_NUM, .num = d};
            return 0;
        }
    }
    *v = (value){.t = V_STR, .str = tok, .len = len};
    return 0;
}

static int w_unary(when_parser *p, value *v)
{
    w_ws(p);
    if (++p->depth > EXPR_MAX_DEPTH) return w_fail(p, "expression nested too deeply");
    int r;
    if (p->s[p->pos] == '!' && p->s[p->pos + 1] != '=') {
        p->pos++;
        r = w_unary(p, v);
        if (r == 0 && !p->check_only) {
            if (v->t != V_BOOL) r = w_fail(p, "'!' needs a boolean");
            v->b = !v->b;
        }
    } else if (p->s[p->pos] == '(') {
        p->pos++;
        r = w_or(p, v);
        w_ws(p);
        if (r == 0 && p->s[p->pos] != ')') r = w_fail(p, "missing ')'");
        if (r == 0) p->pos++;
    } else {
        r = w_literal(p, v);
    }
    p->depth--;
    return r;
}

static int str_cmp(const value *a, const value *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);
    if (c) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static bool values_equal(const value *a, const value *b)
{
    if (a->t != b->t) return false;
    switch (a->t) {
    case V_NUM:
        return a->num == b->num;
    case V_STR:
        return str_cmp(a, b) == 0;
    case V_BOOL:
        return a->b == b->b;
    default:
        return false;
    }
}

static int w_compare(when_parser *p, const char *op, value *a, const value *b)
{
    if (p->check_only) return 0;
    bool r;
    if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
        r = values_equal(a, b) == (op[0] == '=');
    } else {
        int c;
        if (a->t == V_NUM && b->t == V_NUM)
            c = a->num < b->num ? -1 : a->num > b->num;
        else if (a->t == V_STR && b->t == V_STR)
            c = str_cmp(a, b);
        else
            return w_fail(p, "'<', '>', '<=' and '>=' need two numbers or two strings");
        if (strcmp(op, "<") == 0)
            r = c < 0;
        else if (strcmp(op, ">") == 0)
            r = c > 0;
        else if (strcmp(op, "<=") == 0)
            r = c <= 0;
        else
            r = c >= 0;
    }
    *a = (value){.t = V_BOOL, .b = r};
    return 0;
}

static int w_cmp(when_parser *p, value *v)
{
    if (w_unary(p, v)) return -1;
    w_ws(p);
    static const char *const OPS[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (size_t i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++) {
        size_t l = strlen(OPS[i]);
        if (strncmp(p->s + p->pos, OPS[i], l) != 0) continue;
        p->pos += l;
        value rhs;
        if (w_unary(p, &rhs)) return -1;
        return w_compare(p, OPS[i], v, &rhs);
    }
    if (p->s[p->pos] == '=' || (p->s[p->pos] == '!' && p->s[p->pos + 1] == '='))
        return w_fail(p, "unsupported operator");
    return 0;
}

static int w_logic(when_parser *p, value *v, const char *op, int (*next)(when_parser *, value *))
{
    if (next(p, v)) return -1;
    for (;;) {
        w_ws(p);
        if (strncmp(p->s + p->pos, op, 2) != 0) return 0;
        p->pos += 2;
        value rhs;
        if (next(p, &rhs)) return -1;
        if (p->check_only) continue;
        if (v->t != V_BOOL || rhs.t != V_BOOL)
            return w_fail(p, op[0] == '&' ? "'&&' needs booleans" : "'||' needs booleans");
        v->b = op[0] == '&' ? (v->b && rhs.b) : (v->b || rhs.b);
    }
}

static int w_and(when_parser *p, value *v)
{
    return w_logic(p, v, "&&", w_cmp);
}

static int w_or(when_parser *p, value *v)
{
    return w_logic(p, v, "||", w_and);
}

static int when_run(const char *expr, bool check_only, bool *out, char *err, size_t errlen)
{
    when_parser p = {.s = expr, .check_only = check_only, .err = err, .errlen = errlen};
    value v = {0};
    if (w_or(&p, &v)) return -1;
    w_ws(&p);
    if (p.s[p.pos]) return w_fail(&p, "unexpected text");
    if (check_only) return 0;
    if (v.t != V_BOOL) {
        snprintf(err, errlen, "does not evaluate to true or false");
        return -1;
    }
    *out = v.b;
    return 0;
}

int wf_when_eval(const char *expr, bool *out, char *err, size_t errlen)
{
    return when_run(expr, false, out, err, errlen);
}

int wf_when_check(const char *expr, char *err, size_t errlen)
{
    bool dummy;
    return when_run(expr, true, &dummy, err, errlen);
}
