/* test-qemu-img.c: qemu-img command lines against every libvirt storagevolxml2argv case (read
 * from the corpus at test time), our own refusals, and real qemu-img runs of built argv. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "testutil.h"
#include "util/error.h"
#include "util/xml.h"
#include "volfmt/probe.h"
#include "volfmt/qemu_img.h"

/* libvirt's test hands these fake secret files to the command builder. */
#define SECRET_FILE "/path/to/secretFile"
#define INPUT_SECRET_FILE "/path/to/inputSecretFile"
/* Dropped from libvirt's test list long ago; the file still shows an old option set. */
#define STALE_FIXTURE "qcow2-nocow"

typedef struct {
    unsigned int parse_flags;
    const char *pool, *vol, *input_pool, *input_vol, *cmdline;
    unsigned int flags;
    VstorErrorCode fail_code; /* VSTOR_ERR_OK: must succeed and match the fixture */
    const char *fail_message;
} Case;

#define PREALLOC VSTOR_QEMU_IMG_PREALLOC_METADATA
#define OK VSTOR_ERR_OK, NULL

/* The cases of libvirt's tests/storagevolxml2argvtest.c, in its order. */
static const Case cases[] = {
    {0, "pool-dir", "vol-qcow2", NULL, NULL, "qcow2-compat", 0, OK},
    {0, "pool-dir", "vol-qcow2-nobacking", NULL, NULL, "qcow2-nobacking-prealloc-compat", PREALLOC,
     OK},
    {0, "pool-dir", "vol-qcow2-nobacking", "pool-dir", "vol-file",
     "qcow2-nobacking-convert-prealloc-compat", PREALLOC, OK},
    {0, "pool-dir", "vol-qcow2-lazy", NULL, NULL, "qcow2-lazy", 0, OK},
    {0, "pool-dir", "vol-qcow2-1.1", NULL, NULL, "qcow2-1.1", 0, OK},
    {0, "pool-dir", "vol-qcow2-0.10-lazy", NULL, NULL, "qcow2-0.10-lazy", 0,
     VSTOR_ERR_CONFIG_UNSUPPORTED, "lazy_refcounts not supported with compat level 0.10"},
    {0, "pool-dir", "vol-qcow2-nobacking", "pool-logical", "vol-logical",
     "qcow2-from-logical-compat", 0, OK},
    {0, "pool-logical", "vol-logical", "pool-dir", "vol-qcow2-nobacking", "logical-from-qcow2", 0,
     OK},
    {0, "pool-dir", "vol-qcow2-nocow", NULL, NULL, "qcow2-nocow-compat", 0, OK},
    {0, "pool-dir", "vol-qcow2-nocapacity", "pool-dir", "vol-file",
     "qcow2-nocapacity-convert-prealloc", PREALLOC, OK},
    {0, "pool-dir", "vol-qcow2-zerocapacity", NULL, NULL, "qcow2-zerocapacity", 0, OK},
    {VSTOR_VOL_PARSE_OPT_CAPACITY, "pool-dir", "vol-qcow2-nocapacity-backing", NULL, NULL,
     "qcow2-nocapacity", 0, OK},
    {0, "pool-dir", "vol-qcow2-clusterSize", NULL, NULL, "qcow2-clusterSize", 0, OK},
    {0, "pool-dir", "vol-file-iso", NULL, NULL, "iso", 0, OK},
    {0, "pool-dir", "vol-file", "pool-dir", "vol-file-iso", "iso-input", 0, OK},
    {0, "pool-dir", "vol-qcow2-encryption", NULL, NULL, "qcow2-encryption", 0,
     VSTOR_ERR_CONFIG_UNSUPPORTED, "creation of qcow2 encrypted image is not supported"},
    {0, "pool-dir", "vol-luks", NULL, NULL, "luks", 0, OK},
    {0, "pool-dir", "vol-luks-cipher", NULL, NULL, "luks-cipher", 0, OK},
    {0, "pool-dir", "vol-qcow2-luks", NULL, NULL, "qcow2-luks", 0, OK},
    {0, "pool-dir", "vol-luks-convert", "pool-dir", "vol-file", "luks-convert", 0, OK},
    {0, "pool-dir", "vol-luks-convert", "pool-dir", "vol-file-qcow2", "luks-convert-qcow2", 0, OK},
    {0, "pool-dir", "vol-luks", "pool-dir", "vol-luks-convert", "luks-convert-encrypt", 0, OK},
    {0, "pool-dir", "vol-file", "pool-dir", "vol-luks-convert", "luks-convert-encrypt2fileraw", 0,
     OK},
    {0, "pool-dir", "vol-file-qcow2", "pool-dir", "vol-luks-convert",
     "luks-convert-encrypt2fileqcow2", 0, OK},
    {0, "pool-dir", "vol-qcow2-luks", "pool-dir", "vol-qcow2-luks-convert",
     "qcow2-luks-convert-encrypt", 0, OK},
    {0, "pool-dir", "vol-file", "pool-dir", "vol-qcow2-luks-convert",
     "qcow2-luks-convert-encrypt2fileraw", 0, OK},
    {0, "pool-dir", "vol-file-qcow2", "pool-dir", "vol-qcow2-luks-convert",
     "qcow2-luks-convert-encrypt2fileqcow2", 0, OK},
};

