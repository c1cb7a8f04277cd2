/* resources.c — resource maps: parsing from request/flavour/stored JSON, canonical rendering,
 * arithmetic with overflow checks and the queue admission comparison (api.md §7.2, §7.3). */
#include "base/resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"

#define CODE PF_QUANTITY_ERR_CODE

void pf_resources_init(pf_resources *r)
{
    memset(r, 0, sizeof *r);
}

void pf_res_pack(const pf_resources *r, pf_res_packed *out)
{
    out->cpu = r->cpu;
    out->memory = r->memory;
    out->nscalars = r->nscalars;
    out->scalars = NULL;
    if (!r->nscalars) return;
    size_t len = (size_t)r->nscalars * sizeof *r->scalars;
    if (!(out->scalars = malloc(len))) abort();
    memcpy(out->scalars, r->scalars, len);
}

const pf_resources *pf_res_unpack(const pf_res_packed *p, pf_resources *out)
{
    out->cpu = p->cpu;
    out->memory = p->memory;
    out->nscalars = p->nscalars;
    if (p->nscalars) memcpy(out->scalars, p->scalars, (size_t)p->nscalars * sizeof *p->scalars);
    return out;
}

void pf_res_packed_free(pf_res_packed *p)
{
    free(p->scalars);
    p->scalars = NULL;
    p->nscalars = 0;
}

static bool is_cpu(const char *name)
{
    return strcmp(name, PF_RES_CPU) == 0;
}

static bool is_memory(const char *name)
{
    return strcmp(name, PF_RES_MEMORY) == 0;
}

/* Index of the scalar, or -(insertion point) - 1 when absent. */
static int find_scalar(const pf_resources *r, const char *name)
{
    int lo = 0, hi = r->nscalars;
    while (lo < hi) {
        int mid = (lo + hi) / 2, c = strcmp(r->scalars[mid].name, name);
        if (c == 0) return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -lo - 1;
}

int64_t pf_resources_get(const pf_resources *r, const char *name)
{
    if (is_cpu(name)) return r->cpu;
    if (is_memory(name)) return r->memory;
    int i = find_scalar(r, name);
    return i >= 0 ? r->scalars[i].value : 0;
}

bool pf_resources_has(const pf_resources *r, const char *name)
{
    return is_cpu(name) || is_memory(name) || find_scalar(r, name) >= 0;
}

static int check_name(const char *name, pf_error *e)
{
    if (strlen(name) >= PF_RES_NAME_MAX)
        return pf_fail(e, CODE, "resource name %.64s... is longer than %d bytes", name,
                       PF_RES_NAME_MAX - 1);
    return 0;
}

int pf_resources_set(pf_resources *r, const char *name, int64_t value, pf_error *e)
{
    if (is_cpu(name)) {
        r->cpu = value;
        return 0;
    }
    if (is_memory(name)) {
        r->memory = value;
        return 0;
    }
    int i = find_scalar(r, name);
    if (i >= 0) {
        r->scalars[i].value = value;
        return 0;
    }
    if (check_name(name, e) < 0) return -1;
    if (r->nscalars == PF_RES_MAX_SCALARS)
        return pf_fail(e, CODE, "too many scalar resources (at most %d)", PF_RES_MAX_SCALARS);
    i = -i - 1;
    memmove(&r->scalars[i + 1], &r->scalars[i], (size_t)(r->nscalars - i) * sizeof r->scalars[0]);
    snprintf(r->scalars[i].name, PF_RES_NAME_MAX, "%s", name);
    r->scalars[i].value = value;
    r->nscalars++;
    return 0;
}

void pf_resources_remove(pf_resources *r, const char *name)
{
    if (is_cpu(name) || is_memory(name)) {
        pf_resources_set(r, name, 0, NULL);
        return;
    }
    int i = find_scalar(r, name);
    if (i < 0) return;
    memmove(&r->scalars[i], &r->scalars[i + 1],
            (size_t)(r->nscalars - i - 1) * sizeof r->scalars[0]);
    r->nscalars--;
}

/* Upstream ParseQuantity/ParseMilliQuantity of pkg/common/resources: "" means 0. */
static int parse_for_key(const char *name, const char *value, int64_t *out, pf_error *e)
{
    if (!value || !*value) {
        *out = 0;
        return 0;
    }
    return pf_quantity_parse_int(value, is_cpu(name), out, e);
}

int pf_resources_set_str(pf_resources *r, const char *name, const char *value, pf_error *e)
{
    int64_t v;
    if (check_name(name, e) < 0 || parse_for_key(name, value, &v, e) < 0) return -1;
    return pf_resources_set(r, name, v, e);
}

/* ---- reading maps of strings (upstream map[string]string → NewResourceFromMap) ---- */

typedef struct {
    const char *key;
    const char *value;
} entry;

typedef struct {
    entry items[PF_RES_MAX_SCALARS + 2];
    int n;
} entries;

/* Later puts of the same key override earlier ones, as map assignment does. */
static int entries_put(entries *es, const char *key, const char *value, pf_error *e)
{
    for (int i = 0; i < es->n; i++)
        if (strcmp(es->items[i].key, key) == 0) {
            es->items[i].value = value ? value : "";
            return 0;
        }
    if (es->n == PF_RES_MAX_SCALARS + 2)
        return pf_fail(e, CODE, "too many scalar resources (at most %d)", PF_RES_MAX_SCALARS);
    if (check_name(key, e) < 0) return -1;
    es->items[es->n++] = (entry){key, value ? value : ""};
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static const char *type_name(const json_t *v)
{
    if (json_is_object(v)) return "object";
    if (json_is_array(v)) return "array";
    if (json_is_number(v)) return "number";
    if (json_is_boolean(v)) return "bool";
    return "value";
}

/* Scalar strings of a JSON object (null values read as ""); a JSON null object = none. */
static int entries_put_scalars(entries *es, const json_t *scalars, pf_error *e)
{
    if (!scalars || json_is_null(scalars)) return 0;
    if (!json_is_object(scalars))
        return pf_fail(e, "MalformedJSON",
                       "json: cannot unmarshal %s into field scalarResources of type "
                       "map[string]string",
                       type_name(scalars));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)scalars, k, v)
    {
        if (!json_is_null(v) && !json_is_string(v))
            return pf_fail(e, "MalformedJSON",
                           "json: cannot unmarshal %s into field scalarResources.%s of type string",
                           type_name(v), k);
        if (entries_put(es, k, json_is_string(v) ? json_string_value(v) : "", e) < 0) return -1;
    }
    return 0;
}

