/* wf_engine.c — the walk that runs a workflow, modelled on Argo's controller (operator.go,
 * steps.go, dag.go): each step starts at the root node and visits every node not yet finished;
 * a node that does not exist yet is created when it becomes ready. So the node table is the
 * whole state, a restored table continues exactly where it stopped, and the same table and
 * clock always give the same actions.
 *
 * Node names follow Argo: root "<wf>", step group "<steps>[i]", step "<group>.<step>", loop
 * item "<…>.<step>(k:item)", DAG task "<dag>.<task>", retry attempt "<node>(k)", exit handler
 * "<wf>.onExit".
 *
 * Stopping (user terminate, workflow deadline, a steps/dag template's deadline) reuses the walk
 * with a reason: running tasks get CANCEL actions and end Failed with the reason, nodes that
 * would have been created end Omitted, and composites settle as their children did.
 *
 * Cost: one walk visits the unfinished part of the tree plus, for each unfinished DAG, each of
 * its tasks once (task → node index is cached on the DAG node); a step runs the walk until
 * nothing changes (normally twice). */
#include "server/workflow/wf_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define STOP_TERMINATE "Stopped with strategy 'Terminate'"

typedef struct ctx {
    const pf_wf *wf;
    pf_wf_state *st;
    int64_t now;
    pf_wf_action *acts;
    size_t n_acts, cap_acts;
    const char *wf_status; /* {{workflow.status}}: "Running" in the main flow */
    int changed;
    int depth;
} ctx;

#define NODE(c, i) (&(c)->st->nodes[(i)])

static void exec_node(ctx *c, size_t idx, const char *stop);

/* ---- small helpers ---------------------------------------------------------------------- */

static bool fulfilled(ctx *c, size_t idx)
{
    return wf_phase_fulfilled(NODE(c, idx)->phase);
}

static pf_wf_action *push_action(ctx *c)
{
    if (c->n_acts == c->cap_acts) {
        c->cap_acts = c->cap_acts ? c->cap_acts * 2 : 8;
        c->acts = wf_xrealloc(c->acts, c->cap_acts * sizeof(pf_wf_action));
    }
    return &c->acts[c->n_acts++];
}

static size_t add_node(ctx *c, const char *name, const char *display, const char *tmpl,
                       wf_ntype type, wf_phase phase, size_t parent, const char *msg)
{
    size_t idx = wf_node_add(c->st, c->wf->name, name, display, tmpl, type, phase, parent, c->now);
    if (msg) wf_node_set_message(NODE(c, idx), msg);
    c->changed++;
    return idx;
}

static void set_phase(ctx *c, size_t idx, wf_phase p, const char *msg)
{
    wf_node_finish(NODE(c, idx), p, msg, c->now);
    c->changed++;
}

/* A node that will not run: Skipped (when false / empty loop), Omitted, or Error. */
static size_t add_not_run(ctx *c, const char *name, const char *display, const char *tmpl,
                          size_t parent, wf_phase phase, const char *msg)
{
    return add_node(c, name, display, tmpl, WF_N_SKIPPED, phase, parent, msg);
}

static size_t add_omitted(ctx *c, const char *name, const char *display, const char *tmpl,
                          size_t parent, const char *why)
{
    char *msg = wf_xasprintf("omitted: %s", why);
    size_t idx = add_not_run(c, name, display, tmpl, parent, WF_P_OMITTED, msg);
    free(msg);
    return idx;
}

static void cancel_pod(ctx *c, size_t idx, const char *msg)
{
    wf_action_cancel(NODE(c, idx), push_action(c));
    set_phase(c, idx, WF_P_FAILED, msg);
}

/* ---- substitution scope ----------------------------------------------------------------- */

typedef struct scope {
    ctx *c;
    const json_t *inputs; /* the enclosing template's resolved inputs */
    const json_t *item;   /* loop item, or NULL */
    const wf_template *t; /* enclosing steps/dag template, or NULL */
    size_t node;          /* its Steps/DAG node */
    size_t group;         /* steps: the current group */
} scope;

static char *fail_text(char *err, size_t errlen, const char *fmt, const char *a)
{
    snprintf(err, errlen, fmt, a);
    return NULL;
}

