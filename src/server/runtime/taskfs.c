/* taskfs.c — the task directory's files: atomic durable writes, the exclusive claim, the
 * process records and exit.json. See shim_proto.h for who writes which file.
 *
 * Durability matters only against power loss (a killed process leaves the page cache
 * intact), but the claim and the exit record are the two facts a restarted server builds
 * on, so they are fsynced together with their directory entry. */
#include "server/runtime/taskfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE (1 << 20)
#define PSEUDO_FILE_MAX 65536

int pf_path_join(char *out, size_t outlen, const char *dir, const char *name, pf_error *e)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outlen) return pf_fail(e, "InternalError", "path too long: %s", dir);
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

/* Writes data to the freshly created fd of path (fsynced when durable) and closes it; on
 * failure the file is removed. */
static int fill(int fd, const char *path, const void *data, size_t len, bool durable, pf_error *e)
{
    if (write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
        int err = errno;
        close(fd);
        unlink(path);
        errno = err;
        return pf_fail(e, "InternalError", "write %s: %s", path, strerror(err));
    }
    close(fd);
    return 0;
}

/* Writes a uniquely named temporary file next to the target; returns 0 with tmp filled. */
static int write_tmp(const char *dir, const char *name, const void *data, size_t len, bool durable,
                     char *tmp, size_t tmplen, pf_error *e)
{
    /* unique per thread: concurrent writers of one file must not share a temporary */
    int n = snprintf(tmp, tmplen, "%s/.%s.%d.%d.tmp", dir, name, (int)getpid(), (int)gettid());
    if (n < 0 || (size_t)n >= tmplen) return pf_fail(e, "InternalError", "path too long: %s", dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return pf_fail(e, "InternalError", "create %s: %s", tmp, strerror(errno));
    return fill(fd, tmp, data, len, durable, e);
}

int pf_taskfs_write(const char *dir, const char *name, const void *data, size_t len, bool durable,
                    pf_error *e)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    if (pf_path_join(dst, sizeof dst, dir, name, e) < 0) return -1;
    if (write_tmp(dir, name, data, len, durable, tmp, sizeof tmp, e) < 0) return -1;
    if (rename(tmp, dst) < 0) {
        int err = errno;
        unlink(tmp);
        errno = err;
        return pf_fail(e, "InternalError", "rename %s: %s", dst, strerror(err));
    }
    if (durable) fsync_dir(dir);
    return 0;
}

int pf_taskfs_create(const char *dir, const char *name, const void *data, size_t len,
                     bool durable, pf_error *e)
{
    char path[PATH_MAX];
    if (pf_path_join(path, sizeof path, dir, name, e) < 0) return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        int err = errno;
        pf_fail(e, "InternalError", "create %s: %s", path, strerror(err));
        errno = err;
        return -1;
    }
    /* one write of a small record: readers see the file empty or whole, and treat empty
     * (or, after a crash mid-write, short) as "not written yet" */
    if (fill(fd, path, data, len, durable, e) < 0) return -1;
    if (durable) fsync_dir(dir);
    return 0;
}

int pf_taskfs_put(const char *dir, const char *name, const void *data, size_t len, bool durable,
                  pf_error *e)
{
    if (pf_taskfs_create(dir, name, data, len, durable, e) == 0) return 0;
    if (errno != EEXIST) return -1;
    return pf_taskfs_write(dir, name, data, len, durable, e);
}

int pf_taskfs_read(const char *dir, const char *name, char **out, pf_error *e)
{
    char path[PATH_MAX];
    *out = NULL;
    if (pf_path_join(path, sizeof path, dir, name, e) < 0) return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        pf_fail(e, err == ENOENT ? "RecordNotFound" : "InternalError", "open %s: %s", path,
                strerror(err));
        errno = err;
        return -1;
    }
    /* records are replaced by rename, so st_size is exact; kernel files (cgroupfs) say 0 */
    struct stat sb;
    size_t cap = fstat(fd, &sb) < 0 || sb.st_size <= 0 ? PSEUDO_FILE_MAX
                 : sb.st_size < MAX_FILE               ? (size_t)sb.st_size
                                                       : MAX_FILE;
    char *buf = malloc(cap + 1);
    if (!buf) abort();
    size_t len = 0;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    return 0;
}

bool pf_taskfs_exists(const char *dir, const char *name)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return false;
    return access(path, F_OK) == 0;
}

static int format_proc(char *buf, size_t len, const pf_proc_rec *rec)
{
    return snprintf(buf, len, "%d %" PRIu64 " %" PRId64 "\n", rec->pid, rec->starttime, rec->at_ms);
}

int pf_taskfs_claim(const char *dir, const pf_proc_rec *rec, const char *note, pf_error *e)
{
    char tmp[PATH_MAX], dst[PATH_MAX], line[96];
    int n = format_proc(line, sizeof line, rec);
    if (pf_path_join(dst, sizeof dst, dir, "claim", e) < 0) return -1;
    char *text = NULL;
    if (asprintf(&text, "%s%s%s", note ? note : "", note ? "\n" : "", line) < 0) abort();
    n = (int)strlen(text);
    /* Not fsynced: the claim guards against a second start while this machine is up (a
     * server SIGKILLed and restarted sees it in the page cache). After a power loss the
     * task's processes are gone anyway, and starting it again is what should happen; two
     * disk flushes on every start bought nothing. */
    int wrc = write_tmp(dir, "claim", text, (size_t)n, false, tmp, sizeof tmp, e);
    free(text);
    if (wrc < 0) return -1;
    /* link(2) fails with EEXIST when the name exists: an exclusive create that cannot leave
     * an empty claim behind, unlike open(O_EXCL) followed by a write. */
    int rc = link(tmp, dst);
    int err = errno;
    unlink(tmp);
    if (rc == 0) return 1;
    if (err == EEXIST) return 0;
    return pf_fail(e, "InternalError", "claim %s: %s", dst, strerror(err));
}

