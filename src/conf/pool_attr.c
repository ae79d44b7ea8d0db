/* pool_attr.c: attribute readers for pool XML. Numbers go through strtol/strtoul so that
 * " 22", "+22" and "0x1f" are taken or refused just as libvirt takes or refuses them. */
#include "conf/pool_attr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf/pool_caps.h"
#include "util/error.h"

const char *const vstor_pool_yes_no_names[] = {"absent", "yes", "no", NULL};
const char *const vstor_pool_on_off_names[] = {"absent", "on", "off", NULL};

char *
vstor_pool_attr(xmlNode *node, const char *name)
{
    xmlChar *value;
    char *ret;

    if (!node)
        return NULL;
    /* libvirt matches attributes whatever their namespace, so a prefixed one counts too. */
    value = xmlGetProp(node, BAD_CAST name);
    if (!value)
        return NULL;
    ret = g_strdup((const char *)value);
    xmlFree(value);
    return ret;
}

static void
set_invalid_value(GError **err, xmlNode *node, const char *name, const char *value)
{
    vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                    "Invalid value for attribute '%s' in element '%s': '%s'.", name,
                    (const char *)node->name, value);
}

int
vstor_pool_attr_enum(xmlNode *node, const char *name, const char *const *table, gboolean required,
                     gboolean nonzero, int *ret_value, GError **err)
{
    g_autofree char *value = vstor_pool_attr(node, name);
    int index;

    if (!value) {
        if (!required)
            return 0;
        vstor_error_set(err, VSTOR_ERR_XML_ERROR, "Missing required attribute '%s' in element '%s'",
                        name, node ? (const char *)node->name : "(null)");
        return -1;
    }
    index = vstor_enum_from_string(table, value);
    if (index < 0 || (nonzero && index == 0)) {
        set_invalid_value(err, node, name, value);
        return -1;
    }
    *ret_value = index;
    return 1;
}

int
vstor_pool_attr_tristate(xmlNode *node, const char *name, const char *const *names,
                         VstorPoolTristate *ret_value, GError **err)
{
    int value = VSTOR_POOL_TRISTATE_ABSENT;
    int rc = vstor_pool_attr_enum(node, name, names, FALSE, TRUE, &value, err);

    if (rc < 0)
        return -1;
    *ret_value = (VstorPoolTristate)value;
    return rc;
}

gboolean
vstor_pool_str_to_int(const char *str, int base, int *ret_value)
{
    char *end = NULL;
    long value;

    errno = 0;
    value = strtol(str, &end, base);
    if (errno || end == str || *end || value < G_MININT || value > G_MAXINT)
        return FALSE;
    *ret_value = (int)value;
    return TRUE;
}

/* strtoul, but refusing a minus sign anywhere in what it read (strtoul would negate). */
static gboolean
str_to_uint_positive(const char *str, int base, unsigned int *ret_value)
{
    char *end = NULL;
    unsigned long value;

    errno = 0;
    value = strtoul(str, &end, base);
    if (errno || end == str || *end || memchr(str, '-', (size_t)(end - str)) || value > G_MAXUINT)
        return FALSE;
    *ret_value = (unsigned int)value;
    return TRUE;
}

int
vstor_pool_attr_int(xmlNode *node, const char *name, int base, int *ret_value, GError **err)
{
    g_autofree char *value = vstor_pool_attr(node, name);

    if (!value) {
        *ret_value = 0;
        return 0;
    }
    if (!vstor_pool_str_to_int(value, base, ret_value)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Invalid value for attribute '%s' in element '%s': '%s'. Expected "
                        "integer value",
                        name, (const char *)node->name, value);
        return -1;
    }
    return 1;
}

int
vstor_pool_attr_uint(xmlNode *node, const char *name, int base, unsigned int *ret_value,
                     GError **err)
{
    g_autofree char *value = vstor_pool_attr(node, name);

    if (!value) {
        *ret_value = 0;
        return 0;
    }
    if (!str_to_uint_positive(value, base, ret_value)) {
        vstor_error_set(err, VSTOR_ERR_XML_ERROR,
                        "Invalid value for attribute '%s' in element '%s': '%s'. Expected "
                        "non-negative integer value",
                        name, (const char *)node->name, value);
        return -1;
    }
    return 1;
}

char *
vstor_pool_sanitize_path(const char *path)
{
    const char *scheme = strstr(path, "://");
    GString *out;
    const char *cur = path;

    /* A doubled slash can be meaningful in a URI, so one is left as written, unless a
     * '/' comes before its "://" (then it is a path that merely contains one). */
    if (scheme && strchr(path, '/') > scheme)
        return g_strdup(path);

    out = g_string_sized_new(strlen(path));
    /* POSIX lets exactly two leading slashes mean something else than one. */
    if (cur[0] == '/' && cur[1] == '/' && cur[2] != '/') {
        g_string_append(out, "//");
        cur += 2;
    }
    while (*cur) {
        if (*cur != '/') {
            g_string_append_c(out, *cur++);
            continue;
        }
        while (*cur == '/')
            cur++;
        if (*cur == '\0' && out->len > 0)
            break;
        g_string_append_c(out, '/');
    }
    return g_string_free(out, FALSE);
}
