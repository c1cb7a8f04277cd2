/* test_workflow_parse.c — workflow validation: every rule rejects with a message that names the
 * problem, and the expression languages (`depends`, `when`) and {{...}} substitution behave as
 * Argo's. Workflows are JSON with single quotes (J() swaps them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/workflow/wf_internal.h"

static json_t *J(const char *text)
{
    char *s = strdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t je;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &je);
    if (!j) fail_msg("bad test JSON: %s\n%s", je.text, s);
    free(s);
    return j;
}

/* A workflow whose spec.templates is `templates` (and extra spec keys before it). */
static char *wf_text(const char *spec_extra, const char *templates)
{
    char *s;
    if (asprintf(&s, "{'spec':{%s%s'templates':[%s]}}", spec_extra, spec_extra[0] ? "," : "",
                 templates) < 0)
        abort();
    return s;
}

static void expect_error(const char *text, const char *needle)
{
    json_t *j = J(text);
    pf_error e = {0};
    pf_wf *wf = pf_wf_parse(j, "wf", NULL, &e);
    json_decref(j);
    if (wf) {
        pf_wf_free(wf);
        fail_msg("accepted, want error containing \"%s\":\n%s", needle, text);
    }
    assert_string_equal(e.code, "JobCreateFailed");
    if (!strstr(e.message, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", e.message, needle);
}

static void expect_ok(const char *text)
{
    json_t *j = J(text);
    pf_error e = {0};
    pf_wf *wf = pf_wf_parse(j, NULL, NULL, &e);
    json_decref(j);
    if (!wf) fail_msg("rejected: %s\n%s", e.message, text);
    pf_wf_free(wf);
}

/* spec extras + templates → expect error */
static void expect(const char *extra, const char *templates, const char *needle)
{
    char *s = wf_text(extra, templates);
    expect_error(s, needle);
    free(s);
}

#define OK_T "{'name':'ok','container':{'command':['true']}}"
#define ECHO_T                                                                                     \
    "{'name':'echo','inputs':{'parameters':[{'name':'m'}]},'container':{'command':['echo',"        \
    "'{{inputs.parameters.m}}']}}"
#define E "'entrypoint':'main'"

static void test_valid_minimal(void **state)
{
    (void)state;
    expect_ok("{'apiVersion':'argoproj.io/v1alpha1','kind':'Workflow','metadata':{'name':'x',"
              "'labels':{'a':'b'},'annotations':{}},'spec':{'entrypoint':'ok','templates':[" OK_T
              "]}}");
    /* null is absent; numbers and booleans are parameter text; IntOrString integers */
    expect_ok("{'spec':{'entrypoint':'ok','onExit':null,'arguments':{'parameters':[{'name':'a',"
              "'value':1.5},{'name':'b','value':true}]},'activeDeadlineSeconds':'30','templates':["
              "{'name':'ok','retryStrategy':{'limit':'3'},'container':{'command':['echo',"
              "'{{workflow.parameters.a}}',7],'args':null}}]}}");
    json_t *j = J("{'metadata':{'name':'meta-name','namespace':'ns1'},'spec':{'entrypoint':'ok',"
                  "'templates':[" OK_T "]}}");
    pf_error e = {0};
    pf_wf *wf = pf_wf_parse(j, NULL, NULL, &e);
    assert_string_equal(pf_wf_name(wf), "meta-name");
    pf_wf_free(wf);
    wf = pf_wf_parse(j, "job-1234", "q", &e);
    assert_string_equal(pf_wf_name(wf), "job-1234");
    pf_wf_free(wf);
    json_decref(j);
}

static void test_unsupported_fields(void **state)
{
    (void)state;
    expect_error("{'spec':{'entrypoint':'ok','templates':[" OK_T "]},'status':{}}",
                 "unsupported field 'workflow.status'");
    expect("'entrypoint':'ok','serviceAccountName':'x'", OK_T,
           "unsupported field 'spec.serviceAccountName'");
    expect("'entrypoint':'ok'", "{'name':'ok','outputs':{},'container':{'command':['true']}}",
           "unsupported field 'spec.templates[ok].outputs'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','container':{'command':['true'],'resources':{'limits':{}}}}",
           "unsupported field 'spec.templates[ok].container.resources'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','script':{'command':['sh'],'source':'x','workingDir':'/'}}",
           "unsupported field 'spec.templates[ok].script.workingDir'");
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'ok','continueOn':{}}]]}," OK_T,
           "unsupported field 'spec.templates[main].steps[0][0].continueOn'");
    expect(E,
           "{'name':'main','dag':{'failFast':false,'tasks':[{'name':'a','template':'ok'}]}}," OK_T,
           "unsupported field 'spec.templates[main].dag.failFast'");
    expect(E, "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok','hooks':{}}]}}," OK_T,
           "unsupported field 'spec.templates[main].dag.tasks[0].hooks'");
    expect(E, "{'name':'main','dag':{'tasks':[{'name':'a','templateRef':{}}]}}," OK_T,
           "unsupported field 'spec.templates[main].dag.tasks[0].templateRef'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','inputs':{'artifacts':[]},'container':{'command':['true']}}",
           "unsupported field 'spec.templates[ok].inputs.artifacts'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','inputs':{'parameters':[{'name':'a','enum':['x']}]},'container':"
           "{'command':['true']}}",
           "unsupported field 'spec.templates[ok].inputs.parameters[0].enum'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','retryStrategy':{'limit':1,'retryPolicy':'Always'},'container':"
           "{'command':['true']}}",
           "unsupported field 'spec.templates[ok].retryStrategy.retryPolicy'");
    expect("'entrypoint':'ok','arguments':{'artifacts':[]}", OK_T,
           "unsupported field 'spec.arguments.artifacts'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','container':{'command':['true'],'env':[{'name':'A','valueFrom':{}}]}}",
           "unsupported field 'spec.templates[ok].container.env[0].valueFrom'");
    expect("'entrypoint':'ok'", "{'name':'ok','resource':{}}",
           "unsupported field 'spec.templates[ok].resource'");
    expect("'entrypoint':'ok'", "{'name':'ok','suspend':{}}",
           "unsupported field 'spec.templates[ok].suspend'");
    /* keys are case-sensitive, as in Kubernetes */
    expect("'Entrypoint':'ok'", OK_T, "unsupported field 'spec.Entrypoint'");
}

