/* cmd_cluster.c — `paddleflow cluster …` (root only): create/list/show/update/delete. */
#include <stdlib.h>

#include "cli/cli.h"

static const char *const HEADERS[] = {"cluster id", "cluster name", "description", "cluster type",
                                      "version",    "status",       "update time"};

static void cluster_row(cli_table *t, const pf_cluster *c)
{
    const char *row[] = {c->id,      c->cluster_name, c->description, c->cluster_type,
                         c->version, c->status,       c->update_time};
    cli_table_add(t, row);
}

static int run_list(cli_ctx *ctx, const cli_parsed *p)
{
    pf_page_options page;
    int rc = cli_page_opts(ctx, p, "--maxkeys", "--marker", &page);
    if (rc != EXIT_OK) return rc;
    pf_client *c = cli_client(ctx);
    pf_cluster_page *l;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_cluster_list(c, &page, cli_opt_value(p, "--names"), cli_opt_value(p, "--status"), &l,
                        &e) != 0)
        return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(l->json);
    } else {
        cli_table *t = cli_table_new(7, HEADERS);
        for (size_t i = 0; i < l->n; i++)
            cluster_row(t, &l->items[i]);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        cli_print_marker(l->next_marker);
    }
    pf_cluster_page_free(l);
    return EXIT_OK;
}

static int run_show(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_cluster *cl;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_cluster_get(c, p->args[0], &cl, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(cl->json);
    } else {
        cli_table *t = cli_table_new(7, HEADERS);
        cluster_row(t, cl);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        json_t *all = cli_json(cl->json), *info = json_object();
        static const char *const keys[] = {"endpoint", "source", "setting", "namespaceList",
                                           "createTime"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            json_t *v = json_object_get(all, keys[i]);
            json_object_set(info, keys[i], v ? v : json_null());
        }
        printf("cluster info:\n");
        cli_print_json(stdout, info);
        json_decref(info);
        json_decref(all);
    }
    pf_cluster_free(cl);
    return EXIT_OK;
}

static int write_cluster(cli_ctx *ctx, const cli_parsed *p, bool create)
{
    size_t n_ns = 0;
    const char *ns = cli_opt_value(p, "--namespaces");
    const char **nslist = ns ? cli_split(ns, &n_ns) : NULL;
    pf_cluster_spec s = {p->args[0],
                         create ? p->args[1] : cli_opt_value(p, "--endpoint"),
                         create ? p->args[2] : cli_opt_value(p, "--clustertype"),
                         cli_opt_value(p, "--version"),
                         cli_opt_value(p, "--status"),
                         cli_opt_value(p, "--source"),
                         cli_opt_value(p, "--credential"),
                         cli_opt_value(p, "--setting"),
                         cli_opt_value(p, "--description"),
                         nslist,
                         n_ns};
    pf_client *c = cli_client(ctx);
    pf_cluster *cl = NULL;
    pf_api_error e;
    int rc = !c       ? -1
             : create ? pf_cluster_create(c, &s, &cl, &e)
                      : pf_cluster_update(c, &s, &cl, &e);
    free(nslist);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON)
        cli_print_raw(cl->json);
    else if (create)
        printf("cluster[%s] create success, id[%s]\n", p->args[0], cl->id);
    else
        printf("cluster[%s] update success\n", p->args[0]);
    pf_cluster_free(cl);
    return EXIT_OK;
}

static int run_create(cli_ctx *ctx, const cli_parsed *p)
{
    return write_cluster(ctx, p, true);
}

static int run_update(cli_ctx *ctx, const cli_parsed *p)
{
    return write_cluster(ctx, p, false);
}

static int run_delete(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_cluster_delete(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return cli_done(ctx, "cluster[%s] delete success", p->args[0]);
}

#define CLUSTER_OPTS                                                                               \
    {NULL, "--version", "VERSION", "cluster version (required for Kubernetes)", NULL},             \
        {NULL, "--status", "STATUS", "online or offline", "online offline"},                       \
        {NULL, "--source", "SOURCE", "source, default OnPremise", NULL},                           \
        {NULL, "--credential", "BASE64", "base64 of the kubeconfig", NULL},                        \
        {NULL, "--setting", "SETTING", "free-form setting", NULL},                                 \
        {NULL, "--description", "TEXT", "description", NULL},                                      \
    {                                                                                              \
        NULL, "--namespaces", "NS1,NS2", "namespaces queues may use", NULL                         \
    }

static const cli_cmd CLUSTER_CMDS[] = {
    {"create",
     "create cluster.",
     NULL,
     {{"CLUSTERNAME", NULL}, {"ENDPOINT", NULL}, {"CLUSTERTYPE", "Kubernetes Local K3S"}},
     {CLUSTER_OPTS},
     run_create,
     false},
    {"delete", "delete cluster.", NULL, {{"CLUSTERNAME", NULL}}, {{0}}, run_delete, false},
    {"list",
     "list cluster.",
     NULL,
     {{0}},
     {{"-m", "--maxkeys", "MAXKEYS", "at most this many clusters", NULL},
      {"-mk", "--marker", "MARKER", "continue from this marker", NULL},
      {NULL, "--names", "C1,C2", "only these clusters", NULL},
      {NULL, "--status", "STATUS", "only clusters in this status", "online offline"}},
     run_list,
     false},
    {"show", "show cluster info.", NULL, {{"CLUSTERNAME", NULL}}, {{0}}, run_show, false},
    {"update",
     "update cluster.",
     NULL,
     {{"CLUSTERNAME", NULL}},
     {{NULL, "--endpoint", "ENDPOINT", "endpoint", NULL},
      {NULL, "--clustertype", "TYPE", "Kubernetes, Local or K3S", "Kubernetes Local K3S"},
      CLUSTER_OPTS},
     run_update,
     false},
    {0},
};

const cli_group cli_group_cluster = {"cluster", "manage cluster resources", CLUSTER_CMDS, false};
