/* local_spawn.c — handing a task to a new paddleflow-shim: the spec, then the spawn.
 *
 * A shim is forked by the runtime's spawner (`paddleflow-shim --spawner`, started once with
 * posix_spawn; src/shim/spawner.c): no exec, no dynamic loading per task. The request is one
 * SOCK_SEQPACKET message with the spec memfd and the answer pipe attached. If the spawner is
 * gone, the shim is posix_spawn'ed (vfork-fast, safe from a multi-threaded server) directly
 * in a session of its own; it then stays our child and the watch thread reaps it through its
 * pidfd. Either way a SIGKILL of the server does not reach the shim (init adopts it), its
 * stdin is the spec and fd 3 the pipe of its one-line answer, which we wait for (bounded;
 * shim_proto.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
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

/* posix_spawn of the shim binary: in_fd on stdin, fd3 on fd 3, /dev/null on 1-2, own
 * session, clean signal state. */
static int spawn(const pf_local *rt, char *const argv[], int in_fd, int fd3, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawn_file_actions_init(&fa);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fd3, PF_SHIM_READY_FD);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    int err = posix_spawn(pid, rt->shim, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return err;
}

/* Hands a start to the spawner: the task dir, and the spec and answer descriptors. */
static int send_to_spawner(const pf_local *rt, const char *dir, int spec_fd, int answer_fd)
{
    int fds[2] = {spec_fd, answer_fd};
    union {
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = {.iov_base = (void *)dir, .iov_len = strlen(dir)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    ssize_t n;
    do {
        n = sendmsg(rt->spawner_fd, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)iov.iov_len ? 0 : -1;
}

int local_spawner_start(pf_local *rt)
{
    int sv[2];
    rt->spawner_fd = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    /* the spawner's end away from 0-3, which the file actions overwrite */
    int theirs = fcntl(sv[1], F_DUPFD_CLOEXEC, 10);
    close(sv[1]);
    pid_t pid;
    /* the blank argument is room for each forked shim's task dir (its command line) */
    char room[PATH_MAX];
    memset(room, ' ', sizeof room - 1);
    room[sizeof room - 1] = '\0';
    char *const argv[] = {(char *)rt->shim, "--spawner", room, NULL};
    int err = theirs < 0 ? errno : spawn(rt, argv, -1, theirs, &pid);
    if (theirs >= 0) close(theirs);
    if (err) {
        close(sv[0]);
        return -1;
    }
    rt->spawner_fd = sv[0];
    rt->spawner_pid = pid;
    return 0;
}

void local_spawner_stop(pf_local *rt)
{
    if (rt->spawner_fd < 0) return;
    close(rt->spawner_fd); /* EOF: it exits; its shims live on */
    rt->spawner_fd = -1;
    int st;
    while (waitpid(rt->spawner_pid, &st, 0) < 0 && errno == EINTR) {
    }
}

/* A new memfd with the same spec (pread: the original's offset is left alone). */
static int copy_spec(int spec_fd)
{
    struct stat sb;
    if (fstat(spec_fd, &sb) < 0 || sb.st_size <= 0 || sb.st_size > MAX_SPEC_BYTES) return -1;
    size_t n = (size_t)sb.st_size;
    char *buf = malloc(n);
    if (!buf) abort();
    int fd = -1;
    if (pread(spec_fd, buf, n, 0) == (ssize_t)n) fd = memfd_create("pf-spec", MFD_CLOEXEC);
    if (fd >= 0 && write(fd, buf, n) != (ssize_t)n) {
        close(fd);
        fd = -1;
    }
    free(buf);
    if (fd >= 0 && lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static int local_spawn_direct(const pf_local *rt, const char *dir, int spec_fd, char *reply,
                              size_t len, pf_error *e);

int local_spawn_shim(const pf_local *rt, const char *dir, int spec_fd, char *reply, size_t len,
                     pf_error *e)
{
    if (rt->spawner_fd < 0) return local_spawn_direct(rt, dir, spec_fd, reply, len, e);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return pf_fail(e, "InternalError", "pipe: %s", strerror(errno));
    int sent = send_to_spawner(rt, dir, spec_fd, p[1]);
    close(p[1]);
    if (sent < 0) { /* the spawner is gone */
        close(p[0]);
        return local_spawn_direct(rt, dir, spec_fd, reply, len, e);
    }
    read_answer(p[0], reply, len);
    close(p[0]);
    if (reply[0]) return 0; /* the spawner's child: the spawner reaps it */
    /* no answer: the spawner died with the request (or the machine is very slow); a shim of
     * our own tries again — the claim keeps the task from running twice. It gets a copy of
     * the spec: a slow first shim may still be reading the shared offset. */
    int copy = copy_spec(spec_fd);
    if (copy < 0) return pf_fail(e, "InternalError", "shim spawner: no answer");
    int rc = local_spawn_direct(rt, dir, copy, reply, len, e);
    close(copy);
    return rc;
}

static int local_spawn_direct(const pf_local *rt, const char *dir, int spec_fd, char *reply,
                              size_t len, pf_error *e)
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
    char *const argv[] = {(char *)rt->shim, (char *)dir, NULL};
    int err = spawn(rt, argv, spec_fd, w, &pid);
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
