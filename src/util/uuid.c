/* uuid.c: UUID parse, format and generation on top of GLib's random source.
 * Parsing accepts what libvirt accepts so existing definitions load unchanged. */
#include "util/uuid.h"

#include <string.h>

gboolean
vstor_uuid_parse(const char *str, guint8 ret_uuid[VSTOR_UUID_LEN])
{
    guint8 tmp[VSTOR_UUID_LEN];
    const char *p = str;
    size_t i = 0;

    if (!str)
        return FALSE;
    while (g_ascii_isspace(*p))
        p++;
    while (i < VSTOR_UUID_LEN) {
        int hi, lo;

        if (*p == '-' || *p == ' ') {
            p++;
            continue;
        }
        if ((hi = g_ascii_xdigit_value(p[0])) < 0 || (lo = g_ascii_xdigit_value(p[1])) < 0)
            return FALSE;
        tmp[i++] = (guint8)(hi * 16 + lo);
        p += 2;
    }
    while (*p)
        if (!g_ascii_isspace(*p++))
            return FALSE;
    memcpy(ret_uuid, tmp, sizeof(tmp));
    return TRUE;
}

void
vstor_uuid_format(const guint8 uuid[VSTOR_UUID_LEN], char ret_str[VSTOR_UUID_STRING_LEN])
{
    g_snprintf(ret_str, VSTOR_UUID_STRING_LEN,
               "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", uuid[0],
               uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8], uuid[9],
               uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}

void
vstor_uuid_generate(guint8 ret_uuid[VSTOR_UUID_LEN])
{
    g_autofree char *s = g_uuid_string_random();

    if (!vstor_uuid_parse(s, ret_uuid))
        g_error("GLib produced an unparsable UUID '%s'", s);
}
