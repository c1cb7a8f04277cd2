/* test_client_yaml.c — the YAML → JSON converter used for job files (and later workflow
 * specs): scalar resolution, nesting, anchors, JSON input, and the failure modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/yaml_json.h"

static char *convert(const char *yaml)
{
    pf_error e;
    json_t *v = pf_yaml_to_json(yaml, strlen(yaml), &e);
    if (!v) return NULL;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static void expect(const char *yaml, const char *json)
{
    char *s = convert(yaml);
    assert_non_null(s);
    assert_string_equal(s, json);
    free(s);
}

static void test_scalars(void **state)
{
    expect("a: 1\nb: -2\nc: 0x10\nd: 0o17\ne: 1.5\nf: 1e3\n",
           "{\"a\":1,\"b\":-2,\"c\":16,\"d\":15,\"e\":1.5,\"f\":1000.0}");
    expect("a: true\nb: False\nc: null\nd: ~\ne:\nf: TRUE\n",
           "{\"a\":true,\"b\":false,\"c\":null,\"d\":null,\"e\":null,\"f\":true}");
    /* YAML 1.2 core: these stay strings (YAML 1.1 would turn yes/on into booleans) */
    expect("a: yes\nb: on\nc: 1.0.2\nd: '42'\ne: \"true\"\nf: !!str 7\ng: 0x\n",
           "{\"a\":\"yes\",\"b\":\"on\",\"c\":\"1.0.2\",\"d\":\"42\",\"e\":\"true\","
           "\"f\":\"7\",\"g\":\"0x\"}");
    expect("name: 中文作业\n", "{\"name\":\"中文作业\"}");
}

static void test_job_file(void **state)
{
    expect("name: demo\nschedulingPolicy:\n  queue: default-queue\n  priority: high\n"
           "members:\n  - role: worker\n    replicas: 2\n    args: [a, \"b c\"]\n"
           "command: |\n  echo 1\n  echo 2\n",
           "{\"name\":\"demo\",\"schedulingPolicy\":{\"queue\":\"default-queue\","
           "\"priority\":\"high\"},\"members\":[{\"role\":\"worker\",\"replicas\":2,"
           "\"args\":[\"a\",\"b c\"]}],\"command\":\"echo 1\\necho 2\\n\"}");
}

static void test_json_is_yaml(void **state)
{
    expect("{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\"}",
           "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}");
}

static void test_anchors_and_empty(void **state)
{
    expect("base: &b {cpu: \"1\"}\nx: *b\n", "{\"base\":{\"cpu\":\"1\"},\"x\":{\"cpu\":\"1\"}}");
    expect("", "null");
    expect("# only a comment\n", "null");
}

static void test_errors(void **state)
{
    pf_error e;
    const char *bad = "a: [1, 2\n";
    assert_null(pf_yaml_to_json(bad, strlen(bad), &e));
    assert_string_equal(e.code, "MalformedYaml");
    assert_non_null(strstr(e.message, "line"));
    const char *complex_key = "? [a, b]\n: 1\n";
    assert_null(pf_yaml_to_json(complex_key, strlen(complex_key), &e));
    assert_non_null(strstr(e.message, "mapping keys must be scalars"));
    /* "billion laughs": aliases expanding exponentially must be refused, not expanded */
    char bomb[4096] = "a: &a [x,x,x,x,x,x,x,x,x,x]\n";
    for (char c = 'b'; c <= 'j'; c++) {
        char line[128];
        snprintf(line, sizeof line, "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c,
                 c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
        strcat(bomb, line);
    }
    assert_null(pf_yaml_to_json(bomb, strlen(bomb), &e));
    assert_string_equal(e.code, "MalformedYaml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),      cmocka_unit_test(test_job_file),
        cmocka_unit_test(test_json_is_yaml), cmocka_unit_test(test_anchors_and_empty),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
