/* test_workflow_engine.c — the workflow engine driven end to end by a small simulator.
 *
 * The simulator plays the job service: it steps the engine, really runs each START action's
 * command with /bin/sh (env set, script source written to a file), reports exit code and stdout
 * back, and steps again, until the workflow is done. Nodes run one at a time in start order, so
 * every run is deterministic. Workflows are written as JSON with single quotes (J() swaps them).
 * Also: restart in the middle (state → JSON → state), stop, deadlines with a fake clock, and the
 * cost of a 1,000-node fan-out and a 100-node chain with synthetic results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "server/workflow/workflow.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static json_t *J(const char *text)
{
    char *s = strdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    if (!j) fail_msg("bad test JSON: %s at %d:%d\n%s", je.text, je.line, je.column, s);
    free(s);
    return j;
}

static pf_wf *parse_ok(const char *text)
{
    json_t *j = J(text);
    pf_error e = {0};
    pf_wf *wf = pf_wf_parse(j, "wf", NULL, &e);
    json_decref(j);
    if (!wf) fail_msg("parse failed: %s", e.message);
    return wf;
}

typedef struct running {
    pf_wf_action a;
    int order;
} running;

typedef struct sim {
    pf_wf *wf;
    pf_wf_state *st;
    int64_t now;
    running *run; /* started, not yet finished */
    size_t n_run;
    pf_buf log; /* "display=stdout;" per finished node, in order */
    int starts; /* START actions seen */
    int cancels;
    bool real; /* run commands with /bin/sh; else exit 0, stdout "" */
} sim;

static void sim_init(sim *s, const char *text)
{
    memset(s, 0, sizeof(*s));
    s->wf = parse_ok(text);
    s->st = pf_wf_state_new();
    s->now = 1700000000000;
    s->real = true;
    pf_buf_puts(&s->log, "");
}

/* pf_wf_actions_free takes the array: hand it a one-element copy */
static void free_action(pf_wf_action a)
{
    pf_wf_action *p = malloc(sizeof(*p));
    *p = a;
    pf_wf_actions_free(p, 1);
}

static void sim_free(sim *s)
{
    for (size_t i = 0; i < s->n_run; i++)
        free_action(s->run[i].a);
    free(s->run);
    pf_buf_free(&s->log);
    pf_wf_state_free(s->st);
    pf_wf_free(s->wf);
}

static void take_actions(sim *s, pf_wf_action *acts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == PF_WF_START) {
            s->starts++;
            s->run = realloc(s->run, (s->n_run + 1) * sizeof(running));
            s->run[s->n_run].a = acts[i];
            s->run[s->n_run].order = s->starts;
            s->n_run++;
            memset(&acts[i], 0, sizeof(acts[i]));
        } else {
            s->cancels++;
            for (size_t k = 0; k < s->n_run; k++) {
                if (strcmp(s->run[k].a.node_id, acts[i].node_id) != 0) continue;
                free_action(s->run[k].a);
                memmove(&s->run[k], &s->run[k + 1], (s->n_run - k - 1) * sizeof(running));
                s->n_run--;
                break;
            }
        }
    }
    pf_wf_actions_free(acts, n);
}

static void sim_step(sim *s)
{
    pf_wf_action *acts;
    size_t n;
    assert_int_equal(pf_wf_step(s->wf, s->st, s->now, &acts, &n), 0);
    take_actions(s, acts, n);
}

/* Runs the action's command for real: env assignments, script file, captured stdout. */
static int run_real(const pf_wf_action *a, char **out)
{
    char script[] = "/tmp/pf_wf_test_XXXXXX";
    const char *path = NULL;
    if (a->script_source) {
        int fd = mkstemp(script);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, a->script_source, strlen(a->script_source)),
                         (ssize_t)strlen(a->script_source));
        close(fd);
        path = script;
    }
    char *cmd = pf_wf_action_command(a, path);
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "exec 2>/dev/null; ");
    for (size_t i = 0; i < a->n_env; i++) {
        pf_buf_printf(&b, "export %s='", a->env[i].name);
        for (const char *p = a->env[i].value; *p; p++) {
            if (*p == '\'')
                pf_buf_puts(&b, "'\\''");
            else
                pf_buf_append(&b, p, 1);
        }
        pf_buf_puts(&b, "'; ");
    }
    pf_buf_puts(&b, cmd);
    free(cmd);
    FILE *f = popen(b.data, "r");
    assert_non_null(f);
    pf_buf o = PF_BUF_INIT;
    pf_buf_puts(&o, "");
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        pf_buf_append(&o, chunk, got);
    int status = pclose(f);
    pf_buf_free(&b);
    if (path) unlink(path);
    *out = pf_buf_steal(&o);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Finishes the running node at position i of the run list. */
static void sim_finish_at(sim *s, size_t i)
{
    running r = s->run[i];
    memmove(&s->run[i], &s->run[i + 1], (s->n_run - i - 1) * sizeof(running));
    s->n_run--;
    char *out = NULL;
    int code = s->real ? run_real(&r.a, &out) : 0;
    s->now += 1000;
    pf_error e = {0};
    assert_int_equal(pf_wf_node_started(s->st, r.a.node_id, s->now - 500, &e), 0);
    assert_int_equal(pf_wf_node_finished(s->st, r.a.node_id, code, out, s->now, &e), 0);
    char *trim = strdup(out ? out : "");
    size_t len = strlen(trim);
    while (len && trim[len - 1] == '\n')
        trim[--len] = '\0';
    pf_buf_printf(&s->log, "%s=%s;", r.a.display_name, trim);
    free(trim);
    free(out);
    free_action(r.a);
    sim_step(s);
}

