/* disk-fixture.c: what the disk backend tests share — a driver on a scratch root over an image
 * file (recorded runs) or a self-detaching loop device (real runs), and pool/volume helpers. */
#include "disk-fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs a helper program of the test itself (losetup, parted on a scratch image); its stdout. */
int
run(const char *const *argv, char **ret_out)
{
    g_autofree char *prog = vstor_command_find_program(argv[0]);
    g_autofree char *out = NULL;
    g_autofree char *errtext = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) full = g_strdupv((char **)argv);
    int status = -1;

    if (!prog)
        return -1;
    g_free(full[0]);
    full[0] = g_steal_pointer(&prog);
    if (!g_spawn_sync(NULL, full, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &errtext, &status, &err))
        return -1;
    if (ret_out)
        *ret_out = g_steal_pointer(&out);
    return g_spawn_check_wait_status(status, NULL) ? 0 : -1;
}

char *
pool_xml(const char *dev, const char *format)
{
    return g_strdup_printf("<pool type='disk'><name>d1</name><uuid>" POOL_UUID "</uuid>"
                           "<source><device path='%s'/><format type='%s'/></source>"
                           "<target><path>/dev</path></target></pool>",
                           dev, format);
}

char *
vol_xml(const char *name, unsigned long long bytes, const char *format)
{
    return g_strdup_printf("<volume><name>%s</name><capacity unit='bytes'>%llu</capacity>"
                           "<target><format type='%s'/></target></volume>",
                           name, bytes, format);
}

void
define_pool(Fixture *f, const char *format, VstorPoolId *ret_id)
{
    g_autofree char *xml = pool_xml(f->dev, format);

    vstor_pool_id_clear(ret_id);
    ASSERT_OK(vstor_driver_pool_define(f->drv, xml, 0, ret_id, err_));
}

void
create_vol(Fixture *f, const VstorPoolId *pool, const char *name, unsigned long long bytes,
           const char *format)
{
    g_autofree char *xml = vol_xml(name, bytes, format);
    g_auto(VstorVolId) vol = {0};

    ASSERT_OK(vstor_driver_vol_create(f->drv, pool, xml, 0, &vol, err_));
    g_assert_cmpstr(vol.name, ==, name);
}

int
try_create(Fixture *f, const VstorPoolId *pool, const char *name, unsigned long long bytes,
           const char *format, GError **err)
{
    g_autofree char *xml = vol_xml(name, bytes, format);
    g_auto(VstorVolId) vol = {0};

    return vstor_driver_vol_create(f->drv, pool, xml, 0, &vol, err);
}

void
lookup_vol(Fixture *f, const VstorPoolId *pool, const char *name, VstorVolId *ret_vol)
{
    vstor_vol_id_clear(ret_vol);
    ASSERT_OK(vstor_driver_vol_lookup_by_name(f->drv, pool, name, ret_vol, err_));
}

/* The volume names of @pool, sorted, joined with spaces. */
char *
vol_names(Fixture *f, const VstorPoolId *pool)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = vstor_driver_vol_list(f->drv, pool, 0, &err);
    g_autoptr(GString) s = g_string_new(NULL);

    g_assert_no_error(err);
    for (guint i = 0; i < vols->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", ((VstorVolId *)vols->pdata[i])->name);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

void
reopen(Fixture *f)
{
    g_autoptr(GError) err = NULL;

    vstor_driver_close(f->drv);
    f->drv = vstor_driver_open(f->root, 0, &err);
    g_assert_no_error(err);
    if (f->runner)
        vstor_driver_set_runner(f->drv, f->runner);
}

void
make_image(const char *path, unsigned long long size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    close(fd);
}

static void
common_setup(Fixture *f, unsigned long long image_size)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *tmp = g_dir_make_tmp("vstor-disk-XXXXXX", &err);

    g_assert_no_error(err);
    f->tmp = realpath(tmp, NULL);
    f->root = g_build_filename(f->tmp, "root", NULL);
    f->image = g_build_filename(f->tmp, "vdisk", NULL);
    f->loop_fd = -1;
    make_image(f->image, image_size);
    f->drv = vstor_driver_open(f->root, 0, &err);
    g_assert_no_error(err);
}

void
recorded_setup(Fixture *f, gconstpointer data)
{
    common_setup(f, 16 * MIB);
    f->dev = g_strdup(f->image);
    f->runner = vstor_runner_new_recording();
    vstor_driver_set_runner(f->drv, f->runner);
    /* Stand-ins for the partition nodes a real disk would get: the backend checks they exist. */
    for (int i = 1; i <= 9; i++) {
        g_autofree char *node = g_strdup_printf("%s%d", f->image, i);

        make_image(node, 0);
    }
}

/* A loop device with partition scanning over a 64 MiB image, set to detach itself when the
 * test's descriptor closes, so that not even a crashed test leaves it behind. */
void
real_setup(Fixture *f, gconstpointer data)
{
    g_autofree char *out = NULL;
    g_autofree char *losetup = vstor_command_find_program("losetup");
    struct loop_info64 info;

    common_setup(f, 64 * MIB);
    if (getuid() != 0) {
        g_test_skip("needs root to attach loop devices");
        return;
    }
    if (!losetup) {
        g_test_skip("losetup is not installed");
        return;
    }
    if (data) {
        /* A table the kernel has never read: written to the file, attached without -P. */
        g_assert_cmpint(run((const char *[]){"parted", "-s", f->image, "mklabel", "gpt", "mkpart",
                                             "primary", "1MiB", "9MiB", NULL},
                            NULL),
                        ==, 0);
    }
    g_assert_cmpint(
        run((const char *[]){"losetup", data ? "-f" : "-fP", "--show", f->image, NULL}, &out), ==,
        0);
    f->dev = g_strdup(g_strstrip(out));
    f->loop_fd = open(f->dev, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(f->loop_fd, >=, 0);
    g_assert_cmpint(ioctl(f->loop_fd, LOOP_GET_STATUS64, &info), ==, 0);
    info.lo_flags |= LO_FLAGS_AUTOCLEAR;
    g_assert_cmpint(ioctl(f->loop_fd, LOOP_SET_STATUS64, &info), ==, 0);
}

void
teardown(Fixture *f, gconstpointer data)
{
    vstor_driver_close(f->drv);
    if (f->loop_fd >= 0) {
        g_autofree char *name = g_path_get_basename(f->dev);
        g_autofree char *backing = g_strdup_printf("/sys/block/%s/loop/backing_file", name);

        run((const char *[]){"partx", "-d", f->dev, NULL}, NULL);
        run((const char *[]){"losetup", "-d", f->dev, NULL}, NULL);
        close(f->loop_fd);
        for (int i = 0; i < 50 && g_file_test(backing, G_FILE_TEST_EXISTS); i++)
            g_usleep(100 * 1000);
        g_assert_false(g_file_test(backing, G_FILE_TEST_EXISTS));
    }
    if (f->runner) {
        g_assert_cmpuint(vstor_runner_pending(f->runner), ==, 0);
        vstor_runner_free(f->runner);
    }
    run((const char *[]){"rm", "-rf", f->tmp, NULL}, NULL);
    free(f->tmp);
    g_free(f->root);
    g_free(f->image);
    g_free(f->dev);
}
