/* usage.c — everything generated from the command table besides parsing: --help screens
 * (click's layout, as the seed shows), usage errors, bash/zsh completion scripts and the
 * markdown reference docs/cli.md. One table, four views, so they cannot drift apart. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *names, *metavar, *help;
} GLOBAL_OPTS[] = {
    {"--pf_config", "PATH", "config file (default ~/.paddleflow/paddleflow.ini)"},
    {"-c, --config", "PATH", "same as --pf_config"},
    {"-o, --output", "[table|json|text]", "output format (default table)"},
    {"--version", NULL, "Show the version and exit."},
    {"--help", NULL, "Show this message and exit."},
};
#define N_GLOBAL (sizeof GLOBAL_OPTS / sizeof GLOBAL_OPTS[0])

static bool direct(const cli_group *g)
{
    return g->cmds[0].name && g->cmds[0].name[0] == '\0';
}

static void usage_line(FILE *f, const cli_group *g, const cli_cmd *c)
{
    if (!g) {
        fprintf(f, "Usage: paddleflow [OPTIONS] COMMAND [ARGS]...\n");
        return;
    }
    if (!c) {
        fprintf(f, "Usage: paddleflow %s [OPTIONS] COMMAND [ARGS]...\n", g->name);
        return;
    }
    fprintf(f, "Usage: paddleflow %s%s%s [OPTIONS]", g->name, *c->name ? " " : "", c->name);
    for (int i = 0; i < CLI_MAX_ARGS && c->args[i].name; i++)
        fprintf(f, " %s", c->args[i].name);
    fputc('\n', f);
}

static void cmd_path(char *out, size_t n, const cli_group *g, const cli_cmd *c)
{
    snprintf(out, n, "paddleflow%s%s%s%s", g ? " " : "", g ? g->name : "", c && *c->name ? " " : "",
             c ? c->name : "");
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
    char path[128];
    cmd_path(path, sizeof path, ctx->group, ctx->cmd);
    usage_line(stderr, ctx->group, ctx->cmd);
    fprintf(stderr, "Try '%s --help' for help.\n\nError: ", path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

int cli_bad_value(const cli_ctx *ctx, const cli_parsed *p, const char *long_name, const char *fmt,
                  ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *shortn = NULL;
    for (int i = 0; i < CLI_MAX_OPTS && p->cmd->opts[i].long_name; i++)
        if (strcmp(p->cmd->opts[i].long_name, long_name) == 0) shortn = p->cmd->opts[i].short_name;
    if (shortn)
        return cli_usage_error(ctx, "Invalid value for '%s' / '%s': %s", shortn, long_name, msg);
    return cli_usage_error(ctx, "Invalid value for '%s': %s", long_name, msg);
}

static void opt_label(char *out, size_t n, const cli_opt *o)
{
    snprintf(out, n, "%s%s%s%s%s", o->short_name ? o->short_name : "", o->short_name ? ", " : "",
             o->long_name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
}

static void print_row(FILE *f, const char *label, const char *help, int width)
{
    if ((int)strlen(label) > width)
        fprintf(f, "  %s\n  %*s  %s\n", label, width, "", help);
    else
        fprintf(f, "  %-*s  %s\n", width, label, help);
}

void cli_print_root_help(FILE *f)
{
    usage_line(f, NULL, NULL);
    fprintf(f, "\n  paddleflow is the command line interface to the paddleflow service.\n\n"
               "Options:\n");
    char label[128];
    for (size_t i = 0; i < N_GLOBAL; i++) {
        snprintf(label, sizeof label, "%s%s%s", GLOBAL_OPTS[i].names,
                 GLOBAL_OPTS[i].metavar ? " " : "",
                 GLOBAL_OPTS[i].metavar ? GLOBAL_OPTS[i].metavar : "");
        print_row(f, label, GLOBAL_OPTS[i].help, 30);
    }
    fprintf(f, "\nCommands:\n");
    for (int i = 0; cli_groups[i]; i++)
        if (!cli_groups[i]->hidden) print_row(f, cli_groups[i]->name, cli_groups[i]->summary, 10);
}

void cli_print_group_help(FILE *f, const cli_group *g)
{
    if (direct(g)) {
        cli_print_command_help(f, g, &g->cmds[0]);
        return;
    }
    usage_line(f, g, NULL);
    fprintf(f, "\n  %s\n\nOptions:\n", g->summary);
    print_row(f, "--help", "Show this message and exit.", 6);
    fprintf(f, "\nCommands:\n");
    for (const cli_cmd *c = g->cmds; c->name; c++)
        print_row(f, c->name, c->summary, 6);
}

void cli_print_command_help(FILE *f, const cli_group *g, const cli_cmd *c)
{
    usage_line(f, g, c);
    fprintf(f, "\n  %s\n\nOptions:\n", c->help ? c->help : c->summary);
    char label[128];
    int width = 6;
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++) {
        if (!c->opts[i].help) continue; /* hidden alias */
        opt_label(label, sizeof label, &c->opts[i]);
        if ((int)strlen(label) > width) width = (int)strlen(label);
    }
    if (width > 32) width = 32;
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++) {
        if (!c->opts[i].help) continue; /* hidden alias */
        opt_label(label, sizeof label, &c->opts[i]);
        print_row(f, label, c->opts[i].help, width);
    }
    print_row(f, "--help", "Show this message and exit.", width);
}

