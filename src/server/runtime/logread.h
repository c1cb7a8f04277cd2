/* logread.h — reading a task's log file (output.log) the way upstream pages Kubernetes
 * logs (runtime.md §9.1, §9.2, §9.4), plus an offset-based reader for streaming.
 *
 * Like the Kubernetes path, every read first loads a bounded window of the file — the
 * first 500000 bytes when reading from the head, the last 5000 lines when reading from the
 * tail — and pages inside it. has_next_page says more lines exist in that window beyond the
 * returned ones; truncated says the returned lines reached the window's edge AND the file
 * holds more than the window (so older/newer lines exist that no page can return).
 * A missing log file reads as empty (the task has not written anything yet). */
#ifndef PF_RUNTIME_LOGREAD_H
#define PF_RUNTIME_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define PF_LOG_HEAD_BYTES 500000 /* pre-read cap from the head (k8s limitBytes) */
#define PF_LOG_TAIL_LINES 5000   /* pre-read cap from the tail (k8s tailLines) */

typedef struct pf_log_chunk {
    char *content; /* owned, NUL-terminated, lines keep their '\n'; free with pf_log_chunk_free */
    size_t len;
    bool has_next_page;
    bool truncated;
} pf_log_chunk;

void pf_log_chunk_free(pf_log_chunk *c);

/* §9.2: at most line_limit lines and size_limit bytes, the first ones (head) or the last
 * ones (from_tail). Out-of-range limits fall back to upstream's defaults: line_limit ≤ 0 or
 * > 1000000 → 1000; size_limit ≤ 0 or > 1 GiB → 100 MB. Lines are whole, except that a
 * single line longer than size_limit is cut (so a page is never empty while lines remain). */
int pf_log_read_limits(const char *path, long line_limit, int64_t size_limit, bool from_tail,
                       pf_log_chunk *out, pf_error *e);

/* §9.1: page page_no (1-based) of page_size lines, counted from the beginning or from the
 * end (from_end: page 1 = the last page_size lines). A page beyond the end is empty.
 * page_no < 1 reads as 1, page_size < 1 as 100. */
int pf_log_read_page(const char *path, int page_no, int page_size, bool from_end, pf_log_chunk *out,
                     pf_error *e);

/* Streaming: appends to out the bytes from offset (at most max_bytes) and sets *next_offset
 * to where the next call should start. Returns the number of bytes appended (0 = nothing
 * new yet), or -1 on error. */
long pf_log_follow(const char *path, int64_t offset, size_t max_bytes, pf_buf *out,
                   int64_t *next_offset, pf_error *e);

#endif
