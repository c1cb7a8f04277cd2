/* wf_state.c — the node table of a running workflow: creation (with Argo's stable ids), the
 * events the service reports (task started / finished / failed to run), the persisted JSON form
 * and the `nodes[]` view of show, and the action structs handed to the service.
 *
 * Invariant: a node's name and id never change once added, and both maps borrow them, so the
 * nodes array may move (realloc) but its strings do not. Code holding a wf_node * must not add
 * nodes meanwhile: the engine works with indexes. */
#include "server/workflow/wf_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/timeutil.h"

static const char *const PHASES[] = {"Pending", "Running", "Succeeded", "Failed",
                                     "Error",   "Skipped", "Omitted"};
static const char *const NTYPES[] = {"Pod",       "Steps", "StepGroup", "DAG",
                                     "TaskGroup", "Retry", "Skipped"};

bool wf_phase_fulfilled(wf_phase p)
{
    return p != WF_P_PENDING && p != WF_P_RUNNING;
}

bool wf_phase_failed(wf_phase p)
{
    return p == WF_P_FAILED || p == WF_P_ERROR;
}

const char *wf_phase_str(wf_phase p)
{
    return PHASES[p];
}

const char *wf_ntype_str(wf_ntype t)
{
    return NTYPES[t];
}

static int lookup_word(const char *const *words, int n, const char *s)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(words[i], s) == 0) return i;
    return -1;
}

/* ---- JSON strings that are always valid UTF-8 ---------------------------------------------- */

static json_t *jstr(const char *s)
{
    return pf_json_string_lossy(s);
}

/* ---- nodes ------------------------------------------------------------------------------ */

size_t wf_node_lookup(const pf_wf_state *st, const char *name)
{
    size_t idx;
    return wf_map_get(&st->by_name, name, &idx) ? idx : WF_NONE;
}

static char *make_id(const pf_wf_state *st, const char *wfname, const char *name, bool root)
{
    char *id = root ? wf_xstrdup(wfname) : wf_xasprintf("%s-%u", wfname, wf_fnv32(name));
    /* a 32-bit hash can collide; a suffix keeps ids unique and, since nodes are created in a
     * deterministic order and ids are persisted, stable */
    for (int k = 1; wf_map_get(&st->by_id, id, NULL); k++) {
        free(id);
        id = wf_xasprintf("%s-%u-%d", wfname, wf_fnv32(name), k);
    }
    return id;
}

static size_t node_push(pf_wf_state *st)
{
    if (st->n_nodes == st->cap_nodes) {
        st->cap_nodes = st->cap_nodes ? st->cap_nodes * 2 : 16;
        st->nodes = wf_xrealloc(st->nodes, st->cap_nodes * sizeof(wf_node));
    }
    wf_node *n = &st->nodes[st->n_nodes];
    memset(n, 0, sizeof(*n));
    n->parent = WF_NONE;
    return st->n_nodes++;
}

size_t wf_node_add(pf_wf_state *st, const char *wfname, const char *name, const char *display,
                   const char *tmpl, wf_ntype type, wf_phase phase, size_t parent, int64_t now)
{
    size_t idx = node_push(st);
    wf_node *n = &st->nodes[idx];
    n->name = wf_xstrdup(name);
    n->id = make_id(st, wfname, name, strcmp(name, wfname) == 0);
    n->display = wf_xstrdup(display);
    n->tmpl = wf_xstrdup(tmpl);
    n->message = wf_xstrdup("");
    n->type = type;
    n->phase = phase;
    n->parent = parent;
    n->started = now;
    if (wf_phase_fulfilled(phase)) n->finished = now;
    wf_map_put(&st->by_name, n->name, idx);
    wf_map_put(&st->by_id, n->id, idx);
    return idx;
}

