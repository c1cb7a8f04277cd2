/* token_cache.c — keeps the login token between invocations.
 *
 * Upstream's CLI logs in on every command. Our server stores passwords as argon2id hashes
 * (api.md D18), so a login costs ~20 ms of deliberate work on the server — more than the rest
 * of a `job list`. The CLI therefore keeps the token it got in
 * ~/.paddleflow/tokens/<key> (directory 0700, file 0600, like the ini that holds the
 * password itself) and hands it to libpaddleflow, which logs in again by itself when the
 * server rejects it. The key is a BLAKE2b hash of host, port, user and password, so a
 * different password in the config never reuses a token obtained with another one (a wrong
 * password still fails), and no name or password is readable from the file name.
 * PADDLEFLOW_TOKEN_CACHE=off disables the cache. */
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static bool cache_path(const cli_config *cfg, char *out, size_t n, char *dir, size_t dn)
{
    const char *off = getenv("PADDLEFLOW_TOKEN_CACHE");
    if (off && (strcmp(off, "off") == 0 || strcmp(off, "0") == 0)) return false;
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        if (!pw) return false;
        home = pw->pw_dir;
    }
    if (sodium_init() < 0) return false;
    char key[4096];
    int len =
        snprintf(key, sizeof key, "%s\n%d\n%s\n%s", cfg->host, cfg->port, cfg->user, cfg->password);
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)key, (size_t)len, NULL, 0);
    sodium_memzero(key, sizeof key);
    char hex[sizeof h * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(dir, dn, "%s/.paddleflow/tokens", home);
    snprintf(out, n, "%s/%s", dir, hex);
    return true;
}

char *cli_token_load(const cli_config *cfg)
{
    char path[4200], dir[4200];
    if (!cache_path(cfg, path, sizeof path, dir, sizeof dir)) return NULL;
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char buf[4096];
    char *tok = fgets(buf, sizeof buf, f) ? strdup(strtok(buf, "\r\n") ? buf : "") : NULL;
    fclose(f);
    if (tok && !*tok) {
        free(tok);
        tok = NULL;
    }
    return tok;
}

void cli_token_save(const cli_config *cfg, const char *token)
{
    char path[4200], dir[4200], tmp[4300];
    if (!token || !cache_path(cfg, path, sizeof path, dir, sizeof dir)) return;
    if (cli_mkdir_p(dir) != 0) return;
    /* write a temp file and rename it: a concurrent reader sees the old or the new token */
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return;
    size_t n = strlen(token);
    bool ok = write(fd, token, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}
