/* auth.h — login, tokens and the per-request authentication of api.md §2 (with D17, D18).
 *
 * Tokens are HS256 JWTs signed with the installation's secret. Besides username/iss/nbf/exp
 * they carry "pwv", a fingerprint of the user's stored password hash, so changing the
 * password or deleting the user kills every token of that user (api.md §2.3 step 4). */
#ifndef PF_SERVICE_AUTH_H
#define PF_SERVICE_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "server/service/app.h"

/* Loads the secret from <data>/secret (creating it, mode 0600). */
int pf_auth_load_secret(pf_app *app, pf_error *e);

/* Slow salted hash (argon2id) for storage; out must hold crypto_pwhash_STRBYTES. */
int pf_password_hash(const char *password, char *out, size_t outlen, pf_error *e);
bool pf_password_verify(const char *hash, const char *password);
/* UserPasswordWeak unless ≥ 6 chars with a digit and a lowercase letter. */
int pf_password_check_strength(const char *password, pf_error *e);

/* POST /login: fills token (malloc'd) on success. */
int pf_auth_login(pf_app *app, const char *user, const char *password, char **token, pf_error *e);

/* Verifies a token for a request: signature, expiry, user exists, password unchanged.
 * Fills user (the caller's name). Error codes as api.md §2.3. */
int pf_auth_verify(pf_app *app, const char *token, char *user, size_t userlen, pf_error *e);

/* The verified-token cache: a token checked once (signature, claims, user, password) is
 * trusted until it expires or any password changes / user is deleted (pf_auth_invalidate),
 * so the hot path of an authenticated request is one hash lookup. */
int pf_auth_cache_init(pf_app *app, pf_error *e);
void pf_auth_cache_free(pf_app *app);
/* Forget every cached verification (call after a password change or a user deletion). */
void pf_auth_invalidate(pf_app *app);

/* Root is exactly "root" (D12 reserves every case variant at user creation). */
bool pf_is_root(const char *user);

#endif
