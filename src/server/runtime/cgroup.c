/* cgroup.c — detection of writable cgroups (v2, v1 or none) and the per-task cgroup life
 * cycle: create with limits, join, signal every member, OOM check, remove.
 *
 * Why the task cgroup matters beyond limits: it is the one reliable list of "every process
 * of this task", including children that called setsid() or double-forked, so stop can kill
 * them all. Without a cgroup the shim falls back to its subreaper descendant walk. */
#include "server/runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "server/runtime/taskfs.h"

#define CGROUP2_MAGIC 0x63677270
#define CG_ROOT "/sys/fs/cgroup"
#define CFS_PERIOD_US 100000

const char *pf_cg_mode_name(pf_cg_mode mode)
{
    return mode == PF_CG_V2 ? "cgroup v2" : mode == PF_CG_V1 ? "cgroup v1" : "none";
}

static int write_str(const char *dir, const char *file, const char *value)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path) return -1;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(value);
    ssize_t n = write(fd, value, len);
    int err = errno;
    close(fd);
    errno = err;
    return n == (ssize_t)len ? 0 : -1;
}

static bool has_token(const char *list, const char *token, const char *seps)
{
    size_t tl = strlen(token);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, seps);
        if (n == tl && strncmp(p, token, tl) == 0) return true;
        p += n;
        if (*p) p++;
    }
    return false;
}

/* Our own cgroup path for a v1 controller ("memory", "cpu") or the v2 entry ("" → "0::"). */
static bool own_cgroup(const char *controller, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = '\0';
        bool match = *controller ? has_token(c1 + 1, controller, ",")
                                 : (strncmp(line, "0", 1) == 0 && c1[1] == '\0');
        if (match) found = snprintf(out, len, "%s", c2 + 1) < (int)len;
    }
    fclose(f);
    return found;
}

/* The directory of our own cgroup in the v1 hierarchy that carries controller. */
static bool v1_own_dir(const char *controller, char *out, size_t len)
{
    char own[PATH_MAX];
    if (!own_cgroup(controller, own, sizeof own)) return false;
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char root[PATH_MAX], mnt[PATH_MAX], fstype[64], opts[1024];
        char *sep = strstr(line, " - ");
        if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2) continue;
        if (sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2) continue;
        if (strcmp(fstype, "cgroup") != 0 || !has_token(opts, controller, ",")) continue;
        /* the mount may show a sub-tree (containers): strip its root from our path */
        size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
        if (rl && strncmp(own, root, rl) != 0) continue;
        found = snprintf(out, len, "%s%s", mnt, own + rl) < (int)len;
    }
    fclose(f);
    return found;
}

/* Creates <own dir>/paddleflow and checks that the control file we need is there. */
static bool make_parent(const char *own_dir, const char *probe, char *out, size_t len)
{
    if (snprintf(out, len, "%s/paddleflow", own_dir) >= (int)len) return false;
    if (mkdir(out, 0755) < 0 && errno != EEXIST) {
        out[0] = '\0';
        return false;
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", out, probe) >= (int)sizeof path ||
        access(path, W_OK) < 0) {
        out[0] = '\0';
        return false;
    }
    return true;
}

static bool detect_v1(pf_cg_env *env)
{
    char dir[PATH_MAX];
    if (v1_own_dir("memory", dir, sizeof dir))
        make_parent(dir, "memory.limit_in_bytes", env->memory, sizeof env->memory);
    if (v1_own_dir("cpu", dir, sizeof dir))
        make_parent(dir, "cpu.cfs_quota_us", env->cpu, sizeof env->cpu);
    if (!env->memory[0] && !env->cpu[0]) return false;
    env->mode = PF_CG_V1;
    if (!env->memory[0])
        snprintf(env->note, sizeof env->note, "no writable memory cgroup");
    else if (!env->cpu[0])
        snprintf(env->note, sizeof env->note, "no writable cpu cgroup");
    return true;
}

static bool file_has(const char *dir, const char *file, const char *token)
{
    char *s = NULL;
    pf_error e;
    if (pf_taskfs_read(dir, file, &s, &e) < 0) return false;
    bool has = has_token(s, token, " \n");
    free(s);
    return has;
}

static bool detect_v2(pf_cg_env *env)
{
    struct statfs sfs;
    char own[PATH_MAX], dir[PATH_MAX];
    if (statfs(CG_ROOT, &sfs) < 0 || sfs.f_type != CGROUP2_MAGIC) return false;
    if (!own_cgroup("", own, sizeof own)) return false;
    if (snprintf(dir, sizeof dir, CG_ROOT "%s", strcmp(own, "/") == 0 ? "" : own) >=
        (int)sizeof dir)
        return false;
    /* Controllers reach task cgroups only if enabled in our cgroup's subtree_control; that
     * fails (EBUSY) when our own cgroup holds processes and is not the root: the "no
     * internal processes" rule. Then tasks are tracked and killed, not limited. */
    (void)write_str(dir, "cgroup.subtree_control", "+memory");
    (void)write_str(dir, "cgroup.subtree_control", "+cpu");
    if (!make_parent(dir, "cgroup.procs", env->memory, sizeof env->memory)) return false;
    (void)write_str(env->memory, "cgroup.subtree_control", "+memory");
    (void)write_str(env->memory, "cgroup.subtree_control", "+cpu");
    env->v2_memory = file_has(env->memory, "cgroup.subtree_control", "memory");
    env->v2_cpu = file_has(env->memory, "cgroup.subtree_control", "cpu");
    env->mode = PF_CG_V2;
    if (!env->v2_memory || !env->v2_cpu)
        snprintf(env->note, sizeof env->note, "controllers not delegated:%s%s",
                 env->v2_memory ? "" : " memory", env->v2_cpu ? "" : " cpu");
    return true;
}

