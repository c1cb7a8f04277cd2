/* job_batch.c — the batch of store writes one job-manager round makes: transitions (each
 * through the guarded pf_job_transition), task rows, messages and workflow states, all in
 * ONE transaction, so a burst of events costs one commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "server/service/manager.h"
#include "server/store/store.h"

tx_item *tx_add(tx *t, const char *id)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->v = realloc(t->v, t->cap * sizeof *t->v);
        if (!t->v) abort();
    }
    tx_item *it = &t->v[t->n++];
    memset(it, 0, sizeof *it);
    snprintf(it->id, sizeof it->id, "%s", id);
    return it;
}

static int tx_apply(sqlite3 *db, void *arg, pf_error *e)
{
    tx *t = arg;
    for (size_t i = 0; i < t->n; i++) {
        tx_item *it = &t->v[i];
        if (it->has_task && pf_task_put(db, it->task, it->id, it->job_pk, it->role, it->index,
                                        it->task_status, it->info, e) != 0)
            return -1;
        if (it->runtime && pf_job_set_runtime(db, it->id, it->runtime, e) != 0) return -1;
        if (it->status[0]) {
            pf_error te;
            if (pf_job_transition(db, it->id, it->status, it->message, it->result, &te) != 0)
                it->result[0] = '\0'; /* deleted meanwhile */
        } else if (it->message[0] && pf_job_set_message(db, it->id, it->message, e) != 0) {
            return -1;
        }
    }
    return 0;
}

void tx_commit(pf_app *app, tx *t)
{
    if (!t->n) return;
    pf_error e;
    if (pf_store_write(app->store, tx_apply, t, &e) != 0)
        pf_logerr("job manager: writing %zu changes failed: %s", t->n, e.message);
}

void tx_free(tx *t)
{
    for (size_t i = 0; i < t->n; i++) {
        json_decref(t->v[i].info);
        json_decref(t->v[i].runtime);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}

void mgr_transition(tx *t, const job_ent *j, const char *status, const char *message)
{
    tx_item *it = tx_add(t, j->row.id);
    snprintf(it->status, sizeof it->status, "%s", status);
    snprintf(it->message, sizeof it->message, "%s", message);
}

/* The runtime view of a task (show's runtime / distributedRuntime entries). */
static json_t *task_info(const task_ent *te)
{
    const char *base = strrchr(te->st.log_path, '/');
    json_t *o = json_pack("{s:i, s:b, s:b, s:i, s:i, s:I, s:I, s:s, s:s, s:s, s:b}", "pid",
                          te->st.pid, "started", te->started, "exited", te->exited, "exitCode",
                          te->st.exit_code, "signal", te->st.term_signal, "startedAt",
                          (json_int_t)te->st.started_ms, "finishedAt",
                          (json_int_t)te->st.finished_ms, "logName",
                          base ? base + 1 : te->st.log_path, "logPath", te->st.log_path,
                          "enforced", te->st.enforced, "oomKilled", te->st.oom_killed);
    if (te->node_id[0]) json_object_set_new(o, "nodeID", json_string(te->node_id));
    return o;
}

static const char *task_status_word(const job_ent *j, const task_ent *te)
{
    if (!te->exited) return te->started ? "running" : "pending";
    if (te->st.exit_code == 0 && !te->st.term_signal) return "succeeded";
    return (j->stopping || j->finishing) && te->st.stop_requested ? "terminated" : "failed";
}

void mgr_task_row(tx *t, const job_ent *j, const task_ent *te)
{
    tx_item *it = tx_add(t, j->row.id);
    it->has_task = true;
    it->job_pk = j->row.pk;
    snprintf(it->task, sizeof it->task, "%s", te->name);
    snprintf(it->role, sizeof it->role, "%s", te->role);
    snprintf(it->task_status, sizeof it->task_status, "%s", task_status_word(j, te));
    it->index = te->index;
    it->info = task_info(te);
}