static VstorPoolType
pool_type_of(const char *src, const char *pool)
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
    return (VstorPoolType)value;
}

/* What libvirt's test does to a parsed volume before building: the type a createVol sets. */
static VstorVolDef *
load_vol(const char *src, const char *pool, const char *vol, unsigned int parse_flags)
{
    VstorPoolType type = pool_type_of(src, pool);
    g_autofree char *path = g_strdup_printf("%s/tests/storagevolxml2xmlin/%s.xml", src, vol);
    g_autofree char *text = test_read_file(path);
    g_autoptr(GError) err = NULL;
    VstorVolDef *def = vstor_vol_def_parse(type, text, parse_flags, &err);

    g_assert_no_error(err);
    if (type == VSTOR_POOL_DIR || type == VSTOR_POOL_FS || type == VSTOR_POOL_NETFS)
        def->type = VSTOR_VOL_FILE;
    else if (type == VSTOR_POOL_LOGICAL)
        def->type = VSTOR_VOL_BLOCK;
    return def;
}

/* All steps rendered and joined by newlines, or NULL with *err set. */
static char *
render_all(const VstorQemuImgRequest *req, GError **err)
{
    g_autoptr(GPtrArray) cmds = vstor_qemu_img_commands(req, err);
    g_autoptr(GString) out = g_string_new(NULL);

    if (!cmds)
        return NULL;
    for (guint i = 0; i < cmds->len; i++) {
        g_autofree char *line = vstor_qemu_img_render(g_ptr_array_index(cmds, i));

        g_string_append_printf(out, "%s%s", i ? "\n" : "", line);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
test_libvirt_case(gconstpointer data)
{
    const Case *c = data;
    const char *src = test_libvirt_src();
    g_autoptr(VstorVolDef) vol = NULL;
    g_autoptr(VstorVolDef) input = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *fixture = NULL;
    g_autofree char *expected = NULL;
    VstorQemuImgRequest req = {0};

    if (!src)
        return;
    vol = load_vol(src, c->pool, c->vol,
                   c->parse_flags | (c->input_vol ? VSTOR_VOL_PARSE_NO_CAPACITY : 0));
    if (c->input_vol)
        input = load_vol(src, c->input_pool, c->input_vol, 0);
    req.vol = vol;
    req.input = input;
    req.secret_path = SECRET_FILE;
    req.input_secret_path = INPUT_SECRET_FILE;
    req.flags = c->flags;
    actual = render_all(&req, &err);

    if (c->fail_code != VSTOR_ERR_OK) {
        g_assert_null(actual);
        g_assert_error(err, VSTOR_ERROR, (int)c->fail_code);
        g_assert_nonnull(strstr(err->message, c->fail_message));
        return;
    }
    g_assert_no_error(err);
    fixture = g_strdup_printf("%s/tests/storagevolxml2argvdata/%s.argv", src, c->cmdline);
    expected = test_read_file(fixture);
    /* libvirt's comparison adds the fixture's final newline to the output. */
    if (g_str_has_suffix(expected, "\n") && !g_str_has_suffix(actual, "\n")) {
        char *tmp = g_strconcat(actual, "\n", NULL);

        g_free(actual);
        actual = tmp;
    }
    if (strcmp(actual, expected) != 0)
        g_test_fail_printf("%s:\nexpected:\n%s\nactual:\n%s", fixture, expected, actual);
}

/* Our table must be libvirt's: every fixture its test names is a case here, and back. */
static void
test_case_table_complete(void)
{
    const char *src = test_libvirt_src();
    g_autofree char *test_path = NULL;
    g_autofree char *test_c = NULL;
    g_autofree char *dir = NULL;
    g_autoptr(GDir) d = NULL;
    const char *ent;
    guint fixtures = 0;

    if (!src)
        return;
    test_path = g_build_filename(src, "tests", "storagevolxml2argvtest.c", NULL);
    test_c = test_read_file(test_path);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *quoted = g_strdup_printf("\"%s\"", cases[i].cmdline);

        g_assert_nonnull(strstr(test_c, quoted));
    }
    dir = g_build_filename(src, "tests", "storagevolxml2argvdata", NULL);
    d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *name = NULL;
        gboolean found = FALSE;

        if (!g_str_has_suffix(ent, ".argv"))
            continue;
        name = g_strndup(ent, strlen(ent) - 5);
        if (strcmp(name, STALE_FIXTURE) == 0)
            continue;
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
            found |= strcmp(cases[i].cmdline, name) == 0;
        g_assert_true(found);
        fixtures++;
    }
    g_assert_cmpuint(fixtures, ==, G_N_ELEMENTS(cases) - 2); /* two cases must fail */
}

