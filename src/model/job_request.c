/* job_request.c — normalising and checking job create requests. */
#include "model/job_request.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/ids.h"
#include "base/json.h"

/* ---- decoding (type checks + canonical keys) ---- */

static int copy_str(const json_t *in, const char *key, json_t *out, pf_error *e)
{
    const char *v = NULL;
    if (pf_json_str(in, key, &v, e)) return -1;
    if (v) json_object_set_new(out, key, json_string(v));
    return 0;
}

static int copy_strmap(const json_t *in, const char *key, json_t *out, pf_error *e)
{
    json_t *v = NULL;
    if (pf_json_strmap(in, key, &v, e)) return -1;
    if (v) json_object_set_new(out, key, v);
    return 0;
}

static int decode_flavour(const json_t *in, const char *key, json_t *out, pf_error *e)
{
    json_t *f = NULL;
    if (pf_json_object(in, key, &f, e)) return -1;
    if (!f) return 0;
    json_t *o = json_object();
    int rc = copy_str(f, "name", o, e) || copy_str(f, "cpu", o, e) || copy_str(f, "mem", o, e) ||
             copy_strmap(f, "scalarResources", o, e);
    if (rc) {
        json_decref(o);
        return pf_error_prefix(e, "%s: ", key);
    }
    json_object_set_new(out, key, o);
    return 0;
}

static json_t *decode_fs(const json_t *f, pf_error *e)
{
    json_t *o = json_object();
    bool ro = false;
    json_t *rov = pf_json_get(f, "readOnly");
    if (copy_str(f, "id", o, e) || copy_str(f, "name", o, e) || copy_str(f, "mountPath", o, e) ||
        copy_str(f, "subPath", o, e) || pf_json_bool(f, "readOnly", &ro, e)) {
        json_decref(o);
        return NULL;
    }
    if (rov) json_object_set_new(o, "readOnly", json_boolean(ro));
    return o;
}

static int decode_spec(const json_t *in, json_t *out, pf_error *e)
{
    json_t *fs = NULL, *extra = NULL, *args = NULL, *tpl = NULL;
    long long port = 0;
    if (decode_flavour(in, "flavour", out, e) || decode_flavour(in, "limitFlavour", out, e) ||
        pf_json_object(in, "fs", &fs, e) || pf_json_array(in, "extraFS", &extra, e) ||
        copy_str(in, "image", out, e) || copy_strmap(in, "env", out, e) ||
        copy_str(in, "command", out, e) || pf_json_strlist(in, "args", &args, e) ||
        pf_json_int(in, "port", &port, e))
        return -1;
    if (fs) {
        json_t *o = decode_fs(fs, e);
        if (!o) return pf_error_prefix(e, "fs: ");
        json_object_set_new(out, "fs", o);
    }
    if (extra) {
        json_t *arr = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(extra, i, item)
        {
            json_t *o = json_is_object(item) ? decode_fs(item, e) : NULL;
            if (!o) {
                json_decref(arr);
                if (!json_is_object(item))
                    return pf_fail(e, "MalformedJSON",
                                   "json: cannot unmarshal a non-object into field extraFS[%zu]",
                                   i);
                return pf_error_prefix(e, "extraFS[%zu]: ", i);
            }
            json_array_append_new(arr, o);
        }
        json_object_set_new(out, "extraFS", arr);
    }
    if (args) json_object_set(out, "args", args);
    if (pf_json_get(in, "port")) json_object_set_new(out, "port", json_integer(port));
    tpl = pf_json_get(in, "extensionTemplate");
    if (tpl) json_object_set(out, "extensionTemplate", tpl);
    return 0;
}

static int decode_common(const json_t *in, json_t *out, pf_error *e)
{
    json_t *sp = NULL;
    if (copy_str(in, "id", out, e) || copy_str(in, "name", out, e) ||
        copy_strmap(in, "labels", out, e) || copy_strmap(in, "annotations", out, e) ||
        pf_json_object(in, "schedulingPolicy", &sp, e))
        return -1;
    json_t *o = json_object();
    if (sp && (copy_str(sp, "queue", o, e) || copy_str(sp, "priority", o, e))) {
        json_decref(o);
        return pf_error_prefix(e, "schedulingPolicy: ");
    }
    json_object_set_new(out, "schedulingPolicy", o);
    /* userName is accepted (and ignored: the owner is the caller), but must be a string */
    const char *ignored;
    return pf_json_str(in, "userName", &ignored, e);
}

