/* app.h — the server's configuration and the context every service function receives.
 * One pf_app per process, built by main.c; nothing in it is a hidden global. */
#ifndef PF_SERVICE_APP_H
#define PF_SERVICE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

struct pf_store;
struct pf_sched;
struct pf_runtime;

typedef struct pf_config {
    char host[256];
    int port;
    char data_dir[4096];
    char log_level[16];
    char root_password[256];     /* used only when the database is created */
    double token_expiry_hours;   /* <= 0: tokens never expire */
    int stop_grace_seconds;      /* SIGTERM → SIGKILL on stop */
    int64_t capacity_cpu_milli;  /* machine capacity for admission (0 = detect) */
    int64_t capacity_mem_bytes;
    int64_t capacity_gpu;
    int64_t log_retention_seconds; /* logs/work files of deleted jobs kept this long */
    int http_threads;
    int http_idle_seconds;
    char shim_path[4096];
} pf_config;

/* The caller of a service function: name and root-ness, as authenticated. */
typedef struct pf_caller {
    const char *name;
    bool root;
} pf_caller;

typedef struct pf_app {
    pf_config cfg;
    struct pf_store *store;
    unsigned char secret[32]; /* JWT and marker signing key, per installation (data dir, 0600) */
    struct pf_sched *sched;
    struct pf_runtime *rt;
    struct pf_jobsvc *jobs;
    struct pf_auth_cache *auth_cache; /* verified tokens (auth.c); NULL = no caching */
} pf_app;

#endif
