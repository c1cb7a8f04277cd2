/* log.h — leveled logging to stderr, one line per event: "<time> <LEVEL> <message>".
 * Never log a password or a token: callers pass only what is safe to show. */
#ifndef PF_BASE_LOG_H
#define PF_BASE_LOG_H

enum pf_log_level { PF_LOG_DEBUG, PF_LOG_INFO, PF_LOG_WARN, PF_LOG_ERROR };

/* Parses "debug|info|warn|error"; -1 when unknown. */
int pf_log_parse_level(const char *s);
void pf_log_set_level(int level);
int pf_log_enabled(int level);
void pf_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pf_debug(...) pf_log(PF_LOG_DEBUG, __VA_ARGS__)
#define pf_info(...) pf_log(PF_LOG_INFO, __VA_ARGS__)
#define pf_warn(...) pf_log(PF_LOG_WARN, __VA_ARGS__)
#define pf_logerr(...) pf_log(PF_LOG_ERROR, __VA_ARGS__)

#endif
