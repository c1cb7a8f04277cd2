/* admin.h — queues, grants, flavours, users, clusters, filesystems and the server version
 * (api.md §6). Include paddleflow/paddleflow.h, not this file.
 * Ownership and error rules: see paddleflow.h. Strings in results are never NULL ("" when
 * the server sent nothing). Every list result carries the paging envelope of §6. */
#ifndef PADDLEFLOW_ADMIN_H
#define PADDLEFLOW_ADMIN_H

#include "paddleflow/paddleflow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Paging of every list call; zero/NULL = server default / first page. */
typedef struct pf_page_options {
    int max_keys;
    const char *marker;
} pf_page_options;

/* A resource set as the server renders it (queue max/min/used/idle): canonical quantities. */
typedef struct pf_resource {
    const char *cpu;
    const char *memory;
    const pf_pair *scalars; /* e.g. {"nvidia.com/gpu", "4"} */
    size_t n_scalars;
} pf_resource;

/* A resource set as requests spell it (key "mem", not "memory"). NULL members are not sent. */
typedef struct pf_resource_spec {
    const char *cpu;
    const char *mem;
    const pf_pair *scalars;
    size_t n_scalars;
} pf_resource_spec;

/* ---- queues (root for create/update/delete) ---- */

typedef struct pf_queue {
    const char *id;
    const char *name;
    const char *namespace_;
    const char *cluster_name;
    const char *quota_type;
    const char *status;
    const char *create_time;
    const char *update_time;
    pf_resource max_resources;
    pf_resource min_resources;
    pf_resource used_resources; /* only from pf_queue_get; all "" otherwise */
    pf_resource idle_resources; /* idem */
    const pf_pair *location;
    size_t n_location;
    const char *const *scheduling_policy;
    size_t n_scheduling_policy;
    const char *json;
} pf_queue;

typedef struct pf_queue_page {
    pf_queue *items;
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker; /* NULL when complete */
    const char *json;
} pf_queue_page;

typedef struct pf_queue_spec {
    const char *name;         /* create only */
    const char *namespace_;   /* create only */
    const char *cluster_name; /* create only; NULL = default-cluster */
    const char *quota_type;   /* create only; NULL = server default */
    const pf_resource_spec *max_resources;
    const pf_resource_spec *min_resources;
    const pf_pair *location;
    size_t n_location;
    const char *const *scheduling_policy;
    size_t n_scheduling_policy;
} pf_queue_spec;

int pf_queue_create(pf_client *c, const pf_queue_spec *spec, pf_api_error *err);
int pf_queue_update(pf_client *c, const char *name, const pf_queue_spec *spec, pf_queue **out,
                    pf_api_error *err); /* out may be NULL */
int pf_queue_get(pf_client *c, const char *name, pf_queue **out, pf_api_error *err);
int pf_queue_list(pf_client *c, const pf_page_options *page, const char *name_filter,
                  pf_queue_page **out, pf_api_error *err);
int pf_queue_delete(pf_client *c, const char *name, pf_api_error *err);
void pf_queue_free(pf_queue *q);
void pf_queue_page_free(pf_queue_page *l);

/* ---- grants (root only) ---- */

typedef struct pf_grant {
    const char *grant_id;
    const char *user_name;
    const char *resource_type;
    const char *resource_id;
    const char *create_time;
    const char *update_time;
} pf_grant;

typedef struct pf_grant_page {
    pf_grant *items;
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker;
    const char *json;
} pf_grant_page;

/* resource_type "queue" (resource_id = queue name), "user" or "fs". *grant_id_out (may be
 * NULL) receives a new string, free() it. */
int pf_grant_create(pf_client *c, const char *user, const char *resource_type,
                    const char *resource_id, char **grant_id_out, pf_api_error *err);
int pf_grant_delete(pf_client *c, const char *user, const char *resource_type,
                    const char *resource_id, pf_api_error *err);
/* user NULL = every user's grants. */
int pf_grant_list(pf_client *c, const char *user, const pf_page_options *page, pf_grant_page **out,
                  pf_api_error *err);
void pf_grant_page_free(pf_grant_page *l);

/* ---- flavours ---- */

typedef struct pf_flavour {
    const char *id;
    const char *name;
    const char *cpu;
    const char *mem;
    const pf_pair *scalars;
    size_t n_scalars;
    const char *cluster_name;
    const char *create_time;
    const char *update_time;
    const char *json;
} pf_flavour;

typedef struct pf_flavour_page {
    pf_flavour *items;
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker;
    const char *json;
} pf_flavour_page;

/* Create: name, cpu and mem required. Update: name selects, the rest NULL = unchanged. */
typedef struct pf_flavour_spec {
    const char *name;
    const char *cpu;
    const char *mem;
    const pf_pair *scalars;
    size_t n_scalars;
    const char *cluster_name;
} pf_flavour_spec;