static void test_shape_errors(void **state)
{
    (void)state;
    expect_error("[]", "must be a JSON object");
    expect_error("{'metadata':{}}", "the workflow has no spec");
    expect_error("{'kind':'CronWorkflow','spec':{}}", "unsupported kind");
    expect_error("{'apiVersion':'v1','spec':{}}", "unsupported apiVersion");
    expect_error("{'spec':{'entrypoint':'x'}}", "spec.templates is missing");
    expect("'entrypoint':'x'", "", "spec.templates is empty");
    expect_error("{'spec':{'entrypoint':5,'templates':[" OK_T "]}}",
                 "'spec.entrypoint' must be a string");
    expect("'entrypoint':'ok','activeDeadlineSeconds':-1", OK_T,
           "'spec.activeDeadlineSeconds' must be an integer >= 1");
    expect("'entrypoint':'ok'",
           "{'name':'ok','retryStrategy':{'limit':'x'},'container':"
           "{'command':['true']}}",
           "retryStrategy.limit' must be an integer >= 0");
    expect("'entrypoint':'ok'", "{'name':'ok'}", "must have exactly one of container");
    expect("'entrypoint':'ok'",
           "{'name':'ok','container':{'command':['a']},'script':{'command':['sh'],'source':''}}",
           "must have exactly one of container");
    expect("'entrypoint':'ok'", "{'name':'ok','container':{'image':'busybox'}}",
           "'spec.templates[ok].container.command' is required");
    expect("'entrypoint':'ok'", "{'name':'ok','script':{'command':['sh']}}",
           "'spec.templates[ok].script.source' is required");
    expect("'entrypoint':'ok'", "{'name':'bad name','container':{'command':['true']}}",
           "is not a valid name");
    expect("'entrypoint':'ok'", "{'container':{'command':['true']}}",
           "'spec.templates[0].name' is required");
    expect(E, "{'name':'main','steps':[[]]}",
           "step group 'spec.templates[main].steps[0]' is empty");
    expect(E, "{'name':'main','steps':[]}", "'spec.templates[main].steps' is empty");
    expect(E, "{'name':'main','dag':{'tasks':[]}}", "'spec.templates[main].dag.tasks' is empty");
    expect(E, "{'name':'main','dag':{'tasks':[{'name':'a'}]}}",
           "'spec.templates[main].dag.tasks[0].template' is required");
    expect("'entrypoint':'ok','arguments':{'parameters':[{'name':'p'}]}", OK_T,
           "'spec.arguments.parameters[p].value' is required");
    expect("'entrypoint':'ok'", "{'name':'ok','container':{'command':[{}]}}",
           "must be a string, number or boolean");
    expect(E,
           "{'name':'main','steps':[[{'name':'a','template':'ok','withItems':[1],"
           "'withParam':'[]'}]]}," OK_T,
           "has both withItems and withParam");
}