static json_t *decode_member(const json_t *in, size_t i, pf_error *e)
{
    json_t *m = json_object();
    long long replicas = 0;
    if (decode_common(in, m, e) || decode_spec(in, m, e) || copy_str(in, "role", m, e) ||
        pf_json_int(in, "replicas", &replicas, e)) {
        json_decref(m);
        pf_error_prefix(e, "members[%zu]: ", i);
        return NULL;
    }
    json_object_set_new(m, "replicas", json_integer(replicas));
    if (!json_object_get(m, "role")) json_object_set_new(m, "role", json_string(""));
    return m;
}

json_t *pf_job_request_decode(const json_t *body, const char *type, pf_error *e)
{
    json_t *req = json_object();
    json_t *members = NULL;
    if (decode_common(body, req, e)) goto fail;
    /* framework and members belong to distributed jobs; others ignore them (api.md §3.2) */
    if (strcmp(type, PF_JOB_DISTRIBUTED) == 0 &&
        (copy_str(body, "framework", req, e) || pf_json_array(body, "members", &members, e)))
        goto fail;
    /* a workflow's flavour is what each of its nodes needs (our extension; default 1/1Gi) */
    if (strcmp(type, PF_JOB_WORKFLOW) == 0 && decode_flavour(body, "flavour", req, e)) goto fail;
    json_t *tpl = pf_json_get(body, "extensionTemplate");
    if (tpl) json_object_set(req, "extensionTemplate", tpl);
    json_t *out_members = json_array();
    json_object_set_new(req, "members", out_members);
    if (strcmp(type, PF_JOB_SINGLE) == 0) {
        /* the top-level spec is the single worker (members in the body are ignored) */
        json_t *m = json_object();
        json_object_set_new(m, "role", json_string("worker"));
        json_object_set_new(m, "replicas", json_integer(1));
        if (decode_spec(body, m, e)) {
            json_decref(m);
            goto fail;
        }
        json_object_del(m, "extensionTemplate");
        json_array_append_new(out_members, m);
        json_object_set_new(req, "framework", json_string("standalone"));
    } else if (strcmp(type, PF_JOB_DISTRIBUTED) == 0 && members) {
        size_t i;
        json_t *item;
        json_array_foreach(members, i, item)
        {
            if (!json_is_object(item)) {
                pf_fail(e, "MalformedJSON",
                        "json: cannot unmarshal a non-object into field members[%zu]", i);
                goto fail;
            }
            json_t *m = decode_member(item, i, e);
            if (!m) goto fail;
            json_array_append_new(out_members, m);
        }
    }
    return req;
fail:
    json_decref(req);
    return NULL;
}

/* ---- context-free validation (messages as upstream, api.md §3.1/§3.2) ---- */

const char *pf_priority_normalise(const char *p, int allow_very)
{
    static const char *const NAMES[] = {"LOW", "NORMAL", "HIGH", "VERY_LOW", "VERY_HIGH"};
    if (!p || !*p) return "NORMAL";
    for (int i = 0; i < (allow_very ? 5 : 3); i++)
        if (strcasecmp(p, NAMES[i]) == 0) return NAMES[i];
    return NULL;
}

static const char *sp_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(o, "schedulingPolicy"), key));
}

