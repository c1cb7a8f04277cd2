/* log.c — the log sink. A single write(2) per line keeps lines from interleaving between
 * threads without a lock. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int g_level = PF_LOG_INFO;
static const char *NAMES[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int pf_log_parse_level(const char *s)
{
    const char *lower[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, lower[i]) == 0) return i;
    return -1;
}

void pf_log_set_level(int level)
{
    g_level = level;
}

int pf_log_enabled(int level)
{
    return level >= g_level;
}

void pf_log(int level, const char *fmt, ...)
{
    if (level < g_level) return;
    char line[2048];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, ".%03d %-5s ", (int)(tv.tv_usec / 1000),
                          NAMES[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    n += (size_t)m;
    if (n > sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