/* ---- our own cases ----------------------------------------------------------------------- */

static VstorVolDef *
parse_dir_vol(const char *xml)
{
    g_autoptr(GError) err = NULL;
    VstorVolDef *def = vstor_vol_def_parse(VSTOR_POOL_DIR, xml, VSTOR_VOL_PARSE_OPT_CAPACITY, &err);

    g_assert_no_error(err);
    def->type = VSTOR_VOL_FILE;
    return def;
}

static VstorVolDef *
simple_vol(const char *name, const char *path, const char *format, const char *extra)
{
    g_autofree char *xml =
        g_strdup_printf("<volume><name>%s</name><capacity>1048576</capacity><target><path>%s</path>"
                        "<format type='%s'/>%s</target></volume>",
                        name, path, format, extra ? extra : "");

    return parse_dir_vol(xml);
}

static void
expect_refusal(const VstorVolDef *vol, const VstorVolDef *input, unsigned int flags,
               VstorErrorCode code, const char *words)
{
    VstorQemuImgRequest req = {NULL, vol, input, "/s", "/i", flags};
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) cmds = vstor_qemu_img_commands(&req, &err);

    g_assert_null(cmds);
    g_assert_error(err, VSTOR_ERROR, (int)code);
    if (!strstr(err->message, words))
        g_test_fail_printf("'%s' does not say '%s'", err->message, words);
}

#define LUKS "<encryption format='luks'><secret type='passphrase' uuid='%s'/></encryption>"
#define UUID1 "e78d4b51-a2af-485f-b0f5-afca709a80f4"

static void
test_refusals(void)
{
    g_autoptr(VstorVolDef) raw = simple_vol("a.img", "/p/a.img", "raw", NULL);
    g_autoptr(VstorVolDef) qcow2 = simple_vol("b.img", "/p/b.img", "qcow2", NULL);
    g_autoptr(VstorVolDef) vmdk = simple_vol("v.img", "/p/v.img", "vmdk",
                                             "<encryption format='luks'><secret type='passphrase'"
                                             " uuid='" UUID1 "'/></encryption>");
    g_autoptr(VstorVolDef) ext = simple_vol("c.img", "/p/c.img", "qcow2",
                                            "<compat>0.10</compat><features><extended_l2/>"
                                            "</features>");
    g_autoptr(VstorVolDef) two = simple_vol("d.img", "/p/d.img", "raw",
                                            "<encryption format='luks'>"
                                            "<secret type='passphrase' uuid='" UUID1 "'/>"
                                            "<secret type='passphrase' uuid='" UUID1 "'/>"
                                            "</encryption>");
    g_autoptr(VstorVolDef) dash = simple_vol("e.img", "-o", "qcow2", NULL);
    g_autoptr(VstorVolDef) backed =
        parse_dir_vol("<volume><name>f</name><target><path>/p/f</path><format type='raw'/></target>"
                      "<backingStore><path>/dev/null</path></backingStore></volume>");
    g_autoptr(VstorVolDef) backed2 = parse_dir_vol(
        "<volume><name>g</name><target><path>/p/g</path><format type='qcow2'/></target>"
        "<backingStore><path>/dev/null</path></backingStore></volume>");
    g_autoptr(VstorVolDef) comma = simple_vol("h,file=/etc/x", "/p/h", "raw",
                                              "<encryption format='luks'><secret "
                                              "type='passphrase' uuid='" UUID1 "'/></encryption>");

    expect_refusal(qcow2, raw, VSTOR_QEMU_IMG_REFLINK, VSTOR_ERR_INVALID_ARG, "reflink");
    expect_refusal(qcow2, NULL, 1u << 5, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x20)");
    expect_refusal(raw, NULL, PREALLOC, VSTOR_ERR_CONFIG_UNSUPPORTED,
                   "metadata preallocation only available with qcow2");
    expect_refusal(vmdk, NULL, 0, VSTOR_ERR_CONFIG_UNSUPPORTED,
                   "volume encryption unsupported with format vmdk");
    expect_refusal(ext, NULL, 0, VSTOR_ERR_CONFIG_UNSUPPORTED,
                   "'extended_l2' not supported with compat level 0.10");
    expect_refusal(two, NULL, 0, VSTOR_ERR_XML_ERROR, "too many secrets for luks encryption");
    expect_refusal(dash, NULL, 0, VSTOR_ERR_INVALID_ARG, "as an option");
    expect_refusal(backed, NULL, 0, VSTOR_ERR_CONFIG_UNSUPPORTED,
                   "cannot set backing store for raw volume");
    expect_refusal(backed2, NULL, PREALLOC, VSTOR_ERR_CONFIG_UNSUPPORTED,
                   "metadata preallocation conflicts with backing store");
    expect_refusal(comma, NULL, 0, VSTOR_ERR_INVALID_ARG, "cannot name a qemu secret");
    {
        VstorQemuImgRequest req = {NULL, raw, NULL, NULL, NULL, 0};
        g_autoptr(GError) err = NULL;
        g_auto(GStrv) argv = vstor_qemu_img_argv(&req, VSTOR_QEMU_IMG_STEP_CONVERT, &err);

        g_assert_null(argv);
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    }
}

