/* job_create.c — POST /job/{single,distributed,workflow}: the validation order and messages
 * of api.md §3.2 (every failure is 400 JobCreateFailed), flavour resolution and static
 * admission (§3.1, §7.3, D9, D13), filesystems (§6.6), then one durable insert. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/ids.h"
#include "base/json.h"
#include "base/resources.h"
#include "base/timeutil.h"
#include "model/job_request.h"
#include "model/status.h"
#include "server/sched/sched.h"
#include "server/service/jobs.h"
#include "server/service/jobs_internal.h"
#include "server/service/manager.h"
#include "server/service/users.h"
#include "server/store/filesystems.h"
#include "server/store/flavours.h"
#include "server/store/jobs.h"
#include "server/store/queues.h"
#include "server/store/store.h"

#define FAIL(...) pf_fail(e, "JobCreateFailed", __VA_ARGS__)

static const char *sp_get(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(json_object_get(o, "schedulingPolicy"), k));
}

/* §3.1 flavour resolution. Replaces the member's flavour object by the resolved one
 * {cpu, mem, scalarResources?, name} and fills res. */
static int resolve_flavour(sqlite3 *db, json_t *holder, const char *key, pf_resources *res,
                           pf_error *e)
{
    json_t *f = json_object_get(holder, key);
    const char *name = json_string_value(json_object_get(f, "name"));
    const char *cpu = json_string_value(json_object_get(f, "cpu"));
    const char *mem = json_string_value(json_object_get(f, "mem"));
    json_t *scalars = json_object_get(f, "scalarResources");
    pf_flavour fl;
    memset(&fl, 0, sizeof fl);
    bool custom = !name || !*name || strcmp(name, "customFlavour") == 0;
    if (!custom) {
        int rc = pf_flavour_get(db, name, &fl, e);
        if (rc < 0) return -1;
        if (rc == 1) return FAIL("get flavour[%s] failed, err:record not found", name);
        cpu = fl.cpu, mem = fl.mem, scalars = fl.scalar;
    } else {
        /* D9: only the missing one of cpu/mem takes its default */
        if (!cpu || !*cpu) cpu = "1";
        if (!mem || !*mem) mem = "1Gi";
    }
    json_t *out = json_object();
    json_object_set_new(out, "cpu", json_string(cpu));
    json_object_set_new(out, "mem", json_string(mem));
    if (json_object_size(scalars)) json_object_set(out, "scalarResources", scalars);
    json_object_set_new(out, "name", json_string(name ? name : ""));
    int rc = pf_resources_from_flavour(cpu, mem, scalars, res, e);
    json_decref(fl.scalar);
    if (rc != 0) {
        json_decref(out);
        char msg[PF_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", e->message);
        return FAIL("validate flavour[%s] failed, err: %s", name ? name : "", msg);
    }
    if (res->cpu <= 0 || res->memory <= 0 || pf_resources_has_negative(res)) {
        json_decref(out);
        if (res->cpu < 0 || res->memory < 0 || pf_resources_has_negative(res))
            return FAIL("flavour[%s] resources cannot be negative", name ? name : "");
        return FAIL("flavour[%s] cpu or memory is empty", name ? name : "");
    }
    json_object_set_new(holder, key, out);
    return 0;
}

/* §3.2 step 7 for one member: limit flavour, flavour, × replicas. */
static int member_resources(sqlite3 *db, json_t *m, pf_resources *total, pf_error *e)
{
    pf_resources req;
    if (resolve_flavour(db, m, "flavour", &req, e) != 0) return -1;
    const char *limit = json_string_value(json_object_get(json_object_get(m, "env"),
                                                          "PF_JOB_LIMIT_FLAVOUR"));
    if (limit && *limit && strcasecmp(limit, "NONE") != 0) {
        json_t *lf = json_pack("{s:s}", "name", limit);
        json_object_set_new(m, "limitFlavour", lf);
        pf_resources lim;
        if (resolve_flavour(db, m, "limitFlavour", &lim, e) != 0) return -1;
        if (!pf_resources_less_equal(&req, &lim)) {
            char a[PF_RESOURCES_TEXT_MAX], b[PF_RESOURCES_TEXT_MAX];
            pf_resources_text(&req, a, sizeof a);
            pf_resources_text(&lim, b, sizeof b);
            return FAIL("request [%s] is greater than limit [%s]", a, b);
        }
    }
    long long replicas = json_integer_value(json_object_get(m, "replicas"));
    if (pf_resources_add(total, &req, replicas > 0 ? replicas : 0, e) != 0) {
        char msg[PF_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", e->message);
        return FAIL("%s", msg);
    }
    return 0;
}

static int admit_static(const pf_queue *q, const pf_resources *total, pf_error *e)
{
    if (getenv("PF_SKIP_RESOURCE_VALIDATE")) return 0;
    if (strcmp(q->quota_type, "volcanoCapabilityQuota") == 0 && !pf_resources_has_positive(&q->max))
        return 0;
    if (pf_resources_is_zero(total) || pf_resources_less_equal(total, &q->max)) return 0;
    char a[PF_RESOURCES_TEXT_MAX], b[PF_RESOURCES_TEXT_MAX];
    pf_resources_text(total, a, sizeof a);
    pf_resources_text(&q->max, b, sizeof b);
    return FAIL("the flavour[%s] is larger than queue's [%s]", a, b);
}

/* Lexically cleans a path and tells whether it escapes its root via "..". */
static bool path_escapes(const char *p)
{
    int depth = 0;
    const char *s = p;
    while (*s) {
        while (*s == '/') s++;
        const char *end = strchr(s, '/');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (--depth < 0) return true;
        } else if (n && !(n == 1 && s[0] == '.')) {
            depth++;
        }
        s += n;
    }
    return false;
}

/* §6.6: one fs entry. prefix distinguishes the main fs and extraFS in messages. */
static int resolve_fs(sqlite3 *db, const char *user, json_t *fs, const char *prefix, pf_error *e)
{
    const char *name = json_string_value(json_object_get(fs, "name"));
    if (!name || !*name) return 0;
    const char *id = json_string_value(json_object_get(fs, "id"));
    char idbuf[256];
    if (!id || !*id) {
        snprintf(idbuf, sizeof idbuf, "fs-%s-%s", user, name);
        id = idbuf;
    }
    pf_fs f;
    memset(&f, 0, sizeof f);
    int rc = pf_fs_get(db, id, &f, e);
    if (rc < 0) return -1;
    json_decref(f.properties); /* only the columns below are needed */
    f.properties = NULL;
    if (rc == 1 || (strcmp(f.user, user) != 0 && strcmp(user, "root") != 0))
        return FAIL("%sfind file system %s failed, err: record not found", prefix, name);
    const char *mp = json_string_value(json_object_get(fs, "mountPath"));
    char mpbuf[512];
    if (!mp || !*mp) {
        snprintf(mpbuf, sizeof mpbuf, "/home/paddleflow/storage/mnt/%s", f.id);
        mp = mpbuf;
    } else {
        const char *t = mp;
        while (*t == '/' || *t == '.') t++;
        if (*t == '\0')
            return FAIL("%smountPath cannot be '/' in fsName: %s fsID: %s, got %s", prefix, name,
                        f.id, mp);
    }
    const char *sub = json_string_value(json_object_get(fs, "subPath"));
    if (sub && (sub[0] == '/' || path_escapes(sub)))
        return FAIL("%ssubPath %s must be a relative path inside file system %s", prefix, sub,
                    name);
    json_t *out = json_object();
    json_object_set_new(out, "id", json_string(f.id));
    json_object_set_new(out, "name", json_string(f.name));
    json_object_set_new(out, "type", json_string(f.type));
    json_object_set_new(out, "hostPath", json_string(f.host_path));
    json_object_set_new(out, "mountPath", json_string(mp));
    if (sub) json_object_set_new(out, "subPath", json_string(sub));
    json_object_set(out, "readOnly", json_object_get(fs, "readOnly") ? json_object_get(fs, "readOnly")
                                                                     : json_false());
    json_object_update(fs, out);
    json_decref(out);
    return 0;
}

static int member_fs(sqlite3 *db, const char *user, json_t *m, pf_error *e)
{
    json_t *fs = json_object_get(m, "fs");
    if (fs && resolve_fs(db, user, fs, "validateFileSystem failed, err: ", e)) return -1;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(m, "extraFS"), i, x)
    {
        if (resolve_fs(db, user, x, "validate extraFileSystems failed, err: ", e)) return -1;
    }
    return 0;
}

