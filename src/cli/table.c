/* table.c: virsh's table layout — each cell after one space, columns padded to the widest
 * cell plus two, a dashed line of (width + 3) per column under the header. */
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"

struct CliTable {
    guint ncols;
    GPtrArray *rows; /* of GStrv; row 0 is the header */
};

/* A cell as it can be shown: control characters (and a literal "\x") written as \xNN so
 * that the width is right; returns the width in columns in *ret_width. */
static char *
safe_cell(const char *s, gsize *ret_width)
{
    GString *out = g_string_new(NULL);
    gsize width = 0;
    const char *p = s ? s : "";

    while (*p) {
        gunichar c = g_utf8_get_char_validated(p, -1);

        if ((*p == '\\' && p[1] == 'x') || g_ascii_iscntrl(*p) ||
            (c == (gunichar)-1 || c == (gunichar)-2 ? !g_ascii_isprint(*p)
                                                    : !g_unichar_isprint(c) && c >= 0x80)) {
            /* One byte at a time, as virsh encodes bytes it cannot print. */
            g_string_append_printf(out, "\\x%02x", (unsigned char)*p);
            width += 4;
            p++;
        } else if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append_c(out, *p++);
            width++;
        } else {
            const char *next = g_utf8_next_char(p);

            g_string_append_len(out, p, next - p);
            width += g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
            p = next;
        }
    }
    *ret_width = width;
    return g_string_free(out, FALSE);
}

static GStrv
collect_row(guint ncols, const char *first, va_list ap)
{
    GStrv row = g_new0(char *, ncols + 1);
    const char *cell = first;

    for (guint i = 0; i < ncols; i++) {
        row[i] = g_strdup(cell ? cell : "");
        if (cell)
            cell = va_arg(ap, const char *);
    }
    return row;
}

CliTable *
cli_table_new(const char *first, ...)
{
    CliTable *table = g_new0(CliTable, 1);
    va_list ap;

    va_start(ap, first);
    for (const char *c = first; c; c = va_arg(ap, const char *))
        table->ncols++;
    va_end(ap);
    table->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    va_start(ap, first);
    g_ptr_array_add(table->rows, collect_row(table->ncols, first, ap));
    va_end(ap);
    return table;
}

void
cli_table_add(CliTable *table, const char *first, ...)
{
    va_list ap;

    va_start(ap, first);
    g_ptr_array_add(table->rows, collect_row(table->ncols, first, ap));
    va_end(ap);
}

static void
print_row(GString *out, GStrv cells, const gsize *widths, const gsize *max, guint ncols)
{
    for (guint i = 0; i < ncols; i++) {
        g_string_append_printf(out, " %s", cells[i]);
        if (i + 1 < ncols)
            for (gsize j = widths[i]; j < max[i] + 2; j++)
                g_string_append_c(out, ' ');
    }
    g_string_append_c(out, '\n');
}

void
cli_table_print(CliTable *table, gboolean header)
{
    guint nrows = table->rows->len, ncols = table->ncols;
    g_autofree gsize *max = g_new0(gsize, ncols);
    g_autofree gsize *widths = g_new0(gsize, (gsize)nrows * ncols);
    g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint r = 0; r < nrows; r++) {
        GStrv row = table->rows->pdata[r];
        GStrv safe = g_new0(char *, ncols + 1);

        for (guint c = 0; c < ncols; c++) {
            safe[c] = safe_cell(row[c], &widths[r * ncols + c]);
            /* Without the header, its cells do not widen the columns (as in virsh). */
            if ((r > 0 || header) && widths[r * ncols + c] > max[c])
                max[c] = widths[r * ncols + c];
        }
        g_ptr_array_add(cells, safe);
    }
    if (header) {
        print_row(out, cells->pdata[0], widths, max, ncols);
        for (guint c = 0; c < ncols; c++)
            for (gsize j = 0; j < max[c] + 3; j++)
                g_string_append_c(out, '-');
        g_string_append_c(out, '\n');
    }
    for (guint r = 1; r < nrows; r++)
        print_row(out, cells->pdata[r], widths + (gsize)r * ncols, max, ncols);
    fputs(out->str, stdout);
}

void
cli_table_free(CliTable *table)
{
    if (!table)
        return;
    g_ptr_array_unref(table->rows);
    g_free(table);
}
