/* config.c — the CLI's configuration: upstream's ini file (api.md §9.1) plus environment
 * overrides. The default file is created on first use, mode 0600 because it holds a
 * password. Lookup order for the file: --pf_config/-c, $PADDLEFLOW_PF_CONFIG,
 * $HOME/.paddleflow/paddleflow.ini. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static const char DEFAULT_INI[] = "[user]\n"
                                  "name = root\n"
                                  "password = paddleflow\n"
                                  "[server]\n"
                                  "# paddleflow server 地址\n"
                                  "paddleflow_server_host = 127.0.0.1\n"
                                  "# paddleflow server 端口\n"
                                  "paddleflow_server_port = 8999\n";

static char *default_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/";
    }
    char *p;
    if (asprintf(&p, "%s/.paddleflow/paddleflow.ini", home) < 0) return NULL;
    return p;
}

int cli_mkdir_p(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    /* every missing parent, private because these directories hold passwords and tokens */
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int create_default(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (*dir && cli_mkdir_p(dir) != 0) return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    ssize_t n = write(fd, DEFAULT_INI, sizeof DEFAULT_INI - 1);
    close(fd);
    return n == (ssize_t)(sizeof DEFAULT_INI - 1) ? 0 : -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void set(char **slot, const char *v)
{
    free(*slot);
    *slot = strdup(v);
}

/* configparser-like: [section], key = value or key: value, # and ; comments */
static void parse_ini(FILE *f, cli_config *cfg, bool *has_user, bool *has_server)
{
    char line[4096], section[64] = "";
    char *port = NULL;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end) *end = '\0';
            snprintf(section, sizeof section, "%s", trim(s + 1));
            if (strcmp(section, "user") == 0) *has_user = true;
            if (strcmp(section, "server") == 0) *has_server = true;
            continue;
        }
        char *sep = strpbrk(s, "=:");
        if (!sep) continue;
        *sep = '\0';
        char *k = trim(s), *v = trim(sep + 1);
        if (strcmp(section, "user") == 0 && strcasecmp(k, "name") == 0)
            set(&cfg->user, v);
        else if (strcmp(section, "user") == 0 && strcasecmp(k, "password") == 0)
            set(&cfg->password, v);
        else if (strcmp(section, "server") == 0 && strcasecmp(k, "paddleflow_server_host") == 0)
            set(&cfg->host, v);
        else if (strcmp(section, "server") == 0 && strcasecmp(k, "paddleflow_server_port") == 0)
            set(&port, v);
    }
    if (port) cfg->port = atoi(port);
    free(port);
}

static void env_override(cli_config *cfg)
{
    const char *v;
    if ((v = getenv("PADDLEFLOW_SERVER_HOST")) && *v) set(&cfg->host, v);
    if ((v = getenv("PADDLEFLOW_SERVER_PORT")) && *v) cfg->port = atoi(v);
    if ((v = getenv("PADDLEFLOW_USER")) && *v) set(&cfg->user, v);
    if ((v = getenv("PADDLEFLOW_PASSWORD"))) set(&cfg->password, v);
}

int cli_config_load(const char *explicit_path, cli_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = PF_CLIENT_DEFAULT_PORT;
    const char *envp = getenv("PADDLEFLOW_PF_CONFIG");
    if (explicit_path)
        cfg->path = strdup(explicit_path);
    else if (envp && *envp)
        cfg->path = strdup(envp);
    else {
        cfg->path = default_path();
        if (cfg->path && access(cfg->path, R_OK) != 0 && create_default(cfg->path) != 0)
            fprintf(stderr, "warning: cannot create %s: %s\n", cfg->path, strerror(errno));
    }
    FILE *f = cfg->path ? fopen(cfg->path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "no config file in %s\n", cfg->path ? cfg->path : "(unknown)");
        return -1;
    }
    bool has_user = false, has_server = false;
    parse_ini(f, cfg, &has_user, &has_server);
    fclose(f);
    env_override(cfg);
    if (!cfg->user || !cfg->password) {
        fprintf(stderr, "no name or password conf['user'] in %s\n", cfg->path);
        return -1;
    }
    if (!cfg->host || !*cfg->host) {
        fprintf(stderr, "no paddleflow_server_host in %s\n", cfg->path);
        return -1;
    }
    if (cfg->port <= 0 || cfg->port > 65535) {
        fprintf(stderr, "invalid paddleflow_server_port in %s\n", cfg->path);
        return -1;
    }
    return 0;
}

void cli_config_free(cli_config *cfg)
{
    if (cfg->password) explicit_bzero(cfg->password, strlen(cfg->password));
    free(cfg->path);
    free(cfg->host);
    free(cfg->user);
    free(cfg->password);
    memset(cfg, 0, sizeof *cfg);
}