static void
test_secret_file_missing(void)
{
    g_autoptr(VstorVolDef) luks = simple_vol("l.img", "/p/l.img", "raw",
                                             "<encryption format='luks'><secret type='passphrase'"
                                             " uuid='" UUID1 "'/></encryption>");
    VstorQemuImgRequest req = {NULL, luks, NULL, NULL, NULL, 0};
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = vstor_qemu_img_argv(&req, VSTOR_QEMU_IMG_STEP_SINGLE, &err);

    g_assert_null(argv);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
}

/* Commas are doubled wherever a path lands inside qemu's key=value syntax. */
static void
test_commas_escaped(void)
{
    g_autoptr(VstorVolDef) luks = simple_vol("l.img", "/p/a,b.img", "raw",
                                             "<encryption format='luks'><secret type='passphrase'"
                                             " uuid='" UUID1 "'/></encryption>");
    g_autoptr(VstorVolDef) raw = simple_vol("r.img", "/p/r,1.img", "raw", NULL);
    VstorQemuImgRequest req = {"/usr/bin/qemu-img", luks, raw, "/run/s,1", NULL, 0};
    g_autoptr(GError) err = NULL;
    g_autofree char *text = render_all(&req, &err);

    g_assert_no_error(err);
    g_assert_cmpstr(text, ==,
                    "/usr/bin/qemu-img \\\ncreate \\\n-f luks \\\n"
                    "--object secret,id=l.img_encrypt0,file=/run/s,,1 \\\n"
                    "-o key-secret=l.img_encrypt0 \\\n/p/a,b.img \\\n1024K\n"
                    "/usr/bin/qemu-img \\\nconvert \\\n--image-opts \\\n-n \\\n"
                    "--target-image-opts \\\n"
                    "--object secret,id=l.img_encrypt0,file=/run/s,,1 \\\n"
                    "driver=raw,file.filename=/p/r,,1.img \\\n"
                    "driver=luks,file.filename=/p/a,,b.img,key-secret=l.img_encrypt0");
}

/* A volume name qemu would not take as an object id (a volume built under its hidden
 * temporary name, a name starting with a digit) gets an id made from its digest. */