static int member_queue(const json_t *m, const char *queue, pf_error *e)
{
    const char *mq = sp_get(m, "queue");
    if (mq && *mq && strcmp(mq, queue) != 0)
        return FAIL("schedulingPolicy.Queue should be the same, there are %s and %s", queue, mq);
    return 0;
}

/* A create between validation and its commit. */
typedef struct create_op {
    pf_app *app;
    pf_job_row row;     /* config NULL once the shape is taken (not for workflows) */
    char *config_text;  /* the spec dumped, on the HTTP loop rather than the writer */
    json_t *labels;     /* the spec's labels (object or NULL), for the label table */
    pf_job_shape shape; /* what the manager needs of the spec */
    bool generated_id; /* the server chose the id: a clash is retried with a new one */
    pf_job_created_fn done;
    void *arg;
} create_op;

/* A deleted job that had this id may have left files (until retention removes them): they go
 * now, inside the insert's transaction, so that no task of the new job can adopt one of
 * them, even after a crash. Rare: only when an id is taken again. */
static int remove_leftovers(pf_app *app, sqlite3 *db, const char *id, pf_error *e)
{
    json_t *names = pf_job_deleted_task_names(db, id, e);
    if (!names) return -1;
    size_t i;
    json_t *n;
    int rc = 0;
    json_array_foreach(names, i, n)
    {
        pf_error why;
        if (rc == 0 && pf_cleanup_task_files(app, json_string_value(n), &why) != 0)
            rc = pf_fail(e, "JobCreateFailed",
                         "job id %s belonged to a deleted job whose files cannot be removed yet "
                         "(%s); retry later or choose another id",
                         id, why.message);
    }
    json_decref(names);
    return rc;
}

