/* timeutil.c — time helpers. Local time follows TZ like upstream's Go server. */
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t pf_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pf_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void pf_format_local(int64_t unix_ms, char out[PF_TIME_STR])
{
    if (unix_ms <= 0) {
        out[0] = '\0';
        return;
    }
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, PF_TIME_STR, "%Y-%m-%d %H:%M:%S", &tm);
}

void pf_format_rfc3339(int64_t unix_ms, char out[PF_TIME_STR])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    char base[24], zone[8];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff;
    if (off == 0) {
        snprintf(zone, sizeof zone, "Z");
    } else {
        char sign = off < 0 ? '-' : '+';
        if (off < 0) off = -off;
        snprintf(zone, sizeof zone, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
    }
    int ms = (int)(unix_ms % 1000);
    if (ms)
        snprintf(out, PF_TIME_STR, "%s.%03d%s", base, ms, zone);
    else
        snprintf(out, PF_TIME_STR, "%s%s", base, zone);
}

bool pf_parse_local(const char *s, int64_t *unix_ms)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
    if (!end || *end != '\0') return false;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1) return false;
    *unix_ms = (int64_t)t * 1000;
    return true;
}