static void
test_secret_id_from_digest(void)
{
    const char *names[] = {".vstor-tmp.0123456789abcdef", "1disk"};
    char *ids[2] = {NULL, NULL};

    for (guint i = 0; i < 2; i++) {
        g_autofree char *path = g_strdup_printf("/p/%s", names[i]);
        g_autoptr(VstorVolDef) luks = simple_vol(names[i], path, "raw",
                                                 "<encryption format='luks'><secret "
                                                 "type='passphrase' uuid='" UUID1 "'/>"
                                                 "</encryption>");
        VstorQemuImgRequest req = {"/usr/bin/qemu-img", luks, NULL, "/run/s", NULL, 0};
        g_autoptr(GError) err = NULL;
        g_autofree char *text = render_all(&req, &err);
        const char *id;

        g_assert_no_error(err);
        id = strstr(text, "secret,id=");
        g_assert_nonnull(id);
        id += strlen("secret,id=");
        ids[i] = g_strndup(id, strcspn(id, ","));
        g_assert_true(g_str_has_prefix(ids[i], "vol"));
        g_assert_true(g_str_has_suffix(ids[i], "_encrypt0"));
        g_assert_cmpuint(strlen(ids[i]), ==, strlen("vol") + 16 + strlen("_encrypt0"));
        {
            g_autofree char *opt = g_strdup_printf("-o key-secret=%s ", ids[i]);

            g_assert_nonnull(strstr(text, opt));
        }
    }
    g_assert_cmpstr(ids[0], !=, ids[1]);
    g_free(ids[0]);
    g_free(ids[1]);
}

static void
test_render_quoting(void)
{
    const char *argv[] = {"qemu-img", "create", "-f", "raw", "/a b/it's", "", "1K", NULL};
    g_autofree char *text = vstor_qemu_img_render(argv);

    g_assert_cmpstr(text, ==, "qemu-img \\\ncreate \\\n-f raw \\\n'/a b/it'\\''s' \\\n'' \\\n1K");
}

static void
test_needed(void)
{
    g_autoptr(VstorVolDef) raw = simple_vol("a", "/p/a", "raw", NULL);
    g_autoptr(VstorVolDef) qcow2 = simple_vol("b", "/p/b", "qcow2", NULL);
    g_autoptr(VstorVolDef) dir = simple_vol("c", "/p/c", "dir", NULL);

    g_assert_false(vstor_qemu_img_needed(raw, NULL));
    g_assert_false(vstor_qemu_img_needed(dir, NULL));
    g_assert_true(vstor_qemu_img_needed(qcow2, NULL));
    g_assert_false(vstor_qemu_img_needed(raw, raw));
    g_assert_true(vstor_qemu_img_needed(raw, qcow2));
    g_assert_true(vstor_qemu_img_needed(qcow2, raw));
}

static char *
render_resize(const VstorVolDef *vol, unsigned long long capacity, const char *secret, GError **err)
{
    g_auto(GStrv) argv = vstor_qemu_img_resize_argv(NULL, vol, capacity, secret, err);

    return argv ? vstor_qemu_img_render((const char *const *)argv) : NULL;
}

