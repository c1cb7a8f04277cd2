/* wf_internal.h — the engine's private types, shared by the files of src/server/workflow/.
 *
 *   wf_map.c     string → index hash map, FNV-1a
 *   wf_expr.c    `depends` (compiled to a tiny stack program) and `when` (evaluated after
 *                substitution, Argo/govaluate-style: bare words are strings)
 *   wf_subst.c   {{...}} scanning and substitution
 *   wf_parse.c   Workflow JSON → wf_template model, with every validation rule
 *   wf_state.c   the node table, its JSON form, the show view, node events
 *   wf_engine.c  the walk: step, cancel, deadlines, exit handler
 *
 * Memory: everything is malloc'd; allocation failure aborts (as pf_buf does). */
#ifndef PF_SERVER_WF_INTERNAL_H
#define PF_SERVER_WF_INTERNAL_H

#include "server/workflow/workflow.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WF_ERR_MAX 512
#define WF_MAX_NODES 50000        /* per workflow; more → node Error (runaway loops/recursion) */
#define WF_MAX_ITEMS 10000        /* per withItems/withParam expansion */
#define WF_MAX_DEPTH 64           /* nesting of templates at run time (recursion guard) */
#define WF_MAX_RESULT (256 << 10) /* outputs.result kept, as Argo */
#define WF_NONE ((size_t)-1)

/* ---- small helpers (wf_map.c) ---- */
void *wf_xmalloc(size_t n);
void *wf_xcalloc(size_t n, size_t size);
void *wf_xrealloc(void *p, size_t n);
char *wf_xstrdup(const char *s);
char *wf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t wf_fnv32(const char *s);

typedef struct wf_map {
    const char **keys; /* borrowed: the owner keeps every key alive while it is in the map */
    size_t *vals;
    size_t cap, len;
} wf_map;
void wf_map_free(wf_map *m);
void wf_map_put(wf_map *m, const char *key, size_t val);
bool wf_map_get(const wf_map *m, const char *key, size_t *val);

/* ---- expressions (wf_expr.c) ---- */
typedef enum {
    WF_RES_BARE, /* "A" alone: Succeeded || Skipped (|| Daemoned, never true here) */
    WF_RES_SUCCEEDED,
    WF_RES_FAILED,
    WF_RES_ERRORED,
    WF_RES_SKIPPED,
    WF_RES_OMITTED,
    WF_RES_DAEMONED,
    WF_RES_COMPLETED, /* Succeeded || Failed || Errored: the task ran to an end */
    WF_RES_ANY_SUCCEEDED,
    WF_RES_ALL_FAILED,
} wf_result;

typedef enum { WF_OP_PUSH, WF_OP_AND, WF_OP_OR, WF_OP_NOT } wf_opcode;
typedef struct wf_op {
    wf_opcode op;
    size_t task; /* PUSH: index of the task in its DAG */
    wf_result res;
} wf_op;
typedef struct wf_dep_expr {
    wf_op *ops; /* postfix program */
    size_t n;
} wf_dep_expr;

/* Looks a task name up in the DAG being compiled: index or WF_NONE. */
typedef size_t (*wf_task_lookup)(void *ud, const char *name, size_t len);
/* Compiles a depends expression; fills *deps (malloc'd, distinct task indexes in order of first
 * mention). Returns 0, or -1 with err filled. */
int wf_depends_compile(const char *src, wf_task_lookup lookup, void *ud, wf_dep_expr *out,
                       size_t **deps, size_t *n_deps, char *err, size_t errlen);
typedef bool (*wf_result_fn)(void *ud, size_t task, wf_result r);
bool wf_depends_eval(const wf_dep_expr *x, wf_result_fn fn, void *ud);
void wf_dep_expr_free(wf_dep_expr *x);

/* Evaluates a substituted `when` expression. Returns 0 (with *out) or -1 with err filled. */
int wf_when_eval(const char *expr, bool *out, char *err, size_t errlen);
/* Syntax check only (values are not compared): 0 or -1 with err filled. */
int wf_when_check(const char *expr, char *err, size_t errlen);

/* ---- substitution (wf_subst.c) ---- */
/* Resolves one reference (the text between {{ and }}, trimmed). Returns a malloc'd value, or
 * NULL with err filled. */
typedef char *(*wf_resolve_fn)(void *ud, const char *ref, char *err, size_t errlen);
/* Replaces every {{ref}} in s. Returns a malloc'd string or NULL with err filled. */
char *wf_subst(const char *s, wf_resolve_fn fn, void *ud, char *err, size_t errlen);
/* A JSON value as text for substitution: strings raw, everything else compact JSON. */
char *wf_json_text(const json_t *v);

/* ---- the parsed workflow (wf_parse.c) ---- */
typedef enum { WF_K_CONTAINER, WF_K_SCRIPT, WF_K_STEPS, WF_K_DAG } wf_kind;

typedef struct wf_kv {
    char *name;
    char *value; /* NULL when not given */
    char *deflt; /* inputs only: `default`, NULL when not given */
} wf_kv;

