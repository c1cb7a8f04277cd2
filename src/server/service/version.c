/* version.c — build identity for GET /version and --version. */
#include "server/service/version.h"

#include <stdio.h>
#include <sys/utsname.h>

json_t *pf_version_json(void)
{
    struct utsname u;
    char platform[160] = "linux";
    if (uname(&u) == 0) snprintf(platform, sizeof platform, "%s/%s", u.sysname, u.machine);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "gitVersion", PF_VERSION, "gitCommit",
                     PF_GIT_COMMIT, "gitBranch", "main", "buildDate", __DATE__ " " __TIME__,
                     "goVersion", "none (C17)", "compiler", "gcc", "platform", platform);
}
