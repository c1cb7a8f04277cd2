/* config.h — paddleflow-server's command line and environment (flags win over env). */
#ifndef PF_SERVER_CONFIG_H
#define PF_SERVER_CONFIG_H

#include <stdio.h>

#include "server/service/app.h"

/* Fills cfg from defaults, then PF_* environment variables, then argv.
 * Returns 0 to run, 1 when --help/--version was handled, -1 on a usage error (printed). */
int pf_config_load(pf_config *cfg, int argc, char **argv, FILE *out, FILE *err);

#endif