static void
test_resize(void)
{
    g_autoptr(VstorVolDef) raw = simple_vol("a.img", "/p/a.img", "raw", NULL);
    g_autoptr(VstorVolDef) luks = simple_vol("l.img", "/p/l.img", "raw",
                                             "<encryption format='luks'><secret type='passphrase'"
                                             " uuid='" UUID1 "'/></encryption>");
    g_autoptr(VstorVolDef) qluks = simple_vol("q.img", "/p/q.img", "qcow2",
                                              "<encryption format='luks'><secret type='passphrase'"
                                              " uuid='" UUID1 "'/></encryption>");
    g_autoptr(VstorVolDef) qcow = simple_vol("c.img", "/p/c.img", "qcow2",
                                             "<encryption format='qcow'><secret type='passphrase'"
                                             " uuid='" UUID1 "'/></encryption>");
    g_autoptr(GError) err = NULL;
    g_autofree char *grow = render_resize(raw, 2000000, NULL, &err);
    g_autofree char *shrink = render_resize(raw, 1000, NULL, &err);
    g_autofree char *enc = render_resize(luks, 2 << 20, "/run/s", &err);
    g_autofree char *qenc = render_resize(qluks, 2 << 20, "/run/s", &err);
    g_autofree char *none = NULL;

    g_assert_no_error(err);
    g_assert_cmpstr(grow, ==, "qemu-img \\\nresize \\\n/p/a.img \\\n2000384");
    g_assert_cmpstr(shrink, ==, "qemu-img \\\nresize \\\n--shrink /p/a.img \\\n1024");
    g_assert_cmpstr(enc, ==,
                    "qemu-img \\\nresize \\\n--object secret,id=l.img_encrypt0,file=/run/s "
                    "\\\n--image-opts "
                    "driver=luks,key-secret=l.img_encrypt0,file.filename=/p/l.img \\\n2097152");
    g_assert_nonnull(strstr(qenc, "driver=qcow2,encrypt.key-secret=q.img_encrypt0,"));
    none = render_resize(qcow, 2 << 20, "/run/s", &err);
    g_assert_null(none);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_CONFIG_UNSUPPORTED);
    g_clear_error(&err);
    g_assert_null(render_resize(luks, 2 << 20, NULL, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
}

static void
test_check_backing(void)
{
    g_autoptr(VstorVolDef) ok = parse_dir_vol(
        "<volume><name>g</name><target><path>/p/g</path><format type='qcow2'/></target>"
        "<backingStore><path>null</path></backingStore></volume>");
    g_autoptr(VstorVolDef) missing = parse_dir_vol(
        "<volume><name>g</name><target><path>/p/g</path><format type='qcow2'/></target>"
        "<backingStore><path>/nonexistent/vstor-backing</path></backingStore></volume>");
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_qemu_img_check_backing(ok, "/dev", &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_qemu_img_check_backing(missing, "/dev", &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(err->message, "inaccessible backing store volume"));
}

/* ---- real qemu-img runs ------------------------------------------------------------------- */

static char *
find_qemu_img(void)
{
    char *path = g_find_program_in_path("qemu-img");

    if (!path)
        g_test_fail_printf("qemu-img is not installed (make check installs qemu-utils)");
    return path;
}

/* Runs every command @req needs; fails the test when one fails. */
static gboolean
run_commands(const VstorQemuImgRequest *req)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) cmds = vstor_qemu_img_commands(req, &err);

    g_assert_no_error(err);
    for (guint i = 0; i < cmds->len; i++) {
        char **argv = g_ptr_array_index(cmds, i);
        g_autofree char *out = NULL;
        g_autofree char *errout = NULL;
        int status = 0;

        gboolean ok = FALSE;

        /* qemu's LUKS benchmark fails now and then on a busy machine; the same command run
         * again succeeds (the driver retries it too). */
        for (int attempt = 0; attempt < 5 && !ok; attempt++) {
            g_clear_pointer(&out, g_free);
            g_clear_pointer(&errout, g_free);
            ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout, &status,
                              &err) &&
                 g_spawn_check_wait_status(status, NULL);
            if (!ok && !(errout && strstr(errout, "Unable to get accurate CPU usage")))
                break;
        }
        if (!ok) {
            g_autofree char *line = vstor_qemu_img_render((const char *const *)argv);

            g_test_fail_printf("%s failed: %s%s", line, errout ? errout : "",
                               err ? err->message : "");
            return FALSE;
        }
    }
    return TRUE;
}

static void
probe_ok(const char *path, VstorImageInfo *ret_info)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_volfmt_probe_path(path, ret_info, &err), ==, 0);
    g_assert_no_error(err);
}

