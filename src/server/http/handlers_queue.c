/* handlers_queue.c — queues: HTTP <-> service mapping only (api.md §6.1). */
#include "base/json.h"
#include "server/http/router.h"
#include "server/service/app.h"
#include "server/service/queues.h"

void pf_h_queue_create(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_queue_req q;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_queue_req_decode(body, &q, &e) == 0) out = pf_queues_create(r->app, &c, &q, &e);
    if (body) pf_queue_req_clear(&q);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    json_decref(body);
}

void pf_h_queue_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out = pf_queues_list(r->app, &c, pf_req_query(r, "marker"), pf_req_query(r, "maxKeys"),
                                 pf_req_query(r, "name"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_queue_show(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply_text(r, w, pf_queues_show(r->app, &c, r->params[0], &e), &e);
}

void pf_h_queue_update(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_queue_req q;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_queue_req_decode(body, &q, &e) == 0)
        out = pf_queues_update(r->app, &c, r->params[0], &q, &e);
    if (body) pf_queue_req_clear(&q);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    json_decref(body);
}

void pf_h_queue_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply(r, w, pf_queues_delete(r->app, &c, r->params[0], &e), NULL, &e);
}
