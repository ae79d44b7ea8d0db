/* test-driver-streams.c: the driver's events, upload/download streams (holes, offsets,
 * limits, the volume held in use) and jobs (listing, progress, cancel). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-fixture.h"

static void
record_event(const VstorPoolId *pool, VstorPoolEventType event, gpointer data)
{
    GString *log = data;

    g_string_append_printf(log, "%s:%d ", pool->name, (int)event);
}

static void
test_events(Fixture *f, gconstpointer data)
{
    g_autoptr(GString) log = g_string_new(NULL);
    g_auto(VstorPoolId) id = {0};
    g_autoptr(GError) err = NULL;
    guint sub = vstor_driver_event_subscribe(f->drv, record_event, log, NULL);

    g_assert_cmpuint(sub, >, 0);
    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_delete(f->drv, &id, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_undefine(f->drv, &id, &err), ==, 0);
    g_assert_no_error(err);
    /* defined, created (built), started, refresh, stopped, deleted, undefined */
    g_assert_cmpstr(log->str, ==, "p1:0 p1:4 p1:2 p1:100 p1:3 p1:5 p1:1 ");
    vstor_driver_event_unsubscribe(f->drv, sub);
    vstor_pool_id_clear(&id);
    make_active_pool(f, &id);
    g_assert_cmpstr(log->str, ==, "p1:0 p1:4 p1:2 p1:100 p1:3 p1:5 p1:1 ");
}

