/* bench_latency.c — request latency as one client sees it: sequential requests on one
 * keep-alive connection, each timed from the first byte sent to the last byte received.
 *
 *   --mode get   --path P            GET P repeatedly (e.g. a filtered job list page)
 *   --mode show  --ids FILE          GET /job/{id} for ids drawn at random from FILE
 *   --mode sched [--command CMD]     on an idle server: create a job, poll GET /job/{id}
 *                [--poll-us US]      every US microseconds (default 1000; 0 = back to back)
 *                                    until it is running (or later), then wait for it to end
 *                                    before the next sample. A pause between polls keeps the
 *                                    poller from taking a core the server needs to start the
 *                                    job (a 2-core machine has only two); it bounds the error
 *                                    of a sample to one interval.
 *
 * One connection and no concurrency on purpose: these are the latencies of issue 3
 * (list p99 < 5 ms, show p99 < 1 ms, create -> running p50 < 5 ms), not throughput. Prints
 * one JSON object: {"mode","latency":{n,p50_ms,...},"status_errors"} and, for sched, the
 * created job ids (so the caller can read the server's own millisecond timestamps) and how
 * many samples were first seen already finished rather than running. */
#include <getopt.h>
#include <jansson.h>

#include "benchhttp.h"

typedef struct {
    const char *host, *mode, *path, *ids_file, *command, *user, *password;
    int port, count, warmup, poll_us;
    unsigned seed;
} options;

static void usage(void)
{
    fprintf(stderr, "usage: bench_latency --port N --mode get|show|sched [--path P] [--ids FILE]\n"
                    "       [--count N] [--warmup N] [--command CMD] [--poll-us US] [--seed S]\n");
    exit(2);
}

static char **read_ids(const char *file, size_t *n)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(1);
    }
    size_t cap = 1024;
    char **ids = malloc(cap * sizeof *ids), line[256];
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        if (*n == cap) ids = realloc(ids, (cap *= 2) * sizeof *ids);
        ids[(*n)++] = strdup(line);
    }
    fclose(f);
    if (!*n) {
        fprintf(stderr, "%s: no ids\n", file);
        exit(1);
    }
    return ids;
}

/* Times count GETs (after warmup untimed ones); the path of request i comes from pick(). */
static void run_gets(const options *o, const char *token, double *lat, char **ids, size_t nids)
{
    bh_conn c;
    bh_init(&c, o->host, o->port);
    char path[512];
    long bad = 0;
    for (int i = -o->warmup; i < o->count; i++) {
        if (ids)
            snprintf(path, sizeof path, BH_PREFIX "/job/%s", ids[(size_t)rand() % nids]);
        else
            snprintf(path, sizeof path, "%s", o->path);
        int status = 0;
        double t0 = bh_now();
        if (bh_do(&c, "GET", path, token, NULL, &status, NULL, NULL) != 0) {
            fprintf(stderr, "request failed: GET %s\n", path);
            exit(1);
        }
        double t = bh_now() - t0;
        if (status != 200 && bad++ == 0) fprintf(stderr, "GET %s: status %d\n", path, status);
        if (i >= 0) lat[i] = t;
    }
    bh_free(&c);
    printf("{\"mode\":\"%s\",\"status_errors\":%ld,\"latency\":", o->mode, bad);
    bh_print_pcts(stdout, lat, (size_t)o->count);
    printf("}\n");
}

static int job_status(bh_conn *c, const char *token, const char *id, char *out, size_t cap)
{
    char path[256];
    snprintf(path, sizeof path, BH_PREFIX "/job/%s", id);
    int status = 0;
    const char *body = NULL;
    size_t len = 0;
    if (bh_do(c, "GET", path, token, NULL, &status, &body, &len) != 0 || status != 200) return -1;
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *s = json_string_value(json_object_get(j, "status"));
    snprintf(out, cap, "%s", s ? s : "");
    json_decref(j);
    return 0;
}

static int is_waiting(const char *st)
{
    return strcmp(st, "init") == 0 || strcmp(st, "pending") == 0;
}

static int is_final(const char *st)
{
    return strcmp(st, "succeeded") == 0 || strcmp(st, "failed") == 0 ||
           strcmp(st, "terminated") == 0 || strcmp(st, "skipped") == 0;
}