static int insert_job(sqlite3 *db, void *arg, pf_error *e)
{
    create_op *op = arg;
    for (int tries = 1;; tries++) {
        int rc = pf_job_insert(db, &op->row, op->config_text, op->labels, e);
        if (rc == 0) return remove_leftovers(op->app, db, op->row.id, e);
        if (!op->generated_id || tries == 3 || strcmp(e->code, "JobCreateFailed") != 0)
            return rc;
        pf_job_id(op->row.id);
    }
}

static void on_committed(void *arg, int rc, const pf_error *e)
{
    create_op *op = arg;
    char id[sizeof op->row.id];
    memcpy(id, op->row.id, sizeof id);
    /* the manager hears of the job before its creator does: a stop sent right after the
     * answer must find it */
    if (rc == 0) pf_jobs_on_created(op->app, &op->row, &op->shape);
    op->done(op->arg, rc, id, e);
    pf_job_row_clear(&op->row);
    pf_job_shape_clear(&op->shape);
    json_decref(op->labels);
    free(op->config_text);
    free(op);
}

/* The member object of api.md §3.12, keys in upstream's order, server fields filled. */
static void finish_member(json_t *m, const json_t *req, const pf_queue *q, const char *priority)
{
    json_t *o = json_object();
    json_t *empty_flavour = json_pack("{s:s, s:s, s:s}", "cpu", "", "mem", "", "name", "");
#define KEEP(key, def)                                                                           \
    do {                                                                                         \
        json_t *v_ = json_object_get(m, key);                                                    \
        if (v_) {                                                                                \
            json_object_set(o, key, v_);                                                         \
        } else {                                                                                 \
            json_t *d_ = (def); /* evaluated once: it allocates */                              \
            if (d_) json_object_set_new(o, key, d_);                                             \
        }                                                                                        \
    } while (0)
    KEEP("id", json_string(""));
    KEEP("replicas", json_integer(0));
    KEEP("role", json_string(""));
    KEEP("name", json_string(""));
    KEEP("fs", json_pack("{s:s, s:s}", "name", "", "type", ""));
    KEEP("extraFS", (json_t *)NULL);
    KEEP("flavour", json_deep_copy(empty_flavour));
    KEEP("limitFlavour", json_deep_copy(empty_flavour));
    json_object_set_new(o, "priority", json_string(priority));
    json_object_set_new(o, "clusterID", json_string(q->cluster_name));
    json_object_set_new(o, "queueID", json_string(q->id));
    json_object_set_new(o, "queueName", json_string(q->name));
    json_object_set_new(o, "kindGroupVersion",
                        json_pack("{s:s, s:s, s:s}", "kind", "", "group", "", "apiVersion", ""));
    json_object_set_new(o, "labels", pf_json_or_null(json_object_get(req, "labels")));
    json_object_set_new(o, "annotations", pf_json_or_null(json_object_get(req, "annotations")));
    json_t *env = json_object_get(m, "env");
    env = env ? json_incref(env) : json_object();
    json_object_set_new(env, "PF_JOB_NAMESPACE", json_string(q->namespace_));
    json_object_set_new(o, "env", env);
    KEEP("command", (json_t *)NULL);
    KEEP("image", json_string(""));
    KEEP("port", (json_t *)NULL);
    KEEP("args", (json_t *)NULL);
#undef KEEP
    json_decref(empty_flavour);
    json_object_clear(m);
    json_object_update(m, o); /* in place: the members array keeps its element */
    json_decref(o);
}

