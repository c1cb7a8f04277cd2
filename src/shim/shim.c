/* shim.c — paddleflow-shim, the per-task supervisor of the local runtime (the
 * containerd-shim / conmon pattern).
 *
 *   paddleflow-shim <task dir>      (spawned by the server with a ready pipe on fd 3)
 *   paddleflow-shim --spawner <room>   (forks a shim per request: spawner.c)
 *
 * It runs in a session of its own (so a SIGKILLed server does not take it down),
 * claims the task exclusively (a second shim for the same task runs nothing: this is what
 * makes start idempotent across crashes), starts the task, tells the server "ok", waits,
 * kills whatever the task left behind, removes its cgroup and writes exit.json atomically
 * and durably. Protocol and file names: src/server/runtime/shim_proto.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "server/runtime/shim_proto.h"
#include "server/runtime/taskfs.h"
#include "shim/shim.h"

#define MAX_SPEC_BYTES (1 << 20) /* what the server sends at most */

static int g_ready_fd = -1; /* the one global: the pipe back to the spawning server */

static void ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ready(const char *fmt, ...)
{
    if (g_ready_fd < 0) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    (void)!write(g_ready_fd, line, (size_t)n); /* EPIPE when the server is gone: fine */
    close(g_ready_fd);
    g_ready_fd = -1;
}

/* The server spawns us in a session of our own (POSIX_SPAWN_SETSID): a SIGKILL of the server
 * does not reach its children, and when it dies init adopts us. No second fork: it cost
 * every task a process. setsid() here covers a shim started by other means. */
static void detach(void)
{
    if (getsid(0) != getpid()) setsid();
}

/* Blocks the signals the loop reads through its signalfd, from the very start, so a stop
 * arriving during startup is queued, not lost. */
static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* stdin/stdout/stderr on /dev/null: shim.log is created only when there is something to say
 * (shim_diag), one file less per task. */
static void setup_fds(void)
{
    if (fcntl(PF_SHIM_READY_FD, F_GETFD) >= 0) {
        g_ready_fd = PF_SHIM_READY_FD;
        fcntl(g_ready_fd, F_SETFD, FD_CLOEXEC);
    }
    close_range(PF_SHIM_READY_FD + 1, ~0U, 0); /* nothing of the server's leaks to the task */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
    }
    if (null > STDERR_FILENO) close(null);
}

/* The spec arrives on stdin (a memfd from the server); stdin is /dev/null afterwards. */
static char *read_spec_text(void)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap + 1);
    if (!buf) abort();
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_SPEC_BYTES) break;
            cap *= 2;
            buf = realloc(buf, cap + 1);
            if (!buf) abort();
        }
        ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0 && null != STDIN_FILENO) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    return buf;
}

void shim_diag(shim *s)
{
    if (s->diag_open) return;
    s->diag_open = true;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s->dir, PF_TASK_SHIM_LOG);
    int log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) return;
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    close(log);
}

/* Fills s->spec from its parsed JSON (s->spec.root). */
static int load_spec(shim *s)
{
    shim_spec *sp = &s->spec;
    const char *cmd = json_string_value(json_object_get(sp->root, "command"));
    const char *wd = json_string_value(json_object_get(sp->root, "workdir"));
    json_t *env = json_object_get(sp->root, "env");
    if (!cmd || !wd || !json_is_array(env)) {
        snprintf(s->setup_error, sizeof s->setup_error, "task spec: malformed");
        return -1;
    }
    sp->command = cmd;
    sp->workdir = wd;
    sp->name = json_string_value(json_object_get(sp->root, "name"));
    sp->stdout_path = json_string_value(json_object_get(sp->root, "stdout"));
    if (sp->stdout_path && !*sp->stdout_path) sp->stdout_path = NULL;
    sp->cpu_milli = json_integer_value(json_object_get(sp->root, "cpu_milli"));
    sp->mem_bytes = json_integer_value(json_object_get(sp->root, "mem_bytes"));
    sp->env = calloc(json_array_size(env) + 1, sizeof *sp->env);
    if (!sp->env) abort();
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(env); i++) {
        const char *kv = json_string_value(json_array_get(env, i));
        if (kv) sp->env[n++] = kv;
    }
    pf_cg_env_from_json(json_object_get(sp->root, "cgroup"), &sp->cg);
    return 0;
}

/* A stop that arrived before the task started: do not start it. */
static bool stop_pending(const shim *s)
{
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT) ||
           pf_taskfs_exists(s->dir, PF_TASK_STOP);
}

