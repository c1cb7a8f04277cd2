/* queues.c — queues and grants (api.md §6.1, §6.5). Grants live here because the only grant
 * the CLI manages is a queue grant. */
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"

static void decode_queue(pf_arena *a, const json_t *o, void *item)
{
    pf_queue *q = item;
    q->id = pf_dec_str(a, o, "id");
    q->name = pf_dec_str(a, o, "name");
    q->namespace_ = pf_dec_str(a, o, "namespace");
    q->cluster_name = pf_dec_str(a, o, "clusterName");
    q->quota_type = pf_dec_str(a, o, "quotaType");
    q->status = pf_dec_str(a, o, "status");
    q->create_time = pf_dec_str(a, o, "createTime");
    q->update_time = pf_dec_str(a, o, "updateTime");
    pf_dec_resource(a, o, "maxResources", &q->max_resources);
    pf_dec_resource(a, o, "minResources", &q->min_resources);
    pf_dec_resource(a, o, "usedResources", &q->used_resources);
    pf_dec_resource(a, o, "idleResources", &q->idle_resources);
    q->location = pf_dec_pairs(a, o, "location", &q->n_location);
    q->scheduling_policy = pf_dec_strs(a, o, "schedulingPolicy", &q->n_scheduling_policy);
    q->json = pf_dec_self(a, o);
}

static void body_resource(json_t *b, const char *key, const pf_resource_spec *r)
{
    if (!r) return;
    json_t *o = json_object();
    pf_body_str(o, "cpu", r->cpu);
    pf_body_str(o, "mem", r->mem);
    pf_body_pairs(o, "scalarResources", r->scalars, r->n_scalars);
    if (json_object_size(o)) json_object_set(b, key, o);
    json_decref(o);
}

static char *queue_body(const pf_queue_spec *s, bool create)
{
    json_t *b = json_object();
    if (create) {
        pf_body_str(b, "name", s->name);
        pf_body_str(b, "namespace", s->namespace_);
        pf_body_str(b, "clusterName", s->cluster_name);
        pf_body_str(b, "quotaType", s->quota_type);
    }
    body_resource(b, "maxResources", s->max_resources);
    body_resource(b, "minResources", s->min_resources);
    pf_body_pairs(b, "location", s->location, s->n_location);
    pf_body_strs(b, "schedulingPolicy", s->scheduling_policy, s->n_scheduling_policy);
    return pf_body_take(b);
}

static void queue_path(pf_buf *p, const char *name)
{
    pf_buf_puts(p, "/queue");
    pf_path_add(p, name);
}

int pf_queue_create(pf_client *c, const pf_queue_spec *s, pf_api_error *err)
{
    if (!s || !s->name || !*s->name)
        return pf_client_fail(err, "InvalidArgument", "queue name is required");
    char *body = queue_body(s, true);
    int rc = pf_call(c, "POST", "/queue", body, NULL, err);
    free(body);
    return rc;
}

int pf_queue_update(pf_client *c, const char *name, const pf_queue_spec *s, pf_queue **out,
                    pf_api_error *err)
{
    static const pf_queue_spec none = {0};
    char *body = queue_body(s ? s : &none, false);
    pf_buf p = PF_BUF_INIT;
    queue_path(&p, name);
    pf_queue *q = NULL;
    int rc = pf_fetch_one(c, "PUT", p.data, body, sizeof *q, decode_queue, (void **)&q, err);
    free(body);
    pf_buf_free(&p);
    if (out)
        *out = q;
    else
        pf_queue_free(q);
    return rc;
}

int pf_queue_get(pf_client *c, const char *name, pf_queue **out, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    queue_path(&p, name);
    int rc = pf_fetch_one(c, "GET", p.data, NULL, sizeof **out, decode_queue, (void **)out, err);
    pf_buf_free(&p);
    return rc;
}

int pf_queue_list(pf_client *c, const pf_page_options *page, const char *name_filter,
                  pf_queue_page **out, pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/queue");
    pf_query_page(&q, page);
    if (name_filter && *name_filter) pf_query_add(&q, "name", name_filter);
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "queueList", sizeof **out, sizeof(pf_queue), decode_queue,
                           (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

int pf_queue_delete(pf_client *c, const char *name, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    queue_path(&p, name);
    int rc = pf_call(c, "DELETE", p.data, NULL, NULL, err);
    pf_buf_free(&p);
    return rc;
}

void pf_queue_free(pf_queue *q)
{
    pf_arena_free_result(q);
}

void pf_queue_page_free(pf_queue_page *l)
{
    pf_arena_free_result(l);
}

/* ---- grants ---- */

static void decode_grant(pf_arena *a, const json_t *o, void *item)
{
    pf_grant *g = item;
    g->grant_id = pf_dec_str(a, o, "grantID");
    g->user_name = pf_dec_str(a, o, "userName");
    g->resource_type = pf_dec_str(a, o, "resourceType");
    g->resource_id = pf_dec_str(a, o, "resourceID");
    g->create_time = pf_dec_str(a, o, "createTime");
    g->update_time = pf_dec_str(a, o, "updateTime");
}

int pf_grant_create(pf_client *c, const char *user, const char *type, const char *resource_id,
                    char **grant_id_out, pf_api_error *err)
{
    if (grant_id_out) *grant_id_out = NULL;
    json_t *b = json_object();
    pf_body_str(b, "userName", user);
    pf_body_str(b, "resourceType", type);
    pf_body_str(b, "resourceID", resource_id);
    char *body = pf_body_take(b);
    json_t *r = NULL;
    int rc = pf_call(c, "POST", "/grant", body, &r, err);
    free(body);
    const char *id = json_string_value(json_object_get(r, "grantID"));
    if (rc == 0 && grant_id_out) *grant_id_out = strdup(id ? id : "");
    json_decref(r);
    return rc;
}

int pf_grant_delete(pf_client *c, const char *user, const char *type, const char *resource_id,
                    pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/grant");
    pf_query_add(&q, "username", user);
    pf_query_add(&q, "resourceType", type);
    pf_query_add(&q, "resourceID", resource_id);
    int rc = pf_call(c, "DELETE", q.data, NULL, NULL, err);
    pf_buf_free(&q);
    return rc;
}

int pf_grant_list(pf_client *c, const char *user, const pf_page_options *page, pf_grant_page **out,
                  pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/grant");
    pf_query_page(&q, page);
    if (user && *user) pf_query_add(&q, "username", user);
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "grantList", sizeof **out, sizeof(pf_grant), decode_grant,
                           (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

void pf_grant_page_free(pf_grant_page *l)
{
    pf_arena_free_result(l);
}
