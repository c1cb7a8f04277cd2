/* test_runtime_cgroup.c — cgroup enforcement by the local runtime: the detected mode, a
 * memory limit that kills a task exceeding it (OOMKilled), the cpu quota and membership
 * of a running task, cleanup of the task cgroup, and the no-cgroup mode (forced with
 * PF_CGROUP_MODE=none), where the supervisor's subreaper walk still kills a setsid'd
 * grandchild on stop. Enforcement tests skip when no cgroup is writable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_runtime_util.h"

typedef struct fixture {
    char *root;
    exit_log exits;
    pf_runtime *rt;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->root = make_root();
    exit_log_init(&f->exits);
    f->rt = new_runtime(f->root, &f->exits);
    *state = f;
    return f->rt ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pf_runtime_free(f->rt);
    exit_log_destroy(&f->exits);
    rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

static bool have_cgroups(fixture *f)
{
    return strcmp(pf_runtime_cgroup_mode(f->rt), "none") != 0;
}

/* The directory of the memory (v1) or unified (v2) cgroup a process is in, "" if none. */
static void cgroup_dir_of(int pid, const char *mode, char *out, size_t len)
{
    char path[64], line[4096];
    snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
    FILE *fp = fopen(path, "r");
    out[0] = '\0';
    if (!fp) return;
    bool v2 = strcmp(mode, "cgroup v2") == 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        char *p = v2 ? (strncmp(line, "0::", 3) == 0 ? line + 3 : NULL) : strstr(line, ":memory:");
        if (!p) continue;
        if (!v2) p += strlen(":memory:");
        snprintf(out, len, v2 ? "/sys/fs/cgroup%s" : "/sys/fs/cgroup/memory%s", p);
    }
    fclose(fp);
}

/* Starts s, waits until it has printed "ready", and gives the cgroup it runs in. */
static void start_ready(fixture *f, const pf_task_spec *s, pf_task_status *st, char *dir,
                        size_t len)
{
    pf_error e;
    assert_int_equal(pf_runtime_start(f->rt, s, st, &e), 0);
    assert_true(wait_file_has(st->log_path, "ready", 3000));
    cgroup_dir_of(st->pid, pf_runtime_cgroup_mode(f->rt), dir, len);
}

static void test_mode_and_enforced(void **state)
{
    fixture *f = *state;
    const char *mode = pf_runtime_cgroup_mode(f->rt);
    assert_true(strcmp(mode, "cgroup v2") == 0 || strcmp(mode, "cgroup v1") == 0 ||
                strcmp(mode, "none") == 0);
    pf_task_spec s = task("job-m-worker-0", "true");
    s.cpu_milli = 500;
    s.mem_bytes = 64LL << 20;
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    assert_int_equal(strncmp(st.enforced, mode, strlen(mode)), 0);
    if (strcmp(mode, "cgroup v1") == 0) /* this machine: both controllers writable */
        assert_string_equal(st.enforced, "cgroup v1: cpu 500m, memory 64Mi");
}

static void test_memory_limit_kills(void **state)
{
    fixture *f = *state;
    if (!have_cgroups(f)) skip();
    /* tail -n 1 must hold a newline-free stream in memory: it grows past the limit */
    pf_task_spec s = task("job-m-worker-1", "head -c 300000000 /dev/zero | tail -n 1 >/dev/null");
    s.mem_bytes = 32LL << 20;
    pf_error e;
    pf_task_status st;
    int64_t t0 = pf_now_ms();
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 10000, &st));
    assert_true(st.exit_code != 0);
    assert_true(st.oom_killed);
    assert_non_null(strstr(st.message, "OOMKilled"));
    assert_true(pf_now_ms() - t0 < 10000);
}

static void test_within_limit_succeeds(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-m-worker-2", "head -c 1000000 /dev/zero | tail -n 1 >/dev/null");
    s.mem_bytes = 64LL << 20;
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    assert_int_equal(st.exit_code, 0);
    assert_false(st.oom_killed);
}

