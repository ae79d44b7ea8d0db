/* test-api.c: the full life of a dir pool through the public C API, on an embedded connection
 * and on a remote one to a real vstord — every volume format qemu-img makes, checked with
 * `qemu-img info/check`, clone, convert, resize, wipe, upload/download with and without holes,
 * restart (of the daemon, remotely). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-api-fixture.h"
#include "testutil.h"
#include "util/error.h"
#include "vstor/vstor.h"

/* Runs a command and returns its stdout; fails the test when it exits non-zero. */
static char *
run(const char *const *argv)
{
    g_autoptr(GError) err = NULL;
    char *out = NULL;
    g_autofree char *errout = NULL;
    int status = 0;

    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status,
                 &err);
    g_assert_no_error(err);
    if (!g_spawn_check_wait_status(status, NULL))
        g_error("%s failed: %s", argv[0], errout);
    return out;
}

static VstorStoragePool *
make_pool(ApiFixture *f)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = g_strdup_printf("<pool type='dir'><name>images</name><target><path>"
                                           "%s</path></target></pool>",
                                           f->pooldir);
    VstorStoragePool *pool = vstor_storage_pool_define_xml(f->conn, xml, 0, &err);

    g_assert_no_error(err);
    g_assert_cmpint(vstor_storage_pool_build(pool, 0, &err), ==, 0);
    g_assert_cmpint(vstor_storage_pool_create(pool, 0, &err), ==, 0);
    g_assert_cmpint(vstor_storage_pool_set_autostart(pool, TRUE, &err), ==, 0);
    g_assert_no_error(err);
    return pool;
}