/* outputs.result of a loop: the JSON list of its items' results (JSON values stay values). */
static char *aggregate(ctx *c, size_t parent, const char *prefix)
{
    json_t *list = json_array();
    const wf_node *p = NODE(c, parent);
    size_t plen = prefix ? strlen(prefix) : 0;
    for (size_t i = 0; i < p->n_children; i++) {
        const wf_node *ch = NODE(c, p->children[i]);
        if (ch->parent != parent || !ch->result) continue;
        if (prefix && (strncmp(ch->display, prefix, plen) != 0 || ch->display[plen] != '('))
            continue;
        json_t *v = json_loads(ch->result, JSON_DECODE_ANY, NULL);
        json_array_append_new(list, v ? v : json_string(ch->result));
    }
    char *s = json_dumps(list, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(list);
    if (!s) abort();
    return s;
}

static char *node_result(ctx *c, size_t idx, const char *ref, char *err, size_t errlen)
{
    const wf_node *n = NODE(c, idx);
    if (n->type == WF_N_TASKGROUP) return aggregate(c, idx, NULL);
    if (n->result) return wf_xstrdup(n->result);
    snprintf(err, errlen, "{{%s}} is not available: node '%s' is %s and has no result", ref,
             n->name, wf_phase_str(n->phase));
    return NULL;
}

static char *task_result(const scope *sc, const char *name, const char *ref, char *err,
                         size_t errlen)
{
    char *nn = wf_xasprintf("%s.%s", NODE(sc->c, sc->node)->name, name);
    size_t idx = wf_node_lookup(sc->c->st, nn);
    free(nn);
    if (idx == WF_NONE) return fail_text(err, errlen, "{{%s}} is not available yet", ref);
    return node_result(sc->c, idx, ref, err, errlen);
}

static char *step_result(const scope *sc, const char *name, const char *ref, char *err,
                         size_t errlen)
{
    for (size_t g = 0; g < sc->group && g < sc->t->n_groups; g++) {
        const wf_group *G = &sc->t->groups[g];
        for (size_t s = 0; s < G->n; s++) {
            if (strcmp(G->steps[s].name, name) != 0) continue;
            char *gn = wf_xasprintf("%s[%zu]", NODE(sc->c, sc->node)->name, g);
            size_t gidx = wf_node_lookup(sc->c->st, gn);
            char *nn = wf_xasprintf("%s.%s", gn, name);
            size_t idx = wf_node_lookup(sc->c->st, nn);
            free(gn);
            free(nn);
            bool loop = G->steps[s].with_items || G->steps[s].with_param;
            if (loop && idx == WF_NONE && gidx != WF_NONE) return aggregate(sc->c, gidx, name);
            if (idx == WF_NONE) break;
            return node_result(sc->c, idx, ref, err, errlen);
        }
    }
    return fail_text(err, errlen, "{{%s}} is not available", ref);
}

static char *result_name(const char *ref, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(ref, prefix, pl) != 0) return NULL;
    const char *dot = strchr(ref + pl, '.');
    if (!dot || strcmp(dot, ".outputs.result") != 0) return NULL;
    return strndup(ref + pl, (size_t)(dot - ref - pl));
}

static char *resolve(void *ud, const char *ref, char *err, size_t errlen)
{
    const scope *sc = ud;
    ctx *c = sc->c;
    if (strncmp(ref, "inputs.parameters.", 18) == 0) {
        json_t *v = sc->inputs ? json_object_get(sc->inputs, ref + 18) : NULL;
        if (json_is_string(v)) return wf_xstrdup(json_string_value(v));
        return fail_text(err, errlen, "inputs.parameters.%s was not supplied", ref + 18);
    }
    if (strncmp(ref, "workflow.parameters.", 20) == 0) {
        const char *v = wf_param_value(c->wf, ref + 20);
        if (v) return wf_xstrdup(v);
        return fail_text(err, errlen, "unknown parameter reference '{{%s}}'", ref);
    }
    if (strcmp(ref, "workflow.name") == 0) return wf_xstrdup(c->wf->name);
    if (strcmp(ref, "workflow.namespace") == 0) return wf_xstrdup(c->wf->ns);
    if (strcmp(ref, "workflow.status") == 0) return wf_xstrdup(c->wf_status);
    if (sc->item && strcmp(ref, "item") == 0) return wf_json_text(sc->item);
    if (sc->item && strncmp(ref, "item.", 5) == 0) {
        json_t *v = json_is_object(sc->item) ? json_object_get(sc->item, ref + 5) : NULL;
        if (v) return wf_json_text(v);
        return fail_text(err, errlen, "{{%s}}: the item has no such key", ref);
    }
    char *name = NULL, *out = NULL;
    if (sc->t && sc->t->kind == WF_K_DAG && (name = result_name(ref, "tasks.")))
        out = task_result(sc, name, ref, err, errlen);
    else if (sc->t && sc->t->kind == WF_K_STEPS && (name = result_name(ref, "steps.")))
        out = step_result(sc, name, ref, err, errlen);
    else
        fail_text(err, errlen, "unknown parameter reference '{{%s}}'", ref);
    free(name);
    return out;
}

/* ---- template calls --------------------------------------------------------------------- */

/* The called template's inputs: argument, else value, else default (Argo's ProcessArgs). */
static json_t *resolve_inputs(ctx *c, const wf_template *t, const json_t *args, char *err,
                              size_t errlen)
{
    json_t *in = json_object();
    scope sc = {.c = c};
    for (size_t i = 0; i < t->n_inputs; i++) {
        const wf_kv *p = &t->inputs[i];
        json_t *arg = args ? json_object_get(args, p->name) : NULL;
        char *v = NULL;
        if (json_is_string(arg))
            v = wf_xstrdup(json_string_value(arg));
        else if (p->value || p->deflt)
            v = wf_subst(p->value ? p->value : p->deflt, resolve, &sc, err, errlen);
        else
            snprintf(err, errlen, "inputs.parameters.%s was not supplied", p->name);
        if (!v) {
            json_decref(in);
            return NULL;
        }
        json_object_set_new(in, p->name, json_string(v));
        free(v);
    }
    return in;
}

static json_t *subst_list(char **items, size_t n, scope *sc, char *err, size_t errlen)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char *v = wf_subst(items[i], resolve, sc, err, errlen);
        if (!v) {
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, json_string(v));
        free(v);
    }
    return arr;
}

