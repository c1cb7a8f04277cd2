/* job_list.h — GET /job (api.md §3.6 with D2, D3, D6, D7) rendered straight to JSON text.
 *
 * A page used to be built as jansson values (each row's stored config parsed, the job object
 * assembled, the whole tree dumped): ~40 µs of CPU and dozens of allocations per job. The
 * stored config already is the wire form of every spec field, so the list path splices its
 * text between the row's own columns instead. The bytes are exactly those of
 * pf_json_dump(pf_jobs_list(...)): a row whose stored text is not in the canonical compact
 * form (anything the splice cannot vouch for) is rendered through the jansson path. */
#ifndef PF_SERVICE_JOB_LIST_H
#define PF_SERVICE_JOB_LIST_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "server/service/app.h"
#include "server/service/jobs.h"
#include "server/store/jobs.h"

/* The list answer's body (malloc'd, NUL-terminated, *len bytes), or NULL with e filled
 * (InvalidURI, InvalidMarker, QueueNameNotFound, store errors) as pf_jobs_list fails. */
char *pf_jobs_list_text(pf_app *app, const pf_caller *c, const pf_job_query *q, size_t *len,
                        pf_error *e);

/* Appends one listed job as JSON: the bytes of pf_json_dump(pf_job_view(row, false)).
 * Returns true when the row was spliced, false when it went through the jansson path. */
bool pf_job_list_item(pf_app *app, const pf_job_cols *c, pf_buf *out);

#endif