static void test_unknown_template_and_entrypoint(void **state)
{
    (void)state;
    expect("", OK_T, "spec.entrypoint is missing");
    expect("'entrypoint':''", OK_T, "spec.entrypoint is missing");
    expect("'entrypoint':'nope'", OK_T, "unknown template 'nope' in spec.entrypoint");
    expect("'entrypoint':'ok','onExit':'bye'", OK_T, "unknown template 'bye' in spec.onExit");
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'ghost'}]]}",
           "unknown template 'ghost' in spec.templates[main].steps[0][a]");
    expect(E, "{'name':'main','dag':{'tasks':[{'name':'a','template':'ghost'}]}}",
           "unknown template 'ghost' in spec.templates[main].dag.tasks[a]");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect("'entrypoint':'ok'", OK_T "," OK_T, "duplicate template name 'ok'");
    expect("'entrypoint':'main','onExit':'ok'",
           "{'name':'main','dag':{'tasks':[{'name':'onExit','template':'ok'}]}}," OK_T,
           "task name 'onExit' in the entrypoint DAG 'main' clashes");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok'},{'name':'a',"
           "'template':'ok'}]}}," OK_T,
           "duplicate task name 'a'");
    expect(E,
           "{'name':'main','steps':[[{'name':'a','template':'ok'}],[{'name':'a','template':"
           "'ok'}]]}," OK_T,
           "duplicate step name 'a'");
    expect("'entrypoint':'ok','arguments':{'parameters':[{'name':'p','value':'1'},{'name':'p',"
           "'value':'2'}]}",
           OK_T, "duplicate parameter name 'p'");
    expect("'entrypoint':'ok'",
           "{'name':'ok','inputs':{'parameters':[{'name':'x'},{'name':'x'}]},'container':"
           "{'command':['true']}}",
           "duplicate parameter name 'x'");
}

static void test_dag_dependencies(void **state)
{
    (void)state;
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok','dependencies':['b']},"
           "{'name':'b','template':'ok','dependencies':['a']}]}}," OK_T,
           "cycle in DAG template 'main': a -> b -> a");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'r','template':'ok'},{'name':'a',"
           "'template':'ok','depends':'r && c'},{'name':'b','template':'ok','depends':'a'},"
           "{'name':'c','template':'ok','depends':'b.Succeeded'}]}}," OK_T,
           "cycle in DAG template 'main': a -> c -> b -> a");
    expect(E, "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok','depends':'a'}]}}," OK_T,
           "task 'a' depends on itself");
    expect(
        E,
        "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok','dependencies':['z']}]}}," OK_T,
        "bad depends expression 'z' in spec.templates[main].dag.tasks[a]: unknown task 'z'");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok'},{'name':'b',"
           "'template':'ok','depends':'a &&'}]}}," OK_T,
           "bad depends expression 'a &&'");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok'},{'name':'b',"
           "'template':'ok','depends':'a.Finished'}]}}," OK_T,
           "unknown task result '.Finished'");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok'},{'name':'b',"
           "'template':'ok','depends':'(a || a'}]}}," OK_T,
           "missing ')'");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok'},{'name':'b',"
           "'template':'ok','depends':'a b'}]}}," OK_T,
           "unexpected 'b'");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'ok'},{'name':'b',"
           "'template':'ok','depends':'a','dependencies':['a']}]}}," OK_T,
           "cannot use both depends and dependencies");
}

