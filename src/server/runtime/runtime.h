/* runtime.h — the runtime interface: how the service runs tasks without knowing where.
 *
 * A job's members become tasks; a task is named "<jobid>-<role>-<index>" and that name is
 * the runtime handle the caller stores. The runtime runs tasks, stops them and reports task
 * FACTS (started, exited with code N, killed by signal S) through one callback; it never
 * decides a job's status and never touches the store or HTTP (architecture.md).
 *
 * Backends: the local runtime (this folder: every task is a process group under a
 * per-task supervisor, paddleflow-shim, so tasks outlive the server) is the first; the
 * struct is opaque with a vtable inside (runtime_backend.h) so Kubernetes and Slurm backends
 * can follow with the same calls.
 *
 * Threading: every function may be called from any thread, concurrently. The exit callback
 * runs on the runtime's own event thread, never while a runtime lock is held, so it may call
 * pf_runtime_status/remove/start; it must not call pf_runtime_free. Callbacks for one
 * runtime are never concurrent with each other.
 *
 * Ownership: the runtime copies everything it needs from its arguments; pf_task_status is a
 * plain value filled by the callee (no pointers to free). Errors are values (pf_error). */
#ifndef PF_RUNTIME_RUNTIME_H
#define PF_RUNTIME_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct pf_task_spec {
    const char *job_id;
    const char *name; /* unique task name "<jobid>-<role>-<index>": [A-Za-z0-9._-], ≤200 chars,
                         not starting with '.'; the runtime handle */
    const char *role;
    int index;
    const char *command;    /* run as /bin/sh -c "<command>" */
    const char *const *env; /* NULL-terminated "K=V" list: the COMPLETE environment of the task
                               (the caller builds it; the runtime adds only PATH and HOME, and
                               only when absent, taken from the server's environment) */
    const char *workdir;    /* NULL or "" = <root>/<task>/work, created by the runtime */
    int64_t cpu_milli;      /* cgroup limits (0 = none): cpu in millicores, memory in bytes */
    int64_t mem_bytes;
    const char *stdout_path; /* NULL/"": stdout and stderr both go to the task log. Else a
                                file (created/truncated) that takes the task's stdout while
                                stderr goes to the log; when the task has ended its content is
                                appended to the log (workflow outputs.result). Absolute, or a
                                bare file name: then it lives next to the log (same directory
                                as pf_task_status.log_path) and goes with the task's files */
} pf_task_spec;

typedef struct pf_task_status {
    int pid;         /* process group leader (the /bin/sh), 0 if not started */
    bool started;    /* the task's process was created */
    bool exited;     /* final: the task and every process of it are gone */
    int exit_code;   /* valid when exited: the exit code, or 128+signal when killed */
    int term_signal; /* signal that killed the leader, 0 if none */
    int64_t started_ms, finished_ms; /* Unix ms, 0 when unknown */
    bool stop_requested;             /* pf_runtime_stop was called before it exited */
    bool oom_killed;      /* the memory cgroup killed a process of the task (OOMKilled) */
    bool supervisor_lost; /* the shim died without recording the exit: the runtime killed the
                             task's remains and reports term_signal = SIGKILL */
    char message[256];    /* why, when there is something to say ("" otherwise), e.g.
                             "chdir /x: No such file or directory" or "supervisor lost: …" */
    char enforced[160];   /* what is enforced, e.g. "cgroup v1: cpu 500m, memory 1Gi" or
                             "none: no writable cgroup" */
    char log_path[1024];  /* stdout+stderr of the task (the runtime refuses a root directory
                             too long for it; kept small: the job manager holds one status
                             per task of every unfinished job) */
} pf_task_status;

/* Called once per watched task when it has finished (see pf_runtime_adopt for repeats).
 * task_name and st are valid only during the call. */
typedef void (*pf_task_exit_fn)(void *ctx, const char *task_name, const pf_task_status *st);

typedef struct pf_runtime pf_runtime; /* opaque */

/* The local runtime. root_dir (created if missing) holds one directory per task, e.g.
 * "<data-dir>/tasks"; shim_path is the paddleflow-shim binary (see pf_local_shim_path).
 * Detects cgroups once (set PF_CGROUP_MODE=none in the environment to disable them).
 * Starts the event thread. Returns NULL and fills e on failure. Free with pf_runtime_free. */
pf_runtime *pf_local_runtime_new(const char *root_dir, const char *shim_path,
                                 pf_task_exit_fn on_exit, void *ctx, pf_error *e);
/* "<directory of the running executable>/paddleflow-shim" into out. Returns 0, or -1 when
 * it does not fit or /proc/self/exe is unreadable. */
int pf_local_shim_path(char *out, size_t outlen);

/* Starts a task and fills *out (may be NULL). Returns once the supervisor has claimed the
 * task and forked its process (out->pid set). A failure of the task's own setup (missing
 * workdir, …) arrives through on_exit as exit code 127 with a message; a spec the
 * supervisor could not read, likewise with started = false. IDEMPOTENT: if the name was already
 * claimed (e.g. started before a server crash) it adopts the existing task instead — a task never
 * runs twice, and the spec of the second call is ignored. Errors: InvalidArguments (bad spec),
 * InternalError (the supervisor could not be started; nothing runs). */
int pf_runtime_start(pf_runtime *rt, const pf_task_spec *spec, pf_task_status *out, pf_error *e);

/* After a server restart: re-attach to a task started earlier and fill *out. If it finished
 * while no server watched it (or its supervisor died), its recorded exit is reported through
 * on_exit asynchronously — once per call for an already-finished task, so callers must
 * tolerate a repeated report (a final status never moves). Never claimed: RecordNotFound. */
int pf_runtime_adopt(pf_runtime *rt, const char *task_name, pf_task_status *out, pf_error *e);

/* Asynchronous and idempotent: SIGTERM to every process of the task (its process group, its
 * cgroup, and every descendant of its supervisor), SIGKILL after grace_seconds (< 0 = 30),
 * then on_exit fires. The supervisor owns the timer, so the stop completes even if the
 * server dies meanwhile. A finished task: nothing to do (returns 0). Never claimed:
 * RecordNotFound. */
int pf_runtime_stop(pf_runtime *rt, const char *task_name, int grace_seconds, pf_error *e);

/* Reads the task's current facts from its files. Never claimed: RecordNotFound. */
int pf_runtime_status(pf_runtime *rt, const char *task_name, pf_task_status *out, pf_error *e);

/* Deletes the task directory (spec, log, work dir) and its cgroups. Only for finished or
 * never-claimed tasks (a running one: ActionNotAllowed). Missing task: 0 (idempotent). */
int pf_runtime_remove(pf_runtime *rt, const char *task_name, pf_error *e);

/* "cgroup v2", "cgroup v1" or "none": what pf_local_runtime_new detected. */
const char *pf_runtime_cgroup_mode(pf_runtime *rt);

/* Stops the event thread and frees the runtime. Does NOT kill tasks: they outlive it, and a
 * later runtime adopts them. Reports not yet delivered are dropped (adopt re-reports). */
void pf_runtime_free(pf_runtime *rt);

#endif
