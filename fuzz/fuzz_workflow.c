/* fuzz_workflow.c — libFuzzer target for the workflow engine.
 *
 * The input is JSON handed to pf_wf_parse. A rejected workflow must carry JobCreateFailed and a
 * message; an accepted one is driven for a bounded number of steps with synthetic results drawn
 * from the input's hash (exit codes, stdout that is text, a number, a JSON list or invalid
 * UTF-8), with clock jumps that fire deadlines, a state JSON round trip in the middle that must
 * give the same view, and sometimes a stop. Invariants checked (abort() on violation): every
 * START action names a task node the engine accepts events for, a stopped workflow is done, a
 * done workflow emits no more actions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/workflow/workflow.h"

#define MAX_ROUNDS 60

static void check(bool ok)
{
    if (!ok) abort();
}

typedef struct driver {
    pf_wf *wf;
    pf_wf_state *st;
    char **running;
    size_t n_running;
    uint64_t seed;
    int64_t now;
} driver;

static uint64_t next_rand(driver *d)
{
    d->seed ^= d->seed << 13;
    d->seed ^= d->seed >> 7;
    d->seed ^= d->seed << 17;
    return d->seed;
}

static void take(driver *d, pf_wf_action *acts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        check(acts[i].node_id && acts[i].node_name && acts[i].display_name);
        if (acts[i].kind == PF_WF_START) {
            check(acts[i].argc > 0 && acts[i].argv);
            char *cmd = pf_wf_action_command(&acts[i], "/tmp/script");
            check(cmd != NULL);
            free(cmd);
            d->running = realloc(d->running, (d->n_running + 1) * sizeof(char *));
            d->running[d->n_running++] = strdup(acts[i].node_id);
        } else {
            for (size_t k = 0; k < d->n_running; k++) {
                if (strcmp(d->running[k], acts[i].node_id) != 0) continue;
                free(d->running[k]);
                d->running[k] = d->running[--d->n_running];
                break;
            }
        }
    }
    pf_wf_actions_free(acts, n);
}

static void step(driver *d)
{
    pf_wf_action *acts;
    size_t n;
    check(pf_wf_step(d->wf, d->st, d->now, &acts, &n) == 0);
    if (pf_wf_done(d->st)) check(pf_wf_next_deadline(d->st) == INT64_MAX);
    take(d, acts, n);
}

static void round_trip(driver *d)
{
    json_t *j = pf_wf_state_to_json(d->st);
    char *text = json_dumps(j, JSON_COMPACT);
    check(text != NULL);
    json_t *back = json_loads(text, 0, NULL);
    check(back != NULL);
    pf_error e = {0};
    pf_wf_state *st = pf_wf_state_from_json(back, &e);
    check(st != NULL);
    json_t *v1 = pf_wf_nodes_json(d->st), *v2 = pf_wf_nodes_json(st);
    check(json_equal(v1, v2));
    json_decref(v1);
    json_decref(v2);
    json_decref(back);
    json_decref(j);
    free(text);
    pf_wf_state_free(d->st);
    d->st = st;
}

static void finish_one(driver *d)
{
    static const char *const OUT[] = {
        "", "1\n", "[1,\"a\",{\"k\":2}]", "x y", "\xff\xfe bad", "{\"a\":1}", "0", "true"};
    size_t k = next_rand(d) % d->n_running;
    char *id = d->running[k];
    d->running[k] = d->running[--d->n_running];
    pf_error e = {0};
    uint64_t r = next_rand(d);
    if (r % 5 == 0) check(pf_wf_node_started(d->st, id, d->now, &e) >= 0);
    int rc;
    if (r % 11 == 0)
        rc = pf_wf_node_error(d->st, id, "spawn failed", d->now, &e);
    else
        rc = pf_wf_node_finished(d->st, id, (int)(r % 3 == 0), OUT[(r >> 8) % 8], d->now, &e);
    check(rc == 0 || rc == 1);
    free(id);
}

static void drive(pf_wf *wf, const uint8_t *data, size_t size)
{
    driver d = {.wf = wf, .st = pf_wf_state_new(), .now = 1000000, .seed = 88172645463325252ull};
    for (size_t i = 0; i < size; i++)
        d.seed = (d.seed ^ data[i]) * 1099511628211ull;
    d.seed |= 1;
    step(&d);
    for (int round = 0; round < MAX_ROUNDS && !pf_wf_done(d.st); round++) {
        uint64_t r = next_rand(&d);
        if (r % 7 == 0) d.now += (int64_t)(r % 100000);
        if (round == MAX_ROUNDS / 2) round_trip(&d);
        if (r % 29 == 0) {
            pf_wf_action *acts;
            size_t n;
            pf_wf_cancel(wf, d.st, d.now, &acts, &n);
            take(&d, acts, n);
            check(pf_wf_done(d.st));
            break;
        }
        if (d.n_running) finish_one(&d);
        step(&d);
    }
    if (pf_wf_done(d.st)) {
        pf_wf_action *acts;
        size_t n;
        pf_wf_step(wf, d.st, d.now + 1000000000, &acts, &n);
        check(n == 0);
        pf_wf_unfinished_actions(d.st, &acts, &n);
        pf_wf_actions_free(acts, n);
    }
    json_t *view = pf_wf_nodes_json(d.st);
    check(json_is_array(view));
    json_decref(view);
    for (size_t i = 0; i < d.n_running; i++)
        free(d.running[i]);
    free(d.running);
    pf_wf_state_free(d.st);
}

/* A saved state (anything with "version") must be rejected or be safe to step and stop, even
 * when it does not match the workflow. */