void wf_node_add_child(pf_wf_state *st, size_t parent, size_t child)
{
    wf_node *n = &st->nodes[parent];
    for (size_t i = 0; i < n->n_children; i++)
        if (n->children[i] == child) return;
    if (n->n_children == n->cap_children) {
        n->cap_children = n->cap_children ? n->cap_children * 2 : 4;
        n->children = wf_xrealloc(n->children, n->cap_children * sizeof(size_t));
    }
    n->children[n->n_children++] = child;
}

void wf_node_set_message(wf_node *n, const char *msg)
{
    free(n->message);
    n->message = wf_xstrdup(msg);
}

void wf_node_finish(wf_node *n, wf_phase p, const char *msg, int64_t now)
{
    n->phase = p;
    if (msg) wf_node_set_message(n, msg);
    if (wf_phase_fulfilled(p) && !n->finished) n->finished = now;
}

static void node_free(wf_node *n)
{
    free(n->id);
    free(n->name);
    free(n->display);
    free(n->tmpl);
    free(n->message);
    free(n->result);
    json_decref(n->inputs);
    json_decref(n->action);
    free(n->children);
    free(n->tcache);
}

/* ---- state ------------------------------------------------------------------------------ */

pf_wf_state *pf_wf_state_new(void)
{
    pf_wf_state *st = wf_xcalloc(1, sizeof(*st));
    snprintf(st->phase, sizeof(st->phase), "Pending");
    st->message = wf_xstrdup("");
    st->next_deadline = INT64_MAX;
    st->dirty = true;
    return st;
}

void pf_wf_state_free(pf_wf_state *st)
{
    if (!st) return;
    for (size_t i = 0; i < st->n_nodes; i++)
        node_free(&st->nodes[i]);
    free(st->nodes);
    free(st->message);
    wf_map_free(&st->by_name);
    wf_map_free(&st->by_id);
    free(st);
}

const char *pf_wf_phase(const pf_wf_state *st)
{
    return st->phase;
}

const char *pf_wf_message(const pf_wf_state *st)
{
    return st->message;
}

bool pf_wf_done(const pf_wf_state *st)
{
    return strcmp(st->phase, "Succeeded") == 0 || strcmp(st->phase, "Failed") == 0 ||
           strcmp(st->phase, "Error") == 0;
}

int64_t pf_wf_started_ms(const pf_wf_state *st)
{
    return st->started;
}

int64_t pf_wf_finished_ms(const pf_wf_state *st)
{
    return st->finished;
}

int64_t pf_wf_next_deadline(const pf_wf_state *st)
{
    return pf_wf_done(st) ? INT64_MAX : st->next_deadline;
}

size_t pf_wf_active_tasks(const pf_wf_state *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n_nodes; i++)
        if (st->nodes[i].type == WF_N_POD && !wf_phase_fulfilled(st->nodes[i].phase)) n++;
    return n;
}

const char *pf_wf_job_status(const char *phase)
{
    if (!phase) return "pending";
    if (strcmp(phase, "Running") == 0) return "running";
    if (strcmp(phase, "Succeeded") == 0) return "succeeded";
    if (strcmp(phase, "Failed") == 0 || strcmp(phase, "Error") == 0) return "failed";
    return "pending";
}

/* ---- persisted form --------------------------------------------------------------------- */

static json_t *node_to_json(const wf_node *n)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", jstr(n->id));
    json_object_set_new(o, "name", jstr(n->name));
    json_object_set_new(o, "displayName", jstr(n->display));
    json_object_set_new(o, "template", jstr(n->tmpl));
    json_object_set_new(o, "type", json_string(NTYPES[n->type]));
    json_object_set_new(o, "phase", json_string(PHASES[n->phase]));
    json_object_set_new(o, "startedAt", json_integer(n->started));
    json_object_set_new(o, "finishedAt", json_integer(n->finished));
    json_object_set_new(o, "deadline", json_integer(n->deadline));
    if (n->has_exit) json_object_set_new(o, "exitCode", json_integer(n->exit_code));
    json_object_set_new(o, "message", jstr(n->message));
    if (n->result) json_object_set_new(o, "result", jstr(n->result));
    /* copies: jansson reference counts are not atomic, and the caller owns what it gets */
    if (n->inputs) json_object_set_new(o, "inputs", json_deep_copy(n->inputs));
    if (n->action) json_object_set_new(o, "action", json_deep_copy(n->action));
    json_t *ch = json_array();
    for (size_t i = 0; i < n->n_children; i++)
        json_array_append_new(ch, json_integer((json_int_t)n->children[i]));
    json_object_set_new(o, "children", ch);
    json_object_set_new(o, "parent",
                        json_integer(n->parent == WF_NONE ? -1 : (json_int_t)n->parent));
    if (n->stopped) json_object_set_new(o, "stopped", json_true());
    return o;
}

