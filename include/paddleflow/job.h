/* job.h — jobs and their logs (api.md §3). Include paddleflow/paddleflow.h, not this file.
 * Ownership and error rules: see paddleflow.h. */
#ifndef PADDLEFLOW_JOB_H
#define PADDLEFLOW_JOB_H

#include "paddleflow/paddleflow.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One job as the server shows it (§3.12). Strings are never NULL ("" when the server sent
 * nothing or null); the *_json members hold nested objects as compact JSON text, NULL when
 * the key was absent or null. */
typedef struct pf_job {
    const char *id;
    const char *name;
    const char *user; /* owner: "userName" (ours) or "UserName" (upstream) */
    const char *queue;
    const char *priority;
    const char *status;
    const char *message;
    const char *accept_time;
    const char *start_time;
    const char *finish_time;
    const char *framework;
    const char *image;
    const char *command;
    long long port;
    const pf_pair *labels;
    size_t n_labels;
    const pf_pair *annotations;
    size_t n_annotations;
    const pf_pair *env;
    size_t n_env;
    const char *const *args;
    size_t n_args;
    const char *flavour_json;
    const char *fs_json;
    const char *extra_fs_json;
    const char *members_json;
    const char *extension_template_json;
    const char *runtime_json;
    const char *distributed_runtime_json;
    const char *workflow_runtime_json;
    const char *json; /* the whole object exactly as received (compact, key order kept) */
} pf_job;

typedef struct pf_job_page {
    pf_job *items; /* n items, owned by the list */
    size_t n;
    int max_keys;
    bool is_truncated;
    const char *next_marker; /* NULL when the list is complete */
    const char *json;        /* the whole response as received */
} pf_job_page;

/* Filters of GET /job; zero/NULL members are not sent. */
typedef struct pf_job_list_options {
    const char *status;
    long long timestamp;    /* Unix seconds: jobs updated since; 0 = no filter */
    const char *start_time; /* "2006-01-02 15:04:05": jobs started since */
    const char *queue;
    const pf_pair *labels; /* jobs carrying all of these labels */
    size_t n_labels;
    int max_keys; /* 0 = server default (50) */
    const char *marker;
} pf_job_list_options;

/* Fields of PUT /job/{id}?action=modify; NULL/0-length members are not sent. A label or
 * annotation with an empty value is deleted by the server. */
typedef struct pf_job_update_options {
    const char *priority;
    const pf_pair *labels;
    size_t n_labels;
    const pf_pair *annotations;
    size_t n_annotations;
} pf_job_update_options;

/* POST /job/{type}: type is "single", "distributed" or "workflow"; spec_json the request body
 * (a JSON object, §3.1). On success *id_out is a new string, free() it. */
int pf_job_create(pf_client *c, const char *type, const char *spec_json, char **id_out,
                  pf_api_error *err);
/* GET /job/{id}. Release *out with pf_job_free. */
int pf_job_get(pf_client *c, const char *id, pf_job **out, pf_api_error *err);
/* GET /job. opts may be NULL. Release *out with pf_job_page_free. */
int pf_job_list(pf_client *c, const pf_job_list_options *opts, pf_job_page **out,
                pf_api_error *err);
int pf_job_update(pf_client *c, const char *id, const pf_job_update_options *opts,
                  pf_api_error *err);
int pf_job_stop(pf_client *c, const char *id, pf_api_error *err);
int pf_job_delete(pf_client *c, const char *id, pf_api_error *err);
void pf_job_free(pf_job *job);
void pf_job_page_free(pf_job_page *list);

/* ---- logs (GET /log/job) ---- */

typedef struct pf_task_log {
    const char *task_id;
    const char *content;
    bool has_next_page;
    bool truncated;
} pf_task_log;

typedef struct pf_job_log {
    const char *job_id;
    pf_task_log *tasks; /* n_tasks items, owned by the log */
    size_t n_tasks;
    const char *events_json; /* "eventList" as compact JSON */
    const char *json;        /* the whole response */
} pf_job_log;

typedef struct pf_job_log_options {
    long line_limit;        /* 0 = server default (1000) */
    const char *size_limit; /* quantity such as "100M"; NULL = server default */
    bool read_from_tail;    /* the last line_limit lines instead of the first */
} pf_job_log_options;

/* The logs of every task of a job. opts may be NULL. Release *out with pf_job_log_free. */
int pf_job_log_get(pf_client *c, const char *job_id, const pf_job_log_options *opts,
                   pf_job_log **out, pf_api_error *err);
void pf_job_log_free(pf_job_log *log);

/* Receives one chunk of followed log text (not NUL-terminated). Return 0 to go on, non-zero
 * to stop following (pf_job_log_follow then returns 0). */
typedef int (*pf_log_sink)(const char *data, size_t len, void *userdata);

/* Streams the job's log text (GET /log/job?follow=true) to sink until the job ends and the
 * server closes the stream. A job that has not started yet is waited for (polling its
 * status); one that ended before it could be followed has its whole log passed to sink.
 * Blocks; no request timeout applies to the stream. */
int pf_job_log_follow(pf_client *c, const char *job_id, const pf_job_log_options *opts,
                      pf_log_sink sink, void *userdata, pf_api_error *err);

#ifdef __cplusplus
}
#endif

#endif
