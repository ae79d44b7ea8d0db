/* test-driver-data.c: the driver's paths that move volume data — conversions written with
 * direct I/O, clones and uploads written behind, downloads read behind — each whole, and not
 * left in the page cache; and scrub's progress bars read as a wipe's progress. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "backends/wipe.h"
#include "driver-fixture.h"
#include "util/fileio.h"

static gboolean
have_qemu_img(void)
{
    g_autofree char *p = g_find_program_in_path("qemu-img");

    return p != NULL;
}

/* qemu-img compare of a raw file and a qcow2 image: TRUE when equal. */
static gboolean
qemu_img_compare(const char *raw, const char *qcow2)
{
    const char *argv[] = {"qemu-img", "compare", "-q", "-f",  "raw",
                          "-F",       "qcow2",   raw,  qcow2, NULL};
    gint status = -1;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    return g_spawn_check_wait_status(status, NULL);
}

/* @len random bytes. */
static guint8 *
random_bytes(gsize len)
{
    guint32 *words = g_new(guint32, len / 4);

    for (gsize i = 0; i < len / 4; i++)
        words[i] = g_random_int();
    return (guint8 *)words;
}

/* Makes the active pool and in it the file "in.img" holding @len random bytes (returned), seen
 * by a refresh as the volume @in. */
static guint8 *
make_input(Fixture *f, VstorPoolId *id, VstorVolId *in, gsize len)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) err = NULL;
    guint8 *bytes = random_bytes(len);

    make_active_pool(f, id);
    path = g_build_filename(f->pooldir, "in.img", NULL);
    g_assert_true(g_file_set_contents(path, (const char *)bytes, (gssize)len, NULL));
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, id, 0, &err), ==, 0);
    in->pool = g_strdup(id->name);
    in->name = g_strdup("in.img");
    return bytes;
}

/* A conversion (qemu-img) writes its output with direct I/O where the pool's file system
 * takes it: the image is whole, and it did not pass through the page cache. */
static void
test_convert_direct(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) in = {0};
    g_auto(VstorVolId) out = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *in_path = NULL;
    g_autofree char *out_path = NULL;
    g_autofree guint8 *bytes = NULL;
    g_auto(VstorFd) proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_auto(VstorFd) dirfd = -1;
    gsize resident, pages;

    if (!have_qemu_img()) {
        g_test_fail_printf("qemu-img is not installed (make check installs qemu-utils)");
        return;
    }
    g_assert_false(vstor_dir_has_direct_io(proc)); /* no O_TMPFILE there */
    bytes = make_input(f, &id, &in, 8 << 20);
    in_path = g_build_filename(f->pooldir, "in.img", NULL);
    out_path = g_build_filename(f->pooldir, "out.qcow2", NULL);
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>out.qcow2</name><capacity>8388608"
                                                 "</capacity><target><format type='qcow2'/>"
                                                 "</target></volume>",
                                                 &in, 0, &out, &err),
                    ==, 0);
    g_assert_no_error(err);
    /* Counted before anything reads the image back. Buffered, all 2,000-odd pages of it
     * would be there. */
    resident = resident_pages(out_path, &pages);
    g_assert_true(qemu_img_compare(in_path, out_path));
    g_assert_cmpuint(pages, >, 2048);
    dirfd = open(f->pooldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!vstor_dir_has_direct_io(dirfd)) {
        g_test_skip("the test directory's file system takes no direct I/O");
        return;
    }
    g_assert_cmpuint(resident, <, pages / 8);
}

/* A clone of data is whole, and keeps only the last few steps of its write-back in the page
 * cache (vstor_write_behind_advance), not the whole copy. */
static void
test_clone_write_behind(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) in = {0};
    g_auto(VstorVolId) out = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *out_path = g_build_filename(f->pooldir, "out.img", NULL);
    g_autofree char *copy = NULL;
    gsize len = 64 << 20, got = 0, pages, resident;
    g_autofree guint8 *words = make_input(f, &id, &in, len);

    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>out.img</name><capacity>67108864"
                                                 "</capacity></volume>",
                                                 &in, 0, &out, &err),
                    ==, 0);
    g_assert_no_error(err);
    resident = resident_pages(out_path, &pages);
    g_assert_cmpuint(resident, <=,
                     (VSTOR_WRITE_BEHIND_LAG + VSTOR_WRITE_BEHIND_STEP) /
                         (gsize)sysconf(_SC_PAGESIZE));
    g_assert_true(g_file_get_contents(out_path, &copy, &got, NULL));
    g_assert_cmpmem(copy, got, words, len);
}

/* An upload of 64 MiB in 1 MiB pieces is whole when it finishes, and only its last few steps
 * are left in the page cache. */
static void
test_upload_write_behind(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorVolStream) up = NULL;
    g_autofree char *path = NULL;
    g_autofree char *got = NULL;
    gsize len = 64 << 20, piece = 1 << 20, got_len = 0, pages, resident;
    g_autofree guint8 *words = random_bytes(len);

    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>up</name><capacity>67108864"
                                            "</capacity><allocation>0</allocation></volume>",
                                            0, &vol, &err),
                    ==, 0);
    up = vstor_driver_vol_upload(f->drv, &vol, 0, 0, 0, &err);
    g_assert_no_error(err);
    for (gsize off = 0; off < len; off += piece)
        g_assert_cmpint(vstor_vol_stream_write(up, (const char *)words + off, piece, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_vol_stream_finish(g_steal_pointer(&up), &err), ==, 0);
    path = g_build_filename(f->pooldir, "up", NULL);
    resident = resident_pages(path, &pages);
    g_assert_cmpuint(pages, ==, len / (gsize)sysconf(_SC_PAGESIZE));
    g_assert_cmpuint(resident, <=,
                     (VSTOR_WRITE_BEHIND_LAG + VSTOR_WRITE_BEHIND_STEP) /
                         (gsize)sysconf(_SC_PAGESIZE));
    g_assert_true(g_file_get_contents(path, &got, &got_len, NULL));
    g_assert_cmpmem(got, got_len, words, len);
}

