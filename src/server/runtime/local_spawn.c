/* local_spawn.c — handing a task to a new paddleflow-shim: the spec, then the spawn.
 *
 * posix_spawn (vfork-fast, safe from a multi-threaded server) runs the shim with clean
 * signal state, in a session of its own, and a pipe on fd 3. The shim stays our child (no
 * double fork: a process less per task); a SIGKILL of the server does not reach it, and init
 * adopts it then. The watch thread reaps it through its pidfd. Its stdin is a memfd holding
 * the spec. We wait (bounded) for its one-line answer (shim_proto.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "server/runtime/local.h"
#include "server/runtime/shim_proto.h"

#define SHIM_ANSWER_TIMEOUT_MS 10000
#define MAX_SPEC_BYTES (1 << 20) /* what pf_taskfs_read reads back */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extern char **environ;

static bool env_has(const char *const *env, const char *key)
{
    size_t kl = strlen(key);
    for (; env && *env; env++)
        if (strncmp(*env, key, kl) == 0 && (*env)[kl] == '=') return true;
    return false;
}

/* The task's environment: exactly the caller's list, plus PATH and HOME when absent. */
static json_t *build_env(const char *const *env)
{
    json_t *arr = json_array();
    for (const char *const *p = env; p && *p; p++)
        if (strchr(*p, '=')) json_array_append_new(arr, json_string(*p));
    const char *keys[] = {"PATH", "HOME"};
    const char *fallback[] = {DEFAULT_PATH, "/"};
    for (int i = 0; i < 2; i++) {
        if (env_has(env, keys[i])) continue;
        const char *v = getenv(keys[i]);
        char kv[4096];
        snprintf(kv, sizeof kv, "%s=%s", keys[i], v && *v ? v : fallback[i]);
        json_array_append_new(arr, json_string(kv));
    }
    return arr;
}

int local_spec_fd(const pf_local *rt, const char *dir, const pf_task_spec *spec, pf_error *e)
{
    char workdir[PATH_MAX];
    if (spec->workdir && *spec->workdir) {
        snprintf(workdir, sizeof workdir, "%s", spec->workdir);
    } else {
        if (pf_path_join(workdir, sizeof workdir, dir, PF_TASK_WORKDIR, e) < 0) return -1;
        if (mkdir(workdir, 0755) < 0 && errno != EEXIST)
            return pf_fail(e, "InternalError", "mkdir %s: %s", workdir, strerror(errno));
    }
    char out[PATH_MAX] = "";
    if (spec->stdout_path && spec->stdout_path[0] == '/')
        snprintf(out, sizeof out, "%s", spec->stdout_path);
    else if (spec->stdout_path && *spec->stdout_path &&
             pf_path_join(out, sizeof out, dir, spec->stdout_path, e) < 0)
        return -1;
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:s, s:I, s:I, s:o, s:s}", "name", spec->name,
                  "job_id", spec->job_id ? spec->job_id : "", "role", spec->role ? spec->role : "",
                  "index", spec->index, "command", spec->command, "env", build_env(spec->env),
                  "workdir", workdir, "cpu_milli", (json_int_t)spec->cpu_milli, "mem_bytes",
                  (json_int_t)spec->mem_bytes, "cgroup", pf_cg_env_to_json(&rt->cg), "stdout", out);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!s) return pf_fail(e, "InvalidArguments", "task %s: spec is not valid UTF-8", spec->name);
    size_t len = strlen(s);
    if (len > MAX_SPEC_BYTES) {
        free(s);
        return pf_fail(e, "InvalidArguments", "task %s: command and env exceed %d bytes",
                       spec->name, MAX_SPEC_BYTES);
    }
    /* A memfd, not a file: the spec only has to reach the shim, and on the disks we run on
     * creating an inode costs more than the rest of a short task's start (ext4 scans past
     * recently deleted inodes). The shim keeps what a restarted server needs (the cgroups)
     * in its claim. */
    int fd = memfd_create("pf-spec", MFD_CLOEXEC);
    bool ok = fd >= 0 && write(fd, s, len) == (ssize_t)len && lseek(fd, 0, SEEK_SET) == 0;
    int err = errno;
    free(s);
    if (!ok) {
        if (fd >= 0) close(fd);
        return pf_fail(e, "InternalError", "task %s: spec memfd: %s", spec->name, strerror(err));
    }
    return fd;
}

/* Reads one line (or until EOF / timeout) from fd. */
static void read_answer(int fd, char *reply, size_t len)
{
    size_t n = 0;
    int64_t deadline = pf_monotonic_ns() / 1000000 + SHIM_ANSWER_TIMEOUT_MS;
    reply[0] = '\0';
    while (n + 1 < len) {
        int left = (int)(deadline - pf_monotonic_ns() / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0) break;
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ssize_t got = read(fd, reply + n, len - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
        reply[n] = '\0';
        if (memchr(reply, '\n', n)) break;
    }
    reply[strcspn(reply, "\n")] = '\0';
}

static int spawn(const pf_local *rt, const char *dir, int spec_fd, int answer_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, spec_fd, STDIN_FILENO); /* the spec, read to EOF */
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, answer_fd, PF_SHIM_READY_FD);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    char *const argv[] = {(char *)rt->shim, (char *)dir, NULL};
    int err = posix_spawn(pid, rt->shim, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return err;
}

int local_spawn_shim(const pf_local *rt, const char *dir, int spec_fd, char *reply, size_t len,
                     pf_error *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return pf_fail(e, "InternalError", "pipe: %s", strerror(errno));
    /* keep the write end away from fds 0-3, which the file actions overwrite */
    int w = fcntl(p[1], F_DUPFD_CLOEXEC, 10);
    close(p[1]);
    if (w < 0) {
        close(p[0]);
        return pf_fail(e, "InternalError", "fcntl: %s", strerror(errno));
    }
    pid_t pid;
    int err = spawn(rt, dir, spec_fd, w, &pid);
    close(w);
    if (err) {
        close(p[0]);
        return pf_fail(e, "InternalError", "spawn %s: %s", rt->shim, strerror(err));
    }
    read_answer(p[0], reply, len);
    close(p[0]);
    /* "ok": the shim runs the task, and its watch reaps it. Any other answer: it is
     * exiting (or dead) without a task; reap it here. */
    if (strcmp(reply, "ok") != 0) {
        int st;
        while (waitpid(pid, &st, reply[0] ? 0 : WNOHANG) < 0 && errno == EINTR) {
        }
    }
    return 0;
}