/* The Pod's command, env, image and script after substitution, as stored on the node. */
static json_t *build_action(ctx *c, const wf_template *t, const json_t *inputs, char *err,
                            size_t errlen)
{
    scope sc = {.c = c, .inputs = inputs};
    json_t *cmd = subst_list(t->command, t->n_command, &sc, err, errlen);
    json_t *args = cmd ? subst_list(t->args, t->n_args, &sc, err, errlen) : NULL;
    json_t *env = json_array();
    char *image = NULL, *source = NULL;
    bool ok = cmd && args;
    for (size_t i = 0; ok && i < t->n_env; i++) {
        char *v = wf_subst(t->env[i].value, resolve, &sc, err, errlen);
        ok = v != NULL;
        if (v) json_array_append_new(env, json_pack("[ss]", t->env[i].name, v));
        free(v);
    }
    if (ok) ok = (image = wf_subst(t->image ? t->image : "", resolve, &sc, err, errlen)) != NULL;
    if (ok && t->source) ok = (source = wf_subst(t->source, resolve, &sc, err, errlen)) != NULL;
    json_t *a = NULL;
    if (ok) {
        /* Argo runs a script as <command...> <script file> <args...> */
        json_t *argv = json_array();
        json_array_extend(argv, cmd);
        if (source) json_array_append_new(argv, json_string(""));
        json_array_extend(argv, args);
        a = json_pack("{s:o, s:O, s:s}", "argv", argv, "env", env, "image", image);
        if (source) {
            json_object_set_new(a, "source", json_string(source));
            json_object_set_new(a, "scriptArg", json_integer((json_int_t)t->n_command));
        }
        if (t->deadline_s) json_object_set_new(a, "deadlineSeconds", json_integer(t->deadline_s));
    }
    json_decref(cmd);
    json_decref(args);
    json_decref(env);
    free(image);
    free(source);
    return a;
}

static void start_pod(ctx *c, size_t idx, const wf_template *t)
{
    char err[WF_ERR_MAX];
    json_t *action = build_action(c, t, NODE(c, idx)->inputs, err, sizeof(err));
    if (!action) {
        set_phase(c, idx, WF_P_ERROR, err);
        return;
    }
    wf_node *n = NODE(c, idx);
    n->action = action;
    if (t->deadline_s) n->deadline = c->now + t->deadline_s * 1000;
    if (wf_action_from_node(n, push_action(c))) abort(); /* just built: cannot be malformed */
}

static wf_ntype node_type_for(const wf_template *t, bool retry)
{
    if (retry) return WF_N_RETRY;
    switch (t->kind) {
    case WF_K_STEPS:
        return WF_N_STEPS;
    case WF_K_DAG:
        return WF_N_DAG;
    default:
        return WF_N_POD;
    }
}

/* Creates the node that runs template tmpl with these (already substituted) arguments, and
 * runs it as far as it can go now. */
static size_t call_template(ctx *c, const char *name, const char *display, size_t tmpl,
                            const json_t *args, size_t parent, bool no_retry, const char *stop)
{
    const wf_template *t = &c->wf->templates[tmpl];
    if (stop) return add_omitted(c, name, display, t->name, parent, stop);
    if (c->st->n_nodes >= WF_MAX_NODES)
        return add_not_run(c, name, display, t->name, parent, WF_P_ERROR,
                           "too many nodes in this workflow");
    if (c->depth >= WF_MAX_DEPTH)
        return add_not_run(c, name, display, t->name, parent, WF_P_ERROR,
                           "templates nested too deeply (recursion without end?)");
    char err[WF_ERR_MAX];
    json_t *inputs = resolve_inputs(c, t, args, err, sizeof(err));
    if (!inputs) return add_not_run(c, name, display, t->name, parent, WF_P_ERROR, err);
    bool retry = t->retry_limit >= 0 && !no_retry;
    wf_ntype type = node_type_for(t, retry);
    size_t idx = add_node(c, name, display, t->name, type,
                          type == WF_N_POD ? WF_P_PENDING : WF_P_RUNNING, parent, NULL);
    NODE(c, idx)->inputs = inputs;
    if (type == WF_N_POD) {
        start_pod(c, idx, t);
        return idx;
    }
    if (type != WF_N_RETRY && t->deadline_s) NODE(c, idx)->deadline = c->now + t->deadline_s * 1000;
    exec_node(c, idx, NULL);
    return idx;
}

/* A step or task at one of its (expanded) names: `when`, arguments, then the call. */
static size_t run_call(ctx *c, scope *sc, const wf_call *call, const char *name,
                       const char *display, size_t parent, const char *stop)
{
    if (stop) return add_omitted(c, name, display, call->template_name, parent, stop);
    char err[WF_ERR_MAX], msg[WF_ERR_MAX + 600];
    if (call->when) {
        char *w = wf_subst(call->when, resolve, sc, err, sizeof(err));
        bool run = false;
        if (!w) return add_not_run(c, name, display, call->template_name, parent, WF_P_ERROR, err);
        if (wf_when_eval(w, &run, err, sizeof(err))) {
            snprintf(msg, sizeof(msg), "Invalid 'when' expression '%s': %s", w, err);
            free(w);
            return add_not_run(c, name, display, call->template_name, parent, WF_P_ERROR, msg);
        }
        snprintf(msg, sizeof(msg), "when '%s' evaluated false", w);
        free(w);
        if (!run)
            return add_not_run(c, name, display, call->template_name, parent, WF_P_SKIPPED, msg);
    }
    json_t *args = json_object();
    for (size_t i = 0; i < call->n_args; i++) {
        char *v = wf_subst(call->args[i].value, resolve, sc, err, sizeof(err));
        if (!v) {
            json_decref(args);
            return add_not_run(c, name, display, call->template_name, parent, WF_P_ERROR, err);
        }
        json_object_set_new(args, call->args[i].name, json_string(v));
        free(v);
    }
    size_t idx = call_template(c, name, display, call->tmpl, args, parent, false, NULL);
    json_decref(args);
    return idx;
}

