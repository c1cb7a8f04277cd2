/* config.c — one table describes every option: its flag, environment variable, default
 * and help text, so --help, the env names and the parser can never disagree. */
#include "server/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

typedef enum { OPT_STR, OPT_INT, OPT_I64, OPT_DOUBLE } opt_kind;

typedef struct {
    const char *flag;
    const char *env;
    opt_kind kind;
    size_t offset;
    size_t size; /* for strings */
    const char *def;
    const char *help;
} option;

#define STR(field) OPT_STR, offsetof(pf_config, field), sizeof(((pf_config *)0)->field)
#define NUM(kind, field) kind, offsetof(pf_config, field), 0

static const option OPTIONS[] = {
    {"--host", "PF_SERVER_HOST", STR(host), "127.0.0.1",
     "address to listen on (binding beyond loopback is an explicit choice)"},
    {"--port", "PF_SERVER_PORT", NUM(OPT_INT, port), "8999", "TCP port"},
    {"--data-dir", "PF_DATA_DIR", STR(data_dir), "~/.paddleflow/server",
     "database, secret, task logs and work files"},
    {"--log-level", "PF_LOG_LEVEL", STR(log_level), "info", "debug, info, warn or error"},
    {"--root-password", "PF_ROOT_PASSWORD", STR(root_password), "paddleflow",
     "password of root, used only when the database is created"},
    {"--token-expiry-hours", "PF_TOKEN_EXPIRY_HOURS", NUM(OPT_DOUBLE, token_expiry_hours), "24",
     "login token lifetime in hours (fractions allowed; 0 = never expires)"},
    {"--stop-grace-seconds", "PF_STOP_GRACE_SECONDS", NUM(OPT_INT, stop_grace_seconds), "30",
     "on stop, SIGTERM then SIGKILL after this many seconds"},
    {"--capacity-cpu", "PF_CAPACITY_CPU", NUM(OPT_I64, capacity_cpu_milli), "0",
     "machine cpu for admission, in milli-cores (0 = all cores)"},
    {"--capacity-mem", "PF_CAPACITY_MEM", NUM(OPT_I64, capacity_mem_bytes), "0",
     "machine memory for admission, in bytes (0 = physical memory)"},
    {"--capacity-gpu", "PF_CAPACITY_GPU", NUM(OPT_I64, capacity_gpu), "-1",
     "GPUs for admission (-1 = detect /dev/nvidia*)"},
    {"--log-retention-seconds", "PF_LOG_RETENTION_SECONDS", NUM(OPT_I64, log_retention_seconds),
     "604800", "keep logs and work files of deleted jobs this long"},
    {"--http-threads", "PF_HTTP_THREADS", NUM(OPT_INT, http_threads), "0",
     "HTTP worker threads for requests that may wait: login, lists, logs, writes other than "
     "job creation (0 = 16 per core, at least 32; quick reads and job creation run on one "
     "event loop per core)"},
    {"--http-idle-seconds", "PF_HTTP_IDLE_SECONDS", NUM(OPT_INT, http_idle_seconds), "60",
     "close a connection that has sent no request, or neither sent nor taken any of its "
     "answer, for this long (0 = 60)"},
    {"--shim", "PF_SHIM_PATH", STR(shim_path), "",
     "path of paddleflow-shim (default: next to this binary)"},
};
#define NOPT (sizeof OPTIONS / sizeof OPTIONS[0])

static int set(pf_config *cfg, const option *o, const char *v, FILE *err)
{
    char *base = (char *)cfg + o->offset, *end;
    errno = 0;
    switch (o->kind) {
    case OPT_STR:
        if (strlen(v) >= o->size) {
            fprintf(err, "paddleflow-server: %s is too long\n", o->flag);
            return -1;
        }
        if (v[0] == '~' && v[1] == '/' && getenv("HOME"))
            snprintf(base, o->size, "%s%s", getenv("HOME"), v + 1);
        else
            snprintf(base, o->size, "%s", v);
        return 0;
    case OPT_INT:
    case OPT_I64: {
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || errno) break;
        if (o->kind == OPT_INT) {
            if (n < 0 || n > 65535) break; /* ports, seconds, thread counts */
            *(int *)base = (int)n;
        } else {
            *(int64_t *)base = n;
        }
        return 0;
    }
    case OPT_DOUBLE: {
        double d = strtod(v, &end);
        if (!*v || *end || errno) break;
        *(double *)base = d;
        return 0;
    }
    }
    fprintf(err, "paddleflow-server: invalid value %s for %s (%s)\n", v, o->flag, o->help);
    return -1;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: paddleflow-server [OPTIONS]\n\n"
                 "Runs the paddleflow job service: REST API (PaddleFlow v1), scheduler and the\n"
                 "local runtime, with an embedded SQLite database in the data directory.\n\n"
                 "Options (each also read from the environment variable shown):\n");
    for (size_t i = 0; i < NOPT; i++)
        fprintf(out, "  %-26s %s\n  %-26s   env %s, default %s\n", OPTIONS[i].flag,
                OPTIONS[i].help, "", OPTIONS[i].env, OPTIONS[i].def);
    fprintf(out, "  %-26s %s\n  %-26s %s\n", "--help", "show this help", "--version",
            "show the version");
}

int pf_config_load(pf_config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NOPT; i++) {
        const char *env = getenv(OPTIONS[i].env);
        if (set(cfg, &OPTIONS[i], OPTIONS[i].def, err) != 0) return -1;
        if (env && set(cfg, &OPTIONS[i], env, err) != 0) return -1;
    }
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            usage(out);
            return 1;
        }
        if (strcmp(argv[a], "--version") == 0) {
            fprintf(out, "paddleflow-server %s (commit %s)\n", PF_VERSION, PF_GIT_COMMIT);
            return 1;
        }
        const char *arg = argv[a], *eq = strchr(arg, '=');
        size_t flen = eq ? (size_t)(eq - arg) : strlen(arg);
        const option *o = NULL;
        for (size_t i = 0; i < NOPT; i++)
            if (strlen(OPTIONS[i].flag) == flen && strncmp(OPTIONS[i].flag, arg, flen) == 0)
                o = &OPTIONS[i];
        if (!o) {
            fprintf(err, "paddleflow-server: unknown option %s (see --help)\n", arg);
            return -1;
        }
        const char *v = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
        if (!v) {
            fprintf(err, "paddleflow-server: %s needs a value\n", o->flag);
            return -1;
        }
        if (set(cfg, o, v, err) != 0) return -1;
    }
    if (pf_log_parse_level(cfg->log_level) < 0) {
        fprintf(err, "paddleflow-server: --log-level must be debug, info, warn or error\n");
        return -1;
    }
    return 0;
}