static void
test_streams(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) src = {0};
    g_auto(VstorVolId) dst = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GByteArray) all = NULL;
    g_autoptr(GByteArray) part = NULL;
    g_autofree char *src_path = NULL;
    g_autofree char *dst_path = NULL;
    g_autofree char *a = NULL, *b = NULL;
    gsize alen, blen;
    guint64 holes = 0;
    struct stat st;

    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>src</name><capacity unit='M'>8"
                                            "</capacity><allocation>0</allocation></volume>",
                                            0, &src, &err),
                    ==, 0);
    src_path = g_build_filename(f->pooldir, "src", NULL);
    {
        int fd = open(src_path, O_WRONLY | O_CLOEXEC);

        g_assert_cmpint(pwrite(fd, "begin", 5, 0), ==, 5);
        g_assert_cmpint(pwrite(fd, "middle", 6, 4 << 20), ==, 6);
        close(fd);
    }
    /* download: holes come as holes, content equal */
    all = download_all(f->drv, &src, 0, 0, &holes);
    g_assert_cmpuint(all->len, ==, 8 << 20);
    g_assert_cmpuint(holes, >, 6 << 20);
    g_assert_true(g_file_get_contents(src_path, &a, &alen, NULL));
    g_assert_cmpmem(a, alen, all->data, all->len);
    /* offset and length */
    part = download_all(f->drv, &src, (4 << 20) + 2, 4, &holes);
    g_assert_cmpmem(part->data, part->len, "ddle", 4);

    /* upload into a second volume, sparse: the result equals the source and keeps holes */
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>dst</name><capacity>0</capacity>"
                                            "<allocation>0</allocation></volume>",
                                            0, &dst, &err),
                    ==, 0);
    {
        g_autoptr(VstorVolStream) up =
            vstor_driver_vol_upload(f->drv, &dst, 0, 0, VSTOR_VOL_STREAM_SPARSE, &err);
        g_autoptr(VstorVolStream) busy = NULL;
        g_autoptr(GError) e2 = NULL;
        VstorPoolInfo info;

        g_assert_no_error(err);
        /* while streaming, the volume cannot be deleted and the pool cannot stop */
        g_assert_cmpint(vstor_driver_vol_delete(f->drv, &dst, 0, &e2), ==, -1);
        g_assert_error(e2, VSTOR_ERROR, VSTOR_ERR_OPERATION_INVALID);
        g_clear_error(&e2);
        g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &e2), ==, -1);
        g_assert_nonnull(strstr(e2->message, "asynchronous jobs running"));
        g_clear_error(&e2);
        busy = vstor_driver_vol_upload(f->drv, &dst, 0, 0, 0, &e2);
        g_assert_null(busy);
        g_assert_error(e2, VSTOR_ERROR, VSTOR_ERR_OPERATION_INVALID);
        /* reads do not wait behind the stream */
        g_assert_cmpint(vstor_driver_pool_get_info(f->drv, &id, &info, &err), ==, 0);

        g_assert_cmpint(vstor_vol_stream_write(up, "begin", 5, &err), ==, 0);
        g_assert_cmpint(vstor_vol_stream_write_hole(up, (4 << 20) - 5, &err), ==, 0);
        g_assert_cmpint(vstor_vol_stream_write(up, "middle", 6, &err), ==, 0);
        g_assert_cmpint(vstor_vol_stream_write_hole(up, (4 << 20) - 6, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpint(vstor_vol_stream_finish(g_steal_pointer(&up), &err), ==, 0);
    }
    dst_path = g_build_filename(f->pooldir, "dst", NULL);
    g_assert_true(g_file_get_contents(dst_path, &b, &blen, NULL));
    g_assert_cmpmem(a, alen, b, blen);
    g_assert_cmpint(stat(dst_path, &st), ==, 0);
    g_assert_cmpint(st.st_blocks * 512, <, 1 << 20);
    {
        VstorVolInfo info;

        g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &dst, 0, &info, &err), ==, 0);
        g_assert_cmpuint(info.capacity, ==, 8 << 20); /* refreshed after the upload */
    }

    /* an upload limited to 4 bytes refuses a fifth, and an aborted stream frees the volume */
    {
        g_autoptr(VstorVolStream) up = vstor_driver_vol_upload(f->drv, &dst, 10, 4, 0, &err);
        g_autoptr(GError) e2 = NULL;

        g_assert_no_error(err);
        g_assert_cmpint(vstor_vol_stream_write(up, "12345", 5, &e2), ==, -1);
        g_assert_error(e2, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    }
    g_assert_cmpint(vstor_driver_vol_delete(f->drv, &dst, 0, &err), ==, 0);
    g_assert_no_error(err);
    {
        /* an offset past the end reads nothing, as libvirt's download does */
        g_autoptr(GByteArray) none = download_all(f->drv, &src, 9 << 20, 0, &holes);

        g_assert_cmpuint(none->len, ==, 0);
        g_assert_cmpuint(holes, ==, 0);
    }
}

static void
test_jobs(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    g_autoptr(VstorVolStream) up = NULL;
    const VstorJobInfo *job;

    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>v</name><capacity>4096</capacity>"
                                            "<allocation>0</allocation></volume>",
                                            0, &vol, &err),
                    ==, 0);
    jobs = vstor_driver_job_list(f->drv, NULL, &err);
    g_assert_cmpuint(jobs->len, ==, 0);
    g_clear_pointer(&jobs, g_ptr_array_unref);

    /* a running upload is a job with progress; cancelling it stops the next write */
    up = vstor_driver_vol_upload(f->drv, &vol, 0, 4096, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_vol_stream_write(up, "abcd", 4, &err), ==, 0);
    jobs = vstor_driver_job_list(f->drv, &id, &err);
    g_assert_cmpuint(jobs->len, ==, 1);
    job = jobs->pdata[0];
    g_assert_cmpint(job->kind, ==, VSTOR_JOB_VOL_UPLOAD);
    g_assert_cmpstr(job->pool, ==, "p1");
    g_assert_cmpstr(job->vol, ==, "v");
    g_assert_cmpuint(job->done, ==, 4);
    g_assert_cmpuint(job->total, ==, 4096);
    g_assert_cmpint(vstor_driver_job_cancel(f->drv, job->id, &err), ==, 0);
    ASSERT_FAILS(vstor_vol_stream_write(up, "efgh", 4, err_), VSTOR_ERR_OPERATION_ABORTED,
                 "vol-upload of 'p1/v' was cancelled");
    g_clear_pointer(&up, vstor_vol_stream_abort);
    g_clear_pointer(&jobs, g_ptr_array_unref);
    jobs = vstor_driver_job_list(f->drv, NULL, &err);
    g_assert_cmpuint(jobs->len, ==, 0);
    ASSERT_FAILS(vstor_driver_job_cancel(f->drv, 12345, err_), VSTOR_ERR_INVALID_ARG,
                 "no running job with id 12345");
    /* with the stream gone the pool can stop again */
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_assert_no_error(err);
}

