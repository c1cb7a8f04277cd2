/* flavours.c — flavours (api.md §6.2): named cpu/mem/scalar resource sets. */
#include <stdlib.h>

#include "client/internal.h"

static void decode_flavour(pf_arena *a, const json_t *o, void *item)
{
    pf_flavour *f = item;
    f->id = pf_dec_str(a, o, "id");
    f->name = pf_dec_str(a, o, "name");
    f->cpu = pf_dec_str(a, o, "cpu");
    f->mem = pf_dec_str(a, o, "mem");
    f->scalars = pf_dec_pairs(a, o, "scalarResources", &f->n_scalars);
    f->cluster_name = pf_dec_str(a, o, "clusterName");
    f->create_time = pf_dec_str(a, o, "createTime");
    f->update_time = pf_dec_str(a, o, "updateTime");
    f->json = pf_dec_self(a, o);
}

static char *flavour_body(const pf_flavour_spec *s, bool with_name)
{
    json_t *b = json_object();
    if (with_name) pf_body_str(b, "name", s->name);
    pf_body_str(b, "cpu", s->cpu);
    pf_body_str(b, "mem", s->mem);
    pf_body_pairs(b, "scalarResources", s->scalars, s->n_scalars);
    pf_body_str(b, "clusterName", s->cluster_name);
    return pf_body_take(b);
}

static void flavour_path(pf_buf *p, const char *name)
{
    pf_buf_puts(p, "/flavour");
    pf_path_add(p, name);
}

int pf_flavour_create(pf_client *c, const pf_flavour_spec *s, pf_api_error *err)
{
    if (!s || !s->name) return pf_client_fail(err, "InvalidArgument", "flavour name is required");
    char *body = flavour_body(s, true);
    int rc = pf_call(c, "POST", "/flavour", body, NULL, err);
    free(body);
    return rc;
}

int pf_flavour_update(pf_client *c, const pf_flavour_spec *s, pf_flavour **out, pf_api_error *err)
{
    if (!s || !s->name) return pf_client_fail(err, "InvalidArgument", "flavour name is required");
    char *body = flavour_body(s, false);
    pf_buf p = PF_BUF_INIT;
    flavour_path(&p, s->name);
    pf_flavour *f = NULL;
    int rc = pf_fetch_one(c, "PUT", p.data, body, sizeof *f, decode_flavour, (void **)&f, err);
    free(body);
    pf_buf_free(&p);
    if (out)
        *out = f;
    else
        pf_flavour_free(f);
    return rc;
}

int pf_flavour_get(pf_client *c, const char *name, pf_flavour **out, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    flavour_path(&p, name);
    int rc = pf_fetch_one(c, "GET", p.data, NULL, sizeof **out, decode_flavour, (void **)out, err);
    pf_buf_free(&p);
    return rc;
}

int pf_flavour_list(pf_client *c, const pf_page_options *page, const char *name_filter,
                    const char *cluster_name, pf_flavour_page **out, pf_api_error *err)
{
    pf_buf q = PF_BUF_INIT;
    pf_buf_puts(&q, "/flavour");
    pf_query_page(&q, page);
    if (name_filter && *name_filter) pf_query_add(&q, "name", name_filter);
    if (cluster_name && *cluster_name) pf_query_add(&q, "clusterName", cluster_name);
    void *items;
    size_t n;
    pf_list_head h;
    int rc = pf_fetch_list(c, q.data, "flavourList", sizeof **out, sizeof(pf_flavour),
                           decode_flavour, (void **)out, &items, &n, &h, err);
    pf_buf_free(&q);
    if (rc == 0) PF_FILL_LIST(*out, items, n, h);
    return rc;
}

int pf_flavour_delete(pf_client *c, const char *name, pf_api_error *err)
{
    pf_buf p = PF_BUF_INIT;
    flavour_path(&p, name);
    int rc = pf_call(c, "DELETE", p.data, NULL, NULL, err);
    pf_buf_free(&p);
    return rc;
}

void pf_flavour_free(pf_flavour *f)
{
    pf_arena_free_result(f);
}

void pf_flavour_page_free(pf_flavour_page *l)
{
    pf_arena_free_result(l);
}