static void test_parameter_references(void **state)
{
    (void)state;
    expect("'entrypoint':'ok'",
           "{'name':'ok','container':{'command':['echo',"
           "'{{inputs.parameters.x}}']}}",
           "unknown parameter reference '{{inputs.parameters.x}}': template 'ok' has no input "
           "parameter 'x' in spec.templates[ok].container.command[1]");
    expect("'entrypoint':'ok'",
           "{'name':'ok','container':{'command':['echo'],'env':[{'name':"
           "'A','value':'{{workflow.parameters.nope}}'}]}}",
           "no workflow parameter 'nope' in spec.arguments.parameters in "
           "spec.templates[ok].container.env[A]");
    expect("'entrypoint':'ok'", "{'name':'ok','script':{'command':['sh'],'source':'{{foo.bar}}'}}",
           "unknown parameter reference '{{foo.bar}}' in spec.templates[ok].script.source");
    expect("'entrypoint':'ok'", "{'name':'ok','container':{'command':['{{=1+1}}']}}",
           "expression tags ({{=...}}) are not supported");
    expect("'entrypoint':'ok'", "{'name':'ok','container':{'command':['{{item}}']}}",
           "{{item}} is only defined in a step or task with withItems or withParam");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'echo','arguments':"
           "{'parameters':[{'name':'m','value':'x'}]}},{'name':'b','template':'echo',"
           "'arguments':{'parameters':[{'name':'m','value':'{{tasks.a.outputs.result}}'}]}}]}}"
           "," ECHO_T,
           "task 'a' is not a dependency of 'b'");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'echo','arguments':"
           "{'parameters':[{'name':'m','value':'{{tasks.zz.outputs.result}}'}]}}]}}," ECHO_T,
           "no task 'zz' in this DAG");
    expect(E,
           "{'name':'main','dag':{'tasks':[{'name':'a','template':'sub'},{'name':'b',"
           "'depends':'a','template':'echo','arguments':{'parameters':[{'name':'m','value':"
           "'{{tasks.a.outputs.result}}'}]}}]}},{'name':'sub','steps':[[{'name':'x','template':"
           "'ok'}]]}," ECHO_T "," OK_T,
           "only container and script templates produce outputs.result");
    expect(E,
           "{'name':'main','steps':[[{'name':'a','template':'ok'},{'name':'b','template':"
           "'echo','arguments':{'parameters':[{'name':'m','value':'{{steps.a.outputs.result}}'"
           "}]}}]]}," OK_T "," ECHO_T,
           "no step 'a' in an earlier step group");
    expect(E,
           "{'name':'main','steps':[[{'name':'a','template':'ok','when':'{{tasks.x.outputs."
           "result}} == 1'}]]}," OK_T,
           "unknown parameter reference '{{tasks.x.outputs.result}}' in "
           "spec.templates[main].steps[0][a].when");
    expect(E,
           "{'name':'main','steps':[[{'name':'a','template':'ok','withParam':'{{item}}'}]]}," OK_T,
           "{{item}} is only defined");
    expect(E,
           "{'name':'main','inputs':{'parameters':[{'name':'p','default':"
           "'{{inputs.parameters.q}}'}]},'steps':[[{'name':'a','template':'ok'}]]}," OK_T,
           "in spec.templates[main].inputs.parameters[p]");
    expect(E,
           "{'name':'main','steps':[[{'name':'a','template':'ok','withParam':'not json'}]]}," OK_T,
           "withParam value could not be parsed as a JSON list");
    /* what is in scope is accepted */
    char *s = wf_text(
        "'entrypoint':'main','arguments':{'parameters':[{'name':'w','value':'1'}]}",
        "{'name':'main','dag':{'tasks':[{'name':'a','template':'echo','withItems':[{'k':1}],"
        "'arguments':{'parameters':[{'name':'m','value':'{{item.k}} {{ item }} {{workflow.name}}"
        "{{workflow.namespace}}{{workflow.status}}{{workflow.parameters.w}}'}]}},{'name':'b',"
        "'depends':'a','template':'echo','when':'{{tasks.a.outputs.result}} != x',"
        "'arguments':{'parameters':[{'name':'m','value':'{{tasks.a.outputs.result}}'}]}},"
        "{'name':'c','depends':'b','template':'echo','arguments':{'parameters':[{'name':'m',"
        "'value':'{{tasks.a.outputs.result}} {{ unclosed'}]}}]}}," ECHO_T);
    expect_ok(s);
    free(s);
}

