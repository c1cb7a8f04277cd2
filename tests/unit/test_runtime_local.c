/* test_runtime_local.c — the local runtime with real processes: exit codes and signals,
 * environment, working directory, log capture, stop (graceful and SIGKILL after grace),
 * killing children and setsid'd grandchildren, idempotent start, remove, bad input. */
#include <dirent.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/runtime/taskfs.h"
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
    if (!f->rt) return -1;
    *state = f;
    return 0;
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

/* Starts a task and waits for its exit report. */
static pf_task_status run_task(fixture *f, const pf_task_spec *spec)
{
    pf_error e = {0};
    pf_task_status st, done;
    int rc = pf_runtime_start(f->rt, spec, &st, &e);
    if (rc != 0) fail_msg("start %s: %s %s", spec->name, e.code, e.message);
    assert_true(st.started || st.exited);
    assert_true(wait_exit(&f->exits, spec->name, 5000, &done));
    return done;
}

static char *task_file(fixture *f, const char *name, const char *file)
{
    char *p = malloc(8192);
    snprintf(p, 8192, "%s/%s/%s", f->root, name, file);
    return p;
}

static void test_exit_zero(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-a-worker-0", "exit 0");
    int64_t before = pf_now_ms();
    pf_task_status st = run_task(f, &s);
    assert_true(st.started);
    assert_true(st.exited);
    assert_int_equal(st.exit_code, 0);
    assert_int_equal(st.term_signal, 0);
    assert_true(st.pid > 0);
    assert_false(st.supervisor_lost);
    assert_true(st.started_ms >= before - 1000);
    assert_true(st.finished_ms >= st.started_ms);
    pf_task_status again;
    pf_error e;
    assert_int_equal(pf_runtime_status(f->rt, s.name, &again, &e), 0);
    assert_true(again.exited);
    assert_int_equal(again.pid, st.pid);
    assert_int_equal(again.finished_ms, st.finished_ms);
}

static void test_exit_three(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-a-worker-1", "exit 3");
    pf_task_status st = run_task(f, &s);
    assert_int_equal(st.exit_code, 3);
    assert_int_equal(st.term_signal, 0);
    assert_string_equal(st.message, "");
}

static void test_killed_by_signal(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-a-worker-2", "kill -9 $$");
    pf_task_status st = run_task(f, &s);
    assert_int_equal(st.term_signal, SIGKILL);
    assert_int_equal(st.exit_code, 128 + SIGKILL);
    assert_false(st.stop_requested);
}

static void test_env_and_workdir(void **state)
{
    fixture *f = *state;
    char wd[] = "/tmp/pf-rt-wd-XXXXXX";
    assert_non_null(mkdtemp(wd));
    setenv("PF_TEST_LEAK", "leaked", 1);
    const char *const env[] = {"FOO=bar baz", "PF_JOB_ID=job-x", NULL};
    pf_task_spec s =
        task("job-b-worker-0", "echo \"foo=$FOO id=$PF_JOB_ID leak=$PF_TEST_LEAK pwd=$(pwd)\"; "
                               "test -n \"$PATH\" && test -n \"$HOME\" && echo path-home-ok");
    s.env = env;
    s.workdir = wd;
    pf_task_status st = run_task(f, &s);
    assert_int_equal(st.exit_code, 0);
    char *log = slurp(st.log_path);
    char want[256];
    snprintf(want, sizeof want, "foo=bar baz id=job-x leak= pwd=%s\n", wd);
    assert_non_null(strstr(log, want));
    assert_non_null(strstr(log, "path-home-ok"));
    free(log);
    rmdir(wd);
    unsetenv("PF_TEST_LEAK");
}

static void test_default_workdir_and_log(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-b-worker-1", "pwd; echo to-stderr >&2; echo to-stdout");
    pf_task_status st = run_task(f, &s);
    char *want = task_file(f, s.name, "output.log");
    assert_string_equal(st.log_path, want);
    char *log = slurp(st.log_path);
    char *wd = task_file(f, s.name, "work\n");
    assert_non_null(strstr(log, wd));
    assert_non_null(strstr(log, "to-stderr\n"));
    assert_non_null(strstr(log, "to-stdout\n"));
    free(log);
    free(wd);
    free(want);
}

/* A stdout file of its own (workflow outputs.result): stdout there, stderr live in the log,
 * and the stdout appended to the log once the task has ended. */
