/* seed.c — the rows a new installation starts with (api.md D20, §6.1-§6.3). Runs at every
 * start, as upstream's start-up upsert does, but only creates what is missing: a deleted
 * default queue or flavour comes back at the next start, an edited one is left alone. */
#include "server/service/seed.h"

#include <stdio.h>
#include <string.h>

#include "base/ids.h"
#include "base/log.h"
#include "server/service/auth.h"
#include "server/service/users.h"
#include "server/store/clusters.h"
#include "server/store/flavours.h"
#include "server/store/queues.h"
#include "server/store/store.h"
#include "server/store/users.h"

#define DEFAULT_PASSWORD "paddleflow"

static int seed_cluster(sqlite3 *db, pf_error *e)
{
    pf_cluster cl = {0};
    int rc = pf_cluster_get(db, "default-cluster", &cl, e);
    pf_cluster_clear(&cl);
    if (rc <= 0) return rc;
    /* rows created without an id get a plain UUID (api.md §10) */
    pf_uuid4(cl.id);
    snprintf(cl.name, sizeof cl.name, "default-cluster");
    snprintf(cl.cluster_type, sizeof cl.cluster_type, "local");
    snprintf(cl.status, sizeof cl.status, "online");
    cl.endpoint = "127.0.0.1";
    cl.description = "default cluster";
    cl.credential = cl.setting = "";
    rc = pf_cluster_insert(db, &cl, e); /* cl's strings are literals: no clear */
    if (rc == 0) pf_info("seed: created cluster default-cluster (local)");
    return rc;
}

static int seed_queue(sqlite3 *db, pf_error *e)
{
    int rc = pf_queue_exists(db, "default-queue", e);
    if (rc != 0) return rc < 0 ? -1 : 0;
    pf_queue q = {0};
    pf_short_id("queue", q.id, sizeof q.id);
    snprintf(q.name, sizeof q.name, "default-queue");
    snprintf(q.namespace_, sizeof q.namespace_, "default");
    snprintf(q.cluster_name, sizeof q.cluster_name, "default-cluster");
    snprintf(q.quota_type, sizeof q.quota_type, "volcanoCapabilityQuota");
    snprintf(q.status, sizeof q.status, "open");
    if (pf_resources_from_flavour("20", "20Gi", NULL, &q.max, e) != 0) return -1;
    q.location = json_object();
    q.scheduling_policy = json_array();
    rc = pf_queue_insert(db, &q, e);
    pf_queue_clear(&q);
    if (rc == 0) pf_info("seed: created queue default-queue (cpu 20, mem 20Gi)");
    return rc;
}

static int seed_flavour(sqlite3 *db, const char *name, const char *cpu, const char *mem,
                        const char *gpus, pf_error *e)
{
    pf_flavour f = {0};
    int rc = pf_flavour_get(db, name, &f, e);
    pf_flavour_clear(&f);
    if (rc <= 0) return rc;
    pf_uuid4(f.id);
    snprintf(f.name, sizeof f.name, "%s", name);
    snprintf(f.cpu, sizeof f.cpu, "%s", cpu);
    snprintf(f.mem, sizeof f.mem, "%s", mem);
    f.scalar = gpus ? json_pack("{s:s}", "nvidia.com/gpu", gpus) : json_object();
    rc = pf_flavour_insert(db, &f, e);
    pf_flavour_clear(&f);
    if (rc == 0) pf_info("seed: created flavour %s", name);
    return rc;
}

/* One transaction: the cluster, its queue and the flavours appear together or not at all. */
static int seed_rows(sqlite3 *db, void *arg, pf_error *e)
{
    if (seed_cluster(db, e) != 0 || seed_queue(db, e) != 0) return -1;
    if (seed_flavour(db, "flavour1", "1", "1Gi", NULL, e) != 0 ||
        seed_flavour(db, "flavour2", "4", "8Gi", "1", e) != 0 ||
        seed_flavour(db, "flavour3", "4", "8Gi", "2", e) != 0)
        return -1;
    return 0;
}

int pf_seed(pf_app *app, pf_error *e)
{
    if (pf_store_write(app->store, seed_rows, NULL, e) != 0) return -1;
    const char *pw = app->cfg.root_password[0] ? app->cfg.root_password : DEFAULT_PASSWORD;
    return pf_users_seed_root(app, pw, e);
}

void pf_seed_warn_default_password(pf_app *app)
{
    pf_user u;
    pf_error e;
    if (pf_user_get(pf_store_reader(app->store), "root", &u, &e) != 0) return;
    if (pf_password_verify(u.hash, DEFAULT_PASSWORD))
        pf_warn("root still has the default password '%s': change it with `paddleflow user set "
                "root <password>` (PUT /api/paddleflow/v1/user/root), or give --root-password / "
                "PF_ROOT_PASSWORD when creating a new data directory",
                DEFAULT_PASSWORD);
}
