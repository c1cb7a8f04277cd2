/* job_tasks.c — task plans: one process per replica. Every task gets the job's identity in
 * PF_* variables; distributed tasks also get the rendezvous variables of their framework
 * (PaddlePaddle's launcher, PyTorch, TensorFlow's TF_CONFIG, Spark) with a free loopback
 * port per replica, so replicas really find each other. docs/jobs.md lists every variable. */
#include "server/service/job_tasks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"

void pf_job_need(const json_t *config, pf_resources *out)
{
    pf_error e;
    pf_resources_init(out);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(config, "members"), i, m)
    {
        json_t *f = json_object_get(m, "flavour");
        pf_resources one;
        if (pf_resources_from_flavour(json_string_value(json_object_get(f, "cpu")),
                                      json_string_value(json_object_get(f, "mem")),
                                      json_object_get(f, "scalarResources"), &one, &e) == 0)
            pf_resources_add(out, &one, json_integer_value(json_object_get(m, "replicas")), &e);
    }
}

bool pf_role_completes_job(const char *framework, const char *role)
{
    if (strcmp(framework, "spark") == 0) return strcmp(role, "driver") == 0;
    if (strcmp(framework, "ray") == 0 || strcmp(framework, "mpi") == 0)
        return strcmp(role, "master") == 0;
    return strcmp(role, "worker") == 0;
}