/* A step or a DAG task: a call of a template. */
typedef struct wf_call {
    char *name;
    char *template_name;
    size_t tmpl; /* index into pf_wf.templates */
    wf_kv *args;
    size_t n_args;
    char *when;         /* NULL when absent */
    json_t *with_items; /* array, or NULL */
    char *with_param;   /* NULL when absent */
    /* DAG tasks only */
    char *depends_src; /* the depends text, or dependencies joined with && (NULL = none) */
    wf_dep_expr depends;
    size_t *deps; /* task indexes the expression names */
    size_t n_deps;
    bool has_dependents;
} wf_call;

typedef struct wf_group {
    wf_call *steps;
    size_t n;
} wf_group;

typedef struct wf_template {
    char *name;
    wf_kind kind;
    wf_kv *inputs;
    size_t n_inputs;
    /* container / script */
    char *image;
    char **command;
    size_t n_command;
    char **args;
    size_t n_args;
    wf_kv *env;
    size_t n_env;
    char *source; /* script */
    /* steps */
    wf_group *groups;
    size_t n_groups;
    /* dag */
    wf_call *tasks;
    size_t n_tasks;
    size_t *topo; /* task indexes, dependencies first */
    wf_map task_map;
    /* common */
    long long retry_limit; /* -1: no retryStrategy */
    long long deadline_s;  /* 0: none */
} wf_template;

struct pf_wf {
    char *name;
    char *ns;
    wf_kv *params; /* spec.arguments.parameters (value always set) */
    size_t n_params;
    wf_template *templates;
    size_t n_templates;
    wf_map tmpl_map;
    size_t entry;
    size_t on_exit; /* WF_NONE when no spec.onExit */
    long long deadline_s;
    bool has_deadlines; /* any activeDeadlineSeconds anywhere */
};

const wf_template *wf_find_template(const pf_wf *wf, const char *name);
const char *wf_param_value(const pf_wf *wf, const char *name);

/* ---- the state (wf_state.c) ---- */
typedef enum {
    WF_N_POD,
    WF_N_STEPS,
    WF_N_STEPGROUP,
    WF_N_DAG,
    WF_N_TASKGROUP,
    WF_N_RETRY,
    WF_N_SKIPPED,
} wf_ntype;

typedef enum {
    WF_P_PENDING,
    WF_P_RUNNING,
    WF_P_SUCCEEDED,
    WF_P_FAILED,
    WF_P_ERROR,
    WF_P_SKIPPED,
    WF_P_OMITTED,
} wf_phase;

typedef struct wf_node {
    char *id;
    char *name;
    char *display;
    char *tmpl; /* template name ("" when none) */
    char *message;
    wf_ntype type;
    wf_phase phase;
    int64_t started, finished; /* ms, 0 = unset */
    int64_t deadline;          /* ms, 0 = none */
    bool has_exit;
    int exit_code;
    char *result;   /* outputs.result, NULL when none */
    json_t *inputs; /* resolved input parameters {name: value} */
    json_t *action; /* Pod: {argv:[], env:[[n,v]], image, source?, scriptArg} */
    size_t *children;
    size_t n_children, cap_children;
    size_t parent;  /* the node that created it (containment), WF_NONE for roots */
    bool stopped;   /* a composite whose deadline fired: its subtree is being stopped */
    size_t *tcache; /* DAG nodes: task index → node index (not persisted) */
    size_t n_tcache;
} wf_node;

struct pf_wf_state {
    char phase[16]; /* Pending, Running, Succeeded, Failed, Error */
    char *message;
    int64_t started, finished;
    bool terminated;   /* pf_wf_cancel ran */
    bool deadline_hit; /* the workflow's activeDeadlineSeconds fired */
    bool dirty;        /* an event arrived since the last step */
    int64_t next_deadline;
    wf_node *nodes;
    size_t n_nodes, cap_nodes;
    wf_map by_name, by_id;
};

bool wf_phase_fulfilled(wf_phase p); /* anything but Pending/Running */
bool wf_phase_failed(wf_phase p);    /* Failed or Error */
const char *wf_phase_str(wf_phase p);
const char *wf_ntype_str(wf_ntype t);

/* Adds a node (name must be new); returns its index. id derived from wfname + name. */
size_t wf_node_add(pf_wf_state *st, const char *wfname, const char *name, const char *display,
                   const char *tmpl, wf_ntype type, wf_phase phase, size_t parent, int64_t now);
void wf_node_add_child(pf_wf_state *st, size_t parent, size_t child);
void wf_node_set_message(wf_node *n, const char *msg);
/* Phase change; a final phase records finished time. */
void wf_node_finish(wf_node *n, wf_phase p, const char *msg, int64_t now);
size_t wf_node_lookup(const pf_wf_state *st, const char *name);

/* START action from a Pod node's stored action; returns 0 or -1 when the node has none. */
int wf_action_from_node(const wf_node *n, pf_wf_action *a);
void wf_action_cancel(const wf_node *n, pf_wf_action *a);

#endif