static void test_required_inputs(void **state)
{
    (void)state;
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'echo'}]]}," ECHO_T,
           "missing required input parameter 'm' of template 'echo' in "
           "spec.templates[main].steps[0][a]");
    expect("'entrypoint':'echo'", ECHO_T,
           "missing required input parameter 'm' of template 'echo' in spec.entrypoint");
    expect("'entrypoint':'ok','onExit':'echo'", OK_T "," ECHO_T,
           "missing required input parameter 'm' of template 'echo' in spec.onExit");
    /* a default, a value or a workflow argument is enough */
    char *s = wf_text("'entrypoint':'echo','arguments':{'parameters':[{'name':'m','value':'v'}]}",
                      ECHO_T);
    expect_ok(s);
    free(s);
    s = wf_text("'entrypoint':'main'",
                "{'name':'main','steps':[[{'name':'a','template':'d'}]]},{'name':'d','inputs':"
                "{'parameters':[{'name':'x','default':'1'},{'name':'y','value':'2'}]},"
                "'container':{'command':['true']}}");
    expect_ok(s);
    free(s);
}

static void test_when_syntax(void **state)
{
    (void)state;
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'ok','when':'(a == b'}]]}," OK_T,
           "bad when expression '(a == b' in spec.templates[main].steps[0][a]: missing ')'");
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'ok','when':'a = b'}]]}," OK_T,
           "unsupported operator");
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'ok','when':'a =='}]]}," OK_T,
           "unexpected end");
    expect(E, "{'name':'main','steps':[[{'name':'a','template':'ok','when':'\\u0027open'}]]}," OK_T,
           "unterminated string");
}

/* ---- expressions ------------------------------------------------------------------------ */

static bool when(const char *expr)
{
    bool out = false;
    char err[256];
    if (wf_when_eval(expr, &out, err, sizeof(err))) fail_msg("'%s': %s", expr, err);
    return out;
}

static void when_error(const char *expr, const char *needle)
{
    bool out;
    char err[256] = "";
    assert_int_equal(wf_when_eval(expr, &out, err, sizeof(err)), -1);
    if (!strstr(err, needle)) fail_msg("'%s': error '%s' lacks '%s'", expr, err, needle);
}

static void test_when_eval(void **state)
{
    (void)state;
    assert_true(when("heads == heads"));
    assert_false(when("heads == tails"));
    assert_true(when("heads != tails"));
    assert_true(when("5 > 3"));
    assert_true(when("10 > 9")); /* numeric, not text order */
    assert_true(when("1.5 <= 1.50"));
    assert_true(when("-2 < 0"));
    assert_true(when("'a b' == \"a b\""));
    assert_true(when("abc < abd"));
    assert_false(when("5 == '5'")); /* different types are never equal (govaluate) */
    assert_true(when("true"));
    assert_true(when("!false"));
    assert_true(when("!(1 > 2) && (2 > 1 || x == y)"));
    assert_true(when("1 == 1 || 1 == 2 && 2 == 3")); /* && binds tighter */
    assert_false(when("(1 == 1 || 1 == 2) && 2 == 3"));
    assert_true(when("my-value.v1 == my-value.v1"));
    assert_true(when("!true == false"));
    when_error("5", "does not evaluate to true or false");
    when_error("heads", "does not evaluate");
    when_error("1 < a", "need two numbers or two strings");
    when_error("1 && true", "'&&' needs booleans");
    when_error("!x", "'!' needs a boolean");
    when_error("a b", "unexpected text");
    when_error("((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((true"
               "))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
               "nested too deeply");
    when_error("", "unexpected end");
}