static void test_cpu_quota_and_membership(void **state)
{
    fixture *f = *state;
    if (!have_cgroups(f)) skip();
    pf_task_spec s = task("job-m-worker-3", "echo ready; sleep 30");
    s.cpu_milli = 250;
    s.mem_bytes = 128LL << 20;
    pf_error e;
    pf_task_status st;
    char dir[4096];
    start_ready(f, &s, &st, dir, sizeof dir);
    char suffix[256];
    snprintf(suffix, sizeof suffix, "/paddleflow/%s", s.name);
    assert_non_null(strstr(dir, suffix));
    char file[4400];
    bool v2 = strcmp(pf_runtime_cgroup_mode(f->rt), "cgroup v2") == 0;
    snprintf(file, sizeof file, "%s/%s", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
    char *limit = slurp(file);
    assert_int_equal(atoll(limit), 128LL << 20);
    free(limit);
    if (!v2) {
        char cpu[4400];
        snprintf(cpu, sizeof cpu, "/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us",
                 strstr(dir, "/paddleflow/") ? strstr(dir, "/paddleflow/") : "");
        /* the cpu hierarchy has its own path: find it through /proc/<pid>/cgroup */
        char line[4096], path[64];
        snprintf(path, sizeof path, "/proc/%d/cgroup", st.pid);
        FILE *fp = fopen(path, "r");
        while (fp && fgets(line, sizeof line, fp)) {
            char *p = strstr(line, ":cpu:");
            if (!p) continue;
            line[strcspn(line, "\n")] = '\0';
            snprintf(cpu, sizeof cpu, "/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", p + 5);
        }
        if (fp) fclose(fp);
        char *quota = slurp(cpu);
        assert_int_equal(atoi(quota), 25000); /* 250m of a 100 ms period */
        free(quota);
    }
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 1, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    assert_int_equal(access(dir, F_OK), -1); /* the task cgroup is removed after exit */
}

/* No limit at all: no task cgroup (its join would delay the exec by an RCU grace period);
 * the task stays in the cgroup it was started in, and enforced says why. */
static void test_no_limits_no_cgroup(void **state)
{
    fixture *f = *state;
    if (!have_cgroups(f)) skip();
    pf_task_spec s = task("job-m-worker-9", "echo ready; sleep 30");
    pf_error e;
    pf_task_status st;
    char dir[4096];
    start_ready(f, &s, &st, dir, sizeof dir);
    assert_null(strstr(dir, s.name));
    assert_int_equal(pf_runtime_status(f->rt, s.name, &st, &e), 0);
    assert_non_null(strstr(st.enforced, "no limits requested"));
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 1, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    assert_true(st.stop_requested);
}

static void test_no_cgroup_mode(void **state)
{
    fixture *f = *state;
    exit_log exits;
    exit_log_init(&exits);
    setenv("PF_CGROUP_MODE", "none", 1);
    pf_runtime *rt = new_runtime(f->root, &exits);
    unsetenv("PF_CGROUP_MODE");
    assert_non_null(rt);
    assert_string_equal(pf_runtime_cgroup_mode(rt), "none");
    pf_task_spec s = task("job-n-worker-0", "( setsid sh -c 'sleep 303 & echo $! > gc; wait' & ); "
                                            "sleep 0.2; echo ready; sleep 30");
    s.cpu_milli = 500;
    s.mem_bytes = 64LL << 20;
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    assert_string_equal(
        st.enforced, "none: disabled by PF_CGROUP_MODE=none; not enforced: cpu 500m, memory 64Mi");
    assert_true(wait_file_has(st.log_path, "ready", 3000));
    char gc_path[4096];
    snprintf(gc_path, sizeof gc_path, "%s/%s/work/gc", f->root, s.name);
    char *gc = slurp(gc_path);
    int gc_pid = atoi(gc);
    free(gc);
    assert_true(gc_pid > 0 && pid_alive(gc_pid));
    assert_int_equal(pf_runtime_stop(rt, s.name, 1, &e), 0);
    assert_true(wait_exit(&exits, s.name, 5000, &st));
    assert_false(pid_alive(gc_pid));
    pf_runtime_free(rt);
    exit_log_destroy(&exits);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_and_enforced),
        cmocka_unit_test(test_no_limits_no_cgroup),
        cmocka_unit_test(test_memory_limit_kills),
        cmocka_unit_test(test_within_limit_succeeds),
        cmocka_unit_test(test_cpu_quota_and_membership),
        cmocka_unit_test(test_no_cgroup_mode),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
