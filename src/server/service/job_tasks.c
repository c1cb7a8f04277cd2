/* job_tasks.c — task plans: one process per replica. Every task gets the job's identity in
 * PF_* variables; distributed tasks also get a loopback port of their own and the rendezvous
 * variables of their framework (what paddle-operator / PaddlePaddle's launcher, kubeflow's
 * PyTorchJob and TFJob, MXNet's ps-lite and Spark's spark-submit read), so that replicas
 * really find each other on one machine. docs/jobs.md lists every variable.
 *
 * Ports come from below the kernel's ephemeral range: an outgoing connection of any process
 * (even of a replica of the same job) takes an ephemeral source port, and could otherwise grab
 * a port handed to a replica that has not bound it yet. All ports of one plan are held bound
 * until the plan is complete, so they are distinct; consecutive plans walk on through the
 * range, so the next job does not get a port that a starting replica has not bound yet. */
#include "server/service/job_tasks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"

void pf_job_shape_of(const json_t *config, pf_job_shape *out)
{
    pf_error e;
    pf_resources need;
    pf_resources_init(&need);
    const json_t *members = json_object_get(config, "members");
    out->nroles = 0;
    if (!(out->roles = calloc(json_array_size(members) + 1, sizeof *out->roles))) abort();
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        json_t *f = json_object_get(m, "flavour");
        json_int_t replicas = json_integer_value(json_object_get(m, "replicas"));
        pf_resources one;
        if (pf_resources_from_flavour(json_string_value(json_object_get(f, "cpu")),
                                      json_string_value(json_object_get(f, "mem")),
                                      json_object_get(f, "scalarResources"), &one, &e) == 0)
            pf_resources_add(&need, &one, replicas, &e);
        pf_job_role *r = &out->roles[out->nroles++];
        const char *role = json_string_value(json_object_get(m, "role"));
        snprintf(r->role, sizeof r->role, "%s", role ? role : "");
        r->replicas = (int)replicas;
    }
    pf_res_pack(&need, &out->need);
}

void pf_job_shape_clear(pf_job_shape *s)
{
    pf_res_packed_free(&s->need);
    free(s->roles);
    memset(s, 0, sizeof *s);
}

/* The roles that do the work and end by themselves; the others serve them (pservers, a ps-lite
 * scheduler, ray/mpi workers, spark executors) and are stopped once the work is done. */
bool pf_role_completes_job(const char *framework, const char *role)
{
    if (strcmp(framework, "spark") == 0) return strcmp(role, "driver") == 0;
    if (strcmp(framework, "ray") == 0 || strcmp(framework, "mpi") == 0)
        return strcmp(role, "master") == 0;
    if (strcmp(framework, "pytorch") == 0) return true; /* every replica is a rank */
    if (strcmp(framework, "tensorflow") == 0) /* chief and workers; ps servers never end */
        return strcmp(role, "worker") == 0 || strcmp(role, "master") == 0;
    return strcmp(role, "worker") == 0;
}

/* ---- ports ---- */

#define PORT_FLOOR 10000 /* lowest port handed out */
#define PORT_HOLD 256    /* sockets held open at once while planning */

/* [lo, hi) below the ephemeral range, or lo == hi when there is no room (use the kernel's). */
static void port_range(int *lo, int *hi)
{
    int eph_lo = 32768, eph_hi = 60999;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%d %d", &eph_lo, &eph_hi) != 2) eph_lo = 32768;
        fclose(f);
    }
    *lo = PORT_FLOOR;
    *hi = eph_lo > PORT_FLOOR + 1000 ? eph_lo : PORT_FLOOR;
}

/* Binds 127.0.0.1:port (0 = the kernel's pick); the bound port, or 0. *fd stays open. */
static int bind_port(int port, int *fd)
{
    *fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*fd < 0) return 0;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(*fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(*fd, (struct sockaddr *)&a, &len) == 0)
        return ntohs(a.sin_port);
    close(*fd);
    *fd = -1;
    return 0;
}

static bool port_taken(const int *ports, int n, int port)
{
    for (int i = 0; i < n; i++)
        if (ports[i] == port) return true;
    return false;
}

/* Where the next probe starts. The one piece of process state here, on purpose: a port handed
 * to a job is only bound once its task runs, so a plan made meanwhile (the next job) must not
 * probe it again; walking on from where the last plan stopped reuses a port only after the
 * whole range went round. Random at first, so that a restarted server does not hand out the
 * ports its still-running tasks were given. */
