/* test_base_model.c — the pure job model: the status guard of api.md §4 over every pair of
 * statuses (src/model/status.h) and job create requests (src/model/job_request.h): decoding
 * into canonical keys, the single job's one worker member, type errors with their paths,
 * and every context-free check of §3.1/§3.2 with its message (D16: spelled correctly). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/ids.h"
#include "base/json.h"
#include "model/job_request.h"
#include "model/status.h"

/* ---- status ---- */

static const char *ALL[] = {"init",      "pending",     "running",    "failed",
                            "succeeded", "terminating", "terminated", "cancelled",
                            "skipped",   "preempting",  "preempted"};
#define NALL (sizeof ALL / sizeof ALL[0])

static bool is_one_of(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0) return true;
    return false;
}

static const char *FINALS[] = {"succeeded", "failed",    "terminated",
                               "skipped",   "cancelled", "preempted"};

static void test_status_sets(void **state)
{
    (void)state;
    for (size_t i = 0; i < NALL; i++) {
        assert_true(pf_status_is_known(ALL[i]));
        assert_int_equal(pf_status_is_final(ALL[i]), is_one_of(ALL[i], FINALS, 6));
    }
    const char *bogus[] = {"", "Running", "INIT", "done", "succeeded "};
    for (size_t i = 0; i < sizeof bogus / sizeof bogus[0]; i++) {
        assert_false(pf_status_is_known(bogus[i]));
        assert_false(pf_status_is_final(bogus[i]));
    }
}

/* The whole table: 11 previous × 11 requested statuses. */
static void test_status_guard_table(void **state)
{
    (void)state;
    for (size_t p = 0; p < NALL; p++) {
        for (size_t w = 0; w < NALL; w++) {
            const char *prev = ALL[p], *want = ALL[w];
            const char *out = "untouched", *msg = "given";
            bool changed = pf_status_guard(prev, want, &out, &msg);
            const char *exp_out, *exp_msg = "given";
            bool exp_changed = true;
            if (pf_status_is_final(prev)) {
                /* a final status never moves, and its message stays */
                exp_changed = false;
                exp_out = "untouched";
            } else if (strcmp(prev, "terminating") == 0) {
                /* a terminating job only ends terminated; "running" (and a repeated
                 * "terminating", a deliberate choice: the runtime has not confirmed the end
                 * yet) keep it terminating */
                bool stays = !strcmp(want, "running") || !strcmp(want, "terminating");
                exp_out = stays ? "terminating" : "terminated";
                exp_msg = stays ? "job is terminating" : "job is terminated";
            } else if (strcmp(prev, "preempting") == 0) {
                exp_out = pf_status_is_final(want) ? "preempted" : "preempting";
            } else {
                exp_out = want;
            }
            if (changed != exp_changed || strcmp(out, exp_out) != 0 || strcmp(msg, exp_msg) != 0)
                fail_msg("%s -> %s: got %d %s \"%s\", want %d %s \"%s\"", prev, want, changed, out,
                         msg, exp_changed, exp_out, exp_msg);
        }
    }
}

static void test_status_guard_examples(void **state)
{
    (void)state;
    const char *out, *msg;
    msg = "job is succeeded";
    assert_true(pf_status_guard("running", "succeeded", &out, &msg));
    assert_string_equal(out, "succeeded");
    assert_string_equal(msg, "job is succeeded");
    msg = "x";
    assert_false(pf_status_guard("succeeded", "running", &out, &msg));
    assert_string_equal(msg, "x");
    msg = "job is failed, task t exited with code 3";
    assert_true(pf_status_guard("terminating", "failed", &out, &msg));
    assert_string_equal(out, "terminated");
    assert_string_equal(msg, "job is terminated");
    msg = "job is preempted";
    assert_true(pf_status_guard("preempting", "terminated", &out, &msg));
    assert_string_equal(out, "preempted");
    assert_true(pf_status_guard("preempting", "running", &out, &msg));
    assert_string_equal(out, "preempting");
}

/* ---- decode ---- */

static json_t *parse(const char *text)
{
    pf_error e;
    json_t *v = pf_json_parse_object(text, strlen(text), &e);
    if (!v) fail_msg("parse %s: %s", text, e.message);
    return v;
}

static json_t *decode(const char *text, const char *type)
{
    json_t *body = parse(text);
    pf_error e;
    json_t *req = pf_job_request_decode(body, type, &e);
    json_decref(body);
    if (!req) fail_msg("decode %s: %s %s", text, e.code, e.message);
    return req;
}

