/* test-backend-fs-real.c: fs pools for real — loop devices formatted ext4 and xfs through the
 * pool's build, really mounted, volumes on them, restarts and mounts vanishing (root only). */
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/fiemap.h>
#include <linux/fs.h>

#include "backends/fs_cmd.h"
#include "backends/mount.h"
#include "storage/driver.h"
#include "testutil.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileio.h"

#define IMAGE_SIZE (512 << 20) /* mkfs.xfs wants 300 MiB at least */

/* Each body runs in a subprocess: the parent then detaches the loop device and unmounts what
 * is left under the scratch directory even when an assertion killed the body. */
typedef struct {
    char *tmp;
    char *root;
    char *target;
    const char *loop;
    VstorDriver *drv;
} Real;

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

/* Runs a tool for real (found where vstor finds it); TRUE when it exits 0. */
static gboolean
run_tool(const char *name, const char *a1, const char *a2, const char *a3, const char *a4,
         char **ret_out)
{
    g_autofree char *prog = vstor_command_find_program(name);
    const char *argv[] = {prog, a1, a2, a3, a4, NULL};
    g_autofree char *out = NULL;
    int status;

    if (!prog ||
        !g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                      &status, NULL) ||
        !g_spawn_check_wait_status(status, NULL))
        return FALSE;
    if (ret_out)
        *ret_out = g_strdup(g_strstrip(out));
    return TRUE;
}

static GPtrArray *
real_mounts(void)
{
    g_autofree char *text = NULL;

    g_assert_true(g_file_get_contents("/proc/self/mounts", &text, NULL, NULL));
    return vstor_mounts_parse(text);
}

/* "SOURCE TYPE" of the topmost real mount on @target, or NULL; and how many there are. */
static char *
real_mount_on(const char *target, guint *ret_count)
{
    g_autoptr(GPtrArray) table = real_mounts();
    const VstorMountEntry *top = NULL;
    guint n = 0;

    for (guint i = 0; i < table->len; i++) {
        const VstorMountEntry *e = table->pdata[i];

        if (g_str_equal(e->target, target)) {
            top = e;
            n++;
        }
    }
    if (ret_count)
        *ret_count = n;
    return top ? g_strdup_printf("%s %s", top->source, top->type) : NULL;
}

/* The kernel's id of the topmost mount on @target (/proc/self/mountinfo), or -1: the same id
 * before and after a driver restart proves nothing was remounted. */
static gint64
mount_id(const char *target)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gint64 id = -1;

    g_assert_true(g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 6);

        if (g_strv_length(f) >= 5 && g_str_equal(f[4], target))
            id = g_ascii_strtoll(f[0], NULL, 10);
    }
    return id;
}

static char *
pool_xml(Real *r, const char *format)
{
    return g_strdup_printf("<pool type='fs'><name>fsreal</name><source><device path='%s'/>"
                           "<format type='%s'/></source><target><path>%s</path></target></pool>",
                           r->loop, format, r->target);
}

static void
define_pool(Real *r, const char *format, VstorPoolId *ret_id)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = pool_xml(r, format);

    g_assert_cmpint(vstor_driver_pool_define(r->drv, xml, 0, ret_id, &err), ==, 0);
    g_assert_no_error(err);
}

static int
pool_state(Real *r, const VstorPoolId *id)
{
    VstorPoolInfo info;
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_driver_pool_get_info(r->drv, id, &info, &err), ==, 0);
    return info.state;
}

static void
create_vol(Real *r, const VstorPoolId *id, const char *name, const char *format, VstorVolId *ret)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity unit='M'>64"
                                           "</capacity><allocation>0</allocation><target>"
                                           "<format type='%s'/></target></volume>",
                                           name, format);

    g_assert_cmpint(vstor_driver_vol_create(r->drv, id, xml, 0, ret, &err), ==, 0);
    g_assert_no_error(err);
}