static _Atomic unsigned port_cursor;

static unsigned next_probe(void)
{
    unsigned seed = 0;
    if (atomic_load(&port_cursor) == 0) {
        if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = (unsigned)getpid();
        unsigned zero = 0;
        atomic_compare_exchange_strong(&port_cursor, &zero, seed | 1u);
    }
    return atomic_fetch_add(&port_cursor, 1u);
}

/* n distinct free loopback ports. */
static void pick_ports(int *ports, int n)
{
    int lo, hi, held[PORT_HOLD], nheld = 0;
    port_range(&lo, &hi);
    int span = hi - lo, probed = 0;
    for (int i = 0; i < n; i++) {
        if (nheld == PORT_HOLD) {
            while (nheld)
                close(held[--nheld]);
        }
        ports[i] = 0;
        int fd = -1;
        while (!ports[i] && span > 0 && probed < span) { /* walk the range */
            int port = lo + (int)(next_probe() % (unsigned)span);
            probed++;
            if (!port_taken(ports, i, port)) ports[i] = bind_port(port, &fd);
        }
        for (int tries = 0; !ports[i] && tries < 16; tries++) { /* range exhausted: the kernel's */
            int port = bind_port(0, &fd);
            if (port && port_taken(ports, i, port)) {
                close(fd);
                fd = -1;
                port = 0;
            }
            ports[i] = port;
        }
        if (fd >= 0) held[nheld++] = fd;
    }
    while (nheld)
        close(held[--nheld]);
}

/* ---- environment lists ---- */

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
        if (!e->v) abort();
    }
    if (asprintf(&e->v[e->n++], "%s=%s", k, v) < 0) abort();
    e->v[e->n] = NULL;
}