/* Decoding must fail with MalformedJSON and a message naming every part of path. */
static void decode_fails(const char *text, const char *type, const char *p1, const char *p2)
{
    json_t *body = parse(text);
    pf_error e;
    memset(&e, 0, sizeof e);
    json_t *req = pf_job_request_decode(body, type, &e);
    json_decref(body);
    if (req) {
        json_decref(req);
        fail_msg("%s body accepted: %s", type, text);
    }
    assert_string_equal(e.code, "MalformedJSON");
    if ((p1 && !strstr(e.message, p1)) || (p2 && !strstr(e.message, p2)))
        fail_msg("message \"%s\" should name %s %s", e.message, p1, p2 ? p2 : "");
}

static const char *str_at(const json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        char *br = strchr(tok, '[');
        if (br) {
            *br = '\0';
            cur = json_array_get(json_object_get(cur, tok), (size_t)atoi(br + 1));
        } else {
            cur = json_object_get(cur, tok);
        }
    }
    return json_string_value(cur);
}

static void test_decode_single_canonical_keys(void **state)
{
    (void)state;
    json_t *req = decode(
        "{\"ID\":\"job-a\",\"NAME\":\"n\",\"Labels\":{\"a\":\"b\",\"z\":null},"
        "\"ANNOTATIONS\":{\"k\":\"v\"},\"SchedulingPolicy\":{\"QUEUE\":\"q\",\"Priority\":\"high\"}"
        ","
        "\"UserName\":\"root\",\"Image\":\"img\",\"COMMAND\":\"echo\",\"args\":[\"1\"],"
        "\"PORT\":8080,\"ENV\":{\"K\":\"V\"},\"Flavour\":{\"Name\":\"flavour1\",\"CPU\":\"1\","
        "\"MEM\":\"1Gi\",\"scalarresources\":{\"g\":\"1\"}},\"LimitFlavour\":{\"name\":\"NONE\"},"
        "\"FS\":{\"NAME\":\"f\",\"MountPath\":\"/m\",\"SUBPATH\":\"s\",\"readonly\":true},"
        "\"ExtraFs\":[{\"name\":\"g\"}],\"unknownKey\":{\"deep\":[1,2]}}",
        PF_JOB_SINGLE);
    assert_string_equal(str_at(req, "id"), "job-a");
    assert_string_equal(str_at(req, "name"), "n");
    assert_string_equal(str_at(req, "labels.a"), "b");
    assert_string_equal(str_at(req, "labels.z"), ""); /* null map value reads as "" */
    assert_string_equal(str_at(req, "annotations.k"), "v");
    assert_string_equal(str_at(req, "schedulingPolicy.queue"), "q");
    assert_string_equal(str_at(req, "schedulingPolicy.priority"), "high");
    assert_string_equal(str_at(req, "framework"), "standalone");
    assert_null(json_object_get(req, "unknownKey"));
    assert_null(json_object_get(req, "UserName"));
    assert_null(json_object_get(req, "userName"));
    json_t *members = json_object_get(req, "members");
    assert_int_equal(json_array_size(members), 1);
    json_t *m = json_array_get(members, 0);
    assert_string_equal(str_at(m, "role"), "worker");
    assert_int_equal(json_integer_value(json_object_get(m, "replicas")), 1);
    assert_string_equal(str_at(m, "image"), "img");
    assert_string_equal(str_at(m, "command"), "echo");
    assert_string_equal(str_at(m, "args[0]"), "1");
    assert_int_equal(json_integer_value(json_object_get(m, "port")), 8080);
    assert_string_equal(str_at(m, "env.K"), "V");
    assert_string_equal(str_at(m, "flavour.name"), "flavour1");
    assert_string_equal(str_at(m, "flavour.cpu"), "1");
    assert_string_equal(str_at(m, "flavour.mem"), "1Gi");
    assert_string_equal(str_at(m, "flavour.scalarResources.g"), "1");
    assert_string_equal(str_at(m, "limitFlavour.name"), "NONE");
    assert_string_equal(str_at(m, "fs.name"), "f");
    assert_string_equal(str_at(m, "fs.mountPath"), "/m");
    assert_string_equal(str_at(m, "fs.subPath"), "s");
    assert_true(json_is_true(json_object_get(json_object_get(m, "fs"), "readOnly")));
    assert_string_equal(str_at(m, "extraFS[0].name"), "g");
    json_decref(req);
}

