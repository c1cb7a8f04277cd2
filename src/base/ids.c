/* ids.c — identifiers: random ones from libsodium's CSPRNG, and time-ordered job ids. */
#include "base/ids.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

static _Atomic uint32_t job_seq;
static pthread_once_t job_seq_once = PTHREAD_ONCE_INIT;

static void job_seq_seed(void)
{
    atomic_store(&job_seq, randombytes_random());
}

/* Time-ordered, so a new job's id lands at the end of the id index instead of on a random
 * page of it (a random id cost a WAL page per create: 23 % of the bytes written). The
 * counter keeps ids of one millisecond apart; it starts at random so a restart within the
 * same millisecond (or a clock stepped back) is very unlikely to repeat one, and a repeat
 * is retried by the create (job_create.c). */
void pf_job_id(char out[21])
{
    pthread_once(&job_seq_once, job_seq_seed);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    uint32_t n = atomic_fetch_add(&job_seq, 1);
    snprintf(out, 21, "job-%011llx%05x", (unsigned long long)(ms & 0xfffffffffffull),
             (unsigned)(n & 0xfffff));
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
