/* cmd_flavour.c — `paddleflow flavour …` (api.md §9.5): create/list/show/update/delete. */
#include <stdlib.h>

#include "cli/cli.h"

static void flavour_row(cli_table *t, const pf_flavour *f)
{
    json_t *o = json_object();
    for (size_t i = 0; i < f->n_scalars; i++)
        json_object_set_new(o, f->scalars[i].key, json_string(f->scalars[i].value));
    char *scalars = f->n_scalars ? cli_cell(o) : NULL;
    const char *row[] = {f->name, f->cpu, f->mem, scalars ? scalars : "", f->cluster_name};
    cli_table_add(t, row);
    free(scalars);
    json_decref(o);
}

static const char *const HEADERS[] = {"name", "cpu", "mem", "scalarResources", "clusterName"};

static int run_list(cli_ctx *ctx, const cli_parsed *p)
{
    pf_page_options page;
    int rc = cli_page_opts(ctx, p, "--maxkeys", "--marker", &page);
    if (rc != EXIT_OK) return rc;
    pf_client *c = cli_client(ctx);
    pf_flavour_page *l;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_flavour_list(c, &page, NULL, NULL, &l, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(l->json);
    } else {
        cli_table *t = cli_table_new(5, HEADERS);
        for (size_t i = 0; i < l->n; i++)
            flavour_row(t, &l->items[i]);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        cli_print_marker(l->next_marker);
    }
    pf_flavour_page_free(l);
    return EXIT_OK;
}

static int run_show(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_flavour *f;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_flavour_get(c, p->args[0], &f, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(f->json);
    } else {
        cli_table *t = cli_table_new(5, HEADERS);
        flavour_row(t, f);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
    }
    pf_flavour_free(f);
    return EXIT_OK;
}

static int write_flavour(cli_ctx *ctx, const cli_parsed *p, bool create)
{
    pf_pair *scalars = NULL;
    size_t n = 0;
    const char *s = cli_opt_value(p, "--scalar");
    if (s && cli_parse_pairs(s, &scalars, &n) != 0)
        return cli_bad_value(ctx, p, "--scalar", "'%s' is not of the form k=v[,k=v...]", s);
    pf_flavour_spec spec = {
        p->args[0], cli_opt_value(p, "--cpu"),        cli_opt_value(p, "--mem"), scalars,
        n,          cli_opt_value(p, "--clustername")};
    if (create && (!spec.cpu || !spec.mem)) {
        free(scalars);
        return cli_usage_error(ctx, "Missing option '%s'.",
                               spec.cpu ? "-m' / '--mem" : "-c' / '--cpu");
    }
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    int rc = !c       ? -1
             : create ? pf_flavour_create(c, &spec, &e)
                      : pf_flavour_update(c, &spec, NULL, &e);
    free(scalars);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    return cli_done(ctx, create ? "flavour[%s] create success" : "update [%s] success", p->args[0]);
}

static int run_create(cli_ctx *ctx, const cli_parsed *p)
{
    return write_flavour(ctx, p, true);
}

static int run_update(cli_ctx *ctx, const cli_parsed *p)
{
    return write_flavour(ctx, p, false);
}

static int run_delete(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_flavour_delete(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return cli_done(ctx, "flavour[%s] delete success", p->args[0]);
}

#define FLAVOUR_OPTS(req)                                                                          \
    {"-c", "--cpu", "CPU", "cpu, e.g. 4 or 500m" req, NULL},                                       \
        {"-m", "--mem", "MEM", "memory, e.g. 8Gi" req, NULL},                                      \
        {"-s", "--scalar", "K=V,...", "scalar resources, e.g. nvidia.com/gpu=1", NULL},            \
    {                                                                                              \
        NULL, "--clustername", "CLUSTER", "bind the flavour to a cluster", NULL                    \
    }

static const cli_cmd FLAVOUR_CMDS[] = {
    {"create",
     "create flavour.",
     NULL,
     {{"NAME", NULL}},
     {FLAVOUR_OPTS(" (required)")},
     run_create,
     false},
    {"delete", "delete flavour.", NULL, {{"NAME", NULL}}, {{0}}, run_delete, false},
    {"list",
     "list flavour.",
     NULL,
     {{0}},
     {{"-m", "--maxkeys", "MAXKEYS", "at most this many flavours", NULL},
      {"-mk", "--marker", "MARKER", "continue from this marker", NULL}},
     run_list,
     false},
    {"show", "show flavour info.", NULL, {{"NAME", NULL}}, {{0}}, run_show, false},
    {"update", "update flavour.", NULL, {{"NAME", NULL}}, {FLAVOUR_OPTS("")}, run_update, false},
    {0},
};

const cli_group cli_group_flavour = {"flavour", "manage flavour resources", FLAVOUR_CMDS, false};
