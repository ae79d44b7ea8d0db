/* test-job.c: job objects — progress, the cancel flag and the error a cancelled job's check
 * gives, and the cancel descriptor a poll waits on, whichever of cancel and ask comes first. */
#include <poll.h>

#include "util/error.h"
#include "util/job.h"

static gboolean
readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void
test_progress_and_check(void)
{
    g_autoptr(VstorJob) job = vstor_job_new(7, VSTOR_JOB_VOL_CLONE, "p", "v");
    g_autoptr(GError) err = NULL;
    guint64 done, total;

    vstor_job_set_total(job, 100);
    vstor_job_add_done(job, 30);
    vstor_job_add_done(job, 12);
    vstor_job_get_progress(job, &done, &total);
    g_assert_cmpuint(done, ==, 42);
    g_assert_cmpuint(total, ==, 100);
    g_assert_cmpint(vstor_job_check(job, &err), ==, 0);
    g_assert_false(vstor_job_is_cancelled(job));
    vstor_job_cancel(job);
    g_assert_true(vstor_job_is_cancelled(job));
    g_assert_cmpint(vstor_job_check(job, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_ABORTED);
    g_assert_cmpstr(err->message, ==, "operation aborted: vol-clone of 'p/v' was cancelled");
    /* A NULL job (a backend called without one) is never cancelled. */
    vstor_job_cancel(NULL);
    vstor_job_add_done(NULL, 1);
    g_assert_false(vstor_job_is_cancelled(NULL));
}

static void
test_cancel_fd(void)
{
    g_autoptr(VstorJob) before = vstor_job_new(1, VSTOR_JOB_VOL_WIPE, "p", "v");
    g_autoptr(VstorJob) after = vstor_job_new(2, VSTOR_JOB_VOL_WIPE, "p", "v");
    g_autoptr(GError) err = NULL;
    int fd;

    /* Cancelled before the descriptor exists: it is readable as soon as it is made. */
    vstor_job_cancel(before);
    fd = vstor_job_cancel_fd(before, &err);
    g_assert_no_error(err);
    g_assert_true(readable(fd));
    /* Asked for first: quiet until the cancel, readable after it, the same one each time. */
    fd = vstor_job_cancel_fd(after, &err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(readable(fd));
    g_assert_cmpint(vstor_job_cancel_fd(after, &err), ==, fd);
    vstor_job_cancel(after);
    g_assert_true(readable(fd));
}

static gpointer
cancel_now(gpointer job)
{
    vstor_job_cancel(job);
    return NULL;
}

static gpointer
ask_fd(gpointer job)
{
    return GINT_TO_POINTER(vstor_job_cancel_fd(job, NULL));
}

/* A cancel racing the first ask (and a second ask) never leaves the descriptor quiet, and
 * both askers get the same one. */
static void
test_cancel_fd_race(void)
{
    for (guint i = 0; i < 500; i++) {
        g_autoptr(VstorJob) job = vstor_job_new(i, VSTOR_JOB_VOL_WIPE, "p", "v");
        GThread *canceller = g_thread_new("cancel", cancel_now, job);
        GThread *asker = g_thread_new("ask", ask_fd, job);
        int fd = vstor_job_cancel_fd(job, NULL);

        g_thread_join(canceller);
        g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(asker)), ==, fd);
        g_assert_true(readable(fd));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/job/progress-and-check", test_progress_and_check);
    g_test_add_func("/job/cancel-fd", test_cancel_fd);
    g_test_add_func("/job/cancel-fd-race", test_cancel_fd_race);
    return g_test_run();
}
