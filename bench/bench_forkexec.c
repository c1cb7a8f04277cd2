/* bench_forkexec.c — the ceiling for end-to-end job throughput: a plain fork/exec/wait loop
 * of `/bin/sh -c true`, the same process a trivial job runs, with nothing around it (no
 * HTTP, no database, no supervisor, no cgroup). --parallel P runs P such loops at once
 * (P = cores shows what the machine can do when the work overlaps, as the server's does).
 * Prints {"runs","parallel","seconds","per_s"}. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* n sequential fork/exec/wait rounds; returns the number that exited 0. */
static int loop(int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/sh", "sh", "-c", "true", (char *)NULL);
            _exit(127);
        }
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
    }
    return ok;
}

int main(int argc, char **argv)
{
    int runs = 10000, parallel = 1, ch;
    static const struct option longs[] = {
        {"runs", 1, 0, 'n'}, {"parallel", 1, 0, 'P'}, {0, 0, 0, 0}};
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (ch == 'n')
            runs = atoi(optarg);
        else if (ch == 'P')
            parallel = atoi(optarg);
        else {
            fprintf(stderr, "usage: bench_forkexec [--runs N] [--parallel P]\n");
            return 2;
        }
    }
    if (runs <= 0 || parallel <= 0) return 2;
    double t0 = now();
    int failed = 0;
    for (int p = 0; p < parallel; p++) {
        int share = runs / parallel + (p < runs % parallel);
        pid_t pid = fork();
        if (pid == 0) _exit(loop(share) == share ? 0 : 1);
    }
    for (int p = 0; p < parallel; p++) {
        int st = 0;
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
    }
    double secs = now() - t0;
    printf("{\"runs\":%d,\"parallel\":%d,\"seconds\":%.3f,\"per_s\":%.1f,\"failed_loops\":%d}\n",
           runs, parallel, secs, runs / secs, failed);
    return failed ? 1 : 0;
}
