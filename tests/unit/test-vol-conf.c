/* test-vol-conf.c: volume XML cases libvirt's corpus lacks — the golden cases in
 * tests/data/vol/ (units, names, formats, encryption; checked against libvirt's test driver
 * by check-oracle.py), parse flags, hostile documents and the fields only a refresh fills. */
#include <string.h>

#include "testutil.h"
#include "conf/vol_conf.h"
#include "util/error.h"

/* ---- golden cases: tests/data/vol/GROUP.cases -> GROUP.expected ------------------------- */

typedef struct {
    char *header; /* "POOLTYPE NAME [FLAGS]" */
    char *body;
} Section;

typedef struct {
    char *group;
    Section *section;
    char *expected; /* NULL when the expected file lacks the case */
} GoldenCase;

static void
golden_case_free(gpointer data)
{
    GoldenCase *c = data;

    g_free(c->group);
    g_free(c->expected);
    g_free(c);
}

static void
section_free(gpointer data)
{
    Section *s = data;

    g_free(s->header);
    g_free(s->body);
    g_free(s);
}

/* Sections of a file: each starts at a "### " line; lines before the first are comments. */
static GPtrArray *
read_sections(const char *path)
{
    g_autofree char *text = test_read_file(path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *sections = g_ptr_array_new_with_free_func(section_free);
    Section *cur = NULL;
    GString *body = NULL;

    for (guint i = 0; lines[i]; i++) {
        gboolean last = lines[i + 1] == NULL;

        if (g_str_has_prefix(lines[i], "### ")) {
            if (cur)
                cur->body = g_string_free(body, FALSE);
            cur = g_new0(Section, 1);
            cur->header = g_strdup(lines[i] + 4);
            g_ptr_array_add(sections, cur);
            body = g_string_new(NULL);
        } else if (cur && !(last && !*lines[i])) {
            g_string_append_printf(body, "%s\n", lines[i]);
        }
    }
    if (cur)
        cur->body = g_string_free(body, FALSE);
    return sections;
}

/* What vstor makes of a case: the formatted XML, or "error CODE: message". */
static char *
golden_run(const char *header, const char *xml)
{
    g_auto(GStrv) fields = g_strsplit(header, " ", -1);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    guint64 flags = 0;
    int type;

    g_assert_nonnull(fields[0]);
    g_assert_nonnull(fields[1]);
    type = vstor_pool_type_from_string(fields[0]);
    g_assert_cmpint(type, >=, 0);
    if (fields[2])
        g_assert_true(g_ascii_string_to_unsigned(fields[2], 10, 0, 3, &flags, NULL));
    def = vstor_vol_def_parse(type, xml, (unsigned int)flags, &err);
    if (!def)
        return g_strdup_printf("error %s: %s\n", vstor_error_code_name(err->code), err->message);
    return vstor_vol_def_format(type, def);
}

static void
test_golden(gconstpointer data)
{
    const GoldenCase *c = data;
    g_autofree char *actual = golden_run(c->section->header, c->section->body);

    if (!c->expected) {
        g_test_fail_printf("%s.expected has no case '%s' (regenerate with "
                           "VSTOR_TEST_REGENERATE=1)",
                           c->group, c->section->header);
        return;
    }
    g_assert_cmpstr(actual, ==, c->expected);

    /* Whatever vstor writes, it reads back to the same text. */
    if (!g_str_has_prefix(actual, "error ")) {
        g_autofree char *again = golden_run(c->section->header, actual);

        g_assert_cmpstr(again, ==, actual);
    }
}

static void
golden_regenerate(const char *group, const char *path, GPtrArray *cases)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GError) err = NULL;

    g_string_append_printf(out,
                           "# What vstor makes of each case in %s.cases, regenerated with "
                           "VSTOR_TEST_REGENERATE=1;\n# compared with libvirt's test driver "
                           "by check-oracle.py.\n",
                           group);
    for (guint i = 0; i < cases->len; i++) {
        Section *s = g_ptr_array_index(cases, i);
        g_autofree char *result = golden_run(s->header, s->body);

        g_string_append_printf(out, "### %s\n%s", s->header, result);
    }
    if (!g_file_set_contents(path, out->str, -1, &err))
        g_error("cannot write %s: %s", path, err->message);
}

