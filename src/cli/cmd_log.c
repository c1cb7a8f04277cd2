/* cmd_log.c — `paddleflow log show JOBID [-f] [--tail N]`: a job's task logs, or with -f the
 * live log stream of a running job (our follow=true extension of GET /log/job), written to
 * stdout as it arrives until the job ends. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int write_chunk(const char *data, size_t len, void *ud)
{
    (void)ud;
    if (fwrite(data, 1, len, stdout) != len) return 1; /* reader went away: stop following */
    fflush(stdout);
    return 0;
}

static void print_content(const char *s)
{
    size_t n = strlen(s);
    fwrite(s, 1, n, stdout);
    if (n && s[n - 1] != '\n') putchar('\n');
}

static int run_show(cli_ctx *ctx, const cli_parsed *p)
{
    long long tail = 0, limit = 0;
    int rc = cli_int_opt(ctx, p, "--tail", &tail);
    if (rc == EXIT_OK) rc = cli_int_opt(ctx, p, "--linelimit", &limit);
    if (rc != EXIT_OK) return rc;
    if (tail < 0) return cli_bad_value(ctx, p, "--tail", "must not be negative");
    pf_job_log_options o = {tail ? (long)tail : (long)limit, cli_opt_value(p, "--sizelimit"),
                            tail > 0};
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (cli_flag(p, "--follow")) {
        if (pf_job_log_follow(c, p->args[0], &o, write_chunk, NULL, &e) != 0)
            return cli_api_error(&e);
        return EXIT_OK;
    }
    pf_job_log *l;
    if (pf_job_log_get(c, p->args[0], &o, &l, &e) != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        json_t *j = cli_json(l->json);
        cli_print_json(stdout, j);
        json_decref(j);
    } else {
        for (size_t i = 0; i < l->n_tasks; i++) {
            if (l->n_tasks > 1) printf("==> task %s <==\n", l->tasks[i].task_id);
            print_content(l->tasks[i].content);
            if (l->tasks[i].truncated) printf("[log truncated]\n");
        }
    }
    pf_job_log_free(l);
    return EXIT_OK;
}

static const cli_cmd LOG_CMDS[] = {
    {"show",
     "show the logs of a job.",
     "show the logs of every task of a job; -f follows a running job until it ends.",
     {{"JOBID", NULL}},
     {{"-f", "--follow", NULL, "stream the log until the job ends", NULL},
      {NULL, "--tail", "N", "only the last N lines", NULL},
      {"-l", "--linelimit", "N", "at most N lines (server default 1000)", NULL},
      {"-s", "--sizelimit", "SIZE", "at most this much, e.g. 1M (server default 100M)", NULL}},
     run_show,
     false},
    {0},
};

const cli_group cli_group_log = {"log", "show job logs", LOG_CMDS, false};
