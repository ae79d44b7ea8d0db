/* test-backend-fs.c: the fs and netfs backends through the driver — exact mount/umount/mkfs
 * command lines with a recording runner over a simulated mount table, and find-sources parsing
 * on recorded output. test-backend-fs-real.c runs fs pools on real loop devices. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/fs_cmd.h"
#include "backends/mount.h"
#include "storage/driver.h"
#include "testutil.h"
#include "util/error.h"

#define FS_NS "xmlns:fs='http://libvirt.org/schemas/storagepool/fs/1.0'"

typedef struct {
    char *tmp; /* scratch directory */
    char *root; /* driver state root */
    char *target; /* the pool's mount point */
    char *image; /* a blank file standing in for a device */
    VstorDriver *drv;
    VstorCommandRunner *runner;
    GPtrArray *mounts; /* VstorMountEntry*: the simulated kernel's mount table */
    GString *log; /* commands seen, one per line, line breaks of the fixture form removed */
} Fixture;

/* ---- the simulated kernel: applies recorded mount/umount commands to a mount table ---- */

static void
apply_command(Fixture *f, const char *line)
{
    g_auto(GStrv) argv = NULL;
    guint argc;

    if (!*line || !g_shell_parse_argv(line, NULL, &argv, NULL))
        return;
    argc = g_strv_length(argv);
    if (g_str_equal(argv[0], "mount") && argc >= 3) {
        VstorMountEntry *e = g_new0(VstorMountEntry, 1);

        e->source = g_strdup(argv[argc - 2]);
        e->target = g_strdup(argv[argc - 1]);
        e->type = g_strdup("auto");
        for (guint i = 1; i + 1 < argc; i++) {
            if (g_str_equal(argv[i], "-t")) {
                g_free(e->type);
                e->type = g_strdup(argv[i + 1]);
            }
        }
        e->options = g_strdup("rw");
        g_ptr_array_add(f->mounts, e);
    } else if (g_str_equal(argv[0], "umount") && argc == 2) {
        for (guint i = f->mounts->len; i > 0; i--) {
            VstorMountEntry *e = f->mounts->pdata[i - 1];

            if (g_str_equal(e->target, argv[1])) {
                g_ptr_array_remove_index(f->mounts, i - 1);
                break;
            }
        }
    }
}

/* Moves what the runner recorded into f->log, applying it to the simulated table. */
static void
sync_log(Fixture *f)
{
    g_autofree char *raw = vstor_runner_take_log(f->runner);
    g_auto(GStrv) parts = g_strsplit(raw, " \\\n", -1);
    g_autofree char *flat = g_strjoinv(" ", parts);
    g_auto(GStrv) lines = g_strsplit(flat, "\n", -1);

    for (guint i = 0; lines[i]; i++)
        apply_command(f, lines[i]);
    g_string_append(f->log, flat);
}

static char *
escape_field(const char *s)
{
    g_auto(GStrv) parts = g_strsplit(s, " ", -1);

    return g_strjoinv("\\040", parts);
}

static char *
fake_read_mounts(gpointer data, GError **err)
{
    Fixture *f = data;
    GString *text = g_string_new("proc /proc proc rw 0 0\n");

    sync_log(f);
    for (guint i = 0; i < f->mounts->len; i++) {
        VstorMountEntry *e = f->mounts->pdata[i];
        g_autofree char *src = escape_field(e->source);
        g_autofree char *tgt = escape_field(e->target);

        g_string_append_printf(text, "%s %s %s %s 0 0\n", src, tgt, e->type, e->options);
    }
    return g_string_free(text, FALSE);
}

static char *
take_log(Fixture *f)
{
    sync_log(f);
    return g_string_free(g_steal_pointer(&f->log), FALSE);
}

static void
remove_tree(const char *path)
{
    const char *argv[] = {"rm", "-rf", path, NULL};

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
}