/* Drops @path's pages from the page cache (written out first). */
static void
uncache(const char *path)
{
    g_auto(VstorFd) fd = open(path, O_RDONLY | O_CLOEXEC);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fdatasync(fd), ==, 0);
    g_assert_cmpint(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), ==, 0);
}

/* A download of 64 MiB that nothing had cached is whole, and leaves only its last few steps
 * in the page cache; one of a volume that was cached leaves it cached. */
static void
test_download_read_behind(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) in = {0};
    g_autofree char *path = g_build_filename(f->pooldir, "in.img", NULL);
    gsize len = 64 << 20, pages, resident;
    g_autofree guint8 *words = make_input(f, &id, &in, len);
    g_autoptr(GByteArray) got = NULL;
    g_autoptr(GByteArray) again = NULL;
    guint64 holes;

    uncache(path);
    g_assert_cmpuint(resident_pages(path, &pages), ==, 0);
    got = download_all(f->drv, &in, 0, 0, &holes);
    resident = resident_pages(path, &pages);
    g_assert_cmpmem(got->data, got->len, words, len);
    g_assert_cmpuint(resident, <=,
                     (VSTOR_WRITE_BEHIND_LAG + VSTOR_WRITE_BEHIND_STEP) /
                         (gsize)sysconf(_SC_PAGESIZE));

    /* read through the page cache first: a download then leaves it there (the kernel may
     * reclaim a few pages meanwhile: read behind, all but 10,240 would be gone) */
    uncache(path);
    {
        g_autofree char *contents = NULL;
        gsize clen;

        g_assert_true(g_file_get_contents(path, &contents, &clen, NULL));
    }
    resident = resident_pages(path, &pages);
    g_assert_cmpuint(resident, >=, pages - pages / 16);
    again = download_all(f->drv, &in, 0, 0, &holes);
    g_assert_cmpmem(again->data, again->len, words, len);
    g_assert_cmpuint(resident_pages(path, &pages), >=, resident - pages / 16);
}

/* The installed scrub draws as many bars as the pass table says for every algorithm (its real
 * output, fed in pieces of every size from 1 to 7 bytes), and the progress read from them
 * rises with each dot and stops short of the whole until scrub has ended. */
static void
test_scrub_progress(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-scrub-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "v", NULL);
    g_autofree char *scrub = g_find_program_in_path("scrub");

    if (!scrub) {
        g_test_skip("scrub is not installed");
        return;
    }
    for (guint a = 0; a < VSTOR_WIPE_LAST; a++) {
        static const char *const names[] = {"nnsa",     "dod",       "bsi",        "gutmann",
                                            "schneier", "pfitzner7", "pfitzner33", "random"};
        const char *argv[] = {scrub, "-f", "-p", NULL, file, NULL};
        g_autoptr(VstorJob) job = vstor_job_new(a, VSTOR_JOB_VOL_WIPE, "p", "v");
        VstorWipeScrubProgress progress = {.job = job};
        g_autofree char *out = NULL;
        guint64 done = 0, total = 0, last = 0;
        gint status = -1;

        if (vstor_wipe_scrub_passes(a) == 0)
            continue; /* zero: not a scrub algorithm */
        g_assert_cmpuint(a - VSTOR_WIPE_NNSA, <, G_N_ELEMENTS(names));
        argv[3] = names[a - VSTOR_WIPE_NNSA];
        progress.passes = vstor_wipe_scrub_passes(a);
        g_assert_true(g_file_set_contents(file, "", 0, NULL));
        g_assert_cmpint(truncate(file, 64 * 1024), ==, 0);
        g_assert_true(
            g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out, NULL, &status, NULL));
        g_assert_true(g_spawn_check_wait_status(status, NULL));
        vstor_job_set_total(job, 1000000);
        for (gsize at = 0, piece = 1; out[at]; at += piece, piece = piece % 7 + 1) {
            piece = MIN(piece, strlen(out + at));
            vstor_wipe_scrub_progress_feed(out + at, piece, &progress);
            vstor_job_get_progress(job, &done, &total);
            g_assert_cmpuint(done, >=, last);
            last = done;
        }
        g_assert_cmpuint(progress.bars_done, ==, vstor_wipe_scrub_passes(a));
        g_assert_cmpuint(done, <, total);
        g_assert_cmpuint(done, >=, total - total / (progress.passes * VSTOR_WIPE_SCRUB_DOTS) - 1);
    }
    g_unlink(file);
    g_rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/driver/vol/convert-direct", test_convert_direct);
    ADD("/driver/vol/clone-write-behind", test_clone_write_behind);
    ADD("/driver/vol/upload-write-behind", test_upload_write_behind);
    ADD("/driver/vol/download-read-behind", test_download_read_behind);
    g_test_add_func("/driver/wipe/scrub-progress", test_scrub_progress);
    return g_test_run();
}
