/* job_wf.c — running workflow jobs: the manager's side of the workflow engine
 * (src/server/workflow/). The engine decides which nodes run; each node is a task on the
 * runtime, admitted by the scheduler against the job's queue like any task (so nodes wait
 * when the quota is full). The engine state is written with every round's batch, so after
 * a restart the workflow continues without re-running finished nodes; node task names are
 * derived from the node id, so a node started just before a crash is re-adopted, not re-run. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "model/status.h"
#include "server/runtime/logread.h"
#include "server/sched/sched.h"
#include "server/service/jobs_internal.h"
#include "server/service/manager.h"
#include "server/workflow/workflow.h"

#define RESULT_MAX (256 * 1024)

int wf_job_init(job_ent *j, pf_error *e)
{
    json_t *tpl = json_object_get(j->row.config, "extensionTemplate");
    j->wf = pf_wf_parse(tpl, j->row.id, NULL, e);
    if (!j->wf) return -1;
    j->wfst = j->row.runtime ? pf_wf_state_from_json(j->row.runtime, e) : pf_wf_state_new();
    if (!j->wfst) return -1;
    if (!(j->node_need = malloc(sizeof *j->node_need))) abort();
    json_t *f = json_object_get(j->row.config, "flavour");
    const char *cpu = json_string_value(json_object_get(f, "cpu"));
    const char *mem = json_string_value(json_object_get(f, "mem"));
    if (pf_resources_from_flavour(cpu && *cpu ? cpu : "1", mem && *mem ? mem : "1Gi",
                                  json_object_get(f, "scalarResources"), j->node_need, e) != 0)
        return -1;
    /* Without a flavour the default need is only what admission counts: the nodes run
     * without limits, so without a task cgroup (whose join costs each node a ~10 ms RCU
     * grace period on cgroup v1). A flavour given is enforced. */
    j->node_limits = (cpu && *cpu) || (mem && *mem);
    snprintf(j->wf_status, sizeof j->wf_status, "%s", j->row.status);
    return 0;
}

void wf_job_free(job_ent *j)
{
    free(j->node_need);
    j->node_need = NULL;
    pf_wf_state_free(j->wfst);
    pf_wf_free(j->wf);
    j->wfst = NULL;
    j->wf = NULL;
}

int64_t wf_next_deadline(const job_ent *j)
{
    return j->wfst ? pf_wf_next_deadline(j->wfst) : INT64_MAX;
}

/* "n" + FNV-1a of the node id: a stable, dash-free task role. */
static void node_role(const char *node_id, char out[16])
{
    unsigned h = 2166136261u;
    for (const char *p = node_id; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    snprintf(out, 16, "n%08x", h);
}

static task_ent *find_node(job_ent *j, const char *node_id)
{
    for (int i = 0; i < j->ntasks; i++)
        if (strcmp(j->tasks[i].node_id, node_id) == 0) return &j->tasks[i];
    return NULL;
}

static char **node_env(const job_ent *j, const pf_wf_action *a, const char *task)
{
    size_t n = a->n_env + 8, k = 0;
    char **env = calloc(n + 1, sizeof *env);
    for (size_t i = 0; i < a->n_env; i++)
        if (asprintf(&env[k++], "%s=%s", a->env[i].name, a->env[i].value) < 0) abort();
    const char *kv[][2] = {{"PF_JOB_ID", j->row.id},          {"PF_JOB_NAME", j->row.name},
                           {"PF_JOB_QUEUE_NAME", j->row.queue}, {"PF_JOB_PRIORITY", j->row.priority},
                           {"PF_USER_NAME", j->row.user},       {"PF_JOB_TYPE", "workflow"},
                           {"PF_TASK_NAME", task},              {"PF_WF_NODE", a->node_name}};
    for (size_t i = 0; i < 8; i++)
        if (asprintf(&env[k++], "%s=%s", kv[i][0], kv[i][1] ? kv[i][1] : "") < 0) abort();
    return env;
}

/* Script templates: the source goes to a file next to the task directories. */
static int write_script(pf_app *app, const char *task, const char *src, char *path, size_t n)
{
    snprintf(path, n, "%s/scripts", app->cfg.data_dir);
    mkdir(path, 0700);
    snprintf(path, n, "%s/scripts/%s", app->cfg.data_dir, task);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t len = strlen(src);
    bool ok = write(fd, src, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    return ok ? 0 : -1;
}

/* A node's stdout, kept apart for outputs.result (Argo's result is stdout only, while the
 * task log holds stdout and stderr): a file of this name next to the node's log, in its task
 * directory (the runtime appends it to the log at the end, and removes it with the task). */
#define NODE_STDOUT "stdout"

static void stdout_path(const task_ent *te, char *out, size_t n)
{
    snprintf(out, n, "%s", te->st.log_path);
    char *slash = strrchr(out, '/');
    if (slash && (size_t)(slash + 1 - out) + sizeof NODE_STDOUT <= n)
        memcpy(slash + 1, NODE_STDOUT, sizeof NODE_STDOUT);
    else
        out[0] = '\0';
}

static void queue_node(pf_app *app, job_ent *j, const pf_wf_action *a)
{
    char role[16];
    node_role(a->node_id, role);
    if (find_node(j, a->node_id)) return; /* already known (re-emitted after a restart) */
    task_ent *te = mgr_add_task(j, role, 0);
    snprintf(te->node_id, sizeof te->node_id, "%s", a->node_id);
    char script[4400] = "";
    if (a->script_source && write_script(app, te->name, a->script_source, script, sizeof script) != 0)
        pf_warn("workflow %s: cannot write the script of node %s", j->row.id, a->node_name);
    /* no wrapper: the runtime keeps the node's stdout in its own file (stdout_path) and
     * appends it to the log when the node ends */
    te->command = pf_wf_action_command(a, script);
    te->env = node_env(j, a, te->name);
    te->queued = true;
    pf_sched_submit(app->sched, te->name, j->row.queue, j->row.priority, j->row.pk, j->node_need);
}

static void cancel_node(pf_app *app, job_ent *j, const char *node_id)
{
    task_ent *te = find_node(j, node_id);
    if (!te) return;
    if (te->queued && pf_sched_cancel(app->sched, te->name)) {
        te->queued = false;
        te->exited = true;
    } else if (te->started && !te->exited) {
        pf_error e;
        if (pf_runtime_stop(app->rt, te->name, app->cfg.stop_grace_seconds, &e) != 0)
            pf_warn("stop node task %s: %s", te->name, e.message);
    }
}

static void run_actions(pf_app *app, job_ent *j, pf_wf_action *acts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == PF_WF_START)
            queue_node(app, j, &acts[i]);
        else
            cancel_node(app, j, acts[i].node_id);
    }
    pf_wf_actions_free(acts, n);
}