static void
recorded_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->tmp = g_dir_make_tmp("vstor-fs-XXXXXX", &err);
    g_assert_no_error(err);
    f->root = g_build_filename(f->tmp, "root", NULL);
    f->target = g_build_filename(f->tmp, "mnt", NULL);
    f->image = g_build_filename(f->tmp, "disk.img", NULL);
    g_assert_true(g_file_set_contents(f->image, "", 0, NULL));
    g_assert_cmpint(truncate(f->image, 16 << 20), ==, 0);
    f->mounts = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_mount_entry_free);
    f->log = g_string_new(NULL);
    f->runner = vstor_runner_new_recording();
    f->drv = vstor_driver_open(f->root, 0, &err);
    g_assert_no_error(err);
    vstor_driver_set_runner(f->drv, f->runner);
    vstor_driver_set_mount_reader(f->drv, fake_read_mounts, f);
}

static void
recorded_teardown(Fixture *f, gconstpointer data)
{
    vstor_driver_close(f->drv);
    vstor_runner_free(f->runner);
    g_ptr_array_unref(f->mounts);
    if (f->log)
        g_string_free(f->log, TRUE);
    remove_tree(f->tmp);
    g_free(f->tmp);
    g_free(f->root);
    g_free(f->target);
    g_free(f->image);
}

#define ASSERT_FAILS(call, code, fragment)                                                         \
    do {                                                                                           \
        g_autoptr(GError) e_ = NULL;                                                               \
        GError **err_ = &e_;                                                                       \
        (void)err_;                                                                                \
        g_assert_cmpint((call), <, 0);                                                             \
        g_assert_error(e_, VSTOR_ERROR, (code));                                                   \
        if (!strstr(e_->message, (fragment)))                                                      \
            g_error("message '%s' lacks '%s'", e_->message, (fragment));                           \
    } while (0)

#define ASSERT_LOG(f, expected)                                                                    \
    do {                                                                                           \
        g_autofree char *log_ = take_log(f);                                                       \
        g_assert_cmpstr(log_, ==, (expected));                                                     \
        f->log = g_string_new(NULL);                                                               \
    } while (0)

static char *
fs_pool_xml(const char *name, const char *device, const char *format, const char *target,
            const char *opts)
{
    return g_strdup_printf("<pool type='fs' " FS_NS "><name>%s</name><source><device path='%s'/>"
                           "<format type='%s'/></source><target><path>%s</path></target>%s"
                           "</pool>",
                           name, device, format, target, opts);
}

static int
pool_state(VstorDriver *drv, const VstorPoolId *id)
{
    VstorPoolInfo info;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_driver_pool_get_info(drv, id, &info, &err), ==, 0);
    return info.state;
}

static const char *vol_xml = "<volume><name>a.img</name><capacity unit='M'>1</capacity>"
                             "<allocation>0</allocation></volume>";

/* ---- recorded: fs ---- */

