/* users.h — user accounts and queue/fs grants (api.md §6.4, §6.5) with their permission rules. */
#ifndef PF_SERVICE_USERS_H
#define PF_SERVICE_USERS_H

#include <jansson.h>

#include "base/err.h"
#include "server/service/app.h"

int pf_users_create(pf_app *app, const pf_caller *c, const char *name, const char *password,
                    pf_error *e);
int pf_users_set_password(pf_app *app, const pf_caller *c, const char *name,
                          const char *password, pf_error *e);
int pf_users_delete(pf_app *app, const pf_caller *c, const char *name, pf_error *e);
/* GET /user: the list envelope; or one user object when only is non-NULL. */
json_t *pf_users_list(pf_app *app, const pf_caller *c, const char *marker, const char *max_keys,
                      const char *only, pf_error *e);
/* Creates root with the given password if the user table has no root (first start). */
int pf_users_seed_root(pf_app *app, const char *password, pf_error *e);

int pf_grants_create(pf_app *app, const pf_caller *c, const char *user, const char *type,
                     const char *resource, char *id_out, size_t id_len, pf_error *e);
int pf_grants_delete(pf_app *app, const pf_caller *c, const char *user, const char *type,
                     const char *resource, pf_error *e);
json_t *pf_grants_list(pf_app *app, const pf_caller *c, const char *user, const char *marker,
                       const char *max_keys, pf_error *e);
/* Does user hold a grant (type, resource)? Root always does. */
bool pf_grants_has(pf_app *app, const char *user, const char *type, const char *resource);

#endif
