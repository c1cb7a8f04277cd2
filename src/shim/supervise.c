/* supervise.c — the shim's wait loop and the killing of a task.
 *
 * The loop sleeps in poll() on a signalfd (SIGCHLD, SIGTERM/SIGINT from the server) and a
 * timerfd (the grace period of a stop): no polling. "Every process of the task" is the
 * union of three sets, because each can miss something the others catch:
 *   - the process group of the leader (what a shell job is);
 *   - the task's cgroup (catches setsid()/double-forked daemons, even reparented ones);
 *   - the shim's descendants: the shim is a child subreaper, so orphans of the task are
 *     reparented to it rather than to init, and the /proc walk finds them without cgroups. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "server/runtime/shim_proto.h"
#include "server/runtime/taskfs.h"
#include "shim/shim.h"

int shim_signals_open(shim *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    return s->sfd < 0 || s->tfd < 0 ? -1 : 0;
}

typedef struct proc_link {
    int pid, ppid;
    char state;
} proc_link;

static bool read_link(int pid, proc_link *out)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %c %d", &out->state, &out->ppid) != 2) return false;
    out->pid = pid;
    return true;
}

/* Signals every live descendant of the shim; returns how many. */
static int signal_descendants(int root, int sig)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    proc_link *all = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        int pid = atoi(de->d_name);
        proc_link l;
        if (pid <= 0 || !read_link(pid, &l)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            all = realloc(all, cap * sizeof *all);
            if (!all) abort();
        }
        all[n++] = l;
    }
    closedir(d);
    /* mark descendants: ppid == root or ppid marked, until a pass adds nothing */
    bool *mark = calloc(n ? n : 1, sizeof *mark);
    if (!mark) abort();
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < n; i++) {
            if (mark[i]) continue;
            bool child = all[i].ppid == root;
            for (size_t j = 0; !child && j < n; j++)
                child = mark[j] && all[j].pid == all[i].ppid;
            if (child) mark[i] = grew = true;
        }
    }
    int live = 0;
    for (size_t i = 0; i < n; i++)
        if (mark[i] && all[i].state != 'Z' && kill(all[i].pid, sig) == 0) live++;
    free(mark);
    free(all);
    return live;
}

int shim_kill_all(shim *s, int sig)
{
    if (s->leader > 0) (void)kill(-s->leader, sig);
    int live = pf_cg_task_signal(&s->cg, sig);
    return live + signal_descendants(s->self_pid, sig);
}

static void reap(shim *s)
{
    int ws;
    pid_t pid;
    while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
        if (pid != s->leader) continue; /* an orphan the subreaper adopted */
        s->leader_done = true;
        s->wstatus = ws;
        s->st.finished_ms = pf_now_ms();
    }
}

int shim_grace_seconds(const shim *s)
{
    char *txt = NULL;
    pf_error e;
    int grace = PF_DEFAULT_GRACE_SECONDS;
    if (pf_taskfs_read(s->dir, PF_TASK_STOP, &txt, &e) == 0) {
        char *end;
        long v = strtol(txt, &end, 10);
        if (end != txt && v >= 0 && v <= 86400) grace = (int)v;
    }
    free(txt);
    return grace;
}

/* SIGTERM now, SIGKILL when the grace period ends; a repeated stop only shortens it. */
static void begin_stop(shim *s)
{
    int grace = shim_grace_seconds(s);
    int64_t at = pf_monotonic_ns() + (int64_t)grace * 1000000000LL;
    if (s->kill_at_ns && s->kill_at_ns <= at) return;
    s->kill_at_ns = at;
    s->st.stop_requested = true;
    pf_info("stop: SIGTERM to the task, SIGKILL in %d s", grace);
    shim_kill_all(s, SIGTERM);
    struct itimerspec its = {.it_value = {.tv_sec = grace, .tv_nsec = grace ? 0 : 1}};
    timerfd_settime(s->tfd, 0, &its, NULL);
}

static void on_signals(shim *s)
{
    struct signalfd_siginfo si;
    while (read(s->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD) reap(s);
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) begin_stop(s);
    }
    reap(s); /* SIGCHLDs coalesce: always sweep */
}

static void on_timer(shim *s)
{
    uint64_t ticks;
    if (read(s->tfd, &ticks, sizeof ticks) != (ssize_t)sizeof ticks) return;
    pf_info("grace period over: SIGKILL to the task");
    s->killed_by_timer = true;
    shim_kill_all(s, SIGKILL);
}

void shim_supervise(shim *s)
{
    reap(s);
    while (!s->leader_done) {
        struct pollfd p[2] = {{.fd = s->sfd, .events = POLLIN}, {.fd = s->tfd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            pf_logerr("poll: %s", strerror(errno));
            sleep(1); /* cannot happen in practice; never spin */
            continue;
        }
        if (p[0].revents) on_signals(s);
        if (p[1].revents) on_timer(s);
    }
}

void shim_kill_remains(shim *s)
{
    /* When the leader is gone the task is over (container semantics): whatever it left
     * behind is killed. Bounded, in case something sits in uninterruptible sleep. */
    for (int round = 0; round < 500; round++) {
        int live = shim_kill_all(s, SIGKILL);
        int ws;
        while (waitpid(-1, &ws, WNOHANG) > 0) {
        }
        if (live == 0) return;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    pf_warn("processes of the task survived SIGKILL for 5 s");
}