/* Go's %v of a map[string]string: map[k1:v1 k2:v2] with sorted keys. */
static int negative_error(const entries *es, pf_error *e)
{
    pf_buf b = PF_BUF_INIT;
    pf_buf_puts(&b, "map[");
    for (int i = 0; i < es->n; i++)
        pf_buf_printf(&b, "%s%s:%s", i ? " " : "", es->items[i].key, es->items[i].value);
    pf_buf_puts(&b, "]");
    pf_fail(e, CODE, "negative resources not permitted: %s", b.data);
    pf_buf_free(&b);
    return -1;
}

/* Parses every entry in key order; the first parse error or negative value wins. */
static int entries_to_resources(entries *es, pf_resources *out, pf_error *e)
{
    qsort(es->items, (size_t)es->n, sizeof es->items[0], entry_cmp);
    pf_resources r;
    pf_resources_init(&r);
    for (int i = 0; i < es->n; i++) {
        int64_t v;
        if (parse_for_key(es->items[i].key, es->items[i].value, &v, e) < 0) return -1;
        if (v < 0) return negative_error(es, e);
        if (pf_resources_set(&r, es->items[i].key, v, e) < 0) return -1;
    }
    *out = r;
    return 0;
}

int pf_resources_from_flavour(const char *cpu, const char *mem, const json_t *scalars,
                              pf_resources *out, pf_error *e)
{
    entries es = {.n = 0};
    if (entries_put(&es, PF_RES_CPU, cpu, e) < 0 || entries_put(&es, PF_RES_MEMORY, mem, e) < 0 ||
        entries_put_scalars(&es, scalars, e) < 0)
        return -1;
    return entries_to_resources(&es, out, e);
}

int pf_resources_from_request(const json_t *obj, pf_resources *out, pf_error *e)
{
    const char *cpu = "", *mem = "";
    json_t *scalars = NULL;
    if (pf_json_str(obj, "cpu", &cpu, e) < 0 || pf_json_str(obj, "mem", &mem, e) < 0 ||
        pf_json_strmap(obj, "scalarResources", &scalars, e) < 0)
        return -1;
    int rc = pf_resources_from_flavour(cpu, mem, scalars, out, e);
    json_decref(scalars);
    return rc;
}

int pf_resources_from_json(const json_t *obj, pf_resources *out, pf_error *e)
{
    const char *cpu = "", *memory = "", *mem = "";
    json_t *scalars = NULL;
    if (obj && !json_is_object(obj))
        return pf_fail(e, "MalformedJSON", "json: cannot unmarshal %s into a resource object",
                       type_name(obj));
    if (pf_json_str(obj, "cpu", &cpu, e) < 0 || pf_json_str(obj, "memory", &memory, e) < 0 ||
        pf_json_str(obj, "mem", &mem, e) < 0 ||
        pf_json_strmap(obj, "scalarResources", &scalars, e) < 0)
        return -1;
    entries es = {.n = 0};
    int rc = -1;
    /* upstream copies cpu and memory into the scalar map last, so they win */
    if (entries_put_scalars(&es, scalars, e) == 0 && entries_put(&es, PF_RES_CPU, cpu, e) == 0 &&
        entries_put(&es, PF_RES_MEMORY, *mem ? mem : memory, e) == 0)
        rc = entries_to_resources(&es, out, e);
    json_decref(scalars);
    return rc;
}

/* ---- rendering ---- */

