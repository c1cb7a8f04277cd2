/* cmd_job.c — `paddleflow job …`, the commands of the seed, with the seed's output:
 * create/show/list/update/stop/delete, -fl field lists on list and show, grid tables,
 * "marker: …" after a list and the "job config and runtime info:" block after show. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "client/yaml_json.h"

/* The seed's field names (-fl), their column headers (upstream's), and where the value
 * sits in the server's job object. */
typedef struct job_field {
    const char *name;
    const char *header;
    const char *key;
    const char *sub; /* inside key's object, or NULL */
} job_field;

static const job_field FIELDS[] = {
    {"id", "job id", "id", NULL},
    {"name", "job name", "name", NULL},
    {"queue", "queue", "schedulingPolicy", "queue"},
    {"status", "status", "status", NULL},
    {"acceptTime", "accept time", "acceptTime", NULL},
    {"startTime", "start time", "startTime", NULL},
    {"finishTime", "finish time", "finishTime", NULL},
    {"user", "user", "userName", NULL},
    {"runtime", "runtime", "runtime", NULL},
    {"distributedRuntime", "distributed runtime", "distributedRuntime", NULL},
    {"workflowRuntime", "workflow runtime", "workflowRuntime", NULL},
    {"message", "message", "message", NULL},
    {"labels", "labels", "labels", NULL},
    {"annotations", "annotations", "annotations", NULL},
    {"priority", "priority", "schedulingPolicy", "priority"},
    {"flavour", "flavour", "flavour", NULL},
    {"fs", "file system", "fs", NULL},
    {"extraFS", "extra file systems", "extraFS", NULL},
    {"image", "image", "image", NULL},
    {"env", "env", "env", NULL},
    {"command", "command", "command", NULL},
    {"args", "args", "args", NULL},
    {"port", "port", "port", NULL},
    {"extensionTemplate", "extension template", "extensionTemplate", NULL},
    {"framework", "framework", "framework", NULL},
    {"members", "members", "members", NULL},
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])
#define MAX_COLS 64

static const char *const LIST_DEFAULT[] = {"id",         "name",      "queue",      "status",
                                           "acceptTime", "startTime", "finishTime", NULL};
static const char *const SHOW_DEFAULT[] = {
    "id", "name", "queue", "priority", "status", "acceptTime", "startTime", "finishTime", NULL};

static const job_field *field_by_name(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (strcmp(FIELDS[i].name, name) == 0) return &FIELDS[i];
    return NULL;
}

/* The typed value of a field the library decodes, NULL for the rest: tables of these need
 * no JSON parsing, which keeps `job list` cheap on big pages. */
static const char *typed_value(const pf_job *j, const job_field *f)
{
    const char *const names[] = {"id",         "name",      "queue",      "status",
                                 "acceptTime", "startTime", "finishTime", "user",
                                 "priority",   "message",   "image",      "command"};
    const char *const values[] = {j->id,          j->name,       j->queue,       j->status,
                                  j->accept_time, j->start_time, j->finish_time, j->user,
                                  j->priority,    j->message,    j->image,       j->command};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(f->name, names[i]) == 0) return values[i];
    return NULL;
}

static json_t *field_value(const json_t *job, const job_field *f)
{
    json_t *v = json_object_get(job, f->key);
    if (!v && strcmp(f->key, "userName") == 0) v = json_object_get(job, "UserName");
    return f->sub ? json_object_get(v, f->sub) : v;
}

/* Resolves -fl (or the defaults) into fields. EXIT_USAGE (message printed) on a bad name. */
static int select_fields(const cli_ctx *ctx, const cli_parsed *p, const char *const *defaults,
                         const job_field **out, size_t *n)
{
    const char *fl = cli_opt_value(p, "--fieldlist");
    *n = 0;
    if (!fl) {
        for (; defaults[*n]; (*n)++)
            out[*n] = field_by_name(defaults[*n]);
        return EXIT_OK;
    }
    size_t count;
    const char **names = cli_split(fl, &count);
    int rc = EXIT_OK;
    for (size_t i = 0; i < count && rc == EXIT_OK; i++) {
        const job_field *f = field_by_name(names[i]);
        if (!f) {
            char valid[1024] = "";
            for (size_t k = 0; k < N_FIELDS; k++)
                snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s", k ? ", " : "",
                         FIELDS[k].name);
            rc = cli_bad_value(ctx, p, "--fieldlist", "unknown field '%s'; valid fields: %s",
                               names[i], valid);
        } else if (*n < MAX_COLS) {
            out[(*n)++] = f;
        }
    }
    if (rc == EXIT_OK && *n == 0) rc = cli_bad_value(ctx, p, "--fieldlist", "no field given");
    free(names);
    return rc;
}

