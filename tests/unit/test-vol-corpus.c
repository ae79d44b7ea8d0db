/* test-vol-corpus.c: libvirt 9.0.0's own volume XML corpus, read in place: every xml2xml pair
 * round-trips byte for byte, the xml2argv inputs parse, and the schema tests agree. */
#include <string.h>

#include "testutil.h"
#include "conf/vol_conf.h"
#include "util/error.h"
#include "util/xml.h"

typedef struct {
    const char *pool; /* file in tests/storagepoolxml2xmlin */
    const char *vol; /* file in tests/storagevolxml2xmlin (and ...out for xml2xml) */
    unsigned int flags;
} CorpusCase;

/* tests/storagevolxml2xmltest.c, in its order. */
static const CorpusCase xml2xml_cases[] = {
    {"pool-dir", "vol-file", 0},
    {"pool-dir", "vol-file-naming", 0},
    {"pool-dir", "vol-file-backing", 0},
    {"pool-dir", "vol-file-iso", 0},
    {"pool-dir", "vol-qcow2", 0},
    {"pool-dir", "vol-qcow2-1.1", 0},
    {"pool-dir", "vol-qcow2-lazy", 0},
    {"pool-dir", "vol-qcow2-0.10-lazy", 0},
    {"pool-dir", "vol-qcow2-nobacking", 0},
    {"pool-dir", "vol-qcow2-encryption", 0},
    {"pool-dir", "vol-qcow2-luks", 0},
    {"pool-dir", "vol-qcow2-clusterSize", 0},
    {"pool-dir", "vol-luks", 0},
    {"pool-dir", "vol-luks-cipher", 0},
    {"pool-disk", "vol-partition", 0},
    {"pool-logical", "vol-logical", 0},
    {"pool-logical", "vol-logical-backing", 0},
    {"pool-gluster", "vol-gluster-dir", 0},
    {"pool-gluster", "vol-gluster-dir-neg-uid", 0},
    {"pool-dir", "vol-qcow2-nocapacity", VSTOR_VOL_PARSE_NO_CAPACITY},
};

/* Every distinct parse tests/storagevolxml2argvtest.c makes: the volume to create (with
 * NO_CAPACITY when an input volume gives the size) and each input volume (flags 0). */
