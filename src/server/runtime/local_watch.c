/* local_watch.c — the local runtime's event thread.
 *
 * A shim we spawned is our child, one adopted after a restart is not, so waitpid cannot see
 * every shim; a pidfd can: it becomes readable when the process exits (and reaps our own
 * children: waitid P_PIDFD). One epoll set holds a pidfd per
 * live shim plus an eventfd for wake-ups; the thread sleeps until a shim exits, then reads
 * exit.json (or handles a lost supervisor) and calls on_exit. No polling, one thread for
 * any number of tasks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "server/runtime/local.h"

static void wake(pf_local *rt)
{
    uint64_t one = 1;
    (void)!write(rt->evfd, &one, sizeof one);
}

void pf_reap_pidfd(int pidfd)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    /* our child (a shim we spawned): reap it; anybody else's: ECHILD, nothing to do */
    (void)waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
}

static local_watch *find_watch(pf_local *rt, const char *name, local_watch ***link)
{
    for (local_watch **pp = &rt->watches; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) != 0) continue;
        if (link) *link = pp;
        return *pp;
    }
    return NULL;
}

/* Unlinks and returns the watch with this epoll key (NULL when already removed). */
static local_watch *take_watch_by_id(pf_local *rt, uint64_t id)
{
    for (local_watch **pp = &rt->watches; *pp; pp = &(*pp)->next) {
        if ((*pp)->id != id) continue;
        local_watch *w = *pp;
        *pp = w->next;
        epoll_ctl(rt->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
        pf_reap_pidfd(w->pidfd);
        close(w->pidfd);
        return w;
    }
    return NULL;
}

int local_watch_add(pf_local *rt, const char *name, const pf_proc_rec *claim, pf_error *e)
{
    pthread_mutex_lock(&rt->mu);
    int rc = 1;
    if (find_watch(rt, name, NULL)) goto out;
    int fd = pidfd_open(claim->pid, 0);
    if (fd < 0) {
        rc = errno == ESRCH ? 0 : pf_fail(e, "InternalError", "pidfd_open: %s", strerror(errno));
        goto out;
    }
    /* the pidfd pins whatever process has that pid NOW: make sure it is our shim */
    if (!pf_proc_alive(claim)) {
        close(fd);
        rc = 0;
        goto out;
    }
    local_watch *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->id = ++rt->next_id;
    w->pidfd = fd;
    snprintf(w->name, sizeof w->name, "%s", name);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = w->id};
    if (epoll_ctl(rt->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = pf_fail(e, "InternalError", "epoll_ctl: %s", strerror(errno));
        close(fd);
        free(w);
        goto out;
    }
    w->next = rt->watches;
    rt->watches = w;
out:
    pthread_mutex_unlock(&rt->mu);
    return rc;
}

void local_watch_remove(pf_local *rt, const char *name)
{
    pthread_mutex_lock(&rt->mu);
    local_watch *w = find_watch(rt, name, NULL);
    if (w) free(take_watch_by_id(rt, w->id));
    pthread_mutex_unlock(&rt->mu);
}

int local_watch_signal(pf_local *rt, const char *name, int sig)
{
    pthread_mutex_lock(&rt->mu);
    local_watch *w = find_watch(rt, name, NULL);
    int rc = w ? pidfd_send_signal(w->pidfd, sig, NULL, 0) : -1;
    pthread_mutex_unlock(&rt->mu);
    return rc;
}

void local_post_report(pf_local *rt, const char *name, const pf_task_status *st)
{
    local_report *r = calloc(1, sizeof *r);
    if (!r) abort();
    snprintf(r->name, sizeof r->name, "%s", name);
    r->st = *st;
    pthread_mutex_lock(&rt->mu);
    *rt->reports_tail = r;
    rt->reports_tail = &r->next;
    pthread_mutex_unlock(&rt->mu);
    wake(rt);
}

/* A watched shim exited: its record is final now. */
static void deliver_exit(pf_local *rt, local_watch *w)
{
    char dir[PATH_MAX];
    pf_task_status st;
    pf_error e;
    if (local_task_dir(rt, w->name, dir, sizeof dir, &e) < 0) {
        pf_logerr("runtime: task %s: %s", w->name, e.message);
        return;
    }
    local_finalize(w->name, dir, &st);
    rt->on_exit(rt->ctx, w->name, &st);
}

static void *event_loop(void *arg)
{
    pf_local *rt = arg;
    struct epoll_event evs[32];
    for (;;) {
        int n = epoll_wait(rt->epfd, evs, 32, -1);
        if (n < 0 && errno != EINTR) pf_logerr("runtime: epoll_wait: %s", strerror(errno));
        local_watch *done = NULL;
        pthread_mutex_lock(&rt->mu);
        if (rt->stopping) {
            pthread_mutex_unlock(&rt->mu);
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == 0) {
                uint64_t v;
                (void)!read(rt->evfd, &v, sizeof v);
                continue;
            }
            local_watch *w = take_watch_by_id(rt, evs[i].data.u64);
            if (w) {
                w->next = done;
                done = w;
            }
        }
        local_report *reports = rt->reports;
        rt->reports = NULL;
        rt->reports_tail = &rt->reports;
        pthread_mutex_unlock(&rt->mu);
        /* callbacks run unlocked: they may call back into the runtime */
        while (done) {
            local_watch *w = done;
            done = w->next;
            deliver_exit(rt, w);
            free(w);
        }
        while (reports) {
            local_report *r = reports;
            reports = r->next;
            rt->on_exit(rt->ctx, r->name, &r->st);
            free(r);
        }
    }
}

int local_watch_start(pf_local *rt, pf_error *e)
{
    rt->reports_tail = &rt->reports;
    rt->epfd = epoll_create1(EPOLL_CLOEXEC);
    rt->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (rt->epfd < 0 || rt->evfd < 0)
        return pf_fail(e, "InternalError", "epoll/eventfd: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0};
    if (epoll_ctl(rt->epfd, EPOLL_CTL_ADD, rt->evfd, &ev) < 0)
        return pf_fail(e, "InternalError", "epoll_ctl: %s", strerror(errno));
    int err = pthread_create(&rt->thread, NULL, event_loop, rt);
    if (err) return pf_fail(e, "InternalError", "pthread_create: %s", strerror(err));
    pthread_setname_np(rt->thread, "pf-runtime");
    rt->thread_started = true;
    return 0;
}

void local_watch_stop(pf_local *rt)
{
    if (rt->thread_started) {
        pthread_mutex_lock(&rt->mu);
        rt->stopping = true;
        pthread_mutex_unlock(&rt->mu);
        wake(rt);
        pthread_join(rt->thread, NULL);
    }
    while (rt->watches) {
        local_watch *w = rt->watches;
        rt->watches = w->next;
        close(w->pidfd);
        free(w);
    }
    while (rt->reports) {
        local_report *r = rt->reports;
        rt->reports = r->next;
        free(r);
    }
    if (rt->epfd >= 0) close(rt->epfd);
    if (rt->evfd >= 0) close(rt->evfd);
}