static void record_exit(shim *s)
{
    pf_task_status *st = &s->st;
    if (s->leader_done && WIFEXITED(s->wstatus)) {
        st->exit_code = WEXITSTATUS(s->wstatus);
    } else if (s->leader_done && WIFSIGNALED(s->wstatus)) {
        st->term_signal = WTERMSIG(s->wstatus);
        st->exit_code = 128 + st->term_signal;
    }
    if (!st->finished_ms) st->finished_ms = pf_now_ms();
    if (s->setup_error[0])
        snprintf(st->message, sizeof st->message, "%s", s->setup_error);
    else if (st->oom_killed)
        snprintf(st->message, sizeof st->message, "OOMKilled: the task exceeded its memory limit");
    else if (s->killed_by_timer)
        snprintf(st->message, sizeof st->message, "killed: still running %d s after SIGTERM",
                 shim_grace_seconds(s));
    pf_error e;
    if (pf_taskfs_write_exit(s->dir, st, &e) < 0) {
        shim_diag(s);
        pf_logerr("%s", e.message);
    }
}

/* A claimed task that never started: record why, so the server reports it. */
static int finish_unstarted(shim *s, int code, int sig)
{
    s->st.exit_code = code;
    s->st.term_signal = sig;
    record_exit(s);
    ready("ok");
    return 0;
}

static void start_cgroup(shim *s)
{
    pf_cg_task_init(&s->cg, &s->spec.cg, s->spec.name ? s->spec.name : "task");
    pf_cg_task_create(&s->cg, &s->spec.cg, s->spec.cpu_milli, s->spec.mem_bytes, s->enforced,
                      sizeof s->enforced);
}

static int run(shim *s)
{
    if (shim_signals_open(s) < 0) {
        snprintf(s->setup_error, sizeof s->setup_error, "signalfd: %s", strerror(errno));
        return finish_unstarted(s, 127, 0);
    }
    start_cgroup(s);
    s->leader = shim_spawn_task(s);
    if (s->leader < 0) {
        s->leader = 0;
        pf_cg_task_remove(&s->cg);
        return finish_unstarted(s, 127, 0);
    }
    s->st.pid = s->leader;
    s->st.started = true;
    s->st.started_ms = pf_now_ms();
    pf_proc_rec rec = {s->leader, pf_proc_starttime(s->leader, NULL), s->st.started_ms};
    pf_error e;
    /* what the cgroups enforce rides along: one file less than a record of its own */
    if (pf_taskfs_write_proc(s->dir, PF_TASK_PID, &rec, s->enforced, &e) < 0) {
        shim_diag(s);
        pf_logerr("%s", e.message);
    }
    ready("ok");
    shim_await_exec(s);
    shim_supervise(s);
    shim_kill_remains(s);
    shim_flush_stdout(s);
    s->st.oom_killed = pf_cg_task_oom(&s->cg);
    for (int i = 0; i < 100 && pf_cg_task_remove(&s->cg) < 0; i++)
        usleep(10000);
    record_exit(s);
    return 0;
}

int shim_main(const char *task_dir)
{
    static shim s; /* large (paths); static keeps it off the stack */
    s.errfd = -1;
    detach();
    block_signals();
    setup_fds();
    if (!realpath(task_dir, s.dir)) {
        ready("error %s: %s", task_dir, strerror(errno));
        return 1;
    }
    (void)!chdir(s.dir); /* do not pin the server's working directory */
    s.self_pid = getpid();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    char *spec_text = read_spec_text();
    s.spec.root = json_loads(spec_text, 0, NULL);
    free(spec_text);
    /* the claim keeps the task's cgroup parents: all a restarted server needs of the spec */
    char *cg_note = json_dumps(json_object_get(s.spec.root, "cgroup"), JSON_COMPACT);
    pf_proc_rec me = {s.self_pid, pf_proc_starttime(s.self_pid, NULL), pf_now_ms()};
    pf_error e;
    int claimed = pf_taskfs_claim(s.dir, &me, cg_note, &e);
    free(cg_note);
    if (claimed <= 0) json_decref(s.spec.root);
    if (claimed <= 0) {
        if (claimed < 0)
            ready("error %s", e.message);
        else
            ready("claimed");
        return claimed < 0;
    }
    int rc;
    if (load_spec(&s) < 0)
        rc = finish_unstarted(&s, 127, 0);
    else if (stop_pending(&s)) {
        s.st.stop_requested = true;
        snprintf(s.setup_error, sizeof s.setup_error, "stopped before it started");
        rc = finish_unstarted(&s, 128 + SIGTERM, SIGTERM);
    } else
        rc = run(&s);
    json_decref(s.spec.root);
    free(s.spec.env);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--spawner") == 0) {
        /* argv[1..2] are contiguous: the room a forked shim writes its task dir into, so
         * that its command line reads "paddleflow-shim <task dir>" as if exec'd */
        char *end = argv[2] + strlen(argv[2]);
        return shim_spawner(argv[1], (size_t)(end - argv[1]));
    }
    if (argc != 2) {
        fprintf(stderr, "usage: paddleflow-shim <task dir>\n"
                        "       paddleflow-shim --spawner <blank room>   (fd 3: the server)\n");
        return 2;
    }
    return shim_main(argv[1]);
}
