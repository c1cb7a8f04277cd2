/* ids.c — random identifiers from libsodium's CSPRNG. */
#include "base/ids.h"

#include <sodium.h>
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

static void uuid_bytes(unsigned char b[16])
{
    randombytes_buf(b, 16);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
}

void pf_uuid4(char out[PF_UUID_LEN])
{
    unsigned char b[16];
    char h[33];
    uuid_bytes(b);
    hex(b, 16, h);
    snprintf(out, PF_UUID_LEN, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
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