/* Defines the pool with a @format filesystem, makes it and mounts it. */
static void
start_fs_pool(Real *r, const char *format, VstorPoolId *ret_id)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *top = NULL;
    g_autofree char *suffix = g_strconcat(" ", format, NULL);

    define_pool(r, format, ret_id);
    g_assert_cmpint(vstor_driver_pool_build(r->drv, ret_id, VSTOR_POOL_BUILD_NO_OVERWRITE, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_start(r->drv, ret_id, 0, &err), ==, 0);
    g_assert_no_error(err);
    top = real_mount_on(r->target, NULL);
    g_assert_nonnull(top);
    g_assert_true(g_str_has_suffix(top, suffix));
}

static void
body_ext4_lifecycle(Real *r)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) raw = {0};
    g_auto(VstorVolId) qcow = {0};
    g_auto(VstorVolId) clone = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    g_autofree char *qcow_path = g_build_filename(r->target, "b.qcow2", NULL);
    g_autofree char *src_xml = g_strdup_printf("<source><device path='%s'/></source>", r->loop);
    g_autofree char *expected = g_strdup_printf("<sources>\n  <source>\n    <device path='%s'/>\n"
                                                "    <format type='ext4'/>\n  </source>\n"
                                                "</sources>\n",
                                                r->loop);
    g_autofree char *found = NULL;
    g_autofree char *all = NULL;
    g_autofree char *loop_entry = g_strdup_printf("<device path='%s'/>", r->loop);
    g_autofree char *qemu_out = NULL;
    VstorBackendEnv env = {0};
    VstorPoolInfo info;
    VstorVolInfo vinfo;

    start_fs_pool(r, "ext4", &id);
    g_assert_cmpint(vstor_driver_pool_get_info(r->drv, &id, &info, &err), ==, 0);
    g_assert_cmpint(info.state, ==, VSTOR_POOL_STATE_RUNNING);
    g_assert_cmpuint(info.capacity, >, IMAGE_SIZE / 2);
    g_assert_cmpuint(info.capacity, <=, IMAGE_SIZE);
    g_assert_cmpuint(info.available, >, 0);

    create_vol(r, &id, "a.img", "raw", &raw);
    create_vol(r, &id, "b.qcow2", "qcow2", &qcow);
    g_assert_true(run_tool("qemu-img", "check", "-q", qcow_path, NULL, NULL));
    g_assert_true(run_tool("qemu-img", "info", qcow_path, NULL, NULL, &qemu_out));
    g_assert_nonnull(strstr(qemu_out, "file format: qcow2"));
    g_assert_cmpint(vstor_driver_vol_create_from(r->drv, &id,
                                                 "<volume><name>c.img</name><capacity>0"
                                                 "</capacity><allocation>0</allocation>"
                                                 "</volume>",
                                                 &raw, 0, &clone, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_vol_get_info(r->drv, &clone, 0, &vinfo, &err), ==, 0);
    g_assert_cmpuint(vinfo.capacity, ==, 64 << 20);
    g_assert_cmpint(vstor_driver_vol_delete(r->drv, &clone, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_refresh(r->drv, &id, 0, &err), ==, 0);
    /* ext4's lost+found is listed too, as libvirt lists it (a volume of type dir) */
    vols = vstor_driver_vol_list(r->drv, &id, 0, &err);
    g_assert_cmpuint(vols->len, ==, 3);
    g_assert_cmpstr(((VstorVolId *)vols->pdata[2])->name, ==, "lost+found");

    /* find-sources: the device asked about, and a scan of every block device */
    g_assert_cmpint(vstor_backend_fs_find_sources(&env, src_xml, 0, &found, &err), ==, 0);
    g_assert_cmpstr(found, ==, expected);
    g_assert_cmpint(vstor_backend_fs_find_sources(&env, NULL, 0, &all, &err), ==, 0);
    g_assert_nonnull(strstr(all, loop_entry));

    /* destroy unmounts; the volumes are on the filesystem, not under it */
    g_assert_cmpint(vstor_driver_pool_destroy(r->drv, &id, &err), ==, 0);
    g_assert_null(real_mount_on(r->target, NULL));
    g_assert_false(g_file_test(qcow_path, G_FILE_TEST_EXISTS));
    g_assert_cmpint(vstor_driver_pool_start(r->drv, &id, 0, &err), ==, 0);
    g_clear_pointer(&vols, g_ptr_array_unref);
    vols = vstor_driver_vol_list(r->drv, &id, 0, &err);
    g_assert_cmpuint(vols->len, ==, 3);
    g_assert_cmpint(vstor_driver_pool_destroy(r->drv, &id, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_delete(r->drv, &id, 0, &err), ==, 0);
    g_assert_false(g_file_test(r->target, G_FILE_TEST_EXISTS));
    g_assert_cmpint(vstor_driver_pool_undefine(r->drv, &id, &err), ==, 0);
}

static void
body_refusal_and_xfs(Real *r)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorPoolId) xid = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *top = NULL;

    /* a partition table is refused without --overwrite, and named */
    g_assert_true(run_tool("parted", "-s", r->loop, "mklabel", "gpt", NULL));
    define_pool(r, "ext4", &id);
    ASSERT_FAILS(vstor_driver_pool_build(r->drv, &id, VSTOR_POOL_BUILD_NO_OVERWRITE, err_),
                 VSTOR_ERR_STORAGE_POOL_BUILT, "found partition table 'gpt'");
    g_assert_cmpint(vstor_driver_pool_build(r->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, &err), ==, 0);
    g_assert_no_error(err);
    ASSERT_FAILS(vstor_driver_pool_build(r->drv, &id, VSTOR_POOL_BUILD_NO_OVERWRITE, err_),
                 VSTOR_ERR_STORAGE_POOL_BUILT, "already formatted using 'ext4'");
    g_assert_cmpint(vstor_driver_pool_undefine(r->drv, &id, &err), ==, 0);

    /* wanting xfs over ext4: build refuses, a start says what is there instead */
    define_pool(r, "xfs", &xid);
    ASSERT_FAILS(vstor_driver_pool_build(r->drv, &xid, VSTOR_POOL_BUILD_NO_OVERWRITE, err_),
                 VSTOR_ERR_STORAGE_POOL_BUILT, "(found filesystem 'ext4')");
    ASSERT_FAILS(vstor_driver_pool_start(r->drv, &xid, 0, err_), VSTOR_ERR_INTERNAL_ERROR,
                 "does not match the expected format 'xfs' (found filesystem 'ext4')");
    g_assert_cmpint(vstor_driver_pool_is_active(r->drv, &xid, &err), ==, 0);
    g_assert_null(real_mount_on(r->target, NULL));

    g_assert_cmpint(vstor_driver_pool_build(r->drv, &xid, VSTOR_POOL_BUILD_OVERWRITE, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_start(r->drv, &xid, 0, &err), ==, 0);
    g_assert_no_error(err);
    top = real_mount_on(r->target, NULL);
    g_assert_nonnull(top);
    g_assert_true(g_str_has_suffix(top, " xfs"));
    create_vol(r, &xid, "x.img", "raw", &vol);
    g_assert_cmpint(pool_state(r, &xid), ==, VSTOR_POOL_STATE_RUNNING);
    /* xfs shares extents: a clone asked to be a reflink is one, with the same content */
    {
        g_autofree char *src = g_build_filename(r->target, "x.img", NULL);
        g_autofree char *dst = g_build_filename(r->target, "x-ref.img", NULL);
        g_autofree char *a = NULL, *b = NULL;
        g_auto(VstorVolId) ref = {0};
        gsize alen, blen;
        int fd = open(src, O_WRONLY | O_CLOEXEC);

        g_assert_cmpint(pwrite(fd, "reflinked", 9, 1 << 20), ==, 9);
        close(fd);
        g_assert_cmpint(vstor_driver_vol_create_from(r->drv, &xid,
                                                     "<volume><name>x-ref.img</name><capacity>0"
                                                     "</capacity><allocation>0</allocation>"
                                                     "</volume>",
                                                     &vol, VSTOR_VOL_CREATE_REFLINK, &ref, &err),
                        ==, 0);
        g_assert_no_error(err);
        g_assert_true(g_file_get_contents(src, &a, &alen, NULL));
        g_assert_true(g_file_get_contents(dst, &b, &blen, NULL));
        g_assert_cmpmem(a, alen, b, blen);
    }
    g_assert_cmpint(vstor_driver_pool_destroy(r->drv, &xid, &err), ==, 0);
    g_assert_null(real_mount_on(r->target, NULL));
}

/* Bytes of @path in extents it shares with other files (FIEMAP_EXTENT_SHARED). */
static guint64
shared_bytes(const char *path)
{
    enum { N = 64 };
    g_autofree struct fiemap *map = g_malloc0(sizeof(*map) + N * sizeof(struct fiemap_extent));
    g_auto(VstorFd) fd = open(path, O_RDONLY | O_CLOEXEC);
    guint64 start = 0, shared = 0;

    g_assert_cmpint(fd, >=, 0);
    for (;;) {
        memset(map, 0, sizeof(*map));
        map->fm_start = start;
        map->fm_length = FIEMAP_MAX_OFFSET - start;
        map->fm_flags = FIEMAP_FLAG_SYNC;
        map->fm_extent_count = N;
        g_assert_cmpint(ioctl(fd, FS_IOC_FIEMAP, map), ==, 0);
        if (map->fm_mapped_extents == 0)
            return shared;
        for (guint i = 0; i < map->fm_mapped_extents; i++) {
            const struct fiemap_extent *e = &map->fm_extents[i];

            if (e->fe_flags & FIEMAP_EXTENT_SHARED)
                shared += e->fe_length;
            start = e->fe_logical + e->fe_length;
            if (e->fe_flags & FIEMAP_EXTENT_LAST)
                return shared;
        }
    }
}

/* qemu-img compare of two images (formats probed): TRUE when their contents are equal. */
static gboolean
images_equal(const char *a, const char *b)
{
    return run_tool("qemu-img", "compare", "-q", a, b, NULL);
}

static void
convert_vol(Real *r, const VstorPoolId *id, const VstorVolId *in, const char *name,
            const char *format)
{
    g_autoptr(GError) err = NULL;
    g_auto(VstorVolId) out = {0};
    g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity unit='M'>12"
                                           "</capacity><target><format type='%s'/></target>"
                                           "</volume>",
                                           name, format);

    g_assert_cmpint(vstor_driver_vol_create_from(r->drv, id, xml, in, 0, &out, &err), ==, 0);
    g_assert_no_error(err);
}