static void env_setf(envb *e, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void env_setf(envb *e, const char *k, const char *fmt, ...)
{
    char buf[512]; /* short values only; lists go through env_set */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    env_set(e, k, buf);
}

static void env_set_buf(envb *e, const char *k, pf_buf *b)
{
    env_set(e, k, b->data ? b->data : "");
    pf_buf_reset(b);
}

static void env_upper_name(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++) {
        char c = in[i];
        bool keep = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : keep ? c : '_';
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

/* ---- the replicas of a distributed job ---- */

typedef struct peer {
    const json_t *member;
    const char *role;
    int index; /* within its member */
    int port;
    int64_t cpu, mem; /* the member's flavour */
} peer;

typedef struct cluster {
    const pf_job_row *job;
    peer *p;
    int n;
    /* the same for every task, built once per plan (a job may have thousands of replicas) */
    char *all;                         /* PF_TASK_ENDPOINTS */
    char *workers, *worker_hosts, *ps; /* paddle lists */
    char *tf_cluster;                  /* TF_CONFIG's "cluster" object */
} cluster;

typedef bool (*role_pred)(const char *role);

static bool is_worker(const char *r)
{
    return strcmp(r, "worker") == 0;
}
static bool is_pserver(const char *r)
{
    return strcmp(r, "pserver") == 0;
}
static bool is_master(const char *r)
{
    return strcmp(r, "master") == 0;
}
static bool is_executor(const char *r)
{
    return strcmp(r, "executor") == 0;
}
static bool is_driver(const char *r)
{
    return strcmp(r, "driver") == 0;
}
/* paddle's PS side: pserver, and master (validation accepts it; upstream shows ps pods as
 * "master") */
static bool is_paddle_ps(const char *r)
{
    return is_pserver(r) || is_master(r);
}

static int count_of(const cluster *c, role_pred is)
{
    int k = 0;
    for (int i = 0; i < c->n; i++)
        k += is(c->p[i].role);
    return k;
}

/* Position of task t among the tasks matching is (member order). */
static int rank_in(const cluster *c, role_pred is, int t)
{
    int k = 0;
    for (int i = 0; i < t; i++)
        k += is(c->p[i].role);
    return k;
}

/* The first task matching is, or -1. */
static int first_of(const cluster *c, role_pred is)
{
    for (int i = 0; i < c->n; i++)
        if (is(c->p[i].role)) return i;
    return -1;
}

/* "127.0.0.1:p1,127.0.0.1:p2" of the tasks matching is; hosts_only: "127.0.0.1,…". */
static char *join(const cluster *c, role_pred is, bool hosts_only)
{
    pf_buf b = PF_BUF_INIT;
    bool first = true;
    for (int i = 0; i < c->n; i++) {
        if (!is(c->p[i].role)) continue;
        if (hosts_only)
            pf_buf_printf(&b, "%s127.0.0.1", first ? "" : ",");
        else
            pf_buf_printf(&b, "%s127.0.0.1:%d", first ? "" : ",", c->p[i].port);
        first = false;
    }
    return pf_buf_steal(&b);
}

/* paddle-operator's pod env + configmap, with a port per replica instead of a pod IP each. */
static void paddle_env(envb *env, const cluster *c, int t)
{
    const peer *me = &c->p[t];
    bool ps = is_paddle_ps(me->role);
    env_set(env, "PADDLE_JOB_ID", c->job->id);
    env_setf(env, "PADDLE_PORT", "%d", me->port);
    env_setf(env, "PADDLE_CURRENT_ENDPOINT", "127.0.0.1:%d", me->port);
    env_set(env, "TRAINER_PORTS_NUM", "1");
    env_setf(env, "PADDLE_TRAINERS_NUM", "%d", count_of(c, is_worker));
    env_set(env, "PADDLE_TRAINER_ENDPOINTS", c->workers);
    env_set(env, "PADDLE_TRAINERS", c->worker_hosts);
    env_set(env, "PADDLE_PSERVERS_IP_PORT_LIST", c->ps);
    env_set(env, "PADDLE_PSERVER_ENDPOINTS", c->ps);
    env_set(env, "TRAINING_ROLE", ps ? "PSERVER" : "TRAINER");
    env_set(env, "PADDLE_TRAINING_ROLE", ps ? "PSERVER" : "TRAINER");
    /* as paddle-operator: every replica's PADDLE_TRAINER_ID is its index in its role list */
    int rank = rank_in(c, ps ? is_paddle_ps : is_worker, t);
    env_setf(env, "PADDLE_TRAINER_ID", "%d", rank);
    if (ps) env_setf(env, "PADDLE_PSERVER_ID", "%d", rank);
}

/* kubeflow PyTorchJob: rank 0 is the master (the TCPStore host), then pservers, then workers;
 * every replica is in the world. */
static int torch_rank(const cluster *c, int t)
{
    const char *role = c->p[t].role;
    if (is_master(role)) return rank_in(c, is_master, t);
    if (is_pserver(role)) return count_of(c, is_master) + rank_in(c, is_pserver, t);
    return count_of(c, is_master) + count_of(c, is_pserver) + rank_in(c, is_worker, t);
}

static void pytorch_env(envb *env, const cluster *c, int t)
{
    int master = first_of(c, is_master); /* rank 0 */
    if (master < 0) master = first_of(c, is_pserver);
    if (master < 0) master = first_of(c, is_worker);
    env_set(env, "MASTER_ADDR", "127.0.0.1");
    env_setf(env, "MASTER_PORT", "%d", master >= 0 ? c->p[master].port : 0);
    env_setf(env, "WORLD_SIZE", "%d", c->n);
    env_setf(env, "RANK", "%d", torch_rank(c, t));
}

/* kubeflow TFJob's TF_CONFIG: pserver → ps, master → chief, worker → worker. */
static const role_pred TF_ROLES[] = {is_pserver, is_master, is_worker};
static const char *const TF_NAMES[] = {"ps", "chief", "worker"};

static char *tf_cluster(const cluster *c)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "{");
    bool first = true;
    for (int r = 0; r < 3; r++) {
        if (!count_of(c, TF_ROLES[r])) continue;
        pf_buf_printf(&b, "%s\"%s\":[", first ? "" : ",", TF_NAMES[r]);
        bool f2 = true;
        for (int i = 0; i < c->n; i++)
            if (TF_ROLES[r](c->p[i].role)) {
                pf_buf_printf(&b, "%s\"127.0.0.1:%d\"", f2 ? "" : ",", c->p[i].port);
                f2 = false;
            }
        pf_buf_puts(&b, "]");
        first = false;
    }
    pf_buf_puts(&b, "}");
    return pf_buf_steal(&b);
}

static void tensorflow_env(envb *env, const cluster *c, int t, pf_buf *b)
{
    int mine = 2;
    for (int r = 0; r < 3; r++)
        if (TF_ROLES[r](c->p[t].role)) mine = r;
    pf_buf_printf(b,
                  "{\"cluster\":%s,\"task\":{\"type\":\"%s\",\"index\":%d},"
                  "\"environment\":\"cloud\"}",
                  c->tf_cluster, TF_NAMES[mine], rank_in(c, TF_ROLES[mine], t));
    env_set_buf(env, "TF_CONFIG", b);
}

