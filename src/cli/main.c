/* main.c — the paddleflow command: global options, dispatch through the command table,
 * the lazily created client, and how failures are reported (server errors as upstream
 * prints them, exit 1; usage errors exit 2, see usage.c). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_api_error(const pf_api_error *e)
{
    if (e->http_status > 0)
        fprintf(stderr, "[PaddleFlowSDKException] code:%s message:%s requestId:%s\n", e->code,
                e->message, e->request_id);
    else
        fprintf(stderr, "error: %s\n", e->message);
    return EXIT_FAIL;
}

pf_client *cli_client(cli_ctx *ctx)
{
    if (ctx->client) return ctx->client;
    ctx->cached_token = cli_token_load(&ctx->config);
    pf_client_options o = {
        ctx->config.host, ctx->config.port, ctx->config.user, ctx->config.password, 0,
        ctx->cached_token};
    pf_api_error e;
    ctx->client = pf_client_new(&o, &e);
    if (!ctx->client) cli_api_error(&e);
    return ctx->client;
}

static const cli_group *find_group(const char *name)
{
    for (int i = 0; cli_groups[i]; i++)
        if (strcmp(cli_groups[i]->name, name) == 0) return cli_groups[i];
    return NULL;
}

static const cli_cmd *find_cmd(const cli_group *g, const char *name)
{
    for (const cli_cmd *c = g->cmds; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    const char *env_out = getenv("PADDLEFLOW_OUTPUT");
    if (env_out && *env_out) {
        char *fake[] = {"--output", (char *)env_out};
        int k = 0;
        if (cli_take_global(ctx, 2, fake, &k) != 1) return EXIT_USAGE;
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            cli_print_root_help(stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("paddleflow, version %s\n", pf_library_version());
            return EXIT_OK;
        }
        int r = cli_take_global(ctx, argc, argv, &i);
        if (r == 0) return cli_usage_error(ctx, "No such option: %s", argv[i]);
        if (r != 1) return r;
    }
    if (i >= argc) {
        cli_print_root_help(stdout);
        return EXIT_OK;
    }
    const cli_group *g = find_group(argv[i]);
    if (!g) return cli_usage_error(ctx, "No such command '%s'.", argv[i]);
    ctx->group = g;
    i++;
    const cli_cmd *cmd;
    if (g->cmds[0].name[0] == '\0') {
        cmd = &g->cmds[0];
    } else {
        if (i >= argc || strcmp(argv[i], "--help") == 0) {
            cli_print_group_help(stdout, g);
            return EXIT_OK;
        }
        cmd = find_cmd(g, argv[i]);
        if (!cmd) return cli_usage_error(ctx, "No such command '%s'.", argv[i]);
        i++;
    }
    ctx->cmd = cmd;
    cli_parsed p;
    bool helped;
    int rc = cli_parse_command(ctx, g, cmd, argc - i, argv + i, &p, &helped);
    if (rc != EXIT_OK || helped) return rc;
    if (!cmd->offline && cli_config_load(ctx->config_path, &ctx->config) != 0) return EXIT_FAIL;
    return cmd->run(ctx, &p);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    cli_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    int rc = run(&ctx, argc, argv);
    const char *token = ctx.client ? pf_client_token(ctx.client) : NULL;
    if (token && (!ctx.cached_token || strcmp(token, ctx.cached_token) != 0))
        cli_token_save(&ctx.config, token);
    free(ctx.cached_token);
    pf_client_free(ctx.client);
    cli_config_free(&ctx.config);
    if (fflush(stdout) != 0 && rc == EXIT_OK) rc = EXIT_FAIL;
    return rc;
}
