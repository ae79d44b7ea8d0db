/* test-fs-cmd.c: fs/netfs command lines against libvirt's storagepoolxml2argv corpus and our own
 * fixtures, the mount table parser on recorded output, and blkid probing of real images. */
#include <string.h>
#include <glib/gstdio.h>

#include "testutil.h"
#include "backends/disk_cmd.h"
#include "backends/fs_cmd.h"
#include "util/error.h"

typedef struct {
    char *name;
    gboolean should_fail;
    gboolean platform; /* DO_TEST_PLATFORM: the Linux fixture has a "-linux" suffix */
} ArgvCase;

static void
argv_case_free(gpointer data)
{
    ArgvCase *c = data;

    g_free(c->name);
    g_free(c);
}

static char *
error_line(const GError *err)
{
    return g_strdup_printf("%s: %s\n", vstor_error_code_name(err->code), err->message);
}

/* A command as a fixture file holds it: libvirt's form plus the file's final newline. */
static char *
fixture_text(const VstorCommand *cmd)
{
    g_autofree char *text = vstor_command_to_string(cmd);

    return g_strconcat(text, "\n", NULL);
}

static VstorPoolDef *
parse_pool_file(const char *path)
{
    g_autofree char *xml = test_read_file(path);
    g_autoptr(GError) err = NULL;
    VstorPoolDef *def = vstor_pool_def_parse(xml, 0, &err);

    if (!def)
        g_error("%s does not parse: %s", path, err->message);
    return def;
}

/* One DO_TEST* line of libvirt's storagepoolxml2argvtest.c. */
static void
test_libvirt_argv(gconstpointer data)
{
    const ArgvCase *c = data;
    const char *src = test_libvirt_src();
    g_autofree char *file = g_strconcat(c->name, ".xml", NULL);
    g_autofree char *xml_path = g_build_filename(src, "tests", "storagepoolxml2xmlin", file, NULL);
    g_autoptr(VstorPoolDef) def = parse_pool_file(xml_path);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorCommand) cmd = vstor_fs_mount_cmd(def, &err);
    g_autofree char *linux_name = g_strconcat(c->name, "-linux.argv", NULL);
    g_autofree char *plain_name = g_strconcat(c->name, ".argv", NULL);
    g_autofree char *fixture = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;

    if (c->should_fail) {
        g_assert_null(cmd);
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
        g_assert_nonnull(strstr(err->message, vstor_pool_type_to_string(def->type)));
        g_assert_nonnull(strstr(err->message, "only fs and netfs pools are mounted"));
        return;
    }
    if (def->type == VSTOR_POOL_LOGICAL) {
        g_assert_null(cmd);
        g_test_skip("vgchange belongs to the logical backend, not to fs_cmd");
        return;
    }
    g_assert_no_error(err);
    fixture = g_build_filename(src, "tests", "storagepoolxml2argvdata", linux_name, NULL);
    if (!g_file_test(fixture, G_FILE_TEST_EXISTS)) {
        g_free(fixture);
        fixture = g_build_filename(src, "tests", "storagepoolxml2argvdata", plain_name, NULL);
    }
    g_assert_true(c->platform == g_str_has_suffix(fixture, "-linux.argv"));
    expected = test_read_file(fixture);
    actual = fixture_text(cmd);
    g_assert_cmpstr(actual, ==, expected);
}

