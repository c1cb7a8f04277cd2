/* test_auth.c — passwords, tokens and list paging of src/server/service/{auth,paging}.h with a
 * real store in a temporary data directory (wired as main.c does): argon2id hashes and the
 * strength rule, login + verify round trips, forged, tampered, malformed and expired tokens
 * (also re-signed with the real secret, so the claim checks are tested on their own), tokens
 * dying with a password change or the user's deletion, the secret file, markers and maxKeys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/json.h"
#include "server/service/auth.h"
#include "server/service/paging.h"
#include "server/service/users.h"
#include "server/store/store.h"

typedef struct {
    char dir[64];
    pf_app app;
    char *root_token; /* one login shared by the tests that only need a valid token */
} fixture;

static fixture *F;

static int group_setup(void **state)
{
    if (sodium_init() < 0) return -1;
    F = calloc(1, sizeof *F);
    snprintf(F->dir, sizeof F->dir, "/tmp/pf-auth-XXXXXX");
    if (!mkdtemp(F->dir)) return -1;
    snprintf(F->app.cfg.data_dir, sizeof F->app.cfg.data_dir, "%s", F->dir);
    F->app.cfg.token_expiry_hours = 24;
    char db[128];
    snprintf(db, sizeof db, "%s/paddleflow.db", F->dir);
    pf_error e;
    F->app.store = pf_store_open(db, &e);
    if (!F->app.store || pf_auth_load_secret(&F->app, &e) != 0 ||
        pf_users_seed_root(&F->app, "paddleflow", &e) != 0) {
        fprintf(stderr, "setup: %s\n", e.message);
        return -1;
    }
    if (pf_auth_login(&F->app, "root", "paddleflow", &F->root_token, &e) != 0) return -1;
    *state = F;
    return 0;
}

