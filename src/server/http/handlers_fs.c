/* handlers_fs.c — filesystems: HTTP <-> service mapping only (api.md §6.6). */
#include "base/json.h"
#include "server/http/router.h"
#include "server/service/app.h"
#include "server/service/filesystems.h"

void pf_h_fs_create(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_fs_req f;
    json_t *body = pf_req_json(r, &e), *out = NULL;
    if (body && pf_fs_req_decode(body, &f, &e) == 0)
        out = pf_filesystems_create(r->app, &c, &f, &e);
    if (body) pf_fs_req_clear(&f);
    pf_reply(r, w, out ? 0 : -1, out, &e);
    if (out) w->status = 201; /* upstream answers 201 Created here */
    json_decref(body);
}

void pf_h_fs_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out =
        pf_filesystems_list(r->app, &c, pf_req_query(r, "marker"), pf_req_query(r, "maxKeys"),
                            pf_req_query(r, "username"), pf_req_query(r, "fsName"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_fs_show(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out = pf_filesystems_show(r->app, &c, r->params[0], pf_req_query(r, "username"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_fs_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply(r, w, pf_filesystems_delete(r->app, &c, r->params[0], pf_req_query(r, "username"), &e),
             NULL, &e);
}
