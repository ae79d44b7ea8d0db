/* progress.c: long commands run their library call on a worker thread while the main thread
 * draws a progress line on a terminal's stderr from the job list and turns Ctrl-C into a cancel. */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"

typedef struct {
    CliCtl *ctl;
    const char *kind;
    const char *vol; /* the job's volume name, or NULL for any */
    guint64 total_hint;
    CliJobFunc func;
    gpointer data;
    GHashTable *old_ids; /* jobs that ran before ours: never ours */
    GMainContext *context;
    /* Set by the worker, read after the join or under the atomic flag. */
    int rc;
    GError *error;
    gint done; /* atomic */
    /* Main thread only. */
    guint64 job_id; /* 0 until found */
    gboolean cancel_wanted;
    gboolean cancel_sent;
    gboolean drawn;
    gboolean tty;
    gint64 start;
} JobRun;

static gpointer
job_thread(gpointer user_data)
{
    JobRun *run = user_data;

    run->rc = run->func(run->data, &run->error);
    g_atomic_int_set(&run->done, 1);
    g_main_context_wakeup(run->context);
    return NULL;
}

static GHashTable *
job_ids(VstorConnect *conn)
{
    GHashTable *ids = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    g_autoptr(GPtrArray) jobs = vstor_connect_list_jobs(conn, NULL, 0, NULL);

    for (guint i = 0; jobs && i < jobs->len; i++) {
        const VstorStorageJobInfo *j = jobs->pdata[i];

        g_hash_table_add(ids, g_memdup2(&j->id, sizeof(j->id)));
    }
    return ids;
}

/* Our job in the current list (copied into *ret), found by kind and volume among the jobs
 * that were not there before. */
static gboolean
find_job(JobRun *run, guint64 *ret_done, guint64 *ret_total)
{
    g_autoptr(GPtrArray) jobs = vstor_connect_list_jobs(run->ctl->conn, NULL, 0, NULL);

    for (guint i = 0; jobs && i < jobs->len; i++) {
        const VstorStorageJobInfo *j = jobs->pdata[i];

        if (run->job_id ? j->id != run->job_id
                        : (g_hash_table_contains(run->old_ids, &j->id) ||
                           g_strcmp0(j->kind, run->kind) != 0 ||
                           (run->vol && g_strcmp0(j->vol, run->vol) != 0)))
            continue;
        run->job_id = j->id;
        *ret_done = j->done;
        *ret_total = j->total ? j->total : run->total_hint;
        return TRUE;
    }
    return FALSE;
}

static void
format_eta(GString *line, double seconds)
{
    guint64 s = (guint64)(seconds + 0.5);

    if (s >= 3600)
        g_string_append_printf(line, "  ETA %" G_GUINT64_FORMAT ":%02u:%02u", s / 3600,
                               (unsigned int)(s / 60 % 60), (unsigned int)(s % 60));
    else
        g_string_append_printf(line, "  ETA %u:%02u", (unsigned int)(s / 60),
                               (unsigned int)(s % 60));
}

static void
draw(JobRun *run, guint64 done, guint64 total)
{
    g_autoptr(GString) line = g_string_new("\r");
    g_autofree char *done_s = cli_pretty_size(done);
    double secs = (double)(g_get_monotonic_time() - run->start) / G_USEC_PER_SEC;
    double rate = secs > 0 ? (double)done / secs : 0;
    g_autofree char *rate_s = cli_pretty_size((guint64)rate);

    if (total > 0) {
        g_autofree char *total_s = cli_pretty_size(total);
        guint64 pct = MIN(done, total) * 100 / total;

        g_string_append_printf(line, "%s: %3" G_GUINT64_FORMAT "%%  %s / %s  %s/s", run->kind, pct,
                               done_s, total_s, rate_s);
        if (rate > 0 && done < total)
            format_eta(line, (double)(total - done) / rate);
    } else {
        g_string_append_printf(line, "%s: %s  %s/s", run->kind, done_s, rate_s);
    }
    g_string_append(line, "\033[K");
    fputs(line->str, stderr);
    fflush(stderr);
    run->drawn = TRUE;
}

static void
try_cancel(JobRun *run)
{
    guint64 done, total;

    if (run->cancel_sent || !find_job(run, &done, &total))
        return;
    /* When the job ended in between, the call's own result stands. */
    vstor_connect_cancel_job(run->ctl->conn, run->job_id, 0, NULL);
    run->cancel_sent = TRUE;
}

static gboolean
on_tick(gpointer user_data)
{
    JobRun *run = user_data;
    guint64 done, total;

    if (run->cancel_wanted)
        try_cancel(run);
    if (run->tty && !run->cancel_wanted && find_job(run, &done, &total))
        draw(run, done, total);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint(gpointer user_data)
{
    JobRun *run = user_data;

    run->cancel_wanted = TRUE;
    try_cancel(run);
    return G_SOURCE_CONTINUE;
}

int
cli_run_job(CliCtl *ctl, const char *kind, const char *vol, guint64 total_hint, CliJobFunc func,
            gpointer data, GError **error)
{
    JobRun run = {
        .ctl = ctl,
        .kind = kind,
        .vol = vol,
        .total_hint = total_hint,
        .func = func,
        .data = data,
        .tty = isatty(STDERR_FILENO),
        .start = g_get_monotonic_time(),
    };
    GSource *sigint, *tick;
    GThread *thread;

    if (!ctl->conn)
        return func(data, error);
    run.old_ids = job_ids(ctl->conn);
    run.context = g_main_context_new();
    g_main_context_push_thread_default(run.context);
    sigint = g_unix_signal_source_new(SIGINT);
    g_source_set_callback(sigint, on_sigint, &run, NULL);
    g_source_attach(sigint, run.context);
    tick = g_timeout_source_new(200);
    g_source_set_callback(tick, on_tick, &run, NULL);
    g_source_attach(tick, run.context);

    thread = g_thread_new("vstor-job", job_thread, &run);
    while (!g_atomic_int_get(&run.done))
        g_main_context_iteration(run.context, TRUE);
    g_thread_join(thread);

    g_source_destroy(tick);
    g_source_unref(tick);
    g_source_destroy(sigint);
    g_source_unref(sigint);
    g_main_context_pop_thread_default(run.context);
    g_main_context_unref(run.context);
    g_hash_table_unref(run.old_ids);
    if (run.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    if (run.rc < 0)
        g_propagate_error(error, run.error);
    else
        g_clear_error(&run.error);
    return run.rc;
}
