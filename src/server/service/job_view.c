/* job_view.c — the job object of api.md §3.12, key order as upstream, with D6 (whole spec
 * always, runtime views once something ran, extensionTemplate as submitted) and D7 (owner
 * as "userName"). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "model/status.h"
#include "server/service/jobs_internal.h"
#include "server/store/store.h"
#include "server/workflow/workflow.h"

/* The view shares the row's values (a reference, not a copy): it only lives to be dumped. */
static void set_copy(json_t *o, const char *key, const json_t *cfg, json_t *def)
{
    json_t *v = json_object_get(cfg, key);
    json_object_set_new(o, key, v ? json_incref(v) : def);
    if (v) json_decref(def);
}

static json_t *runtime_entry(const pf_job_row *row, const json_t *task, const char *ns,
                             const char *host)
{
    json_t *info = json_object_get(task, "info");
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(json_string_value(json_object_get(task, "name"))));
    json_object_set_new(o, "namespace", json_string(ns));
    json_object_set_new(o, "id", json_string(json_string_value(json_object_get(task, "name"))));
    json_object_set(o, "status", json_object_get(task, "status"));
    json_object_set_new(o, "nodeName", json_string(host));
    json_object_set(o, "role", json_object_get(task, "role"));
    json_object_set(o, "index", json_object_get(task, "index"));
    const char *keys[] = {"pid", "exitCode", "signal", "logName", "enforced", "oomKilled"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(info, keys[i]);
        if (v) json_object_set(o, keys[i], v);
    }
    char t[PF_TIME_STR];
    pf_format_local(json_integer_value(json_object_get(info, "startedAt")), t);
    json_object_set_new(o, "startTime", json_string(t));
    pf_format_local(json_integer_value(json_object_get(info, "finishedAt")), t);
    json_object_set_new(o, "finishTime", json_string(t));
    (void)row;
    return o;
}

/* workflowRuntime: the engine's node table (runtime.md §7.9, with real node statuses). */
static void add_workflow_runtime(const pf_job_row *row, json_t *o)
{
    pf_error e;
    pf_wf_state *st = row->runtime ? pf_wf_state_from_json(row->runtime, &e) : NULL;
    if (!st) return;
    json_t *wr = json_object();
    json_object_set_new(wr, "name", json_string(row->id));
    json_object_set_new(wr, "namespace", json_string("default"));
    json_object_set_new(wr, "id", json_string(row->id));
    json_object_set_new(wr, "status", json_string(pf_wf_phase(st)));
    json_object_set_new(wr, "message", json_string(pf_wf_message(st)));
    json_object_set_new(wr, "nodes", pf_wf_nodes_json(st));
    json_object_set_new(o, "workflowRuntime", wr);
    pf_wf_state_free(st);
}

static void add_runtime(pf_app *app, const pf_job_row *row, json_t *o)
{
    pf_error e;
    if (strcmp(row->type, "workflow") == 0) {
        add_workflow_runtime(row, o);
        return;
    }
    json_t *tasks = pf_task_list(pf_store_reader(app->store), row->pk, &e);
    if (!tasks || json_array_size(tasks) == 0) {
        json_decref(tasks);
        return;
    }
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    json_t *env = json_object_get(row->config, "env");
    const char *ns = json_string_value(json_object_get(env, "PF_JOB_NAMESPACE"));
    if (!ns) ns = "default";
    if (strcmp(row->type, "single") == 0) {
        json_object_set_new(o, "runtime", runtime_entry(row, json_array_get(tasks, 0), ns, host));
    } else {
        json_t *arr = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(tasks, i, t) json_array_append_new(arr, runtime_entry(row, t, ns, host));
        json_t *dr = json_object();
        json_object_set_new(dr, "name", json_string(row->id));
        json_object_set_new(dr, "namespace", json_string(ns));
        json_object_set_new(dr, "id", json_string(row->id));
        json_object_set_new(dr, "status", json_string(row->status));
        json_object_set_new(dr, strcmp(row->type, "workflow") == 0 ? "nodes" : "runtimes", arr);
        json_object_set_new(o, strcmp(row->type, "workflow") == 0 ? "workflowRuntime"
                                                                   : "distributedRuntime",
                            dr);
    }
    json_decref(tasks);
}

json_t *pf_job_view(pf_app *app, const pf_job_row *row, bool with_runtime)
{
    const json_t *cfg = row->config;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(row->id));
    json_object_set_new(o, "name", json_string(row->name ? row->name : ""));
    set_copy(o, "labels", cfg, json_null());
    set_copy(o, "annotations", cfg, json_null());
    json_object_set_new(o, "schedulingPolicy",
                        json_pack("{s:s, s:s}", "queue", row->queue, "priority", row->priority));
    json_object_set_new(o, "userName", json_string(row->user));
    set_copy(o, "flavour", cfg, json_pack("{s:s, s:s, s:s}", "cpu", "", "mem", "", "name", ""));
    set_copy(o, "limitFlavour", cfg,
             json_pack("{s:s, s:s, s:s}", "cpu", "", "mem", "", "name", ""));
    set_copy(o, "fs", cfg, json_pack("{s:s, s:s}", "name", "", "type", ""));
    set_copy(o, "extraFS", cfg, json_null());
    set_copy(o, "image", cfg, json_string(""));
    set_copy(o, "env", cfg, json_null());
    set_copy(o, "command", cfg, json_string(""));
    set_copy(o, "args", cfg, json_null());
    set_copy(o, "port", cfg, json_integer(0));
    set_copy(o, "extensionTemplate", cfg, json_null());
    if (row->framework[0]) json_object_set_new(o, "framework", json_string(row->framework));
    json_t *members = json_object_get(cfg, "members");
    if (json_array_size(members)) json_object_set(o, "members", members);
    json_object_set_new(o, "status", json_string(row->status));
    json_object_set_new(o, "message", json_string(row->message ? row->message : ""));
    char t[PF_TIME_STR];
    pf_format_local(row->created_at, t);
    json_object_set_new(o, "acceptTime", json_string(t));
    pf_format_local(row->activated_at, t);
    json_object_set_new(o, "startTime", json_string(t));
    pf_format_local(pf_status_is_final(row->status)
                        ? (row->finished_at ? row->finished_at : row->updated_at)
                        : 0,
                    t);
    json_object_set_new(o, "finishTime", json_string(t));
    if (with_runtime) add_runtime(app, row, o);
    return o;
}