json_t *pf_wf_state_to_json(const pf_wf_state *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(1));
    json_object_set_new(o, "phase", json_string(st->phase));
    json_object_set_new(o, "message", jstr(st->message));
    json_object_set_new(o, "startedAt", json_integer(st->started));
    json_object_set_new(o, "finishedAt", json_integer(st->finished));
    json_object_set_new(o, "terminated", json_boolean(st->terminated));
    json_object_set_new(o, "deadlineHit", json_boolean(st->deadline_hit));
    json_object_set_new(o, "nextDeadline", json_integer(st->next_deadline));
    json_t *nodes = json_array();
    for (size_t i = 0; i < st->n_nodes; i++)
        json_array_append_new(nodes, node_to_json(&st->nodes[i]));
    json_object_set_new(o, "nodes", nodes);
    return o;
}

static int bad(pf_error *e, const char *what, size_t i)
{
    return pf_fail(e, "InternalError", "workflow state: node %zu: bad or missing %s", i, what);
}

static const char *jget_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int node_from_json(pf_wf_state *st, const json_t *o, size_t i, size_t total, pf_error *e)
{
    if (!json_is_object(o)) return bad(e, "object", i);
    const char *id = jget_str(o, "id"), *name = jget_str(o, "name");
    const char *display = jget_str(o, "displayName"), *tmpl = jget_str(o, "template");
    const char *msg = jget_str(o, "message");
    int type = lookup_word(NTYPES, 7, jget_str(o, "type"));
    int phase = lookup_word(PHASES, 7, jget_str(o, "phase"));
    if (!id || !name || !display || !tmpl || !msg)
        return bad(e, "id/name/displayName/template/message", i);
    if (type < 0 || phase < 0) return bad(e, "type/phase", i);
    if (wf_map_get(&st->by_name, name, NULL) || wf_map_get(&st->by_id, id, NULL))
        return bad(e, "unique name/id", i);
    json_t *parent = json_object_get(o, "parent"), *children = json_object_get(o, "children");
    if (!json_is_integer(parent) || json_integer_value(parent) < -1 ||
        json_integer_value(parent) >= (json_int_t)total)
        return bad(e, "parent", i);
    if (!json_is_array(children)) return bad(e, "children", i);
    for (size_t c = 0; c < json_array_size(children); c++) {
        json_t *v = json_array_get(children, c);
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= (json_int_t)total)
            return bad(e, "children", i);
    }
    json_t *inputs = json_object_get(o, "inputs"), *action = json_object_get(o, "action");
    if ((inputs && !json_is_object(inputs)) || (action && !json_is_object(action)))
        return bad(e, "inputs/action", i);

    size_t idx = node_push(st);
    wf_node *n = &st->nodes[idx];
    n->id = wf_xstrdup(id);
    n->name = wf_xstrdup(name);
    n->display = wf_xstrdup(display);
    n->tmpl = wf_xstrdup(tmpl);
    n->message = wf_xstrdup(msg);
    n->type = (wf_ntype)type;
    n->phase = (wf_phase)phase;
    n->started = json_integer_value(json_object_get(o, "startedAt"));
    n->finished = json_integer_value(json_object_get(o, "finishedAt"));
    n->deadline = json_integer_value(json_object_get(o, "deadline"));
    json_t *ec = json_object_get(o, "exitCode");
    if (json_is_integer(ec)) {
        n->has_exit = true;
        n->exit_code = (int)json_integer_value(ec);
    }
    const char *result = jget_str(o, "result");
    if (result) n->result = wf_xstrdup(result);
    n->inputs = inputs ? json_deep_copy(inputs) : NULL;
    n->action = action ? json_deep_copy(action) : NULL;
    n->parent = json_integer_value(parent) < 0 ? WF_NONE : (size_t)json_integer_value(parent);
    for (size_t c = 0; c < json_array_size(children); c++)
        wf_node_add_child(st, idx, (size_t)json_integer_value(json_array_get(children, c)));
    n = &st->nodes[idx];
    n->stopped = json_is_true(json_object_get(o, "stopped"));
    wf_map_put(&st->by_name, n->name, idx);
    wf_map_put(&st->by_id, n->id, idx);
    return 0;
}