static void test_decode_nulls_dropped(void **state)
{
    (void)state;
    json_t *req = decode("{\"id\":null,\"name\":null,\"labels\":null,\"schedulingPolicy\":"
                         "{\"queue\":null,\"priority\":null},\"image\":\"i\",\"flavour\":null,"
                         "\"port\":null,\"args\":null,\"env\":null,\"fs\":null}",
                         PF_JOB_SINGLE);
    assert_null(json_object_get(req, "id"));
    assert_null(json_object_get(req, "name"));
    assert_null(json_object_get(req, "labels"));
    json_t *sp = json_object_get(req, "schedulingPolicy");
    assert_true(json_is_object(sp));
    assert_int_equal(json_object_size(sp), 0);
    json_t *m = json_array_get(json_object_get(req, "members"), 0);
    const char *gone[] = {"flavour", "port", "args", "env", "fs"};
    for (size_t i = 0; i < 5; i++)
        if (json_object_get(m, gone[i])) fail_msg("null %s kept", gone[i]);
    json_decref(req);
}

static void test_decode_single_ignores_members(void **state)
{
    (void)state;
    json_t *req = decode("{\"image\":\"i\",\"members\":[{\"role\":\"pserver\",\"replicas\":3,"
                         "\"image\":\"other\"},{\"role\":\"worker\",\"replicas\":2}],"
                         "\"framework\":\"paddle\"}",
                         PF_JOB_SINGLE);
    json_t *members = json_object_get(req, "members");
    assert_int_equal(json_array_size(members), 1);
    assert_string_equal(str_at(req, "members[0].role"), "worker");
    assert_string_equal(str_at(req, "members[0].image"), "i");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(members, 0), "replicas")),
                     1);
    assert_string_equal(str_at(req, "framework"), "standalone");
    json_decref(req);
}

static void test_decode_distributed_members(void **state)
{
    (void)state;
    json_t *req = decode("{\"framework\":\"paddle\",\"image\":\"top-level-ignored\","
                         "\"Members\":[{\"Role\":\"pserver\",\"Replicas\":2,\"image\":\"a\","
                         "\"schedulingPolicy\":{\"queue\":null}},{\"role\":\"worker\","
                         "\"replicas\":3,\"image\":\"b\",\"flavour\":{\"cpu\":\"2\",\"mem\":"
                         "\"4Gi\"}},{\"image\":\"c\"}]}",
                         PF_JOB_DISTRIBUTED);
    json_t *members = json_object_get(req, "members");
    assert_int_equal(json_array_size(members), 3);
    assert_string_equal(str_at(req, "framework"), "paddle");
    assert_string_equal(str_at(req, "members[0].role"), "pserver");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(members, 0), "replicas")),
                     2);
    assert_string_equal(str_at(req, "members[1].flavour.mem"), "4Gi");
    /* a member without role/replicas gets "" and 0 (the checks report them) */
    assert_string_equal(str_at(req, "members[2].role"), "");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(members, 2), "replicas")),
                     0);
    assert_null(json_object_get(req, "image"));
    json_decref(req);
    /* workflow: members are not decoded */
    req = decode("{\"extensionTemplate\":{\"kind\":\"Workflow\"},\"members\":[{\"role\":\"x\"}]}",
                 PF_JOB_WORKFLOW);
    assert_int_equal(json_array_size(json_object_get(req, "members")), 0);
    assert_string_equal(str_at(req, "extensionTemplate.kind"), "Workflow");
    json_decref(req);
}