static void
test_fs_recorded(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *xml =
        fs_pool_xml("fsrec", f->image, "ext4", f->target,
                    "<fs:mount_opts><fs:option name='noatime'/></fs:mount_opts>");
    g_autofree char *mkfs = g_strdup_printf("mkfs -t ext4 -F %s\n", f->image);
    g_autofree char *mount = g_strdup_printf("mount -o nodev,nosuid,noexec,noatime -t ext4 %s %s\n",
                                             f->image, f->target);
    g_autofree char *umount = g_strdup_printf("umount %s\n", f->target);
    g_autofree char *bare = g_build_filename(f->target, "b.img", NULL);

    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id, &err), ==, 0);
    g_assert_no_error(err);

    /* plain build only makes the mount point; formatting takes a flag */
    g_assert_cmpint(vstor_driver_pool_build(f->drv, &id, 0, &err), ==, 0);
    g_assert_true(g_file_test(f->target, G_FILE_TEST_IS_DIR));
    ASSERT_LOG(f, "");
    g_assert_cmpint(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_NO_OVERWRITE, &err), ==,
                    0);
    g_assert_no_error(err);
    ASSERT_LOG(f, mkfs);
    g_assert_cmpint(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, &err), ==, 0);
    ASSERT_LOG(f, mkfs);
    ASSERT_FAILS(vstor_driver_pool_build(
                     f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE | VSTOR_POOL_BUILD_NO_OVERWRITE, err_),
                 VSTOR_ERR_INVALID_ARG, "mutually exclusive");
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_REPAIR, err_),
                 VSTOR_ERR_INVALID_ARG, "unsupported flags (0x1)");
    ASSERT_LOG(f, "");

    /* start mounts, a second look finds it mounted, destroy unmounts */
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &id, 0, &err), ==, 0);
    g_assert_no_error(err);
    ASSERT_LOG(f, mount);
    g_assert_cmpint(pool_state(f->drv, &id), ==, VSTOR_POOL_STATE_RUNNING);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id, vol_xml, 0, &vol, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    ASSERT_LOG(f, umount);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 0);

    /* the mount vanishes behind vstor's back: nothing is written, the pool is inaccessible */
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &id, 0, &err), ==, 0);
    ASSERT_LOG(f, mount);
    g_ptr_array_set_size(f->mounts, 0);
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>b.img</name><capacity>1</capacity>"
                                         "</volume>",
                                         0, &vol, err_),
                 VSTOR_ERR_OPERATION_INVALID,
                 "storage pool 'fsrec' is inaccessible: nothing is mounted on");
    g_assert_false(g_file_test(bare, G_FILE_TEST_EXISTS));
    ASSERT_FAILS(vstor_driver_pool_refresh(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "run pool-destroy and pool-start to mount it again");
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 1);
    g_assert_cmpint(pool_state(f->drv, &id), ==, VSTOR_POOL_STATE_INACCESSIBLE);
    {
        /* something else mounted there is named */
        VstorMountEntry *other = g_new0(VstorMountEntry, 1);

        other->source = g_strdup("/dev/vdz9");
        other->target = g_strdup(f->target);
        other->type = g_strdup("xfs");
        other->options = g_strdup("rw");
        g_ptr_array_add(f->mounts, other);
        ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                             "<volume><name>c.img</name><capacity>1</capacity>"
                                             "</volume>",
                                             0, &vol, err_),
                     VSTOR_ERR_OPERATION_INVALID, "'/dev/vdz9' (xfs) is mounted on");
        /* destroy leaves someone else's mount alone */
        g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
        ASSERT_LOG(f, "");
        g_ptr_array_set_size(f->mounts, 0);
    }

    /* the mount point goes with pool-delete (the simulated mount wrote into it: empty it);
     * create with build formats and mounts */
    g_assert_cmpint(unlink(vol.key), ==, 0);
    g_assert_cmpint(vstor_driver_pool_delete(f->drv, &id, 0, &err), ==, 0);
    g_assert_false(g_file_test(f->target, G_FILE_TEST_EXISTS));
    g_assert_cmpint(vstor_driver_pool_undefine(f->drv, &id, &err), ==, 0);
    vstor_pool_id_clear(&id);
    g_assert_cmpint(
        vstor_driver_pool_create(f->drv, xml, VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE, &id, &err),
        ==, 0);
    g_assert_no_error(err);
    {
        g_autofree char *both = g_strconcat(mkfs, mount, NULL);

        ASSERT_LOG(f, both);
    }
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    ASSERT_LOG(f, umount);
}

static void
test_fs_recorded_errors(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *missing = g_build_filename(f->tmp, "no-such-disk", NULL);
    g_autofree char *xml = fs_pool_xml("fsmiss", missing, "xfs", f->target, "");
    g_autofree char *xml_auto = fs_pool_xml("fsauto", f->image, "auto", f->target, "");
    g_autofree char *mount = NULL;

    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, err_),
                 VSTOR_ERR_OPERATION_INVALID, "Source device does not exist when formatting pool");
    g_assert_cmpint(vstor_driver_pool_undefine(f->drv, &id, &err), ==, 0);
    vstor_pool_id_clear(&id);

    /* auto cannot be made; a failing mount says what blkid found */
    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml_auto, 0, &id, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, err_),
                 VSTOR_ERR_OPERATION_UNSUPPORTED, "there is no mkfs for it");
    mount = g_strdup_printf("mount -o nodev,nosuid,noexec -t auto %s %s", f->image, f->target);
    vstor_runner_expect_full(f->runner, mount, 32, NULL, "mount: wrong fs type, bad option");
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_INTERNAL_ERROR,
                 "carries no filesystem blkid recognizes");
    g_assert_cmpuint(vstor_runner_pending(f->runner), ==, 0);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 0);
}

/* ---- recorded: netfs ---- */

