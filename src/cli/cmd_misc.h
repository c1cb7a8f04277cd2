/* cmd_misc.h — helpers of the small admin command files (flavour, user, fs, cluster). */
#ifndef PF_CLI_CMD_MISC_H
#define PF_CLI_CMD_MISC_H

#include "cli/cli.h"

/* Prints fmt with the one string arg, or {"success":true} for -o json. EXIT_OK. */
int cli_done(const cli_ctx *ctx, const char *fmt, const char *arg);
/* Prints a library result's raw JSON with indent 4. */
void cli_print_raw(const char *json);
/* Parses -m/--maxkeys and -mk/--marker style options into page. */
int cli_page_opts(const cli_ctx *ctx, const cli_parsed *p, const char *max_opt,
                  const char *marker_opt, pf_page_options *page);

#endif
