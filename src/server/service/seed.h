/* seed.h — what a new installation starts with (api.md D20): user root, cluster
 * default-cluster (type local), queue default-queue (cpu 20, mem 20Gi, open), flavour1..3. */
#ifndef PF_SERVICE_SEED_H
#define PF_SERVICE_SEED_H

#include "base/err.h"
#include "server/service/app.h"

/* Idempotent: creates only what is missing. */
int pf_seed(pf_app *app, pf_error *e);
/* Logs a warning while root's password is still the default. */
void pf_seed_warn_default_password(pf_app *app);

#endif