static void test_decode_type_errors_with_paths(void **state)
{
    (void)state;
    decode_fails("{\"id\":5}", PF_JOB_SINGLE, "id", NULL);
    decode_fails("{\"name\":[]}", PF_JOB_SINGLE, "name", NULL);
    decode_fails("{\"labels\":{\"a\":1}}", PF_JOB_SINGLE, "labels.a", NULL);
    decode_fails("{\"annotations\":\"x\"}", PF_JOB_SINGLE, "annotations", NULL);
    decode_fails("{\"schedulingPolicy\":\"q\"}", PF_JOB_SINGLE, "schedulingPolicy", NULL);
    decode_fails("{\"schedulingPolicy\":{\"queue\":5}}", PF_JOB_SINGLE, "schedulingPolicy",
                 "queue");
    decode_fails("{\"schedulingPolicy\":{\"priority\":true}}", PF_JOB_SINGLE, "schedulingPolicy",
                 "priority");
    decode_fails("{\"userName\":1}", PF_JOB_SINGLE, "userName", NULL);
    decode_fails("{\"image\":1}", PF_JOB_SINGLE, "image", NULL);
    decode_fails("{\"command\":[\"ls\"]}", PF_JOB_SINGLE, "command", NULL);
    decode_fails("{\"args\":\"a b\"}", PF_JOB_SINGLE, "args", NULL);
    decode_fails("{\"args\":[\"a\",2]}", PF_JOB_SINGLE, "args[1]", NULL);
    decode_fails("{\"port\":\"80\"}", PF_JOB_SINGLE, "port", NULL);
    decode_fails("{\"port\":80.5}", PF_JOB_SINGLE, "port", NULL);
    decode_fails("{\"env\":{\"A\":1}}", PF_JOB_SINGLE, "env.A", NULL);
    decode_fails("{\"flavour\":{\"cpu\":4}}", PF_JOB_SINGLE, "flavour", "cpu");
    decode_fails("{\"flavour\":{\"scalarResources\":{\"gpu\":1}}}", PF_JOB_SINGLE, "flavour",
                 "gpu");
    decode_fails("{\"limitFlavour\":[]}", PF_JOB_SINGLE, "limitFlavour", NULL);
    decode_fails("{\"fs\":{\"readOnly\":\"yes\"}}", PF_JOB_SINGLE, "fs", "readOnly");
    decode_fails("{\"fs\":{\"name\":1}}", PF_JOB_SINGLE, "fs", "name");
    decode_fails("{\"extraFS\":[{\"name\":\"a\"},7]}", PF_JOB_SINGLE, "extraFS[1]", NULL);
    decode_fails("{\"extraFS\":[{\"subPath\":2}]}", PF_JOB_SINGLE, "extraFS[0]", "subPath");
    decode_fails("{\"framework\":1}", PF_JOB_DISTRIBUTED, "framework", NULL);
    decode_fails("{\"members\":{}}", PF_JOB_DISTRIBUTED, "members", NULL);
    decode_fails("{\"members\":[{\"role\":\"worker\"},\"x\"]}", PF_JOB_DISTRIBUTED, "members[1]",
                 NULL);
    decode_fails("{\"members\":[{},{\"replicas\":\"2\"}]}", PF_JOB_DISTRIBUTED, "members[1]",
                 "replicas");
    decode_fails("{\"members\":[{\"replicas\":2.5}]}", PF_JOB_DISTRIBUTED, "members[0]",
                 "replicas");
    decode_fails("{\"members\":[{\"role\":1}]}", PF_JOB_DISTRIBUTED, "members[0]", "role");
    decode_fails("{\"members\":[{\"flavour\":{\"mem\":2}}]}", PF_JOB_DISTRIBUTED, "members[0]",
                 "mem");
    decode_fails("{\"members\":[{\"labels\":{\"x\":false}}]}", PF_JOB_DISTRIBUTED, "members[0]",
                 "labels.x");
    decode_fails("{\"members\":[{\"schedulingPolicy\":{\"queue\":[]}}]}", PF_JOB_DISTRIBUTED,
                 "members[0]", "queue");
    decode_fails("{\"name\":3,\"extensionTemplate\":{}}", PF_JOB_WORKFLOW, "name", NULL);
}

/* ---- check_basics ---- */

#define RFC1123                                                                                    \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "       \
    "and must start and end with an alphanumeric character (regex used for validation is "         \
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

static int basics(const char *text, pf_error *e)
{
    json_t *req = decode(text, PF_JOB_SINGLE);
    memset(e, 0, sizeof *e);
    int rc = pf_job_request_check_basics(req, PF_JOB_SINGLE, e);
    json_decref(req);
    return rc;
}

static void expect_create_failed(int rc, const pf_error *e, const char *msg)
{
    assert_int_equal(rc, -1);
    assert_string_equal(e->code, "JobCreateFailed");
    assert_string_equal(e->message, msg);
}

