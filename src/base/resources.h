/* resources.h — resource maps (cpu, memory, named scalars) as PaddleFlow keeps them, §7.2/§7.3.
 *
 * Upstream turns every flavour / queue ResourceInfo into map[string]int64: "cpu" in milli-cores
 * (MilliValue), "memory" in bytes and every scalar resource ("nvidia.com/gpu") in units
 * (Value). pf_resources is that map as a plain copyable struct: cpu and memory are always
 * present (upstream's maps always carry both keys), scalars are kept sorted by name (byte
 * order, like Go's JSON encoding of maps) and a scalar may be present with value 0.
 *
 * Wire forms:
 *   request / flavour  {"cpu": "1", "mem": "1Gi", "scalarResources": {"nvidia.com/gpu": "1"}}
 *   response / stored  {"cpu": "1", "memory": "1Gi", "scalarResources": {...}}  (canonical)
 * Errors: quantity and range problems → InvalidComputeResource with upstream's message (the
 * caller may overwrite the code); JSON type mismatches → MalformedJSON. */
#ifndef PF_BASE_RESOURCES_H
#define PF_BASE_RESOURCES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/quantity.h"

#define PF_RES_CPU "cpu"
#define PF_RES_MEMORY "memory"
#define PF_RES_MAX_SCALARS 16 /* more in one map → InvalidComputeResource */
#define PF_RES_NAME_MAX 128   /* scalar name bytes incl. NUL; longer → InvalidComputeResource */

typedef struct pf_scalar {
    char name[PF_RES_NAME_MAX];
    int64_t value;
} pf_scalar;

typedef struct pf_resources {
    int64_t cpu;    /* milli-cores */
    int64_t memory; /* bytes */
    int nscalars;
    pf_scalar scalars[PF_RES_MAX_SCALARS]; /* sorted by name (strcmp), names unique */
} pf_resources;

/* A pf_resources kept for long, one per waiting job: a pf_resources has room for 16 named
 * scalars (2 KiB); this holds only the ones used (usually none), on the heap. */
typedef struct pf_res_packed {
    int64_t cpu, memory;
    int nscalars;
    pf_scalar *scalars; /* owned, NULL when none */
} pf_res_packed;

void pf_res_pack(const pf_resources *r, pf_res_packed *out);
/* p as a pf_resources in *out (only its used part is written); returns out. */
const pf_resources *pf_res_unpack(const pf_res_packed *p, pf_resources *out);
void pf_res_packed_free(pf_res_packed *p);

/* Buffer size that always holds pf_resources_text() output. */
#define PF_RESOURCES_TEXT_MAX ((PF_RES_MAX_SCALARS + 2) * (PF_RES_NAME_MAX + PF_QUANTITY_STR + 4))

/* All zero, no scalars (same as zero-initialising the struct). */
void pf_resources_init(pf_resources *r);

/* Access by upstream key: "cpu" (milli), "memory" (bytes), anything else a scalar. A missing
 * scalar reads as 0. has() is always true for cpu and memory. */
int64_t pf_resources_get(const pf_resources *r, const char *name);
bool pf_resources_has(const pf_resources *r, const char *name);
/* Sets a key (adding the scalar if absent). Fails on a too long name or a full map. */
int pf_resources_set(pf_resources *r, const char *name, int64_t value, pf_error *e);
/* Removes a scalar (cpu/memory are reset to 0 instead). */
void pf_resources_remove(pf_resources *r, const char *name);
/* Parses a quantity for a key ("cpu" → MilliValue, others → Value; "" → 0) and sets it.
 * No sign check (the map readers below do that). */
int pf_resources_set_str(pf_resources *r, const char *name, const char *value, pf_error *e);

/* Upstream ResourceInfo.ToMap + NewResourceFromMap: cpu/mem strings (NULL or "" = 0) and an
 * optional JSON object of scalar strings (a JSON null value reads as ""). A scalar named
 * "cpu" or "memory" overrides that key, as in upstream. Negative values are rejected with
 * `negative resources not permitted: map[cpu:.. memory:.. name:..]`. Keys are checked in
 * byte order (upstream's map order is random); the first failure wins. On failure *out is
 * untouched. */
int pf_resources_from_flavour(const char *cpu, const char *mem, const json_t *scalars,
                              pf_resources *out, pf_error *e);
/* The same from a request object {"cpu","mem","scalarResources"} (keys case-insensitive,
 * null = absent, wrong types → MalformedJSON; api.md §1.3). NULL obj = all zero. */
int pf_resources_from_request(const json_t *obj, pf_resources *out, pf_error *e);

/* Response/storage JSON {"cpu","memory","scalarResources"?}: cpu and memory always present
 * ("0" when 0), canonical renderings, scalarResources omitted when there are no scalars.
 * Returns a new reference. */
json_t *pf_resources_to_json(const pf_resources *r);
/* Reads that form back (upstream Resource.UnmarshalJSON): keys cpu, memory (deprecated "mem"
 * wins when non-empty), scalarResources; top-level cpu/memory win over same-named scalars.
 * Negative values are rejected like pf_resources_from_flavour. */
int pf_resources_from_json(const json_t *obj, pf_resources *out, pf_error *e);
/* Compact storage text = the response JSON. dump: malloc'd, never NULL. */
char *pf_resources_dump(const pf_resources *r);
int pf_resources_load(const char *text, pf_resources *out, pf_error *e);

/* dst += src × times, adding src's scalars missing from dst. Overflow → InvalidComputeResource
 * and dst unchanged. */
int pf_resources_add(pf_resources *dst, const pf_resources *src, int64_t times, pf_error *e);
/* dst -= src (scalars missing from dst become negative). Overflow → error, dst unchanged. */
int pf_resources_sub(pf_resources *dst, const pf_resources *src, pf_error *e);

/* §7.3 LessEqual: every non-zero entry of total must be <= the same key of max, a key missing
 * from max counting as 0; keys only in max are ignored. An all-zero total passes. (Upstream
 * also compares zero entries; that only differs when max holds a negative value, e.g. an
 * over-committed idle map, where a zero request should pass.) */
bool pf_resources_less_equal(const pf_resources *total, const pf_resources *max);
bool pf_resources_has_negative(const pf_resources *r);
/* Every value is exactly 0. */
bool pf_resources_is_zero(const pf_resources *r);
/* Some value is > 0 (upstream's !IsZero(), used to skip admission on empty volcano queues). */
bool pf_resources_has_positive(const pf_resources *r);
bool pf_resources_equal(const pf_resources *a, const pf_resources *b);

/* Upstream Resource.String(): "cpu: 2, memory: 4Gi, nvidia.com/gpu: 1, " — cpu and memory
 * always, then scalars by name; cpu/memory/scalar rendered as in the response JSON. */
void pf_resources_text(const pf_resources *r, char *out, size_t size);

#endif
