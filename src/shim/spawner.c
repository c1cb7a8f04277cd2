/* spawner.c — `paddleflow-shim --spawner <task root>`: a fork server for shims.
 *
 * Exec'ing a fresh shim per task (dynamic loader, relocations, glibc's CPUID probing, which
 * traps to the hypervisor on a VM) cost about a third of a short task's supervisor CPU. The
 * runtime starts one spawner per runtime; for each task it sends one SOCK_SEQPACKET message on
 * fd 3: the task directory as data and two descriptors (the spec memfd, the write end of the
 * answer pipe). The spawner forks; the child puts them on fds 0 and 3 and becomes that task's
 * shim (shim_main), exactly as if exec'd. The spawner is tiny and single-threaded, so the
 * fork is cheap; its children are auto-reaped (SIGCHLD ignored here, reset in each shim).
 *
 * It exits when the server's end closes (the server is gone or freed the runtime); its shims
 * live on (reparented to init) and a restarted server adopts them as usual. Its command line
 * ends with a blank argument: room that each forked shim overwrites with its task dir, so
 * that `ps` (and the crash test's orphan check) sees "paddleflow-shim <task dir>" as before. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/runtime/shim_proto.h"
#include "shim/shim.h"

#define SPAWNER_FD PF_SHIM_READY_FD

/* One request: the task dir into dir, its two descriptors into fds. 1 = got one, 0 = the
 * server is gone, -1 = a malformed message (skipped). */
static int receive(char *dir, size_t len, int fds[2])
{
    union {
        char buf[CMSG_SPACE(2 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = dir, .iov_len = len - 1};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf};
    ssize_t n;
    do {
        n = recvmsg(SPAWNER_FD, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return 0;
    dir[n] = '\0';
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    int got = 0;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    if (got > 0) memcpy(fds, CMSG_DATA(c), (size_t)(got < 2 ? got : 2) * sizeof(int));
    if (got == 2 && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) return 1;
    for (int i = 0; i < got && i < 2; i++) close(fds[i]);
    return -1;
}

int shim_spawner(char *title, size_t title_len)
{
    /* nothing of the server's stays open here (its database, its listening socket) */
    close_range(SPAWNER_FD + 1, ~0U, 0);
    signal(SIGCHLD, SIG_IGN); /* the shims we fork are reaped by the kernel */
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        char dir[PATH_MAX];
        int fds[2];
        int r = receive(dir, sizeof dir, fds);
        if (r == 0) return 0;
        if (r < 0) continue;
        pid_t pid = fork();
        if (pid == 0) {
            signal(SIGCHLD, SIG_DFL);
            signal(SIGPIPE, SIG_DFL);
            if (strlen(dir) < title_len) {
                memset(title, 0, title_len);
                memcpy(title, dir, strlen(dir));
            }
            /* spec on stdin, answer pipe on fd 3 (replacing our socket); shim_main closes
             * every other descriptor */
            if (dup2(fds[0], STDIN_FILENO) < 0 || dup2(fds[1], PF_SHIM_READY_FD) < 0) _exit(1);
            _exit(shim_main(dir));
        }
        if (pid < 0) dprintf(fds[1], "error fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
    }
}