int pf_flavour_create(pf_client *c, const pf_flavour_spec *spec, pf_api_error *err);
int pf_flavour_update(pf_client *c, const pf_flavour_spec *spec, pf_flavour **out,
                      pf_api_error *err); /* out may be NULL */
int pf_flavour_get(pf_client *c, const char *name, pf_flavour **out, pf_api_error *err);
/* name_filter: substring match; cluster_name: flavours of that cluster and unbound ones. */
int pf_flavour_list(pf_client *c, const pf_page_options *page, const char *name_filter,
                    const char *cluster_name, pf_flavour_page **out, pf_api_error *err);
int pf_flavour_delete(pf_client *c, const char *name, pf_api_error *err);
void pf_flavour_free(pf_flavour *f);
void pf_flavour_page_free(pf_flavour_page *l);

/* ---- users (root, except a user changing his own password) ---- */

typedef struct pf_user {
    const char *name;
    const char *create_time; /* RFC 3339 */
} pf_user;

typedef struct pf_user_page {
    pf_user *items;
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker;
    const char *json;
} pf_user_page;

int pf_user_create(pf_client *c, const char *name, const char *password, pf_api_error *err);
int pf_user_set_password(pf_client *c, const char *name, const char *password, pf_api_error *err);
int pf_user_delete(pf_client *c, const char *name, pf_api_error *err);
int pf_user_list(pf_client *c, const pf_page_options *page, pf_user_page **out, pf_api_error *err);
void pf_user_page_free(pf_user_page *l);

/* ---- clusters (root only) ---- */

typedef struct pf_cluster {
    const char *id;
    const char *cluster_name;
    const char *description;
    const char *endpoint;
    const char *source;
    const char *cluster_type;
    const char *version;
    const char *status;
    const char *credential;
    const char *setting;
    const char *const *namespaces;
    size_t n_namespaces;
    const char *create_time;
    const char *update_time;
    const char *json;
} pf_cluster;

typedef struct pf_cluster_page {
    pf_cluster *items;
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker;
    const char *json;
} pf_cluster_page;

/* Create: cluster_name and endpoint required. Update: cluster_name selects; NULL = unchanged.
 * credential is sent as given (base64 of a kubeconfig for Kubernetes clusters). */
typedef struct pf_cluster_spec {
    const char *cluster_name;
    const char *endpoint;
    const char *cluster_type;
    const char *version;
    const char *status;
    const char *source;
    const char *credential;
    const char *setting;
    const char *description;
    const char *const *namespaces;
    size_t n_namespaces;
} pf_cluster_spec;

int pf_cluster_create(pf_client *c, const pf_cluster_spec *spec, pf_cluster **out,
                      pf_api_error *err); /* out may be NULL */
int pf_cluster_update(pf_client *c, const pf_cluster_spec *spec, pf_cluster **out,
                      pf_api_error *err); /* out may be NULL */
int pf_cluster_get(pf_client *c, const char *name, pf_cluster **out, pf_api_error *err);
/* names: comma-separated filter or NULL; status: "online"/"offline" or NULL. */
int pf_cluster_list(pf_client *c, const pf_page_options *page, const char *names,
                    const char *status, pf_cluster_page **out, pf_api_error *err);
int pf_cluster_delete(pf_client *c, const char *name, pf_api_error *err);
void pf_cluster_free(pf_cluster *cl);
void pf_cluster_page_free(pf_cluster_page *l);

/* ---- filesystems ---- */

typedef struct pf_fs {
    const char *id;
    const char *name;
    const char *type;
    const char *url;
    const char *host_path;
    const char *user_name;
    const char *create_time;
    const char *json;
} pf_fs;

typedef struct pf_fs_page {
    pf_fs *items;
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker;
    const char *json;
} pf_fs_page;

/* url e.g. "local:///abs/dir". *fs_id_out (may be NULL) receives a new string, free() it. */
int pf_fs_create(pf_client *c, const char *name, const char *url, char **fs_id_out,
                 pf_api_error *err);
int pf_fs_get(pf_client *c, const char *name, pf_fs **out, pf_api_error *err);
int pf_fs_list(pf_client *c, const pf_page_options *page, pf_fs_page **out, pf_api_error *err);
int pf_fs_delete(pf_client *c, const char *name, pf_api_error *err);
void pf_fs_free(pf_fs *fs);
void pf_fs_page_free(pf_fs_page *l);

/* ---- server version (GET /version) ---- */

typedef struct pf_server_version {
    const char *git_version;
    const char *git_commit;
    const char *git_branch;
    const char *build_date;
    const char *go_version;
    const char *compiler;
    const char *platform;
    const char *json;
} pf_server_version;

int pf_server_version_get(pf_client *c, pf_server_version **out, pf_api_error *err);
void pf_server_version_free(pf_server_version *v);

#ifdef __cplusplus
}
#endif

#endif
