/* wf_parse.c — an Argo Workflow (JSON) → the engine's template model, with every validation.
 *
 * Supported subset (docs/workflow.md): spec.entrypoint, spec.arguments.parameters,
 * spec.templates of kind container, script, steps and dag, inputs.parameters, retryStrategy.limit,
 * activeDeadlineSeconds, spec.onExit. Every other field anywhere under spec is rejected by name:
 * a field that would be silently ignored is a workflow that silently does the wrong thing.
 * Keys are matched exactly (Kubernetes objects are case-sensitive); null counts as absent.
 *
 * Validation order: shape and fields of each template, names (duplicates), template
 * references, DAG dependencies (depends syntax, unknown tasks, cycles), then every {{...}}
 * reference and `when` expression against what is in scope at that place, then required
 * inputs of every call. Messages name the place, e.g. spec.templates[main].dag.tasks[b]. */
#include "server/workflow/wf_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE "JobCreateFailed"

typedef struct parser {
    pf_wf *wf;
    pf_error *e;
} parser;

/* ---- field helpers ---------------------------------------------------------------------- */

static json_t *field(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static int check_fields(parser *p, const json_t *obj, const char *at, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k) == 0) ok = true;
        if (!ok)
            return pf_fail(p->e, CODE, "unsupported field '%s.%s' (not in the supported subset)",
                           at, k);
    }
    return 0;
}

static int need_object(parser *p, const json_t *v, const char *at)
{
    if (json_is_object(v)) return 0;
    return pf_fail(p->e, CODE, "'%s' must be an object", at);
}

static int need_array(parser *p, const json_t *v, const char *at)
{
    if (json_is_array(v)) return 0;
    return pf_fail(p->e, CODE, "'%s' must be a list", at);
}

/* A string field: *out stays NULL when absent. */
static int get_str(parser *p, const json_t *obj, const char *key, const char *at, char **out)
{
    json_t *v = field(obj, key);
    if (!v) return 0;
    if (!json_is_string(v)) return pf_fail(p->e, CODE, "'%s.%s' must be a string", at, key);
    *out = wf_xstrdup(json_string_value(v));
    return 0;
}

/* A parameter-like value: strings, numbers and booleans are all text (Argo's AnyString). */
static int scalar_text(parser *p, const json_t *v, const char *at, char **out)
{
    if (json_is_string(v) || json_is_number(v) || json_is_boolean(v)) {
        *out = wf_json_text(v);
        return 0;
    }
    return pf_fail(p->e, CODE, "'%s' must be a string, number or boolean", at);
}

/* An int, or a string of digits (Kubernetes IntOrString); must be >= min. */
static int get_int(parser *p, const json_t *obj, const char *key, const char *at, long long min,
                   long long *out)
{
    json_t *v = field(obj, key);
    if (!v) return 0;
    long long n = 0;
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        if (!isdigit((unsigned char)s[0])) goto bad;
        n = strtoll(s, &end, 10);
        if (*end) goto bad;
    } else {
        goto bad;
    }
    if (n < min || n > 100000000LL) goto bad;
    *out = n;
    return 0;
bad:
    return pf_fail(p->e, CODE, "'%s.%s' must be an integer >= %lld", at, key, min);
}

static int str_list(parser *p, const json_t *obj, const char *key, const char *at, char ***out,
                    size_t *n)
{
    json_t *v = field(obj, key);
    if (!v) return 0;
    char where[600];
    snprintf(where, sizeof(where), "%s.%s", at, key);
    if (need_array(p, v, where)) return -1;
    *n = json_array_size(v);
    *out = wf_xcalloc(*n, sizeof(char *));
    for (size_t i = 0; i < *n; i++) {
        snprintf(where, sizeof(where), "%s.%s[%zu]", at, key, i);
        if (scalar_text(p, json_array_get(v, i), where, &(*out)[i])) return -1;
    }
    return 0;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(isalnum((unsigned char)c) || c == '_' || (c == '-' && i > 0))) return false;
    }
    return true;
}

static int get_name(parser *p, const json_t *obj, const char *at, char **out)
{
    if (get_str(p, obj, "name", at, out)) return -1;
    if (!*out) return pf_fail(p->e, CODE, "'%s.name' is required", at);
    if (!valid_name(*out))
        return pf_fail(p->e, CODE,
                       "'%s.name' is not a valid name: '%s' (letters, digits, '_' and '-', at "
                       "most 128, not starting with '-')",
                       at, *out);
    return 0;
}

/* ---- parameters ------------------------------------------------------------------------- */

/* A list of {name, value[, default]}; `with_default` for inputs.parameters, `need_value` for
 * spec.arguments.parameters. */