/* MXNet's ps-lite (DMLC_*): master → scheduler, pserver → server, worker → worker. */
static void mxnet_env(envb *env, const cluster *c, int t)
{
    const char *role = c->p[t].role;
    int root = first_of(c, is_master);
    if (root < 0) root = 0;
    env_set(env, "DMLC_ROLE",
            is_master(role)    ? "scheduler"
            : is_pserver(role) ? "server"
                               : "worker");
    env_set(env, "DMLC_PS_ROOT_URI", "127.0.0.1");
    env_setf(env, "DMLC_PS_ROOT_PORT", "%d", c->p[root].port);
    env_setf(env, "DMLC_NUM_SERVER", "%d", count_of(c, is_pserver));
    env_setf(env, "DMLC_NUM_WORKER", "%d", count_of(c, is_worker));
    env_set(env, "DMLC_NODE_HOST", "127.0.0.1");
}

/* Spark's memory notation (JavaUtils.byteStringAsBytes): 1g, 1536m, 100k. */
static void spark_mem(int64_t bytes, char *out, size_t n)
{
    const int64_t k = 1024, m = k * k, g = m * k;
    if (bytes > 0 && bytes % g == 0)
        snprintf(out, n, "%lldg", (long long)(bytes / g));
    else if (bytes > 0 && bytes % m == 0)
        snprintf(out, n, "%lldm", (long long)(bytes / m));
    else
        snprintf(out, n, "%lldk", (long long)((bytes + k - 1) / k));
}

static int64_t cores_of(int64_t milli)
{
    int64_t cores = (milli + 999) / 1000;
    return cores > 0 ? cores : 1;
}

static bool has_command(const json_t *member)
{
    const char *cmd = json_string_value(json_object_get(member, "command"));
    return (cmd && *cmd) || json_array_size(json_object_get(member, "args")) > 0;
}

/* Spark in local mode: the executors are threads of the driver (local[N], N = executors ×
 * executor cores); what spark-submit reads from the environment describes the application. */
static void spark_env(envb *env, const cluster *c)
{
    int d = first_of(c, is_driver), x = first_of(c, is_executor);
    int64_t threads = 0;
    for (int i = 0; i < c->n; i++)
        if (is_executor(c->p[i].role)) threads += cores_of(c->p[i].cpu);
    if (!threads) threads = d >= 0 ? cores_of(c->p[d].cpu) : 1;
    char mem[64];
    env_setf(env, "SPARK_EXECUTOR_INSTANCES", "%d", count_of(c, is_executor));
    if (x >= 0) {
        env_setf(env, "SPARK_EXECUTOR_CORES", "%lld", (long long)cores_of(c->p[x].cpu));
        spark_mem(c->p[x].mem, mem, sizeof mem);
        env_set(env, "SPARK_EXECUTOR_MEMORY", mem);
    }
    if (d >= 0) {
        env_setf(env, "SPARK_DRIVER_CORES", "%lld", (long long)cores_of(c->p[d].cpu));
        spark_mem(c->p[d].mem, mem, sizeof mem);
        env_set(env, "SPARK_DRIVER_MEMORY", mem);
        env_setf(env, "SPARK_DRIVER_ENDPOINT", "127.0.0.1:%d", c->p[d].port);
    }
    env_setf(env, "PF_SPARK_MASTER", "local[%lld]", (long long)threads);
    env_setf(env, "MASTER", "local[%lld]", (long long)threads); /* spark-submit's fallback */
    env_set(env, "SPARK_LOCAL_IP", "127.0.0.1");
}

/* Framework rendezvous variables for task t of cluster c. */
static void distributed_env(envb *env, const cluster *c, int t)
{
    const char *fw = c->job->framework;
    pf_buf b = PF_BUF_INIT;
    const char *mode =
        json_string_value(json_object_get(json_object_get(c->job->config, "env"), "PF_JOB_MODE"));
    if (mode && *mode) env_set(env, "PF_JOB_MODE", mode);
    env_setf(env, "PF_TASK_ENDPOINT", "127.0.0.1:%d", c->p[t].port);
    env_set(env, "PF_TASK_ENDPOINTS", c->all);
    env_setf(env, "PF_TASK_NUM", "%d", c->n);
    env_set(env, "POD_IP", "127.0.0.1");
    if (!strcmp(fw, "paddle") || !strcmp(fw, "aitj"))
        paddle_env(env, c, t);
    else if (!strcmp(fw, "pytorch"))
        pytorch_env(env, c, t);
    else if (!strcmp(fw, "tensorflow"))
        tensorflow_env(env, c, t, &b);
    else if (!strcmp(fw, "mxnet"))
        mxnet_env(env, c, t);
    else if (!strcmp(fw, "spark"))
        spark_env(env, c);
    pf_buf_free(&b);
}

