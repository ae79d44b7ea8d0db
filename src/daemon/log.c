/* log.c: vstord's log — a level and a set of outputs (stderr, files opened for append), one
 * line per event, replaceable while the daemon runs (SIGHUP) and safe from any thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"

typedef struct {
    int level;
    int fd; /* STDERR_FILENO or a file we opened */
} LogSink;

struct _VstorLogger {
    GMutex lock;
    int level;
    gboolean verbose;
    GArray *sinks; /* LogSink */
};

static void
sinks_close(GArray *sinks)
{
    for (guint i = 0; i < sinks->len; i++) {
        LogSink *s = &g_array_index(sinks, LogSink, i);

        if (s->fd != STDERR_FILENO)
            close(s->fd);
    }
    g_array_unref(sinks);
}

/* Opens every output of @outputs (VstorLogOutput); none means stderr. */
static GArray *
sinks_open(GArray *outputs, GError **err)
{
    GArray *sinks = g_array_new(FALSE, TRUE, sizeof(LogSink));

    for (guint i = 0; i < outputs->len; i++) {
        VstorLogOutput *o = &g_array_index(outputs, VstorLogOutput, i);
        LogSink s = {.level = o->level, .fd = STDERR_FILENO};

        if (o->path) {
            s.fd = open(o->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
            if (s.fd < 0) {
                int e = errno;

                g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e),
                            "cannot open log file %s: %s", o->path, g_strerror(e));
                sinks_close(sinks);
                return NULL;
            }
        }
        g_array_append_val(sinks, s);
    }
    if (sinks->len == 0) {
        LogSink s = {.level = VSTOR_LOG_DEBUG, .fd = STDERR_FILENO};

        g_array_append_val(sinks, s);
    }
    return sinks;
}

VstorLogger *
vstor_logger_new(int level, GArray *outputs, gboolean verbose, GError **err)
{
    VstorLogger *lg;
    GArray *sinks = sinks_open(outputs, err);

    if (!sinks)
        return NULL;
    lg = g_new0(VstorLogger, 1);
    g_mutex_init(&lg->lock);
    lg->level = level;
    lg->verbose = verbose;
    lg->sinks = sinks;
    return lg;
}

int
vstor_logger_reconfigure(VstorLogger *lg, int level, GArray *outputs, GError **err)
{
    GArray *sinks = sinks_open(outputs, err);
    GArray *old;

    if (!sinks)
        return -1;
    g_mutex_lock(&lg->lock);
    old = lg->sinks;
    lg->sinks = sinks;
    lg->level = level;
    g_mutex_unlock(&lg->lock);
    sinks_close(old);
    return 0;
}

void
vstor_logger_free(VstorLogger *lg)
{
    if (!lg)
        return;
    sinks_close(lg->sinks);
    g_mutex_clear(&lg->lock);
    g_free(lg);
}

int
vstor_logger_level(VstorLogger *lg)
{
    int level;

    g_mutex_lock(&lg->lock);
    level = lg->verbose ? VSTOR_LOG_DEBUG : lg->level;
    g_mutex_unlock(&lg->lock);
    return level;
}

static const char *
level_prefix(int level)
{
    switch (level) {
    case VSTOR_LOG_DEBUG: return "debug: ";
    case VSTOR_LOG_WARNING: return "warning: ";
    case VSTOR_LOG_ERROR: return "error: ";
    default: return "";
    }
}

void
vstor_logger_logv(VstorLogger *lg, int level, const char *fmt, va_list ap)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    g_autofree char *line =
        g_strdup_printf("%s vstord[%d]: %s%s\n", stamp, (int)getpid(), level_prefix(level), msg);
    gsize len = strlen(line);

    if (!lg) {
        fputs(line, stderr);
        return;
    }
    g_mutex_lock(&lg->lock);
    if (level >= (lg->verbose ? VSTOR_LOG_DEBUG : lg->level)) {
        for (guint i = 0; i < lg->sinks->len; i++) {
            LogSink *s = &g_array_index(lg->sinks, LogSink, i);

            /* A log line that cannot be written has nowhere else to go. */
            if (level >= s->level && write(s->fd, line, len) < 0)
                continue;
        }
    }
    g_mutex_unlock(&lg->lock);
}
