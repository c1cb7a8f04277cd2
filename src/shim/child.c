/* child.c — starting the task: fork, then in the child everything that must happen before
 * exec (own process group, cgroup membership, log file, working directory, clean signal
 * state), then /bin/sh -c "<command>" with exactly the spec's environment. A task with a
 * stdout file of its own (workflow nodes: outputs.result is stdout only) writes stdout there
 * and stderr to the log; the shim appends the stdout file to the log when the task ends.
 *
 * A setup failure in the child is sent back over a close-on-exec pipe: EOF means exec
 * succeeded, bytes mean "this step failed", so the shim can record a precise message
 * instead of a bare exit code 127. The shim reads it only after answering the server:
 * joining a v1 cgroup can take milliseconds (the kernel waits for an RCU grace period), and
 * the server need not wait for that. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "server/runtime/shim_proto.h"
#include "shim/shim.h"

/* In the child: report "<what>: <strerror>" to the shim and to the task log, then exit. */
static void __attribute__((noreturn)) child_fail(int errfd, const char *what, int err)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    if (n > (int)sizeof msg - 1) n = (int)sizeof msg - 1;
    (void)!write(errfd, msg, (size_t)n);
    dprintf(STDERR_FILENO, "paddleflow-shim: %s\n", msg);
    _exit(127);
}

static void reset_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL); /* ignored ones survive exec */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void __attribute__((noreturn)) child_main(shim *s, int logfd, int outfd, int errfd)
{
    reset_signals();
    if (setpgid(0, 0) < 0) child_fail(errfd, "setpgid", errno);
    /* without its supervisor nobody would record the exit: die with it (the server kills the
     * rest of the task when it finds the shim gone) */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != s->self_pid) _exit(137);
    if (pf_cg_task_join(&s->cg) < 0) child_fail(errfd, "join cgroup", errno);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0) child_fail(errfd, "open /dev/null", errno);
    if (dup2(outfd, STDOUT_FILENO) < 0 || dup2(logfd, STDERR_FILENO) < 0)
        child_fail(errfd, "redirect output", errno);
    if (chdir(s->spec.workdir) < 0) {
        char what[PATH_MAX + 8];
        snprintf(what, sizeof what, "chdir %s", s->spec.workdir);
        child_fail(errfd, what, errno);
    }
    char *const argv[] = {"sh", "-c", (char *)s->spec.command, NULL};
    execve("/bin/sh", argv, (char *const *)s->spec.env);
    child_fail(errfd, "exec /bin/sh", errno);
}

static int open_log(shim *s)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s->dir, PF_TASK_LOG);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(s->setup_error, sizeof s->setup_error, "open %s: %s", path, strerror(errno));
    return fd;
}

/* The task's stdout: the log, or its own file (then copied to the log at the end). */
static int open_stdout(shim *s, int logfd)
{
    if (!s->spec.stdout_path) return logfd;
    int fd = open(s->spec.stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        snprintf(s->setup_error, sizeof s->setup_error, "open %s: %s", s->spec.stdout_path,
                 strerror(errno));
    return fd;
}

void shim_flush_stdout(shim *s)
{
    if (!s->spec.stdout_path || !s->st.started) return;
    int in = open(s->spec.stdout_path, O_RDONLY | O_CLOEXEC);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", s->dir, PF_TASK_LOG);
    int out = in < 0 ? -1 : open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    char buf[65536];
    ssize_t n;
    while (out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) break;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
}

int shim_spawn_task(shim *s)
{
    int logfd = open_log(s);
    if (logfd < 0) return -1;
    int outfd = open_stdout(s, logfd);
    int errpipe[2] = {-1, -1};
    if (outfd < 0 || pipe2(errpipe, O_CLOEXEC) < 0) {
        if (outfd >= 0)
            snprintf(s->setup_error, sizeof s->setup_error, "pipe: %s", strerror(errno));
        if (outfd >= 0 && outfd != logfd) close(outfd);
        close(logfd);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(errpipe[0]);
        child_main(s, logfd, outfd, errpipe[1]);
    }
    int err = errno;
    close(errpipe[1]);
    if (outfd != logfd) close(outfd);
    close(logfd);
    if (pid < 0) {
        close(errpipe[0]);
        snprintf(s->setup_error, sizeof s->setup_error, "fork: %s", strerror(err));
        return -1;
    }
    /* the parent sets the group too, so it exists before anyone signals it (the classic
     * job-control race); EACCES after exec is harmless */
    (void)setpgid(pid, pid);
    s->errfd = errpipe[0];
    return pid;
}

void shim_await_exec(shim *s)
{
    if (s->errfd < 0) return;
    char msg[sizeof s->setup_error];
    ssize_t n;
    do {
        n = read(s->errfd, msg, sizeof msg - 1);
    } while (n < 0 && errno == EINTR);
    close(s->errfd);
    s->errfd = -1;
    if (n > 0) {
        msg[n] = '\0';
        snprintf(s->setup_error, sizeof s->setup_error, "%s", msg);
    }
}