static bool busy(const job_ent *j)
{
    for (int i = 0; i < j->ntasks; i++)
        if (j->tasks[i].queued || (j->tasks[i].started && !j->tasks[i].exited)) return true;
    return false;
}

/* The engine state is written once per job per manager round (wf_save_dirty), however
 * many of its nodes moved in that round: a 1,000-node fan-out would otherwise serialise its
 * whole state for every node. */
static void save_state(tx *t, job_ent *j)
{
    (void)t;
    if (j->wf_dirty) return;
    j->wf_dirty = true;
    struct pf_jobsvc *m = j->mgr;
    if (m->ndirty == m->capdirty) {
        m->capdirty = m->capdirty ? m->capdirty * 2 : 64;
        m->dirty = realloc(m->dirty, m->capdirty * sizeof *m->dirty);
        if (!m->dirty) abort();
    }
    m->dirty[m->ndirty++] = j;
}

void wf_save_dirty(struct pf_jobsvc *m, tx *t)
{
    for (size_t i = 0; i < m->ndirty; i++) {
        job_ent *j = m->dirty[i];
        tx_item *it = tx_add(t, j->row.id);
        it->runtime = pf_wf_state_to_json(j->wfst);
        /* this item goes after the round's transitions: keep the status where it was put */
        j->wf_dirty = false;
    }
    m->ndirty = 0;
}

void wf_forget_dirty(struct pf_jobsvc *m, job_ent *j)
{
    for (size_t i = 0; i < m->ndirty; i++)
        if (m->dirty[i] == j) {
            m->dirty[i] = m->dirty[--m->ndirty];
            return;
        }
}

/* Settles the job status from the workflow phase; true when the job has ended. */
static bool settle(tx *t, job_ent *j)
{
    if (pf_wf_done(j->wfst) && !busy(j)) {
        /* the job leaves the table now: its final state is written with its final status */
        if (j->wf_dirty) {
            wf_forget_dirty(j->mgr, j);
            j->wf_dirty = false;
        }
        tx_add(t, j->row.id)->runtime = pf_wf_state_to_json(j->wfst);
        const char *msg = pf_wf_message(j->wfst);
        if (j->stopping) {
            mgr_transition(t, j, PF_ST_TERMINATED, "job is terminated");
        } else {
            const char *st = pf_wf_job_status(pf_wf_phase(j->wfst));
            char m[512];
            if (strcmp(st, PF_ST_SUCCEEDED) == 0)
                snprintf(m, sizeof m, "job is succeeded");
            else
                snprintf(m, sizeof m, "job is failed%s%s", *msg ? ": " : "", msg);
            mgr_transition(t, j, st, m);
        }
        return true;
    }
    save_state(t, j);
    const char *st = j->stopping ? PF_ST_TERMINATING : pf_wf_job_status(pf_wf_phase(j->wfst));
    if (pf_status_is_final(st)) st = PF_ST_RUNNING; /* done, but tasks still winding down */
    if (strcmp(st, j->wf_status) != 0) {
        snprintf(j->wf_status, sizeof j->wf_status, "%s", st);
        mgr_transition(t, j, st, strcmp(st, PF_ST_RUNNING) == 0 ? "job is running"
                                 : strcmp(st, PF_ST_PENDING) == 0 ? "job is pending"
                                                                  : "job is terminating");
    }
    return false;
}