static void sim_run(sim *s)
{
    sim_step(s);
    for (int guard = 0; !pf_wf_done(s->st) && guard < 100000; guard++) {
        if (s->n_run == 0)
            fail_msg("workflow stuck in %s with nothing running", pf_wf_phase(s->st));
        sim_finish_at(s, 0);
    }
}

static size_t sim_find(sim *s, const char *display)
{
    for (size_t i = 0; i < s->n_run; i++)
        if (strcmp(s->run[i].a.display_name, display) == 0) return i;
    fail_msg("node %s is not running", display);
    return 0;
}

/* The node object with this name in the show view (borrowed from `nodes`). */
static json_t *node_by_name(json_t *nodes, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        if (strcmp(json_string_value(json_object_get(n, "name")), name) == 0) return n;
    }
    return NULL;
}

static const char *phase_of(sim *s, json_t **hold, const char *name)
{
    json_decref(*hold);
    *hold = pf_wf_nodes_json(s->st);
    json_t *n = node_by_name(*hold, name);
    return n ? json_string_value(json_object_get(n, "phase")) : "(none)";
}

static void assert_phase(sim *s, const char *name, const char *phase)
{
    json_t *hold = NULL;
    const char *p = phase_of(s, &hold, name);
    if (strcmp(p, phase) != 0) {
        char *dump = json_dumps(hold, JSON_INDENT(1));
        fail_msg("node %s: phase %s, want %s\n%s", name, p, phase, dump);
    }
    json_decref(hold);
}

/* ---- container, script, steps ----------------------------------------------------------- */

static void test_single_container(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'apiVersion':'argoproj.io/v1alpha1','kind':'Workflow',"
                 "'metadata':{'generateName':'hello-'},"
                 "'spec':{'entrypoint':'main','templates':[{'name':'main','container':{"
                 "'image':'busybox','command':['sh','-c'],'args':['echo \\\"$GREETING world\\\"'],"
                 "'env':[{'name':'GREETING','value':'hello'}]}}]}}");
    sim_step(&s);
    assert_int_equal(s.n_run, 1);
    pf_wf_action *a = &s.run[0].a;
    assert_string_equal(a->node_id, "wf");
    assert_string_equal(a->image, "busybox");
    assert_int_equal(a->argc, 3);
    assert_string_equal(a->argv[2], "echo \"$GREETING world\"");
    assert_int_equal(a->script_arg, -1);
    char *cmd = pf_wf_action_command(a, NULL);
    assert_string_equal(cmd, "sh -c 'echo \"$GREETING world\"'");
    free(cmd);
    assert_string_equal(pf_wf_phase(s.st), "Running");
    sim_run(&s);
    assert_string_equal(s.log.data, "wf=hello world;");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    assert_true(pf_wf_finished_ms(s.st) > pf_wf_started_ms(s.st));
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *n = json_array_get(nodes, 0);
    assert_string_equal(json_string_value(json_object_get(n, "type")), "Pod");
    assert_int_equal(json_integer_value(json_object_get(n, "exitCode")), 0);
    assert_string_equal(json_string_value(json_object_get(n, "status")), "succeeded");
    assert_true(strlen(json_string_value(json_object_get(n, "startedAt"))) == 19);
    json_decref(nodes);
    sim_free(&s);
}

static void test_script(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','arguments':{'parameters':[{'name':'n','value':3}]},"
                 "'templates':[{'name':'main','inputs':{'parameters':[{'name':'n'}]},"
                 "'script':{'image':'python:3','command':['sh'],"
                 "'source':'i=0\\nwhile [ $i -lt {{inputs.parameters.n}} ]; do i=$((i+1)); done\\n"
                 "echo counted $i'}}]}}");
    sim_step(&s);
    pf_wf_action *a = &s.run[0].a;
    assert_int_equal(a->script_arg, 1);
    assert_int_equal(a->argc, 2);
    assert_non_null(strstr(a->script_source, "-lt 3 ]"));
    char *cmd = pf_wf_action_command(a, "/x/script.sh");
    assert_string_equal(cmd, "sh /x/script.sh");
    free(cmd);
    sim_run(&s);
    assert_string_equal(s.log.data, "wf=counted 3;");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    sim_free(&s);
}

static const char *STEPS_LOOP =
    "{'spec':{'entrypoint':'main','templates':["
    "{'name':'main','steps':["
    "  [{'name':'gen','template':'gen'}],"
    "  "
    "[{'name':'each','template':'say','arguments':{'parameters':[{'name':'m','value':'{{item}}'}]},"
    "    'withItems':['a','b']},"
    "   {'name':'obj','template':'say','arguments':{'parameters':[{'name':'m','value':"
    "'{{item.k}}-{{item.n}}'}]},'withItems':[{'k':'x','n':1}]},"
    "   "
    "{'name':'par','template':'say','arguments':{'parameters':[{'name':'m','value':'p{{item}}'}]},"
    "    'withParam':'{{steps.gen.outputs.result}}'}],"
    "  [{'name':'last','template':'say','arguments':{'parameters':[{'name':'m','value':"
    "'{{steps.par.outputs.result}}'}]}}]]},"
    "{'name':'gen','container':{'command':['echo','[1, 2]']}},"
    "{'name':'say','inputs':{'parameters':[{'name':'m'}]},"
    " 'container':{'command':['echo','{{inputs.parameters.m}}']}}]}}";

