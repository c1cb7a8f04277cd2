/* job_cleanup.c — retention: the logs and work files of deleted jobs are removed once their
 * deletion is older than --log-retention-seconds, then their rows are purged. Run by the
 * job manager's thread when its timed wait says it is due (no polling thread of its own). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/timeutil.h"
#include "server/runtime/runtime.h"
#include "server/service/manager.h"
#include "server/store/store.h"

static int purge(sqlite3 *db, void *arg, pf_error *e)
{
    return pf_job_purge(db, *(int64_t *)arg, e);
}

/* Does a live job (a new one reusing a deleted job's id) own this task name now? */
static bool live_job_owns(sqlite3 *db, const char *task)
{
    char id[256];
    snprintf(id, sizeof id, "%s", task);
    for (int cut = 0; cut < 2; cut++) {
        char *dash = strrchr(id, '-');
        if (dash) *dash = '\0';
    }
    pf_job_row r;
    pf_error e;
    if (pf_job_get(db, id, &r, &e) != 0) return false;
    pf_job_row_clear(&r);
    return true;
}

int pf_cleanup_task_files(pf_app *app, const char *name, pf_error *e)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/scripts/%s", app->cfg.data_dir, name);
    unlink(path);
    snprintf(path, sizeof path, "%s/scripts/%s.stdout", app->cfg.data_dir, name);
    unlink(path);
    return pf_runtime_remove(app->rt, name, e);
}

int64_t pf_cleanup_interval_ms(const pf_app *app)
{
    int64_t every = app->cfg.log_retention_seconds * 1000 / 2;
    if (every < 1000) every = 1000;
    if (every > 600000) every = 600000;
    return every;
}

void pf_cleanup_deleted_jobs(pf_app *app)
{
    int64_t *pks = NULL;
    int n = 0;
    pf_error e;
    sqlite3 *db = pf_store_reader(app->store);
    int64_t before = pf_now_ms() - app->cfg.log_retention_seconds * 1000;
    if (pf_job_list_deleted_before(db, before, &pks, &n, &e) != 0) {
        pf_warn("cleanup: %s", e.message);
        return;
    }
    int removed = 0;
    for (int i = 0; i < n; i++) {
        json_t *tasks = pf_task_list(db, pks[i], &e);
        size_t k;
        json_t *t;
        bool ok = tasks != NULL;
        json_array_foreach(tasks, k, t)
        {
            const char *name = json_string_value(json_object_get(t, "name"));
            if (live_job_owns(db, name)) continue; /* the id was reused: the files are its */
            if (pf_cleanup_task_files(app, name, &e) != 0) {
                pf_warn("cleanup: task %s: %s", name, e.message);
                ok = false;
            }
        }
        json_decref(tasks);
        if (ok && pf_store_write(app->store, purge, &pks[i], &e) == 0) removed++;
    }
    free(pks);
    if (removed) pf_info("cleanup: removed the files of %d deleted jobs", removed);
}
