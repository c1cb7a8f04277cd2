/* yaml_json.h — YAML → JSON (jansson) conversion, used for job files and workflow specs.
 *
 * Self-contained on purpose (libyaml + jansson + base/err.h only), so that the server can
 * compile the same file for workflow specs without linking libpaddleflow.
 *
 * Scalars resolve per the YAML 1.2 core schema: plain null/Null/NULL/~/empty → null,
 * true/false (any of the three casings) → bool, decimal/0x/0o integers → integer, decimal
 * floats → real; everything else, and every quoted or !!str-tagged scalar, is a string
 * (so "yes", "on", "1.0.2" stay strings). Mapping keys must be scalars; anchors and aliases
 * are expanded. Only the first document of a stream is read. JSON is valid YAML, so JSON
 * input converts to itself. */
#ifndef PF_CLIENT_YAML_JSON_H
#define PF_CLIENT_YAML_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

/* Returns a new reference, or NULL with e = MalformedYaml "line L column C: <problem>".
 * An empty document converts to JSON null. */
json_t *pf_yaml_to_json(const char *text, size_t len, pf_error *e);

#endif
