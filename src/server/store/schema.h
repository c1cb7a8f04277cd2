/* schema.h — the versioned schema. Migrations run in order inside one transaction each;
 * the version is SQLite's user_version. Never edit a shipped migration: add a new one. */
#ifndef PF_STORE_SCHEMA_H
#define PF_STORE_SCHEMA_H

#include <sqlite3.h>

#include "base/err.h"

/* Brings db to the newest version; refuses a database newer than this server. */
int pf_schema_migrate(sqlite3 *db, pf_error *e);
/* Brings db up to version target (tests build old databases with it). */
int pf_schema_migrate_to(sqlite3 *db, int target, pf_error *e);
int pf_schema_version(void);

#endif
