/* args.c — command-line parsing driven by the command table.
 *
 * Follows click's conventions, which upstream's CLI users know: single-dash multi-letter
 * short options (-fl, -mk, -st), "--opt=value", "-m10", "--" ends options, usage errors exit
 * 2 with click's wording. The global --output/--pf_config/--config are also accepted after
 * the command when the command has no option of that name. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int opt_index(const cli_cmd *c, const char *long_name)
{
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++)
        if (strcmp(c->opts[i].long_name, long_name) == 0) return i;
    return -1;
}

const char *cli_opt_value(const cli_parsed *p, const char *long_name)
{
    int i = opt_index(p->cmd, long_name);
    return i < 0 ? NULL : p->values[i];
}

bool cli_flag(const cli_parsed *p, const char *long_name)
{
    return cli_opt_value(p, long_name) != NULL;
}

/* Global options usable after the command. Returns 1 when consumed (with *used tokens). */
static int global_late(cli_ctx *ctx, const char *name, const char *value)
{
    if (strcmp(name, "--output") == 0) {
        if (strcmp(value, "table") == 0)
            ctx->output = OUT_TABLE;
        else if (strcmp(value, "json") == 0)
            ctx->output = OUT_JSON;
        else if (strcmp(value, "text") == 0)
            ctx->output = OUT_TEXT;
        else
            return -1;
        return 1;
    }
    if (strcmp(name, "--pf_config") == 0 || strcmp(name, "--config") == 0) {
        ctx->config_path = value;
        return 1;
    }
    return 0;
}

/* Finds the option a dash-token names. *inline_value is set for --x=v and -xVALUE forms. */
static int match_opt(const cli_cmd *c, const char *tok, const char **inline_value)
{
    *inline_value = NULL;
    if (strncmp(tok, "--", 2) == 0) {
        const char *eq = strchr(tok, '=');
        size_t n = eq ? (size_t)(eq - tok) : strlen(tok);
        for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++)
            if (strlen(c->opts[i].long_name) == n && strncmp(c->opts[i].long_name, tok, n) == 0) {
                if (eq) *inline_value = eq + 1;
                return i;
            }
        return -1;
    }
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++) {
        const char *s = c->opts[i].short_name;
        if (!s) continue;
        size_t n = strlen(s);
        if (strcmp(tok, s) == 0) return i;
        /* -m10: a value glued to a short option that takes one */
        if (c->opts[i].metavar && strncmp(tok, s, n) == 0 && n > best_len) best = i, best_len = n;
    }
    if (best >= 0) *inline_value = tok + best_len;
    return best;
}

int cli_take_global(cli_ctx *ctx, int argc, char **argv, int *i)
{
    const char *tok = argv[*i];
    const char *eq = strchr(tok, '=');
    char name[32];
    size_t n = eq ? (size_t)(eq - tok) : strlen(tok);
    if (n >= sizeof name) return 0;
    memcpy(name, tok, n);
    name[n] = '\0';
    if (strcmp(name, "-o") == 0) strcpy(name, "--output");
    if (strcmp(name, "-c") == 0) strcpy(name, "--config");
    if (strcmp(name, "--output") && strcmp(name, "--pf_config") && strcmp(name, "--config"))
        return 0;
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
        if (*i + 1 >= argc) return cli_usage_error(ctx, "Option '%s' requires an argument.", name);
        value = argv[++*i];
    }
    if (global_late(ctx, name, value) < 0)
        return cli_usage_error(ctx,
                               "Invalid value for '-o' / '--output': '%s' is not one of "
                               "'table', 'json', 'text'.",
                               value);
    return 1;
}

static int count_args(const cli_cmd *c)
{
    int n = 0;
    while (n < CLI_MAX_ARGS && c->args[n].name)
        n++;
    return n;
}

int cli_parse_command(cli_ctx *ctx, const cli_group *g, const cli_cmd *cmd, int argc, char **argv,
                      cli_parsed *p, bool *helped)
{
    memset(p, 0, sizeof *p);
    p->group = g;
    p->cmd = cmd;
    *helped = false;
    bool only_args = false;
    int want = count_args(cmd);
    for (int i = 0; i < argc; i++) {
        const char *tok = argv[i];
        if (!only_args && strcmp(tok, "--") == 0) {
            only_args = true;
            continue;
        }
        if (!only_args && strcmp(tok, "--help") == 0) {
            cli_print_command_help(stdout, g, cmd);
            *helped = true;
            return EXIT_OK;
        }
        if (only_args || tok[0] != '-' || tok[1] == '\0') {
            if ((int)p->n_args >= want)
                return cli_usage_error(ctx, "Got unexpected extra argument (%s)", tok);
            p->args[p->n_args++] = tok;
            continue;
        }
        const char *inline_value;
        int k = match_opt(cmd, tok, &inline_value);
        if (k < 0) {
            int r = cli_take_global(ctx, argc, argv, &i);
            if (r == 1) continue;
            if (r != 0) return EXIT_USAGE;
            return cli_usage_error(ctx, "No such option: %s", tok);
        }
        const cli_opt *o = &cmd->opts[k];
        if (!o->metavar) {
            if (inline_value)
                return cli_usage_error(ctx, "Option '%s' does not take a value.", o->long_name);
            p->values[k] = "";
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= argc)
                return cli_usage_error(ctx, "Option '%s' requires an argument.", tok);
            inline_value = argv[++i];
        }
        p->values[k] = inline_value;
    }
    if ((int)p->n_args < want)
        return cli_usage_error(ctx, "Missing argument '%s'.", cmd->args[p->n_args].name);
    return EXIT_OK;
}