/* ---- completion ---- */

static void words_of_opts(FILE *f, const cli_cmd *c)
{
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++) {
        if (!c->opts[i].help) continue; /* hidden alias */
        if (c->opts[i].short_name) fprintf(f, "%s ", c->opts[i].short_name);
        fprintf(f, "%s ", c->opts[i].long_name);
    }
    fprintf(f, "--help");
}

/* the value completion of the options that take one: prev word → compgen arguments */
static void value_cases(FILE *f, const cli_cmd *c)
{
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++) {
        if (!c->opts[i].help) continue; /* hidden alias */
        const cli_opt *o = &c->opts[i];
        if (!o->metavar) continue;
        fprintf(f, "            %s%s%s) ", o->short_name ? o->short_name : "",
                o->short_name ? "|" : "", o->long_name);
        if (o->complete && strcmp(o->complete, "@file") == 0)
            fprintf(f, "COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n");
        else if (o->complete)
            fprintf(f, "COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return;;\n", o->complete);
        else
            fprintf(f, "return;;\n");
    }
}

static void arg_words(FILE *f, const cli_cmd *c, bool *files)
{
    *files = false;
    for (int i = 0; i < CLI_MAX_ARGS && c->args[i].name; i++) {
        const char *w = c->args[i].complete;
        if (!w) continue;
        if (strcmp(w, "@file") == 0)
            *files = true;
        else
            fprintf(f, " %s", w);
    }
}

static void bash_command(FILE *f, const cli_group *g, const cli_cmd *c)
{
    bool files;
    fprintf(f, "        \"%s %s\")\n            case \"$prev\" in\n", g->name, c->name);
    value_cases(f, c);
    fprintf(f, "            esac\n            if [[ $cur == -* ]]; then\n"
               "                COMPREPLY=($(compgen -W \"");
    words_of_opts(f, c);
    fprintf(f, "\" -- \"$cur\"))\n            else\n                COMPREPLY=($(compgen -W \"");
    arg_words(f, c, &files);
    fprintf(f, "\" -- \"$cur\"))\n");
    if (files) fprintf(f, "                COMPREPLY+=($(compgen -f -- \"$cur\"))\n");
    fprintf(f, "            fi;;\n");
}

static void print_bash(FILE *f)
{
    fprintf(f, "# bash completion for paddleflow (generated by `paddleflow completion bash`)\n"
               "_paddleflow() {\n"
               "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
               "    local group=\"\" cmd=\"\" i w skip=0\n"
               "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
               "        w=${COMP_WORDS[i]}\n"
               "        if ((skip)); then skip=0; continue; fi\n"
               "        case $w in\n"
               "            --pf_config|-c|--config|-o|--output) [[ -z $group ]] && skip=1;;\n"
               "            -*) ;;\n"
               "            *) if [[ -z $group ]]; then group=$w; elif [[ -z $cmd ]]; then "
               "cmd=$w; fi;;\n"
               "        esac\n"
               "    done\n"
               "    case $prev in\n"
               "        --pf_config|-c|--config) [[ -z $group ]] && { COMPREPLY=($(compgen -f "
               "-- \"$cur\")); return; };;\n"
               "        -o|--output) [[ -z $group ]] && { COMPREPLY=($(compgen -W \"table json "
               "text\" -- \"$cur\")); return; };;\n"
               "    esac\n"
               "    if [[ -z $group ]]; then\n"
               "        COMPREPLY=($(compgen -W \"");
    for (int i = 0; cli_groups[i]; i++)
        if (!cli_groups[i]->hidden) fprintf(f, "%s ", cli_groups[i]->name);
    fprintf(f, "--pf_config -c --config -o --output --version --help\" -- \"$cur\"))\n"
               "        return\n    fi\n    case $group in\n");
    for (int i = 0; cli_groups[i]; i++) {
        const cli_group *g = cli_groups[i];
        if (g->hidden || direct(g)) continue;
        fprintf(f, "        %s) [[ -z $cmd ]] && { COMPREPLY=($(compgen -W \"", g->name);
        for (const cli_cmd *c = g->cmds; c->name; c++)
            fprintf(f, "%s ", c->name);
        fprintf(f, "--help\" -- \"$cur\")); return; };;\n");
    }
    fprintf(f, "    esac\n    [[ -n $cmd ]] || cmd=\"\"\n    case \"$group $cmd\" in\n");
    for (int i = 0; cli_groups[i]; i++) {
        const cli_group *g = cli_groups[i];
        if (g->hidden) continue;
        if (direct(g)) {
            /* a direct command: its first argument sits where a subcommand would */
            bool files;
            fprintf(f, "        \"%s \"*) COMPREPLY=($(compgen -W \"", g->name);
            arg_words(f, &g->cmds[0], &files);
            fprintf(f, " --help\" -- \"$cur\"));;\n");
            continue;
        }
        for (const cli_cmd *c = g->cmds; c->name; c++)
            bash_command(f, g, c);
    }
    fprintf(f, "    esac\n}\ncomplete -F _paddleflow paddleflow\n");
}