static void test_steps_loops(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, STEPS_LOOP);
    sim_run(&s);
    assert_string_equal(s.log.data, "gen=[1, 2];each(0:a)=a;each(1:b)=b;obj(0:k:x,n:1)=x-1;"
                                    "par(0:1)=p1;par(1:2)=p2;last=[\"p1\",\"p2\"];");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    assert_phase(&s, "wf", "Succeeded");
    assert_phase(&s, "wf[1]", "Succeeded");
    assert_phase(&s, "wf[1].each(1:b)", "Succeeded");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *root = node_by_name(nodes, "wf");
    assert_string_equal(json_string_value(json_object_get(root, "type")), "Steps");
    assert_int_equal(json_array_size(json_object_get(root, "children")), 3);
    json_t *g1 = node_by_name(nodes, "wf[1]");
    assert_string_equal(json_string_value(json_object_get(g1, "type")), "StepGroup");
    assert_string_equal(json_string_value(json_object_get(g1, "displayName")), "[1]");
    assert_int_equal(json_array_size(json_object_get(g1, "children")), 5);
    json_decref(nodes);
    sim_free(&s);
}

static void test_steps_parallel_group(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, STEPS_LOOP);
    sim_step(&s);
    assert_int_equal(s.n_run, 1); /* only gen: the group waits */
    sim_finish_at(&s, 0);
    assert_int_equal(s.n_run, 5); /* whole group 1 starts at once */
    sim_finish_at(&s, sim_find(&s, "par(1:2)"));
    assert_int_equal(s.n_run, 4);
    assert_phase(&s, "wf[1]", "Running");
    sim_run(&s);
    sim_free(&s);
}

static void test_step_fails_omits_rest(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','templates':["
                 "{'name':'main','steps':[[{'name':'ok','template':'ok'},{'name':'bad','template':"
                 "'bad'}],[{'name':'never','template':'ok'}]]},"
                 "{'name':'ok','container':{'command':['true']}},"
                 "{'name':'bad','container':{'command':['sh','-c','exit 3']}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "ok=;bad=;");
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    assert_phase(&s, "wf[0].bad", "Failed");
    assert_phase(&s, "wf[0]", "Failed");
    assert_phase(&s, "wf[1]", "Omitted");
    assert_phase(&s, "wf[1].never", "Omitted");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *bad = node_by_name(nodes, "wf[0].bad");
    assert_int_equal(json_integer_value(json_object_get(bad, "exitCode")), 3);
    assert_string_equal(json_string_value(json_object_get(bad, "message")), "Error (exit code 3)");
    json_t *never = node_by_name(nodes, "wf[1].never");
    assert_string_equal(json_string_value(json_object_get(never, "status")), "skipped");
    json_decref(nodes);
    assert_non_null(strstr(pf_wf_message(s.st), "failed"));
    sim_free(&s);
}

/* ---- dag -------------------------------------------------------------------------------- */

static const char *DIAMOND =
    "{'spec':{'entrypoint':'diamond','templates':["
    "{'name':'diamond','dag':{'tasks':["
    "  {'name':'A','template':'echo','arguments':{'parameters':[{'name':'m','value':'A'}]}},"
    "  {'name':'B','dependencies':['A'],'template':'echo','arguments':{'parameters':[{'name':'m',"
    "   'value':'B{{tasks.A.outputs.result}}'}]}},"
    "  {'name':'C','dependencies':['A'],'template':'echo','arguments':{'parameters':[{'name':'m',"
    "   'value':'C'}]}},"
    "  {'name':'D','depends':'B && C','template':'echo','arguments':{'parameters':[{'name':'m',"
    "   'value':'D{{tasks.B.outputs.result}}{{tasks.C.outputs.result}}'}]}}]}},"
    "{'name':'echo','inputs':{'parameters':[{'name':'m'}]},"
    " 'container':{'command':['echo','{{inputs.parameters.m}}']}}]}}";

static void test_dag_diamond(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, DIAMOND);
    sim_step(&s);
    assert_int_equal(s.n_run, 1);
    sim_finish_at(&s, 0);
    assert_int_equal(s.n_run, 2); /* B and C together */
    sim_run(&s);
    assert_string_equal(s.log.data, "A=A;B=BA;C=C;D=DBAC;");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *root = node_by_name(nodes, "wf");
    assert_string_equal(json_string_value(json_object_get(root, "type")), "DAG");
    /* Argo's graph: the DAG holds its root tasks, each task its dependents */
    json_t *ch = json_object_get(root, "children");
    assert_int_equal(json_array_size(ch), 1);
    json_t *a = node_by_name(nodes, "wf.A");
    assert_string_equal(json_string_value(json_array_get(ch, 0)),
                        json_string_value(json_object_get(a, "id")));
    assert_int_equal(json_array_size(json_object_get(a, "children")), 2);
    assert_int_equal(strncmp(json_string_value(json_object_get(a, "id")), "wf-", 3), 0);
    json_decref(nodes);
    sim_free(&s);
}

static const char *FAIL_BRANCH = "{'spec':{'entrypoint':'main','onExit':'exit','templates':["
                                 "{'name':'main','dag':{'tasks':["
                                 "  {'name':'A','template':'fail'},"
                                 "  {'name':'B','dependencies':['A'],'template':'ok'},"
                                 "  {'name':'C','depends':'A.Failed','template':'ok'},"
                                 "  {'name':'D','template':'ok'}]}},"
                                 "{'name':'ok','container':{'command':['true']}},"
                                 "{'name':'fail','container':{'command':['false']}},"
                                 "{'name':'exit','container':{'command':['echo','exit "
                                 "{{workflow.status}} {{workflow.name}}']}}]}}";

