/* ids.h — identifiers (api.md §10): job ids, prefixed short ids, UUIDs, request ids. */
#ifndef PF_BASE_IDS_H
#define PF_BASE_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define PF_UUID_LEN 37 /* 36 chars + NUL */

/* UUIDv4 with dashes, lowercase. */
void pf_uuid4(char out[PF_UUID_LEN]);
/* A request id in the same format, from a fast per-thread generator: unique enough to tell
 * requests apart in logs, not for anything secret. */
void pf_request_id(char out[PF_UUID_LEN]);
/* "job-" + 16 hex chars: 11 of the Unix time in ms, 5 of a counter (time-ordered). */
void pf_job_id(char out[21]);
/* "<prefix>-" + 8 random hex chars (queue-, grant-, cluster-, flavour-, conn-). */
void pf_short_id(const char *prefix, char *out, size_t outlen);
/* RFC-1123 label: ≤63, [a-z0-9]([-a-z0-9]*[a-z0-9])? */
bool pf_is_rfc1123_label(const char *s);

#endif
