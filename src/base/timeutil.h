/* timeutil.h — clocks and the time formats of api.md §10. */
#ifndef PF_BASE_TIMEUTIL_H
#define PF_BASE_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define PF_TIME_STR 32

int64_t pf_now_ms(void);       /* wall clock, Unix milliseconds */
int64_t pf_monotonic_ns(void); /* for durations */
/* "2006-01-02 15:04:05" in the server's local time zone; "" for ms <= 0. */
void pf_format_local(int64_t unix_ms, char out[PF_TIME_STR]);
/* RFC 3339 with milliseconds and zone offset (users/grants), e.g. 2024-03-01T10:00:00.123+08:00 */
void pf_format_rfc3339(int64_t unix_ms, char out[PF_TIME_STR]);
/* Parses "2006-01-02 15:04:05" as local time. */
bool pf_parse_local(const char *s, int64_t *unix_ms);

#endif