void pf_cg_detect(pf_cg_env *env)
{
    memset(env, 0, sizeof *env);
    const char *force = getenv("PF_CGROUP_MODE");
    if (force && strcmp(force, "none") == 0) {
        snprintf(env->note, sizeof env->note, "disabled by PF_CGROUP_MODE=none");
        return;
    }
    if (detect_v2(env) || detect_v1(env)) return;
    memset(env, 0, sizeof *env);
    snprintf(env->note, sizeof env->note, "no writable cgroup");
}

json_t *pf_cg_env_to_json(const pf_cg_env *env)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:s}", "mode",
                     env->mode == PF_CG_V2   ? "v2"
                     : env->mode == PF_CG_V1 ? "v1"
                                             : "none",
                     "memory", env->memory, "cpu", env->cpu, "v2_memory", env->v2_memory, "v2_cpu",
                     env->v2_cpu, "note", env->note);
}

static void copy_json_str(const json_t *o, const char *key, char *out, size_t len)
{
    const char *s = json_string_value(json_object_get(o, key));
    snprintf(out, len, "%s", s ? s : "");
}

void pf_cg_env_from_json(const json_t *o, pf_cg_env *env)
{
    memset(env, 0, sizeof *env);
    const char *mode = json_string_value(json_object_get(o, "mode"));
    env->mode = !mode                     ? PF_CG_NONE
                : strcmp(mode, "v2") == 0 ? PF_CG_V2
                : strcmp(mode, "v1") == 0 ? PF_CG_V1
                                          : PF_CG_NONE;
    copy_json_str(o, "memory", env->memory, sizeof env->memory);
    copy_json_str(o, "cpu", env->cpu, sizeof env->cpu);
    copy_json_str(o, "note", env->note, sizeof env->note);
    env->v2_memory = json_is_true(json_object_get(o, "v2_memory"));
    env->v2_cpu = json_is_true(json_object_get(o, "v2_cpu"));
}

void pf_cg_task_init(pf_cg_task *t, const pf_cg_env *env, const char *task_name)
{
    memset(t, 0, sizeof *t);
    t->mode = env->mode;
    if (env->mode == PF_CG_NONE) return;
    if (env->memory[0]) snprintf(t->memory, sizeof t->memory, "%s/%s", env->memory, task_name);
    if (env->mode == PF_CG_V1 && env->cpu[0])
        snprintf(t->cpu, sizeof t->cpu, "%s/%s", env->cpu, task_name);
}

void pf_cg_format_cpu(int64_t milli, char *out, size_t len)
{
    if (milli % 1000 == 0)
        snprintf(out, len, "%" PRId64, milli / 1000);
    else
        snprintf(out, len, "%" PRId64 "m", milli);
}

void pf_cg_format_mem(int64_t bytes, char *out, size_t len)
{
    static const char *units[] = {"Ki", "Mi", "Gi", "Ti"};
    int u = -1;
    while (u < 3 && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    snprintf(out, len, "%" PRId64 "%s", bytes, u < 0 ? "" : units[u]);
}

/* mkdir the task dir (parent too, in case it was removed); clears dir on failure. */
static bool make_task_dir(char *dir)
{
    if (!dir[0]) return false;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        (void)mkdir(parent, 0755);
    }
    if (mkdir(dir, 0755) == 0 || errno == EEXIST) return true;
    dir[0] = '\0';
    return false;
}

static bool set_memory(const pf_cg_task *t, int64_t bytes)
{
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, bytes);
    if (t->mode == PF_CG_V2) {
        (void)write_str(t->memory, "memory.swap.max", "0"); /* OOM, not swap, past the limit */
        return write_str(t->memory, "memory.max", v) == 0;
    }
    if (write_str(t->memory, "memory.limit_in_bytes", v) < 0) return false;
    (void)write_str(t->memory, "memory.memsw.limit_in_bytes", v); /* only with swap accounting */
    return true;
}