/* A free TCP port on loopback (the kernel's pick; released before the task binds it). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static void shell_quote(pf_buf *b, const char *s)
{
    pf_buf_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            pf_buf_puts(b, "'\\''");
        else
            pf_buf_append(b, s, 1);
    }
    pf_buf_puts(b, "'");
}

typedef struct envb {
    char **v;
    size_t n, cap;
} envb;

static void env_set(envb *e, const char *k, const char *v)
{
    size_t kl = strlen(k);
    for (size_t i = 0; i < e->n; i++)
        if (strncmp(e->v[i], k, kl) == 0 && e->v[i][kl] == '=') {
            free(e->v[i]);
            e->v[i] = NULL;
            if (asprintf(&e->v[i], "%s=%s", k, v) < 0) abort();
            return;
        }
    if (e->n + 2 > e->cap) {
        e->cap = e->cap ? e->cap * 2 : 32;
        e->v = realloc(e->v, e->cap * sizeof *e->v);
    }
    if (asprintf(&e->v[e->n++], "%s=%s", k, v) < 0) abort();
    e->v[e->n] = NULL;
}

static void env_setf(envb *e, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void env_setf(envb *e, const char *k, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    env_set(e, k, buf);
}

static void env_upper_name(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++) {
        char c = in[i];
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
    }
    out[i] = '\0';
}

static char *fs_dir(const json_t *fs)
{
    const char *host = json_string_value(json_object_get(fs, "hostPath"));
    if (!host || !*host) return NULL;
    const char *sub = json_string_value(json_object_get(fs, "subPath"));
    char *out;
    if (asprintf(&out, "%s%s%s", host, sub && *sub ? "/" : "", sub ? sub : "") < 0) abort();
    return out;
}

typedef struct peer {
    const char *role;
    int index;
    int port;
} peer;

static void join_endpoints(pf_buf *b, const peer *p, int n, const char *role)
{
    bool first = true;
    for (int i = 0; i < n; i++) {
        if (strcmp(p[i].role, role) != 0) continue;
        pf_buf_printf(b, "%s127.0.0.1:%d", first ? "" : ",", p[i].port);
        first = false;
    }
}

static int count_role(const peer *p, int n, const char *role)
{
    int c = 0;
    for (int i = 0; i < n; i++) c += strcmp(p[i].role, role) == 0;
    return c;
}

/* Framework rendezvous variables for task t among peers. */
static void distributed_env(envb *env, const pf_job_row *job, const peer *p, int n, int t)
{
    const char *fw = job->framework;
    pf_buf b = PF_BUF_INIT;
    env_setf(env, "PF_TASK_ENDPOINT", "127.0.0.1:%d", p[t].port);
    for (int i = 0; i < n; i++)
        pf_buf_printf(&b, "%s%s-%d=127.0.0.1:%d", i ? "," : "", p[i].role, p[i].index, p[i].port);
    env_set(env, "PF_TASK_ENDPOINTS", b.data ? b.data : "");
    pf_buf_reset(&b);
    env_set(env, "POD_IP", "127.0.0.1");
    bool is_ps = strcmp(p[t].role, "pserver") == 0;
    if (!strcmp(fw, "paddle") || !strcmp(fw, "mxnet") || !strcmp(fw, "aitj")) {
        env_set(env, "PADDLE_JOB_ID", job->id);
        env_setf(env, "PADDLE_PORT", "%d", p[t].port);
        env_setf(env, "PADDLE_CURRENT_ENDPOINT", "127.0.0.1:%d", p[t].port);
        env_setf(env, "PADDLE_TRAINERS_NUM", "%d", count_role(p, n, "worker"));
        join_endpoints(&b, p, n, "worker");
        env_set(env, "PADDLE_TRAINER_ENDPOINTS", b.data ? b.data : "");
        pf_buf_reset(&b);
        join_endpoints(&b, p, n, "pserver");
        env_set(env, "PADDLE_PSERVERS_IP_PORT_LIST", b.data ? b.data : "");
        env_set(env, "PADDLE_PSERVER_ENDPOINTS", b.data ? b.data : "");
        pf_buf_reset(&b);
        env_set(env, "TRAINING_ROLE", is_ps ? "PSERVER" : "TRAINER");
        env_set(env, "PADDLE_TRAINING_ROLE", is_ps ? "PSERVER" : "TRAINER");
        if (!is_ps) env_setf(env, "PADDLE_TRAINER_ID", "%d", p[t].index);
        if (is_ps) env_setf(env, "PADDLE_PSERVER_ID", "%d", p[t].index);
    } else if (!strcmp(fw, "pytorch")) {
        int master = -1;
        for (int i = 0; i < n && master < 0; i++)
            if (!strcmp(p[i].role, "master")) master = i;
        for (int i = 0; i < n && master < 0; i++)
            if (!strcmp(p[i].role, "worker")) master = i;
        int rank = 0;
        for (int i = 0; i < t; i++) rank += strcmp(p[i].role, "pserver") != 0;
        env_set(env, "MASTER_ADDR", "127.0.0.1");
        env_setf(env, "MASTER_PORT", "%d", master >= 0 ? p[master].port : 0);
        env_setf(env, "WORLD_SIZE", "%d", n - count_role(p, n, "pserver"));
        env_setf(env, "RANK", "%d", rank);
    } else if (!strcmp(fw, "tensorflow")) {
        pf_buf_puts(&b, "{\"cluster\":{");
        const char *roles[] = {"pserver", "master", "worker"}, *names[] = {"ps", "chief", "worker"};
        bool first = true;
        for (int r = 0; r < 3; r++) {
            if (!count_role(p, n, roles[r])) continue;
            pf_buf_printf(&b, "%s\"%s\":[", first ? "" : ",", names[r]);
            bool f2 = true;
            for (int i = 0; i < n; i++)
                if (!strcmp(p[i].role, roles[r])) {
                    pf_buf_printf(&b, "%s\"127.0.0.1:%d\"", f2 ? "" : ",", p[i].port);
                    f2 = false;
                }
            pf_buf_puts(&b, "]");
            first = false;
        }
        const char *type = !strcmp(p[t].role, "pserver") ? "ps"
                           : !strcmp(p[t].role, "master") ? "chief" : "worker";
        pf_buf_printf(&b, "},\"task\":{\"type\":\"%s\",\"index\":%d}}", type, p[t].index);
        env_set(env, "TF_CONFIG", b.data);
    } else if (!strcmp(fw, "spark")) {
        int executors = count_role(p, n, "executor");
        env_setf(env, "SPARK_EXECUTOR_INSTANCES", "%d", executors);
        env_setf(env, "PF_SPARK_MASTER", "local[%d]", executors > 0 ? executors : 1);
        pf_buf_reset(&b);
        join_endpoints(&b, p, n, "driver");
        env_set(env, "SPARK_DRIVER_ENDPOINT", b.data ? b.data : "");
    }
    pf_buf_free(&b);
}