int cli_print_completion(const char *shell)
{
    if (strcmp(shell, "bash") == 0) {
        print_bash(stdout);
        return EXIT_OK;
    }
    /* zsh runs the bash function through bashcompinit, so both shells share one script */
    printf("#compdef paddleflow\n# zsh completion for paddleflow (generated by `paddleflow "
           "completion zsh`)\nautoload -U +X bashcompinit && bashcompinit\n");
    print_bash(stdout);
    return EXIT_OK;
}

/* ---- docs/cli.md ---- */

static void md_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s, f);
    }
}

static void md_command(FILE *f, const cli_group *g, const cli_cmd *c)
{
    fprintf(f, "### `paddleflow %s%s%s", g->name, *c->name ? " " : "", c->name);
    for (int i = 0; i < CLI_MAX_ARGS && c->args[i].name; i++)
        fprintf(f, " %s", c->args[i].name);
    fprintf(f, "`\n\n%s\n\n", c->help ? c->help : c->summary);
    if (!c->opts[0].long_name) return;
    fprintf(f, "| option | meaning |\n|---|---|\n");
    char label[128];
    for (int i = 0; i < CLI_MAX_OPTS && c->opts[i].long_name; i++) {
        if (!c->opts[i].help) continue; /* hidden alias */
        opt_label(label, sizeof label, &c->opts[i]);
        fprintf(f, "| `%s` | ", label);
        md_escape(f, c->opts[i].help);
        fprintf(f, " |\n");
    }
    fputc('\n', f);
}

void cli_print_docs(FILE *f)
{
    fprintf(f, "# `paddleflow` command reference\n\n"
               "<!-- generated by `paddleflow docs` from the CLI's command table; "
               "do not edit by hand -->\n\n"
               "Every invocation reads the config file (`--pf_config PATH`, `-c PATH`, "
               "`$PADDLEFLOW_PF_CONFIG`, else `~/.paddleflow/paddleflow.ini`, created with "
               "defaults when missing), logs in, runs one command and exits 0 on success, 1 on "
               "a failed request (the server's code, message and request id on stderr) and 2 on "
               "a usage error. `PADDLEFLOW_SERVER_HOST`, `PADDLEFLOW_SERVER_PORT`, "
               "`PADDLEFLOW_USER` and `PADDLEFLOW_PASSWORD` override the file. The login token "
               "is kept in `~/.paddleflow/tokens/` (mode 0600, one file per host, port, user "
               "and password) and renewed when the server rejects it; "
               "`PADDLEFLOW_TOKEN_CACHE=off` disables that.\n\n"
               "Server errors print as `[PaddleFlowSDKException] code:<code> message:<message> "
               "requestId:<id>` (upstream's format); a server that cannot be reached prints "
               "`error: cannot connect to paddleflow server at <host>:<port>: <reason>`.\n\n"
               "## Global options (before the command)\n\n| option | meaning |\n|---|---|\n");
    for (size_t i = 0; i < N_GLOBAL; i++) {
        char label[128];
        snprintf(label, sizeof label, "%s%s%s", GLOBAL_OPTS[i].names,
                 GLOBAL_OPTS[i].metavar ? " " : "",
                 GLOBAL_OPTS[i].metavar ? GLOBAL_OPTS[i].metavar : "");
        fputs("| `", f);
        md_escape(f, label);
        fputs("` | ", f);
        md_escape(f, GLOBAL_OPTS[i].help);
        fprintf(f, " |\n");
    }
    fprintf(f, "\n`-o json` prints exactly one JSON document per command (the server's objects "
               "for show and list), never truncated; `table` (default) prints grid tables whose "
               "cells longer than 60 columns are wrapped; `text` prints each cell followed by a "
               "space and a tab. `job show` prints the table, then `job config and runtime "
               "info:` and the job's spec, message and runtime as indented JSON; with `-fl` it "
               "prints only the table of the chosen fields.\n\n");
    for (int i = 0; cli_groups[i]; i++) {
        const cli_group *g = cli_groups[i];
        if (g->hidden) continue;
        fprintf(f, "## `paddleflow %s`\n\n%s\n\n", g->name, g->summary);
        for (const cli_cmd *c = g->cmds; c->name; c++)
            md_command(f, g, c);
    }
}