static int validate(pf_app *app, const pf_caller *c, const char *type, json_t *req, pf_queue *q,
                    const char **mode, pf_error *e)
{
    sqlite3 *db = pf_store_reader(app->store);
    if (pf_job_request_check_basics(req, type, e)) return -1;
    const char *qname = sp_get(req, "queue");
    if (!qname || !*qname) qname = "default-queue";
    int rc = pf_queue_get_cached(app->store, qname, q, e);
    if (rc < 0) return -1;
    if (rc == 1) return FAIL("get queue failed when creating job, err=record not found");
    if (strcmp(q->status, "open") != 0)
        return FAIL("queue[%s] status is %s, and only queue with open status can submit jobs",
                    q->name, q->status);
    if (!c->root && strcmp(q->name, "default-queue") != 0 &&
        !pf_grants_has(app, c->name, "queue", q->name))
        return FAIL("user %s has no grant for queue %s: ask root to run `paddleflow queue grant "
                    "%s %s`, or use default-queue",
                    c->name, q->name, c->name, q->name);
    if (pf_job_request_priority(req, e)) return -1;
    *mode = "";
    if (strcmp(type, PF_JOB_WORKFLOW) == 0) {
        if (pf_jobs_check_workflow(req, e)) return -1;
        if (!json_object_get(req, "flavour")) return 0; /* nodes take the default 1 / 1Gi */
        pf_resources node;
        if (resolve_flavour(db, req, "flavour", &node, e)) return -1;
        return admit_static(q, &node, e); /* one node must fit the queue */
    }

    bool tpl = json_object_size(json_object_get(req, "extensionTemplate")) > 0;
    pf_resources total;
    pf_resources_init(&total);
    json_t *members = json_object_get(req, "members");
    size_t i;
    json_t *m;
    if (tpl && pf_job_request_check_members(req, type, mode, e)) return -1;
    json_array_foreach(members, i, m)
    {
        if (member_resources(db, m, &total, e)) return -1;
    }
    if (admit_static(q, &total, e)) return -1;
    if (!tpl) {
        json_array_foreach(members, i, m)
        {
            if (member_fs(db, c->name, m, e) || member_queue(m, q->name, e)) return -1;
        }
        if (pf_job_request_check_members(req, type, mode, e)) return -1;
    } else {
        json_array_foreach(members, i, m)
        {
            if (member_queue(m, q->name, e) || member_fs(db, c->name, m, e)) return -1;
        }
    }
    return 0;
}

/* The stored config: the job object's spec keys (§3.12) in order, members finished. */
static json_t *build_config(const char *type, json_t *req, const pf_queue *q,
                            const char *priority, const char *mode)
{
    json_t *cfg = json_object();
    json_t *members = json_object_get(req, "members");
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) finish_member(m, req, q, priority);
    json_t *single = strcmp(type, PF_JOB_SINGLE) == 0 ? json_array_get(members, 0) : NULL;
    json_object_set_new(cfg, "labels", pf_json_or_null(json_object_get(req, "labels")));
    json_object_set_new(cfg, "annotations", pf_json_or_null(json_object_get(req, "annotations")));
    json_t *empty_flavour = json_pack("{s:s, s:s, s:s}", "cpu", "", "mem", "", "name", "");
    json_t *fl = single ? json_object_get(single, "flavour")
                        : strcmp(type, PF_JOB_WORKFLOW) == 0 ? json_object_get(req, "flavour")
                                                             : NULL;
    json_object_set(cfg, "flavour", fl ? fl : empty_flavour);
    json_t *lf = single ? json_object_get(single, "limitFlavour") : NULL;
    json_object_set(cfg, "limitFlavour", lf ? lf : empty_flavour);
    json_decref(empty_flavour);
    json_t *fs = single ? json_object_get(single, "fs") : NULL;
    json_object_set_new(cfg, "fs", fs ? json_incref(fs) : json_pack("{s:s, s:s}", "name", "", "type", ""));
    json_object_set_new(cfg, "extraFS", pf_json_or_null(single ? json_object_get(single, "extraFS") : NULL));
    json_object_set_new(cfg, "image", json_string(single ? json_string_value(json_object_get(single, "image")) ? json_string_value(json_object_get(single, "image")) : "" : ""));
    json_t *env = NULL;
    if (single) {
        env = json_deep_copy(json_object_get(single, "env"));
    } else if (strcmp(type, PF_JOB_DISTRIBUTED) == 0) {
        env = json_object();
        json_object_set_new(env, "PF_JOB_NAMESPACE", json_string(q->namespace_));
    }
    if (env) json_object_set_new(env, "PF_JOB_MODE", json_string(mode));
    json_object_set_new(cfg, "env", env ? env : json_null());
    const char *cmd = single ? json_string_value(json_object_get(single, "command")) : NULL;
    json_object_set_new(cfg, "command", json_string(cmd ? cmd : ""));
    json_object_set_new(cfg, "args", pf_json_or_null(single ? json_object_get(single, "args") : NULL));
    json_t *port = single ? json_object_get(single, "port") : NULL;
    json_object_set_new(cfg, "port", json_integer(port ? json_integer_value(port) : 0));
    json_object_set_new(cfg, "extensionTemplate", pf_json_or_null(json_object_get(req, "extensionTemplate")));
    if (strcmp(type, PF_JOB_WORKFLOW) != 0) {
        json_object_set(cfg, "framework", json_object_get(req, "framework"));
        json_object_set(cfg, "members", members);
    }
    return cfg;
}

