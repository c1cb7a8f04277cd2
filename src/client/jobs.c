/* jobs.c — the job endpoints (api.md §3) and job logs (§3.11, D11 and our follow extension).
 * Each function builds the exact request of §9.6 and decodes the answer into the typed
 * structs of paddleflow/job.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/internal.h"

static void decode_job(pf_arena *a, const json_t *o, void *item)
{
    pf_job *j = item;
    json_t *sp = json_object_get(o, "schedulingPolicy");
    j->id = pf_dec_str(a, o, "id");
    j->name = pf_dec_str(a, o, "name");
    j->user = pf_dec_str(a, o, "userName");
    if (!*j->user) j->user = pf_dec_str(a, o, "UserName");
    j->queue = pf_dec_str(a, sp, "queue");
    j->priority = pf_dec_str(a, sp, "priority");
    j->status = pf_dec_str(a, o, "status");
    j->message = pf_dec_str(a, o, "message");
    j->accept_time = pf_dec_str(a, o, "acceptTime");
    j->start_time = pf_dec_str(a, o, "startTime");
    j->finish_time = pf_dec_str(a, o, "finishTime");
    j->framework = pf_dec_str(a, o, "framework");
    j->image = pf_dec_str(a, o, "image");
    j->command = pf_dec_str(a, o, "command");
    j->port = json_integer_value(json_object_get(o, "port"));
    j->labels = pf_dec_pairs(a, o, "labels", &j->n_labels);
    j->annotations = pf_dec_pairs(a, o, "annotations", &j->n_annotations);
    j->env = pf_dec_pairs(a, o, "env", &j->n_env);
    j->args = pf_dec_strs(a, o, "args", &j->n_args);
    j->flavour_json = pf_dec_json(a, o, "flavour");
    j->fs_json = pf_dec_json(a, o, "fs");
    j->extra_fs_json = pf_dec_json(a, o, "extraFS");
    j->members_json = pf_dec_json(a, o, "members");
    j->extension_template_json = pf_dec_json(a, o, "extensionTemplate");
    j->runtime_json = pf_dec_json(a, o, "runtime");
    j->distributed_runtime_json = pf_dec_json(a, o, "distributedRuntime");
    j->workflow_runtime_json = pf_dec_json(a, o, "workflowRuntime");
    j->json = pf_dec_self(a, o);
}

static int check_arg(const char *v, const char *what, pf_api_error *err)
{
    if (v && *v) return 0;
    return pf_client_fail(err, "InvalidArgument", "%s is required", what);
}

int pf_job_create(pf_client *c, const char *type, const char *spec_json, char **id_out,
                  pf_api_error *err)
{
    if (id_out) *id_out = NULL;
    if (check_arg(type, "job type", err) || check_arg(spec_json, "job spec", err)) return -1;
    pf_buf path = PF_BUF_INIT;
    pf_buf_puts(&path, "/job");
    pf_path_add(&path, type);
    json_t *r = NULL;
    int rc = pf_call(c, "POST", path.data, spec_json, &r, err);
    pf_buf_free(&path);
    if (rc == 0) {
        const char *id = json_string_value(json_object_get(r, "id"));
        if (!id)
            rc = pf_client_fail(err, "InvalidResponse", "create answer carries no id");
        else if (id_out)
            *id_out = strdup(id);
    }
    json_decref(r);
    return rc;
}

/* GET/PUT/DELETE /job/{id}[?action=...] */
static int job_call(pf_client *c, const char *method, const char *id, const char *action,
                    const char *body, pf_api_error *err)
{
    if (check_arg(id, "job id", err)) return -1;
    pf_buf path = PF_BUF_INIT;
    pf_buf_puts(&path, "/job");
    pf_path_add(&path, id);
    if (action) pf_query_add(&path, "action", action);
    int rc = pf_call(c, method, path.data, body, NULL, err);
    pf_buf_free(&path);
    return rc;
}

int pf_job_get(pf_client *c, const char *id, pf_job **out, pf_api_error *err)
{
    *out = NULL;
    if (check_arg(id, "job id", err)) return -1;
    pf_buf path = PF_BUF_INIT;
    pf_buf_puts(&path, "/job");
    pf_path_add(&path, id);
    int rc = pf_fetch_one(c, "GET", path.data, NULL, sizeof **out, decode_job, (void **)out, err);
    pf_buf_free(&path);
    return rc;
}

/* The labels filter travels as a JSON object string (§3.6), e.g. {"a": "b"}. */
static void add_labels_query(pf_buf *q, const pf_pair *labels, size_t n)
{
    json_t *m = json_object();
    pf_body_pairs(m, "l", labels, n);
    char *s = json_dumps(json_object_get(m, "l"), JSON_COMPACT);
    pf_query_add(q, "labels", s);
    free(s);
    json_decref(m);
}

