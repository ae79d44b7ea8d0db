/* test-util.c: units, UUIDs, error messages and the hardened XML parser of src/util.
 * Hostile documents (entities, external DTDs, huge input) must be refused, never expanded. */
#include <string.h>

#include "testutil.h"
#include "util/error.h"
#include "util/units.h"
#include "util/uuid.h"
#include "util/xml.h"

typedef struct {
    const char *num;
    const char *unit;
    unsigned long long expect;
    int code; /* 0: success */
} ScaleCase;

static void
test_scale(void)
{
    static const ScaleCase cases[] = {
        {"1", NULL, 1, 0},
        {"1", "", 1, 0},
        {"5", "b", 5, 0},
        {"5", "bytes", 5, 0},
        {"5", "BYTE", 5, 0},
        {"1", "K", 1024, 0},
        {"1", "k", 1024, 0},
        {"1", "KiB", 1024, 0},
        {"1", "KB", 1000, 0},
        {"1", "kb", 1000, 0},
        {"1", "M", 1048576, 0},
        {"1", "MB", 1000000, 0},
        {"1", "G", 1073741824ULL, 0},
        {"1", "GiB", 1073741824ULL, 0},
        {"1", "GB", 1000000000ULL, 0},
        {"1", "T", 1099511627776ULL, 0},
        {"1", "TB", 1000000000000ULL, 0},
        {"1", "P", 1125899906842624ULL, 0},
        {"1", "PB", 1000000000000000ULL, 0},
        {"1", "E", 1152921504606846976ULL, 0},
        {"1", "EiB", 1152921504606846976ULL, 0},
        {"1", "EB", 1000000000000000000ULL, 0},
        {"15", "E", 17293822569102704640ULL, 0},
        {"16", "E", 0, VSTOR_ERR_OVERFLOW},
        {"18446744073709551615", "b", G_MAXUINT64, 0},
        {"18446744073709551615", "K", 0, VSTOR_ERR_OVERFLOW},
        {"0", "E", 0, 0},
        {"1", "Z", 0, VSTOR_ERR_INVALID_ARG},
        {"1", "KiBB", 0, VSTOR_ERR_INVALID_ARG},
        {"1", "Kb2", 0, VSTOR_ERR_INVALID_ARG},
        {"1", "x", 0, VSTOR_ERR_INVALID_ARG},
        {"1", "ki", 0, VSTOR_ERR_INVALID_ARG},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        unsigned long long v;
        int rc;

        g_assert_true(vstor_parse_ull(cases[i].num, &v));
        rc = vstor_scale_integer(&v, cases[i].unit, 1, G_MAXUINT64, &err);
        if (cases[i].code) {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VSTOR_ERROR, cases[i].code);
        } else {
            g_assert_no_error(err);
            g_assert_cmpint(rc, ==, 0);
            g_assert_cmpuint(v, ==, cases[i].expect);
        }
    }
}

static void
test_parse_ull(void)
{
    unsigned long long v = 7;

    g_assert_true(vstor_parse_ull("0", &v));
    g_assert_cmpuint(v, ==, 0);
    g_assert_true(vstor_parse_ull(" 42 ", &v));
    g_assert_cmpuint(v, ==, 42);
    g_assert_true(vstor_parse_ull("18446744073709551615", &v));
    g_assert_cmpuint(v, ==, G_MAXUINT64);
    v = 7;
    g_assert_false(vstor_parse_ull("18446744073709551616", &v));
    g_assert_false(vstor_parse_ull("-1", &v));
    g_assert_false(vstor_parse_ull("+1", &v));
    g_assert_false(vstor_parse_ull("1x", &v));
    g_assert_false(vstor_parse_ull("", &v));
    g_assert_false(vstor_parse_ull(NULL, &v));
    g_assert_false(vstor_parse_ull("0x10", &v));
    g_assert_cmpuint(v, ==, 7);
}

