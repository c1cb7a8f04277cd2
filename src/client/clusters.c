/* clusters.c — clusters (api.md §6.3) and filesystems (§6.6 and the fs routes of our
 * server). Both are small admin resources addressed by name. */
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"

static void decode_cluster(pf_arena *a, const json_t *o, void *item)
{
    pf_cluster *c = item;
    c->id = pf_dec_str(a, o, "id");
    c->cluster_name = pf_dec_str(a, o, "clusterName");
    c->description = pf_dec_str(a, o, "description");
    c->endpoint = pf_dec_str(a, o, "endpoint");
    c->source = pf_dec_str(a, o, "source");
    c->cluster_type = pf_dec_str(a, o, "clusterType");
    c->version = pf_dec_str(a, o, "version");
    c->status = pf_dec_str(a, o, "status");
    c->credential = pf_dec_str(a, o, "credential");
    c->setting = pf_dec_str(a, o, "setting");
    c->namespaces = pf_dec_strs(a, o, "namespaceList", &c->n_namespaces);
    c->create_time = pf_dec_str(a, o, "createTime");
    c->update_time = pf_dec_str(a, o, "updateTime");
    c->json = pf_dec_self(a, o);
}

static char *cluster_body(const pf_cluster_spec *s, bool with_name)
{
    json_t *b = json_object();
    if (with_name) pf_body_str(b, "clusterName", s->cluster_name);
    pf_body_str(b, "endpoint", s->endpoint);
    pf_body_str(b, "clusterType", s->cluster_type);
    pf_body_str(b, "version", s->version);
    pf_body_str(b, "status", s->status);
    pf_body_str(b, "source", s->source);
    pf_body_str(b, "credential", s->credential);
    pf_body_str(b, "setting", s->setting);
    pf_body_str(b, "description", s->description);
    pf_body_strs(b, "namespaceList", s->namespaces, s->n_namespaces);
    return pf_body_take(b);
}

static void named_path(pf_buf *p, const char *base, const char *name)
{
    pf_buf_puts(p, base);
    pf_path_add(p, name);
}

static int cluster_write(pf_client *c, const char *method, const pf_cluster_spec *s,
                         pf_cluster **out, pf_api_error *err)
{
    if (out) *out = NULL;
    if (!s || !s->cluster_name || !*s->cluster_name)
        return pf_client_fail(err, "InvalidArgument", "cluster name is required");
    bool create = strcmp(method, "POST") == 0;
    char *body = cluster_body(s, create);
    pf_buf p = PF_BUF_INIT;
    if (create)
        pf_buf_puts(&p, "/cluster");
    else
        named_path(&p, "/cluster", s->cluster_name);
    pf_cluster *cl = NULL;
    int rc = pf_fetch_one(c, method, p.data, body, sizeof *cl, decode_cluster, (void **)&cl, err);
    free(body);
    pf_buf_free(&p);
    if (out)
        *out = cl;
    else
        pf_cluster_free(cl);
    return rc;
}

int pf_cluster_create(pf_client *c, const pf_cluster_spec *s, pf_cluster **out, pf_api_error *err)
{
    return cluster_write(c, "POST", s, out, err);
}

int pf_cluster_update(pf_client *c, const pf_cluster_spec *s, pf_cluster **out, pf_api_error *err)
{
    return cluster_write(c, "PUT", s, out, err);
}

int pf_cluster_get(pf_client *c, const char *name, pf_cluster **out, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    named_path(&p, "/cluster", name);
    int rc = pf_fetch_one(c, "GET", p.data, NULL, sizeof **out, decode_cluster, (void **)out, err);
    pf_buf_free(&p);
    return rc;
}

int pf_cluster_list(pf_client *c, const pf_page_options *page, const char *names,
                    const char *status, pf_cluster_page **out, pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/cluster");
    pf_query_page(&q, page);
    if (names && *names) pf_query_add(&q, "clusterNames", names);
    if (status && *status) pf_query_add(&q, "clusterStatus", status);
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "clusterList", sizeof **out, sizeof(pf_cluster),
                           decode_cluster, (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

int pf_cluster_delete(pf_client *c, const char *name, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    named_path(&p, "/cluster", name);
    int rc = pf_call(c, "DELETE", p.data, NULL, NULL, err);
    pf_buf_free(&p);
    return rc;
}

void pf_cluster_free(pf_cluster *cl)
{
    pf_arena_free_result(cl);
}

void pf_cluster_page_free(pf_cluster_page *l)
{
    pf_arena_free_result(l);
}

/* ---- filesystems ---- */

static void decode_fs(pf_arena *a, const json_t *o, void *item)
{
    pf_fs *f = item;
    f->id = pf_dec_str(a, o, "id");
    f->name = pf_dec_str(a, o, "name");
    f->type = pf_dec_str(a, o, "type");
    f->url = pf_dec_str(a, o, "url");
    f->host_path = pf_dec_str(a, o, "hostPath");
    f->user_name = pf_dec_str(a, o, "userName");
    f->create_time = pf_dec_str(a, o, "createTime");
    f->json = pf_dec_self(a, o);
}

int pf_fs_create(pf_client *c, const char *name, const char *url, char **fs_id_out,
                 pf_api_error *err)
{
    if (fs_id_out) *fs_id_out = NULL;
    json_t *b = json_object();
    pf_body_str(b, "name", name);
    pf_body_str(b, "url", url);
    char *body = pf_body_take(b);
    json_t *r = NULL;
    int rc = pf_call(c, "POST", "/fs", body, &r, err);
    free(body);
    const char *id = json_string_value(json_object_get(r, "fsID"));
    if (rc == 0 && fs_id_out) *fs_id_out = strdup(id ? id : "");
    json_decref(r);
    return rc;
}

int pf_fs_get(pf_client *c, const char *name, pf_fs **out, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    named_path(&p, "/fs", name);
    int rc = pf_fetch_one(c, "GET", p.data, NULL, sizeof **out, decode_fs, (void **)out, err);
    pf_buf_free(&p);
    return rc;
}

int pf_fs_list(pf_client *c, const pf_page_options *page, pf_fs_page **out, pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/fs");
    pf_query_page(&q, page);
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "fsList", sizeof **out, sizeof(pf_fs), decode_fs,
                           (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

int pf_fs_delete(pf_client *c, const char *name, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    named_path(&p, "/fs", name);
    int rc = pf_call(c, "DELETE", p.data, NULL, NULL, err);
    pf_buf_free(&p);
    return rc;
}

void pf_fs_free(pf_fs *fs)
{
    pf_arena_free_result(fs);
}

void pf_fs_page_free(pf_fs_page *l)
{
    pf_arena_free_result(l);
}
