/* wipe.c: zero-writing and scrub-based wipes, one implementation for every backend whose
 * volumes are files or block devices. */
#include "backends/wipe.h"

#include <errno.h>
#include <unistd.h>

#include "util/command.h"
#include "util/error.h"

#define ZERO_CHUNK (4 * 1024 * 1024)

static const char *const scrub_patterns[VSTOR_WIPE_LAST] = {
    [VSTOR_WIPE_NNSA] = "nnsa",
    [VSTOR_WIPE_DOD] = "dod",
    [VSTOR_WIPE_BSI] = "bsi",
    [VSTOR_WIPE_GUTMANN] = "gutmann",
    [VSTOR_WIPE_SCHNEIER] = "schneier",
    [VSTOR_WIPE_PFITZNER7] = "pfitzner7",
    [VSTOR_WIPE_PFITZNER33] = "pfitzner33",
    [VSTOR_WIPE_RANDOM] = "random",
};

int
vstor_wipe_write_zeros(int fd, const char *path, guint64 from, guint64 len, VstorJob *job,
                       GError **err)
{
    g_autofree char *zeros = g_malloc0(ZERO_CHUNK);
    guint64 pos = from;

    while (pos < from + len) {
        ssize_t n = pwrite(fd, zeros, (size_t)MIN(from + len - pos, ZERO_CHUNK), (off_t)pos);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EIO,
                                  "Failed to wipe '%s'", path);
            return -1;
        }
        pos += (guint64)n;
        vstor_job_add_done(job, (guint64)n);
        if (vstor_job_check(job, err) < 0)
            return -1;
    }
    return 0;
}

int
vstor_wipe_scrub(VstorBackendEnv *env, const char *path, VstorWipeAlgorithm algorithm, guint64 size,
                 VstorJob *job, GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("scrub");

    g_return_val_if_fail((guint)algorithm < VSTOR_WIPE_LAST && scrub_patterns[algorithm], -1);
    vstor_command_add_args(cmd, "-f", "-p", scrub_patterns[algorithm], path, NULL);
    vstor_command_set_job(cmd, job);
    vstor_job_set_total(job, size);
    if (vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err) < 0)
        return -1;
    vstor_job_add_done(job, size);
    return 0;
}

int
vstor_wipe_scrub_fd(VstorBackendEnv *env, int fd, const char *path, VstorWipeAlgorithm algorithm,
                    guint64 size, VstorJob *job, GError **err)
{
    g_autofree char *pinned = g_strdup_printf("/proc/%d/fd/%d", (int)getpid(), fd);
    int ret = vstor_wipe_scrub(env, pinned, algorithm, size, job, err);

    vstor_error_rewrite(err, pinned, path);
    return ret;
}