/* Volumes made by our argv read back, through our prober, as what was asked for. */
static void
test_run_real(void)
{
    g_autofree char *tool = find_qemu_img();
    g_autofree char *dir = NULL;
    g_autofree char *secret = NULL;
    g_autofree char *raw_path = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(VstorVolDef) featured = NULL;
    g_autoptr(VstorVolDef) backed = NULL;
    g_autoptr(VstorVolDef) raw = NULL;
    g_autoptr(VstorVolDef) luks = NULL;
    g_autoptr(VstorVolDef) qluks = NULL;
    g_autoptr(VstorVolDef) back_raw = NULL;
    g_auto(VstorImageInfo) info = {0};
    VstorQemuImgRequest req = {0};

    if (!tool)
        return;
    dir = g_dir_make_tmp("vstor-qemu-img-XXXXXX", NULL);
    secret = g_build_filename(dir, "secret", NULL);
    g_assert_true(g_file_set_contents(secret, "abc", 3, NULL));
    req.tool = tool;
    req.secret_path = secret;
    req.input_secret_path = secret;

    /* qcow2 v3 with features and a cluster size, preallocated metadata */
    xml = g_strdup_printf("<volume><name>f.qcow2</name><capacity unit='M'>20</capacity>"
                          "<allocation>0</allocation><target><path>%s/f.qcow2</path>"
                          "<format type='qcow2'/><clusterSize unit='KiB'>128</clusterSize>"
                          "<features><lazy_refcounts/><extended_l2/></features></target></volume>",
                          dir);
    featured = parse_dir_vol(xml);
    req.vol = featured;
    req.flags = PREALLOC;
    if (!run_commands(&req))
        goto out;
    probe_ok(featured->target.path, &info);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_QCOW2);
    g_assert_cmpuint(info.capacity, ==, 20ull << 20);
    g_assert_cmpuint(info.cluster_size, ==, 128 * 1024);
    g_assert_cmpstr(info.compat, ==, "1.1");
    g_assert_cmpuint(info.features, ==,
                     (1u << VSTOR_VOL_FEATURE_LAZY_REFCOUNTS) |
                         (1u << VSTOR_VOL_FEATURE_EXTENDED_L2));
    vstor_image_info_clear(&info);
    req.flags = 0;

    /* a raw volume, then a qcow2 over it without capacity (qemu takes the backing size) */
    raw_path = g_build_filename(dir, "base.img", NULL);
    raw = simple_vol("base.img", raw_path, "raw", NULL);
    req.vol = raw;
    if (!run_commands(&req))
        goto out;
    g_free(xml);
    xml = g_strdup_printf("<volume><name>o.qcow2</name><target><path>%s/o.qcow2</path>"
                          "<format type='qcow2'/></target><backingStore><path>%s</path>"
                          "<format type='raw'/></backingStore></volume>",
                          dir, raw_path);
    backed = parse_dir_vol(xml);
    req.vol = backed;
    if (!run_commands(&req))
        goto out;
    probe_ok(backed->target.path, &info);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_QCOW2);
    g_assert_cmpuint(info.capacity, ==, 1048576);
    g_assert_cmpstr(info.backing_path, ==, raw_path);
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_cmpstr(info.compat, ==, "0.10");
    vstor_image_info_clear(&info);

    /* LUKS from the raw volume: create, then convert into it */
    g_free(xml);
    xml = g_strdup_printf("<volume><name>l.img</name><capacity>1048576</capacity><target>"
                          "<path>%s/l.img</path><format type='raw'/>" LUKS "</target></volume>",
                          dir, UUID1);
    luks = parse_dir_vol(xml);
    req.vol = luks;
    req.input = raw;
    g_assert_true(vstor_qemu_img_two_steps(&req));
    if (!run_commands(&req))
        goto out;
    probe_ok(luks->target.path, &info);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_true(info.encrypted);
    g_assert_cmpint(info.encryption_format, ==, VSTOR_ENCRYPTION_FORMAT_LUKS);
    g_assert_cmpuint(info.capacity, ==, 1048576);
    vstor_image_info_clear(&info);
    /* qcow2 with LUKS inside, copied from the LUKS volume */
    g_free(xml);
    xml = g_strdup_printf("<volume><name>q.qcow2</name><capacity>1048576</capacity><target>"
                          "<path>%s/q.qcow2</path><format type='qcow2'/>" LUKS "</target></volume>",
                          dir, UUID1);
    qluks = parse_dir_vol(xml);
    req.vol = qluks;
    req.input = luks;
    if (!run_commands(&req))
        goto out;
    probe_ok(qluks->target.path, &info);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_QCOW2);
    g_assert_true(info.encrypted);
    g_assert_cmpint(info.encryption_format, ==, VSTOR_ENCRYPTION_FORMAT_LUKS);
    vstor_image_info_clear(&info);

    /* the LUKS volume grows through resize's --image-opts */
    {
        g_auto(GStrv) resize = vstor_qemu_img_resize_argv(tool, luks, 2 << 20, secret, NULL);
        g_autofree char *out = NULL;
        g_autofree char *errout = NULL;
        int status = 0;

        g_assert_nonnull(resize);
        g_assert_true(g_spawn_sync(NULL, resize, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errout,
                                   &status, NULL));
        if (!g_spawn_check_wait_status(status, NULL))
            g_test_fail_printf("resize failed: %s", errout);
        probe_ok(luks->target.path, &info);
        g_assert_cmpuint(info.capacity, ==, 2 << 20);
        vstor_image_info_clear(&info);
    }

    /* and back to plain raw from the qcow2 with a backing file */
    g_free(raw_path);
    raw_path = g_build_filename(dir, "back.img", NULL);
    back_raw = simple_vol("back.img", raw_path, "raw", NULL);
    req.vol = back_raw;
    req.input = backed;
    g_assert_false(vstor_qemu_img_two_steps(&req));
    if (!run_commands(&req))
        goto out;
    probe_ok(back_raw->target.path, &info);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_cmpuint(info.capacity, ==, 1048576);

out:
    test_rm_rf(dir);
}

/* `qemu-img convert -p` output read in pieces as they come: records cut anywhere, only
 * forward steps added to the job, what is no record ignored. */
