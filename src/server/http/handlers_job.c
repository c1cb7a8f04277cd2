/* handlers_job.c — /job routes: HTTP <-> job service mapping only. */
#include <string.h>

#include "model/job_request.h"
#include "server/http/router.h"
#include "server/service/job_list.h"
#include "server/service/jobs.h"

static void created(void *arg, int rc, const char *id, const pf_error *e)
{
    pf_deferred_reply(arg, rc, rc == 0 ? json_pack("{s:s}", "id", id) : NULL, e);
}

/* Answered once the job is committed; no thread waits for the commit meanwhile. */
static void create(pf_req *r, pf_resp *w, const char *type)
{
    pf_caller c = PF_CALLER(r);
    pf_jobs_create_async(r->app, &c, type, r->body, r->body_len, created, pf_req_defer(r, w));
}

void pf_h_job_create_single(pf_req *r, pf_resp *w)
{
    create(r, w, PF_JOB_SINGLE);
}

void pf_h_job_create_distributed(pf_req *r, pf_resp *w)
{
    create(r, w, PF_JOB_DISTRIBUTED);
}

void pf_h_job_create_workflow(pf_req *r, pf_resp *w)
{
    create(r, w, PF_JOB_WORKFLOW);
}

void pf_h_job_show(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *v = pf_jobs_show(r->app, &c, r->params[0], &e);
    pf_reply(r, w, v ? 0 : -1, v, &e);
}

void pf_h_job_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_job_query q = {
        .status = pf_req_query(r, "status"),
        .timestamp = pf_req_query(r, "timestamp"),
        .start_time = pf_req_query(r, "startTime"),
        .queue = pf_req_query(r, "queue"),
        .labels = pf_req_query(r, "labels"),
        .max_keys = pf_req_query(r, "maxKeys"),
        .marker = pf_req_query(r, "marker"),
    };
    size_t len;
    pf_reply_text(r, w, pf_jobs_list_text(r->app, &c, &q, &len, &e), &e);
}

void pf_h_job_put(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    const char *action = pf_req_query_or(r, "action", "");
    int rc;
    if (strcmp(action, "stop") == 0)
        rc = pf_jobs_stop_job(r->app, &c, r->params[0], &e);
    else if (strcmp(action, "modify") == 0)
        rc = pf_jobs_update(r->app, &c, r->params[0], r->body, r->body_len, &e);
    else
        rc = pf_fail(&e, "ActionNotAllowed", NULL);
    pf_reply(r, w, rc, NULL, &e);
}

void pf_h_job_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply(r, w, pf_jobs_delete(r->app, &c, r->params[0], &e), NULL, &e);
}
