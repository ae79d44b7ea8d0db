/* job.h: a long operation (build, clone, wipe, upload, download, pool delete) as an object
 * with progress (bytes done of total) and cancellation, shared by driver and backends. */
#pragma once

#include <glib.h>

typedef enum {
    VSTOR_JOB_VOL_BUILD,
    VSTOR_JOB_VOL_CLONE,
    VSTOR_JOB_VOL_WIPE,
    VSTOR_JOB_VOL_UPLOAD,
    VSTOR_JOB_VOL_DOWNLOAD,
    VSTOR_JOB_VOL_RESIZE,
    VSTOR_JOB_POOL_BUILD,
    VSTOR_JOB_POOL_DELETE,
} VstorJobKind;

typedef struct _VstorJob VstorJob;

/* A new job (reference count 1) about @pool / @vol (vol may be NULL); @id comes from the
 * driver, which numbers its jobs. */
VstorJob *vstor_job_new(guint64 id, VstorJobKind kind, const char *pool, const char *vol);
VstorJob *vstor_job_ref(VstorJob *job);
void vstor_job_unref(VstorJob *job); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorJob, vstor_job_unref)

guint64 vstor_job_id(const VstorJob *job);
VstorJobKind vstor_job_kind(const VstorJob *job);
const char *vstor_job_kind_to_string(VstorJobKind kind);
const char *vstor_job_pool(const VstorJob *job);
const char *vstor_job_vol(const VstorJob *job);

/* Progress, safe from any thread. A NULL job is accepted and ignored, so backends can be
 * called without one. */
void vstor_job_set_total(VstorJob *job, guint64 total);
void vstor_job_add_done(VstorJob *job, guint64 bytes);
void vstor_job_get_progress(const VstorJob *job, guint64 *ret_done, guint64 *ret_total);
/* For a producer that reads a tool's progress as a position (a fraction of the total, 0..1):
 * adds what brings its share from *@reported up to @fraction of the total, nothing when that
 * is no step forward, and updates *@reported. */
void vstor_job_advance_to(VstorJob *job, guint64 *reported, double fraction);
/* Brings the bytes done up to the total: what a tool's own progress left unsaid at its end. */
void vstor_job_fill(VstorJob *job);

/* Asks the job to stop; the worker notices at its next check. */
void vstor_job_cancel(VstorJob *job);
gboolean vstor_job_is_cancelled(const VstorJob *job);
/* A descriptor that turns readable once the job is cancelled (before or after this call), for
 * a poll that must wake up on a cancel: an eventfd owned by @job, made on the first call.
 * Fails (VSTOR_ERR_SYSTEM_ERROR) only when no descriptor can be made. */
int vstor_job_cancel_fd(VstorJob *job, GError **err);

/* Fails with VSTOR_ERR_OPERATION_ABORTED when the job was cancelled: the check a worker
 * makes between chunks. */
int vstor_job_check(VstorJob *job, GError **err);
