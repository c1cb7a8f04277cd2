/* shim_proto.h — the on-disk protocol between the local runtime (server side) and
 * paddleflow-shim, the per-task supervisor.
 *
 * Everything the two sides tell each other goes through files in the task directory
 * <root>/<task>/ (plus one pipe at spawn time), so either side can die and the other, or a
 * later server, can pick up the story from the files alone. docs/local-runtime.md describes
 * the protocol; this header is the single place that names the files.
 *
 * Who writes what (written so that no reader can misread a half-written file: either tmp +
 * rename, or, for the records written once by their single writer, created in place with one
 * write — readers take an empty or malformed record for "not written yet". exit.json is also
 * durable: fsync of the file and of the directory. The claim is linked into place so it is
 * created exclusively WITH its content):
 *   claim      shim, exclusively, once                       "<cgroup parents, JSON>\n
 *              <shim pid> <starttime> <ms>\n"
 *   task.pid   shim, right after fork                        "<enforced>\n<pid> <starttime>
 *              <started ms>\n" (enforced: one line, what the cgroups enforce)
 *   stop       server, on stop                               "<grace seconds>\n"
 *   exit.json  shim after the task and all its processes are gone (or the server when the
 *              shim died: "supervisor lost")                 the final record (JSON)
 *   output.log the task (stdout+stderr, O_APPEND)
 *   <stdout>   the task's stdout when the spec names a file for it (workflow nodes: "stdout");
 *              the shim appends it to output.log when the task has ended
 *   shim.log   the shim's own diagnostics
 *   work/      default working directory of the task
 */
#ifndef PF_RUNTIME_SHIM_PROTO_H
#define PF_RUNTIME_SHIM_PROTO_H

#define PF_TASK_CLAIM "claim"
#define PF_TASK_PID "task.pid"
#define PF_TASK_STOP "stop"
#define PF_TASK_EXIT "exit.json"
#define PF_TASK_LOG "output.log"
#define PF_TASK_SHIM_LOG "shim.log"
#define PF_TASK_WORKDIR "work"

/* The server spawns `paddleflow-shim <task dir>` with the spec (JSON: name, command, env,
 * workdir, cpu_milli, mem_bytes, cgroup, stdout) on stdin — a memfd, read to EOF — and the
 * write end of a pipe on this fd.
 * The shim writes exactly one line and closes it:
 *   "ok\n"          it claimed the task (the task started, or its failure is in exit.json)
 *   "claimed\n"     another shim claimed the task first; nothing was run
 *   "error <msg>\n" it could not claim (nothing was run, nothing claimed) */
#define PF_SHIM_READY_FD 3

/* Grace period when the stop file is missing or unreadable (Kubernetes' default). */
#define PF_DEFAULT_GRACE_SECONDS 30

#endif
