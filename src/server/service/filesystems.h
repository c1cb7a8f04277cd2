/* filesystems.h — per-user filesystems jobs mount (api.md §6.6). Upstream accepts several URL
 * schemes (hdfs, s3, …); this server runs jobs on the local host, so only local:// is usable:
 * "local:///abs/dir" names an existing absolute host directory, which becomes the job's fs
 * hostPath. A filesystem is addressed by its owner and name: id "fs-<owner>-<name>". */
#ifndef PF_SERVICE_FILESYSTEMS_H
#define PF_SERVICE_FILESYSTEMS_H

#include <jansson.h>

#include "base/err.h"
#include "server/service/app.h"
#include "server/store/filesystems.h"

typedef struct pf_fs_req {
    const char *name, *url, *user; /* borrowed from the body; "" when absent */
    json_t *properties;            /* owned object of strings, NULL when absent */
} pf_fs_req;

/* Decodes a POST /fs body (api.md §1.3). The body must outlive r; clear r always. */
int pf_fs_req_decode(const json_t *body, pf_fs_req *r, pf_error *e);
void pf_fs_req_clear(pf_fs_req *r);

/* POST /fs → {"fsName","fsID"}. r->user: the owner (root may name anyone; default caller). */
json_t *pf_filesystems_create(pf_app *app, const pf_caller *c, const pf_fs_req *r, pf_error *e);
/* GET /fs: the caller's filesystems; root sees everyone's, or user's when given.
 * name: exact filter (NULL = any). */
json_t *pf_filesystems_list(pf_app *app, const pf_caller *c, const char *marker,
                            const char *max_keys, const char *user, const char *name, pf_error *e);
/* GET /fs/{name}: the caller's filesystem (root: user's when given). */
json_t *pf_filesystems_show(pf_app *app, const pf_caller *c, const char *name, const char *user,
                            pf_error *e);
int pf_filesystems_delete(pf_app *app, const pf_caller *c, const char *name, const char *user,
                          pf_error *e);

/* The filesystem object. New reference. */
json_t *pf_fs_json(const pf_fs *f);

#endif
