/* cli.h — what the files of the paddleflow command share.
 *
 * The CLI is table-driven (git builtin/, tmux cmd-*.c): every command is a cli_cmd row in
 * its group's table (one cmd_<group>.c per group), and the same rows drive argument
 * parsing, --help, shell completion and the generated docs/cli.md. Adding a command is
 * adding a row and a run function; nothing else needs to know. */
#ifndef PF_CLI_CLI_H
#define PF_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "paddleflow/paddleflow.h"

#define CLI_MAX_OPTS 24
#define CLI_MAX_ARGS 8

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };
enum cli_output { OUT_TABLE, OUT_JSON, OUT_TEXT };

typedef struct cli_opt {
    const char *short_name; /* "-fl", or NULL */
    const char *long_name;  /* "--fieldlist"; also the key commands look values up by */
    const char *metavar;    /* NULL: a flag without value */
    const char *help;       /* NULL: a hidden alias (not in help, docs or completion) */
    const char *complete;   /* completion: NULL, "@file", or words "a b c" */
} cli_opt;

typedef struct cli_arg {
    const char *name; /* "JOBID" */
    const char *complete;
} cli_arg;

typedef struct cli_ctx cli_ctx;
typedef struct cli_parsed cli_parsed;

typedef struct cli_cmd {
    const char *name;
    const char *summary; /* one line, shown in the group's command list */
    const char *help;    /* longer text for --help and docs; NULL = summary */
    cli_arg args[CLI_MAX_ARGS];
    cli_opt opts[CLI_MAX_OPTS];
    int (*run)(cli_ctx *ctx, const cli_parsed *p);
    bool offline; /* needs no server (completion) */
} cli_cmd;

typedef struct cli_group {
    const char *name;
    const char *summary;
    const cli_cmd *cmds; /* terminated by a row with name NULL */
    bool hidden;         /* not listed in help/completion (docs) */
} cli_group;

/* every group, terminated by {NULL}; defined in commands.c */
extern const cli_group *const cli_groups[];

struct cli_parsed {
    const cli_group *group;
    const cli_cmd *cmd;
    const char *args[CLI_MAX_ARGS];
    size_t n_args;
    const char *values[CLI_MAX_OPTS]; /* by index into cmd->opts; flags get "" */
};

typedef struct cli_config {
    char *path;
    char *host;
    int port;
    char *user;
    char *password;
} cli_config;

struct cli_ctx {
    enum cli_output output;
    const char *config_path; /* from --pf_config / -c, or NULL */
    cli_config config;
    pf_client *client;      /* created on first use by cli_client() */
    char *cached_token;     /* the token the cache held when the client was made */
    const cli_group *group; /* what is being run, for usage messages; NULL at top level */
    const cli_cmd *cmd;
};

/* ---- args.c ---- */
/* Value of an option by long name ("--status"), NULL when not given. */
const char *cli_opt_value(const cli_parsed *p, const char *long_name);
bool cli_flag(const cli_parsed *p, const char *long_name);
/* Consumes a global option (--output/-o, --pf_config, --config/-c, with "=v" or the next
 * word as value) at argv[*i]: 1 consumed, 0 not a global option, EXIT_USAGE bad value. */
int cli_take_global(cli_ctx *ctx, int argc, char **argv, int *i);
/* Parses argv (after the group and command names) for cmd. Returns EXIT_OK or EXIT_USAGE
 * (message printed). --help prints help and sets *helped. */
int cli_parse_command(cli_ctx *ctx, const cli_group *g, const cli_cmd *cmd, int argc, char **argv,
                      cli_parsed *p, bool *helped);

/* ---- usage.c: help, usage errors, completion, docs ---- */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_print_root_help(FILE *f);
void cli_print_group_help(FILE *f, const cli_group *g);
void cli_print_command_help(FILE *f, const cli_group *g, const cli_cmd *c);
int cli_print_completion(const char *shell);
void cli_print_docs(FILE *f);
/* "Invalid value for '-m' / '--maxkeys': ..." */
int cli_bad_value(const cli_ctx *ctx, const cli_parsed *p, const char *long_name, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* ---- config.c ---- */
/* Loads the ini file (creating the default one) and applies environment overrides.
 * Returns 0, or -1 after printing the reason to stderr. */
int cli_config_load(const char *explicit_path, cli_config *cfg);
void cli_config_free(cli_config *cfg);
/* mkdir -p with mode 0700. 0 or -1. */
int cli_mkdir_p(const char *dir);

/* ---- token_cache.c ---- */
/* The token kept for this host/port/user/password, or NULL (free() it). */
char *cli_token_load(const cli_config *cfg);
void cli_token_save(const cli_config *cfg, const char *token);

/* ---- main.c ---- */
/* The logged-in client, created on first use; NULL after printing an error. */
pf_client *cli_client(cli_ctx *ctx);
/* Prints a failed call to stderr the way upstream does. Returns EXIT_FAIL. */
int cli_api_error(const pf_api_error *e);

/* ---- table.c ---- */
typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t ncols, const char *const *headers);
/* Adds a row; cells are copied; NULL cells print empty. */
void cli_table_add(cli_table *t, const char *const *cells);
/* table → grid (tabulate "grid"), text → cells followed by " \t"; json is not handled here */
void cli_table_print(FILE *f, const cli_table *t, enum cli_output mode);
void cli_table_free(cli_table *t);
/* Display columns of a UTF-8 string (CJK wide = 2, combining = 0). */
size_t cli_display_width(const char *s, size_t len);

/* ---- render.c: JSON helpers shared by the command files ---- */
/* Prints v with indent 4 and a newline (never truncated). */
void cli_print_json(FILE *f, const json_t *v);
/* Parses compact JSON produced by the library (never fails on library output). */
json_t *cli_json(const char *text);
/* A cell's text for any JSON value: strings verbatim, null empty, others compact JSON.
 * Returns a new string. */
char *cli_cell(const json_t *v);
/* Prints "marker: <m or None>". */
void cli_print_marker(const char *marker);
/* Splits "k=v,k2=v2" into pairs (allocated in one block, free() *out). -1 when malformed. */
int cli_parse_pairs(const char *s, pf_pair **out, size_t *n);
/* Splits "a,b,c" into a NULL-terminated array (one block, free()). */
const char **cli_split(const char *s, size_t *n);
/* Parses a decimal integer option; EXIT_USAGE after a message when invalid. */
int cli_int_opt(const cli_ctx *ctx, const cli_parsed *p, const char *long_name, long long *out);

/* Prints fmt with the one string arg, or {"success":true} for -o json. EXIT_OK. */
int cli_done(const cli_ctx *ctx, const char *fmt, const char *arg);
/* Prints a library result's raw JSON with indent 4. */
void cli_print_raw(const char *json);
/* Reads a max-keys option (max_opt) and a marker option (marker_opt, may be NULL). */
int cli_page_opts(const cli_ctx *ctx, const cli_parsed *p, const char *max_opt,
                  const char *marker_opt, pf_page_options *page);

/* ---- the groups ---- */
extern const cli_group cli_group_job, cli_group_queue, cli_group_flavour, cli_group_user,
    cli_group_fs, cli_group_cluster, cli_group_log, cli_group_version, cli_group_completion,
    cli_group_docs;

#endif
