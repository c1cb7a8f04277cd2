/* cmd_queue.c — `paddleflow queue …` with upstream's names and outputs (api.md §9.5):
 * create/list/show/update/delete and the queue grants grant/ungrant/grantlist. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void queue_row(cli_table *t, const pf_queue *q, bool show)
{
    const char *list[] = {q->name,         q->namespace_,  q->status,
                          q->cluster_name, q->create_time, q->update_time};
    const char *full[] = {q->name,         q->namespace_,  q->status,     q->quota_type,
                          q->cluster_name, q->create_time, q->update_time};
    cli_table_add(t, show ? full : list);
}

static int run_list(cli_ctx *ctx, const cli_parsed *p)
{
    long long max = 0;
    int rc = cli_int_opt(ctx, p, "--maxkeys", &max);
    if (rc != EXIT_OK) return rc;
    pf_page_options page = {(int)max, cli_opt_value(p, "--marker")};
    pf_client *c = cli_client(ctx);
    pf_queue_page *l;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_queue_list(c, &page, NULL, &l, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        json_t *j = cli_json(l->json);
        cli_print_json(stdout, j);
        json_decref(j);
    } else if (l->n == 0) {
        printf("no queue found\n");
    } else {
        static const char *const h[] = {"name",         "namespace",   "status",
                                        "cluster name", "create time", "update time"};
        cli_table *t = cli_table_new(6, h);
        for (size_t i = 0; i < l->n; i++)
            queue_row(t, &l->items[i], false);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        cli_print_marker(l->next_marker);
    }
    pf_queue_page_free(l);
    return EXIT_OK;
}

static int run_show(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_queue *q;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_queue_get(c, p->args[0], &q, &e) != 0) return cli_api_error(&e);
    json_t *j = cli_json(q->json);
    if (ctx->output == OUT_JSON) {
        cli_print_json(stdout, j);
    } else {
        static const char *const h[] = {"name",         "namespace",   "status",     "quota type",
                                        "cluster name", "create time", "update time"};
        cli_table *t = cli_table_new(7, h);
        queue_row(t, q, true);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        static const char *const keys[][2] = {
            {"maxResources", "max resources"},         {"minResources", "min resources"},
            {"usedResources", "used resources"},       {"idleResources", "idle resources"},
            {"schedulingPolicy", "scheduling policy"}, {"location", "location"}};
        json_t *info = json_object();
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            json_t *v = json_object_get(j, keys[i][0]);
            bool truthy = v && (json_is_object(v)  ? json_object_size(v) > 0
                                : json_is_array(v) ? json_array_size(v) > 0
                                                   : !json_is_null(v));
            if (truthy || i == 0) json_object_set(info, keys[i][1], v ? v : json_null());
        }
        printf("queue info:\n");
        cli_print_json(stdout, info);
        json_decref(info);
    }
    json_decref(j);
    pf_queue_free(q);
    return EXIT_OK;
}

/* the option values that build a queue spec; pairs/lists are freed by spec_free */
typedef struct spec_parts {
    pf_resource_spec max, min;
    pf_pair *max_scalar, *min_scalar, *location;
    const char **policy;
    size_t n_policy;
    pf_queue_spec spec;
} spec_parts;

static void spec_free(spec_parts *s)
{
    free(s->max_scalar);
    free(s->min_scalar);
    free(s->location);
    free(s->policy);
}

static int pairs(const cli_ctx *ctx, const cli_parsed *p, const char *name, pf_pair **out,
                 size_t *n)
{
    const char *v = cli_opt_value(p, name);
    if (!v) return EXIT_OK;
    if (cli_parse_pairs(v, out, n) != 0)
        return cli_bad_value(ctx, p, name, "'%s' is not of the form k=v[,k=v...]", v);
    return EXIT_OK;
}

static int build_spec(const cli_ctx *ctx, const cli_parsed *p, const char *maxcpu,
                      const char *maxmem, spec_parts *s)
{
    memset(s, 0, sizeof *s);
    s->max.cpu = maxcpu;
    s->max.mem = maxmem;
    s->min.cpu = cli_opt_value(p, "--mincpu");
    s->min.mem = cli_opt_value(p, "--minmem");
    int rc = pairs(ctx, p, "--maxscalar", &s->max_scalar, &s->max.n_scalars);
    if (rc == EXIT_OK) rc = pairs(ctx, p, "--minscalar", &s->min_scalar, &s->min.n_scalars);
    if (rc == EXIT_OK) rc = pairs(ctx, p, "--location", &s->location, &s->spec.n_location);
    if (rc != EXIT_OK) return rc;
    s->max.scalars = s->max_scalar;
    s->min.scalars = s->min_scalar;
    const char *pol = cli_opt_value(p, "--policy");
    if (pol) s->policy = cli_split(pol, &s->n_policy);
    s->spec.max_resources = &s->max;
    s->spec.min_resources = (s->min.cpu || s->min.mem || s->min.n_scalars) ? &s->min : NULL;
    s->spec.location = s->location;
    s->spec.scheduling_policy = s->policy;
    s->spec.n_scheduling_policy = s->n_policy;
    return EXIT_OK;
}

static int done(const cli_ctx *ctx, const char *fmt, const char *a, const char *b)
{
    if (ctx->output == OUT_JSON) {
        json_t *o = json_pack("{s:b}", "success", 1);
        cli_print_json(stdout, o);
        json_decref(o);
        return EXIT_OK;
    }
    printf(fmt, a, b);
    putchar('\n');
    return EXIT_OK;
}

