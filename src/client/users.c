/* users.c — users (api.md §6.4) and the server version (§6.7). */
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"

static void user_path(pf_buf *p, const char *name)
{
    pf_buf_puts(p, "/user");
    pf_path_add(p, name);
}

int pf_user_create(pf_client *c, const char *name, const char *password, pf_api_error *err)
{
    json_t *b = json_object();
    pf_body_str(b, "username", name);
    pf_body_str(b, "password", password);
    char *body = pf_body_take(b);
    int rc = pf_call(c, "POST", "/user", body, NULL, err);
    explicit_bzero(body, strlen(body));
    free(body);
    return rc;
}

int pf_user_set_password(pf_client *c, const char *name, const char *password, pf_api_error *err)
{
    json_t *b = json_object();
    pf_body_str(b, "password", password);
    char *body = pf_body_take(b);
    pf_buf p = PF_BUF_INIT;
    user_path(&p, name);
    int rc = pf_call(c, "PUT", p.data, body, NULL, err);
    explicit_bzero(body, strlen(body));
    free(body);
    pf_buf_free(&p);
    return rc;
}

int pf_user_delete(pf_client *c, const char *name, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    user_path(&p, name);
    int rc = pf_call(c, "DELETE", p.data, NULL, NULL, err);
    pf_buf_free(&p);
    return rc;
}

static void decode_user(pf_arena *a, const json_t *o, void *item)
{
    pf_user *u = item;
    u->name = pf_dec_str(a, o, "name");
    u->create_time = pf_dec_str(a, o, "createTime");
}

int pf_user_list(pf_client *c, const pf_page_options *page, pf_user_page **out, pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/user");
    pf_query_page(&q, page);
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "userList", sizeof **out, sizeof(pf_user), decode_user,
                           (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

void pf_user_page_free(pf_user_page *l)
{
    pf_arena_free_result(l);
}

static void decode_version(pf_arena *a, const json_t *o, void *item)
{
    pf_server_version *v = item;
    v->git_version = pf_dec_str(a, o, "gitVersion");
    v->git_commit = pf_dec_str(a, o, "gitCommit");
    v->git_branch = pf_dec_str(a, o, "gitBranch");
    v->build_date = pf_dec_str(a, o, "buildDate");
    v->go_version = pf_dec_str(a, o, "goVersion");
    v->compiler = pf_dec_str(a, o, "compiler");
    v->platform = pf_dec_str(a, o, "platform");
    v->json = pf_dec_self(a, o);
}

int pf_server_version_get(pf_client *c, pf_server_version **out, pf_api_error *err)
{
    return pf_fetch_one(c, "GET", "/version", NULL, sizeof **out, decode_version, (void **)out,
                        err);
}

void pf_server_version_free(pf_server_version *v)
{
    pf_arena_free_result(v);
}