json_t *pf_resources_to_json(const pf_resources *r)
{
    char buf[PF_QUANTITY_STR];
    json_t *o = json_object();
    pf_quantity_format_cpu(r->cpu, buf);
    pf_json_set_str(o, "cpu", buf);
    pf_quantity_format_mem(r->memory, buf);
    pf_json_set_str(o, "memory", buf);
    if (r->nscalars > 0) {
        json_t *s = json_object();
        for (int i = 0; i < r->nscalars; i++) {
            pf_quantity_format_scalar(r->scalars[i].value, buf);
            pf_json_set_str(s, r->scalars[i].name, buf);
        }
        json_object_set_new(o, "scalarResources", s);
    }
    return o;
}

char *pf_resources_dump(const pf_resources *r)
{
    json_t *o = pf_resources_to_json(r);
    char *s = pf_json_dump(o);
    json_decref(o);
    if (!s) abort(); /* out of memory, as buf.c */
    return s;
}

int pf_resources_load(const char *text, pf_resources *out, pf_error *e)
{
    json_t *o = pf_json_parse_object(text, text ? strlen(text) : 0, e);
    if (!o) return -1;
    int rc = pf_resources_from_json(o, out, e);
    json_decref(o);
    return rc;
}

void pf_resources_text(const pf_resources *r, char *out, size_t size)
{
    char cpu[PF_QUANTITY_STR], mem[PF_QUANTITY_STR], v[PF_QUANTITY_STR];
    if (size == 0) return;
    pf_quantity_format_cpu(r->cpu, cpu);
    pf_quantity_format_mem(r->memory, mem);
    size_t n = (size_t)snprintf(out, size, "cpu: %s, memory: %s, ", cpu, mem);
    for (int i = 0; i < r->nscalars && n < size; i++) {
        pf_quantity_format_scalar(r->scalars[i].value, v);
        n += (size_t)snprintf(out + n, size - n, "%s: %s, ", r->scalars[i].name, v);
    }
}

/* ---- arithmetic and comparisons ---- */

static int combine(int64_t a, int64_t b, int64_t times, const char *name, int64_t *out, pf_error *e)
{
    int64_t prod;
    if (__builtin_mul_overflow(b, times, &prod) || __builtin_add_overflow(a, prod, out))
        return pf_fail(e, CODE, "resource %s overflows a 64-bit integer", name);
    return 0;
}

/* dst + src × times into a copy, so dst is untouched on failure. */
static int add_scaled(pf_resources *dst, const pf_resources *src, int64_t times, pf_error *e)
{
    pf_resources t = *dst;
    if (combine(dst->cpu, src->cpu, times, PF_RES_CPU, &t.cpu, e) < 0 ||
        combine(dst->memory, src->memory, times, PF_RES_MEMORY, &t.memory, e) < 0)
        return -1;
    for (int i = 0; i < src->nscalars; i++) {
        const pf_scalar *s = &src->scalars[i];
        int64_t v = 0;
        if (combine(pf_resources_get(&t, s->name), s->value, times, s->name, &v, e) < 0 ||
            pf_resources_set(&t, s->name, v, e) < 0)
            return -1;
    }
    *dst = t;
    return 0;
}

int pf_resources_add(pf_resources *dst, const pf_resources *src, int64_t times, pf_error *e)
{
    return add_scaled(dst, src, times, e);
}

int pf_resources_sub(pf_resources *dst, const pf_resources *src, pf_error *e)
{
    return add_scaled(dst, src, -1, e);
}

bool pf_resources_less_equal(const pf_resources *total, const pf_resources *max)
{
    if (total->cpu != 0 && total->cpu > max->cpu) return false;
    if (total->memory != 0 && total->memory > max->memory) return false;
    for (int i = 0; i < total->nscalars; i++) {
        const pf_scalar *s = &total->scalars[i];
        if (s->value != 0 && s->value > pf_resources_get(max, s->name)) return false;
    }
    return true;
}

bool pf_resources_has_negative(const pf_resources *r)
{
    if (r->cpu < 0 || r->memory < 0) return true;
    for (int i = 0; i < r->nscalars; i++)
        if (r->scalars[i].value < 0) return true;
    return false;
}

bool pf_resources_is_zero(const pf_resources *r)
{
    if (r->cpu != 0 || r->memory != 0) return false;
    for (int i = 0; i < r->nscalars; i++)
        if (r->scalars[i].value != 0) return false;
    return true;
}

bool pf_resources_has_positive(const pf_resources *r)
{
    if (r->cpu > 0 || r->memory > 0) return true;
    for (int i = 0; i < r->nscalars; i++)
        if (r->scalars[i].value > 0) return true;
    return false;
}

bool pf_resources_equal(const pf_resources *a, const pf_resources *b)
{
    if (a->cpu != b->cpu || a->memory != b->memory || a->nscalars != b->nscalars) return false;
    for (int i = 0; i < a->nscalars; i++)
        if (strcmp(a->scalars[i].name, b->scalars[i].name) != 0 ||
            a->scalars[i].value != b->scalars[i].value)
            return false;
    return true;
}