static void test_basics_id(void **state)
{
    (void)state;
    pf_error e;
    char body[512], msg[1024], id[80];
    assert_int_equal(basics("{\"id\":\"job-abc\"}", &e), 0);
    assert_int_equal(basics("{\"id\":\"a\"}", &e), 0);
    assert_int_equal(basics("{\"id\":\"\"}", &e), 0); /* empty: the server generates one */
    assert_int_equal(basics("{}", &e), 0);
    memset(id, 'a', 63);
    id[63] = '\0';
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    assert_int_equal(basics(body, &e), 0);

    const char *bad_chars[] = {"Job-1", "job_1", "-job", "job-", "job.1", "j b", "jöb"};
    for (size_t i = 0; i < sizeof bad_chars / sizeof bad_chars[0]; i++) {
        snprintf(body, sizeof body, "{\"id\":\"%s\"}", bad_chars[i]);
        snprintf(msg, sizeof msg, "ID[%s] of Job is invalid, err: " RFC1123, bad_chars[i]);
        expect_create_failed(basics(body, &e), &e, msg);
    }
    memset(id, 'a', 64);
    id[64] = '\0';
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    snprintf(msg, sizeof msg, "ID[%s] of Job is invalid, err: must be no more than 63 characters",
             id);
    expect_create_failed(basics(body, &e), &e, msg);
    id[0] = 'A'; /* both reasons, joined by "," */
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    snprintf(msg, sizeof msg,
             "ID[%s] of Job is invalid, err: must be no more than 63 characters," RFC1123, id);
    expect_create_failed(basics(body, &e), &e, msg);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Generated job ids: "job-" + 16 lowercase hex (api.md §3.2), all distinct, and later ones
 * sort after earlier ones (what keeps the id index append-only). */
static void test_generated_job_ids(void **state)
{
    (void)state;
    enum { N = 50000 };
    char (*ids)[21] = calloc(N, sizeof *ids);
    assert_non_null(ids);
    for (int i = 0; i < N; i++) {
        pf_job_id(ids[i]);
        assert_int_equal(strlen(ids[i]), 20);
        assert_memory_equal(ids[i], "job-", 4);
        assert_int_equal(strspn(ids[i] + 4, "0123456789abcdef"), 16);
        assert_true(pf_is_rfc1123_label(ids[i]));
    }
    qsort(ids, N, sizeof *ids, cmp_str);
    for (int i = 1; i < N; i++) assert_string_not_equal(ids[i - 1], ids[i]);
    char a[21], b[21];
    pf_job_id(a);
    struct timespec two_ms = {0, 2000000};
    nanosleep(&two_ms, NULL);
    pf_job_id(b);
    assert_true(strcmp(a, b) < 0);
    free(ids);
}

static void test_basics_name_length(void **state)
{
    (void)state;
    pf_error e;
    char name[600], body[700];
    memset(name, 'n', 512);
    name[512] = '\0';
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    assert_int_equal(basics(body, &e), 0);
    /* 512 bytes of multi-byte characters (256 × "é") is still fine: the limit is bytes */
    char *p = name;
    for (int i = 0; i < 256; i++)
        p += sprintf(p, "\xc3\xa9");
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    assert_int_equal(basics(body, &e), 0);
    snprintf(body, sizeof body, "{\"name\":\"%sx\"}", name);
    assert_int_equal(basics(body, &e), -1);
    memset(name, 'n', 513);
    name[513] = '\0';
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    assert_int_equal(basics(body, &e), -1);
    assert_string_equal(e.code, "JobCreateFailed");
    /* the name is quoted (possibly shortened) between the upstream text */
    assert_int_equal(strncmp(e.message, "length of jobName[nnnn", 22), 0);
    const char *tail = "] must be no more than 512 characters";
    size_t ml = strlen(e.message), tl = strlen(tail);
    assert_true(ml > tl && strcmp(e.message + ml - tl, tail) == 0);
}

static void test_priority(void **state)
{
    (void)state;
    const char *ok[] = {"{}",
                        "{\"schedulingPolicy\":{}}",
                        "{\"schedulingPolicy\":{\"priority\":\"\"}}",
                        "{\"schedulingPolicy\":{\"priority\":\"low\"}}",
                        "{\"schedulingPolicy\":{\"priority\":\"Normal\"}}",
                        "{\"schedulingPolicy\":{\"priority\":\"HIGH\"}}"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        json_t *req = decode(ok[i], PF_JOB_SINGLE);
        pf_error e;
        if (pf_job_request_priority(req, &e) != 0) fail_msg("%s: %s", ok[i], e.message);
        json_decref(req);
    }
    struct {
        const char *given, *upper;
    } bad[] = {{"very_high", "VERY_HIGH"},
               {"VERY_LOW", "VERY_LOW"},
               {"urgent", "URGENT"},
               {" high", " HIGH"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[128], msg[256];
        snprintf(body, sizeof body, "{\"schedulingPolicy\":{\"priority\":\"%s\"}}", bad[i].given);
        snprintf(msg, sizeof msg, "invalid job priority %s, should be in [LOW, NORMAL, HIGH]",
                 bad[i].upper);
        json_t *req = decode(body, PF_JOB_SINGLE);
        pf_error e;
        expect_create_failed(pf_job_request_priority(req, &e), &e, msg);
        json_decref(req);
    }
}

static void test_priority_normalise(void **state)
{
    (void)state;
    assert_string_equal(pf_priority_normalise(NULL, 0), "NORMAL");
    assert_string_equal(pf_priority_normalise("", 0), "NORMAL");
    assert_string_equal(pf_priority_normalise("low", 0), "LOW");
    assert_string_equal(pf_priority_normalise("nOrMaL", 0), "NORMAL");
    assert_string_equal(pf_priority_normalise("HIGH", 0), "HIGH");
    assert_null(pf_priority_normalise("very_high", 0));
    assert_null(pf_priority_normalise("VERY_LOW", 0));
    assert_string_equal(pf_priority_normalise("very_high", 1), "VERY_HIGH");
    assert_string_equal(pf_priority_normalise("Very_Low", 1), "VERY_LOW");
    assert_string_equal(pf_priority_normalise("high", 1), "HIGH");
    assert_null(pf_priority_normalise("urgent", 1));
    assert_null(pf_priority_normalise("HIGHER", 1));
    assert_null(pf_priority_normalise("very-high", 1));
}

/* ---- check_members ---- */

static int members(const char *text, const char *type, const char **mode, pf_error *e)
{
    json_t *req = decode(text, type);
    memset(e, 0, sizeof *e);
    *mode = "unset";
    int rc = pf_job_request_check_members(req, type, mode, e);
    json_decref(req);
    return rc;
}

/* A distributed body from "role:replicas" pairs (image "i"); extra goes into each member. */
static void dist_body(char *out, size_t n, const char *fw, const char *spec, const char *extra)
{
    int w = snprintf(out, n, "{\"framework\":\"%s\",\"members\":[", fw);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    bool first = true;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        *colon = '\0';
        w += snprintf(out + w, n - (size_t)w,
                      "%s{\"role\":\"%s\",\"replicas\":%s,\"image\":\"i\"%s%s}", first ? "" : ",",
                      tok, colon + 1, extra ? "," : "", extra ? extra : "");
        first = false;
    }
    snprintf(out + w, n - (size_t)w, "]}");
}

static void dist_ok(const char *fw, const char *spec, const char *mode_want)
{
    char body[1024];
    dist_body(body, sizeof body, fw, spec, NULL);
    const char *mode;
    pf_error e;
    if (members(body, PF_JOB_DISTRIBUTED, &mode, &e) != 0)
        fail_msg("%s %s: %s", fw, spec, e.message);
    assert_string_equal(mode, mode_want);
}

static void dist_fails(const char *fw, const char *spec, const char *extra, const char *msg)
{
    char body[1024];
    dist_body(body, sizeof body, fw, spec, extra);
    const char *mode;
    pf_error e;
    int rc = members(body, PF_JOB_DISTRIBUTED, &mode, &e);
    if (rc == 0) fail_msg("%s %s accepted", fw, spec);
    expect_create_failed(rc, &e, msg);
}

static void test_members_single(void **state)
{
    (void)state;
    const char *mode;
    pf_error e;
    assert_int_equal(members("{\"image\":\"i\"}", PF_JOB_SINGLE, &mode, &e), 0);
    assert_string_equal(mode, "");
    expect_create_failed(members("{}", PF_JOB_SINGLE, &mode, &e), &e,
                         "required fields in {image} are empty, please fill it");
    expect_create_failed(members("{\"image\":\"\"}", PF_JOB_SINGLE, &mode, &e), &e,
                         "required fields in {image} are empty, please fill it");
    /* an extensionTemplate turns the image check off */
    assert_int_equal(
        members("{\"extensionTemplate\":{\"kind\":\"Pod\"}}", PF_JOB_SINGLE, &mode, &e), 0);
}

static void test_members_port(void **state)
{
    (void)state;
    const char *mode;
    pf_error e;
    const char *ok[] = {"0", "1", "8080", "65534"};
    for (size_t i = 0; i < 4; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"image\":\"i\",\"port\":%s}", ok[i]);
        if (members(body, PF_JOB_SINGLE, &mode, &e) != 0) fail_msg("port %s: %s", ok[i], e.message);
    }
    const char *bad[] = {"65535", "65536", "-1", "100000"};
    for (size_t i = 0; i < 4; i++) {
        char body[128], msg[128];
        snprintf(body, sizeof body, "{\"image\":\"i\",\"port\":%s}", bad[i]);
        snprintf(msg, sizeof msg, "port must be in range [0, 65535], but got %s", bad[i]);
        expect_create_failed(members(body, PF_JOB_SINGLE, &mode, &e), &e, msg);
    }
}

