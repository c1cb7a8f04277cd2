/* table.c — tables the way upstream's CLI prints them: tabulate's "grid" format (every
 * cell left-aligned with one space of padding, "+===+" under the header, a rule between
 * rows; each column at least its header width + 2, tabulate's MIN_PADDING) and the "text"
 * format (each cell followed by " \t").
 *
 * Widths are display columns, not bytes: a Chinese job name occupies two columns per
 * character, so the grid still lines up. The width table below covers East Asian
 * Wide/Fullwidth and combining marks, which is all a job table meets; it does not depend on
 * the user's locale (a C-locale wcwidth() would say -1 for CJK). Cells wider than
 * WRAP_COLUMNS are wrapped onto more lines of the same row (tabulate's multi-line cells),
 * so one long name or message cannot push the table off the screen. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"

#define WRAP_COLUMNS 60

struct cli_table {
    size_t ncols;
    char **headers;
    size_t nrows, cap;
    char **cells; /* nrows × ncols */
};

typedef struct range {
    uint32_t lo, hi;
} range;

static const range WIDE[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
};

static const range ZERO[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF},
};

static bool in(const range *r, size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Decodes one UTF-8 sequence; invalid bytes decode as themselves (one column). */
static size_t decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || n > len) {
        *cp = c;
        return 1;
    }
    uint32_t v = n == 1 ? c : c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

static int cp_width(uint32_t cp)
{
    if (in(ZERO, sizeof ZERO / sizeof *ZERO, cp)) return 0;
    return in(WIDE, sizeof WIDE / sizeof *WIDE, cp) ? 2 : 1;
}

size_t cli_display_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += decode((const unsigned char *)s + i, len - i, &cp);
        w += cp_width(cp);
    }
    return w;
}

cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
    cli_table *t = calloc(1, sizeof *t);
    t->ncols = ncols;
    t->headers = calloc(ncols, sizeof *t->headers);
    for (size_t i = 0; i < ncols; i++)
        t->headers[i] = strdup(headers[i]);
    return t;
}

void cli_table_add(cli_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = realloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
        if (!t->cells) abort();
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : "");
    t->nrows++;
}

void cli_table_free(cli_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->headers);
    free(t->cells);
    free(t);
}

/* A cell split into display lines: at '\n', and every WRAP_COLUMNS columns (at the last
 * space inside the limit when there is one). */
typedef struct lines {
    size_t n;
    const char **start;
    size_t *len;
} lines;

static void push_line(lines *l, const char *s, size_t len)
{
    l->start = realloc(l->start, (l->n + 1) * sizeof *l->start);
    l->len = realloc(l->len, (l->n + 1) * sizeof *l->len);
    if (!l->start || !l->len) abort();
    l->start[l->n] = s;
    l->len[l->n++] = len;
}

static void wrap_segment(lines *l, const char *s, size_t len)
{
    while (cli_display_width(s, len) > WRAP_COLUMNS) {
        size_t i = 0, w = 0, last_space = 0;
        while (i < len) {
            uint32_t cp;
            size_t n = decode((const unsigned char *)s + i, len - i, &cp);
            if (w + cp_width(cp) > WRAP_COLUMNS) break;
            w += cp_width(cp);
            if (cp == ' ') last_space = i;
            i += n;
        }
        size_t cut = last_space > 0 ? last_space : i;
        push_line(l, s, cut);
        s += cut;
        len -= cut;
        if (last_space > 0) s++, len--; /* the space the line broke at */
    }
    push_line(l, s, len);
}

static lines split_cell(const char *cell)
{
    lines l = {0, NULL, NULL};
    const char *s = cell;
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        wrap_segment(&l, s, len);
        if (!nl) break;
        s = nl + 1;
    }
    return l;
}

static void rule(pf_buf *b, const size_t *widths, size_t ncols, char ch)
{
    pf_buf_puts(b, "+");
    for (size_t c = 0; c < ncols; c++) {
        for (size_t i = 0; i < widths[c] + 2; i++)
            pf_buf_append(b, &ch, 1);
        pf_buf_puts(b, "+");
    }
    pf_buf_puts(b, "\n");
}

static void grid_row(pf_buf *b, lines *cells, const size_t *widths, size_t ncols)
{
    size_t height = 1;
    for (size_t c = 0; c < ncols; c++)
        if (cells[c].n > height) height = cells[c].n;
    for (size_t h = 0; h < height; h++) {
        pf_buf_puts(b, "|");
        for (size_t c = 0; c < ncols; c++) {
            const char *s = h < cells[c].n ? cells[c].start[h] : "";
            size_t len = h < cells[c].n ? cells[c].len[h] : 0;
            size_t w = cli_display_width(s, len);
            pf_buf_puts(b, " ");
            pf_buf_append(b, s, len);
            for (size_t i = w; i < widths[c] + 1; i++)
                pf_buf_puts(b, " ");
            pf_buf_puts(b, "|");
        }
        pf_buf_puts(b, "\n");
    }
}

static void free_lines(lines *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].start);
        free(l[i].len);
    }
}

static void print_grid(FILE *f, const cli_table *t)
{
    size_t nc = t->ncols, total = (t->nrows + 1) * nc;
    lines *all = calloc(total, sizeof *all);
    size_t *widths = calloc(nc, sizeof *widths);
    for (size_t c = 0; c < nc; c++) {
        all[c] = split_cell(t->headers[c]);
        widths[c] = cli_display_width(t->headers[c], strlen(t->headers[c])) + 2;
    }
    for (size_t i = nc; i < total; i++) {
        all[i] = split_cell(t->cells[i - nc]);
        for (size_t k = 0; k < all[i].n; k++) {
            size_t w = cli_display_width(all[i].start[k], all[i].len[k]);
            if (w > widths[i % nc]) widths[i % nc] = w;
        }
    }
    pf_buf b = PF_BUF_INIT;
    rule(&b, widths, nc, '-');
    grid_row(&b, all, widths, nc);
    rule(&b, widths, nc, '=');
    for (size_t r = 0; r < t->nrows; r++) {
        grid_row(&b, all + (r + 1) * nc, widths, nc);
        rule(&b, widths, nc, '-');
    }
    if (t->nrows == 0) rule(&b, widths, nc, '-');
    fwrite(b.data, 1, b.len, f);
    pf_buf_free(&b);
    free_lines(all, total);
    free(all);
    free(widths);
}

static void print_text(FILE *f, const cli_table *t)
{
    for (size_t c = 0; c < t->ncols; c++)
        fprintf(f, "%s \t", t->headers[c]);
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++)
            fprintf(f, "%s \t", t->cells[r * t->ncols + c]);
        fputc('\n', f);
    }
}

void cli_table_print(FILE *f, const cli_table *t, enum cli_output mode)
{
    if (mode == OUT_TEXT)
        print_text(f, t);
    else
        print_grid(f, t);
}