/* withItems (string items substituted) or withParam (substituted, then a JSON list). */
static json_t *loop_items(scope *sc, const wf_call *call, char *err, size_t errlen)
{
    if (call->with_items) {
        json_t *items = json_array();
        size_t i;
        json_t *it;
        json_array_foreach(call->with_items, i, it)
        {
            if (!json_is_string(it)) {
                json_array_append(items, it);
                continue;
            }
            char *v = wf_subst(json_string_value(it), resolve, sc, err, errlen);
            if (!v) {
                json_decref(items);
                return NULL;
            }
            json_array_append_new(items, json_string(v));
            free(v);
        }
        return items;
    }
    char *v = wf_subst(call->with_param, resolve, sc, err, errlen);
    if (!v) return NULL;
    json_t *items = json_loads(v, JSON_DECODE_ANY, NULL);
    if (!json_is_array(items)) {
        snprintf(err, errlen, "withParam value could not be parsed as a JSON list: %.200s", v);
        json_decref(items);
        items = NULL;
    } else if (json_array_size(items) > WF_MAX_ITEMS) {
        snprintf(err, errlen, "withParam has more than %d items", WF_MAX_ITEMS);
        json_decref(items);
        items = NULL;
    }
    free(v);
    return items;
}

/* Argo's item label in node names: strings raw, objects "k:v,k:v" (sorted), others JSON. */
static char *item_label(const json_t *item)
{
    if (!json_is_object(item)) return wf_json_text(item);
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "");
    const char **keys = wf_xcalloc(json_object_size(item), sizeof(char *));
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)item, k, v) keys[n++] = k;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *tmp = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = tmp;
        }
    for (size_t i = 0; i < n; i++) {
        char *val = wf_json_text(json_object_get(item, keys[i]));
        pf_buf_printf(&b, "%s%s:%s", i ? "," : "", keys[i], val);
        free(val);
    }
    free(keys);
    return pf_buf_steal(&b);
}

/* Creates the node(s) of one step/task. Steps: expansions go straight into the step group
 * (`parent`), returns WF_NONE. DAG (`dag`): a loop gets a TaskGroup holding its expansions;
 * returns the task's node, which the caller links to its dependencies. */
static size_t expand_call(ctx *c, scope *sc, const wf_call *call, const char *base, size_t parent,
                          bool dag, const char *stop)
{
    bool loop = call->with_items || call->with_param;
    if (!loop || stop) {
        size_t idx = run_call(c, sc, call, base, call->name, parent, stop);
        if (!dag) wf_node_add_child(c->st, parent, idx);
        return dag ? idx : WF_NONE;
    }
    char err[WF_ERR_MAX];
    json_t *items = loop_items(sc, call, err, sizeof(err));
    size_t group = WF_NONE;
    if (!items || json_array_size(items) == 0) {
        size_t idx =
            items ? add_not_run(c, base, call->name, call->template_name, parent, WF_P_SKIPPED,
                                "Skipped, empty params")
                  : add_not_run(c, base, call->name, call->template_name, parent, WF_P_ERROR, err);
        json_decref(items);
        if (!dag) wf_node_add_child(c->st, parent, idx);
        return dag ? idx : WF_NONE;
    }
    size_t holder = parent;
    if (dag) {
        group = add_node(c, base, call->name, call->template_name, WF_N_TASKGROUP, WF_P_RUNNING,
                         parent, NULL);
        holder = group;
    }
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        char *label = item_label(item);
        char *name = wf_xasprintf("%s(%zu:%s)", base, i, label);
        char *display = wf_xasprintf("%s(%zu:%s)", call->name, i, label);
        sc->item = item;
        size_t idx = wf_node_lookup(c->st, name) == WF_NONE
                         ? run_call(c, sc, call, name, display, holder, NULL)
                         : WF_NONE; /* duplicate label and index cannot happen; be safe */
        sc->item = NULL;
        if (idx != WF_NONE) wf_node_add_child(c->st, holder, idx);
        free(label);
        free(name);
        free(display);
    }
    json_decref(items);
    return group;
}

/* Revisits the unfinished members of a group (step group or TaskGroup); once all are done,
 * the group fails if one of them did. Returns true when the group is done. */
