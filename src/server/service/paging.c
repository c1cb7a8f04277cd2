/* paging.c — markers and list envelopes. */
#include "server/service/paging.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mac_hex(const pf_app *app, int64_t pk, char out[17])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char msg[32];
    int n = snprintf(msg, sizeof msg, "marker:%lld", (long long)pk);
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, app->secret);
    sodium_bin2hex(out, 17, mac, 8);
}

void pf_marker_encode(const pf_app *app, int64_t pk, char out[PF_MARKER_LEN])
{
    char mac[17];
    mac_hex(app, pk, mac);
    snprintf(out, PF_MARKER_LEN, "%016llx%s", (unsigned long long)pk, mac);
}

int pf_marker_decode(const pf_app *app, const char *marker, int64_t *pk, pf_error *e)
{
    *pk = 0;
    if (!marker || !*marker) return 0;
    if (strlen(marker) != 32) return pf_fail(e, "InvalidMarker", NULL);
    for (const char *p = marker; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return pf_fail(e, "InvalidMarker", NULL);
    char head[17];
    memcpy(head, marker, 16);
    head[16] = '\0';
    unsigned long long v = strtoull(head, NULL, 16);
    char mac[17];
    mac_hex(app, (int64_t)v, mac);
    if (v > INT64_MAX || sodium_memcmp(mac, marker + 16, 16) != 0)
        return pf_fail(e, "InvalidMarker", NULL);
    *pk = (int64_t)v;
    return 0;
}

int pf_parse_max_keys(const char *value, int *out, pf_error *e)
{
    if (!value) {
        *out = PF_DEFAULT_MAX_KEYS;
        return 0;
    }
    char *end;
    long v = strtol(value, &end, 10);
    if (!*value || *end || v < 1 || v > PF_LIMIT_MAX_KEYS)
        return pf_fail(e, "InvalidURI", "maxKeys[%s] is invalid", value);
    *out = (int)v;
    return 0;
}

json_t *pf_list_envelope(const pf_app *app, int max_keys, bool truncated, int64_t next_pk,
                         const char *list_key, json_t *items)
{
    json_t *o = json_object();
    json_object_set_new(o, "maxKeys", json_integer(max_keys));
    json_object_set_new(o, "isTruncated", json_boolean(truncated));
    if (truncated) {
        char m[PF_MARKER_LEN];
        pf_marker_encode(app, next_pk, m);
        json_object_set_new(o, "nextMarker", json_string(m));
    }
    json_object_set_new(o, list_key, items);
    return o;
}
