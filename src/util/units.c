/* units.c: unit scales and strict unsigned parsing; the one place sizes are read, so every
 * layer rejects the same bad units and overflows the same way. */
#include "util/units.h"

#include <string.h>

#include "util/error.h"

int
vstor_scale_integer(unsigned long long *value, const char *unit, unsigned long long default_scale,
                    unsigned long long limit, GError **err)
{
    unsigned long long scale;

    if (!unit || !*unit) {
        if (default_scale == 0) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "invalid scale %llu", default_scale);
            return -1;
        }
        scale = default_scale;
        unit = "";
    } else if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "byte") == 0 ||
               g_ascii_strcasecmp(unit, "bytes") == 0) {
        scale = 1;
    } else {
        unsigned long long base;
        int power;

        if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
            base = 1024;
        else if (g_ascii_tolower(unit[1]) == 'b' && unit[2] == '\0')
            base = 1000;
        else
            goto bad_unit;

        switch (g_ascii_tolower(unit[0])) {
        case 'k': power = 1; break;
        case 'm': power = 2; break;
        case 'g': power = 3; break;
        case 't': power = 4; break;
        case 'p': power = 5; break;
        case 'e': power = 6; break;
        default: goto bad_unit;
        }
        scale = 1;
        while (power--)
            scale *= base;
    }

    if (*value && *value > limit / scale) {
        vstor_error_set(err, VSTOR_ERR_OVERFLOW, "value too large: %llu%s", *value, unit);
        return -1;
    }
    *value *= scale;
    return 0;

bad_unit:
    vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unknown suffix '%s'", unit);
    return -1;
}

gboolean
vstor_parse_ull_prefix(const char *str, unsigned long long *ret_value, const char **ret_end)
{
    unsigned long long v = 0;
    const char *p = str;

    if (!str)
        return FALSE;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!g_ascii_isdigit(*p))
        return FALSE;
    for (; g_ascii_isdigit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');

        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    *ret_value = v;
    if (ret_end)
        *ret_end = p;
    return TRUE;
}

gboolean
vstor_parse_ull(const char *str, unsigned long long *ret_value)
{
    unsigned long long v;
    const char *end;

    if (!vstor_parse_ull_prefix(str, &v, &end))
        return FALSE;
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (*end)
        return FALSE;
    *ret_value = v;
    return TRUE;
}

/* The fraction digits at @digits (up to @n of them) times @scale, divided by 10^@n and
 * rounded to the nearest whole number (halves up). Digits past the 19th are ignored: they
 * change the product by less than 2^60 / 10^19, about a tenth of a byte. */
static unsigned long long
fraction_bytes(const char *digits, gsize n, unsigned long long scale)
{
    unsigned __int128 num = 0, den = 1;

    for (gsize i = 0; i < n && i < 19; i++) {
        num = num * 10 + (unsigned)(digits[i] - '0');
        den *= 10;
    }
    return (unsigned long long)((num * scale + den / 2) / den);
}

int
vstor_parse_size(const char *str, unsigned long long default_scale, gboolean allow_fraction,
                 unsigned long long *ret_bytes, GError **err)
{
    unsigned long long whole, scale = 1, extra = 0;
    const char *p = str, *end, *int_end, *frac = NULL;
    gsize n_frac = 0;

    g_return_val_if_fail(str != NULL, -1);

    /* The number as strtoull reads it in virsh: blanks, then at most one '+'. */
    while (*p && strchr(" \t\n\v\f\r", *p))
        p++;
    if (*p == '+')
        p++;
    if (*p == '-') {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "a size cannot be negative: '%s'", str);
        return -1;
    }
    if (allow_fraction && p[0] == '.' && g_ascii_isdigit(p[1])) {
        whole = 0; /* ".5G" */
        end = p;
    } else if (!g_ascii_isdigit(*p)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "'%s' is not a number", str);
        return -1;
    } else if (!vstor_parse_ull_prefix(p, &whole, &end)) {
        vstor_error_set(err, VSTOR_ERR_OVERFLOW, "value too large: %s", str);
        return -1;
    }
    int_end = end;
    if (allow_fraction && end[0] == '.' && g_ascii_isdigit(end[1])) {
        frac = end + 1;
        for (end = frac; g_ascii_isdigit(*end); end++)
            n_frac++;
    }
    /* "1.5.3G", "1.G": not a fraction after all; virsh's words for it name all that follows
     * the whole number as the unit. */
    if (allow_fraction && (*end == '.' || g_ascii_isdigit(*end))) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unknown suffix '%s'", int_end);
        return -1;
    }
    /* The unit is the rest, exactly: "10 G" is refused, as virsh refuses it. */
    if (vstor_scale_integer(&scale, end, default_scale, G_MAXUINT64, err) < 0)
        return -1;
    if (frac)
        extra = fraction_bytes(frac, n_frac, scale);
    if ((whole && whole > G_MAXUINT64 / scale) || whole * scale > G_MAXUINT64 - extra) {
        g_autofree char *number = g_strndup(p, end - p);

        vstor_error_set(err, VSTOR_ERR_OVERFLOW, "value too large: %s%s", number, end);
        return -1;
    }
    *ret_bytes = whole * scale + extra;
    return 0;
}
