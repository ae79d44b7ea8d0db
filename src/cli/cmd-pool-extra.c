/* cmd-pool-extra.c: the connection-wide pool commands — pool-capabilities,
 * find-storage-pool-sources[-as], pool-event — and the event waiting secret-event shares. */
#include <glib-unix.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/json.h"

static gboolean
cmd_pool_capabilities(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(GError) lib = NULL;
    g_autofree char *caps = NULL;
    VstorConnect *conn;

    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(caps = vstor_connect_get_storage_pool_capabilities(conn, 0, &lib))) {
        cli_set_lib_error(err, lib, "failed to get storage pool capabilities");
        return FALSE;
    }
    if (cli_opt_given(cmd, "json")) {
        g_autofree char *json = cli_pool_caps_xml_to_json(caps, &lib);

        if (!json) {
            cli_set_lib_error(err, lib, NULL);
            return FALSE;
        }
        fputs(json, stdout);
        return TRUE;
    }
    printf("%s\n", caps);
    return TRUE;
}

static gboolean
find_sources(CliCtl *ctl, const char *type, const char *spec, GError **err)
{
    g_autoptr(GError) lib = NULL;
    g_autofree char *list = NULL;
    VstorConnect *conn;

    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if (!(list = vstor_connect_find_storage_pool_sources(conn, type, spec, 0, &lib))) {
        cli_set_lib_error(err, lib, "Failed to find any %s pool sources", type);
        return FALSE;
    }
    fputs(list, stdout);
    return TRUE;
}

static gboolean
cmd_find_sources(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autofree char *spec = NULL;
    const char *type, *file;

    if (cli_opt_string(cmd, "type", &type, err) < 0 ||
        cli_opt_string(cmd, "srcSpec", &file, err) < 0)
        return FALSE;
    if (file && !(spec = cli_read_file(file, err)))
        return FALSE;
    return find_sources(ctl, type, spec, err);
}

static gboolean
cmd_find_sources_as(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(GString) spec = NULL;
    const char *type, *host, *port, *initiator;

    if (cli_opt_string(cmd, "type", &type, err) < 0 ||
        cli_opt_string(cmd, "host", &host, err) < 0 ||
        cli_opt_string(cmd, "initiator", &initiator, err) < 0)
        return FALSE;
    /* As virsh: without a host there is no hint at all (port and initiator are dropped). */
    if (host) {
        if (cli_opt_string(cmd, "port", &port, err) < 0)
            return FALSE;
        spec = g_string_new("<source>\n");
        g_string_append_printf(spec, "  <host name='%s'", host);
        if (port)
            g_string_append_printf(spec, " port='%s'", port);
        g_string_append(spec, "/>\n");
        if (initiator)
            g_string_append_printf(spec, "  <initiator>\n    <iqn name='%s'/>\n  </initiator>\n",
                                   initiator);
        g_string_append(spec, "</source>\n");
    }
    return find_sources(ctl, type, spec ? spec->str : NULL, err);
}

/* --- waiting for events (pool-event, secret-event) --- */

/* virsh's raw timestamp: "2024-01-31 12:34:56.789+0000", always UTC. */
static char *
timestamp_now(void)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *base = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");

    return g_strdup_printf("%s.%03d+0000", base, g_date_time_get_microsecond(now) / 1000);
}

