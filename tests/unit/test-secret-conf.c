/* test-secret-conf.c: <secret> XML — libvirt 9.0.0's tests/secretxml2xmlin corpus round-trips
 * byte for byte and validates against secret.rng, plus every parse error with libvirt's code. */
#include <string.h>

#include "testutil.h"
#include "conf/secret_conf.h"
#include "util/error.h"

/* Every file of the corpus directory, listed at test time so a new one is not missed. */
static void
test_corpus(void)
{
    const char *src = test_libvirt_src();
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) names = NULL;

    if (!src)
        return;
    dir = g_build_filename(src, "tests", "secretxml2xmlin", NULL);
    names = test_list_xml(dir);
    g_assert_cmpuint(names->len, >=, 7);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file = g_strconcat(names->pdata[i], ".xml", NULL);
        g_autofree char *path = g_build_filename(dir, file, NULL);
        g_autofree char *in = test_read_file(path);
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorSecretDef) def = vstor_secret_def_parse(in, &err);
        g_autoptr(VstorSecretDef) def2 = NULL;
        g_autofree char *out = NULL;
        g_autofree char *again = NULL;
        g_autofree char *msg = NULL;

        g_test_message("corpus %s", (char *)names->pdata[i]);
        g_assert_no_error(err);
        out = vstor_secret_def_format(def);
        g_assert_cmpstr(out, ==, in);
        if (!test_validate_schema(out, "secret.rng", &msg))
            g_error("%s: %s", path, msg);
        def2 = vstor_secret_def_parse(out, &err);
        g_assert_no_error(err);
        again = vstor_secret_def_format(def2);
        g_assert_cmpstr(again, ==, out);
    }
}

static void
test_minimal(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorSecretDef) def = vstor_secret_def_parse("<secret/>", &err);
    g_autoptr(VstorSecretDef) def2 = vstor_secret_def_parse("<secret/>", &err);
    g_autofree char *out = NULL;
    g_autofree char *msg = NULL;

    g_assert_no_error(err);
    g_assert_false(def->ephemeral);
    g_assert_false(def->private_);
    g_assert_cmpint(def->usage_type, ==, VSTOR_SECRET_USAGE_NONE);
    g_assert_null(def->usage_id);
    /* A missing uuid is generated, and differently each time. */
    g_assert_true(memcmp(def->uuid, def2->uuid, VSTOR_UUID_LEN) != 0);
    out = vstor_secret_def_format(def);
    g_assert_true(g_str_has_prefix(out, "<secret ephemeral='no' private='no'>\n  <uuid>"));
    g_assert_true(g_str_has_suffix(out, "</uuid>\n</secret>\n"));
    /* The schema lives in the libvirt tree, which only the corpus test may require. */
    if (g_getenv("VSTOR_LIBVIRT_SRC"))
        g_assert_true(test_validate_schema(out, "secret.rng", &msg));
}

static void
test_escaping_and_none(void)
{
    const char *in = "<secret private='yes'><uuid>F52A81B2424E490C823D6BD4235BC573</uuid>"
                     "<description>a &amp; b &lt;c&gt;</description>"
                     "<usage type='none'/></secret>";
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorSecretDef) def = vstor_secret_def_parse(in, &err);
    g_autofree char *out = NULL;

    g_assert_no_error(err);
    out = vstor_secret_def_format(def);
    g_assert_cmpstr(out, ==,
                    "<secret ephemeral='no' private='yes'>\n"
                    "  <uuid>f52a81b2-424e-490c-823d-6bd4235bc573</uuid>\n"
                    "  <description>a &amp; b &lt;c&gt;</description>\n"
                    "</secret>\n");
}

static void
test_usage_types(void)
{
    static const char *const names[] = {"none", "volume", "ceph", "iscsi", "tls", "vtpm"};

    for (int i = 0; i < VSTOR_SECRET_USAGE_LAST; i++) {
        g_assert_cmpstr(vstor_secret_usage_type_to_string(i), ==, names[i]);
        g_assert_cmpint(vstor_secret_usage_type_from_string(names[i]), ==, i);
    }
    g_assert_null(vstor_secret_usage_type_to_string(VSTOR_SECRET_USAGE_LAST));
    g_assert_null(vstor_secret_usage_type_to_string(-1));
    g_assert_cmpint(vstor_secret_usage_type_from_string("VOLUME"), ==, -1);
    g_assert_cmpint(vstor_secret_usage_type_from_string(NULL), ==, -1);
}