static int group_teardown(void **state)
{
    pf_store_close(F->app.store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", F->dir);
    int rc = system(cmd);
    free(F->root_token);
    free(F);
    return rc == 0 ? 0 : -1;
}

static const pf_caller ROOT = {.name = "root", .root = true};

static void expect_ok(int rc, const pf_error *e)
{
    if (rc != 0) fail_msg("%s: %s", e->code, e->message);
}

static void expect_code(int rc, const pf_error *e, const char *code)
{
    assert_int_equal(rc, -1);
    assert_string_equal(e->code, code);
}

static char *login(const char *user, const char *password)
{
    char *tok = NULL;
    pf_error e;
    expect_ok(pf_auth_login(&F->app, user, password, &tok, &e), &e);
    assert_non_null(tok);
    return tok;
}

static int verify(const char *token, char *user, pf_error *e)
{
    memset(e, 0, sizeof *e);
    return pf_auth_verify(&F->app, token, user, 64, e);
}

/* ---- JWT pieces, to forge and inspect tokens ---- */

static char *b64(const void *data, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(cap);
    sodium_bin2base64(out, cap, data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

static char *unb64(const char *s, size_t n)
{
    char *out = calloc(1, n + 1);
    size_t len;
    if (sodium_base642bin((unsigned char *)out, n, s, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        free(out);
        return NULL;
    }
    out[len] = '\0';
    return out;
}

/* header.payload signed with key (HS256). */
static char *make_token(const char *header, const char *payload, const unsigned char key[32])
{
    char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
    size_t n = strlen(h) + strlen(p) + 2;
    char *tok = malloc(n + 64);
    snprintf(tok, n + 64, "%s.%s", h, p);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, strlen(tok));
    crypto_auth_hmacsha256_final(&st, mac);
    char *sig = b64(mac, sizeof mac);
    snprintf(tok + strlen(tok), 64, ".%s", sig);
    free(h);
    free(p);
    free(sig);
    return tok;
}

/* The claims of a token as JSON (new reference). */
static json_t *claims_of(const char *tok)
{
    const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
    char *payload = unb64(d1 + 1, (size_t)(d2 - d1 - 1));
    assert_non_null(payload);
    json_t *c = json_loads(payload, 0, NULL);
    free(payload);
    assert_non_null(c);
    return c;
}

static const char HS256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* A real token's claims changed by edit(), re-signed with the installation secret. */
static char *resigned(const char *tok, void (*edit)(json_t *))
{
    json_t *c = claims_of(tok);
    edit(c);
    char *payload = pf_json_dump(c);
    json_decref(c);
    char *out = make_token(HS256, payload, F->app.secret);
    free(payload);
    return out;
}

/* ---- passwords ---- */

static void test_password_hash_verify(void **state)
{
    (void)state;
    char h1[crypto_pwhash_STRBYTES], h2[crypto_pwhash_STRBYTES];
    pf_error e;
    expect_ok(pf_password_hash("secret123", h1, sizeof h1, &e), &e);
    expect_ok(pf_password_hash("secret123", h2, sizeof h2, &e), &e);
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_string_not_equal(h1, h2); /* salted */
    assert_null(strstr(h1, "secret123"));
    assert_true(pf_password_verify(h1, "secret123"));
    assert_true(pf_password_verify(h2, "secret123"));
    assert_false(pf_password_verify(h1, "Secret123"));
    assert_false(pf_password_verify("not a hash", "secret123"));
    assert_false(pf_password_verify("", ""));
    char small[16];
    expect_code(pf_password_hash("secret123", small, sizeof small, &e), &e, "InternalError");
}

static void test_password_strength(void **state)
{
    (void)state;
    const char *ok[] = {"abc123", "a1b2c3d4", "ABCd12",  "paddleflow1",
                        "1234a5", "ab cd 12", "p@ssw0rd"};
    const char *weak[] = {"",       "a1",     "abc12",   "abcdef", "123456",
                          "ABC123", "ABCDEF", "!!!!!!1", "ÀÉÎÕÜ1"};
    pf_error e;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (pf_password_check_strength(ok[i], &e) != 0) fail_msg("%s rejected", ok[i]);
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        if (pf_password_check_strength(weak[i], &e) == 0) fail_msg("%s accepted", weak[i]);
        assert_string_equal(e.code, "UserPasswordWeak");
        assert_string_equal(e.message, "Password must consist of at least one number and one "
                                       "letter, and length must be greater than 6");
    }
}

static void test_is_root(void **state)
{
    (void)state;
    assert_true(pf_is_root("root"));
    assert_false(pf_is_root("Root"));
    assert_false(pf_is_root("ROOT"));
    assert_false(pf_is_root("root "));
    assert_false(pf_is_root(""));
}

/* ---- login and verify ---- */

static void test_login_round_trip(void **state)
{
    (void)state;
    char *tok = login("root", "paddleflow");
    char user[64];
    pf_error e;
    expect_ok(verify(tok, user, &e), &e);
    assert_string_equal(user, "root");
    /* a JWT: HS256 header, username/iss/nbf/exp claims, no password or hash in it */
    size_t header_len = strcspn(tok, ".");
    char *header = unb64(tok, header_len);
    assert_string_equal(header, HS256);
    free(header);
    json_t *c = claims_of(tok);
    assert_string_equal(json_string_value(json_object_get(c, "username")), "root");
    assert_string_equal(json_string_value(json_object_get(c, "iss")), "paddleflow");
    long long now = (long long)time(NULL);
    long long nbf = json_integer_value(json_object_get(c, "nbf"));
    long long exp = json_integer_value(json_object_get(c, "exp"));
    assert_true(nbf <= now && nbf >= now - 2000);
    assert_true(exp >= now + 24 * 3600 - 5 && exp <= now + 24 * 3600 + 5);
    assert_null(json_object_get(c, "password"));
    char *dump = pf_json_dump(c);
    assert_null(strstr(dump, "argon2"));
    free(dump);
    json_decref(c);
    /* every login gives a token that works; the same token verifies again */
    char *tok2 = login("root", "paddleflow");
    expect_ok(verify(tok2, user, &e), &e);
    expect_ok(verify(tok, user, &e), &e);
    free(tok);
    free(tok2);
}

static void test_login_failures(void **state)
{
    (void)state;
    char *tok = NULL;
    pf_error e;
    expect_code(pf_auth_login(&F->app, "root", "wrong1", &tok, &e), &e, "AuthFailed");
    assert_string_equal(e.message, "Username or password not correct");
    expect_code(pf_auth_login(&F->app, "root", "", &tok, &e), &e, "AuthFailed");
    expect_code(pf_auth_login(&F->app, "nobody", "paddleflow", &tok, &e), &e, "UserNotExist");
    assert_string_equal(e.message, "User not exist");
    expect_code(pf_auth_login(&F->app, "ROOT", "paddleflow", &tok, &e), &e, "UserNotExist");
    expect_code(pf_auth_login(&F->app, "", "", &tok, &e), &e, "UserNotExist");
    assert_null(tok);
}

static void test_forged_signature(void **state)
{
    (void)state;
    char *tok = strdup(F->root_token);
    char user[64];
    pf_error e;
    size_t n = strlen(tok);
    /* every single-character change of the signature */
    const char *sig = strrchr(tok, '.') + 1;
    for (const char *p = sig; *p; p++) {
        char *t = strdup(tok);
        t[p - tok] = *p == 'A' ? 'B' : 'A';
        expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
        free(t);
    }
    /* signature cut short, extended, missing */
    char *t = strdup(tok);
    t[n - 1] = '\0';
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    t = malloc(n + 2);
    snprintf(t, n + 2, "%sA", tok);
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    t = strdup(tok);
    strrchr(t, '.')[1] = '\0';
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    /* the same claims signed with another key, e.g. upstream's hard-coded one */
    json_t *c = claims_of(tok);
    char *payload = pf_json_dump(c);
    json_decref(c);
    unsigned char other[32] = "its my precious";
    t = make_token(HS256, payload, other);
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    /* alg "none" with no signature */
    t = make_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, other);
    strrchr(t, '.')[1] = '\0';
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    free(payload);
    free(tok);
}

static void set_user_alice(json_t *c)
{
    json_object_set_new(c, "username", json_string("alice"));
}

static void test_tampered_payload(void **state)
{
    (void)state;
    char *tok = strdup(F->root_token);
    char user[64];
    pf_error e;
    /* another user's name in the payload, old signature kept */
    json_t *c = claims_of(tok);
    set_user_alice(c);
    char *payload = pf_json_dump(c);
    json_decref(c);
    char *p64 = b64(payload, strlen(payload));
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    size_t n = (size_t)(d1 - tok) + strlen(p64) + strlen(d2) + 2;
    char *t = malloc(n);
    snprintf(t, n, "%.*s.%s%s", (int)(d1 - tok), tok, p64, d2);
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    free(p64);
    free(payload);
    /* a later expiry, old signature kept */
    c = claims_of(tok);
    json_object_set_new(c, "exp", json_integer((long long)time(NULL) + 1000000));
    payload = pf_json_dump(c);
    json_decref(c);
    p64 = b64(payload, strlen(payload));
    n = (size_t)(d1 - tok) + strlen(p64) + strlen(d2) + 2;
    t = malloc(n);
    snprintf(t, n, "%.*s.%s%s", (int)(d1 - tok), tok, p64, d2);
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    free(p64);
    free(payload);
    free(tok);
}

static void test_malformed_tokens(void **state)
{
    (void)state;
    char user[64];
    pf_error e;
    const char *bad[] = {"",
                         "abc",
                         "a.b",
                         "a.b.c",
                         "a.b.c.d",
                         "..",
                         "...",
                         ".x.",
                         "Bearer x.y.z",
                         "   ",
                         "\xff\xfe.\x01.\x02",
                         "eyJ.eyJ.eyJ"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_code(verify(bad[i], user, &e), &e, "AuthInvalidToken");
    /* a valid token with a fourth part, or with spaces around */
    char *tok = strdup(F->root_token);
    size_t n = strlen(tok) + 8;
    char *t = malloc(n);
    snprintf(t, n, "%s.x", tok);
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    snprintf(t, n, " %s", tok);
    expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
    free(t);
    /* huge */
    char *huge = malloc(100001);
    memset(huge, 'a', 100000);
    huge[100000] = '\0';
    huge[10] = huge[20] = '.';
    expect_code(verify(huge, user, &e), &e, "AuthInvalidToken");
    free(huge);
    assert_string_equal(e.message, "Invalid token. Please re-login");
    free(tok);
}

/* Correctly signed tokens whose claims are wrong: the claim checks on their own. */
static void test_signed_but_bad_claims(void **state)
{
    (void)state;
    char user[64];
    pf_error e;
    const char *payloads[] = {
        "not json",
        "[]",
        "\"root\"",
        "null",
        "{}",
        "{\"username\":\"root\"}",                       /* no password fingerprint */
        "{\"username\":5,\"pwv\":\"0011223344556677\"}", /* wrong types */
        "{\"username\":\"root\",\"pwv\":7}",
    };
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        char *t = make_token(HS256, payloads[i], F->app.secret);
        expect_code(verify(t, user, &e), &e, "AuthInvalidToken");
        free(t);
    }
    /* right user, wrong fingerprint: the password changed since (AuthFailed, §2.3 step 4) */
    char *t =
        make_token(HS256, "{\"username\":\"root\",\"pwv\":\"0011223344556677\"}", F->app.secret);
    expect_code(verify(t, user, &e), &e, "AuthFailed");
    free(t);
    /* a user that does not exist */
    t = make_token(HS256, "{\"username\":\"ghost\",\"pwv\":\"0011223344556677\"}", F->app.secret);
    expect_code(verify(t, user, &e), &e, "UserNotExist");
    free(t);
}

static void exp_past(json_t *c)
{
    json_object_set_new(c, "exp", json_integer((long long)time(NULL) - 1));
}
static void exp_now(json_t *c)
{
    json_object_set_new(c, "exp", json_integer((long long)time(NULL)));
}
static void exp_string(json_t *c)
{
    json_object_set_new(c, "exp", json_string("99999999999"));
}
static void exp_far(json_t *c)
{
    json_object_set_new(c, "exp", json_integer((long long)time(NULL) + 100000));
}
static void exp_none(json_t *c)
{
    json_object_del(c, "exp");
}
static void nbf_future(json_t *c)
{
    json_object_set_new(c, "nbf", json_integer((long long)time(NULL) + 100));
}
static void nbf_real(json_t *c)
{
    json_object_set_new(c, "nbf", json_real(1.5));
}

static void test_claim_times(void **state)
{
    (void)state;
    char *tok = strdup(F->root_token);
    char user[64];
    pf_error e;
    struct {
        void (*edit)(json_t *);
        const char *code;
    } cases[] = {{exp_past, "AuthInvalidToken"},
                 {exp_now, "AuthInvalidToken"},
                 {exp_string, "AuthInvalidToken"},
                 {nbf_future, "AuthInvalidToken"},
                 {nbf_real, "AuthInvalidToken"},
                 {exp_far, NULL},
                 {exp_none, NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = resigned(tok, cases[i].edit);
        int rc = verify(t, user, &e);
        if (cases[i].code)
            expect_code(rc, &e, cases[i].code);
        else
            expect_ok(rc, &e);
        free(t);
    }
    free(tok);
}

static void test_expired_token(void **state)
{
    (void)state;
    double saved = F->app.cfg.token_expiry_hours;
    F->app.cfg.token_expiry_hours = 0.0003; /* ~1 s */
    /* start right after a second boundary, so the token is surely valid at first */
    time_t t0 = time(NULL);
    while (time(NULL) == t0)
        usleep(2000);
    char *tok = login("root", "paddleflow");
    char user[64];
    pf_error e;
    expect_ok(verify(tok, user, &e), &e);
    json_t *c = claims_of(tok);
    long long exp = json_integer_value(json_object_get(c, "exp"));
    json_decref(c);
    while ((long long)time(NULL) < exp)
        usleep(20000);
    expect_code(verify(tok, user, &e), &e, "AuthInvalidToken");
    free(tok);
    /* 0 = tokens never expire: no exp claim at all */
    F->app.cfg.token_expiry_hours = 0;
    tok = login("root", "paddleflow");
    c = claims_of(tok);
    assert_null(json_object_get(c, "exp"));
    json_decref(c);
    expect_ok(verify(tok, user, &e), &e);
    free(tok);
    F->app.cfg.token_expiry_hours = saved;
}

static void test_password_change_and_delete_kill_tokens(void **state)
{
    (void)state;
    pf_error e;
    char user[64];
    expect_ok(pf_users_create(&F->app, &ROOT, "alice", "alice123", &e), &e);
    char *old = login("alice", "alice123");
    expect_ok(verify(old, user, &e), &e);
    assert_string_equal(user, "alice");
    /* alice changes her own password: her old token dies with AuthFailed */
    pf_caller alice = {.name = "alice", .root = false};
    expect_ok(pf_users_set_password(&F->app, &alice, "alice", "newpass1", &e), &e);
    expect_code(verify(old, user, &e), &e, "AuthFailed");
    char *tok = NULL;
    expect_code(pf_auth_login(&F->app, "alice", "alice123", &tok, &e), &e, "AuthFailed");
    char *fresh = login("alice", "newpass1");
    expect_ok(verify(fresh, user, &e), &e);
    /* setting the same password again still kills the tokens (new salt, new hash) */
    expect_ok(pf_users_set_password(&F->app, &ROOT, "alice", "newpass1", &e), &e);
    expect_code(verify(fresh, user, &e), &e, "AuthFailed");
    free(fresh);
    fresh = login("alice", "newpass1");
    /* root's tokens are not affected by alice's changes */
    char *rt = strdup(F->root_token);
    /* deleted: UserNotExist */
    expect_ok(pf_users_delete(&F->app, &ROOT, "alice", &e), &e);
    expect_code(verify(fresh, user, &e), &e, "UserNotExist");
    expect_code(verify(old, user, &e), &e, "UserNotExist");
    expect_ok(verify(rt, user, &e), &e);
    /* a new alice does not inherit the old tokens */
    expect_ok(pf_users_create(&F->app, &ROOT, "alice", "newpass1", &e), &e);
    expect_code(verify(fresh, user, &e), &e, "AuthFailed");
    expect_ok(pf_users_delete(&F->app, &ROOT, "alice", &e), &e);
    free(old);
    free(fresh);
    free(rt);
}

/* ---- the secret ---- */

static void test_secret_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/secret", F->dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    /* a restart loads the same secret: tokens and markers survive it */
    char *tok = strdup(F->root_token);
    pf_app again = F->app;
    memset(again.secret, 0, sizeof again.secret);
    pf_error e;
    expect_ok(pf_auth_load_secret(&again, &e), &e);
    assert_memory_equal(again.secret, F->app.secret, 32);
    char user[64];
    expect_ok(pf_auth_verify(&again, tok, user, sizeof user, &e), &e);
    /* another installation's secret does not verify it */
    pf_app other = F->app;
    randombytes_buf(other.secret, sizeof other.secret);
    expect_code(pf_auth_verify(&other, tok, user, sizeof user, &e), &e, "AuthInvalidToken");
    free(tok);
    /* a new data dir gets a new random secret; a damaged one is refused */
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/pf-secret-XXXXXX");
    assert_non_null(mkdtemp(dir));
    pf_app fresh = {0};
    snprintf(fresh.cfg.data_dir, sizeof fresh.cfg.data_dir, "%s", dir);
    expect_ok(pf_auth_load_secret(&fresh, &e), &e);
    assert_memory_not_equal(fresh.secret, F->app.secret, 32);
    snprintf(path, sizeof path, "%s/secret", dir);
    FILE *fp = fopen(path, "w");
    fputs("short", fp);
    fclose(fp);
    expect_code(pf_auth_load_secret(&fresh, &e), &e, "InternalError");
    unlink(path);
    rmdir(dir);
}

/* ---- markers and maxKeys ---- */

static void test_markers_round_trip(void **state)
{
    (void)state;
    int64_t pks[] = {0, 1, 2, 255, 123456789, 1LL << 40, INT64_MAX};
    for (size_t i = 0; i < sizeof pks / sizeof pks[0]; i++) {
        char m[PF_MARKER_LEN];
        pf_marker_encode(&F->app, pks[i], m);
        assert_int_equal(strlen(m), 32);
        int64_t back = -1;
        pf_error e;
        expect_ok(pf_marker_decode(&F->app, m, &back, &e), &e);
        assert_true(back == pks[i]);
    }
    int64_t pk = 99;
    pf_error e;
    expect_ok(pf_marker_decode(&F->app, NULL, &pk, &e), &e);
    assert_int_equal(pk, 0);
    pk = 99;
    expect_ok(pf_marker_decode(&F->app, "", &pk, &e), &e);
    assert_int_equal(pk, 0);
}

static void test_markers_garbage(void **state)
{
    (void)state;
    char good[PF_MARKER_LEN];
    pf_marker_encode(&F->app, 42, good);
    char bad[8][80];
    int n = 0;
    snprintf(bad[n++], 80, "xyz");
    snprintf(bad[n++], 80, "%.31s", good); /* too short */
    snprintf(bad[n++], 80, "%s0", good);   /* too long */
    snprintf(bad[n++], 80, "%s", good);    /* upper case hex */
    for (char *p = bad[n - 1]; *p; p++)
        if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 32);
    snprintf(bad[n++], 80, "%s", good); /* the pk changed, mac kept */
    bad[n - 1][15] = bad[n - 1][15] == '0' ? '1' : '0';
    snprintf(bad[n++], 80, "%s", good); /* the mac changed */
    bad[n - 1][31] = bad[n - 1][31] == '0' ? '1' : '0';
    snprintf(bad[n++], 80, "%.16s%.8s %.7s", good, good + 16, good + 25); /* a space */
    snprintf(bad[n++], 80, "00000000000000000000000000000000");
    /* the caller's spelling may not matter elsewhere, but a marker is exact */
    int changed = 0;
    for (int i = 0; i < n; i++) {
        int64_t pk = 7;
        pf_error e;
        if (strcmp(bad[i], good) != 0) changed++;
        expect_code(pf_marker_decode(&F->app, bad[i], &pk, &e), &e, "InvalidMarker");
        assert_string_equal(e.message, "The marker is invalid");
    }
    assert_int_equal(changed, n);
    /* a marker of another installation */
    pf_app other = F->app;
    randombytes_buf(other.secret, sizeof other.secret);
    char foreign[PF_MARKER_LEN];
    pf_marker_encode(&other, 42, foreign);
    int64_t pk;
    pf_error e;
    expect_code(pf_marker_decode(&F->app, foreign, &pk, &e), &e, "InvalidMarker");
    /* a correctly signed pk above INT64_MAX (its mac computed as the server would) */
    unsigned long long big = 0x8000000000000001ULL;
    char msg[48];
    int ml = snprintf(msg, sizeof msg, "marker:%lld", (long long)(int64_t)big);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)ml, F->app.secret);
    char hex[17], m[40];
    sodium_bin2hex(hex, sizeof hex, mac, 8);
    snprintf(m, sizeof m, "%016llx%s", big, hex);
    expect_code(pf_marker_decode(&F->app, m, &pk, &e), &e, "InvalidMarker");
}

