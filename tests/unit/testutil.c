/* testutil.c: helpers for the unit tests; nothing here is linked into vstor itself.
 * Schema validation uses libxml2's RELAX NG support on libvirt's own .rng files. */
#include "testutil.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libxml/relaxng.h>

const char *
test_libvirt_src(void)
{
    const char *dir = g_getenv("VSTOR_LIBVIRT_SRC");

    if (!dir || !*dir) {
        g_test_skip("VSTOR_LIBVIRT_SRC is not set (make check sets it)");
        return NULL;
    }
    return dir;
}

const char *
test_source_root(void)
{
    const char *dir = g_getenv("VSTOR_SOURCE_ROOT");

    return dir ? dir : ".";
}

char *
test_read_file(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &err))
        g_error("cannot read %s: %s", path, err->message);
    return text;
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
test_list_xml(const char *dir)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *ent;

    if (!d)
        g_error("cannot list %s: %s", dir, err->message);
    while ((ent = g_dir_read_name(d)))
        if (g_str_has_suffix(ent, ".xml"))
            g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 4));
    g_ptr_array_sort(names, compare_strings);
    return names;
}

static void
collect_schema_error(void *ctx, const char *fmt, ...)
{
    GString *msg = ctx;
    va_list ap;

    va_start(ap, fmt);
    g_string_append_vprintf(msg, fmt, ap);
    va_end(ap);
}

gboolean
test_validate_schema(const char *xml, const char *rng_name, char **ret_msg)
{
    const char *src = g_getenv("VSTOR_LIBVIRT_SRC");
    g_autofree char *rng = NULL;
    g_autoptr(GString) msg = g_string_new(NULL);
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr schema;
    xmlRelaxNGValidCtxtPtr vctxt;
    xmlDocPtr doc;
    gboolean ok = FALSE;

    g_assert_nonnull(src);
    rng = g_build_filename(src, "src", "conf", "schemas", rng_name, NULL);
    pctxt = xmlRelaxNGNewParserCtxt(rng);
    xmlRelaxNGSetParserErrors(pctxt, collect_schema_error, collect_schema_error, msg);
    schema = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schema) {
        *ret_msg = g_strdup_printf("cannot load schema %s: %s", rng, msg->str);
        return FALSE;
    }
    doc = xmlReadMemory(xml, (int)strlen(xml), "output.xml", NULL, XML_PARSE_NONET);
    if (!doc) {
        *ret_msg = g_strdup("document is not well-formed");
        xmlRelaxNGFree(schema);
        return FALSE;
    }
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    xmlRelaxNGSetValidErrors(vctxt, collect_schema_error, collect_schema_error, msg);
    ok = xmlRelaxNGValidateDoc(vctxt, doc) == 0;
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlFreeDoc(doc);
    xmlRelaxNGFree(schema);
    if (!ok)
        *ret_msg = g_strdup(msg->str);
    return ok;
}

void
test_compare_to_file(const char *actual, const char *expected_path)
{
    g_autofree char *expected = NULL;
    g_autoptr(GError) err = NULL;

    if (g_strcmp0(g_getenv("VSTOR_TEST_REGENERATE"), "1") == 0) {
        if (!g_file_set_contents(expected_path, actual, -1, &err))
            g_error("cannot write %s: %s", expected_path, err->message);
        return;
    }
    expected = test_read_file(expected_path);
    if (strcmp(expected, actual) != 0) {
        g_test_message("expected (%s):\n%s\nactual:\n%s", expected_path, expected, actual);
        g_test_fail_printf("output differs from %s", expected_path);
    }
}

void
test_rm_rf(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(path, name, NULL);

        if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
            test_rm_rf(p);
        else
            g_unlink(p);
    }
    g_rmdir(path);
}
