/* paging.h — list paging shared by every list endpoint (api.md §1.8, §6, D2, D10).
 *
 * A marker is opaque to clients: the row's pk plus a truncated HMAC under the installation
 * secret, hex-encoded, so a forged or garbled marker is rejected with InvalidMarker rather
 * than silently paging from somewhere odd. */
#ifndef PF_SERVICE_PAGING_H
#define PF_SERVICE_PAGING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "server/service/app.h"

#define PF_MARKER_LEN 40
#define PF_DEFAULT_MAX_KEYS 50
#define PF_LIMIT_MAX_KEYS 1000

void pf_marker_encode(const pf_app *app, int64_t pk, char out[PF_MARKER_LEN]);
/* NULL or "" → *pk = 0 (no marker). Garbage → InvalidMarker. */
int pf_marker_decode(const pf_app *app, const char *marker, int64_t *pk, pf_error *e);
/* maxKeys query value: NULL → default; otherwise 1..1000 else InvalidURI. */
int pf_parse_max_keys(const char *value, int *out, pf_error *e);

/* The list envelope {"maxKeys","isTruncated","nextMarker"?, <list_key>: items} (items stolen).
 * truncated/next_pk come from fetching maxKeys+1 rows. */
json_t *pf_list_envelope(const pf_app *app, int max_keys, bool truncated, int64_t next_pk,
                         const char *list_key, json_t *items);

#endif
