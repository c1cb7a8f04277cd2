/* quantity.c — k8s resource.Quantity parsing, int64 conversion and canonical rendering.
 *
 * Parsing mirrors k8s parseQuantityString step by step, because its quirks are observable
 * through the API ("k" and "." are 0, "1K" is a suffix error, "1KB" a format error). The
 * magnitude is then computed exactly with integer arithmetic (no floating point) as a count
 * of nanos rounded up, which is what k8s stores; 128-bit intermediates keep every step exact
 * and overflow is detected, never wrapped. */
#include "base/quantity.h"

#include <stdio.h>
#include <string.h>

typedef unsigned __int128 u128;

#define NANOS_PER_UNIT 1000000000ULL
/* Largest magnitude we represent: INT64_MAX units, in nanos (about 9.2e27 < 2^94). */
#define LIMIT_NANOS ((u128)INT64_MAX * NANOS_PER_UNIT)
/* Exponents are clamped to this before arithmetic; anything near it is huge or tiny anyway. */
#define EXP_CLAMP ((int64_t)1 << 40)

/* The pieces k8s's scanner cuts a quantity string into (pointers into the input). */
typedef struct {
    bool negative;
    bool has_digit;  /* k8s "value" (all before the suffix) contains a digit */
    const char *num; /* integer digits, leading zeros stripped */
    size_t num_len;
    const char *den; /* fraction digits */
    size_t den_len;
    const char *suf;
    size_t suf_len;
} scan_t;

typedef enum { FMT_DECIMAL, FMT_BINARY, FMT_EXPONENT } suffix_kind;

typedef struct {
    suffix_kind kind;
    int64_t exp; /* power of 10 (decimal, exponent) or of 2 (binary) */
} suffix_t;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int fail_format(pf_error *e)
{
    return pf_fail(e, PF_QUANTITY_ERR_CODE, "%s", PF_QUANTITY_ERR_FORMAT);
}

static size_t skip_digits(const char *s, size_t pos, size_t end)
{
    while (pos < end && is_digit(s[pos]))
        pos++;
    return pos;
}

/* k8s parseQuantityString: sign, leading zeros, integer digits, '.', fraction digits, then a
 * suffix made of [eEinumkKMGTP]* [+-]? [0-9]* that must reach the end of the string. */
static int scan(const char *s, scan_t *p, pf_error *e)
{
    memset(p, 0, sizeof *p);
    p->suf = ""; /* early returns below have no suffix */
    size_t end = s ? strlen(s) : 0, pos = 0;
    if (end == 0) return fail_format(e);
    if (s[0] == '-' || s[0] == '+') p->negative = s[pos++] == '-';
    size_t zeros_from = pos;
    while (pos < end && s[pos] == '0')
        pos++;
    if (pos == end) { /* sign and zeros only: k8s returns "0" right here */
        p->has_digit = true;
        return 0;
    }
    p->has_digit = pos > zeros_from;
    size_t start = pos;
    pos = skip_digits(s, pos, end);
    p->num = s + start;
    p->num_len = pos - start;
    if (pos < end && s[pos] == '.') {
        start = ++pos;
        pos = skip_digits(s, pos, end);
        p->den = s + start;
        p->den_len = pos - start;
    }
    p->has_digit = p->has_digit || p->num_len > 0 || p->den_len > 0;
    size_t suf = pos;
    while (pos < end && strchr("eEinumkKMGTP", s[pos]))
        pos++;
    if (pos < end && (s[pos] == '-' || s[pos] == '+')) pos++;
    pos = skip_digits(s, pos, end);
    if (pos != end) return fail_format(e);
    p->suf = s + suf;
    p->suf_len = end - suf;
    return 0;
}

/* Go strconv.ParseInt(s, 10, 64): optional sign, at least one digit, no overflow. */
static bool parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == n) return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (!is_digit(s[i])) return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool suffix_is(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && (n == 0 || memcmp(s, want, n) == 0);
}