/* One size that parses, and what it gives. */
static void
size_ok(const char *str, gboolean fraction, unsigned long long expect)
{
    g_autoptr(GError) err = NULL;
    unsigned long long v = 12345;

    g_assert_cmpint(vstor_parse_size(str, 1, fraction, &v, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(v, ==, expect);
}

/* One size that is refused with @code, *ret_bytes untouched. */
static void
size_bad(const char *str, gboolean fraction, int code, const char *message)
{
    g_autoptr(GError) err = NULL;
    unsigned long long v = 12345;

    g_assert_cmpint(vstor_parse_size(str, 1, fraction, &v, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, code);
    if (message)
        g_assert_cmpstr(err->message, ==, message);
    g_assert_cmpuint(v, ==, 12345);
}

static void
test_parse_size(void)
{
    g_autoptr(GError) err = NULL;
    unsigned long long v;

    /* virsh's integers: units of 1024 (k, KiB), of 1000 (KB), bytes, any case. */
    size_ok("10G", FALSE, 10ULL << 30);
    size_ok("512MiB", FALSE, 512ULL << 20);
    size_ok("512mib", FALSE, 512ULL << 20);
    size_ok("4096", FALSE, 4096);
    size_ok("100", TRUE, 100);
    size_ok("10GB", FALSE, 10000000000ULL);
    size_ok("7bytes", FALSE, 7);
    size_ok(" +3K", FALSE, 3072);
    g_assert_cmpint(vstor_parse_size("2", 1024, FALSE, &v, &err), ==, 0);
    g_assert_cmpuint(v, ==, 2048);
    g_assert_no_error(err);
    size_ok("18446744073709551615", FALSE, G_MAXUINT64);
    size_ok("15E", FALSE, 15ULL << 60);

    /* Fractions, rounded to the nearest byte. */
    size_ok("1.5T", TRUE, 3ULL << 39);
    size_ok("0.5GiB", TRUE, 1ULL << 29);
    size_ok(".5K", TRUE, 512);
    size_ok("1.5", TRUE, 2);
    size_ok("1.4", TRUE, 1);
    size_ok("0.1K", TRUE, 102); /* 102.4 */
    size_ok("0.3K", TRUE, 307); /* 307.2 */
    size_ok("0.0005K", TRUE, 1); /* 0.512 */
    size_ok("2.25GB", TRUE, 2250000000ULL);
    size_ok("15.5E", TRUE, (15ULL << 60) + (1ULL << 59));

    /* Refused, each with its reason. */
    size_bad("1.5T", FALSE, VSTOR_ERR_INVALID_ARG, "invalid argument: unknown suffix '.5T'");
    size_bad("-1G", TRUE, VSTOR_ERR_INVALID_ARG,
             "invalid argument: a size cannot be negative: '-1G'");
    size_bad(" -0", TRUE, VSTOR_ERR_INVALID_ARG, NULL);
    size_bad("", TRUE, VSTOR_ERR_INVALID_ARG, "invalid argument: '' is not a number");
    size_bad("G", TRUE, VSTOR_ERR_INVALID_ARG, NULL);
    size_bad("1.5.3G", TRUE, VSTOR_ERR_INVALID_ARG, "invalid argument: unknown suffix '.5.3G'");
    size_bad("1.G", TRUE, VSTOR_ERR_INVALID_ARG, NULL);
    size_bad("3Q", TRUE, VSTOR_ERR_INVALID_ARG, "invalid argument: unknown suffix 'Q'");
    size_bad("10 G", TRUE, VSTOR_ERR_INVALID_ARG, "invalid argument: unknown suffix ' G'");
    size_bad("10G ", TRUE, VSTOR_ERR_INVALID_ARG, NULL);
    size_bad("0x10", TRUE, VSTOR_ERR_INVALID_ARG, NULL);
    size_bad("20E", TRUE, VSTOR_ERR_OVERFLOW, "numerical overflow: value too large: 20E");
    size_bad("16E", TRUE, VSTOR_ERR_OVERFLOW, NULL);
    size_bad("15.9999999999999999999E", TRUE, VSTOR_ERR_OVERFLOW,
             "numerical overflow: value too large: 15.9999999999999999999E");
    size_bad("18446744073709551616", TRUE, VSTOR_ERR_OVERFLOW, NULL);
    size_bad("18446744073709551615.5", TRUE, VSTOR_ERR_OVERFLOW, NULL);
}

static void
test_uuid(void)
{
    guint8 u[VSTOR_UUID_LEN], w[VSTOR_UUID_LEN];
    char s[VSTOR_UUID_STRING_LEN];

    g_assert_true(vstor_uuid_parse("7641d5a8-af11-f730-a34e-0a7dfcede71f", u));
    vstor_uuid_format(u, s);
    g_assert_cmpstr(s, ==, "7641d5a8-af11-f730-a34e-0a7dfcede71f");
    g_assert_true(vstor_uuid_parse("  7641D5A8AF11F730A34E0A7DFCEDE71F \n", w));
    g_assert_cmpmem(u, 16, w, 16);
    g_assert_true(vstor_uuid_parse("76 41-d5a8af11f730a34e0a7dfcede71f", w));
    g_assert_false(vstor_uuid_parse("7641d5a8-af11-f730-a34e-0a7dfcede71", w));
    g_assert_false(vstor_uuid_parse("7641d5a8-af11-f730-a34e-0a7dfcede71f0", w));
    g_assert_false(vstor_uuid_parse("g641d5a8-af11-f730-a34e-0a7dfcede71f", w));
    g_assert_false(vstor_uuid_parse("", w));
    vstor_uuid_generate(u);
    vstor_uuid_generate(w);
    g_assert_true(memcmp(u, w, 16) != 0);
    g_assert_cmpint(u[6] >> 4, ==, 4);
}

static void
test_error_messages(void)
{
    g_autoptr(GError) err = NULL;

    vstor_error_set(&err, VSTOR_ERR_INVALID_ARG, "unknown suffix '%s'", "Q");
    g_assert_cmpstr(err->message, ==, "invalid argument: unknown suffix 'Q'");
    g_clear_error(&err);
    vstor_error_set(&err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                    "x");
    g_assert_cmpint(err->code, ==, 49);
    g_assert_cmpstr(err->message, ==,
                    "Storage pool not found: no storage pool with matching name 'x'");
    g_clear_error(&err);
    vstor_error_set(&err, VSTOR_ERR_OPERATION_INVALID, "pool '%s' is already active", "p");
    g_assert_cmpint(err->code, ==, 55);
    g_assert_cmpstr(vstor_error_code_name(VSTOR_ERR_XML_ERROR), ==, "XML_ERROR");
    vstor_error_set(NULL, VSTOR_ERR_INTERNAL_ERROR, "ignored");
}

static void
expect_parse_error(const char *text, int code, const char *fragment)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vstor_xml_parse(text, "(test)", "pool", &err);

    g_assert_null(doc);
    g_assert_error(err, VSTOR_ERROR, code);
    if (fragment && !strstr(err->message, fragment))
        g_error("message '%s' lacks '%s'", err->message, fragment);
}

static void
test_xml_hostile(void)
{
    /* billion laughs */
    expect_parse_error("<?xml version='1.0'?>\n<!DOCTYPE lolz [\n"
                       " <!ENTITY lol 'lol'>\n"
                       " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
                       " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
                       "]>\n<pool type='dir'><name>&lol2;</name></pool>",
                       VSTOR_ERR_XML_ERROR, "DOCTYPE");
    /* external entity */
    expect_parse_error("<!DOCTYPE pool [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
                       "<pool type='dir'><name>&xxe;</name></pool>",
                       VSTOR_ERR_XML_ERROR, "DOCTYPE");
    /* external DTD */
    expect_parse_error("<!DOCTYPE pool SYSTEM 'http://127.0.0.1:1/x.dtd'><pool/>",
                       VSTOR_ERR_XML_ERROR, NULL);
    /* undeclared entity: a syntax error, not an expansion */
    expect_parse_error("<pool type='dir'><name>&xxe;</name></pool>", VSTOR_ERR_XML_DETAIL,
                       "Entity 'xxe' not defined");
    /* mismatched tags, with libvirt's line/pointer message */
    expect_parse_error("<pool type='dir'><name>x</nme></pool>", VSTOR_ERR_XML_DETAIL,
                       "(test):1: Opening and ending tag mismatch: name line 1 and nme");
    expect_parse_error("<volume/>", VSTOR_ERR_XML_ERROR,
                       "expecting root element of 'pool', not 'volume'");
    expect_parse_error("", VSTOR_ERR_XML_DETAIL, "Document is empty");
    {
        g_autofree char *big = g_strnfill(VSTOR_XML_MAX_SIZE + 1, ' ');
        expect_parse_error(big, VSTOR_ERR_XML_ERROR, "larger than");
    }
}

static void
test_xml_parse_ok(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vstor_xml_parse("<pool type='dir'><name>a&amp;b</name>"
                                            "<x><y n='1'/><y n='2'/></x></pool>",
                                            NULL, "pool", &err);
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *name = NULL;
    g_autofree char *missing = NULL;
    g_autofree xmlNode **nodes = NULL;
    g_autofree char *n2 = NULL;

    g_assert_no_error(err);
    g_assert_nonnull(doc);
    ctxt = vstor_xml_context_new(doc, NULL);
    name = vstor_xml_string(ctxt, "string(./name)");
    g_assert_cmpstr(name, ==, "a&b");
    missing = vstor_xml_string(ctxt, "string(./nothing)");
    g_assert_null(missing);
    g_assert_cmpuint(vstor_xml_nodes(ctxt, "./x/y", &nodes), ==, 2);
    n2 = vstor_xml_prop(nodes[1], "n");
    g_assert_cmpstr(n2, ==, "2");
    g_assert_null(vstor_xml_node(ctxt, "./nothing"));
}

static void
test_xml_writer(void)
{
    VstorXmlWriter w;
    g_autofree char *out = NULL;
    g_autofree char *esc = vstor_xml_escape("a<b>&'\"\x01\x1f\tz");

    g_assert_cmpstr(esc, ==, "a&lt;b&gt;&amp;&apos;&quot;\x1f&#9;z");
    vstor_xml_writer_init(&w);
    vstor_xml_writer_addf(&w, "<a>\n");
    vstor_xml_writer_push(&w);
    vstor_xml_writer_escapef(&w, "<b>%s</b>\n", "x&y");
    vstor_xml_writer_escapef(&w, "<c>%s</c>\n", NULL);
    vstor_xml_writer_addf(&w, "<d n='%d'", 3);
    vstor_xml_writer_addf(&w, "/>\n");
    vstor_xml_writer_pop(&w);
    vstor_xml_writer_addf(&w, "</a>\n");
    out = vstor_xml_writer_finish(&w);
    g_assert_cmpstr(out, ==, "<a>\n  <b>x&amp;y</b>\n  <d n='3'/>\n</a>\n");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/util/units/scale", test_scale);
    g_test_add_func("/util/units/parse-ull", test_parse_ull);
    g_test_add_func("/util/units/parse-size", test_parse_size);
    g_test_add_func("/util/uuid", test_uuid);
    g_test_add_func("/util/error/messages", test_error_messages);
    g_test_add_func("/util/xml/hostile", test_xml_hostile);
    g_test_add_func("/util/xml/parse", test_xml_parse_ok);
    g_test_add_func("/util/xml/writer", test_xml_writer);
    return g_test_run();
}