/* The port of "<role>-<index>" in a recorded PF_TASK_ENDPOINTS value, 0 if absent. */
static int recorded_port(const char *endpoints, const char *role, int index)
{
    char key[64];
    int kl = snprintf(key, sizeof key, "%s-%d=", role, index);
    for (const char *p = endpoints; p && *p;) {
        if (strncmp(p, key, (size_t)kl) == 0) {
            const char *colon = strchr(p + kl, ':');
            return colon ? atoi(colon + 1) : 0;
        }
        p = strchr(p, ',');
        if (p) p++;
    }
    return 0;
}

/* Ports for every replica (recorded ones first), and the lists every task shares. */
static void cluster_prepare(cluster *c, const char *endpoints)
{
    int *ports = calloc((size_t)c->n + 1, sizeof *ports);
    if (!ports) abort();
    bool all_recorded = endpoints && *endpoints;
    for (int t = 0; all_recorded && t < c->n; t++)
        all_recorded = (ports[t] = recorded_port(endpoints, c->p[t].role, c->p[t].index)) > 0;
    if (!all_recorded) pick_ports(ports, c->n);
    for (int t = 0; t < c->n; t++)
        c->p[t].port = ports[t];
    free(ports);
    pf_buf b = PF_BUF_INIT;
    for (int i = 0; i < c->n; i++)
        pf_buf_printf(&b, "%s%s-%d=127.0.0.1:%d", i ? "," : "", c->p[i].role, c->p[i].index,
                      c->p[i].port);
    c->all = pf_buf_steal(&b);
    c->workers = join(c, is_worker, false);
    c->worker_hosts = join(c, is_worker, true);
    c->ps = join(c, is_paddle_ps, false);
    c->tf_cluster = tf_cluster(c);
}

static void cluster_free(cluster *c)
{
    free(c->all);
    free(c->workers);
    free(c->worker_hosts);
    free(c->ps);
    free(c->tf_cluster);
    free(c->p);
}

/* ---- plans ---- */

/* The member's command line: command + shell-quoted args. A spark driver without a command
 * but with PF_JOB_SPARK_MAIN_FILE (upstream's SparkApplication fields) runs spark-submit. */
static char *command_line(const pf_job_row *job, const json_t *m)
{
    pf_buf cb = PF_BUF_INIT;
    const char *cmd = json_string_value(json_object_get(m, "command"));
    const char *role = json_string_value(json_object_get(m, "role"));
    const json_t *env = json_object_get(m, "env");
    const char *main_file = json_string_value(json_object_get(env, "PF_JOB_SPARK_MAIN_FILE"));
    if ((!cmd || !*cmd) && !strcmp(job->framework, "spark") && role && is_driver(role) &&
        main_file && *main_file)
        cmd = "set -f; exec \"${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit\" --master \"$MASTER\" "
              "--name \"$PF_JOB_ID\" ${PF_JOB_SPARK_MAIN_CLASS:+--class "
              "\"$PF_JOB_SPARK_MAIN_CLASS\"} \"$PF_JOB_SPARK_MAIN_FILE\" $PF_JOB_SPARK_ARGUMENTS";
    pf_buf_puts(&cb, cmd ? cmd : "");
    size_t ai;
    json_t *arg;
    json_array_foreach(json_object_get(m, "args"), ai, arg)
    {
        pf_buf_puts(&cb, " ");
        shell_quote(&cb, json_string_value(arg));
    }
    return pf_buf_steal(&cb);
}