typedef struct fake {
    wf_phase phases[4];
} fake;

static size_t fake_lookup(void *ud, const char *name, size_t len)
{
    (void)ud;
    if (len == 1 && name[0] >= 'a' && name[0] <= 'd') return (size_t)(name[0] - 'a');
    if (len == 5 && strncmp(name, "t-x_1", 5) == 0) return 3;
    return WF_NONE;
}

static bool fake_result(void *ud, size_t task, wf_result r)
{
    const fake *f = ud;
    wf_phase p = f->phases[task];
    switch (r) {
    case WF_RES_BARE:
        return p == WF_P_SUCCEEDED || p == WF_P_SKIPPED;
    case WF_RES_SUCCEEDED:
        return p == WF_P_SUCCEEDED;
    case WF_RES_FAILED:
        return p == WF_P_FAILED;
    case WF_RES_SKIPPED:
        return p == WF_P_SKIPPED;
    case WF_RES_COMPLETED:
        return p == WF_P_SUCCEEDED || p == WF_P_FAILED;
    default:
        return false;
    }
}

static bool dep(const char *src, const fake *f, size_t want_deps)
{
    wf_dep_expr x;
    size_t *deps, n;
    char err[256];
    if (wf_depends_compile(src, fake_lookup, NULL, &x, &deps, &n, err, sizeof(err)))
        fail_msg("'%s': %s", src, err);
    assert_int_equal(n, want_deps);
    bool r = wf_depends_eval(&x, fake_result, (void *)f);
    wf_dep_expr_free(&x);
    free(deps);
    return r;
}

static void test_depends_eval(void **state)
{
    (void)state;
    fake f = {{WF_P_SUCCEEDED, WF_P_FAILED, WF_P_SKIPPED, WF_P_SUCCEEDED}};
    assert_true(dep("a", &f, 1));
    assert_false(dep("b", &f, 1));
    assert_true(dep("c", &f, 1)); /* bare = Succeeded || Skipped */
    assert_true(dep("a && c", &f, 2));
    assert_false(dep("a && b", &f, 2));
    assert_true(dep("b.Failed", &f, 1));
    assert_true(dep("b.Completed && a.Completed", &f, 2));
    assert_false(dep("c.Completed", &f, 1));
    assert_true(dep("!b.Succeeded", &f, 1));
    assert_true(dep("(a.Failed || b.Failed) && !c.Succeeded", &f, 3));
    assert_true(dep("a || b && c.Failed", &f, 3)); /* && binds tighter */
    assert_true(dep("t-x_1.Succeeded && a && a", &f, 2));
}

static void test_subst(void **state)
{
    (void)state;
    char err[256];
    char *s = wf_subst("no refs {{ unclosed", NULL, NULL, err, sizeof(err));
    assert_string_equal(s, "no refs {{ unclosed");
    free(s);
    json_t *o = J("{'k':[1,{'b':2,'a':true}],'s':'x'}");
    char *t = wf_json_text(json_object_get(o, "k"));
    assert_string_equal(t, "[1,{\"a\":true,\"b\":2}]");
    free(t);
    t = wf_json_text(json_object_get(o, "s"));
    assert_string_equal(t, "x");
    free(t);
    json_decref(o);
    json_t *r = json_real(0.1);
    t = wf_json_text(r);
    assert_string_equal(t, "0.1");
    free(t);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_minimal),
        cmocka_unit_test(test_unsupported_fields),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_unknown_template_and_entrypoint),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_dag_dependencies),
        cmocka_unit_test(test_parameter_references),
        cmocka_unit_test(test_required_inputs),
        cmocka_unit_test(test_when_syntax),
        cmocka_unit_test(test_when_eval),
        cmocka_unit_test(test_depends_eval),
        cmocka_unit_test(test_subst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