static void
golden_register(GPtrArray *keep)
{
    g_autofree char *dir = g_build_filename(test_source_root(), "tests", "data", "vol", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    const char *ent;
    gboolean regenerate = g_strcmp0(g_getenv("VSTOR_TEST_REGENERATE"), "1") == 0;

    g_assert_nonnull(d);
    while ((ent = g_dir_read_name(d)))
        if (g_str_has_suffix(ent, ".cases"))
            g_ptr_array_add(files, g_strndup(ent, strlen(ent) - strlen(".cases")));
    g_ptr_array_sort(files, (GCompareFunc)g_strcmp0);
    g_assert_cmpuint(files->len, >, 0);

    for (guint f = 0; f < files->len; f++) {
        const char *group = g_ptr_array_index(files, f);
        g_autofree char *cases_path = g_strdup_printf("%s/%s.cases", dir, group);
        g_autofree char *expected_path = g_strdup_printf("%s/%s.expected", dir, group);
        GPtrArray *cases = read_sections(cases_path);
        g_autoptr(GPtrArray) expected = NULL;
        g_autoptr(GHashTable) by_header = g_hash_table_new(g_str_hash, g_str_equal);

        g_ptr_array_add(keep, cases);
        if (regenerate)
            golden_regenerate(group, expected_path, cases);
        expected = read_sections(expected_path);
        for (guint i = 0; i < expected->len; i++) {
            Section *s = g_ptr_array_index(expected, i);

            g_hash_table_insert(by_header, s->header, s->body);
        }
        for (guint i = 0; i < cases->len; i++) {
            Section *s = g_ptr_array_index(cases, i);
            GoldenCase *c = g_new0(GoldenCase, 1);
            g_auto(GStrv) fields = g_strsplit(s->header, " ", -1);
            g_autofree char *name = NULL;

            c->group = g_strdup(group);
            c->section = s;
            c->expected = g_strdup(g_hash_table_lookup(by_header, s->header));
            name = g_strdup_printf("/vol-conf/golden/%s/%s/%s", group, fields[0],
                                   fields[1] ? fields[1] : "");
            g_test_add_data_func_full(name, c, test_golden, golden_case_free);
        }
    }
}

/* ---- parse flags ------------------------------------------------------------------------ */

static const char no_capacity_xml[] = "<volume><name>v</name><target/></volume>";
static const char backing_xml[] = "<volume><name>v</name><target/>"
                                  "<backingStore><path>/b</path></backingStore></volume>";

static void
assert_parse_error(VstorPoolType type, const char *xml, unsigned int flags, int code,
                   const char *message)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorVolDef) def = vstor_vol_def_parse(type, xml, flags, &err);

    g_assert_null(def);
    g_assert_error(err, VSTOR_ERROR, code);
    if (message)
        g_assert_cmpstr(err->message, ==, message);
}

static VstorVolDef *
parse_ok(VstorPoolType type, const char *xml, unsigned int flags)
{
    g_autoptr(GError) err = NULL;
    VstorVolDef *def = vstor_vol_def_parse(type, xml, flags, &err);

    g_assert_no_error(err);
    g_assert_nonnull(def);
    return def;
}

