/* runtime.c — the public runtime calls, dispatched to the backend's vtable.
 *
 * Argument checks common to every backend live here, so backends can assume a non-NULL
 * runtime and name. */
#include "server/runtime/runtime_backend.h"

static int check_name(const char *name, pf_error *e)
{
    if (!name || !*name) return pf_fail(e, "InvalidArguments", "task name is empty");
    return 0;
}

int pf_runtime_start(pf_runtime *rt, const pf_task_spec *spec, pf_task_status *out, pf_error *e)
{
    if (!spec) return pf_fail(e, "InvalidArguments", "task spec is NULL");
    if (check_name(spec->name, e) < 0) return -1;
    pf_task_status tmp;
    return rt->ops->start(rt, spec, out ? out : &tmp, e);
}

int pf_runtime_adopt(pf_runtime *rt, const char *task_name, pf_task_status *out, pf_error *e)
{
    if (check_name(task_name, e) < 0) return -1;
    pf_task_status tmp;
    return rt->ops->adopt(rt, task_name, out ? out : &tmp, e);
}

int pf_runtime_stop(pf_runtime *rt, const char *task_name, int grace_seconds, pf_error *e)
{
    if (check_name(task_name, e) < 0) return -1;
    return rt->ops->stop(rt, task_name, grace_seconds, e);
}

int pf_runtime_status(pf_runtime *rt, const char *task_name, pf_task_status *out, pf_error *e)
{
    if (check_name(task_name, e) < 0) return -1;
    pf_task_status tmp;
    return rt->ops->status(rt, task_name, out ? out : &tmp, e);
}

int pf_runtime_remove(pf_runtime *rt, const char *task_name, pf_error *e)
{
    if (check_name(task_name, e) < 0) return -1;
    return rt->ops->remove(rt, task_name, e);
}

const char *pf_runtime_cgroup_mode(pf_runtime *rt)
{
    return rt ? rt->ops->cgroup_mode(rt) : "none";
}

void pf_runtime_free(pf_runtime *rt)
{
    if (rt) rt->ops->free(rt);
}
