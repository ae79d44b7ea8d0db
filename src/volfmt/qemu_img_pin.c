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

/* {"driver":"file","filename":@filename} */
static void
append_file_node(GString *out, const char *filename)
{
    g_string_append(out, "{\"driver\":\"file\",\"filename\":");
    append_json_string(out, filename);
    g_string_append_c(out, '}');
}

/* The json: file name for the image open as descriptor @fdnum; NULL when its backing store
 * cannot be named in it. */
static char *
pinned_json(int fdnum, const char *driver, const VstorVolTarget *backing, gboolean drop_backing)
{
    g_autofree char *fd_path = g_strdup_printf("/proc/self/fd/%d", fdnum);
    g_autoptr(GString) out = g_string_new("json:{");
    const char *bdriver = NULL;

    if (backing && !drop_backing) {
        /* Relative names would be looked for beside /proc/self/fd/N: the chain's first link is
         * named here by its absolute path (what the probe resolved), and its format. */
        if (!backing->path || !g_path_is_absolute(backing->path) ||
            !vstor_volfmt_backing_is_file(backing->path) ||
            !(bdriver = vstor_enum_to_string(vstor_vol_format_names, backing->format)))
            return NULL;
    }
    if (driver) {
        g_string_append(out, "\"driver\":");
        append_json_string(out, driver);
        g_string_append_c(out, ',');
    }
    g_string_append(out, "\"file\":");
    append_file_node(out, fd_path);
    g_string_append(out, ",\"backing\":");
    if (bdriver) {
        g_string_append(out, "{\"driver\":");
        append_json_string(out, bdriver);
        g_string_append(out, ",\"file\":");
        append_file_node(out, backing->path);
        g_string_append_c(out, '}');
    } else {
        g_string_append(out, "null");
    }
    g_string_append_c(out, '}');
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* @arg with its option file.filename=@path (commas doubled, ending at a single comma or the
 * end) made file.filename=/proc/self/fd/@fdnum; NULL when it has no such option. */
static char *
pinned_opts(const char *arg, const char *path, int fdnum)
{
    g_autoptr(GString) key = g_string_new("file.filename=");
    const char *at;

    for (const char *p = path; *p; p++) {
        if (*p == ',')
            g_string_append_c(key, ',');
        g_string_append_c(key, *p);
    }
    for (at = strstr(arg, key->str); at; at = strstr(at + 1, key->str)) {
        const char *end = at + key->len;

        if ((at == arg || at[-1] == ',') && (*end == '\0' || (end[0] == ',' && end[1] != ',')))
            return g_strdup_printf("%.*sfile.filename=/proc/self/fd/%d%s", (int)(at - arg), arg,
                                   fdnum, end);
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
            /* --image-opts cannot say "no backing store" without a deprecation warning, nor
             * name one: only an image without one is pinned there. */
            if ((arg = pinned_opts(argv[i], path, fdnum)) && backing) {
                g_free(arg);
                return NULL;
            }
        }
        pinned |= arg != NULL;
        g_ptr_array_add(out, arg ? arg : g_strdup(argv[i]));
    }
    if (!pinned)
        return NULL;
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