static bool set_cpu(const pf_cg_task *t, int64_t milli)
{
    int64_t quota = milli * CFS_PERIOD_US / 1000;
    if (quota < 1000) quota = 1000; /* the kernel's minimum */
    char v[64];
    if (t->mode == PF_CG_V2) {
        snprintf(v, sizeof v, "%" PRId64 " %d", quota, CFS_PERIOD_US);
        return write_str(t->memory, "cpu.max", v) == 0;
    }
    snprintf(v, sizeof v, "%d", CFS_PERIOD_US);
    if (write_str(t->cpu, "cpu.cfs_period_us", v) < 0) return false;
    snprintf(v, sizeof v, "%" PRId64, quota);
    return write_str(t->cpu, "cpu.cfs_quota_us", v) == 0;
}

static void append(char *out, size_t len, const char *sep, const char *s)
{
    size_t n = strlen(out);
    if (n < len) snprintf(out + n, len - n, "%s%s", n ? sep : "", s);
}

void pf_cg_task_create(pf_cg_task *t, const pf_cg_env *env, int64_t cpu_milli, int64_t mem_bytes,
                       char *enforced, size_t enforced_len)
{
    char done[128] = "", missed[128] = "", q[32], part[64];
    if (cpu_milli <= 0 && mem_bytes <= 0 && t->mode != PF_CG_NONE) {
        /* Nothing to limit: no cgroup. Joining one costs the task an RCU grace period
         * before it can exec (~10 ms on v1 when joins are rare), and tracking needs none:
         * the shim is a child subreaper and finds every descendant. */
        snprintf(enforced, enforced_len, "%s: no limits requested (no task cgroup)",
                 pf_cg_mode_name(t->mode));
        memset(t, 0, sizeof *t);
        return;
    }
    bool have_mem = make_task_dir(t->memory);
    /* v1: the cpu cgroup only when it limits or is the only tracker; every cgroup joined
     * costs the task an RCU grace period at start */
    bool have_cpu = t->mode != PF_CG_V1            ? have_mem
                    : (cpu_milli > 0 || !have_mem) ? make_task_dir(t->cpu)
                                                   : (t->cpu[0] = '\0', false);
    if (cpu_milli > 0) {
        pf_cg_format_cpu(cpu_milli, q, sizeof q);
        snprintf(part, sizeof part, "cpu %s", q);
        bool ok = have_cpu && (t->mode == PF_CG_V1 || env->v2_cpu) && set_cpu(t, cpu_milli);
        append(ok ? done : missed, ok ? sizeof done : sizeof missed, ", ", part);
    }
    if (mem_bytes > 0) {
        pf_cg_format_mem(mem_bytes, q, sizeof q);
        snprintf(part, sizeof part, "memory %s", q);
        bool ok = have_mem && (t->mode == PF_CG_V1 || env->v2_memory) && set_memory(t, mem_bytes);
        append(ok ? done : missed, ok ? sizeof done : sizeof missed, ", ", part);
    }
    if (!have_mem && !have_cpu) {
        t->mode = PF_CG_NONE;
        snprintf(enforced, enforced_len, "none: %s%s%s",
                 env->note[0] ? env->note : "no writable cgroup",
                 missed[0] ? "; not enforced: " : "", missed);
        return;
    }
    snprintf(enforced, enforced_len, "%s: %s%s%s", pf_cg_mode_name(t->mode),
             done[0] ? done : "no limits", missed[0] ? "; not enforced: " : "", missed);
}

int pf_cg_task_join(const pf_cg_task *t)
{
    if (t->memory[0] && write_str(t->memory, "cgroup.procs", "0") < 0) return -1;
    if (t->cpu[0] && write_str(t->cpu, "cgroup.procs", "0") < 0) return -1;
    return 0;
}

static int signal_members(const char *dir, int sig)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path) return 0;
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    int n = 0, pid;
    while (fscanf(f, "%d", &pid) == 1) {
        char state = 0;
        if (pf_proc_starttime(pid, &state) == 0 || state == 'Z') continue;
        if (kill(pid, sig) == 0) n++;
    }
    fclose(f);
    return n;
}

int pf_cg_task_signal(const pf_cg_task *t, int sig)
{
    if (t->mode == PF_CG_V2 && sig == SIGKILL && t->memory[0])
        (void)write_str(t->memory, "cgroup.kill", "1"); /* atomic, races no fork */
    if (t->memory[0]) return signal_members(t->memory, sig);
    if (t->cpu[0]) return signal_members(t->cpu, sig);
    return 0;
}

bool pf_cg_task_oom(const pf_cg_task *t)
{
    if (!t->memory[0]) return false;
    const char *file = t->mode == PF_CG_V2 ? "memory.events" : "memory.oom_control";
    char *s = NULL;
    pf_error e;
    if (pf_taskfs_read(t->memory, file, &s, &e) < 0) return false;
    const char *p = strstr(s, "oom_kill ");
    bool oom = p && strtoll(p + 9, NULL, 10) > 0;
    free(s);
    return oom;
}

int pf_cg_task_remove(const pf_cg_task *t)
{
    int rc = 0;
    if (t->memory[0] && rmdir(t->memory) < 0 && errno != ENOENT) rc = -1;
    if (t->cpu[0] && rmdir(t->cpu) < 0 && errno != ENOENT) rc = -1;
    return rc;
}