/* PF_* identity of the job and task, the member's env, and its filesystems. */
static void base_env(envb *env, const pf_job_row *job, const json_t *m, const pf_task_plan *p)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "env"), k, v) env_set(env, k, json_string_value(v));
    env_set(env, "PF_JOB_ID", job->id);
    env_set(env, "PF_JOB_NAME", job->name ? job->name : "");
    env_set(env, "PF_JOB_QUEUE_NAME", job->queue);
    env_set(env, "PF_JOB_PRIORITY", job->priority);
    env_set(env, "PF_USER_NAME", job->user);
    env_set(env, "PF_JOB_TYPE", job->type);
    env_set(env, "PF_JOB_FRAMEWORK", job->framework);
    env_set(env, "PF_TASK_NAME", p->name);
    env_set(env, "PF_TASK_ROLE", p->role);
    env_setf(env, "PF_TASK_INDEX", "%d", p->index);
    json_t *fs = json_object_get(m, "fs");
    if (p->workdir) {
        env_set(env, "PF_WORK_DIR", p->workdir);
        env_set(env, "PF_FS_ID", json_string_value(json_object_get(fs, "id")));
        env_set(env, "PF_FS_NAME", json_string_value(json_object_get(fs, "name")));
    }
    size_t xi;
    json_t *x;
    json_array_foreach(json_object_get(m, "extraFS"), xi, x)
    {
        char *dir = fs_dir(x), key[160], up[128];
        const char *name = json_string_value(json_object_get(x, "name"));
        env_upper_name(name ? name : "", up, sizeof up);
        snprintf(key, sizeof key, "PF_EXTRA_FS_%s", up);
        if (dir) env_set(env, key, dir);
        free(dir);
    }
}

/* Spark's local mode runs the executors inside the driver: the driver's cgroup also gets the
 * cpu and memory of the executors that have no process of their own. */
static void spark_driver_resources(const cluster *c, pf_task_plan *plans)
{
    int d = first_of(c, is_driver);
    if (d < 0) return;
    for (int i = 0; i < c->n; i++)
        if (is_executor(c->p[i].role) && !has_command(c->p[i].member)) {
            plans[d].cpu_milli += c->p[i].cpu;
            plans[d].mem_bytes += c->p[i].mem;
        }
}

int pf_job_plan_tasks(const pf_job_row *job, const char *endpoints, pf_task_plan **plans, int *n,
                      char **endpoints_out, pf_error *e)
{
    (void)e;
    json_t *members = json_object_get(job->config, "members");
    int total = 0;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        json_int_t reps = json_integer_value(json_object_get(m, "replicas"));
        total += reps > 0 ? (int)reps : 0;
    }
    *plans = calloc((size_t)total + 1, sizeof **plans);
    cluster c = {.job = job, .p = calloc((size_t)total + 1, sizeof(peer)), .n = 0};
    if (!*plans || !c.p) abort();
    json_array_foreach(members, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        int reps = (int)json_integer_value(json_object_get(m, "replicas"));
        json_t *fl = json_object_get(m, "flavour");
        pf_resources res;
        pf_error fe;
        pf_resources_init(&res);
        pf_resources_from_flavour(json_string_value(json_object_get(fl, "cpu")),
                                  json_string_value(json_object_get(fl, "mem")), NULL, &res, &fe);
        for (int r = 0; r < reps; r++) {
            pf_task_plan *p = &(*plans)[c.n];
            c.p[c.n] = (peer){.member = m,
                              .role = role ? role : "",
                              .index = r,
                              .cpu = res.cpu,
                              .mem = res.memory};
            snprintf(p->name, sizeof p->name, "%s-%s-%d", job->id, c.p[c.n].role, r);
            snprintf(p->role, sizeof p->role, "%s", c.p[c.n].role);
            p->index = r;
            p->cpu_milli = res.cpu;
            p->mem_bytes = res.memory;
            json_t *fs = json_object_get(m, "fs");
            p->workdir = fs ? fs_dir(fs) : NULL;
            p->command = command_line(job, m);
            c.n++;
        }
    }
    *n = c.n;
    bool distributed = strcmp(job->type, "distributed") == 0;
    if (endpoints_out) *endpoints_out = NULL;
    if (distributed) {
        cluster_prepare(&c, endpoints);
        if (endpoints_out) *endpoints_out = strdup(c.all);
        if (!strcmp(job->framework, "spark")) spark_driver_resources(&c, *plans);
    }
    for (int t = 0; t < c.n; t++) {
        envb env = {0};
        base_env(&env, job, c.p[t].member, &(*plans)[t]);
        if (distributed) distributed_env(&env, &c, t);
        (*plans)[t].env = env.v ? env.v : calloc(1, sizeof(char *));
    }
    cluster_free(&c);
    return 0;
}

void pf_job_plans_free(pf_task_plan *plans, int n)
{
    for (int i = 0; i < n; i++) {
        free(plans[i].command);
        free(plans[i].workdir);
        for (char **v = plans[i].env; v && *v; v++)
            free(*v);
        free(plans[i].env);
    }
    free(plans);
}