static cli_table *fields_table(const job_field **f, size_t n)
{
    const char *headers[MAX_COLS];
    for (size_t i = 0; i < n; i++)
        headers[i] = f[i]->header;
    return cli_table_new(n, headers);
}

static void add_job_row(cli_table *t, const pf_job *job, const job_field **f, size_t n)
{
    const char *cells[MAX_COLS] = {0};
    char *owned[MAX_COLS] = {0};
    json_t *obj = NULL;
    for (size_t i = 0; i < n; i++) {
        cells[i] = typed_value(job, f[i]);
        if (cells[i]) continue;
        if (!obj) obj = cli_json(job->json);
        cells[i] = owned[i] = cli_cell(field_value(obj, f[i]));
    }
    cli_table_add(t, cells);
    for (size_t i = 0; i < n; i++)
        free(owned[i]);
    json_decref(obj);
}

/* {field name: value} of the selected fields, for -o json with -fl */
static json_t *job_subset(const json_t *job, const job_field **f, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *v = field_value(job, f[i]);
        json_object_set_new(o, f[i]->name, v ? json_incref(v) : json_null());
    }
    return o;
}

/* ---- create ---- */

static json_t *parse_job_file(const char *path, const char *text, size_t len)
{
    const char *ext = strrchr(path, '.');
    bool yaml = ext && (strcmp(ext, ".yaml") == 0 || strcmp(ext, ".yml") == 0);
    const char *s = text;
    while (s < text + len && strchr(" \t\r\n", *s))
        s++;
    json_t *v;
    if (!yaml && s < text + len && (*s == '{' || *s == '[')) {
        json_error_t je;
        v = json_loadb(text, len, 0, &je);
        if (!v)
            fprintf(stderr, "error: invalid JSON in %s: line %d column %d: %s\n", path, je.line,
                    je.column, je.text);
    } else {
        pf_error e;
        v = pf_yaml_to_json(text, len, &e);
        if (!v) fprintf(stderr, "error: invalid YAML in %s: %s\n", path, e.message);
    }
    if (v && !json_is_object(v)) {
        fprintf(stderr, "error: %s must hold one job object (JSON object or YAML mapping)\n", path);
        json_decref(v);
        v = NULL;
    }
    return v;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    pf_buf b = PF_BUF_INIT;
    char chunk[8192];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        pf_buf_append(&b, chunk, r);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        pf_buf_free(&b);
        errno = EIO;
        return NULL;
    }
    *len = b.len;
    return pf_buf_steal(&b);
}

static int run_create(cli_ctx *ctx, const cli_parsed *p)
{
    const char *type = p->args[0], *path = p->args[1];
    if (strcmp(type, "single") && strcmp(type, "distributed") && strcmp(type, "workflow"))
        return cli_usage_error(ctx,
                               "Invalid value for 'JOBTYPE': '%s' is not one of 'single', "
                               "'distributed', 'workflow'.",
                               type);
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        if (errno == ENOENT)
            return cli_usage_error(ctx, "Invalid value for 'JSONPATH': File '%s' does not exist.",
                                   path);
        return cli_usage_error(ctx, "Invalid value for 'JSONPATH': File '%s' is not readable: %s",
                               path, strerror(errno));
    }
    json_t *spec = parse_job_file(path, text, len);
    free(text);
    if (!spec) return EXIT_FAIL;
    char *body = json_dumps(spec, JSON_COMPACT);
    json_decref(spec);
    pf_client *c = cli_client(ctx);
    char *id = NULL;
    pf_api_error e;
    int rc = c ? pf_job_create(c, type, body, &id, &e) : -1;
    free(body);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    if (ctx->output == OUT_JSON) {
        json_t *o = json_pack("{s:s}", "id", id);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("job create success, id[%s]\n", id);
    }
    free(id);
    return EXIT_OK;
}

/* ---- show ---- */

static bool truthy(const json_t *v)
{
    if (!v || json_is_null(v)) return false;
    if (json_is_object(v)) return json_object_size(v) > 0;
    if (json_is_array(v)) return json_array_size(v) > 0;
    if (json_is_string(v)) return *json_string_value(v) != '\0';
    return true;
}