static int parse_params(parser *p, const json_t *list, const char *at, bool with_default,
                        bool need_value, wf_kv **out, size_t *n)
{
    if (need_array(p, list, at)) return -1;
    static const char *const INPUT_KEYS[] = {"name", "value", "default", NULL};
    static const char *const ARG_KEYS[] = {"name", "value", NULL};
    *n = json_array_size(list);
    *out = wf_xcalloc(*n, sizeof(wf_kv));
    for (size_t i = 0; i < *n; i++) {
        json_t *o = json_array_get(list, i);
        char where[600];
        snprintf(where, sizeof(where), "%s[%zu]", at, i);
        if (need_object(p, o, where)) return -1;
        if (check_fields(p, o, where, with_default ? INPUT_KEYS : ARG_KEYS)) return -1;
        wf_kv *kv = &(*out)[i];
        if (get_name(p, o, where, &kv->name)) return -1;
        snprintf(where, sizeof(where), "%s[%s]", at, kv->name);
        json_t *v = field(o, "value");
        if (v && scalar_text(p, v, where, &kv->value)) return -1;
        v = field(o, "default");
        if (v && scalar_text(p, v, where, &kv->deflt)) return -1;
        if (need_value && !kv->value) return pf_fail(p->e, CODE, "'%s.value' is required", where);
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j].name, kv->name) == 0)
                return pf_fail(p->e, CODE, "duplicate parameter name '%s' in %s", kv->name, at);
    }
    return 0;
}

static int parse_arguments(parser *p, const json_t *obj, const char *at, bool need_value,
                           wf_kv **out, size_t *n)
{
    json_t *args = field(obj, "arguments");
    if (!args) return 0;
    char where[600];
    snprintf(where, sizeof(where), "%s.arguments", at);
    static const char *const KEYS[] = {"parameters", NULL};
    if (need_object(p, args, where) || check_fields(p, args, where, KEYS)) return -1;
    json_t *params = field(args, "parameters");
    if (!params) return 0;
    snprintf(where, sizeof(where), "%s.arguments.parameters", at);
    return parse_params(p, params, where, false, need_value, out, n);
}

/* ---- calls (steps and tasks) ------------------------------------------------------------ */

static int parse_loop(parser *p, const json_t *o, const char *at, wf_call *c)
{
    json_t *items = field(o, "withItems");
    if (items) {
        char where[600];
        snprintf(where, sizeof(where), "%s.withItems", at);
        if (need_array(p, items, where)) return -1;
        if (json_array_size(items) > WF_MAX_ITEMS)
            return pf_fail(p->e, CODE, "'%s' has more than %d items", where, WF_MAX_ITEMS);
        c->with_items = json_deep_copy(items);
    }
    if (get_str(p, o, "withParam", at, &c->with_param)) return -1;
    if (c->with_items && c->with_param)
        return pf_fail(p->e, CODE, "'%s' has both withItems and withParam", at);
    return 0;
}

static int parse_call(parser *p, const json_t *o, const char *at, bool dag, wf_call *c)
{
    static const char *const STEP_KEYS[] = {"name",      "template",  "arguments", "when",
                                            "withItems", "withParam", NULL};
    static const char *const TASK_KEYS[] = {"name",    "template",     "arguments",
                                            "when",    "withItems",    "withParam",
                                            "depends", "dependencies", NULL};
    if (need_object(p, o, at) || check_fields(p, o, at, dag ? TASK_KEYS : STEP_KEYS)) return -1;
    if (get_name(p, o, at, &c->name)) return -1;
    if (get_str(p, o, "template", at, &c->template_name)) return -1;
    if (!c->template_name) return pf_fail(p->e, CODE, "'%s.template' is required", at);
    if (parse_arguments(p, o, at, true, &c->args, &c->n_args)) return -1;
    if (get_str(p, o, "when", at, &c->when)) return -1;
    if (parse_loop(p, o, at, c)) return -1;
    if (!dag) return 0;
    if (get_str(p, o, "depends", at, &c->depends_src)) return -1;
    json_t *deps = field(o, "dependencies");
    if (!deps) return 0;
    if (c->depends_src)
        return pf_fail(p->e, CODE, "'%s' cannot use both depends and dependencies", at);
    char where[600];
    snprintf(where, sizeof(where), "%s.dependencies", at);
    if (need_array(p, deps, where)) return -1;
    char *joined = wf_xstrdup("");
    for (size_t i = 0; i < json_array_size(deps); i++) {
        json_t *d = json_array_get(deps, i);
        if (!json_is_string(d) || !valid_name(json_string_value(d))) {
            free(joined);
            return pf_fail(p->e, CODE, "'%s[%zu]' must be a task name", where, i);
        }
        char *next = wf_xasprintf("%s%s%s", joined, i ? " && " : "", json_string_value(d));
        free(joined);
        joined = next;
    }
    if (joined[0])
        c->depends_src = joined;
    else
        free(joined);
    return 0;
}

/* ---- templates -------------------------------------------------------------------------- */

static int parse_env(parser *p, const json_t *obj, const char *at, wf_template *t)
{
    json_t *env = field(obj, "env");
    if (!env) return 0;
    char where[600];
    snprintf(where, sizeof(where), "%s.env", at);
    if (need_array(p, env, where)) return -1;
    static const char *const KEYS[] = {"name", "value", NULL};
    t->n_env = json_array_size(env);
    t->env = wf_xcalloc(t->n_env, sizeof(wf_kv));
    for (size_t i = 0; i < t->n_env; i++) {
        json_t *o = json_array_get(env, i);
        snprintf(where, sizeof(where), "%s.env[%zu]", at, i);
        if (need_object(p, o, where) || check_fields(p, o, where, KEYS)) return -1;
        if (get_str(p, o, "name", where, &t->env[i].name)) return -1;
        if (!t->env[i].name || !t->env[i].name[0])
            return pf_fail(p->e, CODE, "'%s.name' is required", where);
        json_t *v = field(o, "value");
        if (v && scalar_text(p, v, where, &t->env[i].value)) return -1;
        if (!v) t->env[i].value = wf_xstrdup("");
    }
    return 0;
}

