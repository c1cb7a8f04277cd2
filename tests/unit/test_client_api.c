/* test_client_api.c — libpaddleflow against a real paddleflow-server started by the test
 * (PF_BIN_DIR): typed results of every job call, error fields (code, message, request id,
 * HTTP status), one keep-alive connection for many calls, transparent re-login when the
 * token expires, and the transport error that names host and port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "paddleflow/paddleflow.h"

static pid_t server_pid;
static int server_port;
static char data_dir[] = "/tmp/pf-client-test-XXXXXX";

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
    close(s);
    return ok;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int start_server(void **state)
{
    const char *bin_dir = getenv("PF_BIN_DIR");
    if (!bin_dir || !mkdtemp(data_dir)) return -1;
    char bin[4096], port[16];
    snprintf(bin, sizeof bin, "%s/paddleflow-server", bin_dir);
    server_port = free_port();
    snprintf(port, sizeof port, "%d", server_port);
    server_pid = fork();
    if (server_pid == 0) {
        char log[4200];
        snprintf(log, sizeof log, "%s/server.log", data_dir);
        if (!freopen(log, "w", stdout) || !freopen(log, "a", stderr)) _exit(127);
        /* 0.0008 h ≈ 2.9 s: long enough for a call, short enough to watch a token expire */
        execl(bin, bin, "--host", "127.0.0.1", "--port", port, "--data-dir", data_dir,
              "--token-expiry-hours", "0.0008", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1500 && !port_open(server_port); i++)
        sleep_ms(20);
    return port_open(server_port) ? 0 : -1;
}

static int stop_server(void **state)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static pf_client *new_client(const char *password)
{
    pf_client_options o = {"127.0.0.1", server_port, "root", password, 0, NULL};
    pf_api_error e;
    pf_client *c = pf_client_new(&o, &e);
    assert_non_null(c);
    return c;
}

static void test_jobs_typed(void **state)
{
    pf_client *c = new_client("paddleflow");
    pf_api_error e;
    char *id = NULL;
    const char *spec = "{\"name\":\"lib-job\",\"labels\":{\"suite\":\"lib\"},"
                       "\"schedulingPolicy\":{\"queue\":\"default-queue\"},\"image\":\"busybox\","
                       "\"command\":\"echo hi\",\"flavour\":{\"name\":\"flavour1\"}}";
    assert_int_equal(pf_job_create(c, "single", spec, &id, &e), 0);
    assert_true(strncmp(id, "job-", 4) == 0 && strlen(id) == 20);

    pf_job *job;
    assert_int_equal(pf_job_get(c, id, &job, &e), 0);
    assert_string_equal(job->id, id);
    assert_string_equal(job->name, "lib-job");
    assert_string_equal(job->queue, "default-queue");
    assert_string_equal(job->priority, "NORMAL");
    assert_string_equal(job->user, "root");
    assert_string_equal(job->image, "busybox");
    assert_int_equal(job->n_labels, 1);
    assert_string_equal(job->labels[0].key, "suite");
    assert_string_equal(job->labels[0].value, "lib");
    assert_non_null(strstr(job->flavour_json, "flavour1"));
    assert_true(strlen(job->accept_time) == 19);
    pf_job_free(job);

    pf_pair labels[] = {{"suite", "lib"}};
    pf_job_list_options lo = {.labels = labels, .n_labels = 1, .max_keys = 10};
    pf_job_page *page;
    assert_int_equal(pf_job_list(c, &lo, &page, &e), 0);
    assert_int_equal(page->n, 1);
    assert_string_equal(page->items[0].id, id);
    assert_false(page->is_truncated);
    assert_null(page->next_marker);
    pf_job_page_free(page);

    pf_pair ann[] = {{"note", "x"}};
    pf_job_update_options uo = {.annotations = ann, .n_annotations = 1};
    assert_int_equal(pf_job_update(c, id, &uo, &e), 0);
    free(id);
    pf_client_free(c);
}

