/* cgroup.h — per-task control groups: detection, limits, membership, kill, removal.
 *
 * The server detects once where task cgroups can go (pf_cg_detect) and writes that into
 * every task spec (and the shim keeps it in the claim); paddleflow-shim creates the task's cgroup, sets its limits, puts the
 * task in it before exec, and uses it to find every process of the task on stop. Shared by
 * both sides (src/shim/shared.c compiles this file into the shim).
 *
 * Layout: v1 → <memory mount><own memory cgroup>/paddleflow/<task> and the same under the
 * cpu hierarchy; v2 → <cgroup2 mount><own cgroup>/paddleflow/<task>. "own" comes from
 * /proc/self/cgroup, so tasks stay inside whatever the server was given. */
#ifndef PF_RUNTIME_CGROUP_H
#define PF_RUNTIME_CGROUP_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PF_CG_NONE = 0, PF_CG_V1 = 1, PF_CG_V2 = 2 } pf_cg_mode;

/* Where task cgroups are created. */
typedef struct pf_cg_env {
    pf_cg_mode mode;
    char memory[PATH_MAX];  /* v1: parent dir in the memory hierarchy ("" = not writable);
                               v2: the parent dir of task cgroups */
    char cpu[PATH_MAX];     /* v1: parent dir in the cpu hierarchy ("" = not writable) */
    bool v2_memory, v2_cpu; /* v2: controllers available to task cgroups */
    char note[160];         /* what is missing and why ("" when everything works) */
} pf_cg_env;

/* One task's cgroup directories ("" = none). */
typedef struct pf_cg_task {
    pf_cg_mode mode;
    char memory[PATH_MAX]; /* v1 memory dir, or THE v2 dir */
    char cpu[PATH_MAX];    /* v1 cpu dir */
} pf_cg_task;

/* Detects v2 / v1 / none and creates the parent dirs. Never fails: "none" with a note.
 * PF_CGROUP_MODE=none in the environment forces "none". */
void pf_cg_detect(pf_cg_env *env);
const char *pf_cg_mode_name(pf_cg_mode mode); /* "cgroup v2", "cgroup v1", "none" */

/* The spec's (and claim's) "cgroup" object. from_json accepts NULL (→ none). */
json_t *pf_cg_env_to_json(const pf_cg_env *env);
void pf_cg_env_from_json(const json_t *o, pf_cg_env *env);

/* Fills the task's dir names (creates nothing). */
void pf_cg_task_init(pf_cg_task *t, const pf_cg_env *env, const char *task_name);
/* Creates the task's cgroups and sets the limits (0 = none; no limit at all = no cgroup, t
 * becomes none). What could not be created is cleared from t; enforced gets the human summary, e.g. "cgroup v1: cpu 500m, memory 1Gi". */
void pf_cg_task_create(pf_cg_task *t, const pf_cg_env *env, int64_t cpu_milli, int64_t mem_bytes,
                       char *enforced, size_t enforced_len);
/* Moves the calling process into the task's cgroups (called in the child before exec).
 * Returns 0, or -1 with errno set. Only async-signal-safe calls. */
int pf_cg_task_join(const pf_cg_task *t);
/* Sends sig to every live process in the task's cgroups; returns how many were signalled. */
int pf_cg_task_signal(const pf_cg_task *t, int sig);
/* The memory controller killed something in the task's cgroup. */
bool pf_cg_task_oom(const pf_cg_task *t);
/* Removes the task's cgroup dirs; returns -1 while processes remain (EBUSY). */
int pf_cg_task_remove(const pf_cg_task *t);

/* "500m" / "2" and "1Gi" / "512Mi" / "1000" as in Kubernetes quantities. */
void pf_cg_format_cpu(int64_t milli, char *out, size_t len);
void pf_cg_format_mem(int64_t bytes, char *out, size_t len);

#endif
