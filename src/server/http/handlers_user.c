/* handlers_user.c — login, version, users and grants: HTTP <-> service mapping only. */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "server/http/router.h"
#include "server/service/app.h"
#include "server/service/auth.h"
#include "server/service/users.h"
#include "server/service/version.h"

void pf_h_login(pf_req *r, pf_resp *w)
{
    pf_error e;
    const char *user = "", *password = "";
    json_t *body = pf_req_json(r, &e);
    if (!body || pf_json_str(body, "username", &user, &e) ||
        pf_json_str(body, "password", &password, &e)) {
        json_decref(body);
        pf_resp_error(w, r, &e);
        return;
    }
    char *token = NULL;
    if (pf_auth_login(r->app, user, password, &token, &e) != 0)
        pf_resp_error(w, r, &e);
    else
        pf_resp_json(w, json_pack("{s:s}", "authorization", token));
    /* the login name is safe to log; the password and the token never are */
    snprintf(r->user, sizeof r->user, "%s", user);
    free(token);
    json_decref(body);
}

void pf_h_version(pf_req *r, pf_resp *w)
{
    pf_resp_json(w, pf_version_json());
}

void pf_h_user_create(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    const char *name = "", *password = "";
    json_t *body = pf_req_json(r, &e);
    int rc = body ? 0 : -1;
    if (rc == 0)
        rc = pf_json_str(body, "username", &name, &e) |
             pf_json_str(body, "password", &password, &e);
    if (rc == 0) rc = pf_users_create(r->app, &c, name, password, &e);
    pf_reply(r, w, rc, rc == 0 ? json_pack("{s:s}", "username", name) : NULL, &e);
    json_decref(body);
}

void pf_h_user_update(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    const char *password = "";
    json_t *body = pf_req_json(r, &e);
    int rc = body ? pf_json_str(body, "password", &password, &e) : -1;
    if (rc == 0) rc = pf_users_set_password(r->app, &c, r->params[0], password, &e);
    pf_reply(r, w, rc, NULL, &e);
    json_decref(body);
}

void pf_h_user_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    pf_reply(r, w, pf_users_delete(r->app, &c, r->params[0], &e), NULL, &e);
}

void pf_h_user_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out = pf_users_list(r->app, &c, pf_req_query(r, "marker"),
                                pf_req_query(r, "maxKeys"), pf_req_query(r, "user"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}

void pf_h_grant_create(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    const char *user = "", *type = "", *res = "";
    char id[32];
    json_t *body = pf_req_json(r, &e);
    int rc = body ? 0 : -1;
    if (rc == 0)
        rc = pf_json_str(body, "userName", &user, &e) |
             pf_json_str(body, "resourceType", &type, &e) |
             pf_json_str(body, "resourceID", &res, &e);
    if (rc == 0) rc = pf_grants_create(r->app, &c, user, type, res, id, sizeof id, &e);
    pf_reply(r, w, rc, rc == 0 ? json_pack("{s:s}", "grantID", id) : NULL, &e);
    json_decref(body);
}

void pf_h_grant_delete(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    int rc = pf_grants_delete(r->app, &c, pf_req_query_or(r, "username", ""),
                              pf_req_query_or(r, "resourceType", ""), pf_req_query_or(r, "resourceID", ""),
                              &e);
    pf_reply(r, w, rc, NULL, &e);
}

void pf_h_grant_list(pf_req *r, pf_resp *w)
{
    pf_error e;
    pf_caller c = PF_CALLER(r);
    json_t *out = pf_grants_list(r->app, &c, pf_req_query(r, "username"),
                                 pf_req_query(r, "marker"), pf_req_query(r, "maxKeys"), &e);
    pf_reply(r, w, out ? 0 : -1, out, &e);
}
