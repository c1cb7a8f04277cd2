/* cmd_fs.c — `paddleflow fs …`: filesystems that jobs mount (create/list/show/delete). */
#include <stdlib.h>

#include "cli/cli.h"

static const char *const HEADERS[] = {"name", "owner", "type", "url", "host path", "create time"};

static void fs_row(cli_table *t, const pf_fs *f)
{
    const char *row[] = {f->name, f->user_name, f->type, f->url, f->host_path, f->create_time};
    cli_table_add(t, row);
}

static int run_list(cli_ctx *ctx, const cli_parsed *p)
{
    pf_page_options page;
    int rc = cli_page_opts(ctx, p, "--maxkeys", "--marker", &page);
    if (rc != EXIT_OK) return rc;
    pf_client *c = cli_client(ctx);
    pf_fs_page *l;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_fs_list(c, &page, &l, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(l->json);
    } else {
        cli_table *t = cli_table_new(6, HEADERS);
        for (size_t i = 0; i < l->n; i++)
            fs_row(t, &l->items[i]);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        cli_print_marker(l->next_marker);
    }
    pf_fs_page_free(l);
    return EXIT_OK;
}

static int run_show(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_fs *f;
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_fs_get(c, p->args[0], &f, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        cli_print_raw(f->json);
    } else {
        cli_table *t = cli_table_new(6, HEADERS);
        fs_row(t, f);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
    }
    pf_fs_free(f);
    return EXIT_OK;
}

static int run_create(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    char *id = NULL;
    if (!c) return EXIT_FAIL;
    if (pf_fs_create(c, p->args[0], p->args[1], &id, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        json_t *o = json_pack("{s:s,s:s}", "fsName", p->args[0], "fsID", id);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("fs[%s] create success, id[%s]\n", p->args[0], id);
    }
    free(id);
    return EXIT_OK;
}

static int run_delete(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_fs_delete(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return cli_done(ctx, "fs[%s] delete success", p->args[0]);
}

static const cli_cmd FS_CMDS[] = {
    {"create",
     "create a filesystem.",
     "create a filesystem. URL e.g. local:///absolute/dir; jobs then mount it by NAME.",
     {{"NAME", NULL}, {"URL", NULL}},
     {{0}},
     run_create,
     false},
    {"delete", "delete a filesystem.", NULL, {{"NAME", NULL}}, {{0}}, run_delete, false},
    {"list",
     "list filesystems.",
     NULL,
     {{0}},
     {{"-m", "--maxkeys", "MAXKEYS", "at most this many filesystems", NULL},
      {"-mk", "--marker", "MARKER", "continue from this marker", NULL}},
     run_list,
     false},
    {"show", "show a filesystem.", NULL, {{"NAME", NULL}}, {{0}}, run_show, false},
    {0},
};

const cli_group cli_group_fs = {"fs", "manage filesystems", FS_CMDS, false};
