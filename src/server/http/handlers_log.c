/* handlers_log.c — GET /log/job (api.md §3.11 with D11): the real logs of every task of a
 * job, with lineLimit / sizeLimit / readFromTail; our extension follow=true streams the log
 * of one task (taskName, default the first) as plain text until the job has ended. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/quantity.h"
#include "model/status.h"
#include "server/http/router.h"
#include "server/runtime/logread.h"
#include "server/service/jobs.h"
#include "server/service/app.h"
#include "server/store/jobs.h"
#include "server/store/store.h"

typedef struct follow_ctx {
    pf_app *app;
    char job_id[64];
    int64_t job_pk;
    char task[256]; /* "" = the first task */
    char path[4096]; /* "" until the task exists */
    int64_t offset;
    int idle_rounds;
} follow_ctx;

static int find_log(pf_app *app, int64_t job_pk, const char *task, char *path, size_t n,
                    pf_error *e);

static bool job_ended(follow_ctx *f)
{
    pf_job_row r;
    pf_error e;
    int rc = pf_job_get(pf_store_reader(f->app->store), f->job_id, &r, &e);
    if (rc != 0) return true;
    bool ended = pf_status_is_final(r.status);
    pf_job_row_clear(&r);
    return ended;
}

/* The stream's next piece (server.h: runs on a thread of its own, which naps between calls
 * that find nothing new). Ends once the job has ended and one more read found nothing. */
static int follow_next(void *cls, pf_buf *out)
{
    follow_ctx *f = cls;
    pf_error e;
    if (!f->path[0]) /* not started yet: wait for the task to exist */
        find_log(f->app, f->job_pk, f->task[0] ? f->task : NULL, f->path, sizeof f->path, &e);
    if (f->path[0]) {
        int64_t next = f->offset;
        long n = pf_log_follow(f->path, f->offset, 16 * 1024, out, &next, &e);
        if (n < 0) return -1;
        if (n > 0) {
            f->offset = next;
            f->idle_rounds = 0;
            return 1;
        }
    }
    return job_ended(f) && ++f->idle_rounds > 1 ? 0 : 1;
}

static void follow_free(void *cls)
{
    free(cls);
}

/* The log path of the job's task (the first one when task is NULL); 1 when none yet. */
static int find_log(pf_app *app, int64_t job_pk, const char *task, char *path, size_t n,
                    pf_error *e)
{
    json_t *tasks = pf_task_list(pf_store_reader(app->store), job_pk, e);
    if (!tasks) return -1;
    size_t i;
    json_t *t;
    int rc = 1;
    json_array_foreach(tasks, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *log = json_string_value(json_object_get(json_object_get(t, "info"), "logPath"));
        if ((task && strcmp(task, name) != 0) || !log || !*log) continue;
        snprintf(path, n, "%s", log);
        rc = 0;
        break;
    }
    json_decref(tasks);
    return rc;
}

void pf_h_log_job(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    const char *id = pf_req_query(r, "jobID");
    if (!id || !*id) {
        pf_fail(&e, "InvalidURI", "jobID is required, e.g. /log/job?jobID=job-0123456789abcdef");
        pf_resp_error(w, r, &e);
        return;
    }
    json_t *shown = pf_jobs_show(r->app, &c, id, &e); /* permission + existence */
    if (!shown) {
        pf_resp_error(w, r, &e);
        return;
    }
    json_decref(shown);
    pf_job_row job;
    if (pf_job_get(pf_store_reader(r->app->store), id, &job, &e) != 0) {
        pf_fail(&e, "JobNotFound", "job %s not found", id);
        pf_resp_error(w, r, &e);
        return;
    }
    long line_limit = atol(pf_req_query_or(r, "lineLimit", "1000"));
    int64_t size_limit = 0;
    if (pf_quantity_parse_int(pf_req_query_or(r, "sizeLimit", "100M"), false, &size_limit, &e) != 0)
        size_limit = 100000000;
    const char *tail = pf_req_query_or(r, "readFromTail", "false");
    bool from_tail = !strcmp(tail, "true") || !strcmp(tail, "1");
    json_t *tasks = NULL;
    if (!strcmp(pf_req_query_or(r, "follow", "false"), "true")) {
        /* streams from the start of the log; a job not started yet is waited for */
        follow_ctx *f = calloc(1, sizeof *f);
        f->app = r->app;
        f->job_pk = job.pk;
        snprintf(f->job_id, sizeof f->job_id, "%s", id);
        snprintf(f->task, sizeof f->task, "%s", pf_req_query_or(r, "taskName", ""));
        find_log(r->app, job.pk, f->task[0] ? f->task : NULL, f->path, sizeof f->path, &e);
        pf_job_row_clear(&job);
        w->status = 200;
        w->stream = malloc(sizeof *w->stream);
        if (!w->stream) abort();
        *w->stream = (pf_stream){.next = follow_next, .free = follow_free, .ctx = f};
        return;
    }
    tasks = pf_task_list(pf_store_reader(r->app->store), job.pk, &e);
    json_t *list = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
    {
        const char *path =
            json_string_value(json_object_get(json_object_get(t, "info"), "logPath"));
        pf_log_chunk ch = {0};
        if (!path || pf_log_read_limits(path, line_limit, size_limit, from_tail, &ch, &e) != 0)
            continue;
        json_array_append_new(
            list, json_pack("{s:s, s:{s:s, s:b, s:b}}", "taskID",
                            json_string_value(json_object_get(t, "name")), "logInfo",
                            "logContent", ch.content ? ch.content : "", "hasNextPage",
                            ch.has_next_page, "truncated", ch.truncated));
        pf_log_chunk_free(&ch);
    }
    json_decref(tasks);
    pf_resp_json(w, json_pack("{s:s, s:o, s:s, s:s, s:[]}", "jobID", id, "taskList", list, "name",
                              "", "type", "", "eventList"));
    pf_job_row_clear(&job);
}