static void test_members_framework(void **state)
{
    (void)state;
    const char *mode;
    pf_error e;
    expect_create_failed(
        members("{\"members\":[{\"role\":\"worker\",\"replicas\":2,\"image\":\"i\"}]}",
                PF_JOB_DISTRIBUTED, &mode, &e),
        &e, "invalid framework  for distributed job");
    dist_fails("caffe", "worker:2", NULL, "invalid framework caffe for distributed job");
    dist_fails("standalone", "worker:1", NULL, "invalid framework standalone for distributed job");
    dist_fails("Paddle", "worker:2", NULL, "invalid framework Paddle for distributed job");
    expect_create_failed(members("{\"framework\":\"paddle\"}", PF_JOB_DISTRIBUTED, &mode, &e), &e,
                         "request.Members is empty");
    expect_create_failed(
        members("{\"framework\":\"paddle\",\"members\":[]}", PF_JOB_DISTRIBUTED, &mode, &e), &e,
        "request.Members is empty");
    /* a template and no members: accepted without further checks */
    assert_int_equal(members("{\"framework\":\"paddle\",\"extensionTemplate\":{\"kind\":\"x\"}}",
                             PF_JOB_DISTRIBUTED, &mode, &e),
                     0);
    assert_string_equal(mode, "");
}

