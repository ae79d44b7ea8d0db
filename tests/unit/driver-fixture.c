/* driver-fixture.c: the shared set-up of the driver tests: a fresh state root per test,
 * removed afterwards, and a ready dir pool. */
#include "driver-fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"

char *
pool_xml(const char *name, const char *path)
{
    return g_strdup_printf("<pool type='dir'><name>%s</name><target><path>%s</path></target>"
                           "</pool>",
                           name, path);
}

void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->tmp = g_dir_make_tmp("vstor-driver-XXXXXX", &err);
    g_assert_no_error(err);
    f->root = g_build_filename(f->tmp, "root", NULL);
    f->pooldir = g_build_filename(f->tmp, "pools", "p1", NULL);
    f->drv = vstor_driver_open(f->root, 0, &err);
    g_assert_no_error(err);
}

void
fixture_teardown(Fixture *f, gconstpointer data)
{
    vstor_driver_close(f->drv);
    test_rm_rf(f->tmp);
    g_free(f->tmp);
    g_free(f->root);
    g_free(f->pooldir);
}

void
reopen(Fixture *f)
{
    g_autoptr(GError) err = NULL;

    vstor_driver_close(f->drv);
    f->drv = vstor_driver_open(f->root, 0, &err);
    g_assert_no_error(err);
}

/* Defines, builds and starts the dir pool "p1" and returns its id. */
void
make_active_pool(Fixture *f, VstorPoolId *id)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = pool_xml("p1", f->pooldir);

    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, id, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_build(f->drv, id, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_start(f->drv, id, 0, &err), ==, 0);
    g_assert_no_error(err);
}

void
forget_autostart(Fixture *f)
{
    g_autofree char *marker = g_build_filename(f->root, "run", "storage", "autostarted", NULL);

    g_assert_cmpint(g_remove(marker) == 0 || errno == ENOENT, ==, TRUE);
}

/* How many of @path's pages are in the page cache. */
gsize
resident_pages(const char *path, gsize *total)
{
    g_auto(VstorFd) fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    gsize pages, n = 0;
    long page = sysconf(_SC_PAGESIZE);
    g_autofree unsigned char *vec = NULL;
    void *map;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    pages = ((gsize)st.st_size + (gsize)page - 1) / (gsize)page;
    vec = g_malloc(pages);
    map = mmap(NULL, (gsize)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    g_assert_true(map != MAP_FAILED);
    g_assert_cmpint(mincore(map, (gsize)st.st_size, vec), ==, 0);
    munmap(map, (gsize)st.st_size);
    for (gsize i = 0; i < pages; i++)
        n += vec[i] & 1;
    *total = pages;
    return n;
}

GByteArray *
download_all(VstorDriver *drv, const VstorVolId *vol, guint64 offset, guint64 length,
             guint64 *ret_holes)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorVolStream) st =
        vstor_driver_vol_download(drv, vol, offset, length, VSTOR_VOL_STREAM_SPARSE, &err);
    GByteArray *out = g_byte_array_new();
    char buf[65536];

    g_assert_no_error(err);
    *ret_holes = 0;
    for (;;) {
        guint64 hole = 0;
        gssize n = vstor_vol_stream_read(st, buf, sizeof(buf), &hole, &err);

        g_assert_no_error(err);
        if (n > 0) {
            g_byte_array_append(out, (guint8 *)buf, (guint)n);
        } else if (hole > 0) {
            guint8 *zeros = g_malloc0(hole);

            g_byte_array_append(out, zeros, (guint)hole);
            g_free(zeros);
            *ret_holes += hole;
        } else {
            break;
        }
    }
    g_assert_cmpint(vstor_vol_stream_finish(g_steal_pointer(&st), &err), ==, 0);
    return out;
}
