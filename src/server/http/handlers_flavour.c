/* handlers_flavour.c — flavours: HTTP <-> service mapping only (api.md §6.2). */
#include "base/json.h"
#include "server/http/router.h"
#include "server/service/app.h"
#include "server/service/flavours.h"

void pf_h_flavour_create(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_flavour_req f;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_flavour_req_decode(body, &f, &e) == 0)
        out = pf_flavours_create(r->app, &c, &f, &e);
    if (body) pf_flavour_req_clear(&f);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    json_decref(body);
}

void pf_h_flavour_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out =
        pf_flavours_list(r->app, &c, pf_req_query(r, "marker"), pf_req_query(r, "maxKeys"),
                         pf_req_query(r, "clusterName"), pf_req_query(r, "name"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_flavour_show(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out = pf_flavours_show(r->app, &c, r->params[0], &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_flavour_update(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_flavour_req f;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_flavour_req_decode(body, &f, &e) == 0)
        out = pf_flavours_update(r->app, &c, r->params[0], &f, &e);
    if (body) pf_flavour_req_clear(&f);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    json_decref(body);
}

void pf_h_flavour_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply(r, w, pf_flavours_delete(r->app, &c, r->params[0], &e), NULL, &e);
}