/* k8s quantitySuffixer.interpret: decimal table, binary table, then e<int>/E<int>. */
static bool interpret(const char *s, size_t n, suffix_t *out)
{
    static const char *const dec[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    static const char *const bin[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    for (int i = 0; i < 10; i++)
        if (suffix_is(s, n, dec[i])) {
            *out = (suffix_t){FMT_DECIMAL, -9 + 3 * i};
            return true;
        }
    for (int i = 0; i < 6; i++)
        if (suffix_is(s, n, bin[i])) {
            *out = (suffix_t){FMT_BINARY, 10 * (i + 1)};
            return true;
        }
    if (n > 1 && (s[0] == 'e' || s[0] == 'E') && parse_int64(s + 1, n - 1, &out->exp)) {
        out->kind = FMT_EXPONENT;
        return true;
    }
    return false;
}

/* k8s only parses the numeric text itself (and fails on a digit-less one such as "" or ".")
 * on its slow path: a decimal scale below 10^-9, or the Pi/Ei binary suffixes whose
 * "precision" estimate goes negative. Elsewhere a digit-less number is simply 0. */
static bool slow_path_without_digits(const suffix_t *sf)
{
    if (sf->kind == FMT_BINARY) return sf->exp >= 50;
    return sf->exp < -9;
}

/* Digit i of the virtual digit string num ++ den. */
static unsigned digit_at(const scan_t *p, int64_t i)
{
    size_t k = (size_t)i;
    char c = k < p->num_len ? p->num[k] : p->den[k - p->num_len];
    return (unsigned)(c - '0');
}

static u128 digits_value(const scan_t *p, int64_t from, int64_t to)
{
    u128 v = 0;
    for (int64_t i = from; i <= to; i++)
        v = v * 10 + digit_at(p, i);
    return v;
}

/* ceil(0.f × 2^bin) where f are the digits [first_frac, last] of the digit string and
 * positions before `first` are zeros. Long multiplication from the last digit up; the carry
 * stays below 2^bin <= 2^60, so every step fits 64 bits. */
static uint64_t frac_ceil(const scan_t *p, int64_t first, int64_t first_frac, int64_t last, int bin)
{
    uint64_t mult = (uint64_t)1 << bin, carry = 0;
    bool rest = false;
    for (int64_t i = last; i >= first_frac; i--) {
        uint64_t v = (i >= first ? digit_at(p, i) : 0) * mult + carry;
        rest = rest || v % 10 != 0;
        carry = v / 10;
    }
    return carry + (rest ? 1 : 0);
}

static int64_t clamp_exp(int64_t x)
{
    return x > EXP_CLAMP ? EXP_CLAMP : x < -EXP_CLAMP ? -EXP_CLAMP : x;
}

/* Magnitude in nanos, rounded up; false when it exceeds LIMIT_NANOS. */
static bool magnitude(const scan_t *p, const suffix_t *sf, u128 *out)
{
    int64_t n = (int64_t)(p->num_len + p->den_len), first = 0, last = n - 1;
    while (first < n && digit_at(p, first) == 0)
        first++;
    *out = 0;
    if (first == n) return true;
    while (digit_at(p, last) == 0)
        last--;
    int bin = sf->kind == FMT_BINARY ? (int)sf->exp : 0;
    int64_t e10 = sf->kind == FMT_BINARY ? 0 : clamp_exp(sf->exp);
    /* value = digits[first..last] × 10^e × 2^bin nanos */
    int64_t e = e10 - (int64_t)p->den_len + 9 + (n - 1 - last);
    int64_t sig = last - first + 1;
    if (sig - 1 + e >= 28) return false; /* >= 10^28 nanos > LIMIT */
    u128 lim = LIMIT_NANOS >> bin;
    if (e >= 0) {
        u128 v = digits_value(p, first, last);
        for (int64_t i = 0; i < e; i++)
            v *= 10;
        if (v > lim) return false;
        *out = v << bin;
        return true;
    }
    int64_t k = -e, int_last = last - k; /* digits [first..int_last] are the integer part */
    u128 q = int_last >= first ? digits_value(p, first, int_last) : 0;
    if (q > lim) return false;
    /* 20+ zeros after the point: 0.f × 2^60 < 1, so the fraction just rounds up to 1 */
    uint64_t f = k - sig >= 20 ? 1 : frac_ceil(p, first, int_last + 1, last, bin);
    u128 v = (q << bin) + f;
    if (v > LIMIT_NANOS) return false;
    *out = v;
    return true;
}

int pf_quantity_parse(const char *s, pf_quantity *q, pf_error *e)
{
    scan_t p;
    suffix_t sf;
    if (scan(s, &p, e) < 0) return -1;
    if (!interpret(p.suf, p.suf_len, &sf))
        return pf_fail(e, PF_QUANTITY_ERR_CODE, "%s", PF_QUANTITY_ERR_SUFFIX);
    if (!p.has_digit && slow_path_without_digits(&sf))
        return pf_fail(e, PF_QUANTITY_ERR_CODE, "%s", PF_QUANTITY_ERR_NUMERIC);
    u128 nanos;
    memset(q, 0, sizeof *q);
    if (!magnitude(&p, &sf, &nanos)) {
        q->huge = true;
        q->negative = p.negative;
        return 0;
    }
    q->units = (uint64_t)(nanos / NANOS_PER_UNIT);
    q->nanos = (uint32_t)(nanos % NANOS_PER_UNIT);
    q->negative = p.negative && nanos != 0;
    return 0;
}

int pf_quantity_sign(const pf_quantity *q)
{
    if (pf_quantity_is_zero(q)) return 0;
    return q->negative ? -1 : 1;
}

bool pf_quantity_is_zero(const pf_quantity *q)
{
    return !q->huge && q->units == 0 && q->nanos == 0;
}

static int range_error(pf_error *e)
{
    return pf_fail(e, PF_QUANTITY_ERR_CODE, "%s", PF_QUANTITY_ERR_RANGE);
}

static int signed_result(const pf_quantity *q, uint64_t mag, int64_t *out, pf_error *e)
{
    if (mag > (uint64_t)INT64_MAX) return range_error(e);
    *out = q->negative ? -(int64_t)mag : (int64_t)mag;
    return 0;
}

int pf_quantity_value(const pf_quantity *q, int64_t *out, pf_error *e)
{
    if (q->huge) return range_error(e);
    return signed_result(q, q->units + (q->nanos ? 1 : 0), out, e);
}

int pf_quantity_milli(const pf_quantity *q, int64_t *out, pf_error *e)
{
    uint64_t mag;
    if (q->huge || __builtin_mul_overflow(q->units, 1000u, &mag) ||
        __builtin_add_overflow(mag, (q->nanos + 999999u) / 1000000u, &mag))
        return range_error(e);
    return signed_result(q, mag, out, e);
}

int pf_quantity_parse_int(const char *s, bool milli, int64_t *out, pf_error *e)
{
    pf_quantity q;
    if (pf_quantity_parse(s, &q, e) < 0) return -1;
    return milli ? pf_quantity_milli(&q, out, e) : pf_quantity_value(&q, out, e);
}

/* ---- rendering ---- */

static void put_u128(char *out, size_t size, bool neg, u128 v)
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v && n < sizeof tmp);
    size_t o = 0;
    if (neg && o + 1 < size) out[o++] = '-';
    while (n && o + 1 < size)
        out[o++] = tmp[--n];
    out[o] = '\0';
}