/* The row of a validated request; true when the server chose its id. */
static bool fill_row(pf_job_row *r, const pf_caller *c, const char *type, json_t *req,
                     const pf_queue *q, const char *mode)
{
    const char *priority = pf_priority_normalise(
        json_string_value(json_object_get(json_object_get(req, "schedulingPolicy"), "priority")),
        0);
    const char *id = json_string_value(json_object_get(req, "id"));
    if (id && *id)
        snprintf(r->id, sizeof r->id, "%s", id);
    else
        pf_job_id(r->id);
    snprintf(r->user, sizeof r->user, "%s", c->name);
    snprintf(r->queue, sizeof r->queue, "%s", q->name);
    snprintf(r->queue_id, sizeof r->queue_id, "%s", q->id);
    snprintf(r->type, sizeof r->type, "%s", type);
    const char *fw = json_string_value(json_object_get(req, "framework"));
    snprintf(r->framework, sizeof r->framework, "%s",
             strcmp(type, PF_JOB_WORKFLOW) == 0 ? "" : (fw ? fw : ""));
    snprintf(r->status, sizeof r->status, "%s", PF_ST_INIT);
    snprintf(r->priority, sizeof r->priority, "%s", priority);
    const char *name = json_string_value(json_object_get(req, "name"));
    r->name = strdup(name ? name : "");
    r->message = strdup("");
    r->config = build_config(type, req, q, priority, mode);
    r->created_at = pf_now_ms();
    return !(id && *id);
}

void pf_jobs_create_async(pf_app *app, const pf_caller *c, const char *type, const char *body,
                          size_t len, pf_job_created_fn done, void *arg)
{
    pf_error e;
    json_t *raw = pf_json_parse_object(body, len, &e);
    json_t *req = raw ? pf_job_request_decode(raw, type, &e) : NULL;
    json_decref(raw);
    pf_queue q;
    memset(&q, 0, sizeof q);
    const char *mode = "";
    if (!req || validate(app, c, type, req, &q, &mode, &e) != 0) {
        done(arg, -1, NULL, &e);
    } else {
        create_op *op = calloc(1, sizeof *op);
        if (!op) abort();
        op->app = app;
        op->done = done;
        op->arg = arg;
        op->generated_id = fill_row(&op->row, c, type, req, &q, mode);
        op->config_text = pf_json_dump(op->row.config);
        json_t *labels = json_object_get(op->row.config, "labels");
        op->labels = json_is_object(labels) ? json_deep_copy(labels) : NULL;
        pf_job_shape_of(op->row.config, &op->shape);
        if (strcmp(type, PF_JOB_WORKFLOW) != 0) { /* the manager parses a workflow's spec */
            json_decref(op->row.config); /* freed by the thread that made it: cheaper */
            op->row.config = NULL;
        }
        pf_store_submit(app->store, insert_job, on_committed, op);
    }
    pf_queue_clear(&q);
    json_decref(req);
}

/* pf_jobs_create: the caller's thread waits for the asynchronous create. */
typedef struct create_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    int rc;
    char *id_out;
    pf_error *e;
} create_wait;

static void create_waited(void *arg, int rc, const char *id, const pf_error *e)
{
    create_wait *w = arg;
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    if (rc == 0) snprintf(w->id_out, 64, "%s", id);
    else *w->e = *e;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int pf_jobs_create(pf_app *app, const pf_caller *c, const char *type, const char *body,
                   size_t len, char id_out[64], pf_error *e)
{
    create_wait w = {.id_out = id_out, .e = e};
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    pf_jobs_create_async(app, c, type, body, len, create_waited, &w);
    pthread_mutex_lock(&w.mu);
    while (!w.done) pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return w.rc;
}