pf_wf_state *pf_wf_state_from_json(const json_t *j, pf_error *e)
{
    json_t *nodes = json_object_get(j, "nodes");
    const char *phase = jget_str(j, "phase"), *msg = jget_str(j, "message");
    static const char *const WF_PHASES[] = {"Pending", "Running", "Succeeded", "Failed", "Error"};
    if (!json_is_object(j) || !json_is_array(nodes) || !msg ||
        lookup_word(WF_PHASES, 5, phase) < 0 ||
        json_integer_value(json_object_get(j, "version")) != 1) {
        pf_fail(e, "InternalError", "workflow state: not a saved workflow state");
        return NULL;
    }
    pf_wf_state *st = pf_wf_state_new();
    snprintf(st->phase, sizeof(st->phase), "%s", phase);
    free(st->message);
    st->message = wf_xstrdup(msg);
    st->started = json_integer_value(json_object_get(j, "startedAt"));
    st->finished = json_integer_value(json_object_get(j, "finishedAt"));
    st->terminated = json_is_true(json_object_get(j, "terminated"));
    st->deadline_hit = json_is_true(json_object_get(j, "deadlineHit"));
    json_t *nd = json_object_get(j, "nextDeadline");
    st->next_deadline = json_is_integer(nd) ? json_integer_value(nd) : INT64_MAX;
    size_t total = json_array_size(nodes);
    for (size_t i = 0; i < total; i++) {
        if (node_from_json(st, json_array_get(nodes, i), i, total, e)) {
            pf_wf_state_free(st);
            return NULL;
        }
    }
    st->dirty = true;
    return st;
}

/* ---- the show view ---------------------------------------------------------------------- */

static const char *node_status(wf_phase p)
{
    switch (p) {
    case WF_P_PENDING:
        return "pending";
    case WF_P_RUNNING:
        return "running";
    case WF_P_SUCCEEDED:
        return "succeeded";
    case WF_P_FAILED:
    case WF_P_ERROR:
        return "failed";
    default:
        return "skipped";
    }
}

json_t *pf_wf_nodes_json(const pf_wf_state *st)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < st->n_nodes; i++) {
        const wf_node *n = &st->nodes[i];
        char started[PF_TIME_STR], finished[PF_TIME_STR];
        pf_format_local(n->phase == WF_P_PENDING ? 0 : n->started, started);
        pf_format_local(n->finished, finished);
        json_t *o = json_object();
        json_object_set_new(o, "id", jstr(n->id));
        json_object_set_new(o, "name", jstr(n->name));
        json_object_set_new(o, "displayName", jstr(n->display));
        json_object_set_new(o, "template", jstr(n->tmpl));
        json_object_set_new(o, "type", json_string(NTYPES[n->type]));
        json_object_set_new(o, "phase", json_string(PHASES[n->phase]));
        json_object_set_new(o, "status", json_string(node_status(n->phase)));
        json_object_set_new(o, "startedAt", json_string(started));
        json_object_set_new(o, "finishedAt", json_string(finished));
        if (n->has_exit) json_object_set_new(o, "exitCode", json_integer(n->exit_code));
        json_object_set_new(o, "message", jstr(n->message));
        json_t *ch = json_array();
        for (size_t c = 0; c < n->n_children; c++)
            json_array_append_new(ch, jstr(st->nodes[n->children[c]].id));
        json_object_set_new(o, "children", ch);
        json_array_append_new(arr, o);
    }
    return arr;
}

