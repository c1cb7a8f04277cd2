/* runtime_backend.h — what a runtime backend implements (private to src/server/runtime/).
 *
 * pf_runtime is a vtable pointer; a backend embeds it as the FIRST member of its own struct
 * and casts back in its functions. runtime.c only dispatches, so the public calls stay the
 * same for every backend (local now; Kubernetes and Slurm later). */
#ifndef PF_RUNTIME_BACKEND_H
#define PF_RUNTIME_BACKEND_H

#include "server/runtime/runtime.h"

typedef struct pf_runtime_ops {
    int (*start)(pf_runtime *rt, const pf_task_spec *spec, pf_task_status *out, pf_error *e);
    int (*adopt)(pf_runtime *rt, const char *name, pf_task_status *out, pf_error *e);
    int (*stop)(pf_runtime *rt, const char *name, int grace_seconds, pf_error *e);
    int (*status)(pf_runtime *rt, const char *name, pf_task_status *out, pf_error *e);
    int (*remove)(pf_runtime *rt, const char *name, pf_error *e);
    const char *(*cgroup_mode)(pf_runtime *rt);
    void (*free)(pf_runtime *rt);
} pf_runtime_ops;

struct pf_runtime {
    const pf_runtime_ops *ops;
};

#endif
