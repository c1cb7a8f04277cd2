/* local_task.c — a task's facts as its directory records them, and the end of a task
 * whose supervisor is gone.
 *
 * The files are the truth (shim_proto.h); nothing here depends on in-memory state, which
 * is what lets a restarted server answer for tasks it never saw start. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "server/runtime/local.h"
#include "server/runtime/shim_proto.h"

#define LOST_MESSAGE                                                                               \
    "supervisor lost: paddleflow-shim died before recording the task's exit; the task was "        \
    "killed"

int local_task_dir(const pf_local *rt, const char *name, char *out, size_t len, pf_error *e)
{
    return pf_path_join(out, len, rt->root, name, e);
}

/* The fields every status carries, whatever the task's state: the log, and what cgroups
 * enforce (the note line of task.pid). Returns whether task.pid holds a record; *task gets
 * it when task is not NULL. */
static bool fill_common(const char *dir, pf_task_status *out, pf_proc_rec *task)
{
    pf_proc_rec rec;
    pf_error e;
    snprintf(out->log_path, sizeof out->log_path, "%s/%s", dir, PF_TASK_LOG);
    bool ok = pf_taskfs_read_proc(dir, PF_TASK_PID, &rec, out->enforced, sizeof out->enforced,
                                  &e) == 0;
    if (ok && task) *task = rec;
    return ok;
}

static void mark_lost(pf_task_status *out, bool stop_requested)
{
    out->exited = true;
    out->term_signal = SIGKILL;
    out->exit_code = 128 + SIGKILL;
    out->supervisor_lost = true;
    out->stop_requested = stop_requested;
    snprintf(out->message, sizeof out->message, "%s", LOST_MESSAGE);
}

void local_read_status(const char *dir, pf_task_status *out)
{
    pf_error e;
    memset(out, 0, sizeof *out);
    if (pf_taskfs_read_exit(dir, out, &e) == 0) {
        fill_common(dir, out, NULL);
        return;
    }
    pf_proc_rec task, shim;
    if (fill_common(dir, out, &task)) {
        out->pid = task.pid;
        out->started = true;
        out->started_ms = task.at_ms;
    }
    if (pf_taskfs_read_proc(dir, PF_TASK_CLAIM, &shim, NULL, 0, &e) < 0 || pf_proc_alive(&shim))
        return;
    /* the shim may have written exit.json just before it exited: look again */
    if (pf_taskfs_read_exit(dir, out, &e) == 0) return;
    mark_lost(out, pf_taskfs_exists(dir, PF_TASK_STOP));
}

void local_task_cgroup(const char *name, const char *dir, pf_cg_task *cg)
{
    char note[2 * PATH_MAX + 256];
    pf_proc_rec rec;
    pf_error e;
    pf_cg_env env = {0};
    if (pf_taskfs_read_proc(dir, PF_TASK_CLAIM, &rec, note, sizeof note, &e) == 0 && note[0]) {
        json_t *o = json_loads(note, 0, NULL);
        pf_cg_env_from_json(o, &env);
        json_decref(o);
    }
    pf_cg_task_init(cg, &env, name);
}

/* Kills what is left of a task whose shim died. The leader got SIGKILL from its
 * parent-death signal; its group and cgroup may still hold processes. The group is only
 * signalled when its number cannot have been reused: the leader is still the recorded
 * process, or no process has that pid at all (a live group keeps its id reserved). */
static void kill_remains(const char *name, const char *dir, const pf_proc_rec *task)
{
    pf_cg_task cg;
    local_task_cgroup(name, dir, &cg);
    for (int round = 0; round < 100; round++) {
        bool group = false;
        if (task) {
            uint64_t st = pf_proc_starttime(task->pid, NULL);
            group = (st == 0 || st == task->starttime) && kill(-task->pid, SIGKILL) == 0;
        }
        int live = pf_cg_task_signal(&cg, SIGKILL);
        if (!group && live == 0) break;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < 50 && pf_cg_task_remove(&cg) < 0; i++)
        usleep(10000);
}

void local_finalize(const char *name, const char *dir, pf_task_status *out)
{
    pf_error e;
    memset(out, 0, sizeof *out);
    if (pf_taskfs_read_exit(dir, out, &e) == 0) {
        fill_common(dir, out, NULL);
        return;
    }
    /* No usable record (missing; unreadable cannot happen with atomic writes but is treated
     * the same): the shim is gone, so whatever is left of the task is killed and the loss
     * is recorded. A task must always end with a report. */
    if (errno != ENOENT) pf_warn("runtime: %s", e.message);
    memset(out, 0, sizeof *out);
    pf_proc_rec task;
    bool started = pf_taskfs_read_proc(dir, PF_TASK_PID, &task, NULL, 0, &e) == 0;
    kill_remains(name, dir, started ? &task : NULL);
    if (started) {
        out->pid = task.pid;
        out->started = true;
        out->started_ms = task.at_ms;
    }
    mark_lost(out, pf_taskfs_exists(dir, PF_TASK_STOP));
    out->finished_ms = pf_now_ms();
    if (pf_taskfs_write_exit(dir, out, &e) < 0) pf_warn("runtime: %s", e.message);
    fill_common(dir, out, NULL);
}

/* task.pid and exit.json are created in place: a file that exists may still be empty */
static bool started_or_over(const char *dir)
{
    pf_proc_rec rec;
    pf_task_status st;
    pf_error e;
    return pf_taskfs_read_proc(dir, PF_TASK_PID, &rec, NULL, 0, &e) == 0 ||
           pf_taskfs_read_exit(dir, &st, &e) == 0;
}

void local_wait_started(const char *dir, int timeout_ms)
{
    pf_proc_rec shim;
    pf_error e;
    if (started_or_over(dir) || pf_taskfs_read_proc(dir, PF_TASK_CLAIM, &shim, NULL, 0, &e) < 0)
        return;
    /* the files appear whole when their writer closes them (IN_CLOSE_WRITE), or by rename
     * (IN_MOVED_TO); the shim's pidfd covers its death */
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    int pfd = pidfd_open(shim.pid, 0);
    if (in >= 0 && inotify_add_watch(in, dir, IN_MOVED_TO | IN_CLOSE_WRITE) >= 0 && pfd >= 0 &&
        pf_proc_alive(&shim)) {
        int64_t deadline = pf_monotonic_ns() / 1000000 + timeout_ms;
        while (!started_or_over(dir)) {
            int left = (int)(deadline - pf_monotonic_ns() / 1000000);
            struct pollfd p[2] = {{.fd = in, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
            if (left <= 0 || poll(p, 2, left) <= 0 || p[1].revents) break;
            char buf[4096];
            while (read(in, buf, sizeof buf) > 0) {
            }
        }
    }
    if (in >= 0) close(in);
    if (pfd >= 0) close(pfd);
}