static const CorpusCase argv_cases[] = {
    {"pool-dir", "vol-qcow2", 0},
    {"pool-dir", "vol-qcow2-nobacking", 0},
    {"pool-dir", "vol-qcow2-nobacking", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-file", 0},
    {"pool-dir", "vol-qcow2-lazy", 0},
    {"pool-dir", "vol-qcow2-1.1", 0},
    {"pool-dir", "vol-qcow2-0.10-lazy", 0},
    {"pool-logical", "vol-logical", 0},
    {"pool-logical", "vol-logical", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-qcow2-nocow", 0},
    {"pool-dir", "vol-qcow2-nocapacity", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-qcow2-zerocapacity", 0},
    {"pool-dir", "vol-qcow2-nocapacity-backing", VSTOR_VOL_PARSE_OPT_CAPACITY},
    {"pool-dir", "vol-qcow2-clusterSize", 0},
    {"pool-dir", "vol-file-iso", 0},
    {"pool-dir", "vol-file", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-qcow2-encryption", 0},
    {"pool-dir", "vol-luks", 0},
    {"pool-dir", "vol-luks-cipher", 0},
    {"pool-dir", "vol-qcow2-luks", 0},
    {"pool-dir", "vol-luks-convert", 0},
    {"pool-dir", "vol-luks-convert", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-file-qcow2", 0},
    {"pool-dir", "vol-file-qcow2", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-luks", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-qcow2-luks", VSTOR_VOL_PARSE_NO_CAPACITY},
    {"pool-dir", "vol-qcow2-luks-convert", 0},
};

/* The pool's type from its root element, without the pool parser. */
static VstorPoolType
corpus_pool_type(const char *src, const char *pool)
{
    g_autofree char *path = g_strdup_printf("%s/tests/storagepoolxml2xmlin/%s.xml", src, pool);
    g_autofree char *text = test_read_file(path);
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vstor_xml_parse(text, path, "pool", &err);
    g_autofree char *type = NULL;
    int value;

    g_assert_no_error(err);
    type = vstor_xml_prop(xmlDocGetRootElement(doc), "type");
    value = vstor_pool_type_from_string(type);
    g_assert_cmpint(value, >=, 0);
    return value;
}

static char *
corpus_vol_path(const char *src, const char *dir, const char *vol)
{
    return g_strdup_printf("%s/tests/%s/%s.xml", src, dir, vol);
}

static void
assert_schema_valid(const char *xml, const char *what)
{
    g_autofree char *msg = NULL;

    if (!test_validate_schema(xml, "storagevol.rng", &msg))
        g_test_fail_printf("%s does not validate against storagevol.rng: %s", what, msg);
}

/* Parse, format, compare with libvirt's expected output; the output validates and is a
 * fixed point of parse+format. */
static void
test_xml2xml(gconstpointer data)
{
    const CorpusCase *c = data;
    const char *src = test_libvirt_src();
    g_autofree char *in_path = NULL;
    g_autofree char *out_path = NULL;
    g_autofree char *in = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *again = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(VstorVolDef) def2 = NULL;
    g_autoptr(GError) err = NULL;
    VstorPoolType type;

    if (!src)
        return;
    type = corpus_pool_type(src, c->pool);
    in_path = corpus_vol_path(src, "storagevolxml2xmlin", c->vol);
    out_path = corpus_vol_path(src, "storagevolxml2xmlout", c->vol);
    in = test_read_file(in_path);

    def = vstor_vol_def_parse(type, in, c->flags, &err);
    g_assert_no_error(err);
    actual = vstor_vol_def_format(type, def);
    g_assert_nonnull(actual);
    /* Compared here, not with test_compare_to_file: regenerating must never touch
     * libvirt's tree. */
    expected = test_read_file(out_path);
    g_assert_cmpstr(actual, ==, expected);
    assert_schema_valid(actual, "the formatted output");

    def2 = vstor_vol_def_parse(type, actual, c->flags, &err);
    g_assert_no_error(err);
    again = vstor_vol_def_format(type, def2);
    g_assert_cmpstr(again, ==, actual);
}

static void
test_argv_input(gconstpointer data)
{
    const CorpusCase *c = data;
    const char *src = test_libvirt_src();
    g_autofree char *path = NULL;
    g_autofree char *in = NULL;
    g_autofree char *out = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(GError) err = NULL;
    VstorPoolType type;

    if (!src)
        return;
    type = corpus_pool_type(src, c->pool);
    path = corpus_vol_path(src, "storagevolxml2xmlin", c->vol);
    in = test_read_file(path);
    def = vstor_vol_def_parse(type, in, c->flags, &err);
    g_assert_no_error(err);
    out = vstor_vol_def_format(type, def);
    g_assert_nonnull(out);
    assert_schema_valid(out, "the formatted output");
}

/* The capacity flags decide these two inputs: neither has a capacity, only one a backing
 * store, which OPT_CAPACITY accepts in place of a size. */
static void
test_capacity_flags(void)
{
    const char *src = test_libvirt_src();
    static const struct {
        const char *vol;
        unsigned int flags;
        gboolean ok;
    } cases[] = {
        {"vol-qcow2-nocapacity", 0, FALSE},
        {"vol-qcow2-nocapacity", VSTOR_VOL_PARSE_OPT_CAPACITY, FALSE},
        {"vol-qcow2-nocapacity", VSTOR_VOL_PARSE_NO_CAPACITY, TRUE},
        {"vol-qcow2-nocapacity-backing", 0, FALSE},
        {"vol-qcow2-nocapacity-backing", VSTOR_VOL_PARSE_OPT_CAPACITY, TRUE},
        {"vol-qcow2-nocapacity-backing", VSTOR_VOL_PARSE_NO_CAPACITY, TRUE},
    };

    if (!src)
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = corpus_vol_path(src, "storagevolxml2xmlin", cases[i].vol);
        g_autofree char *in = test_read_file(path);
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorVolDef) def = vstor_vol_def_parse(VSTOR_POOL_DIR, in, cases[i].flags, &err);

        if (cases[i].ok) {
            g_assert_no_error(err);
            g_assert_cmpuint(def->capacity, ==, 0);
        } else {
            g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_XML_ERROR);
            g_assert_cmpstr(err->message, ==, "XML error: missing capacity element");
        }
    }
}

/* The pool a corpus volume belongs to: the one libvirt's xml2xml test pairs it with, or a
 * directory pool for files no test pairs. */
static const char *
corpus_pool_of(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);

    for (size_t i = 0; i < G_N_ELEMENTS(xml2xml_cases); i++) {
        g_autofree char *file = g_strdup_printf("%s.xml", xml2xml_cases[i].vol);

        if (strcmp(base, file) == 0)
            return xml2xml_cases[i].pool;
    }
    return "pool-dir";
}

/* virschematest: every file validates unless its name ends in "-invalid". vstor also parses
 * each valid one, in the pool its test uses. */
static void
test_schema_file(gconstpointer data)
{
    const char *path = data;
    g_autofree char *xml = NULL;
    g_autofree char *msg = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(GError) err = NULL;
    gboolean invalid = g_str_has_suffix(path, "-invalid.xml");

    if (!test_libvirt_src())
        return;
    xml = test_read_file(path);
    if (test_validate_schema(xml, "storagevol.rng", &msg) == invalid) {
        g_test_fail_printf("%s: schema validation %s%s", path,
                           invalid ? "passed, expected failure" : "failed: ", msg ? msg : "");
        return;
    }
    if (invalid)
        return;
    def = vstor_vol_def_parse(corpus_pool_type(test_libvirt_src(), corpus_pool_of(path)), xml,
                              VSTOR_VOL_PARSE_NO_CAPACITY, &err);
    g_assert_no_error(err);
}

static void
add_schema_dir(const char *src, const char *dir, const char *prefix, GPtrArray *keep)
{
    g_autofree char *full = g_build_filename(src, dir, NULL);
    g_autoptr(GPtrArray) names = test_list_xml(full);

    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        char *path;
        g_autofree char *test_name = NULL;

        if (prefix && !g_str_has_prefix(name, prefix))
            continue;
        path = g_strdup_printf("%s/%s.xml", full, name);
        g_ptr_array_add(keep, path);
        test_name = g_strdup_printf("/vol-corpus/schema/%s/%s", dir, name);
        g_test_add_data_func(test_name, path, test_schema_file);
    }
}