static bool settle_group(ctx *c, size_t gidx, const char *stop)
{
    if (fulfilled(c, gidx)) return true;
    bool done = true;
    for (size_t i = 0; i < NODE(c, gidx)->n_children; i++) {
        size_t ch = NODE(c, gidx)->children[i];
        if (NODE(c, ch)->parent != gidx || fulfilled(c, ch)) continue;
        exec_node(c, ch, stop);
        if (!fulfilled(c, ch)) done = false;
    }
    if (!done) return false;
    for (size_t i = 0; i < NODE(c, gidx)->n_children; i++) {
        const wf_node *ch = NODE(c, NODE(c, gidx)->children[i]);
        if (ch->parent != gidx || !wf_phase_failed(ch->phase)) continue;
        char *msg = wf_xasprintf("child '%s' failed", ch->id);
        set_phase(c, gidx, NODE(c, gidx)->type == WF_N_TASKGROUP ? ch->phase : WF_P_FAILED, msg);
        free(msg);
        return true;
    }
    set_phase(c, gidx, WF_P_SUCCEEDED, NULL);
    return true;
}

/* ---- composite deadlines ---------------------------------------------------------------- */

/* A steps/dag node past its activeDeadlineSeconds stops its subtree. Returns the stop reason
 * for its children (the caller's, or this node's). */
static const char *composite_stop(ctx *c, size_t idx, const wf_template *t, const char *stop,
                                  char *buf, size_t len)
{
    wf_node *n = NODE(c, idx);
    if (!n->stopped && n->deadline && c->now >= n->deadline) {
        n->stopped = true;
        c->changed++;
    }
    if (!n->stopped || stop) return stop;
    snprintf(buf, len, "template '%s' exceeded its activeDeadlineSeconds (%llds)", t->name,
             t->deadline_s);
    return buf;
}

/* A stopped composite (its own deadline or an enclosing stop) ends Failed with the reason:
 * work was left when it stopped. */
static void settle_composite(ctx *c, size_t idx, wf_phase p, const char *msg, const char *stop)
{
    if (stop)
        set_phase(c, idx, WF_P_FAILED, stop);
    else
        set_phase(c, idx, p, msg);
}

/* ---- steps ------------------------------------------------------------------------------ */

/* After a failed group, later groups are recorded Omitted so show lists what did not run. */
static void omit_groups(ctx *c, size_t idx, const wf_template *t, size_t from, const char *why)
{
    for (size_t g = from; g < t->n_groups; g++) {
        char *gn = wf_xasprintf("%s[%zu]", NODE(c, idx)->name, g);
        char *gd = wf_xasprintf("[%zu]", g);
        if (wf_node_lookup(c->st, gn) == WF_NONE) {
            size_t gidx = add_omitted(c, gn, gd, t->name, idx, why);
            wf_node_add_child(c->st, idx, gidx);
            for (size_t s = 0; s < t->groups[g].n; s++) {
                const wf_call *call = &t->groups[g].steps[s];
                char *sn = wf_xasprintf("%s.%s", gn, call->name);
                size_t sidx = add_omitted(c, sn, call->name, call->template_name, gidx, why);
                wf_node_add_child(c->st, gidx, sidx);
                free(sn);
            }
        }
        free(gn);
        free(gd);
    }
}

static void exec_steps(ctx *c, size_t idx, const wf_template *t, const char *stop)
{
    char why[300];
    stop = composite_stop(c, idx, t, stop, why, sizeof(why));
    for (size_t g = 0; g < t->n_groups; g++) {
        char *gn = wf_xasprintf("%s[%zu]", NODE(c, idx)->name, g);
        size_t gidx = wf_node_lookup(c->st, gn);
        if (gidx == WF_NONE && stop) {
            free(gn);
            omit_groups(c, idx, t, g, stop);
            settle_composite(c, idx, WF_P_FAILED, NULL, stop);
            return;
        }
        if (gidx == WF_NONE) {
            char *gd = wf_xasprintf("[%zu]", g);
            gidx = add_node(c, gn, gd, t->name, WF_N_STEPGROUP, WF_P_RUNNING, idx, NULL);
            wf_node_add_child(c->st, idx, gidx);
            free(gd);
            scope sc = {.c = c, .inputs = NODE(c, idx)->inputs, .t = t, .node = idx, .group = g};
            for (size_t s = 0; s < t->groups[g].n; s++) {
                const wf_call *call = &t->groups[g].steps[s];
                char *base = wf_xasprintf("%s.%s", gn, call->name);
                expand_call(c, &sc, call, base, gidx, false, stop);
                free(base);
            }
        }
        free(gn);
        if (!settle_group(c, gidx, stop)) return;
        if (wf_phase_failed(NODE(c, gidx)->phase)) {
            char *msg = wf_xstrdup(NODE(c, gidx)->message);
            omit_groups(c, idx, t, g + 1, stop ? stop : "an earlier step group failed");
            settle_composite(c, idx, WF_P_FAILED, msg, stop);
            free(msg);
            return;
        }
    }
    settle_composite(c, idx, WF_P_SUCCEEDED, NULL, stop);
}

/* ---- dag -------------------------------------------------------------------------------- */

typedef struct dag_eval {
    ctx *c;
    const size_t *tcache;
} dag_eval;