static void test_dag_failure_omits_and_exit_handler(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, FAIL_BRANCH);
    sim_run(&s);
    assert_string_equal(s.log.data, "A=;D=;C=;wf.onExit=exit Failed wf;");
    assert_phase(&s, "wf.A", "Failed");
    assert_phase(&s, "wf.B", "Omitted");
    assert_phase(&s, "wf.C", "Succeeded");
    /* B's branch carries A's failure to a leaf: the DAG fails (Argo's assessDAGPhase) */
    assert_phase(&s, "wf", "Failed");
    assert_phase(&s, "wf.onExit", "Succeeded");
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    assert_non_null(strstr(pf_wf_message(s.st), "wf.A"));
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *b = node_by_name(nodes, "wf.B");
    assert_string_equal(json_string_value(json_object_get(b, "type")), "Skipped");
    assert_string_equal(json_string_value(json_object_get(b, "status")), "skipped");
    assert_string_equal(json_string_value(json_object_get(b, "message")),
                        "omitted: depends condition not met");
    json_decref(nodes);
    sim_free(&s);
}

static void test_dag_handled_failure_succeeds(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','onExit':'exit','templates':["
                 "{'name':'main','dag':{'tasks':["
                 "  {'name':'A','template':'fail'},"
                 "  {'name':'H','depends':'A.Failed || A.Errored','template':'ok'},"
                 "  {'name':'S','depends':'!A.Succeeded && (A.Completed)','template':'ok'},"
                 "  {'name':'B','depends':'A','template':'ok'},"
                 "  {'name':'E','depends':'B.Succeeded || B.Omitted','template':'ok'}]}},"
                 "{'name':'ok','container':{'command':['true']}},"
                 "{'name':'fail','container':{'command':['false']}},"
                 "{'name':'exit','container':{'command':['echo','{{workflow.status}}']}}]}}");
    sim_run(&s);
    /* every leaf's branch ends well (E handles B being omitted): the DAG succeeds, as Argo's */
    assert_string_equal(s.log.data, "A=;H=;S=;E=;wf.onExit=Succeeded;");
    assert_phase(&s, "wf.B", "Omitted");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    sim_free(&s);
}

static void test_dag_loop_and_aggregate(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','templates':["
                 "{'name':'main','dag':{'tasks':["
                 "  {'name':'gen','template':'gen'},"
                 "  {'name':'sq','depends':'gen','template':'sq','withParam':"
                 "'{{tasks.gen.outputs.result}}','arguments':{'parameters':[{'name':'x','value':"
                 "'{{item}}'}]}},"
                 "  {'name':'sum','depends':'sq.AnySucceeded','template':'echo','arguments':"
                 "{'parameters':[{'name':'m','value':'{{tasks.sq.outputs.result}}'}]}}]}},"
                 "{'name':'gen','script':{'command':['sh'],'source':'echo \\\"[2,3]\\\"'}},"
                 "{'name':'sq','inputs':{'parameters':[{'name':'x'}]},"
                 " 'script':{'command':['sh'],'source':'echo $(( {{inputs.parameters.x}} * "
                 "{{inputs.parameters.x}} ))'}},"
                 "{'name':'echo','inputs':{'parameters':[{'name':'m'}]},"
                 " 'container':{'command':['echo','{{inputs.parameters.m}}']}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "gen=[2,3];sq(0:2)=4;sq(1:3)=9;sum=[4,9];");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *g = node_by_name(nodes, "wf.sq");
    assert_string_equal(json_string_value(json_object_get(g, "type")), "TaskGroup");
    /* the loop's two items plus its dependent */
    assert_int_equal(json_array_size(json_object_get(g, "children")), 3);
    json_decref(nodes);
    sim_free(&s);
}

static void test_when_and_skipped(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','arguments':{'parameters':[{'name':'n','value':"
                 "'7'},{'name':'who','value':'heads'}]},'templates':["
                 "{'name':'main','steps':[["
                 "  {'name':'big','template':'ok','when':'{{workflow.parameters.n}} > 5'},"
                 "  {'name':'small','template':'ok','when':'{{workflow.parameters.n}} <= 5'},"
                 "  {'name':'str','template':'ok','when':'{{workflow.parameters.who}} == heads && "
                 "!(tails == {{workflow.parameters.who}})'},"
                 "  {'name':'q','template':'ok','when':'\\u0027{{workflow.parameters.who}}\\u0027 "
                 "!= \\u0027heads\\u0027'}"
                 "],[{'name':'after','template':'ok'}]]},"
                 "{'name':'ok','container':{'command':['true']}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "big=;str=;after=;");
    assert_phase(&s, "wf[0].small", "Skipped");
    assert_phase(&s, "wf[0].q", "Skipped");
    assert_phase(&s, "wf[0]", "Succeeded");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *small = node_by_name(nodes, "wf[0].small");
    assert_string_equal(json_string_value(json_object_get(small, "message")),
                        "when '7 <= 5' evaluated false");
    json_decref(nodes);
    sim_free(&s);
}