static int parse_container(parser *p, const json_t *c, const char *at, wf_template *t, bool script)
{
    static const char *const CKEYS[] = {"image", "command", "args", "env", NULL};
    static const char *const SKEYS[] = {"image", "command", "args", "env", "source", NULL};
    if (need_object(p, c, at) || check_fields(p, c, at, script ? SKEYS : CKEYS)) return -1;
    if (get_str(p, c, "image", at, &t->image)) return -1;
    if (str_list(p, c, "command", at, &t->command, &t->n_command)) return -1;
    if (str_list(p, c, "args", at, &t->args, &t->n_args)) return -1;
    if (parse_env(p, c, at, t)) return -1;
    if (script && get_str(p, c, "source", at, &t->source)) return -1;
    if (t->n_command == 0)
        return pf_fail(p->e, CODE,
                       "'%s.command' is required: the local runtime runs commands, it cannot use "
                       "an image's entrypoint",
                       at);
    if (script && !t->source) return pf_fail(p->e, CODE, "'%s.source' is required", at);
    return 0;
}

static int parse_steps(parser *p, const json_t *steps, const char *at, wf_template *t)
{
    if (need_array(p, steps, at)) return -1;
    t->n_groups = json_array_size(steps);
    if (t->n_groups == 0) return pf_fail(p->e, CODE, "'%s' is empty", at);
    t->groups = wf_xcalloc(t->n_groups, sizeof(wf_group));
    for (size_t g = 0; g < t->n_groups; g++) {
        json_t *grp = json_array_get(steps, g);
        char where[600];
        snprintf(where, sizeof(where), "%s[%zu]", at, g);
        if (need_array(p, grp, where)) return -1;
        wf_group *G = &t->groups[g];
        G->n = json_array_size(grp);
        if (G->n == 0) return pf_fail(p->e, CODE, "step group '%s' is empty", where);
        G->steps = wf_xcalloc(G->n, sizeof(wf_call));
        for (size_t i = 0; i < G->n; i++) {
            snprintf(where, sizeof(where), "%s[%zu][%zu]", at, g, i);
            if (parse_call(p, json_array_get(grp, i), where, false, &G->steps[i])) return -1;
            for (size_t h = 0; h <= g; h++)
                for (size_t j = 0; j < (h == g ? i : t->groups[h].n); j++)
                    if (strcmp(t->groups[h].steps[j].name, G->steps[i].name) == 0)
                        return pf_fail(p->e, CODE, "duplicate step name '%s' in %s",
                                       G->steps[i].name, at);
        }
    }
    return 0;
}

static int parse_dag(parser *p, const json_t *dag, const char *at, wf_template *t)
{
    static const char *const KEYS[] = {"tasks", NULL};
    if (need_object(p, dag, at) || check_fields(p, dag, at, KEYS)) return -1;
    json_t *tasks = field(dag, "tasks");
    char where[600];
    snprintf(where, sizeof(where), "%s.tasks", at);
    if (!tasks) return pf_fail(p->e, CODE, "'%s' is required", where);
    if (need_array(p, tasks, where)) return -1;
    t->n_tasks = json_array_size(tasks);
    if (t->n_tasks == 0) return pf_fail(p->e, CODE, "'%s' is empty", where);
    t->tasks = wf_xcalloc(t->n_tasks, sizeof(wf_call));
    for (size_t i = 0; i < t->n_tasks; i++) {
        snprintf(where, sizeof(where), "%s.tasks[%zu]", at, i);
        if (parse_call(p, json_array_get(tasks, i), where, true, &t->tasks[i])) return -1;
        if (wf_map_get(&t->task_map, t->tasks[i].name, NULL))
            return pf_fail(p->e, CODE, "duplicate task name '%s' in %s.tasks", t->tasks[i].name,
                           at);
        wf_map_put(&t->task_map, t->tasks[i].name, i);
    }
    return 0;
}

