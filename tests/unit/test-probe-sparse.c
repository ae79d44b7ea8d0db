/* test-probe-sparse.c: the prober's shortcut for sparse files (a header or tail window lying in
 * a hole is zeros without a read) must see exactly what reading every byte sees. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "util/error.h"
#include "volfmt/probe.h"
#include "testutil.h"

#define BLOCK 4096

/* Runs @argv; FALSE (and the test failed) when it does not succeed. */
static gboolean
run(const char *const *argv)
{
    g_autofree char *errout = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                      NULL, NULL, NULL, &errout, &status, &err) ||
        !g_spawn_check_wait_status(status, NULL)) {
        g_test_fail_printf("%s failed: %s", argv[0], err ? err->message : errout);
        return FALSE;
    }
    return TRUE;
}

/* Two copies of @src: @dense with every block written (zeros too, so nothing is a hole) and
 * @holed with every all-zero block punched out. FALSE when this file system cannot punch
 * holes (the test is then skipped). */
static gboolean
copy_both_ways(const char *src, const char *dense, const char *holed)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int d = open(dense, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int h = open(holed, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    static const guint8 zero[BLOCK];
    guint8 buf[BLOCK];
    gboolean ok = TRUE;
    off_t off = 0;
    ssize_t n;

    g_assert_cmpint(in, >=, 0);
    g_assert_cmpint(d, >=, 0);
    g_assert_cmpint(h, >=, 0);
    while ((n = pread(in, buf, sizeof(buf), off)) > 0) {
        g_assert_cmpint(pwrite(d, buf, (size_t)n, off), ==, n);
        g_assert_cmpint(pwrite(h, buf, (size_t)n, off), ==, n);
        off += n;
    }
    g_assert_cmpint(n, ==, 0);
    g_assert_cmpint(fsync(h), ==, 0);
    for (off_t at = 0; ok && at + BLOCK <= off; at += BLOCK) {
        g_assert_cmpint(pread(in, buf, BLOCK, at), ==, BLOCK);
        if (memcmp(buf, zero, BLOCK) == 0 &&
            fallocate(h, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, at, BLOCK) < 0) {
            g_test_skip("this file system cannot punch holes");
            ok = FALSE;
        }
    }
    close(in);
    close(d);
    close(h);
    return ok;
}

static void
assert_same_info(const VstorImageInfo *a, const VstorImageInfo *b)
{
    g_assert_cmpint(a->format, ==, b->format);
    g_assert_cmpuint(a->capacity, ==, b->capacity);
    g_assert_cmpuint(a->physical, ==, b->physical);
    g_assert_cmpstr(a->backing_path, ==, b->backing_path);
    g_assert_cmpint(a->backing_format, ==, b->backing_format);
    g_assert_cmpint(a->encrypted, ==, b->encrypted);
    g_assert_cmpuint(a->cluster_size, ==, b->cluster_size);
    g_assert_cmpstr(a->compat, ==, b->compat);
    g_assert_cmpstr(a->format_hint, ==, b->format_hint);
}

/* Probes @dense and @holed; they must agree, the holed copy must really have holes, and
 * @want is the format both must report. */
static void
check_pair(const char *dense, const char *holed, VstorVolFormat want)
{
    g_auto(VstorImageInfo) a = {0};
    g_auto(VstorImageInfo) b = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_volfmt_probe_path(dense, &a, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_volfmt_probe_path(holed, &b, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(b.allocation, <, b.physical); /* the shortcut's case */
    g_assert_cmpuint(a.allocation, >=, a.physical); /* and not it */
    assert_same_info(&a, &b);
    g_assert_cmpint(b.format, ==, want);
}

typedef struct {
    const char *name;
    VstorVolFormat format;
    const char *argv[12]; /* what makes the image in the test's directory (cwd) */
    const char *then[12]; /* and what writes to it, if anything */
} MadeImage;

static const MadeImage made_images[] = {
    {"qcow2",
     VSTOR_VOL_FORMAT_QCOW2,
     {"qemu-img", "create", "-q", "-f", "qcow2", "img", "64M", NULL}},
    {"qcow2-backing",
     VSTOR_VOL_FORMAT_QCOW2,
     {"qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", "base.raw", "img", "64M",
      NULL}},
    {"qed", VSTOR_VOL_FORMAT_QED, {"qemu-img", "create", "-q", "-f", "qed", "img", "64M", NULL}},
    {"vmdk", VSTOR_VOL_FORMAT_VMDK, {"qemu-img", "create", "-q", "-f", "vmdk", "img", "64M", NULL}},
    {"vdi",
     VSTOR_VOL_FORMAT_VDI,
     {"qemu-img", "create", "-q", "-f", "vdi", "-o", "static=on", "img", "64M", NULL}},
    {"vhdx",
     VSTOR_VOL_FORMAT_RAW, /* libvirt knows no vhdx */
     {"qemu-img", "create", "-q", "-f", "vhdx", "img", "64M", NULL}},
    /* A fixed VHD: all its metadata is the footer in the last sector, after a hole. */
    {"vpc-fixed",
     VSTOR_VOL_FORMAT_RAW,
     {"qemu-img", "create", "-q", "-f", "vpc", "-o", "subformat=fixed", "img", "64M", NULL}},
    /* A dynamic one with a block written halfway: a hole between header and block. */
    {"vpc-dynamic",
     VSTOR_VOL_FORMAT_VPC,
     {"qemu-img", "create", "-q", "-f", "vpc", "img", "64M", NULL},
     {"qemu-io", "-f", "vpc", "-c", "write -P 7 32M 64k", "img", NULL}},
};

static void
test_made_image(gconstpointer data)
{
    const MadeImage *img = data;
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-sparse-XXXXXX", NULL);
    g_autofree char *src = g_build_filename(dir, "img", NULL);
    g_autofree char *dense = g_build_filename(dir, "dense", NULL);
    g_autofree char *holed = g_build_filename(dir, "holed", NULL);
    g_autofree char *base = g_build_filename(dir, "base.raw", NULL);
    g_autofree char *cwd = g_get_current_dir();

    g_assert_true(g_file_set_contents(base, "", 0, NULL));
    g_assert_cmpint(chdir(dir), ==, 0);
    if (run(img->argv) && (!img->then[0] || run(img->then)) && copy_both_ways(src, dense, holed))
        check_pair(dense, holed, img->format);
    g_assert_cmpint(chdir(cwd), ==, 0);
    test_rm_rf(dir);
}

/* @size bytes, holes except for @len bytes of @data at @off. */
static void
write_sparse(const char *path, off_t size, off_t off, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    if (len)
        g_assert_cmpint(pwrite(fd, data, len, off), ==, (ssize_t)len);
    close(fd);
}

/* The header window's data partway in (an ISO's descriptor at 32 KiB after a hole), and an
 * image that is nothing but a hole. */
static void
test_hand_made(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-sparse-XXXXXX", NULL);
    g_autofree char *iso = g_build_filename(dir, "iso", NULL);
    g_autofree char *dense = g_build_filename(dir, "dense", NULL);
    g_autofree char *holed = g_build_filename(dir, "holed", NULL);
    g_autofree char *empty = g_build_filename(dir, "empty", NULL);
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    write_sparse(iso, 1 << 20, 32768, "\001CD001\001", 7);
    if (copy_both_ways(iso, dense, holed))
        check_pair(dense, holed, VSTOR_VOL_FORMAT_ISO);

    write_sparse(empty, G_GINT64_CONSTANT(1) << 40, 0, NULL, 0);
    g_assert_cmpint(vstor_volfmt_probe_path(empty, &info, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_cmpuint(info.capacity, ==, G_GUINT64_CONSTANT(1) << 40);
    g_assert_cmpuint(info.allocation, ==, 0);
    test_rm_rf(dir);
}

/* What the shortcut is for: probing a sparse image puts no pages of zeros in the page cache
 * (on a file system whose reads of holes do). */
static void
test_no_pages_cached(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-sparse-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "sparse.img", NULL);
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;
    guint8 resident[16] = {0};
    size_t len = 16 * BLOCK;
    void *map;
    int fd;

    write_sparse(path, 64 << 20, 0, NULL, 0);
    g_assert_cmpint(vstor_volfmt_probe_path(path, &info, &err), ==, 0);
    g_assert_no_error(err);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpint(mincore(map, len, resident), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(resident); i++)
        g_assert_cmpint(resident[i] & 1, ==, 0);
    munmap(map, len);
    close(fd);
    test_rm_rf(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(made_images); i++) {
        g_autofree char *name = g_strdup_printf("/probe-sparse/made/%s", made_images[i].name);

        g_test_add_data_func(name, &made_images[i], test_made_image);
    }
    g_test_add_func("/probe-sparse/hand-made", test_hand_made);
    g_test_add_func("/probe-sparse/no-pages-cached", test_no_pages_cached);
    return g_test_run();
}
