/* status.h — job statuses and the transition guard of api.md §4, as pure functions so the
 * one place that writes a status (pf_job_transition in the store) and the tests share them. */
#ifndef PF_MODEL_STATUS_H
#define PF_MODEL_STATUS_H

#include <stdbool.h>

#define PF_ST_INIT "init"
#define PF_ST_PENDING "pending"
#define PF_ST_RUNNING "running"
#define PF_ST_FAILED "failed"
#define PF_ST_SUCCEEDED "succeeded"
#define PF_ST_TERMINATING "terminating"
#define PF_ST_TERMINATED "terminated"
#define PF_ST_CANCELLED "cancelled"
#define PF_ST_SKIPPED "skipped"
#define PF_ST_PREEMPTING "preempting"
#define PF_ST_PREEMPTED "preempted"

/* succeeded, failed, terminated, skipped, cancelled, preempted. */
bool pf_status_is_final(const char *status);
/* Holds resources (admitted work): pending-and-admitted is tracked by the scheduler; by
 * status alone: running, terminating. */
bool pf_status_is_known(const char *status);

/* The guard: given the previous status and a requested one, the status (and message) that
 * is really written. *message may be replaced by a fixed text. Returns false when nothing
 * changes (previous status is final). */
bool pf_status_guard(const char *prev, const char *want, const char **out_status,
                     const char **message);

#endif
