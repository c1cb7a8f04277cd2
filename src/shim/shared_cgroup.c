/* shared_cgroup.c — the server's cgroup code (src/server/runtime/cgroup.c), compiled into
 * paddleflow-shim.
 *
 * CMake builds the shim from the files of src/shim plus src/base only; the cgroup code lives in the
 * runtime folder because the server needs it too (detection, killing the remains of a task
 * whose shim died). Including it here keeps a single definition instead of a copy. */
#include "server/runtime/cgroup.c"
