/* test-pool-conf.c: vstor's own pool XML cases beyond libvirt's corpus: every rule's error
 * (code and text), edge cases that parse, hostile input, UUIDs, source strings and lists. */

/* Expectations live in tests/data/pool/ (bad/, source-bad/: NAME.xml + NAME.err holding the
 * code name on line 1 and the exact message after it; good/: NAME.xml + NAME.out). All were
 * checked against libvirt 9.0.0 (virsh -c test:///default) by tests/data/pool/check-oracle.sh,
 * except what that script lists as impossible to check there: bad/ns-* (namespace options;
 * texts from storage_backend_{fs,rbd}.c), hostile DTD inputs (vstor refuses DTDs in its own
 * words: code only) and the namespace elements of good/ outputs. Inline expectations below
 * say where they come from. */
#include <string.h>

#include "testutil.h"
#include "conf/pool_conf.h"
#include "util/error.h"

static char *
data_path(const char *dir, const char *name, const char *ext)
{
    g_autofree char *file = g_strconcat(name, ext, NULL);

    return g_build_filename(test_source_root(), "tests", "data", "pool", dir, file, NULL);
}

/* Checks @err against an .err file: code name on the first line, then the message (none:
 * the code alone is checked). */
static void
assert_error_file(const GError *err, const char *err_path)
{
    g_autofree char *expected = test_read_file(err_path);
    char *message = strchr(expected, '\n');
    const char *code_name;

    g_assert_nonnull(err);
    g_assert_true(err->domain == VSTOR_ERROR);
    g_assert_nonnull(message);
    *message++ = '\0';
    code_name = vstor_error_code_name(err->code);
    g_assert_cmpstr(code_name, ==, expected);
    if (*message) {
        g_assert_true(g_str_has_suffix(message, "\n"));
        message[strlen(message) - 1] = '\0';
        g_assert_cmpstr(err->message, ==, message);
    }
}

static void
test_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *xml_path = data_path("bad", name, ".xml");
    g_autofree char *err_path = data_path("bad", name, ".err");
    g_autofree char *xml = test_read_file(xml_path);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, &err);

    g_assert_null(def);
    assert_error_file(err, err_path);
}

static void
test_source_bad(gconstpointer data)
{
    const char *name = data;
    g_autofree char *xml_path = data_path("source-bad", name, ".xml");
    g_autofree char *err_path = data_path("source-bad", name, ".err");
    g_autofree char *xml = test_read_file(xml_path);
    g_autofree char *type_name = g_strndup(name, strstr(name, "--") - name);
    int type = vstor_pool_type_from_string(type_name);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolSource) source = NULL;

    g_assert_cmpint(type, >=, 0);
    source = vstor_pool_source_parse_string(xml, type, &err);
    g_assert_null(source);
    assert_error_file(err, err_path);
}

/* good/NAME.xml parses, formats to NAME.out, and NAME.out is a fixed point. */
static void
test_good(gconstpointer data)
{
    const char *name = data;
    g_autofree char *xml_path = data_path("good", name, ".xml");
    g_autofree char *out_path = data_path("good", name, ".out");
    g_autofree char *xml = test_read_file(xml_path);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, &err);
    g_autoptr(VstorPoolDef) again = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *reformatted = NULL;

    g_assert_no_error(err);
    actual = vstor_pool_def_format(def);
    test_compare_to_file(actual, out_path);
    again = vstor_pool_def_parse(actual, 0, &err);
    g_assert_no_error(err);
    reformatted = vstor_pool_def_format(again);
    g_assert_cmpstr(reformatted, ==, actual);
}

static const char dir_pool_no_uuid[] = "<pool type='dir'>\n"
                                       "  <name>gen</name>\n"
                                       "  <target>\n"
                                       "    <path>/var/lib/gen</path>\n"
                                       "  </target>\n"
                                       "</pool>\n";