/* Reads the DO_TEST lines of libvirt's test program itself, so a new case cannot be missed. */
static GPtrArray *
read_argv_cases(const char *src)
{
    static const struct {
        const char *macro;
        gboolean fail;
        gboolean platform;
    } macros[] = {
        {"DO_TEST(\"", FALSE, FALSE},
        {"DO_TEST_FAIL(\"", TRUE, FALSE},
        {"DO_TEST_PLATFORM(\"", FALSE, TRUE},
    };
    g_autofree char *path = g_build_filename(src, "tests", "storagepoolxml2argvtest.c", NULL);
    g_autofree char *text = test_read_file(path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *cases = g_ptr_array_new_with_free_func(argv_case_free);

    for (guint i = 0; lines[i]; i++) {
        const char *line = g_strstrip(lines[i]);

        for (guint m = 0; m < G_N_ELEMENTS(macros); m++) {
            const char *name = line + strlen(macros[m].macro);
            ArgvCase *c;

            if (!g_str_has_prefix(line, macros[m].macro) || !strchr(name, '"'))
                continue;
            c = g_new0(ArgvCase, 1);
            c->name = g_strndup(name, strchr(name, '"') - name);
            c->should_fail = macros[m].fail;
            c->platform = macros[m].platform;
            g_ptr_array_add(cases, c);
        }
    }
    return cases;
}

/* tests/data/fs/NAME.xml with NAME.{mount,umount,mkfs}.{argv,err}: the command line or the
 * error each builder gives (VSTOR_TEST_REGENERATE=1 rewrites them). */
static void
compare_built(const char *name, const char *what, VstorCommand *cmd, const GError *err)
{
    g_autofree char *base = g_strdup_printf("%s.%s.%s", name, what, cmd ? "argv" : "err");
    g_autofree char *other = g_strdup_printf("%s.%s.%s", name, what, cmd ? "err" : "argv");
    g_autofree char *path = g_build_filename(test_source_root(), "tests", "data", "fs", base, NULL);
    g_autofree char *stale =
        g_build_filename(test_source_root(), "tests", "data", "fs", other, NULL);
    g_autofree char *actual = NULL;

    if (cmd)
        actual = fixture_text(cmd);
    else
        actual = error_line(err);
    g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
    test_compare_to_file(actual, path);
}

static void
test_own_fixture(gconstpointer data)
{
    const char *name = data;
    g_autofree char *file = g_strconcat(name, ".xml", NULL);
    g_autofree char *path = g_build_filename(test_source_root(), "tests", "data", "fs", file, NULL);
    g_autoptr(VstorPoolDef) def = parse_pool_file(path);
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    g_autoptr(VstorCommand) mount = vstor_fs_mount_cmd(def, &e1);
    g_autoptr(VstorCommand) umount = vstor_fs_umount_cmd(def, &e2);
    g_autoptr(VstorCommand) mkfs = vstor_fs_mkfs_cmd(def, &e3);

    compare_built(name, "mount", mount, e1);
    compare_built(name, "umount", umount, e2);
    compare_built(name, "mkfs", mkfs, e3);
}

static void
test_mount_source(void)
{
    g_autofree char *dir = g_build_filename(test_source_root(), "tests", "data", "fs", NULL);
    g_autofree char *p1 = g_build_filename(dir, "netfs-cifs-opts.xml", NULL);
    g_autofree char *p2 = g_build_filename(dir, "netfs-nfs-ipv6.xml", NULL);
    g_autofree char *p3 = g_build_filename(dir, "fs-ext4.xml", NULL);
    g_autoptr(VstorPoolDef) cifs = parse_pool_file(p1);
    g_autoptr(VstorPoolDef) nfs = parse_pool_file(p2);
    g_autoptr(VstorPoolDef) fs = parse_pool_file(p3);
    g_autofree char *s1 = vstor_fs_pool_mount_source(cifs, NULL);
    g_autofree char *s2 = vstor_fs_pool_mount_source(nfs, NULL);
    g_autofree char *s3 = vstor_fs_pool_mount_source(fs, NULL);

    g_assert_cmpstr(s1, ==, "//smb.example.com/share name");
    g_assert_cmpstr(s2, ==, "[fd00::1]:/srv/nfs");
    g_assert_cmpstr(s3, ==, "/dev/vdb");
    g_assert_true(vstor_fs_format_buildable("ext4"));
    g_assert_true(vstor_fs_format_buildable("hfs+"));
    g_assert_false(vstor_fs_format_buildable("auto"));
    g_assert_false(vstor_fs_format_buildable("vmfs"));
    g_assert_false(vstor_fs_format_buildable("nonsense"));
}

/* tests/data/fs/mounts.txt is /proc/self/mounts recorded after running our mount argv for real
 * (see record-mounts.sh): a loop device on a directory whose name has a blank. */
static void
test_mounts_recorded(void)
{
    g_autofree char *path =
        g_build_filename(test_source_root(), "tests", "data", "fs", "mounts.txt", NULL);
    g_autofree char *text = test_read_file(path);
    g_autoptr(GPtrArray) entries = vstor_mounts_parse(text);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    const VstorMountEntry *found = NULL;

    g_assert_cmpuint(entries->len, ==, g_strv_length(lines) - 1);
    for (guint i = 0; i < entries->len; i++) {
        const VstorMountEntry *e = g_ptr_array_index(entries, i);

        if (g_str_has_suffix(e->target, "/pool target"))
            found = e;
    }
    g_assert_nonnull(found);
    g_assert_true(g_str_has_prefix(found->source, "/dev/loop"));
    g_assert_cmpstr(found->type, ==, "ext4");
    g_assert_true(g_str_has_prefix(found->options, "rw,nosuid,nodev,noexec"));
    g_assert_true(vstor_mounts_find(entries, found->source, found->target) == found);
    g_assert_null(vstor_mounts_find(entries, found->source, "/elsewhere"));
}

static void
test_mounts_synthetic(void)
{
    static const char text[] = "# comment\n\n"
                               "srv:/x\\040y /mnt/a\\011b nfs4 rw,relatime 0 0\n"
                               "short line\n"
                               "back\\134slash /mnt/c ext4 ro 0 0";
    g_autoptr(GPtrArray) entries = vstor_mounts_parse(text);
    const VstorMountEntry *e;

    g_assert_cmpuint(entries->len, ==, 2);
    e = g_ptr_array_index(entries, 0);
    g_assert_cmpstr(e->source, ==, "srv:/x y");
    g_assert_cmpstr(e->target, ==, "/mnt/a\tb");
    g_assert_cmpstr(e->type, ==, "nfs4");
    e = g_ptr_array_index(entries, 1);
    g_assert_cmpstr(e->source, ==, "back\\slash");
    g_assert_nonnull(vstor_mounts_find(entries, "srv:/x y", "/mnt/a\tb"));
    g_ptr_array_unref(vstor_mounts_parse(NULL));
}

/* ---- probing real images ---- */

typedef struct {
    char *dir;
    VstorCommandRunner *runner;
} ProbeFixture;

static void
probe_setup(ProbeFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->dir = g_dir_make_tmp("vstor-probe-XXXXXX", &err);
    g_assert_no_error(err);
    f->runner = vstor_runner_new();
}

static void
probe_teardown(ProbeFixture *f, gconstpointer data)
{
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(f->dir, ent, NULL);

        g_unlink(path);
    }
    g_rmdir(f->dir);
    g_free(f->dir);
    vstor_runner_free(f->runner);
}