static gboolean
on_done(gpointer p)
{
    g_main_loop_quit(((CliEventWait *)p)->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
on_timeout(gpointer p)
{
    CliEventWait *w = p;

    w->timed_out = TRUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
on_interrupt(gpointer p)
{
    CliEventWait *w = p;

    w->interrupted = TRUE;
    g_main_loop_quit(w->loop);
    return G_SOURCE_REMOVE;
}

CliEventWait *
cli_event_wait_new(const CliCmd *cmd, int event_id, GError **err)
{
    CliEventWait *w;
    guint64 v = 0;

    if (cli_opt_given(cmd, "timeout")) {
        if (cli_opt_ull(cmd, "timeout", FALSE, &v, err) < 0)
            return NULL;
        if (v == 0 || v > INT_MAX / 1000) {
            cli_set_error(err,
                          "Numeric value '%" G_GUINT64_FORMAT
                          "' for <timeout> option is malformed or out of range",
                          v);
            return NULL;
        }
    }
    w = g_new0(CliEventWait, 1);
    w->refs = 1;
    g_mutex_init(&w->lock);
    w->loop = g_main_loop_new(NULL, FALSE);
    w->event_id = event_id;
    w->timeout = (guint)v;
    w->keep_going = cli_opt_given(cmd, "loop");
    w->timestamp = cli_opt_given(cmd, "timestamp");
    return w;
}

CliEventWait *
cli_event_wait_ref(CliEventWait *w)
{
    g_atomic_int_inc(&w->refs);
    return w;
}

void
cli_event_wait_unref(gpointer p)
{
    CliEventWait *w = p;

    if (!w || !g_atomic_int_dec_and_test(&w->refs))
        return;
    g_main_loop_unref(w->loop);
    g_mutex_clear(&w->lock);
    g_free(w);
}

void
cli_event_wait_report(CliEventWait *w, const char *fmt, ...)
{
    g_autofree char *line = NULL;
    g_autofree char *stamp = NULL;
    va_list ap;

    g_mutex_lock(&w->lock);
    if (w->keep_going || !w->count) {
        va_start(ap, fmt);
        line = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (w->timestamp)
            stamp = timestamp_now();
        printf("%s%s%s\n", stamp ? stamp : "", stamp ? ": " : "", line);
        fflush(stdout);
        w->count++;
        /* Through the loop's context, so that an event before the loop runs still ends it; the
         * source holds a reference in case it outlives the wait. */
        if (!w->keep_going)
            g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, on_done, cli_event_wait_ref(w),
                            cli_event_wait_unref);
    }
    g_mutex_unlock(&w->lock);
}

void
cli_event_wait_run(CliEventWait *w)
{
    if (w->timeout)
        g_timeout_add_seconds(w->timeout, on_timeout, w);
    g_unix_signal_add(SIGINT, on_interrupt, w);
    g_main_loop_run(w->loop);
    while (g_source_remove_by_user_data(w))
        ;
}

gboolean
cli_event_wait_summary(CliEventWait *w)
{
    int count;

    g_mutex_lock(&w->lock);
    count = w->count;
    g_mutex_unlock(&w->lock);
    if (w->interrupted)
        printf("event loop interrupted\n");
    else if (w->timed_out)
        printf("event loop timed out\n");
    printf("events received: %d\n", count);
    return count > 0;
}

int
cli_event_choice(const CliCmd *cmd, const char *const *names, gboolean *ret_listed, GError **err)
{
    const char *name;
    int which;

    *ret_listed = FALSE;
    if (cli_opt_given(cmd, "list")) {
        for (const char *const *n = names; *n; n++)
            printf("%s\n", *n);
        *ret_listed = TRUE;
        return 0;
    }
    if (cli_opt_string(cmd, "event", &name, err) < 0)
        return -1;
    if (!name) {
        cli_set_error(err, "either --list or --event <type> is required");
        return -1;
    }
    for (which = 0; names[which] && !g_str_equal(names[which], name); which++)
        ;
    if (!names[which]) {
        cli_set_error(err, "unknown event type %s", name);
        return -1;
    }
    return which;
}

/* --- pool-event --- */

/* The event names of --event and --list, in libvirt's event id order. */
static const char *const event_names[] = {"lifecycle", "refresh", NULL};

/* virsh's words for the lifecycle events, by VstorStoragePoolEventType. */
static const char *const lifecycle_names[] = {"Defined", "Undefined", "Started",
                                              "Stopped", "Created",   "Deleted"};

static void
on_event(VstorConnect *conn, VstorStoragePool *pool, VstorStoragePoolEventType event, gpointer p)
{
    CliEventWait *w = p;
    gboolean refresh = w->event_id == 1;

    if ((event == VSTOR_STORAGE_POOL_EVENT_REFRESH) != refresh)
        return;
    if (refresh)
        cli_event_wait_report(w, "event 'refresh' for storage pool %s",
                              vstor_storage_pool_get_name(pool));
    else
        cli_event_wait_report(
            w, "event 'lifecycle' for storage pool %s: %s", vstor_storage_pool_get_name(pool),
            (guint)event < G_N_ELEMENTS(lifecycle_names) ? lifecycle_names[event] : "unknown");
}

static gboolean
cmd_pool_event(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GError) lib = NULL;
    g_autoptr(CliEventWait) w = NULL;
    gboolean listed;
    VstorConnect *conn;
    int id, which;

    if ((which = cli_event_choice(cmd, event_names, &listed, err)) < 0)
        return FALSE;
    if (listed)
        return TRUE;
    if (!(w = cli_event_wait_new(cmd, which, err)))
        return FALSE;
    if (cli_opt_given(cmd, "pool") &&
        !(pool = cli_pool_arg(ctl, cmd, "pool", CLI_BY_UUID | CLI_BY_NAME, NULL, err)))
        return FALSE;
    if (!(conn = cli_conn(ctl, err)))
        return FALSE;
    if ((id = vstor_connect_storage_pool_event_register(conn, pool, on_event, cli_event_wait_ref(w),
                                                        cli_event_wait_unref, &lib)) < 0) {
        cli_event_wait_unref(w);
        cli_set_lib_error(err, lib, NULL);
        return FALSE;
    }
    cli_event_wait_run(w);
    vstor_connect_storage_pool_event_deregister(conn, id, NULL);
    return cli_event_wait_summary(w);
}

static const CliOptDef caps_opts[] = {
    {"json", CLI_OPT_BOOL, 0,
     "print a JSON array with one object per pool type: type, supported (boolean), "
     "pool_options and vol_options ({default_format, formats} or null)"},
    {NULL},
};

static const CliOptDef find_sources_opts[] = {
    {"type", CLI_OPT_DATA, CLI_OPT_REQUIRED, "type of storage pool sources to discover"},
    {"srcSpec", CLI_OPT_STRING, 0, "optional file of source xml to query for pools"},
    {NULL},
};

static const CliOptDef find_sources_as_opts[] = {
    {"type", CLI_OPT_DATA, CLI_OPT_REQUIRED, "type of storage pool sources to find"},
    {"host", CLI_OPT_STRING, 0, "optional host to query"},
    {"port", CLI_OPT_STRING, 0, "optional port to query"},
    {"initiator", CLI_OPT_STRING, 0, "optional initiator IQN to use for query"},
    {NULL},
};

static const CliOptDef pool_event_opts[] = {
    {"pool", CLI_OPT_STRING, 0, "filter by storage pool name or uuid"},
    {"event", CLI_OPT_STRING, 0, "which event type to wait for"},
    {"loop", CLI_OPT_BOOL, 0, "loop until timeout or interrupt, rather than one-shot"},
    {"timeout", CLI_OPT_INT, 0, "timeout seconds"},
    {"list", CLI_OPT_BOOL, 0, "list valid event types"},
    {"timestamp", CLI_OPT_BOOL, 0, "show timestamp for each printed event"},
    {NULL},
};

const CliCmdDef cli_cmd_pool_capabilities = {"pool-capabilities", "storage pool capabilities",
                                             "Returns capabilities of storage pool support.",
                                             caps_opts, cmd_pool_capabilities};

const CliCmdDef cli_cmd_find_sources = {
    "find-storage-pool-sources", "discover potential storage pool sources",
    "Returns XML <sources> document.", find_sources_opts, cmd_find_sources};

const CliCmdDef cli_cmd_find_sources_as = {
    "find-storage-pool-sources-as", "find potential storage pool sources",
    "Returns XML <sources> document.", find_sources_as_opts, cmd_find_sources_as};

const CliCmdDef cli_cmd_pool_event = {"pool-event", "Storage Pool Events",
                                      "List event types, or wait for storage pool events to occur",
                                      pool_event_opts, cmd_pool_event};
