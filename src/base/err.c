/* err.c — the error code table of api.md §5.1: HTTP status and default message per code. */
#include "base/err.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    const char *code;
    int status;
    const char *message;
} code_row;

static const code_row CODES[] = {
    {"AccessDenied", 403, "Access denied"},
    {"ActionNotAllowed", 403, "The operation cannot be executed at this phase/stage"},
    {"InappropriateJSON", 400,
     "The JSON provided was well-formed and valid, but not appropriate for this operation."},
    {"InternalError", 500, "We encountered an internal error. Please try again."},
    {"InvalidHTTPRequest", 400, "One or more errors in HTTP request body"},
    {"InvalidURI", 400, "Could not parse the specified URI."},
    {"MalformedJSON", 400, "The JSON provided was not well-formatted"},
    {"MalformedYaml", 400, "The yaml provided was not well-formatted"},
    {"InvalidVersion", 404, "The API version specified was invalid"},
    {"InvalidNamePattern", 400, "Name pattern does not match regex rule"},
    {"OnlyRootAllowed", 403, "This operation is only allowed for root user"},
    {"InvalidMarker", 400, "The marker is invalid"},
    {"InvalidScaleResource", 400, "The scale resource is invalid"},
    {"NamespaceNotFound", 400, "Namespace is not set"},
    {"CPUNotFound", 400, "CPU is not set"},
    {"MemoryNotFound", 400, "Memory is not set"},
    {"PathNotFound", 404, ""},
    {"MethodNotAllowed", 405, ""},
    {"RequestEntityTooLarge", 413, "The request body is too large"},
    {"URITooLong", 414, "The request line is too long"},
    {"RequestHeaderFieldsTooLarge", 431, "The request headers are too large"},
    {"NotImplemented", 501, "The transfer coding is not supported"},
    {"HTTPVersionNotSupported", 505, "Only HTTP/1.0 and HTTP/1.1 are supported"},
    {"DuplicatedName", 400, "Name has existed. Duplicated name is not allowed"},
    {"InvalidArguments", 400, "invalid arguments"},
    {"RecordNotFound", 404, "record not found"},
    {"RequiredFieldEmpty", 400, "Field is not set"},
    {"UserNameDuplicated", 403, "The user name already exists"},
    {"UserNotExist", 400, "User not exist"},
    {"UserPasswordWeak", 400,
     "Password must consist of at least one number and one letter, and length must be greater "
     "than 6"},
    {"AuthWithoutToken", 400, "Request should login first"},
    {"AuthInvalidToken", 400, "Invalid token. Please re-login"},
    {"AuthFailed", 400, "Username or password not correct"},
    {"AuthIllegalUser", 400, "The user does not have permission to operate other users"},
    {"ResourceNotFound", 404, "The resource not found"},
    {"QueueNameDuplicated", 403, "The queue name already exists"},
    {"QueueActionIsNotSupported", 400, "Queue action not supported"},
    {"QueueQuotaTypeIsNotSupported", 400, "Queue quota type not supported"},
    {"QueueNameNotFound", 400, "QueueName does not exist"},
    {"QueueResourceNotMatch", 400, "Queue resource is not match"},
    {"QueueIsNotClosed", 400, "Queue should be closed before delete"},
    {"QueueIsInUse", 400, ""},
    {"QueueInvalidField", 400, ""},
    {"QueueUpdateFailed", 400, ""},
    {"GrantResourceTypeNotFound", 400, "This kind of resource is not exist"},
    {"GrantNotFound", 400, "Grant not found. check the user and resource"},
    {"GrantAlreadyExist", 400, "This user already have the grant of the resource"},
    {"GrantRootActionNotSupport", 400, "Can not delete or create root's grant"},
    {"FlavourNotFound", 404, ""},
    {"FlavourNameEmpty", 400, "flavour name should not be empty"},
    {"FlavourInvalidField", 400, ""},
    {"JobInvalidField", 400, "job field invalid"},
    {"JobCreateFailed", 400, "job create failed"},
    {"JobNotFound", 404, ""},
    {"ClusterNameNotFound", 400, "ClusterName does not exist"},
    {"ClusterIdNotFound", 400, "ClusterId does not exist"},
    {"ClusterNotFound", 400, "Cluster not found"},
    {"InvalidClusterProperties", 400, "Cluster properties wrong"},
    {"InvalidClusterCredential", 400, "Cluster credential wrong"},
    {"InvalidClusterStatus", 400, "Cluster not in online status, operator not permit"},
    {"FileSystemNotExist", 403, "File system not exist"},
    {"FileSystemNameFormatError", 400,
     "File system name must be letters and numbers and name length limit 8"},
    {"FileSystemNameDuplicated", 400, "File system name already exists"},
    {"InvalidFileSystemURL", 400, "The file system url is invalid"},
    /* upstream sends 500 (no mapping); D14: validation failures are 4xx */
    {"InvalidComputeResource", 400, ""},
    /* no HTTP mapping upstream → 500: a real server fault */
    {"UpdateDatabaseFailed", 500, ""},
    {"ServiceUnavailable", 503, "The server is shutting down"},
};

static const code_row *find(const char *code)
{
    for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++)
        if (strcmp(CODES[i].code, code) == 0) return &CODES[i];
    return NULL;
}

int pf_error_http_status(const char *code)
{
    const code_row *r = code ? find(code) : NULL;
    return r ? r->status : 500;
}

const char *pf_error_default_message(const char *code)
{
    const code_row *r = code ? find(code) : NULL;
    return r ? r->message : "";
}

int pf_vfail(pf_error *e, const char *code, const char *fmt, va_list ap)
{
    if (!e) return -1;
    snprintf(e->code, sizeof e->code, "%s", code ? code : "");
    if (fmt)
        vsnprintf(e->message, sizeof e->message, fmt, ap);
    else
        snprintf(e->message, sizeof e->message, "%s", pf_error_default_message(e->code));
    return -1;
}

int pf_fail(pf_error *e, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pf_vfail(e, code, fmt, ap);
    va_end(ap);
    return -1;
}

int pf_error_prefix(pf_error *e, const char *fmt, ...)
{
    if (!e) return -1;
    char prefix[PF_ERR_MSG_MAX], old[PF_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->message, sizeof old);
    size_t n = strnlen(prefix, sizeof e->message - 1);
    memcpy(e->message, prefix, n);
    snprintf(e->message + n, sizeof e->message - n, "%.*s", (int)(sizeof e->message - n - 1), old);
    return -1;
}

void pf_error_clear(pf_error *e)
{
    if (e) e->code[0] = e->message[0] = '\0';
}