static void test_dag_when_skip_lets_dependents_run(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','templates':["
                 "{'name':'main','dag':{'tasks':["
                 "  {'name':'A','template':'ok','when':'false'},"
                 "  {'name':'B','dependencies':['A'],'template':'ok'},"
                 "  {'name':'C','depends':'A.Skipped','template':'ok'},"
                 "  {'name':'D','depends':'A.Succeeded','template':'ok'}]}},"
                 "{'name':'ok','container':{'command':['true']}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "B=;C=;");
    assert_phase(&s, "wf.A", "Skipped");
    assert_phase(&s, "wf.D", "Omitted");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    sim_free(&s);
}

static void test_runtime_when_error(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','templates':["
                 "{'name':'main','steps':[[{'name':'gen','template':'gen'}],"
                 "[{'name':'x','template':'ok','when':'{{steps.gen.outputs.result}} > 1'}]]},"
                 "{'name':'gen','container':{'command':['echo','two words']}},"
                 "{'name':'ok','container':{'command':['true']}}]}}");
    sim_run(&s);
    assert_phase(&s, "wf[1].x", "Error");
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *x = node_by_name(nodes, "wf[1].x");
    assert_non_null(strstr(json_string_value(json_object_get(x, "message")), "Invalid 'when'"));
    json_decref(nodes);
    sim_free(&s);
}

static void test_retry(void **state)
{
    (void)state;
    sim s;
    /* fails twice (a counter file), then succeeds: limit 2 allows exactly that */
    char path[] = "/tmp/pf_wf_retry_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char wf[2048];
    snprintf(wf, sizeof(wf),
             "{'spec':{'entrypoint':'main','templates':[{'name':'main','retryStrategy':"
             "{'limit':'2'},'script':{'command':['sh'],'source':'echo x >> %s; "
             "[ $(wc -l < %s) -ge 3 ] && echo done'}}]}}",
             path, path);
    sim_init(&s, wf);
    sim_run(&s);
    assert_string_equal(s.log.data, "wf(0)=;wf(1)=;wf(2)=done;");
    assert_phase(&s, "wf", "Succeeded");
    assert_phase(&s, "wf(0)", "Failed");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *r = node_by_name(nodes, "wf");
    assert_string_equal(json_string_value(json_object_get(r, "type")), "Retry");
    assert_int_equal(json_array_size(json_object_get(r, "children")), 3);
    json_decref(nodes);
    sim_free(&s);
    unlink(path);

    sim_init(&s, "{'spec':{'entrypoint':'main','templates':[{'name':'main','steps':[[{'name':"
                 "'s','template':'f'}]]},{'name':'f','retryStrategy':{'limit':1},'container':{"
                 "'command':['false']}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "s(0)=;s(1)=;");
    assert_phase(&s, "wf[0].s", "Failed");
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    sim_free(&s);

    /* retrying a whole steps template: its second attempt re-runs both of its steps */
    fd = mkstemp(path);
    close(fd);
    snprintf(wf, sizeof(wf),
             "{'spec':{'entrypoint':'main','templates':[{'name':'main','retryStrategy':"
             "{'limit':3},'steps':[[{'name':'a','template':'ok'}],[{'name':'b','template':'t'}]]},"
             "{'name':'ok','container':{'command':['true']}},"
             "{'name':'t','script':{'command':['sh'],'source':'echo x >> %s; "
             "[ $(wc -l < %s) -ge 2 ]'}}]}}",
             path, path);
    sim_init(&s, wf);
    sim_run(&s);
    assert_string_equal(s.log.data, "a=;b=;a=;b=;");
    assert_phase(&s, "wf(0)[1].b", "Failed");
    assert_phase(&s, "wf(1)[1].b", "Succeeded");
    assert_phase(&s, "wf", "Succeeded");
    sim_free(&s);
    unlink(path);
}

static void test_nested_and_parameters(void **state)
{
    (void)state;
    sim s;
    sim_init(&s,
             "{'spec':{'entrypoint':'main','arguments':{'parameters':[{'name':'who','value':"
             "'world'}]},'templates':["
             "{'name':'main','steps':[[{'name':'inner','template':'inner','arguments':"
             "{'parameters':[{'name':'x','value':'{{workflow.parameters.who}}!'}]}}]]},"
             "{'name':'inner','inputs':{'parameters':[{'name':'x'},{'name':'y','default':'dflt'},"
             "{'name':'z','value':'fixed-{{workflow.name}}'}]},'dag':{'tasks':["
             "  {'name':'t','template':'say','arguments':{'parameters':[{'name':'m','value':"
             "'{{inputs.parameters.x}} {{inputs.parameters.y}} {{inputs.parameters.z}}'}]}}]}},"
             "{'name':'say','inputs':{'parameters':[{'name':'m'}]},'container':{'command':"
             "['echo','{{inputs.parameters.m}}'],'env':[{'name':'NS','value':"
             "'{{workflow.namespace}}'}]}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "t=world! dflt fixed-wf;");
    assert_phase(&s, "wf[0].inner", "Succeeded");
    assert_phase(&s, "wf[0].inner.t", "Succeeded");
    sim_free(&s);
}

static void test_recursion(void **state)
{
    (void)state;
    sim s;
    /* Argo's recursive coin flip, made deterministic: count down to zero */
    sim_init(&s,
             "{'spec':{'entrypoint':'loop','arguments':{'parameters':[{'name':'n','value':"
             "'3'}]},'templates':["
             "{'name':'loop','inputs':{'parameters':[{'name':'n'}]},'steps':["
             " [{'name':'dec','template':'dec','arguments':{'parameters':[{'name':'n','value':"
             "'{{inputs.parameters.n}}'}]}}],"
             " [{'name':'again','template':'loop','when':'{{steps.dec.outputs.result}} > 0',"
             "'arguments':{'parameters':[{'name':'n','value':'{{steps.dec.outputs.result}}'}]}}]]},"
             "{'name':'dec','inputs':{'parameters':[{'name':'n'}]},'script':{'command':['sh'],"
             "'source':'echo $(( {{inputs.parameters.n}} - 1 ))'}}]}}");
    sim_run(&s);
    assert_string_equal(s.log.data, "dec=2;dec=1;dec=0;");
    assert_phase(&s, "wf[1].again[1].again[1].again", "Skipped");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    sim_free(&s);
}

static void test_exit_handler_failure(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'ok','onExit':'bad','templates':["
                 "{'name':'ok','container':{'command':['true']}},"
                 "{'name':'bad','container':{'command':['false']}}]}}");
    sim_run(&s);
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    assert_non_null(strstr(pf_wf_message(s.st), "exit handler failed"));
    sim_free(&s);
}

/* ---- restart, stop, deadlines ----------------------------------------------------------- */

static void restart(sim *s)
{
    json_t *j = pf_wf_state_to_json(s->st);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    pf_wf_state_free(s->st);
    pf_wf_free(s->wf);
    s->st = NULL;
    json_t *back = json_loads(text, 0, NULL);
    free(text);
    pf_error e = {0};
    s->st = pf_wf_state_from_json(back, &e);
    json_decref(back);
    assert_non_null(s->st);
    s->wf = NULL; /* the caller re-parses */
}

static void test_restart_mid_run(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, DIAMOND);
    sim_step(&s);
    sim_finish_at(&s, 0); /* A done; B and C running */
    assert_int_equal(s.n_run, 2);
    sim_finish_at(&s, sim_find(&s, "C"));
    int starts = s.starts;
    json_t *before = pf_wf_nodes_json(s.st);

    restart(&s);
    s.wf = parse_ok(DIAMOND);
    json_t *after = pf_wf_nodes_json(s.st);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);

    /* the restored state knows which task is still out there */
    pf_wf_action *acts;
    size_t n;
    pf_wf_unfinished_actions(s.st, &acts, &n);
    assert_int_equal(n, 1);
    assert_string_equal(acts[0].display_name, "B");
    assert_string_equal(acts[0].argv[1], "BA");
    pf_wf_actions_free(acts, n);

    /* stepping the restored state starts nothing again */
    sim_step(&s);
    assert_int_equal(s.starts, starts);
    sim_run(&s);
    assert_int_equal(s.starts, 4);
    assert_string_equal(s.log.data, "A=A;C=C;B=BA;D=DBAC;");
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    sim_free(&s);
}

