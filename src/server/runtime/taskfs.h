/* taskfs.h — reading and writing the files of a task directory (shim_proto.h).
 *
 * Shared by the server side and paddleflow-shim (src/shim/shared.c compiles this file into
 * the shim), so both sides read and write the records the same way. Only depends on
 * src/base and libc. Every function takes the task directory path. */
#ifndef PF_RUNTIME_TASKFS_H
#define PF_RUNTIME_TASKFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "server/runtime/runtime.h"

/* A process as recorded in "claim" and "task.pid": the pid alone can be reused, the pair
 * (pid, start time in clock ticks since boot from /proc/<pid>/stat) cannot. */
typedef struct pf_proc_rec {
    int pid;
    uint64_t starttime;
    int64_t at_ms; /* claim time / task start time */
} pf_proc_rec;

/* Writes dir/name atomically: tmp + (fsync) + rename + (fsync dir) when durable. */
int pf_taskfs_write(const char *dir, const char *name, const void *data, size_t len, bool durable,
                    pf_error *e);
/* Reads dir/name whole (≤ 1 MiB) into a malloc'd NUL-terminated string (*out, free it).
 * Returns 0, or -1 with errno set (ENOENT when missing) and e filled. */
/* Creates dir/name exclusively (O_EXCL) with data in one write (+ fsync of it and the dir
 * when durable). -1 with errno EEXIST when it exists. For records written once by one
 * writer whose readers treat an empty or malformed file as not written yet. */
int pf_taskfs_create(const char *dir, const char *name, const void *data, size_t len,
                     bool durable, pf_error *e);
/* pf_taskfs_create, or when the file exists already pf_taskfs_write (atomic replace). */
int pf_taskfs_put(const char *dir, const char *name, const void *data, size_t len, bool durable,
                  pf_error *e);
int pf_taskfs_read(const char *dir, const char *name, char **out, pf_error *e);
bool pf_taskfs_exists(const char *dir, const char *name);

/* Creates dir/claim exclusively, already holding "<note>\n" (when note is not NULL: one
 * line, read back with pf_taskfs_read_proc) and rec. Returns 1 when this call claimed the
 * task, 0 when it was already claimed, -1 on error. Not durable (see taskfs.c). */
int pf_taskfs_claim(const char *dir, const pf_proc_rec *rec, const char *note, pf_error *e);
/* Writes "<note>\n<pid> <starttime> <ms>\n" (note may be NULL: the record alone), created
 * in place, not durable (a pid is meaningless after a reboot). */
int pf_taskfs_write_proc(const char *dir, const char *name, const pf_proc_rec *rec,
                         const char *note, pf_error *e);
/* Returns 0 and fills rec (and note, when given, with the line before the record or ""),
 * or -1 (errno ENOENT when missing, EINVAL when empty or malformed). */
int pf_taskfs_read_proc(const char *dir, const char *name, pf_proc_rec *rec, char *note,
                        size_t note_len, pf_error *e);

/* exit.json <-> the exit fields of pf_task_status (pid, started, exit_code, term_signal,
 * started_ms, finished_ms, stop_requested, oom_killed, supervisor_lost, message). Reading
 * sets exited = true. Returns 0, or -1 (errno ENOENT when missing). */
int pf_taskfs_write_exit(const char *dir, const pf_task_status *st, pf_error *e);
int pf_taskfs_read_exit(const char *dir, pf_task_status *st, pf_error *e);

/* Start time of a live process (field 22 of /proc/<pid>/stat); 0 when it does not exist.
 * *state gets the state letter ('Z' for a zombie) when state is not NULL. */
uint64_t pf_proc_starttime(int pid, char *state);
/* The process recorded in rec still exists (and is not a zombie). */
bool pf_proc_alive(const pf_proc_rec *rec);

/* "out = dir/name" with a length check. */
int pf_path_join(char *out, size_t outlen, const char *dir, const char *name, pf_error *e);

#endif
