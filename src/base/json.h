/* json.h — request-body decoding with the rules of api.md §1.3, over jansson.
 *
 * Upstream decodes bodies with Go's encoding/json into typed structs, so a compatible
 * reader must: match keys case-insensitively (exact match preferred), treat null as absent,
 * ignore unknown keys and reject type mismatches with MalformedJSON. Every reader below
 * follows those rules: an absent or null key leaves *out untouched and returns 0; a present
 * key of the wrong type fills e with MalformedJSON and returns -1. Returned json_t pointers
 * are borrowed from the parent object. */
#ifndef PF_BASE_JSON_H
#define PF_BASE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Parses a request body that must be a JSON object (a literal null counts as {}).
 * Empty or malformed input → MalformedJSON. Returns a new reference or NULL. */
json_t *pf_json_parse_object(const char *body, size_t len, pf_error *e);

/* Case-insensitive key lookup; NULL when absent or null. */
json_t *pf_json_get(const json_t *obj, const char *key);

int pf_json_str(const json_t *obj, const char *key, const char **out, pf_error *e);
int pf_json_int(const json_t *obj, const char *key, long long *out, pf_error *e);
int pf_json_bool(const json_t *obj, const char *key, bool *out, pf_error *e);
int pf_json_object(const json_t *obj, const char *key, json_t **out, pf_error *e);
int pf_json_array(const json_t *obj, const char *key, json_t **out, pf_error *e);
/* An object whose values are all strings (null values read as ""), like Go's map[string]string.
 * *out is a NEW reference (normalised copy) or untouched when absent. */
int pf_json_strmap(const json_t *obj, const char *key, json_t **out, pf_error *e);
/* An array whose items are all strings. *out is a borrowed reference. */
int pf_json_strlist(const json_t *obj, const char *key, json_t **out, pf_error *e);

/* Serialises compactly (key order as inserted). Caller frees with free(). */
char *pf_json_dump(const json_t *v);
/* Sets key to a string, "" for NULL. Returns 0. */
int pf_json_set_str(json_t *obj, const char *key, const char *value);
/* A copy of s with every byte that is not part of valid UTF-8 replaced by '?', at most max
 * bytes (malloc'd). Captured output and request bytes may be anything; JSON may not. */
char *pf_utf8_clean(const char *s, size_t max);
/* json_string that never fails on invalid UTF-8 (cleaned as above); NULL s gives "". */
json_t *pf_json_string_lossy(const char *s);
/* A JSON null when v is NULL, else a new reference to v (for "object or null" fields). */
json_t *pf_json_or_null(json_t *v);

#endif