#define ENC_UUID "6e1f3c52-0b8e-4a8f-9d55-1c2b7d9f0a11"

/* On a file system that shares extents a conversion shares the input's data instead of
 * copying it (qemu-img -C), raw into qcow2 and back; the images stay equal and clean; an
 * encrypted one is written, not shared. */
static void
body_xfs_convert_shares(Real *r)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) in = {0};
    g_auto(VstorVolId) qcow = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *in_path = g_build_filename(r->target, "in.img", NULL);
    g_autofree char *qcow_path = g_build_filename(r->target, "out.qcow2", NULL);
    g_autofree char *back_path = g_build_filename(r->target, "back.img", NULL);
    g_autofree guint32 *data = g_new(guint32, (4 << 20) / 4);
    g_auto(VstorFd) fd = -1;

    start_fs_pool(r, "xfs", &id);
    fd = open(r->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!vstor_dir_shares_extents(fd, -1)) {
        g_test_skip("mkfs.xfs made a file system without reflink");
        return;
    }
    close(g_steal_fd(&fd));
    /* 4 MiB of data, a 4 MiB hole, 4 MiB of data */
    for (gsize i = 0; i < (4 << 20) / 4; i++)
        data[i] = g_random_int();
    fd = open(in_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    g_assert_cmpint(pwrite(fd, data, 4 << 20, 0), ==, 4 << 20);
    g_assert_cmpint(pwrite(fd, data, 4 << 20, 8 << 20), ==, 4 << 20);
    g_assert_cmpint(fsync(fd), ==, 0);
    close(g_steal_fd(&fd)); /* an open file would keep the pool's destroy from unmounting */
    g_assert_cmpint(vstor_driver_pool_refresh(r->drv, &id, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_vol_lookup_by_name(r->drv, &id, "in.img", &in, &err), ==, 0);
    g_assert_no_error(err);

    convert_vol(r, &id, &in, "out.qcow2", "qcow2");
    g_assert_true(run_tool("qemu-img", "check", "-q", qcow_path, NULL, NULL));
    g_assert_true(images_equal(in_path, qcow_path));
    g_assert_cmpuint(shared_bytes(qcow_path), >=, 8 << 20);

    g_assert_cmpint(vstor_driver_vol_lookup_by_name(r->drv, &id, "out.qcow2", &qcow, &err), ==, 0);
    convert_vol(r, &id, &qcow, "back.img", "raw");
    g_assert_true(images_equal(in_path, back_path));
    g_assert_cmpuint(shared_bytes(back_path), >=, 8 << 20);

    /* An encrypted image's bytes are not the input's: copied through qemu-img, never shared. */
    {
        g_autofree char *enc_path = g_build_filename(r->target, "enc.img", NULL);
        g_autofree char *secret_xml = g_strdup_printf(
            "<secret ephemeral='no' private='yes'><uuid>%s</uuid><usage type='volume'>"
            "<volume>%s</volume></usage></secret>",
            ENC_UUID, enc_path);
        g_auto(VstorSecretId) sid = {0};
        g_auto(VstorVolId) enc = {0};
        g_autofree char *bytes = NULL;
        gsize len;
        VstorSecretStore *st = vstor_driver_secrets(r->drv);

        g_assert_cmpint(vstor_secret_define(st, secret_xml, 0, &sid, &err), ==, 0);
        g_assert_cmpint(
            vstor_secret_set_value(st, sid.uuid, (const guint8 *)"passphrase", 10, 0, &err), ==, 0);
        g_assert_cmpint(vstor_driver_vol_create_from(
                            r->drv, &id,
                            "<volume><name>enc.img</name><capacity unit='M'>12</capacity>"
                            "<target><format type='raw'/><encryption format='luks'><secret "
                            "type='passphrase' uuid='" ENC_UUID "'/></encryption></target>"
                            "</volume>",
                            &in, 0, &enc, &err),
                        ==, 0);
        g_assert_no_error(err);
        g_assert_cmpuint(shared_bytes(enc_path), ==, 0);
        g_assert_true(g_file_get_contents(enc_path, &bytes, &len, NULL));
        g_assert_null(memmem(bytes, len, data + 1024, 64));
    }
    g_assert_cmpint(vstor_driver_pool_destroy(r->drv, &id, &err), ==, 0);
}

static void
reopen(Real *r)
{
    g_autoptr(GError) err = NULL;

    vstor_driver_close(r->drv);
    r->drv = vstor_driver_open(r->root, 0, &err);
    g_assert_no_error(err);
}

static void
body_restart(Real *r)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_auto(VstorVolId) found = {0};
    g_autoptr(GError) err = NULL;
    gint64 before;
    guint count;

    start_fs_pool(r, "ext4", &id);
    create_vol(r, &id, "a.img", "raw", &vol);
    before = mount_id(r->target);
    g_assert_cmpint(before, >, 0);

    /* still mounted: active again, nothing remounted */
    reopen(r);
    g_assert_cmpint(vstor_driver_pool_is_active(r->drv, &id, &err), ==, 1);
    g_assert_cmpint(mount_id(r->target), ==, before);
    g_free(real_mount_on(r->target, &count));
    g_assert_cmpuint(count, ==, 1);
    g_assert_cmpint(vstor_driver_vol_lookup_by_name(r->drv, &id, "a.img", &found, &err), ==, 0);
    g_assert_cmpint(pool_state(r, &id), ==, VSTOR_POOL_STATE_RUNNING);

    /* unmounted while vstor was down: inactive after the restart */
    vstor_driver_close(r->drv);
    r->drv = NULL;
    g_assert_true(run_tool("umount", r->target, NULL, NULL, NULL, NULL));
    reopen(r);
    g_assert_cmpint(vstor_driver_pool_is_active(r->drv, &id, &err), ==, 0);
}