static const char FIXED_WF[] =
    "{\"spec\":{\"entrypoint\":\"wf\",\"onExit\":\"c\",\"templates\":["
    "{\"name\":\"wf\",\"retryStrategy\":{\"limit\":1},\"steps\":[[{\"name\":\"s\","
    "\"template\":\"d\"}]]},{\"name\":\"d\",\"dag\":{\"tasks\":[{\"name\":\"t\","
    "\"template\":\"c\",\"withItems\":[1,2]},{\"name\":\"u\",\"depends\":\"t\","
    "\"template\":\"c\"}]}},{\"name\":\"c\",\"container\":{\"command\":[\"true\"]}}]}}";

static void fuzz_state(const json_t *j)
{
    pf_error e = {0};
    pf_wf_state *st = pf_wf_state_from_json(j, &e);
    if (!st) return;
    json_t *wj = json_loads(FIXED_WF, 0, NULL);
    pf_wf *wf = pf_wf_parse(wj, NULL, NULL, &e);
    json_decref(wj);
    check(wf != NULL);
    pf_wf_action *acts;
    size_t n;
    pf_wf_unfinished_actions(st, &acts, &n);
    pf_wf_actions_free(acts, n);
    pf_wf_step(wf, st, 5000000, &acts, &n);
    pf_wf_actions_free(acts, n);
    json_decref(pf_wf_nodes_json(st));
    pf_wf_cancel(wf, st, 6000000, &acts, &n);
    pf_wf_actions_free(acts, n);
    check(pf_wf_done(st));
    json_decref(pf_wf_state_to_json(st));
    pf_wf_state_free(st);
    pf_wf_free(wf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!j) return 0;
    if (json_object_get(j, "version")) {
        fuzz_state(j);
        json_decref(j);
        return 0;
    }
    pf_error e = {0};
    pf_wf *wf = pf_wf_parse(j, NULL, NULL, &e);
    json_decref(j);
    if (!wf) {
        check(strcmp(e.code, "JobCreateFailed") == 0 && e.message[0]);
        return 0;
    }
    drive(wf, data, size);
    pf_wf_free(wf);
    return 0;
}