static void
test_find_sources_unsupported(Fixture *f, gconstpointer data)
{
    ASSERT_FAILS(vstor_driver_find_pool_sources(f->drv, "dir", NULL, 0, err_) ? 0 : -1,
                 VSTOR_ERR_NO_SUPPORT, "pool type 'dir' does not support source discovery");
    ASSERT_FAILS(vstor_driver_find_pool_sources(f->drv, "bogus", NULL, 0, err_) ? 0 : -1,
                 VSTOR_ERR_INTERNAL_ERROR, "unknown storage pool type bogus");
}

typedef struct {
    VstorDriver *drv;
    const VstorVolId *vol;
    int rc;
    GError *err;
} WipeThread;

static gpointer
wipe_thread(gpointer data)
{
    WipeThread *w = data;

    w->rc = vstor_driver_vol_wipe(w->drv, w->vol, VSTOR_WIPE_GUTMANN, 0, &w->err);
    return NULL;
}

/* Waits (up to 20 s) until a job runs and returns its id. */
static guint64
wait_for_job(VstorDriver *drv)
{
    for (int i = 0; i < 20000; i++) {
        g_autoptr(GPtrArray) jobs = vstor_driver_job_list(drv, NULL, NULL);

        if (jobs->len > 0)
            return ((VstorJobInfo *)jobs->pdata[0])->id;
        g_usleep(1000);
    }
    g_error("no job appeared");
    return 0;
}

/* A 35-pass wipe of 64 MiB runs for seconds: while it runs, refresh and info work and keep the
 * volume; cancelling it kills scrub and the wipe fails as aborted. */
static void
test_refresh_and_cancel_during_job(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    WipeThread w = {0};
    GThread *thread;
    guint64 job;
    VstorPoolInfo info;

    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>big</name><capacity unit='M'>64"
                                            "</capacity></volume>",
                                            0, &vol, &err),
                    ==, 0);
    w.drv = f->drv;
    w.vol = &vol;
    thread = g_thread_new("wipe", wipe_thread, &w);
    job = wait_for_job(f->drv);

    /* libvirt refuses this refresh ("pool has asynchronous jobs running"); vstor does not */
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    g_assert_no_error(err);
    vols = vstor_driver_vol_list(f->drv, &id, 0, &err);
    g_assert_cmpuint(vols->len, ==, 1);
    g_assert_cmpint(vstor_driver_pool_get_info(f->drv, &id, &info, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_pool_destroy(f->drv, &id, err_), VSTOR_ERR_INTERNAL_ERROR,
                 "has asynchronous jobs running");

    g_assert_cmpint(vstor_driver_job_cancel(f->drv, job, &err), ==, 0);
    g_thread_join(thread);
    g_assert_cmpint(w.rc, ==, -1);
    g_assert_error(w.err, VSTOR_ERROR, VSTOR_ERR_OPERATION_ABORTED);
    g_clear_error(&w.err);
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_assert_no_error(err);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/driver/events", test_events);
    ADD("/driver/vol/streams", test_streams);
    ADD("/driver/jobs", test_jobs);
    ADD("/driver/jobs/refresh-and-cancel", test_refresh_and_cancel_during_job);
    ADD("/driver/find-sources", test_find_sources_unsupported);
    return g_test_run();
}
