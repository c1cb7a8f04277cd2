/* cmd_user.c — `paddleflow user …` (api.md §9.5): add, set (password), delete, list. */
#include "cli/cli.h"

static int run_list(cli_ctx *ctx, const cli_parsed *p)
{
    pf_page_options page;
    int rc = cli_page_opts(ctx, p, "--maxsize", NULL, &page);
    if (rc != EXIT_OK) return rc;
    pf_client *c = cli_client(ctx);
    pf_user_page *l;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_user_list(c, &page, &l, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(l->json);
    } else {
        static const char *const h[] = {"name", "create time"};
        cli_table *t = cli_table_new(2, h);
        for (size_t i = 0; i < l->n; i++) {
            const char *row[] = {l->items[i].name, l->items[i].create_time};
            cli_table_add(t, row);
        }
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
    }
    pf_user_page_free(l);
    return EXIT_OK;
}

static int run_add(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_user_create(c, p->args[0], p->args[1], &e) != 0) return cli_api_error(&e);
    return cli_done(ctx, "user[%s] add success", p->args[0]);
}

static int run_set(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_user_set_password(c, p->args[0], p->args[1], &e) != 0) return cli_api_error(&e);
    return cli_done(ctx, "user[%s] update success", p->args[0]);
}

static int run_delete(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_user_delete(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return cli_done(ctx, "user[%s] delete success", p->args[0]);
}

static const cli_cmd USER_CMDS[] = {
    {"add",
     "add a user (root only).",
     NULL,
     {{"USERNAME", NULL}, {"PASSWORD", NULL}},
     {{0}},
     run_add,
     false},
    {"delete", "delete a user (root only).", NULL, {{"USERNAME", NULL}}, {{0}}, run_delete, false},
    {"list",
     "list users (root only).",
     NULL,
     {{0}},
     {{"-m", "--maxsize", "MAXSIZE", "at most this many users", NULL}},
     run_list,
     false},
    {"set",
     "set a user's password.",
     NULL,
     {{"USERNAME", NULL}, {"PASSWORD", NULL}},
     {{0}},
     run_set,
     false},
    {0},
};

const cli_group cli_group_user = {"user", "manage user resources", USER_CMDS, false};
