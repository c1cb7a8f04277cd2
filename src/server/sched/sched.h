/* sched.h — admission of jobs against queue quotas and machine capacity.
 *
 * A data structure, driven by the job manager's thread (service/jobs.c): jobs wait in it,
 * pf_sched_pick() admits what fits — per queue strictly in order HIGH > NORMAL > LOW, then
 * first come first served (the head of a queue that does not fit blocks the ones behind it,
 * so a big job is never starved) — and the resources of admitted jobs are held until
 * pf_sched_release(). A job is admitted whole (gang) or not at all. Thread-safe: HTTP
 * threads read usage (queue show) while the manager picks. */
#ifndef PF_SCHED_SCHED_H
#define PF_SCHED_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/resources.h"

typedef struct pf_sched pf_sched;

/* What the scheduler needs to know about a queue at pick time. */
typedef struct pf_sched_queue {
    bool found;
    bool open;
    char status[16];
    pf_resources max;
    bool unlimited; /* volcanoCapabilityQuota with no positive max: no quota */
} pf_sched_queue;
typedef void (*pf_sched_queue_fn)(void *ctx, const char *queue, pf_sched_queue *out);

typedef struct pf_sched_pick_result {
    char id[256]; /* a job id, or a workflow node's task name */
    bool admitted;
    char message[320]; /* why it waits (when !admitted) */
} pf_sched_pick_result;

pf_sched *pf_sched_new(const pf_resources *capacity);
void pf_sched_free(pf_sched *s);

/* Adds a waiting job (seq orders FCFS; priority "LOW|NORMAL|HIGH|VERY_*"). */
void pf_sched_submit(pf_sched *s, const char *id, const char *queue, const char *priority,
                     int64_t seq, const pf_resources *need);
void pf_sched_set_priority(pf_sched *s, const char *id, const char *priority);
/* Removes a waiting job; true if it was waiting. */
bool pf_sched_cancel(pf_sched *s, const char *id);
/* Records resources held by an already running job (recovery after a restart). */
void pf_sched_hold(pf_sched *s, const char *id, const char *queue, const pf_resources *need);
/* Releases what an admitted job held. */
void pf_sched_release(pf_sched *s, const char *id);

/* Admits what fits now. *out (malloc'd, *n entries) lists what changed: admitted jobs (their
 * resources now held) and waiting jobs whose reason differs from the one last reported for
 * them (a new job, a blocked head whose numbers moved, a job whose place changed). */
void pf_sched_pick(pf_sched *s, pf_sched_queue_fn queue_fn, void *ctx, pf_sched_pick_result **out,
                   int *n);

/* Resources held by admitted jobs of queue. */
void pf_sched_queue_used(pf_sched *s, const char *queue, pf_resources *out);
/* Wakes the job manager (set by it; safe from any thread, cheap, coalescing). */
void pf_sched_set_waker(pf_sched *s, void (*wake)(void *), void *ctx);
void pf_sched_wake(pf_sched *s);

#endif