static void test_restart_every_step(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, STEPS_LOOP);
    sim_step(&s);
    while (!pf_wf_done(s.st)) {
        restart(&s);
        s.wf = parse_ok(STEPS_LOOP);
        sim_finish_at(&s, 0);
    }
    assert_int_equal(s.starts, 7);
    assert_string_equal(s.log.data, "gen=[1, 2];each(0:a)=a;each(1:b)=b;obj(0:k:x,n:1)=x-1;"
                                    "par(0:1)=p1;par(1:2)=p2;last=[\"p1\",\"p2\"];");
    sim_free(&s);
}

static void test_bad_state_rejected(void **state)
{
    (void)state;
    pf_error e = {0};
    const char *bad[] = {
        "{}",
        "{'version':1,'phase':'Running','message':'','nodes':[1]}",
        "{'version':1,'phase':'Nope','message':'','nodes':[]}",
        "{'version':1,'phase':'Running','message':'','nodes':[{'id':'a','name':'a',"
        "'displayName':'a','template':'t','message':'','type':'Pod','phase':'Running',"
        "'children':[5],'parent':-1}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = J(bad[i]);
        assert_null(pf_wf_state_from_json(j, &e));
        json_decref(j);
    }
}

static void test_cancel(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, FAIL_BRANCH);
    sim_step(&s);
    assert_int_equal(s.n_run, 2); /* A and D */
    pf_wf_action *acts;
    size_t n;
    pf_wf_cancel(s.wf, s.st, s.now, &acts, &n);
    assert_int_equal(n, 2);
    assert_int_equal(acts[0].kind, PF_WF_CANCEL);
    take_actions(&s, acts, n);
    assert_int_equal(s.n_run, 0);
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    assert_string_equal(pf_wf_message(s.st), "Stopped with strategy 'Terminate'");
    assert_phase(&s, "wf.A", "Failed");
    assert_phase(&s, "wf.B", "Omitted");
    assert_phase(&s, "wf.C", "Omitted");
    assert_phase(&s, "wf", "Failed");
    assert_phase(&s, "wf.onExit", "(none)"); /* terminate: no exit handler */
    /* late reports of cancelled nodes are ignored; nothing moves any more */
    pf_error e = {0};
    json_t *nodes = pf_wf_nodes_json(s.st);
    const char *id = json_string_value(json_object_get(node_by_name(nodes, "wf.A"), "id"));
    assert_int_equal(pf_wf_node_finished(s.st, id, 137, "", s.now, &e), 1);
    json_decref(nodes);
    pf_wf_cancel(s.wf, s.st, s.now, &acts, &n);
    assert_int_equal(n, 0);
    sim_step(&s);
    assert_int_equal(s.n_run, 0);
    sim_free(&s);
}

