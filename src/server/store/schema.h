/* schema.h — the versioned schema. Migrations run in order inside one transaction each;
 * the version is SQLite's user_version. Never edit a shipped migration: add a new one. */
#ifndef PF_STORE_SCHEMA_H
#define PF_STORE_SCHEMA_H

#include <sqlite3.h>

#include "base/err.h"

int pf_schema_migrate(sqlite3 *db, pf_error *e);
int pf_schema_version(void);

#endif
