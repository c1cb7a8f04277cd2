/* workflow.h — the workflow engine: Argo `Workflow` objects run as a set of node processes.
 *
 * A pure, deterministic module: no processes, no store, no HTTP, no clock of its own. The job
 * service parses a job's `extensionTemplate` once (pf_wf_parse, which also validates it), keeps
 * a pf_wf_state per running workflow, and drives it:
 *
 *   pf_wf_step(wf, st, now)       → START actions (run this node's command as a task) and CANCEL
 *                                   actions (kill this node's task); call it after every event
 *                                   (node started/finished, create, restart) and at
 *                                   pf_wf_next_deadline().
 *   pf_wf_node_started/finished   ← what the runtime reports for a node's task.
 *   pf_wf_cancel                  ← user stop (Argo "terminate": no exit handler).
 *
 * The engine follows Argo's controller: every step re-walks the workflow from its root over the
 * nodes created so far (state), creates the nodes that became ready and emits their actions, so
 * the whole state is the node table. pf_wf_state_to_json / pf_wf_state_from_json persist it;
 * after a restart the service restores it and carries on: finished nodes are never re-run.
 * Node ids are stable: the root is "<wfname>", every other node "<wfname>-<fnv32a(node name)>".
 *
 * Ownership: every pointer returned by a pf_wf_* function that allocates says so below and is
 * freed with the matching *_free. Strings inside actions belong to the action array. */
#ifndef PF_SERVER_WORKFLOW_H
#define PF_SERVER_WORKFLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct pf_wf pf_wf;             /* a parsed, validated Workflow (immutable) */
typedef struct pf_wf_state pf_wf_state; /* the run state of one workflow */

/* ---- parse and validate ------------------------------------------------------------------ */

/* Parses and validates an Argo Workflow object (argoproj.io/v1alpha1). `name` (may be NULL:
 * metadata.name, else "workflow") names the workflow for node names/ids and
 * {{workflow.name}}; `ns` (may be NULL: metadata.namespace, else "default") is
 * {{workflow.namespace}}. On error returns NULL and fills e (code JobCreateFailed) with a message
 * naming the problem: unsupported field, unknown template, missing entrypoint, DAG cycle, bad
 * depends/when expression, unknown parameter reference, missing required input, duplicate
 * name. The caller frees the result with pf_wf_free; `workflow` is not retained. */
pf_wf *pf_wf_parse(const json_t *workflow, const char *name, const char *ns, pf_error *e);
void pf_wf_free(pf_wf *wf);
const char *pf_wf_name(const pf_wf *wf);

/* ---- actions ------------------------------------------------------------------------------ */

typedef enum {
    PF_WF_START,  /* create a task for the node and run it */
    PF_WF_CANCEL, /* kill the node's task (or drop it if it was still queued) */
} pf_wf_action_kind;

typedef struct pf_wf_env {
    char *name;
    char *value;
} pf_wf_env;

typedef struct pf_wf_action {
    pf_wf_action_kind kind;
    char *node_id;       /* stable id: the task's key */
    char *node_name;     /* full node name, e.g. "wf.fan(3:c)" */
    char *display_name;  /* e.g. "fan(3:c)" */
    char *template_name; /* the container/script template */
    /* START only (NULL/0 for CANCEL): */
    char **argv; /* command + args after substitution; for a script, the script file goes at
                    argv[script_arg] (that slot holds "" until the caller fills it) */
    size_t argc;
    pf_wf_env *env; /* container/script env after substitution, in declaration order */
    size_t n_env;
    char *image;         /* recorded only ("" when none) */
    char *script_source; /* script templates: the source to write to a file; else NULL */
    int script_arg;      /* index in argv of the script path; -1 for container templates */
} pf_wf_action;

void pf_wf_actions_free(pf_wf_action *actions, size_t n);

/* The /bin/sh -c command line of a START action: argv shell-quoted and joined, with
 * `script_path` in the script slot (required for script actions, ignored otherwise).
 * Returns a malloc'd string. */
char *pf_wf_action_command(const pf_wf_action *a, const char *script_path);

/* ---- state ------------------------------------------------------------------------------- */

