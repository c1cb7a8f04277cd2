/* logread.c — paging a log file by lines and bytes (logread.h has the semantics).
 *
 * Two steps, as upstream does against the Kubernetes API: load a bounded window (head:
 * the first PF_LOG_HEAD_BYTES bytes; tail: the last PF_LOG_TAIL_LINES lines, found by
 * scanning backwards so a huge log costs only its tail), split it into lines, then cut the
 * requested page out of those lines. */
#include "server/runtime/logread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_LINE_LIMIT 1000
#define MAX_LINE_LIMIT 1000000
#define DEFAULT_SIZE_LIMIT (100LL * 1000 * 1000) /* "100M" */
#define MAX_SIZE_LIMIT (1LL << 30)               /* "1G" (as 1Gi: the larger reading) */
#define SCAN_BLOCK 65536

typedef struct window {
    char *data;
    size_t len;
    bool capped; /* the file holds more than the window */
} window;

typedef struct line {
    size_t off, len; /* len includes the '\n' when there is one */
} line;

void pf_log_chunk_free(pf_log_chunk *c)
{
    free(c->content);
    c->content = NULL;
    c->len = 0;
}

static int pread_all(int fd, char *buf, size_t len, off_t off)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Opens path; a missing file is an empty one (*fd = -1, *size = 0). */
static int open_log(const char *path, int *fd, off_t *size, pf_error *e)
{
    struct stat sb;
    *size = 0;
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return errno == ENOENT ? 0
                               : pf_fail(e, "InternalError", "open %s: %s", path, strerror(errno));
    if (fstat(*fd, &sb) < 0) {
        close(*fd);
        return pf_fail(e, "InternalError", "stat %s: %s", path, strerror(errno));
    }
    *size = sb.st_size;
    return 0;
}

static int read_range(int fd, off_t from, off_t to, window *w, const char *path, pf_error *e)
{
    w->len = (size_t)(to - from);
    w->data = malloc(w->len + 1);
    if (!w->data) abort();
    if (w->len && pread_all(fd, w->data, w->len, from) < 0)
        return pf_fail(e, "InternalError", "read %s: %s", path, strerror(errno ? errno : EIO));
    w->data[w->len] = '\0';
    return 0;
}

static int load_head(const char *path, window *w, pf_error *e)
{
    int fd;
    off_t size;
    memset(w, 0, sizeof *w);
    if (open_log(path, &fd, &size, e) < 0) return -1;
    off_t to = size < PF_LOG_HEAD_BYTES ? size : PF_LOG_HEAD_BYTES;
    w->capped = size > to;
    int rc = fd < 0 ? read_range(fd, 0, 0, w, path, e) : read_range(fd, 0, to, w, path, e);
    if (fd >= 0) close(fd);
    return rc;
}

/* Where the last PF_LOG_TAIL_LINES lines start: just after the matching '\n' counted
 * backwards (a '\n' ending the file closes the last line, it does not start a new one). */
static off_t tail_start(int fd, off_t size, bool *capped)
{
    char buf[SCAN_BLOCK];
    int seen = 0;
    off_t end = size > 0 ? size - 1 : 0; /* skip the file's final byte: a '\n' there ends a line */
    *capped = false;
    while (end > 0) {
        off_t from = end > SCAN_BLOCK ? end - SCAN_BLOCK : 0;
        if (pread_all(fd, buf, (size_t)(end - from), from) < 0) return 0;
        for (off_t i = end - from; i-- > 0;) {
            if (buf[i] != '\n' || ++seen < PF_LOG_TAIL_LINES) continue;
            *capped = true;
            return from + i + 1;
        }
        end = from;
    }
    return 0;
}

static int load_tail(const char *path, window *w, pf_error *e)
{
    int fd;
    off_t size;
    memset(w, 0, sizeof *w);
    if (open_log(path, &fd, &size, e) < 0) return -1;
    if (fd < 0) return read_range(fd, 0, 0, w, path, e);
    off_t from = tail_start(fd, size, &w->capped);
    int rc = read_range(fd, from, size, w, path, e);
    close(fd);
    return rc;
}