static bool task_result_is(void *ud, size_t task, wf_result r)
{
    const dag_eval *d = ud;
    const wf_node *n = NODE(d->c, d->tcache[task]);
    wf_phase p = n->phase;
    bool any = false, all = n->type == WF_N_TASKGROUP;
    bool counted = false;
    if (n->type == WF_N_TASKGROUP) {
        for (size_t i = 0; i < n->n_children; i++) {
            const wf_node *ch = NODE(d->c, n->children[i]);
            if (ch->parent != d->tcache[task]) continue;
            counted = true;
            any = any || ch->phase == WF_P_SUCCEEDED;
            all = all && ch->phase == WF_P_FAILED;
        }
    }
    switch (r) {
    case WF_RES_BARE:
        return p == WF_P_SUCCEEDED || p == WF_P_SKIPPED;
    case WF_RES_SUCCEEDED:
        return p == WF_P_SUCCEEDED;
    case WF_RES_FAILED:
        return p == WF_P_FAILED;
    case WF_RES_ERRORED:
        return p == WF_P_ERROR;
    case WF_RES_SKIPPED:
        return p == WF_P_SKIPPED;
    case WF_RES_OMITTED:
        return p == WF_P_OMITTED;
    case WF_RES_DAEMONED:
        return false;
    case WF_RES_COMPLETED:
        return p == WF_P_SUCCEEDED || p == WF_P_FAILED || p == WF_P_ERROR;
    case WF_RES_ANY_SUCCEEDED:
        return any;
    case WF_RES_ALL_FAILED:
        return all && counted;
    }
    return false;
}

static size_t *task_cache(ctx *c, size_t idx, const wf_template *t)
{
    wf_node *n = NODE(c, idx);
    if (n->tcache && n->n_tcache == t->n_tasks) return n->tcache;
    free(n->tcache);
    n->tcache = wf_xmalloc(t->n_tasks * sizeof(size_t));
    n->n_tcache = t->n_tasks;
    for (size_t k = 0; k < t->n_tasks; k++) {
        char *nn = wf_xasprintf("%s.%s", n->name, t->tasks[k].name);
        n->tcache[k] = wf_node_lookup(c->st, nn);
        free(nn);
    }
    return n->tcache;
}

/* Argo's assessDAGPhase: an Omitted task inherits its dependencies' outcome (a failure wins),
 * and the DAG fails when one of its leaf tasks' branches failed. */
static wf_phase dag_phase(ctx *c, const wf_template *t, const size_t *tcache)
{
    wf_phase *branch = wf_xcalloc(t->n_tasks, sizeof(wf_phase));
    wf_phase result = WF_P_SUCCEEDED;
    for (size_t i = 0; i < t->n_tasks; i++) {
        size_t k = t->topo[i];
        const wf_call *task = &t->tasks[k];
        wf_phase p = NODE(c, tcache[k])->phase;
        if (p == WF_P_OMITTED) {
            p = task->n_deps ? branch[task->deps[0]] : WF_P_SUCCEEDED;
            for (size_t d = 0; d < task->n_deps; d++)
                if (wf_phase_failed(branch[task->deps[d]])) {
                    p = branch[task->deps[d]];
                    break;
                }
        }
        branch[k] = p;
    }
    for (size_t k = 0; k < t->n_tasks; k++) {
        if (!t->tasks[k].has_dependents && wf_phase_failed(branch[k])) {
            result = branch[k];
            break;
        }
    }
    free(branch);
    return result;
}

static bool deps_done(ctx *c, const wf_call *task, const size_t *tcache)
{
    for (size_t d = 0; d < task->n_deps; d++) {
        size_t dn = tcache[task->deps[d]];
        if (dn == WF_NONE || !fulfilled(c, dn)) return false;
    }
    return true;
}

static size_t create_task(ctx *c, size_t idx, const wf_template *t, size_t k, size_t *tcache,
                          const char *stop)
{
    const wf_call *task = &t->tasks[k];
    char *base = wf_xasprintf("%s.%s", NODE(c, idx)->name, task->name);
    size_t ni;
    dag_eval de = {c, tcache};
    if (!stop && task->depends.n && !wf_depends_eval(&task->depends, task_result_is, &de)) {
        ni =
            add_omitted(c, base, task->name, task->template_name, idx, "depends condition not met");
    } else {
        scope sc = {.c = c, .inputs = NODE(c, idx)->inputs, .t = t, .node = idx};
        ni = expand_call(c, &sc, task, base, idx, true, stop);
    }
    free(base);
    /* Argo's graph: a task hangs under the tasks it depends on, roots under the DAG */
    if (task->n_deps == 0) wf_node_add_child(c->st, idx, ni);
    for (size_t d = 0; d < task->n_deps; d++)
        wf_node_add_child(c->st, tcache[task->deps[d]], ni);
    return ni;
}

static void exec_dag(ctx *c, size_t idx, const wf_template *t, const char *stop)
{
    char why[300];
    stop = composite_stop(c, idx, t, stop, why, sizeof(why));
    task_cache(c, idx, t);
    size_t pending = 0;
    for (size_t i = 0; i < t->n_tasks; i++) {
        size_t k = t->topo[i];
        size_t *tcache = NODE(c, idx)->tcache; /* re-read: the nodes array may have moved */
        size_t ni = tcache[k];
        if (ni == WF_NONE) {
            if (!deps_done(c, &t->tasks[k], tcache)) {
                pending++;
                continue;
            }
            ni = create_task(c, idx, t, k, tcache, stop);
            NODE(c, idx)->tcache[k] = ni;
            if (NODE(c, ni)->type == WF_N_TASKGROUP) settle_group(c, ni, stop);
        } else if (!fulfilled(c, ni)) {
            if (NODE(c, ni)->type == WF_N_TASKGROUP)
                settle_group(c, ni, stop);
            else
                exec_node(c, ni, stop);
        }
        if (!fulfilled(c, ni)) pending++;
    }
    if (pending) return;
    settle_composite(c, idx, dag_phase(c, t, NODE(c, idx)->tcache), NULL, stop);
}