static void test_members_roles_and_replicas(void **state)
{
    (void)state;
    dist_fails("tensorflow", "chief:1,worker:2", NULL,
               "the role[chief] for framework tensorflow is not supported");
    dist_fails("spark", "driver:1,worker:1", NULL,
               "the role[worker] for framework spark is not supported");
    dist_fails("ray", "master:1,pserver:1", NULL,
               "the role[pserver] for framework ray is not supported");
    dist_fails("mpi", "driver:1", NULL, "the role[driver] for framework mpi is not supported");
    dist_fails("paddle", "executor:1", NULL,
               "the role[executor] for framework paddle is not supported");
    dist_fails("paddle", ":2", NULL, "the role[] for framework paddle is not supported");
    dist_fails("paddle", "worker:0", NULL, "the replicas of member is less than 1");
    dist_fails("paddle", "pserver:1,worker:-1", NULL, "the replicas of member is less than 1");
    dist_fails("paddle", "pserver:1,worker:1", "\"port\":65535",
               "port must be in range [0, 65535], but got 65535");
    dist_fails("paddle", "pserver:1,worker:1", "\"schedulingPolicy\":{\"priority\":\"top\"}",
               "invalid job priority TOP, should be in [LOW, NORMAL, HIGH]");
    /* a member without image */
    const char *mode;
    pf_error e;
    expect_create_failed(members("{\"framework\":\"paddle\",\"members\":[{\"role\":\"pserver\","
                                 "\"replicas\":1,\"image\":\"i\"},{\"role\":\"worker\","
                                 "\"replicas\":1}]}",
                                 PF_JOB_DISTRIBUTED, &mode, &e),
                         &e, "required fields in {image} are empty, please fill it");
}

static void test_members_pworker(void **state)
{
    (void)state;
    /* pworker is rewritten to worker on the normal path ... */
    json_t *req =
        decode("{\"framework\":\"paddle\",\"members\":[{\"role\":\"pworker\",\"replicas\":2,"
               "\"image\":\"i\"}]}",
               PF_JOB_DISTRIBUTED);
    const char *mode;
    pf_error e;
    assert_int_equal(pf_job_request_check_members(req, PF_JOB_DISTRIBUTED, &mode, &e), 0);
    assert_string_equal(mode, "Collective");
    assert_string_equal(str_at(req, "members[0].role"), "worker");
    json_decref(req);
    /* ... but not on the template path */
    expect_create_failed(members("{\"framework\":\"paddle\",\"extensionTemplate\":{\"a\":1},"
                                 "\"members\":[{\"role\":\"pworker\",\"replicas\":2}]}",
                                 PF_JOB_DISTRIBUTED, &mode, &e),
                         &e, "the role[pworker] for framework paddle is not supported");
}

