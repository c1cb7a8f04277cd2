/* fuzz_job_json.c — libFuzzer target for job request decoding and its context-free checks.
 *
 * The input is a request body. It goes through exactly what POST /job/{type} does before the
 * store is consulted: pf_json_parse_object, pf_job_request_decode, then
 * pf_job_request_check_basics and pf_job_request_check_members (src/model/job_request.h),
 * for each of the three job types. Beyond "no crash, no sanitizer report" it checks the
 * contract callers rely on (abort() on violation): failures carry MalformedJSON (decode) or
 * JobCreateFailed (checks) with a message; a decoded request is an object with a
 * schedulingPolicy object and a members array of objects whose role is a string and replicas
 * an integer; a single job has exactly one worker member and framework standalone; the
 * decoded form survives a dump/parse round trip; a distributed request decodes to a fixed
 * point (decoding the decoded form changes nothing); PF_JOB_MODE is "PS", "Collective" or "". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"
#include "model/job_request.h"

static void check(bool ok)
{
    if (!ok) abort();
}

static void check_error(const pf_error *e, const char *code)
{
    check(strcmp(e->code, code) == 0);
    check(e->message[0] != '\0');
}

static void check_shape(const json_t *req, const char *type)
{
    check(json_is_object(req));
    check(json_is_object(json_object_get(req, "schedulingPolicy")));
    const json_t *members = json_object_get(req, "members");
    check(json_is_array(members));
    size_t i;
    const json_t *m;
    json_array_foreach(members, i, m)
    {
        check(json_is_object(m));
        check(json_is_string(json_object_get(m, "role")));
        check(json_is_integer(json_object_get(m, "replicas")));
    }
    if (strcmp(type, PF_JOB_SINGLE) == 0) {
        check(json_array_size(members) == 1);
        const json_t *m0 = json_array_get(members, 0);
        check(strcmp(json_string_value(json_object_get(m0, "role")), "worker") == 0);
        check(json_integer_value(json_object_get(m0, "replicas")) == 1);
        check(strcmp(json_string_value(json_object_get(req, "framework")), "standalone") == 0);
    }
}

static void check_round_trip(const json_t *req)
{
    char *text = pf_json_dump(req);
    check(text != NULL);
    pf_error e;
    json_t *back = pf_json_parse_object(text, strlen(text), &e);
    check(back && json_equal(back, req));
    json_decref(back);
    free(text);
}

static void check_fixed_point(const json_t *req)
{
    pf_error e;
    json_t *again = pf_job_request_decode(req, PF_JOB_DISTRIBUTED, &e);
    check(again && json_equal(again, req));
    json_decref(again);
}

static void fuzz_type(const json_t *body, const char *type)
{
    pf_error e;
    json_t *req = pf_job_request_decode(body, type, &e);
    if (!req) {
        check_error(&e, "MalformedJSON");
        return;
    }
    check_shape(req, type);
    check_round_trip(req);
    if (strcmp(type, PF_JOB_DISTRIBUTED) == 0) check_fixed_point(req);
    if (pf_job_request_check_basics(req, type, &e) != 0) {
        check_error(&e, "JobCreateFailed");
    } else if (strcmp(type, PF_JOB_WORKFLOW) != 0) {
        const char *mode = NULL;
        if (pf_job_request_check_members(req, type, &mode, &e) != 0) {
            check_error(&e, "JobCreateFailed");
        } else {
            check(mode && (!strcmp(mode, "PS") || !strcmp(mode, "Collective") || !*mode));
            check_shape(req, type); /* the checks may rewrite roles (pworker → worker) */
        }
    }
    json_decref(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pf_error e;
    json_t *body = pf_json_parse_object((const char *)data, size, &e);
    if (!body) {
        check_error(&e, "MalformedJSON");
        return 0;
    }
    check(json_is_object(body));
    fuzz_type(body, PF_JOB_SINGLE);
    fuzz_type(body, PF_JOB_DISTRIBUTED);
    fuzz_type(body, PF_JOB_WORKFLOW);
    json_decref(body);
    return 0;
}
