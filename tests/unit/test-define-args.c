/* test-define-args.c: pool-define-as / vol-create-as argument sets to XML (src/conf/define_args)
 * — where each option lands, virsh's silent rules, size units and errors. */
#include <string.h>

#include "conf/define_args.h"
#include "testutil.h"
#include "util/error.h"

static char *
pool_xml(const VstorPoolArgs *args)
{
    g_autoptr(GError) err = NULL;
    char *xml = vstor_pool_args_format(args, 0, &err);

    g_assert_no_error(err);
    g_assert_nonnull(xml);
    return xml;
}

typedef struct {
    const char *option;
    const char *value;
    const char *element; /* the line it must produce, indentation included */
} OptionCase;

/* Each option alone (with name and type) and the one line it must bring. */
static void
test_pool_each_option(void)
{
    static const OptionCase cases[] = {
        {"source-host", "nfs.example.com", "    <host name='nfs.example.com'/>\n"},
        {"source-path", "/export", "    <dir path='/export'/>\n"},
        {"source-dev", "/dev/sdb", "    <device path='/dev/sdb'/>\n"},
        {"source-name", "vg0", "    <name>vg0</name>\n"},
        {"source-format", "lvm2", "    <format type='lvm2'/>\n"},
        {"target", "/var/lib/images", "    <path>/var/lib/images</path>\n"},
        {"source-initiator", "iqn.2023-01.com.example:host",
         "    <initiator>\n      <iqn name='iqn.2023-01.com.example:host'/>\n"
         "    </initiator>\n"},
        {"adapter-name", "scsi_host3", "    <adapter type='scsi_host' name='scsi_host3'/>\n"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VstorPoolArgs args = {.name = "p", .type = "dir"};
        g_autofree char *xml = NULL;

        g_assert_cmpint(vstor_pool_args_set(&args, cases[i].option, cases[i].value, NULL), ==, 0);
        xml = pool_xml(&args);
        if (!strstr(xml, cases[i].element))
            g_error("--%s: '%s' not in:\n%s", cases[i].option, cases[i].element, xml);
        g_assert_true(g_str_has_prefix(xml, "<pool type='dir'>\n  <name>p</name>\n"));
        g_assert_true(g_str_has_suffix(xml, "</pool>\n"));
    }
}

static void
test_pool_minimal(void)
{
    VstorPoolArgs args = {.name = "p", .type = "dir"};
    g_autofree char *xml = pool_xml(&args);

    g_assert_cmpstr(xml, ==, "<pool type='dir'>\n  <name>p</name>\n</pool>\n");
}

static void
test_pool_full_netfs(void)
{
    VstorPoolArgs args = {
        .name = "nfs1",
        .type = "netfs",
        .source_host = "h1:2049",
        .source_path = "/exp",
        .source_format = "nfs",
        .source_protocol_ver = "4",
        .target = "/mnt",
    };
    g_autofree char *xml = pool_xml(&args);

    /* host:port stays whole: virsh 9.0.0 does not split it into name and port. */
    g_assert_cmpstr(xml, ==,
                    "<pool type='netfs'>\n"
                    "  <name>nfs1</name>\n"
                    "  <source>\n"
                    "    <host name='h1:2049'/>\n"
                    "    <dir path='/exp'/>\n"
                    "    <format type='nfs'/>\n"
                    "    <protocol ver='4'/>\n"
                    "  </source>\n"
                    "  <target>\n"
                    "    <path>/mnt</path>\n"
                    "  </target>\n"
                    "</pool>\n");
}

/* The <source> children come in virsh's order whatever order the options came in. */
static void
test_pool_source_order(void)
{
    VstorPoolArgs args = {
        .name = "all",
        .type = "iscsi",
        .source_host = "h",
        .source_path = "/p",
        .source_dev = "/d",
        .source_initiator = "iqn.x",
        .adapter_name = "scsi_host1",
        .auth_type = "chap",
        .auth_username = "u",
        .secret_usage = "s",
        .source_format = "f",
        .source_name = "n",
        .source_protocol_ver = "3",
    };
    g_autofree char *xml = pool_xml(&args);

    g_assert_cmpstr(xml, ==,
                    "<pool type='iscsi'>\n"
                    "  <name>all</name>\n"
                    "  <source>\n"
                    "    <host name='h'/>\n"
                    "    <dir path='/p'/>\n"
                    "    <device path='/d'/>\n"
                    "    <initiator>\n"
                    "      <iqn name='iqn.x'/>\n"
                    "    </initiator>\n"
                    "    <adapter type='scsi_host' name='scsi_host1'/>\n"
                    "    <auth type='chap' username='u'>\n"
                    "      <secret usage='s'/>\n"
                    "    </auth>\n"
                    "    <format type='f'/>\n"
                    "    <name>n</name>\n"
                    "    <protocol ver='3'/>\n"
                    "  </source>\n"
                    "</pool>\n");
}

/* Options that never open <source> on their own are dropped when alone. */
static void
test_pool_no_source(void)
{
    VstorPoolArgs only_proto = {.name = "p", .type = "netfs", .source_protocol_ver = "4"};
    VstorPoolArgs only_auth = {.name = "p",
                               .type = "rbd",
                               .auth_type = "ceph",
                               .auth_username = "admin",
                               .secret_uuid = "u"};
    VstorPoolArgs only_wwnn = {
        .name = "p", .type = "scsi", .adapter_wwnn = "1", .adapter_parent = "scsi_host0"};
    const VstorPoolArgs *all[] = {&only_proto, &only_auth, &only_wwnn};

    for (size_t i = 0; i < G_N_ELEMENTS(all); i++) {
        g_autofree char *xml = pool_xml(all[i]);

        g_assert_null(strstr(xml, "<source>"));
    }
}

typedef struct {
    const char *type, *user, *usage, *uuid;
    const char *expect; /* the <auth> block, or NULL when none may appear */
} AuthCase;

static void
test_pool_auth(void)
{
    static const AuthCase cases[] = {
        {"chap", "u", "iscsi-secret", NULL,
         "    <auth type='chap' username='u'>\n      <secret usage='iscsi-secret'/>\n"
         "    </auth>\n"},
        {"ceph", "admin", NULL, "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87",
         "    <auth type='ceph' username='admin'>\n"
         "      <secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/>\n    </auth>\n"},
        {NULL, "u", "s", NULL, NULL},
        {"chap", NULL, "s", NULL, NULL},
        {"chap", "u", NULL, NULL, NULL},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        VstorPoolArgs args = {.name = "p",
                              .type = "iscsi",
                              .source_host = "h",
                              .auth_type = cases[i].type,
                              .auth_username = cases[i].user,
                              .secret_usage = cases[i].usage,
                              .secret_uuid = cases[i].uuid};
        g_autofree char *xml = pool_xml(&args);

        if (cases[i].expect)
            g_assert_nonnull(strstr(xml, cases[i].expect));
        else
            g_assert_null(strstr(xml, "<auth"));
    }
}

static void
test_pool_secret_exclusive(void)
{
    VstorPoolArgs args = {.name = "p",
                          .type = "rbd",
                          .auth_type = "ceph",
                          .auth_username = "a",
                          .secret_usage = "s",
                          .secret_uuid = "u"};
    g_autoptr(GError) err = NULL;

    g_assert_null(vstor_pool_args_format(&args, 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==,
                    "invalid argument: Options --secret-usage and --secret-uuid are mutually "
                    "exclusive");
}

typedef struct {
    const char *name, *wwnn, *wwpn, *parent, *pwwnn, *pwwpn, *fabric;
    const char *expect; /* the <adapter> line, or NULL when none may appear */
} AdapterCase;

static void
test_pool_adapters(void)
{
    static const AdapterCase cases[] = {
        {"scsi_host2", NULL, NULL, NULL, NULL, NULL, NULL,
         "<adapter type='scsi_host' name='scsi_host2'/>"},
        {NULL, "20000000c9831b4b", "10000000c9831b4b", NULL, NULL, NULL, NULL,
         "<adapter type='fc_host' wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/>"},
        {NULL, "A", "B", "scsi_host5", NULL, NULL, NULL,
         "<adapter type='fc_host' parent='scsi_host5' wwnn='A' wwpn='B'/>"},
        {NULL, "A", "B", NULL, "PN", "PP", NULL,
         "<adapter type='fc_host' parent_wwnn='PN' parent_wwpn='PP' wwnn='A' wwpn='B'/>"},
        {NULL, "A", "B", NULL, NULL, NULL, "FAB",
         "<adapter type='fc_host' parent_fabric_wwn='FAB' wwnn='A' wwpn='B'/>"},
        /* parent wins over the others; a lone parent wwnn is not enough. */
        {NULL, "A", "B", "scsi_host5", "PN", "PP", "FAB",
         "<adapter type='fc_host' parent='scsi_host5' wwnn='A' wwpn='B'/>"},
        {NULL, "A", "B", NULL, "PN", NULL, "FAB",
         "<adapter type='fc_host' parent_fabric_wwn='FAB' wwnn='A' wwpn='B'/>"},
        {NULL, "A", "B", NULL, "PN", NULL, NULL, "<adapter type='fc_host' wwnn='A' wwpn='B'/>"},
        /* fc_host needs both names; otherwise the scsi_host name, if any, is used. */
        {"scsi_host1", "A", NULL, NULL, NULL, NULL, NULL,
         "<adapter type='scsi_host' name='scsi_host1'/>"},
        {"scsi_host1", "A", "B", NULL, NULL, NULL, NULL,
         "<adapter type='fc_host' wwnn='A' wwpn='B'/>"},
        {NULL, NULL, "B", "scsi_host5", NULL, NULL, NULL, NULL},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const AdapterCase *c = &cases[i];
        VstorPoolArgs args = {.name = "p",
                              .type = "scsi",
                              .target = "/dev/disk/by-path",
                              .adapter_name = c->name,
                              .adapter_wwnn = c->wwnn,
                              .adapter_wwpn = c->wwpn,
                              .adapter_parent = c->parent,
                              .adapter_parent_wwnn = c->pwwnn,
                              .adapter_parent_wwpn = c->pwwpn,
                              .adapter_parent_fabric_wwn = c->fabric};
        g_autofree char *xml = pool_xml(&args);
        g_autofree char *line = c->expect ? g_strdup_printf("    %s\n", c->expect) : NULL;

        if (line && !strstr(xml, line))
            g_error("case %zu: '%s' not in:\n%s", i, c->expect, xml);
        if (!line)
            g_assert_null(strstr(xml, "<adapter"));
    }
}

static void
test_pool_set_get(void)
{
    VstorPoolArgs args = {0};
    g_autoptr(GError) err = NULL;
    guint n = 0;

    for (const char *const *o = vstor_pool_args_options; *o; o++, n++) {
        g_assert_cmpint(vstor_pool_args_set(&args, *o, *o, NULL), ==, 0);
        g_assert_cmpstr(vstor_pool_args_get(&args, *o), ==, *o);
    }
    g_assert_cmpuint(n, ==, 21);
    /* virsh reads source-format before target, unlike its option table. */
    g_assert_cmpstr(vstor_pool_args_options[6], ==, "source-format");
    g_assert_cmpstr(vstor_pool_args_options[7], ==, "target");
    g_assert_cmpstr(args.adapter_parent_fabric_wwn, ==, "adapter-parent-fabric-wwn");
    g_assert_cmpstr(args.source_initiator, ==, "source-initiator");

    g_assert_cmpint(vstor_pool_args_set(&args, "print-xml", "x", &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_null(vstor_pool_args_get(&args, "nope"));
    g_assert_cmpint(vstor_pool_args_set(&args, "target", NULL, NULL), ==, 0);
    g_assert_null(args.target);
}

static void
test_pool_errors(void)
{
    VstorPoolArgs no_type = {.name = "p"};
    VstorPoolArgs no_name = {.type = "dir"};
    VstorPoolArgs ok = {.name = "p", .type = "dir"};
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;

    g_assert_null(vstor_pool_args_format(&no_type, 0, &e1));
    g_assert_error(e1, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_null(vstor_pool_args_format(&no_name, 0, &e2));
    g_assert_error(e2, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_null(vstor_pool_args_format(&ok, 1u << 7, &e3));
    g_assert_error(e3, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
}

/* Raw by default, as virsh; escaped on request, for XML that must parse. */
static void
test_pool_escape(void)
{
    VstorPoolArgs args = {.name = "a&b", .type = "dir", .target = "/x<y>", .source_host = "it's"};
    g_autofree char *raw = pool_xml(&args);
    g_autofree char *esc = vstor_pool_args_format(&args, VSTOR_ARGS_XML_ESCAPE, NULL);

    g_assert_nonnull(strstr(raw, "<name>a&b</name>"));
    g_assert_nonnull(strstr(raw, "<host name='it's'/>"));
    g_assert_nonnull(strstr(esc, "<name>a&amp;b</name>"));
    g_assert_nonnull(strstr(esc, "<path>/x&lt;y&gt;</path>"));
    g_assert_nonnull(strstr(esc, "<host name='it&apos;s'/>"));
}

typedef struct {
    const char *str;
    guint64 bytes;
    int code; /* 0: success */
    const char *message; /* for errors: what virsh prints after its first "error: " */
} SizeCase;

static void
test_vol_sizes(void)
{
    static const SizeCase cases[] = {
        {"0", 0, 0, NULL},
        {"4096", 4096, 0, NULL},
        {"005", 5, 0, NULL},
        {"1G", 1073741824ULL, 0, NULL},
        {"1GiB", 1073741824ULL, 0, NULL},
        {"1GB", 1000000000ULL, 0, NULL},
        {"1g", 1073741824ULL, 0, NULL},
        {"5kib", 5120, 0, NULL},
        {"5KB", 5000, 0, NULL},
        {"7M", 7340032, 0, NULL},
        {"2T", 2199023255552ULL, 0, NULL},
        {"1P", 1125899906842624ULL, 0, NULL},
        {"15E", 17293822569102704640ULL, 0, NULL},
        {"5Eb", 5000000000000000000ULL, 0, NULL},
        {"5b", 5, 0, NULL},
        {"5bytes", 5, 0, NULL},
        {"5Byte", 5, 0, NULL},
        {" 7", 7, 0, NULL},
        {"\t9M", 9437184, 0, NULL},
        {"\v\f\r\n5", 5, 0, NULL},
        {"+5k", 5120, 0, NULL},
        {"18446744073709551615", G_MAXUINT64, 0, NULL},
        {"1X", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 1X\nerror: invalid argument: unknown suffix 'X'"},
        {"1 G", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 1 G\nerror: invalid argument: unknown suffix ' G'"},
        {"5 ", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 5 \nerror: invalid argument: unknown suffix ' '"},
        {"1.5G", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 1.5G\nerror: invalid argument: unknown suffix '.5G'"},
        {"0x10", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 0x10\nerror: invalid argument: unknown suffix 'x10'"},
        {"1e3", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 1e3\nerror: invalid argument: unknown suffix 'e3'"},
        {"5iB", 0, VSTOR_ERR_INVALID_ARG,
         "Malformed size 5iB\nerror: invalid argument: unknown suffix 'iB'"},
        {"16E", 0, VSTOR_ERR_OVERFLOW,
         "Malformed size 16E\nerror: numerical overflow: value too large: 16E"},
        {"20000000E", 0, VSTOR_ERR_OVERFLOW,
         "Malformed size 20000000E\nerror: numerical overflow: value too large: 20000000E"},
        {"-1", 0, VSTOR_ERR_INVALID_ARG, "Malformed size -1"},
        {"+-5", 0, VSTOR_ERR_INVALID_ARG, "Malformed size +-5"},
        {"G", 0, VSTOR_ERR_INVALID_ARG, "Malformed size G"},
        {"", 0, VSTOR_ERR_INVALID_ARG, "Malformed size "},
        {"18446744073709551616", 0, VSTOR_ERR_INVALID_ARG, "Malformed size 18446744073709551616"},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const SizeCase *c = &cases[i];
        g_autoptr(GError) err = NULL;
        guint64 bytes = 42;
        int rc = vstor_vol_args_parse_size(c->str, &bytes, &err);

        if (c->code == 0) {
            g_assert_no_error(err);
            g_assert_cmpint(rc, ==, 0);
            if (bytes != c->bytes)
                g_error("'%s': %" G_GUINT64_FORMAT " != %" G_GUINT64_FORMAT, c->str, bytes,
                        c->bytes);
        } else {
            g_assert_cmpint(rc, ==, -1);
            g_assert_error(err, VSTOR_ERROR, c->code);
            g_assert_cmpstr(err->message, ==, c->message);
            g_assert_cmpuint(bytes, ==, 42);
        }
    }
}

static void
test_vol_format(void)
{
    VstorVolArgs minimal = {.pool = "p", .name = "v", .capacity = 1073741824ULL};
    VstorVolArgs full = {.pool = "p",
                         .name = "v",
                         .capacity = 2147483648ULL,
                         .has_allocation = TRUE,
                         .allocation = 0,
                         .format = "qcow2",
                         .backing_vol = "/default-pool/base",
                         .backing_path = "/default-pool/base",
                         .backing_format = "raw",
                         .prealloc_metadata = TRUE};
    /* --backing-vol-format without --backing-vol is ignored, as in virsh. */
    VstorVolArgs fmt_only = {.name = "v", .capacity = 1, .backing_format = "raw"};
    g_autofree char *x1 = vstor_vol_args_format(&minimal, 0, NULL);
    g_autofree char *x2 = vstor_vol_args_format(&full, 0, NULL);
    g_autofree char *x3 = vstor_vol_args_format(&fmt_only, 0, NULL);

    g_assert_cmpstr(x1, ==,
                    "<volume>\n  <name>v</name>\n  <capacity>1073741824</capacity>\n</volume>\n");
    g_assert_cmpstr(x2, ==,
                    "<volume>\n"
                    "  <name>v</name>\n"
                    "  <capacity>2147483648</capacity>\n"
                    "  <allocation>0</allocation>\n"
                    "  <target>\n"
                    "    <format type='qcow2'/>\n"
                    "  </target>\n"
                    "  <backingStore>\n"
                    "    <path>/default-pool/base</path>\n"
                    "    <format type='raw'/>\n"
                    "  </backingStore>\n"
                    "</volume>\n");
    g_assert_cmpstr(x3, ==, "<volume>\n  <name>v</name>\n  <capacity>1</capacity>\n</volume>\n");
}

static void
test_vol_errors(void)
{
    VstorVolArgs unresolved = {.name = "v", .backing_vol = "base"};
    VstorVolArgs no_name = {.capacity = 1};
    VstorVolArgs esc = {.name = "a<b", .capacity = 1, .format = "q'2"};
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    g_autofree char *xml = NULL;

    g_assert_null(vstor_vol_args_format(&unresolved, 0, &e1));
    g_assert_error(e1, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(e1->message, "'base'"));
    g_assert_null(vstor_vol_args_format(&no_name, 0, &e2));
    g_assert_error(e2, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_assert_null(vstor_vol_args_format(&esc, 0x100, &e3));
    g_assert_error(e3, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);

    xml = vstor_vol_args_format(&esc, VSTOR_ARGS_XML_ESCAPE, NULL);
    g_assert_nonnull(strstr(xml, "<name>a&lt;b</name>"));
    g_assert_nonnull(strstr(xml, "<format type='q&apos;2'/>"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/define-args/pool/minimal", test_pool_minimal);
    g_test_add_func("/define-args/pool/each-option", test_pool_each_option);
    g_test_add_func("/define-args/pool/netfs-host-port", test_pool_full_netfs);
    g_test_add_func("/define-args/pool/source-order", test_pool_source_order);
    g_test_add_func("/define-args/pool/no-source", test_pool_no_source);
    g_test_add_func("/define-args/pool/auth", test_pool_auth);
    g_test_add_func("/define-args/pool/secret-exclusive", test_pool_secret_exclusive);
    g_test_add_func("/define-args/pool/adapters", test_pool_adapters);
    g_test_add_func("/define-args/pool/set-get", test_pool_set_get);
    g_test_add_func("/define-args/pool/errors", test_pool_errors);
    g_test_add_func("/define-args/pool/escape", test_pool_escape);
    g_test_add_func("/define-args/vol/sizes", test_vol_sizes);
    g_test_add_func("/define-args/vol/format", test_vol_format);
    g_test_add_func("/define-args/vol/errors", test_vol_errors);
    return g_test_run();
}