int pf_job_plan_tasks(const pf_job_row *job, pf_task_plan **plans, int *n, pf_error *e)
{
    json_t *members = json_object_get(job->config, "members");
    int total = 0;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) total += (int)json_integer_value(json_object_get(m, "replicas"));
    *plans = calloc((size_t)total + 1, sizeof **plans);
    peer *peers = calloc((size_t)total + 1, sizeof *peers);
    *n = 0;
    bool distributed = strcmp(job->type, "distributed") == 0;
    json_array_foreach(members, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        int reps = (int)json_integer_value(json_object_get(m, "replicas"));
        for (int r = 0; r < reps; r++) {
            pf_task_plan *p = &(*plans)[*n];
            peers[*n] = (peer){.role = role, .index = r, .port = distributed ? free_port() : 0};
            snprintf(p->name, sizeof p->name, "%s-%s-%d", job->id, role, r);
            snprintf(p->role, sizeof p->role, "%s", role);
            p->index = r;
            (*n)++;
        }
    }
    int t = 0;
    json_array_foreach(members, i, m)
    {
        int reps = (int)json_integer_value(json_object_get(m, "replicas"));
        const char *cmd = json_string_value(json_object_get(m, "command"));
        pf_buf cb = PF_BUF_INIT;
        pf_buf_puts(&cb, cmd ? cmd : "");
        size_t ai;
        json_t *arg;
        json_array_foreach(json_object_get(m, "args"), ai, arg)
        {
            pf_buf_puts(&cb, " ");
            shell_quote(&cb, json_string_value(arg));
        }
        json_t *fs = json_object_get(m, "fs");
        pf_resources res;
        pf_resources_init(&res);
        json_t *fl = json_object_get(m, "flavour");
        pf_resources_from_flavour(json_string_value(json_object_get(fl, "cpu")),
                                  json_string_value(json_object_get(fl, "mem")), NULL, &res, e);
        for (int r = 0; r < reps; r++, t++) {
            pf_task_plan *p = &(*plans)[t];
            p->command = strdup(cb.data ? cb.data : "");
            p->workdir = fs ? fs_dir(fs) : NULL;
            p->cpu_milli = res.cpu;
            p->mem_bytes = res.memory;
            envb env = {0};
            const char *k;
            json_t *v;
            json_object_foreach(json_object_get(m, "env"), k, v)
                env_set(&env, k, json_string_value(v));
            env_set(&env, "PF_JOB_ID", job->id);
            env_set(&env, "PF_JOB_NAME", job->name ? job->name : "");
            env_set(&env, "PF_JOB_QUEUE_NAME", job->queue);
            env_set(&env, "PF_JOB_PRIORITY", job->priority);
            env_set(&env, "PF_USER_NAME", job->user);
            env_set(&env, "PF_JOB_TYPE", job->type);
            env_set(&env, "PF_JOB_FRAMEWORK", job->framework);
            env_set(&env, "PF_TASK_NAME", p->name);
            env_set(&env, "PF_TASK_ROLE", p->role);
            env_setf(&env, "PF_TASK_INDEX", "%d", p->index);
            if (p->workdir) {
                env_set(&env, "PF_WORK_DIR", p->workdir);
                env_set(&env, "PF_FS_ID", json_string_value(json_object_get(fs, "id")));
                env_set(&env, "PF_FS_NAME", json_string_value(json_object_get(fs, "name")));
            }
            size_t xi;
            json_t *x;
            json_array_foreach(json_object_get(m, "extraFS"), xi, x)
            {
                char *dir = fs_dir(x), key[160], up[128];
                env_upper_name(json_string_value(json_object_get(x, "name")), up, sizeof up);
                snprintf(key, sizeof key, "PF_EXTRA_FS_%s", up);
                if (dir) env_set(&env, key, dir);
                free(dir);
            }
            if (distributed) distributed_env(&env, job, peers, *n, t);
            p->env = env.v ? env.v : calloc(1, sizeof(char *));
        }
        pf_buf_free(&cb);
    }
    free(peers);
    return 0;
}

void pf_job_plans_free(pf_task_plan *plans, int n)
{
    for (int i = 0; i < n; i++) {
        free(plans[i].command);
        free(plans[i].workdir);
        for (char **v = plans[i].env; v && *v; v++) free(*v);
        free(plans[i].env);
    }
    free(plans);
}
