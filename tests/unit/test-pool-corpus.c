/* test-pool-corpus.c: libvirt 9.0.0's own pool XML corpus, read in place: every xml2xml pair
 * formats byte for byte, outputs are fixed points, and schema validation agrees with libvirt's. */
#include <string.h>

#include "testutil.h"
#include "conf/pool_conf.h"
#include "util/error.h"

static char *
corpus_path(const char *dir, const char *name)
{
    g_autofree char *file = g_strconcat(name, ".xml", NULL);

    return g_build_filename(test_libvirt_src(), "tests", dir, file, NULL);
}

static char *
parse_and_format(const char *xml, const char *what)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, &err);

    if (!def)
        g_error("%s does not parse: %s", what, err->message);
    return vstor_pool_def_format(def);
}

static void
assert_schema_valid(const char *xml, const char *what)
{
    g_autofree char *msg = NULL;

    if (!test_validate_schema(xml, "storagepool.rng", &msg))
        g_test_fail_printf("%s does not validate against storagepool.rng: %s", what, msg);
}

/* An in/out pair of storagepoolxml2xmltest: the input formats to the output exactly, both
 * validate, and the output parses back to itself. */
static void
test_xml2xml(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_path = corpus_path("storagepoolxml2xmlin", name);
    g_autofree char *out_path = corpus_path("storagepoolxml2xmlout", name);
    g_autofree char *in = test_read_file(in_path);
    g_autofree char *out = test_read_file(out_path);
    g_autofree char *actual = parse_and_format(in, in_path);
    g_autofree char *again = NULL;

    /* Compared here, not with test_compare_to_file: regeneration must never touch libvirt's
     * tree. */
    g_assert_cmpstr(actual, ==, out);
    assert_schema_valid(in, in_path);
    assert_schema_valid(out, out_path);
    assert_schema_valid(actual, "formatted output");

    again = parse_and_format(actual, "formatted output");
    g_assert_cmpstr(again, ==, actual);
}

/* An input without an out file (the corpus uses it elsewhere, e.g. the schema test): it must
 * still validate, parse, and format to something that validates and is a fixed point. */
static void
test_input_only(gconstpointer data)
{
    const char *name = data;
    g_autofree char *in_path = corpus_path("storagepoolxml2xmlin", name);
    g_autofree char *in = test_read_file(in_path);
    g_autofree char *actual = parse_and_format(in, in_path);
    g_autofree char *again = parse_and_format(actual, "formatted output");

    assert_schema_valid(in, in_path);
    assert_schema_valid(actual, "formatted output");
    g_assert_cmpstr(again, ==, actual);
}

/* tests/storagepoolschemadata: a name ending in "-invalid" must fail validation (that is
 * how virschematest reads it), any other must pass. */
static void
test_schemadata(gconstpointer data)
{
    const char *name = data;
    g_autofree char *path = corpus_path("storagepoolschemadata", name);
    g_autofree char *xml = test_read_file(path);
    g_autofree char *msg = NULL;
    gboolean valid = test_validate_schema(xml, "storagepool.rng", &msg);

    if (g_str_has_suffix(name, "-invalid"))
        g_assert_false(valid);
    else if (!valid)
        g_test_fail_printf("%s does not validate: %s", path, msg);
}

static void
test_skipped(void)
{
    test_libvirt_src();
}

/* Registers one test per corpus file; names stay owned by @keep until the run ends. */
static void
add_corpus_tests(const char *src, GPtrArray *keep)
{
    g_autofree char *in_dir = g_build_filename(src, "tests", "storagepoolxml2xmlin", NULL);
    g_autofree char *out_dir = g_build_filename(src, "tests", "storagepoolxml2xmlout", NULL);
    g_autofree char *schema_dir = g_build_filename(src, "tests", "storagepoolschemadata", NULL);
    GPtrArray *inputs = test_list_xml(in_dir);
    GPtrArray *schemadata = test_list_xml(schema_dir);

    g_ptr_array_add(keep, inputs);
    g_ptr_array_add(keep, schemadata);
    g_assert_cmpuint(inputs->len, >, 0);
    for (guint i = 0; i < inputs->len; i++) {
        const char *name = g_ptr_array_index(inputs, i);
        g_autofree char *file = g_strconcat(name, ".xml", NULL);
        g_autofree char *out = g_build_filename(out_dir, file, NULL);
        g_autofree char *path = NULL;

        if (g_file_test(out, G_FILE_TEST_EXISTS)) {
            path = g_strconcat("/pool-corpus/xml2xml/", name, NULL);
            g_test_add_data_func(path, name, test_xml2xml);
        } else {
            path = g_strconcat("/pool-corpus/input-only/", name, NULL);
            g_test_add_data_func(path, name, test_input_only);
        }
    }
    for (guint i = 0; i < schemadata->len; i++) {
        const char *name = g_ptr_array_index(schemadata, i);
        g_autofree char *path = g_strconcat("/pool-corpus/schemadata/", name, NULL);

        g_test_add_data_func(path, name, test_schemadata);
    }
}

int
main(int argc, char **argv)
{
    const char *src = g_getenv("VSTOR_LIBVIRT_SRC");
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);

    g_test_init(&argc, &argv, NULL);
    if (src && *src)
        add_corpus_tests(src, keep);
    else
        g_test_add_func("/pool-corpus/skipped", test_skipped);
    return g_test_run();
}