static line *split_lines(const window *w, size_t *count)
{
    size_t cap = 64, n = 0;
    line *lines = malloc(cap * sizeof *lines);
    if (!lines) abort();
    for (size_t off = 0; off < w->len;) {
        const char *nl = memchr(w->data + off, '\n', w->len - off);
        size_t len = nl ? (size_t)(nl - (w->data + off)) + 1 : w->len - off;
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
            if (!lines) abort();
        }
        lines[n++] = (line){off, len};
        off += len;
    }
    *count = n;
    return lines;
}

/* out = lines [first, last) of w, and the flags for a window edge at first/last. */
static void emit(const window *w, const line *lines, size_t n, size_t first, size_t last,
                 bool from_end, pf_log_chunk *out)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_append(&b, "", 0); /* NUL-terminated even when empty (pf_buf_steal alone is not) */
    if (first < last)
        pf_buf_append(&b, w->data + lines[first].off,
                      lines[last - 1].off + lines[last - 1].len - lines[first].off);
    out->len = b.len;
    out->content = pf_buf_steal(&b);
    bool at_edge = from_end ? first == 0 : last >= n;
    out->has_next_page = !at_edge;
    out->truncated = at_edge && w->capped;
}

int pf_log_read_page(const char *path, int page_no, int page_size, bool from_end, pf_log_chunk *out,
                     pf_error *e)
{
    window w;
    memset(out, 0, sizeof *out);
    if (page_no < 1) page_no = 1;
    if (page_size < 1) page_size = 100;
    if ((from_end ? load_tail(path, &w, e) : load_head(path, &w, e)) < 0) {
        free(w.data);
        return -1;
    }
    size_t n, first, last;
    line *lines = split_lines(&w, &n);
    size_t skip = (size_t)(page_no - 1) * (size_t)page_size;
    if (from_end) {
        last = skip < n ? n - skip : 0;
        first = last > (size_t)page_size ? last - (size_t)page_size : 0;
    } else {
        first = skip < n ? skip : n;
        last = first + (size_t)page_size < n ? first + (size_t)page_size : n;
    }
    emit(&w, lines, n, first, last, from_end, out);
    free(lines);
    free(w.data);
    return 0;
}

int pf_log_read_limits(const char *path, long line_limit, int64_t size_limit, bool from_tail,
                       pf_log_chunk *out, pf_error *e)
{
    window w;
    memset(out, 0, sizeof *out);
    if (line_limit <= 0 || line_limit > MAX_LINE_LIMIT) line_limit = DEFAULT_LINE_LIMIT;
    if (size_limit <= 0 || size_limit > MAX_SIZE_LIMIT) size_limit = DEFAULT_SIZE_LIMIT;
    if ((from_tail ? load_tail(path, &w, e) : load_head(path, &w, e)) < 0) {
        free(w.data);
        return -1;
    }
    size_t n, taken = 0, bytes = 0;
    line *lines = split_lines(&w, &n);
    while (taken < n && taken < (size_t)line_limit) {
        line *l = &lines[from_tail ? n - 1 - taken : taken];
        if (bytes + l->len > (uint64_t)size_limit) {
            if (taken == 0) { /* one huge line: cut it rather than return nothing */
                if (from_tail) l->off += l->len - (size_t)size_limit;
                l->len = (size_t)size_limit;
                taken = 1;
            }
            break;
        }
        bytes += l->len;
        taken++;
    }
    size_t first = from_tail ? n - taken : 0, last = from_tail ? n : taken;
    emit(&w, lines, n, first, last, from_tail, out);
    free(lines);
    free(w.data);
    return 0;
}

long pf_log_follow(const char *path, int64_t offset, size_t max_bytes, pf_buf *out,
                   int64_t *next_offset, pf_error *e)
{
    int fd;
    off_t size;
    *next_offset = offset;
    if (open_log(path, &fd, &size, e) < 0) return -1;
    if (fd < 0 || offset >= size) {
        if (fd >= 0) close(fd);
        return 0;
    }
    size_t want = (size_t)(size - offset) < max_bytes ? (size_t)(size - offset) : max_bytes;
    char *buf = malloc(want ? want : 1);
    if (!buf) abort();
    int rc = pread_all(fd, buf, want, (off_t)offset);
    close(fd);
    if (rc < 0) {
        free(buf);
        return pf_fail(e, "InternalError", "read %s: %s", path, strerror(errno ? errno : EIO));
    }
    pf_buf_append(out, buf, want);
    free(buf);
    *next_offset = offset + (int64_t)want;
    return (long)want;
}
