/* test_runtime_adopt.c — tasks outlive the runtime: adopt a running task after a "server
 * restart" (runtime freed, new one created) and get its real exit code; a task that
 * finished while no runtime existed; a stop whose grace period ends while no runtime exists;
 * a supervisor killed with SIGKILL ("supervisor lost"); idempotent start across runtimes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/runtime/shim_proto.h"
#include "test_runtime_util.h"

typedef struct fixture {
    char *root;
    exit_log exits;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->root = make_root();
    exit_log_init(&f->exits);
    *state = f;
    return f->root ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    exit_log_destroy(&f->exits);
    rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

static void path_of(fixture *f, const char *name, const char *file, char *out, size_t len)
{
    snprintf(out, len, "%s/%s/%s", f->root, name, file);
}

/* Waits (bounded) until the shim has recorded the exit, with no runtime watching. */
static bool wait_recorded(fixture *f, const char *name, int timeout_ms)
{
    char p[4096];
    path_of(f, name, PF_TASK_EXIT, p, sizeof p);
    for (int t = 0; t < timeout_ms; t += 10) {
        if (access(p, F_OK) == 0) return true;
        usleep(10000);
    }
    return false;
}

static void test_adopt_running_task(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    pf_task_spec s = task("job-r-worker-0", "sleep 0.6; exit 7");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    int pid = st.pid;
    pf_runtime_free(rt); /* the "server" goes away; the task does not */
    assert_true(pid_alive(pid));
    rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_adopt(rt, s.name, &st, &e), 0);
    assert_false(st.exited);
    assert_true(st.started);
    assert_int_equal(st.pid, pid);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    assert_int_equal(st.exit_code, 7);
    assert_false(st.supervisor_lost);
    pf_runtime_free(rt);
}

static void test_adopt_task_finished_while_down(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    pf_task_spec s = task("job-r-worker-1", "sleep 0.1; exit 5");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    pf_runtime_free(rt);
    assert_true(wait_recorded(f, s.name, 5000));
    assert_int_equal(exit_count(&f->exits, s.name), 0);
    rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_adopt(rt, s.name, &st, &e), 0);
    assert_true(st.exited);
    assert_int_equal(st.exit_code, 5);
    assert_true(wait_exit(&f->exits, s.name, 2000, &st)); /* reported asynchronously */
    assert_int_equal(st.exit_code, 5);
    pf_runtime_free(rt);
}

static void test_adopt_unknown(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_adopt(rt, "job-none-worker-0", &st, &e), -1);
    assert_string_equal(e.code, "RecordNotFound");
    pf_runtime_free(rt);
}

/* The stop's grace timer belongs to the shim: it fires with no server alive. */
static void test_stop_completes_without_server(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    pf_task_spec s = task("job-r-worker-2", "trap '' TERM; echo ready; sleep 30");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    assert_true(wait_file_has(st.log_path, "ready", 3000));
    int pid = st.pid;
    assert_int_equal(pf_runtime_stop(rt, s.name, 1, &e), 0);
    pf_runtime_free(rt); /* dies during the grace period */
    assert_true(wait_recorded(f, s.name, 5000));
    assert_false(pid_alive(pid));
    rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_adopt(rt, s.name, &st, &e), 0);
    assert_true(wait_exit(&f->exits, s.name, 2000, &st));
    assert_int_equal(st.term_signal, SIGKILL);
    assert_true(st.stop_requested);
    assert_false(st.supervisor_lost);
    pf_runtime_free(rt);
}

static int read_claim_pid(fixture *f, const char *name)
{
    char p[4096];
    path_of(f, name, PF_TASK_CLAIM, p, sizeof p);
    char *s = slurp(p);
    /* "<cgroup parents JSON>\n<shim pid> <starttime> <ms>\n": the record is the last line */
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n') s[--n] = '\0';
    char *last = strrchr(s, '\n');
    int pid = atoi(last ? last + 1 : s);
    free(s);
    assert_true(pid > 0); /* never kill(0, ...) */
    return pid;
}

static void test_supervisor_lost(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    pf_task_spec s = task("job-r-worker-3", "sleep 300 & echo $! > child; echo ready; wait");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    assert_true(wait_file_has(st.log_path, "ready", 3000));
    int pid = st.pid;
    int shim = read_claim_pid(f, s.name);
    assert_true(shim > 0 && shim != pid);
    assert_int_equal(kill(shim, SIGKILL), 0);
    assert_true(wait_exit(&f->exits, s.name, 5000, &st));
    assert_true(st.exited);
    assert_true(st.supervisor_lost);
    assert_int_equal(st.term_signal, SIGKILL);
    assert_non_null(strstr(st.message, "supervisor lost"));
    assert_false(pid_alive(pid));
    char p[4096];
    path_of(f, s.name, "work/child", p, sizeof p);
    char *child = slurp(p);
    assert_true(atoi(child) > 0);
    assert_false(pid_alive(atoi(child))); /* the task's remains were killed too */
    free(child);
    /* the record is now durable: a later status says the same */
    pf_task_status again;
    assert_int_equal(pf_runtime_status(rt, s.name, &again, &e), 0);
    assert_true(again.supervisor_lost);
    assert_int_equal(again.finished_ms, st.finished_ms);
    pf_runtime_free(rt);
}

static void test_supervisor_lost_while_down(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status st;
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    pf_task_spec s = task("job-r-worker-4", "echo ready; sleep 300");
    assert_int_equal(pf_runtime_start(rt, &s, &st, &e), 0);
    assert_true(wait_file_has(st.log_path, "ready", 3000));
    pf_runtime_free(rt);
    int shim = read_claim_pid(f, s.name);
    assert_int_equal(kill(shim, SIGKILL), 0);
    for (int i = 0; i < 300 && pid_alive(shim); i++)
        usleep(10000);
    rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_adopt(rt, s.name, &st, &e), 0);
    assert_true(st.exited);
    assert_true(st.supervisor_lost);
    assert_true(wait_exit(&f->exits, s.name, 2000, NULL));
    pf_runtime_free(rt);
}

static void test_start_across_restart_runs_once(void **state)
{
    fixture *f = *state;
    pf_error e;
    pf_task_status a, b;
    char count[4096], cmd[4300];
    snprintf(count, sizeof count, "%s/count-x", f->root);
    snprintf(cmd, sizeof cmd, "echo run >> %s; sleep 0.5; exit 2", count);
    pf_task_spec s = task("job-r-worker-5", cmd);
    pf_runtime *rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_start(rt, &s, &a, &e), 0);
    pf_runtime_free(rt);
    rt = new_runtime(f->root, &f->exits);
    assert_int_equal(pf_runtime_start(rt, &s, &b, &e), 0); /* the scheduler retries: adopts */
    assert_int_equal(a.pid, b.pid);
    assert_true(wait_exit(&f->exits, s.name, 5000, &b));
    assert_int_equal(b.exit_code, 2);
    assert_int_equal(count_lines(count), 1);
    pf_runtime_free(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adopt_running_task),
        cmocka_unit_test(test_adopt_task_finished_while_down),
        cmocka_unit_test(test_adopt_unknown),
        cmocka_unit_test(test_stop_completes_without_server),
        cmocka_unit_test(test_supervisor_lost),
        cmocka_unit_test(test_supervisor_lost_while_down),
        cmocka_unit_test(test_start_across_restart_runs_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