static void test_stdout_file(void **state)
{
    fixture *f = *state;
    char out[4096];
    snprintf(out, sizeof out, "%s/result.stdout", f->root);
    pf_task_spec s = task("job-b-worker-3", "echo one; echo to-stderr >&2; echo two; exit 5");
    s.stdout_path = out;
    pf_task_status st = run_task(f, &s);
    assert_int_equal(st.exit_code, 5);
    char *got = slurp(out);
    assert_string_equal(got, "one\ntwo\n");
    free(got);
    char *log = slurp(st.log_path);
    assert_string_equal(log, "to-stderr\none\ntwo\n");
    free(log);
    /* a bare name: next to the log, in the task's directory */
    s = task("job-b-worker-5", "echo three");
    s.stdout_path = "stdout";
    st = run_task(f, &s);
    char *want = task_file(f, s.name, "stdout");
    got = slurp(want);
    assert_string_equal(got, "three\n");
    free(got);
    free(want);
    s = task("job-b-worker-4", "true");
    s.stdout_path = "relative/path";
    pf_task_status bad;
    pf_error e;
    assert_int_equal(pf_runtime_start(f->rt, &s, &bad, &e), -1);
    assert_string_equal(e.code, "InvalidArguments");
}

/* The pid of a child of ours whose command line holds needle (0 when none). */
static int child_with_cmdline(const char *needle)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int found = 0;
    while (d && !found && (de = readdir(d))) {
        int pid = atoi(de->d_name);
        char path[64], buf[8192];
        if (pid <= 0) continue;
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *p = strrchr(buf, ')');
        int ppid = 0;
        if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid != getpid()) continue;
        snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
        f = fopen(path, "r");
        if (!f) continue;
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (!buf[i]) buf[i] = ' ';
        buf[n] = '\0';
        if (strstr(buf, needle)) found = pid;
    }
    if (d) closedir(d);
    return found;
}

typedef struct start_arg {
    pf_runtime *rt;
    pf_task_spec spec;
    int rc;
} start_arg;

static void *start_thread(void *p)
{
    start_arg *a = p;
    pf_error e;
    pf_task_status st;
    a->rc = pf_runtime_start(a->rt, &a->spec, &st, &e);
    return NULL;
}

/* Shims come from the runtime's spawner and show their task dir in ps; when the spawner is
 * gone, starts still work (the shim is spawned directly). */
static void test_spawner_and_its_loss(void **state)
{
    (void)state;
    char *root = make_root();
    exit_log x;
    exit_log_init(&x);
    pf_runtime *rt = new_runtime(root, &x);
    assert_non_null(rt);
    int spawner = child_with_cmdline("paddleflow-shim --spawner");
    assert_true(spawner > 0);
    pf_error e;
    pf_task_status st;
    pf_task_spec s = task("job-s-worker-0", "sleep 30");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    char want[4200];
    snprintf(want, sizeof want, "paddleflow-shim %s/%s", root, s.name);
    /* the shim (the spawner's child) set its title before it claimed */
    char path[64], buf[8192] = "";
    pf_proc_rec claim;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", root, s.name);
    assert_int_equal(pf_taskfs_read_proc(dir, "claim", &claim, NULL, 0, &e), 0);
    snprintf(path, sizeof path, "/proc/%d/cmdline", claim.pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    for (size_t i = 0; i < n; i++)
        if (!buf[i]) buf[i] = ' ';
    buf[n] = '\0';
    assert_non_null(strstr(buf, want));
    assert_int_equal(pf_runtime_stop(rt, s.name, 0, &e), 0);
    assert_true(wait_exit(&x, s.name, 5000, &st));
    /* the spawner dies holding a request (stopped, then killed, with its warm child: they
     * share its process group, the shims do not): that start is answered by a shim spawned
     * directly */
    assert_int_equal(kill(-spawner, SIGSTOP), 0);
    start_arg a = {.rt = rt, .spec = task("job-s-worker-2", "exit 7")};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, start_thread, &a), 0);
    usleep(200000);
    assert_int_equal(kill(-spawner, SIGKILL), 0);
    pthread_join(th, NULL);
    assert_int_equal(a.rc, 0);
    assert_true(wait_exit(&x, a.spec.name, 5000, &st));
    assert_int_equal(st.exit_code, 7);
    for (int i = 0; i < 200; i++) {
        int ws;
        if (waitpid(spawner, &ws, WNOHANG) == spawner) break;
        usleep(5000);
    }
    /* and with the spawner gone, every start spawns its shim itself */
    s = task("job-s-worker-1", "exit 6");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    assert_true(wait_exit(&x, s.name, 5000, &st));
    assert_int_equal(st.exit_code, 6);
    pf_runtime_free(rt);
    exit_log_destroy(&x);
    rm_rf(root);
    free(root);
}