/* A sparse image file of @mib MiB. */
static char *
make_image(ProbeFixture *f, const char *name, int mib)
{
    char *path = g_build_filename(f->dir, name, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorCommand) cmd = vstor_command_new("truncate");

    vstor_command_add_args(cmd, "-s", NULL);
    vstor_command_add_argf(cmd, "%dM", mib);
    vstor_command_add_arg(cmd, path);
    g_assert_cmpint(vstor_runner_run(f->runner, cmd, NULL, NULL, NULL, &err), ==, 0);
    return path;
}

/* Runs our own mkfs argv for an fs pool of @format on @path; FALSE when mkfs.FORMAT is missing. */
static gboolean
mkfs_image(ProbeFixture *f, const char *path, const char *format)
{
    g_autofree char *xml = g_strdup_printf("<pool type='fs'><name>p</name><source><device "
                                           "path='%s'/><format type='%s'/></source><target>"
                                           "<path>/mnt</path></target></pool>",
                                           path, format);
    g_autoptr(VstorPoolDef) def = vstor_pool_def_parse(xml, 0, NULL);
    g_autoptr(VstorCommand) cmd = vstor_fs_mkfs_cmd(def, NULL);
    g_autofree char *tool = g_strconcat("mkfs.", format, NULL);
    g_autofree char *found = vstor_command_find_program(tool);
    g_autoptr(GError) err = NULL;

    if (!found) {
        g_test_skip_printf("%s is not installed (tools/deps test installs it)", tool);
        return FALSE;
    }
    g_assert_nonnull(cmd);
    g_assert_cmpint(vstor_runner_run(f->runner, cmd, NULL, NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    return TRUE;
}

static VstorDeviceContent *
probe(const char *path)
{
    g_autoptr(GError) err = NULL;
    VstorDeviceContent *content = vstor_device_probe(path, &err);

    g_assert_no_error(err);
    g_assert_nonnull(content);
    return content;
}

/* The verdict for @format, and the error code and a piece of its message when refused. */
static void
assert_verdict(const VstorDeviceContent *c, const char *format, gboolean build,
               VstorProbeVerdict verdict, int code, const char *needle)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_device_content_check(c, "/dev/x", format, build, &err), ==, verdict);
    if (verdict != VSTOR_PROBE_REFUSED) {
        g_assert_no_error(err);
        return;
    }
    g_assert_error(err, VSTOR_ERROR, code);
    if (!strstr(err->message, needle))
        g_test_fail_printf("'%s' does not say '%s'", err->message, needle);
}

