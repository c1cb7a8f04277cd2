/* test_store_util.h — what test_store.c and test_store_entities.c share: a store on a fresh
 * database in a scratch directory (cmocka setup/teardown), reopening it, error expectations,
 * and a raw SQL write run on the store's writer. */
#ifndef PF_TEST_STORE_UTIL_H
#define PF_TEST_STORE_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "server/store/store.h"

#define STORE_UTIL static __attribute__((unused)) /* each test program uses a subset */

typedef struct {
    char dir[64];
    char path[128];
    pf_store *s;
} fixture;

STORE_UTIL int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/pf-store-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->path, sizeof f->path, "%s/paddleflow.db", f->dir);
    pf_error e;
    f->s = pf_store_open(f->path, &e);
    if (!f->s) return -1;
    *state = f;
    return 0;
}

STORE_UTIL int teardown(void **state)
{
    fixture *f = *state;
    pf_store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

STORE_UTIL void reopen(fixture *f)
{
    pf_store_close(f->s);
    pf_error e;
    f->s = pf_store_open(f->path, &e);
    if (!f->s) fail_msg("reopen: %s", e.message);
}

STORE_UTIL void expect_ok(int rc, const pf_error *e)
{
    if (rc != 0) fail_msg("%s: %s", e->code, e->message);
}

STORE_UTIL void expect_code(int rc, const pf_error *e, const char *code)
{
    assert_int_equal(rc, -1);
    assert_string_equal(e->code, code);
}

/* A write of raw SQL (arg), for pf_store_write. */
STORE_UTIL int w_exec(sqlite3 *db, void *arg, pf_error *e)
{
    return sqlite3_exec(db, arg, NULL, NULL, NULL) == SQLITE_OK ? 0 : pf_store_fail(db, e, arg);
}

#endif
