/* qemu_img_pin.c: rewriting a qemu-img command so that it opens a file vstor has already
 * opened and checked (/proc/self/fd/N in the child) instead of a path that may change. */
#include <string.h>

#include "volfmt/probe.h"
#include "volfmt/qemu_img.h"

/* @s as a JSON string literal. */
static void
append_json_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const guchar *p = (const guchar *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf(out, "\\u%04x", *p);
        else
            g_string_append_c(out, (char)*p);
    }
    g_string_append_c(out, '"');
}

/* The format of @backing as qemu names it; NULL when it has no name there, or when its file
 * name is relative (it would be looked for beside /proc/self/fd/N: the probe resolves a file's
 * name, so that is not expected). */
static const char *
backing_driver(const VstorVolTarget *backing)
{
    if (!backing->path ||
        (vstor_volfmt_backing_is_file(backing->path) && !g_path_is_absolute(backing->path)))
        return NULL;
    return vstor_enum_to_string(vstor_vol_format_names, backing->format);
}

/* The json: file name for the image open as descriptor @fdnum, its backing store @backing
 * named by the path the probe resolved (absolute for a file; a protocol's file names are
 * left to qemu to recognise), or none with @drop_backing; NULL when @backing's format has no
 * name. */
static char *
pinned_json(int fdnum, const char *driver, const VstorVolTarget *backing, gboolean drop_backing)
{
    g_autoptr(GString) out = g_string_new("json:{");
    const char *bdriver = NULL;

    if (backing && !drop_backing && !(bdriver = backing_driver(backing)))
        return NULL;
    if (driver) {
        g_string_append(out, "\"driver\":");
        append_json_string(out, driver);
        g_string_append_c(out, ',');
    }
    g_string_append_printf(out,
                           "\"file\":{\"driver\":\"file\",\"filename\":\"/proc/self/fd/%d\"},"
                           "\"backing\":",
                           fdnum);
    if (bdriver) {
        g_string_append(out, "{\"driver\":");
        append_json_string(out, bdriver);
        g_string_append(out, ",\"file\":{\"filename\":");
        append_json_string(out, backing->path);
        g_string_append(out, "}}");
    } else {
        g_string_append(out, "null");
    }
    g_string_append_c(out, '}');
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* @arg with its option file.filename=@path (ending at a single comma or the end) made
 * file.filename=/proc/self/fd/@fdnum, and @backing named with backing.* options (--image-opts
 * has no "none" but a deprecated empty value, so a resize names it too); NULL when @arg has
 * no such option or @backing's format has no name. */
static char *
pinned_opts(const char *arg, const char *path, int fdnum, const VstorVolTarget *backing)
{
    g_autoptr(GString) key = g_string_new("file.filename=");
    const char *bdriver = NULL;
    const char *at;

    if (backing && !(bdriver = backing_driver(backing)))
        return NULL;
    vstor_qemu_img_append_opt(key, path);
    for (at = strstr(arg, key->str); at; at = strstr(at + 1, key->str)) {
        const char *end = at + key->len;
        GString *out;

        if ((at != arg && at[-1] != ',') || (*end != '\0' && (end[0] != ',' || end[1] == ',')))
            continue;
        out = g_string_new_len(arg, at - arg);
        g_string_append_printf(out, "file.filename=/proc/self/fd/%d%s", fdnum, end);
        if (bdriver) {
            g_string_append_printf(out, ",backing.driver=%s,backing.file.filename=", bdriver);
            vstor_qemu_img_append_opt(out, backing->path);
        }
        return g_string_free(out, FALSE);
    }
    return NULL;
}

char **
vstor_qemu_img_pin(const char *const *argv, const char *path, int fdnum, const char *driver,
                   const VstorVolTarget *backing, gboolean drop_backing)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    gboolean pinned = FALSE;

    g_return_val_if_fail(argv && argv[0] && path, NULL);
    g_ptr_array_add(out, g_strdup(argv[0]));
    for (gsize i = 1; argv[i]; i++) {
        char *arg = NULL;

        if (!pinned && strcmp(argv[i], path) == 0) {
            if (!(arg = pinned_json(fdnum, driver, backing, drop_backing)))
                return NULL;
        } else if (!pinned && g_str_has_prefix(argv[i], "driver=")) {
            arg = pinned_opts(argv[i], path, fdnum, backing);
        }
        pinned |= arg != NULL;
        g_ptr_array_add(out, arg ? arg : g_strdup(argv[i]));
    }
    if (!pinned)
        return NULL;
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