static void
test_probe_blank(ProbeFixture *f, gconstpointer data)
{
    g_autofree char *img = make_image(f, "blank.img", 16);
    g_autoptr(VstorDeviceContent) c = probe(img);

    g_assert_cmpuint(g_strv_length(c->fs_types), ==, 0);
    g_assert_null(c->pt_type);
    assert_verdict(c, "ext4", TRUE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(c, "dos", TRUE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(c, "ext4", FALSE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_PROBE_FAILED,
                   "Device '/dev/x' is unrecognized, requires build");
}

static void
test_probe_ext4(ProbeFixture *f, gconstpointer data)
{
    g_autofree char *img = make_image(f, "ext4.img", 32);
    g_autoptr(VstorDeviceContent) c = NULL;

    if (!mkfs_image(f, img, "ext4"))
        return;
    c = probe(img);
    g_assert_cmpuint(g_strv_length(c->fs_types), ==, 1);
    g_assert_cmpstr(c->fs_types[0], ==, "ext4");
    g_assert_null(c->pt_type);
    assert_verdict(c, "ext4", FALSE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(c, "ext4", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "Device '/dev/x' already formatted using 'ext4'");
    assert_verdict(c, "xfs", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "does not match the expected format 'xfs', forced overwrite is necessary "
                   "(found filesystem 'ext4')");
    assert_verdict(c, "xfs", FALSE, VSTOR_PROBE_REFUSED, VSTOR_ERR_OPERATION_INVALID,
                   "does not match the expected format 'xfs' (found filesystem 'ext4')");
    /* A disk pool on a device holding a filesystem: refused, whatever the label. */
    assert_verdict(c, "dvh", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "found filesystem 'ext4'");
}

static void
test_probe_xfs_over_ext4(ProbeFixture *f, gconstpointer data)
{
    /* mkfs.xfs refuses devices under 300 MiB; the file is sparse. */
    g_autofree char *img = make_image(f, "xfs.img", 320);
    g_autoptr(VstorDeviceContent) c = NULL;

    if (!mkfs_image(f, img, "ext4") || !mkfs_image(f, img, "xfs"))
        return;
    c = probe(img);
    /* -f made mkfs.xfs wipe the ext4 signature: exactly one is left. */
    g_assert_cmpuint(g_strv_length(c->fs_types), ==, 1);
    g_assert_cmpstr(c->fs_types[0], ==, "xfs");
    assert_verdict(c, "xfs", FALSE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(c, "ext4", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "(found filesystem 'xfs')");
}

static void
test_probe_vfat(ProbeFixture *f, gconstpointer data)
{
    g_autofree char *img = make_image(f, "vfat.img", 16);
    g_autoptr(VstorDeviceContent) c = NULL;

    if (!mkfs_image(f, img, "vfat"))
        return;
    c = probe(img);
    g_assert_cmpuint(g_strv_length(c->fs_types), ==, 1);
    g_assert_cmpstr(c->fs_types[0], ==, "vfat");
    /* A FAT boot sector looks like an MBR; blkid must not call it a dos label. */
    g_assert_null(c->pt_type);
    assert_verdict(c, "vfat", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "already formatted using 'vfat'");
}

/* Labels written by parted (our own mklabel argv) and by sfdisk from stdin. */
static void
test_probe_labels(ProbeFixture *f, gconstpointer data)
{
    g_autofree char *gpt = make_image(f, "gpt.img", 16);
    g_autofree char *dos = make_image(f, "dos.img", 16);
    g_autofree char *have_parted = vstor_command_find_program("parted");
    g_autofree char *have_sfdisk = vstor_command_find_program("sfdisk");
    g_autoptr(VstorCommand) parted = vstor_disk_mklabel_cmd(gpt, "gpt", NULL);
    g_autoptr(VstorCommand) sfdisk = vstor_command_new("sfdisk");
    g_autoptr(VstorDeviceContent) cg = NULL;
    g_autoptr(VstorDeviceContent) cd = NULL;
    g_autoptr(GError) err = NULL;

    if (!have_parted || !have_sfdisk) {
        g_test_skip("parted or sfdisk is not installed (tools/deps test installs them)");
        return;
    }
    g_assert_cmpint(vstor_runner_run(f->runner, parted, NULL, NULL, NULL, &err), ==, 0);
    vstor_command_add_args(sfdisk, "--quiet", dos, NULL);
    vstor_command_set_stdin(sfdisk, "label: dos\n,4MiB,L\n");
    g_assert_cmpint(vstor_runner_run(f->runner, sfdisk, NULL, NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);

    cg = probe(gpt);
    cd = probe(dos);
    g_assert_cmpuint(g_strv_length(cg->fs_types), ==, 0);
    g_assert_cmpstr(cg->pt_type, ==, "gpt");
    g_assert_cmpuint(g_strv_length(cd->fs_types), ==, 0);
    g_assert_cmpstr(cd->pt_type, ==, "dos");

    assert_verdict(cg, "gpt", FALSE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(cd, "dos", FALSE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(cg, "gpt", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "Device '/dev/x' already formatted using 'gpt'");
    assert_verdict(cd, "gpt", FALSE, VSTOR_PROBE_REFUSED, VSTOR_ERR_OPERATION_INVALID,
                   "expected format 'gpt' (found partition table 'dos')");
    assert_verdict(cg, "ext4", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "forced overwrite is necessary (found partition table 'gpt')");
    /* blkid cannot judge these labels: parted decides (vstor_disk_label_check). */
    assert_verdict(cd, "pc98", FALSE, VSTOR_PROBE_UNDECIDED, 0, NULL);
    assert_verdict(cg, "bsd", TRUE, VSTOR_PROBE_UNDECIDED, 0, NULL);
}

static void
test_probe_missing(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(vstor_device_probe("/nonexistent/device", &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_STORAGE_PROBE_FAILED);
    g_assert_cmpstr(err->message, ==,
                    "Storage pool probe failed: Failed to create filesystem probe for device "
                    "/nonexistent/device: No such file or directory");
}

static void
test_probe_decisions(void)
{
    char *two[] = {"ext4", "swap", NULL};
    char *hfs[] = {"hfsplus", NULL};
    char *none[] = {NULL};
    VstorDeviceContent ambiguous = {.fs_types = two};
    VstorDeviceContent mac = {.fs_types = hfs};
    VstorDeviceContent sun = {.fs_types = none, .pt_type = "sun"};

    assert_verdict(&ambiguous, "ext4", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_PROBE_FAILED,
                   "several signatures ('ext4', 'swap'), forced overwrite is necessary");
    assert_verdict(&ambiguous, "ext4", FALSE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_PROBE_FAILED,
                   "Found additional probes to run");
    /* blkid calls hfs+ "hfsplus". */
    assert_verdict(&mac, "hfs+", FALSE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(&sun, "sun", FALSE, VSTOR_PROBE_OK, 0, NULL);
    assert_verdict(&sun, "dos", TRUE, VSTOR_PROBE_REFUSED, VSTOR_ERR_STORAGE_POOL_BUILT,
                   "(found partition table 'sun')");
}

static void
add_probe_tests(void)
{
    g_test_add("/fs-cmd/probe/blank", ProbeFixture, NULL, probe_setup, test_probe_blank,
               probe_teardown);
    g_test_add("/fs-cmd/probe/ext4", ProbeFixture, NULL, probe_setup, test_probe_ext4,
               probe_teardown);
    g_test_add("/fs-cmd/probe/xfs-over-ext4", ProbeFixture, NULL, probe_setup,
               test_probe_xfs_over_ext4, probe_teardown);
    g_test_add("/fs-cmd/probe/vfat", ProbeFixture, NULL, probe_setup, test_probe_vfat,
               probe_teardown);
    g_test_add("/fs-cmd/probe/labels", ProbeFixture, NULL, probe_setup, test_probe_labels,
               probe_teardown);
    g_test_add_func("/fs-cmd/probe/missing", test_probe_missing);
    g_test_add_func("/fs-cmd/probe/decisions", test_probe_decisions);
}

static void
test_corpus_skipped(void)
{
    test_libvirt_src();
}

int
main(int argc, char **argv)
{
    const char *src = g_getenv("VSTOR_LIBVIRT_SRC");
    g_autofree char *dir = NULL;
    g_autoptr(GPtrArray) cases = NULL;
    g_autoptr(GPtrArray) own = NULL;

    g_test_init(&argc, &argv, NULL);
    dir = g_build_filename(test_source_root(), "tests", "data", "fs", NULL);
    if (src && *src) {
        cases = read_argv_cases(src);
        g_assert_cmpuint(cases->len, >=, 30);
        for (guint i = 0; i < cases->len; i++) {
            const ArgvCase *c = g_ptr_array_index(cases, i);
            g_autofree char *name = g_strconcat("/fs-cmd/libvirt-argv/", c->name, NULL);

            g_test_add_data_func(name, c, test_libvirt_argv);
        }
    } else {
        g_test_add_func("/fs-cmd/libvirt-argv/skipped", test_corpus_skipped);
    }
    own = test_list_xml(dir);
    for (guint i = 0; i < own->len; i++) {
        g_autofree char *name = g_strconcat("/fs-cmd/fixture/", (char *)own->pdata[i], NULL);

        g_test_add_data_func(name, own->pdata[i], test_own_fixture);
    }
    g_test_add_func("/fs-cmd/mount-source", test_mount_source);
    g_test_add_func("/fs-cmd/mounts/recorded", test_mounts_recorded);
    g_test_add_func("/fs-cmd/mounts/synthetic", test_mounts_synthetic);
    add_probe_tests();
    return g_test_run();
}