static void test_bad_workdir(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-b-worker-2", "echo never");
    s.workdir = "/nonexistent/pf-dir";
    pf_task_status st = run_task(f, &s);
    assert_int_equal(st.exit_code, 127);
    assert_non_null(strstr(st.message, "chdir /nonexistent/pf-dir"));
    char *log = slurp(st.log_path);
    assert_null(strstr(log, "never"));
    free(log);
}

static void test_stop_graceful(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-c-worker-0", "sleep 30");
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_false(st.exited);
    int64_t t0 = pf_now_ms();
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 5, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 3000, &st));
    assert_true(pf_now_ms() - t0 < 2000); /* SIGTERM was enough: no grace wait */
    assert_int_equal(st.term_signal, SIGTERM);
    assert_true(st.stop_requested);
    /* idempotent: stopping a finished task is fine */
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 5, &e), 0);
}

static void test_stop_sigkill_after_grace(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-c-worker-1", "trap '' TERM; echo ready; sleep 30");
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_true(wait_file_has(st.log_path, "ready", 3000));
    int64_t t0 = pf_now_ms();
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 1, &e), 0);
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 1, &e), 0); /* a second stop: harmless */
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    int64_t took = pf_now_ms() - t0;
    assert_true(took >= 900 && took < 3000);
    assert_int_equal(st.term_signal, SIGKILL);
    assert_true(st.stop_requested);
    assert_non_null(strstr(st.message, "after SIGTERM"));
    assert_int_equal(exit_count(&f->exits, s.name), 1);
}

/* Children, a setsid'd child and a double-forked setsid'd grandchild all die on stop. */
static void test_stop_kills_descendants(void **state)
{
    fixture *f = *state;
    pf_task_spec s =
        task("job-d-worker-0", "sleep 300 & echo $! >> pids; "
                               "setsid sleep 301 & echo $! >> pids; "
                               "( setsid sh -c 'sleep 302 & echo $! >> pids; wait' & ); "
                               "sleep 0.2; echo ready; wait");
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_true(wait_file_has(st.log_path, "ready", 3000));
    char *pids_path = task_file(f, s.name, "work/pids");
    assert_int_equal(count_lines(pids_path), 3);
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 1, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    char *pids = slurp(pids_path);
    int n = 0;
    for (char *p = pids; *p;) {
        int pid = (int)strtol(p, &p, 10);
        if (pid > 0) {
            assert_false(pid_alive(pid));
            n++;
        }
        while (*p == '\n')
            p++;
    }
    assert_int_equal(n, 3);
    free(pids);
    free(pids_path);
}

/* When the main process exits, what it left running is killed (container semantics). */
static void test_exit_kills_leftovers(void **state)
{
    fixture *f = *state;
    pf_task_spec s = task("job-d-worker-1", "setsid sleep 300 & echo $! > pid; exit 4");
    pf_task_status st = run_task(f, &s);
    assert_int_equal(st.exit_code, 4);
    char *path = task_file(f, s.name, "work/pid");
    char *txt = slurp(path);
    int pid = atoi(txt);
    assert_true(pid > 0);
    assert_false(pid_alive(pid));
    free(txt);
    free(path);
}

static void test_idempotent_start(void **state)
{
    fixture *f = *state;
    char count[4096], cmd[4300];
    snprintf(count, sizeof count, "%s/count-e", f->root);
    snprintf(cmd, sizeof cmd, "echo run >> %s; sleep 0.5", count);
    pf_task_spec s = task("job-e-worker-0", cmd);
    pf_error e;
    pf_task_status a, b, done;
    assert_int_equal(pf_runtime_start(f->rt, &s, &a, &e), 0);
    assert_int_equal(pf_runtime_start(f->rt, &s, &b, &e), 0);
    assert_int_equal(a.pid, b.pid);
    assert_true(wait_exit(&f->exits, s.name, 5000, &done));
    assert_int_equal(count_lines(count), 1);
    usleep(100000);
    assert_int_equal(exit_count(&f->exits, s.name), 1);
    /* starting a finished task adopts it again: no rerun, one more report */
    assert_int_equal(pf_runtime_start(f->rt, &s, &b, &e), 0);
    assert_true(b.exited);
    assert_int_equal(b.pid, a.pid);
    for (int i = 0; i < 200 && exit_count(&f->exits, s.name) < 2; i++)
        usleep(10000);
    assert_int_equal(exit_count(&f->exits, s.name), 2);
    assert_int_equal(count_lines(count), 1);
}