static void
test_uuid_generated(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) a = vstor_pool_def_parse(dir_pool_no_uuid, 0, &err);
    g_autoptr(VstorPoolDef) b = vstor_pool_def_parse(dir_pool_no_uuid, 0, &err);
    g_autoptr(VstorPoolDef) again = NULL;
    static const guint8 zero[VSTOR_UUID_LEN] = {0};
    g_autofree char *text = NULL;

    g_assert_no_error(err);
    g_assert_true(memcmp(a->uuid, zero, VSTOR_UUID_LEN) != 0);
    g_assert_true(memcmp(a->uuid, b->uuid, VSTOR_UUID_LEN) != 0);
    g_assert_cmpuint(a->uuid[6] >> 4, ==, 4); /* a random (version 4) UUID */

    /* Once formatted the UUID is part of the definition and survives a round trip. */
    text = vstor_pool_def_format(a);
    again = vstor_pool_def_parse(text, 0, &err);
    g_assert_no_error(err);
    g_assert_true(memcmp(a->uuid, again->uuid, VSTOR_UUID_LEN) == 0);
}

static void
test_flags_rejected(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(dir_pool_no_uuid, 1u << 3, &err);

    g_assert_null(def);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
}

/* libvirt's storage driver refuses a newline in the name on pool-define only (not in the
 * parser, not on pool-create); its text is virXMLCheckIllegalChars'. The test driver skips
 * this check, so it is not oracle-checked. */
static void
test_name_newline(void)
{
    static const char xml[] = "<pool type='dir'>\n"
                              "  <name>two\nlines</name>\n"
                              "  <target>\n"
                              "    <path>/tmp</path>\n"
                              "  </target>\n"
                              "</pool>\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(def->name, ==, "two\nlines");
    g_assert_cmpint(vstor_pool_def_check_define(def, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_XML_DETAIL);
    g_assert_cmpstr(err->message, ==, "invalid char in name: \n");
    g_clear_error(&err);

    g_clear_pointer(&def, vstor_pool_def_free);
    def = vstor_pool_def_parse(dir_pool_no_uuid, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_pool_def_check_define(def, &err), ==, 0);
    g_assert_no_error(err);
}

static void
test_parse_node(void)
{
    static const char wrapped[] = "<pools>\n"
                                  "  <pool type='mpath'>\n"
                                  "    <name>inner</name>\n"
                                  "    <target><path>/dev/mapper</path></target>\n"
                                  "  </pool>\n"
                                  "</pools>\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = vstor_xml_parse(wrapped, "(test)", NULL, &err);
    xmlNode *root;
    g_autoptr(VstorPoolDef) def = NULL;

    g_assert_no_error(err);
    root = xmlDocGetRootElement(doc);
    def = vstor_pool_def_parse_node(doc, root, &err);
    g_assert_null(def);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_XML_ERROR);
    g_assert_cmpstr(err->message, ==, "XML error: expecting root element of 'pool', not 'pools'");
    g_clear_error(&err);

    /* A <pool> inside another document: XPath stays relative to it. */
    for (root = root->children; root && !vstor_xml_is(root, "pool"); root = root->next)
        ;
    def = vstor_pool_def_parse_node(doc, root, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(def->name, ==, "inner");
    g_assert_cmpint(def->type, ==, VSTOR_POOL_MPATH);
    g_assert_cmpstr(def->target_path, ==, "/dev/mapper");
}

static void
expect_parse_error(const char *xml, int code)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, &err);

    g_assert_null(def);
    g_assert_error(err, VSTOR_ERROR, code);
}