/* ---- events from the service ------------------------------------------------------------ */

/* The Pod node with this id: its index, WF_NONE + e when unknown or not a task. */
static size_t task_node(pf_wf_state *st, const char *node_id, pf_error *e)
{
    size_t idx;
    if (!node_id || !wf_map_get(&st->by_id, node_id, &idx)) {
        pf_fail(e, "InternalError", "workflow: no node with id '%s'", node_id ? node_id : "");
        return WF_NONE;
    }
    if (st->nodes[idx].type != WF_N_POD) {
        pf_fail(e, "InternalError", "workflow: node '%s' is not a task", node_id);
        return WF_NONE;
    }
    return idx;
}

int pf_wf_node_started(pf_wf_state *st, const char *node_id, int64_t now_ms, pf_error *e)
{
    size_t idx = task_node(st, node_id, e);
    if (idx == WF_NONE) return -1;
    wf_node *n = &st->nodes[idx];
    if (n->phase != WF_P_PENDING) return n->phase == WF_P_RUNNING ? 0 : 1;
    n->phase = WF_P_RUNNING;
    n->started = now_ms;
    /* a template deadline counts from the moment the task really runs */
    json_t *ds = n->action ? json_object_get(n->action, "deadlineSeconds") : NULL;
    if (json_is_integer(ds)) n->deadline = now_ms + json_integer_value(ds) * 1000;
    st->dirty = true;
    return 0;
}

static char *trim_result(const char *out)
{
    char *r = pf_utf8_clean(out ? out : "", WF_MAX_RESULT);
    size_t len = strlen(r);
    while (len && (r[len - 1] == '\n' || r[len - 1] == '\r'))
        r[--len] = '\0';
    return r;
}

int pf_wf_node_finished(pf_wf_state *st, const char *node_id, int exit_code,
                        const char *stdout_text, int64_t now_ms, pf_error *e)
{
    size_t idx = task_node(st, node_id, e);
    if (idx == WF_NONE) return -1;
    wf_node *n = &st->nodes[idx];
    if (wf_phase_fulfilled(n->phase)) return 1;
    if (n->phase == WF_P_PENDING) n->started = now_ms;
    n->has_exit = true;
    n->exit_code = exit_code;
    free(n->result);
    n->result = trim_result(stdout_text);
    char msg[64] = "";
    if (exit_code != 0) snprintf(msg, sizeof(msg), "Error (exit code %d)", exit_code);
    wf_node_finish(n, exit_code == 0 ? WF_P_SUCCEEDED : WF_P_FAILED, msg, now_ms);
    st->dirty = true;
    return 0;
}

int pf_wf_node_error(pf_wf_state *st, const char *node_id, const char *message, int64_t now_ms,
                     pf_error *e)
{
    size_t idx = task_node(st, node_id, e);
    if (idx == WF_NONE) return -1;
    wf_node *n = &st->nodes[idx];
    if (wf_phase_fulfilled(n->phase)) return 1;
    wf_node_finish(n, WF_P_ERROR, message ? message : "the task could not be run", now_ms);
    st->dirty = true;
    return 0;
}

/* ---- actions ---------------------------------------------------------------------------- */

static void action_names(const wf_node *n, pf_wf_action *a)
{
    a->node_id = wf_xstrdup(n->id);
    a->node_name = wf_xstrdup(n->name);
    a->display_name = wf_xstrdup(n->display);
    a->template_name = wf_xstrdup(n->tmpl);
    a->script_arg = -1;
}

