/* test_runtime_util.h — helpers shared by the test_runtime_*.c programs: a scratch task
 * root, the shim from PF_BIN_DIR, an exit-report collector with timed waits, and small
 * file helpers. Real processes, no mocks. */
#ifndef PF_TEST_RUNTIME_UTIL_H
#define PF_TEST_RUNTIME_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "server/runtime/runtime.h"

#ifndef MAX_EXITS
#define MAX_EXITS 128
#endif
#define UTIL static __attribute__((unused)) /* each test program uses a subset */

typedef struct exit_log {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
    char names[MAX_EXITS][256];
    pf_task_status st[MAX_EXITS];
} exit_log;

UTIL void exit_log_init(exit_log *x)
{
    memset(x, 0, sizeof *x);
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
}

UTIL void exit_log_destroy(exit_log *x)
{
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
}

UTIL void on_task_exit(void *ctx, const char *name, const pf_task_status *st)
{
    exit_log *x = ctx;
    pthread_mutex_lock(&x->mu);
    if (x->n < MAX_EXITS) {
        snprintf(x->names[x->n], sizeof x->names[0], "%s", name);
        x->st[x->n++] = *st;
    }
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

UTIL int exit_count(exit_log *x, const char *name)
{
    int c = 0;
    pthread_mutex_lock(&x->mu);
    for (int i = 0; i < x->n; i++)
        c += strcmp(x->names[i], name) == 0;
    pthread_mutex_unlock(&x->mu);
    return c;
}

/* Waits up to timeout_ms for a report about name; true and *out when it came. */
UTIL bool wait_exit(exit_log *x, const char *name, int timeout_ms, pf_task_status *out)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&x->mu);
    for (;;) {
        for (int i = 0; i < x->n; i++) {
            if (strcmp(x->names[i], name) != 0) continue;
            if (out) *out = x->st[i];
            pthread_mutex_unlock(&x->mu);
            return true;
        }
        if (pthread_cond_timedwait(&x->cv, &x->mu, &dl) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&x->mu);
    return false;
}

UTIL const char *shim_path(void)
{
    static char path[4096];
    const char *bin = getenv("PF_BIN_DIR");
    snprintf(path, sizeof path, "%s/paddleflow-shim", bin ? bin : "build/bin");
    return path;
}

UTIL char *make_root(void)
{
    char tmpl[] = "/tmp/pf-rt-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

UTIL int rm_entry(const char *p, const struct stat *sb, int f, struct FTW *w)
{
    (void)sb;
    (void)f;
    (void)w;
    return remove(p);
}

UTIL void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

UTIL pf_runtime *new_runtime(const char *root, exit_log *x)
{
    pf_error e = {0};
    pf_runtime *rt = pf_local_runtime_new(root, shim_path(), on_task_exit, x, &e);
    if (!rt) fprintf(stderr, "runtime: %s: %s\n", e.code, e.message);
    return rt;
}

UTIL pf_task_spec task(const char *name, const char *command)
{
    static const char *const env[] = {"PF_TEST=1", NULL};
    return (pf_task_spec){.job_id = "job-test",
                          .name = name,
                          .role = "worker",
                          .index = 0,
                          .command = command,
                          .env = env};
}

/* The whole content of a file ("" when missing); free() it. */
UTIL char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return strdup("");
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Waits (bounded, tests only) until path contains needle. */
UTIL bool wait_file_has(const char *path, const char *needle, int timeout_ms)
{
    for (int t = 0; t < timeout_ms; t += 10) {
        char *s = slurp(path);
        bool ok = strstr(s, needle) != NULL;
        free(s);
        if (ok) return true;
        usleep(10000);
    }
    return false;
}

UTIL int count_lines(const char *path)
{
    char *s = slurp(path);
    int n = 0;
    for (char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

/* A pid that exists and is not a zombie. */
UTIL bool pid_alive(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

#endif