typedef struct racer {
    pf_runtime *rt;
    const pf_task_spec *spec;
    int rc, pid;
} racer;

static void *race_start(void *arg)
{
    racer *r = arg;
    pf_error e;
    pf_task_status st;
    r->rc = pf_runtime_start(r->rt, r->spec, &st, &e);
    r->pid = st.pid;
    return NULL;
}

static void test_concurrent_start_runs_once(void **state)
{
    fixture *f = *state;
    char count[4096], cmd[4300];
    snprintf(count, sizeof count, "%s/count-f", f->root);
    snprintf(cmd, sizeof cmd, "echo run >> %s; sleep 0.3", count);
    pf_task_spec s = task("job-f-worker-0", cmd);
    racer r[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (racer){f->rt, &s, -1, 0};
        pthread_create(&th[i], NULL, race_start, &r[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(r[i].rc, 0);
        assert_int_equal(r[i].pid, r[0].pid);
    }
    assert_true(wait_exit(&f->exits, s.name, 5000, NULL));
    assert_int_equal(count_lines(count), 1);
}

static void test_remove(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_task_spec s = task("job-g-worker-0", "sleep 30");
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), 0);
    assert_int_equal(pf_runtime_remove(f->rt, s.name, &e), -1);
    assert_string_equal(e.code, "ActionNotAllowed");
    assert_int_equal(pf_runtime_stop(f->rt, s.name, 0, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 3000, &st));
    assert_int_equal(pf_runtime_remove(f->rt, s.name, &e), 0);
    char *dir = task_file(f, s.name, "");
    assert_int_equal(access(dir, F_OK), -1);
    free(dir);
    assert_int_equal(pf_runtime_remove(f->rt, s.name, &e), 0); /* idempotent */
    assert_int_equal(pf_runtime_status(f->rt, s.name, &st, &e), -1);
    assert_string_equal(e.code, "RecordNotFound");
}

static void test_bad_input(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    assert_int_equal(pf_runtime_status(f->rt, "job-never-worker-0", &st, &e), -1);
    assert_string_equal(e.code, "RecordNotFound");
    assert_int_equal(pf_runtime_adopt(f->rt, "job-never-worker-0", &st, &e), -1);
    assert_string_equal(e.code, "RecordNotFound");
    assert_int_equal(pf_runtime_stop(f->rt, "job-never-worker-0", 1, &e), -1);
    assert_string_equal(e.code, "RecordNotFound");
    const char *bad[] = {"../etc", ".hidden", "a/b", "", "x y"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pf_task_spec s = task(bad[i], "true");
        assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), -1);
        assert_string_equal(e.code, "InvalidArguments");
    }
    pf_task_spec s = task("job-h-worker-0", NULL);
    assert_int_equal(pf_runtime_start(f->rt, &s, &st, &e), -1);
    assert_string_equal(e.code, "InvalidArguments");
    assert_null(pf_local_runtime_new(f->root, "/nonexistent/shim", on_task_exit, NULL, &e));
    assert_string_equal(e.code, "InvalidArguments");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_zero),
        cmocka_unit_test(test_exit_three),
        cmocka_unit_test(test_killed_by_signal),
        cmocka_unit_test(test_stdout_file),
        cmocka_unit_test(test_spawner_and_its_loss),
        cmocka_unit_test(test_env_and_workdir),
        cmocka_unit_test(test_default_workdir_and_log),
        cmocka_unit_test(test_bad_workdir),
        cmocka_unit_test(test_stop_graceful),
        cmocka_unit_test(test_stop_sigkill_after_grace),
        cmocka_unit_test(test_stop_kills_descendants),
        cmocka_unit_test(test_exit_kills_leftovers),
        cmocka_unit_test(test_idempotent_start),
        cmocka_unit_test(test_concurrent_start_runs_once),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