static const char *decimal_suffix(int exp)
{
    static const char *const tab[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    if (exp < -9 || exp > 18 || exp % 3 != 0) return NULL;
    return tab[(exp + 9) / 3];
}

static void format_decimal(bool neg, u128 a, int scale, char *out)
{
    int exp = scale;
    while (a >= 10 && a % 10 == 0) {
        a /= 10;
        exp++;
    }
    /* down to the next lower multiple of 3 (Go's truncating % like C's) */
    switch (exp % 3) {
    case 1:
    case -2:
        a *= 10;
        exp -= 1;
        break;
    case 2:
    case -1:
        a *= 100;
        exp -= 2;
        break;
    }
    put_u128(out, PF_QUANTITY_STR, neg, a);
    size_t len = strlen(out);
    const char *suf = decimal_suffix(exp);
    if (suf)
        snprintf(out + len, PF_QUANTITY_STR - len, "%s", suf);
    else
        snprintf(out + len, PF_QUANTITY_STR - len, "e%d", exp);
}

static void format_binary(bool neg, u128 a, char *out)
{
    static const char *const tab[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    int times = 0;
    while (a >= 1024 && a % 1024 == 0 && times < 6) {
        a /= 1024;
        times++;
    }
    put_u128(out, PF_QUANTITY_STR, neg, a);
    size_t len = strlen(out);
    snprintf(out + len, PF_QUANTITY_STR - len, "%s", tab[times]);
}

void pf_quantity_format(int64_t v, int scale, bool binary_ok, char out[PF_QUANTITY_STR])
{
    if (v == 0) {
        snprintf(out, PF_QUANTITY_STR, "0");
        return;
    }
    bool neg = v < 0;
    u128 a = neg ? (u128)(-(__int128)v) : (u128)v;
    if (binary_ok && scale == 0 && v % 1000 != 0 && a >= 1024)
        format_binary(neg, a, out);
    else
        format_decimal(neg, a, scale, out);
}

void pf_quantity_format_cpu(int64_t milli, char out[PF_QUANTITY_STR])
{
    pf_quantity_format(milli, -3, false, out);
}

void pf_quantity_format_mem(int64_t bytes, char out[PF_QUANTITY_STR])
{
    pf_quantity_format(bytes, 0, true, out);
}

void pf_quantity_format_scalar(int64_t v, char out[PF_QUANTITY_STR])
{
    pf_quantity_format(v, 0, false, out);
}
