/* job_workflow.c — create-time checks of workflow jobs (api.md §3.4): an Argo Workflow in
 * extensionTemplate, validated by the workflow engine so an unsupported spec is refused
 * with a message naming the problem instead of failing later. */
#include <string.h>

#include "server/service/jobs_internal.h"
#include "server/workflow/workflow.h"

int pf_jobs_check_workflow(const json_t *req, pf_error *e)
{
    json_t *tpl = json_object_get(req, "extensionTemplate");
    if (!json_is_object(tpl))
        return pf_fail(e, "JobCreateFailed",
                       "ExtensionTemplate for workflow job is needed, and now is empty");
    if (json_object_size(tpl) == 0) return 0;
    pf_wf *wf = pf_wf_parse(tpl, json_string_value(json_object_get(req, "name")), NULL, e);
    if (!wf) {
        snprintf(e->code, sizeof e->code, "JobCreateFailed");
        return -1;
    }
    pf_wf_free(wf);
    return 0;
}