static void
test_no_corpus(void)
{
    test_libvirt_src();
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    const char *src;

    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(xml2xml_cases); i++) {
        g_autofree char *name = g_strdup_printf("/vol-corpus/xml2xml/%s", xml2xml_cases[i].vol);

        g_test_add_data_func(name, &xml2xml_cases[i], test_xml2xml);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(argv_cases); i++) {
        g_autofree char *name =
            g_strdup_printf("/vol-corpus/xml2argv-input/%s/%s/flags-%u", argv_cases[i].pool,
                            argv_cases[i].vol, argv_cases[i].flags);

        g_test_add_data_func(name, &argv_cases[i], test_argv_input);
    }
    g_test_add_func("/vol-corpus/capacity-flags", test_capacity_flags);

    /* The schema file list is only known with the corpus at hand. */
    src = g_getenv("VSTOR_LIBVIRT_SRC");
    if (src && *src) {
        add_schema_dir(src, "tests/storagevolxml2xmlin", NULL, keep);
        add_schema_dir(src, "tests/storagevolxml2xmlout", NULL, keep);
        add_schema_dir(src, "tests/storagevolschemadata", NULL, keep);
        add_schema_dir(src, "examples/xml/storage", "vol-", keep);
        add_schema_dir(src, "examples/xml/test", "testvol", keep);
    } else {
        g_test_add_func("/vol-corpus/schema", test_no_corpus);
    }
    return g_test_run();
}