/* The block after the table (api.md §9.4, seed): spec fields, then message and runtime. */
static json_t *config_block(const json_t *job)
{
    static const char *const spec[] = {"flavour", "fs",      "extraFS", "labels", "annotations",
                                       "image",   "command", "args",    "port",   NULL};
    static const char *const runtimes[][2] = {{"runtime", "runtime"},
                                              {"distributedRuntime", "distributed runtime"},
                                              {"workflowRuntime", "workflow runtime"}};
    json_t *o = json_object();
    for (int i = 0; spec[i]; i++) {
        json_t *v = json_object_get(job, spec[i]);
        json_object_set_new(o, spec[i], v ? json_incref(v) : json_null());
    }
    json_t *fw = json_object_get(job, "framework"), *members = json_object_get(job, "members");
    if (fw) json_object_set(o, "framework", fw);
    if (members) json_object_set(o, "members", members);
    json_t *msg = json_object_get(job, "message");
    json_object_set_new(o, "message", msg ? json_incref(msg) : json_string(""));
    for (int i = 0; i < 3; i++) {
        json_t *v = json_object_get(job, runtimes[i][0]);
        if (truthy(v)) json_object_set(o, runtimes[i][1], v);
    }
    json_t *arr = json_array();
    json_array_append_new(arr, o);
    return arr;
}

static int run_show(cli_ctx *ctx, const cli_parsed *p)
{
    const job_field *f[MAX_COLS];
    size_t n;
    int rc = select_fields(ctx, p, SHOW_DEFAULT, f, &n);
    if (rc != EXIT_OK) return rc;
    pf_client *c = cli_client(ctx);
    if (!c) return EXIT_FAIL;
    pf_job *job;
    pf_api_error e;
    if (pf_job_get(c, p->args[0], &job, &e) != 0) return cli_api_error(&e);
    json_t *obj = cli_json(job->json);
    bool custom = cli_opt_value(p, "--fieldlist") != NULL;
    if (ctx->output == OUT_JSON) {
        json_t *out = custom ? job_subset(obj, f, n) : json_incref(obj);
        cli_print_json(stdout, out);
        json_decref(out);
    } else {
        cli_table *t = fields_table(f, n);
        add_job_row(t, job, f, n);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        if (!custom) {
            json_t *block = config_block(obj);
            printf("job config and runtime info:\n");
            cli_print_json(stdout, block);
            json_decref(block);
        }
    }
    json_decref(obj);
    pf_job_free(job);
    return EXIT_OK;
}

/* ---- list ---- */

static int pairs_opt(const cli_ctx *ctx, const cli_parsed *p, const char *name, pf_pair **out,
                     size_t *n)
{
    const char *v = cli_opt_value(p, name);
    *out = NULL;
    *n = 0;
    if (!v) return EXIT_OK;
    if (cli_parse_pairs(v, out, n) != 0)
        return cli_bad_value(ctx, p, name, "'%s' is not of the form k=v[,k=v...]", v);
    return EXIT_OK;
}

static int run_list(cli_ctx *ctx, const cli_parsed *p)
{
    const job_field *f[MAX_COLS];
    size_t n, n_labels;
    long long ts = 0, max_keys = 0;
    pf_pair *labels = NULL;
    int rc = select_fields(ctx, p, LIST_DEFAULT, f, &n);
    if (rc == EXIT_OK) rc = cli_int_opt(ctx, p, "--timestamp", &ts);
    if (rc == EXIT_OK) rc = cli_int_opt(ctx, p, "--maxkeys", &max_keys);
    if (rc == EXIT_OK) rc = pairs_opt(ctx, p, "--labels", &labels, &n_labels);
    if (rc != EXIT_OK) return rc;
    pf_job_list_options o = {cli_opt_value(p, "--status"),
                             ts,
                             cli_opt_value(p, "--starttime"),
                             cli_opt_value(p, "--queue"),
                             labels,
                             n_labels,
                             (int)max_keys,
                             cli_opt_value(p, "--marker")};
    pf_client *c = cli_client(ctx);
    pf_job_page *l = NULL;
    pf_api_error e;
    rc = c ? pf_job_list(c, &o, &l, &e) : -1;
    free(labels);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    bool custom = cli_opt_value(p, "--fieldlist") != NULL;
    if (ctx->output == OUT_JSON) {
        json_t *resp = cli_json(l->json);
        if (custom) {
            json_t *reduced = json_array();
            size_t i;
            json_t *job;
            json_array_foreach(json_object_get(resp, "jobList"), i, job)
                json_array_append_new(reduced, job_subset(job, f, n));
            json_object_set_new(resp, "jobList", reduced);
        }
        cli_print_json(stdout, resp);
        json_decref(resp);
    } else {
        cli_table *t = fields_table(f, n);
        for (size_t i = 0; i < l->n; i++)
            add_job_row(t, &l->items[i], f, n);
        cli_table_print(stdout, t, ctx->output);
        cli_table_free(t);
        cli_print_marker(l->next_marker);
    }
    pf_job_page_free(l);
    return EXIT_OK;
}

/* ---- update / stop / delete ---- */