/* ---- retry and pods --------------------------------------------------------------------- */

static void exec_retry(ctx *c, size_t idx, const wf_template *t, const char *stop)
{
    for (;;) {
        wf_node *n = NODE(c, idx);
        size_t last = n->n_children ? n->children[n->n_children - 1] : WF_NONE;
        if (last != WF_NONE) {
            if (!fulfilled(c, last)) exec_node(c, last, stop);
            if (!fulfilled(c, last)) return;
            const wf_node *L = NODE(c, last);
            size_t attempts = NODE(c, idx)->n_children;
            if (L->phase != WF_P_FAILED || stop || (long long)attempts > t->retry_limit) {
                wf_node *R = NODE(c, idx);
                if (L->result) R->result = wf_xstrdup(L->result);
                R->has_exit = L->has_exit;
                R->exit_code = L->exit_code;
                const char *msg =
                    L->phase == WF_P_FAILED && !stop ? "No more retries left" : L->message;
                char *m = wf_xstrdup(msg);
                set_phase(c, idx, L->phase, m);
                free(m);
                return;
            }
        }
        n = NODE(c, idx);
        char *name = wf_xasprintf("%s(%zu)", n->name, n->n_children);
        char *display = wf_xasprintf("%s(%zu)", n->display, n->n_children);
        json_t *inputs = json_incref(n->inputs);
        size_t child = call_template(c, name, display, (size_t)(t - c->wf->templates), inputs, idx,
                                     true, stop);
        json_decref(inputs);
        wf_node_add_child(c->st, idx, child);
        free(name);
        free(display);
    }
}

static void exec_pod(ctx *c, size_t idx, const char *stop)
{
    const wf_node *n = NODE(c, idx);
    if (stop)
        cancel_pod(c, idx, stop);
    else if (n->deadline && c->now >= n->deadline)
        cancel_pod(c, idx, "Pod was active on the node longer than the specified deadline");
}

static void exec_node(ctx *c, size_t idx, const char *stop)
{
    if (fulfilled(c, idx)) return;
    wf_ntype type = NODE(c, idx)->type;
    if (type == WF_N_POD) {
        exec_pod(c, idx, stop);
        return;
    }
    if (c->depth >= 4 * WF_MAX_DEPTH) { /* only a corrupted restored state gets here */
        set_phase(c, idx, WF_P_ERROR, "node graph nested too deeply");
        return;
    }
    const wf_template *t = wf_find_template(c->wf, NODE(c, idx)->tmpl);
    bool ok = t && (type == WF_N_RETRY || (type == WF_N_STEPS && t->kind == WF_K_STEPS) ||
                    (type == WF_N_DAG && t->kind == WF_K_DAG));
    if (!ok) {
        if (type == WF_N_STEPS || type == WF_N_DAG || type == WF_N_RETRY)
            set_phase(c, idx, WF_P_ERROR, "the template of this node is not in the workflow");
        return;
    }
    c->depth++;
    switch (type) {
    case WF_N_RETRY:
        exec_retry(c, idx, t, stop);
        break;
    case WF_N_STEPS:
        exec_steps(c, idx, t, stop);
        break;
    case WF_N_DAG:
        exec_dag(c, idx, t, stop);
        break;
    default:
        break;
    }
    c->depth--;
}

/* ---- the workflow ----------------------------------------------------------------------- */

static json_t *wf_args(const pf_wf *wf)
{
    json_t *a = json_object();
    for (size_t i = 0; i < wf->n_params; i++)
        json_object_set_new(a, wf->params[i].name, json_string(wf->params[i].value));
    return a;
}

/* The root (or exit handler) node: created on first visit, continued after. */
static size_t run_top(ctx *c, const char *name, size_t tmpl, const char *stop)
{
    size_t idx = wf_node_lookup(c->st, name);
    if (idx != WF_NONE) {
        exec_node(c, idx, stop);
        return idx;
    }
    json_t *args = wf_args(c->wf);
    idx = call_template(c, name, name, tmpl, args, WF_NONE, false, stop);
    json_decref(args);
    return idx;
}

static const char *main_stop(const pf_wf_state *st, char *buf, size_t len, const pf_wf *wf)
{
    if (st->terminated) return STOP_TERMINATE;
    if (!st->deadline_hit) return NULL;
    snprintf(buf, len, "workflow exceeded its activeDeadlineSeconds (%llds)", wf->deadline_s);
    return buf;
}

static const char *first_failure(ctx *c, char *buf, size_t len)
{
    for (size_t i = 0; i < c->st->n_nodes; i++) {
        const wf_node *n = NODE(c, i);
        if (n->type != WF_N_STEPS && n->type != WF_N_DAG && n->type != WF_N_STEPGROUP &&
            n->type != WF_N_TASKGROUP && n->type != WF_N_RETRY && wf_phase_failed(n->phase)) {
            snprintf(buf, len, "node %s %s: %s", n->name, wf_phase_str(n->phase), n->message);
            return buf;
        }
    }
    return "";
}

