/* ids.c — random identifiers from libsodium's CSPRNG. */
#include "base/ids.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The version-4 and variant bits of a random UUID. */
static void set_v4(unsigned char b[16])
{
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
}

static void uuid_bytes(unsigned char b[16])
{
    randombytes_buf(b, 16);
    set_v4(b);
}

/* 16 bytes as a UUID string with dashes. */
static void uuid_format(const unsigned char b[16], char out[PF_UUID_LEN])
{
    char h[33];
    hex(b, 16, h);
    char *o = out;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) *o++ = '-';
        *o++ = h[i];
    }
    *o = '\0';
}

void pf_uuid4(char out[PF_UUID_LEN])
{
    unsigned char b[16];
    uuid_bytes(b);
    uuid_format(b, out);
}

void pf_job_id(char out[21])
{
    unsigned char b[16];
    char h[33];
    uuid_bytes(b);
    hex(b, 16, h);
    snprintf(out, 21, "job-%.16s", h);
}

void pf_short_id(const char *prefix, char *out, size_t outlen)
{
    unsigned char b[4];
    char h[9];
    randombytes_buf(b, sizeof b);
    hex(b, 4, h);
    snprintf(out, outlen, "%s-%s", prefix, h);
}

bool pf_is_rfc1123_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && i > 0 && i < n - 1)) return false;
    }
    return true;
}

/* splitmix64 over a per-thread state seeded once from the CSPRNG: no syscall per id. */
void pf_request_id(char out[PF_UUID_LEN])
{
    static __thread uint64_t state;
    if (!state) randombytes_buf(&state, sizeof state);
    unsigned char b[16];
    for (int k = 0; k < 2; k++) {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        memcpy(b + 8 * k, &z, sizeof z);
    }
    set_v4(b);
    uuid_format(b, out);
}
