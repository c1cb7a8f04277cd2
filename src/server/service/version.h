/* version.h — build identity. */
#ifndef PF_SERVICE_VERSION_H
#define PF_SERVICE_VERSION_H
#include <jansson.h>
/* The object of GET /version (api.md §6.7). New reference. */
json_t *pf_version_json(void);
#endif