static void test_errors(void **state)
{
    pf_client *c = new_client("paddleflow");
    pf_api_error e;
    pf_job *job = (pf_job *)1;
    assert_int_equal(pf_job_get(c, "job-0000000000000000", &job, &e), -1);
    assert_null(job);
    assert_int_equal(e.http_status, 404);
    assert_string_equal(e.code, "JobNotFound");
    assert_non_null(strstr(e.message, "job-0000000000000000"));
    assert_int_equal(strlen(e.request_id), 36);
    assert_int_equal(pf_job_stop(c, "job-0000000000000000", NULL), -1); /* err may be NULL */
    pf_client_free(c);

    c = new_client("wrong-password");
    assert_int_equal(pf_login(c, &e), -1);
    assert_string_equal(e.code, "AuthFailed");
    assert_int_equal(e.http_status, 400);
    pf_client_free(c);

    pf_client_options o = {"127.0.0.1", free_port(), "root", "paddleflow", 2000, NULL};
    c = pf_client_new(&o, &e);
    assert_int_equal(pf_server_version_get(c, &(pf_server_version *){NULL}, &e), -1);
    assert_string_equal(e.code, "ConnectionError");
    assert_int_equal(e.http_status, 0);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%d", o.port);
    assert_non_null(strstr(e.message, where));
    pf_client_free(c);

    assert_null(pf_client_new(&(pf_client_options){.user = "root"}, &e));
    assert_string_equal(e.code, "InvalidArgument");
}

/* The client's local ports of every connection to the server, from /proc/net/tcp. */
static int client_ports(int *ports, int max)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    char line[512];
    int n = 0;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        unsigned lport, rport;
        if (sscanf(line, " %*d: %*x:%x %*x:%x", &lport, &rport) != 2) continue;
        int client = (int)rport == server_port            ? (int)lport
                     : (int)lport == server_port && rport ? (int)rport
                                                          : -1;
        bool seen = false;
        for (int i = 0; i < n; i++)
            seen |= ports[i] == client;
        if (client > 0 && !seen && n < max) ports[n++] = client;
    }
    fclose(f);
    return n;
}

static void test_keep_alive(void **state)
{
    int before[64], after[64];
    int nb = client_ports(before, 64);
    pf_client *c = new_client("paddleflow");
    pf_api_error e;
    for (int i = 0; i < 5; i++) {
        pf_flavour_page *l;
        assert_int_equal(pf_flavour_list(c, NULL, NULL, NULL, &l, &e), 0);
        assert_int_equal(l->n, 3);
        assert_string_equal(l->items[0].name, "flavour1");
        pf_flavour_page_free(l);
    }
    int na = client_ports(after, 64);
    int fresh = 0;
    for (int i = 0; i < na; i++) {
        bool old = false;
        for (int k = 0; k < nb; k++)
            old |= before[k] == after[i];
        fresh += !old;
    }
    assert_int_equal(fresh, 1); /* login + 5 calls over one connection */
    pf_client_free(c);
}

static void test_relogin_after_expiry(void **state)
{
    pf_client *c = new_client("paddleflow");
    pf_api_error e;
    assert_int_equal(pf_login(c, &e), 0);
    char *first = strdup(pf_client_token(c));
    sleep_ms(3500); /* past the 2.9 s token lifetime */
    pf_queue *q;
    assert_int_equal(pf_queue_get(c, "default-queue", &q, &e), 0);
    assert_string_equal(q->name, "default-queue");
    assert_string_equal(q->max_resources.cpu, "20");
    assert_string_equal(q->max_resources.memory, "20Gi");
    pf_queue_free(q);
    assert_string_not_equal(first, pf_client_token(c));
    free(first);
    pf_client_free(c);
}

static void test_given_token(void **state)
{
    pf_api_error e;
    pf_client *c = new_client("paddleflow");
    assert_int_equal(pf_login(c, &e), 0);
    char *good = strdup(pf_client_token(c));
    pf_client_free(c);

    /* a saved token is used as is: no login, same token after the call */
    pf_client_options o = {"127.0.0.1", server_port, "root", "paddleflow", 0, good};
    c = pf_client_new(&o, &e);
    pf_flavour *f;
    assert_int_equal(pf_flavour_get(c, "flavour1", &f, &e), 0);
    assert_string_equal(f->cpu, "1");
    pf_flavour_free(f);
    assert_string_equal(pf_client_token(c), good);
    pf_client_free(c);

    /* a token the server rejects is replaced by a fresh login, transparently */
    o.token = "not-a-token";
    c = pf_client_new(&o, &e);
    assert_int_equal(pf_flavour_get(c, "flavour2", &f, &e), 0);
    assert_string_not_equal(pf_client_token(c), "not-a-token");
    pf_flavour_free(f);
    pf_client_free(c);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_typed),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_keep_alive),  cmocka_unit_test(test_relogin_after_expiry),
        cmocka_unit_test(test_given_token),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
