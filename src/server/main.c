/* main.c — paddleflow-server: configuration and wiring. Opens the store, loads the secret,
 * seeds a new database, starts the job service (scheduler + runtime) and the HTTP front,
 * then waits for SIGTERM/SIGINT and shuts down in reverse order. */
#include <errno.h>
#include <pthread.h>
#include <malloc.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "server/config.h"
#include "server/http/http.h"
#include "server/runtime/runtime.h"
#include "server/service/auth.h"
#include "server/service/seed.h"
#include "server/service/jobs.h"
#include "server/store/store.h"

static int mkdirs(const char *path, mode_t mode)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, mode) != 0 && errno != EEXIST ? -1 : 0;
}

static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    pf_app app;
    memset(&app, 0, sizeof app);
    int rc = pf_config_load(&app.cfg, argc, argv, stdout, stderr);
    if (rc != 0) return rc > 0 ? 0 : 2;
    pf_log_set_level(pf_log_parse_level(app.cfg.log_level));
    /* Block the shutdown signals before any thread exists (threads inherit the mask); the
     * main thread alone takes them with sigwait, so a signal at any moment shuts down cleanly. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    if (!app.cfg.shim_path[0]) pf_local_shim_path(app.cfg.shim_path, sizeof app.cfg.shim_path);
    raise_fd_limit();
    signal(SIGPIPE, SIG_IGN);
    /* Big answers (a page of 1,000 jobs is ~2 MB) straight from mmap and back to the system
     * when freed. glibc's default threshold rises to the size of the largest block freed,
     * after which such buffers come from the thread arenas and stay in RSS (16 concurrent
     * 1,000-job pages left 130 MB resident; 84 MB with this). */
    mallopt(M_MMAP_THRESHOLD, 256 << 10);
    /* Setting that threshold also pins the trim threshold at 128 KiB: every thread's arena
     * then shrank and regrew (mprotect, page faults) around each commit group or manager
     * round — a sixth of the store writer's CPU on the create path. Free memory up to this
     * much stays at the top of an arena instead. */
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
    if (sodium_init() < 0) {
        pf_logerr("libsodium failed to initialise");
        return 1;
    }
    umask(077); /* the database, the secret and logs are private to the server's user */
    if (mkdirs(app.cfg.data_dir, 0700) != 0) {
        pf_logerr("cannot create data directory %s: %s", app.cfg.data_dir, strerror(errno));
        return 1;
    }

    pf_error e;
    char db_path[4200];
    snprintf(db_path, sizeof db_path, "%s/paddleflow.db", app.cfg.data_dir);
    app.store = pf_store_open(db_path, &e);
    if (!app.store) {
        pf_logerr("%s", e.message);
        return 1;
    }
    if (pf_auth_load_secret(&app, &e) != 0 || pf_auth_cache_init(&app, &e) != 0 || pf_seed(&app, &e) != 0 ||
        pf_jobs_start(&app, &e) != 0) {
        pf_logerr("%s", e.message);
        pf_store_close(app.store);
        return 1;
    }

    pf_http *http = pf_http_start(&app, app.cfg.host, app.cfg.port, (unsigned)app.cfg.http_threads, &e);
    if (!http) {
        pf_logerr("%s", e.message);
        pf_jobs_stop(&app);
        pf_store_close(app.store);
        return 1;
    }
    pf_info("paddleflow-server %s listening on http://%s:%d%s (data dir %s)", PF_VERSION,
            app.cfg.host, app.cfg.port, PF_API_PREFIX, app.cfg.data_dir);
    pf_seed_warn_default_password(&app);

    int sig = 0;
    sigwait(&sigs, &sig);
    pf_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    pf_http_stop(http);
    pf_jobs_stop(&app);
    pf_store_close(app.store);
    pf_auth_cache_free(&app);
    pf_info("stopped");
    return 0;
}