static void test_members_template_path_skips_member_checks(void **state)
{
    (void)state;
    const char *mode;
    pf_error e;
    /* no image, port out of range: not checked with a template; role counts still are */
    assert_int_equal(members("{\"framework\":\"paddle\",\"extensionTemplate\":{\"a\":1},"
                             "\"members\":[{\"role\":\"worker\",\"replicas\":2,\"port\":70000}]}",
                             PF_JOB_DISTRIBUTED, &mode, &e),
                     0);
    assert_string_equal(mode, "Collective");
    expect_create_failed(members("{\"framework\":\"paddle\",\"extensionTemplate\":{\"a\":1},"
                                 "\"members\":[{\"role\":\"worker\",\"replicas\":1}]}",
                                 PF_JOB_DISTRIBUTED, &mode, &e),
                         &e,
                         "framework paddle in collective mode, only setting role worker with "
                         "replicas >= 2");
}

static void test_members_role_counts(void **state)
{
    (void)state;
    const char *ps_fw[] = {"paddle", "tensorflow", "pytorch", "mxnet", "aitj"};
    for (size_t i = 0; i < 5; i++) {
        char msg[256];
        dist_ok(ps_fw[i], "pserver:1,worker:1", "PS");
        dist_ok(ps_fw[i], "master:1,worker:3", "PS");
        dist_ok(ps_fw[i], "worker:2", "Collective");
        snprintf(msg, sizeof msg, "framework %s in parameter server mode, role worker must be set",
                 ps_fw[i]);
        dist_fails(ps_fw[i], "pserver:2", NULL, msg);
        dist_fails(ps_fw[i], "master:1", NULL, msg);
        snprintf(msg, sizeof msg,
                 "framework %s in collective mode, only setting role worker with replicas >= 2",
                 ps_fw[i]);
        dist_fails(ps_fw[i], "worker:1", NULL, msg);
    }
    dist_ok("spark", "driver:1", "PS");
    dist_ok("spark", "driver:1,executor:4", "PS");
    dist_fails("spark", "executor:2", NULL, "spark application must be set role driver");
    dist_ok("ray", "master:1,worker:1", "");
    dist_ok("mpi", "master:1,worker:4", "");
    dist_fails("ray", "master:1", NULL, "ray job must be set a master role and a worker role");
    dist_fails("mpi", "worker:3", NULL, "mpi job must be set a master role and a worker role");
}

static void test_members_duplicate_role(void **state)
{
    (void)state;
    const char *msg = "the role[worker] is set by more than one member; put all of its replicas "
                      "in one member";
    dist_fails("paddle", "worker:1,worker:1", NULL, msg);
    dist_fails("paddle", "pserver:1,worker:1,worker:2", NULL, msg);
    dist_fails("pytorch", "worker:1,pworker:1", NULL,
               "the role[pworker] is set by more than one member; put all of its replicas in one "
               "member");
    dist_fails("spark", "driver:1,driver:1", NULL,
               "the role[driver] is set by more than one member; put all of its replicas in one "
               "member");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_sets),
        cmocka_unit_test(test_status_guard_table),
        cmocka_unit_test(test_status_guard_examples),
        cmocka_unit_test(test_decode_single_canonical_keys),
        cmocka_unit_test(test_decode_nulls_dropped),
        cmocka_unit_test(test_decode_single_ignores_members),
        cmocka_unit_test(test_decode_distributed_members),
        cmocka_unit_test(test_decode_type_errors_with_paths),
        cmocka_unit_test(test_basics_id),
        cmocka_unit_test(test_generated_job_ids),
        cmocka_unit_test(test_basics_name_length),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_priority_normalise),
        cmocka_unit_test(test_members_single),
        cmocka_unit_test(test_members_port),
        cmocka_unit_test(test_members_framework),
        cmocka_unit_test(test_members_roles_and_replicas),
        cmocka_unit_test(test_members_pworker),
        cmocka_unit_test(test_members_template_path_skips_member_checks),
        cmocka_unit_test(test_members_role_counts),
        cmocka_unit_test(test_members_duplicate_role),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