static void
body_unmounted_behind_back(Real *r)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_auto(VstorVolId) other = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    g_autofree char *bare = g_build_filename(r->target, "b.img", NULL);
    g_autofree char *top = NULL;
    VstorVolInfo vinfo;

    start_fs_pool(r, "ext4", &id);
    create_vol(r, &id, "a.img", "raw", &vol);
    g_assert_true(run_tool("umount", r->target, NULL, NULL, NULL, NULL));

    ASSERT_FAILS(vstor_driver_vol_create(r->drv, &id,
                                         "<volume><name>b.img</name><capacity>1</capacity>"
                                         "</volume>",
                                         0, &other, err_),
                 VSTOR_ERR_OPERATION_INVALID,
                 "storage pool 'fsreal' is inaccessible: nothing is mounted on");
    g_assert_false(g_file_test(bare, G_FILE_TEST_EXISTS));
    ASSERT_FAILS(vstor_driver_vol_get_info(r->drv, &vol, 0, &vinfo, err_),
                 VSTOR_ERR_OPERATION_INVALID, "pool-destroy and pool-start");
    ASSERT_FAILS(vstor_driver_vol_delete(r->drv, &vol, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "is inaccessible");
    ASSERT_FAILS(vstor_driver_pool_refresh(r->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "is inaccessible");
    g_assert_cmpint(vstor_driver_pool_is_active(r->drv, &id, &err), ==, 1);
    g_assert_cmpint(pool_state(r, &id), ==, VSTOR_POOL_STATE_INACCESSIBLE);

    /* something else mounted there is named, and left alone by destroy */
    g_assert_true(run_tool("mount", "-t", "tmpfs", "vstor-other", r->target, NULL));
    ASSERT_FAILS(vstor_driver_vol_create(r->drv, &id,
                                         "<volume><name>b.img</name><capacity>1</capacity>"
                                         "</volume>",
                                         0, &other, err_),
                 VSTOR_ERR_OPERATION_INVALID, "'vstor-other' (tmpfs) is mounted on");
    g_assert_cmpint(vstor_driver_pool_destroy(r->drv, &id, &err), ==, 0);
    g_assert_no_error(err);
    top = real_mount_on(r->target, NULL);
    g_assert_cmpstr(top, ==, "vstor-other tmpfs");
    g_assert_true(run_tool("umount", r->target, NULL, NULL, NULL, NULL));

    /* destroy + start, as the message says, brings it back with its volume */
    g_assert_cmpint(vstor_driver_pool_start(r->drv, &id, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(pool_state(r, &id), ==, VSTOR_POOL_STATE_RUNNING);
    vols = vstor_driver_vol_list(r->drv, &id, 0, &err);
    g_assert_cmpuint(vols->len, ==, 2); /* a.img and lost+found */
    g_assert_cmpint(vstor_driver_pool_destroy(r->drv, &id, &err), ==, 0);
}

/* ---- harness ---- */

static void
remove_tree(const char *path)
{
    const char *argv[] = {"rm", "-rf", path, NULL};

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
}

/* Unmounts everything under @tmp (topmost first), detaches @loop, removes @tmp. */
static void
cleanup(const char *tmp, const char *loop)
{
    g_autofree char *prefix = g_strconcat(tmp, "/", NULL);

    for (guint round = 0; round < 8; round++) {
        g_autoptr(GPtrArray) table = real_mounts();
        gboolean any = FALSE;

        for (guint i = table->len; i > 0; i--) {
            const VstorMountEntry *e = table->pdata[i - 1];

            if (g_str_has_prefix(e->target, prefix)) {
                run_tool("umount", e->target, NULL, NULL, NULL, NULL);
                any = TRUE;
            }
        }
        if (!any)
            break;
    }
    if (loop)
        run_tool("losetup", "-d", loop, NULL, NULL, NULL);
    remove_tree(tmp);
}

typedef struct {
    void (*body)(Real *r);
} RealCase;

static void
run_real(gconstpointer data)
{
    const RealCase *c = data;
    g_autofree char *losetup = vstor_command_find_program("losetup");
    g_autofree char *tmp = NULL;
    g_autofree char *image = NULL;
    g_autofree char *loop = NULL;

    if (g_test_subprocess()) {
        g_autoptr(GError) err = NULL;
        Real r = {0};

        /* Only the parent knows the scratch directory and device it made. */
        if (!g_getenv("VSTOR_TEST_FS_TMP") || !(r.loop = g_getenv("VSTOR_TEST_FS_LOOP")))
            g_error("run without --GTestSubprocess: the parent sets the device up");
        r.tmp = g_strdup(g_getenv("VSTOR_TEST_FS_TMP"));
        r.root = g_build_filename(r.tmp, "root", NULL);
        r.target = g_build_filename(r.tmp, "mnt", NULL);
        r.drv = vstor_driver_open(r.root, 0, &err);
        g_assert_no_error(err);
        c->body(&r);
        vstor_driver_close(r.drv);
        g_free(r.tmp);
        g_free(r.root);
        g_free(r.target);
        return;
    }
    if (getuid() != 0) {
        g_test_skip("fs pools on loop devices need root (CI runs as root)");
        return;
    }
    if (!losetup) {
        g_test_skip("losetup is not installed: no loop devices for fs pools");
        return;
    }
    tmp = g_dir_make_tmp("vstor-fs-real-XXXXXX", NULL);
    g_assert_nonnull(tmp);
    image = g_build_filename(tmp, "disk.img", NULL);
    g_assert_true(g_file_set_contents(image, "", 0, NULL));
    g_assert_cmpint(truncate(image, IMAGE_SIZE), ==, 0);
    if (!run_tool("losetup", "-f", "--show", image, NULL, &loop) ||
        !g_str_has_prefix(loop, "/dev/")) {
        cleanup(tmp, NULL);
        g_test_skip("losetup -f --show failed: no loop device available");
        return;
    }
    g_setenv("VSTOR_TEST_FS_TMP", tmp, TRUE);
    g_setenv("VSTOR_TEST_FS_LOOP", loop, TRUE);
    g_test_trap_subprocess(NULL, 300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_unsetenv("VSTOR_TEST_FS_TMP");
    g_unsetenv("VSTOR_TEST_FS_LOOP");
    cleanup(tmp, loop);
    g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    g_test_trap_assert_passed();
}

int
main(int argc, char **argv)
{
    static const RealCase ext4 = {body_ext4_lifecycle}, refusal = {body_refusal_and_xfs},
                          restart = {body_restart}, unmounted = {body_unmounted_behind_back},
                          xfs_convert = {body_xfs_convert_shares};

    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/backend-fs/real/ext4-lifecycle", &ext4, run_real);
    g_test_add_data_func("/backend-fs/real/refusal-and-xfs", &refusal, run_real);
    g_test_add_data_func("/backend-fs/real/restart", &restart, run_real);
    g_test_add_data_func("/backend-fs/real/unmounted-behind-back", &unmounted, run_real);
    g_test_add_data_func("/backend-fs/real/xfs-convert-shares", &xfs_convert, run_real);
    return g_test_run();
}