static int parse_template(parser *p, const json_t *o, size_t idx, wf_template *t)
{
    static const char *const KEYS[] = {"name",  "inputs", "container",     "script",
                                       "steps", "dag",    "retryStrategy", "activeDeadlineSeconds",
                                       NULL};
    char at[600];
    snprintf(at, sizeof(at), "spec.templates[%zu]", idx);
    t->retry_limit = -1;
    if (need_object(p, o, at)) return -1;
    if (get_name(p, o, at, &t->name)) return -1;
    snprintf(at, sizeof(at), "spec.templates[%s]", t->name);
    if (check_fields(p, o, at, KEYS)) return -1;

    static const char *const KINDS[] = {"container", "script", "steps", "dag"};
    int kinds = 0;
    for (int k = 0; k < 4; k++) {
        if (field(o, KINDS[k])) {
            t->kind = (wf_kind)k;
            kinds++;
        }
    }
    if (kinds != 1)
        return pf_fail(p->e, CODE,
                       "template '%s' must have exactly one of container, script, "
                       "steps or dag",
                       t->name);

    json_t *inputs = field(o, "inputs");
    if (inputs) {
        char where[600];
        snprintf(where, sizeof(where), "%s.inputs", at);
        static const char *const IKEYS[] = {"parameters", NULL};
        if (need_object(p, inputs, where) || check_fields(p, inputs, where, IKEYS)) return -1;
        json_t *params = field(inputs, "parameters");
        snprintf(where, sizeof(where), "%s.inputs.parameters", at);
        if (params && parse_params(p, params, where, true, false, &t->inputs, &t->n_inputs))
            return -1;
    }
    json_t *retry = field(o, "retryStrategy");
    if (retry) {
        char where[600];
        snprintf(where, sizeof(where), "%s.retryStrategy", at);
        static const char *const RKEYS[] = {"limit", NULL};
        if (need_object(p, retry, where) || check_fields(p, retry, where, RKEYS)) return -1;
        t->retry_limit = 0;
        if (get_int(p, retry, "limit", where, 0, &t->retry_limit)) return -1;
        if (t->retry_limit > 1000)
            return pf_fail(p->e, CODE, "'%s.limit' must be at most 1000", where);
    }
    if (get_int(p, o, "activeDeadlineSeconds", at, 1, &t->deadline_s)) return -1;
    if (t->deadline_s) p->wf->has_deadlines = true;

    char where[600];
    snprintf(where, sizeof(where), "%s.%s", at, KINDS[t->kind]);
    json_t *body = field(o, KINDS[t->kind]);
    switch (t->kind) {
    case WF_K_CONTAINER:
        return parse_container(p, body, where, t, false);
    case WF_K_SCRIPT:
        return parse_container(p, body, where, t, true);
    case WF_K_STEPS:
        return parse_steps(p, body, where, t);
    case WF_K_DAG:
        return parse_dag(p, body, where, t);
    }
    return 0;
}

/* ---- cross references ------------------------------------------------------------------- */

static int resolve_call(parser *p, wf_call *c, const char *at)
{
    size_t idx;
    if (!wf_map_get(&p->wf->tmpl_map, c->template_name, &idx))
        return pf_fail(p->e, CODE, "unknown template '%s' in %s", c->template_name, at);
    c->tmpl = idx;
    return 0;
}

static size_t task_lookup(void *ud, const char *name, size_t len)
{
    const wf_template *t = ud;
    char buf[160];
    if (len >= sizeof(buf)) return WF_NONE;
    memcpy(buf, name, len);
    buf[len] = '\0';
    size_t idx;
    return wf_map_get(&t->task_map, buf, &idx) ? idx : WF_NONE;
}