static void run_sched(const options *o, const char *token, double *lat)
{
    bh_conn c;
    bh_init(&c, o->host, o->port);
    char body[512], id[128], st[32];
    snprintf(body, sizeof body,
             "{\"name\":\"sched\",\"image\":\"busybox\",\"command\":\"%s\","
             "\"schedulingPolicy\":{\"queue\":\"default-queue\"},"
             "\"flavour\":{\"cpu\":\"10m\",\"mem\":\"8Mi\"}}",
             o->command);
    char **ids = calloc((size_t)o->count, sizeof *ids);
    long seen_final = 0, polls = 0;
    for (int i = -o->warmup; i < o->count; i++) {
        int status = 0;
        const char *resp = NULL;
        double t0 = bh_now();
        if (bh_do(&c, "POST", BH_PREFIX "/job/single", token, body, &status, &resp, NULL) != 0 ||
            status != 200) {
            fprintf(stderr, "create failed (%d): %s\n", status, resp ? resp : "");
            exit(1);
        }
        bh_json_str(resp, "id", id, sizeof id);
        for (;;) {
            if (job_status(&c, token, id, st, sizeof st) != 0) exit(1);
            polls++;
            if (!is_waiting(st)) break;
            if (o->poll_us) usleep((useconds_t)o->poll_us);
        }
        double t = bh_now() - t0;
        if (i >= 0) {
            lat[i] = t;
            ids[i] = strdup(id);
            seen_final += is_final(st);
        }
        while (!is_final(st)) { /* idle server for the next sample */
            usleep(2000);
            if (job_status(&c, token, id, st, sizeof st) != 0) exit(1);
        }
    }
    bh_free(&c);
    printf("{\"mode\":\"sched\",\"poll_us\":%d,\"seen_final_first\":%ld,\"polls\":%ld,"
           "\"latency\":",
           o->poll_us, seen_final, polls);
    bh_print_pcts(stdout, lat, (size_t)o->count);
    printf(",\"ids\":[");
    for (int i = 0; i < o->count; i++) {
        printf("%s\"%s\"", i ? "," : "", ids[i]);
        free(ids[i]);
    }
    printf("]}\n");
    free(ids);
}

int main(int argc, char **argv)
{
    options o = {.host = "127.0.0.1",
                 .count = 1000,
                 .warmup = 50,
                 .command = "sleep 0.05",
                 .poll_us = 1000,
                 .user = "root",
                 .password = "paddleflow",
                 .seed = 1};
    static const struct option longs[] = {
        {"host", 1, 0, 'H'}, {"port", 1, 0, 'p'},  {"mode", 1, 0, 'm'},     {"path", 1, 0, 'P'},
        {"ids", 1, 0, 'i'},  {"count", 1, 0, 'n'}, {"warmup", 1, 0, 'w'},   {"command", 1, 0, 'C'},
        {"seed", 1, 0, 's'}, {"user", 1, 0, 'u'},  {"password", 1, 0, 'x'}, {"poll-us", 1, 0, 'U'},
        {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (ch) {
        case 'H':
            o.host = optarg;
            break;
        case 'p':
            o.port = atoi(optarg);
            break;
        case 'm':
            o.mode = optarg;
            break;
        case 'P':
            o.path = optarg;
            break;
        case 'i':
            o.ids_file = optarg;
            break;
        case 'n':
            o.count = atoi(optarg);
            break;
        case 'w':
            o.warmup = atoi(optarg);
            break;
        case 'C':
            o.command = optarg;
            break;
        case 's':
            o.seed = (unsigned)atoi(optarg);
            break;
        case 'U':
            o.poll_us = atoi(optarg);
            break;
        case 'u':
            o.user = optarg;
            break;
        case 'x':
            o.password = optarg;
            break;
        default:
            usage();
        }
    }
    if (o.port <= 0 || !o.mode || o.count <= 0 || o.warmup < 0) usage();
    srand(o.seed);
    char token[1024];
    if (bh_login(o.host, o.port, o.user, o.password, token, sizeof token) != 0) return 1;
    double *lat = calloc((size_t)o.count, sizeof *lat);
    if (strcmp(o.mode, "get") == 0 && o.path) {
        run_gets(&o, token, lat, NULL, 0);
    } else if (strcmp(o.mode, "show") == 0 && o.ids_file) {
        size_t n = 0;
        char **ids = read_ids(o.ids_file, &n);
        run_gets(&o, token, lat, ids, n);
        for (size_t i = 0; i < n; i++)
            free(ids[i]);
        free(ids);
    } else if (strcmp(o.mode, "sched") == 0) {
        run_sched(&o, token, lat);
    } else {
        usage();
    }
    free(lat);
    return 0;
}
