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

static int by_ppid(const void *a, const void *b)
{
    const proc_link *x = a, *y = b;
    return (x->ppid > y->ppid) - (x->ppid < y->ppid);
}

/* Every process on the machine as (pid, ppid, state), sorted by ppid. */
static proc_link *list_processes(size_t *count)
{
    DIR *d = opendir("/proc");
    proc_link *all = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
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
    if (d) closedir(d);
    if (n) qsort(all, n, sizeof *all, by_ppid);
    *count = n;
    return all;
}

/* Index of the first process whose parent is ppid (n when none). */
static size_t first_child(const proc_link *all, size_t n, int ppid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (all[mid].ppid < ppid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Signals every live descendant of root (breadth first over the ppid links); returns how
 * many. O(n log n) in the number of processes on the machine. */
static int signal_descendants(int root, int sig)
{
    size_t n;
    proc_link *all = list_processes(&n);
    int *queue = malloc((n + 1) * sizeof *queue);
    if (!queue) abort();
    size_t head = 0, tail = 0;
    int live = 0;
    queue[tail++] = root;
    while (head < tail) {
        int parent = queue[head++];
        for (size_t i = first_child(all, n, parent); i < n && all[i].ppid == parent; i++) {
            if (tail <= n) queue[tail++] = all[i].pid; /* a pid has one parent: no repeats */
            if (all[i].state != 'Z' && kill(all[i].pid, sig) == 0) live++;
        }
    }
    free(queue);
    free(all);
    return live;
}

/* Whether the shim still has a child (live or zombie). The shim is a subreaper, so every
 * live descendant of the task has an unbroken chain of live parents up to the shim: no
 * child means no descendant, and the /proc walk (O(processes on the machine)) is skipped. */
static bool has_children(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

int shim_kill_all(shim *s, int sig)
{
    if (s->leader > 0) (void)kill(-s->leader, sig);
    int live = pf_cg_task_signal(&s->cg, sig);
    return live + (has_children() ? signal_descendants(s->self_pid, sig) : 0);
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
    shim_diag(s);
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
    shim_diag(s);
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
            shim_diag(s);
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
    shim_diag(s);
    pf_warn("processes of the task survived SIGKILL for 5 s");
}
