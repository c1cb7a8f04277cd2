/* commands.c — the list of command groups, in the order help and docs show them, and the
 * groups too small for a file of their own (version, completion, docs). */
#include <string.h>

#include "cli/cli.h"

static int run_completion(cli_ctx *ctx, const cli_parsed *p)
{
    const char *shell = p->args[0];
    if (strcmp(shell, "bash") != 0 && strcmp(shell, "zsh") != 0)
        return cli_usage_error(ctx, "Invalid value for 'SHELL': '%s' is not one of 'bash', 'zsh'.",
                               shell);
    return cli_print_completion(shell);
}

static int run_docs(cli_ctx *ctx, const cli_parsed *p)
{
    cli_print_docs(stdout);
    return EXIT_OK;
}

static int run_version(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    if (!c) return EXIT_FAIL;
    pf_server_version *v;
    pf_api_error e;
    if (pf_server_version_get(c, &v, &e) != 0) {
        printf("client version: %s\n", pf_library_version());
        return cli_api_error(&e);
    }
    if (ctx->output == OUT_JSON) {
        json_t *o = json_object();
        json_object_set_new(o, "clientVersion", json_string(pf_library_version()));
        json_object_set_new(o, "server", cli_json(v->json));
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("client version: %s\n", pf_library_version());
        printf("server version: %s\n", v->git_version);
        if (*v->git_commit) printf("server commit: %s\n", v->git_commit);
        if (*v->build_date) printf("server build date: %s\n", v->build_date);
    }
    pf_server_version_free(v);
    return EXIT_OK;
}

static const cli_cmd VERSION_CMDS[] = {
    {"", "show the client and server versions.", NULL, {{0}}, {{0}}, run_version, false},
    {0},
};
static const cli_cmd COMPLETION_CMDS[] = {
    {"",
     "print a shell completion script (bash or zsh).",
     "print a shell completion script: `source <(paddleflow completion bash)`, or for zsh "
     "`source <(paddleflow completion zsh)`.",
     {{"SHELL", "bash zsh"}},
     {{0}},
     run_completion,
     true},
    {0},
};
static const cli_cmd DOCS_CMDS[] = {
    {"", "print the markdown command reference (docs/cli.md).", NULL, {{0}}, {{0}}, run_docs, true},
    {0},
};

const cli_group cli_group_version = {"version", "show the client and server versions.",
                                     VERSION_CMDS, false};
const cli_group cli_group_completion = {"completion", "print a shell completion script.",
                                        COMPLETION_CMDS, false};
const cli_group cli_group_docs = {"docs", "print the markdown command reference.", DOCS_CMDS, true};

const cli_group *const cli_groups[] = {
    &cli_group_job, &cli_group_log,     &cli_group_queue,   &cli_group_flavour,    &cli_group_user,
    &cli_group_fs,  &cli_group_cluster, &cli_group_version, &cli_group_completion, &cli_group_docs,
    NULL,
};