static void
test_connect_errors(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(vstor_connect_open("vstor:///other", 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_CONNECT);
    g_clear_error(&err);
    g_assert_null(vstor_connect_open("vstor+unix://host/system", 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_CONNECT);
    g_clear_error(&err);
    /* No daemon there: the socket cannot be reached. */
    g_assert_null(
        vstor_connect_open("vstor+unix:///system?socket=/nonexistent/vstord-sock", 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR);
    g_assert_nonnull(strstr(err->message, "/nonexistent/vstord-sock"));
    g_clear_error(&err);
    /* The system daemon's sockets, when it does not run here: read-write, then read-only. */
    if (!g_file_test("/run/vstor/vstord-sock-ro", G_FILE_TEST_EXISTS)) {
        g_assert_null(vstor_connect_open("vstor:///system", 0, &err));
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR);
        g_assert_nonnull(strstr(err->message, "'/run/vstor/vstord-sock'"));
        g_clear_error(&err);
        g_assert_null(vstor_connect_open("vstor:///system", VSTOR_CONNECT_RO, &err));
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR);
        g_assert_nonnull(strstr(err->message, "'/run/vstor/vstord-sock-ro'"));
        g_clear_error(&err);
    }
    g_assert_null(vstor_connect_open("vstor:///embed?root=/tmp", 0x100, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(vstor_connect_open("vstor:///embed", 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(vstor_connect_open("vstor:///embed?root=relative", 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
}

static void
test_every_format(ApiFixture *f, gconstpointer data)
{
    static const char *const formats[] = {"raw", "qcow2", "qcow", "qed", "vmdk", "vpc", "vdi"};
    g_autoptr(VstorStoragePool) pool = make_pool(f);
    g_autoptr(GPtrArray) vols = NULL;
    g_autoptr(GError) err = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_autofree char *name = g_strdup_printf("disk.%s", formats[i]);
        g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity unit='M'>64"
                                               "</capacity><allocation>0</allocation><target>"
                                               "<format type='%s'/></target></volume>",
                                               name, formats[i]);
        g_autoptr(VstorStorageVol) vol = vstor_storage_vol_create_xml(pool, xml, 0, &err);
        g_autofree char *path = NULL;
        g_autofree char *info = NULL;
        g_autofree char *want = g_strdup_printf("\"format\": \"%s\"", formats[i]);
        g_autofree char *dump = NULL;
        g_autofree char *want_fmt = g_strdup_printf("<format type='%s'/>", formats[i]);
        VstorStorageVolInfo vi;

        g_assert_no_error(err);
        path = vstor_storage_vol_get_path(vol, &err);
        {
            const char *argv[] = {"qemu-img", "info", "--output=json", path, NULL};

            info = run(argv);
        }
        g_assert_nonnull(strstr(info, want));
        {
            /* vpc rounds the size to its disk geometry, slightly below what was asked */
            const char *vs = strstr(info, "\"virtual-size\": ");
            guint64 size;

            g_assert_nonnull(vs);
            size = g_ascii_strtoull(vs + strlen("\"virtual-size\": "), NULL, 10);
            if (strcmp(formats[i], "vpc") == 0)
                g_assert_cmpuint(size, >=, 63 << 20);
            else
                g_assert_cmpuint(size, ==, 64 << 20);
        }
        if (strcmp(formats[i], "qcow2") == 0 || strcmp(formats[i], "qed") == 0 ||
            strcmp(formats[i], "vdi") == 0) {
            const char *argv[] = {"qemu-img", "check", path, NULL};
            g_autofree char *out = run(argv);
        }
        g_assert_cmpint(vstor_storage_vol_get_info(vol, 0, &vi, &err), ==, 0);
        g_assert_cmpuint(vi.capacity, >=, 63 << 20);
        dump = vstor_storage_vol_get_xml_desc(vol, 0, &err);
        g_assert_nonnull(strstr(dump, want_fmt));
    }
    vols = vstor_storage_pool_list_all_volumes(pool, 0, &err);
    g_assert_cmpuint(vols->len, ==, G_N_ELEMENTS(formats));
}

static void
fill_pattern(const char *path, gsize size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    /* data at the start, in the middle, and at the end; holes between */
    g_assert_cmpint(pwrite(fd, "first", 5, 0), ==, 5);
    g_assert_cmpint(pwrite(fd, "middle", 6, size / 2), ==, 6);
    g_assert_cmpint(pwrite(fd, "last!", 5, size - 5), ==, 5);
    close(fd);
}

static void
assert_same_file(const char *a, const char *b)
{
    g_autofree char *x = NULL, *y = NULL;
    gsize xl, yl;

    g_assert_true(g_file_get_contents(a, &x, &xl, NULL));
    g_assert_true(g_file_get_contents(b, &y, &yl, NULL));
    g_assert_cmpmem(x, xl, y, yl);
}

static void
test_life(ApiFixture *f, gconstpointer data)
{
    g_autoptr(VstorStoragePool) pool = make_pool(f);
    g_autoptr(VstorStorageVol) base = NULL;
    g_autoptr(VstorStorageVol) clone = NULL;
    g_autoptr(VstorStorageVol) conv = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *src = g_build_filename(f->tmp, "src.bin", NULL);
    g_autofree char *back = g_build_filename(f->tmp, "back.bin", NULL);
    g_autofree char *back2 = g_build_filename(f->tmp, "back2.bin", NULL);
    VstorStoragePoolInfo pinfo;
    VstorStorageVolInfo vi;
    struct stat st;
    int fd;

    base = vstor_storage_vol_create_xml(pool,
                                        "<volume><name>base.img</name><capacity unit='M'>32"
                                        "</capacity><allocation>0</allocation></volume>",
                                        0, &err);
    g_assert_no_error(err);

    /* upload a sparse file, download it back both ways */
    fill_pattern(src, 32 << 20);
    fd = open(src, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(
        vstor_storage_vol_upload_from_fd(base, fd, 0, 0, VSTOR_STORAGE_VOL_STREAM_SPARSE, &err), ==,
        0);
    close(fd);
    g_assert_no_error(err);
    fd = open(back, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(
        vstor_storage_vol_download_to_fd(base, fd, 0, 0, VSTOR_STORAGE_VOL_STREAM_SPARSE, &err), ==,
        0);
    close(fd);
    assert_same_file(src, back);
    g_assert_cmpint(stat(back, &st), ==, 0);
    g_assert_cmpint(st.st_blocks * 512, <, 1 << 20); /* holes stayed holes */
    fd = open(back2, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(vstor_storage_vol_download_to_fd(base, fd, 0, 0, 0, &err), ==, 0);
    close(fd);
    assert_same_file(src, back2);
    g_assert_cmpint(stat(back2, &st), ==, 0);
    g_assert_cmpint(st.st_blocks * 512, >=, 32 << 20); /* a plain download writes zeros */

    /* clone (holes kept), convert to qcow2 (qemu-img check clean) */
    clone = vstor_storage_vol_create_xml_from(pool,
                                              "<volume><name>clone.img</name><capacity>0"
                                              "</capacity><allocation>0</allocation></volume>",
                                              base, 0, &err);
    g_assert_no_error(err);
    {
        g_autofree char *p = vstor_storage_vol_get_path(clone, &err);

        assert_same_file(src, p);
    }
    conv = vstor_storage_vol_create_xml_from(pool,
                                             "<volume><name>conv.qcow2</name><capacity>0"
                                             "</capacity><target><format type='qcow2'/>"
                                             "</target></volume>",
                                             base, 0, &err);
    g_assert_no_error(err);
    {
        g_autofree char *p = vstor_storage_vol_get_path(conv, &err);
        g_autofree char *raw = g_build_filename(f->tmp, "conv.raw", NULL);
        const char *check[] = {"qemu-img", "check", p, NULL};
        const char *back_to_raw[] = {"qemu-img", "convert", "-O", "raw", p, raw, NULL};
        g_autofree char *o1 = run(check);
        g_autofree char *o2 = run(back_to_raw);

        assert_same_file(src, raw);
    }

    /* resize a qcow2 and a raw volume */
    g_assert_cmpint(vstor_storage_vol_resize(conv, 64 << 20, 0, &err), ==, 0);
    g_assert_cmpint(vstor_storage_vol_get_info(conv, 0, &vi, &err), ==, 0);
    g_assert_cmpuint(vi.capacity, ==, 64 << 20);
    g_assert_cmpint(vstor_storage_vol_resize(clone, 16 << 20, VSTOR_STORAGE_VOL_RESIZE_DELTA, &err),
                    ==, 0);
    g_assert_cmpint(vstor_storage_vol_get_info(clone, 0, &vi, &err), ==, 0);
    g_assert_cmpuint(vi.capacity, ==, 48 << 20);

    /* wipe: the data is gone */
    g_assert_cmpint(vstor_storage_vol_wipe(clone, 0, &err), ==, 0);
    {
        g_autofree char *p = vstor_storage_vol_get_path(clone, &err);
        g_autofree char *content = NULL;
        gsize len;

        g_assert_true(g_file_get_contents(p, &content, &len, NULL));
        g_assert_null(memmem(content, len, "middle", 6));
    }

    /* restart of the embedded root or of vstord: pool active and autostart, volumes there */
    g_assert_cmpint(vstor_storage_pool_get_info(pool, &pinfo, &err), ==, 0);
    g_assert_cmpint(pinfo.state, ==, VSTOR_STORAGE_POOL_RUNNING);
    g_clear_pointer(&base, vstor_storage_vol_free);
    g_clear_pointer(&clone, vstor_storage_vol_free);
    g_clear_pointer(&conv, vstor_storage_vol_free);
    g_clear_pointer(&pool, vstor_storage_pool_free);
    api_fixture_restart(f);
    pool = vstor_storage_pool_lookup_by_name(f->conn, "images", &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_storage_pool_is_active(pool, &err), ==, 1);
    {
        g_autoptr(GPtrArray) vols = vstor_storage_pool_list_all_volumes(pool, 0, &err);
        g_autoptr(VstorStorageVol) v = vstor_storage_vol_lookup_by_name(pool, "conv.qcow2", &err);
        g_autofree char *p = NULL;
        g_autoptr(VstorStorageVol) byp = NULL;
        g_autoptr(VstorStoragePool) owner = NULL;

        g_assert_cmpuint(vols->len, ==, 3);
        g_assert_no_error(err);
        p = vstor_storage_vol_get_path(v, &err);
        byp = vstor_storage_vol_lookup_by_path(f->conn, p, &err);
        g_assert_cmpstr(vstor_storage_vol_get_name(byp), ==, "conv.qcow2");
        owner = vstor_storage_pool_lookup_by_volume(byp, &err);
        g_assert_cmpstr(vstor_storage_pool_get_uuid_string(owner), ==,
                        vstor_storage_pool_get_uuid_string(pool));
        g_assert_cmpint(vstor_storage_vol_delete(v, 0, &err), ==, 0);
        g_assert_false(g_file_test(p, G_FILE_TEST_EXISTS));
    }
    /* stop; the definition stays */
    g_assert_cmpint(vstor_storage_pool_destroy(pool, &err), ==, 0);
    g_assert_cmpint(vstor_storage_pool_is_active(pool, &err), ==, 0);
    g_assert_no_error(err);
}

int
main(int argc, char **argv)
{
    g_autofree char *qemu_img = NULL;

    g_test_init(&argc, &argv, NULL);
    qemu_img = g_find_program_in_path("qemu-img");
    g_test_add_func("/api/connect-errors", test_connect_errors);
    if (!qemu_img) {
        g_printerr("qemu-img is missing: make check installs qemu-utils\n");
        return 1;
    }
    api_test_add("dir/every-format", test_every_format);
    api_test_add("dir/life", test_life);
    return g_test_run();
}