typedef struct {
    const char *xml;
    VstorErrorCode code;
    const char *detail; /* message after libvirt's prefix, NULL: code only */
} BadCase;

/* Texts and codes from libvirt 9.0.0's secret_conf.c and virxml.c. */
static const BadCase bad_cases[] = {
    {"<secret ephemeral='maybe'/>", VSTOR_ERR_XML_ERROR, "invalid value of 'ephemeral'"},
    {"<secret ephemeral='YES'/>", VSTOR_ERR_XML_ERROR, "invalid value of 'ephemeral'"},
    {"<secret private='1'/>", VSTOR_ERR_XML_ERROR, "invalid value of 'private'"},
    {"<secret><uuid>not-a-uuid</uuid></secret>", VSTOR_ERR_INTERNAL_ERROR,
     "malformed uuid element"},
    {"<secret><usage/></secret>", VSTOR_ERR_XML_ERROR, "unknown secret usage type"},
    {"<secret><usage type='nfs'/></secret>", VSTOR_ERR_CONFIG_UNSUPPORTED,
     "unknown secret usage type nfs"},
    {"<secret><usage type='volume'/></secret>", VSTOR_ERR_INTERNAL_ERROR,
     "volume usage specified, but volume path is missing"},
    {"<secret><usage type='ceph'><volume>x</volume></usage></secret>", VSTOR_ERR_INTERNAL_ERROR,
     "Ceph usage specified, but name is missing"},
    {"<secret><usage type='iscsi'/></secret>", VSTOR_ERR_INTERNAL_ERROR,
     "iSCSI usage specified, but target is missing"},
    {"<secret><usage type='tls'/></secret>", VSTOR_ERR_INTERNAL_ERROR,
     "TLS usage specified, but name is missing"},
    {"<secret><usage type='vtpm'/></secret>", VSTOR_ERR_INTERNAL_ERROR,
     "vTPM usage specified, but name is missing"},
    {"<pool/>", VSTOR_ERR_XML_ERROR, NULL},
    {"<secret>", VSTOR_ERR_XML_DETAIL, NULL},
    {"", VSTOR_ERR_XML_DETAIL, NULL},
    {"<!DOCTYPE secret [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><secret>"
     "<description>&x;</description></secret>",
     VSTOR_ERR_XML_ERROR, NULL},
};

static void
test_bad(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        const BadCase *c = &bad_cases[i];
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorSecretDef) def = vstor_secret_def_parse(c->xml, &err);

        g_test_message("bad %s", c->xml);
        g_assert_null(def);
        g_assert_nonnull(err);
        if (err->code != (int)c->code)
            g_error("%s: code %d (%s), expected %d", c->xml, err->code, err->message, c->code);
        if (c->detail) {
            g_autofree char *expected = vstor_error_message(c->code, c->detail);

            g_assert_cmpstr(err->message, ==, expected);
        }
    }
}

static void
test_copy_and_free_null(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorSecretDef) def =
        vstor_secret_def_parse("<secret><description>d</description><usage type='tls'>"
                               "<name>t</name></usage></secret>",
                               &err);
    g_autoptr(VstorSecretDef) copy = vstor_secret_def_copy(def);
    g_autofree char *a = vstor_secret_def_format(def);
    g_autofree char *b = vstor_secret_def_format(copy);

    g_assert_cmpstr(a, ==, b);
    g_assert_true(copy->usage_id != def->usage_id);
    vstor_secret_def_free(NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/secret-conf/corpus", test_corpus);
    g_test_add_func("/secret-conf/minimal", test_minimal);
    g_test_add_func("/secret-conf/escaping-and-none", test_escaping_and_none);
    g_test_add_func("/secret-conf/usage-types", test_usage_types);
    g_test_add_func("/secret-conf/bad", test_bad);
    g_test_add_func("/secret-conf/copy-and-free-null", test_copy_and_free_null);
    return g_test_run();
}
