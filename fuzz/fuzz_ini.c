/* fuzz_ini.c — libFuzzer target for the CLI's configuration file parser (src/cli/config.c,
 * upstream's paddleflow.ini, api.md §9.1).
 *
 * The CLI is an executable, not a library, so config.c (which uses only libc) is compiled
 * into this target directly; that also reaches its static parse_ini. The input is the file:
 * parse_ini reads it from memory, cli_config_load reads it through a memfd path (the same
 * fopen/validation path the CLI takes), with the PADDLEFLOW_* overrides cleared.
 *
 * Checked (abort() on violation), against a small reference model of the documented format
 * ([section], key = value or key: value, # and ; comments, whitespace trimmed, keys of
 * [user] name/password and [server] paddleflow_server_host/_port case-insensitive, the last
 * value wins): parse_ini agrees with the model; cli_config_load succeeds exactly when user,
 * password and a non-empty host are present and the port is in 1..65535, and then returns
 * those values. Lines longer than config.c's 4 KiB line buffer, and ports that do not fit an
 * int, are outside the model (the parser's behaviour there is reported in
 * docs/reliability.md), so such inputs skip the comparison. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../src/cli/config.c"

static void check(bool ok)
{
    if (!ok) abort();
}

typedef struct model {
    char *user, *password, *host, *port;
    bool has_user, has_server;
} model;

static void model_set(char **slot, const char *v, size_t n)
{
    free(*slot);
    *slot = strndup(v, n);
}

static void model_trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* The reference: one line at a time; a NUL ends the line's text (C strings). */
static void model_line(model *m, char *section, const char *s, size_t n)
{
    const char *nul = memchr(s, 0, n);
    if (nul) n = (size_t)(nul - s);
    model_trim(&s, &n);
    if (!n || *s == '#' || *s == ';') return;
    if (*s == '[') {
        const char *end = memchr(s, ']', n);
        const char *in = s + 1;
        size_t len = (end ? (size_t)(end - s) : n) - 1;
        model_trim(&in, &len);
        snprintf(section, 64, "%.*s", (int)len, in);
        if (!strcmp(section, "user")) m->has_user = true;
        if (!strcmp(section, "server")) m->has_server = true;
        return;
    }
    size_t sep = 0;
    while (sep < n && s[sep] != '=' && s[sep] != ':')
        sep++;
    if (sep == n) return;
    const char *k = s, *v = s + sep + 1;
    size_t kn = sep, vn = n - sep - 1;
    model_trim(&k, &kn);
    model_trim(&v, &vn);
    bool user = !strcmp(section, "user"), server = !strcmp(section, "server");
#define KEY(name) (kn == strlen(name) && !strncasecmp(k, name, kn))
    if (user && KEY("name")) model_set(&m->user, v, vn);
    else if (user && KEY("password")) model_set(&m->password, v, vn);
    else if (server && KEY("paddleflow_server_host")) model_set(&m->host, v, vn);
    else if (server && KEY("paddleflow_server_port")) model_set(&m->port, v, vn);
#undef KEY
}

/* Builds the model; false when the input is outside it (a line over 4095 bytes). */
static bool model_parse(const uint8_t *d, size_t size, model *m)
{
    char section[64] = "";
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && d[i] != '\n') continue;
        if (i - start + 1 > 4095) return false;
        model_line(m, section, (const char *)d + start, i - start);
        start = i + 1;
    }
    return true;
}

static void model_free(model *m)
{
    free(m->user), free(m->password), free(m->host), free(m->port);
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The model's port as config.c means it: an int from the leading digits (atoi), or
 * false when the digits do not fit an int (atoi's result is then unspecified). */
static bool model_port(const char *p, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (errno || v < INT32_MIN || v > INT32_MAX) return false;
    *out = (int)v;
    return true;
}

static void check_load(const uint8_t *data, size_t size, const model *m)
{
    int fd = memfd_create("ini", MFD_CLOEXEC);
    if (fd < 0) return;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int port = PF_CLIENT_DEFAULT_PORT;
    bool port_known = !m->port || model_port(m->port, &port);
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w"); /* the reasons printed on failure are not the subject */
    cli_config cfg;
    int rc = cli_config_load(path, &cfg);
    fclose(stderr);
    stderr = saved;
    close(fd);
    if (port_known) {
        bool want_ok = m->user && m->password && m->host && *m->host && port > 0 && port <= 65535;
        check((rc == 0) == want_ok);
        if (rc == 0)
            check(same(cfg.user, m->user) && same(cfg.password, m->password) &&
                  same(cfg.host, m->host) && cfg.port == port);
    }
    if (rc == 0) check(cfg.user && cfg.password && cfg.host && *cfg.host && cfg.port > 0 &&
                       cfg.port <= 65535);
    cli_config_free(&cfg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const vars[] = {"PADDLEFLOW_SERVER_HOST", "PADDLEFLOW_SERVER_PORT",
                                       "PADDLEFLOW_USER", "PADDLEFLOW_PASSWORD",
                                       "PADDLEFLOW_PF_CONFIG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model m = {0};
    bool in_model = model_parse(data, size, &m);

    cli_config cfg;
    memset(&cfg, 0, sizeof cfg);
    bool has_user = false, has_server = false;
    FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;
    if (f) {
        parse_ini(f, &cfg, &has_user, &has_server);
        fclose(f);
        if (in_model) {
            check(has_user == m.has_user && has_server == m.has_server);
            check(same(cfg.user, m.user) && same(cfg.password, m.password) &&
                  same(cfg.host, m.host));
        }
    }
    cli_config_free(&cfg);
    if (in_model) check_load(data, size, &m);
    model_free(&m);
    return 0;
}