pf_wf_state *pf_wf_state_new(void);
void pf_wf_state_free(pf_wf_state *st);
/* The whole state as a new JSON object (persist it after every step/finish). */
json_t *pf_wf_state_to_json(const pf_wf_state *st);
/* Restores a state saved by pf_wf_state_to_json; NULL + e (InternalError) when malformed. */
pf_wf_state *pf_wf_state_from_json(const json_t *j, pf_error *e);

/* ---- driving ----------------------------------------------------------------------------- */

/* Advances the workflow at time now_ms: starts what became ready, checks deadlines, runs the
 * exit handler, settles the phase. Fills *actions (malloc'd, free with pf_wf_actions_free;
 * NULL when *n == 0). Deterministic: the same state, workflow and clock give the same actions.
 * Returns 0 (engine-level problems become node/workflow phase Error, never a failed call). */
int pf_wf_step(const pf_wf *wf, pf_wf_state *st, int64_t now_ms, pf_wf_action **actions, size_t *n);

/* The node's task really began running (it may have waited for queue quota): the node goes
 * Running and its template activeDeadlineSeconds counts from now. Returns 0, 1 when ignored
 * (node already finished), -1 + e for an unknown id or a node that is not a task. */
int pf_wf_node_started(pf_wf_state *st, const char *node_id, int64_t now_ms, pf_error *e);

/* The node's task ended with exit_code (0 = Succeeded, else Failed "Error (exit code N)");
 * `stdout_text` (may be NULL) is its captured stdout: trailing newlines are trimmed and the
 * rest becomes outputs.result (at most 256 KiB kept). Return values as pf_wf_node_started.
 * Call pf_wf_step afterwards to let the workflow move on. */
int pf_wf_node_finished(pf_wf_state *st, const char *node_id, int exit_code,
                        const char *stdout_text, int64_t now_ms, pf_error *e);

/* The node's task could not be run at all (e.g. spawn failed): phase Error with `message`. */
int pf_wf_node_error(pf_wf_state *st, const char *node_id, const char *message, int64_t now_ms,
                     pf_error *e);

/* User stop (Argo's "terminate"): every queued or running task gets a CANCEL action and its
 * node Failed, nodes not yet started are recorded Omitted, the exit handler does not run, the
 * workflow ends Failed with message "Stopped with strategy 'Terminate'" (the service reports
 * the job `terminated`). A finished workflow is left alone (0 actions). */
int pf_wf_cancel(const pf_wf *wf, pf_wf_state *st, int64_t now_ms, pf_wf_action **actions,
                 size_t *n);

/* START actions for every task node still Pending or Running, rebuilt from the state: after a
 * restart the service starts those it has no task for. */
int pf_wf_unfinished_actions(const pf_wf_state *st, pf_wf_action **actions, size_t *n);

/* ---- what to show ------------------------------------------------------------------------ */

/* "Pending" (not stepped yet), "Running", "Succeeded", "Failed" or "Error". */
const char *pf_wf_phase(const pf_wf_state *st);
const char *pf_wf_message(const pf_wf_state *st); /* "" when none */
bool pf_wf_done(const pf_wf_state *st);
int64_t pf_wf_started_ms(const pf_wf_state *st);  /* 0 until the first step */
int64_t pf_wf_finished_ms(const pf_wf_state *st); /* 0 until done */
/* The earliest time (ms) a deadline (activeDeadlineSeconds) can fire; INT64_MAX when none. */
int64_t pf_wf_next_deadline(const pf_wf_state *st);
/* Task (Pod) nodes waiting or running. */
size_t pf_wf_active_tasks(const pf_wf_state *st);

/* The nodes for `GET /job` show, creation order, as a new JSON array of objects:
 * {id, name, displayName, template, type, phase, status, startedAt, finishedAt, exitCode?,
 *  message, children:[ids]}. type is Argo's (Pod, Steps, StepGroup, DAG, TaskGroup, Retry,
 * Skipped); phase Argo's (Pending, Running, Succeeded, Failed, Error, Skipped, Omitted); status
 * the PaddleFlow word (pending, running, succeeded, failed, skipped — Omitted is "skipped");
 * times "2006-01-02 15:04:05" local ("" when unset); exitCode only once a task ended. */
json_t *pf_wf_nodes_json(const pf_wf_state *st);

/* PaddleFlow job status for a workflow phase (runtime.md §7.7): pending, running, succeeded,
 * failed. */
const char *pf_wf_job_status(const char *phase);

#endif