/* Kahn's algorithm; on a cycle, walks dependencies among the unsorted tasks to show one. */
static int topo_sort(parser *p, wf_template *t)
{
    size_t n = t->n_tasks;
    size_t *missing = wf_xcalloc(n, sizeof(size_t)); /* unsorted dependencies per task */
    bool *done = wf_xcalloc(n, sizeof(bool));
    t->topo = wf_xcalloc(n, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        missing[i] = t->tasks[i].n_deps;
    size_t sorted = 0;
    /* repeated passes keep declaration order among ready tasks; n is small enough */
    for (bool progress = true; progress && sorted < n;) {
        progress = false;
        for (size_t i = 0; i < n; i++) {
            if (done[i] || missing[i]) continue;
            done[i] = true;
            t->topo[sorted++] = i;
            progress = true;
            for (size_t j = 0; j < n; j++)
                for (size_t d = 0; d < t->tasks[j].n_deps; d++)
                    if (t->tasks[j].deps[d] == i) missing[j]--;
        }
    }
    int r = 0;
    if (sorted < n) {
        size_t cur = 0;
        while (done[cur])
            cur++;
        size_t *seen = wf_xcalloc(n, sizeof(size_t)); /* step number + 1 */
        size_t steps = 0;
        while (!seen[cur]) {
            seen[cur] = ++steps;
            for (size_t d = 0; d < t->tasks[cur].n_deps; d++) {
                size_t dep = t->tasks[cur].deps[d];
                if (!done[dep]) {
                    cur = dep;
                    break;
                }
            }
        }
        char path[400] = "";
        size_t start = cur;
        do {
            size_t len = strlen(path);
            snprintf(path + len, sizeof(path) - len, "%s -> ", t->tasks[cur].name);
            for (size_t d = 0; d < t->tasks[cur].n_deps; d++) {
                if (!done[t->tasks[cur].deps[d]]) {
                    cur = t->tasks[cur].deps[d];
                    break;
                }
            }
        } while (cur != start && strlen(path) < 300);
        size_t len = strlen(path);
        snprintf(path + len, sizeof(path) - len, "%s", t->tasks[start].name);
        r = pf_fail(p->e, CODE, "cycle in DAG template '%s': %s (each task depends on the next)",
                    t->name, path);
        free(seen);
    }
    free(missing);
    free(done);
    return r;
}

/* The reverse of a more efficient approach: O(n^2) only in the number of tasks of one DAG,
 * once, at parse time. */
static void mark_dependents(wf_template *t)
{
    for (size_t i = 0; i < t->n_tasks; i++)
        for (size_t d = 0; d < t->tasks[i].n_deps; d++)
            t->tasks[t->tasks[i].deps[d]].has_dependents = true;
}

static int resolve_dag(parser *p, wf_template *t)
{
    for (size_t i = 0; i < t->n_tasks; i++) {
        wf_call *c = &t->tasks[i];
        char at[600];
        snprintf(at, sizeof(at), "spec.templates[%s].dag.tasks[%s]", t->name, c->name);
        if (resolve_call(p, c, at)) return -1;
        if (!c->depends_src) continue;
        char err[WF_ERR_MAX];
        if (wf_depends_compile(c->depends_src, task_lookup, t, &c->depends, &c->deps, &c->n_deps,
                               err, sizeof(err)))
            return pf_fail(p->e, CODE, "bad depends expression '%s' in %s: %s", c->depends_src, at,
                           err);
        for (size_t d = 0; d < c->n_deps; d++)
            if (c->deps[d] == i)
                return pf_fail(p->e, CODE,
                               "cycle in DAG template '%s': task '%s' depends on "
                               "itself",
                               t->name, c->name);
    }
    if (topo_sort(p, t)) return -1;
    mark_dependents(t);
    return 0;
}

static int resolve_templates(parser *p)
{
    pf_wf *wf = p->wf;
    for (size_t i = 0; i < wf->n_templates; i++) {
        wf_template *t = &wf->templates[i];
        if (t->kind == WF_K_DAG && resolve_dag(p, t)) return -1;
        if (t->kind != WF_K_STEPS) continue;
        for (size_t g = 0; g < t->n_groups; g++) {
            for (size_t s = 0; s < t->groups[g].n; s++) {
                char at[600];
                snprintf(at, sizeof(at), "spec.templates[%s].steps[%zu][%s]", t->name, g,
                         t->groups[g].steps[s].name);
                if (resolve_call(p, &t->groups[g].steps[s], at)) return -1;
            }
        }
    }
    return 0;
}

/* ---- reference checks ------------------------------------------------------------------- */

typedef struct refctx {
    const pf_wf *wf;
    const wf_template *t; /* template whose text is checked */
    const wf_call *call;  /* step/task whose fields are checked (NULL for container/script) */
    size_t group;         /* steps: group of the call */
    size_t task;          /* dag: index of the call */
    bool item;            /* {{item}} in scope */
} refctx;

static bool declares_input(const wf_template *t, const char *name)
{
    for (size_t i = 0; i < t->n_inputs; i++)
        if (strcmp(t->inputs[i].name, name) == 0) return true;
    return false;
}

static bool has_result(const pf_wf *wf, const wf_call *c)
{
    wf_kind k = wf->templates[c->tmpl].kind;
    return k == WF_K_CONTAINER || k == WF_K_SCRIPT;
}

static bool is_ancestor(const wf_template *t, size_t task, size_t anc, bool *seen)
{
    for (size_t d = 0; d < t->tasks[task].n_deps; d++) {
        size_t dep = t->tasks[task].deps[d];
        if (dep == anc) return true;
        if (seen[dep]) continue;
        seen[dep] = true;
        if (is_ancestor(t, dep, anc, seen)) return true;
    }
    return false;
}

/* "<prefix>NAME.outputs.result" → NAME in buf, or false. */
static bool result_ref(const char *ref, const char *prefix, char *buf, size_t len)
{
    size_t pl = strlen(prefix);
    if (strncmp(ref, prefix, pl) != 0) return false;
    const char *name = ref + pl;
    const char *dot = strchr(name, '.');
    if (!dot || strcmp(dot, ".outputs.result") != 0 || (size_t)(dot - name) >= len) return false;
    memcpy(buf, name, (size_t)(dot - name));
    buf[dot - name] = '\0';
    return true;
}

static char *check_task_ref(const refctx *r, const char *name, const char *ref, char *err,
                            size_t errlen)
{
    size_t idx;
    const wf_template *t = r->t;
    if (!wf_map_get(&t->task_map, name, &idx)) {
        snprintf(err, errlen, "unknown parameter reference '{{%s}}': no task '%s' in this DAG", ref,
                 name);
        return NULL;
    }
    bool *seen = wf_xcalloc(t->n_tasks, sizeof(bool));
    bool anc = is_ancestor(t, r->task, idx, seen);
    free(seen);
    if (!anc) {
        snprintf(err, errlen,
                 "unknown parameter reference '{{%s}}': task '%s' is not a dependency of '%s'", ref,
                 name, t->tasks[r->task].name);
        return NULL;
    }
    if (!has_result(r->wf, &t->tasks[idx])) {
        snprintf(err, errlen,
                 "unknown parameter reference '{{%s}}': only container and script templates "
                 "produce outputs.result",
                 ref);
        return NULL;
    }
    return wf_xstrdup("x");
}

static char *check_step_ref(const refctx *r, const char *name, const char *ref, char *err,
                            size_t errlen)
{
    for (size_t g = 0; g < r->group; g++) {
        for (size_t s = 0; s < r->t->groups[g].n; s++) {
            const wf_call *c = &r->t->groups[g].steps[s];
            if (strcmp(c->name, name) != 0) continue;
            if (!has_result(r->wf, c)) {
                snprintf(err, errlen,
                         "unknown parameter reference '{{%s}}': only container and script "
                         "templates produce outputs.result",
                         ref);
                return NULL;
            }
            return wf_xstrdup("x");
        }
    }
    snprintf(err, errlen,
             "unknown parameter reference '{{%s}}': no step '%s' in an earlier "
             "step group",
             ref, name);
    return NULL;
}

static char *check_ref(void *ud, const char *ref, char *err, size_t errlen)
{
    const refctx *r = ud;
    char name[160];
    if (strncmp(ref, "inputs.parameters.", 18) == 0) {
        if (declares_input(r->t, ref + 18)) return wf_xstrdup("x");
        snprintf(err, errlen,
                 "unknown parameter reference '{{%s}}': template '%s' has no input parameter "
                 "'%s'",
                 ref, r->t->name, ref + 18);
        return NULL;
    }
    if (strncmp(ref, "workflow.parameters.", 20) == 0) {
        if (wf_param_value(r->wf, ref + 20)) return wf_xstrdup("x");
        snprintf(err, errlen,
                 "unknown parameter reference '{{%s}}': no workflow parameter '%s' in "
                 "spec.arguments.parameters",
                 ref, ref + 20);
        return NULL;
    }
    if (strcmp(ref, "workflow.name") == 0 || strcmp(ref, "workflow.namespace") == 0 ||
        strcmp(ref, "workflow.status") == 0)
        return wf_xstrdup("x");
    if (strcmp(ref, "item") == 0 || strncmp(ref, "item.", 5) == 0) {
        if (r->item) return wf_xstrdup("x");
        snprintf(err, errlen,
                 "unknown parameter reference '{{%s}}': {{item}} is only defined in a step or "
                 "task with withItems or withParam",
                 ref);
        return NULL;
    }
    if (r->call && r->t->kind == WF_K_DAG && result_ref(ref, "tasks.", name, sizeof(name)))
        return check_task_ref(r, name, ref, err, errlen);
    if (r->call && r->t->kind == WF_K_STEPS && result_ref(ref, "steps.", name, sizeof(name)))
        return check_step_ref(r, name, ref, err, errlen);
    snprintf(err, errlen, "unknown parameter reference '{{%s}}'", ref);
    return NULL;
}

static int check_text(parser *p, const refctx *r, const char *text, const char *at)
{
    char err[WF_ERR_MAX];
    char *out = wf_subst(text, check_ref, (void *)r, err, sizeof(err));
    if (!out) return pf_fail(p->e, CODE, "%s in %s", err, at);
    free(out);
    return 0;
}

static int check_pod_template(parser *p, const wf_template *t)
{
    refctx r = {.wf = p->wf, .t = t};
    char at[600];
    const char *kind = t->kind == WF_K_SCRIPT ? "script" : "container";
    for (size_t i = 0; i < t->n_command; i++) {
        snprintf(at, sizeof(at), "spec.templates[%s].%s.command[%zu]", t->name, kind, i);
        if (check_text(p, &r, t->command[i], at)) return -1;
    }
    for (size_t i = 0; i < t->n_args; i++) {
        snprintf(at, sizeof(at), "spec.templates[%s].%s.args[%zu]", t->name, kind, i);
        if (check_text(p, &r, t->args[i], at)) return -1;
    }
    for (size_t i = 0; i < t->n_env; i++) {
        snprintf(at, sizeof(at), "spec.templates[%s].%s.env[%s]", t->name, kind, t->env[i].name);
        if (check_text(p, &r, t->env[i].value, at)) return -1;
    }
    snprintf(at, sizeof(at), "spec.templates[%s].%s.image", t->name, kind);
    if (t->image && check_text(p, &r, t->image, at)) return -1;
    snprintf(at, sizeof(at), "spec.templates[%s].script.source", t->name);
    if (t->source && check_text(p, &r, t->source, at)) return -1;
    return 0;
}

/* Every input the called template needs without a value or default must be passed. */
static int check_required(parser *p, const wf_template *callee, const wf_kv *args, size_t n,
                          const char *at)
{
    for (size_t i = 0; i < callee->n_inputs; i++) {
        const wf_kv *in = &callee->inputs[i];
        if (in->value || in->deflt) continue;
        bool given = false;
        for (size_t a = 0; a < n; a++)
            if (strcmp(args[a].name, in->name) == 0) given = true;
        if (!given)
            return pf_fail(p->e, CODE,
                           "missing required input parameter '%s' of template '%s' in %s "
                           "(inputs.parameters.%s has no value or default)",
                           in->name, callee->name, at, in->name);
    }
    return 0;
}

static int check_call(parser *p, refctx *r, const wf_call *c, const char *at)
{
    char where[700];
    r->call = c;
    r->item = false;
    if (c->with_param) {
        snprintf(where, sizeof(where), "%s.withParam", at);
        if (check_text(p, r, c->with_param, where)) return -1;
        if (!strstr(c->with_param, "{{")) {
            json_t *j = json_loads(c->with_param, JSON_DECODE_ANY, NULL);
            bool ok = json_is_array(j);
            json_decref(j);
            if (!ok)
                return pf_fail(p->e, CODE,
                               "withParam value could not be parsed as a JSON list "
                               "in %s: %s",
                               at, c->with_param);
        }
    }
    for (size_t i = 0; c->with_items && i < json_array_size(c->with_items); i++) {
        json_t *it = json_array_get(c->with_items, i);
        snprintf(where, sizeof(where), "%s.withItems[%zu]", at, i);
        if (json_is_string(it) && check_text(p, r, json_string_value(it), where)) return -1;
    }
    r->item = c->with_items || c->with_param;
    for (size_t i = 0; i < c->n_args; i++) {
        snprintf(where, sizeof(where), "%s.arguments.parameters[%s].value", at, c->args[i].name);
        if (check_text(p, r, c->args[i].value, where)) return -1;
    }
    if (c->when) {
        snprintf(where, sizeof(where), "%s.when", at);
        char err[WF_ERR_MAX];
        char *subst = wf_subst(c->when, check_ref, r, err, sizeof(err));
        if (!subst) return pf_fail(p->e, CODE, "%s in %s", err, where);
        int bad = wf_when_check(subst, err, sizeof(err));
        free(subst);
        if (bad) return pf_fail(p->e, CODE, "bad when expression '%s' in %s: %s", c->when, at, err);
    }
    return check_required(p, &p->wf->templates[c->tmpl], c->args, c->n_args, at);
}

/* Input values and defaults may use workflow-level references only. */
static int check_inputs(parser *p, const wf_template *t)
{
    static const wf_template no_inputs = {.name = (char *)"(inputs)"};
    refctx r = {.wf = p->wf, .t = &no_inputs};
    for (size_t i = 0; i < t->n_inputs; i++) {
        char at[600];
        snprintf(at, sizeof(at), "spec.templates[%s].inputs.parameters[%s]", t->name,
                 t->inputs[i].name);
        if (t->inputs[i].value && check_text(p, &r, t->inputs[i].value, at)) return -1;
        if (t->inputs[i].deflt && check_text(p, &r, t->inputs[i].deflt, at)) return -1;
    }
    return 0;
}

static int check_references(parser *p)
{
    const pf_wf *wf = p->wf;
    for (size_t i = 0; i < wf->n_templates; i++) {
        const wf_template *t = &wf->templates[i];
        refctx r = {.wf = wf, .t = t};
        char at[600];
        if (check_inputs(p, t)) return -1;
        switch (t->kind) {
        case WF_K_CONTAINER:
        case WF_K_SCRIPT:
            if (check_pod_template(p, t)) return -1;
            break;
        case WF_K_STEPS:
            for (size_t g = 0; g < t->n_groups; g++) {
                for (size_t s = 0; s < t->groups[g].n; s++) {
                    snprintf(at, sizeof(at), "spec.templates[%s].steps[%zu][%s]", t->name, g,
                             t->groups[g].steps[s].name);
                    r.group = g;
                    if (check_call(p, &r, &t->groups[g].steps[s], at)) return -1;
                }
            }
            break;
        case WF_K_DAG:
            for (size_t k = 0; k < t->n_tasks; k++) {
                snprintf(at, sizeof(at), "spec.templates[%s].dag.tasks[%s]", t->name,
                         t->tasks[k].name);
                r.task = k;
                if (check_call(p, &r, &t->tasks[k], at)) return -1;
            }
            break;
        }
    }
    return 0;
}

/* ---- top level -------------------------------------------------------------------------- */

static int parse_spec(parser *p, const json_t *spec)
{
    pf_wf *wf = p->wf;
    static const char *const KEYS[] = {
        "entrypoint", "arguments", "templates", "onExit", "activeDeadlineSeconds", NULL};
    if (need_object(p, spec, "spec") || check_fields(p, spec, "spec", KEYS)) return -1;
    if (parse_arguments(p, spec, "spec", true, &wf->params, &wf->n_params)) return -1;
    if (get_int(p, spec, "activeDeadlineSeconds", "spec", 1, &wf->deadline_s)) return -1;
    if (wf->deadline_s) wf->has_deadlines = true;

    json_t *tmpls = field(spec, "templates");
    if (!tmpls) return pf_fail(p->e, CODE, "spec.templates is missing");
    if (need_array(p, tmpls, "spec.templates")) return -1;
    wf->n_templates = json_array_size(tmpls);
    if (wf->n_templates == 0) return pf_fail(p->e, CODE, "spec.templates is empty");
    wf->templates = wf_xcalloc(wf->n_templates, sizeof(wf_template));
    for (size_t i = 0; i < wf->n_templates; i++) {
        if (parse_template(p, json_array_get(tmpls, i), i, &wf->templates[i])) return -1;
        if (wf_map_get(&wf->tmpl_map, wf->templates[i].name, NULL))
            return pf_fail(p->e, CODE, "duplicate template name '%s' in spec.templates",
                           wf->templates[i].name);
        wf_map_put(&wf->tmpl_map, wf->templates[i].name, i);
    }

    char *entry = NULL, *on_exit = NULL;
    int r = get_str(p, spec, "entrypoint", "spec", &entry);
    if (!r) r = get_str(p, spec, "onExit", "spec", &on_exit);
    if (!r && (!entry || !entry[0])) r = pf_fail(p->e, CODE, "spec.entrypoint is missing");
    if (!r && !wf_map_get(&wf->tmpl_map, entry, &wf->entry))
        r = pf_fail(p->e, CODE, "unknown template '%s' in spec.entrypoint", entry);
    if (!r && on_exit && !wf_map_get(&wf->tmpl_map, on_exit, &wf->on_exit))
        r = pf_fail(p->e, CODE, "unknown template '%s' in spec.onExit", on_exit);
    free(entry);
    free(on_exit);
    if (r) return -1;

    if (resolve_templates(p) || check_references(p)) return -1;
    /* the workflow's arguments are the entrypoint's (and the exit handler's) arguments */
    if (check_required(p, &wf->templates[wf->entry], wf->params, wf->n_params, "spec.entrypoint"))
        return -1;
    if (wf->on_exit != WF_NONE &&
        check_required(p, &wf->templates[wf->on_exit], wf->params, wf->n_params, "spec.onExit"))
        return -1;
    /* the exit handler's node is "<wf>.onExit", the name a root DAG task "onExit" would get */
    const wf_template *entry_t = &wf->templates[wf->entry];
    if (wf->on_exit != WF_NONE && entry_t->kind == WF_K_DAG &&
        wf_map_get(&entry_t->task_map, "onExit", NULL))
        return pf_fail(p->e, CODE,
                       "task name 'onExit' in the entrypoint DAG '%s' clashes with "
                       "the exit handler's node; rename the task",
                       entry_t->name);
    return 0;
}

static int parse_top(parser *p, const json_t *j, const char *name, const char *ns)
{
    pf_wf *wf = p->wf;
    if (!json_is_object(j)) return pf_fail(p->e, CODE, "the workflow must be a JSON object");
    static const char *const KEYS[] = {"apiVersion", "kind", "metadata", "spec", NULL};
    if (check_fields(p, j, "workflow", KEYS)) return -1;
    json_t *v = field(j, "apiVersion");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), "argoproj.io/v1alpha1") != 0))
        return pf_fail(p->e, CODE, "unsupported apiVersion (only argoproj.io/v1alpha1)");
    v = field(j, "kind");
    if (v && (!json_is_string(v) || strcmp(json_string_value(v), "Workflow") != 0))
        return pf_fail(p->e, CODE, "unsupported kind (only Workflow)");
    json_t *meta = field(j, "metadata");
    if (meta && need_object(p, meta, "metadata")) return -1;
    char *mname = NULL, *mns = NULL;
    if (meta && (get_str(p, meta, "name", "metadata", &mname) ||
                 get_str(p, meta, "namespace", "metadata", &mns))) {
        free(mname);
        return -1;
    }
    wf->name = wf_xstrdup(name && name[0] ? name : mname && mname[0] ? mname : "workflow");
    wf->ns = wf_xstrdup(ns && ns[0] ? ns : mns && mns[0] ? mns : "default");
    free(mname);
    free(mns);
    json_t *spec = field(j, "spec");
    if (!spec) return pf_fail(p->e, CODE, "the workflow has no spec");
    return parse_spec(p, spec);
}