bool wf_job_advance(pf_app *app, tx *t, job_ent *j)
{
    pf_wf_action *acts = NULL;
    size_t n = 0;
    if (!j->stopping) {
        pf_wf_step(j->wf, j->wfst, pf_now_ms(), &acts, &n);
        run_actions(app, j, acts, n);
    }
    return settle(t, j);
}

static char *read_result(const task_ent *te)
{
    pf_buf b = PF_BUF_INIT;
    pf_error e;
    int64_t next = 0;
    char path[sizeof te->st.log_path];
    stdout_path(te, path, sizeof path);
    if (!path[0] || pf_log_follow(path, 0, RESULT_MAX, &b, &next, &e) < 0) pf_buf_reset(&b);
    return pf_buf_steal(&b);
}

bool wf_task_exited(pf_app *app, tx *t, job_ent *j, task_ent *te)
{
    pf_sched_release(app->sched, te->name);
    mgr_task_row(t, j, te);
    char *out = read_result(te);
    int code = te->st.term_signal ? 128 + te->st.term_signal : te->st.exit_code;
    pf_error e;
    pf_wf_node_finished(j->wfst, te->node_id, code, out, pf_now_ms(), &e);
    free(out);
    return wf_job_advance(app, t, j);
}

bool wf_task_admitted(pf_app *app, tx *t, job_ent *j, task_ent *te)
{
    te->queued = false;
    pf_task_spec spec = {.job_id = j->row.id, .name = te->name, .role = te->role, .index = 0,
                         .command = te->command, .env = (const char *const *)te->env,
                         .cpu_milli = j->node_limits ? j->node_need->cpu : 0,
                         .mem_bytes = j->node_limits ? j->node_need->memory : 0,
                         .stdout_path = NODE_STDOUT};
    pf_error e;
    if (pf_runtime_start(app->rt, &spec, &te->st, &e) != 0) {
        /* the node cannot run at all: an Error node, and the workflow moves on */
        te->exited = true;
        pf_sched_release(app->sched, te->name);
        char msg[PF_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", e.message);
        pf_wf_node_error(j->wfst, te->node_id, msg, pf_now_ms(), &e);
        mgr_task_row(t, j, te);
        return wf_job_advance(app, t, j);
    }
    te->started = true;
    pf_wf_node_started(j->wfst, te->node_id, pf_now_ms(), &e);
    mgr_task_row(t, j, te);
    return settle(t, j); /* persists the Running node, and the job's running status */
}

bool wf_job_stop(pf_app *app, tx *t, job_ent *j)
{
    j->stopping = true;
    pf_wf_action *acts = NULL;
    size_t n = 0;
    pf_wf_cancel(j->wf, j->wfst, pf_now_ms(), &acts, &n);
    run_actions(app, j, acts, n);
    for (int i = 0; i < j->ntasks; i++) /* anything the engine no longer counted */
        if (!j->tasks[i].exited) cancel_node(app, j, j->tasks[i].node_id);
    return settle(t, j);
}

bool wf_job_recover(pf_app *app, tx *t, job_ent *j)
{
    pf_wf_action *acts = NULL;
    size_t n = 0;
    pf_wf_unfinished_actions(j->wfst, &acts, &n);
    for (size_t i = 0; i < n; i++) {
        char role[16], name[256];
        node_role(acts[i].node_id, role);
        pf_task_name(j->row.id, role, 0, name, sizeof name);
        pf_task_status st;
        pf_error e;
        if (pf_runtime_adopt(app->rt, name, &st, &e) == 0) {
            task_ent *te = mgr_add_task(j, role, 0);
            snprintf(te->node_id, sizeof te->node_id, "%s", acts[i].node_id);
            te->st = st;
            te->started = true;
            pf_sched_hold(app->sched, te->name, j->row.queue, j->node_need);
            /* it ran before the crash: record its real start (a no-op if already Running) */
            pf_wf_node_started(j->wfst, te->node_id, st.started_ms ? st.started_ms : pf_now_ms(),
                               &e);
        } else {
            queue_node(app, j, &acts[i]);
        }
    }
    pf_wf_actions_free(acts, n);
    if (strcmp(j->row.status, PF_ST_TERMINATING) == 0) return wf_job_stop(app, t, j);
    return wf_job_advance(app, t, j);
}