int pf_taskfs_write_proc(const char *dir, const char *name, const pf_proc_rec *rec,
                         const char *note, pf_error *e)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%s%s", note ? note : "", note ? "\n" : "");
    if (n < 0 || n >= (int)sizeof buf - 96) n = 0;
    n += format_proc(buf + n, sizeof buf - (size_t)n, rec);
    /* created in place, not fsynced: a pid means nothing after a reboot, the only event that
     * could lose it, and it is written once, by the shim (readers take an empty or partial
     * record for "not started yet") */
    return pf_taskfs_put(dir, name, buf, (size_t)n, false, e);
}

int pf_taskfs_read_proc(const char *dir, const char *name, pf_proc_rec *rec, char *note,
                        size_t note_len, pf_error *e)
{
    char *s;
    if (note && note_len) note[0] = '\0';
    if (pf_taskfs_read(dir, name, &s, e) < 0) return -1;
    /* the record is the last line; a note (task.pid: what cgroups enforce) may precede it */
    size_t len = strlen(s);
    while (len && s[len - 1] == '\n') s[--len] = '\0';
    char *last = strrchr(s, '\n');
    int64_t at = 0;
    uint64_t st = 0;
    int pid = 0;
    int got = sscanf(last ? last + 1 : s, "%d %" SCNu64 " %" SCNd64, &pid, &st, &at);
    if (last && note && note_len) {
        *last = '\0';
        snprintf(note, note_len, "%s", s);
    }
    free(s);
    if (got != 3 || pid <= 0) {
        errno = EINVAL;
        return pf_fail(e, "InternalError", "%s/%s: malformed process record", dir, name);
    }
    *rec = (pf_proc_rec){.pid = pid, .starttime = st, .at_ms = at};
    return 0;
}

int pf_taskfs_write_exit(const char *dir, const pf_task_status *st, pf_error *e)
{
    json_t *o =
        json_pack("{s:i, s:b, s:i, s:i, s:I, s:I, s:b, s:b, s:b, s:s}", "pid", st->pid, "started",
                  st->started, "exit_code", st->exit_code, "signal", st->term_signal, "started_ms",
                  (json_int_t)st->started_ms, "finished_ms", (json_int_t)st->finished_ms,
                  "stop_requested", st->stop_requested, "oom_killed", st->oom_killed,
                  "supervisor_lost", st->supervisor_lost, "message", st->message);
    if (!o) return pf_fail(e, "InternalError", "encode exit record");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s) return pf_fail(e, "InternalError", "encode exit record");
    size_t len = strlen(s);
    s[len] = '\n'; /* the NUL becomes the final newline; s is not used as a string after */
    /* the common case (the shim's one record) creates the file in place: one inode per
     * task less than tmp + rename, and inode creation is what a short task mostly costs */
    int rc = pf_taskfs_put(dir, "exit.json", s, len + 1, true, e);
    free(s);
    return rc;
}

static int64_t get_int(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static bool get_bool(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

int pf_taskfs_read_exit(const char *dir, pf_task_status *st, pf_error *e)
{
    char *s;
    if (pf_taskfs_read(dir, "exit.json", &s, e) < 0) return -1;
    json_t *o = json_loads(s, 0, NULL);
    free(s);
    if (!json_is_object(o)) {
        json_decref(o);
        errno = EINVAL;
        return pf_fail(e, "InternalError", "%s/exit.json: malformed", dir);
    }
    st->exited = true;
    st->pid = (int)get_int(o, "pid");
    st->started = get_bool(o, "started");
    st->exit_code = (int)get_int(o, "exit_code");
    st->term_signal = (int)get_int(o, "signal");
    st->started_ms = get_int(o, "started_ms");
    st->finished_ms = get_int(o, "finished_ms");
    st->stop_requested = get_bool(o, "stop_requested");
    st->oom_killed = get_bool(o, "oom_killed");
    st->supervisor_lost = get_bool(o, "supervisor_lost");
    const char *msg = json_string_value(json_object_get(o, "message"));
    snprintf(st->message, sizeof st->message, "%s", msg ? msg : "");
    json_decref(o);
    return 0;
}

uint64_t pf_proc_starttime(int pid, char *state)
{
    char path[64], buf[1024];
    if (pid <= 0) return 0;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    /* comm may contain spaces and parentheses: fields restart after the LAST ')' */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ') return 0;
    p += 2; /* field 3: state */
    if (state) *state = *p;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p) return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

bool pf_proc_alive(const pf_proc_rec *rec)
{
    char state = 0;
    uint64_t st = pf_proc_starttime(rec->pid, &state);
    return st != 0 && st == rec->starttime && state != 'Z';
}
