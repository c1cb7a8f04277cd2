/* shim.h — paddleflow-shim's internal state, shared by its files:
 *   shim.c       main: daemonize, claim, load the spec, start, record the exit
 *   spawner.c    the fork server that starts shims without an exec each
 *   child.c      the forked child: process group, cgroup, log, workdir, exec /bin/sh -c
 *   supervise.c  the wait loop: reaping, stop (SIGTERM, grace timer, SIGKILL), killing
 *                every remaining process of the task
 * The shim is single-threaded; all signals it cares about arrive through a signalfd. */
#ifndef PF_SHIM_H
#define PF_SHIM_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/runtime/cgroup.h"
#include "server/runtime/runtime.h"

typedef struct shim_spec {
    json_t *root; /* owns the strings below */
    const char *name;
    const char *command;
    const char *workdir;
    const char *stdout_path; /* NULL: stdout goes to the log with stderr */
    const char **env; /* NULL-terminated, malloc'd array of borrowed strings */
    int64_t cpu_milli, mem_bytes;
    pf_cg_env cg;
} shim_spec;

typedef struct shim {
    char dir[PATH_MAX]; /* absolute task directory */
    int self_pid;
    shim_spec spec;
    pf_cg_task cg;
    pf_task_status st; /* becomes exit.json */
    int leader;        /* pid of /bin/sh, the process group leader; 0 before start */
    bool leader_done;
    int wstatus;          /* the leader's wait status */
    int sfd, tfd;         /* signalfd, grace timerfd */
    int64_t kill_at_ns;   /* monotonic deadline of the pending SIGKILL, 0 = none */
    bool killed_by_timer; /* the grace period ran out */
    int errfd;            /* the child's setup-error pipe until exec, -1 after */
    char setup_error[200];
    char enforced[160]; /* what the task's cgroups enforce (written with task.pid) */
    bool diag_open;     /* shim.log is open on stdout/stderr */
} shim;

/* shim.c: the supervisor of one task: claim, start, wait, record (never returns early
 * without answering the server on fd 3). The exit status of the shim process. */
int shim_main(const char *task_dir);
/* spawner.c: the fork server (fd 3: the server's socket); returns when the server is gone.
 * title/title_len: the command-line area a forked shim overwrites with its task dir. */
int shim_spawner(char *title, size_t title_len);

/* shim.c: opens shim.log (once) for the diagnostics that follow. */
void shim_diag(shim *s);

/* child.c: forks the task. Returns the pid, or -1 (the reason in s->setup_error). */
int shim_spawn_task(shim *s);
/* A task with its own stdout file: appends that file to the task log (it has ended). */
void shim_flush_stdout(shim *s);
/* Blocks until the child has exec'd or failed; a setup failure lands in s->setup_error (the
 * child then exits 127 and is reaped by the loop as usual). */
void shim_await_exec(shim *s);

/* supervise.c */
int shim_signals_open(shim *s);      /* signalfd + timerfd; the signals are already blocked */
void shim_supervise(shim *s);        /* returns when the leader has exited */
void shim_kill_remains(shim *s);     /* SIGKILL + reap until no process of the task is left */
int shim_kill_all(shim *s, int sig); /* group + cgroup + descendants; returns how many live */
int shim_grace_seconds(const shim *s);

#endif
