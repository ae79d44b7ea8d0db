/* wipe.h: the wipe steps file and disk volumes share — writing zeros over a range, and the
 * multi-pass algorithms run through scrub. */
#pragma once

#include "backends/backend.h"

/* Writes zeros over [from, from + len) of @fd, reporting progress to @job and stopping when it
 * is cancelled. VSTOR_ERR_SYSTEM_ERROR ("Failed to wipe '@path'") on a write error. */
int vstor_wipe_write_zeros(int fd, const char *path, guint64 from, guint64 len, VstorJob *job,
                           GError **err);

/* Overwrites @path (of @size bytes) with the scrub pattern of @algorithm (nnsa … random) through
 * the command runner; the job's cancellation stops scrub. Fails as the runner does. */
int vstor_wipe_scrub(VstorBackendEnv *env, const char *path, VstorWipeAlgorithm algorithm,
                     guint64 size, VstorJob *job, GError **err);
/* vstor_wipe_scrub on the file open as @fd, named @path in errors: scrub is given the
 * descriptor's /proc path, which it reopens for each pass, so a link or another file put in
 * place of @path while the passes run is never written to. */
int vstor_wipe_scrub_fd(VstorBackendEnv *env, int fd, const char *path,
                        VstorWipeAlgorithm algorithm, guint64 size, VstorJob *job, GError **err);

/* scrub's progress as it prints it: one bar "|....|" of VSTOR_WIPE_SCRUB_DOTS dots per pass,
 * @passes passes (vstor_wipe_scrub_passes), turned into bytes done of the job's total as the
 * dots come. Fed in pieces by vstor_wipe_scrub_progress_feed (a VstorCommandOutputFunc). */
#define VSTOR_WIPE_SCRUB_DOTS 48
typedef struct {
    VstorJob *job;
    guint passes;
    guint bars_done;
    guint dots; /* in the bar being drawn */
    gboolean in_bar;
    guint64 reported; /* bytes added to the job so far */
} VstorWipeScrubProgress;

/* The passes scrub 2.6 makes for @algorithm, its verify pass included (0: not a scrub one). */
guint vstor_wipe_scrub_passes(VstorWipeAlgorithm algorithm);
void vstor_wipe_scrub_progress_feed(const char *data, gsize len, gpointer progress);