void wf_action_cancel(const wf_node *n, pf_wf_action *a)
{
    memset(a, 0, sizeof(*a));
    a->kind = PF_WF_CANCEL;
    action_names(n, a);
}

int wf_action_from_node(const wf_node *n, pf_wf_action *a)
{
    memset(a, 0, sizeof(*a));
    json_t *argv = n->action ? json_object_get(n->action, "argv") : NULL;
    json_t *env = n->action ? json_object_get(n->action, "env") : NULL;
    if (!json_is_array(argv) || !json_is_array(env)) return -1;
    a->kind = PF_WF_START;
    action_names(n, a);
    a->argc = json_array_size(argv);
    a->argv = wf_xcalloc(a->argc + 1, sizeof(char *));
    for (size_t i = 0; i < a->argc; i++)
        a->argv[i] = wf_xstrdup(json_string_value(json_array_get(argv, i)));
    a->n_env = json_array_size(env);
    a->env = wf_xcalloc(a->n_env, sizeof(pf_wf_env));
    for (size_t i = 0; i < a->n_env; i++) {
        json_t *kv = json_array_get(env, i);
        a->env[i].name = wf_xstrdup(json_string_value(json_array_get(kv, 0)));
        a->env[i].value = wf_xstrdup(json_string_value(json_array_get(kv, 1)));
    }
    a->image = wf_xstrdup(json_string_value(json_object_get(n->action, "image")));
    const char *src = json_string_value(json_object_get(n->action, "source"));
    if (src) {
        a->script_source = wf_xstrdup(src);
        json_t *sa = json_object_get(n->action, "scriptArg");
        a->script_arg = json_is_integer(sa) && json_integer_value(sa) >= 0 &&
                                (size_t)json_integer_value(sa) < a->argc
                            ? (int)json_integer_value(sa)
                            : -1;
    }
    return 0;
}

void pf_wf_actions_free(pf_wf_action *actions, size_t n)
{
    for (size_t i = 0; actions && i < n; i++) {
        pf_wf_action *a = &actions[i];
        free(a->node_id);
        free(a->node_name);
        free(a->display_name);
        free(a->template_name);
        for (size_t k = 0; k < a->argc; k++)
            free(a->argv[k]);
        free(a->argv);
        for (size_t k = 0; k < a->n_env; k++) {
            free(a->env[k].name);
            free(a->env[k].value);
        }
        free(a->env);
        free(a->image);
        free(a->script_source);
    }
    free(actions);
}

static void shell_quote(pf_buf *b, const char *s)
{
    bool plain = s[0] != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-",
                       *p) != NULL;
    if (plain) {
        pf_buf_puts(b, s);
        return;
    }
    pf_buf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            pf_buf_puts(b, "'\\''");
        else
            pf_buf_append(b, p, 1);
    }
    pf_buf_puts(b, "'");
}

char *pf_wf_action_command(const pf_wf_action *a, const char *script_path)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "");
    for (size_t i = 0; i < a->argc; i++) {
        if (i) pf_buf_puts(&b, " ");
        const char *arg = (int)i == a->script_arg && script_path ? script_path : a->argv[i];
        shell_quote(&b, arg);
    }
    return pf_buf_steal(&b);
}

int pf_wf_unfinished_actions(const pf_wf_state *st, pf_wf_action **actions, size_t *n)
{
    *actions = NULL;
    *n = 0;
    size_t count = pf_wf_active_tasks(st);
    if (!count) return 0;
    *actions = wf_xcalloc(count, sizeof(pf_wf_action));
    for (size_t i = 0; i < st->n_nodes; i++) {
        const wf_node *nd = &st->nodes[i];
        if (nd->type != WF_N_POD || wf_phase_fulfilled(nd->phase)) continue;
        if (wf_action_from_node(nd, &(*actions)[*n]) == 0) (*n)++;
    }
    return 0;
}
