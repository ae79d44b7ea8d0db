/* job.c: job objects. Counters and the cancel flag are atomics so a reader polling progress
 * never takes a lock a worker holds; an eventfd, made on demand, lets a poll see a cancel. */
#include "util/job.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/error.h"

struct _VstorJob {
    gint ref;
    guint64 id;
    VstorJobKind kind;
    char *pool;
    char *vol;
    _Atomic guint64 done;
    _Atomic guint64 total;
    _Atomic gboolean cancelled;
    atomic_int cancel_fd; /* -1 until vstor_job_cancel_fd() is first asked */
};

VstorJob *
vstor_job_new(guint64 id, VstorJobKind kind, const char *pool, const char *vol)
{
    VstorJob *job = g_new0(VstorJob, 1);

    job->ref = 1;
    job->id = id;
    job->kind = kind;
    job->pool = g_strdup(pool);
    job->vol = g_strdup(vol);
    atomic_init(&job->cancel_fd, -1);
    return job;
}

VstorJob *
vstor_job_ref(VstorJob *job)
{
    g_atomic_int_inc(&job->ref);
    return job;
}

void
vstor_job_unref(VstorJob *job)
{
    if (!job || !g_atomic_int_dec_and_test(&job->ref))
        return;
    g_free(job->pool);
    g_free(job->vol);
    if (atomic_load(&job->cancel_fd) >= 0)
        close(atomic_load(&job->cancel_fd));
    g_free(job);
}

guint64
vstor_job_id(const VstorJob *job)
{
    return job->id;
}

VstorJobKind
vstor_job_kind(const VstorJob *job)
{
    return job->kind;
}

const char *
vstor_job_kind_to_string(VstorJobKind kind)
{
    static const char *const names[] = {
        [VSTOR_JOB_VOL_BUILD] = "vol-build",       [VSTOR_JOB_VOL_CLONE] = "vol-clone",
        [VSTOR_JOB_VOL_WIPE] = "vol-wipe",         [VSTOR_JOB_VOL_UPLOAD] = "vol-upload",
        [VSTOR_JOB_VOL_DOWNLOAD] = "vol-download", [VSTOR_JOB_VOL_RESIZE] = "vol-resize",
        [VSTOR_JOB_POOL_BUILD] = "pool-build",     [VSTOR_JOB_POOL_DELETE] = "pool-delete",
    };

    return (guint)kind < G_N_ELEMENTS(names) ? names[kind] : "unknown";
}

const char *
vstor_job_pool(const VstorJob *job)
{
    return job->pool;
}

const char *
vstor_job_vol(const VstorJob *job)
{
    return job->vol;
}

void
vstor_job_set_total(VstorJob *job, guint64 total)
{
    if (job)
        atomic_store(&job->total, total);
}

void
vstor_job_add_done(VstorJob *job, guint64 bytes)
{
    if (job)
        atomic_fetch_add(&job->done, bytes);
}

void
vstor_job_get_progress(const VstorJob *job, guint64 *ret_done, guint64 *ret_total)
{
    *ret_done = atomic_load(&((VstorJob *)job)->done);
    *ret_total = atomic_load(&((VstorJob *)job)->total);
}

static void
signal_fd(int fd)
{
    uint64_t one = 1;

    /* Only a full counter could refuse, and then it is readable already. */
    while (write(fd, &one, sizeof(one)) < 0 && errno == EINTR)
        ;
}

/* The flag is set before the descriptor is read here, and the descriptor is published before
 * the flag is read in vstor_job_cancel_fd: whichever runs second signals it. */
void
vstor_job_advance_to(VstorJob *job, guint64 *reported, double fraction)
{
    guint64 done, total, bytes;

    if (!job)
        return;
    vstor_job_get_progress(job, &done, &total);
    bytes = (guint64)((double)total * CLAMP(fraction, 0.0, 1.0));
    if (bytes > *reported) {
        vstor_job_add_done(job, bytes - *reported);
        *reported = bytes;
    }
}

void
vstor_job_fill(VstorJob *job)
{
    guint64 done, total;

    if (!job)
        return;
    vstor_job_get_progress(job, &done, &total);
    if (total > done)
        vstor_job_add_done(job, total - done);
}

void
vstor_job_cancel(VstorJob *job)
{
    int fd;

    if (!job)
        return;
    atomic_store(&job->cancelled, TRUE);
    if ((fd = atomic_load(&job->cancel_fd)) >= 0)
        signal_fd(fd);
}

gboolean
vstor_job_is_cancelled(const VstorJob *job)
{
    return job && atomic_load(&((VstorJob *)job)->cancelled);
}

int
vstor_job_cancel_fd(VstorJob *job, GError **err)
{
    int fd = atomic_load(&job->cancel_fd);
    int expected = -1;

    if (fd >= 0)
        return fd;
    if ((fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "%s",
                              "cannot make a descriptor to cancel a job with");
        return -1;
    }
    if (!atomic_compare_exchange_strong(&job->cancel_fd, &expected, fd)) {
        close(fd); /* another thread was first */
        return expected;
    }
    if (atomic_load(&job->cancelled))
        signal_fd(fd);
    return fd;
}

int
vstor_job_check(VstorJob *job, GError **err)
{
    if (!vstor_job_is_cancelled(job))
        return 0;
    vstor_error_set(err, VSTOR_ERR_OPERATION_ABORTED, "%s of '%s%s%s' was cancelled",
                    vstor_job_kind_to_string(job->kind), job->pool, job->vol ? "/" : "",
                    job->vol ? job->vol : "");
    return -1;
}