int pf_job_request_check_basics(const json_t *req, const char *type, pf_error *e)
{
    const char *id = json_string_value(json_object_get(req, "id"));
    if (id && *id && !pf_is_rfc1123_label(id)) {
        const char *len = strlen(id) > 63 ? "must be no more than 63 characters" : NULL;
        bool chars_ok = true;
        for (const char *p = id; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                chars_ok = false;
        if (id[0] == '-' || id[strlen(id) - 1] == '-') chars_ok = false;
        return pf_fail(
            e, "JobCreateFailed", "ID[%s] of Job is invalid, err: %s%s%s", id, len ? len : "",
            len && !chars_ok ? "," : "",
            chars_ok ? ""
                     : "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                       "characters or '-', and must start and end with an alphanumeric "
                       "character (regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }
    const char *name = json_string_value(json_object_get(req, "name"));
    if (name && strlen(name) > 512)
        return pf_fail(e, "JobCreateFailed", "length of jobName[%.64s...] must be no more than 512 characters",
                       name);
    return 0;
}

static int check_priority(const char *p, pf_error *e)
{
    if (pf_priority_normalise(p, 0)) return 0;
    char up[64];
    snprintf(up, sizeof up, "%s", p);
    for (char *c = up; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    return pf_fail(e, "JobCreateFailed", "invalid job priority %s, should be in [LOW, NORMAL, HIGH]",
                   up);
}

int pf_job_request_priority(const json_t *req, pf_error *e)
{
    return check_priority(sp_str(req, "priority"), e);
}

static const char *PS_FRAMEWORKS[] = {"paddle", "tensorflow", "pytorch", "mxnet", "aitj"};
static const char *DIST_FRAMEWORKS[] = {"spark", "paddle", "tensorflow", "mpi",
                                        "pytorch", "mxnet", "ray", "aitj"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

/* Role counts per framework (§3.1 table). */
static int check_role_counts(const char *fw, long long ps, long long master, long long worker,
                             long long driver, const char **mode, pf_error *e)
{
    *mode = "";
    if (strcmp(fw, "standalone") == 0) {
        if (worker != 1) return pf_fail(e, "JobCreateFailed", "replicas for single job must be 1");
    } else if (in_list(fw, PS_FRAMEWORKS, 5)) {
        if (ps > 0 || master > 0) {
            *mode = "PS";
            if (worker < 1)
                return pf_fail(e, "JobCreateFailed",
                               "framework %s in parameter server mode, role worker must be set",
                               fw);
        } else {
            *mode = "Collective";
            if (worker < 2)
                return pf_fail(e, "JobCreateFailed",
                               "framework %s in collective mode, only setting role worker with "
                               "replicas >= 2",
                               fw);
        }
    } else if (strcmp(fw, "spark") == 0) {
        *mode = "PS";
        if (driver < 1) return pf_fail(e, "JobCreateFailed", "spark application must be set role driver");
    } else if (strcmp(fw, "ray") == 0 || strcmp(fw, "mpi") == 0) {
        if (master < 1 || worker < 1)
            return pf_fail(e, "JobCreateFailed", "%s job must be set a master role and a worker role",
                           fw);
    }
    return 0;
}

static bool role_allowed(const char *fw, const char *role)
{
    if (strcmp(fw, "standalone") == 0) return strcmp(role, "worker") == 0;
    if (strcmp(fw, "spark") == 0) return !strcmp(role, "driver") || !strcmp(role, "executor");
    if (strcmp(fw, "ray") == 0 || strcmp(fw, "mpi") == 0)
        return !strcmp(role, "master") || !strcmp(role, "worker");
    return !strcmp(role, "pserver") || !strcmp(role, "master") || !strcmp(role, "worker");
}

int pf_job_request_check_members(json_t *req, const char *type, const char **mode, pf_error *e)
{
    const char *fw = json_string_value(json_object_get(req, "framework"));
    if (!fw) fw = "";
    if (strcmp(type, PF_JOB_DISTRIBUTED) == 0 && !in_list(fw, DIST_FRAMEWORKS, 8))
        return pf_fail(e, "JobCreateFailed", "invalid framework %s for distributed job", fw);
    json_t *members = json_object_get(req, "members");
    bool tpl = json_object_size(json_object_get(req, "extensionTemplate")) > 0;
    if (json_array_size(members) == 0 && strcmp(type, PF_JOB_DISTRIBUTED) == 0) {
        *mode = "";
        return tpl ? 0 : pf_fail(e, "JobCreateFailed", "request.Members is empty");
    }
    long long ps = 0, master = 0, worker = 0, driver = 0;
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        for (size_t k = 0; k < i; k++) { /* task names are <job>-<role>-<index>: one member a role */
            const char *other = json_string_value(json_object_get(json_array_get(members, k), "role"));
            bool same = strcmp(other, role) == 0 ||
                        (!tpl && !strcmp(other, "worker") && !strcmp(role, "pworker"));
            if (same)
                return pf_fail(e, "JobCreateFailed",
                               "the role[%s] is set by more than one member; put all of its "
                               "replicas in one member",
                               role);
        }
        long long replicas = json_integer_value(json_object_get(m, "replicas"));
        if (!tpl && strcmp(role, "pworker") == 0) {
            json_object_set_new(m, "role", json_string("worker"));
            role = "worker";
        }
        if (!role_allowed(fw, role))
            return pf_fail(e, "JobCreateFailed", "the role[%s] for framework %s is not supported",
                           role, fw);
        if (!tpl) {
            if (replicas < 1)
                return pf_fail(e, "JobCreateFailed", "the replicas of member is less than 1");
            json_t *pv = json_object_get(m, "port");
            long long port = pv ? json_integer_value(pv) : 0;
            if (pv && port != 0 && (port < 0 || port >= 65535))
                return pf_fail(e, "JobCreateFailed", "port must be in range [0, 65535], but got %lld",
                               port);
            const char *image = json_string_value(json_object_get(m, "image"));
            if (!image || !*image)
                return pf_fail(e, "JobCreateFailed",
                               "required fields in {image} are empty, please fill it");
        }
        const char *mp = sp_str(m, "priority");
        if (mp && *mp && check_priority(mp, e)) return -1;
        if (!strcmp(role, "pserver")) ps += replicas;
        if (!strcmp(role, "master")) master += replicas;
        if (!strcmp(role, "worker")) worker += replicas;
        if (!strcmp(role, "driver")) driver += replicas;
    }
    return check_role_counts(fw, ps, master, worker, driver, mode, e);
}
