/* status.c — api.md §4: final statuses never move; a terminating job only ends terminated. */
#include "model/status.h"

#include <string.h>

static const char *FINAL[] = {PF_ST_SUCCEEDED, PF_ST_FAILED,  PF_ST_TERMINATED,
                              PF_ST_SKIPPED,   PF_ST_CANCELLED, PF_ST_PREEMPTED};
static const char *ALL[] = {PF_ST_INIT,        PF_ST_PENDING,    PF_ST_RUNNING,   PF_ST_FAILED,
                            PF_ST_SUCCEEDED,   PF_ST_TERMINATING, PF_ST_TERMINATED, PF_ST_CANCELLED,
                            PF_ST_SKIPPED,     PF_ST_PREEMPTING, PF_ST_PREEMPTED};

bool pf_status_is_final(const char *status)
{
    for (size_t i = 0; i < sizeof FINAL / sizeof FINAL[0]; i++)
        if (strcmp(status, FINAL[i]) == 0) return true;
    return false;
}

bool pf_status_is_known(const char *status)
{
    for (size_t i = 0; i < sizeof ALL / sizeof ALL[0]; i++)
        if (strcmp(status, ALL[i]) == 0) return true;
    return false;
}

bool pf_status_guard(const char *prev, const char *want, const char **out_status,
                     const char **message)
{
    if (pf_status_is_final(prev)) return false;
    if (strcmp(prev, PF_ST_TERMINATING) == 0) {
        if (strcmp(want, PF_ST_RUNNING) == 0 || strcmp(want, PF_ST_TERMINATING) == 0) {
            *out_status = PF_ST_TERMINATING;
            *message = "job is terminating";
        } else {
            *out_status = PF_ST_TERMINATED;
            *message = "job is terminated";
        }
        return true;
    }
    if (strcmp(prev, PF_ST_PREEMPTING) == 0) {
        *out_status = pf_status_is_final(want) ? PF_ST_PREEMPTED : PF_ST_PREEMPTING;
        return true;
    }
    *out_status = want;
    return true;
}
