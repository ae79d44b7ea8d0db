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

/* As scrub 2.6 draws them: a bar per pattern written, and one for a verify pass where the
 * pattern set ends with one (nnsa and dod). */
static const guint scrub_passes[VSTOR_WIPE_LAST] = {
    [VSTOR_WIPE_NNSA] = 4,        [VSTOR_WIPE_DOD] = 4,      [VSTOR_WIPE_BSI] = 9,
    [VSTOR_WIPE_GUTMANN] = 35,    [VSTOR_WIPE_SCHNEIER] = 7, [VSTOR_WIPE_PFITZNER7] = 7,
    [VSTOR_WIPE_PFITZNER33] = 33, [VSTOR_WIPE_RANDOM] = 1,
};

guint
vstor_wipe_scrub_passes(VstorWipeAlgorithm algorithm)
{
    return (guint)algorithm < VSTOR_WIPE_LAST ? scrub_passes[algorithm] : 0;
}

void
vstor_wipe_scrub_progress_feed(const char *data, gsize len, gpointer user_data)
{
    VstorWipeScrubProgress *progress = user_data;
    guint64 steps = (guint64)progress->passes * VSTOR_WIPE_SCRUB_DOTS;

    for (gsize i = 0; i < len; i++) {
        if (data[i] == '|') {
            if (progress->in_bar)
                progress->bars_done++;
            progress->in_bar = !progress->in_bar;
            progress->dots = 0;
        } else if (data[i] == '.' && progress->in_bar) {
            progress->dots++;
        } else if (data[i] == '\n') {
            progress->in_bar = FALSE; /* a bar never spans lines */
            progress->dots = 0;
        }
    }
    /* Never the whole before scrub has ended: more bars than expected stop just short. */
    if (steps > 0)
        vstor_job_advance_to(progress->job, &progress->reported,
                             (double)MIN((guint64)progress->bars_done * VSTOR_WIPE_SCRUB_DOTS +
                                             MIN(progress->dots, VSTOR_WIPE_SCRUB_DOTS),
                                         steps - 1) /
                                 (double)steps);
}

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
    VstorWipeScrubProgress progress = {.job = job, .passes = vstor_wipe_scrub_passes(algorithm)};

    g_return_val_if_fail((guint)algorithm < VSTOR_WIPE_LAST && scrub_patterns[algorithm], -1);
    vstor_command_add_args(cmd, "-f", "-p", scrub_patterns[algorithm], path, NULL);
    vstor_command_set_job(cmd, job);
    if (job)
        vstor_command_set_output_func(cmd, vstor_wipe_scrub_progress_feed, &progress);
    vstor_job_set_total(job, size);
    if (vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err) < 0)
        return -1;
    vstor_job_fill(job); /* what the bars left unsaid */
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