/* Hostile input the files in bad/ cannot hold: too big, too deep, NUL bytes are beyond text. */
static void
test_hostile_generated(void)
{
    g_autoptr(GString) big = g_string_new("<pool type='dir'><name>");
    g_autoptr(GString) deep = g_string_new("<pool type='dir'><name>deep</name>");

    while (big->len <= VSTOR_XML_MAX_SIZE)
        g_string_append(big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    g_string_append(big, "</name><target><path>/x</path></target></pool>");
    expect_parse_error(big->str, VSTOR_ERR_XML_ERROR);

    /* Far deeper than libxml2's default limit, which must stay in force. */
    for (int i = 0; i < 100000; i++)
        g_string_append(deep, "<a>");
    expect_parse_error(deep->str, VSTOR_ERR_XML_DETAIL);
}

/* The same rules hold for a definition built in memory and formatted directly: the driver
 * fills sizes and a disk backend fills free extents, which parsing never reads. Expected text
 * follows libvirt's virStoragePoolDefFormat (freeExtent as in storagepoolxml2xmlin/pool-disk). */
static void
test_format_live(void)
{
    static const char expected[] = "<pool type='disk'>\n"
                                   "  <name>sda</name>\n"
                                   "  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>\n"
                                   "  <capacity unit='bytes'>100027630080</capacity>\n"
                                   "  <allocation unit='bytes'>100027597824</allocation>\n"
                                   "  <available unit='bytes'>32256</available>\n"
                                   "  <source>\n"
                                   "    <device path='/dev/sda'>\n"
                                   "      <freeExtent start='370137600' end='567544320'/>\n"
                                   "      <freeExtent start='987033600' end='1044610560'/>\n"
                                   "    </device>\n"
                                   "    <format type='dos'/>\n"
                                   "  </source>\n"
                                   "  <target>\n"
                                   "    <path>/dev</path>\n"
                                   "  </target>\n"
                                   "</pool>\n";
    static const char input[] = "<pool type='disk'>\n"
                                "  <name>sda</name>\n"
                                "  <uuid>3e3fce45-4f53-4fa7-bb32-11f34168b82b</uuid>\n"
                                "  <source>\n"
                                "    <device path='/dev/sda'/>\n"
                                "    <format type='dos'/>\n"
                                "  </source>\n"
                                "  <target>\n"
                                "    <path>/dev</path>\n"
                                "  </target>\n"
                                "</pool>\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(input, 0, &err);
    g_autofree char *text = NULL;
    VstorPoolDevice *dev;

    g_assert_no_error(err);
    def->capacity = 100027630080ULL;
    def->allocation = 100027597824ULL;
    def->available = 32256;
    dev = &def->source.devices[0];
    dev->free_extents = g_new0(VstorPoolExtent, 2);
    dev->free_extents[0] = (VstorPoolExtent){370137600, 567544320};
    dev->free_extents[1] = (VstorPoolExtent){987033600, 1044610560};
    dev->n_free_extents = 2;
    text = vstor_pool_def_format(def);
    g_assert_cmpstr(text, ==, expected);
}

/* A source string for netfs, as find-storage-pool-sources takes it; the list a backend makes
 * from it formats exactly as the test driver's answer (oracle: virsh -c test:///default
 * find-storage-pool-sources netfs FILE, which prints this very text for host nfs.example.com). */
static void
test_source_list_netfs(void)
{
    static const char spec[] = "<source>\n"
                               "  <host name='nfs.example.com'/>\n"
                               "</source>\n";
    static const char expected[] = "<sources>\n"
                                   "  <source>\n"
                                   "    <host name='nfs.example.com'/>\n"
                                   "    <dir path='/testshare'/>\n"
                                   "    <format type='nfs'/>\n"
                                   "  </source>\n"
                                   "</sources>\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolSource) query = vstor_pool_source_parse_string(spec, VSTOR_POOL_NETFS, &err);
    g_autoptr(VstorPoolSourceList) list = vstor_pool_source_list_new(VSTOR_POOL_NETFS);
    VstorPoolSource *found;
    g_autofree char *text = NULL;

    g_assert_no_error(err);
    g_assert_cmpuint(query->n_hosts, ==, 1);
    g_assert_cmpstr(query->hosts[0].name, ==, "nfs.example.com");
    g_assert_cmpint(query->format, ==, 0); /* "auto", the netfs default */
    g_assert_null(query->dir);

    found = vstor_pool_source_list_add(list);
    vstor_pool_source_add_host(found, query->hosts[0].name, 0);
    found->dir = g_strdup("/testshare");
    found->format =
        vstor_enum_from_string(vstor_pool_caps(VSTOR_POOL_NETFS)->source_formats, "nfs");
    text = vstor_pool_source_list_format(list);
    g_assert_cmpstr(text, ==, expected);
}

/* Oracle: virsh -c test:///default find-storage-pool-sources logical. */
static void
test_source_list_logical(void)
{
    static const char expected[] = "<sources>\n"
                                   "  <source>\n"
                                   "    <device path='/dev/sda20'/>\n"
                                   "    <name>testvg1</name>\n"
                                   "    <format type='lvm2'/>\n"
                                   "  </source>\n"
                                   "  <source>\n"
                                   "    <device path='/dev/sda21'/>\n"
                                   "    <name>testvg2</name>\n"
                                   "    <format type='lvm2'/>\n"
                                   "  </source>\n"
                                   "</sources>\n";
    g_autoptr(VstorPoolSourceList) list = vstor_pool_source_list_new(VSTOR_POOL_LOGICAL);
    g_autoptr(VstorPoolSourceList) empty = vstor_pool_source_list_new(VSTOR_POOL_ISCSI);
    g_autofree char *text = NULL;
    g_autofree char *empty_text = NULL;

    for (int i = 0; i < 2; i++) {
        VstorPoolSource *source = vstor_pool_source_list_add(list);

        g_assert_cmpint(source->format, ==, 0);
        vstor_pool_source_add_device(source, i == 0 ? "/dev/sda20" : "/dev/sda21");
        source->name = g_strdup_printf("testvg%d", i + 1);
        source->format = 1; /* lvm2 */
    }
    text = vstor_pool_source_list_format(list);
    g_assert_cmpstr(text, ==, expected);

    empty_text = vstor_pool_source_list_format(empty);
    g_assert_cmpstr(empty_text, ==, "<sources>\n</sources>\n");
}

/* Source strings are read with the pool type's rules: rbd's mandatory name, gluster's "/"
 * default dir, per-type formats; elements the type does not take are read but not written. */
static void
test_source_string(void)
{
    static const char gluster[] = "<source>\n"
                                  "  <host name='g.example.com' port='24007'/>\n"
                                  "  <name>vol</name>\n"
                                  "</source>\n";
    static const char gluster_list[] = "<sources>\n"
                                       "  <source>\n"
                                       "    <host name='g.example.com' port='24007'/>\n"
                                       "    <dir path='/'/>\n"
                                       "    <name>vol</name>\n"
                                       "  </source>\n"
                                       "</sources>\n";
    static const char iscsi[] = "<source>\n"
                                "  <host name='t.example.com'/>\n"
                                "  <initiator><iqn name='iqn.2013-06.com.example:i'/></initiator>\n"
                                "  <auth type='chap' username='u'><secret usage='s'/></auth>\n"
                                "  <dir path='/not/for/iscsi'/>\n"
                                "</source>\n";
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorPoolSource) src =
        vstor_pool_source_parse_string(gluster, VSTOR_POOL_GLUSTER, &err);
    g_autoptr(VstorPoolSourceList) list = vstor_pool_source_list_new(VSTOR_POOL_GLUSTER);
    g_autofree char *text = NULL;

    g_assert_no_error(err);
    g_assert_cmpstr(src->dir, ==, "/");
    g_assert_cmpstr(src->name, ==, "vol");
    g_assert_cmpint(src->hosts[0].port, ==, 24007);
    g_ptr_array_add(list->sources, g_steal_pointer(&src));
    text = vstor_pool_source_list_format(list);
    g_assert_cmpstr(text, ==, gluster_list);

    src = vstor_pool_source_parse_string(iscsi, VSTOR_POOL_ISCSI, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(src->initiator_iqn, ==, "iqn.2013-06.com.example:i");
    g_assert_cmpint(src->auth->type, ==, VSTOR_POOL_AUTH_CHAP);
    g_assert_cmpstr(src->auth->secret_usage, ==, "s");
    g_assert_cmpstr(src->dir, ==, "/not/for/iscsi");
}

/* Every type accepts a minimal definition, and what it writes parses back to itself. */
static void
test_every_type_minimal(void)
{
    static const char *const bodies[VSTOR_POOL_TYPE_LAST] = {
        [VSTOR_POOL_DIR] = "",
        [VSTOR_POOL_FS] = "<source><device path='/dev/sdb1'/></source>",
        [VSTOR_POOL_NETFS] = "<source><host name='h'/><dir path='/e'/></source>",
        [VSTOR_POOL_LOGICAL] = "",
        [VSTOR_POOL_DISK] = "<source><device path='/dev/sdb'/></source>",
        [VSTOR_POOL_ISCSI] = "<source><host name='h'/></source>",
        [VSTOR_POOL_ISCSI_DIRECT] =
            "<source><host name='h'/><initiator><iqn name='i'/></initiator></source>",
        [VSTOR_POOL_SCSI] = "<source><adapter name='host0'/></source>",
        [VSTOR_POOL_MPATH] = "",
        [VSTOR_POOL_RBD] = "<source><host name='h'/><name>r</name></source>",
        [VSTOR_POOL_SHEEPDOG] = "<source><host name='h'/></source>",
        [VSTOR_POOL_GLUSTER] = "<source><host name='h'/></source>",
        [VSTOR_POOL_ZFS] = "",
        [VSTOR_POOL_VSTORAGE] = "",
    };

    for (int t = 0; t < VSTOR_POOL_TYPE_LAST; t++) {
        g_autofree char *xml = g_strdup_printf(
            "<pool type='%s'><name>m</name>%s<target><path>/t</path></target></pool>",
            vstor_pool_type_to_string(t), bodies[t]);
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, &err);
        g_autoptr(VstorPoolDef) again = NULL;
        g_autofree char *text = NULL;
        g_autofree char *text2 = NULL;

        g_assert_no_error(err);
        g_assert_cmpint(def->type, ==, t);
        text = vstor_pool_def_format(def);
        again = vstor_pool_def_parse(text, 0, &err);
        g_assert_no_error(err);
        text2 = vstor_pool_def_format(again);
        g_assert_cmpstr(text, ==, text2);
        /* Only network pools go without a target. */
        g_assert_cmpint(def->target_path == NULL, ==,
                        (vstor_pool_caps(t)->source_flags & VSTOR_SOURCE_NETWORK) != 0);
    }
}

