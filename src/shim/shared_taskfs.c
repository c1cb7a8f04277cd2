/* shared_taskfs.c — the task-directory records (src/server/runtime/taskfs.c), compiled into
 * paddleflow-shim, so the shim and the server read and write the protocol files of
 * shim_proto.h with the same code (see shared_cgroup.c for why it is included, not copied). */
#include "server/runtime/taskfs.c"