pf_wf *pf_wf_parse(const json_t *workflow, const char *name, const char *ns, pf_error *e)
{
    pf_wf *wf = wf_xcalloc(1, sizeof(*wf));
    wf->entry = WF_NONE;
    wf->on_exit = WF_NONE;
    parser p = {.wf = wf, .e = e};
    if (parse_top(&p, workflow, name, ns)) {
        pf_error_prefix(e, "invalid workflow: ");
        pf_wf_free(wf);
        return NULL;
    }
    return wf;
}

/* ---- lookups and cleanup ---------------------------------------------------------------- */

const wf_template *wf_find_template(const pf_wf *wf, const char *name)
{
    size_t idx;
    return wf_map_get(&wf->tmpl_map, name, &idx) ? &wf->templates[idx] : NULL;
}

const char *wf_param_value(const pf_wf *wf, const char *name)
{
    for (size_t i = 0; i < wf->n_params; i++)
        if (strcmp(wf->params[i].name, name) == 0) return wf->params[i].value;
    return NULL;
}

const char *pf_wf_name(const pf_wf *wf)
{
    return wf->name;
}

static void free_kvs(wf_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
        free(kv[i].deflt);
    }
    free(kv);
}

static void free_strs(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

static void free_calls(wf_call *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].template_name);
        free_kvs(c[i].args, c[i].n_args);
        free(c[i].when);
        json_decref(c[i].with_items);
        free(c[i].with_param);
        free(c[i].depends_src);
        wf_dep_expr_free(&c[i].depends);
        free(c[i].deps);
    }
    free(c);
}

static void free_template(wf_template *t)
{
    free(t->name);
    free_kvs(t->inputs, t->n_inputs);
    free(t->image);
    free_strs(t->command, t->n_command);
    free_strs(t->args, t->n_args);
    free_kvs(t->env, t->n_env);
    free(t->source);
    for (size_t g = 0; g < t->n_groups; g++)
        free_calls(t->groups[g].steps, t->groups[g].n);
    free(t->groups);
    free_calls(t->tasks, t->n_tasks);
    free(t->topo);
    wf_map_free(&t->task_map);
}

void pf_wf_free(pf_wf *wf)
{
    if (!wf) return;
    free(wf->name);
    free(wf->ns);
    free_kvs(wf->params, wf->n_params);
    for (size_t i = 0; i < wf->n_templates; i++)
        free_template(&wf->templates[i]);
    free(wf->templates);
    wf_map_free(&wf->tmpl_map);
    free(wf);
}