typedef struct {
    const char *format;
    const char *dir;
    const char *extra_source; /* inside <source> */
    const char *opts; /* namespace options */
    const char *mount; /* expected, with %s for the target */
} NetfsCase;

static const NetfsCase netfs_cases[] = {
    {"nfs", "/exports/vm", "<protocol ver='4.1'/>", "",
     "mount -o nodev,nosuid,noexec,nfsvers=4.1 -t nfs nfs.example.com:/exports/vm %s"},
    {"auto", "/exports/auto", "<protocol ver='3'/>", "",
     "mount -o nodev,nosuid,noexec,nfsvers=3 nfs.example.com:/exports/auto %s"},
    {"cifs", "share name", "", "<fs:mount_opts><fs:option name='vers=3.0'/></fs:mount_opts>",
     "mount -o nodev,nosuid,noexec,guest,vers=3.0 -t cifs '//nfs.example.com/share name' %s"},
    {"glusterfs", "/gv0", "",
     "<fs:mount_opts><fs:option name='backup-volfile-servers=g2:g3'/></fs:mount_opts>",
     "mount -o nodev,nosuid,noexec,direct-io-mode=1,backup-volfile-servers=g2:g3 -t glusterfs "
     "nfs.example.com:/gv0 %s"},
};

static void
test_netfs_recorded(Fixture *f, gconstpointer data)
{
    for (guint i = 0; i < G_N_ELEMENTS(netfs_cases); i++) {
        const NetfsCase *c = &netfs_cases[i];
        g_auto(VstorPoolId) id = {0};
        g_auto(VstorVolId) vol = {0};
        g_autoptr(GError) err = NULL;
        g_autofree char *target = g_strdup_printf("%s/n%u", f->tmp, i);
        g_autofree char *xml = g_strdup_printf(
            "<pool type='netfs' " FS_NS "><name>net%u</name><source><host name='nfs.example.com'/>"
            "<dir path='%s'/><format type='%s'/>%s</source><target><path>%s</path></target>%s"
            "</pool>",
            i, c->dir, c->format, c->extra_source, target, c->opts);
        g_autofree char *mount = g_strdup_printf(c->mount, target);
        g_autofree char *mount_line = g_strconcat(mount, "\n", NULL);
        g_autofree char *umount = g_strdup_printf("umount %s\n", target);

        g_test_message("netfs format %s", c->format);
        g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id, &err), ==, 0);
        g_assert_no_error(err);
        ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, err_),
                     VSTOR_ERR_OPERATION_INVALID, "No source device specified when formatting");
        g_assert_cmpint(vstor_driver_pool_build(f->drv, &id, 0, &err), ==, 0);
        ASSERT_LOG(f, "");

        /* a server that refuses: the pool stays inactive and says why */
        vstor_runner_expect_full(f->runner, mount, 32, NULL, "mount error: connection refused");
        ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_INTERNAL_ERROR,
                     "connection refused");
        g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 0);
        ASSERT_LOG(f, mount_line);
        g_ptr_array_set_size(f->mounts, 0); /* that mount failed: the kernel has nothing */

        /* start (target made if missing), volumes, destroy */
        g_assert_cmpint(rmdir(target), ==, 0);
        g_assert_cmpint(vstor_driver_pool_start(f->drv, &id, 0, &err), ==, 0);
        g_assert_no_error(err);
        ASSERT_LOG(f, mount_line);
        g_assert_cmpint(vstor_driver_vol_create(f->drv, &id, vol_xml, 0, &vol, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpint(pool_state(f->drv, &id), ==, VSTOR_POOL_STATE_RUNNING);
        g_ptr_array_set_size(f->mounts, 0);
        g_assert_cmpint(pool_state(f->drv, &id), ==, VSTOR_POOL_STATE_INACCESSIBLE);
        ASSERT_FAILS(vstor_driver_vol_delete(f->drv, &vol, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                     "is inaccessible");
        apply_command(f, mount);
        g_assert_cmpint(pool_state(f->drv, &id), ==, VSTOR_POOL_STATE_RUNNING);
        g_assert_cmpint(vstor_driver_vol_delete(f->drv, &vol, 0, &err), ==, 0);
        g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
        ASSERT_LOG(f, umount);
        g_assert_cmpint(vstor_driver_pool_delete(f->drv, &id, 0, &err), ==, 0);
        g_assert_cmpint(vstor_driver_pool_undefine(f->drv, &id, &err), ==, 0);
    }
}

/* ---- find-storage-pool-sources ---- */

static char *
netfs_data(const char *name)
{
    g_autofree char *path =
        g_build_filename(test_source_root(), "tests", "data", "netfs", name, NULL);

    return test_read_file(path);
}

static const char *showmount_cmd = "showmount --no-headers --exports nfs.example.com";
static const char *gluster_cmd =
    "gluster --xml --log-file=/dev/null volume info all --remote-host=nfs.example.com";
static const char *host_xml = "<source><host name='nfs.example.com'/></source>";

static void
test_netfs_find_sources(void)
{
    g_autoptr(VstorCommandRunner) runner = vstor_runner_new_recording();
    VstorBackendEnv env = {.runner = runner};
    g_autoptr(GError) err = NULL;
    g_autofree char *exports = netfs_data("showmount.out");
    g_autofree char *expected = netfs_data("showmount.sources.xml");
    g_autofree char *no_mountd = netfs_data("showmount-no-mountd.err");
    g_autofree char *xml = NULL;
    g_autofree char *log = NULL;

    /* NFS exports; no glusterd on the host is no error */
    vstor_runner_expect(runner, showmount_cmd, 0, exports);
    vstor_runner_expect_full(runner, gluster_cmd, 1, NULL, "Connection failed.");
    g_assert_cmpint(vstor_backend_netfs_find_sources(&env, host_xml, 0, &xml, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(xml, ==, expected);
    log = vstor_runner_take_log(runner);
    g_assert_cmpstr(log, ==,
                    "showmount \\\n--no-headers \\\n--exports nfs.example.com\ngluster \\\n"
                    "--xml \\\n--log-file=/dev/null volume info all \\\n"
                    "--remote-host=nfs.example.com\n");

    /* neither NFS nor Gluster answers */
    vstor_runner_expect_full(runner, showmount_cmd, 1, NULL, no_mountd);
    vstor_runner_expect_full(runner, gluster_cmd, 1, NULL, "Connection failed.");
    ASSERT_FAILS(vstor_backend_netfs_find_sources(&env, host_xml, 0, &xml, err_),
                 VSTOR_ERR_OPERATION_FAILED,
                 "no storage pools were found on host 'nfs.example.com' (showmount:");
    vstor_runner_expect_full(runner, showmount_cmd, 1, NULL, no_mountd);
    vstor_runner_expect_full(runner, gluster_cmd, 1, NULL, "Connection failed.");
    ASSERT_FAILS(vstor_backend_netfs_find_sources(&env, host_xml, 0, &xml, err_),
                 VSTOR_ERR_OPERATION_FAILED, "RPC: Program not registered");

    ASSERT_FAILS(vstor_backend_netfs_find_sources(&env, NULL, 0, &xml, err_), VSTOR_ERR_INVALID_ARG,
                 "hostname must be specified for netfs sources");
    ASSERT_FAILS(vstor_backend_netfs_find_sources(&env,
                                                  "<source><host name='a'/><host name='b'/>"
                                                  "</source>",
                                                  0, &xml, err_),
                 VSTOR_ERR_CONFIG_UNSUPPORTED, "Expected exactly 1 host");
    ASSERT_FAILS(
        vstor_backend_netfs_find_sources(&env, "<source><host name='-x'/></source>", 0, &xml, err_),
        VSTOR_ERR_INVALID_ARG, "must not start with '-'");
    ASSERT_FAILS(vstor_backend_netfs_find_sources(&env, host_xml, 1, &xml, err_),
                 VSTOR_ERR_INVALID_ARG, "unsupported flags");
    g_assert_cmpuint(vstor_runner_pending(runner), ==, 0);
}

/* libvirt's own recorded gluster CLI output and the <sources> it makes of it. */
static void
test_gluster_corpus(void)
{
    const char *src = test_libvirt_src();
    const char *names[] = {"basic", "multivol"};

    if (!src)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        for (int native = 0; native < 2; native++) {
            g_autofree char *in_name = g_strdup_printf("gluster-parse-%s-src.xml", names[i]);
            g_autofree char *out_name =
                g_strdup_printf("gluster-parse-%s-%s.xml", names[i], native ? "native" : "netfs");
            g_autofree char *in =
                g_build_filename(src, "tests", "virstorageutildata", in_name, NULL);
            g_autofree char *out =
                g_build_filename(src, "tests", "virstorageutildata", out_name, NULL);
            g_autofree char *text = test_read_file(in);
            g_autofree char *expected = test_read_file(out);
            g_autofree char *xml = NULL;
            g_autoptr(VstorPoolSourceList) list =
                vstor_pool_source_list_new(native ? VSTOR_POOL_GLUSTER : VSTOR_POOL_NETFS);
            g_autoptr(GError) err = NULL;

            g_assert_cmpint(vstor_gluster_parse_volumes("testhost", text, list, &err), >, 0);
            g_assert_no_error(err);
            xml = vstor_pool_source_list_format(list);
            g_assert_cmpstr(xml, ==, expected);
        }
    }
}

static void
test_showmount_parse(void)
{
    g_autoptr(VstorPoolSourceList) list = vstor_pool_source_list_new(VSTOR_POOL_NETFS);
    g_autofree char *xml = NULL;

    /* blanks inside a path, "/" itself, and lines that are no export */
    vstor_netfs_parse_showmount("h",
                                "/srv/a dir   10.0.0.0/8,host1\n/ (everyone)\n"
                                "Export list for h:\nnoslash *\n/lonely\n\n",
                                list);
    xml = vstor_pool_source_list_format(list);
    g_assert_cmpstr(xml, ==,
                    "<sources>\n  <source>\n    <host name='h'/>\n    <dir path='/srv/a dir'/>\n"
                    "    <format type='nfs'/>\n  </source>\n  <source>\n    <host name='h'/>\n"
                    "    <dir path='/'/>\n    <format type='nfs'/>\n  </source>\n</sources>\n");
}

/* The same through the driver's entry point (vstor_driver_find_pool_sources). */
static void
test_find_sources_driver(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *exports = netfs_data("showmount.out");
    g_autofree char *expected = netfs_data("showmount.sources.xml");
    g_autofree char *xml = NULL;
    g_autofree char *fs_xml = NULL;
    g_autofree char *dev = g_strdup_printf("<source><device path='%s'/></source>", f->image);

    vstor_runner_expect(f->runner, showmount_cmd, 0, exports);
    vstor_runner_expect_full(f->runner, gluster_cmd, 1, NULL, "Connection failed.");
    xml = vstor_driver_find_pool_sources(f->drv, "netfs", host_xml, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(xml, ==, expected);
    fs_xml = vstor_driver_find_pool_sources(f->drv, "fs", dev, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(fs_xml, ==, "<sources>\n</sources>\n");
}

static void
test_fs_find_sources_blank(Fixture *f, gconstpointer data)
{
    VstorBackendEnv env = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *src = g_strdup_printf("<source><device path='%s'/></source>", f->image);
    g_autofree char *missing = g_strdup_printf("<source><device path='%s/nope'/></source>", f->tmp);
    g_autofree char *xml = NULL;

    g_assert_cmpint(vstor_backend_fs_find_sources(&env, src, 0, &xml, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(xml, ==, "<sources>\n</sources>\n");
    ASSERT_FAILS(vstor_backend_fs_find_sources(&env, missing, 0, &xml, err_),
                 VSTOR_ERR_STORAGE_PROBE_FAILED, "nope");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, recorded_setup, fn, recorded_teardown)
    ADD("/backend-fs/recorded/fs", test_fs_recorded);
    ADD("/backend-fs/recorded/fs-errors", test_fs_recorded_errors);
    ADD("/backend-fs/recorded/netfs", test_netfs_recorded);
    ADD("/backend-fs/find-sources/fs-blank", test_fs_find_sources_blank);
    ADD("/backend-fs/find-sources/driver", test_find_sources_driver);
    g_test_add_func("/backend-fs/find-sources/netfs", test_netfs_find_sources);
    g_test_add_func("/backend-fs/find-sources/showmount-parse", test_showmount_parse);
    g_test_add_func("/backend-fs/find-sources/gluster-corpus", test_gluster_corpus);
    return g_test_run();
}