static int run_create(cli_ctx *ctx, const cli_parsed *p)
{
    spec_parts s;
    int rc = build_spec(ctx, p, p->args[2], p->args[3], &s);
    if (rc != EXIT_OK) return spec_free(&s), rc;
    s.spec.name = p->args[0];
    s.spec.namespace_ = p->args[1];
    s.spec.cluster_name = cli_opt_value(p, "--clustername");
    s.spec.quota_type = cli_opt_value(p, "--quota");
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    rc = c ? pf_queue_create(c, &s.spec, &e) : -1;
    spec_free(&s);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    return done(ctx, "queue[%s] create success", p->args[0], NULL);
}

static int run_update(cli_ctx *ctx, const cli_parsed *p)
{
    spec_parts s;
    int rc = build_spec(ctx, p, cli_opt_value(p, "--maxcpu"), cli_opt_value(p, "--maxmem"), &s);
    if (rc != EXIT_OK) return spec_free(&s), rc;
    if (!s.max.cpu && !s.max.mem && !s.max.n_scalars) s.spec.max_resources = NULL;
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    rc = c ? pf_queue_update(c, p->args[0], &s.spec, NULL, &e) : -1;
    spec_free(&s);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    return done(ctx, "queue[%s] update success", p->args[0], NULL);
}

static int run_delete(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_queue_delete(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return done(ctx, "queue[%s] delete success", p->args[0], NULL);
}

static int run_grant(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_grant_create(c, p->args[0], "queue", p->args[1], NULL, &e) != 0)
        return cli_api_error(&e);
    return done(ctx, "queue[%s] add username[%s] success", p->args[1], p->args[0]);
}

static int run_ungrant(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_grant_delete(c, p->args[0], "queue", p->args[1], &e) != 0) return cli_api_error(&e);
    return done(ctx, "queue[%s] delete username[%s] success", p->args[1], p->args[0]);
}

static int run_grantlist(cli_ctx *ctx, const cli_parsed *p)
{
    long long max = 0;
    int rc = cli_int_opt(ctx, p, "--maxsize", &max);
    if (rc != EXIT_OK) return rc;
    pf_page_options page = {(int)max, NULL};
    pf_client *c = cli_client(ctx);
    pf_grant_page *l;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_grant_list(c, cli_opt_value(p, "--username"), &page, &l, &e) != 0)
        return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        json_t *j = cli_json(l->json);
        cli_print_json(stdout, j);
        json_decref(j);
    } else {
        static const char *const h[] = {"user name", "queue name"};
        cli_table *t = cli_table_new(2, h);
        for (size_t i = 0; i < l->n; i++) {
            if (strcmp(l->items[i].resource_type, "queue") != 0) continue;
            const char *row[] = {l->items[i].user_name, l->items[i].resource_id};
            cli_table_add(t, row);
        }
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
    }
    pf_grant_page_free(l);
    return EXIT_OK;
}

#define RESOURCE_OPTS                                                                              \
    {NULL, "--maxscalar", "K=V,...", "max scalar resources, e.g. nvidia.com/gpu=4", NULL},         \
        {NULL, "--mincpu", "CPU", "min cpu (sent with --minmem)", NULL},                           \
        {NULL, "--minmem", "MEM", "min memory", NULL},                                             \
        {NULL, "--minscalar", "K=V,...", "min scalar resources", NULL},                            \
        {NULL, "--policy", "P1,P2", "scheduling policies", NULL},                                  \
    {                                                                                              \
        NULL, "--location", "K=V,...", "location entries", NULL                                    \
    }

static const cli_cmd QUEUE_CMDS[] = {
    {"create",
     "create queue.",
     NULL,
     {{"NAME", NULL}, {"NAMESPACE", NULL}, {"MAXCPU", NULL}, {"MAXMEM", NULL}},
     {RESOURCE_OPTS,
      {NULL, "--quota", "TYPE", "quota type: elasticQuota or volcanoCapabilityQuota",
       "elasticQuota volcanoCapabilityQuota"},
      {NULL, "--clustername", "CLUSTER", "cluster of the queue (default default-cluster)", NULL}},
     run_create,
     false},
    {"delete", "delete queue.", NULL, {{"NAME", NULL}}, {{0}}, run_delete, false},
    {"grant",
     "grant a user the use of a queue.",
     NULL,
     {{"USERNAME", NULL}, {"QUEUENAME", NULL}},
     {{0}},
     run_grant,
     false},
    {"grantlist",
     "list queue grants.",
     NULL,
     {{0}},
     {{"-u", "--username", "USERNAME", "only this user's grants", NULL},
      {"-m", "--maxsize", "MAXSIZE", "at most this many grants", NULL}},
     run_grantlist,
     false},
    {"list",
     "list queue.",
     NULL,
     {{0}},
     {{"-m", "--maxkeys", "MAXKEYS", "at most this many queues", NULL},
      {"-mk", "--marker", "MARKER", "continue from this marker", NULL}},
     run_list,
     false},
    {"show", "show queue info.", NULL, {{"NAME", NULL}}, {{0}}, run_show, false},
    {"ungrant",
     "revoke a user's grant of a queue.",
     NULL,
     {{"USERNAME", NULL}, {"QUEUENAME", NULL}},
     {{0}},
     run_ungrant,
     false},
    {"update",
     "update queue.",
     NULL,
     {{"NAME", NULL}},
     {{NULL, "--maxcpu", "CPU", "max cpu", NULL},
      {NULL, "--maxmem", "MEM", "max memory", NULL},
      RESOURCE_OPTS},
     run_update,
     false},
    {0},
};

const cli_group cli_group_queue = {"queue", "manage queue resources", QUEUE_CMDS, false};