static void
test_flags(void)
{
    g_autoptr(VstorVolDef) a = NULL;
    g_autoptr(VstorVolDef) b = NULL;
    g_autoptr(VstorVolDef) c = NULL;
    g_autoptr(VstorVolDef) d = NULL;

    assert_parse_error(VSTOR_POOL_DIR, no_capacity_xml, 1u << 2, VSTOR_ERR_INVALID_ARG,
                       "invalid argument: unsupported flags (0x4) in function "
                       "vstor_vol_def_parse_node");
    assert_parse_error(VSTOR_POOL_DIR, no_capacity_xml, 0x80000001u, VSTOR_ERR_INVALID_ARG, NULL);
    /* Unknown flags are refused even when the document is fine without them. */
    assert_parse_error(VSTOR_POOL_DIR, backing_xml, 1u << 3, VSTOR_ERR_INVALID_ARG, NULL);

    assert_parse_error(VSTOR_POOL_DIR, no_capacity_xml, 0, VSTOR_ERR_XML_ERROR,
                       "XML error: missing capacity element");
    assert_parse_error(VSTOR_POOL_DIR, no_capacity_xml, VSTOR_VOL_PARSE_OPT_CAPACITY,
                       VSTOR_ERR_XML_ERROR, "XML error: missing capacity element");
    assert_parse_error(VSTOR_POOL_DIR, backing_xml, 0, VSTOR_ERR_XML_ERROR,
                       "XML error: missing capacity element");

    a = parse_ok(VSTOR_POOL_DIR, no_capacity_xml, VSTOR_VOL_PARSE_NO_CAPACITY);
    g_assert_cmpuint(a->capacity, ==, 0);
    g_assert_cmpuint(a->allocation, ==, 0);
    g_assert_false(a->has_allocation);
    b = parse_ok(VSTOR_POOL_DIR, backing_xml, VSTOR_VOL_PARSE_OPT_CAPACITY);
    g_assert_nonnull(b->backing_store);
    g_assert_cmpstr(b->backing_store->path, ==, "/b");
    g_assert_cmpint(b->backing_store->format, ==, VSTOR_VOL_FORMAT_RAW);
    c = parse_ok(VSTOR_POOL_DIR, no_capacity_xml,
                 VSTOR_VOL_PARSE_NO_CAPACITY | VSTOR_VOL_PARSE_OPT_CAPACITY);
    /* The flags only excuse a missing capacity; a given one is still read and checked. */
    d = parse_ok(VSTOR_POOL_DIR,
                 "<volume><name>v</name><capacity unit='K'>2</capacity><target/></volume>",
                 VSTOR_VOL_PARSE_NO_CAPACITY);
    g_assert_cmpuint(d->capacity, ==, 2048);
    g_assert_cmpuint(d->allocation, ==, 2048);
    assert_parse_error(
        VSTOR_POOL_DIR, "<volume><name>v</name><capacity>x</capacity><target/></volume>",
        VSTOR_VOL_PARSE_NO_CAPACITY, VSTOR_ERR_XML_ERROR, "XML error: malformed capacity element");
}

static void
test_bad_pool_type(void)
{
    g_autoptr(VstorVolDef) def = NULL;

    assert_parse_error(VSTOR_POOL_TYPE_LAST, backing_xml, 0, VSTOR_ERR_INTERNAL_ERROR,
                       "internal error: missing backend for pool type 14");
    assert_parse_error((VstorPoolType)-1, backing_xml, 0, VSTOR_ERR_INTERNAL_ERROR, NULL);
    def = parse_ok(VSTOR_POOL_DIR, "<volume><name>v</name><capacity>1</capacity></volume>", 0);
    g_assert_null(vstor_vol_def_format(VSTOR_POOL_TYPE_LAST, def));
}

/* Every pool type parses and formats, with a <format> exactly where libvirt writes one. */
static void
test_every_pool_type(void)
{
    for (int t = 0; t < VSTOR_POOL_TYPE_LAST; t++) {
        g_autoptr(VstorVolDef) def =
            parse_ok(t, "<volume><name>v</name><capacity>1</capacity><target/></volume>", 0);
        g_autofree char *xml = vstor_vol_def_format(t, def);
        gboolean has_formats = vstor_pool_caps_vol_formats(t) != NULL;

        g_assert_nonnull(xml);
        g_assert_cmpint(strstr(xml, "<format type=") != NULL, ==, has_formats);
    }
}