static void finish_workflow(ctx *c, const char *phase, const char *msg)
{
    pf_wf_state *st = c->st;
    snprintf(st->phase, sizeof(st->phase), "%s", phase);
    free(st->message);
    st->message = wf_xstrdup(msg ? msg : "");
    st->finished = c->now;
    c->changed++;
}

static void walk(ctx *c)
{
    pf_wf_state *st = c->st;
    const pf_wf *wf = c->wf;
    if (pf_wf_done(st)) return;
    if (strcmp(st->phase, "Pending") == 0) {
        snprintf(st->phase, sizeof(st->phase), "Running");
        st->started = c->now;
        c->changed++;
    }
    size_t root0 = wf_node_lookup(st, wf->name);
    bool main_done = root0 != WF_NONE && fulfilled(c, root0);
    if (wf->deadline_s && !st->deadline_hit && !main_done &&
        c->now >= st->started + wf->deadline_s * 1000) {
        st->deadline_hit = true;
        c->changed++;
    }
    char why[200], buf[WF_ERR_MAX + 300];
    const char *stop = main_stop(st, why, sizeof(why), wf);
    c->wf_status = "Running";
    size_t root = run_top(c, wf->name, wf->entry, stop);
    if (!fulfilled(c, root)) return;
    wf_phase main = stop ? WF_P_FAILED : NODE(c, root)->phase;
    if (main == WF_P_SKIPPED || main == WF_P_OMITTED) main = WF_P_SUCCEEDED;
    size_t ex = WF_NONE;
    if (wf->on_exit != WF_NONE && !st->terminated) {
        c->wf_status = wf_phase_str(main);
        char *name = wf_xasprintf("%s.onExit", wf->name);
        ex = run_top(c, name, wf->on_exit, NULL);
        free(name);
        if (!fulfilled(c, ex)) return;
    }
    if (stop) {
        finish_workflow(c, "Failed", stop);
    } else if (wf_phase_failed(main)) {
        const char *m = NODE(c, root)->message;
        finish_workflow(c, wf_phase_str(main), m[0] ? m : first_failure(c, buf, sizeof(buf)));
    } else if (ex != WF_NONE && wf_phase_failed(NODE(c, ex)->phase)) {
        snprintf(buf, sizeof(buf), "exit handler failed: %s", NODE(c, ex)->message);
        finish_workflow(c, "Failed", buf);
    } else {
        finish_workflow(c, "Succeeded", NULL);
    }
}

static void update_deadline(ctx *c)
{
    pf_wf_state *st = c->st;
    int64_t next = INT64_MAX;
    if (c->wf->has_deadlines && !pf_wf_done(st)) {
        size_t root = wf_node_lookup(st, c->wf->name);
        bool main_done = root != WF_NONE && fulfilled(c, root);
        if (c->wf->deadline_s && !st->deadline_hit && !main_done)
            next = st->started + c->wf->deadline_s * 1000;
        for (size_t i = 0; i < st->n_nodes; i++) {
            const wf_node *n = NODE(c, i);
            if (n->deadline && !n->stopped && !wf_phase_fulfilled(n->phase) && n->deadline < next)
                next = n->deadline;
        }
    }
    st->next_deadline = next;
}

static void hand_over(ctx *c, pf_wf_action **actions, size_t *n)
{
    *actions = c->n_acts ? c->acts : NULL;
    *n = c->n_acts;
    if (!c->n_acts) free(c->acts);
}

int pf_wf_step(const pf_wf *wf, pf_wf_state *st, int64_t now_ms, pf_wf_action **actions, size_t *n)
{
    ctx c = {.wf = wf, .st = st, .now = now_ms};
    bool quiet = !st->dirty && now_ms < st->next_deadline;
    if (!pf_wf_done(st) && !quiet) {
        for (int pass = 0; pass < 100; pass++) {
            c.changed = 0;
            walk(&c);
            if (!c.changed || pf_wf_done(st)) break;
        }
        update_deadline(&c);
    }
    st->dirty = false;
    hand_over(&c, actions, n);
    return 0;
}

int pf_wf_cancel(const pf_wf *wf, pf_wf_state *st, int64_t now_ms, pf_wf_action **actions,
                 size_t *n)
{
    ctx c = {.wf = wf, .st = st, .now = now_ms, .wf_status = "Failed"};
    if (!pf_wf_done(st)) {
        if (strcmp(st->phase, "Pending") == 0) st->started = now_ms;
        st->terminated = true;
        size_t root = wf_node_lookup(st, wf->name);
        if (root != WF_NONE) exec_node(&c, root, STOP_TERMINATE);
        char *name = wf_xasprintf("%s.onExit", wf->name);
        size_t ex = wf_node_lookup(st, name);
        free(name);
        if (ex != WF_NONE) exec_node(&c, ex, STOP_TERMINATE);
        /* whatever the walk could not reach (state from another workflow version) */
        for (size_t i = 0; i < st->n_nodes; i++) {
            if (fulfilled(&c, i)) continue;
            if (NODE(&c, i)->type == WF_N_POD)
                cancel_pod(&c, i, STOP_TERMINATE);
            else
                set_phase(&c, i, WF_P_FAILED, STOP_TERMINATE);
        }
        finish_workflow(&c, "Failed", STOP_TERMINATE);
        st->next_deadline = INT64_MAX;
    }
    st->dirty = false;
    hand_over(&c, actions, n);
    return 0;
}