static void
test_progress(void)
{
    g_autoptr(VstorJob) job = vstor_job_new(1, VSTOR_JOB_VOL_CLONE, "p", "v");
    VstorQemuImgProgress progress = {.job = job};
    const char *pieces[] = {"    (0.00/100%)\r    (12.", "50/100%)\r", "    (10.00/100%)\r",
                            "garbage (x/100%)\r(50/100%\r", "    (100.00/100%)\r\n"};
    const guint64 after[] = {0, 100, 100, 100, 800};
    guint64 done, total;

    g_assert_cmpfloat(vstor_qemu_img_progress_parse("    (12.34/100%)"), ==, 12.34);
    g_assert_cmpfloat(vstor_qemu_img_progress_parse("(100.00/100%)"), ==, 100);
    g_assert_cmpfloat(vstor_qemu_img_progress_parse("(100.01/100%)"), <, 0);
    g_assert_cmpfloat(vstor_qemu_img_progress_parse("(-1/100%)"), <, 0);
    g_assert_cmpfloat(vstor_qemu_img_progress_parse("(5/100%) x"), <, 0);
    g_assert_cmpfloat(vstor_qemu_img_progress_parse("Image resized."), <, 0);
    g_assert_cmpfloat(vstor_qemu_img_progress_parse(""), <, 0);

    vstor_job_set_total(job, 800);
    for (guint i = 0; i < G_N_ELEMENTS(pieces); i++) {
        vstor_qemu_img_progress_feed(pieces[i], strlen(pieces[i]), &progress);
        vstor_job_get_progress(job, &done, &total);
        g_assert_cmpuint(done, ==, after[i]);
    }
    /* A record longer than any qemu-img prints is dropped whole. */
    vstor_job_set_total(job, 1600);
    for (guint i = 0; i < 100; i++)
        vstor_qemu_img_progress_feed(" ", 1, &progress);
    vstor_qemu_img_progress_feed("(75.00/100%)\r", 13, &progress);
    vstor_job_get_progress(job, &done, &total);
    g_assert_cmpuint(done, ==, 800);
    vstor_qemu_img_progress_feed("(75.00/100%)\r", 13, &progress);
    vstor_job_get_progress(job, &done, &total);
    g_assert_cmpuint(done, ==, 1200);
}

/* A conversion as it runs: progress, a cache mode that flushes, copy offloading when asked;
 * anything else is left alone. */
static void
test_convert_run_argv(void)
{
    const char *const conv[] = {"qemu-img", "convert", "-f", "raw", "-O", "qcow2", "a", "b", NULL};
    const char *const create[] = {"qemu-img", "create", "-f", "qcow2", "b", "1G", NULL};
    g_auto(GStrv) direct = vstor_qemu_img_convert_run_argv(conv, TRUE, FALSE);
    g_auto(GStrv) buffered = vstor_qemu_img_convert_run_argv(conv, FALSE, FALSE);
    g_auto(GStrv) shared = vstor_qemu_img_convert_run_argv(conv, TRUE, TRUE);
    g_autofree char *d = g_strjoinv(" ", direct);
    g_autofree char *b = g_strjoinv(" ", buffered);
    g_autofree char *s = g_strjoinv(" ", shared);

    g_assert_cmpstr(d, ==, "qemu-img convert -p -t none -f raw -O qcow2 a b");
    g_assert_cmpstr(b, ==, "qemu-img convert -p -t writeback -f raw -O qcow2 a b");
    g_assert_cmpstr(s, ==, "qemu-img convert -p -t none -C -f raw -O qcow2 a b");
    g_assert_null(vstor_qemu_img_convert_run_argv(create, TRUE, TRUE));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *name = g_strdup_printf("/qemu-img/libvirt/%s", cases[i].cmdline);

        g_test_add_data_func(name, &cases[i], test_libvirt_case);
    }
    g_test_add_func("/qemu-img/libvirt/table-complete", test_case_table_complete);
    g_test_add_func("/qemu-img/refusals", test_refusals);
    g_test_add_func("/qemu-img/secret-file-missing", test_secret_file_missing);
    g_test_add_func("/qemu-img/commas-escaped", test_commas_escaped);
    g_test_add_func("/qemu-img/secret-id-from-digest", test_secret_id_from_digest);
    g_test_add_func("/qemu-img/render-quoting", test_render_quoting);
    g_test_add_func("/qemu-img/needed", test_needed);
    g_test_add_func("/qemu-img/check-backing", test_check_backing);
    g_test_add_func("/qemu-img/resize", test_resize);
    g_test_add_func("/qemu-img/run-real", test_run_real);
    g_test_add_func("/qemu-img/progress", test_progress);
    g_test_add_func("/qemu-img/convert-run-argv", test_convert_run_argv);
    return g_test_run();
}