/* ---- hostile and odd documents ---------------------------------------------------------- */

static void
test_hostile(void)
{
    g_autoptr(GString) big = g_string_new("<volume><name>");
    g_autoptr(GString) deep = g_string_new("<volume><name>v</name><capacity>1</capacity>");

    /* Entities never expand: any DTD is refused before libxml2 sees it. */
    assert_parse_error(VSTOR_POOL_DIR,
                       "<?xml version='1.0'?><!DOCTYPE volume [<!ENTITY a 'aaaaaaaaaa'>"
                       "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
                       "<volume><name>&b;</name><capacity>1</capacity></volume>",
                       0, VSTOR_ERR_XML_ERROR, NULL);
    assert_parse_error(VSTOR_POOL_DIR,
                       "<!DOCTYPE volume [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
                       "<volume><name>&x;</name><capacity>1</capacity></volume>",
                       0, VSTOR_ERR_XML_ERROR, NULL);
    assert_parse_error(VSTOR_POOL_DIR,
                       "<!DOCTYPE volume SYSTEM 'http://example.com/v.dtd'>"
                       "<volume><name>v</name><capacity>1</capacity></volume>",
                       0, VSTOR_ERR_XML_ERROR, NULL);
    /* An undeclared entity is a syntax error, not a lookup. */
    assert_parse_error(VSTOR_POOL_DIR, "<volume><name>&x;</name><capacity>1</capacity></volume>", 0,
                       VSTOR_ERR_XML_DETAIL, NULL);
    assert_parse_error(VSTOR_POOL_DIR, "", 0, VSTOR_ERR_XML_DETAIL, NULL);
    assert_parse_error(VSTOR_POOL_DIR, "<volume><name>v</name>", 0, VSTOR_ERR_XML_DETAIL, NULL);
    assert_parse_error(VSTOR_POOL_DIR, "\xff\xfe<volume/>", 0, VSTOR_ERR_XML_DETAIL, NULL);
    assert_parse_error(VSTOR_POOL_DIR, "<volume><name>\xc3\x28</name></volume>", 0,
                       VSTOR_ERR_XML_DETAIL, NULL);
    assert_parse_error(VSTOR_POOL_DIR, "<volume><name>a&#1;b</name></volume>", 0,
                       VSTOR_ERR_XML_DETAIL, NULL);
    assert_parse_error(VSTOR_POOL_DIR, "<pool><name>v</name><capacity>1</capacity></pool>", 0,
                       VSTOR_ERR_XML_ERROR,
                       "XML error: expecting root element of 'volume', not 'pool'");

    while (big->len <= VSTOR_XML_MAX_SIZE)
        g_string_append(big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    g_string_append(big, "</name><capacity>1</capacity></volume>");
    assert_parse_error(VSTOR_POOL_DIR, big->str, 0, VSTOR_ERR_XML_ERROR, NULL);

    /* Nesting past libxml2's depth limit is a syntax error, not a stack overflow. */
    for (int i = 0; i < 5000; i++)
        g_string_append(deep, "<target>");
    for (int i = 0; i < 5000; i++)
        g_string_append(deep, "</target>");
    g_string_append(deep, "</volume>");
    assert_parse_error(VSTOR_POOL_DIR, deep->str, 0, VSTOR_ERR_XML_DETAIL, NULL);
}

static void
test_odd_but_fine(void)
{
    g_autoptr(VstorVolDef) a = NULL;
    g_autoptr(VstorVolDef) b = NULL;
    g_autoptr(VstorVolDef) c = NULL;
    g_autoptr(VstorVolDef) d = NULL;
    g_autofree char *xml = NULL;

    /* CDATA and comments are just text to XPath's string(). */
    a = parse_ok(VSTOR_POOL_DIR,
                 "<volume><name><![CDATA[a<b>]]><!-- c -->d</name><capacity>1</capacity>"
                 "<?pi data?></volume>",
                 0);
    g_assert_cmpstr(a->name, ==, "a<b>d");
    xml = vstor_vol_def_format(VSTOR_POOL_DIR, a);
    g_assert_nonnull(strstr(xml, "<name>a&lt;b&gt;d</name>"));

    /* libvirt matches the root by local name only. */
    b = parse_ok(VSTOR_POOL_DIR,
                 "<v:volume xmlns:v='urn:x'><name>v</name><capacity>1</capacity></v:volume>", 0);
    g_assert_cmpstr(b->name, ==, "v");

    /* XInclude is not processed: the include element is ignored like any unknown one. */
    c = parse_ok(VSTOR_POOL_DIR,
                 "<volume xmlns:xi='http://www.w3.org/2001/XInclude'><name>v</name>"
                 "<xi:include href='/etc/passwd' parse='text'/><capacity>1</capacity></volume>",
                 0);
    g_assert_cmpstr(c->name, ==, "v");

    /* Character references for tab and newline are kept. */
    d = parse_ok(VSTOR_POOL_DIR, "<volume><name>a&#9;b&#10;c</name><capacity>1</capacity></volume>",
                 0);
    g_assert_cmpstr(d->name, ==, "a\tb\nc");
}

/* ---- parse_node, name check, parsed values ---------------------------------------------- */

static void
test_parse_node(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vstor_xml_parse("<wrap><name>outer</name><volume><name>inner</name>"
                                            "<capacity>3</capacity></volume></wrap>",
                                            NULL, NULL, &err);
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *vol = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(VstorVolDef) none = NULL;

    g_assert_no_error(err);
    for (xmlNode *n = root->children; n; n = n->next)
        if (vstor_xml_is(n, "volume"))
            vol = n;
    g_assert_nonnull(vol);

    def = vstor_vol_def_parse_node(VSTOR_POOL_DIR, doc, vol, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(def->name, ==, "inner");
    g_assert_cmpuint(def->capacity, ==, 3);

    none = vstor_vol_def_parse_node(VSTOR_POOL_DIR, doc, root, 0, &err);
    g_assert_null(none);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_XML_ERROR);
    g_assert_cmpstr(err->message, ==, "XML error: expecting root element of 'volume', not 'wrap'");
}

static void
test_name_check(void)
{
    static const char *const control_names[] = {"a\nb", "a\tb", "\x1b[2J", "a\x7f"};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_vol_name_check("a.img", &err), ==, 0);
    g_assert_cmpint(vstor_vol_name_check("..", &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_vol_name_check("../a.img", &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_INVALID);
    g_assert_cmpstr(err->message, ==,
                    "Requested operation is not valid: volume name '../a.img' cannot contain '/'");
    /* vstor's own rule: control characters, which a pool's scan would not list */
    for (gsize i = 0; i < G_N_ELEMENTS(control_names); i++) {
        g_clear_error(&err);
        g_assert_cmpint(vstor_vol_name_check(control_names[i], &err), ==, -1);
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_XML_DETAIL);
        g_assert_nonnull(strstr(err->message, "invalid char in name"));
    }
}

static void
test_parsed_values(void)
{
    const char *src = test_libvirt_src();
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(VstorVolDef) def = NULL;
    g_autoptr(VstorEncryption) copy = NULL;
    const VstorEncryption *enc;
    const VstorEncryptionSecret *secret;
    char uuid[VSTOR_UUID_STRING_LEN];

    def = parse_ok(VSTOR_POOL_DIR,
                   "<volume><name>v</name><capacity unit='M'>1</capacity><target>"
                   "<format type='qcow2'/><nocow/><clusterSize unit='K'>64</clusterSize>"
                   "<features><extended_l2/></features></target></volume>",
                   0);
    g_assert_cmpint(def->type, ==, VSTOR_VOL_FILE);
    g_assert_cmpuint(def->capacity, ==, 1048576);
    g_assert_cmpuint(def->allocation, ==, 1048576);
    g_assert_false(def->has_allocation);
    g_assert_cmpint(def->target.format, ==, VSTOR_VOL_FORMAT_QCOW2);
    g_assert_true(def->target.nocow);
    g_assert_cmpuint(def->target.cluster_size, ==, 65536);
    g_assert_true(def->target.has_features);
    g_assert_cmpuint(def->target.features, ==, 1u << VSTOR_VOL_FEATURE_EXTENDED_L2);
    g_assert_cmpstr(def->target.compat, ==, "1.1");
    g_assert_null(def->target.timestamps);
    g_assert_cmpuint(def->extents->len, ==, 0);
    g_clear_pointer(&def, vstor_vol_def_free);

    if (!src)
        return;
    path = g_build_filename(src, "tests", "storagevolxml2xmlin", "vol-luks-cipher.xml", NULL);
    xml = test_read_file(path);
    def = parse_ok(VSTOR_POOL_DIR, xml, 0);
    enc = def->target.encryption;
    g_assert_nonnull(enc);
    g_assert_cmpint(enc->format, ==, VSTOR_ENCRYPTION_FORMAT_LUKS);
    g_assert_cmpint(enc->engine, ==, VSTOR_ENCRYPTION_ENGINE_DEFAULT);
    g_assert_cmpuint(enc->secrets->len, ==, 1);
    secret = g_ptr_array_index(enc->secrets, 0);
    g_assert_cmpint(secret->lookup, ==, VSTOR_SECRET_LOOKUP_UUID);
    vstor_uuid_format(secret->uuid, uuid);
    g_assert_cmpstr(uuid, ==, "f52a81b2-424e-490c-823d-6bd4235bc572");
    g_assert_cmpstr(enc->cipher_name, ==, "serpent");
    g_assert_cmpuint(enc->cipher_size, ==, 256);
    g_assert_cmpstr(enc->ivgen_hash, ==, "sha256");

    /* A copy is deep and formats the same. */
    copy = vstor_encryption_copy(enc);
    {
        VstorXmlWriter w1, w2;
        g_autofree char *s1 = NULL;
        g_autofree char *s2 = NULL;

        vstor_xml_writer_init(&w1);
        vstor_xml_writer_init(&w2);
        g_assert_cmpint(vstor_encryption_format(&w1, enc), ==, 0);
        g_clear_pointer(&def, vstor_vol_def_free);
        g_assert_cmpint(vstor_encryption_format(&w2, copy), ==, 0);
        s1 = vstor_xml_writer_finish(&w1);
        s2 = vstor_xml_writer_finish(&w2);
        g_assert_cmpstr(s1, ==, s2);
    }
}

/* ---- the fields only a refresh fills ---------------------------------------------------- */

static VstorVolDef *
refreshed_def(void)
{
    VstorVolDef *def = vstor_vol_def_new();

    def->type = VSTOR_VOL_BLOCK;
    def->name = g_strdup("lv'01");
    def->key = g_strdup("Abc-123");
    vstor_vol_def_add_extent(def, "/dev/sda2", 1048576, 2097152);
    vstor_vol_def_add_extent(def, "/dev/sda2", 4194304, 8388608);
    vstor_vol_def_add_extent(def, "/dev/sdb&c", 0, 512);
    vstor_vol_def_add_extent(def, "/dev/sda2", 9000000, 9000512);
    def->capacity = 5243392;
    def->allocation = 5243392;
    def->physical = 5300000;
    def->target.path = g_strdup("/dev/vg/lv'01");
    def->target.timestamps = g_new0(VstorVolTimestamps, 1);
    def->target.timestamps->atime = (VstorVolTimestamp){1341933637, 273190990};
    def->target.timestamps->mtime = (VstorVolTimestamp){1341930622, 0};
    def->target.timestamps->ctime = (VstorVolTimestamp){1341930622, 5};
    def->target.timestamps->btime = VSTOR_VOL_TIMESTAMP_UNSET;
    return def;
}

static void
test_format_refreshed(void)
{
    g_autoptr(VstorVolDef) def = refreshed_def();
    g_autoptr(VstorVolDef) back = NULL;
    g_autofree char *xml = vstor_vol_def_format(VSTOR_POOL_LOGICAL, def);
    g_autofree char *golden =
        g_build_filename(test_source_root(), "tests", "data", "vol", "format-refreshed.xml", NULL);
    g_autofree char *msg = NULL;
    g_autofree char *again = NULL;

    g_assert_nonnull(xml);
    test_compare_to_file(xml, golden);
    if (test_libvirt_src() && !test_validate_schema(xml, "storagevol.rng", &msg))
        g_test_fail_printf("format-refreshed.xml does not validate: %s", msg);

    /* Reading it back drops what libvirt never reads: extents, physical, timestamps. */
    back = parse_ok(VSTOR_POOL_LOGICAL, xml, 0);
    g_assert_cmpuint(back->extents->len, ==, 0);
    g_assert_cmpuint(back->physical, ==, 0);
    g_assert_null(back->target.timestamps);
    again = vstor_vol_def_format(VSTOR_POOL_LOGICAL, back);
    g_assert_null(strstr(again, "<source>"));
    g_assert_null(strstr(again, "<timestamps>"));
}

static void
test_format_out_of_range(void)
{
    g_autoptr(VstorVolDef) def = refreshed_def();

    def->type = VSTOR_VOL_TYPE_LAST;
    g_assert_null(vstor_vol_def_format(VSTOR_POOL_DIR, def));
    def->type = VSTOR_VOL_FILE;
    def->target.format = VSTOR_VOL_FORMAT_LAST;
    g_assert_null(vstor_vol_def_format(VSTOR_POOL_DIR, def));
    /* A file format number beyond the partition table. */
    def->target.format = VSTOR_VOL_FORMAT_QCOW2;
    g_assert_null(vstor_vol_def_format(VSTOR_POOL_DISK, def));
    g_autofree char *logical = vstor_vol_def_format(VSTOR_POOL_LOGICAL, def);
    g_assert_nonnull(logical);

    def->target.format = VSTOR_VOL_FORMAT_RAW;
    def->target.encryption = vstor_encryption_new();
    def->target.encryption->format = VSTOR_ENCRYPTION_FORMAT_LAST;
    g_assert_null(vstor_vol_def_format(VSTOR_POOL_DIR, def));
    def->target.encryption->format = VSTOR_ENCRYPTION_FORMAT_LUKS;
    def->target.encryption->engine = VSTOR_ENCRYPTION_ENGINE_LAST;
    g_assert_null(vstor_vol_def_format(VSTOR_POOL_DIR, def));
    def->target.encryption->engine = VSTOR_ENCRYPTION_ENGINE_QEMU;
    g_autofree char *ok = vstor_vol_def_format(VSTOR_POOL_DIR, def);
    g_assert_nonnull(strstr(ok, "<encryption format='luks' engine='qemu'>\n"));

    vstor_vol_def_free(NULL);
    vstor_encryption_free(NULL);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vol-conf/flags", test_flags);
    g_test_add_func("/vol-conf/bad-pool-type", test_bad_pool_type);
    g_test_add_func("/vol-conf/every-pool-type", test_every_pool_type);
    g_test_add_func("/vol-conf/hostile", test_hostile);
    g_test_add_func("/vol-conf/odd-but-fine", test_odd_but_fine);
    g_test_add_func("/vol-conf/parse-node", test_parse_node);
    g_test_add_func("/vol-conf/name-check", test_name_check);
    g_test_add_func("/vol-conf/parsed-values", test_parsed_values);
    g_test_add_func("/vol-conf/format-refreshed", test_format_refreshed);
    g_test_add_func("/vol-conf/format-out-of-range", test_format_out_of_range);
    golden_register(keep);
    return g_test_run();
}