static void test_workflow_deadline(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','activeDeadlineSeconds':10,'onExit':'exit',"
                 "'templates':[{'name':'main','steps':[[{'name':'a','template':'ok'}],"
                 "[{'name':'b','template':'ok'}]]},"
                 "{'name':'ok','container':{'command':['true']}},"
                 "{'name':'exit','container':{'command':['echo','{{workflow.status}}']}}]}}");
    s.real = false;
    int64_t t0 = s.now;
    sim_step(&s);
    assert_int_equal(pf_wf_next_deadline(s.st), t0 + 10000);
    s.now = t0 + 9999;
    sim_step(&s);
    assert_int_equal(s.cancels, 0);
    s.now = t0 + 10000;
    sim_step(&s);
    assert_int_equal(s.cancels, 1);
    assert_phase(&s, "wf[0].a", "Failed");
    assert_phase(&s, "wf[1]", "Omitted");
    /* the exit handler still runs, and sees the failure */
    s.real = true;
    assert_int_equal(s.n_run, 1);
    assert_string_equal(s.run[0].a.argv[1], "Failed");
    sim_run(&s);
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    assert_non_null(strstr(pf_wf_message(s.st), "activeDeadlineSeconds"));
    sim_free(&s);
}

static void test_template_deadline(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, "{'spec':{'entrypoint':'main','templates':["
                 "{'name':'main','dag':{'tasks':[{'name':'slow','template':'slow'},"
                 "{'name':'inner','template':'inner'}]}},"
                 "{'name':'slow','activeDeadlineSeconds':5,'container':{'command':['sleep','9']}},"
                 "{'name':'inner','activeDeadlineSeconds':60,'steps':[[{'name':'x','template':"
                 "'slow2'}],[{'name':'y','template':'slow2'}]]},"
                 "{'name':'slow2','container':{'command':['sleep','99']}}]}}");
    s.real = false;
    int64_t t0 = s.now;
    sim_step(&s);
    assert_int_equal(s.n_run, 2);
    assert_int_equal(pf_wf_next_deadline(s.st), t0 + 5000);
    /* the slow task only starts running (quota) at t0+3s: its deadline moves */
    pf_error e = {0};
    assert_int_equal(pf_wf_node_started(s.st, s.run[0].a.node_id, t0 + 3000, &e), 0);
    s.now = t0 + 5000;
    sim_step(&s);
    assert_int_equal(s.cancels, 0);
    assert_int_equal(pf_wf_next_deadline(s.st), t0 + 8000);
    s.now = t0 + 8000;
    sim_step(&s);
    assert_int_equal(s.cancels, 1);
    assert_phase(&s, "wf.slow", "Failed");
    assert_phase(&s, "wf", "Running");
    s.now = t0 + 60000;
    sim_step(&s);
    assert_int_equal(s.cancels, 2);
    assert_phase(&s, "wf.inner[0].x", "Failed");
    assert_phase(&s, "wf.inner[1].y", "Omitted");
    assert_phase(&s, "wf.inner", "Failed");
    assert_string_equal(pf_wf_phase(s.st), "Failed");
    json_t *nodes = pf_wf_nodes_json(s.st);
    json_t *slow = node_by_name(nodes, "wf.slow");
    assert_non_null(strstr(json_string_value(json_object_get(slow, "message")), "deadline"));
    json_decref(nodes);
    sim_free(&s);
}

static void test_node_events_errors(void **state)
{
    (void)state;
    sim s;
    sim_init(&s, DIAMOND);
    sim_step(&s);
    pf_error e = {0};
    assert_int_equal(pf_wf_node_finished(s.st, "nope", 0, "", s.now, &e), -1);
    assert_int_equal(pf_wf_node_started(s.st, "wf", s.now, &e), -1); /* the DAG, not a task */
    assert_int_equal(pf_wf_node_error(s.st, s.run[0].a.node_id, "spawn failed", s.now, &e), 0);
    sim_step(&s);
    assert_phase(&s, "wf.A", "Error");
    assert_phase(&s, "wf.B", "Omitted");
    assert_string_equal(pf_wf_phase(s.st), "Error");
    sim_free(&s);
}

static void test_determinism(void **state)
{
    (void)state;
    char *dumps[2];
    for (int k = 0; k < 2; k++) {
        sim s;
        sim_init(&s, STEPS_LOOP);
        sim_run(&s);
        json_t *j = pf_wf_state_to_json(s.st);
        dumps[k] = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        sim_free(&s);
    }
    assert_string_equal(dumps[0], dumps[1]);
    free(dumps[0]);
    free(dumps[1]);
}

/* ---- the examples in examples/workflow/ run as documented ------------------------------- */

static void run_example(const char *file, const char *phase, const char *log)
{
    const char *src = getenv("PF_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/examples/workflow/%s", src ? src : ".", file);
    json_error_t je;
    json_t *job = json_load_file(path, 0, &je);
    if (!job) fail_msg("%s: %s", path, je.text);
    char *text = json_dumps(json_object_get(job, "extensionTemplate"), JSON_COMPACT);
    json_decref(job);
    for (char *p = text; *p; p++) /* sim_init's J() swaps quotes: pre-swap the real ones */
        if (*p == '\'') fail_msg("%s: single quote in example", file);
    sim s;
    sim_init(&s, text);
    free(text);
    sim_run(&s);
    assert_string_equal(pf_wf_phase(s.st), phase);
    assert_string_equal(s.log.data, log);
    sim_free(&s);
}