static void test_max_keys(void **state)
{
    (void)state;
    struct {
        const char *v;
        int want;
    } ok[] = {{NULL, 50}, {"1", 1}, {"50", 50}, {"999", 999}, {"1000", 1000}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int out = -1;
        pf_error e;
        expect_ok(pf_parse_max_keys(ok[i].v, &out, &e), &e);
        assert_int_equal(out, ok[i].want);
    }
    const char *bad[] = {"0",   "-1", "1001", "", "abc", "10abc", "1.5", "99999999999999999999",
                         "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int out = 7;
        pf_error e;
        expect_code(pf_parse_max_keys(bad[i], &out, &e), &e, "InvalidURI");
        char msg[128];
        snprintf(msg, sizeof msg, "maxKeys[%s] is invalid", bad[i]);
        assert_string_equal(e.message, msg);
    }
}

static void test_list_envelope(void **state)
{
    (void)state;
    json_t *o = pf_list_envelope(&F->app, 10, true, 1234, "userList", json_array());
    char *s = pf_json_dump(o);
    const char *want_prefix = "{\"maxKeys\":10,\"isTruncated\":true,\"nextMarker\":\"";
    assert_int_equal(strncmp(s, want_prefix, strlen(want_prefix)), 0);
    assert_non_null(strstr(s, "\",\"userList\":[]}"));
    free(s);
    int64_t pk;
    pf_error e;
    expect_ok(
        pf_marker_decode(&F->app, json_string_value(json_object_get(o, "nextMarker")), &pk, &e),
        &e);
    assert_int_equal(pk, 1234);
    json_decref(o);
    o = pf_list_envelope(&F->app, 50, false, 0, "grantList", json_array());
    s = pf_json_dump(o);
    assert_string_equal(s, "{\"maxKeys\":50,\"isTruncated\":false,\"grantList\":[]}");
    free(s);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_verify),
        cmocka_unit_test(test_password_strength),
        cmocka_unit_test(test_is_root),
        cmocka_unit_test(test_login_round_trip),
        cmocka_unit_test(test_login_failures),
        cmocka_unit_test(test_forged_signature),
        cmocka_unit_test(test_tampered_payload),
        cmocka_unit_test(test_malformed_tokens),
        cmocka_unit_test(test_signed_but_bad_claims),
        cmocka_unit_test(test_claim_times),
        cmocka_unit_test(test_expired_token),
        cmocka_unit_test(test_password_change_and_delete_kill_tokens),
        cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_markers_round_trip),
        cmocka_unit_test(test_markers_garbage),
        cmocka_unit_test(test_max_keys),
        cmocka_unit_test(test_list_envelope),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
