/* quantity.h — Kubernetes resource.Quantity strings ("500m", "1.5Gi", "1e3"), api.md §7.1.
 *
 * Upstream parses every cpu/mem/scalar string with k8s resource.ParseQuantity and then keeps
 * cpu as MilliValue() and everything else as Value() (int64). This module reproduces that:
 * the parser follows k8s's hand-written scanner (so odd inputs such as "k", "+" or "." parse
 * as 0 exactly as upstream), and the value is kept exactly, rounded up to 1n as k8s does.
 * Integer conversions round away from zero (ceiling for positive values) and report overflow
 * instead of wrapping.
 *
 * Deliberate differences from k8s (both only for absurd inputs): a value whose magnitude
 * exceeds 2^63-1 base units (k8s caps binary ones and lets Value() of decimal ones wrap) is
 * marked "huge" and every conversion fails; an exponent suffix outside int32 ("1e4294967296")
 * is not wrapped to int32 but taken as is; negative fractions round away from zero on every
 * path (k8s rounds some of them towards +inf).
 *
 * Rendering (pf_quantity_format) is k8s CanonicalizeBytes for an int64 at a scale (§7.2). */
#ifndef PF_BASE_QUANTITY_H
#define PF_BASE_QUANTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"

/* Upstream's error messages, verbatim. */
#define PF_QUANTITY_ERR_FORMAT                                                                     \
    "quantities must match the regular expression "                                                \
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
#define PF_QUANTITY_ERR_SUFFIX "unable to parse quantity's suffix"
#define PF_QUANTITY_ERR_NUMERIC "unable to parse numeric part of quantity"
/* Ours: a value that does not fit the int64 it is converted to. */
#define PF_QUANTITY_ERR_RANGE "quantity is too large"

/* Error code used for every failure of this module (callers may overwrite e->code). */
#define PF_QUANTITY_ERR_CODE "InvalidComputeResource"

/* Size of a buffer that holds any rendered quantity, NUL included. */
#define PF_QUANTITY_STR 48

/* A parsed quantity: sign + magnitude = units + nanos/1e9 (nanos < 1e9, rounded up).
 * When huge is set the magnitude exceeds INT64_MAX units and units/nanos are meaningless. */
typedef struct pf_quantity {
    bool negative; /* never set for zero */
    bool huge;
    uint64_t units; /* <= INT64_MAX */
    uint32_t nanos; /* 0 .. 999999999 */
} pf_quantity;

/* Parses s (NUL-terminated). "" is an error (the format message), as in k8s; callers that
 * treat "" as 0 (resource maps) check for it first. Returns 0, or -1 with e filled. */
int pf_quantity_parse(const char *s, pf_quantity *q, pf_error *e);

/* -1, 0 or 1: the exact sign (so "0.0000000001" is positive, "-0" is zero). */
int pf_quantity_sign(const pf_quantity *q);
bool pf_quantity_is_zero(const pf_quantity *q);

/* k8s Value(): whole units, rounded away from zero ("0.5" → 1). Overflow → -1. */
int pf_quantity_value(const pf_quantity *q, int64_t *out, pf_error *e);
/* k8s MilliValue(): thousandths, rounded away from zero ("0.0001" → 1). Overflow → -1. */
int pf_quantity_milli(const pf_quantity *q, int64_t *out, pf_error *e);

/* Parse + convert in one go: milli ? MilliValue : Value. */
int pf_quantity_parse_int(const char *s, bool milli, int64_t *out, pf_error *e);

/* Renders v × 10^scale canonically (k8s CanonicalizeBytes, api.md §7.2): 0 → "0"; decimal SI
 * (n u m "" k M G T P E, "e<exp>" beyond). With binary_ok (upstream's MemString: only used
 * with scale 0) binary SI (Ki..Ei) is chosen when v is not a multiple of 1000 and |v| >= 1024.
 * Examples: (500,-3) "500m", (1500,-3) "1500m", (20000,-3) "20", (1610612736,0,true)
 * "1536Mi", (1048576000,0,true) "1048576k", (1536,0,true) "1536". */
void pf_quantity_format(int64_t v, int scale, bool binary_ok, char out[PF_QUANTITY_STR]);

/* The three renderings upstream uses: cpu milli-cores, memory bytes, scalar counts. */
void pf_quantity_format_cpu(int64_t milli, char out[PF_QUANTITY_STR]);
void pf_quantity_format_mem(int64_t bytes, char out[PF_QUANTITY_STR]);
void pf_quantity_format_scalar(int64_t v, char out[PF_QUANTITY_STR]);

#endif
