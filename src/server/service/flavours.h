/* flavours.h — flavours (api.md §6.2 with section 0): named cpu/mem/scalar bundles jobs ask
 * for. Anyone may list, show and create them; update and delete are root's (api.md Q16). */
#ifndef PF_SERVICE_FLAVOURS_H
#define PF_SERVICE_FLAVOURS_H

#include <jansson.h>

#include "base/err.h"
#include "server/service/app.h"
#include "server/store/flavours.h"

typedef struct pf_flavour_req {
    const char *name, *cpu, *mem, *cluster_name; /* borrowed from the body; NULL when absent */
    json_t *scalars;                             /* owned object of strings, NULL when absent */
} pf_flavour_req;

/* Decodes a POST/PUT /flavour body (api.md §1.3). The body must outlive r; clear r always. */
int pf_flavour_req_decode(const json_t *body, pf_flavour_req *r, pf_error *e);
void pf_flavour_req_clear(pf_flavour_req *r);

/* The resource rules of a flavour, with upstream's messages, code FlavourInvalidField:
 * cpu and mem must parse and be > 0, each scalar must parse and be >= 0. NULL cpu/mem are
 * skipped (update: only what is given is checked). */
int pf_flavour_check(const char *cpu, const char *mem, const json_t *scalars, pf_error *e);

/* POST /flavour → {"name"}. */
json_t *pf_flavours_create(pf_app *app, const pf_caller *c, const pf_flavour_req *r, pf_error *e);
/* GET /flavour. cluster / name_part: filters of §6.2 (NULL = absent). */
json_t *pf_flavours_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                         const char *cluster, const char *name_part, pf_error *e);
json_t *pf_flavours_show(pf_app *app, const pf_caller *c, const char *name, pf_error *e);
/* PUT /flavour/{name} → the updated flavour. */
json_t *pf_flavours_update(pf_app *app, const pf_caller *c, const char *name,
                           const pf_flavour_req *r, pf_error *e);
int pf_flavours_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e);

/* The flavour object of api.md §6.2. New reference. */
json_t *pf_flavour_json(const pf_flavour *f);

#endif
