/* auth.c — passwords (argon2id), the installation secret, HS256 JWTs and request auth. */
#include "server/service/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "server/store/store.h"
#include "server/store/users.h"

/* argon2id cost: OWASP's minimum (19 MiB, 2 passes) keeps a login near 20 ms on a small
 * machine — every CLI invocation may log in, so the interactive preset (64 MiB) is too slow. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u << 20)

bool pf_is_root(const char *user)
{
    return strcmp(user, "root") == 0;
}

int pf_auth_load_secret(pf_app *app, pf_error *e)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/secret", app->cfg.data_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, app->secret, sizeof app->secret);
        close(fd);
        if (n == (ssize_t)sizeof app->secret) return 0;
        return pf_fail(e, "InternalError", "%s is damaged (expected %zu bytes); remove it to "
                       "create a new one (all tokens become invalid)", path, sizeof app->secret);
    }
    if (errno != ENOENT) return pf_fail(e, "InternalError", "read %s: %s", path, strerror(errno));
    randombytes_buf(app->secret, sizeof app->secret);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return pf_fail(e, "InternalError", "create %s: %s", tmp, strerror(errno));
    bool ok = write(fd, app->secret, sizeof app->secret) == (ssize_t)sizeof app->secret &&
              fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0)
        return pf_fail(e, "InternalError", "write %s: %s", path, strerror(errno));
    return 0;
}

int pf_password_hash(const char *password, char *out, size_t outlen, pf_error *e)
{
    if (outlen < crypto_pwhash_STRBYTES)
        return pf_fail(e, "InternalError", "password hash buffer too small");
    if (crypto_pwhash_str_alg(out, password, strlen(password), PW_OPSLIMIT, PW_MEMLIMIT,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return pf_fail(e, "InternalError", "password hashing ran out of memory");
    return 0;
}

bool pf_password_verify(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

int pf_password_check_strength(const char *password, pf_error *e)
{
    bool digit = false, lower = false;
    for (const char *p = password; *p; p++) {
        digit |= (*p >= '0' && *p <= '9');
        lower |= (*p >= 'a' && *p <= 'z');
    }
    if (strlen(password) < 6 || !digit || !lower) return pf_fail(e, "UserPasswordWeak", NULL);
    return 0;
}

/* ---- JWT (HS256) ---- */

static void b64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
    sodium_bin2base64(out, outlen, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* A short fingerprint of the stored hash: a token dies when the hash changes. */
static void pw_fingerprint(const char *hash, char out[17])
{
    unsigned char h[8];
    crypto_generichash(h, sizeof h, (const unsigned char *)hash, strlen(hash), NULL, 0);
    sodium_bin2hex(out, 17, h, sizeof h);
}

static void sign(const pf_app *app, const char *data, size_t n, char *out, size_t outlen)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, app->secret, sizeof app->secret);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, n);
    crypto_auth_hmacsha256_final(&st, mac);
    b64url(mac, sizeof mac, out, outlen);
}

static char *issue_token(const pf_app *app, const pf_user *u)
{
    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    char fp[17];
    pw_fingerprint(u->hash, fp);
    long long now = (long long)time(NULL);
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "username", u->name, "pwv", fp, "iss",
                               "paddleflow", "nbf", now - 1000, "iat", now);
    if (app->cfg.token_expiry_hours > 0)
        json_object_set_new(claims, "exp",
                            json_integer(now + (long long)(app->cfg.token_expiry_hours * 3600)));
    char *payload = pf_json_dump(claims);
    json_decref(claims);
    size_t hl = sodium_base64_ENCODED_LEN(sizeof header - 1, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t pl = sodium_base64_ENCODED_LEN(strlen(payload), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    size_t cap = hl + pl + 64;
    char *tok = malloc(cap);
    b64url((const unsigned char *)header, sizeof header - 1, tok, hl);
    size_t n = strlen(tok);
    tok[n++] = '.';
    b64url((const unsigned char *)payload, strlen(payload), tok + n, pl);
    n += strlen(tok + n);
    free(payload);
    char sig[64];
    sign(app, tok, n, sig, sizeof sig);
    snprintf(tok + n, cap - n, ".%s", sig);
    return tok;
}

int pf_auth_login(pf_app *app, const char *user, const char *password, char **token, pf_error *e)
{
    pf_user u;
    int rc = pf_user_get(pf_store_reader(app->store), user, &u, e);
    if (rc < 0) return -1;
    if (rc == 1) return pf_fail(e, "UserNotExist", NULL);
    if (!pf_password_verify(u.hash, password)) return pf_fail(e, "AuthFailed", NULL);
    *token = issue_token(app, &u);
    return 0;
}

/* ---- verified-token cache ---- */

/* Per thread (no lock on the hot path; a request is served by one thread), checked against
 * the app's generation, which pf_auth_invalidate bumps. Tokens live inline so a thread that
 * ends leaves nothing allocated behind. */
#define CACHE_SLOTS 64
#define CACHE_TOKEN_MAX 512

typedef struct cache_slot {
    const struct pf_auth_cache *owner;
    uint64_t generation;
    int64_t expires; /* Unix seconds, INT64_MAX = never */
    char user[64];
    char token[CACHE_TOKEN_MAX];
} cache_slot;

struct pf_auth_cache {
    _Atomic uint64_t generation; /* older slots are stale */
};

static __thread cache_slot slots[CACHE_SLOTS];

int pf_auth_cache_init(pf_app *app, pf_error *e)
{
    struct pf_auth_cache *c = calloc(1, sizeof *c);
    if (!c) return pf_fail(e, "InternalError", "out of memory");
    atomic_init(&c->generation, 1);
    app->auth_cache = c;
    return 0;
}

void pf_auth_cache_free(pf_app *app)
{
    free(app->auth_cache);
    app->auth_cache = NULL;
}

void pf_auth_invalidate(pf_app *app)
{
    if (app->auth_cache) atomic_fetch_add(&app->auth_cache->generation, 1);
}

static cache_slot *token_slot(const char *token)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = token; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return &slots[h % CACHE_SLOTS];
}