static void
test_free_null(void)
{
    vstor_pool_def_free(NULL);
    vstor_pool_source_free(NULL);
    vstor_pool_source_list_free(NULL);
    vstor_pool_auth_free(NULL);
    vstor_pool_source_clear(NULL);
}

static void
add_file_tests(const char *dir, const char *prefix, GTestDataFunc func, GPtrArray *keep)
{
    g_autofree char *path =
        g_build_filename(test_source_root(), "tests", "data", "pool", dir, NULL);
    GPtrArray *names = test_list_xml(path);

    g_assert_cmpuint(names->len, >, 0);
    g_ptr_array_add(keep, names);
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *test = g_strconcat(prefix, name, NULL);

        g_test_add_data_func(test, name, func);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);

    g_test_init(&argc, &argv, NULL);
    add_file_tests("bad", "/pool-conf/bad/", test_bad, keep);
    add_file_tests("source-bad", "/pool-conf/source-bad/", test_source_bad, keep);
    add_file_tests("good", "/pool-conf/good/", test_good, keep);
    g_test_add_func("/pool-conf/uuid-generated", test_uuid_generated);
    g_test_add_func("/pool-conf/flags-rejected", test_flags_rejected);
    g_test_add_func("/pool-conf/name-newline", test_name_newline);
    g_test_add_func("/pool-conf/parse-node", test_parse_node);
    g_test_add_func("/pool-conf/hostile-generated", test_hostile_generated);
    g_test_add_func("/pool-conf/format-live", test_format_live);
    g_test_add_func("/pool-conf/source-list-netfs", test_source_list_netfs);
    g_test_add_func("/pool-conf/source-list-logical", test_source_list_logical);
    g_test_add_func("/pool-conf/source-string", test_source_string);
    g_test_add_func("/pool-conf/every-type-minimal", test_every_type_minimal);
    g_test_add_func("/pool-conf/free-null", test_free_null);
    return g_test_run();
}