int pf_job_list(pf_client *c, const pf_job_list_options *o, pf_job_page **out, pf_api_error *err)
{
    *out = NULL;
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/job");
    if (o) {
        if (o->status && *o->status) pf_query_add(&q, "status", o->status);
        if (o->timestamp) pf_query_addf(&q, "timestamp", o->timestamp);
        if (o->start_time && *o->start_time) pf_query_add(&q, "startTime", o->start_time);
        if (o->queue && *o->queue) pf_query_add(&q, "queue", o->queue);
        if (o->n_labels) add_labels_query(&q, o->labels, o->n_labels);
        if (o->marker && *o->marker) pf_query_add(&q, "marker", o->marker);
        if (o->max_keys > 0) pf_query_addf(&q, "maxKeys", o->max_keys);
    }
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "jobList", sizeof **out, sizeof(pf_job), decode_job,
                           (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

int pf_job_update(pf_client *c, const char *id, const pf_job_update_options *o, pf_api_error *err)
{
    json_t *b = json_object();
    if (o) {
        if (o->priority && *o->priority) pf_body_str(b, "priority", o->priority);
        pf_body_pairs(b, "labels", o->labels, o->n_labels);
        pf_body_pairs(b, "annotations", o->annotations, o->n_annotations);
    }
    char *body = pf_body_take(b);
    int rc = job_call(c, "PUT", id, "modify", body, err);
    free(body);
    return rc;
}

int pf_job_stop(pf_client *c, const char *id, pf_api_error *err)
{
    return job_call(c, "PUT", id, "stop", NULL, err);
}

int pf_job_delete(pf_client *c, const char *id, pf_api_error *err)
{
    return job_call(c, "DELETE", id, NULL, NULL, err);
}

void pf_job_free(pf_job *job)
{
    pf_arena_free_result(job);
}

void pf_job_page_free(pf_job_page *list)
{
    pf_arena_free_result(list);
}

/* ---- logs ---- */

static void log_query(pf_buf *q, const char *job_id, const pf_job_log_options *o)
{
    pf_buf_puts(q, "/log/job");
    pf_query_add(q, "jobID", job_id);
    if (!o) return;
    if (o->line_limit > 0) pf_query_addf(q, "lineLimit", o->line_limit);
    if (o->size_limit && *o->size_limit) pf_query_add(q, "sizeLimit", o->size_limit);
    if (o->read_from_tail) pf_query_add(q, "readFromTail", "true");
}

static void decode_log(pf_arena *a, const json_t *r, void *item)
{
    pf_job_log *l = item;
    l->job_id = pf_dec_str(a, r, "jobID");
    json_t *tasks = json_object_get(r, "taskList");
    l->n_tasks = json_array_size(tasks);
    l->tasks = pf_arena_alloc(a, l->n_tasks * sizeof *l->tasks);
    for (size_t i = 0; i < l->n_tasks; i++) {
        json_t *t = json_array_get(tasks, i);
        json_t *info = json_object_get(t, "logInfo");
        l->tasks[i].task_id = pf_dec_str(a, t, "taskID");
        l->tasks[i].content = pf_dec_str(a, info, "logContent");
        l->tasks[i].has_next_page = json_is_true(json_object_get(info, "hasNextPage"));
        l->tasks[i].truncated = json_is_true(json_object_get(info, "truncated"));
    }
    l->events_json = pf_dec_json(a, r, "eventList");
    l->json = pf_dec_self(a, r);
}

int pf_job_log_get(pf_client *c, const char *job_id, const pf_job_log_options *o, pf_job_log **out,
                   pf_api_error *err)
{
    *out = NULL;
    if (check_arg(job_id, "job id", err)) return -1;
    pf_buf q = PF_BUF_INIT;
    log_query(&q, job_id, o);
    int rc = pf_fetch_one(c, "GET", q.data, NULL, sizeof **out, decode_log, (void **)out, err);
    pf_buf_free(&q);
    return rc;
}

void pf_job_log_free(pf_job_log *log)
{
    pf_arena_free_result(log);
}

static bool is_final(const char *status)
{
    static const char *const finals[] = {"succeeded", "failed",    "terminated",
                                         "skipped",   "cancelled", "preempted"};
    for (size_t i = 0; i < sizeof finals / sizeof *finals; i++)
        if (strcmp(status, finals[i]) == 0) return true;
    return false;
}

/* A job that ended before we could follow it: hand its whole logs to the sink. */
static int sink_whole_log(pf_client *c, const char *job_id, const pf_job_log_options *o,
                          pf_log_sink sink, void *userdata, pf_api_error *err)
{
    pf_job_log *l;
    if (pf_job_log_get(c, job_id, o, &l, err) != 0) return -1;
    for (size_t i = 0; i < l->n_tasks; i++)
        if (sink(l->tasks[i].content, strlen(l->tasks[i].content), userdata) != 0) break;
    pf_job_log_free(l);
    return 0;
}

int pf_job_log_follow(pf_client *c, const char *job_id, const pf_job_log_options *o,
                      pf_log_sink sink, void *userdata, pf_api_error *err)
{
    if (check_arg(job_id, "job id", err)) return -1;
    if (!sink) return pf_client_fail(err, "InvalidArgument", "a sink is required");
    pf_api_error local;
    if (!err) err = &local;
    pf_buf q = PF_BUF_INIT;
    log_query(&q, job_id, o);
    pf_query_add(&q, "follow", "true");
    int rc;
    /* The server refuses to follow a job whose task has not started yet (403
     * ActionNotAllowed, "retry when it runs"): wait for it to start, polling gently, and if
     * it ends first, deliver its logs as they are. */
    for (long delay_ms = 100;; delay_ms = delay_ms < 1000 ? delay_ms * 2 : 1000) {
        rc = pf_call_stream(c, q.data, sink, userdata, err);
        if (rc == 0 || err->http_status != 403 || strcmp(err->code, "ActionNotAllowed") != 0) break;
        pf_job *job;
        if ((rc = pf_job_get(c, job_id, &job, err)) != 0) break;
        bool ended = is_final(job->status);
        pf_job_free(job);
        if (ended) {
            rc = sink_whole_log(c, job_id, o, sink, userdata, err);
            break;
        }
        struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    pf_buf_free(&q);
    return rc;
}