static uint64_t cache_generation(pf_app *app)
{
    return app->auth_cache ? atomic_load(&app->auth_cache->generation) : 0;
}

static bool cache_get(pf_app *app, const char *token, char *user, size_t userlen)
{
    struct pf_auth_cache *c = app->auth_cache;
    if (!c || strlen(token) >= CACHE_TOKEN_MAX) return false;
    cache_slot *sl = token_slot(token);
    if (sl->owner != c || sl->generation != atomic_load(&c->generation) ||
        sl->expires <= (int64_t)time(NULL) || strcmp(sl->token, token) != 0)
        return false;
    snprintf(user, userlen, "%s", sl->user);
    return true;
}

/* Only called after a full verification that started under generation gen: if anything was
 * invalidated meanwhile, the result is not cached. */
static void cache_put(pf_app *app, const char *token, const char *user, int64_t expires,
                      uint64_t gen)
{
    struct pf_auth_cache *c = app->auth_cache;
    if (!c || strlen(token) >= CACHE_TOKEN_MAX || gen != atomic_load(&c->generation)) return;
    cache_slot *sl = token_slot(token);
    sl->owner = c;
    sl->generation = gen;
    sl->expires = expires;
    snprintf(sl->user, sizeof sl->user, "%s", user);
    snprintf(sl->token, sizeof sl->token, "%s", token);
}

static int invalid(pf_error *e)
{
    return pf_fail(e, "AuthInvalidToken", NULL);
}

int pf_auth_verify(pf_app *app, const char *token, char *user, size_t userlen, pf_error *e)
{
    if (cache_get(app, token, user, userlen)) return 0;
    uint64_t gen = cache_generation(app);
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || strchr(dot2 + 1, '.') || strlen(token) > 4096) return invalid(e);
    char sig[64];
    sign(app, token, (size_t)(dot2 - token), sig, sizeof sig);
    if (strlen(dot2 + 1) != strlen(sig) ||
        sodium_memcmp(sig, dot2 + 1, strlen(sig)) != 0)
        return invalid(e);
    unsigned char payload[4096];
    size_t plen = 0;
    if (sodium_base642bin(payload, sizeof payload - 1, dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL,
                          &plen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return invalid(e);
    json_t *claims = json_loadb((const char *)payload, plen, 0, NULL);
    const char *name = json_string_value(json_object_get(claims, "username"));
    const char *fp = json_string_value(json_object_get(claims, "pwv"));
    json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf");
    long long now = (long long)time(NULL);
    int64_t expires = exp ? (int64_t)json_integer_value(exp) : INT64_MAX;
    bool ok = name && fp && strlen(name) < userlen &&
              (!exp || (json_is_integer(exp) && json_integer_value(exp) > now)) &&
              (!nbf || (json_is_integer(nbf) && json_integer_value(nbf) <= now));
    if (ok) snprintf(user, userlen, "%s", name);
    char want_fp[17] = "";
    if (fp) snprintf(want_fp, sizeof want_fp, "%s", fp);
    json_decref(claims);
    if (!ok) return invalid(e);

    pf_user u;
    int rc = pf_user_get(pf_store_reader(app->store), user, &u, e);
    if (rc < 0) return -1;
    if (rc == 1) return pf_fail(e, "UserNotExist", NULL);
    char have_fp[17];
    pw_fingerprint(u.hash, have_fp);
    if (strcmp(have_fp, want_fp) != 0) return pf_fail(e, "AuthFailed", NULL);
    cache_put(app, token, user, expires, gen);
    return 0;
}
