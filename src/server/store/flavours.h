/* flavours.h — the flavour table (api.md §6.2). cpu and mem are kept exactly as the user wrote
 * them (responses echo them, never canonicalised); scalar resources as a JSON object of
 * strings. cluster_name "" = a flavour usable on every cluster. */
#ifndef PF_STORE_FLAVOURS_H
#define PF_STORE_FLAVOURS_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "base/err.h"

#define PF_FLAVOUR_NAME_MAX 60 /* bytes; upstream's column width */
#define PF_FLAVOUR_QTY_MAX 63  /* bytes of a cpu/mem string */

typedef struct pf_flavour {
    int64_t pk;
    char id[48]; /* "flavour-" + 8 hex, or a plain UUID for the seeded ones */
    char name[PF_FLAVOUR_NAME_MAX + 4];
    char cpu[PF_FLAVOUR_QTY_MAX + 1];
    char mem[PF_FLAVOUR_QTY_MAX + 1];
    json_t *scalar; /* object name → quantity string; owned, never NULL after a read */
    char cluster_name[256];
    char user[64]; /* creator (informational; update/delete stay root-only, api.md Q16) */
    int64_t created_at, updated_at; /* Unix ms */
} pf_flavour;

/* Frees the owned JSON (the struct is the caller's). Safe on a zeroed struct. */
void pf_flavour_clear(pf_flavour *f);
void pf_flavour_list_free(pf_flavour *rows, int n);

/* 0 found (out filled; clear it), 1 not found, -1 error. */
int pf_flavour_get(sqlite3 *db, const char *name, pf_flavour *out, pf_error *e);
/* Flavours with pk > after_pk, ascending, at most limit. name_part: substring filter
 * (NULL/"" = any). cluster NULL/"": only flavours bound to no cluster; else those bound to
 * that cluster or to none (api.md §6.2). */
int pf_flavour_list(sqlite3 *db, const char *name_part, const char *cluster, int64_t after_pk,
                    int limit, pf_flavour **out, int *n, pf_error *e);
/* Inserts f (times of f, or now when 0). Duplicate name → DuplicatedName. */
int pf_flavour_insert(sqlite3 *db, const pf_flavour *f, pf_error *e);
/* Rewrites cpu, mem and scalar of the flavour named f->name, updated_at = now.
 * Missing → FlavourNotFound. */
int pf_flavour_update(sqlite3 *db, const pf_flavour *f, pf_error *e);
/* Missing → FlavourNotFound. */
int pf_flavour_delete(sqlite3 *db, const char *name, pf_error *e);

#endif