static void test_examples(void **state)
{
    (void)state;
    run_example("diamond-dag.json", "Succeeded",
                "A=A;B=B after A;C=C after A;D=D joins (B after A) and (C after A);");
    run_example("steps-loop.json", "Succeeded",
                "generate=[1, 2, 3];greet(0:alice)=hello alice;greet(1:bob)=hello bob;"
                "os(0:name:debian,version:12)=debian 12;os(1:name:ubuntu,version:24.04)=ubuntu "
                "24.04;square(0:1)=1;square(1:2)=4;square(2:3)=9;report=squares: [1,4,9];");
    run_example("parameters.json", "Succeeded",
                "compute(0)=6;big=hello PaddleFlow, total 6 (in wf);");
    run_example("exit-handler.json", "Failed",
                "flaky=about to fail;independent=ok;on-failure=ok;"
                "wf.onExit=workflow wf finished: Failed;");
}

/* ---- cost ------------------------------------------------------------------------------- */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *fanout_json(int n)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "{\"spec\":{\"entrypoint\":\"main\",\"templates\":[{\"name\":\"main\",\"dag\":"
                    "{\"tasks\":[{\"name\":\"root\",\"template\":\"t\"}");
    for (int i = 0; i < n - 2; i++)
        pf_buf_printf(&b, ",{\"name\":\"f%d\",\"dependencies\":[\"root\"],\"template\":\"t\"}", i);
    pf_buf_puts(&b, ",{\"name\":\"join\",\"dependencies\":[\"root\"],\"template\":\"t\"}]}},"
                    "{\"name\":\"t\",\"container\":{\"command\":[\"true\"]}}]}}");
    return pf_buf_steal(&b);
}

static char *chain_json(int n)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "{\"spec\":{\"entrypoint\":\"main\",\"templates\":[{\"name\":\"main\",\"dag\":"
                    "{\"tasks\":[{\"name\":\"c0\",\"template\":\"t\"}");
    for (int i = 1; i < n; i++)
        pf_buf_printf(&b, ",{\"name\":\"c%d\",\"depends\":\"c%d\",\"template\":\"t\"}", i, i - 1);
    pf_buf_puts(&b, "]}},{\"name\":\"t\",\"container\":{\"command\":[\"true\"]}}]}}");
    return pf_buf_steal(&b);
}

/* Finishes every node one by one (step after each finish, as the service does). */
static double run_synthetic(const char *text, int want_nodes)
{
    double t0 = seconds();
    sim s;
    sim_init(&s, text);
    s.real = false;
    sim_run(&s);
    assert_string_equal(pf_wf_phase(s.st), "Succeeded");
    assert_int_equal(s.starts, want_nodes);
    double dt = seconds() - t0;
    sim_free(&s);
    return dt;
}

static void test_cost_fanout_and_chain(void **state)
{
    (void)state;
    char *fan = fanout_json(1000);
    char *chain = chain_json(100);
    double tf = run_synthetic(fan, 1000);
    double tc = run_synthetic(chain, 100);
    print_message("engine cost: 1000-node fan-out %.1f ms (%.1f us/node), 100-node chain %.2f ms "
                  "(%.1f us/node)\n",
                  tf * 1e3, tf * 1e6 / 1000, tc * 1e3, tc * 1e6 / 100);
    /* generous bounds (sanitizer builds are ~10x slower): far below the 5 ms/node target */
    assert_true(tf < 5.0);
    assert_true(tc < 0.5);
    /* withItems fan-out: 1000 items in one TaskGroup */
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b,
                "{\"spec\":{\"entrypoint\":\"main\",\"templates\":[{\"name\":\"main\",\"steps\":"
                "[[{\"name\":\"s\",\"template\":\"t\",\"withItems\":[0");
    for (int i = 1; i < 1000; i++)
        pf_buf_printf(&b, ",%d", i);
    pf_buf_puts(&b, "]}]]},{\"name\":\"t\",\"container\":{\"command\":[\"true\"]}}]}}");
    double ti = run_synthetic(b.data, 1000);
    print_message("engine cost: 1000-item withItems %.1f ms\n", ti * 1e3);
    assert_true(ti < 5.0);
    pf_buf_free(&b);
    free(fan);
    free(chain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_container),
        cmocka_unit_test(test_script),
        cmocka_unit_test(test_steps_loops),
        cmocka_unit_test(test_steps_parallel_group),
        cmocka_unit_test(test_step_fails_omits_rest),
        cmocka_unit_test(test_dag_diamond),
        cmocka_unit_test(test_dag_failure_omits_and_exit_handler),
        cmocka_unit_test(test_dag_handled_failure_succeeds),
        cmocka_unit_test(test_dag_loop_and_aggregate),
        cmocka_unit_test(test_when_and_skipped),
        cmocka_unit_test(test_dag_when_skip_lets_dependents_run),
        cmocka_unit_test(test_runtime_when_error),
        cmocka_unit_test(test_retry),
        cmocka_unit_test(test_nested_and_parameters),
        cmocka_unit_test(test_recursion),
        cmocka_unit_test(test_exit_handler_failure),
        cmocka_unit_test(test_restart_mid_run),
        cmocka_unit_test(test_restart_every_step),
        cmocka_unit_test(test_bad_state_rejected),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_workflow_deadline),
        cmocka_unit_test(test_template_deadline),
        cmocka_unit_test(test_node_events_errors),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_cost_fanout_and_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
