/* local.h — the local runtime's private state, shared by its files:
 *   local.c        the runtime calls (start, adopt, stop, status, remove, new, free)
 *   local_task.c   reading a task's facts from its directory; finalizing a finished task,
 *                  including one whose supervisor died ("supervisor lost")
 *   local_spawn.c  handing the spec to a new paddleflow-shim (memfd on its stdin)
 *   local_watch.c  the event thread: one pidfd per live shim in an epoll set, and the
 *                  queue of exit reports delivered through on_exit
 * Everything durable lives in the task directories (shim_proto.h); this struct only caches
 * what is being watched, so a new runtime rebuilds it by adopting. */
#ifndef PF_RUNTIME_LOCAL_H
#define PF_RUNTIME_LOCAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/runtime/cgroup.h"
#include "server/runtime/runtime_backend.h"
#include "server/runtime/taskfs.h"

#define PF_TASK_NAME_MAX 200

typedef struct local_watch {
    uint64_t id; /* epoll key: ids, not pointers, so a late event cannot touch freed memory */
    int pidfd;   /* the shim */
    char name[PF_TASK_NAME_MAX + 1];
    struct local_watch *next;
} local_watch;

typedef struct local_report {
    char name[PF_TASK_NAME_MAX + 1];
    pf_task_status st;
    struct local_report *next;
} local_report;

typedef struct pf_local {
    pf_runtime base; /* first: pf_runtime * casts to pf_local * */
    char root[PATH_MAX];
    char shim[PATH_MAX];
    pf_cg_env cg;
    pf_task_exit_fn on_exit;
    void *ctx;

    pthread_mutex_t mu; /* guards everything below */
    local_watch *watches;
    local_report *reports; /* FIFO of reports waiting for the event thread */
    local_report **reports_tail;
    uint64_t next_id;
    bool stopping;

    int spawner_fd;  /* socket to the shim spawner (-1: none, shims are posix_spawn'ed) */
    int spawner_pid;
    int epfd, evfd; /* evfd (epoll key 0) wakes the thread for reports and shutdown */
    pthread_t thread;
    bool thread_started;
} pf_local;

/* local_task.c */
int local_task_dir(const pf_local *rt, const char *name, char *out, size_t len, pf_error *e);
/* The task's facts from its files; when the shim is gone without exit.json, reports it as
 * exited with supervisor_lost (without writing anything). */
void local_read_status(const char *dir, pf_task_status *out);
/* For a task whose shim is gone: exit.json, or (supervisor lost) kill the task's remains,
 * remove its cgroups and write exit.json. Always fills out with a final status. */
void local_finalize(const char *name, const char *dir, pf_task_status *out);
/* Start raced with another start (or a shim mid-startup): waits, event-driven and bounded,
 * until the claimed task has started or is over, or its shim is gone. */
void local_wait_started(const char *dir, int timeout_ms);
/* The task's cgroups, as recorded in its claim. */
void local_task_cgroup(const char *name, const char *dir, pf_cg_task *cg);

/* local_spawn.c */
/* The task's spec (JSON) in a memfd at offset 0 (the shim's stdin); creates the default
 * work dir. Returns the fd, or -1. */
int local_spec_fd(const pf_local *rt, const char *dir, const pf_task_spec *spec, pf_error *e);
/* Spawns the shim for dir with spec_fd as its stdin and returns its one-line answer in reply
 * ("" when it died or did not answer in time). */
int local_spawn_shim(const pf_local *rt, const char *dir, int spec_fd, char *reply, size_t len,
                     pf_error *e);

/* Starts the spawner (the shim's fork server); -1 when it cannot (shims are then spawned
 * one by one). Stop closes its socket (it exits; its shims live on) and reaps it. */
int local_spawner_start(pf_local *rt);
void local_spawner_stop(pf_local *rt);

/* local_watch.c */
int local_watch_start(pf_local *rt, pf_error *e);
void local_watch_stop(pf_local *rt);
/* Watches the shim recorded in claim. 1 = watched (now or already), 0 = the shim is gone,
 * -1 = error. */
int local_watch_add(pf_local *rt, const char *name, const pf_proc_rec *claim, pf_error *e);
void local_watch_remove(pf_local *rt, const char *name);
/* Signals the watched shim through its pidfd (no pid-reuse race). -1 when not watched. */
int local_watch_signal(pf_local *rt, const char *name, int sig);
/* Reaps the process behind pidfd when it is our exited child (a shim we spawned). */
void pf_reap_pidfd(int pidfd);
/* Queues an exit report for on_exit (delivered on the event thread). */
void local_post_report(pf_local *rt, const char *name, const pf_task_status *st);

#endif