static int print_done(const cli_ctx *ctx, const char *id, const char *action)
{
    if (ctx->output == OUT_JSON) {
        json_t *o = json_pack("{s:s,s:s,s:b}", "id", id, "action", action, "success", 1);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("job[%s] %s success\n", id, action);
    }
    return EXIT_OK;
}

static int run_update(cli_ctx *ctx, const cli_parsed *p)
{
    pf_pair *labels, *annotations = NULL;
    size_t nl, na = 0;
    int rc = pairs_opt(ctx, p, "--labels", &labels, &nl);
    if (rc == EXIT_OK) rc = pairs_opt(ctx, p, "--annotations", &annotations, &na);
    if (rc != EXIT_OK) {
        free(labels);
        return rc;
    }
    const char *priority = cli_opt_value(p, "--priority");
    if (!priority) priority = cli_opt_value(p, "--prority"); /* the seed's spelling */
    pf_job_update_options o = {priority, labels, nl, annotations, na};
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    rc = c ? pf_job_update(c, p->args[0], &o, &e) : -1;
    free(labels);
    free(annotations);
    if (!c) return EXIT_FAIL;
    if (rc != 0) return cli_api_error(&e);
    return print_done(ctx, p->args[0], "update");
}

static int run_stop(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_job_stop(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return print_done(ctx, p->args[0], "stop");
}

static int run_delete(cli_ctx *ctx, const cli_parsed *p)
{
    pf_client *c = cli_client(ctx);
    pf_api_error e;
    if (!c) return EXIT_FAIL;
    if (pf_job_delete(c, p->args[0], &e) != 0) return cli_api_error(&e);
    return print_done(ctx, p->args[0], "delete");
}

#define FIELDS_HELP                                                                                \
    "comma-separated fields to show: id, name, queue, status, acceptTime, startTime, "             \
    "finishTime, user, runtime, distributedRuntime, workflowRuntime, message, labels, "            \
    "annotations, priority, flavour, fs, extraFS, image, env, command, args, port, "               \
    "extensionTemplate, framework, members"
#define FIELD_WORDS                                                                                \
    "id name queue status acceptTime startTime finishTime user runtime distributedRuntime "        \
    "workflowRuntime message labels annotations priority flavour fs extraFS image env "            \
    "command args port extensionTemplate framework members"

static const cli_cmd JOB_CMDS[] = {
    {"create",
     "create job.",
     "create job. JOBTYPE is single, distributed or workflow; JSONPATH a JSON or YAML file "
     "holding the job (JobSpec of the seed).",
     {{"JOBTYPE", "single distributed workflow"}, {"JSONPATH", "@file"}},
     {{0}},
     run_create,
     false},
    {"delete", "delete job.", NULL, {{"JOBID", NULL}}, {{0}}, run_delete, false},
    {"list",
     "list job.",
     NULL,
     {{0}},
     {{"-s", "--status", "STATUS", "list jobs in this status",
       "init pending running failed succeeded terminating terminated cancelled skipped"},
      {"-t", "--timestamp", "TIMESTAMP", "list jobs updated since this Unix time", NULL},
      {"-st", "--starttime", "STARTTIME", "list jobs started since \"2006-01-02 15:04:05\"", NULL},
      {"-q", "--queue", "QUEUE", "list jobs of this queue", NULL},
      {"-l", "--labels", "K=V,...", "list jobs having all these labels", NULL},
      {"-m", "--maxkeys", "MAXKEYS", "at most this many jobs (server default 50)", NULL},
      {"-mk", "--marker", "MARKER", "continue from this marker", NULL},
      {"-fl", "--fieldlist", "F1,F2", FIELDS_HELP, FIELD_WORDS}},
     run_list,
     false},
    {"show",
     "show job JOBID: the id of the specificed job.",
     NULL,
     {{"JOBID", NULL}},
     {{"-fl", "--fieldlist", "F1,F2", FIELDS_HELP, FIELD_WORDS}},
     run_show,
     false},
    {"stop", "stop the job.", NULL, {{"JOBID", NULL}}, {{0}}, run_stop, false},
    {"update",
     "update job, including priority, labels, or annotations.",
     "update job, including priority (only before it is scheduled), labels, or annotations "
     "(a key with an empty value is removed).",
     {{"JOBID", NULL}},
     {{"-p", "--priority", "PRIORITY", "HIGH, NORMAL or LOW (any case)",
       "high normal low very_high very_low"},
      {"-l", "--labels", "K=V,...", "labels to set; k= removes k", NULL},
      {"-a", "--annotations", "K=V,...", "annotations to set; k= removes k", NULL},
      {NULL, "--prority", "PRIORITY", NULL, NULL}}, /* hidden: the seed's typo of --priority */
     run_update,
     false},
    {0},
};

const cli_group cli_group_job = {"job", "manage job resources", JOB_CMDS, false};
