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

int
vstor_parse_size(const char *str, unsigned long long default_scale, gboolean allow_fraction,
                 unsigned long long *ret_bytes, GError **err)
{
    unsigned long long whole, scale = 1;
    const char *end;
    g_autofree char *unit = NULL;
    double fraction = 0.0;

    if (!vstor_parse_ull_prefix(str, &whole, &end))
        goto malformed;
    if (*end == '.') {
        const char *frac = ++end;
        double place = 0.1;

        if (!allow_fraction || !g_ascii_isdigit(*frac))
            goto malformed;
        for (; g_ascii_isdigit(*end); end++, place /= 10)
            fraction += (*end - '0') * place;
    }
    while (*end == ' ')
        end++;
    unit = g_strdup(end);
    g_strchomp(unit);

    if (vstor_scale_integer(&scale, unit, default_scale, G_MAXUINT64, err) < 0)
        return -1;
    if (whole && whole > G_MAXUINT64 / scale) {
        vstor_error_set(err, VSTOR_ERR_OVERFLOW, "size '%s' is too large", str);
        return -1;
    }
    whole *= scale;
    if (fraction > 0.0) {
        /* The scale is at most 2^60, so fraction * scale stays exact enough for a byte. */
        unsigned long long extra = (unsigned long long)(fraction * (double)scale);

        if (whole > G_MAXUINT64 - extra) {
            vstor_error_set(err, VSTOR_ERR_OVERFLOW, "size '%s' is too large", str);
            return -1;
        }
        whole += extra;
    }
    *ret_bytes = whole;
    return 0;

malformed:
    vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                    "malformed size '%s': expected a number with an optional unit such as "
                    "10G or 512MiB",
                    str ? str : "");
    return -1;
}
